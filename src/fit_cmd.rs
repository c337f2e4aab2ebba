//! `plenum fit`: fit the hypotheses of a fit file to its readings and compare them.

use std::path::PathBuf;

use clap::Args;
use plenum_runner::fit::{self, write::write_fit, FitOptions};

use crate::study_cmd::{problems, Study};
use crate::Failure;

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
    let fit = fit::load_fit(&args.file).map_err(problems)?;
    let study = Study::begin("fit", &fit.name, args.out.as_deref())?;
    let started = std::time::Instant::now();
    let mut result = fit::fit_all(&fit, &FitOptions::of(&fit));
    result.predictions = fit::predict::predict_all(&fit, &result);
    let wall = started.elapsed().as_secs_f64();
    let files = study.written(&cancel, write_fit(&fit, &result, &study.dir, Some(&cancel)))?;
    if !args.quiet {
        say_raw!("{}", fit::write::summary(&fit, &result));
        study.say_written("fitted", wall, result.runs, &files);
    }
    if result.hypotheses.iter().all(|h| h.error.is_some()) {
        return Err(Failure {
            code: 1,
            error: anyhow::anyhow!(
                "no hypothesis could be fitted (see {}/fit.json)",
                study.dir.display()
            ),
        });
    }
    Ok(())
}
