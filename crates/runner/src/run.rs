//! Running a network: the simulation, the summary built while it runs, and (on request) the
//! trajectory for the time series.
//!
//! [`simulate_run`] is what sweeps call many times: it keeps no trajectory unless asked and
//! writes nothing. [`run_scenario`](crate::output::run_scenario) adds the files.

use plenum_physics::{
    simulate, BoundaryKind, Direction, EventId, Method, Network, NodeId, Observer, Outcome,
    SimError, Snapshot, System,
};

use crate::config::RunConfig;
use crate::summary::*;

const DAY: f64 = 86_400.0;

/// The state at every output time, with everything derived from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// One snapshot per output row (flows computed with the links as they were then).
    pub rows: Vec<Snapshot>,
}

/// What [`simulate_run`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub summary: Summary,
    /// Present when asked for.
    pub trajectory: Option<Trajectory>,
}

/// Run `net` as `config` says and summarise it; keep the trajectory only when
/// `keep_trajectory`. Writes nothing. The summary's scenario name is `name`; its provenance
/// holds only the plenum version (callers that read a file fill in the rest). The events of
/// `net` end with one per threshold of `config`, in order (as [`load`](crate::load) builds
/// them): that is how a fired event is known to be a threshold's crossing.
pub fn simulate_run(
    net: &Network,
    config: &RunConfig,
    name: &str,
    keep_trajectory: bool,
) -> Result<RunResult, SimError> {
    let times = config.output_times();
    let nc = net.compartments.len();
    let mut watch = Watch {
        // Life support's ppN2 trend reads every output row.
        rows: (keep_trajectory || !config.life.is_empty()).then(|| Rows {
            system: System::new(net),
            snapshots: Vec::new(),
        }),
        min: vec![(f64::INFINITY, 0.0); nc],
        max: vec![(f64::NEG_INFINITY, 0.0); nc],
        first: None,
        second: None,
        prev: None,
        last: None,
    };
    let outcome = simulate(net, &config.settings, config.duration_s, &times, &mut watch)?;
    Ok(finish(net, config, name, watch, outcome, keep_trajectory))
}

/// Pressures (Pa) at one output time.
type Row = (f64, Vec<f64>);

/// Collects what the summary needs while the integrator hands over outputs.
struct Watch<'n> {
    /// The trajectory, when kept.
    rows: Option<Rows<'n>>,
    /// (value, time) per compartment.
    min: Vec<(f64, f64)>,
    max: Vec<(f64, f64)>,
    first: Option<Row>,
    second: Option<Row>,
    prev: Option<Row>,
    last: Option<Row>,
}

/// The snapshots of the output rows, each taken with the links as they were at its time (an
/// output at the time of an event shows the state before it): the integrator hands each
/// output over with the switches of its time, and `system` follows them. (`system` has the
/// default tolerance, like the start and end snapshots of the summary.)
struct Rows<'n> {
    system: System<'n>,
    snapshots: Vec<Snapshot>,
}

impl Observer for Watch<'_> {
    fn observe(&mut self, system: &System<'_>, t: f64, y: &[f64]) {
        let snap = system.snapshot(t, y);
        self.record(t, &snap.pressure);
        if let Some(rows) = &mut self.rows {
            let now = system.switches();
            if *now != *rows.system.switches() {
                rows.system.set_switches(now.clone());
            }
            rows.snapshots.push(rows.system.snapshot(t, y));
        }
    }
}

impl Watch<'_> {
    fn record(&mut self, t: f64, p: &[f64]) {
        for (i, &pi) in p.iter().enumerate() {
            if pi < self.min[i].0 {
                self.min[i] = (pi, t);
            }
            if pi > self.max[i].0 {
                self.max[i] = (pi, t);
            }
        }
        if self.first.is_none() {
            self.first = Some((t, p.to_vec()));
        } else if self.second.is_none() {
            self.second = Some((t, p.to_vec()));
        }
        self.prev = self.last.take();
        self.last = Some((t, p.to_vec()));
    }
}

/// Net mass inflow of each compartment (kg/s) from link flows and active sources, crews
/// and devices.
fn inflow(net: &Network, sys: &System<'_>, snap: &Snapshot, t: f64, y: &[f64]) -> Vec<f64> {
    let mut m = sys.source_inflow(t, y);
    for (l, f) in net.links.iter().zip(&snap.flow) {
        if let NodeId::Compartment(c) = l.from {
            m[c.0] -= f;
        }
        if let NodeId::Compartment(c) = l.to {
            m[c.0] += f;
        }
    }
    m
}

/// Mass flow into each boundary (kg/s).
fn into_boundaries(net: &Network, snap: &Snapshot) -> Vec<f64> {
    let mut m = vec![0.0; net.boundaries.len()];
    for (l, f) in net.links.iter().zip(&snap.flow) {
        if let NodeId::Boundary(b) = l.to {
            m[b.0] += f;
        }
        if let NodeId::Boundary(b) = l.from {
            m[b.0] -= f;
        }
    }
    m
}

/// Total mass in compartments and ledger (boundaries received, sources' negative
/// delivery): constant when the books balance.
fn books(sys: &System<'_>, net: &Network, y: &[f64]) -> f64 {
    let ns = sys.species();
    let mut total = 0.0;
    for i in 0..net.compartments.len() {
        let off = sys.compartment_offset(i);
        total += y[off..off + ns].iter().sum::<f64>();
    }
    total + y[sys.ledger_offset()..sys.ledger_end()].iter().sum::<f64>()
}

fn finish(
    net: &Network,
    config: &RunConfig,
    name: &str,
    watch: Watch<'_>,
    outcome: Outcome,
    keep_trajectory: bool,
) -> RunResult {
    let final_net = &net.switched(&outcome.final_switches);
    let sys0 = System::new(net);
    let y0 = sys0.initial_state();
    let start = sys0.snapshot(0.0, &y0);
    let sys_end = System::new(final_net);
    let end = sys_end.snapshot(outcome.end_time, &outcome.final_state);
    let in_start = inflow(net, &sys0, &start, 0.0, &y0);
    let in_end = inflow(
        final_net,
        &sys_end,
        &end,
        outcome.end_time,
        &outcome.final_state,
    );
    let b_start = into_boundaries(net, &start);
    let b_end = into_boundaries(final_net, &end);

    // The last output may precede the end of a run stopped by an event.
    let mut prev = watch.prev.clone();
    let mut last = watch.last.clone();
    if let Some((tl, _)) = &last {
        if *tl < outcome.end_time * (1.0 - 1e-12) {
            prev = last.take();
            last = Some((outcome.end_time, end.pressure.clone()));
        }
    }
    let rate = |a: &Option<Row>, b: &Option<Row>, i: usize| match (a, b) {
        (Some((ta, pa)), Some((tb, pb))) if tb > ta => (pb[i] - pa[i]) / (tb - ta) * DAY,
        _ => 0.0,
    };

    let compartments: Vec<CompartmentSummary> = net
        .compartments
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (mut min, mut tmin) = watch.min[i];
            let (mut max, mut tmax) = watch.max[i];
            if end.pressure[i] < min {
                (min, tmin) = (end.pressure[i], outcome.end_time);
            }
            if end.pressure[i] > max {
                (max, tmax) = (end.pressure[i], outcome.end_time);
            }
            CompartmentSummary {
                name: c.name.clone(),
                volume_m3: c.volume,
                initial_pressure: start.pressure[i],
                final_pressure: end.pressure[i],
                min_pressure: min,
                min_pressure_time_s: tmin,
                max_pressure: max,
                max_pressure_time_s: tmax,
                pressure_rate_start: rate(&watch.first, &watch.second, i),
                pressure_rate_end: rate(&prev, &last, i),
                initial_mass_kg: start.mass[i],
                final_mass_kg: end.mass[i],
                mass_lost_kg: start.mass[i] - end.mass[i],
                mass_rate_start_kg_per_day: in_start[i] * DAY,
                mass_rate_end_kg_per_day: in_end[i] * DAY,
                initial_temperature: start.temperature[i],
                final_temperature: end.temperature[i],
                final_partial_pressures: net
                    .gas
                    .species
                    .iter()
                    .enumerate()
                    .map(|(k, sp)| SpeciesPressure {
                        species: sp.name.clone(),
                        pressure: end.partial_pressure[i * end.species + k],
                    })
                    .collect(),
            }
        })
        .collect();
    let total_mass_lost_kg = compartments.iter().map(|c| c.mass_lost_kg).sum();
    let boundaries = net
        .boundaries
        .iter()
        .enumerate()
        .map(|(i, b)| BoundarySummary {
            name: b.name.clone(),
            kind: match b.kind {
                BoundaryKind::Vacuum => "vacuum".into(),
                BoundaryKind::Reservoir { .. } => "reservoir".into(),
            },
            leak_rate_start_kg_per_day: b_start[i] * DAY,
            leak_rate_end_kg_per_day: b_end[i] * DAY,
            received_kg: end.received[i],
        })
        .collect();
    let links = net
        .links
        .iter()
        .enumerate()
        .map(|(i, l)| LinkSummary {
            name: l.name.clone(),
            from: net.node_name(l.from).to_string(),
            to: net.node_name(l.to).to_string(),
            element: l.element.kind().to_string(),
            flow_start_kg_per_day: start.flow[i] * DAY,
            flow_end_kg_per_day: end.flow[i] * DAY,
            open_at_end: final_net.links.get(i).is_some_and(|l| l.open),
        })
        .collect();
    let ns = sys_end.species();
    let first_source = sys_end.ledger_offset() + ns * net.boundaries.len();
    let sources = net
        .sources
        .iter()
        .enumerate()
        .map(|(k, src)| {
            let at = first_source + k * ns;
            // The ledger books each source's delivery with a minus sign.
            let delivered = -outcome
                .final_state
                .get(at..at + ns)
                .map_or(0.0, |m| m.iter().sum::<f64>());
            SourceSummary {
                name: src.name.clone(),
                into: net.compartments[src.into.0].name.clone(),
                delivered_kg: delivered,
                active_at_end: final_net.sources.get(k).is_some_and(|s| s.active),
            }
        })
        .collect();
    let event_name = |e: EventId| net.events[e.index()].name.clone();
    let thresholds = config
        .thresholds
        .iter()
        .map(|th| {
            let ev = th.event;
            let crossings: Vec<f64> = outcome
                .events
                .iter()
                .filter(|e| e.event == ev)
                .map(|e| e.time)
                .collect();
            ThresholdSummary {
                name: th.label.clone(),
                quantity: th.quantity.clone(),
                direction: match th.direction {
                    Direction::Falling => "falling",
                    Direction::Rising => "rising",
                    Direction::Either => "either",
                }
                .into(),
                value: th.value,
                value_text: th.value_text.clone(),
                first_crossing_s: crossings.first().copied(),
                crossings_s: crossings,
                relative_to: th.relative_to.clone(),
            }
        })
        .collect();
    let reversals = outcome
        .reversals
        .iter()
        .map(|r| {
            let l = &net.links[r.link.index()];
            let (a, b) = (net.node_name(l.from), net.node_name(l.to));
            ReversalSummary {
                link: l.name.clone(),
                time_s: r.time,
                now_flowing: if r.now_forward {
                    format!("{a} -> {b}")
                } else {
                    format!("{b} -> {a}")
                },
                now_forward: r.now_forward,
            }
        })
        .collect();
    let events = outcome
        .events
        .iter()
        // The thresholds' watchers are reported with their thresholds.
        .filter(|e| !config.thresholds.iter().any(|t| t.event == e.event))
        .filter(|e| !config.life.limits.iter().any(|l| l.event == e.event))
        .map(|e| EventSummary {
            name: event_name(e.event),
            time_s: e.time,
        })
        .collect();
    let s = &config.settings;
    let st = &outcome.stats;
    let solver = SolverSummary {
        method: match s.method {
            Method::Bdf => "BDF".into(),
            Method::Dopri5 => "Dopri5".into(),
        },
        rtol: s.rtol,
        atol: s.atol_pressure,
        max_step_s: s.max_step,
        max_steps: s.max_steps,
        reversal_deadband_kg_per_s: s.reversal_deadband,
        steps: st.steps,
        rejected_steps: st.rejected_steps,
        rhs_evals: st.rhs_evals,
        jvp_evals: st.jvp_evals,
        jacobian_evals: st.jacobian_evals,
        factorizations: st.factorizations,
        newton_iterations: st.newton_iterations,
        restarts: st.restarts,
        projected_negatives: st.projected,
    };
    let balance = (books(&sys_end, net, &outcome.final_state) - books(&sys0, net, &y0)).abs();
    let ended_by = outcome.ended_by.map(event_name);
    let status = match &ended_by {
        Some(e) => format!("ended by event '{e}'"),
        None => "completed".into(),
    };
    let rows = watch.rows.map(|r| r.snapshots);
    let life_support = (!config.life.is_empty()).then(|| {
        let fired: Vec<(EventId, f64)> = outcome.events.iter().map(|e| (e.event, e.time)).collect();
        crate::life::summarise(
            &config.life,
            &crate::life::RunView {
                net,
                sys: &sys_end,
                start: &start,
                end: &end,
                final_state: &outcome.final_state,
                fired: &fired,
                rows: rows.as_deref().unwrap_or_default(),
                duration_s: config.duration_s,
            },
        )
    });
    let trajectory = rows
        .filter(|_| keep_trajectory)
        .map(|rows| Trajectory { rows });
    RunResult {
        summary: Summary {
            scenario: name.to_string(),
            description: None,
            status,
            duration_s: config.duration_s,
            end_time_s: outcome.end_time,
            ended_by,
            compartments,
            boundaries,
            links,
            sources,
            total_mass_lost_kg,
            mass_balance_error_kg: balance,
            thresholds,
            reversals,
            events,
            solver,
            display: config.display.clone(),
            plots: config.plots.clone(),
            steered_plots: config.steered_plots.clone(),
            provenance: Provenance::current(),
            life_support,
        },
        trajectory,
    }
}
