//! The 90-day station with its crew and ECLSS (`scenarios/iss-crew-consumables.ron`):
//! `cargo bench --bench life_support` prints the run's work counts (steps, rejected steps,
//! RHS and Jacobian-vector products, Jacobians, LU factorisations, restarts), which are
//! deterministic, then criterion's time per run (the summary included, no files written).

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use plenum_runner::{load, simulate_run};

fn station(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let l = load(&root.join("scenarios/iss-crew-consumables.ron")).expect("the scenario is valid");
    let r = simulate_run(&l.network, &l.config, &l.name, false).expect("the run succeeds");
    let s = &r.summary.solver;
    eprintln!(
        "iss-crew-consumables (90 days): steps={} rejected={} rhs={} jvp={} jacobians={} factorizations={} newton={} restarts={}",
        s.steps, s.rejected_steps, s.rhs_evals, s.jvp_evals, s.jacobian_evals, s.factorizations,
        s.newton_iterations, s.restarts
    );
    c.bench_function("iss_crew_consumables_90d", |b| {
        b.iter(|| simulate_run(black_box(&l.network), &l.config, &l.name, false).expect("run"))
    });
}

criterion_group!(benches, station);
criterion_main!(benches);
