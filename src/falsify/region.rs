//! The input polytope an attack moves in, in f64: a box and linear constraints, with a
//! projection that brings any point (back) into it.

use crate::spec::{InputPolytope, Relation};

/// Rounds of cyclic projection onto the violated constraints before giving up: a point still
/// outside after them is left to replay, which rejects it.
const PROJECTION_ROUNDS: usize = 16;

/// A box and `Σ a_i x_i ≤ b` constraints (`≥` ones negated).
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    constraints: Vec<(Vec<(usize, f64)>, f64)>,
}

impl Region {
    pub fn of_box(lower: Vec<f64>, upper: Vec<f64>) -> Region {
        Region {
            lower,
            upper,
            constraints: Vec::new(),
        }
    }

    /// The polytope's box and constraints, rounded to f64 (the box must be bounded).
    pub fn of_polytope(p: &InputPolytope) -> Region {
        let constraints = p
            .constraints
            .iter()
            .map(|c| {
                let sign = match c.relation() {
                    Relation::Le => 1.0,
                    Relation::Ge => -1.0,
                };
                let terms = c.terms_f64().into_iter().map(|(i, a)| (i, sign * a));
                (terms.collect(), sign * c.bound_f64())
            })
            .collect();
        Region {
            lower: p.bounds.lower_f64(),
            upper: p.bounds.upper_f64(),
            constraints,
        }
    }

    /// `x` clipped into the box, then moved onto each violated constraint's hyperplane in
    /// turn (and clipped again), for a few rounds: alternating projections, which converge to
    /// a point of the polytope when it is not empty. Without constraints, just the clip.
    pub fn project(&self, mut x: Vec<f64>) -> Vec<f64> {
        self.clip(&mut x);
        for _ in 0..PROJECTION_ROUNDS {
            let mut moved = false;
            for (terms, b) in &self.constraints {
                let ax: f64 = terms.iter().map(|(i, a)| a * x[*i]).sum();
                let norm2: f64 = terms.iter().map(|(_, a)| a * a).sum();
                if ax > *b && norm2 > 0.0 {
                    let t = (ax - b) / norm2;
                    for (i, a) in terms {
                        x[*i] -= t * a;
                    }
                    moved = true;
                }
            }
            if !moved {
                break;
            }
            self.clip(&mut x);
        }
        x
    }

    fn clip(&self, x: &mut [f64]) {
        for ((xi, l), u) in x.iter_mut().zip(&self.lower).zip(&self.upper) {
            *xi = xi.max(*l).min(*u); // not `clamp`: an empty box (l > u) must not panic
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_lands_in_the_polytope() {
        // The box [0, 1]² and x0 + x1 ≤ 1.
        let r = Region {
            lower: vec![0.0, 0.0],
            upper: vec![1.0, 1.0],
            constraints: vec![(vec![(0, 1.0), (1, 1.0)], 1.0)],
        };
        let x = r.project(vec![2.0, 0.8]);
        assert!(x[0] + x[1] <= 1.0 + 1e-12, "{x:?}");
        assert!(x.iter().all(|v| (0.0..=1.0).contains(v)), "{x:?}");
        // A point inside stays where it is.
        assert_eq!(r.project(vec![0.25, 0.5]), vec![0.25, 0.5]);
    }
}
