//! Lowering ONNX nodes, in data-flow order, to a chain of layers with constants folded away.
//!
//! Every value is either a constant (known when the model is read) or a function of the
//! input. The functions of the input must form one chain: each node that consumes one takes
//! the newest, so the graph is a sequence of layers. Nodes on constants are evaluated here.

use super::tensor::{broadcast_shape, broadcast_to, ConstTensor};
use super::{node_ref, SUPPORTED_OPERATORS};
use crate::network::error::{OnnxError, OnnxErrorKind};
use crate::network::layer::{Layer, LayerKind};
use crate::network::Precision;
use crate::onnx_proto::{AttributeProto, NodeProto};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A value of the graph.
#[derive(Debug, Clone)]
pub enum Value {
    Const(ConstTensor),
    /// A function of the input: `id` names the point in the layer chain, `shape` its tensor.
    Dynamic {
        id: usize,
        shape: Vec<usize>,
    },
}

/// The state of lowering one graph.
pub struct Lowering<'a> {
    path: &'a Path,
    pub(super) precision: Precision,
    values: HashMap<String, Value>,
    layers: Vec<Layer>,
    /// The id of the newest dynamic value: the only one a node may consume.
    head: usize,
    /// The last layer is an affine map from MatMul/Gemm still without a bias, so that a
    /// following `Add` of a constant can become its bias (exactly what ONNX computes).
    pub(super) bias_open: bool,
    /// Heads that are comparisons (±1 for true/false), which only `Where` may read.
    conditions: HashSet<usize>,
}

/// The node being lowered, for messages.
pub type Node = NodeProto;

impl<'a> Lowering<'a> {
    pub fn new(
        path: &'a Path,
        precision: Precision,
        initializers: HashMap<String, ConstTensor>,
        input_name: &str,
        input_shape: Vec<usize>,
    ) -> Lowering<'a> {
        let mut values: HashMap<String, Value> = initializers
            .into_iter()
            .map(|(k, v)| (k, Value::Const(v)))
            .collect();
        values.insert(
            input_name.to_string(),
            Value::Dynamic {
                id: 0,
                shape: input_shape,
            },
        );
        Lowering {
            path,
            precision,
            values,
            layers: Vec::new(),
            head: 0,
            bias_open: false,
            conditions: HashSet::new(),
        }
    }

    /// An error about `node`.
    pub fn error(&self, node: &Node, kind: OnnxErrorKind, problem: impl Into<String>) -> OnnxError {
        OnnxError {
            path: self.path.to_path_buf(),
            node: Some(node_ref(node)),
            kind,
            problem: problem.into(),
        }
    }

    /// Lowers one node.
    pub fn lower_node(&mut self, node: &Node) -> Result<(), OnnxError> {
        let op = node.op_type.as_deref().unwrap_or("");
        if let Some(domain) = node
            .domain
            .as_deref()
            .filter(|d| !d.is_empty() && *d != "ai.onnx")
        {
            return Err(self.error(
                node,
                OnnxErrorKind::UnsupportedOperator,
                format!("operator domain '{domain}' is not supported; vera reads the standard ONNX operators"),
            ));
        }
        let result = match op {
            "Add" | "Sub" | "Mul" | "Div" => self.elementwise(node, op)?,
            "MatMul" => self.matmul(node)?,
            "Gemm" => self.gemm(node)?,
            "Relu" => self.relu(node)?,
            "Identity" | "Dropout" => self.identity(node)?,
            "Flatten" => self.flatten(node)?,
            "Reshape" => self.reshape(node)?,
            "Squeeze" => self.squeeze(node)?,
            "Unsqueeze" => self.unsqueeze(node)?,
            "Shape" => self.shape(node)?,
            "Gather" => self.gather(node)?,
            "Concat" => self.concat(node)?,
            "Cast" => self.cast(node)?,
            "Constant" => self.constant(node)?,
            "BatchNormalization" => self.batch_normalization(node)?,
            "GreaterOrEqual" | "Greater" | "LessOrEqual" | "Less" => self.comparison(node, op)?,
            "Where" => self.where_(node)?,
            "Round" => self.round(node)?,
            "Sign" => self.signum(node)?,
            _ => {
                return Err(self.error(
                    node,
                    OnnxErrorKind::UnsupportedOperator,
                    format!(
                        "unsupported operator {op}; vera supports {}",
                        SUPPORTED_OPERATORS.join(", ")
                    ),
                ))
            }
        };
        let Some(out) = node.output.first() else {
            return Err(self.error(node, OnnxErrorKind::UnsupportedUse, "has no output"));
        };
        for extra in node.output.iter().skip(1).filter(|o| !o.is_empty()) {
            // Dropout's mask, say: fine as long as nothing reads it (reads fail as missing).
            log::debug!("ignoring secondary output '{extra}' of {op}");
        }
        self.values.insert(out.clone(), result);
        Ok(())
    }

    /// The layers and the output shape, once every node is lowered.
    pub fn finish(self, output: &str) -> Result<(Vec<Layer>, Vec<usize>), OnnxError> {
        let fail = |kind, problem: String| OnnxError {
            path: self.path.to_path_buf(),
            node: None,
            kind,
            problem,
        };
        match self.values.get(output) {
            Some(Value::Dynamic { id, .. }) if self.conditions.contains(id) => Err(fail(
                OnnxErrorKind::UnsupportedUse,
                format!("the graph output '{output}' is a boolean comparison, not a number"),
            )),
            Some(Value::Dynamic { id, shape }) if *id == self.head => {
                Ok((self.layers, shape.clone()))
            }
            Some(Value::Dynamic { .. }) => Err(fail(
                OnnxErrorKind::UnsupportedUse,
                format!("the graph output '{output}' is not the end of the layer chain"),
            )),
            Some(Value::Const(_)) => Err(fail(
                OnnxErrorKind::UnsupportedUse,
                format!("the graph output '{output}' does not depend on the input"),
            )),
            None => Err(fail(
                OnnxErrorKind::MissingValue,
                format!("no node produces the graph output '{output}'"),
            )),
        }
    }

    /// Input `i` of `node` (which must be present).
    pub fn input(&self, node: &Node, i: usize) -> Result<&Value, OnnxError> {
        let name = node.input.get(i).filter(|n| !n.is_empty()).ok_or_else(|| {
            self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                format!("expected an input at position {}", i + 1),
            )
        })?;
        self.values.get(name).ok_or_else(|| {
            self.error(
                node,
                OnnxErrorKind::MissingValue,
                format!(
                    "input '{name}' is not an initializer, a graph input, or the output of any node"
                ),
            )
        })
    }

    /// Input `i` if the node has it (optional inputs may be absent or empty).
    pub fn optional_input(&self, node: &Node, i: usize) -> Result<Option<&Value>, OnnxError> {
        match node.input.get(i) {
            Some(name) if !name.is_empty() => self.input(node, i).map(Some),
            _ => Ok(None),
        }
    }

    /// Input `i` as a constant; `what` says what the constant is for.
    pub fn const_input(
        &self,
        node: &Node,
        i: usize,
        what: &str,
    ) -> Result<&ConstTensor, OnnxError> {
        match self.input(node, i)? {
            Value::Const(c) => Ok(c),
            Value::Dynamic { .. } => Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                format!(
                    "{what} (input {}) must be a constant, but it depends on the input",
                    i + 1
                ),
            )),
        }
    }

    /// Marks `head` as a comparison result (see [`Lowering::condition_shape`]).
    pub fn mark_condition(&mut self, head: &Value) {
        if let Value::Dynamic { id, .. } = head {
            self.conditions.insert(*id);
        }
    }

    pub fn unmark_condition(&mut self, id: usize) {
        self.conditions.remove(&id);
    }

    /// Like [`Lowering::chain_shape`], for the condition input of `Where`: the value must be
    /// the head of the chain and a comparison result.
    pub fn condition_shape(&self, node: &Node, value: &Value) -> Result<Vec<usize>, OnnxError> {
        match value {
            Value::Dynamic { id, shape } if *id == self.head && self.conditions.contains(id) => {
                Ok(shape.clone())
            }
            Value::Dynamic { id, .. } if *id == self.head => Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                "the condition is not a comparison of the layer chain with a constant \
                 (GreaterOrEqual, Greater, LessOrEqual, Less)",
            )),
            Value::Const(_) => Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                "the condition is a constant; vera reads Where on a comparison of the layer chain",
            )),
            other => self.chain_shape(node, other),
        }
    }

    /// The values of constant `c` broadcast to `shape` (the chain's value's shape, which the
    /// constant must broadcast to without growing it); `what` names the constant.
    pub fn broadcast_constant(
        &self,
        node: &Node,
        c: &ConstTensor,
        shape: &[usize],
        what: &str,
    ) -> Result<Vec<f64>, OnnxError> {
        if broadcast_shape(shape, &c.shape).as_deref() != Some(shape) {
            return Err(self.error(
                node,
                OnnxErrorKind::Shape,
                format!(
                    "{what} of shape {:?} does not broadcast to the value's shape {shape:?}",
                    c.shape
                ),
            ));
        }
        Ok(broadcast_to(&c.floats(), &c.shape, shape))
    }

    /// Checks that a dynamic value is the head of the chain and returns its shape.
    pub fn chain_shape(&self, node: &Node, value: &Value) -> Result<Vec<usize>, OnnxError> {
        if let Value::Dynamic { id, .. } = value {
            if self.conditions.contains(id) {
                return Err(self.error(
                    node,
                    OnnxErrorKind::UnsupportedUse,
                    "reads a boolean comparison result as a number; vera reads comparisons \
                     only as the condition of Where",
                ));
            }
        }
        match value {
            Value::Dynamic { id, shape } if *id == self.head => Ok(shape.clone()),
            Value::Dynamic { .. } => Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                "reads an earlier intermediate value: the graph branches (e.g. a residual \
                 connection), and vera reads feed-forward networks as one chain of layers",
            )),
            Value::Const(_) => Err(self.error(
                node,
                OnnxErrorKind::UnsupportedUse,
                "internal: a constant was taken for a value of the layer chain",
            )),
        }
    }

    /// Appends a layer and returns the new head of the chain.
    pub fn emit(
        &mut self,
        node: &Node,
        kind: LayerKind,
        output_shape: Vec<usize>,
    ) -> Result<Value, OnnxError> {
        if let Some(problem) = crate::network::non_finite_constant(&kind) {
            return Err(self.error(node, OnnxErrorKind::BadTensor, problem));
        }
        self.layers.push(Layer {
            kind,
            output_shape: output_shape.clone(),
            origin: origin(node),
        });
        self.bias_open = false;
        Ok(self.advance(output_shape))
    }

    /// A new head for the chain after changing the last layer in place.
    pub fn advance(&mut self, shape: Vec<usize>) -> Value {
        self.head += 1;
        Value::Dynamic {
            id: self.head,
            shape,
        }
    }

    /// The last layer, to fold a bias into.
    pub fn last_layer_mut(&mut self) -> Option<&mut Layer> {
        self.layers.last_mut()
    }

    fn relu(&mut self, node: &Node) -> Result<Value, OnnxError> {
        self.unary(node, |v| v.max(0.0), LayerKind::Relu)
    }

    /// A one-input elementwise operator: `f` folded on a constant, else a `kind` layer on the
    /// chain.
    pub(super) fn unary(
        &mut self,
        node: &Node,
        f: fn(f64) -> f64,
        kind: LayerKind,
    ) -> Result<Value, OnnxError> {
        match self.input(node, 0)?.clone() {
            Value::Const(c) => {
                let values = c.floats().into_iter().map(f).collect();
                Ok(Value::Const(ConstTensor::float(
                    c.shape.clone(),
                    values,
                    c.precision(),
                )))
            }
            v => {
                let shape = self.chain_shape(node, &v)?;
                self.emit(node, kind, shape)
            }
        }
    }

    fn identity(&mut self, node: &Node) -> Result<Value, OnnxError> {
        Ok(self.input(node, 0)?.clone())
    }
}

/// A layer's origin: the node's name, or its operator when unnamed.
fn origin(node: &Node) -> String {
    match node.name.as_deref() {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => node.op_type.clone().unwrap_or_default(),
    }
}

/// Looks up an attribute by name.
pub fn attribute<'n>(node: &'n Node, name: &str) -> Option<&'n AttributeProto> {
    node.attribute
        .iter()
        .find(|a| a.name.as_deref() == Some(name))
}

/// An integer attribute, or its default.
pub fn int_attribute(node: &Node, name: &str, default: i64) -> i64 {
    attribute(node, name).and_then(|a| a.i).unwrap_or(default)
}

/// A float attribute, or its default.
pub fn float_attribute(node: &Node, name: &str, default: f32) -> f32 {
    attribute(node, name).and_then(|a| a.f).unwrap_or(default)
}

/// Normalises a possibly negative axis for a tensor of rank `rank`.
pub fn axis(axis: i64, rank: usize) -> Option<usize> {
    let a = if axis < 0 { axis + rank as i64 } else { axis };
    (0..rank as i64).contains(&a).then_some(a as usize)
}
