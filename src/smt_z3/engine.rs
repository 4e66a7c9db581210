//! The Z3 engine: decides a query exactly in linear real arithmetic.

use super::encode::encode_query;
use super::numeral::rational_from_z3;
use crate::engine::{Budget, Engine, EngineAnswer, EngineError};
use crate::query::Query;
use num_rational::BigRational;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use z3::{Context, Params, SatResult, Solver};

/// How often a running Z3 check looks at the budget's cancel flags.
const CANCEL_POLL: Duration = Duration::from_millis(5);

/// `solver.check()`, interrupted (Z3 then answers unknown, "canceled") as soon as the
/// budget is cancelled: a watcher thread polls the flags while Z3 works and is joined before
/// this returns.
pub(crate) fn check_cancellable(solver: &Solver, budget: &Budget) -> SatResult {
    if !budget.cancellable() {
        return solver.check();
    }
    let ctx = Context::thread_local();
    let handle = ctx.handle();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if budget.is_cancelled() {
                    handle.interrupt(); // again at every poll: one sent before Z3 began is lost
                }
                std::thread::sleep(CANCEL_POLL);
            }
        });
        let result = solver.check();
        done.store(true, Ordering::Relaxed);
        let _ = watcher.join(); // its OS thread has exited when this returns
        result
    })
}

/// Gives `solver` the budget's time left as Z3's own timeout (none when unlimited).
pub(crate) fn limit_time(solver: &Solver, budget: &Budget) {
    if let Some(left) = budget.remaining() {
        let mut params = Params::new();
        params.set_u32(
            "timeout",
            left.as_millis().clamp(1, u32::MAX as u128) as u32,
        );
        solver.set_params(&params);
    }
}

/// Why Z3 answered unknown: `"timeout"` when the budget ended it (its deadline or a cancel
/// flag), else Z3's own reason.
pub(crate) fn unknown_reason(solver: &Solver, budget: &Budget) -> String {
    let why = solver.get_reason_unknown().unwrap_or_default();
    if why.contains("timeout") || why.contains("canceled") || budget.exhausted() {
        "timeout".to_string()
    } else {
        format!("z3 gave up: {why}")
    }
}

/// Z3 (the system library, 4.8.12 on Debian 12) as a vera engine.
#[derive(Debug, Clone, Copy, Default)]
pub struct Z3Engine;

impl Engine for Z3Engine {
    fn name(&self) -> &'static str {
        "z3"
    }

    fn check(&self, query: &Query, budget: &Budget) -> Result<EngineAnswer, EngineError> {
        if budget.exhausted() {
            return Ok(EngineAnswer::Unknown("timeout".into()));
        }
        let solver = Solver::new_for_logic("QF_LRA").unwrap_or_default();
        limit_time(&solver, budget);
        // Z3 gets the question over the inputs and unstable ReLUs only (exactly equivalent).
        let query = &query.compacted();
        let vars = encode_query(query, &solver);
        log::debug!(
            "z3: sub-problem {:?}, {} variables, phases (active, inactive, unstable) {:?}",
            query.id,
            vars.len(),
            query.phase_counts()
        );
        Ok(match check_cancellable(&solver, budget) {
            SatResult::Unsat => EngineAnswer::NoCounterexample,
            SatResult::Unknown => EngineAnswer::Unknown(unknown_reason(&solver, budget)),
            SatResult::Sat => {
                let model = solver.get_model().ok_or_else(|| EngineError {
                    engine: "z3",
                    problem: "sat without a model".into(),
                })?;
                let witness: Option<Vec<BigRational>> = query
                    .inputs
                    .iter()
                    .map(|v| {
                        model
                            .eval(&vars[*v], true)
                            .as_ref()
                            .and_then(rational_from_z3)
                    })
                    .collect();
                match witness {
                    Some(w) => EngineAnswer::Counterexample(w),
                    None => EngineAnswer::Unknown("z3's model is not a rational point".into()),
                }
            }
        })
    }
}
