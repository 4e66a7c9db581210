//! The operators of binarised networks as PyTorch exports them: `BatchNormalization`
//! (inference), the comparisons `GreaterOrEqual`/`Greater`/`LessOrEqual`/`Less` against a
//! constant, and `Where` choosing between two constants on such a comparison. Together they
//! lower to elementwise layers around the IR's `sign` layer (`+1` where the value is `>= 0`),
//! computing exactly what onnxruntime computes; and `Round`, the input quantiser of networks
//! over a grid of input values.

use super::lower::{float_attribute, int_attribute, Lowering, Node, Value};
use super::tensor::broadcast_to;
use crate::network::error::{OnnxError, OnnxErrorKind};
use crate::network::layer::{Elementwise, ElementwiseOp, LayerKind};
use crate::network::Precision;
use num_rational::BigRational;

fn elementwise(op: ElementwiseOp, operand: Vec<f64>) -> LayerKind {
    LayerKind::Elementwise(Elementwise { op, operand })
}

/// `x` rounded to `precision`.
fn round(x: f64, precision: Precision) -> f64 {
    match precision {
        Precision::F32 => f64::from(x as f32),
        Precision::F64 => x,
    }
}

impl Lowering<'_> {
    /// `Round`: to the nearest integer, halves to even (as ONNX specifies), folded on a
    /// constant and a `round` layer on the chain.
    pub(super) fn round(&mut self, node: &Node) -> Result<Value, OnnxError> {
        self.unary(node, f64::round_ties_even, LayerKind::Round)
    }

    /// `Sign` (−1, 0 or +1), folded on a constant and a `signum` layer on the chain; which
    /// binarised engines accept only where they prove 0 unreachable.
    pub(super) fn signum(&mut self, node: &Node) -> Result<Value, OnnxError> {
        self.unary(
            node,
            |v| if v == 0.0 { 0.0 } else { v.signum() },
            LayerKind::Signum,
        )
    }

    /// `BatchNormalization` in inference mode: `y = x·s + t` per channel (axis 1), with
    /// `s = scale / sqrt(var + epsilon)` and `t = B − mean·s` computed in the model's precision
    /// in onnxruntime's order (its CPU kernel: `inv_std = 1/sqrt(var + eps)`, `s = inv_std ·
    /// scale`, `t = B − mean·s`, then `x·s + t`), as a `mul` and an `add` layer.
    pub(super) fn batch_normalization(&mut self, node: &Node) -> Result<Value, OnnxError> {
        if int_attribute(node, "training_mode", 0) != 0 {
            return Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                "training_mode = 1: vera reads inference models (running mean and variance)",
            ));
        }
        let x = self.input(node, 0)?.clone();
        let shape = self.chain_shape(node, &x)?;
        if shape.len() < 2 {
            return Err(self.error(
                node,
                OnnxErrorKind::Shape,
                format!("the input has shape {shape:?}; BatchNormalization needs [N, C, ...]"),
            ));
        }
        let channels = shape[1];
        let mut params = Vec::new();
        for (i, what) in ["scale", "B", "mean", "var"].iter().enumerate() {
            let c = self.const_input(node, i + 1, what)?;
            let values = c.floats();
            if values.len() != channels {
                return Err(self.error(
                    node,
                    OnnxErrorKind::Shape,
                    format!(
                        "{what} has {} values but the input has {channels} channels (shape {shape:?})",
                        values.len()
                    ),
                ));
            }
            params.push(values);
        }
        let p = self.precision;
        let epsilon = f64::from(float_attribute(node, "epsilon", 1e-5));
        let (scale, bias, mean, var) = (&params[0], &params[1], &params[2], &params[3]);
        let mut s = Vec::with_capacity(channels);
        let mut t = Vec::with_capacity(channels);
        for c in 0..channels {
            let inv_std = round(1.0 / round(round(var[c] + epsilon, p).sqrt(), p), p);
            let sc = round(inv_std * scale[c], p);
            s.push(sc);
            t.push(round(bias[c] - round(mean[c] * sc, p), p));
        }
        if let Some(c) = (0..channels).find(|&c| !s[c].is_finite() || !t[c].is_finite()) {
            return Err(self.error(
                node,
                OnnxErrorKind::BadTensor,
                format!(
                    "channel {c}: var + epsilon = {} gives a non-finite scale",
                    var[c] + epsilon
                ),
            ));
        }
        let per_channel = [1, channels]
            .into_iter()
            .chain(std::iter::repeat_n(1, shape.len() - 2))
            .collect::<Vec<_>>();
        let s = broadcast_to(&s, &per_channel, &shape);
        let t = broadcast_to(&t, &per_channel, &shape);
        self.emit(node, elementwise(ElementwiseOp::Mul, s), shape.clone())?;
        self.emit(node, elementwise(ElementwiseOp::Add, t), shape)
    }

    /// A comparison of the chain's value with a constant, as ±1 (`+1` where it is true) from
    /// a `sign` layer: `x >= c` is `sign(x − c)`, and the others follow by negations, which
    /// are exact. `x − c` has the sign of the exact difference in IEEE arithmetic (gradual
    /// underflow), so the comparison is decided exactly as onnxruntime decides it. The result
    /// is marked as a condition: only `Where` may read it.
    pub(super) fn comparison(&mut self, node: &Node, op: &str) -> Result<Value, OnnxError> {
        let a = self.input(node, 0)?.clone();
        let b = self.input(node, 1)?.clone();
        // Written as `x (rel) c` with the value first.
        let (x, c, op) =
            match (a, b) {
                (x @ Value::Dynamic { .. }, Value::Const(c)) => (x, c, op),
                (Value::Const(c), x @ Value::Dynamic { .. }) => {
                    let flipped = match op {
                        "GreaterOrEqual" => "LessOrEqual",
                        "LessOrEqual" => "GreaterOrEqual",
                        "Greater" => "Less",
                        _ => "Greater",
                    };
                    (x, c, flipped)
                }
                _ => return Err(self.error(
                    node,
                    OnnxErrorKind::UnsupportedUse,
                    "compares two constants or two values that depend on the input; vera reads \
                     comparisons of the layer chain with a constant (binarised activations)",
                )),
            };
        let shape = self.chain_shape(node, &x)?;
        let threshold = self.broadcast_constant(node, &c, &shape, "the constant")?;
        let n = threshold.len();
        if threshold.iter().any(|v| *v != 0.0) {
            let minus: Vec<f64> = threshold.iter().map(|v| -v).collect();
            self.emit(node, elementwise(ElementwiseOp::Add, minus), shape.clone())?;
        }
        let negate = |l: &mut Self| {
            l.emit(
                node,
                elementwise(ElementwiseOp::Mul, vec![-1.0; n]),
                shape.clone(),
            )
        };
        // sign(v) = +1 iff v >= 0, for v = x − c.
        let head = match op {
            "GreaterOrEqual" => self.emit(node, LayerKind::Sign, shape.clone())?,
            "LessOrEqual" => {
                negate(self)?; // c − x >= 0
                self.emit(node, LayerKind::Sign, shape.clone())?
            }
            "Greater" => {
                negate(self)?; // x > c iff not (c − x >= 0)
                self.emit(node, LayerKind::Sign, shape.clone())?;
                negate(self)?
            }
            _ => {
                self.emit(node, LayerKind::Sign, shape.clone())?; // x < c iff not (x − c >= 0)
                negate(self)?
            }
        };
        self.mark_condition(&head);
        Ok(head)
    }

    /// `Where(condition, A, B)` on a comparison from [`Lowering::comparison`] (`s = ±1`) with
    /// constant branches: `y = m·s + k`, `m = (A − B)/2`, `k = (A + B)/2`, when that gives
    /// exactly `A` and `B` in the model's precision and in exact arithmetic (e.g. `1, −1`,
    /// which needs no layer at all).
    pub(super) fn where_(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let cond = self.input(node, 0)?.clone();
        let shape = self.condition_shape(node, &cond)?;
        let branch = |l: &Self, i: usize, what: &str| -> Result<Vec<f64>, OnnxError> {
            let c = l.const_input(node, i, what)?;
            l.broadcast_constant(node, c, &shape, what)
        };
        let a = branch(self, 1, "the value where true")?;
        let b = branch(self, 2, "the value where false")?;
        let p = self.precision;
        let mut m = Vec::with_capacity(a.len());
        let mut k = Vec::with_capacity(a.len());
        for (i, (ai, bi)) in a.iter().zip(&b).enumerate() {
            let (mi, ki) = ((ai - bi) / 2.0, (ai + bi) / 2.0);
            let exact = |v: f64| BigRational::from_float(v);
            let in_precision = round(mi, p) == mi && round(ki, p) == ki;
            let float_ok =
                round(round(mi, p) + ki, p) == *ai && round(round(-mi, p) + ki, p) == *bi;
            let exact_ok = match (exact(mi), exact(ki), exact(*ai), exact(*bi)) {
                (Some(m), Some(k), Some(a), Some(b)) => &m + &k == a && &k - &m == b,
                _ => false,
            };
            if !(in_precision && float_ok && exact_ok) {
                return Err(self.error(
                    node,
                    OnnxErrorKind::UnsupportedUse,
                    format!(
                        "element {i}: choosing between {ai} and {bi} is not an exact affine map \
                         of ±1 in {p:?}; vera reads Where(comparison, 1, -1) and other pairs \
                         whose half-sum and half-difference are exact"
                    ),
                ));
            }
            m.push(mi);
            k.push(ki);
        }
        let mut head = cond;
        if m.iter().any(|v| *v != 1.0) {
            head = self.emit(node, elementwise(ElementwiseOp::Mul, m), shape.clone())?;
        }
        if k.iter().any(|v| *v != 0.0) {
            head = self.emit(node, elementwise(ElementwiseOp::Add, k), shape.clone())?;
        }
        if let Value::Dynamic { id, .. } = &head {
            // The same head as the condition when no layer was needed: now a number.
            self.unmark_condition(*id);
        }
        Ok(head)
    }
}
