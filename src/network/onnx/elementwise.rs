//! Lowering of Add, Sub, Mul and Div: folded on constants, elementwise layers on the chain.

use super::lower::{Lowering, Node, Value};
use super::tensor::{broadcast_shape, broadcast_to, ConstTensor, TensorData};
use crate::network::error::{OnnxError, OnnxErrorKind};
use crate::network::layer::{Elementwise, ElementwiseOp, LayerKind};
use crate::network::Precision;

impl Lowering<'_> {
    /// `op` is one of Add, Sub, Mul, Div.
    pub fn elementwise(&mut self, node: &Node, op: &str) -> Result<Value, OnnxError> {
        let a = self.input(node, 0)?.clone();
        let b = self.input(node, 1)?.clone();
        match (a, b) {
            (Value::Const(x), Value::Const(y)) => self.fold(node, op, &x, &y).map(Value::Const),
            (d @ Value::Dynamic { .. }, Value::Const(c)) => self.on_chain(node, op, &d, &c, false),
            (Value::Const(c), d @ Value::Dynamic { .. }) => self.on_chain(node, op, &d, &c, true),
            (Value::Dynamic { .. }, Value::Dynamic { .. }) => Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                "both operands depend on the input (the graph branches, e.g. a residual connection); vera supports this operator with one constant operand",
            )),
        }
    }

    /// Evaluates the operator on two constants.
    fn fold(
        &self,
        node: &Node,
        op: &str,
        x: &ConstTensor,
        y: &ConstTensor,
    ) -> Result<ConstTensor, OnnxError> {
        let shape = broadcast_shape(&x.shape, &y.shape).ok_or_else(|| {
            self.error(
                node,
                OnnxErrorKind::Shape,
                format!("cannot broadcast shapes {:?} and {:?}", x.shape, y.shape),
            )
        })?;
        if let (Some(a), Some(b)) = (x.ints(), y.ints()) {
            let a = broadcast_to(a, &x.shape, &shape);
            let b = broadcast_to(b, &y.shape, &shape);
            let values = a
                .iter()
                .zip(&b)
                .map(|(p, q)| match op {
                    "Add" => Some(p.wrapping_add(*q)),
                    "Sub" => Some(p.wrapping_sub(*q)),
                    "Mul" => Some(p.wrapping_mul(*q)),
                    _ => p.checked_div(*q),
                })
                .collect::<Option<Vec<i64>>>()
                .ok_or_else(|| {
                    self.error(node, OnnxErrorKind::BadTensor, "integer division by zero")
                })?;
            return Ok(ConstTensor {
                shape,
                data: TensorData::Int(values),
            });
        }
        let a = broadcast_to(&x.floats(), &x.shape, &shape);
        let b = broadcast_to(&y.floats(), &y.shape, &shape);
        let values = a
            .iter()
            .zip(&b)
            .map(|(p, q)| match op {
                "Add" => p + q,
                "Sub" => p - q,
                "Mul" => p * q,
                _ => p / q,
            })
            .collect();
        let precision = if x.precision() == Precision::F64 || y.precision() == Precision::F64 {
            Precision::F64
        } else {
            Precision::F32
        };
        Ok(ConstTensor::float(shape, values, precision))
    }

    /// Applies the operator between the chain's head and a constant.
    fn on_chain(
        &mut self,
        node: &Node,
        op: &str,
        head: &Value,
        c: &ConstTensor,
        const_first: bool,
    ) -> Result<Value, OnnxError> {
        let shape = self.chain_shape(node, head)?;
        let operand = self.broadcast_constant(node, c, &shape, "the constant")?;
        match (op, const_first) {
            ("Add", _) => self.add_constant(node, operand, shape),
            ("Sub", false) => self.add_constant(node, operand.iter().map(|v| -v).collect(), shape),
            ("Sub", true) => {
                let minus_one = vec![-1.0; operand.len()];
                self.emit(node, elementwise(ElementwiseOp::Mul, minus_one), shape.clone())?;
                self.emit(node, elementwise(ElementwiseOp::Add, operand), shape)
            }
            ("Mul", _) => self.emit(node, elementwise(ElementwiseOp::Mul, operand), shape),
            (_, false) => self.emit(node, elementwise(ElementwiseOp::Div, operand), shape),
            (_, true) => Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                "divides a constant by a value that depends on the input, which is not piecewise linear",
            )),
        }
    }

    /// Adds a constant: into the bias of a preceding MatMul/Gemm when there is one (which is
    /// exactly what `MatMul` then `Add` computes), else as an elementwise layer.
    fn add_constant(
        &mut self,
        node: &Node,
        operand: Vec<f64>,
        shape: Vec<usize>,
    ) -> Result<Value, OnnxError> {
        if self.bias_open {
            if let Some(layer) = self.last_layer_mut() {
                if let LayerKind::Affine(affine) = &mut layer.kind {
                    if operand.iter().all(|v| v.is_finite()) {
                        affine.bias = operand;
                        layer.origin = format!(
                            "{} + {}",
                            layer.origin,
                            node.name.clone().unwrap_or_default()
                        );
                        layer.output_shape = shape.clone();
                        self.bias_open = false;
                        return Ok(self.advance(shape));
                    }
                }
            }
        }
        self.emit(node, elementwise(ElementwiseOp::Add, operand), shape)
    }
}

fn elementwise(op: ElementwiseOp, operand: Vec<f64>) -> LayerKind {
    LayerKind::Elementwise(Elementwise { op, operand })
}
