//! The results of a design on disk: `design.json` (everything, with provenance),
//! `design.csv` (one row per procedure and pair), `predicted-readings.csv` (every
//! hypothesis's expected readings under every procedure), `design.png/svg` (each
//! hypothesis's expected readings under the best procedure with the band the sensor
//! resolves), `design-differences.png/svg` (each pair's difference against the threshold)
//! and `summary.txt`. The directory is written as a whole through [`Staging`], so it
//! replaces only a directory of Plenum's own.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::compute::{DesignResult, PairResult};
use super::{Design, DesignSensor};
use crate::config::default_time_unit;
use crate::fit::model::fit_settings;
use crate::output::error::OutputError;
use crate::output::results::ResultsDir;
use crate::output::results::{csv_num as g, csv_opt as go, json_num as num, json_opt as opt};
use crate::output::safety::Cancel;
use crate::plot::{BandedChart, BandedLine, LineChart, Marker, Series};
use crate::units::{self, format_significant, Dimension};

/// Write the results of `result` into `out_dir`; returns the files written.
pub fn write_design(
    d: &Design,
    result: &DesignResult,
    out_dir: &Path,
    cancel: Option<&Cancel>,
) -> Result<Vec<PathBuf>, OutputError> {
    let mut out = ResultsDir::begin(out_dir, "design")?;
    let json = serde_json::to_string_pretty(&to_json(d, result)).unwrap_or_default();
    out.put("design.json", json.as_bytes())?;
    out.put("design.csv", design_csv(d, result).as_bytes())?;
    out.put("predicted-readings.csv", readings_csv(d, result).as_bytes())?;
    out.put("summary.txt", summary(d, result).as_bytes())?;
    for (name, chart) in charts(d, result) {
        match &chart {
            Chart::Banded(c) => out.chart(name, c)?,
            Chart::Line(c) => out.chart(name, c)?,
        };
    }
    out.commit(cancel)
}

fn pair_json(d: &Design, r: &PairResult) -> Value {
    let name = |i: usize| d.hypotheses[i].name.clone();
    json!({
        "a": name(r.a),
        "b": name(r.b),
        "separation_time_s": opt(r.separation),
        "crossing_time_s": opt(r.crossing),
        "separated_by": r.sensor.map(|s| d.sensors[s].quantity.clone()),
        "max_difference_si": r.max_difference.iter().map(|x| num(*x)).collect::<Vec<_>>(),
        "chi2": num(r.chi2),
        "refits": r.refits.iter().map(|f| json!({
            "true": name(f.truth),
            "refitted": name(f.rival),
            "chi2": num(f.chi2),
            "parameters": d.hypotheses[f.rival].free.iter().zip(&f.theta).map(|(p, v)| json!({
                "path": p.path, "si_unit": p.dim.si_unit(), "value": num(*v),
            })).collect::<Vec<_>>(),
            "runs": f.runs,
            "error": f.error,
        })).collect::<Vec<_>>(),
        "score": num(r.score),
    })
}

/// Everything the design found, SI units, with provenance.
pub fn to_json(d: &Design, result: &DesignResult) -> Value {
    let sensors: Vec<Value> = d
        .sensors
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "quantity": s.quantity,
                "si_unit": s.dim.si_unit(),
                "resolution": s.sensor.resolution,
                "noise": s.sensor.noise,
                "bias": s.sensor.bias,
                "interval_s": s.interval,
                "sigma": s.sigma(),
                "threshold": d.threshold(i),
            })
        })
        .collect();
    let hypotheses: Vec<Value> = d
        .hypotheses
        .iter()
        .map(|h| {
            let mut v = json!({
                "name": h.name,
                "description": h.description,
                "variant": h.variant,
                "free": h.free.iter().map(|f| json!({
                    "path": f.path, "si_unit": f.dim.si_unit(), "lower": f.lower,
                    "upper": f.upper, "guess": f.guess, "log": f.log,
                })).collect::<Vec<_>>(),
            });
            if let Some(f) = &h.fitted {
                v["fit"] = json!({
                    "file": f.file,
                    "hypothesis": f.hypothesis,
                    "parameters": f.params.iter().map(|x| json!({
                        "path": x.path, "si_unit": x.si_unit, "value": num(x.value),
                        "coordinate": crate::fit::handoff::coordinate(x.log),
                    })).collect::<Vec<_>>(),
                    "covariance": f.covariance,
                });
            }
            v
        })
        .collect();
    let procedures: Vec<Value> = d
        .procedures
        .iter()
        .enumerate()
        .map(|(p, proc)| {
            let pr = &result.procedures[p];
            json!({
                "name": proc.name,
                "description": proc.description,
                "window_s": proc.window,
                "rank": pr.rank,
                "worst_separation_time_s": opt(pr.worst_time),
                "worst_score": num(pr.worst_score),
                "predictions": d.hypotheses.iter().zip(&result.predictions[p]).map(|(h, pred)| {
                    let mut v = json!({"hypothesis": h.name, "error": pred.error});
                    if !pred.variance.is_empty() {
                        v["max_parameter_sd_si"] = pred.variance.iter().map(|r| {
                            num(r.iter().copied().fold(0.0, f64::max).sqrt())
                        }).collect::<Vec<_>>().into();
                    }
                    v
                }).collect::<Vec<_>>(),
                "pairs": pr.pairs.iter().map(|r| pair_json(d, r)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let settings = fit_settings(&d.base.config.settings);
    let mut out = json!({
        "design": d.name,
        "description": d.description,
        "confidence": d.confidence,
        "z": d.z,
        "best_procedure": d.procedures[result.best()].name,
        "ranking": result.order.iter().map(|&i| d.procedures[i].name.clone()).collect::<Vec<_>>(),
        "sensors": sensors,
        "hypotheses": hypotheses,
        "procedures": procedures,
        "method": {
            "expected_reading": "model value + bias at every interval from 0 through the window; free parameters at their guesses",
            "sigma_eff": "sqrt(noise^2 + resolution^2/12), as the fit's likelihood",
            "separation": "first reading time with |y_a - y_b| > z_(1-alpha/2) sqrt(2) sigma_eff; crossing interpolated linearly between readings",
            "score": "sum ((y_a - y_b)/sigma_eff)^2; with a rival's free parameters, the T-optimal min over them (Levenberg-Marquardt refit to the other's expected readings); the least of these",
            "ranking": "worst pair's separation time (never last), then worst pair's score (higher first), then file order",
            "rtol": settings.rtol,
            "atol_pressure_pa": settings.atol_pressure,
            "refit_starts": 1 + d.starts,
            "seed": d.seed,
        },
        "runs": result.runs,
        "provenance": {
            "plenum_version": env!("CARGO_PKG_VERSION"),
            "design_file": d.file,
            "design_sha256": d.sha256,
            "scenario_file": d.base.file,
            "scenario_sha256": d.base.sha256,
        },
    });
    if d.hypotheses.iter().any(|h| h.fitted.is_some()) {
        out["method"]["parameter_uncertainty"] = json!(
            "fitted hypotheses: var(t) = g(t)^T Sigma g(t), g central differences of the reading in the fitted coordinates (the fit's step), Sigma the fit's covariance; separation when |y_a - y_b| > z_(1-alpha/2) sqrt(2 sigma_eff^2 + var_a + var_b)"
        );
    }
    out
}

fn design_csv(d: &Design, result: &DesignResult) -> String {
    let mut s = String::from(
        "procedure,rank,hypothesis_a,hypothesis_b,separation_time_s,crossing_time_s,chi2,score\n",
    );
    for &p in &result.order {
        let pr = &result.procedures[p];
        for r in &pr.pairs {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{}",
                d.procedures[p].name,
                pr.rank,
                d.hypotheses[r.a].name,
                d.hypotheses[r.b].name,
                go(r.separation),
                go(r.crossing),
                g(r.chi2),
                g(r.score)
            );
        }
    }
    s
}

fn readings_csv(d: &Design, result: &DesignResult) -> String {
    // The column of the parameters' standard deviation only where a hypothesis is fitted.
    let fitted = d.hypotheses.iter().any(|h| h.fitted.is_some());
    let mut s = String::from("procedure,hypothesis,quantity,time_s,expected_reading_si");
    s.push_str(if fitted { ",parameter_sd_si\n" } else { "\n" });
    for (p, proc) in d.procedures.iter().enumerate() {
        for (h, hyp) in d.hypotheses.iter().enumerate() {
            let pred = &result.predictions[p][h];
            for (k, sensor) in d.sensors.iter().enumerate() {
                let times = &d.case(p, h).frame.readings[k].times;
                for (i, (t, y)) in times
                    .iter()
                    .zip(pred.readings.get(k).into_iter().flatten())
                    .enumerate()
                {
                    let _ = write!(
                        s,
                        "{},{},{},{},{}",
                        proc.name,
                        hyp.name,
                        sensor.quantity,
                        g(*t),
                        g(*y)
                    );
                    if fitted {
                        let v = pred.variance.get(k).and_then(|v| v.get(i));
                        let _ = write!(s, ",{}", g(v.copied().unwrap_or(0.0).sqrt()));
                    }
                    s.push('\n');
                }
            }
        }
    }
    s
}

/// A time in a readable unit: "42 s", "18.5 min", "3.2 h", "2.41 day".
pub fn readable_time(t: f64) -> String {
    let (v, u) = if t < 120.0 {
        (t, "s")
    } else if t < 7200.0 {
        (t / 60.0, "min")
    } else if t < 2.0 * 86_400.0 {
        (t / 3600.0, "h")
    } else {
        (t / 86_400.0, "day")
    };
    format!("{} {u}", format_significant(v, 3))
}

/// A difference of readings in the sensor's unit.
fn shown_difference(s: &DesignSensor, x: f64) -> f64 {
    let at = |v: f64| units::to_display(v, &s.unit, s.dim).unwrap_or(v);
    at(x) - at(0.0)
}

/// A readable summary (also printed by `plenum design`).
pub fn summary(d: &Design, result: &DesignResult) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "design '{}': {} hypotheses, {} procedures, {} runs; told apart at {} % confidence",
        d.name,
        d.hypotheses.len(),
        d.procedures.len(),
        result.runs,
        format_significant(d.confidence * 100.0, 4)
    );
    for (i, sensor) in d.sensors.iter().enumerate() {
        let _ = writeln!(
            s,
            "  sensor {}: every {}, sigma {} {u}; resolves a difference above {} {u}",
            sensor.quantity,
            readable_time(sensor.interval),
            format_significant(shown_difference(sensor, sensor.sigma()), 3),
            format_significant(shown_difference(sensor, d.threshold(i)), 3),
            u = sensor.unit
        );
    }
    for h in &d.hypotheses {
        if let Some(f) = &h.fitted {
            let _ = writeln!(
                s,
                "  hypothesis {}: from the fit '{}' (its hypothesis '{}'), {} fitted parameter{} with their covariance: {}",
                h.name,
                f.file,
                f.hypothesis,
                f.params.len(),
                if f.params.len() == 1 { "" } else { "s" },
                f.params
                    .iter()
                    .map(|x| format!("{} = {} {}", x.path, format_significant(x.value, 4), x.si_unit).trim_end().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    for &p in &result.order {
        let proc = &d.procedures[p];
        let pr = &result.procedures[p];
        let _ = writeln!(
            s,
            "\n  {}. {} (window {}): worst pair {}",
            pr.rank,
            proc.name,
            readable_time(proc.window),
            match pr.worst_time {
                Some(t) => format!("told apart after {}", readable_time(t)),
                None => "never told apart within the window".into(),
            }
        );
        for (h, pred) in result.predictions[p].iter().enumerate() {
            if let Some(e) = &pred.error {
                let _ = writeln!(s, "     {}: the run failed: {e}", d.hypotheses[h].name);
            }
        }
        for r in &pr.pairs {
            let when = match (r.separation, r.crossing) {
                (Some(t), Some(c)) => format!(
                    "apart at {} (crossing {}, {})",
                    readable_time(t),
                    readable_time(c),
                    r.sensor
                        .map(|k| d.sensors[k].quantity.as_str())
                        .unwrap_or("")
                ),
                _ => {
                    let most: Vec<String> = d
                        .sensors
                        .iter()
                        .zip(&r.max_difference)
                        .map(|(sn, x)| {
                            format!(
                                "{} {}",
                                format_significant(shown_difference(sn, *x), 3),
                                sn.unit
                            )
                        })
                        .collect();
                    format!("never apart (largest difference {})", most.join(", "))
                }
            };
            let refits: String = r
                .refits
                .iter()
                .map(|f| {
                    format!(
                        "; {} refitted to {}: chi^2 {}",
                        d.hypotheses[f.rival].name,
                        d.hypotheses[f.truth].name,
                        format_significant(f.chi2, 4)
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "     {} vs {}: {when}; chi^2 {}{refits}",
                d.hypotheses[r.a].name,
                d.hypotheses[r.b].name,
                format_significant(r.chi2, 4)
            );
        }
    }
    let best = result.best();
    let _ = writeln!(
        s,
        "\n  best procedure: {}{}",
        d.procedures[best].name,
        match result.procedures[best].worst_time {
            Some(t) => format!(
                ": watch the gauge for {} to tell every pair apart",
                readable_time(t)
            ),
            None => ": but it leaves a pair that no procedure here tells apart".into(),
        }
    );
    s
}

/// A chart of the design: the expected readings over their bands, or the differences.
enum Chart {
    Banded(BandedChart),
    Line(LineChart),
}

fn charts(d: &Design, result: &DesignResult) -> Vec<(String, Chart)> {
    let p = result.best();
    let proc = &d.procedures[p];
    let tu = default_time_unit(proc.window);
    let tf = units::unit_factor(tu, Dimension::Time).ok();
    let tx = |t: f64| tf.map_or(t, |f| f.from_si(t));
    let many = d.sensors.len() > 1;
    let pr = &result.procedures[p];
    let markers: Vec<Marker> = pr
        .pairs
        .iter()
        .filter_map(|r| {
            r.separation.map(|t| Marker {
                x: tx(t),
                label: format!("{} | {}", d.hypotheses[r.a].name, d.hypotheses[r.b].name),
            })
        })
        .collect();
    let mut out = Vec::new();
    for (k, sensor) in d.sensors.iter().enumerate() {
        let tag = if many {
            format!("-{}", k + 1)
        } else {
            String::new()
        };
        let shown = |v: f64| units::to_display(v, &sensor.unit, sensor.dim).unwrap_or(v);
        let half = d.threshold(k) / 2.0;
        let sigma2 = sensor.sigma().powi(2);
        let mut lines = Vec::new();
        for (h, pred) in result.predictions[p].iter().enumerate() {
            let Some(y) = pred.readings.get(k) else {
                continue;
            };
            let x: Vec<f64> = d.case(p, h).frame.readings[k]
                .times
                .iter()
                .map(|t| tx(*t))
                .collect();
            let name = &d.hypotheses[h].name;
            let edges = |w: &dyn Fn(usize) -> f64| -> (Vec<f64>, Vec<f64>) {
                y.iter()
                    .enumerate()
                    .map(|(i, v)| (shown(v - w(i)), shown(v + w(i))))
                    .unzip()
            };
            let mut bands = Vec::new();
            match pred.variance.get(k) {
                // Sensor and parameters: half-widths z sqrt(sigma^2/2 + var) (two bands
                // apart are then told apart), and the parameters' own z sd inside.
                Some(var) => {
                    let (lo, hi) = edges(&|i| d.z * (sigma2 / 2.0 + var[i]).sqrt());
                    bands.push((format!("{name}: sensor and parameters"), lo, hi));
                    let (lo, hi) = edges(&|i| d.z * var[i].sqrt());
                    bands.push((
                        format!(
                            "{name}: fitted parameters (+- {} sd)",
                            format_significant(d.z, 3)
                        ),
                        lo,
                        hi,
                    ));
                }
                None => {
                    let (lo, hi) = edges(&|_| half);
                    bands.push((
                        format!(
                            "{name} +- {} {}",
                            format_significant(shown_difference(sensor, half), 3),
                            sensor.unit
                        ),
                        lo,
                        hi,
                    ));
                }
            }
            lines.push(BandedLine {
                label: name.clone(),
                x,
                y: y.iter().map(|v| shown(*v)).collect(),
                bands,
            });
        }
        out.push((
            format!("design{tag}"),
            Chart::Banded(BandedChart {
                title: format!(
                    "{}: expected {} under '{}' (bands: apart where they do not overlap)",
                    d.name, sensor.quantity, proc.name
                ),
                x_label: format!("time ({tu})"),
                y_label: format!("{} ({})", sensor.quantity, sensor.unit),
                lines,
                markers: markers.clone(),
            }),
        ));
        let diffs: Vec<Series> = pr
            .pairs
            .iter()
            .filter_map(|r| {
                let (ya, yb) = (
                    result.predictions[p][r.a].readings.get(k)?,
                    result.predictions[p][r.b].readings.get(k)?,
                );
                Some(Series {
                    label: format!("{} - {}", d.hypotheses[r.a].name, d.hypotheses[r.b].name),
                    x: d.case(p, r.a).frame.readings[k]
                        .times
                        .iter()
                        .map(|t| tx(*t))
                        .collect(),
                    y: ya
                        .iter()
                        .zip(yb)
                        .map(|(a, b)| shown_difference(sensor, (a - b).abs()))
                        .collect(),
                })
            })
            .collect();
        out.push((
            format!("design-differences{tag}"),
            Chart::Line(LineChart {
                title: format!(
                    "{}: |difference| of expected {} under '{}'",
                    d.name, sensor.quantity, proc.name
                ),
                x_label: format!("time ({tu})"),
                y_label: format!("|difference| ({})", sensor.unit),
                series: diffs,
                levels: vec![crate::plot::Level {
                    label: format!(
                        "resolved at {} %",
                        format_significant(d.confidence * 100.0, 4)
                    ),
                    y: shown_difference(sensor, d.threshold(k)),
                    from_x: None,
                }],
                markers: markers.clone(),
                ..LineChart::default()
            }),
        ));
    }
    out
}
