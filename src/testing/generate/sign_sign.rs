//! Sign-sign (MC/DC) test generation by concolic execution, as DeepConcolic/DeepCover do it,
//! with the work shared: for a condition neuron `i` of layer `k` and a seed, one LP keeps the
//! seed's signs below layer `k` and in layer `k` except `i`, which flips; each decision `j` of
//! layer `k + 1` still uncovered is one more bound on that LP (its sign flipped). Seeds are
//! tried nearest first (smallest `|u_i|`), at most [`MAX_SEEDS_PER_CONDITION`] per condition.
//! Every condition is swept once with LPs capped at [`MAX_PIVOTS`], then the ones left open
//! again with [`RETRY_MAX_PIVOTS`]: most objectives are easy from some seed, and with the
//! simplex's phase one (see [`super::concolic`]) few checks need more than the first cap.
//! Every pair is confirmed by execution in float32 (batched, as `vera test coverage` computes)
//! and in f64, and kept only if both cover the same objectives.

use super::concolic::{sign_goals, RegionLp, SignGoal, MAX_PIVOTS, RETRY_MAX_PIVOTS};
use super::linear_region::feature_positions;
use super::linear_region::region_maps;
use super::stepping_stone;
use super::suite::Suite;
use super::{parallel_map, GenerateError, Generator};
use crate::network::Network;
use crate::testing::criteria::Count;
use crate::testing::{Batch, Trace};
use std::sync::Mutex;

/// Seeds tried per condition neuron before it is given up (DeepCover's bound).
pub const MAX_SEEDS_PER_CONDITION: usize = 41;

/// Stepping stones tried per objective left open by the two sweeps.
pub const STONE_STARTS: usize = 20;

/// A layer pair with at most this many objectives left open lists them in the debug log.
const OPEN_LISTED: usize = 20;

/// Signs (`u > 0`) per feature layer: the hidden layers, then the outputs.
pub type Signs = Vec<Vec<bool>>;

/// The sign-sign objectives `(k, i, j)` a pair with these signs covers: exactly one neuron
/// `i` of layer `k` changes sign, and `j` of layer `k + 1` changes too.
pub fn ss_objectives(a: &Signs, b: &Signs) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for k in 0..a.len().saturating_sub(1) {
        let mut flipped = (0..a[k].len()).filter(|&n| a[k][n] != b[k][n]);
        let (Some(i), None) = (flipped.next(), flipped.next()) else {
            continue;
        };
        out.extend(
            (0..a[k + 1].len())
                .filter(|&j| a[k + 1][j] != b[k + 1][j])
                .map(|j| (k, i, j)),
        );
    }
    out
}

/// The signs of test `t` of a float32 trace.
pub fn trace_signs(trace: &Trace, t: usize) -> Signs {
    let mut s: Signs = trace
        .hidden
        .iter()
        .map(|l| l.u.row(t).iter().map(|u| *u > 0.0).collect())
        .collect();
    s.push(trace.output.row(t).iter().map(|u| *u > 0.0).collect());
    s
}

/// The signs of `x` computed in f64.
pub fn f64_signs(net: &Network, x: &[f64]) -> Result<Signs, GenerateError> {
    let (out, pattern) = net.eval_traced::<f64>(x)?;
    let mut s = pattern.layers;
    s.push(out.iter().map(|u| *u > 0.0).collect());
    Ok(s)
}

/// Which objectives are covered: `covered[k][i][j]`.
struct Covered {
    flags: Vec<Vec<Vec<bool>>>,
    count: usize,
}

impl Covered {
    fn mark(&mut self, objectives: &[(usize, usize, usize)]) -> usize {
        let mut new = 0;
        for &(k, i, j) in objectives {
            if !self.flags[k][i][j] {
                self.flags[k][i][j] = true;
                new += 1;
            }
        }
        self.count += new;
        new
    }

    fn open(&self, k: usize, i: usize) -> Vec<usize> {
        (0..self.flags[k][i].len())
            .filter(|&j| !self.flags[k][i][j])
            .collect()
    }
}

/// A test of the suite, with what the generator needs of it as the first test of a pair.
#[derive(Clone)]
struct Member {
    x32: Vec<f32>,
    x64: Vec<f64>,
    /// `u` per feature layer, in float32.
    values: Vec<Vec<f32>>,
    signs32: Signs,
    signs64: Signs,
    label: usize,
}

impl Member {
    fn of(net: &Network, trace: &Trace, t: usize, x32: &[f32]) -> Result<Member, GenerateError> {
        let x64: Vec<f64> = x32.iter().map(|v| f64::from(*v)).collect();
        let mut values: Vec<Vec<f32>> = trace.hidden.iter().map(|l| l.u.row(t).to_vec()).collect();
        values.push(trace.output.row(t).to_vec());
        Ok(Member {
            signs32: trace_signs(trace, t),
            signs64: f64_signs(net, &x64)?,
            label: trace.predictions()[t],
            x32: x32.to_vec(),
            x64,
            values,
        })
    }
}

struct Shared {
    covered: Covered,
    suite: Suite,
    /// Every test of the suite, in its rows' order: any of them may start a pair.
    pool: Vec<Member>,
    lp_calls: usize,
    rejected: usize,
    stones: usize,
}

/// Grows `suite` (which holds the seeds) with sign-sign pairs until every objective is
/// covered, the conditions are exhausted or the budget ends. The first test of a pair is a
/// seed or a test generated before: generated tests lie on the margins of the signs their
/// LP fixed, which makes them near neighbours for the objectives of later layers.
/// `trace` is the seeds' trace.
pub fn generate(
    gen: &Generator,
    suite: Suite,
    trace: &Trace,
) -> Result<(Suite, SsStats), GenerateError> {
    let shared = start(gen.net, suite, trace)?;
    let widths: Vec<usize> = shared.covered.flags.iter().map(Vec::len).collect();
    // Conditions of every layer pair in turn, so that each layer pair advances from the start.
    // Two sweeps: the first with a low pivot limit, then the conditions left open again with
    // a higher one, from a pool that has grown meanwhile.
    let mut conditions: Vec<(usize, usize)> = Vec::new();
    let widest = widths.iter().copied().max().unwrap_or(0);
    for i in 0..widest {
        for (k, width) in widths.iter().enumerate() {
            if i < *width {
                conditions.push((k, i));
            }
        }
    }
    let shared = Mutex::new(shared);
    let context = Context {
        gen,
        shared: &shared,
    };
    // Two sweeps over the conditions (the second with `retry`).
    on_workers(gen, 2 * conditions.len(), |c| {
        let (k, i) = conditions[c % conditions.len()];
        context.condition(k, i, c >= conditions.len())
    })?;
    // Then stepping stones for each objective still open.
    let open: Vec<(usize, usize, usize)> = {
        let shared = context.lock()?;
        let flags = &shared.covered.flags;
        (0..flags.len())
            .flat_map(|k| {
                (0..flags[k].len())
                    .flat_map(move |i| (0..flags[k][i].len()).map(move |j| (k, i, j)))
            })
            .filter(|&(k, i, j)| !flags[k][i][j])
            .collect()
    };
    if !open.is_empty() && !gen.out_of_time() {
        log::debug!("sign-sign: {} objectives open after the sweeps", open.len());
        let at = feature_positions(gen.net);
        on_workers(gen, open.len(), |o| context.stones(&at, open[o]))?;
    }
    let shared = shared
        .into_inner()
        .map_err(|_| GenerateError::Internal("a worker panicked"))?;
    for (k, layer) in shared.covered.flags.iter().enumerate() {
        let (c, t) = layer
            .iter()
            .flatten()
            .fold((0, 0), |(c, t), f| (c + usize::from(*f), t + 1));
        log::debug!("sign-sign: layer pair {k}: {c} of {t} covered");
        if t - c <= OPEN_LISTED {
            for (i, row) in layer.iter().enumerate() {
                for j in (0..row.len()).filter(|&j| !row[j]) {
                    log::debug!("sign-sign: open objective ({k}, {i}, {j})");
                }
            }
        }
    }
    let stats = SsStats {
        lp_calls: shared.lp_calls,
        rejected: shared.rejected,
        stones: shared.stones,
    };
    Ok((shared.suite, stats))
}

impl Shared {
    /// The `count` pool members of least `closeness` (one value per member), with their rows.
    fn nearest(&self, closeness: &[f32], count: usize) -> Vec<(usize, Member)> {
        let mut order: Vec<usize> = (0..self.pool.len()).collect();
        order.sort_by(|a, b| closeness[*a].total_cmp(&closeness[*b]));
        order
            .into_iter()
            .take(count)
            .map(|t| (t, self.pool[t].clone()))
            .collect()
    }
}

/// The generation's state before any LP: the seeds as the pool, and the objectives their own
/// pairs cover (any pair that covers something in both precisions joins the suite).
fn start(net: &Network, mut suite: Suite, trace: &Trace) -> Result<Shared, GenerateError> {
    let seeds = &suite.tests;
    let pool: Vec<Member> = (0..seeds.rows())
        .map(|t| Member::of(net, trace, t, seeds.row(t)))
        .collect::<Result<_, _>>()?;
    let mut widths = trace.hidden_widths();
    widths.push(trace.output.cols());
    let flags = widths
        .windows(2)
        .map(|w| vec![vec![false; w[1]]; w[0]])
        .collect();
    let mut covered = Covered { flags, count: 0 };
    for (a, ma) in pool.iter().enumerate() {
        for (b, mb) in pool.iter().enumerate() {
            if a == b {
                continue;
            }
            let o = ss_objectives(&ma.signs32, &mb.signs32);
            if !o.is_empty() && o == ss_objectives(&ma.signs64, &mb.signs64) && covered.mark(&o) > 0
            {
                suite.pairs.push((a, b));
            }
        }
    }
    suite.record(covered.count);
    Ok(Shared {
        covered,
        suite,
        pool,
        lp_calls: 0,
        rejected: 0,
        stones: 0,
    })
}

/// Runs `task(0..count)` on the generator's threads, each taking the next index, until all
/// are done or the budget ends (the indices left are then skipped).
fn on_workers(
    gen: &Generator,
    count: usize,
    task: impl Fn(usize) -> Result<(), GenerateError> + Sync,
) -> Result<(), GenerateError> {
    let indices: Vec<usize> = (0..count).collect();
    parallel_map(gen, &indices, |&c| {
        if gen.out_of_time() {
            Ok(())
        } else {
            task(c)
        }
    })?;
    Ok(())
}

/// Counters of one sign-sign generation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SsStats {
    /// LP solves (one per seed, condition and decision tried).
    pub lp_calls: usize,
    /// Inputs an LP found that did not cover the same objectives in float32 and f64.
    pub rejected: usize,
    /// Stepping stones tried (each the first test of one more LP).
    pub stones: usize,
}

/// The first test of the pairs an LP looks for.
enum First {
    /// A row of the suite (and of the pool).
    Row(usize),
    /// A stepping stone from row `from` (whose predicted label is `label`), not in the suite
    /// until a pair needs it.
    Stone { from: usize, label: usize },
}

struct Context<'a> {
    gen: &'a Generator<'a>,
    shared: &'a Mutex<Shared>,
}

impl Context<'_> {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Shared>, GenerateError> {
        self.shared
            .lock()
            .map_err(|_| GenerateError::Internal("a worker panicked"))
    }

    /// Works on condition `i` of layer `k` until its decisions are covered or its nearest
    /// tests are spent.
    /// `retry`: the second sweep (first checks capped at [`RETRY_MAX_PIVOTS`] rather than
    /// [`MAX_PIVOTS`], candidates near the open decisions too).
    fn condition(&self, k: usize, i: usize, retry: bool) -> Result<(), GenerateError> {
        let max_pivots = if retry { RETRY_MAX_PIVOTS } else { MAX_PIVOTS };
        let started = std::time::Instant::now();
        let (count, calls) = {
            let shared = self.lock()?;
            (shared.covered.count, shared.lp_calls)
        };
        let result = self.condition_tries(k, i, retry, max_pivots);
        let shared = self.lock()?;
        log::debug!(
            "sign-sign: condition ({k}, {i}), {max_pivots} pivots: {} LP calls, {} new, {} open, {:?}",
            shared.lp_calls - calls,
            shared.covered.count - count,
            shared.covered.open(k, i).len(),
            started.elapsed()
        );
        result
    }

    fn condition_tries(
        &self,
        k: usize,
        i: usize,
        retry: bool,
        max_pivots: u64,
    ) -> Result<(), GenerateError> {
        let order: Vec<(usize, Member)> = {
            let shared = self.lock()?;
            let open = shared.covered.open(k, i);
            if open.is_empty() {
                return Ok(());
            }
            // Near the condition's sign change; when trying again, near some open decision's
            // too (first the seeds that are near the condition alone have been tried).
            let closeness: Vec<f32> = shared
                .pool
                .iter()
                .map(|m| {
                    let v = &m.values;
                    let decision = if retry {
                        open.iter()
                            .map(|j| v[k + 1][*j].abs())
                            .fold(f32::MAX, f32::min)
                    } else {
                        0.0
                    };
                    v[k][i].abs() + decision
                })
                .collect();
            shared.nearest(&closeness, MAX_SEEDS_PER_CONDITION)
        };
        for (s, member) in order {
            let done = self.lock()?.covered.open(k, i).is_empty();
            if done || self.gen.out_of_time() {
                return Ok(());
            }
            self.try_first(&mut First::Row(s), &member, k, i, max_pivots)?;
        }
        Ok(())
    }

    /// The LP of condition `(k, i)` from `member` (its signs below layer `k + 1`, `i`
    /// flipped), solved for each decision of the condition still open, nearest to changing
    /// sign first: their LPs succeed most often, and an input that flips one often flips
    /// others.
    fn try_first(
        &self,
        first: &mut First,
        member: &Member,
        k: usize,
        i: usize,
        max_pivots: u64,
    ) -> Result<(), GenerateError> {
        let signs = &member.signs64;
        let mut phases = signs[..signs.len() - 1].to_vec();
        if k < phases.len() {
            phases[k][i] = !phases[k][i];
        }
        let maps = region_maps(
            self.gen.net,
            &phases,
            k + 2,
            (&self.gen.lower, &self.gen.upper),
        )?;
        let fixed = sign_goals(signs, k + 1, Some((k, i)));
        let Some(mut lp) =
            RegionLp::new(&maps, &member.x64, &self.gen.lower, &self.gen.upper, &fixed)
        else {
            return Ok(());
        };
        let mut open = self.lock()?.covered.open(k, i);
        open.sort_by(|a, b| {
            member.values[k + 1][*a]
                .abs()
                .total_cmp(&member.values[k + 1][*b].abs())
        });
        for j in open {
            if self.gen.out_of_time() {
                return Ok(());
            }
            let covered = self.lock()?.covered.flags[k][i][j];
            if covered {
                continue;
            }
            let goal = SignGoal {
                layer: k + 1,
                neuron: j,
                positive: !signs[k + 1][j],
            };
            let found = lp.solve(&[goal], max_pivots);
            self.lock()?.lp_calls += 1;
            if let Some(x) = found {
                self.confirm(first, member, &x)?;
            }
        }
        Ok(())
    }

    /// Works on the open objective `(k, i, j)` from stepping stones
    /// ([`stepping_stone::stone`]) of its nearest tests, until it is covered or
    /// [`STONE_STARTS`] stones have been tried.
    fn stones(&self, at: &[usize], (k, i, j): (usize, usize, usize)) -> Result<(), GenerateError> {
        let starts: Vec<(usize, Member)> = {
            let shared = self.lock()?;
            let closeness: Vec<f32> = shared
                .pool
                .iter()
                .map(|m| m.values[k][i].abs() + m.values[k + 1][j].abs())
                .collect();
            shared.nearest(&closeness, STONE_STARTS)
        };
        for (t, start) in starts {
            if self.lock()?.covered.flags[k][i][j] || self.gen.out_of_time() {
                return Ok(());
            }
            let x = stepping_stone::stone(self.gen, at, (k, i, j), &start.x64);
            let x32 = self.gen.to_f32(&x);
            let one = Batch::from_rows(x32.len(), std::slice::from_ref(&x32)).ok_or(
                GenerateError::Internal("a stone of another width than its start"),
            )?;
            let trace = Trace::run(self.gen.net, &one)?;
            let member = Member::of(self.gen.net, &trace, 0, &x32)?;
            self.lock()?.stones += 1;
            let mut first = First::Stone {
                from: t,
                label: start.label,
            };
            self.try_first(&mut first, &member, k, i, RETRY_MAX_PIVOTS)?;
        }
        Ok(())
    }

    /// Keeps the pair (the first test, `x` rounded to float32) if it covers something new, the
    /// same in float32 and in f64; a stone first joins the suite (and the pool) with its first
    /// pair.
    fn confirm(&self, at: &mut First, first: &Member, x: &[f64]) -> Result<(), GenerateError> {
        let x32 = self.gen.to_f32(x);
        let pair = Batch::from_rows(x32.len(), &[first.x32.clone(), x32.clone()]).ok_or(
            GenerateError::Internal("a pair of tests of different widths"),
        )?;
        let trace = Trace::run(self.gen.net, &pair)?;
        let second = Member::of(self.gen.net, &trace, 1, &x32)?;
        let first32 = trace_signs(&trace, 0);
        let o32 = ss_objectives(&first32, &second.signs32);
        let o64 = ss_objectives(&first.signs64, &second.signs64);
        let same_first = first32 == first.signs32;
        let mut shared = self.lock()?;
        if o32.is_empty() || o32 != o64 || !same_first {
            shared.rejected += 1;
            return Ok(());
        }
        if shared.covered.mark(&o32) == 0 {
            return Ok(());
        }
        let s = match *at {
            First::Row(s) => s,
            First::Stone { from, label } => {
                let s = shared.suite.add(&first.x32, from, (label, first.label));
                shared.pool.push(first.clone());
                *at = First::Row(s);
                s
            }
        };
        let row = shared.suite.add(&x32, s, (first.label, second.label));
        shared.suite.pairs.push((s, row));
        shared.pool.push(second);
        let count = shared.covered.count;
        shared.suite.record(count);
        self.gen.report(Count {
            covered: count,
            total: shared.suite.total,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Affine, Layer, LayerKind, Matrix, Precision, Provenance};
    use std::time::{Duration, Instant};

    fn affine(rows: usize, cols: usize, w: Vec<f64>, bias: Vec<f64>) -> Layer {
        let weights = Matrix::from_row_major(rows, cols, w).unwrap();
        Layer::in_memory(LayerKind::Affine(Affine { weights, bias }), rows)
    }

    /// Hidden layer 0: `p = x0 - 0.5`, `r = 0.5 - x0`, `q = x1`; hidden layer 1: `c = v_q -
    /// 0.5`, `p' = v_p`, `r' = v_r`; output `y = v_p' - 0.5 v_r' - 0.2`. Objective `(1, 0, 0)`:
    /// `c` flips, `p'` and `r'` keep their signs, `y` flips. Where `x0 < 0.5` (every seed),
    /// `y = -0.5 (0.5 - x0) - 0.2 < 0` whatever `x1`, so no LP that keeps a seed's region of
    /// layer 0 can flip `y`; where `x0 > 0.5`, `y = x0 - 0.7` takes both signs.
    fn net() -> Network {
        let layers = vec![
            affine(
                3,
                2,
                vec![1.0, 0.0, -1.0, 0.0, 0.0, 1.0],
                vec![-0.5, 0.5, 0.0],
            ),
            Layer::in_memory(LayerKind::Relu, 3),
            affine(
                3,
                3,
                vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                vec![-0.5, 0.0, 0.0],
            ),
            Layer::in_memory(LayerKind::Relu, 3),
            affine(1, 3, vec![0.0, 1.0, -0.5], vec![-0.2]),
        ];
        Network::new(vec![2], layers, vec![1], Provenance::memory(Precision::F64)).unwrap()
    }

    #[test]
    fn a_stepping_stone_covers_what_no_seed_region_can() {
        let net = net();
        let progress = |_| {};
        let gen = Generator {
            net: &net,
            lower: vec![0.0; 2],
            upper: vec![1.0; 2],
            threads: 1,
            deadline: Instant::now() + Duration::from_secs(600),
            progress: &progress,
        };
        let rows = vec![
            vec![0.3, 0.8],
            vec![0.35, 0.75],
            vec![0.4, 0.9],
            vec![0.25, 0.7],
        ];
        let seeds = Batch::from_rows(2, &rows).unwrap();
        let trace = Trace::run(&net, &seeds).unwrap();
        let total = 3 * 3 + 3;
        let suite = Suite::new(seeds, Instant::now(), Count { covered: 0, total });
        let shared = Mutex::new(start(&net, suite, &trace).unwrap());
        let context = Context {
            gen: &gen,
            shared: &shared,
        };
        let pool = context.lock().unwrap().pool.clone();
        for (s, member) in pool.iter().enumerate() {
            context
                .try_first(&mut First::Row(s), member, 1, 0, RETRY_MAX_PIVOTS)
                .unwrap();
        }
        assert!(!context.lock().unwrap().covered.flags[1][0][0]);
        context.stones(&feature_positions(&net), (1, 0, 0)).unwrap();
        let shared = shared.into_inner().unwrap();
        assert!(shared.covered.flags[1][0][0]);
        assert!((1..=STONE_STARTS).contains(&shared.stones));
        // The pair that covers it starts at a stone (a new row, on the side x0 > 0.5), and
        // covers it in f64 and in float32.
        let tests = &shared.suite.tests;
        let pair = shared.suite.pairs.iter().find(|(a, b)| {
            let x = |t: usize| {
                tests
                    .row(t)
                    .iter()
                    .map(|v| f64::from(*v))
                    .collect::<Vec<_>>()
            };
            let (sa, sb) = (
                f64_signs(&net, &x(*a)).unwrap(),
                f64_signs(&net, &x(*b)).unwrap(),
            );
            ss_objectives(&sa, &sb).contains(&(1, 0, 0))
        });
        let &(a, b) = pair.expect("a pair covering (1, 0, 0)");
        assert!(
            a >= rows.len() && tests.row(a)[0] > 0.5,
            "{:?}",
            tests.row(a)
        );
        let both = Batch::from_rows(2, &[tests.row(a).to_vec(), tests.row(b).to_vec()]).unwrap();
        let t32 = Trace::run(&net, &both).unwrap();
        assert!(ss_objectives(&trace_signs(&t32, 0), &trace_signs(&t32, 1)).contains(&(1, 0, 0)));
    }
}
