//! `plenum compare`: finished runs side by side. Each run directory is read with the readers
//! `plenum plot` uses ([`crate::output::read_run`]); the runs' common compartments and links
//! are overlaid, one line per run, and a table of differences (final pressures, leak rates,
//! mass lost, threshold crossing times, event times: the value of each run and its
//! difference from the first) is printed and written as `compare.json` and `compare.csv`,
//! into an output directory replaced as a whole under the output-safety rules.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::default_time_unit;
use crate::output::atomic::write_new;
use crate::output::error::OutputError;
use crate::output::safety::{Cancel, Staging};
use crate::output::{charts, read_run, Table};
use crate::plot::{LineChart, Marker, Series};
use crate::summary::Summary;
use crate::units::{self, Dimension};

/// One finished run.
#[derive(Debug, Clone)]
pub struct Run {
    pub label: String,
    pub dir: PathBuf,
    pub summary: Summary,
    pub table: Table,
}

/// Why runs cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("{0} is not the output directory of a run (it needs summary.json and timeseries.csv)")]
    NotARun(PathBuf),
    #[error("{} labels for {} runs", .labels, .runs)]
    Labels { labels: usize, runs: usize },
    #[error("two runs are labelled '{0}'")]
    SameLabel(String),
    #[error("reading {}: {}", .0.display(), .1)]
    Read(PathBuf, #[source] OutputError),
    #[error("the runs have no compartment in common ({0}): they are not runs of one station")]
    NothingCommon(String),
}

/// Read the runs in `dirs`, labelled by `labels` or by their directory names.
pub fn load_runs(dirs: &[PathBuf], labels: &[String]) -> Result<Vec<Run>, CompareError> {
    if !labels.is_empty() && labels.len() != dirs.len() {
        return Err(CompareError::Labels {
            labels: labels.len(),
            runs: dirs.len(),
        });
    }
    let mut runs: Vec<Run> = Vec::new();
    for (k, dir) in dirs.iter().enumerate() {
        if !dir.exists() {
            return Err(CompareError::Missing(dir.clone()));
        }
        if !dir.join("summary.json").is_file() || !dir.join("timeseries.csv").is_file() {
            return Err(CompareError::NotARun(dir.clone()));
        }
        let (summary, table) = read_run(dir).map_err(|e| CompareError::Read(dir.clone(), e))?;
        let label = labels.get(k).cloned().unwrap_or_else(|| {
            dir.file_name()
                .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into())
        });
        if runs.iter().any(|r| r.label == label) {
            return Err(CompareError::SameLabel(label));
        }
        runs.push(Run {
            label,
            dir: dir.clone(),
            summary,
            table,
        });
    }
    Ok(runs)
}

/// One row of the table of differences: a value of each run (SI, `None` where the run has
/// none, e.g. a threshold never crossed) and its difference from the first run's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// e.g. `final pressure: prk`.
    pub quantity: String,
    /// SI unit of the values.
    pub unit: String,
    pub values: Vec<Option<f64>>,
    pub differences: Vec<Option<f64>>,
}

/// The comparison of a set of runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub runs: Vec<String>,
    pub dirs: Vec<String>,
    pub rows: Vec<Row>,
    /// What only some runs have, e.g. `compartment 'lab': only in b`.
    pub not_common: Vec<String>,
}

/// Names present in every run, in the first run's order, and what is missing where.
fn common<'a>(
    runs: &'a [Run],
    what: &str,
    names: impl Fn(&'a Summary) -> Vec<&'a str>,
    not_common: &mut Vec<String>,
) -> Vec<&'a str> {
    let lists: Vec<Vec<&str>> = runs.iter().map(|r| names(&r.summary)).collect();
    let mut all: Vec<&str> = Vec::new();
    for l in &lists {
        for n in l {
            if !all.contains(n) {
                all.push(n);
            }
        }
    }
    let mut out = Vec::new();
    for n in all {
        let having: Vec<&str> = runs
            .iter()
            .zip(&lists)
            .filter(|(_, l)| l.contains(&n))
            .map(|(r, _)| r.label.as_str())
            .collect();
        if having.len() == runs.len() {
            out.push(n);
        } else {
            not_common.push(format!("{what} '{n}': only in {}", having.join(", ")));
        }
    }
    out
}

/// Compare the runs: the table of differences over what they have in common.
pub fn compare(runs: &[Run]) -> Result<Comparison, CompareError> {
    let mut not_common = Vec::new();
    let comps = common(
        runs,
        "compartment",
        |s| s.compartments.iter().map(|c| c.name.as_str()).collect(),
        &mut not_common,
    );
    if comps.is_empty() {
        let each: Vec<String> = runs
            .iter()
            .map(|r| {
                let names: Vec<&str> = r
                    .summary
                    .compartments
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect();
                format!("{} has {}", r.label, names.join(", "))
            })
            .collect();
        return Err(CompareError::NothingCommon(each.join("; ")));
    }
    let bounds = common(
        runs,
        "boundary",
        |s| s.boundaries.iter().map(|b| b.name.as_str()).collect(),
        &mut not_common,
    );
    let thresholds = common(
        runs,
        "threshold",
        |s| s.thresholds.iter().map(|t| t.name.as_str()).collect(),
        &mut not_common,
    );
    let events = common(
        runs,
        "event",
        |s| s.events.iter().map(|e| e.name.as_str()).collect(),
        &mut not_common,
    );
    let mut rows = Vec::new();
    let mut row = |quantity: String, unit: &str, f: &dyn Fn(&Summary) -> Option<f64>| {
        let values: Vec<Option<f64>> = runs.iter().map(|r| f(&r.summary)).collect();
        let differences = values
            .iter()
            .map(|v| Some(v.as_ref()? - values[0]?))
            .collect();
        rows.push(Row {
            quantity,
            unit: unit.to_string(),
            values,
            differences,
        });
    };
    for c in &comps {
        row(format!("final pressure: {c}"), "Pa", &|s| {
            s.compartments
                .iter()
                .find(|x| x.name == *c)
                .map(|x| x.final_pressure)
        });
    }
    for b in &bounds {
        row(format!("leak rate at end into {b}"), "kg/day", &|s| {
            s.boundaries
                .iter()
                .find(|x| x.name == *b)
                .map(|x| x.leak_rate_end_kg_per_day)
        });
    }
    row(
        "mass lost by the compartments (< 0: gained)".into(),
        "kg",
        &|s| Some(s.total_mass_lost_kg),
    );
    for t in &thresholds {
        row(format!("first crossing: {t}"), "s", &|s| {
            s.thresholds
                .iter()
                .find(|x| x.name == *t)
                .and_then(|x| x.first_crossing_s)
        });
    }
    for e in &events {
        row(format!("event: {e}"), "s", &|s| {
            s.events.iter().find(|x| x.name == *e).map(|x| x.time_s)
        });
    }
    Ok(Comparison {
        runs: runs.iter().map(|r| r.label.clone()).collect(),
        dirs: runs.iter().map(|r| r.dir.display().to_string()).collect(),
        rows,
        not_common,
    })
}

/// The display unit of a row's SI unit, from the first run's display units.
fn display_unit(row: &Row, first: &Summary) -> (String, Option<Dimension>) {
    match row.unit.as_str() {
        "Pa" => (first.display.pressure.clone(), Some(Dimension::Pressure)),
        "s" => {
            let t = if units::unit_factor(&first.display.time, Dimension::Time).is_ok() {
                first.display.time.clone()
            } else {
                default_time_unit(first.duration_s).to_string()
            };
            (t, Some(Dimension::Time))
        }
        u => (u.to_string(), None),
    }
}

fn shown(v: Option<f64>, unit: &str, dim: Option<Dimension>) -> String {
    match v {
        None => "-".into(),
        Some(x) => {
            let d = dim
                .and_then(|d| units::to_display(x, unit, d).ok())
                .unwrap_or(x);
            units::format_significant(d, 6)
        }
    }
}

impl Comparison {
    /// The table as text, in the first run's display units.
    pub fn to_text(&self, first: &Summary) -> String {
        let mut head = vec!["quantity".to_string(), "unit".to_string()];
        for (k, r) in self.runs.iter().enumerate() {
            head.push(r.clone());
            if k > 0 {
                head.push(format!("{r} - {}", self.runs[0]));
            }
        }
        let mut lines = vec![head];
        for row in &self.rows {
            let (unit, dim) = display_unit(row, first);
            let mut l = vec![row.quantity.clone(), unit.clone()];
            for k in 0..self.runs.len() {
                l.push(shown(row.values[k], &unit, dim));
                if k > 0 {
                    l.push(shown(row.differences[k], &unit, dim));
                }
            }
            lines.push(l);
        }
        let widths: Vec<usize> = (0..lines[0].len())
            .map(|c| {
                lines
                    .iter()
                    .map(|l| l[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for l in &lines {
            let cells: Vec<String> = l
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(c, (s, w))| {
                    if c < 2 {
                        format!("{s:<w$}")
                    } else {
                        format!("{s:>w$}")
                    }
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        for n in &self.not_common {
            out.push_str(&format!("not compared: {n}\n"));
        }
        out
    }

    /// The table as CSV, SI units in the column names.
    pub fn to_csv(&self) -> String {
        let quote = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut head = vec!["quantity".to_string(), "unit".to_string()];
        for (k, r) in self.runs.iter().enumerate() {
            head.push(quote(r));
            if k > 0 {
                head.push(quote(&format!("{r} - {}", self.runs[0])));
            }
        }
        let mut out = head.join(",") + "\n";
        let num = |v: Option<f64>| v.map_or_else(String::new, |x| format!("{x:e}"));
        for row in &self.rows {
            let mut l = vec![quote(&row.quantity), row.unit.clone()];
            for k in 0..self.runs.len() {
                l.push(num(row.values[k]));
                if k > 0 {
                    l.push(num(row.differences[k]));
                }
            }
            out.push_str(&l.join(","));
            out.push('\n');
        }
        out
    }
}

/// Overlays: for each common compartment its pressure, for each common link its flow, one
/// line per run, with the first run's events marked.
fn overlays(runs: &[Run]) -> Vec<(String, LineChart)> {
    let first = &runs[0].summary;
    let time_unit = if units::unit_factor(&first.display.time, Dimension::Time).is_ok() {
        first.display.time.clone()
    } else {
        default_time_unit(first.duration_s).to_string()
    };
    let conv = |v: &[f64], unit: &str, dim: Dimension| -> Vec<f64> {
        v.iter()
            .map(|x| units::to_display(*x, unit, dim).unwrap_or(*x))
            .collect()
    };
    let flow_unit = first
        .display
        .flow
        .clone()
        .unwrap_or_else(|| "kg/day".into());
    let mut quantities: Vec<(String, String, String, Dimension, String)> = Vec::new();
    let mut none = Vec::new();
    for c in common(
        runs,
        "compartment",
        |s| s.compartments.iter().map(|c| c.name.as_str()).collect(),
        &mut none,
    ) {
        quantities.push((
            format!("pressure-{c}"),
            format!("{c}.pressure_Pa"),
            format!("pressure of {c}"),
            Dimension::Pressure,
            first.display.pressure.clone(),
        ));
    }
    for l in common(
        runs,
        "link",
        |s| s.links.iter().map(|l| l.name.as_str()).collect(),
        &mut none,
    ) {
        quantities.push((
            format!("flow-{l}"),
            format!("{l}.mass_flow_kg_per_s"),
            format!("mass flow of {l} (positive: from → to)"),
            Dimension::MassFlow,
            flow_unit.clone(),
        ));
    }
    quantities
        .into_iter()
        .map(|(file, column, what, dim, unit)| {
            let series = runs
                .iter()
                .map(|r| Series {
                    label: r.label.clone(),
                    x: conv(
                        r.table.column("time_s").unwrap_or(&[]),
                        &time_unit,
                        Dimension::Time,
                    ),
                    y: conv(r.table.column(&column).unwrap_or(&[]), &unit, dim),
                })
                .collect();
            let markers = first
                .events
                .iter()
                .map(|e| Marker {
                    x: units::to_display(e.time_s, &time_unit, Dimension::Time).unwrap_or(e.time_s),
                    label: format!("{} ({})", e.name, runs[0].label),
                })
                .collect();
            let chart = LineChart {
                title: format!("compare: {what}"),
                x_label: format!("time ({time_unit})"),
                y_label: format!("{} ({unit})", what.split(" (").next().unwrap_or(&what)),
                series,
                markers,
                ..LineChart::default()
            };
            (file, chart)
        })
        .collect()
}

/// Write the comparison into `out`: compare.json, compare.csv and the overlays, replacing an
/// earlier Plenum output there as a whole (never anything else). Returns the files written.
pub fn write_comparison(
    runs: &[Run],
    cmp: &Comparison,
    out: &Path,
    cancel: Option<&Cancel>,
) -> Result<Vec<PathBuf>, OutputError> {
    let staging = Staging::begin(out, "compare")?;
    let dir = staging.path();
    let json = serde_json::to_string_pretty(cmp).map_err(|e| OutputError::BadSummary {
        path: out.join("compare.json"),
        reason: e.to_string(),
    })?;
    write_new(&dir.join("compare.json"), json.as_bytes())?;
    write_new(&dir.join("compare.csv"), cmp.to_csv().as_bytes())?;
    for (name, chart) in overlays(runs) {
        charts::write_line_chart(&chart, &dir.join(&name))
            .map_err(|source| OutputError::Plot { name, source })?;
    }
    let names = staging.commit(cancel)?;
    Ok(names.iter().map(|n| out.join(n)).collect())
}
