//! The SAT engine for binarised networks: the folded network ([`crate::bnn`]) and each
//! sub-problem's unsafe conjunction as CNF, decided by varisat. Every model is decoded to an
//! input and replayed before "violated"; "holds" means no input in the box makes the network,
//! executed in float32 as onnxruntime executes it, reach the unsafe set.

mod encode;
mod totalizer;

pub use encode::{Encoding, Unsupported};

use crate::bnn::Bnn;
use crate::engine::Budget;
use crate::network::Network;
use crate::replay::replay;
use crate::spec::Property;
use crate::verify::{Verdict, VerifyError};
use num_rational::BigRational;
use varisat::Solver;

/// Decides `property` on the binarised `net`: `Err` only for failures that are not answers;
/// what the engine cannot encode is `Unknown` with the reason.
pub fn decide(net: &Network, property: &Property, budget: &Budget) -> Result<Verdict, VerifyError> {
    let bnn = match Bnn::from_network(net) {
        Ok(b) => b,
        Err(e) => {
            return Ok(Verdict::Unknown(format!(
                "binarised network not foldable: {e}"
            )))
        }
    };
    for sub in property.sub_problems() {
        if budget.exhausted() {
            return Ok(Verdict::Unknown("timeout".into()));
        }
        if !sub.inputs.constraints.is_empty() {
            return Ok(Verdict::Unknown(
                "the SAT engine reads input boxes only, not constraints over several inputs".into(),
            ));
        }
        let enc = match Encoding::new(&bnn, &sub.inputs.bounds, sub.unsafe_outputs) {
            Ok(e) => e,
            Err(Unsupported(why)) => return Ok(Verdict::Unknown(format!("sat: {why}"))),
        };
        let mut solver = Solver::new();
        solver.add_formula(&enc.formula);
        let sat = solver.solve().map_err(|e| {
            VerifyError::Engine(crate::engine::EngineError {
                engine: "sat",
                problem: e.to_string(),
            })
        })?;
        log::debug!(
            "sat: sub-problem {:?}: {} variables, {} clauses, {}",
            sub.id,
            enc.formula.var_count(),
            enc.formula.len(),
            if sat { "sat" } else { "unsat" }
        );
        if !sat {
            continue;
        }
        let model = solver.model().unwrap_or_default();
        let x = enc.decode(&model);
        let exact: Vec<BigRational> = x
            .iter()
            .filter_map(|v| BigRational::from_float(*v))
            .collect();
        let r = replay(net, property, &sub.inputs.bounds, &exact)?;
        if r.confirmed() {
            return Ok(Verdict::Violated(Box::new(r)));
        }
        log::error!(
            "sat: a model of sub-problem {:?} failed replay at {x:?}",
            sub.id
        );
        return Ok(Verdict::Unknown(
            "the SAT engine's counterexample failed replay (a bug in the encoding)".into(),
        ));
    }
    Ok(Verdict::Holds)
}
