//! The trail: every literal the search has decided or implied, by decision level, with the
//! decisions each implied literal rests on.
//!
//! Level `l ≥ 1` starts with its decision; literals implied later (by a learned clause, or as
//! the asserting literal after a backjump) join the level that was current when they were
//! implied. Every implied literal records the decision levels it follows from, so that a
//! conflict can always be traced back to decisions alone: the learned clauses are over
//! decisions, and stay valid lemmas for the whole problem.

use super::literal::{Literal, Phase};

/// One literal on the trail.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub literal: Literal,
    pub level: usize,
    /// `None` for a decision; otherwise the decision levels (sorted) that imply it.
    pub reason: Option<Vec<usize>>,
}

/// The decisions a conflict (or a bound) depends on: every decision up to `up_to`, and the
/// listed levels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Culprits {
    pub up_to: usize,
    pub levels: Vec<usize>,
}

impl Culprits {
    /// Every decision up to `level`.
    pub fn up_to(level: usize) -> Culprits {
        Culprits {
            up_to: level,
            levels: Vec::new(),
        }
    }

    pub fn add(&mut self, other: &Culprits) {
        self.up_to = self.up_to.max(other.up_to);
        self.levels.extend_from_slice(&other.levels);
    }

    /// The decision levels, sorted and without repeats.
    pub fn resolve(&self) -> Vec<usize> {
        let mut all: Vec<usize> = (1..=self.up_to)
            .chain(self.levels.iter().copied().filter(|&l| l > self.up_to))
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Trail {
    entries: Vec<Entry>,
    /// Index in `entries` of the decision that opens each level `≥ 1`.
    level_start: Vec<usize>,
    /// Per ReLU, the phase the trail gives it and the entry that gave it.
    phase: Vec<Option<(Phase, usize)>>,
}

impl Trail {
    pub fn new(num_relus: usize) -> Trail {
        Trail {
            entries: Vec::new(),
            level_start: Vec::new(),
            phase: vec![None; num_relus],
        }
    }

    /// The current decision level (0 before any decision).
    pub fn level(&self) -> usize {
        self.level_start.len()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The decision that opened `level` (`1 ..= level()`).
    pub fn decision(&self, level: usize) -> Literal {
        self.entries[self.level_start[level - 1]].literal
    }

    /// Opens a new level with `literal` as its decision.
    pub fn decide(&mut self, literal: Literal) {
        self.level_start.push(self.entries.len());
        self.push(literal, None);
    }

    /// Adds `literal` to the current level as implied by the decisions at `reason`.
    pub fn imply(&mut self, literal: Literal, mut reason: Vec<usize>) {
        reason.sort_unstable();
        reason.dedup();
        self.push(literal, Some(reason));
    }

    fn push(&mut self, literal: Literal, reason: Option<Vec<usize>>) {
        let index = self.entries.len();
        if let Literal::Phase { relu, phase } = literal {
            if self.phase[relu].is_none() {
                self.phase[relu] = Some((phase, index));
            }
        }
        self.entries.push(Entry {
            literal,
            level: self.level(),
            reason,
        });
    }

    /// Removes every level above `level`.
    pub fn backtrack(&mut self, level: usize) {
        if level >= self.level() {
            return;
        }
        let keep = self.level_start[level];
        for (index, e) in self.entries.iter().enumerate().skip(keep) {
            if let Literal::Phase { relu, .. } = e.literal {
                if self.phase[relu].is_some_and(|(_, i)| i == index) {
                    self.phase[relu] = None;
                }
            }
        }
        self.entries.truncate(keep);
        self.level_start.truncate(level);
    }

    /// The phase the trail gives `relu`, if any.
    pub fn phase(&self, relu: usize) -> Option<Phase> {
        self.phase[relu].map(|(p, _)| p)
    }

    /// The entry that makes `literal` true, if any.
    pub fn truth(&self, literal: Literal) -> Option<usize> {
        match literal {
            Literal::Phase { relu, phase } => self.phase[relu]
                .filter(|(p, _)| *p == phase)
                .map(|(_, i)| i),
            Literal::Input { .. } => self.entries.iter().position(|e| e.literal == literal),
        }
    }

    /// The decision levels that entry `index` rests on.
    pub fn culprits_of(&self, index: usize) -> Culprits {
        let e = &self.entries[index];
        Culprits {
            up_to: 0,
            levels: match &e.reason {
                None => vec![e.level],
                Some(levels) => levels.clone(),
            },
        }
    }

    /// The input box the trail's input literals cut out of `[lo, hi]`.
    pub fn input_box(&self, lo: &[f64], hi: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (mut lo, mut hi) = (lo.to_vec(), hi.to_vec());
        for e in &self.entries {
            e.literal.narrow(&mut lo, &mut hi);
        }
        (lo, hi)
    }

    /// The level of the last input literal on the trail (0 when there is none).
    pub fn last_input_level(&self) -> usize {
        self.entries
            .iter()
            .rev()
            .find(|e| matches!(e.literal, Literal::Input { .. }))
            .map_or(0, |e| e.level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(relu: usize, phase: Phase) -> Literal {
        Literal::Phase { relu, phase }
    }

    #[test]
    fn backtracking_forgets_phases_and_keeps_lower_levels() {
        let mut t = Trail::new(4);
        t.decide(phase(0, Phase::Active));
        t.decide(Literal::Input {
            input: 0,
            at: 0.5,
            upper: true,
        });
        t.imply(phase(2, Phase::Inactive), vec![2, 1]);
        t.decide(phase(3, Phase::Active));
        assert_eq!(t.level(), 3);
        assert_eq!(t.phase(2), Some(Phase::Inactive));
        assert_eq!(t.culprits_of(2).levels, vec![1, 2]);
        assert_eq!(t.input_box(&[0.0], &[1.0]), (vec![0.5], vec![1.0]));
        t.backtrack(1);
        assert_eq!(t.level(), 1);
        assert_eq!((t.phase(2), t.phase(3)), (None, None));
        assert_eq!(t.phase(0), Some(Phase::Active));
        assert_eq!(t.input_box(&[0.0], &[1.0]), (vec![0.0], vec![1.0]));
        assert_eq!(t.truth(phase(0, Phase::Active)), Some(0));
        assert_eq!(t.truth(phase(0, Phase::Inactive)), None);
    }

    #[test]
    fn culprits_resolve_to_sorted_levels() {
        let mut c = Culprits::up_to(2);
        c.add(&Culprits {
            up_to: 0,
            levels: vec![5, 1, 4, 5],
        });
        assert_eq!(c.resolve(), vec![1, 2, 4, 5]);
        assert!(Culprits::default().resolve().is_empty());
    }
}
