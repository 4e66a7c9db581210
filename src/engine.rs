//! The interface every verification engine implements, and the time budget it must honour.

use crate::query::Query;
use num_rational::BigRational;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A flag that stops every engine whose budget carries it: the portfolio raises it when one
/// of its racers has answered, so that the others return (as `Unknown`) at their next check.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// How long an engine may work: a deadline, and the cancel flags that end it early.
#[derive(Debug, Clone)]
pub struct Budget {
    deadline: Option<Instant>,
    cancels: Vec<Cancel>,
}

impl Budget {
    /// No limit.
    pub fn unlimited() -> Budget {
        Budget {
            deadline: None,
            cancels: Vec::new(),
        }
    }

    /// `limit` from now.
    pub fn from_now(limit: Duration) -> Budget {
        Budget {
            deadline: Some(Instant::now() + limit),
            cancels: Vec::new(),
        }
    }

    /// This budget, also ended when `cancel` is raised.
    pub fn cancelled_by(&self, cancel: &Cancel) -> Budget {
        let mut b = self.clone();
        b.cancels.push(cancel.clone());
        b
    }

    /// This budget with its deadline moved to at most `limit` from now (cancel flags kept).
    pub fn at_most(&self, limit: Duration) -> Budget {
        let end = Instant::now() + limit;
        Budget {
            deadline: Some(self.deadline.map_or(end, |d| d.min(end))),
            cancels: self.cancels.clone(),
        }
    }

    /// Whether the budget carries a cancel flag (an engine that blocks in a library call must
    /// then watch it).
    pub fn cancellable(&self) -> bool {
        !self.cancels.is_empty()
    }

    /// Whether one of the budget's cancel flags is raised.
    pub fn is_cancelled(&self) -> bool {
        self.cancels.iter().any(Cancel::is_cancelled)
    }

    /// Time left (`None` when unlimited); zero once the deadline has passed or the budget was
    /// cancelled.
    pub fn remaining(&self) -> Option<Duration> {
        if self.is_cancelled() {
            return Some(Duration::ZERO);
        }
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// A budget ending after `1/parts` of the time left (the same, unlimited, when this one
    /// is unlimited): a fair share for one of `parts` tasks still to run. Cancel flags are
    /// kept.
    pub fn share(&self, parts: usize) -> Budget {
        match self.remaining() {
            None => self.clone(),
            Some(left) => self.at_most(left / parts.max(1) as u32),
        }
    }

    pub fn exhausted(&self) -> bool {
        self.remaining().is_some_and(|r| r.is_zero())
    }
}

/// What an engine says about one query.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineAnswer {
    /// A candidate counterexample input (exact), still to be replayed.
    Counterexample(Vec<BigRational>),
    /// The query is unsatisfiable: no counterexample in this sub-problem.
    NoCounterexample,
    /// The engine could not decide, and why (e.g. "timeout").
    Unknown(String),
}

/// An engine failure that is not an answer (an internal error, a solver that cannot start).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("engine {engine}: {problem}")]
pub struct EngineError {
    pub engine: &'static str,
    pub problem: String,
}

/// A decision procedure for queries.
pub trait Engine {
    /// The name users select it by (`--engine NAME`).
    fn name(&self) -> &'static str;
    /// Decides `query` within `budget`.
    fn check(&self, query: &Query, budget: &Budget) -> Result<EngineAnswer, EngineError>;

    /// Whether the engine searches a whole input region itself (splitting it as it goes), so
    /// that the driver should hand it each input polytope whole instead of bisecting first.
    fn searches_regions(&self) -> bool {
        false
    }

    /// Decides whether any of `queries` has a counterexample; they share their network and
    /// input polytope and differ in their unsafe outputs (a disjunction). With a
    /// counterexample comes the index of the query it is one of. The default asks each in turn.
    fn check_any(
        &self,
        queries: &[Query],
        budget: &Budget,
    ) -> Result<(EngineAnswer, Option<usize>), EngineError> {
        let mut unknown = None;
        for (k, q) in queries.iter().enumerate() {
            match self.check(q, &budget.share(queries.len() - k))? {
                EngineAnswer::NoCounterexample => {}
                EngineAnswer::Unknown(why) => {
                    unknown.get_or_insert(why);
                }
                found @ EngineAnswer::Counterexample(_) => return Ok((found, Some(k))),
            }
        }
        Ok((
            unknown.map_or(EngineAnswer::NoCounterexample, EngineAnswer::Unknown),
            None,
        ))
    }
}
