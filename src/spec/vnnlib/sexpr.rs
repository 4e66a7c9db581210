//! The s-expression layer of VNN-LIB: a lexer (symbols, parentheses, `;` comments) and a tree builder.

use super::error::{ErrorKind, Located, Position};

/// How deep forms may nest. Real files nest about five levels; the limit keeps the
/// recursive passes over the tree (terms, formulas, DNF) far from the stack's end whatever
/// the input.
pub const MAX_NESTING: usize = 200;

/// A symbol (operator, variable, number, keyword) or a parenthesised list, with where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SExpr {
    Symbol { text: String, at: Position },
    List { items: Vec<SExpr>, at: Position },
}

impl SExpr {
    pub fn at(&self) -> Position {
        match self {
            SExpr::Symbol { at, .. } | SExpr::List { at, .. } => *at,
        }
    }

    /// A short description for "expected ..., found ..." messages.
    pub fn describe(&self) -> String {
        match self {
            SExpr::Symbol { text, .. } => format!("`{text}`"),
            SExpr::List { items, .. } => match items.first() {
                Some(SExpr::Symbol { text, .. }) => format!("a `({text} ...)` form"),
                Some(SExpr::List { .. }) => "a form whose head is a form".into(),
                None => "`()`".into(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Symbol(String),
}

/// Splits text into tokens with their positions. Anything that is not whitespace, a
/// parenthesis or a comment belongs to a symbol; later passes decide what a symbol means.
fn tokens(text: &str) -> Vec<(Token, Position)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut column) = (1usize, 1usize);
    let mut symbol: Option<(String, Position)> = None;
    while let Some(c) = chars.next() {
        let at = Position { line, column };
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
        let delimiter = c.is_whitespace() || c == '(' || c == ')' || c == ';';
        if delimiter {
            if let Some((text, start)) = symbol.take() {
                out.push((Token::Symbol(text), start));
            }
        }
        match c {
            '(' => out.push((Token::Open, at)),
            ')' => out.push((Token::Close, at)),
            ';' => {
                // A comment runs to the end of the line; the newline itself resets the column.
                while chars.peek().is_some_and(|&n| n != '\n') {
                    chars.next();
                    column += 1;
                }
            }
            _ if delimiter => {}
            _ => match &mut symbol {
                Some((text, _)) => text.push(c),
                None => symbol = Some((c.to_string(), at)),
            },
        }
    }
    if let Some((text, start)) = symbol {
        out.push((Token::Symbol(text), start));
    }
    out
}

/// Parses text into its top-level forms, without recursion (so nesting depth cannot
/// overflow the stack before [`MAX_NESTING`] is checked).
pub fn parse_forms(text: &str) -> Result<Vec<SExpr>, Located> {
    let mut top: Vec<SExpr> = Vec::new();
    // Open lists: where each started and the items read so far.
    let mut open: Vec<(Position, Vec<SExpr>)> = Vec::new();
    for (token, at) in tokens(text) {
        let finished = match token {
            Token::Open => {
                if open.len() >= MAX_NESTING {
                    return Err(Located::new(at, ErrorKind::TooDeep { limit: MAX_NESTING }));
                }
                open.push((at, Vec::new()));
                continue;
            }
            Token::Close => match open.pop() {
                Some((start, items)) => SExpr::List { items, at: start },
                None => return Err(Located::new(at, ErrorKind::UnbalancedClose)),
            },
            Token::Symbol(text) => SExpr::Symbol { text, at },
        };
        match open.last_mut() {
            Some((_, items)) => items.push(finished),
            None => top.push(finished),
        }
    }
    match open.first() {
        // The outermost unclosed form is the one a reader should look at.
        Some((start, _)) => Err(Located::new(*start, ErrorKind::Unterminated)),
        None => Ok(top),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn comments_and_adjacent_parentheses() {
        let forms = parse_forms("; c (\n(a b)(c) ; d)\n  e").unwrap();
        assert_eq!(forms.len(), 3);
        assert_eq!(forms[0].at(), pos(2, 1));
        assert_eq!(forms[1].at(), pos(2, 6));
        assert_eq!(forms[2].at(), pos(3, 3));
        match &forms[0] {
            SExpr::List { items, .. } => assert_eq!(items[1].at(), pos(2, 4)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unbalanced_and_unterminated_forms_point_at_the_parenthesis() {
        let e = parse_forms("(a)\n  )").unwrap_err();
        assert_eq!((e.at, e.kind), (pos(2, 3), ErrorKind::UnbalancedClose));
        let e = parse_forms("(a)\n (b (c)").unwrap_err();
        assert_eq!((e.at, e.kind), (pos(2, 2), ErrorKind::Unterminated));
        let deep = "(".repeat(MAX_NESTING + 1);
        let e = parse_forms(&deep).unwrap_err();
        assert_eq!(e.at, pos(1, MAX_NESTING + 1));
    }
}
