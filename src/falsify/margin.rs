//! How far an output is inside a conjunction of unsafe atoms (the attack's objective), and its
//! gradient with respect to the outputs.

use crate::spec::{OutputConjunction, Relation};

/// `min_k slack_k` over the atoms (`> 0` strictly inside the unsafe set, `< 0` outside), and
/// the gradient of the smallest slack with respect to the outputs (a subgradient of the min).
/// A conjunction with no atom is unsafe everywhere: `(+∞, 0)`.
pub fn conjunction_margin(c: &OutputConjunction, y: &[f64]) -> (f64, Vec<f64>) {
    let mut best = f64::INFINITY;
    let mut gradient = vec![0.0; y.len()];
    for atom in &c.atoms {
        let terms = atom.terms_f64();
        let lhs: f64 = terms.iter().map(|(j, a)| a * y[*j]).sum();
        let sign = match atom.relation() {
            Relation::Le => -1.0,
            Relation::Ge => 1.0,
        };
        let slack = sign * (lhs - atom.bound_f64());
        if slack < best {
            best = slack;
            gradient.iter_mut().for_each(|g| *g = 0.0);
            for (j, a) in terms {
                gradient[j] += sign * a;
            }
        }
    }
    (best, gradient)
}
