//! The search itself: a check of the centre, an exponential probe upward over step counts, then bisection below the witness and below any undecided radius, each probe one decision.

use super::ball::{ball_box, misclassification_property};
use super::options::Options;
use crate::engine::Budget;
use crate::network::Network;
use crate::replay::{replay, Replay, ReplayError};
use crate::spec::{InputBox, InvalidProperty, Property};
use crate::verify::Verdict;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use std::time::{Duration, Instant};

/// A probe gets at most 1/this of the time left (see [`MinEps::search`]).
pub const PROBE_SHARE: u32 = 2;

/// One decision the search asked for (or, at 0 steps, the replay of the centre).
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// The radius in steps.
    pub steps: u64,
    /// `holds`, `violated` or `unknown`.
    pub verdict: &'static str,
    /// Why, when unknown.
    pub reason: Option<String>,
    pub elapsed: Duration,
}

/// A misclassified input found at a radius, replayed and checked to lie in the ball.
#[derive(Debug, Clone, PartialEq)]
pub struct Witness {
    /// The radius (in steps) of the probe that found it.
    pub steps: u64,
    pub replay: Replay,
    /// `max_i |x_i − c_i|` (exactly at most `steps · step`), rounded to f64.
    pub distance: f64,
    /// The class the network gives it: the strongest output other than the true label
    /// (at least as strong as the label's, ties going to the other class).
    pub label: usize,
}

/// How far the search got.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The bracket is closed: no adversarial input within `witness.steps − 1` steps
    /// (proven), one within `witness.steps` (the witness). With an exact grid that is the
    /// minimal step count; with a tolerance grid, ε to within one step.
    Closed,
    /// No adversarial input within the largest radius (proven).
    RobustUpToMax,
    /// The search stopped with the bracket open (a probe was undecided, or the time ran out).
    Open(String),
}

/// The answer of a minimal-perturbation search: the bracket, its witness and every probe.
#[derive(Debug, Clone, PartialEq)]
pub struct MinEps {
    /// The largest step count proven robust (0 when the centre itself is classified
    /// correctly in exact arithmetic); `None` when not even that is known.
    pub robust_steps: Option<u64>,
    /// The witness at the smallest step count where one was found.
    pub witness: Option<Witness>,
    pub status: Status,
    /// In the order they ran, starting with the centre (0 steps).
    pub probes: Vec<Probe>,
}

/// Why the search could not run (an undecided probe is not an error: see [`Status::Open`]).
#[derive(Debug, thiserror::Error)]
pub enum SearchError<E> {
    #[error("the label {label} is out of range: the network has {outputs} outputs (labels 0 to {})", outputs.saturating_sub(1))]
    Label { label: usize, outputs: usize },
    #[error("the network has a single output: there is no other class to misclassify as")]
    SingleOutput,
    #[error("the centre has {found} values but the network has {expected} inputs")]
    CenterSize { expected: usize, found: usize },
    #[error("centre value X_{index} = {value} lies outside the clip range [{lo}, {hi}]")]
    CenterOutsideClip {
        index: usize,
        value: String,
        lo: String,
        hi: String,
    },
    #[error(transparent)]
    Property(#[from] InvalidProperty),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Decide(E),
}

/// What one probe established.
enum Finding {
    Robust,
    Adversarial(Witness),
    Undecided(String),
}

impl MinEps {
    /// Finds the smallest `k ≤ options.max_steps` such that some input within `k·step` of
    /// `center` (inside the clip range) is not classified as `label`, asking `decide` about
    /// one radius per probe with what is left of `budget`.
    ///
    /// `decide` may be any sound decision procedure (see the [module docs](super) for the
    /// seam): its `Holds` is trusted, its witnesses are checked. Each probe gets at most
    /// 1/[`PROBE_SHARE`] of the time left; an undecided probe narrows the search to the
    /// balls below it, and the search ends with the bracket found, never a guess.
    pub fn search<E>(
        net: &Network,
        center: &[BigRational],
        label: usize,
        options: &Options,
        budget: &Budget,
        decide: impl FnMut(&Property, &Budget) -> Result<Verdict, E>,
    ) -> Result<MinEps, SearchError<E>> {
        check_query(net, center, label, options)?;
        let mut run = Run {
            net,
            center,
            label,
            options,
            budget,
            decide,
            answer: MinEps {
                robust_steps: None,
                witness: None,
                status: Status::Open(String::new()),
                probes: Vec::new(),
            },
        };
        run.search()?;
        Ok(run.answer)
    }

    /// The minimal step count, when the bracket is closed.
    pub fn min_steps(&self) -> Option<u64> {
        match (&self.status, &self.witness) {
            (Status::Closed, Some(w)) => Some(w.steps),
            _ => None,
        }
    }
}

fn check_query<E>(
    net: &Network,
    center: &[BigRational],
    label: usize,
    options: &Options,
) -> Result<(), SearchError<E>> {
    let outputs = net.num_outputs();
    if label >= outputs {
        return Err(SearchError::Label { label, outputs });
    }
    if outputs < 2 {
        return Err(SearchError::SingleOutput);
    }
    if center.len() != net.num_inputs() {
        return Err(SearchError::CenterSize {
            expected: net.num_inputs(),
            found: center.len(),
        });
    }
    if let Some(clip) = &options.clip {
        if let Some(index) = center.iter().position(|c| *c < clip.lo || *c > clip.hi) {
            let show = crate::exact::format_rational;
            return Err(SearchError::CenterOutsideClip {
                index,
                value: show(&center[index]),
                lo: show(&clip.lo),
                hi: show(&clip.hi),
            });
        }
    }
    Ok(())
}

/// One search in progress.
struct Run<'a, D> {
    net: &'a Network,
    center: &'a [BigRational],
    label: usize,
    options: &'a Options,
    budget: &'a Budget,
    decide: D,
    answer: MinEps,
}

impl<E, D: FnMut(&Property, &Budget) -> Result<Verdict, E>> Run<'_, D> {
    fn search(&mut self) -> Result<(), SearchError<E>> {
        let mut open = self.check_center()?;
        if self.answer.witness.is_some() {
            self.answer.status = Status::Closed;
            return Ok(());
        }
        // Upward 1, 2, 4, ...: small balls are cheap to decide, so the search reaches a
        // large (expensive) radius only when the answer is large.
        let max = self.options.max_steps;
        let mut k = 1u64;
        // The witness's radius, and the smallest radius a probe left undecided (with why).
        let mut hi: Option<u64> = None;
        let mut ceiling: Option<(u64, String)> = None;
        loop {
            let probe = k.min(max);
            match self.probe(probe)? {
                Finding::Robust if probe == max => {
                    self.answer.status = Status::RobustUpToMax;
                    return Ok(());
                }
                Finding::Robust => k = probe.saturating_mul(2),
                Finding::Adversarial(w) => {
                    hi = Some(self.found(w));
                    break;
                }
                Finding::Undecided(why) => {
                    ceiling = Some((probe, why));
                    break;
                }
            }
        }
        // Bisection below the witness (robust at lo, proven, or assumed 0 only as a search
        // bound) and below an undecided radius: a ball smaller than one the procedure could
        // not decide is often decidable, and a witness there with the radius below it proven
        // closes the bracket all the same.
        loop {
            let lo = self.answer.robust_steps.unwrap_or(0);
            let upper = match (hi, &ceiling) {
                (Some(h), Some((c, _))) => h.min(*c),
                (Some(h), None) => h,
                (None, Some((c, _))) => *c,
                (None, None) => break,
            };
            if upper <= lo + 1 || self.budget.exhausted() {
                break;
            }
            let mid = lo + (upper - lo) / 2;
            match self.probe(mid)? {
                Finding::Robust => {}
                Finding::Adversarial(w) => hi = Some(self.found(w)),
                Finding::Undecided(why) => ceiling = Some((mid, why)),
            }
        }
        let lo = self.answer.robust_steps;
        match (hi, ceiling) {
            (Some(h), _) if lo == Some(h - 1) => self.answer.status = Status::Closed,
            (_, Some((_, why))) => return self.stop(why),
            _ => {
                let why = open
                    .take()
                    .unwrap_or_else(|| "robustness below the witness's radius is unproven".into());
                self.answer.status = Status::Open(why);
            }
        }
        Ok(())
    }

    /// Replays the centre itself: a misclassified centre is a witness at radius 0; a
    /// correctly classified one (in exact arithmetic) proves 0 steps robust. Returns why the
    /// bracket's lower end stays open when the centre is misclassified only exactly.
    fn check_center(&mut self) -> Result<Option<String>, SearchError<E>> {
        let start = Instant::now();
        let zero = BigRational::zero();
        let property = misclassification_property(
            self.center,
            self.label,
            self.net.num_outputs(),
            &zero,
            None,
        )?;
        let bounds = ball_box(self.center, &zero, None);
        let r = replay(self.net, &property, &bounds, self.center)?;
        let (verdict, open) = if r.confirmed() {
            let w = self.witness(0, r);
            self.answer.witness = Some(w);
            ("violated", None)
        } else if r.candidate_ok {
            let why = "the centre is misclassified in exact arithmetic but not in the \
                       network's floating point (no witness at radius 0)";
            ("unknown", Some(why.to_string()))
        } else {
            self.answer.robust_steps = Some(0);
            ("holds", None)
        };
        self.record(0, verdict, open.clone(), start);
        Ok(open)
    }

    /// Decides the ball of `k` steps, checking a witness before believing it.
    fn probe(&mut self, k: u64) -> Result<Finding, SearchError<E>> {
        if self.budget.exhausted() {
            return Ok(Finding::Undecided("timeout".into()));
        }
        let start = Instant::now();
        let radius = self.options.radius(k);
        let clip = self.options.clip.as_ref();
        let property = misclassification_property(
            self.center,
            self.label,
            self.net.num_outputs(),
            &radius,
            clip,
        )?;
        // At most a share of the time left, so that an undecided probe leaves time for the
        // smaller balls below it.
        let slice = match self.budget.remaining() {
            Some(left) => self.budget.at_most(left / PROBE_SHARE),
            None => self.budget.clone(),
        };
        let verdict = (self.decide)(&property, &slice).map_err(SearchError::Decide)?;
        let bounds = ball_box(self.center, &radius, clip);
        let finding = match verdict {
            Verdict::Holds => Finding::Robust,
            Verdict::Violated(r) if r.confirmed() && inside(&r.input, &bounds) => {
                Finding::Adversarial(self.witness(k, *r))
            }
            Verdict::Violated(_) => Finding::Undecided(format!(
                "the witness at {k} steps failed the search's own check (replay, or inside the ball)"
            )),
            Verdict::Unknown(why) => Finding::Undecided(why),
        };
        let (word, reason) = match &finding {
            Finding::Robust => ("holds", None),
            Finding::Adversarial(_) => ("violated", None),
            Finding::Undecided(why) => ("unknown", Some(why.clone())),
        };
        if let Finding::Robust = finding {
            self.answer.robust_steps = Some(self.answer.robust_steps.map_or(k, |r| r.max(k)));
        }
        self.record(k, word, reason, start);
        Ok(finding)
    }

    fn record(
        &mut self,
        steps: u64,
        verdict: &'static str,
        reason: Option<String>,
        start: Instant,
    ) {
        let elapsed = start.elapsed();
        log::debug!("robustness: {steps} steps: {verdict} in {elapsed:?}");
        self.answer.probes.push(Probe {
            steps,
            verdict,
            reason,
            elapsed,
        });
    }

    /// Keeps a witness (the smallest radius so far) and returns its step count.
    fn found(&mut self, w: Witness) -> u64 {
        let k = w.steps;
        if self.answer.witness.as_ref().is_none_or(|old| k < old.steps) {
            self.answer.witness = Some(w);
        }
        k
    }

    fn stop(&mut self, why: String) -> Result<(), SearchError<E>> {
        self.answer.status = Status::Open(why);
        Ok(())
    }

    fn witness(&self, steps: u64, replay: Replay) -> Witness {
        let distance = replay
            .input
            .iter()
            .zip(self.center)
            .filter_map(|(x, c)| Some((BigRational::from_float(*x)? - c).abs()))
            .max()
            .unwrap_or_default();
        let label = (0..replay.output.len())
            .filter(|&j| j != self.label)
            .max_by(|&a, &b| {
                replay.output[a]
                    .total_cmp(&replay.output[b])
                    .then(b.cmp(&a))
            })
            .unwrap_or(self.label);
        Witness {
            steps,
            distance: crate::spec::to_f64(&distance),
            label,
            replay,
        }
    }
}

/// Whether `x` lies in `bounds`, exactly.
fn inside(x: &[f64], bounds: &InputBox) -> bool {
    x.len() == bounds.num_inputs()
        && x.iter().enumerate().all(|(i, v)| {
            let Some(v) = BigRational::from_float(*v) else {
                return false;
            };
            bounds.lower[i].as_ref().is_none_or(|l| *l <= v)
                && bounds.upper[i].as_ref().is_none_or(|u| v <= *u)
        })
}
