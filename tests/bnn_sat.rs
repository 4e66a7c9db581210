//! The SAT engine on generated binarised networks against an independent exhaustive oracle
//! (float32 execution on every corner of the box, see `common::bnn_case`): through the CNF
//! with each solver, and through the enumeration of free inputs.

mod common;

use common::bnn_case::{cnf_only, corner_oracle, random_case};
use vera::bnn_sat::{decide, SatOptions, SatSolver};
use vera::engine::Budget;
use vera::verify::Verdict;

/// Runs the 400 generated cases with `options`; returns (holds, violated).
fn agree_with_oracle(options: &SatOptions, proofs: bool) -> (usize, usize) {
    let (mut holds, mut violated) = (0, 0);
    for seed in 0..400u64 {
        let case = random_case(seed);
        let want = corner_oracle(&case.net, &case.property, &case.lo, &case.hi);
        let report = decide(&case.net, &case.property, &Budget::unlimited(), options).unwrap();
        match report.verdict {
            Verdict::Holds => {
                assert!(
                    !want,
                    "seed {seed}: sat says holds, a corner is a counterexample"
                );
                if proofs {
                    // Every unsatisfiable query came with a proof that checked (queries
                    // with no free input are decided by one forward pass).
                    assert!(
                        report.proofs + report.enumerated == report.queries
                            && report.checked == report.proofs,
                        "seed {seed}: {} queries, {} proofs, {} checked",
                        report.queries,
                        report.proofs,
                        report.checked
                    );
                    if options.solver == SatSolver::Varisat && report.proofs > 0 {
                        assert_eq!(report.checked_by, vec!["varisat-checker"], "seed {seed}");
                    }
                } else {
                    assert_eq!(report.enumerated, report.queries, "seed {seed}");
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
    eprintln!("{options:?}: {holds} holds, {violated} violated");
    assert!(
        holds >= 40 && violated >= 40,
        "{holds} holds, {violated} violated"
    );
    (holds, violated)
}

#[test]
fn varisat_agrees_with_exhaustive_enumeration() {
    agree_with_oracle(&cnf_only(SatSolver::Varisat), true);
}

#[test]
fn cadical_agrees_with_exhaustive_enumeration() {
    agree_with_oracle(&cnf_only(SatSolver::Cadical), true);
}

#[test]
fn enumeration_agrees_with_exhaustive_enumeration() {
    for threads in [1, 3] {
        let options = SatOptions {
            threads,
            sat_first_up_to_clauses: 0,
            ..SatOptions::default()
        };
        agree_with_oracle(&options, false);
    }
}

/// What an enumerated query reports as fixed by its box is what the encoding fixes.
#[test]
fn the_neurons_fixed_by_the_box_are_the_encodings() {
    let mut fixed_some = 0;
    for seed in 0..400u64 {
        let case = random_case(seed);
        let encodings = vera::bnn_sat::encode(&case.net, &case.property).unwrap();
        for (q, enc) in vera::bnn_sat::queries(&case.property)
            .iter()
            .zip(&encodings)
        {
            let bnn = vera::bnn_sat::fold(&case.net, &q.inputs.bounds).unwrap();
            let ins = vera::bnn_sat::inputs(&bnn, &q.inputs.bounds).unwrap();
            let size = vera::bnn_sat::fixed_by_box(&bnn, &ins);
            assert_eq!(size, enc.size, "seed {seed}");
            fixed_some +=
                usize::from(size.fixed_neurons > 0 && size.fixed_neurons < size.hidden_neurons);
        }
    }
    assert!(
        fixed_some >= 40,
        "only {fixed_some} queries with some but not all neurons fixed"
    );
}
