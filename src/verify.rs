//! Deciding a property: every sub-problem through bounds and an engine, every
//! counterexample through replay, one verdict at the end.

use crate::engine::{Budget, Engine, EngineAnswer, EngineError};
use crate::network::Network;
use crate::query::{Query, QueryError};
use crate::replay::{replay, Replay, ReplayError};
use crate::spec::Property;
use num_rational::BigRational;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How far inward output atoms are moved when a boundary witness fails float replay: each
/// retry asks for a counterexample with `delta·(1 + |bound|)` to spare, enough to absorb
/// float32 rounding of a network's outputs (about 1e-6 relative on ACAS Xu) at the second.
const WITNESS_MARGINS: [(i64, i64); 2] = [(1, 1_000_000), (1, 10_000)];

/// vera's answer about a property.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// No input in the region gives an unsafe output.
    Holds,
    /// A counterexample, confirmed by replay.
    Violated(Box<Replay>),
    /// Undecided, and why.
    Unknown(String),
}

impl Verdict {
    /// `holds`, `violated` or `unknown`.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Violated(_) => "violated",
            Verdict::Unknown(_) => "unknown",
        }
    }
}

/// A verdict with how it was reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub verdict: Verdict,
    /// The engine that was asked to decide the sub-problems.
    pub engine: &'static str,
    /// What decided: for `Violated` the engine or `"probe"` (the box's centre, tried before
    /// any search); for `Holds` the engine, or `"bounds"` when bounds closed every
    /// sub-problem; `"none"` for `Unknown`.
    pub answered_by: &'static str,
    pub elapsed: Duration,
    /// Sub-problems in the property, and how many the bounds alone closed.
    pub sub_problems: usize,
    pub closed_by_bounds: usize,
}

/// Why verification could not run (not an undecided answer: that is `Verdict::Unknown`).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// Decides `property` on `net` with `engine` within `budget`.
pub fn verify(
    net: &Network,
    property: &Property,
    engine: &dyn Engine,
    budget: &Budget,
) -> Result<Outcome, VerifyError> {
    let start = Instant::now();
    let mut unknown: Option<String> = None;
    let mut sub_problems = 0;
    let mut closed_by_bounds = 0;
    let finish = |verdict, answered_by, sub_problems, closed_by_bounds| Outcome {
        verdict,
        engine: engine.name(),
        answered_by,
        elapsed: start.elapsed(),
        sub_problems,
        closed_by_bounds,
    };
    // The tightened query of each input polytope, shared by its output disjuncts: the probe
    // and the bounds depend on the polytope alone.
    let mut tightened: HashMap<(usize, usize), Query> = HashMap::new();
    for sub in property.sub_problems() {
        sub_problems += 1;
        let polytope = (sub.id.case, sub.id.input_polytope);
        let query = match tightened.get(&polytope) {
            Some(base) => base.for_sub_problem(&sub)?,
            None => {
                if let Some(r) = probe_centre(net, property, &sub.inputs.bounds)? {
                    let verdict = Verdict::Violated(Box::new(r));
                    return Ok(finish(verdict, "probe", sub_problems, closed_by_bounds));
                }
                let mut query = Query::new(net, &sub)?;
                if !query.refuted_by_bounds() {
                    query.tighten(budget);
                }
                tightened.insert(polytope, query.clone());
                query
            }
        };
        let refuted = query.refuted_by_bounds()
            || (!budget.exhausted() && query.atoms_refuted_by_backsubstitution());
        if refuted {
            closed_by_bounds += 1;
            continue;
        }
        if budget.exhausted() {
            unknown.get_or_insert_with(|| "timeout".into());
            continue;
        }
        match engine.check(&query, budget)? {
            EngineAnswer::NoCounterexample => {}
            EngineAnswer::Unknown(why) => {
                unknown.get_or_insert(why);
            }
            EngineAnswer::Counterexample(candidate) => {
                match confirm(
                    net,
                    property,
                    engine,
                    budget,
                    &query,
                    &sub.inputs.bounds,
                    candidate,
                )? {
                    Ok(r) => {
                        let verdict = Verdict::Violated(Box::new(r));
                        return Ok(finish(
                            verdict,
                            engine.name(),
                            sub_problems,
                            closed_by_bounds,
                        ));
                    }
                    Err(why) => {
                        unknown.get_or_insert(why);
                    }
                }
            }
        }
    }
    let verdict = match unknown {
        Some(why) => Verdict::Unknown(why),
        None => Verdict::Holds,
    };
    let by = match verdict {
        Verdict::Holds if closed_by_bounds == sub_problems => "bounds",
        Verdict::Holds => engine.name(),
        _ => "none",
    };
    Ok(finish(verdict, by, sub_problems, closed_by_bounds))
}

/// Tries the centre of a bounded input box: on many properties (a robustness region around a
/// misclassified point, say) it is already a counterexample, and replay confirms it at no
/// search cost.
fn probe_centre(
    net: &Network,
    property: &Property,
    bounds: &crate::spec::InputBox,
) -> Result<Option<Replay>, VerifyError> {
    let two = BigRational::from_integer(2.into());
    let centre: Option<Vec<BigRational>> = bounds
        .lower
        .iter()
        .zip(&bounds.upper)
        .map(|(l, u)| Some((l.as_ref()? + u.as_ref()?) / &two))
        .collect();
    let Some(centre) = centre else {
        return Ok(None);
    };
    let r = replay(net, property, bounds, &centre)?;
    Ok(r.confirmed().then_some(r))
}

/// Replays a candidate; when it fails float replay on the boundary, asks the engine for one
/// with room to spare. `Err` gives the reason the verdict must stay unknown.
#[allow(clippy::too_many_arguments)]
fn confirm(
    net: &Network,
    property: &Property,
    engine: &dyn Engine,
    budget: &Budget,
    query: &Query,
    bounds: &crate::spec::InputBox,
    candidate: Vec<BigRational>,
) -> Result<Result<Replay, String>, VerifyError> {
    let first = replay(net, property, bounds, &candidate)?;
    if first.confirmed() {
        return Ok(Ok(first));
    }
    if !first.candidate_ok {
        log::error!(
            "engine {} returned a witness that fails exact replay; this is an engine bug",
            engine.name()
        );
        return Ok(Err("witness failed replay".into()));
    }
    for (n, d) in WITNESS_MARGINS {
        let delta = BigRational::new(n.into(), d.into());
        if let EngineAnswer::Counterexample(c) =
            engine.check(&query.strengthened(&delta), budget)?
        {
            let r = replay(net, property, bounds, &c)?;
            if r.confirmed() {
                return Ok(Ok(r));
            }
        }
    }
    Ok(Err(format!(
        "witness failed replay once rounded to {:?} (the engine's exact point is a \
         counterexample; rounded: exact margin {:e}, float margin {:e})",
        first.precision, first.exact_margin, first.float_margin
    )))
}
