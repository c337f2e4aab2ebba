//! Predictions with uncertainty (issue 9 point 4): each fitted hypothesis projected forward
//! from its best fit, and an ensemble drawn from its fitted parameter distribution, each
//! member run to the horizon and measured with the sweep's metrics (time to a threshold,
//! loss to a boundary per day, first flow reversal, ...).
//!
//! ```ron
//! predict: (
//!     horizon: "60 day",     // projected this far past the last reading
//!     ensemble: 200,          // members per hypothesis (default 200)
//!     seed: 1,                // default: the fit's seed
//!     predictions: [          // sweep metrics (docs/sweeps.md), same grammar
//!         (name: "t_200", of: TimeTo(quantity: "prk.pressure", below: "200 mmHg")),
//!         (name: "loss", of: LeakRate(boundary: "space")),
//!     ],
//! )
//! ```
//!
//! Draws: z = z_best + L u, u standard normal, L the Cholesky factor of the fit's covariance
//! of the fitted coordinates (ln x for log parameters); a draw outside the bounds is drawn
//! again (the distribution truncated to the bounds, where the fit searched). Member `m` of
//! hypothesis `h` draws from its own stream (seed, h * 2^32 + m), so the ensemble is the same
//! on any number of threads. The outputs are in [`super::predict_out`].

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::Deserialize;

use super::model::Model;
use super::solve::{FitResult, HypothesisFit};
use super::{Fit, Hypothesis, Readings};
use crate::diag::{Diagnostic, Sink};
use crate::sample::{normal_quantile, open_unit, run_stream};
use crate::scenario::wire::{ron_options, Spanned, Wire, Q};
use crate::scenario::wire_diagnostic;
use crate::sweep::{self, Measured, Metric, MetricKind, MetricKindWire, MetricWire};
use crate::units::{self, Dimension};

/// Members per hypothesis when the file does not say.
pub const DEFAULT_ENSEMBLE: usize = 200;
/// Most members per hypothesis.
pub const MAX_ENSEMBLE: usize = 100_000;
/// Draws a member makes before it gives up finding one within the bounds.
pub const MAX_DRAWS: usize = 1000;
/// Points of each projected curve (the band charts).
pub const CURVE_POINTS: usize = 240;

/// The `predict` section of a fit file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Predict", deny_unknown_fields)]
pub struct PredictWire {
    /// How far past the last reading to project, e.g. "60 day".
    pub horizon: Spanned<Q>,
    /// Members of each hypothesis's ensemble (default 200).
    #[serde(default)]
    pub ensemble: Option<Spanned<usize>>,
    /// Seed of the draws (default: the fit's seed).
    #[serde(default)]
    pub seed: Option<u64>,
    /// What to predict: metrics in the sweep's grammar.
    pub predictions: Spanned<Vec<Spanned<MetricWire>>>,
}

impl Wire for PredictWire {
    fn parse_wire(text: &str) -> Result<Self, ron::error::SpannedError> {
        ron_options().from_str(text)
    }
}

impl Wire for usize {
    fn parse_wire(text: &str) -> Result<Self, ron::error::SpannedError> {
        ron_options().from_str(text)
    }
}

/// One prediction, as every hypothesis makes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub name: String,
    /// In words: "time until prk.pressure falls below 200 mmHg".
    pub what: String,
    /// The unit of its values (the sweep's column unit: `s`, `kg_per_day`, `Pa`, ...).
    pub unit: &'static str,
    /// A time that may never come (a threshold, a reversal): no value means "not within the
    /// horizon", counted apart and ranked after every time that came.
    pub censored: bool,
}

/// A checked `predict` section.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictSpec {
    /// s past the last reading.
    pub horizon: f64,
    /// Time of the last reading (s).
    pub record_end: f64,
    pub ensemble: usize,
    pub seed: u64,
    pub predictions: Vec<Prediction>,
    /// Per hypothesis, the predictions resolved in its network (same order).
    pub metrics: Vec<Vec<Metric>>,
}

impl PredictSpec {
    /// End of every projected run (s).
    pub fn t_end(&self) -> f64 {
        self.record_end + self.horizon
    }
}

/// `file:line:col: item: message; expected ...` for a problem of the fit file.
pub(super) fn located(shown: &str, d: &Diagnostic) -> String {
    let at = d
        .location
        .as_ref()
        .map(|l| format!("{shown}:{}:{}", l.line, l.col))
        .unwrap_or_else(|| shown.to_string());
    let expected = d
        .expected
        .as_ref()
        .map(|e| format!("; expected {e}"))
        .unwrap_or_default();
    let hint = d
        .hint
        .as_ref()
        .map(|h| format!(" (hint: {h})"))
        .unwrap_or_default();
    format!("{at}: {d}{expected}{hint}")
}

/// The value of a spanned entry, or a located report of why its text did not parse.
fn value<'a, T>(sink: &mut Sink<'_>, v: &'a Spanned<T>) -> Option<&'a T> {
    match &v.value {
        Ok(x) => Some(x),
        Err(e) => {
            let d = wire_diagnostic(sink, e, Some("predict"));
            sink.list.push(d);
            None
        }
    }
}

/// Check the `predict` section against every hypothesis; problems go to `problems`.
pub(super) fn check(
    text: &str,
    shown: &str,
    wire: &Spanned<PredictWire>,
    readings: &[Readings],
    hypotheses: &[Hypothesis],
    fit_seed: u64,
    problems: &mut Vec<String>,
) -> Option<PredictSpec> {
    let before = problems.len();
    let mut sink = Sink::new(text);
    let Some(w) = value(&mut sink, wire) else {
        problems.extend(sink.list.iter().map(|d| located(shown, d)));
        return None;
    };
    const HORIZON: &str = "a time past the last reading, e.g. \"60 day\"";
    let horizon = value(&mut sink, &w.horizon).and_then(|q| {
        let si = match q {
            Q::Number(x) => Ok(*x),
            Q::Text(t) => units::parse_quantity(t, Dimension::Time).map_err(|e| e.to_string()),
        };
        let at = w.horizon.span;
        match si {
            Ok(h) if h > 0.0 && h.is_finite() => return Some(h),
            Ok(h) => {
                let problem = format!("horizon {h} s is not a positive time");
                sink.error(at, Some("predict"), problem).expected(HORIZON);
            }
            // The unit's error says what it expected.
            Err(e) => {
                sink.error(at, Some("predict"), format!("horizon {q}: {e}"));
            }
        }
        None
    });
    let ensemble = match &w.ensemble {
        None => Some(DEFAULT_ENSEMBLE),
        Some(s) => value(&mut sink, s).and_then(|&n| {
            if (2..=MAX_ENSEMBLE).contains(&n) {
                return Some(n);
            }
            sink.error(
                s.span,
                Some("predict"),
                format!("an ensemble of {n} members"),
            )
            .expected(format!(
                "2 to {MAX_ENSEMBLE} members (quantiles need at least 2)"
            ));
            None
        }),
    };
    problems.extend(sink.list.iter().map(|d| located(shown, d)));
    let record_end = readings
        .iter()
        .filter_map(|r| r.times.last().copied())
        .fold(0.0, f64::max);
    let t_end = record_end + horizon.unwrap_or(0.0);
    // Each problem once, naming the hypotheses it concerns unless it concerns them all.
    let mut metrics = Vec::new();
    let mut found: Vec<(String, Vec<&str>)> = Vec::new();
    for h in hypotheses {
        match sweep::check_metrics(text, &w.predictions, &h.loaded.network, t_end, "prediction") {
            Ok(m) => metrics.push(split_leaks(m, record_end)),
            Err(list) => {
                for line in list.iter().map(|d| located(shown, d)) {
                    match found.iter_mut().find(|(l, _)| *l == line) {
                        Some((_, names)) => names.push(&h.name),
                        None => found.push((line, vec![&h.name])),
                    }
                }
            }
        }
    }
    for (line, names) in found {
        if names.len() == hypotheses.len() {
            problems.push(line);
        } else {
            problems.push(format!("{line} (in hypothesis {})", names.join(", ")));
        }
    }
    if problems.len() > before {
        return None;
    }
    let kinds: Vec<&MetricKindWire> = w
        .predictions
        .get()
        .into_iter()
        .flatten()
        .filter_map(|m| m.get())
        .filter_map(|m| m.of.get())
        .collect();
    let first = metrics.first()?;
    let mut predictions = Vec::new();
    let mut k = 0;
    for wk in kinds {
        let leak_split = matches!(wk, MetricKindWire::LeakRate { at: None, .. });
        for (suffix, when) in if leak_split {
            vec![
                ("@record_end", "at the end of the record"),
                ("@horizon", "at the horizon"),
            ]
        } else {
            vec![("", "")]
        } {
            let m = first.get(k)?;
            predictions.push(Prediction {
                name: m.name.clone(),
                what: describe(wk, when),
                unit: m.unit,
                censored: matches!(
                    m.kind,
                    MetricKind::TimeTo(..) | MetricKind::FirstReversal(_)
                ),
            });
            debug_assert!(m.name.ends_with(suffix));
            k += 1;
        }
    }
    Some(PredictSpec {
        horizon: horizon?,
        record_end,
        ensemble: ensemble?,
        seed: w.seed.unwrap_or(fit_seed),
        predictions,
        metrics,
    })
}

/// A leak rate without a time becomes two: at the end of the record (`NAME@record_end`) and
/// at the horizon (`NAME@horizon`); derived metrics that read it read the second.
fn split_leaks(metrics: Vec<Metric>, record_end: f64) -> Vec<Metric> {
    let mut out: Vec<Metric> = Vec::new();
    let mut index = Vec::with_capacity(metrics.len());
    for m in metrics {
        if let MetricKind::LeakRate(b, None) = m.kind {
            out.push(Metric {
                name: format!("{}@record_end", m.name),
                kind: MetricKind::LeakRate(b, Some(record_end)),
                unit: m.unit,
            });
            out.push(Metric {
                name: format!("{}@horizon", m.name),
                ..m
            });
        } else {
            let mut m = m;
            if let MetricKind::Derived { inputs, .. } = &mut m.kind {
                for i in inputs.iter_mut() {
                    i.index = index[i.index];
                }
            }
            out.push(m);
        }
        index.push(out.len() - 1);
    }
    out
}

/// A prediction in words.
fn describe(kind: &MetricKindWire, when: &str) -> String {
    let s = |x: &Spanned<String>| x.get().cloned().unwrap_or_default();
    let q = |x: &Spanned<Q>| match x.get() {
        Some(Q::Text(t)) => t.clone(),
        Some(Q::Number(v)) => format!("{v} (SI)"),
        None => String::new(),
    };
    match kind {
        MetricKindWire::TimeTo {
            quantity,
            below: Some(b),
            ..
        } => {
            format!("time until {} falls below {}", s(quantity), q(b))
        }
        MetricKindWire::TimeTo {
            quantity, above, ..
        } => format!(
            "time until {} rises above {}",
            s(quantity),
            above.as_ref().map(q).unwrap_or_default()
        ),
        MetricKindWire::LeakRate { boundary, at } => format!(
            "mass lost to {} per day {}",
            s(boundary),
            match at {
                Some(t) => format!("at t = {}", q(t)),
                None => when.to_string(),
            }
        ),
        MetricKindWire::FirstReversal(l) => format!("time of the first flow reversal of {}", s(l)),
        MetricKindWire::Reversals(l) => format!("flow reversals of {} by the horizon", s(l)),
        MetricKindWire::FlowDirection(l) => {
            format!("direction of the flow of {} at the horizon", s(l))
        }
        MetricKindWire::Final(x) => format!("{} at the horizon", s(x)),
        MetricKindWire::At { quantity, time } => format!("{} at t = {}", s(quantity), q(time)),
        MetricKindWire::Min(x) => format!("lowest {} up to the horizon", s(x)),
        MetricKindWire::Max(x) => format!("highest {} up to the horizon", s(x)),
        MetricKindWire::MassLost(c) => format!(
            "mass lost by {} up to the horizon",
            c.as_ref()
                .map(s)
                .unwrap_or_else(|| "all compartments".into())
        ),
        MetricKindWire::Derived(e) => s(e),
    }
}

// ------------------------------------------------------------------------------------------
// Running

/// One run of an ensemble (or the best fit).
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// SI parameter values.
    pub theta: Vec<f64>,
    /// Draws rejected (outside the bounds) before this one.
    pub redraws: usize,
    /// Each prediction's value (`None`: not reached within the horizon, or no value).
    pub values: Vec<Option<f64>>,
    /// Why the run (or the draw) failed; its values are then all `None`.
    pub error: Option<String>,
    /// The band quantity at the output times (SI).
    pub curve: Vec<(f64, f64)>,
}

/// What the ensemble says about one prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    /// At the best fit; `None` not reached (censored) or no value.
    pub best: Option<f64>,
    /// 2.5 %, 50 % and 97.5 % quantiles over the members that ran; +inf: beyond the horizon
    /// (more members than that did not reach it); NaN: none ran or none had a value.
    pub lower95: f64,
    pub median: f64,
    pub upper95: f64,
    /// Members that ran and did not reach it within the horizon (censored predictions).
    pub not_reached: usize,
    /// Members that ran and gave it no value (a derived value of a time never reached).
    pub no_value: usize,
}

/// One hypothesis's predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct HypothesisPrediction {
    pub name: String,
    /// Why nothing was predicted (the hypothesis was not fitted, the best fit did not run).
    pub error: Option<String>,
    /// Why there is no ensemble (a covariance that is not determined).
    pub ensemble_error: Option<String>,
    pub best: Option<Member>,
    pub members: Vec<Member>,
    pub stats: Vec<Stat>,
}

impl HypothesisPrediction {
    /// Members whose run failed (or that found no draw within the bounds).
    pub fn failed(&self) -> usize {
        self.members.iter().filter(|m| m.error.is_some()).count()
    }

    /// Draws rejected as outside the bounds, over all members.
    pub fn redraws(&self) -> usize {
        self.members.iter().map(|m| m.redraws).sum()
    }
}

/// Every hypothesis's predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    pub spec: PredictSpec,
    pub hypotheses: Vec<HypothesisPrediction>,
}

/// Run the `predict` section of `fit` on its fitted hypotheses; `None` when it has none.
pub fn predict_all(fit: &Fit, result: &FitResult) -> Option<Predictions> {
    let spec = fit.predict.as_ref()?;
    // Every run (best fits and members of every hypothesis) in one parallel pass; each
    // depends only on its own (hypothesis, member), so the order of finishing is irrelevant.
    let mut jobs: Vec<(usize, Option<usize>)> = Vec::new();
    let mut draws: Vec<Result<Vec<Draw>, String>> = Vec::new();
    for (h, hf) in result.hypotheses.iter().enumerate() {
        let d = if hf.error.is_some() {
            Ok(Vec::new())
        } else {
            jobs.push((h, None));
            ensemble_draws(&fit.hypotheses[h], hf, spec, h)
        };
        if let Ok(list) = &d {
            jobs.extend((0..list.len()).map(|m| (h, Some(m))));
        }
        draws.push(d);
    }
    let runs: Vec<Member> = jobs
        .par_iter()
        .map(|&(h, m)| {
            let hf = &result.hypotheses[h];
            match m {
                None => run_member(fit, h, spec, hf.theta.clone(), 0),
                Some(m) => match &draws[h] {
                    Ok(list) => run_member(fit, h, spec, list[m].0.clone(), list[m].1),
                    Err(_) => unreachable_member(),
                },
            }
        })
        .collect();
    let mut runs = runs.into_iter();
    let mut hypotheses = Vec::new();
    for (h, hf) in result.hypotheses.iter().enumerate() {
        let mut out = HypothesisPrediction {
            name: hf.name.clone(),
            error: None,
            ensemble_error: None,
            best: None,
            members: Vec::new(),
            stats: Vec::new(),
        };
        if let Some(e) = &hf.error {
            out.error = Some(format!("not fitted: {e}"));
            hypotheses.push(out);
            continue;
        }
        let best = runs.next();
        match &draws[h] {
            Ok(list) => out.members = runs.by_ref().take(list.len()).collect(),
            Err(e) => out.ensemble_error = Some(e.clone()),
        }
        if let Some(e) = best.as_ref().and_then(|b| b.error.clone()) {
            out.error = Some(format!("the run at the best fit failed: {e}"));
        }
        out.stats = (0..spec.predictions.len())
            .map(|k| stat(&spec.predictions[k], best.as_ref(), &out.members, k))
            .collect();
        out.best = best;
        hypotheses.push(out);
    }
    Some(Predictions {
        spec: spec.clone(),
        hypotheses,
    })
}

fn unreachable_member() -> Member {
    Member {
        theta: Vec::new(),
        redraws: 0,
        values: Vec::new(),
        error: Some("no draw".into()),
        curve: Vec::new(),
    }
}

/// A member's parameter values (SI; empty when no draw fell within the bounds) and the
/// draws it rejected.
type Draw = (Vec<f64>, usize);

/// Each member's draw, or why there can be no ensemble.
fn ensemble_draws(
    hyp: &Hypothesis,
    hf: &HypothesisFit,
    spec: &PredictSpec,
    h: usize,
) -> Result<Vec<Draw>, String> {
    let p = hyp.free.len();
    let to_z = |x: f64, log: bool| if log { x.ln() } else { x };
    let mut se_z = Vec::with_capacity(p);
    for e in &hf.estimates {
        match e.se {
            Some(s) if s.is_finite() && s > 0.0 => se_z.push(if e.log { s / e.value } else { s }),
            _ => {
                return Err(format!(
                    "no ensemble: the standard error of {} is not determined by the readings",
                    e.path
                ))
            }
        }
    }
    let mut cov = DMatrix::zeros(p, p);
    for i in 0..p {
        for j in 0..p {
            let r = if i == j {
                Some(1.0)
            } else {
                hf.correlation
                    .get(i)
                    .and_then(|row| row.get(j))
                    .copied()
                    .flatten()
            };
            let Some(r) = r else {
                return Err(
                    "no ensemble: the correlation of the parameters is not determined".into(),
                );
            };
            cov[(i, j)] = r * se_z[i] * se_z[j];
        }
    }
    let chol = cov.cholesky().ok_or_else(|| {
        "no ensemble: the fit's covariance is not positive definite (see the identifiability warning)".to_string()
    })?;
    let l = chol.l();
    let z0 = DVector::from_iterator(
        p,
        hf.theta.iter().zip(&hyp.free).map(|(x, f)| to_z(*x, f.log)),
    );
    let lo: Vec<f64> = hyp.free.iter().map(|f| to_z(f.lower, f.log)).collect();
    let hi: Vec<f64> = hyp.free.iter().map(|f| to_z(f.upper, f.log)).collect();
    Ok((0..spec.ensemble)
        .map(|m| {
            let mut rng = run_stream(spec.seed, ((h as u64) << 32) | m as u64);
            for tries in 0..MAX_DRAWS {
                let u =
                    DVector::from_iterator(p, (0..p).map(|_| normal_quantile(open_unit(&mut rng))));
                let z = &z0 + &l * u;
                if z.iter()
                    .enumerate()
                    .all(|(j, v)| lo[j] <= *v && *v <= hi[j])
                {
                    let theta = z
                        .iter()
                        .zip(&hyp.free)
                        .map(|(v, f)| if f.log { v.exp() } else { *v })
                        .collect();
                    return (theta, tries);
                }
            }
            (Vec::new(), MAX_DRAWS)
        })
        .collect())
}

/// Run hypothesis `h` at `theta` to the horizon and measure the predictions.
fn run_member(fit: &Fit, h: usize, spec: &PredictSpec, theta: Vec<f64>, redraws: usize) -> Member {
    let mut member = Member {
        theta,
        redraws,
        values: vec![None; spec.predictions.len()],
        error: None,
        curve: Vec::new(),
    };
    if member.theta.is_empty() {
        member.error = Some(format!("no draw within the bounds in {MAX_DRAWS} tries"));
        return member;
    }
    let hyp = &fit.hypotheses[h];
    let run = || -> Result<Measured, String> {
        let (parts, settings) = Model::new(fit, hyp).parts(&member.theta)?;
        let mut model = hyp.loaded.clone();
        model.parts = parts;
        model.config.settings = settings;
        model.config.duration_s = spec.t_end();
        model.config.output_interval_s = spec.t_end() / CURVE_POINTS as f64;
        sweep::measure(model, &spec.metrics[h], hyp.quantities.first().copied())
    };
    match run() {
        Ok(m) => {
            member.values = m.values;
            member.curve = m.trajectory.unwrap_or_default();
        }
        Err(e) => member.error = Some(e),
    }
    member
}

/// The `p`-quantile (0 to 1) of `sorted` (ascending; +inf allowed), interpolated linearly
/// between order statistics (as the sweep's percentiles); +inf when it falls on or next to
/// an infinite one, NaN when empty.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let x = p * (sorted.len() - 1) as f64;
    let (i, f) = (x.floor() as usize, x - x.floor());
    match sorted.get(i + 1) {
        Some(b) if f > 0.0 => {
            let a = sorted[i];
            if a.is_infinite() || b.is_infinite() {
                f64::INFINITY
            } else {
                a * (1.0 - f) + b * f
            }
        }
        _ => sorted[i],
    }
}

fn stat(pred: &Prediction, best: Option<&Member>, members: &[Member], k: usize) -> Stat {
    let mut values = Vec::with_capacity(members.len());
    let (mut not_reached, mut no_value) = (0, 0);
    for m in members.iter().filter(|m| m.error.is_none()) {
        match m.values.get(k).copied().flatten() {
            Some(v) if v.is_finite() => values.push(v),
            _ if pred.censored => {
                not_reached += 1;
                values.push(f64::INFINITY);
            }
            _ => no_value += 1,
        }
    }
    values.sort_by(f64::total_cmp);
    Stat {
        best: best
            .filter(|b| b.error.is_none())
            .and_then(|b| b.values.get(k).copied().flatten()),
        lower95: quantile(&values, 0.025),
        median: quantile(&values, 0.5),
        upper95: quantile(&values, 0.975),
        not_reached,
        no_value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_rank_times_not_reached_last() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.125), 1.5);
        assert!(quantile(&[], 0.5).is_nan());
        // Two of five never reached: the median is still the third time, the 75 % point lies
        // between the fourth (not reached) and the fifth, so beyond the horizon.
        let c = [1.0, 2.0, 3.0, f64::INFINITY, f64::INFINITY];
        assert_eq!(quantile(&c, 0.5), 3.0);
        assert_eq!(quantile(&c, 0.6), f64::INFINITY);
        assert_eq!(quantile(&c, 0.25), 2.0);
    }

    #[test]
    fn failed_members_are_left_out_and_missed_times_counted() {
        let member = |v: Option<f64>, error: Option<&str>| Member {
            theta: vec![1.0],
            redraws: 0,
            values: vec![v],
            error: error.map(String::from),
            curve: Vec::new(),
        };
        let members = [
            member(Some(3.0), None),
            member(None, Some("the run failed")),
            member(None, None),
            member(Some(1.0), None),
            member(Some(2.0), None),
        ];
        let time = Prediction {
            name: "t".into(),
            what: String::new(),
            unit: "s",
            censored: true,
        };
        let s = stat(&time, Some(&members[0]), &members, 0);
        assert_eq!((s.best, s.not_reached, s.no_value), (Some(3.0), 1, 0));
        // Over 1, 2, 3 and one not reached: the median is between 2 and 3.
        assert_eq!(s.median, 2.5);
        assert_eq!(s.upper95, f64::INFINITY);
        let plain = Prediction {
            censored: false,
            ..time
        };
        let s = stat(&plain, None, &members, 0);
        assert_eq!((s.best, s.not_reached, s.no_value), (None, 0, 1));
        assert_eq!((s.lower95, s.median), (1.05, 2.0));
        assert!((s.upper95 - 2.95).abs() < 1e-12, "{s:?}");
    }

    #[test]
    fn a_leak_rate_without_a_time_splits_and_derived_metrics_follow() {
        let leak = Metric {
            name: "loss".into(),
            kind: MetricKind::LeakRate(0, None),
            unit: "kg_per_day",
        };
        let fin = Metric {
            name: "n".into(),
            kind: MetricKind::Reversals(plenum_physics::LinkId(0)),
            unit: "count",
        };
        let out = split_leaks(vec![fin.clone(), leak], 10.0);
        let names: Vec<&str> = out.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["n", "loss@record_end", "loss@horizon"]);
        assert_eq!(out[1].kind, MetricKind::LeakRate(0, Some(10.0)));
        assert_eq!(out[2].kind, MetricKind::LeakRate(0, None));
    }
}
