//! Back-substitution (DeepPoly/CROWN): bounding a linear form of a query's variables by
//! substituting definitions and ReLU relaxations down to the inputs, exactly.
//!
//! Tighter than the forward pass because cancellations between paths are kept. Used for the
//! pre-activations that the forward pass leaves unstable, and for the property's own atoms.

use super::{Query, Step};
use crate::engine::Budget;
use crate::exact::round_to_f64;
use crate::spec::Relation;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use std::collections::BTreeMap;

/// The relaxation lines of one unstable ReLU: `lower_slope·pre <= post <= upper_slope·(pre − shift)`.
#[derive(Debug, Clone)]
struct Relaxation {
    lower_slope: BigRational,
    upper_slope: BigRational,
    shift: BigRational,
}

impl Query {
    /// The step that defines each variable (`None` for inputs), for substitution.
    fn defining_steps(&self) -> Vec<Option<&Step>> {
        let mut s = vec![None; self.num_vars()];
        for step in &self.steps {
            match step {
                Step::Define(d) => s[d.var] = Some(step),
                Step::Relu(r) => s[r.post] = Some(step),
            }
        }
        s
    }

    /// The relaxation of a ReLU under the current bounds, or `None` when it is stable or its
    /// pre-activation is unbounded.
    fn relaxation(&self, pre: usize) -> Option<Relaxation> {
        let zero = BigRational::zero();
        let (l, u) = (self.lower[pre].as_ref()?, self.upper[pre].as_ref()?);
        if *l >= zero || *u <= zero {
            return None;
        }
        let (l1, u1) = (round_to_f64(l, true), round_to_f64(u, false));
        let upper_slope = round_to_f64(&(&u1 / (&u1 - &l1)), false);
        let lower_slope = if *u > -l.clone() {
            BigRational::one()
        } else {
            zero
        };
        Some(Relaxation {
            lower_slope,
            upper_slope,
            shift: l1,
        })
    }

    /// An upper bound (`maximise`) or lower bound of `Σ coeff·var + constant` over the input
    /// box, or `None` if some input is unbounded.
    pub fn back_substitute(
        &self,
        terms: &[(usize, BigRational)],
        constant: &BigRational,
        maximise: bool,
    ) -> Option<BigRational> {
        let sources = self.defining_steps();
        let zero = BigRational::zero();
        let mut form: BTreeMap<usize, BigRational> = BTreeMap::new();
        for (v, c) in terms {
            *form.entry(*v).or_insert_with(BigRational::zero) += c;
        }
        let mut value = constant.clone();
        let mut inputs: Vec<(usize, BigRational)> = Vec::new();
        while let Some((v, c)) = form.pop_last() {
            if c.is_zero() {
                continue;
            }
            match sources[v] {
                None => inputs.push((v, c)),
                Some(Step::Define(d)) => {
                    value += &c * &d.constant;
                    for (t, a) in &d.terms {
                        *form.entry(*t).or_insert_with(BigRational::zero) += &c * a;
                    }
                }
                Some(Step::Relu(r)) => {
                    let l = self.lower[r.pre].as_ref();
                    let u = self.upper[r.pre].as_ref();
                    if l.is_some_and(|l| *l >= zero) {
                        *form.entry(r.pre).or_insert_with(BigRational::zero) += &c;
                    } else if u.is_some_and(|u| *u <= zero) {
                        // post = 0
                    } else if let Some(rx) = self.relaxation(r.pre) {
                        // pushing the form up wants post's upper line when c > 0, else its lower
                        let upper_side = c.is_positive() == maximise;
                        if upper_side {
                            let k = &c * &rx.upper_slope;
                            value -= &k * &rx.shift;
                            *form.entry(r.pre).or_insert_with(BigRational::zero) += k;
                        } else {
                            *form.entry(r.pre).or_insert_with(BigRational::zero) +=
                                &c * &rx.lower_slope;
                        }
                    } else {
                        // unbounded pre-activation: fall back on post's own bounds
                        let b = if c.is_positive() == maximise {
                            &self.upper[v]
                        } else {
                            &self.lower[v]
                        };
                        value += &c * b.as_ref()?;
                    }
                }
            }
        }
        for (v, c) in inputs {
            let b = if c.is_positive() == maximise {
                &self.upper[v]
            } else {
                &self.lower[v]
            };
            value += &c * b.as_ref()?;
        }
        Some(value)
    }

    /// Tightens the bounds of every pre-activation the earlier passes leave unstable, layer by
    /// layer (each tightening sharpens the relaxations used for the next).
    /// Stops early (with sound, looser bounds) when `budget` runs out.
    pub fn propagate_backsubstitution(&mut self, budget: &Budget) {
        let zero = BigRational::zero();
        let pres: Vec<usize> = self.relus().map(|r| r.pre).collect();
        for pre in pres {
            if budget.exhausted() {
                break;
            }
            let unstable = matches!((&self.lower[pre], &self.upper[pre]), (Some(l), Some(u)) if *l < zero && *u > zero);
            if !unstable {
                continue;
            }
            let one = [(pre, BigRational::one())];
            if let Some(u) = self.back_substitute(&one, &zero, true) {
                if self.upper[pre].as_ref().is_none_or(|old| u < *old) {
                    self.upper[pre] = Some(u);
                }
            }
            if let Some(l) = self.back_substitute(&one, &zero, false) {
                if self.lower[pre].as_ref().is_none_or(|old| l > *old) {
                    self.lower[pre] = Some(l);
                }
            }
        }
        self.propagate_bounds();
    }

    /// True when back-substitution shows that some atom cannot hold.
    pub fn atoms_refuted_by_backsubstitution(&self) -> bool {
        let zero = BigRational::zero();
        self.atoms.iter().any(|a| match a.relation {
            Relation::Ge => self
                .back_substitute(&a.terms, &zero, true)
                .is_some_and(|m| m < a.bound),
            Relation::Le => self
                .back_substitute(&a.terms, &zero, false)
                .is_some_and(|m| m > a.bound),
        })
    }
}
