//! RON syntax errors and wire values that did not parse, said in the analyst's words.

use super::*;

impl<'s> Validator<'s> {
    // ---------------------------------------------------------------------------------------
    // Parse errors

    /// Report a ron error at bytes `at` of the source (ron's span of it).
    pub(super) fn ron_error(
        &mut self,
        code: &ron::Error,
        at: std::ops::Range<usize>,
        item: Option<&str>,
    ) {
        let offset = floor_boundary(self.src, at.start.min(self.src.len()));
        let end = floor_boundary(self.src, at.end.min(self.src.len())).max(offset);
        let word = error_word(code);
        // Nothing but blanks and comments after the error: the file was cut short, and the
        // problem is where it ends.
        let cut_short = trim_comments(&self.src[end..]).is_empty()
            && word.is_none()
            && !matches!(code, ron::Error::TrailingCharacters);
        let location = Some(if cut_short {
            self.sink.locate_range(end, end)
        } else {
            self.sink.locate_range(offset, end)
        });
        let code = if cut_short {
            if trim_comments(self.src).is_empty() {
                // Located at 1:1, like any other problem, so every error has a place.
                self.sink.list.push(Diagnostic {
                    location: Some(self.sink.locate_range(0, 0)),
                    item: None,
                    message: "the file is empty".into(),
                    expected: Some(
                        "a scenario: Scenario(name: ..., duration: ..., compartments: [...], ...)"
                            .into(),
                    ),
                    hint: Some("see scenarios/iss-prk-leak.ron for a complete example".into()),
                });
                return;
            }
            &ron::Error::Eof
        } else {
            code
        };
        let (message, expected, hint) = describe_at(code, self.src, offset);
        self.sink.list.push(Diagnostic {
            location,
            item: item.map(String::from),
            message,
            expected,
            hint,
        });
    }

    pub(super) fn wire_error(&mut self, e: &WireError, item: Option<&str>) {
        match e.at.range_in(self.src) {
            // At a position, not a word: it may be a file cut short, which ron_error tells.
            Some(r) if r.is_empty() => self.ron_error(&e.error, r, item),
            _ => {
                let d = wire_diagnostic(&self.sink, e, item);
                self.sink.list.push(d);
            }
        }
    }
}

/// The identifier a ron error is about (an unknown field or variant), if any.
pub(super) fn error_word(code: &ron::Error) -> Option<&str> {
    match code {
        ron::Error::NoSuchStructField { found, .. }
        | ron::Error::NoSuchEnumVariant { found, .. }
        | ron::Error::ExpectedDifferentStructName { found, .. } => Some(found),
        ron::Error::DuplicateStructField { field, .. } => Some(field),
        _ => None,
    }
}

/// A problem for a value whose own text did not parse, located in `sink`'s source.
pub(crate) fn wire_diagnostic(sink: &Sink, e: &WireError, item: Option<&str>) -> Diagnostic {
    let range = e.at.range_in(sink.src());
    let (message, expected, hint) = match &range {
        Some(r) => describe_at(&e.error, sink.src(), r.start),
        None => describe_ron_error(&e.error),
    };
    let location = range.map(|r| sink.locate_range(r.start, r.end));
    Diagnostic {
        location,
        item: item.map(String::from),
        message,
        expected,
        hint,
    }
}

/// The named fields of the structs a file most often writes positionally, for the message
/// that says how to write them.
const NAMED_FIELDS: [(&str, &str); 12] = [
    ("Linear", "from: ..., to: ..., count: ..."),
    ("Log", "from: ..., to: ..., count: ..."),
    ("Step", "from: ..., to: ..., step: ..."),
    ("Uniform", "min: ..., max: ..."),
    ("LogUniform", "min: ..., max: ..."),
    ("Normal", "mean: ..., sd: ..."),
    ("LogNormal", "median: ..., sigma: ..."),
    ("Triangular", "min: ..., mode: ..., max: ..."),
    ("Ramp", "from: ..., to: ..., start: ..., end: ..."),
    ("Exponential", "initial: ..., rate: ..."),
    ("Steps", "initial: ..., steps: [...]"),
    ("Orifice", "area: ..., cd: ..."),
];

/// The identifier that ends just before byte `end` of `src`, if any.
fn word_before(src: &str, end: usize) -> Option<&str> {
    let head = &src[..end];
    let start = head
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let w = &head[start..];
    w.starts_with(|c: char| c.is_ascii_alphabetic())
        .then_some(w)
}

/// A ron error said for what is at byte `at` of `src`: values written in order inside a
/// struct that takes named fields (`Log(1e-11, 1e-8, 25)`), or fields given to a name that
/// takes none (`Pressure(compartments: ...)`); any other error as [`describe_ron_error`]
/// says it.
pub(crate) fn describe_at(
    e: &ron::Error,
    src: &str,
    at: usize,
) -> (String, Option<String>, Option<String>) {
    let at = floor_boundary(src, at.min(src.len()));
    match e {
        ron::Error::ExpectedIdentifier | ron::Error::SuggestRawIdentifier(_) => {
            let open = src[..at].trim_end();
            if let Some(name) = open
                .strip_suffix('(')
                .and_then(|o| word_before(o, o.trim_end().len()))
            {
                let fields = NAMED_FIELDS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or("NAME: VALUE, ...", |(_, f)| f);
                return (
                    format!("{name}(...) takes named fields, not values in order"),
                    Some(format!("{name}({fields})")),
                    None,
                );
            }
        }
        ron::Error::TrailingCharacters | ron::Error::ExpectedComma
            if src[at..].starts_with('(') =>
        {
            if let Some(name) = word_before(src, at) {
                let plots = ["Pressure", "Flows", "Temperature"].contains(&name);
                return (
                    format!("'{name}' takes no fields here"),
                    Some(if plots {
                        "a plot: Pressure, Flows, Temperature or PartialPressure(\"O2\"), each of every compartment".to_string()
                    } else {
                        format!("just {name}, without parentheses")
                    }),
                    None,
                );
            }
        }
        _ => {}
    }
    describe_ron_error(e)
}

/// Describe a ron error: (what is wrong, what was expected, hint).
pub(crate) fn describe_ron_error(e: &ron::Error) -> (String, Option<String>, Option<String>) {
    let fields = |xs: &[&str]| xs.join(", ");
    // The item label already says "compartment 'x'": name only the inner structures.
    const ITEMS: [&str; 10] = [
        "Scenario",
        "Compartment",
        "Boundary",
        "Link",
        "Source",
        "Event",
        "Outputs",
        "Solver",
        "Threshold",
        "Species",
    ];
    let outer_in = |o: &Option<String>| {
        o.as_ref()
            .filter(|s| !s.is_empty() && !ITEMS.contains(&s.as_str()))
            .map(|s| format!(" in {s}"))
            .unwrap_or_default()
    };
    match e {
        ron::Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => (
            format!("unknown field '{found}'{}", outer_in(outer)),
            Some(format!("one of: {}", fields(expected))),
            did_you_mean(found, expected.iter().copied()).map(|s| format!("did you mean '{s}'?")),
        ),
        ron::Error::MissingStructField { field, outer } => (
            format!("missing field '{field}'{}", outer_in(outer)),
            Some(format!("a '{field}: ...' entry")),
            None,
        ),
        ron::Error::DuplicateStructField { field, outer } => (
            format!("field '{field}' is given twice{}", outer_in(outer)),
            Some("each field once".to_string()),
            None,
        ),
        ron::Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let what = outer.as_deref().filter(|s| !s.is_empty()).unwrap_or("kind");
            (
                format!("unknown {what} '{found}'"),
                Some(format!("one of: {}", fields(expected))),
                did_you_mean(found, expected.iter().copied())
                    .map(|s| format!("did you mean '{s}'?")),
            )
        }
        ron::Error::ExpectedDifferentStructName { expected, found } => (
            format!("'{found}' here should be '{expected}'"),
            Some(format!("{expected}(...) or just (...)")),
            None,
        ),
        ron::Error::InvalidValueForType { expected, found } => (
            format!(
                "found {}",
                found
                    .replace("a sequence", "a list [...]")
                    .replace("a map", "a map {...}")
            ),
            Some(expected.clone()),
            None,
        ),
        ron::Error::ExpectedNamedStructLike(name) => (
            format!("expected {name}(...) here"),
            Some(format!("{name}( ... )")),
            None,
        ),
        ron::Error::ExpectedStructName(name) => (
            format!("expected {name}(...) here"),
            Some(format!("{name}( ... )")),
            None,
        ),
        ron::Error::Eof => (
            "the file ends too early".to_string(),
            Some("the rest of the scenario, up to its closing ')'".to_string()),
            Some("check that every '(', '[' and '{' is closed".to_string()),
        ),
        ron::Error::ExpectedComma => (
            "syntax error: missing ','".to_string(),
            Some("a ',' between entries".to_string()),
            None,
        ),
        ron::Error::TrailingCharacters => (
            "text after the end of the scenario".to_string(),
            Some("nothing after the closing ')' of Scenario(...)".to_string()),
            None,
        ),
        ron::Error::ExpectedStringEnd => (
            "a string is not closed".to_string(),
            Some("a closing '\"'".to_string()),
            None,
        ),
        ron::Error::ExceededRecursionLimit => (
            format!("the values here nest deeper than {MAX_NESTING} levels"),
            Some("a scenario nests at most a few levels, e.g. Scenario > links > link > HatchSeal > PowerLaw > Table".into()),
            Some("check for brackets or parentheses that are opened and never closed, or a value nested inside itself".into()),
        ),
        ron::Error::Message(m) => (lower_first(m), None, None),
        other => (
            format!("syntax error: {}", lower_first(&other.to_string())),
            None,
            None,
        ),
    }
}
