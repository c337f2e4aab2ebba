//! Parameter sweeps: many runs of one base scenario with parameters varied by path, in
//! parallel (rayon), deterministic, resumable and shardable.
//!
//! A sweep file names a base scenario and says what to vary and what to record:
//!
//! ```ron
//! Sweep(
//!     base: "iss-prk-leak.ron",
//!     seed: 1,
//!     mode: Grid,
//!     parameters: [
//!         (path: "links.prk_crack.element.area", values: Linear(from: "0.03 mm2", to: "0.14 mm2", count: 12)),
//!         (path: "links.hatch_seal.element.seated.c", values: Log(from: 1e-10, to: 1e-8, count: 10)),
//!     ],
//!     metrics: [
//!         (name: "prk_final", of: Final("prk.pressure")),
//!         (name: "station_leak", of: LeakRate(boundary: "space")),
//!     ],
//! )
//! ```
//!
//! Runs are numbered 0..n. A run's parameter values depend only on (seed, run index), so the
//! output is the same bytes on any number of threads and for any sharding. Rows are written
//! to `runs.csv` in run-index order as runs finish, a batch at a time; a failed run is a row
//! with status `failed` and its error. Only a bounded sample of trajectories is kept (for the
//! band chart); everything else is a few numbers per run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use plenum_physics::{
    simulate, Action, CompartmentId, Direction, Event, FlowElement, LinkId, Network, NetworkParts,
    NodeId, Observer, Quantity, Schedule, System, Thermal, Trigger,
};
use serde::Deserialize;

use crate::diag::{clip, read_source, Diagnostic, Diagnostics, Sink, SourceIndex};
use crate::plot;
use crate::safety::{self, Cancel, SafetyError};
use crate::sample::{open_unit, permutation, run_stream, Distribution};
use crate::scenario::{byte_offset, ron_options, Span, Spanned, Wire, Q};
use crate::units::{parse_quantity, unit_factor, Dimension};
use crate::validate::{describe_ron_error, fmt_number, load, wire_diagnostic, Loaded};

/// Largest sweep run without `--force`.
pub const MAX_RUNS: usize = 100_000;
/// Trajectories kept for the band chart, at most.
pub const MAX_TRAJECTORIES: usize = 200;
/// Runs computed between two writes of `runs.csv`.
const BATCH: usize = 64;

// ------------------------------------------------------------------------------------------
// Wire types

/// A sweep file. Values an analyst may get wrong are [`Spanned`]: each remembers its place
/// in the file, so that every problem is reported at its own line and column.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Sweep")]
pub struct SweepWire {
    /// Base scenario, relative to the sweep file.
    pub base: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub seed: u64,
    pub mode: Spanned<ModeWire>,
    pub parameters: Spanned<Vec<Spanned<ParamWire>>>,
    pub metrics: Spanned<Vec<Spanned<MetricWire>>>,
    /// Keep this many trajectories of one quantity for a band chart.
    #[serde(default)]
    pub trajectories: Option<Spanned<TrajectoriesWire>>,
    /// Plots to draw; a sensible set when left out.
    #[serde(default)]
    pub plots: Option<Vec<Spanned<SweepPlotWire>>>,
}

/// How parameter values combine into runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Mode")]
pub enum ModeWire {
    /// Every combination of every parameter's values (first parameter slowest).
    Grid,
    /// Independent random samples.
    MonteCarlo(usize),
    /// Latin hypercube samples: each parameter's range cut into `n` equally likely strata,
    /// each stratum used once.
    LatinHypercube(usize),
}

/// One varied parameter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamWire {
    /// `links.NAME.element.FIELD`, `compartments.NAME.volume`, ... (see [`resolve_path`]).
    pub path: Spanned<String>,
    pub values: Spanned<ValuesWire>,
}

/// Values or a distribution for a parameter.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Values")]
pub enum ValuesWire {
    List(Vec<Spanned<Q>>),
    /// `count` values evenly spaced from `from` to `to` inclusive.
    Linear {
        from: Spanned<Q>,
        to: Spanned<Q>,
        count: usize,
    },
    /// `count` values evenly spaced in log from `from` to `to` inclusive.
    Log {
        from: Spanned<Q>,
        to: Spanned<Q>,
        count: usize,
    },
    /// `from`, `from + step`, ... up to `to` inclusive.
    Step {
        from: Spanned<Q>,
        to: Spanned<Q>,
        step: Spanned<Q>,
    },
    Uniform {
        min: Spanned<Q>,
        max: Spanned<Q>,
    },
    LogUniform {
        min: Spanned<Q>,
        max: Spanned<Q>,
    },
    Normal {
        mean: Spanned<Q>,
        sd: Spanned<Q>,
        #[serde(default)]
        min: Option<Spanned<Q>>,
        #[serde(default)]
        max: Option<Spanned<Q>>,
    },
    /// `sigma` is the standard deviation of ln(x).
    LogNormal {
        median: Spanned<Q>,
        sigma: f64,
        #[serde(default)]
        min: Option<Spanned<Q>>,
        #[serde(default)]
        max: Option<Spanned<Q>>,
    },
    Triangular {
        min: Spanned<Q>,
        mode: Spanned<Q>,
        max: Spanned<Q>,
    },
}

/// A number recorded per run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricWire {
    pub name: Spanned<String>,
    pub of: Spanned<MetricKindWire>,
}

/// What a metric measures. Quantities are written `NAME.pressure`, `NAME.temperature`,
/// `NAME.mass`, `NAME.partial_pressure.SPECIES` (compartments) or `NAME.mass_flow` (links).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Metric")]
pub enum MetricKindWire {
    /// The quantity at the end of the run.
    Final(Spanned<String>),
    /// The quantity at a time.
    At {
        quantity: Spanned<String>,
        time: Spanned<Q>,
    },
    /// Smallest value over the output times.
    Min(Spanned<String>),
    /// Largest value over the output times.
    Max(Spanned<String>),
    /// Time the quantity first crosses a value (located by root finding); empty if never.
    TimeTo {
        quantity: Spanned<String>,
        #[serde(default)]
        below: Option<Spanned<Q>>,
        #[serde(default)]
        above: Option<Spanned<Q>>,
    },
    /// Net mass flow into a boundary, kg/day, at a time (default: the end).
    LeakRate {
        boundary: Spanned<String>,
        #[serde(default)]
        at: Option<Spanned<Q>>,
    },
    /// Mass lost by all compartments (or one), kg, over the run.
    MassLost(#[serde(default)] Option<Spanned<String>>),
    /// Number of times a link's flow changed direction.
    Reversals(Spanned<String>),
    /// Time of the first change of direction of a link's flow; empty if none.
    FirstReversal(Spanned<String>),
    /// Direction of a link's flow at the end: 1 (from -> to), -1, or 0 (inside the deadband).
    FlowDirection(Spanned<String>),
}

/// Trajectories to keep.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrajectoriesWire {
    pub quantity: Spanned<String>,
    pub count: usize,
}

/// A sweep plot.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Plot")]
pub enum SweepPlotWire {
    /// Median and percentile bands of the kept trajectories.
    Band,
    /// A metric over two parameters.
    Heatmap {
        x: String,
        y: String,
        metric: String,
    },
    Histogram(String),
    /// Spearman rank correlation of each parameter with a metric.
    Tornado(String),
}

macro_rules! impl_sweep_wire {
    ($($t:ty),* $(,)?) => {
        $(impl Wire for $t {
            fn parse_wire(text: &str) -> Result<Self, ron::error::SpannedError> {
                ron_options().from_str(text)
            }
        })*
    };
}

impl_sweep_wire!(
    ModeWire,
    ParamWire,
    Vec<Spanned<ParamWire>>,
    ValuesWire,
    MetricWire,
    Vec<Spanned<MetricWire>>,
    MetricKindWire,
    TrajectoriesWire,
    SweepPlotWire,
);
// ------------------------------------------------------------------------------------------
// Resolved sweep

/// A parameter value set or distribution, in SI.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Discrete(Vec<f64>),
    Random(Distribution),
}

/// A resolved parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub path: String,
    pub target: Target,
    pub dim: Dimension,
    pub values: Values,
    /// Unit for display (from the first value written with a unit), else SI.
    pub display_unit: String,
    /// Whether plots should use a log axis (log ranges and log distributions).
    pub log: bool,
}

/// What a path addresses in the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    CompartmentVolume(usize),
    CompartmentPressure(usize),
    CompartmentTemperature(usize),
    WallConductance(usize),
    BoundaryPressure(usize),
    BoundaryTemperature(usize),
    /// A field of a link's element; `sub` walks into HatchSeal's `seated`/`unseated`.
    Element {
        link: usize,
        sub: Vec<bool>,
        field: &'static str,
    },
    LinkOpening(usize),
    /// Multiplier of a source's rates.
    SourceScale(usize),
}

/// A resolved metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub name: String,
    pub kind: MetricKind,
    /// SI unit for the column name.
    pub unit: &'static str,
}

/// What a metric measures, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricKind {
    Final(Quantity),
    At(Quantity, f64),
    Min(Quantity),
    Max(Quantity),
    TimeTo(Quantity, f64, Direction),
    LeakRate(usize, Option<f64>),
    MassLost(Option<usize>),
    Reversals(String),
    FirstReversal(String),
    FlowDirection(usize),
}

/// How runs are generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Grid,
    MonteCarlo(usize),
    LatinHypercube(usize),
}

/// A checked sweep, ready to run.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub file: String,
    pub name: String,
    pub seed: u64,
    pub mode: Mode,
    pub params: Vec<Param>,
    pub metrics: Vec<Metric>,
    pub trajectories: Option<(Quantity, String, usize)>,
    pub plots: Vec<SweepPlotWire>,
    pub base: Loaded,
    /// SHA-256 of the sweep file's text (part of the [`Fingerprint`] of its outputs).
    pub sha256: String,
    /// Permutations of the Latin hypercube, one per parameter.
    lhs: Vec<Vec<usize>>,
}

impl Sweep {
    /// Number of runs.
    pub fn len(&self) -> usize {
        match self.mode {
            Mode::Grid => self
                .params
                .iter()
                .map(|p| match &p.values {
                    Values::Discrete(v) => v.len(),
                    Values::Random(_) => 1,
                })
                .product(),
            Mode::MonteCarlo(n) | Mode::LatinHypercube(n) => n,
        }
    }

    /// True for a sweep of no runs (refused at load time).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Parameter values of run `index`, SI.
    pub fn values(&self, index: usize) -> Vec<f64> {
        match self.mode {
            Mode::Grid => {
                let mut rest = index;
                let mut out = vec![0.0; self.params.len()];
                for (j, p) in self.params.iter().enumerate().rev() {
                    if let Values::Discrete(v) = &p.values {
                        out[j] = v[rest % v.len()];
                        rest /= v.len();
                    }
                }
                out
            }
            Mode::MonteCarlo(_) => {
                let mut rng = run_stream(self.seed, index as u64);
                self.params
                    .iter()
                    .map(|p| pick(&p.values, open_unit(&mut rng)))
                    .collect()
            }
            Mode::LatinHypercube(n) => {
                let mut rng = run_stream(self.seed, index as u64);
                self.params
                    .iter()
                    .enumerate()
                    .map(|(j, p)| {
                        let u = (self.lhs[j][index] as f64 + open_unit(&mut rng)) / n as f64;
                        pick(&p.values, u)
                    })
                    .collect()
            }
        }
    }

    /// The CSV header of `runs.csv`.
    pub fn header(&self) -> Vec<String> {
        let mut h = vec!["run".to_string()];
        for p in &self.params {
            h.push(format!("{}_{}", p.path, si_unit_tag(p.dim)));
        }
        for m in &self.metrics {
            h.push(format!("{}_{}", m.name, m.unit));
        }
        h.push("status".into());
        h.push("error".into());
        h
    }
}

fn pick(values: &Values, u: f64) -> f64 {
    match values {
        Values::Discrete(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)],
        Values::Random(d) => d.quantile(u),
    }
}

fn si_unit_tag(dim: Dimension) -> &'static str {
    match dim {
        Dimension::Pressure => "Pa",
        Dimension::Volume => "m3",
        Dimension::Area => "m2",
        Dimension::Length => "m",
        Dimension::Temperature => "K",
        Dimension::Time => "s",
        Dimension::Mass => "kg",
        Dimension::MassFlow => "kg_per_s",
        Dimension::VolumetricFlow => "m3_per_s",
        Dimension::Viscosity => "Pa_s",
        Dimension::Conductance => "kg_per_s_Pa",
        Dimension::HeatTransfer => "W_per_K",
        _ => "SI",
    }
}

// ------------------------------------------------------------------------------------------
// Loading and checking

/// Read and check a sweep file and its base scenario; every problem at once.
pub fn load_sweep(path: &Path, force: bool) -> Result<Sweep, Diagnostics> {
    let file = path.display().to_string();
    let src = read_source(path)?;
    let wire: SweepWire = match ron_options().from_str(&src) {
        Ok(w) => w,
        Err(e) => {
            let off = byte_offset(&src, e.span.start);
            let (message, expected, hint) = describe_ron_error(&e.code);
            let mut d = Diagnostics::new(&file);
            d.list.push(Diagnostic {
                location: Some(SourceIndex::new(&src).locate(off, off + 1)),
                item: None,
                message,
                expected: expected.or_else(|| Some("a sweep file: Sweep(base: \"scenario.ron\", mode: ..., parameters: [...], metrics: [...])".into())),
                hint: hint.or_else(|| Some("see docs/sweeps.md".into())),
            });
            return Err(d);
        }
    };
    let base_path = path
        .parent()
        .map_or_else(|| PathBuf::from(&wire.base), |p| p.join(&wire.base));
    let base = load(&base_path)?;
    let mut c = Checker {
        sink: Sink::new(&src),
    };
    let sweep = c.check(&wire, base, &file, force);
    match sweep {
        Some(mut s) if c.sink.list.is_empty() => {
            s.sha256 = crate::safety::sha256_hex(src.as_bytes());
            Ok(s)
        }
        _ => Err(Diagnostics {
            file,
            list: c.sink.list,
        }),
    }
}

/// Checks a parsed sweep file against its base scenario; every problem is located by the
/// span the parser recorded for the value at fault.
struct Checker<'s> {
    sink: Sink<'s>,
}

impl Checker<'_> {
    /// Record a problem at `span` concerning `item`.
    fn err(
        &mut self,
        span: Span,
        item: &str,
        message: impl Into<String>,
        expected: Option<String>,
        hint: Option<String>,
    ) {
        let b = self.sink.error(span, Some(item), message);
        let b = match expected {
            Some(e) => b.expected(e),
            None => b,
        };
        b.maybe_hint(hint);
    }

    /// The value of a spanned entry, or a located report of why its text did not parse.
    fn get<'a, T>(&mut self, v: &'a Spanned<T>, item: &str) -> Option<&'a T> {
        match &v.value {
            Ok(x) => Some(x),
            Err(e) => {
                let d = wire_diagnostic(&self.sink, e, Some(item));
                self.sink.list.push(d);
                None
            }
        }
    }

    /// A value in SI and the unit it was written in; refuses what is not finite and what is
    /// too small or too large to be physical ([`Dimension::magnitude_limits`]).
    fn q(&mut self, v: &Spanned<Q>, dim: Dimension, item: &str) -> Option<(f64, Option<String>)> {
        let q = self.get(v, item)?;
        let (x, unit) = match q {
            Q::Number(x) => (*x, None),
            Q::Text(t) => match parse_quantity(t, dim) {
                Ok(x) => (x, t.split_whitespace().nth(1).map(String::from)),
                Err(e) => {
                    self.err(
                        v.span,
                        item,
                        e.to_string(),
                        Some(format!("{}, e.g. '{}'", dim.with_article(), dim.example())),
                        None,
                    );
                    return None;
                }
            },
        };
        let written = match q {
            Q::Number(v) => fmt_number(*v),
            Q::Text(t) => format!("'{t}'"),
        };
        if !x.is_finite() {
            self.err(
                v.span,
                item,
                format!("{written} is not a finite number"),
                Some(format!("{}, e.g. '{}'", dim.with_article(), dim.example())),
                None,
            );
            return None;
        }
        let (lo, hi) = dim.magnitude_limits();
        if x != 0.0 && !(lo..=hi).contains(&x.abs()) {
            let what = if x.abs() < lo {
                "too small to be physical"
            } else {
                "too large to be physical"
            };
            let unit_si = dim.si_unit();
            self.err(
                v.span,
                item,
                format!("{written} is {what}"),
                Some(format!(
                    "0 or a magnitude between {} and {}",
                    format!("{lo:e} {unit_si}").trim_end(),
                    format!("{hi:e} {unit_si}").trim_end()
                )),
                Some("check the exponent and the unit".into()),
            );
            return None;
        }
        Some((x, unit))
    }

    /// Whether the base model accepts `x` for `target` (the physics' own checks: a
    /// negative area, a discharge coefficient above 1, ...); a located problem if not, so
    /// that a bad value is refused before anything runs rather than failing every run.
    fn admissible(
        &mut self,
        parts: &NetworkParts,
        target: &Target,
        x: f64,
        span: Span,
        item: &str,
    ) -> bool {
        let mut p = parts.clone();
        let problem = match apply(&mut p, target, x) {
            Err(e) => Some(e),
            Ok(()) => Network::new(p).err().map(|errs| {
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            }),
        };
        match problem {
            None => true,
            Some(msg) => {
                self.err(
                    span,
                    item,
                    format!(
                        "the value {} (SI) is refused by the base scenario: {msg}",
                        fmt_number(x)
                    ),
                    Some("values the varied field accepts".into()),
                    None,
                );
                false
            }
        }
    }

    fn check(&mut self, w: &SweepWire, base: Loaded, file: &str, force: bool) -> Option<Sweep> {
        let mut params = Vec::new();
        let mut path_spans = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let param_list = self.get(&w.parameters, "sweep");
        for p in param_list.into_iter().flatten() {
            let Some(p) = self.get(p, "parameter") else {
                continue;
            };
            let Some(path) = self.get(&p.path, "parameter") else {
                continue;
            };
            let item = format!("parameter '{}'", clip(path));
            if !seen.insert(path.clone()) {
                self.err(
                    p.path.span,
                    &item,
                    "is varied twice",
                    Some("each path once".into()),
                    None,
                );
                continue;
            }
            let (target, dim) = match resolve_path(&base.parts, path) {
                Ok(t) => t,
                Err((msg, hint)) => {
                    self.err(
                        p.path.span,
                        &item,
                        msg,
                        Some(
                            "a path like links.NAME.element.area, compartments.NAME.volume".into(),
                        ),
                        hint,
                    );
                    continue;
                }
            };
            let Some(values) = self.get(&p.values, &item) else {
                continue;
            };
            if let Some(param) =
                self.values(values, p.values.span, path, target, dim, &item, &base.parts)
            {
                params.push(param);
                path_spans.push(p.path.span);
            }
        }
        if param_list.is_some_and(|l| l.is_empty()) {
            self.err(
                w.parameters.span,
                "sweep",
                "varies no parameter",
                Some("at least one entry in parameters".into()),
                None,
            );
        }
        let mode = match self.get(&w.mode, "sweep") {
            None => None,
            Some(ModeWire::Grid) => {
                for (p, span) in params.iter().zip(&path_spans) {
                    if matches!(p.values, Values::Random(_)) {
                        self.err(
                            *span,
                            &format!("parameter '{}'", clip(&p.path)),
                            "is a distribution, which a Grid cannot enumerate",
                            Some("List, Linear, Log or Step values in a Grid".into()),
                            Some(
                                "use mode: MonteCarlo(N) or LatinHypercube(N) to sample distributions"
                                    .into(),
                            ),
                        );
                    }
                }
                Some(Mode::Grid)
            }
            Some(ModeWire::MonteCarlo(0) | ModeWire::LatinHypercube(0)) => {
                self.err(
                    w.mode.span,
                    "sweep",
                    "asks for 0 samples",
                    Some("a sample count >= 1".into()),
                    None,
                );
                None
            }
            Some(ModeWire::MonteCarlo(n)) => Some(Mode::MonteCarlo(*n)),
            Some(ModeWire::LatinHypercube(n)) => Some(Mode::LatinHypercube(*n)),
        };
        let net = &base.network;
        let mut metrics = Vec::new();
        let mut names = std::collections::HashSet::new();
        let metric_list = self.get(&w.metrics, "sweep");
        for m in metric_list.into_iter().flatten() {
            let Some(m) = self.get(m, "metric") else {
                continue;
            };
            let Some(name) = self.get(&m.name, "metric") else {
                continue;
            };
            let item = format!("metric '{}'", clip(name));
            if !names.insert(name.clone()) {
                self.err(
                    m.name.span,
                    &item,
                    "duplicate metric name",
                    Some("each metric with its own name".into()),
                    None,
                );
            }
            let Some(of) = self.get(&m.of, &item) else {
                continue;
            };
            if let Some(metric) =
                self.metric(name, of, m.of.span, net, base.config.duration_s, &item)
            {
                metrics.push(metric);
            }
        }
        if metric_list.is_some_and(|l| l.is_empty()) {
            self.err(
                w.metrics.span,
                "sweep",
                "records no metric",
                Some("at least one entry in metrics".into()),
                None,
            );
        }
        let trajectories = match &w.trajectories {
            None => None,
            Some(ts) => match self.get(ts, "trajectories") {
                None => None,
                Some(t) => {
                    if t.count > MAX_TRAJECTORIES {
                        self.err(
                            ts.span,
                            "trajectories",
                            format!("keeps {} trajectories", t.count),
                            Some(format!("at most {MAX_TRAJECTORIES}")),
                            None,
                        );
                    }
                    match self.get(&t.quantity, "trajectories") {
                        None => None,
                        Some(text) => match resolve_quantity(net, text) {
                            Ok(q) => Some((q, text.clone(), t.count.min(MAX_TRAJECTORIES))),
                            Err((msg, hint)) => {
                                self.err(t.quantity.span, "trajectories", msg, None, hint);
                                None
                            }
                        },
                    }
                }
            },
        };
        let plots: Vec<(SweepPlotWire, Span)> = match &w.plots {
            Some(list) => list
                .iter()
                .filter_map(|p| self.get(p, "plot").map(|x| (x.clone(), p.span)))
                .collect(),
            None => default_plots(&params, &metrics, trajectories.is_some())
                .into_iter()
                .map(|p| (p, Span::UNKNOWN))
                .collect(),
        };
        for (p, span) in &plots {
            let (metric, paths): (&str, Vec<&str>) = match p {
                SweepPlotWire::Band => {
                    if w.trajectories.is_none() {
                        self.err(
                            *span,
                            "plot Band",
                            "needs trajectories",
                            Some("trajectories: (quantity: \"prk.pressure\", count: 50)".into()),
                            None,
                        );
                    }
                    continue;
                }
                SweepPlotWire::Heatmap { x, y, metric } => (metric, vec![x, y]),
                SweepPlotWire::Histogram(m) | SweepPlotWire::Tornado(m) => (m, vec![]),
            };
            if !metrics.iter().any(|m| m.name == metric) {
                let hint =
                    crate::suggest::did_you_mean(metric, metrics.iter().map(|m| m.name.as_str()))
                        .map(|s| format!("did you mean '{s}'?"));
                self.err(
                    *span,
                    "plot",
                    format!(
                        "refers to metric '{}', which the sweep does not record",
                        clip(metric)
                    ),
                    None,
                    hint,
                );
            }
            for path in paths {
                if !params.iter().any(|p| p.path == path) {
                    self.err(
                        *span,
                        "plot Heatmap",
                        format!(
                            "refers to parameter '{}', which the sweep does not vary",
                            clip(path)
                        ),
                        None,
                        None,
                    );
                }
            }
        }
        if !self.sink.list.is_empty() {
            return None;
        }
        let mut sweep = Sweep {
            file: file.to_string(),
            name: w
                .name
                .clone()
                .unwrap_or_else(|| format!("{}-sweep", base.name)),
            seed: w.seed,
            mode: mode?,
            params,
            metrics,
            trajectories,
            plots: plots.into_iter().map(|(p, _)| p).collect(),
            base,
            sha256: String::new(),
            lhs: Vec::new(),
        };
        let n = sweep.len();
        if n == 0 {
            self.err(
                w.parameters.span,
                "sweep",
                "has no runs (a parameter has no values)",
                None,
                None,
            );
            return None;
        }
        if n > MAX_RUNS && !force {
            self.err(
                w.mode.span,
                "sweep",
                format!("has {n} runs, more than the cap of {MAX_RUNS}"),
                Some(format!("at most {MAX_RUNS} runs")),
                Some(
                    "pass --force to run it anyway (memory stays flat; time grows with the run count)"
                        .into(),
                ),
            );
            return None;
        }
        if let Mode::LatinHypercube(n) = sweep.mode {
            sweep.lhs = (0..sweep.params.len())
                .map(|j| permutation(sweep.seed, j as u64, n))
                .collect();
        }
        Some(sweep)
    }

    #[allow(clippy::too_many_arguments)]
    fn values(
        &mut self,
        v: &ValuesWire,
        span: Span,
        path: &str,
        target: Target,
        dim: Dimension,
        item: &str,
        parts: &NetworkParts,
    ) -> Option<Param> {
        let mut unit = None;
        // Each value in SI, refused when the base model does not accept it.
        let mut q = |c: &mut Self, x: &Spanned<Q>, check: bool| -> Option<f64> {
            let (val, u) = c.q(x, dim, item)?;
            if check && !c.admissible(parts, &target, val, x.span, item) {
                return None;
            }
            if unit.is_none() {
                unit = u;
            }
            Some(val)
        };
        let mut log = false;
        let values = match v {
            ValuesWire::List(list) => {
                if list.is_empty() {
                    self.err(
                        span,
                        item,
                        "has an empty list of values",
                        Some("at least one value".into()),
                        None,
                    );
                    return None;
                }
                let vals: Vec<f64> = list.iter().filter_map(|x| q(self, x, false)).collect();
                if vals.len() != list.len() {
                    return None;
                }
                // The physics' checks are ranges: the smallest and largest values decide.
                let lo = (0..vals.len()).min_by(|&a, &b| vals[a].total_cmp(&vals[b]))?;
                let hi = (0..vals.len()).max_by(|&a, &b| vals[a].total_cmp(&vals[b]))?;
                let lo_ok = self.admissible(parts, &target, vals[lo], list[lo].span, item);
                if !(lo_ok
                    && (hi == lo || self.admissible(parts, &target, vals[hi], list[hi].span, item)))
                {
                    return None;
                }
                Values::Discrete(vals)
            }
            ValuesWire::Linear { from, to, count } | ValuesWire::Log { from, to, count } => {
                let is_log = matches!(v, ValuesWire::Log { .. });
                log = is_log;
                let (a, b) = (q(self, from, true), q(self, to, true));
                let (a, b) = (a?, b?);
                if *count == 0 {
                    self.err(
                        span,
                        item,
                        "has a range of 0 values",
                        Some("count >= 1".into()),
                        None,
                    );
                    return None;
                }
                if is_log && !(a > 0.0 && b > 0.0) {
                    self.err(
                        span,
                        item,
                        format!("has a log range from {a} to {b}"),
                        Some("positive ends for a Log range".into()),
                        None,
                    );
                    return None;
                }
                if *count > 1 && a == b {
                    self.err(
                        span,
                        item,
                        "has a range whose ends are equal",
                        Some("from != to, or a List of one value".into()),
                        None,
                    );
                    return None;
                }
                Values::Discrete(spaced(a, b, *count, is_log))
            }
            ValuesWire::Step { from, to, step } => {
                let (a, b) = (q(self, from, true), q(self, to, false));
                let s = self.q(step, dim, item).map(|x| x.0);
                let (a, b, s) = (a?, b?, s?);
                if s == 0.0 {
                    self.err(
                        step.span,
                        item,
                        "has a zero step",
                        Some("a step that moves from `from` toward `to`".into()),
                        None,
                    );
                    return None;
                }
                if (b - a) / s < 0.0 {
                    self.err(
                        step.span,
                        item,
                        format!("steps by {s} from {a}, away from {b}: the range is empty"),
                        Some("a step with the sign of to - from".into()),
                        None,
                    );
                    return None;
                }
                let n = ((b - a) / s * (1.0 + 1e-12)).floor() as usize + 1;
                if n > MAX_RUNS * 10 {
                    self.err(
                        step.span,
                        item,
                        format!("has {n} steps"),
                        Some("a coarser step".into()),
                        None,
                    );
                    return None;
                }
                let vals: Vec<f64> = (0..n).map(|k| a + k as f64 * s).collect();
                let last = *vals.last()?;
                if !self.admissible(parts, &target, last, to.span, item) {
                    return None;
                }
                Values::Discrete(vals)
            }
            ValuesWire::Uniform { min, max } => {
                let (a, b) = (q(self, min, true), q(self, max, true));
                Values::Random(Distribution::Uniform { min: a?, max: b? })
            }
            ValuesWire::LogUniform { min, max } => {
                log = true;
                let (a, b) = (q(self, min, true), q(self, max, true));
                Values::Random(Distribution::LogUniform { min: a?, max: b? })
            }
            ValuesWire::Normal { mean, sd, min, max } => {
                let mean = q(self, mean, true);
                // A standard deviation is a difference: no offset (matters for temperatures).
                let sd_value = match self.get(sd, item) {
                    None => None,
                    Some(Q::Number(x)) => Some(*x),
                    Some(Q::Text(t)) => {
                        let u = t.split_whitespace().nth(1).unwrap_or("");
                        match (parse_quantity(t, dim), unit_factor(u, dim)) {
                            (Ok(_), Ok(f)) => Some(
                                t.split_whitespace()
                                    .next()
                                    .and_then(|n| n.parse::<f64>().ok())
                                    .unwrap_or(f64::NAN)
                                    * f.scale,
                            ),
                            (Err(e), _) | (_, Err(e)) => {
                                self.err(sd.span, item, e.to_string(), None, None);
                                None
                            }
                        }
                    }
                };
                let min = min.as_ref().map(|m| q(self, m, true));
                let max = max.as_ref().map(|m| q(self, m, true));
                let (mean, sd) = (mean?, sd_value?);
                let min = min.map(|m| m.ok_or(())).transpose().ok()?;
                let max = max.map(|m| m.ok_or(())).transpose().ok()?;
                Values::Random(Distribution::Normal { mean, sd, min, max })
            }
            ValuesWire::LogNormal {
                median,
                sigma,
                min,
                max,
            } => {
                log = true;
                let median = q(self, median, true);
                let min = min.as_ref().map(|m| q(self, m, true));
                let max = max.as_ref().map(|m| q(self, m, true));
                let median = median?;
                let min = min.map(|m| m.ok_or(())).transpose().ok()?;
                let max = max.map(|m| m.ok_or(())).transpose().ok()?;
                Values::Random(Distribution::LogNormal {
                    median,
                    sigma: *sigma,
                    min,
                    max,
                })
            }
            ValuesWire::Triangular { min, mode, max } => {
                let (a, m, b) = (q(self, min, true), q(self, mode, false), q(self, max, true));
                Values::Random(Distribution::Triangular {
                    min: a?,
                    mode: m?,
                    max: b?,
                })
            }
        };
        if let Values::Random(d) = &values {
            if let Err(msg) = d.check() {
                self.err(span, item, msg, None, None);
                return None;
            }
        }
        let display_unit =
            unit.unwrap_or_else(|| crate::units::Dimension::si_unit(dim).to_string());
        Some(Param {
            path: path.to_string(),
            target,
            dim,
            values,
            display_unit,
            log,
        })
    }

    fn metric(
        &mut self,
        name: &str,
        of: &MetricKindWire,
        of_span: Span,
        net: &Network,
        duration: f64,
        item: &str,
    ) -> Option<Metric> {
        let quantity = |c: &mut Self, text: &Spanned<String>| -> Option<Quantity> {
            let t = c.get(text, item)?;
            match resolve_quantity(net, t) {
                Ok(q) => Some(q),
                Err((msg, hint)) => {
                    c.err(text.span, item, msg, Some("NAME.pressure, NAME.temperature, NAME.mass, NAME.partial_pressure.SPECIES or LINK.mass_flow".into()), hint);
                    None
                }
            }
        };
        let time = |c: &mut Self, t: &Spanned<Q>| -> Option<f64> {
            let (v, _) = c.q(t, Dimension::Time, item)?;
            if !(0.0..=duration).contains(&v) {
                c.err(
                    t.span,
                    item,
                    format!("asks for t = {v} s, outside the run (0 to {duration} s)"),
                    Some("a time within the base scenario's duration".into()),
                    None,
                );
                return None;
            }
            Some(v)
        };
        let link = |c: &mut Self, name: &Spanned<String>| -> Option<(usize, String)> {
            let n = c.get(name, item)?;
            match net.link(n) {
                Some(l) => Some((l.0, n.clone())),
                None => {
                    let hint =
                        crate::suggest::did_you_mean(n, net.links.iter().map(|l| l.name.as_str()))
                            .map(|s| format!("did you mean '{s}'?"));
                    c.err(
                        name.span,
                        item,
                        format!(
                            "refers to link '{}', which the base scenario does not have",
                            clip(n)
                        ),
                        None,
                        hint,
                    );
                    None
                }
            }
        };
        let (kind, unit) = match of {
            MetricKindWire::Final(q) => {
                let q = quantity(self, q)?;
                (MetricKind::Final(q), quantity_unit(q))
            }
            MetricKindWire::At {
                quantity: qt,
                time: t,
            } => {
                let q = quantity(self, qt);
                let t = time(self, t);
                let q = q?;
                (MetricKind::At(q, t?), quantity_unit(q))
            }
            MetricKindWire::Min(q) => {
                let q = quantity(self, q)?;
                (MetricKind::Min(q), quantity_unit(q))
            }
            MetricKindWire::Max(q) => {
                let q = quantity(self, q)?;
                (MetricKind::Max(q), quantity_unit(q))
            }
            MetricKindWire::TimeTo {
                quantity: qt,
                below,
                above,
            } => {
                let q = quantity(self, qt)?;
                let dim = quantity_dimension(q);
                let (v, dir) = match (below, above) {
                    (Some(b), None) => (self.q(b, dim, item)?.0, Direction::Falling),
                    (None, Some(a)) => (self.q(a, dim, item)?.0, Direction::Rising),
                    _ => {
                        self.err(
                            of_span,
                            item,
                            "needs exactly one of below or above",
                            Some("TimeTo(quantity: \"prk.pressure\", below: \"600 mmHg\")".into()),
                            None,
                        );
                        return None;
                    }
                };
                (MetricKind::TimeTo(q, v, dir), "s")
            }
            MetricKindWire::LeakRate { boundary, at } => {
                let b = self.get(boundary, item)?;
                let Some(id) = net.boundary(b) else {
                    let hint = crate::suggest::did_you_mean(
                        b,
                        net.boundaries.iter().map(|b| b.name.as_str()),
                    )
                    .map(|s| format!("did you mean '{s}'?"));
                    self.err(
                        boundary.span,
                        item,
                        format!(
                            "refers to boundary '{}', which the base scenario does not have",
                            clip(b)
                        ),
                        None,
                        hint,
                    );
                    return None;
                };
                let at = match at {
                    Some(t) => Some(time(self, t)?),
                    None => None,
                };
                (MetricKind::LeakRate(id.0, at), "kg_per_day")
            }
            MetricKindWire::MassLost(c) => {
                let c = match c {
                    None => None,
                    Some(spanned) => {
                        let name = self.get(spanned, item)?;
                        match net.compartment(name) {
                            Some(c) => Some(c.0),
                            None => {
                                let hint = crate::suggest::did_you_mean(
                                    name,
                                    net.compartments.iter().map(|c| c.name.as_str()),
                                )
                                .map(|s| format!("did you mean '{s}'?"));
                                self.err(
                                    spanned.span,
                                    item,
                                    format!("refers to compartment '{}', which the base scenario does not have", clip(name)),
                                    None,
                                    hint,
                                );
                                return None;
                            }
                        }
                    }
                };
                (MetricKind::MassLost(c), "kg")
            }
            MetricKindWire::Reversals(l) => {
                let (_, n) = link(self, l)?;
                (MetricKind::Reversals(n), "count")
            }
            MetricKindWire::FirstReversal(l) => {
                let (_, n) = link(self, l)?;
                (MetricKind::FirstReversal(n), "s")
            }
            MetricKindWire::FlowDirection(l) => {
                (MetricKind::FlowDirection(link(self, l)?.0), "sign")
            }
        };
        Some(Metric {
            name: name.to_string(),
            kind,
            unit,
        })
    }
}

fn spaced(a: f64, b: f64, n: usize, log: bool) -> Vec<f64> {
    if n == 1 {
        return vec![a];
    }
    // numpy's linspace/logspace arithmetic, with the ends exact.
    (0..n)
        .map(|k| {
            let f = k as f64 / (n - 1) as f64;
            if k == 0 {
                a
            } else if k == n - 1 {
                b
            } else if log {
                10f64.powf(a.log10() + f * (b.log10() - a.log10()))
            } else {
                a + f * (b - a)
            }
        })
        .collect()
}

fn default_plots(params: &[Param], metrics: &[Metric], band: bool) -> Vec<SweepPlotWire> {
    let mut plots = Vec::new();
    if band {
        plots.push(SweepPlotWire::Band);
    }
    if let Some(m) = metrics.first() {
        if params.len() >= 2 {
            plots.push(SweepPlotWire::Heatmap {
                x: params[0].path.clone(),
                y: params[1].path.clone(),
                metric: m.name.clone(),
            });
        }
        plots.push(SweepPlotWire::Tornado(m.name.clone()));
    }
    for m in metrics {
        plots.push(SweepPlotWire::Histogram(m.name.clone()));
    }
    plots
}

fn quantity_unit(q: Quantity) -> &'static str {
    match q {
        Quantity::Pressure(_) | Quantity::PartialPressure(..) => "Pa",
        Quantity::Temperature(_) => "K",
        Quantity::Mass(_) => "kg",
        Quantity::MassFlow(_) => "kg_per_s",
    }
}

fn quantity_dimension(q: Quantity) -> Dimension {
    match q {
        Quantity::Pressure(_) | Quantity::PartialPressure(..) => Dimension::Pressure,
        Quantity::Temperature(_) => Dimension::Temperature,
        Quantity::Mass(_) => Dimension::Mass,
        Quantity::MassFlow(_) => Dimension::MassFlow,
    }
}

/// Resolve `NAME.pressure`, `NAME.temperature`, `NAME.mass`, `NAME.partial_pressure.SPECIES`,
/// `LINK.mass_flow`. Errors carry a message and a hint.
pub fn resolve_quantity(net: &Network, text: &str) -> Result<Quantity, (String, Option<String>)> {
    let parts: Vec<&str> = text.split('.').collect();
    let names = || {
        net.compartments
            .iter()
            .map(|c| c.name.as_str())
            .chain(net.links.iter().map(|l| l.name.as_str()))
    };
    let unknown = |name: &str| {
        let hint =
            crate::suggest::did_you_mean(name, names()).map(|s| format!("did you mean '{s}'?"));
        Err((
            format!("'{name}' is neither a compartment nor a link of the base scenario"),
            hint,
        ))
    };
    match parts.as_slice() {
        [name, "mass_flow"] => match net.link(name) {
            Some(l) => Ok(Quantity::MassFlow(l)),
            None => unknown(name),
        },
        [name, what] | [name, what, _] => {
            let Some(c) = net.compartment(name) else {
                return unknown(name);
            };
            match (*what, parts.get(2)) {
                ("pressure", None) => Ok(Quantity::Pressure(c)),
                ("temperature", None) => Ok(Quantity::Temperature(c)),
                ("mass", None) => Ok(Quantity::Mass(c)),
                ("partial_pressure", Some(sp)) => match net.gas.index_of(sp) {
                    Some(s) => Ok(Quantity::PartialPressure(c, s)),
                    None => Err((format!("no species '{sp}' in the gas table"), None)),
                },
                _ => Err((format!("'{text}' is not a quantity"), Some("use NAME.pressure, NAME.temperature, NAME.mass or NAME.partial_pressure.SPECIES".into()))),
            }
        }
        _ => Err((
            format!("'{text}' is not a quantity"),
            Some("write it as NAME.pressure or LINK.mass_flow".into()),
        )),
    }
}

/// Resolve a parameter path against the base model. Errors carry a message and a hint.
pub fn resolve_path(
    parts: &NetworkParts,
    path: &str,
) -> Result<(Target, Dimension), (String, Option<String>)> {
    let segs: Vec<&str> = path.split('.').collect();
    let did = |name: &str, cands: Vec<&str>| {
        crate::suggest::did_you_mean(name, cands).map(|s| format!("did you mean '{s}'?"))
    };
    match segs.as_slice() {
        ["compartments", name, field] => {
            let Some(i) = parts.compartments.iter().position(|c| c.name == *name) else {
                return Err((
                    format!("no compartment '{name}' in the base scenario"),
                    did(
                        name,
                        parts.compartments.iter().map(|c| c.name.as_str()).collect(),
                    ),
                ));
            };
            match *field {
                "volume" => Ok((Target::CompartmentVolume(i), Dimension::Volume)),
                "pressure" => Ok((Target::CompartmentPressure(i), Dimension::Pressure)),
                "temperature" => Ok((Target::CompartmentTemperature(i), Dimension::Temperature)),
                "wall_conductance"
                    if matches!(parts.compartments[i].thermal, Thermal::Energy { .. }) =>
                {
                    Ok((Target::WallConductance(i), Dimension::HeatTransfer))
                }
                _ => Err((
                    format!("compartments have no sweepable field '{field}'"),
                    Some(
                        "volume, pressure, temperature or wall_conductance (energy balance only)"
                            .into(),
                    ),
                )),
            }
        }
        ["boundaries", name, field] => {
            let Some(i) = parts.boundaries.iter().position(|b| b.name == *name) else {
                return Err((
                    format!("no boundary '{name}' in the base scenario"),
                    did(
                        name,
                        parts.boundaries.iter().map(|b| b.name.as_str()).collect(),
                    ),
                ));
            };
            if matches!(
                parts.boundaries[i].kind,
                plenum_physics::BoundaryKind::Vacuum
            ) {
                return Err((
                    format!("boundary '{name}' is a vacuum, which has no parameters"),
                    None,
                ));
            }
            match *field {
                "pressure" => Ok((Target::BoundaryPressure(i), Dimension::Pressure)),
                "temperature" => Ok((Target::BoundaryTemperature(i), Dimension::Temperature)),
                _ => Err((
                    format!("boundaries have no sweepable field '{field}'"),
                    Some("pressure or temperature".into()),
                )),
            }
        }
        ["links", name, rest @ ..] => {
            let Some(i) = parts.links.iter().position(|l| l.name == *name) else {
                return Err((
                    format!("no link '{name}' in the base scenario"),
                    did(name, parts.links.iter().map(|l| l.name.as_str()).collect()),
                ));
            };
            match rest {
                ["opening"] => Ok((Target::LinkOpening(i), Dimension::Dimensionless)),
                ["element", sub @ .., field] => {
                    let mut el = &parts.links[i].element;
                    let mut walk = Vec::new();
                    for s in sub {
                        match (el, *s) {
                            (FlowElement::HatchSeal { seated, .. }, "seated") => {
                                walk.push(true);
                                el = seated;
                            }
                            (FlowElement::HatchSeal { unseated, .. }, "unseated") => {
                                walk.push(false);
                                el = unseated;
                            }
                            _ => {
                                return Err((
                                    format!(
                                        "'{s}' is not part of link '{name}''s {} element",
                                        el.kind()
                                    ),
                                    Some("only a HatchSeal has seated/unseated parts".into()),
                                ))
                            }
                        }
                    }
                    let fields = element_fields(el);
                    match fields.iter().find(|(f, _)| f == field) {
                        Some((f, dim)) => Ok((
                            Target::Element {
                                link: i,
                                sub: walk,
                                field: f,
                            },
                            *dim,
                        )),
                        None => {
                            let names: Vec<&str> = fields.iter().map(|f| f.0).collect();
                            let hint = if names.is_empty() {
                                Some(format!("a {} has no number to sweep here; address its seated or unseated part", el.kind()))
                            } else {
                                Some(format!("{} fields: {}", el.kind(), names.join(", ")))
                            };
                            Err((
                                format!(
                                    "link '{name}''s {} element has no field '{field}'",
                                    el.kind()
                                ),
                                hint,
                            ))
                        }
                    }
                }
                _ => Err((
                    format!("'{path}' does not address a link field"),
                    Some("links.NAME.element.FIELD or links.NAME.opening".into()),
                )),
            }
        }
        ["sources", name, "scale"] => match parts.sources.iter().position(|s| s.name == *name) {
            Some(i) => Ok((Target::SourceScale(i), Dimension::Dimensionless)),
            None => Err((format!("no source '{name}' in the base scenario"), None)),
        },
        [first, ..] => Err((
            format!("'{first}' is not a section of the scenario"),
            did(
                first,
                vec!["compartments", "boundaries", "links", "sources"],
            ),
        )),
        [] => Err(("empty path".into(), None)),
    }
}

fn element_fields(el: &FlowElement) -> Vec<(&'static str, Dimension)> {
    match el {
        FlowElement::Orifice { .. } | FlowElement::OpenHatch { .. } => {
            vec![("area", Dimension::Area), ("cd", Dimension::Dimensionless)]
        }
        FlowElement::PowerLaw { .. } => vec![
            ("c", Dimension::Dimensionless),
            ("n", Dimension::Dimensionless),
        ],
        FlowElement::ViscousCrack { geometry, .. } => {
            let mut v = vec![("viscosity", Dimension::Viscosity)];
            match geometry {
                plenum_physics::CrackGeometry::Slit { .. } => v.extend([
                    ("width", Dimension::Length),
                    ("gap", Dimension::Length),
                    ("depth", Dimension::Length),
                ]),
                plenum_physics::CrackGeometry::Tube { .. } => v.extend([
                    ("diameter", Dimension::Length),
                    ("length", Dimension::Length),
                ]),
            }
            v
        }
        FlowElement::Linear { .. } => vec![("k", Dimension::Conductance)],
        FlowElement::Fan { .. } => vec![("flow", Dimension::VolumetricFlow)],
        FlowElement::HatchSeal { .. } => vec![],
    }
}

/// Set a schedule to `value`: a constant becomes `value`; any other schedule is scaled so
/// that its value at t = 0 is `value` (a ramped crack keeps its shape).
fn set_schedule(s: &mut Schedule, value: f64) -> Result<(), String> {
    match s {
        Schedule::Constant(v) => {
            *v = value;
            Ok(())
        }
        other => {
            let v0 = other.value(0.0);
            if v0 == 0.0 {
                return Err(
                    "the base schedule is 0 at t = 0, so it cannot be scaled to the swept value"
                        .into(),
                );
            }
            *other = other.scaled(value / v0);
            Ok(())
        }
    }
}

/// Apply one parameter value to a copy of the base model.
pub fn apply(parts: &mut NetworkParts, target: &Target, value: f64) -> Result<(), String> {
    match target {
        Target::CompartmentVolume(i) => parts.compartments[*i].volume = value,
        Target::CompartmentPressure(i) => parts.compartments[*i].pressure = value,
        Target::CompartmentTemperature(i) => {
            let c = &mut parts.compartments[*i];
            c.temperature = value;
            if let Thermal::Isothermal { temperature } = &mut c.thermal {
                set_schedule(temperature, value)?;
            }
        }
        Target::WallConductance(i) => {
            if let Thermal::Energy { conductance, .. } = &mut parts.compartments[*i].thermal {
                *conductance = value;
            }
        }
        Target::BoundaryPressure(i) | Target::BoundaryTemperature(i) => {
            if let plenum_physics::BoundaryKind::Reservoir {
                pressure,
                temperature,
                ..
            } = &mut parts.boundaries[*i].kind
            {
                if matches!(target, Target::BoundaryPressure(_)) {
                    *pressure = value;
                } else {
                    *temperature = value;
                }
            }
        }
        Target::LinkOpening(i) => set_schedule(&mut parts.links[*i].opening, value)?,
        Target::SourceScale(i) => set_schedule(&mut parts.sources[*i].schedule, value)?,
        Target::Element { link, sub, field } => {
            let mut el = &mut parts.links[*link].element;
            for seated in sub {
                el = match el {
                    FlowElement::HatchSeal {
                        seated: s,
                        unseated: u,
                    } => {
                        if *seated {
                            s.as_mut()
                        } else {
                            u.as_mut()
                        }
                    }
                    _ => return Err("path walks into a non-seal element".into()),
                };
            }
            set_field(el, field, value)?;
        }
    }
    Ok(())
}

fn set_field(el: &mut FlowElement, field: &str, value: f64) -> Result<(), String> {
    use plenum_physics::CrackGeometry as G;
    match (el, field) {
        (FlowElement::Orifice { area, .. } | FlowElement::OpenHatch { area, .. }, "area") => {
            set_schedule(area, value)
        }
        (FlowElement::Orifice { cd, .. } | FlowElement::OpenHatch { cd, .. }, "cd") => {
            set_schedule(cd, value)
        }
        (FlowElement::PowerLaw { c, .. }, "c") => set_schedule(c, value),
        (FlowElement::PowerLaw { n, .. }, "n") => {
            *n = value;
            Ok(())
        }
        (FlowElement::Linear { k }, "k") => set_schedule(k, value),
        (FlowElement::Fan { flow, .. }, "flow") => set_schedule(flow, value),
        (FlowElement::ViscousCrack { viscosity, .. }, "viscosity") => {
            *viscosity = value;
            Ok(())
        }
        (FlowElement::ViscousCrack { geometry, .. }, f) => {
            let slot = match (geometry, f) {
                (G::Slit { width, .. }, "width") => width,
                (G::Slit { gap, .. }, "gap") => gap,
                (G::Slit { depth, .. }, "depth") => depth,
                (G::Tube { diameter, .. }, "diameter") => diameter,
                (G::Tube { length, .. }, "length") => length,
                _ => return Err(format!("no field '{f}'")),
            };
            *slot = value;
            Ok(())
        }
        (_, f) => Err(format!("no field '{f}'")),
    }
}

// ------------------------------------------------------------------------------------------
// One run

/// The outcome of one run of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub index: usize,
    pub params: Vec<f64>,
    /// `None` where a metric has no value (a threshold never crossed, a failed run).
    pub metrics: Vec<Option<f64>>,
    pub error: Option<String>,
    /// (time, value) of the kept quantity, for the runs that keep one.
    pub trajectory: Option<Vec<(f64, f64)>>,
}

const METRIC_EVENT: &str = "__sweep_metric_";

/// Run number `index` of the sweep.
pub fn run_one(sweep: &Sweep, index: usize, keep_trajectory: bool) -> RunRow {
    let params = sweep.values(index);
    let mut row = RunRow {
        index,
        params: params.clone(),
        metrics: vec![None; sweep.metrics.len()],
        error: None,
        trajectory: None,
    };
    match execute(sweep, &params, keep_trajectory) {
        Ok((metrics, traj)) => {
            row.metrics = metrics;
            row.trajectory = traj;
        }
        Err(e) => row.error = Some(e),
    }
    row
}

struct Recorder<'a> {
    net: &'a Network,
    metrics: &'a [Metric],
    traj: Option<Quantity>,
    /// Per metric: running value.
    values: Vec<Option<f64>>,
    /// Mass of the compartments at the first and the last output.
    mass_first: Option<Vec<f64>>,
    mass_last: Vec<f64>,
    trajectory: Vec<(f64, f64)>,
    last_t: f64,
}

impl Observer for Recorder<'_> {
    fn observe(&mut self, sys: &System<'_>, t: f64, y: &[f64]) {
        let nc = self.net.compartments.len();
        let masses: Vec<f64> = (0..nc)
            .map(|i| sys.quantity(Quantity::Mass(CompartmentId(i)), t, y))
            .collect();
        if self.mass_first.is_none() {
            self.mass_first = Some(masses.clone());
        }
        self.mass_last = masses;
        self.last_t = t;
        for (k, m) in self.metrics.iter().enumerate() {
            let v = &mut self.values[k];
            match m.kind {
                MetricKind::Final(q) => *v = Some(sys.quantity(q, t, y)),
                MetricKind::At(q, at) if t == at => *v = Some(sys.quantity(q, t, y)),
                MetricKind::Min(q) => {
                    let x = sys.quantity(q, t, y);
                    *v = Some(v.map_or(x, |o| o.min(x)));
                }
                MetricKind::Max(q) => {
                    let x = sys.quantity(q, t, y);
                    *v = Some(v.map_or(x, |o| o.max(x)));
                }
                MetricKind::LeakRate(b, at) if at.is_none_or(|a| a == t) => {
                    let mut total = 0.0;
                    for (l, link) in self.net.links.iter().enumerate() {
                        let f = sys.quantity(Quantity::MassFlow(LinkId(l)), t, y);
                        if link.to == NodeId::Boundary(plenum_physics::BoundaryId(b)) {
                            total += f;
                        } else if link.from == NodeId::Boundary(plenum_physics::BoundaryId(b)) {
                            total -= f;
                        }
                    }
                    *v = Some(total * 86_400.0);
                }
                MetricKind::FlowDirection(l) => {
                    let f = sys.quantity(Quantity::MassFlow(LinkId(l)), t, y);
                    *v = Some(f.signum() * if f == 0.0 { 0.0 } else { 1.0 });
                }
                _ => {}
            }
        }
        if let Some(q) = self.traj {
            self.trajectory.push((t, sys.quantity(q, t, y)));
        }
    }
}

type Executed = (Vec<Option<f64>>, Option<Vec<(f64, f64)>>);

fn execute(sweep: &Sweep, params: &[f64], keep_trajectory: bool) -> Result<Executed, String> {
    let mut parts = sweep.base.parts.clone();
    for (p, v) in sweep.params.iter().zip(params) {
        apply(&mut parts, &p.target, *v).map_err(|e| format!("{}: {e}", p.path))?;
    }
    for (k, m) in sweep.metrics.iter().enumerate() {
        if let MetricKind::TimeTo(q, v, dir) = m.kind {
            parts.events.push(Event {
                name: format!("{METRIC_EVENT}{k}"),
                trigger: Trigger::Crosses {
                    quantity: q,
                    threshold: v,
                    direction: dir,
                },
                actions: vec![Action::Log],
                repeat: false,
            });
        }
    }
    let net = Network::new(parts).map_err(|errs| {
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let config = &sweep.base.config;
    let t_end = config.duration_s;
    // Output times: all of them when a metric or trajectory needs the history, else only the
    // times metrics ask for.
    let needs_history = keep_trajectory
        || sweep
            .metrics
            .iter()
            .any(|m| matches!(m.kind, MetricKind::Min(_) | MetricKind::Max(_)));
    let mut times = if needs_history {
        config.output_times()
    } else {
        vec![0.0, t_end]
    };
    for m in &sweep.metrics {
        if let MetricKind::At(_, t) | MetricKind::LeakRate(_, Some(t)) = m.kind {
            times.push(t);
        }
    }
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut rec = Recorder {
        net: &net,
        metrics: &sweep.metrics,
        traj: if keep_trajectory {
            sweep.trajectories.as_ref().map(|t| t.0)
        } else {
            None
        },
        values: vec![None; sweep.metrics.len()],
        mass_first: None,
        mass_last: Vec::new(),
        trajectory: Vec::new(),
        last_t: 0.0,
    };
    let outcome =
        simulate(&net, &config.settings, t_end, &times, &mut rec).map_err(|e| e.to_string())?;
    let mut values = rec.values;
    for (k, m) in sweep.metrics.iter().enumerate() {
        match &m.kind {
            MetricKind::TimeTo(..) => {
                let name = format!("{METRIC_EVENT}{k}");
                values[k] = outcome
                    .events
                    .iter()
                    .find(|e| net.events[e.event.index()].name == name)
                    .map(|e| e.time);
            }
            MetricKind::Reversals(l) => {
                let on_l = |r: &&plenum_physics::Reversal| net.links[r.link.index()].name == *l;
                values[k] = Some(outcome.reversals.iter().filter(on_l).count() as f64);
            }
            MetricKind::FirstReversal(l) => {
                values[k] = outcome
                    .reversals
                    .iter()
                    .find(|r| net.links[r.link.index()].name == *l)
                    .map(|r| r.time);
            }
            MetricKind::MassLost(c) => {
                if let Some(first) = &rec.mass_first {
                    values[k] = Some(match c {
                        Some(i) => first[*i] - rec.mass_last[*i],
                        None => first.iter().sum::<f64>() - rec.mass_last.iter().sum::<f64>(),
                    });
                }
            }
            _ => {}
        }
    }
    let traj = rec.traj.map(|_| rec.trajectory);
    Ok((values, traj))
}

// ------------------------------------------------------------------------------------------
// Executing a sweep

/// Options of `plenum sweep`.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    pub out_dir: PathBuf,
    /// Worker threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Run only shard k of n (1-based).
    pub shard: Option<(usize, usize)>,
    pub resume: bool,
    pub progress: bool,
    /// Stop after this many new runs (to exercise resume in tests); `None`: all.
    pub stop_after: Option<usize>,
    /// Stop starting runs once set (Ctrl-C): the finished rows are kept, in order, and the
    /// sweep ends with [`SweepError::Interrupted`]; `--resume` continues it.
    pub cancel: Option<Cancel>,
}

/// What a sweep produced.
#[derive(Debug, Clone)]
pub struct SweepReport {
    pub runs_file: PathBuf,
    pub total_runs: usize,
    pub shard_runs: usize,
    pub done_before: usize,
    pub completed: usize,
    pub failed: usize,
    pub plots: Vec<PathBuf>,
    pub elapsed_s: f64,
}

/// Errors of a sweep execution (not of its input).
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Rows that cannot be resumed or merged (another sweep's, torn, missing): bad input.
    #[error("{0}")]
    Resume(String),
    #[error("cannot start the thread pool: {0}")]
    Pool(String),
    #[error("plot {0}")]
    Plot(String),
    #[error(transparent)]
    Safety(#[from] SafetyError),
    #[error("interrupted: {done} of {total} runs are in {}; the others were not started or not finished\n  hint: continue with the same command and --resume", runs_file.display())]
    Interrupted {
        done: usize,
        total: usize,
        runs_file: PathBuf,
    },
}

impl SweepError {
    /// The exit code: 2 for input that cannot be used (rows of another sweep, files Plenum
    /// did not write), 130 for an interruption, 1 for a failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            SweepError::Resume(_) => 2,
            SweepError::Safety(e) => e.exit_code(),
            SweepError::Interrupted { .. } => 130,
            _ => 1,
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The runs file name for a shard.
pub fn runs_file_name(shard: Option<(usize, usize)>) -> String {
    match shard {
        Some((k, n)) => format!("runs.shard-{k}-of-{n}.csv"),
        None => "runs.csv".into(),
    }
}

/// The trajectories file name for a shard.
fn trajectories_file_name(shard: Option<(usize, usize)>) -> String {
    match shard {
        Some((k, n)) => format!("trajectories.shard-{k}-of-{n}.csv"),
        None => "trajectories.csv".into(),
    }
}

/// Run indices of shard k of n: a contiguous block, so merging is concatenation.
pub fn shard_range(total: usize, shard: Option<(usize, usize)>) -> std::ops::Range<usize> {
    match shard {
        Some((k, n)) => (k - 1) * total / n..k * total / n,
        None => 0..total,
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(fields);
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn fmt_num(v: f64) -> String {
    format!("{v:e}")
}

fn row_fields(row: &RunRow) -> Vec<String> {
    let mut f = vec![row.index.to_string()];
    f.extend(row.params.iter().map(|v| fmt_num(*v)));
    f.extend(
        row.metrics
            .iter()
            .map(|v| v.map(fmt_num).unwrap_or_default()),
    );
    match &row.error {
        None => {
            f.push("ok".into());
            f.push(String::new());
        }
        Some(e) => {
            f.push("failed".into());
            f.push(e.replace(['\n', '\r'], " "));
        }
    }
    f
}

/// Which runs keep a trajectory: `count` indices spread evenly over all runs.
fn trajectory_runs(sweep: &Sweep) -> Vec<usize> {
    let Some((_, _, count)) = &sweep.trajectories else {
        return Vec::new();
    };
    let n = sweep.len();
    let count = (*count).min(n);
    let mut v: Vec<usize> = (0..count).map(|k| k * n / count.max(1)).collect();
    v.dedup();
    v
}

// ------------------------------------------------------------------------------------------
// The fingerprint of a sweep's outputs

const FINGERPRINT_PREFIX: &str = "# plenum sweep:";

/// What makes two sets of rows parts of the same sweep: the Plenum version, the seed, and
/// the SHA-256 of the sweep file and of its base scenario. It is the first line of every
/// runs file (a `#` comment, which CSV readers configured for comments skip) and is
/// recorded in the sweep directory's manifest; `--resume` and `merge` refuse rows whose
/// fingerprint differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub version: String,
    pub seed: u64,
    pub sweep_sha256: String,
    pub base_sha256: String,
}

impl Fingerprint {
    /// The fingerprint of a loaded sweep, as this Plenum writes it.
    pub fn of(sweep: &Sweep) -> Fingerprint {
        Fingerprint {
            version: env!("CARGO_PKG_VERSION").to_string(),
            seed: sweep.seed,
            sweep_sha256: sweep.sha256.clone(),
            base_sha256: sweep.base.sha256.clone(),
        }
    }

    /// The comment line (without its newline).
    pub fn line(&self) -> String {
        format!(
            "{FINGERPRINT_PREFIX} version={} seed={} sweep_sha256={} base_sha256={}",
            self.version, self.seed, self.sweep_sha256, self.base_sha256
        )
    }

    /// Read a fingerprint line back; `None` when the line is not one.
    pub fn parse(line: &str) -> Option<Fingerprint> {
        let rest = line.strip_prefix(FINGERPRINT_PREFIX)?;
        let mut fp = Fingerprint {
            version: String::new(),
            seed: 0,
            sweep_sha256: String::new(),
            base_sha256: String::new(),
        };
        let mut seen = 0;
        for field in rest.split_whitespace() {
            let (k, v) = field.split_once('=')?;
            match k {
                "version" => fp.version = v.to_string(),
                "seed" => fp.seed = v.parse().ok()?,
                "sweep_sha256" => fp.sweep_sha256 = v.to_string(),
                "base_sha256" => fp.base_sha256 = v.to_string(),
                _ => return None,
            }
            seen += 1;
        }
        (seen == 4).then_some(fp)
    }

    /// What differs between `found` (in a file) and `self` (this sweep), in words.
    pub fn differences(&self, found: &Fingerprint) -> Vec<String> {
        let short = |h: &str| h.chars().take(12).collect::<String>();
        let mut d = Vec::new();
        if found.seed != self.seed {
            d.push(format!("seed {} there, {} here", found.seed, self.seed));
        }
        if found.sweep_sha256 != self.sweep_sha256 {
            d.push(format!(
                "sweep file SHA-256 {}... there, {}... here (the sweep file was changed)",
                short(&found.sweep_sha256),
                short(&self.sweep_sha256)
            ));
        }
        if found.base_sha256 != self.base_sha256 {
            d.push(format!(
                "base scenario SHA-256 {}... there, {}... here (the base scenario was changed)",
                short(&found.base_sha256),
                short(&self.base_sha256)
            ));
        }
        if found.version != self.version {
            d.push(format!(
                "plenum {} there, {} here",
                found.version, self.version
            ));
        }
        d
    }
}

/// The fingerprint on the first line of a runs file, or a refusal that says why not.
fn file_fingerprint(path: &Path, first_line: Option<&str>) -> Result<Fingerprint, SweepError> {
    first_line.and_then(Fingerprint::parse).ok_or_else(|| {
        SweepError::Resume(format!(
            "{}: has no sweep fingerprint on its first line (expected '{FINGERPRINT_PREFIX} version=... seed=...'); it was not written by this version of plenum, so its rows cannot be proven to belong to this sweep\n  hint: run the sweep again without --resume, into another --out",
            path.display()
        ))
    })
}

fn mismatch(path: &Path, what: &str, diffs: &[String]) -> SweepError {
    SweepError::Resume(format!(
        "{}: its rows come from another sweep ({}); {what}\n  hint: use the same sweep file, seed and base scenario, or run this sweep into another --out",
        path.display(),
        diffs.join("; ")
    ))
}

// ------------------------------------------------------------------------------------------
// Running and merging

/// The rows already in a runs file being resumed: checks the fingerprint and the header,
/// and returns (complete rows, length of the complete part); a torn last line (from an
/// interrupted write) is not counted and is cut off by the caller.
fn resume_state(
    path: &Path,
    fingerprint: &Fingerprint,
    columns: &str,
    range: &std::ops::Range<usize>,
) -> Result<(usize, u64), SweepError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    if complete.is_empty() {
        // Killed while writing the first line: nothing to keep.
        return Ok((0, 0));
    }
    let mut lines = complete.lines();
    let found = file_fingerprint(path, lines.next())?;
    let diffs = fingerprint.differences(&found);
    if !diffs.is_empty() {
        return Err(mismatch(path, "nothing was changed", &diffs));
    }
    match lines.next() {
        Some(h) if h == columns.trim_end() => {}
        None => return Ok((0, 0)),
        Some(_) => {
            return Err(SweepError::Resume(format!(
                "{}: its header differs from this sweep's; it belongs to another sweep (choose another --out)",
                path.display()
            )))
        }
    }
    let mut n = 0;
    for line in lines {
        let idx: Option<usize> = line.split(',').next().and_then(|s| s.parse().ok());
        if idx != Some(range.start + n) {
            return Err(SweepError::Resume(format!(
                "{}: row {} is run {:?}, expected run {}; the file is not a prefix of this shard",
                path.display(),
                n + 1,
                idx,
                range.start + n
            )));
        }
        n += 1;
    }
    Ok((n, complete.len() as u64))
}

/// The plot files a finished unsharded sweep draws (base names with .png and .svg).
fn plot_files(sweep: &Sweep) -> Vec<String> {
    let mut v = Vec::new();
    for p in &sweep.plots {
        let base = match p {
            SweepPlotWire::Band => "band".to_string(),
            SweepPlotWire::Histogram(m) => format!("histogram-{m}"),
            SweepPlotWire::Tornado(m) => format!("tornado-{m}"),
            SweepPlotWire::Heatmap { metric, .. } => format!("heatmap-{metric}"),
        };
        v.push(format!("{base}.png"));
        v.push(format!("{base}.svg"));
    }
    v
}

/// Run a sweep (or one shard of it).
///
/// The output directory follows the rule of [`crate::safety`]: it must not exist, be empty,
/// or hold only files a Plenum manifest records. Each writer (the whole sweep, or one shard)
/// keeps its own manifest, which declares the files before they are written, so a sweep
/// killed at any point leaves a directory Plenum can prove is its own and `--resume` can
/// continue.
pub fn run_sweep(sweep: &Sweep, opts: &SweepOptions) -> Result<SweepReport, SweepError> {
    let start = std::time::Instant::now();
    let owned = safety::inspect_dir(&opts.out_dir)?;
    std::fs::create_dir_all(&opts.out_dir).map_err(io_err(&opts.out_dir))?;
    let total = sweep.len();
    let range = shard_range(total, opts.shard);
    let runs_name = runs_file_name(opts.shard);
    let runs_path = opts.out_dir.join(&runs_name);
    let tag = opts.shard.map(|(k, n)| format!("shard-{k}-of-{n}"));
    let manifest = safety::manifest_name(tag.as_deref());
    let kind = if opts.shard.is_some() {
        "sweep-shard"
    } else {
        "sweep"
    };
    let fingerprint = Fingerprint::of(sweep);
    let fp_line = fingerprint.line();
    let fp_fields = fp_line.trim_start_matches(FINGERPRINT_PREFIX).trim();
    let columns = csv_line(&sweep.header());
    let resuming = opts.resume && runs_path.exists();
    let (done_before, complete_len) = if resuming {
        resume_state(&runs_path, &fingerprint, &columns, &range)?
    } else {
        if let Some(o) = &owned {
            safety::remove_recorded(o, &manifest)?;
        }
        (0, 0)
    };
    let traj_name = trajectories_file_name(opts.shard);
    let mut planned = vec![runs_name.clone()];
    if sweep.trajectories.is_some() {
        planned.push(traj_name.clone());
    }
    if opts.shard.is_none() {
        planned.extend(plot_files(sweep));
    }
    safety::record_files(
        &opts.out_dir,
        &manifest,
        kind,
        Some(fp_fields),
        &planned,
        true,
    )?;
    let mut file = if resuming && complete_len > 0 {
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(&runs_path)
            .map_err(io_err(&runs_path))?;
        // Cut a torn last line from an interrupted write.
        f.set_len(complete_len).map_err(io_err(&runs_path))?;
        f
    } else {
        let mut f = std::fs::File::create(&runs_path).map_err(io_err(&runs_path))?;
        f.write_all(format!("{fp_line}\n{columns}").as_bytes())
            .map_err(io_err(&runs_path))?;
        f
    };
    let keep: Vec<usize> = trajectory_runs(sweep);
    let todo_start = range.start + done_before;
    let todo_end = match opts.stop_after {
        Some(n) => (todo_start + n).min(range.end),
        None => range.end,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .map_err(|e| SweepError::Pool(e.to_string()))?;
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new((todo_end - todo_start) as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} runs  {per_sec}  eta {eta}",
        ) {
            b.set_style(style);
        }
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let cancelled = || opts.cancel.as_ref().is_some_and(Cancel::is_set);
    let interrupted = |next: usize| SweepError::Interrupted {
        done: next - range.start,
        total: range.len(),
        runs_file: runs_path.clone(),
    };
    let mut completed = 0;
    let mut failed = 0;
    let traj_path = opts.out_dir.join(&traj_name);
    let mut trajectories: BTreeMap<usize, Vec<(f64, f64)>> = BTreeMap::new();
    let mut next = todo_start;
    while next < todo_end {
        let end = (next + BATCH * pool.current_num_threads().max(1)).min(todo_end);
        let rows: Vec<Option<RunRow>> = pool.install(|| {
            use rayon::prelude::*;
            (next..end)
                .into_par_iter()
                .map(|i| {
                    if cancelled() {
                        return None;
                    }
                    let r = run_one(sweep, i, keep.binary_search(&i).is_ok());
                    bar.inc(1);
                    Some(r)
                })
                .collect()
        });
        // Only the finished rows before the first run not started go in, so the file stays
        // a prefix of the shard in run order.
        let mut chunk = String::new();
        for row in rows.into_iter().map_while(|r| r) {
            if row.error.is_some() {
                failed += 1;
            }
            completed += 1;
            next += 1;
            chunk.push_str(&csv_line(&row_fields(&row)));
            if let Some(t) = row.trajectory {
                trajectories.insert(row.index, t);
            }
        }
        file.write_all(chunk.as_bytes())
            .map_err(io_err(&runs_path))?;
        file.flush().map_err(io_err(&runs_path))?;
        if cancelled() {
            bar.finish_and_clear();
            return Err(interrupted(next));
        }
    }
    bar.finish_and_clear();
    // Trajectories of runs already done before a resume are recomputed (cheap, bounded).
    for &i in keep
        .iter()
        .filter(|i| range.contains(i) && **i < todo_start)
    {
        if let Some(t) = run_one(sweep, i, true).trajectory {
            trajectories.insert(i, t);
        }
    }
    if !trajectories.is_empty() {
        write_trajectories(&traj_path, &trajectories)?;
    }
    if cancelled() {
        return Err(interrupted(next));
    }
    let finished = todo_end == range.end;
    let mut plots = Vec::new();
    if finished && opts.shard.is_none() {
        plots = draw_plots(sweep, &opts.out_dir)?;
    }
    file.sync_all().map_err(io_err(&runs_path))?;
    if finished {
        // Every file now has its final bytes: record their sizes and hashes. (The files of
        // a sweep stopped early stay declared without hashes: its runs file will grow.)
        safety::record_files(
            &opts.out_dir,
            &manifest,
            kind,
            Some(fp_fields),
            &planned,
            false,
        )?;
    }
    Ok(SweepReport {
        runs_file: runs_path,
        total_runs: total,
        shard_runs: range.len(),
        done_before,
        completed,
        failed,
        plots,
        elapsed_s: start.elapsed().as_secs_f64(),
    })
}

fn write_trajectories(path: &Path, t: &BTreeMap<usize, Vec<(f64, f64)>>) -> Result<(), SweepError> {
    let mut s = String::from("run,time_s,value\n");
    for (run, pts) in t {
        for (time, v) in pts {
            let _ = writeln!(s, "{run},{},{}", fmt_num(*time), fmt_num(*v));
        }
    }
    Ok(safety::write_file_atomic(path, s.as_bytes())?)
}

/// The header of a sweep's runs file: the fingerprint line and the column names.
pub fn header_line(sweep: &Sweep) -> String {
    format!(
        "{}\n{}",
        Fingerprint::of(sweep).line(),
        csv_line(&sweep.header())
    )
}

/// Join shard files into one runs file equal to an unsharded sweep's output. Every shard
/// must carry the same fingerprint (and, with the sweep itself, `Some`, this sweep's), end
/// with a complete row, and together hold every run. The output may replace only a file a
/// Plenum manifest beside it records ([`safety::write_owned_file`]).
pub fn merge(
    inputs: &[PathBuf],
    output: &Path,
    sweep: Option<&Sweep>,
) -> Result<usize, SweepError> {
    let mut fingerprint: Option<Fingerprint> = sweep.map(Fingerprint::of);
    let mut header: Option<String> = None;
    let mut rows: BTreeMap<usize, String> = BTreeMap::new();
    for path in inputs {
        let text = std::fs::read_to_string(path).map_err(io_err(path))?;
        if !text.is_empty() && !text.ends_with('\n') {
            return Err(SweepError::Resume(format!(
                "{}: its last row is incomplete (the shard was interrupted while writing it)\n  hint: finish the shard with plenum sweep ... --shard K/N --resume, then merge",
                path.display()
            )));
        }
        let mut lines = text.lines();
        let found = file_fingerprint(path, lines.next())?;
        match &fingerprint {
            None => fingerprint = Some(found),
            Some(fp) => {
                let diffs = fp.differences(&found);
                if !diffs.is_empty() {
                    let what = if sweep.is_some() {
                        format!(
                            "this is not sweep {}",
                            sweep.map_or("", |s| s.file.as_str())
                        )
                    } else {
                        format!("{} is from another sweep", inputs[0].display())
                    };
                    return Err(mismatch(
                        path,
                        &format!("{what}; nothing was written"),
                        &diffs,
                    ));
                }
            }
        }
        let h = match lines.next() {
            Some(h) => h.to_string(),
            None => {
                return Err(SweepError::Resume(format!(
                    "{}: no header line, expected a runs CSV",
                    path.display()
                )))
            }
        };
        match &header {
            None => header = Some(h),
            Some(h0) if *h0 != h => {
                return Err(SweepError::Resume(format!(
                    "{}: its header differs from {}'s; the shards belong to different sweeps",
                    path.display(),
                    inputs[0].display()
                )))
            }
            Some(_) => {}
        }
        for line in lines {
            let idx: usize = line
                .split(',')
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    SweepError::Resume(format!(
                        "{}: a row does not start with a run index",
                        path.display()
                    ))
                })?;
            if rows.insert(idx, line.to_string()).is_some() {
                return Err(SweepError::Resume(format!(
                    "{}: run {idx} appears in more than one shard",
                    path.display()
                )));
            }
        }
    }
    let n = rows.len();
    if let (Some(sw), Some(h)) = (sweep, &header) {
        if csv_line(&sw.header()).trim_end() != h {
            return Err(SweepError::Resume(format!(
                "{}: its header is not that of sweep {}",
                inputs[0].display(),
                sw.file
            )));
        }
    }
    let expected = sweep
        .map(|s| s.len())
        .or(rows.keys().next_back().map(|l| l + 1));
    if let Some(total) = expected {
        if total != n || rows.keys().next_back().is_some_and(|l| l + 1 != total) {
            let missing: Vec<usize> = (0..total)
                .filter(|i| !rows.contains_key(i))
                .take(5)
                .collect();
            return Err(SweepError::Resume(format!(
                "runs {missing:?}{} are missing; merge every shard, after each has finished (--resume finishes an interrupted one)",
                if missing.len() == 5 { "..." } else { "" }
            )));
        }
    }
    let mut out = fingerprint.map(|f| f.line()).unwrap_or_default();
    out.push('\n');
    out.push_str(&header.unwrap_or_default());
    out.push('\n');
    for line in rows.values() {
        out.push_str(line);
        out.push('\n');
    }
    safety::write_owned_file(output, out.as_bytes(), "merge")?;
    Ok(n)
}

/// Draw a sweep's plots into `dir` (`plenum sweep-plot`), which must be a Plenum sweep
/// directory holding nothing else; the plots are declared in its manifest before they are
/// drawn and recorded with their hashes after.
pub fn plot_dir(sweep: &Sweep, dir: &Path) -> Result<Vec<PathBuf>, SweepError> {
    if safety::inspect_dir(dir)?.is_none() {
        return Err(SweepError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        });
    }
    let names = plot_files(sweep);
    let line = Fingerprint::of(sweep).line();
    let fp = line.trim_start_matches(FINGERPRINT_PREFIX).trim();
    let manifest = safety::MANIFEST;
    safety::record_files(dir, manifest, "sweep-plot", Some(fp), &names, true)?;
    let drawn = draw_plots(sweep, dir)?;
    safety::record_files(dir, manifest, "sweep-plot", Some(fp), &names, false)?;
    Ok(drawn)
}

// ------------------------------------------------------------------------------------------
// Plots

/// Columns of a finished runs file: parameter values and metric values (NaN where empty)
/// of the successful runs.
/// Parameter columns and metric columns.
type Columns = (Vec<Vec<f64>>, Vec<Vec<f64>>);

fn read_columns(path: &Path, sweep: &Sweep) -> Result<Columns, SweepError> {
    // The fingerprint line is a `#` comment.
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(path)
        .map_err(|e| SweepError::Resume(e.to_string()))?;
    let np = sweep.params.len();
    let nm = sweep.metrics.len();
    let mut p = vec![Vec::new(); np];
    let mut m = vec![Vec::new(); nm];
    for rec in rdr.records() {
        let rec = rec.map_err(|e| SweepError::Resume(e.to_string()))?;
        if rec.get(1 + np + nm) != Some("ok") {
            continue;
        }
        let num = |i: usize| {
            rec.get(i)
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        for j in 0..np {
            p[j].push(num(1 + j));
        }
        for k in 0..nm {
            m[k].push(num(1 + np + k));
        }
    }
    Ok((p, m))
}

fn display(param: &Param, v: f64) -> f64 {
    crate::units::to_display(v, &param.display_unit, param.dim).unwrap_or(v)
}

/// Display unit and dimension of a metric on plots: pressures and times in the base
/// scenario's display units, everything else as recorded.
fn metric_display(sweep: &Sweep, k: usize) -> (String, Option<Dimension>) {
    let d = &sweep.base.config.display;
    match sweep.metrics[k].unit {
        "Pa" => (d.pressure.clone(), Some(Dimension::Pressure)),
        "s" => (d.time.clone(), Some(Dimension::Time)),
        "K" => (d.temperature.clone(), Some(Dimension::Temperature)),
        u => (u.replace("_per_", "/"), None),
    }
}

/// Draw a sweep's plots from the finished `runs.csv` (and trajectory files) in `dir`.
pub fn draw_plots(sweep: &Sweep, dir: &Path) -> Result<Vec<PathBuf>, SweepError> {
    let (pcols, mut mcols) = read_columns(&dir.join("runs.csv"), sweep)?;
    for (k, col) in mcols.iter_mut().enumerate() {
        if let (unit, Some(dim)) = metric_display(sweep, k) {
            for v in col.iter_mut() {
                *v = crate::units::to_display(*v, &unit, dim).unwrap_or(*v);
            }
        }
    }
    let mut out = Vec::new();
    let perr = |e: plot::PlotError| SweepError::Plot(e.to_string());
    let metric_idx = |name: &str| sweep.metrics.iter().position(|m| m.name == name);
    let param_idx = |path: &str| sweep.params.iter().position(|p| p.path == path);
    let mlabel = |k: usize| format!("{} [{}]", sweep.metrics[k].name, metric_display(sweep, k).0);
    let plabel = |j: usize| {
        format!(
            "{} [{}]",
            sweep.params[j].path, sweep.params[j].display_unit
        )
    };
    for p in &sweep.plots {
        match p {
            SweepPlotWire::Band => {
                // trajectories.csv, or the shards' files after a merge.
                let mut text = String::new();
                let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
                    .map_err(io_err(dir))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("trajectories") && n.ends_with(".csv"))
                    })
                    .collect();
                names.sort();
                for p in &names {
                    let t = std::fs::read_to_string(p).map_err(io_err(p))?;
                    text.extend(t.lines().skip(1).map(|l| format!("{l}\n")));
                }
                if let Some((_, qname, _)) = &sweep.trajectories {
                    if let Some(chart) = band_chart(&text, qname, &sweep.base) {
                        out.extend(
                            plot::write_band_chart(&chart, &dir.join("band")).map_err(perr)?,
                        );
                    }
                }
            }
            SweepPlotWire::Histogram(name) => {
                if let Some(k) = metric_idx(name) {
                    let values: Vec<f64> =
                        mcols[k].iter().copied().filter(|v| v.is_finite()).collect();
                    let chart = plot::Histogram {
                        title: format!("{}: {} over {} runs", sweep.name, name, values.len()),
                        x_label: mlabel(k),
                        values,
                        bins: 30,
                    };
                    out.extend(
                        plot::write_histogram(&chart, &dir.join(format!("histogram-{name}")))
                            .map_err(perr)?,
                    );
                }
            }
            SweepPlotWire::Tornado(name) => {
                if let Some(k) = metric_idx(name) {
                    let bars = sweep
                        .params
                        .iter()
                        .enumerate()
                        .map(|(j, p)| (p.path.clone(), spearman(&pcols[j], &mcols[k])))
                        .filter(|(_, r)| r.is_finite())
                        .collect();
                    let chart = plot::Tornado {
                        title: format!("{}: what drives {}", sweep.name, name),
                        x_label: format!("Spearman rank correlation with {name}"),
                        bars,
                    };
                    out.extend(
                        plot::write_tornado(&chart, &dir.join(format!("tornado-{name}")))
                            .map_err(perr)?,
                    );
                }
            }
            SweepPlotWire::Heatmap { x, y, metric } => {
                if let (Some(jx), Some(jy), Some(k)) =
                    (param_idx(x), param_idx(y), metric_idx(metric))
                {
                    let chart = heatmap(sweep, &pcols, &mcols, jx, jy, k, &plabel, &mlabel);
                    out.extend(
                        plot::write_heatmap(&chart, &dir.join(format!("heatmap-{metric}")))
                            .map_err(perr)?,
                    );
                }
            }
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn heatmap(
    sweep: &Sweep,
    pcols: &[Vec<f64>],
    mcols: &[Vec<f64>],
    jx: usize,
    jy: usize,
    k: usize,
    plabel: &dyn Fn(usize) -> String,
    mlabel: &dyn Fn(usize) -> String,
) -> plot::Heatmap {
    let (px, py) = (&sweep.params[jx], &sweep.params[jy]);
    // Cell centres: the grid values, or 20 bins over the sampled range.
    let centres = |j: usize, p: &Param| -> Vec<f64> {
        match &p.values {
            Values::Discrete(v) if sweep.mode == Mode::Grid => {
                let mut v = v.clone();
                v.sort_by(f64::total_cmp);
                v.dedup();
                v
            }
            _ => {
                let col = &pcols[j];
                let lo = col.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if lo >= hi || lo.is_nan() || hi.is_nan() {
                    return vec![lo];
                }
                // About three samples per cell on average, 4 to 20 cells per axis.
                let bins = ((col.len() as f64 / 3.0).sqrt() as usize).clamp(4, 20);
                (0..bins)
                    .map(|b| {
                        let f = (b as f64 + 0.5) / bins as f64;
                        if p.log && lo > 0.0 {
                            (lo.ln() + f * (hi.ln() - lo.ln())).exp()
                        } else {
                            lo + f * (hi - lo)
                        }
                    })
                    .collect()
            }
        }
    };
    let cx = centres(jx, px);
    let cy = centres(jy, py);
    let nearest = |c: &[f64], v: f64, log: bool| -> usize {
        let key = |x: f64| if log && x > 0.0 { x.ln() } else { x };
        c.iter()
            .enumerate()
            .min_by(|a, b| {
                (key(*a.1) - key(v))
                    .abs()
                    .total_cmp(&(key(*b.1) - key(v)).abs())
            })
            .map_or(0, |(i, _)| i)
    };
    let mut sum = vec![vec![0.0; cx.len()]; cy.len()];
    let mut cnt = vec![vec![0usize; cx.len()]; cy.len()];
    for r in 0..mcols[k].len() {
        let z = mcols[k][r];
        if !z.is_finite() {
            continue;
        }
        let ix = nearest(&cx, pcols[jx][r], px.log);
        let iy = nearest(&cy, pcols[jy][r], py.log);
        sum[iy][ix] += z;
        cnt[iy][ix] += 1;
    }
    let z = sum
        .iter()
        .zip(&cnt)
        .map(|(s, c)| {
            s.iter()
                .zip(c)
                .map(|(s, c)| (*c > 0).then(|| s / *c as f64))
                .collect()
        })
        .collect();
    plot::Heatmap {
        title: format!("{}: {} (mean per cell)", sweep.name, sweep.metrics[k].name),
        x_label: plabel(jx),
        y_label: plabel(jy),
        z_label: mlabel(k),
        x: cx.iter().map(|v| display(px, *v)).collect(),
        y: cy.iter().map(|v| display(py, *v)).collect(),
        z,
        log_x: px.log,
        log_y: py.log,
    }
}

fn band_chart(text: &str, qname: &str, base: &Loaded) -> Option<plot::BandChart> {
    let mut by_run: BTreeMap<usize, Vec<(f64, f64)>> = BTreeMap::new();
    for line in text.lines() {
        let mut it = line.split(',');
        let (Some(r), Some(t), Some(v)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        if let (Ok(r), Ok(t), Ok(v)) = (r.parse(), t.parse::<f64>(), v.parse::<f64>()) {
            by_run.entry(r).or_default().push((t, v));
        }
    }
    let first = by_run.values().next()?.clone();
    let times: Vec<f64> = first.iter().map(|p| p.0).collect();
    let dim_unit = if qname.ends_with("pressure") || qname.contains("partial_pressure") {
        Some((Dimension::Pressure, base.config.display.pressure.clone()))
    } else if qname.ends_with("temperature") {
        Some((
            Dimension::Temperature,
            base.config.display.temperature.clone(),
        ))
    } else {
        None
    };
    let conv = |v: f64| match &dim_unit {
        Some((d, u)) => crate::units::to_display(v, u, *d).unwrap_or(v),
        None => v,
    };
    let tu = base.config.display.time.clone();
    let tconv = |t: f64| crate::units::to_display(t, &tu, Dimension::Time).unwrap_or(t);
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); times.len()];
    for pts in by_run.values() {
        if pts.len() != times.len() {
            continue;
        }
        for (i, (_, v)) in pts.iter().enumerate() {
            cols[i].push(conv(*v));
        }
    }
    let pct = |c: &mut Vec<f64>, p: f64| -> f64 {
        c.sort_by(f64::total_cmp);
        if c.is_empty() {
            return f64::NAN;
        }
        let x = p / 100.0 * (c.len() - 1) as f64;
        let (i, f) = (x.floor() as usize, x - x.floor());
        if i + 1 < c.len() {
            c[i] * (1.0 - f) + c[i + 1] * f
        } else {
            c[i]
        }
    };
    let mut median = Vec::new();
    let mut b5 = (Vec::new(), Vec::new());
    let mut b25 = (Vec::new(), Vec::new());
    for c in cols.iter_mut() {
        median.push(pct(c, 50.0));
        b5.0.push(pct(c, 5.0));
        b5.1.push(pct(c, 95.0));
        b25.0.push(pct(c, 25.0));
        b25.1.push(pct(c, 75.0));
    }
    let unit = dim_unit.map_or("SI".to_string(), |d| d.1);
    Some(plot::BandChart {
        title: format!(
            "{qname}: median and percentile bands of {} runs",
            by_run.len()
        ),
        x_label: format!("time [{tu}]"),
        y_label: format!("{qname} [{unit}]"),
        x: times.iter().map(|t| tconv(*t)).collect(),
        median,
        bands: vec![(5.0, 95.0, b5.0, b5.1), (25.0, 75.0, b25.0, b25.1)],
    })
}

/// Spearman rank correlation (average ranks for ties); NaN pairs are skipped.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    if pairs.len() < 3 {
        return f64::NAN;
    }
    let rx = ranks(&pairs.iter().map(|p| p.0).collect::<Vec<_>>());
    let ry = ranks(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    pearson(&rx, &ry)
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|a, b| v[*a].total_cmp(&v[*b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaced_ranges_hit_their_ends() {
        let v = spaced(2e-8, 2e-7, 40, false);
        assert_eq!(v.len(), 40);
        assert_eq!(v[0], 2e-8);
        assert_eq!(v[39], 2e-7);
        let l = spaced(1e-11, 1e-8, 25, true);
        assert_eq!(l[24], 1e-8);
        assert!((l[12] / 3.1622776601683795e-10 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn spearman_of_monotone_data_is_one() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [10.0, 20.0, 25.0, 100.0];
        assert!((spearman(&x, &y) - 1.0).abs() < 1e-12);
        let z = [4.0, 3.0, 2.0, 1.0];
        assert!((spearman(&x, &z) + 1.0).abs() < 1e-12);
    }

    #[test]
    fn shards_partition_the_runs() {
        let total = 1000;
        let mut seen = Vec::new();
        for k in 1..=3 {
            seen.extend(shard_range(total, Some((k, 3))));
        }
        assert_eq!(seen, (0..total).collect::<Vec<_>>());
    }
}
