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
//!
//! What is printed is bounded whatever the input: a source line is shown as a window of at
//! most [`EXCERPT_WIDTH`] characters around the error (with `…` where it is cut), at most
//! [`MAX_SHOWN`] problems are printed in full (the rest are counted), and locating a problem
//! costs a binary search in a [`SourceIndex`] built once per file, not a scan of the file.
//!
//! Hand-written rather than taken from a diagnostics crate: its output stays bounded on
//! hostile input (the limits above) and its exact text is an interface the tests snapshot.

use std::fmt;

/// Where a value sits in the source text it was parsed from: the address of its first byte
/// and its length. Resolved against that same text with [`Span::range_in`]; a span from
/// other text, or [`Span::UNKNOWN`] (values built in code), resolves to `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    addr: usize,
    len: usize,
}

impl Span {
    /// No location (a value built in code, e.g. by a sweep).
    pub const UNKNOWN: Span = Span { addr: 0, len: 0 };

    /// The span of `text`, a slice of the source it will be resolved against.
    pub(crate) fn of(text: &str) -> Span {
        Span {
            addr: text.as_ptr() as usize,
            len: text.len(),
        }
    }

    /// The part `range` (bytes of the string's text) of a string value at this span in
    /// `src`, so an error can point inside the string; the whole span when the string is not
    /// written plainly between quotes (escapes shift the columns).
    pub(crate) fn inside_string(
        self,
        src: &str,
        text: &str,
        range: std::ops::Range<usize>,
    ) -> Span {
        let Some(r) = self.range_in(src) else {
            return self;
        };
        let written = &src[r.clone()];
        let plain = written.len() == text.len() + 2
            && written.starts_with('"')
            && &written[1..written.len() - 1] == text;
        if !plain || range.end > text.len() || !text.is_char_boundary(range.start) {
            return self;
        }
        // An empty range (the end of the text) points at the closing quote.
        let start = r.start + 1 + range.start;
        Span::of(&src[start..start + range.len().max(1)])
    }

    /// The byte range of this span in `src`, when it points into `src`.
    pub fn range_in(&self, src: &str) -> Option<std::ops::Range<usize>> {
        if self.addr == 0 {
            return None;
        }
        let start = self.addr.checked_sub(src.as_ptr() as usize)?;
        let end = start.checked_add(self.len)?;
        (end <= src.len() && src.is_char_boundary(start) && src.is_char_boundary(end))
            .then_some(start..end)
    }
}

/// Characters of a source line shown around an error (the excerpt under the message).
pub const EXCERPT_WIDTH: usize = 120;

/// Problems printed in full; the others are counted in one line.
pub const MAX_SHOWN: usize = 20;

/// Characters of an excerpt shown before the error column when the line is cut.
const EXCERPT_BEFORE: usize = EXCERPT_WIDTH / 3;

/// Where a problem is: 1-based line and column (in characters), the length of the text to
/// underline, and an excerpt of that line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub col: usize,
    /// Characters to underline (at least 1; at most to the end of the excerpt).
    pub len: usize,
    /// The source line, or a window of [`EXCERPT_WIDTH`] characters of it around the
    /// error with `…` where it was cut; tabs expanded to single spaces.
    pub line_text: String,
    /// Characters of `line_text` before the first underlined one.
    pub caret: usize,
}

impl Location {
    /// The location of the byte range `start..end` of `src` (clipped to the first line).
    ///
    /// Scans `src` up to `start`: to locate many problems in one text, use a
    /// [`SourceIndex`].
    pub fn of_range(src: &str, start: usize, end: usize) -> Location {
        let start = floor_char_boundary(src, start.min(src.len()));
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line = src.as_bytes()[..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        let col = src[line_start..start].chars().count() + 1;
        excerpt(src, line_start, line, col, start, end)
    }
}

/// Lines and character counts of one source text, computed once, so that each location
/// costs O(log n) plus the excerpt width (a file with thousands of problems on one long
/// line is located in linear time, not quadratic).
#[derive(Debug, Clone)]
pub struct SourceIndex<'s> {
    src: &'s str,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
    /// `(byte, chars)`: the number of characters before a char boundary, every
    /// [`Self::STRIDE`] bytes or so.
    checkpoints: Vec<(usize, usize)>,
}

impl<'s> SourceIndex<'s> {
    const STRIDE: usize = 1024;

    /// Index `src` (one pass).
    pub fn new(src: &'s str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            src.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut checkpoints = Vec::with_capacity(src.len() / Self::STRIDE + 1);
        let mut chars = 0;
        let mut at = 0;
        for k in 0..=src.len() / Self::STRIDE {
            let byte = floor_char_boundary(src, (k * Self::STRIDE).min(src.len()));
            chars += src[at..byte].chars().count();
            at = byte;
            checkpoints.push((byte, chars));
        }
        SourceIndex {
            src,
            line_starts,
            checkpoints,
        }
    }

    /// The text indexed.
    pub fn src(&self) -> &'s str {
        self.src
    }

    /// Characters before byte `b` (a char boundary).
    fn chars_before(&self, b: usize) -> usize {
        let k = (b / Self::STRIDE).min(self.checkpoints.len() - 1);
        let (byte, chars) = self.checkpoints[k];
        // `byte` <= k * STRIDE <= b, both char boundaries.
        chars + self.src[byte..b].chars().count()
    }

    /// The location of the byte range `start..end` (clipped to the first line).
    pub fn locate(&self, start: usize, end: usize) -> Location {
        let src = self.src;
        let start = floor_char_boundary(src, start.min(src.len()));
        let line_index = self.line_starts.partition_point(|&s| s <= start) - 1;
        let line_start = self.line_starts[line_index];
        let col = self.chars_before(start) - self.chars_before(line_start) + 1;
        excerpt(src, line_start, line_index + 1, col, start, end)
    }
}

/// Build a location: an excerpt of the line starting at `line_start`, around `start`.
fn excerpt(
    src: &str,
    line_start: usize,
    line: usize,
    col: usize,
    start: usize,
    end: usize,
) -> Location {
    let end = floor_char_boundary(src, end.clamp(start, src.len()));
    // Look for the end of the line only as far as the excerpt can reach (a character is at
    // most 4 bytes): searching a whole long line for each problem is quadratic.
    let reach = floor_char_boundary(src, (start + 4 * (EXCERPT_WIDTH + 1)).min(src.len()));
    let line_end = src[start..reach].find('\n').map_or(reach, |i| start + i);
    let line_end = if src[..line_end].ends_with('\r') && line_end > start {
        line_end - 1
    } else {
        line_end
    };
    // Walk back at most EXCERPT_BEFORE characters, then forward to fill the width, then
    // back again if the line ended early: O(EXCERPT_WIDTH) whatever the line's length.
    let mut from = start;
    let mut before = 0;
    for (i, _) in src[line_start..start].char_indices().rev() {
        if before == EXCERPT_BEFORE {
            break;
        }
        from = line_start + i;
        before += 1;
    }
    let mut to = start;
    let mut after = 0;
    for (i, c) in src[start..line_end].char_indices() {
        if before + after == EXCERPT_WIDTH {
            break;
        }
        to = start + i + c.len_utf8();
        after += 1;
    }
    for (i, _) in src[line_start..from].char_indices().rev() {
        if before + after == EXCERPT_WIDTH {
            break;
        }
        from = line_start + i;
        before += 1;
    }
    let cut_left = from > line_start;
    let cut_right = to < line_end;
    let mut line_text = String::with_capacity(to - from + 8);
    if cut_left {
        line_text.push('…');
    }
    line_text.extend(
        src[from..to]
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c }),
    );
    if cut_right {
        line_text.push('…');
    }
    let underline = src[start..end.min(to).max(start)].chars().count();
    Location {
        line,
        col,
        len: underline.max(1),
        line_text,
        caret: before + usize::from(cut_left),
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Longest name (in characters) quoted whole in a message; longer ones are shortened.
pub const MAX_NAME_SHOWN: usize = 60;

/// `text` as quoted in a message: whole when short, else its start and end around `…` and
/// its length, so that a name of thousands of characters does not fill the screen each time
/// it is mentioned.
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    let n = text.chars().count();
    if n <= MAX_NAME_SHOWN {
        return std::borrow::Cow::Borrowed(text);
    }
    let half = MAX_NAME_SHOWN / 2 - 2;
    let head: String = text.chars().take(half).collect();
    let tail: String = text.chars().skip(n - half).collect();
    std::borrow::Cow::Owned(format!("{head}…{tail} ({n} characters)"))
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

/// Read a text file for parsing: its contents, or one located problem (a file that cannot be
/// read; bytes that are not UTF-8, at their line and column).
pub fn read_source(path: &std::path::Path) -> Result<String, Diagnostics> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostics::file_error(&file, format!("cannot read the file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bad = e.as_bytes().get(at).copied().unwrap_or(0);
        // The text up to `at` is valid, so lines and columns before it are exact; the rest
        // is shown with replacement characters.
        let lossy = String::from_utf8_lossy(e.as_bytes());
        let mut d = Diagnostics::new(&file);
        d.list.push(Diagnostic {
            location: Some(SourceIndex::new(&lossy).locate(at, at + 1)),
            item: None,
            message: format!("the file is not UTF-8 text: byte 0x{bad:02X} (at byte offset {at}) is not a valid character"),
            expected: Some("a text file in UTF-8 (plain ASCII is UTF-8)".into()),
            hint: Some("save the file as UTF-8 in your editor, or remove the character".into()),
        });
        d
    })
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
        for d in self.list.iter().take(MAX_SHOWN) {
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
                    " ".repeat(loc.caret),
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
        if n > MAX_SHOWN {
            let more = n - MAX_SHOWN;
            writeln!(
                f,
                "... and {more} more problem{} (the first {MAX_SHOWN} are shown; fix them and check again)",
                if more == 1 { "" } else { "s" }
            )?;
        }
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
    index: SourceIndex<'s>,
    pub(crate) list: Vec<Diagnostic>,
}

impl<'s> Sink<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        Sink {
            index: SourceIndex::new(src),
            list: Vec::new(),
        }
    }

    /// The source text.
    pub(crate) fn src(&self) -> &'s str {
        self.index.src()
    }

    /// The location of a span of the source, when it points into it.
    pub(crate) fn locate(&self, span: Span) -> Option<Location> {
        span.range_in(self.index.src())
            .map(|r| self.index.locate(r.start, r.end))
    }

    /// The location of the byte range `start..end` of the source.
    pub(crate) fn locate_range(&self, start: usize, end: usize) -> Location {
        self.index.locate(start, end)
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

/// A list of problems, one a line, then "N problem(s); OUTCOME" (the list of a fit or design
/// file, which the CLI prints before its last line).
pub fn write_problems(f: &mut fmt::Formatter<'_>, list: &[String], outcome: &str) -> fmt::Result {
    for p in list {
        writeln!(f, "{p}")?;
    }
    write!(
        f,
        "{} problem{}; {outcome}",
        list.len(),
        if list.len() == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_characters() {
        let src = "ab\ncd µe\n";
        let at = src.find('e').expect("e is there");
        let loc = Location::of_range(src, at, at + 1);
        assert_eq!((loc.line, loc.col, loc.len, loc.caret), (2, 5, 1, 4));
        assert_eq!(loc.line_text, "cd µe");
        assert_eq!(SourceIndex::new(src).locate(at, at + 1), loc);
        // Past the end or inside a character: clipped, never a panic.
        let _ = Location::of_range(src, 999, 1000);
        let _ = Location::of_range(src, 6, 2);
        let _ = SourceIndex::new(src).locate(999, 1000);
        let _ = SourceIndex::new(src).locate(6, 2);
    }

    #[test]
    fn the_index_agrees_with_a_scan_everywhere() {
        // Multi-byte characters straddling the checkpoints, CRLF, empty lines.
        let line = "αβ\tγ x ".repeat(400);
        let src = format!("{line}\r\n\n{line}\nend");
        let index = SourceIndex::new(&src);
        for at in (0..src.len())
            .filter(|&i| src.is_char_boundary(i))
            .step_by(7)
        {
            assert_eq!(
                index.locate(at, at + 3),
                Location::of_range(&src, at, at + 3),
                "{at}"
            );
        }
    }

    #[test]
    fn issue7_a_long_line_is_shown_as_a_bounded_window_around_the_error() {
        let src = format!("{}ERR{}", "a".repeat(50_000), "b".repeat(50_000));
        let at = src.find("ERR").expect("ERR");
        let loc = SourceIndex::new(&src).locate(at, at + 3);
        assert_eq!((loc.line, loc.col, loc.len), (1, 50_001, 3));
        assert!(
            loc.line_text.chars().count() <= EXCERPT_WIDTH + 2,
            "{}",
            loc.line_text
        );
        assert!(loc.line_text.starts_with('…') && loc.line_text.ends_with('…'));
        let under: String = loc
            .line_text
            .chars()
            .skip(loc.caret)
            .take(loc.len)
            .collect();
        assert_eq!(under, "ERR");
        // Near the start of a long line: no cut on the left, the caret at the column.
        let loc = SourceIndex::new(&src).locate(3, 4);
        assert_eq!((loc.col, loc.caret), (4, 3));
        assert!(!loc.line_text.starts_with('…') && loc.line_text.ends_with('…'));
    }

    #[test]
    fn issue7_only_the_first_problems_are_printed_in_full() {
        let src = "x ".repeat(1000);
        let index = SourceIndex::new(&src);
        let d = Diagnostics {
            file: "a.ron".into(),
            list: (0..1000)
                .map(|i| Diagnostic {
                    location: Some(index.locate(2 * i, 2 * i + 1)),
                    item: None,
                    message: format!("bad {i}"),
                    expected: None,
                    hint: None,
                })
                .collect(),
        };
        let text = d.to_string();
        assert_eq!(text.matches(": error: bad").count(), MAX_SHOWN);
        assert!(text.contains("... and 980 more problems"), "{text}");
        assert!(text.ends_with("error: 1000 problems in a.ron; nothing was run"));
    }

    #[test]
    fn long_names_are_clipped_in_messages() {
        assert_eq!(clip("prk"), "prk");
        let long = "n".repeat(8000);
        let c = clip(&long);
        assert!(c.chars().count() < 2 * MAX_NAME_SHOWN, "{c}");
        assert!(c.ends_with("(8000 characters)"));
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
                    caret: 4,
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
