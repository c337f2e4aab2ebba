//! Every flow law, evaluated directly: zero flow at dp = 0, oddness (or the documented
//! exception), monotonicity in the upstream pressure, C1 continuity at the dp = 0
//! regularisation and at the choke point, analytic partial derivatives against central finite
//! differences, and one value per law worked by hand.

use plenum_physics::element::transition_dp;
use plenum_physics::{
    choke_factor, critical_ratio, AreaLaw, CrackGeometry, FlowElement, GasState, Schedule,
};

/// Reference air of DESIGN.md: R = 287.05 J/(kg K), gamma = 1.4.
const R: f64 = 287.05;
const GAMMA: f64 = 1.4;
const P_ATM: f64 = 101_325.0;

fn st(p: f64, t: f64) -> GasState {
    GasState {
        p,
        t,
        r: R,
        gamma: GAMMA,
    }
}

fn c(v: f64) -> Schedule {
    Schedule::Constant(v)
}

fn orifice(area: f64, cd: f64, area_law: AreaLaw) -> FlowElement {
    FlowElement::Orifice {
        area: c(area),
        cd: c(cd),
        area_law,
    }
}

fn power_law(coef: f64, n: f64) -> FlowElement {
    FlowElement::PowerLaw { c: c(coef), n }
}

fn slit() -> FlowElement {
    FlowElement::ViscousCrack {
        geometry: CrackGeometry::Slit {
            width: 0.05,
            gap: 20e-6,
            depth: 5e-3,
        },
        viscosity: 1.8e-5,
    }
}

fn tube() -> FlowElement {
    FlowElement::ViscousCrack {
        geometry: CrackGeometry::Tube {
            diameter: 50e-6,
            length: 5e-3,
        },
        viscosity: 1.8e-5,
    }
}

fn hatch_seal() -> FlowElement {
    FlowElement::HatchSeal {
        seated: Box::new(power_law(1e-7, 0.65)),
        unseated: Box::new(power_law(5e-7, 0.65)),
    }
}

fn fan(shutoff_dp: Option<f64>) -> FlowElement {
    FlowElement::Fan {
        flow: c(0.05),
        shutoff_dp,
    }
}

/// Every odd law (all but HatchSeal and Fan), by name.
fn odd_laws() -> Vec<(&'static str, FlowElement)> {
    vec![
        ("orifice", orifice(1e-6, 0.6, AreaLaw::Fixed)),
        (
            "orifice (p/p0)^k",
            orifice(1e-6, 0.6, AreaLaw::PowerOfPressure { p0: P_ATM, k: 0.5 }),
        ),
        (
            "orifice 1 + beta dp",
            orifice(1e-6, 0.6, AreaLaw::LinearInDp { beta: 1e-5 }),
        ),
        ("power law n=0.5", power_law(1e-6, 0.5)),
        ("power law n=0.65", power_law(1e-6, 0.65)),
        ("power law n=1", power_law(1e-6, 1.0)),
        ("viscous slit", slit()),
        ("viscous tube", tube()),
        (
            "open hatch",
            FlowElement::OpenHatch {
                area: c(0.5),
                cd: c(0.7),
            },
        ),
        ("linear", FlowElement::Linear { k: c(1e-8) }),
    ]
}

/// Every law of the enum, odd or not.
fn all_laws() -> Vec<(&'static str, FlowElement)> {
    let mut v = odd_laws();
    v.push(("hatch seal", hatch_seal()));
    v.push(("fan", fan(None)));
    v.push(("fan with curve", fan(Some(500.0))));
    v
}

/// Laws regularised near dp = 0 by the odd cubic (slope infinite there otherwise).
fn regularised_laws() -> Vec<(&'static str, FlowElement)> {
    all_laws()
        .into_iter()
        .filter(|(name, _)| {
            name.starts_with("orifice")
                || *name == "power law n=0.5"
                || *name == "power law n=0.65"
                || *name == "open hatch"
                || *name == "hatch seal"
        })
        .collect()
}

/// Laws with a choke point (the isentropic orifice law).
fn choking_laws() -> Vec<(&'static str, FlowElement)> {
    all_laws()
        .into_iter()
        .filter(|(name, _)| name.starts_with("orifice") || *name == "open hatch")
        .collect()
}

fn mdot(e: &FlowElement, pa: f64, ta: f64, pb: f64, tb: f64) -> f64 {
    e.flow(0.0, &st(pa, ta), &st(pb, tb)).mdot
}

/// Pressures where the laws are exercised: vacuum, low, cabin, above cabin.
const LEVELS: [f64; 7] = [0.0, 50.0, 800.0, 5_000.0, 70_000.0, P_ATM, 150_000.0];

#[test]
fn every_law_but_the_fan_carries_nothing_at_equal_pressure() {
    for (name, e) in all_laws() {
        for p in LEVELS {
            // Unequal temperatures: the law must key on pressure, not density.
            for (ta, tb) in [(295.0, 295.0), (280.0, 305.0), (305.0, 280.0)] {
                let m = mdot(&e, p, ta, p, tb);
                if name.starts_with("fan") {
                    // Documented exception: the fan moves Q from a to b at dp = 0 (on its
                    // curve, dp = 0 is the free-delivery point Q = Q0): mdot = rho_a Q0.
                    let rho_a = p / (R * ta);
                    assert_eq!(m, rho_a * 0.05, "{name} at p = {p}");
                } else {
                    assert_eq!(m, 0.0, "{name} at p = {p}, T = ({ta}, {tb})");
                }
            }
        }
    }
}

/// Pairs of end states with distinct pressures (and temperatures) covering choked,
/// subsonic, regularised, low-pressure and vacuum conditions.
fn state_pairs() -> Vec<(GasState, GasState)> {
    let mut v = Vec::new();
    for &(pa, pb) in &[
        (P_ATM, 0.0),
        (P_ATM, 30_000.0),
        (P_ATM, 90_000.0),
        (P_ATM, P_ATM - 300.0),
        (P_ATM, P_ATM - 9.0),
        (P_ATM, P_ATM - 0.5),
        (P_ATM, P_ATM - 1e-6),
        (600.0, 597.0),
        (600.0, 100.0),
        (2.0, 1.0),
    ] {
        for &(ta, tb) in &[(295.0, 295.0), (280.0, 310.0), (310.0, 280.0)] {
            v.push((st(pa, ta), st(pb, tb)));
        }
    }
    v
}

#[test]
fn odd_laws_change_sign_exactly_when_the_ends_are_swapped() {
    for (name, e) in odd_laws() {
        for (a, b) in state_pairs() {
            let f = e.flow(0.0, &a, &b);
            let g = e.flow(0.0, &b, &a);
            assert!(f.mdot > 0.0, "{name}: flow runs from high to low pressure");
            // Bitwise: the reverse direction must be the same arithmetic, negated.
            assert_eq!(g.mdot, -f.mdot, "{name} at {a:?} / {b:?}");
            assert_eq!(g.d_pa, -f.d_pb, "{name}: d/dp of the swapped ends");
            assert_eq!(g.d_pb, -f.d_pa, "{name}: d/dp of the swapped ends");
            assert_eq!(g.d_ta, -f.d_tb, "{name}: d/dT of the swapped ends");
            assert_eq!(g.d_tb, -f.d_ta, "{name}: d/dT of the swapped ends");
        }
    }
}

#[test]
fn hatch_seal_uses_seated_law_when_a_is_higher_and_unseated_otherwise() {
    let seated = power_law(1e-7, 0.65);
    let unseated = power_law(5e-7, 0.65);
    let seal = hatch_seal();
    for (hi, lo) in state_pairs() {
        // Outside the regularisation band the seal IS one of its laws.
        if hi.p - lo.p < transition_dp(hi.p) {
            continue;
        }
        // a higher: pressure on the a side seats the hatch.
        assert_eq!(seal.flow(0.0, &hi, &lo), seated.flow(0.0, &hi, &lo));
        // b higher: the hatch lifts off its seal.
        assert_eq!(seal.flow(0.0, &lo, &hi), unseated.flow(0.0, &lo, &hi));
        // So it is not odd: reversed pressure leaks 5x more (same exponent).
        let fwd = seal.flow(0.0, &hi, &lo).mdot;
        let back = seal.flow(0.0, &lo, &hi).mdot;
        if hi.t == lo.t {
            assert!(((-back / fwd) - 5.0).abs() < 1e-12, "{fwd} vs {back}");
        }
    }
    // Inside the band |dp| < dp_t (10 Pa at cabin pressure) the two laws are joined through
    // 0 by a C1 cubic on each side whose slope at 0 is the harmonic mean of the laws' secant
    // slopes over the band (seal_blend in element.rs): zero at equality, continuous in value
    // and slope at +-dp_t and at 0, monotone.
    let dp_t = transition_dp(P_ATM);
    assert_eq!(mdot(&seal, P_ATM, 295.0, P_ATM, 295.0), 0.0);
    let m_s = mdot(&seated, P_ATM + dp_t, 295.0, P_ATM, 295.0);
    let m_u = -mdot(&unseated, P_ATM - dp_t, 295.0, P_ATM, 295.0);
    let s0 = 2.0 * (m_s / dp_t) * (m_u / dp_t) / (m_s / dp_t + m_u / dp_t);
    for dp in [2f64.powi(-10), 2f64.powi(-20), 2f64.powi(-30)] {
        let up = mdot(&seal, P_ATM + dp, 295.0, P_ATM, 295.0);
        let down = mdot(&seal, P_ATM - dp, 295.0, P_ATM, 295.0);
        assert!((up / dp - s0).abs() < 1e-3 * s0, "{} vs {s0}", up / dp);
        assert!(
            (-down / dp - s0).abs() < 1e-3 * s0,
            "{} vs {s0}",
            -down / dp
        );
    }
    // Value and slope match the laws at the band edges (seal at dp_t -+ h vs law).
    for (law, sign) in [(&seated, 1.0), (&unseated, -1.0)] {
        let edge = |x: f64| mdot(&seal, P_ATM + sign * x, 295.0, P_ATM, 295.0);
        let law_at = |x: f64| mdot(law, P_ATM + sign * x, 295.0, P_ATM, 295.0);
        let h = 1e-4;
        assert!((edge(dp_t - h) - law_at(dp_t - h)).abs() < 1e-5 * law_at(dp_t).abs());
        let slope_in = (edge(dp_t) - edge(dp_t - h)) / h;
        let slope_out = (law_at(dp_t + h) - law_at(dp_t)) / h;
        assert!((slope_in - slope_out).abs() < 1e-3 * slope_out.abs());
    }
    // Monotone through the band.
    let mut prev = f64::NEG_INFINITY;
    for k in -2000..=2000 {
        let m = mdot(
            &seal,
            P_ATM + k as f64 * 1.5 * dp_t / 2000.0,
            295.0,
            P_ATM,
            295.0,
        );
        assert!(m >= prev, "not monotone at step {k}");
        prev = m;
    }
}

#[test]
fn fan_moves_upstream_density_times_volume_flow() {
    let free = fan(None);
    let curve = fan(Some(500.0));
    for (a, b) in state_pairs() {
        for (x, y) in [(a, b), (b, a)] {
            // Without a curve the fan delivers Q0 against any pressure: mdot = rho_a Q0.
            assert_eq!(free.flow(0.0, &x, &y).mdot, x.density() * 0.05);
            // With a linear curve Q = Q0 (1 - (p_b - p_a)/shutoff); the upstream end is a
            // while Q >= 0 and b once the fan is overpowered.
            let q = 0.05 * (1.0 - (y.p - x.p) / 500.0);
            let rho = if q >= 0.0 { x.density() } else { y.density() };
            let m = curve.flow(0.0, &x, &y).mdot;
            assert!(
                (m - rho * q).abs() <= 1e-14 * (rho * q).abs().max(1e-300),
                "{m} vs {}",
                rho * q
            );
        }
    }
    // At shut-off the fan holds the pressure difference with no flow.
    let m = mdot(&curve, P_ATM - 500.0, 295.0, P_ATM, 295.0);
    assert_eq!(m, 0.0);
}

/// A dense sweep of p_a at fixed p_b: cubic spacing packs points near dp = 0 (the
/// regularised band is 10 Pa wide in a 50 kPa sweep), from p_b - 50 kPa to p_b + 50 kPa, and
/// a linear sweep from vacuum up.
fn sweep(pb: f64) -> Vec<f64> {
    let n = 4000;
    let mut v: Vec<f64> = (-n..=n)
        .map(|k| {
            let s = k as f64 / n as f64;
            pb + 50_000.0 * s * s * s
        })
        .filter(|p| *p >= 0.0)
        .collect();
    v.extend((0..=3000).map(|k| k as f64 * 50.0));
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

#[test]
fn every_law_increases_with_the_pressure_at_its_a_end() {
    for (name, e) in all_laws() {
        for pb in [P_ATM, 60_000.0, 800.0, 0.0] {
            for (ta, tb) in [(295.0, 295.0), (280.0, 310.0), (310.0, 280.0)] {
                let ps = sweep(pb);
                let mut prev = f64::NEG_INFINITY;
                let mut prev_p = f64::NAN;
                let mut rises = 0;
                for &pa in &ps {
                    let m = mdot(&e, pa, ta, pb, tb);
                    assert!(m.is_finite(), "{name}: flow at pa = {pa}, pb = {pb}");
                    assert!(
                        m >= prev,
                        "{name}: flow falls from {prev:e} at pa = {prev_p} to {m:e} at pa = {pa} \
                         (pb = {pb}, T = {ta}/{tb})"
                    );
                    if m > prev {
                        rises += 1;
                    }
                    prev = m;
                    prev_p = pa;
                }
                // Not trivially flat: it rises over most of the sweep (choked stretches and
                // the vacuum end are flat by physics).
                assert!(
                    rises > ps.len() / 3,
                    "{name}: rises {rises} of {}",
                    ps.len()
                );
            }
        }
    }
}

/// One-sided slopes of `f` just below and just above `x0`.
fn side_slopes(f: &dyn Fn(f64) -> f64, x0: f64, h: f64) -> (f64, f64) {
    let m0 = f(x0);
    ((m0 - f(x0 - h)) / h, (f(x0 + h) - m0) / h)
}

/// Value and slope continuity of `f` at `x0`, where `scale` is the distance over which the
/// law bends (its second derivative is of order slope/scale). With h = 1e-5 scale:
/// - the value step across x0, f(x0+h) - f(x0-h), must be 2 h times the slope measured a
///   little away (at x0 - 10.5 h), to 1e-3 (curvature alone accounts for ~1e-4);
/// - the one-sided slopes just below and just above x0 must agree to 1e-4 of that slope
///   (curvature accounts for ~1e-5; a kink, i.e. a law matched in value only, is O(1)).
fn assert_c1(name: &str, f: &dyn Fn(f64) -> f64, x0: f64, scale: f64) {
    let h = 1e-5 * scale;
    let s_ref = (f(x0 - 10.0 * h) - f(x0 - 11.0 * h)) / h;
    assert!(s_ref != 0.0, "{name}: no slope near {x0}");
    let step = f(x0 + h) - f(x0 - h);
    assert!(
        (step - 2.0 * h * s_ref).abs() <= 1e-3 * (2.0 * h * s_ref).abs(),
        "{name}: value steps by {step:e} across {x0}, expected {:e}",
        2.0 * h * s_ref
    );
    let (left, right) = side_slopes(f, x0, h);
    assert!(
        (left - right).abs() <= 1e-4 * s_ref.abs(),
        "{name}: slope {left:e} below, {right:e} above {x0} (relative {:e})",
        (left - right).abs() / s_ref.abs()
    );
}

#[test]
fn regularisation_is_c1_at_the_transition_dp() {
    for (name, e) in regularised_laws() {
        for pb in [P_ATM, 800.0, 20.0] {
            // The transition sits at dp = transition_dp(p_high), p_high = p_a = p_b + dp:
            // solve the fixed point (dp_t = min(10 Pa, 0.01 p_high)).
            let mut dpt = 10.0;
            for _ in 0..50 {
                dpt = transition_dp(pb + dpt);
            }
            let pa = pb + dpt;
            assert_eq!(transition_dp(pa), dpt);
            // Along p_a at fixed p_b (forward flow) and along p_b at fixed p_a (reverse flow
            // seen from the other end: p_b is then the high side).
            let fa = |x: f64| mdot(&e, x, 295.0, pb, 295.0);
            assert_c1(name, &fa, pa, dpt);
            let fb = |x: f64| mdot(&e, pb, 295.0, x, 295.0);
            assert_c1(name, &fb, pa, dpt);
        }
    }
}

#[test]
fn orifice_is_c1_through_the_choke_point() {
    let rc = critical_ratio(GAMMA);
    assert!((rc - 0.528_281_787_717_174_2).abs() < 1e-15);
    for (name, e) in choking_laws() {
        for p_up in [P_ATM, 5_000.0] {
            let pd = rc * p_up;
            // Along the upstream pressure at fixed downstream (the choked side is p_up above
            // pd / r*), and along the downstream pressure at fixed upstream.
            let fu = |x: f64| mdot(&e, x, 295.0, pd, 295.0);
            assert_c1(name, &fu, p_up, p_up);
            let fd = |x: f64| mdot(&e, p_up, 295.0, x, 295.0);
            // d mdot/d p_down tends to zero from the subsonic side (the subsonic law peaks at
            // r*) and is zero on the choked side (except through an area that follows dp).
            // The natural slope scale is m0/p_up: a step h = 1e-5 p_up above r* moves the
            // subsonic slope by ~1e-5 of it, a kink would move it by O(1).
            let h = 1e-5 * p_up;
            let m0 = fd(pd);
            let (below, above) = side_slopes(&fd, pd, h);
            assert!(
                (above - below).abs() < 1e-4 * m0 / p_up,
                "{name}: slope {below:e} below, {above:e} above r*"
            );
            if !name.contains("beta") {
                // Strictly on the choked side (a step below r*): no dependence on p_down.
                assert_eq!(
                    fd(pd - 2.0 * h),
                    fd(pd - h),
                    "{name}: choked flow ignores p_down"
                );
                assert!(above <= 0.0, "{name}: flow falls as p_down rises");
            }
        }
    }
}

/// Central-difference partial derivatives of a law at (a, b), steps chosen on the scale over
/// which the law bends: 1e-4 of |dp| (at least 1e-3 Pa; inside the cubic band the law is a
/// polynomial in dp, so the step only has to beat round-off) and 1e-3 K.
fn fd_partials(e: &FlowElement, a: GasState, b: GasState) -> [f64; 4] {
    let hp = (1e-4 * (a.p - b.p).abs()).max(1e-3);
    let ht = 1e-3;
    let m = |pa: f64, ta: f64, pb: f64, tb: f64| e.flow(0.0, &st(pa, ta), &st(pb, tb)).mdot;
    [
        (m(a.p + hp, a.t, b.p, b.t) - m(a.p - hp, a.t, b.p, b.t)) / (2.0 * hp),
        (m(a.p, a.t, b.p + hp, b.t) - m(a.p, a.t, b.p - hp, b.t)) / (2.0 * hp),
        (m(a.p, a.t + ht, b.p, b.t) - m(a.p, a.t - ht, b.p, b.t)) / (2.0 * ht),
        (m(a.p, a.t, b.p, b.t + ht) - m(a.p, a.t, b.p, b.t - ht)) / (2.0 * ht),
    ]
}

#[test]
fn analytic_partials_match_central_differences_away_from_kinks() {
    // Points away from the kinks (dp = 0 for the hatch seal and power law with unequal
    // densities, |dp| = dp_t and r = r* where the laws are C1 but not C2, and the fan's zero).
    let mut points = Vec::new();
    for &(pa, pb) in &[
        (P_ATM, 0.0),
        (P_ATM, 20_000.0),
        (P_ATM, 75_000.0),
        (P_ATM, P_ATM - 2_000.0),
        (P_ATM, P_ATM - 30.0),
        (P_ATM, P_ATM - 6.0),
        (P_ATM, P_ATM - 0.7),
        (P_ATM - 3.0, P_ATM),
        (P_ATM - 400.0, P_ATM),
        (40_000.0, P_ATM),
        (500.0, 498.0),
        (500.0, 300.0),
        (100.0, 0.0),
    ] {
        for &(ta, tb) in &[(295.0, 295.0), (280.0, 310.0)] {
            points.push((st(pa, ta), st(pb, tb)));
        }
    }
    let mut worst: (f64, String) = (0.0, String::new());
    for (name, e) in all_laws() {
        for &(a, b) in &points {
            let f = e.flow(0.0, &a, &b);
            let fd = fd_partials(&e, a, b);
            let an = [f.d_pa, f.d_pb, f.d_ta, f.d_tb];
            let labels = ["d_pa", "d_pb", "d_ta", "d_tb"];
            for k in 0..4 {
                let scale = an[k].abs().max(fd[k].abs());
                let err = (an[k] - fd[k]).abs();
                let rel = if scale > 0.0 { err / scale } else { 0.0 };
                if rel > worst.0 {
                    worst = (rel, format!("{name} {} at {a:?} {b:?}", labels[k]));
                }
                assert!(
                    err <= 1e-5 * scale,
                    "{name}: {} analytic {:e} vs finite difference {:e} (relative {rel:e}) \
                     at a = {a:?}, b = {b:?}",
                    labels[k],
                    an[k],
                    fd[k]
                );
            }
        }
    }
    eprintln!(
        "worst relative derivative error: {:e} ({})",
        worst.0, worst.1
    );
}

/// `got` equals a value worked by hand (rounded to 5 significant digits in the comment, so
/// compared to 1e-4 relative).
fn assert_hand(what: &str, got: f64, hand: f64) {
    assert!(
        (got - hand).abs() <= 1e-4 * hand.abs(),
        "{what}: {got:e}, worked by hand {hand:e}"
    );
}

#[test]
fn one_value_per_law_worked_by_hand() {
    // Common numbers: R T = 287.05 * 295 = 84 679.75 J/kg, sqrt(R T) = 290.998;
    // sqrt(g/(R T)) = sqrt(1.4/84 679.75) = 4.0661e-3 s/m; Phi = (2/2.4)^3 = 0.5787.
    let atm = st(P_ATM, 295.0);
    let vac = st(0.0, 295.0);
    assert!((choke_factor(GAMMA) - 0.578_703_703_7).abs() < 1e-10);

    // Orifice, choked into vacuum (Cd 0.6, A 1 mm2, 1 atm):
    // 0.6 * 1e-6 * 101325 * 4.0661e-3 * 0.5787 = 0.060795 * 4.0661e-3 * 0.5787
    // = 2.4720e-4 * 0.5787 = 1.4305e-4 kg/s.
    let e = orifice(1e-6, 0.6, AreaLaw::Fixed);
    assert_hand("choked orifice", e.flow(0.0, &atm, &vac).mdot, 1.4305e-4);

    // Orifice, subsonic, 101 325 -> 90 000 Pa: r = 0.888231,
    // r^(2/1.4) - r^(2.4/1.4) = 0.028111, psi = sqrt(7 * 0.028111) = 0.44359,
    // mdot = 0.060795 * 0.44359 / 290.998 = 9.2675e-5 kg/s.
    let down = st(90_000.0, 295.0);
    assert_hand("subsonic orifice", e.flow(0.0, &atm, &down).mdot, 9.2675e-5);

    // Orifice with A = A0 (p_up/p0)^0.5, p0 = 1 atm, 50 kPa into vacuum: the choked flow
    // scales with p_up: 1.4305e-4 * 50000/101325 = 7.0591e-5; area factor
    // sqrt(50000/101325) = 0.70247; mdot = 4.9588e-5 kg/s.
    let e = orifice(1e-6, 0.6, AreaLaw::PowerOfPressure { p0: P_ATM, k: 0.5 });
    assert_hand(
        "orifice (p/p0)^k",
        e.flow(0.0, &st(50_000.0, 295.0), &vac).mdot,
        4.9588e-5,
    );

    // Orifice with A = A0 (1 + 1e-5 |dp|), 1 atm into vacuum: factor 1 + 1.01325 = 2.01325,
    // mdot = 1.4305e-4 * 2.01325 = 2.8800e-4 kg/s.
    let e = orifice(1e-6, 0.6, AreaLaw::LinearInDp { beta: 1e-5 });
    assert_hand(
        "orifice 1 + beta dp",
        e.flow(0.0, &atm, &vac).mdot,
        2.8800e-4,
    );

    // Power law, C = 1e-6 m3/(s Pa^n), 101 425 -> 101 325 Pa (dp = 100 Pa, far outside the
    // 10 Pa band): rho_up = 101425/84679.75 = 1.19775 kg/m3;
    // n = 0.5: Q = 1e-6 * 10 = 1e-5 m3/s, mdot = 1.19775e-5 kg/s;
    // n = 0.65: Q = 1e-6 * 100^0.65 = 1e-6 * 19.9526, mdot = 2.3898e-5 kg/s;
    // n = 1: Q = 1e-4 m3/s, mdot = 1.19775e-4 kg/s.
    let hi = st(P_ATM + 100.0, 295.0);
    for (n, hand) in [(0.5, 1.19775e-5), (0.65, 2.3898e-5), (1.0, 1.19775e-4)] {
        assert_hand(
            &format!("power law n={n}"),
            power_law(1e-6, n).flow(0.0, &hi, &atm).mdot,
            hand,
        );
    }

    // Viscous slit, w = 5 cm, h = 20 um, L = 5 mm, mu = 1.8e-5 Pa s, 1 atm into vacuum:
    // G = w h^3/(24 L) = 0.05 * 8e-15 / 0.12 = 3.3333e-15 m3; mu R T = 1.52424;
    // m_v = 3.3333e-15 * 101325^2 / 1.52424 = 3.3333e-15 * 1.02668e10 / 1.52424 = 2.2452e-5.
    // Cap: opening 0.05 * 20e-6 = 1e-6 m2, Cd 1: m_c = 2.4720e-4/0.6 * 0.5787 = 2.3842e-4;
    // u = m_v/m_c = 0.094170, (1 + u^4)^(-1/4) = 1 - 1.97e-5: mdot = 2.2452e-5 kg/s.
    assert_hand("viscous slit", slit().flow(0.0, &atm, &vac).mdot, 2.2452e-5);

    // Viscous tube, d = 50 um, L = 5 mm: G = pi d^4/(256 L) = pi * 6.25e-18 / 1.28
    // = 1.53398e-17 m3; m_v = 1.53398e-17 * 1.02668e10 / 1.52424 = 1.03324e-7;
    // opening pi d^2/4 = 1.96350e-9 m2, m_c = 1.9635e-9 * 101325 * 4.0661e-3 * 0.5787
    // = 4.6814e-7; u = 0.22071, (1 + u^4)^(-1/4) = 0.999408: mdot = 1.03263e-7 kg/s.
    assert_hand(
        "viscous tube",
        tube().flow(0.0, &atm, &vac).mdot,
        1.03263e-7,
    );

    // Hatch seal: seated PowerLaw(1e-7, 0.65) when a is higher: 1.19775 * 1e-7 * 19.9526
    // = 2.3898e-6 kg/s; reversed, the unseated PowerLaw(5e-7, 0.65) carries
    // -5 * 2.3898e-6 = -1.19491e-5 kg/s.
    assert_hand(
        "hatch seal seated",
        hatch_seal().flow(0.0, &hi, &atm).mdot,
        2.3898e-6,
    );
    assert_hand(
        "hatch seal unseated",
        hatch_seal().flow(0.0, &atm, &hi).mdot,
        -1.19491e-5,
    );

    // Open hatch, A = 0.5 m2, Cd 0.7, 101 425 -> 101 325 Pa: r = 0.999014,
    // r^(2/1.4) - r^(2.4/1.4) = 2.8140e-4, psi = sqrt(7 * 2.8140e-4) = 0.044383,
    // mdot = 0.35 * 101425 * 0.044383 / 290.998 = 35498.75 * 0.044383 / 290.998 = 5.4142 kg/s.
    let e = FlowElement::OpenHatch {
        area: c(0.5),
        cd: c(0.7),
    };
    assert_hand("open hatch", e.flow(0.0, &hi, &atm).mdot, 5.4142);

    // Linear, K = 1e-8 kg/(s Pa), dp = 1000 Pa: 1e-5 kg/s.
    let e = FlowElement::Linear { k: c(1e-8) };
    assert_hand(
        "linear",
        e.flow(0.0, &st(P_ATM + 1000.0, 295.0), &atm).mdot,
        1e-5,
    );

    // Fan, Q = 0.05 m3/s from 1 atm, 295 K: rho = 101325/84679.75 = 1.19657,
    // mdot = 0.059828 kg/s; on a 500 Pa shut-off curve against 100 Pa:
    // Q = 0.05 (1 - 100/500) = 0.04 m3/s, mdot = 0.047863 kg/s.
    assert_hand("fan", fan(None).flow(0.0, &atm, &hi).mdot, 0.059828);
    assert_hand(
        "fan on its curve",
        fan(Some(500.0)).flow(0.0, &atm, &hi).mdot,
        0.047863,
    );
}

/// Choked flow of an opening of area `a` with Cd = 1 from `up` (the viscous crack's cap).
fn choked(a: f64, up: &GasState) -> f64 {
    a * up.p * (up.gamma / (up.r * up.t)).sqrt() * choke_factor(up.gamma)
}

#[test]
fn viscous_crack_is_laminar_when_narrow_and_capped_by_choked_flow_when_wide() {
    let mu = 1.8e-5;
    let crack = |gap: f64| FlowElement::ViscousCrack {
        geometry: CrackGeometry::Slit {
            width: 0.05,
            gap,
            depth: 5e-3,
        },
        viscosity: mu,
    };
    let capillary = |d: f64| FlowElement::ViscousCrack {
        geometry: CrackGeometry::Tube {
            diameter: d,
            length: 5e-3,
        },
        viscosity: mu,
    };
    let atm = st(P_ATM, 295.0);
    for down in [
        st(0.0, 295.0),
        st(50_000.0, 295.0),
        st(P_ATM - 500.0, 295.0),
    ] {
        let dp2 = atm.p * atm.p - down.p * down.p;
        let rt = R * 295.0;
        // Micrometre slit: mdot = w h^3 (pa^2 - pb^2) / (24 mu L R T) within 0.1 %.
        let h: f64 = 1e-6;
        let laminar = 0.05 * h.powi(3) * dp2 / (24.0 * mu * 5e-3 * rt);
        let m = crack(h).flow(0.0, &atm, &down).mdot;
        assert!(
            (m / laminar - 1.0).abs() < 1e-3,
            "slit {m:e} vs {laminar:e}"
        );
        // Micrometre capillary: pi d^4 (pa^2 - pb^2) / (256 mu L R T).
        let d: f64 = 2e-6;
        let laminar = std::f64::consts::PI * d.powi(4) * dp2 / (256.0 * mu * 5e-3 * rt);
        let m = capillary(d).flow(0.0, &atm, &down).mdot;
        assert!(
            (m / laminar - 1.0).abs() < 1e-3,
            "tube {m:e} vs {laminar:e}"
        );
    }
    // Widening gap into vacuum: the laminar law grows as h^3 (x h^2 against the opening
    // area), so u = m_v/m_c = 2.354 (h / 0.1 mm)^2 and m/m_c = (1 + u^-4)^(-1/4): 0.21 at
    // 30 um (laminar), 0.992 at 0.1 mm, 1 - 1.24e-6 at 0.3 mm. Always below the choked flow of
    // the w h opening, and approaching it.
    let vac = st(0.0, 295.0);
    let mut prev_ratio = 0.0;
    for gap in [3e-5, 1e-4, 3e-4] {
        let m = crack(gap).flow(0.0, &atm, &vac).mdot;
        let cap = choked(0.05 * gap, &atm);
        let ratio = m / cap;
        assert!(ratio < 1.0, "gap {gap}: {m:e} exceeds the choked {cap:e}");
        assert!(ratio > prev_ratio, "gap {gap}: ratio {ratio} not rising");
        prev_ratio = ratio;
    }
    assert!((prev_ratio - (1.0 - 1.2e-6)).abs() < 1e-7, "{prev_ratio}");
    // At 1 cm (u = 2.4e4) the smooth minimum equals the cap to round-off.
    let m = crack(1e-2).flow(0.0, &atm, &vac).mdot;
    let cap = choked(0.05 * 1e-2, &atm);
    assert!((m / cap - 1.0).abs() < 1e-12, "{m:e} vs {cap:e}");
}

#[test]
fn plenum_orifice_is_not_the_incompressible_law_into_vacuum() {
    // Building tools use mdot = Cd A sqrt(2 rho dp). Into vacuum from p: Cd A p sqrt(2/(R T)),
    // against the choked Cd A p sqrt(g/(R T)) Phi: ratio sqrt(2/g)/Phi = 1.19523/0.57870
    // = 2.0654. Plenum's orifice must give the choked value, never the incompressible one.
    let (cd, a) = (0.6, 1e-6);
    let e = orifice(a, cd, AreaLaw::Fixed);
    for p in [P_ATM, 50_000.0, 1_000.0] {
        let up = st(p, 295.0);
        let m = e.flow(0.0, &up, &st(0.0, 295.0)).mdot;
        let incompressible = cd * a * (2.0 * up.density() * p).sqrt();
        let ratio = incompressible / m;
        assert!((ratio - 2.0654).abs() < 1e-4, "ratio {ratio}");
        assert!(
            (m - cd * choked(a, &up)).abs() <= 1e-12 * m,
            "choked value {m:e}"
        );
    }
}

#[test]
fn parameter_names_round_trip() {
    for p in plenum_physics::Parameter::ALL {
        assert_eq!(plenum_physics::Parameter::from_name(p.name()), Some(p));
        assert_eq!(p.name(), format!("{p:?}"));
    }
    assert_eq!(plenum_physics::Parameter::from_name("area"), None);
}
