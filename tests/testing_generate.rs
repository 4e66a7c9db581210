//! `vera test generate` end to end on generated networks: every sign-sign pair it writes
//! covers what the report claims when measured again in float32 (`vera test coverage`) and,
//! by code written here, in f64; fuzzing's and gradient search's reports agree with `vera test
//! coverage` too; gradient search covers a neuron that only a corner of the input box
//! activates, which fuzzing misses; the suite starts with the seeds bit for bit; bad arguments
//! give clear errors.

mod common;

use common::testing_files::{nnet_text, rows_text};
use common::{vera, Sampler};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A random ReLU network of the given sizes, written as `.nnet` into `dir`.
fn random_net(dir: &Path, sizes: &[usize], seed: u64) -> PathBuf {
    let mut s = Sampler::new(seed);
    let mut weights = Vec::new();
    let mut biases = Vec::new();
    for w in sizes.windows(2) {
        weights.push(
            (0..w[0] * w[1])
                .map(|_| (2.0 * s.unit() - 1.0) as f32)
                .collect(),
        );
        biases.push((0..w[1]).map(|_| (0.6 * s.unit() - 0.3) as f32).collect());
    }
    let path = dir.join("net.nnet");
    std::fs::write(&path, nnet_text(sizes, &weights, &biases)).unwrap();
    path
}

fn seeds(dir: &Path, n: usize, inputs: usize, seed: u64) -> (PathBuf, Vec<Vec<f32>>) {
    let mut s = Sampler::new(seed);
    let rows: Vec<Vec<f32>> = (0..n)
        .map(|_| (0..inputs).map(|_| s.unit() as f32).collect())
        .collect();
    let path = dir.join("seeds.csv");
    std::fs::write(&path, rows_text(&rows)).unwrap();
    (path, rows)
}

fn read_rows(path: &Path) -> Vec<Vec<f32>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect()
}

fn read_pairs(path: &Path) -> Vec<(usize, usize)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let (a, b) = l.split_once(',').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .collect()
}

/// Signs (`u > 0`) of every hidden neuron, then of every output, computed in f64 here.
fn signs64(net: &vera::network::Network, x: &[f32]) -> Vec<Vec<bool>> {
    let x: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
    let (out, pattern) = net.eval_traced::<f64>(&x).unwrap();
    let mut s = pattern.layers;
    s.push(out.iter().map(|v| *v > 0.0).collect());
    s
}

/// The sign-sign objectives of a pair: exactly one neuron of layer k changes sign, and these
/// of layer k + 1 change too.
fn ss_of(a: &[Vec<bool>], b: &[Vec<bool>]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for k in 0..a.len() - 1 {
        let flips: Vec<usize> = (0..a[k].len()).filter(|&n| a[k][n] != b[k][n]).collect();
        if flips.len() == 1 {
            for j in 0..a[k + 1].len() {
                if a[k + 1][j] != b[k + 1][j] {
                    out.push((k, flips[0], j));
                }
            }
        }
    }
    out
}

fn generate(args: &[&str]) -> Value {
    let o = vera(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = args[args.iter().position(|a| *a == "--out").unwrap() + 1];
    serde_json::from_str(&std::fs::read_to_string(Path::new(out).join("report.json")).unwrap())
        .unwrap()
}

#[test]
fn sign_sign_pairs_cover_what_they_claim_in_float32_and_f64() {
    let dir = tempfile::tempdir().unwrap();
    for (case, sizes) in [[4, 6, 5, 3], [3, 5, 4, 2]].iter().enumerate() {
        let d = dir.path().join(format!("case{case}"));
        std::fs::create_dir(&d).unwrap();
        let net_path = random_net(&d, sizes, 10 + case as u64);
        let (seeds_path, seed_rows) = seeds(&d, 12, sizes[0], 20 + case as u64);
        let out = d.join("out");
        let report = generate(&[
            "test",
            "generate",
            net_path.to_str().unwrap(),
            "--criterion",
            "ss",
            "--seeds",
            seeds_path.to_str().unwrap(),
            "--budget",
            "5",
            "--threads",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]);
        let tests = read_rows(&out.join("tests.csv"));
        let pairs = read_pairs(&out.join("pairs.csv"));
        // The seeds come first, bit for bit, and every test stays in [0, 1].
        assert_eq!(&tests[..seed_rows.len()], &seed_rows[..]);
        assert!(tests.iter().flatten().all(|v| (0.0..=1.0).contains(v)));
        // f64, by the code above.
        let net = vera::network::load(&net_path).unwrap();
        let signs: Vec<_> = tests.iter().map(|t| signs64(&net, t)).collect();
        let mut covered = BTreeSet::new();
        for &(a, b) in &pairs {
            let o = ss_of(&signs[a], &signs[b]);
            assert!(
                !o.is_empty(),
                "case {case}: pair ({a}, {b}) covers nothing in f64"
            );
            covered.extend(o);
        }
        // Objectives: consecutive feature layers, the hidden ones and then the outputs.
        let total: usize = sizes[1..].windows(2).map(|w| w[0] * w[1]).sum();
        assert_eq!(report["total"], total, "case {case}: {report}");
        assert_eq!(report["covered"], covered.len(), "case {case}: f64 recount");
        // float32, as `vera test coverage` measures the files.
        let o = vera(&[
            "test",
            "coverage",
            net_path.to_str().unwrap(),
            "--tests",
            out.join("tests.csv").to_str().unwrap(),
            "--pairs",
            out.join("pairs.csv").to_str().unwrap(),
            "--criteria",
            "ss",
            "--json",
        ]);
        let j: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            j["criteria"]["ss"]["covered"], report["covered"],
            "case {case}"
        );
        // The LPs found more than the seeds' own pairs.
        let history = report["history"].as_array().unwrap();
        let after_seeds = history[1]["covered"].as_u64().unwrap();
        assert!(
            report["covered"].as_u64().unwrap() > after_seeds,
            "case {case}: {report}"
        );
        // Each adversarial test is written out.
        let adversarial = report["adversarial"].as_u64().unwrap() as usize;
        for k in 0..adversarial {
            assert!(out.join(format!("adversarial/{k}.csv")).exists());
        }
    }
}

#[test]
fn fuzzing_grows_coverage_and_its_report_replays() {
    let dir = tempfile::tempdir().unwrap();
    let sizes = [5, 8, 6, 3];
    let net_path = random_net(dir.path(), &sizes, 3);
    let (seeds_path, _) = seeds(dir.path(), 3, sizes[0], 4);
    for criterion in ["nc", "tknc", "vv"] {
        let out = dir.path().join(format!("out-{criterion}"));
        let report = generate(&[
            "test",
            "generate",
            net_path.to_str().unwrap(),
            "--criterion",
            criterion,
            "--seeds",
            seeds_path.to_str().unwrap(),
            "--budget",
            "1",
            "--method",
            "fuzz",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(report["method"], "fuzz");
        let pairs = out.join("pairs.csv");
        let extra: &[&str] = if criterion == "vv" {
            &["--pairs", pairs.to_str().unwrap()]
        } else {
            &[]
        };
        assert_eq!(
            recount(&net_path, &out, criterion, extra),
            report["covered"],
            "{criterion}: {report}"
        );
        let history = report["history"].as_array().unwrap();
        assert!(
            report["covered"].as_u64() > history[0]["covered"].as_u64(),
            "{criterion}: fuzzing covered nothing new: {report}"
        );
    }
}

#[test]
fn bad_arguments_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let net = random_net(dir.path(), &[3, 4, 2], 1);
    let (seeds_path, _) = seeds(dir.path(), 2, 3, 2);
    let wide = dir.path().join("wide.csv");
    std::fs::write(&wide, "0.1,0.2,0.3,0.4\n").unwrap();
    let outside = dir.path().join("outside.csv");
    std::fs::write(&outside, "0.1,2.5,0.3\n").unwrap();
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("x"), "").unwrap();
    let fresh = dir.path().join("fresh");
    let run = |seeds: &Path, out: &Path, extra: &[&str]| {
        let criterion = if extra.is_empty() { "ss" } else { "nc" };
        let mut args = vec![
            "test",
            "generate",
            net.to_str().unwrap(),
            "--criterion",
            criterion,
            "--seeds",
            seeds.to_str().unwrap(),
            "--budget",
            "1",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = vera(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let e = run(&wide, &fresh, &[]);
    assert!(e.contains("wide.csv:1") && e.contains("expected 3"), "{e}");
    let e = run(&outside, &fresh, &[]);
    assert!(
        e.contains("outside --clip 0,1") && e.contains("input 1"),
        "{e}"
    );
    let e = run(&seeds_path, &full, &[]);
    assert!(e.contains("is not empty"), "{e}");
    let e = run(
        &seeds_path,
        &fresh,
        &["--method", "concolic", "--nc-threshold", "0.5"],
    );
    assert!(
        e.contains("nc is not") || e.contains("of nc are not a range"),
        "{e}"
    );
    assert!(!fresh.exists(), "nothing is written on an error");
}

/// A 20-input network whose hidden neuron 0, `u = Σ x - 19.9`, is positive only in a corner of
/// `[0, 1]^20` of volume `0.1^20 / 20!`; neurons 1 and 2 are `x0 - 0.5` and `0.5 - x1`.
fn corner_net(dir: &Path) -> PathBuf {
    let n = 20;
    let mut w1 = vec![1.0f32; n];
    w1.extend((0..n).map(|i| if i == 0 { 1.0 } else { 0.0 }));
    w1.extend((0..n).map(|i| if i == 1 { -1.0 } else { 0.0 }));
    let w2 = vec![1.0, -1.0, 0.5, -1.0, 1.0, 0.25];
    let text = nnet_text(
        &[n, 3, 2],
        &[w1, w2],
        &[vec![-19.9, -0.5, 0.5], vec![0.0, 0.1]],
    );
    let path = dir.join("corner.nnet");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `vera test generate` on `net` with `criterion`, `method` and `extra` arguments.
fn generate_with(
    net: &Path,
    seeds: &Path,
    out: &Path,
    criterion: &str,
    method: &str,
    budget: &str,
    extra: &[&str],
) -> Value {
    let mut args = vec![
        "test",
        "generate",
        net.to_str().unwrap(),
        "--criterion",
        criterion,
        "--seeds",
        seeds.to_str().unwrap(),
        "--budget",
        budget,
        "--method",
        method,
        "--threads",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    generate(&args)
}

/// `vera test coverage`'s count of `criterion` on `out`'s tests.csv.
fn recount(net: &Path, out: &Path, criterion: &str, extra: &[&str]) -> Value {
    let tests = out.join("tests.csv");
    let mut args = vec![
        "test",
        "coverage",
        net.to_str().unwrap(),
        "--tests",
        tests.to_str().unwrap(),
        "--criteria",
        criterion,
        "--json",
    ];
    args.extend_from_slice(extra);
    let j: Value = serde_json::from_slice(&vera(&args).stdout).unwrap();
    j["criteria"][criterion]["covered"].clone()
}

#[test]
fn gradient_search_covers_a_corner_neuron_that_fuzzing_misses() {
    let dir = tempfile::tempdir().unwrap();
    let net = corner_net(dir.path());
    let (seeds_path, seed_rows) = seeds(dir.path(), 5, 20, 6);
    let fuzz = generate_with(
        &net,
        &seeds_path,
        &dir.path().join("fuzz"),
        "nc",
        "fuzz",
        "1",
        &[],
    );
    assert_eq!(fuzz["total"], 3);
    assert!(fuzz["covered"].as_u64() < Some(3), "fuzzing: {fuzz}");
    for method in ["gradient", "auto"] {
        let out = dir.path().join(method);
        let report = generate_with(&net, &seeds_path, &out, "nc", method, "20", &[]);
        let label = if method == "auto" {
            "gradient+fuzz"
        } else {
            method
        };
        assert_eq!(report["method"], label);
        assert_eq!(report["covered"], 3, "{method}: {report}");
        // It stops when everything is covered, long before the budget.
        assert!(report["time_s"].as_f64() < Some(5.0), "{report}");
        assert!(report["stats"]["reached"].as_u64() >= Some(1), "{report}");
        assert_eq!(recount(&net, &out, "nc", &[]), report["covered"]);
        let tests = read_rows(&out.join("tests.csv"));
        assert_eq!(&tests[..seed_rows.len()], &seed_rows[..]);
        assert!(tests.iter().flatten().all(|v| (0.0..=1.0).contains(v)));
        assert!(tests.iter().any(|t| t.iter().sum::<f32>() > 19.9));
    }
}

/// A random 6-8-7-3 network in `dir`, and a seed file holding the first of four random inputs
/// whose whole file profiles the ranges (path of the profile, path of the seed).
fn neuron_case(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let sizes = [6, 8, 7, 3];
    let net = random_net(dir, &sizes, 5);
    let (profile_path, rows) = seeds(dir, 4, sizes[0], 8);
    let seeds_path = dir.join("one-seed.csv");
    std::fs::write(&seeds_path, rows_text(&rows[..1])).unwrap();
    (net, profile_path, seeds_path)
}

/// Runs `method` for each `(criterion, extra arguments)` case: its report must replay in `vera
/// test coverage`, cover more than the seed, and keep every test it adds.
fn assert_reports_replay(
    dir: &Path,
    net: &Path,
    seeds_path: &Path,
    method: &str,
    cases: &[(&str, &[&str])],
) {
    for (case, (criterion, extra)) in cases.iter().enumerate() {
        let out = dir.join(format!("{method}-out{case}"));
        let report = generate_with(net, seeds_path, &out, criterion, method, "2", extra);
        assert_eq!(report["method"], method);
        assert_eq!(
            recount(net, &out, criterion, extra),
            report["covered"],
            "{criterion} {extra:?}: {report}"
        );
        let history = report["history"].as_array().unwrap();
        assert!(
            report["covered"].as_u64() > history[0]["covered"].as_u64(),
            "{criterion} {extra:?}: {method} covered nothing new: {report}"
        );
        assert_eq!(
            report["stats"]["kept"].as_u64(),
            Some(report["tests"].as_u64().unwrap() - 1),
            "{report}"
        );
    }
}

#[test]
fn gradient_reports_replay_for_every_neuron_criterion() {
    let dir = tempfile::tempdir().unwrap();
    let (net, profile_path, seeds_path) = neuron_case(dir.path());
    let profile = profile_path.to_str().unwrap();
    let cases: [(&str, &[&str]); 6] = [
        ("nc", &[]),
        ("nc", &["--nc-threshold", "0.6"]),
        ("kmnc", &["--profile", profile, "--kmnc-k", "4"]),
        ("nbc", &["--profile", profile]),
        ("snac", &["--profile", profile]),
        ("tknc", &["--tknc-k", "2"]),
    ];
    assert_reports_replay(dir.path(), &net, &seeds_path, "gradient", &cases);
}

#[test]
fn gradient_search_refuses_criteria_it_has_no_objective_for() {
    let dir = tempfile::tempdir().unwrap();
    let net = random_net(dir.path(), &[3, 4, 2], 1);
    let (seeds_path, _) = seeds(dir.path(), 2, 3, 2);
    let profile = seeds_path.to_str().unwrap();
    for (criterion, hint) in [
        ("ss", "concolic or fuzz"),
        ("vv", "fuzz"),
        ("lsc", "fuzz"),
        ("dsc", "fuzz"),
    ] {
        let out = dir.path().join(criterion);
        let o = vera(&[
            "test",
            "generate",
            net.to_str().unwrap(),
            "--criterion",
            criterion,
            "--seeds",
            profile,
            "--budget",
            "1",
            "--method",
            "gradient",
            "--profile",
            profile,
            "--sc-upper",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{criterion}");
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            e.contains("--method gradient generates for the single-test neuron criteria")
                && e.contains(&format!("use --method {hint} for {criterion}")),
            "{criterion}: {e}"
        );
        assert!(!out.exists());
    }
    // NBC without a profile set says what is missing.
    let out = dir.path().join("nbc");
    let o = vera(&[
        "test",
        "generate",
        net.to_str().unwrap(),
        "--criterion",
        "nbc",
        "--seeds",
        profile,
        "--budget",
        "1",
        "--method",
        "gradient",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--profile"));
}

#[test]
fn concolic_covers_the_corner_neuron_and_its_reports_replay() {
    let dir = tempfile::tempdir().unwrap();
    // The corner neuron: an LP from any seed finds the corner exactly.
    let corner = corner_net(dir.path());
    let (corner_seeds, _) = seeds(dir.path(), 5, 20, 6);
    let out = dir.path().join("corner");
    let report = generate_with(&corner, &corner_seeds, &out, "nc", "concolic", "20", &[]);
    assert_eq!(report["method"], "concolic");
    assert_eq!(report["covered"], 3, "{report}");
    assert_eq!(recount(&corner, &out, "nc", &[]), 3);
    let tests = read_rows(&out.join("tests.csv"));
    assert!(tests.iter().any(|t| t.iter().sum::<f32>() > 19.9));
    // Every range criterion on a random network: the report replays in `vera test coverage`,
    // and the LPs cover more than the seed.
    let (net, profile_path, seeds_path) = neuron_case(dir.path());
    let profile = profile_path.to_str().unwrap();
    let cases: [(&str, &[&str]); 4] = [
        ("nc", &[]),
        ("kmnc", &["--profile", profile, "--kmnc-k", "4"]),
        ("nbc", &["--profile", profile]),
        ("snac", &["--profile", profile]),
    ];
    assert_reports_replay(dir.path(), &net, &seeds_path, "concolic", &cases);
    // Objectives that are not a range of one neuron are refused, naming what fits.
    for (criterion, extra) in [("tknc", vec![]), ("nc", vec!["--nc-threshold", "0.5"])] {
        let mut args = vec![
            "test",
            "generate",
            net.to_str().unwrap(),
            "--criterion",
            criterion,
            "--seeds",
            seeds_path.to_str().unwrap(),
            "--budget",
            "1",
            "--method",
            "concolic",
            "--out",
        ];
        let o = dir.path().join(format!("refused-{criterion}"));
        args.push(o.to_str().unwrap());
        args.extend(extra);
        let r = vera(&args);
        assert_eq!(r.status.code(), Some(1));
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(
            err.contains("not a range of one neuron") && err.contains("gradient or fuzz"),
            "{err}"
        );
        assert!(!o.exists() || std::fs::read_dir(&o).unwrap().next().is_none());
    }
}
