//! Fonts, colours, sizes and text: the bundled font, the palette, measuring and shortening
//! text, and the title.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};

use super::error::PlotError;

/// DejaVu Sans, see `assets/DejaVuSans-LICENSE.txt`.
pub(super) static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
pub(super) const FONT: &str = "sans-serif";

/// Register the bundled font with plotters, once per process.
pub(super) fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(PlotError::Font)
    }
}

pub(super) const TITLE_SIZE: f64 = 28.0;
pub(super) const AXIS_DESC_SIZE: f64 = 20.0;
pub(super) const TICK_SIZE: f64 = 16.0;
pub(super) const LEGEND_SIZE: f64 = 16.0;
pub(super) const X_LABELS: usize = 10;
pub(super) const Y_LABELS: usize = 8;

pub(super) const TEXT_COLOR: RGBColor = RGBColor(25, 25, 25);
pub(super) const AXIS_COLOR: RGBColor = RGBColor(90, 90, 90);
pub(super) const GRID_BOLD: RGBColor = RGBColor(218, 218, 218);
pub(super) const GRID_LIGHT: RGBColor = RGBColor(240, 240, 240);
pub(super) const NO_DATA_COLOR: RGBColor = RGBColor(215, 215, 215);
pub(super) const BLUE: RGBColor = RGBColor(31, 119, 180);
pub(super) const RED: RGBColor = RGBColor(214, 39, 40);

/// Line colours: the ten Tableau colours (blue, orange, green, red, purple, brown, pink,
/// grey, olive, cyan), then four darker ones (black, navy, dark teal, plum) that stay
/// distinct from them on white.
pub(super) const PALETTE: [RGBColor; 14] = {
    const HEX: [u32; 14] = [
        0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22,
        0x17becf, 0x000000, 0x00008c, 0x006450, 0x96005a,
    ];
    let mut out = [RGBColor(0, 0, 0); 14];
    let mut i = 0;
    while i < HEX.len() {
        let [_, r, g, b] = HEX[i].to_be_bytes();
        out[i] = RGBColor(r, g, b);
        i += 1;
    }
    out
};

pub(super) fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&TEXT_COLOR)
}

pub(super) fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
) -> Result<i32, PlotError> {
    if text.is_empty() {
        return Ok(0);
    }
    let (w, _) = area.estimate_text_size(text, &font(size))?;
    Ok(i32::try_from(w).unwrap_or(i32::MAX))
}

/// `text`, shortened with an ellipsis to fit `max_width` pixels.
pub(super) fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    max_width: i32,
) -> Result<String, PlotError> {
    if text_width(area, text, size)? <= max_width {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    let shortened =
        |keep: usize| -> String { chars[..keep].iter().chain(['…'].iter()).collect() };
    // The width grows with the prefix: binary search for the longest prefix that fits. (A
    // search that measured every prefix in turn was quadratic in the length of the text: a
    // name of 8000 characters took 20 s to fit into a legend.) Invariant: `lo` characters
    // fit (0: the ellipsis alone), more than `hi` do not.
    let (mut lo, mut hi) = (0, chars.len().saturating_sub(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(area, &shortened(mid), size)? <= max_width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(shortened(lo))
}

/// `text` broken into lines of at most `max_width` pixels: at spaces where it can, inside a
/// word that is longer than a line.
pub(super) fn wrap_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    max_width: i32,
) -> Result<Vec<String>, PlotError> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let joined = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(area, &joined, size)? <= max_width {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word alone: cut it into pieces that fit, the longest prefix each time.
        let mut rest: Vec<char> = word.chars().collect();
        loop {
            let piece: String = rest.iter().collect();
            if text_width(area, &piece, size)? <= max_width {
                line = piece;
                break;
            }
            let (mut lo, mut hi) = (1, rest.len() - 1);
            while lo < hi {
                let mid = (lo + hi).div_ceil(2);
                let prefix: String = rest[..mid].iter().collect();
                if text_width(area, &prefix, size)? <= max_width {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            lines.push(rest[..lo].iter().collect());
            rest.drain(..lo);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// Fill the background, draw the title, return the area below it.
pub(super) fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    root.fill(&WHITE)?;
    let (w, _) = root.dim_in_pixel();
    let w = i32::try_from(w).unwrap_or(i32::MAX);
    let title = title.trim();
    if title.is_empty() {
        return Ok(root.margin(20, 8, 8, 25));
    }
    let mut size = TITLE_SIZE;
    while size > 12.0 && text_width(root, title, size)? > w - 40 {
        size -= 2.0;
    }
    let title = fit_text(root, title, size, w - 40)?;
    root.draw(&Text::new(
        title,
        (w / 2, 28),
        font(size).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    let (_, body) = root.split_vertically(56);
    Ok(body.margin(0, 8, 8, 25))
}
