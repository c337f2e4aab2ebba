//! Issue 9's fit bench: `scenarios/diagnosis/synthetic.ron`, three hypotheses (orifice,
//! laminar crack, area law) with 2, 2 and 3 free parameters fitted to 50 readings over 20
//! days, 5 starts each, without and with profile-likelihood intervals:
//! `cargo bench --bench fit`. Each iteration is the whole fit (no files written); the
//! number of runs is printed once per setting.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use plenum_runner::fit::{fit_all, load_fit, FitOptions};

fn synthetic(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fit = load_fit(&root.join("scenarios/diagnosis/synthetic.ron"))
        .expect("the shipped fit file is valid");
    let mut group = c.benchmark_group("fit_3_hypotheses_50_readings");
    group.sample_size(10);
    for profile in [false, true] {
        let options = FitOptions {
            profile,
            ..FitOptions::of(&fit)
        };
        let runs = fit_all(&fit, &options).runs;
        eprintln!("profile {profile}: {runs} runs per fit");
        let name = if profile {
            "with_profiles"
        } else {
            "no_profiles"
        };
        group.bench_function(name, |b| b.iter(|| fit_all(&fit, &options).runs));
    }
    group.finish();
}

criterion_group!(fit, synthetic);
criterion_main!(fit);
