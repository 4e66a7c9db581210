//! Errors from reading network files: each names the file and the line or ONNX node at fault.

use std::fmt;
use std::path::PathBuf;

/// Why a network file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: cannot read the file: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot decompress the gzip data: {source}", path.display())]
    Gzip {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: unknown network format: expected a file ending in .onnx or .nnet (optionally .gz)",
        path.display()
    )]
    UnknownFormat { path: PathBuf },
    #[error(
        "{}: raw units need the input/output normalisation that only .nnet files declare; \
         this network takes its inputs as they are",
        path.display()
    )]
    NoNormalization { path: PathBuf },
    #[error(transparent)]
    Nnet(#[from] NnetError),
    #[error(transparent)]
    Onnx(#[from] OnnxError),
}

/// A problem in a `.nnet` file, at a line and column (both 1-based).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{line}:{column}: {problem}", path.display())]
pub struct NnetError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub problem: String,
}

/// What kind of ONNX problem an [`OnnxError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnnxErrorKind {
    /// The bytes are not an ONNX model (not protobuf, truncated, empty, no graph).
    NotOnnx,
    /// An operator vera cannot lower.
    UnsupportedOperator,
    /// A supported operator used in a way vera cannot lower (attributes, dynamic operands,
    /// graph structure such as residual connections or several inputs).
    UnsupportedUse,
    /// An input name that no initializer, graph input or node provides.
    MissingValue,
    /// Shapes that do not fit the operator.
    Shape,
    /// Tensor data that is missing, of the wrong length, of an unsupported type, or not finite.
    BadTensor,
}

/// The node an ONNX error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRef {
    pub name: String,
    pub op_type: String,
}

/// A problem in an ONNX file, naming the node at fault when there is one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct OnnxError {
    pub path: PathBuf,
    pub node: Option<NodeRef>,
    pub kind: OnnxErrorKind,
    pub problem: String,
}

impl fmt::Display for OnnxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path.display())?;
        if let Some(node) = &self.node {
            let name = if node.name.is_empty() {
                "(unnamed)"
            } else {
                node.name.as_str()
            };
            write!(f, "node '{name}' ({}): ", node.op_type)?;
        }
        write!(f, "{}", self.problem)
    }
}
