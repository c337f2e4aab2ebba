//! Why Plenum refused or failed to write its output: [`SafetyError`] for the files on disk,
//! shared by every writer of the output layer, and [`OutputError`] for the files of a run.

use std::path::{Path, PathBuf};

use super::names::{FORMAT, MANIFEST};
use crate::plot::error::PlotError;

/// Why Plenum refused or failed to write its output.
#[derive(Debug, thiserror::Error)]
pub enum SafetyError {
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: is a symbolic link; plenum does not replace links, nothing was changed\n  hint: give the real directory with --out, or another path", .0.display())]
    Symlink(PathBuf),
    #[error("{}: is a file, expected a directory for the results; nothing was changed\n  hint: choose a directory with --out", .0.display())]
    NotADirectory(PathBuf),
    #[error("{}: is a directory, expected a file; nothing was changed\n  hint: give a file name with --out", .0.display())]
    NotAFile(PathBuf),
    #[error("the output directory {} holds {what}, which plenum did not write; nothing was changed or removed\n  hint: choose another --out, or move {them} out of {}", dir.display(), dir.display())]
    Foreign {
        dir: PathBuf,
        /// The foreign entries, quoted, e.g. `'NOTES.md' (and 2 more)`.
        what: String,
        /// "it" or "them".
        them: &'static str,
    },
    #[error("{}: changed since plenum wrote it ({why}); nothing was changed or removed\n  hint: choose another --out, or move the file out of the directory", path.display())]
    Changed { path: PathBuf, why: String },
    #[error("{}: {reason}; expected a manifest written by plenum ({FORMAT}); nothing was changed\n  hint: choose another --out", path.display())]
    BadManifest { path: PathBuf, reason: String },
    #[error("{}: exists and plenum did not write it (it is not recorded in a {MANIFEST} beside it); nothing was overwritten\n  hint: choose another --out, or move the file", .0.display())]
    NotOurs(PathBuf),
    #[error("{}: cannot write here (no directory name); expected a directory path such as out/run", .0.display())]
    NoName(PathBuf),
    #[error("interrupted")]
    Interrupted,
}

impl SafetyError {
    /// The exit code: 1 for an I/O failure, 130 for an interruption, 2 for a refusal.
    pub fn exit_code(&self) -> u8 {
        match self {
            SafetyError::Io { .. } => 1,
            SafetyError::Interrupted => 130,
            _ => 2,
        }
    }
}

/// The error of an I/O `action` on `path`, for `map_err`.
pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SafetyError {
    let path = path.to_path_buf();
    move |source| SafetyError::Io {
        action,
        path,
        source,
    }
}

/// Why writing or reading the files of a run failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    Safety(#[from] SafetyError),
    #[error("{} is not a time series written by plenum: {reason}", path.display())]
    BadTable { path: PathBuf, reason: String },
    #[error("{} cannot be read: {reason}", path.display())]
    BadSummary { path: PathBuf, reason: String },
    #[error("plot {name}: {source}")]
    Plot {
        name: String,
        #[source]
        source: PlotError,
    },
}

impl OutputError {
    /// The exit code: 2 for a refusal to touch files Plenum did not write, 130 for an
    /// interruption, 1 for anything else (results could not be written).
    pub fn exit_code(&self) -> u8 {
        match self {
            OutputError::Safety(e) => e.exit_code(),
            _ => 1,
        }
    }
}
