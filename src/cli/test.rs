//! `vera test`: testing a network's test suites — mutation analysis and the report of a test
//! generation run.

use super::{test_mutate, test_report};
use clap::{Args, Subcommand};
use std::process::ExitCode;

/// Test suites for a network: how well they detect planted faults, and reports.
#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(subcommand)]
    pub command: TestCommand,
}

#[derive(Debug, Subcommand)]
pub enum TestCommand {
    Mutate(Box<test_mutate::MutateArgs>),
    Report(test_report::ReportArgs),
}

pub fn run(args: &TestArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        TestCommand::Mutate(a) => test_mutate::run(a),
        TestCommand::Report(a) => test_report::run(a),
    }
}
