//! `vera verify`: decide a VNN-LIB property on a network, with a replayed witness when violated.

use crate::bnn_sat::{
    SatOptions, SatSolver, DEFAULT_ENUMERATE_UP_TO, DEFAULT_SAT_FIRST_UP_TO_CLAUSES, MAX_FREE,
};
use crate::dpllt::DplltEngine;
use crate::engine::Budget;
use crate::network::load;
use crate::network::Network;
use crate::smt_z3::Z3Engine;
use crate::spec::vnnlib;
use crate::spec::Property;
use crate::verify::{
    verify_auto, verify_with, AutoOptions, Outcome, Part, SearchOptions, SearchStats, Verdict,
};
use clap::{Args, ValueEnum};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Exit code when the property holds.
pub const EXIT_HOLDS: u8 = 0;
/// Exit code when the property is violated (a replayed counterexample is printed).
pub const EXIT_VIOLATED: u8 = 10;
/// Exit code when vera could not decide (timeout, unsupported, witness failed replay).
pub const EXIT_UNKNOWN: u8 = 20;

/// Decide whether a property holds on a network.
///
/// The property is a VNN-LIB file (its asserts describe the unsafe set). Prints the verdict:
/// holds, violated (with a counterexample replayed exactly and in the network's float
/// precision) or unknown (with the reason). Exit codes: 0 holds, 10 violated, 20 unknown,
/// 1 error.
///
/// Example: vera verify benchmarks/vnncomp-test/test_small.onnx benchmarks/vnncomp-test/test_small.vnnlib --timeout 60
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The network: .onnx, .onnx.gz, .nnet or .nnet.gz (normalised units for .nnet).
    pub network: PathBuf,
    /// The property: .vnnlib or .vnnlib.gz.
    pub property: PathBuf,
    #[command(flatten)]
    pub run: EngineArgs,
    /// Time limit in seconds for the whole property (fractions allowed).
    #[arg(long)]
    pub timeout: Option<f64>,
    /// Print one JSON object: verdict, engine, answered_by, time_s, parts (what ran, for how
    /// long, with what result), reason (unknown), witness (violated), sat (binarised
    /// networks: solver, encoding size, proofs and who checked them).
    #[arg(long)]
    pub json: bool,
    /// Binarised networks: when the property holds, write the SAT solver's DRAT proof of
    /// each query's CNF here (the CNF is what `vera export NET PROP --dimacs F` writes; a
    /// property with several queries gets FILE, FILE.2, FILE.3, ... for queries 1, 2, 3, ...,
    /// as export numbers their CNFs). A query decided by enumerating its free inputs has no
    /// proof file (the enumeration is the certificate; `sat.enumerated_queries` lists them).
    /// Nothing is written for any other verdict.
    #[arg(long, value_name = "FILE")]
    pub proof: Option<PathBuf>,
}

/// How to decide: the engine, threads and seed (shared by verify, check and vnncomp).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Args)]
pub struct EngineArgs {
    /// The engine: auto (attack, then a falsifier thread racing the DPLL(T) search, Z3
    /// where the DPLL(T) engine gives up; the SAT engine for binarised networks), or one
    /// engine alone after a first attack.
    #[arg(long, value_enum, default_value_t = EngineChoice::Auto)]
    pub engine: EngineChoice,
    /// Threads for `--engine auto` (default: every core): one falsifier and the rest search,
    /// splitting the property into pieces when there are two or more search threads.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Seed of the attacks' random starts (the same seed gives the same attacks).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The SAT solver for binarised networks.
    #[arg(long, value_enum, default_value_t = SatSolver::Varisat)]
    pub sat_solver: SatSolver,
    /// Binarised networks: a query whose box leaves at most 2^N patterns of the input bits
    /// (N free bits; for quantised inputs, the product of their free levels) is decided by
    /// running all of them through the network instead of by SAT: beyond 2^22 patterns
    /// through the distinct patterns of the first hidden layer, found by dynamic programming
    /// over the free inputs (up to 2 GiB of states); a box with too many goes to the SAT
    /// solver after all (N ≤ 48; 0 sends every query with a free input to the solver).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ENUMERATE_UP_TO,
          value_parser = enumerate_limit)]
    pub enumerate_up_to: usize,
    /// Binarised networks: a query that would be enumerated over more than 2^16 patterns is
    /// first encoded, and decided by SAT instead when its CNF has at most this many clauses
    /// (0: always enumerate).
    #[arg(long, value_name = "CLAUSES", default_value_t = DEFAULT_SAT_FIRST_UP_TO_CLAUSES)]
    pub sat_first_up_to: usize,
}

fn enumerate_limit(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n <= MAX_FREE => Ok(n),
        _ => Err(format!("expected a whole number from 0 to {MAX_FREE}")),
    }
}

impl Default for EngineArgs {
    fn default() -> EngineArgs {
        EngineArgs {
            engine: EngineChoice::Auto,
            threads: None,
            seed: 0,
            sat_solver: SatSolver::Varisat,
            enumerate_up_to: DEFAULT_ENUMERATE_UP_TO,
            sat_first_up_to: DEFAULT_SAT_FIRST_UP_TO_CLAUSES,
        }
    }
}

impl EngineArgs {
    /// The threads `--threads` asks for, or every core.
    pub fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }

    /// The SAT engine's options these arguments give.
    pub fn sat_options(&self, keep_proofs: bool) -> SatOptions {
        SatOptions {
            solver: self.sat_solver,
            keep_proofs,
            enumerate_up_to: self.enumerate_up_to,
            sat_first_up_to_clauses: self.sat_first_up_to,
            threads: self.threads(),
        }
    }

    /// Decides `property` on `net` within `budget` as these arguments say.
    pub fn decide(
        &self,
        net: &Network,
        property: &Property,
        budget: &Budget,
    ) -> Result<Outcome, crate::verify::VerifyError> {
        self.decide_keeping_proofs(net, property, budget, false)
    }

    /// [`EngineArgs::decide`], keeping the SAT engine's DRAT proofs in the outcome when
    /// `keep_proofs` is set.
    pub fn decide_keeping_proofs(
        &self,
        net: &Network,
        property: &Property,
        budget: &Budget,
        keep_proofs: bool,
    ) -> Result<Outcome, crate::verify::VerifyError> {
        let mut search = SearchOptions::default();
        search.attack.seed = self.seed;
        match self.engine {
            EngineChoice::Sat if net.kind() != "bnn" => Err(crate::verify::VerifyError::Engine(
                crate::engine::EngineError {
                    engine: "sat",
                    problem: "the network has no sign activations: --engine sat decides \
                              binarised networks only"
                        .into(),
                },
            )),
            EngineChoice::Sat if crate::bnn_sat::foldable(net, property).is_err() => {
                let why = crate::bnn_sat::foldable(net, property).err().map(|u| u.0);
                Err(crate::verify::VerifyError::Engine(
                    crate::engine::EngineError {
                        engine: "sat",
                        problem: why.unwrap_or_default(),
                    },
                ))
            }
            // The portfolio sends binarised networks to the SAT engine.
            EngineChoice::Auto | EngineChoice::Sat => {
                let options = AutoOptions {
                    threads: self.threads(),
                    search,
                    sat: self.sat_options(keep_proofs),
                    ..AutoOptions::default()
                };
                let mut outcome = verify_auto(net, property, budget, options)?;
                if self.engine == EngineChoice::Sat {
                    outcome.engine = "sat";
                }
                Ok(outcome)
            }
            EngineChoice::Dpllt => {
                verify_with(net, property, &DplltEngine::default(), budget, search)
            }
            EngineChoice::Z3 if net.kind() == "bnn" => bnn_z3_outcome(net, property, budget),
            EngineChoice::Z3 => verify_with(net, property, &Z3Engine, budget, search),
        }
    }
}

/// `--engine z3` on a binarised network: Z3 alone on the folded network ([`crate::bnn_z3`]),
/// with no attack first, so that every verdict is Z3's own (it is the SAT engine's
/// differential oracle).
fn bnn_z3_outcome(
    net: &Network,
    property: &Property,
    budget: &Budget,
) -> Result<Outcome, crate::verify::VerifyError> {
    let start = Instant::now();
    let verdict = crate::bnn_z3::decide(net, property, budget)?;
    let elapsed = start.elapsed();
    let answered_by = match verdict {
        Verdict::Unknown(_) => "none",
        _ => "z3",
    };
    Ok(Outcome {
        parts: vec![Part {
            name: "z3",
            elapsed,
            result: verdict.word().into(),
        }],
        verdict,
        engine: "z3",
        answered_by,
        elapsed,
        sub_problems: property.sub_problems().count(),
        closed_by_bounds: 0,
        search: SearchStats::default(),
        sat: None,
    })
}

/// The engines `--engine` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineChoice {
    /// The portfolio: a first attack, then a falsifier thread racing the DPLL(T) search (on
    /// a pool of threads with several), Z3 where the DPLL(T) engine gives up; binarised
    /// networks go to the SAT engine alone.
    Auto,
    /// vera's DPLL(T) search: input bisection and ReLU splits over bound propagation and its
    /// own simplex, with conflict clauses (exact answers).
    Dpllt,
    /// Z3 in linear real arithmetic (exact) on the boxes split and conquer leaves open; on
    /// binarised networks, Z3 alone on the folded network (pseudo-Boolean neurons, exact
    /// logits), no attack first: an independent check of the SAT engine.
    Z3,
    /// Binarised networks: folded to integers and decided by SAT (`--sat-solver`) or by
    /// enumeration, with its own corner search for witnesses (what auto does for them).
    Sat,
}

/// Loads the inputs and decides; shared with `vera vnncomp run`.
pub fn decide(
    network: &Path,
    property: &Path,
    how: &EngineArgs,
    timeout: Option<f64>,
) -> anyhow::Result<Outcome> {
    decide_keeping_proofs(network, property, how, timeout, false)
}

fn decide_keeping_proofs(
    network: &Path,
    property: &Path,
    how: &EngineArgs,
    timeout: Option<f64>,
    keep_proofs: bool,
) -> anyhow::Result<Outcome> {
    let net = load(network)?;
    let dims = vnnlib::Dimensions {
        inputs: net.num_inputs(),
        outputs: net.num_outputs(),
    };
    let prop = vnnlib::read(property, Some(dims))?;
    if keep_proofs && net.kind() != "bnn" {
        anyhow::bail!(
            "--proof: {} has no sign activations; DRAT proofs come from the SAT engine, which \
             decides binarised networks only",
            network.display()
        );
    }
    if keep_proofs && !matches!(how.engine, EngineChoice::Auto | EngineChoice::Sat) {
        anyhow::bail!(
            "--proof needs --engine auto or --engine sat (the SAT engine writes the proof)"
        );
    }
    let budget = budget(timeout)?;
    Ok(how.decide_keeping_proofs(&net, &prop, &budget, keep_proofs)?)
}

/// The file the proof of query `k` (0-based) goes to: `file`, then `file.2`, `file.3`, ...
pub fn numbered(file: &Path, k: usize) -> PathBuf {
    if k == 0 {
        file.to_path_buf()
    } else {
        let mut name = file.as_os_str().to_owned();
        name.push(format!(".{}", k + 1));
        PathBuf::from(name)
    }
}

/// Writes `bytes` to `target` through a temporary file in the same folder (never half-written).
pub fn write_atomically(target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", target.display()))?;
    tmp.persist(target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(())
}

/// Writes the outcome's DRAT proofs when the property holds; the paths written.
fn write_proofs(outcome: &Outcome, file: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let Some(sat) = &outcome.sat else {
        return Ok(vec![]);
    };
    if !matches!(outcome.verdict, Verdict::Holds) {
        return Ok(vec![]);
    }
    let mut written = Vec::new();
    for proof in &sat.drat {
        // Numbered by query, as `vera export --dimacs` numbers the CNFs the proofs refute.
        let target = numbered(file, proof.query);
        write_atomically(&target, &proof.drat)?;
        written.push(target.clone());
        if !proof.lemmas.is_empty() {
            let mut name = target.as_os_str().to_owned();
            name.push(".lemmas");
            let target = PathBuf::from(name);
            write_atomically(&target, lemmas_text(&proof.lemmas).as_bytes())?;
            written.push(target);
        }
    }
    Ok(written)
}

/// The clauses the input constraints added to a query's CNF, in DIMACS clause lines: the
/// proof beside them refutes the CNF of `vera export --dimacs` with these clauses appended.
fn lemmas_text(lemmas: &[Vec<varisat::Lit>]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "c vera: clauses the input constraints over several inputs add to the query's CNF \
         (append them to the CNF of `vera export --dimacs` before checking the proof); each \
         rules out input-bit patterns whose input cell no point satisfying the constraints \
         lies in, by a Farkas combination of the constraints checked in exact arithmetic\n",
    );
    for clause in lemmas {
        for l in clause {
            let _ = write!(out, "{} ", l.to_dimacs());
        }
        out.push_str("0\n");
    }
    out
}

/// The budget `--timeout SECS` asks for, starting now (unlimited without it).
pub fn budget(timeout: Option<f64>) -> anyhow::Result<Budget> {
    Ok(match timeout {
        Some(t) if t.is_finite() && t >= 0.0 => Budget::from_now(Duration::from_secs_f64(t)),
        Some(t) => anyhow::bail!("--timeout must be a non-negative number of seconds, got {t}"),
        None => Budget::unlimited(),
    })
}

/// The JSON object of an outcome: verdict, engine, answered_by, time_s, sub_problems,
/// closed_by_bounds, and reason (unknown) or witness (violated); shared with `vera check`.
pub fn outcome_json(outcome: &Outcome) -> Value {
    let mut j = json!({
        "verdict": outcome.verdict.word(),
        "engine": outcome.engine,
        "answered_by": outcome.answered_by,
        "time_s": outcome.elapsed.as_secs_f64(),
        "sub_problems": outcome.sub_problems,
        "closed_by_bounds": outcome.closed_by_bounds,
        "parts": outcome.parts.iter().map(|p| json!({
            "part": p.name,
            "time_s": p.elapsed.as_secs_f64(),
            "result": p.result,
        })).collect::<Vec<_>>(),
    });
    match &outcome.verdict {
        Verdict::Unknown(why) => j["reason"] = json!(why),
        Verdict::Violated(r) => {
            j["witness"] = json!({
                "input": r.input,
                "output": r.output,
                "precision": r.precision,
                "exact_margin": r.exact_margin,
                "float_margin": r.float_margin,
            })
        }
        Verdict::Holds => {}
    }
    if let Some(sat) = &outcome.sat {
        let mut checked_by: Vec<&str> = sat.checked_by.clone();
        if sat.proofs > 0 && sat.checked == sat.proofs {
            checked_by.insert(0, "vera-rup");
        }
        j["sat"] = json!({
            "queries": sat.queries,
            "enumerated": sat.enumerated,
            "enumerated_queries": sat.enumerated_queries.iter().map(|k| k + 1).collect::<Vec<_>>(),
            "patterns": sat.patterns,
            "free_inputs": sat.size.free_inputs,
            "fixed_neurons": sat.size.fixed_neurons,
            "hidden_neurons": sat.size.hidden_neurons,
            "variables": sat.variables,
            "clauses": sat.clauses,
            "proofs": sat.proofs,
            "proofs_checked_by_vera": sat.checked,
            "lemmas_checked": sat.lemmas,
            "input_lemmas": sat.input_lemmas,
            "corner_searches": sat.corner_searches,
            "corner_search_found": sat.corner_search_found,
            "proof_checked": sat.proofs > 0 && !checked_by.is_empty(),
            "checked_by": checked_by,
        });
    }
    j
}

pub fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let outcome = decide_keeping_proofs(
        &args.network,
        &args.property,
        &args.run,
        args.timeout,
        args.proof.is_some(),
    )?;
    let proofs = match &args.proof {
        Some(file) => write_proofs(&outcome, file)?,
        None => vec![],
    };
    let time_s = outcome.elapsed.as_secs_f64();
    if args.json {
        let mut j = outcome_json(&outcome);
        if args.proof.is_some() {
            j["proof_files"] = json!(proofs);
        }
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        println!("verdict   {}", outcome.verdict.word());
        println!(
            "engine    {} (answered by {})",
            outcome.engine, outcome.answered_by
        );
        println!("time      {time_s:.3} s");
        println!(
            "checked   {} sub-problems ({} closed by bounds alone)",
            outcome.sub_problems, outcome.closed_by_bounds
        );
        for p in &outcome.parts {
            println!(
                "part      {:<10} {:>8.3} s  {}",
                p.name,
                p.elapsed.as_secs_f64(),
                p.result
            );
        }
        match &outcome.verdict {
            Verdict::Unknown(why) => println!("reason    {why}"),
            Verdict::Violated(r) => {
                println!("input     {:?}", r.input);
                println!("output    {:?}", r.output);
                println!(
                    "replayed  exactly (margin {:e}) and in {:?} (margin {:e})",
                    r.exact_margin, r.precision, r.float_margin
                );
            }
            Verdict::Holds => {}
        }
        if let Some(sat) = &outcome.sat {
            println!(
                "sat       {} queries ({} enumerated, {} patterns): {} free inputs, {} of {} \
                 neurons fixed by the box, {} variables, {} clauses, {} input lemmas",
                sat.queries,
                sat.enumerated,
                sat.patterns,
                sat.size.free_inputs,
                sat.size.fixed_neurons,
                sat.size.hidden_neurons,
                sat.variables,
                sat.clauses,
                sat.input_lemmas
            );
        }
        for p in &proofs {
            println!("proof     wrote {}", p.display());
        }
        if let (Some(file), Some(sat), Verdict::Holds) =
            (&args.proof, &outcome.sat, &outcome.verdict)
        {
            for &k in &sat.enumerated_queries {
                println!(
                    "proof     none for query {} ({}): enumerated, which re-running checks",
                    k + 1,
                    numbered(file, k).display()
                );
            }
        }
    }
    Ok(ExitCode::from(match outcome.verdict {
        Verdict::Holds => EXIT_HOLDS,
        Verdict::Violated(_) => EXIT_VIOLATED,
        Verdict::Unknown(_) => EXIT_UNKNOWN,
    }))
}
