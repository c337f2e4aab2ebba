//! Readings: a CSV file of one sensor's values over time.
//!
//! ```text
//! # PrK gauge, crew reports (comment lines start with '#')
//! time_h,pressure_mmHg
//! 0,730
//! 3.5,714
//! 11.5,678
//! ```
//!
//! The first column is the time, the second the value; other columns are ignored. A
//! column's unit is the part of its header after the first `_` (`time_h`, `pressure_mmHg`,
//! `flow_kg/day`), or the fit file's `time_unit` / `unit`, or written in the cell itself
//! (`"730 mmHg"`). A time may instead be an ISO 8601 timestamp
//! (`2021-03-12T08:00:00Z`, `2021-03-12 08:00`, an offset such as `+03:00`), taken
//! relative to the fit file's `start`. An empty value is a gap (the row is skipped). Times
//! must not go backwards; spacing may be irregular.

use std::path::Path;

use crate::units::{self, Dimension};

/// One bad row (or the file as a whole, line 0), as `file:line: message`.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

/// The times (s after the scenario's start) and SI values of a readings file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub times: Vec<f64>,
    pub values: Vec<f64>,
}

/// How to read the columns where the file does not say.
#[derive(Debug, Clone, Default)]
pub struct Columns<'a> {
    /// Unit of bare numbers in the time column.
    pub time_unit: Option<&'a str>,
    /// Unit of bare numbers in the value column.
    pub value_unit: Option<&'a str>,
    /// Seconds since 1970-01-01T00:00:00Z of the scenario's time 0 (for timestamps).
    pub start: Option<f64>,
}

/// Read a readings file; every bad row is reported (up to 20), each with its line.
pub fn read(path: &Path, dim: Dimension, cols: &Columns<'_>) -> Result<Series, Vec<RowError>> {
    let bytes = std::fs::read(path).map_err(|e| {
        vec![RowError {
            line: 0,
            message: format!("cannot read the readings: {e}"),
        }]
    })?;
    parse(&bytes, dim, cols)
}

/// [`read`] on the bytes of a file.
pub fn parse(bytes: &[u8], dim: Dimension, cols: &Columns<'_>) -> Result<Series, Vec<RowError>> {
    let whole = |message: String| vec![RowError { line: 1, message }];
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header = rdr
        .headers()
        .map_err(|e| whole(format!("cannot read the header: {e}")))?
        .clone();
    if header.len() < 2 {
        return Err(whole(format!(
            "the header has {} column(s); expected two or more: time then value, e.g. 'time_h,pressure_mmHg'",
            header.len()
        )));
    }
    // The header is the first line that is neither empty nor a comment.
    let header_line = bytes
        .split(|b| *b == b'\n')
        .position(|l| {
            let l = l.trim_ascii();
            !l.is_empty() && !l.starts_with(b"#")
        })
        .map_or(1, |i| i as u64 + 1);
    let unit_of = |h: &str| h.split_once('_').map(|(_, u)| u.to_string());
    let time_unit = unit_of(&header[0]).or(cols.time_unit.map(str::to_string));
    let value_unit = unit_of(&header[1]).or(cols.value_unit.map(str::to_string));
    let mut errors = Vec::new();
    let time_factor = match &time_unit {
        Some(u) => match units::unit_factor(u, Dimension::Time) {
            Ok(f) => Some(f),
            Err(e) => {
                errors.push(RowError {
                    line: header_line,
                    message: format!("time column '{}': {e}", &header[0]),
                });
                None
            }
        },
        None => None,
    };
    let value_factor = match &value_unit {
        Some(u) => match units::unit_factor(u, dim) {
            Ok(f) => Some(f),
            Err(e) => {
                errors.push(RowError {
                    line: header_line,
                    message: format!("value column '{}': {e}", &header[1]),
                });
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Series::default();
    let mut last: Option<(f64, u64)> = None;
    for rec in rdr.records() {
        if errors.len() >= 20 {
            break;
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError {
                    line,
                    message: format!("not a CSV row: {e}"),
                });
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let mut bad = |message: String| errors.push(RowError { line, message });
        let (Some(t_text), Some(v_text)) = (rec.get(0), rec.get(1)) else {
            bad("expected a time and a value".into());
            continue;
        };
        if v_text.is_empty() {
            continue; // a gap
        }
        let t = match cell(t_text, Dimension::Time, time_factor) {
            Ok(Some(t)) => Some(t),
            Ok(None) => match timestamp(t_text) {
                Some(abs) => match cols.start {
                    Some(s) => Some(abs - s),
                    None => {
                        bad(format!("time '{t_text}' is a timestamp but the readings have no start; expected start: \"2021-03-12T08:00:00Z\" in the fit file"));
                        None
                    }
                },
                None => {
                    bad(format!("time '{t_text}' is not a number with a unit nor an ISO 8601 timestamp; expected e.g. '3.5' under 'time_h', '3.5 h' or '2021-03-12T08:00:00Z'"));
                    None
                }
            },
            Err(e) => {
                bad(format!("time '{t_text}': {e}"));
                None
            }
        };
        let v = match cell(v_text, dim, value_factor) {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                bad(format!(
                    "value '{v_text}' is not a number; expected {} such as {}",
                    dim.with_article(),
                    dim.example()
                ));
                None
            }
            Err(e) => {
                bad(format!("value '{v_text}': {e}"));
                None
            }
        };
        let (Some(t), Some(v)) = (t, v) else { continue };
        if let Some((before, at)) = last {
            if t < before {
                bad(format!(
                    "time goes backwards: {} s after {} s (line {at}); expected times in order",
                    units::format_significant(t, 6),
                    units::format_significant(before, 6)
                ));
                continue;
            }
        }
        if t < 0.0 {
            bad(format!(
                "time {} s is before the scenario's start; expected times >= 0",
                units::format_significant(t, 6)
            ));
            continue;
        }
        last = Some((t, line));
        out.times.push(t);
        out.values.push(v);
    }
    if errors.is_empty() && out.times.is_empty() {
        errors.push(RowError {
            line: header_line,
            message: "no readings; expected at least one row after the header".into(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A cell: a bare number in the column's unit, or a number with its own unit. `Ok(None)`:
/// not a number at all (perhaps a timestamp).
fn cell(
    text: &str,
    dim: Dimension,
    column: Option<units::UnitFactor>,
) -> Result<Option<f64>, String> {
    if let Ok(x) = text.parse::<f64>() {
        if !x.is_finite() {
            return Err("not a finite number".into());
        }
        return match column {
            Some(f) => Ok(Some(f.to_si(x))),
            None => Err(format!(
                "a bare number but the column has no unit; expected a header such as 'value_{}' or a unit in the fit file",
                dim.si_unit()
            )),
        };
    }
    let starts_numeric = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == '.');
    let looks_like_date = text.len() >= 10 && text.as_bytes().get(4) == Some(&b'-');
    if !starts_numeric || looks_like_date {
        return Ok(None);
    }
    units::parse_quantity(text, dim)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Seconds since 1970-01-01T00:00:00Z of an ISO 8601 timestamp: `YYYY-MM-DD`, then `T` or
/// a space and `HH:MM[:SS[.fff]]`, then optionally `Z` or `+HH:MM` / `-HH:MM` (none: UTC).
pub fn timestamp(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=days_in_month(y, mo)).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, mo, d) as f64 * 86_400.0;
    if b.len() == 10 {
        return Some(secs);
    }
    if !(b[10] == b'T' || b[10] == b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let (h, mi) = (num(11..13)?, num(14..16)?);
    let mut i = 16;
    let mut s = 0.0;
    if b.get(i) == Some(&b':') {
        let end = (i + 1..b.len())
            .find(|&k| !(b[k].is_ascii_digit() || b[k] == b'.'))
            .unwrap_or(b.len());
        s = text.get(i + 1..end)?.parse::<f64>().ok()?;
        i = end;
    }
    if h > 24 || mi > 59 || !(0.0..61.0).contains(&s) {
        return None;
    }
    secs += (h * 3600 + mi * 60) as f64 + s;
    match text.get(i..)? {
        "" | "Z" => Some(secs),
        off if off.len() == 6 && (off.starts_with('+') || off.starts_with('-')) => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            let sign = if off.starts_with('+') { 1.0 } else { -1.0 };
            Some(secs - sign * (oh * 3600 + om * 60) as f64)
        }
        _ => None,
    }
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
