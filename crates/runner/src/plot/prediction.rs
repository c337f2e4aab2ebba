//! Prediction bands: a central line (a best fit projected forward) over the band an ensemble
//! spans, with the readings it was fitted to as dots and thresholds as dashed lines.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::Axis;
use super::error::PlotError;
use super::legend::{LegendEntry, Swatch};
use super::line::push_level;
use super::prim::Prim;
use super::style::{draw_title, AXIS_COLOR, BLUE, RED};
use super::xy::{check_len, data_axes, draw_xy, finite_runs, push_runs, Xy};
use super::{Level, Marker, Render};
use plotters::style::text_anchor::HPos;

/// A central line over a band, with points and thresholds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PredictionChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Abscissae of the line and the band.
    pub x: Vec<f64>,
    /// The central line; same length as `x`.
    pub line: Vec<f64>,
    pub line_label: String,
    /// Lower and upper edges of the band; same length as `x` (empty: no band).
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub band_label: String,
    /// Points drawn as dots (readings).
    pub points: Vec<(f64, f64)>,
    pub points_label: String,
    /// Dashed horizontal lines (thresholds), always within the y axis.
    pub levels: Vec<Level>,
    /// A labelled vertical line (the last reading: where the projection begins).
    pub marker: Option<Marker>,
}

impl Render for PredictionChart {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let n = self.x.len();
        check_len(|| "line".to_string(), n, self.line.len())?;
        let banded = !self.lower.is_empty() || !self.upper.is_empty();
        if banded {
            check_len(|| "band: lower edge".to_string(), n, self.lower.len())?;
            check_len(|| "band: upper edge".to_string(), n, self.upper.len())?;
        }
        let line_runs = finite_runs(&self.x, &self.line, false);
        let band_runs = super::banded::band_runs(&self.x, &self.lower, &self.upper);
        let points: Vec<(f64, f64)> = self
            .points
            .iter()
            .copied()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect();
        let xs = line_runs
            .iter()
            .flatten()
            .map(|p| p.0)
            .chain(band_runs.iter().flatten().map(|p| p.0))
            .chain(points.iter().map(|p| p.0));
        let levels = self.levels.iter().filter(|l| l.y.is_finite()).map(|l| l.y);
        let ys = line_runs
            .iter()
            .flatten()
            .map(|p| p.1)
            .chain(band_runs.iter().flatten().flat_map(|p| [p.1, p.2]))
            .chain(points.iter().map(|p| p.1))
            .chain(levels);
        let body = draw_title(root, &self.title)?;
        let (x, y, message) = data_axes(
            Axis::through(xs, false, 0.0)?,
            Axis::through(ys, false, 0.04)?,
        )?;
        let mut xy = Xy::new(&self.x_label, &self.y_label, x, y);
        xy.message = message;
        if !band_runs.is_empty() {
            let color = BLUE.mix(0.22);
            for pts in band_runs {
                xy.prims.push(Prim::Band { pts, color });
            }
            xy.legend.push(LegendEntry {
                label: self.band_label.clone(),
                swatch: Swatch::Patch(color),
            });
        }
        let line_color = RGBColor(8, 48, 107);
        push_runs(&mut xy, &line_runs, line_color, 3, false);
        xy.legend.push(LegendEntry {
            label: self.line_label.clone(),
            swatch: Swatch::Line {
                color: line_color,
                dashed: false,
            },
        });
        if !points.is_empty() {
            for at in points {
                xy.prims.push(Prim::Marker { at, color: RED });
            }
            xy.legend.push(LegendEntry {
                label: self.points_label.clone(),
                swatch: Swatch::Patch(RED.mix(1.0)),
            });
        }
        for (k, level) in self.levels.iter().filter(|l| l.y.is_finite()).enumerate() {
            push_level(&mut xy, level, k, &x);
        }
        if let Some(m) = self.marker.as_ref().filter(|m| m.x >= x.lo && m.x <= x.hi) {
            xy.prims.push(Prim::Line {
                pts: vec![(m.x, y.lo), (m.x, y.hi)],
                color: AXIS_COLOR,
                width: 1,
                dashed: false,
            });
            xy.marks.push(Prim::Tag {
                at: (m.x, y.hi),
                offset: (4, 12),
                text: m.label.clone(),
                size: 13.0,
                color: AXIS_COLOR,
                anchor: HPos::Left,
            });
        }
        draw_xy(root, &body, &xy)?;
        Ok(())
    }
}
