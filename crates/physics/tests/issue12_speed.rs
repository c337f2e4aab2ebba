//! Issue 12, per-step cost: a network of one species at constant temperatures screens its
//! flows for reversals on each step from the state directly (each end's gas from its mass),
//! instead of filling the node table. The screen only decides whether the step's flows
//! are evaluated and searched for reversals; the log it leads to must be the one the general
//! path gives. Here the same chain of ten compartments, whose hatches reverse many times as
//! the pressures settle, runs once on the fast screen (temperature a constant) and once on
//! the general one (the same temperature as a two-point table, which the fast path does not
//! take). The general path's mass fractions are m_s / m rather than exactly 1, so the two
//! trajectories differ by round-off: the reversal logs must match link by link, with times
//! within 1e-6 of the run's length.

use plenum_physics::reference::{scaling_network, Topology, DAY, T_REF};
use plenum_physics::{simulate, Network, Schedule, Settings, System, Thermal};

fn run(table: bool) -> Vec<(usize, f64, bool)> {
    let mut parts = scaling_network(Topology::Chain, 10);
    if table {
        for c in &mut parts.compartments {
            c.thermal = Thermal::Isothermal {
                temperature: Schedule::Table(vec![(0.0, T_REF), (DAY, T_REF)]),
            };
        }
    }
    let net = Network::new(parts).expect("valid network");
    let settings = Settings::default();
    let times: Vec<f64> = (0..=24).map(|k| f64::from(k) * 3600.0).collect();
    let out = simulate(
        &net,
        &settings,
        DAY,
        &times,
        &mut |_: &System<'_>, _, _: &[f64]| {},
    )
    .expect("the chain runs");
    out.reversals
        .iter()
        .map(|r| (r.link.0, r.time, r.now_forward))
        .collect()
}

#[test]
fn issue12_fast_reversal_screen_logs_what_the_general_one_logs() {
    let fast = run(false);
    let general = run(true);
    assert!(fast.len() >= 5, "the chain should reverse: {fast:?}");
    assert_eq!(fast.len(), general.len(), "{fast:?}\n{general:?}");
    for (f, g) in fast.iter().zip(&general) {
        assert_eq!((f.0, f.2), (g.0, g.2), "{f:?} vs {g:?}");
        assert!((f.1 - g.1).abs() <= 1e-6 * DAY, "{f:?} vs {g:?}");
    }
}

/// A simple system's quantities come from the gas of the nodes they read, without the node
/// table; they must be the numbers the table gives (what the right-hand side and the
/// snapshot see), bit for bit, at a state where every hatch carries flow.
#[test]
fn issue12_simple_quantities_are_the_node_tables() {
    use plenum_physics::{reference, CompartmentId, LinkId, Quantity};
    let net = Network::new(reference::p3()).expect("P3 is valid");
    let sys = System::new(&net);
    let mut y = sys.initial_state();
    for (i, v) in y.iter_mut().enumerate().take(net.compartments.len()) {
        *v *= 1.0 + 1e-3 * (i as f64 - 6.0);
    }
    let t = 1234.5;
    let snap = sys.snapshot(t, &y);
    for c in 0..net.compartments.len() {
        let id = CompartmentId(c);
        assert_eq!(
            sys.quantity(Quantity::Pressure(id), t, &y),
            snap.pressure[c]
        );
        assert_eq!(
            sys.quantity(Quantity::Temperature(id), t, &y),
            snap.temperature[c]
        );
        assert_eq!(sys.quantity(Quantity::Mass(id), t, &y), snap.mass[c]);
    }
    for l in 0..net.links.len() {
        let f = sys.quantity(Quantity::MassFlow(LinkId(l)), t, &y);
        assert_eq!(f, snap.flow[l], "link {}", net.links[l].name);
        assert!(f != 0.0);
    }
}

/// A run that keeps no reversal log (`Settings::reversals` off, as a sweep without reversal
/// metrics runs) must compute everything else exactly as one that keeps it: the same
/// output states, events, end state and work counts, bit for bit, on both integrators and
/// with actions that switch links mid-run (a closing hatch and a time event reopening it).
#[test]
fn issue12_runs_without_the_reversal_log_are_the_same_runs() {
    use plenum_physics::{Action, Direction, Event, LinkId, Method, Trigger};
    let mut parts = scaling_network(Topology::Chain, 10);
    // Hatches of 0.2 mm2: the chain settles over hours, within the explicit method's reach.
    let last = parts.links.len() - 1;
    for l in &mut parts.links[..last] {
        l.element = plenum_physics::reference::orifice(2e-7, 0.6);
    }
    parts.events = vec![
        closing("close", 0, 99_000.0, Direction::Falling),
        Event {
            name: "reopen".into(),
            trigger: Trigger::At(0.5 * DAY),
            actions: vec![Action::Open(LinkId(0))],
            repeat: false,
        },
    ];
    let net = Network::new(parts).expect("valid network");
    let times: Vec<f64> = (0..=48).map(|k| f64::from(k) * 1800.0).collect();
    for method in [Method::Bdf, Method::Dopri5] {
        let run = |reversals: bool| {
            let settings = Settings {
                method,
                reversals,
                ..Settings::default()
            };
            let mut rows: Vec<(f64, Vec<f64>)> = Vec::new();
            let out = simulate(
                &net,
                &settings,
                DAY,
                &times,
                &mut |_: &System<'_>, t, y: &[f64]| rows.push((t, y.to_vec())),
            )
            .expect("the chain runs");
            (out, rows)
        };
        let (with, rows_with) = run(true);
        let (without, rows_without) = run(false);
        assert!(
            with.reversals.len() >= 3,
            "{method:?}: {:?}",
            with.reversals
        );
        assert!(without.reversals.is_empty(), "{method:?}");
        let fired: Vec<usize> = with.events.iter().map(|e| e.event.0).collect();
        assert_eq!(fired, [0, 1], "{method:?}: close, then reopen");
        assert_eq!(with.events, without.events, "{method:?}");
        assert_eq!(with.stats, without.stats, "{method:?}");
        assert_eq!(with.final_state, without.final_state, "{method:?}");
        assert_eq!(with.final_switches, without.final_switches, "{method:?}");
        assert_eq!(rows_with, rows_without, "{method:?}");
    }
}

/// `Network::revalued` checks only what differs from a checked network, and must judge
/// every change as `Network::new` does: the same network where the values are valid, the
/// same errors, in the same order, where they are not (a bad value in a changed item, a
/// renamed item that duplicates a name, a bad species, a bad event).
#[test]
fn issue12_revalued_networks_are_judged_as_new_ones() {
    use plenum_physics::{reference, Direction, FlowElement, NetworkParts};
    let base = reference::p3();
    let like = Network::new(base.clone()).expect("P3 is valid");
    type Change = Box<dyn Fn(&mut NetworkParts)>;
    let changes: Vec<(&str, Change)> = vec![
        ("nothing", Box::new(|_| {})),
        ("volume", Box::new(|p| p.compartments[1].volume = 6.5)),
        (
            "negative volume",
            Box::new(|p| p.compartments[1].volume = -1.0),
        ),
        (
            "NaN pressure",
            Box::new(|p| p.compartments[3].pressure = f64::NAN),
        ),
        (
            "crack area",
            Box::new(|p| {
                p.links[12].element = reference::orifice(1.1e-7, 1.0);
            }),
        ),
        (
            "negative crack area and a bad seal",
            Box::new(|p| {
                p.links[12].element = reference::orifice(-1e-7, 1.0);
                p.links[11].element = FlowElement::Linear {
                    k: plenum_physics::Schedule::Constant(f64::INFINITY),
                };
            }),
        ),
        (
            "a duplicate name",
            Box::new(|p| p.links[3].name = p.links[4].name.clone()),
        ),
        (
            "a link renamed after a compartment",
            Box::new(|p| p.links[0].name = "PrK".into()),
        ),
        (
            "a bad species",
            Box::new(|p| {
                let gas = p.gas.get_or_insert_with(plenum_physics::Gas::air);
                gas.species[0].molar_mass = 0.0;
            }),
        ),
        (
            "a bad event",
            Box::new(|p| p.events.push(closing("bad", 99, 1e5, Direction::Either))),
        ),
    ];
    for (what, change) in &changes {
        let mut parts = base.clone();
        change(&mut parts);
        let new = Network::new(parts.clone());
        let revalued = Network::revalued(parts, &like);
        assert_eq!(new, revalued, "{what}");
        let valid = matches!(*what, "nothing" | "volume" | "crack area");
        assert_eq!(new.is_ok(), valid, "{what}: {new:?}");
        // Its parts come back whole, to be changed for the next run.
        if let Ok(net) = revalued {
            assert_eq!(Network::new(net.clone().into_parts()), Ok(net), "{what}");
        }
    }
}

/// Each thread keeps its last integrator's buffers (and its analysis of the pattern) for
/// its next run. A run must not depend on what ran before it on the thread: P3 and chains
/// of other sizes, interleaved on one thread, give the outputs each gives on a fresh one,
/// bit for bit.
#[test]
fn issue12_runs_on_a_thread_do_not_depend_on_the_runs_before() {
    use plenum_physics::reference;
    type Rows = Vec<(f64, Vec<f64>)>;
    fn run(parts: plenum_physics::NetworkParts) -> (Rows, Vec<f64>) {
        let net = Network::new(parts).expect("valid network");
        let times: Vec<f64> = (0..=24).map(|k| f64::from(k) * 3600.0).collect();
        let mut rows = Vec::new();
        let out = simulate(
            &net,
            &Settings::default(),
            DAY,
            &times,
            &mut |_: &System<'_>, t, y: &[f64]| rows.push((t, y.to_vec())),
        )
        .expect("runs");
        (rows, out.final_state)
    }
    let cases = || {
        vec![
            reference::p3(),
            scaling_network(Topology::Chain, 40),
            reference::p3(),
            scaling_network(Topology::Mesh, 9),
            scaling_network(Topology::Chain, 40),
            reference::p3(),
        ]
    };
    // Each on a thread of its own, then all on one.
    let fresh: Vec<_> = cases()
        .into_iter()
        .map(|p| std::thread::spawn(move || run(p)).join().expect("thread"))
        .collect();
    let shared = std::thread::spawn(move || cases().into_iter().map(run).collect::<Vec<_>>())
        .join()
        .expect("thread");
    assert_eq!(fresh.len(), shared.len());
    for (k, (a, b)) in fresh.iter().zip(&shared).enumerate() {
        assert_eq!(a, b, "case {k}");
    }
}

/// An event that closes link 0 when compartment `c`'s pressure crosses `threshold`.
fn closing(
    name: &str,
    c: usize,
    threshold: f64,
    direction: plenum_physics::Direction,
) -> plenum_physics::Event {
    use plenum_physics::{Action, CompartmentId, Event, LinkId, Quantity, Trigger};
    Event {
        name: name.into(),
        trigger: Trigger::Crosses {
            quantity: Quantity::Pressure(CompartmentId(c)),
            threshold,
            direction,
        },
        actions: vec![Action::Close(LinkId(0))],
        repeat: false,
    }
}
