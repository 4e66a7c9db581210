//! Mutation testing (`vera::testing::mutate`, `vera test mutate`): hand-built networks where
//! a mutant is known to be killed or not by known tests, the exact effect of each operator,
//! agreement of the batched f32 labels with `Network::eval` on generated networks and
//! mutants, score arithmetic, determinism under a seed, and the CLI's output and errors.

mod common;

use common::generate::{arb_network, layer};
use common::vera;
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;
use vera::network::{Affine, LayerKind, Matrix, Network, Precision, Provenance};
use vera::testing::mutate::{
    analyse, argmax, generate, Judgement, Mutant, MutantPlan, Operator, Parameters, Status,
    TestSuite,
};

fn affine(rows: usize, cols: usize, weights: Vec<f64>, bias: Vec<f64>) -> vera::network::Layer {
    let weights = Matrix::from_row_major(rows, cols, weights).unwrap();
    layer(LayerKind::Affine(Affine { weights, bias }), rows)
}

/// `h0 = relu(x)`, `h1 = relu(−x)`, outputs `(h0, h1, 0.5)`: for `x = 2` the label is 0 and
/// only `h0` leads to it; for `x = −2` the label is 1 through `h1`; `h1` is dead for every
/// `x > 0`.
fn two_paths() -> Network {
    let layers = vec![
        affine(2, 1, vec![1.0, -1.0], vec![0.0, 0.0]),
        layer(LayerKind::Relu, 2),
        affine(
            3,
            2,
            vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            vec![0.0, 0.0, 0.5],
        ),
    ];
    Network::new(vec![1], layers, vec![3], Provenance::memory(Precision::F32)).unwrap()
}

/// The same network as a `.nnet` file, for the CLI.
const TWO_PATHS_NNET: &str = "// two paths\n2,1,3,2,\n1,2,3,\n0,\n-10,\n10,\n0,0,\n1,1,\n\
    1,\n-1,\n0,\n0,\n1,0,\n0,1,\n0,0,\n0,\n0,\n0.5,\n";

fn plan(operators: &[Operator], per_operator: usize, seed: u64) -> MutantPlan {
    MutantPlan {
        operators: operators.to_vec(),
        per_operator,
        seed,
        layers: None,
        parameters: Parameters::default(),
    }
}

fn suite(width: usize, values: &[f32]) -> TestSuite {
    TestSuite::new(width, values.to_vec()).unwrap()
}

fn statuses(net: &Network, mutants: &[Mutant<'_>], tests: &TestSuite) -> Vec<Status> {
    analyse(net, mutants, tests, Judgement::default())
        .mutants
        .iter()
        .map(|m| m.status)
        .collect()
}

#[test]
fn blocking_the_only_path_to_the_label_kills() {
    let net = two_paths();
    let mutants = generate(&net, &plan(&[Operator::Neb], 10, 0)).unwrap();
    let neurons: Vec<_> = mutants.iter().map(|m| m.site.neurons.clone()).collect();
    assert_eq!(neurons, vec![vec![0], vec![1]]);
    // x = 2 and 3 make h1 dead: its blocking cannot be seen, h0's is.
    let positive = suite(1, &[2.0, 3.0]);
    assert_eq!(
        statuses(&net, &mutants, &positive),
        vec![Status::Killed, Status::Survived]
    );
    let analysis = analyse(&net, &mutants, &positive, Judgement::default());
    assert_eq!((analysis.total.killed, analysis.total.survived), (1, 1));
    assert_eq!(analysis.total.score, Some(0.5));
    assert_eq!(analysis.mutants[0].killing_tests, 2);
    assert_eq!(analysis.mutants[0].first_killing_test, Some(0));
    // x = −2 reaches h1 too.
    let both = suite(1, &[2.0, -2.0]);
    let analysis = analyse(&net, &mutants, &both, Judgement::default());
    assert_eq!(analysis.total.score, Some(1.0));
    assert_eq!(analysis.mutants[1].first_killing_test, Some(1));
}

#[test]
fn inverting_and_linearising_a_neuron() {
    let net = two_paths();
    let nai = generate(&net, &plan(&[Operator::Nai], 10, 0)).unwrap();
    // NAI of h0: h0 = relu(−x); for x = 2 the outputs become (0, 0, 0.5), label 2.
    assert_eq!(
        nai[0].network().unwrap().eval(&[2.0f64]).unwrap(),
        vec![0.0, 0.0, 0.5]
    );
    assert_eq!(
        statuses(&net, &nai[..1], &suite(1, &[2.0])),
        vec![Status::Killed]
    );
    let ar = generate(&net, &plan(&[Operator::Ar], 10, 0)).unwrap();
    assert_eq!(ar.len(), 2);
    // AR of h0: h0 = x, so for x = −2 the outputs are (−2, 2, 0.5): the label stays 1.
    assert_eq!(
        ar[0].network().unwrap().eval(&[-2.0f64]).unwrap(),
        vec![-2.0, 2.0, 0.5]
    );
    assert_eq!(
        ar[0].network().unwrap().eval(&[3.0f64]).unwrap(),
        vec![3.0, 0.0, 0.5]
    );
    assert_eq!(
        statuses(&net, &ar[..1], &suite(1, &[-2.0, 3.0])),
        vec![Status::Survived]
    );
    // AFR: no ReLU at all, outputs (x, −x, 0.5).
    let afr = generate(&net, &plan(&[Operator::Afr], 10, 0)).unwrap();
    assert_eq!(afr.len(), 1);
    assert_eq!(
        afr[0].network().unwrap().eval(&[-0.25f64]).unwrap(),
        vec![-0.25, 0.25, 0.5]
    );
}

/// AR makes a neuron exactly linear, in f32 too: the mutant's outputs equal those of the
/// network evaluated by hand with that neuron's ReLU skipped.
#[test]
fn activation_removal_is_the_identity_on_that_neuron() {
    let w1: Vec<f64> = (0..12)
        .map(|i| f64::from(((i * 7 % 11) as f32 - 5.0) / 3.0))
        .collect();
    let w2: Vec<f64> = (0..8)
        .map(|i| f64::from(((i * 5 % 9) as f32 - 4.0) / 7.0))
        .collect();
    let layers = vec![
        affine(4, 3, w1.clone(), vec![0.1, -0.2, 0.3, 0.0]),
        layer(LayerKind::Relu, 4),
        affine(2, 4, w2.clone(), vec![0.05, -0.05]),
    ];
    let net = Network::new(vec![3], layers, vec![2], Provenance::memory(Precision::F32)).unwrap();
    let ar = generate(&net, &plan(&[Operator::Ar], 10, 0)).unwrap();
    assert_eq!(ar.len(), 4);
    for m in &ar {
        let j = m.site.neurons[0];
        for x in [[0.3f32, -0.7, 0.2], [-1.0, 0.5, 0.9], [0.0, 0.0, 0.0]] {
            let hidden: Vec<f32> = (0..4)
                .map(|r| {
                    let pre = (0..3).fold(0.0f32, |acc, c| acc + w1[r * 3 + c] as f32 * x[c])
                        + [0.1f32, -0.2, 0.3, 0.0][r];
                    if r == j {
                        pre
                    } else {
                        pre.max(0.0)
                    }
                })
                .collect();
            let expected: Vec<f32> = (0..2)
                .map(|r| {
                    (0..4).fold(0.0f32, |acc, c| acc + w2[r * 4 + c] as f32 * hidden[c])
                        + [0.05f32, -0.05][r]
                })
                .collect();
            assert_eq!(
                m.network().unwrap().eval(&x).unwrap(),
                expected,
                "{} at {x:?}",
                m.description
            );
        }
    }
}

#[test]
fn weight_operators_change_what_they_say() {
    let w: Vec<f64> = (0..200).map(|i| f64::from(i as f32 / 50.0 - 2.0)).collect();
    let layers = vec![
        affine(20, 10, w, (0..20).map(|i| i as f64 / 10.0).collect()),
        layer(LayerKind::Relu, 20),
        affine(2, 20, vec![1.0; 40], vec![0.0, 1.0]),
    ];
    let net = Network::new(
        vec![10],
        layers,
        vec![2],
        Provenance::memory(Precision::F32),
    )
    .unwrap();
    let weights = |n: &Network, l: usize| match &n.layers()[l].kind {
        LayerKind::Affine(a) => (a.weights.as_slice().to_vec(), a.bias.clone()),
        _ => panic!("not affine"),
    };
    let mut p = plan(&[Operator::Gf], 5, 3);
    p.layers = Some([0].into());
    p.parameters.ratio = 0.1;
    let (w0, b0) = weights(&net, 0);
    for m in generate(&net, &p).unwrap() {
        let (w, b) = weights(&m.network().unwrap(), 0);
        assert_eq!(
            w.iter().zip(&w0).filter(|(a, b)| a != b).count(),
            20,
            "{}",
            m.description
        );
        assert_eq!(b, b0);
        assert_eq!(m.network().unwrap().layers()[2], net.layers()[2]);
    }
    for m in generate(&net, &plan(&[Operator::Ws], 5, 3)).unwrap() {
        let l = m.site.layer;
        let j = m.site.neurons[0];
        let ((w, _), (w0, _)) = (weights(&m.network().unwrap(), l), weights(&net, l));
        let cols = net.layer_input_size(l);
        let mut row: Vec<f64> = w[j * cols..(j + 1) * cols].to_vec();
        let mut row0: Vec<f64> = w0[j * cols..(j + 1) * cols].to_vec();
        row.sort_by(f64::total_cmp);
        row0.sort_by(f64::total_cmp);
        assert_eq!(row, row0, "a permutation of the row");
        let differ: Vec<usize> = (0..w.len()).filter(|&i| w[i] != w0[i]).collect();
        assert!(differ.iter().all(|i| i / cols == j), "{}", m.description);
    }
    for m in generate(&net, &plan(&[Operator::Ns], 5, 3)).unwrap() {
        let (l, j, k) = (m.site.layer, m.site.neurons[0], m.site.neurons[1]);
        let ((w, b), (w0, b0)) = (weights(&m.network().unwrap(), l), weights(&net, l));
        let cols = net.layer_input_size(l);
        assert!(j < k);
        assert_eq!(w[j * cols..(j + 1) * cols], w0[k * cols..(k + 1) * cols]);
        assert_eq!(w[k * cols..(k + 1) * cols], w0[j * cols..(j + 1) * cols]);
        assert_eq!((b[j], b[k]), (b0[k], b0[j]));
    }
    let mut p = plan(&[Operator::Bc], 5, 3);
    p.parameters.bias_scale = 2.0;
    p.layers = Some([0].into());
    for m in generate(&net, &p).unwrap() {
        let (_, b) = weights(&m.network().unwrap(), 0);
        let j = m.site.neurons[0];
        // One bias moves by 2 standard deviations of the biases 0, 0.1, ..., 1.9.
        let mean = 0.95;
        let std = ((0..20)
            .map(|i| (i as f64 / 10.0 - mean).powi(2))
            .sum::<f64>()
            / 20.0)
            .sqrt();
        assert!(
            ((b[j] - b0[j]).abs() - 2.0 * std).abs() < 1e-12,
            "{}",
            m.description
        );
        assert_eq!((0..20).filter(|&i| b[i] != b0[i]).count(), 1);
    }
}

#[test]
fn unchanged_mutants_are_equivalent_and_not_scored() {
    // h1's outgoing weights are already 0: blocking it changes nothing.
    let layers = vec![
        affine(2, 1, vec![1.0, -1.0], vec![0.0, 0.0]),
        layer(LayerKind::Relu, 2),
        affine(2, 2, vec![1.0, 0.0, 0.0, 0.0], vec![0.0, 0.5]),
    ];
    let net = Network::new(vec![1], layers, vec![2], Provenance::memory(Precision::F32)).unwrap();
    let mutants = generate(&net, &plan(&[Operator::Neb], 10, 0)).unwrap();
    let analysis = analyse(&net, &mutants, &suite(1, &[2.0]), Judgement::default());
    let s: Vec<_> = analysis.mutants.iter().map(|m| m.status).collect();
    assert_eq!(s, vec![Status::Killed, Status::Equivalent]);
    assert_eq!(analysis.total.score, Some(1.0));
    assert_eq!(analysis.total.equivalent, 1);
}

#[test]
fn mutants_disagreeing_too_often_are_trivial() {
    let net = two_paths();
    let mutants = generate(&net, &plan(&[Operator::Neb], 10, 0)).unwrap();
    // On the reference, blocking h0 changes 3 labels of 4 (all x > 0), h1's one (x < 0).
    let reference = suite(1, &[1.0, 2.0, 3.0, -1.0]);
    let tests = suite(1, &[2.0, -2.0]);
    let judgement = Judgement {
        reference: Some(&reference),
        max_disagreement: Some(0.5),
        threads: 2,
    };
    let analysis = analyse(&net, &mutants, &tests, judgement);
    let s: Vec<_> = analysis.mutants.iter().map(|m| m.status).collect();
    assert_eq!(s, vec![Status::Trivial, Status::Killed]);
    assert_eq!(analysis.mutants[0].disagreement, 0.75);
    assert_eq!(analysis.mutants[1].disagreement, 0.25);
    assert_eq!(
        (analysis.total.trivial, analysis.total.score),
        (1, Some(1.0))
    );
    let neb = &analysis.operators[&Operator::Neb];
    assert_eq!((neb.mutants, neb.killed, neb.trivial), (2, 1, 1));
}

#[test]
fn the_same_seed_gives_the_same_mutants() {
    let w: Vec<f64> = (0..600)
        .map(|i| f64::from(((i * 37 % 101) as f32 - 50.0) / 40.0))
        .collect();
    let layers = vec![
        affine(30, 10, w[..300].to_vec(), vec![0.1; 30]),
        layer(LayerKind::Relu, 30),
        affine(10, 30, w[300..].to_vec(), vec![0.0; 10]),
    ];
    let net = Network::new(
        vec![10],
        layers,
        vec![10],
        Provenance::memory(Precision::F32),
    )
    .unwrap();
    let all = plan(&Operator::ALL, 4, 42);
    let a = generate(&net, &all).unwrap();
    let b = generate(&net, &all).unwrap();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (&x.description, &x.network().unwrap()),
            (&y.description, &y.network().unwrap())
        );
    }
    let other = generate(&net, &plan(&Operator::ALL, 4, 43)).unwrap();
    assert!(a
        .iter()
        .zip(&other)
        .any(|(x, y)| x.network().unwrap() != y.network().unwrap()));
    // One operator's mutants do not depend on which other operators are drawn.
    let gf_alone = generate(&net, &plan(&[Operator::Gf], 4, 42)).unwrap();
    let gf_in_all: Vec<_> = a.iter().filter(|m| m.operator == Operator::Gf).collect();
    for (x, y) in gf_alone.iter().zip(gf_in_all) {
        assert_eq!(x.network().unwrap(), y.network().unwrap());
    }
}

#[test]
fn layers_outside_the_network_are_errors() {
    let mut p = plan(&[Operator::Gf], 1, 0);
    p.layers = Some([7].into());
    let e = generate(&two_paths(), &p).unwrap_err().to_string();
    assert!(e.contains("layers 0 to 2, there is no layer 7"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// The batched labels (with the original's values reused up to each mutant's first
    /// changed layer) are the labels `Network::eval::<f32>` gives, for every mutant of
    /// generated networks with every layer kind.
    #[test]
    fn killing_agrees_with_eval(
        net in arb_network(3, 2..7),
        seed in 0u64..1000,
        xs in prop::collection::vec(-2.0f32..2.0, 3 * 37),
    ) {
        let tests = TestSuite::new(3, xs).unwrap();
        let mutants = generate(&net, &plan(&Operator::ALL, 3, seed)).unwrap();
        let analysis = analyse(&net, &mutants, &tests, Judgement { threads: 2, ..Default::default() });
        let label = |n: &Network, i: usize| argmax(&n.eval::<f32>(tests.input(i)).unwrap());
        for (m, o) in mutants.iter().zip(&analysis.mutants) {
            let mutant = m.network().unwrap();
            let killers: Vec<usize> = (0..tests.len())
                .filter(|&i| label(&mutant, i) != label(&net, i))
                .collect();
            if o.status != Status::Equivalent {
                prop_assert_eq!(o.killing_tests, killers.len(), "{}", &m.description);
                prop_assert_eq!(o.first_killing_test, killers.first().copied());
            } else {
                prop_assert!(killers.is_empty());
            }
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn cli_reports_scores_as_json_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let net = write(dir.path(), "two.nnet", TWO_PATHS_NNET);
    let tests = write(dir.path(), "tests.csv", "2\n3\n");
    let out_dir = dir.path().join("mutants");
    let out = vera(&[
        "test",
        "mutate",
        &net,
        "--tests",
        &tests,
        "--operators",
        "neb,afr",
        "--json",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tests"], 2);
    assert_eq!(json["mutants"], 3);
    assert_eq!(json["killed"], 1);
    assert_eq!(json["scored"], 3);
    assert!((json["score"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(json["operators"]["neb"]["killed"], 1);
    assert_eq!(json["operators"]["neb"]["score"], 0.5);
    assert_eq!(json["operators"]["afr"]["survived"], 1);
    let list = json["mutants_list"].as_array().unwrap();
    assert_eq!(list[0]["status"], "killed");
    assert_eq!(list[0]["operator"], "neb");
    assert_eq!(list[1]["status"], "survived");
    assert!(out_dir.join("summary.json").is_file());
    let text = std::fs::read_to_string(out_dir.join("mutant-0.txt")).unwrap();
    assert!(
        text.contains("neb: layer 1 (relu 2→2) neuron 0 blocked")
            && text.contains("status: killed"),
        "{text}"
    );
    // The human table, and --min-score.
    let out = vera(&[
        "test",
        "mutate",
        &net,
        "--tests",
        &tests,
        "--operators",
        "neb",
        "--min-score",
        "0.9",
    ]);
    assert_eq!(out.status.code(), Some(10), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("score     0.500 (1 of 2 killed)"), "{table}");
    assert!(
        table.contains("survived (no test tells them from the network):"),
        "{table}"
    );
}

#[test]
fn cli_errors_name_the_file_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let net = write(dir.path(), "two.nnet", TWO_PATHS_NNET);
    let cases = [
        (
            "wide.csv",
            "1\n2,3\n",
            ":2: expected 1 comma-separated values, got 2",
        ),
        (
            "word.csv",
            "1\nx\n",
            ":2: value 1 ('x') is not a finite number",
        ),
        (
            "empty.csv",
            "",
            ": the file has no tests; expected one a line",
        ),
    ];
    for (name, text, expected) in cases {
        let tests = write(dir.path(), name, text);
        let out = vera(&["test", "mutate", &net, "--tests", &tests]);
        assert_eq!(out.status.code(), Some(1));
        let e = stderr(&out);
        assert!(e.contains(&format!("{tests}{expected}")), "{e}");
    }
    let tests = write(dir.path(), "ok.csv", "1\n");
    let out = vera(&["test", "mutate", "no/such.onnx", "--tests", &tests]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no/such.onnx"), "{}", stderr(&out));
    let out = vera(&[
        "test",
        "mutate",
        &net,
        "--tests",
        &tests,
        "--operators",
        "gf,zz",
    ]);
    assert!(
        stderr(&out).contains("unknown operator 'zz'"),
        "{}",
        stderr(&out)
    );
    let out = vera(&["test", "mutate", &net, "--tests", &tests, "--layers", "9"]);
    assert!(
        stderr(&out).contains("there is no layer 9"),
        "{}",
        stderr(&out)
    );
    let out = vera(&["test", "mutate", &net, "--tests", &tests, "--ratio", "2"]);
    assert!(
        stderr(&out).contains("--ratio: expected a fraction in (0, 1], got 2"),
        "{}",
        stderr(&out)
    );
}
