//! Binarised networks folded to integers: each hidden neuron becomes "its integer dot product
//! with the previous bits is at least (or at most) k", with k found by executing the float
//! computation between the dot product and the sign (bias, BatchNorm, comparison) on every
//! integer the dot product can take, so the integer network agrees with float32 execution on
//! every input, BatchNorm thresholds included (a real-valued threshold rounded the wrong way is
//! how verifiers get BNNs wrong). This is what a SAT encoding of the network builds on.

mod chain;
mod input_bit;

pub use chain::{add, Chain};
pub use input_bit::InputBit;

use crate::network::{LayerKind, Network, Precision};
use chain::round;

/// Why a network cannot be folded into a [`Bnn`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("layer {layer} ({origin}): {problem}")]
pub struct NotBinarised {
    pub layer: usize,
    pub origin: String,
    pub problem: String,
}

/// When a neuron's bit is set, as a function of its integer pre-activation `p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    AtLeast(i64),
    AtMost(i64),
    Always(bool),
}

impl Rule {
    pub fn fires(&self, p: i64) -> bool {
        match *self {
            Rule::AtLeast(k) => p >= k,
            Rule::AtMost(k) => p <= k,
            Rule::Always(b) => b,
        }
    }
}

/// An integer linear form over the previous layer's bits: `constant + Σ coefficient·bit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegerSum {
    pub constant: i64,
    /// (bit index in the previous layer, coefficient), nonzero coefficients only.
    pub terms: Vec<(usize, i64)>,
}

impl IntegerSum {
    pub fn value(&self, bits: &[bool]) -> i64 {
        self.constant
            + self
                .terms
                .iter()
                .filter(|(j, _)| bits[*j])
                .map(|(_, c)| c)
                .sum::<i64>()
    }

    /// The least and greatest values over all bits.
    pub fn range(&self) -> (i64, i64) {
        let neg: i64 = self.terms.iter().map(|(_, c)| c.min(&0)).sum();
        let pos: i64 = self.terms.iter().map(|(_, c)| c.max(&0)).sum();
        (self.constant + neg, self.constant + pos)
    }
}

/// A hidden binarised neuron: its sum and when its bit is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neuron {
    pub sum: IntegerSum,
    pub rule: Rule,
}

/// An output (logit): `chain(fl(sum + bias))` in the network's precision.
#[derive(Debug, Clone, PartialEq)]
pub struct Logit {
    pub sum: IntegerSum,
    pub bias: f64,
    pub chain: Chain,
}

/// A binarised network folded to integers.
#[derive(Debug, Clone, PartialEq)]
pub struct Bnn {
    pub inputs: Vec<InputBit>,
    pub hidden: Vec<Vec<Neuron>>,
    pub logits: Vec<Logit>,
    pub precision: Precision,
}

/// Largest |dot product| folded (float32 adds integers exactly below 2^24).
const MAX_SUM: i64 = 1 << 22;

/// The layers of `net` from `start`: the elementwise ones up to the next other layer, as one
/// chain per element.
fn chain_from(net: &Network, start: usize, width: usize) -> (Vec<Chain>, usize) {
    let mut chains = vec![Chain { steps: vec![] }; width];
    let mut k = start;
    while let Some(LayerKind::Elementwise(e)) = net.layers().get(k).map(|l| &l.kind) {
        for (c, v) in chains.iter_mut().zip(&e.operand) {
            c.steps.push((e.op, *v));
        }
        k += 1;
    }
    (chains, k)
}

impl Bnn {
    /// Folds `net`: per-input elementwise layers (BatchNorm) and a sign; then blocks of an
    /// affine layer with weights in {−1, 0, 1}, elementwise layers and a sign; then an affine
    /// layer (weights in {−1, 0, 1}) and elementwise layers giving the logits. The values
    /// passed on after each sign must be integers in [−1, 1] (±1, or 1/0 from `Where`).
    pub fn from_network(net: &Network) -> Result<Bnn, NotBinarised> {
        let precision = net.provenance().precision;
        let fail = |layer: usize, problem: String| NotBinarised {
            layer,
            origin: net
                .layers()
                .get(layer)
                .map(|l| l.origin.clone())
                .unwrap_or_default(),
            problem,
        };
        let n = net.num_inputs();
        let (pre, k) = chain_from(net, 0, n);
        match net.layers().get(k).map(|l| &l.kind) {
            Some(LayerKind::Sign) => {}
            Some(_) => {
                let kind = net.layers()[k].kind_name();
                return Err(fail(
                    k,
                    format!(
                        "a {kind} layer on the real inputs; vera folds BNNs whose first layer is \
                         a per-input BatchNorm and sign (a binarised linear layer over quantised \
                         inputs is not supported yet)"
                    ),
                ));
            }
            None => return Err(fail(k, "no sign layer: not a binarised network".into())),
        }
        let inputs: Vec<InputBit> = pre
            .iter()
            .map(|c| InputBit::of_chain(c, precision))
            .collect();
        let (mut post, mut k) = chain_from(net, k + 1, n);
        let mut hidden = Vec::new();
        loop {
            let Some(LayerKind::Affine(a)) = net.layers().get(k).map(|l| &l.kind) else {
                let kind = net.layers().get(k).map_or("end", |l| l.kind_name());
                return Err(fail(
                    k,
                    format!("expected a binarised linear layer, found {kind}"),
                ));
            };
            // The values each previous bit stands for.
            let values: Vec<(i64, i64)> = post
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    let (t, f) = (c.apply(1.0, precision), c.apply(-1.0, precision));
                    let int = |v: f64| (v.fract() == 0.0 && v.abs() <= 1.0).then_some(v as i64);
                    int(t).zip(int(f)).ok_or_else(|| {
                        fail(
                            k,
                            format!("input {j} is {t} or {f}, not an integer in [-1, 1]"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            let mut sums = Vec::with_capacity(a.weights.rows());
            for r in 0..a.weights.rows() {
                let mut sum = IntegerSum {
                    constant: 0,
                    terms: vec![],
                };
                for (j, w) in a.weights.row(r).iter().enumerate() {
                    if *w == 0.0 {
                        continue;
                    }
                    if !(*w == 1.0 || *w == -1.0) {
                        return Err(fail(
                            k,
                            format!("weight [{r}, {j}] is {w}, not in {{-1, 0, 1}}"),
                        ));
                    }
                    let w = *w as i64;
                    let (t, f) = values[j];
                    sum.constant += w * f;
                    if w * (t - f) != 0 {
                        sum.terms.push((j, w * (t - f)));
                    }
                }
                let (lo, hi) = sum.range();
                if lo < -MAX_SUM || hi > MAX_SUM {
                    return Err(fail(
                        k,
                        format!("row {r} sums up to {hi}: too wide to fold"),
                    ));
                }
                sums.push(sum);
            }
            let width = a.weights.rows();
            let (chains, next) = chain_from(net, k + 1, width);
            match net.layers().get(next).map(|l| &l.kind) {
                None => {
                    let logits = sums
                        .into_iter()
                        .zip(chains)
                        .zip(&a.bias)
                        .map(|((sum, chain), b)| Logit {
                            sum,
                            bias: *b,
                            chain,
                        })
                        .collect();
                    return Ok(Bnn {
                        inputs,
                        hidden,
                        logits,
                        precision,
                    });
                }
                Some(LayerKind::Sign) => {
                    let mut neurons = Vec::with_capacity(width);
                    for (r, (sum, chain)) in sums.into_iter().zip(&chains).enumerate() {
                        let rule = fold_rule(&sum, a.bias[r], chain, precision)
                            .ok_or_else(|| fail(next, format!("neuron {r} is not monotone")))?;
                        neurons.push(Neuron { sum, rule });
                    }
                    hidden.push(neurons);
                    (post, k) = chain_from(net, next + 1, width);
                }
                Some(_) => {
                    let kind = net.layers()[next].kind_name();
                    return Err(fail(
                        next,
                        format!("a {kind} layer: not a binarised network (sign activations only)"),
                    ));
                }
            }
        }
    }

    /// The logits on `x` (rounded to the network's precision first), computed through the
    /// integers: the input bits, each neuron's sum and rule, then each logit's float tail.
    pub fn eval(&self, x: &[f64]) -> Vec<f64> {
        let mut bits: Vec<bool> = self
            .inputs
            .iter()
            .zip(x)
            .map(|(b, v)| b.fires(round(*v, self.precision)))
            .collect();
        for layer in &self.hidden {
            bits = layer
                .iter()
                .map(|n| n.rule.fires(n.sum.value(&bits)))
                .collect();
        }
        self.logits
            .iter()
            .map(|l| {
                let z = add(l.sum.value(&bits) as f64, l.bias, self.precision);
                l.chain.apply(z, self.precision)
            })
            .collect()
    }
}

/// The rule of a neuron: its bit is `chain(fl(p + bias)) >= 0`, evaluated on every integer `p`
/// its sum can take (a monotone function of `p`, as every IEEE operation is monotone and a
/// multiplication by a negative constant reverses the order). `None` if it were not monotone.
fn fold_rule(sum: &IntegerSum, bias: f64, chain: &Chain, precision: Precision) -> Option<Rule> {
    let (lo, hi) = sum.range();
    let fires = |p: i64| {
        let z = add(p as f64, bias, precision);
        chain.apply(z, precision) >= 0.0
    };
    let at_lo = fires(lo);
    let changes: Vec<i64> = (lo + 1..=hi)
        .filter(|&p| fires(p) != fires(p - 1))
        .collect();
    match changes.as_slice() {
        [] => Some(Rule::Always(at_lo)),
        [p] if !at_lo => Some(Rule::AtLeast(*p)),
        [p] => Some(Rule::AtMost(*p - 1)),
        _ => None,
    }
}
