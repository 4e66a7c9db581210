//! Deciding a property: every sub-problem by split and conquer (bounds on input boxes, the
//! engine on boxes the bounds leave open), every counterexample through replay, one verdict
//! at the end.

mod conquer;
mod piece;
mod pool;
mod portfolio;
mod witness;

pub use conquer::{SearchOptions, SearchStats};
pub use piece::{bisect, pieces, split_into, Piece};
pub use pool::PoolOptions;
pub use portfolio::{verify_auto, AutoOptions};

use crate::bounds::RelaxedQuery;
use crate::engine::{Budget, Engine, EngineAnswer, EngineError};
use crate::network::Network;
use crate::query::{Query, QueryError};
use crate::replay::{Replay, ReplayError};
use crate::spec::{Property, SubProblem};
use conquer::{Conquest, SubProblemSearch};
use std::time::{Duration, Instant};
use witness::{confirm, probe_centre, Confirmation};

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
    /// What decided: for `Violated` the engine, `"attack"` (gradient ascent before any search,
    /// see [`crate::falsify`]) or `"probe"` (a point the search tried before asking the
    /// engine: a box's centre or the corner its bounds point at); for `Holds` the
    /// engine, or `"bounds"` when bounds closed every box; `"none"` for `Unknown`.
    pub answered_by: &'static str,
    pub elapsed: Duration,
    /// Sub-problems in the property, and how many the bounds alone closed.
    pub sub_problems: usize,
    pub closed_by_bounds: usize,
    /// What split and conquer did.
    pub search: SearchStats,
    /// The parts of the run in the order they started, with their times and results.
    pub parts: Vec<Part>,
    /// What the SAT engine reported (binarised networks): its proofs and encoding sizes.
    pub sat: Option<Box<crate::bnn_sat::SatReport>>,
}

/// One part of a run (an attack, a falsifier thread, an engine's search) and how it went.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// `attack`, `falsifier`, or an engine's name.
    pub name: &'static str,
    /// Wall-clock time from its start to its end.
    pub elapsed: Duration,
    /// `holds`, `violated`, `unknown`, `none` (an attack that found nothing) or `cancelled`.
    pub result: String,
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

/// For engines that search whole regions: per input polytope, a probe at its centre, then one
/// engine call on all of its sub-problems at once; the polytopes first get equal shares of the
/// budget, and those that run out are retried with all the time left.
fn search_regions(
    net: &Network,
    property: &Property,
    engine: &dyn Engine,
    budget: &Budget,
    subs: &[SubProblem],
) -> Result<(Verdict, &'static str), VerifyError> {
    let mut polytopes: Vec<Vec<&SubProblem>> = Vec::new();
    for sub in subs {
        let key = (sub.id.case, sub.id.input_polytope);
        match polytopes.last_mut() {
            Some(group) if (group[0].id.case, group[0].id.input_polytope) == key => group.push(sub),
            _ => polytopes.push(vec![sub]),
        }
    }
    let mut unknown: Option<String> = None;
    let mut retry = Vec::new();
    for pass in 0..2 {
        let order: Vec<usize> = if pass == 0 {
            (0..polytopes.len()).collect()
        } else {
            std::mem::take(&mut retry)
        };
        for (k, &i) in order.iter().enumerate() {
            let group = &polytopes[i];
            if pass == 0 {
                if let Some(r) = probe_centre(net, property, &group[0].inputs.bounds)? {
                    return Ok((Verdict::Violated(Box::new(r)), "probe"));
                }
            }
            let base = Query::new(net, group[0])?;
            let queries = group
                .iter()
                .map(|sub| base.for_sub_problem(sub))
                .collect::<Result<Vec<Query>, _>>()?;
            let share = if pass == 0 {
                budget.share(order.len() - k)
            } else {
                budget.clone()
            };
            match engine.check_any(&queries, &share)? {
                (EngineAnswer::NoCounterexample, _) => {}
                (EngineAnswer::Counterexample(candidate), found) => {
                    let query = &queries[found.unwrap_or(0)];
                    let region = &group[0].inputs.bounds;
                    match confirm(net, property, engine, budget, query, region, candidate)? {
                        Confirmation::Confirmed(r) => {
                            return Ok((Verdict::Violated(Box::new(r)), engine.name()))
                        }
                        Confirmation::Failed(why) => {
                            unknown.get_or_insert(why);
                        }
                    }
                }
                (EngineAnswer::Unknown(why), _) => {
                    if pass == 0 && share.exhausted() && !budget.exhausted() {
                        retry.push(i);
                    } else {
                        unknown.get_or_insert(why);
                    }
                }
            }
            if budget.exhausted() {
                unknown.get_or_insert_with(|| "timeout".into());
                break;
            }
        }
    }
    Ok(match unknown {
        Some(why) => (Verdict::Unknown(why), "none"),
        None => (Verdict::Holds, engine.name()),
    })
}

/// Decides `property` on `net` with `engine` within `budget`: per input polytope, a probe at
/// its centre; per sub-problem, split and conquer with the default [`SearchOptions`].
pub fn verify(
    net: &Network,
    property: &Property,
    engine: &dyn Engine,
    budget: &Budget,
) -> Result<Outcome, VerifyError> {
    verify_with(net, property, engine, budget, SearchOptions::default())
}

/// [`verify`] with explicit search options.
pub fn verify_with(
    net: &Network,
    property: &Property,
    engine: &dyn Engine,
    budget: &Budget,
    options: SearchOptions,
) -> Result<Outcome, VerifyError> {
    let start = Instant::now();
    let mut unknown: Option<String> = None;
    let mut closed_by_bounds = 0;
    let mut stats = SearchStats::default();
    let subs: Vec<SubProblem> = property.sub_problems().collect();
    let sub_problems = subs.len();
    // Attacks first: most counterexamples are found in milliseconds by gradient ascent.
    let attacked = (options.attack.restarts > 0)
        .then(|| crate::falsify::attack(net, property, options.attack, budget))
        .transpose()?;
    let mut parts = Vec::new();
    if attacked.is_some() {
        parts.push(Part {
            name: "attack",
            elapsed: start.elapsed(),
            result: if matches!(attacked, Some(Some(_))) {
                "violated".into()
            } else {
                "none".into()
            },
        });
    }
    let searched_from = Instant::now();
    let finish = |verdict: Verdict, answered_by, sub_problems, closed_by_bounds, stats| {
        log::debug!("verify: {stats:?}");
        let mut parts = parts.clone();
        if answered_by != "attack" {
            parts.push(Part {
                name: engine.name(),
                elapsed: searched_from.elapsed(),
                result: verdict.word().into(),
            });
        }
        Outcome {
            verdict,
            engine: engine.name(),
            answered_by,
            elapsed: start.elapsed(),
            sub_problems,
            closed_by_bounds,
            search: stats,
            parts,
            sat: None,
        }
    };
    if let Some(Some(r)) = attacked {
        let verdict = Verdict::Violated(Box::new(r));
        return Ok(finish(verdict, "attack", sub_problems, 0, stats));
    }
    if engine.searches_regions() {
        let (verdict, by) = search_regions(net, property, engine, budget, &subs)?;
        return Ok(finish(verdict, by, sub_problems, 0, stats));
    }
    // Each sub-problem first gets an equal share of the time left, so that a hard one cannot
    // starve the others (where a counterexample may be easy to find); those that run out of
    // their share are retried with all the time that remains.
    let mut region: Option<((usize, usize), Query, RelaxedQuery)> = None;
    let mut retry = Vec::new();
    for pass in 0..2 {
        let order: Vec<usize> = if pass == 0 {
            (0..subs.len()).collect()
        } else {
            std::mem::take(&mut retry)
        };
        for (k, &i) in order.iter().enumerate() {
            let sub = &subs[i];
            let polytope = (sub.id.case, sub.id.input_polytope);
            if region.as_ref().is_none_or(|(p, _, _)| *p != polytope) {
                if pass == 0 {
                    if let Some(r) = probe_centre(net, property, &sub.inputs.bounds)? {
                        let verdict = Verdict::Violated(Box::new(r));
                        return Ok(finish(
                            verdict,
                            "probe",
                            sub_problems,
                            closed_by_bounds,
                            stats,
                        ));
                    }
                }
                let base = Query::new(net, sub)?;
                let relaxed = RelaxedQuery::new(&base);
                region = Some((polytope, base, relaxed));
            }
            let Some((_, base, relaxed)) = &region else {
                unreachable!("the region was set above")
            };
            let query = base.for_sub_problem(sub)?;
            let share = if pass == 0 {
                budget.share(order.len() - k)
            } else {
                budget.clone()
            };
            let calls_before = stats.engine_calls;
            let search = SubProblemSearch {
                net,
                property,
                engine,
                budget: &share,
                relaxed,
                query: &query,
                region: &sub.inputs.bounds,
                unsafe_outputs: sub.unsafe_outputs,
                options,
            };
            match search.run(&mut stats)? {
                Conquest::Closed => {
                    if stats.engine_calls == calls_before {
                        closed_by_bounds += 1;
                    }
                }
                Conquest::Violated(r) => {
                    let by = if stats.engine_calls == calls_before {
                        "probe"
                    } else {
                        engine.name()
                    };
                    let verdict = Verdict::Violated(r);
                    return Ok(finish(verdict, by, sub_problems, closed_by_bounds, stats));
                }
                Conquest::Unknown(why) if pass == 0 && share.exhausted() && !budget.exhausted() => {
                    log::debug!(
                        "sub-problem {:?}: out of its share ({why}), retried later",
                        sub.id
                    );
                    retry.push(i);
                }
                Conquest::Unknown(why) => {
                    unknown.get_or_insert(why);
                }
            }
            if budget.exhausted() {
                unknown.get_or_insert_with(|| "timeout".into());
                break;
            }
        }
    }
    let verdict = match unknown {
        Some(why) => Verdict::Unknown(why),
        None => Verdict::Holds,
    };
    let by = match verdict {
        Verdict::Holds if stats.engine_calls == 0 => "bounds",
        Verdict::Holds => engine.name(),
        _ => "none",
    };
    Ok(finish(verdict, by, sub_problems, closed_by_bounds, stats))
}
