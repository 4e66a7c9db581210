//! Errors from reading VNN-LIB: each names the file, the line and column, and what was expected.

use std::path::PathBuf;

/// A 1-based line and column (in characters) in a VNN-LIB text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Why a VNN-LIB file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VnnlibError {
    #[error("{}: cannot read the file: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot decompress the gzip data: {source}", path.display())]
    Gzip {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A problem at a place in the text.
    #[error("{}:{}:{}: {kind}", path.display(), at.line, at.column)]
    Invalid {
        path: PathBuf,
        at: Position,
        kind: ErrorKind,
    },
}

impl VnnlibError {
    /// The kind of problem, for errors found in the text.
    pub fn kind(&self) -> Option<&ErrorKind> {
        match self {
            VnnlibError::Invalid { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// Where the problem is, for errors found in the text.
    pub fn position(&self) -> Option<Position> {
        match self {
            VnnlibError::Invalid { at, .. } => Some(*at),
            _ => None,
        }
    }
}

/// What is wrong at a [`Position`] of a VNN-LIB text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error("the text is not valid UTF-8")]
    NotUtf8,
    #[error("unbalanced `)`: no `(` is open here")]
    UnbalancedClose,
    #[error(
        "unterminated form: this `(` is never closed (expected `)` before the end of the file)"
    )]
    Unterminated,
    #[error("forms nest deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error(
        "bad number `{0}`: expected a decimal such as `-0.5`, `1e-3` or `-2.5E+2`, or a fraction `p/q`"
    )]
    BadNumber(String),
    #[error("cannot declare `{0}`: expected a name `X_<n>` (input n) or `Y_<n>` (output n)")]
    BadName(String),
    #[error("`{name}` is declared of sort `{sort}`: expected `Real`")]
    BadSort { name: String, sort: String },
    #[error("`{name}` is declared twice (first at {}:{})", first.line, first.column)]
    Redeclared { name: String, first: Position },
    #[error("`{0}` is not a declared variable: expected a number, a variable declared earlier with `(declare-const {0} Real)`, or a form")]
    Undeclared(String),
    #[error("`{name}` is out of range: the network has {count} {what}s, so `{prefix}` indices must be below {count}")]
    IndexOutOfRange {
        name: String,
        count: usize,
        what: &'static str,
        prefix: &'static str,
    },
    #[error("`{missing}` is not declared but `{declared}` is: expected indices 0, 1, 2, ... without gaps")]
    IndexGap { missing: String, declared: String },
    #[error("the file declares {declared} {what}s but the network has {expected}")]
    CountMismatch {
        what: &'static str,
        declared: usize,
        expected: usize,
    },
    #[error("unsupported operator `{0}`: expected `and`, `or`, `<=`, `>=`, `<`, `>` in formulas and `+`, `-`, `*`, `/` in terms")]
    UnsupportedOperator(String),
    #[error("unsupported command `{0}`: expected `declare-const` or `assert`")]
    UnsupportedCommand(String),
    #[error("a product of two variables is not linear: expected `(* c X_i)` with a constant `c`")]
    NonLinear,
    #[error("a division by a variable is not linear: expected `(/ term c)` with a constant `c`")]
    DivisionByVariable,
    #[error("division by zero")]
    DivisionByZero,
    #[error("the atom relates inputs (X) and outputs (Y): vera supports atoms over inputs only or over outputs only")]
    MixedAtom,
    #[error("`{operator}` takes {expected}, found {found}")]
    Arity {
        operator: String,
        expected: &'static str,
        found: usize,
    },
    #[error("expected {expected}, found {found}")]
    Expected {
        expected: &'static str,
        found: String,
    },
    #[error("the disjunctive normal form has more than {limit} {what}: split the property into several files")]
    DnfTooLarge { what: &'static str, limit: usize },
}

/// An [`ErrorKind`] at a position, before the file name is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Located {
    pub at: Position,
    pub kind: ErrorKind,
}

impl Located {
    pub fn new(at: Position, kind: ErrorKind) -> Located {
        Located { at, kind }
    }
}
