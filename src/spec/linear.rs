//! Linear constraints `sum_k c_k v_k (<= | >=) b` with exact rational constants.

use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use std::fmt;

/// The direction of a non-strict linear inequality.
///
/// VNN-LIB's strict `<` and `>` are read as these (see [`crate::spec::vnnlib`]): over the
/// reals the closure of an open unsafe set differs from it only on a boundary of measure zero,
/// and every engine in vera reasons about closed sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// `sum <= bound`
    Le,
    /// `sum >= bound`
    Ge,
}

impl Relation {
    /// The relation that holds after both sides are multiplied by a negative number.
    pub fn flipped(self) -> Relation {
        match self {
            Relation::Le => Relation::Ge,
            Relation::Ge => Relation::Le,
        }
    }

    /// The VNN-LIB / SMT-LIB operator.
    pub fn symbol(self) -> &'static str {
        match self {
            Relation::Le => "<=",
            Relation::Ge => ">=",
        }
    }
}

/// Why a linear constraint could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidConstraint {
    /// All coefficients are zero: the constraint is a constant truth value, which callers
    /// fold away before building constraints so that the IR has one spelling per set.
    #[error("the constraint has no variable with a non-zero coefficient")]
    NoVariable,
}

/// `sum_k coefficient_k * v_{index_k} (<= | >=) bound` over one kind of variable (the
/// network's inputs or its outputs; the owner of the constraint says which).
///
/// Canonical: terms sorted by index, each index once, no zero coefficient, at least one
/// term. Two constraints are equal exactly when they are written the same way; no scaling is
/// applied, so `2*y0 <= 2` and `y0 <= 1` stay distinct (and a file round-trips as written).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LinearConstraint {
    terms: Vec<(usize, BigRational)>,
    relation: Relation,
    bound: BigRational,
}

impl LinearConstraint {
    /// A constraint from terms in any order; repeated indices are summed and zeros dropped.
    pub fn new(
        terms: impl IntoIterator<Item = (usize, BigRational)>,
        relation: Relation,
        bound: BigRational,
    ) -> Result<LinearConstraint, InvalidConstraint> {
        let mut sorted: Vec<(usize, BigRational)> = terms.into_iter().collect();
        sorted.sort_by_key(|(index, _)| *index);
        let mut merged: Vec<(usize, BigRational)> = Vec::with_capacity(sorted.len());
        for (index, coefficient) in sorted {
            match merged.last_mut() {
                Some((last, sum)) if *last == index => *sum += coefficient,
                _ => merged.push((index, coefficient)),
            }
        }
        merged.retain(|(_, c)| !c.is_zero());
        if merged.is_empty() {
            return Err(InvalidConstraint::NoVariable);
        }
        Ok(LinearConstraint {
            terms: merged,
            relation,
            bound,
        })
    }

    /// `(index, coefficient)` pairs, sorted by index, coefficients non-zero.
    pub fn terms(&self) -> &[(usize, BigRational)] {
        &self.terms
    }

    pub fn relation(&self) -> Relation {
        self.relation
    }

    pub fn bound(&self) -> &BigRational {
        &self.bound
    }

    /// The bound rounded to the nearest f64, for engines that work in floating point.
    pub fn bound_f64(&self) -> f64 {
        to_f64(&self.bound)
    }

    /// The terms with coefficients rounded to the nearest f64.
    pub fn terms_f64(&self) -> Vec<(usize, f64)> {
        self.terms.iter().map(|(i, c)| (*i, to_f64(c))).collect()
    }

    /// The largest variable index used, so owners can check it against their dimension.
    pub fn max_index(&self) -> usize {
        self.terms.last().map_or(0, |(i, _)| *i)
    }

    /// When the constraint mentions one variable, the simple bound it amounts to:
    /// `(index, relation, value)` with `v_index relation value`.
    pub fn as_simple_bound(&self) -> Option<(usize, Relation, BigRational)> {
        match self.terms.as_slice() {
            [(index, coefficient)] => {
                let relation = if coefficient.is_negative() {
                    self.relation.flipped()
                } else {
                    self.relation
                };
                Some((*index, relation, &self.bound / coefficient))
            }
            _ => None,
        }
    }

    /// How far inside the constraint `values` are, exactly: `bound - sum` for `<=`,
    /// `sum - bound` for `>=`. Non-negative iff the constraint holds. `values` must cover
    /// [`LinearConstraint::max_index`].
    pub fn slack_exact(&self, values: &[BigRational]) -> BigRational {
        let sum = self
            .terms
            .iter()
            .fold(BigRational::zero(), |acc, (i, c)| acc + c * &values[*i]);
        match self.relation {
            Relation::Le => &self.bound - sum,
            Relation::Ge => sum - &self.bound,
        }
    }

    /// [`LinearConstraint::slack_exact`] in f64 (constants rounded to the nearest f64).
    pub fn slack_f64(&self, values: &[f64]) -> f64 {
        let sum: f64 = self.terms.iter().map(|(i, c)| to_f64(c) * values[*i]).sum();
        match self.relation {
            Relation::Le => self.bound_f64() - sum,
            Relation::Ge => sum - self.bound_f64(),
        }
    }

    /// Displays the constraint with variables named `{prefix}{index}`, e.g. `Y_` gives
    /// `-1 Y_0 + 1 Y_1 <= 0`.
    pub fn display<'a>(&'a self, prefix: &'a str) -> impl fmt::Display + 'a {
        DisplayConstraint {
            constraint: self,
            prefix,
        }
    }
}

struct DisplayConstraint<'a> {
    constraint: &'a LinearConstraint,
    prefix: &'a str,
}

impl fmt::Display for DisplayConstraint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, (index, coefficient)) in self.constraint.terms.iter().enumerate() {
            let c = crate::exact::format_rational(coefficient);
            if k == 0 {
                write!(f, "{c} {}{index}", self.prefix)?;
            } else {
                write!(f, " + {c} {}{index}", self.prefix)?;
            }
        }
        let b = crate::exact::format_rational(&self.constraint.bound);
        write!(f, " {} {b}", self.constraint.relation.symbol())
    }
}

/// The f64 nearest to a rational (infinite when it is beyond the f64 range).
pub fn to_f64(value: &BigRational) -> f64 {
    value.to_f64().unwrap_or_else(|| {
        if value.is_negative() {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn terms_are_merged_sorted_and_non_zero() {
        let c = LinearConstraint::new(
            [(2, q(1, 1)), (0, q(3, 1)), (2, q(-1, 1)), (0, q(1, 2))],
            Relation::Le,
            q(1, 1),
        )
        .unwrap();
        assert_eq!(c.terms(), &[(0, q(7, 2))]);
        assert_eq!(
            LinearConstraint::new([(1, q(1, 1)), (1, q(-1, 1))], Relation::Ge, q(0, 1)),
            Err(InvalidConstraint::NoVariable)
        );
    }

    #[test]
    fn a_negative_coefficient_flips_the_simple_bound() {
        let c = LinearConstraint::new([(3, q(-2, 1))], Relation::Le, q(1, 1)).unwrap();
        assert_eq!(c.as_simple_bound(), Some((3, Relation::Ge, q(-1, 2))));
    }

    #[test]
    fn slack_is_positive_strictly_inside() {
        // y1 - y0 <= 0 at y = (2, 1): slack 1.
        let c =
            LinearConstraint::new([(0, q(-1, 1)), (1, q(1, 1))], Relation::Le, q(0, 1)).unwrap();
        assert_eq!(c.slack_exact(&[q(2, 1), q(1, 1)]), q(1, 1));
        assert_eq!(c.slack_f64(&[2.0, 1.0]), 1.0);
        assert_eq!(c.display("Y_").to_string(), "-1 Y_0 + 1 Y_1 <= 0");
    }
}
