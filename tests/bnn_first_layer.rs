//! The first-layer patterns of a box found by dynamic programming (`first_layer_patterns`)
//! against every input pattern walked here, on generated binarised networks over input bits
//! and over quantised inputs with several free levels: the same set of patterns, each with
//! an input pattern that realises it. Then the enumeration through those patterns against
//! the walk over every input pattern and the float32 corner oracle, and the dense EEV model
//! end to end on a box of 2^24 input patterns.

mod common;

use common::bnn_case::{box_text, corner_oracle, verify_digit, violated_in_f32};
use common::generate::{random_bnn, random_quantised_bnn};
use common::Sampler;
use std::collections::HashSet;
use vera::bnn::Bnn;
use vera::bnn_sat::{
    decode, enumerate, enumerate_first_layer, first_layer_patterns, fold, inputs, queries, Bit,
    Enumerated, FirstLayer, InputBits,
};
use vera::engine::Budget;
use vera::network::Network;
use vera::spec::{vnnlib, Property};

/// Every input pattern some input of the box realises: for each free input, its free bits
/// set from the first up to its level (its order bits), the others as the box fixes them.
fn every_input_pattern(ins: &InputBits) -> Vec<Vec<bool>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (j, b) in ins.bits.iter().enumerate() {
        if let Bit::Var(_) = b.lit {
            match groups.last_mut() {
                Some(g) if ins.bits[g[0]].input == b.input => g.push(j),
                _ => groups.push(vec![j]),
            }
        }
    }
    let base: Vec<bool> = ins
        .bits
        .iter()
        .map(|b| matches!(b.lit, Bit::Const(true)))
        .collect();
    let mut out = vec![base];
    for g in &groups {
        out = out
            .into_iter()
            .flat_map(|bits| {
                (0..=g.len()).map(move |level| {
                    let mut b = bits.clone();
                    for &j in &g[..level] {
                        b[j] = true;
                    }
                    b
                })
            })
            .collect();
    }
    out
}

/// The first hidden layer's bits for the input bits `bits`, from the folded network's sums.
fn first_layer(bnn: &Bnn, bits: &[bool]) -> Vec<bool> {
    bnn.hidden[0]
        .iter()
        .map(|n| n.rule.fires(n.sum.value(bits)))
        .collect()
}

fn unpack(words: &[u64], width: usize) -> Vec<bool> {
    (0..width)
        .map(|n| words[n / 64] >> (n % 64) & 1 == 1)
        .collect()
}

struct Case {
    net: Network,
    property: Property,
    lo: Vec<f32>,
    hi: Vec<f32>,
}

/// Case `seed`: even seeds 10 to 15 input bits (per-input thresholds), odd ones 4 to 6
/// quantised inputs of step 0.1 whose boxes span up to 4 levels each; two hidden layers, a
/// robustness-style property "logit a reaches logit b".
fn case(seed: u64) -> Case {
    let mut s = Sampler::new(seed + 101);
    let outputs = 2 + seed as usize % 3;
    let (net, lo, hi) = if seed.is_multiple_of(2) {
        let n = 10 + seed as usize % 6;
        let net = random_bnn(&mut s, &[n, 8 + seed as usize % 9, 5, outputs]);
        let lo: Vec<f32> = (0..n).map(|_| (4.0 * s.unit() - 3.0) as f32).collect();
        let hi: Vec<f32> = lo.iter().map(|l| l + (3.0 * s.unit()) as f32).collect();
        (net, lo, hi)
    } else {
        let n = 4 + seed as usize % 3;
        let net = random_quantised_bnn(&mut s, &[n, 8 + seed as usize % 9, 5, outputs], 0.1);
        let lo: Vec<f32> = (0..n).map(|_| (2.0 * s.unit() - 1.0) as f32).collect();
        let hi: Vec<f32> = lo.iter().map(|l| l + (0.4 * s.unit()) as f32).collect();
        (net, lo, hi)
    };
    let a = seed as usize % outputs;
    let b = (a + 1) % outputs;
    let text = box_text(&lo, &hi, outputs) + &format!("(assert (>= Y_{a} Y_{b}))\n");
    let property = vnnlib::parse(text.as_bytes(), "generated.vnnlib", None).unwrap();
    Case {
        net,
        property,
        lo,
        hi,
    }
}

#[test]
fn the_first_layer_patterns_are_exactly_those_the_inputs_realise() {
    let (mut merged, mut multi_level) = (0usize, 0usize);
    for seed in 0..60u64 {
        let c = case(seed);
        let q = &queries(&c.property)[0];
        let bnn = fold(&c.net, &q.inputs.bounds).unwrap();
        let ins = inputs(&bnn, &q.inputs.bounds).unwrap();
        let every = every_input_pattern(&ins);
        assert_eq!(every.len() as u64, ins.patterns(), "seed {seed}");
        let want: HashSet<Vec<bool>> = every.iter().map(|b| first_layer(&bnn, b)).collect();
        let FirstLayer::Patterns(found) =
            first_layer_patterns(&bnn, &ins, &Budget::unlimited(), 1 + seed as usize % 3)
        else {
            panic!("seed {seed}: no patterns");
        };
        let width = bnn.hidden[0].len();
        let got: Vec<Vec<bool>> = found.first.iter().map(|w| unpack(w, width)).collect();
        let distinct: HashSet<Vec<bool>> = got.iter().cloned().collect();
        assert_eq!(distinct.len(), got.len(), "seed {seed}: a pattern twice");
        assert_eq!(distinct, want, "seed {seed}");
        // Each pattern's input pattern is one of the box's and realises it.
        let realisable: HashSet<&Vec<bool>> = every.iter().collect();
        for (p, pattern) in got.iter().enumerate() {
            let bits = found.inputs(p);
            assert!(realisable.contains(&bits), "seed {seed}: pattern {p}");
            assert_eq!(
                &first_layer(&bnn, &bits),
                pattern,
                "seed {seed}: pattern {p}"
            );
        }
        merged += usize::from(want.len() < every.len());
        multi_level += usize::from(ins.bits.windows(2).any(|w| {
            w[0].input == w[1].input
                && matches!(w[0].lit, Bit::Var(_))
                && matches!(w[1].lit, Bit::Var(_))
        }));
    }
    eprintln!("{merged} of 60 boxes merge input patterns; {multi_level} have inputs with several free levels");
    assert!(
        merged >= 30 && multi_level >= 5,
        "{merged} merged, {multi_level} multi-level"
    );
}

#[test]
fn enumeration_through_the_first_layer_agrees_with_the_walk_and_the_corners() {
    let (mut safe, mut unsafe_) = (0, 0);
    for seed in 0..120u64 {
        let c = case(seed);
        let q = &queries(&c.property)[0];
        let bnn = fold(&c.net, &q.inputs.bounds).unwrap();
        let ins = inputs(&bnn, &q.inputs.bounds).unwrap();
        let budget = Budget::unlimited();
        let threads = 1 + seed as usize % 3;
        let by_patterns =
            enumerate_first_layer(&bnn, &ins, &q.unsafe_outputs, &budget, threads).unwrap();
        let walked = enumerate(&bnn, &ins, &q.unsafe_outputs, &budget, 1, &|_| true);
        let oracle = if seed.is_multiple_of(2) {
            Some(corner_oracle(&c.net, &c.property, &c.lo, &c.hi))
        } else {
            None
        };
        match by_patterns {
            Enumerated::Safe { patterns } => {
                assert_eq!(patterns, ins.patterns(), "seed {seed}");
                assert_eq!(walked, Enumerated::Safe { patterns }, "seed {seed}");
                assert_ne!(oracle, Some(true), "seed {seed}");
                safe += 1;
            }
            Enumerated::Unsafe(bits) => {
                assert!(matches!(walked, Enumerated::Unsafe(_)), "seed {seed}");
                assert_ne!(oracle, Some(false), "seed {seed}");
                // The witness's point is a counterexample in float32.
                let x: Vec<f32> = decode(&bnn, &ins, |j| bits[j])
                    .iter()
                    .map(|v| *v as f32)
                    .collect();
                assert!(violated_in_f32(&c.net, &c.property, &x), "seed {seed}");
                unsafe_ += 1;
            }
            Enumerated::Timeout => panic!("seed {seed}: timeout without a limit"),
        }
    }
    eprintln!("{safe} safe, {unsafe_} unsafe");
    assert!(safe >= 20 && unsafe_ >= 20, "{safe} safe, {unsafe_} unsafe");
}

/// The dense EEV model.
const DENSE: &str = "benchmarks/bnn/models/eev_mlp.onnx";

/// The dense EEV model around held-out digit 7 (label 2) at 3 pixel levels: 24 inputs free,
/// 2^24 input patterns, a CNF of millions of clauses; decided by enumeration through the
/// first layer's patterns.
#[test]
fn cli_the_dense_eev_model_at_three_levels_holds_by_enumeration() {
    let v = verify_digit(DENSE, 7, 3.0, 2, &["--engine", "sat"]);
    assert_eq!(v["verdict"], "holds", "{v}");
    assert_eq!(v["sat"]["enumerated"], 1, "{v}");
    assert_eq!(v["sat"]["free_inputs"], 24, "{v}");
    assert_eq!(v["sat"]["patterns"], 1u64 << 24, "{v}");
}

/// The dense EEV model around held-out digit 1 (label 5) at 5 pixel levels leaves 34 inputs
/// free, beyond what one second decides: the "unknown" still says what the engine was
/// working on (the box's free inputs and the neurons it fixes), not zeros.
#[test]
fn cli_an_undecided_box_reports_what_it_was_working_on() {
    let v = verify_digit(DENSE, 1, 5.0, 5, &["--timeout", "1"]);
    assert_eq!(v["verdict"], "unknown", "{v}");
    assert_eq!(v["reason"], "timeout", "{v}");
    assert_eq!(v["sat"]["queries"], 1, "{v}");
    assert_eq!(v["sat"]["enumerated"], 0, "{v}");
    assert_eq!(v["sat"]["free_inputs"], 34, "{v}");
    assert_eq!(v["sat"]["hidden_neurons"], 1100, "{v}");
    let fixed = v["sat"]["fixed_neurons"].as_u64().unwrap();
    assert!(fixed > 500 && fixed < 1100, "{v}");
}
