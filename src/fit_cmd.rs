//! `plenum fit`: fit the hypotheses of a fit file to its readings and compare them.

use std::path::{Path, PathBuf};

use clap::Args;
use plenum_runner::fit::{self, write::write_fit, FitOptions};

use crate::{bad_input, interrupted, output_failure, Failure};

/// Arguments of `plenum fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// The fit file (RON): `Fit(name: ..., scenario: "base.ron", readings: [...], hypotheses: [...])`.
    pub file: PathBuf,
    /// Output directory (default: out/<fit name>).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `plenum fit`: exit 2 on a bad fit file, scenario or readings; 1 when no hypothesis could
/// be fitted.
pub(crate) fn run(args: FitArgs) -> Result<(), Failure> {
    let cancel = crate::signals::install();
    let fit = fit::load_fit(&args.file).map_err(|p| {
        let text = p.to_string();
        let (body, last) = text.rsplit_once('\n').unwrap_or(("", text.as_str()));
        if !body.is_empty() {
            tell!("{body}");
        }
        bad_input(anyhow::anyhow!("{last}"))
    })?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(&fit.name));
    // A directory holding files plenum did not write is refused before anything runs.
    plenum_runner::output::safety::inspect_dir(&out_dir).map_err(|e| Failure {
        code: e.exit_code(),
        error: anyhow::Error::new(e).context(format!("fit '{}'", fit.name)),
    })?;
    let started = std::time::Instant::now();
    let mut result = fit::fit_all(&fit, &FitOptions::of(&fit));
    result.predictions = fit::predict::predict_all(&fit, &result);
    let wall = started.elapsed().as_secs_f64();
    let shown = out_dir.display();
    let files = write_fit(&fit, &result, &out_dir, Some(&cancel)).map_err(|e| {
        output_failure(
            &cancel,
            e,
            format!("the fit was stopped before its results were swapped in; {shown} is as it was"),
            format!("writing the fit '{}' into {shown}", fit.name),
        )
    })?;
    if cancel.is_set() {
        return Err(interrupted(
            &cancel,
            format!("after the fit finished; {shown} holds its complete results"),
        ));
    }
    if !args.quiet {
        say_raw!("{}", fit::write::summary(&fit, &result));
        say!(
            "  fitted in {wall:.2} s ({} runs); wrote {shown}: {}",
            result.runs,
            files
                .iter()
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if result.hypotheses.iter().all(|h| h.error.is_some()) {
        return Err(Failure {
            code: 1,
            error: anyhow::anyhow!("no hypothesis could be fitted (see {shown}/fit.json)"),
        });
    }
    Ok(())
}
