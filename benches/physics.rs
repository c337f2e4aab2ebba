//! Benchmarks of the physics core on the reference problems (shared/peers/PROBLEMS.md),
//! the same fixtures the tests use (plenum_physics::reference).
//!
//! `cargo bench --bench physics` prints criterion's times; before them, each problem's work
//! counts (steps, RHS, Jacobian-vector products, Jacobian assemblies, LU factorisations),
//! which are deterministic.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use plenum_physics::reference::{self, DAY, HOUR};
use plenum_physics::{simulate, Jacobian, Network, Settings, System};

/// The peers' settings: rtol 1e-8, atol 1e-6 Pa.
fn settings() -> Settings {
    Settings {
        rtol: 1e-8,
        atol_pressure: 1e-6,
        ..Settings::default()
    }
}

fn hourly(days: f64) -> Vec<f64> {
    (0..=(days * 24.0) as usize)
        .map(|k| k as f64 * HOUR)
        .collect()
}

/// Run once and count outputs; the observer copies nothing (what a sweep would do).
fn run(net: &Network, t_end: f64, times: &[f64]) -> plenum_physics::Outcome {
    run_with(net, &settings(), t_end, times)
}

fn run_with(
    net: &Network,
    settings: &Settings,
    t_end: f64,
    times: &[f64],
) -> plenum_physics::Outcome {
    let mut n = 0usize;
    let mut obs = |_s: &System<'_>, _t: f64, y: &[f64]| {
        n += y.len();
    };
    let out = simulate(net, settings, t_end, times, &mut obs).expect("run");
    black_box(n);
    out
}

fn report(name: &str, net: &Network, t_end: f64, times: &[f64]) {
    let s = run(net, t_end, times).stats;
    eprintln!(
        "{name}: steps={} rejected={} rhs={} jvp={} jacobians={} factorizations={} newton={} restarts={}",
        s.steps, s.rejected_steps, s.rhs_evals, s.jvp_evals, s.jacobian_evals, s.factorizations,
        s.newton_iterations, s.restarts
    );
}

fn benches(c: &mut Criterion) {
    let p1 = Network::new(reference::p1(false)).expect("P1");
    let p1a = Network::new(reference::p1(true)).expect("P1-adi");
    let p3 = Network::new(reference::p3()).expect("P3");
    let p3b = Network::new(reference::p3b()).expect("P3b");
    let t_p1 = hourly(10.0);
    let t_p1a = hourly(3.0);
    let t_p3 = hourly(30.0);
    report("P1_isothermal", &p1, 10.0 * DAY, &t_p1);
    report("P1_adiabatic", &p1a, 3.0 * DAY, &t_p1a);
    report("P3", &p3, 30.0 * DAY, &t_p3);
    report("P3b", &p3b, 30.0 * DAY, &t_p3);

    c.bench_function("P1_isothermal_10d_hourly", |b| {
        b.iter(|| run(&p1, 10.0 * DAY, &t_p1))
    });
    c.bench_function("P1_adiabatic_3d_hourly", |b| {
        b.iter(|| run(&p1a, 3.0 * DAY, &t_p1a))
    });
    c.bench_function("P3_30d_hourly", |b| b.iter(|| run(&p3, 30.0 * DAY, &t_p3)));
    c.bench_function("P3b_30d_hourly", |b| {
        b.iter(|| run(&p3b, 30.0 * DAY, &t_p3))
    });
    // The same P3 run on diffsol's BDF (dense nalgebra LU): the integrator the dense path
    // used before Plenum's own, side by side.
    let diffsol = Settings {
        jacobian: Jacobian::DiffsolDense,
        ..settings()
    };
    let s = run_with(&p3, &diffsol, 30.0 * DAY, &t_p3).stats;
    eprintln!(
        "P3 on diffsol's BDF: steps={} rejected={} rhs={} jvp={} jacobians={} factorizations={} newton={}",
        s.steps, s.rejected_steps, s.rhs_evals, s.jvp_evals, s.jacobian_evals, s.factorizations,
        s.newton_iterations
    );
    c.bench_function("P3_30d_hourly_diffsol_bdf", |b| {
        b.iter(|| run_with(&p3, &diffsol, 30.0 * DAY, &t_p3))
    });

    // The right-hand side alone, and one Jacobian-vector product, at the P3 initial state.
    let sys = System::new(&p3);
    let y0 = sys.initial_state();
    let mut dy = vec![0.0; y0.len()];
    let v: Vec<f64> = (0..y0.len()).map(|i| (i as f64 + 1.0) * 1e-3).collect();
    c.bench_function("P3_rhs", |b| {
        b.iter(|| sys.rhs(black_box(1000.0), black_box(&y0), &mut dy))
    });
    c.bench_function("P3_jvp", |b| {
        b.iter(|| sys.jvp(black_box(1000.0), black_box(&y0), black_box(&v), &mut dy))
    });
}

criterion_group! {
    name = physics;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(physics);
