//! The search's literals: a ReLU phase, or one half of an input interval.

/// The phase a literal gives a ReLU `h = max(0, z)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// `z ≥ 0` and `h = z`.
    Active,
    /// `z ≤ 0` and `h = 0`.
    Inactive,
}

impl Phase {
    pub fn flipped(self) -> Phase {
        match self {
            Phase::Active => Phase::Inactive,
            Phase::Inactive => Phase::Active,
        }
    }
}

/// A constraint the search decides or implies. Each literal's negation is again a literal
/// (closed half-spaces: `¬(z ≥ 0)` is taken as `z ≤ 0`, `¬(x ≤ c)` as `x ≥ c`), so the two
/// sides of a split cover the region between them, overlapping only on the boundary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Literal {
    /// The ReLU with this index (in step order) has this phase.
    Phase { relu: usize, phase: Phase },
    /// Input `input` lies in the upper half `x ≥ at` (`upper`) or the lower half `x ≤ at`.
    Input { input: usize, at: f64, upper: bool },
}

impl Literal {
    pub fn negated(self) -> Literal {
        match self {
            Literal::Phase { relu, phase } => Literal::Phase {
                relu,
                phase: phase.flipped(),
            },
            Literal::Input { input, at, upper } => Literal::Input {
                input,
                at,
                upper: !upper,
            },
        }
    }

    /// Narrows the interval `[lo, hi]` of its input by an input literal (no-op for phases).
    pub fn narrow(self, lo: &mut [f64], hi: &mut [f64]) {
        if let Literal::Input { input, at, upper } = self {
            if upper {
                lo[input] = lo[input].max(at);
            } else {
                hi[input] = hi[input].min(at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negation_is_an_involution_and_halves_cover_the_interval() {
        let p = Literal::Phase {
            relu: 3,
            phase: Phase::Active,
        };
        assert_eq!(p.negated().negated(), p);
        let x = Literal::Input {
            input: 1,
            at: 0.25,
            upper: false,
        };
        assert_eq!(x.negated().negated(), x);
        let (mut lo, mut hi) = (vec![0.0, 0.0], vec![1.0, 1.0]);
        x.narrow(&mut lo, &mut hi);
        assert_eq!((lo[1], hi[1]), (0.0, 0.25));
        let (mut lo2, mut hi2) = (vec![0.0, 0.0], vec![1.0, 1.0]);
        x.negated().narrow(&mut lo2, &mut hi2);
        assert_eq!((lo2[1], hi2[1]), (0.25, 1.0));
    }
}
