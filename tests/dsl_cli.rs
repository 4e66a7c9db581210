//! `vera check` and `vera export` end to end: verdicts on the shipped example, an ACAS Xu
//! counterexample reported in raw units, exit codes, atomic export.

mod common;

use common::vera;
use serde_json::Value;

fn json(out: &std::process::Output) -> Vec<Value> {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn the_digit_example_holds_and_is_violated_where_expected() {
    let out = vera(&[
        "check",
        "specs/examples/digits.vera",
        "--timeout",
        "60",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(10),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = json(&out);
    let verdicts: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["property"].as_str().unwrap(),
                r["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("robust_seven", "holds"),
            ("robust_seven_wide", "violated"),
            ("never_three", "violated"),
            ("score_bounds", "computed"),
        ]
    );
    // The score ranges contain the scores of the ball's centre and of random images in the
    // ball (the ranges are sound), and are not trivially wide.
    let ranges = rows[3]["ranges"].as_array().unwrap();
    assert_eq!(ranges.len(), 10);
    assert_eq!(ranges[7]["target"], "seven");
    let net = vera::network::load(&common::repo("specs/examples/digits7x7.onnx")).unwrap();
    let centre: Vec<f64> = serde_json::from_str(
        &std::fs::read_to_string(common::repo("specs/examples/seven.json")).unwrap(),
    )
    .unwrap();
    let mut sampler = common::Sampler::new(3);
    let lo: Vec<f64> = centre.iter().map(|c| (c - 0.02).max(0.0)).collect();
    let hi: Vec<f64> = centre.iter().map(|c| (c + 0.02).min(1.0)).collect();
    for x in std::iter::once(centre.clone()).chain((0..200).map(|_| sampler.in_box(&lo, &hi))) {
        let y: Vec<f64> = net.eval(&x).unwrap();
        for (j, r) in ranges.iter().enumerate() {
            let (l, u) = (r["lower"].as_f64().unwrap(), r["upper"].as_f64().unwrap());
            assert!(
                l <= y[j] && y[j] <= u,
                "score {j} = {} outside [{l}, {u}]",
                y[j]
            );
            assert!(
                u - l < 20.0,
                "score {j}: [{l}, {u}] is too wide to be useful"
            );
        }
    }
    // The targeted counterexample scores 3 at least as high as every other digit.
    let scores: Vec<f64> = rows[2]["witness"]["spec_output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(scores.iter().all(|s| *s <= scores[3]), "{scores:?}");
    assert_eq!(rows[2]["witness"]["output_names"][3], "three");

    let out = vera(&[
        "check",
        "specs/examples/digits.vera",
        "--property",
        "robust_seven",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("property"), "{text}");
    assert!(text.contains("robust_seven  digits   holds"), "{text}");
}

#[test]
fn an_acasxu_counterexample_is_shown_in_raw_units() {
    common::acasxu();
    let net = "benchmarks/acasxu/onnx/ACASXU_run2a_1_7_batch_2000.onnx";
    let out = vera(&[
        "check",
        "specs/acasxu/phi3.vera",
        "--network",
        net,
        "--timeout",
        "30",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(10),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let row = &json(&out)[0];
    assert_eq!(row["network"], "ACASXU_run2a_1_7_batch_2000.onnx");
    let raw: Vec<f64> = row["witness"]["spec_input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    // phi3: 1500 <= rho <= 1800, -0.06 <= theta <= 0.06, 3.10 <= psi, 980 <= v_own, 960 <= v_int
    assert!((1500.0 - 1e-6..=1800.0 + 1e-6).contains(&raw[0]), "{raw:?}");
    assert!(
        raw[1].abs() <= 0.06 + 1e-9 && raw[2] >= 3.10 - 1e-9,
        "{raw:?}"
    );
    assert!(raw[3] >= 980.0 - 1e-6 && raw[4] >= 960.0 - 1e-6, "{raw:?}");
    // COC scores lowest: the advisory the property forbids.
    let scores = row["witness"]["spec_output"].as_array().unwrap();
    let coc = scores[0].as_f64().unwrap();
    assert!(scores.iter().all(|s| coc <= s.as_f64().unwrap()));
}

#[test]
fn phi1_runs_end_to_end() {
    common::acasxu();
    let out = vera(&["check", "specs/acasxu/phi1.vera", "--timeout", "1"]);
    let code = out.status.code();
    assert!(code == Some(0) || code == Some(20), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().nth(1).unwrap().starts_with("phi1      acas"),
        "{text}"
    );
}

#[test]
fn network_override_must_fit() {
    common::acasxu();
    let out = vera(&[
        "check",
        "specs/acasxu/phi1.vera",
        "--network",
        "specs/examples/digits7x7.onnx",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "error: specs/examples/digits7x7.onnx has 49 inputs and 10 outputs, but the spec's network `acas` has 5 and 5"
    );
}

#[test]
fn export_writes_one_file_per_property_and_nothing_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("vnnlib");
    let out = vera(&[
        "export",
        "specs/examples/digits.vera",
        "--vnnlib",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "never_three.vnnlib",
            "robust_seven.vnnlib",
            "robust_seven_wide.vnnlib"
        ]
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped query `score_bounds`"));
    let back = vera::spec::vnnlib::read(&out_dir.join("never_three.vnnlib"), None).unwrap();
    assert_eq!((back.num_inputs(), back.num_outputs()), (49, 10));

    let bad = dir.path().join("bad.vera");
    std::fs::write(
        &bad,
        "network n = \"nowhere.onnx\"\nproperty p { requires 0 <= x <= 1 ensures y[0] <= 1 }\n",
    )
    .unwrap();
    let empty = dir.path().join("empty");
    let out = vera(&[
        "export",
        bad.to_str().unwrap(),
        "--vnnlib",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!empty.exists());
}
