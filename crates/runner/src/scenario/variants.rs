//! Variants: named sets of overrides declared in the scenario itself,
//!
//! ```text
//! variants: [
//!     (name: "sealed", set: {"links.crack.element.area": "0 mm2"}),
//!     (name: "inward", set: {"parameters.crack": "0.05 mm2"}, remove: ["links.vent"]),
//! ]
//! ```
//!
//! [`apply_variant`] turns a checked scenario and one variant into the checked scenario the
//! variant describes. `plenum run` runs every variant, a sweep over a named parameter makes
//! each of its runs with it, and the hypotheses of a leak diagnosis are variants too.
//!
//! The overrides apply in one order: `remove` (links, sources, events by name), then
//! `links`, `sources` and `events` (each replaces the item of its name, or is added), then
//! the `parameters.NAME` entries of `set` (in the text, before the check, so every value
//! written over the parameter moves with it), then the check of the whole scenario, then
//! every other `set` path, applied to the checked model through the one path grammar and the
//! same [`apply`] as sweeps.

use serde::Deserialize;

use super::*;
use crate::paths::{apply, resolve_path_in, Target};

/// One variant as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Variant", deny_unknown_fields)]
pub struct VariantWire {
    /// The variant's name; its results go to `OUT/NAME/`.
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Values by path: `parameters.NAME` or any parameter path of `docs/paths.md`.
    #[serde(default)]
    pub set: Option<Spanned<NamedValues>>,
    /// Items removed: `links.NAME`, `sources.NAME`, `events.NAME`.
    #[serde(default)]
    pub remove: Vec<Spanned<String>>,
    /// Links that replace the link of their name, or are added.
    #[serde(default)]
    pub links: Vec<Spanned<LinkWire>>,
    /// Sources that replace the source of their name, or are added.
    #[serde(default)]
    pub sources: Vec<Spanned<SourceWire>>,
    /// Events that replace the event of their name, or are added.
    #[serde(default)]
    pub events: Vec<Spanned<EventWire>>,
}

impl Wire for VariantWire {
    fn parse_wire(text: &str) -> Result<Self, ron::error::SpannedError> {
        ron_options().from_str(text)
    }
}

impl VariantWire {
    /// A variant built in code that only sets values by path (no locations in messages).
    pub fn setting(name: &str, set: Vec<(String, Q)>) -> VariantWire {
        VariantWire {
            name: Spanned::new(name.to_string()),
            description: None,
            set: Some(Spanned::new(NamedValues(
                set.into_iter()
                    .map(|(p, q)| (Spanned::new(p), Spanned::new(q)))
                    .collect(),
            ))),
            remove: Vec::new(),
            links: Vec::new(),
            sources: Vec::new(),
            events: Vec::new(),
        }
    }
}

/// Each variant's name and its checked scenario or its problems, in file order.
pub type VariantSet = Vec<(String, Result<Loaded, Diagnostics>)>;

/// The variants `base` declares, checked, in file order: each one's name and its scenario or
/// its problems. A problem of the list itself (an entry that does not parse, a duplicate or
/// bad name) fails the whole list. Empty when the scenario declares no variants.
pub fn load_variants(base: &Loaded) -> Result<VariantSet, Diagnostics> {
    let src = base.source.as_str();
    let wire = ScenarioWire::parse(src)
        .map_err(|e| Diagnostics::file_error(&base.file, format!("cannot read again: {e}")))?;
    let mut v = Validator::new(src);
    let mut names: Vec<String> = Vec::new();
    let mut list = Vec::new();
    for w in &wire.variants {
        let Some(var) = v.get_item(w, "variant") else {
            continue;
        };
        let Some(name) = v.check_name(&var.name, "variant", false) else {
            continue;
        };
        if names.contains(&name) {
            v.sink
                .error(
                    var.name.span,
                    Some(&item("variant", &name)),
                    "is declared twice",
                )
                .expected("each variant with its own name");
            continue;
        }
        names.push(name);
        list.push(var);
    }
    if !v.sink.list.is_empty() {
        return Err(Diagnostics {
            file: base.file.clone(),
            list: v.sink.list,
        });
    }
    Ok(names
        .into_iter()
        .zip(list)
        .map(|(n, var)| (n, apply_variant(base, var)))
        .collect())
}

/// The scenario `variant` makes of `base`, checked. Every problem is reported at once, each
/// labelled with the variant.
pub fn apply_variant(base: &Loaded, variant: &VariantWire) -> Result<Loaded, Diagnostics> {
    let src = base.source.as_str();
    let label = variant.name.get().cloned().unwrap_or_default();
    let labelled = |list: Vec<Diagnostic>| Diagnostics {
        file: base.file.clone(),
        list: list
            .into_iter()
            .map(|mut d| {
                d.item = Some(match d.item.as_deref() {
                    Some(i) if i != "variant" => format!("variant '{label}', {i}"),
                    _ => format!("variant '{label}'"),
                });
                d
            })
            .collect(),
    };
    let mut wire = ScenarioWire::parse(src)
        .map_err(|e| Diagnostics::file_error(&base.file, format!("cannot read again: {e}")))?;
    let mut v = Validator::new(src);
    for r in &variant.remove {
        let Some(path) = v.get(r, None) else {
            continue;
        };
        let found = match path.split_once('.') {
            Some(("links", n)) => remove_named(&mut wire.links, n, |l| &l.name),
            Some(("sources", n)) => remove_named(&mut wire.sources, n, |s| &s.name),
            Some(("events", n)) => remove_named(&mut wire.events, n, |e| &e.name),
            _ => {
                v.sink
                    .error(
                        r.span,
                        None,
                        format!("remove: '{}' names no item", clip(path)),
                    )
                    .expected("links.NAME, sources.NAME or events.NAME");
                continue;
            }
        };
        if let Err(names) = found {
            let (section, name) = path.split_once('.').unwrap_or_default();
            let hint = did_you_mean(name, names.iter().map(String::as_str))
                .map(|s| format!("did you mean '{section}.{s}'?"));
            v.sink
                .error(r.span, None, format!("remove: no {section} entry '{name}'"))
                .expected(format!("one of: {}", section_names(&names, section)))
                .maybe_hint(hint);
        }
    }
    replace_or_add(&mut wire.links, &variant.links, |l| &l.name);
    replace_or_add(&mut wire.sources, &variant.sources, |s| &s.name);
    replace_or_add(&mut wire.events, &variant.events, |e| &e.name);
    let mut later = Vec::new();
    let set = variant.set.as_ref().and_then(|s| v.get(s, None));
    for (path, value) in set.map(|s| s.0.as_slice()).unwrap_or_default() {
        let Some(p) = v.get(path, None) else {
            continue;
        };
        match p.strip_prefix("parameters.") {
            Some(name) => set_parameter(&mut v, &mut wire, name, path, value),
            None => later.push((p, path.span, value)),
        }
    }
    if !v.sink.list.is_empty() {
        return Err(labelled(v.sink.list));
    }
    let checked = validate(&wire, src, &base.file).map_err(|d| labelled(d.list))?;
    let mut parts = checked.parts.clone();
    for (path, span, value) in later {
        let field = format!("set '{}'", clip(path));
        let (target, dim) = match resolve_path_in(&parts, &checked.parameters, path) {
            Ok(t) => t,
            Err(e) => {
                let b = v.sink.error(span, None, format!("{field}: {}", e.message));
                let b = match e.expected {
                    Some(x) => b.expected(x),
                    None => b,
                };
                b.maybe_hint(e.hint);
                continue;
            }
        };
        if matches!(target, Target::Named(_)) {
            continue;
        }
        let Some(q) = v.get_field(value, "variant", &field) else {
            continue;
        };
        v.params = checked.parameters.clone();
        let x = match q {
            Q::Text(t) if expr::looks_like_expression(t) => {
                v.expression(value.span, t, dim, "variant", &field)
            }
            _ => match eval_quantity(q, dim, &checked.parameters) {
                Ok(x) => Some(x),
                Err(QuantityError::Unit(e)) => {
                    v.unit_error(value.span, "variant", &field, &e);
                    None
                }
                Err(QuantityError::Expr(e)) => {
                    v.sink.error(value.span, None, format!("{field}: {e}"));
                    None
                }
            },
        };
        if let Some(x) = x {
            if let Err(e) = apply(&mut parts, &target, x) {
                v.sink
                    .error(value.span, None, format!("{field}: {e}"))
                    .expected("a value the field accepts");
            }
        }
    }
    let network = Network::new(parts.clone());
    if let Err(errors) = &network {
        for e in errors {
            v.sink.error(
                Span::UNKNOWN,
                Some(&item(e.kind, &e.name)),
                e.message.clone(),
            );
        }
    }
    match network {
        Ok(network) if v.sink.list.is_empty() => {
            let description = variant.description.clone().or(checked.description.clone());
            let checked = Checked {
                parts,
                network,
                description,
                ..checked
            };
            let mut loaded = loaded(checked, base.source.clone(), &base.file);
            loaded.variant = Some(label);
            Ok(loaded)
        }
        _ => Err(labelled(v.sink.list)),
    }
}

/// Replace the value of the named parameter `name` by `value` in `wire`.
fn set_parameter(
    v: &mut Validator<'_>,
    wire: &mut ScenarioWire,
    name: &str,
    path: &Spanned<String>,
    value: &Spanned<Q>,
) {
    let entries = wire
        .parameters
        .as_mut()
        .and_then(|p| p.value.as_mut().ok())
        .map(|m| &mut m.0);
    let mut known = Vec::new();
    if let Some(entries) = entries {
        for (n, slot) in entries.iter_mut() {
            match n.get() {
                Some(n) if n == name => {
                    *slot = value.clone();
                    return;
                }
                Some(n) => known.push(n.clone()),
                None => {}
            }
        }
    }
    let hint = did_you_mean(name, known.iter().map(String::as_str))
        .map(|s| format!("did you mean 'parameters.{s}'?"));
    let expected = if known.is_empty() {
        "a parameter declared in the scenario's parameters: {...} (it declares none)".to_string()
    } else {
        format!("one of: {}", section_names(&known, "parameters"))
    };
    v.sink
        .error(path.span, None, format!("set: no parameter '{name}'"))
        .expected(expected)
        .maybe_hint(hint);
}

fn section_names(names: &[String], section: &str) -> String {
    let full: Vec<String> = names.iter().map(|n| format!("{section}.{n}")).collect();
    let refs: Vec<&str> = full.iter().map(String::as_str).collect();
    name_list(&refs)
}

/// Remove the item named `name`; the names there are when there is none.
fn remove_named<T>(
    list: &mut Vec<Spanned<T>>,
    name: &str,
    name_of: fn(&T) -> &Spanned<String>,
) -> Result<(), Vec<String>> {
    let before = list.len();
    list.retain(|x| {
        x.get()
            .and_then(|x| name_of(x).get())
            .is_none_or(|n| n != name)
    });
    if list.len() < before {
        return Ok(());
    }
    Err(list
        .iter()
        .filter_map(|x| x.get().and_then(|x| name_of(x).get()).cloned())
        .collect())
}

/// Each of `new` replaces the item of its name in `list`, or is added at the end.
fn replace_or_add<T: Clone>(
    list: &mut Vec<Spanned<T>>,
    new: &[Spanned<T>],
    name_of: fn(&T) -> &Spanned<String>,
) {
    for item in new {
        let name = item.get().and_then(|x| name_of(x).get());
        let slot = name.and_then(|n| {
            list.iter()
                .position(|x| x.get().and_then(|x| name_of(x).get()) == Some(n))
        });
        match slot {
            Some(i) => list[i] = item.clone(),
            None => list.push(item.clone()),
        }
    }
}
