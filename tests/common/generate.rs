//! Random networks with every layer kind of the IR, for property tests.

use proptest::prelude::*;
use vera::network::{
    Affine, Clamp, Elementwise, ElementwiseOp, Layer, LayerKind, Matrix, Network, Precision,
    Provenance,
};

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
