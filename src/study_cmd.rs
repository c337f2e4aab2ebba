//! What `plenum fit` and `plenum design` share around their computation: the problems of
//! the file, the output directory (refused when it holds files Plenum did not write), the
//! results written as a whole, and the line that names them.

use std::path::{Path, PathBuf};

use crate::{bad_input, interrupted, output_failure, Failure};

/// A study (`"fit"`, `"design"`) named `name`, written into `dir`.
pub(crate) struct Study<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub dir: PathBuf,
}

/// The problems of a study file on stderr; the failure is their last line, which counts
/// them (exit 2).
pub(crate) fn problems(p: impl std::fmt::Display) -> Failure {
    let text = p.to_string();
    let (body, last) = text.rsplit_once('\n').unwrap_or(("", text.as_str()));
    if !body.is_empty() {
        tell!("{body}");
    }
    bad_input(anyhow::anyhow!("{last}"))
}

impl<'a> Study<'a> {
    /// The study's output directory (`out`, else `out/<name>`), checked before anything
    /// runs: one holding files Plenum did not write is refused.
    pub(crate) fn begin(kind: &'a str, name: &'a str, out: Option<&Path>) -> Result<Self, Failure> {
        let dir = out.map_or_else(|| Path::new("out").join(name), Path::to_path_buf);
        plenum_runner::output::safety::inspect_dir(&dir).map_err(|e| Failure {
            code: e.exit_code(),
            error: anyhow::Error::new(e).context(format!("{kind} '{name}'")),
        })?;
        Ok(Study { kind, name, dir })
    }

    /// The outcome of writing the results: an interruption during or after it, or the
    /// files written.
    pub(crate) fn written(
        &self,
        cancel: &plenum_runner::Cancel,
        outcome: Result<Vec<PathBuf>, plenum_runner::OutputError>,
    ) -> Result<Vec<PathBuf>, Failure> {
        let (kind, shown) = (self.kind, self.dir.display());
        let files = outcome.map_err(|e| {
            output_failure(
                cancel,
                e,
                format!(
                    "the {kind} was stopped before its results were swapped in; {shown} is as it was"
                ),
                format!("writing the {kind} '{}' into {shown}", self.name),
            )
        })?;
        if cancel.is_set() {
            return Err(interrupted(
                cancel,
                format!("after the {kind} finished; {shown} holds its complete results"),
            ));
        }
        Ok(files)
    }

    /// "  VERB in 1.23 s (N runs); wrote DIR: a, b, c".
    pub(crate) fn say_written(&self, verb: &str, wall: f64, runs: usize, files: &[PathBuf]) {
        say!(
            "  {verb} in {wall:.2} s ({runs} runs); wrote {}: {}",
            self.dir.display(),
            files
                .iter()
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
