//! Binarised networks whose first linear layer reads inputs quantised to a grid (EEV's
//! `Div`, `Round`, `Mul` quantiser): the fold against onnxruntime and float32 execution bit for
//! bit, every engine (SAT with varisat and CaDiCaL, the enumeration, Z3) against a brute-force
//! oracle over every combination of grid levels, and a neuron whose bit float32 rounding
//! decides reported rather than guessed.

mod common;

use common::bnn_case::{box_text, grid_oracle, random_grid_case};
use common::generate::layer;
use common::{reference_cases, repo, Sampler};
use num_rational::BigRational;
use vera::bnn::Bnn;
use vera::bnn_sat::{decide, SatOptions, SatSolver};
use vera::engine::Budget;
use vera::network::{
    load, Affine, Elementwise, ElementwiseOp, LayerKind, Matrix, Network, Precision, Provenance,
};
use vera::spec::{vnnlib, InputBox};
use vera::verify::Verdict;

fn unit_box(n: usize) -> InputBox {
    InputBox {
        lower: vec![Some(BigRational::from_integer(0.into())); n],
        upper: vec![Some(BigRational::from_integer(1.into())); n],
    }
}

fn float_box(lo: &[f32], hi: &[f32]) -> InputBox {
    let exact = |v: &f32| Some(BigRational::from_float(*v).unwrap());
    InputBox {
        lower: lo.iter().map(exact).collect(),
        upper: hi.iter().map(exact).collect(),
    }
}

fn f32_eval(net: &Network, x: &[f64]) -> Vec<f64> {
    let x32: Vec<f32> = x.iter().map(|v| *v as f32).collect();
    net.eval(&x32).unwrap().into_iter().map(f64::from).collect()
}

#[test]
fn quantised_fixtures_fold_and_execute_as_onnxruntime() {
    let mut samples = 0;
    for case in reference_cases("tests/fixtures/bnn/reference.json") {
        if !case.network.contains("quantised") {
            continue;
        }
        let net = load(&repo(&case.network)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(net.kind(), "bnn");
        assert!(Bnn::from_network(&net).is_err(), "folds only over a box");
        let bnn = Bnn::fold(&net, &unit_box(net.num_inputs()))
            .unwrap_or_else(|e| panic!("{}: {e}", case.network));
        for (x, want) in case.inputs.iter().zip(&case.outputs) {
            let want: Vec<f64> = want.iter().map(|v| f64::from(*v as f32)).collect();
            assert_eq!(
                f32_eval(&net, x),
                want,
                "{} executed at {x:?}",
                case.network
            );
            assert_eq!(bnn.eval(x), want, "{} folded at {x:?}", case.network);
            samples += 1;
        }
    }
    assert!(samples >= 70, "{samples} samples");
}

#[test]
fn generated_quantised_bnns_fold_as_float32_executes() {
    let (mut checked, mut ambiguous) = (0, 0);
    for seed in 0..300u64 {
        let g = random_grid_case(seed);
        let c = &g.case;
        let bnn = match Bnn::fold(&c.net, &float_box(&c.lo, &c.hi)) {
            Ok(b) => b,
            Err(e) => {
                assert!(e.to_string().contains("ambiguous"), "seed {seed}: {e}");
                ambiguous += 1;
                continue;
            }
        };
        let mut s = Sampler::new(seed);
        for _ in 0..30 {
            let x: Vec<f64> = g
                .points
                .iter()
                .zip(c.lo.iter().zip(&c.hi))
                .map(|(ps, (l, h))| {
                    if s.unit() < 0.5 {
                        f64::from(ps[(s.unit() * ps.len() as f64) as usize % ps.len()])
                    } else {
                        f64::from((f64::from(*l) + s.unit() * f64::from(h - l)) as f32)
                    }
                })
                .collect();
            assert_eq!(bnn.eval(&x), f32_eval(&c.net, &x), "seed {seed} at {x:?}");
            checked += 1;
        }
    }
    eprintln!("{checked} points agreed; {ambiguous} networks ambiguous");
    assert!(ambiguous <= 15, "{ambiguous} of 300 ambiguous");
}

/// Every engine's verdict on the generated quantised cases against the grid oracle (float32
/// execution). "Violated" also needs exact arithmetic to confirm the witness, which rounds
/// differently near a grid boundary or a threshold, so an unconfirmed float32 witness is
/// unknown: allowed, only where the oracle finds a float32 counterexample, and rarely.
fn agree_with_grid_oracle(engine: &dyn Fn(&common::bnn_case::BnnCase) -> Verdict) {
    let (mut holds, mut violated, mut ambiguous, mut unconfirmed) = (0, 0, 0, 0);
    for seed in 0..200u64 {
        let g = random_grid_case(seed);
        let want = grid_oracle(&g.case.net, &g.case.property, &g.points);
        match engine(&g.case) {
            Verdict::Holds => {
                assert!(
                    !want,
                    "seed {seed}: holds, but a grid point is a counterexample"
                );
                holds += 1;
            }
            Verdict::Violated(r) => {
                assert!(want, "seed {seed}: found {:?}, the oracle none", r.input);
                assert!(r.confirmed());
                violated += 1;
            }
            Verdict::Unknown(why) if why.contains("ambiguous") => ambiguous += 1,
            Verdict::Unknown(why) if want && why.contains("exact") => unconfirmed += 1,
            Verdict::Unknown(why) => panic!("seed {seed}: unknown: {why}"),
        }
    }
    eprintln!(
        "{holds} holds, {violated} violated, {ambiguous} ambiguous, {unconfirmed} unconfirmed"
    );
    assert!(
        holds >= 30 && violated >= 30 && ambiguous <= 10 && unconfirmed <= 10,
        "{holds} holds, {violated} violated, {ambiguous} ambiguous, {unconfirmed} unconfirmed"
    );
}

fn sat(options: SatOptions) -> impl Fn(&common::bnn_case::BnnCase) -> Verdict {
    move |c| {
        decide(&c.net, &c.property, &Budget::unlimited(), &options)
            .unwrap()
            .verdict
    }
}

#[test]
fn varisat_agrees_with_the_grid_oracle() {
    agree_with_grid_oracle(&sat(SatOptions {
        solver: SatSolver::Varisat,
        enumerate_up_to: 0,
        ..SatOptions::default()
    }));
}

#[test]
fn cadical_agrees_with_the_grid_oracle() {
    agree_with_grid_oracle(&sat(SatOptions {
        solver: SatSolver::Cadical,
        enumerate_up_to: 0,
        ..SatOptions::default()
    }));
}

#[test]
fn enumeration_agrees_with_the_grid_oracle() {
    for threads in [1, 3] {
        agree_with_grid_oracle(&sat(SatOptions {
            threads,
            sat_first_up_to_clauses: 0,
            ..SatOptions::default()
        }));
    }
}

/// A box of the committed sparse EEV model around held-out digit 9 (label 3) at 2 pixel
/// levels leaves 19 inputs free, 2^19 patterns: by default the small CNF goes to varisat
/// (with a checked proof), and with `--sat-first-up-to 0` the patterns are enumerated; both
/// give the same verdict.
#[test]
fn a_small_cnf_is_solved_rather_than_enumerated() {
    let (label, eps) = (3, 2.0 / 255.0);
    let text =
        common::bnn_case::digit_robustness_text(&common::bnn_case::mnist_digit(9), eps, label, "");
    let dir = tempfile::tempdir().unwrap();
    let prop = dir.path().join("digit9_eps2.vnnlib");
    std::fs::write(&prop, text).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "verify",
            "benchmarks/bnn/models/eev_mlp_sparse.onnx",
            prop.to_str().unwrap(),
            "--engine",
            "sat",
            "--json",
        ];
        args.extend_from_slice(extra);
        common::vera_json(&args)
    };
    let solved = run(&[]);
    let enumerated = run(&["--sat-first-up-to", "0"]);
    assert_eq!(solved["verdict"], enumerated["verdict"]);
    assert_eq!(enumerated["sat"]["enumerated"], 1, "{enumerated}");
    assert_eq!(enumerated["sat"]["free_inputs"], 19, "{enumerated}");
    assert_eq!(solved["sat"]["enumerated"], 0, "{solved}");
    if solved["verdict"] == "holds" {
        assert_eq!(solved["sat"]["proofs_checked_by_vera"], 1, "{solved}");
    }
    let clauses = solved["sat"]["clauses"].as_u64().unwrap();
    assert!(clauses > 0 && clauses <= 50_000, "{solved}");
}

#[test]
fn z3_agrees_with_the_grid_oracle() {
    agree_with_grid_oracle(&|c| {
        vera::bnn_z3::decide(&c.net, &c.property, &Budget::unlimited()).unwrap()
    });
}

/// Three inputs on the 0.1 grid summed with weight 1, and a sign threshold placed on the
/// float32 number nearest 0.1·15: at levels summing to 15 the computed value falls on either
/// side depending on the order of the additions, so the fold must refuse, naming the neuron.
#[test]
fn an_ambiguous_first_layer_neuron_is_reported_not_guessed() {
    let n = 3;
    let step = f64::from(0.1f32);
    let t = f64::from(0.1f32 * 15.0);
    let e = |op, operand| LayerKind::Elementwise(Elementwise { op, operand });
    let affine = |rows: usize, cols: usize, w: Vec<f64>| {
        LayerKind::Affine(Affine {
            weights: Matrix::from_row_major(rows, cols, w).unwrap(),
            bias: vec![0.0; rows],
        })
    };
    let layers = vec![
        layer(e(ElementwiseOp::Div, vec![step; n]), n),
        layer(LayerKind::Round, n),
        layer(e(ElementwiseOp::Mul, vec![step; n]), n),
        layer(affine(2, n, vec![1.0, 1.0, 1.0, 1.0, -1.0, 0.0]), 2),
        layer(e(ElementwiseOp::Add, vec![-t, 0.05]), 2),
        layer(LayerKind::Sign, 2),
        layer(affine(2, 2, vec![1.0, 1.0, 1.0, -1.0]), 2),
    ];
    let net = Network::new(vec![n], layers, vec![2], Provenance::memory(Precision::F32)).unwrap();
    let e = Bnn::fold(&net, &unit_box(n)).unwrap_err().to_string();
    assert!(
        e.contains("neuron 0") && e.contains("ambiguous") && e.contains("at integer sum 15"),
        "{e}"
    );
    assert!(e.contains("1 of 2 neurons"), "{e}");
    // The engines answer unknown with the reason.
    let text = box_text(&[0.0; 3], &[1.0; 3], 2) + "(assert (>= Y_0 Y_1))\n";
    let p = vnnlib::parse(text.as_bytes(), "ambiguous.vnnlib", None).unwrap();
    let v = decide(&net, &p, &Budget::unlimited(), &SatOptions::default())
        .unwrap()
        .verdict;
    assert!(
        matches!(&v, Verdict::Unknown(why) if why.contains("ambiguous")),
        "{v:?}"
    );
    let v = vera::bnn_z3::decide(&net, &p, &Budget::unlimited()).unwrap();
    assert!(
        matches!(&v, Verdict::Unknown(why) if why.contains("ambiguous")),
        "{v:?}"
    );
    // A box keeping the levels' sum below 15 folds.
    let text = box_text(&[0.0; 3], &[0.4; 3], 2) + "(assert (>= Y_0 Y_1))\n";
    let p = vnnlib::parse(text.as_bytes(), "small.vnnlib", None).unwrap();
    let v = decide(&net, &p, &Budget::unlimited(), &SatOptions::default())
        .unwrap()
        .verdict;
    assert!(!matches!(v, Verdict::Unknown(_)), "{v:?}");
}
