//! The sweep file as parsed (wire types) and as checked ([`Sweep`]).

use plenum_physics::{Direction, LinkId, Quantity};
use serde::Deserialize;

use crate::paths::Target;
use crate::sample::{open_unit, run_stream, Distribution};
use crate::scenario::Loaded;
use crate::scenario::{ron_options, Spanned, Wire, Q};
use crate::units::Dimension;

/// Largest sweep run without `--force`.
pub const MAX_RUNS: usize = 100_000;
/// Trajectories kept for the band chart, at most.
pub const MAX_TRAJECTORIES: usize = 200;
/// Runs per thread computed between two writes of `runs.csv`.
pub(super) const BATCH: usize = 64;
/// Consecutive runs per task of a batch (a batch holds BATCH / CHUNK tasks per thread).
pub(super) const CHUNK: usize = 16;

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
    /// `links.NAME.element.FIELD`, `compartments.NAME.volume`, ... (see [`crate::paths::resolve_path`]).
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
    /// An expression over the metrics declared before it, e.g. `"t_1mmHg - t_close"`.
    Derived(Spanned<String>),
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
    Reversals(LinkId),
    FirstReversal(LinkId),
    FlowDirection(usize),
    /// An expression over other metrics (see `derived.rs`); `dim` is its value's.
    Derived {
        expr: crate::units::expr::Expr,
        inputs: Vec<super::derived::Input>,
        dim: crate::units::expr::Dim,
    },
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
    /// SHA-256 of the sweep file's text (part of the [`crate::sweep::Fingerprint`] of its outputs).
    pub sha256: String,
    /// The sweep file's text (for the report).
    pub source: String,
    /// Permutations of the Latin hypercube, one per parameter.
    pub(super) lhs: Vec<Vec<usize>>,
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
        let mut out = Vec::with_capacity(self.params.len());
        self.values_into(index, &mut out);
        out
    }

    /// Parameter values of run `index`, SI, into `out` (replacing what it held).
    pub fn values_into(&self, index: usize, out: &mut Vec<f64>) {
        out.clear();
        match self.mode {
            Mode::Grid => {
                let mut rest = index;
                out.resize(self.params.len(), 0.0);
                for (j, p) in self.params.iter().enumerate().rev() {
                    if let Values::Discrete(v) = &p.values {
                        out[j] = v[rest % v.len()];
                        rest /= v.len();
                    }
                }
            }
            Mode::MonteCarlo(_) => {
                let mut rng = run_stream(self.seed, index as u64);
                out.extend(
                    self.params
                        .iter()
                        .map(|p| pick(&p.values, open_unit(&mut rng))),
                );
            }
            Mode::LatinHypercube(n) => {
                let mut rng = run_stream(self.seed, index as u64);
                out.extend(self.params.iter().enumerate().map(|(j, p)| {
                    let u = (self.lhs[j][index] as f64 + open_unit(&mut rng)) / n as f64;
                    pick(&p.values, u)
                }));
            }
        }
    }

    /// The CSV header of `runs.csv`.
    pub fn header(&self) -> Vec<String> {
        let mut h = vec!["run".to_string()];
        for p in &self.params {
            h.push(format!("{}_{}", p.path, p.unit_tag()));
        }
        for m in &self.metrics {
            h.push(format!("{}_{}", m.name, m.unit));
        }
        h.push("status".into());
        h.push("error".into());
        h
    }
}

pub(super) fn pick(values: &Values, u: f64) -> f64 {
    match values {
        Values::Discrete(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)],
        Values::Random(d) => d.quantile(u),
    }
}

impl Param {
    /// The unit in the column name of `runs.csv`. A PowerLaw's `c` is in m3/(s Pa^n) (n its
    /// exponent), which no dimension names: `m3_per_s_Pa_n`.
    pub fn unit_tag(&self) -> &'static str {
        use crate::paths::{ElementField, ScheduleField};
        match self.target {
            Target::Element {
                field: ElementField::C,
                schedule:
                    None | Some(ScheduleField::Initial | ScheduleField::From | ScheduleField::To),
                ..
            } => "m3_per_s_Pa_n",
            _ => si_unit_tag(self.dim),
        }
    }
}

pub(super) fn si_unit_tag(dim: Dimension) -> &'static str {
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
