//! Rank statistics for the tornado chart, percentiles, and the summary of each metric.
//!
//! Hand-written rather than taken from a statistics crate: a dozen lines over average-tie
//! ranks, exact, and no dependency for one coefficient.

use super::{metric_shown, Results, Sweep};
use crate::units::format_significant;

/// Spearman rank correlation (average ranks for ties); NaN pairs are skipped.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    if pairs.len() < 3 {
        return f64::NAN;
    }
    let rx = ranks(&pairs.iter().map(|p| p.0).collect::<Vec<_>>());
    let ry = ranks(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    pearson(&rx, &ry)
}

pub(super) fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|a, b| v[*a].total_cmp(&v[*b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

pub(super) fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
}

/// The `p`-th percentile (0 to 100) of `sorted` (ascending, finite), interpolated linearly
/// between order statistics; NaN when empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let x = p / 100.0 * (sorted.len() - 1) as f64;
    let (i, f) = (x.floor() as usize, x - x.floor());
    if i + 1 < sorted.len() {
        sorted[i] * (1.0 - f) + sorted[i + 1] * f
    } else {
        sorted[i]
    }
}

/// What a sweep says about one metric, in its display unit: the median and the 5-95 % range
/// over the runs that gave it a value.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSummary {
    pub name: String,
    /// Display unit (`mmHg`, `day`, `kg/day`, `count`, ...).
    pub unit: String,
    /// `None` when no run gave the metric a value.
    pub median: Option<f64>,
    pub p5: Option<f64>,
    pub p95: Option<f64>,
    /// Successful runs with a value.
    pub values: usize,
    /// Successful runs without one (a threshold never crossed, no reversal).
    pub empty: usize,
}

/// The summary of every metric of a finished sweep, in display units.
pub fn metric_summaries(sweep: &Sweep, results: &Results) -> Vec<MetricSummary> {
    sweep
        .metrics
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let shown = metric_shown(sweep, k);
            let col = results.metrics.get(k).map_or(&[][..], Vec::as_slice);
            let mut v: Vec<f64> = col
                .iter()
                .filter(|x| x.is_finite())
                .map(|x| shown.value(*x))
                .collect();
            v.sort_by(f64::total_cmp);
            let at = |p: f64| (!v.is_empty()).then(|| percentile(&v, p));
            MetricSummary {
                name: m.name.clone(),
                unit: shown.unit.clone(),
                median: at(50.0),
                p5: at(5.0),
                p95: at(95.0),
                values: v.len(),
                empty: col.len() - v.len(),
            }
        })
        .collect()
}

/// The printed summary of a sweep's metrics: one line each, then the failed runs.
pub fn summary_text(summaries: &[MetricSummary], ok_runs: usize, failed: usize) -> String {
    let num = |x: Option<f64>| x.map_or("-".to_string(), |v| format_significant(v, 4));
    let width = summaries
        .iter()
        .map(|m| m.name.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut s = format!(
        "metrics over the successful runs, in display units:\n  {:width$}  {:>12}  {:>25}  {:<10}  {}\n",
        "metric", "median", "5 % .. 95 %", "unit", "runs with a value"
    );
    for m in summaries {
        s.push_str(&format!(
            "  {:width$}  {:>12}  {:>25}  {:<10}  {} of {ok_runs}\n",
            m.name,
            num(m.median),
            format!("{} .. {}", num(m.p5), num(m.p95)),
            m.unit,
            m.values,
        ));
    }
    s.push_str(&format!(
        "  failed runs: {failed} of {}\n",
        ok_runs + failed
    ));
    s
}
