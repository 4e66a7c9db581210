//! K-multisection neuron coverage (DeepGauge's KMNC(k)): each neuron's profiled range of `v`
//! cut into `k` equal sections, each section an objective.

use super::{Count, Criterion, Neuron, Objective, Profile};
use crate::testing::trace::Trace;

/// KMNC(k): with `[low, high]` a neuron's profiled range, a test with `low <= v <= high` covers
/// section `floor((v - low) / (high - low) * k)` (in f64; `v = high`, or a quotient that rounds
/// up to `k`, falls in the last section, `k - 1`). Values outside the range cover no section.
/// Neurons with `low = high` have no sections; total: `k ×` the neurons with `low < high`.
#[derive(Debug, Clone)]
pub struct KMultisectionCoverage {
    profile: Profile,
    k: usize,
    /// Per layer, `neurons × k` flags, neuron-major.
    sections: Vec<Vec<bool>>,
}

impl KMultisectionCoverage {
    /// KMNC(k) over `profile`'s ranges (`k >= 1`; `k = 0` is treated as 1).
    pub fn new(profile: Profile, k: usize) -> KMultisectionCoverage {
        let k = k.max(1);
        let sections = profile
            .widths()
            .iter()
            .map(|w| vec![false; w * k])
            .collect();
        KMultisectionCoverage {
            profile,
            k,
            sections,
        }
    }

    /// The section of `v` in `[low, high]`, if any.
    fn section(&self, low: f32, high: f32, v: f32) -> Option<usize> {
        if !(low < high && low <= v && v <= high) {
            return None;
        }
        let (low, high, v) = (low as f64, high as f64, v as f64);
        let s = ((v - low) / (high - low) * self.k as f64).floor() as usize;
        Some(s.min(self.k - 1))
    }
}

impl Criterion for KMultisectionCoverage {
    fn name(&self) -> &'static str {
        "kmnc"
    }

    fn update(&mut self, trace: &Trace) {
        for (l, layer) in trace.hidden.iter().enumerate() {
            for row in layer.v.iter_rows() {
                for (n, v) in row.iter().enumerate() {
                    let (low, high) = (self.profile.low[l][n], self.profile.high[l][n]);
                    if let Some(s) = self.section(low, high, *v) {
                        self.sections[l][n * self.k + s] = true;
                    }
                }
            }
        }
    }

    fn count(&self) -> Count {
        let ranged = self
            .profile
            .low
            .iter()
            .flatten()
            .zip(self.profile.high.iter().flatten())
            .filter(|(lo, hi)| lo < hi)
            .count();
        Count {
            covered: self.sections.iter().flatten().filter(|f| **f).count(),
            total: ranged * self.k,
        }
    }

    fn uncovered(&self) -> Vec<Objective> {
        let mut out = Vec::new();
        for (layer, flags) in self.sections.iter().enumerate() {
            for (index, sections) in flags.chunks(self.k).enumerate() {
                if self.profile.low[layer][index] >= self.profile.high[layer][index] {
                    continue;
                }
                for (section, f) in sections.iter().enumerate() {
                    if !f {
                        let neuron = Neuron { layer, index };
                        out.push(Objective::Section { neuron, section });
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::criteria::tests_support::trace_of;

    /// Profile: neuron 0 in [0, 4], neuron 1 in [2, 2] (no sections), neuron 2 dead [0, 0].
    /// k = 4: tests put neuron 0 at 0 (section 0), 4 (= high: section 3), 1.999 (section 1),
    /// 5 (outside); total 4 × 1.
    #[test]
    fn sections_by_hand() {
        let profile = Profile::from_trace(&trace_of(&[&[&[0.0, 2.0, -1.0], &[4.0, 2.0, -5.0]]]));
        let mut kmnc = KMultisectionCoverage::new(profile.unwrap(), 4);
        let tests = trace_of(&[&[
            &[0.0, 2.0, 0.0],
            &[4.0, 2.0, 0.0],
            &[1.999, 9.0, 1.0],
            &[5.0, 2.0, 0.0],
        ]]);
        kmnc.update(&tests);
        assert_eq!(
            kmnc.count(),
            Count {
                covered: 3,
                total: 4
            }
        );
        let open = kmnc.uncovered();
        let neuron = Neuron { layer: 0, index: 0 };
        assert_eq!(open, vec![Objective::Section { neuron, section: 2 }]);
    }
}
