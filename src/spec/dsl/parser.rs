//! The parser: tokens to a syntax tree by recursive descent, with "expected X, found Y" errors.
//!
//! After a syntax error the parser skips to the next top-level declaration and goes on, so
//! one run reports the errors of every declaration.

use super::ast::{ArithOp, Block, CmpOp, Expr, ExprKind, Ident, Item, LetValue, Side, StrLit};
use super::diagnostic::{Diagnostic, Span};
use super::lexer::{Token, TokenKind};
use crate::exact::parse_rational;

/// How deeply expressions may nest (parentheses, `not`, unary minus) before the parser
/// refuses: deeper nesting is never meant, and recursion must not overflow the stack.
pub const MAX_NESTING: usize = 100;

/// How many binary operators one `requires`, `ensures` or other top-level expression may
/// have: chains like `a + b + c` nest in the tree, and checking recurses over it.
pub const MAX_OPERATORS: usize = 1000;

/// Words that start a top-level declaration.
const ITEM_KEYWORDS: [&str; 7] = [
    "network",
    "inputs",
    "outputs",
    "normalize",
    "let",
    "property",
    "query",
];

/// Parses a whole file; on errors, every syntax error found.
pub fn parse(tokens: &[Token]) -> Result<Vec<Item>, Vec<Diagnostic>> {
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
        operators: 0,
    };
    let mut items = Vec::new();
    let mut errors = Vec::new();
    while !parser.at_eof() {
        match parser.item() {
            Ok(item) => items.push(item),
            Err(e) => {
                errors.push(e);
                parser.recover();
            }
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    depth: usize,
    /// Binary operators in the current top-level expression.
    operators: usize,
}

type Parsed<T> = Result<T, Diagnostic>;

impl<'t> Parser<'t> {
    fn peek(&self) -> &'t Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &'t Token {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)]
    }

    fn at_eof(&self) -> bool {
        self.peek().kind == TokenKind::Eof
    }

    fn bump(&mut self) -> &'t Token {
        let t = self.peek();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is_symbol(&self, s: &str) -> bool {
        matches!(self.peek().kind, TokenKind::Symbol(t) if t == s)
    }

    fn is_keyword(&self, k: &str) -> bool {
        matches!(self.peek().kind, TokenKind::Keyword(t) if t == k)
    }

    fn is_ident(&self, word: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Ident(t) if t == word)
    }

    /// The error "expected WHAT, found TOKEN" at the current token.
    fn expected(&self, what: &str) -> Diagnostic {
        let found = self.peek();
        Diagnostic::at(
            found.span,
            format!("expected {what}, found {}", found.kind),
            format!("expected {what}"),
        )
    }

    fn symbol(&mut self, s: &str, what: &str) -> Parsed<Span> {
        if self.is_symbol(s) {
            Ok(self.bump().span)
        } else {
            Err(self.expected(what))
        }
    }

    /// A contextual word such as `mean`, `range`, `bounds` or `tensor`.
    fn word(&mut self, word: &str) -> Parsed<Span> {
        if self.is_ident(word) {
            Ok(self.bump().span)
        } else {
            Err(self.expected(&format!("`{word}`")))
        }
    }

    fn ident(&mut self, what: &str) -> Parsed<Ident> {
        match &self.peek().kind {
            TokenKind::Ident(name) => {
                let span = self.bump().span;
                Ok(Ident {
                    name: name.clone(),
                    span,
                })
            }
            _ => Err(self.expected(what)),
        }
    }

    fn string(&mut self, what: &str) -> Parsed<StrLit> {
        match &self.peek().kind {
            TokenKind::Str(value) => {
                let span = self.bump().span;
                Ok(StrLit {
                    value: value.clone(),
                    span,
                })
            }
            _ => Err(self.expected(what)),
        }
    }

    /// Skips to the next top-level declaration keyword outside braces.
    fn recover(&mut self) {
        let mut depth = 0usize;
        let start = self.pos;
        loop {
            let t = self.peek();
            match &t.kind {
                TokenKind::Eof => return,
                TokenKind::Symbol("{") => depth += 1,
                TokenKind::Symbol("}") => depth = depth.saturating_sub(1),
                TokenKind::Keyword(k) if depth == 0 && ITEM_KEYWORDS.contains(k) => {
                    let after_normalize = self.pos > 0
                        && matches!(
                            self.tokens[self.pos - 1].kind,
                            TokenKind::Keyword("normalize")
                        );
                    if self.pos > start && !after_normalize {
                        return;
                    }
                }
                _ => {}
            }
            self.bump();
        }
    }

    fn item(&mut self) -> Parsed<Item> {
        let start = self.peek().span;
        match self.peek().kind {
            TokenKind::Keyword("network") => {
                self.bump();
                let name = self.ident("a network name")?;
                self.symbol("=", "`=` and the network's file path")?;
                let path = self.string("the network's file path in double quotes")?;
                Ok(Item::Network { name, path })
            }
            TokenKind::Keyword(k @ ("inputs" | "outputs")) => {
                self.bump();
                let side = if k == "inputs" {
                    Side::Inputs
                } else {
                    Side::Outputs
                };
                let mut names = vec![self.ident(&format!("a name for the first of the {k}"))?];
                while self.is_symbol(",") {
                    self.bump();
                    names.push(self.ident("a name after `,`")?);
                }
                let span = start.to(names[names.len() - 1].span);
                Ok(Item::Names { side, names, span })
            }
            TokenKind::Keyword("normalize") => {
                self.bump();
                let side = if self.is_keyword("inputs") {
                    Side::Inputs
                } else if self.is_keyword("outputs") {
                    Side::Outputs
                } else {
                    return Err(self.expected("`inputs` or `outputs`"));
                };
                self.bump();
                self.word("mean")?;
                let mean = self.expr()?;
                self.word("range")?;
                let range = self.expr()?;
                let span = start.to(range.span);
                Ok(Item::Normalize {
                    side,
                    mean,
                    range,
                    span,
                })
            }
            TokenKind::Keyword("let") => {
                self.bump();
                let name = self.ident("a name to define")?;
                self.symbol("=", "`=`")?;
                let value = if self.is_ident("tensor")
                    && matches!(self.peek_at(1).kind, TokenKind::Str(_))
                {
                    self.bump();
                    LetValue::Tensor(self.string("a file path")?)
                } else {
                    LetValue::Expr(self.expr()?)
                };
                Ok(Item::Let { name, value })
            }
            TokenKind::Keyword(k @ ("property" | "query")) => {
                self.bump();
                let block = self.block(k == "query")?;
                Ok(if k == "query" {
                    Item::Query(block)
                } else {
                    Item::Property(block)
                })
            }
            _ => Err(self.expected(
                "a declaration (`network`, `inputs`, `outputs`, `normalize`, `let`, `property` or `query`)",
            )),
        }
    }

    fn block(&mut self, query: bool) -> Parsed<Block> {
        let kind = if query { "query" } else { "property" };
        let name = self.ident(&format!("a {kind} name"))?;
        let network = if self.is_keyword("on") {
            self.bump();
            Some(self.ident("a network name after `on`")?)
        } else {
            None
        };
        self.symbol("{", &format!("`{{` to open the {kind}"))?;
        let mut block = Block {
            name,
            network,
            requires: Vec::new(),
            ensures: Vec::new(),
            bounds: Vec::new(),
        };
        loop {
            if self.is_symbol("}") {
                self.bump();
                break;
            }
            if self.is_keyword("requires") {
                self.bump();
                block.requires.push(self.expr()?);
            } else if !query && self.is_keyword("ensures") {
                self.bump();
                block.ensures.push(self.expr()?);
            } else if query && self.is_keyword("compute") {
                self.bump();
                self.word("bounds")?;
                block.bounds.push(self.expr()?);
                while self.is_symbol(",") {
                    self.bump();
                    block.bounds.push(self.expr()?);
                }
            } else {
                let e = self.expected(if query {
                    "`requires`, `compute bounds` or `}`"
                } else {
                    "`requires`, `ensures` or `}`"
                });
                return Err(if self.is_symbol("=") {
                    e.with_note("to compare, write `==`")
                } else {
                    e
                });
            }
        }
        Ok(block)
    }

    /// An expression or formula (lowest precedence: `or`).
    pub fn expr(&mut self) -> Parsed<Expr> {
        if self.depth == 0 {
            self.operators = 0;
        }
        self.nested(|p| {
            let mut lhs = p.and_expr()?;
            while p.is_keyword("or") {
                p.operator()?;
                let rhs = p.and_expr()?;
                lhs = binary(lhs, rhs, ExprKind::Or);
            }
            Ok(lhs)
        })
    }

    /// Consumes a binary operator, counting it against [`MAX_OPERATORS`].
    fn operator(&mut self) -> Parsed<()> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            return Err(Diagnostic::at(
                self.peek().span,
                format!("expression with more than {MAX_OPERATORS} operators"),
                "too long",
            )
            .with_note("split it into several `requires` or `ensures`, or use vectors"));
        }
        self.bump();
        Ok(())
    }

    /// Guards recursion depth around `f`.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Parsed<T>) -> Parsed<T> {
        if self.depth >= MAX_NESTING {
            return Err(Diagnostic::at(
                self.peek().span,
                format!("expression nested more than {MAX_NESTING} levels deep"),
                "nested too deeply",
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn and_expr(&mut self) -> Parsed<Expr> {
        let mut lhs = self.not_expr()?;
        while self.is_keyword("and") {
            self.operator()?;
            let rhs = self.not_expr()?;
            lhs = binary(lhs, rhs, ExprKind::And);
        }
        Ok(lhs)
    }

    fn not_expr(&mut self) -> Parsed<Expr> {
        if self.is_keyword("not") {
            let start = self.bump().span;
            let inner = self.nested(|p| p.not_expr())?;
            let span = start.to(inner.span);
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(inner)),
                span,
            });
        }
        self.cmp_expr()
    }

    fn cmp_op(&self) -> Option<CmpOp> {
        match self.peek().kind {
            TokenKind::Symbol("<=") => Some(CmpOp::Le),
            TokenKind::Symbol("<") => Some(CmpOp::Lt),
            TokenKind::Symbol(">=") => Some(CmpOp::Ge),
            TokenKind::Symbol(">") => Some(CmpOp::Gt),
            TokenKind::Symbol("==") => Some(CmpOp::Eq),
            TokenKind::Symbol("!=") => Some(CmpOp::Ne),
            _ => None,
        }
    }

    fn cmp_expr(&mut self) -> Parsed<Expr> {
        let first = self.add_expr()?;
        let negated_in =
            self.is_keyword("not") && matches!(self.peek_at(1).kind, TokenKind::Keyword("in"));
        if self.is_keyword("in") || negated_in {
            if negated_in {
                self.bump();
            }
            self.bump();
            let set = self.add_expr()?;
            let span = first.span.to(set.span);
            return Ok(Expr {
                kind: ExprKind::In {
                    value: Box::new(first),
                    set: Box::new(set),
                    negated: negated_in,
                },
                span,
            });
        }
        let mut rest = Vec::new();
        while let Some(op) = self.cmp_op() {
            self.operator()?;
            rest.push((op, self.add_expr()?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        let span = first.span.to(rest[rest.len() - 1].1.span);
        Ok(Expr {
            kind: ExprKind::Compare {
                first: Box::new(first),
                rest,
            },
            span,
        })
    }

    fn add_expr(&mut self) -> Parsed<Expr> {
        let mut lhs = self.mul_expr()?;
        loop {
            let op = match self.peek().kind {
                TokenKind::Symbol("+") => ArithOp::Add,
                TokenKind::Symbol("-") => ArithOp::Sub,
                _ => return Ok(lhs),
            };
            self.operator()?;
            let rhs = self.mul_expr()?;
            lhs = arith(op, lhs, rhs);
        }
    }

    fn mul_expr(&mut self) -> Parsed<Expr> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek().kind {
                TokenKind::Symbol("*") => ArithOp::Mul,
                TokenKind::Symbol("/") => ArithOp::Div,
                _ => return Ok(lhs),
            };
            self.operator()?;
            let rhs = self.unary()?;
            lhs = arith(op, lhs, rhs);
        }
    }

    fn unary(&mut self) -> Parsed<Expr> {
        if self.is_symbol("-") {
            let start = self.bump().span;
            let inner = self.nested(|p| p.unary())?;
            let span = start.to(inner.span);
            return Ok(Expr {
                kind: ExprKind::Neg(Box::new(inner)),
                span,
            });
        }
        let mut e = self.primary()?;
        while self.is_symbol("[") {
            self.bump();
            let index = self.expr()?;
            let end = self.symbol("]", "`]` to close the index")?;
            let span = e.span.to(end);
            e = Expr {
                kind: ExprKind::Index {
                    base: Box::new(e),
                    index: Box::new(index),
                },
                span,
            };
        }
        Ok(e)
    }

    fn primary(&mut self) -> Parsed<Expr> {
        let token = self.peek();
        let span = token.span;
        match &token.kind {
            TokenKind::Number(text) => {
                self.bump();
                let value = parse_rational(text).ok_or_else(|| {
                    Diagnostic::at(
                        span,
                        format!("cannot read the number `{text}`"),
                        "not a number vera can represent exactly",
                    )
                })?;
                Ok(Expr {
                    kind: ExprKind::Number(value),
                    span,
                })
            }
            TokenKind::Keyword(k @ ("true" | "false")) => {
                self.bump();
                Ok(Expr {
                    kind: ExprKind::Bool(*k == "true"),
                    span,
                })
            }
            TokenKind::Ident(name) => {
                self.bump();
                if self.is_symbol("(") {
                    self.bump();
                    let args = self.list(")", "`,` or `)` after an argument")?;
                    let end = self.tokens[self.pos - 1].span;
                    return Ok(Expr {
                        kind: ExprKind::Call {
                            function: Ident {
                                name: name.clone(),
                                span,
                            },
                            args,
                        },
                        span: span.to(end),
                    });
                }
                Ok(Expr {
                    kind: ExprKind::Name(name.clone()),
                    span,
                })
            }
            TokenKind::Symbol("(") => {
                self.bump();
                let inner = self.expr()?;
                let end = self.symbol(")", "`)` to close the parenthesis")?;
                Ok(Expr {
                    kind: inner.kind,
                    span: span.to(end),
                })
            }
            TokenKind::Symbol(open @ ("[" | "{")) => {
                self.bump();
                let (close, what) = if *open == "[" {
                    ("]", "`,` or `]` in the list")
                } else {
                    ("}", "`,` or `}` in the set")
                };
                let items = self.list(close, what)?;
                let end = self.tokens[self.pos - 1].span;
                let kind = if *open == "[" {
                    ExprKind::Array(items)
                } else {
                    ExprKind::Set(items)
                };
                Ok(Expr {
                    kind,
                    span: span.to(end),
                })
            }
            _ => Err(self.expected("a number, a name or `(`")),
        }
    }

    /// Comma-separated expressions up to `close` (consumed); may be empty.
    fn list(&mut self, close: &str, what: &str) -> Parsed<Vec<Expr>> {
        let mut items = Vec::new();
        if self.is_symbol(close) {
            self.bump();
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if self.is_symbol(",") {
                self.bump();
            } else if self.is_symbol(close) {
                self.bump();
                return Ok(items);
            } else {
                return Err(self.expected(what));
            }
        }
    }
}

fn binary(lhs: Expr, rhs: Expr, make: fn(Box<Expr>, Box<Expr>) -> ExprKind) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr {
        kind: make(Box::new(lhs), Box::new(rhs)),
        span,
    }
}

fn arith(op: ArithOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr {
        kind: ExprKind::Arith {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::dsl::lexer::tokenize;

    fn items(source: &str) -> Result<Vec<Item>, Vec<Diagnostic>> {
        parse(&tokenize(source).map_err(|e| vec![e])?)
    }

    #[test]
    fn a_property_with_chains_and_argmin() {
        let parsed = items(
            "network n = \"a.onnx\"\n\
             property p on n { requires 0 <= x[0] <= 1 and not (x[1] > 2) ensures not (argmin(y) == 0) }",
        )
        .unwrap();
        let Item::Property(block) = &parsed[1] else {
            panic!("{parsed:?}")
        };
        assert_eq!(block.network.as_ref().unwrap().name, "n");
        assert!(matches!(block.requires[0].kind, ExprKind::And(..)));
        assert!(matches!(block.ensures[0].kind, ExprKind::Not(..)));
    }

    #[test]
    fn precedence_of_arithmetic() {
        let parsed = items("let a = 1 - 2 * 3 + -4 / 2").unwrap();
        let Item::Let {
            value: LetValue::Expr(e),
            ..
        } = &parsed[0]
        else {
            panic!()
        };
        // ((1 - (2*3)) + ((-4)/2))
        assert!(matches!(
            &e.kind,
            ExprKind::Arith {
                op: ArithOp::Add,
                ..
            }
        ));
    }

    #[test]
    fn errors_are_collected_per_declaration() {
        let errors = items("let = 3\nlet b = (1\nproperty p { requires x[0] <= 1 }").unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].message, "expected a name to define, found `=`");
        assert_eq!(
            errors[1].message,
            "expected `)` to close the parenthesis, found keyword `property`"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let source = format!("let a = {}1", "(".repeat(5000));
        let errors = items(&source).unwrap_err();
        assert!(errors[0].message.contains("nested more than"));
        let source = format!("let a = {}1", "- ".repeat(5000));
        assert!(items(&source).is_err());
        let source = format!("let a = 1{}", " + 1".repeat(MAX_OPERATORS + 1));
        assert!(items(&source).unwrap_err()[0].message.contains("more than"));
        let source = format!("let a = 1{}", " + 1".repeat(MAX_OPERATORS));
        assert!(items(&source).is_ok());
    }
}
