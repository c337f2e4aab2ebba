//! The fit of each hypothesis: weighted least squares by Levenberg-Marquardt (the
//! `levenberg-marquardt` crate), from several deterministic starts, in log space for log
//! parameters, bounds kept by clamping.
//!
//! Gradients are finite differences of whole runs: forward (one run per parameter) while
//! searching, central (two per parameter) for the uncertainty at the best fit. The
//! integrator's forward sensitivities are not exposed through the runner's event handling
//! and schedules, and a fit of a few parameters needs few Jacobians; the runs are made with
//! tolerances far below the difference step ([`super::model::FIT_RTOL`]) so the differences
//! are smooth.

use std::sync::atomic::Ordering;

use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt};
use nalgebra::{DMatrix, DVector, Dyn, Owned};
use rand::SeedableRng;
use rayon::prelude::*;

use super::model::Model;
use super::stats::{self, Comparison, Estimate};
use super::{Fit, Hypothesis};
use crate::sample::open_unit;

/// How the fit searches.
#[derive(Debug, Clone)]
pub struct FitOptions {
    pub seed: u64,
    /// Latin-hypercube starts besides the guess.
    pub starts: usize,
    /// Profile-likelihood intervals (a search per parameter and side).
    pub profile: bool,
}

impl FitOptions {
    pub fn of(fit: &Fit) -> FitOptions {
        FitOptions {
            seed: fit.seed,
            starts: fit.starts,
            profile: fit.profile,
        }
    }
}

/// Where one start went.
#[derive(Debug, Clone, PartialEq)]
pub struct StartOutcome {
    /// SI values it started from.
    pub from: Vec<f64>,
    /// SI values it ended at, and chi^2 there; or why it failed.
    pub end: Result<(Vec<f64>, f64), String>,
    pub evaluations: usize,
    /// Started from a profile point that undercut the best fit ([`fit_one`]).
    pub from_profile: bool,
}

/// One hypothesis fitted.
#[derive(Debug, Clone)]
pub struct HypothesisFit {
    pub name: String,
    pub description: Option<String>,
    pub variant: Option<String>,
    /// Why no start converged to a usable point, if none did.
    pub error: Option<String>,
    pub estimates: Vec<Estimate>,
    /// Best SI values.
    pub theta: Vec<f64>,
    pub chi2: f64,
    /// Root-mean-square residual per readings file (SI).
    pub rms: Vec<f64>,
    /// The model's values at each readings file's times (SI, bias included).
    pub fitted: Vec<Vec<f64>>,
    /// Correlation matrix of the parameters (`None` where not determined).
    pub correlation: Vec<Vec<Option<f64>>>,
    /// Smallest over largest eigenvalue of the information matrix in relative coordinates.
    pub conditioning: f64,
    /// The identifiability warning, when the information matrix is near-singular.
    pub identifiability: Option<String>,
    pub starts: Vec<StartOutcome>,
    pub runs: usize,
    /// The profile-likelihood curve of each free parameter, in order (empty when the fit's
    /// `profile` option is off or the hypothesis was not fitted).
    pub profiles: Vec<Profile>,
}

/// How a point of a profile curve was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKind {
    /// The best fit itself (delta chi^2 = 0).
    Best,
    /// Evaluated by the interval search (bracketing and regula falsi).
    Search,
    /// Evaluated for the curve alone, where the search left it sparse.
    Grid,
}

impl ProfileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Best => "best",
            ProfileKind::Search => "search",
            ProfileKind::Grid => "grid",
        }
    }
}

/// One point of a profile-likelihood curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfilePoint {
    /// The parameter's value (SI).
    pub value: f64,
    /// chi^2 minimised over the other parameters with this one held, less the best chi^2.
    pub delta_chi2: f64,
    pub kind: ProfileKind,
}

/// The profile-likelihood curve of one parameter: its points sorted by value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    pub points: Vec<ProfilePoint>,
}

/// All hypotheses fitted and compared.
#[derive(Debug, Clone)]
pub struct FitResult {
    pub hypotheses: Vec<HypothesisFit>,
    pub comparison: Comparison,
    /// Readings used (all files).
    pub n: usize,
    pub runs: usize,
    /// The fit file's predictions, once made ([`super::predict::predict_all`]).
    pub predictions: Option<super::predict::Predictions>,
}

/// The least-squares problem of one hypothesis in the fitted coordinates z (ln x for log
/// parameters, x otherwise).
struct Problem<'m> {
    model: &'m Model<'m>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    log: Vec<bool>,
    /// Readings less the sensor bias, all files in order.
    data: Vec<f64>,
    sigma: Vec<f64>,
    bias: Vec<f64>,
    z: DVector<f64>,
    residuals: Option<DVector<f64>>,
}

impl<'m> Problem<'m> {
    fn new(model: &'m Model<'m>) -> Problem<'m> {
        let h = model.hyp;
        let log: Vec<bool> = h.free.iter().map(|f| f.log).collect();
        let to_z = |x: f64, l: bool| if l { x.ln() } else { x };
        let mut data = Vec::new();
        let mut sigma = Vec::new();
        let mut bias = Vec::new();
        for r in &model.fit.readings {
            let s = r.sigma();
            for v in &r.values {
                data.push(v - r.sensor.bias);
                sigma.push(s);
                bias.push(r.sensor.bias);
            }
        }
        Problem {
            model,
            lo: h.free.iter().map(|f| to_z(f.lower, f.log)).collect(),
            hi: h.free.iter().map(|f| to_z(f.upper, f.log)).collect(),
            log,
            data,
            sigma,
            bias,
            z: DVector::zeros(h.free.len()),
            residuals: None,
        }
    }

    fn theta(&self, z: &[f64]) -> Vec<f64> {
        z.iter()
            .zip(&self.log)
            .map(|(z, l)| if *l { z.exp() } else { *z })
            .collect()
    }

    fn clamp(&self, z: &DVector<f64>) -> DVector<f64> {
        DVector::from_iterator(
            z.len(),
            z.iter().enumerate().map(|(j, v)| {
                if v.is_nan() {
                    self.lo[j]
                } else {
                    v.clamp(self.lo[j], self.hi[j])
                }
            }),
        )
    }

    /// Weighted residuals (model - reading) / sigma at z.
    fn weighted(&self, z: &[f64]) -> Result<DVector<f64>, String> {
        let pred = self.model.predict(&self.theta(z))?;
        let flat: Vec<f64> = pred.into_iter().flatten().collect();
        Ok(DVector::from_iterator(
            flat.len(),
            flat.iter()
                .zip(&self.data)
                .zip(&self.sigma)
                .map(|((m, d), s)| (m - d) / s),
        ))
    }

    /// The step of parameter `j` at `z` for a difference of relative size `rel`.
    fn step(&self, z: &[f64], j: usize, rel: f64) -> f64 {
        if self.log[j] {
            rel
        } else {
            rel * z[j].abs().max((self.hi[j] - self.lo[j]) * 1e-3)
        }
    }

    /// Central differences of the weighted residuals (step 1e-4), one column per
    /// parameter, the runs in parallel (one-sided at a bound): the Jacobian of the
    /// uncertainty, accurate to about 1e-6 relative.
    fn jacobian_at(&self, z: &[f64]) -> Result<DMatrix<f64>, String> {
        let cols: Vec<Result<DVector<f64>, String>> = (0..z.len())
            .into_par_iter()
            .map(|j| {
                let h = self.step(z, j, 1e-4);
                let (mut zp, mut zm) = (z.to_vec(), z.to_vec());
                zp[j] = (z[j] + h).min(self.hi[j]);
                zm[j] = (z[j] - h).max(self.lo[j]);
                let (rp, rm) = (self.weighted(&zp)?, self.weighted(&zm)?);
                Ok((rp - rm) / (zp[j] - zm[j]))
            })
            .collect();
        let cols = cols.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(DMatrix::from_columns(&cols))
    }

    /// Forward differences (step 1e-6, one run per parameter) from the residuals `r0` at
    /// `z`: the Jacobian of the search, which needs a direction, not an accurate one.
    fn forward_jacobian(&self, z: &[f64], r0: &DVector<f64>) -> Result<DMatrix<f64>, String> {
        let cols: Vec<Result<DVector<f64>, String>> = (0..z.len())
            .into_par_iter()
            .map(|j| {
                let h = self.step(z, j, 1e-6);
                let mut zp = z.to_vec();
                zp[j] = z[j] + h;
                if zp[j] > self.hi[j] {
                    zp[j] = z[j] - h;
                }
                let rp = self.weighted(&zp)?;
                Ok((rp - r0) / (zp[j] - z[j]))
            })
            .collect();
        let cols = cols.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(DMatrix::from_columns(&cols))
    }
}

impl LeastSquaresProblem<f64, Dyn, Dyn> for Problem<'_> {
    type ResidualStorage = Owned<f64, Dyn>;
    type JacobianStorage = Owned<f64, Dyn, Dyn>;
    type ParameterStorage = Owned<f64, Dyn>;

    fn set_params(&mut self, z: &DVector<f64>) {
        self.z = self.clamp(z);
        self.residuals = self.weighted(self.z.as_slice()).ok();
    }

    fn params(&self) -> DVector<f64> {
        self.z.clone()
    }

    fn residuals(&self) -> Option<DVector<f64>> {
        self.residuals.clone()
    }

    fn jacobian(&self) -> Option<DMatrix<f64>> {
        let r0 = self.residuals.as_ref()?;
        self.forward_jacobian(self.z.as_slice(), r0).ok()
    }
}

/// The starting points of a hypothesis in z: the guess, then `n` Latin-hypercube points
/// within the bounds (uniform in z), drawn from `seed` and the hypothesis's index.
fn starts(p: &Problem<'_>, h: &Hypothesis, seed: u64, index: usize, n: usize) -> Vec<Vec<f64>> {
    let guess: Vec<f64> = h
        .free
        .iter()
        .map(|f| if f.log { f.guess.ln() } else { f.guess })
        .collect();
    let mut out = vec![guess];
    if n == 0 {
        return out;
    }
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    let dims = h.free.len();
    let mut strata: Vec<Vec<usize>> = Vec::with_capacity(dims);
    for _ in 0..dims {
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = ((open_unit(&mut rng) * (i + 1) as f64) as usize).min(i);
            perm.swap(i, j);
        }
        strata.push(perm);
    }
    for k in 0..n {
        out.push(
            (0..dims)
                .map(|j| {
                    let u = (strata[j][k] as f64 + open_unit(&mut rng)) / n as f64;
                    p.lo[j] + u.min(1.0) * (p.hi[j] - p.lo[j])
                })
                .collect(),
        );
    }
    out
}

/// The Levenberg-Marquardt settings of a whole fit from one start.
fn full_lm() -> LevenbergMarquardt<f64> {
    LevenbergMarquardt::new()
        .with_ftol(1e-14)
        .with_xtol(1e-12)
        .with_gtol(1e-12)
        .with_patience(40)
}

/// A fit from the start `z0` (fitted coordinates): where it went, its end point when usable,
/// and its chi^2.
fn run_start(model: &Model<'_>, z0: Vec<f64>) -> (StartOutcome, Option<DVector<f64>>, f64) {
    let mut p = Problem::new(model);
    let from = p.theta(&z0);
    p.set_params(&DVector::from_vec(z0));
    if p.residuals.is_none() {
        let why = p
            .weighted(p.z.as_slice())
            .err()
            .unwrap_or_else(|| "the run failed".into());
        let o = StartOutcome {
            from,
            end: Err(why),
            evaluations: 1,
            from_profile: false,
        };
        return (o, None, f64::INFINITY);
    }
    let (p, report) = full_lm().minimize(p);
    let chi2 = p
        .residuals
        .as_ref()
        .map_or(f64::INFINITY, |r| r.norm_squared());
    let ok = chi2.is_finite() && !report.termination.was_usage_issue();
    let end = if ok {
        Ok((p.theta(p.z.as_slice()), chi2))
    } else {
        Err(format!("{:?}", report.termination))
    };
    let o = StartOutcome {
        from,
        end,
        evaluations: report.number_of_evaluations,
        from_profile: false,
    };
    (o, ok.then(|| p.z.clone()), chi2)
}

/// A profile point this far below the best fit's chi^2 means the fit missed its minimum:
/// the held fits converge to about 1e-10 of chi^2, and a true minimum is never undercut.
pub const PROFILE_BELOW: f64 = 1e-3;

/// At most this many refits from a profile point that undercuts the best fit.
pub const MAX_REFITS: usize = 3;

/// Fit one hypothesis (the `index`-th of the fit file).
///
/// The lowest chi^2 over the starts wins. Where a profile then finds, with one parameter
/// held, a chi^2 lower than the best fit's by more than [`PROFILE_BELOW`] (a start stuck
/// against a bound, or in a local minimum), the fit is started again from that point,
/// recorded as one more start, and the estimates and profiles are made again from the
/// better minimum, up to [`MAX_REFITS`] times.
pub fn fit_one(fit: &Fit, index: usize, opts: &FitOptions) -> HypothesisFit {
    let h = &fit.hypotheses[index];
    let model = Model::new(fit, h);
    let base = Problem::new(&model);
    let outcomes: Vec<(StartOutcome, Option<DVector<f64>>, f64)> =
        starts(&base, h, opts.seed, index, opts.starts)
            .into_par_iter()
            .map(|z0| run_start(&model, z0))
            .collect();
    // The lowest chi^2; ties go to the earlier start (deterministic on any thread count).
    let best = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.1.is_some())
        .min_by(|a, b| a.1 .2.total_cmp(&b.1 .2).then(a.0.cmp(&b.0)))
        .map(|(i, _)| i);
    let starts_out: Vec<StartOutcome> = outcomes.iter().map(|o| o.0.clone()).collect();
    let mut out = HypothesisFit {
        name: h.name.clone(),
        description: h.description.clone(),
        variant: h.variant.clone(),
        error: None,
        estimates: Vec::new(),
        theta: Vec::new(),
        chi2: f64::INFINITY,
        rms: Vec::new(),
        fitted: Vec::new(),
        correlation: Vec::new(),
        conditioning: f64::NAN,
        identifiability: None,
        starts: starts_out,
        runs: 0,
        profiles: Vec::new(),
    };
    let finish = |mut out: HypothesisFit| {
        out.runs = model.runs.load(Ordering::Relaxed);
        out
    };
    let Some(best) = best else {
        let why: Vec<String> = outcomes
            .iter()
            .filter_map(|o| o.0.end.as_ref().err().cloned())
            .collect();
        out.error = Some(format!("no start converged: {}", why.join("; ")));
        return finish(out);
    };
    let mut z = outcomes[best].1.clone().unwrap_or_default();
    for refit in 0..=MAX_REFITS {
        let lower = match describe(fit, &model, &base, z.as_slice(), opts, &mut out) {
            Ok(lower) => lower,
            Err(e) => {
                out.error = Some(format!("the run at the best point failed: {e}"));
                return finish(out);
            }
        };
        let Some(at) = lower.filter(|_| refit < MAX_REFITS) else {
            break;
        };
        let (mut o, end, chi2) = run_start(&model, at);
        o.from_profile = true;
        out.starts.push(o);
        match end {
            Some(better) if chi2 < out.chi2 => z = better,
            _ => break,
        }
    }
    finish(out)
}

/// Fill `out` with the fit at `z`: chi^2, RMS, fitted values, estimates, correlations and
/// (where asked) profiles. Returns the point of a profile that undercuts chi^2 by more than
/// [`PROFILE_BELOW`], if one did.
fn describe(
    fit: &Fit,
    model: &Model<'_>,
    base: &Problem<'_>,
    z: &[f64],
    opts: &FitOptions,
    out: &mut HypothesisFit,
) -> Result<Option<Vec<f64>>, String> {
    let h = &model.hyp;
    let theta = base.theta(z);
    let pred = model.predict(&theta)?;
    let jac = base.jacobian_at(z)?;
    let flat: Vec<f64> = pred.iter().flatten().copied().collect();
    out.chi2 = flat
        .iter()
        .zip(&base.data)
        .zip(&base.sigma)
        .map(|((m, d), s)| ((m - d) / s).powi(2))
        .sum();
    out.rms.clear();
    out.fitted.clear();
    out.profiles.clear();
    let mut k = 0;
    for (r, p) in fit.readings.iter().zip(&pred) {
        let n = p.len();
        let ss: f64 = (0..n)
            .map(|i| (p[i] + base.bias[k + i] - r.values[i]).powi(2))
            .sum();
        out.rms.push((ss / n as f64).sqrt());
        out.fitted
            .push(p.iter().map(|m| m + r.sensor.bias).collect());
        k += n;
    }
    let info = stats::information(&jac, &h.free, &theta);
    out.estimates = info.estimates;
    let mut lower: Option<Undercut> = None;
    if opts.profile {
        let chi2 = out.chi2;
        let bounds: Vec<_> = (0..h.free.len())
            .into_par_iter()
            .map(|j| profile(model, z, chi2, j, &out.estimates[j]))
            .collect();
        for (e, (lo, hi, curve, low)) in out.estimates.iter_mut().zip(bounds) {
            e.profile_lower95 = lo;
            e.profile_upper95 = hi;
            out.profiles.push(curve);
            // The lowest undercut over all profiles; ties to the earlier parameter.
            if let Some((d, at)) = low.filter(|(d, _)| *d < -PROFILE_BELOW) {
                if lower.as_ref().is_none_or(|(l, _)| d < *l) {
                    lower = Some((d, at));
                }
            }
        }
    }
    out.correlation = info.correlation;
    out.conditioning = info.conditioning;
    out.identifiability = info.warning;
    out.theta = theta;
    Ok(lower.map(|(_, at)| at))
}

/// Fit every hypothesis (in parallel) and compare them.
pub fn fit_all(fit: &Fit, opts: &FitOptions) -> FitResult {
    let hypotheses: Vec<HypothesisFit> = (0..fit.hypotheses.len())
        .into_par_iter()
        .map(|i| fit_one(fit, i, opts))
        .collect();
    let n: usize = fit.readings.iter().map(|r| r.values.len()).sum();
    let log_sigma: f64 = fit
        .readings
        .iter()
        .map(|r| r.values.len() as f64 * (r.sigma() * (2.0 * std::f64::consts::PI).sqrt()).ln())
        .sum();
    let comparison = stats::compare(&hypotheses, n, log_sigma, fit.criterion);
    let runs = hypotheses.iter().map(|h| h.runs).sum();
    FitResult {
        hypotheses,
        comparison,
        n,
        runs,
        predictions: None,
    }
}

// ------------------------------------------------------------------------------------------
// Profile likelihood

/// chi^2 rises by this much at the edge of a 95 % profile interval (the 95 % point of
/// chi^2 with one degree of freedom).
pub const PROFILE_DELTA: f64 = 3.841_458_820_694_124;

/// A problem with parameter `j` held at `zj`: the others are fitted.
struct Held<'m> {
    inner: Problem<'m>,
    j: usize,
    zj: f64,
}

impl Held<'_> {
    fn full(&self, reduced: &[f64]) -> DVector<f64> {
        let mut z: Vec<f64> = reduced.to_vec();
        z.insert(self.j, self.zj);
        DVector::from_vec(z)
    }
}

impl LeastSquaresProblem<f64, Dyn, Dyn> for Held<'_> {
    type ResidualStorage = Owned<f64, Dyn>;
    type JacobianStorage = Owned<f64, Dyn, Dyn>;
    type ParameterStorage = Owned<f64, Dyn>;

    fn set_params(&mut self, x: &DVector<f64>) {
        let z = self.full(x.as_slice());
        self.inner.set_params(&z);
    }

    fn params(&self) -> DVector<f64> {
        self.inner.z.clone().remove_row(self.j)
    }

    fn residuals(&self) -> Option<DVector<f64>> {
        self.inner.residuals()
    }

    fn jacobian(&self) -> Option<DMatrix<f64>> {
        self.inner.jacobian().map(|m| m.remove_column(self.j))
    }
}

/// chi^2 minimised over the other parameters with parameter `j` held at `zj`, from `z`;
/// with the point (z) where it is.
fn profile_chi2(model: &Model<'_>, z: &[f64], j: usize, zj: f64) -> Option<(f64, Vec<f64>)> {
    let mut held = Held {
        inner: Problem::new(model),
        j,
        zj,
    };
    let mut start = z.to_vec();
    start[j] = zj;
    held.inner.set_params(&DVector::from_vec(start));
    if z.len() > 1 {
        let reduced = held.params();
        held.set_params(&reduced);
        let lm = LevenbergMarquardt::new()
            .with_ftol(1e-10)
            .with_xtol(1e-8)
            .with_patience(20);
        held = lm.minimize(held).0;
    }
    let chi2 = held.inner.residuals.as_ref().map(|r| r.norm_squared())?;
    Some((chi2, held.inner.z.as_slice().to_vec()))
}

/// One evaluation of a profile on one side of the best fit: the distance `d` from it in the
/// fitted coordinate, delta chi^2 there, the point the held fit ended at, and whether it was
/// made for the curve alone.
pub(super) struct Eval {
    pub(super) d: f64,
    pub(super) delta: f64,
    pub(super) at: Vec<f64>,
    pub(super) grid: bool,
}

/// The lowest point a profile reached below the best fit: delta chi^2 and the held fit's
/// end point (fitted coordinates).
type Undercut = (f64, Vec<f64>);

/// The 95 % profile-likelihood interval of parameter `j` (SI), and its curve; a side is
/// `None` when chi^2 does not rise by [`PROFILE_DELTA`] before the bound, or a run fails.
/// The curve is every point the search evaluated, the best fit, and the few [`fill`] adds;
/// the last item is the lowest point below the best fit, where one was found.
fn profile(
    model: &Model<'_>,
    z: &[f64],
    chi2: f64,
    j: usize,
    est: &Estimate,
) -> (Option<f64>, Option<f64>, Profile, Option<Undercut>) {
    let p = Problem::new(model);
    let se_z = est
        .se
        .map(|s| if est.log { s / est.value } else { s })
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(0.1);
    let held = |sign: f64, d: f64, from: &[f64]| {
        profile_chi2(model, from, j, z[j] + sign * d).map(|(c, at)| (c - chi2, at))
    };
    let room = |sign: f64| {
        let limit = if sign > 0.0 { p.hi[j] } else { p.lo[j] };
        (limit - z[j]).abs()
    };
    let side = |sign: f64, seen: &mut Vec<Eval>| -> Option<f64> {
        let mut f = |d: f64| {
            let (delta, at) = held(sign, d, z)?;
            seen.push(Eval {
                d,
                delta,
                at,
                grid: false,
            });
            Some(delta - PROFILE_DELTA)
        };
        // Bracket: widen from the Jacobian's interval until chi^2 has risen enough.
        let room = room(sign);
        let (mut a, mut fa) = (0.0, -PROFILE_DELTA);
        let mut b = (Z95_STEP * se_z).min(room);
        let mut fb = f(b)?;
        while fb < 0.0 {
            if b >= room {
                return None;
            }
            (a, fa) = (b, fb);
            b = (b * 2.0).min(room);
            fb = f(b)?;
        }
        // Regula falsi (Illinois) to 1e-4 of the interval's width.
        let mut keep = 0;
        for _ in 0..30 {
            if (b - a).abs() <= 1e-4 * b.abs().max(1e-12) {
                break;
            }
            let c = b - fb * (b - a) / (fb - fa);
            let fc = f(c)?;
            if fc == 0.0 {
                return Some(c);
            }
            if (fc > 0.0) == (fb > 0.0) {
                (b, fb) = (c, fc);
                keep += 1;
                if keep >= 2 {
                    fa /= 2.0;
                }
            } else {
                (a, fa) = (b, fb);
                (b, fb) = (c, fc);
                keep = 0;
            }
        }
        Some(if fa.abs() < fb.abs() { a } else { b })
    };
    let to_x = |zj: f64| if est.log { zj.exp() } else { zj };
    let mut points = vec![ProfilePoint {
        value: est.value,
        delta_chi2: 0.0,
        kind: ProfileKind::Best,
    }];
    let mut ends = [None, None];
    let mut lowest: Option<Undercut> = None;
    for (end, sign) in ends.iter_mut().zip([-1.0, 1.0]) {
        let mut seen = Vec::new();
        *end = side(sign, &mut seen);
        fill(&mut seen, *end, room(sign), z, |d, from| {
            held(sign, d, from)
        });
        for e in seen.iter().filter(|e| e.delta.is_finite()) {
            if lowest.as_ref().map_or(e.delta < 0.0, |(l, _)| e.delta < *l) {
                lowest = Some((e.delta, e.at.clone()));
            }
        }
        points.extend(
            seen.iter()
                .filter(|e| e.d > 0.0 && e.delta.is_finite())
                .map(|e| ProfilePoint {
                    value: to_x(z[j] + sign * e.d),
                    delta_chi2: e.delta,
                    kind: if e.grid {
                        ProfileKind::Grid
                    } else {
                        ProfileKind::Search
                    },
                }),
        );
        *end = end.map(|d| to_x(z[j] + sign * d));
    }
    // Stable: the best fit stays first among equal values, and is the one kept.
    points.sort_by(|a, b| a.value.total_cmp(&b.value));
    points.dedup_by(|b, a| a.value == b.value);
    (ends[0], ends[1], Profile { points }, lowest)
}

/// The curve is drawn to this rise of chi^2 beyond each end of the interval (or to the
/// bound), so a plot shows it crossing [`PROFILE_DELTA`].
pub const PROFILE_SPAN: f64 = 6.0;

/// The points a profile's curve needs on one side besides those the search evaluated
/// (`seen`): one halfway to the interval's `end` (or to the farthest point, where it did
/// not close) when the search left none between a third and two thirds of the way, and one
/// out to [`PROFILE_SPAN`] on a parabola when the search did not rise halfway from 3.84 to
/// it, within `room` of the bound. Each held fit starts from the nearest one already made
/// (the best fit `z` at distance 0), so it converges in few runs.
pub(super) fn fill(
    seen: &mut Vec<Eval>,
    end: Option<f64>,
    room: f64,
    z: &[f64],
    held: impl Fn(f64, &[f64]) -> Option<(f64, Vec<f64>)>,
) {
    let Some(reach) = end.or_else(|| seen.iter().map(|e| e.d).reduce(f64::max)) else {
        return;
    };
    if reach <= 0.0 {
        return;
    }
    let mut want = Vec::new();
    if !seen
        .iter()
        .any(|e| e.d >= reach / 3.0 && e.d <= 2.0 * reach / 3.0)
    {
        want.push(reach / 2.0);
    }
    let top = seen
        .iter()
        .map(|e| e.delta)
        .fold(f64::NEG_INFINITY, f64::max);
    if end.is_some() && top < (PROFILE_DELTA + PROFILE_SPAN) / 2.0 && room > reach {
        want.push((reach * (PROFILE_SPAN / PROFILE_DELTA).sqrt()).min(room));
    }
    for d in want {
        let from = seen
            .iter()
            .filter(|e| (e.d - d).abs() < d)
            .min_by(|a, b| (a.d - d).abs().total_cmp(&(b.d - d).abs()))
            .map_or(z.to_vec(), |e| e.at.clone());
        if let Some((delta, at)) = held(d, &from) {
            seen.push(Eval {
                d,
                delta,
                at,
                grid: true,
            });
        }
    }
}

/// The first trial step of the profile search, in standard errors of the fitted coordinate.
const Z95_STEP: f64 = stats::Z95;
