//! `plenum design`: predict every hypothesis's readings under every test procedure, say
//! when each pair is told apart, and rank the procedures.

use std::path::{Path, PathBuf};

use clap::Args;
use plenum_runner::design::{self, write::write_design};

use crate::{bad_input, interrupted, output_failure, Failure};

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
    let d = design::load_design(&args.file).map_err(|p| {
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
        .unwrap_or_else(|| Path::new("out").join(&d.name));
    // A directory holding files plenum did not write is refused before anything runs.
    plenum_runner::output::safety::inspect_dir(&out_dir).map_err(|e| Failure {
        code: e.exit_code(),
        error: anyhow::Error::new(e).context(format!("design '{}'", d.name)),
    })?;
    let started = std::time::Instant::now();
    let result = design::design_all(&d);
    let wall = started.elapsed().as_secs_f64();
    let shown = out_dir.display();
    let files = write_design(&d, &result, &out_dir, Some(&cancel)).map_err(|e| {
        output_failure(
            &cancel,
            e,
            format!(
                "the design was stopped before its results were swapped in; {shown} is as it was"
            ),
            format!("writing the design '{}' into {shown}", d.name),
        )
    })?;
    if cancel.is_set() {
        return Err(interrupted(
            &cancel,
            format!("after the design finished; {shown} holds its complete results"),
        ));
    }
    if !args.quiet {
        say_raw!("{}", design::write::summary(&d, &result));
        say!(
            "  computed in {wall:.2} s ({} runs); wrote {shown}: {}",
            result.runs,
            files
                .iter()
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        );
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
                "{failed} prediction{} failed (see {shown}/design.json)",
                if failed == 1 { "" } else { "s" }
            ),
        });
    }
    Ok(())
}
