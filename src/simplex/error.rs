//! Errors of the simplex: inputs it cannot represent and numerical breakdowns.

/// Why the simplex could not take an input or reach an answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimplexError {
    /// A bound was NaN, or a coefficient NaN or infinite.
    #[error("variable x{var}: {what} is {value}, expected a number")]
    NotANumber {
        var: usize,
        what: &'static str,
        value: f64,
    },
    /// A lower bound of +∞ or an upper bound of −∞, which no number satisfies.
    #[error("variable x{var}: bounds [{lower}, {upper}] admit no number")]
    EmptyBound { var: usize, lower: f64, upper: f64 },
    /// A variable id that this simplex did not create.
    #[error("variable x{var} does not exist (the simplex has {count} variables)")]
    UnknownVar { var: usize, count: usize },
    /// `pop` without a matching `push`.
    #[error("pop without an open level")]
    NoLevel,
    /// Rebuilding the tableau found the basis singular: rounding has broken the tableau.
    #[error("the basis is numerically singular at x{var}")]
    SingularBasis { var: usize },
    /// A violated row can only be repaired by pivots on entries too small to trust, and its
    /// bounds do not prove infeasibility either.
    #[error("row of x{var}: only pivots below the pivot tolerance remain")]
    NumericalTrouble { var: usize },
}
