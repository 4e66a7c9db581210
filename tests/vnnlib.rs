//! The VNN-LIB reader on every benchmark property, on malformed files (one per error kind),
//! on random bytes and mutated files (never a panic), and the writer's round trip.

mod common;

use common::repo;
use num_rational::BigRational;
use proptest::prelude::*;
use std::io::Write;
use std::path::PathBuf;
use vera::exact::parse_rational;
use vera::spec::vnnlib::{self, Dimensions, ErrorKind};
use vera::spec::{
    Case, InputBox, InputPolytope, InputRegion, LinearConstraint, OutputConjunction, OutputDnf,
    Property, Relation,
};

const ACAS: Dimensions = Dimensions {
    inputs: 5,
    outputs: 5,
};

fn q(text: &str) -> BigRational {
    parse_rational(text).unwrap()
}

fn acas_property(k: usize) -> Property {
    let path = repo(&format!("benchmarks/acasxu/vnnlib/prop_{k}.vnnlib"));
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-benchmarks.sh first (README.md, 'Run the tests')",
        path.display()
    );
    vnnlib::read(&path, Some(ACAS)).unwrap_or_else(|e| panic!("{e}"))
}

/// Every `.vnnlib` benchmark file, with the dimensions of the networks it goes with.
fn benchmark_files() -> Vec<(PathBuf, Dimensions)> {
    let mut files: Vec<(PathBuf, Dimensions)> = (1..=10)
        .map(|k| {
            (
                repo(&format!("benchmarks/acasxu/vnnlib/prop_{k}.vnnlib")),
                ACAS,
            )
        })
        .collect();
    let one = Dimensions {
        inputs: 1,
        outputs: 1,
    };
    for (name, dims) in [
        ("test_nano", one),
        ("test_tiny", one),
        ("test_small", one),
        ("test_prop", ACAS),
    ] {
        files.push((
            repo(&format!("benchmarks/vnncomp-test/{name}.vnnlib")),
            dims,
        ));
    }
    for (path, _) in &files {
        assert!(
            path.is_file(),
            "{} is missing: run scripts/fetch-benchmarks.sh first",
            path.display()
        );
    }
    files
}

fn single_case(p: &Property) -> &Case {
    assert_eq!(p.cases().len(), 1, "{p:?}");
    &p.cases()[0]
}

/// `sum coefficient * Y_index relation bound` from small integers.
fn output_atom(terms: &[(usize, i64)], relation: Relation, bound: &str) -> LinearConstraint {
    LinearConstraint::new(
        terms
            .iter()
            .map(|&(i, c)| (i, BigRational::from_integer(c.into()))),
        relation,
        q(bound),
    )
    .unwrap()
}

#[test]
fn every_benchmark_file_reads_and_round_trips() {
    for (path, dims) in benchmark_files() {
        let property = vnnlib::read(&path, Some(dims)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(property.num_inputs(), dims.inputs);
        assert_eq!(property.num_outputs(), dims.outputs);
        assert!(property.unbounded_inputs().is_empty(), "{}", path.display());
        let text = vnnlib::write(&property);
        let again = vnnlib::parse(text.as_bytes(), "written", Some(dims))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(again, property, "{}\n{text}", path.display());
        assert_eq!(vnnlib::write(&again), text);
    }
}

#[test]
fn prop_1_is_a_box_and_one_output_atom() {
    let p = acas_property(1);
    let case = single_case(&p);
    let [polytope] = case.inputs.polytopes.as_slice() else {
        panic!("{case:?}")
    };
    let lower = ["0.6", "-0.5", "-0.5", "0.45", "-0.5"];
    let upper = ["0.679857769", "0.5", "0.5", "0.5", "-0.45"];
    for i in 0..5 {
        assert_eq!(polytope.bounds.lower[i], Some(q(lower[i])), "X_{i}");
        assert_eq!(polytope.bounds.upper[i], Some(q(upper[i])), "X_{i}");
    }
    assert!(polytope.constraints.is_empty());
    assert_eq!(
        case.unsafe_outputs.disjuncts,
        vec![OutputConjunction {
            atoms: vec![output_atom(&[(0, 1)], Relation::Ge, "3.991125645861615")]
        }]
    );
    // Exactly the decimal in the file, not the f64 near it.
    assert_eq!(
        case.unsafe_outputs.disjuncts[0].atoms[0].bound(),
        &BigRational::new(3991125645861615u64.into(), 10u64.pow(15).into())
    );
    assert_eq!(polytope.bounds.upper_f64()[0], 0.679857769);
}

#[test]
fn prop_2_is_unsafe_when_y0_is_the_maximum() {
    let p = acas_property(2);
    let case = single_case(&p);
    assert_eq!(case.inputs.polytopes.len(), 1);
    let atoms: Vec<_> = (1..5)
        .map(|j| output_atom(&[(0, -1), (j, 1)], Relation::Le, "0"))
        .collect();
    assert_eq!(
        case.unsafe_outputs,
        OutputDnf {
            disjuncts: vec![OutputConjunction { atoms }]
        }
    );
}

#[test]
fn prop_6_has_two_input_boxes_and_four_output_disjuncts() {
    let p = acas_property(6);
    let case = single_case(&p);
    assert_eq!(case.inputs.polytopes.len(), 2);
    let [a, b] = case.inputs.polytopes.as_slice() else {
        unreachable!()
    };
    assert_eq!(a.bounds.lower[1], Some(q("0.11140846")));
    assert_eq!(b.bounds.upper[1], Some(q("-0.11140846")));
    assert_eq!(a.bounds.lower[0], b.bounds.lower[0]);
    assert_eq!(case.unsafe_outputs.disjuncts.len(), 4);
    assert_eq!(p.sub_problems().count(), 8);
    for (k, d) in case.unsafe_outputs.disjuncts.iter().enumerate() {
        assert_eq!(
            d.atoms,
            vec![output_atom(&[(0, -1), (k + 1, 1)], Relation::Le, "0")]
        );
    }
}

#[test]
fn the_output_dnfs_of_props_3_to_10_have_the_known_shapes() {
    // (disjuncts, atoms per disjunct)
    let shapes = [
        (3, 1, 4),
        (4, 1, 4),
        (5, 4, 1),
        (7, 2, 3),
        (8, 3, 2),
        (9, 4, 1),
        (10, 4, 1),
    ];
    for (k, disjuncts, atoms) in shapes {
        let p = acas_property(k);
        let case = single_case(&p);
        assert_eq!(case.inputs.polytopes.len(), 1, "prop_{k}");
        assert_eq!(case.unsafe_outputs.disjuncts.len(), disjuncts, "prop_{k}");
        for d in &case.unsafe_outputs.disjuncts {
            assert_eq!(d.atoms.len(), atoms, "prop_{k}");
        }
    }
}

#[test]
fn test_small_mixes_inputs_and_outputs_inside_one_and() {
    let path = repo("benchmarks/vnncomp-test/test_small.vnnlib");
    let p = vnnlib::read(&path, None).unwrap();
    let case = single_case(&p);
    let b = &case.inputs.polytopes[0].bounds;
    assert_eq!(
        (b.lower[0].clone(), b.upper[0].clone()),
        (Some(q("-1")), Some(q("1")))
    );
    assert_eq!(
        case.unsafe_outputs.disjuncts[0].atoms,
        vec![output_atom(&[(0, 1)], Relation::Ge, "100")]
    );
}

#[test]
fn a_concrete_point_is_checked_against_prop_1() {
    let p = acas_property(1);
    let x = [0.65, 0.0, 0.0, 0.47, -0.47];
    let hit = p.check_f64(&x, &[4.0, 0.0, 0.0, 0.0, 0.0]).unwrap();
    assert!(hit.violated);
    assert!((hit.margin - 0.008874354138385).abs() < 1e-12);
    assert!(
        !p.check_f64(&x, &[3.0, 9.0, 9.0, 9.0, 9.0])
            .unwrap()
            .violated
    );
    let exact: Vec<BigRational> = ["0.65", "0", "0", "0.47", "-0.47"].map(q).to_vec();
    let output: Vec<BigRational> = ["3.991125645861615", "0", "0", "0", "0"].map(q).to_vec();
    let on_boundary = p.check_exact(&exact, &output).unwrap();
    assert!(on_boundary.violated);
    assert_eq!(on_boundary.margin, vera::spec::ExactMargin::Finite(q("0")));
}

#[test]
fn gzip_files_read_like_plain_ones() {
    let path = repo("benchmarks/acasxu/vnnlib/prop_7.vnnlib");
    let plain = vnnlib::read(&path, Some(ACAS)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("prop_7.vnnlib.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    encoder.write_all(&std::fs::read(&path).unwrap()).unwrap();
    encoder.finish().unwrap();
    assert_eq!(vnnlib::read(&gz, Some(ACAS)).unwrap(), plain);
}

#[test]
fn the_supported_syntax_reads() {
    let text = "(declare-const X_0 Real)(declare-const X_1 Real); no space needed\n\
                (declare-const Y_0 Real)(declare-const Y_1 Real)\n\
                (assert (and (< -1e-3 X_0) (<= X_0 2.5E+2)))\n\
                (assert (>= 1 X_1 -1))\n\
                (assert (<= (+ X_0 (* 2 X_1)) (- 3 (- 0.5))))\n\
                (assert (or (and (> Y_0 Y_1)) (<= (* Y_1 0.5) (/ 1 3))))";
    let p = vnnlib::parse(text.as_bytes(), "ok.vnnlib", None).unwrap();
    let case = single_case(&p);
    let polytope = &case.inputs.polytopes[0];
    assert_eq!(
        polytope.bounds.lower,
        vec![Some(q("-0.001")), Some(q("-1"))]
    );
    assert_eq!(polytope.bounds.upper, vec![Some(q("250")), Some(q("1"))]);
    assert_eq!(polytope.constraints.len(), 1);
    assert_eq!(polytope.constraints[0].bound(), &q("3.5"));
    let d = &case.unsafe_outputs.disjuncts;
    assert_eq!(d.len(), 2);
    assert_eq!(d[1].atoms[0].bound(), &q("1/3"));
    let again = vnnlib::parse(vnnlib::write(&p).as_bytes(), "again", None).unwrap();
    assert_eq!(again, p);
}

#[test]
fn input_and_output_disjuncts_without_product_structure_stay_paired() {
    let text = "(declare-const X_0 Real)(declare-const Y_0 Real)\n\
                (assert (or (and (<= X_0 0) (>= Y_0 1)) (and (>= X_0 0) (<= Y_0 -1))))";
    let p = vnnlib::parse(text.as_bytes(), "pairs", None).unwrap();
    assert_eq!(p.cases().len(), 2);
    let again = vnnlib::parse(vnnlib::write(&p).as_bytes(), "again", None).unwrap();
    assert_eq!(again, p);
}

/// Parses `text` (as `bad.vnnlib`) and returns the error's kind and its `FILE:LINE:COL:` text.
fn error_of(text: &str, dims: Option<Dimensions>) -> (ErrorKind, String) {
    let e = vnnlib::parse(text.as_bytes(), "bad.vnnlib", dims).unwrap_err();
    (e.kind().cloned().unwrap(), e.to_string())
}

/// Whether an error kind is the one a malformed file should give.
type KindCheck = fn(&ErrorKind) -> bool;

const DECLS: &str = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n";

#[test]
fn each_error_kind_names_the_line_and_column() {
    let one = Some(Dimensions {
        inputs: 1,
        outputs: 1,
    });
    let cases: Vec<(String, Option<Dimensions>, &str, KindCheck)> = vec![
        (format!("{DECLS}(assert (<= X_0 1)))"), None, "3:20", |k| {
            *k == ErrorKind::UnbalancedClose
        }),
        (format!("{DECLS}\n  (assert (<= X_0 1)"), None, "4:3", |k| {
            *k == ErrorKind::Unterminated
        }),
        (
            format!("{DECLS}(assert (<= X_0 1.2.3))"),
            None,
            "3:17",
            |k| matches!(k, ErrorKind::BadNumber(n) if n == "1.2.3"),
        ),
        (
            format!("{DECLS}(assert (<= X_1 1))"),
            None,
            "3:13",
            |k| matches!(k, ErrorKind::Undeclared(n) if n == "X_1"),
        ),
        (
            format!("{DECLS}(declare-const X_0 Real)"),
            None,
            "3:1",
            |k| matches!(k, ErrorKind::Redeclared { first, .. } if first.line == 1),
        ),
        ("(declare-const X_0_0 Real)".into(), None, "1:1", |k| {
            matches!(k, ErrorKind::BadName(_))
        }),
        ("(declare-const X_0 Int)".into(), None, "1:1", |k| {
            matches!(k, ErrorKind::BadSort { .. })
        }),
        (
            format!("{DECLS}(declare-const X_1 Real)"),
            one,
            "3:1",
            |k| matches!(k, ErrorKind::IndexOutOfRange { count: 1, .. }),
        ),
        (
            format!("{DECLS}(declare-const Y_2 Real)"),
            None,
            "3:1",
            |k| matches!(k, ErrorKind::IndexGap { missing, .. } if missing == "Y_1"),
        ),
        (
            DECLS.to_string(),
            Some(Dimensions {
                inputs: 2,
                outputs: 1,
            }),
            "1:1",
            |k| {
                matches!(
                    k,
                    ErrorKind::CountMismatch {
                        declared: 1,
                        expected: 2,
                        ..
                    }
                )
            },
        ),
        (
            format!("{DECLS}(assert (= X_0 1))"),
            None,
            "3:9",
            |k| matches!(k, ErrorKind::UnsupportedOperator(o) if o == "="),
        ),
        (
            format!("{DECLS}(assert (not (<= X_0 1)))"),
            None,
            "3:9",
            |k| matches!(k, ErrorKind::UnsupportedOperator(o) if o == "not"),
        ),
        (
            format!("{DECLS}(assert (<= (ite true X_0 1) 1))"),
            None,
            "3:13",
            |k| matches!(k, ErrorKind::UnsupportedOperator(o) if o == "ite"),
        ),
        (
            format!("{DECLS}(assert (<= (* X_0 X_0) 1))"),
            None,
            "3:20",
            |k| *k == ErrorKind::NonLinear,
        ),
        (
            format!("{DECLS}(assert (<= (/ 1 X_0) 1))"),
            None,
            "3:18",
            |k| *k == ErrorKind::DivisionByVariable,
        ),
        (
            format!("{DECLS}(assert (<= (/ X_0 0) 1))"),
            None,
            "3:20",
            |k| *k == ErrorKind::DivisionByZero,
        ),
        (format!("{DECLS}(assert (<= X_0 Y_0))"), None, "3:9", |k| {
            *k == ErrorKind::MixedAtom
        }),
        (format!("{DECLS}(assert (<= X_0))"), None, "3:9", |k| {
            matches!(k, ErrorKind::Arity { found: 1, .. })
        }),
        (format!("{DECLS}(assert X_0)"), None, "3:9", |k| {
            matches!(k, ErrorKind::Expected { .. })
        }),
        (
            format!("{DECLS}(check-sat)\n(push 1)"),
            None,
            "4:1",
            |k| matches!(k, ErrorKind::UnsupportedCommand(c) if c == "push"),
        ),
        (format!("{DECLS}{}", "(".repeat(300)), None, "3:201", |k| {
            matches!(k, ErrorKind::TooDeep { .. })
        }),
    ];
    for (text, dims, position, is_kind) in cases {
        let (kind, message) = error_of(&text, dims);
        assert!(is_kind(&kind), "{text}\n{kind:?}");
        assert!(
            message.starts_with(&format!("bad.vnnlib:{position}: ")),
            "{text}\n{message}"
        );
    }
    let e = vnnlib::parse(b"(assert \xff)", "bad.vnnlib", None).unwrap_err();
    assert_eq!(e.kind(), Some(&ErrorKind::NotUtf8));
    assert!(e.to_string().starts_with("bad.vnnlib:1:9: "), "{e}");
}

#[test]
fn a_dnf_blow_up_is_an_error_not_an_allocation() {
    let mut text = String::from(DECLS);
    for _ in 0..20 {
        text.push_str("(assert (or (<= X_0 0) (>= X_0 1)))\n");
    }
    let (kind, message) = error_of(&text, None);
    assert!(matches!(kind, ErrorKind::DnfTooLarge { .. }), "{kind:?}");
    assert!(message.starts_with("bad.vnnlib:"), "{message}");
}

#[test]
fn a_missing_file_is_an_io_error() {
    let e = vnnlib::read(&repo("no/such.vnnlib"), None).unwrap_err();
    assert!(e.to_string().contains("no/such.vnnlib: cannot read"), "{e}");
}

/// Random rationals: small decimals, and fractions without a finite decimal expansion.
fn rational() -> impl Strategy<Value = BigRational> {
    prop_oneof![
        (-100_000i64..100_000, 0u32..6)
            .prop_map(|(n, d)| BigRational::new(n.into(), 10i64.pow(d).into())),
        (-50i64..50, 1i64..13).prop_map(|(n, d)| BigRational::new(n.into(), d.into())),
    ]
}

fn relation() -> impl Strategy<Value = Relation> {
    prop_oneof![Just(Relation::Le), Just(Relation::Ge)]
}

fn constraint(width: usize) -> impl Strategy<Value = Option<LinearConstraint>> {
    (
        prop::collection::vec((0..width, rational()), 1..4),
        relation(),
        rational(),
    )
        .prop_map(|(terms, r, b)| LinearConstraint::new(terms, r, b).ok())
}

fn polytope(n: usize) -> impl Strategy<Value = InputPolytope> {
    (
        prop::collection::vec(prop::option::weighted(0.9, rational()), n),
        prop::collection::vec(prop::option::weighted(0.9, rational()), n),
        prop::collection::vec(constraint(n), 0..3),
    )
        .prop_map(move |(lower, upper, constraints)| {
            InputPolytope::new(
                InputBox { lower, upper },
                constraints.into_iter().flatten().collect(),
            )
        })
}

fn conjunction(m: usize) -> impl Strategy<Value = OutputConjunction> {
    prop::collection::vec(constraint(m), 0..4)
        .prop_map(|atoms| OutputConjunction::new(atoms.into_iter().flatten().collect()))
}

fn property() -> impl Strategy<Value = Property> {
    (1usize..4, 1usize..4).prop_flat_map(|(n, m)| {
        let case = (
            prop::collection::vec(polytope(n), 1..3),
            prop::collection::vec(conjunction(m), 1..4),
        )
            .prop_map(|(polytopes, disjuncts)| Case {
                inputs: InputRegion { polytopes },
                unsafe_outputs: OutputDnf { disjuncts },
            });
        prop::collection::vec(case, 0..3).prop_map(move |cases| Property::new(n, m, cases).unwrap())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn generated_properties_round_trip(p in property()) {
        let text = vnnlib::write(&p);
        let again = vnnlib::parse(text.as_bytes(), "generated", None);
        prop_assert!(again.is_ok(), "{:?}\n{}", again, text);
        prop_assert_eq!(again.unwrap(), p, "{}", text);
    }
}

proptest! {
    // Parsing is cheap; the fuzzers try many more inputs than the round trip.
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = vnnlib::parse(&bytes, "fuzz", None);
    }

    #[test]
    fn random_vnnlib_like_tokens_never_panic(
        tokens in prop::collection::vec(prop::sample::select(vec![
            "(", ")", "(", ")", "assert", "declare-const", "X_0", "X_1", "Y_0", "Real", "and",
            "or", "<=", ">=", "<", "+", "-", "*", "/", "0", "-1.5", "1e-3", "1/3", "true", ";",
            "\n", "not", "X_", "1e99999",
        ]), 0..80),
    ) {
        let text = tokens.join(" ");
        let _ = vnnlib::parse(text.as_bytes(), "fuzz", None);
    }

    #[test]
    fn mutated_benchmark_files_never_panic(
        file in 0usize..14,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..6),
    ) {
        let (path, dims) = benchmark_files().swap_remove(file);
        let mut bytes = std::fs::read(&path).unwrap();
        for (at, op, byte) in edits {
            let i = at.index(bytes.len() + 1);
            let byte = b"()X_Y_0123.-e; \n<=or"[byte as usize % 20];
            match op {
                0 => bytes.insert(i, byte),
                1 if i < bytes.len() => { bytes.remove(i); }
                _ if i < bytes.len() => bytes[i] = byte,
                _ => {}
            }
        }
        let _ = vnnlib::parse(&bytes, "mutated", Some(dims));
        let _ = vnnlib::parse(&bytes, "mutated", None);
    }
}
