//! Test files: one test input per line as comma-separated numbers (no header), and the
//! companion files of row pairs and class labels.

use super::batch::Batch;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why a test file (or a pairs or labels file) could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TestsFileError {
    #[error("{}: cannot read the file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write the file: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: the file has no {what}; expected one a line", path.display())]
    Empty { path: PathBuf, what: &'static str },
    #[error("{}:{line}: expected {expected} comma-separated values, got {got}", path.display())]
    Width {
        path: PathBuf,
        line: usize,
        expected: usize,
        got: usize,
    },
    #[error(
        "{}:{line}: value {column} ('{cell}') is not a finite number; expected {expected}",
        path.display()
    )]
    NotANumber {
        path: PathBuf,
        line: usize,
        column: usize,
        cell: String,
        expected: &'static str,
    },
    #[error("{}:{line}: row {row} is out of range; the tests file has rows 0..{rows}", path.display())]
    RowOutOfRange {
        path: PathBuf,
        line: usize,
        row: usize,
        rows: usize,
    },
    #[error("{}: {got} labels for {expected} tests; expected one label a line", path.display())]
    LabelCount {
        path: PathBuf,
        expected: usize,
        got: usize,
    },
}

/// The non-blank lines of a file with their 1-based line numbers; a blank line before the
/// last non-blank one is kept (as an empty line) so that it is reported, not skipped, since
/// skipping it would shift the row numbers that pairs files refer to.
fn lines(text: &str) -> Vec<(usize, &str)> {
    let mut lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .collect();
    while lines.last().is_some_and(|(_, l)| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn cells(line: &str) -> Vec<&str> {
    line.split(',').map(str::trim).collect()
}

/// Reads a test file whose every line holds `width` numbers.
pub fn read_tests(path: &Path, width: usize) -> Result<Batch, TestsFileError> {
    let text = read(path)?;
    parse_tests(path, &text, width)
}

/// Parses the text of a test file (`path` only names it in errors). Values are read as f32
/// (correctly rounded), so a file written by [`write_tests`] replays bit for bit.
pub fn parse_tests(path: &Path, text: &str, width: usize) -> Result<Batch, TestsFileError> {
    let lines = lines(text);
    if lines.is_empty() {
        return Err(TestsFileError::Empty {
            path: path.into(),
            what: "tests",
        });
    }
    let mut data = Vec::with_capacity(lines.len() * width);
    for (line, content) in &lines {
        let cells = if content.is_empty() {
            Vec::new()
        } else {
            cells(content)
        };
        if cells.len() != width {
            return Err(TestsFileError::Width {
                path: path.into(),
                line: *line,
                expected: width,
                got: cells.len(),
            });
        }
        for (column, cell) in cells.iter().enumerate() {
            let value = cell.parse::<f32>().ok().filter(|v| v.is_finite());
            data.push(value.ok_or_else(|| TestsFileError::NotANumber {
                path: path.into(),
                line: *line,
                column: column + 1,
                cell: cell.to_string(),
                expected: "a finite number",
            })?);
        }
    }
    Ok(Batch::from_row_major(lines.len(), width, data).unwrap_or_else(|| Batch::empty(width)))
}

/// The text of a test file for `tests`: every value as the shortest decimal that reads back
/// as the same f32.
pub fn format_tests(tests: &Batch) -> String {
    let mut out = String::new();
    for row in tests.iter_rows() {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // `{:?}` of an f32 is its shortest round-trip representation.
            let _ = write!(out, "{v:?}");
        }
        out.push('\n');
    }
    out
}

/// Writes `tests` as a test file (see [`format_tests`]).
pub fn write_tests(path: &Path, tests: &Batch) -> Result<(), TestsFileError> {
    std::fs::write(path, format_tests(tests)).map_err(|source| TestsFileError::Write {
        path: path.into(),
        source,
    })
}

/// Reads a pairs file: one `a,b` a line, 0-based row numbers into a tests file of `rows`
/// tests.
pub fn read_pairs(path: &Path, rows: usize) -> Result<Vec<(usize, usize)>, TestsFileError> {
    let text = read(path)?;
    let lines = lines(&text);
    if lines.is_empty() {
        return Err(TestsFileError::Empty {
            path: path.into(),
            what: "pairs",
        });
    }
    let mut pairs = Vec::with_capacity(lines.len());
    for (line, content) in &lines {
        let cells = cells(content);
        if cells.len() != 2 {
            return Err(TestsFileError::Width {
                path: path.into(),
                line: *line,
                expected: 2,
                got: if content.is_empty() { 0 } else { cells.len() },
            });
        }
        let mut pair = [0; 2];
        for (column, cell) in cells.iter().enumerate() {
            let row = cell
                .parse::<usize>()
                .map_err(|_| TestsFileError::NotANumber {
                    path: path.into(),
                    line: *line,
                    column: column + 1,
                    cell: cell.to_string(),
                    expected: "a row number (0, 1, 2, ...)",
                })?;
            if row >= rows {
                return Err(TestsFileError::RowOutOfRange {
                    path: path.into(),
                    line: *line,
                    row,
                    rows,
                });
            }
            pair[column] = row;
        }
        pairs.push((pair[0], pair[1]));
    }
    Ok(pairs)
}

/// Reads a labels file: one class number a line, one line per test of a tests file of
/// `tests` tests.
pub fn read_labels(path: &Path, tests: usize) -> Result<Vec<usize>, TestsFileError> {
    let text = read(path)?;
    let lines = lines(&text);
    if lines.len() != tests {
        return Err(TestsFileError::LabelCount {
            path: path.into(),
            expected: tests,
            got: lines.len(),
        });
    }
    lines
        .iter()
        .map(|(line, cell)| {
            cell.parse::<usize>()
                .map_err(|_| TestsFileError::NotANumber {
                    path: path.into(),
                    line: *line,
                    column: 1,
                    cell: cell.to_string(),
                    expected: "a class number (0, 1, 2, ...)",
                })
        })
        .collect()
}

fn read(path: &Path) -> Result<String, TestsFileError> {
    std::fs::read_to_string(path).map_err(|source| TestsFileError::Read {
        path: path.into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, width: usize) -> Result<Batch, TestsFileError> {
        parse_tests(Path::new("t.csv"), text, width)
    }

    #[test]
    fn reads_rows_and_trailing_blank_lines() {
        let b = parse("1, -2.5e-3\n0,4\n\n", 2).unwrap();
        assert_eq!(b.as_slice(), &[1.0, -2.5e-3, 0.0, 4.0]);
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        let e = parse("1,2\n3\n", 2).unwrap_err().to_string();
        assert_eq!(e, "t.csv:2: expected 2 comma-separated values, got 1");
        let e = parse("1,2\n\n3,4\n", 2).unwrap_err().to_string();
        assert_eq!(e, "t.csv:2: expected 2 comma-separated values, got 0");
        let e = parse("1,x\n", 2).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.csv:1: value 2 ('x') is not a finite number; expected a finite number"
        );
        assert!(parse("1,NaN\n", 2).is_err());
        let e = parse("\n \n", 2).unwrap_err().to_string();
        assert_eq!(e, "t.csv: the file has no tests; expected one a line");
    }

    /// Written values read back bit for bit.
    #[test]
    fn written_files_replay_exactly() {
        let values = vec![0.1f32, 1.0 / 3.0, -7.006e-39, 3.4e38, 0.0, -0.0];
        let b = Batch::from_row_major(2, 3, values).unwrap();
        let back = parse(&format_tests(&b), 3).unwrap();
        let bits = |b: &Batch| b.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&b));
    }
}
