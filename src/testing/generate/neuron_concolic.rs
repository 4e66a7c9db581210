//! Concolic generation for the single-neuron criteria whose objectives are a range of one
//! neuron's value (NC, KMNC, NBC, SNAC), as DeepConcolic does it for NC and NBC: for each open
//! objective, the suite tests nearest to it (by how far the neuron's `u` is outside the range)
//! in turn, an LP that keeps the test's signs in every layer below the neuron's and asks for
//! the range ([`RegionLp::solve_range`], the L∞ distance to the test minimised). The input it
//! finds, rounded to float32, joins the suite if the criterion itself (as `vera test coverage`
//! counts) covers more with it. The LP is exact where gradient ascent is not: it either finds
//! the input in the test's linear region or shows there is none.

use super::concolic::{sign_goals, RegionLp, ValueRange, RETRY_MAX_PIVOTS};
use super::gradient::{append_values, keep_covering, Aim};
use super::linear_region::region_maps;
use super::sign_sign::f64_signs;
use super::suite::Suite;
use super::{parallel_map, GenerateError, Generator};
use crate::testing::criteria::{Criterion, Objective};
use crate::testing::{Batch, Trace};
use std::collections::HashSet;

/// Tests tried per objective, nearest first.
pub const CANDIDATES: usize = 5;

/// Objectives solved per round (per thread) before the criterion is updated.
const OBJECTIVES_PER_WORKER: usize = 8;

/// Counters of one concolic generation for a neuron criterion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NeuronConcolicStats {
    /// LP solves (one per objective and test tried).
    pub lp_calls: usize,
    /// Inputs the LPs found.
    pub found: usize,
    /// Found inputs that joined the suite (they raised the criterion's count in float32).
    pub kept: usize,
    /// Open objectives that are not a range of one neuron (NC(t), TKNC) or that no input
    /// covers (NBC's lower corner where the profile's `low` is 0).
    pub not_ranges: usize,
}

/// Grows `suite` (which holds the seeds alone; `seeds` is their trace) with an LP's input for
/// each objective of `criterion` open at the start, in the criterion's order, until they are
/// all tried or the budget ends.
pub fn generate(
    gen: &Generator,
    mut suite: Suite,
    seeds: &Trace,
    mut criterion: Box<dyn Criterion>,
    aim: &Aim,
) -> Result<(Suite, Box<dyn Criterion>, NeuronConcolicStats), GenerateError> {
    let labels = seeds.predictions();
    let mut values: Vec<Vec<Vec<f64>>> = vec![Vec::new(); seeds.hidden.len()];
    append_values(&mut values, seeds);
    let mut stats = NeuronConcolicStats::default();
    let mut open: Vec<(Objective, ValueRange)> = Vec::new();
    for o in criterion.uncovered() {
        match aim.range(&o) {
            Some(r) => open.push((o, r)),
            None => stats.not_ranges += 1,
        }
    }
    let batch = gen.threads.max(1) * OBJECTIVES_PER_WORKER;
    for round in open.chunks(batch) {
        if gen.out_of_time() {
            break;
        }
        let still: HashSet<Objective> = criterion.uncovered().into_iter().collect();
        let jobs: Vec<(ValueRange, Vec<usize>)> = round
            .iter()
            .filter(|(o, _)| still.contains(o))
            .map(|(_, r)| (*r, nearest(&values, r)))
            .collect();
        let results = solve_all(gen, &suite.tests, &jobs)?;
        let mut rows = Vec::new();
        let mut starts = Vec::new();
        for (calls, found) in results {
            stats.lp_calls += calls;
            if let Some((start, x)) = found {
                rows.push(x);
                starts.push(start);
            }
        }
        stats.found += rows.len();
        if rows.is_empty() {
            continue;
        }
        let (trace, kept) =
            keep_covering(gen, &mut suite, criterion.as_mut(), &rows, &starts, &labels)?;
        stats.kept += kept.len();
        append_values(&mut values, &trace.select_tests(&kept));
    }
    Ok((suite, criterion, stats))
}

/// The [`CANDIDATES`] tests whose `u` is nearest to `r`.
fn nearest(values: &[Vec<Vec<f64>>], r: &ValueRange) -> Vec<usize> {
    let layer = &values[r.layer];
    let d: Vec<f64> = layer.iter().map(|u| r.distance(u[r.neuron])).collect();
    let mut order: Vec<usize> = (0..layer.len()).collect();
    order.sort_by(|a, b| d[*a].total_cmp(&d[*b]));
    order.truncate(CANDIDATES);
    order
}

/// A job's LP calls and the first input found (with the test it started from).
type Found = (usize, Option<(usize, Vec<f32>)>);

/// [`solve`] of every job, on the generator's threads.
fn solve_all(
    gen: &Generator,
    tests: &Batch,
    jobs: &[(ValueRange, Vec<usize>)],
) -> Result<Vec<Found>, GenerateError> {
    parallel_map(gen, jobs, |(range, starts)| {
        solve(gen, tests, range, starts)
    })
}

/// The LP of `range` from each of `starts` in turn, until one finds an input.
fn solve(
    gen: &Generator,
    tests: &Batch,
    range: &ValueRange,
    starts: &[usize],
) -> Result<Found, GenerateError> {
    let mut calls = 0;
    for &t in starts {
        if gen.out_of_time() {
            break;
        }
        let x: Vec<f64> = tests.row(t).iter().map(|v| f64::from(*v)).collect();
        let signs = f64_signs(gen.net, &x)?;
        let hidden = &signs[..signs.len() - 1];
        let maps = region_maps(gen.net, hidden, range.layer + 1, (&gen.lower, &gen.upper))?;
        let fixed = sign_goals(hidden, range.layer, None);
        let Some(mut lp) = RegionLp::new(&maps, &x, &gen.lower, &gen.upper, &fixed) else {
            continue;
        };
        calls += 1;
        if let Some(found) = lp.solve_range(*range, RETRY_MAX_PIVOTS) {
            return Ok((calls, Some((t, gen.to_f32(&found)))));
        }
    }
    Ok((calls, None))
}
