//! Values and units: quantities with units, plain numbers, times and schedules.

use super::*;

impl<'s> Validator<'s> {
    // ---------------------------------------------------------------------------------------
    // Values

    pub(super) fn unit_error(&mut self, span: Span, item: &str, field: &str, e: &UnitError) {
        let examples = |d: Dimension| format!("{}, e.g. '{}'", d.with_article(), d.example());
        let units_of = |d: Dimension| d.common_units().join(", ");
        match e {
            UnitError::UnknownUnit {
                unit,
                expected,
                suggestion,
            } => {
                self.sink
                    .error(span, Some(item), format!("{field}: unknown unit '{unit}'"))
                    .expected(format!(
                        "{} in one of: {}",
                        expected.with_article(),
                        units_of(*expected)
                    ))
                    .maybe_hint(suggestion.as_ref().map(|s| format!("did you mean '{s}'?")));
            }
            UnitError::WrongDimension {
                text,
                found,
                expected,
            } => {
                self.sink
                    .error(
                        span,
                        Some(item),
                        format!("{field}: '{text}' is {}", found.with_article()),
                    )
                    .expected(format!(
                        "{} (units: {})",
                        examples(*expected),
                        units_of(*expected)
                    ));
            }
            UnitError::MissingUnit { text, expected } => {
                self.sink
                    .error(span, Some(item), format!("{field}: '{text}' has no unit"))
                    .expected(examples(*expected))
                    .hint(format!(
                        "a bare number (without quotes) is read in SI units ({})",
                        expected.si_unit()
                    ));
            }
            other => {
                self.sink
                    .error(span, Some(item), format!("{field}: {other}"));
            }
        }
    }

    /// A physical value in SI.
    pub(super) fn quantity(
        &mut self,
        v: &Spanned<Q>,
        dim: Dimension,
        item: &str,
        field: &str,
    ) -> Option<f64> {
        let q = self.get_field(v, item, field)?;
        let x = match q {
            Q::Number(x) => *x,
            Q::Text(t) => match units::parse_quantity(t, dim) {
                Ok(x) => x,
                Err(_) if expr::looks_like_expression(t) => {
                    self.expression(v.span, t, dim, item, field)?
                }
                Err(e) => {
                    self.unit_error(v.span, item, field, &e);
                    return None;
                }
            },
        };
        if !x.is_finite() {
            self.sink
                .error(
                    v.span,
                    Some(item),
                    format!("{field} is not a finite number"),
                )
                .expected(format!("{}, e.g. '{}'", dim.with_article(), dim.example()));
            return None;
        }
        self.magnitude(v, x, dim, item, field)
    }

    /// `x` when it is 0 or of a magnitude Plenum computes with (see
    /// [`Dimension::magnitude_limits`]); else a located error.
    pub(super) fn magnitude(
        &mut self,
        v: &Spanned<Q>,
        x: f64,
        dim: Dimension,
        item: &str,
        field: &str,
    ) -> Option<f64> {
        let (lo, hi) = dim.magnitude_limits();
        if x == 0.0 || (lo..=hi).contains(&x.abs()) {
            return Some(x);
        }
        let written = v.get().map(shown).unwrap_or_else(|| format!("{x}"));
        let unit = dim.si_unit();
        let (what, hint) = if x.abs() < lo {
            (
                "too small to be physical",
                if x.abs() < f64::MIN_POSITIVE {
                    "a number this small is below what floating point holds exactly (a denormal); write 0 if you mean none"
                } else {
                    "check the exponent and the unit; write 0 if you mean none"
                },
            )
        } else {
            (
                "too large to be physical",
                "check the exponent and the unit",
            )
        };
        let with_unit = |x: f64| format!("{x:e} {unit}").trim_end().to_string();
        self.sink
            .error(v.span, Some(item), format!("{field} is {written}, {what}"))
            .expected(format!(
                "0 or a magnitude between {} and {}",
                with_unit(lo),
                with_unit(hi)
            ))
            .hint(hint);
        None
    }

    /// A physical value in SI that must lie in `range`.
    pub(super) fn quantity_in(
        &mut self,
        v: &Spanned<Q>,
        dim: Dimension,
        range: Range,
        item: &str,
        field: &str,
    ) -> Option<f64> {
        let x = self.quantity(v, dim, item, field)?;
        if !range.ok(x) {
            let written = v.get().map(shown).unwrap_or_default();
            self.sink
                .error(v.span, Some(item), format!("{field} is {written}"))
                .expected(range.text_for(Some(dim)));
            return None;
        }
        Some(x)
    }

    /// A plain number (a field whose unit has no spelling in the unit table).
    pub(super) fn number(
        &mut self,
        v: &Spanned<Q>,
        unit: &str,
        item: &str,
        field: &str,
    ) -> Option<f64> {
        let x = self.plain_number(v, unit, item, field)?;
        self.magnitude(v, x, Dimension::Dimensionless, item, field)
    }

    /// A plain finite number, for a field that checks its own physical range.
    pub(super) fn plain_number(
        &mut self,
        v: &Spanned<Q>,
        unit: &str,
        item: &str,
        field: &str,
    ) -> Option<f64> {
        let q = self.get_field(v, item, field)?;
        let parsed = match q {
            Q::Number(x) => Some(*x),
            Q::Text(t) if t.trim().parse::<f64>().is_err() && expr::looks_like_expression(t) => {
                return self.expression(v.span, t, Dimension::Dimensionless, item, field);
            }
            Q::Text(t) => t.trim().parse::<f64>().ok(),
        };
        match parsed {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                self.sink
                    .error(v.span, Some(item), format!("{field} is {}", shown(q)))
                    .expected(format!("a plain number in {unit}"))
                    .hint(format!(
                        "write {field} as a number without quotes, in {unit}"
                    ));
                None
            }
        }
    }

    /// A value written as a number in `si_unit` or a string with one of `units`
    /// (name, factor to SI).
    pub(super) fn per_unit(
        &mut self,
        v: &Spanned<Q>,
        units: &[(&str, f64)],
        item: &str,
        field: &str,
    ) -> Option<f64> {
        let q = self.get_field(v, item, field)?;
        let found = match q {
            Q::Number(x) => Some(*x),
            Q::Text(t) => {
                let t = t.trim();
                let split = t
                    .find(|c: char| c.is_whitespace() || c == '/')
                    .unwrap_or(t.len());
                let (num, unit) = t.split_at(split);
                let unit: String = unit.chars().filter(|c| !c.is_whitespace()).collect();
                match num.parse::<f64>() {
                    Ok(x) => units
                        .iter()
                        .find(|(u, _)| u.replace(' ', "") == unit)
                        .map(|(_, f)| x * f),
                    Err(_) => None,
                }
            }
        };
        match found {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                let names: Vec<&str> = units.iter().map(|u| u.0).collect();
                self.sink
                    .error(v.span, Some(item), format!("{field} is {}", shown(q)))
                    .expected(format!(
                        "a number in {}, or a string with one of: {}",
                        units.first().map_or("SI", |u| u.0),
                        list(&names)
                    ));
                None
            }
        }
    }

    /// A time within the run (>= 0 and, when `before_end`, before its end).
    pub(super) fn time(&mut self, v: &Spanned<Q>, item: &str, field: &str) -> Option<f64> {
        let t = self.quantity(v, Dimension::Time, item, field)?;
        if t < 0.0 {
            self.sink
                .error(
                    v.span,
                    Some(item),
                    format!(
                        "{field} is {}, before the start of the run",
                        v.get().map(shown).unwrap_or_default()
                    ),
                )
                .expected("a time >= 0 (times count from the start of the run)");
            return None;
        }
        Some(t)
    }

    pub(super) fn after_end(&mut self, span: Span, item: &str, what: &str, t: f64) {
        if let Some(d) = self.duration {
            if t >= d {
                self.sink
                    .error(
                        span,
                        Some(item),
                        format!(
                            "{what} at {} is not within the run, which ends at {}",
                            fmt_time(t),
                            fmt_time(d)
                        ),
                    )
                    .expected("a time before the end of the run")
                    .hint("make the run longer (duration) or move the time");
            }
        }
    }

    /// A schedule that may be left out, when it means `default` at every time.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn schedule_or(
        &mut self,
        v: Option<&Spanned<ScheduleWire>>,
        dim: Dimension,
        plain_unit: &str,
        range: Range,
        item: &str,
        field: &str,
        default: f64,
    ) -> Option<Schedule> {
        match v {
            Some(v) => self.schedule(v, Some(dim), plain_unit, range, item, field),
            None => Some(Schedule::Constant(default)),
        }
    }

    /// A dimensionless factor that may change in time (a link's opening, a source's
    /// schedule): 1 when the field is left out.
    pub(super) fn factor(
        &mut self,
        v: Option<&Spanned<ScheduleWire>>,
        range: Range,
        item: &str,
        field: &str,
    ) -> Option<Schedule> {
        self.schedule_or(v, Dimension::Dimensionless, "", range, item, field, 1.0)
    }

    /// A schedule of values of dimension `dim` (or plain numbers in `plain_unit` when
    /// `dim` is `None`), each in `range`.
    pub(super) fn schedule(
        &mut self,
        v: &Spanned<ScheduleWire>,
        dim: Option<Dimension>,
        plain_unit: &str,
        range: Range,
        item: &str,
        field: &str,
    ) -> Option<Schedule> {
        let w = self.get_field(v, item, field)?;
        let value = |me: &mut Self, q: &Spanned<Q>| -> Option<f64> {
            let x = match dim {
                Some(d) => me.quantity(q, d, item, field)?,
                None => me.number(q, plain_unit, item, field)?,
            };
            if !range.ok(x) {
                me.sink
                    .error(
                        q.span,
                        Some(item),
                        format!("{field} is {}", q.get().map(shown).unwrap_or_default()),
                    )
                    .expected(range.text_for(dim));
                return None;
            }
            Some(x)
        };
        // The (time, value) points of Steps and Table: every point is checked, so each bad one
        // is reported.
        let points = |me: &mut Self, list: &[(Spanned<Q>, Spanned<Q>)], what: &str| {
            let mut pts = Vec::with_capacity(list.len());
            let mut ok = true;
            for (t, x) in list {
                let t = me.time(t, item, &format!("{field} {what} time"));
                let x = value(me, x);
                match (t, x) {
                    (Some(t), Some(x)) => pts.push((t, x)),
                    _ => ok = false,
                }
            }
            ok.then_some(pts)
        };
        let sched = match w {
            ScheduleWire::Constant(q) => {
                let q = Spanned {
                    value: Ok(q.clone()),
                    span: v.span,
                };
                Schedule::Constant(value(self, &q)?)
            }
            ScheduleWire::Steps { initial, steps } => {
                let initial = value(self, initial);
                let pts = points(self, steps, "step");
                let (Some(initial), Some(pts)) = (initial, pts) else {
                    return None;
                };
                if let Some(&(t0, _)) = pts.first() {
                    self.after_end(v.span, item, &format!("the first step of {field}"), t0);
                } else {
                    self.sink
                        .error(v.span, Some(item), format!("{field}: Steps has no steps"))
                        .expected("steps: [(time, value), ...] with at least one step")
                        .hint("for a value that never changes, write the value alone");
                    return None;
                }
                Schedule::Steps {
                    initial,
                    steps: pts,
                }
            }
            ScheduleWire::Ramp {
                from,
                to,
                start,
                end,
            } => {
                let from = value(self, from);
                let to = value(self, to);
                let t0 = self.time(start, item, &format!("{field} ramp start"));
                let t1 = self.time(end, item, &format!("{field} ramp end"));
                let (from, to, t0, t1) = (from?, to?, t0?, t1?);
                if t1 <= t0 {
                    self.sink
                        .error(
                            end.span,
                            Some(item),
                            format!(
                                "{field}: the ramp ends at {}, not after its start at {}",
                                fmt_time(t1),
                                fmt_time(t0)
                            ),
                        )
                        .expected("end later than start");
                    return None;
                }
                self.after_end(start.span, item, &format!("the ramp of {field} starts"), t0);
                Schedule::Ramp {
                    from,
                    to,
                    start: t0,
                    end: t1,
                }
            }
            ScheduleWire::Table(table) => {
                if table.is_empty() {
                    self.sink
                        .error(v.span, Some(item), format!("{field}: Table has no points"))
                        .expected("Table([(time, value), ...]) with at least one point");
                    return None;
                }
                let pts = points(self, table, "table")?;
                if let Some(&(t0, _)) = pts.first() {
                    if pts.len() > 1 {
                        self.after_end(
                            v.span,
                            item,
                            &format!("the first point of the {field} table"),
                            t0,
                        );
                    }
                }
                for (i, w) in pts.windows(2).enumerate() {
                    if w[1].0 <= w[0].0 {
                        let span = table.get(i + 1).map_or(v.span, |p| p.0.span);
                        self.sink
                            .error(
                                span,
                                Some(item),
                                format!(
                                    "{field}: table time {} is not after the previous one, {}",
                                    fmt_time(w[1].0),
                                    fmt_time(w[0].0)
                                ),
                            )
                            .expected("points in increasing time");
                        return None;
                    }
                }
                Schedule::Table(pts)
            }
            ScheduleWire::Exponential {
                initial,
                rate,
                doubling_time,
                halving_time,
                start,
            } => {
                let initial = value(self, initial);
                let given = [
                    rate.is_some(),
                    doubling_time.is_some(),
                    halving_time.is_some(),
                ]
                .iter()
                .filter(|b| **b)
                .count();
                if given != 1 {
                    self.sink
                        .error(
                            v.span,
                            Some(item),
                            format!("{field}: Exponential needs exactly one of rate, doubling_time, halving_time ({given} given)"),
                        )
                        .expected("rate: \"0.1 1/day\", or doubling_time: \"5 day\", or halving_time: \"5 day\"")
                        .hint("Exponential is continuous growth: x(t) = initial e^(rate (t - start)); doubling_time T is the rate ln 2 / T");
                    return None;
                }
                let r = if let Some(r) = rate {
                    self.quantity(r, Dimension::Frequency, item, &format!("{field} rate"))
                } else if let Some(d) = doubling_time {
                    self.quantity_in(
                        d,
                        Dimension::Time,
                        Range::Positive,
                        item,
                        &format!("{field} doubling time"),
                    )
                    .map(|d| LN_2 / d)
                } else if let Some(h) = halving_time {
                    self.quantity_in(
                        h,
                        Dimension::Time,
                        Range::Positive,
                        item,
                        &format!("{field} halving time"),
                    )
                    .map(|h| -LN_2 / h)
                } else {
                    None
                };
                let s = match start {
                    Some(s) => {
                        let t = self.time(s, item, &format!("{field} start"));
                        if let Some(t) = t {
                            self.after_end(
                                s.span,
                                item,
                                &format!("the growth of {field} starts"),
                                t,
                            );
                        }
                        t
                    }
                    None => Some(0.0),
                };
                let (initial, r, s) = (initial?, r?, s?);
                let sched = Schedule::Exponential {
                    initial,
                    rate: r,
                    start: s,
                };
                let end_value = sched.value(self.duration.unwrap_or(s));
                let (lo, hi) = dim.unwrap_or(Dimension::Dimensionless).magnitude_limits();
                let physical = end_value == 0.0 || (lo..=hi).contains(&end_value.abs());
                if !range.ok(end_value) || !physical {
                    self.sink
                        .error(
                            v.span,
                            Some(item),
                            format!("{field} reaches {end_value:e} (SI) by the end of the run"),
                        )
                        .expected(format!(
                            "{}, of a magnitude between {lo:e} and {hi:e} (SI)",
                            range.text()
                        ));
                    return None;
                }
                sched
            }
        };
        Some(sched)
    }
}
