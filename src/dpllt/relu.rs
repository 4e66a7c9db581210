//! The ReLU theory: what a phase means for bounds, the phases bounds force (Reluplex's fixing
//! rules), and how far a point of the relaxation is from satisfying `h = max(0, z)`.
//!
//! Reluplex keeps `h = max(0, z)` as a constraint beside the LP and, when the LP's point
//! violates it, first *repairs* the point (moves `h` or `z` so the pair agrees) and splits only
//! when repairs keep failing. vera repairs a whole point at once instead: it re-runs the
//! point's inputs through the network, which puts every ReLU in agreement, and checks that
//! point against the property (`Search::try_point`); only when the repaired point is not a
//! counterexample does it split, on the ReLU the split scores favour.

use super::literal::Phase;
use crate::bounds::VarBounds;

/// The phase the bounds `z ∈ [z_lo, z_hi]`, `h ∈ [h_lo, h_hi]` force, if any: `z ≥ 0` or
/// `h > 0` ⇒ active; `z ≤ 0` or `h ≤ 0` ⇒ inactive.
pub fn forced_phase(z_lo: f64, z_hi: f64, h_lo: f64, h_hi: f64) -> Option<Phase> {
    if z_lo >= 0.0 || h_lo > 0.0 {
        Some(Phase::Active)
    } else if z_hi <= 0.0 || h_hi <= 0.0 {
        Some(Phase::Inactive)
    } else {
        None
    }
}

/// Narrows `bounds` to a phase: active `z ≥ 0` (then `h = z` follows by propagation),
/// inactive `z ≤ 0, h = 0`.
pub fn restrict(bounds: &mut VarBounds, pre: usize, post: usize, phase: Phase) {
    match phase {
        Phase::Active => bounds.restrict(pre, 0.0, f64::INFINITY),
        Phase::Inactive => {
            bounds.restrict(pre, f64::NEG_INFINITY, 0.0);
            bounds.restrict(post, 0.0, 0.0);
        }
    }
}

/// Narrows `bounds` by what the pair's own bounds force: the phase they fix, and for an
/// active ReLU `h = z` both ways.
pub fn apply_rules(bounds: &mut VarBounds, pre: usize, post: usize) {
    let (zl, zh, hl, hh) = (
        bounds.lower[pre],
        bounds.upper[pre],
        bounds.lower[post],
        bounds.upper[post],
    );
    match forced_phase(zl, zh, hl, hh) {
        Some(Phase::Active) => {
            bounds.restrict(pre, hl.max(0.0), hh);
            bounds.restrict(post, zl.max(0.0), zh);
        }
        Some(Phase::Inactive) => restrict(bounds, pre, post, Phase::Inactive),
        None => bounds.restrict(post, 0.0, zh.max(0.0)),
    }
}

/// How far `(z, h)` misses `h = max(0, z)`.
pub fn violation(z: f64, h: f64) -> f64 {
    (h - z.max(0.0)).abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_force_phases_by_reluplex_rules() {
        assert_eq!(forced_phase(0.0, 1.0, 0.0, 1.0), Some(Phase::Active));
        assert_eq!(forced_phase(-1.0, 1.0, 0.5, 1.0), Some(Phase::Active));
        assert_eq!(forced_phase(-1.0, 0.0, 0.0, 0.0), Some(Phase::Inactive));
        assert_eq!(forced_phase(-1.0, 1.0, 0.0, 0.0), Some(Phase::Inactive));
        assert_eq!(forced_phase(-1.0, 1.0, 0.0, 1.0), None);
    }

    #[test]
    fn rules_narrow_both_sides_of_an_active_relu() {
        let mut b = VarBounds {
            lower: vec![-1.0, 0.25],
            upper: vec![2.0, 3.0],
        };
        apply_rules(&mut b, 0, 1);
        assert_eq!(
            (b.lower.clone(), b.upper.clone()),
            (vec![0.25, 0.25], vec![2.0, 2.0])
        );
        let mut c = VarBounds {
            lower: vec![-1.0, 0.0],
            upper: vec![2.0, 0.0],
        };
        apply_rules(&mut c, 0, 1);
        assert_eq!((c.lower, c.upper), (vec![-1.0, 0.0], vec![0.0, 0.0]));
        assert_eq!(violation(-1.0, 0.5), 0.5);
        assert_eq!(violation(2.0, 2.0), 0.0);
    }
}
