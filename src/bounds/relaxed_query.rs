//! A query's steps in f64, each coefficient with a bound on how far it is from the exact
//! rational it stands for: the form every bound method walks through.

use super::rounding::{gamma, magnitude, mul0};
use crate::query::{Query, Step, VarId};
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};

/// A coefficient: the f64 nearest the exact value, and `|exact − value| ≤ error`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Coeff {
    pub value: f64,
    pub error: f64,
}

impl Coeff {
    /// The f64 nearest `q`, with the distance rounded up (zero when `q` is an f64).
    pub fn of(q: &BigRational) -> Coeff {
        if let Some(value) = exact_f64(q) {
            return Coeff { value, error: 0.0 };
        }
        let value = q.to_f64().unwrap_or(f64::NAN);
        let Some(exact) = BigRational::from_float(value) else {
            return Coeff {
                value: 0.0,
                error: f64::INFINITY,
            };
        };
        let diff = (&exact - q).abs();
        let error = if diff.is_zero() {
            0.0
        } else {
            diff.to_f64().map_or(f64::INFINITY, f64::next_up)
        };
        Coeff { value, error }
    }
}

/// `q` as an f64 when it is one and cheaply seen to be: `n / 2^k` with `|n| < 2^53` and a
/// normal result (every weight of a float network is), with no big-integer arithmetic.
fn exact_f64(q: &BigRational) -> Option<f64> {
    let n = q.numer().to_i64()?;
    let d = q.denom();
    let k = d.bits().checked_sub(1)?;
    if n.unsigned_abs() >= 1 << 53 || d.trailing_zeros() != Some(k) || k > 1000 {
        return None;
    }
    let value = n as f64 * 2f64.powi(-(k as i32));
    (value == 0.0 || value.abs() >= f64::MIN_POSITIVE).then_some(value)
}

/// `var = Σ coeff·term + constant`, in f64.
#[derive(Debug, Clone)]
pub(crate) struct FloatDefinition {
    pub var: VarId,
    pub terms: Vec<(VarId, Coeff)>,
    pub constant: Coeff,
    /// The same terms as one run, when they are the consecutive variables `first, first + 1,
    /// …` (a dense layer's) and every coefficient is an f64 exactly: the hot loops then walk
    /// plain slices.
    pub dense: Option<DenseTerms>,
}

/// Terms over consecutive variables starting at `first`, with exact f64 coefficients.
#[derive(Debug, Clone)]
pub(crate) struct DenseTerms {
    pub first: VarId,
    pub values: Vec<f64>,
}

impl FloatDefinition {
    pub fn new(var: VarId, terms: Vec<(VarId, Coeff)>, constant: Coeff) -> FloatDefinition {
        let consecutive = terms.windows(2).all(|w| w[1].0 == w[0].0 + 1);
        let exact = terms.iter().all(|(_, c)| c.error == 0.0);
        let dense = (consecutive && exact && !terms.is_empty()).then(|| DenseTerms {
            first: terms[0].0,
            values: terms.iter().map(|(_, c)| c.value).collect(),
        });
        FloatDefinition {
            var,
            terms,
            constant,
            dense,
        }
    }
}

/// One step, in evaluation order.
#[derive(Debug, Clone)]
pub(crate) enum FloatStep {
    Define(FloatDefinition),
    Relu { pre: VarId, post: VarId },
}

/// A linear function `Σ coeff·var` of a query's variables, with each coefficient's error.
#[derive(Debug, Clone)]
pub struct Objective {
    pub(crate) terms: Vec<(VarId, Coeff)>,
}

impl Objective {
    /// `Σ coeff·var` from exact coefficients.
    pub fn new(terms: &[(VarId, BigRational)]) -> Objective {
        Objective {
            terms: terms.iter().map(|(v, c)| (*v, Coeff::of(c))).collect(),
        }
    }

    /// A single variable, `var` (or `−var` when `negated`).
    pub fn var(var: VarId, negated: bool) -> Objective {
        let value = if negated { -1.0 } else { 1.0 };
        Objective {
            terms: vec![(var, Coeff { value, error: 0.0 })],
        }
    }

    /// `−self`.
    pub fn negated(&self) -> Objective {
        Objective {
            terms: self
                .terms
                .iter()
                .map(|(v, c)| {
                    let c = Coeff {
                        value: -c.value,
                        error: c.error,
                    };
                    (*v, c)
                })
                .collect(),
        }
    }
}

/// A query (network part) in f64, and the facts about its shape the error model needs.
#[derive(Debug, Clone)]
pub struct RelaxedQuery {
    pub(crate) num_vars: usize,
    pub(crate) inputs: Vec<VarId>,
    pub(crate) outputs: Vec<VarId>,
    pub(crate) steps: Vec<FloatStep>,
    /// For each variable, the step that defines it (`None` for inputs).
    pub(crate) step_of: Vec<Option<usize>>,
    /// For each ReLU's pre-activation variable, the index of that ReLU (in step order).
    pub(crate) relu_of_pre: Vec<Option<usize>>,
    pub(crate) num_relus: usize,
    /// `γ` for every accumulation a bound performs (see [`Self::new`]).
    pub(crate) gamma: f64,
}

impl RelaxedQuery {
    /// The f64 form of `query`'s steps (its bounds and atoms are not part of it).
    ///
    /// Every sum a bound method computes has at most `N` terms, where `N` is the largest of:
    /// the number of terms of a definition plus one, the number of steps that use one variable
    /// plus two (coefficients accumulate once per use, plus the objective's own), and the number
    /// of steps plus inputs plus two (the constant of a back-substituted bound gathers one term
    /// per step). One `γ_N` then bounds the relative error of all of them.
    pub fn new(query: &Query) -> RelaxedQuery {
        let n = query.num_vars();
        let mut step_of = vec![None; n];
        let mut relu_of_pre = vec![None; n];
        let mut uses = vec![0usize; n];
        let mut steps = Vec::with_capacity(query.steps.len());
        let mut widest = 0;
        let mut num_relus = 0;
        for (i, step) in query.steps.iter().enumerate() {
            match step {
                Step::Define(d) => {
                    step_of[d.var] = Some(i);
                    widest = widest.max(d.terms.len() + 1);
                    for (t, _) in &d.terms {
                        uses[*t] += 1;
                    }
                    steps.push(FloatStep::Define(FloatDefinition::new(
                        d.var,
                        d.terms.iter().map(|(t, c)| (*t, Coeff::of(c))).collect(),
                        Coeff::of(&d.constant),
                    )));
                }
                Step::Relu(r) => {
                    step_of[r.post] = Some(i);
                    relu_of_pre[r.pre] = Some(num_relus);
                    num_relus += 1;
                    uses[r.pre] += 1;
                    steps.push(FloatStep::Relu {
                        pre: r.pre,
                        post: r.post,
                    });
                }
            }
        }
        let most_uses = uses.iter().copied().max().unwrap_or(0) + 2;
        let terms = widest
            .max(most_uses)
            .max(steps.len() + query.inputs.len() + 2);
        RelaxedQuery {
            num_vars: n,
            inputs: query.inputs.clone(),
            outputs: query.outputs.clone(),
            steps,
            step_of,
            relu_of_pre,
            num_relus,
            gamma: gamma(terms),
        }
    }

    pub fn num_vars(&self) -> usize {
        self.num_vars
    }

    pub fn inputs(&self) -> &[VarId] {
        &self.inputs
    }

    pub fn outputs(&self) -> &[VarId] {
        &self.outputs
    }

    pub fn num_relus(&self) -> usize {
        self.num_relus
    }

    /// `(pre, post)` of every ReLU, in step order (the order ReLU indices count in).
    pub fn relus(&self) -> impl Iterator<Item = (VarId, VarId)> + '_ {
        self.steps.iter().filter_map(|s| match s {
            FloatStep::Relu { pre, post } => Some((*pre, *post)),
            FloatStep::Define(_) => None,
        })
    }

    /// Every variable's value when the inputs take `inputs`, in plain f64 (the nearest f64 of
    /// each coefficient, no error bound): a quick screen for candidate points, which an exact
    /// evaluation must confirm.
    pub fn evaluate(&self, inputs: &[f64]) -> Vec<f64> {
        let mut value = vec![0.0f64; self.num_vars];
        for (&x, &v) in self.inputs.iter().zip(inputs) {
            value[x] = v;
        }
        for step in &self.steps {
            match step {
                FloatStep::Define(d) => {
                    value[d.var] = d.constant.value
                        + d.terms
                            .iter()
                            .map(|(t, c)| c.value * value[*t])
                            .sum::<f64>();
                }
                FloatStep::Relu { pre, post } => value[*post] = value[*pre].max(0.0),
            }
        }
        value
    }

    /// The gradient with respect to the inputs (in input order) of `Σ weight·var` over
    /// `objective`, at the point whose values [`RelaxedQuery::evaluate`] gave; a ReLU passes
    /// the gradient where its input is positive.
    pub fn gradient(&self, values: &[f64], objective: &[(VarId, f64)]) -> Vec<f64> {
        let mut g = vec![0.0f64; self.num_vars];
        for &(v, w) in objective {
            g[v] += w;
        }
        for step in self.steps.iter().rev() {
            match step {
                FloatStep::Define(d) => {
                    let gv = g[d.var];
                    if gv != 0.0 {
                        for (t, c) in &d.terms {
                            g[*t] += c.value * gv;
                        }
                    }
                }
                FloatStep::Relu { pre, post } => {
                    if values[*pre] > 0.0 {
                        g[*pre] += g[*post];
                    }
                }
            }
        }
        self.inputs.iter().map(|&x| g[x]).collect()
    }
}

/// `Σ coeff·term + constant` over intervals: `(lower value, upper value, rounding error)`.
/// The error covers the f64 sums (`γ` relative to the magnitudes) and the coefficients'
/// distance from their exact values.
pub(crate) fn interval_sum(
    terms: &[(VarId, Coeff)],
    constant: Coeff,
    lower: &[f64],
    upper: &[f64],
    gamma: f64,
) -> (f64, f64, f64) {
    let mut lo = constant.value;
    let mut hi = constant.value;
    let mut scale = constant.value.abs();
    let mut slack = constant.error;
    for (t, c) in terms {
        let (l, u) = (lower[*t], upper[*t]);
        let (for_lo, for_hi) = if c.value >= 0.0 { (l, u) } else { (u, l) };
        lo += mul0(c.value, for_lo);
        hi += mul0(c.value, for_hi);
        let m = magnitude(l, u);
        scale += mul0(c.value.abs(), m);
        slack += mul0(c.error, m);
    }
    (lo, hi, super::rounding::error(gamma, scale, slack))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_know_their_distance_from_the_exact_value() {
        let third = BigRational::new(1.into(), 3.into());
        let c = Coeff::of(&third);
        assert!(c.error > 0.0 && c.error < 1e-16);
        let exact = BigRational::from_float(c.value).unwrap();
        assert!((exact - &third).abs() <= BigRational::from_float(c.error).unwrap());
        let half = Coeff::of(&BigRational::new(1.into(), 2.into()));
        assert_eq!((half.value, half.error), (0.5, 0.0));
        for v in [0.1f64, -3.75e-30, 1e300, 123456789.0, 0.0, 2.5e-310] {
            let c = Coeff::of(&BigRational::from_float(v).unwrap());
            assert_eq!((c.value, c.error), (v, 0.0), "{v}");
        }
    }
}
