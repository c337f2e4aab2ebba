//! The network model: compartments, boundaries, links, sources and events, with typed ids.
//!
//! Names are resolved to ids once, when the network is built; nothing after that looks up a
//! string. [`Network::new`] checks the model and reports every problem at once, each naming
//! the item by kind and name.

use crate::element::{FlowElement, Parameter};
use crate::error::ModelError;
use crate::gas::Gas;
use crate::life::{Sensed, SourceLaw};
use crate::schedule::Schedule;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub usize);
        impl $name {
            /// Position in the network's list.
            pub fn index(self) -> usize {
                self.0
            }
        }
    };
}

id_type!(
    /// A compartment (a volume whose gas is integrated).
    CompartmentId
);
id_type!(
    /// A boundary (vacuum or fixed reservoir).
    BoundaryId
);
id_type!(
    /// A link between two nodes.
    LinkId
);
id_type!(
    /// A gas source or sink.
    SourceId
);
id_type!(
    /// An event (its position in [`Network::events`]).
    EventId
);
id_type!(
    /// A running average (its position in [`Network::averages`]).
    AverageId
);

/// An end of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeId {
    Compartment(CompartmentId),
    Boundary(BoundaryId),
}

/// How a compartment's temperature is found.
#[derive(Debug, Clone, PartialEq)]
pub enum Thermal {
    /// Temperature imposed (constant or scheduled), K.
    Isothermal { temperature: Schedule },
    /// Energy balance: `dU/dt = sum_in mdot h_up - sum_out mdot h + hA (T_wall - T) + Q`.
    /// `conductance` hA in W/K (0 = adiabatic), `wall_temperature` K, `heat_load` W.
    Energy {
        conductance: f64,
        wall_temperature: Schedule,
        heat_load: Schedule,
    },
}

/// A volume of well-mixed gas.
#[derive(Debug, Clone, PartialEq)]
pub struct Compartment {
    pub name: String,
    /// m3.
    pub volume: f64,
    /// Initial pressure, Pa.
    pub pressure: f64,
    /// Initial temperature, K.
    pub temperature: f64,
    /// Initial mole fractions, indexed like the gas table.
    pub composition: Vec<f64>,
    pub thermal: Thermal,
}

/// What a boundary imposes.
#[derive(Debug, Clone, PartialEq)]
pub enum BoundaryKind {
    /// p = 0: absorbs whatever reaches it.
    Vacuum,
    /// Fixed pressure (Pa), temperature (K) and mole fractions.
    Reservoir {
        pressure: f64,
        temperature: f64,
        composition: Vec<f64>,
    },
}

/// A node with imposed state. Takes no slot in the dynamics; the mass it receives is booked.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub name: String,
    pub kind: BoundaryKind,
}

/// An edge carrying flow from `from` to `to` (positive mass flow runs from -> to).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub name: String,
    pub from: NodeId,
    pub to: NodeId,
    pub element: FlowElement,
    /// Opening fraction in [0, 1] multiplying the element's flow (a valve, a hatch).
    pub opening: Schedule,
    /// Open at the start of the run (events open and close it).
    pub open: bool,
}

/// Gas injection (positive rates) or removal (negative rates) in a compartment.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    pub into: CompartmentId,
    /// Mass rate of each species at multiplier 1, kg/s (negative removes).
    pub rates: Vec<f64>,
    /// Multiplier applied to every rate (a schedule of the source).
    pub schedule: Schedule,
    /// Temperature of injected gas, K (its enthalpy enters the energy balance).
    pub temperature: f64,
    /// Running at the start.
    pub active: bool,
    /// What sets the rates: fixed rates, a crew, or an ECLSS device (see [`crate::life`]).
    pub law: SourceLaw,
}

/// A quantity a threshold trigger watches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// Pa.
    Pressure(CompartmentId),
    /// Partial pressure of a species, Pa.
    PartialPressure(CompartmentId, usize),
    /// K.
    Temperature(CompartmentId),
    /// kg (all species).
    Mass(CompartmentId),
    /// Signed mass flow of a link, kg/s.
    MassFlow(LinkId),
    /// A running average over a past window (see [`Average`]), in its quantity's unit.
    Average(AverageId),
}

/// The average of a compartment's pressure or partial pressure over the window before each
/// time, `(E(t) - E(t - window)) / window` with `E(t)` the integral of the quantity from the
/// start, a state the integrator carries; before the start the quantity is taken to have
/// held its initial value (so the average starts at the initial value). Spacecraft
/// atmosphere limits are set on such averages (the 24-hour average of ppCO2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Average {
    /// [`Quantity::Pressure`] or [`Quantity::PartialPressure`].
    pub quantity: Quantity,
    /// s, > 0.
    pub window: f64,
}

/// Direction of a threshold crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Rising,
    Falling,
    Either,
}

/// When an event fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// At a time, s.
    At(f64),
    /// When `quantity - threshold` changes sign in `direction`.
    Crosses {
        quantity: Quantity,
        threshold: f64,
        direction: Direction,
    },
    /// When `quantity` crosses the value it had when event `since` first fired, plus
    /// `offset`, in `direction` ("1 mmHg below the pressure at which the valve closed"). Not
    /// watched before `since` fires; from then on located by root finding like
    /// [`Trigger::Crosses`], with the threshold fixed at that value.
    CrossesSince {
        quantity: Quantity,
        since: EventId,
        /// Added to the value at `since`, in the quantity's SI unit.
        offset: f64,
        direction: Direction,
    },
}

/// What an event does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Set an element parameter (or the opening) of a link to a constant from now on.
    SetParameter {
        link: LinkId,
        parameter: Parameter,
        value: f64,
    },
    Open(LinkId),
    Close(LinkId),
    StartSource(SourceId),
    StopSource(SourceId),
    /// Stop the run here.
    EndRun,
    /// Only record the time (a marker).
    Log,
}

/// Trigger + action(s). Fires once unless `repeat`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub trigger: Trigger,
    pub actions: Vec<Action>,
    pub repeat: bool,
}

/// What events change in a network: every link (open or closed, its opening, its element's
/// parameters) and whether each source runs. The integrator applies actions to it; a run's
/// [`Outcome`](crate::Outcome) hands back the one the events left.
#[derive(Debug, Clone, PartialEq)]
pub struct Switches {
    /// Per link, as the actions so far left it.
    pub links: Vec<Link>,
    /// Per source: running.
    pub source_active: Vec<bool>,
}

impl Switches {
    /// The switches of `net` at the start of a run.
    pub fn of(net: &Network) -> Switches {
        Switches {
            links: net.links.clone(),
            source_active: net.sources.iter().map(|s| s.active).collect(),
        }
    }

    /// Apply an event action. Returns true when the run must end ([`Action::EndRun`]).
    pub fn apply(&mut self, action: &Action) -> bool {
        match action {
            Action::SetParameter {
                link,
                parameter,
                value,
            } => {
                let l = &mut self.links[link.0];
                if *parameter == Parameter::Opening {
                    l.opening = Schedule::Constant(*value);
                } else {
                    l.element.set_parameter(*parameter, *value);
                }
            }
            Action::Open(l) => self.links[l.0].open = true,
            Action::Close(l) => self.links[l.0].open = false,
            Action::StartSource(s) => self.source_active[s.0] = true,
            Action::StopSource(s) => self.source_active[s.0] = false,
            Action::EndRun => return true,
            Action::Log => {}
        }
        false
    }
}

/// A validated network. Build with [`Network::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub gas: Gas,
    pub compartments: Vec<Compartment>,
    pub boundaries: Vec<Boundary>,
    pub links: Vec<Link>,
    pub sources: Vec<Source>,
    pub events: Vec<Event>,
    /// Running averages that events and outputs may watch.
    pub averages: Vec<Average>,
}

/// The parts of a network, before checking.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetworkParts {
    pub gas: Option<Gas>,
    pub compartments: Vec<Compartment>,
    pub boundaries: Vec<Boundary>,
    pub links: Vec<Link>,
    pub sources: Vec<Source>,
    pub events: Vec<Event>,
    pub averages: Vec<Average>,
}

impl Network {
    /// Check the parts and build the network, or return every problem found.
    pub fn new(parts: NetworkParts) -> Result<Network, Vec<ModelError>> {
        Network::unchecked(parts).checked(None)
    }

    /// Build a network from `parts` that differ from the checked network `like` only in
    /// values (what a sweep's or a fit's parameters set), checking only what can have
    /// changed: where the compartments, boundaries, links and sources carry `like`'s names in
    /// `like`'s order, the names are not checked again, and an item equal to `like`'s at its
    /// place is not checked again (it passed in the same context: the same lists and
    /// species). The gas, events and averages are always checked. Parts named otherwise get
    /// the full check of [`Network::new`]. The result is the one [`Network::new`] gives.
    pub fn revalued(parts: NetworkParts, like: &Network) -> Result<Network, Vec<ModelError>> {
        let net = Network::unchecked(parts);
        let like = net.same_names(like).then_some(like);
        net.checked(like)
    }

    fn unchecked(parts: NetworkParts) -> Network {
        Network {
            gas: parts.gas.unwrap_or_else(Gas::air),
            compartments: parts.compartments,
            boundaries: parts.boundaries,
            links: parts.links,
            sources: parts.sources,
            events: parts.events,
            averages: parts.averages,
        }
    }

    /// The network if it passes [`Network::check`], else every problem found.
    fn checked(self, like: Option<&Network>) -> Result<Network, Vec<ModelError>> {
        let errors = self.check(like);
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    /// The parts again (to be changed and built anew, as with [`Network::revalued`]).
    pub fn into_parts(self) -> NetworkParts {
        NetworkParts {
            gas: Some(self.gas),
            compartments: self.compartments,
            boundaries: self.boundaries,
            links: self.links,
            sources: self.sources,
            events: self.events,
            averages: self.averages,
        }
    }

    /// Whether the named items and the species are `other`'s, by name, in its order.
    fn same_names(&self, other: &Network) -> bool {
        fn same<T>(a: &[T], b: &[T], name: impl Fn(&T) -> &str) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| name(x) == name(y))
        }
        same(&self.gas.species, &other.gas.species, |s| &s.name)
            && same(&self.compartments, &other.compartments, |c| &c.name)
            && same(&self.boundaries, &other.boundaries, |b| &b.name)
            && same(&self.links, &other.links, |l| &l.name)
            && same(&self.sources, &other.sources, |s| &s.name)
    }

    /// The network as `switches` leave it: its links replaced by theirs, each source running
    /// or not as they say.
    pub fn switched(&self, switches: &Switches) -> Network {
        let mut net = self.clone();
        net.links.clone_from(&switches.links);
        for (s, &active) in net.sources.iter_mut().zip(&switches.source_active) {
            s.active = active;
        }
        net
    }

    /// Name of a node.
    pub fn node_name(&self, node: NodeId) -> &str {
        match node {
            NodeId::Compartment(c) => &self.compartments[c.0].name,
            NodeId::Boundary(b) => &self.boundaries[b.0].name,
        }
    }

    /// Compartment id by name.
    pub fn compartment(&self, name: &str) -> Option<CompartmentId> {
        self.compartments
            .iter()
            .position(|c| c.name == name)
            .map(CompartmentId)
    }

    /// Link id by name.
    pub fn link(&self, name: &str) -> Option<LinkId> {
        self.links.iter().position(|l| l.name == name).map(LinkId)
    }

    /// Boundary id by name.
    pub fn boundary(&self, name: &str) -> Option<BoundaryId> {
        self.boundaries
            .iter()
            .position(|b| b.name == name)
            .map(BoundaryId)
    }

    /// Every problem of the network; `like`: a checked network with the same names and
    /// species (see [`Network::revalued`]), whose items need not be checked again.
    fn check<'a>(&'a self, like: Option<&Network>) -> Vec<ModelError> {
        let mut errs = Vec::new();
        let ns = self.gas.len();
        let mut err = |kind: &'static str, name: &str, message: String| {
            errs.push(ModelError {
                kind,
                name: name.to_string(),
                message,
            });
        };
        if ns == 0 {
            err("gas", "species", "the species table is empty".into());
        }
        for s in &self.gas.species {
            if !(s.molar_mass > 0.0 && s.molar_mass.is_finite()) {
                err(
                    "species",
                    &s.name,
                    format!("molar mass {} kg/mol is not positive", s.molar_mass),
                );
            }
            if !(s.cp_molar > crate::gas::R_UNIVERSAL && s.cp_molar.is_finite()) {
                err(
                    "species",
                    &s.name,
                    format!(
                        "molar cp {} J/(mol K) must exceed R = 8.314 J/(mol K)",
                        s.cp_molar
                    ),
                );
            }
        }
        if self.compartments.is_empty() {
            err(
                "network",
                "compartments",
                "no compartments; expected at least one".into(),
            );
        }
        // A map, not a list searched for each name: a network of 20 000 compartments took
        // seconds to check with the list.
        // Keyed by the borrowed names (no copy of each name on every check: a sweep checks
        // its network once per run).
        // Names equal to a checked network's are unique already.
        let mut all_names: std::collections::HashMap<&str, &'static str> =
            std::collections::HashMap::with_capacity(if like.is_some() {
                0
            } else {
                self.compartments.len() + self.boundaries.len() + self.links.len()
            });
        let mut dup = |name: &'a str, kind: &'static str, out: &mut Vec<ModelError>| {
            if like.is_some() {
                return;
            }
            if let Some(k) = all_names.get(name) {
                out.push(ModelError {
                    kind,
                    name: name.to_string(),
                    message: format!("duplicate name (also used by a {k}); expected unique names"),
                });
            } else {
                all_names.insert(name, kind);
            }
        };
        let mut more = Vec::new();
        for (i, c) in self.compartments.iter().enumerate() {
            if like.is_some_and(|n| n.compartments[i] == *c) {
                continue;
            }
            dup(&c.name, "compartment", &mut more);
            check_number(
                Least::Positive,
                &mut more,
                "compartment",
                &c.name,
                "volume",
                c.volume,
                "m3",
            );
            check_number(
                Least::Zero,
                &mut more,
                "compartment",
                &c.name,
                "pressure",
                c.pressure,
                "Pa",
            );
            check_number(
                Least::Positive,
                &mut more,
                "compartment",
                &c.name,
                "temperature",
                c.temperature,
                "K",
            );
            check_composition(&mut more, "compartment", &c.name, &c.composition, ns);
            if let Thermal::Energy { conductance, .. } = &c.thermal {
                check_number(
                    Least::Zero,
                    &mut more,
                    "compartment",
                    &c.name,
                    "wall conductance",
                    *conductance,
                    "W/K",
                );
            }
        }
        for (i, b) in self.boundaries.iter().enumerate() {
            if like.is_some_and(|n| n.boundaries[i] == *b) {
                continue;
            }
            dup(&b.name, "boundary", &mut more);
            if let BoundaryKind::Reservoir {
                pressure,
                temperature,
                composition,
            } = &b.kind
            {
                check_number(
                    Least::Zero,
                    &mut more,
                    "boundary",
                    &b.name,
                    "pressure",
                    *pressure,
                    "Pa",
                );
                check_number(
                    Least::Positive,
                    &mut more,
                    "boundary",
                    &b.name,
                    "temperature",
                    *temperature,
                    "K",
                );
                check_composition(&mut more, "boundary", &b.name, composition, ns);
            }
        }
        for (i, l) in self.links.iter().enumerate() {
            if like.is_some_and(|n| n.links[i] == *l) {
                continue;
            }
            dup(&l.name, "link", &mut more);
            let node_ok = |n: NodeId| match n {
                NodeId::Compartment(c) => c.0 < self.compartments.len(),
                NodeId::Boundary(b) => b.0 < self.boundaries.len(),
            };
            if !node_ok(l.from) || !node_ok(l.to) {
                more.push(ModelError::new(
                    "link",
                    &l.name,
                    "refers to a node that does not exist",
                ));
                continue;
            }
            if l.from == l.to {
                more.push(ModelError::new(
                    "link",
                    &l.name,
                    "connects a node to itself; expected two different nodes",
                ));
            }
            if matches!(l.from, NodeId::Boundary(_)) && matches!(l.to, NodeId::Boundary(_)) {
                more.push(ModelError::new(
                    "link",
                    &l.name,
                    "connects two boundaries; expected at least one compartment",
                ));
            }
            check_element(&mut more, &l.name, &l.element);
            if let Err(m) = l.opening.check() {
                more.push(ModelError::new("link", &l.name, format!("opening: {m}")));
            }
            for v in l.opening.extreme_values(0.0) {
                if !(0.0..=1.0).contains(&v) {
                    more.push(ModelError::new(
                        "link",
                        &l.name,
                        format!("opening {v} is outside [0, 1]"),
                    ));
                    break;
                }
            }
        }
        for (i, s) in self.sources.iter().enumerate() {
            if like.is_some_and(|n| n.sources[i] == *s) {
                continue;
            }
            dup(&s.name, "source", &mut more);
            if s.into.0 >= self.compartments.len() {
                more.push(ModelError::new(
                    "source",
                    &s.name,
                    "feeds a compartment that does not exist",
                ));
            }
            if s.rates.len() != ns || s.rates.iter().any(|r| !r.is_finite()) {
                more.push(ModelError::new(
                    "source",
                    &s.name,
                    format!("needs one finite rate per species ({ns})"),
                ));
            }
            check_number(
                Least::Positive,
                &mut more,
                "source",
                &s.name,
                "temperature",
                s.temperature,
                "K",
            );
            if let Err(m) = s.schedule.check() {
                more.push(ModelError::new("source", &s.name, format!("schedule: {m}")));
            }
            self.check_law(&mut more, s);
        }
        for e in &self.events {
            self.check_event(&mut more, e);
        }
        self.check_averages(&mut more);
        errs.extend(more);
        errs
    }

    fn check_law(&self, out: &mut Vec<ModelError>, s: &Source) {
        let ns = self.gas.len();
        let mut bad = |m: String| out.push(ModelError::new("source", &s.name, m));
        let species = |k: usize| k < ns;
        let number = |what: &str, v: f64, positive: bool, unit: &str| {
            let ok = v.is_finite() && if positive { v > 0.0 } else { v >= 0.0 };
            (!ok).then(|| {
                let expected = if positive {
                    "a positive number"
                } else {
                    "a number >= 0"
                };
                format!("{what} is {v} {unit}; expected {expected}")
            })
        };
        match &s.law {
            SourceLaw::Fixed => {}
            SourceLaw::Crew { heat } => {
                if let Some(m) = number("crew heat", *heat, false, "W") {
                    bad(m);
                }
            }
            SourceLaw::Removal {
                species: k,
                flow,
                efficiency,
                capacity,
            } => {
                if !species(*k) {
                    bad(format!("removes species {k}, not in the gas table"));
                }
                if let Some(m) = number("flow", *flow, false, "m3/s") {
                    bad(m);
                }
                if !(0.0..=1.0).contains(efficiency) {
                    bad(format!(
                        "efficiency is {efficiency}; expected a number in [0, 1]"
                    ));
                }
                if let Some(m) = capacity.and_then(|c| number("capacity", c, true, "kg/s")) {
                    bad(m);
                }
            }
            SourceLaw::Condenser {
                species: k,
                flow,
                dew_point,
            } => {
                if !species(*k) {
                    bad(format!("condenses species {k}, not in the gas table"));
                }
                if let Some(m) = number("flow", *flow, false, "m3/s") {
                    bad(m);
                }
                if !(*dew_point > 173.15 && *dew_point < 373.15) {
                    bad(format!(
                        "dew point is {dew_point} K; expected -100 to 100 degC (Magnus' formula)"
                    ));
                }
            }
            SourceLaw::Feed {
                max_flow,
                tank,
                control,
            } => {
                match tank {
                    Some(t) if t.0 >= self.compartments.len() => {
                        bad("draws from a tank compartment that does not exist".into());
                    }
                    Some(t) if *t == s.into => {
                        bad("draws from the compartment it feeds; expected another tank".into());
                    }
                    Some(_) => {
                        if let Some(m) = number("max flow", *max_flow, false, "kg/s") {
                            bad(m);
                        }
                    }
                    None => {
                        if s.rates.iter().any(|r| *r < 0.0) {
                            bad("a feed's rates must be >= 0 (it supplies gas)".into());
                        }
                    }
                }
                if let Some(c) = control {
                    if let Sensed::PartialPressure(k) = c.sensed {
                        if !species(k) {
                            bad(format!("senses species {k}, not in the gas table"));
                        }
                    }
                    if let Some(m) = number("setpoint", c.setpoint, false, "Pa") {
                        bad(m);
                    }
                    if let Some(m) = number("band", c.band, true, "Pa") {
                        bad(m);
                    }
                }
            }
        }
    }

    /// Whether every item a quantity names exists.
    fn quantity_exists(&self, q: &Quantity) -> bool {
        match q {
            Quantity::Pressure(c) | Quantity::Temperature(c) | Quantity::Mass(c) => {
                c.0 < self.compartments.len()
            }
            Quantity::PartialPressure(c, s) => c.0 < self.compartments.len() && *s < self.gas.len(),
            Quantity::MassFlow(l) => l.0 < self.links.len(),
            Quantity::Average(a) => a.0 < self.averages.len(),
        }
    }

    fn check_averages(&self, out: &mut Vec<ModelError>) {
        for (k, a) in self.averages.iter().enumerate() {
            let name = format!("average {k}");
            if !matches!(
                a.quantity,
                Quantity::Pressure(_) | Quantity::PartialPressure(..)
            ) || !self.quantity_exists(&a.quantity)
            {
                out.push(ModelError::new(
                    "average",
                    &name,
                    "averages a quantity that does not exist or is not a compartment's pressure or partial pressure",
                ));
            }
            if !(a.window > 0.0 && a.window.is_finite()) {
                out.push(ModelError::new(
                    "average",
                    &name,
                    format!("window is {} s; expected a positive time", a.window),
                ));
            }
        }
    }

    fn check_event(&self, out: &mut Vec<ModelError>, e: &Event) {
        match &e.trigger {
            Trigger::At(t) => {
                if !(t.is_finite() && *t >= 0.0) {
                    out.push(ModelError::new(
                        "event",
                        &e.name,
                        format!("time {t} s is not a time >= 0"),
                    ));
                }
            }
            Trigger::Crosses {
                quantity,
                threshold: value,
                ..
            }
            | Trigger::CrossesSince {
                quantity,
                offset: value,
                ..
            } => {
                if !value.is_finite() {
                    out.push(ModelError::new("event", &e.name, "threshold is not finite"));
                }
                if let Trigger::CrossesSince { since, .. } = &e.trigger {
                    if self.events.get(since.0).is_none_or(|s| std::ptr::eq(s, e)) {
                        out.push(ModelError::new(
                            "event",
                            &e.name,
                            "is relative to an event that does not exist (or to itself)",
                        ));
                    }
                }
                if !self.quantity_exists(quantity) {
                    out.push(ModelError::new(
                        "event",
                        &e.name,
                        "watches an item that does not exist",
                    ));
                }
            }
        }
        for a in &e.actions {
            match a {
                Action::SetParameter {
                    link,
                    parameter,
                    value,
                } => {
                    let Some(l) = self.links.get(link.0) else {
                        out.push(ModelError::new(
                            "event",
                            &e.name,
                            "sets a link that does not exist",
                        ));
                        continue;
                    };
                    if !value.is_finite() {
                        out.push(ModelError::new(
                            "event",
                            &e.name,
                            "sets a value that is not finite",
                        ));
                    }
                    if *parameter == Parameter::Opening {
                        if !(0.0..=1.0).contains(value) {
                            out.push(ModelError::new(
                                "event",
                                &e.name,
                                format!("sets opening {value}; expected a fraction in [0, 1]"),
                            ));
                        }
                    } else if matches!(l.element, FlowElement::HatchSeal { .. })
                        && parameter
                            .on_side(crate::element::SealSide::Seated)
                            .is_some()
                    {
                        out.push(ModelError::new(
                            "event",
                            &e.name,
                            format!(
                                "sets {parameter:?} on link '{}', a HatchSeal: that would set both its seated and unseated laws and erase its direction dependence; expected Seated{parameter:?} or Unseated{parameter:?}",
                                l.name
                            ),
                        ));
                    } else if !l.element.clone().set_parameter(*parameter, *value) {
                        out.push(ModelError::new(
                            "event",
                            &e.name,
                            format!(
                                "sets {parameter:?} on link '{}', a {} that has no such parameter",
                                l.name,
                                l.element.kind()
                            ),
                        ));
                    }
                }
                Action::Open(l) | Action::Close(l) => {
                    if l.0 >= self.links.len() {
                        out.push(ModelError::new(
                            "event",
                            &e.name,
                            "opens or closes a link that does not exist",
                        ));
                    }
                }
                Action::StartSource(s) | Action::StopSource(s) => {
                    if s.0 >= self.sources.len() {
                        out.push(ModelError::new(
                            "event",
                            &e.name,
                            "starts or stops a source that does not exist",
                        ));
                    }
                }
                Action::EndRun | Action::Log => {}
            }
        }
    }
}

/// The least value a number may take.
#[derive(Clone, Copy)]
enum Least {
    Positive,
    Zero,
}

fn check_number(
    least: Least,
    out: &mut Vec<ModelError>,
    kind: &'static str,
    name: &str,
    what: &str,
    v: f64,
    unit: &str,
) {
    let (ok, expected) = match least {
        Least::Positive => (v > 0.0, "a positive number"),
        Least::Zero => (v >= 0.0, "a number >= 0"),
    };
    if !(ok && v.is_finite()) {
        out.push(ModelError::new(
            kind,
            name,
            format!("{what} is {v} {unit}; expected {expected}"),
        ));
    }
}

fn check_composition(
    out: &mut Vec<ModelError>,
    kind: &'static str,
    name: &str,
    x: &[f64],
    ns: usize,
) {
    if x.len() != ns {
        out.push(ModelError::new(
            kind,
            name,
            format!(
                "composition has {} entries; expected one per species ({ns})",
                x.len()
            ),
        ));
        return;
    }
    if x.iter().any(|v| !(*v >= 0.0 && v.is_finite())) {
        out.push(ModelError::new(
            kind,
            name,
            "composition has a negative or non-finite fraction",
        ));
        return;
    }
    let sum: f64 = x.iter().sum();
    if (sum - 1.0).abs() > 1e-6 {
        out.push(ModelError::new(
            kind,
            name,
            format!("mole fractions sum to {sum}; expected 1"),
        ));
    }
}

fn check_element(out: &mut Vec<ModelError>, link: &str, e: &FlowElement) {
    for s in e.schedules() {
        if let Err(m) = s.check() {
            out.push(ModelError::new("link", link, format!("{}: {m}", e.kind())));
        }
        if s.extreme_values(0.0).iter().any(|v| *v < 0.0) {
            out.push(ModelError::new(
                "link",
                link,
                format!(
                    "{} has a negative parameter; expected values >= 0",
                    e.kind()
                ),
            ));
        }
    }
    match e {
        FlowElement::Orifice { cd, area_law, .. } => {
            check_cd(out, link, cd);
            match area_law {
                crate::element::AreaLaw::PowerOfPressure { p0, k } => {
                    if !(*p0 > 0.0 && p0.is_finite() && k.is_finite()) {
                        out.push(ModelError::new(
                            "link",
                            link,
                            "area law needs p0 > 0 and a finite exponent",
                        ));
                    }
                }
                crate::element::AreaLaw::LinearInDp { beta } => {
                    if !beta.is_finite() {
                        out.push(ModelError::new("link", link, "area law beta is not finite"));
                    }
                }
                crate::element::AreaLaw::Fixed => {}
            }
        }
        FlowElement::OpenHatch { cd, .. } => check_cd(out, link, cd),
        FlowElement::PowerLaw { n, .. } => {
            if !(0.5..=1.0).contains(n) {
                out.push(ModelError::new(
                    "link",
                    link,
                    format!("power-law exponent n = {n} is out of range; expected 0.5 <= n <= 1"),
                ));
            }
        }
        FlowElement::ViscousCrack {
            geometry,
            viscosity,
        } => {
            let dims: Vec<f64> = match geometry {
                crate::element::CrackGeometry::Slit { width, gap, depth } => {
                    vec![*width, *gap, *depth]
                }
                crate::element::CrackGeometry::Tube { diameter, length } => {
                    vec![*diameter, *length]
                }
                crate::element::CrackGeometry::Conductance {
                    k,
                    opening,
                    temperature,
                } => {
                    let mut v = vec![*k, *opening];
                    v.extend(temperature);
                    v
                }
            };
            if dims.iter().any(|d| !(*d > 0.0 && d.is_finite())) {
                out.push(ModelError::new(
                    "link",
                    link,
                    if matches!(geometry, crate::element::CrackGeometry::Conductance { .. }) {
                        "crack conductance, opening and temperature must be positive"
                    } else {
                        "crack dimensions must be positive"
                    },
                ));
            }
            if !(*viscosity > 0.0 && viscosity.is_finite()) {
                out.push(ModelError::new("link", link, "viscosity must be positive"));
            }
        }
        FlowElement::HatchSeal { seated, unseated } => {
            for sub in [seated.as_ref(), unseated.as_ref()] {
                if matches!(sub, FlowElement::HatchSeal { .. } | FlowElement::Fan { .. }) {
                    out.push(ModelError::new(
                        "link",
                        link,
                        "a hatch seal is built from Orifice, PowerLaw, ViscousCrack or Linear laws",
                    ));
                }
                check_element(out, link, sub);
            }
        }
        FlowElement::Linear { .. } => {}
        FlowElement::Fan { shutoff_dp, .. } => {
            if let Some(s) = shutoff_dp {
                if !(*s > 0.0 && s.is_finite()) {
                    out.push(ModelError::new(
                        "link",
                        link,
                        "fan shut-off pressure must be positive",
                    ));
                }
            }
        }
    }
}

fn check_cd(out: &mut Vec<ModelError>, link: &str, cd: &Schedule) {
    if cd
        .extreme_values(0.0)
        .iter()
        .any(|v| !(*v > 0.0 && *v <= 1.0))
    {
        out.push(ModelError::new(
            "link",
            link,
            "discharge coefficient out of range; expected 0 < Cd <= 1",
        ));
    }
}
