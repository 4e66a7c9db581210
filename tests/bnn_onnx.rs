//! Binarised networks in the ONNX pattern PyTorch exports (tests/fixtures/bnn, written by
//! scripts/make-bnn-fixtures.py): vera's float32 execution against onnxruntime's outputs bit
//! for bit, including inputs placed exactly on BatchNorm thresholds; clear errors for what it
//! does not read; and `vera verify` on them (the SAT engine).

mod common;

use common::{reference_cases, repo, vera};
use vera::network::load;

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
    for (file, words) in [
        ("bad_sign.onnx", ["the_sign", "Sign gives 0 at 0"]),
        (
            "bad_condition_as_number.onnx",
            ["as_number", "boolean comparison"],
        ),
    ] {
        let path = repo(&format!("tests/fixtures/bnn/{file}"));
        let e = load(&path).expect_err(file).to_string();
        for w in words {
            assert!(e.contains(w), "{file}: {e}");
        }
    }
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
