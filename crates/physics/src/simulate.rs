//! Time integration of a network: segments between schedule breakpoints and events,
//! output at requested times from dense output, threshold events located by root finding
//! on the dense output, and a log of every reversal of a link's flow.

use diffsol::{
    NalgebraLU, NalgebraMat, OdeBuilder, OdeSolverMethod, OdeSolverStopReason, Vector, VectorCommon,
};

use crate::error::SimError;
use crate::model::{Direction, Network, Trigger};
use crate::system::System;

/// Integration method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Implicit variable-order BDF (diffsol), with the analytic Jacobian-vector product.
    /// The default: the network is stiff (open hatches equalise in under a second while
    /// cracks act over days).
    #[default]
    Bdf,
    /// Explicit Dormand-Prince 5(4) (ode_solvers), for non-stiff networks and cross-checks.
    Dopri5,
}

/// Solver settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub method: Method,
    /// Relative tolerance of the local error test.
    pub rtol: f64,
    /// Absolute tolerance expressed as a pressure, Pa; converted per compartment to a mass
    /// (and energy) tolerance.
    pub atol_pressure: f64,
    /// Largest step, s (`None`: no limit beyond the segment).
    pub max_step: Option<f64>,
    /// Step budget for the whole run.
    pub max_steps: usize,
    /// A link's flow must exceed this magnitude, kg/s, in its new direction before a
    /// reversal is logged (hysteresis against round-off chatter at equilibrium).
    pub reversal_deadband: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            method: Method::Bdf,
            rtol: 1e-6,
            atol_pressure: 1e-3,
            max_step: None,
            max_steps: 1_000_000,
            reversal_deadband: 1e-9,
        }
    }
}

impl Settings {
    fn check(&self) -> Result<(), SimError> {
        if !(self.rtol > 0.0 && self.rtol < 1.0) {
            return Err(SimError::Settings(format!(
                "rtol = {} ; expected 0 < rtol < 1",
                self.rtol
            )));
        }
        if !(self.atol_pressure > 0.0 && self.atol_pressure.is_finite()) {
            return Err(SimError::Settings(format!(
                "atol = {} Pa; expected a positive pressure",
                self.atol_pressure
            )));
        }
        if let Some(h) = self.max_step {
            if !(h > 0.0 && h.is_finite()) {
                return Err(SimError::Settings(format!(
                    "max_step = {h} s; expected a positive time"
                )));
            }
        }
        if !(self.reversal_deadband >= 0.0 && self.reversal_deadband.is_finite()) {
            return Err(SimError::Settings(
                "reversal deadband must be a flow >= 0".into(),
            ));
        }
        Ok(())
    }
}

/// Receives the state at each requested output time.
pub trait Observer {
    fn observe(&mut self, system: &System<'_>, t: f64, y: &[f64]);
}

impl<F: FnMut(&System<'_>, f64, &[f64])> Observer for F {
    fn observe(&mut self, system: &System<'_>, t: f64, y: &[f64]) {
        self(system, t, y)
    }
}

/// An event that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct FiredEvent {
    pub name: String,
    /// s.
    pub time: f64,
}

/// A link whose flow changed direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Reversal {
    pub link: String,
    /// Time of the zero crossing, s.
    pub time: f64,
    /// New direction: true when the flow now runs from -> to.
    pub now_forward: bool,
}

/// Work counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Accepted steps.
    pub steps: usize,
    /// Rejected steps (error test or Newton failures).
    pub rejected_steps: usize,
    /// Right-hand-side evaluations.
    pub rhs_evals: usize,
    /// Jacobian-vector products.
    pub jvp_evals: usize,
    /// Jacobian assemblies (BDF).
    pub jacobian_evals: usize,
    /// LU factorisations (BDF).
    pub factorizations: usize,
    /// Newton iterations (BDF).
    pub newton_iterations: usize,
    /// Integrator restarts (breakpoints and events).
    pub restarts: usize,
    /// Species masses (and internal energies) that round-off left below zero, within their
    /// absolute tolerance, and were set to zero in what the run hands over (outputs and the
    /// final state) by [`System::project_nonnegative`], counted over all of them.
    pub projected: usize,
}

/// What a run produced besides the observed outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Time the run ended, s.
    pub end_time: f64,
    /// State at the end.
    pub final_state: Vec<f64>,
    pub events: Vec<FiredEvent>,
    pub reversals: Vec<Reversal>,
    pub stats: Stats,
    /// The event that ended the run early, if any.
    pub ended_by: Option<String>,
}

/// Integrate `net` from 0 to `t_end`, calling `observer` at each of `output_times`
/// (sorted, within [0, t_end]; times after an early end are skipped).
pub fn simulate(
    net: &Network,
    settings: &Settings,
    t_end: f64,
    output_times: &[f64],
    observer: &mut dyn Observer,
) -> Result<Outcome, SimError> {
    settings.check()?;
    if !(t_end > 0.0 && t_end.is_finite()) {
        return Err(SimError::Settings(format!(
            "duration {t_end} s; expected a positive time"
        )));
    }
    let sys = System::with_tolerance(net, settings.atol_pressure);
    let mut driver = Driver::new(&sys, settings, t_end, output_times);
    match settings.method {
        Method::Bdf => driver.run_bdf()?,
        Method::Dopri5 => driver.run_dopri5()?,
    }
    driver.finish(observer)
}

/// A sign-tracking watcher of one threshold event.
#[derive(Debug, Clone)]
struct Watch {
    event: usize,
    g_prev: f64,
    done: bool,
}

/// Direction tracking of one link's flow.
#[derive(Debug, Clone)]
struct FlowSign {
    sign: i8,
    m_prev: f64,
    last_zero: Option<f64>,
}

struct Driver<'s, 'n> {
    sys: &'s System<'n>,
    settings: &'s Settings,
    t_end: f64,
    atol: Vec<f64>,
    outputs: Vec<f64>,
    next_output: usize,
    /// Buffered outputs (t, state, index into `switch_history`); handed to the observer at
    /// the end so that a failed run produces nothing half-done.
    out_rows: Vec<(f64, Vec<f64>, usize)>,
    /// The link and source switches after each batch of event actions (entry 0: at the
    /// start), so that the observer sees each output with the switches of its time.
    switch_history: Vec<crate::system::Switches>,
    t: f64,
    y: Vec<f64>,
    breakpoints: Vec<f64>,
    at_fired: Vec<bool>,
    watches: Vec<Watch>,
    flows: Vec<FlowSign>,
    events: Vec<FiredEvent>,
    reversals: Vec<Reversal>,
    stats: Stats,
    ended_by: Option<String>,
    scratch: Vec<f64>,
    flow_buf: Vec<f64>,
}

/// What to do at the top of a segment.
enum Snap {
    Integrate,
    Continue,
    End,
}

/// A threshold crossing found inside a step.
struct Hit {
    time: f64,
    watches: Vec<usize>,
}

impl<'s, 'n> Driver<'s, 'n> {
    fn new(sys: &'s System<'n>, settings: &'s Settings, t_end: f64, outputs: &[f64]) -> Self {
        let net = sys.net;
        let y = sys.initial_state();
        let mut breakpoints = sys.breakpoints();
        for e in &net.events {
            if let Trigger::At(t) = e.trigger {
                breakpoints.push(t);
            }
        }
        breakpoints.retain(|&b| b > 0.0 && b < t_end);
        breakpoints.sort_by(f64::total_cmp);
        breakpoints.dedup();
        let mut outputs: Vec<f64> = outputs
            .iter()
            .copied()
            .filter(|t| t.is_finite() && *t >= 0.0 && *t <= t_end)
            .collect();
        outputs.sort_by(f64::total_cmp);
        outputs.dedup();
        let atol = sys.absolute_tolerances(settings.atol_pressure);
        let mut d = Driver {
            sys,
            settings,
            t_end,
            atol,
            outputs,
            next_output: 0,
            out_rows: Vec::new(),
            switch_history: vec![sys.switches.borrow().clone()],
            t: 0.0,
            y,
            breakpoints,
            at_fired: vec![false; net.events.len()],
            watches: Vec::new(),
            flows: Vec::new(),
            events: Vec::new(),
            reversals: Vec::new(),
            stats: Stats::default(),
            ended_by: None,
            scratch: Vec::new(),
            flow_buf: Vec::new(),
        };
        d.watches = net
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e.trigger, Trigger::Crosses { .. }))
            .map(|(i, _)| Watch {
                event: i,
                g_prev: 0.0,
                done: false,
            })
            .collect();
        d.reset_watch_values();
        d.sys.link_flows(0.0, &d.y, &mut d.flow_buf);
        d.flows = d
            .flow_buf
            .iter()
            .map(|&m| FlowSign {
                sign: d.sign_of(m),
                m_prev: m,
                last_zero: None,
            })
            .collect();
        d
    }

    fn sign_of(&self, m: f64) -> i8 {
        if m > self.settings.reversal_deadband {
            1
        } else if m < -self.settings.reversal_deadband {
            -1
        } else {
            0
        }
    }

    fn g(&self, watch: usize, t: f64, y: &[f64]) -> f64 {
        let e = &self.sys.net.events[self.watches[watch].event];
        match e.trigger {
            Trigger::Crosses {
                quantity,
                threshold,
                ..
            } => self.sys.quantity(quantity, t, y) - threshold,
            Trigger::At(_) => 0.0,
        }
    }

    fn reset_watch_values(&mut self) {
        for w in 0..self.watches.len() {
            let g = self.g(w, self.t, &self.y);
            self.watches[w].g_prev = g;
        }
    }

    /// Process the accepted step (t_old, t_new] with dense output `interp`.
    /// Returns the earliest threshold crossing inside it, if any, having emitted outputs and
    /// reversals only up to that point.
    fn process_step(
        &mut self,
        t_old: f64,
        t_new: f64,
        y_new: &[f64],
        interp: &mut dyn FnMut(f64, &mut [f64]),
    ) -> Result<Option<Hit>, SimError> {
        self.sys.check_state(t_new, y_new, &self.atol)?;
        // Threshold crossings.
        let mut hit: Option<Hit> = None;
        let mut buf = std::mem::take(&mut self.scratch);
        buf.resize(y_new.len(), 0.0);
        for w in 0..self.watches.len() {
            if self.watches[w].done {
                continue;
            }
            let g_old = self.watches[w].g_prev;
            let g_new = self.g(w, t_new, y_new);
            let dir = match self.sys.net.events[self.watches[w].event].trigger {
                Trigger::Crosses { direction, .. } => direction,
                Trigger::At(_) => Direction::Either,
            };
            let crossed = match dir {
                Direction::Rising => g_old < 0.0 && g_new >= 0.0,
                Direction::Falling => g_old > 0.0 && g_new <= 0.0,
                Direction::Either => (g_old < 0.0 && g_new >= 0.0) || (g_old > 0.0 && g_new <= 0.0),
            };
            if !crossed {
                continue;
            }
            let tr = self.locate(t_old, g_old, t_new, g_new, &mut buf, interp, |d, t, y| {
                d.g(w, t, y)
            });
            match &mut hit {
                Some(h) if tr > h.time => {}
                Some(h) if tr == h.time => h.watches.push(w),
                _ => {
                    hit = Some(Hit {
                        time: tr,
                        watches: vec![w],
                    })
                }
            }
        }
        let t_stop = hit.as_ref().map_or(t_new, |h| h.time);
        // Outputs up to t_stop.
        while self.next_output < self.outputs.len() && self.outputs[self.next_output] <= t_stop {
            let to = self.outputs[self.next_output];
            if to == t_new {
                buf.copy_from_slice(y_new);
            } else {
                interp(to, &mut buf);
            }
            self.out_rows
                .push((to, buf.clone(), self.switch_history.len() - 1));
            self.next_output += 1;
        }
        // Flow reversals up to t_stop.
        if t_stop == t_new {
            buf.copy_from_slice(y_new);
        } else {
            interp(t_stop, &mut buf);
        }
        let mut flows = std::mem::take(&mut self.flow_buf);
        self.sys.link_flows(t_stop, &buf, &mut flows);
        for l in 0..flows.len() {
            let m_new = flows[l];
            let m_old = self.flows[l].m_prev;
            let s = self.sign_of(m_new);
            let confirmed_reversal = s != 0 && self.flows[l].sign != 0 && s != self.flows[l].sign;
            if m_old * m_new < 0.0 {
                // The zero lies in this step. Root-find it when either side is beyond the
                // deadband (a real crossing); round-off chatter inside the deadband gets a
                // secant estimate, used only if the flow later leaves the deadband without
                // crossing zero again.
                let real = confirmed_reversal
                    || m_old.abs().max(m_new.abs()) > self.settings.reversal_deadband;
                let tz = if real {
                    let link = crate::model::LinkId(l);
                    self.locate(t_old, m_old, t_stop, m_new, &mut buf, interp, |d, t, y| {
                        d.sys.quantity(crate::model::Quantity::MassFlow(link), t, y)
                    })
                } else {
                    t_old + (t_stop - t_old) * m_old / (m_old - m_new)
                };
                self.flows[l].last_zero = Some(tz);
            }
            if s != 0 {
                let fs = &mut self.flows[l];
                if confirmed_reversal {
                    self.reversals.push(Reversal {
                        link: self.sys.net.links[l].name.clone(),
                        time: fs.last_zero.unwrap_or(t_stop),
                        now_forward: s > 0,
                    });
                }
                fs.sign = s;
                fs.last_zero = None;
            }
            self.flows[l].m_prev = m_new;
        }
        self.flow_buf = flows;
        self.scratch = buf;
        for w in 0..self.watches.len() {
            if hit.as_ref().is_some_and(|h| h.watches.contains(&w)) {
                continue;
            }
            let g = self.g(w, t_new, y_new);
            self.watches[w].g_prev = g;
        }
        Ok(hit)
    }

    /// Root of a scalar function of the dense output between (ta, fa) and (tb, fb), which
    /// bracket a sign change, by the Illinois variant of regula falsi, to a time tolerance of
    /// 1e-12 of the step (far below the solver's own error).
    #[allow(clippy::too_many_arguments)]
    fn locate(
        &self,
        mut ta: f64,
        mut fa: f64,
        mut tb: f64,
        mut fb: f64,
        buf: &mut [f64],
        interp: &mut dyn FnMut(f64, &mut [f64]),
        f: impl Fn(&Self, f64, &[f64]) -> f64,
    ) -> f64 {
        let tol = 1e-12 * (tb - ta).abs().max(f64::MIN_POSITIVE) + 4.0 * f64::EPSILON * tb.abs();
        let mut side = 0i8;
        for _ in 0..200 {
            if (tb - ta).abs() <= tol {
                break;
            }
            let mut tc = (ta * fb - tb * fa) / (fb - fa);
            if !(tc > ta.min(tb) && tc < ta.max(tb)) {
                tc = 0.5 * (ta + tb);
            }
            interp(tc, buf);
            let fc = f(self, tc, buf);
            if fc == 0.0 {
                return tc;
            }
            if (fc > 0.0) == (fb > 0.0) {
                tb = tc;
                fb = fc;
                if side == -1 {
                    fa *= 0.5;
                }
                side = -1;
            } else {
                ta = tc;
                fa = fc;
                if side == 1 {
                    fb *= 0.5;
                }
                side = 1;
            }
        }
        // The end on the far side of the crossing, so the event sees the crossed state.
        tb
    }

    /// Fire the events of a crossing at `hit.time` (state already in self.y).
    fn fire_crossing(&mut self, hit: &Hit) -> bool {
        let mut end = false;
        for &w in &hit.watches {
            let ev = &self.sys.net.events[self.watches[w].event];
            self.events.push(FiredEvent {
                name: ev.name.clone(),
                time: hit.time,
            });
            if !ev.repeat {
                self.watches[w].done = true;
            }
            for a in &ev.actions {
                if self.sys.apply(a) {
                    end = true;
                    self.ended_by.get_or_insert_with(|| ev.name.clone());
                }
            }
        }
        self.record_switches();
        end
    }

    /// Remember the switches as the actions just applied left them.
    fn record_switches(&mut self) {
        self.switch_history.push(self.sys.switches.borrow().clone());
    }

    /// Fire time events scheduled at the current time.
    fn fire_time_events(&mut self) -> bool {
        let mut end = false;
        let mut fired = false;
        for (i, ev) in self.sys.net.events.iter().enumerate() {
            if let Trigger::At(te) = ev.trigger {
                if !self.at_fired[i] && te <= self.t * (1.0 + 1e-14) + 1e-300 {
                    self.at_fired[i] = true;
                    fired = true;
                    self.events.push(FiredEvent {
                        name: ev.name.clone(),
                        time: te,
                    });
                    for a in &ev.actions {
                        if self.sys.apply(a) {
                            end = true;
                            self.ended_by.get_or_insert_with(|| ev.name.clone());
                        }
                    }
                }
            }
        }
        if fired {
            self.record_switches();
        }
        end
    }

    /// After an action: refresh flow memories (a jump in sign at an action counts as a zero
    /// crossing at that time) and the threshold watchers.
    fn after_action(&mut self) {
        let mut flows = std::mem::take(&mut self.flow_buf);
        self.sys.link_flows(self.t, &self.y, &mut flows);
        for (l, &m) in flows.iter().enumerate() {
            if self.flows[l].m_prev * m < 0.0 {
                self.flows[l].last_zero = Some(self.t);
            }
            self.flows[l].m_prev = m;
        }
        self.flow_buf = flows;
        for w in 0..self.watches.len() {
            let g = self.g(w, self.t, &self.y);
            // A watcher that just fired sits on its threshold: remember the side it crossed to.
            let old = self.watches[w].g_prev;
            self.watches[w].g_prev = if g == 0.0 {
                -old.signum() * f64::MIN_POSITIVE
            } else {
                g
            };
        }
    }

    /// A segment end within round-off of the current time (an event located a hair before a
    /// schedule breakpoint): step onto it without integrating, since no integrator can take
    /// a step of 1e-12 s, and fire what happens there.
    fn snap_to_breakpoint(&mut self, seg_end: f64) -> Snap {
        let eps = 64.0 * f64::EPSILON * seg_end.abs().max(1.0);
        if seg_end - self.t > eps {
            return Snap::Integrate;
        }
        self.t = seg_end;
        if self.t >= self.t_end {
            return Snap::End;
        }
        let end = self.fire_time_events();
        self.after_action();
        if end {
            Snap::End
        } else {
            Snap::Continue
        }
    }

    fn next_stop(&self) -> f64 {
        self.breakpoints
            .iter()
            .copied()
            .find(|&b| b > self.t)
            .unwrap_or(self.t_end)
            .min(self.t_end)
    }

    /// Emit outputs at the current time (start of run).
    fn emit_outputs_at_current(&mut self) {
        while self.next_output < self.outputs.len() && self.outputs[self.next_output] <= self.t {
            let t = self.outputs[self.next_output];
            self.out_rows
                .push((t, self.y.clone(), self.switch_history.len() - 1));
            self.next_output += 1;
        }
    }

    fn run_bdf(&mut self) -> Result<(), SimError> {
        let n = self.sys.len();
        self.emit_outputs_at_current();
        if self.fire_time_events() {
            return Ok(());
        }
        let start = std::cell::RefCell::new(self.y.clone());
        let sys = self.sys;
        let mut problem = OdeBuilder::<NalgebraMat<f64>>::new()
            .rtol(self.settings.rtol)
            .atol(self.atol.clone())
            .rhs_implicit(
                |x: &[f64], _p: &[f64], t: f64, y: &mut [f64]| sys.rhs(t, x, y),
                |x: &[f64], _p: &[f64], t: f64, v: &[f64], y: &mut [f64]| sys.jvp(t, x, v, y),
            )
            .init(
                |_p: &[f64], _t: f64, y: &mut [f64]| y.copy_from_slice(&start.borrow()),
                n,
            )
            .build()
            .map_err(|e| self.solver_err("BDF", e.to_string()))?;
        // diffsol caps Newton convergence failures at 50 over a solver's whole life, not per
        // step; one solver runs a whole segment, and at equilibrium BDF keeps lengthening its
        // step until Newton fails, cuts it, and grows it again, so a long quiet segment (a
        // closed network settled for months) ran into that cap. Each failure cuts the step,
        // so the step budget bounds the work: use it as the failure budget too.
        problem.ode_options.max_nonlinear_solver_failures = self.settings.max_steps;
        let mut ybuf: Vec<f64> = vec![0.0; n];
        loop {
            // One segment: from self.t to the next breakpoint or the end.
            let seg_end = self.next_stop();
            match self.snap_to_breakpoint(seg_end) {
                Snap::Continue => continue,
                Snap::End => return Ok(()),
                Snap::Integrate => {}
            }
            problem.t0 = self.t;
            start.borrow_mut().copy_from_slice(&self.y);
            let mut solver = problem
                .bdf::<NalgebraLU<f64>>()
                .map_err(|e| self.solver_err("BDF", e.to_string()))?;
            self.stats.restarts += 1;
            let mut stop = self.segment_stop(seg_end);
            solver
                .set_stop_time(stop)
                .map_err(|e| self.solver_err("BDF", e.to_string()))?;
            let mut restart = false;
            let mut t_old = self.t;
            let mut vbuf = solver.state().y.clone();
            while !restart {
                if self.stats.steps >= self.settings.max_steps {
                    return Err(SimError::TooManySteps {
                        integrator: "BDF",
                        max_steps: self.settings.max_steps,
                        time: t_old,
                    });
                }
                let reason = solver
                    .step()
                    .map_err(|e| self.solver_err("BDF", e.to_string()))?;
                self.stats.steps += 1;
                let t_new = solver.state().t;
                ybuf.copy_from_slice(solver.state().y.inner().as_slice());
                let mut interp = |t: f64, out: &mut [f64]| {
                    if solver.interpolate_inplace(t, &mut vbuf).is_ok() {
                        out.copy_from_slice(vbuf.inner().as_slice());
                    }
                };
                let hit = self.process_step(t_old, t_new, &ybuf, &mut interp)?;
                if let Some(hit) = hit {
                    interp(hit.time, &mut ybuf);
                    self.t = hit.time;
                    self.y.copy_from_slice(&ybuf);
                    let end = self.fire_crossing(&hit);
                    self.after_action();
                    if end {
                        self.collect_bdf_stats(&solver);
                        return Ok(());
                    }
                    restart = true;
                } else if matches!(reason, OdeSolverStopReason::TstopReached) {
                    self.t = t_new;
                    self.y.copy_from_slice(&ybuf);
                    if stop >= seg_end {
                        if self.t >= self.t_end {
                            self.collect_bdf_stats(&solver);
                            return Ok(());
                        }
                        let end = self.fire_time_events();
                        self.after_action();
                        if end {
                            self.collect_bdf_stats(&solver);
                            return Ok(());
                        }
                        restart = true;
                    } else {
                        stop = self.segment_stop(seg_end);
                        solver
                            .set_stop_time(stop)
                            .map_err(|e| self.solver_err("BDF", e.to_string()))?;
                    }
                } else if self.settings.max_step.is_some() {
                    let next = self.segment_stop_from(t_new, seg_end);
                    if next != stop {
                        stop = next;
                        solver
                            .set_stop_time(stop)
                            .map_err(|e| self.solver_err("BDF", e.to_string()))?;
                    }
                }
                t_old = t_new;
            }
            self.collect_bdf_stats(&solver);
        }
    }

    fn collect_bdf_stats<'a, S, Eqn>(&mut self, solver: &S)
    where
        Eqn: diffsol::OdeEquations<T = f64> + 'a,
        S: OdeSolverMethod<'a, Eqn>,
    {
        let st = solver.get_statistics();
        self.stats.rejected_steps +=
            st.number_of_error_test_failures + st.number_of_nonlinear_solver_fails;
        self.stats.factorizations += st.number_of_linear_solver_setups;
        self.stats.newton_iterations += st.number_of_nonlinear_solver_iterations;
    }

    fn segment_stop(&self, seg_end: f64) -> f64 {
        self.segment_stop_from(self.t, seg_end)
    }

    fn segment_stop_from(&self, t: f64, seg_end: f64) -> f64 {
        match self.settings.max_step {
            Some(h) => (t + h).min(seg_end),
            None => seg_end,
        }
    }

    fn solver_err(&self, integrator: &'static str, message: String) -> SimError {
        SimError::Solver {
            integrator,
            time: self.t,
            message,
        }
    }

    fn run_dopri5(&mut self) -> Result<(), SimError> {
        use ode_solvers::{
            continuous_output_model::ContinuousOutputModel, dop_shared::OutputType, DVector, Dopri5,
        };
        self.emit_outputs_at_current();
        if self.fire_time_events() {
            return Ok(());
        }
        // ode_solvers takes one scalar atol: integrate z = y / atol so that atol = 1 is the
        // per-component tolerance.
        let scale = self.atol.clone();
        let step_log = std::cell::RefCell::new(Vec::new());
        loop {
            step_log.borrow_mut().clear();
            let seg_end = self.next_stop();
            match self.snap_to_breakpoint(seg_end) {
                Snap::Continue => continue,
                Snap::End => return Ok(()),
                Snap::Integrate => {}
            }
            let z0 =
                DVector::from_iterator(self.y.len(), self.y.iter().zip(&scale).map(|(y, s)| y / s));
            let rhs = ScaledRhs {
                sys: self.sys,
                scale: &scale,
                y: std::cell::RefCell::new(vec![0.0; scale.len()]),
                dy: std::cell::RefCell::new(vec![0.0; scale.len()]),
                steps: &step_log,
            };
            let h_max = self.settings.max_step.unwrap_or(seg_end - self.t);
            let mut stepper = Dopri5::from_param(
                rhs,
                self.t,
                seg_end,
                0.0,
                z0,
                self.settings.rtol,
                1.0,
                0.9,
                0.04,
                0.2,
                10.0,
                h_max,
                0.0,
                self.settings.max_steps.saturating_sub(self.stats.steps) as u32 + 1,
                1000,
                OutputType::Continuous,
            );
            let mut model = ContinuousOutputModel::default();
            let st = stepper
                .integrate_with_continuous_output_model(&mut model)
                .map_err(|e| match e {
                    ode_solvers::dop_shared::IntegrationError::MaxNumStepReached { x, .. } => {
                        SimError::TooManySteps {
                            integrator: "Dopri5",
                            max_steps: self.settings.max_steps,
                            time: x,
                        }
                    }
                    other => self.solver_err("Dopri5", format!("{other:?}")),
                })?;
            self.stats.restarts += 1;
            self.stats.rhs_evals_dopri(st.num_eval as usize);
            self.stats.rejected_steps += st.rejected_steps as usize;
            drop(stepper);
            let step_times = step_log.borrow().clone();
            let n = self.y.len();
            let mut interp = |t: f64, out: &mut [f64]| {
                if let Some(z) = model.evaluate(t) {
                    for i in 0..n {
                        out[i] = z[i] * scale[i];
                    }
                }
            };
            let mut t_old = self.t;
            let mut ynew = vec![0.0; n];
            let mut restarted = false;
            for &t_new in &step_times {
                if t_new <= t_old {
                    continue;
                }
                self.stats.steps += 1;
                interp(t_new, &mut ynew);
                if let Some(hit) = self.process_step(t_old, t_new, &ynew, &mut interp)? {
                    interp(hit.time, &mut ynew);
                    self.t = hit.time;
                    self.y.copy_from_slice(&ynew);
                    let end = self.fire_crossing(&hit);
                    self.after_action();
                    if end {
                        return Ok(());
                    }
                    restarted = true;
                    break;
                }
                t_old = t_new;
            }
            if restarted {
                continue;
            }
            self.t = seg_end;
            interp(seg_end, &mut ynew);
            self.y.copy_from_slice(&ynew);
            if self.t >= self.t_end {
                return Ok(());
            }
            let end = self.fire_time_events();
            self.after_action();
            if end {
                return Ok(());
            }
        }
    }

    fn finish(mut self, observer: &mut dyn Observer) -> Result<Outcome, SimError> {
        self.stats.rhs_evals += self.sys.rhs_evals.get();
        self.stats.jvp_evals = self.sys.jvp_evals.get();
        let n = self.sys.len().max(1);
        if self.settings.method == Method::Bdf {
            // diffsol assembles the dense Jacobian from n products with unit vectors.
            self.stats.jacobian_evals = self.stats.jvp_evals / n;
        }
        // Hand each output over with the switches of its time (an observer reading link
        // flows must see a link open before the event that closed it), then leave the
        // system as the run ended.
        // Nothing non-physical is handed over: round-off below zero is projected away
        // (conserving mass), anything further below is an error.
        for (t, y, _) in &mut self.out_rows {
            self.stats.projected += self.sys.project_nonnegative(*t, y, &self.atol)?;
        }
        self.stats.projected += self
            .sys
            .project_nonnegative(self.t, &mut self.y, &self.atol)?;
        let mut current = self.switch_history.len() - 1;
        for (t, y, epoch) in &self.out_rows {
            if *epoch != current {
                *self.sys.switches.borrow_mut() = self.switch_history[*epoch].clone();
                current = *epoch;
            }
            observer.observe(self.sys, *t, y);
        }
        let last = self.switch_history.len() - 1;
        if current != last {
            *self.sys.switches.borrow_mut() = self.switch_history[last].clone();
        }
        Ok(Outcome {
            end_time: self.t,
            final_state: self.y,
            events: self.events,
            reversals: self.reversals,
            stats: self.stats,
            ended_by: self.ended_by,
        })
    }
}

impl Stats {
    fn rhs_evals_dopri(&mut self, _n: usize) {
        // Counted by the system itself (every evaluation goes through System::rhs).
    }
}

struct ScaledRhs<'a, 'n> {
    sys: &'a System<'n>,
    scale: &'a [f64],
    y: std::cell::RefCell<Vec<f64>>,
    dy: std::cell::RefCell<Vec<f64>>,
    steps: &'a std::cell::RefCell<Vec<f64>>,
}

impl ode_solvers::System<f64, ode_solvers::DVector<f64>> for ScaledRhs<'_, '_> {
    fn system(&self, t: f64, z: &ode_solvers::DVector<f64>, dz: &mut ode_solvers::DVector<f64>) {
        let mut y = self.y.borrow_mut();
        let mut dy = self.dy.borrow_mut();
        for i in 0..y.len() {
            y[i] = z[i] * self.scale[i];
        }
        self.sys.rhs(t, &y, &mut dy);
        for i in 0..y.len() {
            dz[i] = dy[i] / self.scale[i];
        }
    }

    fn solout(
        &mut self,
        t: f64,
        _z: &ode_solvers::DVector<f64>,
        _dz: &ode_solvers::DVector<f64>,
    ) -> bool {
        self.steps.borrow_mut().push(t);
        false
    }
}

/// One output: time (s) and state.
pub type Row = (f64, Vec<f64>);

/// Convenience: run and collect every output state.
pub fn simulate_collect(
    net: &Network,
    settings: &Settings,
    t_end: f64,
    output_times: &[f64],
) -> Result<(Vec<Row>, Outcome), SimError> {
    let mut rows = Vec::new();
    let mut obs = |_s: &System<'_>, t: f64, y: &[f64]| rows.push((t, y.to_vec()));
    let outcome = simulate(net, settings, t_end, output_times, &mut obs)?;
    Ok((rows, outcome))
}

#[allow(dead_code)]
fn _assert_vector_trait<V: Vector>(_v: &V) {}
