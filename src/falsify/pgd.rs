//! Projected gradient ascent on the unsafe margin (PGD with random restarts; its first step
//! from the box's centre is FGSM), within an input box.

use super::gradient::{backward, forward};
use super::margin::conjunction_margin;
use crate::network::Network;
use crate::spec::{OutputConjunction, F64_CHECK_TOLERANCE};
use rand::rngs::StdRng;
use rand::Rng;

/// The step of iteration `t` of `steps`, as a fraction of each input's width: large first
/// (FGSM's jump to a face of the box), shrinking linearly so later steps refine.
fn step_size(t: usize, steps: usize) -> f64 {
    let first = 0.5;
    let last = 0.01;
    first + (last - first) * t as f64 / steps.max(1) as f64
}

/// Searches `[lower, upper]` for a point whose output satisfies every atom of `unsafe_`,
/// starting from `start`; returns the first point found. The f64 screen allows
/// [`F64_CHECK_TOLERANCE`], as `Property::check_f64` does: points on the boundary of the unsafe
/// set are counterexamples too, and replay decides exactly.
pub fn ascend(
    net: &Network,
    unsafe_: &OutputConjunction,
    lower: &[f64],
    upper: &[f64],
    start: Vec<f64>,
    steps: usize,
) -> Option<Vec<f64>> {
    ascend_margin(lower, upper, start, steps, |x| {
        let trace = forward(net, x);
        let (margin, dy) = conjunction_margin(unsafe_, &trace.output);
        (margin, backward(net, &trace, &dy))
    })
}

/// Projected signed-gradient ascent on any margin: `margin(x)` gives the margin at `x` (a
/// counterexample once it reaches `−F64_CHECK_TOLERANCE`) and its gradient with respect to
/// `x`. Returns the first point whose margin does, within at most `steps` steps from `start`.
pub fn ascend_margin(
    lower: &[f64],
    upper: &[f64],
    start: Vec<f64>,
    steps: usize,
    mut margin: impl FnMut(&[f64]) -> (f64, Vec<f64>),
) -> Option<Vec<f64>> {
    let mut x = start;
    for t in 0..=steps {
        let (m, dx) = margin(&x);
        if m >= -F64_CHECK_TOLERANCE {
            return Some(x);
        }
        if t == steps || !m.is_finite() {
            break;
        }
        let eta = step_size(t, steps);
        let mut moved = false;
        for (i, xi) in x.iter_mut().enumerate() {
            let width = upper[i] - lower[i];
            if dx[i] != 0.0 && width > 0.0 {
                let next = (*xi + eta * width * dx[i].signum()).clamp(lower[i], upper[i]);
                moved |= next != *xi;
                *xi = next;
            }
        }
        if !moved {
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
