//! Line charts: several series against a shared x axis.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::Axis;
use super::error::PlotError;
use super::legend::{LegendEntry, Swatch};
use super::prim::Prim;
use super::style::{draw_title, PALETTE};
use super::xy::{check_len, draw_xy, finite_runs, Xy, NO_DATA};
use super::{LineChart, Render};

impl Render for LineChart {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        for s in &self.series {
            check_len(|| format!("series '{}': y", s.label), s.x.len(), s.y.len())?;
        }
        let runs: Vec<Vec<Vec<(f64, f64)>>> = self
            .series
            .iter()
            .map(|s| finite_runs(&s.x, &s.y, self.log_y))
            .collect();
        let points = || runs.iter().flatten().flatten();
        let x = Axis::through(points().map(|p| p.0), false, 0.0)?;
        let y = Axis::through(points().map(|p| p.1), self.log_y, 0.04)?;
        let body = draw_title(root, &self.title)?;
        let (x, y, message) = match (x, y) {
            (Some(x), Some(y)) => (x, y, None),
            _ => (
                Axis::new(0.0, 1.0, false, 0.0)?,
                if self.log_y {
                    Axis::new(1.0, 10.0, true, 0.0)?
                } else {
                    Axis::new(0.0, 1.0, false, 0.0)?
                },
                Some(NO_DATA.to_string()),
            ),
        };
        let mut xy = Xy::new(&self.x_label, &self.y_label, x, y);
        xy.message = message;
        for (i, (series, runs)) in self.series.iter().zip(&runs).enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let dashed = i >= PALETTE.len();
            for run in runs {
                if run.len() == 1 {
                    xy.prims.push(Prim::Marker { at: run[0], color });
                } else {
                    xy.prims.push(Prim::Line {
                        pts: run.clone(),
                        color,
                        width: 2,
                        dashed,
                    });
                }
            }
            if !series.label.is_empty() {
                xy.legend.push(LegendEntry {
                    label: series.label.clone(),
                    swatch: Swatch::Line { color, dashed },
                });
            }
        }
        draw_xy(root, &body, &xy)?;
        Ok(())
    }
}
