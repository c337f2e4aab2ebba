//! Axis ranges, tick positions and tick labels (linear and logarithmic).

use super::error::PlotError;

/// A finished axis range: finite, of non-zero width, positive if logarithmic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Axis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) log: bool,
}

impl Axis {
    /// The axis through the finite values of `values` (positive ones if `log`), widened by
    /// `pad` of its span on each side (a fraction of the decades if `log`). `None` if there
    /// is no usable value.
    pub(super) fn through(
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
    pub(super) fn new(lo: f64, hi: f64, log: bool, pad: f64) -> Result<Axis, PlotError> {
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
pub(super) struct TickFormat {
    pub(super) div: f64,
    pub(super) suffix: &'static str,
    pub(super) decimals: usize,
    pub(super) sci: bool,
    pub(super) log: bool,
    pub(super) integer: bool,
    pub(super) step: f64,
}

impl TickFormat {
    pub(super) fn new(ticks: &[f64], log: bool) -> TickFormat {
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
    pub(super) fn integers(mut self) -> TickFormat {
        self.integer = true;
        if !self.sci {
            self.decimals = 0;
        }
        self
    }

    pub(super) fn format(&self, v: f64) -> String {
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
pub(super) fn compact(v: f64) -> String {
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
pub(super) struct Ticks {
    pub(super) bold: Vec<f64>,
    pub(super) light: Vec<f64>,
    pub(super) format: TickFormat,
}

impl Ticks {
    pub(super) fn none() -> Ticks {
        Ticks {
            bold: Vec::new(),
            light: Vec::new(),
            format: TickFormat::new(&[], false),
        }
    }

    pub(super) fn for_axis(axis: Axis, max: usize) -> Ticks {
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
pub(super) fn linear_ticks(lo: f64, hi: f64, max: usize) -> (Vec<f64>, Vec<f64>) {
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
pub(super) fn log_ticks(lo: f64, hi: f64, max: usize) -> Option<Ticks> {
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
