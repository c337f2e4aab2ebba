//! Plots: the bare kinds (`Pressure`) and plots with options (`Plot(kind: Pressure, ...)`).

use super::*;
use crate::config::{window_problem, PlotOptions, PlotSpec, Sensor};
use crate::scenario::wire::SensorWire;

impl<'s> Validator<'s> {
    /// A bare plot kind; `None` after an error.
    fn plot_kind(&mut self, w: &PlotWire, span: Span, it: &str) -> Option<PlotKind> {
        match w {
            PlotWire::Pressure => Some(PlotKind::Pressure),
            PlotWire::Flows => Some(PlotKind::Flows),
            PlotWire::Temperature => Some(PlotKind::Temperature),
            PlotWire::PartialPressure(s) => {
                if self.gas.index_of(s).is_some() {
                    return Some(PlotKind::PartialPressure(s.clone()));
                }
                let names: Vec<&str> = self.gas.species.iter().map(|s| s.name.as_str()).collect();
                let suggestion = did_you_mean(s, names.iter().copied()).map(String::from);
                self.sink
                    .error(span, Some(it), format!("plot of unknown species '{s}'"))
                    .expected(format!("species of the gas table: {}", names.join(", ")))
                    .maybe_hint(suggestion.map(|x| format!("did you mean '{x}'?")));
                None
            }
            PlotWire::Steered { .. } => {
                self.sink
                    .error(span, Some(it), "a Plot(...) inside the kind of a Plot(...)")
                    .expected("kind: Pressure, Flows, Temperature or PartialPressure(\"O2\")");
                None
            }
        }
    }

    /// The plots of `outputs.plots`: the bare ones and those with options, their file names
    /// distinct; `None` after an error.
    pub(super) fn plots(
        &mut self,
        list: &[Spanned<PlotWire>],
        it: &str,
    ) -> Option<(Vec<PlotKind>, Vec<PlotSpec>)> {
        let mut bare = Vec::new();
        let mut steered = Vec::new();
        let mut files: Vec<String> = Vec::new();
        let mut ok = true;
        for p in list {
            let Some(w) = self.get(p, Some(it)).cloned() else {
                ok = false;
                continue;
            };
            let got = match &w {
                PlotWire::Steered { .. } => self.steered(&w, p.span, it).map(|s| {
                    let file = s.options.name.clone().unwrap_or(s.kind.file_name());
                    steered.push(s);
                    file
                }),
                _ => self.plot_kind(&w, p.span, it).map(|k| {
                    let file = k.file_name();
                    bare.push(k);
                    file
                }),
            };
            let Some(file) = got else {
                ok = false;
                continue;
            };
            if files.contains(&file) {
                self.sink
                    .error(
                        p.span,
                        Some(it),
                        format!("a second plot written as '{file}'"),
                    )
                    .expected("one plot per file name")
                    .hint("give a Plot(...) its own name: name: \"prk-zoom\"");
                ok = false;
            }
            files.push(file);
        }
        ok.then_some((bare, steered))
    }

    fn steered(&mut self, w: &PlotWire, span: Span, it: &str) -> Option<PlotSpec> {
        let PlotWire::Steered {
            kind,
            from,
            to,
            show,
            log_y,
            sensor,
            name,
        } = w
        else {
            return None;
        };
        let kind = match self.get(kind, Some(it)).cloned() {
            Some(k) => self.plot_kind(&k, kind.span, it),
            None => None,
        };
        let mut ok = true;
        let mut time = |me: &mut Self, v: &Option<Spanned<Q>>, field: &str| match v {
            Some(v) => {
                let t = me.time(v, it, field);
                ok &= t.is_some();
                t
            }
            None => None,
        };
        let from_s = time(self, from, "from");
        let to_s = time(self, to, "to");
        if let (Some(d), true) = (self.duration, from_s.is_some() || to_s.is_some()) {
            if let Some(problem) = window_problem(from_s, to_s, d) {
                let at = to.as_ref().or(from.as_ref()).map_or(span, |v| v.span);
                self.sink
                    .error(at, Some(it), problem)
                    .expected(format!("from < to, both within 0 .. {}", fmt_time(d)));
                ok = false;
            }
        }
        let kind = kind?;
        let wanted = if kind == PlotKind::Flows {
            (Kind::Link, "a link")
        } else {
            (Kind::Compartment, "a compartment")
        };
        let mut shown = Vec::new();
        for v in show.iter().flatten() {
            match self.resolve(v, it, wanted.1, &[wanted.0]) {
                Some(_) => shown.push(v.get().cloned().unwrap_or_default()),
                None => ok = false,
            }
        }
        let log_y = match log_y {
            Some(v) => self.get(v, Some(it)).copied(),
            None => Some(false),
        };
        let sensor = match sensor {
            Some(s) => match self.get(s, Some(it)).cloned() {
                Some(s) => self.sensor(&s, &kind, it),
                None => None,
            }
            .map(Some),
            None => Some(None),
        };
        let name = match name {
            Some(n) => self.check_name(n, "plot", false).map(Some),
            None => Some(None),
        };
        let options = PlotOptions {
            from_s,
            to_s,
            show: shown,
            log_y: log_y?,
            sensor: sensor?,
            name: name?,
        };
        ok.then_some(PlotSpec { kind, options })
    }

    fn sensor(&mut self, w: &SensorWire, kind: &PlotKind, it: &str) -> Option<Sensor> {
        let dim = match kind {
            PlotKind::Flows => Dimension::MassFlow,
            PlotKind::Temperature => Dimension::Temperature,
            _ => Dimension::Pressure,
        };
        let value = |me: &mut Self, v: &Option<Spanned<Q>>, range: Range, field: &str| match v {
            Some(v) => me.quantity_in(v, dim, range, it, field),
            None => Some(0.0),
        };
        let resolution = value(self, &w.resolution, Range::NonNegative, "resolution");
        let noise = value(self, &w.noise, Range::NonNegative, "noise");
        let bias = value(self, &w.bias, Range::Any, "bias");
        let seed = match &w.seed {
            Some(s) => self.get(s, Some(it)).copied(),
            None => Some(0),
        };
        Some(Sensor {
            resolution: resolution?,
            noise: noise?,
            bias: bias?,
            seed: seed?,
        })
    }
}
