//! Z3 as a binarised-network engine ([`vera::bnn_z3`]), the SAT engine's differential oracle:
//! on generated BNNs its verdict must agree with exhaustive corner enumeration and with the
//! SAT engine, every witness executed again in float32; and `vera verify --engine z3` must
//! agree with `--engine sat` on the ONNX fixtures.

mod common;

use common::bnn_case::{box_text, corner_oracle, random_case, violated_in_f32, BnnCase};
use common::generate::random_bnn;
use common::{repo, vera, Sampler};
use vera::engine::{Budget, Cancel};
use vera::network::{load, Network};
use vera::spec::{vnnlib, Property};
use vera::verify::Verdict;

/// Asserts that a witness is a counterexample when executed again in float32 and checked
/// exactly, away from the engine and its replay.
fn assert_witness(net: &Network, p: &Property, input: &[f64], seed: u64) {
    let x: Vec<f32> = input.iter().map(|v| *v as f32).collect();
    assert!(
        violated_in_f32(net, p, &x),
        "seed {seed}: the witness {input:?} gives {:?}, not a counterexample",
        net.eval(&x).unwrap()
    );
}

/// Z3's verdict on a case, checked against the oracle and its witness executed again; true
/// when violated.
fn z3_checked(case: &BnnCase, seed: u64) -> bool {
    let want = corner_oracle(&case.net, &case.property, &case.lo, &case.hi);
    match vera::bnn_z3::decide(&case.net, &case.property, &Budget::unlimited()).unwrap() {
        Verdict::Holds => {
            assert!(
                !want,
                "seed {seed}: z3 says holds, a corner is a counterexample"
            );
            false
        }
        Verdict::Violated(r) => {
            assert!(want, "seed {seed}: z3 found {:?}, the oracle none", r.input);
            assert!(r.confirmed(), "seed {seed}: replay did not confirm");
            assert_witness(&case.net, &case.property, &r.input, seed);
            true
        }
        Verdict::Unknown(why) => panic!("seed {seed}: z3 unknown: {why}"),
    }
}

#[test]
fn z3_agrees_with_enumeration_and_the_sat_engine() {
    let (mut holds, mut violated) = (0, 0);
    // Other seeds than tests/bnn_sat.rs uses, so the two files test on different networks.
    for seed in 1000..1240u64 {
        let case = random_case(seed);
        let z3_violated = z3_checked(&case, seed);
        let options = vera::bnn_sat::SatOptions {
            enumerate_up_to: 0,
            ..Default::default()
        };
        let sat = vera::bnn_sat::decide(&case.net, &case.property, &Budget::unlimited(), &options)
            .unwrap()
            .verdict;
        assert_eq!(
            sat.word(),
            if z3_violated { "violated" } else { "holds" },
            "seed {seed}: z3 and sat disagree ({sat:?})"
        );
        if z3_violated {
            violated += 1;
        } else {
            holds += 1;
        }
    }
    eprintln!("{holds} holds, {violated} violated");
    assert!(
        holds >= 40 && violated >= 40,
        "{holds} holds, {violated} violated"
    );
}

/// Atoms over three logits, which the SAT engine does not encode (it says unknown): Z3 reads
/// the logits as exact reals and decides them, against the oracle alone.
#[test]
fn z3_decides_atoms_over_three_logits() {
    let (mut holds, mut violated) = (0, 0);
    for seed in 2000..2060u64 {
        let mut s = Sampler::new(seed);
        let n = 1 + seed as usize % 7;
        let net = random_bnn(
            &mut s,
            &[n, 3 + seed as usize % 6, 2 + seed as usize % 4, 3],
        );
        let lo: Vec<f32> = (0..n).map(|_| (4.0 * s.unit() - 3.0) as f32).collect();
        let hi: Vec<f32> = lo.iter().map(|l| l + (3.0 * s.unit()) as f32).collect();
        let t = 8.0 * s.unit() - 4.0;
        let text = box_text(&lo, &hi, 3)
            + &format!("(assert (>= (+ Y_0 (* 0.5 Y_1) (* -2.0 Y_2)) {t:?}))\n");
        let property = vnnlib::parse(text.as_bytes(), "three.vnnlib", None).unwrap();
        let case = BnnCase {
            net,
            property,
            lo,
            hi,
        };
        if z3_checked(&case, seed) {
            violated += 1;
        } else {
            holds += 1;
        }
    }
    eprintln!("{holds} holds, {violated} violated");
    assert!(
        holds >= 5 && violated >= 5,
        "{holds} holds, {violated} violated"
    );
}

#[test]
fn an_ended_budget_is_unknown_timeout() {
    let case = random_case(1001);
    let cancel = Cancel::new();
    cancel.cancel();
    let budget = Budget::unlimited().cancelled_by(&cancel);
    let v = vera::bnn_z3::decide(&case.net, &case.property, &budget).unwrap();
    assert_eq!(v, Verdict::Unknown("timeout".into()));
}

/// `vera verify --json` with `engine` on a fixture; the JSON it prints.
fn verify_json(net: &str, prop: &std::path::Path, engine: &str) -> serde_json::Value {
    let o = vera(&[
        "verify",
        net,
        prop.to_str().unwrap(),
        "--engine",
        engine,
        "--timeout",
        "20",
        "--json",
    ]);
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{net} --engine {engine}: {e}: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn cli_engine_z3_agrees_with_engine_sat_on_the_fixtures() {
    let tmp = tempfile::tempdir().unwrap();
    let mut verdicts = std::collections::BTreeMap::new();
    for file in ["bnn_small.onnx", "bnn_deep.onnx", "bnn_comparisons.onnx"] {
        let path = repo(&format!("tests/fixtures/bnn/{file}"));
        let net = load(&path).unwrap();
        assert_eq!(net.kind(), "bnn");
        let (n, m) = (net.num_inputs(), net.num_outputs());
        let centre: Vec<f32> = (0..n).map(|i| 0.3 * ((i % 5) as f32 - 2.0)).collect();
        let y = net.eval(&centre).unwrap();
        let top = (0..m).fold(0, |b, j| if y[j] > y[b] { j } else { b });
        let other = (top + 1) % m;
        let (lo, hi): (Vec<f32>, Vec<f32>) = centre.iter().map(|c| (c - 0.5, c + 0.5)).unzip();
        let atoms = [
            // Below the centre's logit (not at it: a float32 output exactly on the bound is
            // a counterexample exact arithmetic need not confirm).
            (
                "planted",
                format!("(assert (>= Y_{top} {:?}))", f64::from(y[top]) - 0.5),
            ),
            ("unreachable", "(assert (>= Y_0 1000000))".to_string()),
            ("robust", format!("(assert (>= Y_{other} Y_{top}))")),
            (
                "band",
                format!("(assert (<= Y_{other} 0.5))(assert (>= Y_{other} -0.5))"),
            ),
        ];
        for (name, atom) in atoms {
            let prop = tmp.path().join(format!("{file}.{name}.vnnlib"));
            std::fs::write(&prop, box_text(&lo, &hi, m) + &atom).unwrap();
            let net_arg = path.to_str().unwrap();
            let z3 = verify_json(net_arg, &prop, "z3");
            let sat = verify_json(net_arg, &prop, "sat");
            assert_eq!(z3["engine"], "z3", "{file} {name}: {z3}");
            assert_ne!(z3["verdict"], "unknown", "{file} {name}: {z3}");
            assert_eq!(z3["answered_by"], "z3", "{file} {name}: {z3}");
            assert_eq!(
                z3["verdict"], sat["verdict"],
                "{file} {name}: {z3} vs {sat}"
            );
            if z3["verdict"] == "violated" {
                let input: Vec<f64> =
                    serde_json::from_value(z3["witness"]["input"].clone()).unwrap();
                let p = vnnlib::read(&prop, None).unwrap();
                assert_witness(&net, &p, &input, 0);
            }
            verdicts.insert(format!("{file} {name}"), z3["verdict"].clone());
        }
    }
    eprintln!("{verdicts:#?}");
    let count = |w: &str| verdicts.values().filter(|v| *v == w).count();
    assert!(
        count("holds") >= 3 && count("violated") >= 3,
        "{verdicts:#?}"
    );
}
