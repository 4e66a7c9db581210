//! The simplex against minilp on generated feasibility problems: same answers, solutions that
//! satisfy every row and bound, explanations that are valid Farkas certificates, planted
//! feasible and infeasible cases, and incremental use matching solving from scratch; for both
//! check methods (the repair and phase one).

use std::collections::BTreeMap;

use minilp::{ComparisonOp, OptimizationDirection};
use proptest::prelude::*;
use rand::Rng;
use vera::simplex::tolerances::FEASIBILITY_TOLERANCE;
use vera::simplex::{Bound, CheckMethod, Explanation, Feasibility, Simplex, VarId};

const MAX_PIVOTS: u64 = 10_000;
/// Slack for checking rows and certificates recomputed here in f64.
const CHECK_TOLERANCE: f64 = 1e-6;

/// `structural` bounded variables, then one variable per row; row `k` is
/// `x_{structural+k} = Σ a·x_j` over variables created before it.
#[derive(Debug, Clone)]
struct Problem {
    structural: usize,
    rows: Vec<Vec<(usize, f64)>>,
    bounds: Vec<(f64, f64)>,
}

impl Problem {
    fn num_vars(&self) -> usize {
        self.structural + self.rows.len()
    }

    fn build(&self) -> Simplex {
        self.build_with(CheckMethod::Repair)
    }

    fn build_with(&self, method: CheckMethod) -> Simplex {
        let mut lp = Simplex::new();
        lp.set_method(method);
        for &(lo, hi) in &self.bounds[..self.structural] {
            lp.add_var(lo, hi).unwrap();
        }
        for (k, row) in self.rows.iter().enumerate() {
            let terms: Vec<_> = row
                .iter()
                .map(|&(v, a)| (VarId::from_index(v), a))
                .collect();
            let y = lp.add_row(&terms).unwrap();
            assert_eq!(y.index(), self.structural + k);
            let (lo, hi) = self.bounds[y.index()];
            lp.set_bounds(y, lo, hi).unwrap();
        }
        lp
    }

    /// minilp's verdict: feasible or not.
    fn minilp_feasible(&self) -> bool {
        let mut p = minilp::Problem::new(OptimizationDirection::Minimize);
        let vars: Vec<_> = self.bounds.iter().map(|&b| p.add_var(0.0, b)).collect();
        for (k, row) in self.rows.iter().enumerate() {
            let mut combined = BTreeMap::new();
            *combined.entry(self.structural + k).or_insert(0.0) += 1.0;
            for &(v, a) in row {
                *combined.entry(v).or_insert(0.0) -= a;
            }
            let expr: Vec<_> = combined.into_iter().map(|(v, a)| (vars[v], a)).collect();
            p.add_constraint(&expr[..], ComparisonOp::Eq, 0.0);
        }
        match p.solve() {
            Ok(_) => true,
            Err(minilp::Error::Infeasible) => false,
            Err(e) => panic!("minilp: {e:?}"),
        }
    }

    /// The solution satisfies every row and every bound.
    fn assert_solution(&self, lp: &Simplex) {
        let x: Vec<f64> = (0..self.num_vars())
            .map(|v| lp.value(VarId::from_index(v)))
            .collect();
        for (v, &(lo, hi)) in self.bounds.iter().enumerate() {
            let (lo, hi) = (
                lp.bound(VarId::from_index(v), Bound::Lower).max(lo),
                hi.min(lp.bound(VarId::from_index(v), Bound::Upper)),
            );
            assert!(
                x[v] >= lo - CHECK_TOLERANCE && x[v] <= hi + CHECK_TOLERANCE,
                "x{v} = {} outside [{lo}, {hi}]",
                x[v]
            );
        }
        for (k, row) in self.rows.iter().enumerate() {
            let rhs: f64 = row.iter().map(|&(v, a)| a * x[v]).sum();
            let y = x[self.structural + k];
            assert!(
                (y - rhs).abs() <= CHECK_TOLERANCE * (1.0 + rhs.abs()),
                "row {k}: {y} != {rhs}"
            );
        }
    }

    /// The explanation is a Farkas certificate against the original rows and the simplex's
    /// current bounds: its multipliers recombine the rows into its terms, and the terms'
    /// best value over the named bounds is negative.
    fn assert_certificate(&self, lp: &Simplex, why: &Explanation) {
        let n = self.num_vars();
        let mut from_rows = vec![0.0; n];
        for &(y, lambda) in &why.multipliers {
            let k = y.index() - self.structural;
            from_rows[y.index()] += lambda;
            for &(v, a) in &self.rows[k] {
                from_rows[v] -= lambda * a;
            }
        }
        let mut from_terms = vec![0.0; n];
        for t in &why.terms {
            let expected = if t.coefficient > 0.0 {
                Bound::Upper
            } else {
                Bound::Lower
            };
            assert_eq!(t.bound, expected, "term {t:?} names the wrong bound");
            from_terms[t.var.index()] += t.coefficient;
        }
        let scale = 1.0 + why.multipliers.iter().map(|(_, l)| l.abs()).sum::<f64>();
        for v in 0..n {
            assert!(
                (from_rows[v] - from_terms[v]).abs() <= 1e-9 * scale,
                "x{v}: rows give {}, terms {}",
                from_rows[v],
                from_terms[v]
            );
        }
        let bound = |v: VarId, b: Bound| lp.bound(v, b);
        assert!(
            why.max_sum(bound) < -FEASIBILITY_TOLERANCE,
            "not a certificate: {why:?}"
        );
        if why.multipliers.is_empty() {
            // No row: one variable whose bounds cross.
            assert!(
                why.terms.len() == 2 && why.terms[0].var == why.terms[1].var,
                "{why:?}"
            );
            return;
        }
        // The same bound recomputed from the recombined rows, with no trust in the terms.
        let recombined: f64 = from_rows
            .iter()
            .enumerate()
            .filter(|(_, c)| c.abs() > 1e-9 * scale)
            .map(|(v, &c)| {
                c * bound(
                    VarId::from_index(v),
                    if c > 0.0 { Bound::Upper } else { Bound::Lower },
                )
            })
            .sum();
        assert!(recombined < 0.0, "recombined rows bound to {recombined}");
    }
}

/// An interval with integer ends, either possibly infinite.
fn interval() -> impl Strategy<Value = (f64, f64)> {
    let end = || prop_oneof![1 => Just(None), 4 => (-6i32..=6).prop_map(Some)];
    (end(), end()).prop_map(|(a, b)| match (a, b) {
        (Some(a), Some(b)) => (f64::from(a.min(b)), f64::from(a.max(b))),
        (a, b) => (
            a.map_or(f64::NEG_INFINITY, f64::from),
            b.map_or(f64::INFINITY, f64::from),
        ),
    })
}

fn problem() -> impl Strategy<Value = Problem> {
    (1..=8usize, 1..=7usize).prop_flat_map(|(structural, m)| {
        let term = (any::<usize>(), -3i32..=3);
        let rows = prop::collection::vec(prop::collection::vec(term, 1..=4), m);
        let bounds = prop::collection::vec(interval(), structural + m);
        (rows, bounds).prop_map(move |(rows, bounds)| Problem {
            structural,
            rows: rows
                .into_iter()
                .enumerate()
                .map(|(k, row)| {
                    row.into_iter()
                        .map(|(v, a)| (v % (structural + k), f64::from(a)))
                        .collect()
                })
                .collect(),
            bounds,
        })
    })
}

/// A point, rows through it over the structural variables, bounds around it.
fn planted() -> impl Strategy<Value = (Problem, Vec<f64>)> {
    (1..=8usize, 1..=7usize).prop_flat_map(|(structural, m)| {
        let point = prop::collection::vec(-40i32..=40, structural);
        let term = (0..structural, -3i32..=3);
        let rows = prop::collection::vec(prop::collection::vec(term, 1..=4), m);
        let width = prop_oneof![1 => Just(None), 4 => (0i32..=20).prop_map(Some)];
        let widths = prop::collection::vec((width.clone(), width), structural + m);
        (point, rows, widths).prop_map(move |(point, rows, widths)| {
            let mut x: Vec<f64> = point.into_iter().map(|p| f64::from(p) / 8.0).collect();
            let rows: Vec<Vec<(usize, f64)>> = rows
                .into_iter()
                .map(|r| r.into_iter().map(|(v, a)| (v, f64::from(a))).collect())
                .collect();
            for row in &rows {
                x.push(row.iter().map(|&(v, a)| a * x[v]).sum());
            }
            let bounds = x
                .iter()
                .zip(widths)
                .map(|(&p, (below, above))| {
                    let lo = below.map_or(f64::NEG_INFINITY, |w| p - f64::from(w) / 4.0);
                    let hi = above.map_or(f64::INFINITY, |w| p + f64::from(w) / 4.0);
                    (lo, hi)
                })
                .collect();
            (
                Problem {
                    structural,
                    rows,
                    bounds,
                },
                x,
            )
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn agrees_with_minilp(p in problem()) {
        for method in [CheckMethod::Repair, CheckMethod::PhaseOne] {
            let mut lp = p.build_with(method);
            let answer = lp.check(MAX_PIVOTS).unwrap();
            match &answer {
                Feasibility::Feasible => p.assert_solution(&lp),
                Feasibility::Infeasible(why) => p.assert_certificate(&lp, why),
                Feasibility::Unknown => panic!("pivot limit on a small problem"),
            }
            prop_assert_eq!(matches!(answer, Feasibility::Feasible), p.minilp_feasible());
        }
    }

    #[test]
    fn planted_points_are_feasible_until_a_row_is_pushed_out((p, _x) in planted(), pick in any::<usize>()) {
        let mut lp = p.build();
        prop_assert_eq!(lp.check(MAX_PIVOTS).unwrap(), Feasibility::Feasible);
        p.assert_solution(&lp);
        // Push one row's variable above the largest value its terms can reach, for the first
        // row from `pick` on whose reach is finite (often none is: the planted bounds may be
        // infinite, and rejecting those cases would starve proptest).
        let reach = |k: usize| -> f64 {
            p.rows[k]
                .iter()
                .map(|&(v, a)| if a > 0.0 { a * p.bounds[v].1 } else if a < 0.0 { a * p.bounds[v].0 } else { 0.0 })
                .sum()
        };
        let m = p.rows.len();
        let Some(k) = (0..m).map(|i| (pick % m + i) % m).find(|&k| reach(k).is_finite()) else {
            return Ok(());
        };
        let reach = reach(k);
        let y = VarId::from_index(p.structural + k);
        lp.push();
        lp.set_bounds(y, reach + 1.0, reach + 2.0).unwrap();
        let Feasibility::Infeasible(why) = lp.check(MAX_PIVOTS).unwrap() else {
            panic!("row {k} cannot reach {}", reach + 1.0);
        };
        p.assert_certificate(&lp, &why);
        prop_assert!(why.bounds().any(|b| b == (y, Bound::Lower)), "{:?} misses y's lower bound", why);
        prop_assert!(why.multipliers.iter().any(|&(v, l)| v == y && l != 0.0));
        lp.pop().unwrap();
        prop_assert_eq!(lp.check(MAX_PIVOTS).unwrap(), Feasibility::Feasible);
        p.assert_solution(&lp);
    }
}

/// One step of an incremental session.
#[derive(Debug, Clone)]
enum Op {
    Push,
    Pop,
    Tighten {
        var: usize,
        bound: Bound,
        value: i32,
    },
    /// Replaces both bounds, which may relax them.
    Set {
        var: usize,
        bounds: (f64, f64),
    },
    Check,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Push),
        2 => Just(Op::Pop),
        4 => (any::<usize>(), any::<bool>(), -6i32..=6).prop_map(|(var, upper, value)| Op::Tighten {
            var,
            bound: if upper { Bound::Upper } else { Bound::Lower },
            value,
        }),
        1 => (any::<usize>(), interval()).prop_map(|(var, bounds)| Op::Set { var, bounds }),
        3 => Just(Op::Check),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn incremental_matches_from_scratch(p in problem(), ops in prop::collection::vec(op(), 1..30), phase_one in any::<bool>()) {
        let method = if phase_one { CheckMethod::PhaseOne } else { CheckMethod::Repair };
        let mut lp = p.build_with(method);
        // The bounds the simplex should have, one entry per open level plus the base.
        let mut stack = vec![p.bounds.clone()];
        for op in ops {
            match op {
                Op::Push => {
                    lp.push();
                    let top = stack.last().unwrap().clone();
                    stack.push(top);
                }
                Op::Pop => {
                    prop_assert_eq!(lp.pop().is_ok(), stack.len() > 1);
                    if stack.len() > 1 {
                        stack.pop();
                    }
                }
                Op::Tighten { var, bound, value } => {
                    let v = var % p.num_vars();
                    let bounds = stack.last_mut().unwrap();
                    let value = f64::from(value);
                    match bound {
                        Bound::Lower => {
                            lp.tighten_lower(VarId::from_index(v), value).unwrap();
                            bounds[v].0 = bounds[v].0.max(value);
                        }
                        Bound::Upper => {
                            lp.tighten_upper(VarId::from_index(v), value).unwrap();
                            bounds[v].1 = bounds[v].1.min(value);
                        }
                    }
                }
                Op::Set { var, bounds: (lo, hi) } => {
                    let v = var % p.num_vars();
                    lp.set_bounds(VarId::from_index(v), lo, hi).unwrap();
                    stack.last_mut().unwrap()[v] = (lo, hi);
                }
                Op::Check => {
                    let current = Problem { bounds: stack.last().unwrap().clone(), ..p.clone() };
                    for (v, &(lo, hi)) in current.bounds.iter().enumerate() {
                        prop_assert_eq!(lp.bound(VarId::from_index(v), Bound::Lower), lo);
                        prop_assert_eq!(lp.bound(VarId::from_index(v), Bound::Upper), hi);
                    }
                    let answer = lp.check(MAX_PIVOTS).unwrap();
                    let scratch = current.build().check(MAX_PIVOTS).unwrap();
                    match &answer {
                        Feasibility::Feasible => current.assert_solution(&lp),
                        Feasibility::Infeasible(why) => current.assert_certificate(&lp, why),
                        Feasibility::Unknown => panic!("pivot limit on a small problem"),
                    }
                    prop_assert_eq!(matches!(answer, Feasibility::Feasible), matches!(scratch, Feasibility::Feasible));
                }
            }
        }
    }
}

/// A random problem of the given size from a seeded generator: rows over the structural
/// variables with probability `density` per entry, bounds around a random point; in half the
/// problems one row variable's bounds are shifted off it by more than its terms can reach, so
/// that half are infeasible and half feasible.
fn seeded_problem(rng: &mut impl Rng, structural: usize, m: usize, density: f64) -> Problem {
    let point: Vec<f64> = (0..structural).map(|_| rng.gen_range(-3.0..3.0)).collect();
    let mut bounds: Vec<(f64, f64)> = point
        .iter()
        .map(|&p| (p - rng.gen_range(0.0..2.0), p + rng.gen_range(0.0..2.0)))
        .collect();
    let mut rows = Vec::new();
    for _ in 0..m {
        let mut row = Vec::new();
        for v in 0..structural {
            if rng.gen_bool(density) {
                row.push((v, f64::from(rng.gen_range(-30i32..=30)) / 10.0));
            }
        }
        let value: f64 = row.iter().map(|&(v, a)| a * point[v]).sum();
        bounds.push((
            value - rng.gen_range(0.0..1.0),
            value + rng.gen_range(0.0..1.0),
        ));
        rows.push(row);
    }
    if rng.gen_bool(0.5) {
        let k = rng.gen_range(0..m);
        let reach: f64 = rows[k]
            .iter()
            .map(|&(v, a): &(usize, f64)| a.abs() * (bounds[v].1 - bounds[v].0))
            .sum();
        let shift = if rng.gen_bool(0.5) {
            reach + 1.0
        } else {
            -reach - 1.0
        };
        let (lo, hi) = bounds[structural + k];
        bounds[structural + k] = (lo + shift, hi + shift);
    }
    Problem {
        structural,
        rows,
        bounds,
    }
}

/// Not a timing: the answers must match minilp on larger problems, which also run long
/// enough to exercise the periodic refactorisation. Prints pivots per problem and method
/// (`cargo test --release --test simplex -- --nocapture`).
#[test]
fn larger_problems_agree_and_report_pivots() {
    for method in [CheckMethod::Repair, CheckMethod::PhaseOne] {
        larger_problems_agree(method);
    }
}

fn larger_problems_agree(method: CheckMethod) {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    for (structural, m, count) in [(8, 7, 300), (30, 30, 60), (60, 60, 20), (150, 150, 4)] {
        let (mut feasible, mut pivots, mut max_pivots, mut refactorisations) = (0, 0, 0, 0);
        for _ in 0..count {
            let p = seeded_problem(&mut rng, structural, m, 0.5);
            let mut lp = p.build_with(method);
            let answer = lp.check(MAX_PIVOTS).unwrap();
            match &answer {
                Feasibility::Feasible => {
                    p.assert_solution(&lp);
                    feasible += 1;
                }
                Feasibility::Infeasible(why) => p.assert_certificate(&lp, why),
                Feasibility::Unknown => panic!("pivot limit"),
            }
            assert_eq!(matches!(answer, Feasibility::Feasible), p.minilp_feasible());
            let stats = lp.stats();
            pivots += stats.pivots;
            max_pivots = max_pivots.max(stats.pivots);
            refactorisations += stats.refactorisations;
        }
        eprintln!(
            "{method:?}: {structural} vars + {m} rows: {feasible}/{count} feasible, {:.1} pivots \
             per problem (max {max_pivots}), {refactorisations} refactorisations",
            pivots as f64 / count as f64
        );
    }
}
