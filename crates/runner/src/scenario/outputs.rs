//! Outputs: interval, display units, plots and thresholds.

use super::*;

impl<'s> Validator<'s> {
    #[allow(clippy::type_complexity)]
    /// The outputs; the events that watch the thresholds will follow the `first_event`
    /// events before them.
    pub(super) fn outputs(
        &mut self,
        o: &OutputsWire,
        first_event: usize,
    ) -> (
        Option<DisplayUnits>,
        Option<(Vec<PlotKind>, Vec<PlotSpec>)>,
        Option<f64>,
        Vec<Option<(Threshold, Event)>>,
    ) {
        let it = "outputs";
        let duration = self.duration;
        let interval = match &o.interval {
            Some(i) => self.quantity_in(i, Dimension::Time, Range::Positive, it, "interval"),
            None => duration.map(default_interval),
        };
        if let (Some(i), Some(d)) = (interval, duration) {
            let rows = d / i;
            if rows > MAX_ROWS as f64 {
                self.sink
                    .error(
                        o.interval.as_ref().map_or(Span::UNKNOWN, |s| s.span),
                        Some(it),
                        format!(
                            "interval {} gives {} rows over {}",
                            fmt_time(i),
                            rows.ceil(),
                            fmt_time(d)
                        ),
                    )
                    .expected(format!("at most {MAX_ROWS} rows"))
                    .hint("use a longer interval");
            }
        }
        let unit = |me: &mut Self,
                    v: &Option<Spanned<String>>,
                    dim: Dimension,
                    default: Option<String>,
                    field: &str|
         -> Option<Option<String>> {
            match v {
                None => Some(default),
                Some(s) => {
                    let u = me.get(s, Some(it))?.clone();
                    match units::unit_factor(&u, dim) {
                        Ok(_) => Some(Some(u.trim().to_string())),
                        Err(e) => {
                            me.unit_error(s.span, it, field, &e);
                            None
                        }
                    }
                }
            }
        };
        let pressure = unit(
            self,
            &o.pressure_unit,
            Dimension::Pressure,
            Some("kPa".into()),
            "pressure_unit",
        );
        let time = unit(
            self,
            &o.time_unit,
            Dimension::Time,
            duration.map(|d| default_time_unit(d).to_string()),
            "time_unit",
        );
        let flow = unit(self, &o.flow_unit, Dimension::MassFlow, None, "flow_unit");
        let temperature = unit(
            self,
            &o.temperature_unit,
            Dimension::Temperature,
            Some("degC".into()),
            "temperature_unit",
        );
        let display = match (pressure, time, flow, temperature) {
            (Some(Some(p)), Some(Some(t)), Some(f), Some(Some(te))) => Some(DisplayUnits {
                pressure: p,
                time: t,
                flow: f,
                temperature: te,
            }),
            _ => None,
        };
        let plots = match &o.plots {
            None => {
                let mut v = vec![PlotKind::Pressure, PlotKind::Flows];
                if self.energy {
                    v.push(PlotKind::Temperature);
                }
                Some((v, Vec::new()))
            }
            Some(list) => self.plots(list, it),
        };
        let mut thresholds = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        for t in &o.thresholds {
            let Some(w) = self.get(t, Some(it)).cloned() else {
                thresholds.push(None);
                continue;
            };
            let label_given = match &w.name {
                Some(n) => match self.get(n, Some("threshold")) {
                    Some(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                    _ => None,
                },
                None => None,
            };
            let tit = format!(
                "threshold '{}'",
                label_given.clone().unwrap_or_else(|| w
                    .quantity
                    .get()
                    .cloned()
                    .unwrap_or_default())
            );
            let c = self.crossing_trigger(
                &w.quantity,
                &w.below,
                &w.above,
                &w.threshold,
                &w.direction,
                &w.relative_to,
                None,
                t.span,
                &tit,
            );
            let Some((trigger, x, dir, text, relative_to)) = c else {
                thresholds.push(None);
                continue;
            };
            let qtext = w.quantity.get().cloned().unwrap_or_default();
            let how = match dir {
                Direction::Falling => "below",
                Direction::Rising => "above",
                Direction::Either => "crosses",
            };
            let label = label_given.unwrap_or_else(|| match relative_to {
                Some(_) => format!("{qtext} {text}"),
                None => format!("{qtext} {how} {text}"),
            });
            if labels.contains(&label) {
                self.sink
                    .error(
                        t.span,
                        Some(&tit),
                        format!("a threshold named '{label}' is already listed"),
                    )
                    .expected("each threshold once (or give each a different name)");
                thresholds.push(None);
                continue;
            }
            labels.push(label.clone());
            let th = Threshold {
                label,
                quantity: qtext,
                direction: dir,
                value: x,
                value_text: text,
                event: EventId(first_event + thresholds.len()),
                relative_to,
            };
            let ev = Event {
                name: th.event_name(),
                trigger,
                actions: vec![Action::Log],
                repeat: true,
            };
            thresholds.push(Some((th, ev)));
        }
        (display, plots, interval, thresholds)
    }
}

/// A round output interval giving about 2000 rows at most.
pub(super) fn default_interval(duration: f64) -> f64 {
    const NICE: [f64; 13] = [
        1e-3,
        1e-2,
        0.1,
        1.0,
        10.0,
        60.0,
        600.0,
        3600.0,
        6.0 * 3600.0,
        86_400.0,
        7.0 * 86_400.0,
        30.0 * 86_400.0,
        365.0 * 86_400.0,
    ];
    let target = duration / 2000.0;
    NICE.iter()
        .copied()
        .find(|&x| x >= target)
        .unwrap_or(duration / 2000.0)
}
