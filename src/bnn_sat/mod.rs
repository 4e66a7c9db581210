//! The SAT engine for binarised networks: the folded network ([`crate::bnn`]) and each
//! sub-problem's unsafe conjunction as CNF, decided by varisat. Every model is decoded to an
//! input and replayed before "violated"; "holds" means no input in the box makes the network,
//! executed in float32 as onnxruntime executes it, reach the unsafe set.

mod encode;
mod enumerate;
mod incremental;
mod rup;
mod solver;
mod totalizer;

pub use encode::{decode, inputs, Bit, Encoding, Input, InputBits, Size, Unsupported};
pub use enumerate::{enumerate, Enumerated, MAX_FREE};
pub use incremental::Incremental;
pub use rup::{check as check_rup, check_within as check_rup_within, RupCheck};
pub use solver::{backend, Answer, Backend, SatSolver, SolverFailure};

use crate::bnn::Bnn;
use crate::engine::Budget;
use crate::network::Network;
use crate::replay::replay;
use crate::spec::{InputBox, OutputConjunction, Property};
use crate::verify::{Verdict, VerifyError};
use num_rational::BigRational;

/// How the SAT engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SatOptions {
    pub solver: SatSolver,
    /// Keep every DRAT proof in the report (for `--proof FILE`).
    pub keep_proofs: bool,
    /// Queries with at most 2^this patterns of free input bits (this many free inputs, for
    /// one bit per input) are enumerated instead of solved (at most [`MAX_FREE`]; 0 sends
    /// every query with a free input to the SAT solver).
    pub enumerate_up_to: usize,
    /// A query with more than 2^[`SAT_FIRST_ABOVE`] patterns that would be enumerated is
    /// first encoded, and goes to the SAT solver when its CNF has at most this many clauses
    /// (0: always enumerate).
    pub sat_first_up_to_clauses: usize,
    /// Threads for the enumeration.
    pub threads: usize,
}

impl Default for SatOptions {
    fn default() -> SatOptions {
        SatOptions {
            solver: SatSolver::Varisat,
            keep_proofs: false,
            enumerate_up_to: DEFAULT_ENUMERATE_UP_TO,
            sat_first_up_to_clauses: DEFAULT_SAT_FIRST_UP_TO_CLAUSES,
            threads: 1,
        }
    }
}

/// Patterns (as a power of 2) above which an enumerable query is first tried as CNF (see
/// [`SatOptions::sat_first_up_to_clauses`]); up to 2^16 patterns enumeration takes well under
/// half a second on the benchmark networks.
pub const SAT_FIRST_ABOVE: usize = 16;

/// The CNF size up to which an enumerable query goes to the SAT solver by default. Measured
/// on benchmarks/bnn: a box of the sparse EEV model leaving 19 inputs free took 3.9 s to
/// enumerate (2^19 patterns) and 0.12 s in varisat; the boxes of the Narodytska network give
/// CNFs of hundreds of thousands of clauses even with one free input (interval propagation
/// leaves most of its last hidden layers unfixed), which varisat does not settle in seconds.
pub const DEFAULT_SAT_FIRST_UP_TO_CLAUSES: usize = 50_000;

/// Free inputs up to which a query is enumerated by default. Measured on benchmarks/bnn's
/// Narodytska network (784-200-100-100-100-10) on 2 cores: 2^18 patterns take about 1.6 s,
/// while the CNF of boxes leaving 14 to 22 bits free often takes varisat or CaDiCaL over a
/// minute (the hidden layers stay unfixed though only a few inputs are free).
pub const DEFAULT_ENUMERATE_UP_TO: usize = 20;

/// What the SAT engine found, and the proofs behind a "holds".
#[derive(Debug, Clone, PartialEq)]
pub struct SatReport {
    pub verdict: Verdict,
    /// Queries (one per input polytope, over its whole output DNF) encoded and solved.
    pub queries: usize,
    /// Queries decided by enumerating their free inputs, and the patterns run.
    pub enumerated: usize,
    pub patterns: u64,
    /// Unsatisfiable queries, each with a DRAT proof.
    pub proofs: usize,
    /// Of those, the proofs vera's own RUP checker accepted.
    pub checked: usize,
    /// Lemmas in all proofs vera's checker checked.
    pub lemmas: usize,
    /// Other checkers that checked every proof (varisat's, on the fly).
    pub checked_by: Vec<&'static str>,
    /// The proofs, in query order, when [`SatOptions::keep_proofs`] asks for them.
    pub drat: Vec<Vec<u8>>,
    /// Encoding sizes summed over the queries.
    pub size: Size,
    pub variables: usize,
    pub clauses: usize,
}

impl SatReport {
    fn with(verdict: Verdict) -> SatReport {
        SatReport {
            verdict,
            queries: 0,
            enumerated: 0,
            patterns: 0,
            proofs: 0,
            checked: 0,
            lemmas: 0,
            checked_by: Vec::new(),
            drat: Vec::new(),
            size: Size::default(),
            variables: 0,
            clauses: 0,
        }
    }
}

/// One query of a property: an input box and the output conjunctions any of which is unsafe.
pub struct Query<'a> {
    pub inputs: &'a crate::spec::InputPolytope,
    pub unsafe_outputs: Vec<&'a OutputConjunction>,
}

/// The queries of `property`: one per (case, input polytope), over the case's whole DNF.
pub fn queries(property: &Property) -> Vec<Query<'_>> {
    property
        .cases()
        .iter()
        .flat_map(|case| {
            case.inputs.polytopes.iter().map(move |p| Query {
                inputs: p,
                unsafe_outputs: case.unsafe_outputs.disjuncts.iter().collect(),
            })
        })
        .collect()
}

/// The CNF of each query of `property` on the binarised `net` (what `vera export --dimacs`
/// writes, and what every proof refers to), or why it cannot be encoded.
pub fn encode(net: &Network, property: &Property) -> Result<Vec<Encoding>, Unsupported> {
    queries(property)
        .iter()
        .map(|q| encode_query(&fold(net, &q.inputs.bounds)?, q))
        .collect()
}

/// The folded network, sound over `region` (see [`Bnn::fold`]), or why it does not fold.
pub fn fold(net: &Network, region: &InputBox) -> Result<Bnn, Unsupported> {
    Bnn::fold(net, region).map_err(|e| Unsupported(format!("binarised network not foldable: {e}")))
}

/// Whether `net` folds over every input box of `property` (over all inputs when its fold does
/// not depend on the box), or the first reason it does not: what `--engine sat` refuses with.
pub fn foldable(net: &Network, property: &Property) -> Result<(), Unsupported> {
    if !crate::bnn::folds_per_box(net) {
        return fold(net, &InputBox::unbounded(net.num_inputs())).map(drop);
    }
    queries(property)
        .iter()
        .try_for_each(|q| fold(net, &q.inputs.bounds).map(drop))
}

/// Whether the patterns of `inputs` are few enough to enumerate under `options`.
fn enumerable(inputs: &InputBits, options: &SatOptions) -> bool {
    inputs.patterns() <= 1u64 << options.enumerate_up_to.min(MAX_FREE)
}

fn encode_query(bnn: &Bnn, q: &Query) -> Result<Encoding, Unsupported> {
    if !q.inputs.constraints.is_empty() {
        return Err(Unsupported(
            "the SAT engine reads input boxes only, not constraints over several inputs".into(),
        ));
    }
    Encoding::new(bnn, &q.inputs.bounds, &q.unsafe_outputs)
}

fn engine_error(e: SolverFailure) -> VerifyError {
    VerifyError::Engine(crate::engine::EngineError {
        engine: "sat",
        problem: e.to_string(),
    })
}

/// The verdict for a point the encoding or the enumeration says is a counterexample: violated
/// once replay confirms it, unknown (a bug, logged) otherwise.
fn confirm(
    net: &Network,
    property: &Property,
    inputs: &crate::spec::InputPolytope,
    x: &[f64],
) -> Result<SatReport, VerifyError> {
    let exact: Vec<BigRational> = x
        .iter()
        .filter_map(|v| BigRational::from_float(*v))
        .collect();
    let r = replay(net, property, &inputs.bounds, &exact)?;
    if r.confirmed() {
        return Ok(SatReport::with(Verdict::Violated(Box::new(r))));
    }
    log::error!("sat: a counterexample failed replay at {x:?}");
    let why = "the SAT engine's counterexample failed replay: not confirmed both in float32 \
               and exactly (a tie within rounding, or a bug in the encoding)";
    Ok(SatReport::with(Verdict::Unknown(why.into())))
}

/// Decides one query by enumerating its free input patterns ([`enumerate`]): holds (with the
/// patterns run), violated once replay confirms the pattern's point, or unknown on timeout.
fn by_enumeration(
    net: &Network,
    property: &Property,
    bnn: &Bnn,
    ins: &InputBits,
    q: &Query,
    budget: &Budget,
    threads: usize,
) -> Result<(Verdict, u64), VerifyError> {
    let found = enumerate(bnn, ins, &q.unsafe_outputs, budget, threads);
    log::debug!("sat: enumerated {} free inputs: {found:?}", ins.free());
    Ok(match found {
        Enumerated::Safe { patterns } => (Verdict::Holds, patterns),
        Enumerated::Timeout => (Verdict::Unknown("timeout".into()), 0),
        Enumerated::Unsafe(bits) => {
            let x = decode(bnn, ins, |j| bits[j]);
            (confirm(net, property, q.inputs, &x)?.verdict, 0)
        }
    })
}

/// Decides `property` on the binarised `net`: `Err` only for failures that are not answers;
/// what the engine cannot encode is `Unknown` with the reason. Every unsatisfiable query's
/// DRAT proof is checked by [`check_rup`] (and, with varisat, by varisat's own checker while
/// solving); a proof that fails makes the verdict unknown, one too large for vera's checker
/// is counted as unchecked by it.
pub fn decide(
    net: &Network,
    property: &Property,
    budget: &Budget,
    options: &SatOptions,
) -> Result<SatReport, VerifyError> {
    let per_box = crate::bnn::folds_per_box(net);
    let mut whole = None;
    if !per_box {
        match fold(net, &InputBox::unbounded(net.num_inputs())) {
            Ok(b) => whole = Some(b),
            Err(Unsupported(why)) => return Ok(SatReport::with(Verdict::Unknown(why))),
        }
    }
    let mut report = SatReport::with(Verdict::Holds);
    let mut checked_by: Option<Vec<&'static str>> = None;
    for q in queries(property) {
        if budget.exhausted() {
            return Ok(SatReport::with(Verdict::Unknown("timeout".into())));
        }
        if !q.inputs.constraints.is_empty() {
            let why =
                "sat: the SAT engine reads input boxes only, not constraints over several inputs";
            return Ok(SatReport::with(Verdict::Unknown(why.into())));
        }
        let here;
        let bnn = match &whole {
            Some(b) => b,
            None => match fold(net, &q.inputs.bounds) {
                Ok(b) => {
                    here = b;
                    &here
                }
                Err(Unsupported(why)) => return Ok(SatReport::with(Verdict::Unknown(why))),
            },
        };
        let ins = match inputs(bnn, &q.inputs.bounds) {
            Ok(i) => i,
            Err(Unsupported(why)) => {
                return Ok(SatReport::with(Verdict::Unknown(format!("sat: {why}"))))
            }
        };
        // A small CNF is decided by the SAT solver even when the box could be enumerated.
        let enumerate = enumerable(&ins, options);
        let mut small = None;
        if enumerate
            && ins.patterns() > 1u64 << SAT_FIRST_ABOVE
            && options.sat_first_up_to_clauses > 0
        {
            match Encoding::within(
                bnn,
                &q.inputs.bounds,
                &q.unsafe_outputs,
                options.sat_first_up_to_clauses,
            ) {
                Ok(e) => small = e,
                Err(Unsupported(why)) => {
                    return Ok(SatReport::with(Verdict::Unknown(format!("sat: {why}"))))
                }
            }
        }
        if enumerate && small.is_none() {
            report.queries += 1;
            report.size.free_inputs += ins.free();
            match by_enumeration(net, property, bnn, &ins, &q, budget, options.threads)? {
                (Verdict::Holds, patterns) => {
                    report.enumerated += 1;
                    report.patterns += patterns;
                    continue;
                }
                (verdict, _) => return Ok(SatReport::with(verdict)),
            }
        }
        let enc = match small.map_or_else(|| encode_query(bnn, &q), Ok) {
            Ok(e) => e,
            Err(Unsupported(why)) => {
                return Ok(SatReport::with(Verdict::Unknown(format!("sat: {why}"))))
            }
        };
        report.queries += 1;
        report.size.free_inputs += enc.size.free_inputs;
        report.size.fixed_neurons += enc.size.fixed_neurons;
        report.size.hidden_neurons += enc.size.hidden_neurons;
        report.variables += enc.formula.var_count();
        report.clauses += enc.formula.len();
        let mut solver = backend(options.solver, true).map_err(engine_error)?;
        solver.add_formula(&enc.formula);
        let answer = solver.solve(&[], budget).map_err(engine_error)?;
        log::debug!(
            "sat: query over {} disjuncts: {} free inputs, {}/{} neurons fixed, {} variables, {} clauses: {:?}",
            q.unsafe_outputs.len(),
            enc.size.free_inputs,
            enc.size.fixed_neurons,
            enc.size.hidden_neurons,
            enc.formula.var_count(),
            enc.formula.len(),
            match &answer { Answer::Sat(_) => "sat", Answer::Unsat => "unsat", Answer::Unknown(_) => "unknown" }
        );
        let model = match answer {
            Answer::Unknown(why) => return Ok(SatReport::with(Verdict::Unknown(why))),
            Answer::Sat(model) => model,
            Answer::Unsat => {
                let proof = solver
                    .take_proof()
                    .map_err(engine_error)?
                    .unwrap_or_default();
                report.proofs += 1;
                let others = solver.proof_checked_by().to_vec();
                checked_by = Some(match checked_by {
                    None => others.clone(),
                    Some(c) => c.into_iter().filter(|n| others.contains(n)).collect(),
                });
                match check_rup_within(&enc.formula, &proof, budget) {
                    RupCheck::Checked { lemmas } => {
                        report.checked += 1;
                        report.lemmas += lemmas;
                    }
                    RupCheck::TooLarge { lemmas } => {
                        log::info!(
                            "sat: vera's checker gave up on a proof of {lemmas} lemmas (size or \
                             time limit)"
                        );
                        if others.is_empty() {
                            // No checker has checked this proof: no "holds" without one.
                            let why = format!(
                                "timeout: {}'s proof of unsatisfiability could not be checked \
                                 within the budget",
                                solver.name()
                            );
                            return Ok(SatReport::with(Verdict::Unknown(why)));
                        }
                    }
                    RupCheck::Failed(why) => {
                        log::error!("sat: {}'s proof does not check: {why}", solver.name());
                        let why = format!(
                            "the SAT solver's proof of unsatisfiability does not check: {why}"
                        );
                        return Ok(SatReport::with(Verdict::Unknown(why)));
                    }
                }
                if options.keep_proofs {
                    report.drat.push(proof);
                }
                continue;
            }
        };
        let x = enc.decode(bnn, &model);
        return confirm(net, property, q.inputs, &x);
    }
    report.checked_by = checked_by.unwrap_or_default();
    Ok(report)
}
