//! `vera test mutate`: the mutation score of a test suite on a network.

use super::verify::{write_atomically, EXIT_VIOLATED};
use crate::network::load;
use crate::testing::mutate::{
    analyse, generate, read_tests, Judgement, MutantPlan, MutationAnalysis, Operator, Parameters,
    Status, Tally,
};
use anyhow::{bail, Context};
use clap::Args;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The fraction of disagreeing reference inputs above which a mutant is trivial, when
/// `--reference` is given without `--max-disagreement` (DeepMutation keeps mutants whose
/// accuracy stays close to the original's).
const DEFAULT_MAX_DISAGREEMENT: f64 = 0.1;

/// Score a test suite by the mutants of the network it kills.
///
/// Mutants are copies of the network with one planted fault (DeepMutation's model-level
/// operators): gf Gaussian fuzzing of a fraction of a layer's weights, ws shuffling one
/// neuron's incoming weights, neb blocking a hidden neuron (its outgoing weights set to 0),
/// nai negating a hidden neuron's pre-activation, ns switching two neurons of a layer, ar
/// making one ReLU neuron linear, afr removing a ReLU layer, bc shifting one bias. A mutant is
/// killed when some test's label (argmax of the outputs, in f32, lowest index on ties)
/// differs from the original network's. The score is killed / (killed + survived): mutants
/// that changed no weight (equivalent) and, with --reference or --max-disagreement, mutants
/// whose label differs on more than that fraction of the reference inputs (trivial) are left
/// out. docs/testing-mutation.md defines every operator exactly.
///
/// Exit codes: 0 done (10 with --min-score when the score is below it), 1 error.
///
/// Example: vera test mutate net.onnx --tests tests.csv --mutants 20 --seed 1 --json
#[derive(Debug, Args)]
pub struct MutateArgs {
    /// The network: .onnx, .onnx.gz, .nnet or .nnet.gz (normalised units for .nnet).
    pub network: PathBuf,
    /// The test suite: one input per line, comma-separated numbers, no header.
    #[arg(long, value_name = "FILE")]
    pub tests: PathBuf,
    /// Mutants per operator (fewer when an operator has fewer sites).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub mutants: usize,
    /// The operators, comma-separated: gf, ws, neb, nai, ns, ar, afr, bc (default: all).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub operators: Vec<String>,
    /// Mutate only these layers (indices of the layers as read, comma-separated; the human
    /// output lists them). Neuron operators count the activation layer, the others the
    /// affine layer.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub layers: Vec<usize>,
    /// Seed of the random choices (sites, noise, shuffles): the same seed gives the same
    /// mutants.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// gf: the fraction of the layer's weights that get noise.
    #[arg(long, value_name = "R", default_value_t = 0.01)]
    pub ratio: f64,
    /// gf: the noise's standard deviation, in standard deviations of the layer's weights.
    #[arg(long, value_name = "S", default_value_t = 1.0)]
    pub sigma: f64,
    /// bc: the bias shift, in standard deviations of the layer's biases.
    #[arg(long, value_name = "S", default_value_t = 1.0)]
    pub bias_scale: f64,
    /// Natural inputs (same format as --tests) on which to measure how often a mutant
    /// disagrees with the original; mutants above --max-disagreement (default 0.1 with this
    /// option) are trivial and not scored.
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// Mutants whose label differs on more than this fraction of the reference inputs (the
    /// tests without --reference) are trivial. Without --reference and this option no mutant
    /// is trivial.
    #[arg(long, value_name = "F")]
    pub max_disagreement: Option<f64>,
    /// Exit with code 10 when the score is below this.
    #[arg(long, value_name = "S")]
    pub min_score: Option<f64>,
    /// Worker threads (default: every core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Write summary.json and one mutant-<id>.txt per mutant (its description and status)
    /// into this folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print one JSON object: tests, mutants, scored, killed, survived, trivial, equivalent,
    /// score, operators {code: {mutants, killed, survived, trivial, equivalent, score}},
    /// mutants_list [{id, operator, layer, neurons, description, status, killing_tests,
    /// first_killing_test, disagreement}], seed, parameters, time_s.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &MutateArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let plan = plan(args)?;
    let max_disagreement = match (args.max_disagreement, &args.reference) {
        (Some(f), _) if !(0.0..=1.0).contains(&f) => {
            bail!("--max-disagreement: expected a fraction in [0, 1], got {f}")
        }
        (Some(f), _) => Some(f),
        (None, Some(_)) => Some(DEFAULT_MAX_DISAGREEMENT),
        (None, None) => None,
    };
    let net = load(&args.network)?;
    let tests = read_tests(&args.tests, net.num_inputs())?;
    let reference = args
        .reference
        .as_deref()
        .map(|p| read_tests(p, net.num_inputs()))
        .transpose()?;
    let mutants = generate(&net, &plan)?;
    let generated = start.elapsed().as_secs_f64();
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let judgement = Judgement {
        reference: reference.as_ref(),
        max_disagreement,
        threads,
    };
    let mut analysis = analyse(&net, &mutants, &tests, judgement);
    for op in &plan.operators {
        // Operators with no site in this network are listed, with no mutants.
        analysis.operators.entry(*op).or_default();
    }
    let time_s = start.elapsed().as_secs_f64();
    log::debug!(
        "mutate: {} mutants drawn in {generated:.3} s, {} tests run on them in {:.3} s",
        mutants.len(),
        tests.len(),
        time_s - generated
    );
    let summary = summary_json(&analysis, args, &plan, time_s);
    if let Some(dir) = &args.out {
        write_out(dir, &analysis, &summary)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_table(&net, &analysis, args, time_s);
    }
    let below = args
        .min_score
        .is_some_and(|min| analysis.total.score.unwrap_or(0.0) < min);
    Ok(if below {
        ExitCode::from(EXIT_VIOLATED)
    } else {
        ExitCode::SUCCESS
    })
}

/// The mutants the options ask for.
fn plan(args: &MutateArgs) -> anyhow::Result<MutantPlan> {
    let operators = if args.operators.is_empty() {
        Operator::ALL.to_vec()
    } else {
        let mut ops = Vec::new();
        for code in &args.operators {
            let Some(op) = Operator::parse(code) else {
                let all: Vec<_> = Operator::ALL.iter().map(|o| o.code()).collect();
                bail!(
                    "--operators: unknown operator '{code}' (expected some of {})",
                    all.join(", ")
                );
            };
            if !ops.contains(&op) {
                ops.push(op);
            }
        }
        ops
    };
    if !(args.ratio > 0.0 && args.ratio <= 1.0) {
        bail!("--ratio: expected a fraction in (0, 1], got {}", args.ratio);
    }
    for (name, v) in [("--sigma", args.sigma), ("--bias-scale", args.bias_scale)] {
        if !(v.is_finite() && v > 0.0) {
            bail!("{name}: expected a positive number, got {v}");
        }
    }
    Ok(MutantPlan {
        operators,
        per_operator: args.mutants,
        seed: args.seed,
        layers: (!args.layers.is_empty())
            .then(|| args.layers.iter().copied().collect::<BTreeSet<_>>()),
        parameters: Parameters {
            ratio: args.ratio,
            sigma: args.sigma,
            bias_scale: args.bias_scale,
        },
    })
}

fn tally_json(t: &Tally) -> serde_json::Value {
    json!({
        "mutants": t.mutants,
        "killed": t.killed,
        "survived": t.survived,
        "trivial": t.trivial,
        "equivalent": t.equivalent,
        "score": t.score,
    })
}

fn summary_json(
    a: &MutationAnalysis,
    args: &MutateArgs,
    plan: &MutantPlan,
    time_s: f64,
) -> serde_json::Value {
    let operators: serde_json::Map<String, serde_json::Value> = a
        .operators
        .iter()
        .map(|(op, t)| (op.code().to_string(), tally_json(t)))
        .collect();
    json!({
        "network": args.network,
        "tests_file": args.tests,
        "tests": a.tests,
        "reference_inputs": a.reference_inputs,
        "max_disagreement": a.max_disagreement,
        "mutants": a.total.mutants,
        "scored": a.total.killed + a.total.survived,
        "killed": a.total.killed,
        "survived": a.total.survived,
        "trivial": a.total.trivial,
        "equivalent": a.total.equivalent,
        "score": a.total.score,
        "operators": operators,
        "mutants_list": a.mutants,
        "seed": plan.seed,
        "mutants_per_operator": plan.per_operator,
        "parameters": plan.parameters,
        "time_s": time_s,
    })
}

/// `summary.json` and one `mutant-<id>.txt` per mutant.
fn write_out(dir: &Path, a: &MutationAnalysis, summary: &serde_json::Value) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    write_atomically(
        &dir.join("summary.json"),
        serde_json::to_string_pretty(summary)?.as_bytes(),
    )?;
    for m in &a.mutants {
        let killer = m.first_killing_test.map_or(String::new(), |t| {
            format!(
                "first killing test: {} (line {} of the tests file, blank lines not counted)\n",
                t,
                t + 1
            )
        });
        let text = format!(
            "mutant {}\noperator: {} ({})\nlayer: {}\nneurons: {:?}\n{}\nstatus: {}\nkilling tests: {}\n{killer}disagreement: {:.4}\n",
            m.id,
            m.operator.code(),
            m.operator.name(),
            m.layer,
            m.neurons,
            m.description,
            status_word(m.status),
            m.killing_tests,
            m.disagreement,
        );
        write_atomically(&dir.join(format!("mutant-{}.txt", m.id)), text.as_bytes())?;
    }
    Ok(())
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Killed => "killed",
        Status::Survived => "survived",
        Status::Trivial => "trivial",
        Status::Equivalent => "equivalent",
    }
}

fn score_text(score: Option<f64>) -> String {
    score.map_or("-".into(), |s| format!("{s:.3}"))
}

/// Survivors listed in the human output; `--json` and `--out` list every mutant.
const SURVIVORS_SHOWN: usize = 20;

fn print_table(
    net: &crate::network::Network,
    a: &MutationAnalysis,
    args: &MutateArgs,
    time_s: f64,
) {
    let t = &a.total;
    println!("network   {}", args.network.display());
    for (i, _) in net.layers().iter().enumerate() {
        println!(
            "  layer {i:<3} {}",
            crate::testing::mutate::describe_layer(net, i)
        );
    }
    println!("tests     {} ({})", a.tests, args.tests.display());
    if let (Some(n), Some(max)) = (a.reference_inputs, a.max_disagreement) {
        println!("trivial   disagreeing on more than {max} of {n} reference inputs");
    } else if let Some(max) = a.max_disagreement {
        println!("trivial   disagreeing on more than {max} of the tests");
    }
    println!(
        "mutants   {} ({} scored, {} trivial, {} equivalent)",
        t.mutants,
        t.killed + t.survived,
        t.trivial,
        t.equivalent
    );
    println!(
        "score     {} ({} of {} killed)",
        score_text(t.score),
        t.killed,
        t.killed + t.survived
    );
    println!();
    println!("operator  mutants  killed  survived  trivial  equivalent  score");
    for (op, o) in &a.operators {
        println!(
            "{:<8}  {:>7}  {:>6}  {:>8}  {:>7}  {:>10}  {}{}",
            op.code(),
            o.mutants,
            o.killed,
            o.survived,
            o.trivial,
            o.equivalent,
            score_text(o.score),
            if o.mutants == 0 {
                "  (no site in this network or in --layers)"
            } else {
                ""
            }
        );
    }
    let survivors: Vec<_> = a
        .mutants
        .iter()
        .filter(|m| m.status == Status::Survived)
        .collect();
    if !survivors.is_empty() {
        println!();
        println!("survived (no test tells them from the network):");
        for m in survivors.iter().take(SURVIVORS_SHOWN) {
            println!("  #{:<4} {}", m.id, m.description);
        }
        if survivors.len() > SURVIVORS_SHOWN {
            println!(
                "  ... and {} more (--json lists every mutant)",
                survivors.len() - SURVIVORS_SHOWN
            );
        }
    }
    println!();
    println!("time      {time_s:.3} s");
}
