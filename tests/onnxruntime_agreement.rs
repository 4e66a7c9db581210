//! vera's ONNX evaluation against onnxruntime's recorded outputs (tests/fixtures/*.json).

mod common;

use common::{max_scaled_error, reference_cases, repo, ReferenceCase};
use vera::network::{load, Network};

/// f32 evaluation vs onnxruntime: both compute in float32 but sum in different orders (and
/// onnxruntime's GEMM may fuse multiply-adds), so results differ by some ulps per layer
/// (seen: up to 1.5e-6 over 7 layers). Scaled error: `|vera - ort| / max(1, |ort|)`.
const F32_TOLERANCE: f64 = 1e-5;
/// f64 (and folded-f64) evaluation vs onnxruntime's float32 results: f32 rounding of the
/// reference dominates.
const F64_TOLERANCE: f64 = 1e-5;

/// Checks every sample of every case in f32, f64 and on the folded network.
fn check(fixture: &str) {
    let mut worst = (0.0f64, 0.0f64, 0.0f64);
    let mut samples = 0;
    for case in reference_cases(fixture) {
        let net = load(&repo(&case.network)).unwrap_or_else(|e| panic!("{e}"));
        let folded = net.folded();
        let (f32e, f64e, folde) = case_errors(&case, &net, &folded);
        assert!(
            f32e <= F32_TOLERANCE,
            "{}: f32 error {f32e:e}",
            case.network
        );
        assert!(
            f64e <= F64_TOLERANCE,
            "{}: f64 error {f64e:e}",
            case.network
        );
        assert!(
            folde <= F64_TOLERANCE,
            "{}: folded error {folde:e}",
            case.network
        );
        worst = (worst.0.max(f32e), worst.1.max(f64e), worst.2.max(folde));
        samples += case.inputs.len();
    }
    assert!(samples > 0);
    eprintln!(
        "{fixture}: {samples} samples, worst scaled error f32 {:e}, f64 {:e}, folded {:e}",
        worst.0, worst.1, worst.2
    );
}

fn case_errors(case: &ReferenceCase, net: &Network, folded: &Network) -> (f64, f64, f64) {
    let mut errors = (0.0f64, 0.0f64, 0.0f64);
    assert_eq!(case.inputs.len(), case.outputs.len());
    for (x, want) in case.inputs.iter().zip(&case.outputs) {
        let x32: Vec<f32> = x.iter().map(|v| *v as f32).collect();
        let y32: Vec<f64> = net.eval(&x32).unwrap().iter().map(|v| *v as f64).collect();
        let y64 = net.eval(x).unwrap();
        let yf = folded.eval(x).unwrap();
        errors.0 = errors.0.max(max_scaled_error(&y32, want));
        errors.1 = errors.1.max(max_scaled_error(&y64, want));
        errors.2 = errors.2.max(max_scaled_error(&yf, want));
    }
    errors
}

/// The ACAS Xu networks (all 45) and the VNN-COMP smoke tests.
#[test]
fn benchmark_networks_match_onnxruntime() {
    common::acasxu();
    check("tests/fixtures/reference-outputs.json");
}

/// One small model per supported operator variant (Gemm transA/transB/alpha/beta, MatMul
/// orientations, normalisation, reshapes, opsets 8–13, float64, gzip, constant folding).
#[test]
fn operator_variants_match_onnxruntime() {
    check("tests/fixtures/onnx-ops/reference.json");
}

/// The reference fixture covers every one of the 45 ACAS Xu networks.
#[test]
fn reference_fixture_covers_all_acasxu_networks() {
    let cases = reference_cases("tests/fixtures/reference-outputs.json");
    for a in 1..=5 {
        for b in 1..=9 {
            let name = common::acas_name(a, b);
            assert!(
                cases
                    .iter()
                    .any(|c| c.network.contains(&name) && !c.inputs.is_empty()),
                "{name} missing from the fixture"
            );
        }
    }
}
