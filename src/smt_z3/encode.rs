//! Encoding a network's layers as linear real arithmetic constraints with ReLUs as `ite`.

use super::numeral::real_from_rational;
use crate::network::{ElementwiseOp, LayerKind, Network};
use num_rational::BigRational;
use num_traits::Zero;
use z3::ast::Real;
use z3::Solver;

/// The Z3 variables standing for a network's inputs and outputs.
pub struct Z3Network {
    pub inputs: Vec<Real>,
    pub outputs: Vec<Real>,
}

/// The exact rational value of a weight (finite by [`Network::new`]'s checks).
fn exact(v: f64) -> BigRational {
    BigRational::from_float(v).unwrap_or_else(BigRational::zero)
}

/// Asserts `outputs = net(inputs)` into `solver` over fresh real variables named with `prefix`.
///
/// Each layer's outputs get variables of their own (`{prefix}l{k}_{i}`) defined by an
/// equality, so that terms stay small and a model shows every neuron's value. Zero weights
/// are skipped.
pub fn encode_network(net: &Network, solver: &Solver, prefix: &str) -> Z3Network {
    let inputs: Vec<Real> = (0..net.num_inputs())
        .map(|i| Real::new_const(format!("{prefix}x_{i}")))
        .collect();
    let zero = Real::from_rational(0, 1);
    let mut current = inputs.clone();
    for (k, layer) in net.layers().iter().enumerate() {
        let exprs: Vec<Real> = match &layer.kind {
            LayerKind::Affine(a) => (0..a.weights.rows())
                .map(|r| {
                    let mut terms: Vec<Real> = a
                        .weights
                        .row(r)
                        .iter()
                        .zip(&current)
                        .filter(|(w, _)| **w != 0.0)
                        .map(|(w, x)| real_from_rational(&exact(*w)) * x)
                        .collect();
                    terms.push(real_from_rational(&exact(a.bias[r])));
                    Real::add(&terms)
                })
                .collect(),
            LayerKind::Elementwise(e) => current
                .iter()
                .zip(&e.operand)
                .map(|(x, c)| {
                    let c = exact(*c);
                    match e.op {
                        ElementwiseOp::Add => x + real_from_rational(&c),
                        ElementwiseOp::Mul => x * real_from_rational(&c),
                        // x / c = x · (1/c) exactly over the rationals; c ≠ 0 by Network::new.
                        ElementwiseOp::Div => x * real_from_rational(&c.recip()),
                    }
                })
                .collect(),
            LayerKind::Relu => current.iter().map(|x| x.gt(&zero).ite(x, &zero)).collect(),
            LayerKind::Clamp(c) => current
                .iter()
                .zip(c.lower.iter().zip(&c.upper))
                .map(|(x, (lo, hi))| {
                    let (lo, hi) = (
                        real_from_rational(&exact(*lo)),
                        real_from_rational(&exact(*hi)),
                    );
                    x.lt(&lo).ite(&lo, &x.gt(&hi).ite(&hi, x))
                })
                .collect(),
        };
        current = exprs
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let v = Real::new_const(format!("{prefix}l{k}_{i}"));
                solver.assert(v.eq(&e));
                v
            })
            .collect();
    }
    Z3Network {
        inputs,
        outputs: current,
    }
}
