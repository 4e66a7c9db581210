//! Random networks with every layer kind of the IR, and linear properties over them, for
//! property tests.

use proptest::prelude::*;
use vera::network::{
    Affine, Clamp, Elementwise, ElementwiseOp, Layer, LayerKind, Matrix, Network, Precision,
    Provenance,
};
use vera::spec::{vnnlib, Property};

pub fn layer(kind: LayerKind, width: usize) -> Layer {
    Layer {
        kind,
        output_shape: vec![width],
        origin: "generated".into(),
    }
}

/// A random layer from `width` inputs (weights are float32 values, as in real networks);
/// returns it and its output width.
pub fn arb_layer(width: usize) -> impl Strategy<Value = (Layer, usize)> {
    let values = move |n: usize| prop::collection::vec((-2.0f32..2.0).prop_map(f64::from), n);
    let nonzero =
        move |n: usize| prop::collection::vec(prop_oneof![-4.0f64..-0.25, 0.25f64..4.0], n);
    prop_oneof![
        3 => (1usize..7).prop_flat_map(move |out| (values(out * width), values(out)).prop_map(move |(w, b)| {
            let weights = Matrix::from_row_major(out, width, w).unwrap();
            (layer(LayerKind::Affine(Affine { weights, bias: b }), out), out)
        })),
        3 => Just((layer(LayerKind::Relu, width), width)),
        1 => (0usize..3, nonzero(width)).prop_map(move |(op, operand)| {
            let op = [ElementwiseOp::Add, ElementwiseOp::Mul, ElementwiseOp::Div][op];
            (layer(LayerKind::Elementwise(Elementwise { op, operand }), width), width)
        }),
        1 => values(width).prop_map(move |c| {
            let lower: Vec<f64> = c.iter().map(|v| v - 0.5).collect();
            let upper: Vec<f64> = c.iter().map(|v| v + 0.5).collect();
            (layer(LayerKind::Clamp(Clamp { lower, upper }), width), width)
        }),
    ]
}

/// A random network of `depth` layers (chosen in `depths`) on `inputs` inputs.
pub fn arb_network(
    inputs: usize,
    depths: std::ops::Range<usize>,
) -> impl Strategy<Value = Network> {
    depths.prop_flat_map(move |depth| {
        let layers = (0..depth).fold(Just((Vec::<Layer>::new(), inputs)).boxed(), |acc, _| {
            acc.prop_flat_map(|(layers, width)| {
                arb_layer(width).prop_map(move |(l, w)| {
                    let mut layers = layers.clone();
                    layers.push(l);
                    (layers, w)
                })
            })
            .boxed()
        });
        layers.prop_map(move |(layers, width)| {
            let provenance = Provenance::memory(Precision::F32);
            Network::new(vec![inputs], layers, vec![width], provenance).unwrap()
        })
    })
}

/// "Some x in `[lo, hi]` gives `Σ c_j·Y_j (relation) t`" as a property, `relation` being
/// `">="` or `"<="` (written as VNN-LIB and read back, so numbers are the f64 values exactly).
pub fn linear_property(lo: &[f64], hi: &[f64], c: &[f64], relation: &str, t: f64) -> Property {
    let text = linear_property_text(lo, hi, c, relation, t);
    vnnlib::parse(text.as_bytes(), "generated.vnnlib", None).unwrap()
}

/// The VNN-LIB text of [`linear_property`], for tests that add assertions to it.
pub fn linear_property_text(lo: &[f64], hi: &[f64], c: &[f64], relation: &str, t: f64) -> String {
    let mut text = String::new();
    for (i, (l, h)) in lo.iter().zip(hi).enumerate() {
        text += &format!(
            "(declare-const X_{i} Real)(assert (>= X_{i} {l:?}))(assert (<= X_{i} {h:?}))"
        );
    }
    let terms: Vec<String> = c
        .iter()
        .enumerate()
        .map(|(j, cj)| {
            text += &format!("(declare-const Y_{j} Real)");
            format!("(* {cj:?} Y_{j})")
        })
        .collect();
    text += &format!("(assert ({relation} (+ {}) {t:?}))", terms.join(" "));
    text
}

/// A ReLU network (f64) with the given layer widths, weights and biases drawn in turn from
/// `values` (cycled): affine layers with a ReLU between each two.
pub fn relu_network(widths: &[usize], values: &[f64]) -> Network {
    let mut it = values.iter().cycle().copied();
    let mut layers = Vec::new();
    for (k, w) in widths.windows(2).enumerate() {
        let weights =
            Matrix::from_row_major(w[1], w[0], it.by_ref().take(w[0] * w[1]).collect()).unwrap();
        let bias = it.by_ref().take(w[1]).collect();
        layers.push(layer(LayerKind::Affine(Affine { weights, bias }), w[1]));
        if k + 2 < widths.len() {
            layers.push(layer(LayerKind::Relu, w[1]));
        }
    }
    let last = *widths.last().unwrap();
    Network::new(
        vec![widths[0]],
        layers,
        vec![last],
        Provenance::memory(Precision::F64),
    )
    .unwrap()
}

/// A random BNN: per-input BatchNorm (mul, add) and sign, `blocks` ternary linear layers each
/// with a BatchNorm and sign, and a ±1 linear layer to the logits.
pub fn random_bnn(s: &mut super::Sampler, widths: &[usize]) -> Network {
    let f = |v: f64| f64::from(v as f32);
    let mut layers = Vec::new();
    let bn = |s: &mut super::Sampler, n: usize, layers: &mut Vec<_>| {
        // gamma/sqrt(var) of either sign, sometimes zero (a dead neuron).
        let scale: Vec<f64> = (0..n)
            .map(|_| match (s.unit() * 10.0) as u32 {
                0 => 0.0,
                k if k < 5 => f(-(0.2 + 2.0 * s.unit())),
                _ => f(0.2 + 2.0 * s.unit()),
            })
            .collect();
        let shift: Vec<f64> = (0..n).map(|_| f(4.0 * s.unit() - 2.0)).collect();
        let e = |op, operand| LayerKind::Elementwise(Elementwise { op, operand });
        layers.push(layer(e(ElementwiseOp::Mul, scale), n));
        layers.push(layer(e(ElementwiseOp::Add, shift), n));
    };
    bn(s, widths[0], &mut layers);
    layers.push(layer(LayerKind::Sign, widths[0]));
    for (k, w) in widths.windows(2).enumerate() {
        let last = k + 2 == widths.len();
        let weights: Vec<f64> = (0..w[0] * w[1])
            .map(|_| {
                let u = s.unit();
                if u < 0.4 {
                    -1.0
                } else if u < 0.6 && !last {
                    0.0
                } else {
                    1.0
                }
            })
            .collect();
        let bias: Vec<f64> = (0..w[1]).map(|_| f(6.0 * s.unit() - 3.0)).collect();
        let weights = Matrix::from_row_major(w[1], w[0], weights).unwrap();
        layers.push(layer(LayerKind::Affine(Affine { weights, bias }), w[1]));
        if !last {
            bn(s, w[1], &mut layers);
            layers.push(layer(LayerKind::Sign, w[1]));
        }
    }
    let provenance = Provenance::memory(Precision::F32);
    Network::new(
        vec![widths[0]],
        layers,
        vec![*widths.last().unwrap()],
        provenance,
    )
    .unwrap()
}

/// A random BNN over quantised inputs, as EEV's: `Div(x, step)`, `Round`, `Mul(., step)`, a
/// ternary linear layer with a BatchNorm and sign, `widths.len() - 3` more such blocks, and a
/// ±1 linear layer to the logits.
pub fn random_quantised_bnn(s: &mut super::Sampler, widths: &[usize], step: f64) -> Network {
    let f = |v: f64| f64::from(v as f32);
    let e = |op, operand| LayerKind::Elementwise(Elementwise { op, operand });
    let n = widths[0];
    let mut layers = vec![
        layer(e(ElementwiseOp::Div, vec![f(step); n]), n),
        layer(LayerKind::Round, n),
        layer(e(ElementwiseOp::Mul, vec![f(step); n]), n),
    ];
    for (k, w) in widths.windows(2).enumerate() {
        let last = k + 2 == widths.len();
        let weights: Vec<f64> = (0..w[0] * w[1])
            .map(|_| match s.unit() {
                u if u < 0.4 => -1.0,
                u if u < 0.6 && !last => 0.0,
                _ => 1.0,
            })
            .collect();
        let bias: Vec<f64> = (0..w[1]).map(|_| f(2.0 * s.unit() - 1.0)).collect();
        let weights = Matrix::from_row_major(w[1], w[0], weights).unwrap();
        layers.push(layer(LayerKind::Affine(Affine { weights, bias }), w[1]));
        if !last {
            let scale: Vec<f64> = (0..w[1])
                .map(|_| match (s.unit() * 10.0) as u32 {
                    0 => 0.0,
                    k if k < 5 => f(-(0.2 + 2.0 * s.unit())),
                    _ => f(0.2 + 2.0 * s.unit()),
                })
                .collect();
            let shift: Vec<f64> = (0..w[1]).map(|_| f(2.0 * s.unit() - 1.0)).collect();
            layers.push(layer(e(ElementwiseOp::Mul, scale), w[1]));
            layers.push(layer(e(ElementwiseOp::Add, shift), w[1]));
            layers.push(layer(LayerKind::Sign, w[1]));
        }
    }
    let provenance = Provenance::memory(Precision::F32);
    Network::new(vec![n], layers, vec![*widths.last().unwrap()], provenance).unwrap()
}
