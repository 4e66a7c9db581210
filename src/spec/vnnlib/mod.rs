//! VNN-LIB: the reader and writer of the property format VNN-COMP uses.
//!
//! A VNN-LIB file declares the network's inputs `X_0, X_1, ...` and outputs `Y_0, ...` with
//! `(declare-const X_i Real)` and asserts constraints whose conjunction is the **unsafe**
//! set: a point satisfying them all is a counterexample. vera reads the subset of SMT-LIB
//! that VNN-COMP files use:
//!
//! - formulas: `and`, `or` (nested arbitrarily), `true`, `false`, and comparisons `<=`,
//!   `>=`, `<`, `>` (chains `(<= a b c)` mean `a <= b and b <= c`). **Strict comparisons are
//!   read as non-strict**: vera reasons about closed sets, which differ from the open ones
//!   only on their boundary; the reader notes it in the log.
//! - terms: numbers (`1`, `-0.5`, `1e-3`, `-2.5E+2`, and `p/q`, read exactly), declared
//!   variables, `(+ ...)`, `(- a)`, `(- a b ...)`, `(* c X_i)` / `(* X_i c)`, `(/ t c)`.
//! - an atom relates inputs only or outputs only; mixing them is an error.
//! - comments from `;` to the end of the line; SMT-LIB commands `set-logic`, `set-info`,
//!   `set-option`, `check-sat`, `get-model`, `exit` are skipped.
//!
//! Anything else (`=`, `not`, `ite`, `=>`, non-linear terms, undeclared or repeated
//! variables, gaps in indices, counts that differ from the network's) is an error naming
//! `FILE:LINE:COLUMN` and what was expected. Files may be gzip-compressed.

mod declarations;
mod error;
mod formula;
mod read;
mod sexpr;
mod term;
mod write;

pub use error::{ErrorKind, Position, VnnlibError};
pub use formula::{MAX_DNF_ATOMS, MAX_DNF_DISJUNCTS};
pub use read::{parse, read, Dimensions};
pub use sexpr::MAX_NESTING;
pub use write::write;
