//! The summary of a run (`summary.json`) and its short human form (stdout).
//!
//! Keys carry their unit like the time-series columns do (`final_pressure_Pa`,
//! `leak_rate_start_kg_per_day`). Rates "start" and "end" are instantaneous at the first and
//! last instant of the run; pressure rates are finite differences over the first and last
//! output interval; minima and maxima are taken over the output rows.

use serde::{Deserialize, Serialize};

use crate::config::{fmt_time, DisplayUnits, PlotKind, PlotSpec};
use crate::units::{self, Dimension};

/// Everything `summary.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub scenario: String,
    pub description: Option<String>,
    /// `completed`, or `ended by event 'NAME'`.
    pub status: String,
    pub duration_s: f64,
    pub end_time_s: f64,
    pub ended_by: Option<String>,
    pub compartments: Vec<CompartmentSummary>,
    pub boundaries: Vec<BoundarySummary>,
    pub links: Vec<LinkSummary>,
    pub sources: Vec<SourceSummary>,
    /// Sum of the compartments' `mass_lost_kg`.
    pub total_mass_lost_kg: f64,
    /// |mass now in compartments + mass received by boundaries - mass added by sources -
    /// initial mass|: zero to round-off when the books balance.
    pub mass_balance_error_kg: f64,
    pub thresholds: Vec<ThresholdSummary>,
    pub reversals: Vec<ReversalSummary>,
    pub events: Vec<EventSummary>,
    pub solver: SolverSummary,
    pub display: DisplayUnits,
    pub plots: Vec<PlotKind>,
    /// Plots with options (absent when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steered_plots: Vec<PlotSpec>,
    pub provenance: Provenance,
    /// Crews, devices, tanks, limits and the air loss (only when the scenario has any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub life_support: Option<crate::life::LifeSummary>,
}

/// One compartment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompartmentSummary {
    pub name: String,
    pub volume_m3: f64,
    #[serde(rename = "initial_pressure_Pa")]
    pub initial_pressure: f64,
    #[serde(rename = "final_pressure_Pa")]
    pub final_pressure: f64,
    #[serde(rename = "min_pressure_Pa")]
    pub min_pressure: f64,
    pub min_pressure_time_s: f64,
    #[serde(rename = "max_pressure_Pa")]
    pub max_pressure: f64,
    pub max_pressure_time_s: f64,
    /// Over the first output interval.
    #[serde(rename = "pressure_rate_start_Pa_per_day")]
    pub pressure_rate_start: f64,
    /// Over the last output interval.
    #[serde(rename = "pressure_rate_end_Pa_per_day")]
    pub pressure_rate_end: f64,
    pub initial_mass_kg: f64,
    pub final_mass_kg: f64,
    /// Initial minus final mass (negative when the compartment gained gas).
    pub mass_lost_kg: f64,
    /// Net inflow through links and sources at the start (negative: losing gas).
    pub mass_rate_start_kg_per_day: f64,
    /// Net inflow at the end.
    pub mass_rate_end_kg_per_day: f64,
    #[serde(rename = "initial_temperature_K")]
    pub initial_temperature: f64,
    #[serde(rename = "final_temperature_K")]
    pub final_temperature: f64,
    /// The partial pressure of every species of the gas table at the end, in its order
    /// (absent from summaries written before it was added).
    #[serde(default, rename = "final_partial_pressures_Pa")]
    pub final_partial_pressures: Vec<SpeciesPressure>,
}

/// The partial pressure of one species.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeciesPressure {
    pub species: String,
    #[serde(rename = "pressure_Pa")]
    pub pressure: f64,
}

/// One boundary: what it receives (a leak to space is a positive rate into `space`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundarySummary {
    pub name: String,
    /// `vacuum` or `reservoir`.
    pub kind: String,
    pub leak_rate_start_kg_per_day: f64,
    pub leak_rate_end_kg_per_day: f64,
    pub received_kg: f64,
}

/// One link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSummary {
    pub name: String,
    pub from: String,
    pub to: String,
    /// The flow law, e.g. `Orifice`.
    pub element: String,
    /// Signed, positive from -> to.
    pub flow_start_kg_per_day: f64,
    pub flow_end_kg_per_day: f64,
    pub open_at_end: bool,
}

/// One gas source or sink.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceSummary {
    pub name: String,
    pub into: String,
    /// Net mass added over the run (negative: removed).
    pub delivered_kg: f64,
    pub active_at_end: bool,
}

/// The crossings of one output threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdSummary {
    pub name: String,
    pub quantity: String,
    /// `falling`, `rising` or `either`.
    pub direction: String,
    /// SI.
    pub value: f64,
    /// As written in the scenario.
    pub value_text: String,
    pub first_crossing_s: Option<f64>,
    pub crossings_s: Vec<f64>,
    /// The event whose first firing fixes the threshold; `value` is then the offset from
    /// the quantity's value at that moment (absent for plain thresholds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_to: Option<String>,
}

/// A change of direction of a link's flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReversalSummary {
    pub link: String,
    pub time_s: f64,
    /// The new direction, e.g. `station -> prk`.
    pub now_flowing: String,
    /// True when the flow now runs from -> to.
    pub now_forward: bool,
}

/// An event that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSummary {
    pub name: String,
    pub time_s: f64,
}

/// Solver settings and work counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolverSummary {
    pub method: String,
    pub rtol: f64,
    #[serde(rename = "atol_Pa")]
    pub atol: f64,
    pub max_step_s: Option<f64>,
    pub max_steps: usize,
    pub reversal_deadband_kg_per_s: f64,
    pub steps: usize,
    pub rejected_steps: usize,
    pub rhs_evals: usize,
    pub jvp_evals: usize,
    pub jacobian_evals: usize,
    pub factorizations: usize,
    pub newton_iterations: usize,
    pub restarts: usize,
    /// Species masses (and internal energies) that integrator round-off left below zero,
    /// within the absolute tolerance, and that were set to zero, mass-conservingly, in the
    /// written outputs (see docs/scenario-format.md, "Solver").
    #[serde(default)]
    pub projected_negatives: usize,
}

/// Where the results came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub plenum_version: String,
    pub scenario_file: String,
    pub scenario_sha256: String,
    /// Random seed (runs are deterministic; sweeps set it).
    pub seed: Option<u64>,
}

impl Provenance {
    /// This build of plenum, for a scenario not read from a file.
    pub fn current() -> Self {
        Provenance {
            plenum_version: env!("CARGO_PKG_VERSION").to_string(),
            ..Provenance::default()
        }
    }
}

const DAY: f64 = 86_400.0;

fn show(si: f64, unit: &str, dim: Dimension) -> String {
    units::format_quantity(si, unit, dim).unwrap_or_else(|_| format!("{si} {}", dim.si_unit()))
}

/// A mass flow in a readable unit.
pub fn show_flow(kg_per_day: f64, unit: Option<&str>) -> String {
    let unit = unit.unwrap_or_else(|| auto_flow_unit(kg_per_day.abs()));
    show(kg_per_day / DAY, unit, Dimension::MassFlow)
}

/// The flow unit that shows a peak flow (kg/day) with a sensible number.
pub fn auto_flow_unit(peak_kg_per_day: f64) -> &'static str {
    if peak_kg_per_day <= 2000.0 {
        "kg/day"
    } else if peak_kg_per_day <= 2000.0 * 24.0 {
        "kg/h"
    } else {
        "kg/s"
    }
}

/// Round-off tolerance, relative to the scale of a run: a thousand ulps (2.2e-13). Masses and
/// flows are sums over compartments, links and the run's steps of numbers of the run's scale,
/// so f64 round-off leaves residues of a few hundred ulps of that scale where the exact value
/// is 0 (the seal between two compartments at the same pressure "flows" 5e-15 kg/day); no
/// tolerance the solver accepts resolves anything that small, so the terminal prints it as 0.
/// `summary.json` keeps the numbers as computed.
const ROUND_OFF: f64 = 1e3 * f64::EPSILON;

/// `x`, or 0 when it is round-off next to `scale`.
pub(crate) fn cleaned(x: f64, scale: f64) -> f64 {
    if x.abs() <= ROUND_OFF * scale {
        0.0
    } else {
        x
    }
}

impl Summary {
    /// The mass scale of the run (kg): the gas the compartments held at the start plus what
    /// the sources moved.
    pub(crate) fn mass_scale(&self) -> f64 {
        let held: f64 = self
            .compartments
            .iter()
            .map(|c| c.initial_mass_kg.abs())
            .sum();
        held + self
            .sources
            .iter()
            .map(|s| s.delivered_kg.abs())
            .sum::<f64>()
    }

    /// The flow scale of the run (kg/day): the largest flow the summary records.
    pub(crate) fn flow_scale(&self) -> f64 {
        let links = self
            .links
            .iter()
            .flat_map(|l| [l.flow_start_kg_per_day, l.flow_end_kg_per_day]);
        let boundaries = self
            .boundaries
            .iter()
            .flat_map(|b| [b.leak_rate_start_kg_per_day, b.leak_rate_end_kg_per_day]);
        let compartments = self
            .compartments
            .iter()
            .flat_map(|c| [c.mass_rate_start_kg_per_day, c.mass_rate_end_kg_per_day]);
        links
            .chain(boundaries)
            .chain(compartments)
            .fold(0.0, |m, x| m.max(x.abs()))
    }

    /// One line per compartment of its partial pressures at the end, in the display unit
    /// (none for a gas of one species: its partial pressure is the pressure above).
    fn partial_pressure_lines(&self, width: usize) -> String {
        let unit = &self.display.pressure;
        let mut s = String::new();
        for c in self
            .compartments
            .iter()
            .filter(|c| c.final_partial_pressures.len() > 1)
        {
            let scale = c.final_pressure.abs();
            let list: Vec<String> = c
                .final_partial_pressures
                .iter()
                .map(|sp| {
                    let p = cleaned(sp.pressure, scale);
                    let v = units::to_display(p, unit, Dimension::Pressure).unwrap_or(p);
                    format!("{} {}", sp.species, units::format_significant(v, 4))
                })
                .collect();
            s.push_str(&format!(
                "  {:width$}  partial pressures at end ({unit}): {}\n",
                c.name,
                list.join(", ")
            ));
        }
        s
    }

    /// A few lines for the terminal.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let d = &self.display;
        let (mass, flow) = (self.mass_scale(), self.flow_scale());
        let kg = |x: f64| show(cleaned(x, mass), "kg", Dimension::Mass);
        let per_day = |x: f64| show_flow(cleaned(x, flow), d.flow.as_deref());
        let p = |x: f64| show(x, &d.pressure, Dimension::Pressure);
        let t = |x: f64| show(x, &d.time, Dimension::Time);
        s.push_str(&format!(
            "scenario '{}': {} after {} ({} steps, {} rejected, {} Jacobians)\n",
            self.scenario,
            self.status,
            t(self.end_time_s),
            self.solver.steps,
            self.solver.rejected_steps,
            self.solver.jacobian_evals
        ));
        let width = self
            .compartments
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0)
            .max(11);
        s.push_str(&format!(
            "  {:width$}  {:>14}  {:>14}  {:>14}  {}\n",
            "compartment", "start", "end", "rate at end", "minimum"
        ));
        // Pressure rates in display pressure per display time unit.
        let per = units::unit_factor(&d.time, Dimension::Time).map_or(DAY, |f| f.scale);
        let per_unit = if per == DAY { "day" } else { d.time.as_str() };
        for c in &self.compartments {
            let rate = format!(
                "{}/{per_unit}",
                show(
                    c.pressure_rate_end / DAY * per,
                    &d.pressure,
                    Dimension::Pressure
                )
            );
            s.push_str(&format!(
                "  {:width$}  {:>14}  {:>14}  {:>14}  {} at {}\n",
                c.name,
                p(c.initial_pressure),
                p(c.final_pressure),
                rate,
                p(c.min_pressure),
                t(c.min_pressure_time_s)
            ));
        }
        s.push_str(&self.partial_pressure_lines(width));
        for b in &self.boundaries {
            s.push_str(&format!(
                "  into {}: {} at start, {} at end, {} in total\n",
                b.name,
                per_day(b.leak_rate_start_kg_per_day),
                per_day(b.leak_rate_end_kg_per_day),
                kg(b.received_kg)
            ));
        }
        let member = |name: &str| {
            self.life_support
                .as_ref()
                .is_some_and(|l| l.members.iter().any(|m| m.name == name))
        };
        // Crews and devices are told in their own words below.
        for src in self.sources.iter().filter(|src| !member(&src.name)) {
            s.push_str(&format!(
                "  source {} into {}: {} delivered\n",
                src.name,
                src.into,
                kg(src.delivered_kg)
            ));
        }
        // Sources and crews can make the compartments gain: say so, never a negative loss.
        if cleaned(self.total_mass_lost_kg, mass) < 0.0 {
            s.push_str(&format!(
                "  mass gained by the compartments: {}\n",
                kg(-self.total_mass_lost_kg)
            ));
        } else {
            s.push_str(&format!(
                "  mass lost from the compartments: {}\n",
                kg(self.total_mass_lost_kg)
            ));
        }
        for th in &self.thresholds {
            match th.first_crossing_s {
                Some(tc) => s.push_str(&format!(
                    "  threshold '{}': first crossed at {}{}\n",
                    th.name,
                    t(tc),
                    if th.crossings_s.len() > 1 {
                        format!(" ({} crossings)", th.crossings_s.len())
                    } else {
                        String::new()
                    }
                )),
                None => s.push_str(&format!("  threshold '{}': not crossed\n", th.name)),
            }
        }
        if let Some(l) = &self.life_support {
            s.push_str(&crate::life::describe_summary(l, &t, self.duration_s));
        }
        const SHOWN: usize = 4;
        for r in self.reversals.iter().take(SHOWN) {
            s.push_str(&format!(
                "  flow reversal: link '{}' now flows {} from {}\n",
                r.link,
                r.now_flowing,
                t(r.time_s)
            ));
        }
        if self.reversals.len() > SHOWN {
            s.push_str(&format!(
                "  ... and {} more flow reversals (see summary.json)\n",
                self.reversals.len() - SHOWN
            ));
        }
        if !self.events.is_empty() {
            // A repeating event may fire thousands of times: show the first few, count the
            // rest (every firing is in summary.json).
            const EVENTS_SHOWN: usize = 8;
            let list: Vec<String> = self
                .events
                .iter()
                .take(EVENTS_SHOWN)
                .map(|e| format!("{} at {}", e.name, fmt_time(e.time_s)))
                .collect();
            let more = match self.events.len().saturating_sub(EVENTS_SHOWN) {
                0 => String::new(),
                n => format!(", ... and {n} more (see summary.json)"),
            };
            s.push_str(&format!("  events: {}{more}\n", list.join(", ")));
        }
        s
    }
}
