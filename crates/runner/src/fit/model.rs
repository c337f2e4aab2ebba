//! One hypothesis as a function of its free parameters: set them, run the scenario to the
//! last reading, and read each sensor's quantity at its reading times.

use std::sync::atomic::{AtomicUsize, Ordering};

use plenum_physics::{simulate, Network, NetworkParts, Settings, System};

use super::{Fit, Hypothesis};
use crate::paths::{apply, Target};
use crate::scenario::variants::{apply_variant, VariantWire};
use crate::scenario::{NamedValues, Spanned, Q};

/// Relative tolerance of the fit's runs. Gradients are finite differences of whole runs, so
/// the integrator's error must sit far below the difference step (1e-4 in the fitted
/// coordinate): at 1e-10 it adds about 1e-6 relative to a derivative.
pub const FIT_RTOL: f64 = 1e-10;
/// Absolute tolerance of the fit's runs, as a pressure (Pa).
pub const FIT_ATOL_PA: f64 = 1e-7;

/// The solver settings of every run of a fit (the scenario's, tightened). A fit reads only
/// quantities at reading times, so its runs keep no flow-reversal log (the same runs
/// without the per-step screen of the flows' signs).
pub fn fit_settings(base: &Settings) -> Settings {
    let mut s = base.clone();
    s.reversals = false;
    s.rtol = s.rtol.min(FIT_RTOL);
    s.atol_pressure = s.atol_pressure.min(FIT_ATOL_PA);
    s.max_steps = s.max_steps.max(1_000_000);
    s
}

/// A hypothesis ready to be run at any parameter values.
pub struct Model<'a> {
    pub fit: &'a Fit,
    pub hyp: &'a Hypothesis,
    /// Every reading time, sorted, without repeats.
    times: Vec<f64>,
    /// Per readings file, per reading: the index into `times`.
    index: Vec<Vec<usize>>,
    /// Runs made so far.
    pub runs: AtomicUsize,
    /// The hypothesis's scenario as loaded, checked: each run's network differs from it
    /// only in values, and only what differs is checked again ([`Network::revalued`]).
    checked: Option<Network>,
}

impl<'a> Model<'a> {
    pub fn new(fit: &'a Fit, hyp: &'a Hypothesis) -> Model<'a> {
        let mut times: Vec<f64> = fit
            .readings
            .iter()
            .flat_map(|r| r.times.iter().copied())
            .collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        let index = fit
            .readings
            .iter()
            .map(|r| {
                r.times
                    .iter()
                    .map(|t| times.partition_point(|x| x < t))
                    .collect()
            })
            .collect();
        Model {
            fit,
            hyp,
            times,
            index,
            runs: AtomicUsize::new(0),
            checked: Network::new(hyp.loaded.parts.clone()).ok(),
        }
    }

    /// Each readings file's model values (SI, without the sensor's bias) at its times,
    /// with the free parameters at `theta` (SI).
    pub fn predict(&self, theta: &[f64]) -> Result<Vec<Vec<f64>>, String> {
        let at = self.run(theta, &self.times)?;
        Ok(self
            .index
            .iter()
            .enumerate()
            .map(|(r, idx)| idx.iter().map(|&i| at[i][r]).collect())
            .collect())
    }

    /// The readings' quantities at `times` (sorted, >= 0), one row per time.
    pub fn curve(&self, theta: &[f64], times: &[f64]) -> Result<Vec<Vec<f64>>, String> {
        self.run(theta, times)
    }

    /// The hypothesis's parts at `theta` (SI), before checking, and its solver settings.
    pub fn parts(&self, theta: &[f64]) -> Result<(NetworkParts, Settings), String> {
        let h = self.hyp;
        let named: Vec<(String, Q)> = h
            .free
            .iter()
            .zip(theta)
            .filter_map(|(f, v)| match &f.target {
                Target::Named(n) => Some((
                    format!("parameters.{n}"),
                    Q::Text(format!("{v:e} {}", f.dim.si_unit()).trim_end().to_string()),
                )),
                _ => None,
            })
            .collect();
        let with_named;
        let loaded = if named.is_empty() {
            &h.loaded
        } else {
            let mut vw = h
                .variant_wire
                .clone()
                .unwrap_or_else(|| VariantWire::setting(&h.name, Vec::new()));
            let mut set = vw
                .set
                .take()
                .and_then(|s| s.value.ok())
                .map(|s| s.0)
                .unwrap_or_default();
            // The free values win over the variant's own.
            set.retain(|(p, _)| !named.iter().any(|(n, _)| p.get() == Some(n)));
            set.extend(
                named
                    .into_iter()
                    .map(|(p, q)| (Spanned::new(p), Spanned::new(q))),
            );
            vw.set = Some(Spanned::new(NamedValues(set)));
            with_named = apply_variant(&self.fit.base, &vw).map_err(|d| d.to_string())?;
            &with_named
        };
        let mut parts = loaded.parts.clone();
        for (f, v) in h.free.iter().zip(theta) {
            if !matches!(f.target, Target::Named(_)) {
                apply(&mut parts, &f.target, *v).map_err(|e| format!("{}: {e}", f.path))?;
            }
        }
        Ok((parts, fit_settings(&loaded.config.settings)))
    }

    fn network(&self, theta: &[f64]) -> Result<(Network, Settings), String> {
        let (parts, settings) = self.parts(theta)?;
        let net = match &self.checked {
            Some(like) => Network::revalued(parts, like),
            None => Network::new(parts),
        }
        .map_err(|errs| {
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        Ok((net, settings))
    }

    fn run(&self, theta: &[f64], times: &[f64]) -> Result<Vec<Vec<f64>>, String> {
        self.runs.fetch_add(1, Ordering::Relaxed);
        let (net, settings) = self.network(theta)?;
        let qs = &self.hyp.quantities;
        let t_end = times.last().copied().unwrap_or(0.0).max(1.0);
        let mut rows: Vec<(f64, Vec<f64>)> = Vec::with_capacity(times.len());
        let mut obs = |sys: &System<'_>, t: f64, y: &[f64]| {
            rows.push((t, qs.iter().map(|q| sys.quantity(*q, t, y)).collect()));
        };
        simulate(&net, &settings, t_end, times, &mut obs).map_err(|e| e.to_string())?;
        // One row per asked time (the integrator reports each output time once, in order).
        let mut out = Vec::with_capacity(times.len());
        let mut k = 0;
        for &t in times {
            while k < rows.len() && rows[k].0 < t {
                k += 1;
            }
            match rows.get(k) {
                Some((rt, v)) if *rt == t && v.iter().all(|x| x.is_finite()) => out.push(v.clone()),
                _ => return Err(format!("the run gave no finite value at t = {t} s")),
            }
        }
        Ok(out)
    }
}
