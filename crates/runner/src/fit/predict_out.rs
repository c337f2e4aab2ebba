//! The predictions on disk and on screen: the `predictions` section of `fit.json`,
//! `predictions.csv` (one row per hypothesis and prediction), `ensemble.csv` (each member's
//! parameters and predictions), one prediction-band chart per hypothesis, and the lines of
//! the summary. Written by [`super::write::write_fit`] into its staging directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::predict::{quantile, HypothesisPrediction, Member, Predictions, Stat};
use super::solve::FitResult;
use super::Fit;
use crate::config::default_time_unit;
use crate::output::charts::write_chart;
use crate::output::error::OutputError;
use crate::output::results::{csv_num as g, json_num as num};
use crate::plot::{Level, Marker, PredictionChart};
use crate::sweep::MetricKind;
use crate::units::{self, format_significant, Dimension};

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Which of best, lower95, median, upper95 lie beyond the horizon (a censored prediction
/// that more members did not reach).
fn beyond(h: &HypothesisPrediction, s: &Stat, censored: bool) -> Vec<&'static str> {
    let mut out = Vec::new();
    if censored && s.best.is_none() && h.error.is_none() {
        out.push("best");
    }
    for (name, x) in [
        ("lower95", s.lower95),
        ("median", s.median),
        ("upper95", s.upper95),
    ] {
        if x == f64::INFINITY {
            out.push(name);
        }
    }
    out
}

/// The `predictions` section of `fit.json` (SI; times on the readings' clock).
pub fn to_json(fit: &Fit, p: &Predictions) -> Value {
    let spec = &p.spec;
    let hypotheses: Vec<Value> = p
        .hypotheses
        .iter()
        .map(|h| {
            let preds: Vec<Value> = spec
                .predictions
                .iter()
                .zip(&h.stats)
                .map(|(pr, s)| {
                    json!({
                        "name": pr.name,
                        "what": pr.what,
                        "si_unit": pr.unit,
                        "best": s.best.map_or(Value::Null, num),
                        "median": num(s.median),
                        "lower95": num(s.lower95),
                        "upper95": num(s.upper95),
                        "not_reached": s.not_reached,
                        "no_value": s.no_value,
                        "beyond_horizon": beyond(h, s, pr.censored),
                    })
                })
                .collect();
            json!({
                "name": h.name,
                "error": h.error,
                "ensemble_error": h.ensemble_error,
                "members": h.members.len(),
                "members_failed": h.failed(),
                "redraws": h.redraws(),
                "failures": h.members.iter().enumerate().filter_map(|(i, m)| m.error.as_ref().map(|e| json!({"member": i, "error": e}))).collect::<Vec<_>>(),
                "predictions": preds,
            })
        })
        .collect();
    json!({
        "horizon_s": spec.horizon,
        "record_end_s": spec.record_end,
        "end_s": spec.t_end(),
        "ensemble": spec.ensemble,
        "seed": spec.seed,
        "band_quantity": fit.readings.first().map(|r| r.quantity.clone()),
        "method": "best fit projected to the horizon; ensemble drawn from the multivariate normal of the fitted coordinates (ln x for log parameters) with the fit's covariance (J^T J)^-1, draws outside the bounds drawn again; member m of hypothesis h seeded (seed, h*2^32 + m); quantiles 2.5/50/97.5 % interpolated between order statistics, a time not reached within the horizon ranked after every time reached",
        "hypotheses": hypotheses,
    })
}

/// One row per hypothesis and prediction (SI).
pub fn predictions_csv(p: &Predictions) -> String {
    let mut s = String::from("hypothesis,prediction,what,si_unit,best,median,lower95,upper95,members,failed,not_reached,no_value,beyond_horizon\n");
    for h in &p.hypotheses {
        for (pr, st) in p.spec.predictions.iter().zip(&h.stats) {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                h.name,
                field(&pr.name),
                field(&pr.what),
                pr.unit,
                st.best.map(g).unwrap_or_default(),
                g(st.median),
                g(st.lower95),
                g(st.upper95),
                h.members.len(),
                h.failed(),
                st.not_reached,
                st.no_value,
                beyond(h, st, pr.censored).join(";")
            );
        }
    }
    s
}

/// Each member's parameters and predictions (SI); the best fit first, as member `best`.
/// Parameters a hypothesis does not have are empty.
pub fn ensemble_csv(fit: &Fit, p: &Predictions) -> String {
    let mut params: Vec<(String, &str)> = Vec::new();
    for h in &fit.hypotheses {
        for f in &h.free {
            if !params.iter().any(|(q, _)| *q == f.path) {
                params.push((f.path.clone(), f.dim.si_unit()));
            }
        }
    }
    let mut s = String::from("hypothesis,member,status,redraws");
    for (path, unit) in &params {
        let _ = write!(s, ",{}", field(&tagged(path, unit)));
    }
    for pr in &p.spec.predictions {
        let _ = write!(s, ",{}", field(&tagged(&pr.name, pr.unit)));
    }
    s.push_str(",error\n");
    for (h, hp) in fit.hypotheses.iter().zip(&p.hypotheses) {
        let rows = hp.best.iter().map(|b| ("best".to_string(), b)).chain(
            hp.members
                .iter()
                .enumerate()
                .map(|(i, m)| (i.to_string(), m)),
        );
        for (label, m) in rows {
            row(
                &mut s,
                &hp.name,
                &label,
                m,
                h,
                &params,
                p.spec.predictions.len(),
            );
        }
    }
    s
}

fn tagged(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name}_{unit}")
    }
}

fn row(
    s: &mut String,
    hyp: &str,
    label: &str,
    m: &Member,
    h: &super::Hypothesis,
    params: &[(String, &str)],
    n_pred: usize,
) {
    let status = if m.error.is_some() { "failed" } else { "ok" };
    let _ = write!(s, "{hyp},{label},{status},{}", m.redraws);
    for (path, _) in params {
        let v = h
            .free
            .iter()
            .position(|f| f.path == *path)
            .and_then(|j| m.theta.get(j));
        let _ = write!(s, ",{}", v.map(|x| g(*x)).unwrap_or_default());
    }
    for k in 0..n_pred {
        let v = m.values.get(k).copied().flatten();
        let _ = write!(s, ",{}", v.map(g).unwrap_or_default());
    }
    let _ = writeln!(s, ",{}", field(m.error.as_deref().unwrap_or("")));
}

/// A prediction's display unit and its conversion from the column unit.
fn shown(unit: &str, t_end: f64) -> (String, Box<dyn Fn(f64) -> f64>) {
    let conv = |u: &'static str, d: Dimension| -> (String, Box<dyn Fn(f64) -> f64>) {
        (
            u.to_string(),
            Box::new(move |x| units::to_display(x, u, d).unwrap_or(x)),
        )
    };
    match unit {
        "s" => conv(default_time_unit(t_end), Dimension::Time),
        "Pa" => conv("mmHg", Dimension::Pressure),
        "kg_per_day" => ("kg/day".into(), Box::new(|x| x)),
        "count" | "sign" => (String::new(), Box::new(|x| x)),
        u => (u.to_string(), Box::new(|x| x)),
    }
}

/// The summary lines of the predictions (appended to the fit's summary).
pub fn summary(result: &FitResult, p: &Predictions) -> String {
    let spec = &p.spec;
    let mut s = String::new();
    let (tu, tf) = shown("s", spec.t_end());
    let _ = writeln!(
        s,
        "\n  predictions: {} members per hypothesis, {} {tu} past the last reading (to t = {} {tu}), seed {}",
        spec.ensemble,
        format_significant(tf(spec.horizon), 4),
        format_significant(tf(spec.t_end()), 4),
        spec.seed
    );
    for h in &p.hypotheses {
        let weight = result
            .comparison
            .scores
            .iter()
            .find(|c| c.name == h.name)
            .map(|c| {
                let k = result.comparison.criterion;
                format!(" ({} {:.3})", k.weight_name(), c.weight_by(k))
            })
            .unwrap_or_default();
        let _ = writeln!(s, "    {}{weight}", h.name);
        if let Some(e) = &h.error {
            let _ = writeln!(s, "      not predicted: {e}");
            continue;
        }
        for (pr, st) in spec.predictions.iter().zip(&h.stats) {
            let (unit, f) = shown(pr.unit, spec.t_end());
            let v = |x: f64| {
                if x == f64::INFINITY {
                    "beyond the horizon".to_string()
                } else if x.is_nan() {
                    "?".to_string()
                } else {
                    format_significant(f(x), 4)
                }
            };
            let best = match st.best {
                Some(b) => format!("{} {unit}", v(b)),
                None if pr.censored => "not reached by the horizon".into(),
                None => "no value".into(),
            };
            let spread = if h.members.is_empty() {
                String::new()
            } else {
                format!(
                    "; median {}, 95 % {} .. {}",
                    v(st.median),
                    v(st.lower95),
                    v(st.upper95)
                )
            };
            let ran = h.members.len() - h.failed();
            let missed = match st.not_reached {
                _ if !pr.censored || ran == 0 => String::new(),
                0 => format!("; reached by all {ran} members"),
                n => format!("; {n} of {ran} members do not reach it by the horizon"),
            };
            let _ = writeln!(
                s,
                "      {} = {best}{spread}{missed}  ({})",
                pr.name, pr.what
            );
        }
        if let Some(e) = &h.ensemble_error {
            let _ = writeln!(s, "      {e}");
        }
        let (failed, redraws) = (h.failed(), h.redraws());
        if redraws > 0 {
            let _ = writeln!(
                s,
                "      {redraws} draws fell outside the bounds and were drawn again"
            );
        }
        if failed > 0 {
            let first = h.members.iter().find_map(|m| m.error.as_deref());
            let _ = writeln!(
                s,
                "      {failed} of {} members failed (left out of the quantiles): {}",
                h.members.len(),
                first.unwrap_or_default()
            );
        }
    }
    s
}

/// One chart per hypothesis that ran: the readings' first quantity over time, the best fit
/// projected to the horizon over the 2.5-97.5 % band of the ensemble, the readings as
/// dots, each threshold on that quantity dashed.
pub fn charts(fit: &Fit, p: &Predictions) -> Vec<(String, PredictionChart)> {
    let Some(r) = fit.readings.first() else {
        return Vec::new();
    };
    let spec = &p.spec;
    let (tu, tf) = shown("s", spec.t_end());
    let disp = |v: f64| units::to_display(v, &r.unit, r.dim).unwrap_or(v);
    let mut out = Vec::new();
    for (h, hp) in p.hypotheses.iter().enumerate() {
        let Some(best) = hp.best.as_ref().filter(|b| b.error.is_none()) else {
            continue;
        };
        let n = best.curve.len();
        let curves: Vec<&Member> = hp
            .members
            .iter()
            .filter(|m| m.error.is_none() && m.curve.len() == n)
            .collect();
        let (mut lower, mut upper) = (Vec::new(), Vec::new());
        if !curves.is_empty() {
            for i in 0..n {
                let mut col: Vec<f64> = curves.iter().map(|m| disp(m.curve[i].1)).collect();
                col.sort_by(f64::total_cmp);
                lower.push(quantile(&col, 0.025));
                upper.push(quantile(&col, 0.975));
            }
        }
        let q = fit.hypotheses[h].quantities.first().copied();
        let levels = spec.metrics[h]
            .iter()
            .zip(&spec.predictions)
            .filter_map(|(m, pr)| match m.kind {
                MetricKind::TimeTo(mq, v, _) if Some(mq) == q => Some(Level {
                    label: format!("{}: {}", pr.name, pr.what),
                    y: disp(v),
                    from_x: None,
                }),
                _ => None,
            })
            .collect();
        out.push((
            format!("prediction-{}", hp.name),
            PredictionChart {
                title: format!(
                    "{}: {} projected {} {tu} past the readings",
                    fit.name,
                    hp.name,
                    format_significant(tf(spec.horizon), 4)
                ),
                x_label: format!("time ({tu})"),
                y_label: format!("{} ({})", r.quantity, r.unit),
                x: best.curve.iter().map(|c| tf(c.0)).collect(),
                line: best.curve.iter().map(|c| disp(c.1)).collect(),
                line_label: "best fit".into(),
                band_label: format!("2.5–97.5 % of {} members", curves.len()),
                lower,
                upper,
                points: r
                    .times
                    .iter()
                    .zip(&r.values)
                    .map(|(t, v)| (tf(*t), disp(*v)))
                    .collect(),
                points_label: format!("readings ({})", r.file),
                levels,
                marker: Some(Marker {
                    x: tf(spec.record_end),
                    label: "last reading".into(),
                }),
            },
        ));
    }
    out
}

/// Draw [`charts`] into `dir` (the staging directory of `out_dir`); returns the files as
/// they will be named in `out_dir`.
pub fn write_charts(
    fit: &Fit,
    p: &Predictions,
    dir: &Path,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, OutputError> {
    let mut files = Vec::new();
    for (name, chart) in charts(fit, p) {
        let written = write_chart(&chart, &dir.join(&name))
            .map_err(|source| OutputError::Plot { name, source })?;
        files.extend(
            written
                .iter()
                .filter_map(|f| f.file_name().map(|n| out_dir.join(n))),
        );
    }
    Ok(files)
}
