//! Issue 11, plots you can steer: windows, shown items, gauges, event markers, dashed
//! thresholds in the legend, legends that are never clipped, `plenum plot --out NAME`, and
//! located errors for bad plot options and relative thresholds.

mod common;

use std::path::Path;

use common::{plenum, root, stderr_of, summary, write_file};

/// The pressure test (three tunnels in one network, tests/data/issue11) with extra plots
/// and thresholds spliced into its outputs.
fn pressure_test(outputs_extra: &str) -> String {
    let src =
        std::fs::read_to_string(root().join("tests/data/issue11/pressure-test-compartments.ron"))
            .expect("test fixture");
    src.replace(
        "        flow_unit: \"kg/day\",\n    ),",
        &format!("        flow_unit: \"kg/day\",\n{outputs_extra}\n    ),"),
    )
}

const STEERED: &str = r#"        plots: [Pressure,
            Plot(kind: Pressure, from: "2 day", to: "10 day", show: ["prk_both", "prk_seal_only"],
                 sensor: (resolution: "1 mmHg", noise: "0.5 mmHg"), name: "zoom")],
        thresholds: [
            (name: "1 mmHg below raise_end", quantity: "prk_both.pressure", below: "1 mmHg",
             relative_to: "raise_end"),
        ],"#;

/// The text elements of an SVG: (x, anchor, font size, text).
fn svg_texts(svg: &str) -> Vec<(f64, String, f64, String)> {
    let mut out = Vec::new();
    for chunk in svg.split("<text ").skip(1) {
        let Some((attrs, rest)) = chunk.split_once('>') else {
            continue;
        };
        let attrs = format!(" {attrs}");
        let attr = |name: &str| -> Option<String> {
            let start = attrs
                .find(&format!(" {name}=\""))
                .map(|i| i + name.len() + 3)?;
            let end = attrs[start..].find('"')? + start;
            Some(attrs[start..end].to_string())
        };
        let text = rest
            .split("</text>")
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let x = attr("x").and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
        let size = attr("font-size")
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN);
        out.push((x, attr("text-anchor").unwrap_or_default(), size, text));
    }
    out
}

fn run_into(tmp: &Path, text: &str) -> std::path::PathBuf {
    let file = write_file(tmp, "t.ron", text);
    let out = tmp.join("out");
    let o = plenum()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr_of(&o));
    out
}

#[test]
fn issue11_windowed_plot_has_event_markers_thresholds_and_the_window() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run_into(tmp.path(), &pressure_test(STEERED));
    let zoom = std::fs::read_to_string(out.join("zoom.svg")).expect("zoom.svg");
    let texts = svg_texts(&zoom);
    let has = |s: &str| texts.iter().any(|t| t.3 == s);
    // Events inside the window are marked and labelled; those after it are not.
    assert!(has("raise_start") && has("raise_end"), "{texts:?}");
    assert!(!has("vent_start"));
    // Only the shown compartments, and the relative threshold in the legend.
    assert!(has("prk_both") && has("prk_seal_only") && !has("prk_space_only"));
    assert!(has("threshold: 1 mmHg below raise_end"));
    // The x axis runs over the window: its first and last ticks are its ends.
    let ticks: Vec<f64> = texts
        .iter()
        .filter(|t| t.1 == "middle")
        .filter_map(|t| t.3.parse::<f64>().ok())
        .collect();
    assert_eq!(ticks.first(), Some(&2.0), "{ticks:?}");
    assert_eq!(ticks.last(), Some(&10.0), "{ticks:?}");
    // The relative threshold's crossing: after raise_end, and recorded with its event.
    let s = summary(&out);
    let th = &s["thresholds"][0];
    assert_eq!(th["relative_to"], "raise_end");
    let first = th["first_crossing_s"].as_f64().expect("crossed");
    assert!(first > 262_800.0 && first < 15.0 * 86_400.0, "{first}");
    // The bare plot keeps its name and draws the markers of every event.
    let full = std::fs::read_to_string(out.join("pressure.svg")).expect("pressure.svg");
    let full = svg_texts(&full);
    assert!(full.iter().any(|t| t.3 == "vent_end"));
    assert!(full
        .iter()
        .any(|t| t.3 == "threshold: 1 mmHg below raise_end"));
}

#[test]
fn issue11_a_long_legend_is_never_clipped() {
    let long = "a_compartment_with_a_very_long_name_that_goes_on_and_on_and_on_forever";
    let mut src = String::from("Scenario(name: \"long\", duration: \"1 day\",\n compartments: [\n");
    for k in 0..9 {
        src.push_str(&format!(
            "  (name: \"{long}_{k}\", volume: \"{} m3\", pressure: \"{} kPa\", temperature: \"20 degC\"),\n",
            5 + k,
            100 - k
        ));
    }
    src.push_str(" ],\n boundaries: [(name: \"space\", kind: Vacuum)],\n links: [\n");
    for k in 0..9 {
        src.push_str(&format!(
            "  (name: \"leak_{k}\", from: \"{long}_{k}\", to: \"space\", element: Orifice(area: \"0.1 mm2\", cd: 0.6)),\n"
        ));
    }
    src.push_str(" ],\n)\n");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run_into(tmp.path(), &src);
    let svg = std::fs::read_to_string(out.join("pressure.svg")).expect("pressure.svg");
    let texts = svg_texts(&svg);
    // Every name can be read whole, joined from its wrapped rows.
    let joined: String = texts.iter().map(|t| t.3.as_str()).collect();
    for k in 0..9 {
        assert!(joined.contains(&format!("{long}_{k}")), "{k}: {joined}");
    }
    // DejaVu Sans glyphs are at most 0.65 em wide on average over such names: every
    // left-anchored text ends inside the 1200 px canvas.
    for (x, anchor, size, text) in &texts {
        if anchor == "start" {
            let end = x + 0.65 * size * text.chars().count() as f64;
            assert!(end <= 1200.0, "'{text}' runs to {end} px");
        }
    }
}

#[test]
fn issue11_plot_writes_a_named_output_and_never_overwrites_a_users_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run_into(tmp.path(), &pressure_test(""));
    let mine = out.join("zoom-pressure.png");
    std::fs::write(&mine, "my own picture").expect("write");
    let o = plenum()
        .arg("plot")
        .arg(&out)
        .args(["--out", "zoom", "--from", "2 day", "--to", "5 day"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", stderr_of(&o));
    assert!(
        stderr_of(&o).contains("zoom-pressure.png"),
        "{}",
        stderr_of(&o)
    );
    assert_eq!(std::fs::read(&mine).expect("kept"), b"my own picture");
    // Another name: written beside the run's own plots, which are untouched.
    let before = std::fs::read(out.join("pressure.png")).expect("png");
    plenum()
        .arg("plot")
        .arg(&out)
        .args(["--out", "zoom2", "--from", "2 day", "--to", "5 day"])
        .args([
            "--show",
            "prk_both,fill_both",
            "--sensor-resolution",
            "1 mmHg",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("wrote"));
    assert!(out.join("zoom2-pressure.svg").is_file());
    assert!(out.join("zoom2-flows.svg").is_file());
    assert_eq!(
        std::fs::read(out.join("pressure.png")).expect("png"),
        before
    );
    let svg = std::fs::read_to_string(out.join("zoom2-pressure.svg")).expect("svg");
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|t| t.3 == "prk_both"));
    assert!(!texts.iter().any(|t| t.3 == "prk_seal_only"));
    // Again: it replaces its own files, and says so.
    plenum()
        .arg("plot")
        .arg(&out)
        .args(["--out", "zoom2", "--log-y"])
        .assert()
        .success()
        .stdout(predicates::str::contains("replaced"));
    // A re-run into the directory is still allowed: the named plots are in its manifest.
    std::fs::remove_file(&mine).expect("rm");
    let file = tmp.path().join("t.ron");
    plenum()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    // Bad steering: a misspelt name and a window after the run.
    plenum()
        .arg("plot")
        .arg(&out)
        .args(["--show", "prk_bth"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean 'prk_both'"));
    plenum()
        .arg("plot")
        .arg(&out)
        .args(["--from", "40 day"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("after the run"));
}

#[test]
fn issue11_bad_plot_options_and_relative_thresholds_are_located() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = pressure_test(
        r#"        plots: [Plot(kind: Pressure, from: "12 day", to: "10 day", show: ["prk_bth"])],
        thresholds: [(quantity: "prk_both.pressure", below: "1 mmHg", relative_to: "raise_ed")],"#,
    );
    let file = write_file(tmp.path(), "bad.ron", bad);
    let o = plenum().arg("check").arg(&file).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr_of(&o);
    for want in [
        "not after its start",
        "did you mean 'prk_both'",
        "relative_to names no event: 'raise_ed'",
        "did you mean 'raise_end'",
        "bad.ron:",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
}

#[test]
fn issue11_a_line_hidden_under_another_is_named_in_the_legend() {
    let src = r#"Scenario(name: "twin", duration: "2 day",
 compartments: [
  (name: "prk", volume: "7 m3", pressure: "760 mmHg", temperature: "20 degC"),
  (name: "node2", volume: "7 m3", pressure: "760 mmHg", temperature: "20 degC"),
  (name: "lab", volume: "70 m3", pressure: "760 mmHg", temperature: "20 degC"),
 ],
 boundaries: [(name: "space", kind: Vacuum)],
 links: [
  (name: "a", from: "prk", to: "space", element: Orifice(area: "0.1 mm2", cd: 0.6)),
  (name: "b", from: "node2", to: "space", element: Orifice(area: "0.1 mm2", cd: 0.6)),
  (name: "c", from: "lab", to: "space", element: Orifice(area: "0.1 mm2", cd: 0.6)),
 ],
 events: [(name: "close_a", when: At("1 day"), action: Close("a"))],
 outputs: (plots: [Pressure, Plot(kind: Pressure, to: "1 day", name: "first_day")]),
)"#;
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run_into(tmp.path(), src);
    let texts = |f: &str| svg_texts(&std::fs::read_to_string(out.join(f)).expect("svg"));
    // Identical until `close_a`: hidden over half the run, and over all of the first day.
    assert!(texts("pressure.svg")
        .iter()
        .any(|t| t.3 == "node2 (overlaps prk in part)"));
    assert!(texts("first_day.svg")
        .iter()
        .any(|t| t.3 == "node2 = prk (overlapping)"));
    // `lab` hides nothing.
    assert!(texts("pressure.svg").iter().any(|t| t.3 == "lab"));
}

#[test]
fn issue11_compare_two_runs_tables_their_differences() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = run_into(tmp.path(), &pressure_test(STEERED));
    let b_dir = tmp.path().join("b");
    std::fs::create_dir(&b_dir).expect("mkdir");
    let b = run_into(
        &b_dir,
        &pressure_test(STEERED).replace("\"0.01367 mm2\"", "\"0.02 mm2\""),
    );
    let cmp = tmp.path().join("cmp");
    let o = plenum()
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .args(["--label", "base", "--label", "bigseal", "--out"])
        .arg(&cmp)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr_of(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("final pressure: prk_both"), "{stdout}");
    assert!(stdout.contains("bigseal - base"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cmp.join("compare.json")).expect("json"))
            .expect("JSON");
    let (sa, sb) = (summary(&a), summary(&b));
    let row = |q: &str| {
        json["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["quantity"] == q)
            .unwrap_or_else(|| panic!("no row {q}"))
            .clone()
    };
    let final_p = |s: &serde_json::Value| {
        s["compartments"]
            .as_array()
            .expect("compartments")
            .iter()
            .find(|c| c["name"] == "prk_both")
            .expect("prk_both")["final_pressure_Pa"]
            .as_f64()
            .expect("number")
    };
    let r = row("final pressure: prk_both");
    assert_eq!(r["values"][0].as_f64(), Some(final_p(&sa)));
    assert_eq!(r["values"][1].as_f64(), Some(final_p(&sb)));
    assert_eq!(
        r["differences"][1].as_f64(),
        Some(final_p(&sb) - final_p(&sa))
    );
    let r = row("mass lost by the compartments (< 0: gained)");
    assert_eq!(r["values"][1], sb["total_mass_lost_kg"]);
    let r = row("first crossing: 1 mmHg below raise_end");
    assert_eq!(r["values"][0], sa["thresholds"][0]["first_crossing_s"]);
    assert!(cmp.join("compare.csv").is_file());
    assert!(cmp.join("pressure-prk_both.svg").is_file());
    // Errors: a missing directory, and a directory that is not a run.
    plenum()
        .arg("compare")
        .arg(&a)
        .arg(tmp.path().join("nope"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nope does not exist"));
    plenum()
        .arg("compare")
        .arg(&a)
        .arg(tmp.path())
        .args(["--out"])
        .arg(tmp.path().join("c2"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "not the output directory of a run",
        ));
}

#[test]
fn issue11_relative_threshold_crosses_at_the_closed_form_time() {
    // One vessel leaking through a Linear element into vacuum:
    // mdot = k p, p = m R T / V, so p = p0 exp(-t/tau) with tau = V / (k R T) = m0 / (k p0)
    // (isothermal). `close` logs at t1; the threshold is 1 kPa below p(t1):
    // t = tau ln(p0 / (p0 exp(-t1/tau) - 1000 Pa)).
    let k = 2e-9;
    let src = format!(
        r#"Scenario(name: "decay", duration: "2 day",
 compartments: [(name: "v", volume: "10 m3", pressure: "100 kPa", temperature: "20 degC")],
 boundaries: [(name: "space", kind: Vacuum)],
 links: [(name: "leak", from: "v", to: "space", element: Linear(k: {k}))],
 events: [(name: "close", when: At("6 h"), action: Log)],
 outputs: (thresholds: [(name: "1 kPa since close", quantity: "v.pressure", below: "1 kPa",
                         relative_to: "close")]),
 solver: (rtol: 1e-8, atol: "1e-6 Pa"),
)"#
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run_into(tmp.path(), &src);
    let s = summary(&out);
    let c = &s["compartments"][0];
    let (m0, p0) = (
        c["initial_mass_kg"].as_f64().expect("m0"),
        c["initial_pressure_Pa"].as_f64().expect("p0"),
    );
    let tau = m0 / (k * p0);
    let t1 = 6.0 * 3600.0;
    let exact = tau * (p0 / (p0 * (-t1 / tau).exp() - 1000.0)).ln();
    let t = s["thresholds"][0]["first_crossing_s"]
        .as_f64()
        .expect("crossed");
    // Global error within 20 local tolerances (rtol + atol/p) for each of the two pressures
    // the time depends on; a relative pressure error e moves the time by e tau.
    let (rtol, atol) = (
        s["solver"]["rtol"].as_f64().expect("rtol"),
        s["solver"]["atol_Pa"].as_f64().expect("atol"),
    );
    let p_cross = p0 * (-exact / tau).exp();
    let tol = 2.0 * 20.0 * (rtol + atol / p_cross) * tau;
    assert!(
        (t - exact).abs() <= tol,
        "crossed at {t} s, closed form {exact} s, tolerance {tol} s"
    );
    assert!(t > t1);
}
