//! Test design: which procedure tells rival leak hypotheses apart soonest (`plenum design
//! FILE`, `docs/diagnosis.md`, "Test design").
//!
//! ```ron
//! Design(
//!     name: "design-2025",
//!     scenario: "prk-2025.ron",
//!     confidence: 0.95,
//!     sensors: [(quantity: "prk.pressure", resolution: "1 mmHg", noise: "0.3 mmHg",
//!                interval: "10 min")],
//!     hypotheses: [
//!         (name: "sealed", variant: "sealed"),
//!         (name: "seal_fed", variant: "seal_fed"),
//!     ],
//!     procedures: [
//!         (name: "watch", window: "2 day"),
//!         (name: "vent", window: "2 day", events: [
//!             (name: "vent_open", when: At("0 s"), action: Open("vent")),
//!             (name: "vent_close", when: Crosses(quantity: "prk.pressure", below: "300 mmHg"),
//!              action: Close("vent")),
//!         ]),
//!     ],
//! )
//! ```
//!
//! A hypothesis is the base scenario or one of its variants, with values stated by path
//! (`set`) and optionally free parameters (bounds and a guess, as in a fit) against which a
//! rival is refitted for the T-optimal score. A procedure is a set of overrides in the form
//! of a variant (`set`, `remove`, `links`, `sources`, `events`) applied on top of every
//! hypothesis, and a window to watch. [`compute`] predicts every hypothesis's readings
//! under every procedure with the fit's model ([`crate::fit::Model`]) and scores each pair;
//! [`write`] writes the results directory.

pub mod compute;
pub mod fitted;
pub mod write;

use std::path::Path;

use plenum_physics::Quantity;
use serde::Deserialize;

use crate::config::Sensor;
use crate::diag::{Diagnostic, Location, Span};
use crate::fit::{FitWire, Free, FreeWire, Hypothesis, HypothesisWire, Readings};
use crate::paths::{self, resolve_path_in};
use crate::scenario::variants::{apply_variant, VariantWire};
use crate::scenario::wire::{
    ron_options, EventWire, LinkWire, NamedValues, ScenarioWire, SourceWire, Spanned, Wire,
};
use crate::scenario::{Loaded, Q};
use crate::units::{self, Dimension};

pub use compute::{design_all, DesignResult, PairResult, ProcedureResult};

/// The confidence of the separation test when the file gives none.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// A design file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Design", deny_unknown_fields)]
pub struct DesignWire {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The base scenario, relative to the design file.
    pub scenario: String,
    /// Confidence of the separation test (default 0.95).
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Seed of the rival refits' starting points (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Latin-hypercube starts of a rival refit besides the guess (default 2).
    #[serde(default)]
    pub starts: Option<usize>,
    pub sensors: Vec<Spanned<SensorWire>>,
    pub hypotheses: Vec<Spanned<DesignHypothesisWire>>,
    pub procedures: Vec<Spanned<ProcedureWire>>,
}

/// A sensor as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Sensor", deny_unknown_fields)]
pub struct SensorWire {
    /// A quantity path: `prk.pressure`, `station.partial_pressure.N2`.
    pub quantity: String,
    #[serde(default)]
    pub resolution: Option<String>,
    #[serde(default)]
    pub noise: Option<String>,
    #[serde(default)]
    pub bias: Option<String>,
    /// Time between readings.
    pub interval: String,
}

/// A hypothesis as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Hypothesis", deny_unknown_fields)]
pub struct DesignHypothesisWire {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// A variant the base scenario declares (default: the base itself, or the fit's).
    #[serde(default)]
    pub variant: Option<String>,
    /// A fit result (`fit.json`, relative to the design file) this hypothesis is taken from:
    /// its variant, its best values and their covariance.
    #[serde(default)]
    pub fit: Option<Spanned<String>>,
    /// The hypothesis's name in the fit result (default: `name`).
    #[serde(default)]
    pub hypothesis: Option<String>,
    /// Values stated by path, over the variant's (and over the fitted values).
    #[serde(default)]
    pub set: Option<Spanned<NamedValues>>,
    /// Free parameters: a rival refitted to the other's predicted readings (T-optimal).
    #[serde(default)]
    pub free: Vec<FreeWire>,
}

/// A test procedure as written: overrides applied on top of every hypothesis.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Procedure", deny_unknown_fields)]
pub struct ProcedureWire {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// How long to watch from the start of the procedure.
    pub window: String,
    #[serde(default)]
    pub set: Option<Spanned<NamedValues>>,
    #[serde(default)]
    pub remove: Vec<Spanned<String>>,
    #[serde(default)]
    pub links: Vec<Spanned<LinkWire>>,
    #[serde(default)]
    pub sources: Vec<Spanned<SourceWire>>,
    #[serde(default)]
    pub events: Vec<Spanned<EventWire>>,
}

macro_rules! wire_from_ron {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn parse_wire(text: &str) -> Result<Self, ron::error::SpannedError> {
                ron_options().from_str(text)
            }
        }
    )*};
}
wire_from_ron!(SensorWire, DesignHypothesisWire, ProcedureWire);

/// A sensor, checked.
#[derive(Debug, Clone)]
pub struct DesignSensor {
    pub quantity: String,
    pub dim: Dimension,
    /// The unit readings are shown in (the unit of the resolution or noise as written).
    pub unit: String,
    pub sensor: Sensor,
    /// Seconds between readings.
    pub interval: f64,
}

impl DesignSensor {
    /// Standard deviation of one reading, as the fit takes it: noise^2 + resolution^2/12.
    pub fn sigma(&self) -> f64 {
        (self.sensor.noise.powi(2) + self.sensor.resolution.powi(2) / 12.0).sqrt()
    }
}

/// A hypothesis, checked.
#[derive(Debug, Clone)]
pub struct DesignHypothesis {
    pub name: String,
    pub description: Option<String>,
    pub variant: Option<String>,
    /// Free parameters (targets resolved for each procedure in [`Case::frame`]).
    pub free: Vec<Free>,
    /// Where the hypothesis was taken from a fit: its best values and their covariance.
    pub fitted: Option<fitted::Fitted>,
}

/// A procedure, checked.
#[derive(Debug, Clone)]
pub struct Procedure {
    pub name: String,
    pub description: Option<String>,
    /// Seconds watched.
    pub window: f64,
}

/// One hypothesis under one procedure: a fit frame holding the sensors' reading times
/// and the hypothesis with the procedure applied, which [`crate::fit::Model`] runs.
#[derive(Debug, Clone)]
pub struct Case {
    pub procedure: usize,
    pub hypothesis: usize,
    pub frame: crate::fit::Fit,
    /// The fitted parameters still uncertain in this case (a fitted hypothesis's, less those
    /// a `set` of the hypothesis or the procedure states), at their best values, with the
    /// fit's bounds; their targets resolved in the case's scenario.
    pub fitted: Vec<Free>,
    /// The covariance of `fitted` in the fitted coordinates (ln x for a log parameter).
    pub covariance: Vec<Vec<f64>>,
}

/// A design file, read and checked.
#[derive(Debug, Clone)]
pub struct Design {
    pub name: String,
    pub description: Option<String>,
    pub file: String,
    pub sha256: String,
    pub base: Loaded,
    pub confidence: f64,
    /// The two-sided normal quantile z_(1 - alpha/2) of the confidence.
    pub z: f64,
    pub seed: u64,
    pub starts: usize,
    pub sensors: Vec<DesignSensor>,
    pub hypotheses: Vec<DesignHypothesis>,
    pub procedures: Vec<Procedure>,
    /// Procedure-major: `cases[p * hypotheses.len() + h]`.
    pub cases: Vec<Case>,
}

impl Design {
    pub fn case(&self, procedure: usize, hypothesis: usize) -> &Case {
        &self.cases[procedure * self.hypotheses.len() + hypothesis]
    }

    /// The difference of predicted readings the sensor resolves (see [`threshold`]).
    pub fn threshold(&self, sensor: usize) -> f64 {
        threshold(self.z, self.sensors[sensor].sigma())
    }
}

/// Two predicted readings are told apart when they differ by more than
/// z_(1 - alpha/2) sqrt(2) sigma_eff: a two-sided test at the design's confidence on the
/// difference of two readings of the gauge, each with variance sigma_eff^2 =
/// noise^2 + resolution^2/12 (the fit's likelihood).
pub fn threshold(z: f64, sigma: f64) -> f64 {
    z * std::f64::consts::SQRT_2 * sigma
}

/// Every problem of a design file, each one line or a located block.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignProblems(pub Vec<String>);

impl std::fmt::Display for DesignProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::diag::write_problems(f, &self.0, "nothing was run")
    }
}

impl std::error::Error for DesignProblems {}

/// Where things are in the design file, for messages.
struct Here<'a> {
    shown: &'a str,
    text: &'a str,
}

impl Here<'_> {
    fn loc(&self, span: Span) -> Option<Location> {
        span.range_in(self.text)
            .map(|r| Location::of_range(self.text, r.start, r.end))
    }

    /// `file:line:col: item: message` (the item's place when `span` points into the file).
    fn at(&self, span: Span, item: &str, message: impl std::fmt::Display) -> String {
        match self.loc(span) {
            Some(l) => format!("{}:{}:{}: {item}: {message}", self.shown, l.line, l.col),
            None => format!("{}: {item}: {message}", self.shown),
        }
    }

    /// A diagnostic of the merged scenario: where it is located, in the scenario file;
    /// otherwise (a design-file value) at `span` of the design file.
    fn diagnostic(&self, scenario: &str, d: &Diagnostic, span: Span, item: &str) -> String {
        let mut s = match &d.location {
            Some(l) => format!("{scenario}:{}:{}: {item}: {d}", l.line, l.col),
            None => self.at(span, item, d),
        };
        if let Some(e) = &d.expected {
            s.push_str(&format!("; expected {e}"));
        }
        if let Some(h) = &d.hint {
            s.push_str(&format!(" ({h})"));
        }
        s
    }

    fn wire_error<T>(&self, v: &Spanned<T>, what: &str) -> Option<String> {
        v.value.as_ref().err().map(|e| {
            let span = if e.at.range_in(self.text).is_some() {
                e.at
            } else {
                v.span
            };
            self.at(
                span,
                what,
                format!("{}; expected {what} as docs/diagnosis.md shows", e.error),
            )
        })
    }
}

/// Read and check a design file, its scenario, and every hypothesis under every procedure.
pub fn load_design(path: &Path) -> Result<Design, DesignProblems> {
    let shown = path.display().to_string();
    let one = |m: String| DesignProblems(vec![m]);
    let bytes = std::fs::read(path).map_err(|e| one(format!("{shown}: cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| one(format!("{shown}: not UTF-8 text")))?;
    let wire: DesignWire = ron_options().from_str(&text).map_err(|e| {
        one(format!(
            "{shown}:{}:{}: {}; expected Design(name: ..., scenario: ..., sensors: [...], hypotheses: [...], procedures: [...])",
            e.span.start.line, e.span.start.col, e.code
        ))
    })?;
    let here = Here {
        shown: &shown,
        text: &text,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let base = crate::scenario::load(&dir.join(&wire.scenario)).map_err(|d| {
        DesignProblems(vec![
            format!("{shown}: scenario '{}' is not valid:", wire.scenario),
            d.to_string(),
        ])
    })?;
    let mut problems = Vec::new();
    let confidence = wire.confidence.unwrap_or(DEFAULT_CONFIDENCE);
    if !(confidence > 0.0 && confidence < 1.0) {
        problems.push(format!(
            "{shown}: confidence {confidence} is out of range; expected a probability between 0 and 1, e.g. 0.95"
        ));
    }
    let sensors = check_sensors(&wire, &here, &base, &mut problems);
    let declared = declared_variants(&base);
    let hyps = check_hypotheses(&wire, &here, dir, &base, &declared, &mut problems);
    let procs = check_procedures(&wire, &here, &mut problems);
    for (what, n, least) in [
        ("sensors", wire.sensors.len(), 1),
        ("hypotheses", wire.hypotheses.len(), 2),
        ("procedures", wire.procedures.len(), 1),
    ] {
        if n < least {
            problems.push(format!("{shown}: {n} {what}; expected at least {least}"));
        }
    }
    if !problems.is_empty() {
        return Err(DesignProblems(problems));
    }
    let mut cases = Vec::new();
    for (p, (pw, proc)) in procs.iter().enumerate() {
        for (h, (hw, hyp)) in hyps.iter().enumerate() {
            let merged = merge(&declared, hw.get(), hyp, pw.get());
            let (Some(hwv), Some(pwv)) = (hw.get(), pw.get()) else {
                continue;
            };
            let overrides = !(pwv.set.is_none()
                && pwv.remove.is_empty()
                && pwv.links.is_empty()
                && pwv.sources.is_empty()
                && pwv.events.is_empty());
            let span = if overrides { pw.span } else { hw.span };
            let item = format!("hypothesis '{}' under procedure '{}'", hwv.name, pwv.name);
            let loaded = match apply_variant(&base, &merged) {
                Ok(l) => l,
                Err(d) => {
                    for x in &d.list {
                        problems.push(here.diagnostic(&base.file, x, span, &item));
                    }
                    continue;
                }
            };
            let (fitted, covariance) = uncertain(hyp, hwv, pwv, &loaded);
            match frame(&base, loaded, merged, hyp, proc, &sensors) {
                Ok(f) => cases.push(Case {
                    procedure: p,
                    hypothesis: h,
                    frame: f,
                    fitted,
                    covariance,
                }),
                Err(list) => problems.extend(list.into_iter().map(|m| here.at(span, &item, m))),
            }
        }
    }
    if !problems.is_empty() {
        return Err(DesignProblems(problems));
    }
    Ok(Design {
        name: wire.name.clone(),
        description: wire.description.clone(),
        file: shown.clone(),
        sha256: crate::output::safety::sha256_hex(text.as_bytes()),
        base,
        confidence,
        z: crate::sample::normal_quantile(1.0 - (1.0 - confidence) / 2.0),
        seed: wire.seed.unwrap_or(1),
        starts: wire.starts.unwrap_or(2),
        sensors,
        hypotheses: hyps.into_iter().map(|(_, h)| h).collect(),
        procedures: procs.into_iter().map(|(_, p)| p).collect(),
        cases,
    })
}

fn declared_variants(base: &Loaded) -> Vec<VariantWire> {
    ScenarioWire::parse(&base.source)
        .map(|w| w.variants)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.get().cloned())
        .collect()
}

fn check_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A value with a unit in `dim`; the unit written, for display.
fn quantity(text: &str, dim: Dimension) -> Result<(f64, Option<String>), String> {
    let x = units::parse_quantity(text, dim).map_err(|e| format!("'{text}': {e}"))?;
    let unit = text
        .split_once(char::is_whitespace)
        .map(|(_, u)| u.trim().to_string())
        .filter(|u| units::unit_factor(u, dim).is_ok());
    Ok((x, unit))
}

fn check_sensors(
    wire: &DesignWire,
    here: &Here<'_>,
    base: &Loaded,
    problems: &mut Vec<String>,
) -> Vec<DesignSensor> {
    let mut out = Vec::new();
    for (i, sw) in wire.sensors.iter().enumerate() {
        let item = format!("sensor {}", i + 1);
        if let Some(e) = here.wire_error(sw, "a sensor") {
            problems.push(e);
            continue;
        }
        let Some(s) = sw.get() else { continue };
        let item = format!("{item} ('{}')", s.quantity);
        let mut bad = |m: String| problems.push(here.at(sw.span, &item, m));
        let dim = match paths::quantity(&s.quantity, &base.network) {
            Ok((_, d)) => d,
            Err(e) => {
                bad(format!("quantity: {}", e.message));
                continue;
            }
        };
        let mut sensor = Sensor::default();
        let mut unit = None;
        for (name, field, slot) in [
            ("resolution", &s.resolution, &mut sensor.resolution),
            ("noise", &s.noise, &mut sensor.noise),
            ("bias", &s.bias, &mut sensor.bias),
        ] {
            if let Some(t) = field {
                match quantity(t, dim) {
                    Ok((x, u)) => {
                        *slot = x;
                        unit = unit.or(u);
                    }
                    Err(e) => bad(format!("{name} {e}")),
                }
            }
        }
        if sensor.resolution < 0.0 || sensor.noise < 0.0 {
            bad("resolution and noise must be >= 0".into());
        }
        if sensor.resolution == 0.0 && sensor.noise == 0.0 {
            bad("the sensor has neither noise nor resolution, so it resolves any difference; expected noise: \"...\" and/or resolution: \"...\"".into());
        }
        let interval = match quantity(&s.interval, Dimension::Time) {
            Ok((x, _)) if x > 0.0 => x,
            Ok(_) => {
                bad("interval must be > 0; expected e.g. \"10 min\"".into());
                continue;
            }
            Err(e) => {
                bad(format!("interval {e}"));
                continue;
            }
        };
        out.push(DesignSensor {
            quantity: s.quantity.clone(),
            dim,
            unit: unit.unwrap_or_else(|| dim.si_unit().to_string()),
            sensor,
            interval,
        });
    }
    out
}

fn check_hypotheses<'w>(
    wire: &'w DesignWire,
    here: &Here<'_>,
    dir: &Path,
    base: &Loaded,
    declared: &[VariantWire],
    problems: &mut Vec<String>,
) -> Vec<(&'w Spanned<DesignHypothesisWire>, DesignHypothesis)> {
    let mut out: Vec<(&Spanned<DesignHypothesisWire>, DesignHypothesis)> = Vec::new();
    for hw in &wire.hypotheses {
        if let Some(e) = here.wire_error(hw, "a hypothesis") {
            problems.push(e);
            continue;
        }
        let Some(h) = hw.get() else { continue };
        let item = format!("hypothesis '{}'", h.name);
        if !check_name(&h.name) {
            problems.push(here.at(
                hw.span,
                &item,
                "expected a name of letters, digits, '-' and '_'",
            ));
            continue;
        }
        if out.iter().any(|(_, o)| o.name == h.name) {
            problems.push(here.at(
                hw.span,
                &item,
                "is declared twice; expected each hypothesis with its own name",
            ));
            continue;
        }
        let mut fitted = None;
        if let Some(fs) = &h.fit {
            if let Some(e) = here.wire_error(fs, "a fit result's path, e.g. \"out/fit/fit.json\"") {
                problems.push(e);
                continue;
            }
            let file = fs.get().cloned().unwrap_or_default();
            let name = h.hypothesis.as_deref().unwrap_or(&h.name);
            match fitted::read_fitted(&dir.join(&file), &file, name, base) {
                Ok(f) => fitted = Some(f),
                Err(m) => {
                    problems.push(here.at(fs.span, &format!("{item}: fit"), m));
                    continue;
                }
            }
        } else if h.hypothesis.is_some() {
            problems.push(here.at(
                hw.span,
                &item,
                "names a fit hypothesis but no fit result; expected fit: \"path/to/fit.json\" with hypothesis: \"...\"",
            ));
            continue;
        }
        let fit_variant = fitted.as_ref().and_then(|f| f.variant.clone());
        if let (Some(f), Some(v), Some(fs)) = (&fitted, &h.variant, &h.fit) {
            if f.variant.as_ref() != Some(v) {
                problems.push(here.at(
                    fs.span,
                    &format!("{item}: fit"),
                    format!(
                        "hypothesis '{}' of '{}' is of variant {}, not '{v}'; expected no variant (the fit's is taken) or the fit's",
                        f.hypothesis,
                        f.file,
                        f.variant.as_ref().map_or("(the base)".to_string(), |x| format!("'{x}'"))
                    ),
                ));
                continue;
            }
        }
        let variant = h.variant.clone().or(fit_variant);
        if let Some(v) = &variant {
            if !declared.iter().any(|d| d.name.get() == Some(v)) {
                let list: Vec<&str> = declared
                    .iter()
                    .filter_map(|d| d.name.get().map(String::as_str))
                    .collect();
                problems.push(here.at(
                    hw.span,
                    &item,
                    format!(
                        "variant '{v}' is not declared in the scenario; expected one of: {}",
                        if list.is_empty() {
                            "(it declares none)".to_string()
                        } else {
                            list.join(", ")
                        }
                    ),
                ));
                continue;
            }
        }
        if let Some(e) = h
            .set
            .as_ref()
            .and_then(|s| here.wire_error(s, "set: {\"path\": \"value\", ...}"))
        {
            problems.push(e);
            continue;
        }
        // Free parameters are checked as the fit checks them (paths, bounds, guess).
        let mut free = Vec::new();
        if !h.free.is_empty() {
            // Built from text, so that fields the fit file gains later keep their defaults.
            let (Ok(mut fw), Ok(mut hwire)) = (
                ron_options().from_str::<FitWire>(
                    r#"Fit(name: "design", scenario: "", readings: [], hypotheses: [])"#,
                ),
                ron_options().from_str::<HypothesisWire>(r#"(name: "")"#),
            ) else {
                continue;
            };
            hwire.name = h.name.clone();
            hwire.variant = variant.clone();
            hwire.free = h.free.clone();
            fw.hypotheses = vec![hwire];
            let mut found = Vec::new();
            let checked = crate::fit::check_hypotheses(&fw, here.shown, base, &[], &mut found);
            problems.extend(found.into_iter().map(|m| match here.loc(hw.span) {
                Some(l) => m.replacen(
                    &format!("{}: ", here.shown),
                    &format!("{}:{}:{}: ", here.shown, l.line, l.col),
                    1,
                ),
                None => m,
            }));
            free = checked.into_iter().flat_map(|c| c.free).collect();
        }
        out.push((
            hw,
            DesignHypothesis {
                name: h.name.clone(),
                description: h.description.clone(),
                variant,
                free,
                fitted,
            },
        ));
    }
    out
}

fn check_procedures<'w>(
    wire: &'w DesignWire,
    here: &Here<'_>,
    problems: &mut Vec<String>,
) -> Vec<(&'w Spanned<ProcedureWire>, Procedure)> {
    let mut out: Vec<(&Spanned<ProcedureWire>, Procedure)> = Vec::new();
    for pw in &wire.procedures {
        if let Some(e) = here.wire_error(pw, "a procedure") {
            problems.push(e);
            continue;
        }
        let Some(p) = pw.get() else { continue };
        let item = format!("procedure '{}'", p.name);
        if !check_name(&p.name) {
            problems.push(here.at(
                pw.span,
                &item,
                "expected a name of letters, digits, '-' and '_'",
            ));
            continue;
        }
        if out.iter().any(|(_, o)| o.name == p.name) {
            problems.push(here.at(
                pw.span,
                &item,
                "is declared twice; expected each procedure with its own name",
            ));
            continue;
        }
        let mut located = Vec::new();
        if let Some(s) = &p.set {
            located.extend(here.wire_error(s, "set: {\"path\": \"value\", ...}"));
        }
        located.extend(
            p.remove
                .iter()
                .filter_map(|r| here.wire_error(r, "a name such as \"links.NAME\"")),
        );
        located.extend(p.links.iter().filter_map(|r| here.wire_error(r, "a link")));
        located.extend(
            p.sources
                .iter()
                .filter_map(|r| here.wire_error(r, "a source")),
        );
        located.extend(
            p.events
                .iter()
                .filter_map(|r| here.wire_error(r, "an event")),
        );
        if !located.is_empty() {
            problems.extend(located);
            continue;
        }
        let window = match quantity(&p.window, Dimension::Time) {
            Ok((x, _)) if x > 0.0 => x,
            Ok(_) => {
                problems.push(here.at(
                    pw.span,
                    &item,
                    "window must be > 0; expected e.g. \"2 day\"",
                ));
                continue;
            }
            Err(e) => {
                problems.push(here.at(pw.span, &item, format!("window {e}")));
                continue;
            }
        };
        out.push((
            pw,
            Procedure {
                name: p.name.clone(),
                description: p.description.clone(),
                window,
            },
        ));
    }
    out
}

/// The hypothesis's variant, its stated values and the procedure's overrides as one
/// variant of the base scenario (later entries win: the procedure over the hypothesis).
fn merge(
    declared: &[VariantWire],
    h: Option<&DesignHypothesisWire>,
    hyp: &DesignHypothesis,
    p: Option<&ProcedureWire>,
) -> VariantWire {
    let (Some(h), Some(p)) = (h, p) else {
        return VariantWire::setting("", Vec::new());
    };
    let var = hyp
        .variant
        .as_ref()
        .and_then(|v| declared.iter().find(|d| d.name.get() == Some(v)));
    let mut out = var
        .cloned()
        .unwrap_or_else(|| VariantWire::setting(&h.name, Vec::new()));
    out.name = Spanned::new(format!("{} under {}", h.name, p.name));
    let mut set: Vec<_> = out
        .set
        .take()
        .and_then(|s| s.value.ok())
        .map(|s| s.0)
        .unwrap_or_default();
    // A fitted hypothesis's best values, under its own `set` and the procedure's.
    if let Some(f) = &hyp.fitted {
        set.extend(f.params.iter().map(|x| {
            (
                Spanned::new(x.path.clone()),
                Spanned::new(Q::Text(
                    format!("{:e} {}", x.value, x.si_unit)
                        .trim_end()
                        .to_string(),
                )),
            )
        }));
    }
    for extra in [&h.set, &p.set] {
        if let Some(NamedValues(list)) = extra.as_ref().and_then(|s| s.get()) {
            set.extend(list.iter().cloned());
        }
    }
    out.set = (!set.is_empty()).then(|| Spanned::new(NamedValues(set)));
    out.remove.extend(p.remove.iter().cloned());
    out.links.extend(p.links.iter().cloned());
    out.sources.extend(p.sources.iter().cloned());
    out.events.extend(p.events.iter().cloned());
    out
}

/// The fitted parameters of `hyp` that stay uncertain under procedure `p` (those no `set` of
/// the hypothesis or the procedure states, nor a free parameter refits), resolved in
/// `loaded`, and their covariance (the fit's, restricted to them: their marginal).
fn uncertain(
    hyp: &DesignHypothesis,
    h: &DesignHypothesisWire,
    p: &ProcedureWire,
    loaded: &Loaded,
) -> (Vec<Free>, Vec<Vec<f64>>) {
    let Some(f) = &hyp.fitted else {
        return (Vec::new(), Vec::new());
    };
    let stated = |path: &str| {
        [&h.set, &p.set].iter().any(|s| {
            s.as_ref()
                .and_then(|s| s.get())
                .is_some_and(|NamedValues(l)| {
                    l.iter().any(|(k, _)| k.get().is_some_and(|k| k == path))
                })
        }) || hyp.free.iter().any(|x| x.path == path)
    };
    let mut keep = Vec::new();
    let mut free = Vec::new();
    for (i, x) in f.params.iter().enumerate() {
        if stated(&x.path) {
            continue;
        }
        // The path resolved when the fit ran on the same scenario; a procedure that removes
        // its part leaves nothing to vary.
        let Ok((target, dim)) = resolve_path_in(&loaded.parts, &loaded.parameters, &x.path) else {
            continue;
        };
        keep.push(i);
        free.push(Free {
            path: x.path.clone(),
            target,
            dim,
            lower: x.lower,
            upper: x.upper,
            guess: x.value,
            log: x.log,
        });
    }
    let cov = keep
        .iter()
        .map(|&i| keep.iter().map(|&j| f.covariance[i][j]).collect())
        .collect();
    (free, cov)
}

/// The fit frame of one case: the sensors read every `interval` from 0 to the window, and
/// the hypothesis under the procedure (its free parameters resolved in that scenario).
fn frame(
    base: &Loaded,
    loaded: Loaded,
    merged: VariantWire,
    hyp: &DesignHypothesis,
    proc: &Procedure,
    sensors: &[DesignSensor],
) -> Result<crate::fit::Fit, Vec<String>> {
    let mut errors = Vec::new();
    let mut quantities: Vec<Quantity> = Vec::new();
    let mut readings = Vec::new();
    for s in sensors {
        match paths::quantity(&s.quantity, &loaded.network) {
            Ok((q, _)) => quantities.push(q),
            Err(e) => errors.push(format!("sensor quantity '{}': {}", s.quantity, e.message)),
        }
        let n = (proc.window / s.interval * (1.0 + 1e-12)).floor() as usize;
        if n == 0 {
            errors.push(format!(
                "the window is shorter than the sensor's interval ({} s); expected a window of at least one reading",
                units::format_significant(s.interval, 6)
            ));
        }
        let times: Vec<f64> = (0..=n).map(|k| k as f64 * s.interval).collect();
        readings.push(Readings {
            file: format!("{} readings", s.quantity),
            path: Default::default(),
            sha256: String::new(),
            quantity: s.quantity.clone(),
            dim: s.dim,
            unit: s.unit.clone(),
            sensor: s.sensor.clone(),
            values: vec![0.0; times.len()],
            times,
        });
    }
    let mut free = Vec::new();
    for f in &hyp.free {
        match resolve_path_in(&loaded.parts, &loaded.parameters, &f.path) {
            Ok((target, _)) => free.push(Free {
                target,
                ..f.clone()
            }),
            Err(e) => errors.push(format!("free '{}': {}", f.path, e.message)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(crate::fit::Fit {
        name: hyp.name.clone(),
        description: None,
        file: String::new(),
        sha256: String::new(),
        seed: 1,
        starts: 0,
        profile: false,
        criterion: Default::default(),
        predict: None,
        base: base.clone(),
        readings,
        hypotheses: vec![Hypothesis {
            name: hyp.name.clone(),
            description: hyp.description.clone(),
            variant: hyp.variant.clone(),
            variant_wire: Some(merged),
            loaded,
            free,
            quantities,
        }],
    })
}
