//! `report.html` of a fit, built from the report API every run and sweep uses
//! ([`crate::report`]): the verdict and the comparison table, the readings with each
//! hypothesis's fitted curve and the residuals inline, each hypothesis's parameters with
//! their intervals, profile-likelihood chart and correlations, the warnings, the readings and method, the files, the
//! base scenario and provenance.

use std::path::PathBuf;

use super::model::fit_settings;
use super::solve::FitResult;
use super::write::pick_unit;
use super::Fit;
use crate::report::{Block, Figure, Page, Section, Table};
use crate::units::{self, format_significant};

/// A difference of `x` SI (a noise, a residual) in `unit`: the same for absolute and
/// offset scales (degC).
fn difference(x: f64, unit: &str, dim: units::Dimension) -> Option<f64> {
    let f = units::unit_factor(unit, dim).ok()?;
    Some(f.from_si(x) - f.from_si(0.0))
}

fn g(x: f64) -> String {
    if x.is_finite() {
        format_significant(x, 4)
    } else {
        "-".into()
    }
}

/// The figures of the fit's charts among `files` (the `.svg` files written), captioned:
/// `fit*.svg` the readings over the fitted curves, `residuals*.svg` the residuals.
pub fn figures(files: &[PathBuf]) -> Vec<Figure> {
    files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .filter_map(|p| {
            let svg = std::fs::read_to_string(p).ok()?;
            let name = p.file_name()?.to_string_lossy().into_owned();
            if let Some(h) = name
                .strip_prefix("profile-")
                .and_then(|n| n.strip_suffix(".svg"))
            {
                return Some(Figure::from_svg(&profile_caption(h), &svg));
            }
            let what = if name.starts_with("residuals") {
                "Residuals: reading minus each hypothesis's fit"
            } else {
                "The readings and each hypothesis's fitted curve"
            };
            Some(Figure::from_svg(&format!("{what} ({name}, .png)"), &svg))
        })
        .collect()
}

/// The caption of hypothesis `h`'s profile chart (`profile-H.svg`): the parameters section
/// places it under that hypothesis's table by it.
fn profile_caption(h: &str) -> String {
    format!("Profile likelihood of {h}: chi^2 minimised over the other parameters, less the best fit's, against each parameter; the dashed line at 3.84 is the 95 % level, the red marks the profile interval's ends, the light dashed curve the Jacobian's (Wald) parabola (profile-{h}.svg, .png)")
}

/// The report page of a fit; `figures` are its charts ([`figures`]), `files` the names of
/// the files written beside it.
pub fn fit_page(fit: &Fit, result: &FitResult, figures: Vec<Figure>, files: &[String]) -> Page {
    let fitted = result
        .hypotheses
        .iter()
        .filter(|h| h.error.is_none())
        .count();
    let mut lead = vec![format!(
        "{} readings in {} file{}; {} hypotheses, {fitted} fitted; {} runs of scenario '{}'.",
        result.n,
        fit.readings.len(),
        if fit.readings.len() == 1 { "" } else { "s" },
        result.hypotheses.len(),
        result.runs,
        fit.base.name
    )];
    if let Some(d) = &fit.description {
        lead.insert(0, d.clone());
    }
    let mut sections = vec![verdict_section(fit, result)];
    let (mut profiles, figures): (Vec<Figure>, Vec<Figure>) = figures.into_iter().partition(|f| {
        result
            .hypotheses
            .iter()
            .any(|h| f.caption == profile_caption(&h.name))
    });
    if !figures.is_empty() {
        sections.push(Section {
            heading: "Readings and fits".into(),
            blocks: figures.into_iter().map(Block::Figure).collect(),
        });
    }
    sections.push(parameters_section(result, &mut profiles));
    sections.push(warnings_section(fit, result));
    sections.push(readings_section(fit));
    sections.push(Section {
        heading: "Files".into(),
        blocks: vec![Block::Facts(
            files
                .iter()
                .map(|f| (f.clone(), file_role(f).to_string()))
                .collect(),
        )],
    });
    sections.push(Section {
        heading: "Base scenario".into(),
        blocks: vec![Block::Source {
            caption: fit.base.file.clone(),
            text: fit.base.source.clone(),
        }],
    });
    sections.push(provenance_section(fit));
    Page {
        title: format!("Plenum fit: {}", fit.name),
        lead,
        sections,
    }
}

/// [`fit_page`] as HTML.
pub fn fit_html(fit: &Fit, result: &FitResult, figures: Vec<Figure>, files: &[String]) -> String {
    fit_page(fit, result, figures, files).to_html()
}

fn file_role(name: &str) -> &'static str {
    match name {
        "fit.json" => "everything, SI units, with provenance",
        "parameters.csv" => "one row per hypothesis and parameter (SI)",
        "comparison.csv" => {
            "one row per hypothesis: k, chi^2, AIC, AICc, BIC, their deltas and weights"
        }
        "fit-data.csv" => "one row per reading: each hypothesis's fitted value and residual",
        "summary.txt" => "the summary plenum fit prints",
        "profiles.csv" => "one row per point of each parameter's profile-likelihood curve (SI)",
        n if n.starts_with("profile-") => "profile-likelihood chart, a panel per parameter",
        n if n.starts_with("residuals") => "residuals chart",
        n if n.starts_with("fit") => "readings and fitted curves chart",
        _ => "",
    }
}

fn verdict_section(fit: &Fit, result: &FitResult) -> Section {
    let rows = result
        .comparison
        .scores
        .iter()
        .map(|c| {
            let rms = result
                .hypotheses
                .iter()
                .find(|h| h.name == c.name)
                .map(|h| {
                    fit.readings
                        .iter()
                        .zip(&h.rms)
                        .map(|(r, x)| {
                            difference(*x, &r.unit, r.dim)
                                .map_or("-".into(), |v| format!("{} {}", g(v), r.unit))
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            vec![
                c.name.clone(),
                c.k.to_string(),
                g(c.chi2),
                rms,
                g(c.aicc),
                g(c.delta),
                g(c.bic),
                format!("{:.3}", c.weight),
                format!("{:.3}", c.bic_weight),
            ]
        })
        .collect();
    Section {
        heading: "Verdict".into(),
        blocks: vec![
            Block::Text(format!("Verdict: {}.", result.comparison.verdict)),
            Block::Table(Table {
                caption: Some(
                    "Hypotheses compared: k free parameters, chi^2 of the weighted residuals, RMS residual per readings file, AICc and its difference from the best, BIC, Akaike weight (from AICc), BIC weight; the verdict uses the criterion named under Method"
                        .into(),
                ),
                header: [
                    "hypothesis",
                    "k",
                    "chi^2",
                    "RMS residual",
                    "AICc",
                    "delta AICc",
                    "BIC",
                    "Akaike weight",
                    "BIC weight",
                ]
                .map(String::from)
                .to_vec(),
                rows,
                text_columns: vec![3],
            }),
        ],
    }
}

/// The parameters of each hypothesis, each table followed by its profile chart (taken from
/// `profiles`).
fn parameters_section(result: &FitResult, profiles: &mut Vec<Figure>) -> Section {
    let mut blocks = vec![Block::Text(
        "Best values with their standard errors and 95 % intervals: from the Jacobian ((J^T W J)^-1, in log space for log parameters) and, where computed, from the profile likelihood (chi^2 risen by 3.84; 'bound' where it does not rise that far before the parameter's bound)."
            .into(),
    )];
    for h in &result.hypotheses {
        blocks.push(Block::Subheading(match &h.variant {
            Some(v) => format!("{} (variant '{v}')", h.name),
            None => h.name.clone(),
        }));
        if let Some(e) = &h.error {
            blocks.push(Block::Text(format!("Not fitted: {e}")));
            continue;
        }
        let rows = h
            .estimates
            .iter()
            .map(|e| {
                let unit = pick_unit(e.dim, e.value);
                let f = |x: f64| units::to_display(x, unit, e.dim).map_or("-".into(), g);
                let se = |x: f64| difference(x, unit, e.dim).map_or("-".into(), g);
                let o = |x: Option<f64>, none: &str| x.map_or(none.to_string(), f);
                vec![
                    e.path.clone(),
                    unit.to_string(),
                    f(e.value),
                    e.se.map_or("-".into(), se),
                    o(e.lower95, "-"),
                    o(e.upper95, "-"),
                    match (e.profile_lower95, e.profile_upper95) {
                        (None, None) => "-".into(),
                        (lo, hi) => format!("{} .. {}", o(lo, "bound"), o(hi, "bound")),
                    },
                    if e.at_bound { "at a bound" } else { "" }.into(),
                ]
            })
            .collect();
        blocks.push(Block::Table(Table {
            caption: None,
            header: [
                "parameter",
                "unit",
                "value",
                "standard error",
                "95 % lower",
                "95 % upper",
                "profile 95 %",
                "note",
            ]
            .map(String::from)
            .to_vec(),
            rows,
            text_columns: vec![1, 6, 7],
        }));
        let caption = profile_caption(&h.name);
        if let Some(k) = profiles.iter().position(|f| f.caption == caption) {
            blocks.push(Block::Figure(profiles.remove(k)));
        }
        if h.estimates.len() > 1 {
            let mut header = vec!["correlation".to_string()];
            header.extend(h.estimates.iter().map(|e| e.path.clone()));
            let rows = h
                .estimates
                .iter()
                .zip(&h.correlation)
                .map(|(e, row)| {
                    let mut r = vec![e.path.clone()];
                    r.extend(
                        row.iter()
                            .map(|c| c.map_or("-".into(), |c| format!("{c:.3}"))),
                    );
                    r
                })
                .collect();
            blocks.push(Block::Table(Table {
                caption: Some(format!("Correlations of the parameters of {}", h.name)),
                header,
                rows,
                text_columns: vec![],
            }));
        }
    }
    Section {
        heading: "Parameters".into(),
        blocks,
    }
}

fn warnings_section(fit: &Fit, result: &FitResult) -> Section {
    let mut blocks = Vec::new();
    for h in &result.hypotheses {
        if let Some(e) = &h.error {
            blocks.push(Block::Text(format!("{}: not fitted: {e}", h.name)));
        }
        if let Some(w) = &h.identifiability {
            blocks.push(Block::Text(format!("{}: {w}", h.name)));
        }
        for (e, p) in h.estimates.iter().zip(&h.profiles) {
            let low = p.points.iter().map(|q| q.delta_chi2).fold(0.0, f64::min);
            if low < -super::solve::PROFILE_BELOW {
                blocks.push(Block::Text(format!(
                    "{}: holding {} away from its best value, the other parameters reach a chi^2 lower by {}: the fit did not find its minimum even after restarting from its profiles, so its intervals are not meaningful (see its profile chart); try more starts or wider bounds.",
                    h.name, e.path, g(-low)
                )));
            }
        }
        for e in h.estimates.iter().filter(|e| e.at_bound) {
            blocks.push(Block::Text(format!(
                "{}: {} ended at a bound of its range; its interval is not meaningful there, widen the bounds or read it as a limit.",
                h.name, e.path
            )));
        }
        let dof = result.n.saturating_sub(h.estimates.len());
        if h.error.is_none() && dof > 0 && h.chi2 / dof as f64 > 2.0 {
            blocks.push(Block::Text(format!(
                "{}: chi^2/dof = {}: the fit leaves residuals larger than the stated sensor noise.",
                h.name,
                g(h.chi2 / dof as f64)
            )));
        }
    }
    for w in &fit.base.warnings {
        blocks.push(Block::Text(format!("base scenario: {w}")));
    }
    if blocks.is_empty() {
        blocks.push(Block::Text("None.".into()));
    }
    Section {
        heading: "Warnings".into(),
        blocks,
    }
}

fn readings_section(fit: &Fit) -> Section {
    let rows = fit
        .readings
        .iter()
        .map(|r| {
            let d = |x: f64| difference(x, &r.unit, r.dim).map_or("-".into(), g);
            vec![
                r.file.clone(),
                r.quantity.clone(),
                r.values.len().to_string(),
                r.unit.clone(),
                d(r.sensor.resolution),
                d(r.sensor.noise),
                d(r.sensor.bias),
                d(r.sigma()),
            ]
        })
        .collect();
    let settings = fit_settings(&fit.base.config.settings);
    Section {
        heading: "Readings and method".into(),
        blocks: vec![
            Block::Table(Table {
                caption: Some(
                    "Each readings file and its sensor model; sigma^2 = noise^2 + resolution^2/12"
                        .into(),
                ),
                header: [
                    "file",
                    "quantity",
                    "readings",
                    "unit",
                    "resolution",
                    "noise",
                    "bias",
                    "sigma",
                ]
                .map(String::from)
                .to_vec(),
                rows,
                text_columns: vec![1, 3],
            }),
            Block::Facts(vec![
                (
                    "estimator".into(),
                    "weighted least squares, Levenberg-Marquardt, bounds by clamping".into(),
                ),
                (
                    "gradients".into(),
                    "central finite differences of whole runs, step 1e-4 in the fitted coordinate"
                        .into(),
                ),
                (
                    "starts per hypothesis".into(),
                    format!(
                        "{} (the guess and {} Latin-hypercube points)",
                        1 + fit.starts,
                        fit.starts
                    ),
                ),
                ("seed".into(), fit.seed.to_string()),
                (
                    "profile-likelihood intervals".into(),
                    if fit.profile { "yes" } else { "no" }.into(),
                ),
                (
                    "comparison".into(),
                    format!(
                        "{} weights decide the verdict; AICc and BIC weights both shown",
                        fit.criterion.name()
                    ),
                ),
                (
                    "run tolerances".into(),
                    format!(
                        "rtol {}, atol {} Pa",
                        format_significant(settings.rtol, 3),
                        format_significant(settings.atol_pressure, 3)
                    ),
                ),
            ]),
        ],
    }
}

fn provenance_section(fit: &Fit) -> Section {
    let mut facts = vec![
        (
            "plenum version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("fit file".into(), fit.file.clone()),
        ("fit file SHA-256".into(), fit.sha256.clone()),
        ("base scenario".into(), fit.base.file.clone()),
        ("base scenario SHA-256".into(), fit.base.sha256.clone()),
    ];
    for r in &fit.readings {
        facts.push((format!("readings {} SHA-256", r.file), r.sha256.clone()));
    }
    Section {
        heading: "Provenance".into(),
        blocks: vec![Block::Facts(facts)],
    }
}
