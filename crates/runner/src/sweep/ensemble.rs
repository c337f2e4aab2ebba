//! The sweep engine for runs that do not come from a sweep file: a list of metrics written in
//! another file (the `predict` section of a fit file), checked with the sweep's own checks
//! and located in that file, and measured on a model built elsewhere (a fitted hypothesis at
//! one draw of its parameters). Everything a sweep metric can say, a prediction can say, in
//! the same words.

use plenum_physics::{Network, Quantity};

use super::check::Checker;
use super::*;
use crate::diag::{clip, Diagnostic, Sink};
use crate::scenario::{Loaded, Spanned};

/// Check `list` (metrics as a sweep file writes them, parsed from `src`) against `net`, for a
/// run of `duration` seconds; every problem is located in `src`.
pub fn check_metrics(
    src: &str,
    list: &Spanned<Vec<Spanned<MetricWire>>>,
    net: &Network,
    duration: f64,
    what: &str,
) -> Result<Vec<Metric>, Vec<Diagnostic>> {
    let mut c = Checker {
        sink: Sink::new(src),
    };
    let mut metrics: Vec<Metric> = Vec::new();
    let mut names = std::collections::HashSet::new();
    let entries = c.get(list, what).map(Vec::as_slice).unwrap_or_default();
    if entries.is_empty() && list.value.is_ok() {
        c.err(
            list.span,
            what,
            "lists nothing to predict",
            Some("at least one entry, e.g. (name: \"t_200\", of: TimeTo(quantity: \"prk.pressure\", below: \"200 mmHg\"))".into()),
            None,
        );
    }
    for entry in entries {
        let Some(m) = c.get(entry, what) else {
            continue;
        };
        let Some(name) = c.get(&m.name, what) else {
            continue;
        };
        let item = format!("{what} '{}'", clip(name));
        if !names.insert(name.clone()) {
            let expected = Some("each with its own name".to_string());
            c.err(m.name.span, &item, "is declared twice", expected, None);
            continue;
        }
        let Some(of) = c.get(&m.of, &item) else {
            continue;
        };
        let checked = if let MetricKindWire::Derived(e) = of {
            c.derived(name, e, &metrics, &names, &item)
        } else {
            c.metric(name, of, m.of.span, net, duration, &item)
        };
        metrics.extend(checked);
    }
    if c.sink.list.is_empty() {
        Ok(metrics)
    } else {
        Err(c.sink.list)
    }
}

/// What one run measured: each metric's value (`None`: a threshold never crossed, no
/// reversal) and, when asked for, one quantity at the output times.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub values: Vec<Option<f64>>,
    pub trajectory: Option<Vec<(f64, f64)>>,
}

/// Run `model` (its parts, settings, duration and output interval as given) and measure
/// `metrics` on it, as a sweep measures a run; keep `keep` at every output time.
pub fn measure(
    model: Loaded,
    metrics: &[Metric],
    keep: Option<Quantity>,
) -> Result<Measured, String> {
    let sweep = Sweep {
        file: String::new(),
        name: model.name.clone(),
        seed: 0,
        mode: Mode::MonteCarlo(1),
        params: Vec::new(),
        metrics: metrics.to_vec(),
        trajectories: keep.map(|q| (q, String::new(), 1)),
        plots: Vec::new(),
        base: model,
        sha256: String::new(),
        source: String::new(),
        lhs: Vec::new(),
    };
    let (values, trajectory) = worker::execute(&sweep, &[], keep.is_some())?;
    Ok(Measured { values, trajectory })
}
