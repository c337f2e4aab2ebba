//! Paths into a scenario.

use plenum_physics::{FlowElement, Network, NetworkParts, Quantity, Schedule, Thermal};

use crate::units::Dimension;

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
