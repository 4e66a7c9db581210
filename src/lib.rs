//! vera: a formal verifier for deep neural networks.
//!
//! The library reads networks into one IR ([`network::Network`]) and evaluates them
//! concretely in f32 (as onnxruntime computes), f64 or exact rationals; engines and
//! properties build on it.
//!
//! ```
//! use vera::network::{Affine, Format, Layer, LayerKind, Matrix, Network, Precision, Provenance, Units};
//!
//! // y = relu(x0 - x1) + 1, built in memory (files go through `vera::network::load`).
//! let layer = |kind, width| Layer { kind, output_shape: vec![width], origin: "doc".into() };
//! let weights = Matrix::from_row_major(1, 2, vec![1.0, -1.0]).unwrap();
//! let plus_one = Matrix::from_row_major(1, 1, vec![1.0]).unwrap();
//! let layers = vec![
//!     layer(LayerKind::Affine(Affine { weights, bias: vec![0.0] }), 1),
//!     layer(LayerKind::Relu, 1),
//!     layer(LayerKind::Affine(Affine { weights: plus_one, bias: vec![1.0] }), 1),
//! ];
//! let provenance = Provenance {
//!     path: None, format: Format::Memory, precision: Precision::F64, opset: None,
//!     input_name: "x".into(), output_name: "y".into(), normalization: None,
//!     units: Units::Normalized,
//! };
//! let net = Network::new(vec![2], layers, vec![1], provenance).unwrap();
//! assert_eq!(net.num_relus(), 1);
//! assert_eq!(net.eval(&[3.0f64, 1.0]).unwrap(), vec![3.0]);
//! let (_, pattern) = net.eval_traced(&[0.0f32, 1.0]).unwrap();
//! assert_eq!(pattern.layers, vec![vec![false]]);
//! ```

pub mod bnn;
pub mod bnn_sat;
pub mod bnn_z3;
pub mod bounds;
pub mod cli;
pub mod dpllt;
pub mod engine;
pub mod exact;
pub mod falsify;
pub mod network;
pub mod query;
pub mod replay;
pub mod robustness;
pub mod simplex;
pub mod smt_z3;
pub mod spec;
pub mod testing;
pub mod verify;

/// ONNX protobuf types, generated from `proto/onnx.proto` by build.rs.
#[allow(clippy::all, missing_docs)]
pub(crate) mod onnx_proto {
    include!(concat!(env!("OUT_DIR"), "/onnx.rs"));
}
