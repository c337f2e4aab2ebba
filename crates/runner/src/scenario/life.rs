//! Life support: crews and ECLSS devices (each becomes a source of the network, with its law
//! from `plenum_physics::life`), make-up gas in hysteresis mode (two events), and atmosphere
//! limits (a `Log` event each, on a running average where one is asked for).

use plenum_physics::{Average, AverageId, Control, Sensed, SourceLaw};

use super::*;
use crate::life::{Limit, Member, MemberKind};

const DAY: f64 = 86_400.0;
/// One mmHg in Pa.
const MMHG: f64 = 133.322_387_415;

/// NASA's per-person baseline (BVAD, NASA/TP-2015-218570; RP-1324), per crew member-day.
pub(super) const CREW_O2_KG_PER_DAY: f64 = 0.84;
pub(super) const CREW_CO2_KG_PER_DAY: f64 = 1.00;
pub(super) const CREW_WATER_KG_PER_DAY: f64 = 2.28;
pub(super) const CREW_HEAT_W: f64 = 137.0;

/// Crews and devices as sources, the events they need, and what the summary reports of them.
pub(super) struct LifeParts {
    pub(super) sources: Vec<Option<Source>>,
    pub(super) events: Vec<Event>,
    pub(super) members: Vec<Member>,
}

impl Validator<'_> {
    /// Declare the names of crews and devices (sources, after the scenario's own `first`).
    pub(super) fn declare_life(&mut self, w: &ScenarioWire, first: usize) {
        for (k, c) in w.crews.iter().enumerate() {
            self.declare_item(c, |c| &c.name, Kind::Source, first + k);
        }
        let first = first + w.crews.len();
        for (k, d) in w.devices.iter().enumerate() {
            self.declare_item(d, DeviceWire::name, Kind::Source, first + k);
        }
    }

    /// Check crews and devices. `first` is the index of the first of their sources.
    pub(super) fn life(
        &mut self,
        w: &ScenarioWire,
        first: usize,
        compartments: &[Option<Compartment>],
    ) -> LifeParts {
        let mut out = LifeParts {
            sources: Vec::new(),
            events: Vec::new(),
            members: Vec::new(),
        };
        for c in &w.crews {
            let k = first + out.sources.len();
            let s = self.crew(c);
            if let Some((_, count)) = &s {
                out.members.push(Member {
                    source: k,
                    kind: MemberKind::Crew { count: *count },
                });
            }
            out.sources.push(s.map(|s| s.0));
        }
        for d in &w.devices {
            let k = first + out.sources.len();
            let s = self.device(d, k, &mut out.events, compartments);
            if let Some((_, kind)) = &s {
                out.members.push(Member {
                    source: k,
                    kind: kind.clone(),
                });
            }
            out.sources.push(s.map(|s| s.0));
        }
        out
    }

    fn compartment_of(&mut self, v: &Spanned<String>, it: &str) -> Option<usize> {
        self.resolve(v, it, "a compartment", &[Kind::Compartment])
            .map(|d| d.index)
    }

    fn active(&mut self, v: &Option<Spanned<bool>>, it: &str) -> Option<bool> {
        match v {
            Some(a) => self.get(a, Some(it)).copied(),
            None => Some(true),
        }
    }

    fn species_index(&mut self, name: &str, span: Span, it: &str, why: &str) -> Option<usize> {
        if let Some(i) = self.gas.index_of(name) {
            return Some(i);
        }
        let names: Vec<&str> = self.gas.species.iter().map(|s| s.name.as_str()).collect();
        let listed = names.join(", ");
        self.sink
            .error(
                span,
                Some(it),
                format!("{why} needs the species {name}, which the gas table lacks"),
            )
            .expected(format!("a gas table with {name} (it has {listed})"))
            .hint("the default gas table `Air` has N2, O2, Ar, CO2 and H2O");
        None
    }

    fn crew(&mut self, c: &Spanned<CrewWire>) -> Option<(Source, f64)> {
        let w = self.get_item(c, "crew")?;
        let name = self.check_name(&w.name, "crew", false)?;
        let it = item("crew", &name);
        let into = self.compartment_of(&w.compartment, &it);
        let count = self.quantity_in(
            &w.count,
            Dimension::Dimensionless,
            Range::Positive,
            &it,
            "count",
        );
        let per = |me: &mut Self, v: &Option<Spanned<Q>>, default: f64, field: &str| match v {
            Some(q) => me.quantity_in(q, Dimension::MassFlow, Range::NonNegative, &it, field),
            None => Some(default / DAY),
        };
        let o2 = per(self, &w.o2, CREW_O2_KG_PER_DAY, "o2");
        let co2 = per(self, &w.co2, CREW_CO2_KG_PER_DAY, "co2");
        let water = per(self, &w.water, CREW_WATER_KG_PER_DAY, "water");
        let heat = match &w.heat {
            Some(q) => self.quantity_in(q, Dimension::Power, Range::NonNegative, &it, "heat"),
            None => Some(CREW_HEAT_W),
        };
        let schedule = match &w.activity {
            None => Some(Schedule::Constant(1.0)),
            Some(a) => self.activity(a, &it),
        };
        let active = self.active(&w.active, &it);
        let span = w.name.span;
        let mut rates = vec![0.0; self.gas.len()];
        let count = count?;
        for (sp, rate) in [("O2", o2.map(|r| -r)), ("CO2", co2), ("H2O", water)] {
            let r = rate? * count;
            if r != 0.0 {
                let i = self.species_index(sp, span, &it, "a crew")?;
                rates[i] = r;
            }
        }
        let into = into?;
        Some((
            Source {
                name,
                into: CompartmentId(into),
                rates,
                schedule: schedule?,
                temperature: self.compartment_temps.get(into).copied().flatten()?,
                active: active?,
                law: SourceLaw::Crew {
                    heat: heat? * count,
                },
            },
            count,
        ))
    }

    /// A crew's activity multiplier.
    fn activity(&mut self, a: &Spanned<ActivityWire>, it: &str) -> Option<Schedule> {
        match self.get_field(a, it, "activity")? {
            ActivityWire::Constant => Some(Schedule::Constant(1.0)),
            ActivityWire::Schedule(s) => self.factor(Some(s), Range::NonNegative, it, "activity"),
            ActivityWire::Daily {
                sleep,
                exercise,
                sleep_factor,
                exercise_factor,
            } => {
                let hours = |me: &mut Self, v: &Option<Spanned<Q>>, d: f64, f: &str| match v {
                    Some(q) => me.quantity_in(q, Dimension::Time, Range::NonNegative, it, f),
                    None => Some(d * 3600.0),
                };
                let factor = |me: &mut Self, v: &Option<Spanned<Q>>, d: f64, f: &str| match v {
                    Some(q) => {
                        me.quantity_in(q, Dimension::Dimensionless, Range::NonNegative, it, f)
                    }
                    None => Some(d),
                };
                let ts = hours(self, sleep, 8.0, "sleep")?;
                let te = hours(self, exercise, 2.0, "exercise")?;
                let fs = factor(self, sleep_factor, SLEEP_FACTOR, "sleep_factor")?;
                let fe = factor(self, exercise_factor, EXERCISE_FACTOR, "exercise_factor")?;
                let nominal_h = DAY - ts - te;
                // The nominal hours' factor that makes the day's mean 1.
                let fnom = (DAY - ts * fs - te * fe) / nominal_h.max(f64::MIN_POSITIVE);
                if nominal_h < 3600.0 || fnom < 0.0 {
                    let at = a.span;
                    self.sink
                        .error(at, Some(it), format!(
                            "activity: {} h of sleep at {fs} and {} h of exercise at {fe} leave {} h of nominal activity at factor {:.3}",
                            ts / 3600.0, te / 3600.0, nominal_h / 3600.0, fnom
                        ))
                        .expected("at least 1 h of nominal activity with a factor >= 0 (the day's mean must be 1)");
                    return None;
                }
                let days = (self.duration.unwrap_or(DAY) / DAY).ceil() as usize;
                // Sleep from midnight, exercise four hours after waking.
                let ex = ts + 4.0 * 3600.0;
                let mut steps = Vec::with_capacity(4 * days);
                for d in 0..days {
                    let t0 = d as f64 * DAY;
                    if d > 0 {
                        steps.push((t0, fs));
                    }
                    steps.push((t0 + ts, fnom));
                    if te > 0.0 {
                        steps.push((t0 + ex, fe));
                        steps.push((t0 + ex + te, fnom));
                    }
                }
                Some(Schedule::Steps { initial: fs, steps })
            }
        }
    }

    fn device(
        &mut self,
        d: &Spanned<DeviceWire>,
        index: usize,
        events: &mut Vec<Event>,
        compartments: &[Option<Compartment>],
    ) -> Option<(Source, MemberKind)> {
        let w = self.get_item(d, "device")?;
        let name = self.check_name(w.name(), "device", false)?;
        let it = item("device", &name);
        let ns = self.gas.len();
        let span = w.name().span;
        let source = |name: String, into: usize, law: SourceLaw, active: bool, me: &Self| {
            Some(Source {
                name,
                into: CompartmentId(into),
                rates: vec![0.0; ns],
                schedule: Schedule::Constant(1.0),
                temperature: me.compartment_temps.get(into).copied().flatten()?,
                active,
                law,
            })
        };
        match w {
            DeviceWire::CO2Removal {
                compartment,
                flow,
                efficiency,
                capacity,
                vent,
                active,
                ..
            } => {
                let into = self.compartment_of(compartment, &it);
                let q = self.quantity_in(
                    flow,
                    Dimension::VolumetricFlow,
                    Range::NonNegative,
                    &it,
                    "flow",
                );
                let eff = self.quantity_in(
                    efficiency,
                    Dimension::Dimensionless,
                    Range::Fraction,
                    &it,
                    "efficiency",
                );
                let cap = match capacity {
                    Some(c) => Some(Some(self.quantity_in(
                        c,
                        Dimension::MassFlow,
                        Range::Positive,
                        &it,
                        "capacity",
                    )?)),
                    None => Some(None),
                };
                let vent = match vent {
                    Some(v) => Some(Some(
                        self.resolve(v, &it, "a boundary", &[Kind::Boundary])
                            .and_then(|_| v.get().cloned())?,
                    )),
                    None => Some(None),
                };
                let active = self.active(active, &it);
                let co2 = self.species_index("CO2", span, &it, "CO2 removal")?;
                let law = SourceLaw::Removal {
                    species: co2,
                    flow: q?,
                    efficiency: eff?,
                    capacity: cap?,
                };
                let s = source(name, into?, law, active?, self)?;
                Some((s, MemberKind::CO2Removal { vent: vent? }))
            }
            DeviceWire::O2Generator {
                compartment,
                rate,
                low,
                high,
                active,
                ..
            } => {
                let into = self.compartment_of(compartment, &it);
                let r =
                    self.quantity_in(rate, Dimension::MassFlow, Range::NonNegative, &it, "rate");
                let o2 = self.species_index("O2", span, &it, "O2 generation")?;
                let control = match (low, high) {
                    (None, None) => Some(None),
                    (Some(l), Some(h)) => {
                        let lo = self.quantity_in(
                            l,
                            Dimension::Pressure,
                            Range::NonNegative,
                            &it,
                            "low",
                        );
                        let hi =
                            self.quantity_in(h, Dimension::Pressure, Range::Positive, &it, "high");
                        let (lo, hi) = (lo?, hi?);
                        if lo >= hi {
                            self.sink
                                .error(h.span, Some(&it), "high is not above low")
                                .expected("a ppO2 band with low < high, e.g. low: \"150 mmHg\", high: \"160 mmHg\"");
                            return None;
                        }
                        Some(Some(Control {
                            sensed: Sensed::PartialPressure(o2),
                            setpoint: hi,
                            band: hi - lo,
                        }))
                    }
                    (Some(x), None) | (None, Some(x)) => {
                        self.sink
                            .error(x.span, Some(&it), "only one end of the ppO2 band is given")
                            .expected("both low and high (a controlled generator), or neither (a set rate)");
                        return None;
                    }
                };
                let active = self.active(active, &it);
                let mut s = source(
                    name,
                    into?,
                    SourceLaw::Feed {
                        max_flow: 0.0,
                        tank: None,
                        control: control?,
                    },
                    active?,
                    self,
                )?;
                s.rates[o2] = r?;
                Some((s, MemberKind::O2Generator))
            }
            DeviceWire::Condenser {
                compartment,
                flow,
                dew_point,
                active,
                ..
            } => {
                let into = self.compartment_of(compartment, &it);
                let q = self.quantity_in(
                    flow,
                    Dimension::VolumetricFlow,
                    Range::NonNegative,
                    &it,
                    "flow",
                );
                let dew = self.quantity_in(
                    dew_point,
                    Dimension::Temperature,
                    Range::Positive,
                    &it,
                    "dew_point",
                );
                if let Some(t) = dew {
                    if !(173.15..373.15).contains(&t) {
                        self.sink
                            .error(
                                dew_point.span,
                                Some(&it),
                                format!("dew_point is {:.2} degC", t - 273.15),
                            )
                            .expected("a dew point between -100 and 100 degC (Magnus' formula)");
                        return None;
                    }
                }
                let h2o = self.species_index("H2O", span, &it, "humidity removal")?;
                let active = self.active(active, &it);
                let law = SourceLaw::Condenser {
                    species: h2o,
                    flow: q?,
                    dew_point: dew?,
                };
                let s = source(name, into?, law, active?, self)?;
                Some((s, MemberKind::Condenser))
            }
            DeviceWire::MakeUp {
                compartment,
                tank,
                max_flow,
                sense,
                setpoint,
                band,
                mode,
                active,
                ..
            } => {
                let into = self.compartment_of(compartment, &it);
                let tank_i = self.compartment_of(tank, &it);
                if let (Some(a), Some(b)) = (into, tank_i) {
                    if a == b {
                        self.sink
                            .error(tank.span, Some(&it), "the tank is the compartment it feeds")
                            .expected("a separate tank compartment holding the make-up gas");
                        return None;
                    }
                }
                let f = self.quantity_in(
                    max_flow,
                    Dimension::MassFlow,
                    Range::Positive,
                    &it,
                    "max_flow",
                );
                let sp = self.quantity_in(
                    setpoint,
                    Dimension::Pressure,
                    Range::Positive,
                    &it,
                    "setpoint",
                );
                let bd = self.quantity_in(band, Dimension::Pressure, Range::Positive, &it, "band");
                let sensed = match sense {
                    None => Some(Sensed::Pressure),
                    Some(s) => self.sensed(s, &it),
                };
                let mode = match mode {
                    Some(m) => self.get(m, Some(&it)).copied(),
                    None => Some(ModeWire::Smooth),
                };
                let active = self.active(active, &it);
                let (into, tank_i, sensed, setpoint, band) = (into?, tank_i?, sensed?, sp?, bd?);
                let control = Control {
                    sensed,
                    setpoint,
                    band,
                };
                let law = SourceLaw::Feed {
                    max_flow: f?,
                    tank: Some(CompartmentId(tank_i)),
                    control: (mode? == ModeWire::Smooth).then_some(control),
                };
                let mut s = source(name.clone(), into, law, active?, self)?;
                if mode? == ModeWire::Hysteresis {
                    let q = match sensed {
                        Sensed::Pressure => Quantity::Pressure(CompartmentId(into)),
                        Sensed::PartialPressure(k) => {
                            Quantity::PartialPressure(CompartmentId(into), k)
                        }
                    };
                    let id = SourceId(index);
                    events.push(Event {
                        name: format!("{name} on"),
                        trigger: Trigger::Crosses {
                            quantity: q,
                            threshold: setpoint - band,
                            direction: Direction::Falling,
                        },
                        actions: vec![Action::StartSource(id)],
                        repeat: true,
                    });
                    events.push(Event {
                        name: format!("{name} off"),
                        trigger: Trigger::Crosses {
                            quantity: q,
                            threshold: setpoint,
                            direction: Direction::Rising,
                        },
                        actions: vec![Action::StopSource(id)],
                        repeat: true,
                    });
                    // Off at the start unless the quantity already lies below the band.
                    let q0 = match (sensed, &compartments[into]) {
                        (_, None) => f64::NAN,
                        (Sensed::Pressure, Some(c)) => c.pressure,
                        (Sensed::PartialPressure(k), Some(c)) => c.pressure * c.composition[k],
                    };
                    s.active = s.active && q0 < setpoint - band;
                }
                Some((s, MemberKind::MakeUp { tank: tank_i }))
            }
        }
    }

    /// What a make-up device senses: `pressure` or `partial_pressure.SPECIES`.
    fn sensed(&mut self, s: &Spanned<String>, it: &str) -> Option<Sensed> {
        let text = self.get(s, Some(it))?.clone();
        if text == "pressure" {
            return Some(Sensed::Pressure);
        }
        if let Some(sp) = text.strip_prefix("partial_pressure.") {
            if let Some(k) = self.gas.index_of(sp) {
                return Some(Sensed::PartialPressure(k));
            }
        }
        let names: Vec<String> = self
            .gas
            .species
            .iter()
            .map(|s| format!("partial_pressure.{}", s.name))
            .collect();
        self.sink
            .error(
                s.span,
                Some(it),
                format!(
                    "sense: '{}' is not a quantity of the compartment",
                    clip(&text)
                ),
            )
            .expected(format!("\"pressure\" or one of {}", names.join(", ")));
        None
    }

    /// Atmosphere limits: each a `Log` event (ids from `first_event`), on a running average
    /// where asked (averages appended to `averages`). `crewed` lists the compartments with
    /// a crew, for `Standard`.
    pub(super) fn limits(
        &mut self,
        w: &ScenarioWire,
        crewed: &[(usize, String)],
        first_event: usize,
        averages: &mut Vec<Average>,
    ) -> Vec<Option<(Limit, Event)>> {
        let mut out: Vec<Option<(Limit, Event)>> = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        for l in &w.limits {
            let Some(lw) = self.get(l, Some("limits")).cloned() else {
                out.push(None);
                continue;
            };
            let specs: Vec<Spec> = match lw {
                LimitWire::Standard => {
                    if crewed.is_empty() {
                        self.sink
                            .error(l.span, Some("limits"), "Standard limits apply to compartments with a crew, and the scenario has no crew")
                            .expected("a crew (crews: [...]) or limits of your own: Limit(quantity: ..., below: ...)");
                        out.push(None);
                        continue;
                    }
                    match self.standard(crewed, l.span) {
                        Some(v) => v,
                        None => {
                            out.push(None);
                            continue;
                        }
                    }
                }
                LimitWire::Limit {
                    name,
                    quantity,
                    below,
                    above,
                    threshold,
                    direction,
                    average,
                } => {
                    let label = match &name {
                        Some(n) => self.get(n, Some("limit")).cloned(),
                        None => None,
                    };
                    let tit = format!(
                        "limit '{}'",
                        label
                            .clone()
                            .unwrap_or_else(|| quantity.get().cloned().unwrap_or_default())
                    );
                    let c = self.crossing(
                        &quantity, &below, &above, &threshold, &direction, l.span, &tit,
                    );
                    let avg = match &average {
                        Some(a) => self
                            .quantity_in(a, Dimension::Time, Range::Positive, &tit, "average")
                            .map(Some),
                        None => Some(None),
                    };
                    let (Some((q, x, dir, text)), Some(avg)) = (c, avg) else {
                        out.push(None);
                        continue;
                    };
                    if avg.is_some()
                        && !matches!(q, Quantity::Pressure(_) | Quantity::PartialPressure(..))
                    {
                        self.sink
                            .error(quantity.span, Some(&tit), "only a pressure or a partial pressure can be averaged")
                            .expected("a quantity NAME.pressure or NAME.partial_pressure.SPECIES with average, or no average");
                        out.push(None);
                        continue;
                    }
                    let qtext = quantity.get().cloned().unwrap_or_default();
                    vec![Spec {
                        label,
                        quantity: q,
                        qtext,
                        value: x,
                        text,
                        direction: dir,
                        average: avg,
                        span: l.span,
                    }]
                }
            };
            for s in specs {
                let how = match s.direction {
                    Direction::Falling => "below",
                    Direction::Rising => "above",
                    Direction::Either => "crosses",
                };
                let label = s.label.clone().unwrap_or_else(|| match s.average {
                    Some(a) => format!(
                        "{} {}-mean {how} {}",
                        s.qtext,
                        fmt_time(a).replace(' ', ""),
                        s.text
                    ),
                    None => format!("{} {how} {}", s.qtext, s.text),
                });
                if labels.contains(&label) {
                    self.sink
                        .error(
                            s.span,
                            Some("limits"),
                            format!("a limit named '{label}' is already listed"),
                        )
                        .expected("each limit once (or give each a different name)");
                    out.push(None);
                    continue;
                }
                labels.push(label.clone());
                let quantity = match s.average {
                    Some(window) => {
                        averages.push(Average {
                            quantity: s.quantity,
                            window,
                        });
                        Quantity::Average(AverageId(averages.len() - 1))
                    }
                    None => s.quantity,
                };
                let limit = Limit {
                    label: label.clone(),
                    quantity: s.qtext,
                    direction: s.direction,
                    value: s.value,
                    value_text: s.text,
                    average_s: s.average,
                    event: EventId(first_event + out.len()),
                };
                let ev = Event {
                    name: format!("limit: {label}"),
                    trigger: Trigger::Crosses {
                        quantity,
                        threshold: s.value,
                        direction: s.direction,
                    },
                    actions: vec![Action::Log],
                    repeat: true,
                };
                out.push(Some((limit, ev)));
            }
        }
        out
    }

    /// The standard limits for each crewed compartment.
    fn standard(&mut self, crewed: &[(usize, String)], span: Span) -> Option<Vec<Spec>> {
        let o2 = self.species_index("O2", span, "limits", "the Standard limits")?;
        let co2 = self.species_index("CO2", span, "limits", "the Standard limits")?;
        let mut v = Vec::new();
        for (i, c) in crewed {
            let id = CompartmentId(*i);
            let pp = |s: usize| Quantity::PartialPressure(id, s);
            for (label, q, qtext, (mmhg, text), dir, avg) in [
                (
                    format!("{c}: ppO2 below 146 mmHg"),
                    pp(o2),
                    format!("{c}.partial_pressure.O2"),
                    (146.0, "146 mmHg"),
                    Direction::Falling,
                    None,
                ),
                (
                    format!("{c}: 24-h mean ppCO2 above 4.0 mmHg (2010 limit)"),
                    pp(co2),
                    format!("{c}.partial_pressure.CO2"),
                    (4.0, "4.0 mmHg"),
                    Direction::Rising,
                    Some(DAY),
                ),
                (
                    format!("{c}: 24-h mean ppCO2 above 2.7 mmHg (newer limit)"),
                    pp(co2),
                    format!("{c}.partial_pressure.CO2"),
                    (2.7, "2.7 mmHg"),
                    Direction::Rising,
                    Some(DAY),
                ),
                (
                    format!("{c}: total pressure below 527 mmHg"),
                    Quantity::Pressure(id),
                    format!("{c}.pressure"),
                    (527.0, "527 mmHg"),
                    Direction::Falling,
                    None,
                ),
            ] {
                v.push(Spec {
                    label: Some(label),
                    quantity: q,
                    qtext,
                    value: mmhg * MMHG,
                    text: text.to_string(),
                    direction: dir,
                    average: avg,
                    span,
                });
            }
        }
        Some(v)
    }
}

/// Default activity factors of `Daily`: sleep at 0.7 of the daily mean rate, exercise at
/// 2.0 (assumptions, not sourced figures: set `sleep_factor` and `exercise_factor` from your
/// own data). The nominal hours take what makes the day's mean 1.
const SLEEP_FACTOR: f64 = 0.7;
const EXERCISE_FACTOR: f64 = 2.0;

/// One limit before its label is settled.
struct Spec {
    label: Option<String>,
    quantity: Quantity,
    qtext: String,
    value: f64,
    text: String,
    direction: Direction,
    average: Option<f64>,
    span: Span,
}
