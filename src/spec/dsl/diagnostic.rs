//! Diagnostics: errors that point into a `.vera` file, rendered with codespan-reporting.

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor, Config};
use std::fmt;
use std::ops::Range;

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

/// One problem in a spec: a message, where it is (when it is somewhere in the file), what
/// the underlined text should have been, and notes (hints, suggestions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub span: Option<Span>,
    pub label: String,
    pub notes: Vec<String>,
    /// A second place worth showing (e.g. the first definition of a duplicate); boxed to
    /// keep `Result<_, Diagnostic>` small.
    pub related: Option<Box<(Span, String)>>,
}

impl Diagnostic {
    /// A problem at `span`, with `label` under the offending text.
    pub fn at(span: Span, message: impl Into<String>, label: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            span: Some(span),
            label: label.into(),
            notes: Vec::new(),
            related: None,
        }
    }

    /// A problem with the file as a whole (it cannot be read, say).
    pub fn whole_file(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            span: None,
            label: String::new(),
            notes: Vec::new(),
            related: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related = Some(Box::new((span, label.into())));
        self
    }
}

/// Every problem found in one spec file, with the file's name and text to render them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    pub file: String,
    pub source: String,
    pub list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// The problems rendered as codespan-reporting draws them: `error: MESSAGE`, then
    /// `┌─ FILE:LINE:COLUMN`, the line with the offending text underlined and labelled, and
    /// notes; ANSI colours when `color`.
    pub fn render(&self, color: bool) -> String {
        let file = SimpleFile::new(self.file.as_str(), self.source.as_str());
        let config = Config::default();
        let mut out = String::new();
        let mut ansi = termcolor::Buffer::ansi();
        for d in &self.list {
            let mut labels = Vec::new();
            if let Some(span) = d.span {
                labels.push(Label::primary((), self.clamp(span)).with_message(&d.label));
            }
            if let Some(related) = &d.related {
                let (span, label) = related.as_ref();
                labels.push(Label::secondary((), self.clamp(*span)).with_message(label));
            }
            let mut notes = d.notes.clone();
            if d.span.is_none() {
                notes.insert(0, format!("in {}", self.file));
            }
            let rendered = Rendered::error()
                .with_message(&d.message)
                .with_labels(labels)
                .with_notes(notes);
            let result = if color {
                term::emit_to_write_style(&mut ansi, &config, &file, &rendered)
            } else {
                term::emit_to_string(&mut out, &config, &file, &rendered)
            };
            if let Err(e) = result {
                out.push_str(&format!("error: {} ({e})\n", d.message));
            }
        }
        if color {
            out.insert_str(0, &String::from_utf8_lossy(ansi.as_slice()));
        }
        out
    }

    /// A span cut to the source and to character boundaries, so rendering never fails on a
    /// span computed past the end (the end-of-file token, say).
    fn clamp(&self, span: Span) -> Range<usize> {
        let len = self.source.len();
        let mut start = span.start.min(len);
        let mut end = span.end.clamp(start, len);
        while !self.source.is_char_boundary(start) {
            start -= 1;
        }
        while !self.source.is_char_boundary(end) {
            end += 1;
        }
        Span::new(start, end).range()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(false).trim_end())
    }
}

impl std::error::Error for Diagnostics {}

/// The known name closest to `name` by edit distance, when it is close enough to be a
/// plausible typo: at most a third of the name's length (one edit at least), and never the
/// whole name (`c` does not suggest `a`).
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = name.chars().count();
    let limit = (length / 3).max(1);
    known
        .into_iter()
        .filter(|k| *k != name)
        .map(|k| (levenshtein(name, k), k))
        .filter(|(d, _)| *d <= limit && *d < length)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edit distance (insertions, deletions, substitutions) between two strings, by characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_and_suggestions() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(closest("rhoo", ["rho", "theta", "psi"]), Some("rho"));
        assert_eq!(closest("zzz", ["rho", "theta"]), None);
        assert_eq!(closest("c", ["a", "b"]), None);
        assert_eq!(closest("yy", ["y"]), Some("y"));
        assert_eq!(
            closest("argmx", ["argmax", "argmin", "ball"]),
            Some("argmax")
        );
    }

    #[test]
    fn renders_file_line_column_and_underline() {
        let source = "property p {\n  requires rhoo <= 3\n}\n";
        let d = Diagnostics {
            file: "a.vera".into(),
            source: source.into(),
            list: vec![
                Diagnostic::at(Span::new(24, 28), "unknown name `rhoo`", "not defined")
                    .with_note("did you mean `rho`?"),
            ],
        };
        let text = d.render(false);
        assert!(text.contains("a.vera:2:12"), "{text}");
        assert!(text.contains("^^^^ not defined"), "{text}");
        assert!(d.render(true).contains('\u{1b}'));
    }
}
