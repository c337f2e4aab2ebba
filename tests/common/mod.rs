//! Helpers and fixtures shared by the end-to-end tests (`mod common;` in each test file).
// Each test binary uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub const DAY: f64 = 86_400.0;
pub const MMHG: f64 = 133.322_387_415;

/// The repository root: the shipped scenarios are relative to it.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `plenum` binary, run from the repository root.
pub fn plenum() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("plenum").expect("the plenum binary is built");
    c.current_dir(root());
    c
}

/// `plenum run FILE --out OUT`, which must succeed.
pub fn run_ok(file: impl AsRef<std::ffi::OsStr>, out: &Path) {
    plenum()
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, text).expect("write the file");
    file
}

/// A command's standard error as text.
pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `summary.json` of a results directory.
pub fn summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

/// A CSV table of numbers (a time series, a reference solution) as (headers, rows).
pub fn read_table(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
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

/// The index of column `name`.
pub fn col(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("column {name} in {headers:?}"))
}

/// The `.ron` files of `dir` (relative to the root) as (file stem, path relative to the
/// root), sorted.
pub fn ron_files(dir: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(root().join(dir))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .map(|p| {
            let name = p.file_stem().expect("stem").to_string_lossy().into_owned();
            let rel = format!("{dir}/{name}.ron");
            (name, rel)
        })
        .collect();
    files.sort();
    files
}

/// A small deterministic generator (xorshift64*): pseudo-random, the same on every run of a
/// test, so a failure reproduces.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// One cabin at 22 degC beside space, with `links` written between the brackets of
/// `links: [...]`.
pub fn cabin_and_space(
    name: &str,
    duration: &str,
    volume: &str,
    pressure: &str,
    links: &str,
) -> String {
    format!(
        r#"Scenario(
    name: "{name}",
    duration: "{duration}",
    compartments: [(name: "cabin", volume: "{volume}", pressure: "{pressure}", temperature: "22 degC")],
    boundaries: [(name: "space", kind: Vacuum)],
    links: [{links}],
)"#
    )
}

/// A 10 m3 cabin holed to space (1 mm2, Cd 0.6): fast, with plots.
pub fn tiny_scenario(duration: &str) -> String {
    cabin_and_space(
        "tiny",
        duration,
        "10 m3",
        "101.3 kPa",
        r#"(name: "hole", from: "cabin", to: "space", element: Orifice(area: "1 mm2", cd: 0.6))"#,
    )
}

/// A cabin (40 m3, 101.3 kPa) feeding a 7 m3 tunnel through a linear seal of conductance
/// `seal_k`, the tunnel cracked to space (0.08 mm2, Cd 1); `tail` ends the scenario
/// (e.g. an `outputs:` line).
pub fn cabin_and_tunnel(
    name: &str,
    duration: &str,
    tunnel_pressure: &str,
    seal_k: &str,
    tail: &str,
) -> String {
    scenario_with(
        name,
        duration,
        &[
            ("cabin", "40 m3", "101.3 kPa"),
            ("tunnel", "7 m3", tunnel_pressure),
        ],
        &[
            r#"(name: "seal", from: "cabin", to: "tunnel", element: Linear(k: SEAL_K))"#
                .replace("SEAL_K", seal_k)
                .as_str(),
            r#"(name: "crack", from: "tunnel", to: "space", element: Orifice(area: "0.08 mm2", cd: 1.0))"#,
        ],
        tail,
    )
}

/// A scenario of compartments `(name, volume, pressure)` at 22 degC, a vacuum boundary
/// `space` and `links` (each a RON link entry); `tail` ends the scenario.
pub fn scenario_with(
    name: &str,
    duration: &str,
    compartments: &[(&str, &str, &str)],
    links: &[&str],
    tail: &str,
) -> String {
    let compartments: String = compartments
        .iter()
        .map(|(n, v, p)| {
            format!(
                "        (name: \"{n}\", volume: \"{v}\", pressure: \"{p}\", temperature: \"22 degC\"),\n"
            )
        })
        .collect();
    let links: String = links.iter().map(|l| format!("        {l},\n")).collect();
    format!(
        "Scenario(\n    name: \"{name}\",\n    duration: \"{duration}\",\n    compartments: [\n{compartments}    ],\n    boundaries: [(name: \"space\", kind: Vacuum)],\n    links: [\n{links}    ],\n{tail})"
    )
}

/// The sweeps' base: the tunnel above the cabin at first, so the seal reverses.
pub fn sweep_base(duration: &str) -> String {
    cabin_and_tunnel("base", duration, "103 kPa", "1e-9", "")
}

/// The sweeps' usual parameter: the crack area, log-uniform over a decade.
pub const CRACK_AREA: &str =
    r#"(path: "links.crack.element.area", values: LogUniform(min: "0.02 mm2", max: "0.2 mm2")),"#;

/// The final tunnel pressure, the metric every sweep here records.
pub const TUNNEL_END: &str = r#"(name: "tunnel_end", of: Final("tunnel.pressure")),"#;

/// A sweep over `base.ron`: one parameter and one metric a line, then `tail` (e.g. a
/// `trajectories:` line).
pub fn sweep_text(
    seed: u64,
    mode: &str,
    parameters: &[&str],
    metrics: &[&str],
    tail: &str,
) -> String {
    let lines = |items: &[&str]| -> String {
        items
            .iter()
            .map(|i| format!("        {i}\n"))
            .collect::<String>()
    };
    format!(
        "Sweep(\n    base: \"base.ron\",\n    seed: {seed},\n    mode: {mode},\n    parameters: [\n{}    ],\n    metrics: [\n{}    ],\n{tail})",
        lines(parameters),
        lines(metrics)
    )
}

/// Writes `base.ron` ([`sweep_base`] of `duration`) and the sweep `text` as `name` into
/// `dir`; returns the sweep file.
pub fn write_sweep(dir: &Path, duration: &str, name: &str, text: &str) -> PathBuf {
    write_file(dir, "base.ron", sweep_base(duration));
    write_file(dir, name, text)
}

/// The standard error of a refusal (exit code 2, and no panic), with `/` for `\`; `what`
/// names the input in the failure messages.
pub fn refusal(out: &Output, what: &str) -> String {
    assert_eq!(out.status.code(), Some(2), "{what}");
    let stderr = String::from_utf8_lossy(&out.stderr).replace('\\', "/");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    stderr
}
