//! Events: watched quantities, crossings, triggers and actions.

use super::*;

impl<'s> Validator<'s> {
    /// A watched quantity `NAME.FIELD`: the physics quantity and the dimension of its value.
    pub(super) fn watched(
        &mut self,
        v: &Spanned<String>,
        it: &str,
    ) -> Option<(Quantity, Dimension)> {
        let text = self.get(v, Some(it))?.clone();
        match crate::paths::quantity(&text, &*self) {
            Ok(q) => Some(q),
            Err(e) => {
                let b = self.sink.error(v.span, Some(it), e.message);
                let b = match e.expected {
                    Some(x) => b.expected(x),
                    None => b,
                };
                b.maybe_hint(e.hint);
                None
            }
        }
    }

    /// The crossing of a trigger or threshold: (quantity, threshold SI, direction, value text).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn crossing(
        &mut self,
        quantity: &Spanned<String>,
        below: &Option<Spanned<Q>>,
        above: &Option<Spanned<Q>>,
        threshold: &Option<Spanned<Q>>,
        direction: &Option<Spanned<DirectionWire>>,
        span: Span,
        it: &str,
    ) -> Option<(Quantity, f64, Direction, String)> {
        let q = self.watched(quantity, it);
        let given = [below.is_some(), above.is_some(), threshold.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if given != 1 {
            self.sink
                .error(span, Some(it), format!("{given} of below, above and threshold are given"))
                .expected("exactly one: below: VALUE (a falling crossing), above: VALUE (rising), or threshold: VALUE with direction: Rising, Falling or Either");
            return None;
        }
        if direction.is_some() && threshold.is_none() {
            self.sink
                .error(
                    direction.as_ref().map_or(span, |d| d.span),
                    Some(it),
                    "direction is only used with threshold",
                )
                .expected("below: VALUE, above: VALUE, or threshold: VALUE with direction");
            return None;
        }
        let (qv, dim) = q?;
        let (value, dir) = if let Some(b) = below {
            (b, Direction::Falling)
        } else if let Some(a) = above {
            (a, Direction::Rising)
        } else if let Some(t) = threshold {
            let dir = match direction {
                Some(d) => match self.get(d, Some(it))? {
                    DirectionWire::Rising => Direction::Rising,
                    DirectionWire::Falling => Direction::Falling,
                    DirectionWire::Either => Direction::Either,
                },
                None => Direction::Either,
            };
            (t, dir)
        } else {
            return None;
        };
        let x = self.quantity(value, dim, it, "threshold")?;
        let text = match value.get()? {
            Q::Number(v) => format!("{v} {}", dim.si_unit()).trim().to_string(),
            Q::Text(s) => s.trim().to_string(),
        };
        Some((qv, x, dir, text))
    }

    /// The event a `relative_to:` names, among the scenario's events; `Some(None)` when none
    /// is given, `None` after an error. `own`: the event being checked (it may not name
    /// itself).
    pub(super) fn relative_to(
        &mut self,
        v: &Option<Spanned<String>>,
        own: Option<&str>,
        it: &str,
    ) -> Option<Option<(EventId, String)>> {
        let Some(v) = v else {
            return Some(None);
        };
        let name = self.get(v, Some(it))?.trim().to_string();
        let found = self
            .event_names
            .iter()
            .position(|n| *n == name && Some(n.as_str()) != own);
        if let Some(i) = found {
            return Some(Some((EventId(i), name)));
        }
        let others: Vec<&str> = self
            .event_names
            .iter()
            .map(String::as_str)
            .filter(|n| Some(*n) != own && !n.is_empty())
            .collect();
        let hint =
            did_you_mean(&name, others.iter().copied()).map(|x| format!("did you mean '{x}'?"));
        let message = if Some(name.as_str()) == own {
            format!("relative_to names the event itself ('{name}')")
        } else {
            format!("relative_to names no event: '{name}'")
        };
        self.sink
            .error(v.span, Some(it), message)
            .expected(if others.is_empty() {
                "the name of another event of the scenario (it has none)".to_string()
            } else {
                format!(
                    "the name of another event of the scenario: {}",
                    others.join(", ")
                )
            })
            .maybe_hint(hint);
        None
    }

    /// The trigger of a crossing, plain or relative to an event (`since`): `below: D` is D
    /// below the value the quantity had when `since` first fired, `above: D` D above it,
    /// `threshold: X` the value plus X. Returns the trigger and, when relative, the text of
    /// the crossing ("1 mmHg below its value at 'close'").
    #[allow(clippy::too_many_arguments)]
    pub(super) fn crossing_trigger(
        &mut self,
        quantity: &Spanned<String>,
        below: &Option<Spanned<Q>>,
        above: &Option<Spanned<Q>>,
        threshold: &Option<Spanned<Q>>,
        direction: &Option<Spanned<DirectionWire>>,
        relative_to: &Option<Spanned<String>>,
        own: Option<&str>,
        span: Span,
        it: &str,
    ) -> Option<(Trigger, f64, Direction, String, Option<String>)> {
        let since = self.relative_to(relative_to, own, it);
        let (q, x, dir, text) =
            self.crossing(quantity, below, above, threshold, direction, span, it)?;
        let Some((since, event)) = since? else {
            let t = Trigger::Crosses {
                quantity: q,
                threshold: x,
                direction: dir,
            };
            return Some((t, x, dir, text, None));
        };
        let (offset, text) = match (below, above) {
            (Some(b), _) | (None, Some(b)) if x < 0.0 => {
                let which = if below.is_some() { "below" } else { "above" };
                self.sink
                    .error(b.span, Some(it), format!("{which} is {text} with relative_to"))
                    .expected(format!(
                        "a distance {which} the value at '{event}', at least 0 (or threshold: VALUE, signed, with direction)"
                    ));
                return None;
            }
            (Some(_), _) => (-x, format!("{text} below its value at '{event}'")),
            (None, Some(_)) => (x, format!("{text} above its value at '{event}'")),
            (None, None) => (x, format!("its value at '{event}' + {text}")),
        };
        let t = Trigger::CrossesSince {
            quantity: q,
            since,
            offset,
            direction: dir,
        };
        Some((t, offset, dir, text, Some(event)))
    }

    pub(super) fn event(
        &mut self,
        e: &Spanned<EventWire>,
        seen: &mut HashMap<String, Span>,
    ) -> Option<Event> {
        let w = self.get_item(e, "event")?;
        let name = self.check_name(&w.name, "event", false)?;
        let it = item("event", &name);
        if let Some(prev) = seen.get(&name) {
            let at = self
                .sink
                .locate(*prev)
                .map(|l| format!(" at line {}", l.line))
                .unwrap_or_default();
            self.sink
                .error(
                    w.name.span,
                    Some(&it),
                    format!("duplicate name: another event has the same name{at}"),
                )
                .expected("each event to have its own name");
        } else {
            seen.insert(name.clone(), w.name.span);
        }
        let trigger = match self.get(&w.when, Some(&it)).cloned() {
            Some(TriggerWire::At(t)) => {
                let tv = self.time(&t, &it, "At");
                if let Some(tv) = tv {
                    self.after_end(t.span, &it, "the event", tv);
                }
                tv.map(Trigger::At)
            }
            Some(TriggerWire::Crosses {
                quantity,
                below,
                above,
                threshold,
                direction,
                relative_to,
            }) => self
                .crossing_trigger(
                    &quantity,
                    &below,
                    &above,
                    &threshold,
                    &direction,
                    &relative_to,
                    Some(&name),
                    w.when.span,
                    &it,
                )
                .map(|c| c.0),
            None => None,
        };
        let mut wires: Vec<&Spanned<ActionWire>> = Vec::new();
        match (&w.action, &w.actions) {
            (Some(a), None) => wires.push(a),
            (None, Some(list)) if !list.is_empty() => wires.extend(list.iter()),
            (Some(_), Some(_)) => {
                self.sink
                    .error(w.name.span, Some(&it), "has both action and actions")
                    .expected("action: ONE, or actions: [ONE, TWO, ...]");
                return None;
            }
            _ => {
                self.sink
                    .error(w.name.span, Some(&it), "has no action")
                    .expected("action: Close(\"link\"), Open(\"link\"), Set(link: ..., parameter: ..., value: ...), StartSource(\"name\"), StopSource(\"name\"), EndRun or Log");
                return None;
            }
        }
        let mut actions = Vec::new();
        let mut ok = true;
        for a in wires {
            match self.action(a, &it) {
                Some(x) => actions.push(x),
                None => ok = false,
            }
        }
        let repeat = match &w.repeat {
            Some(r) => self.get(r, Some(&it)).copied(),
            None => Some(false),
        };
        if !ok {
            return None;
        }
        Some(Event {
            name,
            trigger: trigger?,
            actions,
            repeat: repeat?,
        })
    }

    pub(super) fn action(&mut self, a: &Spanned<ActionWire>, it: &str) -> Option<Action> {
        let w = self.get(a, Some(it))?.clone();
        let link = |me: &mut Self, v: &Spanned<String>| {
            me.resolve(v, it, "a link", &[Kind::Link])
                .map(|d| LinkId(d.index))
        };
        let source = |me: &mut Self, v: &Spanned<String>| {
            me.resolve(v, it, "a source", &[Kind::Source])
                .map(|d| SourceId(d.index))
        };
        match w {
            ActionWire::Close(l) => link(self, &l).map(Action::Close),
            ActionWire::Open(l) => link(self, &l).map(Action::Open),
            ActionWire::StartSource(s) => source(self, &s).map(Action::StartSource),
            ActionWire::StopSource(s) => source(self, &s).map(Action::StopSource),
            ActionWire::EndRun => Some(Action::EndRun),
            ActionWire::Log => Some(Action::Log),
            ActionWire::Set {
                link: l,
                parameter,
                value,
            } => {
                let id = link(self, &l);
                let param = self.get(&parameter, Some(it)).map(|p| p.0);
                let (id, param) = (id?, param?);
                let element = self.links.get(id.0).and_then(|l| l.element.clone())?;
                let link_name = l.get().cloned().unwrap_or_default();
                // A hatch seal has two laws; a plain parameter would set both and erase the
                // seal's direction dependence: the scenario must name the side.
                if let (FlowElement::HatchSeal { .. }, Some(seated), Some(unseated)) = (
                    &element,
                    param.on_side(SealSide::Seated),
                    param.on_side(SealSide::Unseated),
                ) {
                    self.sink
                        .error(
                            parameter.span,
                            Some(it),
                            format!(
                                "link '{link_name}' is a HatchSeal: {} would set both its seated and its unseated law and erase its direction dependence",
                                param.name()
                            ),
                        )
                        .expected(format!(
                            "{} or {}, naming the law to change",
                            seated.name(),
                            unseated.name()
                        ));
                    return None;
                }
                // The law a sided parameter addresses (the element itself otherwise).
                let law = match (&element, param.seal_side()) {
                    (FlowElement::HatchSeal { seated, .. }, Some(SealSide::Seated)) => {
                        (**seated).clone()
                    }
                    (FlowElement::HatchSeal { unseated, .. }, Some(SealSide::Unseated)) => {
                        (**unseated).clone()
                    }
                    _ => element.clone(),
                };
                let (dim, range) = match param.unsided().unwrap_or(param) {
                    Parameter::Opening => (Some(Dimension::Dimensionless), Range::Fraction),
                    Parameter::Area => (Some(Dimension::Area), Range::NonNegative),
                    Parameter::Cd => (Some(Dimension::Dimensionless), Range::Cd),
                    Parameter::FlowRate => (Some(Dimension::VolumetricFlow), Range::NonNegative),
                    _ => (coefficient_dimension(&law), Range::NonNegative),
                };
                if param != Parameter::Opening && !element.clone().set_parameter(param, 0.5) {
                    self.sink
                        .error(
                            parameter.span,
                            Some(it),
                            format!(
                                "link '{link_name}' is a {} element, which has no parameter {}",
                                element.kind(),
                                param.name()
                            ),
                        )
                        .expected(format!(
                            "a parameter of a {}: {}",
                            element.kind(),
                            parameters_of(&element).join(", ")
                        ));
                    return None;
                }
                let x = match dim {
                    Some(d) => self.quantity_in(&value, d, range, it, "value")?,
                    None => {
                        let x = self.number(&value, "m3/(s Pa^n)", it, "value")?;
                        if !range.ok(x) {
                            self.sink
                                .error(value.span, Some(it), format!("value is {x}"))
                                .expected(range.text());
                            return None;
                        }
                        x
                    }
                };
                Some(Action::SetParameter {
                    link: id,
                    parameter: param,
                    value: x,
                })
            }
        }
    }
}
