//! The floating-point error model that keeps f64 bounds sound: named constants and the
//! outward steps every bound takes before it leaves the bounds module.
//!
//! Bounds are computed in f64 with round-to-nearest. Each computed quantity carries an
//! explicit bound on its accumulated rounding error, derived from the classical model
//! `|fl(Σ aᵢbᵢ) − Σ aᵢbᵢ| ≤ γₙ·Σ|aᵢbᵢ|` with `γₙ = n·u/(1 − n·u)` (Higham, *Accuracy and
//! Stability of Numerical Algorithms*, §3.1). A lower bound leaves as `value − SAFETY·error`,
//! then one more ulp down; an upper bound symmetrically. The factor [`SAFETY`] covers the
//! rounding of the error estimate itself, which is a second-order term.

/// Unit roundoff of f64 (round to nearest): `2⁻⁵³`.
pub const UNIT_ROUNDOFF: f64 = f64::EPSILON / 2.0;

/// How much the computed error estimate is inflated before it is subtracted. The estimate is
/// itself computed in f64 and so is off by a relative `γₙ` at most; a factor of 2 covers that
/// with a wide margin for every `n` below [`MAX_TERMS`].
pub const SAFETY: f64 = 2.0;

/// The largest number of terms one accumulation may have for the error model to apply
/// (`n·u` must stay well below 1; beyond this bounds become infinite, which is sound).
pub const MAX_TERMS: usize = 1 << 40;

/// Absolute slack for underflow: `γₙ` bounds relative error only for normal numbers; a product
/// in the subnormal range may be off by up to `2⁻¹⁰⁷⁵` however small it is. This covers a
/// million such operations (2²⁰·2⁻¹⁰⁷⁴ ≈ 5e-318), and is added to every non-zero error.
pub const UNDERFLOW_SLACK: f64 = 5e-318;

/// The rounding error of a computation whose summed magnitudes are `scale` (relative error
/// `gamma`) plus `slack` of absolute error; exactly zero only when nothing non-zero was summed.
pub fn error(gamma: f64, scale: f64, slack: f64) -> f64 {
    if scale == 0.0 && slack == 0.0 {
        0.0
    } else {
        gamma * scale + slack + UNDERFLOW_SLACK
    }
}

/// `γₙ = n·u / (1 − n·u)`: the relative error bound of a sum or dot product of `n` terms.
pub fn gamma(n: usize) -> f64 {
    if n >= MAX_TERMS {
        return f64::INFINITY;
    }
    let nu = n as f64 * UNIT_ROUNDOFF;
    nu / (1.0 - nu)
}

/// A lower bound from a computed `value` with accumulated rounding `error`: never above the
/// true quantity when `error` bounds the rounding. NaN (from `∞ − ∞`) becomes `−∞`.
///
/// A zero `error` means nothing was rounded (every error term scales with the magnitudes of
/// what was summed, so it is zero only when all of them are): the value is exact and is kept.
/// Without this, a neuron that is exactly 0 would get the bounds `[−5e-324, 5e-324]` and
/// count as an unstable ReLU however small its box.
pub fn lower(value: f64, error: f64) -> f64 {
    if error == 0.0 {
        return value;
    }
    let v = value - SAFETY * error;
    if v.is_nan() {
        f64::NEG_INFINITY
    } else {
        v.next_down()
    }
}

/// An upper bound from a computed `value` with accumulated rounding `error` (see [`lower`]).
pub fn upper(value: f64, error: f64) -> f64 {
    if error == 0.0 {
        return value;
    }
    let v = value + SAFETY * error;
    if v.is_nan() {
        f64::INFINITY
    } else {
        v.next_up()
    }
}

/// The largest magnitude in `[l, u]`, the factor rounding errors are scaled by.
pub fn magnitude(l: f64, u: f64) -> f64 {
    l.abs().max(u.abs())
}

/// `a·b`, with `0·∞ = 0`: a zero coefficient on an unbounded quantity contributes nothing.
pub fn mul0(a: f64, b: f64) -> f64 {
    if a == 0.0 || b == 0.0 {
        0.0
    } else {
        a * b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outward_steps_move_outward_past_any_rounding() {
        assert!(lower(1.0, 1e-300) < 1.0);
        assert!(upper(1.0, 1e-300) > 1.0);
        assert_eq!((lower(0.0, 0.0), upper(0.0, 0.0)), (0.0, 0.0));
        assert_eq!(lower(f64::INFINITY, f64::INFINITY), f64::NEG_INFINITY);
        assert_eq!(upper(f64::NEG_INFINITY, f64::INFINITY), f64::INFINITY);
        assert!(lower(1.0, 1e-10) <= 1.0 - 2e-10);
    }

    #[test]
    fn gamma_grows_with_n_and_saturates() {
        assert!(gamma(1) >= UNIT_ROUNDOFF && gamma(10) > gamma(1));
        assert_eq!(gamma(MAX_TERMS), f64::INFINITY);
        assert_eq!(mul0(0.0, f64::INFINITY), 0.0);
    }

    /// The error model at its edge: summing many values whose exact sum is known, the computed
    /// sum plus/minus the modelled error brackets the truth.
    #[test]
    fn the_model_brackets_a_badly_conditioned_sum() {
        let terms: Vec<f64> = (0..1000)
            .map(|i| if i % 2 == 0 { 1e16 } else { -1e16 + 1.0 })
            .collect();
        // Exact sum: 500 (each pair contributes 1).
        let computed: f64 = terms.iter().sum();
        let error = gamma(terms.len()) * terms.iter().map(|t| t.abs()).sum::<f64>();
        assert!(lower(computed, error) <= 500.0 && upper(computed, error) >= 500.0);
    }
}
