//! The mutation operators, after DeepMutation's model-level operators (Ma et al., ISSRE'18):
//! where each applies in a network, and the mutated layers it gives at one site.
//!
//! Every operator replaces one layer (or, for AR, three, and for AFR removes one), so a
//! mutant computes what the original computes up to its first changed layer; a
//! [`Mutation`] holds just the layers it replaces.

use crate::network::{Affine, Layer, LayerKind, Network};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

/// A model-level mutation operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operator {
    /// GF, Gaussian fuzzing: a fraction of an affine layer's weights each get Gaussian noise.
    Gf,
    /// WS, weight shuffling: one neuron's incoming weights are permuted.
    Ws,
    /// NEB, neuron effect blocking: a hidden neuron's outgoing weights are set to 0.
    Neb,
    /// NAI, neuron activation inverse: a hidden neuron's pre-activation is negated.
    Nai,
    /// NS, neuron switch: two neurons of a layer exchange their values.
    Ns,
    /// AR, activation removal: one ReLU neuron made linear (the identity).
    Ar,
    /// AFR, activation function removal: a whole ReLU layer removed.
    Afr,
    /// BC, bias change: one neuron's bias shifted.
    Bc,
}

/// The operators' knobs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Parameters {
    /// GF: the fraction of the layer's weights that get noise (at least one weight).
    pub ratio: f64,
    /// GF: the noise's standard deviation, in standard deviations of the layer's weights.
    pub sigma: f64,
    /// BC: the shift, in standard deviations of the layer's biases (of its weights when the
    /// biases are all equal).
    pub bias_scale: f64,
}

impl Default for Parameters {
    fn default() -> Parameters {
        Parameters {
            ratio: 0.01,
            sigma: 1.0,
            bias_scale: 1.0,
        }
    }
}

/// Where an operator applies: a layer, and the neurons it touches (none for layer-level
/// operators, two for NS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    pub layer: usize,
    pub neurons: Vec<usize>,
}

/// One operator applied at one site: the mutant is the original with its layers
/// `start..end` replaced by `layers`; and what was done, in words.
#[derive(Debug, Clone)]
pub struct Mutation {
    pub start: usize,
    pub end: usize,
    pub layers: Vec<Layer>,
    pub description: String,
}

impl Operator {
    pub const ALL: [Operator; 8] = [
        Operator::Gf,
        Operator::Ws,
        Operator::Neb,
        Operator::Nai,
        Operator::Ns,
        Operator::Ar,
        Operator::Afr,
        Operator::Bc,
    ];

    /// The short name used on the command line and in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Operator::Gf => "gf",
            Operator::Ws => "ws",
            Operator::Neb => "neb",
            Operator::Nai => "nai",
            Operator::Ns => "ns",
            Operator::Ar => "ar",
            Operator::Afr => "afr",
            Operator::Bc => "bc",
        }
    }

    /// The operator's name in words.
    pub fn name(self) -> &'static str {
        match self {
            Operator::Gf => "Gaussian fuzzing",
            Operator::Ws => "weight shuffling",
            Operator::Neb => "neuron effect blocking",
            Operator::Nai => "neuron activation inverse",
            Operator::Ns => "neuron switch",
            Operator::Ar => "activation removal (one neuron)",
            Operator::Afr => "activation function removal (one layer)",
            Operator::Bc => "bias change",
        }
    }

    /// The operator with this code (as [`Operator::code`] gives it, any case).
    pub fn parse(code: &str) -> Option<Operator> {
        Operator::ALL
            .into_iter()
            .find(|op| op.code().eq_ignore_ascii_case(code.trim()))
    }

    /// The layers this operator can mutate, each with its number of sites: neurons for
    /// neuron-level operators, pairs of neurons for NS, one for layer-level ones (GF, AFR).
    ///
    /// GF, WS, NS and BC mutate affine layers; NEB, NAI, AR and AFR mutate hidden activation
    /// layers (those followed by an affine layer): NEB any of ReLU or sign, NAI one right
    /// after an affine layer, AR and AFR ReLU only (AR also needs affine layers on both sides).
    pub fn layers(self, net: &Network) -> Vec<(usize, usize)> {
        let layers = net.layers();
        let affine =
            |i: usize| matches!(layers.get(i).map(|l| &l.kind), Some(LayerKind::Affine(_)));
        layers
            .iter()
            .enumerate()
            .filter_map(|(i, layer)| {
                let width = layer.output_size();
                let activation = matches!(layer.kind, LayerKind::Relu | LayerKind::Sign);
                let relu = matches!(layer.kind, LayerKind::Relu);
                let hidden = next_affine(layers, i).is_some();
                let after_affine = i > 0 && affine(i - 1);
                let count = match self {
                    Operator::Gf => affine(i).then_some(1),
                    Operator::Ws | Operator::Bc => affine(i).then_some(width),
                    Operator::Ns => affine(i).then_some(width * width.saturating_sub(1) / 2),
                    Operator::Neb => (activation && hidden).then_some(width),
                    Operator::Nai => (activation && hidden && after_affine).then_some(width),
                    Operator::Ar => (relu
                        && after_affine
                        && affine(i + 1)
                        && is_flat(&layers[i - 1])
                        && is_flat(layer))
                    .then_some(width),
                    Operator::Afr => (relu && hidden).then_some(1),
                }?;
                (count > 0).then_some((i, count))
            })
            .collect()
    }

    /// The site numbered `index` (below the count [`Operator::layers`] gives) of `layer`.
    pub fn site(self, layer: usize, index: usize) -> Site {
        let neurons = match self {
            Operator::Gf | Operator::Afr => vec![],
            Operator::Ns => {
                let (j, k) = pair(index);
                vec![j, k]
            }
            _ => vec![index],
        };
        Site { layer, neurons }
    }

    /// Applies the operator at `site` (one that [`Operator::layers`] lists), drawing any
    /// randomness from `rng`.
    pub fn apply(
        self,
        net: &Network,
        site: &Site,
        params: &Parameters,
        rng: &mut impl Rng,
    ) -> Mutation {
        let l = site.layer;
        let neuron = site.neurons.first().copied().unwrap_or(0);
        let what = describe_layer(net, l);
        // A site from `layers` always has an affine layer after it (NEB).
        let next = next_affine(net.layers(), l).unwrap_or(l);
        let (start, end) = match self {
            Operator::Neb => (next, next + 1),
            Operator::Nai => (l - 1, l),
            Operator::Ar => (l - 1, l + 2),
            _ => (l, l + 1),
        };
        let mut layers = net.layers()[start..end].to_vec();
        let description = match self {
            Operator::Gf => {
                let a = affine_mut(&mut layers[0]);
                let all = a.weights.as_slice().to_vec();
                let std = std_dev(&all);
                let count =
                    ((params.ratio * all.len() as f64).round() as usize).clamp(1, all.len());
                for i in rand::seq::index::sample(rng, all.len(), count) {
                    let (r, c) = (i / a.weights.cols(), i % a.weights.cols());
                    let noise = params.sigma * std * standard_normal(rng);
                    a.weights.set(r, c, a.weights.get(r, c) + noise);
                }
                let text = format!(
                    "layer {l} ({what}): {count} of {} weights += N(0, ({} · {std:.4})²)",
                    all.len(),
                    params.sigma
                );
                text
            }
            Operator::Ws => {
                let a = affine_mut(&mut layers[0]);
                let mut row = a.weights.row(neuron).to_vec();
                row.shuffle(rng);
                for (c, w) in row.iter().enumerate() {
                    a.weights.set(neuron, c, *w);
                }
                let text = format!(
                    "layer {l} ({what}) neuron {neuron}: its {} incoming weights shuffled",
                    row.len()
                );
                text
            }
            Operator::Ns => {
                let (j, k) = (site.neurons[0], site.neurons[1]);
                let a = affine_mut(&mut layers[0]);
                for c in 0..a.weights.cols() {
                    let (wj, wk) = (a.weights.get(j, c), a.weights.get(k, c));
                    a.weights.set(j, c, wk);
                    a.weights.set(k, c, wj);
                }
                a.bias.swap(j, k);
                let text = format!(
                    "layer {l} ({what}): neurons {j} and {k} switched (weights and biases swapped)"
                );
                text
            }
            Operator::Bc => {
                let a = affine_mut(&mut layers[0]);
                let bias_std = std_dev(&a.bias);
                let (scale, of) = if bias_std > 0.0 {
                    (bias_std, "biases")
                } else {
                    (std_dev(a.weights.as_slice()), "weights")
                };
                let sign = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
                let before = a.bias[neuron];
                a.bias[neuron] = before + sign * params.bias_scale * scale;
                let text = format!(
                    "layer {l} ({what}) neuron {neuron}: bias {before:.6} -> {:.6} ({}{} · std of the layer's {of}, {scale:.4})",
                    a.bias[neuron],
                    if sign > 0.0 { "+" } else { "-" },
                    params.bias_scale
                );
                text
            }
            Operator::Neb => {
                let a = affine_mut(&mut layers[0]);
                for r in 0..a.weights.rows() {
                    a.weights.set(r, neuron, 0.0);
                }
                let text = format!(
                    "layer {l} ({what}) neuron {neuron} blocked: its {} outgoing weights (layer {next}) set to 0",
                    a.weights.rows()
                );
                text
            }
            Operator::Nai => {
                let a = affine_mut(&mut layers[0]);
                for c in 0..a.weights.cols() {
                    a.weights.set(neuron, c, -a.weights.get(neuron, c));
                }
                a.bias[neuron] = -a.bias[neuron];
                let text = format!(
                    "layer {l} ({what}) neuron {neuron} inverted: its pre-activation (layer {} row {neuron}) negated",
                    l - 1
                );
                text
            }
            Operator::Ar => {
                linearise(&mut layers, neuron);
                let text = format!("layer {l} ({what}) neuron {neuron} made linear (the identity)");
                text
            }
            Operator::Afr => {
                layers.clear();
                format!("layer {l} ({what}) removed")
            }
        };
        Mutation {
            start,
            end,
            layers,
            description: format!("{}: {description}", self.code()),
        }
    }
}

/// Makes ReLU `neuron` of `layers = [affine, relu, affine]` the identity, exactly:
/// `x = relu(x) − relu(−x)`, so the neuron is doubled into `relu(x)` and `relu(−x)` (a negated
/// copy of its row in the first affine layer, placed right after it) and the copy's outgoing
/// weights in the second are the negated originals. In f32 the next layer's sums are
/// unchanged but for the identity's term: one of the two terms is ±0 and the other is `w·x`
/// exactly.
fn linearise(layers: &mut [Layer], neuron: usize) {
    let before = affine_mut(&mut layers[0]);
    let (rows, cols) = (before.weights.rows(), before.weights.cols());
    let mut data = Vec::with_capacity((rows + 1) * cols);
    for r in 0..rows {
        data.extend_from_slice(before.weights.row(r));
        if r == neuron {
            data.extend(before.weights.row(r).iter().map(|w| -w));
        }
    }
    before.weights = matrix(rows + 1, cols, data);
    before.bias.insert(neuron + 1, -before.bias[neuron]);
    widen(&mut layers[0]);
    widen(&mut layers[1]);
    let after = affine_mut(&mut layers[2]);
    let (rows, cols) = (after.weights.rows(), after.weights.cols());
    let mut data = Vec::with_capacity(rows * (cols + 1));
    for r in 0..rows {
        let row = after.weights.row(r);
        data.extend_from_slice(&row[..=neuron]);
        data.push(-row[neuron]);
        data.extend_from_slice(&row[neuron + 1..]);
    }
    after.weights = matrix(rows, cols + 1, data);
}

/// A matrix whose size the caller computed from its data.
fn matrix(rows: usize, cols: usize, data: Vec<f64>) -> crate::network::Matrix {
    crate::network::Matrix::from_row_major(rows, cols, data)
        .unwrap_or_else(|| crate::network::Matrix::zeros(rows, cols))
}

/// One more value in a flat layer's output shape (its last dimension).
fn widen(layer: &mut Layer) {
    match layer.output_shape.last_mut() {
        Some(last) => *last += 1,
        None => layer.output_shape.push(2),
    }
}

/// True when a layer's output shape is a vector (every dimension but the last is 1).
fn is_flat(layer: &Layer) -> bool {
    let shape = &layer.output_shape;
    shape.iter().rev().skip(1).all(|d| *d == 1)
}

/// The affine layer of a site. Sites come from [`Operator::layers`], which checks the kind.
fn affine_mut(layer: &mut Layer) -> &mut Affine {
    match &mut layer.kind {
        LayerKind::Affine(a) => a,
        _ => unreachable!("mutation sites are checked to be affine layers"),
    }
}

/// The first affine layer after layer `i`.
fn next_affine(layers: &[Layer], i: usize) -> Option<usize> {
    (i + 1..layers.len()).find(|&j| matches!(layers[j].kind, LayerKind::Affine(_)))
}

/// `kind inputs→outputs` of a layer, for descriptions.
pub fn describe_layer(net: &Network, l: usize) -> String {
    let layer = &net.layers()[l];
    format!(
        "{} {}→{}",
        layer.kind_name(),
        net.layer_input_size(l),
        layer.output_size()
    )
}

/// The pair `(j, k)`, `j < k`, numbered `index` in the order (0,1), (0,2), (1,2), (0,3), ...
fn pair(index: usize) -> (usize, usize) {
    let mut k = ((((8 * index + 1) as f64).sqrt() + 1.0) / 2.0).floor() as usize;
    while k * (k - 1) / 2 > index {
        k -= 1;
    }
    while (k + 1) * k / 2 <= index {
        k += 1;
    }
    (index - k * (k - 1) / 2, k)
}

/// The population standard deviation (0 for fewer than two values).
fn std_dev(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// A standard normal sample (Box–Muller).
fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = 1.0 - rng.gen::<f64>();
    let v: f64 = rng.gen();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_numbered_in_order() {
        let pairs: Vec<_> = (0..6).map(pair).collect();
        assert_eq!(pairs, vec![(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]);
        for i in 0..5000 {
            let (j, k) = pair(i);
            assert!(j < k && k * (k - 1) / 2 + j == i, "{i}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for op in Operator::ALL {
            assert_eq!(Operator::parse(op.code()), Some(op));
        }
        assert_eq!(Operator::parse(" NEB "), Some(Operator::Neb));
        assert_eq!(Operator::parse("xx"), None);
    }

    #[test]
    fn standard_deviation() {
        assert_eq!(std_dev(&[1.0, 3.0]), 1.0);
        assert_eq!(std_dev(&[2.0]), 0.0);
    }
}
