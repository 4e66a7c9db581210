//! vera's network IR: a feed-forward network as a sequence of typed layers, and its readers.

mod error;
mod eval;
mod fold;
mod layer;
mod load;
mod matrix;
mod nnet;
mod onnx;

pub use error::{LoadError, NnetError, OnnxError};
pub use eval::{ActivationPattern, EvalError, Scalar};
pub use layer::{Affine, Clamp, Elementwise, ElementwiseOp, Layer, LayerKind};
pub use load::{load, load_with, LoadOptions, Units};
pub use matrix::Matrix;

use serde::Serialize;
use std::path::PathBuf;

/// The number format a network's file stores its weights and activations in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F32,
    F64,
}

/// The file format a network was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Onnx,
    Nnet,
    /// Built in memory (tests, generators).
    Memory,
}

/// Input normalisation and output scaling that a `.nnet` file declares.
///
/// The network proper works on normalised values; a raw input `x` becomes
/// `(clamp(x, input_min, input_max) - input_mean) / input_range`, and a normalised output `y`
/// means `y * output_range + output_mean` in raw units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Normalization {
    pub input_min: Vec<f64>,
    pub input_max: Vec<f64>,
    pub input_mean: Vec<f64>,
    pub input_range: Vec<f64>,
    pub output_mean: f64,
    pub output_range: f64,
}

/// Where a network came from and how its numbers are stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    pub path: Option<PathBuf>,
    pub format: Format,
    pub precision: Precision,
    /// ONNX default-domain opset, when read from ONNX.
    pub opset: Option<i64>,
    pub input_name: String,
    pub output_name: String,
    /// Normalisation metadata (`.nnet` only); see [`Units`].
    pub normalization: Option<Normalization>,
    /// The units of the network's inputs and outputs.
    pub units: Units,
}

impl Provenance {
    /// The provenance of a network built in memory (tests, generators), evaluated natively in
    /// `precision`.
    pub fn memory(precision: Precision) -> Provenance {
        Provenance {
            path: None,
            format: Format::Memory,
            precision,
            opset: None,
            input_name: "x".into(),
            output_name: "y".into(),
            normalization: None,
            units: Units::Normalized,
        }
    }
}

/// A feed-forward network: an input shape and a sequence of layers.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    input_shape: Vec<usize>,
    output_shape: Vec<usize>,
    layers: Vec<Layer>,
    provenance: Provenance,
}

/// Why a network could not be built from layers: sizes that do not chain, or constants that
/// are not finite (or a division by zero), which no evaluation could give a meaning to.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("layer {index} ({origin}): {problem}")]
pub struct InvalidNetwork {
    pub index: usize,
    pub origin: String,
    pub problem: String,
}

impl Network {
    /// A network from its layers, checking that every layer's input size is the previous
    /// layer's output size and that the constants have matching lengths.
    pub fn new(
        input_shape: Vec<usize>,
        layers: Vec<Layer>,
        output_shape: Vec<usize>,
        provenance: Provenance,
    ) -> Result<Network, InvalidNetwork> {
        let mut width: usize = input_shape.iter().product();
        for (index, layer) in layers.iter().enumerate() {
            let out = layer.output_size();
            let fail = |problem: String| InvalidNetwork {
                index,
                origin: layer.origin.clone(),
                problem,
            };
            if let Some(problem) = non_finite_constant(&layer.kind) {
                return Err(fail(problem));
            }
            match &layer.kind {
                LayerKind::Affine(a) => {
                    if a.weights.cols() != width {
                        return Err(fail(format!(
                            "weights take {} inputs but the layer receives {width}",
                            a.weights.cols()
                        )));
                    }
                    if a.weights.rows() != out || a.bias.len() != out {
                        return Err(fail(format!(
                            "weights give {} outputs and bias {} but the shape says {out}",
                            a.weights.rows(),
                            a.bias.len()
                        )));
                    }
                }
                LayerKind::Elementwise(e) => {
                    if e.operand.len() != width || out != width {
                        return Err(fail(format!(
                            "operand has {} values for {width} inputs and {out} outputs",
                            e.operand.len()
                        )));
                    }
                }
                LayerKind::Clamp(c) => {
                    if c.lower.len() != width || c.upper.len() != width || out != width {
                        return Err(fail(format!("clamp bounds do not match width {width}")));
                    }
                    if let Some(i) = (0..width).find(|&i| {
                        c.lower[i]
                            .partial_cmp(&c.upper[i])
                            .is_none_or(|o| o.is_gt())
                    }) {
                        return Err(fail(format!(
                            "clamp of value {i} has lower bound {} above upper bound {}",
                            c.lower[i], c.upper[i]
                        )));
                    }
                }
                LayerKind::Relu | LayerKind::Sign | LayerKind::Signum | LayerKind::Round => {
                    if out != width {
                        let kind = layer.kind_name();
                        return Err(fail(format!("{kind} maps {width} values to {out}")));
                    }
                }
            }
            width = out;
        }
        let declared: usize = output_shape.iter().product();
        if declared != width {
            return Err(InvalidNetwork {
                index: layers.len(),
                origin: "output".into(),
                problem: format!(
                    "output shape {output_shape:?} has {declared} values but the last layer gives {width}"
                ),
            });
        }
        Ok(Network {
            input_shape,
            output_shape,
            layers,
            provenance,
        })
    }

    /// The layers, first to last.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Where the network came from.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    pub fn output_shape(&self) -> &[usize] {
        &self.output_shape
    }

    /// Number of input values (the product of the input shape).
    pub fn num_inputs(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Number of output values.
    pub fn num_outputs(&self) -> usize {
        self.output_shape.iter().product()
    }

    /// Number of ReLU units over all layers.
    pub fn num_relus(&self) -> usize {
        self.relu_layer_widths().iter().sum()
    }

    /// The width of every ReLU layer, in order.
    pub fn relu_layer_widths(&self) -> Vec<usize> {
        self.layers
            .iter()
            .filter(|l| matches!(l.kind, LayerKind::Relu))
            .map(Layer::output_size)
            .collect()
    }

    /// The widths of the sign (binarised) activation layers, in order.
    pub fn sign_layer_widths(&self) -> Vec<usize> {
        self.layers
            .iter()
            .filter(|l| matches!(l.kind, LayerKind::Sign | LayerKind::Signum))
            .map(Layer::output_size)
            .collect()
    }

    /// `"bnn"` when the network has sign activations (a binarised network), else
    /// `"piecewise_linear"` (affine, ReLU and clamp layers only).
    pub fn kind(&self) -> &'static str {
        if self
            .layers
            .iter()
            .any(|l| matches!(l.kind, LayerKind::Sign | LayerKind::Signum))
        {
            "bnn"
        } else {
            "piecewise_linear"
        }
    }

    /// The number of values entering layer `index` (the input width for layer 0).
    pub fn layer_input_size(&self, index: usize) -> usize {
        match index {
            0 => self.num_inputs(),
            i => self.layers[i - 1].output_size(),
        }
    }
}

/// Describes the first constant of a layer that no exact evaluation can use, if any.
pub(crate) fn non_finite_constant(kind: &LayerKind) -> Option<String> {
    let bad = |name: &str, values: &[f64]| {
        values
            .iter()
            .position(|v| !v.is_finite())
            .map(|i| format!("{name}[{i}] is {} (constants must be finite)", values[i]))
    };
    match kind {
        LayerKind::Affine(a) => {
            bad("weight", a.weights.as_slice()).or_else(|| bad("bias", &a.bias))
        }
        LayerKind::Elementwise(e) => bad("operand", &e.operand).or_else(|| {
            (e.op == ElementwiseOp::Div)
                .then(|| e.operand.iter().position(|v| *v == 0.0))
                .flatten()
                .map(|i| format!("divisor[{i}] is zero"))
        }),
        LayerKind::Clamp(c) => {
            bad("lower bound", &c.lower).or_else(|| bad("upper bound", &c.upper))
        }
        LayerKind::Relu | LayerKind::Sign | LayerKind::Signum | LayerKind::Round => None,
    }
}
