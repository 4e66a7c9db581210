//! DeepXplore-style gradient search (Pei et al., SOSP 2017) for the single-test neuron
//! criteria (NC, NC(t), KMNC, NBC, SNAC, TKNC): for an open objective, projected sign-gradient
//! ascent on the input of a function of one hidden layer that is positive where the objective
//! is covered, started from the suite's test where that function is largest.
//!
//! Ascent runs in f64 ([`crate::falsify::forward`], [`backward_below`]); every
//! [`CHECK_EVERY`] steps the iterates are rounded to float32 and traced in one batch, and a
//! test joins the suite only when the criterion itself (the object `vera test coverage`
//! measures with) counts more after it.

use super::concolic::{ValueRange, SIGN_MARGIN};
use super::linear_region::feature_positions;
use super::suite::Suite;
use super::{parallel_map, GenerateError, Generator};
use crate::falsify::{backward_below, forward};
use crate::network::Network;
use crate::testing::criteria::{Criterion, Objective, Profile, Side};
use crate::testing::{Batch, Trace};
use std::collections::HashMap;

/// Ascent steps per attempt at an objective.
pub const MAX_STEPS: usize = 48;
/// Steps between float32 checks: the iterates since the last check are traced in one batch.
pub const CHECK_EVERY: usize = 6;
/// The first step, as a fraction of each input's range (every input moves by it, in the
/// direction of its gradient's sign: an L∞ step).
pub const FIRST_STEP: f64 = 1.0 / 16.0;
/// The step is halved whenever the objective falls, down to this fraction of the range.
pub const MIN_STEP: f64 = 1.0 / 1024.0;
/// Start points tried per objective (the suite's tests with the largest objective value,
/// best first) before it is given up.
pub const MAX_STARTS: usize = 10;
/// The surrogate ReLU slope used when the true gradient is zero (every path to the input
/// passes an inactive ReLU): see [`crate::falsify::backward_surrogate`].
pub const SURROGATE_LEAK: f64 = 0.1;
/// Objectives attempted per worker thread in one round.
pub const OBJECTIVES_PER_WORKER: usize = 4;

/// The criterion the objectives come from, with what its definition needs.
#[derive(Debug, Clone)]
pub enum Aim {
    /// NC: `u > 0`.
    Nc,
    /// NC(t): the layer's min-max scaled `v` above `threshold`.
    ScaledNc { threshold: f64 },
    /// KMNC(k) over the profile's ranges.
    Kmnc { profile: Profile, k: usize },
    /// NBC and SNAC: beyond a side of the profile's range.
    Boundary { profile: Profile },
    /// TKNC(k): among the `k` largest `v` of the layer.
    TopK { k: usize },
}

/// What one objective asks of a neuron's value, as a function to make positive.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Goal {
    /// `u`.
    Positive,
    /// `v - (1 - t)·min(v) - t·max(v)` over the layer: positive iff the scaled value is > t.
    Scaled { threshold: f64 },
    /// `(high - low)/2 - |v - (low + high)/2|`: positive inside the section.
    Within { low: f64, high: f64 },
    /// `u - high`.
    Above { high: f64 },
    /// `low - v`.
    Below { low: f64 },
    /// `v` minus the `k`-th largest `v` of the layer's other neurons.
    TopK { k: usize },
}

/// One objective to ascend: hidden layer, neuron and goal.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Task {
    layer: usize,
    neuron: usize,
    goal: Goal,
}

impl Aim {
    /// The objective as a range of one neuron's pre-activation `u` (hidden layer, neuron,
    /// range), with [`SIGN_MARGIN`] inside each end, when it is one: NC (`u > 0`), a KMNC
    /// section, NBC's and SNAC's corners. NC(t) and TKNC compare a neuron with its layer,
    /// which no single range states.
    pub fn range(&self, objective: &Objective) -> Option<ValueRange> {
        let task = self.task(objective)?;
        let (l, n, m) = (task.layer, task.neuron, SIGN_MARGIN);
        Some(match task.goal {
            Goal::Positive => ValueRange::at_least(l, n, m),
            // `v` in `[low, high)`: where `low <= 0`, every `u < high` has it.
            Goal::Within { low, high } => ValueRange {
                layer: l,
                neuron: n,
                at_least: (low > 0.0).then_some(low + m),
                at_most: Some(high - m),
            },
            Goal::Above { high } => ValueRange::at_least(l, n, high + m),
            // `v < low` with `low > 0` (`task` drops the others): `u < low`.
            Goal::Below { low } => ValueRange::at_most(l, n, low - m),
            Goal::Scaled { .. } | Goal::TopK { .. } => return None,
        })
    }

    /// The task for `objective`, or none when no input can cover it (`v < low` for
    /// `low <= 0`: ReLU outputs are never negative) or it is not this criterion's.
    fn task(&self, objective: &Objective) -> Option<Task> {
        let (neuron, goal) = match (self, objective) {
            (Aim::Nc, Objective::Neuron(n)) => (*n, Goal::Positive),
            (Aim::ScaledNc { threshold }, Objective::Neuron(n)) => (
                *n,
                Goal::Scaled {
                    threshold: *threshold,
                },
            ),
            (Aim::TopK { k }, Objective::Neuron(n)) => (*n, Goal::TopK { k: *k }),
            (Aim::Kmnc { profile, k }, Objective::Section { neuron, section }) => {
                let lo = f64::from(profile.low[neuron.layer][neuron.index]);
                let hi = f64::from(profile.high[neuron.layer][neuron.index]);
                let w = (hi - lo) / *k as f64;
                let (low, high) = (lo + *section as f64 * w, lo + (*section + 1) as f64 * w);
                (*neuron, Goal::Within { low, high })
            }
            (Aim::Boundary { profile }, Objective::Boundary { neuron, side }) => {
                let (l, i) = (neuron.layer, neuron.index);
                match side {
                    Side::Upper => (
                        *neuron,
                        Goal::Above {
                            high: f64::from(profile.high[l][i]),
                        },
                    ),
                    Side::Lower if profile.low[l][i] > 0.0 => (
                        *neuron,
                        Goal::Below {
                            low: f64::from(profile.low[l][i]),
                        },
                    ),
                    Side::Lower => return None,
                }
            }
            _ => return None,
        };
        Some(Task {
            layer: neuron.layer,
            neuron: neuron.index,
            goal,
        })
    }
}

/// The goal's value for `n` given its layer's pre-activations `u`, and its (sub)gradient as
/// weights on `u`. The target neuron's weight is on `u` itself, bypassing its own ReLU, so
/// that a dead neuron still has a direction to wake up in; the other neurons' weights are
/// their true ones (zero where inactive).
fn objective(goal: Goal, n: usize, u: &[f64]) -> (f64, Vec<(usize, f64)>) {
    let v = |j: usize| u[j].max(0.0);
    let live = |j: usize, w: f64| if u[j] > 0.0 { vec![(j, w)] } else { Vec::new() };
    match goal {
        Goal::Positive => (u[n], vec![(n, 1.0)]),
        Goal::Above { high } => (u[n] - high, vec![(n, 1.0)]),
        Goal::Below { low } => (low - v(n), live(n, -1.0)),
        Goal::Within { low, high } => {
            let d = v(n) - (low + high) / 2.0;
            let w = if d > 0.0 { -1.0 } else { 1.0 };
            ((high - low) / 2.0 - d.abs(), vec![(n, w)])
        }
        Goal::Scaled { threshold: t } => {
            let (mut a, mut b) = (0, 0);
            for j in 0..u.len() {
                if v(j) < v(a) {
                    a = j;
                }
                if v(j) > v(b) {
                    b = j;
                }
            }
            let f = v(n) - (1.0 - t) * v(a) - t * v(b);
            let mut g = vec![(n, 1.0)];
            g.extend(live(a, -(1.0 - t)));
            g.extend(live(b, -t));
            (f, g)
        }
        Goal::TopK { k } => {
            let mut others: Vec<usize> = (0..u.len()).filter(|&j| j != n).collect();
            if others.len() < k {
                return (1.0, Vec::new());
            }
            others.select_nth_unstable_by(k - 1, |a, b| v(*b).total_cmp(&v(*a)).then(a.cmp(b)));
            let m = others[k - 1];
            let mut g = vec![(n, 1.0)];
            g.extend(live(m, -1.0));
            (v(n) - v(m), g)
        }
    }
}

/// Counters of one gradient search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GradientStats {
    /// Ascents started (an objective from one start point).
    pub attempts: usize,
    /// Gradient steps over all ascents.
    pub steps: usize,
    /// Ascents whose own objective was met in float32.
    pub reached: usize,
    /// Tests kept (each raised the criterion's count).
    pub kept: usize,
    /// Objectives given up after [`MAX_STARTS`] start points, or that no input can cover.
    pub given_up: usize,
}

/// What one ascent made: the float32 iterates it checked, and whether its objective was met.
struct Ascent {
    /// The suite row it started from.
    start: usize,
    rows: Vec<Vec<f32>>,
    steps: usize,
    reached: bool,
}

/// Grows `suite` (the seeds, whose trace is `seeds`, and any tests made from them; `criterion`
/// already holds their coverage) by gradient search, until the budget ends, every objective
/// is covered, or every open one has been tried from [`MAX_STARTS`] start points.
pub fn generate(
    gen: &Generator,
    mut suite: Suite,
    seeds: &Trace,
    mut criterion: Box<dyn Criterion>,
    aim: &Aim,
) -> Result<(Suite, Box<dyn Criterion>, GradientStats), GenerateError> {
    if suite.tests.rows() == 0 {
        return Err(GenerateError::NoSeeds);
    }
    let net = gen.net;
    let mut relu_at = feature_positions(net);
    relu_at.pop();
    let labels = seeds.predictions();
    // Every suite test's float32 pre-activations, per hidden layer then test.
    let mut values: Vec<Vec<Vec<f64>>> = vec![Vec::new(); relu_at.len()];
    append_values(&mut values, &Trace::run(net, &suite.tests)?);
    let mut starts: HashMap<Objective, usize> = HashMap::new();
    let mut stats = GradientStats::default();
    let batch = gen.threads.max(1) * OBJECTIVES_PER_WORKER;
    while !gen.out_of_time() {
        let count = criterion.count();
        if count.covered >= count.total {
            break;
        }
        let mut open: Vec<(Objective, Task, usize)> = Vec::new();
        let mut hopeless = 0;
        for o in criterion.uncovered() {
            let tried = starts.get(&o).copied().unwrap_or(0);
            match aim.task(&o) {
                Some(task) if tried < MAX_STARTS => open.push((o, task, tried)),
                _ => hopeless += 1,
            }
        }
        stats.given_up = hopeless;
        if open.is_empty() {
            break;
        }
        // The least tried first; among them, the criterion's order (layer by layer).
        open.sort_by_key(|(_, _, tried)| *tried);
        open.truncate(batch);
        let jobs: Vec<(Task, usize)> = open
            .iter()
            .map(|(o, task, tried)| {
                starts.insert(*o, tried + 1);
                (*task, nth_best_start(&values, task, *tried))
            })
            .collect();
        let ascents = run_workers(gen, &relu_at, &suite.tests, &jobs)?;
        let rows: Vec<Vec<f32>> = ascents.iter().flat_map(|a| a.rows.clone()).collect();
        let starts_of: Vec<usize> = ascents
            .iter()
            .flat_map(|a| std::iter::repeat_n(a.start, a.rows.len()))
            .collect();
        for a in &ascents {
            stats.attempts += 1;
            stats.steps += a.steps;
            stats.reached += usize::from(a.reached);
        }
        if rows.is_empty() {
            continue;
        }
        let (trace, kept) = keep_covering(
            gen,
            &mut suite,
            criterion.as_mut(),
            &rows,
            &starts_of,
            &labels,
        )?;
        stats.kept += kept.len();
        append_values(&mut values, &trace.select_tests(&kept));
    }
    Ok((suite, criterion, stats))
}

/// Traces `rows` (each made from suite row `starts[m]`) in one batch and adds to the suite,
/// in turn, each that makes `criterion` count more; returns the trace and the rows kept.
pub(super) fn keep_covering(
    gen: &Generator,
    suite: &mut Suite,
    criterion: &mut dyn Criterion,
    rows: &[Vec<f32>],
    starts: &[usize],
    labels: &[usize],
) -> Result<(Trace, Vec<usize>), GenerateError> {
    let inputs = Batch::from_rows(gen.net.num_inputs(), rows).ok_or(GenerateError::Internal(
        "a generated input of another width",
    ))?;
    let trace = Trace::run(gen.net, &inputs)?;
    let predicted = trace.predictions();
    let mut kept = Vec::new();
    for (m, row) in rows.iter().enumerate() {
        let before = criterion.count().covered;
        criterion.update(&trace.select_tests(&[m]));
        let after = criterion.count().covered;
        if after > before {
            let seed = suite.seed_of[starts[m]];
            suite.add(row, seed, (labels[seed], predicted[m]));
            suite.record(after);
            gen.report(criterion.count());
            kept.push(m);
        }
    }
    Ok((trace, kept))
}

/// Appends every test of `trace` to `values` (per hidden layer, per test, `u` in f64).
pub(super) fn append_values(values: &mut [Vec<Vec<f64>>], trace: &Trace) {
    for (l, layer) in trace.hidden.iter().enumerate() {
        values[l].extend(
            layer
                .u
                .iter_rows()
                .map(|r| r.iter().map(|u| f64::from(*u)).collect()),
        );
    }
}

/// The suite row with the `nth` largest value of the task's objective (float32 values;
/// wrapping round when the suite is smaller).
fn nth_best_start(values: &[Vec<Vec<f64>>], task: &Task, nth: usize) -> usize {
    let rows = &values[task.layer];
    let mut scored: Vec<(f64, usize)> = rows
        .iter()
        .enumerate()
        .map(|(t, u)| (objective(task.goal, task.neuron, u).0, t))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored[nth % scored.len().max(1)].1
}

/// Runs every job (a task and its start row) on `gen.threads` workers; the ascents come back
/// in the jobs' order.
fn run_workers(
    gen: &Generator,
    relu_at: &[usize],
    tests: &Batch,
    jobs: &[(Task, usize)],
) -> Result<Vec<Ascent>, GenerateError> {
    parallel_map(gen, jobs, |(task, start)| {
        ascend(gen, relu_at, task, *start, tests.row(*start))
    })
}

/// Projected sign-gradient ascent on `task`'s objective from `x0` (suite row `start`).
fn ascend(
    gen: &Generator,
    relu_at: &[usize],
    task: &Task,
    start: usize,
    x0: &[f32],
) -> Result<Ascent, GenerateError> {
    let net: &Network = gen.net;
    let at = relu_at[task.layer];
    let mut x: Vec<f64> = x0.iter().map(|v| f64::from(*v)).collect();
    let mut step = FIRST_STEP;
    let mut last = f64::NEG_INFINITY;
    let mut rows: Vec<Vec<f32>> = Vec::new();
    let mut checked = 0;
    let mut steps = 0;
    let mut reached = false;
    while steps < MAX_STEPS && !reached {
        let trace = forward(net, &x);
        let u = trace.layer_input(at);
        let (f, weights) = objective(task.goal, task.neuron, u);
        if f < last {
            step = (step / 2.0).max(MIN_STEP);
        }
        last = f;
        let mut g = vec![0.0; u.len()];
        for (j, w) in weights {
            g[j] += w;
        }
        let mut grad = backward_below(net, &trace, at, &g, 0.0);
        if grad.iter().all(|d| *d == 0.0) {
            grad = backward_below(net, &trace, at, &g, SURROGATE_LEAK);
        }
        let mut moved = false;
        for (i, (xi, d)) in x.iter_mut().zip(&grad).enumerate() {
            let (lo, hi) = (gen.lower[i], gen.upper[i]);
            let y = (*xi + step * (hi - lo) * d.signum() * f64::from(*d != 0.0)).clamp(lo, hi);
            moved |= y != *xi;
            *xi = y;
        }
        steps += 1;
        if moved {
            rows.push(gen.to_f32(&x));
        }
        if steps % CHECK_EVERY == 0 || steps == MAX_STEPS || !moved {
            reached = met_in_f32(net, task, &rows[checked..])?;
            checked = rows.len();
        }
        if !moved {
            break;
        }
    }
    Ok(Ascent {
        start,
        rows,
        steps,
        reached,
    })
}

/// Whether any of `rows`, traced in float32, makes the task's objective positive.
fn met_in_f32(net: &Network, task: &Task, rows: &[Vec<f32>]) -> Result<bool, GenerateError> {
    if rows.is_empty() {
        return Ok(false);
    }
    let batch =
        Batch::from_rows(net.num_inputs(), rows).ok_or(GenerateError::Internal("iterate width"))?;
    let trace = Trace::run(net, &batch)?;
    let met = trace.hidden[task.layer].u.iter_rows().any(|r| {
        let u: Vec<f64> = r.iter().map(|v| f64::from(*v)).collect();
        objective(task.goal, task.neuron, &u).0 > 0.0
    });
    Ok(met)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each goal is positive exactly where its criterion covers the neuron (away from ties).
    #[test]
    fn goals_are_positive_where_covered() {
        let u = [2.0, -1.0, 0.5, 1.0];
        assert!(objective(Goal::Positive, 0, &u).0 > 0.0);
        assert!(objective(Goal::Positive, 1, &u).0 < 0.0);
        // Scaled v = (1, 0, 0.25, 0.5): neuron 3 is above 0.4, neuron 2 is not.
        let t = Goal::Scaled { threshold: 0.4 };
        assert!(objective(t, 3, &u).0 > 0.0);
        assert!(objective(t, 2, &u).0 < 0.0);
        // Top-2 of v: neurons 0 and 3.
        let k = Goal::TopK { k: 2 };
        assert!(objective(k, 3, &u).0 > 0.0);
        assert!(objective(k, 2, &u).0 < 0.0);
        let within = Goal::Within {
            low: 0.4,
            high: 0.6,
        };
        assert!(objective(within, 2, &u).0 > 0.0);
        assert!(objective(within, 3, &u).0 < 0.0);
        // A dead neuron below a section is pushed up through its pre-activation.
        assert_eq!(objective(within, 1, &u).1, vec![(1, 1.0)]);
        assert!(objective(Goal::Below { low: 0.7 }, 2, &u).0 > 0.0);
        assert!(objective(Goal::Above { high: 1.5 }, 0, &u).0 > 0.0);
    }

    /// NBC's lower corners with `low = 0` are not tasks: no ReLU output is negative.
    #[test]
    fn unreachable_lower_corners_are_skipped() {
        use crate::testing::criteria::Neuron;
        let profile = Profile {
            low: vec![vec![0.0, 0.5]],
            high: vec![vec![1.0, 2.0]],
        };
        let aim = Aim::Boundary { profile };
        let side = Side::Lower;
        let at = |index| Objective::Boundary {
            neuron: Neuron { layer: 0, index },
            side,
        };
        assert_eq!(aim.task(&at(0)), None);
        assert_eq!(
            aim.task(&at(1)).map(|t| t.goal),
            Some(Goal::Below { low: 0.5 })
        );
    }
}
