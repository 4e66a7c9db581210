//! Z3 as an engine for binarised networks, independent of the SAT engine's CNF: the folded
//! network ([`crate::bnn`]) with pseudo-Boolean neurons and exactly tabulated logits, one Z3
//! check per sub-problem; input constraints over several inputs are linear over reals tied to
//! the input bits. Every model is decoded to an input and replayed before "violated"; this is
//! the differential oracle for [`crate::bnn_sat`].

mod encode;

pub use encode::{bit_values, Encoding, Unsupported};

use crate::bnn::Bnn;
use crate::engine::{Budget, EngineError};
use crate::network::Network;
use crate::replay::replay;
use crate::smt_z3::{check_cancellable, limit_time, unknown_reason};
use crate::spec::Property;
use crate::verify::{Verdict, VerifyError};
use num_rational::BigRational;
use z3::{SatResult, Solver};

/// Decides `property` on the binarised `net` with Z3: `Err` only for failures that are not
/// answers; what the encoding cannot express is `Unknown` with the reason, as is a budget
/// that ends (its deadline goes to Z3 as a timeout, its cancel flags interrupt Z3).
pub fn decide(net: &Network, property: &Property, budget: &Budget) -> Result<Verdict, VerifyError> {
    let per_box = crate::bnn::folds_per_box(net);
    let fold = |region: &crate::spec::InputBox| {
        Bnn::fold(net, region).map_err(|e| format!("binarised network not foldable: {e}"))
    };
    let whole = if per_box {
        None
    } else {
        match fold(&crate::spec::InputBox::unbounded(net.num_inputs())) {
            Ok(b) => Some(b),
            Err(why) => return Ok(Verdict::Unknown(why)),
        }
    };
    for sub in property.sub_problems() {
        if budget.exhausted() {
            return Ok(Verdict::Unknown("timeout".into()));
        }
        let here;
        let bnn = match &whole {
            Some(b) => b,
            None => match fold(&sub.inputs.bounds) {
                Ok(b) => {
                    here = b;
                    &here
                }
                Err(why) => return Ok(Verdict::Unknown(why)),
            },
        };
        let solver = Solver::new();
        limit_time(&solver, budget);
        let constraints = &sub.inputs.constraints;
        let enc = match Encoding::constrained(
            bnn,
            &sub.inputs.bounds,
            constraints,
            sub.unsafe_outputs,
            &solver,
        ) {
            Ok(e) => e,
            Err(Unsupported(why)) => return Ok(Verdict::Unknown(format!("z3: {why}"))),
        };
        let result = check_cancellable(&solver, budget);
        log::debug!(
            "z3 (bnn): sub-problem {:?}: {} free input bits, {}",
            sub.id,
            enc.inputs.iter().filter(|i| i.var.is_some()).count(),
            match result {
                SatResult::Sat => "sat",
                SatResult::Unsat => "unsat",
                SatResult::Unknown => "unknown",
            }
        );
        match result {
            SatResult::Unsat => continue,
            SatResult::Unknown => return Ok(Verdict::Unknown(unknown_reason(&solver, budget))),
            SatResult::Sat => {}
        }
        let model = solver.get_model().ok_or_else(|| {
            VerifyError::Engine(EngineError {
                engine: "z3",
                problem: "sat without a model".into(),
            })
        })?;
        let x = if constraints.is_empty() {
            enc.decode(bnn, &model)
        } else {
            // Z3 says the model's input cell meets the constraints; a float32 point of it is
            // found as the SAT engine finds one (clear of the bits' thresholds).
            let bits = bit_values(&enc.inputs, &model);
            let ins = match crate::bnn_sat::inputs(bnn, &sub.inputs.bounds) {
                Ok(i) => i,
                Err(why) => return Ok(Verdict::Unknown(format!("z3: {why}"))),
            };
            match crate::bnn_sat::InputCells::new(bnn, &ins, constraints).check(|j| bits[j]) {
                crate::bnn_sat::Cell::Point(x) => x,
                crate::bnn_sat::Cell::Undecided(why) => {
                    return Ok(Verdict::Unknown(format!("z3: {why}")))
                }
                crate::bnn_sat::Cell::Empty(_) => {
                    log::error!(
                        "z3 (bnn): sub-problem {:?}: Z3's input cell meets the input \
                         constraints, the exact check says it does not",
                        sub.id
                    );
                    let why = "z3: Z3 and the exact cell check disagree on a pattern's input \
                               cell (a bug)";
                    return Ok(Verdict::Unknown(why.into()));
                }
            }
        };
        let exact: Vec<BigRational> = x
            .iter()
            .filter_map(|v| BigRational::from_float(*v))
            .collect();
        let r = replay(net, property, &sub.inputs.bounds, &exact)?;
        if r.confirmed() {
            return Ok(Verdict::Violated(Box::new(r)));
        }
        if r.float_ok {
            // The engine decides float32 execution; "violated" also asks exact arithmetic.
            let why = format!(
                "z3: a float32 counterexample at {x:?} that exact arithmetic does not confirm \
                 (it lies on the unsafe set's boundary)"
            );
            return Ok(Verdict::Unknown(why));
        }
        log::error!(
            "z3 (bnn): a model of sub-problem {:?} failed replay at {x:?}",
            sub.id
        );
        let why = "the Z3 BNN engine's counterexample failed replay (a bug in the encoding)";
        return Ok(Verdict::Unknown(why.into()));
    }
    Ok(Verdict::Holds)
}
