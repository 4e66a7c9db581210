//! Exact interval bounds through a query's steps, and what they refute.

use super::{Atom, Query, Step};
use crate::spec::Relation;
use num_rational::BigRational;
use num_traits::{Signed, Zero};

/// The range of `Σ coeff·var + constant` over the variables' bounds (`None` = unbounded).
fn range(
    q: &Query,
    terms: &[(usize, BigRational)],
    constant: &BigRational,
) -> (Option<BigRational>, Option<BigRational>) {
    let mut lo = Some(constant.clone());
    let mut hi = Some(constant.clone());
    for (v, c) in terms {
        let (for_lo, for_hi) = if c.is_positive() {
            (&q.lower[*v], &q.upper[*v])
        } else {
            (&q.upper[*v], &q.lower[*v])
        };
        lo = lo.zip(for_lo.as_ref()).map(|(s, b)| s + c * b);
        hi = hi.zip(for_hi.as_ref()).map(|(s, b)| s + c * b);
    }
    (lo, hi)
}

/// The tighter of an existing bound and a new one.
fn tighter(old: &mut Option<BigRational>, new: Option<BigRational>, keep_larger: bool) {
    if let Some(n) = new {
        let better = match old {
            None => true,
            Some(o) => (keep_larger && n > *o) || (!keep_larger && n < *o),
        };
        if better {
            *old = Some(n);
        }
    }
}

impl Query {
    /// Propagates the input bounds forward through every step (interval arithmetic, exact).
    pub fn propagate_bounds(&mut self) {
        let zero = BigRational::zero();
        for i in 0..self.steps.len() {
            match &self.steps[i] {
                Step::Define(d) => {
                    let (lo, hi) = range(self, &d.terms, &d.constant);
                    let var = d.var;
                    tighter(&mut self.lower[var], lo, true);
                    tighter(&mut self.upper[var], hi, false);
                }
                Step::Relu(r) => {
                    let (pre, post) = (r.pre, r.post);
                    let lo = Some(
                        self.lower[pre]
                            .clone()
                            .map_or(zero.clone(), |l| l.max(zero.clone())),
                    );
                    let hi = self.upper[pre].clone().map(|u| u.max(zero.clone()));
                    tighter(&mut self.lower[post], lo, true);
                    tighter(&mut self.upper[post], hi, false);
                }
            }
        }
    }

    /// True when the bounds alone show that some atom cannot hold (so the sub-problem has no
    /// counterexample), or that some variable's bounds cross.
    pub fn refuted_by_bounds(&self) -> bool {
        let crossed = self
            .lower
            .iter()
            .zip(&self.upper)
            .any(|(l, u)| matches!((l, u), (Some(l), Some(u)) if l > u));
        crossed || self.atoms.iter().any(|a| self.atom_impossible(a))
    }

    fn atom_impossible(&self, a: &Atom) -> bool {
        let (lo, hi) = range(self, &a.terms, &BigRational::zero());
        match a.relation {
            Relation::Le => lo.is_some_and(|l| l > a.bound),
            Relation::Ge => hi.is_some_and(|h| h < a.bound),
        }
    }
}
