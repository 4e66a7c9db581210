//! `vera test generate`: grow a test suite from seeds until a coverage criterion is met or the
//! budget ends (concolic LPs for sign-sign MC/DC, gradient search for the single-test neuron
//! criteria, coverage-guided fuzzing for every criterion), and write it where it replays bit
//! for bit.

use super::test_coverage::{
    criterion_label, load_profile, measure, single_test_criterion, CriterionName, CriterionOptions,
    ProfileSet,
};
use crate::network::load;
use crate::testing::criteria::{Count, Criterion, Mcdc, Profile};
use crate::testing::generate::{fuzz, gradient, neuron_concolic, sign_sign, Generator, Suite};
use crate::testing::tests_file::{format_tests, read_tests};
use crate::testing::{Batch, Trace};
use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Generate tests that cover a criterion, starting from seed inputs.
///
/// Writes DIR/tests.csv (every input used, the seeds first, in full precision), DIR/pairs.csv
/// (for ss, sv, vs, vv: `a,b` rows of tests.csv), DIR/report.json (criterion, covered, total,
/// adversarial, time_s, history) and DIR/adversarial/ (each test whose label differs from its
/// seed's, as K.csv, and K.png for 28×28 inputs). `vera test report DIR` draws it.
///
/// Example: vera test generate benchmarks/testing/models/mnist_67_22_63.onnx --criterion ss
/// --seeds benchmarks/testing/data/seeds100.csv --budget 60 --out out/ss
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The network: .onnx, .onnx.gz, .nnet or .nnet.gz (ReLU networks).
    pub network: PathBuf,
    /// The criterion to cover.
    #[arg(long, value_enum)]
    pub criterion: CriterionName,
    /// The seed inputs: one a line, comma-separated values, no header.
    #[arg(long)]
    pub seeds: PathBuf,
    /// Seconds to generate for.
    #[arg(long)]
    pub budget: f64,
    /// The directory to write; it must not exist or be empty.
    #[arg(long)]
    pub out: PathBuf,
    /// Worker threads (concolic and gradient generation; default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// How to generate: concolic (ss, and nc without --nc-threshold, kmnc, nbc, snac: LPs on
    /// vera's simplex over a test's linear region), gradient (nc, kmnc, nbc,
    /// snac, tknc: DeepXplore-style ascent) or fuzz (every criterion); auto picks concolic for
    /// ss, gradient then fuzz for the remaining budget for nc, kmnc, nbc, snac and tknc, and
    /// fuzz otherwise.
    #[arg(long, value_enum, default_value_t = Method::Auto)]
    pub method: Method,
    /// The valid range of every input, `LO,HI` (default 0,1: pixels); tests never leave it.
    #[arg(long, default_value = "0,1", value_parser = parse_clip)]
    pub clip: (f64, f64),
    /// The fuzzer's random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub options: CriterionOptions,
}

/// How tests are generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    Auto,
    Concolic,
    Gradient,
    Fuzz,
    /// Gradient search, then fuzzing for the budget left (what auto does for the single-test
    /// neuron criteria).
    #[value(skip)]
    GradientFuzz,
    /// Concolic generation for a single-neuron criterion (`--method concolic` with nc, kmnc,
    /// nbc or snac).
    #[value(skip)]
    NeuronConcolic,
}

impl Method {
    /// The name report.json gives the method.
    fn label(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Concolic => "concolic",
            Method::Gradient => "gradient",
            Method::Fuzz => "fuzz",
            Method::GradientFuzz => "gradient+fuzz",
            Method::NeuronConcolic => "concolic",
        }
    }
}

/// Whether gradient search has objectives for `c`: the single-test neuron criteria.
fn gradient_fits(c: CriterionName) -> bool {
    matches!(
        c,
        CriterionName::Nc
            | CriterionName::Kmnc
            | CriterionName::Nbc
            | CriterionName::Snac
            | CriterionName::Tknc
    )
}

/// Whether concolic generation has objectives for the single-neuron criterion `c`: those
/// whose objectives are a range of one neuron's value.
fn concolic_fits(c: CriterionName, options: &CriterionOptions) -> bool {
    match c {
        CriterionName::Nc => options.nc_threshold.is_none(),
        CriterionName::Kmnc | CriterionName::Nbc | CriterionName::Snac => true,
        _ => false,
    }
}

/// What gradient search aims at for criterion `c` (one of [`gradient_fits`]).
fn gradient_aim(
    c: CriterionName,
    options: &CriterionOptions,
    profile: Option<&ProfileSet>,
) -> anyhow::Result<gradient::Aim> {
    let ranges = || -> anyhow::Result<Profile> {
        let p = profile.context("a profile set is needed (--profile)")?;
        Ok(Profile::from_trace(&p.trace)?)
    };
    Ok(match c {
        CriterionName::Nc => match options.nc_threshold {
            Some(threshold) => gradient::Aim::ScaledNc { threshold },
            None => gradient::Aim::Nc,
        },
        CriterionName::Kmnc => gradient::Aim::Kmnc {
            profile: ranges()?,
            k: options.kmnc_k as usize,
        },
        CriterionName::Nbc | CriterionName::Snac => gradient::Aim::Boundary { profile: ranges()? },
        CriterionName::Tknc => gradient::Aim::TopK {
            k: options.tknc_k as usize,
        },
        _ => bail!(
            "--method gradient covers nc, kmnc, nbc, snac and tknc, not {}",
            criterion_label(c)
        ),
    })
}

/// The single-test criterion `args` names, with the seeds' trace counted in.
fn seeded_criterion(
    args: &GenerateArgs,
    seeds: &Trace,
    profile: Option<&ProfileSet>,
) -> anyhow::Result<Box<dyn Criterion>> {
    let mut c = single_test_criterion(args.criterion, &args.options, seeds, profile)?;
    c.update(seeds);
    Ok(c)
}

fn parse_clip(s: &str) -> Result<(f64, f64), String> {
    let parts: Vec<&str> = s.split(',').collect();
    let [lo, hi] = parts.as_slice() else {
        return Err(format!("expected LO,HI (e.g. 0,1), got {s:?}"));
    };
    let num = |v: &str| {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or(format!("{v:?} is not a finite number"))
    };
    let (lo, hi) = (num(lo)?, num(hi)?);
    if lo > hi {
        return Err(format!("LO {lo} is above HI {hi}"));
    }
    Ok((lo, hi))
}

pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    if !(args.budget >= 0.0 && args.budget.is_finite()) {
        bail!("--budget must be a number of seconds, got {}", args.budget);
    }
    let method =
        match (args.method, args.criterion) {
            (Method::Auto, CriterionName::Ss) | (Method::Concolic, CriterionName::Ss) => {
                Method::Concolic
            }
            (Method::Concolic, c) if concolic_fits(c, &args.options) => Method::NeuronConcolic,
            (Method::Concolic, c) => {
                bail!(
                "--method concolic generates for ss, nc (without --nc-threshold), kmnc, nbc and \
                 snac only: the objectives of {} are not a range of one neuron; use --method {}",
                criterion_label(c),
                if gradient_fits(c) { "gradient or fuzz" } else { "fuzz" }
            )
            }
            (Method::Gradient, c) if !gradient_fits(c) => {
                bail!(
            "--method gradient generates for the single-test neuron criteria nc, kmnc, nbc, \
             snac and tknc only; use --method {} for {}",
            if c == CriterionName::Ss { "concolic or fuzz" } else { "fuzz" },
            criterion_label(c)
        )
            }
            (Method::Gradient, _) => Method::Gradient,
            (Method::Auto, c) if gradient_fits(c) => Method::GradientFuzz,
            _ => Method::Fuzz,
        };
    if args.out.exists()
        && std::fs::read_dir(&args.out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{}: exists and is not empty; choose a new directory",
            args.out.display()
        );
    }
    let net = load(&args.network)?;
    let seeds = read_tests(&args.seeds, net.num_inputs())?;
    if let Some((i, v)) = seeds
        .as_slice()
        .iter()
        .enumerate()
        .find(|(_, v)| !(args.clip.0..=args.clip.1).contains(&f64::from(**v)))
    {
        bail!(
            "{}: seed {} has value {v} at input {}, outside --clip {},{}",
            args.seeds.display(),
            i / seeds.cols() + 1,
            i % seeds.cols(),
            args.clip.0,
            args.clip.1
        );
    }
    let profile = load_profile(&net, &args.options)?;
    if args.criterion.needs_profile() && profile.is_none() {
        bail!(
            "{} needs a profile set: give one with --profile FILE",
            criterion_label(args.criterion)
        );
    }
    let start = Instant::now();
    let seeds_trace =
        Trace::run(&net, &seeds).with_context(|| format!("{}", args.seeds.display()))?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed:>4} [{bar:40}] {pos}/{len} objectives covered {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let progress = |c: Count| {
        bar.set_length(c.total as u64);
        bar.set_position(c.covered as u64);
    };
    let gen = Generator {
        net: &net,
        lower: vec![args.clip.0; net.num_inputs()],
        upper: vec![args.clip.1; net.num_inputs()],
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        deadline: start + Duration::from_secs_f64(args.budget),
        progress: &progress,
    };
    let outputs = seeds_trace.output.cols();
    let widths = seeds_trace.hidden_widths();
    let mut extra = json!({});
    let suite = if method == Method::Concolic {
        let total = Mcdc::new(
            &widths,
            outputs,
            crate::testing::criteria::McdcKind::SignSign,
            args.options.value_change(),
        )
        .count()
        .total;
        let suite = Suite::new(seeds.clone(), start, Count { covered: 0, total });
        let (suite, stats) = sign_sign::generate(&gen, suite, &seeds_trace)?;
        extra = json!({"lp_calls": stats.lp_calls, "lp_rejected": stats.rejected, "stones": stats.stones});
        suite
    } else if method == Method::NeuronConcolic {
        let aim = gradient_aim(args.criterion, &args.options, profile.as_ref())?;
        let c = seeded_criterion(args, &seeds_trace, profile.as_ref())?;
        let suite = Suite::new(seeds.clone(), start, c.count());
        let (suite, _, n) = neuron_concolic::generate(&gen, suite, &seeds_trace, c, &aim)?;
        extra = json!({
            "lp_calls": n.lp_calls,
            "found": n.found,
            "kept": n.kept,
            "given_up": n.not_ranges,
        });
        suite
    } else if matches!(method, Method::Gradient | Method::GradientFuzz) {
        let aim = gradient_aim(args.criterion, &args.options, profile.as_ref())?;
        let c = seeded_criterion(args, &seeds_trace, profile.as_ref())?;
        let suite = Suite::new(seeds.clone(), start, c.count());
        let (suite, c, g) = gradient::generate(&gen, suite, &seeds_trace, c, &aim)?;
        extra = json!({
            "attempts": g.attempts,
            "steps": g.steps,
            "reached": g.reached,
            "kept": g.kept,
            "given_up": g.given_up,
        });
        if method == Method::GradientFuzz {
            let gradient_s = start.elapsed().as_secs_f64();
            let (suite, _, f) = fuzz::generate(
                &gen,
                suite,
                &seeds_trace,
                fuzz::Target::Single(c),
                args.seed,
            )?;
            extra["gradient_s"] = json!(gradient_s);
            extra["rounds"] = json!(f.rounds);
            extra["mutants"] = json!(f.mutants);
            suite
        } else {
            suite
        }
    } else {
        let target = match args.criterion.mcdc() {
            Some(kind) => {
                let m = Mcdc::new(&widths, outputs, kind, args.options.value_change());
                fuzz::Target::Pairs(m)
            }
            None => fuzz::Target::Single(seeded_criterion(args, &seeds_trace, profile.as_ref())?),
        };
        let suite = Suite::new(seeds.clone(), start, target.count());
        let (suite, _, stats) = fuzz::generate(&gen, suite, &seeds_trace, target, args.seed)?;
        extra = json!({"rounds": stats.rounds, "mutants": stats.mutants});
        suite
    };
    bar.finish_and_clear();
    let time_s = start.elapsed().as_secs_f64();
    // The coverage the files give when measured again, as `vera test coverage` measures it.
    let trace = Trace::run(&net, &suite.tests)?;
    let (_, count) = measure(
        args.criterion,
        &args.options,
        &trace,
        &suite.pairs,
        profile.as_ref(),
    )?;
    let report = json!({
        "criterion": criterion_label(args.criterion),
        "method": method.label(),
        "covered": count.covered,
        "total": count.total,
        "adversarial": suite.adversarial.len(),
        "time_s": time_s,
        "tests": suite.tests.rows(),
        "seeds": seeds.rows(),
        "pairs": suite.pairs.len(),
        "stats": extra,
        "history": suite.history,
        "adversarial_tests": suite.adversarial,
    });
    write_out(&args.out, &suite, &report)?;
    println!(
        "{}: {} / {} covered ({:.2}%), {} tests ({} seeds), {} adversarial, {:.1} s -> {}",
        criterion_label(args.criterion),
        count.covered,
        count.total,
        100.0 * count.ratio(),
        suite.tests.rows(),
        seeds.rows(),
        suite.adversarial.len(),
        time_s,
        args.out.display()
    );
    Ok(())
}

/// Writes the suite into `out` through a sibling temporary directory renamed at the end, so
/// that a failure leaves nothing half-written.
fn write_out(out: &Path, suite: &Suite, report: &serde_json::Value) -> anyhow::Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("{}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".vera-generate")
        .tempdir_in(parent)
        .with_context(|| format!("a temporary directory in {}", parent.display()))?;
    let dir = tmp.path();
    let write = |name: &str, text: String| {
        std::fs::write(dir.join(name), text).with_context(|| format!("writing {name}"))
    };
    write("tests.csv", format_tests(&suite.tests))?;
    if !suite.pairs.is_empty() {
        let pairs: String = suite
            .pairs
            .iter()
            .map(|(a, b)| format!("{a},{b}\n"))
            .collect();
        write("pairs.csv", pairs)?;
    }
    write("report.json", serde_json::to_string_pretty(report)? + "\n")?;
    let adv = dir.join("adversarial");
    std::fs::create_dir(&adv)?;
    let side = crate::testing::image::square_side(suite.tests.cols());
    for (k, a) in suite.adversarial.iter().enumerate() {
        let row = suite.tests.row(a.test);
        let one = Batch::from_rows(row.len(), &[row.to_vec()]).context("an adversarial test")?;
        std::fs::write(adv.join(format!("{k}.csv")), format_tests(&one))?;
        if let Some(side) = side.filter(|s| *s == 28) {
            crate::testing::image::write_png(&adv.join(format!("{k}.png")), row, side, side)?;
        }
    }
    if out.exists() {
        std::fs::remove_dir(out).with_context(|| format!("{}", out.display()))?;
    }
    let kept = tmp.keep();
    std::fs::rename(&kept, out)
        .with_context(|| format!("moving the suite to {}", out.display()))?;
    Ok(())
}
