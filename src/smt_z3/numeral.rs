//! Exact conversion of rationals to Z3 numerals and back.

use num_rational::BigRational;
use num_traits::Zero;
use z3::ast::Real;

/// A Z3 real numeral with exactly the value `q`.
pub fn real_from_rational(q: &BigRational) -> Real {
    Real::from_big_rational(q)
}

/// The exact value of a Z3 real numeral (as a model gives it), or `None` if it is not one.
///
/// Z3 prints real numerals in SMT-LIB form: `2.0`, `(- 3.5)`, `(/ 1.0 3.0)`,
/// `(- (/ 1.0 3.0))`; the decimals it prints there are exact.
pub fn rational_from_z3(r: &Real) -> Option<BigRational> {
    parse_smtlib_real(&r.to_string())
}

fn parse_smtlib_real(text: &str) -> Option<BigRational> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
        let inner = inner.trim();
        if let Some(rest) = inner.strip_prefix("- ") {
            return parse_smtlib_real(rest).map(|v| -v);
        }
        if let Some(rest) = inner.strip_prefix("/ ") {
            let (a, b) = split_operands(rest)?;
            let (a, b) = (parse_smtlib_real(a)?, parse_smtlib_real(b)?);
            return (!b.is_zero()).then(|| a / b);
        }
        return None;
    }
    crate::exact::parse_rational(t).filter(|_| !t.contains(['e', 'E', '/']))
}

/// Splits `A B` where each operand is an atom or a parenthesised expression.
fn split_operands(s: &str) -> Option<(&str, &str)> {
    let s = s.trim();
    let end = if s.starts_with('(') {
        let mut depth = 0;
        let mut end = None;
        for (i, c) in s.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        end?
    } else {
        s.find(' ')?
    };
    Some((&s[..end], s[end..].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;

    #[test]
    fn smtlib_numerals_parse_exactly() {
        let q = |n: i64, d: i64| BigRational::new(n.into(), d.into());
        assert_eq!(parse_smtlib_real("2.0"), Some(q(2, 1)));
        assert_eq!(parse_smtlib_real("(- 3.5)"), Some(q(-7, 2)));
        assert_eq!(parse_smtlib_real("(/ 1.0 3.0)"), Some(q(1, 3)));
        assert_eq!(parse_smtlib_real("(- (/ 1.0 3.0))"), Some(q(-1, 3)));
        assert_eq!(parse_smtlib_real("(+ x 1)"), None);
        assert_eq!(parse_smtlib_real("x"), None);
    }

    #[test]
    fn round_trip_through_z3() {
        for (n, d) in [(1i64, 3i64), (-7, 2), (0, 1), (123456789, 1024)] {
            let q = BigRational::new(n.into(), d.into());
            assert_eq!(rational_from_z3(&real_from_rational(&q)), Some(q));
        }
        let huge =
            BigRational::from_float(1e300).unwrap() / BigRational::from_integer(BigInt::from(3));
        assert_eq!(rational_from_z3(&real_from_rational(&huge)), Some(huge));
    }
}
