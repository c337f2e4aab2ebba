//! Loading a sweep file and checking it against its base scenario.

use std::path::{Path, PathBuf};

use plenum_physics::{Network, NetworkParts};

use super::check_items::default_plots;
use super::check_items::resolve_quantity;
use super::*;
use crate::diag::{clip, read_source, Diagnostic, Diagnostics, Sink, SourceIndex};
use crate::paths::{apply, resolve_path_in, Target};
use crate::sample::permutation;
use crate::scenario::{byte_offset, ron_options, Span, Spanned, Q};
use crate::scenario::{describe_at, fmt_number, load, wire_diagnostic, Loaded};
use crate::units::{parse_quantity, Dimension};

/// Read and check a sweep file and its base scenario; every problem at once.
pub fn load_sweep(path: &Path, force: bool) -> Result<Sweep, Diagnostics> {
    let file = path.display().to_string();
    let src = read_source(path)?;
    let wire: SweepWire = match ron_options().from_str(&src) {
        Ok(w) => w,
        Err(e) => {
            let off = byte_offset(&src, e.span.start);
            let (message, expected, hint) = describe_at(&e.code, &src, off);
            let mut d = Diagnostics::new(&file);
            d.list.push(Diagnostic {
                location: Some(SourceIndex::new(&src).locate(off, off + 1)),
                item: None,
                message,
                expected: expected.or_else(|| Some("a sweep file: Sweep(base: \"scenario.ron\", mode: ..., parameters: [...], metrics: [...])".into())),
                hint: hint.or_else(|| Some("see docs/sweeps.md".into())),
            });
            return Err(d);
        }
    };
    let base_path = path
        .parent()
        .map_or_else(|| PathBuf::from(&wire.base), |p| p.join(&wire.base));
    let base = load(&base_path)?;
    let mut c = Checker {
        sink: Sink::new(&src),
    };
    let sweep = c.check(&wire, base, &file, force);
    match sweep {
        Some(mut s) if c.sink.list.is_empty() => {
            s.sha256 = crate::output::safety::sha256_hex(src.as_bytes());
            s.source = src.clone();
            Ok(s)
        }
        _ => Err(Diagnostics {
            file,
            list: c.sink.list,
        }),
    }
}

/// Checks a parsed sweep file against its base scenario; every problem is located by the
/// span the parser recorded for the value at fault.
pub(super) struct Checker<'s> {
    pub(super) sink: Sink<'s>,
}

impl Checker<'_> {
    /// Record a problem at `span` concerning `item`.
    pub(super) fn err(
        &mut self,
        span: Span,
        item: &str,
        message: impl Into<String>,
        expected: Option<String>,
        hint: Option<String>,
    ) {
        let b = self.sink.error(span, Some(item), message);
        let b = match expected {
            Some(e) => b.expected(e),
            None => b,
        };
        b.maybe_hint(hint);
    }

    /// The value of a spanned entry, or a located report of why its text did not parse.
    pub(super) fn get<'a, T>(&mut self, v: &'a Spanned<T>, item: &str) -> Option<&'a T> {
        match &v.value {
            Ok(x) => Some(x),
            Err(e) => {
                let d = wire_diagnostic(&self.sink, e, Some(item));
                self.sink.list.push(d);
                None
            }
        }
    }

    /// A value in SI and the unit it was written in; refuses what is not finite and what is
    /// too small or too large to be physical ([`Dimension::magnitude_limits`]).
    pub(super) fn q(
        &mut self,
        v: &Spanned<Q>,
        dim: Dimension,
        item: &str,
    ) -> Option<(f64, Option<String>)> {
        let q = self.get(v, item)?;
        let (x, unit) = match q {
            Q::Number(x) => (*x, None),
            Q::Text(t) => match parse_quantity(t, dim) {
                Ok(x) => (x, t.split_whitespace().nth(1).map(String::from)),
                Err(e) => {
                    self.err(
                        v.span,
                        item,
                        e.to_string(),
                        Some(format!("{}, e.g. '{}'", dim.with_article(), dim.example())),
                        None,
                    );
                    return None;
                }
            },
        };
        let written = match q {
            Q::Number(v) => fmt_number(*v),
            Q::Text(t) => format!("'{t}'"),
        };
        if !x.is_finite() {
            self.err(
                v.span,
                item,
                format!("{written} is not a finite number"),
                Some(format!("{}, e.g. '{}'", dim.with_article(), dim.example())),
                None,
            );
            return None;
        }
        let (lo, hi) = dim.magnitude_limits();
        if x != 0.0 && !(lo..=hi).contains(&x.abs()) {
            let what = if x.abs() < lo {
                "too small to be physical"
            } else {
                "too large to be physical"
            };
            let unit_si = dim.si_unit();
            self.err(
                v.span,
                item,
                format!("{written} is {what}"),
                Some(format!(
                    "0 or a magnitude between {} and {}",
                    format!("{lo:e} {unit_si}").trim_end(),
                    format!("{hi:e} {unit_si}").trim_end()
                )),
                Some("check the exponent and the unit".into()),
            );
            return None;
        }
        Some((x, unit))
    }

    /// Whether the base model accepts `x` for `target` (the physics' own checks: a
    /// negative area, a discharge coefficient above 1, ...); a located problem if not, so
    /// that a bad value is refused before anything runs rather than failing every run.
    pub(super) fn admissible(
        &mut self,
        parts: &NetworkParts,
        target: &Target,
        x: f64,
        span: Span,
        item: &str,
    ) -> bool {
        if matches!(target, Target::Named(_)) {
            // Checked against the whole scenario in `named_admissible`.
            return true;
        }
        let mut p = parts.clone();
        let problem = match apply(&mut p, target, x) {
            Err(e) => Some(e),
            Ok(()) => Network::new(p).err().map(|errs| {
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            }),
        };
        match problem {
            None => true,
            Some(msg) => {
                self.err(
                    span,
                    item,
                    format!(
                        "the value {} (SI) is refused by the base scenario: {msg}",
                        fmt_number(x)
                    ),
                    Some("values the varied field accepts".into()),
                    None,
                );
                false
            }
        }
    }

    /// For a named parameter: whether the scenario, checked again with the smallest and the
    /// largest value, accepts them (every value written over the parameter moves with it).
    fn named_admissible(&mut self, base: &Loaded, p: &Param, span: Span, item: &str) -> bool {
        let Target::Named(name) = &p.target else {
            return true;
        };
        let Values::Discrete(vals) = &p.values else {
            return true;
        };
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for x in [lo, hi] {
            if let Err(d) = super::worker::with_parameters(base, &[(name, x, p.dim)]) {
                let why: Vec<String> = d
                    .list
                    .iter()
                    .map(|d| match &d.item {
                        Some(i) => format!("{i}: {}", d.message),
                        None => d.message.clone(),
                    })
                    .collect();
                self.err(
                    span,
                    item,
                    format!(
                        "the value {} (SI) is refused by the base scenario: {}",
                        fmt_number(x),
                        why.join("; ")
                    ),
                    Some("values the scenario accepts for the parameter".into()),
                    None,
                );
                return false;
            }
        }
        true
    }

    pub(super) fn check(
        &mut self,
        w: &SweepWire,
        base: Loaded,
        file: &str,
        force: bool,
    ) -> Option<Sweep> {
        let mut params = Vec::new();
        let mut path_spans = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let param_list = self.get(&w.parameters, "sweep");
        for p in param_list.into_iter().flatten() {
            let Some(p) = self.get(p, "parameter") else {
                continue;
            };
            let Some(path) = self.get(&p.path, "parameter") else {
                continue;
            };
            let item = format!("parameter '{}'", clip(path));
            if !seen.insert(path.clone()) {
                self.err(
                    p.path.span,
                    &item,
                    "is varied twice",
                    Some("each path once".into()),
                    None,
                );
                continue;
            }
            let (target, dim) = match resolve_path_in(&base.parts, &base.parameters, path) {
                Ok(t) => t,
                Err(e) => {
                    self.err(p.path.span, &item, e.message, e.expected, e.hint);
                    continue;
                }
            };
            let Some(values) = self.get(&p.values, &item) else {
                continue;
            };
            if let Some(param) =
                self.values(values, p.values.span, path, target, dim, &item, &base.parts)
            {
                if !self.named_admissible(&base, &param, p.values.span, &item) {
                    continue;
                }
                params.push(param);
                path_spans.push(p.path.span);
            }
        }
        if param_list.is_some_and(|l| l.is_empty()) {
            self.err(
                w.parameters.span,
                "sweep",
                "varies no parameter",
                Some("at least one entry in parameters".into()),
                None,
            );
        }
        let mode = match self.get(&w.mode, "sweep") {
            None => None,
            Some(ModeWire::Grid) => {
                for (p, span) in params.iter().zip(&path_spans) {
                    if matches!(p.values, Values::Random(_)) {
                        self.err(
                            *span,
                            &format!("parameter '{}'", clip(&p.path)),
                            "is a distribution, which a Grid cannot enumerate",
                            Some("List, Linear, Log or Step values in a Grid".into()),
                            Some(
                                "use mode: MonteCarlo(N) or LatinHypercube(N) to sample distributions"
                                    .into(),
                            ),
                        );
                    }
                }
                Some(Mode::Grid)
            }
            Some(ModeWire::MonteCarlo(0) | ModeWire::LatinHypercube(0)) => {
                self.err(
                    w.mode.span,
                    "sweep",
                    "asks for 0 samples",
                    Some("a sample count >= 1".into()),
                    None,
                );
                None
            }
            Some(ModeWire::MonteCarlo(n)) => Some(Mode::MonteCarlo(*n)),
            Some(ModeWire::LatinHypercube(n)) => Some(Mode::LatinHypercube(*n)),
        };
        let net = &base.network;
        let mut metrics = Vec::new();
        let mut names = std::collections::HashSet::new();
        let metric_list = self.get(&w.metrics, "sweep");
        for m in metric_list.into_iter().flatten() {
            let Some(m) = self.get(m, "metric") else {
                continue;
            };
            let Some(name) = self.get(&m.name, "metric") else {
                continue;
            };
            let item = format!("metric '{}'", clip(name));
            if !names.insert(name.clone()) {
                self.err(
                    m.name.span,
                    &item,
                    "duplicate metric name",
                    Some("each metric with its own name".into()),
                    None,
                );
            }
            let Some(of) = self.get(&m.of, &item) else {
                continue;
            };
            let metric = match of {
                MetricKindWire::Derived(e) => self.derived(name, e, &metrics, &names, &item),
                _ => self.metric(name, of, m.of.span, net, base.config.duration_s, &item),
            };
            if let Some(metric) = metric {
                metrics.push(metric);
            }
        }
        if metric_list.is_some_and(|l| l.is_empty()) {
            self.err(
                w.metrics.span,
                "sweep",
                "records no metric",
                Some("at least one entry in metrics".into()),
                None,
            );
        }
        let trajectories = match &w.trajectories {
            None => None,
            Some(ts) => match self.get(ts, "trajectories") {
                None => None,
                Some(t) => {
                    if t.count > MAX_TRAJECTORIES {
                        self.err(
                            ts.span,
                            "trajectories",
                            format!("keeps {} trajectories", t.count),
                            Some(format!("at most {MAX_TRAJECTORIES}")),
                            None,
                        );
                    }
                    match self.get(&t.quantity, "trajectories") {
                        None => None,
                        Some(text) => match resolve_quantity(net, text) {
                            Ok(q) => Some((q, text.clone(), t.count.min(MAX_TRAJECTORIES))),
                            Err((msg, hint)) => {
                                self.err(t.quantity.span, "trajectories", msg, None, hint);
                                None
                            }
                        },
                    }
                }
            },
        };
        let plots: Vec<(SweepPlotWire, Span)> = match &w.plots {
            Some(list) => list
                .iter()
                .filter_map(|p| self.get(p, "plot").map(|x| (x.clone(), p.span)))
                .collect(),
            None => default_plots(&params, &metrics, trajectories.is_some())
                .into_iter()
                .map(|p| (p, Span::UNKNOWN))
                .collect(),
        };
        for (p, span) in &plots {
            let (metric, paths): (&str, Vec<&str>) = match p {
                SweepPlotWire::Band => {
                    if w.trajectories.is_none() {
                        self.err(
                            *span,
                            "plot Band",
                            "needs trajectories",
                            Some("trajectories: (quantity: \"prk.pressure\", count: 50)".into()),
                            None,
                        );
                    }
                    continue;
                }
                SweepPlotWire::Heatmap { x, y, metric } => (metric, vec![x, y]),
                SweepPlotWire::Histogram(m) | SweepPlotWire::Tornado(m) => (m, vec![]),
            };
            if !metrics.iter().any(|m| m.name == metric) {
                let hint =
                    crate::suggest::did_you_mean(metric, metrics.iter().map(|m| m.name.as_str()))
                        .map(|s| format!("did you mean '{s}'?"));
                self.err(
                    *span,
                    "plot",
                    format!(
                        "refers to metric '{}', which the sweep does not record",
                        clip(metric)
                    ),
                    None,
                    hint,
                );
            }
            for path in paths {
                if !params.iter().any(|p| p.path == path) {
                    self.err(
                        *span,
                        "plot Heatmap",
                        format!(
                            "refers to parameter '{}', which the sweep does not vary",
                            clip(path)
                        ),
                        None,
                        None,
                    );
                }
            }
        }
        if !self.sink.list.is_empty() {
            return None;
        }
        let mut sweep = Sweep {
            file: file.to_string(),
            name: w
                .name
                .clone()
                .unwrap_or_else(|| format!("{}-sweep", base.name)),
            seed: w.seed,
            mode: mode?,
            params,
            metrics,
            trajectories,
            plots: plots.into_iter().map(|(p, _)| p).collect(),
            base,
            sha256: String::new(),
            source: String::new(),
            lhs: Vec::new(),
        };
        let n = sweep.len();
        if n == 0 {
            self.err(
                w.parameters.span,
                "sweep",
                "has no runs (a parameter has no values)",
                None,
                None,
            );
            return None;
        }
        if n > MAX_RUNS && !force {
            self.err(
                w.mode.span,
                "sweep",
                format!("has {n} runs, more than the cap of {MAX_RUNS}"),
                Some(format!("at most {MAX_RUNS} runs")),
                Some(
                    "pass --force to run it anyway (memory stays flat; time grows with the run count)"
                        .into(),
                ),
            );
            return None;
        }
        if let Mode::LatinHypercube(n) = sweep.mode {
            sweep.lhs = (0..sweep.params.len())
                .map(|j| permutation(sweep.seed, j as u64, n))
                .collect();
        }
        Some(sweep)
    }
}
