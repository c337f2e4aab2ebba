//! The files of a run: `timeseries.csv`, `summary.json`, the plots, a copy of the
//! scenario and `report.html` ([`crate::report`]), written atomically into the output
//! directory.
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
pub mod plots;
pub mod results;
pub mod safety;
pub mod timeseries;
pub mod variants;

use std::path::{Path, PathBuf};

use crate::config::DisplayUnits;
use crate::run::{simulate_run, RunResult, Trajectory};
use crate::scenario::Loaded;
use crate::summary::Summary;
use atomic::write_new;
use error::{io, OutputError};
pub use plots::write_plots;
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
    let plots = write_plots(dir, &table, &summary, &summary.display)?;
    write_report(dir, &summary, &summary.display, &plots)?;
    let names = staging.commit(cancel)?;
    Ok(RunReport {
        out_dir: out_dir.to_path_buf(),
        summary,
        files: names.iter().map(|n| out_dir.join(n)).collect(),
    })
}

/// Write `report.html` into the staged directory `dir` of a run, from its summary (in
/// `display` units), the `scenario.ron` copy there and the plots just drawn.
fn write_report(
    dir: &Path,
    summary: &Summary,
    display: &DisplayUnits,
    plots: &[PathBuf],
) -> Result<(), OutputError> {
    let spath = dir.join("scenario.ron");
    let source = std::fs::read_to_string(&spath).map_err(io("reading", &spath))?;
    let mut shown = summary.clone();
    shown.display = display.clone();
    let figures = crate::report::Figure::from_files(plots);
    let html = crate::report::run_html(&shown, &source, figures);
    // Replaced by a rename, not rewritten in place: the report `plenum plot` carries over
    // may be a hard link to the finished run's file.
    atomic::write_file_atomic(&dir.join(crate::report::REPORT_FILE), html.as_bytes())?;
    Ok(())
}

/// Check that `out_dir` may receive the results of a run: it does not exist, is empty, or
/// holds only files the manifest of an earlier Plenum output records, unchanged. Nothing
/// else is ever replaced (see [`safety`]).
pub fn check_out_dir(out_dir: &Path) -> Result<(), OutputError> {
    safety::prepare(out_dir)?;
    Ok(())
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
    let (summary, table) = read_run(dir)?;
    let display = overrides.apply(&summary.display);
    let staging = Staging::begin(dir, "run")?;
    staging.carry_over()?;
    let drawn = write_plots(staging.path(), &table, &summary, &display)?;
    write_report(staging.path(), &summary, &display, &drawn)?;
    staging.commit(cancel)?;
    Ok(drawn
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| dir.join(n))
        .collect())
}

/// The summary and time series of the finished run in `dir`.
pub fn read_run(dir: &Path) -> Result<(Summary, Table), OutputError> {
    let spath = dir.join("summary.json");
    let text = std::fs::read_to_string(&spath).map_err(io("reading", &spath))?;
    let summary: Summary = serde_json::from_str(&text).map_err(|e| OutputError::BadSummary {
        path: spath.clone(),
        reason: e.to_string(),
    })?;
    let table = read_table(&dir.join("timeseries.csv"))?;
    Ok((summary, table))
}

impl DisplayOverrides {
    /// `display` with these overrides.
    pub fn apply(&self, display: &DisplayUnits) -> DisplayUnits {
        let overrides = self;
        let mut display = display.clone();
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
        display
    }
}

/// Display units given on the command line of `plenum plot`.
#[derive(Debug, Clone, Default)]
pub struct DisplayOverrides {
    pub pressure: Option<String>,
    pub time: Option<String>,
    pub flow: Option<String>,
    pub temperature: Option<String>,
}
