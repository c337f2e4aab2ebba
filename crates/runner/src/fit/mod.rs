//! Leak diagnosis: fit hypotheses (variants of a scenario) to sensor readings, compare them,
//! and say which the readings favour (`plenum fit FILE`, `docs/diagnosis.md`).
//!
//! ```ron
//! Fit(
//!     name: "march-2021",
//!     scenario: "prk-decay.ron",
//!     readings: [(file: "march-2021.csv", quantity: "prk.pressure",
//!                 resolution: "1 mmHg", noise: "0.3 mmHg")],
//!     hypotheses: [
//!         (name: "orifice", free: [(path: "links.crack.element.area",
//!             lower: "0.001 mm2", upper: "10 mm2", guess: "0.05 mm2", log: true)]),
//!         (name: "laminar", variant: "laminar", free: [(path: "parameters.gap",
//!             lower: "0.1 um", upper: "100 um", guess: "3 um", log: true)]),
//!     ],
//! )
//! ```
//!
//! A hypothesis is the base scenario or one of the variants it declares
//! ([`crate::scenario::variants`]), with free parameters by path (any parameter path of
//! `docs/paths.md`, including `parameters.NAME`). Each is fitted by weighted least squares
//! (Levenberg-Marquardt, several deterministic starts), its uncertainty read from the
//! Jacobian, and the hypotheses compared by AICc, BIC and Akaike weights ([`solve`],
//! [`stats`]). [`write`] writes the results directory.
//!
//! [`predict`] projects each fitted hypothesis forward with uncertainty (an ensemble drawn
//! from its fitted parameter distribution). It does not design tests (issue 9 point 5).

pub mod handoff;
pub mod model;
pub mod predict;
pub mod predict_out;
pub mod profile_out;
pub mod readings;
pub mod report;
pub mod solve;
pub mod stats;
#[cfg(test)]
mod tests;
pub mod write;

use std::path::{Path, PathBuf};

use plenum_physics::Quantity;
use serde::Deserialize;

use crate::config::Sensor;
use crate::paths::{self, resolve_path_in, Target};
use crate::scenario::variants::VariantWire;
use crate::scenario::wire::{ron_options, ScenarioWire};
use crate::scenario::Loaded;
use crate::units::{self, Dimension};

pub use model::Model;
pub use solve::{fit_all, FitOptions, FitResult, HypothesisFit};

/// A fit file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Fit", deny_unknown_fields)]
pub struct FitWire {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The base scenario, relative to the fit file.
    pub scenario: String,
    /// Seed of the multi-start points (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Starts per hypothesis besides the guess (default 4).
    #[serde(default)]
    pub starts: Option<usize>,
    /// Profile-likelihood intervals (default true).
    #[serde(default)]
    pub profile: Option<bool>,
    /// The criterion whose weights decide the verdict: `BIC` (default) or `AICc`.
    #[serde(default)]
    pub criterion: Option<stats::Criterion>,
    pub readings: Vec<ReadingsWire>,
    pub hypotheses: Vec<HypothesisWire>,
    /// Predictions with uncertainty ([`predict`]).
    #[serde(default)]
    pub predict: Option<crate::scenario::Spanned<predict::PredictWire>>,
}

/// One readings file and its sensor.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Readings", deny_unknown_fields)]
pub struct ReadingsWire {
    /// The CSV file, relative to the fit file.
    pub file: String,
    /// What it reads: a quantity path (`prk.pressure`, `station.partial_pressure.N2`).
    pub quantity: String,
    /// Quantisation step, e.g. "1 mmHg" (default none).
    #[serde(default)]
    pub resolution: Option<String>,
    /// Standard deviation of the noise (default none).
    #[serde(default)]
    pub noise: Option<String>,
    /// Known offset of the gauge: it reads the true value plus this (default 0).
    #[serde(default)]
    pub bias: Option<String>,
    /// Unit of bare numbers in the time column when its header has none.
    #[serde(default)]
    pub time_unit: Option<String>,
    /// Unit of bare numbers in the value column when its header has none.
    #[serde(default)]
    pub unit: Option<String>,
    /// ISO 8601 timestamp of the scenario's time 0 (for timestamped readings).
    #[serde(default)]
    pub start: Option<String>,
}

/// One hypothesis as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Hypothesis", deny_unknown_fields)]
pub struct HypothesisWire {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// A variant the base scenario declares (default: the base itself).
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub free: Vec<FreeWire>,
}

/// One free parameter as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Free", deny_unknown_fields)]
pub struct FreeWire {
    pub path: String,
    pub lower: String,
    pub upper: String,
    pub guess: String,
    /// Fit the logarithm (for positive parameters spanning decades).
    #[serde(default)]
    pub log: bool,
}

/// A readings file, read and checked.
#[derive(Debug, Clone)]
pub struct Readings {
    /// As the fit file names it.
    pub file: String,
    pub path: PathBuf,
    pub sha256: String,
    pub quantity: String,
    pub dim: Dimension,
    /// The unit values are shown in (the file's value unit, else SI).
    pub unit: String,
    pub sensor: Sensor,
    pub times: Vec<f64>,
    pub values: Vec<f64>,
}

impl Readings {
    /// Standard deviation of one reading: noise and quantisation (a uniform error of one
    /// step has variance step^2/12).
    pub fn sigma(&self) -> f64 {
        (self.sensor.noise.powi(2) + self.sensor.resolution.powi(2) / 12.0).sqrt()
    }
}

/// A free parameter, checked.
#[derive(Debug, Clone)]
pub struct Free {
    pub path: String,
    pub target: Target,
    pub dim: Dimension,
    /// SI.
    pub lower: f64,
    pub upper: f64,
    pub guess: f64,
    pub log: bool,
}

/// A hypothesis, checked.
#[derive(Debug, Clone)]
pub struct Hypothesis {
    pub name: String,
    pub description: Option<String>,
    pub variant: Option<String>,
    /// The variant's overrides as written in the base scenario (set again with the named
    /// free parameters at every run).
    pub variant_wire: Option<VariantWire>,
    /// The scenario the hypothesis is (the base with the variant applied).
    pub loaded: Loaded,
    pub free: Vec<Free>,
    /// Each readings file's quantity in this hypothesis's network.
    pub quantities: Vec<Quantity>,
}

/// A fit file, read and checked.
#[derive(Debug, Clone)]
pub struct Fit {
    pub name: String,
    pub description: Option<String>,
    pub file: String,
    pub sha256: String,
    pub seed: u64,
    pub starts: usize,
    pub profile: bool,
    /// The criterion whose weights decide the verdict.
    pub criterion: stats::Criterion,
    pub base: Loaded,
    pub readings: Vec<Readings>,
    pub hypotheses: Vec<Hypothesis>,
    /// The checked `predict` section, if any.
    pub predict: Option<predict::PredictSpec>,
}

/// Every problem of a fit file, each one line (`file:line: ...` or `file: item: ...`).
#[derive(Debug, Clone, PartialEq)]
pub struct FitProblems(pub Vec<String>);

impl std::fmt::Display for FitProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::diag::write_problems(f, &self.0, "nothing was fitted")
    }
}

impl std::error::Error for FitProblems {}

/// Read and check a fit file, its scenario and its readings. Every problem is reported.
pub fn load_fit(path: &Path) -> Result<Fit, FitProblems> {
    let shown = path.display().to_string();
    let one = |m: String| FitProblems(vec![m]);
    let bytes = std::fs::read(path).map_err(|e| one(format!("{shown}: cannot read: {e}")))?;
    let text =
        String::from_utf8(bytes.clone()).map_err(|_| one(format!("{shown}: not UTF-8 text")))?;
    let wire: FitWire = ron_options().from_str(&text).map_err(|e| {
        one(format!(
            "{shown}:{}:{}: {}; expected Fit(name: ..., scenario: ..., readings: [...], hypotheses: [...])",
            e.span.start.line, e.span.start.col, e.code
        ))
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let scenario_path = dir.join(&wire.scenario);
    let base = crate::scenario::load(&scenario_path).map_err(|d| {
        let mut list = vec![format!(
            "{shown}: scenario '{}' is not valid:",
            wire.scenario
        )];
        list.push(d.to_string());
        FitProblems(list)
    })?;
    let mut problems = Vec::new();
    let readings = read_all(&wire, dir, &shown, &base, &mut problems);
    let hypotheses = check_hypotheses(&wire, &shown, &base, &readings, &mut problems);
    if wire.hypotheses.is_empty() {
        problems.push(format!("{shown}: no hypotheses; expected at least one"));
    }
    if wire.readings.is_empty() {
        problems.push(format!("{shown}: no readings; expected at least one file"));
    }
    let seed = wire.seed.unwrap_or(1);
    let predict = (wire.predict.as_ref()).and_then(|p| {
        predict::check(
            &text,
            &shown,
            p,
            &readings,
            &hypotheses,
            seed,
            &mut problems,
        )
    });
    if !problems.is_empty() {
        return Err(FitProblems(problems));
    }
    Ok(Fit {
        name: wire.name,
        description: wire.description,
        file: shown,
        sha256: crate::output::safety::sha256_hex(text.as_bytes()),
        seed: wire.seed.unwrap_or(1),
        starts: wire.starts.unwrap_or(4),
        profile: wire.profile.unwrap_or(true),
        criterion: wire.criterion.unwrap_or_default(),
        base,
        readings,
        hypotheses,
        predict,
    })
}

fn quantity_text(q: &str, dim: Dimension, what: &str) -> Result<f64, String> {
    units::parse_quantity(q, dim).map_err(|e| format!("{what} '{q}': {e}"))
}

fn read_all(
    wire: &FitWire,
    dir: &Path,
    shown: &str,
    base: &Loaded,
    problems: &mut Vec<String>,
) -> Vec<Readings> {
    let mut out = Vec::new();
    for (i, r) in wire.readings.iter().enumerate() {
        let item = format!("{shown}: readings {} ('{}')", i + 1, r.file);
        let dim = match paths::quantity(&r.quantity, &base.network) {
            Ok((_, d)) => d,
            Err(e) => {
                problems.push(format!("{item}: quantity '{}': {}", r.quantity, e.message));
                continue;
            }
        };
        let mut sensor = Sensor::default();
        for (field, slot) in [
            (&r.resolution, &mut sensor.resolution),
            (&r.noise, &mut sensor.noise),
            (&r.bias, &mut sensor.bias),
        ] {
            if let Some(t) = field {
                match quantity_text(t, dim, "sensor value") {
                    Ok(x) => *slot = x,
                    Err(e) => problems.push(format!("{item}: {e}")),
                }
            }
        }
        if sensor.resolution < 0.0 || sensor.noise < 0.0 {
            problems.push(format!("{item}: resolution and noise must be >= 0"));
        }
        if sensor.resolution == 0.0 && sensor.noise == 0.0 {
            problems.push(format!(
                "{item}: the sensor has neither noise nor resolution, so its readings have no stated uncertainty; expected noise: \"...\" and/or resolution: \"...\""
            ));
        }
        let start = match &r.start {
            Some(s) => match readings::timestamp(s) {
                Some(t) => Some(t),
                None => {
                    problems.push(format!(
                        "{item}: start '{s}' is not an ISO 8601 timestamp; expected e.g. \"2021-03-12T08:00:00Z\""
                    ));
                    continue;
                }
            },
            None => None,
        };
        let path = dir.join(&r.file);
        let cols = readings::Columns {
            time_unit: r.time_unit.as_deref(),
            value_unit: r.unit.as_deref(),
            start,
        };
        let file_shown = path.display().to_string();
        let series = match readings::read(&path, dim, &cols) {
            Ok(s) => s,
            Err(errs) => {
                for e in errs {
                    problems.push(format!("{file_shown}:{}: {}", e.line, e.message));
                }
                continue;
            }
        };
        let sha256 = std::fs::read(&path)
            .map(|b| crate::output::safety::sha256_hex(&b))
            .unwrap_or_default();
        let unit = r
            .unit
            .clone()
            .or_else(|| header_unit(&path))
            .filter(|u| units::unit_factor(u, dim).is_ok())
            .unwrap_or_else(|| dim.si_unit().to_string());
        out.push(Readings {
            file: r.file.clone(),
            path,
            sha256,
            quantity: r.quantity.clone(),
            dim,
            unit,
            sensor,
            times: series.times,
            values: series.values,
        });
    }
    out
}

/// The unit in the header of the value column, if it names one.
fn header_unit(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let header = text
        .lines()
        .find(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())?;
    let col = header.split(',').nth(1)?.trim();
    col.split_once('_').map(|(_, u)| u.to_string())
}

pub(crate) fn check_hypotheses(
    wire: &FitWire,
    shown: &str,
    base: &Loaded,
    readings: &[Readings],
    problems: &mut Vec<String>,
) -> Vec<Hypothesis> {
    let variants = ScenarioWire::parse(&base.source)
        .map(|w| w.variants)
        .unwrap_or_default();
    let declared: Vec<(String, VariantWire)> = variants
        .iter()
        .filter_map(|v| v.get())
        .filter_map(|v| v.name.get().map(|n| (n.clone(), v.clone())))
        .collect();
    let mut out = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for h in &wire.hypotheses {
        let item = format!("{shown}: hypothesis '{}'", h.name);
        if names.contains(&h.name.as_str()) {
            problems.push(format!(
                "{item}: is declared twice; expected each hypothesis with its own name"
            ));
            continue;
        }
        if h.name.is_empty()
            || !h
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            problems.push(format!(
                "{item}: expected a name of letters, digits, '-' and '_'"
            ));
            continue;
        }
        names.push(&h.name);
        let (variant_wire, loaded) = match &h.variant {
            None => (None, base.clone()),
            Some(v) => match declared.iter().find(|(n, _)| n == v) {
                None => {
                    let list: Vec<&str> = declared.iter().map(|(n, _)| n.as_str()).collect();
                    problems.push(format!(
                        "{item}: variant '{v}' is not declared in the scenario; expected one of: {}",
                        if list.is_empty() { "(it declares none)".to_string() } else { list.join(", ") }
                    ));
                    continue;
                }
                Some((_, vw)) => match crate::scenario::variants::apply_variant(base, vw) {
                    Ok(l) => (Some(vw.clone()), l),
                    Err(d) => {
                        problems.push(format!("{item}: variant '{v}' is not valid:\n{d}"));
                        continue;
                    }
                },
            },
        };
        let mut free = Vec::new();
        for f in &h.free {
            let fi = format!("{item}, free '{}'", f.path);
            let (target, dim) = match resolve_path_in(&loaded.parts, &loaded.parameters, &f.path) {
                Ok(t) => t,
                Err(e) => {
                    let exp = e
                        .expected
                        .map(|x| format!("; expected {x}"))
                        .unwrap_or_default();
                    problems.push(format!("{fi}: {}{exp}", e.message));
                    continue;
                }
            };
            if free.iter().any(|g: &Free| g.path == f.path) {
                problems.push(format!("{fi}: is free twice"));
                continue;
            }
            let vals: Vec<Result<f64, String>> = [
                (&f.lower, "lower"),
                (&f.upper, "upper"),
                (&f.guess, "guess"),
            ]
            .iter()
            .map(|(t, w)| quantity_text(t, dim, w))
            .collect();
            let [lo, hi, g] = [&vals[0], &vals[1], &vals[2]];
            match (lo, hi, g) {
                (Ok(lo), Ok(hi), Ok(g)) => {
                    if lo >= hi || g < lo || g > hi {
                        problems.push(format!(
                            "{fi}: expected lower < upper and the guess between them"
                        ));
                    } else if f.log && *lo <= 0.0 {
                        problems.push(format!("{fi}: log scale needs lower > 0"));
                    } else {
                        free.push(Free {
                            path: f.path.clone(),
                            target,
                            dim,
                            lower: *lo,
                            upper: *hi,
                            guess: *g,
                            log: f.log,
                        });
                    }
                }
                _ => {
                    for e in vals.iter().filter_map(|v| v.as_ref().err()) {
                        problems.push(format!("{fi}: {e}"));
                    }
                }
            }
        }
        if h.free.is_empty() {
            problems.push(format!("{item}: no free parameters; expected at least one"));
        }
        let mut quantities = Vec::new();
        for r in readings {
            match paths::quantity(&r.quantity, &loaded.network) {
                Ok((q, _)) => quantities.push(q),
                Err(e) => {
                    problems.push(format!("{item}: quantity '{}': {}", r.quantity, e.message))
                }
            }
        }
        out.push(Hypothesis {
            name: h.name.clone(),
            description: h.description.clone(),
            variant: h.variant.clone(),
            variant_wire,
            loaded,
            free,
            quantities,
        });
    }
    out
}
