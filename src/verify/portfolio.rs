//! The `auto` portfolio, vera's default: a first cheap attack; then, at the same time, a
//! falsifier thread that keeps attacking and the exact search (the DPLL(T) engine, on a pool
//! of threads when there are several, with Z3 as the fallback where the DPLL(T) engine gives
//! up). Whichever answers first wins and cancels the other; every thread is joined before the
//! verdict is returned. Binarised networks go to the SAT engine alone, on every thread (it
//! has its own falsifier for them).

use super::pool::{conquer, PoolOptions};
use super::{verify_with, Outcome, Part, Piece, SearchOptions, SearchStats, Verdict, VerifyError};
use crate::bnn_sat::SatOptions;
use crate::dpllt::DplltEngine;
use crate::engine::{Budget, Cancel};
use crate::falsify::{attack, falsify, AttackOptions};
use crate::network::Network;
use crate::replay::{replay, Replay};
use crate::smt_z3::Z3Engine;
use crate::spec::Property;
use num_rational::BigRational;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// With one thread, the falsifier first gets this fraction of the time left, at most
/// [`SEQUENTIAL_FALSIFIER_CAP`]: on ACAS Xu 1_9 property 7 it needs 0.3–1.8 s depending on the
/// seed (found within 1 s for 5 seeds of 8), while every instance that holds pays the slice.
/// What the search leaves of the budget goes to the falsifier again.
const SEQUENTIAL_FALSIFIER_SHARE: u32 = 60;
const SEQUENTIAL_FALSIFIER_CAP: Duration = Duration::from_secs(1);

/// How the portfolio runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoOptions {
    /// Threads in all: one falsifier and `threads − 1` search workers when 2 or more; with
    /// 1, the attack and the search run one after the other.
    pub threads: usize,
    /// The first attack and the search (its own attack is off: the falsifier does that).
    pub search: SearchOptions,
    /// How the search workers split the property when there are several.
    pub pool: PoolOptions,
    /// The SAT engine (binarised networks).
    pub sat: SatOptions,
}

impl Default for AutoOptions {
    fn default() -> AutoOptions {
        AutoOptions {
            threads: 1,
            search: SearchOptions::default(),
            pool: PoolOptions::default(),
            sat: SatOptions::default(),
        }
    }
}

/// The exact part: one piece decided by the DPLL(T) engine; when it gives up for a reason
/// other than time, Z3 gets the piece with the time left (the reason is kept in the part's
/// result).
fn decide_piece(
    net: &Network,
    piece: &Piece,
    budget: &Budget,
    options: SearchOptions,
    parts: &Mutex<Vec<Part>>,
) -> Result<Outcome, VerifyError> {
    let outcome = verify_with(
        net,
        &piece.property,
        &DplltEngine::default(),
        budget,
        options,
    )?;
    let gave_up = match &outcome.verdict {
        Verdict::Unknown(why) if why != "timeout" && !budget.exhausted() => Some(why.clone()),
        _ => None,
    };
    let Some(why) = gave_up else {
        return Ok(outcome);
    };
    log::info!("auto: dpllt gave up on a piece ({why}); Z3 takes it over");
    let started = Instant::now();
    let z3 = verify_with(net, &piece.property, &Z3Engine, budget, options)?;
    lock(parts).push(Part {
        name: "z3",
        elapsed: started.elapsed(),
        result: format!("{} (fallback: dpllt gave up: {why})", z3.verdict.word()),
    });
    Ok(z3)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Replays `r`'s input against the whole property (a piece's witness was replayed against the
/// piece, which lies inside it; this checks that again, exactly and in float).
fn replay_whole(
    net: &Network,
    property: &Property,
    r: &Replay,
) -> Result<Option<Replay>, VerifyError> {
    let exact: Option<Vec<BigRational>> = r
        .input
        .iter()
        .map(|v| BigRational::from_float(*v))
        .collect();
    let Some(exact) = exact else {
        return Ok(None);
    };
    for sub in property.sub_problems() {
        let again = replay(net, property, &sub.inputs.bounds, &exact)?;
        if again.confirmed() {
            return Ok(Some(again));
        }
    }
    Ok(None)
}

/// Decides `property` with the portfolio (see the module documentation).
pub fn verify_auto(
    net: &Network,
    property: &Property,
    budget: &Budget,
    options: AutoOptions,
) -> Result<Outcome, VerifyError> {
    let start = Instant::now();
    let sub_problems = property.sub_problems().count();
    let mut parts = vec![];
    let outcome = |verdict, answered_by, parts, search, closed| Outcome {
        verdict,
        engine: "auto",
        answered_by,
        elapsed: start.elapsed(),
        sub_problems,
        closed_by_bounds: closed,
        search,
        parts,
        sat: None,
    };
    // 1. A first attack: most violated properties fall here, in milliseconds. Not for
    // binarised networks: their gradients are surrogates, an attack on a wide input takes
    // seconds, and the SAT engine finds a witness (or a proof) faster.
    let bnn = net.kind() == "bnn";
    let first = if bnn {
        None
    } else {
        attack(net, property, options.search.attack, budget)?
    };
    if let Some(r) = first {
        parts.push(Part {
            name: "attack",
            elapsed: start.elapsed(),
            result: "violated".into(),
        });
        let v = Verdict::Violated(Box::new(r));
        return Ok(outcome(v, "attack", parts, SearchStats::default(), 0));
    }
    if !bnn {
        parts.push(Part {
            name: "attack",
            elapsed: start.elapsed(),
            result: "none".into(),
        });
    }
    let search_options = SearchOptions {
        attack: AttackOptions {
            restarts: 0,
            ..options.search.attack
        },
        ..options.search
    };
    let shared_parts = Mutex::new(Vec::new());
    let sat_report = Mutex::new(None);
    let cancel = Cancel::new();
    let budget = budget.cancelled_by(&cancel);
    let workers = options.threads.saturating_sub(1).max(1);
    let exact = || -> Result<(Verdict, Vec<Outcome>, Duration), VerifyError> {
        let started = Instant::now();
        if net.kind() == "bnn" {
            let report = crate::bnn_sat::decide(net, property, &budget, &options.sat)?;
            let verdict = report.verdict.clone();
            if report.proofs > 0 {
                let others: String = report
                    .checked_by
                    .iter()
                    .map(|c| format!(", all by {c}"))
                    .collect();
                lock(&shared_parts).push(Part {
                    name: "drat",
                    elapsed: Duration::ZERO,
                    result: format!(
                        "{} of {} {} proofs checked by vera's RUP checker ({} lemmas){others}",
                        report.checked,
                        report.proofs,
                        options.sat.solver.name(),
                        report.lemmas
                    ),
                });
            }
            *lock(&sat_report) = Some(Box::new(report));
            let outcome = Outcome {
                verdict: verdict.clone(),
                engine: "sat",
                answered_by: "sat",
                elapsed: started.elapsed(),
                sub_problems: property.sub_problems().count(),
                closed_by_bounds: 0,
                search: SearchStats::default(),
                parts: vec![],
                sat: None,
            };
            if !matches!(verdict, Verdict::Unknown(_)) {
                cancel.cancel();
            }
            return Ok((verdict, vec![outcome], started.elapsed()));
        }
        let decide =
            |piece: &Piece, b: &Budget| decide_piece(net, piece, b, search_options, &shared_parts);
        let result = if workers == 1 {
            let whole = Piece {
                property: property.clone(),
                depth: 0,
            };
            let o = decide(&whole, &budget)?;
            (o.verdict.clone(), vec![o], started.elapsed())
        } else {
            let pool = PoolOptions {
                workers,
                ..options.pool
            };
            let (verdict, report) = conquer(property, pool, &budget, decide)?;
            log::debug!(
                "auto: pool decided {} pieces, re-split {}",
                report.decided,
                report.resplit
            );
            (verdict, report.outcomes, started.elapsed())
        };
        if !matches!(result.0, Verdict::Unknown(_)) {
            cancel.cancel();
        }
        Ok(result)
    };
    // 2. The falsifier beside the exact search (or after it, with one thread).
    let falsifier_options = AttackOptions {
        seed: options.search.attack.seed.wrapping_add(1),
        ..options.search.attack
    };
    let run_falsifier = || {
        let started = Instant::now();
        let found = falsify(net, property, falsifier_options, &budget);
        if matches!(found, Ok(Some(_))) {
            cancel.cancel();
        }
        (found, started.elapsed())
    };
    let (exact_result, (falsified, falsifier_time)) = if bnn {
        // Binarised networks: the SAT engine alone, on every thread. The float falsifier's
        // surrogate gradients are zero almost everywhere on a sign network: in 2 s per
        // instance it found none of the 50 violated sparse EEV instances of benchmarks/bnn
        // and none of Narodytska's 30, while it took a core from the enumeration. The SAT
        // engine runs its own falsifier, the corner search, before the queries that would
        // be expensive.
        (exact(), (Ok(None), Duration::ZERO))
    } else if options.threads >= 2 {
        std::thread::scope(|s| {
            let falsifier = s.spawn(run_falsifier);
            let exact_result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(exact));
            // An error or a panic of the search stops the falsifier too (an undecided search
            // leaves it the time left).
            if !matches!(exact_result, Ok(Ok((Verdict::Unknown(_), _, _)))) {
                cancel.cancel();
            }
            // A panicking falsifier has found nothing.
            let falsified = falsifier.join().unwrap_or((Ok(None), Duration::ZERO));
            let exact_result = exact_result.unwrap_or_else(|p| std::panic::resume_unwind(p));
            (exact_result, falsified)
        })
    } else {
        // One thread: a slice of the budget for the falsifier first, then the search, then
        // the falsifier again with whatever time the search leaves.
        let slice = budget.remaining().map_or(SEQUENTIAL_FALSIFIER_CAP, |left| {
            (left / SEQUENTIAL_FALSIFIER_SHARE).min(SEQUENTIAL_FALSIFIER_CAP)
        });
        let started = Instant::now();
        let first = falsify(net, property, falsifier_options, &budget.at_most(slice));
        let mut falsifier_time = started.elapsed();
        match first {
            Ok(Some(r)) => {
                let exact_result =
                    Ok((Verdict::Unknown("cancelled".into()), vec![], Duration::ZERO));
                (exact_result, (Ok(Some(r)), falsifier_time))
            }
            Err(e) => (Err(e.into()), (Ok(None), falsifier_time)),
            Ok(None) => {
                let exact_result = exact();
                let undecided = matches!(&exact_result, Ok((Verdict::Unknown(_), _, _)));
                if undecided && !budget.exhausted() {
                    let (found, more) = run_falsifier();
                    falsifier_time += more;
                    (exact_result, (found, falsifier_time))
                } else {
                    (exact_result, (Ok(None), falsifier_time))
                }
            }
        }
    };
    let (verdict, outcomes, exact_time) = exact_result?;
    let falsified = falsified?;
    let stats = outcomes.iter().fold(SearchStats::default(), |mut acc, o| {
        acc.boxes += o.search.boxes;
        acc.closed_by_bounds += o.search.closed_by_bounds;
        acc.engine_calls += o.search.engine_calls;
        acc.max_depth = acc.max_depth.max(o.search.max_depth);
        acc
    });
    let closed: usize = outcomes.iter().map(|o| o.closed_by_bounds).sum();
    let by_exact = outcomes
        .iter()
        .find(|o| std::mem::discriminant(&o.verdict) == std::mem::discriminant(&verdict))
        .map_or("none", |o| o.answered_by);
    let exact_name = match (net.kind(), workers) {
        ("bnn", _) => "sat",
        (_, 1) => "dpllt",
        _ => "dpllt-pool",
    };
    let exact_word = |v: &Verdict| match v {
        Verdict::Unknown(_) if falsified.is_some() => "cancelled".to_string(),
        v => v.word().to_string(),
    };
    if !outcomes.is_empty() || exact_time > Duration::ZERO {
        parts.push(Part {
            name: exact_name,
            elapsed: exact_time,
            result: exact_word(&verdict),
        });
    }
    if !bnn && (options.threads >= 2 || falsifier_time > Duration::ZERO) {
        parts.push(Part {
            name: "falsifier",
            elapsed: falsifier_time,
            result: match (&falsified, &verdict) {
                (Some(_), _) => "violated".into(),
                (None, Verdict::Unknown(_)) => "none".into(),
                (None, _) => "cancelled".into(),
            },
        });
    }
    parts.extend(lock(&shared_parts).drain(..));
    // With one search worker (or the SAT engine) the exact part decided the whole property,
    // and its witness was replayed against it already; a pool's piece was replayed against
    // the piece only.
    let decided_whole = bnn || workers == 1;
    let mut finished = match (verdict, falsified) {
        (Verdict::Violated(r), _) if decided_whole => {
            outcome(Verdict::Violated(r), by_exact, parts, stats, closed)
        }
        (Verdict::Violated(r), _) => match replay_whole(net, property, &r)? {
            Some(again) => outcome(
                Verdict::Violated(Box::new(again)),
                by_exact,
                parts,
                stats,
                closed,
            ),
            None => outcome(
                Verdict::Unknown(
                    "a piece's witness failed replay against the whole property".into(),
                ),
                "none",
                parts,
                stats,
                closed,
            ),
        },
        (Verdict::Holds, Some(r)) => {
            // A confirmed counterexample is exact ground truth; the closed search is wrong.
            log::error!(
                "auto: the search closed every branch but the falsifier found a replayed \
                 counterexample; reporting the counterexample (this is a bug in the search)"
            );
            outcome(
                Verdict::Violated(Box::new(r)),
                "falsifier",
                parts,
                stats,
                closed,
            )
        }
        (_, Some(r)) => outcome(
            Verdict::Violated(Box::new(r)),
            "falsifier",
            parts,
            stats,
            closed,
        ),
        (Verdict::Holds, None) => outcome(Verdict::Holds, by_exact, parts, stats, closed),
        (unknown, None) => outcome(unknown, "none", parts, stats, closed),
    };
    finished.sat = lock(&sat_report).take();
    Ok(finished)
}
