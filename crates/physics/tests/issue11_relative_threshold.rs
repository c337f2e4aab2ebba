//! Issue 11: a threshold relative to an event ([`Trigger::CrossesSince`]) against the closed
//! form of the isothermal P1 blowdown, p = p0 exp(-t/tau) (a choked orifice into vacuum).
//!
//! Tolerance: BDF keeps each step's local error below rtol |y| + atol, and on this
//! contracting problem the global error stays within `GLOBAL` local tolerances (see
//! `closed_form.rs`). The crossing time depends on two pressures: the one at the moment the
//! reference event fires (it sets the threshold) and the one at the crossing. A relative
//! pressure error e moves a located time of an exponential decay by e tau, so the time is
//! good to 2 GLOBAL (rtol + atol / p) tau.

use plenum_physics::reference::{self, p1_tau};
use plenum_physics::{
    simulate_collect, Action, CompartmentId, Direction, Event, EventId, Network, Quantity,
    Settings, Trigger,
};

const RTOL: f64 = 1e-8;
const ATOL_P: f64 = 1e-6;
const GLOBAL: f64 = 20.0;
const P0: f64 = 101_325.0;

fn settings() -> Settings {
    Settings {
        rtol: RTOL,
        atol_pressure: ATOL_P,
        ..Settings::default()
    }
}

fn p1_with(events: Vec<Event>) -> Network {
    let mut parts = reference::p1(false);
    parts.events = events;
    Network::new(parts).expect("valid P1")
}

fn log_at(name: &str, t: f64) -> Event {
    Event {
        name: name.into(),
        trigger: Trigger::At(t),
        actions: vec![Action::Log],
        repeat: false,
    }
}

fn since_close(offset: f64, direction: Direction) -> Event {
    Event {
        name: "1 kPa since close".into(),
        trigger: Trigger::CrossesSince {
            quantity: Quantity::Pressure(CompartmentId(0)),
            since: EventId(0),
            offset,
            direction,
        },
        actions: vec![Action::Log],
        repeat: false,
    }
}

#[test]
fn issue11_relative_threshold_fires_at_the_analytic_time() {
    let tau = p1_tau();
    let t_close = 0.3 * tau;
    let p_close = P0 * (-t_close / tau).exp();
    // 1 kPa below the pressure at `close`: p0 exp(-t/tau) = p_close - dp.
    let dp = 1000.0;
    let exact = tau * (P0 / (p_close - dp)).ln();
    let tol = 2.0 * GLOBAL * (RTOL + ATOL_P / (p_close - dp)) * tau;
    let net = p1_with(vec![
        log_at("close", t_close),
        since_close(-dp, Direction::Falling),
    ]);
    let (_, outcome) =
        simulate_collect(&net, &settings(), 2.0 * tau, &[tau]).expect("run succeeds");
    let fired: Vec<(usize, f64)> = outcome
        .events
        .iter()
        .map(|e| (e.event.index(), e.time))
        .collect();
    assert_eq!(fired.len(), 2, "{fired:?}");
    assert_eq!(fired[0], (0, t_close));
    let (ev, t) = fired[1];
    assert_eq!(ev, 1);
    eprintln!(
        "relative threshold: fired at {t} s, closed form {exact} s, error {:e} s (allowed {tol:e})",
        t - exact
    );
    assert!((t - exact).abs() <= tol, "fired at {t}, expected {exact}");
}

#[test]
fn issue11_relative_threshold_is_not_watched_before_its_event() {
    let tau = p1_tau();
    // `close` fires at 0.5 tau; a threshold 1 kPa ABOVE the pressure then, falling, lies
    // above the pressure from the moment it is armed, so it never fires; a watch armed from
    // the start would have fired when the pressure passed that value, before 0.5 tau.
    let net = p1_with(vec![
        log_at("close", 0.5 * tau),
        since_close(1000.0, Direction::Falling),
    ]);
    let (_, outcome) = simulate_collect(&net, &settings(), tau, &[tau]).expect("run succeeds");
    assert_eq!(outcome.events.len(), 1, "only `close` fires");
    // The reference event never fires: the relative threshold is never watched.
    let net = p1_with(vec![
        log_at("close", 5.0 * tau),
        since_close(-1000.0, Direction::Falling),
    ]);
    let (_, outcome) = simulate_collect(&net, &settings(), tau, &[tau]).expect("run succeeds");
    assert!(outcome.events.is_empty());
}

#[test]
fn issue11_relative_threshold_to_a_missing_event_is_a_model_error() {
    let mut parts = reference::p1(false);
    parts.events = vec![Event {
        name: "lost".into(),
        trigger: Trigger::CrossesSince {
            quantity: Quantity::Pressure(CompartmentId(0)),
            since: EventId(3),
            offset: -1.0,
            direction: Direction::Falling,
        },
        actions: vec![Action::Log],
        repeat: false,
    }];
    let err = Network::new(parts).expect_err("refused");
    assert!(
        format!("{err:?}").contains("relative to an event"),
        "{err:?}"
    );
}
