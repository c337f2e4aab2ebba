//! Charts written as PNG (1200 x 700 px) and SVG: line charts, percentile band charts,
//! heatmaps, histograms and tornado charts.
//!
//! The types here know nothing about the physics: a chart is labelled numbers. Callers
//! convert SI values to display units first (see [`crate::units::to_display`]) and put the
//! unit in the axis label, e.g. `"pressure (mmHg)"`.
//!
//! Every writer renders both images in memory first, then writes `<path>.png` and
//! `<path>.svg`, each through a temporary file renamed into place (`crate::safety::write_file_atomic`), so a
//! failed plot leaves no half-written file. Non-finite values are skipped (a NaN breaks a line
//! into two pieces), and empty or constant data still give a readable chart. Text is set in
//! DejaVu Sans, bundled with the crate (`assets/DejaVuSans.ttf`) and registered with plotters
//! once per process.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle, RGBAColor};

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

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Two arrays that must pair up have different lengths.
    #[error("{what} has {found} values, expected {expected} (one per x value)")]
    LengthMismatch {
        /// Which array, e.g. `series 'prk': y`.
        what: String,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// The chart description cannot be drawn (unsorted cell centres, zero bins, ...).
    #[error("{0}")]
    InvalidInput(String),
    /// The bundled font could not be registered with plotters.
    #[error("the bundled plot font (DejaVu Sans) could not be loaded")]
    Font,
    /// plotters reported an error while drawing.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("encoding the PNG failed: {0}")]
    Encode(String),
    /// Writing a file failed.
    #[error("writing {}: {source}", path.display())]
    Io {
        /// The file that could not be written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Draw(e.to_string())
    }
}

/// Write a line chart to `<path_without_ext>.png` and `.svg`; returns both paths.
pub fn write_line_chart(
    chart: &LineChart,
    path_without_ext: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    write_both(chart, path_without_ext)
}

/// Write a percentile band chart to `<path_without_ext>.png` and `.svg`; returns both paths.
pub fn write_band_chart(
    chart: &BandChart,
    path_without_ext: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    write_both(chart, path_without_ext)
}

/// Write a heatmap with its colour bar to `<path_without_ext>.png` and `.svg`; returns both
/// paths.
pub fn write_heatmap(chart: &Heatmap, path_without_ext: &Path) -> Result<Vec<PathBuf>, PlotError> {
    write_both(chart, path_without_ext)
}

/// Write a histogram to `<path_without_ext>.png` and `.svg`; returns both paths.
pub fn write_histogram(
    chart: &Histogram,
    path_without_ext: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    write_both(chart, path_without_ext)
}

/// Write a tornado chart to `<path_without_ext>.png` and `.svg`; returns both paths.
pub fn write_tornado(chart: &Tornado, path_without_ext: &Path) -> Result<Vec<PathBuf>, PlotError> {
    write_both(chart, path_without_ext)
}

/// Write one image through [`crate::safety::write_file_atomic`] (a temporary beside it,
/// renamed into place), so a failed plot leaves no half-written file.
fn write_out(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    crate::safety::write_file_atomic(path, bytes).map_err(|e| match e {
        crate::safety::SafetyError::Io { source, .. } => PlotError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => PlotError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(other.to_string()),
        },
    })
}

// ---------------------------------------------------------------------------------------
// Rendering to both formats

/// A chart that can draw itself on any plotters backend.
trait Render {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

fn with_suffix(base: &Path, ext: &str) -> PathBuf {
    // Append rather than `with_extension`, which would eat a dot in "sweep_p1.5".
    let mut s = base.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn write_both<C: Render>(chart: &C, base: &Path) -> Result<Vec<PathBuf>, PlotError> {
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
    let png_path = with_suffix(base, "png");
    let svg_path = with_suffix(base, "svg");
    if let Some(parent) = png_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| PlotError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    write_out(&png_path, &png)?;
    write_out(&svg_path, svg.as_bytes())?;
    Ok(vec![png_path, svg_path])
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

// ---------------------------------------------------------------------------------------
// Fonts, colours, layout constants

/// DejaVu Sans, see `assets/DejaVuSans-LICENSE.txt`.
static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const FONT: &str = "sans-serif";

/// Register the bundled font with plotters, once per process.
fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(PlotError::Font)
    }
}

const TITLE_SIZE: f64 = 28.0;
const AXIS_DESC_SIZE: f64 = 20.0;
const TICK_SIZE: f64 = 16.0;
const LEGEND_SIZE: f64 = 16.0;
const X_LABELS: usize = 10;
const Y_LABELS: usize = 8;

const TEXT_COLOR: RGBColor = RGBColor(25, 25, 25);
const AXIS_COLOR: RGBColor = RGBColor(90, 90, 90);
const GRID_BOLD: RGBColor = RGBColor(218, 218, 218);
const GRID_LIGHT: RGBColor = RGBColor(240, 240, 240);
const NO_DATA_COLOR: RGBColor = RGBColor(215, 215, 215);
const BLUE: RGBColor = RGBColor(31, 119, 180);
const RED: RGBColor = RGBColor(214, 39, 40);

/// Line colours: the ten Tableau colours, then four darker ones that stay distinct from
/// them on white.
const PALETTE: [RGBColor; 14] = [
    RGBColor(31, 119, 180),  // blue
    RGBColor(255, 127, 14),  // orange
    RGBColor(44, 160, 44),   // green
    RGBColor(214, 39, 40),   // red
    RGBColor(148, 103, 189), // purple
    RGBColor(140, 86, 75),   // brown
    RGBColor(227, 119, 194), // pink
    RGBColor(127, 127, 127), // grey
    RGBColor(188, 189, 34),  // olive
    RGBColor(23, 190, 207),  // cyan
    RGBColor(0, 0, 0),       // black
    RGBColor(0, 0, 140),     // navy
    RGBColor(0, 100, 80),    // dark teal
    RGBColor(150, 0, 90),    // plum
];

fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&TEXT_COLOR)
}

fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
) -> Result<i32, PlotError> {
    if text.is_empty() {
        return Ok(0);
    }
    let (w, _) = area.estimate_text_size(text, &font(size))?;
    Ok(i32::try_from(w).unwrap_or(i32::MAX))
}

/// `text`, shortened with an ellipsis to fit `max_width` pixels.
fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    max_width: i32,
) -> Result<String, PlotError> {
    if text_width(area, text, size)? <= max_width {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    let shortened =
        |keep: usize| -> String { chars[..keep].iter().chain(['…'].iter()).collect() };
    // The width grows with the prefix: binary search for the longest prefix that fits. (A
    // search that measured every prefix in turn was quadratic in the length of the text: a
    // name of 8000 characters took 20 s to fit into a legend.) Invariant: `lo` characters
    // fit (0: the ellipsis alone), more than `hi` do not.
    let (mut lo, mut hi) = (0, chars.len().saturating_sub(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(area, &shortened(mid), size)? <= max_width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(shortened(lo))
}

/// Fill the background, draw the title, return the area below it.
fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    root.fill(&WHITE)?;
    let (w, _) = root.dim_in_pixel();
    let w = i32::try_from(w).unwrap_or(i32::MAX);
    let title = title.trim();
    if title.is_empty() {
        return Ok(root.margin(20, 8, 8, 25));
    }
    let mut size = TITLE_SIZE;
    while size > 12.0 && text_width(root, title, size)? > w - 40 {
        size -= 2.0;
    }
    let title = fit_text(root, title, size, w - 40)?;
    root.draw(&Text::new(
        title,
        (w / 2, 28),
        font(size).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    let (_, body) = root.split_vertically(56);
    Ok(body.margin(0, 8, 8, 25))
}

// ---------------------------------------------------------------------------------------
// Axes and tick labels

/// A finished axis range: finite, of non-zero width, positive if logarithmic.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
}

impl Axis {
    /// The axis through the finite values of `values` (positive ones if `log`), widened by
    /// `pad` of its span on each side (a fraction of the decades if `log`). `None` if there
    /// is no usable value.
    fn through(
        values: impl IntoIterator<Item = f64>,
        log: bool,
        pad: f64,
    ) -> Result<Option<Axis>, PlotError> {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for v in values {
            if v.is_finite() && (!log || v > 0.0) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if lo > hi {
            return Ok(None);
        }
        Axis::new(lo, hi, log, pad).map(Some)
    }

    /// An axis from `lo` to `hi`, widened by `pad`; a zero-width range is opened up.
    fn new(lo: f64, hi: f64, log: bool, pad: f64) -> Result<Axis, PlotError> {
        let too_wide = || {
            PlotError::InvalidInput(format!(
            "cannot plot an axis from {lo} to {hi}: the values must be finite and span less than the largest f64"
        ))
        };
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(too_wide());
        }
        let (mut a, mut b) = (lo.min(hi), lo.max(hi));
        if log {
            if a <= 0.0 {
                return Err(PlotError::InvalidInput(format!(
                    "cannot plot {a} on a logarithmic axis"
                )));
            }
            if b / a < 1.0 + 1e-9 {
                a /= 2.0;
                b *= 2.0;
            } else if pad > 0.0 {
                let f = (b / a).powf(pad);
                a /= f;
                b *= f;
            }
            if !(a > 0.0 && b.is_finite()) {
                return Err(too_wide());
            }
        } else {
            let span = b - a;
            if !span.is_finite() {
                return Err(too_wide());
            }
            let scale = a.abs().max(b.abs());
            if span <= scale * 1e-9 || span < 1e-200 {
                let mid = 0.5 * (a + b);
                let half = if mid.abs() > 1e-200 {
                    mid.abs() * 0.05
                } else {
                    1.0
                };
                a = mid - half;
                b = mid + half;
            } else {
                a -= span * pad;
                b += span * pad;
            }
            if !(b - a).is_finite() {
                return Err(too_wide());
            }
        }
        Ok(Axis { lo: a, hi: b, log })
    }
}

/// How the tick labels of one axis are written, chosen from all its ticks at once so that
/// neighbours differ and share one style: `0.25`, `101.3k`, `2.5M`, `1.5e-6`.
#[derive(Debug, Clone, Copy)]
struct TickFormat {
    div: f64,
    suffix: &'static str,
    decimals: usize,
    sci: bool,
    log: bool,
    integer: bool,
    step: f64,
}

impl TickFormat {
    fn new(ticks: &[f64], log: bool) -> TickFormat {
        let mut step = f64::INFINITY;
        for pair in ticks.windows(2) {
            let d = (pair[1] - pair[0]).abs();
            if d > 0.0 {
                step = step.min(d);
            }
        }
        let max_abs = ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
        if !step.is_finite() {
            step = if max_abs > 0.0 { max_abs } else { 1.0 };
        }
        let mut f = TickFormat {
            div: 1.0,
            suffix: "",
            decimals: 0,
            sci: false,
            log,
            integer: false,
            step,
        };
        if log || max_abs == 0.0 {
            return f;
        }
        let digits = |x: f64| x.log10().floor();
        if !(1e-3..1e9).contains(&max_abs) {
            f.sci = true;
            f.decimals = (digits(max_abs) - digits(step)).clamp(0.0, 6.0) as usize;
            return f;
        }
        if max_abs >= 1e6 {
            f.div = 1e6;
            f.suffix = "M";
        } else if max_abs >= 1e4 {
            f.div = 1e3;
            f.suffix = "k";
        }
        f.decimals = (-digits(step / f.div) + 1e-9).clamp(0.0, 10.0) as usize;
        // A step such as 0.25 needs one more digit than its magnitude says.
        let exact = |d: usize| {
            let scale = 10f64.powi(d as i32);
            ticks.iter().all(|t| {
                let v = t / f.div * scale;
                (v - v.round()).abs() <= 1e-6 * (step / f.div * scale)
            })
        };
        while f.decimals < 10 && !exact(f.decimals) {
            f.decimals += 1;
        }
        f
    }

    /// Only label whole numbers (for counts).
    fn integers(mut self) -> TickFormat {
        self.integer = true;
        if !self.sci {
            self.decimals = 0;
        }
        self
    }

    fn format(&self, v: f64) -> String {
        if !v.is_finite() {
            return String::new();
        }
        if self.integer && (v - v.round()).abs() > 1e-9 * v.abs().max(1.0) {
            return String::new();
        }
        if self.log {
            return compact(v);
        }
        if self.sci {
            if v.abs() < self.step * 1e-6 {
                return "0".to_string();
            }
            return format!("{:.*e}", self.decimals, v);
        }
        // Snap values within rounding error of zero, so that no "-0.0" appears.
        let v = if v.abs() < self.step * 1e-6 { 0.0 } else { v };
        format!("{:.*}{}", self.decimals, v / self.div, self.suffix)
    }
}

/// `v` with about 3 significant digits, for isolated labels: `0.0123`, `101k`, `2.5e-7`.
fn compact(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    if a == 0.0 {
        return "0".to_string();
    }
    let sig = |x: f64| {
        let decimals = (2 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
        let s = format!("{x:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if !(1e-3..1e9).contains(&a) {
        let s = format!("{v:.2e}");
        return match s.split_once('e') {
            Some((m, e)) if m.contains('.') => {
                format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => s,
        };
    }
    if a >= 1e6 {
        format!("{}M", sig(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", sig(v / 1e3))
    } else {
        sig(v)
    }
}

/// Tick positions of one axis: labelled (bold grid lines) and light grid lines, with the
/// label format. Computed here rather than by plotters so that log axes spanning less than a
/// decade still get labels, and so that the format can resolve every step.
#[derive(Debug, Clone)]
struct Ticks {
    bold: Vec<f64>,
    light: Vec<f64>,
    format: TickFormat,
}

impl Ticks {
    fn none() -> Ticks {
        Ticks {
            bold: Vec::new(),
            light: Vec::new(),
            format: TickFormat::new(&[], false),
        }
    }

    fn for_axis(axis: Axis, max: usize) -> Ticks {
        if axis.log {
            if let Some(t) = log_ticks(axis.lo, axis.hi, max) {
                return t;
            }
        }
        let (bold, light) = linear_ticks(axis.lo, axis.hi, max);
        let format = TickFormat::new(&bold, false);
        Ticks {
            bold,
            light,
            format,
        }
    }
}

/// At most `max` ticks at multiples of 1, 2 or 5 times a power of ten in [lo, hi] (the
/// finest such step that fits), and light lines at a fifth (or quarter) of the step.
fn linear_ticks(lo: f64, hi: f64, max: usize) -> (Vec<f64>, Vec<f64>) {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) || max == 0 {
        return (Vec::new(), Vec::new());
    }
    let e0 = span.log10().floor() as i32;
    let mut chosen = None;
    'search: for e in (e0 - 2)..=(e0 + 1) {
        for m in [1.0, 2.0, 5.0] {
            let step = m * 10f64.powi(e);
            let count = (hi / step).floor() - (lo / step).ceil() + 1.0;
            if count <= max as f64 {
                chosen = Some((step, m));
                break 'search;
            }
        }
    }
    let Some((step, m)) = chosen else {
        return (vec![lo, hi], Vec::new());
    };
    let multiples = |step: f64| -> Vec<f64> {
        let (i0, i1) = ((lo / step).ceil(), (hi / step).floor());
        let count = i1 - i0;
        if !(count.is_finite() && count < 1000.0) {
            return Vec::new();
        }
        let (i0, i1) = (i0 as i64, i1 as i64);
        (i0..=i1).map(|i| i as f64 * step).collect()
    };
    let light_step = step / if m == 2.0 { 4.0 } else { 5.0 };
    (multiples(step), multiples(light_step))
}

/// Ticks for a log axis: powers of ten (every n-th if there are many), or 1-2-5 or 1..9
/// times powers of ten when the range spans too few decades; `None` when even that gives
/// fewer than two labels (a narrow range reads better with linear ticks).
fn log_ticks(lo: f64, hi: f64, max: usize) -> Option<Ticks> {
    let (k0, k1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    if k1 - k0 > 600 {
        return None;
    }
    let within = |v: f64| v >= lo * (1.0 - 1e-12) && v <= hi * (1.0 + 1e-12);
    let with_mantissas = |ms: &[f64]| -> Vec<f64> {
        (k0..=k1)
            .flat_map(|k| ms.iter().map(move |m| m * 10f64.powi(k)))
            .filter(|&v| within(v))
            .collect()
    };
    let decades = with_mantissas(&[1.0]);
    let bold = if decades.len() >= 3 {
        let every = decades.len().div_ceil(max.max(1));
        decades.into_iter().step_by(every.max(1)).collect()
    } else {
        let one_two_five = with_mantissas(&[1.0, 2.0, 5.0]);
        if one_two_five.len() >= 3 {
            one_two_five
        } else {
            with_mantissas(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
        }
    };
    if bold.len() < 2 || bold.len() > 2 * max.max(1) {
        return None;
    }
    let light = if k1 - k0 <= 8 {
        with_mantissas(&[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    } else {
        Vec::new()
    };
    let format = TickFormat::new(&bold, true);
    Some(Ticks {
        bold,
        light,
        format,
    })
}

// ---------------------------------------------------------------------------------------
// Drawing primitives, legend, occupancy

/// Something to draw in data coordinates.
#[derive(Clone)]
enum Prim {
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
}

/// How a legend entry is drawn.
#[derive(Debug, Clone)]
enum Swatch {
    Line { color: RGBColor, dashed: bool },
    Patch(RGBAColor),
}

#[derive(Debug, Clone)]
struct LegendEntry {
    label: String,
    swatch: Swatch,
}

const LEGEND_ROW: i32 = 24;
const LEGEND_PAD: i32 = 10;
const LEGEND_SWATCH: i32 = 30;
const LEGEND_GAP: i32 = 8;

/// Entries with labels shortened to `max_text` pixels, the box size, and how many rows fit
/// in `max_height` (the rest are summarised in a last row).
struct LegendLayout {
    rows: Vec<LegendEntry>,
    width: i32,
    height: i32,
}

fn layout_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    max_text: i32,
    max_height: i32,
) -> Result<LegendLayout, PlotError> {
    let fit_rows = ((max_height - 2 * LEGEND_PAD) / LEGEND_ROW).max(1) as usize;
    let mut rows: Vec<LegendEntry> = Vec::new();
    if entries.len() > fit_rows {
        rows.extend(entries[..fit_rows - 1].iter().cloned());
        rows.push(LegendEntry {
            label: format!("… and {} more", entries.len() - (fit_rows - 1)),
            swatch: Swatch::Patch(WHITE.mix(0.0)),
        });
    } else {
        rows.extend(entries.iter().cloned());
    }
    let mut text_w = 0;
    for row in &mut rows {
        row.label = fit_text(area, &row.label, LEGEND_SIZE, max_text)?;
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

fn draw_legend<DB: DrawingBackend>(
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
struct Occupancy {
    left: i32,
    top: i32,
    cols: i32,
    rows: i32,
    cells: Vec<bool>,
}

const CELL: i32 = 4;

impl Occupancy {
    fn new(x: Range<i32>, y: Range<i32>) -> Occupancy {
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
    fn mark_rect(&mut self, a: (i32, i32), b: (i32, i32)) {
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

    fn mark_line(&mut self, a: (i32, i32), b: (i32, i32)) {
        let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
        let steps = (dx.abs().max(dy.abs()) / 2.0).ceil().clamp(1.0, 5000.0) as i32;
        for k in 0..=steps {
            let t = f64::from(k) / f64::from(steps);
            let p = (a.0 + (dx * t).round() as i32, a.1 + (dy * t).round() as i32);
            self.mark_rect(p, p);
        }
    }

    /// How many occupied cells the pixel rectangle covers.
    fn hits(&self, a: (i32, i32), b: (i32, i32)) -> usize {
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

// ---------------------------------------------------------------------------------------
// The shared x-y chart

/// Everything an x-y chart needs, independent of the coordinate types.
struct Xy {
    x_label: String,
    y_label: String,
    x: Axis,
    y: Axis,
    y_integer: bool,
    prims: Vec<Prim>,
    legend: Vec<LegendEntry>,
    /// Replace the y tick labels by names at these y positions (tornado).
    categories: Vec<(f64, String)>,
    /// Font size of the category names and value labels.
    category_size: f64,
    /// Text centred in the plotting area, e.g. "no data".
    message: Option<String>,
    /// Hide grid lines (heatmap cells cover them anyway).
    grid: bool,
}

impl Xy {
    fn new(x_label: &str, y_label: &str, x: Axis, y: Axis) -> Xy {
        Xy {
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            x,
            y,
            y_integer: false,
            prims: Vec::new(),
            legend: Vec::new(),
            categories: Vec::new(),
            category_size: TICK_SIZE,
            message: None,
            grid: true,
        }
    }
}

/// Pixel rectangle of the plotting area once drawn: (x range, y range).
type PlotRect = (Range<i32>, Range<i32>);

/// One axis as plotters sees it: linear or logarithmic, with our own tick positions.
#[derive(Clone)]
struct AxisCoord {
    scale: Scale,
    range: Range<f64>,
    bold: Vec<f64>,
    light: Vec<f64>,
}

#[derive(Clone)]
enum Scale {
    Linear(RangedCoordf64),
    /// Linear in the natural logarithm of the value.
    Log(RangedCoordf64),
}

impl AxisCoord {
    fn new(axis: Axis, ticks: &Ticks) -> AxisCoord {
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

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<AxisCoord, AxisCoord>>;

fn build_chart<'a, DB: DrawingBackend>(
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
fn draw_xy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    xy: &Xy,
) -> Result<PlotRect, PlotError> {
    let x_ticks = Ticks::for_axis(xy.x, X_LABELS);
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
        match free_corner(&probe, xy, &inside, (px, py)) {
            Some(pos) => legend = Some((inside, pos)),
            None => {
                let outside = layout_legend(root, &xy.legend, area_w / 4, area_h - 70)?;
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

    for prim in &xy.prims {
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

/// The first corner of the plotting area (upper right, upper left, lower right, lower left,
/// top centre, bottom centre) where the legend covers no data, if any.
fn free_corner<DB, X, Y>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    xy: &Xy,
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
    for prim in &xy.prims {
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
            Prim::Marker { at: p, .. } | Prim::Label { at: p, .. } => {
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

fn draw_prim<DB, X, Y>(
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

/// Runs of consecutive points where both coordinates are usable (finite, and y > 0 on a
/// log axis).
fn finite_runs(x: &[f64], y: &[f64], log_y: bool) -> Vec<Vec<(f64, f64)>> {
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

fn check_len(
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

const NO_DATA: &str = "no data";

// ---------------------------------------------------------------------------------------
// The charts

impl Render for LineChart {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        for s in &self.series {
            check_len(|| format!("series '{}': y", s.label), s.x.len(), s.y.len())?;
        }
        let runs: Vec<Vec<Vec<(f64, f64)>>> = self
            .series
            .iter()
            .map(|s| finite_runs(&s.x, &s.y, self.log_y))
            .collect();
        let points = || runs.iter().flatten().flatten();
        let x = Axis::through(points().map(|p| p.0), false, 0.0)?;
        let y = Axis::through(points().map(|p| p.1), self.log_y, 0.04)?;
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
        for (i, (series, runs)) in self.series.iter().zip(&runs).enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let dashed = i >= PALETTE.len();
            for run in runs {
                if run.len() == 1 {
                    xy.prims.push(Prim::Marker { at: run[0], color });
                } else {
                    xy.prims.push(Prim::Line {
                        pts: run.clone(),
                        color,
                        width: 2,
                        dashed,
                    });
                }
            }
            if !series.label.is_empty() {
                xy.legend.push(LegendEntry {
                    label: series.label.clone(),
                    swatch: Swatch::Line { color, dashed },
                });
            }
        }
        draw_xy(root, &body, &xy)?;
        Ok(())
    }
}

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
            let mut runs: Vec<Vec<(f64, f64, f64)>> = Vec::new();
            let mut run = Vec::new();
            for ((&x, &l), &h) in self.x.iter().zip(lo).zip(hi) {
                if x.is_finite() && l.is_finite() && h.is_finite() {
                    run.push((x, l.min(h), l.max(h)));
                } else if !run.is_empty() {
                    runs.push(std::mem::take(&mut run));
                }
            }
            if !run.is_empty() {
                runs.push(run);
            }
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
        let (x, y, message) = match (x, y) {
            (Some(x), Some(y)) => (x, y, None),
            _ => (
                Axis::new(0.0, 1.0, false, 0.0)?,
                Axis::new(0.0, 1.0, false, 0.0)?,
                Some(NO_DATA.to_string()),
            ),
        };
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
        for run in median_runs {
            if run.len() == 1 {
                xy.prims.push(Prim::Marker {
                    at: run[0],
                    color: median_color,
                });
            } else {
                xy.prims.push(Prim::Line {
                    pts: run,
                    color: median_color,
                    width: 3,
                    dashed: false,
                });
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

    fn check_files(paths: &[PathBuf]) {
        assert_eq!(paths.len(), 2);
        let png = std::fs::read(&paths[0]).unwrap_or_default();
        assert!(png.len() > 1000, "{} is too small", paths[0].display());
        assert_eq!(png[..8], PNG_MAGIC, "{}", paths[0].display());
        let svg = std::fs::read_to_string(&paths[1]).unwrap_or_default();
        assert!(svg.contains("<svg"), "{}", paths[1].display());
        assert!(svg.len() > 500, "{}", paths[1].display());
        for p in paths {
            let mut tmp = p.as_os_str().to_owned();
            tmp.push(".tmp");
            assert!(!PathBuf::from(tmp).exists());
        }
    }

    fn decay(n: usize, tau: f64, p0: f64) -> Series {
        let x: Vec<f64> = (0..=n).map(|i| 30.0 * i as f64 / n as f64).collect();
        let y = x.iter().map(|t| p0 * (-t / tau).exp()).collect();
        Series {
            label: format!("tau = {tau} day"),
            x,
            y,
        }
    }

    /// Write the example charts to `dir`; used by the tests and to look at them.
    fn examples(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
        let mut out = Vec::new();
        let chart = LineChart {
            title: "PrK pressure, 13 leak hypotheses".into(),
            x_label: "time (day)".into(),
            y_label: "pressure (mmHg)".into(),
            series: (0..13)
                .map(|i| {
                    let mut s = decay(600, 8.0 + 6.0 * i as f64, 760.0 - 3.0 * i as f64);
                    s.label = format!("hypothesis {} (tau {} day)", i + 1, 8 + 6 * i);
                    s
                })
                .collect(),
            log_y: false,
        };
        out.extend(write_line_chart(&chart, &dir.join("lines13"))?);
        let chart = LineChart {
            title: "Three compartments".into(),
            x_label: "time (day)".into(),
            y_label: "pressure (mmHg)".into(),
            series: vec![
                decay(300, 20.0, 760.0),
                decay(300, 45.0, 740.0),
                decay(300, 90.0, 700.0),
            ],
            log_y: false,
        };
        out.extend(write_line_chart(&chart, &dir.join("lines3"))?);
        let mut log_chart = chart.clone();
        log_chart.title = "Three compartments, log scale".into();
        log_chart.y_label = "pressure (Pa)".into();
        for s in &mut log_chart.series {
            for y in &mut s.y {
                *y *= 133.322_387_415;
            }
        }
        log_chart.log_y = true;
        out.extend(write_line_chart(&log_chart, &dir.join("lines_log"))?);

        let x: Vec<f64> = (0..=100).map(|i| 0.3 * i as f64).collect();
        let median: Vec<f64> = x.iter().map(|t| 101_325.0 * (-t / 40.0).exp()).collect();
        let band = |k: f64| -> (Vec<f64>, Vec<f64>) {
            let lo = x
                .iter()
                .zip(&median)
                .map(|(t, m)| m - k * 60.0 * t)
                .collect();
            let hi = x
                .iter()
                .zip(&median)
                .map(|(t, m)| m + k * 45.0 * t)
                .collect();
            (lo, hi)
        };
        let (lo90, hi90) = band(2.0);
        let (lo50, hi50) = band(0.8);
        let chart = BandChart {
            title: "Monte Carlo spread of tunnel pressure (1000 runs)".into(),
            x_label: "time (day)".into(),
            y_label: "pressure (Pa)".into(),
            x: x.clone(),
            median,
            bands: vec![(5.0, 95.0, lo90, hi90), (25.0, 75.0, lo50, hi50)],
        };
        out.extend(write_band_chart(&chart, &dir.join("band"))?);

        let hx: Vec<f64> = (0..25).map(|i| 1e-7 * 10f64.powf(i as f64 / 8.0)).collect();
        let hy: Vec<f64> = (0..20).map(|i| 0.5 + 0.25 * i as f64).collect();
        let z = hy
            .iter()
            .enumerate()
            .map(|(iy, y)| {
                hx.iter()
                    .enumerate()
                    .map(|(ix, x)| {
                        if iy == 3 && ix == 5 {
                            None
                        } else {
                            Some(760.0 * (-x * 2e5 * y).exp())
                        }
                    })
                    .collect()
            })
            .collect();
        let chart = Heatmap {
            title: "Pressure after 30 days".into(),
            x_label: "leak area (m2)".into(),
            y_label: "hatch seal gap (mm)".into(),
            z_label: "pressure (mmHg)".into(),
            x: hx,
            y: hy,
            z,
            log_x: true,
            log_y: false,
        };
        out.extend(write_heatmap(&chart, &dir.join("heatmap"))?);

        let values: Vec<f64> = (0..2000)
            .map(|i| {
                let u = (i as f64 + 0.5) / 2000.0;
                // A skewed spread via the logistic quantile.
                0.6 + 0.15 * (u / (1.0 - u)).ln() + 0.1 * u * u
            })
            .collect();
        let chart = Histogram {
            title: "Leak rate over 2000 runs".into(),
            x_label: "leak rate (mmHg/day)".into(),
            values,
            bins: 40,
        };
        out.extend(write_histogram(&chart, &dir.join("histogram"))?);

        let chart = Tornado {
            title: "What drives the final pressure".into(),
            x_label: "Spearman rank correlation with final pressure".into(),
            bars: vec![
                ("leak area".into(), -0.91),
                ("tunnel volume".into(), 0.42),
                ("hatch seal conductance".into(), 0.65),
                ("wall temperature".into(), 0.08),
                ("initial pressure".into(), 0.23),
                ("station pressure".into(), -0.12),
                ("discharge coefficient of the crack".into(), -0.55),
            ],
        };
        out.extend(write_tornado(&chart, &dir.join("tornado"))?);
        Ok(out)
    }

    #[test]
    fn every_writer_produces_png_and_svg() -> Result<(), PlotError> {
        let dir = tempfile::tempdir().map_err(|source| PlotError::Io {
            path: PathBuf::from("tempdir"),
            source,
        })?;
        let paths = examples(dir.path())?;
        assert_eq!(paths.len(), 14);
        for pair in paths.chunks(2) {
            check_files(pair);
        }
        // Look at them: PLENUM_PLOT_DIR=/tmp/plot-check cargo test -p plenum-runner plot
        if let Some(out) = std::env::var_os("PLENUM_PLOT_DIR") {
            examples(Path::new(&out))?;
        }
        Ok(())
    }

    #[test]
    fn degenerate_inputs_give_files_or_clean_errors() -> Result<(), PlotError> {
        let dir = tempfile::tempdir().map_err(|source| PlotError::Io {
            path: PathBuf::from("tempdir"),
            source,
        })?;
        let look = std::env::var_os("PLENUM_PLOT_DIR").map(|d| Path::new(&d).join("degenerate"));
        let d = look.as_deref().unwrap_or(dir.path());
        if let Some(d) = &look {
            let _ = std::fs::remove_dir_all(d);
            std::fs::create_dir_all(d).map_err(|source| PlotError::Io {
                path: d.clone(),
                source,
            })?;
        }
        let series = |x: Vec<f64>, y: Vec<f64>| Series {
            label: "s".into(),
            x,
            y,
        };
        let line = |series: Vec<Series>, log_y: bool| LineChart {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            series,
            log_y,
        };
        let nan = f64::NAN;
        let cases = vec![
            line(vec![], false),
            line(vec![series(vec![], vec![])], false),
            line(vec![series(vec![1.0], vec![2.0])], false),
            line(
                vec![series(vec![0.0, 1.0, 2.0], vec![5.0, 5.0, 5.0])],
                false,
            ),
            line(
                vec![series(vec![0.0, 1.0, 2.0], vec![0.0, 0.0, 0.0])],
                false,
            ),
            line(vec![series(vec![0.0, 1.0, 2.0], vec![0.0, 0.0, 0.0])], true),
            line(vec![series(vec![nan, nan], vec![nan, 1.0])], false),
            line(
                vec![series(vec![0.0, 1.0, 2.0, 3.0], vec![1.0, nan, 3.0, 4.0])],
                false,
            ),
            line(
                vec![series(vec![0.0, 1.0], vec![f64::INFINITY, 1.0])],
                false,
            ),
            line(vec![series(vec![0.0, 1.0], vec![1e-300, 1e-300])], false),
            line(vec![series(vec![0.0, 1.0], vec![1e300, -1e300])], false),
            line(vec![series(vec![5.0, 5.0], vec![1.0, 2.0])], false),
            line(vec![series(vec![0.0, 1.0], vec![-1.0, 1e-9])], true),
            line(vec![series(vec![0.0, 1e-9], vec![1e12, 1e12 + 1.0])], false),
            line(
                (0..40)
                    .map(|i| Series {
                        label: format!("a rather long series label number {i} that goes on"),
                        x: vec![0.0, 1.0],
                        y: vec![i as f64, i as f64 + 1.0],
                    })
                    .collect(),
                false,
            ),
        ];
        for (i, chart) in cases.iter().enumerate() {
            check_files(&write_line_chart(chart, &d.join(format!("line{i}")))?);
        }
        // Too wide a range to draw: a clean error, and no file.
        let wide = line(
            vec![series(vec![0.0, 1.0], vec![f64::MAX, -f64::MAX])],
            false,
        );
        assert!(matches!(
            write_line_chart(&wide, &d.join("wide")),
            Err(PlotError::InvalidInput(_))
        ));
        assert!(!d.join("wide.png").exists());
        let mismatch = line(vec![series(vec![0.0, 1.0], vec![1.0])], false);
        assert!(matches!(
            write_line_chart(&mismatch, &d.join("mismatch")),
            Err(PlotError::LengthMismatch { .. })
        ));

        let band = BandChart {
            x: vec![0.0, 1.0, 2.0],
            median: vec![1.0, nan, 1.0],
            bands: vec![(10.0, 90.0, vec![0.0, 0.0, nan], vec![2.0, 2.0, 2.0])],
            ..BandChart::default()
        };
        check_files(&write_band_chart(&band, &d.join("band0"))?);
        check_files(&write_band_chart(&BandChart::default(), &d.join("band1"))?);
        let bad_band = BandChart {
            x: vec![0.0, 1.0],
            median: vec![1.0, 1.0],
            bands: vec![(10.0, 90.0, vec![0.0], vec![2.0, 2.0])],
            ..BandChart::default()
        };
        assert!(write_band_chart(&bad_band, &d.join("band2")).is_err());

        let heat = |x: Vec<f64>, y: Vec<f64>, z: Vec<Vec<Option<f64>>>, log: bool| Heatmap {
            x,
            y,
            z,
            log_x: log,
            log_y: log,
            ..Heatmap::default()
        };
        check_files(&write_heatmap(&Heatmap::default(), &d.join("heat0"))?);
        check_files(&write_heatmap(
            &heat(vec![1.0], vec![2.0], vec![vec![Some(3.0)]], false),
            &d.join("heat1"),
        )?);
        check_files(&write_heatmap(
            &heat(vec![1.0], vec![2.0], vec![vec![Some(3.0)]], true),
            &d.join("heat2"),
        )?);
        check_files(&write_heatmap(
            &heat(
                vec![1.0, 2.0],
                vec![1.0, 2.0],
                vec![vec![None, None], vec![None, Some(nan)]],
                false,
            ),
            &d.join("heat3"),
        )?);
        for (name, bad) in [
            (
                "unsorted",
                heat(vec![2.0, 1.0], vec![1.0], vec![vec![None, None]], false),
            ),
            (
                "nonpositive",
                heat(vec![0.0, 1.0], vec![1.0], vec![vec![None, None]], true),
            ),
            (
                "rows",
                heat(vec![1.0], vec![1.0, 2.0], vec![vec![None]], false),
            ),
            (
                "cols",
                heat(vec![1.0, 2.0], vec![1.0], vec![vec![None]], false),
            ),
        ] {
            assert!(write_heatmap(&bad, &d.join(name)).is_err(), "{name}");
            assert!(!d.join(format!("{name}.png")).exists());
        }

        let hist = |values: Vec<f64>, bins: usize| Histogram {
            values,
            bins,
            ..Histogram::default()
        };
        for (i, h) in [
            hist(vec![], 10),
            hist(vec![nan, f64::INFINITY], 10),
            hist(vec![3.0], 10),
            hist(vec![3.0, 3.0, 3.0], 1),
            hist(vec![0.0, 1.0, 1.0, 2.0], 3),
        ]
        .iter()
        .enumerate()
        {
            check_files(&write_histogram(h, &d.join(format!("hist{i}")))?);
        }
        assert!(write_histogram(&hist(vec![1.0], 0), &d.join("hist_zero")).is_err());

        for (i, bars) in [
            vec![],
            vec![("a".to_string(), nan)],
            vec![("only".to_string(), 0.0)],
            vec![("big".to_string(), 12.5), ("neg".to_string(), -3.0)],
            (0..60)
                .map(|i| (format!("parameter {i}"), (i as f64 / 30.0) - 1.0))
                .collect(),
        ]
        .into_iter()
        .enumerate()
        {
            let t = Tornado {
                bars,
                ..Tornado::default()
            };
            check_files(&write_tornado(&t, &d.join(format!("tornado{i}")))?);
        }
        Ok(())
    }

    #[test]
    fn tick_formats() {
        let f = TickFormat::new(&[0.0, 0.25, 0.5, 0.75, 1.0], false);
        assert_eq!(f.format(0.5), "0.50");
        let f = TickFormat::new(&[100_000.0, 100_500.0, 101_000.0], false);
        assert_eq!(f.format(100_500.0), "100.5k");
        let f = TickFormat::new(&[0.0, 2e6, 4e6], false);
        assert_eq!(f.format(4e6), "4M");
        let f = TickFormat::new(&[0.0, 5e-5, 1e-4], false);
        assert_eq!(f.format(5e-5), "5.0e-5");
        assert_eq!(f.format(0.0), "0");
        let f = TickFormat::new(&[-0.5, 0.0, 0.5], false);
        assert_eq!(f.format(-1e-17), "0.0");
        let f = TickFormat::new(&[0.0, 10.0, 20.0], false);
        assert_eq!(f.format(20.0), "20");
        let f = TickFormat::new(&[0.0, 0.5, 1.0], false).integers();
        assert_eq!(f.format(0.5), "");
        assert_eq!(f.format(1.0), "1");
        assert_eq!(compact(101_325.0), "101k");
        assert_eq!(compact(2.5e-7), "2.5e-7");
        assert_eq!(compact(0.012_34), "0.0123");
        assert_eq!(compact(95.0), "95");
    }

    #[test]
    fn atomic_write_replaces_whole_file() -> Result<(), PlotError> {
        let dir = tempfile::tempdir().map_err(|source| PlotError::Io {
            path: PathBuf::from("tempdir"),
            source,
        })?;
        let p = dir.path().join("a.txt");
        write_out(&p, b"first")?;
        write_out(&p, b"second")?;
        assert_eq!(std::fs::read(&p).unwrap_or_default(), b"second");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("a.txt")],
            "no temporary left"
        );
        let missing = dir.path().join("no/such/dir/a.txt");
        assert!(write_out(&missing, b"x").is_err());
        Ok(())
    }
}
