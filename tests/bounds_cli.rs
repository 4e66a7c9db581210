//! `vera bounds` from the command line: VNN-LIB properties and .vera specs, every method,
//! JSON, exit codes, and errors.

mod common;

use common::{acas_name, acasxu, vera};
use serde_json::Value;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// ACAS Xu 2_9 under property 4: symbolic and alpha bounds prove it (exit 0), interval bounds
/// cannot (exit 20); the tighter methods give narrower ranges that still contain the output
/// at the box's centre.
#[test]
fn acasxu_property_4_on_2_9_is_proved_by_symbolic_bounds() {
    let dir = acasxu();
    let net = dir.join("onnx").join(format!("{}.onnx", acas_name(2, 9)));
    let prop = dir.join("vnnlib/prop_4.vnnlib");
    let centre_output = {
        let n = vera::network::load(&net).unwrap();
        let p = vera::spec::vnnlib::read(&prop, None).unwrap();
        let b = &p.cases()[0].inputs.polytopes[0].bounds;
        let x: Vec<f64> = b
            .lower
            .iter()
            .zip(&b.upper)
            .map(|(l, u)| {
                (vera::spec::to_f64(l.as_ref().unwrap()) + vera::spec::to_f64(u.as_ref().unwrap()))
                    / 2.0
            })
            .collect();
        n.eval(&x).unwrap()
    };
    let mut widths = Vec::new();
    for (method, code, verdict) in [
        ("interval", 20, "unknown"),
        ("symbolic", 0, "holds"),
        ("alpha", 0, "holds"),
    ] {
        let out = vera(&[
            "bounds",
            net.to_str().unwrap(),
            prop.to_str().unwrap(),
            "--method",
            method,
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(code), "{method}: {out:?}");
        let j = json(&out);
        assert_eq!(j["verdict"], verdict);
        assert_eq!(j["method"], method);
        let outputs = j["outputs"].as_array().unwrap();
        assert_eq!(outputs.len(), 5);
        let mut width = 0.0;
        for (o, y) in outputs.iter().zip(&centre_output) {
            let (l, u) = (o["lower"].as_f64().unwrap(), o["upper"].as_f64().unwrap());
            assert!(l <= *y && *y <= u, "{method}: {y} outside [{l}, {u}]");
            width += u - l;
        }
        widths.push(width);
    }
    assert!(
        widths[1] < widths[0] && widths[2] <= widths[1],
        "{widths:?}"
    );
}

#[test]
fn a_spec_gives_property_verdicts_and_query_ranges() {
    let out = vera(&["bounds", "specs/examples/digits.vera", "--json"]);
    // robust_seven holds by bounds, the wide properties do not: exit 20.
    assert_eq!(out.status.code(), Some(20), "{out:?}");
    let items = json(&out);
    let names: Vec<(&str, &str)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("robust_seven", "property"),
            ("robust_seven_wide", "property"),
            ("never_three", "property"),
            ("score_bounds", "query")
        ]
    );
    assert_eq!(items[0]["verdict"], "holds");
    assert_eq!(items[1]["verdict"], "unknown");
    let ranges = items[3]["ranges"].as_array().unwrap();
    assert_eq!(ranges.len(), 10);
    assert_eq!(ranges[7]["target"], "seven");
    // The query's region is robust_seven's: its score ranges match that property's outputs
    // (up to the rounding margins, which differ with the path taken).
    for (j, r) in ranges.iter().enumerate() {
        let l = r["range"]["lower"].as_f64().unwrap();
        let m = items[0]["outputs"][j]["lower"].as_f64().unwrap();
        assert!((l - m).abs() <= 1e-9 * (1.0 + m.abs()), "{j}: {l} vs {m}");
    }
}

#[test]
fn bad_arguments_are_clear_errors() {
    let dir = acasxu();
    let net = dir.join("onnx").join(format!("{}.onnx", acas_name(1, 1)));
    let out = vera(&["bounds", net.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("give a network and a property"), "{err}");
    let out = vera(&[
        "bounds",
        net.to_str().unwrap(),
        "specs/examples/digits.vera",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("has 5 inputs and 5 outputs, but the spec's network"),
        "{err}"
    );
}
