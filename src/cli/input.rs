//! Reading input vectors from the command line or a file: numbers separated by commas or
//! whitespace, optionally in JSON-style brackets.

use anyhow::{bail, Context};
use std::io::Read;
use std::path::Path;

/// The number tokens of an input text, with brackets and separators removed.
pub fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| c == ',' || c.is_whitespace() || c == '[' || c == ']')
        .filter(|t| !t.is_empty())
        .collect()
}

/// The text of `--input-file` (`-` reads standard input).
pub fn read_input_file(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the input file", path.display()))
}

/// Parses every token with `parse`, naming the source and position of a bad one.
pub fn parse_all<T>(
    source: &str,
    tokens: &[&str],
    expected: usize,
    parse: impl Fn(&str) -> Option<T>,
) -> anyhow::Result<Vec<T>> {
    if tokens.len() != expected {
        bail!(
            "{source}: expected {expected} input values, got {}",
            tokens.len()
        );
    }
    tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            parse(t).with_context(|| {
                format!("{source}: value {} ('{t}') is not a finite number", i + 1)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_brackets() {
        assert_eq!(tokens("[1, -2.5e3,\n 3 ]"), vec!["1", "-2.5e3", "3"]);
        let ok = parse_all("--input", &["1", "2"], 2, |t| t.parse::<f64>().ok()).unwrap();
        assert_eq!(ok, vec![1.0, 2.0]);
        let e = parse_all("--input", &["1", "x"], 2, |t| t.parse::<f64>().ok()).unwrap_err();
        assert!(e.to_string().contains("value 2 ('x')"), "{e}");
        let e = parse_all("--input", &["1"], 2, |t| t.parse::<f64>().ok()).unwrap_err();
        assert!(
            e.to_string().contains("expected 2 input values, got 1"),
            "{e}"
        );
    }
}
