//! Issue 7 (items 4 and 8): states stay non-negative by construction and what a run hands
//! over is never negative; the analytic Jacobian-vector product includes the composition
//! terms (gas constant and ratio of specific heats of each end); a hatch seal's parameters
//! are set one law at a time.

use plenum_physics::reference::{
    adiabatic, constant, isothermal, link, orifice, reservoir, space, steady_source,
};
use plenum_physics::{
    simulate, simulate_collect, Action, AreaLaw, Boundary, BoundaryId, BoundaryKind, CompartmentId,
    CrackGeometry, Event, FlowElement, Gas, LinkId, Network, NetworkParts, NodeId, Parameter,
    Settings, SimError, System, Thermal, Trigger, DRY_AIR_MOLE_FRACTIONS,
};

fn air() -> Vec<f64> {
    DRY_AIR_MOLE_FRACTIONS.to_vec()
}

const C0: NodeId = NodeId::Compartment(CompartmentId(0));
const C1: NodeId = NodeId::Compartment(CompartmentId(1));
const B0: NodeId = NodeId::Boundary(BoundaryId(0));

/// Runs `net` and checks what it hands over: every output state and the final state have no
/// negative entry in the compartments or the books, every snapshot (pressures, partial
/// pressures, masses, temperatures) is >= 0, and compartments + books (boundaries and
/// sources) hold the initial mass of each species to 1e-10 relative.
fn run_and_check(net: &Network, settings: &Settings, t_end: f64, n_out: usize) -> Vec<f64> {
    let times: Vec<f64> = (0..=n_out)
        .map(|k| t_end * k as f64 / n_out as f64)
        .collect();
    let sys = System::new(net);
    let y0 = sys.initial_state();
    let ns = sys.species();
    let total0: Vec<f64> = (0..ns).map(|s| species_total(&sys, net, &y0, s)).collect();
    let mass0: f64 = total0.iter().sum();
    let mut worst = 0.0_f64;
    let mut obs = |sys: &System<'_>, t: f64, y: &[f64]| {
        for (k, v) in y.iter().enumerate() {
            assert!(
                *v >= 0.0 || is_source_book(sys, net, k),
                "state[{k}] = {v:e} at t = {t}"
            );
        }
        let snap = sys.snapshot(t, y);
        for v in snap
            .pressure
            .iter()
            .chain(&snap.partial_pressure)
            .chain(&snap.mass)
            .chain(&snap.temperature)
            .chain(&snap.received)
        {
            assert!(
                *v >= 0.0 && v.is_finite(),
                "{v:e} written at t = {t}: {snap:?}"
            );
        }
        for s in 0..ns {
            let d = (species_total(sys, net, y, s) - total0[s]).abs() / mass0;
            worst = worst.max(d);
        }
    };
    let outcome = simulate(net, settings, t_end, &times, &mut obs).expect("the run succeeds");
    assert!(worst <= 1e-10, "mass balance off by {worst:e} relative");
    for s in 0..ns {
        let d = (species_total(&sys, net, &outcome.final_state, s) - total0[s]).abs() / mass0;
        assert!(d <= 1e-10, "final balance of species {s}: {d:e} relative");
    }
    outcome.final_state
}

fn species_total(sys: &System<'_>, net: &Network, y: &[f64], s: usize) -> f64 {
    let ns = sys.species();
    let comps: f64 = (0..net.compartments.len())
        .map(|i| y[sys.compartment_offset(i) + s])
        .sum();
    let books: f64 = (0..net.boundaries.len() + net.sources.len())
        .map(|b| y[sys.ledger_offset() + b * ns + s])
        .sum();
    comps + books
}

/// A source's book holds minus what it delivered: negative for an injection.
fn is_source_book(sys: &System<'_>, net: &Network, k: usize) -> bool {
    k >= sys.ledger_offset() + net.boundaries.len() * sys.species()
}

/// The issue's reproducer: a 1 m2 hole (Cd 0.6) in a 10 m3 compartment of air to vacuum.
/// tau = V/(Cd A Phi sqrt(g R T)) = 10 / (0.6 x 0.5787 x 344) = 0.084 s; the old code
/// stopped at t = 0.955 s with a species mass of -1.74e-6 kg. Run 60 s (700 tau: the
/// compartment is empty to the last digit) isothermal and adiabatic.
#[test]
fn issue7_blowdown_of_a_1_m2_hole_runs_to_vacuum_and_hands_over_nothing_negative() {
    for comp in [
        isothermal("vessel", 10.0, 101_325.0, air()),
        adiabatic("vessel", 10.0, 101_325.0, air()),
    ] {
        let net = Network::new(NetworkParts {
            gas: Some(Gas::air()),
            compartments: vec![comp],
            boundaries: vec![space()],
            links: vec![link("hole", C0, B0, orifice(1.0, 0.6))],
            ..NetworkParts::default()
        })
        .expect("valid blowdown");
        let y = run_and_check(&net, &Settings::default(), 60.0, 600);
        let sys = System::new(&net);
        let p_end = sys.snapshot(60.0, &y).pressure[0];
        // Within the absolute tolerance of empty.
        assert!(p_end <= Settings::default().atol_pressure, "p = {p_end} Pa");
    }
}

/// The same blowdown with a loose absolute tolerance (30 Pa: the old code wrote -10.5 Pa
/// with it) and from 1 Pa (the old code wrote -1.4e-3 Pa), through a 1 cm2 hole.
#[test]
fn issue7_loose_tolerance_and_low_pressure_runs_write_nothing_negative() {
    for (p0, atol, area, t_end) in [(101_325.0, 30.0, 1e-2, 600.0), (1.0, 1e-3, 1e-4, 36_000.0)] {
        let net = Network::new(NetworkParts {
            gas: Some(Gas::air()),
            compartments: vec![
                isothermal("cabin", 10.0, p0, air()),
                adiabatic("module", 10.0, p0, air()),
            ],
            boundaries: vec![space()],
            links: vec![
                link("hole", C0, B0, orifice(area, 0.6)),
                link("hole2", C1, B0, orifice(area, 0.6)),
            ],
            ..NetworkParts::default()
        })
        .expect("valid blowdown");
        let settings = Settings {
            atol_pressure: atol,
            ..Settings::default()
        };
        run_and_check(&net, &settings, t_end, 500);
    }
}

/// A 10 m3 cabin of air with a CO2 sink of 0.5 kg/day (the old code stopped at 1419 s, when
/// the 7.2 g of CO2 ran out). The removal fades out as the CO2 runs out: the run finishes,
/// the CO2 left is below its tolerance, and the sink took exactly the CO2 the cabin had.
#[test]
fn issue7_a_co2_sink_fades_out_as_the_co2_runs_out() {
    let gas = Gas::air();
    let co2 = gas.index_of("CO2").expect("CO2");
    let mut rates = vec![0.0; gas.len()];
    rates[co2] = -0.5 / 86_400.0;
    let net = Network::new(NetworkParts {
        gas: Some(gas),
        compartments: vec![isothermal("cabin", 10.0, 101_325.0, air())],
        sources: vec![steady_source("scrubber", 0, rates)],
        ..NetworkParts::default()
    })
    .expect("valid cabin");
    let sys = System::new(&net);
    let y0 = sys.initial_state();
    let y = run_and_check(&net, &Settings::default(), 86_400.0, 288);
    let atol = sys.absolute_tolerances(Settings::default().atol_pressure);
    assert!(
        y[co2] >= 0.0 && y[co2] <= atol[co2],
        "CO2 left: {:e} kg",
        y[co2]
    );
    let removed = y[sys.ledger_offset() + co2];
    assert!(
        (removed - y0[co2]).abs() <= atol[co2],
        "removed {removed} kg of {} kg",
        y0[co2]
    );
}

/// A species mass further below zero than its tolerance is still an error, naming the
/// compartment and the species (here a state built by hand, as an integrator gone wrong
/// would leave it).
#[test]
fn issue7_a_negative_mass_beyond_the_tolerance_names_compartment_and_species() {
    let net = Network::new(NetworkParts {
        gas: Some(Gas::air()),
        compartments: vec![
            isothermal("galley", 1.0, 101_325.0, air()),
            isothermal("lab", 1.0, 101_325.0, air()),
        ],
        boundaries: vec![space()],
        links: vec![link("vent", C0, B0, orifice(1e-6, 0.6))],
        ..NetworkParts::default()
    })
    .expect("valid galley");
    let sys = System::new(&net);
    let atol = sys.absolute_tolerances(1e-3);
    let co2 = net.gas.index_of("CO2").expect("CO2");
    let book = sys.ledger_offset() + co2;
    let mut y = sys.initial_state();
    // Within the tolerance: projected to zero, the mass taken from the largest holder of
    // CO2 (the lab, not space's book with 3 tolerances' worth).
    y[co2] = -0.5 * atol[co2];
    y[book] = 3.0 * atol[co2];
    let before: f64 = y.iter().sum();
    let mut z = y.clone();
    assert_eq!(sys.project_nonnegative(3.0, &mut z, &atol), Ok(1));
    assert_eq!(z[co2], 0.0);
    let lab = sys.compartment_offset(1) + co2;
    assert_eq!(
        z[lab],
        y[lab] - 0.5 * atol[co2],
        "taken from the largest holder"
    );
    assert_eq!(z[book], y[book]);
    assert!((z.iter().sum::<f64>() - before).abs() <= 1e-15 * before);
    // What a vacuum received is projected too; a reservoir's book is signed (it goes
    // negative as the reservoir feeds the network) and is left alone.
    let net_r = Network::new(NetworkParts {
        gas: Some(Gas::air()),
        compartments: vec![isothermal("galley", 1.0, 101_325.0, air())],
        boundaries: vec![space(), reservoir("tank", 2e5, air())],
        links: vec![
            link("vent", C0, B0, orifice(1e-6, 0.6)),
            link(
                "feed",
                NodeId::Boundary(BoundaryId(1)),
                C0,
                orifice(1e-6, 0.6),
            ),
        ],
        ..NetworkParts::default()
    })
    .expect("valid galley with a tank");
    let sys_r = System::new(&net_r);
    let atol_r = sys_r.absolute_tolerances(1e-3);
    let n2 = 0;
    let (vac, tank) = (
        sys_r.ledger_offset() + n2,
        sys_r.ledger_offset() + sys_r.species() + n2,
    );
    let mut w = sys_r.initial_state();
    w[vac] = -0.5 * atol_r[vac];
    w[tank] = -0.5 * atol_r[tank];
    assert_eq!(sys_r.project_nonnegative(1.0, &mut w, &atol_r), Ok(1));
    assert_eq!(w[vac], 0.0);
    assert_eq!(w[tank], -0.5 * atol_r[tank]);
    // Beyond it: an error.
    y[co2] = -2.0 * atol[co2];
    let Err(err) = sys.project_nonnegative(3.0, &mut y, &atol) else {
        panic!("a mass 2 tolerances below zero was accepted");
    };
    match &err {
        SimError::NegativeMass {
            compartment,
            species,
            time,
            ..
        } => {
            assert_eq!(compartment, "galley");
            assert_eq!(species, "CO2");
            assert_eq!(*time, 3.0);
        }
        other => panic!("expected NegativeMass, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(
        shown.contains("'galley'") && shown.contains("CO2"),
        "{shown}"
    );
}

// ------------------------------------------------------------------------------------------
// Jacobian-vector product against finite differences on mixtures.

/// Every element kind, for a link from a compartment of one mixture to one of another.
fn element_kinds() -> Vec<FlowElement> {
    let power = |c: f64| FlowElement::PowerLaw {
        c: constant(c),
        n: 0.65,
    };
    vec![
        orifice(1e-4, 0.6),
        FlowElement::Orifice {
            area: constant(1e-4),
            cd: constant(0.6),
            area_law: AreaLaw::PowerOfPressure {
                p0: 101_325.0,
                k: 0.5,
            },
        },
        FlowElement::OpenHatch {
            area: constant(0.5),
            cd: constant(0.7),
        },
        power(1e-5),
        FlowElement::ViscousCrack {
            geometry: CrackGeometry::Slit {
                width: 0.05,
                gap: 20e-6,
                depth: 4e-3,
            },
            viscosity: 18.3e-6,
        },
        FlowElement::ViscousCrack {
            geometry: CrackGeometry::Tube {
                diameter: 2e-3,
                length: 4e-3,
            },
            viscosity: 18.3e-6,
        },
        FlowElement::HatchSeal {
            seated: Box::new(orifice(1e-6, 0.6)),
            unseated: Box::new(orifice(5e-6, 0.6)),
        },
        FlowElement::HatchSeal {
            seated: Box::new(power(1e-7)),
            unseated: Box::new(power(5e-7)),
        },
        FlowElement::Linear { k: constant(1e-7) },
        FlowElement::Fan {
            flow: constant(0.05),
            shutoff_dp: Some(2_000.0),
        },
    ]
}

/// Mole fractions of N2, O2, Ar, CO2, H2O.
fn mixture(n2: f64, o2: f64, ar: f64, co2: f64, h2o: f64) -> Vec<f64> {
    vec![n2, o2, ar, co2, h2o]
}

fn check_jvp(net: &Network, y: &[f64], label: &str) {
    if let Err(e) = plenum_physics::reference::jvp_mismatch(net, y) {
        panic!("{label}: {e}");
    }
}

#[test]
fn issue7_jacobian_matches_finite_differences_on_mixtures_for_every_element_kind() {
    // Moist, CO2-rich cabin air (energy balance) at 1 atm against an oxygen-rich module at
    // 0.6 atm (isothermal), both flow directions; and the cabin to a vacuum and from a
    // reservoir of pure N2.
    let cabin = mixture(0.76, 0.2, 0.009, 0.011, 0.02);
    let module = mixture(0.55, 0.4, 0.03, 0.0005, 0.0195);
    for element in element_kinds() {
        for (p_cabin, p_module) in [(101_325.0, 60_795.0), (60_795.0, 101_325.0)] {
            let mut cab = adiabatic("cabin", 20.0, p_cabin, cabin.clone());
            cab.thermal = Thermal::Energy {
                conductance: 3.0,
                wall_temperature: constant(300.0),
                heat_load: constant(50.0),
            };
            let net = Network::new(NetworkParts {
                gas: Some(Gas::air()),
                compartments: vec![cab, isothermal("module", 30.0, p_module, module.clone())],
                boundaries: vec![
                    space(),
                    Boundary {
                        name: "tank".into(),
                        kind: BoundaryKind::Reservoir {
                            pressure: 150_000.0,
                            temperature: 290.0,
                            composition: mixture(1.0, 0.0, 0.0, 0.0, 0.0),
                        },
                    },
                ],
                links: vec![
                    link("x", C0, C1, element.clone()),
                    link("hole", C0, B0, orifice(1e-5, 0.6)),
                    link(
                        "feed",
                        NodeId::Boundary(BoundaryId(1)),
                        C1,
                        orifice(1e-6, 0.6),
                    ),
                ],
                ..NetworkParts::default()
            })
            .expect("valid network");
            // A state away from the start: the cabin's gas a little warmer than its mass says.
            let sys = System::new(&net);
            let mut y = sys.initial_state();
            if let Some(e) = sys.energy_index(0) {
                y[e] *= 1.03;
            }
            check_jvp(
                &net,
                &y,
                &format!("{} at {p_cabin}/{p_module} Pa", element.kind()),
            );
        }
    }
}

// ------------------------------------------------------------------------------------------
// Hatch seal parameters.

#[test]
fn issue7_a_hatch_seal_parameter_names_its_side() {
    let seal = FlowElement::HatchSeal {
        seated: Box::new(orifice(1e-6, 0.6)),
        unseated: Box::new(orifice(5e-6, 0.6)),
    };
    // The plain form would set both laws: refused.
    assert!(!seal.clone().set_parameter(Parameter::Area, 2e-6));
    // The sided forms set one law and leave the other.
    let mut s = seal.clone();
    assert!(s.set_parameter(Parameter::SeatedArea, 2e-6));
    assert_eq!(
        s,
        FlowElement::HatchSeal {
            seated: Box::new(orifice(2e-6, 0.6)),
            unseated: Box::new(orifice(5e-6, 0.6)),
        }
    );
    let mut s = seal.clone();
    assert!(s.set_parameter(Parameter::UnseatedCd, 0.7));
    assert_eq!(
        s,
        FlowElement::HatchSeal {
            seated: Box::new(orifice(1e-6, 0.6)),
            unseated: Box::new(orifice(5e-6, 0.7)),
        }
    );
    // An event with the plain form is refused, naming the event, the link and what to write.
    let parts = |parameter| NetworkParts {
        gas: Some(Gas::air()),
        compartments: vec![
            isothermal("station", 900.0, 101_325.0, air()),
            isothermal("prk", 7.0, 97_000.0, air()),
        ],
        links: vec![link("hatch_seal", C0, C1, seal.clone())],
        events: vec![Event {
            name: "reseat".into(),
            trigger: Trigger::At(10.0),
            actions: vec![Action::SetParameter {
                link: LinkId(0),
                parameter,
                value: 2e-6,
            }],
            repeat: false,
        }],
        ..NetworkParts::default()
    };
    let Err(errors) = Network::new(parts(Parameter::Area)) else {
        panic!("Area on a HatchSeal was accepted");
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    let shown = errors[0].to_string();
    assert!(
        shown.contains("'reseat'")
            && shown.contains("'hatch_seal'")
            && shown.contains("SeatedArea or UnseatedArea"),
        "{shown}"
    );
    // The sided form runs, and changes only the seated law: with the station above the
    // tunnel the seal is seated, so its flow changes from 1e-6 to 2e-6 m2 worth.
    let net = Network::new(parts(Parameter::SeatedArea)).expect("sided form accepted");
    let (_, outcome) = simulate_collect(&net, &Settings::default(), 20.0, &[]).expect("runs");
    assert_eq!(outcome.events.len(), 1);
}
