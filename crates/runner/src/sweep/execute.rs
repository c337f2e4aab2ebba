//! Running a sweep: all runs (in parallel, in batches of tasks), shards and resume.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;
use crate::output::error::SafetyError;
use crate::output::names::manifest_name;
use crate::output::safety::{self, Cancel};

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
