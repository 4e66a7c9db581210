//! Exhaustive enumeration of the free input bits, for queries where the box leaves few
//! patterns of them: every pattern some input realises (each free input's level, for a
//! quantised input's order bits; each free bit otherwise) is run through the folded integer
//! network, visited in reflected mixed-radix Gray code order so that each step moves one
//! input by one level, flipping one bit, and only the sums that depend on it (and on the
//! neurons that flip in turn) are updated. The patterns are split among threads by the levels
//! of the last inputs. An enumeration that finds nothing is its own certificate: it can be
//! re-run.

use super::encode::{Bit, InputBits};
use crate::bnn::{Bnn, Logit};
use crate::engine::Budget;
use crate::network::Precision;
use crate::spec::{OutputConjunction, Relation};
use num_rational::BigRational;

/// Most patterns enumerated, as a power of two (2^20 patterns take well under a second on one
/// core).
pub const MAX_FREE: usize = 20;

/// How often (in patterns) a worker looks at the budget.
const POLL_EVERY: u64 = 1 << 12;

/// What an enumeration found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enumerated {
    /// No pattern reaches the unsafe set; `patterns` were tried.
    Safe { patterns: u64 },
    /// The value of every input bit of a pattern that does.
    Unsafe(Vec<bool>),
    /// The budget ran out first.
    Timeout,
}

/// The network's wiring by source: for each layer's input bit, the neurons reading it.
struct FanOut {
    /// `layers[l][j]`: (neuron of layer l, coefficient) for bit j of the layer below.
    layers: Vec<Vec<Vec<(usize, i64)>>>,
}

impl FanOut {
    fn new(bnn: &Bnn) -> FanOut {
        let mut layers = Vec::new();
        let mut width = bnn.inputs.len();
        for layer in &bnn.hidden {
            let mut fan = vec![Vec::new(); width];
            for (n, neuron) in layer.iter().enumerate() {
                for &(j, c) in &neuron.sum.terms {
                    fan[j].push((n, c));
                }
            }
            layers.push(fan);
            width = layer.len();
        }
        let mut fan = vec![Vec::new(); width];
        for (n, logit) in bnn.logits.iter().enumerate() {
            for &(j, c) in &logit.sum.terms {
                fan[j].push((n, c));
            }
        }
        layers.push(fan);
        FanOut { layers }
    }
}

/// One worker's network state: every layer's bits and sums under the current pattern.
struct State<'a> {
    bnn: &'a Bnn,
    fan: &'a FanOut,
    /// bits[0] are the inputs; bits[l + 1] the hidden layer l.
    bits: Vec<Vec<bool>>,
    /// sums[l] of hidden layer l; the last entry the logits'.
    sums: Vec<Vec<i64>>,
    logits: Vec<f64>,
}

fn logit_value(l: &Logit, p: i64, precision: Precision) -> f64 {
    let z = crate::bnn::add(p as f64, l.bias, precision);
    l.chain.apply(z, precision)
}

impl<'a> State<'a> {
    fn new(bnn: &'a Bnn, fan: &'a FanOut, inputs: Vec<bool>) -> State<'a> {
        let mut bits = vec![inputs];
        let mut sums = Vec::new();
        for layer in &bnn.hidden {
            let below = bits.last().map(Vec::as_slice).unwrap_or(&[]);
            let s: Vec<i64> = layer.iter().map(|n| n.sum.value(below)).collect();
            let b: Vec<bool> = layer
                .iter()
                .zip(&s)
                .map(|(n, p)| n.rule.fires(*p))
                .collect();
            sums.push(s);
            bits.push(b);
        }
        let below = bits.last().map(Vec::as_slice).unwrap_or(&[]);
        let s: Vec<i64> = bnn.logits.iter().map(|l| l.sum.value(below)).collect();
        let logits = bnn
            .logits
            .iter()
            .zip(&s)
            .map(|(l, p)| logit_value(l, *p, bnn.precision))
            .collect();
        sums.push(s);
        State {
            bnn,
            fan,
            bits,
            sums,
            logits,
        }
    }

    /// Flips input `i` and propagates the change layer by layer.
    fn flip_input(&mut self, i: usize) {
        let mut changed = vec![i];
        let layers = self.bnn.hidden.len();
        self.bits[0][i] = !self.bits[0][i];
        for l in 0..=layers {
            let mut touched: Vec<usize> = Vec::new();
            for &j in &changed {
                let delta = if self.bits[l][j] { 1 } else { -1 };
                for &(n, c) in &self.fan.layers[l][j] {
                    self.sums[l][n] += c * delta;
                    touched.push(n);
                }
            }
            touched.sort_unstable();
            touched.dedup();
            if l == layers {
                for n in touched {
                    let l = &self.bnn.logits[n];
                    self.logits[n] = logit_value(l, self.sums[layers][n], self.bnn.precision);
                }
                return;
            }
            changed.clear();
            for n in touched {
                let fires = self.bnn.hidden[l][n].rule.fires(self.sums[l][n]);
                if fires != self.bits[l + 1][n] {
                    self.bits[l + 1][n] = fires;
                    changed.push(n);
                }
            }
            if changed.is_empty() {
                return;
            }
        }
    }
}

/// Whether the logits satisfy every atom of `conj`, decided exactly: in f64 when the margin
/// is far beyond its rounding, in rationals otherwise.
fn satisfies(conj: &OutputConjunction, y: &[f64]) -> bool {
    conj.atoms.iter().all(|atom| {
        let (mut lhs, mut scale) = (0.0f64, 0.0f64);
        for (j, c) in atom.terms_f64() {
            lhs += c * y[j];
            scale += (c * y[j]).abs();
        }
        let bound = atom.bound_f64();
        let gap = lhs - bound;
        let slack = 1e-9 * (1.0 + scale + bound.abs());
        if gap.abs() > slack {
            return match atom.relation() {
                Relation::Le => gap < 0.0,
                Relation::Ge => gap > 0.0,
            };
        }
        let exact: BigRational = atom
            .terms()
            .iter()
            .map(|(j, c)| c * BigRational::from_float(y[*j]).unwrap_or_default())
            .sum();
        match atom.relation() {
            Relation::Le => exact <= *atom.bound(),
            Relation::Ge => exact >= *atom.bound(),
        }
    })
}

/// The free bits of each input that has any, in order: its levels above the least set them
/// from the first up.
fn free_groups(inputs: &InputBits) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut last = None;
    for (j, b) in inputs.bits.iter().enumerate() {
        if matches!(b.lit, Bit::Var(_)) {
            if last == Some(b.input) {
                if let Some(g) = groups.last_mut() {
                    g.push(j);
                }
            } else {
                groups.push(vec![j]);
            }
            last = Some(b.input);
        }
    }
    groups
}

/// A reflected mixed-radix Gray code over the levels of `groups` (group g takes levels
/// 0..=len(g)): each step moves one group by one level.
struct Gray {
    levels: Vec<usize>,
    up: Vec<bool>,
}

impl Gray {
    fn new(groups: usize) -> Gray {
        Gray {
            levels: vec![0; groups],
            up: vec![true; groups],
        }
    }

    /// The next step as (group, bit within it, new value), or `None` after the last pattern.
    fn step(&mut self, groups: &[Vec<usize>]) -> Option<(usize, usize, bool)> {
        for (g, group) in groups.iter().enumerate() {
            let (level, top) = (self.levels[g], group.len());
            if self.up[g] && level < top {
                self.levels[g] += 1;
                return Some((g, level, true));
            }
            if !self.up[g] && level > 0 {
                self.levels[g] -= 1;
                return Some((g, level - 1, false));
            }
            self.up[g] = !self.up[g];
        }
        None
    }
}

/// Enumerates every pattern of the free bits that some input realises (at most 2^[`MAX_FREE`])
/// on `threads` threads.
pub fn enumerate(
    bnn: &Bnn,
    inputs: &InputBits,
    unsafe_: &[&OutputConjunction],
    budget: &Budget,
    threads: usize,
) -> Enumerated {
    let patterns = inputs.patterns();
    assert!(
        patterns <= 1 << MAX_FREE,
        "enumerate: too many patterns ({patterns})"
    );
    let groups = free_groups(inputs);
    let fan = FanOut::new(bnn);
    let start: Vec<bool> = inputs
        .bits
        .iter()
        .map(|i| match i.lit {
            Bit::Const(b) => b,
            Bit::Var(_) => false,
        })
        .collect();
    // The last groups fixed per chunk, enough for every thread to have one.
    let threads = threads.max(1);
    let mut split = groups.len();
    let mut chunks: u64 = 1;
    while split > 0 && chunks < threads as u64 {
        split -= 1;
        chunks *= groups[split].len() as u64 + 1;
    }
    let (low, high) = groups.split_at(split);
    let found = std::sync::Mutex::new(None::<Vec<bool>>);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let timed_out = std::sync::atomic::AtomicBool::new(false);
    let unsafe_now = |s: &State| -> bool { unsafe_.iter().any(|c| satisfies(c, &s.logits)) };
    std::thread::scope(|scope| {
        for t in 0..threads.min(chunks as usize) {
            let (fan, start, found, stop, timed_out) = (&fan, &start, &found, &stop, &timed_out);
            scope.spawn(move || {
                let mut polled = 0u64;
                for chunk in (t as u64..chunks).step_by(threads) {
                    let mut x = start.clone();
                    let mut rest = chunk;
                    for g in high {
                        let level = (rest % (g.len() as u64 + 1)) as usize;
                        rest /= g.len() as u64 + 1;
                        for &j in &g[..level] {
                            x[j] = true;
                        }
                    }
                    let mut s = State::new(bnn, fan, x);
                    let mut gray = Gray::new(low.len());
                    loop {
                        if unsafe_now(&s) {
                            *found.lock().unwrap_or_else(|e| e.into_inner()) =
                                Some(s.bits[0].clone());
                            stop.store(true, std::sync::atomic::Ordering::Relaxed);
                            return;
                        }
                        polled += 1;
                        if polled.is_multiple_of(POLL_EVERY) {
                            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                                return;
                            }
                            if budget.exhausted() {
                                timed_out.store(true, std::sync::atomic::Ordering::Relaxed);
                                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                                return;
                            }
                        }
                        let Some((g, k, _)) = gray.step(low) else {
                            break;
                        };
                        s.flip_input(low[g][k]);
                    }
                }
            });
        }
    });
    if let Some(bits) = found.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Enumerated::Unsafe(bits);
    }
    if timed_out.load(std::sync::atomic::Ordering::Relaxed) {
        return Enumerated::Timeout;
    }
    Enumerated::Safe { patterns }
}
