//! Why a chart could not be written: [`PlotError`], shared by every file of the plot layer.

use std::path::PathBuf;

use plotters::prelude::DrawingAreaErrorKind;

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Two arrays that must pair up have different lengths.
    #[error("{what} has {found} values, expected {expected} (one per x value)")]
    LengthMismatch {
        /// Which array, e.g. `series 'prk': y`.
        what: String,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// The chart description cannot be drawn (unsorted cell centres, zero bins, ...).
    #[error("{0}")]
    InvalidInput(String),
    /// The bundled font could not be registered with plotters.
    #[error("the bundled plot font (DejaVu Sans) could not be loaded")]
    Font,
    /// plotters reported an error while drawing.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("encoding the PNG failed: {0}")]
    Encode(String),
    /// Writing a file failed.
    #[error("writing {}: {source}", path.display())]
    Io {
        /// The file that could not be written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Draw(e.to_string())
    }
}
