//! The line charts of a run: pressures, temperatures, partial pressures and link flows over
//! time, each optionally steered (a time window, the items shown, a log axis, a gauge
//! model), with the thresholds as dashed levels and the fired events and flow reversals as
//! labelled vertical lines.

use std::path::{Path, PathBuf};

use rand::SeedableRng;

use super::charts;
use super::error::OutputError;
use super::timeseries::Table;
use crate::config::{default_time_unit, DisplayUnits, PlotKind, PlotOptions, PlotSpec, Sensor};
use crate::plot::{Level, LineChart, Marker, Series};
use crate::sample::{open_unit, Distribution};
use crate::summary::{auto_flow_unit, Summary};
use crate::units::{self, Dimension};

pub(super) fn convert(values: &[f64], unit: &str, dim: Dimension) -> Vec<f64> {
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

/// Most event and reversal markers on one chart; the rest are counted in the legend.
const MAX_MARKERS: usize = 16;

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

/// A stable 64-bit hash of a name (FNV-1a), so a series' noise does not depend on the order
/// of the series or on the build.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What the gauge `s` reads for the SI values `v` of the series `name`.
pub fn gauge(s: &Sensor, name: &str, v: &[f64]) -> Vec<f64> {
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(s.seed);
    rng.set_stream(name_hash(name));
    let normal = Distribution::Normal {
        mean: 0.0,
        sd: 1.0,
        min: None,
        max: None,
    };
    v.iter()
        .map(|&x| {
            let noisy = x + s.bias + s.noise * normal.quantile(open_unit(&mut rng));
            if s.resolution > 0.0 {
                (noisy / s.resolution).round() * s.resolution
            } else {
                noisy
            }
        })
        .collect()
}

/// The events fired and the flow reversals of a run, as markers.
fn markers(summary: &Summary) -> (Vec<Marker>, usize) {
    let mut all: Vec<(f64, String)> = summary
        .events
        .iter()
        .map(|e| (e.time_s, e.name.clone()))
        .chain(
            summary
                .reversals
                .iter()
                .map(|r| (r.time_s, format!("reversal: {}", r.now_flowing))),
        )
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let more = all.len().saturating_sub(MAX_MARKERS);
    all.truncate(MAX_MARKERS);
    let markers = all
        .into_iter()
        .map(|(x, label)| Marker { x, label })
        .collect();
    (markers, more)
}

/// Linear interpolation of `y` over increasing `x` at `at`.
fn interpolate(x: &[f64], y: &[f64], at: f64) -> Option<f64> {
    let k = x.partition_point(|t| *t < at);
    match (
        k.checked_sub(1).and_then(|j| x.get(j).zip(y.get(j))),
        x.get(k).zip(y.get(k)),
    ) {
        (_, Some((&x1, &y1))) if x1 == at => Some(y1),
        (Some((&x0, &y0)), Some((&x1, &y1))) => Some(y0 + (y1 - y0) * (at - x0) / (x1 - x0)),
        _ => None,
    }
}

/// Draw the plots listed in the summary from a time series; returns the files written.
pub fn write_plots(
    dir: &Path,
    table: &Table,
    summary: &Summary,
    display: &DisplayUnits,
) -> Result<Vec<PathBuf>, OutputError> {
    let mut specs: Vec<PlotSpec> = summary
        .plots
        .iter()
        .map(|k| PlotSpec {
            kind: k.clone(),
            options: PlotOptions::default(),
        })
        .collect();
    specs.extend(summary.steered_plots.iter().cloned());
    let mut files = Vec::new();
    for spec in &specs {
        let name = spec
            .options
            .name
            .clone()
            .unwrap_or_else(|| spec.kind.file_name());
        let drawn = line_chart(table, summary, display, spec);
        let written = charts::write_line_chart(&drawn, &dir.join(&name))
            .map_err(|source| OutputError::Plot { name, source })?;
        files.extend(written);
    }
    Ok(files)
}

/// The line chart of one plot of a run.
pub fn line_chart(
    table: &Table,
    summary: &Summary,
    display: &DisplayUnits,
    spec: &PlotSpec,
) -> LineChart {
    let o = &spec.options;
    let time = table.column("time_s").unwrap_or(&[]);
    let time_unit = if units::unit_factor(&display.time, Dimension::Time).is_ok() {
        display.time.clone()
    } else {
        default_time_unit(summary.duration_s).to_string()
    };
    let to_x = |t: f64| convert(&[t], &time_unit, Dimension::Time)[0];
    let x = convert(time, &time_unit, Dimension::Time);
    let shown = |n: &str| o.show.is_empty() || o.show.iter().any(|s| s == n);
    // One series per shown column named ITEM<suffix>, read by the gauge if there is one,
    // converted to `unit`.
    let per_item = |suffix: &str, unit: &str, dim: Dimension| -> Vec<Series> {
        table
            .with_suffix(suffix)
            .filter(|(n, _)| shown(n))
            .map(|(n, c)| {
                let read = o.sensor.as_ref().map(|s| gauge(s, n, c));
                Series {
                    label: n.to_string(),
                    x: x.clone(),
                    y: convert(read.as_deref().unwrap_or(c), unit, dim),
                }
            })
            .collect()
    };
    let (what, y_label, series, log_y, dim, unit) = match &spec.kind {
        PlotKind::Pressure => {
            let unit = display.pressure.clone();
            let series = per_item(".pressure_Pa", &unit, Dimension::Pressure);
            let label = format!("pressure ({unit})");
            (
                "compartment pressures".to_string(),
                label,
                series,
                false,
                Dimension::Pressure,
                unit,
            )
        }
        PlotKind::Temperature => {
            let unit = display.temperature.clone();
            let series = per_item(".temperature_K", &unit, Dimension::Temperature);
            let label = format!("temperature ({unit})");
            let what = "compartment temperatures".to_string();
            (what, label, series, false, Dimension::Temperature, unit)
        }
        PlotKind::PartialPressure(sp) => {
            let unit = display.pressure.clone();
            let suffix = format!(".partial_pressure_{sp}_Pa");
            let series = per_item(&suffix, &unit, Dimension::Pressure);
            let label = format!("p({sp}) ({unit})");
            let what = format!("partial pressure of {sp}");
            (what, label, series, false, Dimension::Pressure, unit)
        }
        PlotKind::Flows => {
            let flows: Vec<(&str, &[f64])> = table
                .with_suffix(".mass_flow_kg_per_s")
                .filter(|(n, _)| shown(n))
                .collect();
            let peak = flows
                .iter()
                .flat_map(|(_, c)| c.iter())
                .fold(0.0f64, |m, v| m.max(v.abs()))
                * 86_400.0;
            let unit = display
                .flow
                .clone()
                .unwrap_or_else(|| auto_flow_unit(peak).to_string());
            let log = o.log_y || wide_range(&flows);
            let floor = peak / 86_400.0 * LOG_FLOOR;
            let series = flows
                .iter()
                .map(|(n, c)| {
                    let label = match summary.links.iter().find(|l| l.name == *n) {
                        Some(l) => format!("{n} ({} → {})", l.from, l.to),
                        None => n.to_string(),
                    };
                    let read = o.sensor.as_ref().map(|s| gauge(s, n, c));
                    let c = read.as_deref().unwrap_or(c);
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
            let (what, label) = if log {
                (
                    "size of link mass flows (log scale; directions in summary.json)",
                    format!("|mass flow| ({unit})"),
                )
            } else {
                (
                    "link mass flows (positive: from → to)",
                    format!("mass flow ({unit})"),
                )
            };
            (
                what.to_string(),
                label,
                series,
                log,
                Dimension::MassFlow,
                unit,
            )
        }
    };
    let mut title = format!("{}: {what}", summary.scenario);
    if let Some(s) = &o.sensor {
        let show = |v: f64| units::format_quantity(v, &unit, dim).unwrap_or_else(|_| v.to_string());
        let parts: Vec<String> = [
            ("resolution", s.resolution),
            ("noise", s.noise),
            ("bias", s.bias),
        ]
        .iter()
        .filter(|(_, v)| *v != 0.0)
        .map(|(what, v)| format!("{what} {}", show(*v)))
        .collect();
        if !parts.is_empty() {
            title.push_str(&format!(" as a gauge reads them ({})", parts.join(", ")));
        }
    }
    // Thresholds on the plotted quantity of a shown item, as dashed levels; a relative one
    // from the moment its event fired, at the value read from the time series then.
    let suffix = match &spec.kind {
        PlotKind::Pressure => Some(".pressure".to_string()),
        PlotKind::Temperature => Some(".temperature".to_string()),
        PlotKind::PartialPressure(sp) => Some(format!(".partial_pressure.{sp}")),
        PlotKind::Flows => None,
    };
    let mut levels = Vec::new();
    for th in &summary.thresholds {
        let Some(item) = suffix.as_deref().and_then(|s| th.quantity.strip_suffix(s)) else {
            continue;
        };
        if !shown(item) {
            continue;
        }
        let (si, from_x) = match &th.relative_to {
            None => (Some(th.value), None),
            Some(ev) => {
                let fired = summary
                    .events
                    .iter()
                    .find(|e| &e.name == ev)
                    .map(|e| e.time_s);
                let column = format!("{item}{}", column_suffix(&spec.kind));
                let at = fired.and_then(|t| {
                    interpolate(time, table.column(&column).unwrap_or(&[]), t).map(|v| (v, t))
                });
                match at {
                    Some((v, t)) => (Some(v + th.value), Some(to_x(t))),
                    None => (None, None),
                }
            }
        };
        if let Some(si) = si {
            levels.push(Level {
                label: format!("threshold: {}", th.name),
                y: convert(&[si], &unit, dim)[0],
                from_x,
            });
        }
    }
    let (mut markers, more) = markers(summary);
    for m in &mut markers {
        m.x = to_x(m.x);
    }
    if more > 0 {
        levels.push(Level {
            label: format!("{more} more events and reversals: see summary.json"),
            y: f64::NAN,
            from_x: None,
        });
    }
    let x_range = (o.from_s.is_some() || o.to_s.is_some()).then(|| {
        (
            to_x(o.from_s.unwrap_or(0.0)),
            to_x(o.to_s.unwrap_or(summary.end_time_s)),
        )
    });
    LineChart {
        title,
        x_label: format!("time ({time_unit})"),
        y_label,
        series,
        log_y: log_y || o.log_y,
        x_range,
        levels,
        markers,
    }
}

/// The column suffix of a plot kind's quantity.
fn column_suffix(kind: &PlotKind) -> String {
    match kind {
        PlotKind::Pressure => ".pressure_Pa".into(),
        PlotKind::Temperature => ".temperature_K".into(),
        PlotKind::PartialPressure(sp) => format!(".partial_pressure_{sp}_Pa"),
        PlotKind::Flows => ".mass_flow_kg_per_s".into(),
    }
}

/// Steering given on the command line of `plenum plot`, as written (units in the text).
#[derive(Debug, Clone, Default)]
pub struct Steer {
    pub from: Option<String>,
    pub to: Option<String>,
    pub show: Vec<String>,
    pub log_y: bool,
    pub sensor_resolution: Option<String>,
    pub sensor_noise: Option<String>,
    pub sensor_bias: Option<String>,
    pub sensor_seed: Option<u64>,
}

/// The dimension of a plot kind's quantity.
pub fn kind_dimension(kind: &PlotKind) -> Dimension {
    match kind {
        PlotKind::Flows => Dimension::MassFlow,
        PlotKind::Temperature => Dimension::Temperature,
        PlotKind::Pressure | PlotKind::PartialPressure(_) => Dimension::Pressure,
    }
}

/// The plots of `summary` with the steering applied: every plot of the run, with the window,
/// the items shown, the log axis and the gauge given (a gauge applies to the plots whose
/// quantity its values measure). Errors name the flag and what was expected.
pub fn steer_plots(summary: &Summary, steer: &Steer) -> Result<Vec<PlotSpec>, String> {
    let time = |flag: &str, v: &Option<String>| -> Result<Option<f64>, String> {
        v.as_deref()
            .map(|t| {
                units::parse_quantity(t, Dimension::Time).map_err(|e| format!("{flag} {t}: {e}"))
            })
            .transpose()
    };
    let from = time("--from", &steer.from)?;
    let to = time("--to", &steer.to)?;
    if let Some(p) = crate::config::window_problem(from, to, summary.end_time_s)
        .filter(|_| from.is_some() || to.is_some())
    {
        return Err(format!("--from/--to: {p}"));
    }
    let items: Vec<&str> = summary
        .compartments
        .iter()
        .map(|c| c.name.as_str())
        .chain(summary.links.iter().map(|l| l.name.as_str()))
        .collect();
    for s in &steer.show {
        if !items.contains(&s.as_str()) {
            let hint = crate::suggest::did_you_mean(s, items.iter().copied())
                .map(|x| format!(" (did you mean '{x}'?)"))
                .unwrap_or_default();
            return Err(format!(
                "--show {s}: no compartment or link of this run is named so{hint}; expected one of: {}",
                items.join(", ")
            ));
        }
    }
    let mut specs: Vec<PlotSpec> = summary
        .plots
        .iter()
        .map(|k| PlotSpec {
            kind: k.clone(),
            options: PlotOptions::default(),
        })
        .chain(summary.steered_plots.iter().cloned())
        .collect();
    let gauge_given = steer.sensor_resolution.is_some()
        || steer.sensor_noise.is_some()
        || steer.sensor_bias.is_some();
    let mut gauged = 0;
    for spec in &mut specs {
        let o = &mut spec.options;
        o.from_s = from.or(o.from_s);
        o.to_s = to.or(o.to_s);
        o.log_y |= steer.log_y;
        if !steer.show.is_empty() {
            let links = spec.kind == PlotKind::Flows;
            o.show = steer
                .show
                .iter()
                .filter(|s| summary.links.iter().any(|l| &l.name == *s) == links)
                .cloned()
                .collect();
        }
        if gauge_given {
            let dim = kind_dimension(&spec.kind);
            let read = |v: &Option<String>| -> Option<Option<f64>> {
                match v {
                    None => Some(Some(0.0)),
                    Some(t) => units::parse_quantity(t, dim).ok().map(Some),
                }
            };
            if let (Some(Some(r)), Some(Some(n)), Some(Some(b))) = (
                read(&steer.sensor_resolution),
                read(&steer.sensor_noise),
                read(&steer.sensor_bias),
            ) {
                if r < 0.0 || n < 0.0 {
                    return Err("--sensor-resolution and --sensor-noise must be >= 0".into());
                }
                o.sensor = Some(Sensor {
                    resolution: r,
                    noise: n,
                    bias: b,
                    seed: steer.sensor_seed.unwrap_or(0),
                });
                gauged += 1;
            }
        }
    }
    if gauge_given && gauged == 0 {
        return Err(
            "--sensor-*: the values measure none of the plotted quantities (e.g. \"1 mmHg\" for pressures, \"0.1 kg/day\" for flows)".into(),
        );
    }
    // Plots left with nothing to show are dropped (e.g. flows when only compartments are shown).
    specs.retain(|s| steer.show.is_empty() || !s.options.show.is_empty());
    Ok(specs)
}

/// Draw `specs` of the finished run in `dir` as `NAME-<plot>.png/svg` inside it: each file
/// written atomically, refusing to replace any file that Plenum's manifest there does not
/// record (a user's file is never overwritten), and recorded in that manifest. Returns the
/// files written and whether each replaced an earlier one.
pub fn write_named_plots(
    dir: &Path,
    name: &str,
    table: &Table,
    summary: &Summary,
    display: &DisplayUnits,
    specs: &[PlotSpec],
) -> Result<Vec<(PathBuf, bool)>, OutputError> {
    let mut written = Vec::new();
    for spec in specs {
        let plot = spec
            .options
            .name
            .clone()
            .unwrap_or_else(|| spec.kind.file_name());
        let chart = line_chart(table, summary, display, spec);
        let image = crate::plot::render(&chart).map_err(|source| OutputError::Plot {
            name: plot.clone(),
            source,
        })?;
        for (ext, bytes) in [("png", image.png.as_slice()), ("svg", image.svg.as_bytes())] {
            let path = dir.join(format!("{name}-{plot}.{ext}"));
            let existed = path.exists();
            super::safety::write_owned_file(&path, bytes, "run")?;
            written.push((path, existed));
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue11_gauge_quantises_and_adds_seeded_noise_of_the_given_sigma() {
        let exact = Sensor {
            resolution: 2.0,
            noise: 0.0,
            bias: 0.5,
            seed: 0,
        };
        assert_eq!(
            gauge(&exact, "a", &[0.4, 0.6, 2.9, -3.6]),
            [0.0, 2.0, 4.0, -4.0]
        );
        let noisy = Sensor {
            resolution: 0.0,
            noise: 3.0,
            bias: 0.0,
            seed: 7,
        };
        let n = 20_000;
        let zeros = vec![0.0; n];
        let a = gauge(&noisy, "prk", &zeros);
        assert_eq!(
            a,
            gauge(&noisy, "prk", &zeros),
            "same seed and name, same reading"
        );
        assert_ne!(
            a,
            gauge(&noisy, "node2", &zeros),
            "each series its own noise"
        );
        let mean = a.iter().sum::<f64>() / n as f64;
        let sd = (a.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        // Standard errors: sigma/sqrt(n) for the mean, sigma/sqrt(2n) for the sd; 5 of each.
        let se = 3.0 / (n as f64).sqrt();
        assert!(mean.abs() < 5.0 * se, "mean {mean}");
        assert!((sd - 3.0).abs() < 5.0 * se / 2f64.sqrt(), "sd {sd}");
    }
}
