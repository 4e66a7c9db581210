//! The test oracle (`common::oracle`) is trustworthy: never below sampled values on generated
//! networks, its maximiser replays to its maximum, and exact on networks with known maxima.

mod common;

use common::oracle::{max_linear_output, min_linear_output, OracleMax};
use common::Sampler;
use proptest::prelude::*;
use vera::network::{
    Affine, Clamp, Elementwise, ElementwiseOp, Layer, LayerKind, Matrix, Network, Precision,
    Provenance,
};

/// How far below the sampled maximum the oracle may be (relative to `max(1, |value|)`):
/// minilp's absolute tolerance of 1e-8, times the modest scale of the generated networks.
const BELOW_SAMPLES_TOLERANCE: f64 = 1e-7;

/// How far the network at the maximiser may be from the oracle's value (relative): the
/// maximiser may lie ~1e-8 outside its pattern's polytope.
const REPLAY_TOLERANCE: f64 = 1e-6;

/// Random inputs per generated network, on top of the box's corners.
const SAMPLES: usize = 2000;

/// The most ReLUs a generated network has.
const RELU_BUDGET: usize = 12;

fn provenance() -> Provenance {
    Provenance::memory(Precision::F64)
}

/// A network on `inputs` values from layer kinds, each layer's width following from its kind.
fn network(inputs: usize, kinds: Vec<LayerKind>) -> Network {
    let mut width = inputs;
    let layers: Vec<Layer> = kinds
        .into_iter()
        .map(|kind| {
            if let LayerKind::Affine(a) = &kind {
                width = a.weights.rows();
            }
            Layer {
                kind,
                output_shape: vec![width],
                origin: "oracle test".into(),
            }
        })
        .collect();
    Network::new(vec![inputs], layers, vec![width], provenance()).unwrap()
}

fn affine(rows: &[&[f64]], bias: &[f64]) -> LayerKind {
    let cols = rows[0].len();
    let data = rows.iter().flat_map(|r| r.iter().copied()).collect();
    LayerKind::Affine(Affine {
        weights: Matrix::from_row_major(rows.len(), cols, data).unwrap(),
        bias: bias.to_vec(),
    })
}

fn elementwise(op: ElementwiseOp, operand: &[f64]) -> LayerKind {
    LayerKind::Elementwise(Elementwise {
        op,
        operand: operand.to_vec(),
    })
}

/// `c · net(x)` evaluated by the network itself in f64.
fn objective(net: &Network, c: &[f64], x: &[f64]) -> f64 {
    let y = net.eval::<f64>(x).unwrap();
    c.iter().zip(&y).map(|(a, b)| a * b).sum()
}

/// Every corner of the box.
fn corners(lo: &[f64], hi: &[f64]) -> Vec<Vec<f64>> {
    (0..1usize << lo.len())
        .map(|mask| {
            (0..lo.len())
                .map(|i| if mask >> i & 1 == 1 { hi[i] } else { lo[i] })
                .collect()
        })
        .collect()
}

/// The best of `c · net(x)` over the corners and `SAMPLES` random points of the box.
fn sampled_max(net: &Network, lo: &[f64], hi: &[f64], c: &[f64], seed: u64) -> f64 {
    let mut sampler = Sampler::new(seed);
    corners(lo, hi)
        .into_iter()
        .chain((0..SAMPLES).map(|_| sampler.in_box(lo, hi)))
        .map(|x| objective(net, c, &x))
        .fold(f64::NEG_INFINITY, f64::max)
}

fn scale(v: f64) -> f64 {
    v.abs().max(1.0)
}

/// The oracle's answer is consistent with the network: its maximiser lies in the box and
/// replays (through `net.eval`) to its value.
fn assert_replays(net: &Network, lo: &[f64], hi: &[f64], c: &[f64], answer: &OracleMax) {
    let x = &answer.maximiser;
    assert!(
        x.iter()
            .zip(lo.iter().zip(hi))
            .all(|(v, (l, h))| l <= v && v <= h),
        "maximiser {x:?} outside the box {lo:?}..{hi:?}"
    );
    let replay = objective(net, c, x);
    assert!(
        (replay - answer.value).abs() <= REPLAY_TOLERANCE * scale(answer.value),
        "oracle value {} but the network gives {replay} at {x:?}",
        answer.value
    );
}

/// Hidden widths cut down so that they total at most `RELU_BUDGET`, each at least 1.
fn within_relu_budget(widths: Vec<usize>) -> Vec<usize> {
    let mut remaining = RELU_BUDGET;
    let count = widths.len();
    widths
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            let w = w.min(remaining - (count - 1 - i));
            remaining -= w;
            w
        })
        .collect()
}

/// A generated network with its box, objective and sampling seed.
#[derive(Debug, Clone)]
struct Case {
    net: Network,
    lo: Vec<f64>,
    hi: Vec<f64>,
    c: Vec<f64>,
    seed: u64,
}

type AffineWeights = (Vec<f64>, Vec<f64>);
type Scaling = Option<(usize, Vec<f64>)>;

/// 2–4 affine layers (1–3 hidden ReLU layers of 1–8 neurons, at most 12 ReLUs), weights in
/// [-1.5, 1.5], sometimes an elementwise add/mul/div before a ReLU; 1–3 inputs, a box inside
/// [-1, 1], 1–3 outputs and an objective in [-1, 1] per output.
fn arb_case() -> impl Strategy<Value = Case> {
    let weights = |n: usize| prop::collection::vec(-1.5f64..1.5, n);
    (
        1usize..=3,
        prop::collection::vec(1usize..=8, 1..=3),
        1usize..=3,
    )
        .prop_flat_map(move |(inputs, hidden, outputs)| {
            let hidden = within_relu_budget(hidden);
            let mut sizes = vec![inputs];
            sizes.extend(&hidden);
            sizes.push(outputs);
            let affines: Vec<_> = sizes
                .windows(2)
                .map(|w| (weights(w[0] * w[1]), weights(w[1])))
                .collect();
            let scalings: Vec<_> = hidden
                .iter()
                .map(|&w| {
                    let operand = prop::collection::vec(prop_oneof![-2.0f64..-0.5, 0.5f64..2.0], w);
                    prop::option::weighted(0.3, (0usize..3, operand))
                })
                .collect();
            let ends = prop::collection::vec((-1.0f64..1.0, -1.0f64..1.0), inputs);
            let c = prop::collection::vec(-1.0f64..1.0, outputs);
            (Just(sizes), affines, scalings, ends, c, any::<u64>())
        })
        .prop_map(|(sizes, affines, scalings, ends, c, seed)| {
            build_case(&sizes, affines, scalings, ends, c, seed)
        })
}

fn build_case(
    sizes: &[usize],
    affines: Vec<AffineWeights>,
    scalings: Vec<Scaling>,
    ends: Vec<(f64, f64)>,
    c: Vec<f64>,
    seed: u64,
) -> Case {
    let mut kinds = Vec::new();
    for (i, (w, b)) in affines.into_iter().enumerate() {
        let weights = Matrix::from_row_major(sizes[i + 1], sizes[i], w).unwrap();
        kinds.push(LayerKind::Affine(Affine { weights, bias: b }));
        if let Some(scaling) = scalings.get(i) {
            if let Some((op, operand)) = scaling {
                let op = [ElementwiseOp::Add, ElementwiseOp::Mul, ElementwiseOp::Div][*op];
                kinds.push(elementwise(op, operand));
            }
            kinds.push(LayerKind::Relu);
        }
    }
    let (lo, hi) = ends.iter().map(|(a, b)| (a.min(*b), a.max(*b))).unzip();
    Case {
        net: network(sizes[0], kinds),
        lo,
        hi,
        c,
        seed,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The oracle is complete (never below any sampled value) and sound (its maximiser
    /// replays to its value), for the maximum and the minimum.
    #[test]
    fn oracle_bounds_samples_and_replays(case in arb_case()) {
        let Case { net, lo, hi, c, seed } = case;
        let relus = net.num_relus();
        prop_assert!(relus <= RELU_BUDGET && (1..=3).contains(&net.relu_layer_widths().len()));

        let max = max_linear_output(&net, &lo, &hi, &c);
        let sampled = sampled_max(&net, &lo, &hi, &c, seed);
        prop_assert!(
            max.value >= sampled - BELOW_SAMPLES_TOLERANCE * scale(sampled),
            "oracle max {} below sampled max {sampled}", max.value
        );
        assert_replays(&net, &lo, &hi, &c, &max);
        // at most 2 LPs per inner node of the phase tree and 1 per leaf
        prop_assert!(max.patterns >= 1 && max.lps_solved < 3 << relus);

        let min = min_linear_output(&net, &lo, &hi, &c);
        let negated: Vec<f64> = c.iter().map(|v| -v).collect();
        let sampled_min = -sampled_max(&net, &lo, &hi, &negated, seed ^ 1);
        prop_assert!(
            min.value <= sampled_min + BELOW_SAMPLES_TOLERANCE * scale(sampled_min),
            "oracle min {} above sampled min {sampled_min}", min.value
        );
        prop_assert!(min.value <= max.value + BELOW_SAMPLES_TOLERANCE * scale(max.value));
        assert_replays(&net, &lo, &hi, &c, &min);
    }
}

fn assert_exact(answer: &OracleMax, want: f64) {
    assert!(
        (answer.value - want).abs() <= 1e-9,
        "oracle gives {} but the maximum is {want}",
        answer.value
    );
}

/// `y = relu(x) - relu(x - 1)` is 0 up to 0, x on [0, 1], 1 beyond: max 1, min 0 on [-2, 3].
#[test]
fn ramp_has_max_one() {
    let net = network(
        1,
        vec![
            affine(&[&[1.0], &[1.0]], &[0.0, -1.0]),
            LayerKind::Relu,
            affine(&[&[1.0, -1.0]], &[0.0]),
        ],
    );
    let max = max_linear_output(&net, &[-2.0], &[3.0], &[1.0]);
    assert_exact(&max, 1.0);
    assert!(max.maximiser[0] >= 1.0 - 1e-9, "{:?}", max.maximiser);
    assert_exact(&min_linear_output(&net, &[-2.0], &[3.0], &[1.0]), 0.0);
    assert_eq!(max.patterns, 3, "three pieces: x <= 0, 0 <= x <= 1, x >= 1");
}

/// `|x| = relu(x) + relu(-x)` on [-1, 2]: max 2 at x = 2, min 0 at x = 0.
#[test]
fn absolute_value_has_max_two() {
    let net = network(
        1,
        vec![
            affine(&[&[1.0], &[-1.0]], &[0.0, 0.0]),
            LayerKind::Relu,
            affine(&[&[1.0, 1.0]], &[0.0]),
        ],
    );
    let max = max_linear_output(&net, &[-1.0], &[2.0], &[1.0]);
    assert_exact(&max, 2.0);
    assert_exact(&max_linear_output(&net, &[-1.0], &[2.0], &[-1.0]), 0.0);
    let min = min_linear_output(&net, &[-1.0], &[2.0], &[1.0]);
    assert_exact(&min, 0.0);
    assert!(min.maximiser[0].abs() <= 1e-9, "{:?}", min.maximiser);
}

/// A 2-D tent `relu(1 - |x1 - 0.3| - |x2 + 0.2|)`, two ReLU layers deep: its maximum 1 is at
/// the interior kink (0.3, -0.2), which no corner and almost no random sample reaches.
#[test]
fn tent_peak_is_found_at_an_interior_kink() {
    let net = network(
        2,
        vec![
            affine(
                &[&[1.0, 0.0], &[-1.0, 0.0], &[0.0, 1.0], &[0.0, -1.0]],
                &[-0.3, 0.3, 0.2, -0.2],
            ),
            LayerKind::Relu,
            affine(&[&[-1.0, -1.0, -1.0, -1.0]], &[1.0]),
            LayerKind::Relu,
            affine(&[&[1.0]], &[0.0]),
        ],
    );
    let (lo, hi) = ([-1.0, -1.0], [1.0, 1.0]);
    let max = max_linear_output(&net, &lo, &hi, &[1.0]);
    assert_exact(&max, 1.0);
    let x = &max.maximiser;
    assert!(
        (x[0] - 0.3).abs() <= 1e-9 && (x[1] + 0.2).abs() <= 1e-9,
        "{x:?}"
    );
    assert_replays(&net, &lo, &hi, &[1.0], &max);
    assert_exact(&min_linear_output(&net, &lo, &hi, &[1.0]), 0.0);
    assert!(sampled_max(&net, &lo, &hi, &[1.0], 7) < 1.0 - 1e-6);
}

/// Elementwise layers are affine: `((relu(x) * 2) + 1) / 4` on [-1, 3] peaks at 7/4, and an
/// objective over two outputs combines them.
#[test]
fn elementwise_layers_compose() {
    let net = network(
        1,
        vec![
            LayerKind::Relu,
            elementwise(ElementwiseOp::Mul, &[2.0]),
            elementwise(ElementwiseOp::Add, &[1.0]),
            elementwise(ElementwiseOp::Div, &[4.0]),
        ],
    );
    assert_exact(&max_linear_output(&net, &[-1.0], &[3.0], &[1.0]), 1.75);
    assert_exact(&min_linear_output(&net, &[-1.0], &[3.0], &[1.0]), 0.25);

    // y = (x1 + x2, x1 - x2) on [0, 1] x [-1, 2]; 3 y1 - y2 = 2 x1 + 4 x2 peaks at 10.
    let plain = network(2, vec![affine(&[&[1.0, 1.0], &[1.0, -1.0]], &[0.0, 0.0])]);
    let max = max_linear_output(&plain, &[0.0, -1.0], &[1.0, 2.0], &[3.0, -1.0]);
    assert_exact(&max, 10.0);
    assert_eq!((max.lps_solved, max.patterns), (1, 1), "no ReLU: one LP");
}

/// Twelve ReLUs on one input cut [-1, 1] into 13 pieces: the search visits those, not 4096.
#[test]
fn infeasible_patterns_are_pruned() {
    let thresholds: Vec<f64> = (0..12).map(|k| -1.0 + f64::from(k) / 6.0).collect();
    let rows: Vec<[f64; 1]> = thresholds.iter().map(|_| [1.0]).collect();
    let row_refs: Vec<&[f64]> = rows.iter().map(|r| &r[..]).collect();
    let bias: Vec<f64> = thresholds.iter().map(|t| -t).collect();
    let net = network(
        1,
        vec![
            affine(&row_refs, &bias),
            LayerKind::Relu,
            affine(&[&[1.0; 12]], &[0.0]),
        ],
    );
    let max = max_linear_output(&net, &[-1.0], &[1.0], &[1.0]);
    // sum over k of (1 - t_k) = 12 - (-12 + 66/6) = 13
    assert_exact(&max, 13.0);
    assert!(max.patterns <= 13, "{} patterns", max.patterns);
    // each of the 12 levels of the phase tree has at most 13 feasible nodes, each costing at
    // most 2 LPs, and each leaf 1 more
    assert!(max.lps_solved <= 12 * 13 * 2 + 13, "{} LPs", max.lps_solved);
}

/// The largest networks the oracle is meant for (12 ReLUs in three layers on 3 inputs) keep
/// the search small; the counts are printed for `--nocapture`.
#[test]
fn twelve_relus_stay_small() {
    let mut sampler = Sampler::new(12);
    let mut weights =
        |n: usize| -> Vec<f64> { (0..n).map(|_| 3.0 * sampler.unit() - 1.5).collect() };
    for trial in 0..20 {
        let sizes = [3, 4, 4, 4, 2];
        let mut kinds = Vec::new();
        for (i, w) in sizes.windows(2).enumerate() {
            let m = Matrix::from_row_major(w[1], w[0], weights(w[0] * w[1])).unwrap();
            kinds.push(LayerKind::Affine(Affine {
                weights: m,
                bias: weights(w[1]),
            }));
            if i + 2 < sizes.len() {
                kinds.push(LayerKind::Relu);
            }
        }
        let net = network(3, kinds);
        let (lo, hi, c) = ([-1.0; 3], [1.0; 3], [1.0, -0.5]);
        let max = max_linear_output(&net, &lo, &hi, &c);
        assert_replays(&net, &lo, &hi, &c, &max);
        assert!(max.value >= sampled_max(&net, &lo, &hi, &c, trial) - 1e-7 * scale(max.value));
        println!(
            "trial {trial}: {} patterns, {} LPs",
            max.patterns, max.lps_solved
        );
    }
}

#[test]
#[should_panic(expected = "Clamp")]
fn clamp_layers_are_refused() {
    let clamp = LayerKind::Clamp(Clamp {
        lower: vec![0.0],
        upper: vec![1.0],
    });
    let net = network(1, vec![clamp]);
    max_linear_output(&net, &[-1.0], &[1.0], &[1.0]);
}
