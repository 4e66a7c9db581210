//! Coverage criteria for neural networks: what a set of tests has exercised inside a network,
//! as covered objectives out of a total.
//!
//! Every criterion is a struct built for one network's hidden-layer widths (and a [`Profile`]
//! or fitted surprise model where its definition needs one), then *updated incrementally*:
//! [`Criterion::update`] adds the tests of a [`Trace`] (pairs of tests for MC/DC,
//! [`Mcdc::update`]), [`Criterion::count`] tells covered and total, and
//! [`Criterion::uncovered`] lists the objectives still open, for a generator to aim at. The
//! exact definitions are in `docs/testing.md`.

mod kmnc;
mod mcdc;
mod nbc;
mod nc;
mod neuron;
mod profile;
mod snac;
mod surprise;
mod tknc;

pub use kmnc::KMultisectionCoverage;
pub use mcdc::{all_ordered_pairs, Mcdc, McdcKind, ValueChange, MCDC_TINY};
pub use nbc::NeuronBoundaryCoverage;
pub use nc::{NeuronCoverage, ScaledNeuronCoverage};
pub use neuron::{Neuron, NeuronFlags};
pub use profile::{EmptyProfile, Profile};
pub use snac::StrongNeuronActivationCoverage;
pub use surprise::{
    DistanceSurprise, LikelihoodSurprise, SurpriseAdequacy, SurpriseCoverage, SurpriseError,
    KDE_VARIANCE_THRESHOLD,
};
pub use tknc::TopKNeuronCoverage;

use super::trace::Trace;
use serde::Serialize;

/// Which side of a neuron's profiled range `[low, high]` a boundary objective lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// `v < low`.
    Lower,
    /// `v > high`.
    Upper,
}

/// One thing a criterion asks the tests to exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// NC, NC(t), TKNC: the neuron is activated (in the criterion's sense) by some test.
    Neuron(Neuron),
    /// KMNC: some test puts the neuron's `v` in section `section` (0-based) of its range.
    Section { neuron: Neuron, section: usize },
    /// NBC, SNAC: some test puts the neuron's `v` beyond that side of its range.
    Boundary { neuron: Neuron, side: Side },
    /// MC/DC: some pair of tests changes `condition` (layer `k`) so that `decision` (layer
    /// `k + 1`) changes, as the criterion's kind says. Layer numbers count the hidden layers
    /// from 0, and the output layer is number [`Trace::hidden`]`.len()`.
    NeuronPair { condition: Neuron, decision: Neuron },
    /// Surprise coverage: some test's surprise adequacy falls in bucket `bucket` (0-based) of
    /// `(0, U]`.
    Bucket { bucket: usize },
}

/// How much of a criterion is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Count {
    pub covered: usize,
    pub total: usize,
}

impl Count {
    /// The covered fraction; 0 when there is nothing to cover.
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.covered as f64 / self.total as f64
        }
    }
}

/// A coverage criterion over single tests, updated incrementally.
///
/// A trace passed to `update` must come from the network (hidden-layer widths) the criterion
/// was built for; mismatched widths panic, as an index out of range would.
pub trait Criterion {
    /// The criterion's short name, as `vera test coverage --criteria` spells it.
    fn name(&self) -> &'static str;
    /// Adds every test of `trace` to the tests seen so far.
    fn update(&mut self, trace: &Trace);
    /// Covered and total objectives over all tests seen so far.
    fn count(&self) -> Count;
    /// The objectives no test seen so far covers, in a fixed order (layer, neuron, then
    /// section or side).
    fn uncovered(&self) -> Vec<Objective>;
}

/// Traces written by hand, for the criteria's unit tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use crate::testing::batch::Batch;
    use crate::testing::trace::{LayerTrace, Trace};

    /// `layers[l][t]` is test `t`'s `u` in hidden layer `l` (`v = max(0, u)`); no outputs.
    pub fn trace_of(layers: &[&[&[f32]]]) -> Trace {
        let tests = layers.first().map_or(0, |l| l.len());
        trace_with_output(layers, &vec![&[][..]; tests])
    }

    /// As [`trace_of`], with `output[t]` test `t`'s output values.
    pub fn trace_with_output(layers: &[&[&[f32]]], output: &[&[f32]]) -> Trace {
        let batch = |rows: &[&[f32]]| {
            let width = rows.first().map_or(0, |r| r.len());
            let rows: Vec<Vec<f32>> = rows.iter().map(|r| r.to_vec()).collect();
            Batch::from_rows(width, &rows).expect("rows of one width")
        };
        let hidden = layers
            .iter()
            .map(|rows| {
                let u = batch(rows);
                let v_rows: Vec<Vec<f32>> = rows
                    .iter()
                    .map(|r| r.iter().map(|x| x.max(0.0)).collect())
                    .collect();
                let v = Batch::from_rows(u.cols(), &v_rows).expect("rows of one width");
                LayerTrace { u, v }
            })
            .collect();
        let mut out = batch(output);
        if out.rows() == 0 {
            out = Batch::from_row_major(output.len(), 0, Vec::new()).expect("empty rows");
        }
        Trace {
            hidden,
            output: out,
        }
    }
}
