//! The plots of a sweep: histograms, tornado, heatmap and band chart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;
use crate::output::charts;
use crate::output::names::MANIFEST;
use crate::output::safety;
use crate::plot;
use crate::scenario::Loaded;
use crate::units::Dimension;

/// The plot files a finished unsharded sweep draws (base names with .png and .svg).
pub(super) fn plot_files(sweep: &Sweep) -> Vec<String> {
    let mut v = Vec::new();
    for p in &sweep.plots {
        let base = match p {
            SweepPlotWire::Band => "band".to_string(),
            SweepPlotWire::Histogram(m) => format!("histogram-{m}"),
            SweepPlotWire::Tornado(m) => format!("tornado-{m}"),
            SweepPlotWire::Heatmap { metric, .. } => format!("heatmap-{metric}"),
        };
        v.push(format!("{base}.png"));
        v.push(format!("{base}.svg"));
    }
    v
}

/// Draw a sweep's plots into `dir` (`plenum sweep-plot`), which must be a Plenum sweep
/// directory holding nothing else; the plots are declared in its manifest before they are
/// drawn and recorded with their hashes after.
pub fn plot_dir(sweep: &Sweep, dir: &Path) -> Result<Vec<PathBuf>, SweepError> {
    if safety::inspect_dir(dir)?.is_none() {
        return Err(SweepError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        });
    }
    let mut names = plot_files(sweep);
    names.extend(summary_files());
    let line = Fingerprint::of(sweep).line();
    let fp = line.trim_start_matches(FINGERPRINT_PREFIX).trim();
    let manifest = MANIFEST;
    safety::record_files(dir, manifest, "sweep-plot", Some(fp), &names, true)?;
    let results = Results::read(sweep, dir)?;
    let drawn = draw_plots(sweep, &results, dir)?;
    write_summary_files(sweep, &results, &drawn, dir)?;
    safety::record_files(dir, manifest, "sweep-plot", Some(fp), &names, false)?;
    Ok(drawn)
}

pub(super) fn display(param: &Param, v: f64) -> f64 {
    crate::units::to_display(v, &param.display_unit, param.dim).unwrap_or(v)
}

/// Draw a sweep's plots into `dir` from its results (in memory during a sweep, read back
/// from a finished directory by [`plot_dir`]).
pub fn draw_plots(
    sweep: &Sweep,
    results: &Results,
    dir: &Path,
) -> Result<Vec<PathBuf>, SweepError> {
    let pcols = &results.params;
    let mut mcols = results.metrics.clone();
    for (k, col) in mcols.iter_mut().enumerate() {
        let shown = metric_shown(sweep, k);
        for v in col.iter_mut() {
            *v = shown.value(*v);
        }
    }
    let mut out = Vec::new();
    let perr = |e: plot::PlotError| SweepError::Plot(e.to_string());
    let metric_idx = |name: &str| sweep.metrics.iter().position(|m| m.name == name);
    let param_idx = |path: &str| sweep.params.iter().position(|p| p.path == path);
    let mlabel = |k: usize| {
        format!(
            "{} [{}]",
            sweep.metrics[k].name,
            metric_shown(sweep, k).unit
        )
    };
    let plabel = |j: usize| {
        format!(
            "{} [{}]",
            sweep.params[j].path, sweep.params[j].display_unit
        )
    };
    for p in &sweep.plots {
        match p {
            SweepPlotWire::Band => {
                if let Some((_, qname, _)) = &sweep.trajectories {
                    if let Some(chart) = band_chart(&results.trajectories, qname, &sweep.base) {
                        out.extend(
                            charts::write_band_chart(&chart, &dir.join("band")).map_err(perr)?,
                        );
                    }
                }
            }
            SweepPlotWire::Histogram(name) => {
                if let Some(k) = metric_idx(name) {
                    let values: Vec<f64> =
                        mcols[k].iter().copied().filter(|v| v.is_finite()).collect();
                    let chart = plot::Histogram {
                        title: format!("{}: {} over {} runs", sweep.name, name, values.len()),
                        x_label: mlabel(k),
                        values,
                        bins: 30,
                    };
                    out.extend(
                        charts::write_histogram(&chart, &dir.join(format!("histogram-{name}")))
                            .map_err(perr)?,
                    );
                }
            }
            SweepPlotWire::Tornado(name) => {
                if let Some(k) = metric_idx(name) {
                    let bars = sweep
                        .params
                        .iter()
                        .enumerate()
                        .map(|(j, p)| (p.path.clone(), spearman(&pcols[j], &mcols[k])))
                        .filter(|(_, r)| r.is_finite())
                        .collect();
                    let chart = plot::Tornado {
                        title: format!("{}: what drives {}", sweep.name, name),
                        x_label: format!("Spearman rank correlation with {name}"),
                        bars,
                    };
                    out.extend(
                        charts::write_tornado(&chart, &dir.join(format!("tornado-{name}")))
                            .map_err(perr)?,
                    );
                }
            }
            SweepPlotWire::Heatmap { x, y, metric } => {
                if let (Some(jx), Some(jy), Some(k)) =
                    (param_idx(x), param_idx(y), metric_idx(metric))
                {
                    let chart = heatmap(sweep, pcols, &mcols, jx, jy, k, &plabel, &mlabel);
                    out.extend(
                        charts::write_heatmap(&chart, &dir.join(format!("heatmap-{metric}")))
                            .map_err(perr)?,
                    );
                }
            }
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn heatmap(
    sweep: &Sweep,
    pcols: &[Vec<f64>],
    mcols: &[Vec<f64>],
    jx: usize,
    jy: usize,
    k: usize,
    plabel: &dyn Fn(usize) -> String,
    mlabel: &dyn Fn(usize) -> String,
) -> plot::Heatmap {
    let (px, py) = (&sweep.params[jx], &sweep.params[jy]);
    // Cell centres: the grid values, or 20 bins over the sampled range.
    let centres = |j: usize, p: &Param| -> Vec<f64> {
        match &p.values {
            Values::Discrete(v) if sweep.mode == Mode::Grid => {
                let mut v = v.clone();
                v.sort_by(f64::total_cmp);
                v.dedup();
                v
            }
            _ => {
                let col = &pcols[j];
                let lo = col.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if lo >= hi || lo.is_nan() || hi.is_nan() {
                    return vec![lo];
                }
                // About three samples per cell on average, 4 to 20 cells per axis.
                let bins = ((col.len() as f64 / 3.0).sqrt() as usize).clamp(4, 20);
                (0..bins)
                    .map(|b| {
                        let f = (b as f64 + 0.5) / bins as f64;
                        if p.log && lo > 0.0 {
                            (lo.ln() + f * (hi.ln() - lo.ln())).exp()
                        } else {
                            lo + f * (hi - lo)
                        }
                    })
                    .collect()
            }
        }
    };
    let cx = centres(jx, px);
    let cy = centres(jy, py);
    let nearest = |c: &[f64], v: f64, log: bool| -> usize {
        let key = |x: f64| if log && x > 0.0 { x.ln() } else { x };
        c.iter()
            .enumerate()
            .min_by(|a, b| {
                (key(*a.1) - key(v))
                    .abs()
                    .total_cmp(&(key(*b.1) - key(v)).abs())
            })
            .map_or(0, |(i, _)| i)
    };
    let mut sum = vec![vec![0.0; cx.len()]; cy.len()];
    let mut cnt = vec![vec![0usize; cx.len()]; cy.len()];
    for r in 0..mcols[k].len() {
        let z = mcols[k][r];
        if !z.is_finite() {
            continue;
        }
        let ix = nearest(&cx, pcols[jx][r], px.log);
        let iy = nearest(&cy, pcols[jy][r], py.log);
        sum[iy][ix] += z;
        cnt[iy][ix] += 1;
    }
    let z = sum
        .iter()
        .zip(&cnt)
        .map(|(s, c)| {
            s.iter()
                .zip(c)
                .map(|(s, c)| (*c > 0).then(|| s / *c as f64))
                .collect()
        })
        .collect();
    plot::Heatmap {
        title: format!("{}: {} (mean per cell)", sweep.name, sweep.metrics[k].name),
        x_label: plabel(jx),
        y_label: plabel(jy),
        z_label: mlabel(k),
        x: cx.iter().map(|v| display(px, *v)).collect(),
        y: cy.iter().map(|v| display(py, *v)).collect(),
        z,
        log_x: px.log,
        log_y: py.log,
    }
}

pub(super) fn band_chart(
    by_run: &BTreeMap<usize, Vec<(f64, f64)>>,
    qname: &str,
    base: &Loaded,
) -> Option<plot::BandChart> {
    let first = by_run.values().next()?.clone();
    let times: Vec<f64> = first.iter().map(|p| p.0).collect();
    let dim_unit = if qname.ends_with("pressure") || qname.contains("partial_pressure") {
        Some((Dimension::Pressure, base.config.display.pressure.clone()))
    } else if qname.ends_with("temperature") {
        Some((
            Dimension::Temperature,
            base.config.display.temperature.clone(),
        ))
    } else {
        None
    };
    let conv = |v: f64| match &dim_unit {
        Some((d, u)) => crate::units::to_display(v, u, *d).unwrap_or(v),
        None => v,
    };
    let tu = base.config.display.time.clone();
    let tconv = |t: f64| crate::units::to_display(t, &tu, Dimension::Time).unwrap_or(t);
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); times.len()];
    for pts in by_run.values() {
        if pts.len() != times.len() {
            continue;
        }
        for (i, (_, v)) in pts.iter().enumerate() {
            cols[i].push(conv(*v));
        }
    }
    let pct = |c: &mut Vec<f64>, p: f64| -> f64 {
        c.sort_by(f64::total_cmp);
        percentile(c, p)
    };
    let mut median = Vec::new();
    let mut b5 = (Vec::new(), Vec::new());
    let mut b25 = (Vec::new(), Vec::new());
    for c in cols.iter_mut() {
        median.push(pct(c, 50.0));
        b5.0.push(pct(c, 5.0));
        b5.1.push(pct(c, 95.0));
        b25.0.push(pct(c, 25.0));
        b25.1.push(pct(c, 75.0));
    }
    let unit = dim_unit.map_or("SI".to_string(), |d| d.1);
    Some(plot::BandChart {
        title: format!(
            "{qname}: median and percentile bands of {} runs",
            by_run.len()
        ),
        x_label: format!("time [{tu}]"),
        y_label: format!("{qname} [{unit}]"),
        x: times.iter().map(|t| tconv(*t)).collect(),
        median,
        bands: vec![(5.0, 95.0, b5.0, b5.1), (25.0, 75.0, b25.0, b25.1)],
    })
}
