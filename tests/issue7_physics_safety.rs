//! Issue 7, items 4 and 8, end to end through the `plenum` binary: blowdowns to vacuum run
//! to the end with exit 0 and write nothing negative; links into a vacuum that overstate
//! choked flow are refused (PowerLaw, Fan) or warned about (Linear); a hatch seal's
//! parameter must name the law it sets.

use std::path::Path;

mod common;

use common::{cabin_and_space, plenum, root, run_ok, stderr_of, summary, write_file};

/// Runs `file` into `out`, which must succeed, and asserts that every value of the time
/// series that must be >= 0 (all but the signed link flows) is.
fn run_non_negative(file: &Path, out: &Path) {
    run_ok(file, out);
    let bad = negatives(&out.join("timeseries.csv"));
    assert!(bad.is_empty(), "negative values written: {bad:?}");
}

/// Every value of the time series that must be >= 0 (all but the signed link flows), with
/// its column and row.
fn negatives(csv_path: &Path) -> Vec<String> {
    let mut rdr = csv::Reader::from_path(csv_path).expect("CSV present");
    let headers: Vec<String> = rdr
        .headers()
        .expect("header row")
        .iter()
        .map(String::from)
        .collect();
    let mut bad = Vec::new();
    let mut rows = 0;
    for (r, rec) in rdr.records().enumerate() {
        let rec = rec.expect("record");
        rows += 1;
        for (h, v) in headers.iter().zip(rec.iter()) {
            let x: f64 = v.parse().expect("number");
            if !h.ends_with("mass_flow_kg_per_s") && (x.is_nan() || x < 0.0) {
                bad.push(format!("row {r}: {h} = {v}"));
            }
        }
    }
    assert!(rows > 1, "the time series has rows");
    bad
}

/// The issue's reproducer: a 1 m2 hole in a 10 m3 compartment to vacuum exited 1 ("species
/// mass became -1.74e-6 at t = 0.955 s").
#[test]
fn issue7_blowdown_of_a_1_m2_hole_exits_0_and_writes_nothing_negative() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = write_file(
        tmp.path(),
        "blowdown.ron",
        r#"Scenario(
    name: "blowdown",
    duration: "60 s",
    compartments: [
        (name: "vessel", volume: "10 m3", pressure: "1 atm", temperature: "22 degC"),
        (name: "hot", volume: "10 m3", pressure: "1 atm", temperature: "22 degC", thermal: Adiabatic),
    ],
    boundaries: [(name: "space", kind: Vacuum)],
    links: [
        (name: "hole", from: "vessel", to: "space", element: Orifice(area: "1 m2", cd: 0.6)),
        (name: "hole2", from: "hot", to: "space", element: Orifice(area: "1 m2", cd: 0.6)),
    ],
    outputs: (interval: "0.1 s"),
)"#,
    );
    let out = tmp.path().join("out");
    run_non_negative(&file, &out);
    // Compartments + boundaries hold the initial 2 x 12.0 kg to 1e-10 relative.
    let s = summary(&out);
    let balance = s["mass_balance_error_kg"].as_f64().expect("mass balance");
    assert!(
        balance <= 1e-10 * 24.0,
        "mass balance off by {balance:e} kg"
    );
}

/// `scenarios/rapid-decompression.ron` run for 10 days (the old code failed at 3.9 days).
#[test]
fn issue7_rapid_decompression_runs_10_days_and_writes_nothing_negative() {
    let text = std::fs::read_to_string(root().join("scenarios/rapid-decompression.ron"))
        .expect("shipped scenario");
    assert!(
        text.contains(r#"duration: "6 h""#),
        "the shipped scenario runs 6 h"
    );
    let text = text
        .replace(r#"duration: "6 h""#, r#"duration: "10 day""#)
        .replace(r#"interval: "1 min""#, r#"interval: "10 min""#);
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = write_file(tmp.path(), "rapid-10-days.ron", &text);
    let out = tmp.path().join("out");
    run_non_negative(&file, &out);
}

/// A 30 m3 cabin leaking to space through `element`, written on line 8 from column 19.
fn vacuum_link(element: &str) -> String {
    cabin_and_space(
        "leaky",
        "1 day",
        "30 m3",
        "1 atm",
        &format!(
            "\n        (name: \"leak\", from: \"cabin\", to: \"space\",\n         element: {element}),\n    "
        ),
    )
}

#[test]
fn issue7_power_law_and_fan_into_a_vacuum_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (kind, element) in [
        ("PowerLaw", "PowerLaw(c: 1e-6, n: 0.65)"),
        ("Fan", r#"Fan(flow: "10 L/s")"#),
        (
            "PowerLaw",
            "HatchSeal(seated: PowerLaw(c: 1e-8, n: 0.65), unseated: PowerLaw(c: 5e-8, n: 0.65))",
        ),
    ] {
        let file = write_file(tmp.path(), "leaky.ron", vacuum_link(element));
        let out = plenum().arg("check").arg(&file).assert().code(2);
        let stderr = stderr_of(out.get_output());
        assert!(
            stderr.contains("leaky.ron:8:19")
                && stderr.contains("link 'leak'")
                && stderr.contains(&format!("a {kind} law into the vacuum boundary 'space'"))
                && stderr.contains("Orifice")
                && stderr.contains("ViscousCrack"),
            "{stderr}"
        );
    }
    // Orifice and ViscousCrack are the laws for a vacuum.
    let file = write_file(
        tmp.path(),
        "hole.ron",
        vacuum_link(r#"Orifice(area: "1 mm2", cd: 0.6)"#),
    );
    plenum().arg("check").arg(&file).assert().success();
}

#[test]
fn issue7_a_linear_law_into_a_vacuum_is_a_warning() {
    // A shipped example uses a Linear leak into space (a conductance that doubles daily), so
    // it is a warning on stderr, not an error.
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = write_file(
        tmp.path(),
        "linear.ron",
        vacuum_link(r#"Linear(k: "1e-10 kg/(s Pa)")"#),
    );
    let out = plenum().arg("check").arg(&file).assert().success();
    let stderr = stderr_of(out.get_output());
    assert!(
        stderr.contains(
            "linear.ron:8:19: warning: link 'leak': a Linear law into the vacuum boundary 'space'"
        ) && stderr.contains("Orifice"),
        "{stderr}"
    );
}

#[test]
fn issue7_set_area_on_a_hatch_seal_must_name_the_side() {
    let scenario = |parameter: &str| {
        format!(
            r#"Scenario(
    name: "seal",
    duration: "1 day",
    compartments: [
        (name: "station", volume: "900 m3", pressure: "1 atm", temperature: "22 degC"),
        (name: "prk", volume: "7 m3", pressure: "700 mmHg", temperature: "22 degC"),
    ],
    links: [
        (name: "hatch_seal", from: "station", to: "prk",
         element: HatchSeal(seated: Orifice(area: "0.1 mm2", cd: 0.6), unseated: Orifice(area: "0.5 mm2", cd: 0.6))),
    ],
    events: [
        (name: "reseat", when: At("12 h"), action: Set(link: "hatch_seal", parameter: {parameter}, value: "0.2 mm2")),
    ],
)"#
        )
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = write_file(tmp.path(), "seal.ron", scenario("Area"));
    let out = plenum().arg("check").arg(&file).assert().code(2);
    let stderr = stderr_of(out.get_output());
    assert!(
        stderr.contains("seal.ron:13:")
            && stderr.contains("link 'hatch_seal' is a HatchSeal: Area would set both")
            && stderr.contains("SeatedArea or UnseatedArea"),
        "{stderr}"
    );
    for sided in ["SeatedArea", "UnseatedArea"] {
        let file = write_file(tmp.path(), "seal.ron", scenario(sided));
        plenum().arg("check").arg(&file).assert().success();
    }
}
