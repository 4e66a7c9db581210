//! The LP of a search node: the query compacted onto the node's inputs and unstable ReLUs,
//! each unstable ReLU relaxed by its triangle, every rounding absorbed into the rows' bounds,
//! in one incremental [`Simplex`] that later phase decisions only tighten.
//!
//! # Construction
//! Under the node's bounds most ReLUs are stable, so everything between two unstable ReLUs is
//! one affine map. A forward pass composes those maps in f64 into an expression of every
//! variable over the *basis*: the inputs `x` and the outputs `h_j` of the unstable ReLUs. Each
//! expression carries a bound on its distance from the exact value (the coefficients' own
//! distance from the query's rationals, the rounding of every composed coefficient, and the
//! errors of the expressions it was built from, each scaled by the magnitudes the node's
//! bounds allow), so the true point satisfies the LP whatever rounding happened:
//! - unstable ReLU `j`: variables `z_j ∈ [l_j, u_j]`, `h_j ∈ [0, u_j]`; row `z_j − Σ c·b`
//!   within `c₀ ± error`; rows `h_j − z_j ≥ 0` and `h_j − s·z_j ≤ t` (the triangle's upper
//!   line, already sound in f64);
//! - a ReLU whose phase the trail fixed when the frame was built: its sign, `Σ c·b ≥ −c₀ −
//!   error` (active) or `≤ −c₀ + error` (inactive);
//! - each input constraint and each output atom of each disjunct as a row over the basis; the
//!   atoms' rows stay free until [`LpFrame::check`] imposes one disjunct's bounds.
//!
//! # Provenance
//! Every bound in the LP remembers why it holds: it came with the frame (true for the region
//! the frame was built for), from bound propagation at some level (true given the decisions up
//! to that level), or from a literal on the trail. A certified explanation then names the
//! decisions an infeasibility rests on, and the search learns exactly those.

use super::literal::Phase;
use super::trail::{Culprits, Trail};
use crate::bounds::rounding::{lower, magnitude, upper, UNIT_ROUNDOFF};
use crate::bounds::{Bounds, RelaxedQuery};
use crate::bounds::{Coeff, FloatStep};
use crate::query::{Atom, VarId as QueryVar};
use crate::simplex::{Bound, Explanation, Feasibility, Simplex, SimplexError, VarId};
use crate::spec::Relation;

/// Why a bound of the LP holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// It came with the frame: true for the region of the frame's level.
    Frame,
    /// Bound propagation at this level put it there.
    Propagated(usize),
    /// The trail entry with this index (a phase literal) put it there.
    Literal(usize),
}

/// An atom in f64: `Σ coeff·var (<= | >=) bound`, the bound rounded outward (up for `<=`,
/// down for `>=`), so the f64 atom is implied by the exact one.
#[derive(Debug, Clone)]
pub(crate) struct FloatAtom {
    pub terms: Vec<(QueryVar, Coeff)>,
    pub relation: Relation,
    pub bound: f64,
}

impl FloatAtom {
    pub fn of(atom: &Atom) -> FloatAtom {
        let down = atom.relation == Relation::Ge;
        let bound = crate::spec::to_f64(&crate::exact::round_to_f64(&atom.bound, down));
        FloatAtom {
            terms: atom.terms.iter().map(|(v, c)| (*v, Coeff::of(c))).collect(),
            relation: atom.relation,
            bound,
        }
    }

    /// How far `values` satisfy the atom (non-negative when they do), in plain f64.
    pub fn margin(&self, values: &[f64]) -> f64 {
        let lhs: f64 = self.terms.iter().map(|(v, c)| c.value * values[*v]).sum();
        match self.relation {
            Relation::Le => self.bound - lhs,
            Relation::Ge => lhs - self.bound,
        }
    }
}

/// The LP variables of one unstable ReLU.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameRelu {
    pub z: VarId,
    pub h: VarId,
    /// The row `h − z`.
    pub d: VarId,
}

/// `Σ coeff·basis + constant`, within `error` of the exact value, and `Σ |coeff|·magnitude`
/// (what a coefficient's rounding is scaled by when the expression is composed further).
#[derive(Debug, Clone)]
struct Expr {
    coeffs: Vec<f64>,
    constant: f64,
    error: f64,
    weight: f64,
}

/// What one LP check found.
#[derive(Debug, Clone)]
pub(crate) enum LpAnswer {
    /// Certified infeasible, resting on these decisions.
    Infeasible(Culprits),
    /// A point of the LP: the inputs' values, and per frame ReLU `(z, h)`.
    Feasible {
        inputs: Vec<f64>,
        relus: Vec<(f64, f64)>,
    },
    /// No answer to rely on (pivot limit, numerical trouble, an explanation rounding blurs).
    Inconclusive,
}

/// The LP of the node at `level` and everything needed to keep it in step with the search.
#[derive(Debug, Clone)]
pub(crate) struct LpFrame {
    lp: Simplex,
    pub level: usize,
    inputs: Vec<VarId>,
    relus: Vec<FrameRelu>,
    /// Per query ReLU, its index in `relus` (unstable when the frame was built).
    slot: Vec<Option<usize>>,
    /// Per disjunct, its atom rows and the bounds they get when the disjunct is checked.
    disjuncts: Vec<Vec<(VarId, f64, f64)>>,
    /// The rows of the input region's linear constraints, likewise (moved inward with the
    /// atoms when a check asks for room to spare).
    input_rows: Vec<(VarId, f64, f64)>,
    /// Per LP variable, the origin of its lower and upper bound.
    origin: Vec<[Origin; 2]>,
    /// Origins replaced since each open simplex level: `(variable, side, old origin)`.
    origin_trail: Vec<(usize, usize, Origin)>,
    origin_marks: Vec<usize>,
    /// Per open simplex level (the frame's own level first), how many trail entries had
    /// their bounds imposed by then: entries imposed at a level are undone with it.
    applied: Vec<usize>,
}

fn side(bound: Bound) -> usize {
    match bound {
        Bound::Lower => 0,
        Bound::Upper => 1,
    }
}

impl LpFrame {
    /// The LP of the node whose propagated bounds are `bounds`, at `level` of `trail`.
    pub fn build(
        rq: &RelaxedQuery,
        bounds: &Bounds,
        trail: &Trail,
        input_atoms: &[FloatAtom],
        disjuncts: &[Vec<FloatAtom>],
        level: usize,
    ) -> Result<LpFrame, SimplexError> {
        let (lo, hi) = (&bounds.lower, &bounds.upper);
        let m = |v: QueryVar| magnitude(lo[v], hi[v]);
        let mut lp = Simplex::new();
        // The basis: inputs, then each unstable ReLU's output, in step order.
        let mut basis_magnitude = Vec::new();
        let mut inputs = Vec::new();
        for &x in rq.inputs() {
            inputs.push(lp.add_var(lo[x], hi[x])?);
            basis_magnitude.push(m(x));
        }
        let mut unstable = Vec::new();
        for (j, (pre, post)) in rq.relus().enumerate() {
            if trail.phase(j).is_none() && lo[pre] < 0.0 && hi[pre] > 0.0 {
                unstable.push(j);
                basis_magnitude.push(m(post));
            }
        }
        let n_basis = basis_magnitude.len();
        let unit = |b: usize| {
            let mut coeffs = vec![0.0; n_basis];
            coeffs[b] = 1.0;
            Expr {
                coeffs,
                constant: 0.0,
                error: 0.0,
                weight: basis_magnitude[b],
            }
        };
        let zero = Expr {
            coeffs: vec![0.0; n_basis],
            constant: 0.0,
            error: 0.0,
            weight: 0.0,
        };
        let mut basis_var: Vec<VarId> = inputs.clone();
        let mut expr: Vec<Option<Expr>> = vec![None; rq.num_vars()];
        for (i, &x) in rq.inputs().iter().enumerate() {
            expr[x] = Some(unit(i));
        }
        let mut slot = vec![None; rq.num_relus()];
        let mut relus = Vec::new();
        let mut relu_index = 0;
        let g = rq.gamma;
        for step in &rq.steps {
            match step {
                FloatStep::Define(d) => {
                    let mut e = Expr {
                        coeffs: vec![0.0; n_basis],
                        constant: d.constant.value,
                        error: 0.0,
                        weight: 0.0,
                    };
                    let mut scale = d.constant.value.abs();
                    let mut slack = d.constant.error;
                    for (t, c) in &d.terms {
                        slack += c.error * m(*t);
                        let Some(te) = &expr[*t] else { continue };
                        let a = c.value;
                        if a == 0.0 {
                            continue;
                        }
                        for (x, y) in e.coeffs.iter_mut().zip(&te.coeffs) {
                            *x += a * y;
                        }
                        e.constant += a * te.constant;
                        scale += a.abs() * (te.weight + te.constant.abs());
                        slack += a.abs() * te.error;
                    }
                    e.error = crate::bounds::rounding::error(g, scale, slack);
                    e.weight = weight(&e.coeffs, &basis_magnitude);
                    expr[d.var] = Some(e);
                }
                FloatStep::Relu { pre, post } => {
                    let j = relu_index;
                    relu_index += 1;
                    let pe = expr[*pre].clone().unwrap_or_else(|| zero.clone());
                    let decided = trail.phase(j);
                    let (l, u) = (lo[*pre], hi[*pre]);
                    if let Some(phase) = decided {
                        // The sign the decision demands, as a row over the basis.
                        let row = lp.add_row(&terms(&pe.coeffs, &basis_var))?;
                        let (rl, ru) = match phase {
                            Phase::Active => (lower(-pe.constant, pe.error), f64::INFINITY),
                            Phase::Inactive => (f64::NEG_INFINITY, upper(-pe.constant, pe.error)),
                        };
                        lp.set_bounds(row, rl, ru)?;
                    }
                    let active = decided.map_or(l >= 0.0, |p| p == Phase::Active);
                    let inactive = decided.map_or(u <= 0.0, |p| p == Phase::Inactive);
                    expr[*post] = Some(if active {
                        pe
                    } else if inactive {
                        zero.clone()
                    } else {
                        let z = lp.add_var(l, u)?;
                        let mut row_terms = vec![(z, 1.0)];
                        row_terms
                            .extend(terms(&pe.coeffs, &basis_var).iter().map(|(v, c)| (*v, -c)));
                        let h = lp.add_var(0.0, u.max(0.0))?;
                        let b = basis_var.len();
                        basis_var.push(h);
                        let e = lp.add_row(&row_terms)?;
                        lp.set_bounds(
                            e,
                            lower(pe.constant, pe.error),
                            upper(pe.constant, pe.error),
                        )?;
                        let d = lp.add_row(&[(h, 1.0), (z, -1.0)])?;
                        lp.set_bounds(d, 0.0, f64::INFINITY)?;
                        if let Some((s, t)) = crate::bounds::upper_line(l, u) {
                            let r = lp.add_row(&[(h, 1.0), (z, -s)])?;
                            lp.set_bounds(r, f64::NEG_INFINITY, t)?;
                        }
                        slot[j] = Some(relus.len());
                        relus.push(FrameRelu { z, h, d });
                        unit(b)
                    });
                }
            }
        }
        let frame_rows =
            |lp: &mut Simplex, atom: &FloatAtom| -> Result<(VarId, f64, f64), SimplexError> {
                let mut coeffs = vec![0.0; n_basis];
                let (mut constant, mut scale, mut slack) = (0.0f64, 0.0f64, 0.0f64);
                for (v, c) in &atom.terms {
                    slack += c.error * m(*v);
                    let Some(e) = &expr[*v] else { continue };
                    for (x, y) in coeffs.iter_mut().zip(&e.coeffs) {
                        *x += c.value * y;
                    }
                    constant += c.value * e.constant;
                    scale += c.value.abs() * (e.weight + e.constant.abs());
                    slack += c.value.abs() * e.error;
                }
                let row = lp.add_row(&terms(&coeffs, &basis_var))?;
                let rhs = atom.bound - constant;
                let err = crate::bounds::rounding::error(g, scale, slack)
                    + UNIT_ROUNDOFF * (atom.bound.abs() + constant.abs());
                Ok(match atom.relation {
                    Relation::Le => (row, f64::NEG_INFINITY, upper(rhs, err)),
                    Relation::Ge => (row, lower(rhs, err), f64::INFINITY),
                })
            };
        let mut input_rows = Vec::new();
        for atom in input_atoms {
            let (row, l, u) = frame_rows(&mut lp, atom)?;
            lp.set_bounds(row, l, u)?;
            input_rows.push((row, l, u));
        }
        let mut disjunct_rows = Vec::new();
        for atoms in disjuncts {
            let mut rows = Vec::new();
            for atom in atoms {
                rows.push(frame_rows(&mut lp, atom)?);
            }
            disjunct_rows.push(rows);
        }
        let n = lp.num_vars();
        Ok(LpFrame {
            lp,
            level,
            inputs,
            relus,
            slot,
            disjuncts: disjunct_rows,
            input_rows,
            origin: vec![[Origin::Frame; 2]; n],
            origin_trail: Vec::new(),
            origin_marks: Vec::new(),
            applied: vec![trail.len()],
        })
    }

    /// The frame's variables for query ReLU `relu`, if it was unstable when the frame was built.
    pub fn relu(&self, relu: usize) -> Option<FrameRelu> {
        self.slot[relu].map(|k| self.relus[k])
    }

    /// The index of query ReLU `relu` among the frame's ReLUs (as in [`LpAnswer::Feasible`]).
    pub fn relu_slot(&self, relu: usize) -> Option<usize> {
        self.slot[relu]
    }

    /// Number of ReLUs the frame relaxes.
    pub fn num_relus(&self) -> usize {
        self.relus.len()
    }

    pub fn pivots(&self) -> u64 {
        self.lp.stats().pivots
    }

    /// Opens or closes simplex levels until there are `depth` (the search level minus the
    /// frame's).
    pub fn sync(&mut self, depth: usize) -> Result<(), SimplexError> {
        while self.lp.level() < depth {
            self.lp.push();
            self.origin_marks.push(self.origin_trail.len());
            let imposed = self.imposed();
            self.applied.push(imposed);
        }
        while self.lp.level() > depth {
            self.pop()?;
            self.applied.pop();
        }
        Ok(())
    }

    /// How many trail entries (from the first) have their bounds in the LP.
    pub fn imposed(&self) -> usize {
        self.applied.last().copied().unwrap_or(0)
    }

    /// Records that the first `entries` trail entries now have their bounds in the LP (at the
    /// current simplex level, so that backtracking past it undoes the record too).
    pub fn set_imposed(&mut self, entries: usize) {
        if let Some(last) = self.applied.last_mut() {
            *last = entries;
        }
    }

    fn pop(&mut self) -> Result<(), SimplexError> {
        self.lp.pop()?;
        let mark = self.origin_marks.pop().unwrap_or(0);
        while self.origin_trail.len() > mark {
            if let Some((var, s, old)) = self.origin_trail.pop() {
                self.origin[var][s] = old;
            }
        }
        Ok(())
    }

    /// Tightens one bound, remembering why it holds.
    fn tighten(
        &mut self,
        var: VarId,
        bound: Bound,
        value: f64,
        origin: Origin,
    ) -> Result<(), SimplexError> {
        let old = self.lp.bound(var, bound);
        let tighter = match bound {
            Bound::Lower => value > old,
            Bound::Upper => value < old,
        };
        if !tighter {
            return Ok(());
        }
        match bound {
            Bound::Lower => self.lp.tighten_lower(var, value)?,
            Bound::Upper => self.lp.tighten_upper(var, value)?,
        }
        let s = side(bound);
        if self.lp.level() > 0 {
            self.origin_trail
                .push((var.index(), s, self.origin[var.index()][s]));
        }
        self.origin[var.index()][s] = origin;
        Ok(())
    }

    /// Imposes a phase on a frame ReLU: `z ≥ 0, h ≤ z` (active) or `z ≤ 0, h ≤ 0` (inactive).
    pub fn impose_phase(
        &mut self,
        relu: FrameRelu,
        phase: Phase,
        origin: Origin,
    ) -> Result<(), SimplexError> {
        match phase {
            Phase::Active => {
                self.tighten(relu.z, Bound::Lower, 0.0, origin)?;
                self.tighten(relu.d, Bound::Upper, 0.0, origin)
            }
            Phase::Inactive => {
                self.tighten(relu.z, Bound::Upper, 0.0, origin)?;
                self.tighten(relu.h, Bound::Upper, 0.0, origin)
            }
        }
    }

    /// Narrows input `k` of the frame to `[lo, hi]` for an input literal on the trail.
    pub fn impose_input(
        &mut self,
        k: usize,
        lo: f64,
        hi: f64,
        origin: Origin,
    ) -> Result<(), SimplexError> {
        let v = self.inputs[k];
        self.tighten(v, Bound::Lower, lo, origin)?;
        self.tighten(v, Bound::Upper, hi, origin)
    }

    /// Tightens the LP to the bounds propagation found at `level`, including the phases they
    /// imply for the frame's ReLUs.
    pub fn impose_bounds(
        &mut self,
        rq: &RelaxedQuery,
        bounds: &Bounds,
        level: usize,
    ) -> Result<(), SimplexError> {
        let origin = Origin::Propagated(level);
        for (k, &x) in rq.inputs().iter().enumerate() {
            let v = self.inputs[k];
            self.tighten(v, Bound::Lower, bounds.lower[x], origin)?;
            self.tighten(v, Bound::Upper, bounds.upper[x], origin)?;
        }
        for (j, (pre, post)) in rq.relus().enumerate() {
            let Some(r) = self.relu(j) else { continue };
            let (l, u) = (bounds.lower[pre], bounds.upper[pre]);
            self.tighten(r.z, Bound::Lower, l, origin)?;
            self.tighten(r.z, Bound::Upper, u, origin)?;
            self.tighten(r.h, Bound::Lower, bounds.lower[post].max(0.0), origin)?;
            self.tighten(r.h, Bound::Upper, bounds.upper[post], origin)?;
            if l >= 0.0 {
                self.impose_phase(r, Phase::Active, origin)?;
            } else if u <= 0.0 {
                self.impose_phase(r, Phase::Inactive, origin)?;
            }
        }
        Ok(())
    }

    /// Checks the LP with the atoms of `disjunct` imposed, at most `max_pivots` pivots. With a
    /// positive `margin` the atoms are moved inward by `margin·(1 + |bound|)`, to find a point
    /// with room to spare; infeasibility then proves nothing and is reported inconclusive.
    pub fn check(
        &mut self,
        disjunct: usize,
        margin: f64,
        max_pivots: u64,
        trail: &Trail,
    ) -> Result<LpAnswer, SimplexError> {
        self.lp.push();
        let result = self.check_pushed(disjunct, margin, max_pivots, trail);
        self.lp.pop()?;
        result
    }

    fn check_pushed(
        &mut self,
        disjunct: usize,
        margin: f64,
        max_pivots: u64,
        trail: &Trail,
    ) -> Result<LpAnswer, SimplexError> {
        let inputs = if margin > 0.0 {
            &self.input_rows[..]
        } else {
            &[]
        };
        for &(row, l, u) in self.disjuncts[disjunct].iter().chain(inputs) {
            let room = |b: f64| margin * (1.0 + b.abs());
            let (l, u) = (
                if l.is_finite() { l + room(l) } else { l },
                if u.is_finite() { u - room(u) } else { u },
            );
            self.lp.set_bounds(row, l, u)?;
        }
        Ok(match self.lp.check(max_pivots)? {
            Feasibility::Feasible => LpAnswer::Feasible {
                inputs: self.inputs.iter().map(|&v| self.lp.value(v)).collect(),
                relus: self
                    .relus
                    .iter()
                    .map(|r| (self.lp.value(r.z), self.lp.value(r.h)))
                    .collect(),
            },
            Feasibility::Infeasible(why) if margin == 0.0 && self.lp.certifies(&why) => {
                LpAnswer::Infeasible(self.culprits(&why, trail))
            }
            Feasibility::Infeasible(why) => {
                log::debug!(
                    "dpllt: LP explanation not certified ({} terms, max sum {:e})",
                    why.terms.len(),
                    why.max_sum(|v, b| self.lp.bound(v, b))
                );
                LpAnswer::Inconclusive
            }
            Feasibility::Unknown => {
                log::debug!("dpllt: LP check reached the pivot limit");
                LpAnswer::Inconclusive
            }
        })
    }

    /// The decisions the bounds named by an explanation rest on (the rows rest on the frame's).
    fn culprits(&self, why: &Explanation, trail: &Trail) -> Culprits {
        let mut c = Culprits::up_to(self.level);
        for (var, bound) in why.bounds() {
            match self.origin[var.index()][side(bound)] {
                Origin::Frame => {}
                Origin::Propagated(level) => c.add(&Culprits::up_to(level)),
                Origin::Literal(index) => c.add(&trail.culprits_of(index)),
            }
        }
        c
    }
}

/// The nonzero terms of an expression, on the LP's basis variables.
fn terms(coeffs: &[f64], basis_var: &[VarId]) -> Vec<(VarId, f64)> {
    coeffs
        .iter()
        .zip(basis_var)
        .filter(|(c, _)| **c != 0.0)
        .map(|(c, v)| (*v, *c))
        .collect()
}

/// `Σ |coeff|·magnitude` over the basis.
fn weight(coeffs: &[f64], magnitudes: &[f64]) -> f64 {
    coeffs
        .iter()
        .zip(magnitudes)
        .filter(|(c, _)| **c != 0.0)
        .map(|(c, m)| c.abs() * m)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::{Method, VarBounds};
    use crate::dpllt::literal::Literal;
    use crate::network::{
        Affine, Elementwise, ElementwiseOp, Layer, LayerKind, Matrix, Network, Precision,
        Provenance,
    };
    use crate::query::Query;
    use crate::spec::vnnlib;
    use num_rational::BigRational;
    use rand::{Rng, SeedableRng};

    fn layer(kind: LayerKind, width: usize) -> Layer {
        Layer {
            kind,
            output_shape: vec![width],
            origin: "test".into(),
        }
    }

    /// 3 inputs, then (affine 5, div by 3, relu) twice, affine 2: float32 weights, and
    /// divisions whose coefficients (1/3) are no f64, so every error term is exercised.
    fn network(rng: &mut rand::rngs::StdRng) -> Network {
        let mut layers = Vec::new();
        let mut width = 3;
        for out in [5, 5, 2] {
            let w: Vec<f64> = (0..out * width)
                .map(|_| f64::from(rng.gen_range(-1.5f32..1.5)))
                .collect();
            let b: Vec<f64> = (0..out)
                .map(|_| f64::from(rng.gen_range(-0.5f32..0.5)))
                .collect();
            let weights = Matrix::from_row_major(out, width, w).unwrap();
            layers.push(layer(LayerKind::Affine(Affine { weights, bias: b }), out));
            width = out;
            if out != 2 {
                let operand = vec![3.0; out];
                let op = ElementwiseOp::Div;
                layers.push(layer(
                    LayerKind::Elementwise(Elementwise { op, operand }),
                    out,
                ));
                layers.push(layer(LayerKind::Relu, out));
            }
        }
        Network::new(vec![3], layers, vec![2], Provenance::memory(Precision::F32)).unwrap()
    }

    fn query(net: &Network) -> Query {
        let text = "(declare-const X_0 Real)(declare-const X_1 Real)(declare-const X_2 Real)\
            (declare-const Y_0 Real)(declare-const Y_1 Real)\
            (assert (>= X_0 -1))(assert (<= X_0 1))(assert (>= X_1 -1))(assert (<= X_1 1))\
            (assert (>= X_2 -0.5))(assert (<= X_2 0.75))(assert (>= Y_0 Y_1))";
        let property = vnnlib::parse(text.as_bytes(), "test.vnnlib", None).unwrap();
        let sub = property.sub_problems().next().unwrap();
        Query::new(net, &sub).unwrap()
    }

    fn exact(v: f64) -> BigRational {
        BigRational::from_float(v).unwrap()
    }

    /// Every point of the node's region satisfies every row and bound of its LP, checked in
    /// exact arithmetic: the rows' widened bounds absorb all rounding of the compaction.
    #[test]
    fn the_lp_contains_every_point_of_its_region() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut checked = 0;
        for _ in 0..40 {
            let net = network(&mut rng);
            let q = query(&net);
            let rq = RelaxedQuery::new(&q);
            let bounds = rq
                .propagate(&VarBounds::of_query(&q), Method::Symbolic)
                .unwrap();
            // Decide the phase of one unstable ReLU as a random point has it.
            let x0: Vec<f64> = (0..3)
                .map(|i| {
                    let (l, h) = (bounds.lower[rq.inputs()[i]], bounds.upper[rq.inputs()[i]]);
                    rng.gen_range(l..=h)
                })
                .collect();
            let v0 = rq.evaluate(&x0);
            let mut trail = Trail::new(rq.num_relus());
            let relus: Vec<(usize, usize)> = rq.relus().collect();
            if let Some(j) = (0..relus.len())
                .find(|&j| bounds.lower[relus[j].0] < 0.0 && bounds.upper[relus[j].0] > 0.0)
            {
                let phase = if v0[relus[j].0] >= 0.0 {
                    Phase::Active
                } else {
                    Phase::Inactive
                };
                trail.decide(Literal::Phase { relu: j, phase });
            }
            let frame = LpFrame::build(&rq, &bounds, &trail, &[], &[], 1).unwrap();
            for _ in 0..50 {
                let x: Vec<f64> = (0..3)
                    .map(|i| {
                        let (l, h) = (bounds.lower[rq.inputs()[i]], bounds.upper[rq.inputs()[i]]);
                        rng.gen_range(l..=h)
                    })
                    .collect();
                let values = q.evaluate(&x.iter().map(|v| exact(*v)).collect::<Vec<_>>());
                let in_region = (0..relus.len()).all(|j| match trail.phase(j) {
                    Some(Phase::Active) => values[relus[j].0] >= exact(0.0),
                    Some(Phase::Inactive) => values[relus[j].0] <= exact(0.0),
                    None => true,
                });
                if !in_region {
                    continue;
                }
                // The LP's variables at this point.
                let mut lp_value: Vec<Option<BigRational>> = vec![None; frame.lp.num_vars()];
                for (k, v) in frame.inputs.iter().enumerate() {
                    lp_value[v.index()] = Some(exact(x[k]));
                }
                for (j, &(pre, post)) in relus.iter().enumerate() {
                    if let Some(r) = frame.relu(j) {
                        lp_value[r.z.index()] = Some(values[pre].clone());
                        lp_value[r.h.index()] = Some(values[post].clone());
                    }
                }
                for (row, terms) in frame.lp.rows() {
                    let sum: BigRational = terms
                        .iter()
                        .map(|(v, a)| exact(*a) * lp_value[*v].clone().unwrap())
                        .sum();
                    lp_value[row.index()] = Some(sum);
                }
                for (v, value) in lp_value.iter().enumerate() {
                    let value = value.clone().unwrap();
                    let var = VarId::from_index(v);
                    let (l, h) = (
                        frame.lp.bound(var, Bound::Lower),
                        frame.lp.bound(var, Bound::Upper),
                    );
                    assert!(
                        (l == f64::NEG_INFINITY || value >= exact(l))
                            && (h == f64::INFINITY || value <= exact(h)),
                        "LP variable {v}: {value} outside [{l}, {h}]"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 1000, "only {checked} points checked");
    }
}
