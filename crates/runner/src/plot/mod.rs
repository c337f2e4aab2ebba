//! Charts written as PNG (1200 x 700 px) and SVG: line charts, percentile band charts,
//! heatmaps, histograms and tornado charts.
//!
//! The types here know nothing about the physics: a chart is labelled numbers. Callers
//! convert SI values to display units first (see [`crate::units::to_display`]) and put the
//! unit in the axis label, e.g. `"pressure (mmHg)"`.
//!
//! A chart is drawn in memory, as a PNG and an SVG ([`render`]); the outputs write both
//! through one atomic writer (`crate::output::charts`), so a failed plot leaves no
//! half-written file. Non-finite values are skipped (a NaN breaks a line into two pieces), and empty or constant data still give a readable chart. Text is set in
//! DejaVu Sans, bundled with the crate (`assets/DejaVuSans.ttf`) and registered with plotters
//! once per process.
//!
//! Layout: one file per chart kind (`line.rs`, `band.rs`, `heatmap.rs`, `histogram.rs`,
//! `tornado.rs`, `prediction.rs`, `profile.rs`) drawing on the shared x-y chart (`xy.rs`) out of primitives (`prim.rs`), with
//! axes and ticks in `axis.rs`, the legend and its placement in `legend.rs`, fonts, colours and
//! text in `style.rs`, and the error of them all in `error.rs`.

mod axis;
mod band;
mod banded;
pub(crate) mod error;
mod heatmap;
mod histogram;
mod legend;
mod line;
mod prediction;
mod prim;
mod profile;
mod style;
mod tornado;
mod xy;

#[cfg(test)]
mod tests;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use banded::{BandedChart, BandedLine};
pub use error::PlotError;
pub use prediction::PredictionChart;
pub use profile::{ProfileChart, ProfilePanel};

use style::ensure_font;

/// Size of the PNG images in pixels (width, height); the SVG has the same nominal size.
pub const PNG_SIZE: (u32, u32) = (1200, 700);

/// One line of a [`LineChart`]: `y[i]` is plotted at `x[i]`. Non-finite points are skipped
/// and break the line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend text; an empty label leaves the series out of the legend.
    pub label: String,
    /// Abscissae, in the x axis display unit.
    pub x: Vec<f64>,
    /// Ordinates, in the y axis display unit; same length as `x`.
    pub y: Vec<f64>,
}

/// Several series against a shared x axis, e.g. compartment pressures over time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Title above the chart.
    pub title: String,
    /// X axis label with its unit, e.g. `"time (day)"`.
    pub x_label: String,
    /// Y axis label with its unit, e.g. `"pressure (mmHg)"`.
    pub y_label: String,
    /// The lines, drawn in order with a fixed palette of 14 colours (dashed after that).
    pub series: Vec<Series>,
    /// Logarithmic y axis; points with y <= 0 are then skipped.
    pub log_y: bool,
    /// The x axis spans exactly this range (a time window); points outside it are left out.
    /// `None`: the range of the data.
    pub x_range: Option<(f64, f64)>,
    /// Horizontal reference lines (thresholds), drawn dashed and named in the legend.
    pub levels: Vec<Level>,
    /// Labelled vertical lines at these x (fired events, flow reversals).
    pub markers: Vec<Marker>,
}

/// A horizontal reference line of a [`LineChart`], dashed, named in the legend.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Level {
    pub label: String,
    pub y: f64,
    /// Drawn from this x on (a threshold known only once an event fired); `None`: across.
    /// A NaN `y` is a note in the legend only.
    pub from_x: Option<f64>,
}

/// A labelled vertical line of a [`LineChart`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Marker {
    pub x: f64,
    pub label: String,
}

/// A median line with percentile bands around it, e.g. the spread of a Monte Carlo sweep.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BandChart {
    /// Title above the chart.
    pub title: String,
    /// X axis label with its unit.
    pub x_label: String,
    /// Y axis label with its unit.
    pub y_label: String,
    /// Abscissae shared by the median and every band.
    pub x: Vec<f64>,
    /// The median (or central) curve; same length as `x`.
    pub median: Vec<f64>,
    /// Bands as (lower percentile, upper percentile, lower curve, upper curve); the
    /// percentiles (e.g. 5 and 95) only label the legend, the curves have `x.len()` values.
    pub bands: Vec<(f64, f64, Vec<f64>, Vec<f64>)>,
}

/// A value over a grid of cells, e.g. a sweep outcome over two parameters, with a colour bar.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Heatmap {
    /// Title above the chart.
    pub title: String,
    /// X axis label with its unit.
    pub x_label: String,
    /// Y axis label with its unit.
    pub y_label: String,
    /// Label of the colour bar, with its unit.
    pub z_label: String,
    /// Cell centres along x, strictly increasing (positive if `log_x`).
    pub x: Vec<f64>,
    /// Cell centres along y, strictly increasing (positive if `log_y`).
    pub y: Vec<f64>,
    /// `z[iy][ix]` is the value of the cell at `(x[ix], y[iy])`; `None` (or a non-finite
    /// value) is drawn grey as "no data".
    pub z: Vec<Vec<Option<f64>>>,
    /// Logarithmic x axis (cell edges at geometric midpoints).
    pub log_x: bool,
    /// Logarithmic y axis (cell edges at geometric midpoints).
    pub log_y: bool,
}

/// The distribution of a set of values, counted in equal-width bins.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Histogram {
    /// Title above the chart.
    pub title: String,
    /// X axis label with its unit; the y axis is the count.
    pub x_label: String,
    /// The values; non-finite ones are left out.
    pub values: Vec<f64>,
    /// Number of bins between the smallest and largest value, at least 1.
    pub bins: usize,
}

/// Horizontal bars sorted by magnitude, largest on top, e.g. rank correlations in [-1, 1] of
/// each sweep parameter with an outcome.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tornado {
    /// Title above the chart.
    pub title: String,
    /// X axis label, e.g. `"Spearman rank correlation with final pressure"`.
    pub x_label: String,
    /// (name, value) pairs; non-finite values are left out.
    pub bars: Vec<(String, f64)>,
}

/// A chart drawn in both formats, in memory: writing it is the outputs' job
/// ([`crate::output::charts`]).
#[derive(Debug, Clone)]
pub struct Image {
    pub png: Vec<u8>,
    pub svg: String,
}

/// A chart that can draw itself on any plotters backend.
pub trait Render {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// Draw `chart` as a PNG of [`PNG_SIZE`] and an SVG of the same size.
pub fn render<C: Render>(chart: &C) -> Result<Image, PlotError> {
    ensure_font()?;
    let (w, h) = PNG_SIZE;
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        chart.render(&root)?;
        root.present()?;
    }
    let png = encode_png(&pixels, w, h)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        chart.render(&root)?;
        root.present()?;
    }
    Ok(Image { png, svg })
}

fn encode_png(pixels: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| PlotError::Encode(e.to_string()))?;
        writer
            .write_image_data(pixels)
            .map_err(|e| PlotError::Encode(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| PlotError::Encode(e.to_string()))?;
    }
    Ok(out)
}
