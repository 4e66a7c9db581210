//! Generated binarised-network queries and the exhaustive oracle that decides them: the
//! network's output depends on the input bits only, and each input's bit is a monotone
//! function of it, so the corners of the box (the least and greatest float32 value of every
//! input) realise every reachable bit pattern; the oracle runs float32 execution on all of them
//! and checks the property exactly, sharing no code with the folding or any encoding.

use super::generate::random_bnn;
use super::Sampler;
use num_rational::BigRational;
use vera::network::Network;
use vera::spec::{vnnlib, Property};

/// A generated network, a property over it, and the float32 box the property's inputs span.
pub struct BnnCase {
    pub net: Network,
    pub property: Property,
    pub lo: Vec<f32>,
    pub hi: Vec<f32>,
}

/// Whether some corner of the box is a counterexample (float32 execution, exact check).
pub fn corner_oracle(net: &Network, p: &Property, lo: &[f32], hi: &[f32]) -> bool {
    let n = lo.len();
    (0..1u32 << n).any(|mask| {
        let x: Vec<f32> = (0..n)
            .map(|i| if mask >> i & 1 == 1 { hi[i] } else { lo[i] })
            .collect();
        let y = net.eval(&x).unwrap();
        let xe: Vec<BigRational> = x
            .iter()
            .map(|v| BigRational::from_float(*v).unwrap())
            .collect();
        let ye: Vec<BigRational> = y
            .iter()
            .map(|v| BigRational::from_float(*v).unwrap())
            .collect();
        p.check_exact(&xe, &ye).unwrap().violated
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
