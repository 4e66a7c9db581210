//! The decision at an open node: an input bisection or a ReLU phase.
//!
//! - With few unstable ReLUs, the ReLU whose relaxation loosens the target consequence's bound
//!   most (`RelaxedQuery::relu_split_scores`, in the spirit of BaBSR), weighted by how often
//!   recent conflicts involved it; its phase at the LP's point first.
//! - On wide nodes (many unstable ReLUs, where a good choice saves the most), a look-ahead
//!   (strong branching): every input's two halves and the best-scored ReLUs' two phases are
//!   bounded, and the split whose worse child is closest to refutation wins (for networks with
//!   few inputs this is input bisection almost always, as in ReluVal, nnenum and
//!   alpha-beta-CROWN; Marabou's divide-and-conquer looks ahead the same way). The children's
//!   bounds are kept for when the search reaches them.
//! - Phase splits too once the last round of input bisections (one per input) stabilised no
//!   ReLU (`Search::input_splits_stalled`).
//! - Otherwise the input with the largest influence on the target's bounds
//!   (`bounds::widest_influence`), its half holding the corner where the lower bound is
//!   smallest first.

use super::literal::{Literal, Phase};
use super::search::{Lookahead, OpenNode, Search};
use crate::bounds::{Refutable, Refutation, VarBounds};

/// What to do at an open node.
pub(crate) enum Choice {
    Decide(Literal),
    /// Nothing is left to split: the node can be neither refuted nor shown unsafe.
    GiveUp(String),
}

/// ReLUs (the best by split score) that the look-ahead tries beside the inputs.
const LOOKAHEAD_RELUS: usize = 2;

/// An input bisection never goes to an input whose width, relative to its width in the whole
/// region, is below this fraction of the relatively widest input's: back-substituted bounds
/// can drop an input entirely (ReLU lower slopes of 0) while it still keeps ReLUs unstable,
/// and then influences alone would halve the one input they see without end.
const MIN_RELATIVE_WIDTH: f64 = 1.0 / 65536.0;

pub(crate) fn choose(search: &mut Search, node: &OpenNode) -> Choice {
    let unstable = search.unstable(&node.bounds);
    let wide =
        unstable.len() as f64 >= search.options.lookahead_fraction * search.rq.num_relus() as f64;
    if unstable.len() > search.options.relu_split_max_unstable
        && !search.input_splits_stalled(&node.bounds)
    {
        if wide && search.has_refutables(node) {
            if let Some(lit) = look_ahead(search, node, &unstable) {
                return Choice::Decide(lit);
            }
        } else if let Some(lit) = influential_input(search, node) {
            return Choice::Decide(lit);
        }
    }
    if let Some(relu) = best_relus(search, node, &unstable, 1).first() {
        let phase = search.preferred_phase(node, *relu);
        return Choice::Decide(Literal::Phase { relu: *relu, phase });
    }
    match influential_input(search, node) {
        Some(lit) => Choice::Decide(lit),
        None => Choice::GiveUp(
            "a region no bound refutes, with no ReLU or input left to split (a counterexample \
             may lie within rounding of the unsafe set's boundary)"
                .into(),
        ),
    }
}

/// The `count` unstable ReLUs with the largest split scores (weighted by activity).
fn best_relus(search: &Search, node: &OpenNode, unstable: &[usize], count: usize) -> Vec<usize> {
    if unstable.is_empty() || !search.has_refutables(node) {
        return unstable.iter().copied().take(count).collect();
    }
    let objective = &search.target_refutable(node).objective;
    let scores = search.rq.relu_split_scores(&node.bounds, objective);
    let key = |j: usize| scores[j] * (1.0 + search.activity[j]);
    let mut ranked = unstable.to_vec();
    ranked.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    ranked.truncate(count);
    ranked
}

/// The bisection of the input with the largest influence on the target's bounds, its likelier
/// half first; `None` when no input can be halved any more.
fn influential_input(search: &Search, node: &OpenNode) -> Option<Literal> {
    let (lo, hi) = (&node.lo, &node.hi);
    // Inputs too thin relative to the others are left alone (see `MIN_RELATIVE_WIDTH`).
    let relative: Vec<f64> = (0..lo.len())
        .map(|i| (hi[i] - lo[i]) / search.root_width(i))
        .collect();
    let widest = relative.iter().copied().fold(0.0f64, f64::max);
    let mut h = hi.clone();
    for (i, r) in relative.iter().enumerate() {
        if r.partial_cmp(&(widest * MIN_RELATIVE_WIDTH))
            .is_none_or(|o| o.is_lt())
        {
            h[i] = lo[i];
        }
    }
    let dim = if search.has_refutables(node) {
        let bound = &node.target.2;
        let objective = &search.target_refutable(node).objective;
        let other = search.rq.lower_bound(&node.bounds, &objective.negated());
        crate::bounds::widest_influence(bound, &other, lo, &h)?
    } else {
        (0..lo.len()).max_by(|&a, &b| relative[a].total_cmp(&relative[b]))?
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

/// Strong branching on a wide node: the split (an input bisection, or a phase split of one of
/// the best-scored ReLUs) whose worse child is closest to refutation, a child being as far
/// from closed as its hardest open disjunct. The child further from refutation goes first (a
/// counterexample is likelier there). `None` when no split brings the worse child closer than
/// the node itself.
fn look_ahead(search: &mut Search, node: &OpenNode, unstable: &[usize]) -> Option<Literal> {
    let t = std::time::Instant::now();
    let (lo, hi) = (&node.lo, &node.hi);
    let start = VarBounds {
        lower: node.bounds.lower.clone(),
        upper: node.bounds.upper.clone(),
    };
    let refutables: Vec<Vec<Refutable>> = node
        .open
        .iter()
        .map(|&k| search.refutables(k).to_vec())
        .collect();
    let prefix: Vec<Literal> = search.trail.entries().iter().map(|e| e.literal).collect();
    // The candidate splits, each as its two children's literals.
    let mut candidates: Vec<[Literal; 2]> = Vec::new();
    for input in 0..lo.len() {
        let at = lo[input] + (hi[input] - lo[input]) / 2.0;
        if lo[input] < at && at < hi[input] {
            let half = |upper| Literal::Input { input, at, upper };
            candidates.push([half(false), half(true)]);
        }
    }
    for relu in best_relus(search, node, unstable, LOOKAHEAD_RELUS) {
        let phase = |phase| Literal::Phase { relu, phase };
        candidates.push([phase(Phase::Active), phase(Phase::Inactive)]);
    }
    // (score of the worse child, the literal to decide, the children's bounds)
    let mut best: Option<(f64, Literal, Vec<Lookahead>)> = None;
    for children in candidates {
        let mut kept = Vec::new();
        let mut worse: Option<(f64, Literal)> = None;
        for literal in children {
            let (mut l, mut h) = (lo.clone(), hi.clone());
            literal.narrow(&mut l, &mut h);
            let Ok(bounds) = search.bound_region(start.clone(), &l, &h, Some(literal)) else {
                continue; // an empty child: closed
            };
            let score = refutables
                .iter()
                .map(|r| match search.rq.refute(&bounds, r, false) {
                    Refutation::Refuted => f64::INFINITY,
                    Refutation::Open { gap, .. } => -gap,
                })
                .fold(f64::INFINITY, f64::min);
            if worse.is_none_or(|(s, _)| score < s) {
                worse = Some((score, literal));
            }
            kept.push(Lookahead {
                lo: l,
                hi: h,
                prefix: prefix.clone(),
                literal,
                bounds,
            });
        }
        let (score, literal) = worse.unwrap_or((f64::INFINITY, children[0]));
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, literal, kept));
        }
    }
    search.stats.time_bounds += t.elapsed();
    let (score, literal, kept) = best?;
    if score <= -node.widest_gap {
        return None;
    }
    search.lookahead.extend(kept);
    Some(literal)
}
