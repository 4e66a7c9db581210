//! Mutation testing of a test suite (DeepMutation, Ma et al. ISSRE'18; Shen et al.'s MuNN):
//! small faults are planted in copies of a network (mutants), and a suite's mutation score is
//! the fraction of mutants it kills — a mutant is killed when some test's label (the argmax
//! of the outputs, in f32) differs from the original network's.
//!
//! The operators ([`Operator`]) follow DeepMutation's model-level operators; `docs/testing-
//! mutation.md` gives their exact definitions. Mutants whose label differs from the
//! original's on too many reference inputs are *trivial* (any suite kills them), and mutants
//! that changed no weight are *equivalent*; both are left out of the score.
//!
//! ```
//! use vera::network::{Affine, Layer, LayerKind, Matrix, Network, Precision, Provenance};
//! use vera::testing::mutate::{analyse, generate, Judgement, MutantPlan, Operator, TestSuite};
//!
//! // y0 = relu(x0), y1 = 0.5: the label is 0 when x0 > 0.5.
//! let layer = |kind, width| Layer { kind, output_shape: vec![width], origin: "doc".into() };
//! let w1 = Matrix::from_row_major(1, 1, vec![1.0]).unwrap();
//! let w2 = Matrix::from_row_major(2, 1, vec![1.0, 0.0]).unwrap();
//! let net = Network::new(vec![1], vec![
//!     layer(LayerKind::Affine(Affine { weights: w1, bias: vec![0.0] }), 1),
//!     layer(LayerKind::Relu, 1),
//!     layer(LayerKind::Affine(Affine { weights: w2, bias: vec![0.0, 0.5] }), 2),
//! ], vec![2], Provenance::memory(Precision::F32)).unwrap();
//! let plan = MutantPlan { operators: vec![Operator::Neb], per_operator: 5, seed: 0,
//!     layers: None, parameters: Default::default() };
//! let mutants = generate(&net, &plan).unwrap();
//! assert_eq!(mutants.len(), 1); // one hidden neuron to block
//! let tests = TestSuite::new(1, vec![2.0, -1.0]).unwrap();
//! let analysis = analyse(&net, &mutants, &tests, Judgement::default());
//! assert_eq!(analysis.total.killed, 1); // x0 = 2 has label 0, and 1 once blocked
//! ```

mod batch;
mod generate;
mod operator;
mod score;
mod test_suite;

pub use batch::argmax;
pub use generate::{generate, Mutant, MutantPlan};
pub use operator::{describe_layer, Mutation, Operator, Parameters, Site};
pub use score::{analyse, Judgement, MutantOutcome, MutationAnalysis, Status, Tally};
pub use test_suite::{read_tests, TestSuite};

/// Why mutants could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MutateError {
    #[error("--layers: the network has layers 0 to {}, there is no layer {layer}", layers.saturating_sub(1))]
    NoSuchLayer { layer: usize, layers: usize },
    #[error("{description}: the mutant is not a valid network: {source}")]
    Invalid {
        description: String,
        source: crate::network::InvalidNetwork,
    },
}
