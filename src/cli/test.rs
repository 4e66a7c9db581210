//! `vera test`: testing a network by running it, as opposed to verifying it: `vera test
//! coverage` measures how much of a network a set of tests exercises, `vera test generate`
//! grows a suite for a criterion, `vera test mutate` scores a suite by the planted faults it
//! detects, and `vera test report` draws a generation run.

use super::{test_coverage, test_generate, test_mutate, test_report};
use clap::{Args, Subcommand};
use std::process::ExitCode;

/// Test a network by concrete execution: coverage, generation, mutation testing, reports.
#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(subcommand)]
    pub command: TestCommand,
}

#[derive(Debug, Subcommand)]
pub enum TestCommand {
    Coverage(test_coverage::CoverageArgs),
    Generate(Box<test_generate::GenerateArgs>),
    Mutate(Box<test_mutate::MutateArgs>),
    Report(test_report::ReportArgs),
}

pub fn run(args: &TestArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        TestCommand::Coverage(a) => test_coverage::run(a).map(|()| ExitCode::SUCCESS),
        TestCommand::Generate(a) => test_generate::run(a).map(|()| ExitCode::SUCCESS),
        TestCommand::Mutate(a) => test_mutate::run(a),
        TestCommand::Report(a) => test_report::run(a),
    }
}
