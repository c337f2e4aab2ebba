//! The legend: its entries, their layout and drawing, and where it goes (a corner of the
//! plotting area that covers no data, found on a grid of occupied cells).

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::RGBAColor;

use super::error::PlotError;
use super::prim::{PlotRect, Prim};
use super::style::{font, text_width, wrap_text, LEGEND_SIZE};

/// How a legend entry is drawn.
#[derive(Debug, Clone)]
pub(super) enum Swatch {
    Line { color: RGBColor, dashed: bool },
    Patch(RGBAColor),
}

#[derive(Debug, Clone)]
pub(super) struct LegendEntry {
    pub(super) label: String,
    pub(super) swatch: Swatch,
}

pub(super) const LEGEND_ROW: i32 = 24;
pub(super) const LEGEND_PAD: i32 = 10;
pub(super) const LEGEND_SWATCH: i32 = 30;
pub(super) const LEGEND_GAP: i32 = 8;

/// Entries with labels shortened to `max_text` pixels, the box size, and how many rows fit
/// in `max_height` (the rest are summarised in a last row).
pub(super) struct LegendLayout {
    pub(super) rows: Vec<LegendEntry>,
    pub(super) width: i32,
    pub(super) height: i32,
}

pub(super) fn layout_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    max_text: i32,
    max_height: i32,
) -> Result<LegendLayout, PlotError> {
    let fit_rows = ((max_height - 2 * LEGEND_PAD) / LEGEND_ROW).max(1) as usize;
    // Long labels wrap onto rows of their own (no swatch) rather than being cut: a reader
    // must see every name whole.
    let blank = Swatch::Patch(WHITE.mix(0.0));
    let mut rows: Vec<LegendEntry> = Vec::new();
    for (k, entry) in entries.iter().enumerate() {
        let lines = wrap_text(area, &entry.label, LEGEND_SIZE, max_text)?;
        let left = entries.len() - k;
        if rows.len() + lines.len() + usize::from(left > 1) > fit_rows && k > 0 {
            rows.push(LegendEntry {
                label: format!("… and {left} more"),
                swatch: blank.clone(),
            });
            break;
        }
        for (i, line) in lines.into_iter().enumerate() {
            rows.push(LegendEntry {
                label: line,
                swatch: if i == 0 {
                    entry.swatch.clone()
                } else {
                    blank.clone()
                },
            });
        }
    }
    let mut text_w = 0;
    for row in &rows {
        text_w = text_w.max(text_width(area, &row.label, LEGEND_SIZE)?);
    }
    let width = 2 * LEGEND_PAD + LEGEND_SWATCH + LEGEND_GAP + text_w;
    let height = 2 * LEGEND_PAD + LEGEND_ROW * rows.len() as i32 - 4;
    Ok(LegendLayout {
        rows,
        width,
        height,
    })
}

pub(super) fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    legend: &LegendLayout,
    (x, y): (i32, i32),
) -> Result<(), PlotError> {
    let corner = (x + legend.width, y + legend.height);
    root.draw(&Rectangle::new([(x, y), corner], WHITE.filled()))?;
    root.draw(&Rectangle::new(
        [(x, y), corner],
        RGBColor(170, 170, 170).stroke_width(1),
    ))?;
    for (i, row) in legend.rows.iter().enumerate() {
        let cy = y + LEGEND_PAD + LEGEND_ROW * i as i32 + LEGEND_ROW / 2 - 2;
        let sx = x + LEGEND_PAD;
        match &row.swatch {
            Swatch::Line { color, dashed } => {
                if *dashed {
                    for k in 0..3 {
                        let a = sx + k * 11;
                        root.draw(&PathElement::new(
                            vec![(a, cy), (a + 7, cy)],
                            color.stroke_width(3),
                        ))?;
                    }
                } else {
                    root.draw(&PathElement::new(
                        vec![(sx, cy), (sx + LEGEND_SWATCH, cy)],
                        color.stroke_width(3),
                    ))?;
                }
            }
            Swatch::Patch(color) => {
                root.draw(&Rectangle::new(
                    [(sx, cy - 7), (sx + LEGEND_SWATCH, cy + 7)],
                    color.filled(),
                ))?;
            }
        }
        root.draw(&Text::new(
            row.label.clone(),
            (sx + LEGEND_SWATCH + LEGEND_GAP, cy),
            font(LEGEND_SIZE).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// Which parts of the plotting area hold data, on a grid of 4 px cells; used to put the
/// legend where it hides nothing.
pub(super) struct Occupancy {
    pub(super) left: i32,
    pub(super) top: i32,
    pub(super) cols: i32,
    pub(super) rows: i32,
    pub(super) cells: Vec<bool>,
}

pub(super) const CELL: i32 = 4;

impl Occupancy {
    pub(super) fn new(x: Range<i32>, y: Range<i32>) -> Occupancy {
        let cols = ((x.end - x.start) / CELL + 1).max(1);
        let rows = ((y.end - y.start) / CELL + 1).max(1);
        Occupancy {
            left: x.start,
            top: y.start,
            cols,
            rows,
            cells: vec![false; (cols * rows) as usize],
        }
    }

    /// Mark every cell in the pixel rectangle spanned by `a` and `b`.
    pub(super) fn mark_rect(&mut self, a: (i32, i32), b: (i32, i32)) {
        let c0 = ((a.0.min(b.0) - self.left) / CELL).clamp(0, self.cols - 1);
        let c1 = ((a.0.max(b.0) - self.left) / CELL).clamp(0, self.cols - 1);
        let r0 = ((a.1.min(b.1) - self.top) / CELL).clamp(0, self.rows - 1);
        let r1 = ((a.1.max(b.1) - self.top) / CELL).clamp(0, self.rows - 1);
        for r in r0..=r1 {
            for c in c0..=c1 {
                self.cells[(r * self.cols + c) as usize] = true;
            }
        }
    }

    pub(super) fn mark_line(&mut self, a: (i32, i32), b: (i32, i32)) {
        let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
        let steps = (dx.abs().max(dy.abs()) / 2.0).ceil().clamp(1.0, 5000.0) as i32;
        for k in 0..=steps {
            let t = f64::from(k) / f64::from(steps);
            let p = (a.0 + (dx * t).round() as i32, a.1 + (dy * t).round() as i32);
            self.mark_rect(p, p);
        }
    }

    /// How many occupied cells the pixel rectangle covers.
    pub(super) fn hits(&self, a: (i32, i32), b: (i32, i32)) -> usize {
        let c0 = ((a.0 - self.left) / CELL).clamp(0, self.cols - 1);
        let c1 = ((b.0 - self.left) / CELL).clamp(0, self.cols - 1);
        let r0 = ((a.1 - self.top) / CELL).clamp(0, self.rows - 1);
        let r1 = ((b.1 - self.top) / CELL).clamp(0, self.rows - 1);
        let mut n = 0;
        for r in r0..=r1 {
            for c in c0..=c1 {
                n += usize::from(self.cells[(r * self.cols + c) as usize]);
            }
        }
        n
    }
}

/// The first corner of the plotting area (upper right, upper left, lower right, lower left,
/// top centre, bottom centre) where the legend covers no data, if any.
pub(super) fn free_corner<DB, X, Y>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    prims: &[Prim],
    legend: &LegendLayout,
    (px, py): PlotRect,
) -> Option<(i32, i32)>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let inset = 12;
    let (w, h) = (legend.width, legend.height);
    if w + 2 * inset > px.end - px.start || h + 2 * inset > py.end - py.start {
        return None;
    }
    let mut occ = Occupancy::new(px.clone(), py.clone());
    let at = |p: &(f64, f64)| chart.backend_coord(p);
    for prim in prims {
        match prim {
            Prim::Line { pts, .. } => {
                for pair in pts.windows(2) {
                    occ.mark_line(at(&pair[0]), at(&pair[1]));
                }
            }
            Prim::Band { pts, .. } => {
                for pair in pts.windows(2) {
                    let (x0, lo0, hi0) = pair[0];
                    let (x1, lo1, hi1) = pair[1];
                    let (a, b) = (at(&(x0, lo0)).0, at(&(x1, lo1)).0);
                    let n = ((b - a).abs() / CELL).clamp(1, 2000);
                    for k in 0..=n {
                        let t = f64::from(k) / f64::from(n);
                        let x = x0 + (x1 - x0) * t;
                        let lo = lo0 + (lo1 - lo0) * t;
                        let hi = hi0 + (hi1 - hi0) * t;
                        occ.mark_rect(at(&(x, lo)), at(&(x, hi)));
                    }
                }
            }
            Prim::Rect { from, to, .. } => occ.mark_rect(at(from), at(to)),
            Prim::Marker { at: p, .. } | Prim::Label { at: p, .. } | Prim::Tag { at: p, .. } => {
                let c = at(p);
                occ.mark_rect((c.0 - 4, c.1 - 4), (c.0 + 4, c.1 + 4));
            }
        }
    }
    let (l, r) = (px.start + inset, px.end - inset - w);
    let (t, b) = (py.start + inset, py.end - inset - h);
    let mid = (px.start + px.end - w) / 2;
    [(r, t), (l, t), (r, b), (l, b), (mid, t), (mid, b)]
        .into_iter()
        .find(|&(x, y)| occ.hits((x - 4, y - 4), (x + w + 4, y + h + 4)) == 0)
}
