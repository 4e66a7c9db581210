//! The SAT engine for binarised networks: the folded network ([`crate::bnn`]) and each
//! sub-problem's unsafe conjunction as CNF, decided by varisat. Every model is decoded to an
//! input and replayed before "violated"; "holds" means no input in the box makes the network,
//! executed in float32 as onnxruntime executes it, reach the unsafe set.

mod encode;
mod rup;
mod totalizer;

pub(crate) use encode::f32_range;
pub use encode::{Encoding, Unsupported};
pub use rup::{check as check_rup, RupCheck};

use crate::bnn::Bnn;
use crate::engine::Budget;
use crate::network::Network;
use crate::replay::replay;
use crate::spec::Property;
use crate::verify::{Verdict, VerifyError};
use num_rational::BigRational;
use varisat::{ProofFormat, Solver};

/// What the SAT engine found, and the proofs behind a "holds".
#[derive(Debug, Clone, PartialEq)]
pub struct SatReport {
    pub verdict: Verdict,
    /// Unsatisfiable sub-problems, each with a DRAT proof from varisat.
    pub proofs: usize,
    /// Of those, the proofs vera's own RUP checker accepted.
    pub checked: usize,
    /// Lemmas in all checked proofs.
    pub lemmas: usize,
}

impl SatReport {
    fn with(verdict: Verdict) -> SatReport {
        SatReport {
            verdict,
            proofs: 0,
            checked: 0,
            lemmas: 0,
        }
    }
}

/// Decides `property` on the binarised `net`: `Err` only for failures that are not answers;
/// what the engine cannot encode is `Unknown` with the reason. Every unsatisfiable
/// sub-problem's DRAT proof is checked by [`check_rup`]; a proof that fails makes the verdict
/// unknown, one too large to check is counted as unchecked.
pub fn decide(
    net: &Network,
    property: &Property,
    budget: &Budget,
) -> Result<SatReport, VerifyError> {
    let bnn = match Bnn::from_network(net) {
        Ok(b) => b,
        Err(e) => {
            let why = format!("binarised network not foldable: {e}");
            return Ok(SatReport::with(Verdict::Unknown(why)));
        }
    };
    let mut report = SatReport::with(Verdict::Holds);
    for sub in property.sub_problems() {
        if budget.exhausted() {
            return Ok(SatReport::with(Verdict::Unknown("timeout".into())));
        }
        if !sub.inputs.constraints.is_empty() {
            let why = "the SAT engine reads input boxes only, not constraints over several inputs";
            return Ok(SatReport::with(Verdict::Unknown(why.into())));
        }
        let enc = match Encoding::new(&bnn, &sub.inputs.bounds, sub.unsafe_outputs) {
            Ok(e) => e,
            Err(Unsupported(why)) => {
                return Ok(SatReport::with(Verdict::Unknown(format!("sat: {why}"))))
            }
        };
        let solver_error = |e: varisat::solver::SolverError| {
            VerifyError::Engine(crate::engine::EngineError {
                engine: "sat",
                problem: e.to_string(),
            })
        };
        let mut proof: Vec<u8> = Vec::new();
        let (sat, model) = {
            let mut solver = Solver::new();
            solver.write_proof(&mut proof, ProofFormat::Drat);
            solver.add_formula(&enc.formula);
            let sat = solver.solve().map_err(solver_error)?;
            let model = solver.model();
            solver.close_proof().map_err(solver_error)?;
            (sat, model)
        };
        log::debug!(
            "sat: sub-problem {:?}: {} variables, {} clauses, {}",
            sub.id,
            enc.formula.var_count(),
            enc.formula.len(),
            if sat { "sat" } else { "unsat" }
        );
        if !sat {
            report.proofs += 1;
            match check_rup(&enc.formula, &proof) {
                RupCheck::Checked { lemmas } => {
                    report.checked += 1;
                    report.lemmas += lemmas;
                }
                RupCheck::TooLarge { lemmas } => {
                    log::info!("sat: a proof of {lemmas} lemmas is too large to check here")
                }
                RupCheck::Failed(why) => {
                    log::error!(
                        "sat: varisat's proof for {:?} does not check: {why}",
                        sub.id
                    );
                    let why =
                        format!("the SAT solver's proof of unsatisfiability does not check: {why}");
                    return Ok(SatReport::with(Verdict::Unknown(why)));
                }
            }
            continue;
        }
        let model = model.unwrap_or_default();
        let x = enc.decode(&model);
        let exact: Vec<BigRational> = x
            .iter()
            .filter_map(|v| BigRational::from_float(*v))
            .collect();
        let r = replay(net, property, &sub.inputs.bounds, &exact)?;
        if r.confirmed() {
            return Ok(SatReport::with(Verdict::Violated(Box::new(r))));
        }
        log::error!(
            "sat: a model of sub-problem {:?} failed replay at {x:?}",
            sub.id
        );
        let why = "the SAT engine's counterexample failed replay (a bug in the encoding)";
        return Ok(SatReport::with(Verdict::Unknown(why.into())));
    }
    Ok(report)
}
