//! MC/DC for neural networks (Sun et al., "Testing Deep Neural Networks"; survey Defs. 26–31):
//! sign-sign, sign-value, value-sign and value-value coverage over single-neuron features of
//! consecutive layers.

use super::{Count, Neuron, Objective};
use crate::testing::trace::Trace;

/// Which of the four MC/DC covering methods.
///
/// For a pair of tests `(x1, x2)` and an objective `(i, j)`, `i` a neuron of layer `k` (the
/// condition) and `j` of layer `k + 1` (the decision), with `sc(n)` "n's sign changes",
/// `vc(n)` "n's value changes" ([`ValueChange`]) and `P_k` the neurons of layer `k`:
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum McdcKind {
    /// SS: `sc(i)`, `¬sc(i')` for every other `i'` in `P_k`, and `sc(j)`.
    SignSign,
    /// SV: `sc(i)`, `¬sc(i')` for every other `i'` in `P_k`, `vc(j)` and `¬sc(j)`.
    SignValue,
    /// VS: `vc(i)`, `¬sc(i')` for every `i'` in `P_k` (`i` included), and `sc(j)`.
    ValueSign,
    /// VV: `vc(i)`, `¬sc(i')` for every `i'` in `P_k` (`i` included), `vc(j)` and `¬sc(j)`.
    ValueValue,
}

impl McdcKind {
    /// The short name, as `vera test coverage --criteria` spells it.
    pub fn name(self) -> &'static str {
        match self {
            McdcKind::SignSign => "ss",
            McdcKind::SignValue => "sv",
            McdcKind::ValueSign => "vs",
            McdcKind::ValueValue => "vv",
        }
    }

    fn sign_condition(self) -> bool {
        matches!(self, McdcKind::SignSign | McdcKind::SignValue)
    }

    fn sign_decision(self) -> bool {
        matches!(self, McdcKind::SignSign | McdcKind::ValueSign)
    }
}

/// When a neuron's value changes between `x1` and `x2` (the survey's value functions), on the
/// pre-activation `u` of hidden neurons and the value (logit) of output neurons, computed in
/// f64. The pair is ordered: `u1` is the first test's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueChange {
    /// `|u2 - u1| >= d`.
    Absolute(f64),
    /// `|u2 - u1| >= d · max(|u1|, MCDC_TINY)`, i.e. `|u2/u1 - 1| >= d` away from 0.
    Relative(f64),
}

/// The least `|u1|` a relative change is measured against: keeps the condition meaningful
/// (and finite) when `u1` is 0; the smallest normal f32.
pub const MCDC_TINY: f64 = f32::MIN_POSITIVE as f64;

impl ValueChange {
    /// Whether `u1 -> u2` is a value change.
    pub fn changed(&self, u1: f32, u2: f32) -> bool {
        let (u1, u2) = (u1 as f64, u2 as f64);
        match *self {
            ValueChange::Absolute(d) => (u2 - u1).abs() >= d,
            ValueChange::Relative(d) => (u2 - u1).abs() >= d * u1.abs().max(MCDC_TINY),
        }
    }
}

/// The state of one MC/DC criterion: which (condition, decision) objectives some pair has
/// covered. Feature layers are the hidden layers then the output layer; a neuron's sign is
/// `u > 0`.
#[derive(Debug, Clone)]
pub struct Mcdc {
    kind: McdcKind,
    value: ValueChange,
    /// Widths of the feature layers: every hidden layer, then the output layer.
    widths: Vec<usize>,
    /// Per layer pair `k`: for each condition `i` of layer `k`, a bit set over the decisions
    /// of layer `k + 1` (`words(k + 1)` words a row).
    covered: Vec<Vec<u64>>,
}

fn words(width: usize) -> usize {
    width.div_ceil(64)
}

/// The value of feature `n` of layer `layer` for test `t`.
fn value(trace: &Trace, layer: usize, t: usize, n: usize) -> f32 {
    match trace.hidden.get(layer) {
        Some(l) => l.u.get(t, n),
        None => trace.output.get(t, n),
    }
}

impl Mcdc {
    /// An MC/DC criterion for a network of the given hidden widths and output width.
    pub fn new(hidden: &[usize], outputs: usize, kind: McdcKind, value: ValueChange) -> Mcdc {
        let mut widths = hidden.to_vec();
        widths.push(outputs);
        let covered = widths
            .windows(2)
            .map(|w| vec![0u64; w[0] * words(w[1])])
            .collect();
        Mcdc {
            kind,
            value,
            widths,
            covered,
        }
    }

    pub fn kind(&self) -> McdcKind {
        self.kind
    }

    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// Adds the pairs `(x1, x2)` of tests of `trace` (row numbers) to the pairs seen so far.
    pub fn update(&mut self, trace: &Trace, pairs: &[(usize, usize)]) {
        let signs = self.signs(trace);
        let layers = self.widths.len();
        let mut flips: Vec<Vec<u64>> = self.widths.iter().map(|w| vec![0; words(*w)]).collect();
        let mut values: Vec<u64> = Vec::new();
        for &(a, b) in pairs {
            for (l, f) in flips.iter_mut().enumerate() {
                let w = f.len();
                for (q, word) in f.iter_mut().enumerate() {
                    *word = signs[l][a * w + q] ^ signs[l][b * w + q];
                }
            }
            for k in 0..layers - 1 {
                let flipped: u32 = flips[k].iter().map(|w| w.count_ones()).sum();
                let conditions: Vec<usize> = if self.kind.sign_condition() {
                    if flipped != 1 {
                        continue;
                    }
                    vec![first_set(&flips[k])]
                } else {
                    if flipped != 0 {
                        continue;
                    }
                    (0..self.widths[k])
                        .filter(|&i| {
                            self.value
                                .changed(value(trace, k, a, i), value(trace, k, b, i))
                        })
                        .collect()
                };
                if conditions.is_empty() {
                    continue;
                }
                let decisions: &[u64] = if self.kind.sign_decision() {
                    &flips[k + 1]
                } else {
                    values.clear();
                    values.resize(flips[k + 1].len(), 0);
                    for j in 0..self.widths[k + 1] {
                        let (q, bit) = (j / 64, 1u64 << (j % 64));
                        let changed = self
                            .value
                            .changed(value(trace, k + 1, a, j), value(trace, k + 1, b, j));
                        if changed && flips[k + 1][q] & bit == 0 {
                            values[q] |= bit;
                        }
                    }
                    &values
                };
                let w = decisions.len();
                for i in conditions {
                    for (c, d) in self.covered[k][i * w..(i + 1) * w]
                        .iter_mut()
                        .zip(decisions)
                    {
                        *c |= d;
                    }
                }
            }
        }
    }

    /// Per feature layer, each test's signs (`u > 0`) as bit sets, `words(width)` words a test.
    fn signs(&self, trace: &Trace) -> Vec<Vec<u64>> {
        (0..self.widths.len())
            .map(|l| {
                let w = words(self.widths[l]);
                let mut bits = vec![0u64; trace.tests() * w];
                for t in 0..trace.tests() {
                    for n in 0..self.widths[l] {
                        if value(trace, l, t, n) > 0.0 {
                            bits[t * w + n / 64] |= 1 << (n % 64);
                        }
                    }
                }
                bits
            })
            .collect()
    }

    /// Covered and total objectives: one per (neuron of layer k, neuron of layer k + 1).
    pub fn count(&self) -> Count {
        Count {
            covered: self
                .covered
                .iter()
                .flatten()
                .map(|w| w.count_ones() as usize)
                .sum(),
            total: self.widths.windows(2).map(|w| w[0] * w[1]).sum(),
        }
    }

    /// The objectives no pair has covered, as [`Objective::NeuronPair`], by layer, condition,
    /// then decision.
    pub fn uncovered(&self) -> Vec<Objective> {
        let mut out = Vec::new();
        for (k, rows) in self.covered.iter().enumerate() {
            let w = words(self.widths[k + 1]);
            for i in 0..self.widths[k] {
                for j in 0..self.widths[k + 1] {
                    if rows[i * w + j / 64] & (1 << (j % 64)) == 0 {
                        out.push(Objective::NeuronPair {
                            condition: Neuron { layer: k, index: i },
                            decision: Neuron {
                                layer: k + 1,
                                index: j,
                            },
                        });
                    }
                }
            }
        }
        out
    }
}

fn first_set(bits: &[u64]) -> usize {
    bits.iter()
        .enumerate()
        .find(|(_, w)| **w != 0)
        .map_or(0, |(q, w)| q * 64 + w.trailing_zeros() as usize)
}

/// Every ordered pair `(a, b)` of distinct tests among `tests`.
pub fn all_ordered_pairs(tests: usize) -> Vec<(usize, usize)> {
    (0..tests)
        .flat_map(|a| (0..tests).filter(move |b| *b != a).map(move |b| (a, b)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::criteria::tests_support::trace_with_output;

    /// One hidden layer of 2, output of 2. Tests (u0, u1 | out0, out1):
    ///   t0: ( 1, -1 |  1,  1)
    ///   t1: (-1, -1 | -1,  3)   vs t0: only u0 flips; out0 flips, out1 keeps sign, rel change 2
    ///   t2: ( 2, -3 |  1, -1)   vs t0: no hidden flip; u0, u1 change (rel 1, 2); out1 flips
    fn trace() -> Trace {
        trace_with_output(
            &[&[&[1.0, -1.0], &[-1.0, -1.0], &[2.0, -3.0]]],
            &[&[1.0, 1.0], &[-1.0, 3.0], &[1.0, -1.0]],
        )
    }

    fn covered(kind: McdcKind, value: ValueChange, pairs: &[(usize, usize)]) -> Count {
        let mut m = Mcdc::new(&[2], 2, kind, value);
        m.update(&trace(), pairs);
        m.count()
    }

    #[test]
    fn the_four_kinds_by_hand() {
        let rel = ValueChange::Relative(0.5);
        // SS (t0, t1): condition u0, decision out0.
        assert_eq!(
            covered(McdcKind::SignSign, rel, &[(0, 1)]),
            Count {
                covered: 1,
                total: 4
            }
        );
        // SV (t0, t1): condition u0, decision out1 (|3 - 1| >= 0.5·1, no flip).
        assert_eq!(covered(McdcKind::SignValue, rel, &[(0, 1)]).covered, 1);
        // SV needs d small enough: |3 - 1| = 2 < 3·1.
        assert_eq!(
            covered(McdcKind::SignValue, ValueChange::Relative(3.0), &[(0, 1)]).covered,
            0
        );
        // VS (t0, t2): conditions u0 and u1 both change, decision out1 flips.
        assert_eq!(covered(McdcKind::ValueSign, rel, &[(0, 2)]).covered, 2);
        // VV (t0, t2): out0 does not change, out1 flips: nothing.
        assert_eq!(covered(McdcKind::ValueValue, rel, &[(0, 2)]).covered, 0);
        // Absolute change 1.5: u0 (|2 - 1| = 1) is not a change; u1 (2) is.
        let abs = ValueChange::Absolute(1.5);
        assert_eq!(covered(McdcKind::ValueSign, abs, &[(0, 2)]).covered, 1);
        // Pairs with two hidden flips (none here) or none cover no sign condition.
        assert_eq!(covered(McdcKind::SignSign, rel, &[(0, 2)]).covered, 0);
    }

    #[test]
    fn uncovered_lists_the_rest() {
        let mut m = Mcdc::new(&[2], 2, McdcKind::SignSign, ValueChange::Relative(0.1));
        m.update(&trace(), &all_ordered_pairs(3));
        // Covered: (u0, out0) by (t0, t1) and (t1, t2); (u0, out1) by (t1, t2).
        let open = m.uncovered();
        assert_eq!(open.len(), 2);
        assert!(open.iter().all(|o| matches!(
            o,
            Objective::NeuronPair {
                condition: Neuron { layer: 0, index: 1 },
                ..
            }
        )));
    }
}
