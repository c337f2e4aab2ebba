//! Parameter paths: `SECTION.NAME.FIELD...`, resolved against the model's parts to a
//! [`Target`] that [`apply`] sets.

use std::collections::BTreeMap;

use plenum_physics::{AreaLaw, Schedule};

use crate::units::expr;

use super::*;

/// A parameter path as written, split at its dots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamPath {
    pub text: String,
    pub segments: Vec<String>,
}

/// A field of a [`Schedule`]: which ones a schedule has depends on its kind (Steps:
/// `initial`; Ramp: `from`, `to`, `start`, `end`; Exponential: `initial`, `rate`, `start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleField {
    Initial,
    Rate,
    Start,
    End,
    From,
    To,
}

/// A numeric field of a flow element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementField {
    Area,
    Cd,
    C,
    N,
    K,
    Flow,
    ShutoffDp,
    Viscosity,
    Width,
    Gap,
    Depth,
    Diameter,
    Length,
    /// `area_law.p0`, `area_law.k` (PowerOfPressure), `area_law.beta` (LinearInDp).
    AreaLawP0,
    AreaLawK,
    AreaLawBeta,
    /// A crack by conductance: the opening whose choked flow caps it (`k` is [`Self::K`]).
    Opening,
    /// A crack by conductance: the reference temperature of its k.
    Temperature,
}

/// What a parameter path addresses in the model (indices into [`NetworkParts`]' lists;
/// a schedule target with a [`ScheduleField`] sets that field, without one it scales the
/// schedule so that its value at t = 0 is the value).
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    CompartmentVolume(usize),
    CompartmentPressure(usize),
    CompartmentTemperature(usize),
    /// Mole fraction of a species in a compartment's initial gas.
    CompartmentFraction(usize, usize),
    WallConductance(usize),
    WallTemperature(usize, Option<ScheduleField>),
    HeatLoad(usize, Option<ScheduleField>),
    BoundaryPressure(usize),
    BoundaryTemperature(usize),
    BoundaryFraction(usize, usize),
    /// A field of a link's element; `sub` walks into HatchSeal's `seated` (true) /
    /// `unseated` (false).
    Element {
        link: usize,
        sub: Vec<bool>,
        field: ElementField,
        schedule: Option<ScheduleField>,
    },
    LinkOpening(usize, Option<ScheduleField>),
    /// Multiplier of a source's rates.
    SourceScale(usize, Option<ScheduleField>),
    /// A source's rate of one species at multiplier 1.
    SourceRate(usize, usize),
    SourceTemperature(usize),
    GasMolarMass(usize),
    GasCpMolar(usize),
    /// A named parameter of the scenario (`parameters.NAME`). It is set in the scenario
    /// before the scenario is checked, so that every value written over it moves with it
    /// (see [`crate::scenario::variants::apply_variant`]); [`apply`] refuses it.
    Named(String),
}

const SECTIONS: [&str; 6] = [
    "compartments",
    "boundaries",
    "links",
    "sources",
    "gas",
    "parameters",
];

impl ScheduleField {
    pub fn name(self) -> &'static str {
        match self {
            ScheduleField::Initial => "initial",
            ScheduleField::Rate => "rate",
            ScheduleField::Start => "start",
            ScheduleField::End => "end",
            ScheduleField::From => "from",
            ScheduleField::To => "to",
        }
    }

    /// The fields `s` has.
    pub fn of(s: &Schedule) -> &'static [ScheduleField] {
        use ScheduleField::*;
        match s {
            Schedule::Constant(_) | Schedule::Table(_) => &[],
            Schedule::Steps { .. } => &[Initial],
            Schedule::Ramp { .. } => &[From, To, Start, End],
            Schedule::Exponential { .. } => &[Initial, Rate, Start],
        }
    }

    /// The dimension of this field of a schedule of values of `dim`.
    pub fn dimension(self, dim: Dimension) -> Dimension {
        match self {
            ScheduleField::Rate => Dimension::Frequency,
            ScheduleField::Start | ScheduleField::End => Dimension::Time,
            _ => dim,
        }
    }

    fn slot(self, s: &mut Schedule) -> Option<&mut f64> {
        match (self, s) {
            (ScheduleField::Initial, Schedule::Steps { initial, .. })
            | (ScheduleField::Initial, Schedule::Exponential { initial, .. }) => Some(initial),
            (ScheduleField::Rate, Schedule::Exponential { rate, .. }) => Some(rate),
            (ScheduleField::Start, Schedule::Exponential { start, .. })
            | (ScheduleField::Start, Schedule::Ramp { start, .. }) => Some(start),
            (ScheduleField::End, Schedule::Ramp { end, .. }) => Some(end),
            (ScheduleField::From, Schedule::Ramp { from, .. }) => Some(from),
            (ScheduleField::To, Schedule::Ramp { to, .. }) => Some(to),
            _ => None,
        }
    }
}

impl ElementField {
    pub fn name(self) -> &'static str {
        use ElementField::*;
        match self {
            Area => "area",
            Cd => "cd",
            C => "c",
            N => "n",
            K => "k",
            Flow => "flow",
            ShutoffDp => "shutoff_dp",
            Viscosity => "viscosity",
            Width => "width",
            Gap => "gap",
            Depth => "depth",
            Diameter => "diameter",
            Length => "length",
            AreaLawP0 => "area_law.p0",
            AreaLawK => "area_law.k",
            AreaLawBeta => "area_law.beta",
            Opening => "opening",
            Temperature => "temperature",
        }
    }

    /// The numeric fields of `el` with their dimensions, and whether each is a schedule.
    pub fn of(el: &FlowElement) -> Vec<(ElementField, Dimension, bool)> {
        use Dimension as D;
        use ElementField::*;
        match el {
            FlowElement::Orifice { area_law, .. } => {
                let mut v = vec![(Area, D::Area, true), (Cd, D::Dimensionless, true)];
                match area_law {
                    AreaLaw::Fixed => {}
                    AreaLaw::PowerOfPressure { .. } => v.extend([
                        (AreaLawP0, D::Pressure, false),
                        (AreaLawK, D::Dimensionless, false),
                    ]),
                    AreaLaw::LinearInDp { .. } => v.push((AreaLawBeta, D::Dimensionless, false)),
                }
                v
            }
            FlowElement::OpenHatch { .. } => {
                vec![(Area, D::Area, true), (Cd, D::Dimensionless, true)]
            }
            FlowElement::PowerLaw { .. } => {
                vec![(C, D::Dimensionless, true), (N, D::Dimensionless, false)]
            }
            FlowElement::ViscousCrack {
                geometry: CrackGeometry::Conductance { temperature, .. },
                ..
            } => {
                let mut v = vec![(K, D::ViscousConductance, false), (Opening, D::Area, false)];
                if temperature.is_some() {
                    v.push((Temperature, D::Temperature, false));
                }
                v
            }
            FlowElement::ViscousCrack { geometry, .. } => {
                let mut v = vec![(Viscosity, D::Viscosity, false)];
                match geometry {
                    CrackGeometry::Slit { .. } => v.extend([
                        (Width, D::Length, false),
                        (Gap, D::Length, false),
                        (Depth, D::Length, false),
                    ]),
                    CrackGeometry::Tube { .. } => {
                        v.extend([(Diameter, D::Length, false), (Length, D::Length, false)])
                    }
                    CrackGeometry::Conductance { .. } => {}
                }
                v
            }
            FlowElement::Linear { .. } => vec![(K, D::Conductance, true)],
            FlowElement::Fan { shutoff_dp, .. } => {
                let mut v = vec![(Flow, D::VolumetricFlow, true)];
                if shutoff_dp.is_some() {
                    v.push((ShutoffDp, D::Pressure, false));
                }
                v
            }
            FlowElement::HatchSeal { .. } => vec![],
        }
    }
}

fn did(name: &str, cands: Vec<&str>) -> Option<String> {
    did_you_mean(name, cands).map(|s| format!("did you mean '{s}'?"))
}

/// The expected line of every parameter path error.
const EXPECTED: &str = "a path like links.NAME.element.area, compartments.NAME.volume";

fn err(reason: Reason, message: impl Into<String>, hint: Option<String>) -> PathError {
    PathError::new(reason, message)
        .expected(EXPECTED)
        .hint(hint)
}

/// `rest` after a schedule's path: nothing (the whole schedule) or one field it has.
fn schedule_field(
    s: &Schedule,
    rest: &[&str],
    what: &str,
    dim: Dimension,
) -> Result<(Option<ScheduleField>, Dimension), PathError> {
    match rest {
        [] => Ok((None, dim)),
        [f] => {
            let fields = ScheduleField::of(s);
            match fields.iter().find(|x| x.name() == *f) {
                Some(x) => Ok((Some(*x), x.dimension(dim))),
                None => {
                    let names: Vec<&str> = fields.iter().map(|x| x.name()).collect();
                    let hint = if names.is_empty() {
                        format!("the schedule of {what} has no fields; address {what} itself")
                    } else {
                        format!("its schedule's fields: {}", names.join(", "))
                    };
                    Err(err(
                        Reason::UnknownField,
                        format!("the schedule of {what} has no field '{f}'"),
                        Some(hint),
                    ))
                }
            }
        }
        _ => Err(err(
            Reason::NotSweepable,
            format!("'{}' goes past a schedule field", rest.join(".")),
            None,
        )),
    }
}

fn species_index(parts: &NetworkParts, sp: &str) -> Result<usize, PathError> {
    let species = parts.species();
    species.iter().position(|s| *s == sp).ok_or_else(|| {
        err(
            Reason::UnknownSpecies,
            format!("no species '{sp}' in the gas table"),
            did(sp, species.clone()),
        )
    })
}

impl ParamPath {
    /// Split `text` at its dots; refuses an empty path and an unknown section.
    pub fn parse(text: &str) -> Result<ParamPath, PathError> {
        let segments: Vec<String> = text.split('.').map(String::from).collect();
        match segments.first().map(String::as_str) {
            Some(first) if !SECTIONS.contains(&first) => Err(err(
                Reason::UnknownSection,
                format!("'{first}' is not a section of the scenario"),
                did(first, SECTIONS.to_vec()),
            )),
            _ => Ok(ParamPath {
                text: text.to_string(),
                segments,
            }),
        }
    }

    /// What the path addresses in `parts`, and the dimension of its value.
    pub fn resolve(&self, parts: &NetworkParts) -> Result<(Target, Dimension), PathError> {
        self.resolve_in(parts, &BTreeMap::new())
    }

    /// What the path addresses in `parts` or among the named parameters `params`, and the
    /// dimension of its value.
    pub fn resolve_in(
        &self,
        parts: &NetworkParts,
        params: &BTreeMap<String, expr::Value>,
    ) -> Result<(Target, Dimension), PathError> {
        let segs: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        let path = self.text.as_str();
        match segs.as_slice() {
            ["parameters", name] => named(params, name),
            ["compartments", name, rest @ ..] => compartment(parts, name, rest),
            ["boundaries", name, rest @ ..] => boundary(parts, name, rest),
            ["links", name, rest @ ..] => link(parts, name, rest, path),
            ["sources", name, rest @ ..] => source(parts, name, rest, path),
            ["gas", sp, field] => {
                let s = species_index(parts, sp)?;
                match *field {
                    "molar_mass" => Ok((Target::GasMolarMass(s), Dimension::Dimensionless)),
                    "cp_molar" => Ok((Target::GasCpMolar(s), Dimension::Dimensionless)),
                    _ => Err(err(
                        Reason::UnknownField,
                        format!("species have no sweepable field '{field}'"),
                        Some("molar_mass (kg/mol) or cp_molar (J/(mol K))".into()),
                    )),
                }
            }
            _ => Err(err(
                Reason::NotSweepable,
                format!("'{path}' does not address a field"),
                Some("SECTION.NAME.FIELD, e.g. compartments.NAME.volume".into()),
            )),
        }
    }
}

fn compartment(
    parts: &NetworkParts,
    name: &str,
    rest: &[&str],
) -> Result<(Target, Dimension), PathError> {
    let Some(i) = parts.compartments.iter().position(|c| c.name == name) else {
        return Err(err(
            Reason::UnknownName,
            format!("no compartment '{name}' in the base scenario"),
            did(name, parts.names_of(&[NameKind::Compartment])),
        ));
    };
    let c = &parts.compartments[i];
    let energy = match &c.thermal {
        Thermal::Energy {
            wall_temperature,
            heat_load,
            ..
        } => Some((wall_temperature, heat_load)),
        Thermal::Isothermal { .. } => None,
    };
    match (rest, energy) {
        (["volume"], _) => Ok((Target::CompartmentVolume(i), Dimension::Volume)),
        (["pressure"], _) => Ok((Target::CompartmentPressure(i), Dimension::Pressure)),
        (["temperature"], _) => Ok((Target::CompartmentTemperature(i), Dimension::Temperature)),
        (["composition", sp], _) => Ok((
            Target::CompartmentFraction(i, species_index(parts, sp)?),
            Dimension::Dimensionless,
        )),
        (["wall_conductance"], Some(_)) => {
            Ok((Target::WallConductance(i), Dimension::HeatTransfer))
        }
        (["wall_temperature", r @ ..], Some((wt, _))) => {
            let (f, d) = schedule_field(wt, r, "wall_temperature", Dimension::Temperature)?;
            Ok((Target::WallTemperature(i, f), d))
        }
        (["heat_load", r @ ..], Some((_, hl))) => {
            let (f, d) = schedule_field(hl, r, "heat_load", Dimension::Power)?;
            Ok((Target::HeatLoad(i, f), d))
        }
        _ => Err(err(
            Reason::UnknownField,
            format!("compartments have no sweepable field '{}'", rest.join(".")),
            Some("volume, pressure, temperature or wall_conductance (energy balance only)".into()),
        )),
    }
}

fn boundary(
    parts: &NetworkParts,
    name: &str,
    rest: &[&str],
) -> Result<(Target, Dimension), PathError> {
    let Some(i) = parts.boundaries.iter().position(|b| b.name == name) else {
        return Err(err(
            Reason::UnknownName,
            format!("no boundary '{name}' in the base scenario"),
            did(name, parts.names_of(&[NameKind::Boundary])),
        ));
    };
    if matches!(parts.boundaries[i].kind, BoundaryKind::Vacuum) {
        return Err(err(
            Reason::NotSweepable,
            format!("boundary '{name}' is a vacuum, which has no parameters"),
            None,
        ));
    }
    match rest {
        ["pressure"] => Ok((Target::BoundaryPressure(i), Dimension::Pressure)),
        ["temperature"] => Ok((Target::BoundaryTemperature(i), Dimension::Temperature)),
        ["composition", sp] => Ok((
            Target::BoundaryFraction(i, species_index(parts, sp)?),
            Dimension::Dimensionless,
        )),
        _ => Err(err(
            Reason::UnknownField,
            format!("boundaries have no sweepable field '{}'", rest.join(".")),
            Some("pressure or temperature".into()),
        )),
    }
}

fn link(
    parts: &NetworkParts,
    name: &str,
    rest: &[&str],
    path: &str,
) -> Result<(Target, Dimension), PathError> {
    let Some(i) = parts.links.iter().position(|l| l.name == name) else {
        return Err(err(
            Reason::UnknownName,
            format!("no link '{name}' in the base scenario"),
            did(name, parts.names_of(&[NameKind::Link])),
        ));
    };
    match rest {
        ["opening", r @ ..] => {
            let (f, d) = schedule_field(
                &parts.links[i].opening,
                r,
                "the opening",
                Dimension::Dimensionless,
            )?;
            Ok((Target::LinkOpening(i, f), d))
        }
        ["element", tail @ ..] => {
            let mut el = &parts.links[i].element;
            let mut walk = Vec::new();
            let mut tail = tail;
            while let [s @ ("seated" | "unseated"), more @ ..] = tail {
                match el {
                    FlowElement::HatchSeal { seated, unseated } => {
                        walk.push(*s == "seated");
                        el = if *s == "seated" { seated } else { unseated };
                        tail = more;
                    }
                    _ => break,
                }
            }
            let fields = ElementField::of(el);
            // `area_law.k` is one field of two segments.
            let found = fields.iter().find_map(|(f, d, sched)| {
                let n: Vec<&str> = f.name().split('.').collect();
                (tail.len() >= n.len() && tail[..n.len()] == n[..])
                    .then(|| (*f, *d, *sched, &tail[n.len()..]))
            });
            match found {
                Some((field, dim, sched, r)) => {
                    let (schedule, dim) = if sched {
                        let s = element_schedule(el, field).unwrap_or(&Schedule::Constant(0.0));
                        schedule_field(s, r, &format!("the {}", field.name()), dim)?
                    } else if r.is_empty() {
                        (None, dim)
                    } else {
                        return Err(err(
                            Reason::UnknownField,
                            format!(
                                "{} of link '{name}' is a number, which has no field '{}'",
                                field.name(),
                                r.join(".")
                            ),
                            None,
                        ));
                    };
                    Ok((
                        Target::Element {
                            link: i,
                            sub: walk,
                            field,
                            schedule,
                        },
                        dim,
                    ))
                }
                None => {
                    let field = tail.join(".");
                    if tail.is_empty() {
                        return Err(err(
                            Reason::NotSweepable,
                            format!("'{path}' does not address a link field"),
                            Some("links.NAME.element.FIELD or links.NAME.opening".into()),
                        ));
                    }
                    if !matches!(el, FlowElement::HatchSeal { .. })
                        && (tail[0] == "seated" || tail[0] == "unseated")
                    {
                        return Err(err(
                            Reason::UnknownField,
                            format!(
                                "'{}' is not part of the {} element of link '{name}'",
                                tail[0],
                                el.kind()
                            ),
                            Some("only a HatchSeal has seated/unseated parts".into()),
                        ));
                    }
                    let names: Vec<&str> = fields.iter().map(|f| f.0.name()).collect();
                    let hint = if names.is_empty() {
                        format!(
                            "a {} has no number to sweep here; address its seated or unseated part",
                            el.kind()
                        )
                    } else {
                        format!("{} fields: {}", el.kind(), names.join(", "))
                    };
                    Err(err(
                        Reason::UnknownField,
                        format!(
                            "the {} element of link '{name}' has no field '{field}'",
                            el.kind()
                        ),
                        Some(hint),
                    ))
                }
            }
        }
        _ => Err(err(
            Reason::NotSweepable,
            format!("'{path}' does not address a link field"),
            Some("links.NAME.element.FIELD or links.NAME.opening".into()),
        )),
    }
}

fn source(
    parts: &NetworkParts,
    name: &str,
    rest: &[&str],
    path: &str,
) -> Result<(Target, Dimension), PathError> {
    let Some(i) = parts.sources.iter().position(|s| s.name == name) else {
        return Err(err(
            Reason::UnknownName,
            format!("no source '{name}' in the base scenario"),
            None,
        ));
    };
    match rest {
        ["scale", r @ ..] => {
            let (f, d) = schedule_field(
                &parts.sources[i].schedule,
                r,
                "the scale",
                Dimension::Dimensionless,
            )?;
            Ok((Target::SourceScale(i, f), d))
        }
        ["rate", sp] => Ok((
            Target::SourceRate(i, species_index(parts, sp)?),
            Dimension::MassFlow,
        )),
        ["temperature"] => Ok((Target::SourceTemperature(i), Dimension::Temperature)),
        _ => Err(err(
            Reason::UnknownField,
            format!("'{path}' does not address a source field"),
            Some(
                "sources.NAME.scale, sources.NAME.rate.SPECIES or sources.NAME.temperature".into(),
            ),
        )),
    }
}

fn element_schedule(el: &FlowElement, field: ElementField) -> Option<&Schedule> {
    match (el, field) {
        (
            FlowElement::Orifice { area, .. } | FlowElement::OpenHatch { area, .. },
            ElementField::Area,
        ) => Some(area),
        (FlowElement::Orifice { cd, .. } | FlowElement::OpenHatch { cd, .. }, ElementField::Cd) => {
            Some(cd)
        }
        (FlowElement::PowerLaw { c, .. }, ElementField::C) => Some(c),
        (FlowElement::Linear { k }, ElementField::K) => Some(k),
        (FlowElement::Fan { flow, .. }, ElementField::Flow) => Some(flow),
        _ => None,
    }
}

/// Resolve a parameter path against the base model (parse and resolve in one step).
pub fn resolve_path(parts: &NetworkParts, path: &str) -> Result<(Target, Dimension), PathError> {
    ParamPath::parse(path)?.resolve(parts)
}

/// Resolve a parameter path against the base model and its named parameters.
pub fn resolve_path_in(
    parts: &NetworkParts,
    params: &BTreeMap<String, expr::Value>,
    path: &str,
) -> Result<(Target, Dimension), PathError> {
    ParamPath::parse(path)?.resolve_in(parts, params)
}

fn named(
    params: &BTreeMap<String, expr::Value>,
    name: &str,
) -> Result<(Target, Dimension), PathError> {
    let Some(v) = params.get(name) else {
        let names: Vec<&str> = params.keys().map(String::as_str).collect();
        let expected = if names.is_empty() {
            "a parameter declared in the scenario's parameters: {...} (it declares none)".into()
        } else {
            format!("one of the parameters: {}", name_list(&names))
        };
        return Err(err(
            Reason::UnknownName,
            format!("no parameter '{name}' in the base scenario"),
            did(name, names),
        )
        .expected(expected));
    };
    match v.dim.named() {
        Some(d) => Ok((Target::Named(name.to_string()), d)),
        None => Err(err(
            Reason::NotSweepable,
            format!(
                "parameter '{name}' is {}, which has no unit to write values in",
                v.dim.describe()
            ),
            Some("a parameter of a named dimension (a pressure, an area, ...)".into()),
        )),
    }
}

/// Set a schedule: one field, or (none named) the whole: a constant becomes `value`; any
/// other schedule is scaled so that its value at t = 0 is `value` (a ramped crack keeps
/// its shape).
fn set_schedule(s: &mut Schedule, field: Option<ScheduleField>, value: f64) -> Result<(), String> {
    if let Some(f) = field {
        let name = f.name();
        let slot = f
            .slot(s)
            .ok_or_else(|| format!("the schedule has no field '{name}'"))?;
        *slot = value;
        return Ok(());
    }
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

fn set_number(slot: &mut f64, value: f64) -> Result<(), String> {
    *slot = value;
    Ok(())
}

/// Put the item `target` addresses back as it is in `base` (a compartment, boundary, link or
/// source whole, or the gas table), so that a working copy of `base` reused from run to run
/// receives each run's values as a fresh copy would: [`apply`] scales a schedule from the
/// one it finds.
pub fn restore(parts: &mut NetworkParts, base: &NetworkParts, target: &Target) {
    match target {
        Target::CompartmentVolume(i)
        | Target::CompartmentPressure(i)
        | Target::CompartmentTemperature(i)
        | Target::CompartmentFraction(i, _)
        | Target::WallConductance(i)
        | Target::WallTemperature(i, _)
        | Target::HeatLoad(i, _) => parts.compartments[*i].clone_from(&base.compartments[*i]),
        Target::BoundaryPressure(i)
        | Target::BoundaryTemperature(i)
        | Target::BoundaryFraction(i, _) => {
            parts.boundaries[*i].clone_from(&base.boundaries[*i]);
        }
        Target::Element { link: i, .. } | Target::LinkOpening(i, _) => {
            parts.links[*i].clone_from(&base.links[*i]);
        }
        Target::SourceScale(i, _) | Target::SourceRate(i, _) | Target::SourceTemperature(i) => {
            parts.sources[*i].clone_from(&base.sources[*i]);
        }
        Target::GasMolarMass(_) | Target::GasCpMolar(_) => parts.gas.clone_from(&base.gas),
        Target::Named(_) => {}
    }
}

/// Apply one value to a copy of the base model.
pub fn apply(parts: &mut NetworkParts, target: &Target, value: f64) -> Result<(), String> {
    match target {
        Target::CompartmentVolume(i) => parts.compartments[*i].volume = value,
        Target::CompartmentPressure(i) => parts.compartments[*i].pressure = value,
        Target::CompartmentTemperature(i) => {
            let c = &mut parts.compartments[*i];
            c.temperature = value;
            if let Thermal::Isothermal { temperature } = &mut c.thermal {
                set_schedule(temperature, None, value)?;
            }
        }
        Target::CompartmentFraction(i, s) => {
            let c = &mut parts.compartments[*i].composition;
            let slot = c.get_mut(*s).ok_or("no such species in the composition")?;
            *slot = value;
        }
        Target::WallConductance(i) | Target::WallTemperature(i, _) | Target::HeatLoad(i, _) => {
            if let Thermal::Energy {
                conductance,
                wall_temperature,
                heat_load,
            } = &mut parts.compartments[*i].thermal
            {
                match target {
                    Target::WallTemperature(_, f) => set_schedule(wall_temperature, *f, value)?,
                    Target::HeatLoad(_, f) => set_schedule(heat_load, *f, value)?,
                    _ => *conductance = value,
                }
            }
        }
        Target::BoundaryPressure(i)
        | Target::BoundaryTemperature(i)
        | Target::BoundaryFraction(i, _) => {
            if let BoundaryKind::Reservoir {
                pressure,
                temperature,
                composition,
            } = &mut parts.boundaries[*i].kind
            {
                match target {
                    Target::BoundaryPressure(_) => *pressure = value,
                    Target::BoundaryTemperature(_) => *temperature = value,
                    Target::BoundaryFraction(_, s) => {
                        let slot = composition
                            .get_mut(*s)
                            .ok_or("no such species in the composition")?;
                        *slot = value;
                    }
                    _ => {}
                }
            }
        }
        Target::LinkOpening(i, f) => set_schedule(&mut parts.links[*i].opening, *f, value)?,
        Target::SourceScale(i, f) => set_schedule(&mut parts.sources[*i].schedule, *f, value)?,
        Target::SourceRate(i, s) => {
            let r = &mut parts.sources[*i].rates;
            let slot = r.get_mut(*s).ok_or("no such species in the rates")?;
            *slot = value;
        }
        Target::SourceTemperature(i) => parts.sources[*i].temperature = value,
        Target::Named(name) => {
            return Err(format!(
                "parameter '{name}' is set in the scenario before it is checked, not in the model"
            ))
        }
        Target::GasMolarMass(s) | Target::GasCpMolar(s) => {
            let gas = parts.gas.get_or_insert_with(Gas::air);
            let sp = gas
                .species
                .get_mut(*s)
                .ok_or("no such species in the gas table")?;
            if matches!(target, Target::GasMolarMass(_)) {
                sp.molar_mass = value;
            } else {
                sp.cp_molar = value;
            }
        }
        Target::Element {
            link,
            sub,
            field,
            schedule,
        } => {
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
            set_field(el, *field, *schedule, value)?;
        }
    }
    Ok(())
}

fn set_field(
    el: &mut FlowElement,
    field: ElementField,
    sf: Option<ScheduleField>,
    value: f64,
) -> Result<(), String> {
    use CrackGeometry as G;
    use ElementField as F;
    match (el, field) {
        (FlowElement::Orifice { area, .. } | FlowElement::OpenHatch { area, .. }, F::Area) => {
            set_schedule(area, sf, value)
        }
        (FlowElement::Orifice { cd, .. } | FlowElement::OpenHatch { cd, .. }, F::Cd) => {
            set_schedule(cd, sf, value)
        }
        (FlowElement::Orifice { area_law, .. }, f) => {
            let slot = match (area_law, f) {
                (AreaLaw::PowerOfPressure { p0, .. }, F::AreaLawP0) => p0,
                (AreaLaw::PowerOfPressure { k, .. }, F::AreaLawK) => k,
                (AreaLaw::LinearInDp { beta }, F::AreaLawBeta) => beta,
                _ => return Err(format!("no field '{}'", f.name())),
            };
            set_number(slot, value)
        }
        (FlowElement::PowerLaw { c, .. }, F::C) => set_schedule(c, sf, value),
        (FlowElement::PowerLaw { n, .. }, F::N) => set_number(n, value),
        (FlowElement::Linear { k }, F::K) => set_schedule(k, sf, value),
        (FlowElement::Fan { flow, .. }, F::Flow) => set_schedule(flow, sf, value),
        (
            FlowElement::Fan {
                shutoff_dp: Some(s),
                ..
            },
            F::ShutoffDp,
        ) => set_number(s, value),
        (FlowElement::ViscousCrack { geometry, .. }, f) if !matches!(f, F::Viscosity) => {
            let slot = match (geometry, f) {
                (G::Conductance { k, .. }, F::K) => k,
                (G::Conductance { opening, .. }, F::Opening) => opening,
                (
                    G::Conductance {
                        temperature: Some(t),
                        ..
                    },
                    F::Temperature,
                ) => t,
                (G::Slit { width, .. }, F::Width) => width,
                (G::Slit { gap, .. }, F::Gap) => gap,
                (G::Slit { depth, .. }, F::Depth) => depth,
                (G::Tube { diameter, .. }, F::Diameter) => diameter,
                (G::Tube { length, .. }, F::Length) => length,
                _ => return Err(format!("no field '{}'", f.name())),
            };
            set_number(slot, value)
        }
        (
            FlowElement::ViscousCrack {
                geometry: G::Slit { .. } | G::Tube { .. },
                viscosity,
            },
            F::Viscosity,
        ) => set_number(viscosity, value),
        (_, f) => Err(format!("no field '{}'", f.name())),
    }
}
