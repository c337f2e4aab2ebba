//! Crews and life-support devices against closed forms, mass conservation and positivity.
//!
//! Tolerances: the runs use rtol = 1e-9 and an absolute pressure tolerance of 1e-6 Pa, so
//! the BDF's local errors are ~1e-9 of each state; the global error of these smooth,
//! contracting problems stays within a few hundred local errors. Each check allows
//! 1e3 x (rtol x value + atol): loose against the solver, tight against any law error
//! (a wrong factor, a missing term), which would show at the percent level.

use plenum_physics::reference::{
    b, c, constant, isothermal, link, orifice, space, steady_source, T_REF,
};
use plenum_physics::{
    simulate_collect, Average, AverageId, Compartment, CompartmentId, Control, Direction, Event,
    FlowElement, Gas, Network, NetworkParts, Quantity, Sensed, Settings, Source, SourceLaw,
    Species, System, Trigger, DRY_AIR_MOLE_FRACTIONS, R_UNIVERSAL,
};
use proptest::prelude::*;

const DAY: f64 = 86_400.0;
const N2: usize = 0;
const O2: usize = 1;
const CO2: usize = 3;
const H2O: usize = 4;

fn settings() -> Settings {
    Settings {
        rtol: 1e-9,
        atol_pressure: 1e-6,
        ..Settings::default()
    }
}

/// Allowed error on a value computed by the solver (see the module's comment).
fn tol(value: f64) -> f64 {
    1e3 * (1e-9 * value.abs() + 1e-6)
}

fn r_specific(gas: &Gas, s: usize) -> f64 {
    gas.species[s].r_specific()
}

/// Per-person BVAD rates (kg/s): O2 consumed, CO2 and water vapour produced.
fn crew_rates(count: f64) -> Vec<f64> {
    let mut r = vec![0.0; 5];
    r[O2] = -0.84 * count / DAY;
    r[CO2] = 1.00 * count / DAY;
    r[H2O] = 2.28 * count / DAY;
    r
}

fn crew(into: usize, count: f64) -> Source {
    Source {
        law: SourceLaw::Crew {
            heat: 137.0 * count,
        },
        ..steady_source("crew", into, crew_rates(count))
    }
}

fn device(name: &str, into: usize, law: SourceLaw) -> Source {
    Source {
        law,
        ..steady_source(name, into, vec![0.0; 5])
    }
}

fn cabin(volume: f64) -> NetworkParts {
    NetworkParts {
        compartments: vec![isothermal(
            "cabin",
            volume,
            101_325.0,
            DRY_AIR_MOLE_FRACTIONS.to_vec(),
        )],
        ..NetworkParts::default()
    }
}

fn pp(net: &Network, y: &[f64], i: usize, s: usize) -> f64 {
    let sys = System::new(net);
    sys.snapshot(0.0, y).partial_pressure[i * net.gas.len() + s]
}

#[test]
fn a_crew_raises_ppco2_at_g_r_t_over_m_v() {
    let v = 10.0;
    let mut parts = cabin(v);
    parts.sources.push(crew(0, 3.0));
    let net = Network::new(parts).expect("valid network");
    let times: Vec<f64> = (0..=4).map(|k| k as f64 * 0.25 * DAY).collect();
    let (rows, _) = simulate_collect(&net, &settings(), DAY, &times).expect("the run succeeds");
    let g = 3.0 / DAY; // kg/s of CO2
    let slope = g * R_UNIVERSAL / net.gas.species[CO2].molar_mass * T_REF / v;
    let p0 = pp(&net, &rows[0].1, 0, CO2);
    for (t, y) in &rows {
        let want = p0 + slope * t;
        let got = pp(&net, y, 0, CO2);
        assert!(
            (got - want).abs() < tol(want),
            "t = {t}: {got} Pa vs {want} Pa"
        );
    }
}

#[test]
fn co2_removal_settles_at_g_over_q_eff_with_time_constant_v_over_q_eff() {
    let (v, q, eff) = (20.0, 0.01, 0.8); // m3, m3/s
    let mut parts = cabin(v);
    parts.sources.push(crew(0, 3.0));
    parts.sources.push(device(
        "vozdukh",
        0,
        SourceLaw::Removal {
            species: CO2,
            flow: q,
            efficiency: eff,
            capacity: None,
        },
    ));
    let net = Network::new(parts).expect("valid network");
    let tau = v / (q * eff);
    let times: Vec<f64> = [0.0, 0.5, 1.0, 2.0, 10.0].iter().map(|k| k * tau).collect();
    let (rows, _) =
        simulate_collect(&net, &settings(), 10.0 * tau, &times).expect("the run succeeds");
    // Steady ppCO2 = G / (Q eff) as a density, times R T: G R_CO2 T / (Q eff).
    let g = 3.0 / DAY;
    let steady = g * r_specific(&net.gas, CO2) * T_REF / (q * eff);
    let p0 = pp(&net, &rows[0].1, 0, CO2);
    for (t, y) in &rows {
        let want = steady + (p0 - steady) * (-t / tau).exp();
        let got = pp(&net, y, 0, CO2);
        assert!(
            (got - want).abs() < tol(want),
            "t = {t}: {got} Pa vs {want} Pa"
        );
    }
}

#[test]
fn a_condenser_holds_humidity_at_its_dew_point_plus_g_over_q() {
    let (v, q, dew) = (20.0, 0.05, 283.15);
    let mut parts = cabin(v);
    parts.sources.push(crew(0, 3.0));
    parts.sources.push(device(
        "chx",
        0,
        SourceLaw::Condenser {
            species: H2O,
            flow: q,
            dew_point: dew,
        },
    ));
    let net = Network::new(parts).expect("valid network");
    let (rows, _) =
        simulate_collect(&net, &settings(), 5.0 * DAY, &[5.0 * DAY]).expect("the run succeeds");
    // Steady: Q (x - d/2) = G with x = rho_w - p_sat(T_dew) / (R_w T) and d = 1e-3 of
    // the saturated density.
    let rw = r_specific(&net.gas, H2O);
    let rho_sat = plenum_physics::life::saturation_pressure(dew).0 / (rw * T_REF);
    let g = 6.84 / DAY;
    let want = (rho_sat + g / q + 0.5e-3 * rho_sat) * rw * T_REF;
    let got = pp(&net, &rows[0].1, 0, H2O);
    assert!((got - want).abs() < tol(want), "{got} Pa vs {want} Pa");
}

#[test]
fn oxygen_generation_on_a_band_settles_mid_band() {
    // The crew takes c; the generator gives up to 2c, scaled by s((hi - ppO2) / band):
    // at steady state s = 1/2, so x = 1/2 and ppO2 = hi - band / 2.
    let (hi, band) = (22_000.0, 1_000.0);
    let mut parts = cabin(20.0);
    parts.sources.push(crew(0, 3.0));
    let mut rates = vec![0.0; 5];
    rates[O2] = 2.0 * 2.52 / DAY;
    parts.sources.push(Source {
        law: SourceLaw::Feed {
            max_flow: 0.0,
            tank: None,
            control: Some(Control {
                sensed: Sensed::PartialPressure(O2),
                setpoint: hi,
                band,
            }),
        },
        ..steady_source("elektron", 0, rates)
    });
    let net = Network::new(parts).expect("valid network");
    let (rows, _) =
        simulate_collect(&net, &settings(), 20.0 * DAY, &[20.0 * DAY]).expect("the run succeeds");
    let got = pp(&net, &rows[0].1, 0, O2);
    assert!((got - (hi - band / 2.0)).abs() < tol(hi), "{got} Pa");
}

/// A 100 m3 cabin leaking through 0.5 mm2 to space, fed N2 from a 1 m3 tank at 10 MPa by
/// a regulator that holds the cabin between 99 and 100 kPa.
fn regulated() -> Network {
    let mut parts = cabin(100.0);
    let mut n2 = vec![0.0; 5];
    n2[N2] = 1.0;
    parts
        .compartments
        .push(isothermal("tank", 1.0, 10e6, n2.clone()));
    parts.boundaries.push(space());
    parts
        .links
        .push(link("leak", c(0), b(0), orifice(0.5e-6, 0.6)));
    parts.sources.push(device(
        "regulator",
        0,
        SourceLaw::Feed {
            max_flow: 2e-4,
            tank: Some(CompartmentId(1)),
            control: Some(Control {
                sensed: Sensed::Pressure,
                setpoint: 100e3,
                band: 1e3,
            }),
        },
    ));
    Network::new(parts).expect("valid network")
}

#[test]
fn a_regulator_holds_its_band_and_conserves_tank_cabin_and_leaked_mass() {
    let net = regulated();
    let times: Vec<f64> = (0..=200).map(|k| k as f64 * 0.05 * DAY).collect();
    let (rows, outcome) =
        simulate_collect(&net, &settings(), 10.0 * DAY, &times).expect("the run succeeds");
    let sys = System::new(&net);
    let total = |y: &[f64]| -> f64 { y[..sys.ledger_end()].iter().sum() };
    let m0 = total(&rows[0].1);
    let mut entered = false;
    for (t, y) in &rows {
        let s = sys.snapshot(*t, y);
        let p = s.pressure[0];
        if p <= 100e3 {
            entered = true;
        }
        if entered {
            assert!(
                (99e3 - tol(99e3)..=100e3 + tol(100e3)).contains(&p),
                "t = {t}: {p} Pa outside the band"
            );
        }
        // Tank + cabin + what space received.
        assert!(
            (total(y) - m0).abs() <= 1e-10 * m0,
            "t = {t}: books moved by {}",
            total(y) - m0
        );
    }
    assert!(entered, "the leak never brought the cabin into the band");
    // The tank gave what space received, less what the cabin lost.
    let end = sys.snapshot(outcome.end_time, &outcome.final_state);
    let start = sys.snapshot(0.0, &rows[0].1);
    let used = start.mass[1] - end.mass[1];
    let lost = end.received[0];
    assert!(
        used > 0.5 * lost && used < lost,
        "used {used} kg, lost {lost} kg"
    );
}

#[test]
fn ppo2_with_a_crew_and_a_linear_leak_follows_its_linear_ode() {
    // O2 and a diluent of O2's molar mass: the mixture's gas constant stays R/M whatever
    // the crew takes, so a linear leak K p removes each species at K R T m_s / V and
    // dm/dt = -c - m/tau with tau = V / (K R T): m = -c tau + (m0 + c tau) e^(-t/tau).
    let gas = Gas {
        species: vec![
            Species::new("O2", 31.9988e-3, 29.378),
            Species::new("X", 31.9988e-3, 29.124),
        ],
    };
    let (v, k) = (30.0, 5e-9); // m3, kg/(s Pa)
    let comp = isothermal("cabin", v, 70e3, vec![0.3, 0.7]);
    let c_o2 = 0.84 / DAY; // one crew member; the O2 lasts beyond 2 tau
    let crew = Source {
        law: SourceLaw::Crew { heat: 0.0 },
        ..steady_source("crew", 0, vec![-c_o2, 0.0])
    };
    let parts = NetworkParts {
        gas: Some(gas),
        compartments: vec![comp],
        boundaries: vec![space()],
        links: vec![link(
            "leak",
            c(0),
            b(0),
            FlowElement::Linear { k: constant(k) },
        )],
        sources: vec![crew],
        ..NetworkParts::default()
    };
    let net = Network::new(parts).expect("valid network");
    let r = net.gas.species[0].r_specific();
    let tau = v / (k * r * T_REF);
    let times: Vec<f64> = (0..=4).map(|j| j as f64 * 0.5 * tau).collect();
    let (rows, _) =
        simulate_collect(&net, &settings(), 2.0 * tau, &times).expect("the run succeeds");
    let m0 = rows[0].1[0];
    for (t, y) in &rows {
        let want = -c_o2 * tau + (m0 + c_o2 * tau) * (-t / tau).exp();
        let p_want = want * r * T_REF / v;
        let got = pp(&net, y, 0, 0);
        assert!(
            (got - p_want).abs() < tol(p_want),
            "t = {t}: {got} vs {p_want} Pa"
        );
    }
}

#[test]
fn the_24_hour_average_crosses_where_its_closed_form_does() {
    // ppCO2 rises linearly, p0 + a t; its average over the day before t (the initial value
    // before the start) is p0 + a t^2 / (2W) for t < W and p0 + a (t - W/2) after.
    let v = 10.0;
    let mut parts = cabin(v);
    parts.sources.push(crew(0, 3.0));
    let w = DAY;
    parts.averages.push(Average {
        quantity: Quantity::PartialPressure(CompartmentId(0), CO2),
        window: w,
    });
    let net0 = Network::new(parts.clone()).expect("valid network");
    let y0 = System::new(&net0).initial_state();
    let p0 = pp(&net0, &y0, 0, CO2);
    let a = 3.0 / DAY * r_specific(&net0.gas, CO2) * T_REF / v;
    // One limit inside the first day, one after it.
    let early = p0 + a * (0.5 * w).powi(2) / (2.0 * w);
    let late = p0 + a * (1.7 * w - w / 2.0);
    for (name, limit) in [("early", early), ("late", late)] {
        parts.events.push(Event {
            name: name.into(),
            trigger: Trigger::Crosses {
                quantity: Quantity::Average(AverageId(0)),
                threshold: limit,
                direction: Direction::Rising,
            },
            actions: vec![plenum_physics::Action::Log],
            repeat: false,
        });
    }
    let net = Network::new(parts).expect("valid network");
    let (_, outcome) =
        simulate_collect(&net, &settings(), 3.0 * DAY, &[]).expect("the run succeeds");
    let times: Vec<f64> = outcome.events.iter().map(|e| e.time).collect();
    assert_eq!(times.len(), 2, "{times:?}");
    for (got, want) in times.iter().zip([0.5 * w, 1.7 * w]) {
        // The crossing time's error is the average's error over its slope, a/2 or a.
        let dt = tol(late) / (0.5 * a);
        assert!(
            (got - want).abs() < dt,
            "{got} s vs {want} s (allowed {dt} s)"
        );
    }
}

/// A random network of one to three compartments with removals far larger than what
/// they hold: sinks of every kind, a crew, a leak.
fn drained(seed: &[f64]) -> Network {
    let nc = 1 + (seed[0] * 3.0) as usize;
    let mut parts = NetworkParts::default();
    for i in 0..nc {
        parts.compartments.push(isothermal(
            &format!("c{i}"),
            1.0 + 20.0 * seed[1 + i],
            20e3 + 1e5 * seed[4 + i],
            DRY_AIR_MOLE_FRACTIONS.to_vec(),
        ));
    }
    parts.boundaries.push(space());
    for i in 0..nc {
        let mut sink = vec![0.0; 5];
        // 1 to 1000 kg/day of each species out: days to empty are minutes to hours.
        for (s, r) in sink.iter_mut().enumerate() {
            *r = -10f64.powf(3.0 * seed[(7 + i + s) % seed.len()]) / DAY * 100.0;
        }
        parts
            .sources
            .push(steady_source(&format!("sink{i}"), i, sink));
        parts.sources.push(device(
            &format!("scrub{i}"),
            i,
            SourceLaw::Removal {
                species: CO2,
                flow: 10.0 * seed[12],
                efficiency: 1.0,
                capacity: Some(1e-3),
            },
        ));
        parts.sources.push(device(
            &format!("chx{i}"),
            i,
            SourceLaw::Condenser {
                species: H2O,
                flow: 5.0 * seed[13],
                dew_point: 275.0,
            },
        ));
        parts.sources.push(Source {
            name: format!("crew{i}"),
            ..crew(i, 1.0 + 20.0 * seed[14])
        });
        if i + 1 < nc {
            parts
                .links
                .push(link(&format!("l{i}"), c(i), c(i + 1), orifice(1e-4, 0.6)));
        }
    }
    parts
        .links
        .push(link("leak", c(0), b(0), orifice(1e-5 * seed[15], 0.6)));
    Network::new(parts).expect("valid network")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn sinks_larger_than_the_inventory_never_make_a_species_negative(
        seed in prop::collection::vec(0.0f64..1.0, 16)
    ) {
        let net = drained(&seed);
        let s = Settings::default();
        let times: Vec<f64> = (0..=20).map(|k| k as f64 * 0.1 * DAY).collect();
        let (rows, outcome) = simulate_collect(&net, &s, 2.0 * DAY, &times).expect("the run succeeds");
        let sys = System::with_tolerance(&net, s.atol_pressure);
        let atol = sys.absolute_tolerances(s.atol_pressure);
        let ns = net.gas.len();
        let species_total = |y: &[f64], sp: usize| -> f64 {
            let mut m = 0.0;
            for i in 0..net.compartments.len() {
                m += y[sys.compartment_offset(i) + sp];
            }
            let books = (sys.ledger_end() - sys.ledger_offset()) / ns;
            for k in 0..books {
                m += y[sys.ledger_offset() + k * ns + sp];
            }
            m
        };
        for (t, y) in rows.iter().chain(std::iter::once(&(outcome.end_time, outcome.final_state.clone()))) {
            for i in 0..net.compartments.len() {
                for sp in 0..ns {
                    let k = sys.compartment_offset(i) + sp;
                    prop_assert!(y[k] >= -atol[k], "t = {}: species {} of c{} at {} kg", t, sp, i, y[k]);
                }
            }
            for sp in 0..ns {
                let m0 = species_total(&rows[0].1, sp);
                let scale = m0.abs().max(1.0);
                prop_assert!(
                    (species_total(y, sp) - m0).abs() <= 1e-10 * scale,
                    "t = {}: species {} moved by {} kg", t, sp, species_total(y, sp) - m0
                );
            }
        }
    }
}

#[test]
fn the_jacobian_of_every_device_matches_finite_differences() {
    // An energy-balance cabin with every law in its nonlinear range: the CO2 bed near its
    // capacity, the condenser above the dew point, the O2 generator and the make-up mid-band,
    // the tank 1.7 kPa over the cabin (its availability ramp), a running average.
    let cabin = Compartment {
        thermal: plenum_physics::Thermal::Energy {
            conductance: 50.0,
            wall_temperature: constant(T_REF),
            heat_load: constant(0.0),
        },
        ..isothermal(
            "cabin",
            20.0,
            101_325.0,
            vec![0.76, 0.2095, 0.0093, 0.0012, 0.02],
        )
    };
    let mut n2 = vec![0.0; 5];
    n2[N2] = 1.0;
    let mut o2 = vec![0.0; 5];
    o2[O2] = 5.0 / DAY;
    let control = |sensed, setpoint, band| {
        Some(Control {
            sensed,
            setpoint,
            band,
        })
    };
    let parts = NetworkParts {
        compartments: vec![cabin, isothermal("tank", 0.1, 103_000.0, n2)],
        boundaries: vec![space()],
        links: vec![link("leak", c(0), b(0), orifice(1e-6, 0.6))],
        sources: vec![
            crew(0, 3.0),
            device(
                "bed",
                0,
                SourceLaw::Removal {
                    species: CO2,
                    flow: 0.01,
                    efficiency: 1.0,
                    capacity: Some(2e-5),
                },
            ),
            device(
                "chx",
                0,
                SourceLaw::Condenser {
                    species: H2O,
                    flow: 0.02,
                    dew_point: 283.15,
                },
            ),
            Source {
                law: SourceLaw::Feed {
                    max_flow: 0.0,
                    tank: None,
                    control: control(Sensed::PartialPressure(O2), 22_000.0, 2_000.0),
                },
                ..steady_source("gen", 0, o2)
            },
            device(
                "makeup",
                0,
                SourceLaw::Feed {
                    max_flow: 1e-4,
                    tank: Some(CompartmentId(1)),
                    control: control(Sensed::PartialPressure(N2), 77_500.0, 1_000.0),
                },
            ),
        ],
        averages: vec![Average {
            quantity: Quantity::PartialPressure(CompartmentId(0), CO2),
            window: DAY,
        }],
        ..NetworkParts::default()
    };
    let net = Network::new(parts).expect("valid network");
    let y = System::new(&net).initial_state();
    if let Err(e) = plenum_physics::reference::jvp_mismatch(&net, &y) {
        panic!("{e}");
    }
}
