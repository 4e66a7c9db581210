//! Split and conquer on a pool of threads (Marabou's divide-and-conquer mode): the property
//! is cut into pieces, worker threads take pieces from a shared queue and decide each within
//! a time limit, and a piece that runs out of its limit is bisected again, its halves queued
//! with a longer limit. The first confirmed counterexample cancels every other worker.
//!
//! One worker first takes the whole property, without a limit, racing the pieces: on ACAS Xu
//! a piece costs the DPLL(T) engine nearly as much as the whole (its root node, with its
//! look-ahead branching, is the expensive part), so pieces alone can be slower than one
//! search of the whole; with the whole in the race, more threads never make it much slower.

use super::piece::{bisect, split_into, widths, Piece};
use super::{Outcome, Verdict, VerifyError};
use crate::engine::{Budget, Cancel, EngineError};
use crate::spec::Property;
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// How the pool splits and schedules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoolOptions {
    /// Worker threads.
    pub workers: usize,
    /// Pieces per worker to start with.
    pub pieces_per_worker: usize,
    /// The time limit of a first piece.
    pub first_timeout: Duration,
    /// A re-split piece's halves get their parent's limit times this.
    pub timeout_growth: f64,
    /// Pieces this many bisections deep are not split again; they get all the time left.
    pub max_depth: usize,
    /// Whether one worker takes the whole property first (see the module documentation).
    pub whole_first: bool,
}

impl Default for PoolOptions {
    fn default() -> PoolOptions {
        PoolOptions {
            workers: 1,
            pieces_per_worker: 2,
            first_timeout: Duration::from_secs(2),
            timeout_growth: 1.5,
            max_depth: 24,
            whole_first: true,
        }
    }
}

/// What the pool did, for the outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolReport {
    /// Pieces decided (closed, or the one that was violated).
    pub decided: usize,
    /// Pieces that ran out of their limit and were split again.
    pub resplit: usize,
    /// Outcomes of the decided pieces, in the order they finished.
    pub outcomes: Vec<Outcome>,
}

/// A task: a piece and its time limit (`None`: the time left); `whole` marks the whole
/// property, which the pieces also cover.
struct Task {
    piece: Piece,
    limit: Option<Duration>,
    whole: bool,
}

struct Queue {
    pending: VecDeque<Task>,
    running: usize,
    found: Option<Outcome>,
    /// The whole property closed: it holds, whatever the pieces still running say.
    whole_closed: Option<Outcome>,
    /// Pieces queued or running (the whole not counted).
    open_pieces: usize,
    unknown: Option<String>,
    error: Option<VerifyError>,
    report: PoolReport,
}

/// Decides `property` by pieces on `options.workers` threads; `decide` decides one piece
/// within the budget it is given (each worker calls it from its own thread). Returns the
/// verdict (a violated piece's outcome, holds when every piece closed, or unknown with the
/// first reason) and what the pool did. Every worker has returned when this returns.
pub fn conquer<F>(
    property: &Property,
    options: PoolOptions,
    budget: &Budget,
    decide: F,
) -> Result<(Verdict, PoolReport), VerifyError>
where
    F: Fn(&Piece, &Budget) -> Result<Outcome, VerifyError> + Sync,
{
    let scale = widths(property);
    let workers = options.workers.max(1);
    let first = split_into(property, workers * options.pieces_per_worker.max(1));
    let mut pending: VecDeque<Task> = first
        .into_iter()
        .map(|piece| Task {
            piece,
            limit: Some(options.first_timeout),
            whole: false,
        })
        .collect();
    if options.whole_first && workers > 1 {
        let piece = Piece {
            property: property.clone(),
            depth: 0,
        };
        pending.push_front(Task {
            piece,
            limit: None,
            whole: true,
        });
    }
    let open_pieces = pending.iter().filter(|t| !t.whole).count();
    let queue = Mutex::new(Queue {
        open_pieces,
        pending,
        running: 0,
        found: None,
        whole_closed: None,
        unknown: None,
        error: None,
        report: PoolReport::default(),
    });
    let wake = Condvar::new();
    let cancel = Cancel::new();
    let budget = budget.cancelled_by(&cancel);
    let work = || loop {
        let Task {
            piece,
            limit,
            whole,
        } = {
            let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                let over = q.found.is_some() || q.whole_closed.is_some() || q.error.is_some();
                if budget.exhausted() || over {
                    return;
                }
                if let Some(task) = q.pending.pop_front() {
                    q.running += 1;
                    break task;
                }
                if q.running == 0 {
                    return;
                }
                q = wake
                    .wait_timeout(q, Duration::from_millis(50))
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        };
        let piece_budget = match limit {
            Some(l) => budget.at_most(l),
            None => budget.clone(),
        };
        // A panic in one piece must not leave the others waiting for it forever.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            decide(&piece, &piece_budget)
        }))
        .unwrap_or_else(|_| {
            Err(VerifyError::Engine(EngineError {
                engine: "pool",
                problem: "deciding a piece panicked".into(),
            }))
        });
        let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
        q.running -= 1;
        match result {
            Err(e) => {
                q.error.get_or_insert(e);
                cancel.cancel();
            }
            Ok(outcome) => match &outcome.verdict {
                Verdict::Holds if whole => {
                    q.report.outcomes.push(outcome.clone());
                    q.whole_closed = Some(outcome);
                    cancel.cancel();
                }
                Verdict::Holds => {
                    q.report.decided += 1;
                    q.report.outcomes.push(outcome);
                    q.open_pieces -= 1;
                }
                Verdict::Violated(_) => {
                    q.open_pieces -= usize::from(!whole);
                    q.report.decided += 1;
                    q.report.outcomes.push(outcome.clone());
                    q.found.get_or_insert(outcome);
                    cancel.cancel();
                }
                // Cancelled, or out of time: the pieces cover the whole's region.
                Verdict::Unknown(_) if whole => {}
                Verdict::Unknown(why) => {
                    let out_of_limit = limit.is_some() && piece_budget.exhausted();
                    if out_of_limit && !budget.exhausted() {
                        q.report.resplit += 1;
                        let longer = limit.map(|l| l.mul_f64(options.timeout_growth.max(1.0)));
                        let halves = (piece.depth < options.max_depth)
                            .then(|| bisect(&piece, &scale))
                            .flatten();
                        match halves {
                            Some((a, b)) => {
                                q.open_pieces += 1; // two halves for one piece
                                for piece in [a, b] {
                                    q.pending.push_back(Task {
                                        piece,
                                        limit: longer,
                                        whole: false,
                                    });
                                }
                            }
                            None => q.pending.push_back(Task {
                                piece,
                                limit: None,
                                whole: false,
                            }),
                        }
                    } else {
                        q.unknown.get_or_insert_with(|| why.clone());
                        q.open_pieces -= 1;
                    }
                }
            },
        }
        if q.open_pieces == 0 && q.unknown.is_none() {
            cancel.cancel(); // every piece closed: the whole, still running, is not needed
        }
        drop(q);
        wake.notify_all();
    };
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..workers).map(|_| s.spawn(work)).collect();
        work();
        // Joined one by one (not left to the scope), so that each OS thread has exited too.
        for h in helpers {
            if h.join().is_err() {
                log::error!("a split-and-conquer worker panicked");
            }
        }
    });
    let q = queue.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = q.error {
        return Err(e);
    }
    let verdict = match (q.found, q.unknown) {
        (Some(found), _) => found.verdict,
        (None, _) if q.whole_closed.is_some() => Verdict::Holds,
        (None, Some(why)) => Verdict::Unknown(why),
        (None, None) if q.open_pieces == 0 => Verdict::Holds,
        (None, None) => Verdict::Unknown("timeout".into()),
    };
    Ok((verdict, q.report))
}
