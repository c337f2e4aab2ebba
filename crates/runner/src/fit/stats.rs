//! What a fit says: standard errors and 95 % intervals from the Jacobian, correlations, the
//! identifiability of the parameters, and the comparison of hypotheses by information
//! criteria.
//!
//! The residuals are weighted by each reading's standard deviation (noise and
//! quantisation), so chi^2 is -2 ln L up to a constant and the covariance of the fitted
//! coordinates is (J^T J)^-1, not rescaled by the residuals: the sensor model states the
//! noise.

use nalgebra::{DMatrix, SymmetricEigen};

use super::solve::HypothesisFit;
use super::Free;
use crate::units::{format_significant, Dimension};

/// The two-sided 95 % point of the normal distribution.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The information matrix is called near-singular when its smallest eigenvalue (in
/// relative coordinates, d/d ln x) is below this fraction of its largest...
pub const IDENT_RATIO: f64 = 1e-6;
/// ...or below 1: some combination of the parameters is then uncertain by more than a
/// factor e (one standard error of its logarithm exceeds 1).
pub const IDENT_ABS: f64 = 1.0;

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub path: String,
    pub dim: Dimension,
    /// SI.
    pub value: f64,
    /// Standard error (SI; for a log parameter, by the delta method: x se(ln x)).
    pub se: Option<f64>,
    /// 95 % interval (for a log parameter, exp(ln x +- 1.96 se(ln x))).
    pub lower95: Option<f64>,
    pub upper95: Option<f64>,
    pub log: bool,
    /// 95 % profile-likelihood interval (where chi^2, minimised over the other parameters,
    /// has risen by 3.84); `None` where it did not within the bounds, or was not asked for.
    pub profile_lower95: Option<f64>,
    pub profile_upper95: Option<f64>,
    /// The value sits on (within 1e-6 relative of) a bound.
    pub at_bound: bool,
}

/// What the information matrix says.
pub struct Information {
    pub estimates: Vec<Estimate>,
    pub correlation: Vec<Vec<Option<f64>>>,
    pub conditioning: f64,
    pub warning: Option<String>,
}

/// Standard errors, intervals, correlations and identifiability from the Jacobian `jac` of
/// the weighted residuals with respect to the fitted coordinates at `theta`.
pub fn information(jac: &DMatrix<f64>, free: &[Free], theta: &[f64]) -> Information {
    let p = free.len();
    let f = jac.transpose() * jac;
    // Relative coordinates: a linear parameter's column times |x| is d r / d ln x.
    let scale: Vec<f64> = free
        .iter()
        .zip(theta)
        .map(|(f, x)| if f.log || *x == 0.0 { 1.0 } else { x.abs() })
        .collect();
    let fs = DMatrix::from_fn(p, p, |i, j| f[(i, j)] * scale[i] * scale[j]);
    let cov = f.clone().cholesky().map(|c| c.inverse());
    let mut estimates = Vec::with_capacity(p);
    for (j, (fr, x)) in free.iter().zip(theta).enumerate() {
        let se_z = cov
            .as_ref()
            .map(|c| c[(j, j)].sqrt())
            .filter(|s| s.is_finite());
        let (se, lo, hi) = match se_z {
            Some(s) if fr.log => (
                Some(x * s),
                Some((x.ln() - Z95 * s).exp()),
                Some((x.ln() + Z95 * s).exp()),
            ),
            Some(s) => (Some(s), Some(x - Z95 * s), Some(x + Z95 * s)),
            None => (None, None, None),
        };
        let near = |b: f64| (x - b).abs() <= 1e-6 * x.abs().max(b.abs()).max(f64::MIN_POSITIVE);
        estimates.push(Estimate {
            path: fr.path.clone(),
            dim: fr.dim,
            value: *x,
            se,
            lower95: lo,
            upper95: hi,
            log: fr.log,
            profile_lower95: None,
            profile_upper95: None,
            at_bound: near(fr.lower) || near(fr.upper),
        });
    }
    let correlation = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| {
                    cov.as_ref()
                        .map(|c| c[(i, j)] / (c[(i, i)] * c[(j, j)]).sqrt())
                        .filter(|r| r.is_finite())
                })
                .collect()
        })
        .collect();
    let eig = SymmetricEigen::new(fs);
    let mut order: Vec<usize> = (0..p).collect();
    order.sort_by(|a, b| eig.eigenvalues[*a].total_cmp(&eig.eigenvalues[*b]));
    let lmax = order.last().map_or(0.0, |&i| eig.eigenvalues[i]);
    let lmin = order.first().map_or(0.0, |&i| eig.eigenvalues[i]);
    let conditioning = if lmax > 0.0 {
        lmin.max(0.0) / lmax
    } else {
        0.0
    };
    let names: Vec<&str> = free.iter().map(|f| f.path.as_str()).collect();
    let weak = |l: f64| l < IDENT_RATIO * lmax || l < IDENT_ABS;
    let warning = (p >= 2 && weak(lmin)).then(|| {
        let combo = |i: usize| {
            let v: Vec<f64> = eig.eigenvectors.column(i).iter().copied().collect();
            combination(&names, &v)
        };
        let (bad, good): (Vec<usize>, Vec<usize>) =
            order.iter().partition(|&&i| weak(eig.eigenvalues[i]));
        let good: Vec<String> = good.iter().rev().map(|&i| combo(i)).collect();
        let bad: Vec<String> = bad
            .iter()
            .map(|&i| {
                let l = eig.eigenvalues[i].max(0.0);
                let se = if l > 0.0 {
                    format!("one standard error of its logarithm is {}", format_significant(1.0 / l.sqrt(), 3))
                } else {
                    "the readings do not depend on it at all".to_string()
                };
                format!("{} ({se})", combo(i))
            })
            .collect();
        if good.is_empty() {
            format!("no combination of the free parameters is determined by these readings; the least uncertain is {}", bad.join("; "))
        } else {
            format!(
                "only {} {} determined by these readings; {} {} not",
                good.join(" and "),
                if good.len() == 1 { "is" } else { "are" },
                bad.join(" and "),
                if bad.len() == 1 { "is" } else { "are" },
            )
        }
    });
    Information {
        estimates,
        correlation,
        conditioning,
        warning,
    }
}

/// A combination of parameters as a product of powers, from a direction `v` in ln space:
/// `a/b` when the powers are +1 and -1, else `a^0.5·b^-1`.
pub fn combination(names: &[&str], v: &[f64]) -> String {
    let top = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if top == 0.0 {
        return "(none)".into();
    }
    // The sign that makes the largest power positive.
    let sign = v
        .iter()
        .find(|x| x.abs() == top)
        .map_or(1.0, |x| x.signum());
    let powers: Vec<(f64, &str)> = v
        .iter()
        .zip(names)
        .map(|(x, n)| ((sign * x / top * 100.0).round() / 100.0, *n))
        .filter(|(e, _)| e.abs() >= 0.05)
        .collect();
    let unit = powers.iter().all(|(e, _)| (e.abs() - 1.0).abs() < 0.05);
    if unit {
        let num: Vec<&str> = powers
            .iter()
            .filter(|(e, _)| *e > 0.0)
            .map(|p| p.1)
            .collect();
        let den: Vec<&str> = powers
            .iter()
            .filter(|(e, _)| *e < 0.0)
            .map(|p| p.1)
            .collect();
        let num = if num.is_empty() {
            "1".to_string()
        } else {
            num.join("·")
        };
        return match den.len() {
            0 => num,
            1 => format!("{num}/{}", den[0]),
            _ => format!("{num}/({})", den.join("·")),
        };
    }
    powers
        .iter()
        .map(|(e, n)| {
            if (e - 1.0).abs() < 0.005 {
                n.to_string()
            } else {
                format!("{n}^{}", format_significant(*e, 2))
            }
        })
        .collect::<Vec<_>>()
        .join("·")
}

/// One hypothesis's scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub name: String,
    /// Free parameters.
    pub k: usize,
    pub chi2: f64,
    /// -2 ln L + 2k, with ln L including the sensor's normalising constant.
    pub aic: f64,
    pub aicc: f64,
    pub bic: f64,
    /// AICc less the smallest AICc.
    pub delta: f64,
    /// Akaike weight (from AICc).
    pub weight: f64,
    /// BIC less the smallest BIC.
    pub bic_delta: f64,
    /// Schwarz weight (from BIC): the approximate posterior probability of the hypothesis
    /// among those fitted, with equal prior odds.
    pub bic_weight: f64,
}

impl Score {
    /// The weight under `criterion`.
    pub fn weight_by(&self, criterion: Criterion) -> f64 {
        match criterion {
            Criterion::Bic => self.bic_weight,
            Criterion::Aicc => self.weight,
        }
    }
}

/// The criterion whose weights decide the verdict (`criterion:` in a fit file).
///
/// BIC is the default because a diagnosis asks which mechanism produced the readings, one of
/// the hypotheses being taken as true: BIC is consistent (it picks the true hypothesis with
/// probability tending to one as readings accrue), whereas AICc aims at the best predictor
/// and keeps a fixed chance of preferring a law that contains the true one with a parameter
/// more (about 14 % for one extra parameter at 50 readings, against BIC's 5 %;
/// docs/diagnosis.md, "Which criterion decides").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
pub enum Criterion {
    #[default]
    #[serde(rename = "BIC")]
    Bic,
    #[serde(rename = "AICc")]
    Aicc,
}

impl Criterion {
    /// As written in fit files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Criterion::Bic => "BIC",
            Criterion::Aicc => "AICc",
        }
    }

    /// What its weight is called.
    pub fn weight_name(self) -> &'static str {
        match self {
            Criterion::Bic => "BIC weight",
            Criterion::Aicc => "Akaike weight",
        }
    }
}

/// The hypotheses compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The hypotheses that were fitted, in file order.
    pub scores: Vec<Score>,
    /// The criterion whose weights decide the verdict.
    pub criterion: Criterion,
    /// In plain words.
    pub verdict: String,
}

/// The weight above which the data are said to favour one hypothesis.
pub const FAVOUR: f64 = 0.9;

/// Score and compare the fitted hypotheses; `log_sigma` is sum over readings of
/// ln(sigma sqrt(2 pi)).
pub fn compare(
    fits: &[HypothesisFit],
    n: usize,
    log_sigma: f64,
    criterion: Criterion,
) -> Comparison {
    let mut scores: Vec<Score> = fits
        .iter()
        .filter(|h| h.error.is_none())
        .map(|h| {
            let k = h.estimates.len();
            let m2ll = h.chi2 + 2.0 * log_sigma;
            let aic = m2ll + 2.0 * k as f64;
            let aicc = if n > k + 1 {
                aic + 2.0 * (k * (k + 1)) as f64 / (n - k - 1) as f64
            } else {
                f64::INFINITY
            };
            Score {
                name: h.name.clone(),
                k,
                chi2: h.chi2,
                aic,
                aicc,
                bic: m2ll + k as f64 * (n as f64).ln(),
                delta: 0.0,
                weight: 0.0,
                bic_delta: 0.0,
                bic_weight: 0.0,
            }
        })
        .collect();
    let use_aicc = scores.iter().any(|s| s.aicc.is_finite());
    let crit = |s: &Score| if use_aicc { s.aicc } else { s.aic };
    let best = scores.iter().map(crit).fold(f64::INFINITY, f64::min);
    let total: f64 = scores.iter().map(|s| (-(crit(s) - best) / 2.0).exp()).sum();
    let best_bic = scores.iter().map(|s| s.bic).fold(f64::INFINITY, f64::min);
    let total_bic: f64 = scores
        .iter()
        .map(|s| (-(s.bic - best_bic) / 2.0).exp())
        .sum();
    for s in &mut scores {
        s.delta = crit(s) - best;
        s.weight = (-s.delta / 2.0).exp() / total;
        s.bic_delta = s.bic - best_bic;
        s.bic_weight = (-s.bic_delta / 2.0).exp() / total_bic;
    }
    let verdict = verdict(&scores, fits, n, criterion);
    Comparison {
        scores,
        criterion,
        verdict,
    }
}

fn verdict(scores: &[Score], fits: &[HypothesisFit], n: usize, criterion: Criterion) -> String {
    let failed: Vec<&str> = fits
        .iter()
        .filter(|h| h.error.is_some())
        .map(|h| h.name.as_str())
        .collect();
    let tail = if failed.is_empty() {
        String::new()
    } else {
        format!(" ({} could not be fitted)", failed.join(", "))
    };
    let mut ranked: Vec<&Score> = scores.iter().collect();
    let weight = |s: &Score| s.weight_by(criterion);
    ranked.sort_by(|a, b| weight(b).total_cmp(&weight(a)));
    let Some(top) = ranked.first() else {
        return format!("no hypothesis could be fitted{tail}");
    };
    let dof = n.saturating_sub(top.k);
    let fit_note = if dof > 0 && top.chi2 / dof as f64 > 2.0 {
        format!(
            "; but even {} leaves chi^2/dof = {}: no hypothesis explains the readings to within the sensor's stated noise",
            top.name,
            format_significant(top.chi2 / dof as f64, 3)
        )
    } else {
        String::new()
    };
    let w = |s: &Score| format!("{:.2}", weight(s));
    let body = if ranked.len() == 1 {
        format!("one hypothesis, {}: nothing to compare it with", top.name)
    } else if weight(top) >= FAVOUR {
        let others: Vec<&str> = ranked[1..].iter().map(|s| s.name.as_str()).collect();
        format!(
            "the data favour {} over {}, {} {}",
            top.name,
            others.join(" and "),
            criterion.weight_name(),
            w(top)
        )
    } else {
        let close: Vec<&Score> = ranked
            .iter()
            .copied()
            .filter(|s| weight(s) >= 0.05)
            .collect();
        let names: Vec<&str> = close.iter().map(|s| s.name.as_str()).collect();
        let weights: Vec<String> = close.iter().map(|s| w(s)).collect();
        let (last, rest) = names.split_last().map_or(("", &[][..]), |(l, r)| (*l, r));
        format!(
            "these readings cannot tell {} from {} ({} weights {})",
            rest.join(", "),
            last,
            criterion.name(),
            weights.join(", ")
        )
    };
    format!("{body}{fit_note}{tail}")
}
