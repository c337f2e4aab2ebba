//! The validated run configuration: everything about a run besides the model (duration,
//! output times, solver settings, display units, plots, thresholds). Validation
//! ([`crate::scenario`]) builds it; the run, the summary, the outputs, the plots and the
//! sweeps read it.

use plenum_physics::{Direction, EventId, Settings};

use crate::units::{self, Dimension};

/// Prefix of the names of the `Log` events that watch the output thresholds.
pub const THRESHOLD_PREFIX: &str = "threshold: ";

/// Largest number of rows a time series may have.
pub const MAX_ROWS: usize = 2_000_000;

/// Everything about a run besides the model.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Simulated time, s.
    pub duration_s: f64,
    /// Time between output rows, s.
    pub output_interval_s: f64,
    pub settings: Settings,
    pub display: DisplayUnits,
    pub plots: Vec<PlotKind>,
    pub thresholds: Vec<Threshold>,
    /// Crews, devices and atmosphere limits.
    pub life: crate::life::LifeConfig,
}

impl RunConfig {
    /// Output times: 0, interval, 2 interval, ... and the end of the run.
    pub fn output_times(&self) -> Vec<f64> {
        let n = (self.duration_s / self.output_interval_s * (1.0 + 1e-12)).floor() as usize;
        let n = n.min(MAX_ROWS);
        let mut times: Vec<f64> = (0..=n).map(|k| k as f64 * self.output_interval_s).collect();
        match times.last() {
            Some(&last) if last < self.duration_s * (1.0 - 1e-12) => times.push(self.duration_s),
            Some(_) => {
                if let Some(l) = times.last_mut() {
                    *l = l.min(self.duration_s);
                }
            }
            None => times.push(0.0),
        }
        times
    }
}

/// Units used in plots and in the human summary (files are always SI).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DisplayUnits {
    pub pressure: String,
    pub time: String,
    /// `None`: chosen from the size of the flows (kg/day, kg/h or kg/s).
    pub flow: Option<String>,
    pub temperature: String,
}

/// A plot a run draws.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PlotKind {
    Pressure,
    Flows,
    Temperature,
    /// Partial pressure of one species.
    PartialPressure(String),
}

/// A value whose crossings the summary reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// As the user named it, or e.g. `prk.pressure below 600 mmHg`.
    pub label: String,
    /// The watched quantity as written, e.g. `prk.pressure`.
    pub quantity: String,
    pub direction: Direction,
    /// SI.
    pub value: f64,
    /// The value as written, e.g. `600 mmHg`.
    pub value_text: String,
    /// The `Log` event of the model that watches it, so the integrator locates the
    /// crossings exactly.
    pub event: EventId,
}

impl Threshold {
    /// Name of the `Log` event that watches it.
    pub fn event_name(&self) -> String {
        format!("{THRESHOLD_PREFIX}{}", self.label)
    }
}

/// The time unit plots use by default for a run of this length.
pub fn default_time_unit(duration: f64) -> &'static str {
    if duration >= 2.0 * 86_400.0 {
        "day"
    } else if duration >= 2.0 * 3600.0 {
        "h"
    } else if duration >= 120.0 {
        "min"
    } else {
        "s"
    }
}

/// An interval in the largest of day, h, min, s that makes it a whole number (`1 day`, not
/// `24 h`; `90 min`); otherwise as [`fmt_time`] writes it.
pub fn fmt_interval(t: f64) -> String {
    for (unit, scale) in [("day", 86_400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)] {
        let n = t / scale;
        if n >= 1.0 && (n - n.round()).abs() <= 1e-9 * n {
            return format!("{} {unit}", n.round());
        }
    }
    fmt_time(t)
}

/// A time in a readable unit, e.g. `20 day`, `90 min`.
pub fn fmt_time(t: f64) -> String {
    let unit = default_time_unit(t.abs());
    let v = units::to_display(t, unit, Dimension::Time).unwrap_or(t);
    format!("{} {unit}", units::format_significant(v, 6))
}
