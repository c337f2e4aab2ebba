//! Every shipped scenario run for 180 days (issue 7): no run fails, nothing negative is
//! written, and mass is conserved: compartments + what the boundaries received - what the
//! sources delivered stays at its initial value to 1e-10 relative at every output.
//!
//! Output rows are at least an hour apart here (the physics does not depend on the output
//! interval: outputs are interpolated, and events and breakpoints stop the integrator
//! wherever they fall).

use std::path::{Path, PathBuf};

use plenum_physics::{simulate, BoundaryKind, Observer, System};
use plenum_runner::{load, simulate_run};

mod common;

const DAYS: f64 = 180.0;

fn shipped_scenarios() -> Vec<PathBuf> {
    let root = common::root();
    let mut files = Vec::new();
    for dir in ["scenarios", "scenarios/examples", "scenarios/validation"] {
        for e in std::fs::read_dir(root.join(dir)).expect("scenario dir") {
            let p = e.expect("entry").path();
            let is_scenario = p.extension().is_some_and(|x| x == "ron")
                && std::fs::read_to_string(&p).is_ok_and(|s| s.contains("Scenario("));
            if is_scenario {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// Sum of every mass in the state: compartments (from the snapshot: the energy entries of
/// the state are not masses) and the ledger (received by boundaries, minus delivered by
/// sources).
struct Ledger {
    totals: Vec<(f64, f64)>,
    scale: f64,
    negative: Option<String>,
}

impl Observer for Ledger {
    fn observe(&mut self, system: &System<'_>, t: f64, y: &[f64]) {
        let s = system.snapshot(t, y);
        let compartments: f64 = s.mass.iter().sum();
        let ledger: f64 = y[system.ledger_offset()..system.ledger_end()].iter().sum();
        self.scale = self.scale.max(compartments.abs());
        self.totals.push((t, compartments + ledger));
        if self.negative.is_none() {
            let bad = s
                .pressure
                .iter()
                .chain(&s.mass)
                .chain(&s.partial_pressure)
                .find(|v| !(v.is_finite() && **v >= 0.0));
            if let Some(v) = bad {
                self.negative = Some(format!("{v:e} at t = {t} s"));
            }
        }
    }
}

#[test]
fn issue7_every_shipped_scenario_runs_180_days_non_negative_and_conserving_mass() {
    let files = shipped_scenarios();
    assert!(files.len() >= 10, "{files:?}");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            std::panic::catch_unwind(|| run_180_days(f)).err().map(|p| {
                p.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("{}: failed", f.display()))
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn run_180_days(file: &Path) {
    {
        let file = file.to_path_buf();
        let mut loaded = load(&file).unwrap_or_else(|d| panic!("{}: {d}", file.display()));
        let c = &mut loaded.config;
        c.duration_s = DAYS * 86_400.0;
        c.output_interval_s = c.output_interval_s.max(3600.0);

        // What `plenum run` writes: every row physical.
        let result = simulate_run(&loaded.network, c, &loaded.name, true)
            .unwrap_or_else(|e| panic!("{}: 180-day run failed: {e}", file.display()));
        let rows = result.trajectory.expect("trajectory").rows;
        assert!(
            (rows.last().expect("rows").t - c.duration_s).abs() < 1e-6 * c.duration_s,
            "{}: ended early",
            file.display()
        );
        // A reservoir may give gas (its received mass goes negative); a vacuum only takes.
        let vacuum = |b: usize| matches!(loaded.network.boundaries[b].kind, BoundaryKind::Vacuum);
        for r in &rows {
            let received = r.received.iter().enumerate().filter(|(b, _)| vacuum(*b));
            for v in r
                .pressure
                .iter()
                .chain(&r.mass)
                .chain(&r.partial_pressure)
                .chain(received.map(|(_, v)| v))
            {
                assert!(
                    v.is_finite() && *v >= 0.0,
                    "{}: {v:e} written at t = {} s",
                    file.display(),
                    r.t
                );
            }
        }

        // Mass balance at every output time.
        let times = c.output_times();
        let mut ledger = Ledger {
            totals: Vec::new(),
            scale: 0.0,
            negative: None,
        };
        simulate(
            &loaded.network,
            &c.settings,
            c.duration_s,
            &times,
            &mut ledger,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(ledger.negative, None, "{}", file.display());
        let m0 = ledger.totals[0].1;
        for &(t, m) in &ledger.totals {
            assert!(
                (m - m0).abs() <= 1e-10 * ledger.scale,
                "{}: mass {m} kg at t = {t} s against {m0} kg at the start ({:e} relative)",
                file.display(),
                (m - m0) / ledger.scale
            );
        }
    }
}
