//! Life support: the laws of crews and ECLSS devices, as [`SourceLaw`]s of a
//! [`Source`](crate::Source).
//!
//! Every law gives the mass rate of each species into (positive) or out of (negative) the
//! source's compartment, and its derivative along a direction of the state for the Jacobian.
//! None can drive a species negative: every removal goes smoothly to zero as its species
//! runs out (a fixed or crew consumption fades as `m / (m + eps)`, with `eps` the mass that
//! moves the pressure by the absolute tolerance; a removal device's rate is proportional to
//! the species' mass).
//!
//! | Law | Rate of species s (kg/s), times the source's schedule |
//! |---|---|
//! | [`SourceLaw::Fixed`] | `rates[s]` |
//! | [`SourceLaw::Crew`] | `rates[s]` (the whole crew's), and `heat` W into the energy balance |
//! | [`SourceLaw::Removal`] | `-cap(Q eta m_s / V)` |
//! | [`SourceLaw::Condenser`] | `-Q ramp(m_s / V - p_sat(T_dew) / (R_s T))` |
//! | [`SourceLaw::Feed`] | `rates[s] c(q)`, or from a tank `F c(q) a(p_tank - p) y_tank,s` |
//!
//! `c(q)` is the control factor of a [`Control`], `a` the tank's availability; see each law.

use crate::model::CompartmentId;

/// How a source's rates are set. Each law is documented with its rate, its range and the
/// terms it adds to the Jacobian.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceLaw {
    /// `rates x schedule`. Negative rates remove, fading as their species runs out:
    /// `rate = r m_s / (m_s + eps)`, Jacobian `r eps / (m_s + eps)^2` in `m_s`.
    Fixed,
    /// A crew: `rates` (for the whole crew; O2 negative, CO2 and H2O positive) times the
    /// schedule (the activity multiplier: sleep, nominal, exercise), consumption fading as
    /// for [`SourceLaw::Fixed`], and `heat` W (metabolic heat of the whole crew) times the
    /// schedule into the energy balance where it is on. Jacobian: as `Fixed`.
    Crew { heat: f64 },
    /// A removal device (CO2 removal: Vozdukh, CDRA) processing `flow` m3/s of the
    /// compartment's gas and removing the fraction `efficiency` of `species` in one pass:
    /// `r = Q eta m_s / V` kg/s, limited smoothly to `capacity` kg/s where one is given,
    /// `cap(r) = r / (1 + (r/C)^4)^(1/4)` (within 0.04 % of r for r < C/5, tending to C),
    /// times the schedule. Linear in `m_s`, so it goes to zero with the species.
    /// Jacobian: `Q eta / V (1 + (r/C)^4)^(-5/4)` in `m_s`.
    Removal {
        species: usize,
        flow: f64,
        efficiency: f64,
        capacity: Option<f64>,
    },
    /// A condensing heat exchanger processing `flow` m3/s, whose outlet is saturated at
    /// `dew_point` K: it removes `species` (water vapour) above the outlet's vapour density,
    /// `r = Q ramp(m_s / V - p_sat(T_dew) / (R_s T)) m_s / (m_s + eps)`, with `ramp` the
    /// C1 ramp that is 0 below 0, `x^2/(2 d)` up to `d` and `x - d/2` above (d = 1e-3 of
    /// the saturated density), and `p_sat` Magnus' formula (Alduchov and Eskridge 1996).
    /// Jacobian: through `m_s` and, with an energy balance, `T`.
    Condenser {
        species: usize,
        flow: f64,
        dew_point: f64,
    },
    /// A controlled feed: O2 generation (Elektron, OGS) or make-up gas from a tank.
    /// Without a tank: `rates x schedule x c(q)` (rates >= 0). From a tank compartment:
    /// `max_flow x schedule x c(q) x a(dp)` kg/s of the tank's gas (each species by its mass
    /// fraction in the tank), taken from the tank, with the tank's enthalpy; `dp` is the tank's
    /// pressure over the compartment's, and `a(dp) = dp^2 / (dp^2 + (1 kPa)^2)` for dp > 0,
    /// else 0 (a check valve: the flow goes smoothly to zero as the tank runs down to the
    /// cabin's pressure). Without a control, `c = 1`.
    /// Jacobian: through `q`, both pressures and the tank's composition.
    Feed {
        max_flow: f64,
        tank: Option<CompartmentId>,
        control: Option<Control>,
    },
}

/// A proportional controller on a quantity `q` of the source's compartment:
/// `c(q) = s((setpoint - q) / band)`, with `s(x) = 3x^2 - 2x^3` on [0, 1] (0 below, 1
/// above): full output at or below `setpoint - band`, none at or above `setpoint`, smooth
/// (C1) in between, so the feed neither chatters nor stalls the solver and holds `q` inside
/// the band whenever its full output exceeds the losses. Jacobian: `-s'(x) dq / band`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Control {
    pub sensed: Sensed,
    /// Pa.
    pub setpoint: f64,
    /// Pa, > 0.
    pub band: f64,
}

/// What a [`Control`] senses in the source's compartment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensed {
    /// Total pressure.
    Pressure,
    /// Partial pressure of a species.
    PartialPressure(usize),
}

/// Width of a tank's availability ramp, Pa.
pub const TANK_DP_SCALE: f64 = 1000.0;

impl Control {
    /// The control factor at `q` and its derivative in `q`.
    pub fn factor(&self, q: f64) -> (f64, f64) {
        let x = (self.setpoint - q) / self.band;
        if x <= 0.0 {
            (0.0, 0.0)
        } else if x >= 1.0 {
            (1.0, 0.0)
        } else {
            (x * x * (3.0 - 2.0 * x), -6.0 * x * (1.0 - x) / self.band)
        }
    }
}

/// Saturation vapour pressure of water over liquid water (Pa) at `t` K, and its derivative
/// in `t`: Magnus' formula with Alduchov and Eskridge's (1996) coefficients,
/// `610.94 exp(17.625 tc / (tc + 243.04))`, tc in degC (within 0.4 % from -40 to 50 degC).
pub fn saturation_pressure(t: f64) -> (f64, f64) {
    let tc = t - 273.15;
    let d = tc + 243.04;
    let p = 610.94 * (17.625 * tc / d).exp();
    (p, p * 17.625 * 243.04 / (d * d))
}

/// A removal limited smoothly to a capacity: `r / (1 + (r/c)^4)^(1/4)` and its derivative
/// in `r`, `(1 + (r/c)^4)^(-5/4)`.
pub fn soft_cap(r: f64, capacity: Option<f64>) -> (f64, f64) {
    match capacity {
        None => (r, 1.0),
        Some(c) => {
            let u = (r / c).powi(4);
            let w = 1.0 + u;
            (r / w.powf(0.25), w.powf(-1.25))
        }
    }
}

/// The C1 ramp of width `d`: 0 below 0, `x^2 / (2d)` on [0, d], `x - d/2` above; and its
/// derivative.
pub fn ramp(x: f64, d: f64) -> (f64, f64) {
    if x <= 0.0 {
        (0.0, 0.0)
    } else if x < d {
        (x * x / (2.0 * d), x / d)
    } else {
        (x - 0.5 * d, 1.0)
    }
}

/// A tank's availability at pressure difference `dp` (tank over cabin, Pa) and its
/// derivative: `dp^2 / (dp^2 + k^2)` for dp > 0, else 0, k = [`TANK_DP_SCALE`].
pub fn availability(dp: f64) -> (f64, f64) {
    if dp <= 0.0 {
        return (0.0, 0.0);
    }
    let k2 = TANK_DP_SCALE * TANK_DP_SCALE;
    let d = dp * dp + k2;
    (dp * dp / d, 2.0 * dp * k2 / (d * d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_derivative(f: impl Fn(f64) -> (f64, f64), x: f64) {
        let h = 1e-6 * x.abs().max(1.0);
        let fd = (f(x + h).0 - f(x - h).0) / (2.0 * h);
        let (_, d) = f(x);
        assert!(
            (fd - d).abs() <= 1e-6 * d.abs().max(1e-12) + 1e-9,
            "at {x}: analytic {d}, finite difference {fd}"
        );
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for t in [250.0, 283.15, 300.0] {
            check_derivative(saturation_pressure, t);
        }
        for r in [0.0, 1e-6, 0.5, 1.0, 3.0] {
            check_derivative(|r| soft_cap(r, Some(1.0)), r);
        }
        for x in [-1.0, 0.3e-3, 0.2, 2.0] {
            check_derivative(|x| ramp(x, 1e-3), x);
        }
        for dp in [-10.0, 10.0, 800.0, 1e5] {
            check_derivative(availability, dp);
        }
        let c = Control {
            sensed: Sensed::Pressure,
            setpoint: 100.0,
            band: 10.0,
        };
        for q in [80.0, 91.0, 95.0, 99.0, 120.0] {
            check_derivative(|q| c.factor(q), q);
        }
    }

    #[test]
    fn magnus_matches_tabulated_saturation_pressures() {
        // Water's saturation pressure at 10 and 20 degC: 1228.1 and 2339.2 Pa (IAPWS-95,
        // as tabulated in the CRC Handbook); Magnus is within 0.4 % here.
        for (t, p) in [(283.15, 1228.1), (293.15, 2339.2)] {
            let m = saturation_pressure(t).0;
            assert!((m / p - 1.0).abs() < 4e-3, "{t} K: {m} Pa vs {p} Pa");
        }
    }

    #[test]
    fn the_cap_holds_the_rate_below_capacity_and_tends_to_it() {
        // 1 - (1 + 5^-4)^(-1/4) = 4.0e-4 at a fifth of the capacity.
        assert!((soft_cap(0.2, Some(1.0)).0 * 5.0 - 1.0).abs() < 4.0e-4);
        assert!((soft_cap(1e3, Some(1.0)).0 - 1.0).abs() < 1e-9);
        assert_eq!(soft_cap(0.0, Some(1.0)).0, 0.0);
    }
}
