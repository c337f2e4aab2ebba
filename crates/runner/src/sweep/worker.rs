//! One run of a sweep: the set-up all runs share ([`Shared`]), a thread's worker that runs
//! them one after another in a copy of the base model ([`Worker`]), and the measurements of
//! a run ([`Recorder`]).

use plenum_physics::{
    simulate, Action, CompartmentId, Event, EventId, LinkId, Network, NetworkParts, NodeId,
    Observer, Quantity, Settings, System, Trigger,
};

use super::*;
use crate::paths::{apply, restore, Target};
use crate::scenario::variants::{apply_variant, VariantWire};
use crate::scenario::{Loaded, Q};
use crate::units::Dimension;

/// The outcome of one run of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub index: usize,
    pub params: Vec<f64>,
    /// `None` where a metric has no value (a threshold never crossed, a failed run).
    pub metrics: Vec<Option<f64>>,
    pub error: Option<String>,
    /// (time, value) of the kept quantity, for the runs that keep one.
    pub trajectory: Option<Vec<(f64, f64)>>,
}

pub(super) const METRIC_EVENT: &str = "__sweep_metric_";

/// Run number `index` of the sweep, on its own, from a fresh copy of the base scenario
/// checked whole (a sweep's runs share their set-up: see [`run_sweep`]).
pub fn run_one(sweep: &Sweep, index: usize, keep_trajectory: bool) -> RunRow {
    let shared = Shared::one_run(sweep);
    let mut worker = Worker::new(sweep, &shared);
    let outcome = worker.run(index, keep_trajectory);
    RunRow {
        index,
        params: worker.params.clone(),
        metrics: if outcome.is_ok() {
            worker.rec.values.clone()
        } else {
            vec![None; sweep.metrics.len()]
        },
        error: outcome.err(),
        trajectory: worker.rec.take_trajectory(),
    }
}

/// What every run of a sweep shares, set up once: the base model with the sweep's own
/// events (those that find each `TimeTo` crossing), checked; the solver settings; the
/// output times; each link's ends.
pub(super) struct Shared {
    /// The base parts with the sweep's events, and the network they make (`None` where they
    /// do not check: each run then reports why; and for a single run, which builds its own).
    base: Option<(NetworkParts, Network)>,
    /// The event that finds each `TimeTo` metric's crossing in `base`, by metric.
    crossing_event: Vec<Option<EventId>>,
    settings: Settings,
    /// Output times of a run that needs the whole history (a trajectory, a minimum or a
    /// maximum), and of one that needs only the times its metrics name.
    times_history: Vec<f64>,
    times_few: Vec<f64>,
    ends: Vec<(NodeId, NodeId)>,
}

impl Shared {
    /// The set-up of a sweep's runs.
    pub(super) fn of(sweep: &Sweep) -> Shared {
        let mut shared = Shared::one_run(sweep);
        let mut parts = sweep.base.parts.clone();
        shared.crossing_event = add_crossing_events(sweep, &mut parts);
        shared.base = Network::new(parts.clone()).ok().map(|net| (parts, net));
        shared
    }

    /// The set-up of one run on its own: no shared copy of the base model (the run makes
    /// its own, as a run with named parameters does).
    fn one_run(sweep: &Sweep) -> Shared {
        let config = &sweep.base.config;
        Shared {
            base: None,
            crossing_event: Vec::new(),
            settings: settings_of(sweep, &config.settings),
            times_history: output_times(sweep, config, true),
            times_few: output_times(sweep, config, false),
            ends: sweep
                .base
                .parts
                .links
                .iter()
                .map(|l| (l.from, l.to))
                .collect(),
        }
    }
}

/// Add the event that finds each `TimeTo` metric's crossing; returns their ids, by metric.
fn add_crossing_events(sweep: &Sweep, parts: &mut NetworkParts) -> Vec<Option<EventId>> {
    let mut crossing_event: Vec<Option<EventId>> = vec![None; sweep.metrics.len()];
    for (k, m) in sweep.metrics.iter().enumerate() {
        if let MetricKind::TimeTo(q, v, dir) = m.kind {
            crossing_event[k] = Some(EventId(parts.events.len()));
            parts.events.push(Event {
                name: format!("{METRIC_EVENT}{k}"),
                trigger: Trigger::Crosses {
                    quantity: q,
                    threshold: v,
                    direction: dir,
                },
                actions: vec![Action::Log],
                repeat: false,
            });
        }
    }
    crossing_event
}

/// The solver settings of a sweep's runs: the scenario's, with the reversal log kept only
/// where a metric reads it (the same run without the per-step screen of the flows).
fn settings_of(sweep: &Sweep, scenario: &Settings) -> Settings {
    Settings {
        reversals: sweep.metrics.iter().any(|m| {
            matches!(
                m.kind,
                MetricKind::Reversals(_) | MetricKind::FirstReversal(_)
            )
        }),
        ..scenario.clone()
    }
}

/// Output times of a run: all of them where a metric or a trajectory needs the history,
/// else the start and the end; with the times metrics ask for.
fn output_times(sweep: &Sweep, config: &crate::config::RunConfig, history: bool) -> Vec<f64> {
    let needs_history = history
        || sweep
            .metrics
            .iter()
            .any(|m| matches!(m.kind, MetricKind::Min(_) | MetricKind::Max(_)));
    let mut times = if needs_history {
        config.output_times()
    } else {
        vec![0.0, config.duration_s]
    };
    for m in &sweep.metrics {
        if let MetricKind::At(_, t) | MetricKind::LeakRate(_, Some(t)) = m.kind {
            times.push(t);
        }
    }
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
}

/// Runs of one sweep, one after another, on one thread: the set-up they share, a working
/// copy of the base model each run sets its values in (restoring first what its parameters
/// address), and the buffers of the measurements, kept from run to run.
pub(super) struct Worker<'a> {
    sweep: &'a Sweep,
    shared: &'a Shared,
    /// The working copy of the shared base parts (`None` until the first run, and after a
    /// run whose values did not check).
    parts: Option<NetworkParts>,
    /// The last run's parameter values, SI.
    pub(super) params: Vec<f64>,
    pub(super) rec: Recorder<'a>,
}

impl<'a> Worker<'a> {
    pub(super) fn new(sweep: &'a Sweep, shared: &'a Shared) -> Worker<'a> {
        Worker {
            sweep,
            shared,
            parts: None,
            params: Vec::with_capacity(sweep.params.len()),
            rec: Recorder {
                metrics: &sweep.metrics,
                ends: &shared.ends,
                compartments: sweep.base.parts.compartments.len(),
                traj: None,
                values: vec![None; sweep.metrics.len()],
                mass_first: Vec::new(),
                mass_last: Vec::new(),
                trajectory: Vec::new(),
            },
        }
    }

    /// Run number `index`: its parameter values in `params`, its metrics in `rec.values`.
    pub(super) fn run(&mut self, index: usize, keep_trajectory: bool) -> Result<(), String> {
        let mut params = std::mem::take(&mut self.params);
        self.sweep.values_into(index, &mut params);
        let result = self.measure(&params, keep_trajectory);
        self.params = params;
        result
    }

    /// Run the base scenario with the sweep's parameters at `params` (SI) and measure it.
    pub(super) fn measure(&mut self, params: &[f64], keep_trajectory: bool) -> Result<(), String> {
        let sweep = self.sweep;
        self.rec.reset(if keep_trajectory {
            sweep.trajectories.as_ref().map(|t| t.0)
        } else {
            None
        });
        // Named parameters are set in the scenario before it is checked, so that every
        // value written over them moves with them; the other paths are applied to the
        // checked model.
        let named: Vec<(&str, f64, Dimension)> = sweep
            .params
            .iter()
            .zip(params)
            .filter_map(|(p, v)| match &p.target {
                Target::Named(n) => Some((n.as_str(), *v, p.dim)),
                _ => None,
            })
            .collect();
        let Some((base_parts, base_net)) = self.shared.base.as_ref().filter(|_| named.is_empty())
        else {
            return self.measure_named(&named, params, keep_trajectory);
        };
        let mut parts = self.parts.take().unwrap_or_else(|| base_parts.clone());
        for p in &sweep.params {
            restore(&mut parts, base_parts, &p.target);
        }
        apply_paths(sweep, &mut parts, params)?;
        let net = Network::revalued(parts, base_net).map_err(model_errors)?;
        let shared = self.shared;
        let times = if keep_trajectory {
            &shared.times_history
        } else {
            &shared.times_few
        };
        let t_end = sweep.base.config.duration_s;
        let measured =
            self.rec
                .measure(&net, &shared.settings, t_end, times, &shared.crossing_event);
        self.parts = Some(net.into_parts());
        measured
    }

    /// A run with named parameters: the scenario set with them and checked again, then run
    /// from a copy of its own.
    fn measure_named(
        &mut self,
        named: &[(&str, f64, Dimension)],
        params: &[f64],
        keep_trajectory: bool,
    ) -> Result<(), String> {
        let sweep = self.sweep;
        let with_named;
        let base = if named.is_empty() {
            &sweep.base
        } else {
            with_named = with_parameters(&sweep.base, named).map_err(|d| d.to_string())?;
            &with_named
        };
        let mut parts = base.parts.clone();
        apply_paths(sweep, &mut parts, params)?;
        let crossing_event = add_crossing_events(sweep, &mut parts);
        let net = Network::new(parts).map_err(model_errors)?;
        let config = &base.config;
        let times = output_times(sweep, config, keep_trajectory);
        let settings = settings_of(sweep, &config.settings);
        self.rec
            .measure(&net, &settings, config.duration_s, &times, &crossing_event)
    }
}

/// Set the values of the sweep's path parameters (not the named ones) in `parts`.
fn apply_paths(sweep: &Sweep, parts: &mut NetworkParts, params: &[f64]) -> Result<(), String> {
    for (p, v) in sweep.params.iter().zip(params) {
        if !matches!(p.target, Target::Named(_)) {
            apply(parts, &p.target, *v).map_err(|e| format!("{}: {e}", p.path))?;
        }
    }
    Ok(())
}

fn model_errors(errs: Vec<plenum_physics::ModelError>) -> String {
    errs.iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The measurements of one run: each metric's value as the outputs arrive, then those
/// read from the outcome. Its buffers are kept from run to run.
pub(super) struct Recorder<'a> {
    metrics: &'a [Metric],
    /// Each link's two ends, and the number of compartments (the base model's: a sweep
    /// changes values only).
    ends: &'a [(NodeId, NodeId)],
    compartments: usize,
    traj: Option<Quantity>,
    /// Per metric: its value (running, then final).
    pub(super) values: Vec<Option<f64>>,
    /// Mass of the compartments at the first output (empty before it) and the last.
    mass_first: Vec<f64>,
    mass_last: Vec<f64>,
    trajectory: Vec<(f64, f64)>,
}

impl Observer for Recorder<'_> {
    fn observe(&mut self, sys: &System<'_>, t: f64, y: &[f64]) {
        let nc = self.compartments;
        // One buffer for the run's last masses (no allocation per output row).
        self.mass_last.clear();
        self.mass_last
            .extend((0..nc).map(|i| sys.quantity(Quantity::Mass(CompartmentId(i)), t, y)));
        if self.mass_first.is_empty() {
            self.mass_first.extend_from_slice(&self.mass_last);
        }
        for (k, m) in self.metrics.iter().enumerate() {
            let v = &mut self.values[k];
            match m.kind {
                MetricKind::Final(q) => *v = Some(sys.quantity(q, t, y)),
                MetricKind::At(q, at) if t == at => *v = Some(sys.quantity(q, t, y)),
                MetricKind::Min(q) => {
                    let x = sys.quantity(q, t, y);
                    *v = Some(v.map_or(x, |o| o.min(x)));
                }
                MetricKind::Max(q) => {
                    let x = sys.quantity(q, t, y);
                    *v = Some(v.map_or(x, |o| o.max(x)));
                }
                MetricKind::LeakRate(b, at) if at.is_none_or(|a| a == t) => {
                    let boundary = NodeId::Boundary(plenum_physics::BoundaryId(b));
                    let mut total = 0.0;
                    for (l, (from, to)) in self.ends.iter().enumerate() {
                        let f = sys.quantity(Quantity::MassFlow(LinkId(l)), t, y);
                        if *to == boundary {
                            total += f;
                        } else if *from == boundary {
                            total -= f;
                        }
                    }
                    *v = Some(total * 86_400.0);
                }
                MetricKind::FlowDirection(l) => {
                    let f = sys.quantity(Quantity::MassFlow(LinkId(l)), t, y);
                    *v = Some(f.signum() * if f == 0.0 { 0.0 } else { 1.0 });
                }
                _ => {}
            }
        }
        if let Some(q) = self.traj {
            self.trajectory.push((t, sys.quantity(q, t, y)));
        }
    }
}

impl Recorder<'_> {
    /// Ready for a run that keeps the trajectory of `traj`, if any.
    fn reset(&mut self, traj: Option<Quantity>) {
        self.traj = traj;
        self.values.iter_mut().for_each(|v| *v = None);
        self.mass_first.clear();
        self.mass_last.clear();
        self.trajectory.clear();
    }

    /// The kept trajectory of the last run, if it kept one.
    pub(super) fn take_trajectory(&mut self) -> Option<Vec<(f64, f64)>> {
        self.traj.map(|_| std::mem::take(&mut self.trajectory))
    }

    /// Run `net` and measure it: the metrics read from the outputs as they arrive, then
    /// those read from the outcome, then the derived ones.
    fn measure(
        &mut self,
        net: &Network,
        settings: &Settings,
        t_end: f64,
        times: &[f64],
        crossing_event: &[Option<EventId>],
    ) -> Result<(), String> {
        let outcome = simulate(net, settings, t_end, times, self).map_err(|e| e.to_string())?;
        for (k, m) in self.metrics.iter().enumerate() {
            let v = &mut self.values[k];
            match &m.kind {
                MetricKind::TimeTo(..) => {
                    *v = outcome
                        .events
                        .iter()
                        .find(|e| Some(e.event) == crossing_event[k])
                        .map(|e| e.time);
                }
                MetricKind::Reversals(l) => {
                    *v = Some(outcome.reversals.iter().filter(|r| r.link == *l).count() as f64);
                }
                MetricKind::FirstReversal(l) => {
                    *v = outcome
                        .reversals
                        .iter()
                        .find(|r| r.link == *l)
                        .map(|r| r.time);
                }
                MetricKind::MassLost(c) if !self.mass_first.is_empty() => {
                    let (first, last) = (&self.mass_first, &self.mass_last);
                    *v = Some(match c {
                        Some(i) => first[*i] - last[*i],
                        None => first.iter().sum::<f64>() - last.iter().sum::<f64>(),
                    });
                }
                _ => {}
            }
        }
        // Derived metrics last, in file order (each reads only metrics before it).
        for (k, m) in self.metrics.iter().enumerate() {
            if let MetricKind::Derived { expr, inputs, .. } = &m.kind {
                self.values[k] = super::derived::value(expr, inputs, &self.values);
            }
        }
        Ok(())
    }
}

/// `base` with its named parameters set to the SI values given (the same mechanism as a
/// variant's `set: {"parameters.NAME": ...}`), checked again.
pub fn with_parameters(
    base: &Loaded,
    named: &[(&str, f64, Dimension)],
) -> Result<Loaded, crate::diag::Diagnostics> {
    let set = named
        .iter()
        .map(|(n, v, d)| {
            let text = format!("{v:e} {}", d.si_unit());
            (
                format!("parameters.{n}"),
                Q::Text(text.trim_end().to_string()),
            )
        })
        .collect();
    apply_variant(base, &VariantWire::setting("sweep", set))
}

pub(super) type Executed = (Vec<Option<f64>>, Option<Vec<(f64, f64)>>);

/// Run the sweep's base scenario with its parameters at `params` (SI) and measure it.
pub(super) fn execute(
    sweep: &Sweep,
    params: &[f64],
    keep_trajectory: bool,
) -> Result<Executed, String> {
    let shared = Shared::one_run(sweep);
    let mut worker = Worker::new(sweep, &shared);
    worker.measure(params, keep_trajectory)?;
    let traj = worker.rec.take_trajectory();
    Ok((worker.rec.values, traj))
}
