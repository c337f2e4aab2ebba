//! Sources, crews and life-support devices in the right-hand side and its Jacobian-vector
//! product. The laws are documented in [`crate::life`].

use super::{sink_factor, NodeVals, Scratch, System};
use crate::life::{availability, ramp, saturation_pressure, soft_cap, Sensed, SourceLaw};
use crate::model::{Source, Switches};

/// Where one source's rates land: the compartment it feeds and the tank it draws from.
struct Ends {
    off: usize,
    energy: Option<usize>,
    /// A tank's state offset and energy slot.
    tank: Option<(usize, Option<usize>)>,
}

impl System<'_> {
    /// Net mass rate (kg/s) into each compartment from every active source, crew and device
    /// at (t, y), a tank's draw counted against the tank.
    pub fn source_inflow(&self, t: f64, y: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n];
        let mut sc = self.scratch.borrow_mut();
        let sc = &mut *sc;
        self.fill_nodes(t, y, None, sc);
        let sw = self.switches.borrow();
        self.eval_sources(t, y, None, sc, &sw, &mut out);
        (0..self.net.compartments.len())
            .map(|i| out[self.offsets[i]..self.offsets[i] + self.ns].iter().sum())
            .collect()
    }

    /// Add every active source's rates (with `v = None`) or their directional derivatives
    /// along `v` to `out`: the compartment's species and energy, the tank's for a feed from
    /// a tank, and the source's ledger (what it took from or gave to the outside).
    pub(super) fn eval_sources(
        &self,
        t: f64,
        y: &[f64],
        v: Option<&[f64]>,
        sc: &Scratch,
        sw: &Switches,
        out: &mut [f64],
    ) {
        let ns = self.ns;
        let src_ledger = self.ledger + self.net.boundaries.len() * ns;
        for (k, src) in self.net.sources.iter().enumerate() {
            if !sw.source_active[k] {
                continue;
            }
            let mult = src.schedule.value(t);
            if mult == 0.0 {
                continue;
            }
            let i = src.into.0;
            let ends = Ends {
                off: self.offsets[i],
                energy: self.energy[i],
                tank: match &src.law {
                    SourceLaw::Feed { tank: Some(j), .. } => {
                        Some((self.offsets[j.0], self.energy[j.0]))
                    }
                    _ => None,
                },
            };
            let ledger = src_ledger + k * ns;
            match &src.law {
                SourceLaw::Fixed => self.fixed(src, mult, i, &ends, ledger, y, v, sc, out),
                SourceLaw::Crew { heat } => {
                    self.fixed(src, mult, i, &ends, ledger, y, v, sc, out);
                    if let (Some(e), None) = (ends.energy, v) {
                        out[e] += heat * mult;
                    }
                }
                SourceLaw::Removal {
                    species: s,
                    flow,
                    efficiency,
                    capacity,
                } => {
                    let s = *s;
                    let k = flow * efficiency * self.inv_volume[i];
                    let (r, dr) = soft_cap(k * y[ends.off + s], *capacity);
                    let drate = v.map(|v| -mult * dr * k * v[ends.off + s]);
                    self.remove(s, -mult * r, drate, i, &ends, ledger, sc, out);
                }
                SourceLaw::Condenser {
                    species: s,
                    flow,
                    dew_point,
                } => {
                    let s = *s;
                    let node = &sc.nodes[i];
                    let (tn, dtn) = node.t_dt();
                    let rs = self.species_r[s];
                    let psat = saturation_pressure(*dew_point).0;
                    let rho_sat = psat / (rs * tn);
                    let width = 1e-3 * psat / (rs * self.net.compartments[i].temperature);
                    let ms = y[ends.off + s];
                    let x = ms * self.inv_volume[i] - rho_sat;
                    let (g, dg) = ramp(x, width);
                    let (f, df) = sink_factor(ms, self.mass_eps[i]);
                    let r = flow * g * f;
                    let drate = v.map(|v| {
                        let vs = v[ends.off + s];
                        let dx = vs * self.inv_volume[i] + rho_sat / tn * dtn;
                        -mult * flow * (dg * dx * f + g * df * vs)
                    });
                    self.remove(s, -mult * r, drate, i, &ends, ledger, sc, out);
                }
                SourceLaw::Feed {
                    max_flow,
                    tank,
                    control,
                } => {
                    let node = &sc.nodes[i];
                    let (c, dc) = match control {
                        None => (1.0, 0.0),
                        Some(ctl) => {
                            let (q, dq) = match ctl.sensed {
                                Sensed::Pressure => (node.gas.p, node.dp),
                                Sensed::PartialPressure(s) => {
                                    let rs = self.species_r[s] * self.inv_volume[i];
                                    let ms = y[ends.off + s];
                                    let dq = v.map_or(0.0, |v| {
                                        rs * (v[ends.off + s] * node.gas.t + ms * node.dt)
                                    });
                                    (rs * ms * node.gas.t, dq)
                                }
                            };
                            let (c, dcq) = ctl.factor(q);
                            (c, dcq * dq)
                        }
                    };
                    match tank {
                        None => {
                            for s in 0..ns {
                                let rate = src.rates[s] * mult * c;
                                if src.rates[s] == 0.0 {
                                    continue;
                                }
                                let h = self.species_cp[s] * src.temperature;
                                let d = match v {
                                    None => rate,
                                    Some(_) => src.rates[s] * mult * dc,
                                };
                                out[ends.off + s] += d;
                                out[ledger + s] -= d;
                                if let Some(e) = ends.energy {
                                    out[e] += d * h;
                                }
                            }
                        }
                        Some(j) => {
                            let tk = &sc.nodes[j.0];
                            let (a, da) = availability(tk.gas.p - node.gas.p);
                            let total = max_flow * mult * c * a;
                            let dtotal = max_flow * mult * (dc * a + c * da * (tk.dp - node.dp));
                            let (toff, te) = ends.tank.expect("a feed from a tank has its ends");
                            let ys = &sc.y[j.0 * ns..(j.0 + 1) * ns];
                            let dys = &sc.dy[j.0 * ns..(j.0 + 1) * ns];
                            for s in 0..ns {
                                let d = match v {
                                    None => total * ys[s],
                                    Some(_) => dtotal * ys[s] + total * dys[s],
                                };
                                out[ends.off + s] += d;
                                out[toff + s] -= d;
                            }
                            let dh = match v {
                                None => total * tk.h,
                                Some(_) => dtotal * tk.h + total * tk.dh,
                            };
                            if let Some(e) = ends.energy {
                                out[e] += dh;
                            }
                            if let Some(e) = te {
                                out[e] -= dh;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fixed rates (and a crew's): injection at the source's temperature; removal with the
    /// compartment's enthalpy, fading as its species runs out.
    #[allow(clippy::too_many_arguments)]
    fn fixed(
        &self,
        src: &Source,
        mult: f64,
        i: usize,
        ends: &Ends,
        ledger: usize,
        y: &[f64],
        v: Option<&[f64]>,
        sc: &Scratch,
        out: &mut [f64],
    ) {
        for s in 0..self.ns {
            let nominal = src.rates[s] * mult;
            if nominal == 0.0 {
                continue;
            }
            if nominal > 0.0 {
                if v.is_none() {
                    out[ends.off + s] += nominal;
                    out[ledger + s] -= nominal;
                    if let Some(e) = ends.energy {
                        out[e] += nominal * self.species_cp[s] * src.temperature;
                    }
                }
                continue;
            }
            let (fade, dfade) = sink_factor(y[ends.off + s], self.mass_eps[i]);
            let drate = v.map(|v| nominal * dfade * v[ends.off + s]);
            self.remove(s, nominal * fade, drate, i, ends, ledger, sc, out);
        }
    }

    /// Remove species `s` at `rate` (< 0, kg/s) with the compartment's enthalpy; with `drate`
    /// (a Jacobian product), write the rate's directional derivative instead.
    #[allow(clippy::too_many_arguments)]
    fn remove(
        &self,
        s: usize,
        rate: f64,
        drate: Option<f64>,
        i: usize,
        ends: &Ends,
        ledger: usize,
        sc: &Scratch,
        out: &mut [f64],
    ) {
        let node: &NodeVals = &sc.nodes[i];
        let (tn, dtn) = node.t_dt();
        let cp = self.species_cp[s];
        let (d, de) = match drate {
            None => (rate, rate * cp * tn),
            Some(dr) => (dr, rate * cp * dtn + dr * cp * tn),
        };
        out[ends.off + s] += d;
        out[ledger + s] -= d;
        if let Some(e) = ends.energy {
            out[e] += de;
        }
    }
}
