//! Falsification: attacks on the concrete network that look for a counterexample before (and
//! while) the proof search runs. Every point an attack finds goes through replay; an attack
//! can only ever make vera say `violated` with a replayed witness, never `holds`.

mod gradient;
mod margin;
mod pgd;
mod region;

pub use gradient::{backward, backward_below, backward_surrogate, forward, Trace};
pub use margin::conjunction_margin;
pub use pgd::{ascend, ascend_in, ascend_margin, Schedule};
pub use region::Region;

use crate::engine::Budget;
use crate::network::Network;
use crate::replay::{replay, Replay, ReplayError};
use crate::spec::{Property, SubProblem};
use num_rational::BigRational;
use rand::rngs::StdRng;
use rand::SeedableRng;

/// The surrogate slopes of inactive ReLUs the restarts cycle through (see
/// [`backward_surrogate`]): the true gradient first, then leaky ones. On ACAS Xu 1_9
/// property 7, where the outputs are constant over most of the box, the true gradient never
/// leaves the plateau from 10,000 starts while a slope of 0.3 finds a counterexample from a
/// few hundred.
pub const SURROGATE_LEAKS: [f64; 4] = [0.0, 0.3, 0.1, 0.5];

/// How hard to attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttackOptions {
    /// Starting points per sub-problem: the box's centre, then the best of the samples. Start
    /// `k` ascends with surrogate slope `SURROGATE_LEAKS[k % 4]`, on the coarse schedule for
    /// the first four of every eight and the fine one for the others.
    pub restarts: usize,
    /// Random points per sub-problem evaluated (forward only, far cheaper than a gradient
    /// step) to pick the starts from: a start where the margin is already high climbs to a
    /// counterexample far more often than a uniformly random one.
    pub samples: usize,
    /// Gradient steps from each start.
    pub steps: usize,
    /// Seed of the random starts (the same seed gives the same attack).
    pub seed: u64,
}

impl Default for AttackOptions {
    fn default() -> AttackOptions {
        AttackOptions {
            restarts: 8,
            samples: 4096,
            steps: 40,
            seed: 0,
        }
    }
}

/// Samples between two looks at the budget (a few hundred microseconds on ACAS Xu), so that a
/// cancelled attack stops within milliseconds.
const SAMPLES_PER_BUDGET_CHECK: usize = 64;

/// Boxes with at most this many inputs of positive width have every corner scored among the
/// samples (ReLU networks often reach their extremes at corners, and a small box has few).
const CORNER_INPUTS: usize = 10;

/// The corners of the box when it has at most [`CORNER_INPUTS`] inputs of positive width
/// (the fixed ones stay at their value); none otherwise.
fn corners(lo: &[f64], hi: &[f64]) -> Vec<Vec<f64>> {
    let free: Vec<usize> = (0..lo.len()).filter(|&i| hi[i] > lo[i]).collect();
    if free.len() > CORNER_INPUTS {
        return Vec::new();
    }
    (0..1usize << free.len())
        .map(|mask| {
            let mut x = lo.to_vec();
            for (bit, &i) in free.iter().enumerate() {
                if mask >> bit & 1 == 1 {
                    x[i] = hi[i];
                }
            }
            x
        })
        .collect()
}

/// The starts of one sub-problem: the centre, the best `restarts − 1` of `samples` random
/// points (and of the box's corners, when it has few inputs), then random points if there
/// were too few samples.
fn starts(
    net: &Network,
    sub: &SubProblem,
    region: &Region,
    options: &AttackOptions,
    rng: &mut StdRng,
    budget: &Budget,
) -> Vec<Vec<f64>> {
    let (lo, hi) = (&region.lower, &region.upper);
    let centre = lo.iter().zip(hi).map(|(l, h)| l + (h - l) / 2.0).collect();
    let wanted = options.restarts.saturating_sub(1);
    let score = |x: Vec<f64>| {
        let y = forward(net, &x).output;
        (conjunction_margin(sub.unsafe_outputs, &y).0, x)
    };
    let mut sampled: Vec<(f64, Vec<f64>)> = (0..options.samples)
        .take_while(|k| k % SAMPLES_PER_BUDGET_CHECK != 0 || !budget.exhausted())
        .map(|_| score(region.project(pgd::random_point(rng, lo, hi))))
        .collect();
    if options.samples > 0 {
        sampled.extend(
            corners(lo, hi)
                .into_iter()
                .map(|c| score(region.project(c))),
        );
    }
    // The best `wanted` first (a partial selection: a full sort of many samples is slow).
    if wanted < sampled.len() {
        sampled.select_nth_unstable_by(wanted, |a, b| b.0.total_cmp(&a.0));
        sampled.truncate(wanted);
    }
    sampled.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut starts: Vec<Vec<f64>> = vec![centre];
    starts.extend(sampled.into_iter().take(wanted).map(|(_, x)| x));
    while starts.len() < options.restarts {
        starts.push(pgd::random_point(rng, lo, hi));
    }
    starts.truncate(options.restarts);
    starts
}

/// One round of attacks on every sub-problem of `property` (bounded inputs only), restarts
/// interleaved across sub-problems; the first point that replay confirms is returned.
pub fn attack(
    net: &Network,
    property: &Property,
    options: AttackOptions,
    budget: &Budget,
) -> Result<Option<Replay>, ReplayError> {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let subs: Vec<(SubProblem, Region)> = property
        .sub_problems()
        .filter(|s| s.inputs.unbounded_inputs().is_empty())
        .map(|s| (s, Region::of_polytope(s.inputs)))
        .collect();
    let starts: Vec<Vec<Vec<f64>>> = subs
        .iter()
        .map(|(sub, region)| starts(net, sub, region, &options, &mut rng, budget))
        .collect();
    for restart in 0..options.restarts {
        let leak = SURROGATE_LEAKS[restart % SURROGATE_LEAKS.len()];
        let schedule = if restart % 8 < 4 {
            Schedule::coarse(options.steps)
        } else {
            Schedule::fine(options.steps)
        };
        for ((sub, region), starts) in subs.iter().zip(&starts) {
            if budget.exhausted() {
                return Ok(None);
            }
            let start = starts[restart].clone();
            let Some(x) = ascend_in(net, sub.unsafe_outputs, region, start, schedule, leak) else {
                continue;
            };
            let exact: Option<Vec<BigRational>> =
                x.iter().map(|v| BigRational::from_float(*v)).collect();
            let Some(exact) = exact else { continue };
            let r = replay(net, property, &sub.inputs.bounds, &exact)?;
            if r.confirmed() {
                return Ok(Some(r));
            }
        }
    }
    Ok(None)
}

/// Most restarts per sub-problem in one round of [`falsify`].
const MAX_ROUND_RESTARTS: usize = 1 << 14;

/// Attacks until a counterexample is confirmed or `budget` runs out (or is cancelled):
/// rounds of [`attack`] with fresh seeds, each with twice the restarts and samples of the
/// one before, up to 16,384 restarts. With a deadline, rounds of that size go on until
/// it; with an unlimited budget the falsifier stops after the first of them, so that it
/// always ends. This is the falsifier that runs beside the proof search.
pub fn falsify(
    net: &Network,
    property: &Property,
    options: AttackOptions,
    budget: &Budget,
) -> Result<Option<Replay>, ReplayError> {
    let mut round = options;
    for k in 0u64.. {
        if budget.exhausted() {
            break;
        }
        round.seed = options.seed.wrapping_add(k);
        if let Some(r) = attack(net, property, round, budget)? {
            return Ok(Some(r));
        }
        if round.restarts >= MAX_ROUND_RESTARTS && budget.remaining().is_none() {
            break;
        }
        round.restarts = (round.restarts * 2).clamp(8, MAX_ROUND_RESTARTS);
        round.samples = (round.samples * 2).clamp(64, 16 * MAX_ROUND_RESTARTS);
        if property
            .sub_problems()
            .all(|s| !s.inputs.unbounded_inputs().is_empty())
        {
            break; // nothing an attack can search
        }
    }
    Ok(None)
}
