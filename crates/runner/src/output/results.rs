//! A results directory of a study (`plenum fit`, `plenum design`): files and charts written
//! into a staging directory and swapped in as a whole ([`Staging`]), so the directory is
//! replaced only where it is Plenum's own; and the number formats of their JSON and CSV.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::atomic::write_new;
use super::charts::write_chart;
use super::error::OutputError;
use super::safety::{Cancel, Staging};
use crate::plot::Render;

/// A results directory being written.
pub struct ResultsDir {
    staging: Staging,
    out: PathBuf,
    files: Vec<PathBuf>,
}

impl ResultsDir {
    /// Begin writing the results of a `kind` study into `out`.
    pub fn begin(out: &Path, kind: &str) -> Result<ResultsDir, OutputError> {
        Ok(ResultsDir {
            staging: Staging::begin(out, kind)?,
            out: out.to_path_buf(),
            files: Vec::new(),
        })
    }

    /// The staging directory the files go into until [`ResultsDir::commit`].
    pub fn staged(&self) -> &Path {
        self.staging.path()
    }

    /// Write the file `name`.
    pub fn put(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        write_new(&self.staging.path().join(name), bytes)?;
        self.files.push(self.out.join(name));
        Ok(())
    }

    /// Draw `chart` into `name.png` and `name.svg`; returns the staged paths.
    pub fn chart<C: Render>(
        &mut self,
        name: String,
        chart: &C,
    ) -> Result<Vec<PathBuf>, OutputError> {
        let written = write_chart(chart, &self.staging.path().join(&name))
            .map_err(|source| OutputError::Plot { name, source })?;
        let out = &self.out;
        self.files.extend(
            written
                .iter()
                .filter_map(|f| f.file_name().map(|n| out.join(n))),
        );
        Ok(written)
    }

    /// Swap the results in; returns the files written (paths in the results directory).
    pub fn commit(self, cancel: Option<&Cancel>) -> Result<Vec<PathBuf>, OutputError> {
        self.staging.commit(cancel)?;
        Ok(self.files)
    }
}

/// A JSON number, `null` where not finite.
pub fn json_num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

/// A JSON number, `null` where absent or not finite.
pub fn json_opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, json_num)
}

/// A CSV number in full precision (`1.5e-3`), empty where not finite.
pub fn csv_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:e}")
    } else {
        String::new()
    }
}

/// A CSV number, empty where absent or not finite.
pub fn csv_opt(x: Option<f64>) -> String {
    x.map(csv_num).unwrap_or_default()
}
