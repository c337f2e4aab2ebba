//! Parameter sweeps: many runs of one base scenario with parameters varied by path, in
//! parallel (rayon), deterministic, resumable and shardable.
//!
//! A sweep file names a base scenario and says what to vary and what to record:
//!
//! ```ron
//! Sweep(
//!     base: "iss-prk-leak.ron",
//!     seed: 1,
//!     mode: Grid,
//!     parameters: [
//!         (path: "links.prk_crack.element.area", values: Linear(from: "0.03 mm2", to: "0.14 mm2", count: 12)),
//!         (path: "links.hatch_seal.element.seated.c", values: Log(from: 1e-10, to: 1e-8, count: 10)),
//!     ],
//!     metrics: [
//!         (name: "prk_final", of: Final("prk.pressure")),
//!         (name: "station_leak", of: LeakRate(boundary: "space")),
//!     ],
//! )
//! ```
//!
//! Runs are numbered 0..n. A run's parameter values depend only on (seed, run index), so the
//! output is the same bytes on any number of threads and for any sharding. Rows are written
//! to `runs.csv` in run-index order as runs finish, a batch at a time; a failed run is a row
//! with status `failed` and its error. Only a bounded sample of trajectories is kept (for the
//! band chart); everything else is a few numbers per run.

mod check;
mod check_items;
mod derived;
mod display;
mod ensemble;
mod execute;
mod files;
mod plots;
mod spec;
mod stats;
#[cfg(test)]
mod tests;
mod worker;

pub use crate::paths::{apply, resolve_path, Target};
pub use check::load_sweep;
use check::Checker;
pub use check_items::resolve_quantity;
pub use display::*;
pub use ensemble::*;
pub use execute::*;
pub use files::*;
pub use plots::*;
pub use spec::*;
pub use stats::*;
pub use worker::*;
