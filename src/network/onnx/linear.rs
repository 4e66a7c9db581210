//! Lowering of MatMul and Gemm to affine layers (numpy matmul semantics, Gemm's trans/alpha/beta).

use super::lower::{float_attribute, int_attribute, Lowering, Node, Value};
use super::tensor::{broadcast_shape, broadcast_to, ConstTensor};
use crate::network::error::{OnnxError, OnnxErrorKind};
use crate::network::layer::{Affine, Elementwise, ElementwiseOp, LayerKind};
use crate::network::matrix::Matrix;
use crate::network::Precision;

/// A constant matrix operand of at most two dimensions, with numpy's 1-D promotion recorded.
struct ConstMatrix {
    rows: usize,
    cols: usize,
    values: Vec<f64>,
}

impl ConstMatrix {
    fn at(&self, r: usize, c: usize) -> f64 {
        self.values[r * self.cols + c]
    }
}

impl Lowering<'_> {
    pub fn matmul(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let a = self.input(node, 0)?.clone();
        let b = self.input(node, 1)?.clone();
        match (a, b) {
            (Value::Const(x), Value::Const(y)) => self.fold_matmul(node, &x, &y).map(Value::Const),
            (d @ Value::Dynamic { .. }, Value::Const(w)) => {
                let shape = self.chain_shape(node, &d)?;
                self.value_times_const(node, &shape, &w)
            }
            (Value::Const(w), d @ Value::Dynamic { .. }) => {
                let shape = self.chain_shape(node, &d)?;
                self.const_times_value(node, &w, &shape)
            }
            _ => Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                "both operands depend on the input; vera supports products with a constant matrix",
            )),
        }
    }

    /// A constant of rank 1 or 2 as a matrix; rank 1 becomes a row (`as_row`) or a column.
    fn const_matrix(
        &self,
        node: &Node,
        c: &ConstTensor,
        as_row: bool,
    ) -> Result<ConstMatrix, OnnxError> {
        let (rows, cols) = match c.shape.as_slice() {
            [n] if as_row => (1, *n),
            [n] => (*n, 1),
            [r, k] => (*r, *k),
            other => {
                return Err(self.error(
                    node,
                    OnnxErrorKind::UnsupportedUse,
                    format!(
                    "the constant operand has shape {other:?}; vera supports 1-D or 2-D weights"
                ),
                ))
            }
        };
        Ok(ConstMatrix {
            rows,
            cols,
            values: c.floats(),
        })
    }

    fn shape_error(&self, node: &Node, a: &[usize], b: &[usize]) -> OnnxError {
        self.error(
            node,
            OnnxErrorKind::Shape,
            format!("cannot multiply shapes {a:?} and {b:?}: inner dimensions differ"),
        )
    }

    /// `value · W` for a value of shape `[..., M, K]` (or `[K]`) and `W` of shape `[K, N]` (or `[K]`).
    fn value_times_const(
        &mut self,
        node: &Node,
        shape: &[usize],
        w: &ConstTensor,
    ) -> Result<Value, OnnxError> {
        let Some((&k, front)) = shape.split_last() else {
            return Err(self.error(node, OnnxErrorKind::Shape, "cannot multiply a scalar"));
        };
        let (batch, m) = match front.split_last() {
            Some((&m, batch)) => (batch.iter().product::<usize>(), m),
            None => (1, 1),
        };
        let wm = self.const_matrix(node, w, false)?;
        if wm.rows != k {
            return Err(self.shape_error(node, shape, &w.shape));
        }
        let n = wm.cols;
        let mut weights = Matrix::zeros(batch * m * n, batch * m * k);
        for bm in 0..batch * m {
            for j in 0..n {
                for i in 0..k {
                    weights.set(bm * n + j, bm * k + i, wm.at(i, j));
                }
            }
        }
        let mut out_shape = front.to_vec();
        if w.shape.len() == 2 {
            out_shape.push(n);
        }
        self.emit_affine(node, weights, out_shape)
    }

    /// `W · value` for `W` of shape `[M, K]` (or `[K]`) and a value of shape `[..., K, N]` (or `[K]`).
    fn const_times_value(
        &mut self,
        node: &Node,
        w: &ConstTensor,
        shape: &[usize],
    ) -> Result<Value, OnnxError> {
        let (batch_dims, k, n) = match shape {
            [] => return Err(self.error(node, OnnxErrorKind::Shape, "cannot multiply a scalar")),
            [k] => (&[][..], *k, 1),
            [batch @ .., k, n] => (batch, *k, *n),
        };
        let batch: usize = batch_dims.iter().product();
        let wm = self.const_matrix(node, w, true)?;
        if wm.cols != k {
            return Err(self.shape_error(node, &w.shape, shape));
        }
        let m = wm.rows;
        let mut weights = Matrix::zeros(batch * m * n, batch * k * n);
        for b in 0..batch {
            for r in 0..m {
                for j in 0..n {
                    for i in 0..k {
                        weights.set(b * m * n + r * n + j, b * k * n + i * n + j, wm.at(r, i));
                    }
                }
            }
        }
        let mut out_shape = batch_dims.to_vec();
        if w.shape.len() == 2 {
            out_shape.push(m);
        }
        if shape.len() >= 2 {
            out_shape.push(n);
        }
        self.emit_affine(node, weights, out_shape)
    }

    /// Emits `W x` with a zero bias that a following Add may fill.
    fn emit_affine(
        &mut self,
        node: &Node,
        weights: Matrix,
        out_shape: Vec<usize>,
    ) -> Result<Value, OnnxError> {
        let bias = vec![0.0; weights.rows()];
        let value = self.emit(node, LayerKind::Affine(Affine { weights, bias }), out_shape)?;
        self.bias_open = true;
        Ok(value)
    }

    fn fold_matmul(
        &self,
        node: &Node,
        x: &ConstTensor,
        y: &ConstTensor,
    ) -> Result<ConstTensor, OnnxError> {
        let a = self.const_matrix(node, x, true)?;
        let b = self.const_matrix(node, y, false)?;
        if a.cols != b.rows {
            return Err(self.shape_error(node, &x.shape, &y.shape));
        }
        let values = (0..a.rows)
            .flat_map(|r| (0..b.cols).map(move |c| (r, c)))
            .map(|(r, c)| (0..a.cols).map(|i| a.at(r, i) * b.at(i, c)).sum())
            .collect();
        let mut shape = Vec::new();
        if x.shape.len() == 2 {
            shape.push(a.rows);
        }
        if y.shape.len() == 2 {
            shape.push(b.cols);
        }
        Ok(ConstTensor::float(shape, values, wider(x, y)))
    }

    /// `Y = alpha · A' · B' + beta · C` with `A' = transA ? Aᵀ : A`, likewise `B'`.
    pub fn gemm(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let alpha = float_attribute(node, "alpha", 1.0) as f64;
        let beta = float_attribute(node, "beta", 1.0) as f64;
        let trans_a = int_attribute(node, "transA", 0) != 0;
        let trans_b = int_attribute(node, "transB", 0) != 0;
        let a = self.input(node, 0)?.clone();
        let b = self.input(node, 1)?.clone();
        let c = match self.optional_input(node, 2)? {
            None => None,
            Some(Value::Const(c)) => Some(c.clone()),
            Some(Value::Dynamic { .. }) => {
                return Err(self.error(
                    node,
                    OnnxErrorKind::UnsupportedUse,
                    "the addend C depends on the input; vera needs a constant C",
                ))
            }
        };
        let shape_of = |v: &Value| match v {
            Value::Const(c) => c.shape.clone(),
            Value::Dynamic { shape, .. } => shape.clone(),
        };
        let (sa, sb) = (shape_of(&a), shape_of(&b));
        let (&[ra, ca], &[rb, cb]) = (sa.as_slice(), sb.as_slice()) else {
            return Err(self.error(
                node,
                OnnxErrorKind::Shape,
                format!("Gemm needs 2-D operands, got shapes {sa:?} and {sb:?}"),
            ));
        };
        let (m, k) = if trans_a { (ca, ra) } else { (ra, ca) };
        let (kb, n) = if trans_b { (cb, rb) } else { (rb, cb) };
        if k != kb {
            return Err(self.error(
                node,
                OnnxErrorKind::Shape,
                format!(
                    "inner dimensions differ: A' is {m}x{k} and B' is {kb}x{n} (shapes {sa:?}, {sb:?}, transA={}, transB={})",
                    trans_a as u8, trans_b as u8
                ),
            ));
        }
        // Index of A'[i][l] in A's flat data, and of B'[l][j] in B's.
        let ia = |i: usize, l: usize| if trans_a { l * m + i } else { i * k + l };
        let ib = |l: usize, j: usize| if trans_b { j * k + l } else { l * n + j };
        let addend = match &c {
            None => vec![0.0; m * n],
            Some(c) => {
                if broadcast_shape(&c.shape, &[m, n]).as_deref() != Some(&[m, n][..]) {
                    return Err(self.error(
                        node,
                        OnnxErrorKind::Shape,
                        format!(
                            "C of shape {:?} does not broadcast to the output [{m}, {n}]",
                            c.shape
                        ),
                    ));
                }
                broadcast_to(&c.floats(), &c.shape, &[m, n])
                    .into_iter()
                    .map(|v| beta * v)
                    .collect()
            }
        };
        let mut weights = Matrix::zeros(m * n, m * k);
        match (&a, &b) {
            (Value::Const(x), Value::Const(y)) => {
                let (xa, yb) = (x.floats(), y.floats());
                let values = (0..m * n)
                    .map(|o| {
                        let (i, j) = (o / n, o % n);
                        let dot: f64 = (0..k).map(|l| xa[ia(i, l)] * yb[ib(l, j)]).sum();
                        alpha * dot + addend[o]
                    })
                    .collect();
                let precision = wider(x, y);
                return Ok(Value::Const(ConstTensor::float(
                    vec![m, n],
                    values,
                    precision,
                )));
            }
            (d @ Value::Dynamic { .. }, Value::Const(y)) => {
                self.chain_shape(node, d)?;
                let yb = y.floats();
                for i in 0..m {
                    for j in 0..n {
                        for l in 0..k {
                            weights.set(i * n + j, ia(i, l), yb[ib(l, j)]);
                        }
                    }
                }
            }
            (Value::Const(x), d @ Value::Dynamic { .. }) => {
                self.chain_shape(node, d)?;
                weights = Matrix::zeros(m * n, k * n);
                let xa = x.floats();
                for i in 0..m {
                    for j in 0..n {
                        for l in 0..k {
                            weights.set(i * n + j, ib(l, j), xa[ia(i, l)]);
                        }
                    }
                }
            }
            _ => return Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                "both A and B depend on the input; vera supports products with a constant matrix",
            )),
        }
        let out_shape = vec![m, n];
        if alpha == 1.0 {
            let kind = LayerKind::Affine(Affine {
                weights,
                bias: addend,
            });
            let value = self.emit(node, kind, out_shape)?;
            self.bias_open = c.is_none();
            return Ok(value);
        }
        // alpha ≠ 1: keep ONNX's order of operations, (A'B') * alpha + beta C.
        let bias = vec![0.0; m * n];
        self.emit(
            node,
            LayerKind::Affine(Affine { weights, bias }),
            out_shape.clone(),
        )?;
        let scale = LayerKind::Elementwise(Elementwise {
            op: ElementwiseOp::Mul,
            operand: vec![alpha; m * n],
        });
        let value = self.emit(node, scale, out_shape.clone())?;
        if c.is_none() {
            return Ok(value);
        }
        let shift = LayerKind::Elementwise(Elementwise {
            op: ElementwiseOp::Add,
            operand: addend,
        });
        self.emit(node, shift, out_shape)
    }
}

/// The wider precision of two constants.
fn wider(x: &ConstTensor, y: &ConstTensor) -> Precision {
    if x.precision() == Precision::F64 || y.precision() == Precision::F64 {
        Precision::F64
    } else {
        Precision::F32
    }
}
