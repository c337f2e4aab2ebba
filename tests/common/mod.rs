//! Helpers and fixtures shared by the end-to-end tests (`mod common;` in each test file).
// Each test binary uses only some of these.
#![allow(dead_code)]

use std::path::Path;

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

/// A 10 m3 cabin holed to space (1 mm2, Cd 0.6): fast, with plots.
pub fn tiny_scenario(duration: &str) -> String {
    format!(
        r#"Scenario(
    name: "tiny",
    duration: "{duration}",
    compartments: [(name: "cabin", volume: "10 m3", pressure: "101.3 kPa", temperature: "22 degC")],
    boundaries: [(name: "space", kind: Vacuum)],
    links: [(name: "hole", from: "cabin", to: "space", element: Orifice(area: "1 mm2", cd: 0.6))],
)"#
    )
}

/// The sweeps' base: a cabin feeding a tunnel through a seal, the tunnel cracked to space.
pub fn sweep_base(duration: &str) -> String {
    format!(
        r#"Scenario(
    name: "base",
    duration: "{duration}",
    compartments: [
        (name: "cabin", volume: "40 m3", pressure: "101.3 kPa", temperature: "22 degC"),
        (name: "tunnel", volume: "7 m3", pressure: "103 kPa", temperature: "22 degC"),
    ],
    boundaries: [(name: "space", kind: Vacuum)],
    links: [
        (name: "seal", from: "cabin", to: "tunnel", element: Linear(k: 1e-9)),
        (name: "crack", from: "tunnel", to: "space", element: Orifice(area: "0.08 mm2", cd: 1.0)),
    ],
)"#
    )
}
