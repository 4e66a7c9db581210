//! Input constraints over several inputs on binarised networks, against an exact oracle
//! written here: generated networks whose first layer is a per-input BatchNorm and sign (so an
//! input's bit flips at one float32 threshold, found here by bisection on the network's own
//! first-layer parameters), random linear constraints over inputs 0 and 1, and for every
//! unsafe pattern of input bits the exact question whether the constraints meet its cell, a
//! box, decided by enumerating the vertices of the polygon in exact rationals. Every engine
//! path (CNF with varisat and CaDiCaL, with proofs; enumeration) must agree with it.

mod common;

use common::bnn_case::{
    box_text, cnf_only, digit_robustness_text, least_f32_where, mnist_digit, violated_in_f32,
};
use common::generate::random_bnn;
use common::{vera, vera_json, Sampler};
use num_bigint::BigInt;
use num_rational::BigRational;
use vera::bnn_sat::{decide, SatOptions, SatSolver};
use vera::engine::Budget;
use vera::network::{LayerKind, Network};
use vera::spec::{vnnlib, Property};
use vera::verify::Verdict;

/// A constraint `a0·X_0 + a1·X_1 <= b` with coefficients in thousandths.
#[derive(Debug, Clone, Copy)]
struct Line {
    a: [i64; 2],
    b: i64,
}

fn q(thousandths: i64) -> BigRational {
    BigRational::new(BigInt::from(thousandths), BigInt::from(1000))
}

fn exact(v: f32) -> BigRational {
    BigRational::from_float(v).unwrap()
}

fn decimal(thousandths: i64) -> String {
    let sign = if thousandths < 0 { "-" } else { "" };
    let t = thousandths.abs();
    format!("{sign}{}.{:03}", t / 1000, t % 1000)
}

/// Whether some real point of `[lo, hi]` (two coordinates) satisfies every line: the set is
/// a bounded polygon, non-empty iff one of its vertices (two boundary lines meeting) is in it.
fn polygon_meets(lines: &[Line], lo: [f32; 2], hi: [f32; 2]) -> bool {
    // Every constraint as (a0, a1, b): a0·x + a1·y <= b.
    let mut all: Vec<[BigRational; 3]> = lines
        .iter()
        .map(|l| [q(l.a[0]), q(l.a[1]), q(l.b)])
        .collect();
    let (one, zero) = (q(1000), q(0));
    all.push([-one.clone(), zero.clone(), -exact(lo[0])]);
    all.push([one.clone(), zero.clone(), exact(hi[0])]);
    all.push([zero.clone(), -one.clone(), -exact(lo[1])]);
    all.push([zero.clone(), one.clone(), exact(hi[1])]);
    let inside =
        |x: &BigRational, y: &BigRational| all.iter().all(|[a, b, c]| a * x + b * y <= c.clone());
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            let [a1, b1, c1] = &all[i];
            let [a2, b2, c2] = &all[j];
            let det = a1 * b2 - a2 * b1;
            if det == zero {
                continue;
            }
            let x = (c1 * b2 - c2 * b1) / &det;
            let y = (a1 * c2 - a2 * c1) / &det;
            if inside(&x, &y) {
                return true;
            }
        }
    }
    false
}

/// Input `i`'s bit at `x`, as the network's first layer computes it in float32:
/// `x·scale + shift >= 0`.
fn first_bit(net: &Network, i: usize, x: f32) -> bool {
    let operand = |k: usize| match &net.layers()[k].kind {
        LayerKind::Elementwise(e) => e.operand[i] as f32,
        other => panic!("layer {k} is {other:?}, not the first BatchNorm"),
    };
    x * operand(0) + operand(1) >= 0.0
}

/// The float32 cells of `[lo, hi]` for input `i`: one, or two split at the least float32
/// number where the bit differs from its value at `lo` (by bisection over the numbers).
fn cells(net: &Network, i: usize, lo: f32, hi: f32) -> Vec<(f32, f32)> {
    if first_bit(net, i, lo) == first_bit(net, i, hi) {
        return vec![(lo, hi)];
    }
    let at_lo = first_bit(net, i, lo);
    let first = least_f32_where(lo, hi, |x| first_bit(net, i, x) != at_lo);
    vec![(lo, first.next_down()), (first, hi)]
}

/// The oracle: whether some unsafe pattern's cell meets the constraints (over the reals).
fn oracle(net: &Network, outputs_only: &Property, lo: &[f32], hi: &[f32], lines: &[Line]) -> bool {
    let per_input: Vec<Vec<(f32, f32)>> =
        (0..lo.len()).map(|i| cells(net, i, lo[i], hi[i])).collect();
    let total: usize = per_input.iter().map(Vec::len).product();
    (0..total).any(|mut code| {
        let cell: Vec<(f32, f32)> = per_input
            .iter()
            .map(|c| {
                let v = c[code % c.len()];
                code /= c.len();
                v
            })
            .collect();
        let corner: Vec<f32> = cell.iter().map(|c| c.0).collect();
        violated_in_f32(net, outputs_only, &corner)
            && polygon_meets(lines, [cell[0].0, cell[1].0], [cell[0].1, cell[1].1])
    })
}

struct Case {
    net: Network,
    property: Property,
    outputs_only: Property,
    lo: Vec<f32>,
    hi: Vec<f32>,
    lines: Vec<Line>,
}

/// Case `seed`: 2 to 6 inputs, two hidden layers, 2 or 3 logits, a robustness-like output
/// property, and 1 to 3 lines over inputs 0 and 1 through random points of the box.
fn case(seed: u64) -> Case {
    let mut s = Sampler::new(seed + 101);
    let n = 2 + seed as usize % 5;
    let outputs = 2 + seed as usize % 2;
    let widths = [n, 3 + seed as usize % 6, 2 + seed as usize % 5, outputs];
    let net = random_bnn(&mut s, &widths);
    let lo: Vec<f32> = (0..n).map(|_| (3.0 * s.unit() - 2.5) as f32).collect();
    let hi: Vec<f32> = lo
        .iter()
        .map(|l| l + (1.0 + 3.0 * s.unit()) as f32)
        .collect();
    let a = (s.unit() * outputs as f64) as usize % outputs;
    let b = (a + 1) % outputs;
    let mut text = box_text(&lo, &hi, outputs);
    text += &format!("(assert (>= Y_{a} Y_{b}))\n");
    let outputs_only = vnnlib::parse(text.as_bytes(), "outputs.vnnlib", None).unwrap();
    let lines: Vec<Line> = (0..1 + seed as usize % 3)
        .map(|_| {
            let a = [
                (2000.0 * s.unit() - 1000.0) as i64,
                (2000.0 * s.unit() - 1000.0) as i64,
            ];
            let p = [
                f64::from(lo[0]) + f64::from(hi[0] - lo[0]) * s.unit(),
                f64::from(lo[1]) + f64::from(hi[1] - lo[1]) * s.unit(),
            ];
            let through = (a[0] as f64 * p[0] + a[1] as f64 * p[1]).round() as i64;
            Line {
                a,
                b: through + (300.0 * s.unit() - 200.0) as i64,
            }
        })
        .filter(|l| l.a[0] != 0 && l.a[1] != 0)
        .collect();
    for l in &lines {
        text += &format!(
            "(assert (<= (+ (* {} X_0) (* {} X_1)) {}))\n",
            decimal(l.a[0]),
            decimal(l.a[1]),
            decimal(l.b)
        );
    }
    let property = vnnlib::parse(text.as_bytes(), "constrained.vnnlib", None).unwrap();
    Case {
        net,
        property,
        outputs_only,
        lo,
        hi,
        lines,
    }
}

/// Runs 300 cases through `options`; returns (holds, violated, holds only thanks to the
/// constraints, input lemmas).
fn agree_with_oracle(options: &SatOptions, proofs: bool) -> (usize, usize, usize, usize) {
    let (mut holds, mut violated, mut cut, mut lemmas) = (0, 0, 0, 0);
    for seed in 0..300u64 {
        let c = case(seed);
        if c.lines.is_empty() {
            continue;
        }
        let want = oracle(&c.net, &c.outputs_only, &c.lo, &c.hi, &c.lines);
        let report = decide(&c.net, &c.property, &Budget::unlimited(), options).unwrap();
        match report.verdict {
            Verdict::Holds => {
                assert!(
                    !want,
                    "seed {seed}: holds, but an unsafe cell meets {:?}",
                    c.lines
                );
                if proofs {
                    assert_eq!(report.checked, report.proofs, "seed {seed}");
                }
                holds += 1;
                let box_only = decide(&c.net, &c.outputs_only, &Budget::unlimited(), options)
                    .unwrap()
                    .verdict;
                if matches!(box_only, Verdict::Violated(_)) {
                    cut += 1;
                }
                lemmas += report.input_lemmas;
            }
            Verdict::Violated(r) => {
                assert!(
                    want,
                    "seed {seed}: violated at {:?}, the oracle says no",
                    r.input
                );
                assert!(r.confirmed());
                // The witness, independently: in the constraints exactly, unsafe in float32.
                let x: Vec<f32> = r.input.iter().map(|v| *v as f32).collect();
                assert!(violated_in_f32(&c.net, &c.property, &x), "seed {seed}");
                violated += 1;
            }
            Verdict::Unknown(why) => panic!("seed {seed}: unknown: {why}"),
        }
    }
    eprintln!("{options:?}: {holds} holds ({cut} only thanks to the constraints, {lemmas} lemmas), {violated} violated");
    assert!(
        holds >= 40 && violated >= 40 && cut >= 20,
        "{holds} holds, {cut} cut, {violated} violated"
    );
    (holds, violated, cut, lemmas)
}

#[test]
fn varisat_with_lemmas_agrees_with_the_polygon_oracle() {
    let (.., lemmas) = agree_with_oracle(&cnf_only(SatSolver::Varisat), true);
    assert!(lemmas > 0);
}

#[test]
fn cadical_with_lemmas_agrees_with_the_polygon_oracle() {
    agree_with_oracle(&cnf_only(SatSolver::Cadical), true);
}

#[test]
fn enumeration_with_cell_checks_agrees_with_the_polygon_oracle() {
    let options = SatOptions {
        sat_first_up_to_clauses: 0,
        threads: 2,
        ..SatOptions::default()
    };
    let (.., ruled_out) = agree_with_oracle(&options, false);
    assert!(ruled_out > 0);
}

/// The value of `x` (float32) exactly.
fn exact64(v: f64) -> BigRational {
    BigRational::from_float(v).unwrap()
}

/// `vera verify --json` on the committed sparse EEV model, the box of radius [`EPS`] levels
/// around held-out digit [`DIGIT`] (its pixels `center`), and `constraints` (`(coefficients by input, bound)`, meaning
/// `Σ c_i·X_i <= bound`), with the SAT solver deciding (no enumeration) and `--proof`.
fn verify_constrained(
    dir: &std::path::Path,
    round: usize,
    center: &[f64],
    constraints: &[(Vec<(usize, i64)>, BigRational)],
) -> serde_json::Value {
    let mut extra = String::new();
    for (terms, bound) in constraints {
        let sum: Vec<String> = terms
            .iter()
            .map(|(i, c)| format!("(* {c}.0 X_{i})"))
            .collect();
        // The bound exactly, as a quotient.
        extra += &format!(
            "(assert (<= (+ {}) (/ {}.0 {}.0)))\n",
            sum.join(" "),
            bound.numer(),
            bound.denom()
        );
    }
    let text = digit_robustness_text(center, EPS / 255.0, LABEL, &extra);
    let prop = dir.join(format!("round{round}.vnnlib"));
    std::fs::write(&prop, text).unwrap();
    let proof = dir.join(format!("round{round}.drat"));
    vera_json(&[
        "verify",
        "benchmarks/bnn/models/eev_mlp_sparse.onnx",
        prop.to_str().unwrap(),
        "--engine",
        "sat",
        "--enumerate-up-to",
        "0",
        "--proof",
        proof.to_str().unwrap(),
        "--json",
    ])
}

/// The held-out digit, its label, and the radius in pixel levels (the box alone is violated).
const DIGIT: usize = 3;
const LABEL: usize = 8;
const EPS: f64 = 3.0;

/// Rounds of witnesses before the property must hold.
const ROUNDS: usize = 60;

#[test]
fn cli_constraints_cut_off_witnesses_until_the_property_holds_with_a_checked_proof() {
    let dir = tempfile::tempdir().unwrap();
    let center = mnist_digit(DIGIT);
    // Each round rules out the last witness (see below), so the next answer is a new witness
    // meeting every constraint, or "holds" thanks to the lemmas.
    let mut constraints: Vec<(Vec<(usize, i64)>, BigRational)> = Vec::new();
    for round in 0..ROUNDS {
        let j = verify_constrained(dir.path(), round, &center, &constraints);
        match j["verdict"].as_str().unwrap() {
            "violated" => {
                let w: Vec<f64> = j["witness"]["input"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect();
                for (k, (terms, bound)) in constraints.iter().enumerate() {
                    let lhs: BigRational = terms
                        .iter()
                        .map(|(i, c)| BigRational::from_integer((*c).into()) * exact64(w[*i]))
                        .sum();
                    assert!(
                        lhs <= *bound,
                        "round {round}: the witness breaks constraint {k}"
                    );
                }
                // Each pixel whose grid level (step 0.1) the witness changed is kept from
                // moving that way by a constraint with pixel 0 (0 in every MNIST digit, and
                // in [0, EPS/255] here): s_i·X_i + X_0 <= s_i·c_i.
                let level = |v: f64| (v as f32 / 0.1).round_ties_even();
                let moved: Vec<usize> = (1..784)
                    .filter(|&i| level(w[i]) != level(center[i]))
                    .collect();
                assert!(!moved.is_empty(), "round {round}: no pixel changed level");
                assert_eq!(center[0], 0.0);
                for i in moved {
                    let s: i64 = if w[i] > center[i] { 1 } else { -1 };
                    let bound = BigRational::from_integer(s.into()) * exact64(center[i]);
                    constraints.push((vec![(0, 1), (i, s)], bound));
                }
            }
            "holds" => {
                assert!(round > 0, "the box alone holds");
                let sat = &j["sat"];
                let lemmas = sat["input_lemmas"].as_u64().unwrap();
                assert!(lemmas > 0, "{j}");
                eprintln!("holds at round {round} with {lemmas} input lemmas");
                assert_eq!(sat["proof_checked"], true, "{j}");
                // The proof, checked here by vera's RUP checker against the exported CNF
                // with the lemmas file appended.
                let prop = dir.path().join(format!("round{round}.vnnlib"));
                let cnf = dir.path().join("query.cnf");
                let out = vera(&[
                    "export",
                    "benchmarks/bnn/models/eev_mlp_sparse.onnx",
                    prop.to_str().unwrap(),
                    "--dimacs",
                    cnf.to_str().unwrap(),
                ]);
                assert!(out.status.success());
                let text = std::fs::read_to_string(&cnf).unwrap();
                assert!(text.contains("not in this CNF"), "the relaxation is said");
                let proof = dir.path().join(format!("round{round}.drat"));
                let lemma_text =
                    std::fs::read_to_string(format!("{}.lemmas", proof.display())).unwrap();
                let clauses: Vec<&str> =
                    lemma_text.lines().filter(|l| !l.starts_with('c')).collect();
                assert_eq!(clauses.len() as u64, lemmas);
                let mut formula = varisat::dimacs::DimacsParser::parse(text.as_bytes()).unwrap();
                let extra =
                    varisat::dimacs::DimacsParser::parse(clauses.join("\n").as_bytes()).unwrap();
                for c in extra.iter() {
                    varisat::ExtendFormula::add_clause(&mut formula, c);
                }
                let drat = std::fs::read(&proof).unwrap();
                assert!(matches!(
                    vera::bnn_sat::check_rup(&formula, &drat),
                    vera::bnn_sat::RupCheck::Checked { .. }
                ));
                // Without the lemmas, the proof does not refute the CNF.
                let bare = varisat::dimacs::DimacsParser::parse(text.as_bytes()).unwrap();
                assert!(!matches!(
                    vera::bnn_sat::check_rup(&bare, &drat),
                    vera::bnn_sat::RupCheck::Checked { .. }
                ));
                return;
            }
            other => panic!("round {round}: {other}: {j}"),
        }
    }
    panic!("{ROUNDS} rounds of witnesses and the property still does not hold");
}

#[test]
fn z3_with_inputs_as_reals_agrees_with_the_polygon_oracle() {
    let (mut holds, mut violated) = (0, 0);
    for seed in 0..300u64 {
        let c = case(seed);
        if c.lines.is_empty() {
            continue;
        }
        let want = oracle(&c.net, &c.outputs_only, &c.lo, &c.hi, &c.lines);
        match vera::bnn_z3::decide(&c.net, &c.property, &Budget::unlimited()).unwrap() {
            Verdict::Holds => {
                assert!(
                    !want,
                    "seed {seed}: z3 says holds, an unsafe cell meets the lines"
                );
                holds += 1;
            }
            Verdict::Violated(r) => {
                assert!(want, "seed {seed}: z3 found {:?}, the oracle none", r.input);
                let x: Vec<f32> = r.input.iter().map(|v| *v as f32).collect();
                assert!(violated_in_f32(&c.net, &c.property, &x), "seed {seed}");
                violated += 1;
            }
            Verdict::Unknown(why) => panic!("seed {seed}: z3: unknown: {why}"),
        }
    }
    assert!(
        holds >= 40 && violated >= 40,
        "{holds} holds, {violated} violated"
    );
}
