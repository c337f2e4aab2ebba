//! Banded lines: several lines against a shared x axis, each over shaded bands of its own
//! colour (e.g. each hypothesis's expected readings with the band its sensor resolves).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::Axis;
use super::error::PlotError;
use super::legend::{LegendEntry, Swatch};
use super::line::draw_markers;
use super::prim::Prim;
use super::style::{draw_title, PALETTE};
use super::xy::{check_len, data_axes, draw_xy, finite_runs, push_runs, Xy};
use super::{Marker, Render};

/// One line and its bands.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BandedLine {
    pub label: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// Bands as (label, lower edge, upper edge), each the length of `x`, widest first: the
    /// narrower ones are shaded darker over it.
    pub bands: Vec<(String, Vec<f64>, Vec<f64>)>,
}

/// Lines, each over its bands, with labelled vertical markers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BandedChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub lines: Vec<BandedLine>,
    pub markers: Vec<Marker>,
}

/// Runs of (x, lower, upper) points: one band's unbroken pieces.
type BandRuns = Vec<Vec<(f64, f64, f64)>>;

/// The runs of points where `x` and both edges are finite, as (x, lower, upper).
pub(super) fn band_runs(x: &[f64], lo: &[f64], hi: &[f64]) -> BandRuns {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for ((&x, &l), &h) in x.iter().zip(lo).zip(hi) {
        if x.is_finite() && l.is_finite() && h.is_finite() {
            run.push((x, l.min(h), l.max(h)));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

impl Render for BandedChart {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        for l in &self.lines {
            check_len(|| format!("line '{}': y", l.label), l.x.len(), l.y.len())?;
            for (b, lo, hi) in &l.bands {
                check_len(|| format!("band '{b}': lower edge"), l.x.len(), lo.len())?;
                check_len(|| format!("band '{b}': upper edge"), l.x.len(), hi.len())?;
            }
        }
        let lines: Vec<Vec<Vec<(f64, f64)>>> = self
            .lines
            .iter()
            .map(|l| finite_runs(&l.x, &l.y, false))
            .collect();
        let bands: Vec<Vec<BandRuns>> = self
            .lines
            .iter()
            .map(|l| {
                l.bands
                    .iter()
                    .map(|(_, lo, hi)| band_runs(&l.x, lo, hi))
                    .collect()
            })
            .collect();
        let band_points = || bands.iter().flatten().flatten().flatten();
        let xs = lines
            .iter()
            .flatten()
            .flatten()
            .map(|p| p.0)
            .chain(band_points().map(|p| p.0));
        let ys = lines
            .iter()
            .flatten()
            .flatten()
            .map(|p| p.1)
            .chain(band_points().flat_map(|p| [p.1, p.2]));
        let x = Axis::through(xs, false, 0.0)?;
        let y = Axis::through(ys, false, 0.04)?;
        let body = draw_title(root, &self.title)?;
        let (x, y, message) = data_axes(x, y)?;
        let mut xy = Xy::new(&self.x_label, &self.y_label, x, y);
        xy.message = message;
        // Every band under every line; a line's narrower bands darken its wider ones.
        let mut entries = Vec::new();
        for (i, (line, bands)) in self.lines.iter().zip(&bands).enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let mut band_entries = Vec::new();
            let mut left = 1.0; // transparency left after the bands drawn so far
            for ((label, _, _), runs) in line.bands.iter().zip(bands) {
                let a = 0.18;
                for run in runs {
                    xy.prims.push(Prim::Band {
                        pts: run.clone(),
                        color: color.mix(a),
                    });
                }
                left *= 1.0 - a;
                band_entries.push(LegendEntry {
                    label: label.clone(),
                    swatch: Swatch::Patch(color.mix(1.0 - left)),
                });
            }
            entries.push((i, band_entries));
        }
        for ((i, band_entries), (line, runs)) in
            entries.into_iter().zip(self.lines.iter().zip(&lines))
        {
            let color = PALETTE[i % PALETTE.len()];
            let dashed = i >= PALETTE.len();
            push_runs(&mut xy, runs, color, 2, dashed);
            xy.legend.push(LegendEntry {
                label: line.label.clone(),
                swatch: Swatch::Line { color, dashed },
            });
            // Narrowest band first under its line, as the eye reads outward.
            xy.legend.extend(band_entries.into_iter().rev());
        }
        draw_markers(&mut xy, &self.markers);
        draw_xy(root, &body, &xy)?;
        Ok(())
    }
}
