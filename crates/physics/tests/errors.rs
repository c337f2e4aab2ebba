//! Non-physical input is refused with errors that name the item, all of them at once; a sink
//! that exhausts its species fades out instead of driving it negative; bad solver settings
//! are refused before anything runs. Nothing panics.

use plenum_physics::reference::{
    self, b, c, constant, isothermal, link, reservoir, space, steady_source,
};
use plenum_physics::{
    simulate_collect, Action, Compartment, CompartmentId, Event, FlowElement, Gas, LinkId, Method,
    ModelError, Network, NetworkParts, Settings, SimError, Source, SourceId, SourceLaw, Trigger,
    DRY_AIR_MOLE_FRACTIONS,
};

fn compartment(name: &str, volume: f64, composition: Vec<f64>) -> Compartment {
    isothermal(name, volume, 101_325.0, composition)
}

fn air() -> Vec<f64> {
    DRY_AIR_MOLE_FRACTIONS.to_vec()
}

fn orifice(cd: f64) -> FlowElement {
    reference::orifice(1e-6, cd)
}

/// The errors of `parts`, which must be refused.
fn refused(parts: NetworkParts) -> Vec<ModelError> {
    match Network::new(parts) {
        Ok(_) => panic!("a faulty network was accepted"),
        Err(errors) => errors,
    }
}

/// Exactly one error names `kind` `name` and contains every fragment of `what`.
fn assert_reported(errors: &[ModelError], kind: &str, name: &str, what: &[&str]) {
    let hits: Vec<&ModelError> = errors
        .iter()
        .filter(|e| e.kind == kind && e.name == name && what.iter().all(|w| e.message.contains(w)))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected one {kind} '{name}' error containing {what:?}; got {errors:#?}"
    );
    // The displayed message leads with the item.
    let shown = hits[0].to_string();
    assert!(
        shown.starts_with(&format!("{kind} '{name}': ")),
        "message {shown:?}"
    );
}

#[test]
fn every_fault_of_a_network_is_reported_at_once_naming_its_item() {
    let parts = NetworkParts {
        gas: None,
        compartments: vec![
            // Two faults on one item: both reported.
            Compartment {
                temperature: -3.0,
                ..compartment("hab", -5.0, air())
            },
            compartment("lab", 10.0, vec![0.5, 0.3, 0.0, 0.0, 0.0]),
            compartment("node", 20.0, air()),
        ],
        boundaries: vec![space(), reservoir("tank", 2e5, air())],
        links: vec![
            link(
                "leaky",
                c(2),
                b(0),
                FlowElement::PowerLaw {
                    c: constant(1e-6),
                    n: 1.5,
                },
            ),
            link(
                "stiff",
                c(1),
                c(2),
                FlowElement::PowerLaw {
                    c: constant(1e-6),
                    n: 0.3,
                },
            ),
            link(
                "loop",
                c(2),
                c(2),
                FlowElement::Linear { k: constant(1e-8) },
            ),
            link("bridge", b(0), b(1), orifice(0.6)),
            link("valve", c(1), c(2), orifice(1.2)),
            // Sound items alongside: no errors of their own.
            link("hatch", c(1), c(2), orifice(0.6)),
        ],
        ..NetworkParts::default()
    };
    let errors = refused(parts);
    assert_reported(&errors, "compartment", "hab", &["volume", "-5"]);
    assert_reported(&errors, "compartment", "hab", &["temperature", "-3"]);
    assert_reported(&errors, "compartment", "lab", &["sum to 0.8", "expected 1"]);
    assert_reported(&errors, "link", "leaky", &["n = 1.5", "0.5 <= n <= 1"]);
    assert_reported(&errors, "link", "stiff", &["n = 0.3", "0.5 <= n <= 1"]);
    assert_reported(&errors, "link", "loop", &["itself"]);
    assert_reported(&errors, "link", "bridge", &["two boundaries"]);
    assert_reported(
        &errors,
        "link",
        "valve",
        &["discharge coefficient", "Cd <= 1"],
    );
    assert_eq!(errors.len(), 8, "no other errors: {errors:#?}");
}

#[test]
fn dangling_references_are_errors_not_panics() {
    let parts = NetworkParts {
        gas: None,
        compartments: vec![compartment("hab", 10.0, air())],
        boundaries: vec![],
        links: vec![
            link("to nowhere", c(0), c(7), orifice(0.6)),
            link("from nowhere", b(3), c(0), orifice(0.6)),
        ],
        sources: vec![Source {
            name: "lost".into(),
            into: CompartmentId(4),
            rates: vec![0.0; 5],
            schedule: constant(1.0),
            temperature: 295.0,
            active: true,
            law: SourceLaw::Fixed,
        }],
        events: vec![Event {
            name: "shut".into(),
            trigger: Trigger::At(10.0),
            actions: vec![Action::Close(LinkId(9)), Action::StopSource(SourceId(2))],
            repeat: false,
        }],
        averages: vec![],
    };
    let errors = refused(parts);
    assert_reported(&errors, "link", "to nowhere", &["does not exist"]);
    assert_reported(&errors, "link", "from nowhere", &["does not exist"]);
    assert_reported(&errors, "source", "lost", &["does not exist"]);
    assert_reported(&errors, "event", "shut", &["opens or closes a link"]);
    assert_reported(&errors, "event", "shut", &["starts or stops a source"]);
    assert_eq!(errors.len(), 5, "{errors:#?}");

    // No compartments at all.
    let errors = refused(NetworkParts::default());
    assert_reported(&errors, "network", "compartments", &["no compartments"]);
}

/// A 1 m3 galley of dry air with a scrubber removing CO2 at 1 g/s: the CO2 is gone after
/// m_CO2 / rate = 0.727 s (x_CO2 = 4e-4 by mole, 6.08e-4 by mass, of 1.1966 kg).
fn galley() -> (Network, f64) {
    let gas = Gas::air();
    let y = gas.mass_fractions(&DRY_AIR_MOLE_FRACTIONS);
    let r = gas.mixture(&y).r;
    let mass = 101_325.0 * 1.0 / (r * 295.0);
    let co2 = gas.index_of("CO2").expect("CO2 in the default table");
    let rate = 1e-3;
    let mut rates = vec![0.0; gas.len()];
    rates[co2] = -rate;
    let parts = NetworkParts {
        gas: Some(gas),
        compartments: vec![compartment("galley", 1.0, air())],
        sources: vec![steady_source("scrubber", 0, rates)],
        ..NetworkParts::default()
    };
    let t_empty = mass * y[co2] / rate;
    assert!((t_empty - 0.727).abs() < 1e-3, "t_empty = {t_empty}");
    (Network::new(parts).expect("valid galley"), t_empty)
}

#[test]
fn issue7_a_scrubber_that_exhausts_its_species_fades_out_instead_of_failing() {
    // The scrubber's removal fades out as the CO2 runs out (rate m/(m + eps), eps the mass
    // tolerance): the old code stopped with "species mass became -1.2e-7" just after
    // t_empty. The run finishes; the CO2 stays within its tolerance of zero and never below
    // it in what is handed over. (BDF only: the fade is stiff, time constant eps / rate =
    // 1.2e-5 s, and Dopri5 stops there reporting stiffness, as it should.)
    let (net, t_empty) = galley();
    let co2 = net.gas.index_of("CO2").expect("CO2");
    {
        let (method, t_end) = (Method::Bdf, 10.0);
        let settings = Settings {
            method,
            ..Settings::default()
        };
        let outputs = [0.0, 0.5, t_empty + 0.05, t_end];
        let (rows, outcome) = simulate_collect(&net, &settings, t_end, &outputs)
            .unwrap_or_else(|e| panic!("{method:?}: {e}"));
        assert_eq!(rows.len(), outputs.len(), "{method:?}");
        let atol = plenum_physics::System::new(&net).absolute_tolerances(1e-3);
        for (t, y) in rows.iter().chain([&(t_end, outcome.final_state.clone())]) {
            assert!(y[..5].iter().all(|m| *m >= 0.0), "{method:?} at {t}: {y:?}");
            if *t > t_empty + 0.01 {
                assert!(
                    y[co2] <= atol[co2],
                    "{method:?}: CO2 {:e} kg at {t}",
                    y[co2]
                );
            }
        }
    }
}

#[test]
fn bad_settings_are_refused_before_anything_runs() {
    let (net, _) = galley();
    let bad = [
        Settings {
            rtol: 0.0,
            ..Settings::default()
        },
        Settings {
            rtol: 1.0,
            ..Settings::default()
        },
        Settings {
            rtol: f64::NAN,
            ..Settings::default()
        },
        Settings {
            atol_pressure: 0.0,
            ..Settings::default()
        },
        Settings {
            atol_pressure: f64::INFINITY,
            ..Settings::default()
        },
        Settings {
            max_step: Some(0.0),
            ..Settings::default()
        },
        Settings {
            reversal_deadband: -1.0,
            ..Settings::default()
        },
    ];
    for method in [Method::Bdf, Method::Dopri5] {
        for s in &bad {
            let s = Settings {
                method,
                ..s.clone()
            };
            match simulate_collect(&net, &s, 0.1, &[0.0]) {
                Err(SimError::Settings(msg)) => assert!(!msg.is_empty()),
                other => panic!("{s:?}: expected a settings error, got {other:?}"),
            }
        }
        // A run needs a positive, finite duration.
        for t_end in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let s = Settings {
                method,
                ..Settings::default()
            };
            match simulate_collect(&net, &s, t_end, &[]) {
                Err(SimError::Settings(msg)) => assert!(msg.contains("duration"), "{msg}"),
                other => panic!("t_end = {t_end}: expected a settings error, got {other:?}"),
            }
        }
    }
}
