//! The runner library on shipped scenarios: no input makes it panic, the sweep-facing API
//! (`load` -> `NetworkParts` -> `simulate_run`) behaves, outputs use the links as they were
//! at each time, and the feature example covers the whole format.

use plenum_physics::{FlowElement, Network, Observer, Parameter, System};
use plenum_runner::{load, load_str, simulate_run};

mod common;

use common::root;

fn scenario_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "scenarios",
        "scenarios/examples",
        "scenarios/validation",
        "scenarios/invalid",
    ] {
        for e in std::fs::read_dir(root().join(dir)).expect("scenario dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "ron") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// Loading must return Ok or a non-empty list of problems, never panic, for any text.
fn survives(text: &str) {
    match load_str(text.to_string(), "garbage.ron") {
        Ok(l) => assert!(!l.network.compartments.is_empty()),
        Err(d) => {
            assert!(!d.is_empty());
            let rendered = d.to_string();
            assert!(rendered.contains("garbage.ron"));
        }
    }
}

#[test]
fn truncated_and_mangled_files_never_panic() {
    let mut rng = common::XorShift(0x9E37_79B9_7F4A_7C15);
    let mut next = move || rng.next_u64();
    let noise = [
        "(", ")", "[", "]", "{", "}", ",", ":", "\"", "-", "1e999", "NaN", "//", "/*", "Ramp(",
        "µ", "\u{0}", "m3", " ", "\n", "Some(", "None", "r#\"", "'", "0x1F", "1_0",
    ];
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).expect("read");
        // Every prefix that ends on a character boundary (in steps, to keep the test quick).
        let step = (text.len() / 150).max(1);
        let mut cut = 0;
        while cut <= text.len() {
            if text.is_char_boundary(cut) {
                survives(&text[..cut]);
            }
            cut += step;
        }
        // Random deletions, duplications and insertions of RON punctuation.
        for _ in 0..60 {
            let mut t = text.clone();
            for _ in 0..(1 + next() % 4) {
                let mut at = (next() as usize) % (t.len() + 1);
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                match next() % 3 {
                    0 => {
                        let mut end = (at + 1 + (next() as usize) % 12).min(t.len());
                        while !t.is_char_boundary(end) {
                            end -= 1;
                        }
                        t.replace_range(at..end, "");
                    }
                    1 => {
                        let mut end = (at + 1 + (next() as usize) % 20).min(t.len());
                        while !t.is_char_boundary(end) {
                            end -= 1;
                        }
                        let piece = t[at..end].to_string();
                        t.insert_str(at, &piece);
                    }
                    _ => t.insert_str(at, noise[(next() as usize) % noise.len()]),
                }
            }
            survives(&t);
        }
    }
    for junk in [
        "",
        " ",
        "\u{feff}",
        "()",
        "Scenario()",
        "Scenario(name: 5)",
        "[[[[[[[[[[",
        &"(".repeat(10_000),
        "Scenario(name: \"x\", duration: \"1 day\", compartments: [])",
    ] {
        survives(junk);
    }
}

#[test]
fn a_run_without_trajectory_summarises_the_same_as_with_it() {
    let l = load(&root().join("scenarios/prk-outward-to-inward.ron")).expect("valid");
    let light = simulate_run(&l.network, &l.config, &l.name, false).expect("runs");
    let full = simulate_run(&l.network, &l.config, &l.name, true).expect("runs");
    assert!(light.trajectory.is_none());
    assert_eq!(light.summary, full.summary);
    let rows = full.trajectory.expect("kept").rows;
    assert_eq!(rows.len(), l.config.output_times().len());
}

#[test]
fn sweeps_can_change_the_model_and_rerun() {
    // What a sweep does: take the loaded parts, change a parameter, rebuild, run.
    let l = load(&root().join("scenarios/soyuz-ms09-hole.ron")).expect("valid");
    let base = simulate_run(&l.network, &l.config, &l.name, false).expect("runs");
    let mut parts = l.parts.clone();
    let hole = parts
        .links
        .iter_mut()
        .find(|k| k.name == "hole")
        .expect("link");
    let FlowElement::Orifice { area, .. } = &hole.element else {
        panic!("the hole is an orifice")
    };
    let doubled = area.value(0.0) * 2.0;
    assert!(hole.element.set_parameter(Parameter::Area, doubled));
    let net = Network::new(parts).expect("still valid");
    let twice = simulate_run(&net, &l.config, &l.name, false).expect("runs");
    let rate = |s: &plenum_runner::Summary| s.boundaries[0].leak_rate_start_kg_per_day;
    assert!((rate(&twice.summary) / rate(&base.summary) - 2.0).abs() < 1e-9);
}

/// Records the flows the integrator's observer sees.
struct Flows(Vec<(f64, Vec<f64>)>);

impl Observer for Flows {
    fn observe(&mut self, system: &System<'_>, t: f64, y: &[f64]) {
        self.0.push((t, system.snapshot(t, y).flow));
    }
}

#[test]
fn outputs_show_each_link_as_it_was_at_that_time() {
    let l = load(&root().join("scenarios/prk-pressure-test.ron")).expect("valid");
    let full = simulate_run(&l.network, &l.config, &l.name, true).expect("runs");
    let rows = full.trajectory.expect("kept").rows;
    let fill = l.network.link("fill").expect("link").0;
    let day = 86_400.0;
    for r in &rows {
        let open = r.t > 3.0 * day && r.t <= 3.0 * day + 3600.0;
        assert_eq!(r.flow[fill] != 0.0, open, "fill valve flow at t = {}", r.t);
    }
    // The integrator's own observer agrees (it hands each output over with the switches
    // of its time).
    let mut seen = Flows(Vec::new());
    plenum_physics::simulate(
        &l.network,
        &l.config.settings,
        l.config.duration_s,
        &l.config.output_times(),
        &mut seen,
    )
    .expect("runs");
    for (r, (t, flow)) in rows.iter().zip(&seen.0) {
        assert_eq!(r.t, *t);
        assert_eq!(&r.flow, flow, "flows at t = {t}");
    }
}

#[test]
fn the_feature_example_uses_every_part_of_the_format() {
    let l = load(&root().join("scenarios/examples/every-feature.ron")).expect("valid");
    let mut kinds: Vec<&str> = Vec::new();
    fn walk<'a>(e: &'a FlowElement, kinds: &mut Vec<&'a str>) {
        kinds.push(e.kind());
        if let FlowElement::HatchSeal { seated, unseated } = e {
            walk(seated, kinds);
            walk(unseated, kinds);
        }
    }
    for link in &l.network.links {
        walk(&link.element, &mut kinds);
    }
    for k in [
        "Orifice",
        "PowerLaw",
        "ViscousCrack",
        "HatchSeal",
        "OpenHatch",
        "Linear",
        "Fan",
    ] {
        assert!(kinds.contains(&k), "no {k} in the example");
    }
    let text = &l.source;
    for needle in [
        "Steps(",
        "Ramp(",
        "Table(",
        "Exponential(",
        "PowerOfPressure(",
        "LinearInDp(",
        "Slit(",
        "Tube(",
        "leakage_area:",
        "diameter:",
        "Energy(",
        "Adiabatic",
        "Isothermal",
        "Reservoir(",
        "Vacuum",
        "At(",
        "Crosses(",
        "below:",
        "above:",
        "threshold:",
        "direction:",
        "Close(",
        "Open(",
        "Set(",
        "StartSource(",
        "StopSource(",
        "EndRun",
        "Log",
        "repeat:",
        "opening:",
        "open:",
        "active:",
        "thresholds:",
        "plots:",
        "solver:",
        "composition:",
    ] {
        assert!(text.contains(needle), "the example lacks {needle}");
    }
}

#[test]
fn a_run_ended_by_an_event_says_so() {
    let text = std::fs::read_to_string(root().join("scenarios/soyuz-ms09-hole.ron"))
        .expect("read")
        .replace(
            "    outputs: (",
            "    events: [(name: \"evacuate\", when: Crosses(quantity: \"station.pressure\", below: \"13.5 psi\"), action: EndRun)],\n    outputs: (",
        );
    let l = load_str(text, "end.ron").expect("valid");
    let r = simulate_run(&l.network, &l.config, &l.name, false).expect("runs");
    assert_eq!(r.summary.status, "ended by event 'evacuate'");
    let tolerable = r
        .summary
        .thresholds
        .iter()
        .find(|t| t.name.starts_with("tolerable"))
        .and_then(|t| t.first_crossing_s)
        .expect("crossed");
    assert!((r.summary.end_time_s - tolerable).abs() < 1e-6 * tolerable);
    let p = r.summary.compartments[0].final_pressure;
    assert!(
        (p / (13.5 * 6_894.757_293_168_361) - 1.0).abs() < 1e-6,
        "{p}"
    );
}

/// Parse + validate time of the default scenario. Run with
/// `cargo test --release --test scenarios -- --ignored --nocapture parse_and_validate_time`.
#[test]
#[ignore = "a measurement, not a check"]
fn parse_and_validate_time() {
    let path = root().join("scenarios/iss-prk-leak.ron");
    let text = std::fs::read_to_string(&path).expect("read");
    let n = 2000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        let l = load_str(text.clone(), "iss-prk-leak.ron").expect("valid");
        std::hint::black_box(l);
    }
    let per = start.elapsed().as_secs_f64() / n as f64;
    println!(
        "parse + validate iss-prk-leak.ron: {:.1} us per load ({n} loads)",
        per * 1e6
    );
}

/// Regression: the BDF driver failed with "Stop time is at the current state time" when a
/// threshold crossing was located within round-off before a schedule breakpoint (here the
/// heat-load step at 6 h); it now steps onto the breakpoint and runs on.
#[test]
fn issue_2_event_a_hair_before_a_breakpoint_runs_on() {
    let text = std::fs::read_to_string(root().join("scenarios/examples/every-feature.ron"))
        .expect("read")
        .replace(
            "rates: {\"O2\": \"4 kg/day\"}",
            "rates: {\"O2\": \"6 kg/day\"}",
        )
        .replace("above: \"21.2 kPa\"", "above: \"21.1 kPa\"");
    let l = load_str(text, "repro.ron").expect("valid");
    let r = simulate_run(&l.network, &l.config, &l.name, false);
    assert!(r.is_ok(), "{:?}", r.err());
}
