//! The ACAS Xu specs in specs/acasxu/ lower to the same problems as VNN-COMP's
//! prop_1..10.vnnlib (structure exactly, numbers up to VNN-COMP's 9-decimal rounding), and
//! survive export to VNN-LIB.

mod common;

use num_rational::BigRational;
use vera::spec::dsl::{self, ItemKind};
use vera::spec::{to_f64, vnnlib, LinearConstraint, Property};

/// VNN-COMP printed normalised bounds with 9 decimals: 5e-10 absolute at most, so 1e-8
/// relative (to max(1, |value|)) leaves room and still catches any wrong constant.
const TOLERANCE: f64 = 1e-8;

/// Fails with `what` unless `ok`.
macro_rules! ensure {
    ($ok:expr, $($what:tt)+) => {
        let ok: bool = $ok;
        if !ok {
            return Err(format!($($what)+));
        }
    };
}

fn close(a: Option<&BigRational>, b: Option<&BigRational>, what: &str) -> Result<(), String> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (a, b) = (to_f64(a), to_f64(b));
            ensure!(
                (a - b).abs() <= TOLERANCE * b.abs().max(1.0),
                "{what}: {a} vs {b}"
            );
        }
        (None, None) => {}
        _ => return Err(format!("{what}: bounded on one side only: {a:?} vs {b:?}")),
    }
    Ok(())
}

fn same_constraint(a: &LinearConstraint, b: &LinearConstraint, what: &str) -> Result<(), String> {
    ensure!(
        a.terms() == b.terms(),
        "{what}: coefficients {:?} vs {:?}",
        a.terms(),
        b.terms()
    );
    ensure!(a.relation() == b.relation(), "{what}: relation");
    close(Some(a.bound()), Some(b.bound()), what)
}

/// Same cases, polytopes, disjuncts and atoms in the same order, constants within tolerance.
fn same_problem(ours: &Property, theirs: &Property, name: &str) -> Result<(), String> {
    ensure!(ours.num_inputs() == theirs.num_inputs(), "{name}: inputs");
    ensure!(
        ours.num_outputs() == theirs.num_outputs(),
        "{name}: outputs"
    );
    ensure!(ours.cases().len() == theirs.cases().len(), "{name}: cases");
    for (c, (a, b)) in ours.cases().iter().zip(theirs.cases()).enumerate() {
        let (pa, pb) = (&a.inputs.polytopes, &b.inputs.polytopes);
        ensure!(pa.len() == pb.len(), "{name} case {c}: input polytopes");
        for (p, (x, y)) in pa.iter().zip(pb).enumerate() {
            for i in 0..ours.num_inputs() {
                let what = format!("{name} case {c} polytope {p} X_{i}");
                close(
                    x.bounds.lower[i].as_ref(),
                    y.bounds.lower[i].as_ref(),
                    &what,
                )?;
                close(
                    x.bounds.upper[i].as_ref(),
                    y.bounds.upper[i].as_ref(),
                    &what,
                )?;
            }
            ensure!(
                x.constraints.len() == y.constraints.len(),
                "{name}: input constraints"
            );
        }
        let (da, db) = (&a.unsafe_outputs.disjuncts, &b.unsafe_outputs.disjuncts);
        ensure!(da.len() == db.len(), "{name} case {c}: output disjuncts");
        for (d, (x, y)) in da.iter().zip(db).enumerate() {
            ensure!(
                x.atoms.len() == y.atoms.len(),
                "{name} case {c} disjunct {d}: atoms"
            );
            for (k, (s, t)) in x.atoms.iter().zip(&y.atoms).enumerate() {
                same_constraint(s, t, &format!("{name} case {c} disjunct {d} atom {k}"))?;
            }
        }
    }
    Ok(())
}

fn lowered(n: usize) -> (dsl::Spec, Property) {
    common::acasxu();
    let path = common::repo(&format!("specs/acasxu/phi{n}.vera"));
    let spec = dsl::parse_file(&path).unwrap_or_else(|d| panic!("{}", d.render(false)));
    assert_eq!(spec.items.len(), 1);
    let ItemKind::Property(p) = &spec.items[0].kind else {
        panic!("phi{n} is not a property")
    };
    let p = p.clone();
    (spec, p)
}

#[test]
fn each_acasxu_spec_lowers_to_the_vnncomp_property() {
    for n in 1..=10 {
        let (spec, ours) = lowered(n);
        assert_eq!(spec.items[0].name, format!("phi{n}"));
        let file = common::acasxu().join(format!("vnnlib/prop_{n}.vnnlib"));
        let theirs = vnnlib::read(&file, None).unwrap();
        same_problem(&ours, &theirs, &format!("phi{n}")).unwrap();
    }
}

#[test]
fn a_wrong_constant_is_caught() {
    // The comparison must be able to fail: phi1 against prop_2's outputs, and a bound moved
    // by 1e-6 in normalised units.
    let (_, phi1) = lowered(1);
    let prop2 = vnnlib::read(&common::acasxu().join("vnnlib/prop_2.vnnlib"), None).unwrap();
    let e = same_problem(&phi1, &prop2, "phi1 vs prop_2").unwrap_err();
    assert_eq!(e, "phi1 vs prop_2 case 0 disjunct 0: atoms");
    let text = vnnlib::write(&phi1).replace("(>= X_0 0.6)", "(>= X_0 0.600001)");
    let moved = vnnlib::parse(text.as_bytes(), "moved", None).unwrap();
    let e = same_problem(&moved, &phi1, "moved").unwrap_err();
    assert!(
        e.starts_with("moved case 0 polytope 0 X_0: 0.600001 vs 0.6"),
        "{e}"
    );
}

#[test]
fn exported_files_read_back_to_the_same_problem() {
    for n in [1, 6, 7] {
        let (spec, ours) = lowered(n);
        let text = dsl::vnnlib_text(&spec, &spec.items[0], &ours);
        // Decimals only (no `p/q`), so that any VNN-LIB tool reads the file.
        assert!(
            text.lines().all(|l| l.starts_with(';') || !l.contains('/')),
            "{text}"
        );
        let back = vnnlib::parse(text.as_bytes(), "export", None).unwrap();
        same_problem(&back, &ours, &format!("export of phi{n}")).unwrap();
        // Outward rounding: the exported input box contains the spec's.
        for (a, b) in back.cases()[0]
            .inputs
            .polytopes
            .iter()
            .zip(&ours.cases()[0].inputs.polytopes)
        {
            for i in 0..5 {
                assert!(
                    a.bounds.lower[i] <= b.bounds.lower[i]
                        && a.bounds.upper[i] >= b.bounds.upper[i]
                );
            }
        }
    }
}
