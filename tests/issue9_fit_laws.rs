//! Issue 9, "Show it works" for the fit, law by law: noise-free readings recover every
//! hypothesis's true parameters (orifice, laminar crack by its gap, laminar crack by its
//! conductance k, pressure-dependent area law, start pressure free); 95 % intervals cover
//! the truth at the binomial rate for the area law; model comparison over three laws on a
//! 20-day decay read at 1 mmHg; the conductance form in the scenario format.
//!
//! Synthetic readings are made by Plenum itself (the fit's own model at the true
//! parameters, through the gauge model of `plenum plot --sensor-*`), as in issue9_fit.rs,
//! which holds the orifice and laminar coverage and the identifiability warning for a free
//! volume and area (not repeated here).

mod common;

use std::path::{Path, PathBuf};

use common::{plenum, stderr_of, write_file, DAY, MMHG};
use plenum_runner::config::Sensor;
use plenum_runner::fit::{self, Fit, FitOptions, FitResult, Model};
use plenum_runner::output::plots::gauge;

/// The isolated PrK (7 m3, 730 mmHg, 22 degC) leaking to space, with the four laws as the
/// base and variants.
const SCENARIO: &str = r#"Scenario(
    name: "laws",
    duration: "20 day",
    compartments: [(name: "prk", volume: "7 m3", pressure: "730 mmHg", temperature: "22 degC")],
    boundaries: [(name: "space", kind: Vacuum)],
    links: [(name: "crack", from: "prk", to: "space", element: Orifice(area: "0.05 mm2", cd: 1.0))],
    variants: [
        (name: "laminar", links: [(name: "crack", from: "prk", to: "space",
            element: ViscousCrack(geometry: Slit(width: "45 mm", gap: "15 um", depth: "5 mm")))]),
        (name: "laminar_k", links: [(name: "crack", from: "prk", to: "space",
            element: ViscousCrack(geometry: Conductance(k: "1e-15 kg/(s Pa2)", opening: "1 mm2")))]),
        (name: "area_law", links: [(name: "crack", from: "prk", to: "space",
            element: Orifice(area: "0.05 mm2", cd: 1.0,
                             area_law: PowerOfPressure(p0: "730 mmHg", k: 0.5)))]),
    ],
)
"#;

const P0: &str = r#"(path: "compartments.prk.pressure", lower: "700 mmHg", upper: "760 mmHg", guess: "725 mmHg")"#;
const AREA: &str = r#"(path: "links.crack.element.area", lower: "0.001 mm2", upper: "10 mm2", guess: "0.05 mm2", log: true)"#;
const GAP: &str = r#"(path: "links.crack.element.gap", lower: "1 um", upper: "200 um", guess: "15 um", log: true)"#;
const K: &str = r#"(path: "links.crack.element.k", lower: "1e-17 kg/(s Pa2)", upper: "1e-13 kg/(s Pa2)", guess: "1e-15 kg/(s Pa2)", log: true)"#;
const EXPONENT: &str =
    r#"(path: "links.crack.element.area_law.k", lower: "-2", upper: "3", guess: "0.3")"#;

/// Truths: an orifice of 0.037 mm2; a slit of gap 17.3 um; the same slit's conductance
/// k = w h^3 / (24 L mu R T) = 0.045 (17.3e-6)^3 / (0.12 x 1.83e-5 x 287 x 295.15)
/// = 1.25e-15 kg/(s Pa2); an area law A0 = 0.037 mm2, k = 0.5.
const TRUE_AREA: f64 = 0.037e-6;
const TRUE_GAP: f64 = 17.3e-6;
const TRUE_K: f64 = 1.25e-15;
const TRUE_EXPONENT: f64 = 0.5;

fn hypothesis(name: &str, variant: Option<&str>, free: &[&str]) -> String {
    let v = variant
        .map(|v| format!(r#"variant: "{v}", "#))
        .unwrap_or_default();
    format!(r#"(name: "{name}", {v}free: [{}])"#, free.join(", "))
}

/// A fit file in `dir` over `readings.csv` (with the scenario beside it).
fn write_fit(dir: &Path, sensor: &str, hypotheses: &[String], starts: usize) -> PathBuf {
    write_file(dir, "laws.ron", SCENARIO);
    let text = format!(
        r#"Fit(name: "laws", scenario: "laws.ron", starts: {starts}, profile: false,
    readings: [(file: "readings.csv", quantity: "prk.pressure", {sensor})],
    hypotheses: [{}])"#,
        hypotheses.join(", ")
    );
    write_file(dir, "fit.ron", text)
}

fn write_readings(dir: &Path, times: &[f64], values: &[f64]) {
    let mut s = String::from("time_s,pressure_Pa\n");
    for (t, v) in times.iter().zip(values) {
        s.push_str(&format!("{t:.17e},{v:.17e}\n"));
    }
    write_file(dir, "readings.csv", s);
}

/// `n` reading times over `days`, irregularly spaced.
fn times(n: usize, days: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let u = i as f64 / (n - 1) as f64;
            (u + 0.3 * u * (1.0 - u)) * days * DAY
        })
        .collect()
}

/// The readings hypothesis `h` gives at `truth` (read through `sensor` when given).
fn readings(dir: &Path, h: usize, truth: &[f64], t: &[f64], sensor: Option<&Sensor>) -> Vec<f64> {
    write_readings(dir, t, &vec![100_000.0; t.len()]);
    let placeholder = fit::load_fit(&dir.join("fit.ron")).expect("fit file loads");
    let clean = Model::new(&placeholder, &placeholder.hypotheses[h])
        .predict(truth)
        .expect("the truth runs")
        .remove(0);
    match sensor {
        Some(s) => gauge(s, "synthetic", &clean),
        None => clean,
    }
}

/// The fit in `dir` with readings of hypothesis `h` at `truth`.
fn synthetic(dir: &Path, h: usize, truth: &[f64], t: &[f64], sensor: Option<&Sensor>) -> Fit {
    let values = readings(dir, h, truth, t, sensor);
    write_readings(dir, t, &values);
    fit::load_fit(&dir.join("fit.ron")).expect("fit file loads")
}

fn run(fit: &Fit) -> FitResult {
    fit::fit_all(fit, &FitOptions::of(fit))
}

fn sensor(seed: u64, noise_mmhg: f64) -> Sensor {
    Sensor {
        resolution: MMHG,
        noise: noise_mmhg * MMHG,
        bias: 0.0,
        seed,
    }
}

#[test]
fn issue9_noise_free_every_law_recovered_to_1e6_with_the_start_pressure() {
    let t = times(50, 20.0);
    let p0 = 731.5 * MMHG;
    let cases: [(String, Vec<f64>); 4] = [
        (
            hypothesis("orifice", None, &[AREA, P0]),
            vec![TRUE_AREA, p0],
        ),
        (
            hypothesis("laminar", Some("laminar"), &[GAP, P0]),
            vec![TRUE_GAP, p0],
        ),
        (
            hypothesis("laminar_k", Some("laminar_k"), &[K, P0]),
            vec![TRUE_K, p0],
        ),
        (
            hypothesis("area_law", Some("area_law"), &[AREA, EXPONENT, P0]),
            vec![TRUE_AREA, TRUE_EXPONENT, p0],
        ),
    ];
    for (h, truth) in &cases {
        let d = tempfile::tempdir().expect("ok");
        write_fit(d.path(), r#"noise: "0.01 Pa""#, std::slice::from_ref(h), 2);
        let f = synthetic(d.path(), 0, truth, &t, None);
        let r = run(&f);
        let hf = &r.hypotheses[0];
        assert!(hf.error.is_none(), "{}: {:?}", hf.name, hf.error);
        for (e, want) in hf.estimates.iter().zip(truth) {
            let rel = (e.value / want - 1.0).abs();
            assert!(
                rel < 1e-6,
                "{}: {} = {} vs truth {want}: relative error {rel:e}",
                hf.name,
                e.path,
                e.value
            );
        }
        eprintln!("{}: recovered in {} runs", hf.name, hf.runs);
    }
}

#[test]
fn issue9_conductance_and_gap_fit_the_same_readings_alike() {
    // Readings of the slit (gap 17.3 um): the conductance fit finds the slit's k, and the
    // two fits leave the same chi^2 (the cap of a 1 mm2 opening is 20 times the flow, so
    // it changes the flow by 20^-4/4 = 2e-6 relative, and the slit's own cap about as
    // little).
    let t = times(50, 20.0);
    let d = tempfile::tempdir().expect("ok");
    let hyps = [
        hypothesis("laminar", Some("laminar"), &[GAP]),
        hypothesis("laminar_k", Some("laminar_k"), &[K]),
    ];
    write_fit(
        d.path(),
        r#"resolution: "1 mmHg", noise: "0.3 mmHg""#,
        &hyps,
        1,
    );
    let f = synthetic(d.path(), 0, &[TRUE_GAP], &t, Some(&sensor(3, 0.3)));
    let r = run(&f);
    let (gap, k) = (&r.hypotheses[0], &r.hypotheses[1]);
    // k of the fitted gap, by the slit's formula (mu 1.83e-5 Pa s, the scenario gas's R,
    // T 295.15 K): the fitted k must match it to the precision of the two fits.
    let h = gap.theta[0];
    let r_gas = 8.314_462_618 / 0.028_965_46;
    let k_of_gap = 0.045 * h.powi(3) / (24.0 * 5e-3 * 1.83e-5 * r_gas * 295.15);
    let rel = (k.theta[0] / k_of_gap - 1.0).abs();
    assert!(rel < 2e-3, "k {:e} vs the gap's {k_of_gap:e}", k.theta[0]);
    assert!(
        (gap.chi2 - k.chi2).abs() < 1e-3 * gap.chi2.max(1.0),
        "chi2 {} vs {}",
        gap.chi2,
        k.chi2
    );
}

/// The two-sided band an exact binomial count of `n` trials at probability `p` falls in
/// with probability at least 1 - alpha: the largest `lo` with P(X < lo) <= alpha/2 and the
/// smallest `hi` with P(X > hi) <= alpha/2, from the binomial probabilities themselves.
fn binomial_band(n: u64, p: f64, alpha: f64) -> (u64, u64) {
    // ln pmf by recursion, ln pmf(k+1) = ln pmf(k) + ln((n-k)/(k+1) p/(1-p)), normalised
    // at its peak so that nothing underflows.
    let mut ln = vec![n as f64 * (1.0 - p).ln(); n as usize + 1];
    for k in 0..n as usize {
        ln[k + 1] = ln[k] + ((n as f64 - k as f64) / (k as f64 + 1.0) * p / (1.0 - p)).ln();
    }
    let peak = ln.iter().copied().fold(f64::MIN, f64::max);
    let pmf: Vec<f64> = ln.iter().map(|l| (l - peak).exp()).collect();
    let total: f64 = pmf.iter().sum();
    let mut lo = 0;
    let mut below = 0.0;
    while below + pmf[lo as usize] / total <= alpha / 2.0 {
        below += pmf[lo as usize] / total;
        lo += 1;
    }
    let mut hi = n;
    let mut above = 0.0;
    while above + pmf[hi as usize] / total <= alpha / 2.0 {
        above += pmf[hi as usize] / total;
        hi -= 1;
    }
    (lo, hi)
}

#[test]
fn issue9_binomial_band_is_exact() {
    // n = 200, p = 0.95 (mean 190, sd 3.08), alpha = 0.001, so 5e-4 on each side, summed
    // from the pmf: P(X <= 178) = 4.8e-4 <= 5e-4 < P(X <= 179) = 1.16e-3, so the lower end
    // is 179; P(X >= 199) = 4.0e-4 <= 5e-4 < P(X >= 198) = 2.3e-3, so the upper end is 198.
    assert_eq!(binomial_band(200, 0.95, 0.001), (179, 198));
    // The band holds at least 1 - alpha of the probability.
    let (lo, hi) = binomial_band(50, 0.3, 0.05);
    assert!(lo < 15 && hi > 15);
}

/// Replicates of the area-law coverage run in the normal test run.
const COVERAGE_REPLICATES: u64 = 200;

#[test]
fn issue9_area_law_intervals_cover_the_truth_95_percent() {
    // A decay through an orifice whose area follows the pressure (A0, k free), 30 readings
    // over 20 days at 1 mmHg with 0.5 mmHg of noise, 200 replicates (seeds 0..200). Each
    // parameter's 95 % Jacobian interval must hold the truth in a count inside the exact
    // binomial band of n = 200, p = 0.95 at alpha = 0.001 per parameter (0.002 for the
    // pair): 179..=198 (derived in issue9_binomial_band_is_exact).
    let n = COVERAGE_REPLICATES;
    let t = times(30, 20.0);
    let d = tempfile::tempdir().expect("ok");
    let h = hypothesis("area_law", Some("area_law"), &[AREA, EXPONENT]);
    write_fit(
        d.path(),
        r#"resolution: "1 mmHg", noise: "0.5 mmHg""#,
        &[h],
        0,
    );
    let truth = [TRUE_AREA, TRUE_EXPONENT];
    let clean = readings(d.path(), 0, &truth, &t, None);
    let mut covered = [0u64; 2];
    for seed in 0..n {
        write_readings(
            d.path(),
            &t,
            &gauge(&sensor(seed, 0.5), "synthetic", &clean),
        );
        let f = fit::load_fit(&d.path().join("fit.ron")).expect("fit file loads");
        let r = run(&f);
        let hf = &r.hypotheses[0];
        assert!(hf.error.is_none(), "seed {seed}: {:?}", hf.error);
        for (i, e) in hf.estimates.iter().enumerate() {
            let (lo, hi) = (e.lower95.expect("ok"), e.upper95.expect("ok"));
            if lo <= truth[i] && truth[i] <= hi {
                covered[i] += 1;
            }
        }
    }
    let band = binomial_band(n, 0.95, 0.001);
    eprintln!(
        "area law: A0 covered {} of {n}, k covered {} of {n}; band {band:?}",
        covered[0], covered[1]
    );
    for (i, c) in covered.iter().enumerate() {
        assert!(
            (band.0..=band.1).contains(c),
            "parameter {i}: {c} of {n} intervals hold the truth; band {band:?}"
        );
    }
}

/// The comparison of orifice, laminar and area law on readings generated by `h` at
/// `truth`, over `n` seeds: how often the verdict (the default criterion's top weight) and
/// each criterion rank the generating law first, and how often the generating law beats
/// the one rival that does not contain it.
struct Picks {
    verdict: u64,
    aicc: u64,
    bic: u64,
    over_non_nested: u64,
}

fn picks(h: usize, truth: &[f64], n: u64) -> Picks {
    let t = times(50, 20.0);
    let d = tempfile::tempdir().expect("ok");
    let hyps = [
        hypothesis("orifice", None, &[AREA]),
        hypothesis("laminar", Some("laminar"), &[GAP]),
        hypothesis("area_law", Some("area_law"), &[AREA, EXPONENT]),
    ];
    write_fit(
        d.path(),
        r#"resolution: "1 mmHg", noise: "0.3 mmHg""#,
        &hyps,
        1,
    );
    let clean = readings(d.path(), h, truth, &t, None);
    let mut p = Picks {
        verdict: 0,
        aicc: 0,
        bic: 0,
        over_non_nested: 0,
    };
    for seed in 0..n {
        write_readings(
            d.path(),
            &t,
            &gauge(&sensor(seed, 0.3), "synthetic", &clean),
        );
        let f = fit::load_fit(&d.path().join("fit.ron")).expect("fit file loads");
        let r = run(&f);
        let s = &r.comparison.scores;
        assert_eq!(s.len(), 3);
        assert_eq!(r.comparison.criterion, fit::stats::Criterion::Bic);
        let best = |key: &dyn Fn(&fit::stats::Score) -> f64| {
            (0..3)
                .min_by(|&a, &b| key(&s[a]).total_cmp(&key(&s[b])))
                .expect("three")
        };
        let name = &r.hypotheses[h].name;
        let index = |n: &str| s.iter().position(|x| x.name == n).expect("scored");
        let top = &s[best(&|x| -x.weight_by(r.comparison.criterion))];
        p.verdict += u64::from(top.name == *name);
        // The verdict names the top hypothesis first.
        let verdict = &r.comparison.verdict;
        assert!(
            verdict.starts_with(&format!("the data favour {}", top.name))
                || verdict.starts_with("these readings cannot tell"),
            "seed {seed}: {verdict}"
        );
        p.aicc += u64::from(s[best(&|x| x.aicc)].name == *name);
        p.bic += u64::from(s[best(&|x| x.bic)].name == *name);
        // Orifice and laminar do not contain each other; the area law contains both.
        let rival = match h {
            0 => "laminar",
            _ => "orifice",
        };
        p.over_non_nested += u64::from(s[index(name)].aicc < s[index(rival)].aicc);
    }
    p
}

/// Replicates per generating law in the comparison.
const COMPARISON_REPLICATES: u64 = 200;

#[test]
fn issue9_comparison_of_three_laws_picks_the_generating_law() {
    // Each law generates a 20-day decay read at 1 mmHg (0.3 mmHg noise), 200 seeds each;
    // orifice (A), laminar (gap) and area law (A0, k) are fitted to every replicate, and the
    // verdict (BIC weights, the default criterion) must name the generating law first in at
    // least 90 % of them.
    //
    // The area law contains the orifice (k = 0) and the laminar crack's p^2 shape (k = 1),
    // so on readings of those two it fits at least as well with one parameter more. A
    // criterion then prefers the nesting law exactly when chi^2 drops by more than its
    // penalty difference D, which the drop, a chi^2(1) variable, does with probability
    // q = erfc(sqrt(D/2)):
    // - BIC: D = ln 50 = 3.912, q = 0.048, so the truth comes first about 95 % of the time;
    // - AICc: D = 2 + 2*2*3/(50-3) - 2*1*2/(50-2) = 2.172, q = 0.1405, so about 86 %: which
    //   is why the verdict uses BIC (docs/diagnosis.md, "Which criterion decides").
    // Both counts are checked against their exact binomial bands at alpha = 0.01, and the
    // area law, which nests nothing wrongly, comes first under both in at least 90 %.
    let n = COMPARISON_REPLICATES;
    let cases: [(&str, usize, Vec<f64>); 3] = [
        ("orifice", 0, vec![TRUE_AREA]),
        ("laminar", 1, vec![TRUE_GAP]),
        ("area_law", 2, vec![TRUE_AREA, TRUE_EXPONENT]),
    ];
    let at_least_90 = (9 * n).div_ceil(10);
    for (name, h, truth) in &cases {
        let p = picks(*h, truth, n);
        eprintln!(
            "{name} generated: the verdict picks it in {} of {n} (BIC {}, AICc {}), it beats the non-nested rival in {}",
            p.verdict, p.bic, p.aicc, p.over_non_nested
        );
        assert_eq!(p.verdict, p.bic, "{name}: the verdict follows BIC");
        assert!(
            p.verdict >= at_least_90,
            "{name}: the verdict picks it in {} of {n}",
            p.verdict
        );
        assert_eq!(p.over_non_nested, n, "{name} lost to the non-nested rival");
        if *name == "area_law" {
            assert!(
                p.aicc >= at_least_90,
                "{name}: AICc picks it in {} of {n}",
                p.aicc
            );
        } else {
            for (criterion, count, q) in [("BIC", p.bic, 0.048), ("AICc", p.aicc, 0.1405)] {
                let band = binomial_band(n, 1.0 - q, 0.01);
                assert!(
                    (band.0..=band.1).contains(&count),
                    "{name}: {criterion} picks it in {count} of {n}, band {band:?}"
                );
            }
        }
    }
}

#[test]
fn issue9_conductance_in_the_scenario_format() {
    let d = tempfile::tempdir().expect("ok");
    let scenario = |element: &str| {
        format!(
            r#"Scenario(name: "c", duration: "1 h",
    compartments: [(name: "prk", volume: "7 m3", pressure: "730 mmHg", temperature: "22 degC")],
    boundaries: [(name: "space", kind: Vacuum)],
    links: [(name: "crack", from: "prk", to: "space",
        element: {element})],
)
"#
        )
    };
    let check = |element: &str| {
        let f = write_file(d.path(), "c.ron", scenario(element));
        plenum().arg("check").arg(&f).output().expect("ok")
    };
    // Good: with and without a reference temperature.
    for good in [
        r#"ViscousCrack(geometry: Conductance(k: "1.25e-15 kg/(s Pa2)", opening: "1 mm2"))"#,
        r#"ViscousCrack(geometry: Conductance(k: "1.25e-15 kg/(s Pa^2)", opening: "1 mm2", temperature: "22 degC"))"#,
    ] {
        let out = check(good);
        assert_eq!(out.status.code(), Some(0), "{good}: {}", stderr_of(&out));
    }
    // Bad: each error names the file, line and column, what is wrong and what was expected.
    for (bad, want) in [
        (
            r#"ViscousCrack(geometry: Conductance(k: "1e-15 kg/s", opening: "1 mm2"))"#,
            "c.ron:5:",
        ),
        (
            r#"ViscousCrack(geometry: Conductance(k: "-1e-15 kg/(s Pa2)", opening: "1 mm2"))"#,
            "c.ron:5:",
        ),
        (
            r#"ViscousCrack(geometry: Conductance(k: "1e-15 kg/(s Pa2)"))"#,
            "c.ron:5:",
        ),
        (
            r#"ViscousCrack(geometry: Conductance(k: "1e-15 kg/(s Pa2)", opening: "1 mm2"), viscosity: "18 uPa s")"#,
            "c.ron:5:",
        ),
    ] {
        let out = check(bad);
        let e = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{bad}: {e}");
        assert!(e.contains(want) && e.contains("expected"), "{bad}: {e}");
    }
    let e = stderr_of(&check(
        r#"ViscousCrack(geometry: Conductance(k: "1e-15 kg/(s Pa2)", opening: "1 mm2"), viscosity: "18 uPa s")"#,
    ));
    assert!(e.contains("has no viscosity"), "{e}");
    let e = stderr_of(&check(
        r#"ViscousCrack(geometry: Conductance(k: "1e-15 kg/s", opening: "1 mm2"))"#,
    ));
    assert!(e.contains("kg/(s Pa2)"), "{e}");
}

fn parse_strict(html: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("report.html is not well-formed: {e}"))
}

fn elements<'a, 'i>(doc: &'a roxmltree::Document<'i>, tag: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == tag)
        .collect()
}

fn text_of(n: roxmltree::Node<'_, '_>) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect()
}

#[test]
fn issue9_fit_report_html() {
    // Three laws on the shipped 20-day synthetic decay, with a description that needs
    // escaping and a free volume beside the area (the identifiability warning).
    let d = tempfile::tempdir().expect("ok");
    let dir = common::root().join("scenarios/diagnosis");
    let text = format!(
        r#"Fit(name: "report", description: "a <b>test</b> & \"its\" report",
    scenario: "{}", starts: 1, profile: true,
    readings: [(file: "{}", quantity: "prk.pressure", resolution: "1 mmHg", noise: "0.3 mmHg")],
    hypotheses: [
        (name: "orifice", free: [{AREA},
            (path: "compartments.prk.volume", lower: "1 m3", upper: "30 m3", guess: "5 m3", log: true)]),
        {},
        {},
    ])"#,
        dir.join("prk-decay.ron").display(),
        dir.join("synthetic-decay.csv").display(),
        hypothesis("laminar", Some("laminar"), &[GAP, P0]),
        hypothesis("area_law", Some("area_law"), &[EXPONENT]),
    );
    let f = write_file(d.path(), "fit.ron", text);
    let out_dir = d.path().join("out");
    let out = plenum()
        .arg("fit")
        .arg(&f)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .expect("ok");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("report.html"));
    let html = std::fs::read_to_string(out_dir.join("report.html")).expect("report.html");
    let doc = parse_strict(&html);
    let all = text_of(doc.root_element());
    assert!(
        all.contains("a <b>test</b> & \"its\" report"),
        "description escaped"
    );
    assert!(!html.contains("<b>test</b>"), "raw markup from user text");
    let h2: Vec<String> = elements(&doc, "h2").into_iter().map(text_of).collect();
    for want in [
        "Verdict",
        "Readings and fits",
        "Parameters",
        "Warnings",
        "Readings and method",
        "Files",
        "Base scenario",
        "Provenance",
    ] {
        assert!(h2.iter().any(|h| h == want), "section {want} in {h2:?}");
    }
    // Both charts inline (readings and fits, residuals), and each hypothesis's profile
    // chart beside its parameters; nothing fetched.
    let svgs = elements(&doc, "svg");
    assert_eq!(
        svgs.len(),
        2 + 3,
        "two inline charts and three profile charts"
    );
    for h in ["orifice", "laminar", "area_law"] {
        assert!(all.contains(&format!("Profile likelihood of {h}")), "{h}");
    }
    for tag in ["script", "img", "link", "iframe"] {
        assert!(elements(&doc, tag).is_empty(), "<{tag}> in the report");
    }
    // The comparison table: one row per hypothesis, the verdict in words.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("fit.json")).expect("ok"))
            .expect("json");
    let verdict = json["verdict"].as_str().expect("verdict");
    assert!(all.contains(verdict), "verdict {verdict}");
    let tables = elements(&doc, "table");
    let comparison = tables
        .iter()
        .find(|t| text_of(**t).contains("Akaike weight"))
        .expect("comparison table");
    let rows = comparison
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "tr")
        .count();
    assert_eq!(rows, 4, "header and three hypotheses");
    // Parameter table with intervals, the warning naming V/A, provenance hashes.
    assert!(all.contains("95 % lower") && all.contains("profile 95 %"));
    assert!(all.contains("links.crack.element.gap"));
    assert!(
        all.contains("is determined by these readings"),
        "identifiability warning"
    );
    assert!(all.contains(json["provenance"]["fit_sha256"].as_str().expect("sha")));
    assert!(all.contains(
        json["provenance"]["readings"][0]["sha256"]
            .as_str()
            .expect("sha")
    ));
}
