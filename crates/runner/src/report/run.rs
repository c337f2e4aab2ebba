//! The report of one run: its summary as tables, its plots, its scenario and provenance.

use super::{Block, Figure, Page, Section, Table};
use crate::summary::{auto_flow_unit, cleaned, Provenance, SolverSummary, Summary};
use crate::units::{format_significant, to_display, Dimension};

/// Rows of the reversal and event tables, at most (a repeating event can fire thousands of
/// times; every one is in summary.json).
const MAX_ROWS: usize = 500;

const DAY: f64 = 86_400.0;

/// A number of `dim` given in SI, in `unit`, to 6 significant digits (SI when the unit is
/// unknown).
fn num(si: f64, unit: &str, dim: Dimension) -> String {
    format_significant(to_display(si, unit, dim).unwrap_or(si), 6)
}

/// The units the tables of a run use: the scenario's display units, and one flow unit for
/// every flow (the scenario's, else one that suits the run's largest flow).
struct Units<'a> {
    p: &'a str,
    t: &'a str,
    temp: &'a str,
    flow: String,
}

impl<'a> Units<'a> {
    fn of(s: &'a Summary) -> Units<'a> {
        let d = &s.display;
        Units {
            p: &d.pressure,
            t: &d.time,
            temp: &d.temperature,
            flow: d
                .flow
                .clone()
                .unwrap_or_else(|| auto_flow_unit(s.flow_scale()).to_string()),
        }
    }
    fn p(&self, x: f64) -> String {
        num(x, self.p, Dimension::Pressure)
    }
    fn t(&self, x: f64) -> String {
        num(x, self.t, Dimension::Time)
    }
    /// A flow recorded in kg/day.
    fn f(&self, kg_per_day: f64) -> String {
        num(kg_per_day / DAY, &self.flow, Dimension::MassFlow)
    }
}

fn table(header: &[String], rows: Vec<Vec<String>>, text_columns: &[usize]) -> Block {
    Block::Table(Table {
        caption: None,
        header: header.to_vec(),
        rows,
        text_columns: text_columns.to_vec(),
    })
}

fn h(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| c.to_string()).collect()
}

/// The tables of one run, as sections: pressures (and final partial pressures), leak rates
/// and link flows, mass balance, thresholds, flow reversals and the event log. Numbers are
/// in the scenario's display units, named in the column headings.
pub fn run_sections(s: &Summary) -> Vec<Section> {
    let u = Units::of(s);
    let (mass, flow) = (s.mass_scale(), s.flow_scale());
    let kg = |x: f64| format_significant(cleaned(x, mass), 6);
    let f = |x: f64| u.f(cleaned(x, flow));
    let mut out = Vec::new();

    // Pressures.
    let per = crate::units::unit_factor(u.t, Dimension::Time).map_or(DAY, |f| f.scale);
    let rows = s
        .compartments
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                format_significant(c.volume_m3, 6),
                u.p(c.initial_pressure),
                u.p(c.final_pressure),
                u.p(c.min_pressure),
                u.t(c.min_pressure_time_s),
                u.p(c.max_pressure),
                u.t(c.max_pressure_time_s),
                u.p(c.pressure_rate_end / DAY * per),
                num(c.final_temperature, u.temp, Dimension::Temperature),
            ]
        })
        .collect();
    let mut blocks = vec![table(
        &[
            "compartment".into(),
            "volume (m3)".into(),
            format!("start ({})", u.p),
            format!("end ({})", u.p),
            format!("minimum ({})", u.p),
            format!("at ({})", u.t),
            format!("maximum ({})", u.p),
            format!("at ({})", u.t),
            format!("rate at end ({}/{})", u.p, u.t),
            format!("end temperature ({})", u.temp),
        ],
        rows,
        &[],
    )];
    let mut species: Vec<&str> = Vec::new();
    for c in &s.compartments {
        for sp in &c.final_partial_pressures {
            if !species.contains(&sp.species.as_str()) {
                species.push(&sp.species);
            }
        }
    }
    if species.len() > 1 {
        let mut header = vec!["compartment".to_string()];
        header.extend(species.iter().map(|sp| format!("{sp} ({})", u.p)));
        let rows = s
            .compartments
            .iter()
            .map(|c| {
                let mut row = vec![c.name.clone()];
                row.extend(species.iter().map(|sp| {
                    c.final_partial_pressures
                        .iter()
                        .find(|x| x.species == *sp)
                        .map_or("-".into(), |x| u.p(cleaned(x.pressure, c.final_pressure)))
                }));
                row
            })
            .collect();
        blocks.push(Block::Subheading("Partial pressures at the end".into()));
        blocks.push(table(&header, rows, &[]));
    }
    out.push(Section {
        heading: "Pressures".into(),
        blocks,
    });

    // Leak rates and flows.
    let mut blocks = Vec::new();
    if !s.boundaries.is_empty() {
        let rows = s
            .boundaries
            .iter()
            .map(|b| {
                vec![
                    b.name.clone(),
                    b.kind.clone(),
                    f(b.leak_rate_start_kg_per_day),
                    f(b.leak_rate_end_kg_per_day),
                    kg(b.received_kg),
                ]
            })
            .collect();
        blocks.push(table(
            &[
                "into boundary".into(),
                "kind".into(),
                format!("at start ({})", u.flow),
                format!("at end ({})", u.flow),
                "received in total (kg)".into(),
            ],
            rows,
            &[1],
        ));
    }
    if !s.links.is_empty() {
        let rows = s
            .links
            .iter()
            .map(|l| {
                vec![
                    l.name.clone(),
                    format!("{} → {}", l.from, l.to),
                    l.element.clone(),
                    f(l.flow_start_kg_per_day),
                    f(l.flow_end_kg_per_day),
                    if l.open_at_end { "open" } else { "closed" }.into(),
                ]
            })
            .collect();
        blocks.push(Block::Subheading("Link flows (positive: from → to)".into()));
        blocks.push(table(
            &[
                "link".into(),
                "from → to".into(),
                "element".into(),
                format!("at start ({})", u.flow),
                format!("at end ({})", u.flow),
                "state at end".into(),
            ],
            rows,
            &[1, 2, 5],
        ));
    }
    if !s.sources.is_empty() {
        let rows = s
            .sources
            .iter()
            .map(|x| {
                vec![
                    x.name.clone(),
                    x.into.clone(),
                    kg(x.delivered_kg),
                    if x.active_at_end { "yes" } else { "no" }.into(),
                ]
            })
            .collect();
        blocks.push(Block::Subheading("Sources".into()));
        blocks.push(table(
            &h(&["source", "into", "delivered (kg)", "active at end"]),
            rows,
            &[1, 3],
        ));
    }
    out.push(Section {
        heading: "Leak rates and flows".into(),
        blocks,
    });

    // Mass balance.
    let initial: f64 = s.compartments.iter().map(|c| c.initial_mass_kg).sum();
    let now: f64 = s.compartments.iter().map(|c| c.final_mass_kg).sum();
    let received: f64 = s.boundaries.iter().map(|b| b.received_kg).sum();
    let delivered: f64 = s.sources.iter().map(|x| x.delivered_kg).sum();
    out.push(Section {
        heading: "Mass balance".into(),
        blocks: vec![Block::Facts(vec![
            (
                "gas in the compartments at the start".into(),
                format!("{} kg", kg(initial)),
            ),
            (
                "gas in the compartments at the end".into(),
                format!("{} kg", kg(now)),
            ),
            (
                "lost from the compartments".into(),
                format!("{} kg", kg(s.total_mass_lost_kg)),
            ),
            (
                "received by the boundaries".into(),
                format!("{} kg", kg(received)),
            ),
            (
                "delivered by the sources".into(),
                format!("{} kg", kg(delivered)),
            ),
            (
                "balance error (end + received - delivered - start)".into(),
                format!(
                    "{} kg ({} of the gas moved)",
                    format_significant(s.mass_balance_error_kg, 3),
                    if mass > 0.0 {
                        format!("{:.1e}", s.mass_balance_error_kg / mass)
                    } else {
                        "-".into()
                    }
                ),
            ),
        ])],
    });

    // Thresholds.
    let blocks = if s.thresholds.is_empty() {
        vec![Block::Text("The scenario sets no thresholds.".into())]
    } else {
        let rows = s
            .thresholds
            .iter()
            .map(|th| {
                vec![
                    th.name.clone(),
                    th.quantity.clone(),
                    th.direction.clone(),
                    th.value_text.clone(),
                    th.first_crossing_s.map_or("not crossed".into(), |t| u.t(t)),
                    th.crossings_s.len().to_string(),
                ]
            })
            .collect();
        vec![table(
            &[
                "threshold".into(),
                "quantity".into(),
                "crossing".into(),
                "value".into(),
                format!("first crossed ({})", u.t),
                "crossings".into(),
            ],
            rows,
            &[1, 2],
        )]
    };
    out.push(Section {
        heading: "Thresholds".into(),
        blocks,
    });

    if let Some(l) = &s.life_support {
        out.push(life_section(l, &u));
    }

    // Reversals and events.
    let capped = |n: usize, what: &str| {
        (n > MAX_ROWS).then(|| {
            Block::Text(format!(
                "The first {MAX_ROWS} of {n} {what} are shown; summary.json lists every one."
            ))
        })
    };
    let blocks = if s.reversals.is_empty() {
        vec![Block::Text("No link's flow changed direction.".into())]
    } else {
        let rows = s
            .reversals
            .iter()
            .take(MAX_ROWS)
            .map(|r| vec![r.link.clone(), u.t(r.time_s), r.now_flowing.clone()])
            .collect();
        let mut b = vec![table(
            &["link".into(), format!("time ({})", u.t), "now flows".into()],
            rows,
            &[2],
        )];
        b.extend(capped(s.reversals.len(), "reversals"));
        b
    };
    out.push(Section {
        heading: "Flow reversals".into(),
        blocks,
    });
    let blocks = if s.events.is_empty() {
        vec![Block::Text("No event fired.".into())]
    } else {
        let rows = s
            .events
            .iter()
            .take(MAX_ROWS)
            .map(|e| vec![e.name.clone(), u.t(e.time_s)])
            .collect();
        let mut b = vec![table(
            &["event".into(), format!("time ({})", u.t)],
            rows,
            &[],
        )];
        b.extend(capped(s.events.len(), "firings"));
        b
    };
    out.push(Section {
        heading: "Event log".into(),
        blocks,
    });
    out
}

/// Life support: what each crew and device did, the tanks, the air loss, the limits.
fn life_section(l: &crate::life::LifeSummary, u: &Units<'_>) -> Section {
    let members = l
        .members
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                m.kind.clone(),
                m.compartment.clone(),
                m.words.clone(),
            ]
        })
        .collect();
    let mut blocks = vec![table(
        &[
            "crew or device".into(),
            "kind".into(),
            "compartment".into(),
            "what it did".into(),
        ],
        members,
        &[1, 2, 3],
    )];
    if !l.tanks.is_empty() {
        let kg = |x: f64| crate::units::format_significant(x, 4).to_string();
        let days = |d: Option<f64>| d.map_or("no leak".to_string(), &kg);
        let rows = l
            .tanks
            .iter()
            .map(|t| {
                vec![
                    t.name.clone(),
                    t.feeds.clone(),
                    kg(t.initial_kg),
                    kg(t.used_kg),
                    kg(t.usable_left_kg),
                    days(t.margin_days_at_start),
                    days(t.margin_days),
                ]
            })
            .collect();
        blocks.push(table(
            &[
                "tank".into(),
                "feeds".into(),
                "initial (kg)".into(),
                "used (kg)".into(),
                "usable left (kg)".into(),
                "margin at start (days)".into(),
                "margin at end (days)".into(),
            ],
            rows,
            &[1],
        ));
    }
    let a = &l.air_loss;
    blocks.push(Block::Facts(vec![
        (
            "air loss, true (to the boundaries)".into(),
            u.f(a.true_kg_per_day),
        ),
        (
            "air loss from the ppN2 trend (NASA's estimate)".into(),
            a.ppn2_estimate_kg_per_day
                .map_or("no N2 in the gas table".into(), |e| u.f(e)),
        ),
    ]));
    if !l.limits.is_empty() {
        let rows = l
            .limits
            .iter()
            .map(|lim| {
                vec![
                    lim.name.clone(),
                    lim.first_crossing_s
                        .map_or("not reached".into(), |t| u.t(t)),
                ]
            })
            .collect();
        blocks.push(table(
            &["limit".into(), format!("first crossed ({})", u.t)],
            rows,
            &[],
        ));
    }
    Section {
        heading: "Life support".into(),
        blocks,
    }
}

/// Provenance: the Plenum version, the scenario file and its SHA-256, the seed, and, for a
/// run, the solver's settings and work counts.
pub fn provenance_section(p: &Provenance, solver: Option<&SolverSummary>) -> Section {
    let mut facts = vec![
        ("plenum version".to_string(), p.plenum_version.clone()),
        ("scenario file".to_string(), p.scenario_file.clone()),
        ("scenario SHA-256".to_string(), p.scenario_sha256.clone()),
    ];
    if let Some(seed) = p.seed {
        facts.push(("seed".into(), seed.to_string()));
    }
    if let Some(s) = solver {
        let g = |x: f64| format_significant(x, 6);
        facts.extend([
            ("solver".to_string(), s.method.clone()),
            ("relative tolerance".into(), g(s.rtol)),
            ("absolute tolerance".into(), format!("{} Pa", g(s.atol))),
            (
                "largest step".into(),
                s.max_step_s
                    .map_or("no limit".into(), |m| format!("{} s", g(m))),
            ),
            ("step budget".into(), s.max_steps.to_string()),
            (
                "reversal deadband".into(),
                format!("{} kg/s", g(s.reversal_deadband_kg_per_s)),
            ),
            (
                "steps (rejected)".into(),
                format!("{} ({})", s.steps, s.rejected_steps),
            ),
            (
                "right-hand side evaluations".into(),
                s.rhs_evals.to_string(),
            ),
            ("Jacobian-vector products".into(), s.jvp_evals.to_string()),
            ("Jacobian evaluations".into(), s.jacobian_evals.to_string()),
            ("factorizations".into(), s.factorizations.to_string()),
            ("Newton iterations".into(), s.newton_iterations.to_string()),
            ("restarts".into(), s.restarts.to_string()),
            (
                "negatives projected to zero".into(),
                s.projected_negatives.to_string(),
            ),
        ]);
    }
    Section {
        heading: "Provenance".into(),
        blocks: vec![Block::Facts(facts)],
    }
}

/// The report page of a run: status, plots, the tables of [`run_sections`], the scenario
/// text and the provenance.
pub fn run_page(summary: &Summary, scenario_text: &str, figures: Vec<Figure>) -> Page {
    let u = Units::of(summary);
    let mut lead = Vec::new();
    if let Some(d) = summary
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        lead.push(d.trim().to_string());
    }
    lead.push(format!(
        "Status: {} at t = {} {} ({} compartments, {} links).",
        summary.status,
        u.t(summary.end_time_s),
        u.t,
        summary.compartments.len(),
        summary.links.len()
    ));
    let mut sections = Vec::new();
    if !figures.is_empty() {
        sections.push(Section {
            heading: "Plots".into(),
            blocks: figures.into_iter().map(Block::Figure).collect(),
        });
    }
    sections.extend(run_sections(summary));
    sections.push(Section {
        heading: "Scenario".into(),
        blocks: vec![Block::Source {
            caption: summary.provenance.scenario_file.clone(),
            text: scenario_text.to_string(),
        }],
    });
    sections.push(provenance_section(
        &summary.provenance,
        Some(&summary.solver),
    ));
    Page {
        title: format!("Plenum run: {}", summary.scenario),
        lead,
        sections,
    }
}

/// [`run_page`] as HTML.
pub fn run_html(summary: &Summary, scenario_text: &str, figures: Vec<Figure>) -> String {
    run_page(summary, scenario_text, figures).to_html()
}
