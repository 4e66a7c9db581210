//! Binarised networks folded to integers (`vera::bnn`) against float32 execution, bit for bit:
//! the fixtures exported like PyTorch's (and onnxruntime's outputs on them), and hundreds of
//! generated BNNs with BatchNorms of both signs (and zero) of gamma, probed at random inputs
//! and exactly at every input threshold and its neighbours.

mod common;

use common::generate::random_bnn;
use common::{reference_cases, repo, Sampler};
use num_rational::BigRational;
use vera::bnn::{Bnn, InputBit};
use vera::network::{load, LayerKind, Matrix, Network, Precision, Provenance};
use vera::spec::InputBox;

fn f32_eval(net: &Network, x: &[f64]) -> Vec<f64> {
    let x32: Vec<f32> = x.iter().map(|v| *v as f32).collect();
    net.eval(&x32).unwrap().into_iter().map(f64::from).collect()
}

#[test]
fn folded_fixtures_agree_with_onnxruntime() {
    let mut samples = 0;
    for case in reference_cases("tests/fixtures/bnn/reference.json") {
        if case.network.contains("quantised") {
            continue; // folded per input box: tests/bnn_quantised.rs
        }
        let net = load(&repo(&case.network)).unwrap();
        if case.network.contains("onnx_sign") {
            onnx_sign_folds_per_point(&net, &case.inputs, &case.outputs);
            continue;
        }
        let bnn = Bnn::from_network(&net).unwrap_or_else(|e| panic!("{}: {e}", case.network));
        for (x, want) in case.inputs.iter().zip(&case.outputs) {
            let want: Vec<f64> = want.iter().map(|v| f64::from(*v as f32)).collect();
            assert_eq!(bnn.eval(x), want, "{} at {x:?}", case.network);
            samples += 1;
        }
    }
    assert!(samples >= 90);
}

/// An ONNX Sign network (first layer `Sign(x - c)`) folded over each reference point alone:
/// refused exactly at the points where some input is on its zero, else onnxruntime's outputs.
fn onnx_sign_folds_per_point(net: &Network, inputs: &[Vec<f64>], outputs: &[Vec<f64>]) {
    let LayerKind::Elementwise(shift) = &net.layers()[0].kind else {
        panic!("the first layer subtracts c")
    };
    let (mut zeros, mut folded) = (0, 0);
    for (x, want) in inputs.iter().zip(outputs) {
        // The reference inputs are float32 values (JSON parsing may be an ulp off in f64).
        let x: &Vec<f64> = &x.iter().map(|v| f64::from(*v as f32)).collect();
        let exact: Vec<_> = x
            .iter()
            .map(|v| Some(BigRational::from_float(*v).unwrap()))
            .collect();
        let point = InputBox {
            lower: exact.clone(),
            upper: exact,
        };
        let on_zero = x
            .iter()
            .zip(&shift.operand)
            .any(|(v, c)| *v as f32 == -*c as f32);
        match Bnn::fold(net, &point) {
            Ok(bnn) => {
                assert!(!on_zero, "folded at a zero {x:?}");
                let want: Vec<f64> = want.iter().map(|v| f64::from(*v as f32)).collect();
                assert_eq!(bnn.eval(x), want, "at {x:?}");
                folded += 1;
            }
            Err(e) => {
                assert!(on_zero, "refused at {x:?}: {e}");
                assert!(e.to_string().contains("ONNX Sign gives 0"), "{e}");
                zeros += 1;
            }
        }
    }
    assert!(zeros >= 4 && folded >= 10, "{zeros} zeros, {folded} folded");
}

#[test]
fn folded_generated_bnns_agree_with_float32_execution() {
    let mut checked = 0;
    for seed in 0..300u64 {
        let mut s = Sampler::new(seed);
        let n = 1 + (seed as usize % 7);
        let widths = [
            n,
            2 + seed as usize % 9,
            1 + seed as usize % 5,
            2 + seed as usize % 3,
        ];
        let net = random_bnn(&mut s, &widths);
        let bnn = Bnn::from_network(&net).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        // Thresholds of the inputs, and their float32 neighbours.
        let near: Vec<Vec<f64>> = bnn
            .inputs
            .iter()
            .map(|b| match b {
                InputBit::AtLeast(t) | InputBit::AtMost(t) => {
                    let t32 = *t as f32;
                    vec![*t, f64::from(t32.next_up()), f64::from(t32.next_down())]
                }
                InputBit::Always(_) => vec![0.0],
            })
            .collect();
        for trial in 0..40 {
            let x: Vec<f64> = (0..n)
                .map(|i| {
                    if trial % 2 == 0 {
                        f64::from((8.0 * s.unit() - 4.0) as f32)
                    } else {
                        near[i][(s.unit() * near[i].len() as f64) as usize % near[i].len()]
                    }
                })
                .collect();
            assert_eq!(bnn.eval(&x), f32_eval(&net, &x), "seed {seed} at {x:?}");
            checked += 1;
        }
    }
    eprintln!("{checked} points agreed");
}

#[test]
fn networks_that_are_not_binarised_are_named() {
    // A ReLU layer where a sign should be.
    let mut s = Sampler::new(1);
    let net = random_bnn(&mut s, &[3, 4, 2]);
    let mut layers = net.layers().to_vec();
    let k = layers
        .iter()
        .rposition(|l| matches!(l.kind, LayerKind::Sign))
        .unwrap();
    layers[k].kind = LayerKind::Relu;
    layers[k].origin = "the_relu".into();
    let relu = Network::new(vec![3], layers, vec![2], Provenance::memory(Precision::F32)).unwrap();
    let e = Bnn::from_network(&relu).unwrap_err().to_string();
    assert!(e.contains("the_relu") && e.contains("relu"), "{e}");
    // A real weight in a binarised linear layer.
    let mut layers = net.layers().to_vec();
    if let LayerKind::Affine(a) = &mut layers[3].kind {
        let mut w = a.weights.as_slice().to_vec();
        w[0] = 0.5;
        a.weights = Matrix::from_row_major(a.weights.rows(), a.weights.cols(), w).unwrap();
    }
    let real = Network::new(vec![3], layers, vec![2], Provenance::memory(Precision::F32)).unwrap();
    let e = Bnn::from_network(&real).unwrap_err().to_string();
    assert!(e.contains("0.5") && e.contains("{-1, 0, 1}"), "{e}");
}
