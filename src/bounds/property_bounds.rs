//! Bounds for a whole property: a box around the outputs of each input region, a bound on
//! each atom of the unsafe condition, and whether those alone show that the property holds.

use super::{Method, Objective, RelaxedQuery, VarBounds};
use crate::network::Network;
use crate::query::{AtomOrigin, Query, QueryError};
use crate::spec::{Property, Relation, SubProblemId};
use num_rational::BigRational;
use std::time::{Duration, Instant};

/// A closed interval of reals (`±∞` allowed).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
}

impl Interval {
    /// The smallest interval containing both.
    pub fn hull(self, other: Interval) -> Interval {
        Interval {
            lower: self.lower.min(other.lower),
            upper: self.upper.max(other.upper),
        }
    }
}

/// The bound on one atom `Σ a·y (<=|>=) b` of an unsafe disjunct.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AtomBound {
    /// Which sub-problem (case, input polytope, output disjunct) the atom belongs to.
    #[serde(skip)]
    pub sub_problem: SubProblemId,
    /// The atom as text, e.g. `Y_0 - Y_1 >= 0`.
    pub atom: String,
    /// The range of its left-hand side `Σ a·y` (only the side that can refute it is tight).
    pub range: Interval,
    /// True when the range shows that no output satisfies the atom.
    pub refuted: bool,
}

/// Bounds over one input polytope (its box; extra linear input constraints are ignored).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegionBounds {
    pub case: usize,
    pub input_polytope: usize,
    /// `None` when the region is empty (it holds no input at all).
    pub outputs: Option<Vec<Interval>>,
    pub atoms: Vec<AtomBound>,
    /// Unstable ReLUs left after propagation.
    pub unstable_relus: usize,
}

/// What bounds alone say about a property.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyBounds {
    pub method: Method,
    pub regions: Vec<RegionBounds>,
    /// The hull of the output boxes of all non-empty regions (`None` if all are empty).
    pub outputs: Option<Vec<Interval>>,
    /// True when every sub-problem has a refuted atom or an empty region: the property holds.
    pub holds: bool,
    pub elapsed: Duration,
}

/// Computes [`PropertyBounds`] for `property` on `net` by `method`.
pub fn property_bounds(
    net: &Network,
    property: &Property,
    method: Method,
) -> Result<PropertyBounds, QueryError> {
    let start = Instant::now();
    let mut regions: Vec<RegionBounds> = Vec::new();
    let mut holds = true;
    let mut current: Option<(RelaxedQuery, Option<super::Bounds>, Query)> = None;
    for sub in property.sub_problems() {
        let same_region = regions
            .last()
            .is_some_and(|r| (r.case, r.input_polytope) == (sub.id.case, sub.id.input_polytope));
        if !same_region {
            let query = Query::new(net, &sub)?;
            let relaxed = RelaxedQuery::new(&query);
            let propagated = relaxed.propagate(&VarBounds::of_query(&query), method).ok();
            let outputs = propagated.as_ref().map(|b| {
                query
                    .outputs
                    .iter()
                    .map(|&y| {
                        let objective = Objective::var(y, false);
                        match method {
                            Method::Alpha => Interval {
                                lower: relaxed.lower_bound(b, &objective).value,
                                upper: relaxed.upper_bound(b, &objective),
                            },
                            _ => Interval {
                                lower: b.lower[y],
                                upper: b.upper[y],
                            },
                        }
                    })
                    .collect()
            });
            let unstable_relus = propagated.as_ref().map_or(0, |b| {
                query
                    .relus()
                    .filter(|r| b.lower[r.pre] < 0.0 && b.upper[r.pre] > 0.0)
                    .count()
            });
            regions.push(RegionBounds {
                case: sub.id.case,
                input_polytope: sub.id.input_polytope,
                outputs,
                atoms: Vec::new(),
                unstable_relus,
            });
            current = Some((relaxed, propagated, query));
        }
        let (Some((relaxed, propagated, base)), Some(region)) = (&current, regions.last_mut())
        else {
            unreachable!("a region is pushed before its first sub-problem")
        };
        let Some(b) = propagated else {
            continue; // an empty region closes every sub-problem
        };
        let query = base.for_sub_problem(&sub)?;
        let mut closed = false;
        for (atom, text) in query
            .atoms
            .iter()
            .filter(|a| a.origin == AtomOrigin::Output)
            .zip(&sub.unsafe_outputs.atoms)
        {
            let objective = Objective::new(&atom.terms);
            let (range, refuted) = match atom.relation {
                Relation::Le => {
                    let lower = relaxed.lower_bound(b, &objective).value;
                    let range = Interval {
                        lower,
                        upper: f64::INFINITY,
                    };
                    (range, exceeds(lower, &atom.bound))
                }
                Relation::Ge => {
                    let upper = relaxed.upper_bound(b, &objective);
                    let range = Interval {
                        lower: f64::NEG_INFINITY,
                        upper,
                    };
                    (range, falls_short(upper, &atom.bound))
                }
            };
            closed |= refuted;
            region.atoms.push(AtomBound {
                sub_problem: sub.id,
                atom: atom_text(text),
                range,
                refuted,
            });
        }
        holds &= closed;
    }
    let outputs = regions
        .iter()
        .filter_map(|r| r.outputs.clone())
        .reduce(|a, b| a.into_iter().zip(b).map(|(x, y)| x.hull(y)).collect());
    Ok(PropertyBounds {
        method,
        regions,
        outputs,
        holds,
        elapsed: start.elapsed(),
    })
}

/// `value > bound`, exactly.
fn exceeds(value: f64, bound: &BigRational) -> bool {
    BigRational::from_float(value).is_some_and(|v| v > *bound) || value == f64::INFINITY
}

/// `value < bound`, exactly.
fn falls_short(value: f64, bound: &BigRational) -> bool {
    BigRational::from_float(value).is_some_and(|v| v < *bound) || value == f64::NEG_INFINITY
}

/// `a·Y_i + ... (<=|>=) b` with f64 numerals, for reading (the exact atom is in the property).
fn atom_text(c: &crate::spec::LinearConstraint) -> String {
    let mut s = String::new();
    for (k, (i, a)) in c.terms_f64().into_iter().enumerate() {
        let sign = if a < 0.0 { "-" } else { "+" };
        match (k, a.abs() == 1.0) {
            (0, true) if a < 0.0 => s.push_str(&format!("-Y_{i}")),
            (0, true) => s.push_str(&format!("Y_{i}")),
            (0, false) => s.push_str(&format!("{a}*Y_{i}")),
            (_, true) => s.push_str(&format!(" {sign} Y_{i}")),
            (_, false) => s.push_str(&format!(" {sign} {}*Y_{i}", a.abs())),
        }
    }
    format!("{s} {} {}", c.relation().symbol(), c.bound_f64())
}

/// A linear function of a network's outputs, `Σ coeff·y_j + constant`, to bound.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputTarget {
    pub terms: Vec<(usize, BigRational)>,
    pub constant: BigRational,
}

/// Sound ranges of `targets` over every input of `region` (the hull over its polytopes; each
/// polytope's box only), or `None` when the region is empty.
pub fn target_ranges(
    net: &Network,
    region: &crate::spec::InputRegion,
    targets: &[OutputTarget],
    method: Method,
) -> Result<Option<Vec<Interval>>, QueryError> {
    let no_condition = crate::spec::OutputConjunction::new(Vec::new());
    let mut hull: Option<Vec<Interval>> = None;
    for (k, polytope) in region.polytopes.iter().enumerate() {
        let sub = crate::spec::SubProblem {
            id: SubProblemId {
                case: 0,
                input_polytope: k,
                output_disjunct: 0,
            },
            inputs: polytope,
            unsafe_outputs: &no_condition,
        };
        let query = Query::new(net, &sub)?;
        let relaxed = RelaxedQuery::new(&query);
        let Ok(b) = relaxed.propagate(&VarBounds::of_query(&query), method) else {
            continue; // an empty polytope
        };
        let ranges: Vec<Interval> = targets
            .iter()
            .map(|t| -> Result<Interval, QueryError> {
                let mut terms = Vec::with_capacity(t.terms.len());
                for (j, c) in &t.terms {
                    let y = *query.outputs.get(*j).ok_or(QueryError::OutputCount {
                        property: j + 1,
                        network: query.outputs.len(),
                    })?;
                    terms.push((y, c.clone()));
                }
                let objective = Objective::new(&terms);
                let lower = relaxed.lower_bound(&b, &objective).value;
                let upper = relaxed.upper_bound(&b, &objective);
                Ok(Interval {
                    lower: shifted(lower, &t.constant, true),
                    upper: shifted(upper, &t.constant, false),
                })
            })
            .collect::<Result<_, _>>()?;
        hull = Some(match hull {
            None => ranges,
            Some(h) => h.into_iter().zip(ranges).map(|(a, b)| a.hull(b)).collect(),
        });
    }
    Ok(hull)
}

/// `value + constant`, rounded outward (down for a lower bound).
fn shifted(value: f64, constant: &BigRational, down: bool) -> f64 {
    match BigRational::from_float(value) {
        Some(v) => {
            num_traits::ToPrimitive::to_f64(&crate::exact::round_to_f64(&(v + constant), down))
                .unwrap_or(value)
        }
        None => value, // ±∞ stays
    }
}
