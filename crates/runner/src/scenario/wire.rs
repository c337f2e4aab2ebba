//! Wire types: a scenario file exactly as written, before any unit is converted or any name is
//! resolved (stage one of two; the rest of [`crate::scenario`] is stage two).
//!
//! Every value that an analyst may get wrong is wrapped in [`Spanned`], which remembers where
//! the value sits in the source text and parses it on its own. A bad value (an unknown field
//! in one compartment, a misspelt variant in one link) therefore does not stop the parse: it is
//! kept as an error next to the good values, and validation reports it together with every
//! other problem, each with its line and column. Only a broken RON syntax, or a problem in the
//! top-level `Scenario(...)` structure itself, stops at the first error.
//!
//! Physical values are [`Q`]: a number in SI units or a string with a unit (`"760 mmHg"`).
//! Parameters that may change in time are [`ScheduleWire`]: a plain value, or one of `Steps`,
//! `Ramp`, `Table`, `Exponential`. RON cannot tell these apart without `untagged` (which its
//! serde support handles badly), so the choice is made on the raw text of the value: a
//! number or a string is a constant, an identifier starts a schedule.
//!
//! Extending the format: add a field to the wire struct (wrap it in `Option<Spanned<...>>`
//! with `#[serde(default)]` when it is optional), list the type in the `impl_wire!` call at the
//! bottom of this file, and convert it in the validator file for its part.

use std::fmt;
use std::sync::LazyLock;

use plenum_physics::Parameter;

pub use crate::diag::Span;

use ron::error::{Position, SpannedError};
use ron::extensions::Extensions;
use ron::value::RawValue;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// Deepest nesting of values (brackets, parentheses, braces) a scenario or sweep file may
/// have. Real files nest a handful of levels; the limit keeps hostile input from exhausting
/// the stack, and its error says so in the analyst's words.
pub const MAX_NESTING: usize = 64;

/// The RON options every scenario is read with. `implicit_some` lets optional fields be
/// written plainly (`rate: "1/day"` rather than `rate: Some("1/day")`).
pub fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME)
        .with_recursion_limit(MAX_NESTING)
}

/// A value that failed to parse: the RON error and where it occurred.
#[derive(Debug, Clone, PartialEq)]
pub struct WireError {
    /// What ron reported.
    pub error: ron::Error,
    /// The place of the error: the word or value it is about, or a position (zero length).
    pub at: Span,
}

/// A value with its place in the source; the value is `Err` when its own text did not parse.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: Result<T, Box<WireError>>,
    pub span: Span,
}

impl<T> Spanned<T> {
    /// A value built in code (no location).
    pub fn new(value: T) -> Self {
        Spanned {
            value: Ok(value),
            span: Span::UNKNOWN,
        }
    }

    /// The value, when it parsed.
    pub fn get(&self) -> Option<&T> {
        self.value.as_ref().ok()
    }
}

impl<T: Default> Default for Spanned<T> {
    fn default() -> Self {
        Spanned::new(T::default())
    }
}

/// A wire type that can be parsed from the raw text of one RON value.
pub trait Wire: Sized {
    /// Parse `text` (one complete RON value, possibly with surrounding whitespace and
    /// comments).
    fn parse_wire(text: &str) -> Result<Self, SpannedError>;
}

impl<'de, T: Wire> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        let text = raw.get_ron();
        let body = trim_ron(text);
        let span = Span::of(body);
        let value = T::parse_wire(text).map_err(|e| {
            // ron's span of the error: the word it is about, or a position. A value of the
            // wrong type is shown whole (ron's span of that error is the value's first token).
            let start = byte_offset(text, e.span.start);
            let end = byte_offset(text, e.span.end).max(start);
            let at = if matches!(e.code, ron::Error::InvalidValueForType { .. }) {
                span
            } else {
                Span::of(&text[start..end])
            };
            Box::new(WireError { error: e.code, at })
        });
        Ok(Spanned { value, span })
    }
}

/// `text` without leading whitespace and comments, and without trailing whitespace.
pub(crate) fn trim_ron(text: &str) -> &str {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        if let Some(after) = trimmed.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = trimmed.strip_prefix("/*") {
            rest = skip_block_comment(after);
        } else {
            rest = trimmed;
            break;
        }
    }
    rest.trim_end()
}

/// What a Plenum file holds, read from the name of its top-level struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Scenario,
    Sweep,
}

/// The kind of a Plenum file from its top-level struct name (`Scenario(...)`, `Sweep(...)`),
/// past comments, blanks and `#![enable(...)]` attributes; `None` for an unnamed `(...)` or
/// anything else.
pub fn file_kind(text: &str) -> Option<FileKind> {
    let mut rest = trim_ron(text);
    while let Some(attr) = rest.strip_prefix("#!") {
        rest = trim_ron(&attr[attr.find(']')? + 1..]);
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let after = trim_ron(&rest[end..]);
    if !after.starts_with('(') {
        return None;
    }
    match &rest[..end] {
        "Scenario" => Some(FileKind::Scenario),
        "Sweep" => Some(FileKind::Sweep),
        _ => None,
    }
}

/// The text after a (possibly nested) block comment whose opening `/*` was just consumed.
/// One pass over the bytes (searching for both markers from each position would be
/// quadratic in a file of many nested openings).
fn skip_block_comment(rest: &str) -> &str {
    let bytes = rest.as_bytes();
    let mut depth = 1usize;
    let mut i = 0;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return &rest[i..];
                }
            }
            _ => i += 1,
        }
    }
    ""
}

/// Byte offset in `text` of a ron position (1-based line and column counted in characters).
pub(crate) fn byte_offset(text: &str, pos: Position) -> usize {
    let mut line = 1;
    let mut col = 1;
    for (i, c) in text.char_indices() {
        if line == pos.line && col == pos.col {
            return i;
        }
        if c == '\n' {
            if line == pos.line {
                return i;
            }
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    text.len()
}

// -------------------------------------------------------------------------------------------
// Quantities

/// A physical value as written: a number in SI units, or a string with a unit.
#[derive(Debug, Clone, PartialEq)]
pub enum Q {
    /// A bare number, taken to be in the SI unit of the field.
    Number(f64),
    /// A number with a unit, e.g. `"760 mmHg"`, converted by [`crate::units`].
    Text(String),
}

impl fmt::Display for Q {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Q::Number(v) => write!(f, "{v}"),
            Q::Text(s) => write!(f, "\"{s}\""),
        }
    }
}

impl<'de> Deserialize<'de> for Q {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct QVisitor;
        impl Visitor<'_> for QVisitor {
            type Value = Q;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number (in SI units) or a string with a unit, like \"760 mmHg\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Q, E> {
                Ok(Q::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Q, E> {
                Ok(Q::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Q, E> {
                Ok(Q::Number(v as f64))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Q, E> {
                Ok(Q::Number(v as f64))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Q, E> {
                Ok(Q::Number(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Q, E> {
                Ok(Q::Text(v.to_string()))
            }
        }
        deserializer.deserialize_any(QVisitor)
    }
}

/// A map from species name to a value, e.g. `{"N2": 0.7808, "O2": 0.2095}` or
/// `{"O2": "-0.84 kg/day"}`. Kept in file order; duplicates are reported by validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpeciesMap(pub Vec<(Spanned<String>, Spanned<Q>)>);

impl<'de> Deserialize<'de> for SpeciesMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        pairs(
            deserializer,
            "a map from species to value, like {\"N2\": 0.78, \"O2\": 0.22}",
        )
        .map(SpeciesMap)
    }
}

/// A map from a name to a value, e.g. the named parameters `{"crack": "0.02 mm2"}` or a
/// variant's `set: {"parameters.crack": "0.05 mm2"}`. Kept in file order; duplicates are
/// reported by validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NamedValues(pub Vec<(Spanned<String>, Spanned<Q>)>);

impl<'de> Deserialize<'de> for NamedValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        pairs(
            deserializer,
            "a map from name to value, like {\"crack\": \"0.02 mm2\"}",
        )
        .map(NamedValues)
    }
}

/// Entries of a map of names to values, each with its place.
type Pairs = Vec<(Spanned<String>, Spanned<Q>)>;

/// The entries of a RON map of names to values, in file order.
fn pairs<'de, D: Deserializer<'de>>(
    deserializer: D,
    expecting: &'static str,
) -> Result<Pairs, D::Error> {
    struct MapVisitor(&'static str);
    impl<'de> Visitor<'de> for MapVisitor {
        type Value = Pairs;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry::<Spanned<String>, Spanned<Q>>()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(MapVisitor(expecting))
}

// -------------------------------------------------------------------------------------------
// Schedules

/// A parameter that may change in time. Written as a plain value (a constant) or as one of
/// the schedule forms; times are durations from the start of the run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Schedule", deny_unknown_fields)]
pub enum ScheduleWire {
    /// The same value at every time (also what a plain value means).
    Constant(Q),
    /// `initial` until the first step, then each step's value from its time on:
    /// `Steps(initial: "0.08 mm2", steps: [("10 day", "0.04 mm2"), ("20 day", "0 mm2")])`.
    Steps {
        initial: Spanned<Q>,
        steps: Vec<(Spanned<Q>, Spanned<Q>)>,
    },
    /// `from` until `start`, linear to `to` at `end`, `to` afterwards.
    Ramp {
        from: Spanned<Q>,
        to: Spanned<Q>,
        start: Spanned<Q>,
        end: Spanned<Q>,
    },
    /// Piecewise linear through `(time, value)` points, held constant outside them.
    Table(Vec<(Spanned<Q>, Spanned<Q>)>),
    /// `initial * exp(rate * (t - start))` from `start` on; give exactly one of `rate`
    /// (`"0.1 1/day"`), `doubling_time` or `halving_time`.
    Exponential {
        initial: Spanned<Q>,
        #[serde(default)]
        rate: Option<Spanned<Q>>,
        #[serde(default)]
        doubling_time: Option<Spanned<Q>>,
        #[serde(default)]
        halving_time: Option<Spanned<Q>>,
        #[serde(default)]
        start: Option<Spanned<Q>>,
    },
}

impl Wire for ScheduleWire {
    fn parse_wire(text: &str) -> Result<Self, SpannedError> {
        let body = trim_ron(text);
        let plain = body
            .chars()
            .next()
            .is_some_and(|c| c == '"' || c == '.' || c == '+' || c == '-' || c.is_ascii_digit());
        if plain {
            ron_options()
                .from_str::<Q>(text)
                .map(ScheduleWire::Constant)
        } else {
            ron_options().from_str::<ScheduleWire>(text)
        }
    }
}

// -------------------------------------------------------------------------------------------
// The scenario

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Scenario", deny_unknown_fields)]
pub struct ScenarioWire {
    /// Short name; the default output directory is `out/<name>`.
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Simulated time, e.g. `"30 day"`.
    pub duration: Spanned<Q>,
    /// The species table (default: `Air`).
    #[serde(default)]
    pub gas: Option<Spanned<GasWire>>,
    pub compartments: Vec<Spanned<CompartmentWire>>,
    #[serde(default)]
    pub boundaries: Vec<Spanned<BoundaryWire>>,
    #[serde(default)]
    pub links: Vec<Spanned<LinkWire>>,
    #[serde(default)]
    pub sources: Vec<Spanned<SourceWire>>,
    #[serde(default)]
    pub events: Vec<Spanned<EventWire>>,
    #[serde(default)]
    pub outputs: Option<Spanned<OutputsWire>>,
    #[serde(default)]
    pub solver: Option<Spanned<SolverWire>>,
    /// Crews (life support; see `wire/life.rs`).
    #[serde(default)]
    pub crews: Vec<Spanned<CrewWire>>,
    /// ECLSS devices: CO2 removal, O2 generation, humidity removal, make-up gas.
    #[serde(default)]
    pub devices: Vec<Spanned<DeviceWire>>,
    /// Atmosphere limits whose first crossings the summary reports.
    #[serde(default)]
    pub limits: Vec<Spanned<LimitWire>>,
    /// Named parameters, `{"crack": "0.02 mm2"}`: any quantity may be an expression over them.
    #[serde(default)]
    pub parameters: Option<Spanned<NamedValues>>,
    /// Named variants of the scenario, each a set of overrides (see `variants.rs`).
    #[serde(default)]
    pub variants: Vec<Spanned<super::variants::VariantWire>>,
}

impl ScenarioWire {
    /// Parse a whole scenario. Fails only on broken syntax or a bad top-level structure;
    /// problems inside items are kept in their [`Spanned`] values.
    pub fn parse(src: &str) -> Result<ScenarioWire, SpannedError> {
        ron_options().from_str(src)
    }
}

/// The species table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Gas", deny_unknown_fields)]
pub enum GasWire {
    /// N2, O2, Ar, CO2, H2O with constant cp (the default).
    Air,
    /// One calorically perfect species: `Perfect(r: 287.05, gamma: 1.4)`; `r` in J/(kg K).
    Perfect {
        r: Spanned<Q>,
        gamma: Spanned<Q>,
        #[serde(default)]
        name: Option<Spanned<String>>,
    },
    /// A custom table: `Species([(name: "N2", molar_mass: "28.0134 g/mol", cp: 29.124)])`,
    /// molar mass in kg/mol (or a string in g/mol), molar cp in J/(mol K).
    Species(Vec<Spanned<SpeciesWire>>),
}

/// One species of a custom table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Species", deny_unknown_fields)]
pub struct SpeciesWire {
    pub name: Spanned<String>,
    pub molar_mass: Spanned<Q>,
    pub cp: Spanned<Q>,
}

/// A volume of gas.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Compartment", deny_unknown_fields)]
pub struct CompartmentWire {
    pub name: Spanned<String>,
    pub volume: Spanned<Q>,
    pub pressure: Spanned<Q>,
    /// Initial temperature; with `Isothermal`, may be a schedule the gas follows.
    pub temperature: Spanned<ScheduleWire>,
    /// Mole fractions by species (default: dry air).
    #[serde(default)]
    pub composition: Option<Spanned<SpeciesMap>>,
    /// `Isothermal` (default), `Adiabatic`, or `Energy(...)`.
    #[serde(default)]
    pub thermal: Option<Spanned<ThermalWire>>,
}

/// How a compartment's temperature is found.
#[derive(Debug, Clone, PartialEq, Deserialize)]
// Parsed once per file: variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[serde(rename = "Thermal", deny_unknown_fields)]
pub enum ThermalWire {
    /// Temperature held at the compartment's `temperature` (or following its schedule).
    Isothermal,
    /// Energy balance with no heat exchange with the walls.
    Adiabatic,
    /// Energy balance with wall heat exchange `hA (T_wall - T)` and a heat load.
    Energy {
        wall_conductance: Spanned<Q>,
        #[serde(default)]
        wall_temperature: Option<Spanned<ScheduleWire>>,
        #[serde(default)]
        heat_load: Option<Spanned<ScheduleWire>>,
    },
}

/// A node with imposed state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Boundary", deny_unknown_fields)]
pub struct BoundaryWire {
    pub name: Spanned<String>,
    pub kind: Spanned<BoundaryKindWire>,
}

/// What a boundary imposes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "BoundaryKind", deny_unknown_fields)]
pub enum BoundaryKindWire {
    /// p = 0 (space).
    Vacuum,
    /// Fixed pressure, temperature and composition (a tank, a docked vehicle).
    Reservoir {
        pressure: Spanned<Q>,
        temperature: Spanned<Q>,
        #[serde(default)]
        composition: Option<Spanned<SpeciesMap>>,
    },
}

/// An edge between two nodes carrying flow from `from` to `to` (positive direction).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Link", deny_unknown_fields)]
pub struct LinkWire {
    pub name: Spanned<String>,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub element: Spanned<ElementWire>,
    /// Opening fraction in [0, 1] multiplying the flow (default 1).
    #[serde(default)]
    pub opening: Option<Spanned<ScheduleWire>>,
    /// Open at the start (default true); events open and close links.
    #[serde(default)]
    pub open: Option<Spanned<bool>>,
}

/// A flow law; see `docs/scenario-format.md` for each law's equation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Element", deny_unknown_fields)]
pub enum ElementWire {
    /// Compressible flow through a hole: give `area` or `diameter`, and `cd`.
    Orifice {
        #[serde(default)]
        area: Option<Spanned<ScheduleWire>>,
        #[serde(default)]
        diameter: Option<Spanned<Q>>,
        cd: Spanned<ScheduleWire>,
        #[serde(default)]
        area_law: Option<Spanned<AreaLawWire>>,
    },
    /// CONTAM-style leakage `Q = C dp^n`: give `c` (m3/(s Pa^n)) or `leakage_area`.
    PowerLaw {
        #[serde(default)]
        c: Option<Spanned<ScheduleWire>>,
        #[serde(default)]
        leakage_area: Option<Spanned<ScheduleWire>>,
        n: Spanned<Q>,
        #[serde(default)]
        reference_dp: Option<Spanned<Q>>,
        #[serde(default)]
        cd: Option<Spanned<Q>>,
        #[serde(default)]
        density: Option<Spanned<Q>>,
    },
    /// Laminar flow through a narrow crack or capillary.
    ViscousCrack {
        geometry: Spanned<CrackWire>,
        #[serde(default)]
        viscosity: Option<Spanned<Q>>,
    },
    /// A hatch on its seal: `seated` when `from` is at the higher pressure.
    HatchSeal {
        seated: Box<Spanned<ElementWire>>,
        unseated: Box<Spanned<ElementWire>>,
    },
    /// An open hatch (a large orifice): `area` or `diameter`, and `cd`.
    OpenHatch {
        #[serde(default)]
        area: Option<Spanned<ScheduleWire>>,
        #[serde(default)]
        diameter: Option<Spanned<Q>>,
        cd: Spanned<ScheduleWire>,
    },
    /// `mdot = k (p_from - p_to)`, k in kg/(s Pa).
    Linear { k: Spanned<ScheduleWire> },
    /// A fan moving `flow` (volumetric) from `from` to `to`, with an optional linear curve.
    Fan {
        flow: Spanned<ScheduleWire>,
        #[serde(default)]
        shutoff_dp: Option<Spanned<Q>>,
    },
}

/// Geometry of a laminar crack.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Crack", deny_unknown_fields)]
pub enum CrackWire {
    /// A slit: `width` along the crack, `gap` across it, `depth` through the wall.
    Slit {
        width: Spanned<Q>,
        gap: Spanned<Q>,
        depth: Spanned<Q>,
    },
    /// A capillary tube.
    Tube {
        diameter: Spanned<Q>,
        length: Spanned<Q>,
    },
    /// A crack by its conductance `k` in `mdot = k (p_a^2 - p_b^2)`, capped by the choked
    /// flow of `opening`; `temperature` is the reference k was stated at (optional).
    Conductance {
        k: Spanned<Q>,
        opening: Spanned<Q>,
        #[serde(default)]
        temperature: Option<Spanned<Q>>,
    },
}

/// How an orifice's area follows the load on the hull.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "AreaLaw", deny_unknown_fields)]
pub enum AreaLawWire {
    /// Area as given (the default).
    Fixed,
    /// `A = A0 (p_up / p0)^k`: a crack that narrows as the hull unloads.
    PowerOfPressure { p0: Spanned<Q>, k: Spanned<Q> },
    /// `A = A0 (1 + beta |dp|)`, beta per pressure (`"2e-5 1/Pa"`, `"0.1 1/kPa"`).
    LinearInDp { beta: Spanned<Q> },
}

/// Gas injection or removal in a compartment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Source", deny_unknown_fields)]
pub struct SourceWire {
    pub name: Spanned<String>,
    pub into: Spanned<String>,
    /// Mass rate per species at multiplier 1 (negative removes): `{"O2": "-0.84 kg/day"}`.
    pub rates: Spanned<SpeciesMap>,
    /// Multiplier applied to every rate (default 1).
    #[serde(default)]
    pub schedule: Option<Spanned<ScheduleWire>>,
    /// Temperature of the injected gas (default: the compartment's initial temperature).
    #[serde(default)]
    pub temperature: Option<Spanned<Q>>,
    /// Running at the start (default true).
    #[serde(default)]
    pub active: Option<Spanned<bool>>,
}

/// Trigger and action(s).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Event", deny_unknown_fields)]
pub struct EventWire {
    pub name: Spanned<String>,
    pub when: Spanned<TriggerWire>,
    #[serde(default)]
    pub action: Option<Spanned<ActionWire>>,
    #[serde(default)]
    pub actions: Option<Vec<Spanned<ActionWire>>>,
    /// Fire at every crossing rather than once (default false).
    #[serde(default)]
    pub repeat: Option<Spanned<bool>>,
}

/// When an event fires.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Trigger", deny_unknown_fields)]
pub enum TriggerWire {
    /// At a time from the start: `At("20 day")`.
    At(Spanned<Q>),
    /// When a quantity crosses a value: `Crosses(quantity: "prk.pressure", below: "600 mmHg")`.
    Crosses {
        quantity: Spanned<String>,
        #[serde(default)]
        below: Option<Spanned<Q>>,
        #[serde(default)]
        above: Option<Spanned<Q>>,
        #[serde(default)]
        threshold: Option<Spanned<Q>>,
        #[serde(default)]
        direction: Option<Spanned<DirectionWire>>,
        /// The name of an event: the value crossed is the quantity's value when that event
        /// first fired, `below` / `above` it by the given amount (or plus `threshold`).
        #[serde(default)]
        relative_to: Option<Spanned<String>>,
    },
}

/// Direction of a crossing given with `threshold:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename = "Direction")]
pub enum DirectionWire {
    Rising,
    Falling,
    Either,
}

/// What an event does.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Action", deny_unknown_fields)]
pub enum ActionWire {
    /// Close a link (no flow until opened).
    Close(Spanned<String>),
    /// Open a link.
    Open(Spanned<String>),
    /// Set a link parameter to a constant from now on.
    Set {
        link: Spanned<String>,
        parameter: Spanned<ParameterWire>,
        value: Spanned<Q>,
    },
    StartSource(Spanned<String>),
    StopSource(Spanned<String>),
    /// Stop the run.
    EndRun,
    /// Only record the time in the event log.
    Log,
}

/// A link parameter an event can set, by its name in the physics: `Area`, `Cd`,
/// `Coefficient`, `FlowRate`, `Opening`, `SeatedArea`, ... ([`Parameter::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterWire(pub Parameter);

/// A bare identifier (an enum variant's name), as text.
struct Ident(String);

impl<'de> Deserialize<'de> for Ident {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = Ident;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Ident, E> {
                Ok(Ident(s.to_string()))
            }
        }
        deserializer.deserialize_identifier(Text)
    }
}

/// The names of every [`Parameter`], as serde wants them for its messages.
static PARAMETER_NAMES: LazyLock<[&str; Parameter::ALL.len()]> =
    LazyLock::new(|| Parameter::ALL.map(Parameter::name));

impl<'de> Deserialize<'de> for ParameterWire {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ByName;
        impl<'de> Visitor<'de> for ByName {
            type Value = ParameterWire;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a link parameter")
            }
            fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
                let (Ident(name), variant) = data.variant()?;
                let Some(p) = Parameter::from_name(&name) else {
                    return Err(de::Error::unknown_variant(&name, &*PARAMETER_NAMES));
                };
                de::VariantAccess::unit_variant(variant)?;
                Ok(ParameterWire(p))
            }
        }
        deserializer.deserialize_enum("Parameter", &*PARAMETER_NAMES, ByName)
    }
}

/// What a run writes and how plots show it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename = "Outputs", deny_unknown_fields)]
pub struct OutputsWire {
    /// Time between rows of the time series (default: duration / 720, at least 1 row per
    /// second of run... see the docs).
    #[serde(default)]
    pub interval: Option<Spanned<Q>>,
    #[serde(default)]
    pub pressure_unit: Option<Spanned<String>>,
    #[serde(default)]
    pub time_unit: Option<Spanned<String>>,
    #[serde(default)]
    pub flow_unit: Option<Spanned<String>>,
    #[serde(default)]
    pub temperature_unit: Option<Spanned<String>>,
    /// Which plots to draw (default: `[Pressure, Flows]`, plus `Temperature` when a
    /// compartment's energy balance is on).
    #[serde(default)]
    pub plots: Option<Vec<Spanned<PlotWire>>>,
    /// Values whose crossing times the summary reports.
    #[serde(default)]
    pub thresholds: Vec<Spanned<ThresholdWire>>,
}

/// One plot of a run.
// Read once per plot: the size of the options is of no account, and boxing them would make
// the file say `Plot((kind: ...))`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Plot")]
pub enum PlotWire {
    Pressure,
    Flows,
    Temperature,
    /// Partial pressure of one species in every compartment: `PartialPressure("O2")`.
    PartialPressure(String),
    /// A plot with options: `Plot(kind: Pressure, from: "2 day", to: "10 day", show:
    /// ["prk"], log_y: true, sensor: (resolution: "1 mmHg", noise: "0.5 mmHg"), name:
    /// "prk-zoom")`.
    #[serde(rename = "Plot")]
    Steered {
        kind: Box<Spanned<PlotWire>>,
        #[serde(default)]
        from: Option<Spanned<Q>>,
        #[serde(default)]
        to: Option<Spanned<Q>>,
        #[serde(default)]
        show: Option<Vec<Spanned<String>>>,
        #[serde(default)]
        log_y: Option<Spanned<bool>>,
        #[serde(default)]
        sensor: Option<Spanned<SensorWire>>,
        #[serde(default)]
        name: Option<Spanned<String>>,
    },
}

/// A gauge model for a plot: `(resolution: "1 mmHg", noise: "0.5 mmHg", bias: "0.2 mmHg",
/// seed: 7)`, values in the unit of the plotted quantity.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Sensor", deny_unknown_fields)]
pub struct SensorWire {
    #[serde(default)]
    pub resolution: Option<Spanned<Q>>,
    #[serde(default)]
    pub noise: Option<Spanned<Q>>,
    #[serde(default)]
    pub bias: Option<Spanned<Q>>,
    #[serde(default)]
    pub seed: Option<Spanned<u64>>,
}

/// A threshold whose crossings the summary reports.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Threshold", deny_unknown_fields)]
pub struct ThresholdWire {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    pub quantity: Spanned<String>,
    #[serde(default)]
    pub below: Option<Spanned<Q>>,
    #[serde(default)]
    pub above: Option<Spanned<Q>>,
    #[serde(default)]
    pub threshold: Option<Spanned<Q>>,
    #[serde(default)]
    pub direction: Option<Spanned<DirectionWire>>,
    /// Relative to the value when this event first fired (see [`TriggerWire::Crosses`]).
    #[serde(default)]
    pub relative_to: Option<Spanned<String>>,
}

/// Integrator settings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename = "Solver", deny_unknown_fields)]
pub struct SolverWire {
    #[serde(default)]
    pub method: Option<Spanned<MethodWire>>,
    #[serde(default)]
    pub rtol: Option<Spanned<Q>>,
    /// Absolute tolerance as a pressure.
    #[serde(default)]
    pub atol: Option<Spanned<Q>>,
    #[serde(default)]
    pub max_step: Option<Spanned<Q>>,
    #[serde(default)]
    pub max_steps: Option<Spanned<Q>>,
    /// Smallest flow (kg/s) that counts as a direction when logging flow reversals.
    #[serde(default)]
    pub reversal_deadband: Option<Spanned<Q>>,
    /// Least time between two firings of one repeating event.
    #[serde(default)]
    pub event_rearm_interval: Option<Spanned<Q>>,
}

/// Integration method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename = "Method")]
pub enum MethodWire {
    /// Implicit BDF (stiff networks; the default).
    Bdf,
    /// Explicit Dormand-Prince 5(4).
    Dopri5,
}

macro_rules! impl_wire {
    ($($t:ty),* $(,)?) => {
        $(impl Wire for $t {
            fn parse_wire(text: &str) -> Result<Self, SpannedError> {
                ron_options().from_str(text)
            }
        })*
    };
}

impl_wire!(
    String,
    bool,
    Q,
    SpeciesMap,
    NamedValues,
    GasWire,
    SpeciesWire,
    CompartmentWire,
    ThermalWire,
    BoundaryWire,
    BoundaryKindWire,
    LinkWire,
    ElementWire,
    CrackWire,
    AreaLawWire,
    SourceWire,
    EventWire,
    TriggerWire,
    DirectionWire,
    ActionWire,
    ParameterWire,
    OutputsWire,
    PlotWire,
    SensorWire,
    u64,
    ThresholdWire,
    SolverWire,
    MethodWire,
);

mod life;
pub use life::*;

/// The `name:` of an item whose own text did not parse (read loosely, ignoring every other
/// field), so that references to it do not cascade into "unknown name" errors.
pub(crate) fn salvage_name(text: &str) -> Option<String> {
    let value: ron::Value = ron_options().from_str(text).ok()?;
    let ron::Value::Map(map) = value else {
        return None;
    };
    match map.get(&ron::Value::String("name".into()))? {
        ron::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_strings_and_schedules_parse_in_one_field() {
        let src = r#"(a: 0.6, b: "0.14 mm2", c: Ramp(from: 1, to: 0, start: "1 day", end: "2 day"), d: 3)"#;
        #[derive(Deserialize)]
        struct T {
            a: Spanned<ScheduleWire>,
            b: Spanned<ScheduleWire>,
            c: Spanned<ScheduleWire>,
            d: Spanned<Q>,
        }
        let t: T = ron_options().from_str(src).expect("parses");
        assert_eq!(t.a.value, Ok(ScheduleWire::Constant(Q::Number(0.6))));
        assert_eq!(
            t.b.value,
            Ok(ScheduleWire::Constant(Q::Text("0.14 mm2".into())))
        );
        assert!(matches!(t.c.value, Ok(ScheduleWire::Ramp { .. })));
        assert_eq!(t.d.value, Ok(Q::Number(3.0)));
        let r = t.b.span.range_in(src).expect("span in source");
        assert_eq!(&src[r], "\"0.14 mm2\"");
    }

    #[test]
    fn a_bad_value_is_kept_with_its_position() {
        let src = "(a: Rmap(from: 1), b: 2)";
        #[derive(Deserialize)]
        struct T {
            a: Spanned<ScheduleWire>,
            b: Spanned<Q>,
        }
        let t: T = ron_options().from_str(src).expect("outer parse succeeds");
        let err = t.a.value.expect_err("inner parse fails");
        assert!(matches!(err.error, ron::Error::NoSuchEnumVariant { .. }));
        let at = err.at.range_in(src).expect("position in source");
        assert!(at.start >= 4 && at.start <= 9, "{at:?}");
        assert_eq!(t.b.value, Ok(Q::Number(2.0)));
    }

    #[test]
    fn comments_are_not_part_of_a_span() {
        let src = "(a: /* note */ // more\n  \"1 m3\" )";
        #[derive(Deserialize)]
        struct T {
            a: Spanned<Q>,
        }
        let t: T = ron_options().from_str(src).expect("parses");
        let r = t.a.span.range_in(src).expect("span");
        assert_eq!(&src[r], "\"1 m3\"");
    }
}
