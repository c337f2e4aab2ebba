//! Charts to files: each chart is drawn in memory by [`crate::plot`] and written here, PNG
//! and SVG side by side, through the one atomic writer, so a failed plot leaves no
//! half-written file.

use std::path::{Path, PathBuf};

use crate::output::atomic::write_file_atomic;
use crate::output::error::SafetyError;
use crate::plot::{render, BandChart, Heatmap, Histogram, LineChart, PlotError, Render, Tornado};

/// Write a line chart to `<path_without_ext>.png` and `.svg`; returns both paths.
pub fn write_line_chart(
    chart: &LineChart,
    path_without_ext: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    write_chart(chart, path_without_ext)
}

/// Write a percentile band chart to `<path_without_ext>.png` and `.svg`; returns both paths.
pub fn write_band_chart(
    chart: &BandChart,
    path_without_ext: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    write_chart(chart, path_without_ext)
}

/// Write a heatmap with its colour bar to `<path_without_ext>.png` and `.svg`; returns both
/// paths.
pub fn write_heatmap(chart: &Heatmap, path_without_ext: &Path) -> Result<Vec<PathBuf>, PlotError> {
    write_chart(chart, path_without_ext)
}

/// Write a histogram to `<path_without_ext>.png` and `.svg`; returns both paths.
pub fn write_histogram(
    chart: &Histogram,
    path_without_ext: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    write_chart(chart, path_without_ext)
}

/// Write a tornado chart to `<path_without_ext>.png` and `.svg`; returns both paths.
pub fn write_tornado(chart: &Tornado, path_without_ext: &Path) -> Result<Vec<PathBuf>, PlotError> {
    write_chart(chart, path_without_ext)
}

/// Draw `chart` and write it to `<base>.png` and `<base>.svg`; returns both paths.
pub fn write_chart<C: Render>(chart: &C, base: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let image = render(chart)?;
    let png_path = with_suffix(base, "png");
    let svg_path = with_suffix(base, "svg");
    if let Some(parent) = png_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| PlotError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    write_out(&png_path, &image.png)?;
    write_out(&svg_path, image.svg.as_bytes())?;
    Ok(vec![png_path, svg_path])
}

fn with_suffix(base: &Path, ext: &str) -> PathBuf {
    // Append rather than `with_extension`, which would eat a dot in "sweep_p1.5".
    let mut s = base.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Write one image through [`write_file_atomic`] (a temporary beside it, renamed into
/// place).
fn write_out(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    write_file_atomic(path, bytes).map_err(|e| match e {
        SafetyError::Io { source, .. } => PlotError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => PlotError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(other.to_string()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file() -> Result<(), PlotError> {
        let dir = tempfile::tempdir().map_err(|source| PlotError::Io {
            path: PathBuf::from("tempdir"),
            source,
        })?;
        let p = dir.path().join("a.txt");
        write_out(&p, b"first")?;
        write_out(&p, b"second")?;
        assert_eq!(std::fs::read(&p).unwrap_or_default(), b"second");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("a.txt")],
            "no temporary left"
        );
        let missing = dir.path().join("no/such/dir/a.txt");
        assert!(write_out(&missing, b"x").is_err());
        Ok(())
    }
}
