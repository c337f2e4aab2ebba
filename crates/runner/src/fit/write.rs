//! The results of a fit on disk: `fit.json` (everything, with provenance), `parameters.csv`,
//! `comparison.csv`, `fit-data.csv` (readings, each hypothesis's fitted values and
//! residuals), one chart per readings file (the readings over each hypothesis's curve) and
//! one of the residuals, and `summary.txt`. The directory is written as a whole through
//! [`Staging`], so it replaces only a directory of Plenum's own.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::model::{fit_settings, Model};
use super::predict_out;
use super::profile_out;
use super::solve::FitResult;
use super::Fit;
use crate::config::default_time_unit;
use crate::output::atomic::write_new;
use crate::output::charts::write_line_chart;
use crate::output::error::OutputError;
use crate::output::results::{csv_num as g, csv_opt as go, json_num as num, json_opt as opt};
use crate::output::safety::{Cancel, Staging};
use crate::plot::{LineChart, Series};
use crate::units::{self, format_significant, Dimension};

/// Points of each fitted curve on the charts.
const CURVE_POINTS: usize = 200;

/// Write the results of `result` into `out_dir`; returns the file names written.
pub fn write_fit(
    fit: &Fit,
    result: &FitResult,
    out_dir: &Path,
    cancel: Option<&Cancel>,
) -> Result<Vec<PathBuf>, OutputError> {
    let staging = Staging::begin(out_dir, "fit")?;
    let dir = staging.path().to_path_buf();
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<(), OutputError> {
        write_new(&dir.join(name), bytes)?;
        files.push(out_dir.join(name));
        Ok(())
    };
    let json = serde_json::to_string_pretty(&to_json(fit, result)).unwrap_or_default();
    put("fit.json", json.as_bytes())?;
    put("parameters.csv", parameters_csv(result).as_bytes())?;
    put("comparison.csv", comparison_csv(result).as_bytes())?;
    put("fit-data.csv", data_csv(fit, result).as_bytes())?;
    put("summary.txt", summary(fit, result).as_bytes())?;
    if profile_out::any(result) {
        put("profiles.csv", profile_out::profiles_csv(result).as_bytes())?;
    }
    if let Some(p) = &result.predictions {
        put(
            "predictions.csv",
            predict_out::predictions_csv(p).as_bytes(),
        )?;
        put("ensemble.csv", predict_out::ensemble_csv(fit, p).as_bytes())?;
        files.extend(predict_out::write_charts(fit, p, &dir, out_dir)?);
    }
    let mut svgs = Vec::new();
    for (name, chart) in charts(fit, result) {
        let written = write_line_chart(&chart, &dir.join(&name))
            .map_err(|source| OutputError::Plot { name, source })?;
        svgs.extend(written.iter().cloned());
        files.extend(
            written
                .iter()
                .filter_map(|f| f.file_name().map(|n| out_dir.join(n))),
        );
    }
    let profiles = profile_out::write_charts(fit, result, &dir)?;
    svgs.extend(profiles.iter().cloned());
    files.extend(
        profiles
            .iter()
            .filter_map(|f| f.file_name().map(|n| out_dir.join(n))),
    );
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let page = super::report::fit_html(fit, result, super::report::figures(&svgs), &names);
    write_new(&dir.join(crate::report::REPORT_FILE), page.as_bytes())?;
    files.push(out_dir.join(crate::report::REPORT_FILE));
    staging.commit(cancel)?;
    Ok(files)
}

/// Everything the fit found, SI units, with provenance.
pub fn to_json(fit: &Fit, result: &FitResult) -> Value {
    let readings: Vec<Value> = fit
        .readings
        .iter()
        .map(|r| {
            json!({
                "file": r.file,
                "sha256": r.sha256,
                "quantity": r.quantity,
                "count": r.values.len(),
                "resolution": r.sensor.resolution,
                "noise": r.sensor.noise,
                "bias": r.sensor.bias,
                "sigma": r.sigma(),
                "si_unit": r.dim.si_unit(),
            })
        })
        .collect();
    let hypotheses: Vec<Value> = result
        .hypotheses
        .iter()
        .map(|h| {
            let score = result.comparison.scores.iter().find(|s| s.name == h.name);
            json!({
                "name": h.name,
                "description": h.description,
                "variant": h.variant,
                "error": h.error,
                "parameters": h.estimates.iter().map(|e| json!({
                    "path": e.path,
                    "si_unit": e.dim.si_unit(),
                    "value": num(e.value),
                    "standard_error": opt(e.se),
                    "lower95": opt(e.lower95),
                    "upper95": opt(e.upper95),
                    "profile_lower95": opt(e.profile_lower95),
                    "profile_upper95": opt(e.profile_upper95),
                    "log": e.log,
                    "at_bound": e.at_bound,
                })).collect::<Vec<_>>(),
                "correlation": h.correlation.iter().map(|row| row.iter().map(|c| opt(*c)).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "conditioning": num(h.conditioning),
                "identifiability_warning": h.identifiability,
                "chi2": num(h.chi2),
                "rms": h.rms.iter().map(|x| num(*x)).collect::<Vec<_>>(),
                "aic": score.map(|s| num(s.aic)),
                "aicc": score.map(|s| num(s.aicc)),
                "bic": score.map(|s| num(s.bic)),
                "akaike_weight": score.map(|s| num(s.weight)),
                "bic_weight": score.map(|s| num(s.bic_weight)),
                "runs": h.runs,
                "starts": h.starts.iter().map(|s| json!({
                    "from": s.from,
                    "to": s.end.as_ref().ok().map(|e| e.0.clone()),
                    "chi2": s.end.as_ref().ok().map(|e| num(e.1)),
                    "error": s.end.as_ref().err(),
                    "evaluations": s.evaluations,
                    "from_profile": s.from_profile,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let settings = fit_settings(&fit.base.config.settings);
    let mut out = json!({
        "fit": fit.name,
        "description": fit.description,
        "readings_total": result.n,
        "verdict": result.comparison.verdict,
        "criterion": result.comparison.criterion.name(),
        "hypotheses": hypotheses,
        "method": {
            "estimator": "weighted least squares (Levenberg-Marquardt), variance = noise^2 + resolution^2/12",
            "gradients": "central finite differences of whole runs, step 1e-4 in the fitted coordinate",
            "starts": 1 + fit.starts,
            "seed": fit.seed,
            "rtol": settings.rtol,
            "atol_pressure_pa": settings.atol_pressure,
            "intervals": "Jacobian (J^T W J)^-1, normal 95 %; log parameters in log space",
            "profile_intervals": fit.profile,
            "comparison": format!("{} weights decide the verdict; AICc Akaike weights and BIC Schwarz weights both reported", result.comparison.criterion.name()),
        },
        "runs": result.runs,
        "provenance": {
            "plenum_version": env!("CARGO_PKG_VERSION"),
            "fit_file": fit.file,
            "fit_sha256": fit.sha256,
            "scenario_file": fit.base.file,
            "scenario_sha256": fit.base.sha256,
            "readings": readings,
        },
    });
    super::handoff::extend(&mut out, fit, result);
    if let Some(p) = &result.predictions {
        out["predictions"] = predict_out::to_json(fit, p);
    }
    profile_out::add_to_json(&mut out, result);
    out
}

fn parameters_csv(result: &FitResult) -> String {
    let mut s = String::from(
        "hypothesis,parameter,si_unit,value,standard_error,lower95,upper95,profile_lower95,profile_upper95,log,at_bound\n",
    );
    for h in &result.hypotheses {
        for e in &h.estimates {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{},{},{},{}",
                h.name,
                e.path,
                e.dim.si_unit(),
                g(e.value),
                go(e.se),
                go(e.lower95),
                go(e.upper95),
                go(e.profile_lower95),
                go(e.profile_upper95),
                e.log,
                e.at_bound
            );
        }
    }
    s
}

fn comparison_csv(result: &FitResult) -> String {
    let mut s = String::from(
        "hypothesis,k,chi2,aic,aicc,bic,delta_aicc,akaike_weight,delta_bic,bic_weight\n",
    );
    for c in &result.comparison.scores {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{}",
            c.name,
            c.k,
            g(c.chi2),
            g(c.aic),
            g(c.aicc),
            g(c.bic),
            g(c.delta),
            g(c.weight),
            g(c.bic_delta),
            g(c.bic_weight)
        );
    }
    s
}

/// Tidy: one row per reading; per hypothesis its fitted value and residual (SI).
fn data_csv(fit: &Fit, result: &FitResult) -> String {
    let mut s = String::from("readings,quantity,time_s,value_si");
    for h in &result.hypotheses {
        let _ = write!(s, ",{0}.fitted,{0}.residual", h.name);
    }
    s.push('\n');
    for (k, r) in fit.readings.iter().enumerate() {
        for (i, (t, v)) in r.times.iter().zip(&r.values).enumerate() {
            let _ = write!(s, "{},{},{},{}", r.file, r.quantity, g(*t), g(*v));
            for h in &result.hypotheses {
                match h.fitted.get(k).and_then(|f| f.get(i)) {
                    Some(m) => {
                        let _ = write!(s, ",{},{}", g(*m), g(v - m));
                    }
                    None => s.push_str(",,"),
                }
            }
            s.push('\n');
        }
    }
    s
}

fn display(r: &super::Readings, si: f64) -> f64 {
    units::to_display(si, &r.unit, r.dim).unwrap_or(si)
}

/// A readable summary (also printed by `plenum fit`).
pub fn summary(fit: &Fit, result: &FitResult) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "fit '{}': {} readings in {} file{}, {} hypotheses, {} runs",
        fit.name,
        result.n,
        fit.readings.len(),
        if fit.readings.len() == 1 { "" } else { "s" },
        result.hypotheses.len(),
        result.runs
    );
    for h in &result.hypotheses {
        let score = result.comparison.scores.iter().find(|c| c.name == h.name);
        let _ = writeln!(
            s,
            "\n  {}{}",
            h.name,
            h.variant
                .as_ref()
                .map(|v| format!(" (variant '{v}')"))
                .unwrap_or_default()
        );
        if let Some(e) = &h.error {
            let _ = writeln!(s, "    not fitted: {e}");
            continue;
        }
        for e in &h.estimates {
            let unit = pick_unit(e.dim, e.value);
            let f = |x: f64| {
                units::to_display(x, unit, e.dim)
                    .map(|v| format_significant(v, 4))
                    .unwrap_or_default()
            };
            let profile = if e.profile_lower95.is_some() || e.profile_upper95.is_some() {
                format!(
                    ", profile {} .. {}",
                    e.profile_lower95.map(f).unwrap_or("bound".into()),
                    e.profile_upper95.map(f).unwrap_or("bound".into())
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "    {} = {} {unit}  (se {}, 95 % {} .. {}{profile}){}",
                e.path,
                f(e.value),
                e.se.map(f).unwrap_or("?".into()),
                e.lower95.map(f).unwrap_or("?".into()),
                e.upper95.map(f).unwrap_or("?".into()),
                if e.at_bound { "  AT A BOUND" } else { "" }
            );
        }
        for (r, rms) in fit.readings.iter().zip(&h.rms) {
            let _ = writeln!(
                s,
                "    RMS residual {} {} ({}; sensor sigma {})",
                format_significant(
                    display(r, *rms + r.sensor.bias) - display(r, r.sensor.bias),
                    3
                ),
                r.unit,
                r.quantity,
                format_significant(
                    display(r, r.sigma() + r.sensor.bias) - display(r, r.sensor.bias),
                    3
                )
            );
        }
        if let Some(c) = score {
            let _ = writeln!(
                s,
                "    chi^2 {}  AICc {}  BIC {}  Akaike weight {:.3}  BIC weight {:.3}  ({} runs)",
                format_significant(c.chi2, 4),
                format_significant(c.aicc, 6),
                format_significant(c.bic, 6),
                c.weight,
                c.bic_weight,
                h.runs
            );
        }
        if let Some(w) = &h.identifiability {
            let _ = writeln!(s, "    warning: {w}");
        }
    }
    let _ = writeln!(s, "\n  verdict: {}", result.comparison.verdict);
    if let Some(p) = &result.predictions {
        s.push_str(&predict_out::summary(result, p));
    }
    s
}

/// A readable unit for a fitted value.
pub(super) fn pick_unit(dim: Dimension, x: f64) -> &'static str {
    match dim {
        Dimension::Area if x.abs() < 1e-3 => "mm2",
        Dimension::Length if x.abs() < 1e-3 => "um",
        Dimension::Pressure => "mmHg",
        _ => dim.si_unit(),
    }
}

fn charts(fit: &Fit, result: &FitResult) -> Vec<(String, LineChart)> {
    let t_end = fit
        .readings
        .iter()
        .flat_map(|r| r.times.last().copied())
        .fold(0.0, f64::max);
    let tu = default_time_unit(t_end);
    let tf = units::unit_factor(tu, Dimension::Time).ok();
    let tx = |t: f64| tf.map_or(t, |f| f.from_si(t));
    let mut grid: Vec<f64> = (0..=CURVE_POINTS)
        .map(|i| t_end * i as f64 / CURVE_POINTS as f64)
        .collect();
    grid.dedup();
    let curves: Vec<Option<Vec<Vec<f64>>>> = result
        .hypotheses
        .iter()
        .zip(&fit.hypotheses)
        .map(|(hf, h)| {
            if hf.error.is_some() {
                return None;
            }
            Model::new(fit, h).curve(&hf.theta, &grid).ok()
        })
        .collect();
    let mut out = Vec::new();
    let many = fit.readings.len() > 1;
    for (k, r) in fit.readings.iter().enumerate() {
        let tag = if many {
            format!("-{}", k + 1)
        } else {
            String::new()
        };
        let mut series = vec![Series {
            label: format!("readings ({})", r.file),
            x: r.times.iter().map(|t| tx(*t)).collect(),
            y: r.values.iter().map(|v| display(r, *v)).collect(),
        }];
        let mut resid = Vec::new();
        for (hf, c) in result.hypotheses.iter().zip(&curves) {
            let Some(c) = c else { continue };
            series.push(Series {
                label: hf.name.clone(),
                x: grid.iter().map(|t| tx(*t)).collect(),
                y: c.iter()
                    .map(|row| display(r, row[k] + r.sensor.bias))
                    .collect(),
            });
            if let Some(f) = hf.fitted.get(k) {
                resid.push(Series {
                    label: hf.name.clone(),
                    x: r.times.iter().map(|t| tx(*t)).collect(),
                    y: r.values
                        .iter()
                        .zip(f)
                        .map(|(v, m)| display(r, *v) - display(r, *m))
                        .collect(),
                });
            }
        }
        out.push((
            format!("fit{tag}"),
            LineChart {
                title: format!("{}: {} and the fitted hypotheses", fit.name, r.quantity),
                x_label: format!("time ({tu})"),
                y_label: format!("{} ({})", r.quantity, r.unit),
                series,
                ..LineChart::default()
            },
        ));
        out.push((
            format!("residuals{tag}"),
            LineChart {
                title: format!("{}: residuals (reading - fit)", fit.name),
                x_label: format!("time ({tu})"),
                y_label: format!("{} residual ({})", r.quantity, r.unit),
                series: resid,
                ..LineChart::default()
            },
        ));
    }
    out
}
