//! How many of a list of properties the float falsifier (the portfolio's falsifier thread)
//! alone falsifies within a time limit each:
//!
//!     cargo run --release --example falsifier_recall -- NET MILLISECONDS PROP...

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: falsifier_recall NET MILLISECONDS PROP...");
        std::process::exit(2);
    }
    let net = vera::network::load(std::path::Path::new(&args[1])).expect("a network");
    let ms: u64 = args[2].parse().expect("MILLISECONDS: a number");
    let (mut found, mut total) = (0, 0);
    for p in &args[3..] {
        let dims = vera::spec::vnnlib::Dimensions {
            inputs: net.num_inputs(),
            outputs: net.num_outputs(),
        };
        let prop = vera::spec::vnnlib::read(std::path::Path::new(p), Some(dims))
            .expect("a VNN-LIB property");
        let t = std::time::Instant::now();
        let budget = vera::engine::Budget::from_now(std::time::Duration::from_millis(ms));
        let options = vera::falsify::AttackOptions::default();
        let hit = matches!(
            vera::falsify::falsify(&net, &prop, options, &budget),
            Ok(Some(_))
        );
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
