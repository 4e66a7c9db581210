//! `vera export`: a `.vera` spec's properties as VNN-LIB files, one per property; or the CNF
//! the SAT engine decides for a binarised network and a property, as DIMACS.

use crate::spec::dsl::{self, ItemKind};
use anyhow::Context;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Write a .vera spec's properties as VNN-LIB, or a binarised network's query as DIMACS CNF.
///
/// `vera export SPEC --vnnlib OUT_DIR`: one NAME.vnnlib per property (in the network's own
/// units, normalisation folded in), so that any VNN-LIB verifier can check vera specs.
/// Bounds queries have no VNN-LIB form and are skipped.
///
/// `vera export NET PROP --dimacs FILE`: the CNF the SAT engine solves for a binarised
/// network and a VNN-LIB property (satisfiable iff the property is violated), so that any
/// SAT solver can check vera, and `vera verify --proof` proofs can be checked against it
/// (e.g. with drat-trim). Comment lines say which variable is which input's bit. A property
/// with several queries (input polytopes) gets FILE, FILE.2, FILE.3, ...
///
/// Files are written to a temporary file and renamed, never half-written; nothing is
/// written when the input has errors.
///
/// Examples: vera export specs/acasxu/phi1.vera --vnnlib out/
///           vera export net.onnx prop.vnnlib --dimacs query.cnf
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("format").required(true).args(["vnnlib", "dimacs"])))]
pub struct ExportArgs {
    /// The spec (a .vera file) for --vnnlib; the network and the VNN-LIB property for
    /// --dimacs.
    #[arg(required = true, num_args = 1..=2, value_name = "SPEC | NET PROP")]
    pub files: Vec<PathBuf>,
    /// The folder to write NAME.vnnlib files into (created if missing).
    #[arg(long, value_name = "OUT_DIR")]
    pub vnnlib: Option<PathBuf>,
    /// The file to write the DIMACS CNF to.
    #[arg(long, value_name = "FILE")]
    pub dimacs: Option<PathBuf>,
    /// Export only this property (repeat for several).
    #[arg(long = "property", value_name = "NAME")]
    pub properties: Vec<String>,
}

pub fn run(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    match (&args.vnnlib, &args.dimacs, args.files.as_slice()) {
        (Some(dir), None, [spec]) => export_vnnlib(spec, dir, &args.properties),
        (None, Some(file), [net, prop]) => {
            if !args.properties.is_empty() {
                anyhow::bail!("--property names .vera properties; it does not apply to --dimacs");
            }
            export_dimacs(net, prop, file)
        }
        (Some(_), None, _) => {
            anyhow::bail!(
                "--vnnlib takes one .vera spec, got {} files",
                args.files.len()
            )
        }
        (None, Some(_), _) => anyhow::bail!(
            "--dimacs takes a network and a VNN-LIB property, got {} file(s)",
            args.files.len()
        ),
        _ => anyhow::bail!("give one of --vnnlib OUT_DIR or --dimacs FILE"),
    }
}

/// What the CNF of a query with input constraints over several inputs leaves out.
const RELAXATION_NOTE: &str = "c vera: this query's input constraints over several inputs are \
     not in this CNF, which covers its whole input box: unsatisfiable means the property holds, \
     a model need not satisfy them. `vera verify --proof FILE` writes FILE.lemmas, the clauses \
     that, appended to this CNF, make the proof in FILE check.\n";

/// The DIMACS text of one query's CNF, with comments naming the input bits.
fn dimacs_text(enc: &crate::bnn_sat::Encoding, net: &Path, prop: &Path) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "c vera: the SAT engine's CNF for {} and {}",
        net.display(),
        prop.display()
    );
    let _ = writeln!(
        out,
        "c satisfiable iff some input in the box reaches the unsafe set"
    );
    for input in &enc.inputs.bits {
        match input.lit {
            crate::bnn_sat::Bit::Var(l) => {
                let _ = writeln!(
                    out,
                    "c input {}: variable {} is its bit ({:?}), x in [{}, {}]",
                    input.input,
                    l.var().to_dimacs(),
                    input.bit,
                    input.lowest,
                    input.highest
                );
            }
            crate::bnn_sat::Bit::Const(_) => {}
        }
    }
    let _ = writeln!(
        out,
        "p cnf {} {}",
        enc.formula.var_count(),
        enc.formula.len()
    );
    for clause in enc.formula.iter() {
        for l in clause {
            let _ = write!(out, "{} ", l.to_dimacs());
        }
        out.push_str("0\n");
    }
    out
}

fn export_dimacs(net_path: &Path, prop_path: &Path, file: &Path) -> anyhow::Result<ExitCode> {
    let net = crate::network::load(net_path)?;
    if net.kind() != "bnn" {
        anyhow::bail!(
            "{}: the network has no sign activations; --dimacs encodes binarised networks only",
            net_path.display()
        );
    }
    let dims = crate::spec::vnnlib::Dimensions {
        inputs: net.num_inputs(),
        outputs: net.num_outputs(),
    };
    let prop = crate::spec::vnnlib::read(prop_path, Some(dims))?;
    let encodings = crate::bnn_sat::encode(&net, &prop)
        .map_err(|e| anyhow::anyhow!("{}: cannot encode: {e}", net_path.display()))?;
    let queries = crate::bnn_sat::queries(&prop);
    let texts: Vec<String> = encodings
        .iter()
        .zip(&queries)
        .map(|(e, q)| {
            let mut text = dimacs_text(e, net_path, prop_path);
            if !q.inputs.constraints.is_empty() {
                // Comments go before the header line.
                text.insert_str(0, RELAXATION_NOTE);
            }
            text
        })
        .collect();
    for (k, text) in texts.iter().enumerate() {
        let target = super::verify::numbered(file, k);
        super::verify::write_atomically(&target, text.as_bytes())?;
        let enc = &encodings[k];
        println!(
            "wrote {} ({} variables, {} clauses, {} free inputs)",
            target.display(),
            enc.formula.var_count(),
            enc.formula.len(),
            enc.size.free_inputs
        );
    }
    if texts.is_empty() {
        println!("the property has no query (nothing is unsafe); nothing written");
    }
    Ok(ExitCode::SUCCESS)
}

fn export_vnnlib(
    spec_path: &Path,
    out_dir: &Path,
    properties: &[String],
) -> anyhow::Result<ExitCode> {
    let spec = match dsl::parse_file(spec_path) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render(std::io::stderr().is_terminal()));
            return Ok(ExitCode::FAILURE);
        }
    };
    for name in properties {
        spec.item(name)?;
    }
    let mut files = Vec::new();
    for item in &spec.items {
        if !properties.is_empty() && !properties.contains(&item.name) {
            continue;
        }
        match &item.kind {
            ItemKind::Property(p) => files.push((
                format!("{}.vnnlib", item.name),
                dsl::vnnlib_text(&spec, item, p),
            )),
            ItemKind::Bounds(_) => eprintln!(
                "note: skipped query `{}`: bounds queries have no VNN-LIB form",
                item.name
            ),
        }
    }
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    for (name, text) in files {
        let target = out_dir.join(&name);
        let mut tmp = tempfile::NamedTempFile::new_in(out_dir)
            .with_context(|| format!("cannot write in {}", out_dir.display()))?;
        tmp.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", target.display()))?;
        tmp.persist(&target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        println!("wrote {}", target.display());
    }
    Ok(ExitCode::SUCCESS)
}
