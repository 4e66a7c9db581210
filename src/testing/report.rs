//! The HTML report of a test generation run: `vera test report DIR` reads what
//! `vera test generate ... --out DIR` writes and writes `DIR/report.html`, one self-contained
//! page (inline SVG charts, images as PNG data URIs) with a summary table, one
//! coverage-over-time chart per run, and the adversarial inputs found.
//!
//! # The folder
//!
//! - `DIR/report.json` (required): one run, or several under `"runs"`:
//!   ```json
//!   {"criterion": "ss", "covered": 812, "total": 1000, "adversarial": 3, "time_s": 12.5,
//!    "history": [{"time_s": 0.0, "covered": 0, "tests": 0},
//!                {"time_s": 1.2, "covered": 400, "tests": 100}]}
//!   ```
//!   or `{"runs": [RUN, RUN, ...]}`. Per run: `criterion` (string), `covered` and `total`
//!   (coverage items, `covered <= total`) are required; `adversarial` (count, default 0),
//!   `time_s` (seconds, default the last history time), `history` (coverage after each step,
//!   default empty), `tests` (tests generated, default the last history count) and
//!   `generator` (a name, shown beside the criterion) are optional. Unknown fields are
//!   ignored, so generators may add their own.
//! - `DIR/tests.csv` (optional): the generated tests, one input per line, comma-separated
//!   numbers, no header; the report counts them.
//! - `DIR/adversarial/<k>.csv` (optional): adversarial input `k` (a number), its values
//!   comma-separated on one line; `DIR/adversarial/<k>.png` (optional) its picture. Inputs
//!   without a picture whose size is a square (784 = 28×28 for MNIST) are drawn as grayscale
//!   images, values in [0, 1] (clamped); other inputs are listed as values.
//!
//! `docs/testing-report.md` describes the same format for generator writers.

mod chart;
mod folder;
mod page;

pub use folder::{read_adversarial, read_runs, AdversarialInput, HistoryPoint, Run};

use std::path::{Path, PathBuf};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {problem}", path.display())]
    Malformed { path: PathBuf, problem: String },
    #[error("chart of {criterion}: {problem}")]
    Chart { criterion: String, problem: String },
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSummary {
    pub path: PathBuf,
    pub runs: usize,
    pub adversarial: usize,
    pub tests: Option<usize>,
}

/// Reads `dir` (the format above) and writes `dir/report.html`.
pub fn write_report(dir: &Path) -> Result<ReportSummary, ReportError> {
    let runs = read_runs(&dir.join("report.json"))?;
    let adversarial = read_adversarial(&dir.join("adversarial"))?;
    let tests = folder::count_tests(&dir.join("tests.csv"))?;
    let charts = runs
        .iter()
        .map(chart::coverage_chart)
        .collect::<Result<Vec<_>, _>>()?;
    let html = page::render(dir, &runs, &charts, &adversarial, tests)?;
    let path = dir.join("report.html");
    std::fs::write(&path, html).map_err(|source| ReportError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(ReportSummary {
        path,
        runs: runs.len(),
        adversarial: adversarial.len(),
        tests,
    })
}
