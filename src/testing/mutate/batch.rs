//! Labels of many inputs at once, in f32 with the same operation order as
//! [`Network::eval`]: tests are run in blocks of [`BLOCK`], value-major within a block, so
//! the inner loops run across tests (and vectorise) while every test's sums are still taken
//! left to right, rounding after each operation.
//!
//! The original network's values are kept at the inputs of the layers that mutants change
//! first, so a mutant is run only from its first changed layer on.

use super::test_suite::TestSuite;
use crate::network::{ElementwiseOp, Layer, LayerKind, Network};
use std::collections::{BTreeSet, HashMap};

/// Tests per block: 16 f32 accumulators, which fill the vector registers of common CPUs.
pub const BLOCK: usize = 16;

/// One layer's values for every block of tests: block `b`, value `k`, test `t` at
/// `(b·width + k)·BLOCK + t`. The last block is padded with zeros.
#[derive(Debug, Clone)]
struct Values {
    width: usize,
    data: Vec<f32>,
}

/// The original network run on a test suite: its labels, and its values at the inputs of the
/// layers where mutants start.
#[derive(Debug)]
pub struct BatchRun {
    tests: usize,
    labels: Vec<usize>,
    cache: HashMap<usize, Values>,
}

impl BatchRun {
    /// Runs `net` on `suite`, keeping the values entering each layer in `starts`.
    pub fn new(net: &Network, suite: &TestSuite, starts: &BTreeSet<usize>) -> BatchRun {
        let mut values = blocked(suite);
        let mut cache = HashMap::new();
        for (index, layer) in net.layers().iter().enumerate() {
            if starts.contains(&index) {
                cache.insert(index, values.clone());
            }
            values = apply(layer, &values);
        }
        if starts.contains(&net.layers().len()) {
            cache.insert(net.layers().len(), values.clone());
        }
        BatchRun {
            tests: suite.len(),
            labels: labels(&values, suite.len()),
            cache,
        }
    }

    /// The original network's label of every test.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The labels of a mutant that computes what the original computes before layer `start`
    /// (whose input was kept by [`BatchRun::new`]) and then runs `layers`.
    ///
    /// # Panics
    /// When the input of layer `start` was not kept: a caller's mistake, not a user's.
    pub fn mutant_labels<'l>(
        &self,
        layers: impl Iterator<Item = &'l Layer>,
        start: usize,
    ) -> Vec<usize> {
        let mut values = self
            .cache
            .get(&start)
            .unwrap_or_else(|| panic!("the input of layer {start} was not kept"))
            .clone();
        for layer in layers {
            values = apply(layer, &values);
        }
        labels(&values, self.tests)
    }
}

/// The index of the largest output, the lowest on ties (a NaN compares false, so it never
/// replaces a label found before it).
pub fn argmax(outputs: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in outputs.iter().enumerate() {
        if *v > outputs[best] {
            best = i;
        }
    }
    best
}

/// The suite's inputs in blocks.
fn blocked(suite: &TestSuite) -> Values {
    let width = suite.width();
    let blocks = suite.len().div_ceil(BLOCK);
    let mut data = vec![0.0; blocks * width * BLOCK];
    for i in 0..suite.len() {
        let (b, t) = (i / BLOCK, i % BLOCK);
        for (k, v) in suite.input(i).iter().enumerate() {
            data[(b * width + k) * BLOCK + t] = *v;
        }
    }
    Values { width, data }
}

/// The label of each of the first `tests` tests.
fn labels(values: &Values, tests: usize) -> Vec<usize> {
    let width = values.width;
    let mut out = vec![0.0f32; width];
    (0..tests)
        .map(|i| {
            let (b, t) = (i / BLOCK, i % BLOCK);
            for (k, o) in out.iter_mut().enumerate() {
                *o = values.data[(b * width + k) * BLOCK + t];
            }
            argmax(&out)
        })
        .collect()
}

/// One layer on every block, in f32 as [`Network::eval`] computes it.
fn apply(layer: &Layer, x: &Values) -> Values {
    let blocks = x.data.len() / (x.width * BLOCK).max(1);
    match &layer.kind {
        LayerKind::Affine(a) => {
            let (rows, cols) = (a.weights.rows(), a.weights.cols());
            let weights: Vec<f32> = a.weights.as_slice().iter().map(|w| *w as f32).collect();
            let mut data = vec![0.0f32; blocks * rows * BLOCK];
            for b in 0..blocks {
                let input = &x.data[b * cols * BLOCK..(b + 1) * cols * BLOCK];
                let output = &mut data[b * rows * BLOCK..(b + 1) * rows * BLOCK];
                for r in 0..rows {
                    let acc = dot_block(&weights[r * cols..(r + 1) * cols], input);
                    let bias = a.bias[r] as f32;
                    for (o, s) in output[r * BLOCK..(r + 1) * BLOCK].iter_mut().zip(acc) {
                        *o = s + bias;
                    }
                }
            }
            Values { width: rows, data }
        }
        LayerKind::Elementwise(e) => {
            let operand: Vec<f32> = e.operand.iter().map(|c| *c as f32).collect();
            map_indexed(x, |k, v| match e.op {
                ElementwiseOp::Add => v + operand[k],
                ElementwiseOp::Mul => v * operand[k],
                ElementwiseOp::Div => v / operand[k],
            })
        }
        LayerKind::Relu => map_indexed(x, |_, v| if v > 0.0 { v } else { 0.0 }),
        LayerKind::Sign => map_indexed(x, |_, v| if v >= 0.0 { 1.0 } else { -1.0 }),
        LayerKind::Signum => map_indexed(x, |_, v| {
            if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                0.0
            }
        }),
        LayerKind::Round => map_indexed(x, |_, v| v.round_ties_even()),
        LayerKind::Clamp(c) => {
            let lower: Vec<f32> = c.lower.iter().map(|v| *v as f32).collect();
            let upper: Vec<f32> = c.upper.iter().map(|v| *v as f32).collect();
            map_indexed(x, |k, v| {
                if v < lower[k] {
                    lower[k]
                } else if v > upper[k] {
                    upper[k]
                } else {
                    v
                }
            })
        }
    }
}

/// `Σ_k weights[k]·input[k][t]` for every test `t` of a block, summed left to right.
///
/// A zero weight is skipped: it would add ±0, which changes no sum but the sign of a zero,
/// and no label.
#[inline]
fn dot_block(weights: &[f32], input: &[f32]) -> [f32; BLOCK] {
    let mut acc = [0.0f32; BLOCK];
    for (w, column) in weights.iter().zip(input.chunks_exact(BLOCK)) {
        if *w == 0.0 {
            continue;
        }
        for (a, v) in acc.iter_mut().zip(column) {
            *a += w * v;
        }
    }
    acc
}

/// A width-preserving layer, value `k` by value `k`.
fn map_indexed(x: &Values, f: impl Fn(usize, f32) -> f32) -> Values {
    let width = x.width;
    let data = x
        .data
        .chunks_exact(BLOCK)
        .enumerate()
        .flat_map(|(row, column)| {
            let k = row % width;
            column.iter().map(move |v| (k, *v))
        })
        .map(|(k, v)| f(k, v))
        .collect();
    Values { width, data }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Affine, Matrix, Precision, Provenance};
    use rand::{Rng, SeedableRng};

    fn layer(kind: LayerKind, width: usize) -> Layer {
        Layer::in_memory(kind, width)
    }

    fn random_affine(rng: &mut impl Rng, rows: usize, cols: usize) -> Layer {
        let data = (0..rows * cols).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let weights = Matrix::from_row_major(rows, cols, data).unwrap();
        let bias = (0..rows).map(|_| rng.gen_range(-0.5..0.5)).collect();
        layer(LayerKind::Affine(Affine { weights, bias }), rows)
    }

    /// Every label and every output agrees with `Network::eval::<f32>`, for a suite that is
    /// not a whole number of blocks, through every layer kind.
    #[test]
    fn agrees_with_eval_in_f32() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let layers = vec![
            layer(
                LayerKind::Clamp(crate::network::Clamp {
                    lower: vec![-0.8; 6],
                    upper: vec![0.9; 6],
                }),
                6,
            ),
            layer(
                LayerKind::Elementwise(crate::network::Elementwise {
                    op: ElementwiseOp::Div,
                    operand: vec![0.3, 0.7, 1.1, 3.0, 0.9, 7.0],
                }),
                6,
            ),
            random_affine(&mut rng, 9, 6),
            layer(LayerKind::Relu, 9),
            random_affine(&mut rng, 7, 9),
            layer(LayerKind::Sign, 7),
            random_affine(&mut rng, 4, 7),
        ];
        let net =
            Network::new(vec![6], layers, vec![4], Provenance::memory(Precision::F32)).unwrap();
        let n = 3 * BLOCK + 5;
        let values = (0..n * 6).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
        let suite = TestSuite::new(6, values).unwrap();
        let starts: BTreeSet<usize> = [0, 4, 7].into();
        let run = BatchRun::new(&net, &suite, &starts);
        let mut values = blocked(&suite);
        for l in net.layers() {
            values = apply(l, &values);
        }
        for i in 0..n {
            let out = net.eval::<f32>(suite.input(i)).unwrap();
            let (b, t) = (i / BLOCK, i % BLOCK);
            let batched: Vec<f32> = (0..4)
                .map(|k| values.data[(b * 4 + k) * BLOCK + t])
                .collect();
            assert_eq!(batched, out, "test {i}");
            assert_eq!(run.labels()[i], argmax(&out), "test {i}");
        }
        assert_eq!(run.mutant_labels(net.layers()[4..].iter(), 4), run.labels());
        assert_eq!(run.mutant_labels(net.layers()[7..].iter(), 7), run.labels());
    }

    #[test]
    fn argmax_takes_the_lowest_index_on_ties() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0]), 1);
        assert_eq!(argmax(&[f32::NAN, 1.0]), 0);
        assert_eq!(argmax(&[0.0, -0.0]), 0);
    }
}
