//! Flow elements: the laws that carry mass along a link.
//!
//! A link runs from node `a` to node `b`; positive mass flow runs a -> b. Every law is
//! evaluated on the two end states ([`GasState`]) and returns the mass flow together with its
//! partial derivatives with respect to both pressures and both temperatures ([`Flow`]); the
//! integrator assembles the Jacobian-vector product of the whole network from these.
//! The flow carries the upstream node's composition and enthalpy (done by the caller).
//!
//! Regularisation: laws whose slope is infinite at dp = 0 (orifice, power law with n < 1) are
//! replaced below a transition pressure difference `dp_t` by the odd cubic
//! `m(x) = a x + b x^3` that matches the true law's value and slope at `|dp| = dp_t`
//! (C1 there, C1 and odd through 0). `dp_t = min(10 Pa, 1 % of the higher pressure)`: 10 Pa is
//! 0.01 % of cabin pressure, far below any leak-test signal, yet keeps the slope at 0 finite.

use crate::schedule::Schedule;

/// Thermodynamic state of one end of a link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GasState {
    /// Pressure, Pa.
    pub p: f64,
    /// Temperature, K.
    pub t: f64,
    /// Specific gas constant of the mixture, J/(kg K).
    pub r: f64,
    /// Ratio of specific heats.
    pub gamma: f64,
}

impl GasState {
    /// Density, kg/m3.
    pub fn density(&self) -> f64 {
        self.p / (self.r * self.t)
    }
}

/// Mass flow a -> b (kg/s) and its partial derivatives.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Flow {
    pub mdot: f64,
    /// d mdot / d p_a, kg/(s Pa).
    pub d_pa: f64,
    /// d mdot / d p_b, kg/(s Pa).
    pub d_pb: f64,
    /// d mdot / d T_a, kg/(s K).
    pub d_ta: f64,
    /// d mdot / d T_b, kg/(s K).
    pub d_tb: f64,
}

impl Flow {
    fn scaled(self, f: f64) -> Flow {
        Flow {
            mdot: self.mdot * f,
            d_pa: self.d_pa * f,
            d_pb: self.d_pb * f,
            d_ta: self.d_ta * f,
            d_tb: self.d_tb * f,
        }
    }

    /// The same flow seen from the other end (b -> a).
    fn reversed(self) -> Flow {
        Flow {
            mdot: -self.mdot,
            d_pa: -self.d_pb,
            d_pb: -self.d_pa,
            d_ta: -self.d_tb,
            d_tb: -self.d_ta,
        }
    }
}

/// How a crack's flow area follows the load on the hull.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum AreaLaw {
    /// Area as scheduled.
    #[default]
    Fixed,
    /// `A = A0 (p_up / p0)^k`: a crack that narrows as the hull unloads (k > 0).
    PowerOfPressure { p0: f64, k: f64 },
    /// `A = A0 (1 + beta |p_a - p_b|)`, beta in 1/Pa, floored at 0.
    LinearInDp { beta: f64 },
}

/// Geometry of a laminar crack.
#[derive(Debug, Clone, PartialEq)]
pub enum CrackGeometry {
    /// A slit of width `w` (along the crack), gap `h` and depth `l` (through the wall), m.
    Slit { width: f64, gap: f64, depth: f64 },
    /// A capillary tube of diameter `d` and length `l`, m.
    Tube { diameter: f64, length: f64 },
}

impl CrackGeometry {
    /// Laminar conductance factor G (m^3), so that mdot = G (pa^2 - pb^2) / (mu R T).
    pub fn conductance(&self) -> f64 {
        match *self {
            CrackGeometry::Slit { width, gap, depth } => width * gap.powi(3) / (24.0 * depth),
            CrackGeometry::Tube { diameter, length } => {
                std::f64::consts::PI * diameter.powi(4) / (256.0 * length)
            }
        }
    }

    /// Open cross-section, m2.
    pub fn area(&self) -> f64 {
        match *self {
            CrackGeometry::Slit { width, gap, .. } => width * gap,
            CrackGeometry::Tube { diameter, .. } => {
                std::f64::consts::PI * diameter * diameter / 4.0
            }
        }
    }
}

/// One flow law. See each variant for its equation, units and range.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowElement {
    /// Isentropic compressible flow through a hole (a crack treated as a hole, a valve).
    ///
    /// `r = p_down/p_up`, `r* = (2/(g+1))^(g/(g-1))`.
    /// Choked (`r <= r*`): `mdot = Cd A p_up sqrt(g/(R T_up)) (2/(g+1))^((g+1)/(2(g-1)))`;
    /// subsonic: `mdot = Cd A p_up sqrt(2g/((g-1) R T_up) (r^(2/g) - r^((g+1)/g)))`.
    /// Area m2 (> 0, may follow [`AreaLaw`]), Cd in (0, 1]. Odd in dp, reverse flow allowed.
    /// Smooth through the choke point (the subsonic law peaks there); regularised near dp = 0.
    Orifice {
        area: Schedule,
        cd: Schedule,
        area_law: AreaLaw,
    },
    /// CONTAM-style leakage: `Q = C |dp|^n sign(dp)` m3/s, `mdot = rho_up Q`.
    /// C in m3/(s Pa^n), n in [0.5, 1]. Odd in dp when both ends have the same density at equal
    /// pressure; regularised near dp = 0 for n < 1.
    PowerLaw { c: Schedule, n: f64 },
    /// Laminar compressible flow through a narrow crack or capillary:
    /// `mdot = G (p_a^2 - p_b^2) / (mu R T_up)` with G from [`CrackGeometry`]. Smooth and odd
    /// at dp = 0. Capped by the choked flow `m_c` of its opening (Cd = 1) with the smooth
    /// minimum `m = m_v / (1 + (|m_v|/m_c)^4)^(1/4)`, which is within 0.1 % of the smaller
    /// of the two away from the crossover. mu in Pa s.
    ViscousCrack {
        geometry: CrackGeometry,
        viscosity: f64,
    },
    /// A hatch on its seal: `seated` applies when `p_a > p_b` (pressure on the `a` side
    /// pushes the hatch onto its seal), `unseated` when `p_b > p_a`. Both sub-laws vanish at
    /// dp = 0, so the flow is continuous; its slope changes there when the sub-laws differ
    /// (the direction dependence is the physics). Not odd: the documented exception.
    HatchSeal {
        seated: Box<FlowElement>,
        unseated: Box<FlowElement>,
    },
    /// An open hatch: a large orifice (Russian hatch ~0.8 m diameter, CBM ~1.27 m square),
    /// Cd ~0.6-0.8, same law as [`FlowElement::Orifice`]. Makes the network very stiff.
    OpenHatch { area: Schedule, cd: Schedule },
    /// `mdot = K (p_a - p_b)`, K in kg/(s Pa). Odd and smooth; the cross-check law.
    Linear { k: Schedule },
    /// A fan moving `Q` m3/s from a to b: `mdot = rho_up Q`. With a linear fan curve
    /// (`shutoff_dp` Pa), `Q = Q0 (1 - (p_b - p_a)/shutoff_dp)`: beyond shut-off the fan is
    /// overpowered and flow reverses. One-way by nature: not odd in dp.
    Fan {
        flow: Schedule,
        shutoff_dp: Option<f64>,
    },
}

/// Transition pressure difference of the dp = 0 regularisation, Pa.
pub fn transition_dp(p_high: f64) -> f64 {
    (0.01 * p_high).clamp(1e-12, 10.0)
}

/// Choked-flow factor `(2/(g+1))^((g+1)/(2(g-1)))` (0.5787 for air).
pub fn choke_factor(gamma: f64) -> f64 {
    (2.0 / (gamma + 1.0)).powf((gamma + 1.0) / (2.0 * (gamma - 1.0)))
}

/// Critical pressure ratio `(2/(g+1))^(g/(g-1))` (0.528 for air).
pub fn critical_ratio(gamma: f64) -> f64 {
    (2.0 / (gamma + 1.0)).powf(gamma / (gamma - 1.0))
}

/// Isentropic flow function psi(r) with `mdot = Cd A p_up psi / sqrt(R T_up)`, and d psi/dr.
fn psi(r: f64, g: f64) -> (f64, f64) {
    let rc = critical_ratio(g);
    if r <= rc {
        return (g.sqrt() * choke_factor(g), 0.0);
    }
    let c = 2.0 * g / (g - 1.0);
    let e1 = 2.0 / g;
    let e2 = (g + 1.0) / g;
    let inner = (r.powf(e1) - r.powf(e2)).max(0.0);
    let val = (c * inner).sqrt();
    if val <= 0.0 {
        return (0.0, 0.0);
    }
    let dinner = e1 * r.powf(e1 - 1.0) - e2 * r.powf(e2 - 1.0);
    (val, c * dinner / (2.0 * val))
}

/// Orifice flow for p_up >= p_down: (mdot, d/dp_up, d/dp_down, d/dT_up), before the
/// regularisation near dp = 0.
fn orifice_raw(cda: f64, up: &GasState, p_down: f64) -> (f64, f64, f64, f64) {
    if up.p <= 0.0 || cda <= 0.0 {
        return (0.0, 0.0, 0.0, 0.0);
    }
    let r = (p_down / up.p).clamp(0.0, 1.0);
    let (ps, dps) = psi(r, up.gamma);
    let k = cda / (up.r * up.t).sqrt();
    let m = k * up.p * ps;
    // d/dp_up of p_up psi(p_down/p_up) = psi - r psi'; d/dp_down = psi'.
    (m, k * (ps - r * dps), k * dps, -m / (2.0 * up.t))
}

/// Odd cubic through the origin matching value `m_t` and slope `s_t` at `x = x_t`:
/// returns (m(x), dm/dx) for `0 <= x <= x_t`.
fn cubic_blend(x: f64, x_t: f64, m_t: f64, s_t: f64) -> (f64, f64) {
    let a = (3.0 * m_t - s_t * x_t) / (2.0 * x_t);
    let b = (s_t * x_t - m_t) / (2.0 * x_t.powi(3));
    (a * x + b * x.powi(3), a + 3.0 * b * x * x)
}

/// Orifice flow from the higher-pressure side `up` to `down`, regularised near dp = 0.
/// Returns the flow with derivatives in (up, down) order.
fn orifice_directed(cda: f64, up: &GasState, down: &GasState) -> Flow {
    let dp = up.p - down.p;
    let dp_t = transition_dp(up.p);
    if dp >= dp_t {
        let (m, dpu, dpd, dtu) = orifice_raw(cda, up, down.p);
        return Flow {
            mdot: m,
            d_pa: dpu,
            d_pb: dpd,
            d_ta: dtu,
            d_tb: 0.0,
        };
    }
    // Blend region: the true law evaluated at (p_down + dp_t, p_down), with the slope taken
    // along p_up at fixed p_down.
    let up_t = GasState {
        p: down.p + dp_t,
        ..*up
    };
    let (m_t, s_t, _, _) = orifice_raw(cda, &up_t, down.p);
    let (m, dm) = cubic_blend(dp, dp_t, m_t, s_t);
    Flow {
        mdot: m,
        d_pa: dm,
        d_pb: -dm,
        d_ta: -m / (2.0 * up.t),
        d_tb: 0.0,
    }
}

/// Power law from the higher-pressure side, regularised: derivatives in (up, down) order.
fn power_law_directed(c: f64, n: f64, up: &GasState, down: &GasState) -> Flow {
    let dp = up.p - down.p;
    let rho = up.density();
    let dp_t = transition_dp(up.p);
    let (q, dq) = if n >= 1.0 || dp >= dp_t {
        (
            c * dp.powf(n),
            if dp > 0.0 {
                c * n * dp.powf(n - 1.0)
            } else {
                c
            },
        )
    } else {
        cubic_blend(dp, dp_t, c * dp_t.powf(n), c * n * dp_t.powf(n - 1.0))
    };
    // mdot = rho_up q; rho_up = p_up/(R T_up).
    Flow {
        mdot: rho * q,
        d_pa: rho * dq + q / (up.r * up.t),
        d_pb: -rho * dq,
        d_ta: -rho * q / up.t,
        d_tb: 0.0,
    }
}

/// Apply a law written for `a` upstream in both directions: `f(up, down)` gives the
/// flow from the higher to the lower pressure with derivatives in (up, down) order.
fn both_ways(a: &GasState, b: &GasState, f: impl Fn(&GasState, &GasState) -> Flow) -> Flow {
    if a.p >= b.p {
        f(a, b)
    } else {
        f(b, a).reversed()
    }
}

impl FlowElement {
    /// Mass flow a -> b at time `t` (s) with its derivatives.
    pub fn flow(&self, t: f64, a: &GasState, b: &GasState) -> Flow {
        match self {
            FlowElement::Orifice { area, cd, area_law } => {
                let a0 = area.value(t).max(0.0);
                let cd = cd.value(t).max(0.0);
                let base = both_ways(a, b, |up, down| orifice_directed(cd * a0, up, down));
                apply_area_law(base, area_law, a, b)
            }
            FlowElement::OpenHatch { area, cd } => {
                let cda = area.value(t).max(0.0) * cd.value(t).max(0.0);
                both_ways(a, b, |up, down| orifice_directed(cda, up, down))
            }
            FlowElement::PowerLaw { c, n } => {
                let c = c.value(t).max(0.0);
                both_ways(a, b, |up, down| power_law_directed(c, *n, up, down))
            }
            FlowElement::ViscousCrack {
                geometry,
                viscosity,
            } => viscous(geometry, *viscosity, a, b),
            FlowElement::HatchSeal { seated, unseated } => {
                if a.p >= b.p {
                    seated.flow(t, a, b)
                } else {
                    unseated.flow(t, a, b)
                }
            }
            FlowElement::Linear { k } => {
                let k = k.value(t);
                Flow {
                    mdot: k * (a.p - b.p),
                    d_pa: k,
                    d_pb: -k,
                    d_ta: 0.0,
                    d_tb: 0.0,
                }
            }
            FlowElement::Fan { flow, shutoff_dp } => {
                let q0 = flow.value(t);
                let (q, dq_dpa, dq_dpb) = match shutoff_dp {
                    Some(s) if *s > 0.0 => {
                        let q = q0 * (1.0 - (b.p - a.p) / s);
                        (q, q0 / s, -q0 / s)
                    }
                    _ => (q0, 0.0, 0.0),
                };
                let up = if q >= 0.0 { a } else { b };
                let rho = up.density();
                let mut f = Flow {
                    mdot: rho * q,
                    d_pa: rho * dq_dpa,
                    d_pb: rho * dq_dpb,
                    d_ta: 0.0,
                    d_tb: 0.0,
                };
                if q >= 0.0 {
                    f.d_pa += q / (a.r * a.t);
                    f.d_ta = -rho * q / a.t;
                } else {
                    f.d_pb += q / (b.r * b.t);
                    f.d_tb = -rho * q / b.t;
                }
                f
            }
        }
    }

    /// Short kind name for messages and tables.
    pub fn kind(&self) -> &'static str {
        match self {
            FlowElement::Orifice { .. } => "Orifice",
            FlowElement::PowerLaw { .. } => "PowerLaw",
            FlowElement::ViscousCrack { .. } => "ViscousCrack",
            FlowElement::HatchSeal { .. } => "HatchSeal",
            FlowElement::OpenHatch { .. } => "OpenHatch",
            FlowElement::Linear { .. } => "Linear",
            FlowElement::Fan { .. } => "Fan",
        }
    }

    /// Every schedule of the element (for breakpoints and range checks).
    pub fn schedules(&self) -> Vec<&Schedule> {
        match self {
            FlowElement::Orifice { area, cd, .. } | FlowElement::OpenHatch { area, cd } => {
                vec![area, cd]
            }
            FlowElement::PowerLaw { c, .. } => vec![c],
            FlowElement::ViscousCrack { .. } => vec![],
            FlowElement::HatchSeal { seated, unseated } => {
                let mut v = seated.schedules();
                v.extend(unseated.schedules());
                v
            }
            FlowElement::Linear { k } => vec![k],
            FlowElement::Fan { flow, .. } => vec![flow],
        }
    }

    /// Replace a named parameter by a constant (an event's `SetParameter` action).
    /// Returns false when the element has no such parameter.
    pub fn set_parameter(&mut self, param: Parameter, value: f64) -> bool {
        match (self, param) {
            (FlowElement::Orifice { area, .. }, Parameter::Area)
            | (FlowElement::OpenHatch { area, .. }, Parameter::Area) => {
                *area = Schedule::Constant(value);
                true
            }
            (FlowElement::Orifice { cd, .. }, Parameter::Cd)
            | (FlowElement::OpenHatch { cd, .. }, Parameter::Cd) => {
                *cd = Schedule::Constant(value);
                true
            }
            (FlowElement::PowerLaw { c, .. }, Parameter::Coefficient)
            | (FlowElement::Linear { k: c }, Parameter::Coefficient) => {
                *c = Schedule::Constant(value);
                true
            }
            (FlowElement::Fan { flow, .. }, Parameter::FlowRate) => {
                *flow = Schedule::Constant(value);
                true
            }
            (FlowElement::HatchSeal { seated, unseated }, p) => {
                let a = seated.set_parameter(p, value);
                let b = unseated.set_parameter(p, value);
                a || b
            }
            _ => false,
        }
    }
}

/// A parameter of a flow element an event can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parameter {
    /// Orifice / open-hatch area, m2.
    Area,
    /// Discharge coefficient.
    Cd,
    /// Power-law C (m3/(s Pa^n)) or linear K (kg/(s Pa)).
    Coefficient,
    /// Fan volumetric flow, m3/s.
    FlowRate,
    /// The link's opening fraction in [0, 1] (any element).
    Opening,
}

fn apply_area_law(base: Flow, law: &AreaLaw, a: &GasState, b: &GasState) -> Flow {
    match *law {
        AreaLaw::Fixed => base,
        AreaLaw::PowerOfPressure { p0, k } => {
            // factor f = (p_up/p0)^k; d f/d p_up = k f / p_up.
            let (p_up, up_is_a) = if a.p >= b.p {
                (a.p, true)
            } else {
                (b.p, false)
            };
            if p_up <= 0.0 || p0 <= 0.0 {
                return Flow::default();
            }
            let f = (p_up / p0).powf(k);
            let df = k * f / p_up;
            let mut out = base.scaled(f);
            if up_is_a {
                out.d_pa += base.mdot * df;
            } else {
                out.d_pb += base.mdot * df;
            }
            out
        }
        AreaLaw::LinearInDp { beta } => {
            let dp = a.p - b.p;
            let f = 1.0 + beta * dp.abs();
            if f <= 0.0 {
                return Flow::default();
            }
            let df = beta * dp.signum();
            let mut out = base.scaled(f);
            out.d_pa += base.mdot * df;
            out.d_pb -= base.mdot * df;
            out
        }
    }
}

fn viscous(geometry: &CrackGeometry, mu: f64, a: &GasState, b: &GasState) -> Flow {
    let g = geometry.conductance();
    let area = geometry.area();
    let (up, up_is_a) = if a.p >= b.p { (a, true) } else { (b, false) };
    if up.p <= 0.0 || mu <= 0.0 {
        return Flow::default();
    }
    let denom = mu * up.r * up.t;
    let mv = g * (a.p * a.p - b.p * b.p) / denom;
    let dmv_pa = 2.0 * g * a.p / denom;
    let dmv_pb = -2.0 * g * b.p / denom;
    let dmv_tup = -mv / up.t;
    // Choked cap of the opening, Cd = 1, on the upstream state.
    let cap_k = area * up.gamma.sqrt() * choke_factor(up.gamma) / (up.r * up.t).sqrt();
    let mc = cap_k * up.p;
    if mc <= 0.0 {
        return Flow::default();
    }
    const K: i32 = 4;
    let u = mv.abs() / mc;
    let s = 1.0 + u.powi(K);
    let f_mv = s.powf(-1.0 / K as f64 - 1.0); // d m / d m_v
    let f_mc = u.powi(K + 1) * s.powf(-1.0 / K as f64 - 1.0) * mv.signum(); // d m / d m_c
    let m = mv * s.powf(-1.0 / K as f64);
    let dmc_pup = cap_k;
    let dmc_tup = -mc / (2.0 * up.t);
    let mut flow = Flow {
        mdot: m,
        d_pa: f_mv * dmv_pa,
        d_pb: f_mv * dmv_pb,
        d_ta: 0.0,
        d_tb: 0.0,
    };
    let d_tup = f_mv * dmv_tup + f_mc * dmc_tup;
    if up_is_a {
        flow.d_pa += f_mc * dmc_pup;
        flow.d_ta = d_tup;
    } else {
        flow.d_pb += f_mc * dmc_pup;
        flow.d_tb = d_tup;
    }
    flow
}
