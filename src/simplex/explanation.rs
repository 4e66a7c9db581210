//! The explanation of an infeasible check: a Farkas row, i.e. a linear combination of the rows
//! whose best value over the named bounds still falls short of zero.

use super::bounds::Bound;
use super::VarId;

/// One term `coefficient · x_var` of a Farkas row, with the bound of `var` that caps it from
/// above: [`Bound::Upper`] for a positive coefficient, [`Bound::Lower`] for a negative one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FarkasTerm {
    pub var: VarId,
    pub coefficient: f64,
    pub bound: Bound,
}

/// Proof that the bounds and rows admit no solution.
///
/// `Σ coefficient · x_var = 0` holds at every point satisfying the rows, since it equals
/// `Σ multiplier_k · (y_k − Σ a_kj x_j)` over the original rows `y_k = Σ a_kj x_j` (named by
/// their row variables `y_k`). Yet with each variable at the named bound the sum is at most
/// [`Explanation::max_sum`] `< 0`: no point within those bounds satisfies the rows. The search
/// can learn the conflict from [`Explanation::bounds`]; an exact checker can redo both steps
/// in rationals from the multipliers.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub terms: Vec<FarkasTerm>,
    /// `(row variable y_k, multiplier of row k)`, nonzero multipliers only.
    pub multipliers: Vec<(VarId, f64)>,
}

impl Explanation {
    /// The bound constraints that, with the rows, are infeasible.
    pub fn bounds(&self) -> impl Iterator<Item = (VarId, Bound)> + '_ {
        self.terms.iter().map(|t| (t.var, t.bound))
    }

    /// The largest value of `Σ coefficient · x_var` when each variable is at most its named
    /// bound's value, given by `bound`; negative for a valid certificate.
    pub fn max_sum(&self, bound: impl Fn(VarId, Bound) -> f64) -> f64 {
        self.terms
            .iter()
            .map(|t| t.coefficient * bound(t.var, t.bound))
            .sum()
    }
}

/// The bound that caps `coefficient · x` from above.
pub(super) fn capping_bound(coefficient: f64) -> Bound {
    if coefficient > 0.0 {
        Bound::Upper
    } else {
        Bound::Lower
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_sum_uses_the_named_bounds() {
        // x ∈ [2, 5], y ∈ [0, 1]:  y − x = 0 is impossible, since y − x ≤ 1 − 2 < 0.
        let (x, y) = (VarId(0), VarId(1));
        let e = Explanation {
            terms: vec![
                FarkasTerm {
                    var: y,
                    coefficient: 1.0,
                    bound: capping_bound(1.0),
                },
                FarkasTerm {
                    var: x,
                    coefficient: -1.0,
                    bound: capping_bound(-1.0),
                },
            ],
            multipliers: vec![],
        };
        let bounds = |v: VarId, b: Bound| match (v.0, b) {
            (0, Bound::Lower) => 2.0,
            (0, Bound::Upper) => 5.0,
            (_, Bound::Lower) => 0.0,
            (_, Bound::Upper) => 1.0,
        };
        assert_eq!(e.max_sum(bounds), -1.0);
        assert_eq!(
            e.bounds().collect::<Vec<_>>(),
            vec![(y, Bound::Upper), (x, Bound::Lower)]
        );
    }
}
