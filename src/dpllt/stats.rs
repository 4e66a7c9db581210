//! What one search did, for the logs (`RUST_LOG=debug`) and the benchmarks.

use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Statistics {
    /// Nodes propagated (a node is re-propagated after a backjump adds a literal to it).
    pub nodes: u64,
    pub input_splits: u64,
    pub relu_splits: u64,
    /// Literals implied by learned clauses.
    pub implied: u64,
    /// Conflicts found by bound propagation, and by certified LP explanations.
    pub bound_conflicts: u64,
    pub lp_conflicts: u64,
    pub learned: u64,
    /// Levels skipped by backjumps beyond the one chronological backtracking undoes.
    pub levels_skipped: u64,
    pub restarts: u64,
    pub bound_calls: u64,
    pub lp_frames: u64,
    pub lp_checks: u64,
    /// LP checks without an answer to rely on (pivot limit, an explanation not certified).
    pub lp_inconclusive: u64,
    pub pivots: u64,
    /// Points run through the network to look for a counterexample.
    pub candidates: u64,
    pub max_depth: usize,
    pub time_bounds: Duration,
    pub time_lp: Duration,
}
