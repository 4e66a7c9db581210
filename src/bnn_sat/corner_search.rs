//! A falsifier for binarised networks: greedy descent over the input patterns of a box,
//! scored exactly by the folded network, from random starting patterns.
//!
//! Every input of a box has a few grid levels (one bit for a per-pixel threshold; the order
//! bits of a quantised input), so the box's inputs are its patterns, and a move sets one
//! input to another of its levels. From a random pattern the search takes the move that
//! lowers the unsafe set's shortfall most ("how far the logits are from some unsafe
//! conjunction": the least over conjunctions of the largest shortfall of their atoms),
//! sideways moves on a plateau at most [`SIDEWAYS`] times in a row, and restarts when no move
//! helps. The folded network decides every pattern exactly and cheaply (integer sums over
//! packed bits, the first layer updated by the moved input only), so a search over a box
//! that leaves a hundred inputs free takes milliseconds per restart. It finds the unsafe
//! patterns that lie downhill from many starts, the ones a gradient attack on the float
//! network misses because the sign's surrogate gradient is zero almost everywhere; whatever
//! it finds is a pattern, decoded and replayed by the caller like any other.

use super::encode::{Bit, InputBits};
use super::enumerate::{atoms, free_groups, Atom, Prepared, State};
use crate::bnn::Bnn;
use crate::engine::Budget;
use crate::spec::OutputConjunction;
use rand::{Rng, SeedableRng};

/// Sideways moves (to a pattern of equal score) allowed in a row before a restart.
pub const SIDEWAYS: usize = 8;

/// Every this many restarts starts from a random pattern; the others kick the lowest local
/// minimum so far (iterated local search).
const FRESH_EVERY: usize = 4;

/// A kick moves this fraction (1/n) of the free inputs, at least 2, to random levels.
const KICK_FRACTION: usize = 10;

/// Moves per restart at most (each one evaluates every input's other levels).
const MOVES_PER_RESTART: usize = 400;

/// Searches `inputs`'s box for a pattern reaching the unsafe set, for at most `restarts`
/// restarts or until `budget` runs out; the value of every input bit of the pattern found.
pub fn corner_search(
    bnn: &Bnn,
    inputs: &InputBits,
    unsafe_: &[&OutputConjunction],
    budget: &Budget,
    restarts: usize,
    seed: u64,
) -> Option<Vec<bool>> {
    let groups = free_groups(inputs);
    if unsafe_.is_empty() {
        return None;
    }
    let prepared = Prepared::new(bnn, inputs);
    let conjunctions: Vec<Vec<Atom>> = unsafe_.iter().map(|c| atoms(c)).collect();
    let score = |y: &[f64]| -> f64 {
        conjunctions
            .iter()
            .map(|c| c.iter().map(|a| a.shortfall(y)).fold(f64::MIN, f64::max))
            .fold(f64::MAX, f64::min)
    };
    let reached = |y: &[f64]| conjunctions.iter().any(|c| c.iter().all(|a| a.holds(y)));
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let start: Vec<bool> = inputs
        .bits
        .iter()
        .map(|i| matches!(i.lit, Bit::Const(true)))
        .collect();
    // The lowest local minimum so far: most restarts kick it rather than start afresh.
    let mut best_minimum: Option<(f64, Vec<usize>)> = None;
    for restart in 0..restarts {
        if budget.exhausted() {
            return None;
        }
        // A random level per input (bits 0..level of its group set), or the best minimum
        // with a few inputs moved at random.
        let mut x = start.clone();
        let mut levels: Vec<usize> = match &best_minimum {
            Some((_, levels)) if restart % FRESH_EVERY != 0 => {
                let mut levels = levels.clone();
                let kicks = (groups.len() / KICK_FRACTION).max(2);
                for _ in 0..kicks {
                    let g = rng.gen_range(0..groups.len());
                    levels[g] = rng.gen_range(0..=groups[g].len());
                }
                levels
            }
            // First the box's midpoint (the centre of an unclipped ball): the input an
            // attack starts from.
            _ if restart == 0 => groups
                .iter()
                .map(|g| {
                    g.iter()
                        .filter(|&&j| {
                            let b = &inputs.bits[j];
                            let (lo, hi) = inputs.ranges[b.input];
                            b.bit.fires(f64::from((0.5 * (lo + hi)) as f32))
                        })
                        .count()
                })
                .collect(),
            _ => groups.iter().map(|g| rng.gen_range(0..=g.len())).collect(),
        };
        for (g, &level) in groups.iter().zip(&levels) {
            for &j in &g[..level] {
                x[j] = true;
            }
        }
        let mut s = State::new(&prepared, x);
        if reached(&s.logits) {
            return Some(s.inputs);
        }
        if groups.is_empty() {
            // One pattern, and it is safe.
            return None;
        }
        let mut current = score(&s.logits);
        let mut sideways = 0;
        for _ in 0..MOVES_PER_RESTART {
            // Every input to each of its other levels; the best, ties broken at random.
            let mut best: Option<(f64, usize, usize)> = None;
            let mut ties = 0u32;
            for (g, group) in groups.iter().enumerate() {
                for level in 0..=group.len() {
                    if level == levels[g] {
                        continue;
                    }
                    if !set_level(&mut s, group, levels[g], level) {
                        // No first-layer bit moved: the same outputs.
                        set_level(&mut s, group, level, levels[g]);
                        continue;
                    }
                    s.outputs();
                    if reached(&s.logits) {
                        return Some(s.inputs);
                    }
                    let v = score(&s.logits);
                    set_level(&mut s, group, level, levels[g]);
                    match best {
                        Some((b, _, _)) if v > b => {}
                        Some((b, _, _)) if v == b => {
                            ties += 1;
                            if rng.gen_range(0..=ties) == 0 {
                                best = Some((v, g, level));
                            }
                        }
                        _ => {
                            ties = 0;
                            best = Some((v, g, level));
                        }
                    }
                }
            }
            let Some((v, g, level)) = best else { break };
            if v > current || (v == current && sideways >= SIDEWAYS) {
                break;
            }
            sideways = if v == current { sideways + 1 } else { 0 };
            set_level(&mut s, &groups[g], levels[g], level);
            levels[g] = level;
            current = v;
            if budget.exhausted() {
                return None;
            }
        }
        if best_minimum.as_ref().is_none_or(|(b, _)| current < *b) {
            best_minimum = Some((current, levels));
        }
    }
    None
}

/// Moves the input whose order bits are `group` from level `from` to level `to` (bits
/// `0..level` set), one bit at a time so the first layer's sums follow; whether some
/// first-layer bit changed.
fn set_level(s: &mut State, group: &[usize], from: usize, to: usize) -> bool {
    let mut changed = false;
    if to > from {
        for &j in &group[from..to] {
            changed |= s.flip_input(j);
        }
    } else {
        for &j in group[to..from].iter().rev() {
            changed |= s.flip_input(j);
        }
    }
    changed
}
