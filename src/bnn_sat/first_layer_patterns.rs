//! The distinct patterns of the first hidden layer that an input box realises, found by
//! dynamic programming over its free inputs instead of by visiting every input pattern: the
//! free inputs are assigned one after the other, and after each the state of an input prefix
//! is, per first-layer neuron the box leaves free, either its bit (once the inputs left can
//! no longer change it) or its partial sum. Prefixes with the same state have the same
//! completions, so they merge. A box of the dense EEV model with 26 free inputs realises 67
//! million input patterns but only 96,081 first-layer patterns, and the states peak at 1.8
//! million. Each pattern keeps one input pattern that realises it, to replay as a witness.
//! The states of each step are split among the threads by their hash: every thread makes
//! the children of a block of states and sends each to its part, then merges its part.

use super::encode::{Bit, InputBits};
use super::enumerate::free_groups;
use crate::bnn::{Bnn, Rule};
use crate::engine::Budget;
use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Most bytes of states kept for one step of the dynamic programme (two steps are alive at a
/// time); a box that needs more is left to [`super::enumerate`]'s walk over every pattern.
pub const MAX_STATE_BYTES: usize = 1 << 31;

/// A neuron's cell in a state once the inputs left cannot change its bit.
const FIRES: u8 = u8::MAX;
const QUIET: u8 = u8::MAX - 1;
/// Largest span of a neuron's partial sum a cell holds (below the two marks): a box with a
/// wider one is left to the walk.
const MAX_SPAN: i64 = (u8::MAX - 2) as i64;

/// What the dynamic programme found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstLayer {
    Patterns(Realised),
    /// The states outgrew [`MAX_STATE_BYTES`], a neuron's sums span more than a cell holds,
    /// or the network has no hidden layer.
    TooMany,
    Timeout,
}

/// The distinct first-layer patterns, each with one input pattern that realises it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realised {
    /// Each pattern's first-layer bits, packed 64 to a word.
    pub first: Vec<Vec<u64>>,
    witness: Vec<u64>,
    /// The free inputs' bits, in the order of the witnesses' digits, and every input bit's
    /// value at the least level of each free input.
    groups: Vec<Vec<usize>>,
    base: Vec<bool>,
}

impl Realised {
    /// The value of every input bit of the input pattern kept for pattern `p`.
    pub fn inputs(&self, p: usize) -> Vec<bool> {
        let mut bits = self.base.clone();
        let mut rest = self.witness[p];
        for g in &self.groups {
            let levels = g.len() as u64 + 1;
            let level = (rest % levels) as usize;
            rest /= levels;
            for &j in &g[..level] {
                bits[j] = true;
            }
        }
        bits
    }
}

/// A free input: its free bits (order bits: level `l` sets the first `l`), and per free
/// first-layer neuron the sum its levels add, less the least of them.
struct Group {
    bits: Vec<usize>,
    /// `gain[l][m]`: what level `l` adds to free neuron `m`, above the group's least.
    gain: Vec<Vec<i64>>,
}

/// Open-addressing set of the states of one step, as rows of `width` cells.
struct Step {
    width: usize,
    cells: Vec<u8>,
    /// For each state, the mixed-radix index of the levels of one input prefix reaching it.
    witness: Vec<u64>,
    /// Slots: the state's index in the low half, its hash's high bits in the high half.
    table: Vec<u64>,
}

const EMPTY: u64 = u64::MAX;

/// States made per round of the threads.
const BLOCK: usize = 1 << 16;

/// The children one thread made for one part: rows, their hashes, their witnesses.
#[derive(Default)]
struct Outbox {
    cells: Vec<u8>,
    hashes: Vec<u64>,
    witness: Vec<u64>,
}

/// The part (of `threads`) a state with this hash belongs to: by bits the table's slot and
/// tag do not use alone.
fn part_of(hash: u64, threads: usize) -> usize {
    ((hash >> 24) % threads as u64) as usize
}

impl Step {
    fn new(width: usize, expected: usize) -> Step {
        Step {
            width,
            cells: Vec::with_capacity(expected * width),
            witness: Vec::with_capacity(expected),
            table: vec![EMPTY; (2 * expected).next_power_of_two().max(1 << 10)],
        }
    }

    fn len(&self) -> usize {
        self.witness.len()
    }

    fn row(&self, s: usize) -> &[u8] {
        &self.cells[s * self.width..(s + 1) * self.width]
    }

    fn hash(row: &[u8]) -> u64 {
        let mut h = FxHasher::default();
        let mut chunks = row.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            h.write_u64(u64::from_le_bytes(word));
        }
        h.write(chunks.remainder());
        h.finish()
    }

    /// Adds `row` (whose hash is `hash`) unless it is there already.
    fn insert(&mut self, row: &[u8], hash: u64, witness: u64) {
        if 2 * (self.len() + 1) > self.table.len() {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let tag = hash >> 32;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.table[at];
            if slot == EMPTY {
                self.table[at] = tag << 32 | self.len() as u64;
                self.cells.extend_from_slice(row);
                self.witness.push(witness);
                return;
            }
            if slot >> 32 == tag && self.row((slot & 0xffff_ffff) as usize) == row {
                return;
            }
            at = (at + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = self.table.len() * 2;
        let mut table = vec![EMPTY; size];
        for s in 0..self.len() {
            let hash = Step::hash(self.row(s));
            let mut at = hash as usize & (size - 1);
            while table[at] != EMPTY {
                at = (at + 1) & (size - 1);
            }
            table[at] = (hash >> 32) << 32 | s as u64;
        }
        self.table = table;
    }

    fn bytes(&self) -> usize {
        self.cells.len() + self.witness.len() * 8 + self.table.len() * 8
    }
}

/// Every first-layer pattern the free bits of `inputs` realise (inputs fixed by the box keep
/// their bits), with one input pattern for each, on `threads` threads; see the module
/// documentation.
pub fn first_layer_patterns(
    bnn: &Bnn,
    inputs: &InputBits,
    budget: &Budget,
    threads: usize,
) -> FirstLayer {
    let base: Vec<bool> = inputs
        .bits
        .iter()
        .map(|b| matches!(b.lit, Bit::Const(true)))
        .collect();
    let Some(layer) = bnn.hidden.first() else {
        return FirstLayer::TooMany;
    };
    if inputs.patterns() == u64::MAX {
        return FirstLayer::TooMany;
    }
    let groups = free_groups(inputs);
    let coefficient: Vec<std::collections::HashMap<usize, i64>> = layer
        .iter()
        .map(|n| n.sum.terms.iter().copied().collect())
        .collect();
    // What each level of group g adds to neuron n above its level 0, and the least of that.
    let added = |n: usize, g: &[usize]| -> (Vec<i64>, i64) {
        let mut sum = 0;
        let mut out = vec![0];
        for j in g {
            sum += coefficient[n].get(j).copied().unwrap_or(0);
            out.push(sum);
        }
        let low = out.iter().copied().min().unwrap_or(0);
        (out, low)
    };
    // Per group, what its levels add to neuron n above the least of them.
    let gains = |n: usize, g: &[usize]| -> Vec<i64> {
        let (out, low) = added(n, g);
        out.iter().map(|v| v - low).collect()
    };
    // Sum of each neuron at the least level of every group.
    let least: Vec<i64> = layer.iter().map(|n| n.sum.value(&base)).collect();
    // The neurons the box leaves free, with their least sum.
    let mut free: Vec<usize> = Vec::new();
    let mut lowest: Vec<i64> = Vec::new();
    for (n, neuron) in layer.iter().enumerate() {
        let (mut lo, mut width) = (least[n], 0);
        for g in &groups {
            let (out, low) = added(n, g);
            lo += low;
            width += out.iter().max().unwrap_or(&0) - low;
        }
        if neuron.rule.fires(lo) != neuron.rule.fires(lo + width) {
            if width > MAX_SPAN {
                return FirstLayer::TooMany;
            }
            free.push(n);
            lowest.push(lo);
        }
    }
    let mut order: Vec<Group> = groups
        .iter()
        .map(|g| {
            let per: Vec<Vec<i64>> = free.iter().map(|&n| gains(n, g)).collect();
            Group {
                bits: g.clone(),
                gain: (0..=g.len())
                    .map(|l| per.iter().map(|p| p[l]).collect())
                    .collect(),
            }
        })
        .collect();
    // Inputs that move many neurons first: their neurons are settled sooner.
    let reach = |g: &Group| g.gain.iter().flatten().filter(|v| **v != 0).count();
    order.sort_by_key(|g| std::cmp::Reverse(reach(g)));
    // rest[k][m]: the most the groups from k on can still add to free neuron m.
    let width = free.len();
    let mut rest = vec![vec![0i64; width]; order.len() + 1];
    for k in (0..order.len()).rev() {
        for m in 0..width {
            let top = order[k].gain.iter().map(|l| l[m]).max().unwrap_or(0);
            rest[k][m] = rest[k + 1][m] + top;
        }
    }
    // Neuron m's bit is settled once its partial sum v is past these: with AtLeast(t),
    // on when v >= t - lowest, off when v < t - lowest - rest; with AtMost(t), on when
    // v <= t - lowest - rest, off when v > t - lowest.
    let at_least: Vec<bool> = free
        .iter()
        .map(|&n| matches!(layer[n].rule, Rule::AtLeast(_)))
        .collect();
    let target: Vec<i64> = free
        .iter()
        .zip(&lowest)
        .map(|(&n, lo)| match layer[n].rule {
            Rule::AtLeast(t) | Rule::AtMost(t) => t - lo,
            Rule::Always(_) => 0, // never free
        })
        .collect();
    let settle = |m: usize, v: i64, k: usize| -> u8 {
        let (t, r) = (target[m], rest[k][m]);
        let (on, off) = if at_least[m] {
            (v >= t, v < t - r)
        } else {
            (v <= t - r, v > t)
        };
        if on {
            FIRES
        } else if off {
            QUIET
        } else {
            v as u8
        }
    };
    let threads = threads.max(1);
    let mut step = Step::new(width, 1);
    let root: Vec<u8> = (0..width).map(|m| settle(m, 0, 0)).collect();
    step.insert(&root, Step::hash(&root), 0);
    let mut radix: u64 = 1;
    for (k, group) in order.iter().enumerate() {
        let levels = group.gain.len();
        // The neurons input k moves; the others keep their cells.
        let touched: Vec<usize> = (0..width)
            .filter(|&m| group.gain.iter().any(|g| g[m] != 0))
            .collect();
        // The children of a block of states are made by all threads, each sending every
        // child to the part its hash picks; then each thread merges its part's children.
        let mut parts: Vec<Step> = (0..threads)
            .map(|_| Step::new(width, step.len() * levels / threads))
            .collect();
        let children = |from: usize, to: usize| -> Vec<Outbox> {
            let mut out: Vec<Outbox> = (0..threads).map(|_| Outbox::default()).collect();
            let mut child = vec![0u8; width];
            for s in from..to {
                for (l, gain) in group.gain.iter().enumerate() {
                    child.copy_from_slice(step.row(s));
                    for &m in &touched {
                        let c = child[m];
                        if c < QUIET {
                            child[m] = settle(m, i64::from(c) + gain[m], k + 1);
                        }
                    }
                    let hash = Step::hash(&child);
                    let o = &mut out[part_of(hash, threads)];
                    o.cells.extend_from_slice(&child);
                    o.hashes.push(hash);
                    o.witness.push(step.witness[s] + l as u64 * radix);
                }
            }
            out
        };
        let mut from = 0;
        while from < step.len() {
            if budget.exhausted() {
                return FirstLayer::Timeout;
            }
            let to = (from + BLOCK).min(step.len());
            let share = (to - from).div_ceil(threads);
            let made: Vec<Vec<Outbox>> = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|t| {
                        let (a, b) = ((from + t * share).min(to), (from + (t + 1) * share).min(to));
                        scope.spawn(move || children(a, b))
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or_default())
                    .collect()
            });
            if made.len() != threads || made.iter().any(|m| m.len() != threads) {
                return FirstLayer::TooMany; // a worker failed (it cannot, short of memory)
            }
            std::thread::scope(|scope| {
                for (p, part) in parts.iter_mut().enumerate() {
                    let made = &made;
                    scope.spawn(move || {
                        for boxes in made {
                            let o = &boxes[p];
                            for (i, (hash, witness)) in o.hashes.iter().zip(&o.witness).enumerate()
                            {
                                part.insert(&o.cells[i * width..(i + 1) * width], *hash, *witness);
                            }
                        }
                    });
                }
            });
            let bytes: usize = step.bytes() + parts.iter().map(Step::bytes).sum::<usize>();
            if bytes > MAX_STATE_BYTES {
                log::debug!(
                    "first-layer patterns: over {MAX_STATE_BYTES} bytes of states at free input \
                     {k} of {}, {} states before it",
                    order.len(),
                    step.len()
                );
                return FirstLayer::TooMany;
            }
            from = to;
        }
        let mut next = Step::new(width, 0);
        for part in parts {
            next.cells.extend_from_slice(&part.cells);
            next.witness.extend_from_slice(&part.witness);
        }
        log::trace!("first-layer patterns: input {k}: {} states", next.len());
        radix = radix.saturating_mul(levels as u64);
        step = next;
    }
    // Each final state is one pattern: the free neurons' bits over the fixed ones'.
    let mut fixed = vec![0u64; layer.len().div_ceil(64)];
    for (n, neuron) in layer.iter().enumerate() {
        if neuron.rule.fires(least[n]) {
            fixed[n / 64] |= 1 << (n % 64);
        }
    }
    let first = (0..step.len())
        .map(|s| {
            let mut words = fixed.clone();
            for (m, &n) in free.iter().enumerate() {
                words[n / 64] &= !(1 << (n % 64));
                if step.cells[s * width + m] == FIRES {
                    words[n / 64] |= 1 << (n % 64);
                }
            }
            words
        })
        .collect();
    FirstLayer::Patterns(Realised {
        first,
        witness: step.witness,
        groups: order.into_iter().map(|g| g.bits).collect(),
        base,
    })
}
