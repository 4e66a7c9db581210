//! The query lowering is exact and its bounds (interval and symbolic) are sound, on generated
//! networks with every layer kind.

use num_rational::BigRational;
use proptest::prelude::*;
use vera::network::{
    Affine, Clamp, Elementwise, ElementwiseOp, Layer, LayerKind, Matrix, Network, Precision,
    Provenance,
};
use vera::query::Query;
use vera::spec::vnnlib;

fn provenance() -> Provenance {
    Provenance::memory(Precision::F32)
}

fn layer(kind: LayerKind, width: usize) -> Layer {
    Layer {
        kind,
        output_shape: vec![width],
        origin: "generated".into(),
    }
}

/// A random layer from `width` inputs (weights are float32 values, as in real networks).
fn arb_layer(width: usize) -> impl Strategy<Value = (Layer, usize)> {
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

/// A network of 1–7 layers on 1–4 inputs, a box, and 40 points in it.
fn arb_case() -> impl Strategy<Value = (Network, Vec<f64>, Vec<f64>, Vec<Vec<f64>>)> {
    (1usize..5, 1usize..8).prop_flat_map(|(inputs, depth)| {
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
        (
            layers,
            prop::collection::vec(-1.0f64..0.0, inputs),
            prop::collection::vec(0.0f64..1.0, inputs),
            prop::collection::vec(prop::collection::vec(0.0f64..=1.0, inputs), 40),
        )
            .prop_map(move |((layers, width), lo, hi, points)| {
                let net = Network::new(vec![inputs], layers, vec![width], provenance()).unwrap();
                let points = points
                    .iter()
                    .map(|p| {
                        p.iter()
                            .zip(lo.iter().zip(&hi))
                            .map(|(t, (l, h))| l + (h - l) * t)
                            .collect()
                    })
                    .collect();
                (net, lo, hi, points)
            })
    })
}

/// The box as a property (the output condition does not matter here).
fn box_query(net: &Network, lo: &[f64], hi: &[f64]) -> Query {
    let mut text = String::new();
    for i in 0..lo.len() {
        text += &format!(
            "(declare-const X_{i} Real)(assert (>= X_{i} {:?}))(assert (<= X_{i} {:?}))",
            lo[i], hi[i]
        );
    }
    for j in 0..net.num_outputs() {
        text += &format!("(declare-const Y_{j} Real)");
    }
    text += "(assert (<= Y_0 1000000))";
    let property = vnnlib::parse(text.as_bytes(), "box.vnnlib", None).unwrap();
    let sub = property.sub_problems().next().unwrap();
    let mut q = Query::new(net, &sub).unwrap();
    q.tighten(&vera::engine::Budget::unlimited());
    q
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn lowering_is_exact_and_bounds_are_sound((net, lo, hi, points) in arb_case()) {
        let q = box_query(&net, &lo, &hi);
        // the box as the property states it (exact decimals), and points in it as fractions of it
        let qlo: Vec<BigRational> = q.inputs.iter().map(|v| q.lower[*v].clone().unwrap()).collect();
        let qhi: Vec<BigRational> = q.inputs.iter().map(|v| q.upper[*v].clone().unwrap()).collect();
        let n = lo.len();
        let corners: Vec<Vec<f64>> = (0..1usize << n)
            .map(|m| (0..n).map(|i| if m >> i & 1 == 1 { 1.0 } else { 0.0 }).collect())
            .collect();
        let fractions: Vec<Vec<f64>> = points
            .iter()
            .map(|p| p.iter().zip(lo.iter().zip(&hi)).map(|(v, (l, h))| (v - l) / (h - l)).map(|t| t.clamp(0.0, 1.0)).collect())
            .collect();
        for t in fractions.iter().chain(&corners) {
            let x: Vec<BigRational> = (0..n)
                .map(|i| &qlo[i] + (&qhi[i] - &qlo[i]) * BigRational::from_float(t[i]).unwrap())
                .collect();
            let values = q.evaluate(&x);
            let y = net.eval(&x).unwrap();
            for (j, v) in q.outputs.iter().enumerate() {
                prop_assert_eq!(&values[*v], &y[j], "the query computes the network exactly");
            }
            for (v, value) in values.iter().enumerate() {
                if let Some(l) = &q.lower[v] {
                    prop_assert!(value >= l, "{} = {} below its lower bound {}", q.names[v], value, l);
                }
                if let Some(u) = &q.upper[v] {
                    prop_assert!(value <= u, "{} = {} above its upper bound {}", q.names[v], value, u);
                }
            }
        }
    }
}
