//! Issue 9, point 5: `plenum design`. Two hypotheses whose readings diverge at a known rate
//! (a vessel fed by a constant mass source, and the same vessel sealed) give the separation
//! time and the scores in closed form; the shipped 2025 design is checked against the
//! numbers its files work out by hand.

mod common;

use std::path::{Path, PathBuf};

use common::{plenum, root, stderr_of, write_file, MMHG};
use plenum_runner::design::{self, Design, DesignResult};

const DATA: &str = "tests/data/issue9_design";

/// dp/dt of the fed vessel: R T mdot / V (Pa/s).
const RATE: f64 = 287.05 * 300.0 * 1e-6 / 1.0;
/// sigma_eff of the test sensor: sqrt(0.5^2 + 1^2/12) Pa.
fn sigma() -> f64 {
    (0.25f64 + 1.0 / 12.0).sqrt()
}
/// z_0.975 sqrt(2) sigma_eff.
fn threshold() -> f64 {
    1.959_963_984_540_054 * std::f64::consts::SQRT_2 * sigma()
}

fn load(name: &str) -> (Design, DesignResult) {
    let d = design::load_design(&root().join(DATA).join(name)).expect("design loads");
    let r = design::design_all(&d);
    (d, r)
}

fn proc_index(d: &Design, name: &str) -> usize {
    d.procedures
        .iter()
        .position(|p| p.name == name)
        .expect("procedure")
}

fn hyp_index(d: &Design, name: &str) -> usize {
    d.hypotheses
        .iter()
        .position(|h| h.name == name)
        .expect("hypothesis")
}

#[test]
fn issue9_design_separation_time_is_the_closed_form() {
    let (d, r) = load("design.ron");
    assert!((d.threshold(0) - threshold()).abs() < 1e-8 * threshold());
    let t_exact = threshold() / RATE; // 18.58 s
    assert!((t_exact - 18.583).abs() < 1e-3, "{t_exact}");
    for name in ["watch", "long"] {
        let p = &r.procedures[proc_index(&d, name)];
        let pair = &p.pairs[0];
        // The first reading (every 1 s) past the exact time...
        assert_eq!(pair.separation, Some(t_exact.ceil()), "{name}");
        // ...and the interpolated crossing equals it to the solver's tolerance (the
        // difference is linear in t, so the interpolation is exact).
        let c = pair.crossing.expect("crossing");
        assert!((c - t_exact).abs() < 1e-5 * t_exact, "{c} vs {t_exact}");
        // chi^2 = (a/sigma)^2 sum t_i^2 over t_i = 0, 1, ..., T.
        let n = if name == "watch" { 60.0 } else { 120.0 };
        let sum_t2 = n * (n + 1.0) * (2.0 * n + 1.0) / 6.0;
        let chi2 = (RATE / sigma()).powi(2) * sum_t2;
        assert!(
            (pair.chi2 - chi2).abs() < 1e-6 * chi2,
            "{} vs {chi2}",
            pair.chi2
        );
        assert_eq!(
            pair.score, pair.chi2,
            "stated hypotheses: the score is chi^2"
        );
        let max = pair.max_difference[0];
        assert!((max - RATE * n).abs() < 1e-6 * RATE * n, "{max}");
    }
}

#[test]
fn issue9_design_never_within_a_short_window_and_the_ranking() {
    let (d, r) = load("design.ron");
    let short = &r.procedures[proc_index(&d, "short")];
    // 10 s of watching: the difference reaches 0.86 Pa < 1.60 Pa.
    assert_eq!(short.pairs[0].separation, None);
    assert_eq!(short.worst_time, None);
    assert!((short.pairs[0].max_difference[0] - 10.0 * RATE).abs() < 1e-6);
    // watch and long separate at the same reading; long scores higher, short never.
    let names: Vec<&str> = r
        .order
        .iter()
        .map(|&i| d.procedures[i].name.as_str())
        .collect();
    assert_eq!(names, ["long", "watch", "short"]);
    assert_eq!(r.procedures[proc_index(&d, "long")].rank, 1);
    assert_eq!(r.procedures[proc_index(&d, "short")].rank, 3);
}

#[test]
fn issue9_design_t_optimal_refit_of_a_free_rival() {
    let (d, r) = load("design-free.ron");
    let pair = &r.procedures[0].pairs[0];
    let fed = hyp_index(&d, "fed");
    let sealed = hyp_index(&d, "sealed");
    assert_eq!(
        pair.refits.len(),
        1,
        "only the sealed vessel has a free parameter"
    );
    let f = &pair.refits[0];
    assert_eq!((f.truth, f.rival), (fed, sealed));
    // A constant fitted to the line 100 kPa + a t over t = 0..60 s: the mean, 100 kPa + 30 a,
    // and chi^2 = (a/sigma)^2 sum (t_i - 30)^2 = (a/sigma)^2 x 18 910.
    let t_opt = (RATE / sigma()).powi(2) * 18_910.0;
    assert!(
        (f.chi2 - t_opt).abs() < 1e-6 * t_opt,
        "{} vs {t_opt}",
        f.chi2
    );
    assert!(
        (f.theta[0] - (100_000.0 + 30.0 * RATE)).abs() < 1e-6,
        "{:?}",
        f.theta
    );
    let stated = (RATE / sigma()).powi(2) * 73_810.0;
    assert!((pair.chi2 - stated).abs() < 1e-6 * stated);
    assert_eq!(pair.score, f.chi2, "the score is the least of the two");
}

#[test]
fn issue9_design_2025_slopes_match_the_hand_numbers() {
    let d =
        design::load_design(&root().join("scenarios/diagnosis/design-2025.ron")).expect("loads");
    let r = design::design_all(&d);
    let p = proc_index(&d, "vent_300");
    // Readings every 10 min; the vent closes at 300 mmHg after about 30 min. The secant
    // slope between 1 h and 2 h is dp/dt at the mean pressure to second order.
    let (i1, i2) = (6, 12);
    let slope = |h: &str, f: &dyn Fn(f64) -> f64| {
        let y = &r.predictions[p][hyp_index(&d, h)].readings[0];
        let (p1, p2) = (y[i1] / MMHG, y[i2] / MMHG);
        let got = (p2 - p1) / (1.0 / 24.0); // mmHg/day
        let mid = (p1 + p2) / 2.0;
        (got, f(mid), mid)
    };
    // The header's laws: crack 1.679 (p/760)^2 kg/day, seal 1.281 (1 - (p/760)^2) kg/day,
    // 1 kg/day = 90.78 mmHg/day in the 7 m3 tunnel.
    let crack = |p: f64| 1.678_76 * (p / 760.0).powi(2) * 90.78;
    let seal = |p: f64| 1.281_10 * (1.0 - (p / 760.0).powi(2)) * 90.78;
    let (g, want, mid) = slope("crack_only", &|p| -crack(p));
    assert!((mid - 299.5).abs() < 1.0, "{mid}");
    assert!(
        (g - want).abs() < 0.01 * want.abs(),
        "crack_only {g} vs {want}"
    );
    assert!((want - -23.75).abs() < 0.5, "{want}");
    let (g, want, _) = slope("seal_fed", &|p| seal(p) - crack(p));
    assert!(
        (g - want).abs() < 0.01 * want.abs(),
        "seal_fed {g} vs {want}"
    );
    assert!((want - 74.4).abs() < 1.0, "{want}");
    let (g, _, mid) = slope("sealed", &|_| 0.0);
    assert!(
        g.abs() < 1e-6 && (mid - 300.0).abs() < 0.5,
        "sealed {g} at {mid}"
    );
    // Under `watch`, sealed and seal_fed both hold the plateau (p* = 500.0 mmHg): never
    // told apart; crack_only falls at 66 mmHg/day, apart after 1.154/65.96 day = 25 min,
    // so at the 30-min reading.
    let w = &r.procedures[proc_index(&d, "watch")];
    let pair = |a: &str, b: &str| {
        let (a, b) = (hyp_index(&d, a), hyp_index(&d, b));
        w.pairs
            .iter()
            .find(|x| (x.a, x.b) == (a.min(b), a.max(b)))
            .expect("pair")
            .clone()
    };
    assert_eq!(pair("sealed", "seal_fed").separation, None);
    assert!(pair("sealed", "seal_fed").max_difference[0] < 1.0 * MMHG);
    assert_eq!(pair("sealed", "crack_only").separation, Some(1800.0));
    let c = pair("sealed", "crack_only").crossing.expect("crossing");
    assert!((c / 60.0 - 25.2).abs() < 0.5, "{c}");
    // The ranking: watching alone never tells sealed from seal_fed; venting to 400 mmHg
    // balances the slowest pairs and is best.
    assert_eq!(w.rank, 4);
    assert_eq!(d.procedures[r.best()].name, "vent_400");
    let best = r.procedures[r.best()].worst_time.expect("separates");
    assert!(best > 40.0 * 60.0 && best < 70.0 * 60.0, "{best}");
}

fn out_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "design.json",
        "design.csv",
        "predicted-readings.csv",
        "summary.txt",
    ]
    .iter()
    .map(|n| (n.to_string(), std::fs::read(dir.join(n)).expect("file")))
    .collect()
}

#[test]
fn issue9_design_cli_writes_its_outputs_deterministically() {
    let t = tempfile::tempdir().expect("tmp");
    let file = root().join(DATA).join("design-free.ron");
    let mut outs = Vec::new();
    for (k, threads) in ["1", "2"].iter().enumerate() {
        let out = t.path().join(format!("o{k}"));
        let o = plenum()
            .env("RAYON_NUM_THREADS", threads)
            .args(["design"])
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", stderr_of(&o));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("best procedure: watch"), "{stdout}");
        for f in [
            "design.png",
            "design.svg",
            "design-differences.png",
            "design-differences.svg",
        ] {
            assert!(out.join(f).is_file(), "{f}");
        }
        outs.push(out_files(&out));
    }
    assert_eq!(outs[0], outs[1], "the same bytes on 1 and 2 threads");
    let csv = String::from_utf8_lossy(&outs[0][1].1).into_owned();
    assert!(csv.starts_with("procedure,rank,hypothesis_a,hypothesis_b,separation_time_s"));
    assert!(csv.contains("watch,1,fed,sealed,1.9e1,"), "{csv}");
    let json: serde_json::Value =
        serde_json::from_slice(&outs[0][0].1).expect("design.json is JSON");
    assert_eq!(json["best_procedure"], "watch");
    assert!(json["provenance"]["design_sha256"]
        .as_str()
        .is_some_and(|s| s.len() == 64));
    // A directory holding a file Plenum did not write is refused, exit 2.
    let foreign = t.path().join("foreign");
    std::fs::create_dir(&foreign).expect("dir");
    write_file(&foreign, "notes.txt", "mine");
    let o = plenum()
        .arg("design")
        .arg(&file)
        .arg("--out")
        .arg(&foreign)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", stderr_of(&o));
    assert!(foreign.join("notes.txt").is_file());
}

fn bad(dir: &Path, text: &str) -> String {
    let scenario = root().join(DATA).join("vessel.ron");
    let f: PathBuf = write_file(
        dir,
        "bad.ron",
        text.replace("SCENARIO", &scenario.display().to_string()),
    );
    let o = plenum()
        .arg("design")
        .arg(&f)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", stderr_of(&o));
    let err = stderr_of(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.join("out").exists());
    err
}

#[test]
fn issue9_design_bad_input_is_located() {
    let t = tempfile::tempdir().expect("tmp");
    let head = r#"Design(name: "b", scenario: "SCENARIO",
    sensors: [(quantity: "v.pressure", resolution: "1 Pa", interval: "1 s")],
    hypotheses: [(name: "fed"), (name: "sealed", variant: "sealed")],
"#;
    // A syntax error.
    let e = bad(
        t.path(),
        &format!("{head}    procedures: [(name: \"w\" window: \"1 s\")],\n)"),
    );
    assert!(e.contains("bad.ron:4:"), "{e}");
    // A window that is not a time, located at its procedure.
    let e = bad(
        t.path(),
        &format!("{head}    procedures: [\n        (name: \"w\", window: \"2 parsec\")],\n)"),
    );
    assert!(e.contains("bad.ron:5:9: procedure 'w': window"), "{e}");
    // An event that opens a link the scenario lacks, located at its procedure.
    let e = bad(
        t.path(),
        &format!(
            "{head}    procedures: [\n        (name: \"w\", window: \"5 s\", events: [(name: \"x\", when: At(\"1 s\"), action: Open(\"valve\"))])],\n)"
        ),
    );
    assert!(
        e.contains("bad.ron:5:9: hypothesis 'fed' under procedure 'w'"),
        "{e}"
    );
    assert!(e.contains("valve"), "{e}");
    // An unknown sensor quantity and an undeclared variant.
    let e = bad(
        t.path(),
        r#"Design(name: "b", scenario: "SCENARIO",
    sensors: [(quantity: "w.pressure", resolution: "1 Pa", interval: "1 s")],
    hypotheses: [(name: "fed"), (name: "sealed", variant: "shut")],
    procedures: [(name: "w", window: "5 s")],
)"#,
    );
    assert!(
        e.contains("bad.ron:2:15: sensor 1 ('w.pressure'): quantity"),
        "{e}"
    );
    assert!(
        e.contains("bad.ron:3:33: hypothesis 'sealed': variant 'shut' is not declared"),
        "{e}"
    );
    assert!(e.contains("sealed"), "{e}");
    // One hypothesis only.
    let e = bad(
        t.path(),
        r#"Design(name: "b", scenario: "SCENARIO",
    sensors: [(quantity: "v.pressure", noise: "1 Pa", interval: "1 s")],
    hypotheses: [(name: "fed")],
    procedures: [(name: "w", window: "5 s")],
)"#,
    );
    assert!(e.contains("1 hypotheses; expected at least 2"), "{e}");
}
