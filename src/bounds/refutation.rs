//! Refuting an unsafe output conjunction by bounds: each atom `Σ a·y ≤ b` is refuted by a
//! lower bound of `Σ a·y` above `b`, and the conjunction also by a lower bound of the sum of
//! its atoms above the sum of their thresholds.

use super::relaxed_query::{Objective, RelaxedQuery};
use super::symbolic::LinearBound;
use super::Bounds;
use crate::query::Atom;
use crate::spec::Relation;
use num_rational::BigRational;
use num_traits::Zero;

/// A consequence of the unsafe conjunction, `objective ≤ threshold`, which a lower bound of the
/// objective above the threshold refutes: `Σ a·y ≤ b` as it is, `Σ a·y ≥ b` as `−Σ a·y ≤ −b`.
#[derive(Debug, Clone)]
pub struct Refutable {
    pub objective: Objective,
    /// The threshold in the objective's direction.
    pub threshold: BigRational,
    /// The threshold as the nearest f64 (for gaps, never for deciding).
    threshold_f64: f64,
}

impl Refutable {
    /// `objective ≤ threshold`, from exact terms.
    pub fn new(terms: &[(usize, BigRational)], threshold: BigRational) -> Refutable {
        Refutable {
            objective: Objective::new(terms),
            threshold_f64: crate::spec::to_f64(&threshold),
            threshold,
        }
    }

    /// The consequences of a conjunction of atoms: each atom, and when there are several, their
    /// sum (a point meeting every `oₖ ≤ tₖ` meets `Σ oₖ ≤ Σ tₖ`, so a lower bound of the sum
    /// above `Σ tₖ` refutes the conjunction even where no single atom's bound does, e.g. "y₀ is
    /// the largest output" near a point where every output is close to y₀).
    pub fn of_conjunction<'a>(atoms: impl IntoIterator<Item = &'a Atom>) -> Vec<Refutable> {
        let mut sum: Vec<(usize, BigRational)> = Vec::new();
        let mut sum_threshold = BigRational::zero();
        let mut found = Vec::new();
        for a in atoms {
            let sign = match a.relation {
                Relation::Le => BigRational::from_integer(1.into()),
                Relation::Ge => BigRational::from_integer((-1).into()),
            };
            let terms: Vec<(usize, BigRational)> =
                a.terms.iter().map(|(v, c)| (*v, c * &sign)).collect();
            let threshold = &a.bound * &sign;
            for (v, c) in &terms {
                match sum.iter_mut().find(|(w, _)| w == v) {
                    Some((_, total)) => *total += c,
                    None => sum.push((*v, c.clone())),
                }
            }
            sum_threshold += &threshold;
            found.push(Refutable::new(&terms, threshold));
        }
        if found.len() > 1 {
            found.push(Refutable::new(&sum, sum_threshold));
        }
        found
    }
}

/// What the bounds say about a conjunction on one region.
#[derive(Debug, Clone)]
pub enum Refutation {
    /// Some consequence's lower bound exceeds its threshold: no point of the region is unsafe.
    Refuted,
    /// None is refuted; the consequence closest to being refuted (its index), how far its
    /// bound falls short (`threshold − bound`, in f64), and its linear bound.
    Open {
        closest: usize,
        gap: f64,
        bound: LinearBound,
    },
}

impl RelaxedQuery {
    /// Tries to refute the conjunction whose consequences are `refutables` with `bounds`; with
    /// `optimise`, the consequence closest to refutation gets a second try with optimised ReLU
    /// slopes (alpha-CROWN), stopped as soon as it refutes or cannot get there.
    pub fn refute(&self, bounds: &Bounds, refutables: &[Refutable], optimise: bool) -> Refutation {
        let mut closest: Option<(usize, f64, LinearBound)> = None;
        let objectives: Vec<Objective> = refutables.iter().map(|r| r.objective.clone()).collect();
        let found = self.lower_bounds(bounds, &objectives);
        for (k, (r, bound)) in refutables.iter().zip(found).enumerate() {
            if BigRational::from_float(bound.value).is_some_and(|v| v > r.threshold) {
                return Refutation::Refuted;
            }
            let gap = r.threshold_f64 - bound.value;
            if closest.as_ref().is_none_or(|(_, g, _)| gap < *g) {
                closest = Some((k, gap, bound));
            }
        }
        if optimise {
            if let Some((k, _, _)) = &closest {
                let r = &refutables[*k];
                let enough = r.threshold_f64 + r.threshold_f64.abs() * f64::EPSILON;
                let bound = self.optimised_lower_bound(bounds, &r.objective, enough);
                if BigRational::from_float(bound.value).is_some_and(|v| v > r.threshold) {
                    return Refutation::Refuted;
                }
            }
        }
        match closest {
            Some((closest, gap, bound)) => Refutation::Open {
                closest,
                gap,
                bound,
            },
            // No output atom at all: every point of the region is unsafe.
            None => Refutation::Open {
                closest: 0,
                gap: f64::INFINITY,
                bound: LinearBound {
                    value: f64::NEG_INFINITY,
                    input_coefficients: vec![0.0; self.inputs.len()],
                    corner: self.inputs.iter().map(|&x| bounds.lower[x]).collect(),
                },
            },
        }
    }
}
