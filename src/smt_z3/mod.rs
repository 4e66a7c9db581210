//! The Z3 backend: a network's exact semantics in linear real arithmetic, for Z3 to decide.
//!
//! Every weight is converted to its exact rational value (an f32/f64 is a dyadic rational), so
//! the encoding is the network's function over the reals with no rounding; witnesses come back
//! as exact rationals.

mod encode;
mod numeral;
mod query;

pub use encode::{encode_network, Z3Network};
pub use numeral::{rational_from_z3, real_from_rational};
pub use query::{check_sub_problem, Z3Answer};
