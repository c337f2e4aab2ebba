//! `plenum`: run spacecraft atmosphere scenarios and plot the results.
//!
//! Exit codes: 0 ok; 1 a run failed (the solver gave up, results could not be written);
//! 2 bad input or usage (a scenario with errors, a missing file, a bad option, an output
//! path holding files Plenum did not write); 130 interrupted by Ctrl-C (143 by SIGTERM).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `println!`, `print!` and `eprintln!` that carry on when the stream is closed
/// (`plenum run ... | head`): a reader that stops reading is not an error of the run, and
/// the std macros would panic.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! say_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! tell {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

mod design_cmd;
mod fit_cmd;
mod signals;
mod study_cmd;
mod sweep_cmd;
mod variants_cmd;

use clap::{Parser, Subcommand};
use plenum_runner::units::{self, Dimension};
use plenum_runner::{Diagnostics, DisplayOverrides, FileKind, Loaded};

const ABOUT: &str = "Multi-compartment spacecraft atmosphere simulator: leaks, hatches, valves and fans as a stiff gas network";

const LONG_ABOUT: &str = "\
Plenum simulates the gas in a set of sealed volumes (compartments) joined by links (cracks,
hatch seals, valves, open hatches, fans) and open to boundaries (vacuum, tanks). You describe
the spacecraft in a scenario file (RON, see docs/scenario-format.md); Plenum integrates it in
time and writes a time series, a summary and plots.

Values in scenario files take units: \"760 mmHg\", \"14.7 psi\", \"75 m3\", \"0.14 mm2\",
\"22 degC\", \"30 day\", \"3.7 lb/day\". A bare number is SI (Pa, m3, m2, K, s, kg/s).";

const EXAMPLES: &str = "\
Examples:
  plenum run scenarios/iss-prk-leak.ron            run the default scenario into out/iss-prk-leak/
  plenum run my.ron --out results/today            choose where the results go
  plenum check my.ron                              check a scenario without running it
  plenum plot out/iss-prk-leak --pressure-unit psi redraw the plots in other units
  plenum compare out/a out/b --out out/a-vs-b      compare finished runs
  plenum sweep scenarios/prk-leak-sweep.ron        run a parameter sweep (see docs/sweeps.md)
  plenum sweep s.ron --shard 3/16 --resume         one slice of a sweep, e.g. in a job array
  plenum merge s.ron out/s/runs.shard-*.csv --out out/s/runs.csv   join the slices
  plenum fit scenarios/diagnosis/march-2021.ron    fit leak hypotheses to readings (docs/diagnosis.md)
  plenum design scenarios/diagnosis/design-2025.ron  rank test procedures that tell hypotheses apart

Exit codes: 0 ok, 1 a run failed, 2 bad input or usage, 130 interrupted (Ctrl-C).";

#[derive(Debug, Parser)]
#[command(name = "plenum", version, about = ABOUT, long_about = LONG_ABOUT, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its time series, summary and plots.
    #[command(after_help = "\
Writes into the output directory (default out/<scenario name>):
  timeseries.csv   one row per output time; SI units in the column names
                   (station.pressure_Pa, prk_crack.mass_flow_kg_per_s, space.received_kg, ...)
  summary.json     leak rate into each boundary (kg/day) at start and end, mass lost,
                   minimum pressures, threshold crossings, flow reversals, the event log,
                   solver statistics, and provenance (plenum version, scenario SHA-256)
  pressure.png/svg, flows.png/svg (and any other plots the scenario asks for)
  scenario.ron     a copy of the scenario that produced them
  .plenum-manifest.json  the files plenum wrote there, with their SHA-256
The directory is replaced as a whole when the run succeeds; a failed, interrupted (Ctrl-C,
exit 130) or killed run leaves it as it was. An existing directory is replaced only if it
is empty or holds nothing but the files its manifest lists; anything else is refused.

Example:
  plenum run scenarios/prk-outward-to-inward.ron --out out/leak-shift")]
    Run {
        /// The scenario file (RON).
        file: PathBuf,
        /// Output directory (default: out/<scenario name>).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario or sweep file without running it: every problem is listed with its line.
    #[command(
        after_help = "Examples:\n  plenum check scenarios/iss-prk-leak.ron\n  plenum check scenarios/prk-leak-sweep.ron"
    )]
    Check {
        /// The scenario or sweep file (RON).
        file: PathBuf,
    },
    /// Redraw the plots of a finished run from its timeseries.csv and summary.json.
    #[command(after_help = "\
With --out NAME, or any of the steering flags (--from, --to, --show, --log-y, --sensor-*),
the plots are written beside the run's own as DIR/NAME-pressure.png/svg, ... (NAME
defaults to 'plot'); a file of that name that plenum did not write is never replaced.
Without them the run's own plots are redrawn in place (the directory must hold nothing
but plenum's files).

Examples:
  plenum plot out/iss-prk-leak --pressure-unit kPa --time-unit h
  plenum plot out/prk-pressure-test --out zoom --from \"2 day\" --to \"5 day\" --show prk_both
  plenum plot out/prk-pressure-test --out gauge --sensor-resolution \"1 mmHg\" --sensor-noise \"0.5 mmHg\"")]
    Plot {
        /// The output directory of a run.
        dir: PathBuf,
        /// Pressure unit of the plots, e.g. mmHg, kPa, psi.
        #[arg(long)]
        pressure_unit: Option<String>,
        /// Time unit of the plots, e.g. s, min, h, day.
        #[arg(long)]
        time_unit: Option<String>,
        /// Mass-flow unit of the plots, e.g. kg/day, lb/day, g/s.
        #[arg(long)]
        flow_unit: Option<String>,
        /// Temperature unit of the plots: K, degC or degF.
        #[arg(long)]
        temperature_unit: Option<String>,
        #[command(flatten)]
        steer: Box<PlotSteer>,
    },
    /// Compare finished runs: overlay plots and a table of differences from the first run.
    #[command(after_help = "\
Reads each run directory's summary.json and timeseries.csv. Prints, for what the runs have
in common, the final pressures, the leak rates at the end, the mass lost, the threshold
crossing times and the event times of each run and its difference from the first; what only
some runs have is listed as not compared. Writes into --out (default out/compare):
  compare.json, compare.csv   the table (SI units)
  pressure-<compartment>, flow-<link> (.png and .svg)   one line per run
The directory is replaced as a whole, and only if it holds nothing but plenum's files.

Example:
  plenum compare out/a out/b --label tight --label leaky --out out/a-vs-b")]
    Compare {
        /// Two or more run output directories; the first is the reference.
        #[arg(required = true, num_args = 2..)]
        dirs: Vec<PathBuf>,
        /// A label per run, in order (default: the directory names).
        #[arg(long)]
        label: Vec<String>,
        /// Output directory (default: out/compare).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Run a parameter sweep: many runs of a base scenario, in parallel, one CSV row each.
    #[command(after_help = "\
A sweep file names a base scenario, the parameters to vary (by path, e.g.
links.prk_crack.element.area) over lists, ranges or distributions, combined as a Grid,
MonteCarlo(N) or LatinHypercube(N), and the metrics to record. See docs/sweeps.md.

Writes into the output directory (default out/<sweep name>):
  runs.csv          one row per run in run order: parameters, metrics, status, error;
                    appended as runs finish (use --resume after an interruption)
  trajectories.csv  a bounded sample of trajectories, for the band chart
  band, heatmap-*, histogram-*, tornado-* (.png and .svg)
The bytes of runs.csv do not depend on --threads or --shard.

Examples:
  plenum sweep scenarios/prk-leak-sweep.ron
  plenum sweep scenarios/validation/p4-sweep.ron --threads 2 --out out/p4")]
    Sweep(sweep_cmd::SweepArgs),
    /// Join the shard files of a sweep into the runs.csv an unsharded sweep writes.
    #[command(
        after_help = "Example:\n  plenum merge scenarios/prk-leak-sweep.ron out/prk-leak-sweep/runs.shard-*-of-4.csv --out out/prk-leak-sweep/runs.csv"
    )]
    Merge(sweep_cmd::MergeArgs),
    /// Draw a sweep's plots from a merged runs.csv.
    #[command(
        after_help = "Example:\n  plenum sweep-plot scenarios/prk-leak-sweep.ron out/prk-leak-sweep"
    )]
    SweepPlot(sweep_cmd::SweepPlotArgs),
    /// Fit leak hypotheses to sensor readings and say which the readings favour.
    #[command(after_help = "\
A fit file names a base scenario, CSV files of readings with their sensor (resolution,
noise, bias), and hypotheses (the base or one of its variants) with free parameters by
path, bounds, log scale and a guess. See docs/diagnosis.md.

Writes into the output directory (default out/<fit name>):
  fit.json          estimates, standard errors, 95 % intervals, correlations,
                    identifiability warnings, AICc and BIC weights, the verdict (by BIC), and
                    provenance (plenum version, SHA-256 of every file read)
  parameters.csv, comparison.csv, fit-data.csv (readings, fitted values, residuals)
  fit, residuals (.png and .svg), summary.txt
With a predict: (...) section (projections with uncertainty), also:
  predictions.csv, ensemble.csv, prediction-HYP (.png and .svg)

Example:
  plenum fit scenarios/diagnosis/march-2021.ron")]
    Fit(fit_cmd::FitArgs),
    /// Rank test procedures by how soon the sensor tells rival hypotheses apart.
    #[command(after_help = "\
A design file names a base scenario, sensors (quantity, resolution, noise, bias, reading
interval), two or more hypotheses (the base or a variant, values set by path, optional free
parameters) and test procedures (overrides as a variant writes them, and a window). See
docs/diagnosis.md, \"Test design\".

Writes into the output directory (default out/<design name>):
  design.json       every pair's separation time and score per procedure, the ranking,
                    the method, and provenance (plenum version, SHA-256 of the files read)
  design.csv, predicted-readings.csv, design, design-differences (.png and .svg), summary.txt

Example:
  plenum design scenarios/diagnosis/design-2025.ron")]
    Design(design_cmd::DesignArgs),
}

/// Steering flags of `plenum plot`.
#[derive(Debug, clap::Args)]
struct PlotSteer {
    /// Write the plots as DIR/NAME-<plot>.png/svg (letters, digits, '-', '_').
    #[arg(long, value_name = "NAME")]
    out: Option<String>,
    /// Start of the time window, e.g. "2 day".
    #[arg(long)]
    from: Option<String>,
    /// End of the time window, e.g. "10 day".
    #[arg(long)]
    to: Option<String>,
    /// Only these compartments or links (repeat, or separate with commas).
    #[arg(long, value_delimiter = ',')]
    show: Vec<String>,
    /// Logarithmic y axis.
    #[arg(long)]
    log_y: bool,
    /// Gauge resolution (quantisation step), e.g. "1 mmHg".
    #[arg(long)]
    sensor_resolution: Option<String>,
    /// Gauge noise (standard deviation), e.g. "0.5 mmHg".
    #[arg(long)]
    sensor_noise: Option<String>,
    /// Gauge bias, e.g. "0.2 mmHg".
    #[arg(long)]
    sensor_bias: Option<String>,
    /// Seed of the gauge noise (default 0).
    #[arg(long)]
    sensor_seed: Option<u64>,
}

/// A failure and the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

fn bad_input(error: anyhow::Error) -> Failure {
    Failure { code: 2, error }
}

fn run_failed(error: anyhow::Error) -> Failure {
    Failure { code: 1, error }
}

fn into_failure((code, error): sweep_cmd::Failure) -> Failure {
    Failure { code, error }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { file, out, quiet } => run(&file, out.as_deref(), quiet),
        Command::Check { file } => check(&file),
        Command::Plot {
            dir,
            pressure_unit,
            time_unit,
            flow_unit,
            temperature_unit,
            steer,
        } => plot(
            &dir,
            DisplayOverrides {
                pressure: pressure_unit,
                time: time_unit,
                flow: flow_unit,
                temperature: temperature_unit,
            },
            *steer,
        ),
        Command::Compare { dirs, label, out } => compare(&dirs, &label, out.as_deref()),
        Command::Sweep(args) => sweep_cmd::run(args).map_err(into_failure),
        Command::Merge(args) => sweep_cmd::merge(args).map_err(into_failure),
        Command::SweepPlot(args) => sweep_cmd::plot(args).map_err(into_failure),
        Command::Fit(args) => fit_cmd::run(args),
        Command::Design(args) => design_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => ExitCode::from(report(&f)),
    }
}

/// Print a failure; returns its exit code.
fn report(f: &Failure) -> u8 {
    tell!("error: {}", f.error);
    for cause in f.error.chain().skip(1) {
        tell!("  caused by: {cause}");
    }
    f.code
}

/// An interruption by Ctrl-C (or SIGTERM), saying what state the output is in.
fn interrupted(cancel: &plenum_runner::Cancel, what: String) -> Failure {
    Failure {
        code: signals::exit_code(cancel),
        error: anyhow::anyhow!("interrupted: {what}"),
    }
}

/// A failure to write results: an interruption (saying `stopped`, the state of the output),
/// or the error with `context` and its own exit code.
fn output_failure(
    cancel: &plenum_runner::Cancel,
    e: plenum_runner::OutputError,
    stopped: String,
    context: String,
) -> Failure {
    if matches!(
        e,
        plenum_runner::OutputError::Safety(plenum_runner::SafetyError::Interrupted)
    ) {
        return interrupted(cancel, stopped);
    }
    Failure {
        code: e.exit_code(),
        error: anyhow::Error::new(e).context(context),
    }
}

/// Print the problems of a scenario or sweep file to stderr; the error is their last line,
/// which says how many there were (the caller exits with code 2).
fn diagnostics(d: &Diagnostics) -> anyhow::Error {
    let text = d.to_string();
    let (body, last) = text.rsplit_once('\n').unwrap_or(("", text.as_str()));
    if !body.is_empty() {
        tell!("{body}");
    }
    anyhow::anyhow!("{}", last.strip_prefix("error: ").unwrap_or(last))
}

/// The kind of a file from its top-level struct name; `None` when it cannot be read or
/// names neither (the loaders then say what is wrong).
fn kind_of(file: &Path) -> Option<FileKind> {
    plenum_runner::file_kind(&std::fs::read_to_string(file).ok()?)
}

/// Refuse a file of the other kind (exit code 2), naming the command that runs it.
pub(crate) fn refuse_kind(file: &Path, wanted: FileKind) -> Result<(), Failure> {
    let shown = file.display();
    match kind_of(file) {
        Some(FileKind::Sweep) if wanted == FileKind::Scenario => Err(bad_input(anyhow::anyhow!(
            "{shown} is a sweep: run it with `plenum sweep {shown}`"
        ))),
        Some(FileKind::Scenario) if wanted == FileKind::Sweep => Err(bad_input(anyhow::anyhow!(
            "{shown} is a scenario: run it with `plenum run {shown}`"
        ))),
        _ => Ok(()),
    }
}

/// Load a scenario, printing its problems (exit code 2) when it has any.
fn load(file: &Path) -> Result<Loaded, Failure> {
    plenum_runner::load(file).map_err(|d| bad_input(diagnostics(&d)))
}

fn run(file: &Path, out: Option<&Path>, quiet: bool) -> Result<(), Failure> {
    refuse_kind(file, FileKind::Scenario)?;
    let cancel = signals::install();
    let loaded = load(file)?;
    for w in &loaded.warnings {
        tell!("{w}");
    }
    let out_dir = out.map_or_else(|| Path::new("out").join(&loaded.name), Path::to_path_buf);
    plenum_runner::check_out_dir(&out_dir).map_err(|e| Failure {
        code: e.exit_code(),
        error: anyhow::Error::new(e),
    })?;
    let variants = variants_cmd::variants_of(&loaded)?;
    if !variants.is_empty() {
        return variants_cmd::run(file, &loaded, variants, &out_dir, quiet, &cancel);
    }
    let started = std::time::Instant::now();
    let shown = out_dir.display();
    let result = signals::unless_interrupted(
        &cancel,
        || plenum_runner::simulate_scenario(&loaded),
        || {
            let f = interrupted(
                &cancel,
                format!(
                    "the run was stopped before its results were written; {shown} is as it was"
                ),
            );
            std::process::exit(i32::from(report(&f)))
        },
    )
    .map_err(|e| {
        run_failed(anyhow::Error::new(e).context(format!(
            "running scenario '{}' ({})",
            loaded.name,
            file.display()
        )))
    })?;
    let report =
        plenum_runner::write_run(&loaded, result, &out_dir, Some(&cancel)).map_err(|e| {
            output_failure(
                &cancel,
                e,
                format!(
                    "the run was stopped before its results were swapped in; {shown} is as it was"
                ),
                format!(
                    "writing the results of scenario '{}' ({}) into {shown}",
                    loaded.name,
                    file.display()
                ),
            )
        })?;
    if cancel.is_set() {
        return Err(interrupted(
            &cancel,
            format!("after the run finished; {shown} holds its complete new results"),
        ));
    }
    if !quiet {
        say_raw!("{}", report.summary.to_text());
        say!(
            "  wrote {} in {:.2} s: {}",
            report.out_dir.display(),
            started.elapsed().as_secs_f64(),
            report
                .files
                .iter()
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

fn check(file: &Path) -> Result<(), Failure> {
    if kind_of(file) == Some(FileKind::Sweep) {
        return sweep_cmd::check(file).map_err(into_failure);
    }
    let l = load(file)?;
    for w in &l.warnings {
        tell!("{w}");
    }
    let n = &l.network;
    // The model's events are the scenario's, then one watcher per output threshold.
    let user_events = n.events.len() - l.config.thresholds.len();
    let plural = |k: usize, what: &str| match (k, what) {
        (1, _) => format!("1 {what}"),
        (_, "boundary") => format!("{k} boundaries"),
        _ => format!("{k} {what}s"),
    };
    say!(
        "{}: ok: scenario '{}': {}, {}, {}, {}, {}; runs {} with output every {} ({} rows)",
        file.display(),
        l.name,
        plural(n.compartments.len(), "compartment"),
        plural(n.boundaries.len(), "boundary"),
        plural(n.links.len(), "link"),
        plural(n.sources.len(), "source"),
        plural(user_events, "event"),
        plenum_runner::config::fmt_time(l.config.duration_s),
        plenum_runner::config::fmt_interval(l.config.output_interval_s),
        l.config.output_times().len()
    );
    variants_cmd::check(&variants_cmd::variants_of(&l)?)
}

fn plot(dir: &Path, overrides: DisplayOverrides, steer: PlotSteer) -> Result<(), Failure> {
    let checks = [
        (&overrides.pressure, Dimension::Pressure, "--pressure-unit"),
        (&overrides.time, Dimension::Time, "--time-unit"),
        (&overrides.flow, Dimension::MassFlow, "--flow-unit"),
        (
            &overrides.temperature,
            Dimension::Temperature,
            "--temperature-unit",
        ),
    ];
    for (value, dim, flag) in checks {
        if let Some(u) = value {
            units::unit_factor(u, dim)
                .map_err(|e| bad_input(anyhow::anyhow!("{flag} {u}: {e}")))?;
        }
    }
    if !dir.join("summary.json").is_file() || !dir.join("timeseries.csv").is_file() {
        return Err(bad_input(anyhow::anyhow!(
            "{} is not the output directory of a run (it needs summary.json and timeseries.csv)",
            dir.display()
        )));
    }
    let steered = steer.out.is_some()
        || steer.from.is_some()
        || steer.to.is_some()
        || !steer.show.is_empty()
        || steer.log_y
        || steer.sensor_resolution.is_some()
        || steer.sensor_noise.is_some()
        || steer.sensor_bias.is_some();
    if steered {
        return plot_named(dir, &overrides, steer);
    }
    let cancel = signals::install();
    let files = plenum_runner::replot(dir, &overrides, Some(&cancel)).map_err(|e| {
        output_failure(
            &cancel,
            e,
            format!("{} is as it was", dir.display()),
            format!("redrawing the plots in {}", dir.display()),
        )
    })?;
    if cancel.is_set() {
        return Err(interrupted(
            &cancel,
            format!("after the plots were redrawn; {} holds them", dir.display()),
        ));
    }
    for f in files {
        say!("redrew {} (the run's own plot)", f.display());
    }
    Ok(())
}

/// `plenum plot DIR --out NAME ...`: steered plots beside the run's own, as NAME-<plot>.
fn plot_named(dir: &Path, overrides: &DisplayOverrides, steer: PlotSteer) -> Result<(), Failure> {
    use plenum_runner::output::plots::{steer_plots, write_named_plots, Steer};
    let name = steer.out.unwrap_or_else(|| "plot".to_string());
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(bad_input(anyhow::anyhow!(
            "--out {name}: not a plain name; expected letters, digits, '-' and '_' (the plots go into {} as NAME-pressure.png, ...)",
            dir.display()
        )));
    }
    let (summary, table) = plenum_runner::output::read_run(dir).map_err(|e| Failure {
        code: e.exit_code(),
        error: anyhow::Error::new(e).context(format!("reading the run in {}", dir.display())),
    })?;
    let specs = steer_plots(
        &summary,
        &Steer {
            from: steer.from,
            to: steer.to,
            show: steer.show,
            log_y: steer.log_y,
            sensor_resolution: steer.sensor_resolution,
            sensor_noise: steer.sensor_noise,
            sensor_bias: steer.sensor_bias,
            sensor_seed: steer.sensor_seed,
        },
    )
    .map_err(|e| bad_input(anyhow::anyhow!("{e}")))?;
    let display = overrides.apply(&summary.display);
    let files =
        write_named_plots(dir, &name, &table, &summary, &display, &specs).map_err(|e| Failure {
            code: e.exit_code(),
            error: anyhow::Error::new(e)
                .context(format!("writing the plots '{name}' into {}", dir.display())),
        })?;
    for (f, replaced) in files {
        let how = if replaced {
            "replaced (an earlier plenum plot)"
        } else {
            "wrote"
        };
        say!("{how} {}", f.display());
    }
    Ok(())
}

fn compare(dirs: &[PathBuf], labels: &[String], out: Option<&Path>) -> Result<(), Failure> {
    use plenum_runner::compare;
    let runs = compare::load_runs(dirs, labels).map_err(|e| bad_input(anyhow::Error::new(e)))?;
    let table = compare::compare(&runs).map_err(|e| bad_input(anyhow::Error::new(e)))?;
    let out = out.map_or_else(|| PathBuf::from("out/compare"), Path::to_path_buf);
    let cancel = signals::install();
    say_raw!("{}", table.to_text(&runs[0].summary));
    let files = compare::write_comparison(&runs, &table, &out, Some(&cancel)).map_err(|e| {
        output_failure(
            &cancel,
            e,
            format!("{} is as it was", out.display()),
            format!("writing the comparison into {}", out.display()),
        )
    })?;
    say!(
        "  wrote {}: {}",
        out.display(),
        files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
