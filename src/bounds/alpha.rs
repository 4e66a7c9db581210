//! Optimised lower slopes (alpha-CROWN) for one objective: projected gradient ascent on the
//! slopes `α ∈ [0, 1]` of the unstable ReLUs' lower lines `h ≥ α·z`.
//!
//! Every slope in `[0, 1]` gives a sound bound, so the search only has to keep the best one
//! seen. The gradient is cheap: with the lines fixed, the bound is the back-substituted linear
//! function at its minimising input corner `x*`, and by the envelope theorem `∂bound/∂αⱼ =
//! λⱼ·ẑⱼ`, where `λⱼ ≥ 0` is the coefficient the ReLU's output had and `ẑⱼ` is its input's
//! value when `x*` runs through the network with every ReLU replaced by its chosen line.
//! Intermediate bounds keep DeepPoly's slopes; only the objective's sweep is optimised.

use super::relaxed_query::{FloatStep, Objective, RelaxedQuery};
use super::relu_relaxation::adaptive_lower_slope;
use super::symbolic::{back_substitute, LineChoice, LinearBound, LowerSlopes};
use super::Bounds;

/// Gradient steps per objective.
const ITERATIONS: usize = 20;
/// Iterations after which an optimisation that cannot reach the caller's goal at its current
/// pace is abandoned.
const STALL_CHECK_AFTER: usize = 4;
/// The first step's size (in slope units, for the largest gradient component), and its decay.
const FIRST_STEP: f64 = 0.5;
const STEP_DECAY: f64 = 0.85;

/// The best lower bound of `objective` found by optimising the slopes; the optimisation stops
/// early once a bound exceeds `enough` (the caller needs no better).
pub(crate) fn optimised_lower_bound(
    rq: &RelaxedQuery,
    bounds: &Bounds,
    objective: &Objective,
    enough: f64,
) -> LinearBound {
    let pre_of_relu: Vec<usize> = rq
        .steps
        .iter()
        .filter_map(|s| match s {
            FloatStep::Relu { pre, .. } => Some(*pre),
            FloatStep::Define(_) => None,
        })
        .collect();
    let mut slopes: Vec<f64> = pre_of_relu
        .iter()
        .map(|&z| adaptive_lower_slope(bounds.lower[z], bounds.upper[z]))
        .collect();
    let rows = std::slice::from_ref(objective);
    let mut best: Option<LinearBound> = None;
    let mut step = FIRST_STEP;
    let mut first = f64::NAN;
    for iteration in 0..ITERATIONS {
        let mut choices = vec![LineChoice::Exact; rq.num_relus];
        let found = back_substitute(
            rq,
            bounds,
            rows,
            LowerSlopes::Given(&slopes),
            Some(&mut choices),
        )
        .pop()
        .unwrap_or_else(|| unreachable!());
        let gradient = slope_gradient(rq, bounds, &slopes, &choices, &found.corner);
        if best.as_ref().is_none_or(|b| found.value > b.value) {
            best = Some(found);
        }
        let value = best.as_ref().map_or(f64::NEG_INFINITY, |b| b.value);
        if value > enough {
            break;
        }
        // The gains shrink with the steps, so extrapolating the average gain so far
        // overestimates what is left; when even that falls short of `enough`, stop.
        if iteration == 0 {
            first = value;
        } else if enough.is_finite()
            && iteration >= STALL_CHECK_AFTER
            && first + (value - first) * ITERATIONS as f64 / iteration as f64 <= enough
        {
            break;
        }
        let largest = gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        if largest == 0.0 || !largest.is_finite() {
            break;
        }
        for (a, g) in slopes.iter_mut().zip(&gradient) {
            *a = (*a + step * g / largest).clamp(0.0, 1.0);
        }
        step *= STEP_DECAY;
    }
    best.unwrap_or_else(|| unreachable!())
}

/// `∂bound/∂αⱼ` for every ReLU (zero where the lower line was not used).
fn slope_gradient(
    rq: &RelaxedQuery,
    bounds: &Bounds,
    slopes: &[f64],
    choices: &[LineChoice],
    corner: &[f64],
) -> Vec<f64> {
    let mut value = vec![0.0f64; rq.num_vars];
    for (&x, &c) in rq.inputs.iter().zip(corner) {
        value[x] = c;
    }
    let mut gradient = vec![0.0f64; rq.num_relus];
    let mut relu = 0;
    for step in &rq.steps {
        match step {
            FloatStep::Define(d) => {
                value[d.var] = d.constant.value
                    + d.terms
                        .iter()
                        .map(|(t, c)| c.value * value[*t])
                        .sum::<f64>();
            }
            FloatStep::Relu { pre, post } => {
                let z = value[*pre];
                let (l, u) = (bounds.lower[*pre], bounds.upper[*pre]);
                value[*post] = match choices[relu] {
                    LineChoice::Lower { slope, coefficient } => {
                        gradient[relu] = coefficient * z;
                        slope * z
                    }
                    LineChoice::Upper {
                        slope, intercept, ..
                    } => slope * z + intercept,
                    LineChoice::Exact if l >= 0.0 => z,
                    LineChoice::Exact if u <= 0.0 => 0.0,
                    LineChoice::Exact => slopes[relu] * z,
                };
                relu += 1;
            }
        }
    }
    gradient
}
