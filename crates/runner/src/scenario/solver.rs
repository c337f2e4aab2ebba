//! Solver settings and the size limit of the implicit integrator.

use super::*;

impl<'s> Validator<'s> {
    pub(super) fn solver(&mut self, s: &SolverWire) -> Option<Settings> {
        let it = "solver";
        let d = Settings::default();
        let method = match &s.method {
            Some(m) => match self.get(m, Some(it))? {
                MethodWire::Bdf => Method::Bdf,
                MethodWire::Dopri5 => Method::Dopri5,
            },
            None => d.method,
        };
        let rtol = match &s.rtol {
            Some(r) => {
                let x = self.number(r, "(dimensionless)", it, "rtol");
                match x {
                    Some(x) if x > 0.0 && x < 1.0 => Some(x),
                    Some(x) => {
                        self.sink
                            .error(r.span, Some(it), format!("rtol is {x}"))
                            .expected("0 < rtol < 1 (1e-6 is the default)");
                        None
                    }
                    None => None,
                }
            }
            None => Some(d.rtol),
        };
        let atol = match &s.atol {
            Some(a) => self.quantity_in(a, Dimension::Pressure, Range::Positive, it, "atol"),
            None => Some(d.atol_pressure),
        };
        let max_step = match &s.max_step {
            Some(m) => self
                .quantity_in(m, Dimension::Time, Range::Positive, it, "max_step")
                .map(Some),
            None => Some(d.max_step),
        };
        let max_steps = match &s.max_steps {
            Some(m) => {
                let x = self.number(m, "steps", it, "max_steps");
                match x {
                    Some(x) if x >= 1.0 && x.fract() == 0.0 && x <= 1e12 => Some(x as usize),
                    Some(x) => {
                        self.sink
                            .error(m.span, Some(it), format!("max_steps is {x}"))
                            .expected("a whole number of steps >= 1");
                        None
                    }
                    None => None,
                }
            }
            None => Some(d.max_steps),
        };
        let deadband = match &s.reversal_deadband {
            Some(r) => self.quantity_in(
                r,
                Dimension::MassFlow,
                Range::NonNegative,
                it,
                "reversal_deadband",
            ),
            None => Some(d.reversal_deadband),
        };
        let rearm = match &s.event_rearm_interval {
            Some(r) => self.quantity_in(
                r,
                Dimension::Time,
                Range::NonNegative,
                it,
                "event_rearm_interval",
            ),
            None => Some(d.event_rearm_interval),
        };
        Some(Settings {
            method,
            rtol: rtol?,
            atol_pressure: atol?,
            max_step: max_step?,
            max_steps: max_steps?,
            reversal_deadband: deadband?,
            event_rearm_interval: rearm?,
            ..d
        })
    }

    /// Refuse a network too large for the implicit integrator ([`MAX_BDF_STATES`]), before
    /// a run would try to allocate its Jacobian.
    pub(super) fn bdf_limit(&mut self, network: &Network, settings: &Settings, span: Span) {
        if settings.method != Method::Bdf {
            return;
        }
        let n = System::new(network).len();
        if n <= MAX_BDF_STATES {
            return;
        }
        let per = self.gas.len();
        self.sink
            .error(
                span,
                Some("scenario"),
                format!(
                    "the network has {n} state variables ({}, {}, {}, {per} species each), more than the {MAX_BDF_STATES} the implicit solver handles",
                    count(network.compartments.len(), "compartment", "compartments"),
                    count(network.boundaries.len(), "boundary", "boundaries"),
                    count(network.sources.len(), "source", "sources"),
                ),
            )
            .expected(format!(
                "at most {MAX_BDF_STATES} state variables (about {} compartments of a {per}-species gas), so that the sparse Jacobian, its LU factors and the run's outputs stay within a few GB",
                MAX_BDF_STATES / per.max(1) - 1
            ))
            .hint("merge compartments, use a one-species gas (gas: Perfect(r: 287.05, gamma: 1.4)), or use solver: (method: Dopri5), which needs no Jacobian but is slow when the network is stiff");
    }
}
