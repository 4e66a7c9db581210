//! Projected gradient ascent on the unsafe margin (PGD with random restarts; its first step
//! from the box's centre is FGSM), within an input polytope.

use super::gradient::{backward_surrogate, forward};
use super::margin::conjunction_margin;
use super::region::Region;
use crate::network::Network;
use crate::spec::{OutputConjunction, F64_CHECK_TOLERANCE};
use rand::rngs::StdRng;
use rand::Rng;

/// The step sizes of one ascent, as fractions of each input's width: `first` at the first
/// step, shrinking linearly to `last` at the final one (large steps jump to a face of the
/// box, as FGSM does; small ones refine).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub first: f64,
    pub last: f64,
    pub steps: usize,
}

impl Schedule {
    /// Half the box at first, a hundredth at the end: finds counterexamples on faces and
    /// corners quickly.
    pub fn coarse(steps: usize) -> Schedule {
        Schedule {
            first: 0.5,
            last: 0.01,
            steps,
        }
    }

    /// A twentieth of the box at first, a thousandth at the end: follows narrow ridges that
    /// coarse steps jump over.
    pub fn fine(steps: usize) -> Schedule {
        Schedule {
            first: 0.05,
            last: 0.001,
            steps,
        }
    }

    fn step(&self, t: usize) -> f64 {
        self.first + (self.last - self.first) * t as f64 / self.steps.max(1) as f64
    }
}

/// Searches the box `[lower, upper]` for a point whose output satisfies every atom of
/// `unsafe_`, by exact-gradient ascent from `start` on the coarse schedule; returns the first
/// point found. The f64 screen allows [`F64_CHECK_TOLERANCE`], as `Property::check_f64` does:
/// points on the boundary of the unsafe set are counterexamples too, and replay decides
/// exactly.
pub fn ascend(
    net: &Network,
    unsafe_: &OutputConjunction,
    lower: &[f64],
    upper: &[f64],
    start: Vec<f64>,
    steps: usize,
) -> Option<Vec<f64>> {
    let region = Region::of_box(lower.to_vec(), upper.to_vec());
    ascend_in(net, unsafe_, &region, start, Schedule::coarse(steps), 0.0)
}

/// Ascent in a polytope with the surrogate slope `leak` for inactive ReLUs (see
/// [`backward_surrogate`]; 0 is the true gradient).
pub fn ascend_in(
    net: &Network,
    unsafe_: &OutputConjunction,
    region: &Region,
    start: Vec<f64>,
    schedule: Schedule,
    leak: f64,
) -> Option<Vec<f64>> {
    ascend_margin(region, start, schedule, |x| {
        let trace = forward(net, x);
        let (margin, dy) = conjunction_margin(unsafe_, &trace.output);
        (margin, backward_surrogate(net, &trace, &dy, leak))
    })
}

/// Projected signed-gradient ascent on any margin: `margin(x)` gives the margin at `x` (a
/// counterexample once it reaches `−F64_CHECK_TOLERANCE`) and its (surrogate) gradient with
/// respect to `x`. Every iterate is projected into `region`. Returns the first point whose
/// margin does, within `schedule.steps` steps from `start`.
pub fn ascend_margin(
    region: &Region,
    start: Vec<f64>,
    schedule: Schedule,
    mut margin: impl FnMut(&[f64]) -> (f64, Vec<f64>),
) -> Option<Vec<f64>> {
    let mut x = region.project(start);
    for t in 0..=schedule.steps {
        let (m, dx) = margin(&x);
        if m >= -F64_CHECK_TOLERANCE {
            return Some(x);
        }
        if t == schedule.steps || !m.is_finite() {
            break;
        }
        let eta = schedule.step(t);
        let before = x.clone();
        for (i, xi) in x.iter_mut().enumerate() {
            let width = region.upper[i] - region.lower[i];
            if dx[i] != 0.0 && width > 0.0 {
                *xi += eta * width * dx[i].signum();
            }
        }
        x = region.project(x);
        if x == before {
            break; // at a corner the gradient pushes against: a local optimum
        }
    }
    None
}

/// A uniformly random point of the box.
pub(crate) fn random_point(rng: &mut StdRng, lower: &[f64], upper: &[f64]) -> Vec<f64> {
    lower
        .iter()
        .zip(upper)
        .map(|(l, u)| if u > l { rng.gen_range(*l..=*u) } else { *l })
        .collect()
}
