//! The feasibility check as a primal phase one: minimise the sum of the basic variables'
//! bound violations by pivots with a ratio test, so that no step makes it larger.
//!
//! Dutertre and de Moura's repair ([`CheckMethod::Repair`](super::CheckMethod)) sets one
//! violated basic variable onto its bound whatever that costs the others: on the concolic LPs
//! (hundreds of inputs in `[0, 1]`, a row per neuron) a repair typically moves an input by
//! several times its range, and dozens of rows that held fall out of their bounds; thousands of
//! pivots later the sum of violations is still where it was. Here the entering variable is
//! one that decreases the sum at first order (its reduced cost over the violated rows), and
//! it moves only until it reaches its own bound, a basic variable that held reaches one, or a
//! violated one reaches the bound it missed: the sum never grows. Bland's rule (smallest
//! index, entering and leaving) after a while, so that degenerate steps cannot cycle. At an
//! optimum that is still infeasible, the violated rows summed with their signs are the Farkas
//! row: no nonbasic variable can move to make that sum larger.

use super::tolerances::{
    FEASIBILITY_TOLERANCE, PIVOT_TOLERANCE, RECOMPUTE_INTERVAL, REFACTOR_INTERVAL,
};
use super::{Feasibility, Simplex, SimplexError};

/// How the entering variable moves: onto its own other bound (no basis change), or until the
/// basic variable of `row` reaches `target`, where they swap.
enum Step {
    Flip(f64),
    Pivot { row: usize, target: f64 },
}

impl Simplex {
    /// At most `max_pivots` iterations (pivots and bound flips) of phase one. A phase-one
    /// optimum that is still infeasible is explained by the sum of the violated rows' Farkas
    /// rows; should that sum not fall short by the tolerance (improvements too small to
    /// pivot on), the repair takes over from that basis for the remaining iterations.
    pub(super) fn phase_one(&mut self, max_pivots: u64) -> Result<Feasibility, SimplexError> {
        if let Some(explanation) = self.start() {
            return Ok(Feasibility::Infeasible(explanation));
        }
        let bland_after = self.bland_after();
        let mut iterations = 0;
        let mut drifted = false;
        loop {
            let violated = self.violated_signs();
            let step = if violated.is_empty() {
                None
            } else {
                let bland = iterations >= bland_after;
                self.improving(&violated, bland)
                    .and_then(|(entering, rise)| {
                        self.ratio_test(entering, rise, bland)
                            .map(|step| (entering, step))
                    })
            };
            let Some((entering, step)) = step else {
                if drifted {
                    self.recompute_basic();
                    drifted = false;
                    continue;
                }
                if violated.is_empty() {
                    return Ok(Feasibility::Feasible);
                }
                let explanation = self.farkas_rows(&violated);
                if explanation.max_sum(|v, b| self.bounds.get(v.0, b)) < -FEASIBILITY_TOLERANCE {
                    return Ok(Feasibility::Infeasible(explanation));
                }
                // Improvements below the pivot tolerance, or none that a ratio test bounds.
                return self.repair(max_pivots.saturating_sub(iterations));
            };
            if iterations >= max_pivots {
                return Ok(Feasibility::Unknown);
            }
            iterations += 1;
            drifted = true;
            match step {
                Step::Flip(value) => {
                    self.update_nonbasic(entering, value);
                    self.stats.bound_flips += 1;
                }
                Step::Pivot { row, target } => {
                    self.pivot_and_update(row, entering, target);
                    self.stats.pivots += 1;
                    if self.stats.pivots.is_multiple_of(REFACTOR_INTERVAL) {
                        self.tableau.rebuild(&self.definitions)?;
                        self.stats.refactorisations += 1;
                        self.recompute_basic();
                    }
                }
            }
            if iterations.is_multiple_of(RECOMPUTE_INTERVAL) {
                self.recompute_basic();
            }
        }
    }

    /// The rows whose basic variable misses a bound, each with +1 if it must rise, -1 if it
    /// must fall.
    fn violated_signs(&self) -> Vec<(usize, f64)> {
        (0..self.tableau.num_rows())
            .filter_map(|row| {
                let basic = self.tableau.basic(row);
                let value = self.values[basic];
                if self.bounds.lower(basic) - value > FEASIBILITY_TOLERANCE {
                    Some((row, 1.0))
                } else if value - self.bounds.upper(basic) > FEASIBILITY_TOLERANCE {
                    Some((row, -1.0))
                } else {
                    None
                }
            })
            .collect()
    }

    /// A nonbasic variable whose move decreases the sum of violations at first order, and
    /// whether it rises: the one with the largest reduced cost `Σ sign · a` over the violated
    /// rows (Dantzig's rule), the smallest under Bland's.
    fn improving(&self, violated: &[(usize, f64)], bland: bool) -> Option<(usize, bool)> {
        let mut cost = vec![0.0; self.num_vars()];
        for &(row, sign) in violated {
            for (c, a) in cost.iter_mut().zip(self.tableau.row(row)) {
                *c += sign * a;
            }
        }
        let mut best: Option<(usize, bool, f64)> = None;
        for (var, &d) in cost.iter().enumerate() {
            if d.abs() <= PIVOT_TOLERANCE || self.tableau.row_of(var).is_some() {
                continue;
            }
            let rise = d > 0.0;
            let room = if rise {
                self.values[var] < self.bounds.upper(var)
            } else {
                self.values[var] > self.bounds.lower(var)
            };
            if !room {
                continue;
            }
            if bland {
                return Some((var, rise));
            }
            if best.is_none_or(|(_, _, b)| d.abs() > b) {
                best = Some((var, rise, d.abs()));
            }
        }
        best.map(|(var, rise, _)| (var, rise))
    }

    /// How far `entering` may move (up if `rise`) before its own bound, a basic variable that
    /// holds its bounds reaching one, or a violated one reaching the bound it misses; ties go
    /// to the largest entry (the stablest pivot), or the smallest basic variable under Bland's
    /// rule. `None` when nothing limits the move, which a first-order improvement rules out
    /// but for entries below the pivot tolerance.
    fn ratio_test(&self, entering: usize, rise: bool, bland: bool) -> Option<Step> {
        let direction = if rise { 1.0 } else { -1.0 };
        let own = if rise {
            self.bounds.upper(entering) - self.values[entering]
        } else {
            self.values[entering] - self.bounds.lower(entering)
        };
        // (step, |entry|, basic, row, target)
        let mut best: Option<(f64, f64, usize, usize, f64)> = None;
        for row in 0..self.tableau.num_rows() {
            let a = self.tableau.row(row)[entering];
            if a.abs() <= PIVOT_TOLERANCE {
                continue;
            }
            let g = a * direction;
            let basic = self.tableau.basic(row);
            let (value, lower, upper) = (
                self.values[basic],
                self.bounds.lower(basic),
                self.bounds.upper(basic),
            );
            let below = lower - value > FEASIBILITY_TOLERANCE;
            let above = value - upper > FEASIBILITY_TOLERANCE;
            let target = match (below, above, g > 0.0) {
                (true, _, true) => lower,
                (true, _, false) => continue,
                (_, true, false) => upper,
                (_, true, true) => continue,
                (false, false, true) => upper,
                (false, false, false) => lower,
            };
            if !target.is_finite() {
                continue;
            }
            let step = ((target - value) / g).max(0.0);
            let better = match best {
                None => true,
                Some((s, size, b, ..)) => {
                    step < s || (step == s && if bland { basic < b } else { a.abs() > size })
                }
            };
            if better {
                best = Some((step, a.abs(), basic, row, target));
            }
        }
        match best {
            Some((step, .., row, target)) if step < own => Some(Step::Pivot { row, target }),
            _ if own.is_finite() => Some(Step::Flip(if rise {
                self.bounds.upper(entering)
            } else {
                self.bounds.lower(entering)
            })),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Bound, CheckMethod, Feasibility, Simplex};

    #[test]
    fn phase_one_finds_points_and_explains_infeasibility() {
        let mut lp = Simplex::new();
        lp.set_method(CheckMethod::PhaseOne);
        let x = lp.add_var(0.0, 1.0).unwrap();
        let y = lp.add_var(0.0, 1.0).unwrap();
        let s = lp.add_row(&[(x, 1.0), (y, 1.0)]).unwrap();
        let d = lp.add_row(&[(x, 1.0), (y, -1.0)]).unwrap();
        lp.tighten_lower(s, 1.5).unwrap();
        lp.tighten_lower(d, 0.25).unwrap();
        assert_eq!(lp.check(100).unwrap(), Feasibility::Feasible);
        let (vx, vy) = (lp.value(x), lp.value(y));
        assert!(vx + vy >= 1.5 - 1e-9 && vx - vy >= 0.25 - 1e-9, "{vx} {vy}");
        assert!((0.0..=1.0).contains(&vx) && (0.0..=1.0).contains(&vy));
        lp.push();
        lp.tighten_upper(x, 0.5).unwrap();
        let Feasibility::Infeasible(why) = lp.check(100).unwrap() else {
            panic!("x ≤ 0.5 and x − y ≥ 0.25 leave x + y ≤ 0.75");
        };
        assert!(why.max_sum(|v, b| lp.bound(v, b)) < 0.0);
        lp.pop().unwrap();
        assert_eq!(lp.bound(x, Bound::Upper), 1.0);
        assert_eq!(lp.check(100).unwrap(), Feasibility::Feasible);
    }
}
