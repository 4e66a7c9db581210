//! Checking a concrete (input, output) pair against a property: which sub-problem it hits, and by how much.

use super::input::InputPolytope;
use super::linear::to_f64;
use super::output::OutputConjunction;
use super::property::{Property, SubProblemId};
use num_rational::BigRational;
use num_traits::Zero;

/// Slack allowed by [`Property::check_f64`] before a point counts as outside a constraint.
///
/// It absorbs the rounding of the f64 check itself: constants rounded from exact decimals
/// (relative 1e-16) and sums of a few products of values of order 1-1000. It is not a
/// tolerance on the network's arithmetic; replay decides with [`Property::check_exact`].
pub const F64_CHECK_TOLERANCE: f64 = 1e-9;

/// How far inside the unsafe set a point is, exactly: the smallest slack over the constraints
/// of the best sub-problem (input bounds, input constraints, output atoms).
///
/// Ordered `NoSubProblem < Finite(_) < Unconstrained`, so the largest margin over
/// sub-problems is the one that matters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExactMargin {
    /// The property has no sub-problem: nothing is unsafe.
    NoSubProblem,
    /// Non-negative iff the point satisfies every constraint of the sub-problem (the
    /// constraints are non-strict, so zero, on the boundary, is a violation).
    Finite(BigRational),
    /// The sub-problem constrains nothing: every point is in it.
    Unconstrained,
}

/// The result of checking a point: the sub-problem it is deepest into and the margin there.
#[derive(Debug, Clone, PartialEq)]
pub struct PointCheck<M> {
    /// True iff the point is a counterexample: input in the region and output unsafe.
    pub violated: bool,
    /// The sub-problem with the largest margin (the first on ties); `None` when the property
    /// has no sub-problem. When `violated`, this is the disjunct hit.
    pub nearest: Option<SubProblemId>,
    /// The margin at `nearest`: > 0 strictly inside the unsafe set, < 0 outside. In f64,
    /// `-inf` when there is no sub-problem and `+inf` when it constrains nothing.
    pub margin: M,
}

/// Why a point could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("the point has {found} inputs but the property has {expected}")]
    InputCount { expected: usize, found: usize },
    #[error("the point has {found} outputs but the property has {expected}")]
    OutputCount { expected: usize, found: usize },
    #[error("the point has a value that is not finite ({what} {index})")]
    NotFinite { what: &'static str, index: usize },
}

impl Property {
    /// Checks `(input, output)` in exact rational arithmetic; violated iff the margin is >= 0.
    pub fn check_exact(
        &self,
        input: &[BigRational],
        output: &[BigRational],
    ) -> Result<PointCheck<ExactMargin>, CheckError> {
        self.check_counts(input.len(), output.len())?;
        let mut best: Option<(SubProblemId, ExactMargin)> = None;
        for sub in self.sub_problems() {
            let margin = match min_option(
                polytope_margin_exact(sub.inputs, input),
                conjunction_margin_exact(sub.unsafe_outputs, output),
            ) {
                Some(m) => ExactMargin::Finite(m),
                None => ExactMargin::Unconstrained,
            };
            if best.as_ref().is_none_or(|(_, b)| margin > *b) {
                best = Some((sub.id, margin));
            }
        }
        let (nearest, margin) = match best {
            Some((id, m)) => (Some(id), m),
            None => (None, ExactMargin::NoSubProblem),
        };
        let violated = margin >= ExactMargin::Finite(BigRational::zero());
        Ok(PointCheck {
            violated,
            nearest,
            margin,
        })
    }

    /// Checks `(input, output)` in f64 with constants rounded to f64; violated iff the margin
    /// is >= `-`[`F64_CHECK_TOLERANCE`]. A quick screen: only [`Property::check_exact`] on
    /// the exact point is evidence.
    pub fn check_f64(&self, input: &[f64], output: &[f64]) -> Result<PointCheck<f64>, CheckError> {
        self.check_counts(input.len(), output.len())?;
        for (what, values) in [("input", input), ("output", output)] {
            if let Some(index) = values.iter().position(|v| !v.is_finite()) {
                return Err(CheckError::NotFinite { what, index });
            }
        }
        let mut best: Option<(SubProblemId, f64)> = None;
        for sub in self.sub_problems() {
            let margin = polytope_margin_f64(sub.inputs, input)
                .min(conjunction_margin_f64(sub.unsafe_outputs, output));
            if best.is_none_or(|(_, b)| margin > b) {
                best = Some((sub.id, margin));
            }
        }
        let (nearest, margin) = match best {
            Some((id, m)) => (Some(id), m),
            None => (None, f64::NEG_INFINITY),
        };
        Ok(PointCheck {
            violated: margin >= -F64_CHECK_TOLERANCE,
            nearest,
            margin,
        })
    }

    fn check_counts(&self, inputs: usize, outputs: usize) -> Result<(), CheckError> {
        if inputs != self.num_inputs() {
            return Err(CheckError::InputCount {
                expected: self.num_inputs(),
                found: inputs,
            });
        }
        if outputs != self.num_outputs() {
            return Err(CheckError::OutputCount {
                expected: self.num_outputs(),
                found: outputs,
            });
        }
        Ok(())
    }
}

fn min_option(a: Option<BigRational>, b: Option<BigRational>) -> Option<BigRational> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Smallest slack over the box and the constraints; `None` when there is nothing to satisfy.
fn polytope_margin_exact(p: &InputPolytope, x: &[BigRational]) -> Option<BigRational> {
    let lower = p
        .bounds
        .lower
        .iter()
        .zip(x)
        .filter_map(|(l, v)| l.as_ref().map(|l| v - l));
    let upper = p
        .bounds
        .upper
        .iter()
        .zip(x)
        .filter_map(|(u, v)| u.as_ref().map(|u| u - v));
    let constraints = p.constraints.iter().map(|c| c.slack_exact(x));
    lower.chain(upper).chain(constraints).min()
}

fn conjunction_margin_exact(c: &OutputConjunction, y: &[BigRational]) -> Option<BigRational> {
    c.atoms.iter().map(|a| a.slack_exact(y)).min()
}

fn polytope_margin_f64(p: &InputPolytope, x: &[f64]) -> f64 {
    let lower = p
        .bounds
        .lower
        .iter()
        .zip(x)
        .filter_map(|(l, v)| l.as_ref().map(|l| v - to_f64(l)));
    let upper = p
        .bounds
        .upper
        .iter()
        .zip(x)
        .filter_map(|(u, v)| u.as_ref().map(|u| to_f64(u) - v));
    let constraints = p.constraints.iter().map(|c| c.slack_f64(x));
    lower
        .chain(upper)
        .chain(constraints)
        .fold(f64::INFINITY, f64::min)
}

fn conjunction_margin_f64(c: &OutputConjunction, y: &[f64]) -> f64 {
    c.atoms
        .iter()
        .map(|a| a.slack_f64(y))
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{InputBox, LinearConstraint, Relation};

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    /// x0 in [0, 1]; unsafe iff y0 >= 1/10 or y1 - y0 >= 0.
    fn property() -> Property {
        let mut b = InputBox::unbounded(1);
        b.tighten(0, Relation::Ge, q(0, 1));
        b.tighten(0, Relation::Le, q(1, 1));
        let p = InputPolytope::new(b, vec![]);
        let a = LinearConstraint::new([(0, q(1, 1))], Relation::Ge, q(1, 10)).unwrap();
        let c =
            LinearConstraint::new([(0, q(-1, 1)), (1, q(1, 1))], Relation::Ge, q(0, 1)).unwrap();
        Property::from_pairs(
            1,
            2,
            [
                (p.clone(), OutputConjunction::new(vec![a])),
                (p, OutputConjunction::new(vec![c])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn the_deepest_disjunct_is_reported() {
        let prop = property();
        let r = prop.check_exact(&[q(1, 2)], &[q(0, 1), q(3, 10)]).unwrap();
        assert!(r.violated);
        assert_eq!(r.nearest.unwrap().output_disjunct, 1);
        assert_eq!(r.margin, ExactMargin::Finite(q(3, 10)));
        let r = prop.check_f64(&[0.5], &[0.0, 0.3]).unwrap();
        assert!(r.violated);
        assert!((r.margin - 0.3).abs() < 1e-12);
    }

    #[test]
    fn the_boundary_is_unsafe_exactly_and_outside_inputs_are_not() {
        let prop = property();
        let r = prop.check_exact(&[q(0, 1)], &[q(1, 10), q(0, 1)]).unwrap();
        assert!(r.violated);
        assert_eq!(r.margin, ExactMargin::Finite(q(0, 1)));
        // Output unsafe by 1 but input outside the box by 1/2: margin -1/2.
        let r = prop.check_exact(&[q(3, 2)], &[q(2, 1), q(0, 1)]).unwrap();
        assert!(!r.violated);
        assert_eq!(r.margin, ExactMargin::Finite(q(-1, 2)));
        // 0.1 as f64 is a hair above 1/10: inside up to the tolerance.
        assert!(prop.check_f64(&[0.0], &[0.1, 0.0]).unwrap().violated);
        assert!(!prop.check_f64(&[0.0], &[0.09, 0.0]).unwrap().violated);
    }

    #[test]
    fn bad_points_are_errors() {
        let prop = property();
        assert_eq!(
            prop.check_f64(&[0.0, 1.0], &[0.0, 0.0]),
            Err(CheckError::InputCount {
                expected: 1,
                found: 2
            })
        );
        assert_eq!(
            prop.check_f64(&[0.0], &[f64::NAN, 0.0]),
            Err(CheckError::NotFinite {
                what: "output",
                index: 0
            })
        );
        let empty = Property::new(1, 2, vec![]).unwrap();
        let r = empty.check_exact(&[q(0, 1)], &[q(0, 1), q(0, 1)]).unwrap();
        assert!(!r.violated);
        assert_eq!(r.margin, ExactMargin::NoSubProblem);
    }
}
