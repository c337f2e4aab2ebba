//! Heatmaps: a value over a grid of cells, with a colour bar.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Axis, Ticks};
use super::error::PlotError;
use super::prim::Prim;
use super::style::{
    draw_title, font, text_width, AXIS_COLOR, AXIS_DESC_SIZE, NO_DATA_COLOR, TICK_SIZE, Y_LABELS,
};
use super::xy::{check_len, draw_xy, AxisCoord, Xy, NO_DATA};
use super::{Heatmap, Render};

/// Viridis, sampled at 9 points and interpolated linearly; `t` in [0, 1].
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 9] = [
        (68.0, 1.0, 84.0),
        (71.0, 44.0, 122.0),
        (59.0, 81.0, 139.0),
        (44.0, 113.0, 142.0),
        (33.0, 144.0, 141.0),
        (39.0, 173.0, 129.0),
        (92.0, 200.0, 99.0),
        (170.0, 220.0, 50.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let lerp = |p: f64, q: f64| (p + (q - p) * f).round().clamp(0.0, 255.0) as u8;
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Cell edges around strictly increasing centres: midpoints between neighbours (geometric
/// on a log axis), the ends mirrored outward.
fn cell_edges(centres: &[f64], log: bool, axis: &str) -> Result<Vec<f64>, PlotError> {
    for (i, &c) in centres.iter().enumerate() {
        if !c.is_finite() || (log && c <= 0.0) {
            return Err(PlotError::InvalidInput(format!(
                "heatmap {axis}[{i}] = {c}: cell centres must be finite{}",
                if log {
                    " and positive on a log axis"
                } else {
                    ""
                }
            )));
        }
        if i > 0 && c <= centres[i - 1] {
            return Err(PlotError::InvalidInput(format!(
                "heatmap {axis} centres must increase strictly: {axis}[{}] = {}, {axis}[{i}] = {c}",
                i - 1,
                centres[i - 1]
            )));
        }
    }
    let to = |v: f64| if log { v.ln() } else { v };
    let from = |v: f64| if log { v.exp() } else { v };
    let t: Vec<f64> = centres.iter().map(|&c| to(c)).collect();
    let mut edges = Vec::with_capacity(t.len() + 1);
    match t.len() {
        0 => {}
        1 => {
            let half = if log {
                0.5 * std::f64::consts::LN_10
            } else {
                0.5
            };
            let half = if !log && t[0].abs() > 1.0 {
                0.05 * t[0].abs()
            } else {
                half
            };
            edges.push(from(t[0] - half));
            edges.push(from(t[0] + half));
        }
        n => {
            edges.push(from(t[0] - 0.5 * (t[1] - t[0])));
            for w in t.windows(2) {
                edges.push(from(0.5 * (w[0] + w[1])));
            }
            edges.push(from(t[n - 1] + 0.5 * (t[n - 1] - t[n - 2])));
        }
    }
    if edges.iter().any(|e| !e.is_finite() || (log && *e <= 0.0)) {
        return Err(PlotError::InvalidInput(format!(
            "heatmap {axis} centres are too far apart to plot"
        )));
    }
    Ok(edges)
}

impl Render for Heatmap {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        check_len(
            || "heatmap z (rows)".to_string(),
            self.y.len(),
            self.z.len(),
        )?;
        for (i, row) in self.z.iter().enumerate() {
            check_len(|| format!("heatmap z[{i}]"), self.x.len(), row.len())?;
        }
        let xe = cell_edges(&self.x, self.log_x, "x")?;
        let ye = cell_edges(&self.y, self.log_y, "y")?;
        let values = || self.z.iter().flatten().flatten().copied();
        let z = Axis::through(values(), false, 0.0)?
            .map_or_else(|| Axis::new(0.0, 1.0, false, 0.0), Ok)?;
        let body = draw_title(root, &self.title)?;
        let (bw, _) = body.dim_in_pixel();
        let bar_w: u32 = 170;
        let (main, side) = body.split_horizontally(bw.saturating_sub(bar_w));
        let (x, y, message) = match (xe.first(), xe.last(), ye.first(), ye.last()) {
            (Some(&x0), Some(&x1), Some(&y0), Some(&y1)) => (
                Axis::new(x0, x1, self.log_x, 0.0)?,
                Axis::new(y0, y1, self.log_y, 0.0)?,
                None,
            ),
            _ => (
                Axis::new(1.0, 10.0, self.log_x, 0.0)?,
                Axis::new(1.0, 10.0, self.log_y, 0.0)?,
                Some(NO_DATA.to_string()),
            ),
        };
        let mut xy = Xy::new(&self.x_label, &self.y_label, x, y);
        xy.message = message;
        xy.grid = false;
        let mut missing = false;
        for (iy, row) in self.z.iter().enumerate() {
            for (ix, cell) in row.iter().enumerate() {
                let fill = match cell {
                    Some(v) if v.is_finite() => viridis((v - z.lo) / (z.hi - z.lo)),
                    _ => {
                        missing = true;
                        NO_DATA_COLOR
                    }
                };
                xy.prims.push(Prim::Rect {
                    from: (xe[ix], ye[iy]),
                    to: (xe[ix + 1], ye[iy + 1]),
                    fill: fill.mix(1.0),
                    border: None,
                });
            }
        }
        let (_, py) = draw_xy(root, &main, &xy)?;
        draw_colorbar(root, &side, z, &self.z_label, py, missing)?;
        Ok(())
    }
}

/// A vertical colour scale from `z.lo` (bottom) to `z.hi` (top), aligned with the plotting
/// area's pixel rows `py`, with a "no data" swatch below when some cells are missing.
fn draw_colorbar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    z: Axis,
    label: &str,
    py: Range<i32>,
    missing: bool,
) -> Result<(), PlotError> {
    let (_, top) = area.get_base_pixel();
    let (_, h) = area.dim_in_pixel();
    let bottom = top + h as i32;
    let ticks = Ticks::for_axis(z, Y_LABELS);
    let fmt = ticks.format;
    let mut label_w = 0;
    for t in &ticks.bold {
        label_w = label_w.max(text_width(root, &fmt.format(*t), TICK_SIZE)?);
    }
    let mut chart = ChartBuilder::on(area)
        .margin_top((py.start - top).max(0))
        .margin_bottom((bottom - py.end).max(0))
        .margin_left(20)
        .set_label_area_size(LabelAreaPosition::Right, label_w + 44)
        .build_cartesian_2d(
            AxisCoord::new(Axis::new(0.0, 1.0, false, 0.0)?, &Ticks::none()),
            AxisCoord::new(z, &ticks),
        )?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .x_labels(0)
        .y_labels(ticks.bold.len())
        .y_label_formatter(&|v| fmt.format(*v))
        .set_tick_mark_size(LabelAreaPosition::Right, 6)
        .y_desc(label)
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(AXIS_DESC_SIZE))
        .axis_style(AXIS_COLOR)
        .draw()?;
    let steps = 128;
    let dz = (z.hi - z.lo) / f64::from(steps);
    chart.draw_series((0..steps).map(|k| {
        let z0 = z.lo + dz * f64::from(k);
        Rectangle::new(
            [(0.0, z0), (1.0, z0 + dz)],
            viridis((f64::from(k) + 0.5) / f64::from(steps)).filled(),
        )
    }))?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, z.lo), (1.0, z.hi)],
        AXIS_COLOR.stroke_width(1),
    )))?;
    if missing {
        let (ax, _) = area.get_base_pixel();
        let (x0, y0) = (ax + 20, py.end + 30);
        root.draw(&Rectangle::new(
            [(x0, y0 - 8), (x0 + 24, y0 + 8)],
            NO_DATA_COLOR.filled(),
        ))?;
        root.draw(&Text::new(
            NO_DATA.to_string(),
            (x0 + 32, y0),
            font(TICK_SIZE).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}
