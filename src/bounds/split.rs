//! Input splitting: which input dimension to bisect, and the bisection itself.
//!
//! For low-dimensional inputs (ACAS Xu has 5) splitting the input box is what makes ReluVal,
//! nnenum and alpha-beta-CROWN fast: smaller boxes stabilise ReLUs and tighten every bound.
//! The dimension chosen is the one with the largest *influence* on the objective being
//! bounded — `(|a_i| + |b_i|) × width_i`, where `a` and `b` are the input coefficients of the
//! back-substituted lower and upper linear bounds (the "smear" of ReluVal, read off the
//! symbolic bounds instead of a gradient). Both sides are needed: the lower bound's relaxation
//! often drops an input entirely (ReLU lower slopes of 0) that the upper bound still depends
//! on, and splitting only on the lower bound's inputs can then never stabilise those ReLUs.

use super::symbolic::LinearBound;

/// The input (by position) with the largest influence on an objective whose lower bound is
/// `lower_bound` and whose upper bound is `−upper_bound_of_negation` (see the module), or
/// `None` when no input has a positive, finite width.
pub fn widest_influence(
    lower_bound: &LinearBound,
    upper_bound_of_negation: &LinearBound,
    lower: &[f64],
    upper: &[f64],
) -> Option<usize> {
    let mut best = None;
    let mut best_score = 0.0;
    let influence = lower_bound
        .input_coefficients
        .iter()
        .zip(&upper_bound_of_negation.input_coefficients)
        .map(|(a, b)| a.abs() + b.abs());
    for (i, c) in influence.enumerate() {
        let width = upper[i] - lower[i];
        // Where the objective's bound ignores an input, its width still matters through the
        // ReLUs it keeps unstable: a tiny weight keeps every wide input in the running.
        let score = (c.abs() + f64::MIN_POSITIVE) * width;
        if width > 0.0 && width.is_finite() && score > best_score {
            best_score = score;
            best = Some(i);
        }
    }
    best
}

/// The two halves of the box `[lower, upper]` cut at the midpoint of dimension `dim`.
pub fn bisect(lower: &[f64], upper: &[f64], dim: usize) -> [(Vec<f64>, Vec<f64>); 2] {
    let mid = lower[dim] + (upper[dim] - lower[dim]) / 2.0;
    let mut left_upper = upper.to_vec();
    left_upper[dim] = mid;
    let mut right_lower = lower.to_vec();
    right_lower[dim] = mid;
    [(lower.to_vec(), left_upper), (right_lower, upper.to_vec())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_influential_wide_input_is_split_at_its_midpoint() {
        let bound = |c: Vec<f64>| LinearBound {
            value: 0.0,
            input_coefficients: c,
            corner: vec![0.0; 3],
        };
        let (low, high) = (bound(vec![10.0, 0.5, 0.0]), bound(vec![0.0, -0.5, 0.0]));
        let (lo, hi) = (vec![0.0, 0.0, 0.0], vec![0.01, 1.0, 100.0]);
        // 10·0.01 = 0.1 < (0.5 + 0.5)·1 = 1; the third input has no influence but is wide: its score is
        // tiny, so the second wins.
        assert_eq!(widest_influence(&low, &high, &lo, &hi), Some(1));
        let [(l0, u0), (l1, u1)] = bisect(&lo, &hi, 1);
        assert_eq!((u0[1], l1[1]), (0.5, 0.5));
        assert_eq!((l0, u1), (lo.clone(), hi.clone()));
        let flat = (vec![1.0; 3], vec![1.0; 3]);
        assert_eq!(widest_influence(&low, &high, &flat.0, &flat.1), None);
    }
}
