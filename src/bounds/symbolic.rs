//! Back-substitution of linear relaxations (DeepPoly / CROWN): a linear function of any
//! variables is rewritten, step by step in reverse, into a linear function of the inputs,
//! each ReLU replaced by the line that keeps the result a lower bound, then minimised over
//! the input box.
//!
//! Many objectives go through one sweep together (the rows of a column-major coefficient
//! table), so the bounds of a whole layer cost one pass over the network below it.

use super::relaxed_query::{FloatStep, Objective, RelaxedQuery};
use super::relu_relaxation::{adaptive_lower_slope, upper_line};
use super::rounding::{error, lower, magnitude, mul0};
use super::Bounds;

/// The lower slope each unstable ReLU gets when its coefficient is non-negative.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LowerSlopes<'a> {
    /// DeepPoly's choice, by the interval's shape.
    Adaptive,
    /// One slope in `[0, 1]` per ReLU (indexed in step order), as alpha-CROWN optimises them.
    Given(&'a [f64]),
}

/// Which line replaced a ReLU in a sweep (for the gradient of the optimised slopes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LineChoice {
    /// Stable or never reached: the ReLU acts as itself.
    Exact,
    /// `h ≥ α·z` with the coefficient `λ ≥ 0` it was taken for.
    Lower { slope: f64, coefficient: f64 },
    /// `h ≤ s·z + t`, with the coefficient `λ < 0` it was taken for.
    Upper {
        slope: f64,
        intercept: f64,
        coefficient: f64,
    },
}

/// A sound lower bound of an objective over the input box, with the linear function of the
/// inputs it was read from.
#[derive(Debug, Clone)]
pub struct LinearBound {
    /// `objective ≥ value` for every point of the region (rounding included).
    pub value: f64,
    /// The coefficient of each input (in input order) in the final linear function.
    pub input_coefficients: Vec<f64>,
    /// The corner of the input box where that linear function is smallest.
    pub corner: Vec<f64>,
}

/// Lower bounds of `rows` by one reverse sweep. `choices`, when given (one row only), receives
/// the line used at each ReLU.
pub(crate) fn back_substitute(
    rq: &RelaxedQuery,
    bounds: &Bounds,
    rows: &[Objective],
    slopes: LowerSlopes,
    mut choices: Option<&mut Vec<LineChoice>>,
) -> Vec<LinearBound> {
    let r_count = rows.len();
    let top = rows
        .iter()
        .flat_map(|o| o.terms.iter().map(|(v, _)| *v))
        .max();
    let Some(top) = top else {
        return rows.iter().map(|_| constant_bound(rq, bounds)).collect();
    };
    let (lo, hi) = (&bounds.lower, &bounds.upper);
    let m = |v: usize| magnitude(lo[v], hi[v]);
    // coef[v * R + r]: the coefficient of variable v in row r.
    let mut coef = vec![0.0f64; (top + 1) * r_count];
    let mut constant = vec![0.0f64; r_count];
    // Σ of magnitudes the γ-relative rounding applies to, and absolute error from the
    // coefficients' distance to their exact values.
    let mut scale = vec![0.0f64; r_count];
    let mut slack = vec![0.0f64; r_count];
    for (r, o) in rows.iter().enumerate() {
        for (v, c) in &o.terms {
            coef[v * r_count + r] += c.value;
            scale[r] += mul0(c.value.abs(), m(*v));
            slack[r] += mul0(c.error, m(*v));
        }
    }
    let last_step = rq.step_of[top].map_or(0, |s| s + 1);
    for i in (0..last_step).rev() {
        match &rq.steps[i] {
            FloatStep::Define(d) => {
                let (below, col) = coef.split_at_mut(d.var * r_count);
                let col = &col[..r_count];
                if col.iter().all(|c| *c == 0.0) {
                    continue;
                }
                let (def_scale, def_slack) = (bounds.def_scale[i], bounds.def_slack[i]);
                for (r, &lambda) in col.iter().enumerate() {
                    if lambda == 0.0 {
                        continue;
                    }
                    constant[r] += lambda * d.constant.value;
                    scale[r] += mul0(lambda.abs(), def_scale);
                    slack[r] += mul0(lambda.abs(), def_slack);
                }
                if let Some(dense) = &d.dense {
                    // Consecutive terms: one contiguous block of the table.
                    let n = dense.values.len();
                    let block = &mut below[dense.first * r_count..(dense.first + n) * r_count];
                    if r_count == 1 {
                        let lambda = col[0];
                        for (x, c) in block.iter_mut().zip(&dense.values) {
                            *x += lambda * c;
                        }
                    } else {
                        for (target, c) in block.chunks_exact_mut(r_count).zip(&dense.values) {
                            for (x, &lambda) in target.iter_mut().zip(col) {
                                *x += lambda * c;
                            }
                        }
                    }
                } else {
                    for (t, c) in &d.terms {
                        let target = &mut below[t * r_count..(t + 1) * r_count];
                        for (x, &lambda) in target.iter_mut().zip(col) {
                            *x += lambda * c.value;
                        }
                    }
                }
            }
            FloatStep::Relu { pre, post } => {
                let (below, col) = coef.split_at_mut(*post * r_count);
                let col = &col[..r_count];
                let target = &mut below[pre * r_count..(pre + 1) * r_count];
                let (l, u) = (lo[*pre], hi[*pre]);
                let relu = rq.relu_of_pre[*pre].unwrap_or(0);
                if u <= 0.0 || col.iter().all(|c| *c == 0.0) {
                    continue;
                }
                if l >= 0.0 {
                    for r in 0..r_count {
                        let lambda = col[r];
                        target[r] += lambda;
                        scale[r] += mul0(lambda.abs(), m(*pre));
                    }
                    continue;
                }
                let slope_lower = match slopes {
                    LowerSlopes::Adaptive => adaptive_lower_slope(l, u),
                    LowerSlopes::Given(s) => s[relu],
                };
                let line = upper_line(l, u);
                for r in 0..r_count {
                    let lambda = col[r];
                    if lambda == 0.0 {
                        continue;
                    }
                    let choice = if lambda >= 0.0 {
                        target[r] += lambda * slope_lower;
                        scale[r] += mul0((lambda * slope_lower).abs(), m(*pre));
                        LineChoice::Lower {
                            slope: slope_lower,
                            coefficient: lambda,
                        }
                    } else if let Some((slope, intercept)) = line {
                        target[r] += lambda * slope;
                        constant[r] += lambda * intercept;
                        scale[r] += (lambda * slope).abs() * m(*pre) + (lambda * intercept).abs();
                        LineChoice::Upper {
                            slope,
                            intercept,
                            coefficient: lambda,
                        }
                    } else {
                        scale[r] = f64::INFINITY;
                        LineChoice::Exact
                    };
                    if let Some(ch) = choices.as_deref_mut() {
                        ch[relu] = choice;
                    }
                }
            }
        }
    }
    (0..r_count)
        .map(|r| {
            let mut value = constant[r];
            let mut scale = scale[r] + constant[r].abs();
            let mut input_coefficients = Vec::with_capacity(rq.inputs.len());
            let mut corner = Vec::with_capacity(rq.inputs.len());
            for &x in &rq.inputs {
                let lambda = if x <= top { coef[x * r_count + r] } else { 0.0 };
                let at = if lambda >= 0.0 { lo[x] } else { hi[x] };
                value += mul0(lambda, at);
                scale += mul0(lambda.abs(), m(x));
                input_coefficients.push(lambda);
                corner.push(at);
            }
            LinearBound {
                value: lower(value, error(rq.gamma, scale, slack[r])),
                input_coefficients,
                corner,
            }
        })
        .collect()
}

/// The bound of an objective with no terms: zero.
fn constant_bound(rq: &RelaxedQuery, bounds: &Bounds) -> LinearBound {
    LinearBound {
        value: 0.0,
        input_coefficients: vec![0.0; rq.inputs.len()],
        corner: rq.inputs.iter().map(|&x| bounds.lower[x]).collect(),
    }
}
