//! `vera export`: a `.vera` spec's properties as VNN-LIB files, one per property.

use crate::spec::dsl::{self, ItemKind};
use anyhow::Context;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Write each property of a .vera spec as a VNN-LIB file.
///
/// One NAME.vnnlib per property (in the network's own units, normalisation folded in),
/// so that any VNN-LIB verifier can check vera specs. Bounds queries have no VNN-LIB form
/// and are skipped. Files are written to a temporary file and renamed, never half-written;
/// nothing is written when the spec has errors.
///
/// Example: vera export specs/acasxu/phi1.vera --vnnlib out/
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The spec: a .vera file.
    pub spec: PathBuf,
    /// The folder to write NAME.vnnlib files into (created if missing).
    #[arg(long, value_name = "OUT_DIR")]
    pub vnnlib: PathBuf,
    /// Export only this property (repeat for several).
    #[arg(long = "property", value_name = "NAME")]
    pub properties: Vec<String>,
}

pub fn run(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let spec = match dsl::parse_file(&args.spec) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render(std::io::stderr().is_terminal()));
            return Ok(ExitCode::FAILURE);
        }
    };
    for name in &args.properties {
        spec.item(name)?;
    }
    let mut files = Vec::new();
    for item in &spec.items {
        if !args.properties.is_empty() && !args.properties.contains(&item.name) {
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
    std::fs::create_dir_all(&args.vnnlib)
        .with_context(|| format!("cannot create {}", args.vnnlib.display()))?;
    for (name, text) in files {
        let target = args.vnnlib.join(&name);
        let mut tmp = tempfile::NamedTempFile::new_in(&args.vnnlib)
            .with_context(|| format!("cannot write in {}", args.vnnlib.display()))?;
        tmp.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", target.display()))?;
        tmp.persist(&target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        println!("wrote {}", target.display());
    }
    Ok(ExitCode::SUCCESS)
}
