//! Properties: the IR of "inputs in a region must not give unsafe outputs", its VNN-LIB reader and writer, and vera's own `.vera` language ([`dsl`]).
//!
//! A [`Property`] states its **unsafe** set, as VNN-LIB does: it holds iff no input in the
//! region gives an output in the unsafe set, and a point that does is a counterexample. The
//! IR is a list of [`Case`]s, each an [`InputRegion`] (a union of [`InputPolytope`]s: an
//! [`InputBox`] plus optional [`LinearConstraint`]s over inputs) and an [`OutputDnf`]
//! (a disjunction of [`OutputConjunction`]s of linear atoms over outputs). Constants are
//! exact rationals (`0.1` is one tenth), with f64 accessors for floating-point engines.
//!
//! Lowering: the property is violated iff one of its [`SubProblem`]s (input polytope ×
//! output conjunction, see [`Property::sub_problems`]) is satisfiable; each is one
//! conjunctive query for an engine. [`Property::check_exact`] and [`Property::check_f64`]
//! test a concrete (input, output) pair, for replaying counterexamples.
//!
//! ```
//! use vera::spec::vnnlib;
//!
//! let text = "(declare-const X_0 Real) (declare-const Y_0 Real) (declare-const Y_1 Real)
//!             (assert (>= X_0 -1)) (assert (<= X_0 1))
//!             (assert (or (>= Y_0 0.5) (<= Y_1 Y_0)))";
//! let property = vnnlib::parse(text.as_bytes(), "example.vnnlib", None).unwrap();
//! assert_eq!((property.num_inputs(), property.num_outputs()), (1, 2));
//! assert_eq!(property.sub_problems().count(), 2);
//! let text_again = vnnlib::write(&property);
//! assert_eq!(vnnlib::parse(text_again.as_bytes(), "again", None).unwrap(), property);
//! ```

mod check;
pub mod dsl;
mod input;
mod linear;
mod output;
mod property;
pub mod vnnlib;

pub use check::{CheckError, ExactMargin, PointCheck, F64_CHECK_TOLERANCE};
pub use input::{InputBox, InputPolytope, InputRegion};
pub use linear::{to_f64, InvalidConstraint, LinearConstraint, Relation};
pub use output::{OutputConjunction, OutputDnf};
pub use property::{Case, InvalidProperty, Property, SubProblem, SubProblemId};
