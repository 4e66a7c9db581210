//! Neuron boundary coverage (DeepGauge's NBC): values of `v` beyond either end of a neuron's
//! profiled range.

use super::{Count, Criterion, NeuronFlags, Objective, Profile, Side};
use crate::testing::trace::Trace;

/// NBC: with `[low, high]` a neuron's profiled range, its upper corner is covered when some
/// test has `v > high`, its lower corner when some test has `v < low`. Total: `2 ×` all hidden
/// neurons (ranges with `low = high` included).
#[derive(Debug, Clone)]
pub struct NeuronBoundaryCoverage {
    profile: Profile,
    upper: NeuronFlags,
    lower: NeuronFlags,
}

impl NeuronBoundaryCoverage {
    pub fn new(profile: Profile) -> NeuronBoundaryCoverage {
        let widths = profile.widths();
        NeuronBoundaryCoverage {
            profile,
            upper: NeuronFlags::new(&widths),
            lower: NeuronFlags::new(&widths),
        }
    }
}

/// Marks, per layer, the neurons whose `v` passes `beyond(v, bound)` for some test of `trace`:
/// shared by NBC's two corners and SNAC.
pub(super) fn mark_beyond(
    flags: &mut NeuronFlags,
    bounds: &[Vec<f32>],
    trace: &Trace,
    beyond: impl Fn(f32, f32) -> bool,
) {
    for (l, layer) in trace.hidden.iter().enumerate() {
        let flags = flags.layer_mut(l);
        for row in layer.v.iter_rows() {
            for ((f, v), b) in flags.iter_mut().zip(row).zip(&bounds[l]) {
                *f |= beyond(*v, *b);
            }
        }
    }
}

impl Criterion for NeuronBoundaryCoverage {
    fn name(&self) -> &'static str {
        "nbc"
    }

    fn update(&mut self, trace: &Trace) {
        mark_beyond(&mut self.upper, &self.profile.high, trace, |v, hi| v > hi);
        mark_beyond(&mut self.lower, &self.profile.low, trace, |v, lo| v < lo);
    }

    fn count(&self) -> Count {
        Count {
            covered: self.upper.set_count() + self.lower.set_count(),
            total: self.upper.len() + self.lower.len(),
        }
    }

    /// Upper then lower corner of each neuron, neuron by neuron.
    fn uncovered(&self) -> Vec<Objective> {
        let mut out = Vec::new();
        let mut upper = self.upper.clear_neurons().into_iter().peekable();
        let mut lower = self.lower.clear_neurons().into_iter().peekable();
        loop {
            let side = match (upper.peek(), lower.peek()) {
                (Some(u), Some(l)) if u <= l => Side::Upper,
                (Some(_), None) => Side::Upper,
                (_, Some(_)) => Side::Lower,
                (None, None) => break,
            };
            let neuron = match side {
                Side::Upper => upper.next(),
                Side::Lower => lower.next(),
            };
            if let Some(neuron) = neuron {
                out.push(Objective::Boundary { neuron, side });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::criteria::tests_support::trace_of;
    use crate::testing::criteria::Neuron;

    /// Profile: n0 in [1, 3], n1 in [0, 0] (dead), n2 in [2, 2]. Tests: n0 at 0.5 (< low) and
    /// 3.5 (> high); n1 at 0 (never beyond); n2 at 2 then 5 (> high). Covered: 3 of 6.
    #[test]
    fn corners_by_hand() {
        let profile = Profile::from_trace(&trace_of(&[&[&[1.0, -1.0, 2.0], &[3.0, 0.0, 2.0]]]));
        let mut nbc = NeuronBoundaryCoverage::new(profile.unwrap());
        nbc.update(&trace_of(&[&[&[0.5, -3.0, 2.0], &[3.5, 0.0, 5.0]]]));
        assert_eq!(
            nbc.count(),
            Count {
                covered: 3,
                total: 6
            }
        );
        let n = |index| Neuron { layer: 0, index };
        assert_eq!(
            nbc.uncovered(),
            vec![
                Objective::Boundary {
                    neuron: n(1),
                    side: Side::Upper
                },
                Objective::Boundary {
                    neuron: n(1),
                    side: Side::Lower
                },
                Objective::Boundary {
                    neuron: n(2),
                    side: Side::Lower
                },
            ]
        );
    }
}
