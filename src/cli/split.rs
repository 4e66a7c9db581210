//! `vera split`: a property cut into pieces, written as self-contained VNN-COMP instances
//! (a VNN-LIB file per piece and an instances.csv naming the network), for a cluster.

use crate::network::load;
use crate::spec::vnnlib;
use crate::verify::split_into;
use anyhow::Context;
use clap::Args;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Split a property into pieces that can be verified separately.
///
/// The input region is bisected (widest input relative to the region, breadth first) until
/// there are at least N pieces; each piece is one input box (with the property's other input
/// constraints) and the property's unsafe outputs, so the property holds iff every piece
/// holds, and a counterexample to a piece is one to the property. OUT_DIR (new or empty) gets
/// piece_0000.vnnlib, ... and instances.csv (network,property,timeout per line, the network
/// as an absolute path), which `benchmarks/run.py OUT_DIR/instances.csv` or any VNN-COMP
/// runner can run. Everything is written to a temporary folder renamed at the end: nothing is
/// half-written.
///
/// Example: vera split benchmarks/acasxu/onnx/ACASXU_run2a_3_3_batch_2000.onnx benchmarks/acasxu/vnnlib/prop_2.vnnlib --pieces 8 --out pieces/
#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The network: .onnx, .onnx.gz, .nnet or .nnet.gz.
    pub network: PathBuf,
    /// The property: .vnnlib or .vnnlib.gz.
    pub property: PathBuf,
    /// Pieces to make (at least; each input polytope is at least one piece).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub pieces: usize,
    /// The folder to write (must not exist, or be empty).
    #[arg(long, value_name = "OUT_DIR")]
    pub out: PathBuf,
    /// The timeout written in instances.csv for each piece, in seconds.
    #[arg(long, default_value_t = 60.0)]
    pub timeout: f64,
}

pub fn run(args: &SplitArgs) -> anyhow::Result<ExitCode> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        anyhow::bail!(
            "--timeout must be a positive number of seconds, got {}",
            args.timeout
        );
    }
    if args.pieces == 0 {
        anyhow::bail!("--pieces must be at least 1");
    }
    let net = load(&args.network)?;
    let dims = vnnlib::Dimensions {
        inputs: net.num_inputs(),
        outputs: net.num_outputs(),
    };
    let property = vnnlib::read(&args.property, Some(dims))?;
    if !property.unbounded_inputs().is_empty() {
        anyhow::bail!(
            "{}: inputs {:?} have no lower or upper bound; only bounded regions can be split",
            args.property.display(),
            property.unbounded_inputs()
        );
    }
    let network = std::fs::canonicalize(&args.network)
        .with_context(|| format!("{}: cannot resolve the path", args.network.display()))?;
    let pieces = split_into(&property, args.pieces);
    let mut csv = String::new();
    let mut files = Vec::new();
    for (k, piece) in pieces.iter().enumerate() {
        let name = format!("piece_{k:04}.vnnlib");
        let mut text = format!(
            "; piece {k} of {} of {} (bisected {} times), for {}\n",
            pieces.len(),
            args.property.display(),
            piece.depth,
            network.display()
        );
        text += &vnnlib::write(&piece.property);
        let _ = writeln!(csv, "{},{name},{}", network.display(), args.timeout);
        files.push((name, text));
    }
    files.push(("instances.csv".into(), csv));
    write_folder(&args.out, &files)?;
    println!(
        "wrote {} pieces and instances.csv to {}",
        pieces.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `files` into `dir` (new or empty) through a temporary sibling folder and a rename.
fn write_folder(dir: &Path, files: &[(String, String)]) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("{}: cannot read the folder", dir.display()))?
            .next()
            .is_none();
        if !empty {
            anyhow::bail!("{}: the folder exists and is not empty", dir.display());
        }
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let tmp = tempfile::tempdir_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text)
            .with_context(|| format!("cannot write {}", dir.join(name).display()))?;
    }
    if dir.exists() {
        std::fs::remove_dir(dir).with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    let kept = tmp.keep();
    std::fs::rename(&kept, dir).with_context(|| {
        let _ = std::fs::remove_dir_all(&kept);
        format!("cannot write {}", dir.display())
    })?;
    Ok(())
}
