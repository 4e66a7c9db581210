//! Checked formulas over the network's variables (in the spec's units), their negation and
//! their disjunctive normal form.
//!
//! Negation works over closed sets: `not (a <= b)` is `a >= b` (the closure of `a > b`), as
//! VNN-LIB and every engine in vera read strict comparisons. An equality cannot be negated
//! this way (`a != b` is open and its closure is everything), so a negated `==` is an error.

use super::diagnostic::{Diagnostic, Span};
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use std::collections::BTreeMap;

/// The most disjuncts a formula may expand to; beyond it the product of `or`s is refused.
pub const MAX_DNF_DISJUNCTS: usize = 10_000;

/// A network input `x[i]` or output `y[j]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Var {
    Input(usize),
    Output(usize),
}

/// `sum_v c_v v + constant`, exact; variables in the spec's (raw) units.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinExpr {
    pub terms: BTreeMap<Var, BigRational>,
    pub constant: BigRational,
}

impl LinExpr {
    pub fn constant(value: BigRational) -> LinExpr {
        LinExpr {
            terms: BTreeMap::new(),
            constant: value,
        }
    }

    pub fn var(v: Var) -> LinExpr {
        let mut terms = BTreeMap::new();
        terms.insert(v, BigRational::from_integer(1.into()));
        LinExpr {
            terms,
            constant: BigRational::zero(),
        }
    }

    /// The value when no variable has a non-zero coefficient.
    pub fn as_constant(&self) -> Option<&BigRational> {
        self.terms.is_empty().then_some(&self.constant)
    }

    pub fn plus(mut self, other: &LinExpr, sign: i32) -> LinExpr {
        let s = BigRational::from_integer(sign.into());
        for (v, c) in &other.terms {
            let entry = self.terms.entry(*v).or_insert_with(BigRational::zero);
            *entry += c * &s;
        }
        self.terms.retain(|_, c| !c.is_zero());
        self.constant += &other.constant * &s;
        self
    }

    pub fn scaled(mut self, factor: &BigRational) -> LinExpr {
        for c in self.terms.values_mut() {
            *c *= factor;
        }
        self.terms.retain(|_, c| !c.is_zero());
        self.constant *= factor;
        self
    }
}

/// How an atom relates its expression to zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rel {
    Le,
    Ge,
    Eq,
    Ne,
}

/// `expr rel 0`, with the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atom {
    pub expr: LinExpr,
    pub rel: Rel,
    pub span: Span,
}

/// A closed half-space `expr (<= | >=) 0`: what DNF disjuncts are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HalfSpace {
    pub expr: LinExpr,
    pub le: bool,
    pub span: Span,
}

/// Which extreme `argmax` / `argmin` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extreme {
    Max,
    Min,
}

/// A checked formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formula {
    Const(bool),
    Atom(Atom),
    /// `argmax(y)` (or `argmin`) is one of `classes` among `num_outputs` outputs: some class
    /// in the set scores at least as high (low) as every output outside it.
    ArgIn {
        extreme: Extreme,
        classes: Vec<usize>,
        num_outputs: usize,
        span: Span,
    },
    And(Vec<Formula>),
    Or(Vec<Formula>),
    Not(Box<Formula>),
}

impl Formula {
    /// Visits every variable the formula mentions, with the span that mentions it.
    pub fn for_each_var(&self, f: &mut impl FnMut(Var, Span)) {
        match self {
            Formula::Const(_) => {}
            Formula::Atom(a) => a.expr.terms.keys().for_each(|v| f(*v, a.span)),
            Formula::ArgIn { classes, span, .. } => {
                f(Var::Output(classes.first().copied().unwrap_or(0)), *span)
            }
            Formula::And(fs) | Formula::Or(fs) => fs.iter().for_each(|g| g.for_each_var(f)),
            Formula::Not(g) => g.for_each_var(f),
        }
    }
}

/// A disjunction of conjunctions of half-spaces.
pub type Dnf = Vec<Vec<HalfSpace>>;

/// The DNF of `formula` (of its negation when `positive` is false), with constant atoms
/// folded. `span` locates the whole formula for the size error.
pub fn dnf(formula: &Formula, positive: bool, span: Span) -> Result<Dnf, Diagnostic> {
    match formula {
        Formula::Const(b) => Ok(if *b == positive { vec![vec![]] } else { vec![] }),
        Formula::Not(inner) => dnf(inner, !positive, span),
        Formula::Atom(atom) => atom_dnf(atom, positive),
        Formula::ArgIn {
            extreme,
            classes,
            num_outputs,
            span: at,
        } => Ok(arg_in_dnf(*extreme, classes, *num_outputs, positive, *at)),
        Formula::And(parts) | Formula::Or(parts) => {
            // `and` under a positive polarity (or `or` under a negative one) is a product.
            let product = matches!(formula, Formula::And(_)) == positive;
            let mut result: Dnf = if product { vec![vec![]] } else { vec![] };
            for part in parts {
                let d = dnf(part, positive, span)?;
                if product {
                    if result.len().saturating_mul(d.len()) > MAX_DNF_DISJUNCTS {
                        return Err(too_large(span));
                    }
                    result = result
                        .iter()
                        .flat_map(|left| {
                            d.iter().map(move |right| {
                                let mut both = left.clone();
                                both.extend(right.iter().cloned());
                                both
                            })
                        })
                        .collect();
                } else {
                    result.extend(d);
                    if result.len() > MAX_DNF_DISJUNCTS {
                        return Err(too_large(span));
                    }
                }
            }
            Ok(result)
        }
    }
}

fn too_large(span: Span) -> Diagnostic {
    Diagnostic::at(
        span,
        format!("this formula expands to more than {MAX_DNF_DISJUNCTS} cases"),
        "too many combinations of `or` (after negation)",
    )
    .with_note("split the property into several properties")
}

fn atom_dnf(atom: &Atom, positive: bool) -> Result<Dnf, Diagnostic> {
    let rel = match (atom.rel, positive) {
        (r, true) => r,
        (Rel::Le, false) => Rel::Ge,
        (Rel::Ge, false) => Rel::Le,
        (Rel::Eq, false) => Rel::Ne,
        (Rel::Ne, false) => Rel::Eq,
    };
    if let Some(c) = atom.expr.as_constant() {
        let holds = match rel {
            Rel::Le => !c.is_positive(),
            Rel::Ge => !c.is_negative(),
            Rel::Eq => c.is_zero(),
            Rel::Ne => !c.is_zero(),
        };
        return Ok(if holds { vec![vec![]] } else { vec![] });
    }
    let half = |le| HalfSpace {
        expr: atom.expr.clone(),
        le,
        span: atom.span,
    };
    match rel {
        Rel::Le => Ok(vec![vec![half(true)]]),
        Rel::Ge => Ok(vec![vec![half(false)]]),
        Rel::Eq => Ok(vec![vec![half(true), half(false)]]),
        Rel::Ne if atom.rel == Rel::Eq => Err(Diagnostic::at(
            atom.span,
            "cannot negate an equality soundly",
            "the negation of this `==` is `!=`, an open set that vera cannot check",
        )
        .with_note(
            "`ensures` is negated to search for counterexamples, and so is `not`; \
             state a tolerance instead, e.g. `-0.001 <= a - b <= 0.001`",
        )),
        Rel::Ne => Err(Diagnostic::at(
            atom.span,
            "`!=` between numbers is not supported",
            "`a != b` is an open set, which vera cannot check",
        )
        .with_note("write the two sides you mean, e.g. `a <= b - 0.001 or a >= b + 0.001`")),
    }
}

/// `argmax(y) in S` is `OR_{k in S} AND_{j not in S} y_k >= y_j` (`<=` for argmin); its
/// negation is the same with the complement of `S`.
fn arg_in_dnf(
    extreme: Extreme,
    classes: &[usize],
    num_outputs: usize,
    positive: bool,
    span: Span,
) -> Dnf {
    let inside: Vec<bool> = (0..num_outputs)
        .map(|j| classes.contains(&j) == positive)
        .collect();
    (0..num_outputs)
        .filter(|&k| inside[k])
        .map(|k| {
            (0..num_outputs)
                .filter(|&j| !inside[j])
                .map(|j| {
                    let expr = LinExpr::var(Var::Output(k)).plus(&LinExpr::var(Var::Output(j)), -1);
                    HalfSpace {
                        expr,
                        le: extreme == Extreme::Min,
                        span,
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> BigRational {
        BigRational::from_integer(n.into())
    }

    fn atom(v: usize, rel: Rel, bound: i64) -> Formula {
        Formula::Atom(Atom {
            expr: LinExpr::var(Var::Output(v)).plus(&LinExpr::constant(q(bound)), -1),
            rel,
            span: Span::default(),
        })
    }

    #[test]
    fn de_morgan_and_products() {
        // not (y0 <= 1 and (y1 >= 2 or y1 <= 0)) = y0 >= 1 or (y1 <= 2 and y1 >= 0)
        let f = Formula::And(vec![
            atom(0, Rel::Le, 1),
            Formula::Or(vec![atom(1, Rel::Ge, 2), atom(1, Rel::Le, 0)]),
        ]);
        let negated = dnf(&f, false, Span::default()).unwrap();
        assert_eq!(negated.len(), 2);
        assert_eq!(negated[1].len(), 2);
        assert!(!negated[0][0].le && negated[1][0].le && !negated[1][1].le);
        assert_eq!(dnf(&f, true, Span::default()).unwrap().len(), 2);
    }

    #[test]
    fn argmax_sets_and_their_complements() {
        let f = Formula::ArgIn {
            extreme: Extreme::Max,
            classes: vec![2],
            num_outputs: 4,
            span: Span::default(),
        };
        // argmax == 2: one conjunction of three atoms; its negation: three disjuncts of one.
        assert_eq!(dnf(&f, true, Span::default()).unwrap().len(), 1);
        assert_eq!(dnf(&f, true, Span::default()).unwrap()[0].len(), 3);
        let negated = dnf(&f, false, Span::default()).unwrap();
        assert_eq!(
            negated.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![1, 1, 1]
        );
        assert_eq!(
            negated[0][0].expr.terms.iter().collect::<Vec<_>>(),
            vec![(&Var::Output(0), &q(1)), (&Var::Output(2), &q(-1))]
        );
    }

    #[test]
    fn negated_equalities_are_refused_and_constants_fold() {
        let e = dnf(&atom(0, Rel::Eq, 1), false, Span::default()).unwrap_err();
        assert_eq!(e.message, "cannot negate an equality soundly");
        assert_eq!(
            dnf(&atom(0, Rel::Eq, 1), true, Span::default()).unwrap()[0].len(),
            2
        );
        let constant = Formula::Atom(Atom {
            expr: LinExpr::constant(q(-1)),
            rel: Rel::Le,
            span: Span::default(),
        });
        assert_eq!(dnf(&constant, true, Span::default()).unwrap(), vec![vec![]]);
        assert!(dnf(&constant, false, Span::default()).unwrap().is_empty());
    }

    #[test]
    fn huge_products_are_refused() {
        let pair = Formula::Or(vec![atom(0, Rel::Le, 0), atom(1, Rel::Le, 0)]);
        let f = Formula::And(vec![pair; 20]);
        assert!(dnf(&f, true, Span::default()).is_err());
    }
}
