//! Profile-likelihood charts: delta chi^2 against each free parameter of a fit, one panel
//! per parameter, with the 95 % level, the ends of the profile interval and the Jacobian's
//! (Wald) parabola for comparison.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::axis::Axis;
use super::error::PlotError;
use super::legend::{draw_legend, layout_legend, LegendEntry, Swatch};
use super::line::LEVEL_COLORS;
use super::prim::Prim;
use super::style::{draw_title, AXIS_COLOR, RED};
use super::xy::{draw_xy, finite_runs, Xy, NO_DATA};
use super::Render;

/// Panels side by side, then in a grid.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProfileChart {
    pub title: String,
    pub panels: Vec<ProfilePanel>,
}

/// One parameter's profile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProfilePanel {
    /// The parameter with its display unit.
    pub x_label: String,
    /// Logarithmic x axis (a parameter fitted in log space).
    pub log_x: bool,
    /// (value, delta chi^2) sorted by value, drawn as a line through dots.
    pub curve: Vec<(f64, f64)>,
    /// The best value (delta chi^2 = 0).
    pub best: f64,
    /// The Jacobian's standard error in the plotted coordinate (ln of the value on a log
    /// axis): the Wald parabola ((u - u_best)/se)^2 is drawn lightly; `None` leaves it out.
    pub se: Option<f64>,
    /// The 95 % level of delta chi^2, drawn dashed and labelled.
    pub level: f64,
    /// Ends of the profile interval (`None`: it reached a bound), marked on the level.
    pub ends: (Option<f64>, Option<f64>),
}

/// The y axis stops at this multiple of the level: the curve is clipped there, so that a
/// search that overshot far does not flatten the part that matters.
const Y_CAP: f64 = 2.5;

/// Points of the Wald parabola.
const WALD_POINTS: usize = 121;

const CURVE_COLOR: RGBColor = RGBColor(8, 48, 107);
/// The palette's blue, lightened: a reference, not a result.
const WALD_COLOR: RGBColor = RGBColor(158, 198, 225);

impl Render for ProfileChart {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let body = draw_title(root, &self.title)?;
        let n = self.panels.len().max(1);
        let cols = if n <= 3 {
            n
        } else {
            (n as f64).sqrt().ceil() as usize
        };
        let rows = n.div_ceil(cols);
        if self.panels.is_empty() {
            let axis = Axis::new(0.0, 1.0, false, 0.0)?;
            let mut xy = Xy::new("", "delta chi^2", axis, axis);
            xy.message = Some(NO_DATA.to_string());
            draw_xy(root, &body, &xy)?;
        }
        let mut xys = self
            .panels
            .iter()
            .map(|p| p.xy())
            .collect::<Result<Vec<Xy>, PlotError>>()?;
        // One panel keeps its legend inside (draw_xy finds it a place); several share one
        // in a strip on the right, since a profile's rising sides fill the panels' corners.
        let mut panels_area = body.clone();
        if xys.len() > 1 {
            // The fullest legend (a panel without a standard error has no parabola).
            let most = xys.iter().map(|x| x.legend.len()).max().unwrap_or(0);
            let k = xys.iter().position(|x| x.legend.len() == most).unwrap_or(0);
            let entries = std::mem::take(&mut xys[k].legend);
            for xy in &mut xys {
                xy.legend.clear();
            }
            let (w, h) = body.dim_in_pixel();
            let (w, h) = (w as i32, h as i32);
            let layout = layout_legend(root, &entries, w / 5, h)?;
            let (left, right) = body.split_horizontally(w - layout.width - 16);
            let (x, y) = right.get_base_pixel();
            draw_legend(root, &layout, (x + 4, y + 8))?;
            panels_area = left;
        }
        let areas = panels_area.split_evenly((rows, cols));
        for (xy, area) in xys.iter_mut().zip(&areas) {
            xy.x_ticks = (10 / cols).max(3);
            draw_xy(root, area, xy)?;
        }
        Ok(())
    }
}

/// `curve` with the parts above `cap` cut off where they cross it, as runs of points.
fn clip_above(curve: &[(f64, f64)], cap: f64, log_x: bool) -> Vec<Vec<(f64, f64)>> {
    let u = |x: f64| if log_x { x.ln() } else { x };
    let back = |v: f64| if log_x { v.exp() } else { v };
    let cross = |a: (f64, f64), b: (f64, f64)| {
        let t = (cap - a.1) / (b.1 - a.1);
        (back(u(a.0) + t * (u(b.0) - u(a.0))), cap)
    };
    let mut runs = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut prev: Option<(f64, f64)> = None;
    for &p in curve {
        if let Some(q) = prev {
            if (q.1 > cap) != (p.1 > cap) {
                run.push(cross(q, p));
            }
        }
        if p.1 <= cap {
            run.push(p);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
        prev = Some(p);
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

impl ProfilePanel {
    /// The panel as an x-y chart, its legend naming what is drawn.
    fn xy(&self) -> Result<Xy, PlotError> {
        let (xs, ys): (Vec<f64>, Vec<f64>) = self.curve.iter().copied().unzip();
        let cap = Y_CAP * self.level;
        let runs: Vec<Vec<(f64, f64)>> = finite_runs(&xs, &ys, false)
            .iter()
            .flat_map(|r| clip_above(r, cap, self.log_x))
            .collect();
        let ends = [self.ends.0, self.ends.1];
        let x = Axis::through(
            runs.iter()
                .flatten()
                .map(|p| p.0)
                .chain(ends.iter().flatten().copied())
                .chain([self.best]),
            self.log_x,
            0.03,
        )?;
        let top = runs
            .iter()
            .flatten()
            .map(|p| p.1)
            .fold(self.level * 1.25, f64::max);
        // Below 0 where a held fit found a lower chi^2 than the best fit (one that ended
        // at a bound, or a start that missed the minimum): shown, not hidden.
        let bottom = runs.iter().flatten().map(|p| p.1).fold(0.0, f64::min);
        let (Some(x), Ok(y)) = (x, Axis::new(bottom, top, false, 0.04)) else {
            let axis = Axis::new(0.0, 1.0, false, 0.0)?;
            let mut xy = Xy::new(&self.x_label, "delta chi^2", axis, axis);
            xy.message = Some(NO_DATA.to_string());
            return Ok(xy);
        };
        let mut xy = Xy::new(&self.x_label, "delta chi^2", x, y);
        let mut names = Vec::new();
        let u = |v: f64| if self.log_x { v.ln() } else { v };
        let back = |v: f64| if self.log_x { v.exp() } else { v };
        if let Some(se) = self.se.filter(|s| s.is_finite() && *s > 0.0) {
            // Where the parabola is inside the chart: |u - u_best| <= se sqrt(y_max).
            let half = se * y.hi.sqrt();
            let (a, b) = (
                u(x.lo).max(u(self.best) - half),
                u(x.hi).min(u(self.best) + half),
            );
            if a < b {
                let pts = (0..WALD_POINTS)
                    .map(|i| {
                        let v = a + (b - a) * i as f64 / (WALD_POINTS - 1) as f64;
                        (back(v), ((v - u(self.best)) / se).powi(2).min(y.hi))
                    })
                    .collect();
                xy.prims.push(Prim::Line {
                    pts,
                    color: WALD_COLOR,
                    width: 2,
                    dashed: true,
                });
                names.push(LegendEntry {
                    label: "Wald parabola".into(),
                    swatch: Swatch::Line {
                        color: WALD_COLOR,
                        dashed: true,
                    },
                });
            }
        }
        let level_color = LEVEL_COLORS[1];
        xy.prims.push(Prim::Line {
            pts: vec![(x.lo, self.level), (x.hi, self.level)],
            color: level_color,
            width: 1,
            dashed: true,
        });
        // Mid-axis, where the curve is at its lowest and the level line is clear of it.
        let mid = back((u(x.lo) + u(x.hi)) / 2.0);
        xy.marks.push(Prim::Tag {
            at: (mid, self.level),
            offset: (6, 0),
            text: "95 %".into(),
            size: 14.0,
            color: level_color,
            anchor: HPos::Left,
        });
        for run in &runs {
            if run.len() > 1 {
                xy.prims.push(Prim::Line {
                    pts: run.clone(),
                    color: CURVE_COLOR,
                    width: 2,
                    dashed: false,
                });
            }
            for &at in run {
                xy.prims.push(Prim::Marker {
                    at,
                    color: CURVE_COLOR,
                });
            }
        }
        names.insert(
            0,
            LegendEntry {
                label: "profile".into(),
                swatch: Swatch::Line {
                    color: CURVE_COLOR,
                    dashed: false,
                },
            },
        );
        for end in ends.iter().flatten() {
            xy.prims.push(Prim::Line {
                pts: vec![(*end, y.lo), (*end, self.level)],
                color: RED,
                width: 1,
                dashed: false,
            });
            xy.prims.push(Prim::Marker {
                at: (*end, self.level),
                color: RED,
            });
        }
        if ends.iter().any(Option::is_some) {
            names.push(LegendEntry {
                label: "95 % interval".into(),
                swatch: Swatch::Line {
                    color: RED,
                    dashed: false,
                },
            });
        }
        xy.prims.push(Prim::Line {
            pts: vec![(self.best, y.lo), (self.best, y.hi)],
            color: AXIS_COLOR,
            width: 1,
            dashed: false,
        });
        xy.legend = names;
        Ok(xy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::render;

    #[test]
    fn issue9_profile_curve_clipped_at_the_cap() {
        let curve = [(0.0, 20.0), (1.0, 0.0), (2.0, 5.0), (3.0, 15.0)];
        let runs = clip_above(&curve, 10.0, false);
        assert_eq!(
            runs,
            vec![vec![(0.5, 10.0), (1.0, 0.0), (2.0, 5.0), (2.5, 10.0)]]
        );
        // On a log axis the crossing is interpolated in ln x.
        let runs = clip_above(&[(1.0, 0.0), (100.0, 20.0)], 10.0, true);
        assert!((runs[0][1].0 - 10.0).abs() < 1e-9, "{runs:?}");
        // Two dips give two runs; all above gives none.
        let runs = clip_above(&[(0.0, 1.0), (1.0, 20.0), (2.0, 1.0)], 10.0, false);
        assert_eq!(runs.len(), 2);
        assert!(clip_above(&[(0.0, 11.0), (1.0, 12.0)], 10.0, false).is_empty());
    }

    #[test]
    fn issue9_profile_chart_draws_odd_inputs() {
        let panel = |curve: Vec<(f64, f64)>, log_x: bool, best: f64| ProfilePanel {
            x_label: "p (unit)".into(),
            log_x,
            curve,
            best,
            se: Some(0.5),
            level: 3.84,
            ends: (Some(best * 0.5), None),
        };
        let good = panel(vec![(1.0, 4.0), (2.0, 0.0), (3.0, 4.2)], true, 2.0);
        let cases = vec![
            vec![],
            vec![good.clone()],
            vec![panel(vec![], false, 0.0)],
            vec![panel(
                vec![(f64::NAN, 1.0), (1.0, f64::INFINITY)],
                false,
                1.0,
            )],
            vec![panel(vec![(0.0, 0.0), (1.0, -0.5)], true, 1.0)],
            vec![good.clone(); 7],
        ];
        for panels in cases {
            let chart = ProfileChart {
                title: "t".into(),
                panels,
            };
            let image = render(&chart).expect("drawn");
            assert!(image.png.starts_with(b"\x89PNG"));
            assert!(image.svg.contains("</svg>"));
        }
        let image = render(&ProfileChart {
            title: "t".into(),
            panels: vec![good],
        })
        .expect("drawn");
        assert!(image.svg.contains("95 %") && image.svg.contains("Wald parabola"));
    }
}
