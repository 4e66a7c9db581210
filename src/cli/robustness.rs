//! `vera robustness`: the minimal adversarial L∞ perturbation around a point, by bisection over radii.

use super::verify::{budget, EngineArgs, EngineChoice, EXIT_HOLDS, EXIT_UNKNOWN, EXIT_VIOLATED};
use crate::bnn_sat::Incremental;
use crate::exact::{format_rational, parse_rational};
use crate::network::load;
use crate::robustness::{read_center, Clip, MinEps, Options, Status};
use crate::spec::to_f64;
use anyhow::{bail, Context};
use clap::Args;
use num_rational::BigRational;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Find the smallest L∞ radius around a point at which the network misclassifies some input.
///
/// An input is adversarial when some other output is at least the label's. Radii are
/// multiples k·S of `--step S` (the answer is the smallest such k), or, without `--step`, a
/// real ε to within `--tolerance`. Each radius is one decision by the chosen engine, probed
/// upward 1, 2, 4, ... steps and then bisected; the answer is reported only when the bracket
/// is closed (robust at k−1 proven, a replayed witness at k). Exit codes: 0 robust up to
/// --max-eps, 10 minimal radius found (with a witness), 20 bracket left open (timeout,
/// unknown), 1 error.
///
/// Example: vera robustness net.onnx --center x.txt --label 3 --min-eps --step 1/255 --clip 0,1
#[derive(Debug, Args)]
pub struct RobustnessArgs {
    /// The network: .onnx, .onnx.gz, .nnet or .nnet.gz (normalised units for .nnet).
    pub network: PathBuf,
    /// The centre: one input value per line (blank lines and `#` comments allowed).
    #[arg(long, value_name = "FILE")]
    pub center: PathBuf,
    /// The true label: the index of the output that must stay the largest.
    #[arg(long, value_name = "L")]
    pub label: usize,
    /// Search for the minimal adversarial radius (the question this command answers).
    #[arg(long, required = true)]
    pub min_eps: bool,
    /// Radii are multiples of this step: a decimal or a fraction such as 1/255 (exact).
    #[arg(long, value_name = "S")]
    pub step: Option<String>,
    /// Without --step: the width of the final bracket, as a fraction of --max-eps.
    #[arg(
        long,
        value_name = "T",
        default_value = "1e-4",
        conflicts_with = "step"
    )]
    pub tolerance: String,
    /// The valid input range, e.g. `0,1`: every ball is intersected with it.
    #[arg(long, value_name = "LO,HI", allow_hyphen_values = true)]
    pub clip: Option<String>,
    /// The largest radius searched (default with --clip: HI − LO; required without).
    #[arg(long, value_name = "E")]
    pub max_eps: Option<String>,
    #[command(flatten)]
    pub run: EngineArgs,
    /// Time limit in seconds for the whole search (fractions allowed).
    #[arg(long)]
    pub timeout: Option<f64>,
    /// Print one JSON object: status (min_eps, robust or open), min_eps and min_eps_exact
    /// (closed bracket), min_eps_steps (with --step) or min_eps_bracket (without),
    /// robust_up_to(_steps), adversarial_at(_steps) and witness {input, output, label,
    /// distance}, probes [{eps, eps_steps, verdict, reason, time_s}], reason (open), engine,
    /// time_s.
    #[arg(long)]
    pub json: bool,
}

/// A rational from an option's text, naming the option when it is not one.
fn rational(option: &str, text: &str) -> anyhow::Result<BigRational> {
    parse_rational(text).with_context(|| {
        format!("{option}: expected a decimal or a fraction such as 1/255, got '{text}'")
    })
}

fn parse_clip(text: &str) -> anyhow::Result<Clip> {
    let Some((lo, hi)) = text.split_once(',') else {
        bail!("--clip: expected LO,HI (e.g. 0,1), got '{text}'");
    };
    Ok(Clip {
        lo: rational("--clip", lo)?,
        hi: rational("--clip", hi)?,
    })
}

fn options(args: &RobustnessArgs) -> anyhow::Result<Options> {
    let clip = args.clip.as_deref().map(parse_clip).transpose()?;
    let max_eps = match (&args.max_eps, &clip) {
        (Some(e), _) => rational("--max-eps", e)?,
        (None, Some(c)) => &c.hi - &c.lo,
        (None, None) => bail!("--max-eps is required without --clip"),
    };
    Ok(match &args.step {
        Some(s) => Options::stepped(rational("--step", s)?, max_eps, clip)?,
        None => Options::to_tolerance(max_eps, rational("--tolerance", &args.tolerance)?, clip)?,
    })
}

pub fn run(args: &RobustnessArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let net = load(&args.network)?;
    let center = read_center(&args.center, net.num_inputs())?;
    let options = options(args)?;
    let budget = budget(args.timeout)?;
    let mut engine = "none";
    let sat_engine =
        net.kind() == "bnn" && matches!(args.run.engine, EngineChoice::Auto | EngineChoice::Sat);
    let answer = if sat_engine {
        // Binarised networks: one solver for the probes, the box as assumptions.
        let mut inc = Incremental::new(&net, args.run.sat_options(false))
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.network.display()))?;
        engine = "sat";
        let answer = MinEps::search(&net, &center, args.label, &options, &budget, |p, b| {
            inc.decide(p, b)
        })?;
        log::info!(
            "robustness: {} CNFs built, {} probes solved under assumptions",
            inc.encoded,
            inc.reused
        );
        answer
    } else {
        MinEps::search(&net, &center, args.label, &options, &budget, |p, b| {
            args.run.decide(&net, p, b).map(|o| {
                engine = o.engine;
                o.verdict
            })
        })?
    };
    let time_s = start.elapsed().as_secs_f64();
    if args.json {
        let j = answer_json(&answer, &options, engine, time_s);
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        print_answer(&answer, &options, args.label, engine, time_s);
    }
    Ok(ExitCode::from(match answer.status {
        Status::RobustUpToMax => EXIT_HOLDS,
        Status::Closed => EXIT_VIOLATED,
        Status::Open(_) => EXIT_UNKNOWN,
    }))
}

/// A radius of `k` steps as an exact rational (`4/255`) and a decimal.
fn radius_text(options: &Options, k: u64) -> String {
    let r = options.radius(k);
    format!("{} = {:.6e}", format_rational(&r), to_f64(&r))
}

fn status_word(status: &Status) -> &'static str {
    match status {
        Status::Closed => "min_eps",
        Status::RobustUpToMax => "robust",
        Status::Open(_) => "open",
    }
}

fn answer_json(answer: &MinEps, options: &Options, engine: &str, time_s: f64) -> Value {
    let eps = |k: u64| to_f64(&options.radius(k));
    let mut j = json!({
        "status": status_word(&answer.status),
        "engine": engine,
        "time_s": time_s,
        "step": format_rational(&options.step),
        "max_eps": eps(options.max_steps),
        "robust_up_to": answer.robust_steps.map(eps),
        "robust_up_to_steps": answer.robust_steps,
        "probes": answer.probes.iter().map(|p| json!({
            "eps": eps(p.steps),
            "eps_steps": p.steps,
            "verdict": p.verdict,
            "reason": p.reason,
            "time_s": p.elapsed.as_secs_f64(),
        })).collect::<Vec<_>>(),
    });
    if let Some(w) = &answer.witness {
        j["adversarial_at"] = json!(eps(w.steps));
        j["adversarial_at_steps"] = json!(w.steps);
        j["witness"] = json!({
            "input": w.replay.input,
            "output": w.replay.output,
            "label": w.label,
            "distance": w.distance,
            "precision": w.replay.precision,
        });
    }
    if let Some(k) = answer.min_steps() {
        j["min_eps"] = json!(eps(k));
        j["min_eps_exact"] = json!(format_rational(&options.radius(k)));
        if options.exact_grid {
            j["min_eps_steps"] = json!(k);
        } else {
            j["min_eps_bracket"] = json!([eps(k.saturating_sub(1)), eps(k)]);
        }
    }
    if let Status::Open(why) = &answer.status {
        j["reason"] = json!(why);
    }
    j
}

fn print_answer(answer: &MinEps, options: &Options, label: usize, engine: &str, time_s: f64) {
    let steps = |k: u64| {
        if options.exact_grid {
            format!(" ({k} steps of {})", format_rational(&options.step))
        } else {
            String::new()
        }
    };
    match (&answer.status, answer.min_steps()) {
        (Status::Closed, Some(k)) if options.exact_grid => {
            println!("min eps   {}{}", radius_text(options, k), steps(k));
        }
        (Status::Closed, Some(k)) => println!(
            "min eps   in ({}, {}] (tolerance {})",
            radius_text(options, k.saturating_sub(1)),
            radius_text(options, k),
            format_rational(&options.step)
        ),
        (Status::RobustUpToMax, _) => println!(
            "robust    up to max eps {}{}: no adversarial input",
            radius_text(options, options.max_steps),
            steps(options.max_steps)
        ),
        (Status::Open(why), _) => {
            println!("min eps   unknown: {why}");
            match answer.robust_steps {
                Some(k) => println!(
                    "lower     robust at {}{}",
                    radius_text(options, k),
                    steps(k)
                ),
                None => println!("lower     nothing proven robust"),
            }
            if let Some(w) = &answer.witness {
                println!(
                    "upper     adversarial at {}{}",
                    radius_text(options, w.steps),
                    steps(w.steps)
                );
            }
        }
        (Status::Closed, None) => {}
    }
    if let Some(w) = &answer.witness {
        println!(
            "witness   max |x - c| = {:e}, label {} (true label {label})",
            w.distance, w.label
        );
        println!("input     {:?}", w.replay.input);
        println!("output    {:?}", w.replay.output);
    }
    for p in &answer.probes {
        let reason = p
            .reason
            .as_deref()
            .map_or(String::new(), |r| format!(" ({r})"));
        println!(
            "probe     k={:<8} eps={:<14.6e} {:<9} {:>8.3} s{reason}",
            p.steps,
            to_f64(&options.radius(p.steps)),
            p.verdict,
            p.elapsed.as_secs_f64()
        );
    }
    println!("engine    {engine}");
    println!("time      {time_s:.3} s");
}
