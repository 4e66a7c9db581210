//! `vera bounds`: sound output ranges over a property's input regions, and whether they alone
//! prove the property.

use super::verify::{EXIT_HOLDS, EXIT_UNKNOWN};
use crate::bounds::{property_bounds, Interval, Method};
use crate::network::load;
use crate::spec::vnnlib;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

/// Compute sound bounds on a network's outputs over a property's input region.
///
/// Prints a lower and upper bound per output (the hull over the property's input regions),
/// the range of each atom of the property's unsafe condition, and `holds` when the bounds
/// alone refute every unsafe case (`unknown` otherwise: bounds never find counterexamples).
/// Bounds are computed in f64 with outward rounding and are never tighter than the truth.
/// Exit codes: 0 holds, 20 unknown, 1 error.
///
/// Example: vera bounds benchmarks/acasxu/onnx/ACASXU_run2a_2_9_batch_2000.onnx benchmarks/acasxu/vnnlib/prop_4.vnnlib
#[derive(Debug, Args)]
pub struct BoundsArgs {
    /// The network: .onnx, .onnx.gz, .nnet or .nnet.gz (normalised units for .nnet).
    pub network: PathBuf,
    /// The property whose input region (and unsafe condition) to bound: .vnnlib or .vnnlib.gz.
    pub property: PathBuf,
    /// interval: interval arithmetic; symbolic: DeepPoly/CROWN back-substitution; alpha:
    /// symbolic with optimised ReLU lower slopes for outputs and atoms.
    #[arg(long, value_enum, default_value_t = Method::Symbolic)]
    pub method: Method,
    /// Print one JSON object: method, verdict, time_s, outputs [{lower, upper}], regions.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &BoundsArgs) -> anyhow::Result<ExitCode> {
    let net = load(&args.network)?;
    let dims = vnnlib::Dimensions {
        inputs: net.num_inputs(),
        outputs: net.num_outputs(),
    };
    let property = vnnlib::read(&args.property, Some(dims))?;
    if let Some(&i) = property.unbounded_inputs().first() {
        anyhow::bail!(
            "{}: input X_{i} has no finite bound in some region; bounds need a bounded input box",
            args.property.display()
        );
    }
    let found = property_bounds(&net, &property, args.method)?;
    let verdict = if found.holds { "holds" } else { "unknown" };
    if args.json {
        let j = json!({
            "method": found.method,
            "verdict": verdict,
            "time_s": found.elapsed.as_secs_f64(),
            "outputs": found.outputs,
            "regions": found.regions,
        });
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        println!("method    {:?}", found.method);
        println!("time      {:.3} s", found.elapsed.as_secs_f64());
        match &found.outputs {
            None => println!("outputs   none: every input region is empty"),
            Some(outputs) => {
                for (j, Interval { lower, upper }) in outputs.iter().enumerate() {
                    println!("Y_{j:<7} [{lower:.9e}, {upper:.9e}]");
                }
            }
        }
        for r in &found.regions {
            println!(
                "region    case {} polytope {}: {} unstable ReLUs",
                r.case, r.input_polytope, r.unstable_relus
            );
            for a in &r.atoms {
                let side = if a.range.lower.is_finite() {
                    format!("lhs >= {:.9e}", a.range.lower)
                } else {
                    format!("lhs <= {:.9e}", a.range.upper)
                };
                let status = if a.refuted { "refuted" } else { "possible" };
                println!("  atom    {:<28} {side:<22} {status}", a.atom);
            }
        }
        println!("verdict   {verdict}");
    }
    Ok(ExitCode::from(if found.holds {
        EXIT_HOLDS
    } else {
        EXIT_UNKNOWN
    }))
}
