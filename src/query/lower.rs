//! Lowering a network (as read) and a property sub-problem into a [`Query`].

use super::{Atom, AtomOrigin, Definition, Query, Relu, Step, VarId};
use crate::network::{ElementwiseOp, LayerKind, Network};
use crate::spec::{LinearConstraint, SubProblem};
use num_rational::BigRational;
use num_traits::{One, Zero};

/// Why a network and a property do not make a query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the property speaks of {property} inputs but the network has {network}")]
    InputCount { property: usize, network: usize },
    #[error("the property speaks of {property} outputs but the network has {network}")]
    OutputCount { property: usize, network: usize },
    #[error(
        "layer {layer} ({origin}) is a sign activation: this is a binarised network, which \
         the linear-arithmetic engines (dpllt, z3) cannot encode exactly; it needs a SAT \
         encoding, which vera does not have yet"
    )]
    SignLayer { layer: usize, origin: String },
    #[error(
        "layer {layer} ({origin}) rounds to integers (an input quantiser): the linear-arithmetic \
         engines and bound propagation cannot encode it exactly; binarised networks over \
         quantised inputs are decided on their folded form (--engine sat, or --engine z3)"
    )]
    RoundLayer { layer: usize, origin: String },
}

/// The exact value of a weight (finite, by [`Network::new`]).
fn exact(v: f64) -> BigRational {
    <BigRational as crate::network::Scalar>::from_f64(v)
}

/// Builds the query under construction, one variable at a time.
struct Builder {
    names: Vec<String>,
    steps: Vec<Step>,
}

impl Builder {
    fn var(&mut self, name: String) -> VarId {
        self.names.push(name);
        self.names.len() - 1
    }

    fn define(
        &mut self,
        name: String,
        terms: Vec<(VarId, BigRational)>,
        constant: BigRational,
    ) -> VarId {
        let var = self.var(name);
        let terms = terms.into_iter().filter(|(_, c)| !c.is_zero()).collect();
        self.steps.push(Step::Define(Definition {
            var,
            terms,
            constant,
        }));
        var
    }

    fn relu(&mut self, name: String, pre: VarId) -> VarId {
        let post = self.var(name);
        self.steps.push(Step::Relu(Relu { pre, post }));
        post
    }
}

fn atom(c: &LinearConstraint, vars: &[VarId], origin: AtomOrigin) -> Atom {
    Atom {
        terms: c
            .terms()
            .iter()
            .map(|(i, a)| (vars[*i], a.clone()))
            .collect(),
        relation: c.relation(),
        bound: c.bound().clone(),
        origin,
    }
}

impl Query {
    /// Lowers `net` and one sub-problem of a property, with interval bounds (see
    /// `bounds::tighten_query` for tighter ones).
    pub fn new(net: &Network, sub: &SubProblem) -> Result<Query, QueryError> {
        let box_ = &sub.inputs.bounds;
        if box_.num_inputs() != net.num_inputs() {
            return Err(QueryError::InputCount {
                property: box_.num_inputs(),
                network: net.num_inputs(),
            });
        }
        let mut b = Builder {
            names: Vec::new(),
            steps: Vec::new(),
        };
        let inputs: Vec<VarId> = (0..net.num_inputs())
            .map(|i| b.var(format!("x{i}")))
            .collect();
        let mut current = inputs.clone();
        // Clamp outputs and their range: implied by their definition, but lost by interval
        // arithmetic over `lo + relu(x - lo) - relu(x - hi)`, so stated as bounds.
        let mut clamped: Vec<(VarId, BigRational, BigRational)> = Vec::new();
        for (k, layer) in net.layers().iter().enumerate() {
            let name = |i: usize| format!("n{k}_{i}");
            current = match &layer.kind {
                LayerKind::Sign | LayerKind::Signum => {
                    return Err(QueryError::SignLayer {
                        layer: k,
                        origin: layer.origin.clone(),
                    })
                }
                LayerKind::Round => {
                    return Err(QueryError::RoundLayer {
                        layer: k,
                        origin: layer.origin.clone(),
                    })
                }
                LayerKind::Affine(a) => (0..a.weights.rows())
                    .map(|r| {
                        let terms = a
                            .weights
                            .row(r)
                            .iter()
                            .zip(&current)
                            .map(|(w, v)| (*v, exact(*w)))
                            .collect();
                        b.define(name(r), terms, exact(a.bias[r]))
                    })
                    .collect(),
                LayerKind::Elementwise(e) => current
                    .iter()
                    .zip(&e.operand)
                    .enumerate()
                    .map(|(i, (v, c))| {
                        let c = exact(*c);
                        let (coeff, constant) = match e.op {
                            ElementwiseOp::Add => (BigRational::one(), c),
                            ElementwiseOp::Mul => (c, BigRational::zero()),
                            ElementwiseOp::Div => (c.recip(), BigRational::zero()),
                        };
                        b.define(name(i), vec![(*v, coeff)], constant)
                    })
                    .collect(),
                LayerKind::Relu => current
                    .iter()
                    .enumerate()
                    .map(|(i, v)| b.relu(name(i), *v))
                    .collect(),
                // clamp(x, lo, hi) = lo + relu(x - lo) - relu(x - hi), exactly.
                LayerKind::Clamp(c) => current
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let (lo, hi) = (exact(c.lower[i]), exact(c.upper[i]));
                        let one = BigRational::one();
                        let a =
                            b.define(format!("n{k}_{i}_lo"), vec![(*v, one.clone())], -lo.clone());
                        let ra = b.relu(format!("n{k}_{i}_rlo"), a);
                        let h = b.define(format!("n{k}_{i}_hi"), vec![(*v, one.clone())], -hi);
                        let rh = b.relu(format!("n{k}_{i}_rhi"), h);
                        let y = b.define(name(i), vec![(ra, one.clone()), (rh, -one)], lo.clone());
                        clamped.push((y, lo, exact(c.upper[i])));
                        y
                    })
                    .collect(),
            };
        }
        // Name the outputs after what they are.
        for (j, v) in current.iter().enumerate() {
            b.names[*v] = format!("y{j}");
        }
        let n = b.names.len();
        let mut lower = vec![None; n];
        let mut upper = vec![None; n];
        for (i, v) in inputs.iter().enumerate() {
            lower[*v] = box_.lower[i].clone();
            upper[*v] = box_.upper[i].clone();
        }
        for (v, lo, hi) in clamped {
            lower[v] = Some(lo);
            upper[v] = Some(hi);
        }
        let atoms: Vec<Atom> = sub
            .inputs
            .constraints
            .iter()
            .map(|c| atom(c, &inputs, AtomOrigin::Input))
            .collect();
        let mut query = Query {
            id: sub.id,
            names: b.names,
            inputs,
            outputs: current,
            lower,
            upper,
            steps: b.steps,
            atoms,
        };
        // Interval bounds in f64, rounded outward and stored exactly: exact rational intervals
        // would be sound too, but their numerals grow with every layer (thousands of digits deep
        // in a network), which costs more than everything else a query is used for. An empty
        // region keeps the crossing input bounds, which engines see.
        let _ = crate::bounds::tighten_query(&mut query, crate::bounds::Method::Interval);
        query.for_sub_problem(sub)
    }

    /// The same network and input polytope (with the bounds already computed, which depend on
    /// nothing else) asking about the unsafe outputs of `sub` instead: sub-problems that share
    /// a polytope share the costly bound tightening.
    pub fn for_sub_problem(&self, sub: &SubProblem) -> Result<Query, QueryError> {
        let max_output = sub
            .unsafe_outputs
            .atoms
            .iter()
            .map(|a| a.max_index() + 1)
            .max()
            .unwrap_or(0);
        if max_output > self.outputs.len() {
            return Err(QueryError::OutputCount {
                property: max_output,
                network: self.outputs.len(),
            });
        }
        let mut query = self.clone();
        query.id = sub.id;
        query.atoms.retain(|a| a.origin == AtomOrigin::Input);
        query.atoms.extend(
            sub.unsafe_outputs
                .atoms
                .iter()
                .map(|c| atom(c, &self.outputs, AtomOrigin::Output)),
        );
        Ok(query)
    }
}
