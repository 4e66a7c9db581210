//! `vera verify` and `vera vnncomp run` from the command line: verdicts, exit codes, JSON,
//! the VNN-COMP result file, and clear errors.

mod common;

use common::vera;
use std::path::{Path, PathBuf};
use vera::network::load;

fn smoke(name: &str) -> String {
    let dir = common::repo("benchmarks/vnncomp-test");
    assert!(dir.is_dir(), "run scripts/fetch-benchmarks.sh first");
    dir.join(name).display().to_string()
}

/// A property on test_small that is violated by construction: the output at X_0 = 0.25,
/// minus a little, is reachable.
fn planted_small(dir: &Path) -> PathBuf {
    let net = load(Path::new(&smoke("test_small.onnx"))).unwrap();
    let y = f64::from(net.eval(&[0.25f32]).unwrap()[0]);
    let t = y - 1e-3 * (1.0 + y.abs());
    let path = dir.join("planted.vnnlib");
    let text = format!(
        "; planted violation\n(declare-const X_0 Real)\n(declare-const Y_0 Real)\n\
         (assert (>= X_0 -1))\n(assert (<= X_0 1))\n(assert (>= Y_0 {t:?}))\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn verdicts_and_exit_codes() {
    let o = vera(&[
        "verify",
        &smoke("test_small.onnx"),
        &smoke("test_small.vnnlib"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("verdict   holds"));

    let tmp = tempfile::tempdir().unwrap();
    let planted = planted_small(tmp.path());
    let o = vera(&[
        "verify",
        &smoke("test_small.onnx"),
        planted.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(10),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["verdict"], "violated");
    assert_eq!(j["engine"], "auto");
    // Every part that ran is listed with its time; the one that answered said violated.
    let parts = j["parts"].as_array().unwrap();
    assert!(!parts.is_empty());
    assert!(parts.iter().all(|p| p["time_s"].as_f64().unwrap() >= 0.0));
    assert!(parts.iter().any(|p| p["result"] == "violated"), "{parts:?}");
    assert!(j["time_s"].as_f64().unwrap() >= 0.0);
    let x = j["witness"]["input"][0].as_f64().unwrap();
    let y = j["witness"]["output"][0].as_f64().unwrap();
    assert!((-1.0..=1.0).contains(&x));
    // the reported output is what the network computes on the reported input (float32)
    let net = load(Path::new(&smoke("test_small.onnx"))).unwrap();
    assert_eq!(f64::from(net.eval(&[x as f32]).unwrap()[0]), y);

    // a timeout of zero gives unknown with the reason, exit code 20
    let o = vera(&[
        "verify",
        &smoke("test_unsat.onnx"),
        &smoke("test_prop.vnnlib"),
        "--timeout",
        "0",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(20));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["verdict"], "unknown");
    assert_eq!(j["reason"], "timeout");
}

#[test]
fn vnncomp_result_files_parse_back() {
    let tmp = tempfile::tempdir().unwrap();
    let result = tmp.path().join("result.txt");
    let r = result.to_str().unwrap();
    let o = vera(&[
        "vnncomp",
        "run",
        &smoke("test_small.onnx"),
        &smoke("test_small.vnnlib"),
        r,
        "60",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&result).unwrap(), "unsat\n");

    let planted = planted_small(tmp.path());
    let o = vera(&[
        "vnncomp",
        "run",
        &smoke("test_small.onnx"),
        planted.to_str().unwrap(),
        r,
        "60",
    ]);
    assert!(o.status.success());
    let text = std::fs::read_to_string(&result).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    assert_eq!(first, "sat");
    // ((X_0 v)\n (Y_0 v)): parse the pairs back
    let body = rest.trim();
    assert!(body.starts_with("((") && body.ends_with("))"), "{body}");
    let pairs: Vec<(String, f64)> = body[1..body.len() - 1]
        .split(')')
        .filter_map(|p| {
            let p = p.trim().trim_start_matches('(');
            let (name, value) = p.split_once(' ')?;
            Some((name.to_string(), value.parse().unwrap()))
        })
        .collect();
    assert_eq!(
        pairs.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        ["X_0", "Y_0"]
    );
    let net = load(Path::new(&smoke("test_small.onnx"))).unwrap();
    let y = f64::from(net.eval(&[pairs[0].1 as f32]).unwrap()[0]);
    assert_eq!(y, pairs[1].1, "Y_0 is the network's output on X_0");
    let property = vera::spec::vnnlib::read(&planted, None).unwrap();
    assert!(
        property
            .check_f64(&[pairs[0].1], &[pairs[1].1])
            .unwrap()
            .violated
    );

    let o = vera(&[
        "vnncomp",
        "run",
        &smoke("test_unsat.onnx"),
        &smoke("test_prop.vnnlib"),
        r,
        "0.5",
    ]);
    assert!(o.status.success());
    assert_eq!(std::fs::read_to_string(&result).unwrap(), "timeout\n");

    let o = vera(&[
        "vnncomp",
        "run",
        "no/such.onnx",
        &smoke("test_small.vnnlib"),
        r,
        "10",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&result).unwrap(), "error\n");
}

#[test]
fn bad_properties_give_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.vnnlib");
    std::fs::write(
        &bad,
        "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (<= X_0 1)\n",
    )
    .unwrap();
    let o = vera(&["verify", &smoke("test_small.onnx"), bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.vnnlib:3:1"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // a property over more inputs than the network has
    std::fs::write(&bad, "(declare-const X_0 Real)(declare-const X_1 Real)(declare-const Y_0 Real)(assert (<= Y_0 1))").unwrap();
    let o = vera(&["verify", &smoke("test_small.onnx"), bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.vnnlib"), "{err}");
    assert!(err.contains("X_1"), "{err}");
}

/// The verdicts of `vera verify` on every piece `vera split` wrote to `dir`.
fn piece_verdicts(dir: &Path) -> Vec<String> {
    let csv = std::fs::read_to_string(dir.join("instances.csv")).unwrap();
    csv.lines()
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            assert_eq!(cols.len(), 3, "{line}");
            assert!(Path::new(cols[0]).is_absolute(), "{line}");
            let piece = dir.join(cols[1]);
            let o = vera(&["verify", cols[0], piece.to_str().unwrap(), "--json"]);
            let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            j["verdict"].as_str().unwrap().to_string()
        })
        .collect()
}

/// `vera split NET PROP --pieces 4 --out OUT`, then the verdict on every piece.
fn split_and_verify(net: &str, property: &str, out: &Path) -> Vec<String> {
    let o = vera(&[
        "split",
        net,
        property,
        "--pieces",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    piece_verdicts(out)
}

#[test]
fn split_writes_pieces_that_decide_the_property() {
    let tmp = tempfile::tempdir().unwrap();
    let net = smoke("test_small.onnx");
    // Holds: so does every piece.
    let out = tmp.path().join("holds");
    let verdicts = split_and_verify(&net, &smoke("test_small.vnnlib"), &out);
    assert_eq!(verdicts.len(), 4);
    assert!(verdicts.iter().all(|v| v == "holds"), "{verdicts:?}");
    // Violated: some piece is, and none is undecided.
    let planted = planted_small(tmp.path());
    let out = tmp.path().join("violated");
    let verdicts = split_and_verify(&net, planted.to_str().unwrap(), &out);
    assert!(verdicts.iter().any(|v| v == "violated"), "{verdicts:?}");
    assert!(verdicts.iter().all(|v| v != "unknown"), "{verdicts:?}");
    // A folder that is not empty is refused, and left as it was.
    let o = vera(&[
        "split",
        &net,
        planted.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not empty"));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 5);
}
