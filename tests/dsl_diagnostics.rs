//! Every diagnostic of the `.vera` language, rendered without colour, exactly; and the
//! parser fuzzed with random token streams and random bytes (it must never panic).

mod common;

use proptest::prelude::*;
use std::path::Path;
use vera::spec::dsl;

/// Specs are parsed as if they lived in specs/examples/, next to the committed example
/// network (49 inputs, 10 outputs) and its tensor `seven.json`.
const SPEC: &str = "specs/examples/bad.vera";

fn render(source: &str) -> String {
    std::env::set_current_dir(common::root()).unwrap();
    match dsl::parse_str(source, Path::new(SPEC)) {
        Ok(_) => panic!("expected diagnostics for:\n{source}"),
        Err(d) => d.render(false),
    }
}

fn check(source: &str, expected: &str) {
    let rendered = render(source);
    assert_eq!(
        rendered.trim_end(),
        expected.trim_end(),
        "\n--- rendered ---\n{rendered}"
    );
}

#[test]
fn syntax_error_says_what_was_expected() {
    check(
        "network digits = \"digits7x7.onnx\"
property p {
  requires 0 <= x <= 1
  ensures argmax(y) = 7
}
",
        "error: expected `requires`, `ensures` or `}`, found `=`
  ┌─ specs/examples/bad.vera:4:21
  │
4 │   ensures argmax(y) = 7
  │                     ^ expected `requires`, `ensures` or `}`
  │
  = to compare, write `==`",
    );
}

#[test]
fn unknown_name_suggests_the_closest() {
    check(
        "network digits = \"digits7x7.onnx\"
let center = tensor \"seven.json\"
property p {
  requires x in ball(centre, linf, 0.1)
  ensures argmax(y) == 7
}
",
        "error: unknown name `centre`
  ┌─ specs/examples/bad.vera:4:22
  │
4 │   requires x in ball(centre, linf, 0.1)
  │                      ^^^^^^ not defined
  │
  = did you mean `center`?",
    );
}

#[test]
fn ball_centre_of_the_wrong_length() {
    check(
        "network digits = \"digits7x7.onnx\"
property p {
  requires x in ball([0.5, 0.5, 0.5], linf, 0.1)
  ensures argmax(y) == 7
}
",
        "error: the ball's centre has 3 values, but `x` has 49
  ┌─ specs/examples/bad.vera:3:17
  │
3 │   requires x in ball([0.5, 0.5, 0.5], linf, 0.1)
  │                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ expected a centre of 49 values",
    );
}

#[test]
fn output_index_out_of_range() {
    check(
        "network digits = \"digits7x7.onnx\"
let x7 = tensor \"seven.json\"
property p {
  requires x in ball(x7, linf, 0.1)
  ensures y[10] <= y[7]
}
",
        "error: output index 10 is out of range
  ┌─ specs/examples/bad.vera:5:11
  │
5 │   ensures y[10] <= y[7]
  │           ^^^^^ network `digits` has 10 outputs: y[0] .. y[9]",
    );
}

#[test]
fn argmax_class_out_of_range() {
    check(
        "network digits = \"digits7x7.onnx\"
property p { requires 0 <= x <= 1 ensures argmax(y) == 12 }
",
        "error: output index 12 is out of range
  ┌─ specs/examples/bad.vera:2:56
  │
2 │ property p { requires 0 <= x <= 1 ensures argmax(y) == 12 }
  │                                                        ^^ network `digits` has 10 outputs: y[0] .. y[9]",
    );
}

#[test]
fn non_linear_term() {
    check(
        "network digits = \"digits7x7.onnx\"
property p {
  requires 0 <= x <= 1
  ensures y[0]*y[1] <= 3
}
",
        "error: non-linear term `y[0]*y[1]`
  ┌─ specs/examples/bad.vera:4:11
  │
4 │   ensures y[0]*y[1] <= 3
  │           ^^^^^^^^^ this multiplies two variables
  │
  = vera checks linear properties: multiply variables by constants only",
    );
}

#[test]
fn negating_an_equality_is_refused() {
    let expected = "error: cannot negate an equality soundly
  ┌─ specs/examples/bad.vera:4:11
  │
4 │   ensures y[7] == 1
  │           ^^^^^^^^^ the negation of this `==` is `!=`, an open set that vera cannot check
  │
  = `ensures` is negated to search for counterexamples, and so is `not`; state a tolerance instead, e.g. `-0.001 <= a - b <= 0.001`";
    check(
        "network digits = \"digits7x7.onnx\"
property p {
  requires 0 <= x <= 1
  ensures y[7] == 1
}
",
        expected,
    );
    // An explicit `not` in `requires` is refused the same way; a double negation is fine.
    let source = "network digits = \"digits7x7.onnx\"
property p {
  requires 0 <= x <= 1 and not (x[0] == 0.5)
  ensures y[7] >= 1
}
";
    assert!(render(source).starts_with("error: cannot negate an equality soundly"));
    let fine = source.replace("not (x[0] == 0.5)", "not not (x[0] == 0.5)");
    assert!(dsl::parse_str(&fine, Path::new(SPEC)).is_ok());
}

#[test]
fn l2_balls_are_refused() {
    check(
        "network digits = \"digits7x7.onnx\"
let x7 = tensor \"seven.json\"
property p {
  requires x in ball(x7, l2, 0.1)
  ensures argmax(y) == 7
}
",
        "error: L2 balls are not supported
  ┌─ specs/examples/bad.vera:4:26
  │
4 │   requires x in ball(x7, l2, 0.1)
  │                          ^^ no engine in vera can check this quadratic constraint
  │
  = use `linf` (a box) or `l1` (a polytope)",
    );
}

#[test]
fn missing_network_file() {
    check(
        "network digits = \"nets/digits.onnx\"
property p {
  requires 0 <= x <= 1
  ensures argmax(y) == 7
}
",
        "error: network file not found: nets/digits.onnx
  ┌─ specs/examples/bad.vera:1:18
  │
1 │ network digits = \"nets/digits.onnx\"
  │                  ^^^^^^^^^^^^^^^^^^ no file at specs/examples/nets/digits.onnx
  │
  = paths are relative to the folder of the spec file",
    );
}

#[test]
fn outputs_in_requires_and_unbounded_inputs() {
    check(
        "network digits = \"digits7x7.onnx\"
outputs zero, one, two, three, four, five, six, seven, eight, nine
property p {
  requires 0 <= x <= 1 and seven >= 0
  ensures argmax(y) == seven
}
",
        "error: `requires` can only constrain the inputs
  ┌─ specs/examples/bad.vera:4:28
  │
4 │   requires 0 <= x <= 1 and seven >= 0
  │                            ^^^^^^^^^^ this mentions the output `seven`
  │
  = conditions on the outputs belong in `ensures`",
    );
    check(
        "network digits = \"digits7x7.onnx\"
property p {
  requires 0 <= x[0] <= 1
  ensures argmax(y) == 7
}
",
        "error: input `x[1]` has no lower bound
  ┌─ specs/examples/bad.vera:2:10
  │
2 │ property p {
  │          ^ every input needs a lower and an upper bound in `requires`
  │
  = engines search a bounded region; add e.g. `requires -1 <= x[1] <= 1`",
    );
}

#[test]
fn several_networks_need_on() {
    check(
        "network a = \"digits7x7.onnx\"
network b = \"digits7x7.onnx\"
property p { requires 0 <= x <= 1 ensures argmax(y) == 7 }
property q on c { requires 0 <= x <= 1 ensures argmax(y) == 7 }
",
        "error: property `p` does not say which network it is about
  ┌─ specs/examples/bad.vera:3:10
  │
3 │ property p { requires 0 <= x <= 1 ensures argmax(y) == 7 }
  │          ^ add `on NAME` after the name
  │
  = this file declares 2 networks: `a`, `b`

error: unknown network `c`
  ┌─ specs/examples/bad.vera:4:15
  │
4 │ property q on c { requires 0 <= x <= 1 ensures argmax(y) == 7 }
  │               ^ not declared with `network`",
    );
}

#[test]
fn unknown_property_name() {
    std::env::set_current_dir(common::root()).unwrap();
    let spec = dsl::parse_file(Path::new("specs/examples/digits.vera")).unwrap();
    let e = spec.item("robust_sevn").unwrap_err();
    assert_eq!(
        e.to_string(),
        "no property or query named `robust_sevn` in specs/examples/digits.vera; did you mean `robust_seven`?"
    );
    let out = common::vera(&[
        "check",
        "specs/examples/digits.vera",
        "--property",
        "robust_sevn",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "error: no property or query named `robust_sevn` in specs/examples/digits.vera; did you mean `robust_seven`?"
    );
}

#[test]
fn the_cli_prints_diagnostics_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("bad.vera");
    std::fs::write(&spec, "let a = 1 +\n").unwrap();
    let out = common::vera(&["check", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: expected a number, a name or `(`, found end of file"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.vera:2:1"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no colours when stderr is not a terminal"
    );
}

/// Tokens the fuzzer strings together: every keyword and symbol, names the checker knows,
/// files that exist, numbers.
const TOKENS: &[&str] = &[
    "network",
    "inputs",
    "outputs",
    "normalize",
    "let",
    "property",
    "query",
    "requires",
    "ensures",
    "compute",
    "bounds",
    "and",
    "or",
    "not",
    "in",
    "on",
    "true",
    "false",
    "mean",
    "range",
    "tensor",
    "ball",
    "linf",
    "l1",
    "l2",
    "argmax",
    "argmin",
    "x",
    "y",
    "a",
    "b",
    "n",
    "\"digits7x7.onnx\"",
    "\"seven.json\"",
    "\"missing.onnx\"",
    "0",
    "1",
    "7",
    "0.5",
    "-3",
    "1e-3",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "=",
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "\n",
    "//",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn random_token_streams_never_panic(picks in prop::collection::vec(0..TOKENS.len(), 0..60)) {
        let text: Vec<&str> = picks.iter().map(|&i| TOKENS[i]).collect();
        let _ = dsl::parse_str(&text.join(" "), Path::new(SPEC));
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(d) = dsl::parse_str(&text, Path::new(SPEC)) {
            let _ = d.render(false);
        }
    }

    #[test]
    fn mutated_valid_specs_never_panic(cut in 0usize..2000, insert in 0..TOKENS.len()) {
        let valid = include_str!("../specs/examples/digits.vera");
        let mut at = cut.min(valid.len());
        while !valid.is_char_boundary(at) {
            at -= 1;
        }
        let text = format!("{} {} {}", &valid[..at], TOKENS[insert], &valid[at..]);
        if let Err(d) = dsl::parse_str(&text, Path::new("specs/examples/digits.vera")) {
            let _ = d.render(false);
        }
    }
}
