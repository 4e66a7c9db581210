//! The test suite a generator grows: every input used (the seeds first), the pairs for pair
//! criteria, the coverage after each addition, and which tests are adversarial (their label
//! differs from their seed's).

use crate::testing::criteria::Count;
use crate::testing::Batch;
use serde::Serialize;
use std::time::Instant;

/// Coverage at one moment of a generation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    pub time_s: f64,
    pub covered: usize,
    pub tests: usize,
}

/// What a generator has made so far.
#[derive(Debug, Clone)]
pub struct Suite {
    pub tests: Batch,
    /// (first, second) rows of `tests`, for pair criteria.
    pub pairs: Vec<(usize, usize)>,
    pub history: Vec<Progress>,
    /// Rows of `tests` whose predicted label differs from their seed's, with both labels.
    pub adversarial: Vec<Adversarial>,
    /// The seed row each row of `tests` was made from (a seed's own row for a seed).
    pub seed_of: Vec<usize>,
    pub total: usize,
    start: Instant,
}

/// A generated test that changes its seed's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Adversarial {
    pub test: usize,
    pub seed: usize,
    pub seed_label: usize,
    pub label: usize,
}

impl Suite {
    /// A suite of the seeds alone, with their coverage.
    pub fn new(seeds: Batch, start: Instant, count: Count) -> Suite {
        let tests = seeds.rows();
        Suite {
            tests: seeds,
            pairs: Vec::new(),
            history: vec![Progress {
                time_s: start.elapsed().as_secs_f64(),
                covered: count.covered,
                tests,
            }],
            adversarial: Vec::new(),
            seed_of: (0..tests).collect(),
            total: count.total,
            start,
        }
    }

    /// Adds `input`, generated from test `seed`; returns its row.
    pub fn add(&mut self, input: &[f32], seed: usize, labels: (usize, usize)) -> usize {
        let row = self.tests.rows();
        // The width matches: every input comes from the same network's LP or mutation.
        let _ = self.tests.push_row(input);
        self.seed_of.push(seed);
        if labels.0 != labels.1 {
            self.adversarial.push(Adversarial {
                test: row,
                seed,
                seed_label: labels.0,
                label: labels.1,
            });
        }
        row
    }

    /// Records the coverage now.
    pub fn record(&mut self, covered: usize) {
        self.history.push(Progress {
            time_s: self.start.elapsed().as_secs_f64(),
            covered,
            tests: self.tests.rows(),
        });
    }

    pub fn covered(&self) -> usize {
        self.history.last().map_or(0, |p| p.covered)
    }
}
