//! Exact rational numbers from decimal text, so that `0.1` means one tenth and not the f64 near it.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};

/// Parses a decimal (`-12.5e-3`, `.5`, `3`) or a fraction (`1/3`) exactly.
///
/// Returns `None` for anything else, including `inf` and `nan`.
pub fn parse_rational(text: &str) -> Option<BigRational> {
    let text = text.trim();
    if let Some((n, d)) = text.split_once('/') {
        let n: BigInt = n.trim().parse().ok()?;
        let d: BigInt = d.trim().parse().ok()?;
        return (!d.is_zero()).then(|| BigRational::new(n, d));
    }
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i32>().ok()?),
        None => (body, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !all_digits(int_part)
        || !all_digits(frac_part)
    {
        return None;
    }
    let digits: BigInt = format!("0{int_part}{frac_part}").parse().ok()?;
    let scale = exponent.checked_sub(i32::try_from(frac_part.len()).ok()?)?;
    if scale.unsigned_abs() > 100_000 {
        return None;
    }
    let ten = BigInt::from(10u32);
    let mut value = BigRational::from_integer(digits);
    let factor = BigRational::from_integer(num_traits::pow(ten, scale.unsigned_abs() as usize));
    if scale >= 0 {
        value *= factor;
    } else {
        value /= factor;
    }
    if negative {
        value = -value;
    }
    Some(value)
}

/// `q` rounded to an f64 downward (`down`) or upward, returned as an exact rational.
///
/// Used wherever a bound may be weakened to keep numerals small: the result is `<= q` when
/// rounding down and `>= q` when rounding up, always.
pub fn round_to_f64(q: &BigRational, down: bool) -> BigRational {
    let mut f = crate::spec::to_f64(q);
    for _ in 0..2 {
        match BigRational::from_float(f) {
            Some(r) if down && r > *q => f = f.next_down(),
            Some(r) if !down && r < *q => f = f.next_up(),
            _ => break,
        }
    }
    BigRational::from_float(f)
        .filter(|r| if down { r <= q } else { r >= q })
        .unwrap_or_else(|| q.clone())
}

/// A rational as `p/q`, or `p` when it is an integer.
pub fn format_rational(r: &BigRational) -> String {
    if r.denom().is_one() {
        r.numer().to_string()
    } else {
        format!("{}/{}", r.numer(), r.denom())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(parse_rational("0.1"), Some(q(1, 10)));
        assert_eq!(parse_rational("-12.5e-3"), Some(q(-1, 80)));
        assert_eq!(parse_rational(".5"), Some(q(1, 2)));
        assert_eq!(parse_rational("3."), Some(q(3, 1)));
        assert_eq!(parse_rational("+2E2"), Some(q(200, 1)));
        assert_eq!(parse_rational("1/3"), Some(q(1, 3)));
        for bad in [
            "", "-", ".", "1e", "abc", "inf", "nan", "1/0", "1.2.3", "--1", "1e999999",
        ] {
            assert_eq!(parse_rational(bad), None, "{bad}");
        }
        assert_eq!(format_rational(&q(-2, 4)), "-1/2");
        assert_eq!(format_rational(&q(6, 3)), "2");
        let third = q(1, 3);
        assert!(round_to_f64(&third, true) <= third && round_to_f64(&third, false) >= third);
        assert!(round_to_f64(&third, true) < round_to_f64(&third, false));
        assert_eq!(round_to_f64(&q(1, 4), true), q(1, 4));
    }
}
