//! Eliminating what the bounds already decide: a query over its inputs and unstable ReLUs
//! only, every other variable substituted away exactly.
//!
//! Stable ReLUs are linear (`post = pre` or `post = 0`), so everything between two unstable
//! ReLUs is one affine map. Composing those maps exactly leaves a question with a handful of
//! variables where the original had hundreds; an exact solver (Z3) then works on a few
//! dense rows instead of eliminating hundreds of equalities itself, with its own bignum
//! pivots on every one.

use super::{Atom, Definition, Query, Relu, ReluPhase, Step, VarId};
use num_rational::BigRational;
use num_traits::Zero;

/// `Σ coeffs[i]·basis_i + constant`, over the compact query's variables.
#[derive(Debug, Clone)]
struct Affine {
    coeffs: Vec<BigRational>,
    constant: BigRational,
}

impl Affine {
    fn constant(c: BigRational) -> Affine {
        Affine {
            coeffs: Vec::new(),
            constant: c,
        }
    }

    fn var(v: VarId) -> Affine {
        let mut coeffs = vec![BigRational::zero(); v + 1];
        coeffs[v] = BigRational::from_integer(1.into());
        Affine {
            coeffs,
            constant: BigRational::zero(),
        }
    }

    /// `self += k·other`.
    fn add_scaled(&mut self, k: &BigRational, other: &Affine) {
        if self.coeffs.len() < other.coeffs.len() {
            self.coeffs.resize(other.coeffs.len(), BigRational::zero());
        }
        for (a, b) in self.coeffs.iter_mut().zip(&other.coeffs) {
            if !b.is_zero() {
                *a += k * b;
            }
        }
        self.constant += k * &other.constant;
    }

    fn terms(&self) -> Vec<(VarId, BigRational)> {
        self.coeffs
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_zero())
            .map(|(v, c)| (v, c.clone()))
            .collect()
    }
}

impl Query {
    /// The same question with every stable ReLU and every definition substituted away: the
    /// variables left are the inputs, each unstable ReLU's pre- and post-activation, and the
    /// outputs (inputs and outputs keep their order, so witnesses read the same). Exact.
    pub fn compacted(&self) -> Query {
        let mut names = Vec::new();
        let mut lower = Vec::new();
        let mut upper = Vec::new();
        let mut steps = Vec::new();
        let mut keep = |old: VarId, names: &mut Vec<String>| {
            names.push(self.names[old].clone());
            lower.push(self.lower[old].clone());
            upper.push(self.upper[old].clone());
            names.len() - 1
        };
        let mut expr: Vec<Option<Affine>> = vec![None; self.num_vars()];
        let inputs: Vec<VarId> = self
            .inputs
            .iter()
            .map(|&x| {
                let v = keep(x, &mut names);
                expr[x] = Some(Affine::var(v));
                v
            })
            .collect();
        let zero = Affine::constant(BigRational::zero());
        let value = |expr: &[Option<Affine>], v: VarId| expr[v].clone().unwrap_or(zero.clone());
        for step in &self.steps {
            match step {
                Step::Define(d) => {
                    let mut e = Affine::constant(d.constant.clone());
                    for (t, c) in &d.terms {
                        if let Some(te) = &expr[*t] {
                            e.add_scaled(c, te);
                        }
                    }
                    expr[d.var] = Some(e);
                }
                Step::Relu(r) => {
                    expr[r.post] = Some(match self.phase(r) {
                        ReluPhase::Active => value(&expr, r.pre),
                        ReluPhase::Inactive => zero.clone(),
                        ReluPhase::Unstable => {
                            let e = value(&expr, r.pre);
                            let pre = keep(r.pre, &mut names);
                            steps.push(Step::Define(Definition {
                                var: pre,
                                terms: e.terms(),
                                constant: e.constant,
                            }));
                            let post = keep(r.post, &mut names);
                            steps.push(Step::Relu(Relu { pre, post }));
                            Affine::var(post)
                        }
                    });
                }
            }
        }
        let outputs: Vec<VarId> = self
            .outputs
            .iter()
            .map(|&y| {
                let e = value(&expr, y);
                let v = keep(y, &mut names);
                steps.push(Step::Define(Definition {
                    var: v,
                    terms: e.terms(),
                    constant: e.constant,
                }));
                v
            })
            .collect();
        let atoms = self
            .atoms
            .iter()
            .map(|a| {
                let mut e = Affine::constant(BigRational::zero());
                for (v, c) in &a.terms {
                    e.add_scaled(c, &value(&expr, *v));
                }
                Atom {
                    terms: e.terms(),
                    relation: a.relation,
                    bound: &a.bound - &e.constant,
                    origin: a.origin,
                }
            })
            .collect();
        Query {
            id: self.id,
            names,
            inputs,
            outputs,
            lower,
            upper,
            steps,
            atoms,
        }
    }
}
