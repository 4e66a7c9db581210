//! Reading a VNN-LIB text into a [`Property`]: commands, declarations, assertions, DNF, and the split into inputs and outputs.

use super::declarations::{Declarations, Side};
use super::error::{ErrorKind, Located, Position, VnnlibError};
use super::formula::{conjoin, dnf, parse_formula, Atoms, Dnf};
use super::sexpr::{parse_forms, SExpr};
use crate::spec::{InputBox, InputPolytope, OutputConjunction, Property};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// The network's input and output counts, to check a file's declarations against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimensions {
    pub inputs: usize,
    pub outputs: usize,
}

/// SMT-LIB commands that say nothing about the property; skipped so that files written for
/// SMT solvers read too.
const IGNORED_COMMANDS: [&str; 6] = [
    "set-logic",
    "set-info",
    "set-option",
    "check-sat",
    "get-model",
    "exit",
];

/// Reads a `.vnnlib` file, or a gzip-compressed one (recognised by its magic bytes, so the
/// name does not matter).
pub fn read(path: &Path, dims: Option<Dimensions>) -> Result<Property, VnnlibError> {
    let bytes = std::fs::read(path).map_err(|source| VnnlibError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut text)
            .map_err(|source| VnnlibError::Gzip {
                path: path.to_path_buf(),
                source,
            })?;
        return parse(&text, path, dims);
    }
    parse(&bytes, path, dims)
}

/// Parses VNN-LIB text; `path` only names the text in errors and log messages.
///
/// The conjunction of all assertions is brought to DNF over atoms; each disjunct splits
/// into its input atoms (bounds on one input go to the box, others stay linear constraints)
/// and its output atoms, and the pairs are grouped into cases by [`Property::from_pairs`]'s
/// rule. Strict comparisons are read as non-strict (noted in the log).
pub fn parse(
    bytes: &[u8],
    path: impl AsRef<Path>,
    dims: Option<Dimensions>,
) -> Result<Property, VnnlibError> {
    let path = path.as_ref();
    let located = |e: Located| VnnlibError::Invalid {
        path: path.to_path_buf(),
        at: e.at,
        kind: e.kind,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        located(Located::new(
            end_of(&String::from_utf8_lossy(&bytes[..e.valid_up_to()])),
            ErrorKind::NotUtf8,
        ))
    })?;
    let limits = dims.map(|d| (d.inputs, d.outputs));
    let (property, atoms) = read_forms(text, limits).map_err(located)?;
    if let Some(first) = atoms.strict.first() {
        log::info!(
            "{}:{}:{}: strict comparison read as non-strict ({} in the file): vera checks the closed unsafe set",
            path.display(),
            first.line,
            first.column,
            atoms.strict.len()
        );
    }
    let unbounded = property.unbounded_inputs();
    if !unbounded.is_empty() {
        log::warn!(
            "{}: inputs {unbounded:?} lack a lower or an upper bound in some input box",
            path.display()
        );
    }
    Ok(property)
}

fn read_forms(text: &str, limits: Option<(usize, usize)>) -> Result<(Property, Atoms), Located> {
    let mut vars = Declarations::new(limits);
    let mut atoms = Atoms::default();
    let mut conjunction: Dnf = vec![vec![]];
    for form in parse_forms(text)? {
        let (command, args, at) = match &form {
            SExpr::List { items, at } => match items.split_first() {
                Some((SExpr::Symbol { text, .. }, args)) => (text.as_str(), args, *at),
                _ => return Err(expected_command(&form)),
            },
            SExpr::Symbol { .. } => return Err(expected_command(&form)),
        };
        match (command, args) {
            (
                "declare-const",
                [SExpr::Symbol { text: name, .. }, SExpr::Symbol { text: sort, .. }],
            ) => vars.declare(name, sort, at)?,
            ("declare-const", _) => {
                return Err(Located::new(
                    at,
                    ErrorKind::Expected {
                        expected: "`(declare-const NAME Real)`",
                        found: form.describe(),
                    },
                ))
            }
            ("assert", [body]) => {
                let formula = parse_formula(body, &vars, &mut atoms)?;
                conjunction = conjoin(conjunction, dnf(&formula)?, at)?;
            }
            ("assert", _) => {
                return Err(Located::new(
                    at,
                    ErrorKind::Arity {
                        operator: "assert".into(),
                        expected: "one formula",
                        found: args.len(),
                    },
                ))
            }
            (ignored, _) if IGNORED_COMMANDS.contains(&ignored) => {
                log::debug!("{}:{}: skipping ({ignored} ...)", at.line, at.column)
            }
            (other, _) => {
                return Err(Located::new(
                    at,
                    ErrorKind::UnsupportedCommand(other.into()),
                ))
            }
        }
    }
    let (num_inputs, num_outputs) = vars.finish(end_of(text))?;
    Ok((split(num_inputs, num_outputs, &conjunction, &atoms), atoms))
}

fn expected_command(form: &SExpr) -> Located {
    Located::new(
        form.at(),
        ErrorKind::Expected {
            expected: "a command: `(declare-const ...)` or `(assert ...)`",
            found: form.describe(),
        },
    )
}

/// Splits every DNF disjunct into (input polytope, output conjunction), building each
/// distinct polytope and conjunction once: a 784-input box shared by 9 disjuncts is built
/// and compared once, not nine times.
fn split(num_inputs: usize, num_outputs: usize, dnf: &Dnf, atoms: &Atoms) -> Property {
    let mut polytopes: Vec<InputPolytope> = Vec::new();
    let mut conjunctions: Vec<OutputConjunction> = Vec::new();
    let mut polytope_of_value: HashMap<InputPolytope, usize> = HashMap::new();
    let mut conjunction_of_value: HashMap<OutputConjunction, usize> = HashMap::new();
    let mut polytope_of_atoms: HashMap<Vec<usize>, usize> = HashMap::new();
    let mut conjunction_of_atoms: HashMap<Vec<usize>, usize> = HashMap::new();
    let mut pairs = Vec::with_capacity(dnf.len());
    for disjunct in dnf {
        let (inputs, outputs): (Vec<usize>, Vec<usize>) = disjunct
            .iter()
            .partition(|&&a| atoms.list[a].side == Side::Input);
        let constraints = |ids: &[usize]| -> Vec<_> {
            ids.iter()
                .map(|&a| atoms.list[a].constraint.clone())
                .collect()
        };
        let p = *polytope_of_atoms.entry(inputs).or_insert_with_key(|ids| {
            let polytope = InputPolytope::new(InputBox::unbounded(num_inputs), constraints(ids));
            *polytope_of_value
                .entry(polytope.clone())
                .or_insert_with(|| {
                    polytopes.push(polytope);
                    polytopes.len() - 1
                })
        });
        let c = *conjunction_of_atoms
            .entry(outputs)
            .or_insert_with_key(|ids| {
                let conjunction = OutputConjunction::new(constraints(ids));
                *conjunction_of_value
                    .entry(conjunction.clone())
                    .or_insert_with(|| {
                        conjunctions.push(conjunction);
                        conjunctions.len() - 1
                    })
            });
        pairs.push((p, c));
    }
    Property::group(num_inputs, num_outputs, polytopes, conjunctions, &pairs)
}

/// The position just after the last character, where "missing" things are reported.
fn end_of(text: &str) -> Position {
    let line = 1 + text.matches('\n').count();
    let last = text.rsplit('\n').next().unwrap_or("");
    Position {
        line,
        column: 1 + last.chars().count(),
    }
}
