//! Lowering of the operators that only move data: reshapes, shape arithmetic, constants.
//!
//! On the chain these change only the recorded shape (values flow as flat row-major vectors);
//! on constants they are evaluated, which covers the `Shape → Gather → Concat → Reshape`
//! idiom that PyTorch exports for `flatten`.

use super::lower::{attribute, axis, int_attribute, Lowering, Node, Value};
use super::tensor::{decode, ConstTensor, TensorData};
use crate::network::error::{OnnxError, OnnxErrorKind};
use crate::network::Precision;

impl Lowering<'_> {
    /// The same data under a new shape.
    fn with_shape(&self, node: &Node, v: &Value, shape: Vec<usize>) -> Result<Value, OnnxError> {
        match v {
            Value::Const(c) => Ok(Value::Const(c.reshaped(shape))),
            Value::Dynamic { id, .. } => {
                self.chain_shape(node, v)?;
                Ok(Value::Dynamic { id: *id, shape })
            }
        }
    }

    fn shape_of(v: &Value) -> &[usize] {
        match v {
            Value::Const(c) => &c.shape,
            Value::Dynamic { shape, .. } => shape,
        }
    }

    fn bad_axis(&self, node: &Node, a: i64, rank: usize) -> OnnxError {
        self.error(
            node,
            OnnxErrorKind::Shape,
            format!("axis {a} is out of range for a tensor of rank {rank}"),
        )
    }

    pub fn flatten(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let v = self.input(node, 0)?.clone();
        let shape = Self::shape_of(&v).to_vec();
        let a = int_attribute(node, "axis", 1);
        let split = if a == shape.len() as i64 {
            shape.len()
        } else {
            axis(a, shape.len()).ok_or_else(|| self.bad_axis(node, a, shape.len()))?
        };
        let outer = shape[..split].iter().product();
        let inner = shape[split..].iter().product();
        self.with_shape(node, &v, vec![outer, inner])
    }

    pub fn reshape(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let v = self.input(node, 0)?.clone();
        let target = self.const_input(node, 1, "the target shape")?;
        let Some(target) = target.ints().map(<[i64]>::to_vec) else {
            return Err(self.error(
                node,
                OnnxErrorKind::BadTensor,
                "the target shape must be int64",
            ));
        };
        let shape = Self::shape_of(&v).to_vec();
        let allow_zero = int_attribute(node, "allowzero", 0) != 0;
        let total: usize = shape.iter().product();
        let mut out = Vec::with_capacity(target.len());
        let mut infer = None;
        for (i, &d) in target.iter().enumerate() {
            match d {
                -1 if infer.is_none() => {
                    infer = Some(i);
                    out.push(1);
                }
                0 if !allow_zero => match shape.get(i) {
                    Some(&s) => out.push(s),
                    None => {
                        return Err(self.error(
                            node,
                            OnnxErrorKind::Shape,
                            format!(
                            "target shape {target:?} copies dimension {i}, which {shape:?} lacks"
                        ),
                        ))
                    }
                },
                d if d >= 0 => out.push(d as usize),
                _ => {
                    return Err(self.error(
                        node,
                        OnnxErrorKind::Shape,
                        format!("invalid target shape {target:?}"),
                    ))
                }
            }
        }
        let known: usize = out.iter().product();
        if let Some(i) = infer {
            if known == 0 || !total.is_multiple_of(known) {
                return Err(self.error(
                    node,
                    OnnxErrorKind::Shape,
                    format!("cannot reshape {shape:?} ({total} values) to {target:?}"),
                ));
            }
            out[i] = total / known;
        }
        if out.iter().product::<usize>() != total {
            return Err(self.error(
                node,
                OnnxErrorKind::Shape,
                format!("cannot reshape {shape:?} ({total} values) to {target:?}"),
            ));
        }
        self.with_shape(node, &v, out)
    }

    /// The axes of Squeeze/Unsqueeze: an attribute before opset 13, an input from 13 on.
    fn axes(&self, node: &Node) -> Result<Option<Vec<i64>>, OnnxError> {
        if let Some(a) = attribute(node, "axes") {
            return Ok(Some(a.ints.clone()));
        }
        match self.optional_input(node, 1)? {
            None => Ok(None),
            Some(Value::Const(c)) => c.ints().map(|v| Some(v.to_vec())).ok_or_else(|| {
                self.error(node, OnnxErrorKind::BadTensor, "the axes must be int64")
            }),
            Some(Value::Dynamic { .. }) => Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                "the axes depend on the input; they must be constant",
            )),
        }
    }

    pub fn squeeze(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let v = self.input(node, 0)?.clone();
        let shape = Self::shape_of(&v).to_vec();
        let out = match self.axes(node)? {
            None => shape.iter().copied().filter(|d| *d != 1).collect(),
            Some(axes) => {
                let mut drop = vec![false; shape.len()];
                for &a in &axes {
                    let i =
                        axis(a, shape.len()).ok_or_else(|| self.bad_axis(node, a, shape.len()))?;
                    if shape[i] != 1 {
                        return Err(self.error(
                            node,
                            OnnxErrorKind::Shape,
                            format!(
                                "cannot squeeze axis {a} of shape {shape:?}: its size is not 1"
                            ),
                        ));
                    }
                    drop[i] = true;
                }
                shape
                    .iter()
                    .zip(&drop)
                    .filter(|(_, d)| !**d)
                    .map(|(s, _)| *s)
                    .collect()
            }
        };
        self.with_shape(node, &v, out)
    }

    pub fn unsqueeze(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let v = self.input(node, 0)?.clone();
        let shape = Self::shape_of(&v).to_vec();
        let Some(axes) = self.axes(node)? else {
            return Err(self.error(node, OnnxErrorKind::UnsupportedUse, "Unsqueeze needs axes"));
        };
        let rank = shape.len() + axes.len();
        let mut inserted = vec![false; rank];
        for &a in &axes {
            let i = axis(a, rank).ok_or_else(|| self.bad_axis(node, a, rank))?;
            if inserted[i] {
                return Err(self.error(
                    node,
                    OnnxErrorKind::Shape,
                    format!("axis {a} is given twice"),
                ));
            }
            inserted[i] = true;
        }
        let mut dims = shape.iter();
        let out = inserted
            .iter()
            .map(|&ins| {
                if ins {
                    1
                } else {
                    dims.next().copied().unwrap_or(1)
                }
            })
            .collect();
        self.with_shape(node, &v, out)
    }

    /// `Shape` is known statically, even of a value that depends on the input.
    pub fn shape(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let shape = Self::shape_of(self.input(node, 0)?).to_vec();
        let rank = shape.len() as i64;
        let clampi = |x: i64| (if x < 0 { x + rank } else { x }).clamp(0, rank) as usize;
        let start = clampi(int_attribute(node, "start", 0));
        let end = clampi(int_attribute(node, "end", rank));
        let dims: Vec<i64> = shape[start..end.max(start)]
            .iter()
            .map(|d| *d as i64)
            .collect();
        Ok(Value::Const(ConstTensor {
            shape: vec![dims.len()],
            data: TensorData::Int(dims),
        }))
    }

    pub fn gather(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let data = self.const_input(node, 0, "the data")?.clone();
        let indices = self.const_input(node, 1, "the indices")?.clone();
        let Some(idx) = indices.ints() else {
            return Err(self.error(
                node,
                OnnxErrorKind::BadTensor,
                "the indices must be integers",
            ));
        };
        let a = int_attribute(node, "axis", 0);
        let ax =
            axis(a, data.shape.len()).ok_or_else(|| self.bad_axis(node, a, data.shape.len()))?;
        let dim = data.shape[ax];
        let outer: usize = data.shape[..ax].iter().product();
        let inner: usize = data.shape[ax + 1..].iter().product();
        let mut picks = Vec::with_capacity(idx.len());
        for &i in idx {
            let j = if i < 0 { i + dim as i64 } else { i };
            if !(0..dim as i64).contains(&j) {
                return Err(self.error(
                    node,
                    OnnxErrorKind::Shape,
                    format!("index {i} is out of range for axis {a} of size {dim}"),
                ));
            }
            picks.push(j as usize);
        }
        let select = |o: usize| {
            picks
                .iter()
                .flat_map(move |&p| (0..inner).map(move |r| (o * dim + p) * inner + r))
        };
        let positions: Vec<usize> = (0..outer).flat_map(select).collect();
        let mut shape = data.shape[..ax].to_vec();
        shape.extend(&indices.shape);
        shape.extend(&data.shape[ax + 1..]);
        let data = match &data.data {
            TensorData::Float(v, p) => {
                TensorData::Float(positions.iter().map(|&i| v[i]).collect(), *p)
            }
            TensorData::Int(v) => TensorData::Int(positions.iter().map(|&i| v[i]).collect()),
        };
        Ok(Value::Const(ConstTensor { shape, data }))
    }

    pub fn concat(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let parts: Vec<ConstTensor> = (0..node.input.len())
            .map(|i| self.const_input(node, i, "every operand").cloned())
            .collect::<Result<_, _>>()?;
        let Some(first) = parts.first() else {
            return Err(self.error(node, OnnxErrorKind::UnsupportedUse, "Concat without inputs"));
        };
        let rank = first.shape.len();
        let a = int_attribute(node, "axis", 0);
        let ax = axis(a, rank).ok_or_else(|| self.bad_axis(node, a, rank))?;
        for p in &parts {
            let same =
                p.shape.len() == rank && (0..rank).all(|d| d == ax || p.shape[d] == first.shape[d]);
            if !same {
                return Err(self.error(
                    node,
                    OnnxErrorKind::Shape,
                    format!(
                        "cannot concatenate shapes {:?} and {:?} on axis {a}",
                        first.shape, p.shape
                    ),
                ));
            }
        }
        let outer: usize = first.shape[..ax].iter().product();
        let all_int = parts.iter().all(|p| p.ints().is_some());
        let mut ints = Vec::new();
        let mut floats = Vec::new();
        for o in 0..outer {
            for p in &parts {
                let chunk: usize = p.shape[ax..].iter().product();
                let range = o * chunk..(o + 1) * chunk;
                match p.ints() {
                    Some(v) if all_int => ints.extend_from_slice(&v[range]),
                    _ => floats.extend_from_slice(&p.floats()[range]),
                }
            }
        }
        let mut shape = first.shape.clone();
        shape[ax] = parts.iter().map(|p| p.shape[ax]).sum();
        let data = if all_int {
            TensorData::Int(ints)
        } else {
            let precision = if parts.iter().any(|p| p.precision() == Precision::F64) {
                Precision::F64
            } else {
                Precision::F32
            };
            TensorData::Float(floats, precision)
        };
        Ok(Value::Const(ConstTensor { shape, data }))
    }

    pub fn cast(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let to = int_attribute(node, "to", 0);
        let v = self.input(node, 0)?.clone();
        match (v, to) {
            (Value::Const(c), 1) => Ok(Value::Const(ConstTensor::float(
                c.shape.clone(),
                c.floats(),
                Precision::F32,
            ))),
            (Value::Const(c), 11) => Ok(Value::Const(ConstTensor::float(
                c.shape.clone(),
                c.floats(),
                Precision::F64,
            ))),
            (Value::Const(c), 6 | 7) => Ok(Value::Const(ConstTensor {
                shape: c.shape.clone(),
                data: TensorData::Int(c.floats().iter().map(|v| v.trunc() as i64).collect()),
            })),
            (Value::Const(c), 9) => Ok(Value::Const(ConstTensor {
                shape: c.shape.clone(),
                data: TensorData::Int(c.floats().iter().map(|v| (*v != 0.0) as i64).collect()),
            })),
            (d @ Value::Dynamic { .. }, 1 | 11) => {
                self.chain_shape(node, &d)?;
                if (to == 11) != (self.precision == Precision::F64) {
                    log::warn!("a Cast changes the precision of the activations; vera ignores it");
                }
                Ok(d)
            }
            _ => Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                format!("Cast to element type {to} is not supported here"),
            )),
        }
    }

    pub fn constant(&mut self, node: &Node) -> Result<Value, OnnxError> {
        let bad = |s: &Self, problem: String| s.error(node, OnnxErrorKind::BadTensor, problem);
        if let Some(t) = attribute(node, "value").and_then(|a| a.t.as_ref()) {
            return decode(t)
                .map(Value::Const)
                .map_err(|p| bad(self, format!("its value {p}")));
        }
        let tensor = if let Some(f) = attribute(node, "value_float").and_then(|a| a.f) {
            ConstTensor::float(vec![], vec![f as f64], Precision::F32)
        } else if let Some(a) = attribute(node, "value_floats") {
            ConstTensor::float(
                vec![a.floats.len()],
                a.floats.iter().map(|f| *f as f64).collect(),
                Precision::F32,
            )
        } else if let Some(i) = attribute(node, "value_int").and_then(|a| a.i) {
            ConstTensor {
                shape: vec![],
                data: TensorData::Int(vec![i]),
            }
        } else if let Some(a) = attribute(node, "value_ints") {
            ConstTensor {
                shape: vec![a.ints.len()],
                data: TensorData::Int(a.ints.clone()),
            }
        } else {
            return Err(bad(
                self,
                "expected a value, value_float(s) or value_int(s) attribute".into(),
            ));
        };
        Ok(Value::Const(tensor))
    }
}
