use plenum_physics::{BoundaryKind, Quantity, Schedule};

use super::*;

const SCENARIO: &str = r#"Scenario(
    name: "paths",
    duration: "1 day",
    compartments: [
        (name: "cabin", volume: "30 m3", pressure: "1 atm", temperature: "22 degC"),
        (name: "lock", volume: "4 m3", pressure: "1 atm", temperature: "22 degC"),
    ],
    boundaries: [(name: "space", kind: Vacuum), (name: "ground", kind: Reservoir(pressure: "1 atm", temperature: "20 degC"))],
    links: [
        (name: "crack", from: "cabin", to: "space", element: Orifice(area: Exponential(initial: "0.02 mm2", rate: "0.1 1/day"), cd: 0.6)),
        (name: "seal", from: "cabin", to: "lock", element: PowerLaw(c: 1e-9, n: 0.65)),
        (name: "vent", from: "lock", to: "ground", element: Orifice(area: Ramp(from: "1 mm2", to: "2 mm2", start: "1 h", end: "2 h"), cd: 0.6)),
    ],
)"#;

fn parts() -> NetworkParts {
    crate::load_str(SCENARIO.to_string(), "paths.ron")
        .expect("valid scenario")
        .parts
}

fn net() -> Network {
    crate::load_str(SCENARIO.to_string(), "paths.ron")
        .expect("valid scenario")
        .network
}

#[test]
fn quantities_resolve_to_ids() {
    let n = net();
    let q = |t: &str| quantity(t, &n).map(|(q, _)| q);
    assert_eq!(
        q("cabin.pressure"),
        Ok(Quantity::Pressure(CompartmentId(0)))
    );
    assert_eq!(
        q("lock.temperature"),
        Ok(Quantity::Temperature(CompartmentId(1)))
    );
    assert_eq!(q("lock.mass"), Ok(Quantity::Mass(CompartmentId(1))));
    assert_eq!(
        q("cabin.partial_pressure.O2"),
        Ok(Quantity::PartialPressure(CompartmentId(0), 1))
    );
    assert_eq!(q("seal.mass_flow"), Ok(Quantity::MassFlow(LinkId(1))));
    assert_eq!(
        quantity("seal.mass_flow", &n).expect("resolves").1,
        Dimension::MassFlow
    );
    // The parts name the same things.
    assert_eq!(
        quantity("seal.mass_flow", &parts()).map(|(q, _)| q),
        q("seal.mass_flow")
    );
}

#[test]
fn quantity_errors_carry_the_validator_wording() {
    let n = net();
    let e = QuantityPath::parse("cabin").expect_err("an error");
    assert_eq!(e.message, "quantity 'cabin' has no field");
    assert_eq!(e.reason, Reason::NoField);
    let e = quantity("cabn.pressure", &n).expect_err("an error");
    assert_eq!(e.message, "quantity 'cabn.pressure': unknown name 'cabn'");
    assert_eq!(
        e.expected.as_deref(),
        Some("a compartment or link: cabin, lock, crack, seal, vent")
    );
    assert_eq!(e.hint.as_deref(), Some("did you mean 'cabin.pressure'?"));
    let e = quantity("cabin.presure", &n).expect_err("an error");
    assert_eq!(
        e.message,
        "quantity 'cabin.presure': a compartment has no field 'presure'"
    );
    assert_eq!(e.hint.as_deref(), Some("did you mean 'cabin.pressure'?"));
    let e = quantity("seal.pressure", &n).expect_err("an error");
    assert_eq!(e.expected.as_deref(), Some("one of: mass_flow"));
    let e = quantity("cabin.partial_pressure.O3", &n).expect_err("an error");
    assert_eq!(e.reason, Reason::UnknownSpecies);
    assert_eq!(
        e.hint.as_deref(),
        Some("did you mean 'cabin.partial_pressure.O2'?")
    );
    let e = quantity("space.pressure", &n).expect_err("an error");
    assert_eq!(
        e.message,
        "quantity 'space.pressure': 'space' is a boundary, whose state is fixed"
    );
}

#[test]
fn parameter_paths_address_every_kind_of_field() {
    let p = parts();
    let r = |t: &str| resolve_path(&p, t);
    assert_eq!(
        r("compartments.cabin.volume"),
        Ok((Target::CompartmentVolume(0), Dimension::Volume))
    );
    for (path, target) in [
        ("compartments.lock.pressure", Target::CompartmentPressure(1)),
        (
            "compartments.lock.temperature",
            Target::CompartmentTemperature(1),
        ),
        (
            "compartments.lock.composition.CO2",
            Target::CompartmentFraction(1, 3),
        ),
        ("boundaries.ground.pressure", Target::BoundaryPressure(1)),
        (
            "boundaries.ground.temperature",
            Target::BoundaryTemperature(1),
        ),
        (
            "boundaries.ground.composition.O2",
            Target::BoundaryFraction(1, 1),
        ),
        ("links.seal.opening", Target::LinkOpening(1, None)),
        ("gas.O2.molar_mass", Target::GasMolarMass(1)),
        ("gas.N2.cp_molar", Target::GasCpMolar(0)),
    ] {
        assert_eq!(r(path).expect("resolves").0, target, "{path}");
    }
    let el = |link, field, schedule| Target::Element {
        link,
        sub: vec![],
        field,
        schedule,
    };
    assert_eq!(
        r("links.crack.element.area"),
        Ok((el(0, ElementField::Area, None), Dimension::Area))
    );
    assert_eq!(
        r("links.crack.element.area.rate"),
        Ok((
            el(0, ElementField::Area, Some(ScheduleField::Rate)),
            Dimension::Frequency
        ))
    );
    assert_eq!(
        r("links.crack.element.area.start"),
        Ok((
            el(0, ElementField::Area, Some(ScheduleField::Start)),
            Dimension::Time
        ))
    );
    assert_eq!(
        r("links.vent.element.area.to"),
        Ok((
            el(2, ElementField::Area, Some(ScheduleField::To)),
            Dimension::Area
        ))
    );
    assert_eq!(
        r("links.seal.element.n").expect("resolves").0,
        el(1, ElementField::N, None)
    );
    assert_eq!(
        r("links.seal.element.c").expect("resolves").0,
        el(1, ElementField::C, None)
    );
    assert_eq!(
        r("links.crack.element.cd").expect("resolves").0,
        el(0, ElementField::Cd, None)
    );
}

#[test]
fn apply_sets_the_addressed_number() {
    let mut p = parts();
    for (path, v) in [
        ("links.crack.element.area.rate", 0.5),
        ("links.seal.element.n", 0.6),
        ("compartments.cabin.volume", 12.0),
        ("boundaries.ground.pressure", 9e4),
        ("gas.O2.molar_mass", 0.033),
    ] {
        let (t, _) = resolve_path(&p, path).expect("resolves");
        apply(&mut p, &t, v).expect("resolves");
    }
    assert!(
        matches!(p.links[0].element, FlowElement::Orifice { area: Schedule::Exponential { rate, .. }, .. } if rate == 0.5)
    );
    assert!(matches!(p.links[1].element, FlowElement::PowerLaw { n, .. } if n == 0.6));
    assert_eq!(p.compartments[0].volume, 12.0);
    assert!(
        matches!(p.boundaries[1].kind, BoundaryKind::Reservoir { pressure, .. } if pressure == 9e4)
    );
    assert_eq!(p.gas.expect("resolves").species[1].molar_mass, 0.033);
}

#[test]
fn parameter_path_errors_say_what_is_there() {
    let p = parts();
    let e = |t: &str| resolve_path(&p, t).expect_err("an error");
    let x = e("links.crak.element.area");
    assert_eq!(x.message, "no link 'crak' in the base scenario");
    assert_eq!(
        x.expected.as_deref(),
        Some("a path like links.NAME.element.area, compartments.NAME.volume")
    );
    assert_eq!(x.hint.as_deref(), Some("did you mean 'crack'?"));
    assert_eq!(
        e("link.crack.element.area").message,
        "'link' is not a section of the scenario"
    );
    assert_eq!(e("link.crack.element.area").reason, Reason::UnknownSection);
    let x = e("links.seal.element.area");
    assert_eq!(
        x.message,
        "the PowerLaw element of link 'seal' has no field 'area'"
    );
    assert_eq!(x.hint.as_deref(), Some("PowerLaw fields: c, n"));
    let x = e("links.seal.element.c.rate");
    assert_eq!(x.message, "the schedule of the c has no field 'rate'");
    assert_eq!(
        e("links.crack.element.area.end").hint.as_deref(),
        Some("its schedule's fields: initial, rate, start")
    );
    assert_eq!(
        e("boundaries.space.pressure").message,
        "boundary 'space' is a vacuum, which has no parameters"
    );
    assert_eq!(
        e("compartments.cabin.colour").message,
        "compartments have no sweepable field 'colour'"
    );
    assert_eq!(
        e("compartments.cabin.wall_conductance").reason,
        Reason::UnknownField
    );
    assert_eq!(e("gas.O3.molar_mass").reason, Reason::UnknownSpecies);
    assert_eq!(
        e("sources.none.scale").message,
        "no source 'none' in the base scenario"
    );
    assert_eq!(
        e("links.seal").message,
        "'links.seal' does not address a link field"
    );
}
