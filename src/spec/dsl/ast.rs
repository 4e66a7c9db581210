//! The syntax tree of a `.vera` file, as written (names unresolved, numbers exact).

use super::diagnostic::Span;
use num_rational::BigRational;

/// A name with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// Which side of the network a declaration is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Inputs,
    Outputs,
}

impl Side {
    pub fn word(self) -> &'static str {
        match self {
            Side::Inputs => "inputs",
            Side::Outputs => "outputs",
        }
    }
}

/// A string literal (a file path) with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// One top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `network NAME = "PATH"`
    Network { name: Ident, path: StrLit },
    /// `inputs a, b, c` or `outputs ...`
    Names {
        side: Side,
        names: Vec<Ident>,
        span: Span,
    },
    /// `normalize inputs mean M range R`
    Normalize {
        side: Side,
        mean: Expr,
        range: Expr,
        span: Span,
    },
    /// `let NAME = EXPR` or `let NAME = tensor "PATH"`
    Let { name: Ident, value: LetValue },
    /// `property NAME [on NET] { requires ... ensures ... }`
    Property(Block),
    /// `query NAME [on NET] { requires ... compute bounds T, ... }`
    Query(Block),
}

/// The right-hand side of a `let`.
#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    Expr(Expr),
    Tensor(StrLit),
}

/// The body of a property or a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub name: Ident,
    pub network: Option<Ident>,
    pub requires: Vec<Expr>,
    /// `ensures` formulas (properties only).
    pub ensures: Vec<Expr>,
    /// `compute bounds` targets (queries only).
    pub bounds: Vec<Expr>,
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// Comparison operators; strict ones are kept to be reported, but mean their closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
    Ne,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Le => "<=",
            CmpOp::Lt => "<",
            CmpOp::Ge => ">=",
            CmpOp::Gt => ">",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// Expressions and formulas share one tree; the checker tells numbers from formulas.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(BigRational),
    Bool(bool),
    Name(String),
    /// `base[index]`
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// `f(args)`: `argmax`, `argmin`, `ball`.
    Call {
        function: Ident,
        args: Vec<Expr>,
    },
    /// `[a, b, c]`
    Array(Vec<Expr>),
    /// `{a, b}` (classes for `argmax(y) in {...}`)
    Set(Vec<Expr>),
    Neg(Box<Expr>),
    Arith {
        op: ArithOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `a op1 b op2 c ...`: a chain means the conjunction of its links.
    Compare {
        first: Box<Expr>,
        rest: Vec<(CmpOp, Expr)>,
    },
    /// `value in set` or `value not in set`
    In {
        value: Box<Expr>,
        set: Box<Expr>,
        negated: bool,
    },
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}
