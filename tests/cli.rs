//! The `plenum` binary end to end: every shipped scenario runs and its outputs hold what
//! they claim; every invalid scenario is refused with exit code 2 and a reviewed message
//! (insta snapshots in tests/snapshots/); the commands and exit codes behave as documented.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn plenum() -> Command {
    let mut cmd = Command::cargo_bin("plenum").expect("the plenum binary is built");
    cmd.current_dir(root());
    cmd
}

/// Run `scenario` (relative to the repository root) into a fresh directory; returns the
/// temporary directory (kept alive by the caller) and the output directory.
fn run(scenario: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    plenum()
        .args(["run", scenario, "--out"])
        .arg(&out)
        .assert()
        .success();
    (tmp, out)
}

fn summary(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

/// The time series as (headers, rows).
fn table(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut rdr = csv::Reader::from_path(path).expect("CSV present");
    let headers = rdr
        .headers()
        .expect("header row")
        .iter()
        .map(String::from)
        .collect();
    let rows = rdr
        .records()
        .map(|r| {
            r.expect("record")
                .iter()
                .map(|v| v.parse::<f64>().expect("number"))
                .collect()
        })
        .collect();
    (headers, rows)
}

fn col(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("column {name} in {headers:?}"))
}

fn item<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("'{name}' in {list}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is a number"))
}

const DAY: f64 = 86_400.0;
const MMHG: f64 = 133.322_387_415;

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
        let (_tmp, out) = run(&f);
        for name in [
            "timeseries.csv",
            "summary.json",
            "scenario.ron",
            "pressure.png",
            "pressure.svg",
            "flows.png",
            "flows.svg",
        ] {
            assert!(out.join(name).is_file(), "{f}: {name} missing");
        }
        let s = summary(&out);
        assert_eq!(s["status"], "completed", "{f}");
        assert_eq!(s["provenance"]["plenum_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(
            s["provenance"]["scenario_sha256"].as_str().map(str::len),
            Some(64)
        );
        let (headers, rows) = table(&out.join("timeseries.csv"));
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

/// Max relative error of the pressure columns against a reference table whose columns are
/// `P_<compartment>_Pa` (or `P_Pa` for `single`), relative to max(|exact|, floor).
fn max_rel_err(out: &Path, reference: &str, single: Option<&str>, floor: f64) -> f64 {
    let (h, rows) = table(&out.join("timeseries.csv"));
    let (rh, rrows) = table(&root().join("tests/data/peers").join(reference));
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
    let (h, rows) = table(&out.join("timeseries.csv"));
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
    let (h, rows) = table(&out.join("timeseries.csv"));
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
    let (h, rows) = table(&out.join("timeseries.csv"));
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
    // The tunnel falls toward the seal-fed plateau (~47 mmHg); the station barely moves.
    let prk = item(&s["compartments"], "prk");
    let end = num(&prk["final_pressure_Pa"]) / MMHG;
    assert!(end > 40.0 && end < 60.0, "{end} mmHg");
    let station = item(&s["compartments"], "station");
    assert!(num(&station["final_pressure_Pa"]) / MMHG > 757.0);
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
    assert!(plateau > 480.0 && plateau < 560.0, "{plateau} mmHg");
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
    let (_tmp, out) = run("scenarios/prk-pressure-test.ron");
    let s = summary(&out);
    let end = |n: &str| num(&item(&s["compartments"], n)["final_pressure_Pa"]) / MMHG;
    let (space, seal, both) = (end("prk_space_only"), end("prk_seal_only"), end("prk_both"));
    assert!(seal > 740.0, "seal only rises to the station: {seal}");
    assert!(space < 200.0, "space only keeps falling: {space}");
    assert!(
        both > 420.0 && both < 500.0,
        "both relaxes back toward 500: {both}"
    );
    // The vent step took each tunnel down; prk_both recovers upward afterwards.
    let (h, rows) = table(&out.join("timeseries.csv"));
    let c = col(&h, "prk_both.pressure_Pa");
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
        let file = tmp.path().join(format!("{name}.ron"));
        std::fs::write(&file, text).expect("write scenario");
        let out = tmp.path().join(name);
        plenum()
            .arg("run")
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        series.push(std::fs::read(out.join("timeseries.csv")).expect("time series"));
    }
    assert!(series[0].len() > 1000);
    assert!(series[0] == series[1], "the two time series differ");
}

#[test]
fn every_invalid_scenario_is_refused_with_its_snapshotted_message() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios/invalid"))
        .expect("invalid dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 15);
    for path in files {
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let rel = format!("scenarios/invalid/{name}.ron");
        let out = plenum().args(["check", &rel]).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{rel}");
        assert!(out.stdout.is_empty(), "{rel}");
        let stderr = String::from_utf8_lossy(&out.stderr).replace('\\', "/");
        assert!(!stderr.contains("panicked"), "{rel}: {stderr}");
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
    let file = tmp.path().join("short.ron");
    std::fs::write(&file, text).expect("write");
    let assert = plenum()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
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
        text.contains("scenario 'iss-prk-leak': completed after 30 day"),
        "{text}"
    );
    assert!(text.contains("into space: 1.678"), "{text}");
    assert!(text.lines().count() < 20, "{text}");
}
