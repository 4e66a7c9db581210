//! The bits a binarised network reads off its inputs: `chain(x) >= 0` for a per-input chain of
//! elementwise steps (BatchNorm), or `round(x / s) >= k` for a quantised input, each a monotone
//! function of `x`, so a threshold on `x`, found exactly by bisection over the representable
//! numbers of the network's precision.

use super::chain::Chain;
use crate::network::Precision;

/// When an input's bit is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputBit {
    /// From this value (representable in the network's precision) up.
    AtLeast(f64),
    /// Up to this value.
    AtMost(f64),
    Always(bool),
}

impl InputBit {
    /// Whether the bit is set at `x` (already rounded to the network's precision).
    pub fn fires(&self, x: f64) -> bool {
        match *self {
            InputBit::AtLeast(t) => x >= t,
            InputBit::AtMost(t) => x <= t,
            InputBit::Always(b) => b,
        }
    }

    /// The threshold of `chain(x) >= 0`.
    pub fn of_chain(chain: &Chain, precision: Precision) -> InputBit {
        InputBit::of_monotone(|x| chain.apply(x, precision) >= 0.0, precision)
    }

    /// The threshold of a predicate `fires` that is monotone over the numbers of `precision`
    /// (false then true, or true then false, from the least to the greatest).
    pub fn of_monotone(fires: impl Fn(f64) -> bool, precision: Precision) -> InputBit {
        let fires = |k: i64| fires(value(k, precision));
        let (lo, hi) = (key(f64::MIN, precision), key(f64::MAX, precision));
        let (at_lo, at_hi) = (fires(lo), fires(hi));
        if at_lo == at_hi {
            return InputBit::Always(at_lo); // monotone and equal at both ends
        }
        // Bisect for the first key where the answer is `at_hi`.
        let (mut a, mut b) = (lo, hi); // fires(a) == at_lo, fires(b) == at_hi
        while b - a > 1 {
            let m = a + (b - a) / 2;
            if fires(m) == at_hi {
                b = m;
            } else {
                a = m;
            }
        }
        if at_hi {
            InputBit::AtLeast(value(b, precision))
        } else {
            InputBit::AtMost(value(a, precision))
        }
    }
}

/// An integer key ordered as the numbers of `precision` are (±0 share key 0); `x` is first
/// rounded to the precision (f64::MIN/MAX become the precision's own extremes).
fn key(x: f64, precision: Precision) -> i64 {
    match precision {
        Precision::F32 => {
            let v = (x as f32).clamp(f32::MIN, f32::MAX);
            let b = v.to_bits();
            if b >> 31 == 1 {
                -i64::from(b & 0x7fff_ffff)
            } else {
                i64::from(b)
            }
        }
        Precision::F64 => {
            let b = x.to_bits();
            if b >> 63 == 1 {
                -((b & 0x7fff_ffff_ffff_ffff) as i64)
            } else {
                b as i64
            }
        }
    }
}

/// The number with key `k`.
fn value(k: i64, precision: Precision) -> f64 {
    match precision {
        Precision::F32 => {
            let bits = if k < 0 {
                (-k) as u32 | 0x8000_0000
            } else {
                k as u32
            };
            f64::from(f32::from_bits(bits))
        }
        Precision::F64 => {
            let bits = if k < 0 {
                (-k) as u64 | 0x8000_0000_0000_0000
            } else {
                k as u64
            };
            f64::from_bits(bits)
        }
    }
}
