//! Percentile band charts: a median line with shaded bands around it.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{compact, Axis};
use super::error::PlotError;
use super::legend::{LegendEntry, Swatch};
use super::prim::Prim;
use super::style::{draw_title, BLUE};
use super::xy::{check_len, data_axes, draw_xy, finite_runs, push_runs, Xy};
use super::{BandChart, Render};

/// "5–95 %" from percentiles 5 and 95.
fn band_label(lo: f64, hi: f64) -> String {
    format!("{}–{} %", compact(lo), compact(hi))
}

impl Render for BandChart {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let n = self.x.len();
        check_len(|| "median".to_string(), n, self.median.len())?;
        for (plo, phi, lo, hi) in &self.bands {
            check_len(
                || format!("band {}: lower curve", band_label(*plo, *phi)),
                n,
                lo.len(),
            )?;
            check_len(
                || format!("band {}: upper curve", band_label(*plo, *phi)),
                n,
                hi.len(),
            )?;
        }
        // Widest band first (lightest, underneath); narrower ones darken where they overlap.
        let mut order: Vec<usize> = (0..self.bands.len()).collect();
        order.sort_by(|&a, &b| {
            let wa = self.bands[a].1 - self.bands[a].0;
            let wb = self.bands[b].1 - self.bands[b].0;
            wb.total_cmp(&wa)
        });
        let median_runs = finite_runs(&self.x, &self.median, false);
        let mut band_runs = Vec::new();
        for &k in &order {
            let (_, _, lo, hi) = &self.bands[k];
            let runs = super::banded::band_runs(&self.x, lo, hi);
            band_runs.push(runs);
        }
        let xs = median_runs
            .iter()
            .flatten()
            .map(|p| p.0)
            .chain(band_runs.iter().flatten().flatten().map(|p| p.0));
        let ys = median_runs.iter().flatten().map(|p| p.1).chain(
            band_runs
                .iter()
                .flatten()
                .flatten()
                .flat_map(|p| [p.1, p.2]),
        );
        let x = Axis::through(xs, false, 0.0)?;
        let y = Axis::through(ys, false, 0.04)?;
        let body = draw_title(root, &self.title)?;
        let (x, y, message) = data_axes(x, y)?;
        let mut xy = Xy::new(&self.x_label, &self.y_label, x, y);
        xy.message = message;
        let alpha = |rank: usize| 0.16 + 0.04 * rank as f64;
        let mut cumulative = 1.0; // transparency left after the bands drawn so far
        let mut band_entries = Vec::new();
        for (rank, (&k, runs)) in order.iter().zip(band_runs).enumerate() {
            let a = alpha(rank);
            let color = BLUE.mix(a);
            for run in runs {
                xy.prims.push(Prim::Band { pts: run, color });
            }
            cumulative *= 1.0 - a;
            let (plo, phi, _, _) = &self.bands[k];
            band_entries.push(LegendEntry {
                label: band_label(*plo, *phi),
                swatch: Swatch::Patch(BLUE.mix(1.0 - cumulative)),
            });
        }
        let median_color = RGBColor(8, 48, 107);
        push_runs(&mut xy, &median_runs, median_color, 3, false);
        xy.legend.push(LegendEntry {
            label: "median".to_string(),
            swatch: Swatch::Line {
                color: median_color,
                dashed: false,
            },
        });
        // Narrowest band first under the median, as the eye reads outward.
        xy.legend.extend(band_entries.into_iter().rev());
        draw_xy(root, &body, &xy)?;
        Ok(())
    }
}
