//! How many of a list of properties the corner search alone falsifies, and how fast: the
//! recall figures of benchmarks/bnn/README.md.
//!
//!     cargo run --release --example corner_recall -- NET RESTARTS MILLISECONDS PROP...
//!
//! (each query gets at most RESTARTS restarts within MILLISECONDS).

use vera::bnn_sat::{corner_search, fold, inputs, queries};
use vera::engine::Budget;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: corner_recall NET RESTARTS MILLISECONDS PROP...");
        std::process::exit(2);
    }
    let net = vera::network::load(std::path::Path::new(&args[1])).expect("a binarised network");
    let restarts: usize = args[2].parse().expect("RESTARTS: a number");
    let ms: u64 = args[3].parse().expect("MILLISECONDS: a number");
    let mut found = 0;
    let mut total = 0;
    for p in &args[4..] {
        let dims = vera::spec::vnnlib::Dimensions {
            inputs: net.num_inputs(),
            outputs: net.num_outputs(),
        };
        let prop = vera::spec::vnnlib::read(std::path::Path::new(p), Some(dims))
            .expect("a VNN-LIB property");
        let t = std::time::Instant::now();
        let mut hit = false;
        for (k, q) in queries(&prop).iter().enumerate() {
            let bnn = fold(&net, &q.inputs.bounds).expect("a binarised network");
            let ins = inputs(&bnn, &q.inputs.bounds).expect("a box of finite inputs");
            let b = Budget::from_now(std::time::Duration::from_millis(ms));
            if corner_search(&bnn, &ins, &q.unsafe_outputs, &b, restarts, k as u64).is_some() {
                hit = true;
                break;
            }
        }
        total += 1;
        found += hit as usize;
        println!(
            "{p} {} {:.3}",
            if hit { "found" } else { "none" },
            t.elapsed().as_secs_f64()
        );
    }
    println!("found {found} of {total}");
}
