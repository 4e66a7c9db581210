//! Re-running a candidate counterexample through the network before anyone calls it one.
//!
//! A candidate (exact, from an engine) is rounded to the network's input precision, moved
//! into its input box if rounding pushed it out, and executed twice: exactly (the network's
//! meaning over the reals) and in the network's own floating point (float32 for most ONNX
//! models, as onnxruntime computes). It is a counterexample only if both executions put it in
//! the property's unsafe set.

use crate::network::{EvalError, Network, Precision};
use crate::spec::{to_f64, CheckError, ExactMargin, InputBox, Property, SubProblemId};
use num_rational::BigRational;

/// The outcome of replaying one candidate: the rounded point vera would report, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// The input as vera reports it: exactly representable in the network's precision.
    pub input: Vec<f64>,
    /// The network's output on it in its own floating point.
    pub output: Vec<f64>,
    /// The floating point the network was executed in.
    pub precision: Precision,
    /// The engine's own (unrounded) candidate is a counterexample in exact arithmetic. When
    /// false the engine is wrong; when only the checks below fail, rounding the candidate to
    /// the network's precision lost it (a point on the boundary of the unsafe set).
    pub candidate_ok: bool,
    /// Exact execution: the input is in the region and the output unsafe.
    pub exact_ok: bool,
    /// How deep into the unsafe set the exact output is (>= 0 when violated), as an f64.
    pub exact_margin: f64,
    /// Floating-point execution: the same check on the float output.
    pub float_ok: bool,
    pub float_margin: f64,
    /// The sub-problem the point is deepest into.
    pub hit: Option<SubProblemId>,
}

impl Replay {
    /// True when both executions confirm the counterexample.
    pub fn confirmed(&self) -> bool {
        self.exact_ok && self.float_ok
    }
}

/// Why a candidate could not be replayed at all (sizes; never a numerical outcome).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error(transparent)]
    Check(#[from] CheckError),
}

/// The f64 nearest to `q`, moved to lie within `[lo, hi]` exactly when it can.
fn f64_within(q: &BigRational, lo: Option<&BigRational>, hi: Option<&BigRational>) -> f64 {
    let mut x = to_f64(q);
    let exact = |v: f64| BigRational::from_float(v);
    for _ in 0..4 {
        match (exact(x), lo, hi) {
            (Some(v), Some(l), _) if v < *l => x = x.next_up(),
            (Some(v), _, Some(h)) if v > *h => x = x.next_down(),
            _ => break,
        }
    }
    x
}

/// The f32 nearest to `x`, moved to lie within `[lo, hi]` exactly when it can.
fn f32_within(x: f64, lo: Option<&BigRational>, hi: Option<&BigRational>) -> f32 {
    let mut y = x as f32;
    for _ in 0..4 {
        match (BigRational::from_float(y), lo, hi) {
            (Some(v), Some(l), _) if v < *l => y = y.next_up(),
            (Some(v), _, Some(h)) if v > *h => y = y.next_down(),
            _ => break,
        }
    }
    y
}

fn margin_f64(m: &ExactMargin) -> f64 {
    match m {
        ExactMargin::NoSubProblem => f64::NEG_INFINITY,
        ExactMargin::Finite(v) => to_f64(v),
        ExactMargin::Unconstrained => f64::INFINITY,
    }
}

/// Replays `candidate`, clamping it into `bounds` (the box of the polytope it came from).
pub fn replay(
    net: &Network,
    property: &Property,
    bounds: &InputBox,
    candidate: &[BigRational],
) -> Result<Replay, ReplayError> {
    let precision = net.provenance().precision;
    let x64: Vec<f64> = candidate
        .iter()
        .enumerate()
        .map(|(i, q)| {
            f64_within(
                q,
                bounds.lower.get(i).and_then(Option::as_ref),
                bounds.upper.get(i).and_then(Option::as_ref),
            )
        })
        .collect();
    let (input, output) = match precision {
        Precision::F32 => {
            let x32: Vec<f32> = x64
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    f32_within(
                        *x,
                        bounds.lower.get(i).and_then(Option::as_ref),
                        bounds.upper.get(i).and_then(Option::as_ref),
                    )
                })
                .collect();
            let y: Vec<f64> = net.eval(&x32)?.iter().map(|v| f64::from(*v)).collect();
            (x32.iter().map(|v| f64::from(*v)).collect::<Vec<f64>>(), y)
        }
        Precision::F64 => {
            let y = net.eval(&x64)?;
            (x64, y)
        }
    };
    let candidate_ok = property
        .check_exact(candidate, &net.eval(candidate)?)?
        .violated;
    let exact_in: Vec<BigRational> = input
        .iter()
        .map(|v| BigRational::from_float(*v).unwrap_or_default())
        .collect();
    let exact_out = net.eval(&exact_in)?;
    let exact = property.check_exact(&exact_in, &exact_out)?;
    let float = property.check_f64(&input, &output)?;
    Ok(Replay {
        input,
        output,
        precision,
        candidate_ok,
        exact_ok: exact.violated,
        exact_margin: margin_f64(&exact.margin),
        float_ok: float.violated,
        float_margin: float.margin,
        hit: exact.nearest,
    })
}
