//! Falsification: attacks on the concrete network that look for a counterexample before (and
//! instead of) any proof search. Every point an attack finds goes through replay; an attack
//! can only ever make vera say `violated` with a replayed witness, never `holds`.

mod gradient;
mod margin;
mod pgd;

pub use gradient::{backward, forward, Trace};
pub use margin::conjunction_margin;
pub use pgd::ascend;

use crate::engine::Budget;
use crate::network::Network;
use crate::replay::{replay, Replay, ReplayError};
use crate::spec::Property;
use num_rational::BigRational;
use rand::SeedableRng;

/// How hard to attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttackOptions {
    /// Starting points per sub-problem: the box's centre, then random points.
    pub restarts: usize,
    /// Gradient steps from each start.
    pub steps: usize,
    /// Seed of the random starts (the same seed gives the same attack).
    pub seed: u64,
}

impl Default for AttackOptions {
    fn default() -> AttackOptions {
        AttackOptions {
            restarts: 8,
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
    for restart in 0..options.restarts {
        for sub in &subs {
            if budget.exhausted() {
                return Ok(None);
            }
            let (lo, hi) = (sub.inputs.bounds.lower_f64(), sub.inputs.bounds.upper_f64());
            let start = if restart == 0 {
                lo.iter().zip(&hi).map(|(l, h)| l + (h - l) / 2.0).collect()
            } else {
                pgd::random_point(&mut rng, &lo, &hi)
            };
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
