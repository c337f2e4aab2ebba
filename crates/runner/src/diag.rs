//! Diagnostics: problems found in a scenario file, each with its place in the file, what is
//! wrong, what was expected and a hint, rendered like a compiler error with the offending
//! line and a caret under the offending text:
//!
//! ```text
//! scenarios/invalid/unknown-node.ron:14:35: error: link 'prk_crack': unknown node 'prk_tunel'
//!    |
//! 14 |         (name: "prk_crack", from: "prk_tunel", to: "space",
//!    |                                   ^^^^^^^^^^^
//!   expected: a compartment or boundary: station, prk_tunnel, space
//!   hint: did you mean 'prk_tunnel'?
//! ```

use std::fmt;

use crate::scenario::Span;

/// Where a problem is: 1-based line and column (in characters), the length of the text to
/// underline, and the text of that line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub col: usize,
    /// Characters to underline (at least 1).
    pub len: usize,
    /// The source line, tabs expanded to single spaces.
    pub line_text: String,
}

impl Location {
    /// The location of the byte range `start..end` of `src` (clipped to the first line).
    pub fn of_range(src: &str, start: usize, end: usize) -> Location {
        let start = floor_char_boundary(src, start.min(src.len()));
        let end = floor_char_boundary(src, end.clamp(start, src.len()));
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let line = src[..start].matches('\n').count() + 1;
        let col = src[line_start..start].chars().count() + 1;
        let len = src[start..end.min(line_end)].chars().count().max(1);
        let line_text = src[line_start..line_end]
            .trim_end_matches('\r')
            .replace('\t', " ");
        Location {
            line,
            col,
            len,
            line_text,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where, when known.
    pub location: Option<Location>,
    /// The item by kind and name, e.g. `link 'prk_crack'`.
    pub item: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What was expected.
    pub expected: Option<String>,
    /// How to fix it.
    pub hint: Option<String>,
}

/// Every problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    /// The file as the user named it.
    pub file: String,
    pub list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty list for `file`.
    pub fn new(file: impl Into<String>) -> Self {
        Diagnostics {
            file: file.into(),
            list: Vec::new(),
        }
    }

    /// A single problem that concerns the file as a whole (it cannot be read, ...).
    pub fn file_error(file: impl Into<String>, message: impl Into<String>) -> Self {
        let mut d = Diagnostics::new(file);
        d.list.push(Diagnostic {
            location: None,
            item: None,
            message: message.into(),
            expected: None,
            hint: None,
        });
        d
    }

    /// True when there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.list.len()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.item {
            Some(item) => write!(f, "{item}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.list {
            match &d.location {
                Some(loc) => writeln!(f, "{}:{}:{}: error: {d}", self.file, loc.line, loc.col)?,
                None => writeln!(f, "{}: error: {d}", self.file)?,
            }
            if let Some(loc) = &d.location {
                let num = loc.line.to_string();
                let pad = " ".repeat(num.len());
                writeln!(f, "{pad} |")?;
                writeln!(f, "{num} | {}", loc.line_text)?;
                writeln!(
                    f,
                    "{pad} | {}{}",
                    " ".repeat(loc.col.saturating_sub(1)),
                    "^".repeat(loc.len)
                )?;
            }
            if let Some(e) = &d.expected {
                writeln!(f, "  expected: {e}")?;
            }
            if let Some(h) = &d.hint {
                writeln!(f, "  hint: {h}")?;
            }
        }
        let n = self.list.len();
        write!(
            f,
            "error: {n} problem{} in {}; nothing was run",
            if n == 1 { "" } else { "s" },
            self.file
        )
    }
}

impl std::error::Error for Diagnostics {}

/// Collects diagnostics for one source text, turning spans into locations.
#[derive(Debug)]
pub(crate) struct Sink<'s> {
    src: &'s str,
    pub(crate) list: Vec<Diagnostic>,
}

impl<'s> Sink<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        Sink {
            src,
            list: Vec::new(),
        }
    }

    pub(crate) fn locate(&self, span: Span) -> Option<Location> {
        span.range_in(self.src)
            .map(|r| Location::of_range(self.src, r.start, r.end))
    }

    /// Record a problem at `span` concerning `item`; returns it for `expected`/`hint`.
    pub(crate) fn error(
        &mut self,
        span: Span,
        item: Option<&str>,
        message: impl Into<String>,
    ) -> Builder<'_> {
        let location = self.locate(span);
        self.list.push(Diagnostic {
            location,
            item: item.map(String::from),
            message: message.into(),
            expected: None,
            hint: None,
        });
        let last = self.list.len() - 1;
        Builder(&mut self.list[last])
    }
}

/// Adds the optional parts of a diagnostic just recorded.
pub(crate) struct Builder<'a>(&'a mut Diagnostic);

impl Builder<'_> {
    pub(crate) fn expected(self, text: impl Into<String>) -> Self {
        self.0.expected = Some(text.into());
        self
    }

    pub(crate) fn hint(self, text: impl Into<String>) -> Self {
        self.0.hint = Some(text.into());
        self
    }

    pub(crate) fn maybe_hint(self, text: Option<String>) -> Self {
        if text.is_some() {
            self.0.hint = text;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_characters() {
        let src = "ab\ncd µe\n";
        let at = src.find('e').expect("e is there");
        let loc = Location::of_range(src, at, at + 1);
        assert_eq!((loc.line, loc.col, loc.len), (2, 5, 1));
        assert_eq!(loc.line_text, "cd µe");
        // Past the end or inside a character: clipped, never a panic.
        let _ = Location::of_range(src, 999, 1000);
        let _ = Location::of_range(src, 6, 2);
    }

    #[test]
    fn rendering_puts_file_location_problem_expected_and_hint_in_order() {
        let d = Diagnostics {
            file: "a.ron".into(),
            list: vec![Diagnostic {
                location: Some(Location {
                    line: 3,
                    col: 5,
                    len: 2,
                    line_text: "    xx".into(),
                }),
                item: Some("link 'l'".into()),
                message: "bad".into(),
                expected: Some("good".into()),
                hint: Some("fix it".into()),
            }],
        };
        let text = d.to_string();
        assert_eq!(
            text,
            "a.ron:3:5: error: link 'l': bad\n  |\n3 |     xx\n  |     ^^\n  expected: good\n  hint: fix it\nerror: 1 problem in a.ron; nothing was run"
        );
    }
}
