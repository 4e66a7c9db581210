//! A run of elementwise layers applied to one value in the network's float precision, as
//! concrete execution applies it: what lies between a binarised network's dot products and
//! its sign activations (BatchNorm's multiply and add, a comparison's shift and negations).

use crate::network::{ElementwiseOp, Precision};

/// The elementwise steps one neuron's value goes through, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    pub steps: Vec<(ElementwiseOp, f64)>,
}

/// `x` rounded to `precision` (f32 values are exact in f64).
pub fn round(x: f64, precision: Precision) -> f64 {
    match precision {
        Precision::F32 => f64::from(x as f32),
        Precision::F64 => x,
    }
}

/// The least number of `precision` above `x` (a number of it).
pub fn next_up(x: f64, precision: Precision) -> f64 {
    match precision {
        Precision::F32 => f64::from((x as f32).next_up()),
        Precision::F64 => x.next_up(),
    }
}

/// The greatest number of `precision` below `x` (a number of it).
pub fn next_down(x: f64, precision: Precision) -> f64 {
    match precision {
        Precision::F32 => f64::from((x as f32).next_down()),
        Precision::F64 => x.next_down(),
    }
}

/// `a + b` as one operation of `precision` (for float32, not via an f64 sum: that would round
/// twice).
pub fn add(a: f64, b: f64, precision: Precision) -> f64 {
    match precision {
        Precision::F32 => f64::from(a as f32 + b as f32),
        Precision::F64 => a + b,
    }
}

impl Chain {
    /// The value after every step, each rounded to `precision` (one IEEE operation each, so
    /// exactly what float32 execution computes).
    pub fn apply(&self, x: f64, precision: Precision) -> f64 {
        self.steps.iter().fold(round(x, precision), |v, (op, c)| {
            let c = round(*c, precision);
            let r = match (op, precision) {
                (ElementwiseOp::Add, Precision::F32) => f64::from(v as f32 + c as f32),
                (ElementwiseOp::Mul, Precision::F32) => f64::from(v as f32 * c as f32),
                (ElementwiseOp::Div, Precision::F32) => f64::from(v as f32 / c as f32),
                (ElementwiseOp::Add, Precision::F64) => v + c,
                (ElementwiseOp::Mul, Precision::F64) => v * c,
                (ElementwiseOp::Div, Precision::F64) => v / c,
            };
            round(r, precision)
        })
    }
}
