//! The linear lines around an unstable ReLU `h = max(0, z)` with `z ∈ [l, u]`, `l < 0 < u`:
//! the triangle relaxation's upper line and the family of lower lines `h ≥ α·z`.

/// The upper line `h ≤ slope·z + intercept`, valid on all of `[l, u]` (so the relaxation
/// contains the ReLU), or `None` when a bound is infinite (no line with finite coefficients
/// lies above the ReLU on an unbounded interval).
///
/// The exact line through `(l, 0)` and `(u, u)` has slope `s* = u/(u − l)`; f64 computes `s*`
/// with two roundings, so the slope is moved up by three ulps (`s ≥ s*`), and the intercept
/// `−s·l > 0` up by two more. Then for `z ∈ [l, u]`: `s·z + t ≥ s·(z − l) ≥ s*·(z − l) ≥ relu(z)`.
pub(crate) fn upper_line(l: f64, u: f64) -> Option<(f64, f64)> {
    if !(l.is_finite() && u.is_finite()) {
        return None;
    }
    let slope = (u / (u - l)).next_up().next_up().next_up();
    let intercept = (-slope * l).next_up().next_up();
    (slope.is_finite() && intercept.is_finite()).then_some((slope, intercept))
}

/// DeepPoly's lower slope: `h ≥ z` when the interval reaches further up than down, `h ≥ 0`
/// otherwise — whichever triangle of the two leaves the smaller area.
pub(crate) fn adaptive_lower_slope(l: f64, u: f64) -> f64 {
    if u > -l {
        1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_rational::BigRational;

    fn q(v: f64) -> BigRational {
        BigRational::from_float(v).unwrap()
    }

    /// The upper line lies above the ReLU at both ends of the interval, in exact arithmetic,
    /// including intervals where f64 division rounds the wrong way.
    #[test]
    fn the_upper_line_is_above_the_relu_at_both_ends() {
        let cases = [
            (-1.0, 1.0),
            (-0.1, 0.3),
            (-1e-300, 1e-300),
            (-3.0, 1e-12),
            (-1e-12, 7.0),
            (-0.7, 0.1 + 0.2),
            (-12345.678, 0.001),
        ];
        for (l, u) in cases {
            let (s, t) = upper_line(l, u).unwrap();
            for z in [l, u] {
                let line = q(s) * q(z) + q(t);
                let relu = q(z.max(0.0));
                assert!(line >= relu, "line below relu at {z} on [{l}, {u}]");
            }
        }
        assert_eq!(upper_line(f64::NEG_INFINITY, 1.0), None);
        assert_eq!(adaptive_lower_slope(-1.0, 2.0), 1.0);
        assert_eq!(adaptive_lower_slope(-2.0, 1.0), 0.0);
    }
}
