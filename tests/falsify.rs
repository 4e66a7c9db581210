//! Attacks on generated networks with planted counterexamples (a threshold just below the best
//! value 200 random samples reach): PGD finds most of them, and every witness it reports is a
//! real counterexample (re-checked here exactly, independently of replay).

mod common;

use common::generate::{arb_network, linear_property};
use num_rational::BigRational;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use vera::engine::Budget;
use vera::falsify::{ascend, attack, AttackOptions};
use vera::network::Network;

type Case = (Network, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// A network, a box, a point in it (as fractions of the box), and an objective.
fn arb_case() -> impl Strategy<Value = Case> {
    (1usize..5).prop_flat_map(|n| {
        arb_network(n, 2..7).prop_flat_map(move |net| {
            let m = net.num_outputs();
            (
                Just(net),
                prop::collection::vec(-1.0f64..0.0, n),
                prop::collection::vec(0.0f64..1.0, n),
                prop::collection::vec(0.0f64..=1.0, n),
                prop::collection::vec(-1.0f64..1.0, m),
            )
        })
    })
}

#[test]
fn pgd_finds_most_planted_counterexamples_and_only_real_ones() {
    let mut runner = TestRunner::deterministic();
    let strategy = arb_case();
    let (mut planted, mut found) = (0, 0);
    for _ in 0..300 {
        let (net, lo, hi, t, c) = strategy.new_tree(&mut runner).unwrap().current();
        // Plant near the top: the best of 200 random points (and the planted one) sets the
        // threshold, so the attack must reach almost the best value sampling found.
        let mut sampler = common::Sampler::new(planted as u64);
        let point = |i: usize, v: f64| lo[i] + (hi[i] - lo[i]) * v;
        let x: Vec<f64> = (0..lo.len()).map(|i| point(i, t[i])).collect();
        let objective = |x: &[f64]| -> f64 {
            let y: Vec<f64> = net.eval(x).unwrap();
            c.iter().zip(&y).map(|(a, b)| a * b).sum()
        };
        let value = (0..200)
            .map(|_| objective(&sampler.in_box(&lo, &hi)))
            .fold(objective(&x), f64::max);
        let threshold = value - 1e-3 * (1.0 + value.abs());
        let p = linear_property(&lo, &hi, &c, ">=", threshold);
        planted += 1;
        let options = AttackOptions {
            restarts: 8,
            steps: 40,
            seed: 7,
            samples: 64,
        };
        if let Some(r) = attack(&net, &p, options, &Budget::unlimited()).unwrap() {
            found += 1;
            assert!(r.confirmed());
            let exact: Vec<BigRational> = r
                .input
                .iter()
                .map(|v| BigRational::from_float(*v).unwrap())
                .collect();
            let out = net.eval(&exact).unwrap();
            assert!(
                p.check_exact(&exact, &out).unwrap().violated,
                "a reported witness is not one"
            );
        }
        // Far above the maximum (a sound interval bound), nothing may be reported.
        let impossible = linear_property(&lo, &hi, &c, ">=", 1e9);
        assert!(attack(&net, &impossible, options, &Budget::unlimited())
            .unwrap()
            .is_none());
    }
    eprintln!("PGD found {found} of {planted} planted counterexamples");
    assert!(
        found * 10 >= planted * 9,
        "PGD found {found} of {planted} planted counterexamples"
    );
}

/// Five inputs in [0, 1], `y = Σ relu(x_i − 0.8)`, unsafe `y ≥ 0.9`: only the corner region
/// where every input is above 0.98 is unsafe, and the gradient is zero wherever all five
/// ReLUs are off (from the centre, everywhere a start is likely to land).
#[test]
fn surrogate_gradients_leave_a_dead_plateau() {
    let n = 5;
    let mut values = Vec::new();
    for i in 0..n {
        values.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
    }
    values.extend(std::iter::repeat_n(-0.8, n));
    values.extend(std::iter::repeat_n(1.0, n));
    values.push(0.0);
    let net = common::generate::relu_network(&[n, n, 1], &values);
    let (lo, hi) = (vec![0.0; n], vec![1.0; n]);
    let p = linear_property(&lo, &hi, &[1.0], ">=", 0.9);
    let centre = vec![0.5; n];
    // The true gradient is zero at the centre: plain ascent cannot move.
    let sub = p.sub_problems().next().unwrap();
    assert!(ascend(&net, sub.unsafe_outputs, &lo, &hi, centre, 40).is_none());
    // Restart 0 (true gradient, from the centre) fails; restart 1 (slope 0.3) climbs out.
    let options = AttackOptions {
        restarts: 2,
        samples: 0,
        steps: 40,
        seed: 1,
    };
    let r = attack(&net, &p, options, &Budget::unlimited())
        .unwrap()
        .expect("the surrogate-gradient restart finds the corner");
    assert!(r.confirmed());
    assert!(r.input.iter().all(|x| *x >= 0.98 - 1e-9), "{:?}", r.input);
}

/// `y = relu(x0 + x1 + x2 − 2.99)` on [0, 1]³, unsafe `y ≥ 0.005`: only a sliver at the corner
/// (1, 1, 1) is unsafe. The centre start cannot reach it with the true gradient (dead there),
/// and one random sample almost surely misses it; the corners scored among the samples give
/// the second start, which already is a counterexample (checked with no gradient step).
#[test]
fn corners_of_small_boxes_are_tried() {
    let net = common::generate::relu_network(&[3, 1, 1], &[1.0, 1.0, 1.0, -2.99, 1.0, 0.0]);
    let (lo, hi) = (vec![0.0; 3], vec![1.0; 3]);
    let p = linear_property(&lo, &hi, &[1.0], ">=", 0.005);
    let only_centre = AttackOptions {
        restarts: 1,
        samples: 1,
        steps: 40,
        seed: 1,
    };
    assert!(attack(&net, &p, only_centre, &Budget::unlimited())
        .unwrap()
        .is_none());
    // No gradient step at all: the start itself must be the counterexample.
    let with_corners = AttackOptions {
        restarts: 2,
        steps: 0,
        ..only_centre
    };
    let r = attack(&net, &p, with_corners, &Budget::unlimited())
        .unwrap()
        .expect("the corner (1, 1, 1) is found");
    assert_eq!(r.input, vec![1.0, 1.0, 1.0]);
}
