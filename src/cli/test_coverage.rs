//! `vera test coverage`: how much of a network a test set exercises, by the criteria of
//! DeepXplore, DeepGauge, DeepCover (MC/DC) and surprise adequacy.

use crate::network::{load, Network};
use crate::testing::criteria::{
    all_ordered_pairs, Count, Criterion, DistanceSurprise, KMultisectionCoverage,
    LikelihoodSurprise, Mcdc, McdcKind, NeuronBoundaryCoverage, NeuronCoverage, Profile,
    ScaledNeuronCoverage, StrongNeuronActivationCoverage, SurpriseCoverage, TopKNeuronCoverage,
    ValueChange,
};
use crate::testing::tests_file::{read_labels, read_pairs, read_tests};
use crate::testing::Trace;
use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Measure the coverage of a test set on a network.
///
/// Test files hold one input per line, comma-separated, no header. The exact definitions of
/// the criteria are in docs/testing.md.
///
/// Example: vera test coverage benchmarks/testing/models/mnist_100x2.onnx --tests
/// benchmarks/testing/data/test1000.csv --profile benchmarks/testing/data/profile.csv
/// --criteria nc,kmnc,nbc,snac,tknc,ss --json
#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// The network: .onnx, .onnx.gz, .nnet or .nnet.gz (ReLU networks; BNNs are refused).
    pub network: PathBuf,
    /// The tests: one input per line, comma-separated values, no header.
    #[arg(long)]
    pub tests: PathBuf,
    /// Pairs of tests for ss, sv, vs, vv: one `a,b` a line, 0-based rows of --tests (default:
    /// every ordered pair of distinct tests).
    #[arg(long)]
    pub pairs: Option<PathBuf>,
    /// The criteria, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', required = true)]
    pub criteria: Vec<CriterionName>,
    #[command(flatten)]
    pub options: CriterionOptions,
    /// Print one JSON object: {"tests": n, "criteria": {"nc": {"covered": c, "total": t}, ...}}.
    #[arg(long)]
    pub json: bool,
}

/// How the criteria are parameterised, and the profile set some of them need (shared by
/// `vera test coverage` and `vera test generate`).
#[derive(Debug, Args)]
pub struct CriterionOptions {
    /// The profile set (same format) whose per-neuron ranges [low, high] KMNC, NBC and SNAC
    /// use, and whose traces LSA and DSA compare the tests against.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// The profile set's class labels, one a line (for lsc and dsc; default: the network's
    /// own predictions on the profile set).
    #[arg(long, requires = "profile")]
    pub profile_labels: Option<PathBuf>,
    /// KMNC's number of sections per neuron.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub kmnc_k: u64,
    /// TKNC's k: the number of most active neurons of a layer that each test covers.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub tknc_k: u64,
    /// Measure nc as DeepXplore's NC(t): per-layer min-max scaled outputs above t.
    #[arg(long)]
    pub nc_threshold: Option<f64>,
    /// MC/DC's value change d (see --mcdc-value); must be positive.
    #[arg(long, default_value_t = 0.1)]
    pub mcdc_d: f64,
    /// MC/DC's value function: `relative` (|u2 - u1| >= d·|u1|) or `absolute` (|u2 - u1| >= d).
    #[arg(long, value_enum, default_value_t = ValueFunction::Relative)]
    pub mcdc_value: ValueFunction,
    /// Surprise coverage's upper bound U: lsc and dsc count buckets of (0, U].
    #[arg(long)]
    pub sc_upper: Option<f64>,
    /// Surprise coverage's number of buckets.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub sc_buckets: u64,
}

impl CriterionOptions {
    /// MC/DC's value change, from --mcdc-value and --mcdc-d.
    pub fn value_change(&self) -> ValueChange {
        match self.mcdc_value {
            ValueFunction::Relative => ValueChange::Relative(self.mcdc_d),
            ValueFunction::Absolute => ValueChange::Absolute(self.mcdc_d),
        }
    }
}

/// The criteria `vera test coverage` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CriterionName {
    Nc,
    Kmnc,
    Nbc,
    Snac,
    Tknc,
    Ss,
    Sv,
    Vs,
    Vv,
    Lsc,
    Dsc,
}

/// MC/DC's value functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValueFunction {
    Relative,
    Absolute,
}

impl CriterionName {
    pub(super) fn mcdc(self) -> Option<McdcKind> {
        match self {
            CriterionName::Ss => Some(McdcKind::SignSign),
            CriterionName::Sv => Some(McdcKind::SignValue),
            CriterionName::Vs => Some(McdcKind::ValueSign),
            CriterionName::Vv => Some(McdcKind::ValueValue),
            _ => None,
        }
    }

    pub(super) fn needs_profile(self) -> bool {
        matches!(
            self,
            CriterionName::Kmnc
                | CriterionName::Nbc
                | CriterionName::Snac
                | CriterionName::Lsc
                | CriterionName::Dsc
        )
    }
}

/// The profile set of `options` traced, with its labels (given, or the network's own
/// predictions), if there is one.
pub(super) fn load_profile(
    net: &Network,
    options: &CriterionOptions,
) -> anyhow::Result<Option<ProfileSet>> {
    Ok(match &options.profile {
        Some(path) => {
            let trace = trace_file(net, path)?;
            let labels = match &options.profile_labels {
                Some(labels) => read_labels(labels, trace.tests())?,
                None => trace.predictions(),
            };
            Some(ProfileSet { trace, labels })
        }
        None => None,
    })
}

/// The traced profile set and its labels.
pub(super) struct ProfileSet {
    pub trace: Trace,
    pub labels: Vec<usize>,
}

pub(super) fn trace_file(net: &Network, path: &Path) -> anyhow::Result<Trace> {
    let inputs = read_tests(path, net.num_inputs())?;
    Trace::run(net, &inputs).with_context(|| format!("{}", path.display()))
}

pub fn run(args: &CoverageArgs) -> anyhow::Result<()> {
    if !(args.options.mcdc_d > 0.0 && args.options.mcdc_d.is_finite()) {
        bail!(
            "--mcdc-d must be a positive number, got {}",
            args.options.mcdc_d
        );
    }
    let net = load(&args.network)?;
    let start = Instant::now();
    let trace = trace_file(&net, &args.tests)?;
    log::debug!("traced {} tests in {:?}", trace.tests(), start.elapsed());
    let profile = load_profile(&net, &args.options)?;
    let mut criteria = Vec::new();
    for name in &args.criteria {
        if !criteria.contains(name) {
            criteria.push(*name);
        }
    }
    let mut pairs: Option<Vec<(usize, usize)>> = None;
    let mut results: Vec<(&'static str, Count, Value)> = Vec::new();
    for name in criteria {
        let start = Instant::now();
        let profile = match (&profile, name.needs_profile()) {
            (None, true) => bail!(
                "{} needs a profile set: give one with --profile FILE",
                criterion_label(name)
            ),
            (p, _) => p,
        };
        let pairs: &[(usize, usize)] = match (name.mcdc(), &mut pairs) {
            (None, _) => &[],
            (Some(_), Some(p)) => p,
            (Some(_), None) => pairs.insert(match &args.pairs {
                Some(path) => read_pairs(path, trace.tests())?,
                None => all_ordered_pairs(trace.tests()),
            }),
        };
        let (label, count) = measure(name, &args.options, &trace, pairs, profile.as_ref())?;
        let extra = match name {
            CriterionName::Lsc | CriterionName::Dsc => {
                json!({"upper": args.options.sc_upper, "buckets": args.options.sc_buckets})
            }
            CriterionName::Nc => json!({"threshold": args.options.nc_threshold}),
            CriterionName::Kmnc => json!({"k": args.options.kmnc_k}),
            CriterionName::Tknc => json!({"k": args.options.tknc_k}),
            _ => json!({}),
        };
        log::debug!("{label}: {:?}", start.elapsed());
        results.push((label, count, extra));
    }
    print_results(args, &trace, pairs.as_deref(), &results)
}

/// Criterion `name` over every test of `trace` (and, for the MC/DC ones, over `pairs` of its
/// rows): its name as reported and its count. What `vera test coverage` prints, and what
/// `vera test generate` reports of the suite it wrote.
pub(super) fn measure(
    name: CriterionName,
    options: &CriterionOptions,
    trace: &Trace,
    pairs: &[(usize, usize)],
    profile: Option<&ProfileSet>,
) -> anyhow::Result<(&'static str, Count)> {
    Ok(match name.mcdc() {
        Some(kind) => {
            let outputs = trace.output.cols();
            let mut m = Mcdc::new(
                &trace.hidden_widths(),
                outputs,
                kind,
                options.value_change(),
            );
            m.update(trace, pairs);
            (m.name(), m.count())
        }
        None => {
            let mut c = single_test_criterion(name, options, trace, profile)?;
            c.update(trace);
            (c.name(), c.count())
        }
    })
}

pub(super) fn criterion_label(name: CriterionName) -> String {
    format!("{name:?}").to_lowercase()
}

/// The criterion `name` (not an MC/DC one), built for the tests' network.
pub(super) fn single_test_criterion(
    name: CriterionName,
    args: &CriterionOptions,
    trace: &Trace,
    profile: Option<&ProfileSet>,
) -> anyhow::Result<Box<dyn Criterion>> {
    let widths = trace.hidden_widths();
    let ranges = || -> anyhow::Result<Profile> {
        let p = profile.context("a profile set is needed (--profile)")?;
        Ok(Profile::from_trace(&p.trace)?)
    };
    let sc_upper = || -> anyhow::Result<f64> {
        match args.sc_upper {
            Some(u) if u > 0.0 && u.is_finite() => Ok(u),
            Some(u) => bail!("--sc-upper must be a positive number, got {u}"),
            None => bail!(
                "{} needs the upper end U of the surprise range (0, U]: give --sc-upper U",
                criterion_label(name)
            ),
        }
    };
    let buckets = args.sc_buckets as usize;
    Ok(match name {
        CriterionName::Nc => match args.nc_threshold {
            Some(t) => Box::new(ScaledNeuronCoverage::new(&widths, t)),
            None => Box::new(NeuronCoverage::new(&widths)),
        },
        CriterionName::Kmnc => {
            Box::new(KMultisectionCoverage::new(ranges()?, args.kmnc_k as usize))
        }
        CriterionName::Nbc => Box::new(NeuronBoundaryCoverage::new(ranges()?)),
        CriterionName::Snac => Box::new(StrongNeuronActivationCoverage::new(ranges()?)),
        CriterionName::Tknc => Box::new(TopKNeuronCoverage::new(&widths, args.tknc_k as usize)),
        CriterionName::Lsc => {
            let upper = sc_upper()?;
            let p = profile.context("a profile set is needed (--profile)")?;
            let lsa = LikelihoodSurprise::fit(&p.trace, &p.labels).context("fitting LSA")?;
            Box::new(SurpriseCoverage::new("lsc", lsa, upper, buckets))
        }
        CriterionName::Dsc => {
            let upper = sc_upper()?;
            let p = profile.context("a profile set is needed (--profile)")?;
            let dsa = DistanceSurprise::fit(&p.trace, &p.labels).context("fitting DSA")?;
            Box::new(SurpriseCoverage::new("dsc", dsa, upper, buckets))
        }
        CriterionName::Ss | CriterionName::Sv | CriterionName::Vs | CriterionName::Vv => {
            bail!("{} is a pair criterion", criterion_label(name))
        }
    })
}

fn print_results(
    args: &CoverageArgs,
    trace: &Trace,
    pairs: Option<&[(usize, usize)]>,
    results: &[(&'static str, Count, Value)],
) -> anyhow::Result<()> {
    if args.json {
        let mut criteria = Map::new();
        for (name, count, extra) in results {
            let mut entry = json!({"covered": count.covered, "total": count.total});
            if let (Some(e), Some(obj)) = (extra.as_object(), entry.as_object_mut()) {
                for (k, v) in e {
                    if !v.is_null() {
                        obj.insert(k.clone(), v.clone());
                    }
                }
            }
            criteria.insert(name.to_string(), entry);
        }
        let mut out = json!({"tests": trace.tests(), "criteria": criteria});
        if let Some(p) = pairs {
            out["pairs"] = json!(p.len());
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let pairs = pairs.map_or(String::new(), |p| format!(", {} pairs", p.len()));
    println!(
        "{} tests{pairs}, {} hidden neurons in {} layers",
        trace.tests(),
        trace.hidden_neurons(),
        trace.hidden.len()
    );
    for (name, count, _) in results {
        println!(
            "{name:<5} {:>8} / {:<8} {:6.2}%",
            count.covered,
            count.total,
            100.0 * count.ratio()
        );
    }
    Ok(())
}
