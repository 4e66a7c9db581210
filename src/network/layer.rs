//! The layer types of vera's network IR: what each step of a feed-forward network computes.

use super::matrix::Matrix;
use serde::Serialize;

/// One step of a feed-forward network, mapping a flat vector to a flat vector.
///
/// Shapes are kept for reporting and for later lowering (convolutions, pooling); the values
/// always flow as flat row-major vectors, so reshapes need no layer of their own.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub kind: LayerKind,
    /// The shape of this layer's output tensor (row-major).
    pub output_shape: Vec<usize>,
    /// Where the layer came from: ONNX node name(s) or a .nnet description, for messages.
    pub origin: String,
}

/// What a layer computes.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerKind {
    /// `y = W x + b`.
    Affine(Affine),
    /// `y_i = x_i (op) c_i` with a constant per element: normalisation, scaling, shifts.
    Elementwise(Elementwise),
    /// `y_i = max(0, x_i)`.
    Relu,
    /// `y_i = min(max(x_i, lower_i), upper_i)`: the input clipping of `.nnet` files.
    Clamp(Clamp),
    /// `y_i = +1 if x_i >= 0, else -1` (so sign(0) = +1): the binarised activation that
    /// PyTorch exports as `Where(GreaterOrEqual(x, 0), 1, -1)`. Not piecewise linear (it
    /// jumps at 0); only engines for binarised networks decide networks that have it.
    Sign,
    /// `y_i = +1 if x_i > 0, -1 if x_i < 0, 0 if x_i = 0` (ONNX `Sign`). A binarised network
    /// built on it is one only where no neuron can reach 0: its engines fold it as [`Sign`]
    /// over a box after proving that (and refuse it, naming the neuron, otherwise).
    ///
    /// [`Sign`]: LayerKind::Sign
    Signum,
    /// `y_i = round(x_i)` to the nearest integer, halves to even (ONNX `Round`): the input
    /// quantiser of binarised networks over a grid (`Div` by the step, `Round`, `Mul` by it).
    /// Not continuous; only engines for binarised networks decide networks that have it.
    Round,
}

/// A dense affine map `y = W x + b`, `W` of shape `outputs × inputs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Affine {
    pub weights: Matrix,
    pub bias: Vec<f64>,
}

/// An elementwise operation with a constant operand, `y_i = x_i (op) operand_i`.
///
/// Kept apart from [`Affine`] so that the IR says exactly what the file says: `x / 3` and
/// `x * (1/3)` are different functions in floating point, and in exact arithmetic the
/// latter is not even what the file meant.
#[derive(Debug, Clone, PartialEq)]
pub struct Elementwise {
    pub op: ElementwiseOp,
    pub operand: Vec<f64>,
}

/// The operations an [`Elementwise`] layer can apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ElementwiseOp {
    Add,
    Mul,
    Div,
}

/// Per-element clipping bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Clamp {
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

impl Layer {
    /// A layer with a flat output of `width` values, built in memory (tests, generators).
    pub fn in_memory(kind: LayerKind, width: usize) -> Layer {
        Layer {
            kind,
            output_shape: vec![width],
            origin: "memory".into(),
        }
    }

    /// Number of values this layer produces.
    pub fn output_size(&self) -> usize {
        self.output_shape.iter().product()
    }

    /// A short lowercase name of the layer kind, as `vera info` prints it.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            LayerKind::Affine(_) => "affine",
            LayerKind::Elementwise(e) => match e.op {
                ElementwiseOp::Add => "add",
                ElementwiseOp::Mul => "mul",
                ElementwiseOp::Div => "div",
            },
            LayerKind::Relu => "relu",
            LayerKind::Clamp(_) => "clamp",
            LayerKind::Sign => "sign",
            LayerKind::Signum => "signum",
            LayerKind::Round => "round",
        }
    }

    /// True for layers that are linear maps plus a constant (foldable into their neighbours).
    pub fn is_affine_like(&self) -> bool {
        matches!(self.kind, LayerKind::Affine(_) | LayerKind::Elementwise(_))
    }
}
