//! The primitives every chart is made of, in data coordinates, and how one is drawn.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::RGBAColor;

use super::error::PlotError;
use super::style::font;

/// Something to draw in data coordinates.
#[derive(Clone)]
pub(super) enum Prim {
    /// A polyline of finite points.
    Line {
        pts: Vec<(f64, f64)>,
        color: RGBColor,
        width: u32,
        dashed: bool,
    },
    /// A filled band between lower and upper curves: (x, lo, hi), all finite.
    Band {
        pts: Vec<(f64, f64, f64)>,
        color: RGBAColor,
    },
    /// A filled rectangle between two corners.
    Rect {
        from: (f64, f64),
        to: (f64, f64),
        fill: RGBAColor,
        border: Option<RGBColor>,
    },
    /// A dot, for isolated points that a line cannot show.
    Marker { at: (f64, f64), color: RGBColor },
    /// Text anchored at a data point, shifted by `offset` pixels.
    Label {
        at: (f64, f64),
        offset: (i32, i32),
        text: String,
        size: f64,
        color: RGBColor,
        anchor: HPos,
    },
    /// A [`Prim::Label`] on a white box, readable over the lines it crosses.
    Tag {
        at: (f64, f64),
        offset: (i32, i32),
        text: String,
        size: f64,
        color: RGBColor,
        anchor: HPos,
    },
}

/// Pixel rectangle of the plotting area once drawn: (x range, y range).
pub(super) type PlotRect = (Range<i32>, Range<i32>);

/// Draw one primitive on `chart` (labels on `root`, in pixels).
pub(super) fn draw_prim<DB, X, Y>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    prim: &Prim,
) -> Result<(), PlotError>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    match prim {
        Prim::Line {
            pts,
            color,
            width,
            dashed,
        } => {
            let style = color.stroke_width(*width);
            if *dashed {
                chart.draw_series(DashedLineSeries::new(pts.iter().copied(), 10, 6, style))?;
            } else {
                chart.draw_series(LineSeries::new(pts.iter().copied(), style))?;
            }
        }
        Prim::Band { pts, color } => {
            let outline: Vec<(f64, f64)> = pts
                .iter()
                .map(|&(x, lo, _)| (x, lo))
                .chain(pts.iter().rev().map(|&(x, _, hi)| (x, hi)))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(outline, color.filled())))?;
        }
        Prim::Rect {
            from,
            to,
            fill,
            border,
        } => {
            chart.draw_series(std::iter::once(Rectangle::new([*from, *to], fill.filled())))?;
            if let Some(border) = border {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [*from, *to],
                    border.stroke_width(1),
                )))?;
            }
        }
        Prim::Marker { at, color } => {
            chart.draw_series(std::iter::once(Circle::new(*at, 4, color.filled())))?;
        }
        Prim::Tag {
            at,
            offset,
            text,
            size,
            color,
            anchor,
        } => {
            let (x, y) = chart.backend_coord(at);
            let (x, y) = (x + offset.0, y + offset.1);
            let (w, h) = root.estimate_text_size(text, &font(*size))?;
            let (w, h) = (
                i32::try_from(w).unwrap_or(i32::MAX),
                i32::try_from(h).unwrap_or(i32::MAX),
            );
            let left = match anchor {
                HPos::Right => x - w,
                HPos::Center => x - w / 2,
                HPos::Left => x,
            };
            root.draw(&Rectangle::new(
                [(left - 2, y - h / 2 - 1), (left + w + 2, y + h / 2 + 1)],
                WHITE.filled(),
            ))?;
            root.draw(&Text::new(
                text.clone(),
                (x, y),
                font(*size)
                    .color(color)
                    .pos(Pos::new(*anchor, VPos::Center)),
            ))?;
        }
        Prim::Label {
            at,
            offset,
            text,
            size,
            color,
            anchor,
        } => {
            let (x, y) = chart.backend_coord(at);
            root.draw(&Text::new(
                text.clone(),
                (x + offset.0, y + offset.1),
                font(*size)
                    .color(color)
                    .pos(Pos::new(*anchor, VPos::Center)),
            ))?;
        }
    }
    Ok(())
}
