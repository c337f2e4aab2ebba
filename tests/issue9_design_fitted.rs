//! Issue 9, point 5: `plenum design` with hypotheses taken from a fit result. The vessel of
//! tests/issue9_design.rs fed at 1e-6 kg/s is fitted by `plenum fit` to noiseless readings
//! (its feed rate free, in ln); the design then separates it from the sealed vessel at the
//! closed-form time of a test that counts the fitted rate's uncertainty:
//!
//! the difference is a t (a = R T mdot / V), its variance from the fit (a t r)^2 with
//! r = se(ln mdot), so the pair is told apart once a t > z sqrt(2 sigma^2 + (a t r)^2):
//! t* = z sqrt(2) sigma / (a sqrt(1 - z^2 r^2)), and never when z r >= 1.

mod common;

use std::path::{Path, PathBuf};

use common::{plenum, root, stderr_of, write_file};
use plenum_runner::design::{self, Design, DesignResult};

const DATA: &str = "tests/data/issue9_design_fitted";
const Z: f64 = 1.959_963_984_540_054;
/// R T / V of the vessel (Pa per kg).
const RT_V: f64 = 287.05 * 300.0 / 1.0;

/// sigma_eff of the design's sensor: sqrt(0.5^2 + 1^2/12) Pa.
fn sigma() -> f64 {
    (0.25f64 + 1.0 / 12.0).sqrt()
}

fn scenario() -> PathBuf {
    root().join("tests/data/issue9_design/vessel.ron")
}

/// `plenum fit` of `tests/data/issue9_design_fitted/NAME.ron` into `out`.
fn fit(name: &str, out: &Path) -> serde_json::Value {
    let o = plenum()
        .arg("fit")
        .arg(root().join(DATA).join(format!("{name}.ron")))
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr_of(&o));
    let text = std::fs::read_to_string(out.join("fit.json")).expect("fit.json");
    serde_json::from_str(&text).expect("fit.json is JSON")
}

/// A design of the fitted `fed` hypothesis (from `fit_json`) against the sealed vessel.
fn design_text(fit_json: &str, extra: &str) -> String {
    format!(
        r#"Design(name: "vessel-fitted", scenario: "{}",
    sensors: [(quantity: "v.pressure", resolution: "1 Pa", noise: "0.5 Pa", interval: "1 s")],
    hypotheses: [
        (name: "fed", fit: "{fit_json}"{extra}),
        (name: "sealed", variant: "sealed"),
    ],
    procedures: [(name: "watch", window: "60 s")],
)"#,
        scenario().display()
    )
}

fn load(dir: &Path, text: &str) -> (Design, DesignResult) {
    let f = write_file(dir, "design.ron", text);
    let d = design::load_design(&f).expect("design loads");
    let r = design::design_all(&d);
    (d, r)
}

/// (mdot, se(ln mdot)) of the fit's `fed` hypothesis, checked against its covariance.
fn fitted_rate(json: &serde_json::Value) -> (f64, f64) {
    let h = &json["hypotheses"][0];
    let p = &h["parameters"][0];
    let m = p["value"].as_f64().expect("value");
    let se = p["standard_error"].as_f64().expect("se");
    assert_eq!(p["coordinate"], "ln");
    let var = h["covariance"][0][0].as_f64().expect("covariance");
    let r = var.sqrt();
    assert!((r - se / m).abs() < 1e-12 * r, "{r} vs {}", se / m);
    (m, r)
}

#[test]
fn issue9_design_fitted_separation_is_the_closed_form() {
    let t = tempfile::tempdir().expect("tmp");
    let json = fit("fit-fed", &t.path().join("fit"));
    assert_eq!(json["format"], "plenum-fit");
    let (m, r) = fitted_rate(&json);
    // The readings are the truth, so the fit recovers it (to the fit's tolerance), and
    // se(ln mdot) = sigma_fit / (a sqrt(sum t^2)) with sum t^2 = 2870 over t = 0..20 s.
    assert!((m - 1e-6).abs() < 1e-6 * 1e-6, "{m}");
    let a = RT_V * m;
    let r_exact = 1.5 / (a * 2870f64.sqrt());
    assert!((r - r_exact).abs() < 1e-5 * r_exact, "{r} vs {r_exact}");
    assert!(Z * r < 1.0);
    let (d, res) = load(t.path(), &design_text("fit/fit.json", ""));
    assert!(d.hypotheses[0].fitted.is_some() && d.hypotheses[1].fitted.is_none());
    let pair = &res.procedures[0].pairs[0];
    let t_star = Z * std::f64::consts::SQRT_2 * sigma() / (a * (1.0 - (Z * r).powi(2)).sqrt());
    assert!((t_star - 24.114).abs() < 0.01, "{t_star}");
    // Later than the stated hypotheses' 18.58 s: the reading after t*...
    assert_eq!(pair.separation, Some(t_star.ceil()));
    // ...and the crossing interpolated linearly in the excess e(t) = a t - z sqrt(2 sigma^2
    // + (a r t)^2), whose curvature bounds the interpolation's error: |e''| dt^2 / 8 / e'
    // (dt = 1 s), plus the solver's (relative 1e-5, as in tests/issue9_design.rs).
    let s2 = 2.0 * sigma().powi(2);
    let ar2 = (a * r).powi(2);
    let t0 = t_star.floor();
    let e2 = Z * ar2 * s2 / (s2 + ar2 * t0 * t0).powf(1.5);
    let e1 = a - Z * ar2 * t_star / (s2 + ar2 * t_star * t_star).sqrt();
    let tol = e2 / 8.0 / e1 + 1e-5 * t_star;
    let c = pair.crossing.expect("crossing");
    assert!((c - t_star).abs() < tol, "{c} vs {t_star} (tol {tol})");
    assert!((c - t_star).abs() > 1e-6, "the bound is not vacuous here");
    // The variance the design used is (a t r)^2 at every reading, to the accuracy of a
    // central difference of two runs (step h = 1e-4 in ln mdot), each good to the fit's
    // absolute tolerance: the sensitivity a t is off by at most 2 atol / (2 h a t) of itself.
    let var = &res.predictions[0][0].variance[0];
    let atol = plenum_runner::fit::model::FIT_ATOL_PA;
    for (i, v) in var.iter().enumerate() {
        let ti = i as f64;
        let want = (a * ti * r).powi(2);
        let rel = if i == 0 {
            0.0
        } else {
            2.0 * (2.0 * atol / (2e-4 * a * ti))
        };
        assert!(
            (v - want).abs() <= rel * want + 1e-18,
            "t = {i}: {v} vs {want}"
        );
    }
    assert!(
        res.predictions[0][1].variance.is_empty(),
        "sealed is stated"
    );
}

#[test]
fn issue9_design_fitted_never_separates_when_the_rate_is_too_uncertain() {
    let t = tempfile::tempdir().expect("tmp");
    let json = fit("fit-weak", &t.path().join("fit"));
    let (m, r) = fitted_rate(&json);
    assert!(Z * r >= 1.0, "z r = {}", Z * r);
    let (_, res) = load(t.path(), &design_text("fit/fit.json", ""));
    let pair = &res.procedures[0].pairs[0];
    assert_eq!(pair.separation, None);
    assert_eq!(res.procedures[0].worst_time, None);
    // The stated difference is as large as ever (60 s of a t): only its uncertainty grew.
    let max = pair.max_difference[0];
    assert!((max - RT_V * m * 60.0).abs() < 1e-6 * max, "{max}");
    // Fixing the rate by `set` (over the fit's value) removes its uncertainty: the stated
    // closed form, 18.58 s, is back.
    let (_, res) = load(
        t.path(),
        &design_text(
            "fit/fit.json",
            r#", set: {"sources.feed.rate.air": "1e-6 kg/s"}"#,
        ),
    );
    assert!(
        res.predictions[0][0].variance.is_empty()
            || res.predictions[0][0].variance[0].iter().all(|v| *v == 0.0)
    );
    assert_eq!(res.procedures[0].pairs[0].separation, Some(19.0));
}

/// The lines of a file but the one naming Plenum's version.
fn without_version(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.contains("\"plenum_version\""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn issue9_design_fitted_stated_outputs_are_unchanged() {
    // The outputs of the stated designs as the release before fitted hypotheses wrote them,
    // re-recorded when small networks moved to Plenum's own BDF: the numbers moved by at most
    // 1.4e-10 relative (a chi^2 of differences of pressures, at rtol 1e-10).
    let t = tempfile::tempdir().expect("tmp");
    for name in ["design", "design-free"] {
        let out = t.path().join(name);
        let o = plenum()
            .arg("design")
            .arg(format!("tests/data/issue9_design/{name}.ron"))
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", stderr_of(&o));
        for f in [
            "design.json",
            "design.csv",
            "predicted-readings.csv",
            "summary.txt",
        ] {
            let want = std::fs::read(root().join(DATA).join("main-outputs").join(name).join(f))
                .expect("golden");
            let got = std::fs::read(out.join(f)).expect("output");
            if f == "design.json" {
                assert_eq!(without_version(&got), without_version(&want), "{name}/{f}");
            } else {
                assert!(got == want, "{name}/{f} changed");
            }
        }
    }
}

fn refused(dir: &Path, text: &str) -> String {
    let f = write_file(dir, "bad.ron", text);
    let o = plenum()
        .arg("design")
        .arg(&f)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .expect("runs");
    let err = stderr_of(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.join("out").exists());
    err
}

#[test]
fn issue9_design_fitted_bad_fit_results_are_located() {
    let t = tempfile::tempdir().expect("tmp");
    fit("fit-fed", &t.path().join("fit"));
    // The `fit:` entry sits on line 4, column 28 of every file below.
    let at = "bad.ron:4:28: hypothesis 'fed': fit: ";
    // A hypothesis the fit does not have.
    let e = refused(
        t.path(),
        &design_text("fit/fit.json", r#", hypothesis: "leaky""#),
    );
    assert!(e.contains(at), "{e}");
    assert!(
        e.contains("has no hypothesis 'leaky'; expected one of: fed"),
        "{e}"
    );
    // A fit of another scenario (the same vessel, its file changed).
    let other = write_file(
        t.path(),
        "other.ron",
        std::fs::read_to_string(scenario()).expect("scenario") + "// changed\n",
    );
    let e = refused(
        t.path(),
        &design_text("fit/fit.json", "").replace(
            &scenario().display().to_string(),
            &other.display().to_string(),
        ),
    );
    assert!(e.contains(at), "{e}");
    assert!(e.contains("is a fit of scenario"), "{e}");
    assert!(
        e.contains("expected a fit of the design's base scenario"),
        "{e}"
    );
    // A JSON file that is not a Plenum fit result, one that is not JSON, and none at all.
    write_file(
        t.path(),
        "foreign.json",
        r#"{"fit": "x", "hypotheses": []}"#,
    );
    let e = refused(t.path(), &design_text("foreign.json", ""));
    assert!(e.contains(at), "{e}");
    assert!(e.contains("is not a Plenum fit result"), "{e}");
    write_file(t.path(), "broken.json", "{\"format\": ");
    let e = refused(t.path(), &design_text("broken.json", ""));
    assert!(e.contains(at) && e.contains("is not JSON"), "{e}");
    let e = refused(t.path(), &design_text("missing/fit.json", ""));
    assert!(
        e.contains(at) && e.contains("cannot read fit result"),
        "{e}"
    );
    assert!(e.contains("run `plenum fit` first"), "{e}");
}

#[test]
fn issue9_design_fitted_cli_is_deterministic() {
    let t = tempfile::tempdir().expect("tmp");
    fit("fit-fed", &t.path().join("fit"));
    let file = write_file(t.path(), "design.ron", design_text("fit/fit.json", ""));
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = t.path().join(format!("o{threads}"));
        let o = plenum()
            .env("RAYON_NUM_THREADS", threads)
            .arg("design")
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", stderr_of(&o));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("fed vs sealed: apart at 25 s"), "{stdout}");
        let files: Vec<Vec<u8>> = [
            "design.json",
            "design.csv",
            "predicted-readings.csv",
            "summary.txt",
            "design.svg",
        ]
        .iter()
        .map(|f| std::fs::read(out.join(f)).expect("file"))
        .collect();
        outs.push(files);
    }
    assert_eq!(outs[0], outs[1], "the same bytes on 1 and 2 threads");
    let csv = String::from_utf8_lossy(&outs[0][2]);
    assert!(
        csv.starts_with(
            "procedure,hypothesis,quantity,time_s,expected_reading_si,parameter_sd_si\n"
        ),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_slice(&outs[0][0]).expect("JSON");
    assert_eq!(json["hypotheses"][0]["fit"]["hypothesis"], "fed");
    assert!(json["method"]["parameter_uncertainty"].is_string());
}

#[test]
fn issue9_design_fitted_shipped_synthetic_design_runs_after_its_fit() {
    // The shipped design takes its hypotheses from the shipped synthetic fit's result, and
    // says which command makes it.
    let dir = root().join("scenarios/diagnosis");
    let design_text = std::fs::read_to_string(dir.join("design-synthetic.ron")).expect("design");
    assert!(design_text.contains("plenum fit scenarios/diagnosis/synthetic.ron"));
    // The shipped fit, without its 60-day projections (which the design does not read).
    let t = tempfile::tempdir().expect("tmp");
    let fit_text = std::fs::read_to_string(dir.join("synthetic.ron")).expect("fit");
    let cut = fit_text.find("predict:").expect("the fit projects");
    let fit_file = write_file(
        t.path(),
        "synthetic.ron",
        fit_text[..cut]
            .replace(
                "\"synthetic-decay.csv\"",
                &format!("\"{}\"", dir.join("synthetic-decay.csv").display()),
            )
            .replace(
                "\"prk-decay.ron\"",
                &format!("\"{}\"", dir.join("prk-decay.ron").display()),
            )
            + ")\n",
    );
    let o = plenum()
        .arg("fit")
        .arg(&fit_file)
        .arg("--out")
        .arg(t.path().join("fit"))
        .arg("--quiet")
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr_of(&o));
    let design_file = write_file(
        t.path(),
        "design.ron",
        design_text
            .replace("../../out/synthetic-decay/fit.json", "fit/fit.json")
            .replace(
                "\"prk-decay.ron\"",
                &format!("\"{}\"", dir.join("prk-decay.ron").display()),
            ),
    );
    let d = design::load_design(&design_file).expect("design loads");
    assert!(d.hypotheses.iter().all(|h| h.fitted.is_some()));
    let r = design::design_all(&d);
    let idx = |n: &str| d.hypotheses.iter().position(|h| h.name == n).expect("h");
    let (orifice, laminar, area) = (idx("orifice"), idx("laminar"), idx("area_law"));
    for (p, proc) in r.procedures.iter().enumerate() {
        for pair in &proc.pairs {
            let both = |a: usize, b: usize| (pair.a, pair.b) == (a.min(b), a.max(b));
            if both(laminar, area) {
                // Two p^2 laws: never apart, their stated difference under the threshold.
                assert_eq!(pair.separation, None, "{}", d.procedures[p].name);
                assert!(pair.max_difference[0] < d.threshold(0));
            } else {
                assert!(both(orifice, laminar) || both(orifice, area));
                assert!(pair.separation.is_some(), "{}", d.procedures[p].name);
            }
        }
        // Every fitted hypothesis carries its parameters' variance, zero at t = 0 only where
        // the procedure states the start pressure.
        for pred in &r.predictions[p] {
            assert_eq!(pred.variance.len(), 1);
            assert!(pred.variance[0].iter().all(|v| v.is_finite() && *v >= 0.0));
        }
    }
}
