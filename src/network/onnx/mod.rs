//! Reader for ONNX models: decodes the protobuf and lowers the graph to vera's layer sequence.

mod binarised;
mod elementwise;
mod graph;
mod linear;
mod lower;
mod shape_ops;
mod tensor;

use super::error::{NodeRef, OnnxError, OnnxErrorKind};
use super::{Format, Network, Precision, Provenance, Units};
use crate::onnx_proto::{tensor_shape_proto::dimension, type_proto, ModelProto, ValueInfoProto};
use lower::Lowering;
use prost::Message;
use std::collections::HashMap;
use std::path::Path;

/// The ONNX operators vera lowers; listed in "unsupported operator" messages.
pub const SUPPORTED_OPERATORS: &[&str] = &[
    "Add",
    "BatchNormalization",
    "Cast",
    "Concat",
    "Constant",
    "Div",
    "Dropout",
    "Flatten",
    "Gather",
    "Gemm",
    "Greater",
    "GreaterOrEqual",
    "Identity",
    "Less",
    "LessOrEqual",
    "MatMul",
    "Mul",
    "Relu",
    "Reshape",
    "Round",
    "Shape",
    "Sign",
    "Squeeze",
    "Sub",
    "Unsqueeze",
    "Where",
];

/// Element types of the graph input that vera evaluates in.
const FLOAT: i32 = 1;
const DOUBLE: i32 = 11;

/// Reads an ONNX model from its bytes; `path` is for messages.
pub fn read_onnx(path: &Path, bytes: &[u8]) -> Result<Network, OnnxError> {
    let fail = |kind, problem: String| OnnxError {
        path: path.to_path_buf(),
        node: None,
        kind,
        problem,
    };
    if bytes.is_empty() {
        return Err(fail(OnnxErrorKind::NotOnnx, "the file is empty".into()));
    }
    let text_hint = if std::str::from_utf8(bytes).is_ok() {
        " (the file looks like text; ONNX models are binary protobuf)"
    } else {
        ""
    };
    let model = ModelProto::decode(bytes).map_err(|e| {
        fail(
            OnnxErrorKind::NotOnnx,
            format!(
                "not an ONNX model, or a truncated one: protobuf decoding failed ({e}){text_hint}"
            ),
        )
    })?;
    let graph = match &model.graph {
        Some(g) if model.ir_version.is_some() && !g.node.is_empty() => g,
        _ => {
            return Err(fail(
                OnnxErrorKind::NotOnnx,
                format!("not an ONNX model: no ir_version or no graph nodes{text_hint}"),
            ))
        }
    };
    let opset = model
        .opset_import
        .iter()
        .find(|o| matches!(o.domain.as_deref(), None | Some("") | Some("ai.onnx")))
        .and_then(|o| o.version)
        .unwrap_or(1);
    if !(7..=21).contains(&opset) {
        log::warn!(
            "{}: opset {opset} is outside the range vera is tested with (8-13)",
            path.display()
        );
    }

    let mut initializers = HashMap::new();
    for init in &graph.initializer {
        let name = init.name.clone().unwrap_or_default();
        let tensor = tensor::decode(init).map_err(|problem| {
            fail(
                OnnxErrorKind::BadTensor,
                format!("initializer '{name}' {problem}"),
            )
        })?;
        initializers.insert(name, tensor);
    }

    let real_inputs: Vec<&ValueInfoProto> = graph
        .input
        .iter()
        .filter(|i| !initializers.contains_key(i.name.as_deref().unwrap_or("")))
        .collect();
    let [input] = real_inputs.as_slice() else {
        let names: Vec<&str> = real_inputs
            .iter()
            .map(|i| i.name.as_deref().unwrap_or(""))
            .collect();
        return Err(fail(
            OnnxErrorKind::UnsupportedUse,
            format!(
                "expected exactly one graph input (besides initializers), found {}: {names:?}",
                names.len()
            ),
        ));
    };
    let input_name = input.name.clone().unwrap_or_default();
    let (input_shape, precision) = input_type(input).map_err(|problem| {
        fail(
            OnnxErrorKind::UnsupportedUse,
            format!("graph input '{input_name}' {problem}"),
        )
    })?;

    let [output] = graph.output.as_slice() else {
        return Err(fail(
            OnnxErrorKind::UnsupportedUse,
            format!(
                "expected exactly one graph output, found {}",
                graph.output.len()
            ),
        ));
    };
    let output_name = output.name.clone().unwrap_or_default();

    let order = graph::live_nodes_in_order(&graph.node, &output_name).map_err(|e| match e {
        graph::OrderError::DuplicateOutput { value, node } => OnnxError {
            path: path.to_path_buf(),
            node: Some(node_ref(&graph.node[node])),
            kind: OnnxErrorKind::UnsupportedUse,
            problem: format!("writes '{value}', which another node also writes"),
        },
        graph::OrderError::Cycle { node } => OnnxError {
            path: path.to_path_buf(),
            node: Some(node_ref(&graph.node[node])),
            kind: OnnxErrorKind::UnsupportedUse,
            problem: "lies on a cycle; a network must be acyclic".into(),
        },
    })?;

    let mut lowering = Lowering::new(
        path,
        precision,
        initializers,
        &input_name,
        input_shape.clone(),
    );
    for &i in &order {
        lowering.lower_node(&graph.node[i])?;
    }
    let (layers, output_shape) = lowering.finish(&output_name)?;
    let provenance = Provenance {
        path: Some(path.to_path_buf()),
        format: Format::Onnx,
        precision,
        opset: Some(opset),
        input_name,
        output_name,
        normalization: None,
        units: Units::Normalized,
    };
    Network::new(input_shape, layers, output_shape, provenance).map_err(|e| {
        fail(
            OnnxErrorKind::Shape,
            format!("internal shape check failed: {e}"),
        )
    })
}

/// The node reference used in error messages.
pub(super) fn node_ref(node: &crate::onnx_proto::NodeProto) -> NodeRef {
    NodeRef {
        name: node.name.clone().unwrap_or_default(),
        op_type: node.op_type.clone().unwrap_or_default(),
    }
}

/// The shape (dynamic dimensions taken as 1) and element type of the graph input.
fn input_type(input: &ValueInfoProto) -> Result<(Vec<usize>, Precision), String> {
    let Some(type_proto::Value::TensorType(t)) =
        input.r#type.as_ref().and_then(|t| t.value.as_ref())
    else {
        return Err("is not a tensor".into());
    };
    let precision = match t.elem_type {
        Some(FLOAT) => Precision::F32,
        Some(DOUBLE) => Precision::F64,
        other => {
            return Err(format!(
                "has element type {}, expected float (1) or double (11)",
                other.unwrap_or(0)
            ))
        }
    };
    let Some(shape) = &t.shape else {
        return Err("declares no shape".into());
    };
    let dims = shape
        .dim
        .iter()
        .map(|d| match &d.value {
            Some(dimension::Value::DimValue(v)) if *v > 0 => *v as usize,
            other => {
                log::info!("taking the dynamic input dimension {other:?} as 1");
                1
            }
        })
        .collect();
    Ok((dims, precision))
}
