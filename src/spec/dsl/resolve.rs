//! From a syntax tree to a [`Spec`]: declarations in file order (networks loaded, names,
//! `normalize`, constants and tensors), then every property and query checked against its
//! network and lowered.

use super::ast::{Block, Expr, ExprKind, Ident, Item as AstItem, LetValue, Side, StrLit};
use super::check::{Const, Dims, Scope, Value};
use super::diagnostic::{closest, Diagnostic, Span};
use super::formula::{Formula, Var};
use super::lower;
use super::spec::{BoundsQuery, Interface, Item, ItemKind, NetworkDecl, Scaling, Spec};
use crate::exact::parse_rational;
use num_rational::BigRational;
use num_traits::Zero;
use std::collections::HashMap;
use std::path::Path;

/// `inputs` / `outputs` as declared.
#[derive(Default)]
struct Names {
    inputs: Option<(Vec<Ident>, Span)>,
    outputs: Option<(Vec<Ident>, Span)>,
}

/// `normalize inputs|outputs mean M range R`, evaluated (scalars stay length 1).
struct Normalize {
    mean: Vec<BigRational>,
    range: Vec<BigRational>,
    span: Span,
}

/// The declarations of a file, gathered before any property is checked.
struct Declarations {
    networks: Vec<(NetworkDecl, Span)>,
    names: Names,
    input_scaling: Option<Normalize>,
    output_scaling: Option<Normalize>,
    constants: HashMap<String, Const>,
    /// Where each constant or name was defined, for "already defined" errors.
    defined: HashMap<String, Span>,
}

/// Checks and lowers a parsed file; `base` is the folder relative paths start from.
pub fn resolve(
    items: &[AstItem],
    source: &str,
    base: &Path,
    path: &Path,
) -> Result<Spec, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut decls = Declarations {
        networks: Vec::new(),
        names: Names::default(),
        input_scaling: None,
        output_scaling: None,
        constants: HashMap::new(),
        defined: HashMap::new(),
    };
    let mut blocks: Vec<(&Block, bool)> = Vec::new();
    // Networks that could not be loaded: blocks about them are not checked (their errors
    // would only repeat that the network is missing).
    let mut unloaded: Vec<&str> = Vec::new();
    for item in items {
        let result = match item {
            AstItem::Network { name, path } => {
                let r = decls.network(name, path, base);
                if r.is_err() {
                    unloaded.push(&name.name);
                }
                r
            }
            AstItem::Names { side, names, span } => decls.declare_names(*side, names, *span),
            AstItem::Normalize {
                side,
                mean,
                range,
                span,
            } => decls.normalize(*side, mean, range, *span, source),
            AstItem::Let { name, value } => decls.constant(name, value, base, source),
            AstItem::Property(b) => {
                blocks.push((b, false));
                Ok(())
            }
            AstItem::Query(b) => {
                blocks.push((b, true));
                Ok(())
            }
        };
        if let Err(e) = result {
            errors.push(e);
        }
    }
    for (decl, _) in &decls.networks {
        errors.extend(decls.check_interface(decl));
    }
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let mut spec_items = Vec::new();
    for (block, query) in blocks {
        if let Some(first) = seen.insert(&block.name.name, block.name.span) {
            errors.push(
                Diagnostic::at(
                    block.name.span,
                    format!("`{}` is already defined", block.name.name),
                    "a second property or query with this name",
                )
                .with_related(first, "first defined here"),
            );
            continue;
        }
        let about_unloaded = match &block.network {
            Some(on) => unloaded.contains(&on.name.as_str()),
            None => !unloaded.is_empty() && decls.networks.is_empty(),
        };
        if about_unloaded {
            continue;
        }
        match decls.item(block, query, source) {
            Ok(item) => spec_items.push(item),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Spec {
        path: path.to_path_buf(),
        networks: decls.networks.into_iter().map(|(d, _)| d).collect(),
        items: spec_items,
    })
}

impl Declarations {
    fn network(&mut self, name: &Ident, path: &StrLit, base: &Path) -> Result<(), Diagnostic> {
        if let Some((_, first)) = self.networks.iter().find(|(d, _)| d.name == name.name) {
            return Err(Diagnostic::at(
                name.span,
                format!("network `{}` is already declared", name.name),
                "declared again here",
            )
            .with_related(*first, "first declared here"));
        }
        let resolved = base.join(&path.value);
        if !resolved.is_file() {
            return Err(Diagnostic::at(
                path.span,
                format!("network file not found: {}", path.value),
                format!("no file at {}", resolved.display()),
            )
            .with_note("paths are relative to the folder of the spec file"));
        }
        let network = crate::network::load(&resolved).map_err(|e| {
            Diagnostic::at(
                path.span,
                format!("cannot load network `{}`", name.name),
                e.to_string(),
            )
        })?;
        self.networks.push((
            NetworkDecl {
                name: name.name.clone(),
                path: resolved,
                network,
            },
            name.span,
        ));
        Ok(())
    }

    /// Records a name for a constant, an input or an output, refusing reserved words and
    /// names already taken.
    fn define(&mut self, name: &Ident) -> Result<(), Diagnostic> {
        if matches!(name.name.as_str(), "x" | "y") {
            return Err(Diagnostic::at(
                name.span,
                format!("`{}` is reserved", name.name),
                format!(
                    "`{}` always means the network's {} vector",
                    name.name,
                    if name.name == "x" { "input" } else { "output" }
                ),
            ));
        }
        if let Some(first) = self.defined.get(&name.name) {
            return Err(Diagnostic::at(
                name.span,
                format!("`{}` is already defined", name.name),
                "defined again here",
            )
            .with_related(*first, "first defined here"));
        }
        self.defined.insert(name.name.clone(), name.span);
        Ok(())
    }

    fn declare_names(&mut self, side: Side, names: &[Ident], span: Span) -> Result<(), Diagnostic> {
        let slot = match side {
            Side::Inputs => &self.names.inputs,
            Side::Outputs => &self.names.outputs,
        };
        if let Some((_, first)) = slot {
            return Err(Diagnostic::at(
                span,
                format!("the {} are already named", side.word()),
                "named again here",
            )
            .with_related(*first, "first named here"));
        }
        for n in names {
            self.define(n)?;
        }
        let value = Some((names.to_vec(), span));
        match side {
            Side::Inputs => self.names.inputs = value,
            Side::Outputs => self.names.outputs = value,
        }
        Ok(())
    }

    fn constant_scope<'a>(&'a self, source: &'a str) -> Scope<'a> {
        Scope {
            source,
            constants: &self.constants,
            dims: None,
        }
    }

    fn normalize(
        &mut self,
        side: Side,
        mean: &Expr,
        range: &Expr,
        span: Span,
        source: &str,
    ) -> Result<(), Diagnostic> {
        let slot = match side {
            Side::Inputs => &self.input_scaling,
            Side::Outputs => &self.output_scaling,
        };
        if let Some(first) = slot {
            return Err(Diagnostic::at(
                span,
                format!("the {} are already normalised", side.word()),
                "normalised again here",
            )
            .with_related(first.span, "first normalised here"));
        }
        let scope = self.constant_scope(source);
        let mean_values = scope.constant(mean)?;
        let range_values = scope.constant(range)?;
        if range_values.iter().any(Zero::is_zero) {
            return Err(Diagnostic::at(
                range.span,
                "a normalisation range of 0",
                "every range must be non-zero (values are divided by it)",
            ));
        }
        if mean_values.len() != range_values.len()
            && mean_values.len() != 1
            && range_values.len() != 1
        {
            return Err(Diagnostic::at(
                span,
                format!(
                    "`mean` has {} values but `range` has {}",
                    mean_values.len(),
                    range_values.len()
                ),
                "expected as many means as ranges (or a single number for all)",
            ));
        }
        let value = Some(Normalize {
            mean: mean_values,
            range: range_values,
            span,
        });
        match side {
            Side::Inputs => self.input_scaling = value,
            Side::Outputs => self.output_scaling = value,
        }
        Ok(())
    }

    fn constant(
        &mut self,
        name: &Ident,
        value: &LetValue,
        base: &Path,
        source: &str,
    ) -> Result<(), Diagnostic> {
        self.define(name)?;
        let value = match value {
            LetValue::Expr(e) => match self.constant_scope(source).value(e)? {
                Value::Lin(l) if l.as_constant().is_some() => Const::Scalar(l.constant),
                Value::Vector(v) if v.iter().all(|l| l.as_constant().is_some()) => {
                    Const::Tensor(v.into_iter().map(|l| l.constant).collect())
                }
                _ => {
                    return Err(Diagnostic::at(
                        e.span,
                        "a `let` must be a constant number or vector",
                        "expected constant numbers",
                    ))
                }
            },
            LetValue::Tensor(file) => Const::Tensor(read_tensor(file, base)?),
        };
        self.constants.insert(name.name.clone(), value);
        Ok(())
    }

    /// The declared names and normalisation must fit every network of the file.
    fn check_interface(&self, decl: &NetworkDecl) -> Vec<Diagnostic> {
        let (n, m) = (decl.network.num_inputs(), decl.network.num_outputs());
        let mut errors = Vec::new();
        let mut check = |count: usize, expected: usize, span: Span, what: &str, side: &str| {
            if count != expected {
                errors.push(Diagnostic::at(
                    span,
                    format!(
                        "{count} {what}, but network `{}` has {expected} {side}",
                        decl.name
                    ),
                    format!("expected {expected}"),
                ));
            }
        };
        if let Some((names, span)) = &self.names.inputs {
            check(names.len(), n, *span, "input names", "inputs");
        }
        if let Some((names, span)) = &self.names.outputs {
            check(names.len(), m, *span, "output names", "outputs");
        }
        for (scaling, count, side) in [
            (&self.input_scaling, n, "inputs"),
            (&self.output_scaling, m, "outputs"),
        ] {
            if let Some(s) = scaling {
                let len = s.mean.len().max(s.range.len());
                if len != 1 {
                    check(len, count, s.span, "normalisation values", side);
                }
            }
        }
        errors
    }

    fn interface(&self, n: usize, m: usize) -> Interface {
        let names =
            |declared: &Option<(Vec<Ident>, Span)>, count: usize, letter: &str| match declared {
                Some((names, _)) if names.len() == count => {
                    names.iter().map(|i| i.name.clone()).collect()
                }
                _ => (0..count).map(|i| format!("{letter}[{i}]")).collect(),
            };
        let scaling = |s: &Option<Normalize>, count: usize| {
            s.as_ref().map(|s| Scaling {
                mean: spread(&s.mean, count),
                range: spread(&s.range, count),
            })
        };
        Interface {
            input_names: names(&self.names.inputs, n, "x"),
            output_names: names(&self.names.outputs, m, "y"),
            input_scaling: scaling(&self.input_scaling, n),
            output_scaling: scaling(&self.output_scaling, m),
        }
    }

    /// Checks one property or query against its network and lowers it.
    fn item(&self, block: &Block, query: bool, source: &str) -> Result<Item, Diagnostic> {
        let kind = if query { "query" } else { "property" };
        let network = self.network_of(block, kind)?;
        let decl = &self.networks[network].0;
        let (n, m) = (decl.network.num_inputs(), decl.network.num_outputs());
        let no_names: &[Ident] = &[];
        let dims = Dims {
            network: &decl.name,
            num_inputs: n,
            num_outputs: m,
            input_names: self
                .names
                .inputs
                .as_ref()
                .map_or(no_names, |(v, _)| v.as_slice()),
            output_names: self
                .names
                .outputs
                .as_ref()
                .map_or(no_names, |(v, _)| v.as_slice()),
        };
        let scope = Scope {
            source,
            constants: &self.constants,
            dims: Some(dims),
        };
        let interface = self.interface(n, m);
        let requires = block
            .requires
            .iter()
            .map(|e| scope.formula(e))
            .collect::<Result<Vec<_>, _>>()?;
        for f in &requires {
            only_side(f, false, &interface)?;
        }
        let region = lower::input_region(
            &Formula::And(requires),
            n,
            interface.input_scaling.as_ref(),
            &interface.input_names,
            block.name.span,
        )?;
        let kind = if query {
            let mut targets = Vec::new();
            for e in &block.bounds {
                let values = scope.linear(e)?;
                let vector = values.len() > 1 || !matches!(scope.value(e)?, Value::Lin(_));
                for (j, v) in values.iter().enumerate() {
                    if let Some(Var::Input(i)) = v.terms.keys().find(|v| matches!(v, Var::Input(_)))
                    {
                        return Err(Diagnostic::at(
                            e.span,
                            "`compute bounds` takes outputs only",
                            format!("this mentions the input `{}`", interface.input_names[*i]),
                        ));
                    }
                    let text = source.get(e.span.start..e.span.end).unwrap_or("");
                    let label = match &e.kind {
                        ExprKind::Name(y) if y == "y" => interface.output_names[j].clone(),
                        _ if vector => format!("{text}[{j}]"),
                        _ => text.to_string(),
                    };
                    targets.push(lower::bound_target(
                        label,
                        v,
                        interface.output_scaling.as_ref(),
                    ));
                }
            }
            ItemKind::Bounds(BoundsQuery {
                inputs: region,
                targets,
            })
        } else {
            if block.ensures.is_empty() {
                return Err(Diagnostic::at(
                    block.name.span,
                    format!("property `{}` has no `ensures`", block.name.name),
                    "expected at least one `ensures`",
                ));
            }
            let ensures = block
                .ensures
                .iter()
                .map(|e| scope.formula(e))
                .collect::<Result<Vec<_>, _>>()?;
            for f in &ensures {
                only_side(f, true, &interface)?;
            }
            let property = lower::property(
                region,
                &Formula::And(ensures),
                n,
                m,
                interface.output_scaling.as_ref(),
                block.name.span,
            )?;
            ItemKind::Property(property)
        };
        Ok(Item {
            name: block.name.name.clone(),
            network,
            interface,
            kind,
        })
    }

    /// The network a block is about: `on NAME`, or the only one declared.
    fn network_of(&self, block: &Block, kind: &str) -> Result<usize, Diagnostic> {
        let names: Vec<&str> = self.networks.iter().map(|(d, _)| d.name.as_str()).collect();
        match &block.network {
            Some(on) => names.iter().position(|n| *n == on.name).ok_or_else(|| {
                let d = Diagnostic::at(
                    on.span,
                    format!("unknown network `{}`", on.name),
                    "not declared with `network`",
                );
                match closest(&on.name, names.iter().copied()) {
                    Some(s) => d.with_note(format!("did you mean `{s}`?")),
                    None => d,
                }
            }),
            None => match names.len() {
                1 => Ok(0),
                0 => Err(Diagnostic::at(
                    block.name.span,
                    format!("{kind} `{}` has no network to check", block.name.name),
                    "no network is declared in this file",
                )
                .with_note("declare one with `network NAME = \"PATH\"`")),
                _ => Err(Diagnostic::at(
                    block.name.span,
                    format!(
                        "{kind} `{}` does not say which network it is about",
                        block.name.name
                    ),
                    "add `on NAME` after the name",
                )
                .with_note(format!(
                    "this file declares {} networks: {}",
                    names.len(),
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            },
        }
    }
}

/// `values` repeated to `count` when it is a single number.
fn spread(values: &[BigRational], count: usize) -> Vec<BigRational> {
    if values.len() == 1 {
        vec![values[0].clone(); count]
    } else {
        values.to_vec()
    }
}

/// Refuses an output in `requires` (`outputs` false) or an input in `ensures`.
fn only_side(f: &Formula, outputs: bool, interface: &Interface) -> Result<(), Diagnostic> {
    let mut wrong = None;
    f.for_each_var(&mut |v, span| match (v, outputs) {
        (Var::Output(j), false) if wrong.is_none() => {
            wrong = Some((span, format!("the output `{}`", interface.output_names[j])))
        }
        (Var::Input(i), true) if wrong.is_none() => {
            wrong = Some((span, format!("the input `{}`", interface.input_names[i])))
        }
        _ => {}
    });
    match wrong {
        None => Ok(()),
        Some((span, what)) if outputs => Err(Diagnostic::at(
            span,
            "`ensures` can only constrain the outputs",
            format!("this mentions {what}"),
        )
        .with_note("conditions on the inputs belong in `requires`")),
        Some((span, what)) => Err(Diagnostic::at(
            span,
            "`requires` can only constrain the inputs",
            format!("this mentions {what}"),
        )
        .with_note("conditions on the outputs belong in `ensures`")),
    }
}

/// The numbers of a tensor file: a JSON array (nested arrays are flattened) or numbers
/// separated by commas or white space, each read exactly.
fn read_tensor(file: &StrLit, base: &Path) -> Result<Vec<BigRational>, Diagnostic> {
    let resolved = base.join(&file.value);
    let text = std::fs::read_to_string(&resolved).map_err(|e| {
        Diagnostic::at(
            file.span,
            format!("cannot read tensor file {}", file.value),
            format!("{}: {e}", resolved.display()),
        )
    })?;
    text.split(|c: char| c == '[' || c == ']' || c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| {
            parse_rational(t).ok_or_else(|| {
                Diagnostic::at(
                    file.span,
                    format!("cannot read tensor file {}", file.value),
                    format!("`{t}` is not a number"),
                )
            })
        })
        .collect()
}
