//! The P4 sweep (shared/peers/PROBLEMS.md: 1000 runs of the 13-module P3 network over a
//! 40 x 25 grid) on 1 and 2 threads: `cargo bench --bench sweep`. Each iteration runs the
//! whole sweep into a temporary directory (runs.csv and the heat map included).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use plenum_runner::sweep::{load_sweep, run_sweep, SweepOptions};

fn p4(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sweep = load_sweep(&root.join("scenarios/validation/p4-sweep.ron"), false)
        .expect("the P4 sweep file is valid");
    // Time the runs and the CSV; the plot is drawn once by the tests.
    sweep.plots.clear();
    let mut group = c.benchmark_group("P4_1000_runs");
    group.sample_size(10);
    for threads in [1usize, 2] {
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| {
                let tmp = tempfile::tempdir().expect("tempdir");
                let report = run_sweep(
                    &sweep,
                    &SweepOptions {
                        out_dir: tmp.path().to_path_buf(),
                        threads: Some(threads),
                        ..SweepOptions::default()
                    },
                )
                .expect("sweep");
                assert_eq!(report.failed, 0);
                report.completed
            })
        });
    }
    group.finish();
}

criterion_group!(sweep, p4);
criterion_main!(sweep);
