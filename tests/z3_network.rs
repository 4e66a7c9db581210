//! The Z3 encoding of networks, checked against exact evaluation on generated networks with
//! answers known by construction.

use num_rational::BigRational;
use num_traits::ToPrimitive;
use proptest::prelude::*;
use vera::network::{
    Affine, Format, Layer, LayerKind, Matrix, Network, Precision, Provenance, Units,
};
use vera::smt_z3::{encode_network, rational_from_z3, real_from_rational};
use z3::{SatResult, Solver};

fn q(v: f64) -> BigRational {
    BigRational::from_float(v).unwrap()
}

fn provenance() -> Provenance {
    Provenance {
        path: None,
        format: Format::Memory,
        precision: Precision::F64,
        opset: None,
        input_name: "x".into(),
        output_name: "y".into(),
        normalization: None,
        units: Units::Normalized,
    }
}

/// A ReLU network with the given layer widths and weights drawn from `values`.
fn network(widths: &[usize], values: &[f64]) -> Network {
    let mut it = values.iter().cycle().copied();
    let mut layers = Vec::new();
    for (k, w) in widths.windows(2).enumerate() {
        let weights =
            Matrix::from_row_major(w[1], w[0], it.by_ref().take(w[0] * w[1]).collect()).unwrap();
        let bias = it.by_ref().take(w[1]).collect();
        let shape = vec![w[1]];
        layers.push(Layer {
            kind: LayerKind::Affine(Affine { weights, bias }),
            output_shape: shape.clone(),
            origin: "gen".into(),
        });
        if k + 2 < widths.len() {
            layers.push(Layer {
                kind: LayerKind::Relu,
                output_shape: shape,
                origin: "gen".into(),
            });
        }
    }
    let (first, last) = (widths[0], *widths.last().unwrap());
    Network::new(vec![first], layers, vec![last], provenance()).unwrap()
}

/// Sound interval bounds on every output over the box (an independent method, for tests).
fn interval_upper(net: &Network, lo: &[f64], hi: &[f64]) -> Vec<f64> {
    let (mut l, mut h) = (lo.to_vec(), hi.to_vec());
    for layer in net.layers() {
        match &layer.kind {
            LayerKind::Affine(a) => {
                let mut nl = a.bias.clone();
                let mut nh = a.bias.clone();
                for r in 0..a.weights.rows() {
                    for (c, w) in a.weights.row(r).iter().enumerate() {
                        nl[r] += (w * l[c]).min(w * h[c]);
                        nh[r] += (w * l[c]).max(w * h[c]);
                    }
                }
                (l, h) = (nl, nh);
            }
            LayerKind::Relu => {
                l = l.iter().map(|v| v.max(0.0)).collect();
                h = h.iter().map(|v| v.max(0.0)).collect();
            }
            _ => unreachable!("generated networks are affine + relu"),
        }
    }
    h
}

/// Asks Z3 for an input in the box whose output `j` is at least `t`; returns the exact witness.
fn find_at_least(
    net: &Network,
    lo: &[f64],
    hi: &[f64],
    j: usize,
    t: &BigRational,
) -> Option<Vec<BigRational>> {
    let solver = Solver::new();
    let vars = encode_network(net, &solver, "");
    for (i, x) in vars.inputs.iter().enumerate() {
        solver.assert(x.ge(real_from_rational(&q(lo[i]))));
        solver.assert(x.le(real_from_rational(&q(hi[i]))));
    }
    solver.assert(vars.outputs[j].ge(real_from_rational(t)));
    match solver.check() {
        SatResult::Sat => {
            let model = solver.get_model().unwrap();
            Some(
                vars.inputs
                    .iter()
                    .map(|x| rational_from_z3(&model.eval(x, true).unwrap()).unwrap())
                    .collect(),
            )
        }
        SatResult::Unsat => None,
        SatResult::Unknown => panic!("z3 unknown: {:?}", solver.get_reason_unknown()),
    }
}

/// Layer widths, weight values, box lower and upper bounds, and a point's position in the box.
type Case = (Vec<usize>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

fn arb_case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(1usize..6, 3..5),
        prop::collection::vec(-1.5f64..1.5, 40..80),
    )
        .prop_flat_map(|(widths, values)| {
            let n = widths[0];
            (
                Just(widths),
                Just(values),
                prop::collection::vec(-1.0f64..0.0, n),
                prop::collection::vec(0.0f64..1.0, n),
                prop::collection::vec(0.0f64..1.0, n),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// A planted point makes the query satisfiable; Z3's witness satisfies it exactly. Above
    /// a sound upper bound the query is unsatisfiable.
    #[test]
    fn z3_agrees_with_planted_points_and_bounds((widths, values, lo, hi, t) in arb_case()) {
        let net = network(&widths, &values);
        let x0: Vec<f64> = lo.iter().zip(&hi).zip(&t).map(|((l, h), s)| l + (h - l) * s).collect();
        let x0q: Vec<BigRational> = x0.iter().map(|v| q(*v)).collect();
        let y0 = net.eval(&x0q).unwrap();
        let j = 0;
        let witness = find_at_least(&net, &lo, &hi, j, &y0[j]);
        prop_assert!(witness.is_some(), "Z3 says unsat but {x0:?} gives {}", y0[j].to_f64().unwrap());
        let w = witness.unwrap();
        for (i, v) in w.iter().enumerate() {
            prop_assert!(*v >= q(lo[i]) && *v <= q(hi[i]), "witness outside the box");
        }
        let yw = net.eval(&w).unwrap();
        prop_assert!(yw[j] >= y0[j], "witness does not replay exactly");

        let upper = interval_upper(&net, &lo, &hi)[j];
        prop_assert!(find_at_least(&net, &lo, &hi, j, &q(upper + 1e-3)).is_none(), "Z3 exceeds a sound bound");
    }
}
