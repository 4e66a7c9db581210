//! Minimal adversarial L∞ perturbation: the smallest radius around a correctly classified point at which some input is misclassified, found by bisection over radii with one decision per probe.
//!
//! Local robustness is monotone in the radius ε: the clipped L∞ balls around a centre nest,
//! so if no input within ε is misclassified, none within a smaller radius is either, and a
//! misclassified input within ε stays one within every larger radius. [`MinEps::search`]
//! exploits this: radii are multiples `k·step` of a rational step (an exact grid, or a grid
//! as fine as a tolerance), probed upward `k = 1, 2, 4, 8, …` until a counterexample appears (or
//! a probe is undecided), then bisected below it; each probe gets at most half the time
//! left, so an undecided ball leaves time for the smaller ones. Each probe is one call of a
//! decision procedure on the property "some input in the ball is misclassified"
//! ([`ball::misclassification_property`]).
//!
//! # The seam: any decision procedure
//!
//! The search is generic over `decide: FnMut(&Property, &Budget) -> Result<Verdict, E>`, so
//! it does not care which engine answers. `vera robustness` passes the CLI's engine choice
//! (the auto portfolio, DPLL(T), Z3, or SAT for binarised networks). Successive probes differ
//! only in the input box (the network and the output DNF stay the same), so an incremental
//! procedure, e.g. a SAT encoding of a BNN kept between calls with the box's input
//! thresholds as assumptions, fits the same seam: a closure that owns the solver and reads
//! the box from `property.cases()[0].inputs.polytopes[0].bounds`. The search trusts the
//! procedure's `Holds`, and checks every `Violated` witness itself (replay confirmed, inside
//! the probed box), so a procedure cannot make it report a radius it has no witness for.
//!
//! ```
//! use num_rational::BigRational;
//! use vera::engine::Budget;
//! use vera::network::{Affine, Layer, LayerKind, Matrix, Network, Precision, Provenance};
//! use vera::robustness::{MinEps, Options};
//! use vera::dpllt::DplltEngine;
//! use vera::verify::verify;
//!
//! // y0 - y1 = x0 + 1/2 at centre 0: misclassified once x0 <= -1/2.
//! let weights = Matrix::from_row_major(2, 1, vec![1.0, 0.0]).unwrap();
//! let affine = LayerKind::Affine(Affine { weights, bias: vec![0.5, 0.0] });
//! let layer = Layer { kind: affine, output_shape: vec![2], origin: "doc".into() };
//! let net = Network::new(vec![1], vec![layer], vec![2], Provenance::memory(Precision::F64)).unwrap();
//! let q = |n: i64, d: i64| BigRational::new(n.into(), d.into());
//! let options = Options::stepped(q(1, 10), q(2, 1), None).unwrap();
//! let answer = MinEps::search(&net, &[q(0, 1)], 0, &options, &Budget::unlimited(), |p, b| {
//!     verify(&net, p, &DplltEngine::default(), b).map(|o| o.verdict)
//! })
//! .unwrap();
//! assert_eq!(answer.min_steps(), Some(5)); // 5 · 1/10 = 1/2
//! ```

pub mod ball;
mod center;
mod options;
mod search;

pub use ball::Clip;
pub use center::{parse_center, read_center, CenterError};
pub use options::{InvalidOptions, Options};
pub use search::{MinEps, Probe, SearchError, Status, Witness, PROBE_SHARE};
