//! A first binarised linear layer over inputs quantised to a grid (EEV's input quantiser,
//! `q = round(x / s)` then `q·s'` into an affine map with weights in {−1, 0, 1}), folded
//! exactly over an input box: each input becomes an integer grid variable read as order bits
//! `[q ≥ k]` (thresholds on `x`), and each first-layer neuron an integer sum `Σ w_i·q_i` whose
//! bit is decided, for every value the sum can take over the box, from a rigorous enclosure of
//! what float32 computes for it in any summation order, or reported as ambiguous.

use super::chain::Chain;
use super::input_bit::InputBit;
use super::Rule;
use crate::network::Precision;

/// Widest range of grid values one input may span over a box (each value is an order bit).
pub const MAX_LEVELS: i64 = 1 << 12;

/// Most operands one first-layer sum may add: keeps the accumulated rounding error below
/// 2^-10 of the largest partial sum, which the enclosure's bound on every partial sum assumes.
const MAX_OPERANDS: usize = 1 << 13;

/// Relative slack for evaluating the enclosure in f64 (a few hundred f64 operations on numbers
/// below the largest partial sum, each off by at most 2^-53 of it): widens every interval so
/// that f64 rounding cannot make it claim a side of the threshold it does not lie on.
const F64_SLACK: f64 = 1.0 / (1u64 << 40) as f64;

/// One input's quantiser: `q = round_half_even(pre(x))` and the value `post(q)` the affine
/// map reads, each chain executed in float32.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantiser {
    pub pre: Chain,
    pub post: Chain,
}

impl Quantiser {
    /// The grid level of `x` (a float32 value), as float32 execution computes it (±∞ when the
    /// pre-chain overflows).
    pub fn level(&self, x: f64) -> f64 {
        self.pre.apply(x, Precision::F32).round_ties_even()
    }

    /// The value the affine map reads for level `q`.
    pub fn value(&self, q: i64) -> f64 {
        self.post.apply(q as f64, Precision::F32)
    }

    /// The levels of the float32 values in `[lowest, highest]` (from the least up) and the
    /// order bits `[q ≥ k]` for every level `k` above the least, as thresholds on `x`.
    pub fn order_bits(&self, lowest: f64, highest: f64) -> Result<(i64, Vec<InputBit>), String> {
        let (a, b) = (self.level(lowest), self.level(highest));
        let (lo, hi) = (a.min(b), a.max(b));
        if !(lo.is_finite() && hi.is_finite()) || hi - lo > MAX_LEVELS as f64 {
            return Err(format!(
                "x in [{lowest}, {highest}] spans grid levels {lo} to {hi}; vera folds quantised \
                 inputs over at most {MAX_LEVELS} levels (bound the input box)"
            ));
        }
        let (lo, hi) = (lo as i64, hi as i64);
        let bits = (lo + 1..=hi)
            .map(|k| {
                // Clamped to the box so that values outside it (where the level may overflow)
                // cannot break monotonicity.
                let fires = |x: f64| self.level(x.clamp(lowest, highest)) >= k as f64;
                InputBit::of_monotone(fires, Precision::F32)
            })
            .collect();
        Ok((lo, bits))
    }

    /// `c` when `post(q)` is `c·q` rounded to float32 (one multiplication, or none).
    pub fn scale(&self) -> Option<f64> {
        match self.post.steps.as_slice() {
            [] => Some(1.0),
            [(crate::network::ElementwiseOp::Mul, c)] => Some(f64::from(*c as f32)),
            _ => None,
        }
    }
}

/// A first-layer neuron's float32 value enclosed as a function of its integer sum `S`: for
/// every input in the box whose levels give `S`, the value float32 computes, in any order of
/// the additions, lies in `[c·S + d_lo + bias − e, c·S + d_hi + bias + e]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Enclosure {
    /// The grid scale `s'` (every value read is `fl(s'·q) = s'·q + d(q)`).
    pub scale: f64,
    /// Least and greatest `Σ w_i·d(q_i)` over the box (each term bounded on its own).
    pub d_lo: f64,
    pub d_hi: f64,
    pub bias: f64,
    /// The rounding error of all additions: (operands − 1) times the largest error of one.
    pub error: f64,
    /// The largest magnitude of any partial sum, for the f64 slack.
    pub magnitude: f64,
}

/// The largest rounding error of one float32 addition whose exact result is at most `m` in
/// magnitude: half an ulp of the binade of `m` (2^-150 below the normal range).
fn half_ulp_up_to(m: f64) -> f64 {
    if m < f64::from(f32::MIN_POSITIVE) {
        return 2f64.powi(-150);
    }
    2f64.powi(m.log2().floor() as i32 - 24)
}

/// What one input contributes over a box: the least and greatest value the affine map reads
/// (`post(q)` for its levels `q`) and of the deviation `d(q) = post(q) − s'·q`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Levels {
    pub lowest: i64,
    pub highest: i64,
    pub value: (f64, f64),
    pub deviation: (f64, f64),
}

impl Levels {
    /// Over the levels `lowest..=highest` of `quantiser`, whose grid scale is `scale`.
    pub fn new(quantiser: &Quantiser, scale: f64, lowest: i64, highest: i64) -> Levels {
        let (mut v_lo, mut v_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut d_lo, mut d_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for q in lowest..=highest {
            let v = quantiser.value(q);
            // Exact: |q| <= 2^12 + 2^24 and `scale` has 24 bits, so `scale·q` is an f64; `v` is
            // within an ulp of it (Sterbenz).
            let d = v - scale * q as f64;
            (v_lo, v_hi) = (v_lo.min(v), v_hi.max(v));
            (d_lo, d_hi) = (d_lo.min(d), d_hi.max(d));
        }
        Levels {
            lowest,
            highest,
            value: (v_lo, v_hi),
            deviation: (d_lo, d_hi),
        }
    }
}

impl Enclosure {
    /// The enclosure of `bias + Σ w·post(q)` over `terms` (weight ±1, the input's levels).
    pub fn new(terms: &[(i64, &Levels)], scale: f64, bias: f64) -> Result<Enclosure, String> {
        let (mut d_lo, mut d_hi) = (0.0, 0.0);
        let (mut positive, mut negative) = (0.0f64, 0.0f64);
        let mut operands = usize::from(bias != 0.0);
        for &(w, levels) in terms {
            let (v, d) = (levels.value, levels.deviation);
            let ((t_lo, t_hi), (e_lo, e_hi)) = if w > 0 {
                (v, d)
            } else {
                ((-v.1, -v.0), (-d.1, -d.0))
            };
            if !(t_lo.is_finite() && t_hi.is_finite()) {
                return Err("a grid value is not finite".into());
            }
            d_lo += e_lo;
            d_hi += e_hi;
            positive += t_hi.max(0.0);
            negative += (-t_lo).max(0.0);
            // An operand that is always zero adds exactly.
            if t_lo != 0.0 || t_hi != 0.0 {
                operands += 1;
            }
        }
        if operands > MAX_OPERANDS {
            return Err(format!(
                "{operands} operands; vera bounds the rounding of at most {MAX_OPERANDS}"
            ));
        }
        // Every exact partial sum lies in [−negative − |bias|, positive + |bias|]; computed ones
        // differ by at most the total error, below 2^-10 of that (MAX_OPERANDS·2^-24).
        let magnitude = (positive.max(negative) + bias.abs()) * (1.0 + 1.0 / 1024.0);
        let error = operands.saturating_sub(1) as f64 * half_ulp_up_to(magnitude);
        Ok(Enclosure {
            scale,
            d_lo,
            d_hi,
            bias,
            error,
            magnitude,
        })
    }

    /// The interval the computed value lies in when the integer sum is `s`.
    pub fn interval(&self, s: i64) -> (f64, f64) {
        let centre = self.scale * s as f64 + self.bias;
        let slack = F64_SLACK * (centre.abs() + self.magnitude + 1.0);
        (
            centre + self.d_lo - self.error - slack,
            centre + self.d_hi + self.error + slack,
        )
    }
}

/// A first-layer neuron whose bit is not a function of its integer sum over the box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ambiguous {
    pub sum: i64,
    pub interval: (f64, f64),
    pub threshold: InputBit,
}

impl std::fmt::Display for Ambiguous {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let t = match self.threshold {
            InputBit::AtLeast(t) | InputBit::AtMost(t) => t,
            InputBit::Always(_) => f64::NAN,
        };
        write!(
            f,
            "at integer sum {} its float32 pre-activation lies in [{}, {}] (depending on the \
             summation order), across its sign threshold {t}",
            self.sum, self.interval.0, self.interval.1
        )
    }
}

/// The rule of a first-layer neuron over the sums `lo..=hi`: its bit is `fires(z)` for the
/// computed value `z` (a threshold on `z`), decided for each sum from the enclosure.
pub fn rule(enclosure: &Enclosure, lo: i64, hi: i64, fires: InputBit) -> Result<Rule, Ambiguous> {
    let decide = |s: i64| -> Result<bool, Ambiguous> {
        let (a, b) = enclosure.interval(s);
        let (fa, fb) = (fires.fires(a), fires.fires(b));
        // `fires` is monotone, so the ends agreeing decides the whole interval; the ends are
        // f64, not float32 values, so compare them as reals (`fires` does).
        if fa == fb {
            Ok(fa)
        } else {
            Err(Ambiguous {
                sum: s,
                interval: (a, b),
                threshold: fires,
            })
        }
    };
    let at_lo = decide(lo)?;
    let mut changes = Vec::new();
    let mut prev = at_lo;
    for s in lo + 1..=hi {
        let now = decide(s)?;
        if now != prev {
            changes.push(s);
        }
        prev = now;
    }
    Ok(match changes.as_slice() {
        [] => Rule::Always(at_lo),
        [p] if !at_lo => Rule::AtLeast(*p),
        [p] => Rule::AtMost(*p - 1),
        // A threshold on a monotone enclosure crosses once; never reached.
        _ => {
            return Err(Ambiguous {
                sum: changes[1],
                interval: enclosure.interval(changes[1]),
                threshold: fires,
            })
        }
    })
}
