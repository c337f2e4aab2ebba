//! A viscous crack given by its conductance k (`CrackGeometry::Conductance`, issue 9 point 2):
//! its analytic partial derivatives against central differences, its equivalence with the
//! geometric form it stands for, its choked cap, and a whole run against the closed form of
//! a vessel emptying into vacuum through `mdot = k p^2`.

use plenum_physics::reference::{b, c, isothermal, link, space, R_AIR, T_REF};
use plenum_physics::{
    choke_factor, simulate_collect, CrackGeometry, FlowElement, Gas, GasState, Network,
    NetworkParts, Settings, System,
};

const GAMMA: f64 = 1.4;
const P_ATM: f64 = 101_325.0;

fn st(p: f64, t: f64) -> GasState {
    GasState {
        p,
        t,
        r: R_AIR,
        gamma: GAMMA,
    }
}

fn by_k(k: f64, opening: f64, temperature: Option<f64>) -> FlowElement {
    FlowElement::ViscousCrack {
        geometry: CrackGeometry::Conductance {
            k,
            opening,
            temperature,
        },
        viscosity: 1.8e-5,
    }
}

/// Central differences of the four partials (steps as in flow_laws.rs).
fn fd_partials(e: &FlowElement, a: GasState, bs: GasState) -> [f64; 4] {
    let hp = (1e-4 * (a.p - bs.p).abs()).max(1e-3);
    let ht = 1e-3;
    let m = |pa: f64, ta: f64, pb: f64, tb: f64| e.flow(0.0, &st(pa, ta), &st(pb, tb)).mdot;
    [
        (m(a.p + hp, a.t, bs.p, bs.t) - m(a.p - hp, a.t, bs.p, bs.t)) / (2.0 * hp),
        (m(a.p, a.t, bs.p + hp, bs.t) - m(a.p, a.t, bs.p - hp, bs.t)) / (2.0 * hp),
        (m(a.p, a.t + ht, bs.p, bs.t) - m(a.p, a.t - ht, bs.p, bs.t)) / (2.0 * ht),
        (m(a.p, a.t, bs.p, bs.t + ht) - m(a.p, a.t, bs.p, bs.t - ht)) / (2.0 * ht),
    ]
}

#[test]
fn conductance_partials_match_central_differences() {
    // Narrow (laminar, cap far above), near the crossover, and wide (capped), with and
    // without a reference temperature, flow both ways.
    let laws = [
        ("narrow", by_k(1e-15, 1e-4, None)),
        ("narrow, T_ref", by_k(1e-15, 1e-4, Some(293.15))),
        ("crossover", by_k(2.4e-15, 1e-7, None)),
        ("crossover, T_ref", by_k(2.4e-15, 1e-7, Some(293.15))),
        ("capped", by_k(1e-12, 1e-7, Some(293.15))),
    ];
    let mut checked = 0;
    for (name, e) in &laws {
        for &(pa, pb) in &[
            (P_ATM, 0.0),
            (P_ATM, 20_000.0),
            (P_ATM, 75_000.0),
            (P_ATM, P_ATM - 30.0),
            (40_000.0, P_ATM),
            (500.0, 300.0),
        ] {
            for &(ta, tb) in &[(295.0, 295.0), (280.0, 310.0)] {
                let (a, bs) = (st(pa, ta), st(pb, tb));
                let f = e.flow(0.0, &a, &bs);
                let fd = fd_partials(e, a, bs);
                let an = [f.d_pa, f.d_pb, f.d_ta, f.d_tb];
                // A floor of 1e-9 of the flow's own scale per unit of the variable: a
                // partial that small (the cap's, far below it) is round-off in a difference.
                let floor = [pa.max(pb), pa.max(pb), ta, tb].map(|x| 1e-9 * f.mdot.abs() / x);
                for k in 0..4 {
                    let scale = an[k].abs().max(fd[k].abs());
                    assert!(
                        (an[k] - fd[k]).abs() <= 1e-5 * scale + floor[k],
                        "{name}: partial {k} analytic {:e} vs finite difference {:e} at \
                         pa = {pa}, pb = {pb}, ta = {ta}, tb = {tb}",
                        an[k],
                        fd[k]
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 60);
}

#[test]
fn conductance_at_a_reference_temperature_is_the_geometric_law() {
    // A slit's k at T_ref is G/(mu R T_ref); with that reference the two forms agree at any
    // temperature (both scale as 1/T), in the laminar and the capped regimes, when the
    // opening is the slit's area.
    let (w, h, l, mu, t_ref): (f64, f64, f64, f64, f64) = (0.05, 20e-6, 5e-3, 1.8e-5, 293.15);
    let g = w * h.powi(3) / (24.0 * l);
    let slit = FlowElement::ViscousCrack {
        geometry: CrackGeometry::Slit {
            width: w,
            gap: h,
            depth: l,
        },
        viscosity: mu,
    };
    let k = g / (mu * R_AIR * t_ref);
    // By hand: G = 0.05 * 8e-15 / 0.12 = 3.3333e-15 m3;
    // k = 3.3333e-15 / (1.8e-5 * 287.05 * 293.15) = 2.2006e-15 kg/(s Pa^2).
    assert!((k / 2.2006e-15 - 1.0).abs() < 1e-4, "k = {k:e}");
    let crack = by_k(k, w * h, Some(t_ref));
    for &(pa, ta, pb, tb) in &[
        (P_ATM, 295.0, 0.0, 295.0),
        (P_ATM, 250.0, 60_000.0, 300.0),
        (30_000.0, 320.0, P_ATM, 280.0),
    ] {
        let (x, y) = (
            slit.flow(0.0, &st(pa, ta), &st(pb, tb)),
            crack.flow(0.0, &st(pa, ta), &st(pb, tb)),
        );
        for (u, v) in [
            (x.mdot, y.mdot),
            (x.d_pa, y.d_pa),
            (x.d_pb, y.d_pb),
            (x.d_ta, y.d_ta),
            (x.d_tb, y.d_tb),
        ] {
            assert!(
                (u - v).abs() <= 1e-12 * u.abs().max(v.abs()),
                "slit {u:e} vs conductance {v:e}"
            );
        }
    }
    // Without a reference temperature the laminar flow does not depend on it.
    let fixed = by_k(k, 1e-3, None);
    let m1 = fixed.flow(0.0, &st(P_ATM, 250.0), &st(0.0, 250.0)).mdot;
    let m2 = fixed.flow(0.0, &st(P_ATM, 320.0), &st(0.0, 320.0)).mdot;
    let laminar = k * P_ATM * P_ATM;
    assert!((m1 / laminar - 1.0).abs() < 1e-9 && (m2 / laminar - 1.0).abs() < 1e-9);
}

#[test]
fn conductance_is_capped_by_the_choked_flow_of_its_opening() {
    // k so large that the laminar law would carry 1000 times the choked flow of the
    // opening: the flow is the choked flow (Cd = 1) of the opening, within 1e-6.
    let opening = 1e-7;
    let up = st(P_ATM, T_REF);
    let choked = opening * P_ATM * choke_factor(GAMMA) * (GAMMA / (R_AIR * T_REF)).sqrt();
    // By hand: 1e-7 * 101325 * 0.57870 * sqrt(1.4 / 84679.75) = 2.3843e-5 kg/s.
    assert!(
        (choked / 2.3843e-5 - 1.0).abs() < 1e-4,
        "choked = {choked:e}"
    );
    let k = 1000.0 * choked / (P_ATM * P_ATM);
    let m = by_k(k, opening, None).flow(0.0, &up, &st(0.0, T_REF)).mdot;
    assert!(
        (m / choked - 1.0).abs() < 1e-6,
        "m = {m:e}, choked {choked:e}"
    );
}

#[test]
fn vessel_to_vacuum_through_k_p_squared_follows_the_closed_form() {
    // Isothermal vessel V into vacuum: dp/dt = -(R T / V) k p^2, so
    // p(t) = p0 / (1 + p0 k R T t / V). The opening is wide enough that the cap changes the
    // flow by less than (m/m_c)^4/4 < 1e-12 relative.
    let (v, p0, k) = (1.0, P_ATM, 1e-15);
    let t_half = v / (p0 * k * R_AIR * T_REF); // time to half pressure
                                               // = 1 / (101325 * 1e-15 * 84679.75) = 1.1655e5 s.
    assert!((t_half / 1.1655e5 - 1.0).abs() < 1e-4, "t_half = {t_half}");
    let parts = NetworkParts {
        gas: Some(Gas::perfect("air", R_AIR, GAMMA)),
        compartments: vec![isothermal("vessel", v, p0, vec![1.0])],
        boundaries: vec![space()],
        links: vec![link("crack", c(0), b(0), by_k(k, 1e-4, Some(T_REF)))],
        ..NetworkParts::default()
    };
    let net = Network::new(parts).expect("valid vessel");
    let (rtol, atol) = (1e-9, 1e-7);
    let settings = Settings {
        rtol,
        atol_pressure: atol,
        ..Settings::default()
    };
    let times: Vec<f64> = (0..=20).map(|i| i as f64 * 0.5 * t_half).collect();
    let (rows, _) = simulate_collect(&net, &settings, 10.0 * t_half, &times).expect("run");
    assert_eq!(rows.len(), times.len());
    let sys = System::new(&net);
    for (t, y) in &rows {
        let p = sys.snapshot(*t, y).pressure[0];
        let exact = p0 / (1.0 + t / t_half);
        // 20 local tolerances, as closed_form.rs allows.
        let tol = 20.0 * (rtol * p0 + atol);
        assert!(
            (p - exact).abs() <= tol,
            "p({t}) = {p}, closed form {exact}, error {:e}",
            p - exact
        );
    }
    // At 10 t_half the pressure is p0/11.
    let last = sys.snapshot(rows[20].0, &rows[20].1).pressure[0];
    assert!((last / (p0 / 11.0) - 1.0).abs() < 1e-6);
}
