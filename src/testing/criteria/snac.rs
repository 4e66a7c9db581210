//! Strong neuron activation coverage (DeepGauge's SNAC): values of `v` above a neuron's
//! profiled range.

use super::nbc::mark_beyond;
use super::{Count, Criterion, NeuronFlags, Objective, Profile, Side};
use crate::testing::trace::Trace;

/// SNAC: a neuron is covered when some test has `v > high`, `high` the top of its profiled
/// range (NBC's upper corners). Total: all hidden neurons.
#[derive(Debug, Clone)]
pub struct StrongNeuronActivationCoverage {
    profile: Profile,
    upper: NeuronFlags,
}

impl StrongNeuronActivationCoverage {
    pub fn new(profile: Profile) -> StrongNeuronActivationCoverage {
        let upper = NeuronFlags::new(&profile.widths());
        StrongNeuronActivationCoverage { profile, upper }
    }
}

impl Criterion for StrongNeuronActivationCoverage {
    fn name(&self) -> &'static str {
        "snac"
    }

    fn update(&mut self, trace: &Trace) {
        mark_beyond(&mut self.upper, &self.profile.high, trace, |v, hi| v > hi);
    }

    fn count(&self) -> Count {
        self.upper.count()
    }

    fn uncovered(&self) -> Vec<Objective> {
        self.upper
            .clear_neurons()
            .into_iter()
            .map(|neuron| Objective::Boundary {
                neuron,
                side: Side::Upper,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::criteria::tests_support::trace_of;

    /// Profile over two layers: [1, 3] and [0, 0]; tests reach 3 (= high, not above) and 0.1.
    #[test]
    fn upper_corners_by_hand() {
        let profile = Profile::from_trace(&trace_of(&[&[&[1.0], &[3.0]], &[&[-1.0], &[0.0]]]));
        let mut snac = StrongNeuronActivationCoverage::new(profile.unwrap());
        snac.update(&trace_of(&[&[&[3.0]], &[&[0.1]]]));
        assert_eq!(
            snac.count(),
            Count {
                covered: 1,
                total: 2
            }
        );
        assert_eq!(snac.uncovered().len(), 1);
    }
}
