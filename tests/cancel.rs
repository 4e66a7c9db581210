//! Cancellation: a portfolio run (falsifier thread plus a pool of search workers) and a Z3
//! check, each cancelled while it works, return `unknown` promptly and leave no thread behind.
//! One test in this binary, so that no other test's threads disturb the count.

mod common;

use std::time::{Duration, Instant};
use vera::engine::{Budget, Cancel, Engine, EngineAnswer};
use vera::query::Query;
use vera::smt_z3::Z3Engine;
use vera::verify::{verify_auto, AutoOptions, Verdict};

/// The threads of this process, once they stop changing (a joined thread's last steps in the
/// kernel can take a moment; a leaked one keeps running and stays counted).
fn threads() -> usize {
    let count = || std::fs::read_dir("/proc/self/task").unwrap().count();
    let mut last = count();
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(50));
        let now = count();
        if now == last {
            break;
        }
        last = now;
    }
    last
}

/// Runs `work` with `budget` cancelled after `after`; returns its result and how long it ran
/// past the cancel.
fn cancelled_after<T>(after: Duration, work: impl FnOnce(&Budget) -> T) -> (T, Duration) {
    let cancel = Cancel::new();
    let budget = Budget::from_now(Duration::from_secs(600)).cancelled_by(&cancel);
    std::thread::scope(|s| {
        let start = Instant::now();
        let canceller = s.spawn(|| {
            std::thread::sleep(after);
            cancel.cancel();
        });
        let result = work(&budget);
        let late = start.elapsed().saturating_sub(after);
        canceller.join().unwrap();
        (result, late)
    })
}

#[test]
fn cancelled_runs_stop_and_leave_no_thread_behind() {
    // 3_3 property 2 holds and takes the search well over ten seconds.
    let (net, p) = common::acas_instance(3, 3, 2);
    // Z3 4.8 runs its `timeout` on a timer thread it keeps for reuse; the portfolio may hand a
    // piece to Z3 (when the DPLL(T) engine gives up on it), so a first short Z3 check starts
    // that thread before counting, and the counts below see only vera's own threads.
    let sub = p.sub_problems().next().unwrap();
    let query = Query::new(&net, &sub).unwrap();
    let short = Budget::from_now(Duration::from_millis(50));
    Z3Engine.check(&query, &short).unwrap();
    let before = threads();
    for threads_used in [2, 4] {
        let options = AutoOptions {
            threads: threads_used,
            ..AutoOptions::default()
        };
        let (outcome, late) = cancelled_after(Duration::from_millis(500), |b| {
            verify_auto(&net, &p, b, options).unwrap()
        });
        assert!(
            matches!(outcome.verdict, Verdict::Unknown(_)),
            "{threads_used} threads: {:?}",
            outcome.verdict
        );
        // Generous: vera's loops look at the flag every few milliseconds; this only catches a
        // run that ignores it (it would take its full ten minutes).
        eprintln!("{threads_used} threads: returned {late:?} after the cancel");
        assert!(
            late < Duration::from_secs(5),
            "{threads_used} threads: {late:?} late"
        );
        assert_eq!(
            threads(),
            before,
            "{threads_used} threads: a thread was left behind"
        );
    }

    // Z3 on the whole property (about 300 ReLUs: far beyond it in half a second) is
    // interrupted through its context. Z3 4.8.12 only honours an interrupt where it polls
    // for one: in its preprocessing of a query this size that can be seconds later (measured:
    // about 2.5 s), hence the same generous bound.
    let (answer, late) = cancelled_after(Duration::from_millis(500), |b| {
        Z3Engine.check(&query, b).unwrap()
    });
    assert_eq!(answer, EngineAnswer::Unknown("timeout".into()));
    eprintln!("z3: returned {late:?} after the cancel");
    assert!(late < Duration::from_secs(5), "z3: {late:?} late");
    assert_eq!(threads(), before, "z3: a thread was left behind");
    // And again: nothing accumulates.
    let _ = cancelled_after(Duration::from_millis(100), |b| Z3Engine.check(&query, b));
    assert_eq!(threads(), before, "z3, twice: a thread was left behind");
}
