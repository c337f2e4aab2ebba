//! The shared x-y chart every chart kind draws on: the axes as plotters sees them, the mesh,
//! category labels, message and legend, around the primitives of [`super::prim`].

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Axis, Ticks};
use super::error::PlotError;
use super::legend::{draw_legend, free_corner, layout_legend, LegendEntry};
use super::prim::{draw_prim, PlotRect, Prim};
use super::style::{
    fit_text, font, text_width, AXIS_COLOR, AXIS_DESC_SIZE, GRID_BOLD, GRID_LIGHT, TICK_SIZE,
    X_LABELS, Y_LABELS,
};

/// Everything an x-y chart needs, independent of the coordinate types.
pub(super) struct Xy {
    pub(super) x_label: String,
    pub(super) y_label: String,
    pub(super) x: Axis,
    pub(super) y: Axis,
    pub(super) y_integer: bool,
    pub(super) prims: Vec<Prim>,
    /// Labels drawn over the data that the legend may cover (event markers' names).
    pub(super) marks: Vec<Prim>,
    pub(super) legend: Vec<LegendEntry>,
    /// Replace the y tick labels by names at these y positions (tornado).
    pub(super) categories: Vec<(f64, String)>,
    /// Font size of the category names and value labels.
    pub(super) category_size: f64,
    /// Text centred in the plotting area, e.g. "no data".
    pub(super) message: Option<String>,
    /// Hide grid lines (heatmap cells cover them anyway).
    pub(super) grid: bool,
    /// At most this many x tick labels (fewer on a narrow panel).
    pub(super) x_ticks: usize,
}

impl Xy {
    pub(super) fn new(x_label: &str, y_label: &str, x: Axis, y: Axis) -> Xy {
        Xy {
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            x,
            y,
            y_integer: false,
            prims: Vec::new(),
            marks: Vec::new(),
            legend: Vec::new(),
            categories: Vec::new(),
            category_size: TICK_SIZE,
            message: None,
            grid: true,
            x_ticks: X_LABELS,
        }
    }
}

/// One axis as plotters sees it: linear or logarithmic, with our own tick positions.
#[derive(Clone)]
pub(super) struct AxisCoord {
    pub(super) scale: Scale,
    pub(super) range: Range<f64>,
    pub(super) bold: Vec<f64>,
    pub(super) light: Vec<f64>,
}

#[derive(Clone)]
pub(super) enum Scale {
    Linear(RangedCoordf64),
    /// Linear in the natural logarithm of the value.
    Log(RangedCoordf64),
}

impl AxisCoord {
    pub(super) fn new(axis: Axis, ticks: &Ticks) -> AxisCoord {
        let range = axis.lo..axis.hi;
        let scale = if axis.log {
            Scale::Log(RangedCoordf64::from(axis.lo.ln()..axis.hi.ln()))
        } else {
            Scale::Linear(RangedCoordf64::from(range.clone()))
        };
        AxisCoord {
            scale,
            range,
            bold: ticks.bold.clone(),
            light: ticks.light.clone(),
        }
    }
}

impl Ranged for AxisCoord {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        match &self.scale {
            Scale::Linear(c) => c.map(value, limit),
            Scale::Log(c) => c.map(&value.max(f64::MIN_POSITIVE).ln(), limit),
        }
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

pub(super) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<AxisCoord, AxisCoord>>;

pub(super) fn build_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &AxisCoord,
    y: &AxisCoord,
    y_area: i32,
) -> Result<Chart<'a, DB>, PlotError> {
    Ok(ChartBuilder::on(area)
        .margin_top(8)
        .margin_right(8)
        .x_label_area_size(58)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x.clone(), y.clone())?)
}

/// Draw axes, grid, primitives, category labels, message and legend of `xy` in `area`;
/// returns the pixel rectangle of the plotting area.
pub(super) fn draw_xy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    xy: &Xy,
) -> Result<PlotRect, PlotError> {
    let x_ticks = Ticks::for_axis(xy.x, xy.x_ticks);
    let mut y_ticks = if xy.categories.is_empty() {
        Ticks::for_axis(xy.y, Y_LABELS)
    } else {
        Ticks::none()
    };
    if xy.y_integer {
        y_ticks.format = y_ticks.format.integers();
        y_ticks
            .bold
            .retain(|t| (t - t.round()).abs() <= 1e-9 * t.abs().max(1.0));
    }
    let xc = AxisCoord::new(xy.x, &x_ticks);
    let yc = AxisCoord::new(xy.y, &y_ticks);
    let (x_fmt, y_fmt) = (x_ticks.format, y_ticks.format);
    let (area_w, area_h) = area.dim_in_pixel();
    let (area_w, area_h) = (area_w as i32, area_h as i32);
    let mut y_tick_w = 0;
    if xy.categories.is_empty() {
        for t in &y_ticks.bold {
            y_tick_w = y_tick_w.max(text_width(root, &y_fmt.format(*t), TICK_SIZE)?);
        }
    } else {
        for (_, name) in &xy.categories {
            y_tick_w = y_tick_w.max(text_width(root, name, xy.category_size)?);
        }
        y_tick_w = y_tick_w.min(area_w * 2 / 5);
    }
    let desc_w = if xy.y_label.is_empty() { 0 } else { 28 };
    let y_area = y_tick_w + desc_w + 14;

    // Legend: inside a free corner if one exists, else in a column to the right. The first
    // chart only measures the plotting area; nothing is drawn until the mesh.
    let mut legend = None;
    let mut split = None;
    if !xy.legend.is_empty() {
        let probe = build_chart(area, &xc, &yc, y_area)?;
        let (px, py) = probe.plotting_area().get_pixel_range();
        let inside = layout_legend(root, &xy.legend, (px.end - px.start) / 2, py.end - py.start)?;
        match free_corner(&probe, &xy.prims, &inside, (px, py)) {
            Some(pos) => legend = Some((inside, pos)),
            None => {
                let outside = layout_legend(root, &xy.legend, area_w / 3, area_h - 70)?;
                let at = (area_w - outside.width - 16).max(area_w / 2);
                split = Some((outside, at));
            }
        }
    }
    let left;
    let target = match &split {
        Some((_, at)) => {
            left = area.split_horizontally(*at).0;
            &left
        }
        None => area,
    };
    let mut chart = build_chart(target, &xc, &yc, y_area)?;
    if let Some((outside, at)) = split {
        let (_, py) = chart.plotting_area().get_pixel_range();
        legend = Some((outside, (area.get_base_pixel().0 + at + 12, py.start)));
    }

    let x_formatter = |v: &f64| x_fmt.format(*v);
    let y_formatter = |v: &f64| y_fmt.format(*v);
    let mut mesh = chart.configure_mesh();
    if !xy.x_label.is_empty() {
        mesh.x_desc(xy.x_label.as_str());
    }
    if !xy.y_label.is_empty() {
        mesh.y_desc(xy.y_label.as_str());
    }
    mesh.x_labels(x_ticks.bold.len().max(1))
        .y_labels(y_ticks.bold.len())
        .x_label_formatter(&x_formatter)
        .y_label_formatter(&y_formatter)
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(AXIS_DESC_SIZE))
        .axis_style(AXIS_COLOR)
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT);
    if !xy.grid {
        mesh.disable_mesh();
    }
    if !xy.categories.is_empty() {
        mesh.disable_y_mesh();
    }
    mesh.draw()?;

    for prim in xy.prims.iter().chain(&xy.marks) {
        draw_prim(root, &mut chart, prim)?;
    }
    let (px, py) = chart.plotting_area().get_pixel_range();
    for (y, name) in &xy.categories {
        let (_, cy) = chart.backend_coord(&(xy.x.lo, *y));
        let name = fit_text(root, name, xy.category_size, y_tick_w)?;
        root.draw(&Text::new(
            name,
            (px.start - 10, cy),
            font(xy.category_size).pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    if let Some(message) = &xy.message {
        root.draw(&Text::new(
            message.clone(),
            ((px.start + px.end) / 2, (py.start + py.end) / 2),
            font(AXIS_DESC_SIZE)
                .color(&AXIS_COLOR)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
    }
    if let Some((layout, pos)) = legend {
        draw_legend(root, &layout, pos)?;
    }
    Ok((px, py))
}

/// Runs of consecutive points where both coordinates are usable (finite, and y > 0 on a
/// log axis).
pub(super) fn finite_runs(x: &[f64], y: &[f64], log_y: bool) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for (&a, &b) in x.iter().zip(y) {
        if a.is_finite() && b.is_finite() && (!log_y || b > 0.0) {
            run.push((a, b));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

pub(super) fn check_len(
    what: impl FnOnce() -> String,
    expected: usize,
    found: usize,
) -> Result<(), PlotError> {
    if expected == found {
        Ok(())
    } else {
        Err(PlotError::LengthMismatch {
            what: what(),
            expected,
            found,
        })
    }
}

pub(super) const NO_DATA: &str = "no data";

/// The axes through the data, or (no data at all) unit axes and the "no data" message.
pub(super) fn data_axes(
    x: Option<Axis>,
    y: Option<Axis>,
) -> Result<(Axis, Axis, Option<String>), PlotError> {
    Ok(match (x, y) {
        (Some(x), Some(y)) => (x, y, None),
        _ => (
            Axis::new(0.0, 1.0, false, 0.0)?,
            Axis::new(0.0, 1.0, false, 0.0)?,
            Some(NO_DATA.to_string()),
        ),
    })
}

/// A line's finite runs as primitives: a line each, a marker for a lone point.
pub(super) fn push_runs(
    xy: &mut Xy,
    runs: &[Vec<(f64, f64)>],
    color: RGBColor,
    width: u32,
    dashed: bool,
) {
    for run in runs {
        if run.len() == 1 {
            xy.prims.push(Prim::Marker { at: run[0], color });
        } else {
            xy.prims.push(Prim::Line {
                pts: run.clone(),
                color,
                width,
                dashed,
            });
        }
    }
}
