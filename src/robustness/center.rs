//! Reading the centre of a robustness query: one exact input value per line, with blank lines and `#` comments.

use crate::exact::parse_rational;
use num_rational::BigRational;
use std::path::{Path, PathBuf};

/// A problem in a centre file, at a line (1-based) when one is at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CenterError {
    #[error("{}: cannot read the centre file: {problem}", path.display())]
    Io { path: PathBuf, problem: String },
    #[error("{}:{line}: expected a number (one input value per line), found '{found}'", path.display())]
    NotANumber {
        path: PathBuf,
        line: usize,
        found: String,
    },
    #[error(
        "{}:{line}: value {index} is one too many: the network has {expected} inputs",
        path.display()
    )]
    TooMany {
        path: PathBuf,
        line: usize,
        index: usize,
        expected: usize,
    },
    #[error(
        "{}: expected {expected} values (one per network input), found {found}",
        path.display()
    )]
    TooFew {
        path: PathBuf,
        expected: usize,
        found: usize,
    },
}

/// Reads the centre file at `path` for a network with `num_inputs` inputs.
pub fn read_center(path: &Path, num_inputs: usize) -> Result<Vec<BigRational>, CenterError> {
    let text = std::fs::read_to_string(path).map_err(|e| CenterError::Io {
        path: path.to_path_buf(),
        problem: e.to_string(),
    })?;
    parse_center(&text, path, num_inputs)
}

/// Parses centre text (named `path` in errors): each value exactly, so `0.1` is one tenth and
/// `1/3` a third; text after `#` on a line is a comment.
pub fn parse_center(
    text: &str,
    path: &Path,
    num_inputs: usize,
) -> Result<Vec<BigRational>, CenterError> {
    let mut values = Vec::with_capacity(num_inputs);
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let body = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
        if body.is_empty() {
            continue;
        }
        let value = parse_rational(body).ok_or_else(|| CenterError::NotANumber {
            path: path.to_path_buf(),
            line,
            found: body.to_string(),
        })?;
        if values.len() == num_inputs {
            return Err(CenterError::TooMany {
                path: path.to_path_buf(),
                line,
                index: values.len() + 1,
                expected: num_inputs,
            });
        }
        values.push(value);
    }
    if values.len() < num_inputs {
        return Err(CenterError::TooFew {
            path: path.to_path_buf(),
            expected: num_inputs,
            found: values.len(),
        });
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn values_comments_and_blank_lines() {
        let text = "# a centre\n0.5\n\n  1/3  # a third\n-2e-1\n";
        let got = parse_center(text, Path::new("c.txt"), 3).unwrap();
        assert_eq!(got, vec![q(1, 2), q(1, 3), q(-1, 5)]);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let p = Path::new("c.txt");
        let e = parse_center("1\n\nabc\n", p, 2).unwrap_err().to_string();
        assert_eq!(
            e,
            "c.txt:3: expected a number (one input value per line), found 'abc'"
        );
        let e = parse_center("1\n2\n# x\n3\n", p, 2)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.txt:4: value 3 is one too many"), "{e}");
        let e = parse_center("1 2\n", p, 2).unwrap_err().to_string();
        assert!(e.starts_with("c.txt:1: expected a number"), "{e}");
        let e = parse_center("1\n", p, 2).unwrap_err().to_string();
        assert_eq!(
            e,
            "c.txt: expected 2 values (one per network input), found 1"
        );
    }
}
