//! Whole runs against closed-form solutions (DESIGN.md, "Reference formulas for tests"):
//! the tunnel fed through a choked seal and leaking through a choked crack, event timing on
//! the P1 blowdown, a hatch-seal flow reversal at a predictable time, two-volume `Linear`
//! equalisation with unlike gases, and the isentropic relation of the adiabatic blowdown.
//! P1/P2/P3/P3b against the peers' tables are in the root `tests/physics_reference.rs`.
//!
//! Tolerances. BDF keeps each step's local error below rtol |y| + atol. On these contracting
//! problems the global error stays within a small multiple of that: each step's error is
//! damped by the following steps, so it does not add up over the run. We allow
//! `GLOBAL = 20` local tolerances (the measured errors are reported next to each bound).
//! A time located on the dense output inherits the error of the located quantity divided by
//! its rate of change.

use plenum_physics::reference::{self, isothermal, link, orifice, space, R_AIR, T_REF};
use plenum_physics::{
    choke_factor, simulate, simulate_collect, Action, Boundary, BoundaryId, BoundaryKind,
    Compartment, CompartmentId, Direction, Event, EventId, FlowElement, Gas, LinkId, Network,
    NetworkParts, NodeId, Quantity, Schedule, Settings, System, Thermal, Trigger,
    DRY_AIR_MOLE_FRACTIONS,
};

const RTOL: f64 = 1e-8;
/// Pa; far below rtol * p at any pressure in these runs, so rtol governs.
const ATOL_P: f64 = 1e-6;
/// Global error allowance, in local tolerances (see the module comment).
const GLOBAL: f64 = 20.0;
const GAMMA: f64 = 1.4;
const P_ATM: f64 = 101_325.0;

fn settings() -> Settings {
    Settings {
        rtol: RTOL,
        atol_pressure: ATOL_P,
        ..Settings::default()
    }
}

/// Allowed pressure error at pressure scale `p`, Pa.
fn p_tol(p: f64) -> f64 {
    GLOBAL * (RTOL * p + ATOL_P)
}

fn air() -> Gas {
    Gas::perfect("air", R_AIR, GAMMA)
}

fn linear(k: f64) -> FlowElement {
    FlowElement::Linear {
        k: Schedule::Constant(k),
    }
}

const C0: NodeId = NodeId::Compartment(CompartmentId(0));
const C1: NodeId = NodeId::Compartment(CompartmentId(1));
const B0: NodeId = NodeId::Boundary(BoundaryId(0));
const B1: NodeId = NodeId::Boundary(BoundaryId(1));

fn station(pressure: f64) -> Boundary {
    Boundary {
        name: "station".into(),
        kind: BoundaryKind::Reservoir {
            pressure,
            temperature: T_REF,
            composition: vec![1.0],
        },
    }
}

/// Pressure of compartment 0 at each output.
fn pressures(net: &Network, rows: &[(f64, Vec<f64>)]) -> Vec<(f64, f64)> {
    let sys = System::new(net);
    rows.iter()
        .map(|(t, y)| (*t, sys.snapshot(*t, y).pressure[0]))
        .collect()
}

#[test]
fn tunnel_fed_by_a_choked_seal_settles_at_the_area_ratio_pressure() {
    // PrK-like tunnel, 7 m3, fed from the station (1 atm reservoir) through a choked seal
    // (Cd 0.6, 0.3 mm2) and leaking to space through a choked crack (Cd 0.6, 1 mm2):
    // p* = p_s (Cd_h A_h)/(Cd_l A_l) = 0.3 p_s, below r* p_s = 0.528 p_s, so both orifices
    // stay choked from any start below 0.528 p_s and
    //   dp/dt = (Cd_l A_l Phi sqrt(g R T)/V) (p* - p):  p = p* + (p0 - p*) exp(-t/tau).
    let (v, cd_h, a_h, cd_l, a_l) = (7.0, 0.6, 0.3e-6, 0.6, 1e-6);
    let p_star = P_ATM * (cd_h * a_h) / (cd_l * a_l);
    let tau = v / (cd_l * a_l * choke_factor(GAMMA) * (GAMMA * R_AIR * T_REF).sqrt());
    // tau = 7 / (0.6e-6 * 0.5787 * sqrt(1.4 * 84 679.75)) = 7 / (3.4722e-7 * 344.31)
    // = 58 551 s (0.68 day).
    assert!((tau - 58_551.3).abs() < 0.1, "tau = {tau}");
    for p0 in [0.5 * P_ATM, 0.1 * P_ATM] {
        let parts = NetworkParts {
            gas: Some(air()),
            compartments: vec![isothermal("prk", v, p0, vec![1.0])],
            boundaries: vec![station(P_ATM), space()],
            links: vec![
                link("seal", B0, C0, orifice(a_h, cd_h)),
                link("crack", C0, B1, orifice(a_l, cd_l)),
            ],
            ..NetworkParts::default()
        };
        let net = Network::new(parts).expect("valid tunnel");
        let times: Vec<f64> = (0..=16).map(|k| k as f64 * 0.5 * tau).collect();
        let (rows, outcome) =
            simulate_collect(&net, &settings(), 8.0 * tau, &times).expect("run succeeds");
        assert_eq!(rows.len(), times.len());
        let mut worst: f64 = 0.0;
        for (t, p) in pressures(&net, &rows) {
            let exact = p_star + (p0 - p_star) * (-t / tau).exp();
            let err = (p - exact).abs();
            worst = worst.max(err / p_tol(p0.max(p_star)));
            assert!(
                err <= p_tol(p0.max(p_star)),
                "p0 = {p0}: p({t}) = {p}, closed form {exact}, error {err:e} Pa"
            );
        }
        eprintln!("tunnel p0 = {p0}: worst error {worst:.3} of the allowance");
        // At 8 tau the two flows balance (exp(-8) = 3e-4 of the initial imbalance): the
        // seal delivers what the crack loses; the station has given what space received
        // plus what the tunnel gained.
        let sys = System::new(&net);
        let snap = sys.snapshot(outcome.end_time, &outcome.final_state);
        // Both choked: seal/crack = (Cd_h A_h p_s)/(Cd_l A_l p) = p*/p.
        let p = snap.pressure[0];
        let ratio = snap.flow[0] / snap.flow[1];
        assert!(
            (ratio - p_star / p).abs() < 1e-12,
            "seal/crack {ratio}, p*/p = {}",
            p_star / p
        );
        assert!((p / p_star - 1.0).abs() < 1e-3, "not settled: p = {p}");
        let gained = snap.mass[0] - p0 * v / (R_AIR * T_REF);
        let total = snap.received[0] + snap.received[1] + gained;
        assert!(
            total.abs() < 1e-12 * snap.received[1].abs(),
            "ledger {total:e}"
        );
    }
}

/// P1 (isothermal) with the given events.
fn p1_with(events: Vec<Event>) -> Network {
    let mut parts = reference::p1(false);
    parts.events = events;
    Network::new(parts).expect("valid P1")
}

fn half_pressure(name: &str, action: Action) -> Event {
    Event {
        name: name.into(),
        trigger: Trigger::Crosses {
            quantity: Quantity::Pressure(CompartmentId(0)),
            threshold: P_ATM / 2.0,
            direction: Direction::Falling,
        },
        actions: vec![action],
        repeat: false,
    }
}

#[test]
fn half_pressure_event_fires_at_tau_ln_2() {
    // p = p0 exp(-t/tau) crosses p0/2 at tau ln 2. A relative pressure error e at the
    // crossing moves the located time by e p / |dp/dt| = e tau, i.e. e / ln 2 of tau ln 2.
    // After 0.7 tau (a few dozen steps, each damped by the decay) e is a few rtol; we allow
    // 10 rtol of the time (e up to 6.9 rtol).
    let tau = reference::p1_tau();
    let t_half = tau * std::f64::consts::LN_2;
    let tol = 10.0 * RTOL * t_half;
    let net = p1_with(vec![half_pressure("half", Action::Log)]);
    let times = [0.5 * t_half, 1.5 * t_half];
    let (rows, outcome) =
        simulate_collect(&net, &settings(), 2.0 * t_half, &times).expect("run succeeds");
    assert_eq!(outcome.events.len(), 1);
    let fired = &outcome.events[0];
    assert_eq!(net.events[fired.event.index()].name, "half");
    eprintln!(
        "half-pressure event: error {:e} s of tau ln 2 = {t_half} s (allowed {tol:e})",
        fired.time - t_half
    );
    assert!(
        (fired.time - t_half).abs() <= tol,
        "fired at {}",
        fired.time
    );
    // A log entry does not stop the run or change the state.
    assert_eq!(outcome.ended_by, None);
    assert_eq!(outcome.end_time, 2.0 * t_half);
    assert_eq!(rows.len(), 2);
    let p_end = System::new(&net)
        .snapshot(outcome.end_time, &outcome.final_state)
        .pressure[0];
    assert!((p_end - P_ATM / 4.0).abs() <= p_tol(P_ATM));

    // The same trigger with EndRun stops there: the end time is the event time, outputs
    // after it are skipped, and the final state sits on the threshold.
    let net = p1_with(vec![half_pressure("stop at half", Action::EndRun)]);
    let (rows, outcome) =
        simulate_collect(&net, &settings(), 2.0 * t_half, &times).expect("run succeeds");
    assert_eq!(outcome.ended_by, Some(EventId(0)));
    assert_eq!(net.events[0].name, "stop at half");
    assert!((outcome.end_time - t_half).abs() <= tol);
    assert_eq!(outcome.events.len(), 1);
    assert_eq!(outcome.events[0].time, outcome.end_time);
    assert_eq!(rows.len(), 1, "the output after the end is skipped");
    let p_end = System::new(&net)
        .snapshot(outcome.end_time, &outcome.final_state)
        .pressure[0];
    // The root finder stops within 1e-12 of a step of the crossing: on the threshold to
    // far better than the pressure tolerance.
    assert!((p_end - P_ATM / 2.0).abs() <= RTOL * P_ATM, "{p_end}");
}

/// P1 with its hole closed by a time event at `fraction` of the time constant:
/// (tau, the time of the close, the network).
fn p1_patched_at(fraction: f64) -> (f64, f64, Network) {
    let tau = reference::p1_tau();
    let t_close = fraction * tau;
    let net = p1_with(vec![Event {
        name: "patch".into(),
        trigger: Trigger::At(t_close),
        actions: vec![Action::Close(LinkId(0))],
        repeat: false,
    }]);
    (tau, t_close, net)
}

#[test]
fn closing_the_hole_at_a_time_freezes_the_pressure_from_then_on() {
    let (tau, t_close, net) = p1_patched_at(0.3);
    let times: Vec<f64> = [0.1, 0.2, 0.3, 0.31, 0.5, 1.0, 2.0]
        .iter()
        .map(|f| f * tau)
        .collect();
    let (rows, outcome) =
        simulate_collect(&net, &settings(), 2.0 * tau, &times).expect("run succeeds");
    assert_eq!(outcome.events.len(), 1);
    assert_eq!(
        outcome.events[0].time, t_close,
        "a time event fires at its time"
    );
    let p = pressures(&net, &rows);
    let p_close = P_ATM * (-t_close / tau).exp();
    for &(t, pt) in &p {
        if t <= t_close {
            let exact = P_ATM * (-t / tau).exp();
            assert!(
                (pt - exact).abs() <= p_tol(P_ATM),
                "p({t}) = {pt} vs {exact}"
            );
        } else {
            // Nothing flows after the close: the state is carried unchanged (round-off only).
            assert!(
                (pt - p_close).abs() <= p_tol(P_ATM),
                "p({t}) = {pt} vs {p_close}"
            );
            assert!(
                (pt - p[2].1).abs() <= 1e-13 * pt,
                "p({t}) = {pt} moved after the close (was {} at the close)",
                p[2].1
            );
        }
    }
    // The space ledger stops too.
    let sys = System::new(&net);
    let at_close = sys.snapshot(t_close, &rows[2].1).received[0];
    let at_end = sys
        .snapshot(outcome.end_time, &outcome.final_state)
        .received[0];
    assert!((at_end - at_close).abs() <= 1e-13 * at_close);
}

#[test]
fn observed_link_flows_follow_the_link_state_at_each_output() {
    // An observer reading flows from the system it is handed must see the hole open before
    // the close and shut after it, even though outputs are handed over at the end of the run.
    let (tau, t_close, net) = p1_patched_at(0.3);
    let times = [0.0, 0.1 * tau, 0.2 * tau, 0.5 * tau, tau];
    let mut seen = Vec::new();
    let mut observer = |sys: &System<'_>, t: f64, y: &[f64]| {
        let s = sys.snapshot(t, y);
        seen.push((t, s.pressure[0], s.flow[0]));
    };
    simulate(&net, &settings(), tau, &times, &mut observer).expect("run succeeds");
    assert_eq!(seen.len(), times.len());
    let area_term = 0.6 * 1e-6 * choke_factor(GAMMA) * (GAMMA / (R_AIR * T_REF)).sqrt();
    for (t, p, flow) in seen {
        if t < t_close {
            // Open: the choked flow of the hole at that pressure.
            let choked = area_term * p;
            assert!(
                (flow - choked).abs() <= 1e-12 * choked,
                "t = {t}: flow {flow:e}, choked {choked:e}"
            );
        } else {
            assert_eq!(flow, 0.0, "t = {t}: the hole is closed");
        }
    }
}

#[test]
fn hatch_seal_reversal_is_logged_when_the_tunnel_falls_through_station_pressure() {
    // The tunnel starts 5 % above the station and leaks to space (Linear K_c). While it is
    // above, the hatch seal lets gas back into the station through its unseated law (K_u);
    // once it falls through the station pressure the flow reverses and the seated law (K_s)
    // feeds it. Isothermal, so each phase is linear:
    //   phase 1: p1* = K_u p_s/(K_u + K_c), tau1 = V/(R T (K_u + K_c)),
    //            reversal at t_r = tau1 ln((p0 - p1*)/(p_s - p1*));
    //   phase 2: p = p2* + (p_s - p2*) exp(-(t - t_r)/tau2),
    //            p2* = K_s p_s/(K_s + K_c), tau2 = V/(R T (K_s + K_c)).
    let (v, k_u, k_s, k_c) = (7.0, 4e-9, 1e-9, 1e-9);
    let p_s = P_ATM;
    let p0 = 1.05 * p_s;
    let rt = R_AIR * T_REF;
    let p1s = k_u * p_s / (k_u + k_c);
    let tau1 = v / (rt * (k_u + k_c));
    let t_r = tau1 * ((p0 - p1s) / (p_s - p1s)).ln();
    let p2s = k_s * p_s / (k_s + k_c);
    let tau2 = v / (rt * (k_s + k_c));
    let parts = NetworkParts {
        gas: Some(air()),
        compartments: vec![isothermal("prk", v, p0, vec![1.0])],
        boundaries: vec![station(p_s), space()],
        links: vec![
            // From the station to the tunnel: station pressure seats the hatch.
            link(
                "seal",
                B0,
                C0,
                FlowElement::HatchSeal {
                    seated: Box::new(linear(k_s)),
                    unseated: Box::new(linear(k_u)),
                },
            ),
            link("crack", C0, B1, linear(k_c)),
        ],
        ..NetworkParts::default()
    };
    let net = Network::new(parts).expect("valid tunnel");
    let t_end = t_r + 4.0 * tau2;
    let times: Vec<f64> = (0..=10)
        .map(|k| k as f64 * 0.1 * t_r)
        .chain((1..=8).map(|k| t_r + k as f64 * 0.5 * tau2))
        .collect();
    let (rows, outcome) = simulate_collect(&net, &settings(), t_end, &times).expect("run succeeds");
    assert_eq!(
        outcome.reversals.len(),
        1,
        "one reversal: {:?}",
        outcome.reversals
    );
    let rev = &outcome.reversals[0];
    assert_eq!(net.links[rev.link.index()].name, "seal");
    assert!(
        rev.now_forward,
        "after the reversal the station feeds the tunnel"
    );
    // Time error = pressure error / |dp/dt| at the crossing, dp/dt = (p_s - p1*)/tau1.
    let t_tol = p_tol(p0) * tau1 / (p_s - p1s);
    eprintln!(
        "reversal at {} s, closed form {t_r} s: error {:e} s (allowed {t_tol:e})",
        rev.time,
        rev.time - t_r
    );
    assert!((rev.time - t_r).abs() <= t_tol);
    let mut worst: f64 = 0.0;
    for (t, p) in pressures(&net, &rows) {
        let exact = if t <= t_r {
            p1s + (p0 - p1s) * (-t / tau1).exp()
        } else {
            p2s + (p_s - p2s) * (-(t - t_r) / tau2).exp()
        };
        worst = worst.max((p - exact).abs() / p_tol(p0));
        assert!(
            (p - exact).abs() <= p_tol(p0),
            "p({t}) = {p}, closed form {exact}"
        );
    }
    eprintln!("hatch-seal run: worst pressure error {worst:.3} of the allowance");
}

#[test]
fn two_volumes_through_a_linear_link_equalise_exponentially() {
    // Cabin (20 m3, dry air, 1 atm) and airlock (5 m3, pure N2, 60 kPa), 300 K, Linear K.
    // Flow runs cabin -> lock throughout, carrying dry air, so each pressure changes by
    // mdot R_air T / V: d(p1 - p2)/dt = -K R_air T (1/V1 + 1/V2) (p1 - p2), and
    // p1 V1 + p2 V2 = T sum_s R_s m_s is conserved (the mass-weighted mean pressure).
    let gas = Gas::air();
    let y_air = gas.mass_fractions(&DRY_AIR_MOLE_FRACTIONS);
    let r_air = gas.mixture(&y_air).r;
    let (v1, v2, t, k) = (20.0, 5.0, 300.0, 2e-7);
    let compartment = |name: &str, v: f64, p: f64, x: Vec<f64>| Compartment {
        name: name.into(),
        volume: v,
        pressure: p,
        temperature: t,
        composition: x,
        thermal: Thermal::Isothermal {
            temperature: Schedule::Constant(t),
        },
    };
    let parts = NetworkParts {
        gas: None, // the default table: N2, O2, Ar, CO2, H2O
        compartments: vec![
            compartment("cabin", v1, P_ATM, DRY_AIR_MOLE_FRACTIONS.to_vec()),
            compartment("lock", v2, 60_000.0, vec![1.0, 0.0, 0.0, 0.0, 0.0]),
        ],
        links: vec![link("valve", C0, C1, linear(k))],
        ..NetworkParts::default()
    };
    let net = Network::new(parts).expect("valid pair");
    let tau = 1.0 / (k * r_air * t * (1.0 / v1 + 1.0 / v2));
    let dp0 = P_ATM - 60_000.0;
    let mean0 = (P_ATM * v1 + 60_000.0 * v2) / (v1 + v2);
    let times: Vec<f64> = (0..=20).map(|i| i as f64 * 0.5 * tau).collect();
    let (rows, _) = simulate_collect(&net, &settings(), 10.0 * tau, &times).expect("runs");
    let sys = System::new(&net);
    let o2 = 1;
    let (mut worst_dp, mut worst_mean, mut worst_x): (f64, f64, f64) = (0.0, 0.0, 0.0);
    for (ti, y) in &rows {
        let s = sys.snapshot(*ti, y);
        let (p1, p2) = (s.pressure[0], s.pressure[1]);
        let exact = dp0 * (-ti / tau).exp();
        let err = (p1 - p2 - exact).abs();
        worst_dp = worst_dp.max(err / p_tol(P_ATM));
        assert!(
            err <= p_tol(P_ATM),
            "dp({ti}) = {}, closed form {exact}",
            p1 - p2
        );
        // The invariant is linear in the state: BDF keeps it to round-off.
        let mean = (p1 * v1 + p2 * v2) / (v1 + v2);
        worst_mean = worst_mean.max((mean - mean0).abs() / mean0);
        assert!(
            (mean - mean0).abs() <= 1e-12 * mean0,
            "mean {mean} vs {mean0}"
        );
        // The cabin keeps its composition (nothing flows into it); the lock's O2 is the O2
        // of the dry air it received: x_O2 (p_lock - 60 kPa).
        let x_cabin = s.partial_pressure[o2] / p1;
        worst_x = worst_x.max((x_cabin - 0.2095).abs());
        assert!((x_cabin - 0.2095).abs() < 1e-12, "cabin x_O2 {x_cabin}");
        let po2_lock = s.partial_pressure[s.species + o2];
        let expected = 0.2095 * (p2 - 60_000.0);
        assert!(
            (po2_lock - expected).abs() <= 1e-10 * P_ATM,
            "lock pO2 {po2_lock} vs {expected}"
        );
    }
    eprintln!(
        "two volumes: dp error {worst_dp:.3} of the allowance, mean drift {worst_mean:e}, \
         cabin x_O2 drift {worst_x:e}"
    );
}

#[test]
fn adiabatic_blowdown_follows_the_isentrope() {
    // The gas left in an adiabatic vessel blowing down expands isentropically:
    // T/T0 = (p/p0)^((g-1)/g). p and T are derived from the integrated mass and energy, each
    // to GLOBAL local tolerances; the relation inherits both.
    let net = Network::new(reference::p1(true)).expect("valid P1 adiabatic");
    let tau = reference::p1_tau();
    let times: Vec<f64> = (0..=40).map(|k| k as f64 * 0.25 * tau).collect();
    let (rows, _) = simulate_collect(&net, &settings(), 10.0 * tau, &times).expect("runs");
    assert_eq!(rows.len(), times.len());
    let sys = System::new(&net);
    let mut worst: f64 = 0.0;
    let mut t_min = T_REF;
    for (t, y) in &rows {
        let s = sys.snapshot(*t, y);
        let (p, temp) = (s.pressure[0], s.temperature[0]);
        let isentrope = T_REF * (p / P_ATM).powf((GAMMA - 1.0) / GAMMA);
        let rel = (temp - isentrope).abs() / temp;
        worst = worst.max(rel);
        assert!(
            rel <= 2.0 * GLOBAL * RTOL,
            "t = {t}: T = {temp}, isentrope {isentrope} (relative {rel:e})"
        );
        t_min = t_min.min(temp);
    }
    eprintln!("adiabatic: worst isentrope error {worst:e} (relative)");
    // The run is long enough for the relation to be tested far from T0:
    // p/p0 = (1 + 0.2 * 10)^-7 = 4.6e-4, T/T0 = 0.111.
    assert!(t_min < 0.2 * T_REF, "coldest {t_min} K");
}
