//! Testing networks by concrete execution: batched activation traces of test inputs, test
//! files, coverage criteria (NC, KMNC, NBC, SNAC, TKNC, MC/DC, surprise coverage) over them,
//! test generation, mutation analysis of test suites, and the HTML report of a generation.
//!
//! The flow, as `vera test coverage` runs it and a test generator would:
//!
//! ```
//! use vera::network::{Affine, Layer, LayerKind, Matrix, Network, Precision, Provenance};
//! use vera::testing::criteria::{Criterion, NeuronCoverage, Objective};
//! use vera::testing::{Batch, Trace};
//!
//! // relu(x0 - x1), relu(x1 - x0) -> sum.
//! let layer = |kind, width| Layer { kind, output_shape: vec![width], origin: "doc".into() };
//! let w = Matrix::from_row_major(2, 2, vec![1.0, -1.0, -1.0, 1.0]).unwrap();
//! let sum = Matrix::from_row_major(1, 2, vec![1.0, 1.0]).unwrap();
//! let layers = vec![
//!     layer(LayerKind::Affine(Affine { weights: w, bias: vec![0.0, 0.0] }), 2),
//!     layer(LayerKind::Relu, 2),
//!     layer(LayerKind::Affine(Affine { weights: sum, bias: vec![0.0] }), 1),
//! ];
//! let net = Network::new(vec![2], layers, vec![1], Provenance::memory(Precision::F32)).unwrap();
//!
//! let mut nc = NeuronCoverage::new(&net.relu_layer_widths());
//! let tests = Batch::from_rows(2, &[vec![1.0, 0.0]]).unwrap();
//! nc.update(&Trace::run(&net, &tests).unwrap());
//! assert_eq!((nc.count().covered, nc.count().total), (1, 2));
//! // A generator picks an open objective, makes a test for it, and updates the coverage.
//! let Objective::Neuron(open) = nc.uncovered()[0] else { unreachable!() };
//! assert_eq!((open.layer, open.index), (0, 1));
//! nc.update(&Trace::run(&net, &Batch::from_rows(2, &[vec![0.0, 1.0]]).unwrap()).unwrap());
//! assert!(nc.uncovered().is_empty());
//! ```
//!
//! - [`Batch`]: tests × values, f32; [`tests_file`] reads and writes it as a test file.
//! - [`Trace::run`]: a batch through a network; per hidden (ReLU) layer `u` and `v`, and the
//!   outputs, as batches.
//! - [`criteria`]: one struct per criterion, built for the network's hidden widths (and a
//!   [`criteria::Profile`] of `[low, high]` per neuron where needed), updated incrementally.

mod batch;
pub mod criteria;
pub mod generate;
pub mod image;
pub mod mutate;
pub mod report;
pub mod tests_file;
mod trace;

pub use batch::Batch;
pub use trace::{LayerTrace, Trace, TraceError};
