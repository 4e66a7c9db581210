//! Encoding a [`Query`] for Z3 in linear real arithmetic: exact numerals, ReLUs as `ite`.

use super::numeral::real_from_rational;
use crate::exact::round_to_f64;
use crate::query::{Query, Relu, ReluPhase, Step};
use crate::spec::Relation;
use num_rational::BigRational;
use z3::ast::{Bool, Real};
use z3::Solver;

/// `bound` rounded outward to an f64 (down for a lower bound, up for an upper one): a weaker
/// bound, so still sound, whose numeral is small. Exact interval bounds deep in a network are
/// rationals with thousands of digits, and Z3's simplex slows down on them badly.
fn outward(bound: &BigRational, lower: bool) -> BigRational {
    round_to_f64(bound, lower)
}

/// Σ coeff·var as a Z3 term (0 when empty).
fn sum(vars: &[Real], terms: &[(usize, BigRational)], constant: Option<&BigRational>) -> Real {
    let mut parts: Vec<Real> = terms
        .iter()
        .map(|(v, c)| real_from_rational(c) * &vars[*v])
        .collect();
    if let Some(c) = constant {
        parts.push(real_from_rational(c));
    }
    if parts.is_empty() {
        return Real::from_rational(0, 1);
    }
    Real::add(&parts)
}

/// The constraint `post = max(0, pre)`, simplified by the phase the bounds decide; for an
/// unstable ReLU with both bounds known, also the triangle relaxation, which is implied but
/// helps Z3's simplex prune.
fn relu(q: &Query, vars: &[Real], r: &Relu) -> Vec<Bool> {
    let (pre, post) = (&vars[r.pre], &vars[r.post]);
    let zero = Real::from_rational(0, 1);
    match q.phase(r) {
        ReluPhase::Active => vec![post.eq(pre)],
        ReluPhase::Inactive => vec![post.eq(&zero)],
        ReluPhase::Unstable => {
            let mut out = vec![
                post.eq(pre.gt(&zero).ite(pre, &zero)),
                post.ge(&zero),
                post.ge(pre),
            ];
            if let (Some(l), Some(u)) = (&q.lower[r.pre], &q.upper[r.pre]) {
                // post <= u (pre - l) / (u - l), on a rounded-out (wider, so weaker) interval
                let (l, u) = (outward(l, true), outward(u, false));
                let slope = &u / (&u - &l);
                out.push(post.le(real_from_rational(&slope) * (pre - real_from_rational(&l))));
            }
            out
        }
    }
}

/// Asserts the whole query into `solver`; returns the Z3 variable of every query variable.
pub fn encode_query(q: &Query, solver: &Solver) -> Vec<Real> {
    let vars: Vec<Real> = q
        .names
        .iter()
        .map(|n| Real::new_const(n.as_str()))
        .collect();
    for (v, x) in vars.iter().enumerate() {
        // Input bounds are the property's own numbers: exact. Derived bounds: rounded out.
        let is_input = q.inputs.contains(&v);
        if let Some(l) = &q.lower[v] {
            let l = if is_input {
                l.clone()
            } else {
                outward(l, true)
            };
            solver.assert(x.ge(real_from_rational(&l)));
        }
        if let Some(u) = &q.upper[v] {
            let u = if is_input {
                u.clone()
            } else {
                outward(u, false)
            };
            solver.assert(x.le(real_from_rational(&u)));
        }
    }
    for step in &q.steps {
        match step {
            Step::Define(d) => {
                solver.assert(vars[d.var].eq(sum(&vars, &d.terms, Some(&d.constant))))
            }
            Step::Relu(r) => relu(q, &vars, r).iter().for_each(|c| solver.assert(c)),
        }
    }
    for a in &q.atoms {
        let lhs = sum(&vars, &a.terms, None);
        let rhs = real_from_rational(&a.bound);
        solver.assert(match a.relation {
            Relation::Le => lhs.le(&rhs),
            Relation::Ge => lhs.ge(&rhs),
        });
    }
    vars
}
