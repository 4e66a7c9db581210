//! Which ReLU to split: how much each unstable ReLU's relaxation loosens one objective's lower
//! bound, read off the back-substitution that computed it (in the spirit of BaBSR, Bunel et
//! al., "Branch and Bound for Piecewise Linear Neural Network Verification", JMLR 2020).
//!
//! In the sweep, an unstable ReLU `h = max(0, z)`, `z ∈ [l, u]`, reached with coefficient `λ`
//! is replaced by a line. With `λ < 0` it is the upper line `h ≤ s·z + t`, which overshoots the
//! ReLU by at most its intercept `t` (at `z = 0`), so the bound loses at most `|λ|·t`. With
//! `λ > 0` it is a lower line `h ≥ α·z`, which undershoots by at most `max((1 − α)·u, −α·l)`,
//! so the bound loses at most `λ` times that. Splitting the ReLU makes it exact on both sides
//! and recovers that loss (and tightens everything after it), so the largest loss is the
//! ReLU worth splitting.

use super::relaxed_query::{Objective, RelaxedQuery};
use super::symbolic::{back_substitute, LineChoice, LowerSlopes};
use super::Bounds;

impl RelaxedQuery {
    /// Per ReLU (in step order), how much its relaxation loosens the lower bound of
    /// `objective` over the region of `bounds` (zero for stable ReLUs and those the sweep did
    /// not reach).
    pub fn relu_split_scores(&self, bounds: &Bounds, objective: &Objective) -> Vec<f64> {
        let mut choices = vec![LineChoice::Exact; self.num_relus];
        back_substitute(
            self,
            bounds,
            std::slice::from_ref(objective),
            LowerSlopes::Adaptive,
            Some(&mut choices),
        );
        self.relus()
            .zip(&choices)
            .map(|((pre, _), choice)| {
                let (l, u) = (bounds.lower[pre], bounds.upper[pre]);
                match *choice {
                    LineChoice::Exact => 0.0,
                    LineChoice::Upper {
                        intercept,
                        coefficient,
                        ..
                    } => coefficient.abs() * intercept,
                    LineChoice::Lower { slope, coefficient } => {
                        coefficient * ((1.0 - slope) * u).max(-slope * l)
                    }
                }
            })
            .map(|s| if s.is_finite() { s } else { f64::MAX })
            .collect()
    }
}
