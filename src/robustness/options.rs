//! The radii a minimal-perturbation search may probe: multiples of a rational step up to a largest radius, and the clip range.

use super::ball::Clip;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Most steps a search may span. Bisection needs only log2 of it in probes, but step counts
/// are reported as JSON integers, which stay exact up to 2^53.
const MAX_STEPS: u64 = 1 << 53;

/// What the search probes: radii `k·step` for `k = 1..=max_steps`, inside `clip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub step: BigRational,
    pub max_steps: u64,
    pub clip: Option<Clip>,
    /// Whether the step is the user's grid (`--step`) rather than one derived from a
    /// tolerance: then the answer is an exact step count, otherwise a bracket on a real ε.
    pub exact_grid: bool,
}

/// Why search options make no sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOptions {
    #[error("the step must be positive, got {0}")]
    Step(String),
    #[error("the largest radius must be positive, got {0}")]
    MaxEps(String),
    #[error("the largest radius {max_eps} is smaller than one step ({step})")]
    BelowOneStep { max_eps: String, step: String },
    #[error("the largest radius spans more than 2^53 steps")]
    TooManySteps,
    #[error("the tolerance must lie in (0, 1] (a fraction of the largest radius), got {0}")]
    Tolerance(String),
    #[error("the clip range is empty: {lo} > {hi}")]
    EmptyClip { lo: String, hi: String },
}

fn show(q: &BigRational) -> String {
    crate::exact::format_rational(q)
}

impl Options {
    /// Radii `k·step` up to `max_eps` (the largest multiple of `step` not above it).
    pub fn stepped(
        step: BigRational,
        max_eps: BigRational,
        clip: Option<Clip>,
    ) -> Result<Options, InvalidOptions> {
        if !step.is_positive() {
            return Err(InvalidOptions::Step(show(&step)));
        }
        check_max_eps(&max_eps)?;
        check_clip(clip.as_ref())?;
        let steps: BigInt = (&max_eps / &step).floor().to_integer();
        if steps.is_zero() {
            return Err(InvalidOptions::BelowOneStep {
                max_eps: show(&max_eps),
                step: show(&step),
            });
        }
        let max_steps = steps
            .to_u64()
            .filter(|&n| n <= MAX_STEPS)
            .ok_or(InvalidOptions::TooManySteps)?;
        Ok(Options {
            step,
            max_steps,
            clip,
            exact_grid: true,
        })
    }

    /// A real ε in `(0, max_eps]` to within `tolerance · max_eps`: the grid of
    /// `ceil(1/tolerance)` equal steps, whose last radius is `max_eps` itself.
    pub fn to_tolerance(
        max_eps: BigRational,
        tolerance: BigRational,
        clip: Option<Clip>,
    ) -> Result<Options, InvalidOptions> {
        check_max_eps(&max_eps)?;
        if !tolerance.is_positive() || tolerance > BigRational::one() {
            return Err(InvalidOptions::Tolerance(show(&tolerance)));
        }
        check_clip(clip.as_ref())?;
        let steps: BigInt = tolerance.recip().ceil().to_integer();
        let max_steps = steps
            .to_u64()
            .filter(|&n| n <= MAX_STEPS)
            .ok_or(InvalidOptions::TooManySteps)?;
        Ok(Options {
            step: max_eps / BigRational::from_integer(steps),
            max_steps,
            clip,
            exact_grid: false,
        })
    }

    /// The radius of `k` steps.
    pub fn radius(&self, k: u64) -> BigRational {
        &self.step * BigRational::from_integer(k.into())
    }

    /// The largest radius probed.
    pub fn max_radius(&self) -> BigRational {
        self.radius(self.max_steps)
    }
}

fn check_max_eps(max_eps: &BigRational) -> Result<(), InvalidOptions> {
    if max_eps.is_positive() {
        Ok(())
    } else {
        Err(InvalidOptions::MaxEps(show(max_eps)))
    }
}

fn check_clip(clip: Option<&Clip>) -> Result<(), InvalidOptions> {
    match clip {
        Some(c) if c.lo > c.hi => Err(InvalidOptions::EmptyClip {
            lo: show(&c.lo),
            hi: show(&c.hi),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn steps_up_to_the_largest_radius() {
        let o = Options::stepped(q(1, 255), q(1, 10), None).unwrap();
        assert_eq!(o.max_steps, 25);
        assert_eq!(o.radius(3), q(1, 85));
        assert!(Options::stepped(q(1, 2), q(1, 3), None).is_err());
        assert!(Options::stepped(q(0, 1), q(1, 3), None).is_err());
        let t = Options::to_tolerance(q(1, 1), q(3, 10), None).unwrap();
        assert_eq!((t.max_steps, t.step.clone()), (4, q(1, 4)));
        assert_eq!(t.max_radius(), q(1, 1));
        assert!(Options::to_tolerance(q(1, 1), q(2, 1), None).is_err());
    }
}
