//! Input sets: a box per polytope, extra linear constraints, and unions of such polytopes.

use super::linear::{to_f64, LinearConstraint, Relation};
use num_rational::BigRational;

/// A lower and an upper bound per network input; `None` means unbounded on that side.
///
/// Unbounded inputs are allowed (a file may simply not bound an input) but most engines
/// need finite bounds, so [`InputBox::unbounded_inputs`] reports them and the VNN-LIB reader
/// logs a warning.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InputBox {
    pub lower: Vec<Option<BigRational>>,
    pub upper: Vec<Option<BigRational>>,
}

impl InputBox {
    /// The box with no bound at all on `num_inputs` inputs (all of R^n).
    pub fn unbounded(num_inputs: usize) -> InputBox {
        InputBox {
            lower: vec![None; num_inputs],
            upper: vec![None; num_inputs],
        }
    }

    pub fn num_inputs(&self) -> usize {
        self.lower.len()
    }

    /// Intersects the box with `x_index relation value`, keeping the tighter bound, so that
    /// repeated bounds in a file (or a bound given twice) leave one bound per side.
    pub fn tighten(&mut self, index: usize, relation: Relation, value: BigRational) {
        let (slot, tighter): (_, fn(&BigRational, &BigRational) -> bool) = match relation {
            Relation::Le => (&mut self.upper[index], |new, old| new < old),
            Relation::Ge => (&mut self.lower[index], |new, old| new > old),
        };
        match slot {
            Some(old) if !tighter(&value, old) => {}
            _ => *slot = Some(value),
        }
    }

    /// Inputs missing a lower or an upper bound.
    pub fn unbounded_inputs(&self) -> Vec<usize> {
        (0..self.num_inputs())
            .filter(|&i| self.lower[i].is_none() || self.upper[i].is_none())
            .collect()
    }

    /// True when some input's lower bound exceeds its upper bound (the box holds no point).
    pub fn is_empty(&self) -> bool {
        self.lower
            .iter()
            .zip(&self.upper)
            .any(|(l, u)| matches!((l, u), (Some(l), Some(u)) if l > u))
    }

    /// Lower bounds rounded to the nearest f64; `-inf` where unbounded.
    pub fn lower_f64(&self) -> Vec<f64> {
        self.lower
            .iter()
            .map(|b| b.as_ref().map_or(f64::NEG_INFINITY, to_f64))
            .collect()
    }

    /// Upper bounds rounded to the nearest f64; `+inf` where unbounded.
    pub fn upper_f64(&self) -> Vec<f64> {
        self.upper
            .iter()
            .map(|b| b.as_ref().map_or(f64::INFINITY, to_f64))
            .collect()
    }
}

/// A convex set of inputs: a box intersected with linear constraints over the inputs.
///
/// Canonical: a constraint on a single input is a bound and lives in the box (see
/// [`InputPolytope::new`]), constraints are kept in order without repeats. VNN-LIB files in
/// practice give only the box.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InputPolytope {
    pub bounds: InputBox,
    /// Constraints over two or more inputs.
    pub constraints: Vec<LinearConstraint>,
}

impl InputPolytope {
    /// A polytope from a box and constraints, moving single-input constraints into the box so
    /// that one set has one representation (and the VNN-LIB writer and reader agree on it).
    pub fn new(mut bounds: InputBox, constraints: Vec<LinearConstraint>) -> InputPolytope {
        let mut kept: Vec<LinearConstraint> = Vec::new();
        for c in constraints {
            match c.as_simple_bound() {
                Some((index, relation, value)) if index < bounds.num_inputs() => {
                    bounds.tighten(index, relation, value)
                }
                _ => {
                    if !kept.contains(&c) {
                        kept.push(c)
                    }
                }
            }
        }
        InputPolytope {
            bounds,
            constraints: kept,
        }
    }

    /// Inputs missing a lower or an upper bound in the box (constraints may still bound them).
    pub fn unbounded_inputs(&self) -> Vec<usize> {
        self.bounds.unbounded_inputs()
    }
}

/// A union of input polytopes: the property must hold on each of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InputRegion {
    pub polytopes: Vec<InputPolytope>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> BigRational {
        BigRational::from_integer(n.into())
    }

    #[test]
    fn tighten_keeps_the_tighter_bound() {
        let mut b = InputBox::unbounded(2);
        b.tighten(0, Relation::Le, q(3));
        b.tighten(0, Relation::Le, q(5));
        b.tighten(0, Relation::Ge, q(-1));
        b.tighten(0, Relation::Ge, q(1));
        assert_eq!(b.upper[0], Some(q(3)));
        assert_eq!(b.lower[0], Some(q(1)));
        assert_eq!(b.unbounded_inputs(), vec![1]);
        assert_eq!(b.lower_f64(), vec![1.0, f64::NEG_INFINITY]);
        assert!(!b.is_empty());
        b.tighten(0, Relation::Ge, q(4));
        assert!(b.is_empty());
    }

    #[test]
    fn single_input_constraints_go_into_the_box() {
        let half = LinearConstraint::new([(1, q(-2))], Relation::Le, q(1)).unwrap();
        let pair = LinearConstraint::new([(0, q(1)), (1, q(1))], Relation::Le, q(1)).unwrap();
        let p = InputPolytope::new(
            InputBox::unbounded(2),
            vec![half, pair.clone(), pair.clone()],
        );
        assert_eq!(
            p.bounds.lower[1],
            Some(BigRational::new((-1).into(), 2.into()))
        );
        assert_eq!(p.constraints, vec![pair]);
    }
}
