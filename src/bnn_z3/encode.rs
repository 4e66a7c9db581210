//! A folded binarised network and one conjunction of output atoms as a Z3 problem, built
//! without the CNF encoding: a Bool per free input bit (the order bits of a quantised input
//! chained by implications), each neuron's bit equivalent to a
//! pseudo-Boolean constraint over the previous bits, each logit a real tied to the exact value
//! of its float tail at every integer its sum can take, and each atom linear over those reals.

use crate::bnn::{next_down, next_up, Bnn, InputBit, IntegerSum, Logit, Rule};
use crate::network::Precision;
use crate::smt_z3::real_from_rational;
use crate::spec::{InputBox, LinearConstraint, OutputConjunction, Relation};
use num_rational::BigRational;
use z3::ast::{Bool, Real};
use z3::{Model, Solver};

/// Most integer values one logit's table lists: a logit's sum over n bits with coefficients
/// in {−2, …, 2} takes at most 4n + 1 values, so this admits layers far wider than BNNs
/// verified by search; wider sums would make the table, not the search, the cost.
const MAX_TABLE: i64 = 1 << 14;

/// What the encoding cannot express, said in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

/// An input bit: the float32 values its input's box holds, the bit, and the Bool of a free bit
/// (`None` when the box fixes the bit).
#[derive(Debug)]
pub struct Input {
    pub lowest: f64,
    pub highest: f64,
    pub bit: InputBit,
    pub var: Option<Bool>,
}

/// An integer sum over the previous layer's bits as Z3 sees it: `constant + Σ c·lit` with
/// every `c > 0` (a negative weight on `b` is `c + |c|·¬b`) and known bits folded into the
/// constant.
struct PseudoBoolean {
    constant: i64,
    terms: Vec<(Bool, i32)>,
}

impl PseudoBoolean {
    fn of(sum: &IntegerSum, bits: &[Bool]) -> Result<PseudoBoolean, Unsupported> {
        let mut constant = sum.constant;
        let mut terms = Vec::with_capacity(sum.terms.len());
        for &(j, c) in &sum.terms {
            let (lit, c) = match bits[j].as_bool() {
                Some(b) => {
                    constant += if b { c } else { 0 };
                    continue;
                }
                None if c > 0 => (bits[j].clone(), c),
                None => {
                    constant += c;
                    (bits[j].not(), -c)
                }
            };
            let c = i32::try_from(c).map_err(|_| {
                Unsupported(format!(
                    "a coefficient {c} does not fit Z3's 32-bit PB terms"
                ))
            })?;
            terms.push((lit, c));
        }
        Ok(PseudoBoolean { constant, terms })
    }

    /// `sum >= k`, folded to a constant when the terms decide it.
    fn at_least(&self, k: i64) -> Result<Bool, Unsupported> {
        let need = k - self.constant;
        let most: i64 = self.terms.iter().map(|(_, c)| i64::from(*c)).sum();
        if need <= 0 {
            return Ok(Bool::from_bool(true));
        }
        if need > most {
            return Ok(Bool::from_bool(false));
        }
        let refs: Vec<(&Bool, i32)> = self.terms.iter().map(|(b, c)| (b, *c)).collect();
        Ok(Bool::pb_ge(&refs, to_i32(need)?))
    }

    /// `sum == v`.
    fn equals(&self, v: i64) -> Result<Bool, Unsupported> {
        if self.terms.is_empty() {
            return Ok(Bool::from_bool(v == self.constant));
        }
        let refs: Vec<(&Bool, i32)> = self.terms.iter().map(|(b, c)| (b, *c)).collect();
        Ok(Bool::pb_eq(&refs, to_i32(v - self.constant)?))
    }

    /// The integers the sum can take, as an arithmetic progression from the least to the
    /// greatest: every value it takes is in it (not every value in it need be taken).
    fn values(&self) -> impl Iterator<Item = i64> {
        let step = self
            .terms
            .iter()
            .fold(0i64, |g, (_, c)| gcd(g, i64::from(*c)))
            .max(1);
        let most: i64 = self.terms.iter().map(|(_, c)| i64::from(*c)).sum();
        let constant = self.constant;
        (0..=most / step).map(move |m| constant + m * step)
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn to_i32(k: i64) -> Result<i32, Unsupported> {
    i32::try_from(k).map_err(|_| {
        Unsupported(format!(
            "a threshold {k} does not fit Z3's 32-bit PB bounds"
        ))
    })
}

/// The input bits of one encoded query and each input's float32 range, to read an input point
/// off a model.
pub struct Encoding {
    pub inputs: Vec<Input>,
    pub ranges: Vec<(f64, f64)>,
}

impl Encoding {
    /// Asserts into `solver` "some input in `region` gives outputs satisfying every atom of
    /// `unsafe_`" for the folded `bnn`.
    pub fn new(
        bnn: &Bnn,
        region: &InputBox,
        unsafe_: &OutputConjunction,
        solver: &Solver,
    ) -> Result<Encoding, Unsupported> {
        Encoding::constrained(bnn, region, &[], unsafe_, solver)
    }

    /// As [`Encoding::new`], with input constraints over several inputs: each input they
    /// mention is a real in its float32 range, at or above a set bit's threshold and at or
    /// below the float32 number under an unset one's (the input's cell, over the reals), and
    /// the constraints are linear over those reals.
    pub fn constrained(
        bnn: &Bnn,
        region: &InputBox,
        constraints: &[LinearConstraint],
        unsafe_: &OutputConjunction,
        solver: &Solver,
    ) -> Result<Encoding, Unsupported> {
        if bnn.precision != Precision::F32 {
            return Err(Unsupported(
                "the Z3 BNN engine reads float32 binarised networks only".into(),
            ));
        }
        let ranges = crate::bnn::float_box(region).map_err(|i| {
            Unsupported(format!(
                "input {i}: its interval holds no finite float32 number"
            ))
        })?;
        let mut inputs: Vec<Input> = Vec::with_capacity(bnn.inputs.len());
        for (j, (bit, &i)) in bnn.inputs.iter().zip(&bnn.bit_input).enumerate() {
            let (lowest, highest) = ranges[i];
            // A monotone threshold: the bit is free exactly when the ends disagree.
            let var = (bit.fires(lowest) != bit.fires(highest))
                .then(|| Bool::new_const(format!("x{i}_{j}")));
            // Order bits of one input: [q >= k + 1] implies [q >= k].
            if let (Some(v), Some(prev)) = (&var, inputs.last()) {
                if bnn.bit_input[j - 1] == i {
                    let before = prev
                        .var
                        .clone()
                        .unwrap_or_else(|| Bool::from_bool(prev.bit.fires(prev.lowest)));
                    solver.assert(v.implies(&before));
                }
            }
            inputs.push(Input {
                lowest,
                highest,
                bit: *bit,
                var,
            });
        }
        input_constraints(bnn, &inputs, &ranges, constraints, solver);
        let mut bits: Vec<Bool> = inputs
            .iter()
            .map(|i| {
                i.var
                    .clone()
                    .unwrap_or_else(|| Bool::from_bool(i.bit.fires(i.lowest)))
            })
            .collect();
        for (l, layer) in bnn.hidden.iter().enumerate() {
            let mut next = Vec::with_capacity(layer.len());
            for (r, n) in layer.iter().enumerate() {
                let pb = PseudoBoolean::of(&n.sum, &bits)?;
                let fires = match n.rule {
                    Rule::Always(b) => Bool::from_bool(b),
                    Rule::AtLeast(k) => pb.at_least(k)?,
                    Rule::AtMost(k) => pb.at_least(k + 1)?.not(),
                };
                next.push(if fires.as_bool().is_some() {
                    fires
                } else {
                    let h = Bool::new_const(format!("h{l}_{r}"));
                    solver.assert(h.iff(&fires));
                    h
                });
            }
            bits = next;
        }
        let mut logits: Vec<Option<Real>> = vec![None; bnn.logits.len()];
        for atom in &unsafe_.atoms {
            for (j, _) in atom.terms() {
                if logits[*j].is_none() {
                    logits[*j] = Some(logit(bnn, &bnn.logits[*j], *j, &bits, solver)?);
                }
            }
            solver.assert(linear_atom(atom, &logits));
        }
        Ok(Encoding { inputs, ranges })
    }

    /// The input point a model stands for (see [`Bnn::point`]).
    pub fn decode(&self, bnn: &Bnn, model: &Model) -> Vec<f64> {
        bnn.point(&self.ranges, |j| {
            let i = &self.inputs[j];
            match &i.var {
                None => i.bit.fires(i.lowest),
                Some(b) => model.eval(b, true).and_then(|v| v.as_bool()) == Some(true),
            }
        })
    }
}

/// Asserts `constraints` over reals for the inputs they mention, each tied to its bits.
fn input_constraints(
    bnn: &Bnn,
    inputs: &[Input],
    ranges: &[(f64, f64)],
    constraints: &[LinearConstraint],
    solver: &Solver,
) {
    if constraints.is_empty() {
        return;
    }
    let exact = |v: f64| real_from_rational(&BigRational::from_float(v).unwrap_or_default());
    let mut x: Vec<Option<Real>> = vec![None; ranges.len()];
    for c in constraints {
        for (i, _) in c.terms() {
            if x[*i].is_none() {
                let v = Real::new_const(format!("in{i}"));
                solver.assert(v.ge(exact(ranges[*i].0)));
                solver.assert(v.le(exact(ranges[*i].1)));
                x[*i] = Some(v);
            }
        }
    }
    for (j, input) in inputs.iter().enumerate() {
        let (Some(v), Some(b)) = (&x[bnn.bit_input[j]], &input.var) else {
            continue; // unconstrained, or fixed by the box (which the range already says)
        };
        match input.bit {
            InputBit::AtLeast(t) => {
                solver.assert(b.implies(v.ge(exact(t))));
                solver.assert(b.not().implies(v.le(exact(next_down(t, bnn.precision)))));
            }
            InputBit::AtMost(t) => {
                solver.assert(b.implies(v.le(exact(t))));
                solver.assert(b.not().implies(v.ge(exact(next_up(t, bnn.precision)))));
            }
            InputBit::Always(_) => {}
        }
    }
    for c in constraints {
        let parts: Vec<Real> = c
            .terms()
            .iter()
            .filter_map(|(i, a)| x[*i].as_ref().map(|v| real_from_rational(a) * v))
            .collect();
        let lhs = Real::add(&parts);
        let rhs = real_from_rational(c.bound());
        solver.assert(match c.relation() {
            Relation::Le => lhs.le(&rhs),
            Relation::Ge => lhs.ge(&rhs),
        });
    }
}

/// The value of every input bit in `model`.
pub fn bit_values(inputs: &[Input], model: &Model) -> Vec<bool> {
    inputs
        .iter()
        .map(|i| match &i.var {
            None => i.bit.fires(i.lowest),
            Some(b) => model.eval(b, true).and_then(|v| v.as_bool()) == Some(true),
        })
        .collect()
}

/// Logit `j` as a Z3 real: for every integer `v` its sum can take, `sum = v → Y_j = y(v)`,
/// where `y(v)` is the float tail (bias, elementwise steps) executed in float32 on `v`, read
/// exactly; and `Y_j` between the least and greatest `y(v)`, which that implies but which
/// lets the arithmetic solver prune before the bits are set.
fn logit(
    bnn: &Bnn,
    l: &Logit,
    j: usize,
    bits: &[Bool],
    solver: &Solver,
) -> Result<Real, Unsupported> {
    let pb = PseudoBoolean::of(&l.sum, bits)?;
    let most: i64 = pb.terms.iter().map(|(_, c)| i64::from(*c)).sum();
    if most > MAX_TABLE {
        return Err(Unsupported(format!(
            "logit {j}'s sum spans {most} values; the Z3 BNN engine tabulates at most {MAX_TABLE}"
        )));
    }
    let y = Real::new_const(format!("y{j}"));
    let mut range: Option<(BigRational, BigRational)> = None;
    for v in pb.values() {
        let z = crate::bnn::add(v as f64, l.bias, bnn.precision);
        let out = l.chain.apply(z, bnn.precision);
        let exact = BigRational::from_float(out).ok_or_else(|| {
            Unsupported(format!("logit {j} is {out} when its integer sum is {v}"))
        })?;
        solver.assert(pb.equals(v)?.implies(y.eq(real_from_rational(&exact))));
        range = Some(match range {
            None => (exact.clone(), exact),
            Some((lo, hi)) => (lo.min(exact.clone()), hi.max(exact)),
        });
    }
    if let Some((lo, hi)) = range {
        solver.assert(y.ge(real_from_rational(&lo)));
        solver.assert(y.le(real_from_rational(&hi)));
    }
    Ok(y)
}

/// `Σ c_j·Y_j (relation) bound` over the logits' reals (each term's logit already encoded).
fn linear_atom(atom: &LinearConstraint, logits: &[Option<Real>]) -> Bool {
    let parts: Vec<Real> = atom
        .terms()
        .iter()
        .filter_map(|(j, c)| logits[*j].as_ref().map(|y| real_from_rational(c) * y))
        .collect();
    let lhs = if parts.is_empty() {
        Real::from_rational(0, 1)
    } else {
        Real::add(&parts)
    };
    let rhs = real_from_rational(atom.bound());
    match atom.relation() {
        Relation::Le => lhs.le(&rhs),
        Relation::Ge => lhs.ge(&rhs),
    }
}
