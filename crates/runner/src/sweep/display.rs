//! A sweep's results in display units: the unit each column is shown in, and
//! `runs-display.csv`, the copy of `runs.csv` people read (runs.csv itself stays SI).

use std::path::Path;

use super::*;
use crate::output::atomic::write_file_atomic;
use crate::units::{format_significant, to_display, Dimension};

/// The display copy of the runs table.
pub const DISPLAY_TABLE: &str = "runs-display.csv";

/// How a column of `runs.csv` is shown: its display unit and the conversion from the value
/// as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// The unit as people write it (`mmHg`, `day`, `kg/day`, `count`).
    pub unit: String,
    /// The dimension to convert through, and the factor that turns the recorded value into
    /// SI first (1/86400 for a leak rate recorded in kg/day); `None`: shown as recorded.
    conv: Option<(Dimension, f64)>,
}

impl Shown {
    /// A recorded value in the display unit (unchanged when it cannot be converted).
    pub fn value(&self, recorded: f64) -> f64 {
        match self.conv {
            Some((dim, to_si)) => to_display(recorded * to_si, &self.unit, dim).unwrap_or(recorded),
            None => recorded,
        }
    }

    /// The unit as a column-name suffix: `kg/day` -> `kg_per_day`.
    pub fn tag(&self) -> String {
        unit_tag(&self.unit)
    }
}

/// A unit written as a column-name suffix: `/` as `_per_`, runs of anything but letters and
/// digits as one `_` (`kg/day` -> `kg_per_day`, `kg/(s Pa)` -> `kg_per_s_Pa`).
pub fn unit_tag(unit: &str) -> String {
    let spelled = unit.trim().replace('/', "_per_");
    let mut tag = String::new();
    for c in spelled.chars() {
        if c.is_alphanumeric() {
            tag.push(c);
        } else if !tag.is_empty() && !tag.ends_with('_') {
            tag.push('_');
        }
    }
    tag.trim_end_matches('_').to_string()
}

/// How metric `k` is shown: pressures, times, temperatures and flows in the base scenario's
/// display units (`outputs: (pressure_unit, time_unit, flow_unit)`; flows in kg/day when no
/// flow unit is set), everything else as recorded.
pub fn metric_shown(sweep: &Sweep, k: usize) -> Shown {
    let d = &sweep.base.config.display;
    let flow = || d.flow.clone().unwrap_or_else(|| "kg/day".into());
    let (unit, conv) = match sweep.metrics[k].unit {
        "Pa" => (d.pressure.clone(), Some((Dimension::Pressure, 1.0))),
        "s" => (d.time.clone(), Some((Dimension::Time, 1.0))),
        "K" => (d.temperature.clone(), Some((Dimension::Temperature, 1.0))),
        "kg_per_s" => (flow(), Some((Dimension::MassFlow, 1.0))),
        "kg_per_day" => (flow(), Some((Dimension::MassFlow, 1.0 / 86_400.0))),
        u => (u.replace("_per_", "/"), None),
    };
    Shown { unit, conv }
}

/// How parameter `j` is shown: in the unit its values were first written with.
pub fn param_shown(sweep: &Sweep, j: usize) -> Shown {
    let p = &sweep.params[j];
    Shown {
        unit: p.display_unit.clone(),
        conv: Some((p.dim, 1.0)),
    }
}

/// The header of `runs-display.csv`: as `runs.csv`'s, with each unit suffix the display
/// unit's (`links.prk_crack.element.area_mm2`, `prk_plateau_mmHg`, `t_prk_200mmHg_day`).
pub fn display_header(sweep: &Sweep) -> Vec<String> {
    let mut h = vec!["run".to_string()];
    for (j, p) in sweep.params.iter().enumerate() {
        h.push(format!("{}_{}", p.path, param_shown(sweep, j).tag()));
    }
    for (k, m) in sweep.metrics.iter().enumerate() {
        h.push(format!("{}_{}", m.name, metric_shown(sweep, k).tag()));
    }
    h.push("status".into());
    h.push("error".into());
    h
}

/// Write `runs-display.csv` beside a complete `runs.csv`: the same rows in the same order,
/// numbers in display units to 6 significant digits, empty cells left empty. Read back from
/// the file, so a resumed or merged sweep gets the same copy as one run in one go.
pub(super) fn write_display_table(sweep: &Sweep, dir: &Path) -> Result<(), SweepError> {
    let runs = dir.join("runs.csv");
    let bad = |e: csv::Error| SweepError::Resume(format!("{}: {e}", runs.display()));
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .from_path(&runs)
        .map_err(bad)?;
    let shown: Vec<Shown> = (0..sweep.params.len())
        .map(|j| param_shown(sweep, j))
        .chain((0..sweep.metrics.len()).map(|k| metric_shown(sweep, k)))
        .collect();
    let mut rows = vec![display_header(sweep)];
    for rec in rdr.records() {
        let rec = rec.map_err(bad)?;
        let row = rec
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let conv = i.checked_sub(1).and_then(|c| shown.get(c));
                match (conv, field.parse::<f64>()) {
                    (Some(s), Ok(v)) => format_significant(s.value(v), 6),
                    _ => field.to_string(),
                }
            })
            .collect();
        rows.push(row);
    }
    let text = csv_lines(rows);
    Ok(write_file_atomic(
        &dir.join(DISPLAY_TABLE),
        text.as_bytes(),
    )?)
}

/// The files a finished unsharded sweep writes after its plots: the display table and the
/// report.
pub(super) fn summary_files() -> [String; 2] {
    [
        DISPLAY_TABLE.to_string(),
        crate::report::REPORT_FILE.to_string(),
    ]
}

/// After the plots of a finished sweep: write `runs-display.csv` and `report.html` into
/// `dir` (declared in its manifest by the caller) and return the summary of each metric.
pub(super) fn write_summary_files(
    sweep: &Sweep,
    results: &Results,
    plots: &[std::path::PathBuf],
    dir: &Path,
) -> Result<Vec<MetricSummary>, SweepError> {
    write_display_table(sweep, dir)?;
    let metrics = metric_summaries(sweep, results);
    let input = crate::report::SweepInput {
        sweep,
        results,
        metrics: &metrics,
        figures: crate::report::Figure::from_files(plots),
    };
    let page = crate::report::sweep_page(&input);
    crate::report::write(&dir.join(crate::report::REPORT_FILE), &page)?;
    Ok(metrics)
}
