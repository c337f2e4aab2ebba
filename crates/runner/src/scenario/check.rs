//! The validator: its name table, the generic readers of wire values, and the walk over a
//! scenario that calls the checks of each part (values, network, elements, events, outputs,
//! solver: one file each beside this one).

use super::*;

// -------------------------------------------------------------------------------------------

/// Compartments, boundaries, links and sources share one namespace.
pub(super) use crate::paths::NameKind as Kind;

#[derive(Debug, Clone, Copy)]
pub(super) struct Decl {
    pub(super) kind: Kind,
    pub(super) index: usize,
    pub(super) span: Span,
}

/// What values of a parameter are allowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Range {
    Any,
    NonNegative,
    Positive,
    /// [0, 1]
    Fraction,
    /// (0, 1]
    Cd,
}

impl Range {
    pub(super) fn ok(self, x: f64) -> bool {
        match self {
            Range::Any => x.is_finite(),
            Range::NonNegative => x >= 0.0 && x.is_finite(),
            Range::Positive => x > 0.0 && x.is_finite(),
            Range::Fraction => (0.0..=1.0).contains(&x),
            Range::Cd => x > 0.0 && x <= 1.0,
        }
    }

    pub(super) fn text(self) -> &'static str {
        match self {
            Range::Any => "a finite value",
            Range::NonNegative => "a value >= 0",
            Range::Positive => "a positive value",
            Range::Fraction => "a fraction between 0 and 1",
            Range::Cd => "a discharge coefficient with 0 < Cd <= 1",
        }
    }

    /// What is expected of a value of `dim`, e.g. "a positive volume, e.g. '75 m3'".
    pub(super) fn text_for(self, dim: Option<Dimension>) -> String {
        match (self, dim) {
            (Range::Fraction | Range::Cd, _) | (_, None) | (_, Some(Dimension::Dimensionless)) => {
                self.text().to_string()
            }
            (Range::Any, Some(d)) => format!("a finite {}, e.g. '{}'", d.name(), d.example()),
            (Range::NonNegative, Some(d)) => {
                format!("{} >= 0, e.g. '{}'", d.with_article(), d.example())
            }
            (Range::Positive, Some(d)) => {
                format!("a positive {}, e.g. '{}'", d.name(), d.example())
            }
        }
    }
}

/// A link as far as events need it.
#[derive(Debug, Clone)]
pub(super) struct LinkInfo {
    pub(super) element: Option<FlowElement>,
}

pub(super) struct Validator<'s> {
    pub(super) src: &'s str,
    pub(super) sink: Sink<'s>,
    pub(super) duration: Option<f64>,
    pub(super) gas: Gas,
    /// Compartments, boundaries, links and sources share one namespace.
    pub(super) names: HashMap<String, Decl>,
    /// Names in declaration order, for suggestions.
    pub(super) ordered: Vec<(String, Kind)>,
    pub(super) links: Vec<LinkInfo>,
    pub(super) compartment_temps: Vec<Option<f64>>,
    pub(super) energy: bool,
    /// The names of the scenario's events in order (what `relative_to` may name).
    pub(super) event_names: Vec<String>,
    pub(super) warnings: Vec<String>,
    /// "Did you mean" answers by (name, kinds mask).
    pub(super) suggestions: RefCell<HashMap<(String, u8), Option<String>>>,
    /// Names listed in "expected" lines, by kinds mask.
    pub(super) listed: RefCell<HashMap<u8, String>>,
    /// The named parameters, evaluated (see `parameters.rs`).
    pub(super) params: BTreeMap<String, expr::Value>,
    /// Parameters declared but not evaluated (their problem is reported once, at them).
    pub(super) failed_params: Vec<String>,
}

pub(super) fn item(kind: &str, name: &str) -> String {
    format!("{kind} '{}'", clip(name))
}

/// The largest byte index <= `i` on a character boundary of `s`.
pub(super) fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Distinct unknown names a "did you mean" is computed for, at most (more than are shown).
pub(super) const MAX_SUGGESTIONS: usize = 64;

/// `n` and the noun in the number `n` asks for.
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A number as a reader wants it: plainly when of ordinary size, in scientific notation
/// when tiny or huge (`5e-324`, not 324 digits).
pub(crate) fn fmt_number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() || (1e-6..1e16).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

pub(super) fn shown(q: &Q) -> String {
    match q {
        Q::Number(v) => fmt_number(*v),
        Q::Text(s) => format!("'{s}'"),
    }
}

pub(super) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `text` without whitespace and comments at either end.
pub(super) fn trim_comments(text: &str) -> &str {
    crate::scenario::trim_ron(text)
}

pub(super) fn list(items: &[&str]) -> String {
    items.join(", ")
}

impl<'s> Validator<'s> {
    pub(super) fn new(src: &'s str) -> Self {
        Validator {
            src,
            sink: Sink::new(src),
            duration: None,
            gas: Gas::air(),
            names: HashMap::new(),
            ordered: Vec::new(),
            links: Vec::new(),
            compartment_temps: Vec::new(),
            energy: false,
            event_names: Vec::new(),
            warnings: Vec::new(),
            suggestions: RefCell::default(),
            listed: RefCell::default(),
            params: BTreeMap::new(),
            failed_params: Vec::new(),
        }
    }

    /// A top-level item (compartment, link, ...), or a reported parse error labelled with the
    /// item's name when that can be read.
    pub(super) fn get_item<'a, T>(&mut self, v: &'a Spanned<T>, kind: &str) -> Option<&'a T> {
        match &v.value {
            Ok(x) => Some(x),
            Err(e) => {
                let label = v
                    .span
                    .range_in(self.src)
                    .and_then(|r| salvage_name(&self.src[r]))
                    .map_or_else(|| kind.to_string(), |n| item(kind, &n));
                self.wire_error(e, Some(&label));
                None
            }
        }
    }

    /// The value of a field, or a reported parse error naming the field.
    pub(super) fn get_field<'a, T>(
        &mut self,
        v: &'a Spanned<T>,
        item: &str,
        field: &str,
    ) -> Option<&'a T> {
        match &v.value {
            Ok(x) => Some(x),
            Err(e) => {
                let before = self.sink.list.len();
                self.wire_error(e, Some(item));
                if let Some(d) = self.sink.list.get_mut(before) {
                    d.message = format!("{field}: {}", d.message);
                }
                None
            }
        }
    }

    /// The value of a spanned wire item, or a reported parse error.
    pub(super) fn get<'a, T>(&mut self, v: &'a Spanned<T>, item: Option<&str>) -> Option<&'a T> {
        match &v.value {
            Ok(x) => Some(x),
            Err(e) => {
                self.wire_error(e, item);
                None
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Names

    pub(super) fn check_name(
        &mut self,
        v: &Spanned<String>,
        kind: &str,
        allow_dot: bool,
    ) -> Option<String> {
        let name = self.get(v, Some(kind))?.clone();
        let bad = name
            .chars()
            .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-' || (allow_dot && *c == '.')));
        if name.is_empty() {
            self.sink
                .error(v.span, None, format!("{kind} has an empty name"))
                .expected("a name of letters, digits, '_' and '-'");
            return None;
        }
        if let Some(c) = bad {
            let what = if c == ' ' {
                "a space".to_string()
            } else {
                format!("'{c}'")
            };
            self.sink
                .error(v.span, Some(&item(kind, &name)), format!("the name contains {what}"))
                .expected(if allow_dot {
                    "a name of letters, digits, '_', '-' and '.'"
                } else {
                    "a name of letters, digits, '_' and '-'"
                })
                .hint(if allow_dot {
                    "the name becomes the output directory out/<name>".to_string()
                } else {
                    format!("names become column names like '{}.pressure_Pa' and are used in quantities like 'prk.pressure'", clip(&name).replace(|c: char| !c.is_alphanumeric(), "_"))
                });
            return None;
        }
        Some(name)
    }

    /// Record a name in the shared namespace; `None` for a duplicate.
    pub(super) fn declare(&mut self, name: &str, kind: Kind, index: usize, span: Span) {
        if let Some(prev) = self.names.get(name) {
            let prev_at = self
                .sink
                .locate(prev.span)
                .map(|l| format!(" at line {}", l.line))
                .unwrap_or_default();
            let prev_kind = prev.kind.name();
            self.sink
                .error(
                    span,
                    Some(&item(kind.name(), name)),
                    format!("duplicate name: a {prev_kind} has the same name{prev_at}"),
                )
                .expected("each compartment, boundary, link and source to have its own name");
            return;
        }
        self.names
            .insert(name.to_string(), Decl { kind, index, span });
        self.ordered.push((name.to_string(), kind));
    }

    /// Declare the name of an item (or of an item that failed to parse, when its name can
    /// be read), without reporting anything about the item itself.
    pub(super) fn declare_item<T>(
        &mut self,
        v: &Spanned<T>,
        name_of: impl Fn(&T) -> &Spanned<String>,
        kind: Kind,
        index: usize,
    ) {
        match &v.value {
            Ok(x) => {
                let n = name_of(x);
                if let Some(name) = self.check_name(n, kind.name(), false) {
                    self.declare(&name, kind, index, n.span);
                }
            }
            Err(_) => {
                let text = v.span.range_in(self.src).map(|r| &self.src[r]);
                if let Some(name) = text.and_then(salvage_name) {
                    if !self.names.contains_key(&name) {
                        self.declare(&name, kind, index, v.span);
                    }
                }
            }
        }
    }

    pub(super) fn names_of(&self, kinds: &[Kind]) -> Vec<&str> {
        self.ordered
            .iter()
            .filter(|(_, k)| kinds.contains(k))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// A "did you mean" for an unknown `name` among the names of `kinds`, computed once per
    /// name and kinds however often the name is referred to, and for the first
    /// [`MAX_SUGGESTIONS`] distinct names only: each costs a pass over every name of the
    /// scenario, so a file of 20 000 misspelt references to 20 000 names took 460 s.
    pub(super) fn suggest(&self, name: &str, kinds: &[Kind]) -> Option<String> {
        let mask = kinds.iter().fold(0u8, |m, k| m | (1 << *k as u8));
        let mut cache = self.suggestions.borrow_mut();
        if let Some(s) = cache.get(&(name.to_string(), mask)) {
            return s.clone();
        }
        if cache.len() >= MAX_SUGGESTIONS {
            return None;
        }
        let candidates = self.names_of(kinds);
        let s = did_you_mean(name, candidates.iter().copied()).map(String::from);
        cache.insert((name.to_string(), mask), s.clone());
        s
    }

    /// The names of `kinds` as an "expected" line lists them, built once per kinds.
    pub(super) fn listed(&self, kinds: &[Kind]) -> String {
        let mask = kinds.iter().fold(0u8, |m, k| m | (1 << *k as u8));
        let mut cache = self.listed.borrow_mut();
        if let Some(text) = cache.get(&mask) {
            return text.clone();
        }
        let text = name_list(&self.names_of(kinds));
        cache.insert(mask, text.clone());
        text
    }

    pub(super) fn unknown(
        &mut self,
        v: &Spanned<String>,
        item_text: &str,
        what: &str,
        kinds: &[Kind],
    ) {
        let name = v.get().cloned().unwrap_or_default();
        let suggestion = self.suggest(&name, kinds);
        let listed = self.listed(kinds);
        let expected = if listed.is_empty() {
            format!("{what} (the scenario has none)")
        } else {
            format!("{what}: {listed}")
        };
        self.sink
            .error(
                v.span,
                Some(item_text),
                format!("unknown name '{}'", clip(&name)),
            )
            .expected(expected)
            .maybe_hint(suggestion.map(|s| format!("did you mean '{s}'?")));
    }

    /// Resolve a reference to an item of one of `kinds`.
    pub(super) fn resolve(
        &mut self,
        v: &Spanned<String>,
        item_text: &str,
        what: &str,
        kinds: &[Kind],
    ) -> Option<Decl> {
        let name = self.get(v, Some(item_text))?.clone();
        match self.names.get(&name).copied() {
            Some(d) if kinds.contains(&d.kind) => Some(d),
            Some(d) => {
                let expected = format!("{what}: {}", self.listed(kinds));
                self.sink
                    .error(
                        v.span,
                        Some(item_text),
                        format!("'{}' is a {}, not {what}", clip(&name), d.kind.name()),
                    )
                    .expected(expected);
                None
            }
            None => {
                self.unknown(v, item_text, what, kinds);
                None
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // The scenario

    pub(super) fn scenario(&mut self, w: &ScenarioWire) -> Option<Checked> {
        let name = self.check_name(&w.name, "scenario", true);
        if let Some(n) = &name {
            if n.starts_with('.') {
                self.sink
                    .error(
                        w.name.span,
                        Some("scenario"),
                        format!("the name '{n}' starts with '.'"),
                    )
                    .expected("a name that starts with a letter or digit")
                    .hint("the name becomes the output directory out/<name>");
            }
        }
        self.parameters(w.parameters.as_ref());
        self.duration = self.quantity_in(
            &w.duration,
            Dimension::Time,
            Range::Positive,
            "scenario",
            "duration",
        );
        if let Some(g) = &w.gas {
            if let Some(gas) = self.gas(g) {
                self.gas = gas;
            }
        }
        // Names first, so that references can be checked in any order.
        for (i, c) in w.compartments.iter().enumerate() {
            self.declare_item(c, |c| &c.name, Kind::Compartment, i);
        }
        for (i, b) in w.boundaries.iter().enumerate() {
            self.declare_item(b, |b| &b.name, Kind::Boundary, i);
        }
        for (i, l) in w.links.iter().enumerate() {
            self.declare_item(l, |l| &l.name, Kind::Link, i);
        }
        for (i, s) in w.sources.iter().enumerate() {
            self.declare_item(s, |s| &s.name, Kind::Source, i);
        }
        self.declare_life(w, w.sources.len());
        if w.compartments.is_empty() {
            self.sink
                .error(Span::UNKNOWN, Some("scenario"), "has no compartments")
                .expected(
                    "compartments: [(name: ..., volume: ..., pressure: ..., temperature: ...)]",
                );
        }
        let compartments: Vec<Option<Compartment>> =
            w.compartments.iter().map(|c| self.compartment(c)).collect();
        self.compartment_temps = compartments
            .iter()
            .map(|c| c.as_ref().map(|c| c.temperature))
            .collect();
        let boundaries: Vec<Option<Boundary>> =
            w.boundaries.iter().map(|b| self.boundary(b)).collect();
        let links: Vec<Option<Link>> = w.links.iter().map(|l| self.link(l)).collect();
        self.vacuum_links(w, &boundaries, &links);
        self.links = links
            .iter()
            .map(|l| LinkInfo {
                element: l.as_ref().map(|l| l.element.clone()),
            })
            .collect();
        let mut sources: Vec<Option<Source>> = w.sources.iter().map(|s| self.source(s)).collect();
        let life = self.life(w, sources.len(), &compartments);
        sources.extend(life.sources);
        let mut event_names: HashMap<String, Span> = HashMap::new();
        let mut events: Vec<Option<Event>> = Vec::new();
        self.event_names = w
            .events
            .iter()
            .map(|e| {
                e.get()
                    .and_then(|e| e.name.get())
                    .map_or_else(String::new, |n| n.trim().to_string())
            })
            .collect();
        for e in &w.events {
            events.push(self.event(e, &mut event_names));
        }
        let outputs = match &w.outputs {
            Some(o) => self.get(o, Some("outputs")).cloned(),
            None => Some(OutputsWire::default()),
        };
        let solver = match &w.solver {
            Some(s) => self.get(s, Some("solver")).cloned(),
            None => Some(SolverWire::default()),
        };
        let (display, plots, interval, thresholds) = match &outputs {
            Some(o) => self.outputs(o, events.len()),
            None => (None, None, None, Vec::new()),
        };
        let settings = solver.and_then(|s| self.solver(&s));
        for t in &thresholds {
            let Some(t) = t else { continue };
            events.push(Some(t.1.clone()));
        }
        events.extend(life.events.into_iter().map(Some));
        let mut crewed: Vec<(usize, String)> = Vec::new();
        for m in &life.members {
            if let crate::life::MemberKind::Crew { .. } = m.kind {
                if let Some(Some(s)) = sources.get(m.source) {
                    let i = s.into.index();
                    if let Some(Some(c)) = compartments.get(i) {
                        if !crewed.iter().any(|(j, _)| *j == i) {
                            crewed.push((i, c.name.clone()));
                        }
                    }
                }
            }
        }
        let mut averages = Vec::new();
        let limits = self.limits(w, &crewed, events.len(), &mut averages);
        for l in &limits {
            let Some(l) = l else { continue };
            events.push(Some(l.1.clone()));
        }

        // Stop here when anything is wrong: the model would be incomplete.
        if !self.sink.list.is_empty() {
            return None;
        }
        let parts = NetworkParts {
            gas: Some(self.gas.clone()),
            compartments: compartments.into_iter().collect::<Option<Vec<_>>>()?,
            boundaries: boundaries.into_iter().collect::<Option<Vec<_>>>()?,
            links: links.into_iter().collect::<Option<Vec<_>>>()?,
            sources: sources.into_iter().collect::<Option<Vec<_>>>()?,
            events: events.into_iter().collect::<Option<Vec<_>>>()?,
            averages,
        };
        let network = match Network::new(parts.clone()) {
            Ok(n) => n,
            Err(errors) => {
                for e in errors {
                    let span = self.names.get(&e.name).map_or(Span::UNKNOWN, |d| d.span);
                    self.sink
                        .error(span, Some(&item(e.kind, &e.name)), e.message.clone());
                }
                return None;
            }
        };
        if let Some(s) = &settings {
            self.bdf_limit(&network, s, w.name.span);
        }
        if !self.sink.list.is_empty() {
            return None;
        }
        let config = RunConfig {
            duration_s: self.duration?,
            output_interval_s: interval?,
            settings: settings?,
            display: display?,
            plots: plots.as_ref()?.0.clone(),
            steered_plots: plots?.1,
            thresholds: thresholds
                .into_iter()
                .map(|t| t.map(|t| t.0))
                .collect::<Option<Vec<_>>>()?,
            life: crate::life::LifeConfig {
                limits: limits
                    .into_iter()
                    .map(|l| l.map(|l| l.0))
                    .collect::<Option<Vec<_>>>()?,
                members: life.members,
            },
        };
        Some(Checked {
            name: name?,
            description: w.description.clone(),
            parts,
            network,
            config,
            warnings: std::mem::take(&mut self.warnings),
            parameters: std::mem::take(&mut self.params),
        })
    }
}

/// The validator's name table answers the path grammar's questions, with its caches.
impl Names for Validator<'_> {
    fn lookup(&self, name: &str) -> Option<(NameKind, usize)> {
        self.names.get(name).map(|d| (d.kind, d.index))
    }
    fn names_of(&self, kinds: &[NameKind]) -> Vec<&str> {
        Validator::names_of(self, kinds)
    }
    fn species(&self) -> Vec<&str> {
        self.gas.species.iter().map(|s| s.name.as_str()).collect()
    }
    fn suggest(&self, name: &str, kinds: &[NameKind]) -> Option<String> {
        Validator::suggest(self, name, kinds)
    }
    fn listed(&self, kinds: &[NameKind]) -> String {
        Validator::listed(self, kinds)
    }
}
