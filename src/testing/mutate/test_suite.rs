//! A test suite: network inputs read from a CSV file (one input per line, comma-separated
//! numbers, no header), stored row by row in f32, the precision the tests are run in.
//!
//! The reader is a stand-in for `testing::tests_file` (same format, same errors); swapping it
//! is a change to [`read_tests`] alone.

use std::path::{Path, PathBuf};

/// Inputs of one width, laid end to end.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSuite {
    width: usize,
    values: Vec<f32>,
}

/// Why a tests file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TestsFileError {
    #[error("{}: cannot read the tests file: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: no tests (expected one input per line, {width} comma-separated numbers)", path.display())]
    Empty { path: PathBuf, width: usize },
    #[error("{}:{line}: expected {expected} comma-separated values (the network's inputs), got {got}", path.display())]
    Width {
        path: PathBuf,
        line: usize,
        expected: usize,
        got: usize,
    },
    #[error("{}:{line}: value {column} ('{text}') is not a finite number", path.display())]
    NotNumber {
        path: PathBuf,
        line: usize,
        column: usize,
        text: String,
    },
}

impl TestSuite {
    /// A suite from inputs laid end to end; `None` when `values` is not a whole number of
    /// inputs of `width` values (or `width` is 0).
    pub fn new(width: usize, values: Vec<f32>) -> Option<TestSuite> {
        (width > 0 && values.len().is_multiple_of(width)).then_some(TestSuite { width, values })
    }

    /// Number of values in one input.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of tests.
    pub fn len(&self) -> usize {
        self.values.len() / self.width
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Test `i` (0-based).
    pub fn input(&self, i: usize) -> &[f32] {
        &self.values[i * self.width..(i + 1) * self.width]
    }
}

/// Reads a tests file for a network of `width` inputs. Blank lines are skipped; line numbers
/// in errors count them.
pub fn read_tests(path: &Path, width: usize) -> Result<TestSuite, TestsFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| TestsFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut values = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != width {
            return Err(TestsFileError::Width {
                path: path.to_path_buf(),
                line: index + 1,
                expected: width,
                got: cells.len(),
            });
        }
        for (column, cell) in cells.iter().enumerate() {
            match cell.parse::<f32>() {
                Ok(v) if v.is_finite() => values.push(v),
                _ => {
                    return Err(TestsFileError::NotNumber {
                        path: path.to_path_buf(),
                        line: index + 1,
                        column: column + 1,
                        text: cell.to_string(),
                    })
                }
            }
        }
    }
    if values.is_empty() {
        return Err(TestsFileError::Empty {
            path: path.to_path_buf(),
            width,
        });
    }
    Ok(TestSuite { width, values })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn reads_rows_and_skips_blank_lines() {
        let f = file("1, 2.5,-3\n\n0,0,1e-3\n");
        let suite = read_tests(f.path(), 3).unwrap();
        assert_eq!(suite.len(), 2);
        assert_eq!(suite.input(1), &[0.0, 0.0, 1e-3]);
    }

    #[test]
    fn errors_name_line_and_expectation() {
        let f = file("1,2,3\n1,2\n");
        let e = read_tests(f.path(), 3).unwrap_err().to_string();
        assert!(
            e.ends_with(":2: expected 3 comma-separated values (the network's inputs), got 2"),
            "{e}"
        );
        let f = file("1,x,3\n");
        let e = read_tests(f.path(), 3).unwrap_err().to_string();
        assert!(
            e.ends_with(":1: value 2 ('x') is not a finite number"),
            "{e}"
        );
        let f = file("1,inf,3\n");
        assert!(read_tests(f.path(), 3).is_err());
        let f = file("\n\n");
        let e = read_tests(f.path(), 3).unwrap_err().to_string();
        assert!(e.contains("no tests"), "{e}");
        let e = read_tests(Path::new("/no/such/tests.csv"), 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/no/such/tests.csv: cannot read"), "{e}");
    }
}
