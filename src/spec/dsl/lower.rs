//! Lowering checked formulas to the property IR: `normalize` folded into coefficients and
//! bounds exactly, `requires` to input polytopes, the negation of `ensures` to the unsafe
//! output DNF.

use super::diagnostic::{Diagnostic, Span};
use super::formula::{dnf, Formula, HalfSpace, LinExpr, Var};
use super::spec::{BoundTarget, Scaling};
use crate::spec::{
    Case, InputBox, InputPolytope, InputRegion, LinearConstraint, OutputConjunction, OutputDnf,
    Property, Relation,
};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// A half-space over one side's variables (inputs or outputs, in the spec's units) as a
/// constraint over the network's own variables.
///
/// With `scaling`, a spec value `v_i` is `n_i * range_i + mean_i` for the network's `n_i`, so
/// `sum c_i v_i + k` becomes `sum (c_i range_i) n_i + (k + sum c_i mean_i)`, exactly.
/// Canonical form, so that equal sets compare equal whatever the spec's units: a constraint on
/// one variable has coefficient 1 (a bound); others are scaled to coprime integer
/// coefficients and written with `<=` (`y0 >= y1` becomes `-Y_0 + Y_1 <= 0`, as VNN-COMP
/// writes it).
pub fn constraint(h: &HalfSpace, scaling: Option<&Scaling>) -> Option<LinearConstraint> {
    let (terms, constant) = network_units(&h.expr, scaling);
    let relation = if h.le { Relation::Le } else { Relation::Ge };
    let c = LinearConstraint::new(terms, relation, -constant).ok()?;
    if let Some((i, rel, value)) = c.as_simple_bound() {
        return LinearConstraint::new([(i, BigRational::from_integer(1.into()))], rel, value).ok();
    }
    let sign = BigRational::from_integer(if c.relation() == Relation::Ge { -1 } else { 1 }.into());
    let factor = sign / content(c.terms().iter().map(|(_, k)| k));
    LinearConstraint::new(
        c.terms().iter().map(|(i, k)| (*i, k * &factor)),
        Relation::Le,
        c.bound() * &factor,
    )
    .ok()
}

/// The positive rational `g` such that every `k / g` is an integer and they are coprime: the
/// gcd of the numerators over the lcm of the denominators.
fn content<'a>(values: impl Iterator<Item = &'a BigRational>) -> BigRational {
    let mut numerators = BigInt::zero();
    let mut denominators = BigInt::one();
    for v in values {
        numerators = gcd(numerators, v.numer().abs());
        let g = gcd(denominators.clone(), v.denom().clone());
        denominators = &denominators / g * v.denom();
    }
    if numerators.is_zero() {
        return BigRational::one();
    }
    BigRational::new(numerators, denominators)
}

fn gcd(mut a: BigInt, mut b: BigInt) -> BigInt {
    while !b.is_zero() {
        let r = &a % &b;
        a = b;
        b = r;
    }
    a.abs()
}

/// `(terms, constant)` of `expr` over the network's variables (input or output indices).
fn network_units(
    expr: &LinExpr,
    scaling: Option<&Scaling>,
) -> (Vec<(usize, BigRational)>, BigRational) {
    let mut constant = expr.constant.clone();
    let terms = expr
        .terms
        .iter()
        .map(|(v, c)| {
            let i = match v {
                Var::Input(i) | Var::Output(i) => *i,
            };
            match scaling {
                Some(s) => {
                    constant += c * &s.mean[i];
                    (i, c * &s.range[i])
                }
                None => (i, c.clone()),
            }
        })
        .collect();
    (terms, constant)
}

/// The input region of a conjunction of `requires` formulas: one polytope per DNF disjunct.
/// Every input must end up with a lower and an upper bound in each polytope; `name` names
/// the inputs for the error, `at` locates the property.
pub fn input_region(
    requires: &Formula,
    num_inputs: usize,
    scaling: Option<&Scaling>,
    names: &[String],
    at: Span,
) -> Result<InputRegion, Diagnostic> {
    let mut polytopes = Vec::new();
    let mut empty = None;
    for conjunction in dnf(requires, true, at)? {
        let constraints = conjunction
            .iter()
            .filter_map(|h| constraint(h, scaling))
            .collect();
        let polytope = InputPolytope::new(InputBox::unbounded(num_inputs), constraints);
        if polytope.bounds.is_empty() {
            empty.get_or_insert(polytope);
            continue;
        }
        if let Some(&i) = polytope.unbounded_inputs().first() {
            let side = if polytope.bounds.lower[i].is_none() {
                "lower"
            } else {
                "upper"
            };
            return Err(Diagnostic::at(
                at,
                format!("input `{}` has no {side} bound", names[i]),
                "every input needs a lower and an upper bound in `requires`",
            )
            .with_note(format!(
                "engines search a bounded region; add e.g. `requires -1 <= {} <= 1`",
                names[i]
            )));
        }
        if !polytopes.contains(&polytope) {
            polytopes.push(polytope);
        }
    }
    if let (true, Some(p)) = (polytopes.is_empty(), empty) {
        let b = &p.bounds;
        let i = (0..num_inputs)
            .find(|&i| matches!((&b.lower[i], &b.upper[i]), (Some(l), Some(u)) if l > u))
            .unwrap_or(0);
        return Err(Diagnostic::at(
            at,
            "`requires` allows no input at all",
            format!(
                "input `{}` has a lower bound above its upper bound",
                names[i]
            ),
        ));
    }
    Ok(InputRegion { polytopes })
}

/// The property "inputs in `region` give outputs satisfying `ensures`", stated by its unsafe
/// set: the DNF of `not ensures`.
pub fn property(
    region: InputRegion,
    ensures: &Formula,
    num_inputs: usize,
    num_outputs: usize,
    scaling: Option<&Scaling>,
    at: Span,
) -> Result<Property, Diagnostic> {
    let disjuncts = dnf(ensures, false, at)?
        .iter()
        .map(|conjunction| {
            OutputConjunction::new(
                conjunction
                    .iter()
                    .filter_map(|h| constraint(h, scaling))
                    .collect(),
            )
        })
        .collect();
    let case = Case {
        inputs: region,
        unsafe_outputs: OutputDnf::new(disjuncts),
    };
    Property::new(num_inputs, num_outputs, vec![case])
        .map_err(|e| Diagnostic::at(at, format!("internal error lowering the property: {e}"), ""))
}

/// A `compute bounds` target over the outputs, in the network's units.
pub fn bound_target(label: String, expr: &LinExpr, scaling: Option<&Scaling>) -> BoundTarget {
    let (terms, constant) = network_units(expr, scaling);
    BoundTarget {
        label,
        terms: terms.into_iter().filter(|(_, c)| !c.is_zero()).collect(),
        constant,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn normalisation_folds_exactly() {
        // raw v0 <= 1500 with v = n * 373.94992 + 7.5188840201005975
        let scaling = Scaling {
            mean: vec![crate::exact::parse_rational("7.5188840201005975").unwrap()],
            range: vec![crate::exact::parse_rational("373.94992").unwrap()],
        };
        let h = HalfSpace {
            expr: LinExpr::var(Var::Output(0)).plus(&LinExpr::constant(q(1500, 1)), -1),
            le: false,
            span: Span::default(),
        };
        let c = constraint(&h, Some(&scaling)).unwrap();
        assert_eq!(c.terms(), &[(0, q(1, 1))]);
        assert_eq!(c.relation(), Relation::Ge);
        let expected = (q(1500, 1) - &scaling.mean[0]) / &scaling.range[0];
        assert_eq!(c.bound(), &expected);
    }

    #[test]
    fn content_makes_coprime_integers() {
        let values = [q(3, 2), q(-9, 4), q(6, 1)];
        let g = content(values.iter());
        assert_eq!(g, q(3, 4));
        let scaled: Vec<_> = values.iter().map(|v| v / &g).collect();
        assert_eq!(scaled, vec![q(2, 1), q(-3, 1), q(8, 1)]);
    }

    #[test]
    fn comparisons_of_outputs_are_scaled_to_unit_coefficients() {
        // 3 y0 >= 3 y1  ->  -y0 + y1 <= 0
        let expr = LinExpr::var(Var::Output(0))
            .plus(&LinExpr::var(Var::Output(1)), -1)
            .scaled(&q(3, 1));
        let h = HalfSpace {
            expr,
            le: false,
            span: Span::default(),
        };
        let c = constraint(&h, None).unwrap();
        assert_eq!(c.terms(), &[(0, q(-1, 1)), (1, q(1, 1))]);
        assert_eq!((c.relation(), c.bound()), (Relation::Le, &q(0, 1)));
    }
}
