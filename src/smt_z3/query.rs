//! One sub-problem (input polytope × unsafe output conjunction) as a Z3 query.

use super::encode::encode_network;
use super::numeral::{rational_from_z3, real_from_rational};
use crate::network::Network;
use crate::spec::{LinearConstraint, Relation, SubProblem};
use num_rational::BigRational;
use std::time::Duration;
use z3::ast::{Bool, Real};
use z3::{Params, SatResult, Solver};

/// What Z3 says about one sub-problem.
#[derive(Debug, Clone, PartialEq)]
pub enum Z3Answer {
    /// An input in the polytope whose output is unsafe, exactly as Z3's model gives it
    /// (still to be replayed before anyone calls it a counterexample).
    Counterexample(Vec<BigRational>),
    /// No input in the polytope gives an unsafe output.
    NoCounterexample,
    /// Z3 gave up: the reason it reports (a timeout, say).
    Unknown(String),
}

/// `sum_i a_i * vars[i] (<=|>=) b` as a Z3 constraint.
fn linear(c: &LinearConstraint, vars: &[Real]) -> Bool {
    let terms: Vec<Real> = c
        .terms()
        .iter()
        .map(|(i, a)| real_from_rational(a) * &vars[*i])
        .collect();
    let sum = Real::add(&terms);
    let bound = real_from_rational(c.bound());
    match c.relation() {
        Relation::Le => sum.le(&bound),
        Relation::Ge => sum.ge(&bound),
    }
}

/// Decides one sub-problem on `net` (whose sizes must match the property's) in linear real
/// arithmetic, exactly; `timeout` bounds Z3's search.
pub fn check_sub_problem(net: &Network, sub: &SubProblem, timeout: Option<Duration>) -> Z3Answer {
    let solver = Solver::new();
    if let Some(t) = timeout {
        let mut params = Params::new();
        params.set_u32("timeout", t.as_millis().clamp(1, u32::MAX as u128) as u32);
        solver.set_params(&params);
    }
    let vars = encode_network(net, &solver, "");
    let bounds = &sub.inputs.bounds;
    for (i, x) in vars.inputs.iter().enumerate() {
        if let Some(lo) = &bounds.lower[i] {
            solver.assert(x.ge(real_from_rational(lo)));
        }
        if let Some(hi) = &bounds.upper[i] {
            solver.assert(x.le(real_from_rational(hi)));
        }
    }
    for c in &sub.inputs.constraints {
        solver.assert(linear(c, &vars.inputs));
    }
    for atom in &sub.unsafe_outputs.atoms {
        solver.assert(linear(atom, &vars.outputs));
    }
    match solver.check() {
        SatResult::Unsat => Z3Answer::NoCounterexample,
        SatResult::Unknown => Z3Answer::Unknown(
            solver
                .get_reason_unknown()
                .unwrap_or_else(|| "no reason given".into()),
        ),
        SatResult::Sat => {
            let Some(model) = solver.get_model() else {
                return Z3Answer::Unknown("Z3 said sat but gave no model".into());
            };
            let witness: Option<Vec<BigRational>> = vars
                .inputs
                .iter()
                .map(|x| model.eval(x, true).as_ref().and_then(rational_from_z3))
                .collect();
            match witness {
                Some(w) => Z3Answer::Counterexample(w),
                None => Z3Answer::Unknown("Z3's model value is not a rational numeral".into()),
            }
        }
    }
}
