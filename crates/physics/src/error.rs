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

/// A failure while integrating. Every variant carries the simulated time of the failure
/// (not the start of the segment being integrated) and, where one can be identified, the item
/// involved: a compartment and species, a link, an event.
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
    /// The integrator could not take a step.
    #[error(
        "the {integrator} integrator failed at t = {time:.6e} s ({}): {reason}{}\nhint: {hint}",
        human_time(*.time),
        culprit_clause(.culprit)
    )]
    Solver {
        integrator: &'static str,
        /// s: the last time the integrator reached.
        time: f64,
        /// What went wrong, in words.
        reason: String,
        /// The state entry limiting the step there (compartment and species, with the link
        /// moving it most), when one can be identified.
        culprit: Option<String>,
        /// What to try.
        hint: String,
    },
    /// The step budget ran out.
    #[error(
        "the {integrator} integrator took more than {max_steps} steps before t = {time:.6e} s ({}){}\nhint: raise the solver's max_steps, or check the model there (a very small volume or a very large opening makes the network stiff)",
        human_time(*.time),
        culprit_clause(.culprit)
    )]
    TooManySteps {
        integrator: &'static str,
        max_steps: usize,
        /// s.
        time: f64,
        /// The state entry limiting the step size there, when one can be identified.
        culprit: Option<String>,
    },
    /// One repeating event fired so often that its restarts spent the step budget.
    #[error(
        "event '{event}' fired {count} times between t = {first:.6e} s and t = {last:.6e} s ({}); the integrator restarts after it took {steps} of the {max_steps}-step budget\nhint: give the event room to re-arm: a second event at a threshold apart from this one (a hysteresis band), or a longer solver event_rearm_interval",
        human_time(*.last)
    )]
    EventStorm {
        event: String,
        count: usize,
        /// s.
        first: f64,
        /// s.
        last: f64,
        steps: usize,
        max_steps: usize,
    },
    /// The integrator's dense output could not be evaluated inside an accepted step.
    #[error("the {integrator} integrator's dense output failed at t = {time:.6e} s, inside the step from {step_start:.6e} s to {step_end:.6e} s: {reason}")]
    Interpolation {
        integrator: &'static str,
        /// s: the time asked for.
        time: f64,
        step_start: f64,
        step_end: f64,
        reason: String,
    },
    /// Settings that cannot work.
    #[error("invalid solver settings: {0}")]
    Settings(String),
}

impl SimError {
    /// The simulated time of a run-time failure, s.
    pub fn time(&self) -> Option<f64> {
        match self {
            SimError::NonPhysical { time, .. }
            | SimError::NegativeMass { time, .. }
            | SimError::Solver { time, .. }
            | SimError::TooManySteps { time, .. }
            | SimError::Interpolation { time, .. } => Some(*time),
            SimError::EventStorm { last, .. } => Some(*last),
            SimError::Settings(_) => None,
        }
    }
}

fn culprit_clause(culprit: &Option<String>) -> String {
    match culprit {
        Some(c) => format!("; the state limiting the step there: {c}"),
        None => String::new(),
    }
}

/// A time in the unit an analyst reads it in: `7165 s` -> `1.99 h`.
pub fn human_time(t: f64) -> String {
    let a = t.abs();
    if !a.is_finite() {
        format!("{t} s")
    } else if a < 120.0 {
        format!("{t:.4} s")
    } else if a < 7200.0 {
        format!("{:.3} min", t / 60.0)
    } else if a < 2.0 * 86_400.0 {
        format!("{:.3} h", t / 3600.0)
    } else {
        format!("{:.3} day", t / 86_400.0)
    }
}
