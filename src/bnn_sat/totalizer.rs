//! The totalizer (Bailleux and Boufkhad, 2003): unary counting of true literals in CNF, with
//! both directions of every output, so that `outputs[m-1] ⇔ (at least m literals are true)`.

use varisat::{ExtendFormula, Lit};

/// Adds the totalizer of `lits` to `f` and returns its outputs (`outputs[m-1]`: at least `m`
/// of `lits` are true), in both directions.
pub fn count<F: ExtendFormula>(f: &mut F, lits: &[Lit]) -> Vec<Lit> {
    count_up_to(f, lits, lits.len())
}

/// The totalizer of `lits` counting only up to `cap`: `outputs[m-1] ⇔ (at least m of lits are
/// true)` for `m ≤ cap`, in both directions. Every merge keeps `min(cap, size)` outputs, so a
/// threshold `k` costs O(n·k) clauses instead of O(n²).
pub fn count_up_to<F: ExtendFormula>(f: &mut F, lits: &[Lit], cap: usize) -> Vec<Lit> {
    match lits.len() {
        0 => Vec::new(),
        _ if cap == 0 => Vec::new(),
        1 => vec![lits[0]],
        n => {
            let (a, b) = lits.split_at(n / 2);
            let a = count_up_to(f, a, cap);
            let b = count_up_to(f, b, cap);
            let width = (a.len() + b.len()).min(cap);
            let r: Vec<Lit> = (0..width).map(|_| f.new_lit()).collect();
            // at_least(a, i) ∧ at_least(b, j) → at_least(r, min(i + j, width)).
            for i in 0..=a.len() {
                for j in 0..=b.len() {
                    if i + j == 0 || i + j > width {
                        continue;
                    }
                    let mut clause = vec![r[i + j - 1]];
                    if i > 0 {
                        clause.push(!a[i - 1]);
                    }
                    if j > 0 {
                        clause.push(!b[j - 1]);
                    }
                    f.add_clause(&clause);
                }
            }
            // at_most(a, i) ∧ at_most(b, j) → at_most(r, i + j): ¬a_{i+1} ∧ ¬b_{j+1} → ¬r_{i+j+1}.
            // With a capped child, "at most i" is only known for i < its width (its last output
            // false means fewer than that many), which is all the clauses below use.
            for i in 0..=a.len() {
                for j in 0..=b.len() {
                    if i + j >= width {
                        continue;
                    }
                    let mut clause = vec![!r[i + j]];
                    if i < a.len() {
                        clause.push(a[i]);
                    }
                    if j < b.len() {
                        clause.push(b[j]);
                    }
                    f.add_clause(&clause);
                }
            }
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use varisat::{CnfFormula, Solver};

    /// Every output equals "at least m true" on every assignment of up to 6 literals, for
    /// every cap.
    #[test]
    fn outputs_count_exactly() {
        for n in 1..=6usize {
            for cap in 1..=n {
                let mut f = CnfFormula::new();
                let lits: Vec<Lit> = (0..n).map(|_| f.new_lit()).collect();
                let out = count_up_to(&mut f, &lits, cap);
                assert_eq!(out.len(), cap);
                for mask in 0..1u32 << n {
                    let ones = mask.count_ones() as usize;
                    for (m, o) in out.iter().enumerate() {
                        let mut s = Solver::new();
                        s.add_formula(&f);
                        let mut assume: Vec<Lit> = lits
                            .iter()
                            .enumerate()
                            .map(|(i, l)| if mask >> i & 1 == 1 { *l } else { !*l })
                            .collect();
                        let want = ones > m;
                        assume.push(if want { !*o } else { *o });
                        s.assume(&assume);
                        assert!(
                            !s.solve().unwrap(),
                            "n {n}, cap {cap}, mask {mask:b}, output {m}"
                        );
                    }
                }
            }
        }
    }
}
