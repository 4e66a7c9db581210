//! Surprise adequacy (Kim et al., "Guiding Deep Learning System Testing using Surprise
//! Adequacy"): how unlike a profile set a test's last-hidden-layer activations are, by kernel
//! density (LSA) or by distance to class neighbours (DSA), and surprise coverage over buckets
//! of `(0, U]`.

use super::{Count, Criterion, Objective};
use crate::testing::batch::Batch;
use crate::testing::trace::Trace;

/// LSA drops the activation dimensions whose variance (over the profile points of some class
/// with two or more points, population variance) is below this, as Kim et al. do (their
/// `var_threshold`): a near-constant dimension makes the kernel's covariance singular.
pub const KDE_VARIANCE_THRESHOLD: f64 = 1e-5;

/// When a class's kernel covariance is not positive definite (fewer points than dimensions,
/// or collinear ones), this fraction of its mean diagonal is added to the diagonal, then 100
/// times more, up to three times, before the class is given up on.
const KDE_RIDGE: f64 = 1e-10;

/// Why a surprise model could not be fitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurpriseError {
    #[error("surprise adequacy needs a hidden layer; the network has none")]
    NoHiddenLayer,
    #[error("{labels} profile labels for {tests} profile tests")]
    LabelCount { labels: usize, tests: usize },
    #[error("the profile set has no tests")]
    EmptyProfile,
    #[error(
        "no dimension of the last hidden layer varies by {KDE_VARIANCE_THRESHOLD} or more \
         within the profile's classes; LSA's kernel density has nothing to work on"
    )]
    NoVaryingDimension,
}

/// A surprise adequacy: one number per test, larger for tests less like the profile set.
pub trait SurpriseAdequacy {
    /// Each test's surprise adequacy. Tests whose predicted class has no fitted profile
    /// (no, or too few, profile points of that class) get `+inf`.
    fn surprise(&self, trace: &Trace) -> Vec<f64>;
}

/// The activation traces that surprise adequacy reads: the last hidden layer's `v`.
fn activations(trace: &Trace) -> Result<&Batch, SurpriseError> {
    trace
        .hidden
        .last()
        .map(|l| &l.v)
        .ok_or(SurpriseError::NoHiddenLayer)
}

fn check_labels(profile: &Trace, labels: &[usize]) -> Result<(), SurpriseError> {
    if profile.tests() == 0 {
        return Err(SurpriseError::EmptyProfile);
    }
    if labels.len() != profile.tests() {
        return Err(SurpriseError::LabelCount {
            labels: labels.len(),
            tests: profile.tests(),
        });
    }
    Ok(())
}

/// LSA: `-log f_c(α(x))`, `f_c` a Gaussian kernel density estimate over the profile points of
/// class `c`, the class the network predicts for `x`, and `α` the last hidden layer's `v`
/// restricted to the dimensions that vary (see [`KDE_VARIANCE_THRESHOLD`]). The kernel's
/// covariance is the class's sample covariance (divisor `n - 1`) times Scott's factor squared,
/// `n^(-2/(d+4))`, as scipy's `gaussian_kde` computes it.
#[derive(Debug, Clone)]
pub struct LikelihoodSurprise {
    kept: Vec<usize>,
    classes: Vec<Option<ClassDensity>>,
}

/// One class's kernel density: its points whitened by the kernel covariance's Cholesky factor.
#[derive(Debug, Clone)]
struct ClassDensity {
    /// Lower-triangular `L` with `L Lᵀ` the kernel covariance, row-major `d × d`.
    cholesky: Vec<f64>,
    /// `L⁻¹ a` for every profile point `a` of the class.
    whitened: Vec<Vec<f64>>,
    /// `log n + (d/2) log 2π + log det L`.
    log_normaliser: f64,
}

impl LikelihoodSurprise {
    /// Fits the per-class densities to `profile`'s tests with class `labels[t]` for test `t`.
    pub fn fit(profile: &Trace, labels: &[usize]) -> Result<LikelihoodSurprise, SurpriseError> {
        check_labels(profile, labels)?;
        let ats = activations(profile)?;
        let classes = labels.iter().max().map_or(0, |m| m + 1);
        let members: Vec<Vec<usize>> = (0..classes)
            .map(|c| (0..labels.len()).filter(|t| labels[*t] == c).collect())
            .collect();
        let kept: Vec<usize> = (0..ats.cols())
            .filter(|&dim| {
                members.iter().filter(|m| m.len() >= 2).all(|m| {
                    let values: Vec<f64> = m.iter().map(|t| ats.get(*t, dim) as f64).collect();
                    let mean = values.iter().sum::<f64>() / values.len() as f64;
                    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
                        / values.len() as f64;
                    var >= KDE_VARIANCE_THRESHOLD
                })
            })
            .collect();
        if kept.is_empty() {
            return Err(SurpriseError::NoVaryingDimension);
        }
        let classes = members
            .iter()
            .map(|m| {
                let points: Vec<Vec<f64>> = m
                    .iter()
                    .map(|t| kept.iter().map(|d| ats.get(*t, *d) as f64).collect())
                    .collect();
                ClassDensity::fit(points)
            })
            .collect();
        Ok(LikelihoodSurprise { kept, classes })
    }

    /// The dimensions of the last hidden layer that the densities use.
    pub fn kept_dimensions(&self) -> &[usize] {
        &self.kept
    }
}

impl ClassDensity {
    fn fit(points: Vec<Vec<f64>>) -> Option<ClassDensity> {
        let n = points.len();
        if n < 2 {
            return None;
        }
        let d = points[0].len();
        let mean: Vec<f64> = (0..d)
            .map(|j| points.iter().map(|p| p[j]).sum::<f64>() / n as f64)
            .collect();
        let factor2 = (n as f64).powf(-2.0 / (d as f64 + 4.0));
        let mut cov = vec![0.0; d * d];
        for p in &points {
            for r in 0..d {
                let dr = p[r] - mean[r];
                for c in 0..=r {
                    cov[r * d + c] += dr * (p[c] - mean[c]);
                }
            }
        }
        for r in 0..d {
            for c in 0..=r {
                cov[r * d + c] *= factor2 / (n as f64 - 1.0);
                cov[c * d + r] = cov[r * d + c];
            }
        }
        let mean_diag = (0..d).map(|i| cov[i * d + i]).sum::<f64>() / d as f64;
        let cholesky = std::iter::once(0.0)
            .chain((0..3).map(|i| KDE_RIDGE * 100f64.powi(i) * mean_diag))
            .find_map(|ridge| {
                let mut m = cov.clone();
                for i in 0..d {
                    m[i * d + i] += ridge;
                }
                cholesky(&m, d)
            })?;
        let log_det: f64 = (0..d).map(|i| cholesky[i * d + i].ln()).sum();
        let whitened = points
            .iter()
            .map(|p| forward_solve(&cholesky, d, p))
            .collect();
        Some(ClassDensity {
            log_normaliser: (n as f64).ln()
                + 0.5 * d as f64 * (2.0 * std::f64::consts::PI).ln()
                + log_det,
            cholesky,
            whitened,
        })
    }

    fn log_density(&self, x: &[f64]) -> f64 {
        let d = x.len();
        let wx = forward_solve(&self.cholesky, d, x);
        let exponents: Vec<f64> = self
            .whitened
            .iter()
            .map(|a| {
                -0.5 * a
                    .iter()
                    .zip(&wx)
                    .map(|(p, q)| (p - q) * (p - q))
                    .sum::<f64>()
            })
            .collect();
        let top = exponents.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = exponents.iter().map(|e| (e - top).exp()).sum();
        top + sum.ln() - self.log_normaliser
    }
}

/// The Cholesky factor of a symmetric `d × d` matrix, `None` unless positive definite.
fn cholesky(m: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for r in 0..d {
        for c in 0..=r {
            let dot: f64 = (0..c).map(|k| l[r * d + k] * l[c * d + k]).sum();
            if r == c {
                let pivot = m[r * d + r] - dot;
                if pivot <= 0.0 || !pivot.is_finite() {
                    return None;
                }
                l[r * d + r] = pivot.sqrt();
            } else {
                l[r * d + c] = (m[r * d + c] - dot) / l[c * d + c];
            }
        }
    }
    Some(l)
}

/// `L⁻¹ x` for lower-triangular `L`.
fn forward_solve(l: &[f64], d: usize, x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; d];
    for r in 0..d {
        let dot: f64 = (0..r).map(|k| l[r * d + k] * y[k]).sum();
        y[r] = (x[r] - dot) / l[r * d + r];
    }
    y
}

impl SurpriseAdequacy for LikelihoodSurprise {
    fn surprise(&self, trace: &Trace) -> Vec<f64> {
        let Ok(ats) = activations(trace) else {
            return vec![f64::INFINITY; trace.tests()];
        };
        trace
            .predictions()
            .into_iter()
            .enumerate()
            .map(|(t, c)| match self.classes.get(c) {
                Some(Some(density)) => {
                    let x: Vec<f64> = self.kept.iter().map(|d| ats.get(t, *d) as f64).collect();
                    -density.log_density(&x)
                }
                _ => f64::INFINITY,
            })
            .collect()
    }
}

/// DSA: with `c` the class the network predicts for `x` and `α` the last hidden layer's `v`,
/// `x_a` the profile point of class `c` nearest to `α(x)` (Euclidean), `dist_a = |α(x) - x_a|`
/// and `dist_b` the distance from `x_a` to the nearest profile point of another class:
/// `DSA(x) = dist_a / dist_b` (`+inf` when `c` has no profile point or `dist_b = 0`; 0 when
/// the profile has a single class).
#[derive(Debug, Clone)]
pub struct DistanceSurprise {
    points: Batch,
    labels: Vec<usize>,
    /// Per profile point, the distance to the nearest profile point of another class.
    nearest_other: Vec<f64>,
}

fn distance(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (*p as f64 - *q as f64).powi(2))
        .sum::<f64>()
        .sqrt()
}

impl DistanceSurprise {
    /// Keeps `profile`'s activation traces with their `labels`.
    pub fn fit(profile: &Trace, labels: &[usize]) -> Result<DistanceSurprise, SurpriseError> {
        check_labels(profile, labels)?;
        let points = activations(profile)?.clone();
        let nearest_other = (0..points.rows())
            .map(|i| {
                (0..points.rows())
                    .filter(|j| labels[*j] != labels[i])
                    .map(|j| distance(points.row(i), points.row(j)))
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        Ok(DistanceSurprise {
            points,
            labels: labels.to_vec(),
            nearest_other,
        })
    }
}

impl SurpriseAdequacy for DistanceSurprise {
    fn surprise(&self, trace: &Trace) -> Vec<f64> {
        let Ok(ats) = activations(trace) else {
            return vec![f64::INFINITY; trace.tests()];
        };
        trace
            .predictions()
            .into_iter()
            .enumerate()
            .map(|(t, c)| {
                let nearest = (0..self.points.rows())
                    .filter(|i| self.labels[*i] == c)
                    .map(|i| (distance(ats.row(t), self.points.row(i)), i))
                    .min_by(|a, b| a.0.total_cmp(&b.0));
                match nearest {
                    Some((dist_a, i)) => {
                        let dsa = dist_a / self.nearest_other[i];
                        if dsa.is_nan() {
                            f64::INFINITY
                        } else {
                            dsa
                        }
                    }
                    None => f64::INFINITY,
                }
            })
            .collect()
    }
}

/// Surprise coverage: `(0, U]` cut into `N` equal buckets; a test with surprise adequacy `s`
/// in `(b·U/N, (b+1)·U/N]` covers bucket `b`. Values `<= 0` or `> U` cover nothing. Total: `N`.
#[derive(Debug, Clone)]
pub struct SurpriseCoverage<S> {
    name: &'static str,
    adequacy: S,
    upper: f64,
    buckets: Vec<bool>,
}

impl<S: SurpriseAdequacy> SurpriseCoverage<S> {
    /// Coverage of `buckets` buckets of `(0, upper]` (`buckets >= 1`; 0 is treated as 1), by
    /// `adequacy`; `name` is how it is reported (`lsc`, `dsc`).
    pub fn new(name: &'static str, adequacy: S, upper: f64, buckets: usize) -> Self {
        SurpriseCoverage {
            name,
            adequacy,
            upper,
            buckets: vec![false; buckets.max(1)],
        }
    }

    /// The surprise adequacy measured.
    pub fn adequacy(&self) -> &S {
        &self.adequacy
    }

    /// The bucket of surprise adequacy `s`, if any.
    pub fn bucket(&self, s: f64) -> Option<usize> {
        if !(s > 0.0 && s <= self.upper) {
            return None;
        }
        let n = self.buckets.len();
        let b = (s / self.upper * n as f64).ceil() as usize;
        Some(b.clamp(1, n) - 1)
    }
}

impl<S: SurpriseAdequacy> Criterion for SurpriseCoverage<S> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn update(&mut self, trace: &Trace) {
        for s in self.adequacy.surprise(trace) {
            if let Some(b) = self.bucket(s) {
                self.buckets[b] = true;
            }
        }
    }

    fn count(&self) -> Count {
        Count {
            covered: self.buckets.iter().filter(|b| **b).count(),
            total: self.buckets.len(),
        }
    }

    fn uncovered(&self) -> Vec<Objective> {
        (0..self.buckets.len())
            .filter(|b| !self.buckets[*b])
            .map(|bucket| Objective::Bucket { bucket })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::criteria::tests_support::trace_with_output;

    /// A one-neuron last layer: class 0 profile points v = 0, 2 (class 1: v = 10). A test at
    /// v = 3 predicted class 0: nearest class-0 point 2 (dist_a = 1), whose nearest class-1
    /// point is 10 (dist_b = 8): DSA = 1/8.
    #[test]
    fn dsa_by_hand() {
        let profile = trace_with_output(
            &[&[&[0.0], &[2.0], &[10.0]]],
            &[&[1.0, 0.0], &[1.0, 0.0], &[0.0, 1.0]],
        );
        let dsa = DistanceSurprise::fit(&profile, &[0, 0, 1]).unwrap();
        let tests = trace_with_output(&[&[&[3.0], &[3.0]]], &[&[1.0, 0.0], &[0.0, 5.0]]);
        let s = dsa.surprise(&tests);
        assert_eq!(s[0], 1.0 / 8.0);
        // Predicted class 1: nearest is 10 (dist 7), its nearest other-class point is 2 (8).
        assert_eq!(s[1], 7.0 / 8.0);
    }

    /// One dimension, class 0 points 0 and 2: sample variance 2, Scott's factor² 2^(-2/5),
    /// so the kernel variance is h² = 2·2^(-0.4); LSA at x = 1 is
    /// -log(mean of N(1; 0, h²), N(1; 2, h²)) = -log N(1; 0, h²).
    #[test]
    fn lsa_matches_the_closed_form() {
        let profile = trace_with_output(&[&[&[0.0], &[2.0]]], &[&[1.0], &[1.0]]);
        let lsa = LikelihoodSurprise::fit(&profile, &[0, 0]).unwrap();
        let tests = trace_with_output(&[&[&[1.0]]], &[&[1.0]]);
        let h2 = 2.0 * 2f64.powf(-0.4);
        let expected = 0.5 * (2.0 * std::f64::consts::PI * h2).ln() + 0.5 / h2;
        assert!((lsa.surprise(&tests)[0] - expected).abs() < 1e-12);
        // A constant dimension is dropped; with nothing left, fitting fails.
        let flat = trace_with_output(&[&[&[1.0], &[1.0]]], &[&[1.0], &[1.0]]);
        assert_eq!(
            LikelihoodSurprise::fit(&flat, &[0, 0]).unwrap_err(),
            SurpriseError::NoVaryingDimension
        );
    }

    struct Fixed(Vec<f64>);
    impl SurpriseAdequacy for Fixed {
        fn surprise(&self, _: &Trace) -> Vec<f64> {
            self.0.clone()
        }
    }

    /// U = 2, 4 buckets of width 0.5: 0 and 2.5 cover nothing, 0.5 bucket 0, 0.51 bucket 1,
    /// 2 bucket 3.
    #[test]
    fn buckets_are_left_open() {
        let sc = SurpriseCoverage::new("dsc", Fixed(vec![0.0, 2.5, 0.5, 0.51, 2.0]), 2.0, 4);
        let mut sc = sc;
        sc.update(&trace_with_output(&[], &[]));
        assert_eq!(
            sc.count(),
            Count {
                covered: 3,
                total: 4
            }
        );
        assert_eq!(sc.uncovered(), vec![Objective::Bucket { bucket: 2 }]);
    }
}
