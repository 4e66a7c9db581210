//! Names, shapes and linearity: expressions of the syntax tree evaluated, in one network's
//! scope, into linear expressions over its inputs and outputs and into formulas.

use super::ast::{ArithOp, CmpOp, Expr, ExprKind, Ident};
use super::diagnostic::{closest, Diagnostic, Span};
use super::formula::{Atom, Extreme, Formula, LinExpr, Rel, Var};
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use std::collections::HashMap;

/// The largest vector an L1 ball may constrain: an L1 ball over `n` values is the
/// intersection of `2^n` half-spaces (the property IR has no auxiliary variables).
pub const MAX_L1_DIMENSION: usize = 10;

/// Built-in functions, for suggestions.
const FUNCTIONS: [&str; 3] = ["argmax", "argmin", "ball"];

/// Norms a ball may use, for suggestions.
const NORMS: [&str; 3] = ["linf", "l1", "l2"];

/// A `let` constant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Const {
    Scalar(BigRational),
    Tensor(Vec<BigRational>),
}

/// The network an expression is about: its size and the names of its variables.
#[derive(Debug, Clone, Copy)]
pub struct Dims<'a> {
    pub network: &'a str,
    pub num_inputs: usize,
    pub num_outputs: usize,
    pub input_names: &'a [Ident],
    pub output_names: &'a [Ident],
}

/// Everything a name can refer to while checking one item.
pub struct Scope<'a> {
    pub source: &'a str,
    pub constants: &'a HashMap<String, Const>,
    /// `None` while evaluating constants (`let`, `normalize`), where variables are not allowed.
    pub dims: Option<Dims<'a>>,
}

/// What an expression evaluates to.
#[derive(Debug, Clone)]
pub enum Value {
    Lin(LinExpr),
    Vector(Vec<LinExpr>),
    Formula(Formula),
    /// `argmax(y)` or `argmin(y)`.
    Arg(Extreme),
    Ball {
        center: Vec<BigRational>,
        norm: Norm,
        radius: BigRational,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    Linf,
    L1,
}

type Checked<T> = Result<T, Diagnostic>;

impl Value {
    fn describe(&self) -> &'static str {
        match self {
            Value::Lin(_) => "a number",
            Value::Vector(_) => "a vector",
            Value::Formula(_) => "a condition",
            Value::Arg(_) => "an `argmax`/`argmin`",
            Value::Ball { .. } => "a ball",
        }
    }
}

impl Scope<'_> {
    fn text(&self, span: Span) -> &str {
        self.source.get(span.start..span.end).unwrap_or("")
    }

    /// Evaluates a condition (`requires`, `ensures`, operands of `and`/`or`/`not`).
    pub fn formula(&self, e: &Expr) -> Checked<Formula> {
        match self.value(e)? {
            Value::Formula(f) => Ok(f),
            other => Err(Diagnostic::at(
                e.span,
                format!("expected a condition, found {}", other.describe()),
                "this is not true or false; compare it with something, e.g. `<= 1`",
            )),
        }
    }

    /// Evaluates a scalar or a vector of linear expressions.
    pub fn linear(&self, e: &Expr) -> Checked<Vec<LinExpr>> {
        match self.value(e)? {
            Value::Lin(l) => Ok(vec![l]),
            Value::Vector(v) => Ok(v),
            other => Err(Diagnostic::at(
                e.span,
                format!("expected a number or a vector, found {}", other.describe()),
                "expected a number or a vector",
            )),
        }
    }

    /// Evaluates a constant: one number or a vector of numbers, no variable.
    pub fn constant(&self, e: &Expr) -> Checked<Vec<BigRational>> {
        self.linear(e)?
            .into_iter()
            .map(|l| match l.as_constant() {
                Some(c) => Ok(c.clone()),
                None => Err(Diagnostic::at(
                    e.span,
                    "expected a constant",
                    "this depends on the network's inputs or outputs",
                )),
            })
            .collect()
    }

    fn scalar_constant(&self, e: &Expr, what: &str) -> Checked<BigRational> {
        match self.value(e)? {
            Value::Lin(l) if l.as_constant().is_some() => Ok(l.constant),
            _ => Err(Diagnostic::at(
                e.span,
                format!("{what} must be a constant number"),
                "expected a constant number",
            )),
        }
    }

    pub fn value(&self, e: &Expr) -> Checked<Value> {
        match &e.kind {
            ExprKind::Number(n) => Ok(Value::Lin(LinExpr::constant(n.clone()))),
            ExprKind::Bool(b) => Ok(Value::Formula(Formula::Const(*b))),
            ExprKind::Name(name) => self.name(name, e.span),
            ExprKind::Index { base, index } => self.index(base, index, e.span),
            ExprKind::Call { function, args } => self.call(function, args, e.span),
            ExprKind::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(self.linear(item)?);
                }
                Ok(Value::Vector(out))
            }
            ExprKind::Set(_) => Err(Diagnostic::at(
                e.span,
                "a set `{...}` can only follow `argmax(y) in` or `argmin(y) in`",
                "unexpected set",
            )),
            ExprKind::Neg(inner) => {
                let minus_one = BigRational::from_integer((-1).into());
                self.map_linear(inner, |l| l.scaled(&minus_one))
            }
            ExprKind::Arith { op, lhs, rhs } => self.arith(*op, lhs, rhs, e.span),
            ExprKind::Compare { first, rest } => {
                let mut links = Vec::new();
                let mut left = first.as_ref();
                for (op, right) in rest {
                    links.push(self.compare(left, *op, right)?);
                    left = right;
                }
                Ok(Value::Formula(conjunction(links)))
            }
            ExprKind::In {
                value,
                set,
                negated,
            } => {
                let f = self.membership(value, set, e.span)?;
                Ok(Value::Formula(if *negated {
                    Formula::Not(Box::new(f))
                } else {
                    f
                }))
            }
            ExprKind::Not(inner) => {
                Ok(Value::Formula(Formula::Not(Box::new(self.formula(inner)?))))
            }
            ExprKind::And(a, b) => Ok(Value::Formula(Formula::And(vec![
                self.formula(a)?,
                self.formula(b)?,
            ]))),
            ExprKind::Or(a, b) => Ok(Value::Formula(Formula::Or(vec![
                self.formula(a)?,
                self.formula(b)?,
            ]))),
        }
    }

    fn map_linear(&self, e: &Expr, f: impl Fn(LinExpr) -> LinExpr) -> Checked<Value> {
        match self.value(e)? {
            Value::Lin(l) => Ok(Value::Lin(f(l))),
            Value::Vector(v) => Ok(Value::Vector(v.into_iter().map(f).collect())),
            other => Err(Diagnostic::at(
                e.span,
                format!("expected a number or a vector, found {}", other.describe()),
                "arithmetic needs numbers",
            )),
        }
    }

    fn name(&self, name: &str, span: Span) -> Checked<Value> {
        if let Some(dims) = &self.dims {
            match name {
                "x" => {
                    return Ok(Value::Vector(
                        (0..dims.num_inputs)
                            .map(|i| LinExpr::var(Var::Input(i)))
                            .collect(),
                    ))
                }
                "y" => {
                    return Ok(Value::Vector(
                        (0..dims.num_outputs)
                            .map(|j| LinExpr::var(Var::Output(j)))
                            .collect(),
                    ))
                }
                _ => {}
            }
            if let Some(i) = dims.input_names.iter().position(|n| n.name == name) {
                return Ok(Value::Lin(LinExpr::var(Var::Input(i))));
            }
            if let Some(j) = dims.output_names.iter().position(|n| n.name == name) {
                return Ok(Value::Lin(LinExpr::var(Var::Output(j))));
            }
        } else if matches!(name, "x" | "y") {
            return Err(Diagnostic::at(
                span,
                format!("`{name}` is not a constant"),
                "constants cannot depend on the network",
            ));
        }
        match self.constants.get(name) {
            Some(Const::Scalar(c)) => Ok(Value::Lin(LinExpr::constant(c.clone()))),
            Some(Const::Tensor(t)) => Ok(Value::Vector(
                t.iter().cloned().map(LinExpr::constant).collect(),
            )),
            None => Err(self.unknown_name(name, span)),
        }
    }

    fn unknown_name(&self, name: &str, span: Span) -> Diagnostic {
        let mut known: Vec<&str> = self.constants.keys().map(String::as_str).collect();
        if let Some(dims) = &self.dims {
            known.extend(["x", "y"]);
            known.extend(dims.input_names.iter().map(|n| n.name.as_str()));
            known.extend(dims.output_names.iter().map(|n| n.name.as_str()));
        }
        known.sort_unstable();
        let d = Diagnostic::at(span, format!("unknown name `{name}`"), "not defined");
        match closest(name, known) {
            Some(s) => d.with_note(format!("did you mean `{s}`?")),
            None => d,
        }
    }

    fn index(&self, base: &Expr, index: &Expr, span: Span) -> Checked<Value> {
        let items = match self.value(base)? {
            Value::Vector(v) => v,
            other => {
                return Err(Diagnostic::at(
                    base.span,
                    format!("cannot index {}", other.describe()),
                    "only vectors can be indexed",
                ))
            }
        };
        let k = self.index_number(index)?;
        match items.get(k) {
            Some(item) => Ok(Value::Lin(item.clone())),
            None => Err(self.out_of_range(base, k, items.len(), index.span.to(span))),
        }
    }

    /// A non-negative integer constant.
    fn index_number(&self, index: &Expr) -> Checked<usize> {
        let value = self.scalar_constant(index, "an index")?;
        value
            .is_integer()
            .then(|| value.to_integer().to_usize())
            .flatten()
            .ok_or_else(|| {
                Diagnostic::at(
                    index.span,
                    format!(
                        "index `{}` is not a whole number >= 0",
                        self.text(index.span)
                    ),
                    "expected 0, 1, 2, ...",
                )
            })
    }

    fn out_of_range(&self, base: &Expr, k: usize, len: usize, span: Span) -> Diagnostic {
        let network = self.dims.map_or("", |d| d.network);
        let last = len.saturating_sub(1);
        match &base.kind {
            ExprKind::Name(n) if n == "y" => Diagnostic::at(
                span,
                format!("output index {k} is out of range"),
                format!("network `{network}` has {len} outputs: y[0] .. y[{last}]"),
            ),
            ExprKind::Name(n) if n == "x" => Diagnostic::at(
                span,
                format!("input index {k} is out of range"),
                format!("network `{network}` has {len} inputs: x[0] .. x[{last}]"),
            ),
            _ => Diagnostic::at(
                span,
                format!("index {k} is out of range"),
                format!("`{}` has {len} elements", self.text(base.span)),
            ),
        }
    }

    fn call(&self, function: &Ident, args: &[Expr], span: Span) -> Checked<Value> {
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(Diagnostic::at(
                    span,
                    format!(
                        "`{}` takes {n} argument{}, found {}",
                        function.name,
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                    format!("expected {n}"),
                ))
            }
        };
        match function.name.as_str() {
            f @ ("argmax" | "argmin") => {
                arity(1)?;
                if !matches!(&args[0].kind, ExprKind::Name(n) if n == "y") || self.dims.is_none() {
                    return Err(Diagnostic::at(
                        args[0].span,
                        format!("`{f}` applies to the output vector `y` only"),
                        "expected `y`",
                    ));
                }
                Ok(Value::Arg(if f == "argmax" {
                    Extreme::Max
                } else {
                    Extreme::Min
                }))
            }
            "ball" => {
                arity(3)?;
                let center = self
                    .linear(&args[0])?
                    .into_iter()
                    .map(|l| l.as_constant().cloned())
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        Diagnostic::at(
                            args[0].span,
                            "the ball's centre must be a constant vector",
                            "this depends on the network's inputs or outputs",
                        )
                    })?;
                let norm = match &args[1].kind {
                    ExprKind::Name(n) if n == "linf" => Norm::Linf,
                    ExprKind::Name(n) if n == "l1" => Norm::L1,
                    ExprKind::Name(n) if n == "l2" => {
                        return Err(Diagnostic::at(
                            args[1].span,
                            "L2 balls are not supported",
                            "no engine in vera can check this quadratic constraint",
                        )
                        .with_note("use `linf` (a box) or `l1` (a polytope)"))
                    }
                    ExprKind::Name(n) => {
                        let d = Diagnostic::at(
                            args[1].span,
                            format!("unknown norm `{n}`"),
                            "expected `linf`, `l1` or `l2`",
                        );
                        return Err(match closest(n, NORMS) {
                            Some(s) => d.with_note(format!("did you mean `{s}`?")),
                            None => d,
                        });
                    }
                    _ => {
                        return Err(Diagnostic::at(
                            args[1].span,
                            "expected a norm",
                            "expected `linf`, `l1` or `l2`",
                        ))
                    }
                };
                let radius = self.scalar_constant(&args[2], "the ball's radius")?;
                if radius.is_negative() {
                    return Err(Diagnostic::at(
                        args[2].span,
                        "the ball's radius is negative",
                        "expected a radius >= 0",
                    ));
                }
                Ok(Value::Ball {
                    center,
                    norm,
                    radius,
                })
            }
            other => {
                let d = Diagnostic::at(
                    function.span,
                    format!("unknown function `{other}`"),
                    "expected `argmax`, `argmin` or `ball`",
                );
                Err(match closest(other, FUNCTIONS) {
                    Some(s) => d.with_note(format!("did you mean `{s}`?")),
                    None => d,
                })
            }
        }
    }

    fn arith(&self, op: ArithOp, lhs: &Expr, rhs: &Expr, span: Span) -> Checked<Value> {
        let left = self.linear_operand(lhs)?;
        let right = self.linear_operand(rhs)?;
        let (l, r, vector) = broadcast(left, right).ok_or_else(|| {
            Diagnostic::at(
                span,
                "vectors of different lengths",
                format!(
                    "`{}` and `{}` have different lengths",
                    self.text(lhs.span),
                    self.text(rhs.span)
                ),
            )
        })?;
        let mut out = Vec::with_capacity(l.len());
        for (a, b) in l.into_iter().zip(r) {
            out.push(match op {
                ArithOp::Add => a.plus(&b, 1),
                ArithOp::Sub => a.plus(&b, -1),
                ArithOp::Mul => {
                    match (a.as_constant(), b.as_constant()) {
                        (Some(c), _) => b.scaled(&c.clone()),
                        (_, Some(c)) => a.scaled(&c.clone()),
                        (None, None) => return Err(Diagnostic::at(
                            span,
                            format!("non-linear term `{}`", self.text(span)),
                            "this multiplies two variables",
                        )
                        .with_note(
                            "vera checks linear properties: multiply variables by constants only",
                        )),
                    }
                }
                ArithOp::Div => match b.as_constant() {
                    Some(c) if c.is_zero() => {
                        return Err(Diagnostic::at(rhs.span, "division by zero", "this is 0"))
                    }
                    Some(c) => a.scaled(&c.recip()),
                    None => {
                        return Err(Diagnostic::at(
                            span,
                            format!("non-linear term `{}`", self.text(span)),
                            "this divides by a variable",
                        )
                        .with_note("vera checks linear properties: divide by constants only"))
                    }
                },
            });
        }
        Ok(if vector {
            Value::Vector(out)
        } else {
            Value::Lin(out.remove(0))
        })
    }

    fn linear_operand(&self, e: &Expr) -> Checked<Operand> {
        match self.value(e)? {
            Value::Lin(l) => Ok(Operand::Scalar(l)),
            Value::Vector(v) => Ok(Operand::Vector(v)),
            other => Err(Diagnostic::at(
                e.span,
                format!("expected a number or a vector, found {}", other.describe()),
                "expected a number or a vector",
            )),
        }
    }

    /// One link `left op right` of a comparison chain.
    fn compare(&self, left: &Expr, op: CmpOp, right: &Expr) -> Checked<Formula> {
        let span = left.span.to(right.span);
        let (lv, rv) = (self.value(left)?, self.value(right)?);
        let arg = match (&lv, &rv) {
            (Value::Arg(e), _) => Some((*e, right)),
            (_, Value::Arg(e)) => Some((*e, left)),
            _ => None,
        };
        if let Some((extreme, class)) = arg {
            let k = self.class(class)?;
            let classes = match op {
                CmpOp::Eq => vec![k],
                CmpOp::Ne => (0..self.num_outputs()).filter(|&j| j != k).collect(),
                _ => {
                    return Err(Diagnostic::at(
                        span,
                        format!("`{}` cannot compare a class", op.symbol()),
                        "use `==`, `!=` or `in {...}` with argmax and argmin",
                    ))
                }
            };
            return Ok(Formula::ArgIn {
                extreme,
                classes,
                num_outputs: self.num_outputs(),
                span,
            });
        }
        let as_operand = |v: Value, e: &Expr| match v {
            Value::Lin(l) => Ok(Operand::Scalar(l)),
            Value::Vector(v) => Ok(Operand::Vector(v)),
            other => Err(Diagnostic::at(
                e.span,
                format!("expected a number or a vector, found {}", other.describe()),
                format!("`{}` compares numbers", op.symbol()),
            )),
        };
        let (l, r, _) =
            broadcast(as_operand(lv, left)?, as_operand(rv, right)?).ok_or_else(|| {
                Diagnostic::at(
                    span,
                    "vectors of different lengths",
                    format!(
                        "`{}` and `{}` have different lengths",
                        self.text(left.span),
                        self.text(right.span)
                    ),
                )
            })?;
        let rel = match op {
            CmpOp::Le | CmpOp::Lt => Rel::Le,
            CmpOp::Ge | CmpOp::Gt => Rel::Ge,
            CmpOp::Eq => Rel::Eq,
            CmpOp::Ne => Rel::Ne,
        };
        let atoms = l
            .into_iter()
            .zip(r)
            .map(|(a, b)| {
                Formula::Atom(Atom {
                    expr: a.plus(&b, -1),
                    rel,
                    span,
                })
            })
            .collect();
        Ok(conjunction(atoms))
    }

    fn num_outputs(&self) -> usize {
        self.dims.map_or(0, |d| d.num_outputs)
    }

    /// An output named by its declared name or by its index, for argmax comparisons.
    fn class(&self, e: &Expr) -> Checked<usize> {
        if let (ExprKind::Name(n), Some(dims)) = (&e.kind, &self.dims) {
            if let Some(j) = dims.output_names.iter().position(|o| o.name == *n) {
                return Ok(j);
            }
        }
        let k = self.index_number(e).map_err(|_| {
            Diagnostic::at(
                e.span,
                "expected an output name or index",
                "argmax and argmin compare with an output, e.g. `argmax(y) == 7`",
            )
        })?;
        let n = self.num_outputs();
        if k >= n {
            return Err(Diagnostic::at(
                e.span,
                format!("output index {k} is out of range"),
                format!(
                    "network `{}` has {n} outputs: y[0] .. y[{}]",
                    self.dims.map_or("", |d| d.network),
                    n.saturating_sub(1)
                ),
            ));
        }
        Ok(k)
    }

    /// `value in set`: argmax/argmin in a set of classes, or a vector in a ball.
    fn membership(&self, value: &Expr, set: &Expr, span: Span) -> Checked<Formula> {
        let v = self.value(value)?;
        if let Value::Arg(extreme) = v {
            let ExprKind::Set(items) = &set.kind else {
                return Err(Diagnostic::at(
                    set.span,
                    "expected a set of outputs, e.g. `{coc, weak_left}`",
                    "expected `{...}`",
                ));
            };
            let mut classes = items
                .iter()
                .map(|c| self.class(c))
                .collect::<Checked<Vec<_>>>()?;
            classes.sort_unstable();
            classes.dedup();
            return Ok(Formula::ArgIn {
                extreme,
                classes,
                num_outputs: self.num_outputs(),
                span,
            });
        }
        let values = match v {
            Value::Lin(l) => vec![l],
            Value::Vector(v) => v,
            other => {
                return Err(Diagnostic::at(
                    value.span,
                    format!("expected a vector, found {}", other.describe()),
                    "`in` takes a vector and a ball, or argmax/argmin and a set",
                ))
            }
        };
        let Value::Ball {
            center,
            norm,
            radius,
        } = self.value(set)?
        else {
            return Err(Diagnostic::at(
                set.span,
                "expected a ball, e.g. `ball(x0, linf, 0.03)`",
                "expected `ball(...)`",
            ));
        };
        if center.len() != values.len() {
            return Err(Diagnostic::at(
                set.span,
                format!(
                    "the ball's centre has {} values, but `{}` has {}",
                    center.len(),
                    self.text(value.span),
                    values.len()
                ),
                format!("expected a centre of {} values", values.len()),
            ));
        }
        ball(&values, &center, norm, &radius, span, value.span)
    }
}

/// A scalar or vector operand of arithmetic or comparison.
enum Operand {
    Scalar(LinExpr),
    Vector(Vec<LinExpr>),
}

/// Both operands as equally long vectors (a scalar repeats), and whether either was a vector;
/// `None` when two vectors differ in length.
fn broadcast(a: Operand, b: Operand) -> Option<(Vec<LinExpr>, Vec<LinExpr>, bool)> {
    match (a, b) {
        (Operand::Scalar(a), Operand::Scalar(b)) => Some((vec![a], vec![b], false)),
        (Operand::Scalar(a), Operand::Vector(b)) => Some((vec![a; b.len()], b, true)),
        (Operand::Vector(a), Operand::Scalar(b)) => {
            let n = a.len();
            Some((a, vec![b; n], true))
        }
        (Operand::Vector(a), Operand::Vector(b)) => (a.len() == b.len()).then_some((a, b, true)),
    }
}

fn conjunction(mut parts: Vec<Formula>) -> Formula {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        Formula::And(parts)
    }
}

/// `values` within `radius` of `center`: per-element bounds for L∞; for L1 the same bounds
/// (implied, and what engines use to bound the search) and every facet
/// `sum_i s_i (v_i - c_i) <= radius`, `s` in {-1, 1}^n.
fn ball(
    values: &[LinExpr],
    center: &[BigRational],
    norm: Norm,
    radius: &BigRational,
    span: Span,
    value_span: Span,
) -> Checked<Formula> {
    let offsets: Vec<LinExpr> = values
        .iter()
        .zip(center)
        .map(|(v, c)| v.clone().plus(&LinExpr::constant(c.clone()), -1))
        .collect();
    let atom = |expr: LinExpr, rel| Formula::Atom(Atom { expr, rel, span });
    let minus_r = LinExpr::constant(-radius.clone());
    let mut parts: Vec<Formula> = offsets
        .iter()
        .flat_map(|d| {
            [
                atom(d.clone().plus(&minus_r, 1), Rel::Le),
                atom(d.clone().plus(&minus_r, -1), Rel::Ge),
            ]
        })
        .collect();
    if norm == Norm::L1 && offsets.len() > 1 {
        if offsets.len() > MAX_L1_DIMENSION {
            return Err(Diagnostic::at(
                value_span,
                format!(
                    "an L1 ball over {} values needs 2^{} linear constraints",
                    offsets.len(),
                    offsets.len()
                ),
                format!("vera supports L1 balls over at most {MAX_L1_DIMENSION} values"),
            )
            .with_note("use `linf`, or an L1 ball over a few named inputs, e.g. `[a, b] in ball([0, 0], l1, 1)`"));
        }
        let one = BigRational::from_integer(1.into());
        for signs in 0u32..(1 << offsets.len()) {
            let mut sum = minus_r.clone();
            for (i, d) in offsets.iter().enumerate() {
                let s = if signs & (1 << i) == 0 {
                    one.clone()
                } else {
                    -one.clone()
                };
                sum = sum.plus(&d.clone().scaled(&s), 1);
            }
            parts.push(atom(sum, Rel::Le));
        }
    }
    Ok(conjunction(parts))
}
