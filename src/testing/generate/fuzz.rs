//! Coverage-guided fuzzing (TensorFuzz, Odena et al.; DeepHunter, Xie et al.): a queue of
//! inputs, each round a batch of mutants of one of them, and every mutant that covers
//! something new joins the suite and the queue. It fits every criterion, pair criteria too
//! (a mutant pairs with its parent).

use super::suite::Suite;
use super::{GenerateError, Generator};
use crate::testing::criteria::{Count, Criterion, Mcdc};
use crate::testing::{Batch, Trace};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Mutants made of one parent per round.
pub const MUTANTS_PER_ROUND: usize = 64;

/// The noise scales of the dense mutation, as fractions of each input's range.
pub const NOISE_SCALES: [f64; 4] = [0.01, 0.03, 0.1, 0.3];

/// What the fuzzer covers: a criterion over single tests, or an MC/DC one over pairs.
pub enum Target {
    Single(Box<dyn Criterion>),
    Pairs(Mcdc),
}

impl Target {
    pub fn count(&self) -> Count {
        match self {
            Target::Single(c) => c.count(),
            Target::Pairs(m) => m.count(),
        }
    }
}

/// Counters of one fuzzing run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FuzzStats {
    pub rounds: usize,
    pub mutants: usize,
}

/// Grows `suite` (the seeds, whose trace is `seeds`, and any tests made from them before;
/// `target` already holds their coverage) by fuzzing.
pub fn generate(
    gen: &Generator,
    mut suite: Suite,
    seeds: &Trace,
    mut target: Target,
    seed: u64,
) -> Result<(Suite, Target, FuzzStats), GenerateError> {
    let mut rng = StdRng::seed_from_u64(seed);
    if suite.tests.rows() == 0 {
        return Err(GenerateError::NoSeeds);
    }
    let labels = seeds.predictions();
    // Each queued row, and the seed it descends from.
    let mut queue: Vec<(usize, usize)> = suite.seed_of.iter().copied().enumerate().collect();
    let mut stats = FuzzStats::default();
    let n = gen.net.num_inputs();
    while !gen.out_of_time() {
        let count = target.count();
        if count.covered >= count.total {
            break;
        }
        let (parent, origin) = queue[rng.gen_range(0..queue.len())];
        let mut rows = vec![suite.tests.row(parent).to_vec()];
        for _ in 0..MUTANTS_PER_ROUND {
            let x = mutate(gen, suite.tests.row(parent), &mut rng);
            rows.push(x);
        }
        let batch = Batch::from_rows(n, &rows).ok_or(GenerateError::Internal("mutant width"))?;
        let trace = Trace::run(gen.net, &batch)?;
        let predicted = trace.predictions();
        stats.rounds += 1;
        stats.mutants += MUTANTS_PER_ROUND;
        for m in 1..rows.len() {
            let before = target.count().covered;
            match &mut target {
                Target::Single(c) => c.update(&trace.select_tests(&[m])),
                Target::Pairs(p) => p.update(&trace, &[(0, m)]),
            }
            let after = target.count().covered;
            if after > before {
                let row = suite.add(&rows[m], origin, (labels[origin], predicted[m]));
                if matches!(target, Target::Pairs(_)) {
                    suite.pairs.push((parent, row));
                }
                suite.record(after);
                gen.report(target.count());
                queue.push((row, origin));
            }
        }
    }
    Ok((suite, target, stats))
}

/// A mutant of `x`: dense noise at one of [`NOISE_SCALES`], or a few inputs set anew, kept in
/// the input range and in float32.
fn mutate(gen: &Generator, x: &[f32], rng: &mut StdRng) -> Vec<f32> {
    let mut y: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
    let range = |i: usize| gen.upper[i] - gen.lower[i];
    if rng.gen_bool(0.5) {
        let scale = NOISE_SCALES[rng.gen_range(0..NOISE_SCALES.len())];
        for (i, v) in y.iter_mut().enumerate() {
            *v += scale * range(i) * rng.gen_range(-1.0..=1.0);
        }
    } else {
        let k = rng.gen_range(1..=(y.len() / 10).max(1));
        for _ in 0..k {
            let i = rng.gen_range(0..y.len());
            y[i] = gen.lower[i] + range(i) * rng.gen_range(0.0..=1.0);
        }
    }
    gen.to_f32(&y)
}
