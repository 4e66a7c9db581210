//! The Z3 engine through `verify`, on generated networks whose answers are known by
//! construction, and on the VNN-COMP smoke tests.

mod common;

use common::generate::{linear_property, relu_network as network};

use num_rational::BigRational;
use proptest::prelude::*;
use vera::engine::Budget;
use vera::falsify::AttackOptions;
use vera::network::{load, LayerKind, Network};
use vera::smt_z3::Z3Engine;
use vera::spec::{vnnlib, Property};
use vera::verify::{verify, verify_with, SearchOptions, Verdict};

/// "Some x in [lo, hi] gives Y_0 >= t", as VNN-LIB text (exact decimals of the f64 values).
fn property(lo: &[f64], hi: &[f64], outputs: usize, t: f64) -> Property {
    let mut text = String::new();
    for i in 0..lo.len() {
        text += &format!("(declare-const X_{i} Real)");
    }
    for j in 0..outputs {
        text += &format!("(declare-const Y_{j} Real)");
    }
    for i in 0..lo.len() {
        text += &format!(
            "(assert (>= X_{i} {:?}))(assert (<= X_{i} {:?}))",
            lo[i], hi[i]
        );
    }
    text += &format!("(assert (>= Y_0 {t:?}))");
    vnnlib::parse(text.as_bytes(), "generated.vnnlib", None).unwrap()
}

/// Sound interval upper bound of output 0 over the box (independent of vera's bounds code).
fn interval_upper(net: &Network, lo: &[f64], hi: &[f64]) -> f64 {
    let (mut l, mut h) = (lo.to_vec(), hi.to_vec());
    for layer in net.layers() {
        match &layer.kind {
            LayerKind::Affine(a) => {
                let (mut nl, mut nh) = (a.bias.clone(), a.bias.clone());
                for r in 0..a.weights.rows() {
                    for (c, w) in a.weights.row(r).iter().enumerate() {
                        nl[r] += (w * l[c]).min(w * h[c]);
                        nh[r] += (w * l[c]).max(w * h[c]);
                    }
                }
                (l, h) = (nl, nh);
            }
            LayerKind::Relu => {
                l = l.iter().map(|v| v.max(0.0)).collect();
                h = h.iter().map(|v| v.max(0.0)).collect();
            }
            _ => unreachable!("generated networks are affine + relu"),
        }
    }
    h[0]
}

/// Layer widths, weight values, box lower and upper bounds, and a last vector: a point's
/// position in the box, or an output objective.
type Case = (Vec<usize>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

fn arb_case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(1usize..6, 3..5),
        prop::collection::vec(-1.5f64..1.5, 40..80),
    )
        .prop_flat_map(|(widths, values)| {
            let n = widths[0];
            (
                Just(widths),
                Just(values),
                prop::collection::vec(-1.0f64..0.0, n),
                prop::collection::vec(0.0f64..1.0, n),
                prop::collection::vec(0.0f64..1.0, n),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Below a planted point's output the property is violated, and the witness replays;
    /// above a sound upper bound it holds.
    #[test]
    fn planted_violations_and_proven_bounds((widths, values, lo, hi, t) in arb_case()) {
        let net = network(&widths, &values);
        let outputs = *widths.last().unwrap();
        let x0: Vec<f64> = lo.iter().zip(&hi).zip(&t).map(|((l, h), s)| l + (h - l) * s).collect();
        let y0 = net.eval(&x0).unwrap()[0];
        let planted = property(&lo, &hi, outputs, y0 - 1e-3 * (1.0 + y0.abs()));
        let outcome = verify(&net, &planted, &Z3Engine, &Budget::unlimited()).unwrap();
        match &outcome.verdict {
            Verdict::Violated(r) => {
                prop_assert!(r.confirmed());
                let x: Vec<BigRational> = r.input.iter().map(|v| BigRational::from_float(*v).unwrap()).collect();
                prop_assert!(planted.check_exact(&x, &net.eval(&x).unwrap()).unwrap().violated);
            }
            other => prop_assert!(false, "planted violation missed: {other:?}"),
        }
        let bound = interval_upper(&net, &lo, &hi);
        let safe = property(&lo, &hi, outputs, bound + 1e-3);
        let outcome = verify(&net, &safe, &Z3Engine, &Budget::unlimited()).unwrap();
        prop_assert_eq!(outcome.verdict, Verdict::Holds);
    }
}

/// Widths with at most 8 ReLUs (the oracle enumerates activation patterns), weights, box,
/// and an output objective.
fn arb_differential() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(1usize..7, 3..6),
        prop::collection::vec(-1.5f64..1.5, 60..120),
    )
        .prop_filter("at most 12 ReLUs", |(w, _)| {
            w[1..w.len() - 1].iter().sum::<usize>() <= 12
        })
        .prop_flat_map(|(widths, values)| {
            let (n, m) = (widths[0], *widths.last().unwrap());
            (
                Just(widths),
                Just(values),
                prop::collection::vec(-1.0f64..0.0, n),
                prop::collection::vec(0.0f64..1.0, n),
                prop::collection::vec(-1.0f64..1.0, m),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(30))]

    /// Z3 against the independent enumeration oracle: just above the true maximum of c·y the
    /// property holds, just below it is violated (with a replayed witness); the same at the
    /// minimum.
    #[test]
    fn z3_matches_the_enumeration_oracle((widths, values, lo, hi, c) in arb_differential()) {
        let net = network(&widths, &values);
        let max = common::oracle::max_linear_output(&net, &lo, &hi, &c).value;
        let min = common::oracle::min_linear_output(&net, &lo, &hi, &c).value;
        // Z3 4.8 now and then spends minutes on one of these tiny queries, and its exact
        // point can sit on the boundary so that it fails float replay: a time-out or a failed
        // replay is an honest unknown, no disagreement.
        let budget = || Budget::from_now(std::time::Duration::from_secs(10));
        let timed_out = |v: &Verdict| {
            matches!(v, Verdict::Unknown(why) if why == "timeout" || why.starts_with("witness failed replay"))
        };
        for (relation, extreme, beyond, within) in [(">=", max, 1.0, -1.0), ("<=", min, -1.0, 1.0)] {
            let delta = 1e-4 * extreme.abs().max(1.0);
            let safe = linear_property(&lo, &hi, &c, relation, extreme + beyond * delta);
            let verdict = verify(&net, &safe, &Z3Engine, &budget()).unwrap().verdict;
            if !timed_out(&verdict) {
                prop_assert_eq!(verdict, Verdict::Holds, "{} {} (oracle {})", relation, extreme + beyond * delta, extreme);
            }
            let unsafe_ = linear_property(&lo, &hi, &c, relation, extreme + within * delta);
            match verify(&net, &unsafe_, &Z3Engine, &budget()).unwrap().verdict {
                Verdict::Violated(r) => prop_assert!(r.confirmed()),
                v if timed_out(&v) => {}
                other => prop_assert!(false, "{} {}: expected violated, got {:?}", relation, extreme + within * delta, other),
            }
        }
    }
}

fn smoke(onnx: &str, prop: &str) -> Verdict {
    let dir = common::repo("benchmarks/vnncomp-test");
    assert!(dir.is_dir(), "run scripts/fetch-benchmarks.sh first");
    let net = load(&dir.join(onnx)).unwrap();
    let dims = vnnlib::Dimensions {
        inputs: net.num_inputs(),
        outputs: net.num_outputs(),
    };
    let property = vnnlib::read(&dir.join(prop), Some(dims)).unwrap();
    verify(
        &net,
        &property,
        &Z3Engine,
        &Budget::from_now(std::time::Duration::from_secs(120)),
    )
    .unwrap()
    .verdict
}

/// All five VNN-COMP smoke tests get their expected answers; test_sat's counterexample
/// replays exactly and in float32.
#[test]
fn smoke_tests_get_the_expected_answers() {
    for p in ["nano", "tiny", "small"] {
        let verdict = smoke(&format!("test_{p}.onnx"), &format!("test_{p}.vnnlib"));
        assert_eq!(verdict, Verdict::Holds, "test_{p}");
    }
    assert_eq!(
        smoke("test_unsat.onnx", "test_prop.vnnlib"),
        Verdict::Holds,
        "test_unsat"
    );
    match smoke("test_sat.onnx", "test_prop.vnnlib") {
        Verdict::Violated(r) => assert!(r.confirmed() && r.exact_ok && r.float_ok),
        other => panic!("test_sat: expected violated, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Split and conquer against the same oracle, with bisection forced down to boxes of at
    /// most one unstable ReLU (so bounds close most boxes and Z3 decides the rest): never a
    /// wrong answer. A timeout is allowed (bisecting near a tight optimum can take long) but
    /// must stay rare.
    #[test]
    fn split_and_conquer_matches_the_enumeration_oracle((widths, values, lo, hi, c) in arb_differential()) {
        let net = network(&widths, &values);
        let max = common::oracle::max_linear_output(&net, &lo, &hi, &c).value;
        // No attack first: the search itself must find the counterexamples.
        let attack = AttackOptions { restarts: 0, ..AttackOptions::default() };
        let options = SearchOptions { leaf_unstable_relus: 1, root_unstable_relus: 0, max_depth: 48, attack };
        let delta = 1e-3 * max.abs().max(1.0);
        let budget = Budget::from_now(std::time::Duration::from_secs(5));
        let safe = linear_property(&lo, &hi, &c, ">=", max + delta);
        match verify_with(&net, &safe, &Z3Engine, &budget, options).unwrap().verdict {
            Verdict::Holds => {}
            Verdict::Unknown(why) => prop_assert_eq!(why, "timeout"),
            other => prop_assert!(false, "above the maximum {}: got {:?}", max, other),
        }
        let budget = Budget::from_now(std::time::Duration::from_secs(5));
        let unsafe_ = linear_property(&lo, &hi, &c, ">=", max - delta);
        match verify_with(&net, &unsafe_, &Z3Engine, &budget, options).unwrap().verdict {
            Verdict::Violated(r) => prop_assert!(r.confirmed()),
            Verdict::Unknown(why) => prop_assert_eq!(why, "timeout"),
            Verdict::Holds => prop_assert!(false, "below the maximum {}: got holds", max),
        }
    }
}
