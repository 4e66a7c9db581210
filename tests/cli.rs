//! The `vera` command line end to end: info, eval, and clear errors on bad input.

mod common;

use common::vera;
use common::{acas_name, acasxu, reference_cases, repo};
use std::path::Path;
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "vera failed: {}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// Runs vera expecting failure: exit code 1, one `error:` line naming `words`, no panic.
fn fails_with(args: &[&str], words: &[&str]) {
    let o = vera(args);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{args:?} should fail with exit code 1: {err}"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(
        stdout(&o).is_empty(),
        "{args:?} printed to stdout: {}",
        stdout(&o)
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{args:?}: expected one error line, got: {err}"
    );
    assert!(lines[0].starts_with("error: "), "{err}");
    for w in words {
        assert!(
            err.contains(w),
            "{args:?}: error should mention '{w}': {err}"
        );
    }
}

fn acas_onnx(a: usize, b: usize) -> String {
    acasxu();
    format!("benchmarks/acasxu/onnx/{}.onnx", acas_name(a, b))
}

fn acas_nnet(a: usize, b: usize) -> String {
    acasxu();
    format!("benchmarks/acasxu/nnet/{}.nnet", acas_name(a, b))
}

#[test]
fn info_reports_acasxu_sizes() {
    let j = json(&vera(&["info", &acas_onnx(1, 1), "--json"]));
    assert_eq!(j["inputs"], 5);
    assert_eq!(j["outputs"], 5);
    assert_eq!(j["relus"], 300);
    assert_eq!(
        j["relu_layers"],
        serde_json::json!([50, 50, 50, 50, 50, 50])
    );
    assert_eq!(j["format"], "onnx");
    assert_eq!(j["opset"], 8);
    assert_eq!(j["precision"], "f32");
    let layers = j["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 13, "7 affine + 6 relu after folding");
    assert_eq!(layers[0]["kind"], "affine");
    assert_eq!(layers[0]["inputs"], 5);
    assert_eq!(layers[12]["outputs"], 5);

    let text = stdout(&vera(&["info", &acas_nnet(1, 1)]));
    assert!(text.contains("relus     300"), "{text}");
    assert!(text.contains("--raw-units"), "{text}");
    let raw = json(&vera(&["info", &acas_nnet(1, 1), "--raw-units", "--json"]));
    assert_eq!(raw["units"], "raw");
    assert_eq!(raw["normalization"]["output_range"], 373.94992);
    assert_eq!(raw["layers"][0]["kind"], "clamp");
}

/// `vera eval --json` reproduces onnxruntime's outputs on every ACAS Xu network.
#[test]
fn eval_agrees_with_onnxruntime_on_every_acasxu_network() {
    acasxu();
    let mut checked = 0;
    for case in reference_cases("tests/fixtures/reference-outputs.json") {
        if !case.network.contains("acasxu") {
            continue;
        }
        let x = &case.inputs[0];
        let input = x
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let j = json(&vera(&["eval", &case.network, "--input", &input, "--json"]));
        assert_eq!(j["precision"], "f32");
        let out: Vec<f64> = j["output"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        for (got, want) in out.iter().zip(&case.outputs[0]) {
            assert!(
                (got - want).abs() <= 1e-5,
                "{}: {got} vs onnxruntime {want}",
                case.network
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 45);
}

#[test]
fn eval_precisions_and_activations() {
    let net = acas_onnx(2, 3);
    let input = "0.1,-0.2,0.3,0.25,-0.35";
    let f32 = json(&vera(&[
        "eval",
        &net,
        "--input",
        input,
        "--json",
        "--activations",
    ]));
    let f64 = json(&vera(&[
        "eval",
        &net,
        "--input",
        input,
        "--json",
        "--precision",
        "f64",
    ]));
    let exact = json(&vera(&[
        "eval",
        &net,
        "--input",
        input,
        "--json",
        "--precision",
        "exact",
    ]));
    let acts = f32["activations"].as_array().unwrap();
    assert_eq!(acts.len(), 6);
    assert!(acts.iter().all(|l| l.as_array().unwrap().len() == 50));
    let exact_strings = exact["output_exact"].as_array().unwrap();
    assert_eq!(exact_strings.len(), 5);
    assert!(exact_strings[0].as_str().unwrap().contains('/'));
    for i in 0..5 {
        let (a, b, c) = (
            f32["output"][i].as_f64().unwrap(),
            f64["output"][i].as_f64().unwrap(),
            exact["output"][i].as_f64().unwrap(),
        );
        assert!((b - c).abs() < 1e-12, "f64 {b} vs exact {c}");
        assert!((a - c).abs() < 1e-5, "f32 {a} vs exact {c}");
    }
    assert_eq!(f32["argmax"], exact["argmax"]);

    // input from a file (JSON-style) and from standard input agree with --input
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.json");
    std::fs::write(&file, "[0.1, -0.2, 0.3,\n 0.25, -0.35]\n").unwrap();
    let from_file = json(&vera(&[
        "eval",
        &net,
        "--input-file",
        file.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(from_file["output"], f32["output"]);
    let text = stdout(&vera(&["eval", &net, "--input", input]));
    assert!(text.starts_with("output  "), "{text}");
}

/// The .nnet's raw units: φ1's corner input (Reluplex paper units) gives a COC score in
/// raw units, equal to the ONNX twin's normalised output scaled back.
#[test]
fn eval_raw_units_of_nnet() {
    let raw = json(&vera(&[
        "eval",
        &acas_nnet(1, 1),
        "--raw-units",
        "--json",
        "--input",
        "60000,0,0,1150,50",
    ]));
    assert_eq!(raw["units"], "raw");
    let x: Vec<f64> = [
        (60000.0 - 19791.091) / 60261.0,
        0.0,
        0.0,
        (1150.0 - 650.0) / 1100.0,
        (50.0 - 600.0) / 1200.0,
    ]
    .to_vec();
    let input = x
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let norm = json(&vera(&[
        "eval",
        &acas_onnx(1, 1),
        "--json",
        "--precision",
        "f64",
        "--input",
        &input,
    ]));
    for i in 0..5 {
        let r = raw["output"][i].as_f64().unwrap();
        let n = norm["output"][i].as_f64().unwrap() * 373.94992 + 7.5188840201005975;
        assert!((r - n).abs() < 1e-3, "raw {r} vs scaled {n}");
    }
}

#[test]
fn bad_onnx_files_give_one_clear_error() {
    let cases: &[(&str, &[&str])] = &[
        (
            "truncated.onnx",
            &["truncated.onnx", "not an ONNX model", "truncated"],
        ),
        (
            "text.onnx",
            &["text.onnx", "not an ONNX model", "looks like text"],
        ),
        (
            "random_bytes.onnx",
            &["random_bytes.onnx", "protobuf decoding failed"],
        ),
        ("empty.onnx", &["empty.onnx", "empty"]),
        (
            "unsupported_op.onnx",
            &["node 'act_tanh' (Tanh)", "unsupported operator Tanh"],
        ),
        (
            "missing_initializer.onnx",
            &["node 'mm_missing' (MatMul)", "'W_missing'"],
        ),
        (
            "bad_shape.onnx",
            &["node 'mm_bad' (MatMul)", "[1, 4]", "[5, 3]"],
        ),
        ("two_inputs.onnx", &["exactly one graph input", "x1", "x2"]),
        ("residual.onnx", &["node 'skip_add' (Add)", "residual"]),
        ("nan_weight.onnx", &["node 'gemm_nan' (Gemm)", "NaN"]),
    ];
    for (file, words) in cases {
        let path = format!("tests/fixtures/bad/{file}");
        fails_with(&["info", &path], words);
        fails_with(&["eval", &path, "--input", "0"], words);
    }
}

#[test]
fn bad_nnet_files_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(repo(&acas_nnet(1, 1))).unwrap();
    // break the first weight of the first layer
    let lines: Vec<&str> = good.lines().collect();
    let target = lines
        .iter()
        .position(|l| l.starts_with("5.40062e-02"))
        .unwrap();
    let mut broken = lines.clone();
    let bad_line = broken[target].replacen("5.40062e-02", "5.4oo62e-02", 1);
    broken[target] = &bad_line;
    let path = dir.path().join("broken.nnet");
    std::fs::write(&path, broken.join("\n")).unwrap();
    let line = format!("broken.nnet:{}:1:", target + 1);
    fails_with(&["info", path.to_str().unwrap()], &[&line, "'5.4oo62e-02'"]);

    let short = dir.path().join("short.nnet");
    std::fs::write(&short, lines[..lines.len() - 3].join("\n")).unwrap();
    fails_with(
        &["info", short.to_str().unwrap()],
        &[
            "short.nnet",
            "expected 13305 weights and biases",
            "found 13302",
        ],
    );
}

#[test]
fn bad_arguments_give_clear_errors() {
    let net = acas_onnx(1, 1);
    fails_with(
        &["eval", &net, "--input", "1,2,3"],
        &["expected 5 input values, got 3"],
    );
    fails_with(
        &["eval", &net, "--input", "1,2,x,4,5"],
        &["value 3 ('x') is not a finite number"],
    );
    fails_with(
        &["eval", &net, "--input", "1,2,inf,4,5"],
        &["value 3 ('inf')"],
    );
    fails_with(
        &["eval", &net, "--input-file", "/nonexistent/x.txt"],
        &["/nonexistent/x.txt", "cannot read"],
    );
    fails_with(
        &["info", "no/such/net.onnx"],
        &["no/such/net.onnx", "cannot read the file"],
    );
    fails_with(&["info", &net, "--raw-units"], &["raw units", ".nnet"]);
    // clap's own usage errors exit with 2
    assert_eq!(vera(&["eval", &net]).status.code(), Some(2));
}

#[test]
fn gzip_and_unknown_extensions_are_read_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo(&acas_onnx(1, 1));
    let gz = dir.path().join("net.onnx.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &std::fs::read(&src).unwrap()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let renamed = dir.path().join("model.bin");
    std::fs::copy(&src, &renamed).unwrap();
    let nnet_renamed = dir.path().join("model.txt");
    std::fs::copy(repo(&acas_nnet(1, 1)), &nnet_renamed).unwrap();
    for p in [&gz, &renamed, &nnet_renamed] {
        let j = json(&vera(&["info", p.to_str().unwrap(), "--json"]));
        assert_eq!(j["relus"], 300, "{}", p.display());
    }
    let garbage = dir.path().join("garbage.gz");
    std::fs::write(&garbage, [0x1f, 0x8b, 1, 2, 3]).unwrap();
    fails_with(
        &["info", garbage.to_str().unwrap()],
        &["garbage.gz", "gzip"],
    );
}

#[test]
fn help_texts_have_examples() {
    for cmd in ["info", "eval"] {
        let text = stdout(&vera(&[cmd, "--help"]));
        assert!(text.contains("Example: vera "), "{cmd} --help: {text}");
    }
    assert!(Path::new(env!("CARGO_BIN_EXE_vera")).exists());
}

/// The smoke-test networks and the operator fixtures all load from the CLI.
#[test]
fn every_fixture_network_loads() {
    for case in reference_cases("tests/fixtures/onnx-ops/reference.json") {
        let j = json(&vera(&["info", &case.network, "--json"]));
        assert_eq!(
            j["inputs"].as_u64().unwrap() as usize,
            case.inputs[0].len(),
            "{}",
            case.network
        );
        assert_eq!(
            j["outputs"].as_u64().unwrap() as usize,
            case.outputs[0].len(),
            "{}",
            case.network
        );
    }
}
