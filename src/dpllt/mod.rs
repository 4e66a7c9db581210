//! vera's DPLL(T) engine: a search over ReLU phases and input bisections, with bound
//! propagation and an incremental simplex as the theory, conflict clauses over the decisions a
//! certified infeasibility rests on, backjumping and (optionally) restarts.
//!
//! Reluplex (Katz et al., CAV 2017) keeps the ReLUs beside an LP and splits on them when its
//! repairs fail; NeuralSAT (Duong et al., 2023) runs the same search as DPLL(T) with learned
//! clauses. This engine follows both, with the choices the fastest tools make on networks with
//! few inputs: while many ReLUs are unstable it bisects inputs (ReluVal, nnenum), and every
//! node is first bounded by back-substitution (DeepPoly/CROWN) before an LP is tried.
//!
//! Its answers are exact: a "no counterexample" rests only on sound f64 bounds and on simplex
//! explanations re-checked with all rounding accounted for (`Simplex::certifies`); a
//! counterexample is an input the query accepts in exact rational arithmetic.
//!
//! ```
//! use vera::dpllt::DplltEngine;
//! use vera::engine::Engine;
//! assert_eq!(DplltEngine::default().name(), "dpllt");
//! ```

mod branching;
mod clauses;
mod literal;
mod relaxation;
mod relu;
mod restart;
mod search;
mod stats;
mod trail;

pub use literal::{Literal, Phase};
pub use search::SearchAnswer;
pub use stats::Statistics;

use crate::engine::{Budget, Engine, EngineAnswer, EngineError};
use crate::query::Query;

/// The engine's settings; the defaults are what the ACAS Xu benchmark was tuned on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DplltOptions {
    /// An LP is solved at a node once at most this many ReLUs are unstable there (with more,
    /// the triangle relaxation is too loose to refute what back-substitution could not).
    pub lp_max_unstable: usize,
    /// ReLUs are split, rather than inputs, once at most this many are unstable.
    pub relu_split_max_unstable: usize,
    /// The LP is rebuilt for the node when its frame relaxes more than this many times the
    /// ReLUs still unstable (a fresh frame has tighter triangles; an old one keeps its basis).
    pub frame_rebuild_ratio: usize,
    /// The input to bisect is chosen by bounding both halves of every input (keeping the
    /// chosen halves' bounds for the children) at nodes where at least this fraction of the
    /// ReLUs is unstable; elsewhere by the influences read off one bound. Looking ahead costs
    /// two propagations per input and pays where nodes are wide and bad splits expensive (on
    /// ACAS Xu it cuts the nodes of wide properties tenfold).
    pub lookahead_fraction: f64,
    /// Try to refute the consequence closest to refutation with optimised ReLU slopes
    /// (alpha-CROWN) when plain back-substitution does not.
    pub alpha: bool,
    /// Pivots per LP check before it counts as inconclusive.
    pub max_pivots: u64,
    /// Learn conflict clauses (and bump the activity of their ReLUs).
    pub learn: bool,
    /// Clauses with more literals than this are not kept.
    pub max_clause_len: usize,
    /// Learned clauses kept at most.
    pub max_clauses: usize,
    /// Restart after `base · luby(i)` conflicts (back to the last input split), or never.
    pub restart_base: Option<u64>,
}

impl Default for DplltOptions {
    fn default() -> DplltOptions {
        DplltOptions {
            lp_max_unstable: 24,
            relu_split_max_unstable: 8,
            frame_rebuild_ratio: 2,
            lookahead_fraction: 0.4,
            alpha: true,
            max_pivots: 5_000,
            learn: true,
            max_clause_len: 64,
            max_clauses: 4_096,
            restart_base: None,
        }
    }
}

/// The DPLL(T) engine (`--engine dpllt`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DplltEngine {
    pub options: DplltOptions,
}

/// A search's answer and what it did.
#[derive(Debug, Clone)]
pub struct Report {
    pub answer: SearchAnswer,
    pub stats: Statistics,
}

impl DplltEngine {
    /// Searches for a counterexample to any of `queries`, which must share their network and
    /// input polytope (the sub-problems of one input polytope of a property, differing in
    /// their unsafe outputs): one search tree for all of them, where a node is closed once
    /// every disjunct is refuted there.
    pub fn search(&self, queries: &[Query], budget: &Budget) -> Result<Report, EngineError> {
        let Some(first) = queries.first() else {
            return Ok(Report {
                answer: SearchAnswer::Closed,
                stats: Statistics::default(),
            });
        };
        let same = |q: &Query| {
            q.id.case == first.id.case
                && q.id.input_polytope == first.id.input_polytope
                && q.num_vars() == first.num_vars()
        };
        if !queries.iter().all(same) {
            return Err(EngineError {
                engine: "dpllt",
                problem: "one search got queries of different input polytopes".into(),
            });
        }
        let mut search = search::Search::new(queries, &self.options, budget);
        let answer = search.run();
        let stats = search.stats.clone();
        log::debug!("dpllt: {:?} after {stats:?}", answer_word(&answer));
        Ok(Report { answer, stats })
    }
}

fn answer_word(a: &SearchAnswer) -> &'static str {
    match a {
        SearchAnswer::Counterexample { .. } => "counterexample",
        SearchAnswer::Closed => "closed",
        SearchAnswer::Unknown(_) => "unknown",
    }
}

impl Engine for DplltEngine {
    fn name(&self) -> &'static str {
        "dpllt"
    }

    fn check(&self, query: &Query, budget: &Budget) -> Result<EngineAnswer, EngineError> {
        Ok(self.check_any(std::slice::from_ref(query), budget)?.0)
    }

    fn searches_regions(&self) -> bool {
        true
    }

    fn check_any(
        &self,
        queries: &[Query],
        budget: &Budget,
    ) -> Result<(EngineAnswer, Option<usize>), EngineError> {
        let report = self.search(queries, budget)?;
        Ok(match report.answer {
            SearchAnswer::Counterexample { input, disjunct } => {
                (EngineAnswer::Counterexample(input), Some(disjunct))
            }
            SearchAnswer::Closed => (EngineAnswer::NoCounterexample, None),
            SearchAnswer::Unknown(why) => (EngineAnswer::Unknown(why), None),
        })
    }
}
