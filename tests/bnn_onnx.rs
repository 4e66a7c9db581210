//! Binarised networks in the ONNX pattern PyTorch exports (tests/fixtures/bnn, written by
//! scripts/make-bnn-fixtures.py): vera's float32 execution against onnxruntime's outputs bit
//! for bit, including inputs placed exactly on BatchNorm thresholds; clear errors for what it
//! does not read; and `vera verify` on them (the SAT engine).

mod common;

use common::bnn_case::{box_text, corner_oracle};
use common::{reference_cases, repo, vera};
use vera::bnn_sat::{decide, SatOptions};
use vera::engine::Budget;
use vera::network::load;
use vera::spec::vnnlib;
use vera::verify::Verdict;

#[test]
fn float32_execution_matches_onnxruntime_bit_for_bit() {
    let mut samples = 0;
    for case in reference_cases("tests/fixtures/bnn/reference.json") {
        let net = load(&repo(&case.network)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(net.kind(), "bnn", "{}", case.network);
        for (x, want) in case.inputs.iter().zip(&case.outputs) {
            let x32: Vec<f32> = x.iter().map(|v| *v as f32).collect();
            let got = net.eval(&x32).unwrap();
            let want32: Vec<f32> = want.iter().map(|v| *v as f32).collect();
            assert_eq!(got, want32, "{} at {x:?}", case.network);
            samples += 1;
        }
    }
    assert!(samples >= 90, "{samples} samples");
}

#[test]
fn what_vera_does_not_read_is_named() {
    let path = repo("tests/fixtures/bnn/bad_condition_as_number.onnx");
    let e = load(&path).expect_err("as_number").to_string();
    for w in ["as_number", "boolean comparison"] {
        assert!(e.contains(w), "{e}");
    }
    // An ONNX Sign whose dot product reaches 0 (4 inputs of ±1, bias 0) is read, but is not a
    // binarised network: the SAT engine names the node and the neuron.
    let net = repo("tests/fixtures/bnn/bad_sign.onnx");
    let tmp = tempfile::tempdir().unwrap();
    let prop = tmp.path().join("p.vnnlib");
    std::fs::write(
        &prop,
        box_text(&[-1.0; 4], &[1.0; 4], 2) + "(assert (>= Y_0 100))\n",
    )
    .unwrap();
    let o = vera(&[
        "verify",
        net.to_str().unwrap(),
        prop.to_str().unwrap(),
        "--engine",
        "sat",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for w in [
        "the_sign",
        "ONNX Sign gives 0 at neuron",
        "its dot product is 0",
    ] {
        assert!(err.contains(w), "{err}");
    }
}

/// The per-input zeros of `bnn_onnx_sign.onnx` (its first layer is `Sign(x - c)`).
fn sign_centre(net: &vera::network::Network) -> Vec<f32> {
    match &net.layers()[0].kind {
        vera::network::LayerKind::Elementwise(e) => e.operand.iter().map(|v| -*v as f32).collect(),
        k => panic!("first layer {k:?}"),
    }
}

#[test]
fn onnx_sign_is_a_sign_over_boxes_that_exclude_its_zero() {
    let net = load(&repo("tests/fixtures/bnn/bnn_onnx_sign.onnx")).unwrap();
    let c = sign_centre(&net);
    let mut s = common::Sampler::new(31);
    let (mut holds, mut violated) = (0, 0);
    for seed in 0..80 {
        // A box per input on one side of its zero, often touching the float32 number next to it.
        let (mut lo, mut hi) = (vec![0f32; 6], vec![0f32; 6]);
        for i in 0..6 {
            let width = (0.6 * s.unit()) as f32;
            let touch = s.unit() < 0.5;
            if s.unit() < 0.5 {
                lo[i] = if touch {
                    c[i].next_up()
                } else {
                    c[i] + (0.3 * s.unit()) as f32 + 1e-3
                };
                hi[i] = lo[i] + width;
            } else {
                hi[i] = if touch {
                    c[i].next_down()
                } else {
                    c[i] - (0.3 * s.unit()) as f32 - 1e-3
                };
                lo[i] = hi[i] - width;
            }
        }
        let (a, b) = (seed % 3, (seed + 1 + seed / 3) % 3);
        let b = if a == b { (a + 1) % 3 } else { b };
        let text = box_text(&lo, &hi, 3) + &format!("(assert (>= Y_{b} Y_{a}))\n");
        let property = vnnlib::parse(text.as_bytes(), "p.vnnlib", None).unwrap();
        let want = corner_oracle(&net, &property, &lo, &hi);
        let report = decide(
            &net,
            &property,
            &Budget::unlimited(),
            &SatOptions::default(),
        )
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        match report.verdict {
            Verdict::Holds => {
                assert!(
                    !want,
                    "seed {seed}: holds, but a corner is a counterexample"
                );
                holds += 1;
            }
            Verdict::Violated(r) => {
                assert!(want && r.confirmed(), "seed {seed}: {:?}", r.input);
                violated += 1;
            }
            Verdict::Unknown(why) => panic!("seed {seed}: unknown: {why}"),
        }
    }
    assert!(
        holds >= 10 && violated >= 10,
        "{holds} holds, {violated} violated"
    );
    // A box that holds a zero of the first layer is refused, naming the input.
    let (lo, hi) = (vec![-1f32; 6], vec![1f32; 6]);
    let text = box_text(&lo, &hi, 3) + "(assert (>= Y_1 Y_0))\n";
    let property = vnnlib::parse(text.as_bytes(), "p.vnnlib", None).unwrap();
    let report = decide(
        &net,
        &property,
        &Budget::unlimited(),
        &SatOptions::default(),
    )
    .unwrap();
    let Verdict::Unknown(e) = report.verdict else {
        panic!("a zero in the box: {:?}", report.verdict)
    };
    assert!(
        e.contains("ONNX Sign gives 0") && e.contains("input 0 is"),
        "{e}"
    );
}

#[test]
fn verify_on_a_bnn_finds_planted_violations_and_proves_bounded_outputs() {
    let net_path = repo("tests/fixtures/bnn/bnn_small.onnx");
    let net = load(&net_path).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let x = [0.3f32, -0.2, 0.1, 0.4, -0.5, 0.2];
    let y = net.eval(&x).unwrap();
    let write = |name: &str, atom: String| {
        let mut text = String::new();
        for (i, v) in x.iter().enumerate() {
            text += &format!(
                "(declare-const X_{i} Real)(assert (>= X_{i} {:?}))(assert (<= X_{i} {:?}))\n",
                f64::from(*v) - 0.25,
                f64::from(*v) + 0.25
            );
        }
        for j in 0..3 {
            text += &format!("(declare-const Y_{j} Real)\n");
        }
        text += &atom;
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    // Reachable at the box's centre: violated, with a replayed witness.
    let planted = write(
        "planted.vnnlib",
        format!("(assert (>= Y_0 {:?}))", f64::from(y[0])),
    );
    let o = vera(&[
        "verify",
        net_path.to_str().unwrap(),
        planted.to_str().unwrap(),
        "--timeout",
        "10",
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["verdict"], "violated", "{j}");
    // Far out of reach (the logits are bounded by the sum of |weights| and |bias|): the SAT
    // engine proves it.
    let unreachable = write("unreachable.vnnlib", "(assert (>= Y_0 1000000))".into());
    let o = vera(&[
        "verify",
        net_path.to_str().unwrap(),
        unreachable.to_str().unwrap(),
        "--timeout",
        "2",
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["verdict"], "holds", "{j}");
    assert_eq!(j["answered_by"], "sat", "{j}");
    assert_eq!(o.status.code(), Some(0));
    // --engine sat on a ReLU network is an error that says why.
    let relu = repo("benchmarks/vnncomp-test/test_small.onnx");
    let prop = repo("benchmarks/vnncomp-test/test_small.vnnlib");
    let o = vera(&[
        "verify",
        relu.to_str().unwrap(),
        prop.to_str().unwrap(),
        "--engine",
        "sat",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("binarised networks only"));
}

#[test]
fn info_reports_a_bnn_and_its_folding() {
    let path = repo("tests/fixtures/bnn/bnn_small.onnx");
    let o = vera(&["info", path.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["kind"], "bnn");
    assert_eq!(j["sign_layers"], serde_json::json!([6, 8]));
    assert_eq!(j["bnn_fold"]["hidden_neurons"], 8);
    assert_eq!(j["bnn_fold"]["logits"], 3);
    // A ReLU network is not one.
    let relu = repo("benchmarks/vnncomp-test/test_small.onnx");
    let o = vera(&["info", relu.to_str().unwrap(), "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["kind"], "piecewise_linear");
    assert!(j["bnn_fold"].is_null());
}
