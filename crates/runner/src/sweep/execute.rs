//! Running a sweep: one run, all runs (in parallel, in batches), shards and resume.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use plenum_physics::{
    simulate, Action, CompartmentId, Event, EventId, LinkId, Network, NodeId, Observer, Quantity,
    Settings, System, Trigger,
};

use super::*;
use crate::output::error::SafetyError;
use crate::output::names::manifest_name;
use crate::output::safety::{self, Cancel};
use crate::paths::{apply, Target};
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

/// Run number `index` of the sweep.
pub fn run_one(sweep: &Sweep, index: usize, keep_trajectory: bool) -> RunRow {
    let params = sweep.values(index);
    let mut row = RunRow {
        index,
        params: params.clone(),
        metrics: vec![None; sweep.metrics.len()],
        error: None,
        trajectory: None,
    };
    match execute(sweep, &params, keep_trajectory) {
        Ok((metrics, traj)) => {
            row.metrics = metrics;
            row.trajectory = traj;
        }
        Err(e) => row.error = Some(e),
    }
    row
}

pub(super) struct Recorder<'a> {
    net: &'a Network,
    metrics: &'a [Metric],
    traj: Option<Quantity>,
    /// Per metric: running value.
    values: Vec<Option<f64>>,
    /// Mass of the compartments at the first and the last output.
    mass_first: Option<Vec<f64>>,
    mass_last: Vec<f64>,
    trajectory: Vec<(f64, f64)>,
    last_t: f64,
}

impl Observer for Recorder<'_> {
    fn observe(&mut self, sys: &System<'_>, t: f64, y: &[f64]) {
        let nc = self.net.compartments.len();
        // One buffer for the run's last masses (no allocation per output row).
        self.mass_last.clear();
        self.mass_last
            .extend((0..nc).map(|i| sys.quantity(Quantity::Mass(CompartmentId(i)), t, y)));
        if self.mass_first.is_none() {
            self.mass_first = Some(self.mass_last.clone());
        }
        self.last_t = t;
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
                    let mut total = 0.0;
                    for (l, link) in self.net.links.iter().enumerate() {
                        let f = sys.quantity(Quantity::MassFlow(LinkId(l)), t, y);
                        if link.to == NodeId::Boundary(plenum_physics::BoundaryId(b)) {
                            total += f;
                        } else if link.from == NodeId::Boundary(plenum_physics::BoundaryId(b)) {
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

pub(super) fn execute(
    sweep: &Sweep,
    params: &[f64],
    keep_trajectory: bool,
) -> Result<Executed, String> {
    // Named parameters are set in the scenario before it is checked, so that every value
    // written over them moves with them; the other paths are applied to the checked model.
    let named: Vec<(&str, f64, Dimension)> = sweep
        .params
        .iter()
        .zip(params)
        .filter_map(|(p, v)| match &p.target {
            Target::Named(n) => Some((n.as_str(), *v, p.dim)),
            _ => None,
        })
        .collect();
    let with_named;
    let base = if named.is_empty() {
        &sweep.base
    } else {
        with_named = with_parameters(&sweep.base, &named).map_err(|d| d.to_string())?;
        &with_named
    };
    let mut parts = base.parts.clone();
    for (p, v) in sweep.params.iter().zip(params) {
        if !matches!(p.target, Target::Named(_)) {
            apply(&mut parts, &p.target, *v).map_err(|e| format!("{}: {e}", p.path))?;
        }
    }
    // The event that finds each TimeTo metric's crossing, by metric.
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
    let net = Network::new(parts).map_err(|errs| {
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let config = &base.config;
    let t_end = config.duration_s;
    // Output times: all of them when a metric or trajectory needs the history, else only the
    // times metrics ask for.
    let needs_history = keep_trajectory
        || sweep
            .metrics
            .iter()
            .any(|m| matches!(m.kind, MetricKind::Min(_) | MetricKind::Max(_)));
    let mut times = if needs_history {
        config.output_times()
    } else {
        vec![0.0, t_end]
    };
    for m in &sweep.metrics {
        if let MetricKind::At(_, t) | MetricKind::LeakRate(_, Some(t)) = m.kind {
            times.push(t);
        }
    }
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut rec = Recorder {
        net: &net,
        metrics: &sweep.metrics,
        traj: if keep_trajectory {
            sweep.trajectories.as_ref().map(|t| t.0)
        } else {
            None
        },
        values: vec![None; sweep.metrics.len()],
        mass_first: None,
        mass_last: Vec::new(),
        trajectory: Vec::new(),
        last_t: 0.0,
    };
    // The reversal log only where a metric reads it: the same run without the screen.
    let settings = Settings {
        reversals: sweep.metrics.iter().any(|m| {
            matches!(
                m.kind,
                MetricKind::Reversals(_) | MetricKind::FirstReversal(_)
            )
        }),
        ..config.settings.clone()
    };
    let outcome = simulate(&net, &settings, t_end, &times, &mut rec).map_err(|e| e.to_string())?;
    let mut values = rec.values;
    for (k, m) in sweep.metrics.iter().enumerate() {
        match &m.kind {
            MetricKind::TimeTo(..) => {
                values[k] = outcome
                    .events
                    .iter()
                    .find(|e| Some(e.event) == crossing_event[k])
                    .map(|e| e.time);
            }
            MetricKind::Reversals(l) => {
                values[k] = Some(outcome.reversals.iter().filter(|r| r.link == *l).count() as f64);
            }
            MetricKind::FirstReversal(l) => {
                values[k] = outcome
                    .reversals
                    .iter()
                    .find(|r| r.link == *l)
                    .map(|r| r.time);
            }
            MetricKind::MassLost(c) => {
                if let Some(first) = &rec.mass_first {
                    values[k] = Some(match c {
                        Some(i) => first[*i] - rec.mass_last[*i],
                        None => first.iter().sum::<f64>() - rec.mass_last.iter().sum::<f64>(),
                    });
                }
            }
            _ => {}
        }
    }
    // Derived metrics last, in file order (each reads only metrics before it).
    for (k, m) in sweep.metrics.iter().enumerate() {
        if let MetricKind::Derived { expr, inputs, .. } = &m.kind {
            values[k] = super::derived::value(expr, inputs, &values);
        }
    }
    let traj = rec.traj.map(|_| rec.trajectory);
    Ok((values, traj))
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
    while next < todo_end {
        let end = (next + BATCH * pool.current_num_threads().max(1)).min(todo_end);
        let rows: Vec<Option<RunRow>> = pool.install(|| {
            use rayon::prelude::*;
            (next..end)
                .into_par_iter()
                .map(|i| {
                    if cancelled() {
                        return None;
                    }
                    let r = run_one(sweep, i, keep.binary_search(&i).is_ok());
                    bar.inc(1);
                    Some(r)
                })
                .collect()
        });
        // Only the finished rows before the first run not started go in, so the file stays
        // a prefix of the shard in run order.
        let mut chunk = String::new();
        for row in rows.into_iter().map_while(|r| r) {
            if row.error.is_some() {
                failed += 1;
            }
            completed += 1;
            next += 1;
            chunk.push_str(&csv_line(&row_fields(&row)));
            if opts.shard.is_none() {
                results.push(&row);
            }
            if let Some(t) = row.trajectory {
                trajectories.insert(row.index, t);
            }
        }
        file.write_all(chunk.as_bytes())
            .map_err(io_err(&runs_path))?;
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
