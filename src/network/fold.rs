//! Folding runs of affine and elementwise layers (no ReLU between them) into one affine map.

use super::layer::{Affine, Elementwise, ElementwiseOp, Layer, LayerKind};
use super::Network;

/// An affine map under construction: either still diagonal (`x ↦ s∘x + t`) or a full matrix.
enum Pending {
    Diagonal { scale: Vec<f64>, shift: Vec<f64> },
    Full(Affine),
}

impl Network {
    /// The same function with every run of consecutive affine/elementwise layers merged into
    /// one layer, computed in f64.
    ///
    /// The result is what the engines work on: fewer variables, no `Div` layers. It equals the
    /// original network in exact arithmetic up to the f64 rounding of the merged constants
    /// (products of f32 weights are exact in f64; sums and divisions round once each), so a
    /// witness found on it is always replayed on the original network.
    pub fn folded(&self) -> Network {
        let mut out: Vec<Layer> = Vec::new();
        let mut run: Vec<&Layer> = Vec::new();
        let mut width = self.num_inputs();
        let mut run_width = width;
        for layer in self.layers() {
            if layer.is_affine_like() {
                if run.is_empty() {
                    run_width = width;
                }
                run.push(layer);
            } else {
                flush(&mut run, run_width, &mut out);
                out.push(layer.clone());
            }
            width = layer.output_size();
        }
        flush(&mut run, run_width, &mut out);
        Network::new(
            self.input_shape().to_vec(),
            out,
            self.output_shape().to_vec(),
            self.provenance().clone(),
        )
        .unwrap_or_else(|e| unreachable!("folding preserves layer sizes: {e}"))
    }
}

/// Replaces a run of affine-like layers by its composition.
fn flush(run: &mut Vec<&Layer>, width: usize, out: &mut Vec<Layer>) {
    let Some(last) = run.last() else { return };
    if run.len() == 1 {
        out.push((*last).clone());
        run.clear();
        return;
    }
    let output_shape = last.output_shape.clone();
    let origin = run
        .iter()
        .map(|l| l.origin.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    let mut map = Pending::Diagonal {
        scale: vec![1.0; width],
        shift: vec![0.0; width],
    };
    for layer in run.drain(..) {
        map = compose(map, &layer.kind);
    }
    let kinds = match map {
        Pending::Full(affine) => vec![LayerKind::Affine(affine)],
        Pending::Diagonal { scale, shift } => {
            let mut kinds = Vec::new();
            if scale.iter().any(|s| *s != 1.0) {
                kinds.push(elementwise(ElementwiseOp::Mul, scale));
            }
            if shift.iter().any(|t| *t != 0.0) || kinds.is_empty() {
                kinds.push(elementwise(ElementwiseOp::Add, shift));
            }
            kinds
        }
    };
    out.extend(kinds.into_iter().map(|kind| Layer {
        kind,
        output_shape: output_shape.clone(),
        origin: origin.clone(),
    }));
}

fn elementwise(op: ElementwiseOp, operand: Vec<f64>) -> LayerKind {
    LayerKind::Elementwise(Elementwise { op, operand })
}

/// `layer ∘ map`.
fn compose(map: Pending, layer: &LayerKind) -> Pending {
    match (map, layer) {
        (Pending::Diagonal { scale, shift }, LayerKind::Affine(a)) => {
            let mut weights = a.weights.clone();
            weights.scale_cols(&scale);
            let moved = a.weights.mul_vec(&shift);
            let bias = moved.iter().zip(&a.bias).map(|(m, b)| m + b).collect();
            Pending::Full(Affine { weights, bias })
        }
        (Pending::Full(inner), LayerKind::Affine(a)) => {
            let weights = a.weights.matmul(&inner.weights);
            let moved = a.weights.mul_vec(&inner.bias);
            let bias = moved.iter().zip(&a.bias).map(|(m, b)| m + b).collect();
            Pending::Full(Affine { weights, bias })
        }
        (
            Pending::Diagonal {
                mut scale,
                mut shift,
            },
            LayerKind::Elementwise(e),
        ) => {
            for i in 0..scale.len() {
                match e.op {
                    ElementwiseOp::Add => shift[i] += e.operand[i],
                    ElementwiseOp::Mul => {
                        scale[i] *= e.operand[i];
                        shift[i] *= e.operand[i];
                    }
                    ElementwiseOp::Div => {
                        scale[i] /= e.operand[i];
                        shift[i] /= e.operand[i];
                    }
                }
            }
            Pending::Diagonal { scale, shift }
        }
        (Pending::Full(mut a), LayerKind::Elementwise(e)) => {
            let factors: Vec<f64> = match e.op {
                ElementwiseOp::Add => {
                    for (b, c) in a.bias.iter_mut().zip(&e.operand) {
                        *b += c;
                    }
                    return Pending::Full(a);
                }
                ElementwiseOp::Mul => e.operand.clone(),
                ElementwiseOp::Div => e.operand.iter().map(|c| 1.0 / c).collect(),
            };
            a.weights.scale_rows(&factors);
            for (b, f) in a.bias.iter_mut().zip(&factors) {
                *b *= f;
            }
            Pending::Full(a)
        }
        // `flush` only receives affine-like layers; anything else leaves the map unchanged.
        (
            map,
            LayerKind::Relu
            | LayerKind::Clamp(_)
            | LayerKind::Sign
            | LayerKind::Signum
            | LayerKind::Round,
        ) => map,
    }
}
