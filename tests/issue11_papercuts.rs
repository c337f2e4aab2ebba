//! Issue 11, point 7: the papercuts an analyst met in a first trial, each through the real
//! binary or the library the binary uses.

mod common;

use common::{
    cabin_and_space, plenum, refusal, scenario_with, sweep_text, write_file, write_sweep,
};

/// A cabin holed to space through an orifice whose area follows the upstream pressure, and a
/// second cabin behind a PowerLaw seal: the parts the sweeps below address.
fn area_law_base(duration: &str) -> String {
    scenario_with(
        "base",
        duration,
        &[
            ("cabin", "40 m3", "101.3 kPa"),
            ("lab", "20 m3", "101.3 kPa"),
        ],
        &[
            r#"(name: "crack", from: "cabin", to: "space",
         element: Orifice(area: "0.08 mm2", cd: 0.6, area_law: PowerOfPressure(p0: "760 mmHg", k: 1.0)))"#,
            r#"(name: "seal", from: "lab", to: "cabin", element: PowerLaw(c: 1e-9, n: 0.65))"#,
        ],
        "",
    )
}

#[test]
fn issue11_check_accepts_a_sweep_file() {
    let out = plenum()
        .args(["check", "scenarios/prk-leak-sweep.ron"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", common::stderr_of(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "scenarios/prk-leak-sweep.ron: ok: sweep 'prk-leak-sweep': 400 runs, 2 parameters, 6 metrics\n"
    );
}

#[test]
fn issue11_check_reports_a_sweep_files_problems_as_sweep_does() {
    let rel = "scenarios/invalid-sweeps/unknown-path.ron";
    let check = plenum().args(["check", rel]).output().expect("runs");
    let sweep = plenum()
        .args(["sweep", rel, "--out", "/nonexistent/never-written"])
        .output()
        .expect("runs");
    let said = refusal(&check, rel);
    assert!(!said.contains("should be 'Scenario'"), "{said}");
    assert_eq!(said, refusal(&sweep, rel));
}

#[test]
fn issue11_run_and_sweep_name_the_command_for_the_other_kind() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Comments and an attribute before the struct name do not hide the kind.
    let text = format!(
        "// a sweep\n/* of the crack */\n#![enable(implicit_some)]\n{}",
        sweep_text(
            1,
            "Grid",
            &[r#"(path: "links.crack.element.area", values: List(["0.05 mm2"])),"#],
            &[r#"(name: "p", of: Final("cabin.pressure")),"#],
            ""
        )
    );
    let sweep = write_sweep(tmp.path(), "1 h", "s.ron", &text);
    let out = plenum().arg("run").arg(&sweep).output().expect("runs");
    let said = refusal(&out, "run on a sweep");
    let shown = sweep.display().to_string();
    assert_eq!(
        said,
        format!("error: {shown} is a sweep: run it with `plenum sweep {shown}`\n")
            .replace('\\', "/")
    );
    let base = tmp.path().join("base.ron");
    let out = plenum().arg("sweep").arg(&base).output().expect("runs");
    let said = refusal(&out, "sweep on a scenario");
    assert!(
        said.contains("is a scenario: run it with `plenum run "),
        "{said}"
    );
}

#[test]
fn issue11_values_in_order_say_to_name_the_fields() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = sweep_text(
        1,
        "Grid",
        &[r#"(path: "links.crack.element.area", values: Log("0.01 mm2", "0.1 mm2", 3)),"#],
        &[r#"(name: "p", of: Final("cabin.pressure")),"#],
        "",
    );
    let file = write_sweep(tmp.path(), "1 h", "s.ron", &text);
    let out = plenum().arg("check").arg(&file).output().expect("runs");
    let said = refusal(&out, "positional Log");
    assert!(
        said.contains("Log(...) takes named fields, not values in order"),
        "{said}"
    );
    assert!(
        said.contains("expected: Log(from: ..., to: ..., count: ...)"),
        "{said}"
    );
    assert!(!said.contains("identifier"), "{said}");
}

#[test]
fn issue11_fields_on_a_plot_that_takes_none_are_located_and_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = cabin_and_space(
        "p",
        "1 h",
        "10 m3",
        "1 atm",
        r#"(name: "hole", from: "cabin", to: "space", element: Orifice(area: "1 mm2", cd: 0.6))"#,
    )
    .replace(
        "\n)",
        "\n    outputs: (plots: [Flows, Pressure(compartments: [\"cabin\"])]),\n)",
    );
    let file = write_file(tmp.path(), "p.ron", text);
    let out = plenum().arg("check").arg(&file).output().expect("runs");
    let said = refusal(&out, "Pressure(...)");
    assert!(said.contains(":7:38: error: "), "{said}");
    assert!(said.contains("'Pressure' takes no fields here"), "{said}");
    assert!(
        said.contains("expected: a plot: Pressure, Flows, Temperature or PartialPressure(\"O2\")"),
        "{said}"
    );
    assert!(!said.contains("after the end of the scenario"), "{said}");
}

#[test]
fn issue11_a_sweep_over_an_area_law_exponent_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_file(tmp.path(), "base.ron", area_law_base("2 h"));
    let text = sweep_text(
        1,
        "Grid",
        &[r#"(path: "links.crack.element.area_law.k", values: List([0.0, 1.0, 3.0])),"#],
        &[r#"(name: "p", of: Final("cabin.pressure")),"#],
        "",
    );
    let file = write_file(tmp.path(), "s.ron", &text);
    let out_dir = tmp.path().join("out");
    let out = plenum()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out_dir)
        .arg("--quiet")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", common::stderr_of(&out));
    // After the fingerprint line: the header, then one row per run.
    let text = std::fs::read_to_string(out_dir.join("runs.csv")).expect("runs.csv");
    let lines: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let headers = &lines[0];
    let at = |name: &str| headers.iter().position(|h| *h == name).expect(name);
    let (k, p) = (at("links.crack.element.area_law.k_SI"), at("p_Pa"));
    let rows: Vec<(f64, f64)> = lines[1..]
        .iter()
        .map(|r| (r[k].parse().expect("k"), r[p].parse().expect("p")))
        .collect();
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        [0.0, 1.0, 3.0]
    );
    // A crack that closes faster as the pressure falls (larger k) loses less.
    assert!(rows[0].1 < rows[1].1 && rows[1].1 < rows[2].1, "{rows:?}");
}

#[test]
fn issue11_a_field_an_element_lacks_names_the_element_of_the_link() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_file(tmp.path(), "base.ron", area_law_base("1 h"));
    let text = sweep_text(
        1,
        "Grid",
        &[r#"(path: "links.crack.element.seated.area", values: List(["1 mm2"])),"#],
        &[r#"(name: "p", of: Final("cabin.pressure")),"#],
        "",
    );
    let file = write_file(tmp.path(), "s.ron", &text);
    let said = plenum_runner::sweep::load_sweep(&file, false)
        .expect_err("refused")
        .to_string();
    assert!(
        said.contains("'seated' is not part of the Orifice element of link 'crack'"),
        "{said}"
    );
    assert!(!said.contains("''s"), "{said}");
}

#[test]
fn issue11_a_powerlaw_coefficient_column_carries_its_unit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_file(tmp.path(), "base.ron", area_law_base("1 h"));
    let text = sweep_text(
        1,
        "Grid",
        &[r#"(path: "links.seal.element.c", values: List([1e-9, 2e-9])),"#],
        &[r#"(name: "p", of: Final("cabin.pressure")),"#],
        "",
    );
    let file = write_file(tmp.path(), "s.ron", &text);
    let sweep = plenum_runner::sweep::load_sweep(&file, false).expect("loads");
    let header = sweep.header();
    assert_eq!(header[1], "links.seal.element.c_m3_per_s_Pa_n");
    assert!(header.iter().all(|h| !h.ends_with("_SI")), "{header:?}");
}

#[test]
fn issue11_check_echoes_the_interval_in_a_round_unit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = cabin_and_space("p", "30 day", "10 m3", "1 atm", "")
        .replace("\n)", "\n    outputs: (interval: \"1 day\"),\n)");
    let file = write_file(tmp.path(), "p.ron", text);
    let out = plenum().arg("check").arg(&file).output().expect("runs");
    assert!(out.status.success(), "{}", common::stderr_of(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("with output every 1 day (31 rows)"), "{said}");
}

#[test]
fn issue11_years_months_and_continuous_growth() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ok = cabin_and_space(
        "y",
        "1 year",
        "10 m3",
        "1 atm",
        r#"(name: "hole", from: "cabin", to: "space", element: Orifice(area: Exponential(initial: "1e-6 mm2", rate: "0.5 1/year"), cd: 0.6))"#,
    );
    let file = write_file(
        tmp.path(),
        "y.ron",
        ok.replace("\n)", "\n    outputs: (interval: \"1 month\"),\n)"),
    );
    let out = plenum().arg("check").arg(&file).output().expect("runs");
    assert!(out.status.success(), "{}", common::stderr_of(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("(13 rows)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let both = ok.replace(
        r#"rate: "0.5 1/year")"#,
        r#"rate: "0.5 1/year", doubling_time: "2 month")"#,
    );
    let file = write_file(tmp.path(), "both.ron", both);
    let out = plenum().arg("check").arg(&file).output().expect("runs");
    let said = refusal(&out, "rate and doubling time");
    assert!(
        said.contains(
            "hint: Exponential is continuous growth: x(t) = initial e^(rate (t - start))"
        ),
        "{said}"
    );
}

#[test]
fn issue11_summary_prints_final_partial_pressures_and_round_off_as_zero() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out_dir = tmp.path().join("run");
    let out = plenum()
        .args(["run", "scenarios/iss-prk-leak.ron", "--out"])
        .arg(&out_dir)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", common::stderr_of(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("  prk          partial pressures at end (mmHg): N2 147.1, O2 39.46,"),
        "{printed}"
    );
    let json = common::summary(&out_dir);
    let prk = &json["compartments"][1]["final_partial_pressures_Pa"];
    let names: Vec<&str> = prk
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["species"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["N2", "O2", "Ar", "CO2", "H2O"]);
    let sum: f64 = prk
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["pressure_Pa"].as_f64().expect("a number"))
        .sum();
    let p = json["compartments"][1]["final_pressure_Pa"]
        .as_f64()
        .expect("a number");
    assert!((sum - p).abs() <= 1e-9 * p, "{sum} vs {p}");

    // Round-off where 0 is meant prints as 0; a real small mass does not.
    let text = std::fs::read_to_string(out_dir.join("summary.json")).expect("summary.json");
    let mut s: plenum_runner::Summary = serde_json::from_str(&text).expect("parses");
    s.total_mass_lost_kg = 6.1e-14;
    s.boundaries[0].leak_rate_start_kg_per_day = 3e-15;
    let printed = s.to_text();
    assert!(
        printed.contains("mass lost from the compartments: 0 kg\n"),
        "{printed}"
    );
    assert!(
        printed.contains("into space: 0 kg/day at start"),
        "{printed}"
    );
    s.total_mass_lost_kg = 1e-6;
    assert!(
        s.to_text().contains("compartments: 1e-6 kg\n"),
        "{}",
        s.to_text()
    );
}
