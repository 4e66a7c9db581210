//! Printing a [`Property`] as VNN-LIB text that [`super::parse`] reads back to the same property.

use crate::spec::{InputPolytope, LinearConstraint, OutputConjunction, Property};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use std::fmt::Write;

/// VNN-LIB text for a property.
///
/// Layout: declarations, then for a single case the usual shape (input asserts, or one
/// `(or (and ...) ...)` over the input polytopes; then output asserts, or one `or` over the
/// output disjuncts); for several cases one `or` over every sub-problem's conjunction, which
/// reads back to the same cases. No case at all is `(assert false)`.
///
/// Numbers: a rational with a finite decimal expansion is printed as that decimal, exactly
/// (`0.1`, `-2.0`); any other as the literal `p/q` (`1/3`), which vera's reader accepts but
/// other VNN-LIB tools may not. Files read from decimals only ever give decimals.
pub fn write(property: &Property) -> String {
    let mut out = String::from("; written by vera\n\n");
    for i in 0..property.num_inputs() {
        let _ = writeln!(out, "(declare-const X_{i} Real)");
    }
    out.push('\n');
    for j in 0..property.num_outputs() {
        let _ = writeln!(out, "(declare-const Y_{j} Real)");
    }
    out.push('\n');
    match property.cases() {
        [] => out.push_str("(assert false)\n"),
        [case] => {
            match case.inputs.polytopes.as_slice() {
                [polytope] => {
                    for atom in polytope_atoms(polytope) {
                        let _ = writeln!(out, "(assert {atom})");
                    }
                }
                polytopes => {
                    let terms: Vec<Vec<String>> = polytopes.iter().map(polytope_atoms).collect();
                    out.push_str(&assert_or(&terms));
                }
            }
            out.push('\n');
            match case.unsafe_outputs.disjuncts.as_slice() {
                [conjunction] => {
                    for atom in conjunction_atoms(conjunction) {
                        let _ = writeln!(out, "(assert {atom})");
                    }
                }
                disjuncts => {
                    let terms: Vec<Vec<String>> = disjuncts.iter().map(conjunction_atoms).collect();
                    out.push_str(&assert_or(&terms));
                }
            }
        }
        _ => {
            let terms: Vec<Vec<String>> = property
                .sub_problems()
                .map(|s| {
                    let mut atoms = polytope_atoms(s.inputs);
                    atoms.extend(conjunction_atoms(s.unsafe_outputs));
                    atoms
                })
                .collect();
            out.push_str(&assert_or(&terms));
        }
    }
    out
}

/// `(assert (or (and ...) ...))`, one disjunct per line; an empty conjunction is `true`.
fn assert_or(disjuncts: &[Vec<String>]) -> String {
    let mut out = String::from("(assert (or\n");
    for atoms in disjuncts {
        if atoms.is_empty() {
            out.push_str("    true\n");
        } else {
            let _ = writeln!(out, "    (and {})", atoms.join(" "));
        }
    }
    out.push_str("))\n");
    out
}

fn polytope_atoms(polytope: &InputPolytope) -> Vec<String> {
    let b = &polytope.bounds;
    let mut atoms = Vec::new();
    for i in 0..b.num_inputs() {
        if let Some(u) = &b.upper[i] {
            atoms.push(format!("(<= X_{i} {})", number(u)));
        }
        if let Some(l) = &b.lower[i] {
            atoms.push(format!("(>= X_{i} {})", number(l)));
        }
    }
    atoms.extend(polytope.constraints.iter().map(|c| atom(c, "X_")));
    atoms
}

fn conjunction_atoms(conjunction: &OutputConjunction) -> Vec<String> {
    conjunction.atoms.iter().map(|c| atom(c, "Y_")).collect()
}

/// `(<= lhs rhs)` with the positive terms on the left and the negated negative terms plus
/// the bound on the right, so `y1 - y0 <= 0` prints as `(<= Y_1 Y_0)`, as files write it.
fn atom(constraint: &LinearConstraint, prefix: &str) -> String {
    let (positive, negative): (Vec<_>, Vec<_>) = constraint
        .terms()
        .iter()
        .partition(|(_, c)| c.is_positive());
    let product = |index: &usize, c: &BigRational| {
        if c.is_one() {
            format!("{prefix}{index}")
        } else {
            format!("(* {} {prefix}{index})", number(c))
        }
    };
    let mut lhs: Vec<String> = positive.iter().map(|(i, c)| product(i, c)).collect();
    let mut rhs: Vec<String> = negative.iter().map(|(i, c)| product(i, &-c)).collect();
    if lhs.is_empty() {
        lhs.push(number(&BigRational::zero()));
    }
    if rhs.is_empty() || !constraint.bound().is_zero() {
        rhs.push(number(constraint.bound()));
    }
    format!(
        "({} {} {})",
        constraint.relation().symbol(),
        sum(lhs),
        sum(rhs)
    )
}

fn sum(mut parts: Vec<String>) -> String {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        format!("(+ {})", parts.join(" "))
    }
}

/// The exact decimal of a rational whose denominator is `2^a 5^b`, else `p/q`.
pub fn number(value: &BigRational) -> String {
    let denominator = value.denom();
    let two = BigInt::from(2u32);
    let five = BigInt::from(5u32);
    let mut rest = denominator.clone();
    let (mut twos, mut fives) = (0usize, 0usize);
    while (&rest % &two).is_zero() {
        rest /= &two;
        twos += 1;
    }
    while (&rest % &five).is_zero() {
        rest /= &five;
        fives += 1;
    }
    if !rest.is_one() {
        return format!("{}/{}", value.numer(), value.denom());
    }
    let digits = twos.max(fives);
    let scale = num_traits::pow(BigInt::from(10u32), digits);
    let scaled = value.numer().abs() * (&scale / denominator);
    let text = scaled.to_string();
    let sign = if value.is_negative() { "-" } else { "" };
    if digits == 0 {
        return format!("{sign}{text}.0");
    }
    let padded = format!("{text:0>width$}", width = digits + 1);
    let (int_part, frac_part) = padded.split_at(padded.len() - digits);
    format!("{sign}{int_part}.{frac_part}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::vnnlib::term::parse_number;

    #[test]
    fn numbers_print_exactly() {
        for (text, printed) in [
            ("0.1", "0.1"),
            ("-2", "-2.0"),
            ("0", "0.0"),
            ("3.991125645861615", "3.991125645861615"),
            ("-0.000125", "-0.000125"),
            ("1e-20", "0.00000000000000000001"),
            ("-2.5E+2", "-250.0"),
            ("1/3", "1/3"),
            ("-7/6", "-7/6"),
        ] {
            let value = parse_number(text).unwrap();
            assert_eq!(number(&value), printed, "{text}");
            assert_eq!(parse_number(printed), Some(value));
        }
    }
}
