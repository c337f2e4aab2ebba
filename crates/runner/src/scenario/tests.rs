use super::*;
use crate::paths::MAX_NAMES_LISTED;

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
    let cases: [(&str, &str, &str); 16] = [
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
        // Parameters are read by their physics names (Parameter::name).
        ("duration: \"1 day\",", "duration: \"1 day\", events: [(name: \"e\", when: At(\"1 h\"), action: Set(link: \"hole\", parameter: Aera, value: \"1 mm2\"))],", "unknown Parameter 'Aera'"),
        ("duration: \"1 day\",", "duration: \"1 day\", events: [(name: \"e\", when: At(\"1 h\"), action: Set(link: \"hole\", parameter: Aera, value: \"1 mm2\"))],", "did you mean 'Area'?"),
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
fn issue12_a_network_too_large_for_the_implicit_solver_is_refused_with_the_limit() {
    // Air has 5 species: 40 000 compartments need 200 005 states, just over the limit;
    // 39 999 (199 995, plus 5 for the vacuum's ledger) are accepted, far above the 4096 of
    // the dense Jacobian (the sparse one scales with the links).
    let network = |n: usize| {
        let comps: Vec<String> = (0..n)
            .map(|i| format!("(name: \"c{i}\", volume: 1, pressure: 1e5, temperature: 295)"))
            .collect();
        format!(
            "Scenario(name: \"big\", duration: 10, compartments: [{}], boundaries: [(name: \"space\", kind: Vacuum)], links: [(name: \"l\", from: \"c0\", to: \"space\", element: Linear(k: 1e-9))])",
            comps.join(", ")
        )
    };
    assert!(load_str(network(39_999), "t.ron").is_ok());
    let e = errors(&network(40_000));
    assert!(e.contains("200005 state variables"), "{e}");
    assert!(
        e.contains(&format!("more than the {MAX_BDF_STATES}")),
        "{e}"
    );
    assert!(
        e.contains("about 39999 compartments of a 5-species gas"),
        "{e}"
    );
    // Dopri5 stores no Jacobian.
    let dopri = network(40_000).replacen(
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
        steered_plots: vec![],
        thresholds: vec![],
        life: Default::default(),
    };
    let t = c.output_times();
    assert_eq!(t.len(), 12);
    assert_eq!(t[11], 10.5);
}
