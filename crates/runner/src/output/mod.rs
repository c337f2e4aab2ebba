//! The files of a run: `timeseries.csv`, `summary.json`, the plots and a copy of the
//! scenario, written atomically into the output directory.
//!
//! The data flow one way: the trajectory becomes a [`Table`] in memory
//! ([`timeseries`]), which is both written as `timeseries.csv` and drawn as the plots;
//! `plenum plot` ([`replot`]) reads a finished run's table back from its file.
//!
//! Everything is written into a temporary directory beside the output directory and swapped
//! into place at the end ([`safety::Staging`]), so a run that fails, is interrupted or
//! is killed leaves either the previous results or the new ones, never a mixture. The
//! directory holds a manifest of its files; an existing directory is replaced only when it is
//! empty or holds nothing but the files its manifest records ([`safety`]). Bytes reach the
//! disk in one place, [`atomic`].

pub mod atomic;
pub mod charts;
pub mod error;
pub mod names;
pub mod safety;
pub mod timeseries;
pub mod variants;

use std::path::{Path, PathBuf};

use crate::config::{default_time_unit, DisplayUnits, PlotKind};
use crate::plot::{LineChart, Series};
use crate::run::{simulate_run, RunResult, Trajectory};
use crate::scenario::Loaded;
use crate::summary::{auto_flow_unit, Summary};
use crate::units::{self, Dimension};
use atomic::write_new;
use error::{io, OutputError};
use safety::{Cancel, Staging};
pub use timeseries::{columns, read_table, write_timeseries, Table};

/// Why `run_scenario` failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the simulation failed")]
    Sim(#[from] plenum_physics::SimError),
    #[error("writing the results failed")]
    Output(#[from] OutputError),
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub out_dir: PathBuf,
    pub summary: Summary,
    /// Every file written, inside `out_dir`.
    pub files: Vec<PathBuf>,
}

/// Run a loaded scenario and write its results into `out_dir` (replacing an earlier run's).
pub fn run_scenario(loaded: &Loaded, out_dir: &Path) -> Result<RunReport, RunError> {
    let result = simulate_scenario(loaded)?;
    Ok(write_run(loaded, result, out_dir, None)?)
}

/// Run a loaded scenario, keeping its trajectory, with the provenance of its file filled in.
pub fn simulate_scenario(loaded: &Loaded) -> Result<RunResult, plenum_physics::SimError> {
    let mut result = simulate_run(&loaded.network, &loaded.config, &loaded.name, true)?;
    result.summary.description = loaded.description.clone();
    result.summary.provenance.scenario_file = loaded.file.clone();
    result.summary.provenance.scenario_sha256 = loaded.sha256.clone();
    Ok(result)
}

/// Write the results of a run into `out_dir`, atomically, replacing an earlier run's. When
/// `cancel` is set before the new directory is swapped in, the temporary is removed, the old
/// results stay, and the error is [`SafetyError::Interrupted`](error::SafetyError::Interrupted).
pub fn write_run(
    loaded: &Loaded,
    result: RunResult,
    out_dir: &Path,
    cancel: Option<&Cancel>,
) -> Result<RunReport, OutputError> {
    let summary = result.summary;
    let trajectory = result.trajectory.unwrap_or(Trajectory { rows: Vec::new() });
    let staging = Staging::begin(out_dir, "run")?;
    let dir = staging.path();
    let step = || cancel.map_or(Ok(()), Cancel::check);
    let table = Table::from_trajectory(&loaded.network, &trajectory);
    write_timeseries(&dir.join("timeseries.csv"), &table)?;
    step()?;
    let json = serde_json::to_string_pretty(&summary).map_err(|e| OutputError::BadSummary {
        path: dir.join("summary.json"),
        reason: e.to_string(),
    })?;
    write_new(&dir.join("summary.json"), json.as_bytes())?;
    write_new(&dir.join("scenario.ron"), loaded.source.as_bytes())?;
    step()?;
    write_plots(dir, &table, &summary, &summary.display)?;
    let names = staging.commit(cancel)?;
    Ok(RunReport {
        out_dir: out_dir.to_path_buf(),
        summary,
        files: names.iter().map(|n| out_dir.join(n)).collect(),
    })
}

/// Check that `out_dir` may receive the results of a run: it does not exist, is empty, or
/// holds only files the manifest of an earlier Plenum output records, unchanged. Nothing
/// else is ever replaced (see [`safety`]).
pub fn check_out_dir(out_dir: &Path) -> Result<(), OutputError> {
    safety::prepare(out_dir)?;
    Ok(())
}

// -------------------------------------------------------------------------------------------
// Plots

fn convert(values: &[f64], unit: &str, dim: Dimension) -> Vec<f64> {
    match units::unit_factor(unit, dim) {
        Ok(f) => values.iter().map(|v| f.from_si(*v)).collect(),
        Err(_) => values.to_vec(),
    }
}

/// Flows smaller than this fraction of the largest are round-off on a log plot.
const LOG_FLOOR: f64 = 1e-8;

/// Peak flows of different links spread over more than this factor call for a log scale:
/// on a linear axis the small ones would lie flat on zero.
const LOG_RANGE: f64 = 30.0;

/// True when the links' peak flows span more than [`LOG_RANGE`] (ignoring links that never
/// carry more than round-off).
fn wide_range(flows: &[(&str, &[f64])]) -> bool {
    let peaks: Vec<f64> = flows
        .iter()
        .map(|(_, c)| c.iter().fold(0.0f64, |m, v| m.max(v.abs())))
        .collect();
    let top = peaks.iter().copied().fold(0.0f64, f64::max);
    let small = peaks
        .iter()
        .copied()
        .filter(|p| *p > top * LOG_FLOOR)
        .fold(f64::INFINITY, f64::min);
    top > 0.0 && small.is_finite() && top / small > LOG_RANGE
}

/// Draw the plots listed in the summary from a time series; returns the files written.
pub fn write_plots(
    dir: &Path,
    table: &Table,
    summary: &Summary,
    display: &DisplayUnits,
) -> Result<Vec<PathBuf>, OutputError> {
    let time = table.column("time_s").unwrap_or(&[]);
    let time_unit = if units::unit_factor(&display.time, Dimension::Time).is_ok() {
        display.time.clone()
    } else {
        default_time_unit(summary.duration_s).to_string()
    };
    let x = convert(time, &time_unit, Dimension::Time);
    let x_label = format!("time ({time_unit})");
    // One line chart: title, y axis label, series, log scale.
    let chart = |what: &str, y_label: String, series: Vec<Series>, log_y: bool| LineChart {
        title: format!("{}: {what}", summary.scenario),
        x_label: x_label.clone(),
        y_label,
        series,
        log_y,
    };
    // One series per column named ITEM<suffix>, converted to `unit`.
    let per_item = |suffix: &str, unit: &str, dim: Dimension| -> Vec<Series> {
        table
            .with_suffix(suffix)
            .map(|(n, c)| Series {
                label: n.to_string(),
                x: x.clone(),
                y: convert(c, unit, dim),
            })
            .collect()
    };
    let mut files = Vec::new();
    for kind in &summary.plots {
        let (drawn, name) = match kind {
            PlotKind::Pressure => {
                let mut series = per_item(".pressure_Pa", &display.pressure, Dimension::Pressure);
                // Pressure thresholds inside the plotted range, as flat reference lines.
                let (lo, hi) = series
                    .iter()
                    .flat_map(|s| s.y.iter().copied())
                    .filter(|v| v.is_finite())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                        (a.min(v), b.max(v))
                    });
                if let (Some(&x0), Some(&x1)) = (x.first(), x.last()) {
                    for th in &summary.thresholds {
                        if !th.quantity.ends_with(".pressure") {
                            continue;
                        }
                        let v = convert(&[th.value], &display.pressure, Dimension::Pressure)[0];
                        if v >= lo && v <= hi {
                            series.push(Series {
                                label: format!("threshold: {}", th.name),
                                x: vec![x0, x1],
                                y: vec![v, v],
                            });
                        }
                    }
                }
                let y_label = format!("pressure ({})", display.pressure);
                (
                    chart("compartment pressures", y_label, series, false),
                    "pressure".to_string(),
                )
            }
            PlotKind::Temperature => {
                let series = per_item(
                    ".temperature_K",
                    &display.temperature,
                    Dimension::Temperature,
                );
                let y_label = format!("temperature ({})", display.temperature);
                (
                    chart("compartment temperatures", y_label, series, false),
                    "temperature".to_string(),
                )
            }
            PlotKind::PartialPressure(sp) => {
                let suffix = format!(".partial_pressure_{sp}_Pa");
                let series = per_item(&suffix, &display.pressure, Dimension::Pressure);
                let y_label = format!("p({sp}) ({})", display.pressure);
                (
                    chart(&format!("partial pressure of {sp}"), y_label, series, false),
                    format!("partial_pressure_{sp}"),
                )
            }
            PlotKind::Flows => {
                let flows: Vec<(&str, &[f64])> = table.with_suffix(".mass_flow_kg_per_s").collect();
                let peak = flows
                    .iter()
                    .flat_map(|(_, c)| c.iter())
                    .fold(0.0f64, |m, v| m.max(v.abs()))
                    * 86_400.0;
                let unit = display
                    .flow
                    .clone()
                    .unwrap_or_else(|| auto_flow_unit(peak).to_string());
                let log = wide_range(&flows);
                let floor = peak / 86_400.0 * LOG_FLOOR;
                let series = flows
                    .iter()
                    .map(|(n, c)| {
                        let label = match summary.links.iter().find(|l| l.name == *n) {
                            Some(l) => format!("{n} ({} → {})", l.from, l.to),
                            None => n.to_string(),
                        };
                        let y = if log {
                            // Magnitudes; values lost in round-off are left out (not drawn).
                            let mags: Vec<f64> = c
                                .iter()
                                .map(|v| if v.abs() > floor { v.abs() } else { f64::NAN })
                                .collect();
                            convert(&mags, &unit, Dimension::MassFlow)
                        } else {
                            convert(c, &unit, Dimension::MassFlow)
                        };
                        Series {
                            label,
                            x: x.clone(),
                            y,
                        }
                    })
                    .collect();
                let drawn = if log {
                    chart(
                        "size of link mass flows (log scale; directions in summary.json)",
                        format!("|mass flow| ({unit})"),
                        series,
                        true,
                    )
                } else {
                    chart(
                        "link mass flows (positive: from → to)",
                        format!("mass flow ({unit})"),
                        series,
                        false,
                    )
                };
                (drawn, "flows".to_string())
            }
        };
        let written = charts::write_line_chart(&drawn, &dir.join(&name))
            .map_err(|source| OutputError::Plot { name, source })?;
        files.extend(written);
    }
    Ok(files)
}

/// Redraw the plots of a finished run in `dir` from its `timeseries.csv` and `summary.json`,
/// with display units overridden where given. Returns the files written. The directory is
/// replaced as a whole ([`Staging`]): its files are carried over into a temporary, the plots
/// redrawn there, and the temporary swapped in with a new manifest, so `dir` must be a
/// Plenum output that holds nothing else.
pub fn replot(
    dir: &Path,
    overrides: &DisplayOverrides,
    cancel: Option<&Cancel>,
) -> Result<Vec<PathBuf>, OutputError> {
    let spath = dir.join("summary.json");
    let text = std::fs::read_to_string(&spath).map_err(io("reading", &spath))?;
    let summary: Summary = serde_json::from_str(&text).map_err(|e| OutputError::BadSummary {
        path: spath.clone(),
        reason: e.to_string(),
    })?;
    let table = read_table(&dir.join("timeseries.csv"))?;
    let mut display = summary.display.clone();
    if let Some(p) = &overrides.pressure {
        display.pressure = p.clone();
    }
    if let Some(t) = &overrides.time {
        display.time = t.clone();
    }
    if let Some(f) = &overrides.flow {
        display.flow = Some(f.clone());
    }
    if let Some(t) = &overrides.temperature {
        display.temperature = t.clone();
    }
    let staging = Staging::begin(dir, "run")?;
    staging.carry_over()?;
    let drawn = write_plots(staging.path(), &table, &summary, &display)?;
    staging.commit(cancel)?;
    Ok(drawn
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| dir.join(n))
        .collect())
}

/// Display units given on the command line of `plenum plot`.
#[derive(Debug, Clone, Default)]
pub struct DisplayOverrides {
    pub pressure: Option<String>,
    pub time: Option<String>,
    pub flow: Option<String>,
    pub temperature: Option<String>,
}
