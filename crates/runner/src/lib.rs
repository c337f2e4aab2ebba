//! # plenum-runner
//!
//! Scenario files in, results out. Reads a scenario written in RON (see
//! `docs/scenario-format.md`), checks it in two stages (wire types, then the validated
//! model, both in [`scenario`]) into the run configuration ([`config`]), reporting every
//! problem at once with its line and column ([`diag`]), runs it with the physics core ([`run`]), and writes the time series,
//! the summary and the plots atomically ([`output`]), replacing only what it can prove it
//! wrote ([`output::safety`]). Units ([`units`]), "did you mean"
//! suggestions ([`suggest`]) and charts ([`plot`]) are here too.
//!
//! It does not integrate anything itself (that is `plenum-physics`) and has no command line
//! (that is the `plenum` binary).
//!
//! ```
//! let text = r#"Scenario(
//!     name: "blowdown",
//!     duration: "1 day",
//!     compartments: [(name: "cabin", volume: "30 m3", pressure: "1 atm", temperature: "22 degC")],
//!     boundaries: [(name: "space", kind: Vacuum)],
//!     links: [(name: "hole", from: "cabin", to: "space", element: Orifice(area: "1 mm2", cd: 0.6))],
//! )"#;
//! let loaded = plenum_runner::load_str(text.to_string(), "blowdown.ron").expect("valid scenario");
//! // A sweep would change `loaded.parts`, build a Network and call simulate_run many times.
//! let result = plenum_runner::simulate_run(&loaded.network, &loaded.config, &loaded.name, false)
//!     .expect("the run succeeds");
//! // Choked flow: Cd A p sqrt(g/(R T)) 0.5787 = 0.6 x 1e-6 m2 x 238.4 kg/(s m2) = 12.36 kg/day.
//! let leak = result.summary.boundaries[0].leak_rate_start_kg_per_day;
//! assert!((leak - 12.36).abs() < 0.05, "{leak} kg/day");
//! assert!(result.trajectory.is_none());
//! ```

pub mod compare;
pub mod config;
pub mod design;
pub mod diag;
pub mod fit;
pub mod life;
pub mod output;
pub mod paths;
pub mod plot;
pub mod report;
pub mod run;
pub mod sample;
pub mod scenario;
pub mod suggest;
pub mod summary;
pub mod sweep;
pub mod units;

pub use config::{DisplayUnits, PlotKind, RunConfig, Threshold};
pub use diag::{Diagnostic, Diagnostics};
pub use output::error::{OutputError, SafetyError};
pub use output::safety::Cancel;
pub use output::{
    check_out_dir, replot, run_scenario, simulate_scenario, write_run, DisplayOverrides, RunError,
    RunReport,
};
pub use run::{simulate_run, RunResult, Trajectory};
pub use scenario::{file_kind, load, load_str, FileKind, Loaded};
pub use summary::Summary;
