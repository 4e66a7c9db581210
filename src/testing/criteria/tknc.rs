//! Top-k neuron coverage (DeepGauge's TKNC(k)): the neurons that are among the `k` most
//! active of their layer for some test.

use super::{Count, Criterion, NeuronFlags, Objective};
use crate::testing::trace::Trace;
use std::cmp::Ordering;

/// TKNC(k): a hidden neuron is covered when, for some test, its `v` is among the `k` largest
/// of its layer, ties broken by lower index first (so exactly `min(k, width)` neurons of each
/// layer are top-k for each test). Total: all hidden neurons.
#[derive(Debug, Clone)]
pub struct TopKNeuronCoverage {
    k: usize,
    covered: NeuronFlags,
}

impl TopKNeuronCoverage {
    pub fn new(widths: &[usize], k: usize) -> TopKNeuronCoverage {
        TopKNeuronCoverage {
            k,
            covered: NeuronFlags::new(widths),
        }
    }
}

impl Criterion for TopKNeuronCoverage {
    fn name(&self) -> &'static str {
        "tknc"
    }

    fn update(&mut self, trace: &Trace) {
        for (l, layer) in trace.hidden.iter().enumerate() {
            let width = layer.v.cols();
            let k = self.k.min(width);
            if k == 0 {
                continue;
            }
            let flags = self.covered.layer_mut(l);
            let mut order: Vec<usize> = (0..width).collect();
            for row in layer.v.iter_rows() {
                // Larger v first, then lower index: a total order, so the first k after
                // selection are exactly the top k.
                let rank = |a: &usize, b: &usize| -> Ordering {
                    row[*b].total_cmp(&row[*a]).then(a.cmp(b))
                };
                if k < width {
                    order.select_nth_unstable_by(k - 1, rank);
                }
                for n in &order[..k] {
                    flags[*n] = true;
                }
            }
        }
    }

    fn count(&self) -> Count {
        self.covered.count()
    }

    fn uncovered(&self) -> Vec<Objective> {
        self.covered.clear_objectives()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::criteria::tests_support::trace_of;

    /// k = 2 on a layer of 4: test 0's v = (1, 3, 3, 0) -> {1, 2}; test 1's v = (0, 0, 0, 0)
    /// (all tied) -> {0, 1}. Neuron 3 is never top-2.
    #[test]
    fn ties_go_to_the_lower_index() {
        let trace = trace_of(&[&[&[1.0, 3.0, 3.0, -2.0], &[0.0, -1.0, 0.0, 0.0]]]);
        let mut tknc = TopKNeuronCoverage::new(&[4], 2);
        tknc.update(&trace);
        assert_eq!(
            tknc.count(),
            Count {
                covered: 3,
                total: 4
            }
        );
        let mut wide = TopKNeuronCoverage::new(&[4], 9);
        wide.update(&trace);
        assert_eq!(wide.count().covered, 4);
    }
}
