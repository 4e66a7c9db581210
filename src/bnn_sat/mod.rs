//! The SAT engine for binarised networks: the folded network ([`crate::bnn`]) and each
//! sub-problem's unsafe conjunction as CNF, decided by varisat. Every model is decoded to an
//! input and replayed before "violated"; "holds" means no input in the region makes the
//! network, executed in float32 as onnxruntime executes it, reach the unsafe set. Input
//! constraints over several inputs are checked lazily on each model's input cell
//! ([`InputCells`]).

mod corner_search;
mod encode;
mod enumerate;
mod first_layer_patterns;
mod incremental;
mod input_cell;
mod rup;
mod solver;
mod totalizer;

pub use corner_search::corner_search;
pub use encode::{
    decode, fixed_by_box, inputs, Bit, Encoding, Input, InputBits, Size, Unsupported,
};
pub use enumerate::{enumerate, enumerate_first_layer, Enumerated, MAX_FREE, MAX_WALK};
pub use first_layer_patterns::{first_layer_patterns, FirstLayer, Realised};
pub use incremental::Incremental;
pub use input_cell::{Cell, InputCells};
pub use rup::{check as check_rup, check_within as check_rup_within, RupCheck};
pub use solver::{backend, Answer, Backend, SatSolver, SolverFailure};

use crate::bnn::Bnn;
use crate::engine::Budget;
use crate::network::Network;
use crate::replay::replay;
use crate::spec::{InputBox, OutputConjunction, Property};
use crate::verify::{Verdict, VerifyError};
use num_rational::BigRational;
use std::time::Duration;
use varisat::{CnfFormula, ExtendFormula, Lit};

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

/// Input patterns (as a power of 2) above which a box without input constraints over several
/// inputs is enumerated through its first-layer patterns ([`first_layer_patterns`]) rather
/// than walked pattern by pattern.
pub const FIRST_LAYER_ABOVE: usize = 22;

/// Free inputs up to which a query is enumerated by default. Measured on benchmarks/bnn: on
/// the Narodytska network (784-200-100-100-100-10) the CNF of boxes leaving 14 to 22 bits
/// free often takes varisat or CaDiCaL over a minute (the hidden layers stay unfixed though
/// only a few inputs are free), and on the dense EEV model (784-500-300-200-100-10) boxes of
/// 26 to 32 free inputs give CNFs of 2 million clauses that no solver settles in a minute,
/// while their first-layer patterns are found in 1 to 33 s ([`first_layer_patterns`]).
pub const DEFAULT_ENUMERATE_UP_TO: usize = 40;

/// How long [`corner_search`] may look for a witness before a query that would be expensive
/// (enumerated through its first-layer patterns, or a CNF of more than
/// [`SatOptions::sat_first_up_to_clauses`] clauses). Measured on benchmarks/bnn: on the dense
/// EEV model at 10 pixel levels, boxes leaving 75 to 104 inputs free, it finds the witnesses
/// that a minute of SAT solving and the float falsifier do not, within milliseconds.
pub const CORNER_SEARCH_TIME: Duration = Duration::from_millis(250);

/// Restarts of [`corner_search`] per query at most (within [`CORNER_SEARCH_TIME`]).
pub const CORNER_SEARCH_RESTARTS: usize = 64;

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
    pub drat: Vec<QueryProof>,
    /// The queries (their indices in [`queries`]) decided by enumeration: they have no proof;
    /// the enumeration is its own certificate (re-run it to check).
    pub enumerated_queries: Vec<usize>,
    /// Unsafe patterns (enumeration) and clauses (SAT) the input constraints over several
    /// inputs ruled out, each by an exact Farkas combination over the pattern's input cell.
    pub input_lemmas: usize,
    /// Queries searched by [`corner_search`] before the exact decision (the ones that would
    /// be expensive), and whether that search found the witness.
    pub corner_searches: usize,
    pub corner_search_found: bool,
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
            enumerated_queries: Vec::new(),
            input_lemmas: 0,
            corner_searches: 0,
            corner_search_found: false,
            size: Size::default(),
            variables: 0,
            clauses: 0,
        }
    }
}

/// The DRAT proof of one unsatisfiable query.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryProof {
    /// The query's index in [`queries`] (and in what `vera export --dimacs` writes).
    pub query: usize,
    pub drat: Vec<u8>,
    /// The clauses the input constraints added to the query's CNF (see [`InputCells`]): the
    /// proof refutes the CNF and these together.
    pub lemmas: Vec<Vec<Lit>>,
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

/// The CNF of a query over its input box: with input constraints over several inputs, a
/// relaxation that [`InputCells`] refines lazily.
fn encode_query(bnn: &Bnn, q: &Query) -> Result<Encoding, Unsupported> {
    Encoding::new(bnn, &q.inputs.bounds, &q.unsafe_outputs)
}

/// `formula` with the clauses `lemmas` added.
fn with_lemmas(formula: &CnfFormula, lemmas: &[Vec<Lit>]) -> CnfFormula {
    let mut out = CnfFormula::new();
    out.set_var_count(formula.var_count());
    for c in formula.iter().chain(lemmas.iter().map(Vec::as_slice)) {
        out.add_clause(c);
    }
    out
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
) -> Result<Verdict, VerifyError> {
    let exact: Vec<BigRational> = x
        .iter()
        .filter_map(|v| BigRational::from_float(*v))
        .collect();
    let r = replay(net, property, &inputs.bounds, &exact)?;
    if r.confirmed() {
        return Ok(Verdict::Violated(Box::new(r)));
    }
    log::error!("sat: a counterexample failed replay at {x:?}");
    let why = "the SAT engine's counterexample failed replay: not confirmed both in float32 \
               and exactly (a tie within rounding, or a bug in the encoding)";
    Ok(Verdict::Unknown(why.into()))
}

/// What an enumeration of one query found: the verdict, the patterns run, and the unsafe
/// patterns the input constraints ruled out.
struct ByEnumeration {
    verdict: Verdict,
    patterns: u64,
    ruled_out: usize,
}

/// Decides one query by enumerating its free input patterns ([`enumerate`]): holds (with the
/// patterns run), violated once replay confirms the pattern's point, or unknown on timeout.
/// With input constraints over several inputs, an unsafe pattern counts only when its cell
/// has a point satisfying them ([`InputCells`]).
fn by_enumeration(
    net: &Network,
    property: &Property,
    bnn: &Bnn,
    ins: &InputBits,
    q: &Query,
    budget: &Budget,
    threads: usize,
) -> Result<Option<ByEnumeration>, VerifyError> {
    let cells = InputCells::new(bnn, ins, &q.inputs.constraints);
    let constrained = !q.inputs.constraints.is_empty();
    let ruled_out = std::sync::atomic::AtomicUsize::new(0);
    let accept = |bits: &[bool]| -> bool {
        if !constrained || !matches!(cells.check(|j| bits[j]), Cell::Empty(_)) {
            return true;
        }
        ruled_out.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        false
    };
    let by_patterns = if constrained || ins.patterns() <= 1 << FIRST_LAYER_ABOVE {
        None
    } else {
        enumerate_first_layer(bnn, ins, &q.unsafe_outputs, budget, threads)
    };
    let found = match by_patterns {
        Some(found) => found,
        None if ins.patterns() <= 1 << MAX_WALK => {
            enumerate(bnn, ins, &q.unsafe_outputs, budget, threads, &accept)
        }
        None => return Ok(None),
    };
    log::debug!("sat: enumerated {} free inputs: {found:?}", ins.free());
    let ruled_out = ruled_out.into_inner();
    let (verdict, patterns) = match found {
        Enumerated::Safe { patterns } => (Verdict::Holds, patterns),
        Enumerated::Timeout => (Verdict::Unknown("timeout".into()), 0),
        Enumerated::Unsafe(bits) => {
            let x = if constrained {
                match cells.check(|j| bits[j]) {
                    Cell::Point(x) => x,
                    Cell::Undecided(why) => {
                        let verdict = Verdict::Unknown(format!("sat: {why}"));
                        return Ok(Some(ByEnumeration {
                            verdict,
                            patterns: 0,
                            ruled_out,
                        }));
                    }
                    Cell::Empty(_) => {
                        let why = "sat: a pattern's input cell was first found to meet the input \
                                   constraints and then not (a bug)";
                        log::error!("{why}");
                        let verdict = Verdict::Unknown(why.into());
                        return Ok(Some(ByEnumeration {
                            verdict,
                            patterns: 0,
                            ruled_out,
                        }));
                    }
                }
            } else {
                decode(bnn, ins, |j| bits[j])
            };
            (confirm(net, property, q.inputs, &x)?, 0)
        }
    };
    Ok(Some(ByEnumeration {
        verdict,
        patterns,
        ruled_out,
    }))
}

/// Decides `property` on the binarised `net`: `Err` only for failures that are not answers;
/// what the engine cannot encode is `Unknown` with the reason. Every unsatisfiable query's
/// DRAT proof is checked by [`check_rup`] (and, with varisat, by varisat's own checker while
/// solving); a proof that fails makes the verdict unknown, one too large for vera's checker
/// is counted as unchecked by it. Whatever the verdict, the report counts the queries begun
/// (their sizes, patterns and proofs), so an "unknown" still says what it was working on.
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
    for (index, q) in queries(property).iter().enumerate() {
        if budget.exhausted() {
            report.verdict = Verdict::Unknown("timeout".into());
            break;
        }
        let here;
        let bnn = match &whole {
            Some(b) => b,
            None => match fold(net, &q.inputs.bounds) {
                Ok(b) => {
                    here = b;
                    &here
                }
                Err(Unsupported(why)) => {
                    report.verdict = Verdict::Unknown(why);
                    break;
                }
            },
        };
        let ended = decide_query(net, property, bnn, q, index, budget, options, &mut report)?;
        if let Some(others) = ended.checked_by {
            checked_by = Some(match checked_by {
                None => others,
                Some(c) => c.into_iter().filter(|n| others.contains(n)).collect(),
            });
        }
        if let Some(verdict) = ended.verdict {
            report.verdict = verdict;
            break;
        }
    }
    report.checked_by = checked_by.unwrap_or_default();
    Ok(report)
}

/// How one query ended: `verdict` when it decides the property (violated, or unknown),
/// `None` when it is unsatisfiable; `checked_by`, the checkers that checked its proof besides
/// vera's (when it has one).
struct QueryEnd {
    verdict: Option<Verdict>,
    checked_by: Option<Vec<&'static str>>,
}

impl QueryEnd {
    fn with(verdict: Verdict) -> QueryEnd {
        QueryEnd {
            verdict: Some(verdict),
            checked_by: None,
        }
    }

    fn unsat(checked_by: Option<Vec<&'static str>>) -> QueryEnd {
        QueryEnd {
            verdict: None,
            checked_by,
        }
    }
}

/// A witness for query `q` from [`corner_search`] within [`CORNER_SEARCH_TIME`]: "violated"
/// once it is decoded and replayed ([`confirm`]), `None` when the search finds nothing.
fn corner_witness(
    net: &Network,
    property: &Property,
    bnn: &Bnn,
    ins: &InputBits,
    q: &Query,
    budget: &Budget,
    seed: u64,
) -> Result<Option<Verdict>, VerifyError> {
    let slice = budget.at_most(CORNER_SEARCH_TIME);
    let found = corner_search(
        bnn,
        ins,
        &q.unsafe_outputs,
        &slice,
        CORNER_SEARCH_RESTARTS,
        seed,
    );
    let Some(bits) = found else {
        return Ok(None);
    };
    log::debug!("sat: the corner search found an unsafe pattern");
    let x = decode(bnn, ins, |j| bits[j]);
    // A pattern that fails replay (a bug, logged by `confirm`) leaves the query to the exact
    // search.
    Ok(Some(confirm(net, property, q.inputs, &x)?).filter(|v| matches!(v, Verdict::Violated(_))))
}

/// Decides query number `index` of `property` ([`queries`]) on its folded network `bnn`,
/// by enumeration or by the SAT solver, adding what it did to `report`.
#[allow(clippy::too_many_arguments)]
fn decide_query(
    net: &Network,
    property: &Property,
    bnn: &Bnn,
    q: &Query,
    index: usize,
    budget: &Budget,
    options: &SatOptions,
    report: &mut SatReport,
) -> Result<QueryEnd, VerifyError> {
    let unknown = |why: String| Ok(QueryEnd::with(Verdict::Unknown(why)));
    let ins = match inputs(bnn, &q.inputs.bounds) {
        Ok(i) => i,
        Err(Unsupported(why)) => return unknown(format!("sat: {why}")),
    };
    // A small CNF is decided by the SAT solver even when the box could be enumerated.
    let enumerate = enumerable(&ins, options);
    let mut small = None;
    if enumerate && ins.patterns() > 1u64 << SAT_FIRST_ABOVE && options.sat_first_up_to_clauses > 0
    {
        match Encoding::within(
            bnn,
            &q.inputs.bounds,
            &q.unsafe_outputs,
            options.sat_first_up_to_clauses,
        ) {
            Ok(e) => small = e,
            Err(Unsupported(why)) => return unknown(format!("sat: {why}")),
        }
    }
    let mut searched = false;
    let mut search_corners = |report: &mut SatReport| -> Result<Option<QueryEnd>, VerifyError> {
        if searched || !q.inputs.constraints.is_empty() {
            return Ok(None);
        }
        searched = true;
        report.corner_searches += 1;
        let found = corner_witness(net, property, bnn, &ins, q, budget, index as u64)?;
        report.corner_search_found |= found.is_some();
        Ok(found.map(QueryEnd::with))
    };
    if enumerate && small.is_none() && ins.patterns() > 1u64 << FIRST_LAYER_ABOVE {
        if let Some(end) = search_corners(report)? {
            return Ok(end);
        }
    }
    if enumerate && small.is_none() {
        if let Some(found) = by_enumeration(net, property, bnn, &ins, q, budget, options.threads)? {
            report.queries += 1;
            report.size += encode::fixed_by_box(bnn, &ins);
            if !matches!(found.verdict, Verdict::Unknown(_)) {
                report.enumerated += 1;
            }
            if found.verdict == Verdict::Holds {
                report.enumerated_queries.push(index);
            }
            report.patterns += found.patterns;
            report.input_lemmas += found.ruled_out;
            return Ok(match found.verdict {
                Verdict::Holds => QueryEnd::unsat(None),
                verdict => QueryEnd::with(verdict),
            });
        }
        // Too many patterns after all: the SAT solver decides it.
    }
    let enc = match small.map_or_else(|| encode_query(bnn, q), Ok) {
        Ok(e) => e,
        Err(Unsupported(why)) => return unknown(format!("sat: {why}")),
    };
    report.queries += 1;
    report.size += enc.size;
    if enc.formula.len() > options.sat_first_up_to_clauses {
        if let Some(end) = search_corners(report)? {
            return Ok(end);
        }
    }
    report.variables += enc.formula.var_count();
    report.clauses += enc.formula.len();
    let mut solver = backend(options.solver, true).map_err(engine_error)?;
    solver.add_formula(&enc.formula);
    // With input constraints over several inputs, each model's input cell is checked
    // against them; an empty one adds its clause, and the solver goes on. A solver that
    // writes a proof takes no clauses after a solve (varisat's DRAT cannot say so), so
    // the search goes on without one, and a last solve of the CNF with every lemma
    // gives the proof.
    let cells = InputCells::new(bnn, &enc.inputs, &q.inputs.constraints);
    let mut lemmas: Vec<Vec<Lit>> = Vec::new();
    let mut answer = loop {
        let answer = solver.solve(&[], budget).map_err(engine_error)?;
        let Answer::Sat(model) = &answer else {
            break answer;
        };
        if q.inputs.constraints.is_empty() {
            break answer;
        }
        let value = |j: usize| match enc.inputs.bits[j].lit {
            Bit::Const(b) => b,
            Bit::Var(l) => encode::model_value(model, l),
        };
        match cells.check(value) {
            Cell::Point(x) => {
                report.input_lemmas += lemmas.len();
                return Ok(QueryEnd::with(confirm(net, property, q.inputs, &x)?));
            }
            Cell::Undecided(why) => return unknown(format!("sat: {why}")),
            Cell::Empty(clause) => {
                lemmas.push(clause);
                if lemmas.len() == 1 {
                    solver = backend(options.solver, false).map_err(engine_error)?;
                    solver.add_formula(&with_lemmas(&enc.formula, &lemmas));
                } else {
                    solver.add_formula(&with_lemmas(
                        &CnfFormula::new(),
                        &lemmas[lemmas.len() - 1..],
                    ));
                }
            }
        }
        if budget.exhausted() {
            report.input_lemmas += lemmas.len();
            return unknown("timeout".into());
        }
    };
    let refuted = with_lemmas(&enc.formula, &lemmas);
    if answer == Answer::Unsat && !lemmas.is_empty() {
        solver = backend(options.solver, true).map_err(engine_error)?;
        solver.add_formula(&refuted);
        answer = solver.solve(&[], budget).map_err(engine_error)?;
        if let Answer::Sat(_) = answer {
            let why = "sat: the CNF with its input lemmas was unsatisfiable and then not (a bug)";
            log::error!("{why}");
            return unknown(why.into());
        }
    }
    report.input_lemmas += lemmas.len();
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
        Answer::Unknown(why) => return unknown(why),
        Answer::Sat(model) => model,
        Answer::Unsat => {
            let proof = solver
                .take_proof()
                .map_err(engine_error)?
                .unwrap_or_default();
            report.proofs += 1;
            let others = solver.proof_checked_by().to_vec();
            match check_rup_within(&refuted, &proof, budget) {
                RupCheck::Checked { lemmas } => {
                    report.checked += 1;
                    report.lemmas += lemmas;
                }
                RupCheck::TooLarge { lemmas } => {
                    log::info!(
                        "sat: vera's checker gave up on a proof of {lemmas} lemmas (size or time \
                         limit)"
                    );
                    if others.is_empty() {
                        // No checker has checked this proof: no "holds" without one.
                        return unknown(format!(
                            "timeout: {}'s proof of unsatisfiability could not be checked \
                             within the budget",
                            solver.name()
                        ));
                    }
                }
                RupCheck::Failed(why) => {
                    log::error!("sat: {}'s proof does not check: {why}", solver.name());
                    return unknown(format!(
                        "the SAT solver's proof of unsatisfiability does not check: {why}"
                    ));
                }
            }
            if options.keep_proofs {
                report.drat.push(QueryProof {
                    query: index,
                    drat: proof,
                    lemmas,
                });
            }
            return Ok(QueryEnd::unsat(Some(others)));
        }
    };
    let x = enc.decode(bnn, &model);
    Ok(QueryEnd::with(confirm(net, property, q.inputs, &x)?))
}
