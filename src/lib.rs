//! vera: a formal verifier for deep neural networks.
//!
//! The library reads networks into one IR ([`network::Network`]) and evaluates them
//! concretely; engines and properties build on it.

pub mod cli;
pub mod exact;
pub mod network;

/// ONNX protobuf types, generated from `proto/onnx.proto` by build.rs.
#[allow(clippy::all, missing_docs)]
pub(crate) mod onnx_proto {
    include!(concat!(env!("OUT_DIR"), "/onnx.rs"));
}
