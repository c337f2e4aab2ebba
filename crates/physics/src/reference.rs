//! The reference problems P1-P3b of the peer baseline (`shared/peers/PROBLEMS.md`), built in
//! code, for tests and benchmarks. Calorically perfect air, R = 287.05 J/(kg K), gamma = 1.4.

use crate::element::{AreaLaw, FlowElement};
use crate::gas::Gas;
use crate::life::SourceLaw;
use crate::model::*;
use crate::schedule::Schedule;
use crate::system::System;

/// Specific gas constant of the reference air, J/(kg K).
pub const R_AIR: f64 = 287.05;
/// Reference temperature, K.
pub const T_REF: f64 = 295.0;
/// s.
pub const DAY: f64 = 86_400.0;
/// s.
pub const HOUR: f64 = 3_600.0;

/// The P3 modules: name, volume m3, initial pressure Pa.
pub const P3_MODULES: [(&str, f64, f64); 13] = [
    ("Zvezda", 75.0, 101325.0),
    ("PrK", 4.0, 101325.0),
    ("Zarya", 70.0, 101200.0),
    ("Unity", 60.0, 101400.0),
    ("Destiny", 105.0, 101500.0),
    ("Harmony", 70.0, 101300.0),
    ("Kibo", 150.0, 101100.0),
    ("Columbus", 75.0, 101250.0),
    ("Tranquility", 75.0, 101350.0),
    ("Cupola", 2.0, 101000.0),
    ("Quest", 34.0, 100500.0),
    ("Poisk", 14.0, 101325.0),
    ("Nauka", 70.0, 101600.0),
];

/// P3 open hatches: (a, b, K kg/(s Pa)).
pub const P3_HATCHES: [(&str, &str, f64); 11] = [
    ("Zvezda", "Zarya", 8.55e-4),
    ("Zvezda", "Poisk", 4.64e-4),
    ("Zvezda", "Nauka", 8.55e-4),
    ("Zarya", "Unity", 3.82e-4),
    ("Unity", "Destiny", 9.02e-4),
    ("Unity", "Tranquility", 7.87e-4),
    ("Unity", "Quest", 6.41e-4),
    ("Tranquility", "Cupola", 2.30e-4),
    ("Destiny", "Harmony", 9.92e-4),
    ("Harmony", "Columbus", 8.55e-4),
    ("Harmony", "Kibo", 8.05e-4),
];

/// P3 Zvezda-PrK seal conductance, kg/(s Pa).
pub const P3_K_SEAL: f64 = 4.0e-10;
/// P3 PrK crack area, m2 (Cd = 1).
pub const P3_CRACK_AREA: f64 = 8.0e-8;

fn air() -> Gas {
    Gas::perfect("air", R_AIR, 1.4)
}

// Builders of networks, shared by the tests and benchmarks of the physics.

/// A constant schedule.
pub fn constant(v: f64) -> Schedule {
    Schedule::Constant(v)
}

/// An isothermal compartment at [`T_REF`].
pub fn isothermal(name: &str, volume: f64, pressure: f64, composition: Vec<f64>) -> Compartment {
    Compartment {
        name: name.into(),
        volume,
        pressure,
        temperature: T_REF,
        composition,
        thermal: Thermal::Isothermal {
            temperature: constant(T_REF),
        },
    }
}

/// An adiabatic compartment (energy balance, no wall conductance, no heat load) at
/// [`T_REF`].
pub fn adiabatic(name: &str, volume: f64, pressure: f64, composition: Vec<f64>) -> Compartment {
    Compartment {
        thermal: Thermal::Energy {
            conductance: 0.0,
            wall_temperature: constant(T_REF),
            heat_load: constant(0.0),
        },
        ..isothermal(name, volume, pressure, composition)
    }
}

/// An open link, fully open.
pub fn link(name: &str, from: NodeId, to: NodeId, element: FlowElement) -> Link {
    Link {
        name: name.into(),
        from,
        to,
        element,
        opening: constant(1.0),
        open: true,
    }
}

/// An orifice of constant area (m2) and discharge coefficient.
pub fn orifice(area: f64, cd: f64) -> FlowElement {
    scheduled_orifice(constant(area), cd)
}

fn scheduled_orifice(area: Schedule, cd: f64) -> FlowElement {
    FlowElement::Orifice {
        area,
        cd: constant(cd),
        area_law: AreaLaw::Fixed,
    }
}

/// Compartment `i`.
pub fn c(i: usize) -> NodeId {
    NodeId::Compartment(CompartmentId(i))
}

/// Boundary `i`.
pub fn b(i: usize) -> NodeId {
    NodeId::Boundary(BoundaryId(i))
}

/// A vacuum boundary named `space`.
pub fn space() -> Boundary {
    Boundary {
        name: "space".into(),
        kind: BoundaryKind::Vacuum,
    }
}

/// A reservoir at [`T_REF`].
pub fn reservoir(name: &str, pressure: f64, composition: Vec<f64>) -> Boundary {
    Boundary {
        name: name.into(),
        kind: BoundaryKind::Reservoir {
            pressure,
            temperature: T_REF,
            composition,
        },
    }
}

/// A source that runs at constant `rates` (kg/s per species, negative removes) at 295 K.
pub fn steady_source(name: &str, into: usize, rates: Vec<f64>) -> Source {
    Source {
        name: name.into(),
        into: CompartmentId(into),
        rates,
        schedule: constant(1.0),
        temperature: 295.0,
        active: true,
        law: SourceLaw::Fixed,
    }
}

/// P1: 30 m3 at 101 325 Pa, 1 mm2 hole with Cd 0.6 to vacuum; isothermal or adiabatic.
pub fn p1(adiabatic_vessel: bool) -> NetworkParts {
    let build = if adiabatic_vessel {
        adiabatic
    } else {
        isothermal
    };
    NetworkParts {
        gas: Some(air()),
        compartments: vec![build("vessel", 30.0, 101_325.0, vec![1.0])],
        boundaries: vec![space()],
        links: vec![link("hole", c(0), b(0), orifice(1e-6, 0.6))],
        ..NetworkParts::default()
    }
}

/// P1 time constant tau = V / (Cd A Phi sqrt(gamma R T)), s.
pub fn p1_tau() -> f64 {
    let phi = crate::element::choke_factor(1.4);
    30.0 / (0.6 * 1e-6 * phi * (1.4 * R_AIR * T_REF).sqrt())
}

/// P2: 100 m3 at 101 325 Pa and 10 m3 at 70 000 Pa through K = 1e-6 kg/(s Pa).
pub fn p2() -> NetworkParts {
    NetworkParts {
        gas: Some(air()),
        compartments: vec![
            isothermal("big", 100.0, 101_325.0, vec![1.0]),
            isothermal("small", 10.0, 70_000.0, vec![1.0]),
        ],
        links: vec![link(
            "valve",
            c(0),
            c(1),
            FlowElement::Linear {
                k: Schedule::Constant(1e-6),
            },
        )],
        ..NetworkParts::default()
    }
}

/// P3 with a given crack area (m2, Cd 1) and seal conductance (kg/(s Pa)).
pub fn p3_with(crack_area: f64, k_seal: f64) -> NetworkParts {
    let idx = |n: &str| P3_MODULES.iter().position(|m| m.0 == n).unwrap_or(0);
    let compartments = P3_MODULES
        .iter()
        .map(|(n, v, p)| isothermal(n, *v, *p, vec![1.0]))
        .collect();
    let mut links: Vec<Link> = P3_HATCHES
        .iter()
        .map(|(a, bn, k)| {
            link(
                &format!("{a}-{bn}"),
                c(idx(a)),
                c(idx(bn)),
                FlowElement::Linear {
                    k: Schedule::Constant(*k),
                },
            )
        })
        .collect();
    links.push(link(
        "seal",
        c(idx("Zvezda")),
        c(idx("PrK")),
        FlowElement::Linear {
            k: Schedule::Constant(k_seal),
        },
    ));
    links.push(link("crack", c(idx("PrK")), b(0), orifice(crack_area, 1.0)));
    NetworkParts {
        gas: Some(air()),
        compartments,
        boundaries: vec![space()],
        links,
        ..NetworkParts::default()
    }
}

/// P3: the 13-module ISS-like network.
pub fn p3() -> NetworkParts {
    p3_with(P3_CRACK_AREA, P3_K_SEAL)
}

/// P3b: P3 plus the gap volume and the 1-hour leak shift at day 10.
pub fn p3b() -> NetworkParts {
    let mut parts = p3();
    let t_s = 10.0 * DAY;
    let t_r = HOUR;
    let gap = parts.compartments.len();
    parts
        .compartments
        .push(isothermal("gap", 0.5, 0.0, vec![1.0]));
    let prk = 1;
    for l in &mut parts.links {
        if l.name == "crack" {
            l.element = scheduled_orifice(
                Schedule::Ramp {
                    from: P3_CRACK_AREA,
                    to: 0.0,
                    start: t_s,
                    end: t_s + t_r,
                },
                1.0,
            );
        }
    }
    parts.links.push(link(
        "inward",
        c(prk),
        c(gap),
        FlowElement::Linear {
            k: Schedule::Ramp {
                from: 0.0,
                to: 5.0e-11,
                start: t_s,
                end: t_s + t_r,
            },
        },
    ));
    parts
        .links
        .push(link("vent", c(gap), b(0), orifice(1e-6, 1.0)));
    parts
}

/// The shape of a [`scaling_network`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// Compartment i joined to i + 1: n - 1 links.
    Chain,
    /// A binary tree, compartment i joined to (i - 1) / 2: n - 1 links.
    Tree,
    /// A square grid (rows of ceil(sqrt n)), each joined to its right and lower neighbour:
    /// about 2 n links.
    Mesh,
}

/// `n` isothermal air compartments of 20-69 m3 at 100.3-102.3 kPa (spread deterministically),
/// joined in `topology` by 1 cm2 orifices (Cd 0.6), compartment 0 leaking to space through
/// 1 mm2 (Cd 0.6): the networks of the size-scaling bench and the sparse-path tests.
pub fn scaling_network(topology: Topology, n: usize) -> NetworkParts {
    let compartments = (0..n)
        .map(|i| {
            let volume = 20.0 + ((i * 37) % 50) as f64;
            let pressure = 100_325.0 + 20.0 * ((i * 7919) % 101) as f64;
            isothermal(&format!("m{i}"), volume, pressure, vec![1.0])
        })
        .collect();
    let hatch = |i: usize, j: usize| link(&format!("h{i}-{j}"), c(i), c(j), orifice(1e-4, 0.6));
    let mut links: Vec<Link> = match topology {
        Topology::Chain => (1..n).map(|i| hatch(i - 1, i)).collect(),
        Topology::Tree => (1..n).map(|i| hatch((i - 1) / 2, i)).collect(),
        Topology::Mesh => {
            let w = (n as f64).sqrt().ceil() as usize;
            let mut l = Vec::new();
            for i in 0..n {
                if (i + 1) % w != 0 && i + 1 < n {
                    l.push(hatch(i, i + 1));
                }
                if i + w < n {
                    l.push(hatch(i, i + w));
                }
            }
            l
        }
    };
    links.push(link("leak", c(0), b(0), orifice(1e-6, 0.6)));
    NetworkParts {
        gas: Some(air()),
        compartments,
        boundaries: vec![space()],
        links,
        ..NetworkParts::default()
    }
}

/// Compare J v (analytic) of `net` at `y` with the central difference (f(y + h e_j) - f(y - h e_j)) / 2h
/// for every column j. The step is h_j = 1e-5 max(|y_j|, atol_j): the truncation error is
/// (h^2/6) f''' ~ 1e-10 of the column's scale for laws smooth on the scale of the state,
/// and the round-off eps |f| / h ~ 2e-11 |f| / |y_j|; a column passes when every entry is
/// within 1e-6 of the column's largest entry (plus 1e-9 of |f|/y_j for the round-off).
/// Composition terms missing from the product show as errors of 10 % and more.
pub fn jvp_mismatch(net: &Network, y: &[f64]) -> Result<(), String> {
    let sys = System::new(net);
    let n = sys.len();
    let atol = sys.absolute_tolerances(1e-3);
    let mut f0 = vec![0.0; n];
    sys.rhs(0.0, y, &mut f0);
    let f_scale = f0.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let (mut fp, mut fm, mut jv) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    for j in 0..n {
        let h = 1e-5 * y[j].abs().max(atol[j]);
        let (mut yp, mut ym) = (y.to_vec(), y.to_vec());
        yp[j] += h;
        ym[j] -= h;
        sys.rhs(0.0, &yp, &mut fp);
        sys.rhs(0.0, &ym, &mut fm);
        let mut v = vec![0.0; n];
        v[j] = 1.0;
        sys.jvp(0.0, y, &v, &mut jv);
        let fd: Vec<f64> = fp
            .iter()
            .zip(&fm)
            .map(|(a, b)| (a - b) / (2.0 * h))
            .collect();
        let col = fd.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let tol = 1e-6 * col + 1e-9 * f_scale / y[j].abs().max(atol[j]);
        for i in 0..n {
            if (jv[i] - fd[i]).abs() > tol || !jv[i].is_finite() {
                return Err(format!(
                    "J[{i}][{j}] = {:e}, finite difference {:e} (tolerance {tol:e})",
                    jv[i], fd[i]
                ));
            }
        }
    }
    Ok(())
}
