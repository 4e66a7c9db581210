//! The lexer: `.vera` text to tokens with spans; `//` comments and whitespace are skipped.

use super::diagnostic::{Diagnostic, Span};
use std::fmt;

/// Words the grammar reserves; they cannot name inputs, outputs, constants or properties.
pub const KEYWORDS: [&str; 15] = [
    "network",
    "inputs",
    "outputs",
    "normalize",
    "let",
    "property",
    "query",
    "requires",
    "ensures",
    "compute",
    "and",
    "or",
    "not",
    "in",
    "on",
];

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A name (`rho`, `argmax`, `linf`).
    Ident(String),
    /// A reserved word from [`KEYWORDS`], or `true` / `false`.
    Keyword(&'static str),
    /// A decimal number as written (`55947.691`, `1e-3`); the parser reads it exactly.
    Number(String),
    /// A double-quoted string (file paths), without the quotes.
    Str(String),
    /// Punctuation and operators: `( ) [ ] { } , = == != <= >= < > + - * /`.
    Symbol(&'static str),
    /// The end of the file.
    Eof,
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKind::Ident(name) => write!(f, "name `{name}`"),
            TokenKind::Keyword(k) => write!(f, "keyword `{k}`"),
            TokenKind::Number(n) => write!(f, "number `{n}`"),
            TokenKind::Str(s) => write!(f, "string \"{s}\""),
            TokenKind::Symbol(s) => write!(f, "`{s}`"),
            TokenKind::Eof => f.write_str("end of file"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Two-character operators first, so that `<=` is not read as `<` then `=`.
const SYMBOLS: [&str; 17] = [
    "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ",", "=", "<", ">", "+", "-", "*",
];

/// Splits `source` into tokens, ending with [`TokenKind::Eof`]; stops at the first character
/// that starts no token.
pub fn tokenize(source: &str) -> Result<Vec<Token>, Diagnostic> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if source[i..].starts_with("//") {
            i = source[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let end = scan(bytes, i, |b| b.is_ascii_alphanumeric() || b == b'_');
            let word = &source[i..end];
            let kind = match KEYWORDS
                .iter()
                .chain(&["true", "false"])
                .find(|k| **k == word)
            {
                Some(k) => TokenKind::Keyword(k),
                None => TokenKind::Ident(word.to_string()),
            };
            tokens.push(Token {
                kind,
                span: Span::new(i, end),
            });
            i = end;
        } else if c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let end = number_end(bytes, i);
            tokens.push(Token {
                kind: TokenKind::Number(source[i..end].to_string()),
                span: Span::new(i, end),
            });
            i = end;
        } else if c == b'"' {
            let close = source[i + 1..].find(['"', '\n']).map(|n| i + 1 + n);
            match close {
                Some(end) if bytes[end] == b'"' => {
                    tokens.push(Token {
                        kind: TokenKind::Str(source[i + 1..end].to_string()),
                        span: Span::new(i, end + 1),
                    });
                    i = end + 1;
                }
                _ => {
                    let end = close.unwrap_or(bytes.len());
                    return Err(Diagnostic::at(
                        Span::new(i, end),
                        "unterminated string",
                        "this string has no closing `\"` on its line",
                    ));
                }
            }
        } else if let Some(s) = SYMBOLS.iter().find(|s| source[i..].starts_with(**s)) {
            tokens.push(Token {
                kind: TokenKind::Symbol(s),
                span: Span::new(i, i + s.len()),
            });
            i += s.len();
        } else if c == b'/' {
            tokens.push(Token {
                kind: TokenKind::Symbol("/"),
                span: Span::new(i, i + 1),
            });
            i += 1;
        } else {
            let ch = source[i..].chars().next().unwrap_or('?');
            let d = Diagnostic::at(
                Span::new(i, i + ch.len_utf8()),
                format!("unexpected character `{}`", ch.escape_debug()),
                "not part of vera's syntax",
            );
            return Err(match ch {
                '\u{201c}' | '\u{201d}' => d.with_note("strings use straight quotes: \"...\""),
                '≤' | '≥' | '≠' => d.with_note("write `<=`, `>=` or `!=`"),
                _ => d,
            });
        }
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        span: Span::new(bytes.len(), bytes.len()),
    });
    Ok(tokens)
}

fn scan(bytes: &[u8], start: usize, keep: impl Fn(u8) -> bool) -> usize {
    bytes[start..]
        .iter()
        .position(|b| !keep(*b))
        .map_or(bytes.len(), |n| start + n)
}

/// The end of a decimal number `digits[.digits][(e|E)[+|-]digits]` starting at `start`.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let mut end = scan(bytes, start, |b| b.is_ascii_digit());
    if bytes.get(end) == Some(&b'.') {
        end = scan(bytes, end + 1, |b| b.is_ascii_digit());
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut k = end + 1;
        if matches!(bytes.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if bytes.get(k).is_some_and(u8::is_ascii_digit) {
            end = scan(bytes, k, |b| b.is_ascii_digit());
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<TokenKind> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn tokens_of_a_requires_line() {
        use TokenKind::*;
        assert_eq!(
            kinds("requires -3.1e-2 <= theta // a comment\n and x[0] != .5"),
            vec![
                Keyword("requires"),
                Symbol("-"),
                Number("3.1e-2".into()),
                Symbol("<="),
                Ident("theta".into()),
                Keyword("and"),
                Ident("x".into()),
                Symbol("["),
                Number("0".into()),
                Symbol("]"),
                Symbol("!="),
                Number(".5".into()),
                Eof
            ]
        );
        assert_eq!(
            kinds("\"a/b.onnx\" 2/3"),
            vec![
                Str("a/b.onnx".into()),
                Number("2".into()),
                Symbol("/"),
                Number("3".into()),
                Eof
            ]
        );
    }

    #[test]
    fn bad_characters_and_strings_are_located() {
        let e = tokenize("let a = 3 @").unwrap_err();
        assert_eq!(e.span, Some(Span::new(10, 11)));
        assert_eq!(e.message, "unexpected character `@`");
        let e = tokenize("network n = \"abc\nx").unwrap_err();
        assert_eq!(e.message, "unterminated string");
    }
}
