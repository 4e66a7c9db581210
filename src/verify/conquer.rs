//! Split and conquer for one sub-problem: bound the input box; when the bounds cannot refute
//! the unsafe atoms, try the points the bounds point at, and either hand the box to the engine
//! (few unstable ReLUs left) or bisect it on its most influential input and go on.

use super::witness::{confirm, Confirmation};
use crate::bounds::{
    bisect, tighten_query_with, widest_influence, LinearBound, Method, Refutable, Refutation,
    RelaxedQuery, VarBounds,
};
use crate::engine::{Budget, Engine, EngineAnswer};
use crate::falsify::AttackOptions;
use crate::network::Network;
use crate::query::{AtomOrigin, Query};
use crate::replay::Replay;
use crate::spec::{InputBox, OutputConjunction, Property};
use num_rational::BigRational;

/// Gradient steps of the attack from each probe point of a box.
const LOCAL_ATTACK_STEPS: usize = 8;

/// When a box goes to the engine instead of being bisected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchOptions {
    /// A box goes to the engine once propagation leaves at most this many unstable ReLUs: the
    /// engine's case splits are then few, while bisection would still need many boxes. (On
    /// ACAS Xu, Z3 takes 0.1–3 s per box at 4–12 unstable ReLUs while bounding a box takes
    /// about a millisecond, so the engine is kept for boxes bisection cannot close cheaply.)
    pub leaf_unstable_relus: usize,
    /// The whole input region goes to the engine at once when it has at most this many
    /// unstable ReLUs: a small network is one cheap engine call, while bisecting its (often
    /// many) inputs near a tight optimum can take thousands of boxes.
    pub root_unstable_relus: usize,
    /// A box this many bisections deep goes to the engine whatever its unstable ReLUs: boxes
    /// narrower than the network's float resolution gain nothing from further splitting.
    pub max_depth: usize,
    /// The attack run before any search (see [`crate::falsify`]).
    pub attack: AttackOptions,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions {
            leaf_unstable_relus: 4,
            root_unstable_relus: 16,
            max_depth: 48,
            attack: AttackOptions::default(),
        }
    }
}

/// How one sub-problem ended.
#[derive(Debug)]
pub(crate) enum Conquest {
    /// No counterexample in the sub-problem.
    Closed,
    Violated(Box<Replay>),
    Unknown(String),
}

/// Counts for the logs and the outcome.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SearchStats {
    /// Input boxes bounded (the root and every half).
    pub boxes: usize,
    /// Boxes closed by bounds alone.
    pub closed_by_bounds: usize,
    /// Boxes handed to the engine.
    pub engine_calls: usize,
    /// Deepest bisection.
    pub max_depth: usize,
}

/// Everything about the sub-problem that does not change from box to box.
pub(crate) struct SubProblemSearch<'a> {
    pub net: &'a Network,
    pub property: &'a Property,
    pub engine: &'a dyn Engine,
    pub budget: &'a Budget,
    pub relaxed: &'a RelaxedQuery,
    pub query: &'a Query,
    pub region: &'a InputBox,
    /// The sub-problem's unsafe conjunction, for attacks inside boxes.
    pub unsafe_outputs: &'a OutputConjunction,
    pub options: SearchOptions,
}

impl SubProblemSearch<'_> {
    /// Decides the sub-problem, adding to `stats`.
    pub fn run(&self, stats: &mut SearchStats) -> Result<Conquest, super::VerifyError> {
        let atoms = Refutable::of_conjunction(
            self.query
                .atoms
                .iter()
                .filter(|a| a.origin == AtomOrigin::Output),
        );
        let start = VarBounds::of_query(self.query);
        let inputs = self.relaxed.inputs();
        let root_lo: Vec<f64> = inputs.iter().map(|&x| start.lower[x]).collect();
        let root_hi: Vec<f64> = inputs.iter().map(|&x| start.upper[x]).collect();
        let mut stack = vec![(root_lo, root_hi, 0usize)];
        let mut unknown: Option<String> = None;
        while let Some((lo, hi, depth)) = stack.pop() {
            if self.budget.exhausted() {
                return Ok(Conquest::Unknown("timeout".into()));
            }
            stats.boxes += 1;
            stats.max_depth = stats.max_depth.max(depth);
            let mut here = start.clone();
            for (k, &x) in inputs.iter().enumerate() {
                here.restrict(x, lo[k], hi[k]);
            }
            let Ok(bounds) = self.relaxed.propagate(&here, Method::Symbolic) else {
                stats.closed_by_bounds += 1;
                continue; // an empty box
            };
            let closest = match self.relaxed.refute(&bounds, &atoms, false) {
                Refutation::Refuted => {
                    stats.closed_by_bounds += 1;
                    continue;
                }
                Refutation::Open { closest, bound, .. } => (closest, bound),
            };
            if let Some(r) = self.falsify(&lo, &hi, Some(&closest.1))? {
                return Ok(Conquest::Violated(Box::new(r)));
            }
            let unstable = self
                .query
                .relus()
                .filter(|r| bounds.lower[r.pre] < 0.0 && bounds.upper[r.pre] > 0.0)
                .count();
            let split = (!atoms.is_empty())
                .then(|| {
                    let (k, b) = &closest;
                    let other = self
                        .relaxed
                        .lower_bound(&bounds, &atoms[*k].objective.negated());
                    widest_influence(b, &other, &lo, &hi)
                })
                .flatten()
                .filter(|_| {
                    let o = &self.options;
                    let small = unstable <= o.leaf_unstable_relus
                        || (depth == 0 && unstable <= o.root_unstable_relus);
                    !small && depth < o.max_depth
                });
            if let Some(dim) = split {
                for (l, h) in bisect(&lo, &hi, dim) {
                    stack.push((l, h, depth + 1));
                }
                continue;
            }
            stats.engine_calls += 1;
            let mut leaf = self.query.clone();
            tighten_query_with(&mut leaf, &bounds);
            match self.engine.check(&leaf, self.budget)? {
                EngineAnswer::NoCounterexample => {}
                EngineAnswer::Unknown(why) => {
                    if self.budget.exhausted() {
                        return Ok(Conquest::Unknown(why));
                    }
                    unknown.get_or_insert(why);
                }
                EngineAnswer::Counterexample(candidate) => {
                    match confirm(
                        self.net,
                        self.property,
                        self.engine,
                        self.budget,
                        &leaf,
                        self.region,
                        candidate,
                    )? {
                        Confirmation::Confirmed(r) => return Ok(Conquest::Violated(Box::new(r))),
                        Confirmation::Failed(why) => {
                            unknown.get_or_insert(why);
                        }
                    }
                }
            }
        }
        Ok(match unknown {
            Some(why) => Conquest::Unknown(why),
            None => Conquest::Closed,
        })
    }

    /// Tries the points the bounds suggest — the corner of the box where the closest atom's
    /// linear bound is smallest, and the box's centre — each followed by a few steps of
    /// gradient ascent inside the box (boxes shrink as the search goes, so these local attacks
    /// get sharper where counterexamples hide). Screened in f64 by the attack, confirmed by
    /// replay.
    fn falsify(
        &self,
        lo: &[f64],
        hi: &[f64],
        closest: Option<&LinearBound>,
    ) -> Result<Option<Replay>, super::VerifyError> {
        let centre: Vec<f64> = lo.iter().zip(hi).map(|(l, h)| l + (h - l) / 2.0).collect();
        let candidates = closest
            .map(|b| b.corner.clone())
            .into_iter()
            .chain([centre]);
        for start in candidates {
            if start.iter().any(|v| !v.is_finite()) {
                continue;
            }
            let steps = LOCAL_ATTACK_STEPS;
            let Some(x) =
                crate::falsify::ascend(self.net, self.unsafe_outputs, lo, hi, start, steps)
            else {
                continue;
            };
            let exact: Vec<BigRational> = x
                .iter()
                .filter_map(|v| BigRational::from_float(*v))
                .collect();
            let r = crate::replay::replay(self.net, self.property, self.region, &exact)?;
            if r.confirmed() {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }
}
