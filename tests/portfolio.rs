//! The `auto` portfolio and its split-and-conquer pool against the enumeration oracle, on
//! generated networks with thresholds just either side of the exact maximum; the pieces the
//! pool splits a property into; and the falsifier on the ACAS Xu instance that needs it.

mod common;

use common::generate::{linear_property, relu_network};
use common::Sampler;
use std::time::Duration;
use vera::engine::Budget;
use vera::falsify::{falsify, AttackOptions};
use vera::spec::{to_f64, vnnlib, Property};
use vera::verify::{pieces, split_into, verify_auto, AutoOptions, PoolOptions, Verdict};

/// Portfolio options with `threads` threads and a pool that re-splits often (pieces get 2 ms
/// at first), so that re-splitting and cancellation run on every case; `whole_first` as the
/// pool's option (without it, only the pieces decide).
fn options(threads: usize, attack: bool, whole_first: bool) -> AutoOptions {
    let mut o = AutoOptions {
        threads,
        pool: PoolOptions {
            first_timeout: Duration::from_millis(2),
            max_depth: 5,
            whole_first,
            ..PoolOptions::default()
        },
        ..AutoOptions::default()
    };
    if !attack {
        o.search.attack.restarts = 0;
    }
    o
}

#[test]
fn portfolio_and_pool_agree_with_the_oracle() {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut cases = 0;
    for seed in 0..40u64 {
        let mut s = Sampler::new(seed + 1000);
        let n = 1 + (seed as usize % 3);
        let widths = [n, 3 + (seed as usize % 4), 3, 2];
        let values: Vec<f64> = (0..200).map(|_| 4.0 * s.unit() - 2.0).collect();
        let net = relu_network(&widths, &values);
        let lo: Vec<f64> = (0..n).map(|_| -1.0 + 0.5 * s.unit()).collect();
        let hi: Vec<f64> = lo.iter().map(|l| l + 0.5 + s.unit()).collect();
        let c = [1.0, -0.5];
        let max = common::oracle::max_linear_output(&net, &lo, &hi, &c).value;
        let delta = 1e-4 * (1.0 + max.abs());
        for (t, violated) in [(max - delta, true), (max + delta, false)] {
            let p = linear_property(&lo, &hi, &c, ">=", t);
            // Attacks off in one run, so the search itself must find the counterexample.
            let configs = [
                (1, false, true),
                (3, false, false),
                (4, false, true),
                (3, true, false),
                (2, true, true),
            ];
            for (threads, attack, whole) in configs {
                let budget = Budget::from_now(Duration::from_secs(20));
                let o = verify_auto(&net, &p, &budget, options(threads, attack, whole)).unwrap();
                let want = if violated { "violated" } else { "holds" };
                assert_eq!(
                    o.verdict.word(),
                    want,
                    "seed {seed}, threshold {t} (max {max}), {threads} threads, attack {attack}, \
                     whole first {whole}: {:?}",
                    o.verdict
                );
                if let Verdict::Violated(r) = &o.verdict {
                    assert!(r.confirmed());
                    let y = net.eval(&r.input).unwrap();
                    assert!(c[0] * y[0] + c[1] * y[1] >= t - 1e-9);
                }
                cases += 1;
            }
        }
    }
    eprintln!("{cases} portfolio runs agreed with the oracle");
}

/// The widths of the box of `p`'s only polytope, and its volume relative to `scale`.
fn relative_volume(p: &Property, scale: &[f64]) -> f64 {
    let b = &p.cases()[0].inputs.polytopes[0].bounds;
    (0..b.num_inputs())
        .map(|i| {
            let w = to_f64(&(b.upper[i].clone().unwrap() - b.lower[i].clone().unwrap()));
            w / scale[i]
        })
        .product()
}

#[test]
fn pieces_tile_the_region_and_round_trip_through_vnnlib() {
    let dir = common::acasxu();
    let text = std::fs::read_to_string(dir.join("vnnlib/prop_6.vnnlib")).unwrap();
    let property = vnnlib::parse(text.as_bytes(), "prop_6.vnnlib", None).unwrap();
    let whole = pieces(&property);
    assert_eq!(whole.len(), 2, "prop_6 has two input boxes");
    for count in [1, 2, 5, 16] {
        let split = split_into(&property, count);
        assert!(
            split.len() >= count.max(2),
            "{count}: {} pieces",
            split.len()
        );
        for w in &whole {
            let b = &w.property.cases()[0].inputs.polytopes[0].bounds;
            let scale: Vec<f64> = (0..b.num_inputs())
                .map(|i| to_f64(&(b.upper[i].clone().unwrap() - b.lower[i].clone().unwrap())))
                .collect();
            // The pieces inside this box fill it exactly (bisection halves volumes exactly).
            let inside: Vec<_> = split
                .iter()
                .filter(|p| {
                    let q = &p.property.cases()[0].inputs.polytopes[0].bounds;
                    (0..b.num_inputs()).all(|i| {
                        q.lower[i].as_ref().unwrap() >= b.lower[i].as_ref().unwrap()
                            && q.upper[i].as_ref().unwrap() <= b.upper[i].as_ref().unwrap()
                    })
                })
                .collect();
            let total: f64 = inside
                .iter()
                .map(|p| relative_volume(&p.property, &scale))
                .sum();
            assert!((total - 1.0).abs() < 1e-9, "{count}: volume {total}");
        }
        for p in &split {
            // Same output DNF as the property's, and the VNN-LIB text reads back the same.
            assert_eq!(
                p.property.cases()[0].unsafe_outputs,
                property.cases()[0].unsafe_outputs
            );
            let text = vnnlib::write(&p.property);
            let back = vnnlib::parse(text.as_bytes(), "piece.vnnlib", None).unwrap();
            assert_eq!(back, p.property);
        }
    }
}

#[test]
fn the_falsifier_finds_acas_xu_1_9_property_7() {
    // Violated, with the outputs constant over most of the box: random sampling hits a
    // counterexample about twice per million points and true-gradient ascent never leaves
    // the plateau; the surrogate gradients of the falsifier's later rounds do.
    let (net, p) = common::acas_instance(1, 9, 7);
    let budget = Budget::from_now(Duration::from_secs(60));
    let r = falsify(&net, &p, AttackOptions::default(), &budget)
        .unwrap()
        .expect("the falsifier finds the counterexample");
    assert!(r.confirmed());
}

#[test]
fn the_same_seed_gives_the_same_witness() {
    // ACAS Xu 1_9 property 7: the falsifier's rounds, with no deadline to cut them at a
    // moment that depends on the machine, find the same counterexample for the same seed.
    let (net, p) = common::acas_instance(1, 9, 7);
    let witness = |seed: u64| {
        let options = AttackOptions {
            seed,
            ..AttackOptions::default()
        };
        falsify(&net, &p, options, &Budget::unlimited())
            .unwrap()
            .unwrap_or_else(|| panic!("seed {seed}: nothing found"))
            .input
    };
    assert_eq!(witness(3), witness(3));
}
