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

use super::concolic::{RegionLp, SignGoal, MAX_PIVOTS, RETRY_MAX_PIVOTS};
use super::linear_region::region_maps;
use super::suite::Suite;
use super::{GenerateError, Generator};
use crate::network::Network;
use crate::testing::criteria::Count;
use crate::testing::{Batch, Trace};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Seeds tried per condition neuron before it is given up (DeepCover's bound).
pub const MAX_SEEDS_PER_CONDITION: usize = 41;

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
    let net = gen.net;
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
    let mut suite = suite;
    // Pairs of seeds first: any that covers something in both precisions.
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
    // Conditions of every layer pair in turn, so that each layer pair advances from the start.
    // Two sweeps: the first with a low pivot limit, then the conditions left open again with
    // a higher one, from a pool that has grown meanwhile.
    let mut conditions: Vec<(usize, usize)> = Vec::new();
    let widest = widths[..widths.len() - 1]
        .iter()
        .copied()
        .max()
        .unwrap_or(0);
    for i in 0..widest {
        for (k, width) in widths[..widths.len() - 1].iter().enumerate() {
            if i < *width {
                conditions.push((k, i));
            }
        }
    }
    let shared = Mutex::new(Shared {
        covered,
        suite,
        pool,
        lp_calls: 0,
        rejected: 0,
    });
    let next = AtomicUsize::new(0);
    let context = Context {
        gen,
        shared: &shared,
    };
    let results: Vec<Result<(), GenerateError>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..gen.threads.max(1))
            .map(|_| {
                s.spawn(|| loop {
                    let c = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(k, i)) = conditions.get(c % conditions.len().max(1)) else {
                        return Ok(());
                    };
                    if c >= 2 * conditions.len() || gen.out_of_time() {
                        return Ok(());
                    }
                    context.condition(k, i, c >= conditions.len())?;
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or(Err(GenerateError::Internal("a worker panicked")))
            })
            .collect()
    });
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
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
    };
    Ok((shared.suite, stats))
}

/// Counters of one sign-sign generation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SsStats {
    /// LP solves (one per seed, condition and decision tried).
    pub lp_calls: usize,
    /// Inputs an LP found that did not cover the same objectives in float32 and f64.
    pub rejected: usize,
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
            let mut order: Vec<usize> = (0..shared.pool.len()).collect();
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
            order.sort_by(|a, b| closeness[*a].total_cmp(&closeness[*b]));
            order
                .into_iter()
                .take(MAX_SEEDS_PER_CONDITION)
                .map(|t| (t, shared.pool[t].clone()))
                .collect()
        };
        for (s, member) in order {
            let done = self.lock()?.covered.open(k, i).is_empty();
            if done || self.gen.out_of_time() {
                return Ok(());
            }
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
            let mut fixed = Vec::new();
            for (l, layer) in signs.iter().enumerate().take(k + 1) {
                for (n, positive) in layer.iter().enumerate() {
                    let positive = if (l, n) == (k, i) {
                        !positive
                    } else {
                        *positive
                    };
                    fixed.push(SignGoal {
                        layer: l,
                        neuron: n,
                        positive,
                    });
                }
            }
            let Some(mut lp) =
                RegionLp::new(&maps, &member.x64, &self.gen.lower, &self.gen.upper, &fixed)
            else {
                continue;
            };
            // Decisions nearest to changing sign first: their LPs succeed most often, and an
            // input that flips one often flips others.
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
                    self.confirm(s, &member, &x)?;
                }
            }
        }
        Ok(())
    }

    /// Keeps the pair (test `s`, `x` rounded to float32) if it covers something new, the same
    /// in float32 and in f64.
    fn confirm(&self, s: usize, first: &Member, x: &[f64]) -> Result<(), GenerateError> {
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
