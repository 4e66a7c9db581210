//! Symbolic bounds: every variable bounded by linear functions of the inputs, exactly.
//!
//! A forward pass in the style of Neurify/DeepPoly: a defined variable combines its terms'
//! linear bounds by the signs of its coefficients; an unstable ReLU `post = max(0, pre)` with
//! `pre ∈ [l, u]` gets the upper line `s·(U_pre − l')` and the lower line `λ·L_pre`, where
//! `l' ≤ l` and `u' ≥ u` are f64 roundings and `s ≥ u'/(u' − l')` is rounded up (so the line
//! lies above the ReLU on a superset of `[l, u]`), and `λ ∈ {0, 1}` is DeepPoly's choice
//! (1 when `u > −l`). All arithmetic is exact over rationals; the rounding of `l`, `u` and `s`
//! to f64 only weakens the relaxation (keeping numerals small), so the bounds are sound with
//! no floating-point error analysis to trust.

use super::{Query, Step};
use crate::engine::Budget;
use crate::exact::round_to_f64;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// `coeffs · x + constant`.
#[derive(Debug, Clone)]
struct Linear {
    coeffs: Vec<BigRational>,
    constant: BigRational,
}

impl Linear {
    fn zero(n: usize) -> Linear {
        Linear {
            coeffs: vec![BigRational::zero(); n],
            constant: BigRational::zero(),
        }
    }

    /// `self += k · other`.
    fn add_scaled(&mut self, k: &BigRational, other: &Linear) {
        for (a, b) in self.coeffs.iter_mut().zip(&other.coeffs) {
            if !b.is_zero() {
                *a += k * b;
            }
        }
        self.constant += k * &other.constant;
    }

    fn scaled(&self, k: &BigRational) -> Linear {
        let mut out = Linear::zero(self.coeffs.len());
        out.add_scaled(k, self);
        out
    }

    /// The minimum (or maximum) over the box.
    fn extreme(&self, lo: &[BigRational], hi: &[BigRational], maximum: bool) -> BigRational {
        let mut v = self.constant.clone();
        for ((a, l), h) in self.coeffs.iter().zip(lo).zip(hi) {
            if a.is_zero() {
                continue;
            }
            let take_hi = a.is_positive() == maximum;
            v += a * if take_hi { h } else { l };
        }
        v
    }
}

impl Query {
    /// Tightens every variable's bounds with symbolic (linear-in-the-inputs) bounds. Needs a
    /// bounded input box; otherwise does nothing. Stops early when `budget` runs out.
    pub fn propagate_symbolic(&mut self, budget: &Budget) {
        let n = self.inputs.len();
        let lo: Option<Vec<BigRational>> =
            self.inputs.iter().map(|v| self.lower[*v].clone()).collect();
        let hi: Option<Vec<BigRational>> =
            self.inputs.iter().map(|v| self.upper[*v].clone()).collect();
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return;
        };
        let mut lower: Vec<Option<Linear>> = vec![None; self.num_vars()];
        let mut upper: Vec<Option<Linear>> = vec![None; self.num_vars()];
        for (i, v) in self.inputs.iter().enumerate() {
            let mut x = Linear::zero(n);
            x.coeffs[i] = BigRational::one();
            lower[*v] = Some(x.clone());
            upper[*v] = Some(x);
        }
        let zero = BigRational::zero();
        for step in &self.steps {
            if budget.exhausted() {
                return;
            }
            let (var, l_fn, u_fn) = match step {
                Step::Define(d) => {
                    let mut l = Linear::zero(n);
                    let mut u = Linear::zero(n);
                    l.constant = d.constant.clone();
                    u.constant = d.constant.clone();
                    let mut complete = true;
                    for (t, c) in &d.terms {
                        let (for_l, for_u) = if c.is_positive() {
                            (&lower[*t], &upper[*t])
                        } else {
                            (&upper[*t], &lower[*t])
                        };
                        match (for_l, for_u) {
                            (Some(a), Some(b)) => {
                                l.add_scaled(c, a);
                                u.add_scaled(c, b);
                            }
                            _ => complete = false,
                        }
                    }
                    if !complete {
                        continue;
                    }
                    (d.var, l, u)
                }
                Step::Relu(r) => {
                    let (Some(lp), Some(up)) = (&lower[r.pre], &upper[r.pre]) else {
                        continue;
                    };
                    let (Some(l), Some(u)) = (self.lower[r.pre].clone(), self.upper[r.pre].clone())
                    else {
                        continue;
                    };
                    if l >= zero {
                        (r.post, lp.clone(), up.clone())
                    } else if u <= zero {
                        (r.post, Linear::zero(n), Linear::zero(n))
                    } else {
                        let (l1, u1) = (round_to_f64(&l, true), round_to_f64(&u, false));
                        let slope = round_to_f64(&(&u1 / (&u1 - &l1)), false);
                        let mut upper_line = up.scaled(&slope);
                        upper_line.constant -= &slope * &l1;
                        let lower_line = if u > -l { lp.clone() } else { Linear::zero(n) };
                        (r.post, lower_line, upper_line)
                    }
                }
            };
            let (cl, cu) = (l_fn.extreme(&lo, &hi, false), u_fn.extreme(&lo, &hi, true));
            if self.lower[var].as_ref().is_none_or(|old| cl > *old) {
                self.lower[var] = Some(cl);
            }
            if self.upper[var].as_ref().is_none_or(|old| cu < *old) {
                self.upper[var] = Some(cu);
            }
            lower[var] = Some(l_fn);
            upper[var] = Some(u_fn);
        }
    }
}
