//! Issue 11, points 1 and 2: variants run side by side, named parameters and expressions,
//! sweeps over named parameters, through the real binary.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{plenum, stderr_of, summary, write_file, MMHG};

/// A tunnel between a station and space: a crack to space and a seal from the station, the
/// seal tied to the crack by a parameter; `extra` goes into the file after the outputs.
fn tunnel(extra: &str) -> String {
    format!(
        r#"Scenario(
    name: "tunnel",
    duration: "2 day",
    parameters: {{ "crack": "0.02 mm2", "seal": "0.6835 * crack", "p0": "500 mmHg" }},
    compartments: [ (name: "prk", volume: "7 m3", pressure: "p0", temperature: "22 degC") ],
    boundaries: [
        (name: "station", kind: Reservoir(pressure: "760 mmHg", temperature: "22 degC")),
        (name: "space", kind: Vacuum),
    ],
    links: [
        (name: "crack", from: "prk", to: "space", element: Orifice(area: "crack", cd: 1.0)),
        (name: "seal", from: "station", to: "prk", element: Orifice(area: "seal", cd: 1.0)),
    ],
    outputs: (interval: "1 h", pressure_unit: "mmHg", time_unit: "day",
      thresholds: [ (quantity: "prk.pressure", below: "p0 - 1 mmHg") ]),
{extra}
)
"#
    )
}

const VARIANTS: &str = r#"    variants: [
        (name: "both"),
        (name: "space_only", set: { "links.seal.element.area": "0 mm2" }),
        (name: "seal_only", remove: ["links.crack"]),
        (name: "broken", set: { "links.seel.element.area": "0 mm2" }),
        (name: "bigger", set: { "parameters.crack": "2 * 0.02 mm2" }),
        (name: "valve", links: [
            (name: "seal", from: "station", to: "prk", element: PowerLaw(c: 1e-9, n: 0.65)),
        ]),
        (name: "fuller", set: { "compartments.prk.pressure": "p0 + 100 mmHg" },
         links: [ (name: "extra", from: "prk", to: "space", element: Orifice(area: "seal / 2", cd: 0.6)) ]),
    ],"#;

fn final_pressure(dir: &Path) -> f64 {
    let s = summary(dir);
    let c = s["compartments"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == "prk"))
        .expect("prk");
    c["final_pressure_Pa"].as_f64().expect("number") / MMHG
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("inside").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

#[test]
fn issue11_variants_run_side_by_side_and_a_failing_one_is_recorded() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = write_file(tmp.path(), "tunnel.ron", tunnel(VARIANTS));
    let out = tmp.path().join("out");
    let res = plenum()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    let err = stderr_of(&res);
    let stdout = String::from_utf8_lossy(&res.stdout);
    // The invalid variant is bad input (exit 2), named; the others ran.
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(err.contains("1 of 7 variants did not run: broken"), "{err}");
    for v in [
        "both",
        "space_only",
        "seal_only",
        "bigger",
        "valve",
        "fuller",
    ] {
        assert_eq!(summary(&out.join(v))["status"], "completed", "{v}");
        assert!(out.join(v).join("timeseries.csv").is_file());
    }
    assert!(!out.join("broken").exists());
    // Each hypothesis goes its own way; the linked seal keeps the plateau at any crack size.
    let both = final_pressure(&out.join("both"));
    assert!(final_pressure(&out.join("space_only")) < both - 20.0);
    assert!(final_pressure(&out.join("seal_only")) > both + 20.0);
    assert!((final_pressure(&out.join("bigger")) - both).abs() < 0.5);
    // A link replaced by another element, a link added, an initial state changed.
    let valve = summary(&out.join("valve"));
    let seal = valve["links"]
        .as_array()
        .and_then(|a| a.iter().find(|l| l["name"] == "seal"))
        .expect("seal");
    assert_eq!(seal["element"], "PowerLaw");
    let fuller = summary(&out.join("fuller"));
    let prk = &fuller["compartments"][0];
    assert!((prk["initial_pressure_Pa"].as_f64().expect("number") / MMHG - 600.0).abs() < 1e-9);
    assert!(fuller["links"]
        .as_array()
        .is_some_and(|a| a.iter().any(|l| l["name"] == "extra")));
    // The side-by-side table: printed and written, one column per variant, the failure
    // recorded with its located message.
    let table = std::fs::read_to_string(out.join("variants.txt")).expect("variants.txt");
    assert!(
        stdout.contains(table.lines().next().expect("header")),
        "{stdout}"
    );
    let header: Vec<&str> = table
        .lines()
        .next()
        .expect("header")
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "both",
            "space_only",
            "seal_only",
            "broken",
            "bigger",
            "valve",
            "fuller"
        ]
    );
    assert!(table.contains("INVALID"), "{table}");
    assert!(table.contains("final pressure prk"), "{table}");
    assert!(table.contains("leak rate at end into space"), "{table}");
    assert!(table.contains("first crossing prk.pressure"), "{table}");
    assert!(
        table.contains("tunnel.ron:") && table.contains("no link 'seel'"),
        "{table}"
    );
    // One overlay per quantity, a line per variant that ran (one that lacks the item has
    // none: the crack is removed in seal_only).
    let svg = std::fs::read_to_string(out.join("pressure-prk.svg")).expect("pressure-prk.svg");
    for v in ["both", "space_only", "seal_only", "bigger"] {
        // Named alone, or with a note that it hides (or partly hides) another variant's line.
        assert!(
            [
                format!("\n{v}\n</text>"),
                format!("\n{v} (overlaps"),
                format!("\n{v} = ")
            ]
            .iter()
            .any(|entry| svg.contains(entry.as_str())),
            "{v} in the overlay"
        );
    }
    assert!(!svg.contains("\nbroken\n"));
    let svg = std::fs::read_to_string(out.join("flow-crack.svg")).expect("flow-crack.svg");
    assert!(svg.contains("\nboth\n</text>") && !svg.contains("\nseal_only\n"));
    for f in [
        "pressure-prk.png",
        "flow-crack.png",
        "flow-seal.png",
        "flow-seal.svg",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // The tree is Plenum's: a second run replaces it; a foreign file inside a variant's
    // directory is refused and nothing is changed.
    let before = tree(&out);
    plenum()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    assert_eq!(tree(&out), before, "the same bytes again");
    std::fs::write(out.join("both").join("notes.txt"), "mine").expect("write");
    let res = plenum()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(res.status.code(), Some(2));
    assert!(stderr_of(&res).contains("notes.txt"), "{}", stderr_of(&res));
    assert_eq!(
        std::fs::read_to_string(out.join("both").join("notes.txt")).expect("kept"),
        "mine"
    );
}

#[test]
fn issue11_variant_bytes_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let ok = VARIANTS.replace(
        r#"        (name: "broken", set: { "links.seel.element.area": "0 mm2" }),
"#,
        "",
    );
    let file = write_file(tmp.path(), "tunnel.ron", tunnel(&ok));
    let mut trees = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("out{threads}"));
        plenum()
            .env("RAYON_NUM_THREADS", threads)
            .arg("run")
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .assert()
            .success();
        trees.push(tree(&out));
    }
    assert!(trees[0].len() > 20, "{:?}", trees[0].keys());
    assert_eq!(
        trees[0].keys().collect::<Vec<_>>(),
        trees[1].keys().collect::<Vec<_>>()
    );
    for (k, v) in &trees[0] {
        assert!(&trees[1][k] == v, "{} differs", k.display());
    }
}

#[test]
fn issue11_check_checks_every_variant() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = write_file(tmp.path(), "tunnel.ron", tunnel(VARIANTS));
    let res = plenum().arg("check").arg(&file).output().expect("runs");
    let err = stderr_of(&res);
    assert_eq!(res.status.code(), Some(2), "{err}");
    // Line 41 of the file, the path inside the string.
    let line = tunnel(VARIANTS)
        .lines()
        .position(|l| l.contains("seel"))
        .expect("line")
        + 1;
    let colm = tunnel(VARIANTS)
        .lines()
        .nth(line - 1)
        .and_then(|l| l.find("\"links.seel"))
        .expect("column")
        + 1;
    assert!(
        err.contains(&format!(
            "tunnel.ron:{line}:{colm}: error: variant 'broken'"
        )),
        "{err}"
    );
    assert!(err.contains("1 of 7 variants is invalid: broken"), "{err}");
}

/// The line and 1-based column of `needle` in `text`.
fn at(text: &str, needle: &str) -> String {
    let (i, l) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} in the text"));
    format!("{}:{}", i + 1, l.find(needle).expect("found") + 1)
}

#[test]
fn issue11_expression_errors_are_located_inside_the_string() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let text = tunnel("")
        .replace(r#""seal": "0.6835 * crack""#, r#""seal": "0.6835 * crak""#)
        .replace(
            r#""p0": "500 mmHg""#,
            r#""p0": "500 mmHg", "a": "b + 1 mm2", "b": "2 * a""#,
        )
        .replace(r#"below: "p0 - 1 mmHg""#, r#"below: "p0 - crack""#)
        .replace(r#"volume: "7 m3""#, r#"volume: "crack * p0""#);
    let file = write_file(tmp.path(), "bad.ron", &text);
    let res = plenum().arg("check").arg(&file).output().expect("runs");
    let err = stderr_of(&res);
    assert_eq!(res.status.code(), Some(2), "{err}");
    // An unknown name, with the closest one.
    assert!(
        err.contains(&format!(
            "bad.ron:{}: error: parameter 'seal': unknown parameter 'crak'",
            at(&text, "crak\"")
        )),
        "{err}"
    );
    assert!(err.contains("did you mean 'crack'?"), "{err}");
    // A cycle, named whole, at the reference that closes it in each parameter.
    let cycle = "parameters refer to each other in a cycle: a -> b -> a";
    assert!(
        err.contains(&format!(
            "bad.ron:{}: error: parameter 'a': {cycle}",
            at(&text, "b + 1 mm2")
        )),
        "{err}"
    );
    assert!(err.contains(&format!("parameter 'b': {cycle}")), "{err}");
    // Adding an area to a pressure: the whole operation is pointed at.
    assert!(
        err.contains(&format!(
            "bad.ron:{}: error: threshold 'prk.pressure': threshold: subtracts a pressure and an area",
            at(&text, "p0 - crack")
        )),
        "{err}"
    );
    // A result of the wrong dimension for the field.
    assert!(
        err.contains("volume: 'crack * p0' is a quantity in kg m s-2"),
        "{err}"
    );
    assert!(err.contains("expected: a volume, e.g. '75 m3'"), "{err}");
    // The values over `seal` (whose definition failed) are not reported again.
    assert!(!err.contains("unknown parameter 'seal'"), "{err}");
}

/// `runs.csv` of a sweep as (header, rows of fields).
fn runs(out: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(out.join("runs.csv")).expect("runs.csv");
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let p = out.join("runs-plain.csv");
    std::fs::write(&p, body).expect("write");
    let mut rdr = csv::ReaderBuilder::new().from_path(&p).expect("csv");
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = rdr
        .records()
        .map(|r| {
            r.expect("row")
                .iter()
                .map(|f| f.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    (header, rows)
}

#[test]
fn issue11_a_sweep_over_a_named_parameter_moves_the_linked_seal() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write_file(tmp.path(), "tunnel.ron", tunnel(""));
    let metrics = r#"metrics: [
        (name: "seal_flow", of: At(quantity: "seal.mass_flow", time: "1 h")),
        (name: "crack_flow", of: At(quantity: "crack.mass_flow", time: "1 h")),
        (name: "p_end", of: Final("prk.pressure")),
    ],"#;
    let linked = write_file(
        tmp.path(),
        "linked.ron",
        format!(
            r#"Sweep(base: "tunnel.ron", name: "linked", mode: Grid,
    parameters: [ (path: "parameters.crack", values: List(["0.02 mm2", "0.04 mm2"])) ],
    {metrics})"#
        ),
    );
    // The same two scenarios with both areas written out by hand: seal = 0.6835 x crack.
    let by_hand = write_file(
        tmp.path(),
        "by-hand.ron",
        format!(
            r#"Sweep(base: "tunnel.ron", name: "by-hand", mode: Grid,
    parameters: [
        (path: "links.crack.element.area", values: List(["0.02 mm2", "0.04 mm2"])),
        (path: "links.seal.element.area", values: List(["0.01367 mm2", "0.02734 mm2"])),
    ],
    {metrics})"#
        ),
    );
    let mut tables = Vec::new();
    for (f, name) in [(&linked, "linked"), (&by_hand, "by-hand")] {
        let out = tmp.path().join(name);
        plenum()
            .arg("sweep")
            .arg(f)
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .assert()
            .success();
        tables.push(runs(&out));
    }
    let (h, linked_rows) = &tables[0];
    assert_eq!(h[1], "parameters.crack_m2");
    assert_eq!(linked_rows.len(), 2);
    let (hh, hand_rows) = &tables[1];
    let m = |h: &[String], name: &str| h.iter().position(|c| c.starts_with(name)).expect(name);
    for row in linked_rows {
        let crack = row[1];
        // The by-hand run with this crack and the seal worked out by hand.
        let hand = hand_rows
            .iter()
            .find(|r| (r[1] - crack).abs() < 1e-15 && (r[2] - 0.6835 * crack).abs() < 1e-15)
            .expect("the matching by-hand run");
        // The two runs differ only by the rounding of the seal's area (0.6835 x crack in
        // binary against 0.01367 mm2 read as decimal), so their results agree to the
        // integrator's error control, not to round-off: a one-ulp change of a parameter may
        // change an adaptive step sequence. The scenario runs at the default rtol (1e-6);
        // a seal that did not follow the crack would be off by tens of percent.
        for metric in ["seal_flow", "crack_flow", "p_end"] {
            let (a, b) = (row[m(h, metric)], hand[m(hh, metric)]);
            assert!(
                (a - b).abs() <= 1e-6 * b.abs(),
                "{metric} at crack {crack}: {a} vs {b} by hand"
            );
        }
    }
    // Twice the crack, twice the seal: the flows double and the plateau stays.
    let (r0, r1) = (&linked_rows[0], &linked_rows[1]);
    let seal = m(h, "seal_flow");
    assert!(
        (r1[seal] / r0[seal] - 2.0).abs() < 1e-3,
        "{} {}",
        r0[seal],
        r1[seal]
    );
    let p = m(h, "p_end");
    assert!((r1[p] - r0[p]).abs() < 0.5 * MMHG);
    // A tunnel that holds its plateau: the seal feeds what the crack loses.
    let crack = m(h, "crack_flow");
    assert!(
        (r0[seal] / r0[crack] - 1.0).abs() < 0.01,
        "{} {}",
        r0[seal],
        r0[crack]
    );
}

#[test]
fn issue11_derived_metrics_are_computed_per_run_and_checked() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write_file(tmp.path(), "tunnel.ron", tunnel(""));
    let text = r#"Sweep(base: "tunnel.ron", name: "derived", mode: Grid,
    parameters: [
        (path: "parameters.crack", values: List(["0.02 mm2", "0.04 mm2"])),
        (path: "links.seal.element.area", values: List(["0 mm2"])),
    ],
    metrics: [
        (name: "t_490", of: TimeTo(quantity: "prk.pressure", below: "490 mmHg")),
        (name: "t_480", of: TimeTo(quantity: "prk.pressure", below: "480 mmHg")),
        (name: "dt", of: Derived("t_480 - t_490")),
        (name: "loss", of: LeakRate(boundary: "space")),
        (name: "lost_in_dt", of: Derived("loss * dt")),
        (name: "never", of: TimeTo(quantity: "prk.pressure", below: "1 mmHg")),
        (name: "after_never", of: Derived("never - t_490")),
    ],
)"#;
    let file = write_file(tmp.path(), "derived.ron", text);
    let out = tmp.path().join("out");
    plenum()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .success();
    let (h, rows) = runs(&out);
    let c = |name: &str| h.iter().position(|x| x == name).expect(name);
    assert_eq!(rows.len(), 2);
    for r in &rows {
        // By hand from the other columns: a time difference in s, and a mass in kg from a
        // leak rate in kg/day times that time.
        let dt = r[c("t_480_s")] - r[c("t_490_s")];
        assert!(dt > 0.0);
        assert!((r[c("dt_s")] - dt).abs() <= 1e-9 * dt, "{r:?}");
        let lost = r[c("loss_kg_per_day")] / 86_400.0 * dt;
        assert!((r[c("lost_in_dt_kg")] - lost).abs() <= 1e-9 * lost, "{r:?}");
        // A metric without a value gives its derived metrics none.
        assert!(r[c("after_never_s")].is_nan(), "{r:?}");
    }
    // Twice the crack, half the time between the two pressures.
    assert!((rows[0][c("dt_s")] / rows[1][c("dt_s")] - 2.0).abs() < 0.01);
    // A dimension error and an unknown name, located inside the string.
    let bad = text
        .replace(r#""loss * dt""#, r#""loss + dt""#)
        .replace(r#""t_480 - t_490""#, r#""t_480 - t_49""#);
    let file = write_file(tmp.path(), "bad.ron", &bad);
    let res = plenum().arg("check").arg(&file).output().expect("runs");
    let err = stderr_of(&res);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "bad.ron:{}: error: metric 'dt': unknown metric 't_49'",
            at(&bad, "t_49\"")
        )),
        "{err}"
    );
    assert!(err.contains("did you mean 't_490'?"), "{err}");
    // `lost_in_dt` reads `dt`, which was refused: not reported twice.
    assert!(!err.contains("unknown metric 'dt'"), "{err}");
    let bad = text.replace(r#""loss * dt""#, r#""loss + t_480""#);
    let file = write_file(tmp.path(), "bad2.ron", &bad);
    let res = plenum().arg("check").arg(&file).output().expect("runs");
    let err = stderr_of(&res);
    assert!(
        err.contains(&format!(
            "bad2.ron:{}: error: metric 'lost_in_dt': adds a mass flow and a time",
            at(&bad, "loss + t_480")
        )),
        "{err}"
    );
}
