//! The report of a sweep: metric summaries, parameters, plots, the files, the sweep file and
//! its base scenario, provenance.

use plenum_physics::Method;

use super::{Block, Figure, Page, Section, Table};
use crate::sample::Distribution;
use crate::sweep::{param_shown, MetricSummary, Mode, Results, Sweep, Values};
use crate::units::format_significant;

/// What a sweep report is made of.
#[derive(Debug, Clone)]
pub struct SweepInput<'a> {
    pub sweep: &'a Sweep,
    /// The numbers of the successful runs (and the count of failed ones).
    pub results: &'a Results,
    /// [`crate::sweep::metric_summaries`] of the results.
    pub metrics: &'a [MetricSummary],
    /// The plots drawn, in order.
    pub figures: Vec<Figure>,
}

fn g(x: f64) -> String {
    format_significant(x, 4)
}

/// How parameter `j` is varied, in words and its display unit.
fn varied(sweep: &Sweep, j: usize) -> String {
    let s = param_shown(sweep, j);
    let v = |x: f64| g(s.value(x));
    let bounds = |min: &Option<f64>, max: &Option<f64>| match (min, max) {
        (None, None) => String::new(),
        (a, b) => format!(
            ", truncated to {} .. {}",
            a.map_or("-".into(), v),
            b.map_or("-".into(), v)
        ),
    };
    match &sweep.params[j].values {
        Values::Discrete(list) => {
            let lo = list.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = list.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{} values, {} .. {}", list.len(), v(lo), v(hi))
        }
        Values::Random(d) => match d {
            Distribution::Uniform { min, max } => format!("uniform, {} .. {}", v(*min), v(*max)),
            Distribution::LogUniform { min, max } => {
                format!("log-uniform, {} .. {}", v(*min), v(*max))
            }
            Distribution::Normal { mean, sd, min, max } => format!(
                "normal, mean {}, sd {}{}",
                v(*mean),
                g(s.value(*sd) - s.value(0.0)),
                bounds(min, max)
            ),
            Distribution::LogNormal {
                median,
                sigma,
                min,
                max,
            } => format!(
                "log-normal, median {}, sigma of ln {}{}",
                v(*median),
                g(*sigma),
                bounds(min, max)
            ),
            Distribution::Triangular { min, mode, max } => {
                format!("triangular, {} .. {} .. {}", v(*min), v(*mode), v(*max))
            }
        },
    }
}

/// The report page of a sweep.
pub fn sweep_page(input: &SweepInput<'_>) -> Page {
    let sw = input.sweep;
    let r = input.results;
    let ok = r.metrics.first().map_or(0, Vec::len);
    let mode = match sw.mode {
        Mode::Grid => "grid".to_string(),
        Mode::MonteCarlo(n) => format!("Monte Carlo, {n} samples"),
        Mode::LatinHypercube(n) => format!("Latin hypercube, {n} samples"),
    };
    let lead = vec![format!(
        "{} runs of scenario '{}' ({mode}); {} parameters varied, {} metrics recorded; {} failed.",
        sw.len(),
        sw.base.name,
        sw.params.len(),
        sw.metrics.len(),
        r.failed
    )];
    let mut sections = Vec::new();

    let rows = input
        .metrics
        .iter()
        .map(|m| {
            let o = |x: Option<f64>| x.map_or("-".into(), g);
            vec![
                m.name.clone(),
                m.unit.clone(),
                o(m.median),
                o(m.p5),
                o(m.p95),
                format!("{} of {ok}", m.values),
            ]
        })
        .collect();
    sections.push(Section {
        heading: "Metrics".into(),
        blocks: vec![
            Block::Text(format!(
                "Over the {ok} successful runs, in display units; a run without a value (a threshold never crossed) is left out of the median and range. {}",
                match r.failed {
                    0 => "No run failed.".to_string(),
                    1 => "1 run failed (its row in runs.csv says why).".to_string(),
                    n => format!("{n} runs failed (their rows in runs.csv say why)."),
                }
            )),
            Block::Table(Table {
                caption: None,
                header: ["metric", "unit", "median", "5 %", "95 %", "runs with a value"]
                    .map(String::from)
                    .to_vec(),
                rows,
                text_columns: vec![1],
            }),
        ],
    });

    let rows = sw
        .params
        .iter()
        .enumerate()
        .map(|(j, p)| vec![p.path.clone(), p.display_unit.clone(), varied(sw, j)])
        .collect();
    sections.push(Section {
        heading: "Parameters".into(),
        blocks: vec![Block::Table(Table {
            caption: None,
            header: ["parameter", "unit", "varied as"]
                .map(String::from)
                .to_vec(),
            rows,
            text_columns: vec![1, 2],
        })],
    });

    if !input.figures.is_empty() {
        sections.push(Section {
            heading: "Plots".into(),
            blocks: input.figures.iter().cloned().map(Block::Figure).collect(),
        });
    }

    let mut files = vec![
        (
            "runs.csv".to_string(),
            "one row per run, SI units named in the column names".to_string(),
        ),
        (
            crate::sweep::DISPLAY_TABLE.to_string(),
            "the same rows in display units (unit in each column name)".to_string(),
        ),
    ];
    if sw.trajectories.is_some() {
        files.push((
            "trajectories.csv".into(),
            "the kept trajectories (run, time_s, value)".into(),
        ));
    }
    sections.push(Section {
        heading: "Files".into(),
        blocks: vec![Block::Facts(files)],
    });

    sections.push(Section {
        heading: "Sweep file".into(),
        blocks: vec![Block::Source {
            caption: sw.file.clone(),
            text: sw.source.clone(),
        }],
    });
    sections.push(Section {
        heading: "Base scenario".into(),
        blocks: vec![Block::Source {
            caption: sw.base.file.clone(),
            text: sw.base.source.clone(),
        }],
    });

    let st = &sw.base.config.settings;
    let facts = vec![
        (
            "plenum version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("sweep file".into(), sw.file.clone()),
        ("sweep file SHA-256".into(), sw.sha256.clone()),
        ("base scenario".into(), sw.base.file.clone()),
        ("base scenario SHA-256".into(), sw.base.sha256.clone()),
        ("seed".into(), sw.seed.to_string()),
        (
            "solver".into(),
            match st.method {
                Method::Bdf => "BDF".into(),
                Method::Dopri5 => "Dopri5".into(),
            },
        ),
        ("relative tolerance".into(), format_significant(st.rtol, 6)),
        (
            "absolute tolerance".into(),
            format!("{} Pa", format_significant(st.atol_pressure, 6)),
        ),
        ("step budget per run".into(), st.max_steps.to_string()),
    ];
    sections.push(Section {
        heading: "Provenance".into(),
        blocks: vec![Block::Facts(facts)],
    });
    Page {
        title: format!("Plenum sweep: {}", sw.name),
        lead,
        sections,
    }
}

/// [`sweep_page`] as HTML.
pub fn sweep_html(input: &SweepInput<'_>) -> String {
    sweep_page(input).to_html()
}
