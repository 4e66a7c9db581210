//! The totalizer (Bailleux and Boufkhad, 2003): unary counting of true literals in CNF, with
//! both directions of every output, so that `outputs[m-1] ⇔ (at least m literals are true)`.

use varisat::{ExtendFormula, Lit};

/// Adds the totalizer of `lits` to `f` and returns its outputs (`outputs[m-1]`: at least `m`
/// of `lits` are true), in both directions.
pub fn count<F: ExtendFormula>(f: &mut F, lits: &[Lit]) -> Vec<Lit> {
    match lits.len() {
        0 => Vec::new(),
        1 => vec![lits[0]],
        n => {
            let (a, b) = lits.split_at(n / 2);
            let a = count(f, a);
            let b = count(f, b);
            let r: Vec<Lit> = (0..a.len() + b.len()).map(|_| f.new_lit()).collect();
            // at_least(a, i) ∧ at_least(b, j) → at_least(r, i + j), with at_least(_, 0) = true.
            for i in 0..=a.len() {
                for j in 0..=b.len() {
                    if i + j == 0 {
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
            for i in 0..=a.len() {
                for j in 0..=b.len() {
                    if i + j >= r.len() {
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

    /// Every output equals "at least m true" on every assignment of up to 6 literals.
    #[test]
    fn outputs_count_exactly() {
        for n in 1..=6usize {
            let mut f = CnfFormula::new();
            let lits: Vec<Lit> = (0..n).map(|_| f.new_lit()).collect();
            let out = count(&mut f, &lits);
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
                    assert!(!s.solve().unwrap(), "n {n}, mask {mask:b}, output {m}");
                }
            }
        }
    }
}
