//! One grammar for the paths that name things in a scenario, shared by validation, sweeps
//! and what comes after them (fits, variants):
//!
//! - a **quantity path** names something the run computes: `NAME.pressure`,
//!   `NAME.temperature`, `NAME.mass`, `NAME.partial_pressure.SPECIES` (compartments) or
//!   `NAME.mass_flow` (links);
//! - a **parameter path** names a number of the scenario file: `compartments.NAME.volume`,
//!   `links.NAME.element.area`, `links.NAME.element.area.rate` (a field of a schedule),
//!   `links.NAME.element.area_law.k`, `boundaries.NAME.composition.O2`,
//!   `sources.NAME.rate.CO2`, `gas.O2.molar_mass`, ... (docs/paths.md lists them all).
//!
//! Two layers: [`QuantityPath::parse`] and [`ParamPath::parse`] read the text alone (no
//! network needed); `resolve` turns a parsed path into ids ([`Quantity`], [`Target`])
//! against the names of a model ([`Names`], implemented for [`Network`] and
//! [`NetworkParts`]). Errors are a [`PathError`]: message, expected, hint, as the
//! diagnostics print them.

use plenum_physics::{
    BoundaryKind, CompartmentId, CrackGeometry, FlowElement, Gas, LinkId, Network, NetworkParts,
    Quantity, Thermal,
};

use crate::diag::clip;
use crate::suggest::did_you_mean;
use crate::units::Dimension;

mod param;
#[cfg(test)]
mod tests;

pub use param::{
    apply, resolve_path, resolve_path_in, restore, ElementField, ParamPath, ScheduleField, Target,
};

/// What cannot be resolved, in the words the diagnostics print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub message: String,
    pub expected: Option<String>,
    pub hint: Option<String>,
    /// Why, as data (for a caller that words it its own way).
    pub reason: Reason,
}

/// Why a path could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A quantity without a `.FIELD`.
    NoField,
    /// The first name is not one of the model.
    UnknownName,
    /// A species not in the gas table.
    UnknownSpecies,
    /// A field the addressed thing does not have.
    UnknownField,
    /// A boundary or a source named as a quantity.
    NotAQuantity,
    /// A section that is not one of the scenario.
    UnknownSection,
    /// A parameter path that is not sweepable as written.
    NotSweepable,
}

impl PathError {
    fn new(reason: Reason, message: impl Into<String>) -> PathError {
        PathError {
            message: message.into(),
            expected: None,
            hint: None,
            reason,
        }
    }

    fn expected(mut self, e: impl Into<String>) -> PathError {
        self.expected = Some(e.into());
        self
    }

    fn hint(mut self, h: Option<String>) -> PathError {
        self.hint = h;
        self
    }
}

/// What kind of thing a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Compartment,
    Link,
    Boundary,
    Source,
}

impl NameKind {
    /// As messages say it: `compartment`, `link`, `boundary`, `source`.
    pub fn name(self) -> &'static str {
        match self {
            NameKind::Compartment => "compartment",
            NameKind::Link => "link",
            NameKind::Boundary => "boundary",
            NameKind::Source => "source",
        }
    }
}

/// The names of a model, for resolution: the physics [`Network`] and [`NetworkParts`]
/// implement it, and so can a validator's name table.
pub trait Names {
    /// The kind and index of `name`.
    fn lookup(&self, name: &str) -> Option<(NameKind, usize)>;
    /// The names of `kinds`, in the order of the model.
    fn names_of(&self, kinds: &[NameKind]) -> Vec<&str>;
    /// The species of the gas table, in order.
    fn species(&self) -> Vec<&str>;
    /// A "did you mean" for `name` among the names of `kinds`.
    fn suggest(&self, name: &str, kinds: &[NameKind]) -> Option<String> {
        did_you_mean(name, self.names_of(kinds)).map(String::from)
    }
    /// The names of `kinds` as an "expected" line lists them.
    fn listed(&self, kinds: &[NameKind]) -> String {
        name_list(&self.names_of(kinds))
    }
}

/// Names listed in an "expected" line, at most.
pub const MAX_NAMES_LISTED: usize = 12;

/// `a, b, c` (clipped, and `... (N more)` past [`MAX_NAMES_LISTED`]).
pub fn name_list(names: &[&str]) -> String {
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

fn lookup_in(lists: [(NameKind, Vec<&str>); 4], name: &str) -> Option<(NameKind, usize)> {
    lists
        .into_iter()
        .find_map(|(k, v)| v.iter().position(|n| *n == name).map(|i| (k, i)))
}

macro_rules! impl_names {
    ($t:ty, $gas:expr) => {
        impl Names for $t {
            fn lookup(&self, name: &str) -> Option<(NameKind, usize)> {
                lookup_in(
                    [
                        NameKind::Compartment,
                        NameKind::Link,
                        NameKind::Boundary,
                        NameKind::Source,
                    ]
                    .map(|k| (k, self.names_of(&[k]))),
                    name,
                )
            }
            fn names_of(&self, kinds: &[NameKind]) -> Vec<&str> {
                let mut v = Vec::new();
                for k in kinds {
                    match k {
                        NameKind::Compartment => {
                            v.extend(self.compartments.iter().map(|c| c.name.as_str()))
                        }
                        NameKind::Link => v.extend(self.links.iter().map(|c| c.name.as_str())),
                        NameKind::Boundary => {
                            v.extend(self.boundaries.iter().map(|c| c.name.as_str()))
                        }
                        NameKind::Source => v.extend(self.sources.iter().map(|c| c.name.as_str())),
                    }
                }
                v
            }
            fn species(&self) -> Vec<&str> {
                let gas: Option<&Gas> = $gas(self);
                let gas = gas.unwrap_or(&AIR);
                gas.species.iter().map(|s| s.name.as_str()).collect()
            }
        }
    };
}

/// The default gas table, for a model that gives none.
static AIR: std::sync::LazyLock<Gas> = std::sync::LazyLock::new(Gas::air);

fn network_gas(n: &Network) -> Option<&Gas> {
    Some(&n.gas)
}

fn parts_gas(p: &NetworkParts) -> Option<&Gas> {
    p.gas.as_ref()
}

impl_names!(Network, network_gas);
impl_names!(NetworkParts, parts_gas);

/// The fields of a quantity path, as the validator lists them.
const QUANTITY_FIELDS: [&str; 5] = [
    "pressure",
    "temperature",
    "mass",
    "partial_pressure.SPECIES",
    "mass_flow",
];

/// A quantity path as written: `NODE.FIELD` (the field may hold a dot:
/// `partial_pressure.O2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantityPath {
    pub text: String,
    pub node: String,
    pub field: String,
}

impl QuantityPath {
    /// Read `NODE.FIELD`; the only syntax error is a missing field.
    pub fn parse(text: &str) -> Result<QuantityPath, PathError> {
        match text.split_once('.') {
            Some((node, field)) => Ok(QuantityPath {
                text: text.to_string(),
                node: node.to_string(),
                field: field.to_string(),
            }),
            None => Err(PathError::new(Reason::NoField, format!("quantity '{text}' has no field"))
                .expected("NAME.FIELD: compartment.pressure, compartment.temperature, compartment.mass, compartment.partial_pressure.O2 or link.mass_flow")),
        }
    }

    /// The quantity and its dimension in the model `names`.
    pub fn resolve(&self, names: &impl Names) -> Result<(Quantity, Dimension), PathError> {
        let (text, node, field) = (&self.text, self.node.as_str(), self.field.as_str());
        let cl = [NameKind::Compartment, NameKind::Link];
        let Some((kind, index)) = names.lookup(node) else {
            return Err(PathError::new(
                Reason::UnknownName,
                format!("quantity '{}': unknown name '{}'", clip(text), clip(node)),
            )
            .expected(format!("a compartment or link: {}", names.listed(&cl)))
            .hint(
                names
                    .suggest(node, &cl)
                    .map(|s| format!("did you mean '{s}.{field}'?")),
            ));
        };
        let bad_field = |allowed: &[&str], what: &str| {
            let suggestion = did_you_mean(
                field,
                allowed.iter().map(|f| f.split('.').next().unwrap_or(f)),
            );
            PathError::new(
                Reason::UnknownField,
                format!("quantity '{text}': a {what} has no field '{field}'"),
            )
            .expected(format!("one of: {}", allowed.join(", ")))
            .hint(suggestion.map(|s| format!("did you mean '{node}.{s}'?")))
        };
        match kind {
            NameKind::Compartment => {
                let c = CompartmentId(index);
                match field {
                    "pressure" => Ok((Quantity::Pressure(c), Dimension::Pressure)),
                    "temperature" => Ok((Quantity::Temperature(c), Dimension::Temperature)),
                    "mass" => Ok((Quantity::Mass(c), Dimension::Mass)),
                    f if f.starts_with("partial_pressure.") => {
                        let sp = &f["partial_pressure.".len()..];
                        let species = names.species();
                        match species.iter().position(|s| *s == sp) {
                            Some(s) => Ok((Quantity::PartialPressure(c, s), Dimension::Pressure)),
                            None => Err(PathError::new(
                                Reason::UnknownSpecies,
                                format!("quantity '{text}': unknown species '{sp}'"),
                            )
                            .expected(format!("species of the gas table: {}", species.join(", ")))
                            .hint(
                                did_you_mean(sp, species.iter().copied()).map(|s| {
                                    format!("did you mean '{node}.partial_pressure.{s}'?")
                                }),
                            )),
                        }
                    }
                    _ => Err(bad_field(&QUANTITY_FIELDS[..4], "compartment")),
                }
            }
            NameKind::Link if field == "mass_flow" => {
                Ok((Quantity::MassFlow(LinkId(index)), Dimension::MassFlow))
            }
            NameKind::Link => Err(bad_field(&QUANTITY_FIELDS[4..], "link")),
            NameKind::Boundary => Err(PathError::new(
                Reason::NotAQuantity,
                format!("quantity '{text}': '{node}' is a boundary, whose state is fixed"),
            )
            .expected("a compartment quantity (NAME.pressure, ...) or a link's NAME.mass_flow")
            .hint(Some(
                "to follow what a boundary receives, watch the mass_flow of the link into it"
                    .into(),
            ))),
            NameKind::Source => Err(PathError::new(
                Reason::NotAQuantity,
                format!("quantity '{text}': '{node}' is a source"),
            )
            .expected("a compartment quantity (NAME.pressure, ...) or a link's NAME.mass_flow")),
        }
    }
}

/// Parse and resolve a quantity path in one step.
pub fn quantity(text: &str, names: &impl Names) -> Result<(Quantity, Dimension), PathError> {
    QuantityPath::parse(text)?.resolve(names)
}
