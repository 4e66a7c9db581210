//! `vera robustness --min-eps` and `vera::robustness::MinEps`: on generated ReLU networks whose
//! minimal adversarial radius is known by construction (exact step counts, clip ranges, a
//! misclassified centre, robustness up to the largest radius, the real-ε bracket), on a BNN
//! fixture cross-checked with `vera verify` at k−1 and k steps, on an ACAS Xu network, and
//! the errors for bad centre files and labels.

mod common;

use common::generate::layer;
use common::{repo, vera};
use num_rational::BigRational;
use num_traits::{One, Zero};
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use vera::dpllt::DplltEngine;
use vera::engine::Budget;
use vera::network::{Affine, LayerKind, Matrix, Network, Precision, Provenance};
use vera::robustness::{Clip, MinEps, Options, Status};
use vera::verify::{verify, Verdict};

/// A network whose margin is known in closed form: with `h0 = relu(c0 − x0)` and
/// `h1 = relu(x1 − c1)`, output `label` is `b − a·h0 − c·h1` and every other output is 0.
/// At the centre `(c0, c1)` the margin is `b > 0`; within L∞ radius `r` (and the clip range)
/// the least margin is `b − a·min(r, c0 − lo) − c·min(r, hi − c1)`.
#[derive(Debug, Clone)]
struct Planted {
    a: f64,
    c: f64,
    b: f64,
    center: [f64; 2],
    label: usize,
    outputs: usize,
}

impl Planted {
    fn layers(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let w1 = vec![-1.0, 0.0, 0.0, 1.0];
        let b1 = vec![self.center[0], -self.center[1]];
        let mut w2 = vec![0.0; 2 * self.outputs];
        let mut b2 = vec![0.0; self.outputs];
        w2[2 * self.label] = -self.a;
        w2[2 * self.label + 1] = -self.c;
        b2[self.label] = self.b;
        (w1, b1, w2, b2)
    }

    fn network(&self) -> Network {
        let (w1, b1, w2, b2) = self.layers();
        let affine = |rows, w, bias| {
            let weights = Matrix::from_row_major(rows, 2, w).unwrap();
            layer(LayerKind::Affine(Affine { weights, bias }), rows)
        };
        let layers = vec![
            affine(2, w1, b1),
            layer(LayerKind::Relu, 2),
            affine(self.outputs, w2, b2),
        ];
        let provenance = Provenance::memory(Precision::F64);
        Network::new(vec![2], layers, vec![self.outputs], provenance).unwrap()
    }

    /// The network as a `.nnet` file (normalised units: no clipping, mean 0, range 1).
    fn write_nnet(&self, dir: &Path) -> PathBuf {
        let (w1, b1, w2, b2) = self.layers();
        let row = |v: &[f64]| v.iter().map(|x| format!("{x:?},")).collect::<String>() + "\n";
        let mut text = format!(
            "// planted margin\n2,2,{o},{m},\n2,2,{o},\n0,\n-1000,-1000,\n1000,1000,\n0,0,0,\n1,1,1,\n",
            o = self.outputs,
            m = self.outputs.max(2)
        );
        for r in w1.chunks(2) {
            text += &row(r);
        }
        for v in &b1 {
            text += &row(&[*v]);
        }
        for r in w2.chunks(2) {
            text += &row(r);
        }
        for v in &b2 {
            text += &row(&[*v]);
        }
        let path = dir.join("planted.nnet");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The exact least margin within radius `r` is ≤ 0: some input there is misclassified.
    fn adversarial_at(&self, r: &BigRational, clip: Option<&Clip>) -> bool {
        let q = |v: f64| BigRational::from_float(v).unwrap();
        let room = |d: BigRational| d.min(r.clone());
        let (d0, d1) = match clip {
            Some(clip) => (
                room(q(self.center[0]) - &clip.lo),
                room(&clip.hi - q(self.center[1])),
            ),
            None => (r.clone(), r.clone()),
        };
        q(self.a) * d0 + q(self.c) * d1 >= q(self.b)
    }

    /// The smallest step count with an adversarial input, by scanning every radius.
    fn min_steps(&self, options: &Options) -> Option<u64> {
        (0..=options.max_steps)
            .find(|&k| self.adversarial_at(&options.radius(k), options.clip.as_ref()))
    }

    fn write_center(&self, dir: &Path) -> PathBuf {
        write_center(dir, &self.center)
    }
}

fn q(n: i64, d: i64) -> BigRational {
    BigRational::new(n.into(), d.into())
}

fn exact(values: &[f64]) -> Vec<BigRational> {
    values
        .iter()
        .map(|v| BigRational::from_float(*v).unwrap())
        .collect()
}

fn write_center(dir: &Path, values: &[f64]) -> PathBuf {
    let mut text = String::from("# centre\n");
    for v in values {
        text += &format!("{v:?}\n\n");
    }
    let path = dir.join("center.txt");
    std::fs::write(&path, text).unwrap();
    path
}

fn search(p: &Planted, options: &Options) -> MinEps {
    let net = p.network();
    let center = exact(&p.center);
    let budget = Budget::unlimited();
    MinEps::search(&net, &center, p.label, options, &budget, |prop, b| {
        verify(&net, prop, &DplltEngine::default(), b).map(|o| o.verdict)
    })
    .unwrap()
}

/// `vera robustness NET --center FILE --label L --min-eps ARGS --json`: exit code and JSON.
fn robustness(net: &Path, center: &Path, label: usize, args: &[&str]) -> (Option<i32>, Value) {
    let label = label.to_string();
    let mut all = vec![
        "robustness",
        net.to_str().unwrap(),
        "--center",
        center.to_str().unwrap(),
        "--label",
        &label,
        "--min-eps",
        "--json",
    ];
    all.extend_from_slice(args);
    let o = vera(&all);
    let j = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code(), j)
}

/// `vera robustness` failing: exit code 1 and the error line.
fn robustness_error(args: &[&str]) -> String {
    let mut all = vec!["robustness"];
    all.extend_from_slice(args);
    let o = vera(&all);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        err.starts_with("error: ") && !err.contains("panicked"),
        "{err}"
    );
    err
}

/// Checks a witness from the JSON: inside the clip range, within `radius` of the centre
/// (exactly), and misclassified by the outputs reported.
fn check_witness(j: &Value, center: &[f64], label: usize, radius: &BigRational, clip: &[f64]) {
    let w = &j["witness"];
    let x: Vec<f64> = serde_json::from_value(w["input"].clone()).unwrap();
    let y: Vec<f64> = serde_json::from_value(w["output"].clone()).unwrap();
    for (xi, ci) in x.iter().zip(center) {
        let d = BigRational::from_float(*xi).unwrap() - BigRational::from_float(*ci).unwrap();
        assert!(d <= *radius && -d <= *radius, "{xi} vs {ci}: {j}");
        if let [lo, hi] = clip {
            assert!(lo <= xi && xi <= hi, "{xi} outside [{lo}, {hi}]");
        }
    }
    let other = w["label"].as_u64().unwrap() as usize;
    assert_ne!(other, label);
    assert!(y[other] >= y[label], "{j}");
}

/// Coefficients on a 1/8 grid, so every weight and every witness on a dyadic grid is exact
/// in f64.
fn eighths(lo: i64, hi: i64) -> impl Strategy<Value = f64> {
    (lo..=hi).prop_map(|n| n as f64 / 8.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The search finds exactly the minimal step count of the planted margin, with and
    /// without a clip range, and proves the step below it robust.
    #[test]
    fn the_minimal_step_count_of_a_planted_margin(
        a in eighths(1, 24),
        c in eighths(0, 24),
        b in eighths(1, 16),
        c0 in eighths(0, 8),
        c1 in eighths(0, 8),
        label in 0usize..3,
        step in prop::sample::select(vec![(1, 16), (3, 64), (1, 10), (1, 255)]),
        clipped in any::<bool>(),
    ) {
        let p = Planted { a, c, b, center: [c0, c1], label, outputs: 3 };
        let clip = clipped.then(|| Clip { lo: q(0, 1), hi: q(1, 1) });
        let options = Options::stepped(q(step.0, step.1), q(3, 1), clip).unwrap();
        let want = p.min_steps(&options);
        // On a step that is not dyadic a tie at the minimal radius puts the only witness
        // on a point f64 cannot hold: the search then rightly stays undecided.
        if let Some(k) = want {
            let tie = !p.adversarial_at(&(options.radius(k) - q(1, 1 << 20)), options.clip.as_ref());
            prop_assume!(step.1.count_ones() == 1 || !tie);
        }
        let got = search(&p, &options);
        match want {
            Some(k) => {
                prop_assert_eq!(got.status.clone(), Status::Closed, "{:?}", got);
                prop_assert_eq!(got.min_steps(), Some(k));
                prop_assert_eq!(got.robust_steps, Some(k - 1));
                let w = got.witness.unwrap();
                prop_assert!(w.distance <= vera::spec::to_f64(&options.radius(k)));
            }
            None => {
                prop_assert_eq!(got.status, Status::RobustUpToMax);
                prop_assert_eq!(got.robust_steps, Some(options.max_steps));
                prop_assert!(got.witness.is_none());
            }
        }
        // Exponential probing and bisection: logarithmically many probes.
        let bits = 64 - options.max_steps.leading_zeros() as usize;
        prop_assert!(got.probes.len() <= 2 * bits + 2, "{:?}", got.probes);
    }
}

#[test]
fn cli_reports_the_exact_step_count_and_a_witness_within_the_ball() {
    let tmp = tempfile::tempdir().unwrap();
    // Margin 7/8 − 2·h0 − h1: the least margin at radius r is 7/8 − 3r: adversarial from 7/24.
    let p = Planted {
        a: 2.0,
        c: 1.0,
        b: 0.875,
        center: [0.5, 0.25],
        label: 1,
        outputs: 3,
    };
    let net = p.write_nnet(tmp.path());
    let center = p.write_center(tmp.path());
    let (code, j) = robustness(&net, &center, 1, &["--step", "1/255", "--max-eps", "1"]);
    // ceil(255·7/24) = 75 steps of 1/255.
    let options = Options::stepped(q(1, 255), q(1, 1), None).unwrap();
    assert_eq!(p.min_steps(&options), Some(75));
    assert_eq!(code, Some(10), "{j}");
    let k = j["min_eps_steps"].as_u64().unwrap();
    assert_eq!(k, 75, "{j}");
    assert_eq!(j["status"], "min_eps");
    assert_eq!(j["robust_up_to_steps"], k - 1);
    assert_eq!(
        j["min_eps_exact"],
        format!("{}", vera::exact::format_rational(&q(k as i64, 255)))
    );
    assert!((j["min_eps"].as_f64().unwrap() - k as f64 / 255.0).abs() < 1e-15);
    check_witness(&j, &p.center, 1, &q(k as i64, 255), &[]);
    let probes = j["probes"].as_array().unwrap();
    assert_eq!(probes[0]["eps_steps"], 0);
    assert!(probes
        .iter()
        .any(|p| p["eps_steps"] == k && p["verdict"] == "violated"));
    assert!(probes
        .iter()
        .any(|p| p["eps_steps"] == k - 1 && p["verdict"] == "holds"));
    assert_eq!(j["engine"], "auto");

    // On a step of 1/10: 0.2 robust, 0.3 adversarial.
    let (code, j) = robustness(&net, &center, 1, &["--step", "0.1", "--max-eps", "1"]);
    assert_eq!(
        (code, j["min_eps_steps"].as_u64()),
        (Some(10), Some(3)),
        "{j}"
    );
    check_witness(&j, &p.center, 1, &q(3, 10), &[]);
}

#[test]
fn cli_keeps_the_search_inside_the_clip_range() {
    let tmp = tempfile::tempdir().unwrap();
    // Margin 1 − h0 − 4·h1 with x1 at 0.875 in [0, 1]: x1 can rise by 1/8 only, so from
    // r = 1/8 on the margin is 1 − r − 1/2: adversarial from r = 1/2 (1/5 without the clip).
    let p = Planted {
        a: 1.0,
        c: 4.0,
        b: 1.0,
        center: [0.5, 0.875],
        label: 0,
        outputs: 2,
    };
    let net = p.write_nnet(tmp.path());
    let center = p.write_center(tmp.path());
    let (code, j) = robustness(&net, &center, 0, &["--step", "1/32", "--clip", "0,1"]);
    assert_eq!(code, Some(10), "{j}");
    assert_eq!(j["min_eps_steps"], 16, "{j}");
    assert_eq!(j["max_eps"], 1.0);
    check_witness(&j, &p.center, 0, &q(16, 32), &[0.0, 1.0]);
    let (_, j) = robustness(&net, &center, 0, &["--step", "1/32", "--max-eps", "1"]);
    assert_eq!(j["min_eps_steps"], 7, "{j}"); // ceil(32/5)
                                              // A clip range the centre is not in is an error.
    let err = robustness_error(&[
        net.to_str().unwrap(),
        "--center",
        center.to_str().unwrap(),
        "--label",
        "0",
        "--min-eps",
        "--step",
        "0.1",
        "--clip",
        "-1,0.5",
    ]);
    assert!(
        err.contains("centre value X_1 = 7/8 lies outside the clip range [-1, 1/2]"),
        "{err}"
    );
}

#[test]
fn cli_a_misclassified_centre_is_its_own_witness_at_radius_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let p = Planted {
        a: 1.0,
        c: 1.0,
        b: 0.5,
        center: [0.5, 0.5],
        label: 2,
        outputs: 3,
    };
    let net = p.write_nnet(tmp.path());
    let center = p.write_center(tmp.path());
    // Output 2 is 0.5, the others 0: the centre is misclassified for label 0.
    let (code, j) = robustness(&net, &center, 0, &["--step", "0.01", "--max-eps", "1"]);
    assert_eq!(code, Some(10), "{j}");
    assert_eq!(
        (j["min_eps"].as_f64(), j["min_eps_steps"].as_u64()),
        (Some(0.0), Some(0))
    );
    assert_eq!(j["witness"]["input"], serde_json::json!([0.5, 0.5]));
    assert_eq!(j["witness"]["label"], 2);
    assert_eq!(j["probes"].as_array().unwrap().len(), 1);
    assert!(j["robust_up_to"].is_null(), "{j}");
}

#[test]
fn cli_robust_up_to_the_largest_radius() {
    let tmp = tempfile::tempdir().unwrap();
    // Adversarial from r = 1/2 only.
    let p = Planted {
        a: 1.0,
        c: 1.0,
        b: 1.0,
        center: [0.0, 0.0],
        label: 0,
        outputs: 2,
    };
    let net = p.write_nnet(tmp.path());
    let center = p.write_center(tmp.path());
    let (code, j) = robustness(&net, &center, 0, &["--step", "1/10", "--max-eps", "0.45"]);
    assert_eq!(code, Some(0), "{j}");
    assert_eq!(j["status"], "robust");
    assert_eq!(j["robust_up_to_steps"], 4);
    assert!(j["witness"].is_null() && j["min_eps"].is_null(), "{j}");
    // Human output says so too.
    let o = vera(&[
        "robustness",
        net.to_str().unwrap(),
        "--center",
        center.to_str().unwrap(),
        "--label",
        "0",
        "--min-eps",
        "--step",
        "1/10",
        "--max-eps",
        "0.45",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("robust    up to max eps 2/5"), "{text}");
}

#[test]
fn cli_without_a_step_brackets_the_real_radius_to_the_tolerance() {
    let tmp = tempfile::tempdir().unwrap();
    // Adversarial from exactly r = 1/3 (1 − 3r).
    let p = Planted {
        a: 2.0,
        c: 1.0,
        b: 1.0,
        center: [0.5, 0.25],
        label: 0,
        outputs: 2,
    };
    let net = p.write_nnet(tmp.path());
    let center = p.write_center(tmp.path());
    let (code, j) = robustness(&net, &center, 0, &["--max-eps", "1", "--tolerance", "1e-3"]);
    assert_eq!(code, Some(10), "{j}");
    let [lo, hi] = [0, 1].map(|i| j["min_eps_bracket"][i].as_f64().unwrap());
    assert!(
        lo < 1.0 / 3.0 && 1.0 / 3.0 <= hi && hi - lo <= 1e-3 + 1e-12,
        "{j}"
    );
    assert_eq!(j["robust_up_to"].as_f64(), Some(lo));
    assert!(j["min_eps_steps"].is_null());
    check_witness(&j, &p.center, 0, &BigRational::from_float(hi).unwrap(), &[]);
    // Bisection, not a scan: about 2·log2(1000) probes.
    assert!(j["probes"].as_array().unwrap().len() <= 22, "{j}");
}

/// At 85 steps of 1/255 the only misclassified input is the corner at exactly 1/3 from the
/// centre, which no f64 holds: that probe stays undecided, and the answer is the bracket
/// (84 proven robust, a witness at 86), not a guess.
#[test]
fn cli_an_undecided_probe_leaves_a_bracket_not_a_guess() {
    let tmp = tempfile::tempdir().unwrap();
    let p = Planted {
        a: 2.0,
        c: 1.0,
        b: 1.0,
        center: [0.5, 0.25],
        label: 0,
        outputs: 2,
    };
    let net = p.write_nnet(tmp.path());
    let center = p.write_center(tmp.path());
    let options = Options::stepped(q(1, 255), q(1, 1), None).unwrap();
    assert_eq!(p.min_steps(&options), Some(85));
    let (code, j) = robustness(&net, &center, 0, &["--step", "1/255", "--max-eps", "1"]);
    assert_eq!(code, Some(20), "{j}");
    assert_eq!(j["status"], "open");
    assert!(j["reason"].as_str().unwrap().contains("replay"), "{j}");
    assert_eq!(
        (
            j["robust_up_to_steps"].as_u64(),
            j["adversarial_at_steps"].as_u64()
        ),
        (Some(84), Some(86)),
        "{j}"
    );
    assert!(
        j["min_eps"].is_null() && j["min_eps_steps"].is_null(),
        "{j}"
    );
    check_witness(&j, &p.center, 0, &q(86, 255), &[]);
}

#[test]
fn cli_an_exhausted_budget_leaves_the_bracket_open() {
    let tmp = tempfile::tempdir().unwrap();
    let p = Planted {
        a: 1.0,
        c: 1.0,
        b: 1.0,
        center: [0.0, 0.0],
        label: 0,
        outputs: 2,
    };
    let net = p.write_nnet(tmp.path());
    let center = p.write_center(tmp.path());
    let (code, j) = robustness(
        &net,
        &center,
        0,
        &["--step", "0.1", "--max-eps", "1", "--timeout", "0"],
    );
    assert_eq!(code, Some(20), "{j}");
    assert_eq!(j["status"], "open");
    assert_eq!(j["reason"], "timeout");
    assert!(
        j["min_eps"].is_null() && j["min_eps_steps"].is_null(),
        "{j}"
    );
}

#[test]
fn bad_centre_files_and_labels_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let p = Planted {
        a: 1.0,
        c: 1.0,
        b: 1.0,
        center: [0.0, 0.0],
        label: 0,
        outputs: 2,
    };
    let net = p.write_nnet(tmp.path());
    let net = net.to_str().unwrap();
    let file = tmp.path().join("bad.txt");
    let f = file.to_str().unwrap();
    let run = |text: &str, label: &str| {
        std::fs::write(&file, text).unwrap();
        robustness_error(&[
            net,
            "--center",
            f,
            "--label",
            label,
            "--min-eps",
            "--step",
            "0.1",
            "--max-eps",
            "1",
        ])
    };
    let err = run("# two values\n0.5\n\n0.x5\n", "0");
    assert!(
        err.contains(&format!("{f}:4: expected a number")) && err.contains("'0.x5'"),
        "{err}"
    );
    let err = run("0.5\n", "0");
    assert!(
        err.contains(&format!(
            "{f}: expected 2 values (one per network input), found 1"
        )),
        "{err}"
    );
    let err = run("0.5\n0.5\n# more\n0.5\n", "0");
    assert!(
        err.contains(&format!("{f}:4: value 3 is one too many")),
        "{err}"
    );
    let err = run("0.5\n0.5\n", "2");
    assert!(
        err.contains("label 2 is out of range: the network has 2 outputs"),
        "{err}"
    );
    let missing = tmp.path().join("missing.txt");
    let err = robustness_error(&[
        net,
        "--center",
        missing.to_str().unwrap(),
        "--label",
        "0",
        "--min-eps",
        "--step",
        "0.1",
        "--max-eps",
        "1",
    ]);
    assert!(
        err.contains("missing.txt: cannot read the centre file"),
        "{err}"
    );
    // Options: no --max-eps without --clip; a bad step.
    std::fs::write(&file, "0\n0\n").unwrap();
    let err = robustness_error(&[
        net,
        "--center",
        f,
        "--label",
        "0",
        "--min-eps",
        "--step",
        "0.1",
    ]);
    assert!(
        err.contains("--max-eps is required without --clip"),
        "{err}"
    );
    let err = robustness_error(&[
        net,
        "--center",
        f,
        "--label",
        "0",
        "--min-eps",
        "--step",
        "1/0",
        "--max-eps",
        "1",
    ]);
    assert!(
        err.contains("--step: expected a decimal or a fraction"),
        "{err}"
    );
    let err = robustness_error(&[
        net,
        "--center",
        f,
        "--label",
        "0",
        "--min-eps",
        "--step",
        "2",
        "--max-eps",
        "1",
    ]);
    assert!(err.contains("smaller than one step"), "{err}");
}

/// BNN fixtures (±1 inputs, and a quantised first layer), by enumeration and by one SAT
/// solver across the probes: the minimal step count agrees with `vera verify` on the boxes of
/// k−1 steps (holds) and k steps (violated), written as VNN-LIB independently of the search.
#[test]
fn bnn_min_eps_agrees_with_verify_at_k_minus_one_and_k() {
    let c = [0.25, -0.25, 0.125, 0.375, -0.5, 0.25];
    // Enumeration (the default for so few inputs), and the SAT solver kept across the probes
    // with the smaller boxes as assumptions.
    for extra in [&[][..], &["--enumerate-up-to", "0"][..]] {
        bnn_min_eps_cross_check("tests/fixtures/bnn/bnn_small.onnx", &c, extra);
    }
    // Quantised inputs (EEV's first layer), both ways.
    let c: Vec<f64> = (0..12).map(|i| 0.1 + 0.07 * i as f64).collect();
    for extra in [&[][..], &["--enumerate-up-to", "0"][..]] {
        bnn_min_eps_cross_check("tests/fixtures/bnn/bnn_quantised.onnx", &c, extra);
    }
}

/// `vera robustness --min-eps` on a BNN, then `vera verify` says holds at k − 1 steps and
/// violated at k.
fn bnn_min_eps_cross_check(file: &str, c: &[f64], extra: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let net = repo(file);
    let center = write_center(tmp.path(), c);
    let x: Vec<f32> = c.iter().map(|v| *v as f32).collect();
    let y = vera::network::load(&net).unwrap().eval(&x).unwrap();
    let label = (0..y.len()).max_by(|&a, &b| y[a].total_cmp(&y[b])).unwrap();
    let mut args = vec!["--step", "1/16", "--max-eps", "4"];
    args.extend_from_slice(extra);
    let (code, j) = robustness(&net, &center, label, &args);
    assert_eq!(code, Some(10), "{file} {extra:?}: {j}");
    let k = j["min_eps_steps"].as_u64().unwrap();
    assert!(k >= 2, "the cross-check needs a non-trivial radius: {j}");
    check_witness(&j, c, label, &q(k as i64, 16), &[]);
    let vnnlib = |steps: u64| {
        let r = steps as f64 / 16.0;
        let mut text = String::new();
        for (i, v) in c.iter().enumerate() {
            text += &format!(
                "(declare-const X_{i} Real)(assert (>= X_{i} {:?}))(assert (<= X_{i} {:?}))\n",
                v - r,
                v + r
            );
        }
        let others: Vec<String> = (0..y.len())
            .filter(|&o| o != label)
            .map(|o| format!("(>= Y_{o} Y_{label})"))
            .collect();
        for o in 0..y.len() {
            text += &format!("(declare-const Y_{o} Real)\n");
        }
        text += &format!("(assert (or {}))\n", others.join(" "));
        let path = tmp.path().join(format!("k{steps}.vnnlib"));
        std::fs::write(&path, text).unwrap();
        path
    };
    for (steps, want, code) in [(k - 1, "holds", 0), (k, "violated", 10)] {
        let prop = vnnlib(steps);
        let o = vera(&[
            "verify",
            net.to_str().unwrap(),
            prop.to_str().unwrap(),
            "--json",
        ]);
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            (v["verdict"].as_str(), o.status.code()),
            (Some(want), Some(code)),
            "{file} {extra:?} at {steps} steps: {v}"
        );
    }
}

/// ACAS Xu 1_1 near a point where outputs 0 and 1 almost tie: robust at 9e-5 and
/// adversarial at 1e-4, so on a step of 2e-5 the minimum is 5 steps.
#[test]
fn acas_xu_min_eps_near_a_decision_boundary() {
    let tmp = tempfile::tempdir().unwrap();
    let net = common::acasxu().join(format!("onnx/{}.onnx", common::acas_name(1, 1)));
    let center = write_center(tmp.path(), &[-0.3, 0.0, 0.0, 0.3, 0.3]);
    let (code, j) = robustness(
        &net,
        &center,
        0,
        &["--step", "2e-5", "--max-eps", "0.5", "--timeout", "300"],
    );
    assert_eq!(code, Some(10), "{j}");
    assert_eq!(j["min_eps_steps"], 5, "{j}");
    assert_eq!(j["witness"]["label"], 1, "{j}");
    assert_eq!(j["witness"]["precision"], "f32", "{j}");
}

#[test]
fn options_reject_what_has_no_meaning() {
    let one = BigRational::one();
    assert!(Options::stepped(BigRational::zero(), one.clone(), None).is_err());
    let empty = Clip {
        lo: one.clone(),
        hi: BigRational::zero(),
    };
    assert!(Options::stepped(q(1, 10), one, Some(empty)).is_err());
}

/// A procedure that cannot decide the balls of 8 steps and more: the search goes on below
/// the undecided ball and still closes the bracket at the planted minimum (5 steps).
#[test]
fn an_undecided_ball_leaves_the_smaller_ones_to_decide() {
    let p = Planted {
        a: 1.0,
        c: 1.0,
        b: 1.0,
        center: [0.0, 0.0],
        label: 0,
        outputs: 2,
    };
    let options = Options::stepped(q(1, 10), q(2, 1), None).unwrap();
    assert_eq!(p.min_steps(&options), Some(5));
    let net = p.network();
    let center = exact(&p.center);
    let hard = q(8, 10);
    let answer = MinEps::search(
        &net,
        &center,
        0,
        &options,
        &Budget::unlimited(),
        |prop, b| {
            let radius = prop.cases()[0].inputs.polytopes[0].bounds.upper[0].clone();
            if radius.is_some_and(|r| r >= hard) {
                return Ok(Verdict::Unknown("planted: too hard".into()));
            }
            verify(&net, prop, &DplltEngine::default(), b).map(|o| o.verdict)
        },
    )
    .unwrap();
    assert_eq!(answer.min_steps(), Some(5), "{:?}", answer.probes);
    assert_eq!(answer.status, Status::Closed);
    let undecided: Vec<u64> = answer
        .probes
        .iter()
        .filter(|p| p.verdict == "unknown")
        .map(|p| p.steps)
        .collect();
    assert_eq!(undecided, [8], "{:?}", answer.probes);
}
