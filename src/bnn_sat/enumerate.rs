//! Exhaustive enumeration of the free input bits, for queries where the box leaves few
//! patterns of them: every pattern some input realises (each free input's level, for a
//! quantised input's order bits; each free bit otherwise) is run through the folded integer
//! network, visited in reflected mixed-radix Gray code order so that each step moves one
//! input by one level, flipping one bit, and only the sums of the first-layer neurons the box
//! leaves free that depend on it are updated. The later layers run only for a first-layer
//! pattern not met before (each worker remembers up to [`MEMO_PATTERNS`] of them and whether
//! they reach the unsafe set): far fewer than the input patterns. The patterns are split
//! among threads by the levels of the last inputs. An enumeration that finds nothing is its
//! own certificate: it can be re-run.

use super::encode::{input_constants, layer_constants, Bit, InputBits};
use super::first_layer_patterns::{first_layer_patterns, FirstLayer};
use crate::bnn::{Bnn, Logit};
use crate::engine::Budget;
use crate::network::Precision;
use crate::spec::{OutputConjunction, Relation};
use num_rational::BigRational;
use rustc_hash::FxHashMap;

/// Most input patterns enumerated, as a power of two. Through the first layer's patterns
/// ([`first_layer_patterns`]) what counts is how many states those take, not the input
/// patterns; the walk over every input pattern takes at most 2^[`MAX_WALK`].
pub const MAX_FREE: usize = 48;

/// Most input patterns walked one by one, as a power of two (2^28 patterns: about 15 s on
/// this project's 2-core machine for the dense EEV model of benchmarks/bnn).
pub const MAX_WALK: usize = 28;

/// First-layer patterns a worker remembers the outputs of (their unsafe-or-not), so that a
/// pattern met again skips the later layers: the dense EEV model's boxes of 26 free inputs
/// realise 67 million input patterns but under 100,000 first-layer patterns.
pub const MEMO_PATTERNS: usize = 1 << 22;

/// How often (in patterns) a worker looks at the budget.
const POLL_EVERY: u64 = 1 << 12;

/// What an enumeration found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enumerated {
    /// No pattern reaches the unsafe set; `patterns` were tried.
    Safe { patterns: u64 },
    /// The value of every input bit of a pattern that does.
    Unsafe(Vec<bool>),
    /// The budget ran out first.
    Timeout,
}

/// An integer sum over a packed bit vector: `constant + Σ_c c·popcount(mask_c & bits)`.
struct PackedSum {
    constant: i64,
    groups: Vec<(i64, Vec<u64>)>,
}

impl PackedSum {
    fn new(sum: &crate::bnn::IntegerSum, width: usize) -> PackedSum {
        let words = width.div_ceil(64);
        let mut groups: Vec<(i64, Vec<u64>)> = Vec::new();
        for &(j, c) in &sum.terms {
            let g = match groups.iter().position(|(k, _)| *k == c) {
                Some(g) => g,
                None => {
                    groups.push((c, vec![0; words]));
                    groups.len() - 1
                }
            };
            groups[g].1[j / 64] |= 1 << (j % 64);
        }
        PackedSum {
            constant: sum.constant,
            groups,
        }
    }

    fn value(&self, bits: &[u64]) -> i64 {
        self.constant
            + self
                .groups
                .iter()
                .map(|(c, mask)| {
                    c * mask
                        .iter()
                        .zip(bits)
                        .map(|(m, b)| i64::from((m & b).count_ones()))
                        .sum::<i64>()
                })
                .sum::<i64>()
    }
}

/// The network prepared for enumeration: the first hidden layer by fan-out from the inputs
/// (updated incrementally as inputs flip), the later layers and the logits as packed sums.
pub(super) struct Prepared<'a> {
    bnn: &'a Bnn,
    /// `fan[i]`: (first-layer neuron, coefficient, its slot in [`Prepared::free_first`]) for
    /// each neuron reading input bit i that the box leaves free (the others never flip).
    fan: Vec<Vec<(usize, i64, usize)>>,
    /// The first-layer neurons some pattern of the free bits can flip.
    free_first: Vec<usize>,
    /// Hidden layers after the first, as packed sums over the layer below.
    later: Vec<Vec<PackedSum>>,
    logits: Vec<PackedSum>,
}

impl<'a> Prepared<'a> {
    pub(super) fn new(bnn: &'a Bnn, inputs: &InputBits) -> Prepared<'a> {
        let mut fan = vec![Vec::new(); bnn.inputs.len()];
        let mut free_first = Vec::new();
        if let Some(first) = bnn.hidden.first() {
            let fixed = layer_constants(first, &input_constants(inputs));
            for (n, neuron) in first.iter().enumerate() {
                if fixed[n].is_some() {
                    continue;
                }
                let slot = free_first.len();
                free_first.push(n);
                for &(j, c) in &neuron.sum.terms {
                    if matches!(inputs.bits[j].lit, Bit::Var(_)) {
                        fan[j].push((n, c, slot));
                    }
                }
            }
        }
        let width = |l: usize| bnn.hidden.get(l).map_or(0, Vec::len);
        let later = (1..bnn.hidden.len())
            .map(|l| {
                bnn.hidden[l]
                    .iter()
                    .map(|n| PackedSum::new(&n.sum, width(l - 1)))
                    .collect()
            })
            .collect();
        let last = bnn
            .hidden
            .len()
            .checked_sub(1)
            .map_or(bnn.inputs.len(), width);
        let logits = bnn
            .logits
            .iter()
            .map(|l| PackedSum::new(&l.sum, last))
            .collect();
        Prepared {
            bnn,
            fan,
            free_first,
            later,
            logits,
        }
    }
}

fn pack(bits: impl Iterator<Item = bool>, width: usize) -> Vec<u64> {
    let mut words = vec![0u64; width.div_ceil(64)];
    for (j, b) in bits.enumerate() {
        if b {
            words[j / 64] |= 1 << (j % 64);
        }
    }
    words
}

/// One worker's state: the inputs, the first layer's sums, and the first layer's bits the
/// outputs were last computed for.
pub(super) struct State<'a, 'b> {
    net: &'b Prepared<'a>,
    pub(super) inputs: Vec<bool>,
    sums: Vec<i64>,
    /// The first layer's bits, packed, as the inputs set them now.
    first: Vec<u64>,
    /// The bits of the first-layer neurons the box leaves free, packed in their order in
    /// [`Prepared::free_first`]: the key of the first layer's pattern.
    key: Vec<u64>,
    /// The bits of each later hidden layer, as last computed.
    later: Vec<Vec<u64>>,
    pub(super) logits: Vec<f64>,
}

fn logit_value(l: &Logit, p: i64, precision: Precision) -> f64 {
    let z = crate::bnn::add(p as f64, l.bias, precision);
    l.chain.apply(z, precision)
}

impl<'a, 'b> State<'a, 'b> {
    pub(super) fn new(net: &'b Prepared<'a>, inputs: Vec<bool>) -> State<'a, 'b> {
        let bnn = net.bnn;
        let sums: Vec<i64> = bnn
            .hidden
            .first()
            .map(|l| l.iter().map(|n| n.sum.value(&inputs)).collect())
            .unwrap_or_default();
        let first = match bnn.hidden.first() {
            Some(layer) => pack(
                layer.iter().zip(&sums).map(|(n, p)| n.rule.fires(*p)),
                layer.len(),
            ),
            None => pack(inputs.iter().copied(), inputs.len()),
        };
        let key = pack(
            net.free_first
                .iter()
                .map(|&n| first[n / 64] >> (n % 64) & 1 == 1),
            net.free_first.len(),
        );
        let mut s = State {
            net,
            inputs,
            sums,
            first,
            key,
            later: vec![Vec::new(); net.later.len()],
            logits: Vec::new(),
        };
        s.outputs();
        s
    }

    /// The logits from the first layer's bits through the packed layers; a layer whose bits
    /// come out as they were last time stops the pass (nothing after it changes).
    pub(super) fn outputs(&mut self) {
        let bnn = self.net.bnn;
        for (l, layer) in self.net.later.iter().enumerate() {
            let below = if l == 0 {
                &self.first
            } else {
                &self.later[l - 1]
            };
            let rules = &bnn.hidden[l + 1];
            let bits = pack(
                layer
                    .iter()
                    .zip(rules)
                    .map(|(s, n)| n.rule.fires(s.value(below))),
                layer.len(),
            );
            if !self.logits.is_empty() && bits == self.later[l] {
                return;
            }
            self.later[l] = bits;
        }
        let last = self.later.last().unwrap_or(&self.first);
        self.logits = self
            .net
            .logits
            .iter()
            .zip(&bnn.logits)
            .map(|(s, l)| logit_value(l, s.value(last), bnn.precision))
            .collect();
    }

    /// Flips input `i`, updating the first layer's sums and bits (not the outputs); true
    /// when some first-layer bit changed. Without hidden layers the inputs are the bits.
    pub(super) fn flip_input(&mut self, i: usize) -> bool {
        self.inputs[i] = !self.inputs[i];
        if self.net.bnn.hidden.is_empty() {
            self.first[i / 64] ^= 1 << (i % 64);
            return true;
        }
        let delta = if self.inputs[i] { 1 } else { -1 };
        let mut changed = false;
        for &(n, c, slot) in &self.net.fan[i] {
            self.sums[n] += c * delta;
            let fires = self.net.bnn.hidden[0][n].rule.fires(self.sums[n]);
            if fires != (self.first[n / 64] >> (n % 64) & 1 == 1) {
                self.first[n / 64] ^= 1 << (n % 64);
                self.key[slot / 64] ^= 1 << (slot % 64);
                changed = true;
            }
        }
        changed
    }
}

/// An output atom with its coefficients and bound in f64 (computed once), and the exact atom
/// for the rare values too close to call in f64.
pub(super) struct Atom<'a> {
    terms: Vec<(usize, f64)>,
    bound: f64,
    exact: &'a crate::spec::LinearConstraint,
}

impl Atom<'_> {
    /// How far the logits `y` are from satisfying the atom, in f64 (at most about 0 when
    /// they do): the score a search for an unsafe pattern lowers; [`Atom::holds`] decides.
    pub(super) fn shortfall(&self, y: &[f64]) -> f64 {
        let lhs: f64 = self.terms.iter().map(|&(j, c)| c * y[j]).sum();
        match self.exact.relation() {
            Relation::Le => lhs - self.bound,
            Relation::Ge => self.bound - lhs,
        }
    }

    /// Whether the logits `y` satisfy the atom, decided exactly: in f64 when the margin is far
    /// beyond its rounding, in rationals otherwise.
    pub(super) fn holds(&self, y: &[f64]) -> bool {
        let (mut lhs, mut scale) = (0.0f64, 0.0f64);
        for &(j, c) in &self.terms {
            lhs += c * y[j];
            scale += (c * y[j]).abs();
        }
        let gap = lhs - self.bound;
        let slack = 1e-9 * (1.0 + scale + self.bound.abs());
        if gap.abs() > slack {
            return match self.exact.relation() {
                Relation::Le => gap < 0.0,
                Relation::Ge => gap > 0.0,
            };
        }
        let exact: BigRational = self
            .exact
            .terms()
            .iter()
            .map(|(j, c)| c * BigRational::from_float(y[*j]).unwrap_or_default())
            .sum();
        match self.exact.relation() {
            Relation::Le => exact <= *self.exact.bound(),
            Relation::Ge => exact >= *self.exact.bound(),
        }
    }
}

pub(super) fn atoms<'a>(conj: &'a OutputConjunction) -> Vec<Atom<'a>> {
    conj.atoms
        .iter()
        .map(|a| Atom {
            terms: a.terms_f64(),
            bound: a.bound_f64(),
            exact: a,
        })
        .collect()
}

/// The free bits of each input that has any, in order: its levels above the least set them
/// from the first up.
pub(super) fn free_groups(inputs: &InputBits) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut last = None;
    for (j, b) in inputs.bits.iter().enumerate() {
        if matches!(b.lit, Bit::Var(_)) {
            if last == Some(b.input) {
                if let Some(g) = groups.last_mut() {
                    g.push(j);
                }
            } else {
                groups.push(vec![j]);
            }
            last = Some(b.input);
        }
    }
    groups
}

/// A reflected mixed-radix Gray code over the levels of `groups` (group g takes levels
/// 0..=len(g)): each step moves one group by one level.
struct Gray {
    levels: Vec<usize>,
    up: Vec<bool>,
}

impl Gray {
    fn new(groups: usize) -> Gray {
        Gray {
            levels: vec![0; groups],
            up: vec![true; groups],
        }
    }

    /// The next step as (group, bit within it, new value), or `None` after the last pattern.
    fn step(&mut self, groups: &[Vec<usize>]) -> Option<(usize, usize, bool)> {
        for (g, group) in groups.iter().enumerate() {
            let (level, top) = (self.levels[g], group.len());
            if self.up[g] && level < top {
                self.levels[g] += 1;
                return Some((g, level, true));
            }
            if !self.up[g] && level > 0 {
                self.levels[g] -= 1;
                return Some((g, level - 1, false));
            }
            self.up[g] = !self.up[g];
        }
        None
    }
}

/// Whether a worker stops: another one stopped (it found a pattern reaching the unsafe set,
/// or ran out of budget), or the budget ran out, which raises `timed_out` and `stop`.
fn halt(
    stop: &std::sync::atomic::AtomicBool,
    timed_out: &std::sync::atomic::AtomicBool,
    budget: &Budget,
) -> bool {
    use std::sync::atomic::Ordering::Relaxed;
    if stop.load(Relaxed) {
        return true;
    }
    if budget.exhausted() {
        timed_out.store(true, Relaxed);
        stop.store(true, Relaxed);
        return true;
    }
    false
}

/// Enumerates every pattern of the free bits that some input realises (at most 2^[`MAX_WALK`])
/// on `threads` threads, until one reaches the unsafe set and `accept` takes it (every input
/// bit's value); `accept` is how input constraints over several inputs rule out patterns
/// whose cell has no point satisfying them.
pub fn enumerate(
    bnn: &Bnn,
    inputs: &InputBits,
    unsafe_: &[&OutputConjunction],
    budget: &Budget,
    threads: usize,
    accept: &(dyn Fn(&[bool]) -> bool + Sync),
) -> Enumerated {
    let patterns = inputs.patterns();
    assert!(
        patterns <= 1 << MAX_WALK,
        "enumerate: too many patterns ({patterns})"
    );
    let groups = free_groups(inputs);
    let prepared = Prepared::new(bnn, inputs);
    let start: Vec<bool> = inputs
        .bits
        .iter()
        .map(|i| match i.lit {
            Bit::Const(b) => b,
            Bit::Var(_) => false,
        })
        .collect();
    // The last groups fixed per chunk, enough for every thread to have one.
    let threads = threads.max(1);
    let mut split = groups.len();
    let mut chunks: u64 = 1;
    while split > 0 && chunks < threads as u64 {
        split -= 1;
        chunks *= groups[split].len() as u64 + 1;
    }
    let (low, high) = groups.split_at(split);
    let found = std::sync::Mutex::new(None::<Vec<bool>>);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let timed_out = std::sync::atomic::AtomicBool::new(false);
    let conjunctions: Vec<Vec<Atom>> = unsafe_.iter().map(|c| atoms(c)).collect();
    let no_hidden = bnn.hidden.is_empty();
    let unsafe_now = |s: &State| -> bool {
        conjunctions
            .iter()
            .any(|c| c.iter().all(|a| a.holds(&s.logits)))
    };
    std::thread::scope(|scope| {
        for t in 0..threads.min(chunks as usize) {
            let (prepared, start, found, stop, timed_out) =
                (&prepared, &start, &found, &stop, &timed_out);
            let unsafe_now = &unsafe_now;
            scope.spawn(move || {
                let mut polled = 0u64;
                let mut memo: FxHashMap<Vec<u64>, bool> = FxHashMap::default();
                for chunk in (t as u64..chunks).step_by(threads) {
                    let mut x = start.clone();
                    let mut rest = chunk;
                    for g in high {
                        let level = (rest % (g.len() as u64 + 1)) as usize;
                        rest /= g.len() as u64 + 1;
                        for &j in &g[..level] {
                            x[j] = true;
                        }
                    }
                    let mut s = State::new(prepared, x);
                    let mut gray = Gray::new(low.len());
                    let mut changed = true;
                    let mut fresh = true;
                    let mut unsafe_outputs = false;
                    loop {
                        if changed {
                            // The outputs of a first-layer pattern seen before are known.
                            unsafe_outputs = match memo.get(&s.key) {
                                Some(u) if !fresh => *u,
                                _ => {
                                    if !fresh {
                                        s.outputs();
                                    }
                                    let u = unsafe_now(&s);
                                    if memo.len() < MEMO_PATTERNS && !no_hidden {
                                        memo.insert(s.key.clone(), u);
                                    }
                                    u
                                }
                            };
                            fresh = false;
                        }
                        if unsafe_outputs && accept(&s.inputs) {
                            *found.lock().unwrap_or_else(|e| e.into_inner()) =
                                Some(s.inputs.clone());
                            stop.store(true, std::sync::atomic::Ordering::Relaxed);
                            return;
                        }
                        polled += 1;
                        if polled.is_multiple_of(POLL_EVERY) && halt(stop, timed_out, budget) {
                            return;
                        }
                        let Some((g, k, _)) = gray.step(low) else {
                            break;
                        };
                        changed = s.flip_input(low[g][k]);
                    }
                }
            });
        }
    });
    if let Some(bits) = found.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Enumerated::Unsafe(bits);
    }
    if timed_out.load(std::sync::atomic::Ordering::Relaxed) {
        return Enumerated::Timeout;
    }
    Enumerated::Safe { patterns }
}

/// Decides the query on the distinct first-layer patterns of the box
/// ([`first_layer_patterns`]), split among `threads` threads: the unsafe set is reached when
/// one of them reaches it (any input realising it does). `None` when the patterns are too
/// many to find that way (or the network has no hidden layer). Only for boxes without input
/// constraints over several inputs: a pattern stands for all the inputs that realise it.
pub fn enumerate_first_layer(
    bnn: &Bnn,
    inputs: &InputBits,
    unsafe_: &[&OutputConjunction],
    budget: &Budget,
    threads: usize,
) -> Option<Enumerated> {
    let realised = match first_layer_patterns(bnn, inputs, budget, threads) {
        FirstLayer::Patterns(r) => r,
        FirstLayer::TooMany => return None,
        FirstLayer::Timeout => return Some(Enumerated::Timeout),
    };
    log::debug!(
        "sat: {} input patterns give {} first-layer patterns",
        inputs.patterns(),
        realised.first.len()
    );
    let prepared = Prepared::new(bnn, inputs);
    let conjunctions: Vec<Vec<Atom>> = unsafe_.iter().map(|c| atoms(c)).collect();
    let found = std::sync::Mutex::new(None::<usize>);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let timed_out = std::sync::atomic::AtomicBool::new(false);
    let threads = threads.max(1);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (prepared, realised, conjunctions) = (&prepared, &realised, &conjunctions);
            let (found, stop, timed_out) = (&found, &stop, &timed_out);
            scope.spawn(move || {
                let mut s = State {
                    net: prepared,
                    inputs: Vec::new(),
                    sums: Vec::new(),
                    first: Vec::new(),
                    key: Vec::new(),
                    later: vec![Vec::new(); prepared.later.len()],
                    logits: Vec::new(),
                };
                for (k, p) in (t..realised.first.len()).step_by(threads).enumerate() {
                    if k % 256 == 0 && halt(stop, timed_out, budget) {
                        return;
                    }
                    s.first.clone_from(&realised.first[p]);
                    s.outputs();
                    if conjunctions
                        .iter()
                        .any(|c| c.iter().all(|a| a.holds(&s.logits)))
                    {
                        *found.lock().unwrap_or_else(|e| e.into_inner()) = Some(p);
                        stop.store(true, std::sync::atomic::Ordering::Relaxed);
                        return;
                    }
                }
            });
        }
    });
    if let Some(p) = found.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Some(Enumerated::Unsafe(realised.inputs(p)));
    }
    if timed_out.load(std::sync::atomic::Ordering::Relaxed) {
        return Some(Enumerated::Timeout);
    }
    Some(Enumerated::Safe {
        patterns: inputs.patterns(),
    })
}
