//! A small, independent checker of DRAT proofs whose lemmas are all RUP (reverse unit
//! propagation): each added clause must make unit propagation over the clauses so far reach a
//! conflict once its literals are negated, and the proof must end in a conflict. Forward
//! checking with two watched literals. Units found along the way stay assigned even when the
//! proof deletes their clauses: every clause the proof ever holds follows from the formula,
//! so keeping them is sound (deletions only make checking faster). RAT lemmas are refused.

use std::collections::HashMap;
use varisat::CnfFormula;

/// Most propagation work (clause visits) the checker spends before it gives up (a minute or
/// so on this machine).
const MAX_WORK: u64 = 5_000_000_000;

/// What checking a proof gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RupCheck {
    /// Every lemma is RUP and the proof ends in a conflict.
    Checked { lemmas: usize },
    /// Too large for this checker (the proof is not checked).
    TooLarge { lemmas: usize },
    /// The proof is wrong (or uses a RAT step this checker does not accept), and why.
    Failed(String),
}

/// A literal's code: 2·var + (1 if negative), for DIMACS literal `l` (var = |l| − 1).
fn code(l: i32) -> usize {
    2 * (l.unsigned_abs() as usize - 1) + usize::from(l < 0)
}

/// The clause store, watches and assignment of the checker.
struct Checker {
    /// Literals of every clause, back to back; `starts[c]..starts[c + 1]` is clause c; each
    /// clause of two or more literals watches its first two.
    lits: Vec<i32>,
    starts: Vec<usize>,
    deleted: Vec<bool>,
    /// Clause indices watching each literal code (a clause watches l when l is among its
    /// first two literals; it must then be visited when l becomes false).
    watches: Vec<Vec<usize>>,
    /// 1 true, -1 false, 0 unassigned, by variable.
    value: Vec<i8>,
    trail: Vec<i32>,
    /// Units of the formula and the proof: assigned for good (the level-0 trail length).
    fixed: usize,
    /// Whether level 0 is already in conflict (the formula is refuted).
    refuted: bool,
    index: HashMap<Vec<i32>, Vec<usize>>,
    work: u64,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            lits: Vec::new(),
            starts: vec![0],
            deleted: Vec::new(),
            watches: Vec::new(),
            value: Vec::new(),
            trail: Vec::new(),
            fixed: 0,
            refuted: false,
            index: HashMap::new(),
            work: 0,
        }
    }

    fn grow(&mut self, l: i32) {
        let v = l.unsigned_abs() as usize;
        if self.value.len() < v {
            self.value.resize(v, 0);
            self.watches.resize(2 * v, Vec::new());
        }
    }

    fn val(&self, l: i32) -> i8 {
        let v = self.value[l.unsigned_abs() as usize - 1];
        if l < 0 {
            -v
        } else {
            v
        }
    }

    fn assign(&mut self, l: i32) {
        self.value[l.unsigned_abs() as usize - 1] = if l > 0 { 1 } else { -1 };
        self.trail.push(l);
    }

    fn clause(&self, c: usize) -> std::ops::Range<usize> {
        self.starts[c]..self.starts[c + 1]
    }

    /// Unit propagation from trail position `from`; true on a conflict.
    fn propagate(&mut self, mut from: usize) -> bool {
        while from < self.trail.len() {
            let falsified = -self.trail[from];
            from += 1;
            let w = code(falsified);
            let mut list = std::mem::take(&mut self.watches[w]);
            let mut i = 0;
            let mut conflict = false;
            while i < list.len() {
                let c = list[i];
                self.work += 1;
                if self.deleted[c] {
                    list.swap_remove(i);
                    continue;
                }
                let r = self.clause(c);
                // Put the falsified watch second.
                if self.lits[r.start] == falsified {
                    self.lits.swap(r.start, r.start + 1);
                }
                let first = self.lits[r.start];
                if self.val(first) == 1 {
                    i += 1;
                    continue;
                }
                // A new literal to watch, not false.
                let mut moved = false;
                for k in r.start + 2..r.end {
                    if self.val(self.lits[k]) != -1 {
                        self.lits.swap(r.start + 1, k);
                        let l = self.lits[r.start + 1];
                        self.watches[code(l)].push(c);
                        list.swap_remove(i);
                        moved = true;
                        break;
                    }
                }
                if moved {
                    continue;
                }
                i += 1;
                match self.val(first) {
                    0 => self.assign(first),
                    -1 => {
                        conflict = true;
                        break;
                    }
                    _ => {}
                }
            }
            let rest = std::mem::replace(&mut self.watches[w], list);
            self.watches[w].extend(rest);
            if conflict {
                return true;
            }
        }
        false
    }

    fn undo_to(&mut self, len: usize) {
        while self.trail.len() > len {
            if let Some(l) = self.trail.pop() {
                self.value[l.unsigned_abs() as usize - 1] = 0;
            }
        }
    }

    /// Adds a clause (of the formula or a checked lemma) and propagates its consequences at
    /// level 0.
    fn add(&mut self, clause: &[i32]) {
        if self.refuted {
            return;
        }
        for &l in clause {
            self.grow(l);
        }
        let mut c: Vec<i32> = clause.to_vec();
        c.sort_unstable();
        c.dedup();
        if c.windows(2).any(|w| w[0] == -w[1]) {
            return; // a tautology
        }
        let id = self.starts.len() - 1;
        self.index.entry(c.clone()).or_default().push(id);
        // Watch literals that are not false first.
        c.sort_by_key(|l| -self.val(*l));
        self.lits.extend_from_slice(&c);
        self.starts.push(self.lits.len());
        self.deleted.push(false);
        if c.len() >= 2 {
            self.watches[code(c[0])].push(id);
            self.watches[code(c[1])].push(id);
        }
        let from = self.trail.len();
        match (
            c.first().map(|l| self.val(*l)),
            c.get(1).map(|l| self.val(*l)),
        ) {
            (None, _) | (Some(-1), _) => self.refuted = true,
            (Some(0), None) | (Some(0), Some(-1)) => {
                self.assign(c[0]);
                if self.propagate(from) {
                    self.refuted = true;
                }
            }
            _ => {}
        }
        self.fixed = self.trail.len();
    }

    fn delete(&mut self, clause: &[i32]) {
        let mut key: Vec<i32> = clause.to_vec();
        key.sort_unstable();
        key.dedup();
        if let Some(c) = self.index.get_mut(&key).and_then(|v| v.pop()) {
            self.deleted[c] = true;
        }
    }

    /// Whether `lemma` is RUP over the clauses so far.
    fn rup(&mut self, lemma: &[i32]) -> bool {
        if self.refuted {
            return true;
        }
        for &l in lemma {
            self.grow(l);
        }
        let start = self.trail.len();
        let mut conflict = false;
        for &l in lemma {
            match self.val(l) {
                1 => {
                    conflict = true;
                    break;
                }
                0 => self.assign(-l),
                _ => {}
            }
        }
        if !conflict {
            conflict = self.propagate(start);
        }
        self.undo_to(start);
        conflict
    }
}

/// Checks the DRAT text `drat` (lines `l1 l2 ... 0`, deletions `d l1 ... 0`) against `formula`.
pub fn check(formula: &CnfFormula, drat: &[u8]) -> RupCheck {
    check_within(formula, drat, &crate::engine::Budget::unlimited())
}

/// [`check`], giving up (as too large) once `budget` runs out.
pub fn check_within(formula: &CnfFormula, drat: &[u8], budget: &crate::engine::Budget) -> RupCheck {
    let text = String::from_utf8_lossy(drat);
    let mut checker = Checker::new();
    for c in formula.iter() {
        let lits: Vec<i32> = c.iter().map(|l| l.to_dimacs() as i32).collect();
        checker.add(&lits);
    }
    let mut lemmas = 0;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('c') {
            continue;
        }
        let (delete, body) = match line.strip_prefix('d') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let lits: Result<Vec<i32>, _> = body.split_whitespace().map(str::parse::<i32>).collect();
        let Ok(mut lits) = lits else {
            return RupCheck::Failed(format!("line {}: cannot read '{line}'", n + 1));
        };
        if lits.pop() != Some(0) || lits.contains(&0) {
            return RupCheck::Failed(format!("line {}: does not end in (one) 0", n + 1));
        }
        if delete {
            checker.delete(&lits);
            continue;
        }
        lemmas += 1;
        if !checker.rup(&lits) {
            return RupCheck::Failed(format!("line {}: lemma {lits:?} is not RUP", n + 1));
        }
        if checker.work > MAX_WORK || (lemmas % 256 == 0 && budget.exhausted()) {
            return RupCheck::TooLarge { lemmas };
        }
        checker.add(&lits);
        if checker.refuted {
            return RupCheck::Checked { lemmas };
        }
    }
    if checker.refuted || checker.rup(&[]) {
        RupCheck::Checked { lemmas }
    } else {
        RupCheck::Failed("the proof does not end in a conflict".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use varisat::{ExtendFormula, Lit};

    fn lit(d: isize) -> Lit {
        Lit::from_dimacs(d)
    }

    /// (x ∨ y), (x ∨ ¬y), (¬x ∨ y), (¬x ∨ ¬y): unsatisfiable; "x" then "" is a RUP proof, a
    /// bogus lemma is caught, and a proof that stops short is too.
    #[test]
    fn accepts_rup_proofs_and_rejects_others() {
        let mut f = CnfFormula::new();
        for c in [[1, 2], [1, -2], [-1, 2], [-1, -2]] {
            f.add_clause(&[lit(c[0]), lit(c[1])]);
        }
        // Adding "x" already refutes the formula by propagation: the check ends there.
        assert_eq!(check(&f, b"1 0\n0\n"), RupCheck::Checked { lemmas: 1 });
        assert!(matches!(check(&f, b"0\n"), RupCheck::Failed(_)));
        let mut g = CnfFormula::new();
        g.add_clause(&[lit(1), lit(2)]);
        g.add_clause(&[lit(-1), lit(2)]);
        assert!(matches!(check(&g, b"-2 0\n"), RupCheck::Failed(_)));
        assert!(
            matches!(check(&g, b"2 0\n"), RupCheck::Failed(_)),
            "satisfiable: no conflict"
        );
    }

    /// The pigeonhole formula: `p` pigeons in `p − 1` holes (unsatisfiable, not by unit
    /// propagation alone).
    fn pigeonhole(p: usize) -> CnfFormula {
        let h = p - 1;
        let var = |i: usize, j: usize| lit((i * h + j + 1) as isize);
        let mut f = CnfFormula::new();
        for i in 0..p {
            f.add_clause(&(0..h).map(|j| var(i, j)).collect::<Vec<_>>());
        }
        for j in 0..h {
            for a in 0..p {
                for b in a + 1..p {
                    f.add_clause(&[!var(a, j), !var(b, j)]);
                }
            }
        }
        f
    }

    /// varisat's DRAT proofs of pigeonhole formulas check; the same proofs with their lemmas
    /// removed, or with a literal of each lemma negated, do not.
    #[test]
    fn checks_solver_proofs_and_catches_broken_ones() {
        for p in 3..=6 {
            let f = pigeonhole(p);
            let mut proof = Vec::new();
            {
                let mut s = varisat::Solver::new();
                s.write_proof(&mut proof, varisat::ProofFormat::Drat);
                s.add_formula(&f);
                assert!(!s.solve().unwrap());
                s.close_proof().unwrap();
            }
            assert!(
                matches!(check(&f, &proof), RupCheck::Checked { .. }),
                "pigeonhole {p}: {:?}",
                check(&f, &proof)
            );
            assert!(
                matches!(check(&f, b"0\n"), RupCheck::Failed(_)),
                "pigeonhole {p}"
            );
            let text = String::from_utf8(proof).unwrap();
            let broken: String = text
                .lines()
                .map(|l| {
                    let mut t: Vec<String> = l.split_whitespace().map(String::from).collect();
                    if t.len() >= 2 && t[0] != "d" {
                        // Negate the first literal of every lemma.
                        t[0] = match t[0].strip_prefix('-') {
                            Some(x) => x.to_string(),
                            None => format!("-{}", t[0]),
                        };
                    }
                    t.join(" ") + "\n"
                })
                .collect();
            if p >= 4 {
                assert!(
                    matches!(check(&f, broken.as_bytes()), RupCheck::Failed(_)),
                    "pigeonhole {p}: a broken proof checked"
                );
            }
        }
    }
}
