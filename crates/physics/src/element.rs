//! Flow elements: the laws that carry mass along a link.
//!
//! A link runs from node `a` to node `b`; positive mass flow runs a -> b. Every law is
//! evaluated on the two end states ([`GasState`]) and returns the mass flow together with its
//! partial derivatives with respect to both pressures and both temperatures ([`Flow`]); the
//! integrator assembles the Jacobian-vector product of the whole network from these, with
//! the composition terms: the gas constant's partial is (T/R) times the temperature's (every
//! law depends on R T only), and gamma's comes from [`FlowElement::gamma_partials`].
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
    /// True when the flow carries `b`'s gas (b is upstream), false when it carries `a`'s.
    /// Usually the sign of `mdot` says it, but not in the zero-pressure extension (see
    /// [`FlowElement::flow`]), where a node that overshot zero carries its own gas.
    pub from_b: bool,
}

impl Flow {
    /// The flow and its partials times `f` (an opening fraction, a law's share).
    pub(crate) fn scaled(self, f: f64) -> Flow {
        Flow {
            mdot: self.mdot * f,
            d_pa: self.d_pa * f,
            d_pb: self.d_pb * f,
            d_ta: self.d_ta * f,
            d_tb: self.d_tb * f,
            from_b: self.from_b,
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
            from_b: !self.from_b,
        }
    }

    /// The flow of a law evaluated on the mirrored states (both pressures negated), mapped
    /// back: `mdot(p_a, p_b) = -law(-p_a, -p_b)`, so the pressure partials keep their sign.
    fn unmirrored(self) -> Flow {
        Flow {
            mdot: -self.mdot,
            d_pa: self.d_pa,
            d_pb: self.d_pb,
            d_ta: -self.d_ta,
            d_tb: -self.d_tb,
            from_b: self.from_b,
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
    /// A crack known by what a pressure record determines: its conductance `k`, kg/(s Pa^2),
    /// in `mdot = k (p_a^2 - p_b^2)`, with the choked cap of an `opening` of that area, m2
    /// (Cd = 1, as for the geometric forms). With a reference `temperature` (K), k is the
    /// conductance at that upstream temperature and scales as `T_ref / T_up`, as the
    /// geometric law's `1/(mu R T)` does at constant viscosity; without one, k holds at every
    /// temperature and only the cap depends on it. `viscosity` plays no part: k contains it.
    Conductance {
        k: f64,
        opening: f64,
        temperature: Option<f64>,
    },
}

impl CrackGeometry {
    /// Laminar conductance factor G (m^3) of a geometric crack, so that
    /// mdot = G (pa^2 - pb^2) / (mu R T); `None` for a crack given by its conductance k.
    pub fn conductance(&self) -> Option<f64> {
        match *self {
            CrackGeometry::Slit { width, gap, depth } => Some(width * gap.powi(3) / (24.0 * depth)),
            CrackGeometry::Tube { diameter, length } => {
                Some(std::f64::consts::PI * diameter.powi(4) / (256.0 * length))
            }
            CrackGeometry::Conductance { .. } => None,
        }
    }

    /// The coefficient c of `mdot = c (pa^2 - pb^2)`, kg/(s Pa^2), for gas of viscosity `mu`
    /// (Pa s) and gas constant `r` (J/(kg K)) at upstream temperature `t` (K); it is
    /// proportional to 1/t or independent of t, so d c/d t is `-c/t` or 0 as the second value.
    pub fn coefficient(&self, mu: f64, r: f64, t: f64) -> (f64, f64) {
        match *self {
            CrackGeometry::Conductance { k, temperature, .. } => match temperature {
                Some(t_ref) => {
                    let c = k * t_ref / t;
                    (c, -c / t)
                }
                None => (k, 0.0),
            },
            _ => {
                let g = self.conductance().unwrap_or(0.0);
                let c = g / (mu * r * t);
                (c, -c / t)
            }
        }
    }

    /// Open cross-section, m2: the area whose choked flow caps the crack's.
    pub fn area(&self) -> f64 {
        match *self {
            CrackGeometry::Slit { width, gap, .. } => width * gap,
            CrackGeometry::Tube { diameter, .. } => {
                std::f64::consts::PI * diameter * diameter / 4.0
            }
            CrackGeometry::Conductance { opening, .. } => opening,
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
    /// pushes the hatch onto its seal), `unseated` when `p_b > p_a`. Inside the
    /// regularisation band |dp| < dp_t the two are joined by a C1 cubic through 0 (see
    /// `seal_blend`), so the flow is zero at dp = 0, monotone and smooth. Not odd: the
    /// documented exception.
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

/// d transition_dp / d p_high (0.01 where the 1 % branch is active, else 0).
fn transition_dp_slope(p_high: f64) -> f64 {
    let x = 0.01 * p_high;
    if x > 1e-12 && x < 10.0 {
        0.01
    } else {
        0.0
    }
}

/// Choked-flow factor `(2/(g+1))^((g+1)/(2(g-1)))` (0.5787 for air).
pub fn choke_factor(gamma: f64) -> f64 {
    (2.0 / (gamma + 1.0)).powf((gamma + 1.0) / (2.0 * (gamma - 1.0)))
}

/// Critical pressure ratio `(2/(g+1))^(g/(g-1))` (0.528 for air).
pub fn critical_ratio(gamma: f64) -> f64 {
    (2.0 / (gamma + 1.0)).powf(gamma / (gamma - 1.0))
}

/// (critical ratio, choke factor) for `gamma`, cached per thread: every node of a typical
/// network has the same gamma, and each costs two `powf`.
fn gamma_constants(gamma: f64) -> (f64, f64) {
    use std::cell::Cell;
    thread_local! {
        static CACHE: Cell<(f64, f64, f64)> = const { Cell::new((f64::NAN, 0.0, 0.0)) };
    }
    CACHE.with(|c| {
        let (g, rc, phi) = c.get();
        if g == gamma {
            (rc, phi)
        } else {
            let v = (critical_ratio(gamma), choke_factor(gamma));
            c.set((gamma, v.0, v.1));
            v
        }
    })
}

/// Isentropic flow function psi(r) with `mdot = Cd A p_up psi / sqrt(R T_up)`, with its first
/// and second derivatives in r.
fn psi(r: f64, g: f64) -> (f64, f64, f64) {
    let (rc, phi) = gamma_constants(g);
    if r <= rc {
        return (g.sqrt() * phi, 0.0, 0.0);
    }
    let c = 2.0 * g / (g - 1.0);
    let e1 = 2.0 / g;
    let e2 = (g + 1.0) / g;
    let inner = (r.powf(e1) - r.powf(e2)).max(0.0);
    let val = (c * inner).sqrt();
    if val <= 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let dinner = e1 * r.powf(e1 - 1.0) - e2 * r.powf(e2 - 1.0);
    let ddinner = e1 * (e1 - 1.0) * r.powf(e1 - 2.0) - e2 * (e2 - 1.0) * r.powf(e2 - 2.0);
    let d1 = c * dinner / (2.0 * val);
    // psi^2 = c inner: 2 psi psi'' + 2 psi'^2 = c inner''.
    let d2 = (c * ddinner - 2.0 * d1 * d1) / (2.0 * val);
    (val, d1, d2)
}

/// Orifice flow for p_up >= p_down, before the regularisation near dp = 0: the value and its
/// derivatives (`dpu`, `dpd` first; `dpu_dpu`, `dpu_dpd` second; `dtu` in T_up).
#[derive(Debug, Clone, Copy, Default)]
struct Raw {
    m: f64,
    dpu: f64,
    dpd: f64,
    dtu: f64,
    dpu_dpu: f64,
    dpu_dpd: f64,
}

/// The linear law mdot = k (pa - pb).
#[inline]
pub(crate) fn linear_flow(k: f64, a: &GasState, b: &GasState) -> Flow {
    Flow {
        mdot: k * (a.p - b.p),
        d_pa: k,
        d_pb: -k,
        d_ta: 0.0,
        d_tb: 0.0,
        from_b: a.p < b.p,
    }
}

fn orifice_raw(cda: f64, up: &GasState, p_down: f64) -> Raw {
    if up.p <= 0.0 || cda <= 0.0 {
        return Raw::default();
    }
    let r = (p_down / up.p).clamp(0.0, 1.0);
    let (ps, dps, ddps) = psi(r, up.gamma);
    let k = cda / (up.r * up.t).sqrt();
    let m = k * up.p * ps;
    // d/dp_up of p_up psi(p_down/p_up) = psi - r psi'; d/dp_down = psi'. Second derivatives:
    // d/dp_up (psi - r psi') = r^2 psi''/p_up; d/dp_down (psi - r psi') = -r psi''/p_up.
    Raw {
        m,
        dpu: k * (ps - r * dps),
        dpd: k * dps,
        dtu: -m / (2.0 * up.t),
        dpu_dpu: k * r * r * ddps / up.p,
        dpu_dpd: -k * r * ddps / up.p,
    }
}

/// Odd cubic `m(x) = a x + b x^3` through the origin matching value `m_t` and slope `s_t` at
/// `x = x_t`, for `0 <= x <= x_t`: returns m and its partial derivatives in x, m_t, s_t, x_t
/// (the last three let the callers differentiate through the pressure dependence of the
/// matching point, so that the Jacobian stays exact inside the band).
fn cubic_blend(x: f64, x_t: f64, m_t: f64, s_t: f64) -> [f64; 5] {
    let a = (3.0 * m_t - s_t * x_t) / (2.0 * x_t);
    let b = (s_t * x_t - m_t) / (2.0 * x_t.powi(3));
    let x3 = x.powi(3);
    let dm_dmt = 1.5 * x / x_t - 0.5 * x3 / x_t.powi(3);
    let dm_dst = -0.5 * x + 0.5 * x3 / (x_t * x_t);
    let da_dxt = -1.5 * m_t / (x_t * x_t);
    let db_dxt = -s_t / x_t.powi(3) + 1.5 * m_t / x_t.powi(4);
    [
        a * x + b * x3,
        a + 3.0 * b * x * x,
        dm_dmt,
        dm_dst,
        da_dxt * x + db_dxt * x3,
    ]
}

/// Orifice flow from the higher-pressure side `up` to `down`, regularised near dp = 0.
/// Returns the flow with derivatives in (up, down) order.
fn orifice_directed(cda: f64, up: &GasState, down: &GasState) -> Flow {
    let dp = up.p - down.p;
    let dp_t = transition_dp(up.p);
    if dp >= dp_t {
        let raw = orifice_raw(cda, up, down.p);
        return Flow {
            mdot: raw.m,
            d_pa: raw.dpu,
            d_pb: raw.dpd,
            d_ta: raw.dtu,
            d_tb: 0.0,
            from_b: false,
        };
    }
    // Blend region: the true law evaluated at (p_down + dp_t, p_down), with the slope taken
    // along p_up at fixed p_down. The matching point moves with p_down (and, below 1000 Pa,
    // dp_t with p_up): m_t(p_down, dp_t) = raw(p_down + dp_t, p_down) and s_t = its d/dp_up.
    let up_t = GasState {
        p: down.p + dp_t,
        ..*up
    };
    let raw = orifice_raw(cda, &up_t, down.p);
    let (m_t, s_t) = (raw.m, raw.dpu);
    let [m, dm_dx, dm_dmt, dm_dst, dm_dxt] = cubic_blend(dp, dp_t, m_t, s_t);
    // Total sensitivities of the matching point.
    let dmt_dpd = raw.dpu + raw.dpd;
    let dst_dpd = raw.dpu_dpu + raw.dpu_dpd;
    let dmt_dxt = raw.dpu;
    let dst_dxt = raw.dpu_dpu;
    let dm_dxt_total = dm_dxt + dm_dmt * dmt_dxt + dm_dst * dst_dxt;
    Flow {
        mdot: m,
        d_pa: dm_dx + dm_dxt_total * transition_dp_slope(up.p),
        d_pb: -dm_dx + dm_dmt * dmt_dpd + dm_dst * dst_dpd,
        d_ta: -m / (2.0 * up.t),
        d_tb: 0.0,
        from_b: false,
    }
}

/// Power law from the higher-pressure side, regularised: derivatives in (up, down) order.
fn power_law_directed(c: f64, n: f64, up: &GasState, down: &GasState) -> Flow {
    let dp = up.p - down.p;
    let rho = up.density();
    let dp_t = transition_dp(up.p);
    // q and its derivatives along dp and along p_up alone (through dp_t, below 1000 Pa).
    let (q, dq, dq_pu) = if n >= 1.0 || dp >= dp_t {
        (
            c * dp.powf(n),
            if dp > 0.0 {
                c * n * dp.powf(n - 1.0)
            } else {
                c
            },
            0.0,
        )
    } else {
        let m_t = c * dp_t.powf(n);
        let s_t = c * n * dp_t.powf(n - 1.0);
        let [q, dq, dq_dmt, dq_dst, dq_dxt] = cubic_blend(dp, dp_t, m_t, s_t);
        let total = dq_dxt + dq_dmt * s_t + dq_dst * c * n * (n - 1.0) * dp_t.powf(n - 2.0);
        (q, dq, total * transition_dp_slope(up.p))
    };
    // mdot = rho_up q; rho_up = p_up/(R T_up).
    Flow {
        mdot: rho * q,
        d_pa: rho * (dq + dq_pu) + q / (up.r * up.t),
        d_pb: -rho * dq,
        d_ta: -rho * q / up.t,
        d_tb: 0.0,
        from_b: false,
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
    ///
    /// Zero-pressure extension: every law goes to zero with the upstream pressure, and a node
    /// that empties (to a vacuum, or through a sink) is a normal event. The integrator's
    /// round-off may still leave a node a little below zero mass (and pressure) within its
    /// absolute tolerance. Where neither end has a positive pressure, the flow is the law
    /// evaluated on the mirrored states, negated: `mdot(p_a, p_b) = -law(-p_a, -p_b)`,
    /// carrying the gas of the node that is upstream in the mirror (the one further below
    /// zero). So a node below zero draws back its own (negative) gas: each species' flux out
    /// of it stays proportional to that species' mass through zero, and the overshoot decays
    /// instead of persisting. The extension is continuous at zero pressure with the same
    /// pressure slope on both sides (C1 for the orifice and the linear law at a vacuum).
    #[inline]
    pub fn flow(&self, t: f64, a: &GasState, b: &GasState) -> Flow {
        // The linear law is its own mirror image (k (pa - pb) either way): taken first,
        // without the general law's dispatch, as the commonest element of a station.
        if let FlowElement::Linear { k } = self {
            return linear_flow(k.value(t), a, b);
        }
        if a.p > 0.0 || b.p > 0.0 || (a.p == 0.0 && b.p == 0.0) {
            return self.flow_law(t, a, b);
        }
        let am = GasState { p: -a.p, ..*a };
        let bm = GasState { p: -b.p, ..*b };
        self.flow_law(t, &am, &bm).unmirrored()
    }

    /// The sign (+1 a -> b, -1 b -> a) of `flow(t, a, b)` scaled by `opening` (in (0, 1]),
    /// where it follows from the pressures alone without evaluating the law: the linear law
    /// (its flow is computed, it is as cheap as its sign), and the orifice, open hatch and
    /// power law outside their regularisation band, with a positive coefficient. `None`
    /// where it does not (fans, seals, viscous cracks, pressure-dependent areas, a state near
    /// equilibrium or with no positive pressure): the caller evaluates the flow then.
    pub fn flow_sign(&self, t: f64, a: &GasState, b: &GasState, opening: f64) -> Option<i8> {
        let sign = |m: f64| -> Option<i8> {
            if m > 0.0 {
                Some(1)
            } else if m < 0.0 {
                Some(-1)
            } else {
                None
            }
        };
        if !(a.p > 0.0 || b.p > 0.0) || !(opening > 0.0 && opening <= 1.0) {
            return None;
        }
        if let FlowElement::Linear { k } = self {
            // Exactly what `flow` and the opening scaling compute.
            let m = k.value(t) * (a.p - b.p);
            return sign(if opening == 1.0 { m } else { m * opening });
        }
        // Guards against underflow of the product with the opening: a coefficient or an
        // opening below 1e-30 is left to the law.
        const TINY: f64 = 1e-30;
        let coefficient = match self {
            FlowElement::Orifice {
                area,
                cd,
                area_law: AreaLaw::Fixed,
            } => cd.value(t).max(0.0) * area.value(t).max(0.0),
            FlowElement::OpenHatch { area, cd } => area.value(t).max(0.0) * cd.value(t).max(0.0),
            FlowElement::PowerLaw { c, .. } => c.value(t).max(0.0),
            _ => return None,
        };
        if !(coefficient >= TINY && coefficient.is_finite() && opening >= TINY) {
            return None;
        }
        let (up, down, s) = if a.p >= b.p { (a, b, 1) } else { (b, a, -1) };
        // Outside the band (and a margin of 1e-6 of the upstream pressure, so that the
        // isentropic flow function is well away from its zero at r = 1), each law is its
        // unregularised form, positive from a positive upstream pressure.
        let dp = up.p - down.p;
        let healthy = up.t > 0.0 && up.r > 0.0 && up.gamma > 1.0 && up.gamma.is_finite();
        (healthy && down.p >= 0.0 && dp >= transition_dp(up.p).max(1e-6 * up.p)).then_some(s)
    }

    /// Partial derivatives of the mass flow in the ratio of specific heats of `a` and of `b`
    /// (the laws depend on gamma through the isentropic flow function and the choked cap).
    /// Taken by central differences in gamma alone, with a step of 1e-6 gamma: the laws are
    /// smooth in gamma (the orifice law is C1 through the choke point, whose position
    /// depends on gamma), so the truncation error is ~1e-12 relative and round-off ~1e-10.
    /// The gas constant needs no such term: every law depends on R and T only through the
    /// product R T, so `d mdot/d R = (T/R) d mdot/d T`, exact.
    pub fn gamma_partials(&self, t: f64, a: &GasState, b: &GasState) -> (f64, f64) {
        if !self.depends_on_gamma() {
            return (0.0, 0.0);
        }
        let d = |which_b: bool| {
            let g = if which_b { b.gamma } else { a.gamma };
            let h = 1e-6 * g;
            let at = |dg: f64| {
                if which_b {
                    self.flow(
                        t,
                        a,
                        &GasState {
                            gamma: b.gamma + dg,
                            ..*b
                        },
                    )
                    .mdot
                } else {
                    self.flow(
                        t,
                        &GasState {
                            gamma: a.gamma + dg,
                            ..*a
                        },
                        b,
                    )
                    .mdot
                }
            };
            (at(h) - at(-h)) / (2.0 * h)
        };
        (d(false), d(true))
    }

    /// True for laws whose flow depends on the ratio of specific heats.
    fn depends_on_gamma(&self) -> bool {
        match self {
            FlowElement::Orifice { .. }
            | FlowElement::OpenHatch { .. }
            | FlowElement::ViscousCrack { .. } => true,
            FlowElement::HatchSeal { seated, unseated } => {
                seated.depends_on_gamma() || unseated.depends_on_gamma()
            }
            FlowElement::PowerLaw { .. } | FlowElement::Linear { .. } | FlowElement::Fan { .. } => {
                false
            }
        }
    }

    /// The law itself, for states where at least one end has a positive pressure.
    fn flow_law(&self, t: f64, a: &GasState, b: &GasState) -> Flow {
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
                let dp = a.p - b.p;
                let dp_t = transition_dp(a.p.max(b.p));
                if dp >= dp_t {
                    seated.flow_law(t, a, b)
                } else if dp <= -dp_t {
                    unseated.flow_law(t, a, b)
                } else {
                    seal_blend(t, seated, unseated, a, b)
                }
            }
            FlowElement::Linear { k } => linear_flow(k.value(t), a, b),
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
                    from_b: q < 0.0,
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
            // A hatch seal's parameters belong to one of its two laws: setting both at once
            // would erase its direction dependence, so only the sided forms apply.
            (FlowElement::HatchSeal { seated, .. }, p)
                if p.seal_side() == Some(SealSide::Seated) =>
            {
                p.unsided().is_some_and(|q| seated.set_parameter(q, value))
            }
            (FlowElement::HatchSeal { unseated, .. }, p)
                if p.seal_side() == Some(SealSide::Unseated) =>
            {
                p.unsided()
                    .is_some_and(|q| unseated.set_parameter(q, value))
            }
            _ => false,
        }
    }
}

/// The hatch seal inside |dp| < dp_t: a cubic on each side that meets the seated (dp > 0) or
/// unseated (dp < 0) law in value and slope at |dp| = dp_t, passes through 0, and has the
/// same slope s0 on both sides of 0, the harmonic mean of the two laws' secant slopes. So the
/// seal is C1 through dp = 0 (a kink there stalls implicit solvers at equilibrium) and stays
/// monotone: s0 is at most twice the smaller secant slope.
fn seal_blend_mdot(
    t: f64,
    seated: &FlowElement,
    unseated: &FlowElement,
    a: &GasState,
    b: &GasState,
) -> f64 {
    let dp = a.p - b.p;
    let dp_t = transition_dp(a.p.max(b.p));
    if dp >= dp_t {
        return seated.flow_law(t, a, b).mdot;
    }
    if dp <= -dp_t {
        return unseated.flow_law(t, a, b).mdot;
    }
    let fs = seated.flow_law(
        t,
        &GasState {
            p: b.p + dp_t,
            ..*a
        },
        b,
    );
    let fu = unseated.flow_law(
        t,
        a,
        &GasState {
            p: a.p + dp_t,
            ..*b
        },
    );
    // Value and slope (in dp) of each law at its matching point, taken as positive numbers.
    let (m_s, s_s) = (fs.mdot, fs.d_pa);
    let (m_u, s_u) = (-fu.mdot, -fu.d_pb);
    let (a_s, a_u) = (m_s / dp_t, m_u / dp_t);
    let s0 = if a_s + a_u > 0.0 {
        2.0 * a_s * a_u / (a_s + a_u)
    } else {
        0.0
    };
    let (m_t, s_t, sign) = if dp >= 0.0 {
        (m_s, s_s, 1.0)
    } else {
        (m_u, s_u, -1.0)
    };
    // m(x) = s0 x + c2 x^2 + c3 x^3 on 0 <= x <= dp_t with m(dp_t) = m_t, m'(dp_t) = s_t.
    let l = dp_t;
    let c2 = (3.0 * (m_t / l - s0) - (s_t - s0)) / l;
    let c3 = ((s_t - s0) - 2.0 * c2 * l) / (3.0 * l * l);
    let x = dp.abs();
    sign * (s0 * x + c2 * x * x + c3 * x * x * x)
}

/// The seal blend with its partial derivatives. The blend's matching points move with both
/// pressures and with dp_t, so its exact derivatives need the sub-laws' second derivatives;
/// they are taken instead by central differences of the (C1, piecewise-polynomial) blend, with
/// steps of 1e-6 of the band and of the temperature, accurate to ~1e-9 relative. Only links
/// within 10 Pa of equilibrium pay for the eight extra evaluations.
fn seal_blend(
    t: f64,
    seated: &FlowElement,
    unseated: &FlowElement,
    a: &GasState,
    b: &GasState,
) -> Flow {
    let m = |a: &GasState, b: &GasState| seal_blend_mdot(t, seated, unseated, a, b);
    let hp = 1e-6 * transition_dp(a.p.max(b.p));
    let d = |fa: &dyn Fn(f64) -> GasState, fb: &dyn Fn(f64) -> GasState, h: f64| {
        (m(&fa(h), &fb(h)) - m(&fa(-h), &fb(-h))) / (2.0 * h)
    };
    let same_a = |_: f64| *a;
    let same_b = |_: f64| *b;
    Flow {
        mdot: m(a, b),
        d_pa: d(&|h| GasState { p: a.p + h, ..*a }, &same_b, hp),
        d_pb: d(&same_a, &|h| GasState { p: b.p + h, ..*b }, hp),
        d_ta: d(&|h| GasState { t: a.t + h, ..*a }, &same_b, 1e-6 * a.t),
        d_tb: d(&same_a, &|h| GasState { t: b.t + h, ..*b }, 1e-6 * b.t),
        from_b: a.p < b.p,
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
    /// A hatch seal's seated law: its area (orifice, open hatch), m2.
    SeatedArea,
    /// A hatch seal's unseated law: its area, m2.
    UnseatedArea,
    /// A hatch seal's seated law: its discharge coefficient.
    SeatedCd,
    /// A hatch seal's unseated law: its discharge coefficient.
    UnseatedCd,
    /// A hatch seal's seated law: its power-law C or linear K.
    SeatedCoefficient,
    /// A hatch seal's unseated law: its power-law C or linear K.
    UnseatedCoefficient,
}

impl Parameter {
    /// Every parameter, in declaration order.
    pub const ALL: [Parameter; 11] = [
        Parameter::Area,
        Parameter::Cd,
        Parameter::Coefficient,
        Parameter::FlowRate,
        Parameter::Opening,
        Parameter::SeatedArea,
        Parameter::UnseatedArea,
        Parameter::SeatedCd,
        Parameter::UnseatedCd,
        Parameter::SeatedCoefficient,
        Parameter::UnseatedCoefficient,
    ];

    /// Its name as scenarios write it, e.g. `SeatedArea`.
    pub fn name(self) -> &'static str {
        match self {
            Parameter::Area => "Area",
            Parameter::Cd => "Cd",
            Parameter::Coefficient => "Coefficient",
            Parameter::FlowRate => "FlowRate",
            Parameter::Opening => "Opening",
            Parameter::SeatedArea => "SeatedArea",
            Parameter::UnseatedArea => "UnseatedArea",
            Parameter::SeatedCd => "SeatedCd",
            Parameter::UnseatedCd => "UnseatedCd",
            Parameter::SeatedCoefficient => "SeatedCoefficient",
            Parameter::UnseatedCoefficient => "UnseatedCoefficient",
        }
    }

    /// The parameter of that name ([`Parameter::name`]).
    pub fn from_name(name: &str) -> Option<Parameter> {
        Parameter::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The two laws of a hatch seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealSide {
    /// Pressure on the `a` side seats the hatch on its seal.
    Seated,
    /// Pressure on the `b` side lifts the hatch off its seal.
    Unseated,
}

impl Parameter {
    /// The hatch-seal side a sided parameter addresses (`None` for the plain ones).
    pub fn seal_side(self) -> Option<SealSide> {
        match self {
            Parameter::SeatedArea | Parameter::SeatedCd | Parameter::SeatedCoefficient => {
                Some(SealSide::Seated)
            }
            Parameter::UnseatedArea | Parameter::UnseatedCd | Parameter::UnseatedCoefficient => {
                Some(SealSide::Unseated)
            }
            _ => None,
        }
    }

    /// The plain parameter of a sided one (`SeatedArea` -> `Area`); `None` for plain ones.
    pub fn unsided(self) -> Option<Parameter> {
        match self {
            Parameter::SeatedArea | Parameter::UnseatedArea => Some(Parameter::Area),
            Parameter::SeatedCd | Parameter::UnseatedCd => Some(Parameter::Cd),
            Parameter::SeatedCoefficient | Parameter::UnseatedCoefficient => {
                Some(Parameter::Coefficient)
            }
            _ => None,
        }
    }

    /// The sided form of a plain parameter (`Area` on `Seated` -> `SeatedArea`).
    pub fn on_side(self, side: SealSide) -> Option<Parameter> {
        use Parameter::*;
        match (self, side) {
            (Area, SealSide::Seated) => Some(SeatedArea),
            (Area, SealSide::Unseated) => Some(UnseatedArea),
            (Cd, SealSide::Seated) => Some(SeatedCd),
            (Cd, SealSide::Unseated) => Some(UnseatedCd),
            (Coefficient, SealSide::Seated) => Some(SeatedCoefficient),
            (Coefficient, SealSide::Unseated) => Some(UnseatedCoefficient),
            _ => None,
        }
    }
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
    let area = geometry.area();
    let (up, up_is_a) = if a.p >= b.p { (a, true) } else { (b, false) };
    let by_k = matches!(geometry, CrackGeometry::Conductance { .. });
    if up.p <= 0.0 || (mu <= 0.0 && !by_k) {
        return Flow::default();
    }
    // The geometric forms keep their own arithmetic (G / (mu R T) as one denominator).
    let (mv, dmv_pa, dmv_pb, dmv_tup) = match geometry.conductance() {
        Some(g) => {
            let denom = mu * up.r * up.t;
            let mv = g * (a.p * a.p - b.p * b.p) / denom;
            (
                mv,
                2.0 * g * a.p / denom,
                -2.0 * g * b.p / denom,
                -mv / up.t,
            )
        }
        None => {
            let (c, dc_tup) = geometry.coefficient(mu, up.r, up.t);
            let dp2 = a.p * a.p - b.p * b.p;
            (c * dp2, 2.0 * c * a.p, -2.0 * c * b.p, dc_tup * dp2)
        }
    };
    // Choked cap of the opening, Cd = 1, on the upstream state.
    let cap_k = area * up.gamma.sqrt() * gamma_constants(up.gamma).1 / (up.r * up.t).sqrt();
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
        from_b: !up_is_a,
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
