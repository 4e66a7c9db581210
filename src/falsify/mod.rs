//! Falsification: attacks on the concrete network that look for a counterexample before (and
//! instead of) any proof search. Every point an attack finds goes through replay; an attack
//! can only ever make vera say `violated` with a replayed witness, never `holds`.

mod gradient;
mod margin;
mod pgd;

pub use gradient::{backward, forward, Trace};
pub use margin::conjunction_margin;
pub use pgd::{ascend, ascend_margin};

use crate::engine::Budget;
use crate::network::Network;
use crate::replay::{replay, Replay, ReplayError};
use crate::spec::Property;
use num_rational::BigRational;
use rand::SeedableRng;

/// How hard to attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttackOptions {
    /// Starting points per sub-problem: the box's centre, then the best of the samples.
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

/// Attacks every sub-problem of `property` with PGD (bounded inputs only); the first point
/// that replay confirms is returned.
pub fn attack(
    net: &Network,
    property: &Property,
    options: AttackOptions,
    budget: &Budget,
) -> Result<Option<Replay>, ReplayError> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(options.seed);
    let subs: Vec<_> = property
        .sub_problems()
        .filter(|s| s.inputs.unbounded_inputs().is_empty())
        .collect();
    let starts: Vec<Vec<Vec<f64>>> = subs
        .iter()
        .map(|sub| {
            let (lo, hi) = (sub.inputs.bounds.lower_f64(), sub.inputs.bounds.upper_f64());
            let centre = lo.iter().zip(&hi).map(|(l, h)| l + (h - l) / 2.0).collect();
            let wanted = options.restarts.saturating_sub(1);
            let mut sampled: Vec<(f64, Vec<f64>)> = (0..options.samples)
                .map(|_| {
                    let x = pgd::random_point(&mut rng, &lo, &hi);
                    let y = forward(net, &x).output;
                    (conjunction_margin(sub.unsafe_outputs, &y).0, x)
                })
                .collect();
            sampled.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut starts: Vec<Vec<f64>> = vec![centre];
            starts.extend(sampled.into_iter().take(wanted).map(|(_, x)| x));
            while starts.len() < options.restarts {
                starts.push(pgd::random_point(&mut rng, &lo, &hi));
            }
            starts.truncate(options.restarts);
            starts
        })
        .collect();
    for restart in 0..options.restarts {
        for (sub, starts) in subs.iter().zip(&starts) {
            if budget.exhausted() {
                return Ok(None);
            }
            let (lo, hi) = (sub.inputs.bounds.lower_f64(), sub.inputs.bounds.upper_f64());
            let start = starts[restart].clone();
            let Some(x) = pgd::ascend(net, sub.unsafe_outputs, &lo, &hi, start, options.steps)
            else {
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
