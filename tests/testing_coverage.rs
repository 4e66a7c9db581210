//! `vera test coverage` end to end: counts worked out by hand on a hand-built network, an
//! independent re-implementation of every criterion agreeing on random networks and inputs,
//! and clear errors for bad test files.

mod common;

use common::testing_files::{nnet_text, rows_text};
use common::{vera, Sampler};
use serde_json::Value;
use std::path::{Path, PathBuf};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().expect("a temporary directory"))
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.path().join(name);
        std::fs::write(&p, text).expect("the fixture is written");
        p
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Runs `vera test coverage ... --json` and returns `criteria`.
fn coverage(args: &[&str]) -> Value {
    let mut all = vec!["test", "coverage"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = vera(&all);
    assert!(
        out.status.success(),
        "vera {all:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    json["criteria"].clone()
}

fn count(criteria: &Value, name: &str) -> (u64, u64) {
    let c = &criteria[name];
    (c["covered"].as_u64().unwrap(), c["total"].as_u64().unwrap())
}

/// The hand-built network: hidden layer 1 `(x0, x1, -x0 - x1 - 10)` (the third neuron is
/// dead), hidden layer 2 `(v0 - v1, v0 + v1)`, outputs `(g0, 1 - g1)`. docs in the comments
/// below give each count's derivation.
fn hand_network(dir: &Dir) -> PathBuf {
    let text = nnet_text(
        &[2, 3, 2, 2],
        &[
            vec![1.0, 0.0, 0.0, 1.0, -1.0, -1.0],
            vec![1.0, -1.0, 0.0, 1.0, 1.0, 0.0],
            vec![1.0, 0.0, 0.0, -1.0],
        ],
        &[vec![0.0, 0.0, -10.0], vec![0.0, 0.0], vec![0.0, 1.0]],
    );
    dir.file("hand.nnet", &text)
}

/// Tests t0..t3 = (1, 2), (2, 2), (3, 1), (-1, 0.5):
///   layer 1 u: (1, 2, -13), (2, 2, -14), (3, 1, -14), (-1, 0.5, -9.5)
///   layer 2 u: (-1, 3), (0, 4), (2, 4), (-0.5, 0.5); outputs (0, -2), (0, -3), (2, -3), (0, 0.5)
/// Profile (1, 1), (3, 3): ranges n0 [1, 3], n1 [1, 3], n2 [0, 0], g0 [0, 0], g1 [2, 6].
#[test]
fn hand_computed_counts() {
    let dir = Dir::new();
    let net = hand_network(&dir);
    let tests = dir.file("t.csv", "1,2\n2,2\n3,1\n-1,0.5\n");
    let profile = dir.file("p.csv", "1,1\n3,3\n");
    let pairs = dir.file("pairs.csv", "0,3\n0,2\n1,2\n3,2\n");
    let labels = dir.file("labels.csv", "0\n1\n");
    let c = coverage(&[
        s(&net),
        "--tests",
        s(&tests),
        "--profile",
        s(&profile),
        "--profile-labels",
        s(&labels),
        "--pairs",
        s(&pairs),
        "--criteria",
        "nc,kmnc,nbc,snac,tknc,ss,sv,vs,vv,dsc",
        "--kmnc-k",
        "4",
        "--mcdc-d",
        "0.5",
        "--sc-upper",
        "2",
        "--sc-buckets",
        "4",
    ]);
    // NC: n0, n1, g0 (t2), g1 have some u > 0; n2 is dead.
    assert_eq!(count(&c, "nc"), (4, 5));
    // KMNC(4): n0 sections 0 (v=1), 2 (v=2), 3 (v=3=high); n1 sections 2, 0; g1 [2, 6]:
    // sections 1 (v=3), 2 (v=4); n2 and g0 have low = high. Total 4 × 3.
    assert_eq!(count(&c, "kmnc"), (7, 12));
    // NBC: upper g0 (v=2 > 0); lower n0 (0 < 1), n1 (0.5 < 1), g1 (0.5 < 2). Total 2 × 5.
    assert_eq!(count(&c, "nbc"), (4, 10));
    assert_eq!(count(&c, "snac"), (1, 5));
    // TKNC(1): layer 1 tops n1, n0 (tie 2 = 2: lower index), n0, n1; layer 2 always g1.
    assert_eq!(count(&c, "tknc"), (3, 5));
    // SS: (t0, t2) and (t1, t2) flip g0 alone, and out0: (g0, out0). (t3, t2) flips n0
    // alone and g0: (n0, g0); then g0 alone and out0, out1: (g0, out1). Total 3·2 + 2·2.
    assert_eq!(count(&c, "ss"), (3, 10));
    // SV (relative 0.5): (t0, t3) flips n0 alone; g0 -1 -> -0.5 and g1 3 -> 0.5 change
    // without flipping; (t0, t2) flips g0 alone, out1 -2 -> -3 changes.
    assert_eq!(count(&c, "sv"), (3, 10));
    // VS: (t0, t3) no layer-2 flip, g0 and g1 change, out1 flips; (t0, t2) and (t1, t2): no
    // layer-1 flip, n0 and n1 change (n2 by 1 < 0.5·13 does not), g0 flips.
    assert_eq!(count(&c, "vs"), (4, 10));
    // VV: no pair keeps a layer's signs while a decision changes value without flipping.
    assert_eq!(count(&c, "vv"), (0, 10));
    // DSA with labels (0, 1) for the profile's traces (0, 2), (0, 6): t0 (0, 3) -> 1/4,
    // t1 (0, 4) -> 2/4, t2 (2, 4) -> sqrt(8)/4, t3 class 1, (0, 0.5) -> 5.5/4: buckets of
    // width 0.5: 0, 0, 1, 2.
    assert_eq!(count(&c, "dsc"), (3, 4));

    // NC(0.5): scaled layer 1 of t0 (0.5, 1, 0) -> n1, of t1 (1, 1, 0) -> n0, n1; layer 2
    // always g1 (t2's g0 scales to exactly 0.5, not above). VV with absolute d = 1: (t0, t2)
    // changes n0, n1, n2 by >= 1 and g1 3 -> 4 without a flip.
    let c = coverage(&[
        s(&net),
        "--tests",
        s(&tests),
        "--pairs",
        s(&pairs),
        "--criteria",
        "nc,vv",
        "--nc-threshold",
        "0.5",
        "--mcdc-value",
        "absolute",
        "--mcdc-d",
        "1",
    ]);
    assert_eq!(count(&c, "nc"), (3, 5));
    assert_eq!(count(&c, "vv"), (3, 10));
}

/// A random ReLU network whose weights, biases and inputs are small multiples of 1/4, so that
/// every f32 sum is exact and any summation order gives the same trace (and ties, zeros and
/// `v = high` happen often).
struct Case {
    sizes: Vec<usize>,
    weights: Vec<Vec<f32>>,
    biases: Vec<Vec<f32>>,
}

fn quarter(s: &mut Sampler, k: i32) -> f32 {
    ((s.unit() * (2 * k + 1) as f64).floor() as i32 - k) as f32 / 4.0
}

fn random_case(s: &mut Sampler) -> Case {
    let mut sizes = vec![2 + (s.unit() * 3.0) as usize];
    for _ in 0..1 + (s.unit() * 3.0) as usize {
        sizes.push(2 + (s.unit() * 5.0) as usize);
    }
    sizes.push(2 + (s.unit() * 3.0) as usize);
    let weights = sizes
        .windows(2)
        .map(|w| (0..w[0] * w[1]).map(|_| quarter(s, 4)).collect())
        .collect();
    let biases = sizes[1..]
        .iter()
        .map(|n| (0..*n).map(|_| quarter(s, 2)).collect())
        .collect();
    Case {
        sizes,
        weights,
        biases,
    }
}

/// Per test: every layer's u (hidden layers, then the outputs), left to right in f32.
fn forward(case: &Case, x: &[f32]) -> Vec<Vec<f32>> {
    let mut layers = Vec::new();
    let mut h = x.to_vec();
    for (l, (w, b)) in case.weights.iter().zip(&case.biases).enumerate() {
        let u: Vec<f32> = w
            .chunks(case.sizes[l])
            .zip(b)
            .map(|(row, bias)| row.iter().zip(&h).map(|(a, c)| a * c).sum::<f32>() + bias)
            .collect();
        h = u.iter().map(|v| v.max(0.0)).collect();
        layers.push(u);
    }
    layers
}

/// The reference implementation of every criterion, straight from docs/testing.md.
mod reference {
    pub type Traces = Vec<Vec<Vec<f32>>>; // test -> layer (hidden..., output) -> u

    fn v(x: f32) -> f32 {
        x.max(0.0)
    }

    pub fn nc(t: &Traces, hidden: usize) -> usize {
        (0..hidden)
            .map(|l| {
                (0..t[0][l].len())
                    .filter(|n| t.iter().any(|x| x[l][*n] > 0.0))
                    .count()
            })
            .sum()
    }

    pub fn nc_scaled(t: &Traces, hidden: usize, th: f64) -> usize {
        let mut n_cov = 0;
        for l in 0..hidden {
            for n in 0..t[0][l].len() {
                if t.iter().any(|x| {
                    let vs: Vec<f64> = x[l].iter().map(|u| v(*u) as f64).collect();
                    let lo = vs.iter().cloned().fold(f64::MAX, f64::min);
                    let hi = vs.iter().cloned().fold(f64::MIN, f64::max);
                    hi > lo && (vs[n] - lo) / (hi - lo) > th
                }) {
                    n_cov += 1;
                }
            }
        }
        n_cov
    }

    pub fn ranges(p: &Traces, hidden: usize) -> Vec<Vec<(f32, f32)>> {
        (0..hidden)
            .map(|l| {
                (0..p[0][l].len())
                    .map(|n| {
                        let vs = p.iter().map(|x| v(x[l][n]));
                        (
                            vs.clone().fold(f32::MAX, f32::min),
                            vs.fold(f32::MIN, f32::max),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    pub fn kmnc(t: &Traces, r: &[Vec<(f32, f32)>], k: usize) -> (usize, usize) {
        let (mut cov, mut total) = (0, 0);
        for (l, layer) in r.iter().enumerate() {
            for (n, (lo, hi)) in layer.iter().enumerate() {
                if lo >= hi {
                    continue;
                }
                total += k;
                for s in 0..k {
                    let hit = t.iter().any(|x| {
                        let val = v(x[l][n]);
                        if val < *lo || val > *hi {
                            return false;
                        }
                        let sec = if val == *hi {
                            k - 1
                        } else {
                            ((val - lo) as f64 / (hi - lo) as f64 * k as f64).floor() as usize
                        };
                        sec == s
                    });
                    cov += hit as usize;
                }
            }
        }
        (cov, total)
    }

    pub fn corners(t: &Traces, r: &[Vec<(f32, f32)>]) -> (usize, usize) {
        let (mut upper, mut lower) = (0, 0);
        for (l, layer) in r.iter().enumerate() {
            for (n, (lo, hi)) in layer.iter().enumerate() {
                upper += t.iter().any(|x| v(x[l][n]) > *hi) as usize;
                lower += t.iter().any(|x| v(x[l][n]) < *lo) as usize;
            }
        }
        (upper, lower)
    }

    pub fn tknc(t: &Traces, hidden: usize, k: usize) -> usize {
        let mut covered = std::collections::BTreeSet::new();
        for x in t {
            for (l, layer) in x.iter().enumerate().take(hidden) {
                let mut idx: Vec<usize> = (0..layer.len()).collect();
                idx.sort_by(|a, b| {
                    v(layer[*b])
                        .partial_cmp(&v(layer[*a]))
                        .unwrap()
                        .then(a.cmp(b))
                });
                for n in idx.into_iter().take(k) {
                    covered.insert((l, n));
                }
            }
        }
        covered.len()
    }

    fn changed(u1: f32, u2: f32, d: f64) -> bool {
        let (a, b) = (u1 as f64, u2 as f64);
        (b - a).abs() >= d * a.abs().max(f32::MIN_POSITIVE as f64)
    }

    /// kind: "ss", "sv", "vs", "vv"; relative value change `d`.
    pub fn mcdc(t: &Traces, pairs: &[(usize, usize)], kind: &str, d: f64) -> usize {
        let sign = |x: f32| x > 0.0;
        let mut covered = std::collections::BTreeSet::new();
        let layers = t[0].len();
        for &(a, b) in pairs {
            let (x1, x2) = (&t[a], &t[b]);
            for k in 0..layers - 1 {
                for i in 0..x1[k].len() {
                    let sc = |l: usize, n: usize| sign(x1[l][n]) != sign(x2[l][n]);
                    let others_keep = (0..x1[k].len()).all(|o| o == i || !sc(k, o));
                    let cond = match kind {
                        "ss" | "sv" => sc(k, i) && others_keep,
                        _ => !sc(k, i) && others_keep && changed(x1[k][i], x2[k][i], d),
                    };
                    if !cond {
                        continue;
                    }
                    for j in 0..x1[k + 1].len() {
                        let dec = match kind {
                            "ss" | "vs" => sc(k + 1, j),
                            _ => !sc(k + 1, j) && changed(x1[k + 1][j], x2[k + 1][j], d),
                        };
                        if dec {
                            covered.insert((k, i, j));
                        }
                    }
                }
            }
        }
        covered.len()
    }

    fn predicted(out: &[f32]) -> usize {
        let mut best = 0;
        for (i, o) in out.iter().enumerate() {
            if *o > out[best] {
                best = i;
            }
        }
        best
    }

    /// Surprise coverage of DSA over `buckets` buckets of (0, upper], labels = predictions.
    pub fn dsc(t: &Traces, p: &Traces, upper: f64, buckets: usize) -> usize {
        let last = t[0].len() - 2;
        let at = |x: &Vec<Vec<f32>>| x[last].iter().map(|u| v(*u) as f64).collect::<Vec<_>>();
        let dist = |a: &[f64], b: &[f64]| {
            a.iter()
                .zip(b)
                .map(|(p, q)| (p - q) * (p - q))
                .sum::<f64>()
                .sqrt()
        };
        let labels: Vec<usize> = p.iter().map(|x| predicted(x.last().unwrap())).collect();
        let mut hit = vec![false; buckets];
        for x in t {
            let c = predicted(x.last().unwrap());
            let a = at(x);
            let mut best: Option<(f64, usize)> = None;
            for (i, y) in p.iter().enumerate() {
                if labels[i] == c {
                    let dd = dist(&a, &at(y));
                    if best.is_none_or(|(b, _)| dd < b) {
                        best = Some((dd, i));
                    }
                }
            }
            let Some((dist_a, i)) = best else { continue };
            let xa = at(&p[i]);
            let dist_b = p
                .iter()
                .enumerate()
                .filter(|(j, _)| labels[*j] != c)
                .map(|(_, y)| dist(&xa, &at(y)))
                .fold(f64::INFINITY, f64::min);
            let s = dist_a / dist_b;
            if s > 0.0 && s <= upper {
                for (b, h) in hit.iter_mut().enumerate() {
                    let lo = upper * b as f64 / buckets as f64;
                    let hi = upper * (b + 1) as f64 / buckets as f64;
                    // The last bucket's top is U itself.
                    if s > lo && (s <= hi || b + 1 == buckets) {
                        *h = true;
                        break;
                    }
                }
            }
        }
        hit.iter().filter(|h| **h).count()
    }
}

/// vera's counts equal the reference implementation's on random networks and inputs.
#[test]
fn agrees_with_a_reference_implementation_on_random_networks() {
    let mut rng = Sampler::new(20261210);
    for case_no in 0..12 {
        let dir = Dir::new();
        let case = random_case(&mut rng);
        let hidden = case.sizes.len() - 2;
        let net = dir.file(
            "net.nnet",
            &nnet_text(&case.sizes, &case.weights, &case.biases),
        );
        let inputs = |rng: &mut Sampler, n: usize| -> Vec<Vec<f32>> {
            (0..n)
                .map(|_| (0..case.sizes[0]).map(|_| quarter(rng, 8)).collect())
                .collect()
        };
        let tests = inputs(&mut rng, 10);
        let profile = inputs(&mut rng, 8);
        let tests_file = dir.file("t.csv", &rows_text(&tests));
        let profile_file = dir.file("p.csv", &rows_text(&profile));
        let t: reference::Traces = tests.iter().map(|x| forward(&case, x)).collect();
        let p: reference::Traces = profile.iter().map(|x| forward(&case, x)).collect();
        let r = reference::ranges(&p, hidden);
        let (k, th, d) = (1 + case_no % 4, 0.25 * (case_no % 3) as f64, 0.25);
        let c = coverage(&[
            s(&net),
            "--tests",
            s(&tests_file),
            "--profile",
            s(&profile_file),
            "--criteria",
            "nc,kmnc,nbc,snac,tknc,ss,sv,vs,vv,dsc",
            "--kmnc-k",
            &k.to_string(),
            "--tknc-k",
            &k.to_string(),
            "--mcdc-d",
            &d.to_string(),
            "--sc-upper",
            "1.5",
            "--sc-buckets",
            "6",
        ]);
        let neurons: usize = case.sizes[1..=hidden].iter().sum();
        let why = format!("case {case_no}: sizes {:?}", case.sizes);
        assert_eq!(
            count(&c, "nc"),
            (reference::nc(&t, hidden) as u64, neurons as u64),
            "{why}"
        );
        let (kc, kt) = reference::kmnc(&t, &r, k);
        assert_eq!(count(&c, "kmnc"), (kc as u64, kt as u64), "{why}");
        let (upper, lower) = reference::corners(&t, &r);
        assert_eq!(
            count(&c, "nbc"),
            ((upper + lower) as u64, 2 * neurons as u64),
            "{why}"
        );
        assert_eq!(count(&c, "snac"), (upper as u64, neurons as u64), "{why}");
        assert_eq!(
            count(&c, "tknc").0,
            reference::tknc(&t, hidden, k) as u64,
            "{why}"
        );
        let pairs: Vec<(usize, usize)> = (0..tests.len())
            .flat_map(|a| {
                (0..tests.len())
                    .filter(move |b| *b != a)
                    .map(move |b| (a, b))
            })
            .collect();
        for kind in ["ss", "sv", "vs", "vv"] {
            let expected = reference::mcdc(&t, &pairs, kind, d) as u64;
            assert_eq!(count(&c, kind).0, expected, "{why}: {kind}");
        }
        assert_eq!(
            count(&c, "dsc").0,
            reference::dsc(&t, &p, 1.5, 6) as u64,
            "{why}"
        );

        let c = coverage(&[
            s(&net),
            "--tests",
            s(&tests_file),
            "--criteria",
            "nc",
            "--nc-threshold",
            &th.to_string(),
        ]);
        assert_eq!(
            count(&c, "nc").0,
            reference::nc_scaled(&t, hidden, th) as u64,
            "{why}"
        );
    }
}

/// Bad test files are reported with the file, the line and what was expected, and a non-zero
/// exit; never a panic.
#[test]
fn bad_test_files_get_clear_errors() {
    let dir = Dir::new();
    let net = hand_network(&dir);
    let cases = [
        (
            "wide.csv",
            "1,2\n1,2,3\n",
            "wide.csv:2: expected 2 comma-separated values, got 3",
        ),
        (
            "word.csv",
            "1,2\n3,four\n",
            "word.csv:2: value 2 ('four') is not a finite number",
        ),
        ("empty.csv", "", "empty.csv: the file has no tests"),
    ];
    for (name, text, expected) in cases {
        let file = dir.file(name, text);
        let out = vera(&[
            "test",
            "coverage",
            s(&net),
            "--tests",
            s(&file),
            "--criteria",
            "nc",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let tests = dir.file("t.csv", "1,2\n2,2\n");
    let pairs = dir.file("pairs.csv", "0,1\n1,2\n");
    let out = vera(&[
        "test",
        "coverage",
        s(&net),
        "--tests",
        s(&tests),
        "--pairs",
        s(&pairs),
        "--criteria",
        "ss",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("pairs.csv:2: row 2 is out of range"), "{err}");
    let out = vera(&[
        "test",
        "coverage",
        s(&net),
        "--tests",
        s(&tests),
        "--criteria",
        "kmnc",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--profile"), "{err}");
}

/// The batched trace of the committed MNIST MLP gives the per-input reference evaluation's
/// outputs, up to summation order.
#[test]
fn batched_trace_agrees_with_eval_on_the_mnist_mlp() {
    let net = vera::network::load(&common::repo("benchmarks/testing/models/mnist_100x2.onnx"))
        .expect("the committed model loads");
    let mut rng = Sampler::new(5);
    let rows: Vec<Vec<f32>> = (0..16)
        .map(|_| (0..784).map(|_| rng.unit() as f32).collect())
        .collect();
    let batch = vera::testing::Batch::from_rows(784, &rows).expect("rows of 784");
    let trace = vera::testing::Trace::run(&net, &batch).expect("a ReLU network traces");
    assert_eq!(trace.hidden_widths(), vec![100, 100]);
    for (t, row) in rows.iter().enumerate() {
        let reference = net.eval::<f32>(row).expect("784 inputs");
        for (a, b) in reference.iter().zip(trace.output.row(t)) {
            assert!(
                (a - b).abs() <= 1e-4 * (1.0 + a.abs()),
                "test {t}: {a} vs {b}"
            );
        }
    }
}
