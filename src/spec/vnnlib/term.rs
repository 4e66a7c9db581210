//! Linear terms of VNN-LIB (`(+ ...)`, `(- ...)`, `(* c X_i)`, `(/ t c)`, numbers, variables) evaluated to `sum c_v v + k`.

use super::declarations::{Declarations, Var};
use super::error::{ErrorKind, Located};
use super::sexpr::SExpr;
use crate::exact::parse_rational;
use num_rational::BigRational;
use num_traits::Zero;
use std::collections::BTreeMap;

/// `sum coefficient_v * v + constant`, coefficients non-zero.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinearTerm {
    pub coefficients: BTreeMap<Var, BigRational>,
    pub constant: BigRational,
}

impl LinearTerm {
    fn constant(value: BigRational) -> LinearTerm {
        LinearTerm {
            coefficients: BTreeMap::new(),
            constant: value,
        }
    }

    fn variable(var: Var) -> LinearTerm {
        LinearTerm {
            coefficients: BTreeMap::from([(var, BigRational::from_integer(1.into()))]),
            constant: BigRational::zero(),
        }
    }

    pub fn is_constant(&self) -> bool {
        self.coefficients.is_empty()
    }

    /// `self + factor * other`.
    pub fn add_scaled(&mut self, other: &LinearTerm, factor: &BigRational) {
        for (var, c) in &other.coefficients {
            let sum = self.coefficients.get(var).cloned().unwrap_or_default() + c * factor;
            if sum.is_zero() {
                self.coefficients.remove(var);
            } else {
                self.coefficients.insert(*var, sum);
            }
        }
        self.constant += &other.constant * factor;
    }

    fn scale(&mut self, factor: &BigRational) {
        if factor.is_zero() {
            *self = LinearTerm::default();
            return;
        }
        for c in self.coefficients.values_mut() {
            *c *= factor;
        }
        self.constant *= factor;
    }
}

/// True for symbols that are meant as numbers (`1`, `-0.5`, `.5`, `+2e3`, `1/3`), so that a
/// malformed one is reported as a bad number rather than as an unknown variable.
pub fn looks_numeric(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
}

/// The exact value of a numeric symbol: a decimal with optional exponent, or `p/q` (which the
/// writer prints for rationals without a finite decimal expansion).
pub fn parse_number(text: &str) -> Option<BigRational> {
    let valid_chars = text
        .chars()
        .all(|c| c.is_ascii_digit() || ".eE+-/".contains(c));
    if !valid_chars || !looks_numeric(text) {
        return None;
    }
    if let Some((numerator, denominator)) = text.split_once('/') {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let numerator_digits = numerator.strip_prefix('-').unwrap_or(numerator);
        if !digits(numerator_digits) || !digits(denominator) {
            return None;
        }
    }
    parse_rational(text)
}

/// Evaluates a term form to a linear term over declared variables.
pub fn parse_term(expr: &SExpr, vars: &Declarations) -> Result<LinearTerm, Located> {
    let (items, at) = match expr {
        SExpr::Symbol { text, at } => {
            if looks_numeric(text) {
                return parse_number(text)
                    .map(LinearTerm::constant)
                    .ok_or_else(|| Located::new(*at, ErrorKind::BadNumber(text.clone())));
            }
            return vars
                .lookup(text)
                .map(LinearTerm::variable)
                .ok_or_else(|| Located::new(*at, ErrorKind::Undeclared(text.clone())));
        }
        SExpr::List { items, at } => (items, *at),
    };
    let (operator, args) = match items.split_first() {
        Some((SExpr::Symbol { text, .. }, args)) => (text.as_str(), args),
        _ => {
            return Err(Located::new(
                at,
                ErrorKind::Expected {
                    expected: "a term: a number, a variable or a `(+ ...)`, `(- ...)`, `(* ...)`, `(/ ...)` form",
                    found: expr.describe(),
                },
            ))
        }
    };
    if !["+", "-", "*", "/"].contains(&operator) {
        return Err(Located::new(
            at,
            ErrorKind::UnsupportedOperator(operator.into()),
        ));
    }
    let arity = |expected: &'static str| {
        Located::new(
            at,
            ErrorKind::Arity {
                operator: operator.into(),
                expected,
                found: args.len(),
            },
        )
    };
    let terms = args
        .iter()
        .map(|a| parse_term(a, vars))
        .collect::<Result<Vec<_>, _>>()?;
    let one = BigRational::from_integer(1.into());
    match operator {
        "+" => {
            if terms.is_empty() {
                return Err(arity("at least one operand"));
            }
            let mut sum = LinearTerm::default();
            for t in &terms {
                sum.add_scaled(t, &one);
            }
            Ok(sum)
        }
        "-" => match terms.split_first() {
            None => Err(arity("at least one operand")),
            Some((only, [])) => {
                let mut negated = LinearTerm::default();
                negated.add_scaled(only, &-one);
                Ok(negated)
            }
            Some((first, rest)) => {
                let mut difference = first.clone();
                for t in rest {
                    difference.add_scaled(t, &-one.clone());
                }
                Ok(difference)
            }
        },
        "*" => {
            if terms.is_empty() {
                return Err(arity("at least one operand"));
            }
            let mut variable_part: Option<LinearTerm> = None;
            let mut factor = one;
            for (t, arg) in terms.into_iter().zip(args) {
                if t.is_constant() {
                    factor *= t.constant;
                } else if variable_part.is_some() {
                    return Err(Located::new(arg.at(), ErrorKind::NonLinear));
                } else {
                    variable_part = Some(t);
                }
            }
            let mut product = variable_part.unwrap_or_else(|| LinearTerm::constant(one_value()));
            product.scale(&factor);
            Ok(product)
        }
        "/" => {
            let Some((first, rest)) = terms.split_first() else {
                return Err(arity("at least two operands"));
            };
            if rest.is_empty() {
                return Err(arity("at least two operands"));
            }
            let mut quotient = first.clone();
            for (t, arg) in rest.iter().zip(&args[1..]) {
                if !t.is_constant() {
                    return Err(Located::new(arg.at(), ErrorKind::DivisionByVariable));
                }
                if t.constant.is_zero() {
                    return Err(Located::new(arg.at(), ErrorKind::DivisionByZero));
                }
                quotient.scale(&t.constant.recip());
            }
            Ok(quotient)
        }
        other => Err(Located::new(
            at,
            ErrorKind::UnsupportedOperator(other.into()),
        )),
    }
}

fn one_value() -> BigRational {
    BigRational::from_integer(1.into())
}

#[cfg(test)]
mod tests {
    use super::super::declarations::Side;
    use super::super::error::Position;
    use super::super::sexpr::parse_forms;
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    fn term(text: &str) -> Result<LinearTerm, ErrorKind> {
        let mut vars = Declarations::new(None);
        let at = Position { line: 1, column: 1 };
        for name in ["X_0", "X_1", "Y_0"] {
            vars.declare(name, "Real", at).unwrap();
        }
        let forms = parse_forms(text).unwrap();
        parse_term(&forms[0], &vars).map_err(|e| e.kind)
    }

    fn x(index: usize) -> Var {
        Var {
            side: Side::Input,
            index,
        }
    }

    #[test]
    fn numbers_are_exact() {
        assert_eq!(parse_number("0.1"), Some(q(1, 10)));
        assert_eq!(parse_number("-2.5E+2"), Some(q(-250, 1)));
        assert_eq!(parse_number("1e-3"), Some(q(1, 1000)));
        assert_eq!(parse_number("-1/3"), Some(q(-1, 3)));
        for bad in ["1/-3", "1/", "/3", "1.2.3", "1e", "-", "1x", "1/0", "1/3/4"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn linear_forms_combine() {
        let t = term("(+ (* 2 X_0) (- X_1) (* X_0 0.5) (- 3 1) (/ X_1 4))").unwrap();
        assert_eq!(
            t.coefficients,
            BTreeMap::from([(x(0), q(5, 2)), (x(1), q(-3, 4))])
        );
        assert_eq!(t.constant, q(2, 1));
        let t = term("(- X_0 X_0)").unwrap();
        assert!(t.is_constant());
    }

    #[test]
    fn non_linear_and_unknown_forms_are_errors() {
        assert_eq!(term("(* X_0 X_1)"), Err(ErrorKind::NonLinear));
        assert_eq!(term("(/ 1 X_1)"), Err(ErrorKind::DivisionByVariable));
        assert_eq!(term("(/ X_1 0.0)"), Err(ErrorKind::DivisionByZero));
        assert_eq!(
            term("(ite X_0 1 2)"),
            Err(ErrorKind::UnsupportedOperator("ite".into()))
        );
        assert_eq!(term("X_7"), Err(ErrorKind::Undeclared("X_7".into())));
        assert_eq!(term("1.2.3"), Err(ErrorKind::BadNumber("1.2.3".into())));
        assert!(matches!(term("(+)"), Err(ErrorKind::Arity { .. })));
    }
}
