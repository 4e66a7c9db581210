//! The SAT engine on generated binarised networks against an independent exhaustive oracle
//! (float32 execution on every corner of the box, see `common::bnn_case`).

mod common;

use common::bnn_case::{corner_oracle, random_case};
use vera::bnn_sat::decide;
use vera::engine::Budget;
use vera::verify::Verdict;

#[test]
fn sat_engine_agrees_with_exhaustive_enumeration() {
    let (mut holds, mut violated) = (0, 0);
    for seed in 0..400u64 {
        let case = random_case(seed);
        let want = corner_oracle(&case.net, &case.property, &case.lo, &case.hi);
        let report = decide(&case.net, &case.property, &Budget::unlimited()).unwrap();
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
