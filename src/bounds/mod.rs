//! Sound bounds on every variable of a query, by interval arithmetic or by back-substituted
//! linear relaxations (DeepPoly / CROWN), with optimised lower slopes (alpha-CROWN) for the
//! property's own objectives, and the input bisection the search splits on.
//!
//! All arithmetic is f64; soundness comes from an explicit rounding-error model (see
//! [`rounding`]): every bound that leaves this module is moved outward by a bound on the
//! rounding it went through, and every coefficient carries its distance from the exact
//! rational of the query. A bound is never tighter than the true extreme of the query over
//! its input box (the box only: extra linear input constraints are ignored, which is sound).
//!
//! ```
//! # use vera::bounds::{Method, RelaxedQuery, VarBounds};
//! # fn demo(query: &vera::query::Query) {
//! let relaxed = RelaxedQuery::new(query);
//! let start = VarBounds::of_query(query);
//! if let Ok(bounds) = relaxed.propagate(&start, Method::Symbolic) {
//!     let y0 = query.outputs[0];
//!     println!("y0 in [{}, {}]", bounds.lower[y0], bounds.upper[y0]);
//! }
//! # }
//! ```

mod alpha;
mod interval;
mod property_bounds;
mod refutation;
mod relaxed_query;
mod relu_relaxation;
mod relu_scores;
pub mod rounding;
mod split;
mod symbolic;

pub use property_bounds::{
    property_bounds, target_ranges, AtomBound, Interval, OutputTarget, PropertyBounds, RegionBounds,
};
pub use refutation::{Refutable, Refutation};
pub(crate) use relaxed_query::{Coeff, FloatStep};
pub use relaxed_query::{Objective, RelaxedQuery};
pub(crate) use relu_relaxation::upper_line;
pub use split::{bisect, widest_influence};
pub use symbolic::LinearBound;

use crate::exact::round_to_f64;
use crate::query::Query;

use symbolic::{back_substitute, LowerSlopes};

/// How bounds are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Interval arithmetic, step by step.
    Interval,
    /// DeepPoly/CROWN back-substitution for unstable ReLUs, outputs and objectives.
    Symbolic,
    /// As `symbolic`, and objectives' ReLU lower slopes optimised by projected gradient.
    Alpha,
}

/// Bounds per variable of a query (`±∞` where unbounded): what a caller starts from (the
/// input box, and any tightened bounds or fixed phases, e.g. from a search) and what
/// propagation returns.
#[derive(Debug, Clone, PartialEq)]
pub struct VarBounds {
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

impl VarBounds {
    /// The query's own (exact) bounds, rounded outward to f64.
    pub fn of_query(query: &Query) -> VarBounds {
        VarBounds::rounded(query, true)
    }

    /// The query's exact bounds rounded inward to f64 (every f64 point within them lies
    /// within the exact bounds); a bound with no f64 inside it crosses its twin.
    pub fn inward_of_query(query: &Query) -> VarBounds {
        VarBounds::rounded(query, false)
    }

    fn rounded(query: &Query, outward: bool) -> VarBounds {
        let round = |b: &Option<num_rational::BigRational>, down: bool, inf: f64| {
            b.as_ref().map_or(inf, |q| {
                num_traits::ToPrimitive::to_f64(&round_to_f64(q, down)).unwrap_or(inf)
            })
        };
        VarBounds {
            lower: query
                .lower
                .iter()
                .map(|b| round(b, outward, f64::NEG_INFINITY))
                .collect(),
            upper: query
                .upper
                .iter()
                .map(|b| round(b, !outward, f64::INFINITY))
                .collect(),
        }
    }

    /// Narrows `var` to `[lower, upper] ∩` its current bounds.
    pub fn restrict(&mut self, var: usize, lower: f64, upper: f64) {
        self.lower[var] = self.lower[var].max(lower);
        self.upper[var] = self.upper[var].min(upper);
    }
}

/// The region has no point: some variable's bounds crossed (an empty input box, or phases
/// and bounds a caller fixed that no input meets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the bounds of variable {var} cross: the region is empty")]
pub struct EmptyRegion {
    pub var: usize,
}

/// Propagated bounds, with the per-step rounding weights back-substitution needs.
#[derive(Debug, Clone)]
pub struct Bounds {
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// Per step: see `interval::rounding_weights` (zero for ReLU steps).
    def_scale: Vec<f64>,
    def_slack: Vec<f64>,
    method: Method,
}

impl RelaxedQuery {
    /// Bounds on every variable from `start` (which must bound the inputs), by `method`.
    /// Each variable's result lies within its `start` bounds; intermediate ReLU bounds with
    /// `Alpha` are those of `Symbolic` (only objectives get optimised slopes).
    pub fn propagate(&self, start: &VarBounds, method: Method) -> Result<Bounds, EmptyRegion> {
        let mut b = Bounds {
            lower: start.lower.clone(),
            upper: start.upper.clone(),
            def_scale: vec![0.0; self.steps.len()],
            def_slack: vec![0.0; self.steps.len()],
            method,
        };
        for &x in &self.inputs {
            check(&b, x)?;
        }
        let symbolic = method != Method::Interval;
        let is_output = {
            let mut o = vec![false; self.num_vars];
            for &v in &self.outputs {
                o[v] = true;
            }
            o
        };
        // Variables whose interval bounds await back-substitution, done in one sweep per layer:
        // just before the first step that reads one of them.
        let mut pending: Vec<usize> = Vec::new();
        let mut is_pending = vec![false; self.num_vars];
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                FloatStep::Define(d) => {
                    if d.terms.iter().any(|(t, _)| is_pending[*t]) {
                        self.tighten_pending(&mut b, &mut pending, &mut is_pending)?;
                    }
                    let found = interval::define(d, &b.lower, &b.upper, self.gamma);
                    b.def_scale[i] = found.scale;
                    b.def_slack[i] = found.slack;
                    restrict(&mut b, d.var, found.lower, found.upper)?;
                    let unstable_pre = self.relu_of_pre[d.var].is_some()
                        && b.lower[d.var] < 0.0
                        && b.upper[d.var] > 0.0;
                    if symbolic && (unstable_pre || is_output[d.var]) {
                        pending.push(d.var);
                        is_pending[d.var] = true;
                    }
                }
                FloatStep::Relu { pre, post } => {
                    if is_pending[*pre] {
                        self.tighten_pending(&mut b, &mut pending, &mut is_pending)?;
                    }
                    let (l, u) = interval::relu(b.lower[*pre], b.upper[*pre]);
                    restrict(&mut b, *post, l, u)?;
                }
            }
        }
        self.tighten_pending(&mut b, &mut pending, &mut is_pending)?;
        Ok(b)
    }

    /// Back-substitutes the lower and upper bound of every pending variable in one sweep.
    fn tighten_pending(
        &self,
        b: &mut Bounds,
        pending: &mut Vec<usize>,
        is_pending: &mut [bool],
    ) -> Result<(), EmptyRegion> {
        if pending.is_empty() {
            return Ok(());
        }
        let rows: Vec<Objective> = pending
            .iter()
            .flat_map(|&v| [Objective::var(v, false), Objective::var(v, true)])
            .collect();
        let found = back_substitute(self, b, &rows, LowerSlopes::Adaptive, None);
        for (k, &v) in pending.iter().enumerate() {
            let (l, neg_u) = (found[2 * k].value, found[2 * k + 1].value);
            restrict(b, v, l, -neg_u)?;
            is_pending[v] = false;
        }
        pending.clear();
        Ok(())
    }

    /// A sound lower bound of `objective` over the region of `bounds` (which `propagate`
    /// computed), by the method `bounds` was computed with.
    pub fn lower_bound(&self, bounds: &Bounds, objective: &Objective) -> LinearBound {
        let found = match bounds.method {
            Method::Interval => LinearBound {
                value: f64::NEG_INFINITY,
                input_coefficients: vec![0.0; self.inputs.len()],
                corner: self.inputs.iter().map(|&x| bounds.lower[x]).collect(),
            },
            Method::Symbolic => {
                let rows = std::slice::from_ref(objective);
                let found = back_substitute(self, bounds, rows, LowerSlopes::Adaptive, None);
                found.into_iter().next().unwrap_or_else(|| unreachable!())
            }
            Method::Alpha => alpha::optimised_lower_bound(self, bounds, objective, f64::INFINITY),
        };
        self.at_least_interval(bounds, objective, found)
    }

    /// `found` with its value raised to the objective's interval bound over the propagated
    /// variable bounds when that is better: back-substitution relaxes every ReLU on the way,
    /// and through pairs of ReLUs that cancel (a clamp is two) that can lose to plain
    /// intervals of the objective's own variables.
    fn at_least_interval(
        &self,
        bounds: &Bounds,
        objective: &Objective,
        mut found: LinearBound,
    ) -> LinearBound {
        let zero = relaxed_query::Coeff {
            value: 0.0,
            error: 0.0,
        };
        let (l, _, error) = relaxed_query::interval_sum(
            &objective.terms,
            zero,
            &bounds.lower,
            &bounds.upper,
            self.gamma,
        );
        found.value = found.value.max(rounding::lower(l, error));
        found
    }

    /// A sound lower bound of `objective` with the ReLU lower slopes optimised for it
    /// (alpha-CROWN), whatever method `bounds` was computed with; the optimisation stops once
    /// the bound exceeds `enough`.
    pub fn optimised_lower_bound(
        &self,
        bounds: &Bounds,
        objective: &Objective,
        enough: f64,
    ) -> LinearBound {
        alpha::optimised_lower_bound(self, bounds, objective, enough)
    }

    /// [`RelaxedQuery::lower_bound`] of several objectives (with `Symbolic`, in one sweep).
    pub fn lower_bounds(&self, bounds: &Bounds, objectives: &[Objective]) -> Vec<LinearBound> {
        match bounds.method {
            Method::Symbolic if !objectives.is_empty() => {
                back_substitute(self, bounds, objectives, LowerSlopes::Adaptive, None)
                    .into_iter()
                    .zip(objectives)
                    .map(|(found, o)| self.at_least_interval(bounds, o, found))
                    .collect()
            }
            _ => objectives
                .iter()
                .map(|o| self.lower_bound(bounds, o))
                .collect(),
        }
    }

    /// A sound upper bound of `objective` (the negated lower bound of `−objective`).
    pub fn upper_bound(&self, bounds: &Bounds, objective: &Objective) -> f64 {
        -self.lower_bound(bounds, &objective.negated()).value
    }
}

fn check(b: &Bounds, var: usize) -> Result<(), EmptyRegion> {
    // NaN bounds never arise (rounding maps them to ±∞), so `>` is the whole test.
    if b.lower[var] > b.upper[var] {
        Err(EmptyRegion { var })
    } else {
        Ok(())
    }
}

fn restrict(b: &mut Bounds, var: usize, l: f64, u: f64) -> Result<(), EmptyRegion> {
    b.lower[var] = b.lower[var].max(l);
    b.upper[var] = b.upper[var].min(u);
    check(b, var)
}

/// Narrows a query's exact bounds to those `method` propagates (every f64 is an exact
/// rational, so nothing is rounded on the way back), and returns the propagated bounds.
pub fn tighten_query(query: &mut Query, method: Method) -> Result<Bounds, EmptyRegion> {
    let relaxed = RelaxedQuery::new(query);
    let found = relaxed.propagate(&VarBounds::of_query(query), method)?;
    tighten_query_with(query, &found);
    Ok(found)
}

/// Narrows a query's exact bounds to `found` (propagated for this query's steps).
pub fn tighten_query_with(query: &mut Query, found: &Bounds) {
    use num_rational::BigRational;
    let narrow = |old: &mut Option<BigRational>, new: f64, keep_larger: bool| {
        let Some(new) = BigRational::from_float(new) else {
            return; // ±∞: no bound
        };
        let better = old
            .as_ref()
            .is_none_or(|o| if keep_larger { new > *o } else { new < *o });
        if better {
            *old = Some(new);
        }
    };
    for v in 0..query.num_vars() {
        narrow(&mut query.lower[v], found.lower[v], true);
        narrow(&mut query.upper[v], found.upper[v], false);
    }
}
