//! The sparse Jacobian path (issue 12): its structural pattern holds every entry the
//! analytic Jacobian-vector product can make non-zero, and a network solved with the dense
//! and the sparse Jacobian gives the same answer to within the solver's tolerance.
//!
//! Tolerance of the dense/sparse comparison: both runs take the same BDF steps with the
//! same error test; only the linear algebra of the Newton iteration differs (dense LU of a
//! Jacobian from unit-vector products, sparse LU of one from coloured products: the same
//! entries, summed in another order). Newton stops when its update is below a fraction of
//! the error weights w_i = rtol |y_i| + atol_i, so the two solutions of each step differ by
//! less than one weight, and the networks here are dissipative (flows down pressure
//! differences), so these differences do not grow. So at every output each state may
//! differ by at most one error weight: |y_dense - y_sparse| <= rtol |y| + atol, entry by
//! entry. A wrong Jacobian entry in the sparse path changes the Newton iterates by far more
//! (or the step sequence, which the test also compares).

use plenum_physics::reference::{
    self, b, c, constant, isothermal, link, orifice, reservoir, scaling_network, space,
    steady_source, Topology, DAY, T_REF,
};
use plenum_physics::{
    simulate_collect, Average, Compartment, CompartmentId, Control, Jacobian, Network,
    NetworkParts, Quantity, Sensed, Settings, Source, SourceLaw, System, Thermal,
    DRY_AIR_MOLE_FRACTIONS,
};

const O2: usize = 1;
const CO2: usize = 3;
const H2O: usize = 4;

/// Two energy-balance cabins and a tank, five species, every kind of source and link end:
/// a crew, a CO2 bed, a condenser, a make-up feed from the tank under control, a leak to
/// space, a vent to a reservoir, a running average.
fn station() -> Network {
    let cabin = |name: &str, volume: f64, pressure: f64| Compartment {
        thermal: Thermal::Energy {
            conductance: 50.0,
            wall_temperature: constant(T_REF),
            heat_load: constant(100.0),
        },
        ..isothermal(
            name,
            volume,
            pressure,
            vec![0.76, 0.2095, 0.0093, 0.0012, 0.02],
        )
    };
    let mut n2 = vec![0.0; 5];
    n2[0] = 1.0;
    let device = |name: &str, into: usize, law: SourceLaw| Source {
        law,
        ..steady_source(name, into, vec![0.0; 5])
    };
    let mut crew_rates = vec![0.0; 5];
    crew_rates[O2] = -0.84 * 3.0 / DAY;
    crew_rates[CO2] = 3.0 / DAY;
    crew_rates[H2O] = 2.28 * 3.0 / DAY;
    let parts = NetworkParts {
        compartments: vec![
            cabin("lab", 60.0, 101_325.0),
            cabin("node", 40.0, 100_800.0),
            isothermal("tank", 0.5, 2e6, n2),
        ],
        boundaries: vec![
            space(),
            reservoir("airlock", 70_000.0, DRY_AIR_MOLE_FRACTIONS.to_vec()),
        ],
        links: vec![
            link("hatch", c(0), c(1), orifice(1e-3, 0.6)),
            link("leak", c(1), b(0), orifice(1e-6, 0.6)),
            link("vent", b(1), c(0), orifice(1e-7, 0.6)),
        ],
        sources: vec![
            Source {
                law: SourceLaw::Crew { heat: 300.0 },
                ..steady_source("crew", 0, crew_rates)
            },
            device(
                "bed",
                1,
                SourceLaw::Removal {
                    species: CO2,
                    flow: 0.01,
                    efficiency: 0.9,
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
            device(
                "makeup",
                1,
                SourceLaw::Feed {
                    max_flow: 1e-4,
                    tank: Some(CompartmentId(2)),
                    control: Some(Control {
                        sensed: Sensed::Pressure,
                        setpoint: 101_000.0,
                        band: 1_000.0,
                    }),
                },
            ),
        ],
        averages: vec![Average {
            quantity: Quantity::PartialPressure(CompartmentId(0), CO2),
            window: DAY,
        }],
        ..NetworkParts::default()
    };
    Network::new(parts).expect("valid network")
}

fn networks() -> Vec<(String, Network)> {
    let mut nets = vec![
        ("P3".to_string(), Network::new(reference::p3()).expect("P3")),
        (
            "P3b".to_string(),
            Network::new(reference::p3b()).expect("P3b"),
        ),
        ("station".to_string(), station()),
    ];
    for t in [Topology::Chain, Topology::Tree, Topology::Mesh] {
        let net = Network::new(scaling_network(t, 30)).expect("scaling network");
        nets.push((format!("{t:?} 30"), net));
    }
    nets
}

#[test]
fn issue12_the_pattern_holds_every_entry_the_jacobian_can_fill() {
    for (name, net) in networks() {
        let sys = System::new(&net);
        let n = sys.len();
        let pattern = sys.jacobian_pattern();
        assert!(
            pattern.windows(2).all(|w| w[0] < w[1]),
            "{name}: sorted, no repeats"
        );
        assert!((0..n).all(|i| pattern.binary_search(&(i, i)).is_ok()));
        // A NaN in column j reaches exactly the rows whose rates depend on state j
        // (the probe diffsol itself uses to find a pattern).
        let y = sys.initial_state();
        let mut v = vec![0.0; n];
        let mut out = vec![0.0; n];
        for j in 0..n {
            v[j] = f64::NAN;
            sys.jvp(0.5 * DAY, &y, &v, &mut out);
            v[j] = 0.0;
            for (i, o) in out.iter().enumerate() {
                if o.is_nan() || *o != 0.0 {
                    assert!(
                        pattern.binary_search(&(i, j)).is_ok(),
                        "{name}: d rate {i} / d state {j} is missing from the pattern"
                    );
                }
            }
        }
        // Sparse: at most a few blocks per link and source, not n^2.
        let links = net.links.len() + net.sources.len() + net.averages.len();
        let block = net.gas.len() + 1;
        assert!(
            pattern.len() <= n + (net.compartments.len() + 4 * links) * block * block,
            "{name}: {} entries",
            pattern.len()
        );
    }
}

#[test]
fn issue12_dense_and_sparse_jacobians_give_the_same_answer() {
    for (name, net) in networks() {
        let base = Settings {
            rtol: 1e-7,
            atol_pressure: 1e-4,
            ..Settings::default()
        };
        let t_end = if name.starts_with("P3") {
            30.0 * DAY
        } else {
            5.0 * DAY
        };
        let times: Vec<f64> = (0..=20).map(|k| k as f64 * t_end / 20.0).collect();
        let run = |jacobian| {
            let s = Settings {
                jacobian,
                ..base.clone()
            };
            simulate_collect(&net, &s, t_end, &times)
                .unwrap_or_else(|e| panic!("{name} {jacobian:?}: {e}"))
        };
        // The same integrator (diffsol's BDF) on the dense and on the sparse linear algebra:
        // they differ only by the round-off of the two LU factorisations.
        let (dense, od) = run(Jacobian::DiffsolDense);
        let (sparse, os) = run(Jacobian::Sparse);
        assert_eq!(dense.len(), sparse.len(), "{name}: outputs");
        let sys = System::with_tolerance(&net, base.atol_pressure);
        let atol = sys.absolute_tolerances(base.atol_pressure);
        let mut worst = 0.0_f64;
        for ((t, yd), (ts, ys)) in dense.iter().zip(&sparse) {
            assert_eq!(t, ts);
            for i in 0..yd.len() {
                let w = base.rtol * yd[i].abs() + atol[i];
                let d = (yd[i] - ys[i]).abs() / w;
                worst = worst.max(d);
                assert!(
                    d <= 1.0,
                    "{name}: t = {t} s, state {i}: dense {} sparse {} ({d:.3} error weights)",
                    yd[i],
                    ys[i]
                );
            }
        }
        // Flow reversals: the same links turn the same way at the same times (the sparse
        // path locates them on six samples of the step's interpolant, a polynomial of degree
        // at most five that they reproduce to round-off; the states differ by less than one
        // error weight, which moves a zero crossing by a small fraction of a step).
        assert_eq!(od.reversals.len(), os.reversals.len(), "{name}: reversals");
        let step = t_end / od.stats.steps as f64;
        for (a, b) in od.reversals.iter().zip(&os.reversals) {
            assert_eq!((a.link, a.now_forward), (b.link, b.now_forward), "{name}");
            assert!(
                (a.time - b.time).abs() <= 1e-3 * step,
                "{name}: reversal of {:?} at {} s dense, {} s sparse",
                a.link,
                a.time,
                b.time
            );
        }
        eprintln!(
            "{name}: {} reversals, largest difference {worst:.2e} error weights; steps {} / {}, jacobians {} / {}",
            od.reversals.len(),
            od.stats.steps,
            os.stats.steps,
            od.stats.jacobian_evals,
            os.stats.jacobian_evals
        );
        // The sparse Jacobian costs a few products per assembly, the dense one n.
        let n = sys.len();
        assert!(os.stats.jacobian_evals > 0);
        assert!(os.stats.jvp_evals < od.stats.jvp_evals || n < 8, "{name}");
    }
}

#[test]
fn issue12_auto_is_dense_for_small_networks_and_sparse_for_large_ones() {
    let p3 = Network::new(reference::p3()).expect("P3");
    let n = System::new(&p3).len();
    assert!(!Jacobian::Auto.is_sparse(n));
    assert!(Jacobian::Auto.is_sparse(plenum_physics::SPARSE_ABOVE + 1));
    assert!(!Jacobian::Auto.is_sparse(plenum_physics::SPARSE_ABOVE));
    assert!(Jacobian::Sparse.is_sparse(1) && !Jacobian::Dense.is_sparse(1 << 20));
    // P3 under Auto is the dense path, bit for bit.
    let times: Vec<f64> = (0..=30).map(|k| k as f64 * DAY).collect();
    let run = |jacobian| {
        let s = Settings {
            jacobian,
            ..Settings::default()
        };
        simulate_collect(&p3, &s, 30.0 * DAY, &times).expect("P3 runs")
    };
    let (auto, oa) = run(Jacobian::Auto);
    let (dense, od) = run(Jacobian::Dense);
    assert_eq!(auto, dense);
    assert_eq!(oa.stats, od.stats);
    // A 300-compartment chain is sparse: its Jacobians cost a handful of products each,
    // not one per state.
    let chain = Network::new(scaling_network(Topology::Chain, 300)).expect("chain");
    let s = Settings::default();
    let (_, o) = simulate_collect(&chain, &s, DAY, &[DAY]).expect("chain runs");
    assert!(o.stats.jacobian_evals > 0);
    assert!(
        o.stats.jvp_evals < 10 * o.stats.jacobian_evals,
        "{:?}",
        o.stats
    );
}
