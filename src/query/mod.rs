//! The verification query: a network and one property sub-problem lowered to real variables,
//! bounds, linear definitions, ReLU pairs and linear atoms — what every engine solves.
//!
//! The lowering is exact: it starts from the network as read (no f64 folding), turns every
//! weight into its exact rational value and every property constant into the rational the
//! file wrote, so the query means exactly "some input of this polytope gives an unsafe output
//! of this network over the reals". Variable bounds are exact rationals too, but derived ones
//! come from the `bounds` module (f64 with outward rounding, each f64 an exact rational): they
//! are sound, and their numerals stay small.

mod compact;
mod lower;

pub use lower::QueryError;

use crate::spec::{Relation, SubProblemId};
use num_rational::BigRational;

/// A variable of a query.
pub type VarId = usize;

/// `var = Σ coeff·term + constant`: one neuron of an affine or elementwise layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub var: VarId,
    pub terms: Vec<(VarId, BigRational)>,
    pub constant: BigRational,
}

/// `post = max(0, pre)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relu {
    pub pre: VarId,
    pub post: VarId,
}

/// One step of the network, in evaluation order.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Define(Definition),
    Relu(Relu),
}

/// Where an atom comes from: the input polytope or the unsafe output condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtomOrigin {
    Input,
    Output,
}

/// `Σ coeff·var (<= | >=) bound`.
#[derive(Debug, Clone, PartialEq)]
pub struct Atom {
    pub terms: Vec<(VarId, BigRational)>,
    pub relation: Relation,
    pub bound: BigRational,
    pub origin: AtomOrigin,
}

/// A ReLU's phase as the bounds decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReluPhase {
    /// `pre >= 0` everywhere: `post = pre`.
    Active,
    /// `pre <= 0` everywhere: `post = 0`.
    Inactive,
    /// Both signs are possible.
    Unstable,
}

/// A network and one sub-problem of a property, as one satisfiability question: is there an
/// assignment satisfying the bounds, the steps and the atoms? (Yes means a counterexample.)
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Which sub-problem of the property this is.
    pub id: SubProblemId,
    /// A readable name per variable (`x3`, `n2_17`, `y0`), for logs and solvers.
    pub names: Vec<String>,
    pub inputs: Vec<VarId>,
    pub outputs: Vec<VarId>,
    /// Exact bounds per variable; `None` is unbounded.
    pub lower: Vec<Option<BigRational>>,
    pub upper: Vec<Option<BigRational>>,
    pub steps: Vec<Step>,
    pub atoms: Vec<Atom>,
}

impl Query {
    pub fn num_vars(&self) -> usize {
        self.names.len()
    }

    /// The value of every variable when the inputs take `inputs` (exactly): the steps run
    /// as a network would. Bounds and atoms are not checked.
    pub fn evaluate(&self, inputs: &[BigRational]) -> Vec<BigRational> {
        let zero = BigRational::from_integer(0.into());
        let mut values = vec![zero.clone(); self.num_vars()];
        for (v, x) in self.inputs.iter().zip(inputs) {
            values[*v] = x.clone();
        }
        for step in &self.steps {
            match step {
                Step::Define(d) => {
                    let mut sum = d.constant.clone();
                    for (t, c) in &d.terms {
                        sum += c * &values[*t];
                    }
                    values[d.var] = sum;
                }
                Step::Relu(r) => {
                    values[r.post] = if values[r.pre] > zero {
                        values[r.pre].clone()
                    } else {
                        zero.clone()
                    };
                }
            }
        }
        values
    }

    /// Whether `inputs` (exactly) lie within the query's input bounds and meet every atom: a
    /// counterexample of this sub-problem.
    pub fn satisfied_by(&self, inputs: &[BigRational]) -> bool {
        if inputs.len() != self.inputs.len() {
            return false;
        }
        let within = self.inputs.iter().zip(inputs).all(|(v, x)| {
            self.lower[*v].as_ref().is_none_or(|l| x >= l)
                && self.upper[*v].as_ref().is_none_or(|u| x <= u)
        });
        if !within {
            return false;
        }
        let values = self.evaluate(inputs);
        self.atoms.iter().all(|a| {
            let lhs: BigRational = a.terms.iter().map(|(v, c)| c * &values[*v]).sum();
            match a.relation {
                Relation::Le => lhs <= a.bound,
                Relation::Ge => lhs >= a.bound,
            }
        })
    }

    /// The ReLU constraints, in order.
    pub fn relus(&self) -> impl Iterator<Item = &Relu> {
        self.steps.iter().filter_map(|s| match s {
            Step::Relu(r) => Some(r),
            Step::Define(_) => None,
        })
    }

    /// The phase of a ReLU under the current bounds.
    pub fn phase(&self, relu: &Relu) -> ReluPhase {
        let zero = BigRational::from_integer(0.into());
        match (&self.lower[relu.pre], &self.upper[relu.pre]) {
            (Some(l), _) if *l >= zero => ReluPhase::Active,
            (_, Some(u)) if *u <= zero => ReluPhase::Inactive,
            _ => ReluPhase::Unstable,
        }
    }

    /// Counts of (active, inactive, unstable) ReLUs under the current bounds.
    pub fn phase_counts(&self) -> (usize, usize, usize) {
        self.relus()
            .fold((0, 0, 0), |(a, i, u), r| match self.phase(r) {
                ReluPhase::Active => (a + 1, i, u),
                ReluPhase::Inactive => (a, i + 1, u),
                ReluPhase::Unstable => (a, i, u + 1),
            })
    }

    /// A copy whose output atoms are moved inward by `delta·(1 + |bound|)`: a point that
    /// satisfies it satisfies the original with room to spare, which a witness needs to
    /// survive float32 re-execution.
    pub fn strengthened(&self, delta: &BigRational) -> Query {
        let one = BigRational::from_integer(1.into());
        let mut q = self.clone();
        for atom in q
            .atoms
            .iter_mut()
            .filter(|a| a.origin == AtomOrigin::Output)
        {
            let room = delta * (&one + num_traits::Signed::abs(&atom.bound));
            atom.bound = match atom.relation {
                Relation::Ge => &atom.bound + room,
                Relation::Le => &atom.bound - room,
            };
        }
        q
    }
}
