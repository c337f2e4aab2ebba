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
    /// Plots with options, drawn after `plots`.
    pub steered_plots: Vec<PlotSpec>,
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

/// A plot with options (`Plot(kind: Pressure, from: "2 day", ...)` in a scenario, or the
/// flags of `plenum plot`). A bare plot is a [`PlotKind`] with no options.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct PlotOptions {
    /// Start of the time window, s (default: the start of the run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_s: Option<f64>,
    /// End of the time window, s (default: the end of the run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_s: Option<f64>,
    /// The compartments (or, for flows, links) to show; empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub show: Vec<String>,
    /// Logarithmic y axis.
    #[serde(default)]
    pub log_y: bool,
    /// What a gauge would read instead of the exact value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensor: Option<Sensor>,
    /// File name (without extension); default: the kind's own (`pressure`, `flows`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A gauge model applied to a plotted quantity, in its SI unit: the reading is
/// `round((value + bias + noise * N(0, 1)) / resolution) * resolution`, the normal draws
/// seeded by `seed` and the series' name, so a plot is the same every time it is drawn.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Sensor {
    /// Quantisation step (0: none).
    pub resolution: f64,
    /// Standard deviation of the noise (0: none).
    pub noise: f64,
    pub bias: f64,
    pub seed: u64,
}

/// A plot and its options.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlotSpec {
    pub kind: PlotKind,
    pub options: PlotOptions,
}

impl PlotKind {
    /// The file name of its plot (without extension).
    pub fn file_name(&self) -> String {
        match self {
            PlotKind::Pressure => "pressure".into(),
            PlotKind::Flows => "flows".into(),
            PlotKind::Temperature => "temperature".into(),
            PlotKind::PartialPressure(sp) => format!("partial_pressure_{sp}"),
        }
    }
}

/// Why a time window `from`..`to` (s) does not fit a run of `duration` s; `None` when it
/// does. Either end may be left open.
pub fn window_problem(from: Option<f64>, to: Option<f64>, duration: f64) -> Option<String> {
    let lo = from.unwrap_or(0.0);
    let hi = to.unwrap_or(duration);
    if lo >= duration {
        Some(format!(
            "the window starts at {}, after the run, which ends at {}",
            fmt_time(lo),
            fmt_time(duration)
        ))
    } else if hi > duration * (1.0 + 1e-12) {
        Some(format!(
            "the window ends at {}, after the run, which ends at {}",
            fmt_time(hi),
            fmt_time(duration)
        ))
    } else if hi <= lo {
        Some(format!(
            "the window ends at {}, not after its start at {}",
            fmt_time(hi),
            fmt_time(lo)
        ))
    } else {
        None
    }
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
    /// The event whose first firing fixes the value (`value` is then the offset from the
    /// quantity's value at that moment).
    pub relative_to: Option<String>,
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
