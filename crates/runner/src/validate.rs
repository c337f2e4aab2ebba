//! Stage two: wire types -> validated model. Converts units, resolves names to typed ids,
//! checks ranges, and reports every problem in one pass, each with its line and column.
//!
//! The result is a [`Loaded`] scenario: the physics model ([`NetworkParts`] and the checked
//! [`Network`]) plus the [`RunConfig`] (duration, output times, solver settings, display
//! units, thresholds) that the runner needs, and the provenance of the file.

use std::collections::HashMap;
use std::f64::consts::{LN_2, PI};
use std::path::Path;

use plenum_physics::{
    Action, AreaLaw, Boundary, BoundaryId, BoundaryKind, Compartment, CompartmentId, CrackGeometry,
    Direction, Event, FlowElement, Gas, Link, LinkId, Method, Network, NetworkParts, NodeId,
    Parameter, Quantity, Schedule, SealSide, Settings, Source, SourceId, Species, System, Thermal,
    Trigger, DRY_AIR_MOLE_FRACTIONS, R_UNIVERSAL,
};
use sha2::{Digest, Sha256};

use crate::diag::{clip, Diagnostic, Diagnostics, Sink};
use crate::scenario::*;
use crate::suggest::did_you_mean;
use crate::units::{self, Dimension, UnitError};

/// Prefix of the names of the `Log` events that watch the output thresholds.
pub const THRESHOLD_PREFIX: &str = "threshold: ";

/// Viscosity of air at 295 K used when a crack gives none, Pa s.
pub const AIR_VISCOSITY: f64 = 1.83e-5;

/// Largest number of rows a time series may have.
pub const MAX_ROWS: usize = 2_000_000;

/// Specific gas constants a `Perfect` gas may have, J/(kg K): from a gas of molar mass 8 kg/mol
/// to beyond hydrogen (4124). Outside, masses and flows overflow or vanish mid-run.
pub const GAS_CONSTANT_RANGE: (f64, f64) = (1.0, 2e4);

/// Molar masses a species may have, kg/mol (0.4 g/mol to 10 kg/mol).
pub const MOLAR_MASS_RANGE: (f64, f64) = (4e-4, 10.0);

/// Largest molar heat capacity of a species, J/(mol K).
pub const MAX_MOLAR_CP: f64 = 1e4;

/// Largest state vector the implicit (BDF) integrator takes: it stores the Jacobian as a
/// dense n x n matrix, and with its LU factors and the Newton iteration matrix that is
/// three n x n matrices of 8-byte numbers, 3 x 4096² x 8 B = 384 MiB at this limit (20 000
/// compartments of air would ask for 240 GB). The state holds each compartment's species
/// masses (plus its energy when its energy balance is on) and each boundary's and source's
/// received masses. Sparse linear algebra for larger networks is planned.
pub const MAX_DENSE_STATES: usize = 4096;

/// A scenario read and checked, ready to run.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file as the user named it (for messages).
    pub file: String,
    /// The text of the file.
    pub source: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    pub name: String,
    pub description: Option<String>,
    /// The model. Its events end with one `Log` event per output threshold, named
    /// [`THRESHOLD_PREFIX`] + label, so the integrator locates the crossings exactly.
    pub parts: NetworkParts,
    /// `parts`, checked by the physics.
    pub network: Network,
    pub config: RunConfig,
    /// Things that are allowed but probably not meant (`check` and `run` print them on
    /// stderr), each `file:line:col: warning: ...`.
    pub warnings: Vec<String>,
}

/// Everything about a run besides the model.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Simulated time, s.
    pub duration_s: f64,
    /// Time between output rows, s.
    pub output_interval_s: f64,
    pub settings: Settings,
    pub display: DisplayUnits,
    pub plots: Vec<PlotKind>,
    pub thresholds: Vec<Threshold>,
}

impl RunConfig {
    /// Output times: 0, interval, 2 interval, ... and the end of the run.
    pub fn output_times(&self) -> Vec<f64> {
        let n = (self.duration_s / self.output_interval_s * (1.0 + 1e-12)).floor() as usize;
        let n = n.min(MAX_ROWS);
        let mut times: Vec<f64> = (0..=n).map(|k| k as f64 * self.output_interval_s).collect();
        match times.last() {
            Some(&last) if last < self.duration_s * (1.0 - 1e-12) => times.push(self.duration_s),
            Some(_) => {
                if let Some(l) = times.last_mut() {
                    *l = l.min(self.duration_s);
                }
            }
            None => times.push(0.0),
        }
        times
    }
}

/// Units used in plots and in the human summary (files are always SI).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DisplayUnits {
    pub pressure: String,
    pub time: String,
    /// `None`: chosen from the size of the flows (kg/day, kg/h or kg/s).
    pub flow: Option<String>,
    pub temperature: String,
}

/// A plot a run draws.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PlotKind {
    Pressure,
    Flows,
    Temperature,
    /// Partial pressure of one species.
    PartialPressure(String),
}

/// A value whose crossings the summary reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// As the user named it, or e.g. `prk.pressure below 600 mmHg`.
    pub label: String,
    /// The watched quantity as written, e.g. `prk.pressure`.
    pub quantity: String,
    pub direction: Direction,
    /// SI.
    pub value: f64,
    /// The value as written, e.g. `600 mmHg`.
    pub value_text: String,
}

impl Threshold {
    /// Name of the `Log` event that watches it.
    pub fn event_name(&self) -> String {
        format!("{THRESHOLD_PREFIX}{}", self.label)
    }
}

/// Read and check a scenario file.
pub fn load(path: &Path) -> Result<Loaded, Diagnostics> {
    let file = path.display().to_string();
    let source = crate::diag::read_source(path)?;
    load_str(source, &file)
}

/// Check a scenario given as text; `file` names it in messages.
pub fn load_str(source: String, file: &str) -> Result<Loaded, Diagnostics> {
    let checked = validate_source(&source, file)?;
    let sha256 = hex(&Sha256::digest(source.as_bytes()));
    Ok(Loaded {
        file: file.to_string(),
        sha256,
        name: checked.name,
        description: checked.description,
        parts: checked.parts,
        network: checked.network,
        config: checked.config,
        warnings: checked
            .warnings
            .into_iter()
            .map(|w| format!("{file}:{w}"))
            .collect(),
        source,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The result of validation, before provenance is attached.
struct Checked {
    name: String,
    description: Option<String>,
    parts: NetworkParts,
    network: Network,
    config: RunConfig,
    /// `line:col: warning: ...` (the file name is added by the caller).
    warnings: Vec<String>,
}

fn validate_source(src: &str, file: &str) -> Result<Checked, Diagnostics> {
    let wire = match ScenarioWire::parse(src) {
        Ok(w) => w,
        Err(e) => {
            let mut v = Validator::new(src);
            let offset = byte_offset(src, e.position);
            v.ron_error(&e.code, offset, None);
            return Err(Diagnostics {
                file: file.to_string(),
                list: v.sink.list,
            });
        }
    };
    validate(&wire, src, file)
}

/// Validate parsed wire types against the text they were parsed from (`src` gives the line
/// and column of each problem; any text works, locations are then left out).
fn validate(wire: &ScenarioWire, src: &str, file: &str) -> Result<Checked, Diagnostics> {
    let mut v = Validator::new(src);
    let out = v.scenario(wire);
    match out {
        Some(checked) if v.sink.list.is_empty() => Ok(checked),
        _ => Err(Diagnostics {
            file: file.to_string(),
            list: v.sink.list,
        }),
    }
}

// -------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Compartment,
    Boundary,
    Link,
    Source,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Compartment => "compartment",
            Kind::Boundary => "boundary",
            Kind::Link => "link",
            Kind::Source => "source",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Decl {
    kind: Kind,
    index: usize,
    span: Span,
}

/// What values of a parameter are allowed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Range {
    Any,
    NonNegative,
    Positive,
    /// [0, 1]
    Fraction,
    /// (0, 1]
    Cd,
}

impl Range {
    fn ok(self, x: f64) -> bool {
        match self {
            Range::Any => x.is_finite(),
            Range::NonNegative => x >= 0.0 && x.is_finite(),
            Range::Positive => x > 0.0 && x.is_finite(),
            Range::Fraction => (0.0..=1.0).contains(&x),
            Range::Cd => x > 0.0 && x <= 1.0,
        }
    }

    fn text(self) -> &'static str {
        match self {
            Range::Any => "a finite value",
            Range::NonNegative => "a value >= 0",
            Range::Positive => "a positive value",
            Range::Fraction => "a fraction between 0 and 1",
            Range::Cd => "a discharge coefficient with 0 < Cd <= 1",
        }
    }

    /// What is expected of a value of `dim`, e.g. "a positive volume, e.g. '75 m3'".
    fn text_for(self, dim: Option<Dimension>) -> String {
        match (self, dim) {
            (Range::Fraction | Range::Cd, _) | (_, None) | (_, Some(Dimension::Dimensionless)) => {
                self.text().to_string()
            }
            (Range::Any, Some(d)) => format!("a finite {}, e.g. '{}'", d.name(), d.example()),
            (Range::NonNegative, Some(d)) => {
                format!("{} >= 0, e.g. '{}'", d.with_article(), d.example())
            }
            (Range::Positive, Some(d)) => {
                format!("a positive {}, e.g. '{}'", d.name(), d.example())
            }
        }
    }
}

/// A link as far as events need it.
#[derive(Debug, Clone)]
struct LinkInfo {
    element: Option<FlowElement>,
}

struct Validator<'s> {
    src: &'s str,
    sink: Sink<'s>,
    duration: Option<f64>,
    gas: Gas,
    /// Compartments, boundaries, links and sources share one namespace.
    names: HashMap<String, Decl>,
    /// Names in declaration order, for suggestions.
    ordered: Vec<(String, Kind)>,
    links: Vec<LinkInfo>,
    compartment_temps: Vec<Option<f64>>,
    energy: bool,
    warnings: Vec<String>,
    /// "Did you mean" answers by (name, kinds mask).
    suggestions: HashMap<(String, u8), Option<String>>,
    /// Names listed in "expected" lines, by kinds mask.
    listed: HashMap<u8, String>,
}

fn item(kind: &str, name: &str) -> String {
    format!("{kind} '{}'", clip(name))
}

/// The largest byte index <= `i` on a character boundary of `s`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Distinct unknown names a "did you mean" is computed for, at most (more than are shown).
const MAX_SUGGESTIONS: usize = 64;

/// Names listed in an "expected" line, at most; the rest are counted.
const MAX_NAMES_LISTED: usize = 12;

/// `names` for an "expected" line: the first [`MAX_NAMES_LISTED`], each clipped, and how
/// many more there are.
fn name_list(names: &[&str]) -> String {
    let mut out: Vec<String> = names
        .iter()
        .take(MAX_NAMES_LISTED)
        .map(|n| clip(n).into_owned())
        .collect();
    if names.len() > MAX_NAMES_LISTED {
        out.push(format!("... ({} more)", names.len() - MAX_NAMES_LISTED));
    }
    out.join(", ")
}

/// `n` and the noun in the number `n` asks for.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A number as a reader wants it: plainly when of ordinary size, in scientific notation
/// when tiny or huge (`5e-324`, not 324 digits).
pub(crate) fn fmt_number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() || (1e-6..1e16).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn shown(q: &Q) -> String {
    match q {
        Q::Number(v) => fmt_number(*v),
        Q::Text(s) => format!("'{s}'"),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `text` without whitespace and comments at either end.
fn trim_comments(text: &str) -> &str {
    crate::scenario::trim_ron(text)
}

fn list(items: &[&str]) -> String {
    items.join(", ")
}

impl<'s> Validator<'s> {
    fn new(src: &'s str) -> Self {
        Validator {
            src,
            sink: Sink::new(src),
            duration: None,
            gas: Gas::air(),
            names: HashMap::new(),
            ordered: Vec::new(),
            links: Vec::new(),
            compartment_temps: Vec::new(),
            energy: false,
            warnings: Vec::new(),
            suggestions: HashMap::new(),
            listed: HashMap::new(),
        }
    }

    // ---------------------------------------------------------------------------------------
    // Parse errors

    /// Report a ron error at byte `offset` of the source.
    fn ron_error(&mut self, code: &ron::Error, offset: usize, item: Option<&str>) {
        let (start, end) = word_at(self.src, offset, code);
        let word = error_word(code);
        let location = Some(self.sink.locate_range(start, end.max(start)));
        // Nothing but blanks and comments after the error: the file was cut short.
        let at_end = trim_comments(&self.src[offset.min(self.src.len())..]).is_empty();
        let code = if at_end && word.is_none() && !matches!(code, ron::Error::TrailingCharacters) {
            if trim_comments(self.src).is_empty() {
                // Located at 1:1, like any other problem, so every error has a place.
                self.sink.list.push(Diagnostic {
                    location: Some(self.sink.locate_range(0, 0)),
                    item: None,
                    message: "the file is empty".into(),
                    expected: Some(
                        "a scenario: Scenario(name: ..., duration: ..., compartments: [...], ...)"
                            .into(),
                    ),
                    hint: Some("see scenarios/iss-prk-leak.ron for a complete example".into()),
                });
                return;
            }
            &ron::Error::Eof
        } else {
            code
        };
        let (message, expected, hint) = describe_ron_error(code);
        self.sink.list.push(Diagnostic {
            location,
            item: item.map(String::from),
            message,
            expected,
            hint,
        });
    }

    fn wire_error(&mut self, e: &WireError, item: Option<&str>) {
        let offset = e.at.range_in(self.src).map_or(self.src.len(), |r| r.start);
        if let Some(r) = e.at.range_in(self.src).filter(|r| !r.is_empty()) {
            let (message, expected, hint) = describe_ron_error(&e.error);
            self.sink.list.push(Diagnostic {
                location: Some(self.sink.locate_range(r.start, r.end)),
                item: item.map(String::from),
                message,
                expected,
                hint,
            });
            return;
        }
        if e.at.range_in(self.src).is_none() {
            let (message, expected, hint) = describe_ron_error(&e.error);
            self.sink.list.push(Diagnostic {
                location: None,
                item: item.map(String::from),
                message,
                expected,
                hint,
            });
            return;
        }
        self.ron_error(&e.error, offset, item);
    }

    /// A top-level item (compartment, link, ...), or a reported parse error labelled with the
    /// item's name when that can be read.
    fn get_item<'a, T>(&mut self, v: &'a Spanned<T>, kind: &str) -> Option<&'a T> {
        match &v.value {
            Ok(x) => Some(x),
            Err(e) => {
                let label = v
                    .span
                    .range_in(self.src)
                    .and_then(|r| salvage_name(&self.src[r]))
                    .map_or_else(|| kind.to_string(), |n| item(kind, &n));
                self.wire_error(e, Some(&label));
                None
            }
        }
    }

    /// The value of a field, or a reported parse error naming the field.
    fn get_field<'a, T>(&mut self, v: &'a Spanned<T>, item: &str, field: &str) -> Option<&'a T> {
        match &v.value {
            Ok(x) => Some(x),
            Err(e) => {
                let before = self.sink.list.len();
                self.wire_error(e, Some(item));
                if let Some(d) = self.sink.list.get_mut(before) {
                    d.message = format!("{field}: {}", d.message);
                }
                None
            }
        }
    }

    /// The value of a spanned wire item, or a reported parse error.
    fn get<'a, T>(&mut self, v: &'a Spanned<T>, item: Option<&str>) -> Option<&'a T> {
        match &v.value {
            Ok(x) => Some(x),
            Err(e) => {
                self.wire_error(e, item);
                None
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Values

    fn unit_error(&mut self, span: Span, item: &str, field: &str, e: &UnitError) {
        let examples = |d: Dimension| format!("{}, e.g. '{}'", d.with_article(), d.example());
        let units_of = |d: Dimension| d.common_units().join(", ");
        match e {
            UnitError::UnknownUnit {
                unit,
                expected,
                suggestion,
            } => {
                self.sink
                    .error(span, Some(item), format!("{field}: unknown unit '{unit}'"))
                    .expected(format!(
                        "{} in one of: {}",
                        expected.with_article(),
                        units_of(*expected)
                    ))
                    .maybe_hint(suggestion.as_ref().map(|s| format!("did you mean '{s}'?")));
            }
            UnitError::WrongDimension {
                text,
                found,
                expected,
            } => {
                self.sink
                    .error(
                        span,
                        Some(item),
                        format!("{field}: '{text}' is {}", found.with_article()),
                    )
                    .expected(format!(
                        "{} (units: {})",
                        examples(*expected),
                        units_of(*expected)
                    ));
            }
            UnitError::MissingUnit { text, expected } => {
                self.sink
                    .error(span, Some(item), format!("{field}: '{text}' has no unit"))
                    .expected(examples(*expected))
                    .hint(format!(
                        "a bare number (without quotes) is read in SI units ({})",
                        expected.si_unit()
                    ));
            }
            other => {
                self.sink
                    .error(span, Some(item), format!("{field}: {other}"));
            }
        }
    }

    /// A physical value in SI.
    fn quantity(&mut self, v: &Spanned<Q>, dim: Dimension, item: &str, field: &str) -> Option<f64> {
        let q = self.get_field(v, item, field)?;
        let x = match q {
            Q::Number(x) => *x,
            Q::Text(t) => match units::parse_quantity(t, dim) {
                Ok(x) => x,
                Err(e) => {
                    self.unit_error(v.span, item, field, &e);
                    return None;
                }
            },
        };
        if !x.is_finite() {
            self.sink
                .error(
                    v.span,
                    Some(item),
                    format!("{field} is not a finite number"),
                )
                .expected(format!("{}, e.g. '{}'", dim.with_article(), dim.example()));
            return None;
        }
        self.magnitude(v, x, dim, item, field)
    }

    /// `x` when it is 0 or of a magnitude Plenum computes with (see
    /// [`Dimension::magnitude_limits`]); else a located error.
    fn magnitude(
        &mut self,
        v: &Spanned<Q>,
        x: f64,
        dim: Dimension,
        item: &str,
        field: &str,
    ) -> Option<f64> {
        let (lo, hi) = dim.magnitude_limits();
        if x == 0.0 || (lo..=hi).contains(&x.abs()) {
            return Some(x);
        }
        let written = v.get().map(shown).unwrap_or_else(|| format!("{x}"));
        let unit = dim.si_unit();
        let (what, hint) = if x.abs() < lo {
            (
                "too small to be physical",
                if x.abs() < f64::MIN_POSITIVE {
                    "a number this small is below what floating point holds exactly (a denormal); write 0 if you mean none"
                } else {
                    "check the exponent and the unit; write 0 if you mean none"
                },
            )
        } else {
            (
                "too large to be physical",
                "check the exponent and the unit",
            )
        };
        let with_unit = |x: f64| format!("{x:e} {unit}").trim_end().to_string();
        self.sink
            .error(v.span, Some(item), format!("{field} is {written}, {what}"))
            .expected(format!(
                "0 or a magnitude between {} and {}",
                with_unit(lo),
                with_unit(hi)
            ))
            .hint(hint);
        None
    }

    /// A physical value in SI that must lie in `range`.
    fn quantity_in(
        &mut self,
        v: &Spanned<Q>,
        dim: Dimension,
        range: Range,
        item: &str,
        field: &str,
    ) -> Option<f64> {
        let x = self.quantity(v, dim, item, field)?;
        if !range.ok(x) {
            let written = v.get().map(shown).unwrap_or_default();
            self.sink
                .error(v.span, Some(item), format!("{field} is {written}"))
                .expected(range.text_for(Some(dim)));
            return None;
        }
        Some(x)
    }

    /// A plain number (a field whose unit has no spelling in the unit table).
    fn number(&mut self, v: &Spanned<Q>, unit: &str, item: &str, field: &str) -> Option<f64> {
        let x = self.plain_number(v, unit, item, field)?;
        self.magnitude(v, x, Dimension::Dimensionless, item, field)
    }

    /// A plain finite number, for a field that checks its own physical range.
    fn plain_number(&mut self, v: &Spanned<Q>, unit: &str, item: &str, field: &str) -> Option<f64> {
        let q = self.get_field(v, item, field)?;
        let parsed = match q {
            Q::Number(x) => Some(*x),
            Q::Text(t) => t.trim().parse::<f64>().ok(),
        };
        match parsed {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                self.sink
                    .error(v.span, Some(item), format!("{field} is {}", shown(q)))
                    .expected(format!("a plain number in {unit}"))
                    .hint(format!(
                        "write {field} as a number without quotes, in {unit}"
                    ));
                None
            }
        }
    }

    /// A value written as a number in `si_unit` or a string with one of `units`
    /// (name, factor to SI).
    fn per_unit(
        &mut self,
        v: &Spanned<Q>,
        units: &[(&str, f64)],
        item: &str,
        field: &str,
    ) -> Option<f64> {
        let q = self.get_field(v, item, field)?;
        let found = match q {
            Q::Number(x) => Some(*x),
            Q::Text(t) => {
                let t = t.trim();
                let split = t
                    .find(|c: char| c.is_whitespace() || c == '/')
                    .unwrap_or(t.len());
                let (num, unit) = t.split_at(split);
                let unit: String = unit.chars().filter(|c| !c.is_whitespace()).collect();
                match num.parse::<f64>() {
                    Ok(x) => units
                        .iter()
                        .find(|(u, _)| u.replace(' ', "") == unit)
                        .map(|(_, f)| x * f),
                    Err(_) => None,
                }
            }
        };
        match found {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                let names: Vec<&str> = units.iter().map(|u| u.0).collect();
                self.sink
                    .error(v.span, Some(item), format!("{field} is {}", shown(q)))
                    .expected(format!(
                        "a number in {}, or a string with one of: {}",
                        units.first().map_or("SI", |u| u.0),
                        list(&names)
                    ));
                None
            }
        }
    }

    /// A time within the run (>= 0 and, when `before_end`, before its end).
    fn time(&mut self, v: &Spanned<Q>, item: &str, field: &str) -> Option<f64> {
        let t = self.quantity(v, Dimension::Time, item, field)?;
        if t < 0.0 {
            self.sink
                .error(
                    v.span,
                    Some(item),
                    format!(
                        "{field} is {}, before the start of the run",
                        v.get().map(shown).unwrap_or_default()
                    ),
                )
                .expected("a time >= 0 (times count from the start of the run)");
            return None;
        }
        Some(t)
    }

    fn after_end(&mut self, span: Span, item: &str, what: &str, t: f64) {
        if let Some(d) = self.duration {
            if t >= d {
                self.sink
                    .error(
                        span,
                        Some(item),
                        format!(
                            "{what} at {} is not within the run, which ends at {}",
                            fmt_time(t),
                            fmt_time(d)
                        ),
                    )
                    .expected("a time before the end of the run")
                    .hint("make the run longer (duration) or move the time");
            }
        }
    }

    /// A schedule of values of dimension `dim` (or plain numbers in `plain_unit` when
    /// `dim` is `None`), each in `range`.
    fn schedule(
        &mut self,
        v: &Spanned<ScheduleWire>,
        dim: Option<Dimension>,
        plain_unit: &str,
        range: Range,
        item: &str,
        field: &str,
    ) -> Option<Schedule> {
        let w = self.get_field(v, item, field)?;
        let value = |me: &mut Self, q: &Spanned<Q>| -> Option<f64> {
            let x = match dim {
                Some(d) => me.quantity(q, d, item, field)?,
                None => me.number(q, plain_unit, item, field)?,
            };
            if !range.ok(x) {
                me.sink
                    .error(
                        q.span,
                        Some(item),
                        format!("{field} is {}", q.get().map(shown).unwrap_or_default()),
                    )
                    .expected(range.text_for(dim));
                return None;
            }
            Some(x)
        };
        let sched = match w {
            ScheduleWire::Constant(q) => {
                let q = Spanned {
                    value: Ok(q.clone()),
                    span: v.span,
                };
                Schedule::Constant(value(self, &q)?)
            }
            ScheduleWire::Steps { initial, steps } => {
                let initial = value(self, initial);
                let mut pts = Vec::new();
                let mut ok = initial.is_some();
                for (t, x) in steps {
                    let t = self.time(t, item, &format!("{field} step time"));
                    let x = value(self, x);
                    match (t, x) {
                        (Some(t), Some(x)) => pts.push((t, x)),
                        _ => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                if let Some(&(t0, _)) = pts.first() {
                    self.after_end(v.span, item, &format!("the first step of {field}"), t0);
                } else {
                    self.sink
                        .error(v.span, Some(item), format!("{field}: Steps has no steps"))
                        .expected("steps: [(time, value), ...] with at least one step")
                        .hint("for a value that never changes, write the value alone");
                    return None;
                }
                Schedule::Steps {
                    initial: initial?,
                    steps: pts,
                }
            }
            ScheduleWire::Ramp {
                from,
                to,
                start,
                end,
            } => {
                let from = value(self, from);
                let to = value(self, to);
                let t0 = self.time(start, item, &format!("{field} ramp start"));
                let t1 = self.time(end, item, &format!("{field} ramp end"));
                let (from, to, t0, t1) = (from?, to?, t0?, t1?);
                if t1 <= t0 {
                    self.sink
                        .error(
                            end.span,
                            Some(item),
                            format!(
                                "{field}: the ramp ends at {}, not after its start at {}",
                                fmt_time(t1),
                                fmt_time(t0)
                            ),
                        )
                        .expected("end later than start");
                    return None;
                }
                self.after_end(start.span, item, &format!("the ramp of {field} starts"), t0);
                Schedule::Ramp {
                    from,
                    to,
                    start: t0,
                    end: t1,
                }
            }
            ScheduleWire::Table(points) => {
                if points.is_empty() {
                    self.sink
                        .error(v.span, Some(item), format!("{field}: Table has no points"))
                        .expected("Table([(time, value), ...]) with at least one point");
                    return None;
                }
                let mut pts = Vec::new();
                let mut ok = true;
                for (t, x) in points {
                    let t = self.time(t, item, &format!("{field} table time"));
                    let x = value(self, x);
                    match (t, x) {
                        (Some(t), Some(x)) => pts.push((t, x)),
                        _ => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                if let Some(&(t0, _)) = pts.first() {
                    if pts.len() > 1 {
                        self.after_end(
                            v.span,
                            item,
                            &format!("the first point of the {field} table"),
                            t0,
                        );
                    }
                }
                for (i, w) in pts.windows(2).enumerate() {
                    if w[1].0 <= w[0].0 {
                        let span = points.get(i + 1).map_or(v.span, |p| p.0.span);
                        self.sink
                            .error(
                                span,
                                Some(item),
                                format!(
                                    "{field}: table time {} is not after the previous one, {}",
                                    fmt_time(w[1].0),
                                    fmt_time(w[0].0)
                                ),
                            )
                            .expected("points in increasing time");
                        return None;
                    }
                }
                Schedule::Table(pts)
            }
            ScheduleWire::Exponential {
                initial,
                rate,
                doubling_time,
                halving_time,
                start,
            } => {
                let initial = value(self, initial);
                let given = [
                    rate.is_some(),
                    doubling_time.is_some(),
                    halving_time.is_some(),
                ]
                .iter()
                .filter(|b| **b)
                .count();
                if given != 1 {
                    self.sink
                        .error(
                            v.span,
                            Some(item),
                            format!("{field}: Exponential needs exactly one of rate, doubling_time, halving_time ({given} given)"),
                        )
                        .expected("rate: \"0.1 1/day\", or doubling_time: \"5 day\", or halving_time: \"5 day\"");
                    return None;
                }
                let r = if let Some(r) = rate {
                    self.quantity(r, Dimension::Frequency, item, &format!("{field} rate"))
                } else if let Some(d) = doubling_time {
                    self.quantity_in(
                        d,
                        Dimension::Time,
                        Range::Positive,
                        item,
                        &format!("{field} doubling time"),
                    )
                    .map(|d| LN_2 / d)
                } else if let Some(h) = halving_time {
                    self.quantity_in(
                        h,
                        Dimension::Time,
                        Range::Positive,
                        item,
                        &format!("{field} halving time"),
                    )
                    .map(|h| -LN_2 / h)
                } else {
                    None
                };
                let s = match start {
                    Some(s) => {
                        let t = self.time(s, item, &format!("{field} start"));
                        if let Some(t) = t {
                            self.after_end(
                                s.span,
                                item,
                                &format!("the growth of {field} starts"),
                                t,
                            );
                        }
                        t
                    }
                    None => Some(0.0),
                };
                let (initial, r, s) = (initial?, r?, s?);
                let sched = Schedule::Exponential {
                    initial,
                    rate: r,
                    start: s,
                };
                let end_value = sched.value(self.duration.unwrap_or(s));
                let (lo, hi) = dim.unwrap_or(Dimension::Dimensionless).magnitude_limits();
                let physical = end_value == 0.0 || (lo..=hi).contains(&end_value.abs());
                if !range.ok(end_value) || !physical {
                    self.sink
                        .error(
                            v.span,
                            Some(item),
                            format!("{field} reaches {end_value:e} (SI) by the end of the run"),
                        )
                        .expected(format!(
                            "{}, of a magnitude between {lo:e} and {hi:e} (SI)",
                            range.text()
                        ));
                    return None;
                }
                sched
            }
        };
        Some(sched)
    }

    // ---------------------------------------------------------------------------------------
    // Names

    fn check_name(&mut self, v: &Spanned<String>, kind: &str, allow_dot: bool) -> Option<String> {
        let name = self.get(v, Some(kind))?.clone();
        let bad = name
            .chars()
            .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-' || (allow_dot && *c == '.')));
        if name.is_empty() {
            self.sink
                .error(v.span, None, format!("{kind} has an empty name"))
                .expected("a name of letters, digits, '_' and '-'");
            return None;
        }
        if let Some(c) = bad {
            let what = if c == ' ' {
                "a space".to_string()
            } else {
                format!("'{c}'")
            };
            self.sink
                .error(v.span, Some(&item(kind, &name)), format!("the name contains {what}"))
                .expected(if allow_dot {
                    "a name of letters, digits, '_', '-' and '.'"
                } else {
                    "a name of letters, digits, '_' and '-'"
                })
                .hint(if allow_dot {
                    "the name becomes the output directory out/<name>".to_string()
                } else {
                    format!("names become column names like '{}.pressure_Pa' and are used in quantities like 'prk.pressure'", clip(&name).replace(|c: char| !c.is_alphanumeric(), "_"))
                });
            return None;
        }
        Some(name)
    }

    /// Record a name in the shared namespace; `None` for a duplicate.
    fn declare(&mut self, name: &str, kind: Kind, index: usize, span: Span) {
        if let Some(prev) = self.names.get(name) {
            let prev_at = self
                .sink
                .locate(prev.span)
                .map(|l| format!(" at line {}", l.line))
                .unwrap_or_default();
            let prev_kind = prev.kind.name();
            self.sink
                .error(
                    span,
                    Some(&item(kind.name(), name)),
                    format!("duplicate name: a {prev_kind} has the same name{prev_at}"),
                )
                .expected("each compartment, boundary, link and source to have its own name");
            return;
        }
        self.names
            .insert(name.to_string(), Decl { kind, index, span });
        self.ordered.push((name.to_string(), kind));
    }

    /// Declare the name of an item (or of an item that failed to parse, when its name can
    /// be read), without reporting anything about the item itself.
    fn declare_item<T>(
        &mut self,
        v: &Spanned<T>,
        name_of: impl Fn(&T) -> &Spanned<String>,
        kind: Kind,
        index: usize,
    ) {
        match &v.value {
            Ok(x) => {
                let n = name_of(x);
                if let Some(name) = self.check_name(n, kind.name(), false) {
                    self.declare(&name, kind, index, n.span);
                }
            }
            Err(_) => {
                let text = v.span.range_in(self.src).map(|r| &self.src[r]);
                if let Some(name) = text.and_then(salvage_name) {
                    if !self.names.contains_key(&name) {
                        self.declare(&name, kind, index, v.span);
                    }
                }
            }
        }
    }

    fn names_of(&self, kinds: &[Kind]) -> Vec<&str> {
        self.ordered
            .iter()
            .filter(|(_, k)| kinds.contains(k))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// A "did you mean" for an unknown `name` among the names of `kinds`, computed once per
    /// name and kinds however often the name is referred to, and for the first
    /// [`MAX_SUGGESTIONS`] distinct names only: each costs a pass over every name of the
    /// scenario, so a file of 20 000 misspelt references to 20 000 names took 460 s.
    fn suggest(&mut self, name: &str, kinds: &[Kind]) -> Option<String> {
        let mask = kinds.iter().fold(0u8, |m, k| m | (1 << *k as u8));
        if let Some(s) = self.suggestions.get(&(name.to_string(), mask)) {
            return s.clone();
        }
        if self.suggestions.len() >= MAX_SUGGESTIONS {
            return None;
        }
        let candidates = self.names_of(kinds);
        let s = did_you_mean(name, candidates.iter().copied()).map(String::from);
        self.suggestions.insert((name.to_string(), mask), s.clone());
        s
    }

    /// The names of `kinds` as an "expected" line lists them, built once per kinds.
    fn listed(&mut self, kinds: &[Kind]) -> String {
        let mask = kinds.iter().fold(0u8, |m, k| m | (1 << *k as u8));
        if let Some(text) = self.listed.get(&mask) {
            return text.clone();
        }
        let text = name_list(&self.names_of(kinds));
        self.listed.insert(mask, text.clone());
        text
    }

    fn unknown(&mut self, v: &Spanned<String>, item_text: &str, what: &str, kinds: &[Kind]) {
        let name = v.get().cloned().unwrap_or_default();
        let suggestion = self.suggest(&name, kinds);
        let listed = self.listed(kinds);
        let expected = if listed.is_empty() {
            format!("{what} (the scenario has none)")
        } else {
            format!("{what}: {listed}")
        };
        self.sink
            .error(
                v.span,
                Some(item_text),
                format!("unknown name '{}'", clip(&name)),
            )
            .expected(expected)
            .maybe_hint(suggestion.map(|s| format!("did you mean '{s}'?")));
    }

    /// Resolve a reference to an item of one of `kinds`.
    fn resolve(
        &mut self,
        v: &Spanned<String>,
        item_text: &str,
        what: &str,
        kinds: &[Kind],
    ) -> Option<Decl> {
        let name = self.get(v, Some(item_text))?.clone();
        match self.names.get(&name).copied() {
            Some(d) if kinds.contains(&d.kind) => Some(d),
            Some(d) => {
                let expected = format!("{what}: {}", self.listed(kinds));
                self.sink
                    .error(
                        v.span,
                        Some(item_text),
                        format!("'{}' is a {}, not {what}", clip(&name), d.kind.name()),
                    )
                    .expected(expected);
                None
            }
            None => {
                self.unknown(v, item_text, what, kinds);
                None
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // The scenario

    fn scenario(&mut self, w: &ScenarioWire) -> Option<Checked> {
        let name = self.check_name(&w.name, "scenario", true);
        if let Some(n) = &name {
            if n.starts_with('.') {
                self.sink
                    .error(
                        w.name.span,
                        Some("scenario"),
                        format!("the name '{n}' starts with '.'"),
                    )
                    .expected("a name that starts with a letter or digit")
                    .hint("the name becomes the output directory out/<name>");
            }
        }
        self.duration = self.quantity_in(
            &w.duration,
            Dimension::Time,
            Range::Positive,
            "scenario",
            "duration",
        );
        if let Some(g) = &w.gas {
            if let Some(gas) = self.gas(g) {
                self.gas = gas;
            }
        }
        // Names first, so that references can be checked in any order.
        for (i, c) in w.compartments.iter().enumerate() {
            self.declare_item(c, |c| &c.name, Kind::Compartment, i);
        }
        for (i, b) in w.boundaries.iter().enumerate() {
            self.declare_item(b, |b| &b.name, Kind::Boundary, i);
        }
        for (i, l) in w.links.iter().enumerate() {
            self.declare_item(l, |l| &l.name, Kind::Link, i);
        }
        for (i, s) in w.sources.iter().enumerate() {
            self.declare_item(s, |s| &s.name, Kind::Source, i);
        }
        if w.compartments.is_empty() {
            self.sink
                .error(Span::UNKNOWN, Some("scenario"), "has no compartments")
                .expected(
                    "compartments: [(name: ..., volume: ..., pressure: ..., temperature: ...)]",
                );
        }
        let compartments: Vec<Option<Compartment>> =
            w.compartments.iter().map(|c| self.compartment(c)).collect();
        self.compartment_temps = compartments
            .iter()
            .map(|c| c.as_ref().map(|c| c.temperature))
            .collect();
        let boundaries: Vec<Option<Boundary>> =
            w.boundaries.iter().map(|b| self.boundary(b)).collect();
        let links: Vec<Option<Link>> = w.links.iter().map(|l| self.link(l)).collect();
        self.vacuum_links(w, &boundaries, &links);
        self.links = links
            .iter()
            .map(|l| LinkInfo {
                element: l.as_ref().map(|l| l.element.clone()),
            })
            .collect();
        let sources: Vec<Option<Source>> = w.sources.iter().map(|s| self.source(s)).collect();
        let mut event_names: HashMap<String, Span> = HashMap::new();
        let mut events: Vec<Option<Event>> = Vec::new();
        for e in &w.events {
            events.push(self.event(e, &mut event_names));
        }
        let outputs = match &w.outputs {
            Some(o) => self.get(o, Some("outputs")).cloned(),
            None => Some(OutputsWire::default()),
        };
        let solver = match &w.solver {
            Some(s) => self.get(s, Some("solver")).cloned(),
            None => Some(SolverWire::default()),
        };
        let (display, plots, interval, thresholds) = match &outputs {
            Some(o) => self.outputs(o),
            None => (None, None, None, Vec::new()),
        };
        let settings = solver.and_then(|s| self.solver(&s));
        for t in &thresholds {
            let Some(t) = t else { continue };
            events.push(Some(t.1.clone()));
        }

        // Stop here when anything is wrong: the model would be incomplete.
        if !self.sink.list.is_empty() {
            return None;
        }
        let parts = NetworkParts {
            gas: Some(self.gas.clone()),
            compartments: compartments.into_iter().collect::<Option<Vec<_>>>()?,
            boundaries: boundaries.into_iter().collect::<Option<Vec<_>>>()?,
            links: links.into_iter().collect::<Option<Vec<_>>>()?,
            sources: sources.into_iter().collect::<Option<Vec<_>>>()?,
            events: events.into_iter().collect::<Option<Vec<_>>>()?,
        };
        let network = match Network::new(parts.clone()) {
            Ok(n) => n,
            Err(errors) => {
                for e in errors {
                    let span = self.names.get(&e.name).map_or(Span::UNKNOWN, |d| d.span);
                    self.sink
                        .error(span, Some(&item(e.kind, &e.name)), e.message.clone());
                }
                return None;
            }
        };
        if let Some(s) = &settings {
            self.dense_limit(&network, s, w.name.span);
        }
        if !self.sink.list.is_empty() {
            return None;
        }
        let config = RunConfig {
            duration_s: self.duration?,
            output_interval_s: interval?,
            settings: settings?,
            display: display?,
            plots: plots?,
            thresholds: thresholds
                .into_iter()
                .map(|t| t.map(|t| t.0))
                .collect::<Option<Vec<_>>>()?,
        };
        Some(Checked {
            name: name?,
            description: w.description.clone(),
            parts,
            network,
            config,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    /// Links into a vacuum must use a compressible law. PowerLaw and Fan carry
    /// `rho_up Q` with an incompressible Q: into a vacuum their flow keeps growing with the
    /// pressure difference where the real flow chokes, about 2x the choked flow for a
    /// leakage law fitted near 1 atm (DESIGN.md: the incompressible sqrt(2 rho dp) is 2.07x
    /// the choked flow into vacuum). They are refused. A Linear law `K (p_a - p_b)` has the
    /// choked law's shape into a vacuum (proportional to the upstream pressure) but its K is
    /// the choked conductance only for the gas and temperature it was worked out for; a
    /// shipped example uses one as a growing leak, so it is a warning.
    fn vacuum_links(
        &mut self,
        w: &ScenarioWire,
        boundaries: &[Option<Boundary>],
        links: &[Option<Link>],
    ) {
        let vacuum = |n: NodeId| match n {
            NodeId::Boundary(b) => boundaries
                .get(b.0)
                .and_then(Option::as_ref)
                .filter(|x| matches!(x.kind, BoundaryKind::Vacuum))
                .map(|x| x.name.clone()),
            NodeId::Compartment(_) => None,
        };
        for (lw, l) in w.links.iter().zip(links) {
            let (Some(lw), Some(l)) = (lw.get(), l) else {
                continue;
            };
            let Some(space) = vacuum(l.from).or_else(|| vacuum(l.to)) else {
                continue;
            };
            let laws: Vec<&FlowElement> = match &l.element {
                FlowElement::HatchSeal { seated, unseated } => vec![seated, unseated],
                e => vec![e],
            };
            let it = item("link", &l.name);
            let span = lw.element.span;
            if let Some(bad) = laws
                .iter()
                .find(|e| matches!(e, FlowElement::PowerLaw { .. } | FlowElement::Fan { .. }))
            {
                self.sink
                    .error(
                        span,
                        Some(&it),
                        format!(
                            "a {} law into the vacuum boundary '{space}': it carries rho_up Q with an incompressible Q that keeps growing with the pressure difference where the real flow chokes, overstating the flow into a vacuum about 2x",
                            bad.kind()
                        ),
                    )
                    .expected("an Orifice (a hole, or a crack treated as a hole) or a ViscousCrack (a narrow laminar crack) for a link into a Vacuum")
                    .hint("PowerLaw and Fan suit links between compartments");
            } else if laws.iter().any(|e| matches!(e, FlowElement::Linear { .. })) {
                let at = span
                    .range_in(self.src)
                    .map(|r| {
                        let loc = crate::diag::Location::of_range(self.src, r.start, r.end);
                        format!("{}:{}: ", loc.line, loc.col)
                    })
                    .unwrap_or_else(|| " ".into());
                self.warnings.push(format!(
                    "{at}warning: {it}: a Linear law into the vacuum boundary '{space}': K (p_a - p_b) is the choked flow only if K = Cd A sqrt(g/(R T)) 0.5787 for this gas and temperature; an Orifice or a ViscousCrack gives the compressible law"
                ));
            }
        }
    }

    /// Refuse a network too large for the dense Jacobian of the implicit integrator
    /// ([`MAX_DENSE_STATES`]), before a run would try to allocate it.
    fn dense_limit(&mut self, network: &Network, settings: &Settings, span: Span) {
        if settings.method != Method::Bdf {
            return;
        }
        let n = System::new(network).len();
        if n <= MAX_DENSE_STATES {
            return;
        }
        let gib = |n: usize| (n as f64).powi(2) * 8.0 / f64::from(1u32 << 30);
        let per = self.gas.len();
        self.sink
            .error(
                span,
                Some("scenario"),
                format!(
                    "the network has {n} state variables ({}, {}, {}, {per} species each), more than the {MAX_DENSE_STATES} the implicit solver handles: its dense Jacobian alone would take {:.1} GiB",
                    count(network.compartments.len(), "compartment", "compartments"),
                    count(network.boundaries.len(), "boundary", "boundaries"),
                    count(network.sources.len(), "source", "sources"),
                    gib(n),
                ),
            )
            .expected(format!(
                "at most {MAX_DENSE_STATES} state variables (about {} compartments of a {per}-species gas), so that the Jacobian and its LU factors stay under 0.5 GiB",
                MAX_DENSE_STATES / per.max(1) - 1
            ))
            .hint("sparse linear algebra for large networks is planned; until then merge compartments, use a one-species gas (gas: Perfect(r: 287.05, gamma: 1.4)), or use solver: (method: Dopri5), which needs no Jacobian but is slow when the network is stiff");
    }

    fn gas(&mut self, g: &Spanned<GasWire>) -> Option<Gas> {
        let w = self.get(g, Some("gas"))?;
        match w {
            GasWire::Air => Some(Gas::air()),
            GasWire::Perfect {
                r: r_w,
                gamma: gamma_w,
                name,
            } => {
                let r = self.plain_number(r_w, "J/(kg K)", "gas", "r");
                let gamma = self.plain_number(gamma_w, "(dimensionless)", "gas", "gamma");
                let name = match name {
                    Some(n) => self.check_name(n, "species", false),
                    None => Some("air".to_string()),
                };
                let (r, gamma, name) = (r?, gamma?, name?);
                let mut ok = true;
                if !(GAS_CONSTANT_RANGE.0..=GAS_CONSTANT_RANGE.1).contains(&r) {
                    self.sink
                        .error(r_w.span, Some("gas"), format!("r is {} J/(kg K)", fmt_number(r)))
                        .expected(format!(
                            "a specific gas constant between {} and {} J/(kg K), e.g. 287.05 for air (hydrogen, the lightest gas, has 4124)",
                            GAS_CONSTANT_RANGE.0, GAS_CONSTANT_RANGE.1
                        ));
                    ok = false;
                }
                if !(gamma > 1.0 && gamma <= 5.0 / 3.0 + 1e-9) {
                    self.sink
                        .error(
                            gamma_w.span,
                            Some("gas"),
                            format!("gamma is {}", fmt_number(gamma)),
                        )
                        .expected("a ratio of specific heats with 1 < gamma <= 5/3 (1.4 for air)");
                    ok = false;
                }
                ok.then(|| Gas::perfect(&name, r, gamma))
            }
            GasWire::Species(list) => {
                if list.is_empty() {
                    self.sink
                        .error(g.span, Some("gas"), "the species table is empty")
                        .expected("at least one species");
                    return None;
                }
                let mut species = Vec::new();
                let mut seen: Vec<String> = Vec::new();
                let mut ok = true;
                for s in list {
                    let Some(w) = self.get(s, Some("gas")) else {
                        ok = false;
                        continue;
                    };
                    let Some(name) = self.check_name(&w.name, "species", false) else {
                        ok = false;
                        continue;
                    };
                    let it = item("species", &name);
                    if seen.contains(&name) {
                        self.sink
                            .error(w.name.span, Some(&it), "listed twice")
                            .expected("each species once");
                        ok = false;
                    }
                    seen.push(name.clone());
                    let m = self.per_unit(
                        &w.molar_mass,
                        &[("kg/mol", 1.0), ("g/mol", 1e-3)],
                        &it,
                        "molar_mass",
                    );
                    let cp =
                        self.per_unit(&w.cp, &[("J/(mol K)", 1.0), ("J/mol/K", 1.0)], &it, "cp");
                    match (m, cp) {
                        (Some(m), Some(cp)) => {
                            if !(MOLAR_MASS_RANGE.0..=MOLAR_MASS_RANGE.1).contains(&m) {
                                self.sink
                                    .error(
                                        w.molar_mass.span,
                                        Some(&it),
                                        format!("molar_mass is {} kg/mol", fmt_number(m)),
                                    )
                                    .expected(format!(
                                        "a molar mass between {} g/mol and {} kg/mol, e.g. \"28.0134 g/mol\"",
                                        MOLAR_MASS_RANGE.0 * 1e3,
                                        MOLAR_MASS_RANGE.1
                                    ));
                                ok = false;
                            }
                            if !(cp > R_UNIVERSAL && cp <= MAX_MOLAR_CP) {
                                self.sink
                                    .error(w.cp.span, Some(&it), format!("cp is {} J/(mol K)", fmt_number(cp)))
                                    .expected(format!("a molar heat capacity above R = 8.314 and at most {MAX_MOLAR_CP} J/(mol K), e.g. 29.1 for N2"));
                                ok = false;
                            }
                            species.push(Species::new(name, m, cp));
                        }
                        _ => ok = false,
                    }
                }
                ok.then_some(Gas { species })
            }
        }
    }

    /// Mole fractions indexed like the gas table (default: dry air, or the single species).
    fn composition(&mut self, m: Option<&Spanned<SpeciesMap>>, it: &str) -> Option<Vec<f64>> {
        let ns = self.gas.len();
        let Some(m) = m else {
            if ns == 1 {
                return Some(vec![1.0]);
            }
            let air = Gas::air();
            let mut x = vec![0.0; ns];
            for (s, frac) in air.species.iter().zip(DRY_AIR_MOLE_FRACTIONS) {
                if let Some(i) = self.gas.index_of(&s.name) {
                    x[i] = frac;
                }
            }
            let sum: f64 = x.iter().sum();
            if (sum - 1.0).abs() > 1e-6 {
                self.sink
                    .error(
                        Span::UNKNOWN,
                        Some(it),
                        "no composition given, and the species table is not air",
                    )
                    .expected(
                        "composition: {\"SPECIES\": fraction, ...} with fractions that sum to 1",
                    );
                return None;
            }
            return Some(x);
        };
        let map = self.get(m, Some(it))?;
        let names: Vec<String> = self.gas.species.iter().map(|s| s.name.clone()).collect();
        let mut x = vec![0.0; ns];
        let mut given = vec![false; ns];
        let mut ok = true;
        for (k, v) in &map.0 {
            let Some(key) = self.get(k, Some(it)).cloned() else {
                ok = false;
                continue;
            };
            let Some(i) = self.gas.index_of(&key) else {
                let suggestion = did_you_mean(&key, names.iter().map(String::as_str));
                self.sink
                    .error(
                        k.span,
                        Some(it),
                        format!("composition: unknown species '{key}'"),
                    )
                    .expected(format!("species of the gas table: {}", names.join(", ")))
                    .maybe_hint(suggestion.map(|s| format!("did you mean '{s}'?")));
                ok = false;
                continue;
            };
            if given[i] {
                self.sink
                    .error(
                        k.span,
                        Some(it),
                        format!("composition: '{key}' is given twice"),
                    )
                    .expected("each species once");
                ok = false;
                continue;
            }
            given[i] = true;
            match self.quantity_in(
                v,
                Dimension::Dimensionless,
                Range::Fraction,
                it,
                &format!("mole fraction of {key}"),
            ) {
                Some(f) => x[i] = f,
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let sum: f64 = x.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            self.sink
                .error(m.span, Some(it), format!("the mole fractions sum to {}", units::format_significant(sum, 8)))
                .expected("mole fractions that sum to 1")
                .hint("species left out count as 0; fractions may be numbers (0.21) or percentages (\"21 %\")");
            return None;
        }
        Some(x)
    }

    fn compartment(&mut self, c: &Spanned<CompartmentWire>) -> Option<Compartment> {
        let w = self.get_item(c, "compartment")?;
        let name = self.check_name(&w.name, "compartment", false)?;
        let it = item("compartment", &name);
        let volume = self.quantity_in(&w.volume, Dimension::Volume, Range::Positive, &it, "volume");
        let pressure = self.quantity_in(
            &w.pressure,
            Dimension::Pressure,
            Range::NonNegative,
            &it,
            "pressure",
        );
        let temperature = self.schedule(
            &w.temperature,
            Some(Dimension::Temperature),
            "K",
            Range::Positive,
            &it,
            "temperature",
        );
        let composition = self.composition(w.composition.as_ref(), &it);
        let thermal_w = match &w.thermal {
            Some(t) => self.get(t, Some(&it)).cloned(),
            None => Some(ThermalWire::Isothermal),
        };
        let temperature = temperature?;
        let t0 = temperature.value(0.0);
        let thermal = match thermal_w? {
            ThermalWire::Isothermal => Thermal::Isothermal {
                temperature: temperature.clone(),
            },
            other => {
                self.energy = true;
                if !matches!(temperature, Schedule::Constant(_)) {
                    self.sink
                        .error(w.temperature.span, Some(&it), "the temperature is a schedule, but the energy balance is on")
                        .expected("a constant initial temperature (the energy balance decides the rest)")
                        .hint("schedule the wall temperature, Energy(wall_temperature: ...), or make the compartment Isothermal");
                    return None;
                }
                match other {
                    ThermalWire::Adiabatic => Thermal::Energy {
                        conductance: 0.0,
                        wall_temperature: Schedule::Constant(t0),
                        heat_load: Schedule::Constant(0.0),
                    },
                    ThermalWire::Energy {
                        wall_conductance,
                        wall_temperature,
                        heat_load,
                    } => {
                        let h = self.quantity_in(
                            &wall_conductance,
                            Dimension::HeatTransfer,
                            Range::NonNegative,
                            &it,
                            "wall_conductance",
                        );
                        let tw = match &wall_temperature {
                            Some(s) => self.schedule(
                                s,
                                Some(Dimension::Temperature),
                                "K",
                                Range::Positive,
                                &it,
                                "wall_temperature",
                            ),
                            None => Some(Schedule::Constant(t0)),
                        };
                        let q = match &heat_load {
                            Some(s) => self.schedule(
                                s,
                                Some(Dimension::Power),
                                "W",
                                Range::Any,
                                &it,
                                "heat_load",
                            ),
                            None => Some(Schedule::Constant(0.0)),
                        };
                        Thermal::Energy {
                            conductance: h?,
                            wall_temperature: tw?,
                            heat_load: q?,
                        }
                    }
                    ThermalWire::Isothermal => return None,
                }
            }
        };
        Some(Compartment {
            name,
            volume: volume?,
            pressure: pressure?,
            temperature: t0,
            composition: composition?,
            thermal,
        })
    }

    fn boundary(&mut self, b: &Spanned<BoundaryWire>) -> Option<Boundary> {
        let w = self.get_item(b, "boundary")?;
        let name = self.check_name(&w.name, "boundary", false)?;
        let it = item("boundary", &name);
        let kind = self.get(&w.kind, Some(&it))?.clone();
        let kind = match kind {
            BoundaryKindWire::Vacuum => BoundaryKind::Vacuum,
            BoundaryKindWire::Reservoir {
                pressure,
                temperature,
                composition,
            } => {
                let p = self.quantity_in(
                    &pressure,
                    Dimension::Pressure,
                    Range::NonNegative,
                    &it,
                    "pressure",
                );
                let t = self.quantity_in(
                    &temperature,
                    Dimension::Temperature,
                    Range::Positive,
                    &it,
                    "temperature",
                );
                let x = self.composition(composition.as_ref(), &it);
                BoundaryKind::Reservoir {
                    pressure: p?,
                    temperature: t?,
                    composition: x?,
                }
            }
        };
        Some(Boundary { name, kind })
    }

    fn node(&mut self, v: &Spanned<String>, it: &str) -> Option<NodeId> {
        let d = self.resolve(
            v,
            it,
            "a compartment or boundary",
            &[Kind::Compartment, Kind::Boundary],
        )?;
        Some(match d.kind {
            Kind::Boundary => NodeId::Boundary(BoundaryId(d.index)),
            _ => NodeId::Compartment(CompartmentId(d.index)),
        })
    }

    fn link(&mut self, l: &Spanned<LinkWire>) -> Option<Link> {
        let w = self.get_item(l, "link")?;
        let name = self.check_name(&w.name, "link", false)?;
        let it = item("link", &name);
        let from = self.node(&w.from, &it);
        let to = self.node(&w.to, &it);
        if let (Some(a), Some(b)) = (from, to) {
            if a == b {
                self.sink
                    .error(w.to.span, Some(&it), "connects a node to itself")
                    .expected("two different nodes");
            } else if matches!(a, NodeId::Boundary(_)) && matches!(b, NodeId::Boundary(_)) {
                self.sink
                    .error(w.to.span, Some(&it), "connects two boundaries")
                    .expected("at least one compartment at one end");
            }
        }
        let element = self.element(&w.element, &it);
        let opening = match &w.opening {
            Some(o) => self.schedule(
                o,
                Some(Dimension::Dimensionless),
                "",
                Range::Fraction,
                &it,
                "opening",
            ),
            None => Some(Schedule::Constant(1.0)),
        };
        let open = match &w.open {
            Some(o) => self.get(o, Some(&it)).copied(),
            None => Some(true),
        };
        Some(Link {
            name,
            from: from?,
            to: to?,
            element: element?,
            opening: opening?,
            open: open?,
        })
    }

    /// Area from `area` (a schedule) or `diameter` (a constant), exactly one.
    fn area_or_diameter(
        &mut self,
        area: &Option<Spanned<ScheduleWire>>,
        diameter: &Option<Spanned<Q>>,
        span: Span,
        it: &str,
        kind: &str,
    ) -> Option<Schedule> {
        match (area, diameter) {
            (Some(a), None) => self.schedule(
                a,
                Some(Dimension::Area),
                "m2",
                Range::NonNegative,
                it,
                "area",
            ),
            (None, Some(d)) => self
                .quantity_in(d, Dimension::Length, Range::Positive, it, "diameter")
                .map(|d| Schedule::Constant(PI * d * d / 4.0)),
            (Some(_), Some(d)) => {
                self.sink
                    .error(
                        d.span,
                        Some(it),
                        format!("{kind} has both area and diameter"),
                    )
                    .expected("one of area or diameter");
                None
            }
            (None, None) => {
                self.sink
                    .error(span, Some(it), format!("{kind} has no area"))
                    .expected("area: \"0.1 mm2\" (or a schedule), or diameter: \"2 mm\"");
                None
            }
        }
    }

    fn element(&mut self, e: &Spanned<ElementWire>, it: &str) -> Option<FlowElement> {
        let w = self.get(e, Some(it))?;
        match w {
            ElementWire::Orifice {
                area,
                diameter,
                cd,
                area_law,
            } => {
                let a = self.area_or_diameter(area, diameter, e.span, it, "the Orifice");
                let cd = self.schedule(cd, Some(Dimension::Dimensionless), "", Range::Cd, it, "cd");
                let law = match area_law {
                    None => Some(AreaLaw::Fixed),
                    Some(l) => self.area_law(l, it),
                };
                Some(FlowElement::Orifice {
                    area: a?,
                    cd: cd?,
                    area_law: law?,
                })
            }
            ElementWire::OpenHatch { area, diameter, cd } => {
                let a = self.area_or_diameter(area, diameter, e.span, it, "the OpenHatch");
                let cd = self.schedule(cd, Some(Dimension::Dimensionless), "", Range::Cd, it, "cd");
                Some(FlowElement::OpenHatch { area: a?, cd: cd? })
            }
            ElementWire::PowerLaw {
                c,
                leakage_area,
                n,
                reference_dp,
                cd,
                density,
            } => {
                let n_val = self.number(n, "(dimensionless)", it, "n");
                if let Some(nv) = n_val {
                    if !(0.5..=1.0).contains(&nv) {
                        self.sink
                            .error(n.span, Some(it), format!("the power-law exponent n = {nv} is out of range"))
                            .expected("0.5 <= n <= 1 (0.5: turbulent orifice, 1: laminar; 0.65 is typical)");
                        return None;
                    }
                }
                let coefficient = match (c, leakage_area) {
                    (Some(c), None) => {
                        for (extra, fname) in [
                            (reference_dp, "reference_dp"),
                            (cd, "cd"),
                            (density, "density"),
                        ] {
                            if let Some(x) = extra {
                                self.sink
                                    .error(x.span, Some(it), format!("{fname} is only used with leakage_area"))
                                    .expected("either c alone, or leakage_area with optional reference_dp, cd and density");
                            }
                        }
                        self.schedule(c, None, "m3/(s Pa^n)", Range::NonNegative, it, "c")
                    }
                    (None, Some(a)) => {
                        let area = self.schedule(
                            a,
                            Some(Dimension::Area),
                            "m2",
                            Range::NonNegative,
                            it,
                            "leakage_area",
                        );
                        let dp_r = match reference_dp {
                            Some(d) => self.quantity_in(
                                d,
                                Dimension::Pressure,
                                Range::Positive,
                                it,
                                "reference_dp",
                            ),
                            None => Some(4.0),
                        };
                        let cdv = match cd {
                            Some(x) => {
                                self.quantity_in(x, Dimension::Dimensionless, Range::Cd, it, "cd")
                            }
                            None => Some(1.0),
                        };
                        let rho = match density {
                            Some(x) => self.quantity_in(
                                x,
                                Dimension::Density,
                                Range::Positive,
                                it,
                                "density",
                            ),
                            None => Some(1.2041),
                        };
                        let (area, dp_r, cdv, rho, nv) = (area?, dp_r?, cdv?, rho?, n_val?);
                        // CONTAM's effective leakage area: the orifice of area A (and Cd)
                        // that passes the same flow at the reference pressure difference.
                        Some(area.scaled(cdv * (2.0 / rho).sqrt() * dp_r.powf(0.5 - nv)))
                    }
                    (Some(_), Some(a)) => {
                        self.sink
                            .error(a.span, Some(it), "the PowerLaw has both c and leakage_area")
                            .expected("one of c or leakage_area");
                        None
                    }
                    (None, None) => {
                        self.sink
                            .error(e.span, Some(it), "the PowerLaw has no coefficient")
                            .expected("c: 1e-9 (m3/(s Pa^n)), or leakage_area: \"1 cm2\"");
                        None
                    }
                };
                Some(FlowElement::PowerLaw {
                    c: coefficient?,
                    n: n_val?,
                })
            }
            ElementWire::ViscousCrack {
                geometry,
                viscosity,
            } => {
                let g = self.get(geometry, Some(it)).cloned();
                let geom = match g? {
                    CrackWire::Slit { width, gap, depth } => {
                        let w = self.quantity_in(
                            &width,
                            Dimension::Length,
                            Range::Positive,
                            it,
                            "width",
                        );
                        let g =
                            self.quantity_in(&gap, Dimension::Length, Range::Positive, it, "gap");
                        let d = self.quantity_in(
                            &depth,
                            Dimension::Length,
                            Range::Positive,
                            it,
                            "depth",
                        );
                        CrackGeometry::Slit {
                            width: w?,
                            gap: g?,
                            depth: d?,
                        }
                    }
                    CrackWire::Tube { diameter, length } => {
                        let d = self.quantity_in(
                            &diameter,
                            Dimension::Length,
                            Range::Positive,
                            it,
                            "diameter",
                        );
                        let l = self.quantity_in(
                            &length,
                            Dimension::Length,
                            Range::Positive,
                            it,
                            "length",
                        );
                        CrackGeometry::Tube {
                            diameter: d?,
                            length: l?,
                        }
                    }
                };
                let mu = match viscosity {
                    Some(v) => {
                        self.quantity_in(v, Dimension::Viscosity, Range::Positive, it, "viscosity")?
                    }
                    None => AIR_VISCOSITY,
                };
                Some(FlowElement::ViscousCrack {
                    geometry: geom,
                    viscosity: mu,
                })
            }
            ElementWire::HatchSeal { seated, unseated } => {
                let sub = |me: &mut Self,
                           s: &Spanned<ElementWire>,
                           which: &str|
                 -> Option<FlowElement> {
                    if let Some(
                        ElementWire::HatchSeal { .. }
                        | ElementWire::Fan { .. }
                        | ElementWire::OpenHatch { .. },
                    ) = s.get()
                    {
                        me.sink
                            .error(s.span, Some(it), format!("the {which} law of a HatchSeal cannot be a HatchSeal, an OpenHatch or a Fan"))
                            .expected("Orifice, PowerLaw, ViscousCrack or Linear");
                        return None;
                    }
                    me.element(s, it)
                };
                let a = sub(self, seated, "seated");
                let b = sub(self, unseated, "unseated");
                Some(FlowElement::HatchSeal {
                    seated: Box::new(a?),
                    unseated: Box::new(b?),
                })
            }
            ElementWire::Linear { k } => {
                let k = self.schedule(
                    k,
                    Some(Dimension::Conductance),
                    "kg/(s Pa)",
                    Range::NonNegative,
                    it,
                    "k",
                );
                Some(FlowElement::Linear { k: k? })
            }
            ElementWire::Fan { flow, shutoff_dp } => {
                let q = self.schedule(
                    flow,
                    Some(Dimension::VolumetricFlow),
                    "m3/s",
                    Range::NonNegative,
                    it,
                    "flow",
                );
                let s = match shutoff_dp {
                    Some(s) => Some(self.quantity_in(
                        s,
                        Dimension::Pressure,
                        Range::Positive,
                        it,
                        "shutoff_dp",
                    )?),
                    None => None,
                };
                Some(FlowElement::Fan {
                    flow: q?,
                    shutoff_dp: s,
                })
            }
        }
    }

    fn area_law(&mut self, l: &Spanned<AreaLawWire>, it: &str) -> Option<AreaLaw> {
        let w = self.get(l, Some(it))?.clone();
        match w {
            AreaLawWire::Fixed => Some(AreaLaw::Fixed),
            AreaLawWire::PowerOfPressure { p0, k } => {
                let p0 =
                    self.quantity_in(&p0, Dimension::Pressure, Range::Positive, it, "area_law p0");
                let kv = self.number(&k, "(dimensionless)", it, "area_law k");
                if let Some(kv) = kv {
                    if kv.abs() > 20.0 {
                        self.sink
                            .error(
                                k.span,
                                Some(it),
                                format!("the area-law exponent k = {kv} is out of range"),
                            )
                            .expected("-20 <= k <= 20 (k = 1: area proportional to pressure)");
                        return None;
                    }
                }
                Some(AreaLaw::PowerOfPressure { p0: p0?, k: kv? })
            }
            AreaLawWire::LinearInDp { beta } => {
                let per: Vec<(String, f64)> = Dimension::Pressure
                    .common_units()
                    .iter()
                    .filter_map(|u| {
                        units::unit_factor(u, Dimension::Pressure)
                            .ok()
                            .map(|f| (format!("1/{u}"), 1.0 / f.scale))
                    })
                    .collect();
                let refs: Vec<(&str, f64)> = per.iter().map(|(u, f)| (u.as_str(), *f)).collect();
                let b = self.per_unit(&beta, &refs, it, "area_law beta")?;
                let b = self.magnitude(&beta, b, Dimension::Dimensionless, it, "area_law beta")?;
                Some(AreaLaw::LinearInDp { beta: b })
            }
        }
    }

    fn source(&mut self, s: &Spanned<SourceWire>) -> Option<Source> {
        let w = self.get_item(s, "source")?;
        let name = self.check_name(&w.name, "source", false)?;
        let it = item("source", &name);
        let into = self.resolve(&w.into, &it, "a compartment", &[Kind::Compartment]);
        let ns = self.gas.len();
        let names: Vec<String> = self.gas.species.iter().map(|s| s.name.clone()).collect();
        let mut rates = vec![0.0; ns];
        let mut ok = true;
        if let Some(map) = self.get(&w.rates, Some(&it)) {
            if map.0.is_empty() {
                self.sink
                    .error(w.rates.span, Some(&it), "rates is empty")
                    .expected("rates: {\"O2\": \"-0.84 kg/day\", ...}");
                ok = false;
            }
            let mut given = vec![false; ns];
            for (k, v) in &map.0 {
                let Some(key) = self.get(k, Some(&it)).cloned() else {
                    ok = false;
                    continue;
                };
                let Some(i) = self.gas.index_of(&key) else {
                    let suggestion = did_you_mean(&key, names.iter().map(String::as_str));
                    self.sink
                        .error(k.span, Some(&it), format!("rates: unknown species '{key}'"))
                        .expected(format!("species of the gas table: {}", names.join(", ")))
                        .maybe_hint(suggestion.map(|s| format!("did you mean '{s}'?")));
                    ok = false;
                    continue;
                };
                if given[i] {
                    self.sink
                        .error(k.span, Some(&it), format!("rates: '{key}' is given twice"))
                        .expected("each species once");
                    ok = false;
                    continue;
                }
                given[i] = true;
                match self.quantity(v, Dimension::MassFlow, &it, &format!("rate of {key}")) {
                    Some(r) => rates[i] = r,
                    None => ok = false,
                }
            }
        } else {
            ok = false;
        }
        let schedule = match &w.schedule {
            Some(x) => self.schedule(
                x,
                Some(Dimension::Dimensionless),
                "",
                Range::Any,
                &it,
                "schedule",
            ),
            None => Some(Schedule::Constant(1.0)),
        };
        let into = into?;
        let temperature = match &w.temperature {
            Some(t) => self.quantity_in(
                t,
                Dimension::Temperature,
                Range::Positive,
                &it,
                "temperature",
            ),
            None => self.compartment_temps.get(into.index).copied().flatten(),
        };
        let active = match &w.active {
            Some(a) => self.get(a, Some(&it)).copied(),
            None => Some(true),
        };
        if !ok {
            return None;
        }
        Some(Source {
            name,
            into: CompartmentId(into.index),
            rates,
            schedule: schedule?,
            temperature: temperature?,
            active: active?,
        })
    }

    /// A watched quantity `NAME.FIELD`: the physics quantity and the dimension of its value.
    fn watched(&mut self, v: &Spanned<String>, it: &str) -> Option<(Quantity, Dimension)> {
        let text = self.get(v, Some(it))?.clone();
        const FIELDS: [&str; 5] = [
            "pressure",
            "temperature",
            "mass",
            "partial_pressure.SPECIES",
            "mass_flow",
        ];
        let Some((node, field)) = text.split_once('.') else {
            self.sink
                .error(v.span, Some(it), format!("quantity '{text}' has no field"))
                .expected("NAME.FIELD: compartment.pressure, compartment.temperature, compartment.mass, compartment.partial_pressure.O2 or link.mass_flow");
            return None;
        };
        let kinds = [Kind::Compartment, Kind::Link, Kind::Boundary, Kind::Source];
        let Some(d) = self.names.get(node).copied() else {
            let suggestion = self.suggest(node, &[Kind::Compartment, Kind::Link]);
            let expected = format!(
                "a compartment or link: {}",
                self.listed(&[Kind::Compartment, Kind::Link])
            );
            self.sink
                .error(
                    v.span,
                    Some(it),
                    format!("quantity '{}': unknown name '{}'", clip(&text), clip(node)),
                )
                .expected(expected)
                .maybe_hint(suggestion.map(|s| format!("did you mean '{s}.{field}'?")));
            let _ = kinds;
            return None;
        };
        let bad_field = |me: &mut Self, allowed: &[&str], what: &str| {
            let suggestion = did_you_mean(
                field,
                allowed.iter().map(|f| f.split('.').next().unwrap_or(f)),
            );
            me.sink
                .error(
                    v.span,
                    Some(it),
                    format!("quantity '{text}': a {what} has no field '{field}'"),
                )
                .expected(format!("one of: {}", allowed.join(", ")))
                .maybe_hint(suggestion.map(|s| format!("did you mean '{node}.{s}'?")));
        };
        match d.kind {
            Kind::Compartment => {
                let c = CompartmentId(d.index);
                match field {
                    "pressure" => Some((Quantity::Pressure(c), Dimension::Pressure)),
                    "temperature" => Some((Quantity::Temperature(c), Dimension::Temperature)),
                    "mass" => Some((Quantity::Mass(c), Dimension::Mass)),
                    f if f.starts_with("partial_pressure.") => {
                        let sp = &f["partial_pressure.".len()..];
                        match self.gas.index_of(sp) {
                            Some(s) => Some((Quantity::PartialPressure(c, s), Dimension::Pressure)),
                            None => {
                                let names: Vec<&str> =
                                    self.gas.species.iter().map(|s| s.name.as_str()).collect();
                                let suggestion =
                                    did_you_mean(sp, names.iter().copied()).map(String::from);
                                self.sink
                                    .error(
                                        v.span,
                                        Some(it),
                                        format!("quantity '{text}': unknown species '{sp}'"),
                                    )
                                    .expected(format!(
                                        "species of the gas table: {}",
                                        names.join(", ")
                                    ))
                                    .maybe_hint(suggestion.map(|s| {
                                        format!("did you mean '{node}.partial_pressure.{s}'?")
                                    }));
                                None
                            }
                        }
                    }
                    _ => {
                        bad_field(self, &FIELDS[..4], "compartment");
                        None
                    }
                }
            }
            Kind::Link => {
                if field == "mass_flow" {
                    Some((Quantity::MassFlow(LinkId(d.index)), Dimension::MassFlow))
                } else {
                    bad_field(self, &FIELDS[4..], "link");
                    None
                }
            }
            Kind::Boundary => {
                self.sink
                    .error(v.span, Some(it), format!("quantity '{text}': '{node}' is a boundary, whose state is fixed"))
                    .expected("a compartment quantity (NAME.pressure, ...) or a link's NAME.mass_flow")
                    .hint("to follow what a boundary receives, watch the mass_flow of the link into it");
                None
            }
            Kind::Source => {
                self.sink
                    .error(
                        v.span,
                        Some(it),
                        format!("quantity '{text}': '{node}' is a source"),
                    )
                    .expected(
                        "a compartment quantity (NAME.pressure, ...) or a link's NAME.mass_flow",
                    );
                None
            }
        }
    }

    /// The crossing of a trigger or threshold: (quantity, threshold SI, direction, value text).
    #[allow(clippy::too_many_arguments)]
    fn crossing(
        &mut self,
        quantity: &Spanned<String>,
        below: &Option<Spanned<Q>>,
        above: &Option<Spanned<Q>>,
        threshold: &Option<Spanned<Q>>,
        direction: &Option<Spanned<DirectionWire>>,
        span: Span,
        it: &str,
    ) -> Option<(Quantity, f64, Direction, String)> {
        let q = self.watched(quantity, it);
        let given = [below.is_some(), above.is_some(), threshold.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if given != 1 {
            self.sink
                .error(span, Some(it), format!("{given} of below, above and threshold are given"))
                .expected("exactly one: below: VALUE (a falling crossing), above: VALUE (rising), or threshold: VALUE with direction: Rising, Falling or Either");
            return None;
        }
        if direction.is_some() && threshold.is_none() {
            self.sink
                .error(
                    direction.as_ref().map_or(span, |d| d.span),
                    Some(it),
                    "direction is only used with threshold",
                )
                .expected("below: VALUE, above: VALUE, or threshold: VALUE with direction");
            return None;
        }
        let (qv, dim) = q?;
        let (value, dir) = if let Some(b) = below {
            (b, Direction::Falling)
        } else if let Some(a) = above {
            (a, Direction::Rising)
        } else if let Some(t) = threshold {
            let dir = match direction {
                Some(d) => match self.get(d, Some(it))? {
                    DirectionWire::Rising => Direction::Rising,
                    DirectionWire::Falling => Direction::Falling,
                    DirectionWire::Either => Direction::Either,
                },
                None => Direction::Either,
            };
            (t, dir)
        } else {
            return None;
        };
        let x = self.quantity(value, dim, it, "threshold")?;
        let text = match value.get()? {
            Q::Number(v) => format!("{v} {}", dim.si_unit()).trim().to_string(),
            Q::Text(s) => s.trim().to_string(),
        };
        Some((qv, x, dir, text))
    }

    fn event(&mut self, e: &Spanned<EventWire>, seen: &mut HashMap<String, Span>) -> Option<Event> {
        let w = self.get_item(e, "event")?;
        let name = self.check_name(&w.name, "event", false)?;
        let it = item("event", &name);
        if let Some(prev) = seen.get(&name) {
            let at = self
                .sink
                .locate(*prev)
                .map(|l| format!(" at line {}", l.line))
                .unwrap_or_default();
            self.sink
                .error(
                    w.name.span,
                    Some(&it),
                    format!("duplicate name: another event has the same name{at}"),
                )
                .expected("each event to have its own name");
        } else {
            seen.insert(name.clone(), w.name.span);
        }
        let trigger = match self.get(&w.when, Some(&it)).cloned() {
            Some(TriggerWire::At(t)) => {
                let tv = self.time(&t, &it, "At");
                if let Some(tv) = tv {
                    self.after_end(t.span, &it, "the event", tv);
                }
                tv.map(Trigger::At)
            }
            Some(TriggerWire::Crosses {
                quantity,
                below,
                above,
                threshold,
                direction,
            }) => self
                .crossing(
                    &quantity,
                    &below,
                    &above,
                    &threshold,
                    &direction,
                    w.when.span,
                    &it,
                )
                .map(|(quantity, threshold, direction, _)| Trigger::Crosses {
                    quantity,
                    threshold,
                    direction,
                }),
            None => None,
        };
        let mut wires: Vec<&Spanned<ActionWire>> = Vec::new();
        match (&w.action, &w.actions) {
            (Some(a), None) => wires.push(a),
            (None, Some(list)) if !list.is_empty() => wires.extend(list.iter()),
            (Some(_), Some(_)) => {
                self.sink
                    .error(w.name.span, Some(&it), "has both action and actions")
                    .expected("action: ONE, or actions: [ONE, TWO, ...]");
                return None;
            }
            _ => {
                self.sink
                    .error(w.name.span, Some(&it), "has no action")
                    .expected("action: Close(\"link\"), Open(\"link\"), Set(link: ..., parameter: ..., value: ...), StartSource(\"name\"), StopSource(\"name\"), EndRun or Log");
                return None;
            }
        }
        let mut actions = Vec::new();
        let mut ok = true;
        for a in wires {
            match self.action(a, &it) {
                Some(x) => actions.push(x),
                None => ok = false,
            }
        }
        let repeat = match &w.repeat {
            Some(r) => self.get(r, Some(&it)).copied(),
            None => Some(false),
        };
        if !ok {
            return None;
        }
        Some(Event {
            name,
            trigger: trigger?,
            actions,
            repeat: repeat?,
        })
    }

    fn action(&mut self, a: &Spanned<ActionWire>, it: &str) -> Option<Action> {
        let w = self.get(a, Some(it))?.clone();
        let link = |me: &mut Self, v: &Spanned<String>| {
            me.resolve(v, it, "a link", &[Kind::Link])
                .map(|d| LinkId(d.index))
        };
        let source = |me: &mut Self, v: &Spanned<String>| {
            me.resolve(v, it, "a source", &[Kind::Source])
                .map(|d| SourceId(d.index))
        };
        match w {
            ActionWire::Close(l) => link(self, &l).map(Action::Close),
            ActionWire::Open(l) => link(self, &l).map(Action::Open),
            ActionWire::StartSource(s) => source(self, &s).map(Action::StartSource),
            ActionWire::StopSource(s) => source(self, &s).map(Action::StopSource),
            ActionWire::EndRun => Some(Action::EndRun),
            ActionWire::Log => Some(Action::Log),
            ActionWire::Set {
                link: l,
                parameter,
                value,
            } => {
                let id = link(self, &l);
                let p = self.get(&parameter, Some(it)).copied();
                let (id, p) = (id?, p?);
                let param = match p {
                    ParameterWire::Area => Parameter::Area,
                    ParameterWire::Cd => Parameter::Cd,
                    ParameterWire::Coefficient => Parameter::Coefficient,
                    ParameterWire::FlowRate => Parameter::FlowRate,
                    ParameterWire::Opening => Parameter::Opening,
                    ParameterWire::SeatedArea => Parameter::SeatedArea,
                    ParameterWire::UnseatedArea => Parameter::UnseatedArea,
                    ParameterWire::SeatedCd => Parameter::SeatedCd,
                    ParameterWire::UnseatedCd => Parameter::UnseatedCd,
                    ParameterWire::SeatedCoefficient => Parameter::SeatedCoefficient,
                    ParameterWire::UnseatedCoefficient => Parameter::UnseatedCoefficient,
                };
                let element = self.links.get(id.0).and_then(|l| l.element.clone())?;
                let link_name = l.get().cloned().unwrap_or_default();
                // A hatch seal has two laws; a plain parameter would set both and erase the
                // seal's direction dependence: the scenario must name the side.
                if let (FlowElement::HatchSeal { .. }, Some(seated), Some(unseated)) = (
                    &element,
                    param.on_side(SealSide::Seated),
                    param.on_side(SealSide::Unseated),
                ) {
                    self.sink
                        .error(
                            parameter.span,
                            Some(it),
                            format!(
                                "link '{link_name}' is a HatchSeal: {p:?} would set both its seated and its unseated law and erase its direction dependence"
                            ),
                        )
                        .expected(format!("{seated:?} or {unseated:?}, naming the law to change"));
                    return None;
                }
                // The law a sided parameter addresses (the element itself otherwise).
                let law = match (&element, param.seal_side()) {
                    (FlowElement::HatchSeal { seated, .. }, Some(SealSide::Seated)) => {
                        (**seated).clone()
                    }
                    (FlowElement::HatchSeal { unseated, .. }, Some(SealSide::Unseated)) => {
                        (**unseated).clone()
                    }
                    _ => element.clone(),
                };
                let (dim, range) = match param.unsided().unwrap_or(param) {
                    Parameter::Opening => (Some(Dimension::Dimensionless), Range::Fraction),
                    Parameter::Area => (Some(Dimension::Area), Range::NonNegative),
                    Parameter::Cd => (Some(Dimension::Dimensionless), Range::Cd),
                    Parameter::FlowRate => (Some(Dimension::VolumetricFlow), Range::NonNegative),
                    _ => (coefficient_dimension(&law), Range::NonNegative),
                };
                if param != Parameter::Opening && !element.clone().set_parameter(param, 0.5) {
                    self.sink
                        .error(
                            parameter.span,
                            Some(it),
                            format!(
                                "link '{link_name}' is a {} element, which has no parameter {p:?}",
                                element.kind()
                            ),
                        )
                        .expected(format!(
                            "a parameter of a {}: {}",
                            element.kind(),
                            parameters_of(&element).join(", ")
                        ));
                    return None;
                }
                let x = match dim {
                    Some(d) => self.quantity_in(&value, d, range, it, "value")?,
                    None => {
                        let x = self.number(&value, "m3/(s Pa^n)", it, "value")?;
                        if !range.ok(x) {
                            self.sink
                                .error(value.span, Some(it), format!("value is {x}"))
                                .expected(range.text());
                            return None;
                        }
                        x
                    }
                };
                Some(Action::SetParameter {
                    link: id,
                    parameter: param,
                    value: x,
                })
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn outputs(
        &mut self,
        o: &OutputsWire,
    ) -> (
        Option<DisplayUnits>,
        Option<Vec<PlotKind>>,
        Option<f64>,
        Vec<Option<(Threshold, Event)>>,
    ) {
        let it = "outputs";
        let duration = self.duration;
        let interval = match &o.interval {
            Some(i) => self.quantity_in(i, Dimension::Time, Range::Positive, it, "interval"),
            None => duration.map(default_interval),
        };
        if let (Some(i), Some(d)) = (interval, duration) {
            let rows = d / i;
            if rows > MAX_ROWS as f64 {
                self.sink
                    .error(
                        o.interval.as_ref().map_or(Span::UNKNOWN, |s| s.span),
                        Some(it),
                        format!(
                            "interval {} gives {} rows over {}",
                            fmt_time(i),
                            rows.ceil(),
                            fmt_time(d)
                        ),
                    )
                    .expected(format!("at most {MAX_ROWS} rows"))
                    .hint("use a longer interval");
            }
        }
        let unit = |me: &mut Self,
                    v: &Option<Spanned<String>>,
                    dim: Dimension,
                    default: Option<String>,
                    field: &str|
         -> Option<Option<String>> {
            match v {
                None => Some(default),
                Some(s) => {
                    let u = me.get(s, Some(it))?.clone();
                    match units::unit_factor(&u, dim) {
                        Ok(_) => Some(Some(u.trim().to_string())),
                        Err(e) => {
                            me.unit_error(s.span, it, field, &e);
                            None
                        }
                    }
                }
            }
        };
        let pressure = unit(
            self,
            &o.pressure_unit,
            Dimension::Pressure,
            Some("kPa".into()),
            "pressure_unit",
        );
        let time = unit(
            self,
            &o.time_unit,
            Dimension::Time,
            duration.map(|d| default_time_unit(d).to_string()),
            "time_unit",
        );
        let flow = unit(self, &o.flow_unit, Dimension::MassFlow, None, "flow_unit");
        let temperature = unit(
            self,
            &o.temperature_unit,
            Dimension::Temperature,
            Some("degC".into()),
            "temperature_unit",
        );
        let display = match (pressure, time, flow, temperature) {
            (Some(Some(p)), Some(Some(t)), Some(f), Some(Some(te))) => Some(DisplayUnits {
                pressure: p,
                time: t,
                flow: f,
                temperature: te,
            }),
            _ => None,
        };
        let plots = match &o.plots {
            None => {
                let mut v = vec![PlotKind::Pressure, PlotKind::Flows];
                if self.energy {
                    v.push(PlotKind::Temperature);
                }
                Some(v)
            }
            Some(list) => {
                let mut v = Vec::new();
                let mut ok = true;
                for p in list {
                    match self.get(p, Some(it)).cloned() {
                        Some(PlotWire::Pressure) => v.push(PlotKind::Pressure),
                        Some(PlotWire::Flows) => v.push(PlotKind::Flows),
                        Some(PlotWire::Temperature) => v.push(PlotKind::Temperature),
                        Some(PlotWire::PartialPressure(s)) => {
                            if self.gas.index_of(&s).is_some() {
                                v.push(PlotKind::PartialPressure(s));
                            } else {
                                let names: Vec<&str> =
                                    self.gas.species.iter().map(|s| s.name.as_str()).collect();
                                let suggestion =
                                    did_you_mean(&s, names.iter().copied()).map(String::from);
                                self.sink
                                    .error(
                                        p.span,
                                        Some(it),
                                        format!("plot of unknown species '{s}'"),
                                    )
                                    .expected(format!(
                                        "species of the gas table: {}",
                                        names.join(", ")
                                    ))
                                    .maybe_hint(suggestion.map(|x| format!("did you mean '{x}'?")));
                                ok = false;
                            }
                        }
                        None => ok = false,
                    }
                }
                ok.then_some(v)
            }
        };
        let mut thresholds = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        for t in &o.thresholds {
            let Some(w) = self.get(t, Some(it)).cloned() else {
                thresholds.push(None);
                continue;
            };
            let label_given = match &w.name {
                Some(n) => match self.get(n, Some("threshold")) {
                    Some(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                    _ => None,
                },
                None => None,
            };
            let tit = format!(
                "threshold '{}'",
                label_given.clone().unwrap_or_else(|| w
                    .quantity
                    .get()
                    .cloned()
                    .unwrap_or_default())
            );
            let c = self.crossing(
                &w.quantity,
                &w.below,
                &w.above,
                &w.threshold,
                &w.direction,
                t.span,
                &tit,
            );
            let Some((q, x, dir, text)) = c else {
                thresholds.push(None);
                continue;
            };
            let qtext = w.quantity.get().cloned().unwrap_or_default();
            let how = match dir {
                Direction::Falling => "below",
                Direction::Rising => "above",
                Direction::Either => "crosses",
            };
            let label = label_given.unwrap_or_else(|| format!("{qtext} {how} {text}"));
            if labels.contains(&label) {
                self.sink
                    .error(
                        t.span,
                        Some(&tit),
                        format!("a threshold named '{label}' is already listed"),
                    )
                    .expected("each threshold once (or give each a different name)");
                thresholds.push(None);
                continue;
            }
            labels.push(label.clone());
            let th = Threshold {
                label,
                quantity: qtext,
                direction: dir,
                value: x,
                value_text: text,
            };
            let ev = Event {
                name: th.event_name(),
                trigger: Trigger::Crosses {
                    quantity: q,
                    threshold: x,
                    direction: dir,
                },
                actions: vec![Action::Log],
                repeat: true,
            };
            thresholds.push(Some((th, ev)));
        }
        (display, plots, interval, thresholds)
    }

    fn solver(&mut self, s: &SolverWire) -> Option<Settings> {
        let it = "solver";
        let d = Settings::default();
        let method = match &s.method {
            Some(m) => match self.get(m, Some(it))? {
                MethodWire::Bdf => Method::Bdf,
                MethodWire::Dopri5 => Method::Dopri5,
            },
            None => d.method,
        };
        let rtol = match &s.rtol {
            Some(r) => {
                let x = self.number(r, "(dimensionless)", it, "rtol");
                match x {
                    Some(x) if x > 0.0 && x < 1.0 => Some(x),
                    Some(x) => {
                        self.sink
                            .error(r.span, Some(it), format!("rtol is {x}"))
                            .expected("0 < rtol < 1 (1e-6 is the default)");
                        None
                    }
                    None => None,
                }
            }
            None => Some(d.rtol),
        };
        let atol = match &s.atol {
            Some(a) => self.quantity_in(a, Dimension::Pressure, Range::Positive, it, "atol"),
            None => Some(d.atol_pressure),
        };
        let max_step = match &s.max_step {
            Some(m) => self
                .quantity_in(m, Dimension::Time, Range::Positive, it, "max_step")
                .map(Some),
            None => Some(d.max_step),
        };
        let max_steps = match &s.max_steps {
            Some(m) => {
                let x = self.number(m, "steps", it, "max_steps");
                match x {
                    Some(x) if x >= 1.0 && x.fract() == 0.0 && x <= 1e12 => Some(x as usize),
                    Some(x) => {
                        self.sink
                            .error(m.span, Some(it), format!("max_steps is {x}"))
                            .expected("a whole number of steps >= 1");
                        None
                    }
                    None => None,
                }
            }
            None => Some(d.max_steps),
        };
        let deadband = match &s.reversal_deadband {
            Some(r) => self.quantity_in(
                r,
                Dimension::MassFlow,
                Range::NonNegative,
                it,
                "reversal_deadband",
            ),
            None => Some(d.reversal_deadband),
        };
        let rearm = match &s.event_rearm_interval {
            Some(r) => self.quantity_in(
                r,
                Dimension::Time,
                Range::NonNegative,
                it,
                "event_rearm_interval",
            ),
            None => Some(d.event_rearm_interval),
        };
        Some(Settings {
            method,
            rtol: rtol?,
            atol_pressure: atol?,
            max_step: max_step?,
            max_steps: max_steps?,
            reversal_deadband: deadband?,
            event_rearm_interval: rearm?,
            ..d
        })
    }
}

/// The unit of a `Coefficient` of this element: `Some(Conductance)` for linear laws,
/// `None` (plain SI number) for power laws.
fn coefficient_dimension(e: &FlowElement) -> Option<Dimension> {
    match e {
        FlowElement::Linear { .. } => Some(Dimension::Conductance),
        FlowElement::HatchSeal { seated, unseated } => {
            match (
                coefficient_dimension(seated),
                coefficient_dimension(unseated),
            ) {
                (Some(d), _) | (_, Some(d)) => Some(d),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Parameters an event may set on an element.
fn parameters_of(e: &FlowElement) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = [
        (Parameter::Area, "Area"),
        (Parameter::Cd, "Cd"),
        (Parameter::Coefficient, "Coefficient"),
        (Parameter::FlowRate, "FlowRate"),
        (Parameter::SeatedArea, "SeatedArea"),
        (Parameter::UnseatedArea, "UnseatedArea"),
        (Parameter::SeatedCd, "SeatedCd"),
        (Parameter::UnseatedCd, "UnseatedCd"),
        (Parameter::SeatedCoefficient, "SeatedCoefficient"),
        (Parameter::UnseatedCoefficient, "UnseatedCoefficient"),
    ]
    .iter()
    .filter(|(p, _)| e.clone().set_parameter(*p, 0.5))
    .map(|(_, n)| *n)
    .collect();
    v.push("Opening");
    v
}

/// The identifier a ron error is about (an unknown field or variant), if any.
fn error_word(code: &ron::Error) -> Option<&str> {
    match code {
        ron::Error::NoSuchStructField { found, .. }
        | ron::Error::NoSuchEnumVariant { found, .. }
        | ron::Error::ExpectedDifferentStructName { found, .. } => Some(found),
        ron::Error::DuplicateStructField { field, .. } => Some(field),
        _ => None,
    }
}

/// The byte range to underline for a ron error at `offset`: the identifier it is about when
/// that sits just before the position (ron reports the position after it), else the position.
fn word_at(src: &str, offset: usize, code: &ron::Error) -> (usize, usize) {
    let start = floor_boundary(src, offset.min(src.len()));
    if let Some(w) = error_word(code) {
        // Search back only a short way: a whole-line search would make a long line with
        // many errors quadratic.
        let window = floor_boundary(src, start.saturating_sub(w.len() + 256));
        let line_start = src[window..start]
            .rfind('\n')
            .map_or(window, |i| window + i + 1);
        if let Some(i) = src[line_start..start].rfind(w) {
            return (line_start + i, line_start + i + w.len());
        } else if src[start..].starts_with(w) {
            return (start, start + w.len());
        }
    }
    (start, start)
}

/// A problem for a value whose own text did not parse, located in `sink`'s source.
pub(crate) fn wire_diagnostic(sink: &Sink, e: &WireError, item: Option<&str>) -> Diagnostic {
    let (message, expected, hint) = describe_ron_error(&e.error);
    let location = e.at.range_in(sink.src()).map(|r| {
        let (start, end) = if r.is_empty() {
            word_at(sink.src(), r.start, &e.error)
        } else {
            (r.start, r.end)
        };
        sink.locate_range(start, end)
    });
    Diagnostic {
        location,
        item: item.map(String::from),
        message,
        expected,
        hint,
    }
}

/// Describe a ron error: (what is wrong, what was expected, hint).
pub(crate) fn describe_ron_error(e: &ron::Error) -> (String, Option<String>, Option<String>) {
    let fields = |xs: &[&str]| xs.join(", ");
    // The item label already says "compartment 'x'": name only the inner structures.
    const ITEMS: [&str; 10] = [
        "Scenario",
        "Compartment",
        "Boundary",
        "Link",
        "Source",
        "Event",
        "Outputs",
        "Solver",
        "Threshold",
        "Species",
    ];
    let outer_in = |o: &Option<String>| {
        o.as_ref()
            .filter(|s| !s.is_empty() && !ITEMS.contains(&s.as_str()))
            .map(|s| format!(" in {s}"))
            .unwrap_or_default()
    };
    match e {
        ron::Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => (
            format!("unknown field '{found}'{}", outer_in(outer)),
            Some(format!("one of: {}", fields(expected))),
            did_you_mean(found, expected.iter().copied()).map(|s| format!("did you mean '{s}'?")),
        ),
        ron::Error::MissingStructField { field, outer } => (
            format!("missing field '{field}'{}", outer_in(outer)),
            Some(format!("a '{field}: ...' entry")),
            None,
        ),
        ron::Error::DuplicateStructField { field, outer } => (
            format!("field '{field}' is given twice{}", outer_in(outer)),
            Some("each field once".to_string()),
            None,
        ),
        ron::Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let what = outer.as_deref().filter(|s| !s.is_empty()).unwrap_or("kind");
            (
                format!("unknown {what} '{found}'"),
                Some(format!("one of: {}", fields(expected))),
                did_you_mean(found, expected.iter().copied())
                    .map(|s| format!("did you mean '{s}'?")),
            )
        }
        ron::Error::ExpectedDifferentStructName { expected, found } => (
            format!("'{found}' here should be '{expected}'"),
            Some(format!("{expected}(...) or just (...)")),
            None,
        ),
        ron::Error::InvalidValueForType { expected, found } => (
            format!(
                "found {}",
                found
                    .replace("a sequence", "a list [...]")
                    .replace("a map", "a map {...}")
            ),
            Some(expected.clone()),
            None,
        ),
        ron::Error::ExpectedNamedStructLike(name) => (
            format!("expected {name}(...) here"),
            Some(format!("{name}( ... )")),
            None,
        ),
        ron::Error::ExpectedStructName(name) => (
            format!("expected {name}(...) here"),
            Some(format!("{name}( ... )")),
            None,
        ),
        ron::Error::Eof => (
            "the file ends too early".to_string(),
            Some("the rest of the scenario, up to its closing ')'".to_string()),
            Some("check that every '(', '[' and '{' is closed".to_string()),
        ),
        ron::Error::ExpectedComma => (
            "syntax error: missing ','".to_string(),
            Some("a ',' between entries".to_string()),
            None,
        ),
        ron::Error::TrailingCharacters => (
            "text after the end of the scenario".to_string(),
            Some("nothing after the closing ')' of Scenario(...)".to_string()),
            None,
        ),
        ron::Error::ExpectedStringEnd => (
            "a string is not closed".to_string(),
            Some("a closing '\"'".to_string()),
            None,
        ),
        ron::Error::ExceededRecursionLimit => (
            format!("the values here nest deeper than {MAX_NESTING} levels"),
            Some("a scenario nests at most a few levels, e.g. Scenario > links > link > HatchSeal > PowerLaw > Table".into()),
            Some("check for brackets or parentheses that are opened and never closed, or a value nested inside itself".into()),
        ),
        ron::Error::Message(m) => (lower_first(m), None, None),
        other => (
            format!("syntax error: {}", lower_first(&other.to_string())),
            None,
            None,
        ),
    }
}

/// A round output interval giving about 2000 rows at most.
fn default_interval(duration: f64) -> f64 {
    const NICE: [f64; 13] = [
        1e-3,
        1e-2,
        0.1,
        1.0,
        10.0,
        60.0,
        600.0,
        3600.0,
        6.0 * 3600.0,
        86_400.0,
        7.0 * 86_400.0,
        30.0 * 86_400.0,
        365.0 * 86_400.0,
    ];
    let target = duration / 2000.0;
    NICE.iter()
        .copied()
        .find(|&x| x >= target)
        .unwrap_or(duration / 2000.0)
}

/// The time unit plots use by default for a run of this length.
pub fn default_time_unit(duration: f64) -> &'static str {
    if duration >= 2.0 * 86_400.0 {
        "day"
    } else if duration >= 2.0 * 3600.0 {
        "h"
    } else if duration >= 120.0 {
        "min"
    } else {
        "s"
    }
}

/// A time in a readable unit, e.g. `20 day`, `90 min`.
pub fn fmt_time(t: f64) -> String {
    let unit = default_time_unit(t.abs());
    let v = units::to_display(t, unit, Dimension::Time).unwrap_or(t);
    format!("{} {unit}", units::format_significant(v, 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(src: &str) -> String {
        match load_str(src.to_string(), "t.ron") {
            Ok(_) => String::new(),
            Err(d) => d.to_string(),
        }
    }

    const GOOD: &str = r#"Scenario(
        name: "t",
        duration: "1 day",
        compartments: [
            (name: "cabin", volume: "10 m3", pressure: "1 atm", temperature: "22 degC"),
        ],
        boundaries: [(name: "space", kind: Vacuum)],
        links: [(name: "hole", from: "cabin", to: "space",
                 element: Orifice(diameter: "1 mm", cd: 0.6))],
    )"#;

    #[test]
    fn a_good_scenario_loads() {
        let l = load_str(GOOD.to_string(), "t.ron").expect("valid");
        assert_eq!(l.network.compartments[0].pressure, 101_325.0);
        assert!((l.network.compartments[0].temperature - 295.15).abs() < 1e-12);
        assert_eq!(l.config.output_interval_s, 60.0);
        assert_eq!(l.config.output_times().len(), 1441);
        assert_eq!(l.sha256.len(), 64);
    }

    #[test]
    fn every_problem_is_reported_in_one_pass() {
        let src = GOOD
            .replace("\"10 m3\"", "\"-10 m3\"")
            .replace("to: \"space\"", "to: \"spcae\"")
            .replace("cd: 0.6", "cd: 1.6");
        let e = errors(&src);
        assert!(e.contains("volume is '-10 m3'"), "{e}");
        assert!(e.contains("unknown name 'spcae'"), "{e}");
        assert!(e.contains("did you mean 'space'?"), "{e}");
        assert!(e.contains("cd is 1.6"), "{e}");
        assert!(e.contains("3 problems"), "{e}");
    }

    #[test]
    fn item_level_syntax_problems_do_not_hide_others() {
        let src = GOOD
            .replace("volume:", "volum:")
            .replace("Orifice(", "Orifce(");
        let e = errors(&src);
        assert!(e.contains("unknown field 'volum'"), "{e}");
        assert!(e.contains("did you mean 'volume'?"), "{e}");
        assert!(e.contains("unknown Element 'Orifce'"), "{e}");
        // The compartment's name is still known, so the link's reference does not cascade.
        assert!(!e.contains("unknown name 'cabin'"), "{e}");
    }

    #[test]
    fn each_rule_has_its_message() {
        let cases: [(&str, &str, &str); 14] = [
            ("Orifice(diameter: \"1 mm\", cd: 0.6)", "Orifice(area: \"1 mm2\", diameter: \"1 mm\", cd: 0.6)", "has both area and diameter"),
            ("Orifice(diameter: \"1 mm\", cd: 0.6)", "Orifice(cd: 0.6)", "has no area"),
            ("Orifice(diameter: \"1 mm\", cd: 0.6)", "PowerLaw(c: 1e-9, n: 0.6, reference_dp: \"4 Pa\")", "reference_dp is only used with leakage_area"),
            ("Orifice(diameter: \"1 mm\", cd: 0.6)", "Linear(k: Exponential(initial: 1e-9, rate: \"1 1/day\", doubling_time: \"1 day\"))", "exactly one of rate, doubling_time, halving_time"),
            ("Orifice(diameter: \"1 mm\", cd: 0.6)", "Linear(k: Table([(\"2 h\", 1e-9), (\"1 h\", 2e-9)]))", "is not after the previous one"),
            ("Orifice(diameter: \"1 mm\", cd: 0.6)", "Linear(k: Ramp(from: 1e-9, to: 0, start: \"2 day\", end: \"3 day\"))", "not within the run"),
            ("Orifice(diameter: \"1 mm\", cd: 0.6)", "HatchSeal(seated: Fan(flow: \"1 L/s\"), unseated: Linear(k: 1e-9))", "cannot be a HatchSeal, an OpenHatch or a Fan"),
            ("Orifice(diameter: \"1 mm\", cd: 0.6)", "Orifice(diameter: \"1 mm\", cd: 0.6, area_law: PowerOfPressure(p0: \"1 atm\", k: 50))", "area-law exponent k = 50"),
            ("Orifice(diameter: \"1 mm\", cd: 0.6)", "Orifice(diameter: \"1 mm\", cd: 0.6, area_law: LinearInDp(beta: \"1 1/kg\"))", "area_law beta is '1 1/kg'"),
            ("to: \"space\"", "to: \"cabin\"", "connects a node to itself"),
            ("duration: \"1 day\",", "duration: \"1 day\", events: [(name: \"e\", when: Crosses(quantity: \"space.pressure\", below: 1), action: Log)],", "'space' is a boundary"),
            ("duration: \"1 day\",", "duration: \"1 day\", events: [(name: \"e\", when: Crosses(quantity: \"cabn.pressure\", below: 1), action: Log)],", "did you mean 'cabin.pressure'?"),
            ("duration: \"1 day\",", "duration: \"1 day\", events: [(name: \"e\", when: Crosses(quantity: \"cabin.pressure\", below: 1, direction: Rising), action: Log)],", "direction is only used with threshold"),
            ("duration: \"1 day\",", "duration: \"1 day\", sources: [(name: \"o2\", into: \"space\", rates: {\"O2\": \"1 kg/day\"})],", "'space' is a boundary, not a compartment"),
        ];
        for (from, to, expected) in cases {
            assert!(GOOD.contains(from), "{from}");
            let e = errors(&GOOD.replace(from, to));
            assert!(e.contains(expected), "{to}\nexpected '{expected}' in:\n{e}");
        }
    }

    #[test]
    fn custom_and_perfect_gases_and_sources_load() {
        let src = GOOD
            .replace(
                "duration: \"1 day\",",
                "duration: \"1 day\", gas: Species([(name: \"N2\", molar_mass: \"28.0134 g/mol\", cp: 29.124), (name: \"O2\", molar_mass: 0.0319988, cp: 29.378)]),
                 sources: [(name: \"o2\", into: \"cabin\", rates: {\"O2\": \"1 kg/day\"}, active: false)],",
            )
            .replace("\"22 degC\")", "\"22 degC\", composition: {\"N2\": \"79 %\", \"O2\": \"21 %\"})");
        let l = load_str(src, "t.ron").expect("valid");
        assert_eq!(l.network.gas.len(), 2);
        assert_eq!(l.network.sources[0].rates, vec![0.0, 1.0 / 86_400.0]);
        assert!(!l.network.sources[0].active);
        assert_eq!(l.network.sources[0].temperature, 295.15);
        let perfect = GOOD.replace(
            "duration: \"1 day\",",
            "duration: \"1 day\", gas: Perfect(r: 287.05, gamma: 1.4),",
        );
        let l = load_str(perfect, "t.ron").expect("valid");
        assert_eq!(l.network.compartments[0].composition, vec![1.0]);
    }

    #[test]
    fn issue7_degenerate_numbers_in_every_physical_field_are_refused_where_they_are() {
        const ORIFICE: &str = "Orifice(diameter: \"1 mm\", cd: 0.6)";
        const DURATION: &str = "duration: \"1 day\",";
        // (text to replace, replacement with X for the value); X is each degenerate number.
        let fields: Vec<(&str, String)> = vec![
            ("\"10 m3\"", "X".into()),
            ("\"1 atm\"", "X".into()),
            ("\"22 degC\"", "X".into()),
            ("\"1 day\"", "X".into()),
            ("\"1 mm\"", "X".into()),
            ("cd: 0.6", "cd: X".into()),
            (ORIFICE, "Orifice(area: X, cd: 0.6)".into()),
            (ORIFICE, "Linear(k: X)".into()),
            (
                ORIFICE,
                "Linear(k: Exponential(initial: 1e-9, rate: X))".into(),
            ),
            (ORIFICE, "PowerLaw(c: X, n: 0.65)".into()),
            (ORIFICE, "PowerLaw(c: 1e-9, n: X)".into()),
            (ORIFICE, "PowerLaw(leakage_area: X, n: 0.65)".into()),
            (ORIFICE, "Fan(flow: X)".into()),
            (ORIFICE, "Fan(flow: \"1 L/s\", shutoff_dp: X)".into()),
            (ORIFICE, "ViscousCrack(geometry: Slit(width: X, gap: \"3 um\", depth: \"5 mm\"))".into()),
            (ORIFICE, "ViscousCrack(geometry: Slit(width: \"4 mm\", gap: X, depth: \"5 mm\"))".into()),
            (ORIFICE, "ViscousCrack(geometry: Tube(diameter: \"20 um\", length: X))".into()),
            (ORIFICE, "ViscousCrack(geometry: Tube(diameter: \"20 um\", length: \"4 mm\"), viscosity: X)".into()),
            (ORIFICE, "Orifice(diameter: \"1 mm\", cd: 0.6, area_law: PowerOfPressure(p0: X, k: 1))".into()),
            (ORIFICE, "Orifice(diameter: \"1 mm\", cd: 0.6, area_law: LinearInDp(beta: X))".into()),
            ("to: \"space\",", "to: \"space\", opening: X,".into()),
            (DURATION, format!("{DURATION} gas: Perfect(r: X, gamma: 1.4),")),
            (DURATION, format!("{DURATION} gas: Perfect(r: 287, gamma: X),")),
            (DURATION, format!("{DURATION} gas: Species([(name: \"N2\", molar_mass: X, cp: 29.1)]),")),
            (DURATION, format!("{DURATION} gas: Species([(name: \"N2\", molar_mass: 0.028, cp: X)]),")),
            (DURATION, format!("{DURATION} sources: [(name: \"s\", into: \"cabin\", rates: {{\"O2\": X}})],")),
            (DURATION, format!("{DURATION} sources: [(name: \"s\", into: \"cabin\", rates: {{\"O2\": 1e-6}}, schedule: X)],")),
            (DURATION, format!("{DURATION} sources: [(name: \"s\", into: \"cabin\", rates: {{\"O2\": 1e-6}}, temperature: X)],")),
            ("(name: \"space\", kind: Vacuum)", "(name: \"space\", kind: Vacuum), (name: \"tank\", kind: Reservoir(pressure: X, temperature: 300))".into()),
            ("(name: \"space\", kind: Vacuum)", "(name: \"space\", kind: Vacuum), (name: \"tank\", kind: Reservoir(pressure: 1e5, temperature: X))".into()),
            ("\"22 degC\")", "\"22 degC\", thermal: Energy(wall_conductance: X))".into()),
            ("\"22 degC\")", "\"22 degC\", thermal: Energy(wall_conductance: 10, heat_load: X))".into()),
            ("\"22 degC\")", "\"22 degC\", thermal: Energy(wall_conductance: 10, wall_temperature: X))".into()),
            (DURATION, format!("{DURATION} outputs: (interval: X),")),
            (DURATION, format!("{DURATION} solver: (rtol: X),")),
            (DURATION, format!("{DURATION} solver: (atol: X),")),
            (DURATION, format!("{DURATION} solver: (max_step: X),")),
            (DURATION, format!("{DURATION} events: [(name: \"e\", when: At(X), action: Log)],")),
        ];
        let mut cases = 0;
        for (from, to) in &fields {
            assert!(GOOD.contains(from), "{from}");
            for x in ["5e-324", "1e300", "-1e300"] {
                let src = GOOD.replacen(from, &to.replace('X', x), 1);
                let at = src.find(x).expect("the value is in the source");
                let line = src[..at].matches('\n').count() + 1;
                let e = errors(&src);
                assert!(
                    e.contains(&format!("t.ron:{line}:")),
                    "{x} in {to}: not refused at line {line}:\n{e}"
                );
                cases += 1;
            }
        }
        // Zero, where a field must be positive.
        for (from, to) in [
            ("\"10 m3\"", "0"),
            ("\"22 degC\"", "0"),
            ("\"1 day\"", "0"),
            ("\"1 mm\"", "0"),
            ("cd: 0.6", "cd: 0"),
            (
                DURATION,
                "duration: \"1 day\", gas: Perfect(r: 0, gamma: 1.4),",
            ),
            (
                DURATION,
                "duration: \"1 day\", gas: Species([(name: \"N2\", molar_mass: 0, cp: 29.1)]),",
            ),
            (DURATION, "duration: \"1 day\", outputs: (interval: 0),"),
        ] {
            let src = GOOD.replacen(from, to, 1);
            let e = errors(&src);
            assert!(e.contains("t.ron:"), "{to}: not refused:\n{e}");
            cases += 1;
        }
        assert!(cases > 100);
        // A schedule that grows to a non-physical size within the run (1e-9 e^(0.0027 x
        // 86400) = 1e92 kg/(s Pa)), though each of its parameters is ordinary.
        let e = errors(&GOOD.replacen(
            ORIFICE,
            "Linear(k: Exponential(initial: 1e-9, rate: \"0.0027 1/s\"))",
            1,
        ));
        assert!(
            e.contains("t.ron:9:") && e.contains("by the end of the run"),
            "{e}"
        );
    }

    #[test]
    fn issue7_a_network_too_large_for_the_dense_jacobian_is_refused_with_the_limit() {
        // Air has 5 species: 820 compartments need 4100 states, just over the limit; 818
        // (4090, plus 5 for the vacuum's ledger) are accepted.
        let network = |n: usize| {
            let comps: Vec<String> = (0..n)
                .map(|i| format!("(name: \"c{i}\", volume: 1, pressure: 1e5, temperature: 295)"))
                .collect();
            format!(
                "Scenario(name: \"big\", duration: 10, compartments: [{}], boundaries: [(name: \"space\", kind: Vacuum)], links: [(name: \"l\", from: \"c0\", to: \"space\", element: Linear(k: 1e-9))])",
                comps.join(", ")
            )
        };
        assert!(load_str(network(818), "t.ron").is_ok());
        let e = errors(&network(820));
        assert!(e.contains("4105 state variables"), "{e}");
        assert!(
            e.contains(&format!("more than the {MAX_DENSE_STATES}")),
            "{e}"
        );
        assert!(
            e.contains("sparse linear algebra for large networks is planned"),
            "{e}"
        );
        // Dopri5 stores no Jacobian.
        let dopri = network(820).replacen(
            "duration: 10,",
            "duration: 10, solver: (method: Dopri5),",
            1,
        );
        assert!(load_str(dopri, "t.ron").is_ok());
    }

    #[test]
    fn issue7_a_flood_of_misspelt_references_costs_bounded_work() {
        // 2000 links from misspelt compartments: each "did you mean" scans every name, so
        // only the first MAX_SUGGESTIONS distinct names get one (20 000 of them took 460 s).
        let n = 2000;
        let comps: Vec<String> = (0..n)
            .map(|i| format!("(name: \"c{i}\", volume: 1, pressure: 1e5, temperature: 295)"))
            .collect();
        let links: Vec<String> = (0..n)
            .map(|i| {
                format!("(name: \"l{i}\", from: \"d{i}\", to: \"c{i}\", element: Linear(k: 1e-9))")
            })
            .collect();
        let src = format!(
            "Scenario(name: \"u\", duration: 10, solver: (method: Dopri5), compartments: [{}], links: [{}])",
            comps.join(", "),
            links.join(", ")
        );
        let d = load_str(src, "t.ron").expect_err("refused");
        assert_eq!(d.len(), n);
        let hinted = d.list.iter().filter(|x| x.hint.is_some()).count();
        assert_eq!(hinted, MAX_SUGGESTIONS);
        assert_eq!(d.list[0].hint.as_deref(), Some("did you mean 'c0'?"));
        // The list of expected names stops after a dozen.
        let expected = d.list[0].expected.as_deref().unwrap_or_default();
        assert!(
            expected.ends_with(&format!("... ({} more)", n - MAX_NAMES_LISTED)),
            "{expected}"
        );
    }

    #[test]
    fn output_times_end_at_the_duration() {
        let c = RunConfig {
            duration_s: 10.5,
            output_interval_s: 1.0,
            settings: Settings::default(),
            display: DisplayUnits {
                pressure: "Pa".into(),
                time: "s".into(),
                flow: None,
                temperature: "K".into(),
            },
            plots: vec![],
            thresholds: vec![],
        };
        let t = c.output_times();
        assert_eq!(t.len(), 12);
        assert_eq!(t[11], 10.5);
    }
}
