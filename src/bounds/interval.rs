//! Interval arithmetic through one step: the cheap bounds every method starts from, and all
//! the `interval` method computes.

use super::relaxed_query::{interval_sum, FloatDefinition};
use super::rounding::{lower, magnitude, mul0, upper};

/// A definition's interval from its terms' intervals, rounded outward, with its
/// [`rounding_weights`], in one pass over the terms.
pub(crate) struct DefinedInterval {
    pub lower: f64,
    pub upper: f64,
    pub scale: f64,
    pub slack: f64,
}

/// The interval of a definition's value from its terms' intervals, rounded outward.
pub(crate) fn define(d: &FloatDefinition, lo: &[f64], hi: &[f64], gamma: f64) -> DefinedInterval {
    if let Some(dense) = &d.dense {
        let n = dense.values.len();
        let (l, h) = (
            &lo[dense.first..dense.first + n],
            &hi[dense.first..dense.first + n],
        );
        if l.iter().chain(h).all(|v| v.is_finite()) {
            // Finite bounds and exact coefficients: the same sums as `interval_sum`, without
            // its branches (`mul0` is a plain product on finite values).
            let (mut sl, mut su, mut scale) = (d.constant.value, d.constant.value, 0.0f64);
            for ((c, a), b) in dense.values.iter().zip(l).zip(h) {
                let (p, q) = (c * a, c * b);
                sl += p.min(q);
                su += p.max(q);
                scale += c.abs() * a.abs().max(b.abs());
            }
            let slack = d.constant.error;
            let error = super::rounding::error(gamma, scale + d.constant.value.abs(), slack);
            return DefinedInterval {
                lower: lower(sl, error),
                upper: upper(su, error),
                scale: scale + d.constant.value.abs(),
                slack,
            };
        }
    }
    let (l, u, error) = interval_sum(&d.terms, d.constant, lo, hi, gamma);
    let (scale, slack) = rounding_weights(d, lo, hi);
    DefinedInterval {
        lower: lower(l, error),
        upper: upper(u, error),
        scale,
        slack,
    }
}

/// `(Σ|coeff|·magnitude(term) + |constant|, Σ coefficient error·magnitude(term) + constant
/// error)` of a definition: what one unit of its coefficient in a back-substituted bound
/// adds to the rounding error (see `symbolic`).
pub(crate) fn rounding_weights(d: &FloatDefinition, lo: &[f64], hi: &[f64]) -> (f64, f64) {
    let mut scale = d.constant.value.abs();
    let mut slack = d.constant.error;
    for (t, c) in &d.terms {
        let m = magnitude(lo[*t], hi[*t]);
        scale += mul0(c.value.abs(), m);
        slack += mul0(c.error, m);
    }
    (scale, slack)
}

/// The interval of `max(0, z)` for `z ∈ [l, u]` (exact: no arithmetic).
pub(crate) fn relu(l: f64, u: f64) -> (f64, f64) {
    (l.max(0.0), u.max(0.0))
}
