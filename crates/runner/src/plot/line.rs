//! Line charts: several series against a shared x axis.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::Axis;
use super::error::PlotError;
use super::legend::{LegendEntry, Swatch};
use super::prim::Prim;
use super::style::{draw_title, AXIS_COLOR, PALETTE};
use super::xy::{check_len, draw_xy, finite_runs, push_runs, Xy, NO_DATA};
use super::{LineChart, Marker, Render};
use plotters::style::text_anchor::HPos;

/// Colour of the threshold lines (dark grey-blue, apart from the palette's first colours).
pub(super) const LEVEL_COLORS: [RGBColor; 3] = [
    RGBColor(60, 60, 60),
    RGBColor(150, 30, 30),
    RGBColor(30, 90, 150),
];

/// Rows of marker labels, staggered so neighbouring labels do not overwrite each other.
const MARKER_ROWS: i32 = 4;

impl Render for LineChart {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        for s in &self.series {
            check_len(|| format!("series '{}': y", s.label), s.x.len(), s.y.len())?;
        }
        let inside = |x: f64| {
            self.x_range
                .is_none_or(|(lo, hi)| x >= lo * (1.0 + 1e-12) - 1e-300 && x <= hi * (1.0 + 1e-12))
        };
        let runs: Vec<Vec<Vec<(f64, f64)>>> = self
            .series
            .iter()
            .map(|s| {
                let (x, y): (Vec<f64>, Vec<f64>) =
                    s.x.iter()
                        .zip(&s.y)
                        .filter(|(x, _)| inside(**x))
                        .map(|(x, y)| (*x, *y))
                        .unzip();
                finite_runs(&x, &y, self.log_y)
            })
            .collect();
        let points = || runs.iter().flatten().flatten();
        let x = match self.x_range {
            Some((lo, hi)) => Some(Axis::new(lo, hi, false, 0.0)?),
            None => Axis::through(points().map(|p| p.0), false, 0.0)?,
        };
        let mut y = Axis::through(points().map(|p| p.1), self.log_y, 0.04)?;
        // Headroom above the data for the labels of the markers (their rows take about a
        // fifth of a 500 px plot).
        let marked = x.is_some_and(|x| {
            self.markers
                .iter()
                .any(|m| m.x.is_finite() && m.x >= x.lo && m.x <= x.hi)
        });
        if let (Some(a), true) = (y, marked) {
            let rows = MARKER_ROWS.min(self.markers.len() as i32);
            let share = f64::from(12 + 16 * rows) / 500.0;
            y = Some(if a.log {
                Axis::new(a.lo, a.hi * (a.hi / a.lo).powf(share), true, 0.0)?
            } else {
                Axis::new(a.lo, a.hi + (a.hi - a.lo) * share, false, 0.0)?
            });
        }
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
        let same = overlaps(&runs, &y);
        for (i, (series, runs)) in self.series.iter().zip(&runs).enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            // A line hidden under an earlier one is drawn dashed over it and named with it.
            let twin = same[i];
            let dashed = i >= PALETTE.len() || twin.is_some();
            push_runs(&mut xy, runs, color, 2, dashed);
            if !series.label.is_empty() {
                let label = match twin {
                    Some((j, true)) => {
                        format!("{} = {} (overlapping)", series.label, self.series[j].label)
                    }
                    Some((j, false)) => {
                        format!(
                            "{} (overlaps {} in part)",
                            series.label, self.series[j].label
                        )
                    }
                    None => series.label.clone(),
                };
                xy.legend.push(LegendEntry {
                    label,
                    swatch: Swatch::Line { color, dashed },
                });
            }
        }
        for (k, level) in self.levels.iter().enumerate() {
            if level.y.is_nan() {
                // A note in the legend only.
                xy.legend.push(LegendEntry {
                    label: level.label.clone(),
                    swatch: Swatch::Patch(WHITE.mix(0.0)),
                });
                continue;
            }
            let visible = level.y.is_finite()
                && (!self.log_y || level.y > 0.0)
                && level.y >= y.lo
                && level.y <= y.hi;
            if !visible {
                continue;
            }
            push_level(&mut xy, level, k, &x);
        }
        draw_markers(&mut xy, &self.markers);
        draw_xy(root, &body, &xy)?;
        Ok(())
    }
}

/// Labelled vertical lines at the markers within the x axis, their labels staggered in rows.
pub(super) fn draw_markers(xy: &mut Xy, markers: &[Marker]) {
    let (x, y) = (xy.x, xy.y);
    let shown: Vec<_> = markers
        .iter()
        .filter(|m| m.x.is_finite() && m.x >= x.lo && m.x <= x.hi)
        .collect();
    for (k, m) in shown.iter().enumerate() {
        xy.prims.push(Prim::Line {
            pts: vec![(m.x, y.lo), (m.x, y.hi)],
            color: AXIS_COLOR,
            width: 1,
            dashed: false,
        });
        // Labels near the right edge run leftwards, so they stay inside the chart.
        let right = m.x > x.lo + 0.7 * (x.hi - x.lo);
        xy.marks.push(Prim::Tag {
            at: (m.x, y.hi),
            offset: (
                if right { -4 } else { 4 },
                12 + 16 * (k as i32 % MARKER_ROWS),
            ),
            text: m.label.clone(),
            size: 13.0,
            color: AXIS_COLOR,
            anchor: if right { HPos::Right } else { HPos::Left },
        });
    }
}

/// Share of its points a series must have on top of an earlier one (within a pixel) for the
/// legend to say so: below it the lines merely cross or touch.
const HIDDEN_SHARE: f64 = 0.05;

/// For each series, the earlier series it hides (coincides with to within a pixel of a plot
/// 500 px high) and whether over all of its points (`true`) or over a part of at least
/// [`HIDDEN_SHARE`]; drawn alone, the earlier line would vanish under it there.
fn overlaps(runs: &[Vec<Vec<(f64, f64)>>], y: &Axis) -> Vec<Option<(usize, bool)>> {
    let scale = |v: f64| if y.log { v.ln() } else { v };
    let tol = (scale(y.hi) - scale(y.lo)).abs() / 500.0;
    let all: Vec<Vec<(f64, f64)>> = runs
        .iter()
        .map(|r| r.iter().flatten().copied().collect())
        .collect();
    (0..all.len())
        .map(|j| {
            let n = all[j].len();
            (0..j).find_map(|i| {
                if n == 0 || all[i].len() != n {
                    return None;
                }
                let close = all[i]
                    .iter()
                    .zip(&all[j])
                    .filter(|(a, b)| a.0 == b.0 && (scale(a.1) - scale(b.1)).abs() <= tol)
                    .count();
                (close as f64 >= HIDDEN_SHARE * n as f64).then_some((i, close == n))
            })
        })
        .collect()
}

/// A horizontal level as a dashed line in the `k`-th level colour, from its `from_x` (or
/// the axis's start) to the axis's end, with its legend entry.
pub(super) fn push_level(xy: &mut Xy, level: &super::Level, k: usize, x: &Axis) {
    let color = LEVEL_COLORS[k % LEVEL_COLORS.len()];
    let x0 = level.from_x.map_or(x.lo, |f| f.clamp(x.lo, x.hi));
    xy.prims.push(Prim::Line {
        pts: vec![(x0, level.y), (x.hi, level.y)],
        color,
        width: 2,
        dashed: true,
    });
    xy.legend.push(LegendEntry {
        label: level.label.clone(),
        swatch: Swatch::Line {
            color,
            dashed: true,
        },
    });
}
