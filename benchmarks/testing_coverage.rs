//! Times `vera::testing` on the MNIST coverage benchmark: one batched trace of a test file and
//! the single-test criteria over it, on one core.
//!
//! Run after `python3 benchmarks/testing/train_mlps.py --data`:
//!   cargo bench --bench testing_coverage [-- MODEL TESTS PROFILE]
//! (default: models/mnist_100x2.onnx, data/all10000.csv, data/profile.csv under
//! benchmarks/testing/).

use std::path::{Path, PathBuf};
use std::time::Instant;
use vera::testing::criteria::{
    Criterion, KMultisectionCoverage, NeuronBoundaryCoverage, NeuronCoverage, Profile,
    StrongNeuronActivationCoverage, TopKNeuronCoverage,
};
use vera::testing::tests_file::read_tests;
use vera::testing::Trace;

fn main() -> anyhow::Result<()> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks/testing");
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let arg = |i: usize, default: &str| -> PathBuf {
        args.get(i)
            .map_or_else(|| here.join(default), PathBuf::from)
    };
    let (model, tests, profile) = (
        arg(0, "models/mnist_100x2.onnx"),
        arg(1, "data/all10000.csv"),
        arg(2, "data/profile.csv"),
    );
    let net = vera::network::load(&model)?;
    let start = Instant::now();
    let inputs = read_tests(&tests, net.num_inputs())?;
    let read = start.elapsed();
    let profile =
        Profile::from_trace(&Trace::run(&net, &read_tests(&profile, net.num_inputs())?)?)?;
    let mut best = f64::INFINITY;
    let mut counts = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let trace = Trace::run(&net, &inputs)?;
        let widths = trace.hidden_widths();
        let mut criteria: Vec<Box<dyn Criterion>> = vec![
            Box::new(NeuronCoverage::new(&widths)),
            Box::new(KMultisectionCoverage::new(profile.clone(), 10)),
            Box::new(NeuronBoundaryCoverage::new(profile.clone())),
            Box::new(StrongNeuronActivationCoverage::new(profile.clone())),
            Box::new(TopKNeuronCoverage::new(&widths, 1)),
        ];
        let traced = start.elapsed().as_secs_f64();
        for c in &mut criteria {
            c.update(&trace);
        }
        let total = start.elapsed().as_secs_f64();
        best = best.min(total);
        counts = criteria
            .iter()
            .map(|c| format!("{} {}/{}", c.name(), c.count().covered, c.count().total))
            .collect();
        println!("trace {traced:.3} s, trace + nc, kmnc, nbc, snac, tknc {total:.3} s");
    }
    println!(
        "{}: {} tests (read in {:.2} s); best of 5: {best:.3} s; {}",
        model.display(),
        inputs.rows(),
        read.as_secs_f64(),
        counts.join(", ")
    );
    Ok(())
}
