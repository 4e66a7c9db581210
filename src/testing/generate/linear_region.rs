//! A network's linear region: with the phase of every ReLU up to some layer fixed, each
//! pre-activation up to the next layer is an affine function of the input. These maps, in f64
//! over the file's weights, are what the concolic generator's linear programs constrain.

use super::GenerateError;
use crate::network::{ElementwiseOp, LayerKind, Network};

/// `u = rows · x + constant`, one row (over every input) per neuron of a layer.
#[derive(Debug, Clone, PartialEq)]
pub struct AffineMap {
    pub rows: Vec<Vec<f64>>,
    pub constant: Vec<f64>,
}

impl AffineMap {
    /// The map's value at `x`.
    pub fn eval(&self, x: &[f64]) -> Vec<f64> {
        self.rows
            .iter()
            .zip(&self.constant)
            .map(|(r, c)| r.iter().zip(x).map(|(a, v)| a * v).sum::<f64>() + c)
            .collect()
    }
}

/// Where each feature layer's pre-activations enter the network's layers: the ReLU layers,
/// then the output (the number of layers).
pub fn feature_positions(net: &Network) -> Vec<usize> {
    let mut at: Vec<usize> = net
        .layers()
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l.kind, LayerKind::Relu))
        .map(|(i, _)| i)
        .collect();
    at.push(net.layers().len());
    at
}

/// The pre-activation maps of the feature layers `0..count` (the hidden layers, numbered from
/// 0, then the output layer, numbered after them), where hidden layer `l < count - 1` passes
/// its value on with the phases `phases[l]` (`true`: active, `v = u`; `false`: `v = 0`), for
/// inputs in `range` (least and greatest value of each).
pub fn region_maps(
    net: &Network,
    phases: &[Vec<bool>],
    count: usize,
    range: (&[f64], &[f64]),
) -> Result<Vec<AffineMap>, GenerateError> {
    let n = net.num_inputs();
    // `None` stands for the identity map, materialised only if an elementwise layer needs it.
    let mut current: Option<AffineMap> = None;
    let identity = || AffineMap {
        rows: (0..n)
            .map(|i| {
                let mut r = vec![0.0; n];
                r[i] = 1.0;
                r
            })
            .collect(),
        constant: vec![0.0; n],
    };
    let mut maps = Vec::with_capacity(count);
    for layer in net.layers() {
        if maps.len() == count {
            break;
        }
        match &layer.kind {
            LayerKind::Affine(a) => {
                let next = match &current {
                    None => AffineMap {
                        rows: (0..a.weights.rows())
                            .map(|r| a.weights.row(r).to_vec())
                            .collect(),
                        constant: a.bias.clone(),
                    },
                    Some(m) => compose(a.weights.rows(), |r| a.weights.row(r), &a.bias, m),
                };
                current = Some(next);
            }
            LayerKind::Elementwise(e) => {
                let mut m = current.take().unwrap_or_else(identity);
                for ((row, c), operand) in m.rows.iter_mut().zip(&mut m.constant).zip(&e.operand) {
                    match e.op {
                        ElementwiseOp::Add => *c += operand,
                        ElementwiseOp::Mul => {
                            row.iter_mut().for_each(|v| *v *= operand);
                            *c *= operand;
                        }
                        ElementwiseOp::Div => {
                            row.iter_mut().for_each(|v| *v /= operand);
                            *c /= operand;
                        }
                    }
                }
                current = Some(m);
            }
            LayerKind::Relu => {
                let mut m = current.take().unwrap_or_else(identity);
                let l = maps.len();
                maps.push(m.clone());
                if maps.len() == count {
                    break;
                }
                let phase = phases.get(l).ok_or(GenerateError::Internal(
                    "no phases for a layer of the region",
                ))?;
                for ((row, c), active) in m.rows.iter_mut().zip(&mut m.constant).zip(phase) {
                    if !active {
                        row.iter_mut().for_each(|v| *v = 0.0);
                        *c = 0.0;
                    }
                }
                current = Some(m);
            }
            // The input clipping of `.nnet` files: the identity over an input range inside it.
            LayerKind::Clamp(c)
                if current.is_none()
                    && (0..n).all(|i| c.lower[i] <= range.0[i] && range.1[i] <= c.upper[i]) => {}
            LayerKind::Clamp(_) | LayerKind::Sign | LayerKind::Signum | LayerKind::Round => {
                return Err(GenerateError::NotPiecewiseLinear {
                    origin: layer.origin.clone(),
                    kind: layer.kind_name(),
                })
            }
        }
    }
    if maps.len() < count {
        maps.push(current.unwrap_or_else(identity));
    }
    Ok(maps)
}

/// `W · m + b` for a `rows`-row `W` given row by row.
fn compose<'a>(
    rows: usize,
    w: impl Fn(usize) -> &'a [f64],
    bias: &[f64],
    m: &AffineMap,
) -> AffineMap {
    let n = m.rows.first().map_or(0, Vec::len);
    let mut out = AffineMap {
        rows: vec![vec![0.0; n]; rows],
        constant: bias.to_vec(),
    };
    for r in 0..rows {
        let (row, c) = (&mut out.rows[r], &mut out.constant[r]);
        for (coef, (prev, prev_c)) in w(r).iter().zip(m.rows.iter().zip(&m.constant)) {
            if *coef == 0.0 {
                continue;
            }
            for (acc, p) in row.iter_mut().zip(prev) {
                *acc += coef * p;
            }
            *c += coef * prev_c;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Affine, Layer, Matrix, Precision, Provenance};

    fn layer(kind: LayerKind, width: usize) -> Layer {
        Layer::in_memory(kind, width)
    }

    #[test]
    fn maps_agree_with_execution_inside_the_region() {
        // 2 -> 3 -> relu -> 2 -> relu -> 1, with a normalisation first.
        let w1 = Matrix::from_row_major(3, 2, vec![1.0, -2.0, 0.5, 1.0, -1.0, -1.0]).unwrap();
        let w2 = Matrix::from_row_major(2, 3, vec![1.0, 1.0, -1.0, -2.0, 0.5, 1.0]).unwrap();
        let w3 = Matrix::from_row_major(1, 2, vec![1.0, -3.0]).unwrap();
        let affine = |w: Matrix, b: Vec<f64>| {
            LayerKind::Affine(Affine {
                weights: w,
                bias: b,
            })
        };
        let layers = vec![
            layer(
                LayerKind::Elementwise(crate::network::Elementwise {
                    op: ElementwiseOp::Div,
                    operand: vec![2.0, 4.0],
                }),
                2,
            ),
            layer(affine(w1, vec![0.1, -0.2, 0.3]), 3),
            layer(LayerKind::Relu, 3),
            layer(affine(w2, vec![0.5, -0.5]), 2),
            layer(LayerKind::Relu, 2),
            layer(affine(w3, vec![0.25]), 1),
        ];
        let net =
            Network::new(vec![2], layers, vec![1], Provenance::memory(Precision::F64)).unwrap();
        for x in [[0.3, 0.7], [-1.0, 2.0], [2.0, -0.5]] {
            let (out, pattern) = net.eval_traced::<f64>(&x).unwrap();
            let maps = region_maps(&net, &pattern.layers, 3, (&[-9.0; 2], &[9.0; 2])).unwrap();
            assert_eq!(maps.len(), 3);
            let u_out = maps[2].eval(&x);
            assert!((u_out[0] - out[0]).abs() < 1e-12, "{u_out:?} {out:?}");
            // The hidden maps give the pre-activations the pattern came from.
            for (l, m) in maps[..2].iter().enumerate() {
                let u = m.eval(&x);
                let signs: Vec<bool> = u.iter().map(|v| *v > 0.0).collect();
                assert_eq!(signs, pattern.layers[l]);
            }
        }
    }
}
