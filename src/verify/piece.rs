//! Pieces of a property for split and conquer: each is itself a property (one input polytope
//! with a narrowed box, and its output DNF), so it can be decided on its own, written as a
//! VNN-LIB file next to a reference to the network, and run anywhere.

use crate::spec::{to_f64, Case, InputRegion, Property};
use num_rational::BigRational;

/// A piece: the property it is, and how many bisections made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub property: Property,
    pub depth: usize,
}

/// One piece per input polytope of `property` (its case's whole output DNF with it).
pub fn pieces(property: &Property) -> Vec<Piece> {
    property
        .cases()
        .iter()
        .flat_map(|case| {
            case.inputs.polytopes.iter().map(|p| {
                let case = Case {
                    inputs: InputRegion {
                        polytopes: vec![p.clone()],
                    },
                    unsafe_outputs: case.unsafe_outputs.clone(),
                };
                let property =
                    Property::new(property.num_inputs(), property.num_outputs(), vec![case])
                        .expect("a case of a valid property is a valid property");
                Piece { property, depth: 0 }
            })
        })
        .collect()
}

/// Splits `piece` in two halves at the exact midpoint of the input whose width, relative to
/// `scale` (the widths of the original region), is largest; `None` when no bounded input has
/// a positive width.
pub fn bisect(piece: &Piece, scale: &[f64]) -> Option<(Piece, Piece)> {
    let case = piece.property.cases().first()?;
    let polytope = case.inputs.polytopes.first()?;
    let b = &polytope.bounds;
    let relative = |i: usize| -> Option<f64> {
        let (lo, hi) = (b.lower[i].as_ref()?, b.upper[i].as_ref()?);
        let w = to_f64(&(hi - lo));
        let s = scale.get(i).copied().filter(|s| *s > 0.0).unwrap_or(1.0);
        (w > 0.0).then_some(w / s)
    };
    let dim = (0..b.num_inputs())
        .filter_map(|i| relative(i).map(|w| (i, w)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    let (lo, hi) = (b.lower[dim].clone()?, b.upper[dim].clone()?);
    let mid = (lo + hi) / BigRational::from_integer(2.into());
    let half = |lower: bool| {
        let mut p = polytope.clone();
        if lower {
            p.bounds.upper[dim] = Some(mid.clone());
        } else {
            p.bounds.lower[dim] = Some(mid.clone());
        }
        let case = Case {
            inputs: InputRegion { polytopes: vec![p] },
            unsafe_outputs: case.unsafe_outputs.clone(),
        };
        let property = Property::new(
            piece.property.num_inputs(),
            piece.property.num_outputs(),
            vec![case],
        )
        .expect("half of a valid piece is a valid piece");
        Piece {
            property,
            depth: piece.depth + 1,
        }
    };
    Some((half(true), half(false)))
}

/// The widths of the first polytope's box (1 where unbounded), the `scale` for [`bisect`].
pub fn widths(property: &Property) -> Vec<f64> {
    let Some(p) = property
        .cases()
        .first()
        .and_then(|c| c.inputs.polytopes.first())
    else {
        return vec![1.0; property.num_inputs()];
    };
    (0..p.bounds.num_inputs())
        .map(|i| match (&p.bounds.lower[i], &p.bounds.upper[i]) {
            (Some(l), Some(h)) => to_f64(&(h - l)),
            _ => 1.0,
        })
        .collect()
}

/// `pieces`, each bisected (shallowest first) until there are at least `count`, or no piece
/// can be split.
pub fn split_into(property: &Property, count: usize) -> Vec<Piece> {
    let scale = widths(property);
    let mut open = pieces(property);
    let mut whole = Vec::new(); // pieces no bisection can split
    while open.len() + whole.len() < count {
        let Some(k) = (0..open.len()).min_by_key(|&k| open[k].depth) else {
            break;
        };
        match bisect(&open[k], &scale) {
            Some((a, b)) => {
                open[k] = a;
                open.push(b);
            }
            None => whole.push(open.swap_remove(k)),
        }
    }
    open.extend(whole);
    open
}
