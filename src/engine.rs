//! The interface every verification engine implements, and the time budget it must honour.

use crate::query::Query;
use num_rational::BigRational;
use std::time::{Duration, Instant};

/// How long an engine may work.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Option<Instant>,
}

impl Budget {
    /// No limit.
    pub fn unlimited() -> Budget {
        Budget { deadline: None }
    }

    /// `limit` from now.
    pub fn from_now(limit: Duration) -> Budget {
        Budget {
            deadline: Some(Instant::now() + limit),
        }
    }

    /// Time left (`None` when unlimited); zero once the deadline has passed.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// A budget ending after `1/parts` of the time left (the same, unlimited, when this one
    /// is unlimited): a fair share for one of `parts` tasks still to run.
    pub fn share(&self, parts: usize) -> Budget {
        match self.remaining() {
            None => *self,
            Some(left) => Budget::from_now(left / parts.max(1) as u32),
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
