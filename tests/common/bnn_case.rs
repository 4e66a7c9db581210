//! Generated binarised-network queries and the exhaustive oracle that decides them: the
//! network's output depends on the input bits only, and each input's bit is a monotone
//! function of it, so the corners of the box (the least and greatest float32 value of every
//! input) realise every reachable bit pattern; the oracle runs float32 execution on all of them
//! and checks the property exactly, sharing no code with the folding or any encoding.

use super::generate::{random_bnn, random_quantised_bnn};
use super::Sampler;
use num_rational::BigRational;
use vera::bnn_sat::{SatOptions, SatSolver};
use vera::network::Network;
use vera::spec::{vnnlib, Property};

/// A generated network, a property over it, and the float32 box the property's inputs span.
pub struct BnnCase {
    pub net: Network,
    pub property: Property,
    pub lo: Vec<f32>,
    pub hi: Vec<f32>,
}

/// Whether `x` is a counterexample: float32 execution, the property checked exactly.
pub fn violated_in_f32(net: &Network, p: &Property, x: &[f32]) -> bool {
    let y = net.eval(x).unwrap();
    let exact = |v: &[f32]| -> Vec<BigRational> {
        v.iter()
            .map(|v| BigRational::from_float(*v).unwrap())
            .collect()
    };
    p.check_exact(&exact(x), &exact(&y)).unwrap().violated
}

/// Whether some corner of the box is a counterexample (float32 execution, exact check).
pub fn corner_oracle(net: &Network, p: &Property, lo: &[f32], hi: &[f32]) -> bool {
    let n = lo.len();
    (0..1u32 << n).any(|mask| {
        let x: Vec<f32> = (0..n)
            .map(|i| if mask >> i & 1 == 1 { hi[i] } else { lo[i] })
            .collect();
        violated_in_f32(net, p, &x)
    })
}

/// Case `seed`: 1 to 8 inputs, two hidden layers (2–10 and 2–7 wide), 2 to 4 logits; even
/// seeds ask whether one logit can reach another (robustness), odd ones put one logit over a
/// bound or two logits in order below one.
pub fn random_case(seed: u64) -> BnnCase {
    let mut s = Sampler::new(seed + 7);
    let n = 1 + (seed as usize % 8);
    let outputs = 2 + seed as usize % 3;
    let widths = [n, 2 + seed as usize % 9, 2 + seed as usize % 6, outputs];
    let net = random_bnn(&mut s, &widths);
    let lo: Vec<f32> = (0..n).map(|_| (4.0 * s.unit() - 3.0) as f32).collect();
    let hi: Vec<f32> = lo.iter().map(|l| l + (3.0 * s.unit()) as f32).collect();
    let a = (s.unit() * outputs as f64) as usize % outputs;
    let b = (a + 1 + (s.unit() * (outputs - 1) as f64) as usize) % outputs;
    let mut text = box_text(&lo, &hi, outputs);
    if seed.is_multiple_of(2) {
        text += &format!("(assert (>= Y_{a} Y_{b}))\n");
    } else {
        let t = 6.0 * s.unit() - 3.0;
        text += &format!(
            "(assert (or (>= Y_{a} {t:?}) (and (<= Y_{b} {:?}) (>= Y_{a} Y_{b}))))\n",
            -t
        );
    }
    let property = vnnlib::parse(text.as_bytes(), "generated.vnnlib", None).unwrap();
    BnnCase {
        net,
        property,
        lo,
        hi,
    }
}

/// The least float32 number of `(lo, hi]` where `holds`, which is false at `lo`, true at `hi`
/// and monotone between them (by bisection over the float32 numbers, here and not by vera).
pub fn least_f32_where(lo: f32, hi: f32, holds: impl Fn(f32) -> bool) -> f32 {
    // The float32 numbers in order, as integers.
    let key = |x: f32| {
        let b = x.to_bits();
        if b >> 31 == 1 {
            -i64::from(b & 0x7fff_ffff)
        } else {
            i64::from(b)
        }
    };
    let value = |k: i64| {
        f32::from_bits(if k < 0 {
            (-k) as u32 | 0x8000_0000
        } else {
            k as u32
        })
    };
    let (mut a, mut b) = (key(lo), key(hi)); // !holds(a), holds(b)
    while b - a > 1 {
        let m = a + (b - a) / 2;
        if holds(value(m)) {
            b = m;
        } else {
            a = m;
        }
    }
    value(b)
}

/// The float32 points of `[lo, hi]` that realise every grid level `round(fl(x / step))` takes
/// there, one per level: `lo` and the least float32 number of each higher level.
pub fn level_points(lo: f32, hi: f32, step: f32) -> Vec<f32> {
    let level = |x: f32| (x / step).round_ties_even();
    let mut points = vec![lo];
    let mut k = level(lo) + 1.0;
    while k <= level(hi) {
        let first = least_f32_where(lo, hi, |x| level(x) >= k);
        points.push(first);
        k = level(first) + 1.0;
    }
    points
}

/// Whether some combination of grid levels (one point per level of each input, see
/// [`level_points`]) is a counterexample (float32 execution, exact check): every input of a
/// quantised network behaves as one of these.
pub fn grid_oracle(net: &Network, p: &Property, points: &[Vec<f32>]) -> bool {
    let total: usize = points.iter().map(Vec::len).product();
    (0..total).any(|mut code| {
        let x: Vec<f32> = points
            .iter()
            .map(|ps| {
                let v = ps[code % ps.len()];
                code /= ps.len();
                v
            })
            .collect();
        violated_in_f32(net, p, &x)
    })
}

/// A generated quantised network (see `random_quantised_bnn`), its property and the points
/// of every grid level of each input.
pub struct GridCase {
    pub case: BnnCase,
    pub points: Vec<Vec<f32>>,
}

/// Quantised case `seed`: 1 to 4 inputs quantised with step 0.25 (exact) or 0.1 (rounded),
/// two hidden layers (2–9 and 2–6 wide), 2 or 3 logits, boxes spanning up to about 8 levels
/// per input; properties as [`random_case`]'s.
pub fn random_grid_case(seed: u64) -> GridCase {
    let mut s = Sampler::new(seed + 11);
    let n = 1 + (seed as usize % 4);
    let outputs = 2 + seed as usize % 2;
    let step: f32 = if seed.is_multiple_of(3) { 0.1 } else { 0.25 };
    let widths = [n, 2 + seed as usize % 8, 2 + seed as usize % 5, outputs];
    let net = random_quantised_bnn(&mut s, &widths, f64::from(step));
    let lo: Vec<f32> = (0..n).map(|_| (2.0 * s.unit() - 1.0) as f32).collect();
    let hi: Vec<f32> = lo
        .iter()
        .map(|l| l + (8.0 * f64::from(step) * s.unit()) as f32)
        .collect();
    let a = (s.unit() * outputs as f64) as usize % outputs;
    let b = (a + 1 + (s.unit() * (outputs - 1) as f64) as usize) % outputs;
    let mut text = box_text(&lo, &hi, outputs);
    if seed.is_multiple_of(2) {
        text += &format!("(assert (>= Y_{a} Y_{b}))\n");
    } else {
        let t = 4.0 * s.unit() - 2.0;
        text += &format!(
            "(assert (or (>= Y_{a} {t:?}) (and (<= Y_{b} {:?}) (>= Y_{a} Y_{b}))))\n",
            -t
        );
    }
    let property = vnnlib::parse(text.as_bytes(), "generated.vnnlib", None).unwrap();
    let points = lo
        .iter()
        .zip(&hi)
        .map(|(l, h)| level_points(*l, *h, step))
        .collect();
    GridCase {
        case: BnnCase {
            net,
            property,
            lo,
            hi,
        },
        points,
    }
}

/// SAT options that send every query to `solver` (no enumeration).
pub fn cnf_only(solver: SatSolver) -> SatOptions {
    SatOptions {
        solver,
        enumerate_up_to: 0,
        ..SatOptions::default()
    }
}

/// The declarations of a VNN-LIB property over the box `[lo, hi]` and `outputs` outputs, in
/// exact decimals ({:.80} prints every digit of these float32 values), so the box's corners
/// are the float32 values themselves.
pub fn box_text(lo: &[f32], hi: &[f32], outputs: usize) -> String {
    let mut text = String::new();
    for (i, (l, h)) in lo.iter().zip(hi).enumerate() {
        text += &format!(
            "(declare-const X_{i} Real)(assert (>= X_{i} {:.80}))(assert (<= X_{i} {:.80}))\n",
            f64::from(*l),
            f64::from(*h)
        );
    }
    for j in 0..outputs {
        text += &format!("(declare-const Y_{j} Real)\n");
    }
    text
}

/// Held-out digit `index` of benchmarks/bnn (`centers/digit<index>.txt`: 784 pixel values).
pub fn mnist_digit(index: usize) -> Vec<f64> {
    let text = std::fs::read_to_string(super::repo(&format!(
        "benchmarks/bnn/centers/digit{index}.txt"
    )))
    .unwrap();
    let x: Vec<f64> = text
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(x.len(), 784, "digit {index}");
    x
}

/// A VNN-LIB robustness property of an MNIST network (784 inputs, 10 logits): the L∞ box of
/// radius `eps` around `center` within [0, 1], the asserts `extra`, and the unsafe set "some
/// other logit is at least `label`'s".
pub fn digit_robustness_text(center: &[f64], eps: f64, label: usize, extra: &str) -> String {
    let mut text = String::new();
    for i in 0..center.len() {
        text += &format!("(declare-const X_{i} Real)\n");
    }
    for j in 0..10 {
        text += &format!("(declare-const Y_{j} Real)\n");
    }
    for (i, c) in center.iter().enumerate() {
        let (lo, hi) = ((c - eps).max(0.0), (c + eps).min(1.0));
        text += &format!("(assert (>= X_{i} {lo:?}))\n(assert (<= X_{i} {hi:?}))\n");
    }
    text += extra;
    let others: Vec<String> = (0..10)
        .filter(|j| *j != label)
        .map(|j| format!("(and (>= Y_{j} Y_{label}))"))
        .collect();
    text += &format!("(assert (or {}))\n", others.join(" "));
    text
}

/// `vera verify MODEL PROP ARGS --json` on the robustness property of held-out MNIST digit
/// `digit` (label `label`) at `levels` pixel levels, written to a temporary file.
pub fn verify_digit(
    model: &str,
    digit: usize,
    levels: f64,
    label: usize,
    args: &[&str],
) -> serde_json::Value {
    let text = digit_robustness_text(&mnist_digit(digit), levels / 255.0, label, "");
    let dir = tempfile::tempdir().unwrap();
    let prop = dir.path().join(format!("digit{digit}_eps{levels}.vnnlib"));
    std::fs::write(&prop, text).unwrap();
    let mut all = vec!["verify", model, prop.to_str().unwrap()];
    all.extend_from_slice(args);
    all.push("--json");
    super::vera_json(&all)
}
