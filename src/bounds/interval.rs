//! Interval arithmetic through one step: the cheap bounds every method starts from, and all
//! the `interval` method computes.

use super::relaxed_query::{interval_sum, FloatDefinition};
use super::rounding::{lower, magnitude, mul0, upper};

/// The interval of a definition's value from its terms' intervals, rounded outward.
pub(crate) fn define(d: &FloatDefinition, lo: &[f64], hi: &[f64], gamma: f64) -> (f64, f64) {
    let (l, u, error) = interval_sum(&d.terms, d.constant, lo, hi, gamma);
    (lower(l, error), upper(u, error))
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
