//! The variables a VNN-LIB file declares: `X_<n>` for network inputs, `Y_<n>` for outputs.

use super::error::{ErrorKind, Located, Position};
use std::collections::BTreeMap;

/// Whether a variable is a network input or output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Input,
    Output,
}

impl Side {
    pub fn prefix(self) -> &'static str {
        match self {
            Side::Input => "X_",
            Side::Output => "Y_",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Side::Input => "input",
            Side::Output => "output",
        }
    }
}

/// A declared variable: input or output, and its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Var {
    pub side: Side,
    pub index: usize,
}

/// Splits `X_<n>` / `Y_<n>` into side and index; `None` for any other spelling (including
/// leading zeros such as `X_01`, which would otherwise name `X_1` twice).
pub fn parse_name(name: &str) -> Option<Var> {
    let (side, digits) = if let Some(d) = name.strip_prefix("X_") {
        (Side::Input, d)
    } else if let Some(d) = name.strip_prefix("Y_") {
        (Side::Output, d)
    } else {
        return None;
    };
    let canonical = digits == "0" || (!digits.starts_with('0') && !digits.is_empty());
    if !canonical || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Var {
        side,
        index: digits.parse().ok()?,
    })
}

/// The declarations read so far, with where each was made, checked against the network's
/// input and output counts when those are known.
#[derive(Debug)]
pub struct Declarations {
    declared: BTreeMap<Var, Position>,
    limits: Option<(usize, usize)>,
}

impl Declarations {
    /// `limits` is the network's `(inputs, outputs)`, if known.
    pub fn new(limits: Option<(usize, usize)>) -> Declarations {
        Declarations {
            declared: BTreeMap::new(),
            limits,
        }
    }

    /// Records `(declare-const name sort)`.
    pub fn declare(&mut self, name: &str, sort: &str, at: Position) -> Result<(), Located> {
        let var =
            parse_name(name).ok_or_else(|| Located::new(at, ErrorKind::BadName(name.into())))?;
        if sort != "Real" {
            return Err(Located::new(
                at,
                ErrorKind::BadSort {
                    name: name.into(),
                    sort: sort.into(),
                },
            ));
        }
        if let Some(first) = self.declared.get(&var) {
            return Err(Located::new(
                at,
                ErrorKind::Redeclared {
                    name: name.into(),
                    first: *first,
                },
            ));
        }
        if let Some(count) = self.limit(var.side) {
            if var.index >= count {
                return Err(Located::new(
                    at,
                    ErrorKind::IndexOutOfRange {
                        name: name.into(),
                        count,
                        what: var.side.noun(),
                        prefix: var.side.prefix(),
                    },
                ));
            }
        }
        self.declared.insert(var, at);
        Ok(())
    }

    /// The variable a symbol names, if it was declared.
    pub fn lookup(&self, name: &str) -> Option<Var> {
        parse_name(name).filter(|v| self.declared.contains_key(v))
    }

    fn limit(&self, side: Side) -> Option<usize> {
        self.limits.map(|(i, o)| match side {
            Side::Input => i,
            Side::Output => o,
        })
    }

    /// The number of inputs and outputs, once every declaration is read: indices must run
    /// 0, 1, 2, ... without gaps, and match the network's counts when known. `end` is where
    /// a missing declaration is reported when there is no declaration to point at.
    pub fn finish(&self, end: Position) -> Result<(usize, usize), Located> {
        let mut counts = [0usize; 2];
        for (k, side) in [Side::Input, Side::Output].into_iter().enumerate() {
            let mut last = None;
            for (expected, (var, at)) in
                self.declared.range(first(side)..=last_of(side)).enumerate()
            {
                if var.index != expected {
                    return Err(Located::new(
                        *at,
                        ErrorKind::IndexGap {
                            missing: format!("{}{expected}", side.prefix()),
                            declared: format!("{}{}", side.prefix(), var.index),
                        },
                    ));
                }
                counts[k] = expected + 1;
                last = Some(*at);
            }
            if let Some(expected) = self.limit(side) {
                if counts[k] != expected {
                    return Err(Located::new(
                        last.unwrap_or(end),
                        ErrorKind::CountMismatch {
                            what: side.noun(),
                            declared: counts[k],
                            expected,
                        },
                    ));
                }
            }
        }
        Ok((counts[0], counts[1]))
    }
}

fn first(side: Side) -> Var {
    Var { side, index: 0 }
}

fn last_of(side: Side) -> Var {
    Var {
        side,
        index: usize::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: Position = Position { line: 1, column: 1 };

    #[test]
    fn names_are_x_or_y_with_a_plain_index() {
        assert_eq!(
            parse_name("X_12"),
            Some(Var {
                side: Side::Input,
                index: 12
            })
        );
        assert_eq!(
            parse_name("Y_0"),
            Some(Var {
                side: Side::Output,
                index: 0
            })
        );
        for bad in [
            "X_",
            "X_01",
            "X_0_0",
            "x_1",
            "Z_1",
            "X_-1",
            "Y_1a",
            "X_99999999999999999999999",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn gaps_and_counts_are_checked_at_the_end() {
        let mut d = Declarations::new(None);
        d.declare("X_0", "Real", AT).unwrap();
        d.declare("Y_0", "Real", AT).unwrap();
        assert_eq!(d.finish(AT), Ok((1, 1)));
        let at2 = Position { line: 2, column: 1 };
        d.declare("X_2", "Real", at2).unwrap();
        let e = d.finish(AT).unwrap_err();
        assert_eq!(e.at, at2);
        assert!(matches!(e.kind, ErrorKind::IndexGap { .. }));
        let mut d = Declarations::new(Some((2, 1)));
        d.declare("X_0", "Real", AT).unwrap();
        assert!(matches!(
            d.declare("X_2", "Real", AT).unwrap_err().kind,
            ErrorKind::IndexOutOfRange { count: 2, .. }
        ));
        assert!(matches!(
            d.finish(AT).unwrap_err().kind,
            ErrorKind::CountMismatch {
                declared: 1,
                expected: 2,
                ..
            }
        ));
    }
}
