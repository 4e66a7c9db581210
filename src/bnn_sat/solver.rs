//! SAT solvers behind one interface: varisat (pure Rust, the default) and CaDiCaL (through
//! rustsat), each incremental under assumptions, each giving a DRAT proof of an unsatisfiable
//! answer when asked. Varisat has no way to be interrupted, so it runs on a worker thread that
//! is abandoned (left to finish on its own) when the budget runs out.

use crate::engine::Budget;
use std::io::Write;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use varisat::{CnfFormula, ExtendFormula, Lit, ProofFormat};

/// Which SAT solver decides the CNF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SatSolver {
    /// varisat 0.2 (pure Rust); its proofs are also checked on the fly by varisat's checker.
    #[default]
    Varisat,
    /// CaDiCaL (C++, through rustsat-cadical).
    Cadical,
}

impl SatSolver {
    pub fn name(self) -> &'static str {
        match self {
            SatSolver::Varisat => "varisat",
            SatSolver::Cadical => "cadical",
        }
    }
}

/// What one call to `solve` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A model: the value of every variable, by index.
    Sat(Vec<bool>),
    Unsat,
    /// No answer within the budget (or the solver was cancelled).
    Unknown(String),
}

/// A solver failure that is not an answer (an I/O error writing a proof, a failed self-check).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{solver}: {problem}")]
pub struct SolverFailure {
    pub solver: &'static str,
    pub problem: String,
}

/// An incremental SAT solver.
pub trait Backend {
    fn name(&self) -> &'static str;
    /// Adds clauses (variables are created as the clauses mention them).
    fn add_formula(&mut self, formula: &CnfFormula);
    /// Solves under `assumptions` within `budget`.
    fn solve(&mut self, assumptions: &[Lit], budget: &Budget) -> Result<Answer, SolverFailure>;
    /// The DRAT proof so far (meaningful after an unsatisfiable answer without assumptions),
    /// if proofs were asked for. Ends the proof: call it once, when done.
    fn take_proof(&mut self) -> Result<Option<Vec<u8>>, SolverFailure>;
    /// The checkers (besides vera's own) that have already checked the proof.
    fn proof_checked_by(&self) -> &'static [&'static str];
}

/// A new solver of kind `which`, writing a DRAT proof when `proof` is set.
pub fn backend(which: SatSolver, proof: bool) -> Result<Box<dyn Backend>, SolverFailure> {
    Ok(match which {
        SatSolver::Varisat => Box::new(Varisat::start(proof)),
        SatSolver::Cadical => Box::new(Cadical::new(proof)?),
    })
}

/// How often a waiting caller looks at the budget.
const POLL: Duration = Duration::from_millis(5);

/// A `Write` into a buffer shared with the worker thread.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        v.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Command {
    Add(CnfFormula),
    Solve(Vec<Lit>),
    CloseProof,
}

type Reply = Result<Answer, SolverFailure>;

/// varisat on its own thread, driven by commands.
struct Varisat {
    commands: Option<mpsc::Sender<Command>>,
    replies: mpsc::Receiver<Reply>,
    proof: Option<SharedBuf>,
    /// Set once a solve was abandoned: the worker is busy and the solver unusable.
    abandoned: bool,
}

fn varisat_failure(e: impl std::fmt::Display) -> SolverFailure {
    SolverFailure {
        solver: "varisat",
        problem: e.to_string(),
    }
}

impl Varisat {
    fn start(proof: bool) -> Varisat {
        let (tx, rx) = mpsc::channel::<Command>();
        let (reply_tx, reply_rx) = mpsc::channel::<Reply>();
        let buf = proof.then(SharedBuf::default);
        let worker_buf = buf.clone();
        std::thread::spawn(move || {
            let mut solver = varisat::Solver::new();
            let proving = worker_buf.is_some();
            if let Some(b) = worker_buf {
                solver.write_proof(b, ProofFormat::Drat);
                solver.enable_self_checking();
            }
            for command in rx {
                let reply = match command {
                    Command::Add(f) => {
                        solver.add_formula(&f);
                        continue;
                    }
                    Command::Solve(assumptions) => {
                        // varisat's DRAT writer refuses assumptions (even an empty set).
                        if !proving {
                            solver.assume(&assumptions);
                        }
                        match solver.solve() {
                            Ok(true) => {
                                let model = solver.model().unwrap_or_default();
                                let vars = model.iter().map(|l| l.index() + 1).max().unwrap_or(0);
                                let mut values = vec![false; vars];
                                for l in model {
                                    values[l.index()] = l.is_positive();
                                }
                                Ok(Answer::Sat(values))
                            }
                            Ok(false) => Ok(Answer::Unsat),
                            Err(e) => Err(varisat_failure(e)),
                        }
                    }
                    Command::CloseProof => solver
                        .close_proof()
                        .map(|_| Answer::Unsat)
                        .map_err(varisat_failure),
                };
                if reply_tx.send(reply).is_err() {
                    return;
                }
            }
        });
        Varisat {
            commands: Some(tx),
            replies: reply_rx,
            proof: buf,
            abandoned: false,
        }
    }

    fn send(&self, c: Command) -> Result<(), SolverFailure> {
        self.commands
            .as_ref()
            .and_then(|tx| tx.send(c).ok())
            .ok_or_else(|| varisat_failure("the solver thread has stopped"))
    }

    /// The worker's reply, or `None` once the budget runs out first.
    fn wait(&mut self, budget: &Budget) -> Result<Option<Reply>, SolverFailure> {
        loop {
            match self.replies.recv_timeout(POLL) {
                Ok(r) => return Ok(Some(r)),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if budget.exhausted() {
                        self.abandoned = true;
                        self.commands = None; // the worker exits after its current solve
                        return Ok(None);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(varisat_failure("the solver thread stopped (it panicked)"))
                }
            }
        }
    }
}

impl Backend for Varisat {
    fn name(&self) -> &'static str {
        "varisat"
    }

    fn add_formula(&mut self, formula: &CnfFormula) {
        // A dead worker shows up as a failure at the next solve.
        let mut copy = CnfFormula::new();
        copy.set_var_count(formula.var_count());
        for clause in formula.iter() {
            copy.add_clause(clause);
        }
        let _ = self.send(Command::Add(copy));
    }

    fn solve(&mut self, assumptions: &[Lit], budget: &Budget) -> Result<Answer, SolverFailure> {
        if self.abandoned || budget.exhausted() {
            return Ok(Answer::Unknown("timeout".into()));
        }
        if self.proof.is_some() && !assumptions.is_empty() {
            return Err(varisat_failure(
                "a DRAT proof cannot be written for a solve under assumptions",
            ));
        }
        self.send(Command::Solve(assumptions.to_vec()))?;
        match self.wait(budget)? {
            Some(r) => r,
            None => Ok(Answer::Unknown("timeout".into())),
        }
    }

    fn take_proof(&mut self) -> Result<Option<Vec<u8>>, SolverFailure> {
        let Some(buf) = self.proof.take() else {
            return Ok(None);
        };
        if self.abandoned {
            return Ok(None);
        }
        self.send(Command::CloseProof)?;
        match self.replies.recv() {
            Ok(r) => {
                r?;
            }
            Err(_) => return Err(varisat_failure("the solver thread stopped")),
        }
        let bytes = std::mem::take(&mut *buf.0.lock().unwrap_or_else(|e| e.into_inner()));
        Ok(Some(bytes))
    }

    fn proof_checked_by(&self) -> &'static [&'static str] {
        &["varisat-checker"]
    }
}

/// CaDiCaL through rustsat, with its DRAT proof traced to a temporary file.
struct Cadical {
    solver: Option<rustsat_cadical::CaDiCaL<'static, 'static>>,
    proof: Option<tempfile::NamedTempFile>,
}

fn cadical_failure(e: impl std::fmt::Display) -> SolverFailure {
    SolverFailure {
        solver: "cadical",
        problem: e.to_string(),
    }
}

fn to_rustsat(l: Lit) -> rustsat::types::Lit {
    rustsat::types::Lit::new(l.index() as u32, l.is_negative())
}

impl Cadical {
    fn new(proof: bool) -> Result<Cadical, SolverFailure> {
        let mut solver = rustsat_cadical::CaDiCaL::default();
        let proof = if proof {
            let file = tempfile::NamedTempFile::new().map_err(cadical_failure)?;
            solver
                .trace_proof(
                    file.path(),
                    rustsat_cadical::ProofFormat::Drat { binary: false },
                )
                .map_err(cadical_failure)?;
            Some(file)
        } else {
            None
        };
        Ok(Cadical {
            solver: Some(solver),
            proof,
        })
    }
}

impl Backend for Cadical {
    fn name(&self) -> &'static str {
        "cadical"
    }

    fn add_formula(&mut self, formula: &CnfFormula) {
        use rustsat::solvers::Solve;
        let Some(s) = self.solver.as_mut() else {
            return;
        };
        for clause in formula.iter() {
            let c: rustsat::types::Clause = clause.iter().map(|l| to_rustsat(*l)).collect();
            // Fails only when CaDiCaL runs out of memory; the next solve then fails too.
            let _ = s.add_clause(c);
        }
        if formula.var_count() > 0 {
            let _ = s.reserve(rustsat::types::Var::new(formula.var_count() as u32 - 1));
        }
    }

    fn solve(&mut self, assumptions: &[Lit], budget: &Budget) -> Result<Answer, SolverFailure> {
        use rustsat::solvers::{
            ControlSignal, Solve, SolveIncremental, SolveStats, SolverResult, Terminate,
        };
        let s = self
            .solver
            .as_mut()
            .ok_or_else(|| cadical_failure("the proof was taken; the solver is closed"))?;
        if budget.exhausted() {
            return Ok(Answer::Unknown("timeout".into()));
        }
        let watch = budget.clone();
        s.attach_terminator(move || {
            if watch.exhausted() {
                ControlSignal::Terminate
            } else {
                ControlSignal::Continue
            }
        });
        let assumps: Vec<rustsat::types::Lit> =
            assumptions.iter().map(|l| to_rustsat(*l)).collect();
        let result = s.solve_assumps(&assumps).map_err(cadical_failure);
        s.detach_terminator();
        Ok(match result? {
            SolverResult::Sat => {
                let vars = s.max_var().map_or(0, |v| v.idx() + 1);
                let mut values = vec![false; vars];
                for (i, v) in values.iter_mut().enumerate() {
                    let lit = rustsat::types::Lit::positive(i as u32);
                    *v = s.lit_val(lit).map_err(cadical_failure)?
                        == rustsat::types::TernaryVal::True;
                }
                Answer::Sat(values)
            }
            SolverResult::Unsat => Answer::Unsat,
            SolverResult::Interrupted => Answer::Unknown("timeout".into()),
        })
    }

    fn take_proof(&mut self) -> Result<Option<Vec<u8>>, SolverFailure> {
        let Some(file) = self.proof.take() else {
            return Ok(None);
        };
        self.solver = None; // dropping CaDiCaL flushes and closes its proof
        let bytes = std::fs::read(file.path()).map_err(cadical_failure)?;
        Ok(Some(bytes))
    }

    fn proof_checked_by(&self) -> &'static [&'static str] {
        &[]
    }
}
