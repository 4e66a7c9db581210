//! Neuron coverage: NC (a hidden neuron is covered when its pre-activation `u > 0` for some
//! test) and DeepXplore's NC(t) over per-layer min-max scaled outputs.

use super::{Count, Criterion, NeuronFlags, Objective};
use crate::testing::trace::Trace;

/// NC (survey Def. 21): hidden neuron `n` is covered when `u_n(x) > 0` for some test `x`;
/// total: all hidden neurons.
#[derive(Debug, Clone)]
pub struct NeuronCoverage {
    covered: NeuronFlags,
}

impl NeuronCoverage {
    pub fn new(widths: &[usize]) -> NeuronCoverage {
        NeuronCoverage {
            covered: NeuronFlags::new(widths),
        }
    }
}

impl Criterion for NeuronCoverage {
    fn name(&self) -> &'static str {
        "nc"
    }

    fn update(&mut self, trace: &Trace) {
        for (l, layer) in trace.hidden.iter().enumerate() {
            let flags = self.covered.layer_mut(l);
            for row in layer.u.iter_rows() {
                for (f, u) in flags.iter_mut().zip(row) {
                    *f |= *u > 0.0;
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

/// DeepXplore's NC(t): for each test and hidden layer, the layer's outputs `v` are scaled to
/// `(v - min) / (max - min)` with `min`, `max` over that layer's neurons for that test
/// (computed in f64); neuron `n` is covered when its scaled value is `> t` for some test. A
/// layer whose outputs are all equal for a test (`max = min`) covers none of its neurons with
/// that test. Total: all hidden neurons.
#[derive(Debug, Clone)]
pub struct ScaledNeuronCoverage {
    threshold: f64,
    covered: NeuronFlags,
}

impl ScaledNeuronCoverage {
    pub fn new(widths: &[usize], threshold: f64) -> ScaledNeuronCoverage {
        ScaledNeuronCoverage {
            threshold,
            covered: NeuronFlags::new(widths),
        }
    }

    /// The threshold `t`.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }
}

impl Criterion for ScaledNeuronCoverage {
    fn name(&self) -> &'static str {
        "nc"
    }

    fn update(&mut self, trace: &Trace) {
        for (l, layer) in trace.hidden.iter().enumerate() {
            let flags = self.covered.layer_mut(l);
            for row in layer.v.iter_rows() {
                let min = row.iter().copied().fold(f32::INFINITY, f32::min) as f64;
                let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
                if max <= min {
                    continue;
                }
                for (f, v) in flags.iter_mut().zip(row) {
                    *f |= (*v as f64 - min) / (max - min) > self.threshold;
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
    use crate::testing::criteria::Neuron;

    /// Layer 0: neuron 0 positive once, neuron 1 zero (not > 0), neuron 2 dead.
    #[test]
    fn counts_strictly_positive_pre_activations() {
        let trace = trace_of(&[&[&[1.0, 0.0, -1.0], &[-2.0, 0.0, -3.0]]]);
        let mut nc = NeuronCoverage::new(&[3]);
        nc.update(&trace);
        assert_eq!(
            nc.count(),
            Count {
                covered: 1,
                total: 3
            }
        );
        let open = nc.uncovered();
        assert_eq!(open[0], Objective::Neuron(Neuron { layer: 0, index: 1 }));
    }

    /// Scaled values: test 0 gives (0, 0.25, 1) -> 1 and 2 pass 0.2, only 2 passes 0.5;
    /// test 1 has all outputs equal and covers nothing.
    #[test]
    fn scales_each_layer_per_test() {
        let trace = trace_of(&[&[&[0.0, 1.0, 4.0], &[2.0, 2.0, 2.0]]]);
        let mut low = ScaledNeuronCoverage::new(&[3], 0.2);
        low.update(&trace);
        assert_eq!(low.count().covered, 2);
        let mut high = ScaledNeuronCoverage::new(&[3], 0.5);
        high.update(&trace);
        assert_eq!(high.count().covered, 1);
    }
}
