//! The concolic step of DeepConcolic (Sun et al.): keep a seed's activation pattern where an
//! objective needs it, ask for the signs the objective wants, and find the input closest to
//! the seed (L∞) that has them, by linear programming on vera's own simplex.
//!
//! One [`RegionLp`] holds the rows of every pre-activation of the feature layers it was built
//! for, as affine maps of the input over the fixed phases; objectives that share the fixed
//! phases (every decision neuron of one condition, every neuron of one layer) reuse it and
//! only change bounds, so the simplex starts each solve from the last basis. A layer none of
//! whose signs is fixed gets the row of a neuron only when a goal first asks for it: every
//! row costs time in every pivot, and most decisions are covered before their turn. The L∞
//! distance is minimised by bisection over the radius, each step a warm feasibility check.
//!
//! The checks are the simplex's phase one ([`CheckMethod::PhaseOne`]), not the DPLL(T)
//! engine's repair: on these LPs (784 inputs in `[0, 1]`, a row per neuron) the repair moves
//! an input by several times its range per pivot and pushes dozens of rows out of their
//! bounds, and its checks ran into the pivot limit without getting nearer (hardly a basis
//! repeated and no step had length 0: neither cycling nor degeneracy); phase one never makes the sum of violations larger, and
//! refutes most of the LPs the repair left undecided within a few hundred pivots.

use super::linear_region::AffineMap;
use crate::simplex::{CheckMethod, Feasibility, Simplex, VarId};

/// How far from 0 every sign the LP fixes must be (on the pre-activation `u`): LP optima sit
/// on the boundary `u = 0`, where rounding the solution to float32 (or computing it in another
/// order) flips the sign half of the time; with this margin the signs survive both. Rounding
/// a 784-pixel input in `[0, 1]` to float32 moves a first-layer `u` by about 1e-5 at most on
/// benchmarks/testing's MNIST MLPs; 1e-4 keeps a factor 10 and on mnist_67_22_63 rejects no
/// pair (1e-3 left the LP of one more objective infeasible from most pools). Every pair is
/// confirmed by execution whatever the margin.
pub const SIGN_MARGIN: f64 = 1e-4;

/// Bisection steps over the radius after the first feasible solve: the distance found is
/// within `2^-BISECTION_STEPS` of the least one, relative to the first feasible radius.
pub const BISECTION_STEPS: usize = 3;

/// Pivot limit of the first feasibility check of an objective in the first sweep; a check
/// that reaches it counts as infeasible. On `mnist_67_22_63` feasible checks from the seed
/// take a median of 18 pivots and 99% take fewer than 140. Of the checks not found feasible
/// (bisection steps included) 76 of 1,594 reach 200 with phase one; with the repair 1,057 of
/// 1,670 did, and none of those run to 5,000 pivots was refuted.
pub const MAX_PIVOTS: u64 = 200;

/// Pivot limit of the first check when the objectives left open are tried again.
pub const RETRY_MAX_PIVOTS: u64 = 2_000;

/// Pivot limit of a bisection step: a smaller radius not reached within it counts as too
/// small (the radius found is then a little larger than the least one, never wrong).
pub const BISECTION_MAX_PIVOTS: u64 = 100;

/// A sign a neuron must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignGoal {
    pub layer: usize,
    pub neuron: usize,
    /// `true`: `u >= SIGN_MARGIN`; `false`: `u <= -SIGN_MARGIN`.
    pub positive: bool,
}

/// The signs `signs` gives the neurons of layers `0..layers`, as goals; the neuron `flip`
/// names (layer, neuron), if any, gets the other sign.
pub fn sign_goals(
    signs: &[Vec<bool>],
    layers: usize,
    flip: Option<(usize, usize)>,
) -> Vec<SignGoal> {
    signs
        .iter()
        .enumerate()
        .take(layers)
        .flat_map(|(layer, s)| {
            s.iter()
                .enumerate()
                .map(move |(neuron, positive)| SignGoal {
                    layer,
                    neuron,
                    positive: *positive != (flip == Some((layer, neuron))),
                })
        })
        .collect()
}

/// A range a neuron's pre-activation `u` must lie in (either end open when `None`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueRange {
    pub layer: usize,
    pub neuron: usize,
    pub at_least: Option<f64>,
    pub at_most: Option<f64>,
}

impl ValueRange {
    pub fn at_least(layer: usize, neuron: usize, v: f64) -> ValueRange {
        ValueRange {
            layer,
            neuron,
            at_least: Some(v),
            at_most: None,
        }
    }

    pub fn at_most(layer: usize, neuron: usize, v: f64) -> ValueRange {
        ValueRange {
            layer,
            neuron,
            at_least: None,
            at_most: Some(v),
        }
    }

    /// How far `u` is outside the range (0 inside).
    pub fn distance(&self, u: f64) -> f64 {
        let below = self.at_least.map_or(0.0, |lo| (lo - u).max(0.0));
        let above = self.at_most.map_or(0.0, |hi| (u - hi).max(0.0));
        below + above
    }
}

/// The linear program of one region around one seed.
pub struct RegionLp {
    lp: Simplex,
    inputs: Vec<VarId>,
    /// Per feature layer, per neuron: its row, or its constant value when the row is 0.
    rows: Vec<Vec<Row>>,
    /// The maps of the layers whose rows are added on demand.
    pending: Vec<Option<AffineMap>>,
    seed: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    /// False when the fixed signs alone are already unsatisfiable (a constant neuron).
    possible: bool,
}

#[derive(Debug, Clone, Copy)]
enum Row {
    Var(VarId, f64),
    Constant(f64),
    /// Not in the LP yet: built from `pending` when first needed.
    Pending,
}

impl RegionLp {
    /// The LP over inputs in `[lower, upper]` (per input), with `maps` the pre-activation
    /// maps of the feature layers and `fixed` the signs that hold for every objective.
    pub fn new(
        maps: &[AffineMap],
        seed: &[f64],
        lower: &[f64],
        upper: &[f64],
        fixed: &[SignGoal],
    ) -> Option<RegionLp> {
        let mut lp = Simplex::new();
        lp.set_method(CheckMethod::PhaseOne);
        // Starting at the seed, the first check repairs only the signs the seed lacks.
        let inputs: Vec<VarId> = lower
            .iter()
            .zip(upper)
            .zip(seed)
            .map(|((l, u), x)| lp.add_var_at(*l, *u, *x).ok())
            .collect::<Option<_>>()?;
        let mut region = RegionLp {
            lp,
            inputs,
            rows: maps
                .iter()
                .map(|m| vec![Row::Pending; m.rows.len()])
                .collect(),
            pending: Vec::with_capacity(maps.len()),
            seed: seed.to_vec(),
            lower: lower.to_vec(),
            upper: upper.to_vec(),
            possible: true,
        };
        for (l, m) in maps.iter().enumerate() {
            if fixed.iter().any(|g| g.layer == l) {
                for n in 0..m.rows.len() {
                    region.rows[l][n] = region.add_row(&m.rows[n], m.constant[n])?;
                }
                region.pending.push(None);
            } else {
                region.pending.push(Some(m.clone()));
            }
        }
        for g in fixed {
            region.possible &= region.require(*g);
        }
        Some(region)
    }

    /// The row `u = a · x + c` (a constant when `a` is 0).
    fn add_row(&mut self, a: &[f64], c: f64) -> Option<Row> {
        let terms: Vec<(VarId, f64)> = a
            .iter()
            .zip(&self.inputs)
            .filter(|(a, _)| **a != 0.0)
            .map(|(a, v)| (*v, *a))
            .collect();
        Some(if terms.is_empty() {
            Row::Constant(c)
        } else {
            Row::Var(self.lp.add_row(&terms).ok()?, c)
        })
    }

    /// Bounds the row of `g` (at the current backtrack level); false if `g` is a constant
    /// neuron with the wrong sign (`u = 0` counts as negative, as everywhere).
    fn require(&mut self, g: SignGoal) -> bool {
        match self.row(g.layer, g.neuron) {
            Row::Pending => false,
            Row::Constant(c) => (c > 0.0) == g.positive,
            Row::Var(..) if g.positive => {
                self.require_range(ValueRange::at_least(g.layer, g.neuron, SIGN_MARGIN))
            }
            Row::Var(..) => {
                self.require_range(ValueRange::at_most(g.layer, g.neuron, -SIGN_MARGIN))
            }
        }
    }

    /// Bounds the row of `r`'s neuron to `r` (at the current backtrack level); false if it is
    /// a constant outside `r`, or `r` is empty.
    fn require_range(&mut self, r: ValueRange) -> bool {
        let lo = r.at_least.unwrap_or(f64::NEG_INFINITY);
        let hi = r.at_most.unwrap_or(f64::INFINITY);
        match self.row(r.layer, r.neuron) {
            Row::Pending => false,
            Row::Constant(c) => lo <= c && c <= hi,
            Row::Var(v, c) => {
                (lo == f64::NEG_INFINITY || self.lp.tighten_lower(v, lo - c).is_ok())
                    && (hi == f64::INFINITY || self.lp.tighten_upper(v, hi - c).is_ok())
            }
        }
    }

    /// The row of a neuron, added to the LP from its pending map first if need be
    /// (`Pending` only when that fails).
    fn row(&mut self, layer: usize, neuron: usize) -> Row {
        if matches!(self.rows[layer][neuron], Row::Pending) {
            let Some(m) = self.pending[layer].take() else {
                return Row::Pending;
            };
            let row = self.add_row(&m.rows[neuron], m.constant[neuron]);
            self.pending[layer] = Some(m);
            if let Some(row) = row {
                self.rows[layer][neuron] = row;
            }
        }
        self.rows[layer][neuron]
    }

    /// The input nearest to the seed (L∞, up to the bisection's precision) with the fixed
    /// signs and `goals`, if the LP finds one within `max_pivots` pivots (then bisection
    /// steps of [`BISECTION_MAX_PIVOTS`] each); the LP is left as it was.
    pub fn solve(&mut self, goals: &[SignGoal], max_pivots: u64) -> Option<Vec<f64>> {
        self.solve_where(|lp| goals.iter().all(|g| lp.require(*g)), max_pivots)
    }

    /// [`RegionLp::solve`] with the value of one neuron in `range` as the goal.
    pub fn solve_range(&mut self, range: ValueRange, max_pivots: u64) -> Option<Vec<f64>> {
        self.solve_where(|lp| lp.require_range(range), max_pivots)
    }

    fn solve_where(
        &mut self,
        require: impl FnOnce(&mut RegionLp) -> bool,
        max_pivots: u64,
    ) -> Option<Vec<f64>> {
        if !self.possible {
            return None;
        }
        self.lp.push();
        let mut best = None;
        if require(self) {
            best = self.check(max_pivots);
            if best.is_some() {
                let mut hi = self.radius_of(best.as_deref().unwrap_or(&[]));
                let mut lo = 0.0;
                for _ in 0..BISECTION_STEPS {
                    let t = 0.5 * (lo + hi);
                    self.lp.push();
                    let inside = self.set_radius(t);
                    let found = if inside {
                        self.check(BISECTION_MAX_PIVOTS)
                    } else {
                        None
                    };
                    let _ = self.lp.pop();
                    match found {
                        Some(x) => {
                            hi = self.radius_of(&x).min(t);
                            best = Some(x);
                        }
                        None => lo = t,
                    }
                }
            }
        }
        let _ = self.lp.pop();
        best
    }

    /// The simplex's counters (checks, pivots) so far.
    pub fn stats(&self) -> crate::simplex::Statistics {
        self.lp.stats()
    }

    /// The L∞ distance from the seed.
    fn radius_of(&self, x: &[f64]) -> f64 {
        x.iter()
            .zip(&self.seed)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    }

    /// Bounds every input to `[seed - t, seed + t]` within its range.
    fn set_radius(&mut self, t: f64) -> bool {
        for i in 0..self.inputs.len() {
            let lo = (self.seed[i] - t).max(self.lower[i]);
            let hi = (self.seed[i] + t).min(self.upper[i]);
            if self.lp.set_bounds(self.inputs[i], lo, hi.max(lo)).is_err() {
                return false;
            }
        }
        true
    }

    fn check(&mut self, max_pivots: u64) -> Option<Vec<f64>> {
        let (t0, p0) = (std::time::Instant::now(), self.lp.stats());
        let r = self.lp.check(max_pivots);
        log::debug!(
            "concolic check: {:?} in {:?}, {:?} -> {:?}",
            r.as_ref().map(|f| matches!(f, Feasibility::Feasible)),
            t0.elapsed(),
            p0,
            self.lp.stats()
        );
        match r {
            Ok(Feasibility::Feasible) => Some(
                self.inputs
                    .iter()
                    .zip(self.lower.iter().zip(&self.upper))
                    .map(|(v, (lo, hi))| self.lp.value(*v).clamp(*lo, *hi))
                    .collect(),
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// u0 = x0 - x1, u1 = x0 + x1 - 1 over [0, 1]^2, seed (0.2, 0.6): u0 < 0, u1 < 0.
    fn lp(fixed: &[SignGoal]) -> RegionLp {
        let maps = vec![AffineMap {
            rows: vec![vec![1.0, -1.0], vec![1.0, 1.0]],
            constant: vec![0.0, -1.0],
        }];
        RegionLp::new(&maps, &[0.2, 0.6], &[0.0, 0.0], &[1.0, 1.0], fixed).unwrap()
    }

    fn goal(neuron: usize, positive: bool) -> SignGoal {
        SignGoal {
            layer: 0,
            neuron,
            positive,
        }
    }

    #[test]
    fn the_nearest_input_with_the_signs_is_found() {
        // u0 >= m: x0 - x1 >= m; nearest in L∞ to (0.2, 0.6): move both by (0.4 + m)/2.
        let mut p = lp(&[goal(1, false)]);
        let x = p.solve(&[goal(0, true)], MAX_PIVOTS).unwrap();
        assert!(x[0] - x[1] >= SIGN_MARGIN - 1e-9, "{x:?}");
        assert!(x[0] + x[1] - 1.0 <= -SIGN_MARGIN + 1e-9, "{x:?}");
        let best = (0.4 + SIGN_MARGIN) / 2.0;
        let r = (x[0] - 0.2).abs().max((x[1] - 0.6).abs());
        // Within the bisection's precision of the least radius: the first radius (at most
        // 0.8, the box) halved BISECTION_STEPS times.
        let precision = 0.8 / f64::from(1u32 << BISECTION_STEPS);
        assert!(
            r >= best - 1e-9 && r <= best + precision + 1e-9,
            "{r} vs {best}"
        );
        // Both positive: x0 - x1 >= m and x0 + x1 >= 1 + m, feasible; then the fixed goal
        // (u1 < 0) contradicts it.
        let mut free = lp(&[]);
        assert!(free
            .solve(&[goal(0, true), goal(1, true)], MAX_PIVOTS)
            .is_some());
        assert!(p
            .solve(&[goal(0, true), goal(1, true)], MAX_PIVOTS)
            .is_none());
        // The LP is left as it was: the first objective is found again.
        assert!(p.solve(&[goal(0, true)], MAX_PIVOTS).is_some());
    }

    #[test]
    fn a_range_is_met_inside_its_ends_and_an_empty_one_is_infeasible() {
        // u1 = x0 + x1 - 1 in [0.3, 0.4] with u0 <= -m: from (0.2, 0.6) (u1 = -0.2), the
        // nearest point moves both inputs by 0.25 to u1 = 0.3 (u0 = -0.4 stays negative).
        let mut p = lp(&[goal(0, false)]);
        let r = ValueRange {
            layer: 0,
            neuron: 1,
            at_least: Some(0.3),
            at_most: Some(0.4),
        };
        let x = p.solve_range(r, MAX_PIVOTS).unwrap();
        let u1 = x[0] + x[1] - 1.0;
        assert!((0.3 - 1e-9..=0.4 + 1e-9).contains(&u1), "{x:?}");
        assert!(x[0] - x[1] <= -SIGN_MARGIN + 1e-9, "{x:?}");
        let radius = (x[0] - 0.2).abs().max((x[1] - 0.6).abs());
        assert!(
            (0.25 - 1e-9..=0.25 + 0.5 / 8.0).contains(&radius),
            "{radius}"
        );
        assert_eq!(r.distance(0.35), 0.0);
        assert!((r.distance(0.1) - 0.2).abs() < 1e-12);
        // Above the box's greatest u1 (1), and an empty range.
        assert!(p
            .solve_range(ValueRange::at_least(0, 1, 1.01), MAX_PIVOTS)
            .is_none());
        let empty = ValueRange {
            at_least: Some(0.4),
            at_most: Some(0.3),
            ..r
        };
        assert!(p.solve_range(empty, MAX_PIVOTS).is_none());
        assert!(p.solve_range(r, MAX_PIVOTS).is_some());
    }

    #[test]
    fn a_constant_neuron_with_the_wrong_sign_is_infeasible() {
        let maps = vec![AffineMap {
            rows: vec![vec![0.0, 0.0], vec![1.0, 0.0]],
            constant: vec![-0.5, 0.0],
        }];
        let mut p = RegionLp::new(&maps, &[0.5, 0.5], &[0.0; 2], &[1.0; 2], &[]).unwrap();
        assert!(p.solve(&[goal(0, true)], MAX_PIVOTS).is_none());
        assert!(p
            .solve(&[goal(0, false), goal(1, true)], MAX_PIVOTS)
            .is_some());
    }
}
