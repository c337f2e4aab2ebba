//! Running a sweep: one run, all runs (in parallel, in batches), shards and resume.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use plenum_physics::{
    simulate, Action, CompartmentId, Event, EventId, LinkId, Network, NetworkParts, NodeId,
    Observer, Quantity, Settings, System, Trigger,
};

use super::*;
use crate::output::error::SafetyError;
use crate::output::names::manifest_name;
use crate::output::safety::{self, Cancel};
use crate::paths::{apply, restore, Target};
use crate::scenario::variants::{apply_variant, VariantWire};
use crate::scenario::{Loaded, Q};
use crate::units::Dimension;

// ------------------------------------------------------------------------------------------
// One run

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

/// Run number `index` of the sweep, on its own (a sweep's runs share their set-up: see
/// [`run_sweep`]).
pub fn run_one(sweep: &Sweep, index: usize, keep_trajectory: bool) -> RunRow {
    let shared = Shared::of(sweep);
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
    /// do not check: each run then reports why).
    base: Option<(NetworkParts, Network)>,
    /// The event that finds each `TimeTo` metric's crossing, by metric.
    crossing_event: Vec<Option<EventId>>,
    settings: Settings,
    /// Output times of a run that needs the whole history (a trajectory, a minimum or a
    /// maximum), and of one that needs only the times its metrics name.
    times_history: Vec<f64>,
    times_few: Vec<f64>,
    ends: Vec<(NodeId, NodeId)>,
}

impl Shared {
    pub(super) fn of(sweep: &Sweep) -> Shared {
        let mut parts = sweep.base.parts.clone();
        let crossing_event = add_crossing_events(sweep, &mut parts);
        let base = Network::new(parts.clone()).ok().map(|net| (parts, net));
        let config = &sweep.base.config;
        Shared {
            base,
            crossing_event,
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
    let shared = Shared::of(sweep);
    let mut worker = Worker::new(sweep, &shared);
    worker.measure(params, keep_trajectory)?;
    let traj = worker.rec.take_trajectory();
    Ok((worker.rec.values, traj))
}

// ------------------------------------------------------------------------------------------
// Executing a sweep

/// Options of `plenum sweep`.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    pub out_dir: PathBuf,
    /// Worker threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Run only shard k of n (1-based).
    pub shard: Option<(usize, usize)>,
    pub resume: bool,
    pub progress: bool,
    /// Stop after this many new runs (to exercise resume in tests); `None`: all.
    pub stop_after: Option<usize>,
    /// Stop starting runs once set (Ctrl-C): the finished rows are kept, in order, and the
    /// sweep ends with [`SweepError::Interrupted`]; `--resume` continues it.
    pub cancel: Option<Cancel>,
}

/// What a sweep produced.
#[derive(Debug, Clone)]
pub struct SweepReport {
    pub runs_file: PathBuf,
    pub total_runs: usize,
    pub shard_runs: usize,
    pub done_before: usize,
    pub completed: usize,
    pub failed: usize,
    pub plots: Vec<PathBuf>,
    pub elapsed_s: f64,
    /// The summary of each metric, in display units (empty for a shard or an unfinished
    /// sweep): see [`summary_text`].
    pub metrics: Vec<MetricSummary>,
    /// Successful and failed runs in the whole runs file (with those of a resumed process).
    pub runs_ok: usize,
    pub runs_failed: usize,
}

/// Errors of a sweep execution (not of its input).
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Rows that cannot be resumed or merged (another sweep's, torn, missing): bad input.
    #[error("{0}")]
    Resume(String),
    #[error("cannot start the thread pool: {0}")]
    Pool(String),
    #[error("plot {0}")]
    Plot(String),
    #[error(transparent)]
    Safety(#[from] SafetyError),
    #[error("interrupted: {done} of {total} runs are in {}; the others were not started or not finished\n  hint: continue with the same command and --resume", runs_file.display())]
    Interrupted {
        done: usize,
        total: usize,
        runs_file: PathBuf,
    },
}

impl SweepError {
    /// The exit code: 2 for input that cannot be used (rows of another sweep, files Plenum
    /// did not write), 130 for an interruption, 1 for a failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            SweepError::Resume(_) => 2,
            SweepError::Safety(e) => e.exit_code(),
            SweepError::Interrupted { .. } => 130,
            _ => 1,
        }
    }
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    }
}

// ------------------------------------------------------------------------------------------
// Running and merging

/// The rows already in a runs file being resumed: checks the fingerprint and the header,
/// and returns (complete rows, length of the complete part); a torn last line (from an
/// interrupted write) is not counted and is cut off by the caller.
pub(super) fn resume_state(
    path: &Path,
    fingerprint: &Fingerprint,
    columns: &str,
    range: &std::ops::Range<usize>,
) -> Result<(usize, u64), SweepError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    if complete.is_empty() {
        // Killed while writing the first line: nothing to keep.
        return Ok((0, 0));
    }
    let mut lines = complete.lines();
    let found = file_fingerprint(path, lines.next())?;
    let diffs = fingerprint.differences(&found);
    if !diffs.is_empty() {
        return Err(mismatch(path, "nothing was changed", &diffs));
    }
    match lines.next() {
        Some(h) if h == columns.trim_end() => {}
        None => return Ok((0, 0)),
        Some(_) => {
            return Err(SweepError::Resume(format!(
                "{}: its header differs from this sweep's; it belongs to another sweep (choose another --out)",
                path.display()
            )))
        }
    }
    let mut n = 0;
    for line in lines {
        let idx: Option<usize> = line.split(',').next().and_then(|s| s.parse().ok());
        if idx != Some(range.start + n) {
            return Err(SweepError::Resume(format!(
                "{}: row {} is run {:?}, expected run {}; the file is not a prefix of this shard",
                path.display(),
                n + 1,
                idx,
                range.start + n
            )));
        }
        n += 1;
    }
    Ok((n, complete.len() as u64))
}

/// Run a sweep (or one shard of it).
///
/// The output directory follows the rule of [`crate::output::safety`]: it must not exist, be empty,
/// or hold only files a Plenum manifest records. Each writer (the whole sweep, or one shard)
/// keeps its own manifest, which declares the files before they are written, so a sweep
/// killed at any point leaves a directory Plenum can prove is its own and `--resume` can
/// continue.
pub fn run_sweep(sweep: &Sweep, opts: &SweepOptions) -> Result<SweepReport, SweepError> {
    let start = std::time::Instant::now();
    let owned = safety::inspect_dir(&opts.out_dir)?;
    std::fs::create_dir_all(&opts.out_dir).map_err(io_err(&opts.out_dir))?;
    let total = sweep.len();
    let range = shard_range(total, opts.shard);
    let runs_name = runs_file_name(opts.shard);
    let runs_path = opts.out_dir.join(&runs_name);
    let tag = opts.shard.map(|(k, n)| format!("shard-{k}-of-{n}"));
    let manifest = manifest_name(tag.as_deref());
    let kind = if opts.shard.is_some() {
        "sweep-shard"
    } else {
        "sweep"
    };
    let fingerprint = Fingerprint::of(sweep);
    let fp_line = fingerprint.line();
    let fp_fields = fp_line.trim_start_matches(FINGERPRINT_PREFIX).trim();
    let columns = csv_line(&sweep.header());
    let resuming = opts.resume && runs_path.exists();
    let (done_before, complete_len) = if resuming {
        resume_state(&runs_path, &fingerprint, &columns, &range)?
    } else {
        if let Some(o) = &owned {
            safety::remove_recorded(o, &manifest)?;
        }
        (0, 0)
    };
    let traj_name = trajectories_file_name(opts.shard);
    let mut planned = vec![runs_name.clone()];
    if sweep.trajectories.is_some() {
        planned.push(traj_name.clone());
    }
    if opts.shard.is_none() {
        planned.extend(plot_files(sweep));
        planned.extend(summary_files());
    }
    // Declared before they are written (`true`), recorded with their hashes after.
    let record = |declare: bool| {
        safety::record_files(
            &opts.out_dir,
            &manifest,
            kind,
            Some(fp_fields),
            &planned,
            declare,
        )
    };
    record(true)?;
    let mut file = if resuming && complete_len > 0 {
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(&runs_path)
            .map_err(io_err(&runs_path))?;
        // Cut a torn last line from an interrupted write.
        f.set_len(complete_len).map_err(io_err(&runs_path))?;
        f
    } else {
        let mut f = std::fs::File::create(&runs_path).map_err(io_err(&runs_path))?;
        f.write_all(format!("{fp_line}\n{columns}").as_bytes())
            .map_err(io_err(&runs_path))?;
        f
    };
    // What the plots are drawn from: the rows of an earlier, resumed process (read from
    // the complete part of its file), then the rows computed here.
    let mut results = Results::new(sweep);
    if opts.shard.is_none() && done_before > 0 {
        read_columns(&runs_path, &mut results)?;
    }
    let keep: Vec<usize> = trajectory_runs(sweep);
    let todo_start = range.start + done_before;
    let todo_end = match opts.stop_after {
        Some(n) => (todo_start + n).min(range.end),
        None => range.end,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .map_err(|e| SweepError::Pool(e.to_string()))?;
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new((todo_end - todo_start) as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} runs  {per_sec}  eta {eta}",
        ) {
            b.set_style(style);
        }
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let cancelled = || opts.cancel.as_ref().is_some_and(Cancel::is_set);
    let interrupted = |next: usize| SweepError::Interrupted {
        done: next - range.start,
        total: range.len(),
        runs_file: runs_path.clone(),
    };
    let mut completed = 0;
    let mut failed = 0;
    let traj_path = opts.out_dir.join(&traj_name);
    let mut trajectories: BTreeMap<usize, Vec<(f64, f64)>> = BTreeMap::new();
    let mut next = todo_start;
    let shared = Shared::of(sweep);
    while next < todo_end {
        let end = (next + BATCH * pool.current_num_threads().max(1)).min(todo_end);
        // Runs in tasks of CHUNK consecutive ones; a worker keeps its set-up and buffers
        // across its tasks, and each task writes its rows into one buffer.
        let starts: Vec<usize> = (next..end).step_by(CHUNK).collect();
        let chunks: Vec<Rows> = pool.install(|| {
            use rayon::prelude::*;
            starts
                .into_par_iter()
                .map_init(
                    || Worker::new(sweep, &shared),
                    |worker, a| {
                        let mut rows = Rows::new();
                        for i in a..(a + CHUNK).min(end) {
                            if cancelled() {
                                break;
                            }
                            let result = worker.run(i, keep.binary_search(&i).is_ok());
                            rows.push(
                                i,
                                &worker.params,
                                &worker.rec.values,
                                result.as_ref().err().map(String::as_str),
                            );
                            if let (Ok(()), Some(t)) = (&result, worker.rec.take_trajectory()) {
                                rows.trajectories.push((i, t));
                            }
                            bar.inc(1);
                        }
                        rows
                    },
                )
                .collect()
        });
        // Only the finished rows before the first run not started go in, so the file stays
        // a prefix of the shard in run order.
        for mut rows in chunks {
            let whole = rows.count == CHUNK.min(end - next);
            completed += rows.count;
            failed += rows.failed;
            next += rows.count;
            if opts.shard.is_none() {
                results.push_rows(&rows);
            }
            trajectories.extend(std::mem::take(&mut rows.trajectories));
            file.write_all(&rows.text()).map_err(io_err(&runs_path))?;
            if !whole {
                break;
            }
        }
        file.flush().map_err(io_err(&runs_path))?;
        if cancelled() {
            bar.finish_and_clear();
            return Err(interrupted(next));
        }
    }
    bar.finish_and_clear();
    // Trajectories of runs already done before a resume are recomputed (cheap, bounded).
    for &i in keep
        .iter()
        .filter(|i| range.contains(i) && **i < todo_start)
    {
        if let Some(t) = run_one(sweep, i, true).trajectory {
            trajectories.insert(i, t);
        }
    }
    if !trajectories.is_empty() {
        write_trajectories(&traj_path, &trajectories)?;
    }
    if cancelled() {
        return Err(interrupted(next));
    }
    let finished = todo_end == range.end;
    let mut plots = Vec::new();
    let mut metrics = Vec::new();
    file.sync_all().map_err(io_err(&runs_path))?;
    if finished && opts.shard.is_none() {
        results.trajectories = trajectories;
        plots = draw_plots(sweep, &results, &opts.out_dir)?;
        metrics = write_summary_files(sweep, &results, &plots, &opts.out_dir)?;
    }
    if finished {
        // Every file now has its final bytes: record their sizes and hashes. (The files of
        // a sweep stopped early stay declared without hashes: its runs file will grow.)
        record(false)?;
    }
    Ok(SweepReport {
        runs_file: runs_path,
        total_runs: total,
        shard_runs: range.len(),
        done_before,
        completed,
        failed,
        plots,
        elapsed_s: start.elapsed().as_secs_f64(),
        metrics,
        runs_ok: results.metrics.first().map_or(0, Vec::len),
        runs_failed: results.failed,
    })
}
