//! The tableau: one row `basic = Σ a_j · x_j` over the nonbasic variables per basic variable,
//! the pivot that swaps a basic variable with a nonbasic one, and the rebuild from the
//! original row definitions.

use super::error::SimplexError;
use super::tolerances::{PIVOT_TOLERANCE, ZERO_TOLERANCE};

/// An original row as the user gave it: `var = Σ a_j · x_j`, over variables created before
/// `var`. Kept to rebuild the tableau and to turn explanations into row multipliers.
#[derive(Debug, Clone)]
pub(super) struct Definition {
    pub(super) var: usize,
    pub(super) terms: Vec<(usize, f64)>,
}

/// Dense rows over all variables; a row's entries at basic variables (its own included) are 0.
#[derive(Debug, Clone, Default)]
pub(super) struct Tableau {
    rows: Vec<Vec<f64>>,
    /// The basic variable of each row.
    basic: Vec<usize>,
    /// The row a variable is basic in, if any.
    row_of: Vec<Option<usize>>,
}

impl Tableau {
    /// Adds a column for a new, nonbasic variable.
    pub(super) fn add_column(&mut self) {
        for row in &mut self.rows {
            row.push(0.0);
        }
        self.row_of.push(None);
    }

    /// Adds the row of `def` with `def.var` (a new column) basic, substituting the rows of the
    /// basic variables among its terms so the row mentions nonbasic variables only.
    pub(super) fn add_row(&mut self, def: &Definition) {
        let mut row = vec![0.0; self.row_of.len()];
        for &(var, a) in &def.terms {
            match self.row_of[var] {
                Some(r) => axpy(&mut row, a, &self.rows[r]),
                None => row[var] += a,
            }
        }
        flush(&mut row);
        self.row_of[def.var] = Some(self.rows.len());
        self.basic.push(def.var);
        self.rows.push(row);
    }

    pub(super) fn num_rows(&self) -> usize {
        self.rows.len()
    }

    pub(super) fn basic(&self, row: usize) -> usize {
        self.basic[row]
    }

    pub(super) fn row(&self, row: usize) -> &[f64] {
        &self.rows[row]
    }

    pub(super) fn row_of(&self, var: usize) -> Option<usize> {
        self.row_of[var]
    }

    /// Makes `entering` (nonbasic, with a nonzero entry in `row`) basic in `row` and the row's
    /// basic variable nonbasic, then eliminates `entering` from every other row.
    pub(super) fn pivot(&mut self, row: usize, entering: usize) {
        let leaving = self.basic[row];
        let a = self.rows[row][entering];
        debug_assert!(a.abs() > 0.0, "pivot on a zero entry");
        // leaving = a·entering + rest  ⇒  entering = leaving/a − rest/a.
        let pivot_row = &mut self.rows[row];
        for v in pivot_row.iter_mut() {
            *v = -*v / a;
        }
        pivot_row[entering] = 0.0;
        pivot_row[leaving] = 1.0 / a;
        flush(pivot_row);
        let pivot_row = std::mem::take(&mut self.rows[row]);
        for other in self.rows.iter_mut() {
            if other.is_empty() {
                continue;
            }
            let c = other[entering];
            if c != 0.0 {
                other[entering] = 0.0;
                axpy_flush(other, c, &pivot_row);
            }
        }
        self.rows[row] = pivot_row;
        self.basic[row] = entering;
        self.row_of[leaving] = None;
        self.row_of[entering] = Some(row);
    }

    /// Recomputes every row from the original definitions for the current basis, by
    /// Gauss-Jordan elimination with partial pivoting, discarding the drift that pivots
    /// accumulated in the coefficients.
    pub(super) fn rebuild(&mut self, defs: &[Definition]) -> Result<(), SimplexError> {
        let n = self.row_of.len();
        // Each definition as the homogeneous equation `var − Σ a_j x_j = 0`.
        let mut eqs: Vec<Vec<f64>> = defs
            .iter()
            .map(|def| {
                let mut eq = vec![0.0; n];
                eq[def.var] = 1.0;
                for &(var, a) in &def.terms {
                    eq[var] -= a;
                }
                eq
            })
            .collect();
        let basics = self.basic.clone();
        for (k, &b) in basics.iter().enumerate() {
            let best = (k..eqs.len())
                .max_by(|&i, &j| eqs[i][b].abs().total_cmp(&eqs[j][b].abs()))
                .filter(|&i| eqs[i][b].abs() > PIVOT_TOLERANCE)
                .ok_or(SimplexError::SingularBasis { var: b })?;
            eqs.swap(k, best);
            let p = eqs[k][b];
            for v in eqs[k].iter_mut() {
                *v /= p;
            }
            let pivot_eq = std::mem::take(&mut eqs[k]);
            for (i, eq) in eqs.iter_mut().enumerate() {
                if i != k && eq[b] != 0.0 {
                    let c = eq[b];
                    axpy(eq, -c, &pivot_eq);
                    eq[b] = 0.0;
                }
            }
            eqs[k] = pivot_eq;
        }
        for (k, eq) in eqs.into_iter().enumerate() {
            let mut row: Vec<f64> = eq.into_iter().map(|v| -v).collect();
            for &b in &basics {
                row[b] = 0.0;
            }
            flush(&mut row);
            self.rows[k] = row;
            self.row_of[basics[k]] = Some(k);
        }
        Ok(())
    }
}

/// `y += a·x`.
fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// `y += a·x`, then entries below [`ZERO_TOLERANCE`] flushed to zero: the same values as
/// [`axpy`] then [`flush`], in one pass.
fn axpy_flush(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi = flushed(*yi + a * xi);
    }
}

/// Flushes entries below [`ZERO_TOLERANCE`] to zero.
fn flush(row: &mut [f64]) {
    for v in row.iter_mut() {
        *v = flushed(*v);
    }
}

/// `v`, or 0 below [`ZERO_TOLERANCE`]. A select rather than a branch, so that the loops
/// over rows vectorise (the pivot spends most of its time in them).
#[inline(always)]
fn flushed(v: f64) -> f64 {
    if v.abs() < ZERO_TOLERANCE {
        0.0
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tableau with x0, x1, x2 structural, x3 = x0 + 2·x1, x4 = x3 − x2 (refers to a row).
    fn sample() -> (Tableau, Vec<Definition>) {
        let mut t = Tableau::default();
        for _ in 0..5 {
            t.add_column();
        }
        let defs = vec![
            Definition {
                var: 3,
                terms: vec![(0, 1.0), (1, 2.0)],
            },
            Definition {
                var: 4,
                terms: vec![(3, 1.0), (2, -1.0)],
            },
        ];
        for d in &defs {
            t.add_row(d);
        }
        (t, defs)
    }

    /// Every row must hold at any point that satisfies the definitions.
    fn assert_rows_hold(t: &Tableau, x: &[f64]) {
        for r in 0..t.num_rows() {
            let rhs: f64 = t.row(r).iter().zip(x).map(|(a, v)| a * v).sum();
            assert!(
                (x[t.basic(r)] - rhs).abs() < 1e-12,
                "row {r}: {} vs {rhs}",
                x[t.basic(r)]
            );
            assert_eq!(t.row(r)[t.basic(r)], 0.0);
        }
    }

    fn point(x0: f64, x1: f64, x2: f64) -> Vec<f64> {
        vec![x0, x1, x2, x0 + 2.0 * x1, x0 + 2.0 * x1 - x2]
    }

    #[test]
    fn rows_substitute_basic_terms() {
        let (t, _) = sample();
        assert_eq!(t.row(1), &[1.0, 2.0, -1.0, 0.0, 0.0]);
        assert_rows_hold(&t, &point(1.0, -2.0, 0.5));
    }

    #[test]
    fn pivots_keep_the_equalities() {
        let (mut t, defs) = sample();
        t.pivot(0, 1); // x1 basic instead of x3
        assert_eq!(t.row_of(1), Some(0));
        assert_eq!(t.row_of(3), None);
        t.pivot(1, 2); // x2 basic instead of x4
        for p in [
            point(1.0, -2.0, 0.5),
            point(0.0, 3.0, -7.0),
            point(0.3, 0.1, 0.2),
        ] {
            assert_rows_hold(&t, &p);
        }
        let mut rebuilt = t.clone();
        rebuilt.rebuild(&defs).unwrap();
        for r in 0..t.num_rows() {
            let rr = rebuilt.row_of(t.basic(r)).unwrap();
            for (a, b) in t.row(r).iter().zip(rebuilt.row(rr)) {
                assert!((a - b).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn singular_basis_is_reported() {
        let (mut t, defs) = sample();
        // x3 and x0 + 2·x1 are tied: basis {x3, x4} with x3 replaced by nothing valid.
        t.basic[1] = 3;
        assert!(matches!(
            t.rebuild(&defs),
            Err(SimplexError::SingularBasis { .. })
        ));
    }
}
