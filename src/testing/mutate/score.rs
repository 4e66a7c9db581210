//! Killing mutants: which tests tell a mutant from the original (a different label), which
//! mutants are excluded from the score, and the mutation score.

use super::batch::BatchRun;
use super::generate::Mutant;
use super::operator::{Operator, Site};
use super::test_suite::TestSuite;
use crate::network::Network;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the test suite did to one mutant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Some test's label differs from the original's.
    Killed,
    /// Every test has the original's label.
    Survived,
    /// Excluded: it disagrees with the original on more than the allowed fraction of the
    /// reference inputs, so any suite kills it (DeepMutation's filter on accuracy drop).
    Trivial,
    /// Excluded: the mutation changed no weight (e.g. blocking a neuron whose outgoing
    /// weights are already 0), so no test can kill it.
    Equivalent,
}

/// One mutant's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct MutantOutcome {
    pub id: usize,
    pub operator: Operator,
    pub layer: usize,
    pub neurons: Vec<usize>,
    pub description: String,
    pub status: Status,
    /// Tests whose label differs from the original's.
    pub killing_tests: usize,
    /// The first of them (0-based, in file order).
    pub first_killing_test: Option<usize>,
    /// The fraction of reference inputs (the tests when no reference is given) whose label
    /// differs from the original's.
    pub disagreement: f64,
}

/// Counts for a set of mutants.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    pub mutants: usize,
    pub killed: usize,
    pub survived: usize,
    pub trivial: usize,
    pub equivalent: usize,
    /// killed / (killed + survived); `None` when every mutant is excluded.
    pub score: Option<f64>,
}

/// The mutation analysis of a test suite.
#[derive(Debug, Clone, Serialize)]
pub struct MutationAnalysis {
    pub tests: usize,
    /// Inputs the disagreement is measured on, when not the tests.
    pub reference_inputs: Option<usize>,
    /// Mutants that disagree on more than this fraction are trivial; `None`: none is.
    pub max_disagreement: Option<f64>,
    pub total: Tally,
    pub operators: BTreeMap<Operator, Tally>,
    pub mutants: Vec<MutantOutcome>,
}

/// How to judge mutants.
#[derive(Debug, Clone, Copy, Default)]
pub struct Judgement<'a> {
    /// Natural inputs to measure disagreement on (else the tests).
    pub reference: Option<&'a TestSuite>,
    /// A mutant disagreeing on more than this fraction is trivial; `None` for no filter.
    pub max_disagreement: Option<f64>,
    /// Worker threads (at least 1).
    pub threads: usize,
}

/// Runs the original and every mutant on the tests (and the reference inputs) and scores.
pub fn analyse(
    net: &Network,
    mutants: &[Mutant<'_>],
    tests: &TestSuite,
    judgement: Judgement<'_>,
) -> MutationAnalysis {
    let starts: BTreeSet<usize> = mutants.iter().map(Mutant::first_changed).collect();
    let run = BatchRun::new(net, tests, &starts);
    let reference = judgement.reference.map(|r| BatchRun::new(net, r, &starts));
    let outcomes = parallel_map(mutants, judgement.threads.max(1), |m| {
        if m.is_unchanged() {
            return outcome(m, Status::Equivalent, &[], 0.0);
        }
        let labels = run.mutant_labels(m.layers_from_change(), m.first_changed());
        let killers: Vec<usize> = (0..labels.len())
            .filter(|&i| labels[i] != run.labels()[i])
            .collect();
        let disagreement = match &reference {
            Some(r) => {
                let labels = r.mutant_labels(m.layers_from_change(), m.first_changed());
                let differ = labels
                    .iter()
                    .zip(r.labels())
                    .filter(|(a, b)| a != b)
                    .count();
                differ as f64 / labels.len().max(1) as f64
            }
            None => killers.len() as f64 / labels.len().max(1) as f64,
        };
        let status = if judgement
            .max_disagreement
            .is_some_and(|max| disagreement > max)
        {
            Status::Trivial
        } else if killers.is_empty() {
            Status::Survived
        } else {
            Status::Killed
        };
        outcome(m, status, &killers, disagreement)
    });
    let mut operators: BTreeMap<Operator, Tally> = BTreeMap::new();
    for m in mutants {
        operators.entry(m.operator).or_default();
    }
    for o in &outcomes {
        if let Some(t) = operators.get_mut(&o.operator) {
            t.add(o.status);
        }
    }
    let mut total = Tally::default();
    for o in &outcomes {
        total.add(o.status);
    }
    MutationAnalysis {
        tests: tests.len(),
        reference_inputs: judgement.reference.map(TestSuite::len),
        max_disagreement: judgement.max_disagreement,
        total,
        operators,
        mutants: outcomes,
    }
}

impl Tally {
    /// Counts one more mutant, keeping the score up to date.
    fn add(&mut self, status: Status) {
        self.mutants += 1;
        match status {
            Status::Killed => self.killed += 1,
            Status::Survived => self.survived += 1,
            Status::Trivial => self.trivial += 1,
            Status::Equivalent => self.equivalent += 1,
        }
        let scored = self.killed + self.survived;
        self.score = (scored > 0).then(|| self.killed as f64 / scored as f64);
    }
}

fn outcome(m: &Mutant<'_>, status: Status, killers: &[usize], disagreement: f64) -> MutantOutcome {
    let Site { layer, neurons } = m.site.clone();
    MutantOutcome {
        id: m.id,
        operator: m.operator,
        layer,
        neurons,
        description: m.description.clone(),
        status,
        killing_tests: killers.len(),
        first_killing_test: killers.first().copied(),
        disagreement,
    }
}

/// `f` on every item, on up to `threads` threads taking the next item as they finish one
/// (mutants of early layers cost more), results in item order.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 || items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(items.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut results = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return results;
                        };
                        results.push((i, f(item)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}
