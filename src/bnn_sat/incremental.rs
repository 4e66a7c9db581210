//! Deciding a sequence of nested input boxes of one binarised network with one output DNF
//! (the probes of a minimal-perturbation search) on one SAT solver: the CNF is built once for
//! a box that contains the later ones, and each smaller box is a set of assumptions that fix
//! the input bits it cannot flip. Boxes that leave few bits free are enumerated instead.
//! A quantised first layer is folded for the kept box (its rules hold in every smaller box).
//! A smaller box whose own CNF is much smaller than the kept one gets a solver of its own
//! (see [`FRESH_IF_SMALLER_BY`]). Answers under assumptions carry no DRAT proof.

use super::encode::{decode, inputs, model_value, Bit, Encoding, Input, Unsupported};
use super::solver::{backend, Answer, Backend};
use super::{
    by_enumeration, confirm, corner_witness, engine_error, enumerable, fold, queries, SatOptions,
    FIRST_LAYER_ABOVE,
};
use crate::bnn::Bnn;
use crate::engine::Budget;
use crate::network::Network;
use crate::spec::{InputBox, Property};
use crate::verify::{Verdict, VerifyError};
use num_rational::BigRational;

/// A box inside the kept one is encoded afresh (and its solver kept instead) when its own CNF
/// has fewer than 1/this of the kept CNF's clauses. Measured on benchmarks/bnn's sparse EEV
/// model: a box of 12 pixel levels solved under assumptions on the CNF of 16 levels took
/// 14.6 s, a fresh CNF of its own a fraction of that; Narodytska's CNFs hardly shrink with the
/// box, so its probes keep one solver.
pub const FRESH_IF_SMALLER_BY: usize = 4;

/// A solver kept between calls, with the box its CNF was built for.
struct Kept {
    region: InputBox,
    encoding: Encoding,
    solver: Box<dyn Backend>,
}

/// Decides properties that differ only in their input box, reusing one solver.
pub struct Incremental<'a> {
    net: &'a Network,
    /// The folded network and the box it is sound over (every box, unless the first layer is
    /// quantised); the kept solver's CNF is built from it.
    bnn: Option<(InputBox, Bnn)>,
    options: SatOptions,
    kept: Option<Kept>,
    /// Solves answered under assumptions by a kept solver, and CNFs built.
    pub reused: usize,
    pub encoded: usize,
    /// Boxes searched by the corner search first.
    pub corner_searches: usize,
}

/// Whether every point of `inner` lies in `outer` (bounds compared exactly).
fn contains(outer: &InputBox, inner: &InputBox) -> bool {
    let below = |o: &Option<BigRational>, i: &Option<BigRational>| match (o, i) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => a <= b,
    };
    let above = |o: &Option<BigRational>, i: &Option<BigRational>| match (o, i) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => a >= b,
    };
    outer
        .lower
        .iter()
        .zip(&inner.lower)
        .all(|(o, i)| below(o, i))
        && outer
            .upper
            .iter()
            .zip(&inner.upper)
            .all(|(o, i)| above(o, i))
}

impl<'a> Incremental<'a> {
    /// For the binarised `net`; `Err` says why it cannot be folded.
    pub fn new(net: &'a Network, options: SatOptions) -> Result<Incremental<'a>, Unsupported> {
        let per_box = crate::bnn::folds_per_box(net);
        let bnn = if per_box {
            None
        } else {
            let all = InputBox::unbounded(net.num_inputs());
            let bnn = fold(net, &all)?;
            Some((all, bnn))
        };
        Ok(Incremental {
            net,
            bnn,
            options: SatOptions {
                keep_proofs: false,
                ..options
            },
            kept: None,
            reused: 0,
            encoded: 0,
            corner_searches: 0,
        })
    }

    /// Decides `property`, which must have one input box and no constraints over several
    /// inputs (else the answer is unknown, with the reason).
    pub fn decide(&mut self, property: &Property, budget: &Budget) -> Result<Verdict, VerifyError> {
        let qs = queries(property);
        let q = match qs.as_slice() {
            [] => return Ok(Verdict::Holds),
            [q] if q.inputs.constraints.is_empty() => q,
            _ => {
                return Ok(Verdict::Unknown(
                    "sat: incremental solving takes one input box".into(),
                ))
            }
        };
        let region = &q.inputs.bounds;
        if !self.bnn.as_ref().is_some_and(|(r, _)| contains(r, region)) {
            // A quantised first layer folded for this box; the kept CNF was built from the
            // old fold, so it goes too.
            self.kept = None;
            self.bnn = None;
            match fold(self.net, region) {
                Ok(b) => self.bnn = Some((region.clone(), b)),
                Err(Unsupported(why)) => return Ok(Verdict::Unknown(why)),
            }
        }
        let Some((_, bnn)) = self.bnn.as_ref() else {
            return Ok(Verdict::Unknown("sat: no folded network".into()));
        };
        let here = match inputs(bnn, region) {
            Ok(i) => i,
            Err(Unsupported(why)) => return Ok(Verdict::Unknown(format!("sat: {why}"))),
        };
        let enumerate = enumerable(&here, &self.options);
        let reusable = self
            .kept
            .as_ref()
            .is_some_and(|k| contains(&k.region, region));
        // A box that is expensive to decide (the dynamic programme, or a new CNF over more
        // inputs than enumeration takes) is first searched for a witness.
        let expensive = if enumerate {
            here.patterns() > 1u64 << FIRST_LAYER_ABOVE
        } else {
            !reusable
        };
        if expensive {
            self.corner_searches += 1;
            let seed = self.corner_searches as u64;
            if let Some(v) = corner_witness(self.net, property, bnn, &here, q, budget, seed)? {
                return Ok(v);
            }
        }
        if enumerate {
            let threads = self.options.threads;
            if let Some(found) = by_enumeration(self.net, property, bnn, &here, q, budget, threads)?
            {
                return Ok(found.verdict);
            }
        }
        let mut reusable = reusable;
        let mut fresh = None;
        if let Some(k) = self.kept.as_ref().filter(|_| reusable) {
            // A box whose own CNF is much smaller than the kept one is encoded afresh.
            let cap = k.encoding.formula.len() / FRESH_IF_SMALLER_BY;
            match Encoding::within(bnn, region, &q.unsafe_outputs, cap) {
                Ok(Some(e)) => {
                    fresh = Some(e);
                    reusable = false;
                }
                Ok(None) => {}
                Err(Unsupported(why)) => return Ok(Verdict::Unknown(format!("sat: {why}"))),
            }
        }
        if reusable {
            self.reused += 1;
        } else {
            let encoding =
                match fresh.map_or_else(|| Encoding::new(bnn, region, &q.unsafe_outputs), Ok) {
                    Ok(e) => e,
                    Err(Unsupported(why)) => return Ok(Verdict::Unknown(format!("sat: {why}"))),
                };
            let mut solver = backend(self.options.solver, false).map_err(engine_error)?;
            solver.add_formula(&encoding.formula);
            self.encoded += 1;
            self.kept = Some(Kept {
                region: region.clone(),
                encoding,
                solver,
            });
        }
        let Some(kept) = self.kept.as_mut() else {
            return Ok(Verdict::Unknown("sat: no solver".into()));
        };
        // Bits this box cannot flip, fixed in the kept CNF.
        let assumptions: Vec<varisat::Lit> = kept
            .encoding
            .inputs
            .bits
            .iter()
            .zip(&here.bits)
            .filter_map(
                |(outer, inner): (&Input, &Input)| match (outer.lit, inner.lit) {
                    (Bit::Var(l), Bit::Const(b)) => Some(if b { l } else { !l }),
                    _ => None,
                },
            )
            .collect();
        match kept
            .solver
            .solve(&assumptions, budget)
            .map_err(engine_error)?
        {
            Answer::Unsat => Ok(Verdict::Holds),
            Answer::Unknown(why) => Ok(Verdict::Unknown(why)),
            Answer::Sat(model) => {
                // The point in this box: each bit free here takes the kept model's value.
                let outer = &kept.encoding.inputs.bits;
                let x = decode(bnn, &here, |j| match (here.bits[j].lit, outer[j].lit) {
                    (Bit::Const(b), _) => b,
                    (_, Bit::Var(l)) => model_value(&model, l),
                    (_, Bit::Const(b)) => b,
                });
                Ok(confirm(self.net, property, q.inputs, &x)?)
            }
        }
    }
}
