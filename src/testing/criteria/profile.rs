//! A profile: each hidden neuron's range `[low, high]` of post-activation values `v` over a
//! profile set of tests (DeepGauge's training-set boundaries).

use crate::testing::trace::Trace;

/// Per hidden layer and neuron, the least and greatest `v` over the profile set.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub low: Vec<Vec<f32>>,
    pub high: Vec<Vec<f32>>,
}

/// A profile needs at least one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the profile set has no tests; a neuron's range needs at least one")]
pub struct EmptyProfile;

impl Profile {
    /// The ranges of `v` over every test of `trace`.
    pub fn from_trace(trace: &Trace) -> Result<Profile, EmptyProfile> {
        if trace.tests() == 0 {
            return Err(EmptyProfile);
        }
        let mut low = Vec::new();
        let mut high = Vec::new();
        for layer in &trace.hidden {
            let mut lo = vec![f32::INFINITY; layer.v.cols()];
            let mut hi = vec![f32::NEG_INFINITY; layer.v.cols()];
            for row in layer.v.iter_rows() {
                for (n, v) in row.iter().enumerate() {
                    lo[n] = lo[n].min(*v);
                    hi[n] = hi[n].max(*v);
                }
            }
            low.push(lo);
            high.push(hi);
        }
        Ok(Profile { low, high })
    }

    /// The width of every hidden layer.
    pub fn widths(&self) -> Vec<usize> {
        self.low.iter().map(Vec::len).collect()
    }
}
