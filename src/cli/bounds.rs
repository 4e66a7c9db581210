//! `vera bounds`: sound output ranges over a property's input regions, and whether they alone
//! prove the property.

use super::check::{query_ranges, replacement_network};
use super::verify::{EXIT_HOLDS, EXIT_UNKNOWN};
use crate::bounds::{property_bounds, Interval, Method, PropertyBounds};
use crate::network::{load, Network};
use crate::spec::dsl::{self, ItemKind};
use crate::spec::{vnnlib, Property};
use anyhow::Context;
use clap::Args;
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Compute sound bounds on a network's outputs over a property's input region.
///
/// `vera bounds NET PROP.vnnlib` prints a lower and upper bound per output (the hull over the
/// property's input regions), the range of each atom of the property's unsafe condition, and
/// `holds` when the bounds alone refute every unsafe case (`unknown` otherwise: bounds never
/// find counterexamples). `vera bounds SPEC.vera` does the same for every property of the spec
/// and prints the ranges its `query ... compute bounds` items ask for (`vera bounds NET
/// SPEC.vera` uses NET instead of the spec's network). Bounds are computed in f64 with
/// outward rounding and are never tighter than the truth. Exit codes: 0 every property holds,
/// 20 otherwise, 1 error.
///
/// Example: vera bounds benchmarks/acasxu/onnx/ACASXU_run2a_2_9_batch_2000.onnx benchmarks/acasxu/vnnlib/prop_4.vnnlib
#[derive(Debug, Args)]
pub struct BoundsArgs {
    /// The network (.onnx, .onnx.gz, .nnet, .nnet.gz; normalised units for .nnet), or a .vera
    /// spec when no second argument follows.
    pub network_or_spec: PathBuf,
    /// The property whose input region and unsafe condition to bound: .vnnlib, .vnnlib.gz or
    /// a .vera spec.
    pub property: Option<PathBuf>,
    /// interval: interval arithmetic; symbolic: DeepPoly/CROWN back-substitution; alpha:
    /// symbolic with optimised ReLU lower slopes for outputs and atoms.
    #[arg(long, value_enum, default_value_t = Method::Symbolic)]
    pub method: Method,
    /// Print JSON: for a VNN-LIB property one object with method, verdict, time_s, outputs
    /// [{lower, upper}] and regions; for a spec an array with one such object per item.
    #[arg(long)]
    pub json: bool,
}

fn is_spec(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "vera")
}

pub fn run(args: &BoundsArgs) -> anyhow::Result<ExitCode> {
    match &args.property {
        None if is_spec(&args.network_or_spec) => run_spec(args, &args.network_or_spec, None),
        None => anyhow::bail!(
            "{}: give a network and a property (.vnnlib or .vera), or a .vera spec alone",
            args.network_or_spec.display()
        ),
        Some(p) if is_spec(p) => run_spec(args, p, Some(&args.network_or_spec)),
        Some(p) => run_vnnlib(args, &args.network_or_spec, p),
    }
}

fn run_vnnlib(args: &BoundsArgs, network: &Path, property: &Path) -> anyhow::Result<ExitCode> {
    let net = load(network)?;
    let dims = vnnlib::Dimensions {
        inputs: net.num_inputs(),
        outputs: net.num_outputs(),
    };
    let property = vnnlib::read(property, Some(dims))?;
    let found = bound_property(&net, &property, args.method, property_name(args))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&property_json(&found))?);
    } else {
        print_property(&found);
    }
    Ok(exit_code(found.holds))
}

fn property_name(args: &BoundsArgs) -> String {
    args.property
        .as_deref()
        .unwrap_or(&args.network_or_spec)
        .display()
        .to_string()
}

fn bound_property(
    net: &Network,
    property: &Property,
    method: Method,
    name: String,
) -> anyhow::Result<PropertyBounds> {
    if let Some(&i) = property.unbounded_inputs().first() {
        anyhow::bail!(
            "{name}: input X_{i} has no finite bound in some region; bounds need a bounded input box"
        );
    }
    Ok(property_bounds(net, property, method)?)
}

fn run_spec(args: &BoundsArgs, path: &Path, network: Option<&Path>) -> anyhow::Result<ExitCode> {
    let spec = match dsl::parse_file(path) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render(std::io::stderr().is_terminal()));
            return Ok(ExitCode::FAILURE);
        }
    };
    let replacement = network.map(|p| replacement_network(&spec, p)).transpose()?;
    let mut all_hold = true;
    let mut objects = Vec::new();
    for item in &spec.items {
        let net = match &replacement {
            Some((net, _)) => net,
            None => &spec.networks[item.network].network,
        };
        match &item.kind {
            ItemKind::Property(property) => {
                let found = bound_property(net, property, args.method, item.name.clone())?;
                all_hold &= found.holds;
                if args.json {
                    let mut j = property_json(&found);
                    j["name"] = json!(item.name);
                    j["kind"] = json!("property");
                    objects.push(j);
                } else {
                    println!("== property {}", item.name);
                    print_property(&found);
                }
            }
            ItemKind::Bounds(query) => {
                let ranges = query_ranges(net, query, args.method)
                    .with_context(|| format!("query {}", item.name))?;
                let labelled: Vec<(&str, Option<Interval>)> = query
                    .targets
                    .iter()
                    .enumerate()
                    .map(|(k, t)| (t.label.as_str(), ranges.as_ref().map(|r| r[k])))
                    .collect();
                if args.json {
                    let ranges: Vec<Value> = labelled
                        .iter()
                        .map(|(label, r)| json!({"target": label, "range": r}))
                        .collect();
                    objects.push(json!({"name": item.name, "kind": "query", "ranges": ranges}));
                } else {
                    println!("== query {}", item.name);
                    for (label, r) in labelled {
                        match r {
                            Some(Interval { lower, upper }) => {
                                println!("{label:<9} [{lower:.9e}, {upper:.9e}]")
                            }
                            None => println!("{label:<9} none: the input region is empty"),
                        }
                    }
                }
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&objects)?);
    }
    Ok(exit_code(all_hold))
}

fn exit_code(holds: bool) -> ExitCode {
    ExitCode::from(if holds { EXIT_HOLDS } else { EXIT_UNKNOWN })
}

fn verdict(found: &PropertyBounds) -> &'static str {
    if found.holds {
        "holds"
    } else {
        "unknown"
    }
}

fn property_json(found: &PropertyBounds) -> Value {
    json!({
        "method": found.method,
        "verdict": verdict(found),
        "time_s": found.elapsed.as_secs_f64(),
        "outputs": found.outputs,
        "regions": found.regions,
    })
}

fn print_property(found: &PropertyBounds) {
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
    println!("verdict   {}", verdict(found));
}
