//! Boolean structure of VNN-LIB assertions (`and`, `or`, comparisons) and its disjunctive normal form.

use super::declarations::{Declarations, Side};
use super::error::{ErrorKind, Located, Position};
use super::sexpr::SExpr;
use super::term::parse_term;
use crate::spec::{LinearConstraint, Relation};
use num_rational::BigRational;
use num_traits::Signed;

/// Most disjuncts a DNF may have. ACAS Xu needs at most 8 and MNIST-style robustness files
/// 9; the limit stops a product of `or`s from exhausting memory, with an error instead.
pub const MAX_DNF_DISJUNCTS: usize = 100_000;
/// Most atom occurrences summed over all disjuncts of a DNF (a 784-input box in 9 disjuncts
/// is about 14,000), for the same reason.
pub const MAX_DNF_ATOMS: usize = 20_000_000;

/// A comparison, classified by the variables it mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atom {
    pub side: Side,
    pub constraint: LinearConstraint,
}

/// An assertion's boolean structure; atoms are indices into the reader's atom list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formula {
    Atom(usize),
    Const(bool),
    And(Vec<Formula>, Position),
    Or(Vec<Formula>, Position),
}

/// What the formula parser collects besides the formula: the atoms, and the strict
/// comparisons it read as non-strict (to tell the user).
#[derive(Debug, Default)]
pub struct Atoms {
    pub list: Vec<Atom>,
    pub strict: Vec<Position>,
}

/// Parses an assertion's body.
pub fn parse_formula(
    expr: &SExpr,
    vars: &Declarations,
    atoms: &mut Atoms,
) -> Result<Formula, Located> {
    let (items, at) = match expr {
        SExpr::Symbol { text, at } => {
            return match text.as_str() {
                "true" => Ok(Formula::Const(true)),
                "false" => Ok(Formula::Const(false)),
                _ => Err(Located::new(
                    *at,
                    ErrorKind::Expected {
                        expected: "a formula such as `(<= X_0 1)`, `(and ...)` or `(or ...)`",
                        found: expr.describe(),
                    },
                )),
            }
        }
        SExpr::List { items, at } => (items, *at),
    };
    let Some((SExpr::Symbol { text: operator, .. }, args)) = items.split_first() else {
        return Err(Located::new(
            at,
            ErrorKind::Expected {
                expected: "a formula such as `(<= X_0 1)`, `(and ...)` or `(or ...)`",
                found: expr.describe(),
            },
        ));
    };
    let arity = |expected: &'static str| {
        Located::new(
            at,
            ErrorKind::Arity {
                operator: operator.clone(),
                expected,
                found: args.len(),
            },
        )
    };
    match operator.as_str() {
        "and" | "or" => {
            if args.is_empty() {
                return Err(arity("at least one operand"));
            }
            let parts = args
                .iter()
                .map(|a| parse_formula(a, vars, atoms))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if operator == "and" {
                Formula::And(parts, at)
            } else {
                Formula::Or(parts, at)
            })
        }
        "<=" | ">=" | "<" | ">" => {
            if args.len() < 2 {
                return Err(arity("at least two operands"));
            }
            if operator.len() == 1 {
                atoms.strict.push(at);
            }
            let relation = if operator.starts_with('<') {
                Relation::Le
            } else {
                Relation::Ge
            };
            let terms = args
                .iter()
                .map(|a| parse_term(a, vars))
                .collect::<Result<Vec<_>, _>>()?;
            // A chain `(<= a b c)` means `a <= b and b <= c`, as in SMT-LIB.
            let minus_one = BigRational::from_integer((-1).into());
            let mut links = Vec::with_capacity(terms.len() - 1);
            for pair in terms.windows(2) {
                let mut difference = pair[0].clone();
                difference.add_scaled(&pair[1], &minus_one);
                links.push(classify(difference, relation, at, atoms)?);
            }
            Ok(match links.len() {
                1 => links.remove(0),
                _ => Formula::And(links, at),
            })
        }
        other => Err(Located::new(
            at,
            ErrorKind::UnsupportedOperator(other.into()),
        )),
    }
}

/// Turns `difference relation 0` into a constant or an atom over one side.
fn classify(
    difference: super::term::LinearTerm,
    relation: Relation,
    at: Position,
    atoms: &mut Atoms,
) -> Result<Formula, Located> {
    let bound = -difference.constant;
    let mut sides = difference.coefficients.keys().map(|v| v.side);
    let Some(side) = sides.next() else {
        let holds = match relation {
            Relation::Le => !bound.is_negative(),
            Relation::Ge => !bound.is_positive(),
        };
        return Ok(Formula::Const(holds));
    };
    if sides.any(|s| s != side) {
        return Err(Located::new(at, ErrorKind::MixedAtom));
    }
    let terms = difference
        .coefficients
        .into_iter()
        .map(|(v, c)| (v.index, c));
    // The term map holds no zero coefficient, so the constraint has a variable.
    let constraint = LinearConstraint::new(terms, relation, bound)
        .map_err(|_| Located::new(at, ErrorKind::MixedAtom))?;
    atoms.list.push(Atom { side, constraint });
    Ok(Formula::Atom(atoms.list.len() - 1))
}

/// A DNF: disjuncts, each a list of atom indices (in the order the formula gives them).
pub type Dnf = Vec<Vec<usize>>;

/// The DNF of a formula, within [`MAX_DNF_DISJUNCTS`] and [`MAX_DNF_ATOMS`].
pub fn dnf(formula: &Formula) -> Result<Dnf, Located> {
    match formula {
        Formula::Atom(a) => Ok(vec![vec![*a]]),
        Formula::Const(true) => Ok(vec![vec![]]),
        Formula::Const(false) => Ok(vec![]),
        Formula::Or(parts, at) => {
            let mut all = Vec::new();
            for part in parts {
                all.extend(dnf(part)?);
                check_size(&all, *at)?;
            }
            Ok(all)
        }
        Formula::And(parts, at) => {
            let mut product = vec![vec![]];
            for part in parts {
                product = conjoin(product, dnf(part)?, *at)?;
            }
            Ok(product)
        }
    }
}

/// The DNF of `left and right`: every disjunct of one joined with every disjunct of the other.
pub fn conjoin(left: Dnf, right: Dnf, at: Position) -> Result<Dnf, Located> {
    if let [only] = right.as_slice() {
        // The common case (one more atom or box conjoined): extend in place.
        let mut left = left;
        for d in &mut left {
            d.extend_from_slice(only);
        }
        check_size(&left, at)?;
        return Ok(left);
    }
    let atoms = |d: &Dnf| d.iter().map(Vec::len).sum::<usize>();
    let disjuncts = left.len().saturating_mul(right.len());
    let size = atoms(&left)
        .saturating_mul(right.len())
        .saturating_add(atoms(&right).saturating_mul(left.len()));
    too_large(disjuncts, size, at)?;
    let mut out = Vec::with_capacity(disjuncts);
    for l in &left {
        for r in &right {
            out.push(l.iter().chain(r).copied().collect());
        }
    }
    Ok(out)
}

fn check_size(dnf: &Dnf, at: Position) -> Result<(), Located> {
    too_large(dnf.len(), dnf.iter().map(Vec::len).sum(), at)
}

fn too_large(disjuncts: usize, atoms: usize, at: Position) -> Result<(), Located> {
    if disjuncts > MAX_DNF_DISJUNCTS {
        return Err(Located::new(
            at,
            ErrorKind::DnfTooLarge {
                what: "disjuncts",
                limit: MAX_DNF_DISJUNCTS,
            },
        ));
    }
    if atoms > MAX_DNF_ATOMS {
        return Err(Located::new(
            at,
            ErrorKind::DnfTooLarge {
                what: "atom occurrences",
                limit: MAX_DNF_ATOMS,
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: Position = Position { line: 1, column: 1 };

    #[test]
    fn and_distributes_over_or() {
        // (a or b) and (c or d) and e
        let f = Formula::And(
            vec![
                Formula::Or(vec![Formula::Atom(0), Formula::Atom(1)], AT),
                Formula::Or(vec![Formula::Atom(2), Formula::Atom(3)], AT),
                Formula::Atom(4),
            ],
            AT,
        );
        assert_eq!(
            dnf(&f).unwrap(),
            vec![vec![0, 2, 4], vec![0, 3, 4], vec![1, 2, 4], vec![1, 3, 4]]
        );
        let f = Formula::And(vec![Formula::Const(false), Formula::Atom(0)], AT);
        assert_eq!(dnf(&f).unwrap(), Dnf::new());
        let f = Formula::Or(vec![Formula::Const(true), Formula::Atom(0)], AT);
        assert_eq!(dnf(&f).unwrap(), vec![vec![], vec![0]]);
    }

    #[test]
    fn a_product_of_many_ors_is_refused() {
        // 20 binary ors conjoined: 2^20 disjuncts.
        let or = Formula::Or(vec![Formula::Atom(0), Formula::Atom(1)], AT);
        let f = Formula::And(vec![or; 20], AT);
        assert!(matches!(
            dnf(&f).unwrap_err().kind,
            ErrorKind::DnfTooLarge {
                what: "disjuncts",
                ..
            }
        ));
    }
}
