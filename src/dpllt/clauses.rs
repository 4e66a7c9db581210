//! Learned conflict clauses and unit propagation over them.
//!
//! A learned clause is the negation of a set of literals that cannot all hold: `¬(l₁ ∧ … ∧
//! lₖ)`. It was derived from an infeasibility the theory proved (bounds or a certified LP
//! explanation), traced back to decisions, so it is a lemma of the whole problem. When all but
//! one of its literals hold, the last one must fail, and its negation is implied.
//!
//! Propagation scans the clauses: the search calls it once per node, the database is capped,
//! and a node's bound propagation costs far more than a scan of a few thousand short clauses.
//! A clause with an input literal is forgotten once the search backtracks past that literal:
//! each input literal names one bisection of one box, which the search never meets again.

use super::literal::Literal;
use super::trail::{Culprits, Trail};

/// What the clauses say about the trail.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Propagation {
    /// Nothing to add.
    Quiet,
    /// `literal` is implied by the decisions at `reason`.
    Unit {
        literal: Literal,
        reason: Vec<usize>,
    },
    /// Every literal of some clause holds.
    Conflict(Culprits),
}

/// A learned clause, and the deepest level among its input literals (0 without any).
#[derive(Debug, Clone)]
struct Clause {
    literals: Vec<Literal>,
    input_level: usize,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ClauseDb {
    clauses: Vec<Clause>,
    capacity: usize,
}

impl ClauseDb {
    /// A database keeping at most `capacity` clauses.
    pub fn new(capacity: usize) -> ClauseDb {
        ClauseDb {
            clauses: Vec::new(),
            capacity,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.clauses.len()
    }

    /// Learns `¬(literals…)`, whose input literals are at most at `input_level`. When full,
    /// the older half is forgotten (learned clauses are redundant, so forgetting any of them
    /// is sound).
    pub fn learn(&mut self, literals: Vec<Literal>, input_level: usize) {
        if self.capacity == 0 || literals.is_empty() {
            return;
        }
        if self.clauses.len() >= self.capacity {
            let half = self.clauses.len() / 2;
            self.clauses.drain(..half);
        }
        self.clauses.push(Clause {
            literals,
            input_level,
        });
    }

    /// Forgets the clauses whose input literals the search has backtracked past.
    pub fn backtrack(&mut self, level: usize) {
        self.clauses.retain(|c| c.input_level <= level);
    }

    /// A conflicting clause under `trail` if there is one, else the first unit clause.
    pub fn propagate(&self, trail: &Trail) -> Propagation {
        let mut unit = Propagation::Quiet;
        'clauses: for clause in &self.clauses {
            let mut reason = Culprits::default();
            let mut open = None;
            for &lit in &clause.literals {
                if let Some(index) = trail.truth(lit) {
                    reason.add(&trail.culprits_of(index));
                    continue;
                }
                if trail.truth(lit.negated()).is_some() || open.is_some() {
                    continue 'clauses; // satisfied, or two literals open
                }
                open = Some(lit);
            }
            match open {
                None => return Propagation::Conflict(reason),
                Some(lit) if unit == Propagation::Quiet => {
                    unit = Propagation::Unit {
                        literal: lit.negated(),
                        reason: reason.resolve(),
                    }
                }
                Some(_) => {}
            }
        }
        unit
    }
}

#[cfg(test)]
mod tests {
    use super::super::literal::Phase;
    use super::*;

    fn active(relu: usize) -> Literal {
        Literal::Phase {
            relu,
            phase: Phase::Active,
        }
    }

    #[test]
    fn a_clause_with_one_open_literal_implies_its_negation() {
        let mut db = ClauseDb::new(10);
        db.learn(vec![active(0), active(1), active(2)], 0);
        let mut t = Trail::new(3);
        t.decide(active(0));
        assert_eq!(db.propagate(&t), Propagation::Quiet);
        t.decide(active(2));
        assert_eq!(
            db.propagate(&t),
            Propagation::Unit {
                literal: active(1).negated(),
                reason: vec![1, 2]
            }
        );
        t.decide(active(1));
        assert!(
            matches!(db.propagate(&t), Propagation::Conflict(c) if c.resolve() == vec![1, 2, 3])
        );
        t.backtrack(2);
        t.imply(active(1).negated(), vec![1, 2]);
        assert_eq!(db.propagate(&t), Propagation::Quiet);
    }

    #[test]
    fn clauses_with_input_literals_are_forgotten_past_them() {
        let mut db = ClauseDb::new(10);
        let x = Literal::Input {
            input: 0,
            at: 0.5,
            upper: false,
        };
        db.learn(vec![x, active(1)], 2);
        db.learn(vec![active(0), active(1)], 0);
        db.backtrack(2);
        assert_eq!(db.len(), 2);
        db.backtrack(1);
        assert_eq!(db.len(), 1);
    }

    #[test]
    fn a_full_database_forgets_its_older_half() {
        let mut db = ClauseDb::new(4);
        for r in 0..6 {
            db.learn(vec![active(r)], 0);
        }
        assert!(db.len() <= 4);
        let mut t = Trail::new(6);
        t.decide(active(0));
        t.decide(active(1));
        // ¬a0 and ¬a1 were forgotten: no conflict, only the unit clause ¬a2 speaks.
        assert_eq!(
            db.propagate(&t),
            Propagation::Unit {
                literal: active(2).negated(),
                reason: vec![]
            }
        );
        t.decide(active(5));
        assert!(matches!(db.propagate(&t), Propagation::Conflict(c) if c.resolve() == vec![3]));
    }
}
