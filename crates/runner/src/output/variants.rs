//! A variant set: every variant of a scenario run in parallel, each one's complete results in
//! `OUT/VARIANT/` (a normal run directory), and beside them one overlay plot per quantity
//! (`pressure-COMPARTMENT`, `flow-LINK`: one line per variant) and a side-by-side table
//! (`variants.txt`).
//!
//! The whole tree is one output: written into a temporary and swapped into place
//! ([`Staging`]); the top manifest records each variant's directory, which holds its own
//! manifest, so the tree is replaced only when every file in it is Plenum's.
//!
//! Runs go in parallel on rayon's pool and are collected in file order, so the bytes written
//! do not depend on the number of threads.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::plots::convert;
use super::{charts, write_run, OutputError, RunReport, Table};
use crate::config::default_time_unit;
use crate::output::atomic::write_new;
use crate::output::safety::{Cancel, Staging};
use crate::plot::{LineChart, Series};
use crate::scenario::variants::VariantSet;
use crate::summary::{auto_flow_unit, Summary};
use crate::units::{format_significant, Dimension};

/// How one variant ended.
#[derive(Debug, Clone)]
pub enum VariantOutcome {
    /// It ran; its results are in `OUT/NAME/`.
    Ran(Box<RunReport>),
    /// Its scenario is not valid (the problems, printed).
    Invalid(String),
    /// Its run failed (the reason).
    Failed(String),
}

/// What a variant set wrote.
#[derive(Debug, Clone)]
pub struct VariantSetReport {
    pub out_dir: PathBuf,
    /// Each variant, in file order.
    pub variants: Vec<(String, VariantOutcome)>,
    /// The side-by-side table (also in `variants.txt`).
    pub table: String,
    /// Files written at the top of `out_dir` (not those inside the variants' directories).
    pub files: Vec<PathBuf>,
}

impl VariantSetReport {
    /// The variants that did not run, with why.
    pub fn failed(&self) -> Vec<(&str, &str)> {
        self.variants
            .iter()
            .filter_map(|(n, o)| match o {
                VariantOutcome::Ran(_) => None,
                VariantOutcome::Invalid(m) | VariantOutcome::Failed(m) => {
                    Some((n.as_str(), m.as_str()))
                }
            })
            .collect()
    }
}

/// Run every variant and write the set into `out_dir` (see the module documentation).
/// A variant that is invalid or fails is recorded as such and the others carry on.
pub fn run_variants(
    variants: VariantSet,
    out_dir: &Path,
    cancel: Option<&Cancel>,
) -> Result<VariantSetReport, OutputError> {
    let staging = Staging::begin(out_dir, "variants")?;
    let dir = staging.path().to_path_buf();
    // The base scenario's name and text, for the set's report.
    let base = variants.iter().find_map(|(_, l)| l.as_ref().ok()).map(|l| {
        (
            l.name.clone(),
            l.file.clone(),
            l.source.clone(),
            l.sha256.clone(),
        )
    });
    type Done = (String, VariantOutcome, Option<Table>);
    let done: Vec<Result<Done, OutputError>> = variants
        .into_par_iter()
        .map(|(name, loaded)| {
            let loaded = match loaded {
                Ok(l) => l,
                Err(d) => {
                    // The problems without the closing count line ("... nothing was run").
                    let text = d.to_string();
                    let body = text.rsplit_once('\n').map_or(text.as_str(), |(b, _)| b);
                    return Ok((name, VariantOutcome::Invalid(body.to_string()), None));
                }
            };
            let result = match super::simulate_scenario(&loaded) {
                Ok(r) => r,
                Err(e) => {
                    let why = format!("the simulation failed: {e}");
                    return Ok((name, VariantOutcome::Failed(why), None));
                }
            };
            let table = result
                .trajectory
                .as_ref()
                .map(|t| Table::from_trajectory(&loaded.network, t));
            let report = write_run(&loaded, result, &dir.join(&name), cancel)?;
            Ok((name, VariantOutcome::Ran(Box::new(report)), table))
        })
        .collect();
    let done = done.into_iter().collect::<Result<Vec<_>, _>>()?;
    let ran: Vec<(&str, &Summary, &Table)> = done
        .iter()
        .filter_map(|(n, o, t)| match (o, t) {
            (VariantOutcome::Ran(r), Some(t)) => Some((n.as_str(), &r.summary, t)),
            _ => None,
        })
        .collect();
    let mut files = Vec::new();
    for chart in overlays(&ran) {
        let (name, chart) = chart;
        let written = charts::write_line_chart(&chart, &dir.join(&name))
            .map_err(|source| OutputError::Plot { name, source })?;
        files.extend(written);
    }
    let variants: Vec<(String, VariantOutcome)> =
        done.into_iter().map(|(n, o, _)| (n, o)).collect();
    let table = side_by_side(&variants);
    write_new(&dir.join("variants.txt"), table.as_bytes())?;
    files.push(dir.join("variants.txt"));
    if let Some(base) = &base {
        let page = set_page(base, &variants, &table, &files);
        let path = dir.join(crate::report::REPORT_FILE);
        crate::report::write(&path, &page)?;
        files.push(path);
    }
    staging.commit(cancel)?;
    let files = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| out_dir.join(n)))
        .collect();
    Ok(VariantSetReport {
        out_dir: out_dir.to_path_buf(),
        variants: variants
            .into_iter()
            .map(|(n, o)| match o {
                VariantOutcome::Ran(mut r) => {
                    r.out_dir = out_dir.join(&n);
                    r.files = r
                        .files
                        .iter()
                        .filter_map(|f| f.file_name().map(|x| out_dir.join(&n).join(x)))
                        .collect();
                    (n, VariantOutcome::Ran(r))
                }
                other => (n, other),
            })
            .collect(),
        table,
        files,
    })
}

/// One chart per quantity (each compartment's pressure, each link's mass flow), one line per
/// variant in the variant's own colour on every chart, in the first variant's display units.
/// Named `pressure-ITEM` and `flow-ITEM`.
fn overlays(ran: &[(&str, &Summary, &Table)]) -> Vec<(String, LineChart)> {
    let Some((_, first, _)) = ran.first() else {
        return Vec::new();
    };
    let display = &first.display;
    let time_unit = if crate::units::unit_factor(&display.time, Dimension::Time).is_ok() {
        display.time.clone()
    } else {
        default_time_unit(first.duration_s).to_string()
    };
    let peak_flow = ran
        .iter()
        .flat_map(|(_, _, t)| t.with_suffix(".mass_flow_kg_per_s"))
        .flat_map(|(_, c)| c.iter())
        .fold(0.0f64, |m, v| m.max(v.abs()))
        * 86_400.0;
    let flow_unit = display
        .flow
        .clone()
        .unwrap_or_else(|| auto_flow_unit(peak_flow).to_string());
    let quantities = [
        (
            "pressure",
            ".pressure_Pa",
            display.pressure.clone(),
            Dimension::Pressure,
            "pressure",
        ),
        (
            "flow",
            ".mass_flow_kg_per_s",
            flow_unit,
            Dimension::MassFlow,
            "mass flow",
        ),
    ];
    let mut charts = Vec::new();
    for (file, suffix, unit, dim, axis) in quantities {
        // Items in order of first appearance over the variants (a variant may add one).
        let mut items: Vec<&str> = Vec::new();
        for (_, _, t) in ran {
            for (item, _) in t.with_suffix(suffix) {
                if !items.contains(&item) {
                    items.push(item);
                }
            }
        }
        for item in items {
            // One series per variant, empty where the variant lacks the item, so that each
            // variant keeps its colour on every chart.
            let series = ran
                .iter()
                .map(
                    |(variant, _, t)| match t.column(&format!("{item}{suffix}")) {
                        Some(c) => Series {
                            label: (*variant).to_string(),
                            x: convert(
                                t.column("time_s").unwrap_or(&[]),
                                &time_unit,
                                Dimension::Time,
                            ),
                            y: convert(c, &unit, dim),
                        },
                        None => Series {
                            label: String::new(),
                            x: Vec::new(),
                            y: Vec::new(),
                        },
                    },
                )
                .collect();
            let what = if file == "flow" {
                format!("{item} mass flow (positive: from → to)")
            } else {
                format!("{item} pressure")
            };
            charts.push((
                format!("{file}-{item}"),
                LineChart {
                    title: format!("{}: {what}, by variant", first.scenario),
                    x_label: format!("time ({time_unit})"),
                    y_label: format!("{axis} ({unit})"),
                    series,
                    log_y: false,
                    ..LineChart::default()
                },
            ));
        }
    }
    charts
}

/// The report of a variant set: the side-by-side table, the overlay plots, what each variant
/// is and where its own report lies, and the scenario.
fn set_page(
    (name, file, source, sha256): &(String, String, String, String),
    variants: &[(String, VariantOutcome)],
    table: &str,
    files: &[std::path::PathBuf],
) -> crate::report::Page {
    use crate::report::{Block, Figure, Page, Section};
    let status = variants
        .iter()
        .map(|(n, o)| {
            let what = match o {
                VariantOutcome::Ran(_) => format!("ran: its own report is {n}/report.html"),
                VariantOutcome::Invalid(why) => format!("invalid: {why}"),
                VariantOutcome::Failed(why) => format!("failed: {why}"),
            };
            (n.clone(), what)
        })
        .collect();
    let figures: Vec<Block> = Figure::from_files(files)
        .into_iter()
        .map(Block::Figure)
        .collect();
    let mut sections = vec![Section {
        heading: "Side by side".into(),
        blocks: vec![Block::Source {
            caption: "Each variant's results (variants.txt)".into(),
            text: table.to_string(),
        }],
    }];
    if !figures.is_empty() {
        sections.push(Section {
            heading: "Plots".into(),
            blocks: figures,
        });
    }
    sections.push(Section {
        heading: "Variants".into(),
        blocks: vec![Block::Facts(status)],
    });
    sections.push(Section {
        heading: "Scenario".into(),
        blocks: vec![Block::Source {
            caption: file.clone(),
            text: source.clone(),
        }],
    });
    sections.push(Section {
        heading: "Provenance".into(),
        blocks: vec![Block::Facts(vec![
            ("Plenum".into(), env!("CARGO_PKG_VERSION").into()),
            ("scenario file".into(), file.clone()),
            ("scenario SHA-256".into(), sha256.clone()),
        ])],
    });
    Page {
        title: format!("Plenum variants: {name}"),
        lead: vec![format!(
            "{} variants of the scenario, run side by side.",
            variants.len()
        )],
        sections,
    }
}

/// The side-by-side table: one column per variant; rows for the status, each compartment's
/// final pressure, the final partial pressures the scenario plots, each boundary's leak rate
/// at the end, each threshold's first crossing and the events fired (with their first time).
pub fn side_by_side(variants: &[(String, VariantOutcome)]) -> String {
    let summaries: Vec<Option<&Summary>> = variants
        .iter()
        .map(|(_, o)| match o {
            VariantOutcome::Ran(r) => Some(&r.summary),
            _ => None,
        })
        .collect();
    let Some(first) = summaries.iter().flatten().next() else {
        return failures_only(variants);
    };
    let d = &first.display;
    let time_unit = if crate::units::unit_factor(&d.time, Dimension::Time).is_ok() {
        d.time.clone()
    } else {
        default_time_unit(first.duration_s).to_string()
    };
    let flow_unit = d.flow.clone().unwrap_or_else(|| "kg/day".to_string());
    let show = |si: f64, unit: &str, dim: Dimension| {
        crate::units::to_display(si, unit, dim)
            .map(|v| format!("{} {unit}", format_significant(v, 4)))
            .unwrap_or_else(|_| format!("{si:e}"))
    };
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    rows.push((
        "status".into(),
        variants
            .iter()
            .map(|(_, o)| match o {
                VariantOutcome::Ran(r) => r.summary.status.clone(),
                VariantOutcome::Invalid(_) => "INVALID".into(),
                VariantOutcome::Failed(_) => "FAILED".into(),
            })
            .collect(),
    ));
    // Row labels in order of first appearance over the variants.
    let mut labels: Vec<String> = Vec::new();
    let mut add = |label: String| {
        if !labels.contains(&label) {
            labels.push(label);
        }
    };
    for s in summaries.iter().flatten() {
        s.compartments
            .iter()
            .for_each(|c| add(format!("final pressure {}", c.name)));
        partial_pressure_rows(s).into_iter().for_each(&mut add);
        s.boundaries
            .iter()
            .for_each(|b| add(format!("leak rate at end into {}", b.name)));
        s.thresholds
            .iter()
            .for_each(|t| add(format!("first crossing {}", t.name)));
        s.events
            .iter()
            .for_each(|e| add(format!("event {}", e.name)));
    }
    for label in labels {
        let cells = summaries
            .iter()
            .map(|s| {
                let Some(s) = s else {
                    return "-".to_string();
                };
                let value = if let Some(rest) = label.strip_prefix("final pp") {
                    let (species, n) = rest.split_once(' ').unwrap_or((rest, ""));
                    s.compartments
                        .iter()
                        .find(|c| c.name == n)
                        .and_then(|c| {
                            c.final_partial_pressures
                                .iter()
                                .find(|p| p.species == species)
                        })
                        .map(|p| show(p.pressure, &d.pressure, Dimension::Pressure))
                } else if let Some(n) = label.strip_prefix("final pressure ") {
                    s.compartments
                        .iter()
                        .find(|c| c.name == n)
                        .map(|c| show(c.final_pressure, &d.pressure, Dimension::Pressure))
                } else if let Some(n) = label.strip_prefix("leak rate at end into ") {
                    s.boundaries.iter().find(|b| b.name == n).map(|b| {
                        show(
                            b.leak_rate_end_kg_per_day / 86_400.0,
                            &flow_unit,
                            Dimension::MassFlow,
                        )
                    })
                } else if let Some(n) = label.strip_prefix("first crossing ") {
                    s.thresholds.iter().find(|t| t.name == n).map(|t| {
                        t.first_crossing_s.map_or("never".to_string(), |x| {
                            show(x, &time_unit, Dimension::Time)
                        })
                    })
                } else if let Some(n) = label.strip_prefix("event ") {
                    let fired: Vec<f64> = s
                        .events
                        .iter()
                        .filter(|e| e.name == n)
                        .map(|e| e.time_s)
                        .collect();
                    fired.first().map(|&t| {
                        let first = show(t, &time_unit, Dimension::Time);
                        if fired.len() > 1 {
                            format!("{first} (x{})", fired.len())
                        } else {
                            first
                        }
                    })
                } else {
                    None
                };
                value.unwrap_or_else(|| "-".to_string())
            })
            .collect();
        rows.push((label, cells));
    }
    let header: Vec<String> = variants.iter().map(|(n, _)| n.clone()).collect();
    let mut out = render_table(&header, &rows);
    out.push_str(&failures_only(variants));
    out
}

/// The rows `final ppSPECIES COMPARTMENT` of a variant's summary: one for each partial
/// pressure the scenario plots (`PartialPressure("N2")`, or a `Plot(kind: PartialPressure(..))`
/// with its `show`), so that what the analyst asked to watch is compared side by side.
fn partial_pressure_rows(s: &Summary) -> Vec<String> {
    let bare = s.plots.iter().map(|k| (k, &[][..]));
    let steered = s
        .steered_plots
        .iter()
        .map(|p| (&p.kind, p.options.show.as_slice()));
    let mut rows = Vec::new();
    for (kind, show) in bare.chain(steered) {
        let crate::config::PlotKind::PartialPressure(species) = kind else {
            continue;
        };
        for c in &s.compartments {
            let shown = show.is_empty() || show.contains(&c.name);
            let row = format!("final pp{species} {}", c.name);
            if shown && !rows.contains(&row) {
                rows.push(row);
            }
        }
    }
    rows
}

fn failures_only(variants: &[(String, VariantOutcome)]) -> String {
    let mut out = String::new();
    for (n, o) in variants {
        match o {
            VariantOutcome::Ran(_) => {}
            VariantOutcome::Invalid(m) => {
                let _ = writeln!(out, "variant '{n}' is invalid:\n{m}");
            }
            VariantOutcome::Failed(m) => {
                let _ = writeln!(out, "variant '{n}' failed: {m}");
            }
        }
    }
    out
}

/// Columns padded to their widest cell; the first column left-aligned, the rest right.
fn render_table(header: &[String], rows: &[(String, Vec<String>)]) -> String {
    let chars = |s: &str| s.chars().count();
    let w0 = rows.iter().map(|(l, _)| chars(l)).max().unwrap_or(0);
    let widths: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(k, h)| {
            rows.iter()
                .map(|(_, c)| c.get(k).map_or(0, |s| chars(s)))
                .chain([chars(h)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |first: &str, cells: &[String], out: &mut String| {
        let _ = write!(out, "{first:<w0$}");
        for (c, w) in cells.iter().zip(&widths) {
            let _ = write!(out, "  {c:>w$}");
        }
        out.push('\n');
    };
    line("", header, &mut out);
    for (l, cells) in rows {
        line(l, cells, &mut out);
    }
    out
}
