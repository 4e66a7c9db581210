//! The L∞ ball of a radius around a centre, clipped to the valid input range, and the property "some input in it is misclassified".

use crate::spec::{
    Case, InputBox, InputPolytope, InputRegion, InvalidProperty, LinearConstraint,
    OutputConjunction, OutputDnf, Property, Relation,
};
use num_rational::BigRational;
use num_traits::{One, Zero};

/// The valid input range `[lo, hi]`, the same for every input (e.g. `[0, 1]` for pixels):
/// the search never leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    pub lo: BigRational,
    pub hi: BigRational,
}

/// The box `[max(lo, c_i − r), min(hi, c_i + r)]` per input: the L∞ ball of radius `r`
/// around `center`, intersected with the clip range when there is one.
pub fn ball_box(center: &[BigRational], radius: &BigRational, clip: Option<&Clip>) -> InputBox {
    let mut lower = Vec::with_capacity(center.len());
    let mut upper = Vec::with_capacity(center.len());
    for c in center {
        let (mut l, mut u) = (c - radius, c + radius);
        if let Some(clip) = clip {
            l = l.max(clip.lo.clone());
            u = u.min(clip.hi.clone());
        }
        lower.push(Some(l));
        upper.push(Some(u));
    }
    InputBox { lower, upper }
}

/// The outputs at which `label` is not the strict winner: `∨_{j≠label} y_j − y_label ≥ 0`
/// (a tie counts as a misclassification, as an argmax with unlucky tie-breaking would).
pub fn misclassified(num_outputs: usize, label: usize) -> OutputDnf {
    let one = BigRational::one();
    OutputDnf::new(
        (0..num_outputs)
            .filter(|&j| j != label)
            .filter_map(|j| {
                LinearConstraint::new(
                    [(j, one.clone()), (label, -one.clone())],
                    Relation::Ge,
                    BigRational::zero(),
                )
                .ok()
            })
            .map(|atom| OutputConjunction::new(vec![atom]))
            .collect(),
    )
}

/// "Some input within `radius` of `center` (inside `clip`) is not classified as `label`"
/// for a network with `num_outputs` outputs: violated iff the ball holds an adversarial input.
pub fn misclassification_property(
    center: &[BigRational],
    label: usize,
    num_outputs: usize,
    radius: &BigRational,
    clip: Option<&Clip>,
) -> Result<Property, InvalidProperty> {
    let bounds = ball_box(center, radius, clip);
    Property::new(
        center.len(),
        num_outputs,
        vec![Case {
            inputs: InputRegion {
                polytopes: vec![InputPolytope::new(bounds, vec![])],
            },
            unsafe_outputs: misclassified(num_outputs, label),
        }],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn the_ball_stays_inside_the_clip_range() {
        let clip = Clip {
            lo: q(0, 1),
            hi: q(1, 1),
        };
        let b = ball_box(&[q(1, 10), q(1, 2)], &q(1, 5), Some(&clip));
        assert_eq!(b.lower, vec![Some(q(0, 1)), Some(q(3, 10))]);
        assert_eq!(b.upper, vec![Some(q(3, 10)), Some(q(7, 10))]);
    }

    #[test]
    fn every_other_output_is_a_disjunct() {
        let p = misclassification_property(&[q(0, 1)], 1, 3, &q(1, 1), None).unwrap();
        assert_eq!(p.sub_problems().count(), 2);
        let y = |v: [i64; 3]| v.map(|x| q(x, 1)).to_vec();
        let x = [q(0, 1)];
        assert!(!p.check_exact(&x, &y([0, 2, 1])).unwrap().violated);
        assert!(p.check_exact(&x, &y([2, 2, 1])).unwrap().violated);
        assert!(p.check_exact(&x, &y([0, 2, 3])).unwrap().violated);
    }
}
