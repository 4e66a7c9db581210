//! A folded binarised network and one conjunction of output atoms as CNF: input bits fixed or
//! free by the input box, every neuron's bit as a totalizer output over its inputs' literals,
//! and each atom (over one or two logits) as clauses on the logits' unary counts, with the
//! float tail of each logit executed exactly for every count it can take.

use super::totalizer;
use crate::bnn::{Bnn, InputBit, IntegerSum, Logit, Rule};
use crate::network::Precision;
use crate::spec::{InputBox, LinearConstraint, OutputConjunction, Relation};
use num_rational::BigRational;
use varisat::{CnfFormula, ExtendFormula, Lit};

/// What the encoding cannot express (yet), said in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

/// `base + step·L`, where `L` counts the true literals and `outputs[m-1] ⇔ L >= m`.
struct Unary {
    base: i64,
    step: i64,
    outputs: Vec<Lit>,
}

/// An input: the float32 values its box holds, and its literal.
#[derive(Debug, Clone, Copy)]
pub struct Input {
    pub lowest: f64,
    pub highest: f64,
    pub bit: InputBit,
    pub lit: Lit,
}

/// The CNF of one query, and how to read an input point off a model.
pub struct Encoding {
    pub formula: CnfFormula,
    pub inputs: Vec<Input>,
    truth: Lit,
}

fn floor_div(a: i64, d: i64) -> i64 {
    a.div_euclid(d)
}

fn ceil_div(a: i64, d: i64) -> i64 {
    -(-a).div_euclid(d)
}

/// The float32 values in `[lo, hi]`: the least and the greatest (unbounded sides give the
/// float32 extremes); `None` when there is none.
pub(crate) fn f32_range(lo: Option<&BigRational>, hi: Option<&BigRational>) -> Option<(f64, f64)> {
    let exact = |v: f32| BigRational::from_float(v);
    let low = match lo {
        None => f32::MIN,
        Some(l) => {
            let mut x = crate::spec::to_f64(l) as f32;
            while exact(x).is_some_and(|v| v < *l) {
                x = x.next_up();
            }
            x
        }
    };
    let high = match hi {
        None => f32::MAX,
        Some(h) => {
            let mut x = crate::spec::to_f64(h) as f32;
            while exact(x).is_some_and(|v| v > *h) {
                x = x.next_down();
            }
            x
        }
    };
    (low.is_finite() && high.is_finite() && low <= high).then(|| (f64::from(low), f64::from(high)))
}

impl Encoding {
    fn at_least(&self, u: &Unary, m: i64) -> Lit {
        if m <= 0 {
            self.truth
        } else if m as usize > u.outputs.len() {
            !self.truth
        } else {
            u.outputs[m as usize - 1]
        }
    }

    fn unary(&mut self, sum: &IntegerSum, bits: &[Lit]) -> Result<Unary, Unsupported> {
        let step = sum.terms.first().map_or(1, |(_, c)| c.abs());
        if let Some((j, c)) = sum.terms.iter().find(|(_, c)| c.abs() != step) {
            return Err(Unsupported(format!(
                "a neuron weighs input {j} by {c} and others by {step}: only sums with one \
                 coefficient size are encoded"
            )));
        }
        let mut base = sum.constant;
        let lits: Vec<Lit> = sum
            .terms
            .iter()
            .map(|&(j, c)| {
                if c > 0 {
                    bits[j]
                } else {
                    base += c; // c·b = c + |c|·¬b
                    !bits[j]
                }
            })
            .collect();
        let outputs = totalizer::count(&mut self.formula, &lits);
        Ok(Unary {
            base,
            step,
            outputs,
        })
    }

    /// Encodes "some input in `region` gives outputs satisfying every atom of `unsafe_`".
    pub fn new(
        bnn: &Bnn,
        region: &InputBox,
        unsafe_: &OutputConjunction,
    ) -> Result<Encoding, Unsupported> {
        if bnn.precision != Precision::F32 {
            return Err(Unsupported(
                "the SAT engine reads float32 binarised networks only".into(),
            ));
        }
        let mut formula = CnfFormula::new();
        let truth = formula.new_lit();
        formula.add_clause(&[truth]);
        let mut enc = Encoding {
            formula,
            inputs: Vec::new(),
            truth,
        };
        for (i, bit) in bnn.inputs.iter().enumerate() {
            let Some((lowest, highest)) =
                f32_range(region.lower[i].as_ref(), region.upper[i].as_ref())
            else {
                return Err(Unsupported(format!(
                    "input {i}: its interval holds no finite float32 number"
                )));
            };
            let (a, b) = (bit.fires(lowest), bit.fires(highest));
            let lit = if a == b {
                if a {
                    truth
                } else {
                    !truth
                }
            } else {
                enc.formula.new_lit()
            };
            enc.inputs.push(Input {
                lowest,
                highest,
                bit: *bit,
                lit,
            });
        }
        let mut bits: Vec<Lit> = enc.inputs.iter().map(|i| i.lit).collect();
        for layer in &bnn.hidden {
            let mut next = Vec::with_capacity(layer.len());
            for n in layer {
                let u = enc.unary(&n.sum, &bits)?;
                let lit = match n.rule {
                    Rule::Always(b) => {
                        if b {
                            truth
                        } else {
                            !truth
                        }
                    }
                    Rule::AtLeast(k) => enc.at_least(&u, ceil_div(k - u.base, u.step)),
                    Rule::AtMost(k) => !enc.at_least(&u, floor_div(k - u.base, u.step) + 1),
                };
                next.push(lit);
            }
            bits = next;
        }
        let logits: Vec<Unary> = bnn
            .logits
            .iter()
            .map(|l| enc.unary(&l.sum, &bits))
            .collect::<Result<_, _>>()?;
        for atom in &unsafe_.atoms {
            enc.atom(bnn, &logits, atom)?;
        }
        Ok(enc)
    }

    /// One atom over at most two logits.
    fn atom(
        &mut self,
        bnn: &Bnn,
        logits: &[Unary],
        atom: &LinearConstraint,
    ) -> Result<(), Unsupported> {
        let outs: Vec<usize> = atom.terms().iter().map(|(j, _)| *j).collect();
        let value = |l: &Logit, u: &Unary, count: usize| -> BigRational {
            let p = u.base + u.step * count as i64;
            let z = crate::bnn::add(p as f64, l.bias, bnn.precision);
            let y = l.chain.apply(z, bnn.precision);
            BigRational::from_float(y).unwrap_or_default()
        };
        let holds = |ys: &[(usize, BigRational)]| -> bool {
            let lhs: BigRational = atom
                .terms()
                .iter()
                .map(|(j, c)| {
                    let y = ys
                        .iter()
                        .find(|(k, _)| k == j)
                        .map(|(_, y)| y.clone())
                        .unwrap_or_default();
                    c * y
                })
                .sum();
            match atom.relation() {
                Relation::Le => lhs <= *atom.bound(),
                Relation::Ge => lhs >= *atom.bound(),
            }
        };
        let interval = |set: &[usize]| -> Result<Option<(usize, usize)>, Unsupported> {
            match (set.first(), set.last()) {
                (Some(&a), Some(&b)) if b - a + 1 == set.len() => Ok(Some((a, b))),
                (None, _) => Ok(None),
                _ => Err(Unsupported(
                    "an output atom whose solutions are not an interval".into(),
                )),
            }
        };
        match outs.as_slice() {
            [] => {
                if !holds(&[]) {
                    self.formula.add_clause(&[]);
                }
            }
            [a] => {
                let (l, u) = (&bnn.logits[*a], &logits[*a]);
                let set: Vec<usize> = (0..=u.outputs.len())
                    .filter(|&m| holds(&[(*a, value(l, u, m))]))
                    .collect();
                match interval(&set)? {
                    None => self.formula.add_clause(&[]),
                    Some((lo, hi)) => {
                        let ge = self.at_least(u, lo as i64);
                        let gt = self.at_least(u, hi as i64 + 1);
                        self.formula.add_clause(&[ge]);
                        self.formula.add_clause(&[!gt]);
                    }
                }
            }
            [a, b] => {
                let (la, ua) = (&bnn.logits[*a], &logits[*a]);
                let (lb, ub) = (&bnn.logits[*b], &logits[*b]);
                for v in 0..=ub.outputs.len() {
                    let yb = value(lb, ub, v);
                    let set: Vec<usize> = (0..=ua.outputs.len())
                        .filter(|&m| holds(&[(*a, value(la, ua, m)), (*b, yb.clone())]))
                        .collect();
                    // [L_b = v] → L_a in the set.
                    let is_v = [
                        !self.at_least(ub, v as i64),
                        self.at_least(ub, v as i64 + 1),
                    ];
                    match interval(&set)? {
                        None => self.formula.add_clause(&is_v),
                        Some((lo, hi)) => {
                            let ge = self.at_least(ua, lo as i64);
                            let gt = self.at_least(ua, hi as i64 + 1);
                            self.formula.add_clause(&[is_v[0], is_v[1], ge]);
                            self.formula.add_clause(&[is_v[0], is_v[1], !gt]);
                        }
                    }
                }
            }
            _ => {
                return Err(Unsupported(format!(
                    "an output atom over {} logits; the SAT engine encodes atoms over one or two",
                    outs.len()
                )))
            }
        }
        Ok(())
    }

    /// The input point a model stands for: each free input at the end of its range where its
    /// bit has the model's value, each fixed one at its lowest value.
    pub fn decode(&self, model: &[Lit]) -> Vec<f64> {
        self.inputs
            .iter()
            .map(|i| {
                let want = model.contains(&i.lit);
                if i.lit == self.truth || i.lit == !self.truth {
                    i.lowest
                } else if i.bit.fires(i.highest) == want {
                    i.highest
                } else {
                    i.lowest
                }
            })
            .collect()
    }
}
