//! `vera check`: decide every property of a `.vera` spec and print a table (or JSON) with
//! witnesses in the spec's own names and units.

use super::verify::{budget, outcome_json, EngineArgs, EXIT_HOLDS, EXIT_UNKNOWN, EXIT_VIOLATED};
use crate::bounds::{target_ranges, Interval, Method, OutputTarget};
use crate::network::{load, Network};
use crate::query::QueryError;
use crate::spec::dsl::{self, BoundsQuery, Interface, Item, ItemKind, Spec};
use crate::verify::{Outcome, Verdict};
use anyhow::Context;
use clap::Args;
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Values shown per witness line in the table before it is cut short (`--json` has all).
const TABLE_VALUES: usize = 10;

/// Check the properties of a .vera spec.
///
/// Decides each `property` of the file (or those named with --property) and prints one row
/// per property: verdict (holds, violated, unknown), time, and for a violated property the
/// replayed counterexample in the spec's own names and units. Errors in the spec are shown
/// with the file, line and column. Exit codes: 0 all hold, 10 some property is violated,
/// 20 otherwise some is unknown, 1 error.
///
/// Example: vera check specs/acasxu/phi1.vera --timeout 60
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The spec: a .vera file.
    pub spec: PathBuf,
    /// Check only this property or query (repeat for several).
    #[arg(long = "property", value_name = "NAME")]
    pub properties: Vec<String>,
    #[command(flatten)]
    pub how: EngineArgs,
    /// Time limit in seconds per property (fractions allowed).
    #[arg(long)]
    pub timeout: Option<f64>,
    /// Check this network instead of the one the spec declares (which must be the only one,
    /// with the same numbers of inputs and outputs), e.g. one ACAS Xu property on all 45 nets.
    #[arg(long, value_name = "PATH")]
    pub network: Option<PathBuf>,
    /// How `query ... compute bounds` items are bounded: interval, symbolic or alpha (see
    /// `vera bounds --help`).
    #[arg(long, value_enum, default_value_t = Method::Symbolic)]
    pub bounds: Method,
    /// Print a JSON array with one object per property (as `vera verify --json`, plus
    /// `property`, `network` and the witness in the spec's units).
    #[arg(long)]
    pub json: bool,
}

/// One row of the report.
struct Row<'s> {
    item: &'s Item,
    network: String,
    outcome: RowOutcome,
}

/// What checking one item gave.
enum RowOutcome {
    /// A property's verdict.
    Verified(Outcome),
    /// A bounds query's ranges, one per target (`None`: the input region is empty).
    Ranges {
        ranges: Option<Vec<Interval>>,
        elapsed: std::time::Duration,
    },
}

/// The verdict word a bounds query reports: its ranges are computed, not judged.
const COMPUTED: &str = "computed";

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let spec = match dsl::parse_file(&args.spec) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render(std::io::stderr().is_terminal()));
            return Ok(ExitCode::FAILURE);
        }
    };
    let items = select(&spec, &args.properties)?;
    let replacement = args
        .network
        .as_ref()
        .map(|path| replacement_network(&spec, path))
        .transpose()?;
    let mut rows = Vec::new();
    for item in items {
        let (net, label) = match &replacement {
            Some((net, label)) => (net, label.clone()),
            None => {
                let decl = &spec.networks[item.network];
                (&decl.network, decl.name.clone())
            }
        };
        let outcome = match &item.kind {
            ItemKind::Property(property) => {
                log::info!("checking {} on {label}", item.name);
                let budget = budget(args.timeout)?;
                RowOutcome::Verified(
                    args.how
                        .decide(net, property, &budget)
                        .with_context(|| format!("property {}", item.name))?,
                )
            }
            ItemKind::Bounds(query) => {
                let start = std::time::Instant::now();
                let ranges = query_ranges(net, query, args.bounds)
                    .with_context(|| format!("query {}", item.name))?;
                RowOutcome::Ranges {
                    ranges,
                    elapsed: start.elapsed(),
                }
            }
        };
        rows.push(Row {
            item,
            network: label,
            outcome,
        });
    }
    if args.json {
        let all: Vec<Value> = rows.iter().map(row_json).collect();
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        print_table(&rows);
    }
    let verdicts: Vec<&str> = rows
        .iter()
        .map(|r| match &r.outcome {
            RowOutcome::Verified(o) => o.verdict.word(),
            RowOutcome::Ranges { .. } => COMPUTED,
        })
        .collect();
    Ok(ExitCode::from(if verdicts.contains(&"violated") {
        EXIT_VIOLATED
    } else if verdicts.contains(&"unknown") {
        EXIT_UNKNOWN
    } else {
        EXIT_HOLDS
    }))
}

/// Sound ranges of a `compute bounds` query's targets over its inputs (`None`: the region is
/// empty); shared with `vera bounds`.
pub(super) fn query_ranges(
    net: &Network,
    query: &BoundsQuery,
    method: Method,
) -> Result<Option<Vec<Interval>>, QueryError> {
    let targets: Vec<OutputTarget> = query
        .targets
        .iter()
        .map(|t| OutputTarget {
            terms: t.terms.clone(),
            constant: t.constant.clone(),
        })
        .collect();
    target_ranges(net, &query.inputs, &targets, method)
}

/// The items `--property` names, in file order (all when none is named).
fn select<'s>(spec: &'s Spec, names: &[String]) -> anyhow::Result<Vec<&'s Item>> {
    if spec.items.is_empty() {
        anyhow::bail!("{} has no property or query to check", spec.path.display());
    }
    for name in names {
        spec.item(name)?;
    }
    Ok(spec
        .items
        .iter()
        .filter(|i| names.is_empty() || names.contains(&i.name))
        .collect())
}

/// The `--network` replacement, loaded and checked against the spec's only network.
pub(super) fn replacement_network(spec: &Spec, path: &Path) -> anyhow::Result<(Network, String)> {
    let [decl] = spec.networks.as_slice() else {
        anyhow::bail!(
            "--network replaces the spec's network, but {} declares {} networks",
            spec.path.display(),
            spec.networks.len()
        );
    };
    let net = load(path)?;
    let (n, m) = (decl.network.num_inputs(), decl.network.num_outputs());
    if (net.num_inputs(), net.num_outputs()) != (n, m) {
        anyhow::bail!(
            "{} has {} inputs and {} outputs, but the spec's network `{}` has {n} and {m}",
            path.display(),
            net.num_inputs(),
            net.num_outputs(),
            decl.name
        );
    }
    let label = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    Ok((net, label))
}

fn row_json(row: &Row) -> Value {
    let kind = match row.item.kind {
        ItemKind::Property(_) => "property",
        ItemKind::Bounds(_) => "bounds",
    };
    let mut j = json!({
        "property": row.item.name,
        "kind": kind,
        "network": row.network,
    });
    match &row.outcome {
        RowOutcome::Ranges { ranges, elapsed } => {
            j["verdict"] = json!(COMPUTED);
            j["time_s"] = json!(elapsed.as_secs_f64());
            j["ranges"] = match (ranges, &row.item.kind) {
                (Some(ranges), ItemKind::Bounds(q)) => json!(q
                    .targets
                    .iter()
                    .zip(ranges)
                    .map(|(t, r)| json!({"target": t.label, "lower": r.lower, "upper": r.upper}))
                    .collect::<Vec<_>>()),
                _ => Value::Null,
            };
        }
        RowOutcome::Verified(o) => {
            let mut outcome = outcome_json(o);
            if let Verdict::Violated(r) = &o.verdict {
                let ifc = &row.item.interface;
                let w = &mut outcome["witness"];
                w["input_names"] = json!(ifc.input_names);
                w["output_names"] = json!(ifc.output_names);
                w["spec_input"] = json!(ifc.inputs_in_spec_units(&r.input));
                w["spec_output"] = json!(ifc.outputs_in_spec_units(&r.output));
            }
            if let (Value::Object(all), Value::Object(fields)) = (&mut j, outcome) {
                all.extend(fields);
            }
        }
    }
    j
}

fn print_table(rows: &[Row]) {
    let width = |header: &str, f: &dyn Fn(&Row) -> usize| {
        rows.iter().map(f).max().unwrap_or(0).max(header.len())
    };
    let wp = width("property", &|r| r.item.name.len());
    let wn = width("network", &|r| r.network.len());
    let indent = wp + wn + 8 + 10 + 12 + 4;
    println!(
        "{:wp$}  {:wn$}  {:8}  {:>10}  details",
        "property", "network", "verdict", "time"
    );
    for row in rows {
        let (verdict, time, details) = match &row.outcome {
            RowOutcome::Ranges { ranges, elapsed } => (
                COMPUTED,
                format!("{:.3} s", elapsed.as_secs_f64()),
                range_lines(row.item, ranges.as_deref()),
            ),
            RowOutcome::Verified(o) => (
                o.verdict.word(),
                format!("{:.3} s", o.elapsed.as_secs_f64()),
                details(o, &row.item.interface),
            ),
        };
        let first = details.first().cloned().unwrap_or_default();
        println!(
            "{:wp$}  {:wn$}  {:8}  {:>10}  {first}",
            row.item.name, row.network, verdict, time
        );
        for line in details.iter().skip(1) {
            println!("{:indent$}{line}", "");
        }
    }
}

/// The details column: how a verdict was reached, the reason it is unknown, or the witness
/// in the spec's names and units.
fn details(o: &Outcome, ifc: &Interface) -> Vec<String> {
    match &o.verdict {
        Verdict::Holds => vec![format!("answered by {}", o.answered_by)],
        Verdict::Unknown(why) => vec![why.clone()],
        Verdict::Violated(r) => vec![
            format!(
                "input   {}",
                named(&ifc.input_names, &ifc.inputs_in_spec_units(&r.input))
            ),
            format!(
                "output  {}",
                named(&ifc.output_names, &ifc.outputs_in_spec_units(&r.output))
            ),
        ],
    }
}

/// One `target in [lower, upper]` line per target of a bounds query (sound bounds, printed
/// rounded outward to seven significant digits).
fn range_lines(item: &Item, ranges: Option<&[Interval]>) -> Vec<String> {
    let (ItemKind::Bounds(q), Some(ranges)) = (&item.kind, ranges) else {
        return vec!["the input region is empty".into()];
    };
    q.targets
        .iter()
        .zip(ranges)
        .map(|(t, r)| {
            format!(
                "{} in [{:.6e}, {:.6e}]",
                t.label,
                down7(r.lower),
                up7(r.upper)
            )
        })
        .collect()
}

/// `v` rounded down to seven significant digits (and one ulp further, for the rounding of the
/// scaling), so the printed lower bound is still below the computed one.
fn down7(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(6 - v.abs().log10().floor() as i32);
    ((v * scale).floor() / scale).next_down().min(v)
}

/// `v` rounded up to seven significant digits (see [`down7`]).
fn up7(v: f64) -> f64 {
    -down7(-v)
}

/// `name = value, ...`, cut after [`TABLE_VALUES`] values.
fn named(names: &[String], values: &[f64]) -> String {
    let mut parts: Vec<String> = names
        .iter()
        .zip(values)
        .take(TABLE_VALUES)
        .map(|(n, v)| format!("{n} = {}", short(*v)))
        .collect();
    if values.len() > TABLE_VALUES {
        parts.push(format!("... ({} values; --json prints all)", values.len()));
    }
    parts.join(", ")
}

/// A number with about seven significant digits, for the table.
fn short(v: f64) -> String {
    if v == 0.0 || (1e-3..1e7).contains(&v.abs()) {
        let digits = (6 - v.abs().log10().floor() as i32).clamp(0, 9) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{v:.6e}")
    }
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(55947.691), "55947.69");
        assert_eq!(short(-0.06), "-0.06");
        assert_eq!(short(1500.0), "1500");
        assert_eq!(short(1e-9), "1.000000e-9");
    }
}
