//! Runs the P3 reference problem repeatedly (for profilers): `cargo run --release --example p3_loop -p plenum-physics -- 2000`.
//! Further arguments: `diffsol` runs diffsol's BDF on the dense Jacobian instead of
//! Plenum's own (the default), for side-by-side timing; `no-reversals` keeps no flow-reversal
//! log (`Settings::reversals` off: the hourly states alone, what the peers compute).
use plenum_physics::reference::{self, DAY, HOUR};
use plenum_physics::{simulate, Jacobian, Network, Settings, System};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let net = match Network::new(reference::p3()) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{e:?}");
            std::process::exit(2);
        }
    };
    let flags: Vec<String> = std::env::args().skip(2).collect();
    if let Some(f) = flags
        .iter()
        .find(|f| !matches!(f.as_str(), "diffsol" | "no-reversals"))
    {
        eprintln!("unknown argument '{f}'; expected diffsol or no-reversals");
        std::process::exit(2);
    }
    let flag = |name: &str| flags.iter().any(|f| f == name);
    let settings = Settings {
        rtol: 1e-8,
        atol_pressure: 1e-6,
        jacobian: if flag("diffsol") {
            Jacobian::DiffsolDense
        } else {
            Jacobian::Auto
        },
        reversals: !flag("no-reversals"),
        ..Settings::default()
    };
    let times: Vec<f64> = (0..=720).map(|k| k as f64 * HOUR).collect();
    // Work counts of one run (deterministic).
    match simulate(
        &net,
        &settings,
        30.0 * DAY,
        &times,
        &mut |_: &System<'_>, _, _: &[f64]| {},
    ) {
        Ok(out) => {
            let s = out.stats;
            eprintln!(
                "steps={} rejected={} rhs={} jvp={} jacobians={} factorizations={} newton={}",
                s.steps,
                s.rejected_steps,
                s.rhs_evals,
                s.jvp_evals,
                s.jacobian_evals,
                s.factorizations,
                s.newton_iterations
            );
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    let cpu0 = on_cpu_ns();
    let start = std::time::Instant::now();
    let mut total = 0.0;
    for _ in 0..n {
        let mut obs = |_s: &System<'_>, _t: f64, y: &[f64]| total += y[0];
        if let Err(e) = simulate(&net, &settings, 30.0 * DAY, &times, &mut obs) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    let wall = start.elapsed().as_secs_f64() * 1e3 / n as f64;
    // On a shared machine the wall time includes waiting for a core; the time this thread
    // spent on one is printed too where the kernel tells it.
    match (cpu0, on_cpu_ns()) {
        (Some(a), Some(b)) => eprintln!(
            "{wall:.3} ms per run (on-CPU {:.3} ms per run; {total:.3e})",
            (b - a) as f64 * 1e-6 / n as f64
        ),
        _ => eprintln!("{wall:.3} ms per run ({total:.3e})"),
    }
}

/// Nanoseconds this thread has run on a CPU (Linux: `/proc/thread-self/schedstat`).
fn on_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
