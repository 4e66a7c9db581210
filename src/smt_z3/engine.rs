//! The Z3 engine: decides a query exactly in linear real arithmetic.

use super::encode::encode_query;
use super::numeral::rational_from_z3;
use crate::engine::{Budget, Engine, EngineAnswer, EngineError};
use crate::query::Query;
use num_rational::BigRational;
use z3::{Params, SatResult, Solver};

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
        if let Some(left) = budget.remaining() {
            let mut params = Params::new();
            params.set_u32(
                "timeout",
                left.as_millis().clamp(1, u32::MAX as u128) as u32,
            );
            solver.set_params(&params);
        }
        // Z3 gets the question over the inputs and unstable ReLUs only (exactly equivalent).
        let query = &query.compacted();
        let vars = encode_query(query, &solver);
        log::debug!(
            "z3: sub-problem {:?}, {} variables, phases (active, inactive, unstable) {:?}",
            query.id,
            vars.len(),
            query.phase_counts()
        );
        Ok(match solver.check() {
            SatResult::Unsat => EngineAnswer::NoCounterexample,
            SatResult::Unknown => {
                let why = solver.get_reason_unknown().unwrap_or_default();
                let why =
                    if why.contains("timeout") || why.contains("canceled") || budget.exhausted() {
                        "timeout".to_string()
                    } else {
                        format!("z3 gave up: {why}")
                    };
                EngineAnswer::Unknown(why)
            }
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
