//! Issue 7: threshold events that start at their threshold after an action, repeating events
//! that cycle a valve, event storms, and integrator failures that say where and when.

use plenum_physics::reference::{self, b, c, constant, isothermal, orifice, reservoir, space};
use plenum_physics::{
    simulate_collect, Action, Compartment, CompartmentId, Direction, Event, FlowElement, Gas, Link,
    LinkId, Method, Network, NetworkParts, NodeId, Quantity, Schedule, Settings, SimError, Trigger,
};

const T: f64 = 295.0;
const R_AIR: f64 = 287.05;
const GAMMA: f64 = 1.4;
const MMHG: f64 = 133.322_387_415;

fn compartment(name: &str, volume: f64, pressure: f64) -> Compartment {
    isothermal(name, volume, pressure, vec![1.0])
}

fn link(name: &str, from: NodeId, to: NodeId, element: FlowElement, open: bool) -> Link {
    Link {
        open,
        ..reference::link(name, from, to, element)
    }
}

fn crosses(name: &str, q: Quantity, threshold: f64, direction: Direction, a: Action) -> Event {
    Event {
        name: name.into(),
        trigger: Trigger::Crosses {
            quantity: q,
            threshold,
            direction,
        },
        actions: vec![a],
        repeat: true,
    }
}

/// Choked mass flow of an orifice, kg/s (DESIGN.md): Cd A p sqrt(g / (R T)) Phi.
fn choked(cd_a: f64, p_up: f64) -> f64 {
    let phi = (2.0 / (GAMMA + 1.0)).powf((GAMMA + 1.0) / (2.0 * (GAMMA - 1.0)));
    cd_a * p_up * (GAMMA / (R_AIR * T)).sqrt() * phi
}

/// Two 1 m3 rooms of air at the given pressures, and space; no links yet.
fn two_rooms(a: (&str, f64), b: (&str, f64)) -> NetworkParts {
    NetworkParts {
        gas: Some(Gas::perfect("air", R_AIR, GAMMA)),
        compartments: vec![compartment(a.0, 1.0, a.1), compartment(b.0, 1.0, b.1)],
        boundaries: vec![space()],
        ..NetworkParts::default()
    }
}

/// Two identical 1 m3 rooms joined by a linear duct (flow exactly 0: same state on both
/// sides), and a vent to space on one of them that an event opens at 100 s. The duct's
/// flow sits exactly on its 0 kg/s threshold when the vent opens, then leaves it.
fn rooms(vent_on: usize, direction: Direction) -> (Network, f64) {
    let k = 1e-6;
    let parts = NetworkParts {
        links: vec![
            link(
                "duct",
                c(0),
                c(1),
                FlowElement::Linear { k: constant(k) },
                true,
            ),
            link("vent", c(vent_on), b(0), orifice(1e-6, 0.6), false),
        ],
        events: vec![
            Event {
                name: "open_vent".into(),
                trigger: Trigger::At(100.0),
                actions: vec![Action::Open(LinkId(1))],
                repeat: false,
            },
            crosses(
                "duct_turns",
                Quantity::MassFlow(LinkId(0)),
                0.0,
                direction,
                Action::Log,
            ),
        ],
        ..two_rooms(("a", 101_325.0), ("b", 101_325.0))
    };
    (Network::new(parts).expect("valid rooms"), k)
}

#[test]
fn issue7_crossing_that_starts_at_its_threshold_after_an_event_fires() {
    for (vent_on, direction) in [(0, Direction::Falling), (1, Direction::Rising)] {
        let (net, k) = rooms(vent_on, direction);
        let settings = Settings::default();
        let (_, out) = simulate_collect(&net, &settings, 200.0, &[0.0, 200.0]).expect("runs");
        let fired: Vec<f64> = out
            .events
            .iter()
            .filter(|e| net.events[e.event.index()].name == "duct_turns")
            .map(|e| e.time)
            .collect();
        assert_eq!(fired.len(), 1, "{direction:?}: {:?}", out.events);
        // It fires as the flow leaves its re-arm band (the reversal deadband for a flow
        // threshold of 0): the vent lowers the vented room's pressure at
        // mdot R T / V Pa/s, so the duct carries the band's flow after band / (k rate).
        let band = settings.reversal_deadband;
        let rate = choked(0.6e-6, 101_325.0) * R_AIR * T / 1.0;
        let expected = 100.0 + band / (k * rate);
        assert!(
            (fired[0] - expected).abs() < 1e-2 * (expected - 100.0),
            "{direction:?}: fired at {} s, expected {expected} s",
            fired[0]
        );
    }
}

/// A 10 m3 cabin leaking to space, fed from a 2 bar tank through a valve that events close
/// above 760 mmHg and reopen below 760 mmHg (the reproducer of issue 7, item 3).
fn valve_cabin() -> Network {
    let parts = NetworkParts {
        gas: Some(Gas::perfect("air", R_AIR, GAMMA)),
        compartments: vec![compartment("cabin", 10.0, 750.0 * MMHG)],
        boundaries: vec![space(), reservoir("tank", 2e5, vec![1.0])],
        links: vec![
            link("leak", c(0), b(0), orifice(1.6e-6, 0.6), true),
            link("valve", b(1), c(0), orifice(1e-6, 0.8), true),
        ],
        events: vec![
            crosses(
                "close",
                Quantity::Pressure(CompartmentId(0)),
                760.0 * MMHG,
                Direction::Rising,
                Action::Close(LinkId(1)),
            ),
            crosses(
                "reopen",
                Quantity::Pressure(CompartmentId(0)),
                760.0 * MMHG,
                Direction::Falling,
                Action::Open(LinkId(1)),
            ),
        ],
        ..NetworkParts::default()
    };
    Network::new(parts).expect("valid cabin")
}

#[test]
fn issue7_valve_closed_and_reopened_at_one_threshold_cycles() {
    let net = valve_cabin();
    let settings = Settings::default();
    let hour = 3600.0;
    let times: Vec<f64> = (0..=60).map(|i| f64::from(i) * 60.0).collect();
    let (rows, out) = simulate_collect(&net, &settings, hour, &times).expect("runs");
    let name_of = |e: &plenum_physics::FiredEvent| net.events[e.event.index()].name.as_str();
    let count = |name: &str| out.events.iter().filter(|e| name_of(e) == name).count();
    assert!(
        count("reopen") >= 2,
        "{:?}",
        &out.events[..out.events.len().min(6)]
    );
    assert!(count("close") >= 2);
    // Firings alternate, and a repeating event fires at most once per re-arm interval.
    for pair in out.events.windows(2) {
        assert_ne!(pair[0].event, pair[1].event, "{pair:?}");
    }
    for name in ["close", "reopen"] {
        let t: Vec<f64> = out
            .events
            .iter()
            .filter(|e| name_of(e) == name)
            .map(|e| e.time)
            .collect();
        for w in t.windows(2) {
            // The same sum as the driver's: fired at the end of the interval exactly.
            assert!(
                w[1] >= w[0] + settings.event_rearm_interval,
                "{name}: {w:?}"
            );
        }
    }
    // After the first close the pressure stays within what the valve can add, or the leak
    // remove, in one re-arm interval (both flows choked: p_tank > p_cabin / 0.528).
    let rate = (choked(0.8e-6, 2e5) + choked(0.6e-6 * 1.6, 760.0 * MMHG)) * R_AIR * T / 10.0;
    let band = rate * settings.event_rearm_interval;
    let first_close = out.events[0].time;
    let sys = plenum_physics::System::new(&net);
    for (t, y) in rows.iter().filter(|(t, _)| *t > first_close) {
        let p = sys.snapshot(*t, y).pressure[0];
        assert!(
            (p - 760.0 * MMHG).abs() <= band,
            "p = {p} Pa at t = {t} s, band {band} Pa"
        );
    }
}

#[test]
fn issue7_event_storm_names_the_event() {
    let net = valve_cabin();
    let settings = Settings {
        max_steps: 3000,
        ..Settings::default()
    };
    let err = simulate_collect(&net, &settings, 86_400.0, &[0.0, 86_400.0])
        .expect_err("the valve's events spend the step budget");
    let shown = err.to_string();
    assert!(
        shown.contains("event 'close' fired") || shown.contains("event 'reopen' fired"),
        "{shown}"
    );
    assert!(shown.contains("3000-step budget"), "{shown}");
    match err {
        SimError::EventStorm {
            count, first, last, ..
        } => {
            assert!(count > 10, "{count}");
            assert!(first > 0.0 && last > first, "{first} {last}");
        }
        other => panic!("expected an event storm, got {other:?}"),
    }
}

/// Two 1 m3 rooms, one at 1 atm and one at 0.9 atm, joined by a linear duct whose
/// conductance doubles every 10 minutes: the equalisation time constant V / (2 k R T)
/// shrinks from hours to milliseconds within the first segment (no breakpoint).
fn stiffening() -> Network {
    let duct = FlowElement::Linear {
        k: Schedule::Exponential {
            initial: 1e-9,
            rate: std::f64::consts::LN_2 / 600.0,
            start: 0.0,
        },
    };
    let parts = NetworkParts {
        links: vec![
            link("duct", c(0), c(1), duct, true),
            link("crack", c(0), b(0), orifice(1e-7, 0.6), true),
        ],
        ..two_rooms(("fore", 101_325.0), ("aft", 91_192.5))
    };
    Network::new(parts).expect("valid rooms")
}

#[test]
fn issue7_dopri5_failure_reports_the_real_time_and_suggests_bdf() {
    let net = stiffening();
    let t_end = 86_400.0;
    let dopri = Settings {
        method: Method::Dopri5,
        ..Settings::default()
    };
    let err = simulate_collect(&net, &dopri, t_end, &[0.0, t_end]).expect_err("stiff");
    let shown = err.to_string();
    let time = match &err {
        SimError::Solver {
            integrator, time, ..
        } => {
            assert_eq!(*integrator, "Dopri5");
            *time
        }
        other => panic!("expected a Dopri5 failure, got {other:?}"),
    };
    assert!(time > 0.0 && time < t_end, "{shown}");
    assert!(shown.contains(&format!("t = {time:.6e} s")), "{shown}");
    assert!(shown.contains("method: Bdf"), "{shown}");
    // It names the stiff part: the duct between the rooms.
    assert!(shown.contains("link 'duct'"), "{shown}");
    for debug in ["{", "}", "StiffnessDetected", "StepSizeUnderflow", "x:"] {
        assert!(!shown.contains(debug), "Debug text in: {shown}");
    }
    // The time is where it really failed: a run that stops a little before it finishes.
    let (_, before) = simulate_collect(&net, &dopri, 0.99 * time, &[0.0]).expect("runs");
    assert!((before.end_time - 0.99 * time).abs() < 1e-9 * time);
    // And the stiff method runs on past it.
    simulate_collect(&net, &Settings::default(), 2.0 * time, &[0.0]).expect("BDF runs");
}

/// A 100 m3 hall and a 1 litre closet through a 1 cm2 hatch: the closet's mass moves a
/// thousand times faster against its tolerance than the hall's.
fn closet() -> Network {
    let parts = NetworkParts {
        gas: Some(Gas::perfect("air", R_AIR, GAMMA)),
        compartments: vec![
            compartment("hall", 100.0, 101_325.0),
            compartment("closet", 1e-3, 90_000.0),
        ],
        links: vec![link("closet_door", c(0), c(1), orifice(1e-4, 0.6), true)],
        ..NetworkParts::default()
    };
    Network::new(parts).expect("valid hall")
}

#[test]
fn issue7_step_budget_error_names_the_fastest_compartment() {
    let net = closet();
    for method in [Method::Bdf, Method::Dopri5] {
        let settings = Settings {
            method,
            max_steps: 5,
            ..Settings::default()
        };
        let err = simulate_collect(&net, &settings, 3600.0, &[0.0]).expect_err("budget");
        let shown = err.to_string();
        assert!(
            matches!(err, SimError::TooManySteps { .. }),
            "{method:?}: {shown}"
        );
        assert!(
            shown.contains("compartment 'closet'") && shown.contains("link 'closet_door'"),
            "{method:?}: {shown}"
        );
        assert!(shown.contains("max_steps"), "{shown}");
    }
}
