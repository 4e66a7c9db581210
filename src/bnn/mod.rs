//! Binarised networks folded to integers: each hidden neuron becomes "its integer dot product
//! with the previous bits is at least (or at most) k", with k found by executing the float
//! computation between the dot product and the sign (bias, BatchNorm, comparison) on every
//! integer the dot product can take, so the integer network agrees with float32 execution on
//! every input, BatchNorm thresholds included (a real-valued threshold rounded the wrong way is
//! how verifiers get BNNs wrong). This is what a SAT encoding of the network builds on.
//!
//! The first layer either reads one threshold bit per input (a per-input BatchNorm and sign)
//! or is a binarised linear layer over inputs quantised to a grid ([`grid`]), folded over an
//! input box: each input's level is read as order bits, and each first-layer neuron's bit is a
//! rule on its integer sum over the levels, where float32 rounding cannot make it ambiguous.

mod chain;
mod float_range;
pub mod grid;
mod input_bit;
mod signum;

pub use chain::{add, next_down, next_up, round, Chain};
pub use float_range::f32_range;
pub use input_bit::InputBit;

use crate::network::{LayerKind, Network, Precision};
use crate::spec::InputBox;
use grid::{Enclosure, Levels, Quantiser};

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
    /// The bits read off the inputs, which the first hidden layer sums.
    pub inputs: Vec<InputBit>,
    /// The input each bit reads. The bits of one input are consecutive; when an input has
    /// several (the order bits `[q ≥ k]` of a quantised input, `k` ascending), each one set
    /// implies the one before it, and every pattern of that shape is realised by some input.
    pub bit_input: Vec<usize>,
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

/// Whether folding `net` depends on the input box: a first layer over quantised inputs folds
/// per box, and an ONNX `Sign` is a sign only over boxes where it never gives 0. The other
/// networks fold once, over all inputs.
pub fn folds_per_box(net: &Network) -> bool {
    net.layers()
        .iter()
        .any(|l| matches!(l.kind, LayerKind::Round | LayerKind::Signum))
}

impl Bnn {
    /// Folds `net` over all inputs; see [`Bnn::fold`]. A first layer over quantised inputs
    /// folds only over a bounded box, so this fails for it.
    pub fn from_network(net: &Network) -> Result<Bnn, NotBinarised> {
        Bnn::fold(net, &InputBox::unbounded(net.num_inputs()))
    }

    /// Folds `net`, soundly for every input in `region`: either per-input elementwise layers
    /// (BatchNorm) and a sign, or a quantiser per input (elementwise layers, `round`, a
    /// multiplication) and a first block over the levels; then blocks of an affine layer with
    /// weights in {−1, 0, 1}, elementwise layers and a sign; then an affine layer (weights in
    /// {−1, 0, 1}) and elementwise layers giving the logits. The values passed on after each
    /// sign must be integers in [−1, 1] (±1, or 1/0 from `Where`). Only the quantised first
    /// layer depends on `region`: the rest is the same for every box.
    pub fn fold(net: &Network, region: &InputBox) -> Result<Bnn, NotBinarised> {
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
        let (inputs, bit_input, mut hidden, mut post, mut k) =
            match net.layers().get(k).map(|l| &l.kind) {
                Some(kind @ (LayerKind::Sign | LayerKind::Signum)) => {
                    if *kind == LayerKind::Signum {
                        refuse_input_zeros(&pre, region, precision).map_err(|p| fail(k, p))?;
                    }
                    let inputs: Vec<InputBit> = pre
                        .iter()
                        .map(|c| InputBit::of_chain(c, precision))
                        .collect();
                    let (post, k) = chain_from(net, k + 1, n);
                    (inputs, (0..n).collect(), Vec::new(), post, k)
                }
                Some(LayerKind::Round) => {
                    let first = fold_grid(net, region, pre, k, &fail)?;
                    let (post, next) = chain_from(net, first.next, first.neurons.len());
                    (first.bits, first.bit_input, vec![first.neurons], post, next)
                }
                Some(_) => {
                    let kind = net.layers()[k].kind_name();
                    return Err(fail(
                        k,
                        format!(
                            "a {kind} layer on the real inputs; vera folds BNNs whose first \
                             layer is a per-input BatchNorm and sign, or a binarised linear \
                             layer over inputs quantised by round"
                        ),
                    ));
                }
                None => return Err(fail(k, "no sign layer: not a binarised network".into())),
            };
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
                        bit_input,
                        hidden,
                        logits,
                        precision,
                    });
                }
                Some(kind @ (LayerKind::Sign | LayerKind::Signum)) => {
                    let mut neurons = Vec::with_capacity(width);
                    for (r, (sum, chain)) in sums.into_iter().zip(&chains).enumerate() {
                        if *kind == LayerKind::Signum {
                            if let Some(p) = signum::sum_zero(&sum, a.bias[r], chain, precision) {
                                return Err(fail(
                                    next,
                                    zero_problem(r, &format!("its dot product is {p}")),
                                ));
                            }
                        }
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
    /// For a quantised first layer, `x` must lie in the box the network was folded over.
    pub fn eval(&self, x: &[f64]) -> Vec<f64> {
        let mut bits: Vec<bool> = self
            .inputs
            .iter()
            .zip(&self.bit_input)
            .map(|(b, i)| b.fires(round(x[*i], self.precision)))
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

/// A first layer over quantised inputs, folded over a box.
struct GridLayer {
    bits: Vec<InputBit>,
    bit_input: Vec<usize>,
    neurons: Vec<Neuron>,
    /// The layer after the first sign.
    next: usize,
}

/// Folds a quantiser per input (the elementwise `pre` chains, the `round` layer at `round_at`,
/// one multiplication by the grid scale) and the first block (a ternary affine layer,
/// elementwise layers, a sign) over `region`. A neuron whose bit the integer sum does not
/// decide (see [`grid::rule`]) fails the fold, naming the first such neuron and how many.
fn fold_grid(
    net: &Network,
    region: &InputBox,
    pre: Vec<Chain>,
    round_at: usize,
    fail: &impl Fn(usize, String) -> NotBinarised,
) -> Result<GridLayer, NotBinarised> {
    let n = net.num_inputs();
    if net.provenance().precision != Precision::F32 {
        return Err(fail(
            round_at,
            "quantised inputs fold for float32 networks only".into(),
        ));
    }
    let (post, at) = chain_from(net, round_at + 1, n);
    let quantisers: Vec<Quantiser> = pre
        .into_iter()
        .zip(post)
        .map(|(pre, post)| Quantiser { pre, post })
        .collect();
    let scale = quantisers.first().and_then(Quantiser::scale);
    let Some(scale) = scale.filter(|c| quantisers.iter().all(|q| q.scale() == Some(*c))) else {
        return Err(fail(
            round_at,
            "the rounded levels must be multiplied by one grid scale, the same for every input \
             (Round, then Mul by a constant), before the first linear layer"
                .into(),
        ));
    };
    let Some(LayerKind::Affine(a)) = net.layers().get(at).map(|l| &l.kind) else {
        let kind = net.layers().get(at).map_or("end", |l| l.kind_name());
        return Err(fail(
            at,
            format!("expected a binarised linear layer over the quantised inputs, found {kind}"),
        ));
    };
    let mut bits = Vec::new();
    let mut bit_input = Vec::new();
    let mut first_bit = Vec::with_capacity(n);
    let mut levels = Vec::with_capacity(n);
    for (i, q) in quantisers.iter().enumerate() {
        let range = f32_range(region.lower[i].as_ref(), region.upper[i].as_ref());
        let Some((lowest, highest)) = range else {
            return Err(fail(
                round_at,
                format!("input {i}: its interval holds no finite float32 number"),
            ));
        };
        let (lo, order) = q
            .order_bits(lowest, highest)
            .map_err(|e| fail(round_at, format!("input {i}: {e}")))?;
        first_bit.push(bits.len());
        levels.push(Levels::new(q, scale, lo, lo + order.len() as i64));
        bit_input.extend(std::iter::repeat_n(i, order.len()));
        bits.extend(order);
    }
    let width = a.weights.rows();
    let (chains, sign_at) = chain_from(net, at + 1, width);
    let signum = matches!(
        net.layers().get(sign_at).map(|l| &l.kind),
        Some(LayerKind::Signum)
    );
    if !signum
        && !matches!(
            net.layers().get(sign_at).map(|l| &l.kind),
            Some(LayerKind::Sign)
        )
    {
        return Err(fail(
            sign_at,
            "the first linear layer over quantised inputs must end in a sign".into(),
        ));
    }
    let mut neurons = Vec::with_capacity(width);
    let mut ambiguous = Vec::new();
    for (r, chain) in chains.iter().enumerate() {
        let mut sum = IntegerSum {
            constant: 0,
            terms: vec![],
        };
        let mut terms = Vec::new();
        for (i, w) in a.weights.row(r).iter().enumerate() {
            if *w == 0.0 {
                continue;
            }
            if !(*w == 1.0 || *w == -1.0) {
                return Err(fail(
                    at,
                    format!("weight [{r}, {i}] is {w}, not in {{-1, 0, 1}}"),
                ));
            }
            let w = *w as i64;
            let l = &levels[i];
            sum.constant += w * l.lowest;
            let count = (l.highest - l.lowest) as usize;
            sum.terms
                .extend((first_bit[i]..first_bit[i] + count).map(|j| (j, w)));
            terms.push((w, l));
        }
        let (lo, hi) = sum.range();
        if lo < -MAX_SUM || hi > MAX_SUM {
            return Err(fail(
                at,
                format!("row {r} sums up to {hi}: too wide to fold"),
            ));
        }
        let bias = round(a.bias[r], Precision::F32);
        let enclosure = Enclosure::new(&terms, scale, bias)
            .map_err(|e| fail(at, format!("neuron {r}: {e}")))?;
        let fires = InputBit::of_chain(chain, Precision::F32);
        match grid::rule(&enclosure, lo, hi, fires) {
            Ok(rule) => {
                // ONNX Sign: the rule of `> 0` must be the same, or some sum reaches 0.
                if signum {
                    let positive = InputBit::of_monotone(
                        |z| chain.apply(z, Precision::F32) > 0.0,
                        Precision::F32,
                    );
                    if grid::rule(&enclosure, lo, hi, positive).ok() != Some(rule) {
                        return Err(fail(
                            sign_at,
                            zero_problem(
                                r,
                                "its float32 pre-activation can round to 0 in this box",
                            ),
                        ));
                    }
                }
                neurons.push(Neuron { sum, rule })
            }
            Err(a) => ambiguous.push((r, a)),
        }
    }
    if let Some((r, a)) = ambiguous.first() {
        return Err(fail(
            sign_at,
            format!(
                "neuron {r} over quantised inputs is ambiguous: {a}; {} of {width} neurons of \
                 this layer are (float32 rounding decides them, not the integer levels)",
                ambiguous.len()
            ),
        ));
    }
    Ok(GridLayer {
        bits,
        bit_input,
        neurons,
        next: sign_at + 1,
    })
}

/// What an ONNX `Sign` that reaches 0 is told: which neuron, when, and what to export.
fn zero_problem(neuron: usize, when: &str) -> String {
    format!(
        "ONNX Sign gives 0 at neuron {neuron} when {when}, and a binarised network must never \
         reach 0 (sign would be -1, 0 or +1); export the activation as \
         Where(GreaterOrEqual(x, 0), 1, -1) (PyTorch's torch.where(x >= 0, 1., -1.))"
    )
}

/// Refuses a per-input ONNX `Sign` that some input of `region` takes to exactly 0.
fn refuse_input_zeros(
    pre: &[Chain],
    region: &InputBox,
    precision: Precision,
) -> Result<(), String> {
    for (i, chain) in pre.iter().enumerate() {
        let (lowest, highest) = match precision {
            // No float32 number in the interval: no input, so none that reaches 0.
            Precision::F32 => match f32_range(region.lower[i].as_ref(), region.upper[i].as_ref()) {
                Some(range) => range,
                None => continue,
            },
            // Outward, so that no float64 input of the box is missed.
            Precision::F64 => (
                region.lower[i]
                    .as_ref()
                    .map_or(f64::MIN, |l| crate::spec::to_f64(l).next_down()),
                region.upper[i]
                    .as_ref()
                    .map_or(f64::MAX, |h| crate::spec::to_f64(h).next_up()),
            ),
        };
        if let Some(x) = signum::input_zero(chain, precision, lowest, highest) {
            return Err(zero_problem(
                i,
                &format!("input {i} is {x}, which the box allows"),
            ));
        }
    }
    Ok(())
}

/// The float32 range of every input of `region` (least and greatest value), or the first input
/// whose interval holds no finite float32 number.
pub fn float_box(region: &InputBox) -> Result<Vec<(f64, f64)>, usize> {
    (0..region.num_inputs())
        .map(|i| f32_range(region.lower[i].as_ref(), region.upper[i].as_ref()).ok_or(i))
        .collect()
}

impl Bnn {
    /// An input point in the box `ranges` (each input's least and greatest float32 value)
    /// whose bits have the values `value(j)`: for each input, the first of its greatest value,
    /// its least, the midpoints between its bits' thresholds, and the thresholds themselves
    /// that sets them so (its least when none does, which replay then rejects). Midpoints
    /// first, as a quantised input's threshold is a rounding boundary, where exact arithmetic
    /// may round the other way than float32.
    pub fn point(&self, ranges: &[(f64, f64)], value: impl Fn(usize) -> bool) -> Vec<f64> {
        let mut bits_of = vec![Vec::new(); ranges.len()];
        for (j, i) in self.bit_input.iter().enumerate() {
            bits_of[*i].push(j);
        }
        ranges
            .iter()
            .zip(&bits_of)
            .map(|(&(lowest, highest), bits)| {
                let matches = |x: f64| bits.iter().all(|&j| self.inputs[j].fires(x) == value(j));
                let mut marks: Vec<f64> = bits
                    .iter()
                    .filter_map(|&j| match self.inputs[j] {
                        InputBit::AtLeast(t) | InputBit::AtMost(t) => {
                            Some(t.clamp(lowest, highest))
                        }
                        InputBit::Always(_) => None,
                    })
                    .chain([lowest, highest])
                    .collect();
                marks.sort_by(f64::total_cmp);
                let midpoints: Vec<f64> = marks
                    .windows(2)
                    .map(|w| round(w[0] + (w[1] - w[0]) / 2.0, self.precision))
                    .collect();
                [highest, lowest]
                    .into_iter()
                    .chain(midpoints)
                    .chain(marks)
                    .find(|x| matches(*x))
                    .unwrap_or(lowest)
            })
            .collect()
    }
}
