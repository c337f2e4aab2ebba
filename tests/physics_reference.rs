//! The physics core against the exact solutions of the peer baseline (shared/peers,
//! PROBLEMS.md P1-P3b). The reference CSVs in tests/data/peers were produced by
//! `shared/peers/run_all.py` (40-digit eigen solutions for P3/P3b, closed forms for P1/P2).
//!
//! Tolerances: the integrator controls the local error to rtol; global error over a run of
//! N time constants grows to about N * rtol. The peers reach 10-30 x rtol here; the bound used
//! is 100 x rtol (= 1e-6 at rtol = 1e-8, the level the issue asks for).

use plenum_physics::reference::{self, DAY, HOUR};
use plenum_physics::{simulate_collect, Method, Network, Settings, System};

mod common;

use common::{read_table, root};

const RTOL: f64 = 1e-8;

fn settings() -> Settings {
    Settings {
        rtol: RTOL,
        atol_pressure: 1e-6,
        ..Settings::default()
    }
}

fn read_csv(name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    read_table(&root().join("tests/data/peers").join(name))
}

/// Asserts that the max relative pressure error of a run of `net` against the reference
/// table `file` (see [`max_rel_err`]) is below `bound`.
fn assert_matches(net: &Network, file: &str, t_end: f64, floor: f64, bound: f64) {
    let err = max_rel_err(net, &settings(), file, t_end, floor, &[]);
    assert!(err < bound, "max rel err {err:e}");
}

/// Max relative pressure error of a run against a reference table whose columns are
/// `time_s, P_<compartment>_Pa...` (or named by `names`, (column, compartment) pairs, where
/// they differ); compartments whose reference pressure is below `floor` are compared in
/// absolute terms against `floor`.
fn max_rel_err(
    net: &Network,
    settings: &Settings,
    file: &str,
    t_end: f64,
    floor: f64,
    names: &[(&str, &str)],
) -> f64 {
    let (headers, rows) = read_csv(file);
    let times: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    let (out, _) = simulate_collect(net, settings, t_end, &times).expect("run succeeds");
    assert_eq!(out.len(), rows.len(), "one output per reference row");
    let sys = System::new(net);
    let mut worst: f64 = 0.0;
    for ((t, y), row) in out.iter().zip(&rows) {
        assert!((t - row[0]).abs() <= 1e-9 * row[0].max(1.0));
        let snap = sys.snapshot(*t, y);
        for (col, h) in headers.iter().enumerate().skip(1) {
            let name = names.iter().find(|(col, _)| col == h).map_or_else(
                || h.trim_start_matches("P_").trim_end_matches("_Pa"),
                |n| n.1,
            );
            let c = net.compartment(name).expect("compartment of the column");
            let exact = row[col];
            let err = (snap.pressure[c.0] - exact).abs() / exact.abs().max(floor);
            worst = worst.max(err);
        }
    }
    worst
}

#[test]
fn p1_isothermal_blowdown_matches_closed_form() {
    let net = Network::new(reference::p1(false)).expect("valid");
    let err = max_rel_err(
        &net,
        &settings(),
        "P1_isothermal_analytic.csv",
        10.0 * DAY,
        0.0,
        &[("P_Pa", "vessel")],
    );
    assert!(err < 100.0 * RTOL, "max rel err {err:e}");
}

#[test]
fn p1_adiabatic_blowdown_matches_closed_form() {
    let net = Network::new(reference::p1(true)).expect("valid");
    let (headers, rows) = read_csv("P1_adiabatic_analytic.csv");
    let times: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    let (out, _) = simulate_collect(&net, &settings(), 3.0 * DAY, &times).expect("run");
    let sys = System::new(&net);
    let ip = headers
        .iter()
        .position(|h| h.starts_with("P"))
        .expect("P column");
    let it = headers
        .iter()
        .position(|h| h.starts_with("T"))
        .expect("T column");
    let mut worst: f64 = 0.0;
    for ((t, y), row) in out.iter().zip(&rows) {
        let s = sys.snapshot(*t, y);
        worst = worst.max((s.pressure[0] / row[ip] - 1.0).abs());
        worst = worst.max((s.temperature[0] / row[it] - 1.0).abs());
    }
    assert!(worst < 100.0 * RTOL, "max rel err {worst:e}");
}

#[test]
fn p2_linear_equalisation_matches_closed_form() {
    let net = Network::new(reference::p2()).expect("valid");
    let err = max_rel_err(
        &net,
        &settings(),
        "P2_analytic.csv",
        1800.0,
        0.0,
        &[("P_V1_Pa", "big"), ("P_V2_Pa", "small")],
    );
    assert!(err < 100.0 * RTOL, "max rel err {err:e}");
}

#[test]
fn p3_network_matches_exact_solution_hourly_over_30_days() {
    let net = Network::new(reference::p3()).expect("valid");
    assert_matches(&net, "P3_exact.csv", 30.0 * DAY, 0.0, 1e-6);
}

#[test]
fn p3_early_hatch_transient_matches_exact_solution() {
    let net = Network::new(reference::p3()).expect("valid");
    assert_matches(&net, "P3_early_exact.csv", 10.0, 0.0, 1e-6);
}

#[test]
fn p3b_leak_shift_matches_exact_solution_hourly_over_30_days() {
    let net = Network::new(reference::p3b()).expect("valid");
    // The gap starts at 0 Pa: compare it against the PrK scale (1e5 Pa) instead.
    assert_matches(&net, "P3b_exact.csv", 30.0 * DAY, 1e5, 1e-6);
}

#[test]
fn bdf_and_dopri5_agree_on_a_non_stiff_network() {
    // P2 (tau = 107 s) over 30 minutes: both integrators at rtol 1e-8.
    let net = Network::new(reference::p2()).expect("valid");
    let times: Vec<f64> = (0..=180).map(|k| 10.0 * k as f64).collect();
    let mut s = settings();
    let (bdf, _) = simulate_collect(&net, &s, 1800.0, &times).expect("bdf");
    s.method = Method::Dopri5;
    let (rk, st) = simulate_collect(&net, &s, 1800.0, &times).expect("dopri5");
    assert!(st.stats.steps > 0);
    let sys = System::new(&net);
    for ((t, a), (_, b)) in bdf.iter().zip(&rk) {
        let pa = sys.snapshot(*t, a).pressure;
        let pb = sys.snapshot(*t, b).pressure;
        for (x, y) in pa.iter().zip(&pb) {
            assert!((x / y - 1.0).abs() < 100.0 * RTOL, "t = {t}: {x} vs {y}");
        }
    }
    let _ = HOUR;
}

/// Plenum's own dense BDF (the default for small networks) and diffsol's BDF on the same
/// dense Jacobian are two implementations of one method: each reaches the exact solutions
/// of P3 (its first 10 s of hatch transient, and 30 days) and P3b within the bound of
/// 100 x rtol.
#[test]
fn own_bdf_and_diffsol_bdf_both_match_the_exact_solutions() {
    use plenum_physics::Jacobian;
    let cases: [(Network, &str, f64, f64); 3] = [
        (
            Network::new(reference::p3()).expect("valid"),
            "P3_early_exact.csv",
            10.0,
            0.0,
        ),
        (
            Network::new(reference::p3()).expect("valid"),
            "P3_exact.csv",
            30.0 * DAY,
            0.0,
        ),
        (
            Network::new(reference::p3b()).expect("valid"),
            "P3b_exact.csv",
            30.0 * DAY,
            1e5,
        ),
    ];
    for (net, file, t_end, floor) in &cases {
        let mut errs = Vec::new();
        for jacobian in [Jacobian::Dense, Jacobian::DiffsolDense] {
            let s = Settings {
                jacobian,
                ..settings()
            };
            let err = max_rel_err(net, &s, file, *t_end, *floor, &[]);
            assert!(
                err < 100.0 * RTOL,
                "{file} {jacobian:?}: max rel err {err:e}"
            );
            errs.push(err);
        }
        eprintln!(
            "{file}: max rel err, Plenum's BDF {:.2e}, diffsol's {:.2e}",
            errs[0], errs[1]
        );
    }
}
