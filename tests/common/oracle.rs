//! An independent test oracle: the maximum of `c · net(x)` over an input box, by enumerating ReLU phases with LPs.
//!
//! This module exists only to cross-check vera's engines (Z3, and later the DPLL(T) simplex
//! engine) with a method that shares no code with them: it reads the network's layers
//! directly, composes their weights in plain f64 (its own loops, not [`vera::network::Matrix`]
//! or `Network::folded`), and solves its linear programs with the `minilp` crate.
//!
//! # Method
//! A ReLU network is piecewise affine: once every ReLU's phase (active: pre-activation `>= 0`,
//! inactive: `<= 0`) is fixed, the network is one affine map of the input on the polytope
//! `{x in [lo, hi] : every pre-activation has its fixed sign}`. The oracle searches the phases
//! depth first, layer by layer and neuron by neuron. Fixing a neuron adds one half-space to the
//! polytope; a branch is dropped as soon as its polytope is empty (an LP feasibility check,
//! skipped when interval bounds over the box already decide the sign). At a full pattern it
//! maximises the objective, affine in `x`, over the polytope by LP. The best leaf is the
//! maximum, since the polytopes of all patterns cover the box.
//!
//! # Tolerances
//! The values are f64 and the LPs are solved by minilp's floating-point simplex, whose
//! tolerances are its own: an absolute `EPS = 1e-8` (minilp 0.2, `src/solver.rs`) for primal
//! feasibility (a bound or constraint may be violated by up to about `1e-8`), for pivot
//! elements and for reduced costs (optimality). Consequences for callers:
//! - the returned maximiser may sit about `1e-8` outside its pattern's polytope, so the network
//!   evaluated there can differ from [`OracleMax::value`] by about `1e-8` times the network's
//!   Lipschitz constant (the maximiser is clamped into the box, so it is always a valid input);
//! - [`OracleMax::value`] may err in either direction by a similar amount.
//!
//! So a cross-check that asks an engine "is `c · net(x) <= t` on the box?" must place `t` at
//! least ~`1e-6` (relative, `|t - max| >= 1e-6 * max(1, |max|)`) away from the oracle's
//! maximum; closer thresholds are beyond what this oracle can decide.
//!
//! # Scope
//! `Affine`, `Relu` and `Elementwise` (`Add`/`Mul`/`Div` by constants, which are affine) layers;
//! a `Clamp` layer makes it panic. The search is exponential in the number of ReLUs: it is
//! meant for small networks (a dozen ReLUs takes milliseconds).

use minilp::{ComparisonOp, Error as LpError, OptimizationDirection, Problem};
use vera::network::{ElementwiseOp, LayerKind, Network};

/// The oracle's answer: the maximum of `c · net(x)` over the box, where it is reached, and how
/// much work it took.
#[derive(Debug, Clone, PartialEq)]
pub struct OracleMax {
    /// The maximum of `c · net(x)` over the box (up to minilp's tolerances; see the module doc).
    pub value: f64,
    /// An input in the box at which the maximum is reached.
    pub maximiser: Vec<f64>,
    /// LPs solved: feasibility checks plus one maximisation per full pattern reached.
    pub lps_solved: usize,
    /// Full activation patterns whose polytope was feasible (pieces of the network on the box).
    pub patterns: usize,
}

/// The maximum of `c · net(x)` over the box `[lo, hi]`, for networks of `Affine`, `Relu` and
/// `Elementwise` layers. Panics on a `Clamp` layer or on mismatched lengths (tests only).
pub fn max_linear_output(net: &Network, lo: &[f64], hi: &[f64], c: &[f64]) -> OracleMax {
    let n = net.num_inputs();
    assert_eq!(
        lo.len(),
        n,
        "oracle: lower bounds have {} values for {n} inputs",
        lo.len()
    );
    assert_eq!(
        hi.len(),
        n,
        "oracle: upper bounds have {} values for {n} inputs",
        hi.len()
    );
    assert!(
        lo.iter()
            .zip(hi)
            .all(|(l, h)| l.is_finite() && h.is_finite() && l <= h),
        "oracle: the box must be finite and non-empty, got lo {lo:?} hi {hi:?}"
    );
    assert_eq!(
        c.len(),
        net.num_outputs(),
        "oracle: objective has {} coefficients for {} outputs",
        c.len(),
        net.num_outputs()
    );
    for (index, layer) in net.layers().iter().enumerate() {
        assert!(
            !matches!(layer.kind, LayerKind::Clamp(_)),
            "oracle: layer {index} ({}) is a Clamp, which the ReLU-phase oracle does not support",
            layer.origin
        );
    }
    let mut search = PhaseSearch {
        net,
        lo,
        hi,
        c,
        polytope: Vec::new(),
        best: None,
        lps_solved: 0,
        patterns: 0,
    };
    search.descend(0, AffineMap::identity(n));
    let (value, maximiser) = search
        .best
        .expect("oracle: no activation pattern was feasible, which a non-empty box rules out");
    OracleMax {
        value,
        maximiser,
        lps_solved: search.lps_solved,
        patterns: search.patterns,
    }
}

/// The minimum of `c · net(x)` over the box, as `-max(-c · net(x))`; `value` is the minimum
/// and `maximiser` the input reaching it.
pub fn min_linear_output(net: &Network, lo: &[f64], hi: &[f64], c: &[f64]) -> OracleMax {
    let negated: Vec<f64> = c.iter().map(|v| -v).collect();
    let mut answer = max_linear_output(net, lo, hi, &negated);
    answer.value = -answer.value;
    answer
}

/// `y = W x + b` as a function of the network's input `x`: row `r` of `W` is `weights[r]`.
#[derive(Debug, Clone)]
struct AffineMap {
    weights: Vec<Vec<f64>>,
    bias: Vec<f64>,
}

impl AffineMap {
    fn identity(n: usize) -> AffineMap {
        let weights = (0..n)
            .map(|r| (0..n).map(|k| if r == k { 1.0 } else { 0.0 }).collect())
            .collect();
        AffineMap {
            weights,
            bias: vec![0.0; n],
        }
    }

    /// The map followed by the layer's affine step (`Affine` or `Elementwise`).
    fn then(&self, kind: &LayerKind) -> AffineMap {
        match kind {
            LayerKind::Affine(a) => {
                let inputs = self.weights.first().map_or(0, Vec::len);
                let (weights, bias) = (0..a.weights.rows())
                    .map(|r| {
                        let row = a.weights.row(r);
                        let mut w = vec![0.0; inputs];
                        let mut b = a.bias[r];
                        for (coef, (prev_w, prev_b)) in
                            row.iter().zip(self.weights.iter().zip(&self.bias))
                        {
                            for (acc, p) in w.iter_mut().zip(prev_w) {
                                *acc += coef * p;
                            }
                            b += coef * prev_b;
                        }
                        (w, b)
                    })
                    .unzip();
                AffineMap { weights, bias }
            }
            LayerKind::Elementwise(e) => {
                let mut map = self.clone();
                for ((w, b), operand) in map.weights.iter_mut().zip(&mut map.bias).zip(&e.operand) {
                    match e.op {
                        ElementwiseOp::Add => *b += operand,
                        ElementwiseOp::Mul => {
                            w.iter_mut().for_each(|v| *v *= operand);
                            *b *= operand;
                        }
                        ElementwiseOp::Div => {
                            w.iter_mut().for_each(|v| *v /= operand);
                            *b /= operand;
                        }
                    }
                }
                map
            }
            LayerKind::Relu
            | LayerKind::Clamp(_)
            | LayerKind::Sign
            | LayerKind::Signum
            | LayerKind::Round => {
                unreachable!("not an affine layer")
            }
        }
    }
}

/// `coeffs · x <= rhs`: one ReLU's phase as a constraint on the input.
#[derive(Debug, Clone)]
struct HalfSpace {
    coeffs: Vec<f64>,
    rhs: f64,
}

/// The depth-first search over ReLU phases, with the half-spaces fixed so far.
struct PhaseSearch<'a> {
    net: &'a Network,
    lo: &'a [f64],
    hi: &'a [f64],
    c: &'a [f64],
    polytope: Vec<HalfSpace>,
    best: Option<(f64, Vec<f64>)>,
    lps_solved: usize,
    patterns: usize,
}

impl PhaseSearch<'_> {
    /// Continues from layer `index`, with `map` the network up to it on the current polytope.
    fn descend(&mut self, index: usize, mut map: AffineMap) {
        let layers = self.net.layers();
        let mut index = index;
        while index < layers.len() && !matches!(layers[index].kind, LayerKind::Relu) {
            map = map.then(&layers[index].kind);
            index += 1;
        }
        if index == layers.len() {
            self.maximise_leaf(&map);
        } else {
            self.branch(index, 0, map);
        }
    }

    /// Fixes the phase of neuron `neuron` of the ReLU layer `index`, then the next ones.
    /// Rows of `map` before `neuron` are already post-activation.
    fn branch(&mut self, index: usize, neuron: usize, map: AffineMap) {
        if neuron == map.bias.len() {
            self.descend(index + 1, map);
            return;
        }
        let (w, b) = (&map.weights[neuron], map.bias[neuron]);
        let (low, high) = interval(w, b, self.lo, self.hi);
        // The phases whose polytope is non-empty. When the box alone decides the sign, the
        // other phase is empty (or touches only pre-activation 0, where both agree) and the
        // current polytope is unchanged: no LP is needed.
        let active = HalfSpace {
            coeffs: w.iter().map(|v| -v).collect(),
            rhs: b,
        };
        let inactive = HalfSpace {
            coeffs: w.clone(),
            rhs: -b,
        };
        let phases: Vec<(bool, Option<HalfSpace>)> = if low > 0.0 {
            vec![(true, None)]
        } else if high <= 0.0 {
            vec![(false, None)]
        } else if self.feasible_with(&active) {
            // Both may be feasible; the inactive side needs its own check.
            let mut phases = vec![(true, Some(active))];
            if self.feasible_with(&inactive) {
                phases.push((false, Some(inactive)));
            }
            phases
        } else {
            // The polytope (non-empty) lies where the pre-activation is negative.
            vec![(false, None)]
        };
        for (active, constraint) in phases {
            let pushed = constraint.is_some();
            if let Some(h) = constraint {
                self.polytope.push(h);
            }
            let mut next = map.clone();
            if !active {
                next.weights[neuron].iter_mut().for_each(|v| *v = 0.0);
                next.bias[neuron] = 0.0;
            }
            self.branch(index, neuron + 1, next);
            if pushed {
                self.polytope.pop();
            }
        }
    }

    /// Whether the current polytope stays non-empty with `extra` added.
    fn feasible_with(&mut self, extra: &HalfSpace) -> bool {
        self.polytope.push(extra.clone());
        let zero = vec![0.0; self.lo.len()];
        let feasible = self.solve(&zero).is_some();
        self.polytope.pop();
        feasible
    }

    /// Maximises `c · map(x)` over the current polytope and keeps it if it is the best so far.
    fn maximise_leaf(&mut self, map: &AffineMap) {
        let inputs = self.lo.len();
        let mut objective = vec![0.0; inputs];
        let mut constant = 0.0;
        for ((coef, w), b) in self.c.iter().zip(&map.weights).zip(&map.bias) {
            for (acc, v) in objective.iter_mut().zip(w) {
                *acc += coef * v;
            }
            constant += coef * b;
        }
        // Feasibility was checked on the way down; an infeasible answer here can only be
        // minilp's tolerance flipping on a sliver of a polytope, which holds no better point
        // than its neighbours.
        if let Some((value, x)) = self.solve(&objective) {
            self.patterns += 1;
            let value = value + constant;
            if self.best.as_ref().is_none_or(|(best, _)| value > *best) {
                self.best = Some((value, x));
            }
        }
    }

    /// Maximises `objective · x` over the box and the polytope: the optimum and a point
    /// reaching it (clamped into the box), or `None` when infeasible.
    fn solve(&mut self, objective: &[f64]) -> Option<(f64, Vec<f64>)> {
        self.lps_solved += 1;
        let mut lp = Problem::new(OptimizationDirection::Maximize);
        let vars: Vec<_> = objective
            .iter()
            .zip(self.lo.iter().zip(self.hi))
            .map(|(obj, (l, h))| lp.add_var(*obj, (*l, *h)))
            .collect();
        for h in &self.polytope {
            let terms: Vec<_> = vars
                .iter()
                .zip(&h.coeffs)
                .filter(|(_, coef)| **coef != 0.0)
                .map(|(v, coef)| (*v, *coef))
                .collect();
            lp.add_constraint(&terms[..], ComparisonOp::Le, h.rhs);
        }
        match lp.solve() {
            Ok(solution) => {
                let x: Vec<f64> = vars
                    .iter()
                    .zip(self.lo.iter().zip(self.hi))
                    .map(|(v, (l, h))| solution.var_value(*v).clamp(*l, *h))
                    .collect();
                Some((solution.objective(), x))
            }
            Err(LpError::Infeasible) => None,
            Err(LpError::Unbounded) => unreachable!("an LP over a bounded box is never unbounded"),
        }
    }
}

/// The range of `w · x + b` over the box.
fn interval(w: &[f64], b: f64, lo: &[f64], hi: &[f64]) -> (f64, f64) {
    w.iter()
        .zip(lo.iter().zip(hi))
        .fold((b, b), |(low, high), (coef, (l, h))| {
            let (a, z) = (coef * l, coef * h);
            (low + a.min(z), high + a.max(z))
        })
}
