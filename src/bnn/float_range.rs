//! The float32 numbers an interval of reals holds: its least and greatest, which is what an
//! input box means to a network executed in float32.

use num_rational::BigRational;

/// The float32 values in `[lo, hi]`: the least and the greatest (unbounded sides give the
/// float32 extremes); `None` when there is none.
pub fn f32_range(lo: Option<&BigRational>, hi: Option<&BigRational>) -> Option<(f64, f64)> {
    let exact = |v: f32| BigRational::from_float(v);
    let low = match lo {
        None => f32::MIN,
        Some(l) => {
            let mut x = crate::spec::to_f64(l) as f32;
            while exact(x).is_some_and(|v| v < *l) {
                x = x.next_up();
            }
            x
        }
    };
    let high = match hi {
        None => f32::MAX,
        Some(h) => {
            let mut x = crate::spec::to_f64(h) as f32;
            while exact(x).is_some_and(|v| v > *h) {
                x = x.next_down();
            }
            x
        }
    };
    (low.is_finite() && high.is_finite() && low <= high).then(|| (f64::from(low), f64::from(high)))
}
