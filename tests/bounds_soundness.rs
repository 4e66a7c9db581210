//! The bounds module is sound: on generated networks with every layer kind (checked exactly
//! against the query's rational semantics) and on the ACAS Xu networks under their property
//! boxes (over a million sampled inputs plus the box corners), no value ever falls outside
//! its computed bounds, for every method. Also: the query lowering is exact, the methods are
//! ordered by tightness as they must be, and compacting a query changes nothing it computes.

mod common;

use common::generate::arb_network;
use common::{acas_name, acasxu, Sampler};
use num_rational::BigRational;
use proptest::prelude::*;
use vera::bounds::{tighten_query_with, Method, Objective, RelaxedQuery, VarBounds};
use vera::network::{load, Network};
use vera::query::{AtomOrigin, Query};
use vera::spec::{vnnlib, Property};

const METHODS: [Method; 3] = [Method::Interval, Method::Symbolic, Method::Alpha];

fn q(v: f64) -> BigRational {
    BigRational::from_float(v).unwrap()
}

/// The box as a property (the output condition does not matter here).
fn box_property(net: &Network, lo: &[f64], hi: &[f64]) -> Property {
    let mut text = String::new();
    for i in 0..lo.len() {
        text += &format!(
            "(declare-const X_{i} Real)(assert (>= X_{i} {:?}))(assert (<= X_{i} {:?}))",
            lo[i], hi[i]
        );
    }
    for j in 0..net.num_outputs() {
        text += &format!("(declare-const Y_{j} Real)");
    }
    text += "(assert (<= Y_0 1000000))";
    vnnlib::parse(text.as_bytes(), "box.vnnlib", None).unwrap()
}

/// A network, a box (lower, upper), points in it (as fractions of the box), and the weights
/// of a linear objective over the outputs.
type Case = (Network, Vec<f64>, Vec<f64>, Vec<Vec<f64>>, Vec<f64>);

fn arb_case() -> impl Strategy<Value = Case> {
    (1usize..5).prop_flat_map(|inputs| {
        arb_network(inputs, 1..8).prop_flat_map(move |net| {
            let outputs = net.num_outputs();
            (
                Just(net),
                prop::collection::vec(-1.0f64..0.0, inputs),
                prop::collection::vec(0.0f64..1.0, inputs),
                prop::collection::vec(prop::collection::vec(0.0f64..=1.0, inputs), 40),
                prop::collection::vec(-2.0f64..2.0, outputs),
            )
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn bounds_contain_every_exact_value((net, lo, hi, fractions, weights) in arb_case()) {
        let property = box_property(&net, &lo, &hi);
        let sub = property.sub_problems().next().unwrap();
        let query = Query::new(&net, &sub).unwrap();
        let relaxed = RelaxedQuery::new(&query);
        let start = VarBounds::of_query(&query);
        // the box as the property states it (exact decimals), and points in it
        let qlo: Vec<BigRational> = query.inputs.iter().map(|v| query.lower[*v].clone().unwrap()).collect();
        let qhi: Vec<BigRational> = query.inputs.iter().map(|v| query.upper[*v].clone().unwrap()).collect();
        let n = lo.len();
        let corners = (0..1usize << n)
            .map(|m| (0..n).map(|i| if m >> i & 1 == 1 { 1.0 } else { 0.0 }).collect::<Vec<f64>>());
        let points: Vec<Vec<BigRational>> = fractions
            .iter()
            .cloned()
            .chain(corners)
            .map(|t| (0..n).map(|i| &qlo[i] + (&qhi[i] - &qlo[i]) * q(t[i])).collect())
            .collect();
        let objective_terms: Vec<(usize, BigRational)> =
            query.outputs.iter().zip(&weights).map(|(y, w)| (*y, q(*w))).collect();
        let objective = Objective::new(&objective_terms);
        let mut found = Vec::new();
        for method in METHODS {
            let b = relaxed.propagate(&start, method).unwrap();
            let obj_lo = relaxed.lower_bound(&b, &objective).value;
            let obj_hi = relaxed.upper_bound(&b, &objective);
            for x in &points {
                let values = query.evaluate(x);
                let y = net.eval(x).unwrap();
                for (j, v) in query.outputs.iter().enumerate() {
                    prop_assert_eq!(&values[*v], &y[j], "the query computes the network exactly");
                }
                for (v, value) in values.iter().enumerate() {
                    prop_assert!(*value >= q(b.lower[v]) || b.lower[v] == f64::NEG_INFINITY,
                        "{:?}: {} = {} below its lower bound {}", method, query.names[v], value, b.lower[v]);
                    prop_assert!(*value <= q(b.upper[v]) || b.upper[v] == f64::INFINITY,
                        "{:?}: {} = {} above its upper bound {}", method, query.names[v], value, b.upper[v]);
                }
                let obj: BigRational = objective_terms.iter().map(|(v, c)| c * &values[*v]).sum();
                prop_assert!(obj >= q(obj_lo) && obj <= q(obj_hi),
                    "{:?}: objective {} outside [{}, {}]", method, obj, obj_lo, obj_hi);
            }
            found.push((b, obj_lo, obj_hi));
        }
        // Tightness order: symbolic within interval (it intersects), alpha at least symbolic.
        let (interval, symbolic, alpha) = (&found[0], &found[1], &found[2]);
        for v in 0..query.num_vars() {
            prop_assert!(symbolic.0.lower[v] >= interval.0.lower[v] && symbolic.0.upper[v] <= interval.0.upper[v]);
        }
        prop_assert!(alpha.1 >= symbolic.1 && alpha.2 <= symbolic.2);
        // Compacting (with the phases the symbolic bounds decide) computes the same outputs.
        let mut tightened = query.clone();
        tighten_query_with(&mut tightened, &symbolic.0);
        let compact = tightened.compacted();
        for x in &points {
            let full = query.evaluate(x);
            let small = compact.evaluate(x);
            for (a, b) in query.outputs.iter().zip(&compact.outputs) {
                prop_assert_eq!(&full[*a], &small[*b]);
            }
        }
    }
}

/// ACAS Xu: all 45 networks under the boxes of properties 1–4, 6,000 sampled inputs each
/// (1.08 million in all) and the 32 corners: outputs and the properties' atoms stay within
/// their bounds. A float evaluation outside a bound is re-checked exactly before failing
/// (f64 evaluation error is not a bound violation).
#[test]
fn acasxu_outputs_stay_within_their_bounds() {
    let dir = acasxu();
    let mut sampler = Sampler::new(7);
    let mut checked = 0usize;
    for a in 1..=5 {
        for b in 1..=9 {
            let net = load(&dir.join("onnx").join(format!("{}.onnx", acas_name(a, b)))).unwrap();
            for p in 1..=4 {
                let path = dir.join("vnnlib").join(format!("prop_{p}.vnnlib"));
                let property = vnnlib::read(&path, None).unwrap();
                let sub = property.sub_problems().next().unwrap();
                let query = Query::new(&net, &sub).unwrap();
                let relaxed = RelaxedQuery::new(&query);
                let start = VarBounds::of_query(&query);
                let lo: Vec<f64> = query.inputs.iter().map(|&x| start.lower[x]).collect();
                let hi: Vec<f64> = query.inputs.iter().map(|&x| start.upper[x]).collect();
                let method = METHODS[(a + b + p) % 3];
                let bounds = relaxed.propagate(&start, method).unwrap();
                #[allow(clippy::type_complexity)]
                let atoms: Vec<(
                    Vec<(usize, f64)>,
                    f64,
                    f64,
                    &[(usize, BigRational)],
                )> = query
                    .atoms
                    .iter()
                    .filter(|at| at.origin == AtomOrigin::Output)
                    .map(|at| {
                        let o = Objective::new(&at.terms);
                        let terms = at
                            .terms
                            .iter()
                            .map(|(v, c)| {
                                let j = query.outputs.iter().position(|y| y == v).unwrap();
                                (j, vera::spec::to_f64(c))
                            })
                            .collect();
                        let l = relaxed.lower_bound(&bounds, &o).value;
                        (terms, l, relaxed.upper_bound(&bounds, &o), &at.terms[..])
                    })
                    .collect();
                let corners = (0..32usize).map(|m| {
                    (0..5)
                        .map(|i| if m >> i & 1 == 1 { hi[i] } else { lo[i] })
                        .collect::<Vec<f64>>()
                });
                let samples = (0..6000).map(|_| sampler.in_box(&lo, &hi));
                for x in corners.chain(samples) {
                    let y: Vec<f64> = net.eval(&x).unwrap();
                    let mut outside = y
                        .iter()
                        .zip(&query.outputs)
                        .any(|(v, &o)| *v < bounds.lower[o] || *v > bounds.upper[o]);
                    for (terms, l, u, _) in &atoms {
                        let v: f64 = terms.iter().map(|(j, c)| c * y[*j]).sum();
                        outside |= v < *l || v > *u;
                    }
                    if outside {
                        let xq: Vec<BigRational> = x.iter().map(|v| q(*v)).collect();
                        let values = query.evaluate(&xq);
                        for &o in &query.outputs {
                            assert!(
                                values[o] >= q(bounds.lower[o]) && values[o] <= q(bounds.upper[o]),
                                "{} prop_{p} {method:?}: output {o} at {x:?} is outside [{}, {}]",
                                acas_name(a, b),
                                bounds.lower[o],
                                bounds.upper[o]
                            );
                        }
                        for (_, l, u, exact_terms) in &atoms {
                            let v: BigRational =
                                exact_terms.iter().map(|(t, c)| c * &values[*t]).sum();
                            assert!(
                                v >= q(*l) && v <= q(*u),
                                "{} prop_{p} {method:?}: atom at {x:?} is outside [{l}, {u}]",
                                acas_name(a, b)
                            );
                        }
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 45 * 4 * 6032);
}
