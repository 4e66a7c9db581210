//! Checking an infeasibility explanation with every rounding accounted for: the simplex works
//! in f64 with tolerances, so its "infeasible" is a claim; this is the proof that a search may
//! prune on.
//!
//! The check is the safe dual bound of Neumaier and Shcherbina ("Safe bounds in linear and
//! mixed-integer linear programming", Math. Programming 2004): take the explanation's row
//! multipliers `λ` as any real numbers, and recompute from the *original* rows (not the
//! tableau the simplex has been pivoting) the linear form `Σ_k λ_k·(y_k − Σ_j a_kj·x_j)`,
//! which is zero at every point that satisfies the rows. Each of its coefficients is computed
//! in f64 with a bound on its rounding error. If the form's largest value over the current
//! bounds, error terms included and rounded upward, is still below zero, no point within the
//! bounds satisfies the rows. Nothing the simplex computed is trusted but `λ` itself, and a
//! poor `λ` can only make the check fail, never pass wrongly.

use super::{Explanation, Simplex};
use crate::bounds::rounding::{gamma, magnitude, upper};

impl Simplex {
    /// Whether `explanation` proves, with all rounding accounted for, that no point satisfies
    /// the rows and the current bounds. `false` means "not proved": the explanation may still
    /// be right but rounding blurs it, and the caller must not rely on infeasibility.
    pub fn certifies(&self, explanation: &Explanation) -> bool {
        // A variable whose bounds cross: the box itself is empty (an exact comparison).
        if explanation
            .terms
            .iter()
            .any(|t| self.bounds.lower(t.var.0) > self.bounds.upper(t.var.0))
        {
            return true;
        }
        if explanation.multipliers.is_empty() {
            return false;
        }
        let n = self.num_vars();
        let mut definition_of = vec![None; n];
        for (k, def) in self.definitions.iter().enumerate() {
            definition_of[def.var] = Some(k);
        }
        let mut coefficient = vec![0.0f64; n];
        // Σ |λ_k · a_kj| per variable: the rounding of coefficient j is at most γ_m times it.
        let mut magnitude_sum = vec![0.0f64; n];
        let mut terms_per_var = vec![0usize; n];
        for &(row_var, lambda) in &explanation.multipliers {
            let Some(def) = definition_of
                .get(row_var.0)
                .copied()
                .flatten()
                .map(|k| &self.definitions[k])
            else {
                return false;
            };
            if !lambda.is_finite() {
                return false;
            }
            coefficient[def.var] += lambda;
            magnitude_sum[def.var] += lambda.abs();
            terms_per_var[def.var] += 1;
            for &(var, a) in &def.terms {
                let product = lambda * a;
                coefficient[var] -= product;
                magnitude_sum[var] += product.abs();
                terms_per_var[var] += 1;
            }
        }
        let g = gamma(terms_per_var.iter().copied().max().unwrap_or(0) + 1);
        // max Σ c_j·x_j over the bounds, plus each coefficient's error times |x_j|.
        let mut total = 0.0f64;
        let mut total_magnitude = 0.0f64;
        let mut summands = 0usize;
        for var in 0..n {
            let (c, m) = (coefficient[var], magnitude_sum[var]);
            if c == 0.0 && m == 0.0 {
                continue;
            }
            let (lower, upper_bound) = (self.bounds.lower(var), self.bounds.upper(var));
            // The exact coefficient lies within `c ± e` (2·γ·m: a safety factor over the
            // first-order bound of its rounding). When that interval has one sign, the largest
            // `c·x` is at one bound, which alone must be finite; otherwise at either.
            let e = 2.0 * g * m;
            let (best, reach) = if c - e > 0.0 {
                (c * upper_bound, upper_bound.abs())
            } else if c + e < 0.0 {
                (c * lower, lower.abs())
            } else {
                (
                    (c * lower).max(c * upper_bound),
                    magnitude(lower, upper_bound),
                )
            };
            if !best.is_finite() || !reach.is_finite() {
                return false;
            }
            let slack = e * reach;
            total += best + slack;
            total_magnitude += best.abs() + slack;
            summands += 2;
        }
        // The outer sum's own rounding, then the comparison with zero.
        let error = gamma(summands + 1) * total_magnitude;
        upper(total, error) < 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Feasibility, Simplex};

    #[test]
    fn a_genuine_explanation_is_certified() {
        let mut lp = Simplex::new();
        let x = lp.add_var(0.0, 1.0).unwrap();
        let y = lp.add_var(0.0, 1.0).unwrap();
        let s = lp.add_row(&[(x, 1.0), (y, 1.0)]).unwrap();
        lp.set_bounds(s, 2.5, 3.0).unwrap();
        let Feasibility::Infeasible(why) = lp.check(100).unwrap() else {
            panic!("x + y <= 2 < 2.5")
        };
        assert!(lp.certifies(&why));
    }

    #[test]
    fn a_gap_below_rounding_is_not_certified() {
        // s = 0.1·x with x ∈ [0, 1]: s ≥ 0.2 is infeasible, s ≥ 0.1 is feasible (at x = 1,
        // with no room at all). The explanation of the first must not certify the second.
        let mut lp = Simplex::new();
        let x = lp.add_var(0.0, 1.0).unwrap();
        let s = lp.add_row(&[(x, 0.1)]).unwrap();
        lp.set_bounds(s, 0.1, 1.0).unwrap(); // feasible at x = 1 exactly
        lp.push();
        lp.set_bounds(s, 0.2, 1.0).unwrap();
        let Feasibility::Infeasible(why) = lp.check(100).unwrap() else {
            panic!("0.1·x ≤ 0.1 < 0.2")
        };
        assert!(lp.certifies(&why));
        lp.pop().unwrap();
        // The same multipliers against the feasible bounds: max(0.1·x − s) = 0, not below.
        assert!(!lp.certifies(&why));
    }

    #[test]
    fn explanations_with_unbounded_variables_are_not_certified() {
        let mut lp = Simplex::new();
        let x = lp.add_var(0.0, f64::INFINITY).unwrap();
        let s = lp.add_row(&[(x, 1.0)]).unwrap();
        lp.set_bounds(s, -2.0, -1.0).unwrap();
        let Feasibility::Infeasible(why) = lp.check(100).unwrap() else {
            panic!("x ≥ 0 cannot be ≤ −1")
        };
        assert!(lp.certifies(&why), "x's lower bound is all it needs");
        let mut forged = why.clone();
        forged.multipliers = vec![(s, -1.0)];
        assert!(
            !lp.certifies(&forged),
            "the opposite sign needs x's upper bound, +∞"
        );
    }
}
