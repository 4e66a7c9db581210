//! Z3 on the VNN-COMP smoke tests: every sub-problem decided, every counterexample replayed
//! exactly (rationals) and in f32 before it counts.

mod common;

use num_rational::BigRational;
use std::path::{Path, PathBuf};
use std::time::Duration;
use vera::network::load;
use vera::smt_z3::{check_sub_problem, Z3Answer};
use vera::spec::vnnlib;

fn smoke_dir() -> PathBuf {
    let dir = common::repo("benchmarks/vnncomp-test");
    assert!(dir.is_dir(), "run scripts/fetch-benchmarks.sh first");
    dir
}

/// Z3's verdict on an instance: `Some(witness)` if some sub-problem has a counterexample.
fn z3_verdict(onnx: &str, vnnlib_file: &Path) -> Option<Vec<BigRational>> {
    let dir = smoke_dir();
    let net = load(&dir.join(onnx)).unwrap();
    let dims = vnnlib::Dimensions {
        inputs: net.num_inputs(),
        outputs: net.num_outputs(),
    };
    let property = vnnlib::read(vnnlib_file, Some(dims)).unwrap();
    for sub in property.sub_problems() {
        match check_sub_problem(&net, &sub, Some(Duration::from_secs(60))) {
            Z3Answer::Counterexample(w) => {
                // exact replay: the witness is in the region and its output is unsafe
                let y = net.eval(&w).unwrap();
                let check = property.check_exact(&w, &y).unwrap();
                assert!(check.violated, "{onnx}: Z3's witness fails exact replay");
                // f32 replay, as onnxruntime would compute
                let w32: Vec<f32> = w.iter().map(|v| vera::spec::to_f64(v) as f32).collect();
                let y32: Vec<f64> = net.eval(&w32).unwrap().iter().map(|v| *v as f64).collect();
                let w64: Vec<f64> = w32.iter().map(|v| *v as f64).collect();
                let f = property.check_f64(&w64, &y32).unwrap();
                assert!(
                    f.violated,
                    "{onnx}: witness fails f32 replay (margin {})",
                    f.margin
                );
                return Some(w);
            }
            Z3Answer::NoCounterexample => {}
            Z3Answer::Unknown(why) => panic!("{onnx}: Z3 unknown: {why}"),
        }
    }
    None
}

/// The small smoke tests hold. (test_sat and test_unsat are ACAS Xu-sized, 300 ReLUs: plain
/// Z3 times out on them; they need the bound tightening of the bounds engine in the encoding.)
#[test]
fn small_smoke_tests_hold() {
    for (onnx, prop) in [
        ("test_nano.onnx", "test_nano.vnnlib"),
        ("test_tiny.onnx", "test_tiny.vnnlib"),
        ("test_small.onnx", "test_small.vnnlib"),
    ] {
        let prop = smoke_dir().join(prop);
        assert!(z3_verdict(onnx, &prop).is_none(), "{onnx} holds");
    }
}

/// A planted violation on test_small: the output at X_0 = 0.25 is reachable, so asking for
/// at least that much must give a counterexample that replays.
#[test]
fn planted_violation_on_test_small_is_found_and_replays() {
    let net = load(&smoke_dir().join("test_small.onnx")).unwrap();
    let y = net.eval(&[0.25f64]).unwrap()[0];
    let text = format!(
        "(declare-const X_0 Real)(declare-const Y_0 Real)(assert (>= X_0 -1))(assert (<= X_0 1))(assert (>= Y_0 {y}))"
    );
    let tmp = tempfile::tempdir().unwrap();
    let prop = tmp.path().join("planted_small.vnnlib");
    std::fs::write(&prop, text).unwrap();
    let w = z3_verdict("test_small.onnx", &prop).expect("a counterexample exists");
    assert_eq!(w.len(), 1);
}
