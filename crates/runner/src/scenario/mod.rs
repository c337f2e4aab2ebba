//! Scenario files: read a scenario (RON) and check it into a model the physics can run.
//!
//! Two stages. [`wire`] holds the wire types: the file exactly as written, each value with
//! its place in the text. Validation then converts units, resolves names to typed ids,
//! checks ranges, and reports every problem in one pass, each with its line and column. It
//! is split by what it validates: `values.rs` (quantities, units, times, schedules),
//! `network.rs` (gas, compartments, boundaries, links, sources), `elements.rs` (flow elements
//! and area laws), `events.rs`, `outputs.rs` and `solver.rs`; `check.rs` holds the validator's
//! name table and the walk over the file, `syntax.rs` the RON errors.
//!
//! The result is a [`Loaded`] scenario: the physics model ([`NetworkParts`] and the checked
//! [`Network`]) plus the [`RunConfig`] (duration, output times, solver settings, display
//! units, thresholds) that every later stage reads, and the provenance of the file.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::f64::consts::{LN_2, PI};
use std::path::Path;

use plenum_physics::{
    Action, AreaLaw, Boundary, BoundaryId, BoundaryKind, Compartment, CompartmentId, CrackGeometry,
    Direction, Event, EventId, FlowElement, Gas, Link, LinkId, Method, Network, NetworkParts,
    NodeId, Parameter, Quantity, Schedule, SealSide, Settings, Source, SourceId, Species, System,
    Thermal, Trigger, DRY_AIR_MOLE_FRACTIONS, R_UNIVERSAL,
};
use sha2::{Digest, Sha256};

use crate::diag::{clip, Diagnostic, Diagnostics, Sink};
use crate::paths::{name_list, NameKind, Names};
use crate::suggest::did_you_mean;
use crate::units::{self, expr, Dimension, UnitError};

pub use crate::config::{
    default_time_unit, fmt_time, DisplayUnits, PlotKind, PlotSpec, RunConfig, Threshold, MAX_ROWS,
    THRESHOLD_PREFIX,
};
pub use wire::*;

use check::*;
use elements::*;

pub(crate) use check::fmt_number;
pub use parameters::{eval_quantity, QuantityError};
pub(crate) use syntax::{describe_at, wire_diagnostic};

mod check;
mod elements;
mod events;
mod life;
mod network;
mod outputs;
mod parameters;
mod plots;
mod solver;
mod syntax;
#[cfg(test)]
mod tests;
mod values;
pub mod variants;
pub mod wire;

/// Viscosity of air at 295 K used when a crack gives none, Pa s.
pub const AIR_VISCOSITY: f64 = 1.83e-5;

/// Specific gas constants a `Perfect` gas may have, J/(kg K): from a gas of molar mass 8 kg/mol
/// to beyond hydrogen (4124). Outside, masses and flows overflow or vanish mid-run.
pub const GAS_CONSTANT_RANGE: (f64, f64) = (1.0, 2e4);

/// Molar masses a species may have, kg/mol (0.4 g/mol to 10 kg/mol).
pub const MOLAR_MASS_RANGE: (f64, f64) = (4e-4, 10.0);

/// Largest molar heat capacity of a species, J/(mol K).
pub const MAX_MOLAR_CP: f64 = 1e4;

/// Largest state vector the implicit (BDF) integrator takes. Up to
/// [`plenum_physics::SPARSE_ABOVE`] states it stores the Jacobian densely; above, as a sparse
/// matrix on the network's pattern (a few blocks of species x species entries per link and
/// source) factorised by a sparse LU, so memory grows with the number of links, not with the
/// square of the state: about 0.4 GB for a 10 000-compartment mesh of 5-species air (50 001
/// states; see docs/performance.md). This bound keeps a run's memory within a few GB
/// (4 x that mesh: 40 000 compartments of 5-species air, 200 000 of a one-species gas). The
/// state holds each compartment's species masses (plus its energy when its energy balance
/// is on) and each boundary's and source's received masses.
pub const MAX_BDF_STATES: usize = 200_000;

/// A scenario read and checked, ready to run.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file as the user named it (for messages).
    pub file: String,
    /// The text of the file.
    pub source: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    pub name: String,
    pub description: Option<String>,
    /// The model. Its events end with one `Log` event per output threshold, named
    /// [`THRESHOLD_PREFIX`] + label, so the integrator locates the crossings exactly.
    pub parts: NetworkParts,
    /// `parts`, checked by the physics.
    pub network: Network,
    pub config: RunConfig,
    /// Things that are allowed but probably not meant (`check` and `run` print them on
    /// stderr), each `file:line:col: warning: ...`.
    pub warnings: Vec<String>,
    /// The named parameters, evaluated (SI value and dimension), by name.
    pub parameters: BTreeMap<String, expr::Value>,
    /// The variant this is, when it is one of the file's variants (see [`variants`]).
    pub variant: Option<String>,
}

/// Read and check a scenario file.
pub fn load(path: &Path) -> Result<Loaded, Diagnostics> {
    let file = path.display().to_string();
    let source = crate::diag::read_source(path)?;
    load_str(source, &file)
}

/// Check a scenario given as text; `file` names it in messages.
pub fn load_str(source: String, file: &str) -> Result<Loaded, Diagnostics> {
    let checked = validate_source(&source, file)?;
    Ok(loaded(checked, source, file))
}

fn loaded(checked: Checked, source: String, file: &str) -> Loaded {
    let sha256 = hex(&Sha256::digest(source.as_bytes()));
    Loaded {
        file: file.to_string(),
        sha256,
        name: checked.name,
        description: checked.description,
        parts: checked.parts,
        network: checked.network,
        config: checked.config,
        warnings: checked
            .warnings
            .into_iter()
            .map(|w| format!("{file}:{w}"))
            .collect(),
        parameters: checked.parameters,
        variant: None,
        source,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The result of validation, before provenance is attached.
struct Checked {
    name: String,
    description: Option<String>,
    parts: NetworkParts,
    network: Network,
    config: RunConfig,
    /// `line:col: warning: ...` (the file name is added by the caller).
    warnings: Vec<String>,
    parameters: BTreeMap<String, expr::Value>,
}

fn validate_source(src: &str, file: &str) -> Result<Checked, Diagnostics> {
    let wire = match ScenarioWire::parse(src) {
        Ok(w) => w,
        Err(e) => {
            let mut v = Validator::new(src);
            let start = byte_offset(src, e.span.start);
            let end = byte_offset(src, e.span.end).max(start);
            v.ron_error(&e.code, start..end, None);
            return Err(Diagnostics {
                file: file.to_string(),
                list: v.sink.list,
            });
        }
    };
    validate(&wire, src, file)
}

/// Validate parsed wire types against the text they were parsed from (`src` gives the line
/// and column of each problem; any text works, locations are then left out).
fn validate(wire: &ScenarioWire, src: &str, file: &str) -> Result<Checked, Diagnostics> {
    let mut v = Validator::new(src);
    let out = v.scenario(wire);
    match out {
        Some(checked) if v.sink.list.is_empty() => Ok(checked),
        _ => Err(Diagnostics {
            file: file.to_string(),
            list: v.sink.list,
        }),
    }
}
