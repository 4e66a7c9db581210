//! The decision at an open node: bisect an input while many ReLUs are unstable (for networks
//! with few inputs, as ReluVal, nnenum and alpha-beta-CROWN do), split a ReLU once few are.
//!
//! The input is the one with the largest influence on the target consequence's bounds (see
//! `bounds::widest_influence`), and its half holding the corner where the lower bound is
//! smallest (where a counterexample is likeliest) goes first. The ReLU is the one whose
//! relaxation loosens the target's bound most (`RelaxedQuery::relu_split_scores`), weighted by
//! how often recent conflicts involved it, with the phase the LP's point suggests first.

use super::literal::Literal;
use super::search::{OpenNode, Search};

/// What to do at an open node.
pub(crate) enum Choice {
    Decide(Literal),
    /// Nothing is left to split: the node can be neither refuted nor shown unsafe.
    GiveUp(String),
}

pub(crate) fn choose(search: &Search, node: &OpenNode) -> Choice {
    let unstable = search.unstable(&node.bounds);
    if unstable.len() > search.options.relu_split_max_unstable {
        if let Some(lit) = input_split(search, node) {
            return Choice::Decide(lit);
        }
    }
    if !unstable.is_empty() {
        let objective = &search.target_refutable(node).objective;
        let scores = search.rq.relu_split_scores(&node.bounds, objective);
        let key = |j: usize| scores[j] * (1.0 + search.activity[j]);
        let best = unstable
            .iter()
            .copied()
            .max_by(|&a, &b| key(a).total_cmp(&key(b)).then(b.cmp(&a)));
        if let Some(relu) = best {
            let phase = search.preferred_phase(node, relu);
            return Choice::Decide(Literal::Phase { relu, phase });
        }
    }
    match input_split(search, node) {
        Some(lit) => Choice::Decide(lit),
        None => Choice::GiveUp(
            "a region no bound refutes, with no ReLU or input left to split (a counterexample \
             may lie within rounding of the unsafe set's boundary)"
                .into(),
        ),
    }
}

/// The bisection of the most influential input, its likelier half first; `None` when no
/// input can be halved any more.
fn input_split(search: &Search, node: &OpenNode) -> Option<Literal> {
    let (lo, hi) = (&node.lo, &node.hi);
    let dim = if search.has_refutables(node) {
        let bound = &node.target.2;
        let objective = &search.target_refutable(node).objective;
        let other = search.rq.lower_bound(&node.bounds, &objective.negated());
        crate::bounds::widest_influence(bound, &other, lo, hi)?
    } else {
        (0..lo.len()).max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))?
    };
    let at = lo[dim] + (hi[dim] - lo[dim]) / 2.0;
    if !(lo[dim] < at && at < hi[dim]) {
        return None;
    }
    let upper = node.target.2.corner.get(dim).is_some_and(|&c| c >= at);
    Some(Literal::Input {
        input: dim,
        at,
        upper,
    })
}
