//! Stepping stones for the sign-sign objectives the LPs leave open: from a test, projected
//! sign-gradient descent on `|u_i| + |u_j|`, each term's gradient normalised (the condition neuron `i` of layer `k` and the
//! decision neuron `j` of layer `k + 1`) to an input near where both change sign. An LP keeps
//! its first test's linear region below layer `k`; a test near that corner has a region in
//! which the pair the objective needs often exists, where the tests that were near either sign
//! change alone had none (on `mnist_67_22_63`, `(2, 46) → logit 0` was refuted from every one
//! of 2,856 tests, and is feasible from 14 of the stones of its 15 nearest tests; from another
//! run's pool, 15 of 20; 1 of 20 without the normalisation).

use super::Generator;
use crate::falsify::{backward_below, forward};

/// Descent steps per stone.
pub const STONE_STEPS: usize = 300;

/// The step, as a fraction of each input's range (`2/1000`: half a pixel level of an image).
pub const STONE_STEP: f64 = 0.002;

/// The descent stops once both pre-activations are this close to 0.
pub const STONE_NEAR: f64 = 1e-3;

/// The stone for condition `(k, i)` and decision `j` from `x0`, in f64, inside the input
/// range; `at` as [`super::linear_region::feature_positions`] gives it. The descent ends after [`STONE_STEPS`], once
/// both values are within [`STONE_NEAR`] of 0, or where the gradient vanishes.
pub fn stone(
    gen: &Generator,
    at: &[usize],
    (k, i, j): (usize, usize, usize),
    x0: &[f64],
) -> Vec<f64> {
    let net = gen.net;
    let mut x = x0.to_vec();
    let value = |t: &crate::falsify::Trace, l: usize, n: usize| {
        if at[l] == net.layers().len() {
            t.output[n]
        } else {
            t.layer_input(at[l])[n]
        }
    };
    for _ in 0..STONE_STEPS {
        let trace = forward(net, &x);
        let (ui, uj) = (value(&trace, k, i), value(&trace, k + 1, j));
        if ui.abs() < STONE_NEAR && uj.abs() < STONE_NEAR {
            break;
        }
        let unit = |width: usize, n: usize, sign: f64| {
            let mut g = vec![0.0; width];
            g[n] = sign;
            g
        };
        let width = |l: usize| {
            if at[l] == net.layers().len() {
                trace.output.len()
            } else {
                trace.layer_input(at[l]).len()
            }
        };
        let gi = backward_below(net, &trace, at[k], &unit(width(k), i, ui.signum()), 0.0);
        let gj = backward_below(
            net,
            &trace,
            at[k + 1],
            &unit(width(k + 1), j, uj.signum()),
            0.0,
        );
        // Each term's gradient at unit L1 norm: otherwise the larger one (on MNIST MLPs a
        // logit's, several times a hidden neuron's) decides every pixel's step and the other
        // value stalls.
        let norm = |g: &[f64]| {
            g.iter()
                .map(|v| v.abs())
                .sum::<f64>()
                .max(f64::MIN_POSITIVE)
        };
        let (ni, nj) = (norm(&gi), norm(&gj));
        let mut moved = false;
        for (n, xn) in x.iter_mut().enumerate() {
            let d = gi[n] / ni + gj[n] / nj;
            if d == 0.0 {
                continue;
            }
            let (lo, hi) = (gen.lower[n], gen.upper[n]);
            let y = (*xn - STONE_STEP * (hi - lo) * d.signum()).clamp(lo, hi);
            moved |= y != *xn;
            *xn = y;
        }
        if !moved {
            break;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::super::linear_region::feature_positions;
    use super::*;
    use crate::network::{Affine, Layer, LayerKind, Matrix, Network, Precision, Provenance};
    use std::time::Instant;

    #[test]
    fn the_descent_reaches_both_sign_changes() {
        // 2 -> 2 -> relu -> 1: u_0 = x0 - 0.3, u_1 = x1 - 0.6, y = v_1 - 0.2 + 0 v_0.
        let w1 = Matrix::from_row_major(2, 2, vec![1.0, 0.0, 0.0, 1.0]).unwrap();
        let w2 = Matrix::from_row_major(1, 2, vec![0.0, 1.0]).unwrap();
        let layers = vec![
            Layer::in_memory(
                LayerKind::Affine(Affine {
                    weights: w1,
                    bias: vec![-0.3, -0.6],
                }),
                2,
            ),
            Layer::in_memory(LayerKind::Relu, 2),
            Layer::in_memory(
                LayerKind::Affine(Affine {
                    weights: w2,
                    bias: vec![-0.2],
                }),
                1,
            ),
        ];
        let net =
            Network::new(vec![2], layers, vec![1], Provenance::memory(Precision::F64)).unwrap();
        let progress = |_| {};
        let gen = Generator {
            net: &net,
            lower: vec![0.0; 2],
            upper: vec![1.0; 2],
            threads: 1,
            deadline: Instant::now(),
            progress: &progress,
        };
        let at = feature_positions(&net);
        assert_eq!(at, vec![1, 3]);
        // From (0.9, 0.9): u_0 = 0.6 and y = 0.1; both reach 0, at x = (0.3, 0.8), to within
        // a step (the descent then steps back and forth across 0).
        let x = stone(&gen, &at, (0, 0, 0), &[0.9, 0.9]);
        let t = forward(&net, &x);
        let u0 = t.layer_input(1)[0];
        let y = t.output[0];
        assert!(u0.abs() <= 2.0 * STONE_STEP, "u_0 = {u0} at {x:?}");
        assert!(y.abs() <= 2.0 * STONE_STEP, "y = {y} at {x:?}");
        assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
