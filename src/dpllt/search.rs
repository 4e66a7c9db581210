//! The DPLL(T) loop: propagate (learned clauses, then the theory: bounds and the LP), analyse
//! a conflict and backjump, or decide (an input bisection or a ReLU phase).
//!
//! ```text
//! loop {
//!     match propagate() {
//!         Conflict(culprits) => if !backjump(culprits) { return closed }
//!         Counterexample(x)  => return x
//!         Open(node)         => decide(node) or give the node up
//!     }
//! }
//! ```
//!
//! The region of a node is the sub-problem's input box cut by the trail's input literals, with
//! the trail's ReLU phases. A conflict means the node's region holds no counterexample, and its
//! culprits say which decisions that rests on; the clause "not all of those" is learned, the
//! search jumps back to the second-latest of them and asserts the negation of the latest. When
//! a conflict rests on no decision at all, the whole sub-problem is closed.

use super::branching::{choose, Choice};
use super::clauses::{ClauseDb, Propagation};
use super::literal::{Literal, Phase};
use super::relaxation::{FloatAtom, LpAnswer, LpFrame, Origin};
use super::relu;
use super::stats::Statistics;
use super::trail::{Culprits, Trail};
use super::DplltOptions;
use crate::bounds::{Bounds, LinearBound, Method, Refutable, Refutation, RelaxedQuery, VarBounds};
use crate::engine::Budget;
use crate::query::{AtomOrigin, Query};
use crate::simplex::SimplexError;
use crate::spec::F64_CHECK_TOLERANCE;
use num_rational::BigRational;
use std::time::Instant;

/// How a search ended.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchAnswer {
    /// A counterexample of disjunct `disjunct`, checked exactly against its query.
    Counterexample {
        input: Vec<BigRational>,
        disjunct: usize,
    },
    /// No disjunct has a counterexample.
    Closed,
    /// Undecided, and why.
    Unknown(String),
}

/// One disjunct of the unsafe outputs: its query and the forms the search reads it in.
struct Disjunct<'q> {
    query: &'q Query,
    refutables: Vec<Refutable>,
    atoms: Vec<FloatAtom>,
}

/// What the search keeps per level: the node's bounds, and per disjunct the culprits of its
/// refutation (`None` while it is still open).
#[derive(Debug, Clone)]
struct LevelState {
    bounds: Bounds,
    refuted: Vec<Option<Culprits>>,
}

/// An open node, as the branching heuristic sees it.
pub(crate) struct OpenNode {
    pub bounds: Bounds,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    /// The disjunct closest to refutation, its consequence closest to refutation, that
    /// consequence's bound.
    pub target: (usize, usize, LinearBound),
    /// The open disjuncts, and how far the bounds fall short of refuting the hardest of
    /// them (`threshold − bound` of its closest consequence).
    pub open: Vec<usize>,
    pub widest_gap: f64,
    /// The LP's point (per frame ReLU `(z, h)`), when an LP check found one.
    pub lp_point: Option<Vec<(f64, f64)>>,
}

enum Node {
    Conflict(Culprits),
    Counterexample(Vec<BigRational>, usize),
    Open(Box<OpenNode>),
}

pub(crate) struct Search<'a> {
    pub rq: RelaxedQuery,
    /// `(pre, post)` of every ReLU, in step order.
    relus: Vec<(usize, usize)>,
    /// Bounds look-aheads computed for children not yet visited.
    pub lookahead: Vec<Lookahead>,
    disjuncts: Vec<Disjunct<'a>>,
    input_atoms: Vec<FloatAtom>,
    root: VarBounds,
    root_lo: Vec<f64>,
    root_hi: Vec<f64>,
    /// The input box rounded inward to f64: candidate points are clamped into it, since a
    /// point on a face of the (outward-rounded) search box may lie just outside the query's.
    inner_lo: Vec<f64>,
    inner_hi: Vec<f64>,
    pub options: &'a DplltOptions,
    budget: &'a Budget,
    pub trail: Trail,
    clauses: ClauseDb,
    levels: Vec<LevelState>,
    pub frames: Vec<LpFrame>,
    /// Why some node was given up (then the search cannot close).
    incomplete: Option<String>,
    /// Per ReLU: bumped when a learned clause names it, decayed per conflict.
    pub activity: Vec<f64>,
    activity_step: f64,
    pub stats: Statistics,
}

impl<'a> Search<'a> {
    /// A search for a counterexample of any of `queries`, which share their network and input
    /// polytope (they are sub-problems of one property that differ in their unsafe outputs).
    pub fn new(queries: &'a [Query], options: &'a DplltOptions, budget: &'a Budget) -> Search<'a> {
        let first = &queries[0];
        let rq = RelaxedQuery::new(first);
        let root = VarBounds::of_query(first);
        let root_lo = rq.inputs().iter().map(|&x| root.lower[x]).collect();
        let root_hi = rq.inputs().iter().map(|&x| root.upper[x]).collect();
        let inner = VarBounds::inward_of_query(first);
        let inner_lo = rq.inputs().iter().map(|&x| inner.lower[x]).collect();
        let inner_hi = rq.inputs().iter().map(|&x| inner.upper[x]).collect();
        let output = |q: &'a Query| q.atoms.iter().filter(|a| a.origin == AtomOrigin::Output);
        let disjuncts = queries
            .iter()
            .map(|q| Disjunct {
                query: q,
                refutables: Refutable::of_conjunction(output(q)),
                atoms: output(q).map(FloatAtom::of).collect(),
            })
            .collect();
        let input_atoms = first
            .atoms
            .iter()
            .filter(|a| a.origin == AtomOrigin::Input)
            .map(FloatAtom::of)
            .collect();
        let num_relus = rq.num_relus();
        let relus = rq.relus().collect();
        Search {
            rq,
            relus,
            lookahead: Vec::new(),
            disjuncts,
            input_atoms,
            root,
            root_lo,
            root_hi,
            inner_lo,
            inner_hi,
            options,
            budget,
            trail: Trail::new(num_relus),
            clauses: ClauseDb::new(options.max_clauses),
            levels: Vec::new(),
            frames: Vec::new(),
            incomplete: None,
            activity: vec![0.0; num_relus],
            activity_step: 1.0,
            stats: Statistics::default(),
        }
    }

    /// Runs the search to an answer.
    pub fn run(&mut self) -> SearchAnswer {
        let mut conflicts_since_restart = 0u64;
        let mut restarts = 0u32;
        loop {
            if self.budget.exhausted() {
                return SearchAnswer::Unknown("timeout".into());
            }
            match self.propagate() {
                Node::Counterexample(input, disjunct) => {
                    return SearchAnswer::Counterexample { input, disjunct }
                }
                Node::Conflict(culprits) => {
                    if !self.backjump(culprits) {
                        return match self.incomplete.take() {
                            Some(why) => SearchAnswer::Unknown(why),
                            None => SearchAnswer::Closed,
                        };
                    }
                    conflicts_since_restart += 1;
                    if let Some(base) = self.options.restart_base {
                        if conflicts_since_restart >= base * super::restart::luby(restarts) {
                            conflicts_since_restart = 0;
                            restarts += 1;
                            self.restart();
                        }
                    }
                }
                Node::Open(node) => match choose(self, &node) {
                    Choice::Decide(literal) => {
                        match literal {
                            Literal::Input { .. } => self.stats.input_splits += 1,
                            Literal::Phase { .. } => self.stats.relu_splits += 1,
                        }
                        log::trace!("decide {literal:?} at level {}", self.trail.level() + 1);
                        self.trail.decide(literal);
                        self.stats.max_depth = self.stats.max_depth.max(self.trail.level());
                    }
                    Choice::GiveUp(why) => {
                        log::debug!(
                            "dpllt: node given up at level {}: {why}",
                            self.trail.level()
                        );
                        self.incomplete.get_or_insert(why);
                        let culprits = Culprits::up_to(self.trail.level());
                        if !self.backjump(culprits) {
                            let why = self.incomplete.take().unwrap_or_default();
                            return SearchAnswer::Unknown(why);
                        }
                    }
                },
            }
        }
    }

    /// Clauses, then bounds, then the LP, at the current node.
    fn propagate(&mut self) -> Node {
        self.stats.nodes += 1;
        loop {
            match self.clauses.propagate(&self.trail) {
                Propagation::Quiet => break,
                Propagation::Conflict(c) => return Node::Conflict(c),
                Propagation::Unit { literal, reason } => {
                    self.stats.implied += 1;
                    self.trail.imply(literal, reason);
                }
            }
        }
        let level = self.trail.level();
        let (lo, hi) = self.trail.input_box(&self.root_lo, &self.root_hi);
        let (start, mut refuted) = match self.levels.get(level).or(self.levels.last()) {
            Some(s) => (
                VarBounds {
                    lower: s.bounds.lower.clone(),
                    upper: s.bounds.upper.clone(),
                },
                s.refuted.clone(),
            ),
            None => (self.root.clone(), vec![None; self.disjuncts.len()]),
        };
        let t = Instant::now();
        let cached = self
            .lookahead
            .iter()
            .position(|l| l.matches(&lo, &hi, &self.trail));
        let found = match cached {
            Some(i) => Ok(self.lookahead.swap_remove(i).bounds),
            None => self.bound_region(start, &lo, &hi, None),
        };
        let bounds = match found {
            Ok(b) => b,
            Err(_) => {
                self.stats.time_bounds += t.elapsed();
                self.stats.bound_conflicts += 1;
                return Node::Conflict(Culprits::up_to(level));
            }
        };
        // Per open disjunct: refuted by the bounds, or its closest consequence.
        let mut open: Vec<(usize, usize, f64, LinearBound)> = Vec::new();
        for (k, d) in self.disjuncts.iter().enumerate() {
            if refuted[k].is_some() {
                continue;
            }
            match self.rq.refute(&bounds, &d.refutables, self.options.alpha) {
                Refutation::Refuted => refuted[k] = Some(Culprits::up_to(level)),
                Refutation::Open {
                    closest,
                    gap,
                    bound,
                } => open.push((k, closest, gap, bound)),
            }
        }
        self.stats.time_bounds += t.elapsed();
        self.record(level, &bounds, &refuted);
        if open.is_empty() {
            self.stats.bound_conflicts += 1;
            return Node::Conflict(all_culprits(&refuted));
        }
        // The points the bounds point at.
        let centre: Vec<f64> = lo.iter().zip(&hi).map(|(l, h)| l + (h - l) / 2.0).collect();
        let mut probes: Vec<Vec<f64>> = open.iter().map(|o| o.3.corner.clone()).collect();
        probes.push(centre);
        for p in probes {
            if let Some((x, k)) = self.try_point(&p, &lo, &hi, &refuted) {
                return Node::Counterexample(x, k);
            }
        }
        let unstable = self.unstable(&bounds).len();
        let mut lp_point = None;
        if unstable <= self.options.lp_max_unstable {
            match self.lp_check(level, &bounds, unstable, &lo, &hi, &mut refuted) {
                Ok(LpOutcome::Counterexample(x, k)) => return Node::Counterexample(x, k),
                Ok(LpOutcome::Point(p)) => lp_point = p,
                Err(e) => {
                    log::debug!("dpllt: LP dropped at level {level}: {e}");
                    self.frames.pop();
                }
            }
            self.record(level, &bounds, &refuted);
            if refuted.iter().all(Option::is_some) {
                self.stats.lp_conflicts += 1;
                return Node::Conflict(all_culprits(&refuted));
            }
            open.retain(|o| refuted[o.0].is_none());
        }
        let open_disjuncts: Vec<usize> = open.iter().map(|o| o.0).collect();
        let widest_gap = open.iter().map(|o| o.2).fold(f64::NEG_INFINITY, f64::max);
        let target = open
            .into_iter()
            .min_by(|a, b| a.2.total_cmp(&b.2))
            .map(|(k, closest, _, bound)| (k, closest, bound))
            .unwrap_or_else(|| unreachable!("a node with no open disjunct is a conflict"));
        Node::Open(Box::new(OpenNode {
            bounds,
            lo,
            hi,
            target,
            open: open_disjuncts,
            widest_gap,
            lp_point,
        }))
    }

    /// Bounds of the region `[lo, hi]` with the trail's phases, starting from `start` (bounds
    /// known to hold there: the parent node's, so that bounds only tighten down a branch).
    pub fn bound_region(
        &mut self,
        mut start: VarBounds,
        lo: &[f64],
        hi: &[f64],
        extra: Option<Literal>,
    ) -> Result<Bounds, crate::bounds::EmptyRegion> {
        for (k, &x) in self.rq.inputs().iter().enumerate() {
            start.restrict(x, lo[k], hi[k]);
        }
        for (j, (pre, post)) in self.relus.iter().copied().enumerate() {
            let phase = match extra {
                Some(Literal::Phase { relu, phase }) if relu == j => Some(phase),
                _ => self.trail.phase(j),
            };
            if let Some(phase) = phase {
                relu::restrict(&mut start, pre, post, phase);
            }
            relu::apply_rules(&mut start, pre, post);
        }
        self.stats.bound_calls += 1;
        self.rq.propagate(&start, Method::Symbolic)
    }

    /// Stores the node's state at `level` (where later levels start from).
    fn record(&mut self, level: usize, bounds: &Bounds, refuted: &[Option<Culprits>]) {
        let state = LevelState {
            bounds: bounds.clone(),
            refuted: refuted.to_vec(),
        };
        self.levels.truncate(level);
        while self.levels.len() < level {
            let last = self.levels.last().cloned().unwrap_or_else(|| state.clone());
            self.levels.push(last);
        }
        self.levels.push(state);
    }

    /// Whether the last input bisections (one per input, decided or asserted) stabilised none
    /// of the ReLUs still undecided: a box around a point where many ReLUs meet (typically
    /// the extreme point of a piecewise-linear output) keeps them unstable however small it
    /// gets, and only phase splits make progress there.
    pub fn input_splits_stalled(&self, bounds: &Bounds) -> bool {
        let n = self.rq.inputs().len();
        let splits: Vec<usize> = self
            .trail
            .entries()
            .iter()
            .rev()
            .filter(|e| matches!(e.literal, Literal::Input { .. }))
            .map(|e| e.level)
            .take(n)
            .collect();
        let (Some(&first), true) = (splits.last(), splits.len() == n) else {
            return false;
        };
        let Some(before) = first.checked_sub(1).and_then(|l| self.levels.get(l)) else {
            return false;
        };
        let count = |b: &Bounds| {
            self.relus
                .iter()
                .enumerate()
                .filter(|&(j, &(pre, _))| {
                    self.trail.phase(j).is_none() && b.lower[pre] < 0.0 && b.upper[pre] > 0.0
                })
                .count()
        };
        count(bounds) >= count(&before.bounds)
    }

    /// The ReLUs a decision could still split: no phase on the trail, both signs possible
    /// under `bounds` and, when an LP frame is open, relaxed by it (a ReLU the frame found
    /// stable stays stable below it).
    pub fn unstable(&self, bounds: &Bounds) -> Vec<usize> {
        let frame = self.frames.last();
        self.rq
            .relus()
            .enumerate()
            .filter(|&(j, (pre, _))| {
                self.trail.phase(j).is_none()
                    && bounds.lower[pre] < 0.0
                    && bounds.upper[pre] > 0.0
                    && frame.is_none_or(|f| f.relu(j).is_some())
            })
            .map(|(j, _)| j)
            .collect()
    }

    /// The LP check of every open disjunct at the node; certified infeasibility refutes one.
    fn lp_check(
        &mut self,
        level: usize,
        bounds: &Bounds,
        unstable: usize,
        lo: &[f64],
        hi: &[f64],
        refuted: &mut [Option<Culprits>],
    ) -> Result<LpOutcome, SimplexError> {
        let t = Instant::now();
        let result = self.lp_check_timed(level, bounds, unstable, lo, hi, refuted);
        self.stats.time_lp += t.elapsed();
        result
    }

    fn lp_check_timed(
        &mut self,
        level: usize,
        bounds: &Bounds,
        unstable: usize,
        lo: &[f64],
        hi: &[f64],
        refuted: &mut [Option<Culprits>],
    ) -> Result<LpOutcome, SimplexError> {
        let stale = self.frames.last().is_none_or(|f| {
            self.trail.last_input_level() > f.level
                || unstable * self.options.frame_rebuild_ratio < f.num_relus()
        });
        if stale {
            let atoms: Vec<Vec<FloatAtom>> =
                self.disjuncts.iter().map(|d| d.atoms.clone()).collect();
            let frame = LpFrame::build(
                &self.rq,
                bounds,
                &self.trail,
                &self.input_atoms,
                &atoms,
                level,
            )?;
            self.stats.lp_frames += 1;
            self.frames.push(frame);
        }
        let Some(frame) = self.frames.last_mut() else {
            unreachable!("a frame was just ensured")
        };
        frame.sync(level - frame.level)?;
        let entries = self.trail.entries();
        for (index, entry) in entries.iter().enumerate().skip(frame.imposed()) {
            let origin = Origin::Literal(index);
            match entry.literal {
                Literal::Phase { relu, phase } => {
                    if let Some(r) = frame.relu(relu) {
                        frame.impose_phase(r, phase, origin)?;
                    }
                }
                Literal::Input { input, at, upper } => {
                    let (l, h) = if upper {
                        (at, f64::INFINITY)
                    } else {
                        (f64::NEG_INFINITY, at)
                    };
                    frame.impose_input(input, l, h, origin)?;
                }
            }
        }
        frame.set_imposed(entries.len());
        frame.impose_bounds(&self.rq, bounds, level)?;
        let mut point = None;
        let pivots_before = frame.pivots();
        for k in 0..self.disjuncts.len() {
            if refuted[k].is_some() {
                continue;
            }
            self.stats.lp_checks += 1;
            let Some(frame) = self.frames.last_mut() else {
                unreachable!()
            };
            match frame.check(k, 0.0, self.options.max_pivots, &self.trail)? {
                LpAnswer::Infeasible(culprits) => refuted[k] = Some(culprits),
                LpAnswer::Inconclusive => self.stats.lp_inconclusive += 1,
                LpAnswer::Feasible { inputs, relus } => {
                    if let Some((x, d)) = self.try_point(&inputs, lo, hi, refuted) {
                        return Ok(LpOutcome::Counterexample(x, d));
                    }
                    if relus.iter().all(|&(z, h)| relu::violation(z, h) <= 1e-9) {
                        // The relaxation is exact at this point, yet the point is no
                        // counterexample once re-run: it sits on the boundary. Ask for one
                        // with room to spare.
                        let frame = self.frames.last_mut().unwrap_or_else(|| unreachable!());
                        if let LpAnswer::Feasible { inputs, .. } =
                            frame.check(k, WITNESS_MARGIN, self.options.max_pivots, &self.trail)?
                        {
                            if let Some((x, d)) = self.try_point(&inputs, lo, hi, refuted) {
                                return Ok(LpOutcome::Counterexample(x, d));
                            }
                        }
                    }
                    point.get_or_insert(relus);
                }
            }
        }
        if let Some(frame) = self.frames.last() {
            self.stats.pivots += frame.pivots() - pivots_before;
        }
        Ok(LpOutcome::Point(point))
    }

    /// Runs `x` (clamped into the box) through the network; a counterexample of an open
    /// disjunct, checked exactly, is returned with the disjunct's index.
    fn try_point(
        &mut self,
        x: &[f64],
        lo: &[f64],
        hi: &[f64],
        refuted: &[Option<Culprits>],
    ) -> Option<(Vec<BigRational>, usize)> {
        if x.iter().any(|v| !v.is_finite()) {
            return None;
        }
        self.stats.candidates += 1;
        let x: Vec<f64> = x
            .iter()
            .zip(lo.iter().zip(hi))
            .zip(self.inner_lo.iter().zip(&self.inner_hi))
            .map(|((v, (l, h)), (il, ih))| v.max(*l).min(*h).max(*il).min(*ih))
            .collect();
        let values = self.rq.evaluate(&x);
        let screen = |atoms: &[FloatAtom]| {
            atoms
                .iter()
                .all(|a| a.margin(&values) >= -F64_CHECK_TOLERANCE)
        };
        if !screen(&self.input_atoms) {
            return None;
        }
        let exact: Option<Vec<BigRational>> =
            x.iter().map(|v| BigRational::from_float(*v)).collect();
        let exact = exact?;
        self.disjuncts
            .iter()
            .enumerate()
            .filter(|(k, d)| refuted[*k].is_none() && screen(&d.atoms))
            .find(|(_, d)| d.query.satisfied_by(&exact))
            .map(|(k, _)| (exact.clone(), k))
    }

    /// Learns from a conflict and jumps back; `false` when the conflict rests on no decision
    /// (the whole search is closed).
    fn backjump(&mut self, culprits: Culprits) -> bool {
        let mut levels = culprits.resolve();
        levels.retain(|&l| l >= 1 && l <= self.trail.level());
        let Some(&top) = levels.last() else {
            return false;
        };
        let rest = levels[..levels.len() - 1].to_vec();
        let back = rest.last().copied().unwrap_or(0);
        let asserted = self.trail.decision(top).negated();
        log::trace!(
            "conflict at level {} on decisions {levels:?}: back to {back}, asserting {asserted:?}",
            self.trail.level()
        );
        // A conflict resting on every decision is plain backtracking: its clause could only
        // fire on this same path, which the asserted literal already leaves.
        let informative = levels.len() < self.trail.level();
        if self.options.learn
            && informative
            && !rest.is_empty()
            && levels.len() <= self.options.max_clause_len
        {
            let literals: Vec<Literal> = levels.iter().map(|&l| self.trail.decision(l)).collect();
            let input_level = levels
                .iter()
                .copied()
                .filter(|&l| matches!(self.trail.decision(l), Literal::Input { .. }))
                .max()
                .unwrap_or(0);
            for lit in &literals {
                if let Literal::Phase { relu, .. } = lit {
                    self.activity[*relu] += self.activity_step;
                }
            }
            self.clauses.learn(literals, input_level);
            self.stats.learned += 1;
        }
        self.activity_step *= 1.0 / ACTIVITY_DECAY;
        if self.activity_step > 1e100 {
            self.activity.iter_mut().for_each(|a| *a *= 1e-100);
            self.activity_step *= 1e-100;
        }
        self.stats.levels_skipped += (self.trail.level() - 1 - back) as u64;
        self.backtrack(back);
        self.trail.imply(asserted, rest);
        true
    }

    /// Undoes every level above `level`.
    fn backtrack(&mut self, level: usize) {
        self.trail.backtrack(level);
        let len = self.trail.len();
        self.lookahead.retain(|l| l.prefix.len() <= len);
        self.clauses.backtrack(level);
        self.levels.truncate(level + 1);
        self.frames.retain(|f| f.level <= level);
        if let Some(f) = self.frames.last_mut() {
            if f.sync(level - f.level).is_err() {
                self.frames.pop();
            }
        }
    }

    /// Goes back to the level of the last input split, keeping what was learned: the ReLU
    /// decisions below it are redone in the order the updated activities suggest.
    fn restart(&mut self) {
        let level = self.trail.last_input_level();
        if level < self.trail.level() {
            self.stats.restarts += 1;
            self.backtrack(level);
        }
    }

    /// Whether a phase is worth trying first for `relu`: the sign its pre-activation takes
    /// at the LP's point, else at the node's most suspicious corner, else the wider side.
    pub fn preferred_phase(&self, node: &OpenNode, relu: usize) -> Phase {
        if let (Some(point), Some(frame)) = (&node.lp_point, self.frames.last()) {
            if let Some(k) = frame.relu_slot(relu) {
                return if point[k].0 >= 0.0 {
                    Phase::Active
                } else {
                    Phase::Inactive
                };
            }
        }
        let Some((pre, _)) = self.rq.relus().nth(relu) else {
            return Phase::Active;
        };
        let (l, u) = (node.bounds.lower[pre], node.bounds.upper[pre]);
        if u > -l {
            Phase::Active
        } else {
            Phase::Inactive
        }
    }

    /// The target disjunct's consequence the branching aims at.
    pub fn target_refutable(&self, node: &OpenNode) -> &Refutable {
        &self.disjuncts[node.target.0].refutables[node.target.1]
    }

    /// The width of input `i` in the sub-problem's whole region (1 where it has none).
    pub fn root_width(&self, i: usize) -> f64 {
        let w = self.root_hi[i] - self.root_lo[i];
        if w > 0.0 && w.is_finite() {
            w
        } else {
            1.0
        }
    }

    /// The consequences of disjunct `k`.
    pub fn refutables(&self, k: usize) -> &[Refutable] {
        &self.disjuncts[k].refutables
    }

    pub fn has_refutables(&self, node: &OpenNode) -> bool {
        !self.disjuncts[node.target.0].refutables.is_empty()
    }
}

/// A child's bounds computed while choosing the split that creates it.
#[derive(Debug, Clone)]
pub(crate) struct Lookahead {
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    /// The trail's literals when the bounds were computed, and the one the child adds.
    pub prefix: Vec<Literal>,
    pub literal: Literal,
    pub bounds: Bounds,
}

impl Lookahead {
    /// Whether these are the bounds of the current node: the trail the look-ahead saw with
    /// the child's literal added (decided, or asserted after its sibling failed).
    fn matches(&self, lo: &[f64], hi: &[f64], trail: &Trail) -> bool {
        let e = trail.entries();
        e.len() == self.prefix.len() + 1
            && e[self.prefix.len()].literal == self.literal
            && self.lo == lo
            && self.hi == hi
            && e.iter().zip(&self.prefix).all(|(a, b)| a.literal == *b)
    }
}

/// What the LP check of a node found.
enum LpOutcome {
    Counterexample(Vec<BigRational>, usize),
    /// The node stays open; the first LP point found, if any.
    Point(Option<Vec<(f64, f64)>>),
}

/// How far inward the atoms move when the LP's point is exact but lands on the boundary (see
/// `Query::strengthened`, which moves by the same relative amount for the same reason).
const WITNESS_MARGIN: f64 = 1e-6;

/// Activities decay by this factor per conflict (as MiniSat's VSIDS), so recent conflicts
/// weigh most.
const ACTIVITY_DECAY: f64 = 0.95;

fn all_culprits(refuted: &[Option<Culprits>]) -> Culprits {
    let mut c = Culprits::default();
    for r in refuted.iter().flatten() {
        c.add(r);
    }
    c
}
