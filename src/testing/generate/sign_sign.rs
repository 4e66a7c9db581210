//! Sign-sign (MC/DC) test generation by concolic execution, as DeepConcolic/DeepCover do it,
//! with the work shared: for a condition neuron `i` of layer `k` and a seed, one LP keeps the
//! seed's signs below layer `k` and in layer `k` except `i`, which flips; each decision `j` of
//! layer `k + 1` still uncovered is one more bound on that LP (its sign flipped). Seeds are
//! tried nearest first (smallest `|u_i|`), at most [`MAX_SEEDS_PER_CONDITION`] per condition.
//! Every pair is confirmed by execution in float32 (batched, as `vera test coverage` computes)
//! and in f64, and kept only if both cover the same objectives.

use super::concolic::{RegionLp, SignGoal};
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

struct Shared {
    covered: Covered,
    suite: Suite,
    lp_calls: usize,
    rejected: usize,
}

/// Grows `suite` (which holds the seeds) with sign-sign pairs until every objective is
/// covered, the conditions are exhausted or the budget ends.
pub fn generate(gen: &Generator, suite: Suite) -> Result<(Suite, SsStats), GenerateError> {
    let net = gen.net;
    let seeds = suite.tests.clone();
    let trace = Trace::run(net, &seeds)?;
    let seeds64: Vec<Vec<f64>> = seeds
        .iter_rows()
        .map(|r| r.iter().map(|v| f64::from(*v)).collect())
        .collect();
    let signs32: Vec<Signs> = (0..seeds.rows()).map(|t| trace_signs(&trace, t)).collect();
    let signs64: Vec<Signs> = seeds64
        .iter()
        .map(|x| f64_signs(net, x))
        .collect::<Result<_, _>>()?;
    let labels = trace.predictions();
    let mut widths = trace.hidden_widths();
    widths.push(trace.output.cols());
    let flags = widths
        .windows(2)
        .map(|w| vec![vec![false; w[1]]; w[0]])
        .collect();
    let mut covered = Covered { flags, count: 0 };
    let mut suite = suite;
    // Pairs of seeds first: any that covers something in both precisions.
    for a in 0..seeds.rows() {
        for b in 0..seeds.rows() {
            if a == b {
                continue;
            }
            let o = ss_objectives(&signs32[a], &signs32[b]);
            if !o.is_empty() && o == ss_objectives(&signs64[a], &signs64[b]) && covered.mark(&o) > 0 {
                suite.pairs.push((a, b));
            }
        }
    }
    suite.record(covered.count);
    let conditions: Vec<(usize, usize)> = (0..widths.len() - 1)
        .flat_map(|k| (0..widths[k]).map(move |i| (k, i)))
        .collect();
    let shared = Mutex::new(Shared {
        covered,
        suite,
        lp_calls: 0,
        rejected: 0,
    });
    let next = AtomicUsize::new(0);
    let context = Context {
        gen,
        trace: &trace,
        seeds: &seeds,
        seeds64: &seeds64,
        signs32: &signs32,
        signs64: &signs64,
        labels: &labels,
        shared: &shared,
    };
    let results: Vec<Result<(), GenerateError>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..gen.threads.max(1))
            .map(|_| {
                s.spawn(|| loop {
                    let c = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(k, i)) = conditions.get(c) else {
                        return Ok(());
                    };
                    if gen.out_of_time() {
                        return Ok(());
                    }
                    context.condition(k, i)?;
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or(Err(GenerateError::Internal("a worker panicked"))))
            .collect()
    });
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    let shared = shared
        .into_inner()
        .map_err(|_| GenerateError::Internal("a worker panicked"))?;
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
    trace: &'a Trace,
    seeds: &'a Batch,
    seeds64: &'a [Vec<f64>],
    signs32: &'a [Signs],
    signs64: &'a [Signs],
    labels: &'a [usize],
    shared: &'a Mutex<Shared>,
}

impl Context<'_> {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Shared>, GenerateError> {
        self.shared
            .lock()
            .map_err(|_| GenerateError::Internal("a worker panicked"))
    }

    fn condition_value(&self, k: usize, i: usize, t: usize) -> f32 {
        match self.trace.hidden.get(k) {
            Some(l) => l.u.get(t, i),
            None => self.trace.output.get(t, i),
        }
    }

    /// Works on condition `i` of layer `k` until its decisions are covered or its seeds are
    /// spent.
    fn condition(&self, k: usize, i: usize) -> Result<(), GenerateError> {
        let mut order: Vec<usize> = (0..self.seeds.rows()).collect();
        order.sort_by(|a, b| {
            self.condition_value(k, i, *a)
                .abs()
                .total_cmp(&self.condition_value(k, i, *b).abs())
        });
        for &s in order.iter().take(MAX_SEEDS_PER_CONDITION) {
            if self.lock()?.covered.open(k, i).is_empty() || self.gen.out_of_time() {
                return Ok(());
            }
            let signs = &self.signs64[s];
            let mut phases = signs[..signs.len() - 1].to_vec();
            if k < phases.len() {
                phases[k][i] = !phases[k][i];
            }
            let maps = region_maps(self.gen.net, &phases, k + 2)?;
            let mut fixed = Vec::new();
            for (l, layer) in signs.iter().enumerate().take(k + 1) {
                for (n, positive) in layer.iter().enumerate() {
                    let positive = if (l, n) == (k, i) { !positive } else { *positive };
                    fixed.push(SignGoal {
                        layer: l,
                        neuron: n,
                        positive,
                    });
                }
            }
            let Some(mut lp) = RegionLp::new(
                &maps,
                &self.seeds64[s],
                &self.gen.lower,
                &self.gen.upper,
                &fixed,
            ) else {
                continue;
            };
            for j in self.lock()?.covered.open(k, i) {
                if self.gen.out_of_time() {
                    return Ok(());
                }
                if self.lock()?.covered.flags[k][i][j] {
                    continue;
                }
                let goal = SignGoal {
                    layer: k + 1,
                    neuron: j,
                    positive: !signs[k + 1][j],
                };
                let found = lp.solve(&[goal]);
                self.lock()?.lp_calls += 1;
                if let Some(x) = found {
                    self.confirm(s, &x)?;
                }
            }
        }
        Ok(())
    }

    /// Keeps the pair (seed `s`, `x` rounded to float32) if it covers something new, the same
    /// in float32 and in f64.
    fn confirm(&self, s: usize, x: &[f64]) -> Result<(), GenerateError> {
        let x32 = self.gen.to_f32(x);
        let pair = Batch::from_rows(x32.len(), &[self.seeds.row(s).to_vec(), x32.clone()])
            .ok_or(GenerateError::Internal("a pair of tests of different widths"))?;
        let trace = Trace::run(self.gen.net, &pair)?;
        let o32 = ss_objectives(&trace_signs(&trace, 0), &trace_signs(&trace, 1));
        let x64: Vec<f64> = x32.iter().map(|v| f64::from(*v)).collect();
        let o64 = ss_objectives(&self.signs64[s], &f64_signs(self.gen.net, &x64)?);
        let same_seed = trace_signs(&trace, 0) == self.signs32[s];
        let mut shared = self.lock()?;
        if o32.is_empty() || o32 != o64 || !same_seed {
            shared.rejected += 1;
            return Ok(());
        }
        if shared.covered.mark(&o32) == 0 {
            return Ok(());
        }
        let label = trace.predictions()[1];
        let row = shared.suite.add(&x32, s, (self.labels[s], label));
        shared.suite.pairs.push((s, row));
        let count = shared.covered.count;
        shared.suite.record(count);
        self.gen.report(Count {
            covered: count,
            total: shared.suite.total,
        });
        Ok(())
    }
}
