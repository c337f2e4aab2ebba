//! The `plenum` binary end to end: every shipped scenario runs and its outputs hold what
//! they claim; every invalid scenario is refused with exit code 2 and a reviewed message
//! (insta snapshots in tests/snapshots/); the commands and exit codes behave as documented.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

use common::{col, plenum, read_table, ron_files, root, summary, write_file, DAY, MMHG};

/// Run `scenario` (relative to the repository root) into a fresh directory; returns the
/// temporary directory (kept alive by the caller) and the output directory.
fn run(scenario: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    common::run_ok(scenario, &out);
    (tmp, out)
}

fn item<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("'{name}' in {list}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is a number"))
}

/// A scenario file (sweep files, `Sweep(...)`, are run by `plenum sweep`).
fn is_scenario(path: &Path) -> bool {
    let text = std::fs::read_to_string(path).expect("readable");
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("//"))
        .is_some_and(|l| l.starts_with("Scenario(") || l.starts_with('('))
}

/// Every shipped scenario (not the invalid ones).
fn shipped() -> Vec<String> {
    let mut files = Vec::new();
    for dir in ["scenarios", "scenarios/examples", "scenarios/validation"] {
        for e in std::fs::read_dir(root().join(dir)).expect("scenario dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "ron") && is_scenario(&p) {
                files.push(format!(
                    "{dir}/{}",
                    p.file_name().expect("name").to_string_lossy()
                ));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_runs_and_writes_consistent_outputs() {
    let files = shipped();
    assert!(files.len() >= 10, "{files:?}");
    for f in files {
        let (_tmp, set) = run(&f);
        // A scenario with variants writes one run directory per variant.
        for out in run_dirs(&set) {
            let s = summary(&out);
            // The files every run writes, and each plot the summary lists (as PNG and SVG).
            let mut names: Vec<String> = [
                "timeseries.csv",
                "summary.json",
                "scenario.ron",
                "report.html",
            ]
            .map(String::from)
            .to_vec();
            // Bare plots by kind; steered ones (`Plot(...)`) by their name or their kind's.
            let stem_of = |kind: &serde_json::Value| match (
                kind.as_str(),
                kind["PartialPressure"].as_str(),
            ) {
                (Some(k), _) => k.to_lowercase(),
                (None, Some(species)) => format!("partial_pressure_{species}"),
                _ => panic!("{f}: unexpected plot {kind}"),
            };
            let mut stems: Vec<String> = s["plots"]
                .as_array()
                .expect("plots")
                .iter()
                .map(stem_of)
                .collect();
            if let Some(steered) = s["steered_plots"].as_array() {
                for p in steered {
                    stems.push(match p["options"]["name"].as_str() {
                        Some(n) => n.to_string(),
                        None => stem_of(&p["kind"]),
                    });
                }
            }
            assert!(stems.iter().any(|p| p == "pressure"), "{f}: {stems:?}");
            for stem in stems {
                names.push(format!("{stem}.png"));
                names.push(format!("{stem}.svg"));
            }
            for name in names {
                assert!(out.join(&name).is_file(), "{f}: {name} missing");
            }
            assert_eq!(s["status"], "completed", "{f}");
            assert_eq!(s["provenance"]["plenum_version"], env!("CARGO_PKG_VERSION"));
            assert_eq!(
                s["provenance"]["scenario_sha256"].as_str().map(str::len),
                Some(64)
            );
            let (headers, rows) = read_table(&out.join("timeseries.csv"));
            assert_eq!(headers[0], "time_s");
            // Rows run from 0 to the duration.
            let duration = num(&s["duration_s"]);
            assert_eq!(rows.first().map(|r| r[0]), Some(0.0), "{f}");
            assert!(
                rows.last()
                    .is_some_and(|r| (r[0] - duration).abs() < 1e-9 * duration),
                "{f}"
            );
            // Every compartment and link has its columns.
            for c in s["compartments"].as_array().expect("list") {
                let n = c["name"].as_str().expect("name");
                col(&headers, &format!("{n}.pressure_Pa"));
                col(&headers, &format!("{n}.mass_kg"));
            }
            for l in s["links"].as_array().expect("list") {
                col(
                    &headers,
                    &format!("{}.mass_flow_kg_per_s", l["name"].as_str().expect("name")),
                );
            }
            // The books balance: what left the compartments arrived at the boundaries.
            let total: f64 = s["compartments"]
                .as_array()
                .expect("list")
                .iter()
                .map(|c| num(&c["initial_mass_kg"]))
                .sum();
            assert!(
                num(&s["mass_balance_error_kg"]) < 1e-9 * total,
                "{f}: {}",
                s["mass_balance_error_kg"]
            );
            let received: f64 = s["boundaries"]
                .as_array()
                .expect("list")
                .iter()
                .map(|b| num(&b["received_kg"]))
                .sum();
            let delivered: f64 = s["sources"]
                .as_array()
                .expect("list")
                .iter()
                .map(|x| num(&x["delivered_kg"]))
                .sum();
            assert!(
                (received - delivered - num(&s["total_mass_lost_kg"])).abs() < 1e-6 * total,
                "{f}"
            );
        }
    }
}

/// The run directories of an output: itself, or each variant's directory of a variant set.
fn run_dirs(out: &Path) -> Vec<PathBuf> {
    if !out.join("variants.txt").is_file() {
        return vec![out.to_path_buf()];
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "{}: no variant directories",
        out.display()
    );
    dirs
}

/// Max relative error of the pressure columns against a reference table whose columns are
/// `P_<compartment>_Pa` (or `P_Pa` for `single`), relative to max(|exact|, floor).
fn max_rel_err(out: &Path, reference: &str, single: Option<&str>, floor: f64) -> f64 {
    let (h, rows) = read_table(&out.join("timeseries.csv"));
    let (rh, rrows) = read_table(&root().join("tests/data/peers").join(reference));
    assert_eq!(
        rows.len(),
        rrows.len(),
        "{reference}: one row per reference row"
    );
    let mut worst: f64 = 0.0;
    for (row, rrow) in rows.iter().zip(&rrows) {
        assert!((row[0] - rrow[0]).abs() <= 1e-9 * rrow[0].max(1.0));
        for (j, name) in rh.iter().enumerate().skip(1) {
            let mine = match (name.as_str(), single) {
                ("P_Pa", Some(c)) => format!("{c}.pressure_Pa"),
                ("T_K", Some(c)) => format!("{c}.temperature_K"),
                (n, _) => format!("{}.pressure_Pa", &n[2..n.len() - 3]),
            };
            let exact = rrow[j];
            let err = (row[col(&h, &mine)] - exact).abs() / exact.abs().max(floor);
            worst = worst.max(err);
        }
    }
    worst
}

// The validation scenarios run at rtol 1e-8; the global error stays below 100 rtol (the
// same bound as tests/physics_reference.rs), which is the 1e-6 the issue asks for.
const BOUND: f64 = 1e-6;

#[test]
fn p1_isothermal_matches_the_closed_form() {
    let (_tmp, out) = run("scenarios/validation/p1-isothermal.ron");
    let (h, rows) = read_table(&out.join("timeseries.csv"));
    assert_eq!(rows.len(), 241);
    let phi = (2.0_f64 / 2.4).powf(2.4 / 0.8);
    let tau = 30.0 / (0.6 * 1e-6 * phi * (1.4_f64 * 287.05 * 295.0).sqrt());
    let p = col(&h, "vessel.pressure_Pa");
    let worst = rows
        .iter()
        .map(|r| (r[p] / (101_325.0 * (-r[0] / tau).exp()) - 1.0).abs())
        .fold(0.0, f64::max);
    assert!(worst < BOUND, "worst relative error {worst:e}");
    assert!(max_rel_err(&out, "P1_isothermal_analytic.csv", Some("vessel"), 1.0) < BOUND);
}

#[test]
fn p1_adiabatic_matches_the_closed_form() {
    let (_tmp, out) = run("scenarios/validation/p1-adiabatic.ron");
    let (h, rows) = read_table(&out.join("timeseries.csv"));
    assert_eq!(rows.len(), 73);
    let phi = (2.0_f64 / 2.4).powf(2.4 / 0.8);
    let tau = 30.0 / (0.6 * 1e-6 * phi * (1.4_f64 * 287.05 * 295.0).sqrt());
    let (p, t) = (
        col(&h, "vessel.pressure_Pa"),
        col(&h, "vessel.temperature_K"),
    );
    for r in &rows {
        let s = 1.0 + 0.2 * r[0] / tau;
        assert!(
            (r[p] / (101_325.0 * s.powi(-7)) - 1.0).abs() < BOUND,
            "p at {}",
            r[0]
        );
        assert!(
            (r[t] / (295.0 * s.powi(-2)) - 1.0).abs() < BOUND,
            "T at {}",
            r[0]
        );
    }
    assert!(max_rel_err(&out, "P1_adiabatic_analytic.csv", Some("vessel"), 1.0) < BOUND);
}

#[test]
fn p2_matches_the_closed_form() {
    let (_tmp, out) = run("scenarios/validation/p2.ron");
    let (h, rows) = read_table(&out.join("timeseries.csv"));
    assert_eq!(rows.len(), 181);
    let (v1, v2) = (100.0, 10.0);
    let tau = 1.0 / (1e-6 * 287.05 * 295.0 * (1.0 / v1 + 1.0 / v2));
    let peq = (101_325.0 * v1 + 70_000.0 * v2) / (v1 + v2);
    let (c1, c2) = (col(&h, "V1.pressure_Pa"), col(&h, "V2.pressure_Pa"));
    for r in &rows {
        let dp = (101_325.0 - 70_000.0) * (-r[0] / tau).exp();
        assert!((r[c1] / (peq + dp * v2 / (v1 + v2)) - 1.0).abs() < BOUND);
        assert!((r[c2] / (peq - dp * v1 / (v1 + v2)) - 1.0).abs() < BOUND);
    }
    assert!(max_rel_err(&out, "P2_analytic.csv", None, 1.0) < BOUND);
}

#[test]
fn p3_and_p3b_match_the_exact_eigen_solutions() {
    let (_tmp, out) = run("scenarios/validation/p3.ron");
    let err = max_rel_err(&out, "P3_exact.csv", None, 1.0);
    assert!(err < BOUND, "P3: {err:e}");
    let (_tmp, out) = run("scenarios/validation/p3b.ron");
    // The gap starts at 0 Pa; compare it against 1 kPa (PrK is ~68 kPa, the gap ~2 %).
    let err = max_rel_err(&out, "P3b_exact.csv", None, 1000.0);
    assert!(err < BOUND, "P3b: {err:e}");
}

#[test]
fn the_default_scenario_leaks_at_the_2024_rate() {
    let (_tmp, out) = run("scenarios/iss-prk-leak.ron");
    let s = summary(&out);
    // 3.7 lb/day = 1.678 kg/day (iss-facts.md §3a, §7b).
    let space = num(&item(&s["boundaries"], "space")["leak_rate_start_kg_per_day"]);
    assert!((space - 1.678).abs() < 0.02, "{space} kg/day");
    let crack = num(&item(&s["links"], "prk_crack")["flow_start_kg_per_day"]);
    assert!((crack - space).abs() < 1e-9, "all of it through the crack");
    // The laminar crack falls toward the seal-fed plateau (~188 mmHg); the station barely
    // moves (tests/issue9_prk_scenarios.rs checks the header's figures closely).
    let prk = item(&s["compartments"], "prk");
    let end = num(&prk["final_pressure_Pa"]) / MMHG;
    assert!(end > 185.0 && end < 195.0, "{end} mmHg");
    let station = item(&s["compartments"], "station");
    assert!(num(&station["final_pressure_Pa"]) / MMHG > 755.0);
    // Thresholds located by root finding: 730 mmHg after 0.2 day (tau ~ 5 day).
    let th = item(&s["thresholds"], "prk below 730 mmHg");
    let t = num(&th["first_crossing_s"]) / DAY;
    assert!(t > 0.15 && t < 0.25, "{t} day");
}

#[test]
fn the_leak_shift_scenario_reports_the_tunnel_plateau_and_the_station_loss() {
    let (_tmp, out) = run("scenarios/prk-outward-to-inward.ron");
    let s = summary(&out);
    let prk = item(&s["compartments"], "prk");
    let start_rate = num(&prk["pressure_rate_start_Pa_per_day"]);
    let end_rate = num(&prk["pressure_rate_end_Pa_per_day"]);
    // Falling fast at first (over 100 mmHg/day), flat at the end (under 1 mmHg/day).
    assert!(start_rate < -100.0 * MMHG, "{start_rate}");
    assert!(end_rate.abs() < 1.0 * MMHG, "{end_rate}");
    let plateau = num(&prk["final_pressure_Pa"]) / MMHG;
    assert!(plateau > 570.0 && plateau < 610.0, "{plateau} mmHg");
    // The station keeps losing air through seal -> tunnel -> space.
    let station = item(&s["compartments"], "station");
    let loss = num(&station["mass_rate_end_kg_per_day"]);
    assert!(loss < -0.3, "{loss} kg/day");
    let seal = num(&item(&s["links"], "hatch_seal")["flow_end_kg_per_day"]);
    assert!(
        (seal + loss).abs() < 1e-9,
        "the seal carries all of the station's loss"
    );
    let space = num(&item(&s["boundaries"], "space")["leak_rate_end_kg_per_day"]);
    assert!(
        (space / -loss - 1.0).abs() < 0.02,
        "at the plateau in = out"
    );
    assert!(item(&s["thresholds"], "prk back above 400 mmHg")["first_crossing_s"].is_number());
}

#[test]
fn the_pressure_test_separates_the_three_hypotheses() {
    let (_tmp, set) = run("scenarios/prk-pressure-test.ron");
    let end = |v: &str| {
        let s = summary(&set.join(v));
        num(&item(&s["compartments"], "prk")["final_pressure_Pa"]) / MMHG
    };
    let (space, seal, both) = (end("space_only"), end("seal_only"), end("both"));
    // The seal is tied to the crack: twice both leaks, the same plateau approached faster
    // (closer to it after the vent step at day 15).
    let larger = end("both_larger");
    assert!(larger > both && larger < 500.0, "{larger} vs {both}");
    // The header's hand-worked plateau: seal = 0.6835 x crack holds the tunnel at
    // p* = 500 mmHg until the first step, at either size.
    for v in ["both", "both_larger"] {
        let (h, rows) = read_table(&set.join(v).join("timeseries.csv"));
        let c = col(&h, "prk.pressure_Pa");
        for r in rows.iter().filter(|r| r[0] < 3.0 * DAY) {
            assert!(
                (r[c] / MMHG - 500.0).abs() < 0.5,
                "{v}: {} mmHg",
                r[c] / MMHG
            );
        }
    }
    let out = set.join("both");
    let s = summary(&out);
    assert!(seal > 740.0, "seal only rises to the station: {seal}");
    assert!(space < 200.0, "space only keeps falling: {space}");
    assert!(
        both > 420.0 && both < 500.0,
        "both relaxes back toward 500: {both}"
    );
    // The vent step took each tunnel down; prk_both recovers upward afterwards.
    let (h, rows) = read_table(&out.join("timeseries.csv"));
    let c = col(&h, "prk.pressure_Pa");
    let after_vent = rows
        .iter()
        .find(|r| r[0] >= 15.2 * DAY)
        .map(|r| r[c])
        .expect("a row after the vent");
    assert!(both * MMHG > after_vent + 20.0 * MMHG);
    let events: Vec<&str> = s["events"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(
        events,
        ["raise_start", "raise_end", "vent_start", "vent_end"]
    );
}

#[test]
fn the_soyuz_hole_leaks_as_the_forward_calculation_says() {
    let (_tmp, out) = run("scenarios/soyuz-ms09-hole.ron");
    let s = summary(&out);
    // iss-facts.md §7b: 2 mm, Cd 0.6 -> 38.8 kg/day; §7c: 27 mmHg/day at first.
    let rate = num(&item(&s["boundaries"], "space")["leak_rate_start_kg_per_day"]);
    assert!((rate - 38.8).abs() < 0.3, "{rate}");
    let dpdt = num(&item(&s["compartments"], "station")["pressure_rate_start_Pa_per_day"]);
    assert!((dpdt / MMHG + 27.0).abs() < 1.0, "{dpdt}");
    let crew = num(&item(&s["thresholds"], "crew health (10.2 psi)")["first_crossing_s"]) / DAY;
    // p = p0 exp(-t/tau), tau = 28.2 day: 10.2/14.696 psi after 10.3 days.
    assert!(
        (crew - 28.2 * (14.696_f64 / 10.2).ln()).abs() < 0.2,
        "{crew}"
    );
}

#[test]
fn rapid_decompression_brackets_isothermal_and_adiabatic() {
    let (_tmp, out) = run("scenarios/rapid-decompression.ron");
    assert!(out.join("temperature.png").is_file());
    let s = summary(&out);
    let cross = |n: &str| num(&item(&s["thresholds"], n)["first_crossing_s"]);
    assert!(cross("adiabatic below 10.2 psi") < cross("isothermal below 10.2 psi"));
    let iso = item(&s["compartments"], "module_isothermal");
    let adi = item(&s["compartments"], "module_adiabatic");
    assert!((num(&iso["final_temperature_K"]) - 295.15).abs() < 1e-9);
    // Isentropic: T/T0 = (p/p0)^(2/7).
    let ratio = num(&adi["final_pressure_Pa"]) / num(&adi["initial_pressure_Pa"]);
    let t = num(&adi["final_temperature_K"]);
    assert!(
        (t / (295.15 * ratio.powf(2.0 / 7.0)) - 1.0).abs() < 1e-4,
        "{t}"
    );
}

#[test]
fn si_and_mixed_units_give_byte_identical_results() {
    let si = r#"Scenario(
    name: "units", duration: 172800,
    compartments: [
        (name: "cabin", volume: 30, pressure: 101325, temperature: 295),
        (name: "lock", volume: 1, pressure: 50662.5, temperature: 295),
    ],
    boundaries: [(name: "space", kind: Vacuum)],
    links: [
        (name: "hole", from: "cabin", to: "space", element: Orifice(area: 1e-6, cd: 0.6)),
        (name: "valve", from: "cabin", to: "lock", element: Linear(k: 1e-9)),
    ],
    events: [(name: "shut", when: At(43200), action: Close("valve"))],
    outputs: (interval: 3600),
)"#;
    let mixed = r#"Scenario(
    name: "units", duration: "2 day",
    compartments: [
        (name: "cabin", volume: "30000 L", pressure: "1 atm", temperature: "295 K"),
        (name: "lock", volume: "1 m3", pressure: "0.5 atm", temperature: 295),
    ],
    boundaries: [(name: "space", kind: Vacuum)],
    links: [
        (name: "hole", from: "cabin", to: "space", element: Orifice(area: "1 mm2", cd: "60 %")),
        (name: "valve", from: "cabin", to: "lock", element: Linear(k: "1e-9 kg/(s Pa)")),
    ],
    events: [(name: "shut", when: At("12 h"), action: Close("valve"))],
    outputs: (interval: "60 min"),
)"#;
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut series = Vec::new();
    for (name, text) in [("si", si), ("mixed", mixed)] {
        let file = write_file(tmp.path(), &format!("{name}.ron"), text);
        let out = tmp.path().join(name);
        common::run_ok(&file, &out);
        series.push(std::fs::read(out.join("timeseries.csv")).expect("time series"));
    }
    assert!(series[0].len() > 1000);
    assert!(series[0] == series[1], "the two time series differ");
}

#[test]
fn every_invalid_scenario_is_refused_with_its_snapshotted_message() {
    let files = ron_files("scenarios/invalid");
    assert!(files.len() >= 15);
    for (name, rel) in files {
        let out = plenum().args(["check", &rel]).output().expect("runs");
        let stderr = common::refusal(&out, &rel);
        assert!(out.stdout.is_empty(), "{rel}");
        insta::assert_snapshot!(format!("invalid__{name}"), stderr);
    }
}

#[test]
fn an_invalid_scenario_runs_nothing_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    plenum()
        .args(["run", "scenarios/invalid/many-errors.ron", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists());
}

#[test]
fn a_failed_run_exits_1_and_leaves_earlier_results_alone() {
    let (tmp, out) = run("scenarios/validation/p2.ron");
    let before = std::fs::read(out.join("timeseries.csv")).expect("results");
    let text = std::fs::read_to_string(root().join("scenarios/validation/p2.ron"))
        .expect("scenario")
        .replace(
            "solver: (method: Bdf,",
            "solver: (method: Bdf, max_steps: 5,",
        );
    let file = write_file(tmp.path(), "short.ron", text);
    let assert = plenum()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    let stderr = common::stderr_of(assert.get_output());
    assert!(stderr.contains("error: running scenario 'p2'"), "{stderr}");
    assert!(stderr.contains("caused by:"), "{stderr}");
    assert!(stderr.contains("max_steps"), "{stderr}");
    assert_eq!(
        std::fs::read(out.join("timeseries.csv")).expect("results"),
        before
    );
    // Nothing half-written is left next to it.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_directory_that_is_not_a_run_is_never_overwritten() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("precious.txt"), "keep me").expect("write");
    plenum()
        .args(["run", "scenarios/validation/p2.ron", "--out"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "holds 'precious.txt', which plenum did not write",
        ));
    assert!(tmp.path().join("precious.txt").is_file());
    assert!(!tmp.path().join("summary.json").exists());
}

#[test]
fn plot_redraws_a_finished_run_in_other_units() {
    let (_tmp, out) = run("scenarios/iss-prk-leak.ron");
    let png = out.join("pressure.png");
    let before = std::fs::read(&png).expect("plot");
    plenum()
        .arg("plot")
        .arg(&out)
        .args(["--pressure-unit", "psi", "--time-unit", "h"])
        .assert()
        .success()
        .stdout(predicates::str::contains("pressure.png"));
    assert_ne!(std::fs::read(&png).expect("plot"), before);
    plenum()
        .arg("plot")
        .arg(&out)
        .args(["--pressure-unit", "psl"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean 'psi'"));
    plenum()
        .args(["plot", "scenarios"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "not the output directory of a run",
        ));
}

#[test]
fn check_accepts_every_shipped_scenario() {
    for f in shipped() {
        plenum()
            .args(["check", &f])
            .assert()
            .success()
            .stdout(predicates::str::contains(": ok: scenario"));
    }
}

#[test]
fn usage_errors_exit_2_and_help_teaches_the_commands() {
    plenum().assert().code(2);
    plenum().args(["frobnicate"]).assert().code(2);
    plenum().args(["run"]).assert().code(2);
    plenum()
        .args(["run", "no/such/file.ron"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read the file"));
    let help = plenum().arg("--help").assert().success();
    let text = String::from_utf8_lossy(&help.get_output().stdout).into_owned();
    for needle in [
        "plenum run",
        "plenum check",
        "plenum plot",
        "Exit codes",
        "mmHg",
    ] {
        assert!(text.contains(needle), "--help lacks '{needle}'");
    }
    let help = plenum().args(["run", "--help"]).assert().success();
    let text = String::from_utf8_lossy(&help.get_output().stdout).into_owned();
    assert!(text.contains("timeseries.csv") && text.contains("--out"));
}

#[test]
fn run_prints_a_short_human_summary() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let assert = plenum()
        .args(["run", "scenarios/iss-prk-leak.ron", "--out"])
        .arg(tmp.path().join("x"))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        text.contains("scenario 'iss-prk-leak': completed after 60 day"),
        "{text}"
    );
    assert!(text.contains("into space: 1.678"), "{text}");
    assert!(text.lines().count() < 20, "{text}");
}

// -------------------------------------------------------------------------------------------
// Issue 7: bounded resources on hostile input, and errors that locate.

/// `plenum ARGS FILE` on `text` written to `name` in a fresh directory: exit code, stdout and
/// stderr (with the directory left out of the file name).
fn on_file(args: &[&str], name: &str, text: impl AsRef<[u8]>) -> (Option<i32>, String, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = write_file(tmp.path(), name, text);
    let out = plenum()
        .args(args)
        .arg(&path)
        .args(if args == ["run"] {
            vec![
                "--out".to_string(),
                tmp.path().join("out").display().to_string(),
            ]
        } else {
            vec![]
        })
        .output()
        .expect("runs");
    let dir = format!("{}/", tmp.path().display());
    let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&dir, "");
    if args == ["run"] && out.status.code() == Some(2) {
        assert!(
            !tmp.path().join("out").exists(),
            "a refused run wrote nothing"
        );
    }
    (out.status.code(), clean(&out.stdout), clean(&out.stderr))
}

/// A scenario on one line whose `n` compartments each have a negative volume.
fn one_line_with_errors(n: usize) -> String {
    let comps: Vec<String> = (0..n)
        .map(|i| format!("(name: \"c{i}\", volume: \"-1 m3\", pressure: \"1 atm\", temperature: \"20 degC\")"))
        .collect();
    format!(
        "Scenario(name: \"x\", duration: \"1 day\", compartments: [{}], boundaries: [(name: \"space\", kind: Vacuum)], links: [(name: \"hole\", from: \"c0\", to: \"space\", element: Orifice(area: \"1 mm2\", cd: 0.6))])",
        comps.join(", ")
    )
}

#[test]
fn issue7_a_one_line_file_with_1000_errors_prints_a_bounded_report() {
    let text = one_line_with_errors(1000);
    assert!(text.len() > 59_000 && !text.contains('\n'));
    let (code, out, err) = on_file(&["check"], "many.ron", &text);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty());
    // Before: every diagnostic printed the whole 76 KB line, 114 MB in all.
    assert!(err.len() < 64 * 1024, "{} bytes of stderr", err.len());
    assert!(
        err.contains("... and 980 more problems (the first 20 are shown"),
        "{err}"
    );
    assert!(err.contains("error: 1000 problems in many.ron; nothing was run"));
    assert!(err.starts_with("many.ron:1:76: error: compartment 'c0': volume is '-1 m3'"));
    // The excerpt is a window of the line around the caret.
    assert!(err.contains("\n1 | …"), "{err}");
    assert!(err.lines().all(|l| l.chars().count() < 300), "{err}");
}

#[test]
fn issue7_a_file_of_1_5_mb_with_20000_errors_is_reported_in_bounded_output() {
    let text = one_line_with_errors(20_000);
    assert!(text.len() > 1_500_000);
    // Before: 70 s and 18.9 GB (every located problem kept and printed its whole line).
    let (code, _, err) = on_file(&["check"], "huge.ron", &text);
    assert_eq!(code, Some(2));
    assert!(err.len() < 64 * 1024, "{} bytes of stderr", err.len());
    assert!(err.contains("... and 19980 more problems"), "{err}");
    assert!(err.contains("error: 20000 problems in huge.ron"), "{err}");
}

#[test]
fn issue7_a_name_of_8000_characters_runs_and_is_shortened_in_messages() {
    let long = "n".repeat(8000);
    let scenario = format!(
        "Scenario(\n    name: \"long\",\n    duration: \"1 h\",\n    compartments: [(name: \"{long}\", volume: \"10 m3\", pressure: \"1 atm\", temperature: \"20 degC\")],\n    boundaries: [(name: \"space\", kind: Vacuum)],\n    links: [(name: \"hole\", from: \"{long}\", to: \"space\", element: Orifice(area: \"1 mm2\", cd: 0.6))],\n)"
    );
    // It runs (the plots fit the name into their legends) and the columns carry it.
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = write_file(tmp.path(), "long.ron", &scenario);
    let out = tmp.path().join("out");
    plenum()
        .args(["run", "-q"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let (headers, rows) = read_table(&out.join("timeseries.csv"));
    let p = col(&headers, &format!("{long}.pressure_Pa"));
    assert!(rows[rows.len() - 1][p] < rows[0][p]);
    // A misspelling of it is refused, the name shortened wherever it is quoted, and no
    // suggestion is guessed at (that would cost 64 million cells of edit distance per name).
    let bad = scenario.replacen(
        &format!("from: \"{long}\""),
        &format!("from: \"{long}x\""),
        1,
    );
    let (code, _, err) = on_file(&["check"], "long.ron", &bad);
    assert_eq!(code, Some(2), "{err}");
    let clipped = format!(
        "unknown name '{}…{}x (8001 characters)'",
        "n".repeat(28),
        "n".repeat(27)
    );
    assert!(err.contains(&clipped), "{err}");
    assert!(err.starts_with("long.ron:6:34: error:"), "{err}");
    assert!(!err.contains("did you mean"), "{err}");
    assert!(err.len() < 2048, "{err}");
}

/// A scenario of `n` air compartments on separate lines, one leaking to space.
fn network_of(n: usize) -> String {
    let comps: Vec<String> = (0..n)
        .map(|i| format!("    (name: \"c{i}\", volume: 1, pressure: 1e5, temperature: 295),"))
        .collect();
    format!(
        "Scenario(name: \"big\", duration: \"1 h\", compartments: [\n{}\n], boundaries: [(name: \"space\", kind: Vacuum)],\nlinks: [(name: \"l\", from: \"c0\", to: \"space\", element: Linear(k: 1e-9))])",
        comps.join("\n")
    )
}

#[test]
fn issue7_a_network_of_40000_compartments_is_refused_by_check_and_run() {
    // 20 000 compartments were refused before the sparse Jacobian (issue 12); they run now
    // (tests/issue12_large.rs). The implicit solver's bound is 200 000 states.
    let text = network_of(40_000);
    for cmd in ["check", "run"] {
        let (code, out, err) = on_file(&[cmd], "big.ron", &text);
        assert_eq!(code, Some(2), "{cmd}: {err}");
        assert!(out.is_empty(), "{cmd}: {out}");
        assert!(err.starts_with("big.ron:1:16: error: scenario: the network has 200005 state variables (40000 compartments, 1 boundary, 0 sources, 5 species each), more than the 200000 the implicit solver handles"), "{cmd}: {err}");
        assert!(err.contains("method: Dopri5"), "{err}");
    }
}

#[test]
fn issue7_deep_nesting_is_reported_in_the_analysts_words() {
    let deep = format!(
        "Scenario(\n    name: \"deep\",\n    duration: {}{},\n    compartments: [],\n)",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    // A HatchSeal whose seated law is a HatchSeal, 5000 times: each level is parsed on its
    // own, so this must be stopped by the same limit, not by the stack.
    let mut seal = "Linear(k: 1e-9)".to_string();
    for _ in 0..5000 {
        seal = format!("HatchSeal(seated: {seal}, unseated: Linear(k: 1e-9))");
    }
    let seals = format!("Scenario(\n    name: \"seals\",\n    duration: \"1 h\",\n    compartments: [(name: \"a\", volume: 1, pressure: 1e5, temperature: 295), (name: \"b\", volume: 1, pressure: 1e5, temperature: 295)],\n    links: [(name: \"s\", from: \"a\", to: \"b\", element: {seal})],\n)");
    for (name, text, at) in [
        ("deep.ron", deep, "deep.ron:3:"),
        ("seals.ron", seals, "seals.ron:5:"),
    ] {
        let (code, _, err) = on_file(&["check"], name, &text);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.starts_with(at), "{err}");
        assert!(err.contains("nest deeper than 64 levels"), "{err}");
        assert!(
            !err.contains("recursion") && !err.contains("serde_stacker"),
            "{err}"
        );
    }
}

#[test]
fn issue7_a_denormal_gas_constant_is_refused_at_its_line_and_column() {
    let text = "Scenario(\n    name: \"tiny\",\n    duration: \"1 day\",\n    gas: Perfect(r: 5e-324, gamma: 1.4),\n    compartments: [(name: \"c\", volume: \"10 m3\", pressure: \"1 atm\", temperature: \"20 degC\")],\n)";
    let (code, _, err) = on_file(&["check"], "gas.ron", text);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("gas.ron:4:21: error: gas: r is 5e-324 J/(kg K)"),
        "{err}"
    );
}

#[test]
fn issue7_a_file_that_is_not_utf8_gets_a_line_and_column() {
    let text =
        b"Scenario(\n    name: \"x\",\n    duration: \"1 day\",\n    description: \"caf\xe9\",\n)";
    let (code, _, err) = on_file(&["check"], "latin1.ron", text);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("latin1.ron:4:22: error: the file is not UTF-8 text: byte 0xE9"),
        "{err}"
    );
}

/// A reader that stops reading (`plenum run ... | head -1`) closes the pipe: the run still
/// finishes, writes its results and exits 0 (the std print macros would panic, exit 101).
#[test]
fn a_closed_stdout_or_stderr_is_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (args, code) in [
        (vec!["check", "scenarios/iss-prk-leak.ron"], 0),
        (vec!["check", "scenarios/invalid/many-errors.ron"], 2),
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        let (reader2, writer2) = std::io::pipe().expect("pipe");
        drop(reader);
        drop(reader2);
        let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("plenum"))
            .current_dir(root())
            .args(&args)
            .stdout(writer)
            .stderr(writer2)
            .status()
            .expect("plenum runs");
        assert_eq!(status.code(), Some(code), "{args:?}");
    }
    let out = dir.path().join("r");
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("plenum"))
        .current_dir(root())
        .args(["run", "scenarios/iss-prk-leak.ron", "--out"])
        .arg(&out)
        .stdout(writer)
        .status()
        .expect("plenum runs");
    assert_eq!(status.code(), Some(0));
    assert!(out.join("summary.json").is_file());
}
