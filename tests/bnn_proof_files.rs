//! `vera verify --proof FILE` on a property of several queries, some enumerated and some
//! solved: each proof file carries the number of the query it refutes, the same number `vera
//! export --dimacs` gives that query's CNF, and each proof checks against that CNF.

mod common;

use common::bnn_case::mnist_digit;
use common::{vera, vera_json};
use std::path::Path;

/// The sparse EEV model and a digit it classifies robustly at 2 pixel levels.
const MODEL: &str = "benchmarks/bnn/models/eev_mlp_sparse.onnx";
const DIGIT: usize = 1;
const LABEL: usize = 5;

/// A robustness property of `center` over the union of the L∞ boxes of radii `radii` (one
/// input polytope, so one query, per radius, in this order).
fn union_of_boxes(center: &[f64], radii: &[f64]) -> String {
    let mut text = String::new();
    for i in 0..center.len() {
        text += &format!("(declare-const X_{i} Real)\n");
    }
    for j in 0..10 {
        text += &format!("(declare-const Y_{j} Real)\n");
    }
    let boxes: Vec<String> = radii
        .iter()
        .map(|eps| {
            let bounds: Vec<String> = center
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let (lo, hi) = ((c - eps).max(0.0), (c + eps).min(1.0));
                    format!("(>= X_{i} {lo:?}) (<= X_{i} {hi:?})")
                })
                .collect();
            format!("(and {})", bounds.join(" "))
        })
        .collect();
    text += &format!("(assert (or {}))\n", boxes.join(" "));
    let others: Vec<String> = (0..10)
        .filter(|j| *j != LABEL)
        .map(|j| format!("(and (>= Y_{j} Y_{LABEL}))"))
        .collect();
    text += &format!("(assert (or {}))\n", others.join(" "));
    text
}

fn cnf(path: &Path) -> varisat::CnfFormula {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    varisat::dimacs::DimacsParser::parse(text.as_bytes()).unwrap()
}

#[test]
fn proof_files_are_numbered_by_query_as_export_numbers_the_cnfs() {
    let dir = tempfile::tempdir().unwrap();
    let center = mnist_digit(DIGIT);
    // Query 1: a box no input of which changes a grid value (nothing free: enumerated, one
    // pattern, no proof); query 2: two pixel levels, which leaves inputs free, so with
    // `--enumerate-up-to 0` the SAT solver decides it with a proof.
    let prop = dir.path().join("two_boxes.vnnlib");
    std::fs::write(&prop, union_of_boxes(&center, &[1e-4, 2.0 / 255.0])).unwrap();
    let proof = dir.path().join("proof.drat");
    let args = [
        "verify",
        MODEL,
        prop.to_str().unwrap(),
        "--engine",
        "sat",
        "--enumerate-up-to",
        "0",
        "--proof",
        proof.to_str().unwrap(),
        "--json",
    ];
    let j = vera_json(&args);
    assert_eq!(j["verdict"], "holds", "{j}");
    assert_eq!(j["sat"]["queries"], 2, "{j}");
    assert_eq!(j["sat"]["enumerated"], 1, "{j}");
    assert_eq!(
        j["sat"]["enumerated_queries"],
        serde_json::json!([1]),
        "{j}"
    );
    assert_eq!(j["sat"]["proofs"], 1, "{j}");
    assert!(j["sat"]["fixed_neurons"].as_u64().unwrap() > 0, "{j}");
    assert_eq!(j["sat"]["hidden_neurons"], 2 * 1100, "{j}");
    let second = dir.path().join("proof.drat.2");
    assert_eq!(
        j["proof_files"],
        serde_json::json!([second.to_str().unwrap()]),
        "{j}"
    );
    assert!(
        !proof.exists(),
        "query 1 was enumerated: it has no proof file"
    );

    // The human output names the enumerated query instead.
    let out = vera(&args[..args.len() - 1]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("proof     none for query 1") && text.contains("proof.drat.2"),
        "{text}"
    );

    let exported = dir.path().join("query.cnf");
    let out = vera(&[
        "export",
        MODEL,
        prop.to_str().unwrap(),
        "--dimacs",
        exported.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let drat = std::fs::read(&second).unwrap();
    let check = vera::bnn_sat::check_rup(&cnf(&dir.path().join("query.cnf.2")), &drat);
    assert!(
        matches!(check, vera::bnn_sat::RupCheck::Checked { .. }),
        "the proof of query 2 refutes export's CNF of query 2: {check:?}"
    );
}
