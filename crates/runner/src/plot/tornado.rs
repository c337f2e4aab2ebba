//! Tornado charts: horizontal bars sorted by magnitude, largest on top.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::axis::Axis;
use super::error::PlotError;
use super::prim::Prim;
use super::style::{draw_title, AXIS_COLOR, BLUE, RED, TEXT_COLOR, TICK_SIZE};
use super::xy::{draw_xy, Xy, NO_DATA};
use super::{Render, Tornado};

impl Render for Tornado {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let mut bars: Vec<(&str, f64)> = self
            .bars
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(name, v)| (name.as_str(), *v))
            .collect();
        bars.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let body = draw_title(root, &self.title)?;
        // Keep bars at least 16 px apart: show the largest that fit, and say so.
        let (_, body_h) = body.dim_in_pixel();
        let plot_h = (body_h as f64 - 70.0).max(16.0);
        let fit = ((plot_h / 16.0) as usize).max(1);
        let mut x_label = self.x_label.clone();
        if bars.len() > fit {
            x_label = format!("{x_label} ({fit} largest of {} shown)", bars.len());
            bars.truncate(fit);
        }
        let n = bars.len();
        let size = (plot_h / n.max(1) as f64 * 0.7).clamp(10.0, TICK_SIZE);
        let max_abs = bars.iter().fold(0.0f64, |m, b| m.max(b.1.abs()));
        let reach = if max_abs <= 1.0 { 1.0 } else { max_abs * 1.15 };
        let x = Axis::new(-reach, reach, false, 0.0)?;
        let y = Axis::new(-0.5, n.max(1) as f64 - 0.5, false, 0.0)?;
        let mut xy = Xy::new(&x_label, "", x, y);
        xy.category_size = size;
        if n == 0 {
            xy.message = Some(NO_DATA.to_string());
        }
        for (i, (name, v)) in bars.iter().enumerate() {
            let yc = (n - 1 - i) as f64;
            let color = if *v >= 0.0 { BLUE } else { RED };
            xy.prims.push(Prim::Rect {
                from: (0.0, yc - 0.36),
                to: (*v, yc + 0.36),
                fill: color.mix(0.9),
                border: None,
            });
            // Value at the bar's end: outside it, or inside near the axis limits.
            let inside = v.abs() > 0.8 * reach;
            let outward = if *v >= 0.0 { 1 } else { -1 };
            let (offset, anchor, text_color) = match (inside, outward > 0) {
                (false, true) => ((6, 0), HPos::Left, TEXT_COLOR),
                (false, false) => ((-6, 0), HPos::Right, TEXT_COLOR),
                (true, true) => ((-6, 0), HPos::Right, WHITE),
                (true, false) => ((6, 0), HPos::Left, WHITE),
            };
            xy.prims.push(Prim::Label {
                at: (*v, yc),
                offset,
                text: format!("{v:+.2}"),
                size,
                color: text_color,
                anchor,
            });
            xy.categories.push((yc, (*name).to_string()));
        }
        xy.prims.push(Prim::Line {
            pts: vec![(0.0, y.lo), (0.0, y.hi)],
            color: AXIS_COLOR,
            width: 1,
            dashed: false,
        });
        draw_xy(root, &body, &xy)?;
        Ok(())
    }
}
