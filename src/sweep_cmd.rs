//! `plenum sweep`, `plenum merge` and `plenum sweep-plot`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use plenum_runner::sweep::{self, Sweep, SweepOptions};

/// Arguments of `plenum sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The sweep file (RON): `Sweep(base: "scenario.ron", mode: ..., parameters: [...], metrics: [...])`.
    pub file: PathBuf,
    /// Output directory (default: out/<sweep name>).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: one per core). The output does not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Run only slice K of N of the run indices, e.g. --shard 3/16 (for job arrays).
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Continue an interrupted sweep: keep the finished rows of the runs file, run the rest.
    #[arg(long)]
    pub resume: bool,
    /// Run a sweep larger than the cap of 100 000 runs.
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `plenum merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The sweep file the shards came from (to check that every run is there).
    pub sweep: PathBuf,
    /// The shard files (runs.shard-K-of-N.csv), in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// The merged file.
    #[arg(long, short)]
    pub out: PathBuf,
}

/// Arguments of `plenum sweep-plot`.
#[derive(Debug, Args)]
pub struct SweepPlotArgs {
    /// The sweep file.
    pub sweep: PathBuf,
    /// The directory holding the merged runs.csv (and trajectory files).
    pub dir: PathBuf,
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("'{s}' is not K/N, e.g. 3/16"))?;
    let k: usize = k
        .trim()
        .parse()
        .map_err(|_| format!("'{k}' is not a shard number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("'{n}' is not a shard count"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n}: expected 1 <= K <= N"));
    }
    Ok((k, n))
}

/// Exit code and error.
pub type Failure = (u8, anyhow::Error);

fn load(file: &Path, force: bool) -> Result<Sweep, Failure> {
    sweep::load_sweep(file, force).map_err(|d| (2, crate::diagnostics(&d)))
}

/// `plenum check` on a sweep file: checked as `plenum sweep` would, nothing run.
pub fn check(file: &Path) -> Result<(), Failure> {
    let sw = load(file, false)?;
    say!(
        "{}: ok: sweep '{}': {} runs, {}, {}",
        file.display(),
        sw.name,
        sw.len(),
        plural(sw.params.len(), "parameter"),
        plural(sw.metrics.len(), "metric"),
    );
    Ok(())
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// `plenum sweep`.
pub fn run(args: SweepArgs) -> Result<(), Failure> {
    crate::refuse_kind(&args.file, plenum_runner::FileKind::Sweep)
        .map_err(|f| (f.code, f.error))?;
    let cancel = crate::signals::install();
    let sw = load(&args.file, args.force)?;
    if args.threads == Some(0) {
        return Err((
            2,
            anyhow::anyhow!("--threads 0: expected at least 1 thread"),
        ));
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(&sw.name));
    // A file, a link or a directory holding files plenum did not write is refused before
    // anything runs.
    plenum_runner::output::safety::inspect_dir(&out_dir).map_err(|e| {
        (
            e.exit_code(),
            anyhow::Error::new(e).context(format!("sweep '{}'", sw.name)),
        )
    })?;
    let range = sweep::shard_range(sw.len(), args.shard);
    if !args.quiet {
        tell!(
            "sweep '{}': {} runs{}, {} parameter{}, {} metric{} -> {}",
            sw.name,
            sw.len(),
            args.shard
                .map(|(k, n)| format!(" (shard {k}/{n}: runs {}..{})", range.start, range.end))
                .unwrap_or_default(),
            sw.params.len(),
            if sw.params.len() == 1 { "" } else { "s" },
            sw.metrics.len(),
            if sw.metrics.len() == 1 { "" } else { "s" },
            out_dir.display()
        );
    }
    let opts = SweepOptions {
        cancel: Some(cancel.clone()),
        out_dir,
        threads: args.threads,
        shard: args.shard,
        resume: args.resume,
        progress: !args.quiet && std::io::stderr().is_terminal(),
        stop_after: None,
    };
    let report = sweep::run_sweep(&sw, &opts).map_err(|e| {
        if matches!(e, sweep::SweepError::Interrupted { .. }) {
            return (crate::signals::exit_code(&cancel), anyhow::Error::new(e));
        }
        (
            e.exit_code(),
            anyhow::Error::new(e).context(format!("sweep '{}'", sw.name)),
        )
    })?;
    if cancel.is_set() {
        return Err((
            crate::signals::exit_code(&cancel),
            anyhow::anyhow!(
                "interrupted: after the sweep finished; {} holds its complete results",
                report.runs_file.display()
            ),
        ));
    }
    if !args.quiet {
        say!(
            "{} runs in {:.2} s ({:.0} runs/s){}; {} failed; wrote {}",
            report.completed,
            report.elapsed_s,
            report.completed as f64 / report.elapsed_s.max(1e-9),
            if report.done_before > 0 {
                format!(", {} done before (resumed)", report.done_before)
            } else {
                String::new()
            },
            report.failed,
            report.runs_file.display()
        );
        for p in &report.plots {
            say!("  {}", p.display());
        }
        if !report.metrics.is_empty() {
            if let Some(dir) = report.runs_file.parent() {
                for f in [sweep::DISPLAY_TABLE, plenum_runner::report::REPORT_FILE] {
                    say!("  {}", dir.join(f).display());
                }
            }
            say_raw!(
                "{}",
                sweep::summary_text(&report.metrics, report.runs_ok, report.runs_failed)
            );
        }
    }
    Ok(())
}

/// `plenum merge`.
pub fn merge(args: MergeArgs) -> Result<(), Failure> {
    let sw = load(&args.sweep, true)?;
    let n = sweep::merge(&args.shards, &args.out, Some(&sw)).map_err(|e| {
        // Every merge failure is about its input or its output path, except a write error.
        let code = if matches!(e, sweep::SweepError::Safety(_)) {
            e.exit_code()
        } else {
            2
        };
        (code, anyhow::Error::new(e).context("merging shards"))
    })?;
    say!("merged {n} runs into {}", args.out.display());
    Ok(())
}

/// `plenum sweep-plot`.
pub fn plot(args: SweepPlotArgs) -> Result<(), Failure> {
    let sw = load(&args.sweep, true)?;
    if !args.dir.join("runs.csv").is_file() {
        return Err((
            2,
            anyhow::anyhow!(
                "{} has no runs.csv; merge the shards into it first (plenum merge ... --out {}/runs.csv)",
                args.dir.display(),
                args.dir.display()
            ),
        ));
    }
    let files = sweep::plot_dir(&sw, &args.dir).map_err(|e| {
        (
            e.exit_code(),
            anyhow::Error::new(e).context("drawing the sweep plots"),
        )
    })?;
    for f in files {
        say!("wrote {}", f.display());
    }
    Ok(())
}
