//! ONNX `Sign` gives −1, 0 or +1; a binarised network built on it is one only where no neuron
//! reaches 0. These are the proofs of that over an input box (a float the box holds, or an
//! integer sum a neuron can take, where the computed value is exactly 0), which the fold needs
//! before it reads such a layer as a sign.

use super::chain::{add, next_down, next_up, Chain};
use super::IntegerSum;
use crate::network::Precision;

/// A value in `[lowest, highest]` (numbers of `precision`) where `chain` computes exactly 0,
/// if any. `chain` is monotone, so the zeros form one run of consecutive numbers; its ends are
/// where `>= 0` and `> 0` change, and the run meets the interval iff one of its ends or one of
/// the interval's ends lies in both.
pub fn input_zero(chain: &Chain, precision: Precision, lowest: f64, highest: f64) -> Option<f64> {
    let is_zero = |x: f64| chain.apply(x, precision) == 0.0;
    let ge = super::InputBit::of_chain(chain, precision);
    let gt = super::InputBit::of_monotone(|x| chain.apply(x, precision) > 0.0, precision);
    let mut candidates = vec![lowest, highest];
    for bit in [ge, gt] {
        if let super::InputBit::AtLeast(t) | super::InputBit::AtMost(t) = bit {
            candidates.extend([t, next_up(t, precision), next_down(t, precision)]);
        }
    }
    candidates
        .into_iter()
        .find(|x| (lowest..=highest).contains(x) && is_zero(*x))
}

/// An integer value of `sum` where `chain(fl(p + bias))` is exactly 0, if any: the values it
/// can take lie on `lo + g·m` for `g` the gcd of its coefficients (every value on that
/// lattice is not necessarily reachable, so this may name one that is not: it never misses one).
pub fn sum_zero(sum: &IntegerSum, bias: f64, chain: &Chain, precision: Precision) -> Option<i64> {
    let (lo, hi) = sum.range();
    let g = sum.terms.iter().fold(0i64, |g, (_, c)| gcd(g, c.abs()));
    let is_zero = |p: i64| chain.apply(add(p as f64, bias, precision), precision) == 0.0;
    if g == 0 {
        return is_zero(lo).then_some(lo);
    }
    (0..=(hi - lo) / g)
        .map(|m| lo + g * m)
        .find(|p| is_zero(*p))
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::ElementwiseOp;

    fn chain(steps: &[(ElementwiseOp, f64)]) -> Chain {
        Chain {
            steps: steps.to_vec(),
        }
    }

    #[test]
    fn an_input_zero_is_found_only_inside_the_interval() {
        // x − 0.3 (float32) is 0 exactly at fl32(0.3).
        let c = chain(&[(ElementwiseOp::Add, -f64::from(0.3f32))]);
        let t = f64::from(0.3f32);
        assert_eq!(input_zero(&c, Precision::F32, 0.0, 1.0), Some(t));
        assert_eq!(input_zero(&c, Precision::F32, t, t), Some(t));
        assert_eq!(
            input_zero(&c, Precision::F32, 0.0, f64::from(0.3f32.next_down())),
            None
        );
        assert_eq!(
            input_zero(&c, Precision::F32, f64::from(0.3f32.next_up()), 1.0),
            None
        );
        // Decreasing: −x·2 + 1 is 0 at 0.5.
        let d = chain(&[(ElementwiseOp::Mul, -2.0), (ElementwiseOp::Add, 1.0)]);
        assert_eq!(input_zero(&d, Precision::F32, -4.0, 4.0), Some(0.5));
        assert_eq!(input_zero(&d, Precision::F64, 0.6, 4.0), None);
        // A product by a tiny constant is 0 on a whole run of numbers around 0.
        let u = chain(&[(ElementwiseOp::Mul, 1e-30)]);
        assert!(input_zero(&u, Precision::F32, 1e-20, 1e-19).is_some());
        assert_eq!(input_zero(&u, Precision::F32, 1.0, 2.0), None);
    }

    #[test]
    fn a_sum_zero_respects_the_lattice_of_its_values() {
        // Three ±1 inputs times ±1 weights: 2·(bits) − 3 is odd, never 0.
        let sum = IntegerSum {
            constant: -3,
            terms: vec![(0, 2), (1, 2), (2, 2)],
        };
        let none = chain(&[]);
        assert_eq!(sum_zero(&sum, 0.0, &none, Precision::F32), None);
        assert_eq!(sum_zero(&sum, 1.0, &none, Precision::F32), Some(-1));
        assert_eq!(sum_zero(&sum, 0.5, &none, Precision::F32), None);
        let no_terms = IntegerSum {
            constant: 2,
            terms: vec![],
        };
        assert_eq!(sum_zero(&no_terms, -2.0, &none, Precision::F64), Some(2));
        assert_eq!(sum_zero(&no_terms, -1.0, &none, Precision::F64), None);
    }
}
