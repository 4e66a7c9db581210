//! How many of a list of properties a falsifier alone falsifies, and how fast: the recall
//! figures of benchmarks/bnn/README.md.
//!
//!     cargo run --release --example falsifier_recall -- corner:RESTARTS NET MILLISECONDS PROP...
//!     cargo run --release --example falsifier_recall -- float NET MILLISECONDS PROP...
//!
//! `corner:RESTARTS` is the SAT engine's corner search on a binarised network (at most
//! RESTARTS restarts per query), `float` the portfolio's float falsifier; each property gets
//! at most MILLISECONDS.

use std::time::{Duration, Instant};
use vera::bnn_sat::{corner_search, fold, inputs, queries};
use vera::engine::Budget;
use vera::network::Network;
use vera::spec::Property;

/// Whether the corner search finds a pattern reaching the unsafe set of some query.
fn corner(net: &Network, prop: &Property, restarts: usize, budget: &Budget) -> bool {
    queries(prop).iter().enumerate().any(|(k, q)| {
        let bnn = fold(net, &q.inputs.bounds).expect("a binarised network");
        let ins = inputs(&bnn, &q.inputs.bounds).expect("a box of finite inputs");
        corner_search(&bnn, &ins, &q.unsafe_outputs, budget, restarts, k as u64).is_some()
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: falsifier_recall corner:RESTARTS|float NET MILLISECONDS PROP...");
        std::process::exit(2);
    }
    let restarts: Option<usize> = match args[1].split_once(':') {
        Some(("corner", n)) => Some(n.parse().expect("corner:RESTARTS, a number")),
        _ if args[1] == "float" => None,
        _ => panic!("the falsifier is corner:RESTARTS or float, not {}", args[1]),
    };
    let net = vera::network::load(std::path::Path::new(&args[2])).expect("a network");
    let ms: u64 = args[3].parse().expect("MILLISECONDS: a number");
    let dims = vera::spec::vnnlib::Dimensions {
        inputs: net.num_inputs(),
        outputs: net.num_outputs(),
    };
    let (mut found, mut total) = (0, 0);
    for p in &args[4..] {
        let prop = vera::spec::vnnlib::read(std::path::Path::new(p), Some(dims))
            .expect("a VNN-LIB property");
        let t = Instant::now();
        let budget = Budget::from_now(Duration::from_millis(ms));
        let hit = match restarts {
            Some(r) => corner(&net, &prop, r, &budget),
            None => {
                let options = vera::falsify::AttackOptions::default();
                matches!(
                    vera::falsify::falsify(&net, &prop, options, &budget),
                    Ok(Some(_))
                )
            }
        };
        total += 1;
        found += usize::from(hit);
        println!(
            "{p} {} {:.3}",
            if hit { "found" } else { "none" },
            t.elapsed().as_secs_f64()
        );
    }
    println!("found {found} of {total}");
}
