//! The SAT engine on generated binarised networks against an independent exhaustive oracle:
//! the network's output depends on the input bits only, and each input's bit is a monotone
//! function of it, so the corners of the box (the least and greatest float32 value of every
//! input) realise every reachable bit pattern; the oracle runs float32 execution on all of them
//! and checks the property exactly, sharing no code with the folding or the encoding.

mod common;

use common::generate::random_bnn;
use common::Sampler;
use num_rational::BigRational;
use vera::bnn_sat::{decide, SatOptions, SatSolver};
use vera::engine::Budget;
use vera::network::Network;
use vera::spec::{vnnlib, Property};
use vera::verify::Verdict;

/// Whether some corner of the box is a counterexample (float32 execution, exact check).
fn oracle(net: &Network, p: &Property, lo: &[f32], hi: &[f32]) -> bool {
    let n = lo.len();
    (0..1u32 << n).any(|mask| {
        let x: Vec<f32> = (0..n)
            .map(|i| if mask >> i & 1 == 1 { hi[i] } else { lo[i] })
            .collect();
        let y = net.eval(&x).unwrap();
        let xe: Vec<BigRational> = x
            .iter()
            .map(|v| BigRational::from_float(*v).unwrap())
            .collect();
        let ye: Vec<BigRational> = y
            .iter()
            .map(|v| BigRational::from_float(*v).unwrap())
            .collect();
        p.check_exact(&xe, &ye).unwrap().violated
    })
}

#[test]
fn sat_engine_agrees_with_exhaustive_enumeration() {
    let (mut holds, mut violated) = (0, 0);
    for seed in 0..400u64 {
        let mut s = Sampler::new(seed + 7);
        let n = 1 + (seed as usize % 8);
        let outputs = 2 + seed as usize % 3;
        let widths = [n, 2 + seed as usize % 9, 2 + seed as usize % 6, outputs];
        let net = random_bnn(&mut s, &widths);
        let lo: Vec<f32> = (0..n).map(|_| (4.0 * s.unit() - 3.0) as f32).collect();
        let hi: Vec<f32> = lo.iter().map(|l| l + (3.0 * s.unit()) as f32).collect();
        let a = (s.unit() * outputs as f64) as usize % outputs;
        let b = (a + 1 + (s.unit() * (outputs - 1) as f64) as usize) % outputs;
        let mut text = String::new();
        for i in 0..n {
            // Exact decimals ({:.80} prints every digit of these float32 values), so the
            // box's corners are the float32 values themselves.
            text += &format!(
                "(declare-const X_{i} Real)(assert (>= X_{i} {:.80}))(assert (<= X_{i} {:.80}))\n",
                f64::from(lo[i]),
                f64::from(hi[i])
            );
        }
        for j in 0..outputs {
            text += &format!("(declare-const Y_{j} Real)\n");
        }
        // Half the cases compare two logits (robustness), half put one logit over a bound.
        if seed % 2 == 0 {
            text += &format!("(assert (>= Y_{a} Y_{b}))\n");
        } else {
            let t = 6.0 * s.unit() - 3.0;
            text += &format!(
                "(assert (or (>= Y_{a} {t:?}) (and (<= Y_{b} {:?}) (>= Y_{a} Y_{b}))))\n",
                -t
            );
        }
        let p = vnnlib::parse(text.as_bytes(), "generated.vnnlib", None).unwrap();
        let want = oracle(&net, &p, &lo, &hi);
        let solver = if seed % 2 == 0 {
            SatSolver::Varisat
        } else {
            SatSolver::Cadical
        };
        let options = SatOptions {
            solver,
            keep_proofs: false,
        };
        let report = decide(&net, &p, &Budget::unlimited(), &options).unwrap();
        match report.verdict {
            Verdict::Holds => {
                assert!(
                    !want,
                    "seed {seed}: sat says holds, a corner is a counterexample"
                );
                // Every unsatisfiable sub-problem came with a proof that checked.
                assert!(
                    report.proofs >= 1 && report.checked == report.proofs,
                    "seed {seed}: {} proofs, {} checked",
                    report.proofs,
                    report.checked
                );
                if solver == SatSolver::Varisat {
                    assert_eq!(report.checked_by, vec!["varisat-checker"], "seed {seed}");
                }
                holds += 1;
            }
            Verdict::Violated(r) => {
                assert!(
                    want,
                    "seed {seed}: sat found {:?}, the oracle none",
                    r.input
                );
                assert!(r.confirmed());
                violated += 1;
            }
            Verdict::Unknown(why) => panic!("seed {seed}: unknown: {why}"),
        }
    }
    eprintln!("{holds} holds, {violated} violated");
    assert!(
        holds >= 40 && violated >= 40,
        "{holds} holds, {violated} violated"
    );
}
