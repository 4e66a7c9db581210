//! Each ACAS Xu `.nnet` network and its ONNX twin compute the same function.

mod common;

use common::{acas_name, acasxu, max_scaled_error, Sampler};
use vera::network::{load, load_with, LoadOptions, Network, Units};

/// The ONNX weights are the float32 roundings of the .nnet decimals (relative change up to
/// 6e-8 per weight), so outputs differ by about 1e-7; scaled as `|a-b| / max(1,|b|)`.
const TWIN_TOLERANCE: f64 = 1e-5;
/// Raw-unit outputs are normalised outputs times the output range (373.9), so the same
/// agreement shows up about 400 times larger in absolute terms.
const RAW_TOLERANCE: f64 = 5e-3;
const SAMPLES_PER_NETWORK: usize = 300;

/// The normalised input box of a .nnet network, widened by 10% on each side (the networks
/// are functions on all of R^5; the widening also exercises inputs outside the domain).
fn normalised_box(nnet: &Network) -> (Vec<f64>, Vec<f64>) {
    let n = nnet
        .provenance()
        .normalization
        .as_ref()
        .expect(".nnet has normalisation");
    let norm = |v: f64, i: usize| (v - n.input_mean[i]) / n.input_range[i];
    let lo: Vec<f64> = (0..5).map(|i| norm(n.input_min[i], i)).collect();
    let hi: Vec<f64> = (0..5).map(|i| norm(n.input_max[i], i)).collect();
    let pad: Vec<f64> = lo.iter().zip(&hi).map(|(l, h)| (h - l) * 0.1).collect();
    (
        lo.iter().zip(&pad).map(|(l, p)| l - p).collect(),
        hi.iter().zip(&pad).map(|(h, p)| h + p).collect(),
    )
}

#[test]
fn every_nnet_matches_its_onnx_twin() {
    let dir = acasxu();
    let mut worst = 0.0f64;
    for a in 1..=5 {
        for b in 1..=9 {
            let name = acas_name(a, b);
            let nnet = load(&dir.join(format!("nnet/{name}.nnet"))).unwrap();
            let onnx = load(&dir.join(format!("onnx/{name}.onnx"))).unwrap();
            assert_eq!(
                (nnet.num_inputs(), nnet.num_outputs(), nnet.num_relus()),
                (5, 5, 300)
            );
            let (lo, hi) = normalised_box(&nnet);
            let mut sampler = Sampler::new((a * 10 + b) as u64);
            for _ in 0..SAMPLES_PER_NETWORK {
                let x = sampler.in_box(&lo, &hi);
                let e = max_scaled_error(&nnet.eval(&x).unwrap(), &onnx.eval(&x).unwrap());
                assert!(e <= TWIN_TOLERANCE, "{name} at {x:?}: error {e:e}");
                worst = worst.max(e);
            }
        }
    }
    eprintln!("worst scaled twin error: {worst:e}");
}

/// Raw units: the .nnet's clipping, normalisation and output scaling, against the ONNX twin
/// fed by hand-normalised inputs, including inputs outside [min, max] that get clipped.
#[test]
fn raw_units_normalise_clip_and_scale() {
    let dir = acasxu();
    for (a, b) in [(1, 1), (2, 7), (5, 9)] {
        let name = acas_name(a, b);
        let path = dir.join(format!("nnet/{name}.nnet"));
        let raw = load_with(&path, LoadOptions { units: Units::Raw }).unwrap();
        let onnx = load(&dir.join(format!("onnx/{name}.onnx"))).unwrap();
        let n = raw.provenance().normalization.clone().unwrap();
        let width: Vec<f64> = (0..5).map(|i| n.input_max[i] - n.input_min[i]).collect();
        let lo: Vec<f64> = (0..5).map(|i| n.input_min[i] - 0.2 * width[i]).collect();
        let hi: Vec<f64> = (0..5).map(|i| n.input_max[i] + 0.2 * width[i]).collect();
        let mut sampler = Sampler::new(7);
        let mut clipped = 0;
        for _ in 0..200 {
            let x = sampler.in_box(&lo, &hi);
            let normalised: Vec<f64> = (0..5)
                .map(|i| {
                    (x[i].clamp(n.input_min[i], n.input_max[i]) - n.input_mean[i])
                        / n.input_range[i]
                })
                .collect();
            clipped += (0..5).any(|i| x[i] < n.input_min[i] || x[i] > n.input_max[i]) as usize;
            let want: Vec<f64> = onnx
                .eval(&normalised)
                .unwrap()
                .iter()
                .map(|y| y * n.output_range + n.output_mean)
                .collect();
            let got = raw.eval(&x).unwrap();
            let e = got
                .iter()
                .zip(&want)
                .map(|(g, w)| (g - w).abs())
                .fold(0.0, f64::max);
            assert!(e <= RAW_TOLERANCE, "{name} at {x:?}: raw error {e:e}");
        }
        assert!(clipped > 50, "the sample should exercise clipping");
    }
}
