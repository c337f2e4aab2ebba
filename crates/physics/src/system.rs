//! The network as an ODE system: state layout, right-hand side and its Jacobian-vector
//! product.
//!
//! State (all conserved quantities, SI):
//! - per compartment: the mass of each species (kg), then the internal energy U (J) when the
//!   compartment's thermal mode is [`Thermal::Energy`];
//! - a ledger: the cumulative mass of each species received by each boundary, then the
//!   cumulative mass of each species removed from outside by each source (its negative
//!   delivery), so that compartments + ledger is constant to round-off.
//!
//! Pressure, temperature and composition are derived from the state, never integrated.

use std::cell::{Cell, RefCell};

use crate::element::{Flow, GasState, Parameter};
use crate::model::{Action, BoundaryKind, Link, Network, NodeId, Quantity, Thermal};
use crate::schedule::Schedule;

/// Derived state of a node, and its directional derivative for the Jacobian product.
#[derive(Debug, Clone, Default)]
struct NodeVals {
    gas: GasState,
    /// Total mass, kg (0 for boundaries).
    m: f64,
    /// Mass-basis cp of the mixture, J/(kg K).
    cp: f64,
    /// Specific enthalpy cp T, J/kg.
    h: f64,
    // Directional derivatives along v.
    dp: f64,
    dt: f64,
    dh: f64,
}

impl Default for GasState {
    fn default() -> Self {
        GasState {
            p: 0.0,
            t: 1.0,
            r: 287.0,
            gamma: 1.4,
        }
    }
}

/// Where a link's ends live in the node table and the state vector.
#[derive(Debug, Clone, Copy)]
struct LinkEnds {
    ia: usize,
    ib: usize,
    sa: usize,
    sb: usize,
    ea: Option<usize>,
    eb: Option<usize>,
}

/// Run-time switches that events change.
#[derive(Debug, Clone)]
pub(crate) struct Switches {
    pub links: Vec<Link>,
    pub source_active: Vec<bool>,
}

/// Scratch buffers reused by every evaluation.
#[derive(Debug, Default)]
struct Scratch {
    nodes: Vec<NodeVals>,
    /// Mass fractions per node, `node * ns + s`.
    y: Vec<f64>,
    /// Directional derivative of the mass fractions.
    dy: Vec<f64>,
}

/// The ODE system of a network.
#[derive(Debug)]
pub struct System<'n> {
    pub(crate) net: &'n Network,
    ns: usize,
    /// Offset of each compartment's first state.
    offsets: Vec<usize>,
    /// State index of each compartment's internal energy, if any.
    energy: Vec<Option<usize>>,
    ledger: usize,
    n: usize,
    species_r: Vec<f64>,
    species_cp: Vec<f64>,
    species_cv: Vec<f64>,
    /// Fixed node values of the boundaries (mass fractions in `boundary_y`).
    boundary_vals: Vec<NodeVals>,
    boundary_y: Vec<f64>,
    /// Per link: node indices, state slots and energy slots of both ends, resolved once.
    ends: Vec<LinkEnds>,
    /// Per compartment: 1 / volume, and the temperature when it is a constant.
    inv_volume: Vec<f64>,
    fixed_temperature: Vec<Option<f64>>,
    pub(crate) switches: RefCell<Switches>,
    scratch: RefCell<Scratch>,
    pub(crate) rhs_evals: Cell<usize>,
    pub(crate) jvp_evals: Cell<usize>,
}

impl<'n> System<'n> {
    /// Lay out the state of `net`.
    pub fn new(net: &'n Network) -> Self {
        let ns = net.gas.len();
        let mut offsets = Vec::with_capacity(net.compartments.len());
        let mut energy = Vec::with_capacity(net.compartments.len());
        let mut k = 0;
        for c in &net.compartments {
            offsets.push(k);
            k += ns;
            if matches!(c.thermal, Thermal::Energy { .. }) {
                energy.push(Some(k));
                k += 1;
            } else {
                energy.push(None);
            }
        }
        let ledger = k;
        let n = ledger + ns * (net.boundaries.len() + net.sources.len());
        let species_r = net.gas.species.iter().map(|s| s.r_specific()).collect();
        let species_cp = net.gas.species.iter().map(|s| s.cp()).collect();
        let species_cv = net.gas.species.iter().map(|s| s.cv()).collect();
        let mut boundary_vals = Vec::new();
        let mut boundary_y = Vec::new();
        for b in &net.boundaries {
            match &b.kind {
                BoundaryKind::Vacuum => {
                    boundary_vals.push(NodeVals::default());
                    boundary_y.extend(std::iter::repeat_n(0.0, ns));
                }
                BoundaryKind::Reservoir {
                    pressure,
                    temperature,
                    composition,
                } => {
                    let y = net.gas.mass_fractions(composition);
                    let mix = net.gas.mixture(&y);
                    boundary_vals.push(NodeVals {
                        gas: GasState {
                            p: *pressure,
                            t: *temperature,
                            r: mix.r,
                            gamma: mix.gamma(),
                        },
                        m: 0.0,
                        cp: mix.cp,
                        h: mix.cp * temperature,
                        ..NodeVals::default()
                    });
                    boundary_y.extend(y);
                }
            }
        }
        let node_index = |n: NodeId| match n {
            NodeId::Compartment(c) => c.0,
            NodeId::Boundary(b) => net.compartments.len() + b.0,
        };
        let node_slot = |n: NodeId| match n {
            NodeId::Compartment(c) => offsets[c.0],
            NodeId::Boundary(b) => ledger + b.0 * ns,
        };
        let node_energy = |n: NodeId| match n {
            NodeId::Compartment(c) => energy[c.0],
            NodeId::Boundary(_) => None,
        };
        let ends = net
            .links
            .iter()
            .map(|l| LinkEnds {
                ia: node_index(l.from),
                ib: node_index(l.to),
                sa: node_slot(l.from),
                sb: node_slot(l.to),
                ea: node_energy(l.from),
                eb: node_energy(l.to),
            })
            .collect();
        let inv_volume = net.compartments.iter().map(|c| 1.0 / c.volume).collect();
        let fixed_temperature = net
            .compartments
            .iter()
            .map(|c| match &c.thermal {
                Thermal::Isothermal {
                    temperature: Schedule::Constant(t),
                } => Some(*t),
                _ => None,
            })
            .collect();
        System {
            ends,
            inv_volume,
            fixed_temperature,
            net,
            ns,
            offsets,
            energy,
            ledger,
            n,
            species_r,
            species_cp,
            species_cv,
            boundary_vals,
            boundary_y,
            switches: RefCell::new(Switches {
                links: net.links.clone(),
                source_active: net.sources.iter().map(|s| s.active).collect(),
            }),
            scratch: RefCell::new(Scratch::default()),
            rhs_evals: Cell::new(0),
            jvp_evals: Cell::new(0),
        }
    }

    /// Length of the state vector.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True for an empty state (never for a valid network).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Number of species.
    pub fn species(&self) -> usize {
        self.ns
    }

    /// Index of the first ledger entry (boundaries, then sources; `ns` entries each).
    pub fn ledger_offset(&self) -> usize {
        self.ledger
    }

    /// State offset of compartment `i`'s species masses.
    pub fn compartment_offset(&self, i: usize) -> usize {
        self.offsets[i]
    }

    /// State index of compartment `i`'s internal energy, when its energy balance is on.
    pub fn energy_index(&self, i: usize) -> Option<usize> {
        self.energy[i]
    }

    /// The initial state.
    pub fn initial_state(&self) -> Vec<f64> {
        let mut y0 = vec![0.0; self.n];
        for (i, c) in self.net.compartments.iter().enumerate() {
            let yf = self.net.gas.mass_fractions(&c.composition);
            let mix = self.net.gas.mixture(&yf);
            let m = c.pressure * c.volume / (mix.r * c.temperature);
            for (s, ys) in yf.iter().enumerate() {
                y0[self.offsets[i] + s] = m * ys;
            }
            if let Some(e) = self.energy[i] {
                y0[e] = m * mix.cv * c.temperature;
            }
        }
        y0
    }

    /// Absolute tolerance per state entry from a pressure tolerance (Pa): a compartment's mass
    /// tolerance is the mass that changes its pressure by `atol_pressure`; energy scales with
    /// cv T; the ledger uses the tightest compartment tolerance.
    pub fn absolute_tolerances(&self, atol_pressure: f64) -> Vec<f64> {
        let mut atol = vec![0.0; self.n];
        let mut smallest = f64::INFINITY;
        for (i, c) in self.net.compartments.iter().enumerate() {
            let yf = self.net.gas.mass_fractions(&c.composition);
            let mix = self.net.gas.mixture(&yf);
            let am = atol_pressure * c.volume / (mix.r * c.temperature);
            smallest = smallest.min(am);
            for s in 0..self.ns {
                atol[self.offsets[i] + s] = am;
            }
            if let Some(e) = self.energy[i] {
                atol[e] = am * mix.cv * c.temperature;
            }
        }
        for a in atol.iter_mut().skip(self.ledger) {
            *a = smallest;
        }
        atol
    }

    /// Times at which any schedule of the model has a kink or jump.
    pub fn breakpoints(&self) -> Vec<f64> {
        let sw = self.switches.borrow();
        let mut b: Vec<f64> = Vec::new();
        for l in &sw.links {
            for s in l.element.schedules() {
                b.extend(s.breakpoints());
            }
            b.extend(l.opening.breakpoints());
        }
        for s in &self.net.sources {
            b.extend(s.schedule.breakpoints());
        }
        for c in &self.net.compartments {
            match &c.thermal {
                Thermal::Isothermal { temperature } => b.extend(temperature.breakpoints()),
                Thermal::Energy {
                    wall_temperature,
                    heat_load,
                    ..
                } => {
                    b.extend(wall_temperature.breakpoints());
                    b.extend(heat_load.breakpoints());
                }
            }
        }
        b.retain(|t| t.is_finite());
        b.sort_by(f64::total_cmp);
        b.dedup();
        b
    }

    /// Apply an event action. Returns true when the run must end.
    pub(crate) fn apply(&self, action: &Action) -> bool {
        let mut sw = self.switches.borrow_mut();
        match action {
            Action::SetParameter {
                link,
                parameter,
                value,
            } => {
                let l = &mut sw.links[link.0];
                if *parameter == Parameter::Opening {
                    l.opening = Schedule::Constant(*value);
                } else {
                    l.element.set_parameter(*parameter, *value);
                }
            }
            Action::Open(l) => sw.links[l.0].open = true,
            Action::Close(l) => sw.links[l.0].open = false,
            Action::StartSource(s) => sw.source_active[s.0] = true,
            Action::StopSource(s) => sw.source_active[s.0] = false,
            Action::EndRun => return true,
            Action::Log => {}
        }
        false
    }

    /// Fill node values (and, with `v`, their directional derivatives) at (t, y).
    fn fill_nodes(&self, t: f64, y: &[f64], v: Option<&[f64]>, sc: &mut Scratch) {
        let ns = self.ns;
        let nc = self.net.compartments.len();
        let nn = nc + self.net.boundaries.len();
        // Boundaries never change: fill them on the first call only.
        let first = sc.nodes.len() != nn;
        if first {
            sc.nodes.resize(nn, NodeVals::default());
            sc.y.resize(nn * ns, 0.0);
            sc.dy.resize(nn * ns, 0.0);
            for (j, b) in self.boundary_vals.iter().enumerate() {
                sc.nodes[nc + j] = b.clone();
                sc.y[(nc + j) * ns..(nc + j + 1) * ns]
                    .copy_from_slice(&self.boundary_y[j * ns..(j + 1) * ns]);
            }
        }
        for (i, c) in self.net.compartments.iter().enumerate() {
            let off = self.offsets[i];
            if ns == 1 && v.is_none() {
                if let Some(temp) = self.fixed_temperature[i] {
                    // One species at a fixed temperature (the reference problems, and any
                    // perfect-gas model): the mixture is the species itself.
                    let m = y[off];
                    let node = &mut sc.nodes[i];
                    node.gas = GasState {
                        p: m * self.species_r[0] * temp * self.inv_volume[i],
                        t: temp,
                        r: self.species_r[0],
                        gamma: self.species_cp[0] / self.species_cv[0],
                    };
                    node.m = m;
                    node.cp = self.species_cp[0];
                    node.h = self.species_cp[0] * temp;
                    sc.y[i] = if m > 0.0 { 1.0 } else { 0.0 };
                    continue;
                }
            }
            let ms = &y[off..off + ns];
            let m: f64 = ms.iter().sum();
            let inv_m = if m > 0.0 { 1.0 / m } else { 0.0 };
            let mut sum_r = 0.0; // sum m_s R_s
            let mut sum_cv = 0.0; // sum m_s cv_s
            let mut sum_cp = 0.0; // sum m_s cp_s
            for s in 0..ns {
                sum_r += ms[s] * self.species_r[s];
                sum_cv += ms[s] * self.species_cv[s];
                sum_cp += ms[s] * self.species_cp[s];
                sc.y[i * ns + s] = ms[s] * inv_m;
            }
            let temp = match (self.fixed_temperature[i], &c.thermal, self.energy[i]) {
                (Some(temp), _, _) => temp,
                (_, _, Some(e)) if sum_cv > 0.0 => y[e] / sum_cv,
                (_, Thermal::Isothermal { temperature }, _) => temperature.value(t),
                _ => c.temperature,
            };
            let p = sum_r * temp * self.inv_volume[i];
            let (r, cp, cv) = if m > 0.0 {
                (sum_r * inv_m, sum_cp * inv_m, sum_cv * inv_m)
            } else {
                let yf = self.net.gas.mass_fractions(&c.composition);
                let mix = self.net.gas.mixture(&yf);
                (mix.r, mix.cp, mix.cv)
            };
            let node = &mut sc.nodes[i];
            node.gas = GasState {
                p,
                t: temp,
                r,
                gamma: cp / cv,
            };
            node.m = m;
            node.cp = cp;
            node.h = cp * temp;
            if let Some(v) = v {
                let vs = &v[off..off + ns];
                let dm: f64 = vs.iter().sum();
                let mut d_sum_r = 0.0;
                let mut d_sum_cv = 0.0;
                let mut d_cp = 0.0;
                for s in 0..ns {
                    d_sum_r += vs[s] * self.species_r[s];
                    d_sum_cv += vs[s] * self.species_cv[s];
                    let dys = (vs[s] - sc.y[i * ns + s] * dm) * inv_m;
                    sc.dy[i * ns + s] = dys;
                    d_cp += dys * self.species_cp[s];
                }
                let dt = match self.energy[i] {
                    Some(e) if sum_cv > 0.0 => (v[e] - temp * d_sum_cv) / sum_cv,
                    _ => 0.0,
                };
                let node = &mut sc.nodes[i];
                node.dt = dt;
                node.dp = (d_sum_r * temp + sum_r * dt) / c.volume;
                node.dh = d_cp * temp + cp * dt;
            }
        }
    }

    fn node_index(&self, n: NodeId) -> usize {
        match n {
            NodeId::Compartment(c) => c.0,
            NodeId::Boundary(b) => self.net.compartments.len() + b.0,
        }
    }

    /// Flow of one link at the current node values, with opening and open/closed applied.
    fn link_flow(&self, t: f64, link: &Link, nodes: &[NodeVals]) -> Flow {
        if !link.open {
            return Flow::default();
        }
        let opening = link.opening.value(t).clamp(0.0, 1.0);
        if opening == 0.0 {
            return Flow::default();
        }
        let a = &nodes[self.node_index(link.from)].gas;
        let b = &nodes[self.node_index(link.to)].gas;
        let f = link.element.flow(t, a, b);
        if opening == 1.0 {
            f
        } else {
            Flow {
                mdot: f.mdot * opening,
                d_pa: f.d_pa * opening,
                d_pb: f.d_pb * opening,
                d_ta: f.d_ta * opening,
                d_tb: f.d_tb * opening,
            }
        }
    }

    /// Right-hand side dy/dt at (t, y).
    pub fn rhs(&self, t: f64, y: &[f64], dydt: &mut [f64]) {
        self.rhs_evals.set(self.rhs_evals.get() + 1);
        self.eval(t, y, None, dydt);
    }

    /// Jacobian-vector product J(t, y) v, assembled analytically from each element's
    /// derivatives and the chain rule through the derived node quantities.
    pub fn jvp(&self, t: f64, y: &[f64], v: &[f64], out: &mut [f64]) {
        self.jvp_evals.set(self.jvp_evals.get() + 1);
        self.eval(t, y, Some(v), out);
    }

    /// With `v = None`, writes f(t, y); with `Some(v)`, writes J v.
    fn eval(&self, t: f64, y: &[f64], v: Option<&[f64]>, out: &mut [f64]) {
        let ns = self.ns;
        out.fill(0.0);
        let mut sc = self.scratch.borrow_mut();
        let sc = &mut *sc;
        self.fill_nodes(t, y, v, sc);
        let sw = self.switches.borrow();
        for (link, ends) in sw.links.iter().zip(&self.ends) {
            let f = self.link_flow(t, link, &sc.nodes);
            if f.mdot == 0.0 && f.d_pa == 0.0 && f.d_pb == 0.0 {
                continue;
            }
            let LinkEnds {
                ia,
                ib,
                sa,
                sb,
                ea,
                eb,
            } = *ends;
            let up = if f.mdot >= 0.0 { ia } else { ib };
            let (mdot, h_up) = (f.mdot, sc.nodes[up].h);
            match v {
                None => {
                    for s in 0..ns {
                        let fs = mdot * sc.y[up * ns + s];
                        out[sa + s] -= fs;
                        out[sb + s] += fs;
                    }
                    let hflux = mdot * h_up;
                    if let Some(e) = ea {
                        out[e] -= hflux;
                    }
                    if let Some(e) = eb {
                        out[e] += hflux;
                    }
                }
                Some(_) => {
                    let na = &sc.nodes[ia];
                    let nb = &sc.nodes[ib];
                    let dmdot = f.d_pa * na.dp + f.d_pb * nb.dp + f.d_ta * na.dt + f.d_tb * nb.dt;
                    for s in 0..ns {
                        let dfs = dmdot * sc.y[up * ns + s] + mdot * sc.dy[up * ns + s];
                        out[sa + s] -= dfs;
                        out[sb + s] += dfs;
                    }
                    let dh = dmdot * h_up + mdot * sc.nodes[up].dh;
                    if let Some(e) = ea {
                        out[e] -= dh;
                    }
                    if let Some(e) = eb {
                        out[e] += dh;
                    }
                }
            }
        }
        // Sources and sinks.
        let src_ledger = self.ledger + self.net.boundaries.len() * ns;
        for (k, src) in self.net.sources.iter().enumerate() {
            if !sw.source_active[k] {
                continue;
            }
            let mult = src.schedule.value(t);
            let i = src.into.0;
            let off = self.offsets[i];
            let node_t = sc.nodes[i].t_dt();
            for s in 0..ns {
                let rate = src.rates[s] * mult;
                if rate == 0.0 {
                    continue;
                }
                // Injected gas brings its own enthalpy; removed gas takes the compartment's.
                let (h, dh) = if rate > 0.0 {
                    (self.species_cp[s] * src.temperature, 0.0)
                } else {
                    (self.species_cp[s] * node_t.0, self.species_cp[s] * node_t.1)
                };
                match v {
                    None => {
                        out[off + s] += rate;
                        out[src_ledger + k * ns + s] -= rate;
                        if let Some(e) = self.energy[i] {
                            out[e] += rate * h;
                        }
                    }
                    Some(_) => {
                        if let Some(e) = self.energy[i] {
                            out[e] += rate * dh;
                        }
                    }
                }
            }
        }
        // Walls and heat loads.
        for (i, c) in self.net.compartments.iter().enumerate() {
            if let (
                Some(e),
                Thermal::Energy {
                    conductance,
                    wall_temperature,
                    heat_load,
                },
            ) = (self.energy[i], &c.thermal)
            {
                let node = &sc.nodes[i];
                match v {
                    None => {
                        out[e] += conductance * (wall_temperature.value(t) - node.gas.t)
                            + heat_load.value(t);
                    }
                    Some(_) => out[e] -= conductance * node.dt,
                }
            }
        }
    }

    /// Evaluate a watched quantity at (t, y).
    pub fn quantity(&self, q: Quantity, t: f64, y: &[f64]) -> f64 {
        let mut sc = self.scratch.borrow_mut();
        let sc = &mut *sc;
        self.fill_nodes(t, y, None, sc);
        match q {
            Quantity::Pressure(c) => sc.nodes[c.0].gas.p,
            Quantity::Temperature(c) => sc.nodes[c.0].gas.t,
            Quantity::Mass(c) => sc.nodes[c.0].m,
            Quantity::PartialPressure(c, s) => self.partial_pressure(c.0, s, y, &sc.nodes),
            Quantity::MassFlow(l) => {
                let sw = self.switches.borrow();
                self.link_flow(t, &sw.links[l.0], &sc.nodes).mdot
            }
        }
    }

    fn partial_pressure(&self, i: usize, s: usize, y: &[f64], nodes: &[NodeVals]) -> f64 {
        let c = &self.net.compartments[i];
        y[self.offsets[i] + s] * self.species_r[s] * nodes[i].gas.t / c.volume
    }

    /// Signed mass flow of every link at (t, y), kg/s.
    pub fn link_flows(&self, t: f64, y: &[f64], out: &mut Vec<f64>) {
        let mut sc = self.scratch.borrow_mut();
        let sc = &mut *sc;
        self.fill_nodes(t, y, None, sc);
        let sw = self.switches.borrow();
        out.clear();
        out.extend(
            sw.links
                .iter()
                .map(|l| self.link_flow(t, l, &sc.nodes).mdot),
        );
    }

    /// Everything an analyst reads at one instant.
    pub fn snapshot(&self, t: f64, y: &[f64]) -> Snapshot {
        let ns = self.ns;
        let mut flows = Vec::new();
        self.link_flows(t, y, &mut flows);
        let mut sc = self.scratch.borrow_mut();
        let sc = &mut *sc;
        self.fill_nodes(t, y, None, sc);
        let nc = self.net.compartments.len();
        let mut partial = Vec::with_capacity(nc * ns);
        for i in 0..nc {
            for s in 0..ns {
                partial.push(self.partial_pressure(i, s, y, &sc.nodes));
            }
        }
        let received = (0..self.net.boundaries.len())
            .map(|b| {
                y[self.ledger + b * ns..self.ledger + (b + 1) * ns]
                    .iter()
                    .sum()
            })
            .collect();
        Snapshot {
            t,
            pressure: sc.nodes[..nc].iter().map(|n| n.gas.p).collect(),
            temperature: sc.nodes[..nc].iter().map(|n| n.gas.t).collect(),
            mass: sc.nodes[..nc].iter().map(|n| n.m).collect(),
            partial_pressure: partial,
            species: ns,
            flow: flows,
            received,
        }
    }

    /// Check a state for negative or non-finite masses, energies or pressures.
    pub fn check_state(&self, t: f64, y: &[f64], atol: &[f64]) -> Result<(), crate::SimError> {
        for (i, c) in self.net.compartments.iter().enumerate() {
            let off = self.offsets[i];
            for s in 0..self.ns {
                let m = y[off + s];
                // A species mass a little below zero is integration noise at the tolerance
                // level; ten tolerances below is a real failure.
                if !m.is_finite() || m < -10.0 * atol[off + s] {
                    return Err(crate::SimError::NonPhysical {
                        compartment: c.name.clone(),
                        quantity: "species mass",
                        value: m,
                        time: t,
                    });
                }
            }
            if let Some(e) = self.energy[i] {
                if !y[e].is_finite() || y[e] < 0.0 {
                    return Err(crate::SimError::NonPhysical {
                        compartment: c.name.clone(),
                        quantity: "internal energy",
                        value: y[e],
                        time: t,
                    });
                }
            }
        }
        if let Some(bad) = y.iter().position(|v| !v.is_finite()) {
            return Err(crate::SimError::NonPhysical {
                compartment: "ledger".into(),
                quantity: "booked mass",
                value: y[bad],
                time: t,
            });
        }
        Ok(())
    }
}

impl NodeVals {
    /// Temperature and its directional derivative.
    fn t_dt(&self) -> (f64, f64) {
        (self.gas.t, self.dt)
    }
}

/// Derived quantities at one instant, in SI.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub t: f64,
    /// Per compartment, Pa.
    pub pressure: Vec<f64>,
    /// Per compartment, K.
    pub temperature: Vec<f64>,
    /// Per compartment, kg.
    pub mass: Vec<f64>,
    /// Per compartment and species (`i * species + s`), Pa.
    pub partial_pressure: Vec<f64>,
    pub species: usize,
    /// Per link, kg/s (positive from -> to).
    pub flow: Vec<f64>,
    /// Per boundary, cumulative mass received, kg.
    pub received: Vec<f64>,
}
