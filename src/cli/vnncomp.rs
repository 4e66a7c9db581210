//! `vera vnncomp run`: the VNN-COMP interface, writing the competition's result file.

use super::verify::{decide, EngineArgs};
use crate::verify::{Outcome, Verdict};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Seconds kept back from VNN-COMP's timeout for loading, replay and writing the result.
const TIMEOUT_RESERVE_S: f64 = 0.5;

/// The VNN-COMP interface (what scripts/vnncomp/run_instance.sh calls).
#[derive(Debug, Args)]
pub struct VnncompArgs {
    #[command(subcommand)]
    pub command: VnncompCommand,
}

#[derive(Debug, Subcommand)]
pub enum VnncompCommand {
    Run(RunArgs),
}

/// Decide one instance and write the VNN-COMP result file.
///
/// The file holds `sat` (then the counterexample as `((X_0 v) ... (Y_0 v) ...)`), `unsat`,
/// `timeout`, `unknown` or `error`. It is written to a temporary file and renamed, so it is
/// never half-written. Exit code 0 whenever a result file was written, 1 otherwise.
///
/// Example: vera vnncomp run benchmarks/vnncomp-test/test_small.onnx benchmarks/vnncomp-test/test_small.vnnlib out.txt 60
#[derive(Debug, Args)]
pub struct RunArgs {
    pub network: PathBuf,
    pub property: PathBuf,
    pub result_file: PathBuf,
    /// Seconds.
    pub timeout: f64,
    #[command(flatten)]
    pub how: EngineArgs,
}

pub fn run(args: &VnncompArgs) -> anyhow::Result<ExitCode> {
    let VnncompCommand::Run(run) = &args.command;
    let timeout = (run.timeout - TIMEOUT_RESERVE_S).max(0.0);
    let (text, failure) = match decide(&run.network, &run.property, &run.how, Some(timeout)) {
        Ok(outcome) => (result_text(&outcome), None),
        Err(e) => ("error\n".to_string(), Some(e)),
    };
    write_atomically(&run.result_file, &text)?;
    match failure {
        Some(e) => Err(e),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// The result file's text for an outcome.
pub fn result_text(outcome: &Outcome) -> String {
    match &outcome.verdict {
        Verdict::Holds => "unsat\n".into(),
        Verdict::Unknown(why) if why == "timeout" => "timeout\n".into(),
        Verdict::Unknown(_) => "unknown\n".into(),
        Verdict::Violated(r) => {
            let mut s = String::from("sat\n(");
            let pairs = r
                .input
                .iter()
                .enumerate()
                .map(|(i, v)| format!("(X_{i} {v:?})"))
                .chain(
                    r.output
                        .iter()
                        .enumerate()
                        .map(|(j, v)| format!("(Y_{j} {v:?})")),
                );
            for (k, p) in pairs.enumerate() {
                let _ = write!(s, "{}{p}", if k == 0 { "" } else { "\n " });
            }
            s.push_str(")\n");
            s
        }
    }
}

/// Writes `text` to `path` through a temporary file in the same folder and a rename.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("{}: cannot write the result file", path.display()))?;
    Ok(())
}
