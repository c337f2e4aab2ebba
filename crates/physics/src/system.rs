//! The network as an ODE system: state layout, right-hand side and its Jacobian-vector
//! product.
//!
//! State (all conserved quantities, SI):
//! - per compartment: the mass of each species (kg), then the internal energy U (J) when the
//!   compartment's thermal mode is [`Thermal::Energy`];
//! - a ledger: the cumulative mass of each species received by each boundary, then the
//!   cumulative mass of each species removed from outside by each source (its negative
//!   delivery), so that compartments + ledger is constant to round-off;
//! - per running average ([`Network::averages`]): the integral of its quantity from the
//!   start, Pa s.
//!
//! Pressure, temperature and composition are derived from the state, never integrated.

use std::cell::{Cell, RefCell};

mod sources;
mod sparsity;

use crate::element::{Flow, GasState};
use crate::model::{
    Action, Average, BoundaryKind, Link, Network, NodeId, Quantity, Switches, Thermal,
};
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
    /// Of the gas constant and of the ratio of specific heats.
    dr: f64,
    dg: f64,
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
    /// Index of the first running average's integral (the end of the ledger).
    averages: usize,
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
    /// Per compartment: its state's index, its temperature (fixed, or the initial one
    /// where not) and 1 / volume, side by side for the simple screen's pressures.
    simple_nodes: Vec<(usize, f64, f64)>,
    /// Per compartment: the mass that changes its pressure by the absolute pressure
    /// tolerance (kg), the scale below which a sink fades out (see `sink_factor`).
    mass_eps: Vec<f64>,
    /// Per compartment: the heat capacity (J/K) of ten such masses of its initial gas, the
    /// scale below which an energy compartment's temperature tends to its initial one
    /// (see `fill_nodes`).
    heat_floor: Vec<f64>,
    /// One species and every compartment at a constant temperature (the reference
    /// problems, any perfect-gas model): a node's gas is a function of its mass alone, read
    /// straight from the state by [`System::simple_gas`] without filling the node table.
    simple: bool,
    /// No compartment has an energy balance: every entry before the ledger is a species
    /// mass (the fast path of [`System::check_state`]).
    no_energy: bool,
    /// cp / cv of the first species (the gas of a [`System::simple`] system).
    simple_gamma: f64,
    pub(crate) switches: RefCell<Switches>,
    scratch: RefCell<Scratch>,
    /// Per running average: `(t, E, q)` at the start and after every accepted step, in
    /// increasing time, where `E` is the integral and `q` its quantity (`dE/dt`).
    history: RefCell<Vec<Vec<(f64, f64, f64)>>>,
    pub(crate) rhs_evals: Cell<usize>,
    pub(crate) jvp_evals: Cell<usize>,
}

impl<'n> System<'n> {
    /// Lay out the state of `net`, with the default absolute tolerance (1e-3 Pa).
    pub fn new(net: &'n Network) -> Self {
        Self::with_tolerance(net, crate::Settings::default().atol_pressure)
    }

    /// Lay out the state of `net` for a run with absolute pressure tolerance `atol_pressure`
    /// (Pa), which sets the mass scale below which sinks fade out and the temperature of an
    /// energy compartment stays defined as its mass goes to zero.
    pub fn with_tolerance(net: &'n Network, atol_pressure: f64) -> Self {
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
        let averages = ledger + ns * (net.boundaries.len() + net.sources.len());
        let n = averages + net.averages.len();
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
        let inv_volume: Vec<f64> = net.compartments.iter().map(|c| 1.0 / c.volume).collect();
        let fixed_temperature: Vec<Option<f64>> = net
            .compartments
            .iter()
            .map(|c| match &c.thermal {
                Thermal::Isothermal {
                    temperature: Schedule::Constant(t),
                } => Some(*t),
                _ => None,
            })
            .collect();
        let mut mass_eps = Vec::with_capacity(net.compartments.len());
        let mut heat_floor = Vec::with_capacity(net.compartments.len());
        for c in &net.compartments {
            let mix = net.gas.mixture(&net.gas.mass_fractions(&c.composition));
            let am = atol_pressure * c.volume / (mix.r * c.temperature);
            mass_eps.push(am);
            heat_floor.push(10.0 * am * mix.cv);
        }
        let simple = ns == 1 && fixed_temperature.iter().all(Option::is_some);
        let simple_nodes = net
            .compartments
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let temp = fixed_temperature[i].unwrap_or(c.temperature);
                (offsets[i], temp, inv_volume[i])
            })
            .collect();
        let no_energy = energy.iter().all(Option::is_none);
        let simple_gamma = net.gas.species.first().map_or(1.4, |s| s.cp() / s.cv());
        System {
            simple_gamma,
            ends,
            inv_volume,
            simple,
            no_energy,
            fixed_temperature,
            simple_nodes,
            mass_eps,
            heat_floor,
            net,
            ns,
            offsets,
            energy,
            ledger,
            averages,
            n,
            species_r,
            species_cp,
            species_cv,
            boundary_vals,
            boundary_y,
            switches: RefCell::new(Switches::of(net)),
            scratch: RefCell::new(Scratch::default()),
            history: RefCell::new(vec![Vec::new(); net.averages.len()]),
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

    /// End of the ledger: the index of the first running average's integral.
    pub fn ledger_end(&self) -> usize {
        self.averages
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
        for a in &mut atol[self.ledger..self.averages] {
            *a = smallest;
        }
        // An integral of a pressure: the pressure tolerance over one second.
        for a in &mut atol[self.averages..] {
            *a = atol_pressure;
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
        self.switches.borrow_mut().apply(action)
    }

    /// The links and sources as the events applied so far left them (an [`Observer`]
    /// sees, with each output, the switches of its time).
    ///
    /// [`Observer`]: crate::Observer
    pub fn switches(&self) -> std::cell::Ref<'_, Switches> {
        self.switches.borrow()
    }

    /// Set the links and sources (to evaluate a state as the events of some time left the
    /// network, e.g. with a run's [`Outcome::final_switches`](crate::Outcome)).
    pub fn set_switches(&mut self, switches: Switches) {
        *self.switches.get_mut() = switches;
    }

    /// Fill node values (and, with `v`, their directional derivatives) at (t, y).
    fn fill_nodes(&self, t: f64, y: &[f64], v: Option<&[f64]>, sc: &mut Scratch) {
        self.fill_boundaries(sc);
        if self.simple && v.is_none() {
            // Only the pressure, the mass and the fraction move (see `fill_node`, which set
            // the constant fields when the scratch was sized).
            let r = self.species_r[0];
            for (i, node) in sc.nodes[..self.offsets.len()].iter_mut().enumerate() {
                let temp = node.gas.t;
                let m = y[self.offsets[i]];
                node.gas.p = m * r * temp * self.inv_volume[i];
                node.m = m;
                sc.y[i] = if m != 0.0 { 1.0 } else { 0.0 };
            }
            return;
        }
        for i in 0..self.net.compartments.len() {
            self.fill_node(i, t, y, v, sc);
        }
    }

    /// Size the scratch and fill the boundaries' node values, which never change, on the
    /// first call only.
    fn fill_boundaries(&self, sc: &mut Scratch) {
        let ns = self.ns;
        let nc = self.net.compartments.len();
        let nn = nc + self.net.boundaries.len();
        if sc.nodes.len() != nn {
            sc.nodes.resize(nn, NodeVals::default());
            sc.y.resize(nn * ns, 0.0);
            sc.dy.resize(nn * ns, 0.0);
            if self.simple {
                // The constant fields of a simple system's compartments, once.
                let y0 = self.initial_state();
                for i in 0..nc {
                    self.fill_node(i, 0.0, &y0, None, sc);
                }
            }
            for (j, b) in self.boundary_vals.iter().enumerate() {
                sc.nodes[nc + j] = b.clone();
                sc.y[(nc + j) * ns..(nc + j + 1) * ns]
                    .copy_from_slice(&self.boundary_y[j * ns..(j + 1) * ns]);
            }
        }
    }

    /// Fill the node values of `node` alone (nothing for a boundary: see
    /// [`System::fill_boundaries`]), for a quantity that reads one or two nodes.
    fn fill_one(&self, node: usize, t: f64, y: &[f64], sc: &mut Scratch) {
        self.fill_boundaries(sc);
        if node < self.net.compartments.len() {
            self.fill_node(node, t, y, None, sc);
        }
    }

    /// The gas of node `i` (a compartment or a boundary) of a [`System::simple`] system,
    /// as `fill_node` computes it.
    #[inline]
    fn simple_gas(&self, i: usize, y: &[f64]) -> GasState {
        let Some(&(off, temp, inv_volume)) = self.simple_nodes.get(i) else {
            return self.boundary_vals[i - self.simple_nodes.len()].gas;
        };
        GasState {
            p: y[off] * self.species_r[0] * temp * inv_volume,
            t: temp,
            r: self.species_r[0],
            gamma: self.simple_gamma,
        }
    }

    /// The pressure of node `i` of a [`System::simple`] system, as [`System::simple_gas`]
    /// computes it.
    #[inline(always)]
    fn simple_p(&self, i: usize, y: &[f64]) -> f64 {
        match self.simple_nodes.get(i) {
            Some(&(off, temp, inv_volume)) => y[off] * self.species_r[0] * temp * inv_volume,
            None => self.boundary_vals[i - self.simple_nodes.len()].gas.p,
        }
    }

    /// Fill compartment `i`'s node values (and, with `v`, their directional derivatives).
    fn fill_node(&self, i: usize, t: f64, y: &[f64], v: Option<&[f64]>, sc: &mut Scratch) {
        let ns = self.ns;
        let c = &self.net.compartments[i];
        let off = self.offsets[i];
        if self.simple {
            // One species at fixed temperatures (the reference problems, and any
            // perfect-gas model): the mixture is the species itself, its properties
            // constants, and a node's gas a function of its mass alone.
            let temp = self.fixed_temperature[i].unwrap_or(c.temperature);
            let r = self.species_r[0];
            let m = y[off];
            let node = &mut sc.nodes[i];
            node.gas = GasState {
                p: m * r * temp * self.inv_volume[i],
                t: temp,
                r,
                gamma: self.simple_gamma,
            };
            node.m = m;
            node.cp = self.species_cp[0];
            node.h = self.species_cp[0] * temp;
            match v {
                // A node below zero mass carries its own (negative) gas: see
                // `FlowElement::flow`.
                None => sc.y[i] = if m != 0.0 { 1.0 } else { 0.0 },
                // The general path's derivatives with one species: the fraction stays 1
                // (or 0 without mass), so only the pressure moves.
                Some(v) => {
                    sc.y[i] = if m.abs() >= MASS_FLOOR { 1.0 } else { 0.0 };
                    sc.dy[i] = 0.0;
                    node.dt = 0.0;
                    node.dp = v[off] * r * temp / c.volume;
                    node.dh = 0.0;
                    node.dr = 0.0;
                    node.dg = 0.0;
                }
            }
            return;
        }
        let ms = &y[off..off + ns];
        let m: f64 = ms.iter().sum();
        // Fractions stay m_s / m below zero mass too (all of a node's species overshoot
        // together), so that each species' flux stays proportional to its mass.
        // A compartment emptied to a subnormal mass has no composition left (1/m would
        // overflow): it carries none, as at zero.
        let has_mass = m.abs() >= MASS_FLOOR;
        let inv_m = if has_mass { 1.0 / m } else { 0.0 };
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
            // With S = sum m_s cv_s and C = `heat_floor` (the heat capacity of the gas at
            // ten times the absolute pressure tolerance), T = (U S + C^2 T0)/(S^2 + C^2):
            // the gas's own U / S to a relative (C/S)^2 (1e-12 at 100 Pa with the default
            // tolerance), tending smoothly to the initial temperature T0 as the
            // compartment empties, where U / S is round-off over round-off.
            (_, _, Some(e)) => {
                let c2 = self.heat_floor[i] * self.heat_floor[i];
                (y[e] * sum_cv + c2 * c.temperature) / (sum_cv * sum_cv + c2)
            }
            (_, Thermal::Isothermal { temperature }, _) => temperature.value(t),
            _ => c.temperature,
        };
        let p = sum_r * temp * self.inv_volume[i];
        // The mixture's properties from the signed masses, where they describe a gas: with
        // round-off below zero in some species of a nearly empty compartment they need not
        // (a negative R, or gamma below 1, on which no flow law is defined). There they are
        // those of the species actually present (their positive parts), or of the initial
        // composition when none is; constants, as below zero mass.
        let signed = (m >= MASS_FLOOR).then_some((sum_r * inv_m, sum_cp * inv_m, sum_cv * inv_m));
        let physical = signed.filter(|&(r, cp, cv)| r > 0.0 && cv > 0.0 && cp > cv);
        let (r, cp, cv) = match (signed, physical) {
            (_, Some(props)) => props,
            (Some(_), None) => self.fallback_mixture(i, ms),
            (None, None) => self.fallback_mixture(i, &[]),
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
            let mut d_cv = 0.0;
            for s in 0..ns {
                d_sum_r += vs[s] * self.species_r[s];
                d_sum_cv += vs[s] * self.species_cv[s];
                let dys = (vs[s] - sc.y[i * ns + s] * dm) * inv_m;
                sc.dy[i * ns + s] = dys;
                d_cp += dys * self.species_cp[s];
                d_cv += dys * self.species_cv[s];
            }
            let dt = match (self.fixed_temperature[i], self.energy[i]) {
                (None, Some(e)) => {
                    let c2 = self.heat_floor[i] * self.heat_floor[i];
                    (v[e] * sum_cv + (y[e] - 2.0 * sum_cv * temp) * d_sum_cv)
                        / (sum_cv * sum_cv + c2)
                }
                _ => 0.0,
            };
            // Below zero mass, or where the signed mixture is not a gas, the mixture
            // properties are constants (see above).
            let (dr, d_cp, d_cv) = if physical.is_some() {
                ((d_sum_r - r * dm) * inv_m, d_cp, d_cv)
            } else {
                (0.0, 0.0, 0.0)
            };
            let node = &mut sc.nodes[i];
            node.dt = dt;
            node.dp = (d_sum_r * temp + sum_r * dt) / c.volume;
            node.dh = d_cp * temp + cp * dt;
            node.dr = dr;
            node.dg = (d_cp * cv - cp * d_cv) / (cv * cv);
        }
    }

    /// The mixture of compartment `i` from the positive parts of its species masses `ms`,
    /// or of its initial composition where no species has a normal positive mass (or `ms`
    /// is empty): (R, cp, cv).
    fn fallback_mixture(&self, i: usize, ms: &[f64]) -> (f64, f64, f64) {
        let (mut m, mut sum_r, mut sum_cp, mut sum_cv) = (0.0, 0.0, 0.0, 0.0);
        for (s, &x) in ms.iter().enumerate() {
            let x = x.max(0.0);
            m += x;
            sum_r += x * self.species_r[s];
            sum_cp += x * self.species_cp[s];
            sum_cv += x * self.species_cv[s];
        }
        if m >= MASS_FLOOR {
            (sum_r / m, sum_cp / m, sum_cv / m)
        } else {
            let c = &self.net.compartments[i];
            let yf = self.net.gas.mass_fractions(&c.composition);
            let mix = self.net.gas.mixture(&yf);
            (mix.r, mix.cp, mix.cv)
        }
    }

    fn node_index(&self, n: NodeId) -> usize {
        match n {
            NodeId::Compartment(c) => c.0,
            NodeId::Boundary(b) => self.net.compartments.len() + b.0,
        }
    }

    /// Flow of one link (node indices `ia`, `ib`) at the current node values, with opening
    /// and open/closed applied.
    #[inline(always)]
    fn link_flow_at(
        &self,
        t: f64,
        link: &Link,
        (ia, ib): (usize, usize),
        nodes: &[NodeVals],
    ) -> Flow {
        if !link.open {
            return Flow::default();
        }
        // The commonest link of a station, an open linear conductance, straight away (what
        // the general path below computes for it).
        if let Some(k) = fully_open_linear(link) {
            return crate::element::linear_flow(k, &nodes[ia].gas, &nodes[ib].gas);
        }
        let opening = link.opening.value(t).clamp(0.0, 1.0);
        if opening == 0.0 {
            return Flow::default();
        }
        let a = &nodes[ia].gas;
        let b = &nodes[ib].gas;
        let f = link.element.flow(t, a, b);
        if opening == 1.0 {
            f
        } else {
            f.scaled(opening)
        }
    }

    /// Partials of one link's flow in the ratio of specific heats of its two ends, with the
    /// opening applied.
    fn link_gamma_partials(&self, t: f64, link: &Link, nodes: &[NodeVals]) -> (f64, f64) {
        if !link.open {
            return (0.0, 0.0);
        }
        let opening = link.opening.value(t).clamp(0.0, 1.0);
        if opening == 0.0 {
            return (0.0, 0.0);
        }
        let a = &nodes[self.node_index(link.from)].gas;
        let b = &nodes[self.node_index(link.to)].gas;
        let (ga, gb) = link.element.gamma_partials(t, a, b);
        (ga * opening, gb * opening)
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
        if self.simple {
            // One species at fixed temperatures: a link moves only mass, and its flow's
            // derivative comes from the two pressures alone (every temperature, gas
            // constant and ratio of specific heats is a constant, and a fraction is 1 or
            // 0). The general loop below computes the same numbers.
            for (link, e) in sw.links.iter().zip(&self.ends) {
                let f = self.link_flow_at(t, link, (e.ia, e.ib), &sc.nodes);
                let frac = sc.y[if f.from_b { e.ib } else { e.ia }];
                let x = match v {
                    None => f.mdot * frac,
                    Some(_) => (f.d_pa * sc.nodes[e.ia].dp + f.d_pb * sc.nodes[e.ib].dp) * frac,
                };
                out[e.sa] -= x;
                out[e.sb] += x;
            }
            self.eval_sources(t, y, v, sc, &sw, out);
            for (k, a) in self.net.averages.iter().enumerate() {
                out[self.averages + k] = self.averaged(a.quantity, y, v, &sc.nodes);
            }
            return;
        }
        for (link, ends) in sw.links.iter().zip(&self.ends) {
            let f = self.link_flow_at(t, link, (ends.ia, ends.ib), &sc.nodes);
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
            let up = if f.from_b { ib } else { ia };
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
                    // Every law depends on R and T only through R T, so the gas constant's
                    // partial is (T/R) times the temperature's; gamma's is the element's own.
                    let mut dmdot = f.d_pa * na.dp
                        + f.d_pb * nb.dp
                        + f.d_ta * (na.dt + na.gas.t / na.gas.r * na.dr)
                        + f.d_tb * (nb.dt + nb.gas.t / nb.gas.r * nb.dr);
                    if na.dg != 0.0 || nb.dg != 0.0 {
                        let (ga, gb) = self.link_gamma_partials(t, link, &sc.nodes);
                        dmdot += ga * na.dg + gb * nb.dg;
                    }
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
        self.eval_sources(t, y, v, sc, &sw, out);
        for (k, a) in self.net.averages.iter().enumerate() {
            out[self.averages + k] = self.averaged(a.quantity, y, v, &sc.nodes);
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
        if self.simple {
            // A simple system's quantities from the gas of the nodes they read alone (as
            // `fill_node` computes it), with no node table: the reversal search and a
            // sweep's recorder ask for them often.
            match q {
                Quantity::MassFlow(l) => {
                    let sw = self.switches.borrow();
                    let link = &sw.links[l.0];
                    let end = |node| NodeVals {
                        gas: self.simple_gas(self.node_index(node), y),
                        ..NodeVals::default()
                    };
                    let nodes = [end(link.from), end(link.to)];
                    return self.reported_flow_at(t, link, (0, 1), &nodes);
                }
                Quantity::Pressure(c) => return self.simple_p(c.0, y),
                Quantity::Temperature(c) => return self.simple_gas(c.0, y).t,
                Quantity::Mass(c) => return y[self.offsets[c.0]],
                _ => {}
            }
        }
        let mut sc = self.scratch.borrow_mut();
        let sc = &mut *sc;
        // Only the nodes the quantity reads: a watched flow or pressure costs the same in a
        // network of ten thousand compartments as in one of ten.
        match q {
            Quantity::Pressure(c)
            | Quantity::Temperature(c)
            | Quantity::Mass(c)
            | Quantity::PartialPressure(c, _) => self.fill_one(c.0, t, y, sc),
            Quantity::MassFlow(l) => {
                let link = &self.net.links[l.0];
                self.fill_one(self.node_index(link.from), t, y, sc);
                self.fill_one(self.node_index(link.to), t, y, sc);
            }
            Quantity::Average(k) => match self.net.averages[k.0].quantity {
                Quantity::Pressure(c) | Quantity::PartialPressure(c, _) => {
                    self.fill_one(c.0, t, y, sc)
                }
                _ => self.fill_nodes(t, y, None, sc),
            },
        }
        match q {
            Quantity::Pressure(c) => sc.nodes[c.0].gas.p,
            Quantity::Temperature(c) => sc.nodes[c.0].gas.t,
            Quantity::Mass(c) => sc.nodes[c.0].m,
            Quantity::PartialPressure(c, s) => self.partial_pressure(c.0, s, y, &sc.nodes),
            Quantity::MassFlow(l) => {
                let sw = self.switches.borrow();
                self.reported_flow(t, &sw.links[l.0], &sc.nodes)
            }
            Quantity::Average(k) => {
                let q = self.averaged(self.net.averages[k.0].quantity, y, None, &sc.nodes);
                self.window_average(k.0, t, y[self.averages + k.0], q)
            }
        }
    }

    /// An averaged quantity (a pressure or a partial pressure) at the node values, or with
    /// `v` its directional derivative.
    fn averaged(&self, q: Quantity, y: &[f64], v: Option<&[f64]>, nodes: &[NodeVals]) -> f64 {
        match (q, v) {
            (Quantity::Pressure(c), None) => nodes[c.0].gas.p,
            (Quantity::Pressure(c), Some(_)) => nodes[c.0].dp,
            (Quantity::PartialPressure(c, s), None) => self.partial_pressure(c.0, s, y, nodes),
            (Quantity::PartialPressure(c, s), Some(v)) => {
                let i = c.0;
                let (t, dt) = nodes[i].t_dt();
                let off = self.offsets[i] + s;
                self.species_r[s] * (v[off] * t + y[off] * dt) * self.inv_volume[i]
            }
            _ => 0.0,
        }
    }

    /// Average `k` at time `t`, where its integral is `e` and its quantity `q`:
    /// `(E(t) - E(t - W)) / W`, with `E(t - W)` from the cubic Hermite interpolant of the
    /// history (values and derivatives at accepted steps), or of the last entry and
    /// `(t, e, q)` when `t - W` lies after it; before the start `E(s) = q0 s`.
    fn window_average(&self, k: usize, t: f64, e: f64, q: f64) -> f64 {
        let Average { window, .. } = self.net.averages[k];
        let s = t - window;
        let hist = self.history.borrow();
        let h = &hist[k];
        let e_back = match h.first() {
            None => e - q * window,
            Some(&(t0, e0, q0)) if s <= t0 => e0 + q0 * (s - t0),
            Some(_) => {
                let j = h.partition_point(|p| p.0 <= s);
                let a = h[j - 1];
                let b = h.get(j).copied().filter(|b| b.0 <= t).unwrap_or((t, e, q));
                hermite(a, b, s)
            }
        };
        (e - e_back) / window
    }

    /// Record the running averages' integrals at an accepted point (t, y) of the run.
    pub(crate) fn log_averages(&self, t: f64, y: &[f64]) {
        if self.net.averages.is_empty() {
            return;
        }
        let mut sc = self.scratch.borrow_mut();
        let sc = &mut *sc;
        self.fill_nodes(t, y, None, sc);
        let mut hist = self.history.borrow_mut();
        for (k, a) in self.net.averages.iter().enumerate() {
            let h = &mut hist[k];
            if h.last().is_some_and(|p| p.0 >= t) {
                continue;
            }
            let q = self.averaged(a.quantity, y, None, &sc.nodes);
            h.push((t, y[self.averages + k], q));
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
                .zip(&self.ends)
                .map(|(l, e)| self.reported_flow_at(t, l, (e.ia, e.ib), &sc.nodes)),
        );
    }

    /// True when every link's reported flow at (t, y) has the sign `expect(l)`, as the
    /// pressures alone tell it (see [`FlowElement::flow_sign`]); false as soon as one link
    /// has no expected sign (`None`) or would need its law evaluated to know. The cheap test
    /// a run makes on each step before it evaluates every flow to look for reversals.
    ///
    /// [`FlowElement::flow_sign`]: crate::FlowElement::flow_sign
    pub(crate) fn flow_signs_hold(
        &self,
        t: f64,
        y: &[f64],
        expect: impl Fn(usize) -> Option<i8>,
    ) -> bool {
        let sw = self.switches.borrow();
        if self.simple {
            // Each end's gas straight from the state (the same numbers `fill_node` writes),
            // and no node table: the cheap test costs a few multiplications per link. A link
            // with no expected sign fails the test where the general path's first pass does.
            return sw
                .links
                .iter()
                .zip(&self.ends)
                .enumerate()
                .all(|(l, (link, ends))| {
                    let Some(e) = expect(l) else {
                        return false;
                    };
                    if !link.open {
                        return false;
                    }
                    // An open linear conductance: the sign of k (pa - pb), as `flow_sign`
                    // computes it for an opening of 1, from the two pressures alone.
                    if let Some(k) = fully_open_linear(link) {
                        let (pa, pb) = (self.simple_p(ends.ia, y), self.simple_p(ends.ib, y));
                        let m = k * (pa - pb);
                        let positive = pa > 0.0 || pb > 0.0;
                        return positive && ((m > 0.0 && e > 0) || (m < 0.0 && e < 0));
                    }
                    let (a, b) = (self.simple_gas(ends.ia, y), self.simple_gas(ends.ib, y));
                    let opening = link.opening.value(t).clamp(0.0, 1.0);
                    link.element.flow_sign(t, &a, &b, opening) == Some(e)
                });
        }
        if (0..sw.links.len()).any(|l| expect(l).is_none()) {
            return false;
        }
        let mut sc = self.scratch.borrow_mut();
        let sc = &mut *sc;
        self.fill_nodes(t, y, None, sc);
        sw.links
            .iter()
            .zip(&self.ends)
            .enumerate()
            .all(|(l, (link, ends))| {
                link.open && {
                    let opening = link.opening.value(t).clamp(0.0, 1.0);
                    let (a, b) = (&sc.nodes[ends.ia].gas, &sc.nodes[ends.ib].gas);
                    link.element.flow_sign(t, a, b, opening) == expect(l)
                }
            })
    }

    /// A link's flow as reported (outputs, events, reversals): zero where neither end has
    /// a positive pressure. There the integrator sees the zero-pressure extension (a node
    /// below zero by round-off drawing its own gas back, see `FlowElement::flow`), which
    /// is no flow of gas and must not be logged as a reversal.
    fn reported_flow(&self, t: f64, link: &Link, nodes: &[NodeVals]) -> f64 {
        let ends = (self.node_index(link.from), self.node_index(link.to));
        self.reported_flow_at(t, link, ends, nodes)
    }

    /// [`System::reported_flow`] with the link's node indices resolved.
    #[inline]
    fn reported_flow_at(
        &self,
        t: f64,
        link: &Link,
        (ia, ib): (usize, usize),
        nodes: &[NodeVals],
    ) -> f64 {
        let (pa, pb) = (nodes[ia].gas.p, nodes[ib].gas.p);
        if pa > 0.0 || pb > 0.0 {
            self.link_flow_at(t, link, (ia, ib), nodes).mdot
        } else {
            0.0
        }
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

    /// Check a state for negative or non-finite masses, energies or pressures. A species
    /// mass may lie below zero by up to its absolute tolerance `atol` (round-off of the
    /// integrator, which the zero-pressure extension of the flow laws and the fading of
    /// sinks pull back); further below is an error naming the compartment and the species.
    pub fn check_state(&self, t: f64, y: &[f64], atol: &[f64]) -> Result<(), crate::SimError> {
        // Fast path, taken on every step of a healthy run: with no energy balance, the
        // entries before the ledger are all species masses, so one pass over the state
        // decides; any failure falls through to the walk below for the exact error.
        if self.no_energy && self.masses_in_tolerance(y, atol) {
            return Ok(());
        }
        for (i, c) in self.net.compartments.iter().enumerate() {
            let off = self.offsets[i];
            for s in 0..self.ns {
                let m = y[off + s];
                if !m.is_finite() {
                    return Err(crate::SimError::NonPhysical {
                        compartment: c.name.clone(),
                        quantity: "species mass",
                        value: m,
                        time: t,
                    });
                }
                if m < -atol[off + s] {
                    return Err(crate::SimError::NegativeMass {
                        compartment: c.name.clone(),
                        species: self.net.gas.species[s].name.clone(),
                        value: m,
                        tolerance: atol[off + s],
                        time: t,
                    });
                }
            }
            // An internal energy may lie a little below zero as long as the temperature
            // derived from it stays >= 0 (U S + C^2 T0 >= 0, see `fill_nodes`): as a
            // compartment empties its energy only follows its mass (nothing pulls it back on
            // its own), so round-off can remain in it once the mass is gone.
            if let Some(e) = self.energy[i] {
                let s_cv: f64 = (0..self.ns).map(|s| y[off + s] * self.species_cv[s]).sum();
                let c2 = self.heat_floor[i] * self.heat_floor[i];
                if !y[e].is_finite() || y[e] * s_cv + c2 * c.temperature < 0.0 {
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

    /// Every entry finite and every entry before the ledger (species masses, with no energy
    /// balance) at least minus its tolerance: one pass without early exits, which a
    /// vectorising compiler turns into a handful of instructions per entry.
    #[inline]
    fn masses_in_tolerance(&self, y: &[f64], atol: &[f64]) -> bool {
        let mut ok = true;
        for v in y {
            ok &= v.is_finite();
        }
        let m = &y[..self.ledger];
        for (m, a) in m.iter().zip(&atol[..self.ledger]) {
            ok &= *m >= -*a;
        }
        ok
    }

    /// Whether a species mass of a compartment lies more than its tolerance below zero.
    pub(crate) fn overshoots(&self, y: &[f64], atol: &[f64]) -> bool {
        if self.no_energy {
            // The entries before the ledger are the species masses: one pass, no exits.
            let mut below = false;
            for (m, a) in y[..self.ledger].iter().zip(&atol[..self.ledger]) {
                below |= *m < -*a;
            }
            return below;
        }
        self.offsets
            .iter()
            .any(|&off| (off..off + self.ns).any(|k| y[k] < -atol[k]))
    }

    /// Whether a species mass of a compartment lies below its tolerance (near zero, or
    /// below) in `a` or in `b`.
    pub(crate) fn near_empty(&self, a: &[f64], b: &[f64], atol: &[f64]) -> bool {
        if self.no_energy {
            let n = self.ledger;
            let mut near = false;
            for ((x, y), t) in a[..n].iter().zip(&b[..n]).zip(&atol[..n]) {
                near |= (*x < *t) | (*y < *t);
            }
            return near;
        }
        self.offsets
            .iter()
            .any(|&off| (off..off + self.ns).any(|k| a[k] < atol[k] || b[k] < atol[k]))
    }

    /// Make a state fit to write: after [`System::check_state`], every species mass
    /// (or vacuum book: what a vacuum received) that integrator round-off left below zero,
    /// within its tolerance, is set to zero, and the same mass
    /// of that species is taken from the entries that hold the most of it (other
    /// compartments, the boundaries' and sinks' books), largest first, so compartments +
    /// books stay what they were to round-off and no entry goes below zero (the species'
    /// total is the initial one, >= the deficit). A negative internal energy is set to zero
    /// (energy is not booked). Returns how many entries were set to zero (the run's summary
    /// reports the count).
    pub fn project_nonnegative(
        &self,
        t: f64,
        y: &mut [f64],
        atol: &[f64],
    ) -> Result<usize, crate::SimError> {
        // Every entry finite and none below zero (every output of a healthy run): the
        // state passes `check_state` (masses >= 0, energies >= 0 give temperatures >= 0)
        // and there is nothing to project.
        if all_nonnegative_finite(y) {
            return Ok(0);
        }
        self.check_state(t, y, atol)?;
        let ns = self.ns;
        let n_books = self.net.boundaries.len() + self.net.sources.len();
        let mut count = 0;
        // The entries that must be >= 0: compartments' species masses, then what each
        // vacuum received (round-off can leave -1e-19 kg of a species it never saw). A
        // reservoir's book is signed: it goes negative as the reservoir feeds the network.
        let compartments = self
            .offsets
            .iter()
            .flat_map(|&off| (0..ns).map(move |s| (off + s, s)));
        let vacuum_books = self
            .net
            .boundaries
            .iter()
            .enumerate()
            .filter(|(_, b)| matches!(b.kind, BoundaryKind::Vacuum))
            .flat_map(|(b, _)| (0..ns).map(move |s| (self.ledger + b * ns + s, s)));
        for (k, s) in compartments.chain(vacuum_books) {
            // (A book further below zero would be a bug of the books, not round-off:
            // left for the caller's balance check to show.)
            if y[k] >= 0.0 || (k >= self.ledger && y[k] < -atol[k]) {
                continue;
            }
            let mut deficit = -y[k];
            y[k] = 0.0;
            count += 1;
            let mut donors: Vec<usize> = (0..n_books)
                .map(|b| self.ledger + b * ns + s)
                .chain((0..self.net.compartments.len()).map(|j| self.offsets[j] + s))
                .filter(|&d| d != k && y[d] > 0.0)
                .collect();
            donors.sort_by(|&p, &q| y[q].total_cmp(&y[p]));
            for d in donors {
                let take = deficit.min(y[d]);
                y[d] -= take;
                deficit -= take;
                if deficit <= 0.0 {
                    break;
                }
            }
        }
        for e in self.energy.iter().flatten() {
            if y[*e] < 0.0 {
                y[*e] = 0.0;
                count += 1;
            }
        }
        Ok(count)
    }
}

/// The coefficient k of a link that is a linear conductance with a constant k and a
/// constant opening of 1 (the commonest link of a station model, a hatch between modules), whose
/// flow is k (pa - pb) from the two pressures alone.
#[inline]
fn fully_open_linear(link: &Link) -> Option<f64> {
    match (&link.opening, &link.element) {
        (
            Schedule::Constant(o),
            crate::FlowElement::Linear {
                k: Schedule::Constant(k),
            },
        ) if *o == 1.0 => Some(*k),
        _ => None,
    }
}

/// Every entry finite and none below zero, in one pass without exits: the bits of +0 and
/// of the positive finite numbers, as integers, lie below those of +infinity; NaN and the
/// negative numbers, -0 included, lie above.
pub(crate) fn all_nonnegative_finite(y: &[f64]) -> bool {
    const INFINITY_BITS: u64 = 0x7ff0_0000_0000_0000;
    let mut dirty = false;
    for v in y {
        dirty |= v.to_bits() >= INFINITY_BITS;
    }
    !dirty
}

/// How much of a sink's nominal removal rate applies at species mass `m` (kg), and its
/// derivative in `m`: `m / (m + eps)` for `m >= 0` (1 - eps/m for m >> eps, so the rate is
/// the nominal one to within eps/m, and it goes smoothly to zero as the species runs out),
/// continued below zero by its tangent `m / eps`, so a species that round-off took below
/// zero is put back rather than removed further. C1 at 0. `eps` is the compartment's mass
/// tolerance (the mass that changes its pressure by the absolute pressure tolerance).
fn sink_factor(m: f64, eps: f64) -> (f64, f64) {
    if m >= 0.0 {
        let d = m + eps;
        (m / d, eps / (d * d))
    } else {
        (m / eps, 1.0 / eps)
    }
}

/// Below this total mass (kg) a compartment is empty: its composition is undefined
/// (the square root of the smallest normal double, so 1/m and m_s/m never overflow).
const MASS_FLOOR: f64 = 1.5e-154;

/// The cubic Hermite interpolant through `(t, E, dE/dt)` at `a` and `b`, at `s`.
fn hermite(a: (f64, f64, f64), b: (f64, f64, f64), s: f64) -> f64 {
    let h = b.0 - a.0;
    if h <= 0.0 {
        return a.1;
    }
    let x = (s - a.0) / h;
    let (x2, x3) = (x * x, x * x * x);
    (2.0 * x3 - 3.0 * x2 + 1.0) * a.1
        + (x3 - 2.0 * x2 + x) * h * a.2
        + (-2.0 * x3 + 3.0 * x2) * b.1
        + (x3 - x2) * h * b.2
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
