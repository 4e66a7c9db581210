//! f32, f64 and exact evaluation agree, and folding preserves the function, on generated networks.

use num_rational::BigRational;
use num_traits::ToPrimitive;
use proptest::prelude::*;
mod common;

use common::generate::{self, layer};
use vera::network::{
    Affine, Elementwise, ElementwiseOp, LayerKind, Matrix, Network, Precision, Provenance,
};

fn provenance() -> Provenance {
    Provenance::memory(Precision::F64)
}

/// A random network of 1–8 layers on 1–5 inputs, with an input in [-3, 3].
fn arb_network() -> impl Strategy<Value = (Network, Vec<f64>)> {
    (1usize..6).prop_flat_map(|inputs| {
        (
            generate::arb_network(inputs, 1..9),
            prop::collection::vec(-3.0f64..3.0, inputs),
        )
    })
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Exact arithmetic is the ground truth: f64 stays within rounding of it, and the f64
    /// ReLU pattern matches wherever no pre-activation is within rounding of zero.
    #[test]
    fn f64_and_f32_track_exact((net, x) in arb_network()) {
        let xq: Vec<BigRational> = x.iter().map(|v| BigRational::from_float(*v).unwrap()).collect();
        let exact: Vec<f64> = net.eval(&xq).unwrap().iter().map(|v| v.to_f64().unwrap()).collect();
        let y64 = net.eval(&x).unwrap();
        let x32: Vec<f32> = x.iter().map(|v| *v as f32).collect();
        let y32 = net.eval(&x32).unwrap();
        for ((e, d), s) in exact.iter().zip(&y64).zip(&y32) {
            prop_assert!(close(*e, *d, 1e-9), "exact {e} vs f64 {d}");
            // f32 rounds the input too; ReLU/clamp kinks can amplify that, so only a loose check.
            prop_assert!(close(*e, *s as f64, 1e-2) || (e - *s as f64).abs() < 0.1, "exact {e} vs f32 {s}");
        }
    }

    /// Folding affine runs keeps the function (up to f64 rounding).
    #[test]
    fn folding_preserves_the_function((net, x) in arb_network()) {
        let folded = net.folded();
        prop_assert!(folded.layers().len() <= net.layers().len());
        prop_assert_eq!(folded.num_relus(), net.num_relus());
        let a = net.eval(&x).unwrap();
        let b = folded.eval(&x).unwrap();
        for (p, q) in a.iter().zip(&b) {
            prop_assert!(close(*p, *q, 1e-9), "unfolded {p} vs folded {q}");
        }
        // no two affine-like layers stay adjacent, except the Mul+Add pair of a diagonal run
        for w in folded.layers().windows(2) {
            let both = w[0].is_affine_like() && w[1].is_affine_like();
            let diagonal_pair = matches!(
                (&w[0].kind, &w[1].kind),
                (LayerKind::Elementwise(m), LayerKind::Elementwise(a))
                    if m.op == ElementwiseOp::Mul && a.op == ElementwiseOp::Add
            );
            prop_assert!(!both || diagonal_pair, "unfolded pair {:?}", w.iter().map(|l| l.kind_name()).collect::<Vec<_>>());
        }
    }

    /// The activation pattern records exactly the ReLUs whose pre-activation is positive.
    #[test]
    fn activation_pattern_matches_relu_inputs((net, x) in arb_network()) {
        let (_, pattern) = net.eval_traced(&x).unwrap();
        prop_assert_eq!(pattern.layers.len(), net.relu_layer_widths().len());
        let mut value = x.clone();
        let mut relu = 0;
        for (i, layer) in net.layers().iter().enumerate() {
            let prefix = Network::new(
                vec![x.len()],
                net.layers()[..=i].to_vec(),
                layer.output_shape.clone(),
                provenance(),
            ).unwrap();
            if matches!(layer.kind, LayerKind::Relu) {
                let want: Vec<bool> = value.iter().map(|v| *v > 0.0).collect();
                prop_assert_eq!(&pattern.layers[relu], &want);
                relu += 1;
            }
            value = prefix.eval(&x).unwrap();
        }
    }
}

/// A planted case: with dyadic weights everything is exact in every precision.
#[test]
fn dyadic_network_is_exact_everywhere() {
    let weights = Matrix::from_row_major(2, 2, vec![0.5, -0.25, 2.0, 1.0]).unwrap();
    let layers = vec![
        layer(
            LayerKind::Affine(Affine {
                weights,
                bias: vec![0.125, -4.0],
            }),
            2,
        ),
        layer(LayerKind::Relu, 2),
        layer(
            LayerKind::Elementwise(Elementwise {
                op: ElementwiseOp::Div,
                operand: vec![4.0, 8.0],
            }),
            2,
        ),
    ];
    let net = Network::new(vec![2], layers, vec![2], provenance()).unwrap();
    // pre = (0.5*1 - 0.25*2 + 0.125, 2*1 + 2 - 4) = (0.125, 0); relu -> (0.125, 0); /(4, 8)
    assert_eq!(net.eval(&[1.0f64, 2.0]).unwrap(), vec![0.03125, 0.0]);
    assert_eq!(net.eval(&[1.0f32, 2.0]).unwrap(), vec![0.03125, 0.0]);
    let q = |v: i64| BigRational::from_integer(v.into());
    let exact = net.eval(&[q(1), q(2)]).unwrap();
    assert_eq!(exact, vec![BigRational::new(1.into(), 32.into()), q(0)]);
    let (_, pattern) = net.eval_traced(&[1.0f64, 2.0]).unwrap();
    assert_eq!(
        pattern.layers,
        vec![vec![true, false]],
        "zero pre-activation counts as inactive"
    );
}

/// Constants that no evaluation could use are refused when the network is built.
#[test]
fn invalid_constants_are_rejected() {
    let div0 = layer(
        LayerKind::Elementwise(Elementwise {
            op: ElementwiseOp::Div,
            operand: vec![0.0],
        }),
        1,
    );
    let e = Network::new(vec![1], vec![div0], vec![1], provenance()).unwrap_err();
    assert!(e.to_string().contains("divisor[0] is zero"), "{e}");
    let weights = Matrix::from_row_major(1, 1, vec![f64::INFINITY]).unwrap();
    let inf = layer(
        LayerKind::Affine(Affine {
            weights,
            bias: vec![0.0],
        }),
        1,
    );
    let e = Network::new(vec![1], vec![inf], vec![1], provenance()).unwrap_err();
    assert!(e.to_string().contains("weight[0] is inf"), "{e}");
    let wrong = layer(LayerKind::Relu, 3);
    assert!(Network::new(vec![2], vec![wrong], vec![3], provenance()).is_err());
}
