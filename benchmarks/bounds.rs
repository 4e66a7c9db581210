//! Tightness and speed of the bound methods on ACAS Xu: for all 45 networks under the input
//! boxes of properties 1–4, the average output-interval width by interval, symbolic and alpha
//! bounds, how many of the 180 instances each method proves alone, and the median time of one
//! propagation. Run: `cargo bench --bench bounds` (after scripts/fetch-benchmarks.sh).

use std::path::Path;
use std::time::Instant;
use vera::bounds::{property_bounds, Method, RelaxedQuery, VarBounds};
use vera::network::load;
use vera::query::Query;
use vera::spec::vnnlib;

const METHODS: [Method; 3] = [Method::Interval, Method::Symbolic, Method::Alpha];
/// Propagations timed per instance (the median of them is reported).
const REPEATS: usize = 20;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks/acasxu");
    if !dir.join("onnx").is_dir() {
        eprintln!("benchmarks/acasxu is missing: run scripts/fetch-benchmarks.sh");
        std::process::exit(1);
    }
    let mut width_sum = [0.0f64; 3];
    let mut proved = [0usize; 3];
    let mut propagate_s: [Vec<f64>; 3] = Default::default();
    // Symbolic propagation on sub-boxes 1/16 as wide in every input (boxes the split search
    // meets a few bisections down), around pseudo-random points.
    let mut sub_box_s: Vec<f64> = Vec::new();
    let mut seed = 12345u64;
    let mut unit = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut instances = 0;
    for p in 1..=4 {
        let prop_path = dir.join(format!("vnnlib/prop_{p}.vnnlib"));
        let property = vnnlib::read(&prop_path, None).expect("a VNN-COMP property");
        for a in 1..=5 {
            for b in 1..=9 {
                let net_path = dir.join(format!("onnx/ACASXU_run2a_{a}_{b}_batch_2000.onnx"));
                let net = load(&net_path).expect("an ACAS Xu network");
                instances += 1;
                for (m, method) in METHODS.iter().enumerate() {
                    let found = property_bounds(&net, &property, *method).expect("bounds");
                    let outputs = found.outputs.expect("a non-empty box");
                    let mean: f64 = outputs.iter().map(|i| i.upper - i.lower).sum::<f64>()
                        / outputs.len() as f64;
                    width_sum[m] += mean;
                    proved[m] += usize::from(found.holds);
                    let sub = property.sub_problems().next().expect("a sub-problem");
                    let query = Query::new(&net, &sub).expect("a query");
                    let relaxed = RelaxedQuery::new(&query);
                    let start = VarBounds::of_query(&query);
                    let mut times: Vec<f64> = (0..REPEATS)
                        .map(|_| {
                            let t = Instant::now();
                            let b = relaxed.propagate(&start, *method).expect("non-empty");
                            std::hint::black_box(&b);
                            t.elapsed().as_secs_f64()
                        })
                        .collect();
                    propagate_s[m].push(median(&mut times));
                    if *method == Method::Symbolic {
                        for _ in 0..REPEATS {
                            let mut here = start.clone();
                            for &x in relaxed.inputs() {
                                let (l, u) = (start.lower[x], start.upper[x]);
                                let w = (u - l) / 16.0;
                                let lo = l + (u - l - w) * unit();
                                here.restrict(x, lo, lo + w);
                            }
                            let t = Instant::now();
                            let b = relaxed.propagate(&here, *method).expect("non-empty");
                            std::hint::black_box(&b);
                            sub_box_s.push(t.elapsed().as_secs_f64());
                        }
                    }
                }
            }
        }
    }
    println!("ACAS Xu, 45 networks x properties 1-4 ({instances} instances), bounds alone");
    println!(
        "{:10} {:>22} {:>16} {:>22}",
        "method", "mean output width", "proved (holds)", "propagation median"
    );
    for (m, method) in METHODS.iter().enumerate() {
        println!(
            "{:10} {:>22.4} {:>16} {:>19.3} ms",
            format!("{method:?}").to_lowercase(),
            width_sum[m] / instances as f64,
            format!("{}/{instances}", proved[m]),
            median(&mut propagate_s[m]) * 1e3
        );
    }
    println!("(alpha optimises slopes only for outputs and atoms; its propagation is symbolic's)");
    println!(
        "symbolic propagation on sub-boxes 1/16 as wide per input: median {:.3} ms ({} boxes)",
        median(&mut sub_box_s) * 1e3,
        sub_box_s.len()
    );
}
