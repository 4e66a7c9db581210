//! Activation traces: a batch of tests run through a network at once, in f32, recording every
//! hidden neuron's pre-activation `u` and post-activation `v`.

use super::batch::Batch;
use crate::network::{ElementwiseOp, LayerKind, Network};

/// One ReLU layer's values over a batch of tests: `u` enters the ReLU, `v = max(0, u)` leaves
/// it; both `tests × neurons`.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerTrace {
    pub u: Batch,
    pub v: Batch,
}

/// What a batch of tests does inside a network: every hidden (ReLU) layer's `u` and `v`, and
/// the output layer's values (the logits), each `tests × neurons`.
///
/// Hidden layer `l` is the `l`-th [`LayerKind::Relu`] layer of the network's IR. Arithmetic is
/// f32 as ONNX computes it: weights rounded to f32 (exact for float32 files), products and
/// sums in f32. The affine layers are one matrix-matrix product per layer (`matrixmultiply`'s
/// sgemm), whose blocked summation order differs from onnxruntime's and from
/// [`Network::eval`]'s left-to-right order, so values may differ from theirs in the last bits.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub hidden: Vec<LayerTrace>,
    pub output: Batch,
}

/// Why a batch could not be traced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    #[error("the network takes {expected} input values, but the tests have {got}")]
    InputWidth { expected: usize, got: usize },
    /// Coverage criteria are defined over ReLU neurons; a binarised network's sign units have
    /// no `u > 0` / `v` of that kind, so such networks are refused rather than half-traced.
    #[error(
        "layer {index} ({origin}) is a sign activation: coverage is defined for ReLU networks, \
         not binarised ones"
    )]
    SignActivation { index: usize, origin: String },
}

impl Trace {
    /// Runs every row of `inputs` through `net`.
    pub fn run(net: &Network, inputs: &Batch) -> Result<Trace, TraceError> {
        if inputs.cols() != net.num_inputs() {
            return Err(TraceError::InputWidth {
                expected: net.num_inputs(),
                got: inputs.cols(),
            });
        }
        let mut x = inputs.clone();
        let mut hidden = Vec::new();
        for (index, layer) in net.layers().iter().enumerate() {
            x = match &layer.kind {
                LayerKind::Affine(a) => {
                    let weights: Vec<f32> =
                        a.weights.as_slice().iter().map(|w| *w as f32).collect();
                    let bias: Vec<f32> = a.bias.iter().map(|b| *b as f32).collect();
                    affine(&x, &weights, &bias)
                }
                LayerKind::Elementwise(e) => {
                    let operand: Vec<f32> = e.operand.iter().map(|c| *c as f32).collect();
                    map_columns(x, |c, v| match e.op {
                        ElementwiseOp::Add => v + operand[c],
                        ElementwiseOp::Mul => v * operand[c],
                        ElementwiseOp::Div => v / operand[c],
                    })
                }
                LayerKind::Relu => {
                    let v = map_columns(x.clone(), |_, u| if u > 0.0 { u } else { 0.0 });
                    hidden.push(LayerTrace { u: x, v: v.clone() });
                    v
                }
                LayerKind::Clamp(c) => {
                    let lower: Vec<f32> = c.lower.iter().map(|b| *b as f32).collect();
                    let upper: Vec<f32> = c.upper.iter().map(|b| *b as f32).collect();
                    map_columns(x, |c, v| {
                        if v < lower[c] {
                            lower[c]
                        } else if v > upper[c] {
                            upper[c]
                        } else {
                            v
                        }
                    })
                }
                LayerKind::Round => map_columns(x, |_, v| v.round_ties_even()),
                LayerKind::Sign | LayerKind::Signum => {
                    return Err(TraceError::SignActivation {
                        index,
                        origin: layer.origin.clone(),
                    })
                }
            };
        }
        Ok(Trace { hidden, output: x })
    }

    /// The number of tests traced.
    pub fn tests(&self) -> usize {
        self.output.rows()
    }

    /// The width of every hidden layer, first to last.
    pub fn hidden_widths(&self) -> Vec<usize> {
        self.hidden.iter().map(|l| l.u.cols()).collect()
    }

    /// The number of hidden neurons over all layers.
    pub fn hidden_neurons(&self) -> usize {
        self.hidden_widths().iter().sum()
    }

    /// The class each test is given: the index of its largest output (the first of equal ones).
    pub fn predictions(&self) -> Vec<usize> {
        self.output.iter_rows().map(argmax).collect()
    }

    /// The trace of the given tests only, in the given order (indices must be below
    /// [`Trace::tests`]).
    pub fn select_tests(&self, tests: &[usize]) -> Trace {
        Trace {
            hidden: self
                .hidden
                .iter()
                .map(|l| LayerTrace {
                    u: l.u.select_rows(tests),
                    v: l.v.select_rows(tests),
                })
                .collect(),
            output: self.output.select_rows(tests),
        }
    }
}

/// The index of the largest value, the first of equal ones.
pub(crate) fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

/// `x Wᵀ + b` for every row of `x`, with `W` row-major `outputs × inputs`.
fn affine(x: &Batch, weights: &[f32], bias: &[f32]) -> Batch {
    let (m, k, n) = (x.rows(), x.cols(), bias.len());
    let mut data = Vec::with_capacity(m * n);
    for _ in 0..m {
        data.extend_from_slice(bias);
    }
    let mut out = Batch::from_row_major(m, n, data).unwrap_or_else(|| Batch::empty(n));
    if m > 0 && n > 0 && k > 0 {
        // SAFETY: `x` is m×k row-major (row stride k), `weights` is n×k row-major, read as its
        // transpose k×n (row stride 1, column stride k), and `out` is m×n row-major; every
        // index the kernel forms is inside these buffers, which do not overlap.
        unsafe {
            matrixmultiply::sgemm(
                m,
                k,
                n,
                1.0,
                x.as_slice().as_ptr(),
                k as isize,
                1,
                weights.as_ptr(),
                1,
                k as isize,
                1.0,
                out.as_mut_slice().as_mut_ptr(),
                n as isize,
                1,
            );
        }
    }
    out
}

/// Applies `f(column, value)` to every value.
fn map_columns(mut x: Batch, f: impl Fn(usize, f32) -> f32) -> Batch {
    let cols = x.cols();
    if cols > 0 {
        for row in x.as_mut_slice().chunks_exact_mut(cols) {
            for (c, v) in row.iter_mut().enumerate() {
                *v = f(c, *v);
            }
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Affine, Layer, Matrix, Precision, Provenance};
    use rand::{Rng, SeedableRng};

    fn layer(kind: LayerKind, width: usize) -> Layer {
        Layer::in_memory(kind, width)
    }

    fn random_mlp(rng: &mut impl Rng, widths: &[usize]) -> Network {
        let mut layers = Vec::new();
        for (i, w) in widths.windows(2).enumerate() {
            let weights: Vec<f64> = (0..w[0] * w[1])
                .map(|_| rng.gen_range(-1.0..1.0f32) as f64)
                .collect();
            let bias = (0..w[1])
                .map(|_| rng.gen_range(-0.5..0.5f32) as f64)
                .collect();
            let weights = Matrix::from_row_major(w[1], w[0], weights).unwrap();
            layers.push(layer(LayerKind::Affine(Affine { weights, bias }), w[1]));
            if i + 2 < widths.len() {
                layers.push(layer(LayerKind::Relu, w[1]));
            }
        }
        let last = *widths.last().unwrap();
        Network::new(
            vec![widths[0]],
            layers,
            vec![last],
            Provenance::memory(Precision::F32),
        )
        .unwrap()
    }

    /// The batched trace gives the per-input reference evaluation's outputs (up to summation
    /// order) and the activation patterns it records.
    #[test]
    fn agrees_with_the_reference_evaluation() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let net = random_mlp(&mut rng, &[30, 20, 17, 5]);
        let rows: Vec<Vec<f32>> = (0..40)
            .map(|_| (0..30).map(|_| rng.gen_range(-1.0..1.0)).collect())
            .collect();
        let trace = Trace::run(&net, &Batch::from_rows(30, &rows).unwrap()).unwrap();
        assert_eq!(trace.hidden_widths(), vec![20, 17]);
        for (t, row) in rows.iter().enumerate() {
            let (out, pattern) = net.eval_traced::<f32>(row).unwrap();
            for (o, got) in out.iter().zip(trace.output.row(t)) {
                assert!((o - got).abs() <= 1e-4 * (1.0 + o.abs()), "{o} vs {got}");
            }
            for (l, active) in pattern.layers.iter().enumerate() {
                for (n, a) in active.iter().enumerate() {
                    let u = trace.hidden[l].u.get(t, n);
                    // A pre-activation within rounding of 0 may fall either way.
                    if u.abs() > 1e-4 {
                        assert_eq!(*a, u > 0.0);
                    }
                    assert_eq!(trace.hidden[l].v.get(t, n), u.max(0.0));
                }
            }
        }
        let sub = trace.select_tests(&[3, 1]);
        assert_eq!(sub.output.row(0), trace.output.row(3));
        assert_eq!(sub.tests(), 2);
    }

    #[test]
    fn refuses_wrong_widths_and_sign_layers() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let net = random_mlp(&mut rng, &[3, 2, 1]);
        let err = Trace::run(&net, &Batch::empty(4)).unwrap_err();
        assert_eq!(
            err,
            TraceError::InputWidth {
                expected: 3,
                got: 4
            }
        );
        let mut layers = net.layers().to_vec();
        layers[1] = layer(LayerKind::Sign, 2);
        let bnn =
            Network::new(vec![3], layers, vec![1], Provenance::memory(Precision::F32)).unwrap();
        assert!(matches!(
            Trace::run(&bnn, &Batch::empty(3)),
            Err(TraceError::SignActivation { index: 1, .. })
        ));
        // An empty batch traces to empty batches of the right widths.
        let empty = Trace::run(&net, &Batch::empty(3)).unwrap();
        assert_eq!((empty.tests(), empty.hidden_widths()), (0, vec![2]));
    }

    #[test]
    fn argmax_takes_the_first_largest() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
    }
}
