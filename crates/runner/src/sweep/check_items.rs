//! The checks of one parameter's values and of one metric.

use plenum_physics::{Direction, LinkId, Network, NetworkParts, Quantity};

use super::*;
use crate::diag::clip;
use crate::paths::{self, Reason, Target};
use crate::sample::Distribution;
use crate::scenario::{Span, Spanned, Q};
use crate::units::{parse_quantity, unit_factor, Dimension};

impl Checker<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn values(
        &mut self,
        v: &ValuesWire,
        span: Span,
        path: &str,
        target: Target,
        dim: Dimension,
        item: &str,
        parts: &NetworkParts,
    ) -> Option<Param> {
        let mut unit = None;
        // Each value in SI, refused when the base model does not accept it.
        let mut q = |c: &mut Self, x: &Spanned<Q>, check: bool| -> Option<f64> {
            let (val, u) = c.q(x, dim, item)?;
            if check && !c.admissible(parts, &target, val, x.span, item) {
                return None;
            }
            if unit.is_none() {
                unit = u;
            }
            Some(val)
        };
        let mut log = false;
        let values = match v {
            ValuesWire::List(list) => {
                if list.is_empty() {
                    self.err(
                        span,
                        item,
                        "has an empty list of values",
                        Some("at least one value".into()),
                        None,
                    );
                    return None;
                }
                let vals: Vec<f64> = list.iter().filter_map(|x| q(self, x, false)).collect();
                if vals.len() != list.len() {
                    return None;
                }
                // The physics' checks are ranges: the smallest and largest values decide.
                let lo = (0..vals.len()).min_by(|&a, &b| vals[a].total_cmp(&vals[b]))?;
                let hi = (0..vals.len()).max_by(|&a, &b| vals[a].total_cmp(&vals[b]))?;
                let lo_ok = self.admissible(parts, &target, vals[lo], list[lo].span, item);
                if !(lo_ok
                    && (hi == lo || self.admissible(parts, &target, vals[hi], list[hi].span, item)))
                {
                    return None;
                }
                Values::Discrete(vals)
            }
            ValuesWire::Linear { from, to, count } | ValuesWire::Log { from, to, count } => {
                let is_log = matches!(v, ValuesWire::Log { .. });
                log = is_log;
                let (a, b) = (q(self, from, true), q(self, to, true));
                let (a, b) = (a?, b?);
                if *count == 0 {
                    self.err(
                        span,
                        item,
                        "has a range of 0 values",
                        Some("count >= 1".into()),
                        None,
                    );
                    return None;
                }
                if is_log && !(a > 0.0 && b > 0.0) {
                    self.err(
                        span,
                        item,
                        format!("has a log range from {a} to {b}"),
                        Some("positive ends for a Log range".into()),
                        None,
                    );
                    return None;
                }
                if *count > 1 && a == b {
                    self.err(
                        span,
                        item,
                        "has a range whose ends are equal",
                        Some("from != to, or a List of one value".into()),
                        None,
                    );
                    return None;
                }
                Values::Discrete(spaced(a, b, *count, is_log))
            }
            ValuesWire::Step { from, to, step } => {
                let (a, b) = (q(self, from, true), q(self, to, false));
                let s = self.q(step, dim, item).map(|x| x.0);
                let (a, b, s) = (a?, b?, s?);
                if s == 0.0 {
                    self.err(
                        step.span,
                        item,
                        "has a zero step",
                        Some("a step that moves from `from` toward `to`".into()),
                        None,
                    );
                    return None;
                }
                if (b - a) / s < 0.0 {
                    self.err(
                        step.span,
                        item,
                        format!("steps by {s} from {a}, away from {b}: the range is empty"),
                        Some("a step with the sign of to - from".into()),
                        None,
                    );
                    return None;
                }
                let n = ((b - a) / s * (1.0 + 1e-12)).floor() as usize + 1;
                if n > MAX_RUNS * 10 {
                    self.err(
                        step.span,
                        item,
                        format!("has {n} steps"),
                        Some("a coarser step".into()),
                        None,
                    );
                    return None;
                }
                let vals: Vec<f64> = (0..n).map(|k| a + k as f64 * s).collect();
                let last = *vals.last()?;
                if !self.admissible(parts, &target, last, to.span, item) {
                    return None;
                }
                Values::Discrete(vals)
            }
            ValuesWire::Uniform { min, max } => {
                let (a, b) = (q(self, min, true), q(self, max, true));
                Values::Random(Distribution::Uniform { min: a?, max: b? })
            }
            ValuesWire::LogUniform { min, max } => {
                log = true;
                let (a, b) = (q(self, min, true), q(self, max, true));
                Values::Random(Distribution::LogUniform { min: a?, max: b? })
            }
            ValuesWire::Normal { mean, sd, min, max } => {
                let mean = q(self, mean, true);
                // A standard deviation is a difference: no offset (matters for temperatures).
                let sd_value = match self.get(sd, item) {
                    None => None,
                    Some(Q::Number(x)) => Some(*x),
                    Some(Q::Text(t)) => {
                        let u = t.split_whitespace().nth(1).unwrap_or("");
                        match (parse_quantity(t, dim), unit_factor(u, dim)) {
                            (Ok(_), Ok(f)) => Some(
                                t.split_whitespace()
                                    .next()
                                    .and_then(|n| n.parse::<f64>().ok())
                                    .unwrap_or(f64::NAN)
                                    * f.scale,
                            ),
                            (Err(e), _) | (_, Err(e)) => {
                                self.err(sd.span, item, e.to_string(), None, None);
                                None
                            }
                        }
                    }
                };
                let min = min.as_ref().map(|m| q(self, m, true));
                let max = max.as_ref().map(|m| q(self, m, true));
                let (mean, sd) = (mean?, sd_value?);
                let min = min.map(|m| m.ok_or(())).transpose().ok()?;
                let max = max.map(|m| m.ok_or(())).transpose().ok()?;
                Values::Random(Distribution::Normal { mean, sd, min, max })
            }
            ValuesWire::LogNormal {
                median,
                sigma,
                min,
                max,
            } => {
                log = true;
                let median = q(self, median, true);
                let min = min.as_ref().map(|m| q(self, m, true));
                let max = max.as_ref().map(|m| q(self, m, true));
                let median = median?;
                let min = min.map(|m| m.ok_or(())).transpose().ok()?;
                let max = max.map(|m| m.ok_or(())).transpose().ok()?;
                Values::Random(Distribution::LogNormal {
                    median,
                    sigma: *sigma,
                    min,
                    max,
                })
            }
            ValuesWire::Triangular { min, mode, max } => {
                let (a, m, b) = (q(self, min, true), q(self, mode, false), q(self, max, true));
                Values::Random(Distribution::Triangular {
                    min: a?,
                    mode: m?,
                    max: b?,
                })
            }
        };
        if let Values::Random(d) = &values {
            if let Err(msg) = d.check() {
                self.err(span, item, msg, None, None);
                return None;
            }
        }
        let display_unit =
            unit.unwrap_or_else(|| crate::units::Dimension::si_unit(dim).to_string());
        Some(Param {
            path: path.to_string(),
            target,
            dim,
            values,
            display_unit,
            log,
        })
    }

    pub(super) fn metric(
        &mut self,
        name: &str,
        of: &MetricKindWire,
        of_span: Span,
        net: &Network,
        duration: f64,
        item: &str,
    ) -> Option<Metric> {
        let quantity = |c: &mut Self, text: &Spanned<String>| -> Option<Quantity> {
            let t = c.get(text, item)?;
            match resolve_quantity(net, t) {
                Ok(q) => Some(q),
                Err((msg, hint)) => {
                    c.err(text.span, item, msg, Some("NAME.pressure, NAME.temperature, NAME.mass, NAME.partial_pressure.SPECIES or LINK.mass_flow".into()), hint);
                    None
                }
            }
        };
        let time = |c: &mut Self, t: &Spanned<Q>| -> Option<f64> {
            let (v, _) = c.q(t, Dimension::Time, item)?;
            if !(0.0..=duration).contains(&v) {
                c.err(
                    t.span,
                    item,
                    format!("asks for t = {v} s, outside the run (0 to {duration} s)"),
                    Some("a time within the base scenario's duration".into()),
                    None,
                );
                return None;
            }
            Some(v)
        };
        let link = |c: &mut Self, name: &Spanned<String>| -> Option<(usize, String)> {
            let n = c.get(name, item)?;
            match net.link(n) {
                Some(l) => Some((l.0, n.clone())),
                None => {
                    let hint =
                        crate::suggest::did_you_mean(n, net.links.iter().map(|l| l.name.as_str()))
                            .map(|s| format!("did you mean '{s}'?"));
                    c.err(
                        name.span,
                        item,
                        format!(
                            "refers to link '{}', which the base scenario does not have",
                            clip(n)
                        ),
                        None,
                        hint,
                    );
                    None
                }
            }
        };
        let (kind, unit) = match of {
            MetricKindWire::Final(q) => {
                let q = quantity(self, q)?;
                (MetricKind::Final(q), quantity_unit(q))
            }
            MetricKindWire::At {
                quantity: qt,
                time: t,
            } => {
                let q = quantity(self, qt);
                let t = time(self, t);
                let q = q?;
                (MetricKind::At(q, t?), quantity_unit(q))
            }
            MetricKindWire::Min(q) => {
                let q = quantity(self, q)?;
                (MetricKind::Min(q), quantity_unit(q))
            }
            MetricKindWire::Max(q) => {
                let q = quantity(self, q)?;
                (MetricKind::Max(q), quantity_unit(q))
            }
            MetricKindWire::TimeTo {
                quantity: qt,
                below,
                above,
            } => {
                let q = quantity(self, qt)?;
                let dim = quantity_dimension(q);
                let (v, dir) = match (below, above) {
                    (Some(b), None) => (self.q(b, dim, item)?.0, Direction::Falling),
                    (None, Some(a)) => (self.q(a, dim, item)?.0, Direction::Rising),
                    _ => {
                        self.err(
                            of_span,
                            item,
                            "needs exactly one of below or above",
                            Some("TimeTo(quantity: \"prk.pressure\", below: \"600 mmHg\")".into()),
                            None,
                        );
                        return None;
                    }
                };
                (MetricKind::TimeTo(q, v, dir), "s")
            }
            MetricKindWire::LeakRate { boundary, at } => {
                let b = self.get(boundary, item)?;
                let Some(id) = net.boundary(b) else {
                    let hint = crate::suggest::did_you_mean(
                        b,
                        net.boundaries.iter().map(|b| b.name.as_str()),
                    )
                    .map(|s| format!("did you mean '{s}'?"));
                    self.err(
                        boundary.span,
                        item,
                        format!(
                            "refers to boundary '{}', which the base scenario does not have",
                            clip(b)
                        ),
                        None,
                        hint,
                    );
                    return None;
                };
                let at = match at {
                    Some(t) => Some(time(self, t)?),
                    None => None,
                };
                (MetricKind::LeakRate(id.0, at), "kg_per_day")
            }
            MetricKindWire::MassLost(c) => {
                let c = match c {
                    None => None,
                    Some(spanned) => {
                        let name = self.get(spanned, item)?;
                        match net.compartment(name) {
                            Some(c) => Some(c.0),
                            None => {
                                let hint = crate::suggest::did_you_mean(
                                    name,
                                    net.compartments.iter().map(|c| c.name.as_str()),
                                )
                                .map(|s| format!("did you mean '{s}'?"));
                                self.err(
                                    spanned.span,
                                    item,
                                    format!("refers to compartment '{}', which the base scenario does not have", clip(name)),
                                    None,
                                    hint,
                                );
                                return None;
                            }
                        }
                    }
                };
                (MetricKind::MassLost(c), "kg")
            }
            MetricKindWire::Reversals(l) => {
                (MetricKind::Reversals(LinkId(link(self, l)?.0)), "count")
            }
            MetricKindWire::FirstReversal(l) => {
                (MetricKind::FirstReversal(LinkId(link(self, l)?.0)), "s")
            }
            MetricKindWire::FlowDirection(l) => {
                (MetricKind::FlowDirection(link(self, l)?.0), "sign")
            }
            // Checked against the metrics before it, in `derived.rs`.
            MetricKindWire::Derived(_) => return None,
        };
        Some(Metric {
            name: name.to_string(),
            kind,
            unit,
        })
    }
}

pub(super) fn spaced(a: f64, b: f64, n: usize, log: bool) -> Vec<f64> {
    if n == 1 {
        return vec![a];
    }
    // numpy's linspace/logspace arithmetic, with the ends exact.
    (0..n)
        .map(|k| {
            let f = k as f64 / (n - 1) as f64;
            if k == 0 {
                a
            } else if k == n - 1 {
                b
            } else if log {
                10f64.powf(a.log10() + f * (b.log10() - a.log10()))
            } else {
                a + f * (b - a)
            }
        })
        .collect()
}

/// The plots of a sweep file that names none: at most four, about the first metric (the one
/// the file lists first is taken to be the question): the band of the kept trajectories, the
/// heatmap over the first two parameters and the tornado (what drives it), when there are
/// two or more, and its histogram.
/// A file lists more with `plots: [...]`.
pub(super) fn default_plots(
    params: &[Param],
    metrics: &[Metric],
    band: bool,
) -> Vec<SweepPlotWire> {
    let mut plots = Vec::new();
    if band {
        plots.push(SweepPlotWire::Band);
    }
    if let Some(m) = metrics.first() {
        if params.len() >= 2 {
            plots.push(SweepPlotWire::Heatmap {
                x: params[0].path.clone(),
                y: params[1].path.clone(),
                metric: m.name.clone(),
            });
            // With one parameter a tornado is a single bar: left out.
            plots.push(SweepPlotWire::Tornado(m.name.clone()));
        }
        plots.push(SweepPlotWire::Histogram(m.name.clone()));
    }
    plots
}

pub(super) fn quantity_unit(q: Quantity) -> &'static str {
    match q {
        Quantity::Pressure(_) | Quantity::PartialPressure(..) | Quantity::Average(_) => "Pa",
        Quantity::Temperature(_) => "K",
        Quantity::Mass(_) => "kg",
        Quantity::MassFlow(_) => "kg_per_s",
    }
}

pub(super) fn quantity_dimension(q: Quantity) -> Dimension {
    match q {
        Quantity::Pressure(_) | Quantity::PartialPressure(..) | Quantity::Average(_) => {
            Dimension::Pressure
        }
        Quantity::Temperature(_) => Dimension::Temperature,
        Quantity::Mass(_) => Dimension::Mass,
        Quantity::MassFlow(_) => Dimension::MassFlow,
    }
}

/// Resolve a quantity path ([`paths::QuantityPath`]) against the base network, in the
/// words sweeps have always used: errors are a message and a hint.
pub fn resolve_quantity(net: &Network, text: &str) -> Result<Quantity, (String, Option<String>)> {
    let not_a_quantity =
        |hint: &str| Err((format!("'{text}' is not a quantity"), Some(hint.into())));
    match paths::quantity(text, net) {
        Ok((q, _)) => Ok(q),
        Err(e) => match e.reason {
            Reason::UnknownName | Reason::NotAQuantity => {
                let name = text.split('.').next().unwrap_or(text);
                let kinds = [paths::NameKind::Compartment, paths::NameKind::Link];
                let hint = paths::Names::suggest(net, name, &kinds)
                    .map(|s| format!("did you mean '{s}'?"));
                Err((
                    format!("'{name}' is neither a compartment nor a link of the base scenario"),
                    hint,
                ))
            }
            Reason::UnknownSpecies => {
                let sp = text.splitn(3, '.').nth(2).unwrap_or_default();
                Err((format!("no species '{sp}' in the gas table"), None))
            }
            Reason::UnknownField if text.split('.').count() <= 3 => not_a_quantity(
                "use NAME.pressure, NAME.temperature, NAME.mass or NAME.partial_pressure.SPECIES",
            ),
            _ => not_a_quantity("write it as NAME.pressure or LINK.mass_flow"),
        },
    }
}
