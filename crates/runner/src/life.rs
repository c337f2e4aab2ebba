//! Life support in a run: what the scenario declared (crews, devices, tanks, limits) and the
//! summary of what they did: limits and when each was first crossed, what each crew and
//! device supplied or removed, per tank the gas used and left with the days of margin, and
//! the station's air loss from the ppN2 trend (as NASA computes it) beside the true loss.

use plenum_physics::{Direction, EventId, Network, Snapshot, System};
use serde::{Deserialize, Serialize};

const DAY: f64 = 86_400.0;

/// The life support a scenario declared, as the summary needs it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LifeConfig {
    pub limits: Vec<Limit>,
    /// Crews and devices, each a source of the network.
    pub members: Vec<Member>,
}

impl LifeConfig {
    /// Whether the scenario declared any life support.
    pub fn is_empty(&self) -> bool {
        self.limits.is_empty() && self.members.is_empty()
    }
}

/// A crew or a device: the network source it became.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Index in `Network::sources`.
    pub source: usize,
    pub kind: MemberKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MemberKind {
    Crew {
        count: f64,
    },
    CO2Removal {
        vent: Option<String>,
    },
    O2Generator,
    Condenser,
    /// Make-up gas from the tank compartment `tank`.
    MakeUp {
        tank: usize,
    },
}

/// An atmosphere limit, watched by a `Log` event of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub label: String,
    /// As written, e.g. `zvezda.partial_pressure.CO2`.
    pub quantity: String,
    pub direction: Direction,
    /// SI.
    pub value: f64,
    pub value_text: String,
    /// The averaging window, s (`None`: the instantaneous value).
    pub average_s: Option<f64>,
    pub event: EventId,
}

/// What the life support did in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifeSummary {
    pub limits: Vec<LimitSummary>,
    /// Per crew and device, per species moved.
    pub members: Vec<MemberSummary>,
    /// Per species, over the whole network: supplied by crews and devices (kg, > 0),
    /// removed by them (kg, > 0), and leaked to boundaries (kg).
    pub species: Vec<SpeciesBudget>,
    pub tanks: Vec<TankSummary>,
    pub air_loss: AirLoss,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitSummary {
    pub name: String,
    pub quantity: String,
    pub direction: String,
    pub value: f64,
    pub value_text: String,
    pub average_s: Option<f64>,
    /// When the limit was first crossed (`None`: not in this run).
    pub first_crossing_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberSummary {
    pub name: String,
    pub kind: String,
    pub compartment: String,
    /// Per species: kg put into the compartment (> 0) or taken out (< 0).
    pub moved_kg: Vec<(String, f64)>,
    /// The same in words: "supplied 41.2 kg O2", "removed 88.9 kg CO2 (vented to space)".
    pub words: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeciesBudget {
    pub species: String,
    pub supplied_kg: f64,
    pub removed_kg: f64,
    pub leaked_kg: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TankSummary {
    pub name: String,
    pub feeds: String,
    pub initial_kg: f64,
    pub used_kg: f64,
    pub left_kg: f64,
    /// What is left above the fed compartment's pressure (the rest cannot flow out).
    pub usable_left_kg: f64,
    /// Leak to the boundaries at the end of the run, kg/day.
    pub leak_kg_per_day: f64,
    /// How long the usable gas left sustains that leak, days (`None` with no leak).
    pub margin_days: Option<f64>,
    /// The same at the start of the run: the usable gas then, over the leak then.
    pub usable_at_start_kg: f64,
    pub leak_at_start_kg_per_day: f64,
    pub margin_days_at_start: Option<f64>,
}

/// The air the station lost per day, true and as the ppN2 trend shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AirLoss {
    /// Mass received by the boundaries over the run, per day.
    pub true_kg_per_day: f64,
    /// NASA's estimate: the least-squares trend of the N2 mass in the crewed compartments
    /// (from ppN2, volume and temperature), less the N2 the make-up supplied, divided by
    /// N2's mass fraction in the initial air (`None` without N2 in the gas table).
    pub ppn2_estimate_kg_per_day: Option<f64>,
    /// The compartments counted: all but the make-up tanks.
    pub compartments: Vec<String>,
}

/// Everything `summarise` needs from a finished run.
pub struct RunView<'a> {
    pub net: &'a Network,
    pub sys: &'a System<'a>,
    pub start: &'a Snapshot,
    pub end: &'a Snapshot,
    pub final_state: &'a [f64],
    /// The fired events (id, time).
    pub fired: &'a [(EventId, f64)],
    /// Output rows: time and snapshot.
    pub rows: &'a [Snapshot],
    pub duration_s: f64,
}

/// Summarise the life support of a run.
pub fn summarise(life: &LifeConfig, v: &RunView<'_>) -> LifeSummary {
    let net = v.net;
    let gas = &net.gas;
    let ns = gas.len();
    let limits = life
        .limits
        .iter()
        .map(|l| LimitSummary {
            name: l.label.clone(),
            quantity: l.quantity.clone(),
            direction: match l.direction {
                Direction::Falling => "falling",
                Direction::Rising => "rising",
                Direction::Either => "either",
            }
            .into(),
            value: l.value,
            value_text: l.value_text.clone(),
            average_s: l.average_s,
            first_crossing_s: v.fired.iter().find(|(e, _)| *e == l.event).map(|(_, t)| *t),
        })
        .collect();
    let tanks: Vec<usize> = life
        .members
        .iter()
        .filter_map(|m| match m.kind {
            MemberKind::MakeUp { tank } => Some(tank),
            _ => None,
        })
        .collect();
    let first_source = v.sys.ledger_offset() + ns * net.boundaries.len();
    let mut supplied = vec![0.0; ns];
    let mut removed = vec![0.0; ns];
    let mut members = Vec::new();
    for m in &life.members {
        let src = &net.sources[m.source];
        let comp = net.compartments[src.into.index()].name.clone();
        let moved: Vec<f64> = match m.kind {
            // A tank's gas moves between compartments: what left the tank.
            MemberKind::MakeUp { tank } => (0..ns)
                .map(|s| species_mass(net, v.start, tank, s) - species_mass(net, v.end, tank, s))
                .collect(),
            // The ledger books each source's delivery with a minus sign.
            _ => (0..ns)
                .map(|s| -v.final_state[first_source + m.source * ns + s])
                .collect(),
        };
        let mut pairs = Vec::new();
        for (s, &kg) in moved.iter().enumerate() {
            if kg.abs() < 1e-9 {
                continue;
            }
            if !matches!(m.kind, MemberKind::MakeUp { .. }) {
                if kg > 0.0 {
                    supplied[s] += kg;
                } else {
                    removed[s] -= kg;
                }
            }
            pairs.push((gas.species[s].name.clone(), kg));
        }
        let (kind, words) = describe(&m.kind, &pairs, net);
        members.push(MemberSummary {
            name: src.name.clone(),
            kind,
            compartment: comp,
            moved_kg: pairs,
            words,
        });
    }
    let leaked: Vec<f64> = (0..ns)
        .map(|s| {
            (0..net.boundaries.len())
                .map(|b| v.final_state[v.sys.ledger_offset() + b * ns + s])
                .sum()
        })
        .collect();
    let species = (0..ns)
        .map(|s| SpeciesBudget {
            species: gas.species[s].name.clone(),
            supplied_kg: supplied[s],
            removed_kg: removed[s],
            leaked_kg: leaked[s],
        })
        .collect();
    let leak_rate = leak_rate_end(net, v.end) * DAY;
    let leak_start = leak_rate_end(net, v.start) * DAY;
    let tank_summaries = life
        .members
        .iter()
        .filter_map(|m| match m.kind {
            MemberKind::MakeUp { tank } => Some((m, tank)),
            _ => None,
        })
        .map(|(m, tank)| {
            let fed = net.sources[m.source].into.index();
            let initial = v.start.mass[tank];
            let left = v.end.mass[tank];
            // Mass above the fed compartment's pressure, at the tank's temperature and
            // composition: (p_tank - p_fed) / p_tank of what is left.
            let usable_in = |s: &Snapshot, m: f64| {
                let p_tank = s.pressure[tank];
                if p_tank > 0.0 {
                    m * ((p_tank - s.pressure[fed]) / p_tank).max(0.0)
                } else {
                    0.0
                }
            };
            let usable = usable_in(v.end, left);
            let usable0 = usable_in(v.start, initial);
            TankSummary {
                name: net.compartments[tank].name.clone(),
                feeds: net.compartments[fed].name.clone(),
                initial_kg: initial,
                used_kg: initial - left,
                left_kg: left,
                usable_left_kg: usable,
                leak_kg_per_day: leak_rate,
                margin_days: (leak_rate > 0.0).then(|| usable / leak_rate),
                usable_at_start_kg: usable0,
                leak_at_start_kg_per_day: leak_start,
                margin_days_at_start: (leak_start > 0.0).then(|| usable0 / leak_start),
            }
        })
        .collect();
    let air_loss = air_loss(life, v, &tanks, &leaked);
    LifeSummary {
        limits,
        members,
        species,
        tanks: tank_summaries,
        air_loss,
    }
}

/// Signed total flow into the boundaries at a snapshot, kg/s.
fn leak_rate_end(net: &Network, s: &Snapshot) -> f64 {
    let mut m = 0.0;
    for (l, f) in net.links.iter().zip(&s.flow) {
        if matches!(l.to, plenum_physics::NodeId::Boundary(_)) {
            m += f;
        }
        if matches!(l.from, plenum_physics::NodeId::Boundary(_)) {
            m -= f;
        }
    }
    m
}

fn describe(kind: &MemberKind, pairs: &[(String, f64)], net: &Network) -> (String, String) {
    let list = |sign: f64| -> String {
        pairs
            .iter()
            .filter(|(_, kg)| kg * sign > 0.0)
            .map(|(s, kg)| format!("{} kg {s}", round3(kg.abs())))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (made, taken) = (list(1.0), list(-1.0));
    let join = |a: Option<String>, b: Option<String>| -> String {
        [a, b].into_iter().flatten().collect::<Vec<_>>().join("; ")
    };
    let some = |verb: &str, what: &String| (!what.is_empty()).then(|| format!("{verb} {what}"));
    match kind {
        MemberKind::Crew { count } => (
            "crew".into(),
            format!(
                "{} crew: {}",
                count,
                join(some("consumed", &taken), some("produced", &made))
            ),
        ),
        MemberKind::CO2Removal { vent } => (
            "CO2 removal".into(),
            match (some("removed", &taken), vent) {
                (Some(t), Some(b)) => format!("{t} (vented to {b})"),
                (Some(t), None) => format!("{t} (retained on board)"),
                (None, _) => "removed nothing".into(),
            },
        ),
        MemberKind::O2Generator => (
            "O2 generation".into(),
            some("supplied", &made).unwrap_or_else(|| "supplied nothing".into()),
        ),
        MemberKind::Condenser => (
            "humidity removal".into(),
            some("removed", &taken).unwrap_or_else(|| "removed nothing".into()),
        ),
        MemberKind::MakeUp { tank } => (
            "make-up gas".into(),
            match some("supplied", &made) {
                Some(s) => format!("{s} from tank '{}'", net.compartments[*tank].name),
                None => "supplied nothing".into(),
            },
        ),
    }
}

/// Three significant figures, without noise digits.
fn round3(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

fn air_loss(life: &LifeConfig, v: &RunView<'_>, tanks: &[usize], leaked: &[f64]) -> AirLoss {
    let net = v.net;
    let counted: Vec<usize> = (0..net.compartments.len())
        .filter(|i| !tanks.contains(i))
        .collect();
    let span = v.end.t - v.start.t;
    let true_loss = if span > 0.0 {
        leaked.iter().sum::<f64>() / span * DAY
    } else {
        0.0
    };
    let estimate = net.gas.index_of("N2").and_then(|n2| {
        let n2_mass =
            |s: &Snapshot| -> f64 { counted.iter().map(|&i| species_mass(net, s, i, n2)).sum() };
        let pts: Vec<(f64, f64)> = v.rows.iter().map(|s| (s.t, n2_mass(s))).collect();
        let slope = trend(&pts)?;
        // N2 the make-up put into the counted compartments, per second on average.
        let made_up: f64 = life
            .members
            .iter()
            .filter_map(|m| match m.kind {
                MemberKind::MakeUp { tank } => Some(tank),
                _ => None,
            })
            .map(|tank| species_mass(net, v.start, tank, n2) - species_mass(net, v.end, tank, n2))
            .sum::<f64>()
            / span.max(f64::MIN_POSITIVE);
        let air = &net.compartments[*counted.first()?].composition;
        let y = net.gas.mass_fractions(air);
        (y[n2] > 0.0).then(|| (made_up - slope) / y[n2] * DAY)
    });
    AirLoss {
        true_kg_per_day: true_loss,
        ppn2_estimate_kg_per_day: estimate,
        compartments: counted
            .iter()
            .map(|&i| net.compartments[i].name.clone())
            .collect(),
    }
}

/// Mass of species `sp` in compartment `i` at a snapshot: `pp_s V / (R_s T)`.
fn species_mass(net: &Network, s: &Snapshot, i: usize, sp: usize) -> f64 {
    let ns = net.gas.len();
    s.partial_pressure[i * ns + sp] * net.compartments[i].volume
        / (net.gas.species[sp].r_specific() * s.temperature[i])
}

/// Least-squares slope of `(t, m)` points, per second.
fn trend(pts: &[(f64, f64)]) -> Option<f64> {
    let n = pts.len() as f64;
    if pts.len() < 2 {
        return None;
    }
    let mt = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let mm = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mt).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mt) * (p.1 - mm)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// The life-support lines of the terminal summary.
pub fn describe_summary(l: &LifeSummary, time: &dyn Fn(f64) -> String, duration_s: f64) -> String {
    let mut s = String::from("life support:\n");
    for m in &l.members {
        s.push_str(&format!(
            "  {} ({}, {}): {}\n",
            m.name, m.kind, m.compartment, m.words
        ));
    }
    for t in &l.tanks {
        s.push_str(&format!(
            "  tank '{}' (feeds {}): used {} kg of {} kg, {} kg left",
            t.name,
            t.feeds,
            round3(t.used_kg),
            round3(t.initial_kg),
            round3(t.left_kg),
        ));
        if t.usable_left_kg >= 1e-3 {
            s.push_str(&format!(
                " ({} kg usable above the cabin's pressure)",
                round3(t.usable_left_kg)
            ));
        }
        match t.margin_days {
            _ if t.usable_left_kg < 1e-3 => {
                s.push_str("; its usable gas is spent\n");
            }
            Some(d) => s.push_str(&format!(
                "; sustains the {} kg/day leak for {} days\n",
                round3(t.leak_kg_per_day),
                round3(d)
            )),
            None => s.push_str("; no leak at the end of the run\n"),
        }
        if let Some(d) = t.margin_days_at_start {
            s.push_str(&format!(
                "    at the start: {} kg usable, sustaining the {} kg/day leak then for {} days\n",
                round3(t.usable_at_start_kg),
                round3(t.leak_at_start_kg_per_day),
                round3(d)
            ));
        }
    }
    let a = &l.air_loss;
    match a.ppn2_estimate_kg_per_day {
        Some(e) => s.push_str(&format!(
            "  air loss: {} kg/day true (to the boundaries), {} kg/day from the ppN2 trend as NASA estimates it\n",
            round3(a.true_kg_per_day),
            round3(e)
        )),
        None => s.push_str(&format!(
            "  air loss: {} kg/day (no N2 in the gas table for the ppN2 estimate)\n",
            round3(a.true_kg_per_day)
        )),
    }
    for lim in &l.limits {
        match lim.first_crossing_s {
            Some(t) => s.push_str(&format!(
                "  limit '{}': first crossed at {}\n",
                lim.name,
                time(t)
            )),
            None => s.push_str(&format!(
                "  limit '{}': not reached in {}\n",
                lim.name,
                time(duration_s)
            )),
        }
    }
    s
}
