//! `vera eval`: run a network on one input, in f32, f64 or exact rational arithmetic.

use super::input::{parse_all, read_input_file, tokens};
use crate::exact::{format_rational, parse_rational};
use crate::network::{
    load_with, ActivationPattern, LoadOptions, Network, Precision, Scalar, Units,
};
use anyhow::bail;
use clap::{Args, ValueEnum};
use num_rational::BigRational;
use serde_json::json;
use std::path::PathBuf;

/// Evaluate a network on one input and print its outputs.
///
/// Inputs are flat, row-major, separated by commas or spaces. In `exact` precision decimals
/// are read exactly (0.1 is one tenth) and the outputs are exact rationals.
///
/// Example: vera eval benchmarks/acasxu/onnx/ACASXU_run2a_1_1_batch_2000.onnx --input 0.6,-0.5,0,0.45,-0.45
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The network: .onnx, .onnx.gz, .nnet or .nnet.gz.
    pub network: PathBuf,
    /// The input values, e.g. `--input 0.1,-0.2,3e-2` (negative numbers are fine).
    #[arg(
        long,
        allow_hyphen_values = true,
        conflicts_with = "input_file",
        required_unless_present = "input_file"
    )]
    pub input: Option<String>,
    /// A file with the input values (`-` for standard input); commas, spaces, newlines and
    /// JSON brackets are all accepted as separators.
    #[arg(long)]
    pub input_file: Option<PathBuf>,
    /// Arithmetic: `native` is the file's own (float32 for most ONNX models, as onnxruntime
    /// computes; f64 for .nnet), or f32, f64, exact.
    #[arg(long, value_enum, default_value_t = EvalPrecision::Native)]
    pub precision: EvalPrecision,
    /// Inputs and outputs in the raw units of a .nnet file (its clipping, normalisation and
    /// output scaling applied).
    #[arg(long)]
    pub raw_units: bool,
    /// Also print which ReLUs are active (pre-activation > 0), layer by layer.
    #[arg(long)]
    pub activations: bool,
    /// Print one JSON object: `output` is the flat array of output values.
    #[arg(long)]
    pub json: bool,
}

/// The arithmetic `vera eval` computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalPrecision {
    Native,
    F32,
    F64,
    Exact,
}

pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let units = if args.raw_units {
        Units::Raw
    } else {
        Units::Normalized
    };
    let net = load_with(&args.network, LoadOptions { units })?;
    let (source, text) = match (&args.input, &args.input_file) {
        (Some(text), _) => ("--input".to_string(), text.clone()),
        (None, Some(path)) => (path.display().to_string(), read_input_file(path)?),
        (None, None) => bail!("give the input with --input or --input-file"),
    };
    let toks = tokens(&text);
    let n = net.num_inputs();
    let precision = match (args.precision, net.provenance().precision) {
        (EvalPrecision::Native, Precision::F32) => EvalPrecision::F32,
        (EvalPrecision::Native, Precision::F64) => EvalPrecision::F64,
        (p, _) => p,
    };
    let finite = |t: &str| t.parse::<f64>().ok().filter(|v| v.is_finite());
    let report = match precision {
        EvalPrecision::F32 => {
            let x = parse_all(&source, &toks, n, |t| {
                finite(t)
                    .and_then(|_| t.parse::<f32>().ok())
                    .filter(|v| v.is_finite())
            })?;
            evaluate(&net, &x, "f32", |v: &f32| json!(v), |v| v.to_string())?
        }
        EvalPrecision::F64 | EvalPrecision::Native => {
            let x = parse_all(&source, &toks, n, finite)?;
            evaluate(&net, &x, "f64", |v: &f64| json!(v), |v| v.to_string())?
        }
        EvalPrecision::Exact => {
            let x = parse_all(&source, &toks, n, parse_rational)?;
            let mut report = evaluate(
                &net,
                &x,
                "exact",
                |v: &BigRational| json!(v.to_f64()),
                format_rational,
            )?;
            report.json["output_exact"] = json!(report.text);
            report
        }
    };
    if args.json {
        let mut j = report.json;
        if args.activations {
            j["activations"] = json!(report.pattern.layers);
        }
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        println!("output  {}", report.text.join(" "));
        println!("argmax  {}   argmin  {}", report.argmax, report.argmin);
        if args.activations {
            println!(
                "active  {} of {} ReLUs",
                report.pattern.active_count(),
                net.num_relus()
            );
            for (i, layer) in report.pattern.layers.iter().enumerate() {
                let bits: String = layer.iter().map(|a| if *a { '1' } else { '0' }).collect();
                println!("  relu layer {}: {bits}", i + 1);
            }
        }
    }
    Ok(())
}

/// What `vera eval` prints, in both forms.
struct Report {
    json: serde_json::Value,
    text: Vec<String>,
    argmax: usize,
    argmin: usize,
    pattern: ActivationPattern,
}

fn evaluate<T: Scalar>(
    net: &Network,
    x: &[T],
    precision: &str,
    to_json: impl Fn(&T) -> serde_json::Value,
    to_text: impl Fn(&T) -> String,
) -> anyhow::Result<Report> {
    let (out, pattern) = net.eval_traced(x)?;
    let argmax = arg_best(&out, |a, b| a > b);
    let argmin = arg_best(&out, |a, b| a < b);
    let json = json!({
        "network": net.provenance().path.as_ref().map(|p| p.display().to_string()),
        "precision": precision,
        "units": net.provenance().units,
        "input": x.iter().map(&to_json).collect::<Vec<_>>(),
        "output": out.iter().map(&to_json).collect::<Vec<_>>(),
        "output_shape": net.output_shape(),
        "argmax": argmax,
        "argmin": argmin,
    });
    Ok(Report {
        json,
        text: out.iter().map(to_text).collect(),
        argmax,
        argmin,
        pattern,
    })
}

/// The first index whose value beats all others under `better`.
fn arg_best<T: PartialOrd>(values: &[T], better: impl Fn(&T, &T) -> bool) -> usize {
    (0..values.len()).fold(0, |best, i| {
        if better(&values[i], &values[best]) {
            i
        } else {
            best
        }
    })
}
