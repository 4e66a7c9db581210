//! The feasibility check: repair basic variables that miss a bound by pivots until none is
//! left, or until a row proves that its basic variable cannot be repaired.

use log::debug;

use super::explanation::capping_bound;
use super::tolerances::{
    BLAND_AFTER_MIN, BLAND_AFTER_PER_ROW, FEASIBILITY_TOLERANCE, PIVOT_TOLERANCE,
    RECOMPUTE_INTERVAL, REFACTOR_INTERVAL,
};
use super::{
    Bound, CheckMethod, Explanation, FarkasTerm, Feasibility, Simplex, SimplexError, VarId,
};

/// Which way a violated basic variable must move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Increase,
    Decrease,
}

impl Simplex {
    /// Searches an assignment within all bounds, starting from the current basis and doing at
    /// most `max_pivots` pivots.
    pub fn check(&mut self, max_pivots: u64) -> Result<Feasibility, SimplexError> {
        self.stats.checks += 1;
        let before = self.stats.pivots;
        let result = match self.method {
            CheckMethod::Repair => self.repair(max_pivots),
            CheckMethod::PhaseOne => self.phase_one(max_pivots),
        };
        let outcome = match &result {
            Ok(Feasibility::Feasible) => "feasible".to_string(),
            Ok(Feasibility::Infeasible(e)) => format!("infeasible ({} bounds)", e.terms.len()),
            Ok(Feasibility::Unknown) => "pivot limit".to_string(),
            Err(e) => format!("error: {e}"),
        };
        debug!(
            "simplex check: {outcome} after {} pivots ({} rows, {} variables, level {}, {} pivots in all)",
            self.stats.pivots - before,
            self.tableau.num_rows(),
            self.num_vars(),
            self.level(),
            self.stats.pivots
        );
        result
    }

    /// Dutertre and de Moura's `check`: pick a violated basic variable, pivot it with a
    /// nonbasic variable that has room to move it towards its bound, set it to that bound.
    pub(super) fn repair(&mut self, max_pivots: u64) -> Result<Feasibility, SimplexError> {
        if let Some(explanation) = self.start() {
            return Ok(Feasibility::Infeasible(explanation));
        }
        let bland_after = self.bland_after();
        let mut pivots = 0;
        // Whether basic values were updated incrementally since the last recomputation: a
        // feasible answer is only given on freshly recomputed values.
        let mut drifted = false;
        loop {
            let bland = pivots >= bland_after;
            let Some((row, direction)) = self.violated_row(bland) else {
                if drifted {
                    self.recompute_basic();
                    drifted = false;
                    continue;
                }
                return Ok(Feasibility::Feasible);
            };
            let basic = self.tableau.basic(row);
            let Some(entering) = self.entering(row, direction, bland) else {
                let explanation = self.farkas_row(row, direction);
                if explanation.max_sum(|v, b| self.bounds.get(v.0, b)) < -FEASIBILITY_TOLERANCE {
                    return Ok(Feasibility::Infeasible(explanation));
                }
                // The violation was drift in the value; if it was not, the row is stuck on
                // entries too small to pivot on.
                self.values[basic] = self.row_value(row);
                if self.violation(basic).is_some() {
                    return Err(SimplexError::NumericalTrouble { var: basic });
                }
                continue;
            };
            if pivots >= max_pivots {
                return Ok(Feasibility::Unknown);
            }
            let target = match direction {
                Direction::Increase => self.bounds.lower(basic),
                Direction::Decrease => self.bounds.upper(basic),
            };
            self.pivot_and_update(row, entering, target);
            pivots += 1;
            self.stats.pivots += 1;
            drifted = true;
            if self.stats.pivots.is_multiple_of(REFACTOR_INTERVAL) {
                self.tableau.rebuild(&self.definitions)?;
                self.stats.refactorisations += 1;
                self.recompute_basic();
            } else if self.stats.pivots.is_multiple_of(RECOMPUTE_INTERVAL) {
                self.recompute_basic();
            }
        }
    }

    /// What every check does first: the explanation when some variable's bounds cross;
    /// otherwise the nonbasic variables moved onto their bounds and the basic ones recomputed.
    pub(super) fn start(&mut self) -> Option<Explanation> {
        if let Some(explanation) = self.crossed_bounds() {
            return Some(explanation);
        }
        self.snap_nonbasic();
        self.recompute_basic();
        None
    }

    /// Pivots after which a check switches to Bland's rule.
    pub(super) fn bland_after(&self) -> u64 {
        BLAND_AFTER_MIN + BLAND_AFTER_PER_ROW * self.tableau.num_rows() as u64
    }

    /// A variable whose lower bound exceeds its upper bound is infeasible on its own.
    fn crossed_bounds(&self) -> Option<Explanation> {
        (0..self.num_vars())
            .find(|&v| self.bounds.lower(v) - self.bounds.upper(v) > FEASIBILITY_TOLERANCE)
            .map(|v| Explanation {
                terms: vec![
                    FarkasTerm {
                        var: VarId(v),
                        coefficient: 1.0,
                        bound: Bound::Upper,
                    },
                    FarkasTerm {
                        var: VarId(v),
                        coefficient: -1.0,
                        bound: Bound::Lower,
                    },
                ],
                multipliers: Vec::new(),
            })
    }

    /// Moves nonbasic variables that bound changes left outside their bounds onto the nearest
    /// bound, so that only basic variables can be violated.
    fn snap_nonbasic(&mut self) {
        for var in 0..self.num_vars() {
            if self.tableau.row_of(var).is_some() {
                continue;
            }
            let (lower, upper) = (self.bounds.lower(var), self.bounds.upper(var));
            if self.values[var] < lower {
                self.update_nonbasic(var, lower);
            } else if self.values[var] > upper {
                self.update_nonbasic(var, upper);
            }
        }
    }

    /// Recomputes the basic variables' values from the nonbasic ones, dropping drift.
    pub(super) fn recompute_basic(&mut self) {
        for row in 0..self.tableau.num_rows() {
            self.values[self.tableau.basic(row)] = self.row_value(row);
        }
    }

    /// How far `var` misses a bound (beyond the tolerance) and which way it must move.
    fn violation(&self, var: usize) -> Option<(f64, Direction)> {
        let value = self.values[var];
        let below = self.bounds.lower(var) - value;
        let above = value - self.bounds.upper(var);
        if below > FEASIBILITY_TOLERANCE {
            Some((below, Direction::Increase))
        } else if above > FEASIBILITY_TOLERANCE {
            Some((above, Direction::Decrease))
        } else {
            None
        }
    }

    /// The row of a violated basic variable: the smallest variable under Bland's rule, the
    /// most violated one otherwise.
    fn violated_row(&self, bland: bool) -> Option<(usize, Direction)> {
        let violated = (0..self.tableau.num_rows()).filter_map(|row| {
            let basic = self.tableau.basic(row);
            self.violation(basic)
                .map(|(amount, dir)| (basic, amount, row, dir))
        });
        let chosen = if bland {
            violated.min_by_key(|&(basic, ..)| basic)
        } else {
            violated.max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        };
        chosen.map(|(_, _, row, dir)| (row, dir))
    }

    /// A nonbasic variable that can move the row's basic variable in `direction`: the smallest
    /// under Bland's rule, the one with the largest coefficient (the stablest pivot) otherwise.
    fn entering(&self, row: usize, direction: Direction, bland: bool) -> Option<usize> {
        let coefficients = self.tableau.row(row);
        let candidates = coefficients.iter().enumerate().filter(|&(var, &a)| {
            if a.abs() <= PIVOT_TOLERANCE {
                return false;
            }
            let can_rise = self.values[var] < self.bounds.upper(var);
            let can_fall = self.values[var] > self.bounds.lower(var);
            match direction {
                Direction::Increase => (a > 0.0 && can_rise) || (a < 0.0 && can_fall),
                Direction::Decrease => (a > 0.0 && can_fall) || (a < 0.0 && can_rise),
            }
        });
        if bland {
            candidates.map(|(var, _)| var).next()
        } else {
            candidates
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()).then(b.0.cmp(&a.0)))
                .map(|(var, _)| var)
        }
    }

    /// Sets nonbasic `var` to `value`, moving the basic variables with it.
    pub(super) fn update_nonbasic(&mut self, var: usize, value: f64) {
        let delta = value - self.values[var];
        for row in 0..self.tableau.num_rows() {
            let a = self.tableau.row(row)[var];
            if a != 0.0 {
                self.values[self.tableau.basic(row)] += a * delta;
            }
        }
        self.values[var] = value;
    }

    /// Moves `entering` so that the row's basic variable reaches `target`, then swaps them.
    pub(super) fn pivot_and_update(&mut self, row: usize, entering: usize, target: f64) {
        let basic = self.tableau.basic(row);
        let theta = (target - self.values[basic]) / self.tableau.row(row)[entering];
        self.update_nonbasic(entering, self.values[entering] + theta);
        self.values[basic] = target;
        self.tableau.pivot(row, entering);
    }

    /// The row of a basic variable that no pivot can repair, as a Farkas row: `x_b − Σ a_j x_j
    /// = 0` when `x_b` must fall, its negation when it must rise, so that the named bounds cap
    /// the sum below zero.
    fn farkas_row(&self, row: usize, direction: Direction) -> Explanation {
        let sign = match direction {
            Direction::Increase => 1.0,
            Direction::Decrease => -1.0,
        };
        self.farkas_rows(&[(row, sign)])
    }

    /// The sum of the Farkas rows of several violated rows, each given with +1 if its basic
    /// variable must rise and -1 if it must fall: at a phase-one optimum no nonbasic variable
    /// can move to decrease the sum of their violations, so the named bounds cap it below 0.
    pub(super) fn farkas_rows(&self, rows: &[(usize, f64)]) -> Explanation {
        let mut combination = vec![0.0; self.num_vars()];
        for &(row, sign) in rows {
            combination[self.tableau.basic(row)] -= sign;
            for (c, &a) in combination.iter_mut().zip(self.tableau.row(row)) {
                if a != 0.0 {
                    *c += sign * a;
                }
            }
        }
        let terms = combination
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != 0.0)
            .map(|(var, &c)| FarkasTerm {
                var: VarId(var),
                coefficient: c,
                bound: capping_bound(c),
            })
            .collect();
        Explanation {
            terms,
            multipliers: self.row_multipliers(combination),
        }
    }

    /// The multipliers of the original rows whose sum is `combination`. Row `k` is
    /// `y_k − Σ a_kj x_j = 0` and mentions only variables created before `y_k`, so the
    /// multipliers follow by back substitution on the row variables' coefficients.
    fn row_multipliers(&self, mut combination: Vec<f64>) -> Vec<(VarId, f64)> {
        let mut multipliers = Vec::new();
        for def in self.definitions.iter().rev() {
            let lambda = combination[def.var];
            if lambda == 0.0 {
                continue;
            }
            for &(var, a) in &def.terms {
                combination[var] += lambda * a;
            }
            multipliers.push((VarId(def.var), lambda));
        }
        multipliers.reverse();
        multipliers
    }
}

#[cfg(test)]
mod tests {
    use super::super::tolerances::FEASIBILITY_TOLERANCE;
    use super::*;

    /// x, y ∈ [0, 1] and s = x + y.
    fn sum_of_two() -> (Simplex, VarId, VarId, VarId) {
        let mut lp = Simplex::new();
        let x = lp.add_var(0.0, 1.0).unwrap();
        let y = lp.add_var(0.0, 1.0).unwrap();
        let s = lp.add_row(&[(x, 1.0), (y, 1.0)]).unwrap();
        (lp, x, y, s)
    }

    #[test]
    fn a_row_out_of_reach_is_explained_by_its_bounds() {
        let (mut lp, x, y, s) = sum_of_two();
        lp.set_bounds(s, 3.0, 4.0).unwrap();
        let Feasibility::Infeasible(why) = lp.check(100).unwrap() else {
            panic!("s = x + y ≤ 2 cannot reach 3");
        };
        let mut bounds: Vec<_> = why.bounds().collect();
        bounds.sort_by_key(|b| b.0);
        assert_eq!(
            bounds,
            vec![(x, Bound::Upper), (y, Bound::Upper), (s, Bound::Lower)]
        );
        assert!((why.max_sum(|v, b| lp.bound(v, b)) + 1.0).abs() < 1e-12);
        assert_eq!(why.multipliers.len(), 1);
        assert_eq!(why.multipliers[0].0, s);
    }

    #[test]
    fn feasible_assignments_meet_rows_and_bounds() {
        let (mut lp, x, y, s) = sum_of_two();
        let d = lp.add_row(&[(s, 2.0), (x, -1.0)]).unwrap(); // d = x + 2y
        lp.set_bounds(s, 1.5, 1.5).unwrap();
        lp.set_bounds(d, f64::NEG_INFINITY, 2.0).unwrap();
        assert_eq!(lp.check(100).unwrap(), Feasibility::Feasible);
        let (vx, vy) = (lp.value(x), lp.value(y));
        assert!((lp.value(s) - (vx + vy)).abs() < 1e-12);
        assert!((lp.value(d) - (vx + 2.0 * vy)).abs() < 1e-12);
        assert!((lp.value(s) - 1.5).abs() <= FEASIBILITY_TOLERANCE);
        assert!(lp.value(d) <= 2.0 + FEASIBILITY_TOLERANCE);
        assert!((0.0..=1.0).contains(&vx) && (0.0..=1.0).contains(&vy));
    }

    #[test]
    fn crossed_bounds_are_their_own_explanation() {
        let (mut lp, x, _, _) = sum_of_two();
        lp.tighten_lower(x, 2.0).unwrap();
        let Feasibility::Infeasible(why) = lp.check(100).unwrap() else {
            panic!()
        };
        assert_eq!(
            why.bounds().collect::<Vec<_>>(),
            vec![(x, Bound::Upper), (x, Bound::Lower)]
        );
        assert!(why.multipliers.is_empty());
        assert!(why.max_sum(|v, b| lp.bound(v, b)) < 0.0);
    }

    #[test]
    fn the_pivot_limit_gives_unknown_and_checking_resumes() {
        let (mut lp, _, _, s) = sum_of_two();
        lp.set_bounds(s, 1.5, 2.0).unwrap();
        assert_eq!(lp.check(0).unwrap(), Feasibility::Unknown);
        assert_eq!(lp.check(100).unwrap(), Feasibility::Feasible);
        assert!(lp.stats().pivots >= 1);
        assert_eq!(lp.stats().checks, 2);
    }

    #[test]
    fn popping_relaxes_back_to_feasible_from_the_same_basis() {
        let (mut lp, x, _, s) = sum_of_two();
        lp.set_bounds(s, 1.0, 2.0).unwrap();
        assert_eq!(lp.check(100).unwrap(), Feasibility::Feasible);
        lp.push();
        lp.tighten_upper(x, 0.0).unwrap();
        lp.tighten_lower(s, 1.5).unwrap();
        assert!(matches!(lp.check(100).unwrap(), Feasibility::Infeasible(_)));
        lp.pop().unwrap();
        assert_eq!(lp.bound(x, Bound::Upper), 1.0);
        assert_eq!(lp.bound(s, Bound::Lower), 1.0);
        assert_eq!(lp.check(100).unwrap(), Feasibility::Feasible);
    }
}
