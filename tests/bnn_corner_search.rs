//! The corner search (a falsifier for binarised networks) on generated networks against the
//! exhaustive float32 oracles of `common::bnn_case`: whatever it returns is a counterexample
//! (it never claims one where the oracle finds none), and it finds most of the cases that
//! have one. On the dense EEV model it answers a box that leaves 75 inputs free.

mod common;

use common::bnn_case::{
    corner_oracle, grid_oracle, random_case, random_grid_case, verify_digit, violated_in_f32,
    BnnCase,
};
use vera::bnn_sat::{corner_search, decode, fold, inputs, queries};
use vera::engine::Budget;

/// Runs the corner search on every query of `case`; (found a counterexample, the point).
fn search(case: &BnnCase, seed: u64) -> Option<Vec<f32>> {
    for (k, q) in queries(&case.property).iter().enumerate() {
        let bnn = fold(&case.net, &q.inputs.bounds).unwrap();
        let ins = inputs(&bnn, &q.inputs.bounds).unwrap();
        let budget = Budget::unlimited();
        if let Some(bits) =
            corner_search(&bnn, &ins, &q.unsafe_outputs, &budget, 16, seed + k as u64)
        {
            let x = decode(&bnn, &ins, |j| bits[j]);
            return Some(x.iter().map(|v| *v as f32).collect());
        }
    }
    None
}

/// Every point found is a float32 counterexample; returns (cases the oracle says are
/// violated, of those the ones the search found).
fn check(case: &BnnCase, violated: bool, seed: u64) -> (usize, usize) {
    match search(case, seed) {
        Some(x) => {
            assert!(violated, "seed {seed}: a point where the oracle finds none");
            assert!(
                violated_in_f32(&case.net, &case.property, &x),
                "seed {seed}: {x:?} is not a counterexample"
            );
            (1, 1)
        }
        None => (usize::from(violated), 0),
    }
}

#[test]
fn what_the_corner_search_finds_is_a_counterexample_and_it_finds_most() {
    let (mut violated, mut found) = (0, 0);
    for seed in 0..400u64 {
        let case = random_case(seed);
        let want = corner_oracle(&case.net, &case.property, &case.lo, &case.hi);
        let (v, f) = check(&case, want, seed);
        violated += v;
        found += f;
    }
    eprintln!("input bits: found {found} of {violated} violated cases");
    assert!(violated >= 40, "{violated}");
    assert!(found * 20 >= violated * 19, "found {found} of {violated}");
}

#[test]
fn on_quantised_inputs_it_moves_between_grid_levels() {
    let (mut violated, mut found) = (0, 0);
    for seed in 0..300u64 {
        let grid = random_grid_case(seed);
        let want = grid_oracle(&grid.case.net, &grid.case.property, &grid.points);
        let (v, f) = check(&grid.case, want, seed);
        violated += v;
        found += f;
    }
    eprintln!("grid levels: found {found} of {violated} violated cases");
    assert!(violated >= 40, "{violated}");
    assert!(found * 20 >= violated * 19, "found {found} of {violated}");
}

/// The dense EEV model around held-out digit 4 (label 7) at 10 pixel levels leaves 75 inputs
/// free: beyond enumeration, a CNF a minute of SAT solving did not settle, and the float
/// falsifier found nothing in 20 s; the default engine's corner search finds a witness, which
/// is replayed.
#[test]
fn cli_the_dense_eev_model_at_ten_levels_is_violated_by_a_corner() {
    let model = "benchmarks/bnn/models/eev_mlp.onnx";
    let v = verify_digit(model, 4, 10.0, 7, &["--threads", "2", "--timeout", "30"]);
    assert_eq!(v["verdict"], "violated", "{v}");
    // The default engine sends a BNN to the SAT engine alone: no float falsifier beside it.
    let parts: Vec<&str> = v["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["part"].as_str().unwrap())
        .collect();
    assert_eq!(parts, ["sat"], "{v}");
    assert_eq!(v["sat"]["free_inputs"], 75, "{v}");
    assert_eq!(v["sat"]["corner_search_found"], true, "{v}");
    assert_eq!(
        v["witness"]["input"].as_array().map(Vec::len),
        Some(784),
        "{v}"
    );
}
