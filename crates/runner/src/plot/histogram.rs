//! Histograms: counts in equal-width bins, with the median marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{compact, Axis};
use super::error::PlotError;
use super::legend::{LegendEntry, Swatch};
use super::prim::Prim;
use super::style::{draw_title, BLUE, RED};
use super::xy::{draw_xy, Xy, NO_DATA};
use super::{Histogram, Render};

impl Render for Histogram {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        if self.bins == 0 || self.bins > 100_000 {
            return Err(PlotError::InvalidInput(format!(
                "histogram '{}': {} bins; expected 1 to 100000",
                self.title, self.bins
            )));
        }
        let mut values: Vec<f64> = self
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        values.sort_by(f64::total_cmp);
        let body = draw_title(root, &self.title)?;
        let Some(range) = Axis::through(values.iter().copied(), false, 0.0)? else {
            let mut xy = Xy::new(
                &self.x_label,
                "count",
                Axis::new(0.0, 1.0, false, 0.0)?,
                Axis::new(0.0, 1.0, false, 0.0)?,
            );
            xy.message = Some(NO_DATA.to_string());
            draw_xy(root, &body, &xy)?;
            return Ok(());
        };
        // Bins span the data exactly; a constant sample gets one bar centred on its value.
        let constant = !matches!((values.first(), values.last()), (Some(&a), Some(&b)) if b > a);
        let (lo, hi, bins) = match (values.first(), values.last()) {
            (Some(&a), Some(&b)) if !constant => (a, b, self.bins),
            _ => {
                let mid = 0.5 * (range.lo + range.hi);
                let half = 0.05 * (range.hi - range.lo);
                (mid - half, mid + half, 1)
            }
        };
        let width = (hi - lo) / bins as f64;
        let mut counts = vec![0usize; bins];
        for &v in &values {
            let i = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
            counts[i] += 1;
        }
        let max_count = counts.iter().copied().max().unwrap_or(0).max(1);
        let x = if constant {
            range
        } else {
            Axis::new(lo, hi, false, 0.02)?
        };
        let y = Axis::new(0.0, max_count as f64 * 1.08, false, 0.0)?;
        let mut xy = Xy::new(&self.x_label, "count", x, y);
        xy.y_integer = true;
        for (i, &c) in counts.iter().enumerate() {
            if c > 0 {
                xy.prims.push(Prim::Rect {
                    from: (lo + width * i as f64, 0.0),
                    to: (lo + width * (i + 1) as f64, c as f64),
                    fill: BLUE.mix(0.85),
                    border: Some(WHITE),
                });
            }
        }
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            0.5 * (values[n / 2 - 1] + values[n / 2])
        };
        xy.prims.push(Prim::Line {
            pts: vec![(median, 0.0), (median, y.hi)],
            color: RED,
            width: 2,
            dashed: true,
        });
        xy.legend.push(LegendEntry {
            label: format!("n = {n}"),
            swatch: Swatch::Patch(BLUE.mix(0.85)),
        });
        xy.legend.push(LegendEntry {
            label: format!("median = {}", compact(median)),
            swatch: Swatch::Line {
                color: RED,
                dashed: true,
            },
        });
        draw_xy(root, &body, &xy)?;
        Ok(())
    }
}
