//! Helpers shared by the integration tests: paths, fetched benchmarks, reference fixtures, an
//! independent LP-based oracle for the maximum of a ReLU network over a box (`oracle`), and
//! generated binarised-network queries with their corner-enumeration oracle (`bnn_case`).
#![allow(dead_code)]

pub mod bnn_case;
pub mod generate;
pub mod oracle;
pub mod testing_files;

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Runs the `vera` binary from the repository root.
pub fn vera(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vera"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the vera binary runs")
}

/// Runs `vera` with `args` (which should ask for `--json`) and parses what it prints.
pub fn vera_json(args: &[&str]) -> serde_json::Value {
    let out = vera(args);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the repository root.
pub fn repo(path: &str) -> PathBuf {
    root().join(path)
}

/// The fetched ACAS Xu benchmark folder; fails loudly (never skips) when it is missing.
pub fn acasxu() -> PathBuf {
    let dir = repo("benchmarks/acasxu");
    assert!(
        dir.join("onnx").is_dir() && dir.join("nnet").is_dir(),
        "{} is missing: run scripts/fetch-benchmarks.sh first (README.md, 'Run the tests')",
        dir.display()
    );
    dir
}

/// ACAS Xu network `a_b` (ONNX) and property `prop_N`, read as vera reads them.
pub fn acas_instance(
    a: usize,
    b: usize,
    prop: usize,
) -> (vera::network::Network, vera::spec::Property) {
    let dir = acasxu();
    let net = vera::network::load(&dir.join(format!("onnx/{}.onnx", acas_name(a, b)))).unwrap();
    let dims = vera::spec::vnnlib::Dimensions {
        inputs: 5,
        outputs: 5,
    };
    let path = dir.join(format!("vnnlib/prop_{prop}.vnnlib"));
    (net, vera::spec::vnnlib::read(&path, Some(dims)).unwrap())
}

/// The name stem of ACAS Xu network `a_b`.
pub fn acas_name(a: usize, b: usize) -> String {
    format!("ACASXU_run2a_{a}_{b}_batch_2000")
}

/// One network's onnxruntime reference samples.
#[derive(Debug, Deserialize)]
pub struct ReferenceCase {
    pub network: String,
    pub inputs: Vec<Vec<f64>>,
    pub outputs: Vec<Vec<f64>>,
}

#[derive(Debug, Deserialize)]
struct ReferenceFile {
    cases: Vec<ReferenceCase>,
}

/// The cases of a reference fixture (JSON written by scripts/reference-outputs.py or
/// scripts/make-onnx-fixtures.py).
pub fn reference_cases(fixture: &str) -> Vec<ReferenceCase> {
    let text = std::fs::read_to_string(repo(fixture)).unwrap_or_else(|e| panic!("{fixture}: {e}"));
    let file: ReferenceFile =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{fixture}: {e}"));
    assert!(!file.cases.is_empty(), "{fixture} has no cases");
    file.cases
}

/// The largest `|a - b| / max(1, |b|)` over two equally long vectors.
pub fn max_scaled_error(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "vector lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
        .fold(0.0, f64::max)
}

/// A deterministic uniform sample in `[lo, hi]` per coordinate (xorshift; tests only).
pub struct Sampler(u64);

impl Sampler {
    pub fn new(seed: u64) -> Sampler {
        Sampler(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn in_box(&mut self, lo: &[f64], hi: &[f64]) -> Vec<f64> {
        lo.iter()
            .zip(hi)
            .map(|(l, h)| l + (h - l) * self.unit())
            .collect()
    }
}

/// Whether `path` exists, for messages.
pub fn exists(path: &Path) -> bool {
    path.exists()
}
