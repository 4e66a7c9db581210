//! The command-line interface: `vera info`, `vera eval`, `vera verify`, `vera bounds`,
//! `vera check`, `vera export`, `vera split`, `vera vnncomp`, `vera robustness`, `vera test`.

mod bounds;
mod check;
mod eval;
mod export;
mod info;
mod input;
mod robustness;
mod split;
mod test;
mod test_coverage;
mod test_generate;
mod test_mutate;
mod test_report;
mod verify;
mod vnncomp;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// vera — a formal verifier for deep neural networks.
///
/// Reads ACAS Xu `.nnet` and ONNX networks; set RUST_LOG=debug for details of what it does.
#[derive(Debug, Parser)]
#[command(name = "vera", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Info(info::InfoArgs),
    Eval(eval::EvalArgs),
    Verify(verify::VerifyArgs),
    Bounds(bounds::BoundsArgs),
    Vnncomp(vnncomp::VnncompArgs),
    Check(check::CheckArgs),
    Export(export::ExportArgs),
    Split(split::SplitArgs),
    Robustness(robustness::RobustnessArgs),
    Test(test::TestArgs),
}

/// Runs the CLI; errors are printed as one line to stderr with a non-zero exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => info::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Eval(args) => eval::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Verify(args) => verify::run(&args),
        Command::Bounds(args) => bounds::run(&args),
        Command::Vnncomp(args) => vnncomp::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Split(args) => split::run(&args),
        Command::Robustness(args) => robustness::run(&args),
        Command::Test(args) => test::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
