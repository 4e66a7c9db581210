//! Forward and backward passes over the network IR in f64: the gradient of any linear
//! function of the outputs with respect to the inputs, for attacks.

use crate::network::{ElementwiseOp, LayerKind, Network};

/// The values entering each layer on one forward pass, and the output.
#[derive(Debug, Clone)]
pub struct Trace {
    layer_inputs: Vec<Vec<f64>>,
    pub output: Vec<f64>,
}

impl Trace {
    /// The values entering layer `index` of the network (for a ReLU layer, the
    /// pre-activations `u` of its neurons).
    pub fn layer_input(&self, index: usize) -> &[f64] {
        &self.layer_inputs[index]
    }
}

/// Runs `x` forward, keeping what the backward pass needs. `x` must have the network's input
/// size (attacks only pass points of the property's box, which has it).
pub fn forward(net: &Network, x: &[f64]) -> Trace {
    let mut layer_inputs = Vec::with_capacity(net.layers().len());
    let mut v = x.to_vec();
    for layer in net.layers() {
        let next = match &layer.kind {
            LayerKind::Affine(a) => (0..a.weights.rows())
                .map(|r| {
                    a.weights
                        .row(r)
                        .iter()
                        .zip(&v)
                        .map(|(w, x)| w * x)
                        .sum::<f64>()
                        + a.bias[r]
                })
                .collect(),
            LayerKind::Elementwise(e) => v
                .iter()
                .zip(&e.operand)
                .map(|(x, c)| match e.op {
                    ElementwiseOp::Add => x + c,
                    ElementwiseOp::Mul => x * c,
                    ElementwiseOp::Div => x / c,
                })
                .collect(),
            LayerKind::Relu => v.iter().map(|x| x.max(0.0)).collect(),
            LayerKind::Sign => v
                .iter()
                .map(|x| if *x >= 0.0 { 1.0 } else { -1.0 })
                .collect(),
            LayerKind::Signum => v
                .iter()
                .map(|x| x.signum() * f64::from(*x != 0.0))
                .collect(),
            LayerKind::Round => v.iter().map(|x| x.round_ties_even()).collect(),
            LayerKind::Clamp(c) => v
                .iter()
                .zip(c.lower.iter().zip(&c.upper))
                .map(|(x, (lo, hi))| x.max(*lo).min(*hi))
                .collect(),
        };
        layer_inputs.push(std::mem::replace(&mut v, next));
    }
    Trace {
        layer_inputs,
        output: v,
    }
}

/// `∂(g·y)/∂x` at the traced point, for output weights `g` (ReLUs and clamps pass the gradient
/// where they are strictly inside their linear piece).
pub fn backward(net: &Network, trace: &Trace, g: &[f64]) -> Vec<f64> {
    backward_surrogate(net, trace, g, 0.0)
}

/// [`backward`] with a surrogate slope `leak` for inactive ReLUs: they pass `leak` times the
/// gradient instead of nothing, as if they were leaky. With `leak = 0` it is the true
/// gradient. Where most of the network is dead (ACAS Xu's outputs are constant over much of
/// the input space) the true gradient is zero and ascent cannot move; the surrogate still
/// points to where waking neurons up raises the margin.
pub fn backward_surrogate(net: &Network, trace: &Trace, g: &[f64], leak: f64) -> Vec<f64> {
    backward_below(net, trace, net.layers().len(), g, leak)
}

/// `∂(g·z)/∂x` for `z` the values entering layer `upto` (a hidden layer's pre-activations,
/// when `upto` is a ReLU layer), through layers `0..upto` only, with [`backward_surrogate`]'s
/// `leak`. `upto = ` the number of layers gives the gradient of the outputs.
pub fn backward_below(net: &Network, trace: &Trace, upto: usize, g: &[f64], leak: f64) -> Vec<f64> {
    let mut d = g.to_vec();
    let below = net.layers().iter().zip(&trace.layer_inputs).take(upto);
    for (layer, input) in below.rev() {
        d = match &layer.kind {
            LayerKind::Affine(a) => {
                let mut out = vec![0.0; a.weights.cols()];
                for (r, dr) in d.iter().enumerate() {
                    if *dr != 0.0 {
                        for (o, w) in out.iter_mut().zip(a.weights.row(r)) {
                            *o += w * dr;
                        }
                    }
                }
                out
            }
            LayerKind::Elementwise(e) => d
                .iter()
                .zip(&e.operand)
                .map(|(dv, c)| match e.op {
                    ElementwiseOp::Add => *dv,
                    ElementwiseOp::Mul => dv * c,
                    ElementwiseOp::Div => dv / c,
                })
                .collect(),
            LayerKind::Relu => d
                .iter()
                .zip(input)
                .map(|(dv, x)| if *x > 0.0 { *dv } else { leak * dv })
                .collect(),
            // The straight-through estimator (as BNNs are trained): the gradient of the
            // hard tanh, 1 on [-1, 1] and 0 outside.
            LayerKind::Sign | LayerKind::Signum => d
                .iter()
                .zip(input)
                .map(|(dv, x)| if x.abs() <= 1.0 { *dv } else { 0.0 })
                .collect(),
            // The straight-through estimator again: rounding passes the gradient unchanged.
            LayerKind::Round => d,
            LayerKind::Clamp(c) => d
                .iter()
                .zip(input)
                .zip(c.lower.iter().zip(&c.upper))
                .map(|((dv, x), (lo, hi))| if x > lo && x < hi { *dv } else { 0.0 })
                .collect(),
        };
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Affine, Layer, Matrix, Precision, Provenance};

    /// The analytic gradient matches central finite differences on a small network.
    #[test]
    fn gradients_match_finite_differences() {
        let layer = |kind, width| Layer {
            kind,
            output_shape: vec![width],
            origin: "test".into(),
        };
        let w1 = Matrix::from_row_major(3, 2, vec![1.0, -2.0, 0.5, 0.25, -1.0, 1.5]).unwrap();
        let w2 = Matrix::from_row_major(2, 3, vec![1.0, 2.0, -1.0, 0.5, -0.5, 3.0]).unwrap();
        let layers = vec![
            layer(
                LayerKind::Affine(Affine {
                    weights: w1,
                    bias: vec![0.1, -0.2, 0.3],
                }),
                3,
            ),
            layer(LayerKind::Relu, 3),
            layer(
                LayerKind::Affine(Affine {
                    weights: w2,
                    bias: vec![0.0, 1.0],
                }),
                2,
            ),
        ];
        let net =
            Network::new(vec![2], layers, vec![2], Provenance::memory(Precision::F64)).unwrap();
        let x = [0.3, -0.7];
        let g = [1.0, -2.0];
        let grad = backward(&net, &forward(&net, &x), &g);
        let f = |x: &[f64]| {
            let y = forward(&net, x).output;
            g[0] * y[0] + g[1] * y[1]
        };
        for i in 0..2 {
            let h = 1e-6;
            let (mut a, mut b) = (x, x);
            a[i] += h;
            b[i] -= h;
            let numeric = (f(&a) - f(&b)) / (2.0 * h);
            assert!(
                (numeric - grad[i]).abs() < 1e-6,
                "{i}: {numeric} vs {}",
                grad[i]
            );
        }
        assert_eq!(forward(&net, &x).output, net.eval(&x).unwrap());
        // A hidden pre-activation: layer 1 (the ReLU) receives `u = W1 x + b1`, so the
        // gradient of `u_2` is row 2 of W1.
        let trace = forward(&net, &x);
        let du = backward_below(&net, &trace, 1, &[0.0, 0.0, 1.0], 0.0);
        assert_eq!(du, vec![-1.0, 1.5]);
        assert_eq!(trace.layer_input(1).len(), 3);
    }
}
