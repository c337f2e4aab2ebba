//! `plenum design`: predict every hypothesis's readings under every test procedure, say
//! when each pair is told apart, and rank the procedures.

use std::path::PathBuf;

use clap::Args;
use plenum_runner::design::{self, write::write_design};

use crate::study_cmd::{problems, Study};
use crate::Failure;

/// Arguments of `plenum design`.
#[derive(Debug, Args)]
pub struct DesignArgs {
    /// The design file (RON): `Design(name: ..., scenario: "base.ron", sensors: [...], hypotheses: [...], procedures: [...])`.
    pub file: PathBuf,
    /// Output directory (default: out/<design name>).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `plenum design`: exit 2 on a bad design file or scenario; 1 when a hypothesis could not
/// be run under a procedure (the results are written all the same).
pub(crate) fn run(args: DesignArgs) -> Result<(), Failure> {
    let cancel = crate::signals::install();
    let d = design::load_design(&args.file).map_err(problems)?;
    let study = Study::begin("design", &d.name, args.out.as_deref())?;
    let started = std::time::Instant::now();
    let result = design::design_all(&d);
    let wall = started.elapsed().as_secs_f64();
    let files = study.written(
        &cancel,
        write_design(&d, &result, &study.dir, Some(&cancel)),
    )?;
    if !args.quiet {
        say_raw!("{}", design::write::summary(&d, &result));
        study.say_written("computed", wall, result.runs, &files);
    }
    let failed = result
        .predictions
        .iter()
        .flatten()
        .filter(|p| p.error.is_some())
        .count();
    if failed > 0 {
        return Err(Failure {
            code: 1,
            error: anyhow::anyhow!(
                "{failed} prediction{} failed (see {}/design.json)",
                if failed == 1 { "" } else { "s" },
                study.dir.display()
            ),
        });
    }
    Ok(())
}
