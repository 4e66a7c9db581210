//! Test generation: grow a suite from seed inputs until a coverage criterion is met or the
//! budget ends, by
//! - concolic execution for sign-sign MC/DC ([`sign_sign`]; LPs on vera's simplex,
//!   [`concolic`], over a network's linear regions, [`linear_region`]),
//! - DeepXplore-style gradient search for the single-test neuron criteria ([`gradient`];
//!   ascent on a hidden neuron's objective, from the suite test nearest to covering it), and
//! - coverage-guided fuzzing for every criterion ([`fuzz`]; TensorFuzz/DeepHunter's mutation
//!   queue).
//!
//! Every test is a float32 input inside the input range, so a suite written out replays bit
//! for bit; a test whose label differs from its seed's is adversarial.

pub mod concolic;
pub mod fuzz;
pub mod gradient;
pub mod linear_region;
pub mod neuron_concolic;
pub mod sign_sign;
pub mod stepping_stone;
mod suite;

pub use suite::{Adversarial, Progress, Suite};

use crate::network::{EvalError, Network};
use crate::testing::criteria::Count;
use crate::testing::TraceError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Why a generation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error(
        "layer {origin} is a {kind} layer: concolic generation needs a network of affine, \
         elementwise and ReLU layers (use --method fuzz)"
    )]
    NotPiecewiseLinear { origin: String, kind: &'static str },
    #[error("the seeds file has no seed")]
    NoSeeds,
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// What every generator is given: the network, the input range, threads and budget, and
/// where to report progress.
pub struct Generator<'a> {
    pub net: &'a Network,
    /// Each input's least and greatest valid value (e.g. 0 and 1 for pixels).
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub threads: usize,
    pub deadline: Instant,
    /// Called with the coverage after each test added (from any thread).
    pub progress: &'a (dyn Fn(Count) + Sync),
}

impl Generator<'_> {
    pub fn out_of_time(&self) -> bool {
        Instant::now() >= self.deadline
    }

    fn report(&self, count: Count) {
        (self.progress)(count)
    }

    /// `x` rounded to float32 and kept inside the input range (by float32 bounds, which the
    /// range's own bounds round to inward).
    pub fn to_f32(&self, x: &[f64]) -> Vec<f32> {
        x.iter()
            .zip(self.lower.iter().zip(&self.upper))
            .map(|(v, (lo, hi))| {
                let (lo32, hi32) = (inward_f32(*lo, true), inward_f32(*hi, false));
                (*v as f32).clamp(lo32, hi32.max(lo32))
            })
            .collect()
    }
}

/// The float32 nearest to `v` on the inside of a range: at least `v` for a lower bound, at
/// most `v` for an upper one.
fn inward_f32(v: f64, lower: bool) -> f32 {
    let r = v as f32;
    match (lower, f64::from(r) < v, f64::from(r) > v) {
        (true, true, _) => r.next_up(),
        (false, _, true) => r.next_down(),
        _ => r,
    }
}

/// `f` of every job on the generator's threads, each worker taking the next job not yet
/// taken; the results in the jobs' order. A worker stops at its first error, which is
/// returned.
fn parallel_map<J: Sync, R: Send>(
    gen: &Generator,
    jobs: &[J],
    f: impl Fn(&J) -> Result<R, GenerateError> + Sync,
) -> Result<Vec<R>, GenerateError> {
    let next = AtomicUsize::new(0);
    let (f, next) = (&f, &next);
    let workers = gen.threads.max(1).min(jobs.len().max(1));
    let parts: Vec<Result<Vec<(usize, R)>, GenerateError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let j = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(j) else {
                            return Ok(out);
                        };
                        out.push((j, f(job)?));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or(Err(GenerateError::Internal("a worker panicked")))
            })
            .collect()
    });
    let mut all = Vec::with_capacity(jobs.len());
    for part in parts {
        all.extend(part?);
    }
    all.sort_by_key(|(j, _)| *j);
    Ok(all.into_iter().map(|(_, r)| r).collect())
}
