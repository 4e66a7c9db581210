//! `vera test report`: the HTML page of a test generation run.

use crate::testing::report::write_report;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write DIR/report.html from what `vera test generate ... --out DIR` wrote.
///
/// One self-contained page (open it in any browser; nothing is fetched): a summary table
/// of the runs, a coverage-over-time chart per run (criterion), and the adversarial inputs
/// found, as images when their size is a square (28×28 MNIST digits) or as values.
///
/// DIR holds report.json (one run {"criterion", "covered", "total", "adversarial",
/// "time_s", "history": [{"time_s", "covered", "tests"}, ...]}, or {"runs": [RUN, ...]}),
/// optionally tests.csv and adversarial/<k>.csv (one input on one line) with an optional
/// adversarial/<k>.png; docs/testing-report.md describes the format.
///
/// Example: vera test report out/ && xdg-open out/report.html
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The folder a test generator wrote.
    pub dir: PathBuf,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let summary = write_report(&args.dir)?;
    println!(
        "wrote {} ({} run{}, {} adversarial input{}{})",
        summary.path.display(),
        summary.runs,
        if summary.runs == 1 { "" } else { "s" },
        summary.adversarial,
        if summary.adversarial == 1 { "" } else { "s" },
        summary
            .tests
            .map_or(String::new(), |n| format!(", {n} tests")),
    );
    Ok(ExitCode::SUCCESS)
}
