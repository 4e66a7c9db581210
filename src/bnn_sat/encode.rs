//! A folded binarised network and one conjunction of output atoms as CNF: input bits fixed or
//! free by the input box, every neuron's bit as a totalizer output over its inputs' literals,
//! and each atom (over one or two logits) as clauses on the logits' unary counts, with the
//! float tail of each logit executed exactly for every count it can take.

use super::totalizer;
use crate::bnn::{Bnn, InputBit, IntegerSum, Logit, Neuron, Rule};
use crate::network::Precision;
use crate::spec::{InputBox, LinearConstraint, OutputConjunction, Relation};
use num_rational::BigRational;
use varisat::{CnfFormula, ExtendFormula, Lit};

/// What the encoding cannot express (yet), said in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

/// A bit of the encoding: fixed by the input box and propagation, or a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bit {
    Const(bool),
    Var(Lit),
}

impl std::ops::Not for Bit {
    type Output = Bit;
    fn not(self) -> Bit {
        match self {
            Bit::Const(b) => Bit::Const(!b),
            Bit::Var(l) => Bit::Var(!l),
        }
    }
}

/// `base + step·L`, where `L` counts the true literals of `free` literals and
/// `outputs[m-1] ⇔ L >= m`.
struct Unary {
    base: i64,
    step: i64,
    free: usize,
    outputs: Vec<Lit>,
}

impl Unary {
    /// `L >= m` as a bit.
    fn at_least(&self, m: i64) -> Bit {
        if m <= 0 {
            Bit::Const(true)
        } else if m as usize > self.free {
            Bit::Const(false)
        } else {
            Bit::Var(self.outputs[m as usize - 1])
        }
    }
}

/// An input bit: the input it reads, the float32 values that input's box holds, the bit, and
/// its literal (or value, when the box fixes it).
#[derive(Debug, Clone, Copy)]
pub struct Input {
    pub input: usize,
    pub lowest: f64,
    pub highest: f64,
    pub bit: InputBit,
    pub lit: Bit,
}

/// The input bits of a query and the float32 range of every input.
#[derive(Debug, Clone)]
pub struct InputBits {
    pub bits: Vec<Input>,
    pub ranges: Vec<(f64, f64)>,
}

impl InputBits {
    /// Bits the box leaves free.
    pub fn free(&self) -> usize {
        self.bits
            .iter()
            .filter(|i| matches!(i.lit, Bit::Var(_)))
            .count()
    }

    /// How many patterns of the free bits some input realises: the product over inputs of
    /// (its free bits + 1), as an input's bits are one bit or order bits (saturating).
    pub fn patterns(&self) -> u64 {
        let mut total: u64 = 1;
        let mut k = 0;
        while k < self.bits.len() {
            let input = self.bits[k].input;
            let mut free = 0u64;
            while k < self.bits.len() && self.bits[k].input == input {
                free += u64::from(matches!(self.bits[k].lit, Bit::Var(_)));
                k += 1;
            }
            total = total.saturating_mul(free + 1);
        }
        total
    }
}

/// How big an encoding came out, after simplification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Size {
    /// Inputs the box leaves free to flip.
    pub free_inputs: usize,
    /// Hidden neurons fixed by the input box (constant propagation).
    pub fixed_neurons: usize,
    pub hidden_neurons: usize,
}

impl std::ops::AddAssign for Size {
    fn add_assign(&mut self, other: Size) {
        self.free_inputs += other.free_inputs;
        self.fixed_neurons += other.fixed_neurons;
        self.hidden_neurons += other.hidden_neurons;
    }
}

/// The input bits the box fixes (`Some`) and leaves free (`None`).
pub(super) fn input_constants(inputs: &InputBits) -> Vec<Option<bool>> {
    inputs
        .bits
        .iter()
        .map(|i| match i.lit {
            Bit::Const(b) => Some(b),
            Bit::Var(_) => None,
        })
        .collect()
}

/// The bits of `layer` that `below` (the layer under it, `None` where free) fixes: a neuron is
/// fixed when its sum's range over the free bits lies on one side of its threshold, the
/// constant propagation the encoding does.
pub(super) fn layer_constants(layer: &[Neuron], below: &[Option<bool>]) -> Vec<Option<bool>> {
    layer
        .iter()
        .map(|n| {
            let (mut low, mut high) = (n.sum.constant, n.sum.constant);
            for &(j, c) in &n.sum.terms {
                match below[j] {
                    Some(true) => (low, high) = (low + c, high + c),
                    Some(false) => {}
                    None => (low, high) = (low + c.min(0), high + c.max(0)),
                }
            }
            let at_low = n.rule.fires(low);
            (at_low == n.rule.fires(high)).then_some(at_low)
        })
        .collect()
}

/// The hidden neurons the box alone fixes ([`layer_constants`] layer by layer): [`Size`] of a
/// query that is enumerated rather than encoded.
pub fn fixed_by_box(bnn: &Bnn, inputs: &InputBits) -> Size {
    let mut size = Size {
        free_inputs: inputs.free(),
        ..Size::default()
    };
    let mut bits = input_constants(inputs);
    for layer in &bnn.hidden {
        bits = layer_constants(layer, &bits);
        size.hidden_neurons += bits.len();
        size.fixed_neurons += bits.iter().filter(|b| b.is_some()).count();
    }
    size
}

/// The CNF of one query, and how to read an input point off a model.
pub struct Encoding {
    pub formula: CnfFormula,
    pub inputs: InputBits,
    pub size: Size,
    /// Literals a clause is guarded by (`¬g ∨ clause`), while an output disjunct is added.
    guard: Option<Lit>,
}

/// Longest list of literals one weighted sum may expand to (each literal repeated |c|/g
/// times, for g the gcd of the coefficients).
const MAX_EXPANDED: usize = 1 << 20;

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

fn floor_div(a: i64, d: i64) -> i64 {
    a.div_euclid(d)
}

fn ceil_div(a: i64, d: i64) -> i64 {
    -(-a).div_euclid(d)
}

/// The input bits of `bnn` over `region`: each bit fixed when its input's float32 range cannot
/// flip it; the free ones get variables 1, 2, ... (indices 0, 1, ...) in bit order, as
/// [`Encoding::new`] numbers them.
pub fn inputs(bnn: &Bnn, region: &InputBox) -> Result<InputBits, Unsupported> {
    let ranges = crate::bnn::float_box(region).map_err(|i| {
        Unsupported(format!(
            "input {i}: its interval holds no finite float32 number"
        ))
    })?;
    let mut next = 0;
    let mut bits = Vec::with_capacity(bnn.inputs.len());
    for (bit, &input) in bnn.inputs.iter().zip(&bnn.bit_input) {
        let (lowest, highest) = ranges[input];
        let (a, b) = (bit.fires(lowest), bit.fires(highest));
        let lit = if a == b {
            Bit::Const(a)
        } else {
            next += 1;
            Bit::Var(Lit::from_index(next - 1, true))
        };
        bits.push(Input {
            input,
            lowest,
            highest,
            bit: *bit,
            lit,
        });
    }
    Ok(InputBits { bits, ranges })
}

/// The value of `l` in a model (every variable's value, by index; missing ones false).
pub(crate) fn model_value(model: &[bool], l: Lit) -> bool {
    model.get(l.index()).copied().unwrap_or(false) == l.is_positive()
}

/// The input point where bit `j` has the value `value(j)` (see [`Bnn::point`]).
pub fn decode(bnn: &Bnn, inputs: &InputBits, value: impl Fn(usize) -> bool) -> Vec<f64> {
    bnn.point(&inputs.ranges, value)
}

impl Encoding {
    /// Adds `clause` (guarded while an output disjunct is being added); a true bit satisfies
    /// it, false bits drop out.
    fn clause(&mut self, bits: &[Bit]) {
        let mut lits = Vec::with_capacity(bits.len() + 1);
        for b in bits {
            match *b {
                Bit::Const(true) => return,
                Bit::Const(false) => {}
                Bit::Var(l) => lits.push(l),
            }
        }
        if let Some(g) = self.guard {
            lits.push(!g);
        }
        self.formula.add_clause(&lits);
    }

    /// The free literals of `sum` over `bits` (each repeated |c|/g times, negated for c < 0),
    /// with the fixed ones folded into the base.
    fn literals(
        &self,
        sum: &IntegerSum,
        bits: &[Bit],
    ) -> Result<(i64, i64, Vec<Lit>), Unsupported> {
        let step = sum.terms.iter().fold(0, |g, (_, c)| gcd(g, *c)).max(1);
        let mut base = sum.constant;
        let mut lits = Vec::new();
        for &(j, c) in &sum.terms {
            // c·b = c + |c|·¬b for c < 0.
            let (bit, reps) = if c > 0 {
                (bits[j], c / step)
            } else {
                base += c;
                (!bits[j], -c / step)
            };
            match bit {
                Bit::Const(true) => base += reps * step,
                Bit::Const(false) => {}
                Bit::Var(l) => {
                    if lits.len() + reps as usize > MAX_EXPANDED {
                        return Err(Unsupported(format!(
                            "a neuron's weighted sum expands to more than {MAX_EXPANDED} literals"
                        )));
                    }
                    lits.extend(std::iter::repeat_n(l, reps as usize));
                }
            }
        }
        Ok((base, step, lits))
    }

    /// A full unary count of `sum` (for logits, whose every value matters).
    fn unary(&mut self, sum: &IntegerSum, bits: &[Bit]) -> Result<Unary, Unsupported> {
        let (base, step, lits) = self.literals(sum, bits)?;
        let outputs = totalizer::count(&mut self.formula, &lits);
        Ok(Unary {
            base,
            step,
            free: lits.len(),
            outputs,
        })
    }

    /// A hidden neuron's bit: a constant when the free literals cannot cross its threshold,
    /// otherwise a totalizer capped at the threshold (over the negated literals when that cap
    /// is smaller).
    fn neuron(&mut self, sum: &IntegerSum, rule: Rule, bits: &[Bit]) -> Result<Bit, Unsupported> {
        let (base, step, lits) = self.literals(sum, bits)?;
        let n = lits.len() as i64;
        // The bit is (L >= m), negated when `flip`.
        let (m, flip) = match rule {
            Rule::Always(b) => return Ok(Bit::Const(b)),
            Rule::AtLeast(k) => (ceil_div(k - base, step), false),
            Rule::AtMost(k) => (floor_div(k - base, step) + 1, true),
        };
        let bit = if m <= 0 {
            Bit::Const(true)
        } else if m > n {
            Bit::Const(false)
        } else if m <= n - m + 1 {
            let out = totalizer::count_up_to(&mut self.formula, &lits, m as usize);
            Bit::Var(out[m as usize - 1])
        } else {
            // L >= m ⇔ (n − L) <= n − m ⇔ ¬(at least n − m + 1 negated literals).
            let cap = (n - m + 1) as usize;
            let negated: Vec<Lit> = lits.iter().map(|l| !*l).collect();
            let out = totalizer::count_up_to(&mut self.formula, &negated, cap);
            Bit::Var(!out[cap - 1])
        };
        Ok(if flip { !bit } else { bit })
    }

    /// Encodes "some input in `region` gives outputs satisfying every atom of some conjunction
    /// of `unsafe_`" (one selector literal per conjunction when there are several).
    pub fn new(
        bnn: &Bnn,
        region: &InputBox,
        unsafe_: &[&OutputConjunction],
    ) -> Result<Encoding, Unsupported> {
        Encoding::within(bnn, region, unsafe_, usize::MAX)?
            .ok_or_else(|| Unsupported("internal error: an encoding without a size limit".into()))
    }

    /// As [`Encoding::new`], but gives up (`None`) as soon as the hidden layers alone take
    /// more than `max_clauses` clauses: the cheap way to ask whether a query's CNF is small.
    pub fn within(
        bnn: &Bnn,
        region: &InputBox,
        unsafe_: &[&OutputConjunction],
        max_clauses: usize,
    ) -> Result<Option<Encoding>, Unsupported> {
        if bnn.precision != Precision::F32 {
            return Err(Unsupported(
                "the SAT engine reads float32 binarised networks only".into(),
            ));
        }
        let inputs = inputs(bnn, region)?;
        let mut enc = Encoding {
            formula: CnfFormula::new(),
            size: Size::default(),
            guard: None,
            inputs,
        };
        enc.size.free_inputs = enc.inputs.free();
        enc.formula.set_var_count(enc.size.free_inputs);
        let mut bits: Vec<Bit> = enc.inputs.bits.iter().map(|i| i.lit).collect();
        // The order bits of one quantised input: [q >= k + 1] implies [q >= k].
        for j in 1..bits.len() {
            if bnn.bit_input[j] == bnn.bit_input[j - 1] {
                enc.clause(&[!bits[j], bits[j - 1]]);
            }
        }
        for layer in &bnn.hidden {
            let mut next = Vec::with_capacity(layer.len());
            for n in layer {
                let bit = enc.neuron(&n.sum, n.rule, &bits)?;
                if enc.formula.len() > max_clauses {
                    return Ok(None);
                }
                enc.size.hidden_neurons += 1;
                if matches!(bit, Bit::Const(_)) {
                    enc.size.fixed_neurons += 1;
                }
                next.push(bit);
            }
            bits = next;
        }
        let logits: Vec<Unary> = bnn
            .logits
            .iter()
            .map(|l| enc.unary(&l.sum, &bits))
            .collect::<Result<_, _>>()?;
        match unsafe_ {
            [] => enc.formula.add_clause(&[]),
            [one] => {
                for atom in &one.atoms {
                    enc.atom(bnn, &logits, atom)?;
                }
            }
            several => {
                let selectors: Vec<Lit> = several.iter().map(|_| enc.formula.new_lit()).collect();
                enc.formula.add_clause(&selectors);
                for (conj, s) in several.iter().zip(&selectors) {
                    enc.guard = Some(*s);
                    for atom in &conj.atoms {
                        enc.atom(bnn, &logits, atom)?;
                    }
                }
                enc.guard = None;
            }
        }
        Ok(Some(enc))
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
                    self.clause(&[]);
                }
            }
            [a] => {
                let (l, u) = (&bnn.logits[*a], &logits[*a]);
                let set: Vec<usize> = (0..=u.free)
                    .filter(|&m| holds(&[(*a, value(l, u, m))]))
                    .collect();
                match interval(&set)? {
                    None => self.clause(&[]),
                    Some((lo, hi)) => {
                        let ge = u.at_least(lo as i64);
                        let gt = u.at_least(hi as i64 + 1);
                        self.clause(&[ge]);
                        self.clause(&[!gt]);
                    }
                }
            }
            [a, b] => {
                let (la, ua) = (&bnn.logits[*a], &logits[*a]);
                let (lb, ub) = (&bnn.logits[*b], &logits[*b]);
                for v in 0..=ub.free {
                    let yb = value(lb, ub, v);
                    let set: Vec<usize> = (0..=ua.free)
                        .filter(|&m| holds(&[(*a, value(la, ua, m)), (*b, yb.clone())]))
                        .collect();
                    // [L_b = v] → L_a in the set.
                    let not_v = [!ub.at_least(v as i64), ub.at_least(v as i64 + 1)];
                    match interval(&set)? {
                        None => self.clause(&not_v),
                        Some((lo, hi)) => {
                            let ge = ua.at_least(lo as i64);
                            let gt = ua.at_least(hi as i64 + 1);
                            self.clause(&[not_v[0], not_v[1], ge]);
                            self.clause(&[not_v[0], not_v[1], !gt]);
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

    /// The input point a model (every variable's value, by index) stands for (see
    /// [`decode`]).
    pub fn decode(&self, bnn: &Bnn, model: &[bool]) -> Vec<f64> {
        decode(bnn, &self.inputs, |j| match self.inputs.bits[j].lit {
            Bit::Const(b) => b,
            Bit::Var(l) => model_value(model, l),
        })
    }
}
