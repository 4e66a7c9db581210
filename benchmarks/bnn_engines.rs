//! Time of the binarised-network engines on the same questions: the SAT engine
//! (`vera::bnn_sat`: its CNF with varisat and with CaDiCaL, proofs checked, and its
//! enumeration of free inputs where at most 20 are free) against Z3 (`vera::bnn_z3`,
//! pseudo-Boolean), engine calls alone (no attack, no falsifier), on the ONNX fixtures and on
//! generated BNNs of 64 inputs and three hidden layers of 50, with robustness boxes of growing
//! radius. Run: `cargo bench --bench bnn_engines`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::bnn_case::box_text;
use common::generate::random_bnn;
use common::{repo, Sampler};
use std::time::{Duration, Instant};
use vera::bnn_sat::{SatOptions, SatSolver, MAX_FREE};
use vera::engine::Budget;
use vera::network::{load, Network};
use vera::spec::{vnnlib, Property};

/// Each engine's time limit per question.
const LIMIT: Duration = Duration::from_secs(30);
/// Runs timed per small question (the median is reported).
const REPEATS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The median seconds and the verdict of `run`, repeated `repeats` times.
fn time(repeats: usize, run: impl Fn() -> String) -> (f64, String) {
    let mut word = String::new();
    let secs = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            word = run();
            t.elapsed().as_secs_f64()
        })
        .collect();
    (median(secs), word)
}

fn sat(net: &Network, p: &Property, solver: SatSolver, enumerate_up_to: usize) -> String {
    let b = Budget::from_now(LIMIT);
    let options = SatOptions {
        solver,
        enumerate_up_to,
        ..SatOptions::default()
    };
    vera::bnn_sat::decide(net, p, &b, &options)
        .unwrap()
        .verdict
        .word()
        .into()
}

fn compare(name: &str, net: &Network, p: &Property, repeats: usize) {
    let (varisat_s, varisat) = time(repeats, || sat(net, p, SatSolver::Varisat, 0));
    let (cadical_s, cadical) = time(repeats, || sat(net, p, SatSolver::Cadical, 0));
    let (enum_s, enumerated) = time(repeats, || sat(net, p, SatSolver::Varisat, MAX_FREE));
    let (z3_s, z3) = time(repeats, || {
        let b = Budget::from_now(LIMIT);
        vera::bnn_z3::decide(net, p, &b).unwrap().word().into()
    });
    let agree = if varisat == z3 && z3 == cadical && cadical == enumerated {
        ""
    } else {
        "  DISAGREE"
    };
    println!(
        "{name:<30} {z3:>8} {varisat_s:>9.4} s {cadical_s:>9.4} s {enum_s:>9.4} s {z3_s:>9.4} s{agree}"
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// The property "some input within `radius` of `x` (per coordinate) is not classified as
/// the class `x` is".
fn robustness(net: &Network, x: &[f32], radius: f32) -> Property {
    let y = net.eval(x).unwrap();
    let m = y.len();
    let top = (0..m).fold(0, |b, j| if y[j] > y[b] { j } else { b });
    let lo: Vec<f32> = x.iter().map(|v| v - radius).collect();
    let hi: Vec<f32> = x.iter().map(|v| v + radius).collect();
    let others: Vec<String> = (0..m)
        .filter(|j| *j != top)
        .map(|j| format!("(>= Y_{j} Y_{top})"))
        .collect();
    let text = box_text(&lo, &hi, m) + &format!("(assert (or {}))", others.join(" "));
    vnnlib::parse(text.as_bytes(), "robustness.vnnlib", None).unwrap()
}

fn main() {
    println!(
        "{:<30} {:>8} {:>11} {:>11} {:>11} {:>11}",
        "question", "verdict", "varisat", "cadical", "enumerate", "z3"
    );
    for file in ["bnn_small.onnx", "bnn_deep.onnx", "bnn_comparisons.onnx"] {
        let net = load(&repo(&format!("tests/fixtures/bnn/{file}"))).unwrap();
        let n = net.num_inputs();
        let x: Vec<f32> = (0..n).map(|i| 0.3 * ((i % 5) as f32 - 2.0)).collect();
        for radius in [0.02f32, 0.1, 0.5, 10.0] {
            let p = robustness(&net, &x, radius);
            compare(&format!("{file} r={radius}"), &net, &p, REPEATS);
        }
    }
    for seed in 0..2u64 {
        let mut s = Sampler::new(seed + 100);
        let net = random_bnn(&mut s, &[64, 50, 50, 50, 10]);
        let x: Vec<f32> = (0..64).map(|_| (2.0 * s.unit() - 1.0) as f32).collect();
        for radius in [0.002f32, 0.005, 0.01, 0.02, 0.05, 0.5] {
            let p = robustness(&net, &x, radius);
            compare(&format!("random64x50x3 #{seed} r={radius}"), &net, &p, 1);
        }
    }
}
