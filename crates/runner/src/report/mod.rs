//! `report.html`: one self-contained page per run, sweep (and, calling the same API, per
//! variant set or fit) that people read in a browser or print, without Plenum.
//!
//! A report is a [`Page`] of [`Section`]s, each a list of [`Block`]s (paragraphs, key-value
//! facts, tables, inline SVG figures, source text). [`Page::to_html`] writes it as one
//! well-formed XHTML-compatible HTML5 document with its style sheet inline: no script, no
//! font, image or style sheet fetched from anywhere, so it reads the same offline and prints
//! cleanly (print CSS keeps figures and table rows whole). Every piece of user text (names,
//! descriptions, the scenario file) is escaped here, in [`escape`], and nowhere else.
//!
//! Builders for the reports Plenum writes: [`run_page`] / [`run_html`] (from a run's
//! summary, scenario text and plots), [`sweep_page`] / [`sweep_html`]. A report for another
//! kind of output composes its own page from the same parts: [`run_sections`] gives the
//! tables of one run (a variant set puts one set per variant), [`provenance_section`] the
//! provenance, [`Figure::from_svg`] turns a chart drawn by [`crate::plot::render`] into an
//! inline figure. [`write`] puts the page on disk through the one atomic writer.

mod html;
mod run;
mod sweep;

use std::path::{Path, PathBuf};

use crate::output::atomic::write_file_atomic;
use crate::output::error::SafetyError;

pub use html::escape;
pub use run::{provenance_section, run_html, run_page, run_sections};
pub use sweep::{sweep_html, sweep_page, SweepInput};

/// The file name of every report.
pub const REPORT_FILE: &str = "report.html";

/// A report page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// The page title (the `<title>` and the `<h1>`).
    pub title: String,
    /// Lines under the title (what this is, its status).
    pub lead: Vec<String>,
    pub sections: Vec<Section>,
}

/// A section of a page, with an `<h2>` heading and an entry in the table of contents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// A piece of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph of plain text.
    Text(String),
    /// Key-value pairs, as a two-column table without a header.
    Facts(Vec<(String, String)>),
    Table(Table),
    Figure(Figure),
    /// Preformatted source text (a scenario file) with a caption.
    Source {
        caption: String,
        text: String,
    },
    /// A sub-heading (`<h3>`), e.g. one per variant.
    Subheading(String),
}

/// A table: a header row and data rows; columns after the first are set right-aligned
/// (numbers) unless they are listed in `text_columns`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub caption: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns (by index) that hold words, set left-aligned like the first.
    pub text_columns: Vec<usize>,
}

/// A chart as inline SVG, with its caption.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub caption: String,
    /// The `<svg>` element (no XML declaration), sized by the page.
    svg: String,
}

impl Figure {
    /// A figure from an SVG document drawn by [`crate::plot::render`] (Plenum's own charts,
    /// whose text plotters escapes). The XML declaration, if any, is dropped and the root's
    /// fixed width and height are removed so that the figure scales with the page (its
    /// `viewBox` keeps the proportions); the caption becomes its accessible name.
    pub fn from_svg(caption: &str, svg: &str) -> Figure {
        let body = match svg.find("<svg") {
            Some(i) => &svg[i..],
            None => "",
        };
        let (open, rest) = match body.find('>') {
            Some(i) => body.split_at(i),
            None => ("", ""),
        };
        let open: String = open
            .split(' ')
            .filter(|a| !a.starts_with("width=") && !a.starts_with("height="))
            .collect::<Vec<_>>()
            .join(" ");
        let svg = if open.is_empty() {
            String::new()
        } else {
            format!(
                "{open} role=\"img\" aria-label=\"{}\"{rest}",
                escape(caption)
            )
        };
        Figure {
            caption: caption.to_string(),
            svg,
        }
    }

    /// The figures of the `.svg` files among `files` (the plots a run or sweep wrote), in
    /// order, captioned with what they show and their file name ([`caption_of`]). A file
    /// that cannot be read is left out (the report is a view of the outputs, not one of
    /// them).
    pub fn from_files(files: &[PathBuf]) -> Vec<Figure> {
        files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
            .filter_map(|p| {
                let svg = std::fs::read_to_string(p).ok()?;
                let name = p.file_name()?.to_string_lossy().into_owned();
                Some(Figure::from_svg(&caption_of(&name), &svg))
            })
            .collect()
    }

    /// The inline `<svg>` element.
    pub fn svg(&self) -> &str {
        &self.svg
    }
}

/// The caption of a plot file Plenum writes, from its name: what it shows, then the file
/// (`pressure.svg` -> "Compartment pressures (pressure.svg, .png)").
pub fn caption_of(file: &str) -> String {
    let base = file.strip_suffix(".svg").unwrap_or(file);
    let what = match base {
        "pressure" => "Compartment pressures".to_string(),
        "flows" => "Link mass flows".to_string(),
        "temperature" => "Compartment temperatures".to_string(),
        "band" => "Median and percentile bands of the kept trajectories".to_string(),
        b => match b.split_once(['-', '_']) {
            Some(("histogram", m)) => format!("Distribution of {m} over the runs"),
            Some(("tornado", m)) => {
                format!("What drives {m}: rank correlation of each parameter with it")
            }
            Some(("heatmap", m)) => format!("{m} over two parameters, mean per cell"),
            Some(("pressure", c)) => format!("Pressure of {c}, one line per variant"),
            Some(("flow", l)) => format!("Mass flow through {l}, one line per variant"),
            _ => match b.strip_prefix("partial_pressure_") {
                Some(sp) => format!("Partial pressure of {sp}"),
                None => b.to_string(),
            },
        },
    };
    if base == file {
        what
    } else {
        format!("{what} ({file}, .png)")
    }
}

impl Page {
    /// The page as one self-contained HTML document.
    pub fn to_html(&self) -> String {
        html::page(self)
    }
}

/// Write a report page to `path` through the atomic writer (a temporary renamed over it).
/// Ownership of the directory is the caller's to check, as for every output file.
pub fn write(path: &Path, page: &Page) -> Result<(), SafetyError> {
    write_file_atomic(path, page.to_html().as_bytes())
}

#[cfg(test)]
mod tests;
