//! VNN-LIB export of a spec's properties, with every number a decimal that any VNN-LIB tool
//! reads.
//!
//! Normalisation makes most bounds rationals without a finite decimal expansion
//! (`(1500 - 7.5188840201005975) / 373.94992`). Those are rounded **outward** to
//! [`EXPORT_DIGITS`] significant digits: input bounds widen the region, unsafe-set bounds
//! widen the unsafe set, so "holds" on the exported file implies "holds" on the spec. Finite
//! decimals are written exactly. Coefficients are the lowering's coprime integers.

use super::spec::{Item, Spec};
use crate::spec::{
    vnnlib, Case, InputBox, InputPolytope, InputRegion, LinearConstraint, OutputConjunction,
    OutputDnf, Property, Relation,
};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// Significant digits of a rounded bound: far below any tolerance a verifier uses (VNN-COMP
/// files carry 9 decimals), far above f64's 17.
pub const EXPORT_DIGITS: i32 = 20;

/// The VNN-LIB text of `item`'s property, headed by a comment naming the spec and network.
pub fn vnnlib_text(spec: &Spec, item: &Item, property: &Property) -> String {
    format!(
        "; property {} from {}, network {}\n; bounds that are not finite decimals are rounded outward to {EXPORT_DIGITS} significant digits\n{}",
        item.name,
        spec.path.display(),
        spec.networks[item.network].path.display(),
        vnnlib::write(&decimal_outward(property))
    )
}

/// The property with every bound a finite decimal, rounded outward where it was not.
pub fn decimal_outward(property: &Property) -> Property {
    let constraint = |c: &LinearConstraint| {
        let bound = round(c.bound(), c.relation() == Relation::Le);
        LinearConstraint::new(c.terms().iter().cloned(), c.relation(), bound)
            .unwrap_or_else(|_| c.clone())
    };
    let cases = property
        .cases()
        .iter()
        .map(|case| Case {
            inputs: InputRegion {
                polytopes: case
                    .inputs
                    .polytopes
                    .iter()
                    .map(|p| InputPolytope {
                        bounds: InputBox {
                            lower: p
                                .bounds
                                .lower
                                .iter()
                                .map(|b| b.as_ref().map(|b| round(b, false)))
                                .collect(),
                            upper: p
                                .bounds
                                .upper
                                .iter()
                                .map(|b| b.as_ref().map(|b| round(b, true)))
                                .collect(),
                        },
                        constraints: p.constraints.iter().map(constraint).collect(),
                    })
                    .collect(),
            },
            unsafe_outputs: OutputDnf {
                disjuncts: case
                    .unsafe_outputs
                    .disjuncts
                    .iter()
                    .map(|d| OutputConjunction {
                        atoms: d.atoms.iter().map(constraint).collect(),
                    })
                    .collect(),
            },
        })
        .collect();
    Property::new(property.num_inputs(), property.num_outputs(), cases)
        .unwrap_or_else(|_| property.clone())
}

/// `q` itself when it is a finite decimal, else `q` rounded up (`up`) or down to
/// [`EXPORT_DIGITS`] significant digits.
fn round(q: &BigRational, up: bool) -> BigRational {
    if is_decimal(q) {
        return q.clone();
    }
    // 10^e <= |q| roughly; an estimate off by one only changes the digit count by one.
    let e = crate::spec::to_f64(&q.abs()).log10().floor();
    let e = if e.is_finite() { e as i32 } else { 0 };
    let shift = EXPORT_DIGITS - 1 - e;
    let ten = BigInt::from(10u32);
    let scale = BigRational::from_integer(num_traits::pow(ten, shift.unsigned_abs() as usize));
    let scaled = if shift >= 0 { q * &scale } else { q / &scale };
    let n = if up { scaled.ceil() } else { scaled.floor() };
    if shift >= 0 {
        n / scale
    } else {
        n * scale
    }
}

/// True when the denominator has no prime factor but 2 and 5.
fn is_decimal(q: &BigRational) -> bool {
    let mut d = q.denom().clone();
    for p in [2u32, 5] {
        let p = BigInt::from(p);
        while (&d % &p).is_zero() {
            d /= &p;
        }
    }
    d.is_one()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn rounding_is_outward_and_keeps_decimals() {
        assert_eq!(round(&q(3, 8), true), q(3, 8));
        let third = q(1, 3);
        let (down, up) = (round(&third, false), round(&third, true));
        assert!(down < third && third < up);
        assert!(is_decimal(&down) && is_decimal(&up));
        assert_eq!(
            &up - &down,
            q(1, 1) / BigRational::from_integer(num_traits::pow(BigInt::from(10), 20))
        );
        let big = q(-200_000_000_000, 3);
        assert!(round(&big, false) < big && round(&big, true) > big);
    }
}
