//! `vera test`: testing a network by running it, as opposed to verifying it: `vera test
//! coverage` measures how much of a network a set of tests exercises.

use super::test_coverage;
use clap::{Args, Subcommand};
use std::process::ExitCode;

/// Test a network by concrete execution: coverage of a test set.
#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(subcommand)]
    pub command: TestCommand,
}

#[derive(Debug, Subcommand)]
pub enum TestCommand {
    Coverage(test_coverage::CoverageArgs),
}

pub fn run(args: &TestArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        TestCommand::Coverage(a) => test_coverage::run(a).map(|()| ExitCode::SUCCESS),
    }
}
