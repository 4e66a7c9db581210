//! Concrete execution of a network in f32 (as onnxruntime computes), f64, or exact rationals.

use super::layer::{ElementwiseOp, LayerKind};
use super::Network;
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};
use std::fmt::Debug;

/// A number type a network can be evaluated in.
///
/// Weights are stored as f64; `from_f64` is exact for f64 and rationals and rounds to nearest
/// for f32 (exact for weights read from float32 files).
pub trait Scalar: Clone + Debug + PartialOrd {
    fn from_f64(x: f64) -> Self;
    fn zero() -> Self;
    fn add(&self, other: &Self) -> Self;
    fn mul(&self, other: &Self) -> Self;
    fn div(&self, other: &Self) -> Self;
    /// The nearest integer, halves to the even one (ONNX `Round`; exact in every type).
    fn round_half_even(&self) -> Self;
    /// The nearest f64, for reporting.
    fn to_f64(&self) -> f64;
    /// `Σ weights[i]·x[i] + bias`, summed left to right in this type's arithmetic (each
    /// operation rounded, for floats).
    fn dot(weights: &[f64], x: &[Self], bias: f64) -> Self {
        weights
            .iter()
            .zip(x)
            .fold(Self::zero(), |acc, (w, v)| {
                acc.add(&Self::from_f64(*w).mul(v))
            })
            .add(&Self::from_f64(bias))
    }
}

/// `x = m·2^e` with an integer `m`, when `x`'s denominator is a power of two.
fn dyadic(x: &BigRational) -> Option<(num_bigint::BigInt, i64)> {
    let d = x.denom();
    let k = d.trailing_zeros().unwrap_or(0);
    (d.bits() == k + 1).then(|| (x.numer().clone(), -(k as i64)))
}

/// `x = m·2^e` for a finite f64 (exact).
fn f64_dyadic(x: f64) -> (num_bigint::BigInt, i64) {
    let bits = x.to_bits();
    let sign: i64 = if bits >> 63 == 1 { -1 } else { 1 };
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = (bits & ((1u64 << 52) - 1)) as i64;
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1i64 << 52), exp - 1075)
    };
    (num_bigint::BigInt::from(sign * m), e)
}

impl Scalar for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn zero() -> Self {
        0.0
    }
    fn add(&self, other: &Self) -> Self {
        self + other
    }
    fn mul(&self, other: &Self) -> Self {
        self * other
    }
    fn div(&self, other: &Self) -> Self {
        self / other
    }
    fn round_half_even(&self) -> Self {
        self.round_ties_even()
    }
    fn to_f64(&self) -> f64 {
        f64::from(*self)
    }
}

impl Scalar for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
    fn zero() -> Self {
        0.0
    }
    fn add(&self, other: &Self) -> Self {
        self + other
    }
    fn mul(&self, other: &Self) -> Self {
        self * other
    }
    fn div(&self, other: &Self) -> Self {
        self / other
    }
    fn round_half_even(&self) -> Self {
        self.round_ties_even()
    }
    fn to_f64(&self) -> f64 {
        *self
    }
}

impl Scalar for BigRational {
    /// Exact: every finite f64 is a dyadic rational. [`Network::new`] rejects non-finite
    /// constants, so the fallback to zero is never taken for a network's weights.
    fn from_f64(x: f64) -> Self {
        BigRational::from_float(x).unwrap_or_else(<BigRational as Zero>::zero)
    }
    fn zero() -> Self {
        <BigRational as Zero>::zero()
    }
    fn add(&self, other: &Self) -> Self {
        self + other
    }
    fn mul(&self, other: &Self) -> Self {
        self * other
    }
    /// Divisors come from [`Network::new`]-checked constants, which are never zero.
    fn div(&self, other: &Self) -> Self {
        if other.is_zero() {
            return <BigRational as Zero>::zero();
        }
        self / other
    }
    fn round_half_even(&self) -> Self {
        let below = self.floor();
        let two = BigRational::from_integer(2.into());
        match (self - &below).cmp(&BigRational::new(1.into(), 2.into())) {
            std::cmp::Ordering::Less => below,
            std::cmp::Ordering::Greater => below + BigRational::one(),
            // A half: the even one of floor and floor + 1.
            std::cmp::Ordering::Equal if (&below / &two).is_integer() => below,
            std::cmp::Ordering::Equal => below + BigRational::one(),
        }
    }
    fn to_f64(&self) -> f64 {
        rational_to_f64(self)
    }
    /// Exact; when every input is dyadic (a power-of-two denominator, as all values from
    /// floats are), summed as integers scaled to the least exponent, with one normalisation
    /// at the end instead of one gcd per term.
    fn dot(weights: &[f64], x: &[Self], bias: f64) -> Self {
        let mut terms: Vec<(num_bigint::BigInt, i64)> = Vec::with_capacity(weights.len() + 1);
        for (w, v) in weights.iter().zip(x) {
            if *w == 0.0 || v.is_zero() {
                continue;
            }
            let Some((n, k)) = dyadic(v) else {
                return weights
                    .iter()
                    .zip(x)
                    .fold(<BigRational as Zero>::zero(), |acc, (w, v)| {
                        acc + Self::from_f64(*w) * v
                    })
                    + Self::from_f64(bias);
            };
            let (m, e) = f64_dyadic(*w);
            terms.push((m * n, e + k));
        }
        if bias != 0.0 {
            terms.push(f64_dyadic(bias));
        }
        let Some(low) = terms.iter().map(|(_, e)| *e).min() else {
            return <BigRational as Zero>::zero();
        };
        let sum: num_bigint::BigInt = terms
            .into_iter()
            .map(|(m, e)| m << (e - low) as usize)
            .sum();
        if low >= 0 {
            BigRational::from_integer(sum << low as usize)
        } else {
            BigRational::new(sum, num_bigint::BigInt::from(1) << (-low) as usize)
        }
    }
}

/// The f64 nearest to a rational (num-rational rounds correctly).
pub fn rational_to_f64(r: &BigRational) -> f64 {
    ToPrimitive::to_f64(r).unwrap_or(f64::NAN)
}

/// Which ReLUs are active (pre-activation strictly positive) for one input, layer by layer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActivationPattern {
    pub layers: Vec<Vec<bool>>,
}

impl ActivationPattern {
    /// Number of active ReLUs over all layers.
    pub fn active_count(&self) -> usize {
        self.layers.iter().flatten().filter(|a| **a).count()
    }
}

/// Why an evaluation could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("the network takes {expected} input values, got {got}")]
    InputLength { expected: usize, got: usize },
}

impl Network {
    /// Evaluates the network on a flat (row-major) input.
    pub fn eval<T: Scalar>(&self, input: &[T]) -> Result<Vec<T>, EvalError> {
        self.run(input, None)
    }

    /// Evaluates the network and records which ReLUs are active.
    pub fn eval_traced<T: Scalar>(
        &self,
        input: &[T],
    ) -> Result<(Vec<T>, ActivationPattern), EvalError> {
        let mut pattern = ActivationPattern::default();
        let out = self.run(input, Some(&mut pattern))?;
        Ok((out, pattern))
    }

    fn run<T: Scalar>(
        &self,
        input: &[T],
        mut pattern: Option<&mut ActivationPattern>,
    ) -> Result<Vec<T>, EvalError> {
        if input.len() != self.num_inputs() {
            return Err(EvalError::InputLength {
                expected: self.num_inputs(),
                got: input.len(),
            });
        }
        let mut x = input.to_vec();
        for layer in self.layers() {
            x = match &layer.kind {
                LayerKind::Affine(a) => (0..a.weights.rows())
                    .map(|r| T::dot(a.weights.row(r), &x, a.bias[r]))
                    .collect(),
                LayerKind::Elementwise(e) => x
                    .iter()
                    .zip(&e.operand)
                    .map(|(v, c)| {
                        let c = T::from_f64(*c);
                        match e.op {
                            ElementwiseOp::Add => v.add(&c),
                            ElementwiseOp::Mul => v.mul(&c),
                            ElementwiseOp::Div => v.div(&c),
                        }
                    })
                    .collect(),
                LayerKind::Relu => {
                    let zero = T::zero();
                    if let Some(p) = pattern.as_deref_mut() {
                        p.layers.push(x.iter().map(|v| *v > zero).collect());
                    }
                    x.into_iter()
                        .map(|v| if v > zero { v } else { zero.clone() })
                        .collect()
                }
                LayerKind::Sign => {
                    let (zero, one) = (T::zero(), T::from_f64(1.0));
                    let minus_one = T::from_f64(-1.0);
                    x.into_iter()
                        .map(|v| {
                            if v >= zero {
                                one.clone()
                            } else {
                                minus_one.clone()
                            }
                        })
                        .collect()
                }
                LayerKind::Signum => {
                    let (zero, one) = (T::zero(), T::from_f64(1.0));
                    let minus_one = T::from_f64(-1.0);
                    x.into_iter()
                        .map(|v| {
                            if v > zero {
                                one.clone()
                            } else if v < zero {
                                minus_one.clone()
                            } else {
                                zero.clone()
                            }
                        })
                        .collect()
                }
                LayerKind::Round => x.iter().map(Scalar::round_half_even).collect(),
                LayerKind::Clamp(c) => x
                    .into_iter()
                    .zip(c.lower.iter().zip(&c.upper))
                    .map(|(v, (lo, hi))| {
                        let (lo, hi) = (T::from_f64(*lo), T::from_f64(*hi));
                        if v < lo {
                            lo
                        } else if v > hi {
                            hi
                        } else {
                            v
                        }
                    })
                    .collect(),
            };
        }
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dyadic dot product equals the term-by-term rational one, on dyadic inputs (signs,
    /// zeros, subnormal and huge weights) and on inputs that are not dyadic (the fallback).
    #[test]
    fn dyadic_dot_is_the_exact_dot() {
        let q = |n: i64, d: i64| BigRational::new(n.into(), d.into());
        let weights = [1.0, -1.0, 0.0, 0.1, -3.5e-310, 1e300, 2.5, -0.0];
        let inputs = [
            vec![
                q(1, 2),
                q(-3, 4),
                q(5, 1),
                q(7, 1024),
                q(1, 1),
                q(-1, 8),
                q(0, 1),
                q(9, 2),
            ],
            vec![
                q(1, 3),
                q(2, 1),
                q(0, 1),
                q(1, 5),
                q(1, 1),
                q(1, 1),
                q(1, 1),
                q(1, 1),
            ],
        ];
        for x in &inputs {
            for bias in [0.0, 0.375, -1e-20] {
                let slow = weights
                    .iter()
                    .zip(x)
                    .fold(<BigRational as Zero>::zero(), |acc, (w, v)| {
                        acc + BigRational::from_float(*w).unwrap() * v
                    })
                    + BigRational::from_float(bias).unwrap();
                assert_eq!(BigRational::dot(&weights, x, bias), slow, "{x:?} {bias}");
            }
        }
        assert_eq!(
            BigRational::dot(&[], &[], 0.0),
            <BigRational as Zero>::zero()
        );
    }
}
