//! A small, independent checker of DRAT proofs whose lemmas are all RUP (reverse unit
//! propagation): each added clause must make unit propagation over the clauses so far reach a
//! conflict once its literals are negated, and the proof must end in a conflict. Naive
//! propagation (no watched literals): meant for the proofs of small instances, with a size cap.

use std::collections::HashMap;
use varisat::CnfFormula;

/// Largest `lemmas × clauses` the checker takes on (a few seconds of naive propagation).
const MAX_WORK: usize = 200_000_000;

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

/// Unit propagation from `assigned` (DIMACS literals set true) over `clauses`; true when it
/// reaches a conflict.
fn propagates_to_conflict(
    clauses: &[Vec<i64>],
    active: &[bool],
    assigned: &[i64],
    vars: usize,
) -> bool {
    let mut value = vec![0i8; vars + 1];
    let set = |value: &mut Vec<i8>, l: i64| -> bool {
        let v = l.unsigned_abs() as usize;
        let want = if l > 0 { 1 } else { -1 };
        if value[v] == -want {
            return false; // conflict
        }
        value[v] = want;
        true
    };
    for &l in assigned {
        if !set(&mut value, l) {
            return true;
        }
    }
    loop {
        let mut changed = false;
        for (c, on) in clauses.iter().zip(active) {
            if !on {
                continue;
            }
            let mut unassigned = None;
            let mut free = 0;
            let mut satisfied = false;
            for &l in c {
                let v = value[l.unsigned_abs() as usize];
                let lv = if l > 0 { v } else { -v };
                if lv == 1 {
                    satisfied = true;
                    break;
                }
                if lv == 0 {
                    free += 1;
                    unassigned = Some(l);
                }
            }
            if satisfied {
                continue;
            }
            match (free, unassigned) {
                (0, _) => return true,
                (1, Some(l)) => {
                    set(&mut value, l);
                    changed = true;
                }
                _ => {}
            }
        }
        if !changed {
            return false;
        }
    }
}

/// Checks the DRAT text `drat` (lines `l1 l2 ... 0`, deletions `d l1 ... 0`) against `formula`.
pub fn check(formula: &CnfFormula, drat: &[u8]) -> RupCheck {
    let text = String::from_utf8_lossy(drat);
    let mut clauses: Vec<Vec<i64>> = formula
        .iter()
        .map(|c| c.iter().map(|l| l.to_dimacs() as i64).collect())
        .collect();
    let mut vars = formula.var_count();
    let mut active = vec![true; clauses.len()];
    let mut index: HashMap<Vec<i64>, Vec<usize>> = HashMap::new();
    for (i, c) in clauses.iter().enumerate() {
        let mut key = c.clone();
        key.sort_unstable();
        index.entry(key).or_default().push(i);
    }
    let steps: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let lemmas = steps
        .iter()
        .filter(|l| !l.trim_start().starts_with('d'))
        .count();
    if lemmas.saturating_mul(clauses.len() + lemmas) > MAX_WORK {
        return RupCheck::TooLarge { lemmas };
    }
    let mut ended = false;
    for (n, line) in steps.iter().enumerate() {
        let (delete, body) = match line.trim_start().strip_prefix('d') {
            Some(rest) => (true, rest),
            None => (false, *line),
        };
        let lits: Result<Vec<i64>, _> = body.split_whitespace().map(str::parse::<i64>).collect();
        let Ok(mut lits) = lits else {
            return RupCheck::Failed(format!("step {}: cannot read '{line}'", n + 1));
        };
        if lits.pop() != Some(0) {
            return RupCheck::Failed(format!("step {}: does not end in 0", n + 1));
        }
        let mut key = lits.clone();
        key.sort_unstable();
        if delete {
            if let Some(i) = index.get_mut(&key).and_then(|v| v.pop()) {
                active[i] = false;
            }
            continue;
        }
        vars = vars.max(
            lits.iter()
                .map(|l| l.unsigned_abs() as usize)
                .max()
                .unwrap_or(0),
        );
        let negated: Vec<i64> = lits.iter().map(|l| -l).collect();
        if !propagates_to_conflict(&clauses, &active, &negated, vars) {
            return RupCheck::Failed(format!("step {}: lemma {lits:?} is not RUP", n + 1));
        }
        if lits.is_empty() {
            ended = true;
            break;
        }
        index.entry(key).or_default().push(clauses.len());
        clauses.push(lits);
        active.push(true);
    }
    if !ended && !propagates_to_conflict(&clauses, &active, &[], vars) {
        return RupCheck::Failed("the proof does not end in a conflict".into());
    }
    RupCheck::Checked { lemmas }
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
        assert_eq!(check(&f, b"1 0\n0\n"), RupCheck::Checked { lemmas: 2 });
        let mut g = CnfFormula::new();
        g.add_clause(&[lit(1), lit(2)]);
        g.add_clause(&[lit(-1), lit(2)]);
        assert!(matches!(check(&g, b"-2 0\n"), RupCheck::Failed(_)));
        assert!(
            matches!(check(&g, b"2 0\n"), RupCheck::Failed(_)),
            "satisfiable: no conflict"
        );
    }
}
