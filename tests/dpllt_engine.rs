//! The DPLL(T) engine against answers known by construction and against two independent
//! deciders: the enumeration oracle (activation patterns with minilp LPs, no code shared
//! with vera's engines) and the Z3 engine. No disagreement is allowed: every case below that
//! once disagreed stays as a regression test.

mod common;

use common::generate::{arb_network, layer, linear_property, linear_property_text};
use num_rational::BigRational;
use proptest::prelude::*;
use vera::dpllt::DplltEngine;
use vera::engine::{Budget, Engine};
use vera::falsify::AttackOptions;
use vera::network::{load, Affine, Clamp, LayerKind, Matrix, Network, Precision, Provenance};
use vera::smt_z3::Z3Engine;
use vera::spec::{vnnlib, Property};
use vera::verify::{verify_with, Outcome, SearchOptions, Verdict};

/// `verify` with the attacks off, so that the engine itself must find every counterexample.
fn decide(net: &Network, property: &Property, engine: &dyn Engine) -> Outcome {
    let _ = env_logger::builder().is_test(true).try_init();
    let attack = AttackOptions {
        restarts: 0,
        ..AttackOptions::default()
    };
    let options = SearchOptions {
        attack,
        ..SearchOptions::default()
    };
    let secs = std::env::var("DECIDE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let budget = Budget::from_now(std::time::Duration::from_secs(secs));
    verify_with(net, property, engine, &budget, options).unwrap()
}

/// A ReLU network of the given widths; `values` is cycled through for weights and biases,
/// then degenerate rows are planted: `zero_rows` (layer, row) get all-zero weights and bias
/// (their ReLU sits exactly at 0 everywhere) and `copies` (layer, from, to) duplicate a neuron.
fn network(
    widths: &[usize],
    values: &[f64],
    zero_rows: &[(usize, usize)],
    copies: &[(usize, usize, usize)],
) -> Network {
    let mut it = values.iter().cycle().copied();
    let mut layers = Vec::new();
    for (k, w) in widths.windows(2).enumerate() {
        let (rows, cols) = (w[1], w[0]);
        let mut weights: Vec<f64> = it.by_ref().take(rows * cols).collect();
        let mut bias: Vec<f64> = it.by_ref().take(rows).collect();
        for &(layer_index, row) in zero_rows {
            if layer_index == k && row < rows {
                weights[row * cols..(row + 1) * cols].fill(0.0);
                bias[row] = 0.0;
            }
        }
        for &(layer_index, from, to) in copies {
            if layer_index == k && from < rows && to < rows {
                let source: Vec<f64> = weights[from * cols..(from + 1) * cols].to_vec();
                weights[to * cols..(to + 1) * cols].copy_from_slice(&source);
                bias[to] = bias[from];
            }
        }
        let weights = Matrix::from_row_major(rows, cols, weights).unwrap();
        layers.push(layer(LayerKind::Affine(Affine { weights, bias }), rows));
        if k + 2 < widths.len() {
            layers.push(layer(LayerKind::Relu, rows));
        }
    }
    let provenance = Provenance::memory(Precision::F64);
    let last = *widths.last().unwrap();
    Network::new(vec![widths[0]], layers, vec![last], provenance).unwrap()
}

/// Widths with at most 12 ReLUs, weights, box, an objective, and degenerate rows to plant.
type Case = (
    Vec<usize>,
    Vec<f64>,
    Vec<f64>,
    Vec<f64>,
    Vec<f64>,
    Vec<(usize, usize)>,
    Vec<(usize, usize, usize)>,
);

fn arb_case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(1usize..6, 3..6),
        prop::collection::vec(-1.5f64..1.5, 50..100),
    )
        .prop_filter("at most 12 ReLUs", |(w, _)| {
            w[1..w.len() - 1].iter().sum::<usize>() <= 12
        })
        .prop_flat_map(|(widths, values)| {
            let (n, m, depth) = (widths[0], *widths.last().unwrap(), widths.len() - 1);
            (
                Just(widths),
                Just(values),
                prop::collection::vec(-1.0f64..0.0, n),
                prop::collection::vec(0.0f64..1.0, n),
                prop::collection::vec(-1.0f64..1.0, m),
                prop::collection::vec((0..depth, 0usize..5), 0..3),
                prop::collection::vec((0..depth, 0usize..5, 0usize..5), 0..3),
            )
        })
}

fn oracle_extremes(net: &Network, lo: &[f64], hi: &[f64], c: &[f64]) -> (f64, f64) {
    let max = common::oracle::max_linear_output(net, lo, hi, c).value;
    let min = common::oracle::min_linear_output(net, lo, hi, c).value;
    (max, min)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Just beyond the true maximum (and minimum) of c·y the property holds; just within it
    /// is violated, with a witness that replays. Networks include all-zero neurons (ReLUs at
    /// exactly 0) and duplicated neurons.
    #[test]
    fn dpllt_matches_the_enumeration_oracle(
        (widths, values, lo, hi, c, zero_rows, copies) in arb_case()
    ) {
        let net = network(&widths, &values, &zero_rows, &copies);
        let (max, min) = oracle_extremes(&net, &lo, &hi, &c);
        for (relation, extreme, beyond, within) in [(">=", max, 1.0, -1.0), ("<=", min, -1.0, 1.0)] {
            let delta = 1e-4 * extreme.abs().max(1.0);
            let safe = linear_property(&lo, &hi, &c, relation, extreme + beyond * delta);
            let verdict = decide(&net, &safe, &DplltEngine::default()).verdict;
            prop_assert_eq!(verdict, Verdict::Holds, "{} {} (oracle {})", relation, extreme + beyond * delta, extreme);
            let unsafe_ = linear_property(&lo, &hi, &c, relation, extreme + within * delta);
            match decide(&net, &unsafe_, &DplltEngine::default()).verdict {
                Verdict::Violated(r) => prop_assert!(r.confirmed()),
                other => prop_assert!(false, "{} {}: expected violated, got {:?}", relation, extreme + within * delta, other),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(80))]

    /// At thresholds anywhere in the output's range, the DPLL(T) engine and Z3 give the same
    /// decided answer.
    #[test]
    fn dpllt_agrees_with_z3(
        (widths, values, lo, hi, c, zero_rows, copies) in arb_case(),
        at in 0.0f64..1.0,
    ) {
        let net = network(&widths, &values, &zero_rows, &copies);
        let (max, min) = oracle_extremes(&net, &lo, &hi, &c);
        let t = min + (max - min) * at;
        // Stay clear of the extremes, where the oracle's own tolerance decides.
        prop_assume!((t - max).abs() > 1e-6 * max.abs().max(1.0));
        let property = linear_property(&lo, &hi, &c, ">=", t);
        let ours = decide(&net, &property, &DplltEngine::default()).verdict;
        let theirs = decide(&net, &property, &Z3Engine).verdict;
        prop_assert_eq!(ours.word(), theirs.word(), "threshold {} in [{}, {}]", t, min, max);
        prop_assert_ne!(ours.word(), "unknown");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Networks with every layer kind (affine, add/mul/div by constants, ReLU, clamp): a
    /// threshold below a planted point's output is violated (the witness replays exactly), one
    /// above a sound interval bound holds.
    #[test]
    fn planted_violations_and_proven_bounds(
        net in arb_network(3, 2..6),
        position in prop::collection::vec(0.0f64..1.0, 3),
        objective in prop::collection::vec(-1.0f64..1.0, 1..7),
    ) {
        let (lo, hi) = (vec![-1.0; 3], vec![1.0; 3]);
        let m = net.num_outputs();
        let c: Vec<f64> = (0..m).map(|j| objective[j % objective.len()]).collect();
        let x0: Vec<f64> = lo.iter().zip(&position).map(|(l, p)| l + 2.0 * p).collect();
        let y0 = net.eval(&x0).unwrap();
        let v0: f64 = c.iter().zip(&y0).map(|(a, b)| a * b).sum();
        let planted = linear_property(&lo, &hi, &c, ">=", v0 - 1e-3 * (1.0 + v0.abs()));
        match decide(&net, &planted, &DplltEngine::default()).verdict {
            Verdict::Violated(r) => {
                prop_assert!(r.confirmed());
                let x: Vec<BigRational> = r.input.iter().map(|v| BigRational::from_float(*v).unwrap()).collect();
                prop_assert!(planted.check_exact(&x, &net.eval(&x).unwrap()).unwrap().violated);
            }
            other => prop_assert!(false, "planted violation missed: {other:?}"),
        }
        let bound = interval_upper(&net, &lo, &hi, &c);
        let safe = linear_property(&lo, &hi, &c, ">=", bound + 1e-3 * (1.0 + bound.abs()));
        prop_assert_eq!(decide(&net, &safe, &DplltEngine::default()).verdict, Verdict::Holds);
    }
}

/// A sound interval upper bound of `c·y` over the box, by plain interval arithmetic through the
/// layers (independent of vera's bounds code; callers add a margin for its rounding).
fn interval_upper(net: &Network, lo: &[f64], hi: &[f64], c: &[f64]) -> f64 {
    let (mut l, mut h) = (lo.to_vec(), hi.to_vec());
    for layer in net.layers() {
        let (nl, nh): (Vec<f64>, Vec<f64>) = match &layer.kind {
            LayerKind::Affine(a) => (0..a.weights.rows())
                .map(|r| {
                    let (mut s, mut t) = (a.bias[r], a.bias[r]);
                    for (k, w) in a.weights.row(r).iter().enumerate() {
                        s += (w * l[k]).min(w * h[k]);
                        t += (w * l[k]).max(w * h[k]);
                    }
                    (s, t)
                })
                .unzip(),
            LayerKind::Relu => (
                l.iter().map(|v| v.max(0.0)).collect(),
                h.iter().map(|v| v.max(0.0)).collect(),
            ),
            LayerKind::Sign | LayerKind::Signum | LayerKind::Round => {
                unreachable!("the generated networks have no sign or round layer")
            }
            LayerKind::Clamp(k) => l
                .iter()
                .zip(&h)
                .enumerate()
                .map(|(i, (a, b))| {
                    (
                        a.clamp(k.lower[i], k.upper[i]),
                        b.clamp(k.lower[i], k.upper[i]),
                    )
                })
                .unzip(),
            LayerKind::Elementwise(e) => l
                .iter()
                .zip(&h)
                .zip(&e.operand)
                .map(|((a, b), c)| {
                    use vera::network::ElementwiseOp::*;
                    let (p, q) = match e.op {
                        Add => (a + c, b + c),
                        Mul => (a * c, b * c),
                        Div => (a / c, b / c),
                    };
                    (p.min(q), p.max(q))
                })
                .unzip(),
        };
        (l, h) = (nl, nh);
    }
    c.iter()
        .zip(l.iter().zip(&h))
        .map(|(a, (lo, hi))| (a * lo).max(a * hi))
        .sum::<f64>()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// An unsafe set that is a disjunction of output conditions: violated exactly when some
    /// disjunct is reachable (the oracle decides each), holds otherwise.
    #[test]
    fn disjunctions_are_violated_when_any_disjunct_is_reachable(
        (widths, values, lo, hi, c, zero_rows, copies) in arb_case(),
        offsets in prop::collection::vec(-0.3f64..0.3, 2..4),
    ) {
        let net = network(&widths, &values, &zero_rows, &copies);
        let m = net.num_outputs();
        // Disjunct k: y_(k mod m)·sign ≥ t_k, with t_k off the true maximum by a fraction.
        let mut text = String::new();
        for i in 0..lo.len() {
            text += &format!("(declare-const X_{i} Real)(assert (>= X_{i} {:?}))(assert (<= X_{i} {:?}))", lo[i], hi[i]);
        }
        for j in 0..m {
            text += &format!("(declare-const Y_{j} Real)");
        }
        let mut reachable = false;
        let mut disjuncts = Vec::new();
        for (k, off) in offsets.iter().enumerate() {
            let j = k % m;
            let sign = if c[j] >= 0.0 { 1.0 } else { -1.0 };
            let mut e = vec![0.0; m];
            e[j] = sign;
            let max = common::oracle::max_linear_output(&net, &lo, &hi, &e).value;
            let t = max + off * (1.0 + max.abs());
            prop_assume!((t - max).abs() > 1e-4 * (1.0 + max.abs()));
            reachable |= t < max;
            disjuncts.push(format!("(and (>= (* {sign:?} Y_{j}) {t:?}))"));
        }
        text += &format!("(assert (or {}))", disjuncts.join(" "));
        let property = vnnlib::parse(text.as_bytes(), "disjunction.vnnlib", None).unwrap();
        match decide(&net, &property, &DplltEngine::default()).verdict {
            Verdict::Violated(r) => prop_assert!(reachable && r.confirmed(), "violated, but no disjunct is reachable"),
            Verdict::Holds => prop_assert!(!reachable, "holds, but a disjunct is reachable"),
            other => prop_assert!(false, "undecided: {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// Input regions that are not boxes (a linear constraint over two inputs): the DPLL(T)
    /// engine (constraint as an LP row) and Z3 agree.
    #[test]
    fn linear_input_constraints_agree_with_z3(
        (widths, values, lo, hi, c, zero_rows, copies) in arb_case(),
        cut in -0.5f64..0.5,
        at in 0.0f64..1.0,
    ) {
        prop_assume!(lo.len() >= 2);
        let net = network(&widths, &values, &zero_rows, &copies);
        check_polytope_against_z3(&net, &lo, &hi, &c, cut, at);
    }
}

/// "Some x in `[lo, hi]` with `x0 + x1 <= cut` gives `c·y >= t`", `t` at the fraction `at` of
/// the output's range over the box: the DPLL(T) engine and Z3 agree where both decide, vera
/// decides unless the threshold is within rounding of that range, and counterexamples replay.
fn check_polytope_against_z3(net: &Network, lo: &[f64], hi: &[f64], c: &[f64], cut: f64, at: f64) {
    let (max, min) = oracle_extremes(net, lo, hi, c);
    let t = min + (max - min) * at;
    let mut text = linear_property_text(lo, hi, c, ">=", t);
    text += &format!("(assert (<= (+ X_0 X_1) {cut:?}))");
    let property = vnnlib::parse(text.as_bytes(), "polytope.vnnlib", None).unwrap();
    let ours = decide(net, &property, &DplltEngine::default()).verdict;
    let theirs = decide(net, &property, &Z3Engine).verdict;
    // Where the threshold meets the output's range within rounding (a constant output, or an
    // extreme), float bounds may be unable to decide and "unknown" is an honest answer; Z3
    // says unknown when its exact model does not survive float replay.
    let scale = max.abs().max(min.abs()).max(1.0);
    let degenerate = [max - min, (t - max).abs(), (t - min).abs()]
        .iter()
        .any(|d| *d <= 1e-9 * scale);
    match (ours.word(), theirs.word()) {
        ("unknown", _) => assert!(degenerate, "unknown at threshold {t} cut {cut}"),
        (_, "unknown") => {}
        (a, b) => assert_eq!(a, b, "threshold {t} cut {cut}"),
    }
    if let Verdict::Violated(r) = ours {
        assert!(r.confirmed());
    }
}

/// An input box with no point: nothing can be unsafe.
#[test]
fn an_empty_input_box_holds() {
    let net = network(&[2, 3, 1], &[0.5, -1.0, 0.25, 1.0], &[], &[]);
    let property = linear_property(&[1.0, 0.0], &[0.0, 1.0], &[1.0], ">=", -100.0);
    assert_eq!(
        decide(&net, &property, &DplltEngine::default()).verdict,
        Verdict::Holds
    );
}

/// A network whose every ReLU sits at exactly zero on the whole box, and a threshold exactly
/// at the (constant) output: the boundary point is a counterexample, one ulp above is not.
#[test]
fn relus_exactly_at_zero_and_thresholds_exactly_at_the_output() {
    let net = network(&[2, 3, 1], &[0.0], &[], &[]);
    let at = linear_property(&[-1.0, -1.0], &[1.0, 1.0], &[1.0], ">=", 0.0);
    match decide(&net, &at, &DplltEngine::default()).verdict {
        Verdict::Violated(r) => assert!(r.confirmed()),
        other => panic!("y = 0 everywhere meets y >= 0: {other:?}"),
    }
    let above = linear_property(&[-1.0, -1.0], &[1.0, 1.0], &[1.0], ">=", 1e-300);
    assert_eq!(
        decide(&net, &above, &DplltEngine::default()).verdict,
        Verdict::Holds
    );
}

fn benchmark(dir: &str, onnx: &str, prop: &str) -> Verdict {
    let dir = common::repo(dir);
    assert!(dir.is_dir(), "run scripts/fetch-benchmarks.sh first");
    let net = load(&dir.join(onnx)).unwrap();
    let dims = vnnlib::Dimensions {
        inputs: net.num_inputs(),
        outputs: net.num_outputs(),
    };
    let property = vnnlib::read(&dir.join(prop), Some(dims)).unwrap();
    let budget = Budget::from_now(std::time::Duration::from_secs(120));
    vera::verify::verify(&net, &property, &DplltEngine::default(), &budget)
        .unwrap()
        .verdict
}

/// All five VNN-COMP smoke tests get their expected answers with the DPLL(T) engine.
#[test]
fn smoke_tests_get_the_expected_answers() {
    for p in ["nano", "tiny", "small"] {
        let verdict = benchmark(
            "benchmarks/vnncomp-test",
            &format!("test_{p}.onnx"),
            &format!("test_{p}.vnnlib"),
        );
        assert_eq!(verdict, Verdict::Holds, "test_{p}");
    }
    let unsat = benchmark(
        "benchmarks/vnncomp-test",
        "test_unsat.onnx",
        "test_prop.vnnlib",
    );
    assert_eq!(unsat, Verdict::Holds, "test_unsat");
    match benchmark(
        "benchmarks/vnncomp-test",
        "test_sat.onnx",
        "test_prop.vnnlib",
    ) {
        Verdict::Violated(r) => assert!(r.confirmed() && r.exact_ok && r.float_ok),
        other => panic!("test_sat: expected violated, got {other:?}"),
    }
}

/// ACAS Xu instances of every property, holds and violated, each with the answer of
/// `benchmarks/acasxu/expected.csv` (instances that take well under a second here, so the
/// test stays quick; `benchmarks/run.py acasxu` runs all 186).
#[test]
fn acasxu_instances_get_the_expected_answers() {
    let instances = [
        ("1_8", 1, "unsat"),
        ("2_2", 2, "sat"),
        ("4_1", 2, "sat"),
        ("2_5", 3, "unsat"),
        ("1_9", 3, "sat"),
        ("4_9", 4, "unsat"),
        ("1_8", 4, "sat"),
        ("1_1", 5, "unsat"),
        ("4_5", 10, "unsat"),
    ];
    for (net, prop, expected) in instances {
        let verdict = benchmark(
            "benchmarks/acasxu",
            &format!("onnx/ACASXU_run2a_{net}_batch_2000.onnx"),
            &format!("vnnlib/prop_{prop}.vnnlib"),
        );
        let want = if expected == "sat" {
            "violated"
        } else {
            "holds"
        };
        assert_eq!(verdict.word(), want, "{net} prop_{prop}");
        if let Verdict::Violated(r) = verdict {
            assert!(
                r.confirmed() && r.exact_ok && r.float_ok,
                "{net} prop_{prop}"
            );
        }
    }
}

/// Found by `planted_violations_and_proven_bounds`: a clamp (two ReLUs whose relaxations
/// cancel badly) between affine layers, and a threshold above a plain interval bound. Input
/// bisection cannot stabilise these ReLUs; the search once bisected for ever (while ten ReLU
/// splits close it).
#[test]
fn regression_clamp_above_an_interval_bound() {
    use vera::network::{Clamp, Elementwise, ElementwiseOp};
    let affine = |rows, cols, w: Vec<f64>, b: Vec<f64>| {
        let weights = Matrix::from_row_major(rows, cols, w).unwrap();
        layer(LayerKind::Affine(Affine { weights, bias: b }), rows)
    };
    let layers = vec![
        affine(
            5,
            3,
            vec![
                0.5305104851722717,
                -0.8449726700782776,
                -0.08945465087890625,
                1.6366705894470215,
                0.2892330288887024,
                -1.6747435331344604,
                -0.9740595817565918,
                1.5721832513809204,
                0.7745874524116516,
                -1.6793276071548462,
                0.38588404655456543,
                1.2056066989898682,
                -0.12777769565582275,
                1.3040207624435425,
                0.17707692086696625,
            ],
            vec![
                -0.4160822629928589,
                -1.1317377090454102,
                0.7760363221168518,
                1.1887633800506592,
                1.4488681554794312,
            ],
        ),
        affine(
            5,
            5,
            vec![
                0.6730032563209534,
                -1.9377986192703247,
                -0.25924259424209595,
                -1.5931227207183838,
                1.374939203262329,
                1.9866559505462646,
                -1.2143384218215942,
                1.133211374282837,
                -0.21439360082149506,
                -1.3927606344223022,
                0.3840470314025879,
                0.7244572639465332,
                -1.3498541116714478,
                1.1164982318878174,
                -0.5814232230186462,
                -0.5503183007240295,
                1.1396162509918213,
                -0.8937252163887024,
                0.46001529693603516,
                -0.3070383369922638,
                -1.3119499683380127,
                -0.2791782319545746,
                -0.9645836353302002,
                1.1878836154937744,
                0.04833965376019478,
            ],
            vec![
                0.29413533210754395,
                -0.42509135603904724,
                -1.5590649843215942,
                1.3196507692337036,
                -0.11153939366340637,
            ],
        ),
        layer(
            LayerKind::Clamp(Clamp {
                lower: vec![
                    0.6747555732727051,
                    0.49888694286346436,
                    -2.1441490650177,
                    -2.4842920303344727,
                    -1.8460737466812134,
                ],
                upper: vec![
                    1.674755573272705,
                    1.4988869428634644,
                    -1.1441490650177002,
                    -1.4842920303344727,
                    -0.8460737466812134,
                ],
            }),
            5,
        ),
        layer(
            LayerKind::Elementwise(Elementwise {
                op: ElementwiseOp::Add,
                operand: vec![
                    0.25,
                    -3.2716809515527445,
                    3.981011678769472,
                    3.3566993384686623,
                    -1.8191404450559419,
                ],
            }),
            5,
        ),
        affine(
            1,
            5,
            vec![0.0, -0.8599934577941895, 0.0, -1.5244104862213135, 0.0],
            vec![0.0],
        ),
    ];
    let net = Network::new(vec![3], layers, vec![1], Provenance::memory(Precision::F32)).unwrap();
    let (lo, hi) = (vec![-1.0; 3], vec![1.0; 3]);
    let c = [0.22408735929253834];
    let bound = interval_upper(&net, &lo, &hi, &c);
    let safe = linear_property(&lo, &hi, &c, ">=", bound + 1e-3 * (1.0 + bound.abs()));
    assert_eq!(
        decide(&net, &safe, &DplltEngine::default()).verdict,
        Verdict::Holds
    );
}

/// The oracle check of one case, with the DPLL(T) engine: holds just beyond each extreme of
/// `c·y`, violated just within it.
fn check_against_oracle(
    widths: &[usize],
    values: &[f64],
    box_: (&[f64], &[f64]),
    c: &[f64],
    zero_rows: &[(usize, usize)],
    copies: &[(usize, usize, usize)],
) {
    let (lo, hi) = box_;
    let net = network(widths, values, zero_rows, copies);
    let (max, min) = oracle_extremes(&net, lo, hi, c);
    for (relation, extreme, beyond, within) in [(">=", max, 1.0, -1.0), ("<=", min, -1.0, 1.0)] {
        let delta = 1e-4 * extreme.abs().max(1.0);
        let safe = linear_property(lo, hi, c, relation, extreme + beyond * delta);
        let verdict = decide(&net, &safe, &DplltEngine::default()).verdict;
        assert_eq!(verdict, Verdict::Holds, "{relation} beyond {extreme}");
        let unsafe_ = linear_property(lo, hi, c, relation, extreme + within * delta);
        match decide(&net, &unsafe_, &DplltEngine::default()).verdict {
            Verdict::Violated(r) => assert!(r.confirmed()),
            other => panic!("{relation} within {extreme}: expected violated, got {other:?}"),
        }
    }
}

/// The weights and biases (cycled) of the networks in the two regression tests found near
/// an extreme of their output.
const REGRESSION_WEIGHTS: [f64; 91] = [
    -0.9773859434469789,
    1.0453578738413754,
    -1.121857682064833,
    1.2568738827098893,
    -0.12810167410910528,
    0.10503544798932253,
    -0.7592650928230061,
    -1.0562735031352681,
    -0.2683815467442179,
    -0.07863659608465165,
    1.1442650788989388,
    0.02841368489085072,
    0.7153516330632805,
    -0.3838794224579228,
    -0.26934086335436197,
    0.9607564808510233,
    -0.049257280009658476,
    1.4152882247927294,
    0.8240081183059514,
    -1.1388348800385795,
    0.3977658035222027,
    -0.04311301175858703,
    -0.8016868659571388,
    0.09507965478352377,
    -0.4422086256852368,
    1.4246386633110903,
    0.005667434741407623,
    -0.23802091022671745,
    0.5930458320531752,
    -0.24241583069758332,
    -1.1275453489873761,
    -1.1949244790574827,
    1.1689117502822397,
    -0.9611944270720324,
    1.4014474182335515,
    1.2030790138990652,
    1.3944243181884446,
    0.6106125894623871,
    -0.6604658886667644,
    1.4497941720542165,
    0.20130383121712872,
    0.6210741731185543,
    1.291128061917373,
    -1.3061636115614028,
    1.4847813155196314,
    -1.189547264893606,
    0.526369012305635,
    1.1714525556868534,
    1.2763504231084877,
    1.4834060494028563,
    -1.126313866368345,
    -0.3784063517362611,
    0.2713377021854749,
    -0.8046963825139875,
    -0.2738494074331976,
    0.7945558556842197,
    1.1287350173102981,
    -0.7012224191663932,
    -0.8961419906586914,
    -0.530333323505193,
    -0.19577613224167223,
    0.3122129625943163,
    1.016694397948268,
    -0.6770385348459849,
    -0.2051806765394131,
    0.5427501540831738,
    1.1694450853417337,
    1.0608288153301126,
    0.14964536322055114,
    0.6603264475601729,
    -0.5616147896218802,
    -0.46291919209796295,
    -1.0488376266920807,
    -0.8587760933012639,
    1.0939200284208064,
    -0.07739019580400729,
    -0.3219625399809418,
    1.287181882490412,
    -0.9228175152622844,
    -1.0911313540476864,
    -0.759716565360943,
    -1.4146289847468796,
    0.09658365183804732,
    -1.477527479972662,
    1.2019888874186928,
    0.8969242855214435,
    0.9168625760903732,
    -0.914956857933338,
    0.8479137792198894,
    -0.25581994269898045,
    0.32664919767358286,
];

/// Found by `dpllt_matches_the_enumeration_oracle`: a counterexample just within the minimum
/// that the search once did not find in time.
#[test]
fn regression_violation_just_within_the_minimum() {
    check_against_oracle(
        &[4, 3, 4, 3],
        &REGRESSION_WEIGHTS,
        (
            &[
                -0.7910809795346887,
                -0.8609564034940976,
                -0.9126373262384689,
                -0.5649404587785593,
            ],
            &[
                0.6953681785108857,
                0.47391111622671267,
                0.5199999954300051,
                0.19159665262819822,
            ],
        ),
        &[0.7176980810943, 0.5283448653495267, 0.14058597816955412],
        &[(0, 4)],
        &[(1, 0, 4)],
    );
}

/// Found by `planted_violations_and_proven_bounds`: clamps feeding an affine map, with a
/// threshold just above the interval bound; the search once bisected inputs without end.
#[test]
fn regression_clamps_below_an_interval_bound() {
    let affine = |rows: usize, cols: usize, w: &[f64], b: &[f64]| {
        let weights = Matrix::from_row_major(rows, cols, w.to_vec()).unwrap();
        layer(
            LayerKind::Affine(Affine {
                weights,
                bias: b.to_vec(),
            }),
            rows,
        )
    };
    let clamp = |lower: &[f64], upper: &[f64]| {
        let (lower, upper) = (lower.to_vec(), upper.to_vec());
        layer(LayerKind::Clamp(Clamp { lower, upper }), 5)
    };
    let layers = vec![
        affine(
            5,
            3,
            &[
                0.5305104851722717,
                -0.8449726700782776,
                -0.08945465087890625,
                1.6366705894470215,
                0.2892330288887024,
                -1.6747435331344604,
                -0.9740595817565918,
                1.5721832513809204,
                0.7745874524116516,
                -1.6793276071548462,
                0.38588404655456543,
                1.2056066989898682,
                -0.12777769565582275,
                1.3040207624435425,
                0.17707692086696625,
            ],
            &[
                -0.4160822629928589,
                -1.1317377090454102,
                0.7760363221168518,
                1.1887633800506592,
                1.4488681554794312,
            ],
        ),
        affine(
            5,
            5,
            &[
                0.6730032563209534,
                -1.9377986192703247,
                -0.25924259424209595,
                -1.5931227207183838,
                1.374939203262329,
                1.9866559505462646,
                -1.2143384218215942,
                1.133211374282837,
                -0.21439360082149506,
                -1.3927606344223022,
                0.3840470314025879,
                0.7244572639465332,
                -1.3498541116714478,
                1.1164982318878174,
                -0.5814232230186462,
                -0.5503183007240295,
                1.1396162509918213,
                -0.8937252163887024,
                0.46001529693603516,
                -0.3070383369922638,
                -1.3119499683380127,
                -0.2791782319545746,
                -0.9645836353302002,
                1.1878836154937744,
                0.04833965376019478,
            ],
            &[
                0.29413533210754395,
                -0.42509135603904724,
                -1.5590649843215942,
                1.3196507692337036,
                -0.11153939366340637,
            ],
        ),
        clamp(
            &[
                0.6747555732727051,
                0.49888694286346436,
                -2.1441490650177,
                -2.4842920303344727,
                -1.8460737466812134,
            ],
            &[
                1.674755573272705,
                1.4988869428634644,
                -1.1441490650177002,
                -1.4842920303344727,
                -0.8460737466812134,
            ],
        ),
        affine(
            6,
            5,
            &[
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                -1.9497618675231934,
                -1.529438853263855,
                -0.9428281784057617,
                0.33027857542037964,
                -0.5184074640274048,
                1.4124430418014526,
                1.420479416847229,
                1.007575511932373,
                -1.6179492473602295,
            ],
            &[
                1.9923876523971558,
                -0.08984529972076416,
                0.4950558841228485,
                -0.9621533155441284,
                0.6062398552894592,
                -1.306574821472168,
            ],
        ),
        affine(
            1,
            6,
            &[0.0, 0.0, 0.0, 0.0, -0.7997735738754272, 0.0],
            &[0.0],
        ),
    ];
    let net = Network::new(vec![3], layers, vec![1], Provenance::memory(Precision::F32)).unwrap();
    let (lo, hi) = (vec![-1.0; 3], vec![1.0; 3]);
    let objective = [
        0.22408735929253834,
        0.29129626756446025,
        -0.8760906390160272,
    ];
    let c = [objective[0]];
    let bound = interval_upper(&net, &lo, &hi, &c);
    let safe = linear_property(&lo, &hi, &c, ">=", bound + 1e-3 * (1.0 + bound.abs()));
    assert_eq!(
        decide(&net, &safe, &DplltEngine::default()).verdict,
        Verdict::Holds
    );
}

/// Found by `dpllt_matches_the_enumeration_oracle`: a threshold just below the minimum, on a
/// network with a duplicated neuron; the search once bisected inputs below fixed phases.
#[test]
fn regression_holds_just_below_the_minimum() {
    check_against_oracle(
        &[5, 4, 3, 4, 3],
        &REGRESSION_WEIGHTS,
        (
            &[
                -0.2135333133278888,
                -0.18290154202906772,
                -0.6779179066695715,
                -0.8404052417203094,
                -0.6916707667713167,
            ],
            &[
                0.437294124736055,
                0.7408428841422499,
                0.9067750671065061,
                0.4614632053814013,
                0.7372952824340544,
            ],
        ),
        &[
            -0.1675858508439319,
            -0.06066670973210704,
            -0.8644049934143059,
        ],
        &[],
        &[(3, 2, 4)],
    );
}

/// Found by `linear_input_constraints_agree_with_z3`: a threshold within rounding of a
/// constant output, which Z3 proves unreachable exactly; vera must not say "violated".
#[test]
fn regression_a_threshold_met_only_on_the_boundary() {
    let values = [
        -1.196032719109952,
        0.008303189974009719,
        -0.1989139333488475,
        1.1621727804176667,
        0.897976522608104,
        0.97022890095217,
        -1.2574210726018629,
        -0.8021789075038854,
        -1.4066194486036643,
        -1.2860669899672192,
        -0.14208402677137186,
        -1.2962652196177589,
        -0.5488534577085293,
        0.21079546504091762,
        -1.3315383980621494,
        1.2172952260561303,
        1.0404094371179506,
        -0.9542455845162943,
        0.023643606378660413,
        -1.0815626252528194,
        1.242466811185491,
        -0.4217014680760344,
        0.8707284809758923,
        -0.5779579607692612,
        -0.18200340369475618,
        -1.0294051157938653,
        -1.2955964203513741,
        0.0033904123754797243,
        0.3543823494673125,
        1.347485880009567,
        -0.2552473075177092,
        0.7446614946000665,
        0.3630699262409237,
        0.08209739340411616,
        -1.172884009676851,
        0.06998462690685998,
        0.13261876486996155,
        -0.9235085184411522,
        0.2952129657352282,
        0.7202257029400597,
        1.2442668139450979,
        -0.5929253595638216,
        -1.0245280290826468,
        -0.3285148175027159,
        0.5260880718056119,
        -0.8767479019562227,
        1.227790269403913,
        -1.406738491660006,
        -1.2374159484581502,
        1.2042192688616524,
        0.8207238721768764,
        -0.33513660086501723,
        -0.9721504033191768,
        0.9589744784214254,
        0.1111019908942,
        -0.4651630956168752,
        0.7757175706700536,
        -1.3758398485625425,
        1.2048135744207118,
        1.0403209190580271,
        0.9280379741124314,
        -0.16642733140206084,
        -0.21377531793806573,
        1.3500484237417385,
        -0.4769043737636493,
        -0.6181794580061478,
        0.2921338506921934,
        0.8392660346195538,
        1.2230347554408332,
        -0.4072735736572706,
        1.4622777426635565,
        0.45644126469279733,
        -0.5694446330003738,
        -0.48212093706349257,
    ];
    let net = network(&[2, 5, 2, 4, 2], &values, &[(2, 1), (0, 2)], &[]);
    let (lo, hi, c) = (
        [-0.028266222440268385, -0.9938575543044319],
        [0.12273070283906984, 0.7406010178852175],
        [0.04307352639848497, -0.14690658701897383],
    );
    let (cut, at) = (-0.26428842562022975, 0.5280239669455705);
    check_polytope_against_z3(&net, &lo, &hi, &c, cut, at);
}
