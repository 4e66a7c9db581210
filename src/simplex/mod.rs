//! A bounded-variable simplex for the DPLL(T) engine: variables with bounds, rows
//! `y = Σ a_j · x_j`, incremental bound changes with backtrack levels, and a Farkas row as the
//! explanation of infeasibility.
//!
//! The feasibility check is the one SMT solvers use for linear real arithmetic (Dutertre and
//! de Moura, "A Fast Linear-Arithmetic Solver for DPLL(T)", CAV 2006; Reluplex/Marabou repair
//! violated basic variables the same way): repair a basic variable that misses a bound by
//! pivoting it with a nonbasic variable that has room to move, Bland's rule after a while so it
//! cannot cycle. [`CheckMethod::PhaseOne`] is a primal phase one with a ratio test instead, for
//! LPs on which the repair's unbounded steps make no progress (`phase_one`). Rows are
//! permanent; bounds change freely and are restored by [`Simplex::pop`]; the basis survives
//! everything, so each check starts from where the last one ended.
//!
//! ```
//! use vera::simplex::{Feasibility, Simplex};
//!
//! let mut lp = Simplex::new();
//! let x = lp.add_var(0.0, 1.0).unwrap();
//! let y = lp.add_var(0.0, 1.0).unwrap();
//! let s = lp.add_row(&[(x, 1.0), (y, 1.0)]).unwrap(); // s = x + y
//! lp.tighten_lower(s, 1.5).unwrap();
//! assert!(matches!(lp.check(1000).unwrap(), Feasibility::Feasible));
//! assert!(lp.value(x) + lp.value(y) >= 1.5 - 1e-9);
//!
//! lp.push();
//! lp.tighten_upper(x, 0.25).unwrap();
//! let Feasibility::Infeasible(why) = lp.check(1000).unwrap() else { panic!() };
//! assert!(why.max_sum(|v, b| lp.bound(v, b)) < 0.0); // s ≤ x + y ≤ 0.25 + 1 < 1.5
//! lp.pop().unwrap();
//! assert!(matches!(lp.check(1000).unwrap(), Feasibility::Feasible));
//! ```

mod bounds;
mod certify;
mod check;
mod error;
mod explanation;
mod phase_one;
mod tableau;
pub mod tolerances;

pub use bounds::Bound;
pub use error::SimplexError;
pub use explanation::{Explanation, FarkasTerm};

use bounds::Bounds;
use tableau::{Definition, Tableau};

/// A variable of a [`Simplex`]: a bounded variable or the variable of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub(crate) usize);

impl VarId {
    /// The variable created `index`-th (counting from 0) in its simplex. Operations check
    /// that it exists; accessors ([`Simplex::value`], [`Simplex::bound`]) panic if not.
    pub fn from_index(index: usize) -> Self {
        Self(index)
    }

    /// Position of the variable in creation order.
    pub fn index(self) -> usize {
        self.0
    }
}

/// The answer of [`Simplex::check`].
#[derive(Debug, Clone, PartialEq)]
pub enum Feasibility {
    /// [`Simplex::value`] satisfies every row and, within
    /// [`tolerances::FEASIBILITY_TOLERANCE`], every bound.
    Feasible,
    /// No point satisfies the rows and bounds; the explanation proves it.
    Infeasible(Explanation),
    /// The pivot limit was reached first.
    Unknown,
}

/// Counters for the search's statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Statistics {
    pub checks: u64,
    pub pivots: u64,
    /// Rebuilds of the tableau from the original rows.
    pub refactorisations: u64,
    /// Moves of a nonbasic variable from one bound to the other ([`CheckMethod::PhaseOne`]).
    pub bound_flips: u64,
}

/// How [`Simplex::check`] searches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CheckMethod {
    /// Dutertre and de Moura's repair: cheap pivots, single-row explanations; what the DPLL(T)
    /// engine uses.
    #[default]
    Repair,
    /// A primal phase one on the sum of violations with a ratio test: no step makes the
    /// assignment worse, which matters when the nonbasic variables have narrow bounds and
    /// the rows are many (the concolic LPs); an infeasible answer still comes from the repair.
    PhaseOne,
}

/// A bounded-variable simplex over rows `y = Σ a_j · x_j`.
#[derive(Debug, Clone, Default)]
pub struct Simplex {
    tableau: Tableau,
    bounds: Bounds,
    /// The current assignment; nonbasic values lie within their bounds after a check.
    values: Vec<f64>,
    definitions: Vec<Definition>,
    stats: Statistics,
    method: CheckMethod,
}

impl Simplex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Chooses how later checks search; the rows, bounds and basis stay as they are.
    pub fn set_method(&mut self, method: CheckMethod) {
        self.method = method;
    }

    /// Number of variables, rows' variables included.
    pub fn num_vars(&self) -> usize {
        self.values.len()
    }

    /// Adds a variable with bounds `[lower, upper]` (either may be infinite).
    pub fn add_var(&mut self, lower: f64, upper: f64) -> Result<VarId, SimplexError> {
        self.add_var_at(lower, upper, 0.0)
    }

    /// Adds a variable with bounds `[lower, upper]` whose value starts at `start` (clamped
    /// into the bounds) rather than 0: a warm start when a point near the solution is known,
    /// so that the first check repairs only the rows that point violates.
    pub fn add_var_at(
        &mut self,
        lower: f64,
        upper: f64,
        start: f64,
    ) -> Result<VarId, SimplexError> {
        let var = self.values.len();
        check_bounds(var, lower, upper)?;
        if !start.is_finite() {
            return Err(SimplexError::NotANumber {
                var,
                what: "a start value",
                value: start,
            });
        }
        self.bounds.add(lower, upper);
        self.tableau.add_column();
        self.values.push(start.max(lower).min(upper));
        Ok(VarId(var))
    }

    /// Adds a row: a new, unbounded variable equal to `Σ coefficient · var` over `terms`
    /// (bound it afterwards). A constant term belongs in the bounds of the row's variable.
    pub fn add_row(&mut self, terms: &[(VarId, f64)]) -> Result<VarId, SimplexError> {
        let var = self.values.len();
        for &(v, a) in terms {
            self.known(v)?;
            if !a.is_finite() {
                return Err(SimplexError::NotANumber {
                    var: v.0,
                    what: "a coefficient",
                    value: a,
                });
            }
        }
        let def = Definition {
            var,
            terms: terms.iter().map(|&(v, a)| (v.0, a)).collect(),
        };
        self.bounds.add(f64::NEG_INFINITY, f64::INFINITY);
        self.tableau.add_column();
        self.tableau.add_row(&def);
        let value = self.row_value(self.tableau.num_rows() - 1);
        self.values.push(value);
        self.definitions.push(def);
        Ok(VarId(var))
    }

    /// Replaces both bounds of `var`; [`Simplex::pop`] restores the old ones.
    pub fn set_bounds(&mut self, var: VarId, lower: f64, upper: f64) -> Result<(), SimplexError> {
        self.known(var)?;
        check_bounds(var.0, lower, upper)?;
        self.bounds.set(var.0, lower, upper);
        Ok(())
    }

    /// Raises the lower bound of `var` to `lower` unless it already is at least that.
    pub fn tighten_lower(&mut self, var: VarId, lower: f64) -> Result<(), SimplexError> {
        self.known(var)?;
        let (old, upper) = (self.bounds.lower(var.0), self.bounds.upper(var.0));
        if lower > old {
            self.set_bounds(var, lower, upper)?;
        }
        Ok(())
    }

    /// Lowers the upper bound of `var` to `upper` unless it already is at most that.
    pub fn tighten_upper(&mut self, var: VarId, upper: f64) -> Result<(), SimplexError> {
        self.known(var)?;
        let (lower, old) = (self.bounds.lower(var.0), self.bounds.upper(var.0));
        if upper < old {
            self.set_bounds(var, lower, upper)?;
        }
        Ok(())
    }

    /// The named bound of `var`. Panics if `var` belongs to another simplex.
    pub fn bound(&self, var: VarId, bound: Bound) -> f64 {
        self.bounds.get(var.0, bound)
    }

    /// Opens a backtrack level.
    pub fn push(&mut self) {
        self.bounds.push();
    }

    /// Restores the bounds as they were at the matching [`Simplex::push`]; rows stay, and so
    /// does the basis.
    pub fn pop(&mut self) -> Result<(), SimplexError> {
        if self.bounds.pop() {
            Ok(())
        } else {
            Err(SimplexError::NoLevel)
        }
    }

    /// Number of open backtrack levels.
    pub fn level(&self) -> usize {
        self.bounds.level()
    }

    /// The value of `var` in the current assignment (a solution after a feasible check).
    /// Panics if `var` belongs to another simplex.
    pub fn value(&self, var: VarId) -> f64 {
        self.values[var.0]
    }

    pub fn stats(&self) -> Statistics {
        self.stats
    }

    /// Every row as given: `(row variable, terms)`.
    pub fn rows(&self) -> impl Iterator<Item = (VarId, &[(usize, f64)])> + '_ {
        self.definitions
            .iter()
            .map(|d| (VarId(d.var), d.terms.as_slice()))
    }

    fn known(&self, var: VarId) -> Result<(), SimplexError> {
        if var.0 < self.values.len() {
            Ok(())
        } else {
            Err(SimplexError::UnknownVar {
                var: var.0,
                count: self.values.len(),
            })
        }
    }

    /// `Σ a_j · value_j` over the row's nonbasic variables.
    fn row_value(&self, row: usize) -> f64 {
        let coefficients = self.tableau.row(row);
        coefficients
            .iter()
            .zip(&self.values)
            .filter(|(a, _)| **a != 0.0)
            .map(|(a, v)| a * v)
            .sum()
    }
}

fn check_bounds(var: usize, lower: f64, upper: f64) -> Result<(), SimplexError> {
    for (what, value) in [("the lower bound", lower), ("the upper bound", upper)] {
        if value.is_nan() {
            return Err(SimplexError::NotANumber { var, what, value });
        }
    }
    if lower == f64::INFINITY || upper == f64::NEG_INFINITY {
        return Err(SimplexError::EmptyBound { var, lower, upper });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_that_are_not_numbers_are_rejected() {
        let mut lp = Simplex::new();
        assert!(matches!(
            lp.add_var(f64::NAN, 1.0),
            Err(SimplexError::NotANumber { .. })
        ));
        assert!(matches!(
            lp.add_var(f64::INFINITY, f64::INFINITY),
            Err(SimplexError::EmptyBound { .. })
        ));
        let x = lp.add_var(0.0, 1.0).unwrap();
        assert!(matches!(
            lp.add_row(&[(x, f64::NAN)]),
            Err(SimplexError::NotANumber { .. })
        ));
        assert!(matches!(
            lp.add_row(&[(x, f64::INFINITY)]),
            Err(SimplexError::NotANumber { .. })
        ));
        assert!(matches!(
            lp.set_bounds(VarId(7), 0.0, 1.0),
            Err(SimplexError::UnknownVar { var: 7, count: 1 })
        ));
        assert_eq!(lp.pop(), Err(SimplexError::NoLevel));
        assert_eq!(lp.num_vars(), 1);
    }

    #[test]
    fn tightening_never_loosens() {
        let mut lp = Simplex::new();
        let x = lp.add_var(-1.0, 1.0).unwrap();
        lp.tighten_lower(x, -2.0).unwrap();
        lp.tighten_upper(x, 3.0).unwrap();
        assert_eq!(
            (lp.bound(x, Bound::Lower), lp.bound(x, Bound::Upper)),
            (-1.0, 1.0)
        );
        lp.tighten_lower(x, 0.5).unwrap();
        lp.tighten_upper(x, 0.75).unwrap();
        assert_eq!(
            (lp.bound(x, Bound::Lower), lp.bound(x, Bound::Upper)),
            (0.5, 0.75)
        );
    }

    #[test]
    fn a_new_variable_starts_inside_its_bounds() {
        let mut lp = Simplex::new();
        let x = lp.add_var(2.0, 3.0).unwrap();
        let y = lp.add_var(f64::NEG_INFINITY, -4.0).unwrap();
        let r = lp.add_row(&[(x, 1.0), (y, 1.0)]).unwrap();
        assert_eq!((lp.value(x), lp.value(y), lp.value(r)), (2.0, -4.0, -2.0));
        assert_eq!(r.index(), 2);
    }
}
