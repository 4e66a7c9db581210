//! What `.vera` constructs lower to: the unsafe set of `ensures`, argmax/argmin, `or` in
//! `requires`, balls, `normalize`, bounds queries; and an exact VNN-LIB round trip.

mod common;

use num_rational::BigRational;
use std::path::Path;
use vera::exact::parse_rational;
use vera::spec::dsl::{self, ItemKind, Spec};
use vera::spec::{vnnlib, Property, Relation};

fn spec(body: &str) -> Spec {
    std::env::set_current_dir(common::root()).unwrap();
    let source = format!("network digits = \"digits7x7.onnx\"\n{body}");
    dsl::parse_str(&source, Path::new("specs/examples/test.vera"))
        .unwrap_or_else(|d| panic!("{}", d.render(false)))
}

fn property(body: &str) -> Property {
    match &spec(body).items[0].kind {
        ItemKind::Property(p) => p.clone(),
        ItemKind::Bounds(_) => panic!("not a property"),
    }
}

fn q(text: &str) -> BigRational {
    parse_rational(text).unwrap()
}

/// (disjunct count, atoms per disjunct) of the single case's unsafe DNF.
fn shape(p: &Property) -> Vec<usize> {
    p.cases()[0]
        .unsafe_outputs
        .disjuncts
        .iter()
        .map(|d| d.atoms.len())
        .collect()
}

#[test]
fn ensures_is_negated_into_a_closed_unsafe_set() {
    let p = property("property p { requires 0 <= x <= 1 ensures y[0] <= 3 }");
    let atom = &p.cases()[0].unsafe_outputs.disjuncts[0].atoms[0];
    assert_eq!(atom.terms(), &[(0, q("1"))]);
    assert_eq!((atom.relation(), atom.bound()), (Relation::Ge, &q("3")));
    // A strict ensures gives the same closed set.
    assert_eq!(
        property("property p { requires 0 <= x <= 1 ensures y[0] < 3 }"),
        p
    );
    // Two ensures are a conjunction: the unsafe set is a disjunction.
    let two = property(
        "property p { requires 0 <= x <= 1 ensures y[0] <= 3 ensures 2*y[1] - y[2] >= 1 }",
    );
    assert_eq!(shape(&two), vec![1, 1]);
    let atom = &two.cases()[0].unsafe_outputs.disjuncts[1].atoms[0];
    assert_eq!(atom.terms(), &[(1, q("2")), (2, q("-1"))]);
    assert_eq!((atom.relation(), atom.bound()), (Relation::Le, &q("1")));
}

#[test]
fn argmax_and_argmin() {
    let body = |e: &str| format!("property p {{ requires 0 <= x <= 1 ensures {e} }}");
    // argmax(y) == 7: unsafe when some other score reaches y7.
    assert_eq!(shape(&property(&body("argmax(y) == 7"))), vec![1; 9]);
    // argmax(y) != 3: unsafe when y3 is at least every other score.
    let p = property(&body("argmax(y) != 3"));
    assert_eq!(shape(&p), vec![9]);
    let atom = &p.cases()[0].unsafe_outputs.disjuncts[0].atoms[0];
    assert_eq!(atom.terms(), &[(0, q("1")), (3, q("-1"))]);
    assert_eq!(atom.relation(), Relation::Le);
    assert_eq!(
        property(&body("not (argmax(y) == 3)")),
        property(&body("argmax(y) in {0, 1, 2, 4, 5, 6, 7, 8, 9}"))
    );
    // in a set of two of ten: 8 disjuncts (one per class outside) of 2 atoms.
    assert_eq!(shape(&property(&body("argmin(y) in {2, 5}"))), vec![2; 8]);
    assert_eq!(
        shape(&property(&body("argmin(y) not in {2, 5}"))),
        vec![8; 2]
    );
}

#[test]
fn or_in_requires_gives_several_polytopes_and_balls_give_boxes() {
    let p = property(
        "let c = tensor \"seven.json\"
         property p { requires x in ball(c, linf, 0.02) and 0 <= x <= 1 and (x[0] <= 0.01 or x[0] >= 0.015) ensures argmax(y) == 7 }",
    );
    let polytopes = &p.cases()[0].inputs.polytopes;
    assert_eq!(polytopes.len(), 2);
    // seven.json starts with 0.0: the ball gives [-0.02, 0.02], clipped to [0, 0.02].
    assert_eq!(polytopes[0].bounds.lower[0], Some(q("0")));
    assert_eq!(polytopes[0].bounds.upper[0], Some(q("0.01")));
    assert_eq!(polytopes[1].bounds.lower[0], Some(q("0.015")));
    assert_eq!(polytopes[1].bounds.upper[0], Some(q("0.02")));
}

#[test]
fn l1_balls_are_facets_plus_a_box() {
    let p = property(
        "property p { requires 0 <= x <= 1 and [x[0], x[1]] in ball([0.5, 0.5], l1, 0.1) ensures argmax(y) == 7 }",
    );
    let polytope = &p.cases()[0].inputs.polytopes[0];
    assert_eq!(polytope.constraints.len(), 4);
    assert_eq!(polytope.bounds.lower[0], Some(q("0.4")));
    assert_eq!(polytope.bounds.upper[1], Some(q("0.6")));
}

#[test]
fn normalize_folds_into_bounds_and_coefficients() {
    // Spec units u = x * 2 + 1 (so x = (u - 1) / 2) for every input; outputs scaled by 10.
    let p = property(
        "normalize inputs mean 1 range 2
         normalize outputs mean 0.5 range 10
         property p { requires 1 <= x <= 3 and x[0] >= 2 ensures y[7] >= 5.5 and y[0] <= y[1] }",
    );
    let polytope = &p.cases()[0].inputs.polytopes[0];
    assert_eq!(polytope.bounds.lower[0], Some(q("0.5")));
    assert_eq!(polytope.bounds.lower[1], Some(q("0")));
    assert_eq!(polytope.bounds.upper[1], Some(q("1")));
    let d = &p.cases()[0].unsafe_outputs.disjuncts;
    assert_eq!(
        (d[0].atoms[0].relation(), d[0].atoms[0].bound()),
        (Relation::Le, &q("0.5"))
    );
    assert_eq!(d[1].atoms[0].terms(), &[(0, q("-1")), (1, q("1"))]);
}

#[test]
fn bounds_queries_lower_to_a_region_and_targets() {
    let s = spec(
        "outputs zero, one, two, three, four, five, six, seven, eight, nine
         normalize outputs mean 1 range 2
         query q { requires 0 <= x <= 1 compute bounds y, seven - three }",
    );
    let ItemKind::Bounds(b) = &s.items[0].kind else {
        panic!()
    };
    assert_eq!(b.inputs.polytopes.len(), 1);
    assert_eq!(b.targets.len(), 11);
    assert_eq!(b.targets[7].label, "seven");
    assert_eq!(b.targets[7].terms, vec![(7, q("2"))]);
    assert_eq!(b.targets[7].constant, q("1"));
    assert_eq!(b.targets[10].label, "seven - three");
    assert_eq!(b.targets[10].terms, vec![(3, q("-2")), (7, q("2"))]);
    assert_eq!(b.targets[10].constant, q("0"));
}

#[test]
fn decimal_specs_round_trip_through_vnnlib_exactly() {
    std::env::set_current_dir(common::root()).unwrap();
    let s = dsl::parse_file(Path::new("specs/examples/digits.vera")).unwrap();
    let mut checked = 0;
    for (item, p) in s.properties() {
        let text = dsl::vnnlib_text(&s, item, p);
        let back = vnnlib::parse(text.as_bytes(), "export", None).unwrap();
        assert_eq!(&back, p, "{}", item.name);
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn the_longest_expressions_check_without_overflowing_the_stack() {
    // MAX_OPERATORS operators, checked in a test thread (2 MiB of stack by default).
    let sum: Vec<String> = (0..990).map(|j| format!("y[{}]", j % 10)).collect();
    let ensures = format!("{} <= 1 + x[0] - x[0]", sum.join(" + "));
    let p = property(&format!(
        "property p {{ requires 0 <= x <= 1 and {} ensures {ensures} }}",
        vec!["x[1] >= 0"; 240].join(" and ")
    ));
    let atom = &p.cases()[0].unsafe_outputs.disjuncts[0].atoms[0];
    assert_eq!(atom.terms().len(), 10);
}
