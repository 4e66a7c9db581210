//! The command-line interface: `vera info`, `vera eval`.

mod eval;
mod info;
mod input;

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
}

/// Runs the CLI; errors are printed as one line to stderr with a non-zero exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => info::run(&args),
        Command::Eval(args) => eval::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
