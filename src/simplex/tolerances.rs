//! The simplex's numeric tolerances and its numerical-hygiene schedule, in one place.

/// A bound counts as violated only when missed by more than this. It absorbs the rounding that
/// accumulates in the basic variables' values, so an assignment that is exact up to rounding is
/// accepted; it is also the margin an explanation must prove (the row's best value falls short
/// by more than this), so rounding alone never makes a feasible problem look infeasible.
pub const FEASIBILITY_TOLERANCE: f64 = 1e-7;

/// Smallest |coefficient| accepted as a pivot element. Dividing by a smaller entry would
/// multiply the rounding error of every entry of the row by its inverse.
pub const PIVOT_TOLERANCE: f64 = 1e-9;

/// Tableau entries smaller than this after an elimination are the residue of a cancellation
/// that is exact in the reals; they are flushed to zero so they neither fill rows nor pose as
/// pivots.
pub const ZERO_TOLERANCE: f64 = 1e-12;

/// Pivots between two recomputations of the basic variables' values from the nonbasic ones:
/// bounds the drift of the incrementally updated values.
pub const RECOMPUTE_INTERVAL: u64 = 16;

/// Pivots between two rebuilds of the tableau from the original rows by Gauss-Jordan
/// elimination on the current basis: bounds the drift of the tableau coefficients.
pub const REFACTOR_INTERVAL: u64 = 128;

/// Pivots within one `check` after which both choices follow Bland's rule (smallest index),
/// which cannot cycle, are `BLAND_AFTER_MIN + BLAND_AFTER_PER_ROW · rows`. Before that the
/// greedier rules need far fewer pivots (on random 60-row problems, about 60 against over
/// 1,000 with Bland from the 16th pivot on), so Bland is kept as the fallback for stalling.
pub const BLAND_AFTER_MIN: u64 = 64;

/// See [`BLAND_AFTER_MIN`].
pub const BLAND_AFTER_PER_ROW: u64 = 4;
