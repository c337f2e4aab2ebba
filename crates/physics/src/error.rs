//! Errors of the physics crate. Each names the item (by kind and name) and, for run-time
//! failures, the simulated time.

use std::fmt;

/// A problem with the model itself, found before anything runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelError {
    /// Kind of item: `compartment`, `boundary`, `link`, `source`, `event`, `species`, ...
    pub kind: &'static str,
    /// The item's name.
    pub name: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ModelError {
    pub fn new(kind: &'static str, name: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} '{}': {}", self.kind, self.name, self.message)
    }
}

impl std::error::Error for ModelError {}

/// A failure while integrating.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// A state went negative or not finite.
    #[error("compartment '{compartment}': {quantity} became {value:e} at t = {time:.6e} s; expected a finite value >= 0")]
    NonPhysical {
        compartment: String,
        quantity: &'static str,
        value: f64,
        time: f64,
    },
    /// A species mass went below zero by more than its absolute tolerance: a real failure,
    /// not the round-off that [`crate::System::project_nonnegative`] takes back.
    #[error("compartment '{compartment}': the mass of {species} became {value:e} kg at t = {time:.6e} s, below zero by more than the absolute tolerance ({tolerance:e} kg); expected a mass >= 0")]
    NegativeMass {
        compartment: String,
        species: String,
        value: f64,
        tolerance: f64,
        time: f64,
    },
    /// A flow evaluated to NaN or infinity.
    #[error("link '{link}': mass flow became {value} at t = {time:.6e} s")]
    BadFlow { link: String, value: f64, time: f64 },
    /// The integrator could not take a step.
    #[error("the {integrator} integrator failed at t = {time:.6e} s: {message}")]
    Solver {
        integrator: &'static str,
        time: f64,
        message: String,
    },
    /// The step budget ran out.
    #[error("the {integrator} integrator took more than {max_steps} steps before t = {time:.6e} s; raise max_steps or check the model")]
    TooManySteps {
        integrator: &'static str,
        max_steps: usize,
        time: f64,
    },
    /// Settings that cannot work.
    #[error("invalid solver settings: {0}")]
    Settings(String),
}
