//! The Z3 backend: a query's exact semantics in linear real arithmetic, for Z3 to decide.
//!
//! Every weight and constant is an exact rational (an f32/f64 weight is a dyadic rational, a
//! VNN-LIB decimal is read exactly), so the encoding is the network's function over the reals
//! with no rounding; witnesses come back as exact rationals. Also vera's differential oracle.

mod encode;
mod engine;
mod numeral;

pub use encode::encode_query;
pub use engine::Z3Engine;
pub(crate) use engine::{check_cancellable, limit_time, unknown_reason};
pub use numeral::{rational_from_z3, real_from_rational};
