//! The profile-likelihood curves on disk: `profiles.csv` (tidy, one row per point), the
//! `profile` entry of each parameter in `fit.json`, and one chart per hypothesis
//! (`profile-HYP.png/svg`, a panel per free parameter). Written by
//! [`super::write::write_fit`] into its staging directory, only where the fit computed
//! profiles (its `profile` option, on by default).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::solve::{FitResult, HypothesisFit, Profile, PROFILE_DELTA};
use super::write::pick_unit;
use super::Fit;
use crate::output::charts::write_chart;
use crate::output::error::OutputError;
use crate::plot::{ProfileChart, ProfilePanel};
use crate::units;

/// Whether any hypothesis has a profile curve to write.
pub fn any(result: &FitResult) -> bool {
    result
        .hypotheses
        .iter()
        .any(|h| h.profiles.iter().any(|p| !p.points.is_empty()))
}

/// Tidy: `hypothesis,parameter,si_unit,value,delta_chi2,kind`, each curve sorted by value.
pub fn profiles_csv(result: &FitResult) -> String {
    let mut s = String::from("hypothesis,parameter,si_unit,value,delta_chi2,kind\n");
    for h in &result.hypotheses {
        for (e, p) in h.estimates.iter().zip(&h.profiles) {
            for q in &p.points {
                let _ = writeln!(
                    s,
                    "{},{},{},{:e},{:e},{}",
                    h.name,
                    e.path,
                    e.dim.si_unit(),
                    q.value,
                    q.delta_chi2,
                    q.kind.as_str()
                );
            }
        }
    }
    s
}

/// The `profile` entry of a parameter in `fit.json`: the level and the points (SI).
pub fn profile_json(p: &Profile) -> Value {
    json!({
        "delta_chi2_95": PROFILE_DELTA,
        "points": p.points.iter().map(|q| json!({
            "value": q.value,
            "delta_chi2": q.delta_chi2,
            "kind": q.kind.as_str(),
        })).collect::<Vec<_>>(),
    })
}

/// Add the `profile` entries to the `hypotheses[].parameters[]` of `fit.json` ([`to_json`]
/// of [`super::write`]) where the fit computed them.
///
/// [`to_json`]: super::write::to_json
pub fn add_to_json(out: &mut Value, result: &FitResult) {
    for (i, h) in result.hypotheses.iter().enumerate() {
        for (j, p) in h.profiles.iter().enumerate() {
            if let Some(e) = out["hypotheses"][i]["parameters"].get_mut(j) {
                e["profile"] = profile_json(p);
            }
        }
    }
}

/// The chart of one hypothesis: a panel per free parameter, in display units (the log
/// parameters' Wald parabola in ln x, where their interval is symmetric).
pub fn chart(fit: &Fit, h: &HypothesisFit) -> ProfileChart {
    let panels = h
        .estimates
        .iter()
        .zip(&h.profiles)
        .map(|(e, p)| {
            let unit = pick_unit(e.dim, e.value);
            let d = |x: f64| units::to_display(x, unit, e.dim).unwrap_or(x);
            let se = e.se.map(|s| {
                if e.log {
                    s / e.value
                } else {
                    d(e.value + s) - d(e.value)
                }
            });
            ProfilePanel {
                x_label: if unit.is_empty() {
                    e.path.clone()
                } else {
                    format!("{} ({unit})", e.path)
                },
                log_x: e.log,
                curve: p
                    .points
                    .iter()
                    .map(|q| (d(q.value), q.delta_chi2))
                    .collect(),
                best: d(e.value),
                se,
                level: PROFILE_DELTA,
                ends: (e.profile_lower95.map(d), e.profile_upper95.map(d)),
            }
        })
        .collect();
    ProfileChart {
        title: format!(
            "{}: profile likelihood of {} (chi^2 over its best)",
            fit.name, h.name
        ),
        panels,
    }
}

/// Draw each profiled hypothesis's chart into `dir` (`profile-HYP.png` and `.svg`); returns
/// the paths written there.
pub fn write_charts(
    fit: &Fit,
    result: &FitResult,
    dir: &Path,
) -> Result<Vec<PathBuf>, OutputError> {
    let mut files = Vec::new();
    for h in &result.hypotheses {
        if h.profiles.iter().all(|p| p.points.is_empty()) {
            continue;
        }
        let name = format!("profile-{}", h.name);
        let written = write_chart(&chart(fit, h), &dir.join(&name))
            .map_err(|source| OutputError::Plot { name, source })?;
        files.extend(written);
    }
    Ok(files)
}
