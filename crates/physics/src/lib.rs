//! # plenum-physics
//!
//! The physics of Plenum: a graph of gas volumes (compartments), boundaries (vacuum, fixed
//! reservoirs) and links carrying compressible flow (orifices, cracks, hatch seals, open
//! hatches, fans), integrated in time with a stiff BDF method (Plenum's own on small dense
//! systems, diffsol's on large sparse ones) and an analytic Jacobian-vector product, with
//! schedules, events and a log of flow reversals.
//!
//! It does not read files, parse units, run threads or draw plots: that is `plenum-runner`.
//! All quantities are SI.
//!
//! ```
//! use plenum_physics::*;
//!
//! // A 30 m3 vessel at 1 atm blowing down to vacuum through a 1 mm2 hole (Cd 0.6).
//! let gas = Gas::perfect("air", 287.05, 1.4);
//! let parts = NetworkParts {
//!     gas: Some(gas),
//!     compartments: vec![Compartment {
//!         name: "vessel".into(),
//!         volume: 30.0,
//!         pressure: 101_325.0,
//!         temperature: 295.0,
//!         composition: vec![1.0],
//!         thermal: Thermal::Isothermal { temperature: Schedule::Constant(295.0) },
//!     }],
//!     boundaries: vec![Boundary { name: "space".into(), kind: BoundaryKind::Vacuum }],
//!     links: vec![Link {
//!         name: "hole".into(),
//!         from: NodeId::Compartment(CompartmentId(0)),
//!         to: NodeId::Boundary(BoundaryId(0)),
//!         element: FlowElement::Orifice {
//!             area: Schedule::Constant(1e-6),
//!             cd: Schedule::Constant(0.6),
//!             area_law: AreaLaw::Fixed,
//!         },
//!         opening: Schedule::Constant(1.0),
//!         open: true,
//!     }],
//!     ..NetworkParts::default()
//! };
//! let net = Network::new(parts).expect("valid network");
//! let day = 86_400.0;
//! let (rows, outcome) = simulate_collect(&net, &Settings::default(), day, &[0.0, day]).unwrap();
//! let sys = System::new(&net);
//! let p_end = sys.snapshot(day, &rows[1].1).pressure[0];
//! // tau = V / (Cd A Phi sqrt(gamma R T)) = 2.904 days: p = p0 exp(-1/2.904).
//! assert!((p_end / 101_325.0 - (-day / 250_934.25_f64).exp()).abs() < 1e-5);
//! assert!(outcome.stats.steps < 200);
//! ```

pub mod element;
pub mod error;
pub mod gas;
pub mod life;
pub mod model;
pub mod reference;
pub mod schedule;
pub mod simulate;
pub mod system;

pub use element::{
    choke_factor, critical_ratio, AreaLaw, CrackGeometry, Flow, FlowElement, GasState, Parameter,
    SealSide,
};
pub use error::{ModelError, SimError};
pub use gas::{Gas, Mixture, Species, DRY_AIR_MOLE_FRACTIONS, R_UNIVERSAL};
pub use life::{Control, Sensed, SourceLaw};
pub use model::{
    Action, Average, AverageId, Boundary, BoundaryId, BoundaryKind, Compartment, CompartmentId,
    Direction, Event, EventId, Link, LinkId, Network, NetworkParts, NodeId, Quantity, Source,
    SourceId, Switches, Thermal, Trigger,
};
pub use schedule::Schedule;
pub use simulate::{
    simulate, simulate_collect, FiredEvent, Jacobian, Method, Observer, Outcome, Reversal,
    Settings, Stats, SPARSE_ABOVE,
};
pub use system::{Snapshot, System};
