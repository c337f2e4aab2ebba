use super::readings::{parse, timestamp, Columns};
use super::solve::HypothesisFit;
use super::stats::{combination, compare, Criterion, Estimate};
use crate::units::Dimension;

const MMHG: f64 = 133.322_387_415;

#[test]
fn issue9_timestamps() {
    assert_eq!(timestamp("1970-01-01T00:00:00Z"), Some(0.0));
    assert_eq!(timestamp("1970-01-02"), Some(86_400.0));
    // 2021-03-12 is 18698 days after 1970-01-01.
    let t = timestamp("2021-03-12T08:30:15.5Z").expect("ok");
    assert_eq!(t, 18_698.0 * 86_400.0 + 8.0 * 3600.0 + 30.0 * 60.0 + 15.5);
    assert_eq!(timestamp("2021-03-12 11:30:15.5+03:00"), Some(t));
    assert_eq!(timestamp("2021-03-12T03:30:15.5-05:00"), Some(t));
    assert_eq!(timestamp("2024-02-29T00:00"), Some(19_782.0 * 86_400.0));
    for bad in [
        "2023-02-29",
        "2021-13-01",
        "2021-03-12T25:00",
        "2021-03-12X08:00",
        "730",
        "2021-03-12T08:00+3",
    ] {
        assert_eq!(timestamp(bad), None, "{bad}");
    }
}

#[test]
fn issue9_readings_units_gaps_and_errors() {
    let cols = Columns::default();
    let s = parse(
        b"# c\ntime_h,p_mmHg\n0,730\n1.5,\n2,720 mmHg\n3, 100 kPa\n",
        Dimension::Pressure,
        &cols,
    )
    .expect("ok");
    assert_eq!(s.times, vec![0.0, 7200.0, 10_800.0]);
    assert!((s.values[0] - 730.0 * MMHG).abs() < 1e-9);
    assert!((s.values[1] - 720.0 * MMHG).abs() < 1e-9);
    assert_eq!(s.values[2], 100_000.0);
    // Units from the fit file when the header has none.
    let cols = Columns {
        time_unit: Some("day"),
        value_unit: Some("psi"),
        start: None,
    };
    let s = parse(b"t,p\n1,14.7\n", Dimension::Pressure, &cols).expect("ok");
    assert_eq!(s.times, vec![86_400.0]);
    // Every bad row is reported, each with its line.
    let e = parse(
        b"time_h,p_mmHg\n0,abc\nx,1\n2,3\n1,4\n",
        Dimension::Pressure,
        &Columns::default(),
    )
    .expect_err("refused");
    let lines: Vec<u64> = e.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3, 5], "{e:?}");
    assert!(e[2].message.contains("time goes backwards"), "{e:?}");
    let e = parse(b"t,p\n1,2\n", Dimension::Pressure, &Columns::default()).expect_err("refused");
    assert!(e[0].message.contains("no unit"), "{e:?}");
    let e =
        parse(b"time_h,p_mmHg\n", Dimension::Pressure, &Columns::default()).expect_err("refused");
    assert!(e[0].message.contains("no readings"), "{e:?}");
}

#[test]
fn issue9_combinations_in_words() {
    let n = ["V", "A", "p0"];
    assert_eq!(
        combination(
            &n[..2],
            &[
                std::f64::consts::FRAC_1_SQRT_2,
                -std::f64::consts::FRAC_1_SQRT_2
            ]
        ),
        "V/A"
    );
    // A direction has no sign: the same combination either way.
    assert_eq!(
        combination(
            &n[..2],
            &[
                -std::f64::consts::FRAC_1_SQRT_2,
                std::f64::consts::FRAC_1_SQRT_2
            ]
        ),
        "V/A"
    );
    assert_eq!(
        combination(
            &n[..2],
            &[
                std::f64::consts::FRAC_1_SQRT_2,
                std::f64::consts::FRAC_1_SQRT_2
            ]
        ),
        "V·A"
    );
    assert_eq!(combination(&n, &[0.0, 1.0, 0.01]), "A");
    assert_eq!(combination(&n, &[0.5, -1.0, 0.0]), "V^-0.5·A");
}

/// A fitted hypothesis with `k` parameters and the given chi^2, for the comparison.
fn scored(name: &str, k: usize, chi2: f64) -> HypothesisFit {
    let estimate = Estimate {
        path: "p".into(),
        dim: Dimension::Area,
        value: 1.0,
        se: None,
        lower95: None,
        upper95: None,
        log: false,
        profile_lower95: None,
        profile_upper95: None,
        at_bound: false,
    };
    HypothesisFit {
        name: name.into(),
        description: None,
        variant: None,
        error: None,
        estimates: vec![estimate; k],
        theta: vec![1.0; k],
        chi2,
        rms: vec![],
        fitted: vec![],
        correlation: vec![],
        conditioning: 1.0,
        identifiability: None,
        starts: vec![],
        runs: 0,
        profiles: vec![],
    }
}

#[test]
fn issue9_verdict_by_bic_or_aicc() {
    // A one-parameter law and the law that nests it with one parameter more, which lowers
    // chi^2 by 3 on n = 50 readings: AICc's penalty difference is 2 + 12/47 - 4/48 = 2.172
    // and BIC's ln 50 = 3.912, so AICc prefers the nesting law and BIC the simpler one.
    let fits = [scored("simple", 1, 50.0), scored("nesting", 2, 47.0)];
    let n = 50;
    let bic = compare(&fits, n, 0.0, Criterion::Bic);
    let aicc = compare(&fits, n, 0.0, Criterion::Aicc);
    assert_eq!(
        bic.scores, aicc.scores,
        "the scores do not depend on the criterion"
    );
    let s = &bic.scores;
    // Weights: w_i = exp(-delta_i/2) / sum, from each criterion's deltas.
    let d_bic = s[1].bic - s[0].bic;
    assert!((d_bic - ((50f64).ln() - 3.0)).abs() < 1e-12, "{d_bic}");
    let w = 1.0 / (1.0 + (-d_bic / 2.0).exp());
    assert!((s[0].bic_weight - w).abs() < 1e-12);
    assert!((s[0].bic_weight + s[1].bic_weight - 1.0).abs() < 1e-12);
    let d_aicc = s[0].aicc - s[1].aicc;
    assert!((d_aicc - (3.0 - 2.0 - 12.0 / 47.0 + 4.0 / 48.0)).abs() < 1e-12);
    assert!((s[1].weight - 1.0 / (1.0 + (-d_aicc / 2.0).exp())).abs() < 1e-12);
    assert_eq!(s[0].weight_by(Criterion::Bic), s[0].bic_weight);
    assert_eq!(s[0].weight_by(Criterion::Aicc), s[0].weight);
    // Neither weight reaches 0.9, and each verdict names its criterion's leader first.
    assert_eq!(
        bic.verdict,
        format!(
            "these readings cannot tell simple from nesting (BIC weights {:.2}, {:.2})",
            s[0].bic_weight, s[1].bic_weight
        )
    );
    assert_eq!(
        aicc.verdict,
        format!(
            "these readings cannot tell nesting from simple (AICc weights {:.2}, {:.2})",
            s[1].weight, s[0].weight
        )
    );
    // A clear case: chi^2 10 lower with one parameter fewer.
    let fits = [scored("a", 1, 40.0), scored("b", 2, 50.0)];
    let c = compare(&fits, n, 0.0, Criterion::Bic);
    assert!(
        c.verdict
            .starts_with("the data favour a over b, BIC weight 1.00"),
        "{}",
        c.verdict
    );
    assert_eq!(Criterion::default(), Criterion::Bic);
}

/// The points [`super::solve::fill`] adds to one side of a profile, on a parabola
/// delta = d^2 (the interval's end at sqrt(3.84)), each held fit started from the nearest
/// point already made.
#[test]
fn issue9_profile_fill_adds_the_middle_and_the_outside() {
    use super::solve::{fill, Eval, PROFILE_DELTA, PROFILE_SPAN};
    let end = PROFILE_DELTA.sqrt();
    let at = |d: f64| vec![d, 10.0 * d];
    let eval = |d: f64| Eval {
        d,
        delta: d * d,
        at: at(d),
        grid: false,
    };
    let starts = std::cell::RefCell::new(Vec::new());
    let held = |d: f64, from: &[f64]| {
        starts.borrow_mut().push(from.to_vec());
        Some((d * d, at(d)))
    };
    // The search's points: two past the end (below 3.84 + (6 - 3.84)/2), none in the middle.
    let mut seen = vec![eval(end * 1.03), eval(end * 1.02)];
    fill(&mut seen, Some(end), 10.0, &[0.0, 0.0], held);
    let added: Vec<(f64, f64)> = seen
        .iter()
        .filter(|e| e.grid)
        .map(|e| (e.d, e.delta))
        .collect();
    assert_eq!(added.len(), 2, "{added:?}");
    assert_eq!(added[0].0, end / 2.0);
    let outer = end * (PROFILE_SPAN / PROFILE_DELTA).sqrt();
    assert!((added[1].0 - outer).abs() < 1e-12 && (added[1].1 - PROFILE_SPAN).abs() < 1e-9);
    // The middle one starts from the best fit (nearer than the end), the outer from the end.
    let starts = starts.into_inner();
    assert_eq!(starts[0], vec![0.0, 0.0]);
    assert_eq!(starts[1], at(end * 1.03));

    // Nothing to add where the search already has a middle point and rose far enough; the
    // outer point stops at the bound; a side that never rose is filled to half its reach.
    let mut seen = vec![eval(end * 0.5), eval(end * 2.0)];
    fill(&mut seen, Some(end), 10.0, &[0.0, 0.0], |_, _| None);
    assert_eq!(seen.len(), 2);
    let mut seen = vec![eval(end)];
    fill(&mut seen, Some(end), end * 1.1, &[0.0, 0.0], |d, _| {
        Some((d * d, at(d)))
    });
    assert_eq!(seen.last().map(|e| e.d), Some(end * 1.1));
    let mut seen = vec![eval(0.2), eval(0.4)];
    fill(&mut seen, None, 0.4, &[0.0, 0.0], |d, _| {
        Some((d * d, at(d)))
    });
    assert_eq!(
        seen.iter().filter(|e| e.grid).count(),
        0,
        "0.2 is in the middle of 0.4"
    );
    let mut seen = vec![eval(0.4)];
    fill(&mut seen, None, 0.4, &[0.0, 0.0], |d, _| {
        Some((d * d, at(d)))
    });
    assert_eq!(seen.last().map(|e| (e.d, e.grid)), Some((0.2, true)));
}
