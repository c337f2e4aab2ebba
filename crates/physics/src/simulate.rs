//! Time integration of a network: segments between schedule breakpoints and events,
//! output at requested times from dense output, threshold events located by root finding
//! on the dense output, and a log of every reversal of a link's flow.

use diffsol::{
    DefaultDenseMatrix, FaerSparseLU, FaerVec, LinearSolver, NalgebraLU, NalgebraMat, NalgebraVec,
    OdeBuilder, OdeEquationsImplicit, OdeSolverMethod, OdeSolverProblem, OdeSolverStopReason,
    Vector, VectorCommon, VectorRef,
};

use diffsol_la::MatrixRef;

mod bdf;
mod dopri5;
mod events;
mod samples;
mod sparse;

use events::{FlowSign, Watch};

use crate::error::SimError;
use crate::model::{EventId, LinkId, Network, Switches, Trigger};
use crate::system::System;

/// Integration method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Implicit variable-order BDF (Plenum's own up to [`SPARSE_ABOVE`] states, diffsol's
    /// above; see [`Jacobian`]), with the analytic Jacobian-vector product.
    /// The default: the network is stiff (open hatches equalise in under a second while
    /// cracks act over days).
    #[default]
    Bdf,
    /// Explicit Dormand-Prince 5(4) (ode_solvers), for non-stiff networks and cross-checks.
    Dopri5,
}

/// How the implicit integrator forms and factorises its Jacobian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jacobian {
    /// Dense up to [`SPARSE_ABOVE`] state variables, sparse above.
    #[default]
    Auto,
    /// Plenum's own BDF on a dense matrix from one Jacobian-vector product per state,
    /// factorised by a dense LU on flat buffers sized once per run: the fastest for small
    /// networks; memory grows with the square of the state.
    Dense,
    /// diffsol's BDF on a sparse matrix on the network's structural pattern, assembled from
    /// one product per column colour, sparse LU (faer): memory and work grow with the number
    /// of links.
    Sparse,
    /// diffsol's BDF on the dense matrix (nalgebra LU): an independent implementation of
    /// the same method, to cross-check [`Jacobian::Dense`].
    DiffsolDense,
}

/// Above this many state variables, [`Jacobian::Auto`] uses the sparse Jacobian.
pub const SPARSE_ABOVE: usize = 128;

/// Which integrator and linear algebra a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    Dense,
    Sparse,
    DiffsolDense,
}

impl Jacobian {
    /// Whether a system of `n` state variables is solved with the sparse Jacobian.
    pub fn is_sparse(self, n: usize) -> bool {
        self.path(n) == Path::Sparse
    }

    fn path(self, n: usize) -> Path {
        match self {
            Jacobian::Auto if n > SPARSE_ABOVE => Path::Sparse,
            Jacobian::Auto | Jacobian::Dense => Path::Dense,
            Jacobian::Sparse => Path::Sparse,
            Jacobian::DiffsolDense => Path::DiffsolDense,
        }
    }
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
    /// Re-arm band of threshold events, relative to the threshold's magnitude (a mass-flow
    /// threshold adds `reversal_deadband` to it, so that a threshold of 0 kg/s has a band).
    /// An event that fired re-arms only once its quantity has moved more than this from the
    /// threshold; a quantity that sits within it when an action is applied fires an event
    /// when it leaves the band in that event's direction. See [`simulate`].
    pub event_rearm_band: f64,
    /// Least time between two firings of one repeating event, s. A crossing within this
    /// time of the event's last firing fires it when the interval ends, if the quantity is
    /// still beyond the threshold then. See [`simulate`].
    pub event_rearm_interval: f64,
    /// Dense or sparse Jacobian (BDF only).
    pub jacobian: Jacobian,
    /// Log flow reversals ([`Outcome::reversals`]). Off, the per-step screen of the links'
    /// flow signs and the root search of each reversal are skipped; nothing else a run
    /// computes depends on them (the steps, outputs and events are the same bits), so a
    /// caller that never reads the log (a sweep without reversal metrics) turns it off.
    pub reversals: bool,
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
            event_rearm_band: 1e-9,
            event_rearm_interval: 10.0,
            jacobian: Jacobian::Auto,
            reversals: true,
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
        if !(self.event_rearm_band >= 0.0 && self.event_rearm_band < 1.0) {
            return Err(SimError::Settings(format!(
                "event re-arm band = {} ; expected a relative band 0 <= band < 1",
                self.event_rearm_band
            )));
        }
        if !(self.event_rearm_interval >= 0.0 && self.event_rearm_interval.is_finite()) {
            return Err(SimError::Settings(format!(
                "event re-arm interval = {} s; expected a time >= 0",
                self.event_rearm_interval
            )));
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
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FiredEvent {
    /// Which one (its name is `net.events[event.index()].name`).
    pub event: EventId,
    /// s.
    pub time: f64,
}

/// A link whose flow changed direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reversal {
    pub link: LinkId,
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
    /// Steps refused because they left a species mass more than its absolute tolerance
    /// below zero (a sink emptying its species): the integrator restarted from the step's
    /// start, at order one, whose implicit Euler step cannot overshoot a fading sink.
    pub positivity_retries: usize,
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
    pub ended_by: Option<EventId>,
    /// The links and sources as the events left them at the end (build the network as it
    /// ended with [`Network::switched`]).
    pub final_switches: Switches,
}

/// Integrate `net` from 0 to `t_end`, calling `observer` at each of `output_times`
/// (sorted, within [0, t_end]; times after an early end are skipped).
///
/// # Threshold events
///
/// A `Crosses` event fires when its quantity crosses the threshold in its direction; the
/// time is found by root finding on the dense output. With `band` =
/// `settings.event_rearm_band` x |threshold| (plus the reversal deadband for a mass flow):
///
/// - A quantity within `band` of its threshold at the start of the run, or when an action
///   is applied, is *at* the threshold: which side it is on is decided by the direction it
///   leaves in. Leaving in the event's direction fires the event, at the time the quantity is
///   `band` beyond the threshold. So a valve closed at `above: 760 mmHg` and reopened at
///   `below: 760 mmHg` cycles: the reopen fires as the pressure falls away from 760 mmHg.
/// - Hysteresis: an event that fired re-arms only once its quantity has moved more than
///   `band` from the threshold; until then a return across the threshold does not fire it.
/// - A repeating event fires at most once per `settings.event_rearm_interval`: a crossing
///   within that time of its last firing fires it when the interval ends, if the quantity
///   is still beyond the threshold then (as a valve with a least switching time would).
/// - A quantity that jumps across a threshold because of an action (a watched link flow
///   when the link closes) is not a crossing.
/// - Threshold events whose firings spend more than half the step budget in the restarts
///   after them end the run with [`SimError::EventStorm`], naming the event with the most.
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

struct Driver<'s, 'n> {
    sys: &'s System<'n>,
    settings: &'s Settings,
    t_end: f64,
    atol: Vec<f64>,
    outputs: Vec<f64>,
    next_output: usize,
    /// Buffered outputs (t, index into `switch_history`), their states one after another
    /// in `out_states` (one allocation for the run, not one per row); handed to the
    /// observer at the end so that a failed run produces nothing half-done.
    out_rows: Vec<(f64, usize)>,
    out_states: Vec<f64>,
    /// The link and source switches after each batch of event actions (entry 0: at the
    /// start), so that the observer sees each output with the switches of its time.
    switch_history: Vec<Switches>,
    t: f64,
    y: Vec<f64>,
    breakpoints: Vec<f64>,
    at_fired: Vec<bool>,
    watches: Vec<Watch>,
    flows: Vec<FlowSign>,
    events: Vec<FiredEvent>,
    reversals: Vec<Reversal>,
    stats: Stats,
    ended_by: Option<EventId>,
    scratch: Vec<f64>,
    flow_buf: Vec<f64>,
    /// Per-step buffers of the watches (values at the step's end, firing later).
    g_new: Vec<f64>,
    later: Vec<bool>,
    /// Set when the last step(s) skipped evaluating the link flows (every flow kept its
    /// sign): the time of the last such step, whose state is `lazy_y`; the flows' last
    /// values (`FlowSign::m_prev`) are evaluated there when next needed.
    lazy_flows: Option<f64>,
    lazy_y: Vec<f64>,
    /// Steps left before the reversal screen is tried again (see `process_step`).
    screen_skip: u32,
    /// The event whose firing started the current segment, if any.
    cause: Option<usize>,
    /// Steps taken in segments started by each event's firings.
    cause_steps: Vec<usize>,
    /// Jacobian assemblies counted by the sparse path (diffsol's dense one counts products).
    sparse_jacobians: Option<usize>,
    /// Jacobian assemblies counted by Plenum's dense BDF.
    own_jacobians: Option<usize>,
    /// Refused steps in a row (see `run_segment`), and its step buffers, kept across
    /// segments.
    retries: usize,
    /// The length of the step last refused for overshooting below zero.
    refused_step: Option<f64>,
    seg_y: Vec<f64>,
    seg_yold: Vec<f64>,
    seg_interp: Vec<f64>,
    /// The sparse path (large networks) locates flow reversals on `samples`, the step's dense
    /// output sampled once, evaluating only the link's two ends; the dense path interpolates
    /// the whole state at each trial time, as it always has.
    partial_interp: bool,
    samples: samples::Samples,
}

/// What to do at the top of a segment.
enum Snap {
    Integrate,
    Continue,
    End,
}

/// Dense output: fills the state at a time inside the current step; with `Some(ranges)`,
/// at least the entries in those ranges (what one link's flow reads).
type Interp<'a> =
    dyn FnMut(f64, Option<&[std::ops::Range<usize>]>, &mut [f64]) -> Result<(), SimError> + 'a;

/// A scalar function's view of the dense output: the entries it reads at a time.
type Eval<'a> = dyn FnMut(f64, &mut [f64]) -> Result<(), SimError> + 'a;

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
        let rows = outputs.len();
        let mut d = Driver {
            sys,
            settings,
            t_end,
            atol,
            outputs,
            next_output: 0,
            out_rows: Vec::with_capacity(rows),
            out_states: Vec::with_capacity(rows * sys.len()),
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
            g_new: Vec::new(),
            later: Vec::new(),
            lazy_flows: None,
            lazy_y: vec![0.0; sys.len()],
            screen_skip: 0,
            cause: None,
            cause_steps: vec![0; net.events.len()],
            sparse_jacobians: None,
            own_jacobians: None,
            retries: 0,
            refused_step: None,
            seg_y: Vec::new(),
            seg_yold: Vec::new(),
            seg_interp: Vec::new(),
            partial_interp: false,
            samples: samples::Samples::default(),
        };
        d.watches = net
            .events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Watch::of(i, e, settings))
            .collect();
        for w in 0..d.watches.len() {
            let g = d.g(w, 0.0, &d.y);
            let wa = &mut d.watches[w];
            wa.g_prev = g;
            wa.side = if g.abs() <= wa.band {
                0
            } else if g > 0.0 {
                1
            } else {
                -1
            };
        }
        if !settings.reversals {
            return d;
        }
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

    /// The end of the next segment to integrate (segment ends within round-off of the
    /// current time stepped onto on the way), or `None` once the run is over.
    fn next_segment(&mut self) -> Option<f64> {
        loop {
            let seg_end = self.next_stop();
            match self.snap_to_breakpoint(seg_end) {
                Snap::Continue => continue,
                Snap::End => return None,
                Snap::Integrate => return Some(seg_end),
            }
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
        self.sys.log_averages(self.t, &self.y);
        while self.next_output < self.outputs.len() && self.outputs[self.next_output] <= self.t {
            let t = self.outputs[self.next_output];
            self.out_rows.push((t, self.switch_history.len() - 1));
            self.out_states.extend_from_slice(&self.y);
            self.next_output += 1;
        }
    }

    fn run_bdf(&mut self) -> Result<(), SimError> {
        let n = self.sys.len();
        self.emit_outputs_at_current();
        if self.fire_time_events() {
            return Ok(());
        }
        let sys = self.sys;
        match self.settings.jacobian.path(n) {
            Path::Dense => {
                let mut bdf = bdf::DenseBdf::new(sys, self.settings.rtol, &self.atol);
                let result = self.own_segments(&mut bdf);
                let c = bdf.counts;
                self.stats.rejected_steps += c.error_fails + c.newton_fails;
                self.stats.factorizations += c.factorizations;
                self.stats.newton_iterations += c.newton_iterations;
                self.own_jacobians = Some(c.jacobians);
                result
            }
            Path::Sparse => {
                self.partial_interp = true;
                let start = std::cell::RefCell::new(self.y.clone());
                let eqn = sparse::Equations::new(sys, &start);
                let mut problem = OdeBuilder::<sparse::M>::new()
                    .rtol(self.settings.rtol)
                    .atol(self.atol.clone())
                    .build_from_eqn(eqn)
                    .map_err(|e| self.solver_err("BDF", self.t, None, e.to_string()))?;
                let result = self.diffsol_segments::<_, FaerSparseLU<f64>>(&mut problem, &start);
                self.sparse_jacobians = Some(problem.eqn.rhs.jacobians.get());
                result
            }
            Path::DiffsolDense => {
                let start = std::cell::RefCell::new(self.y.clone());
                let mut problem = OdeBuilder::<NalgebraMat<f64>>::new()
                    .rtol(self.settings.rtol)
                    .atol(self.atol.clone())
                    .rhs_implicit(
                        |x: &[f64], _p: &[f64], t: f64, y: &mut [f64]| sys.rhs(t, x, y),
                        |x: &[f64], _p: &[f64], t: f64, v: &[f64], y: &mut [f64]| {
                            sys.jvp(t, x, v, y)
                        },
                    )
                    .init(
                        |_p: &[f64], _t: f64, y: &mut [f64]| y.copy_from_slice(&start.borrow()),
                        n,
                    )
                    .build()
                    .map_err(|e| self.solver_err("BDF", self.t, None, e.to_string()))?;
                self.diffsol_segments::<_, NalgebraLU<f64>>(&mut problem, &start)
            }
        }
    }

    /// Integrate segment after segment with Plenum's dense BDF, restarted at each
    /// breakpoint, event and refused step.
    fn own_segments(&mut self, bdf: &mut bdf::DenseBdf<'_, '_>) -> Result<(), SimError> {
        loop {
            let Some(seg_end) = self.next_segment() else {
                return Ok(());
            };
            let stop = self.segment_stop(seg_end);
            // After a step refused for overshooting below zero, start with half of it.
            let first_max = self.refused_step.take().map(|h| 0.5 * h);
            bdf.start(self.t, &self.y, stop, first_max);
            self.stats.restarts += 1;
            if let SegmentEnd::Done = self.run_segment(bdf, seg_end, stop)? {
                return Ok(());
            }
        }
    }

    /// Integrate segment after segment with diffsol's BDF on a problem whose initial state
    /// is read from `start` (dense or sparse linear algebra alike), one solver per segment.
    fn diffsol_segments<Eqn, LS>(
        &mut self,
        problem: &mut OdeSolverProblem<Eqn>,
        start: &std::cell::RefCell<Vec<f64>>,
    ) -> Result<(), SimError>
    where
        Eqn: OdeEquationsImplicit<T = f64>,
        Eqn::V: DefaultDenseMatrix + HostSlice,
        LS: LinearSolver<Eqn::M>,
        for<'b> &'b Eqn::V: VectorRef<Eqn::V>,
        for<'b> &'b Eqn::M: MatrixRef<Eqn::M>,
    {
        // diffsol caps Newton convergence failures at 50 over a solver's whole life, not per
        // step; one solver runs a whole segment, and at equilibrium BDF keeps lengthening its
        // step until Newton fails, cuts it, and grows it again, so a long quiet segment (a
        // closed network settled for months) ran into that cap. Each failure cuts the step,
        // so the step budget bounds the work: use it as the failure budget too.
        problem.ode_options.max_nonlinear_solver_failures = self.settings.max_steps;
        loop {
            let Some(seg_end) = self.next_segment() else {
                return Ok(());
            };
            problem.t0 = self.t;
            start.borrow_mut().copy_from_slice(&self.y);
            let solver = problem
                .bdf::<LS>()
                .map_err(|e| self.solver_err("BDF", self.t, Some(&self.y), bdf_reason(&e)))?;
            self.stats.restarts += 1;
            let stop = self.segment_stop(seg_end);
            let vbuf = solver.state().y.clone();
            let mut seg = DiffsolSegment { solver, vbuf };
            seg.set_stop(stop)
                .map_err(|e| self.solver_err("BDF", self.t, None, e))?;
            let end = self.run_segment(&mut seg, seg_end, stop);
            let st = seg.solver.get_statistics();
            self.stats.rejected_steps +=
                st.number_of_error_test_failures + st.number_of_nonlinear_solver_fails;
            self.stats.factorizations += st.number_of_linear_solver_setups;
            self.stats.newton_iterations += st.number_of_nonlinear_solver_iterations;
            if let SegmentEnd::Done = end? {
                return Ok(());
            }
        }
    }

    /// Step one segment to its end, an event or a refused step: outputs, events, reversals
    /// and the positivity check on each step.
    fn run_segment(
        &mut self,
        solver: &mut impl Implicit,
        seg_end: f64,
        mut stop: f64,
    ) -> Result<SegmentEnd, SimError> {
        let n = self.sys.len();
        let mut ybuf = std::mem::take(&mut self.seg_y);
        ybuf.resize(n, 0.0);
        // The last accepted state, to restart from when a step overshoots below zero.
        let mut yold = std::mem::take(&mut self.seg_yold);
        yold.clear();
        yold.extend_from_slice(&self.y);
        let mut t_old = self.t;
        let mut interp_buf = std::mem::take(&mut self.seg_interp);
        interp_buf.resize(n, 0.0);
        let result = loop {
            if self.stats.steps >= self.settings.max_steps {
                ybuf.copy_from_slice(solver.state());
                break Err(self.budget_err("BDF", t_old, &ybuf));
            }
            let reached = match solver.step() {
                Ok(r) => r,
                Err(e) => {
                    let t_fail = solver.time();
                    ybuf.copy_from_slice(solver.state());
                    break Err(self.solver_err("BDF", t_fail, Some(&ybuf), e));
                }
            };
            self.stats.steps += 1;
            if let Some(c) = self.cause {
                self.cause_steps[c] += 1;
            }
            let t_new = solver.time();
            ybuf.copy_from_slice(solver.state());
            // BDF's error test is a norm over the whole state, so one species a sink
            // empties can end a step further below zero than its own tolerance (BDF of
            // order > 1 extrapolates the fall). Such a step is refused: restart from its
            // start, where the new integrator's first steps are implicit Euler, which
            // keeps a fading sink's species positive. A few refusals in a row at one
            // point are let through to `check_state`, which reports the species.
            // Where a species is within its tolerance of zero at either end, the step's
            // dense output at the outputs inside it must not dip further below zero either
            // (a long step's interpolating polynomial can, near an emptied compartment).
            let output_inside = self
                .outputs
                .get(self.next_output)
                .is_some_and(|&to| to < t_new);
            let overshoot = self.sys.overshoots(&ybuf, &self.atol)
                || (output_inside
                    && self.sys.near_empty(&ybuf, &yold, &self.atol)
                    && self.outputs_overshoot(t_new, &mut interp_buf, solver)?);
            if self.retries < MAX_POSITIVITY_RETRIES && overshoot {
                self.retries += 1;
                self.stats.positivity_retries += 1;
                self.refused_step = Some(t_new - t_old);

                self.t = t_old;
                self.y.copy_from_slice(&yold);
                break Ok(SegmentEnd::Restart);
            }
            self.retries = 0;
            let mut interp = |t: f64,
                              part: Option<&[std::ops::Range<usize>]>,
                              out: &mut [f64]|
             -> Result<(), SimError> {
                match part {
                    Some(ranges) => solver.interpolate_part(t, ranges, out),
                    None => solver.interpolate(t, out),
                }
                .map_err(|reason| SimError::Interpolation {
                    integrator: "BDF",
                    time: t,
                    step_start: t_old,
                    step_end: t_new,
                    reason,
                })
            };
            let hit = match self.process_step(t_old, t_new, &ybuf, &mut interp) {
                Ok(hit) => hit,
                Err(e) => break Err(e),
            };
            if let Some(hit) = hit {
                if let Err(e) = interp(hit.time, None, &mut ybuf) {
                    break Err(e);
                }
                self.t = hit.time;
                self.y.copy_from_slice(&ybuf);
                let end = self.fire_crossing(&hit);
                break Ok(if end {
                    SegmentEnd::Done
                } else {
                    SegmentEnd::Restart
                });
            } else if reached {
                self.t = t_new;
                self.y.copy_from_slice(&ybuf);
                if stop >= seg_end {
                    let end = self.t >= self.t_end || self.fire_time_events();
                    break Ok(if end {
                        SegmentEnd::Done
                    } else {
                        SegmentEnd::Restart
                    });
                }
                stop = self.segment_stop(seg_end);
                if let Err(e) = solver.set_stop(stop) {
                    break Err(self.solver_err("BDF", self.t, None, e));
                }
            } else if self.settings.max_step.is_some() {
                let next = self.segment_stop_from(t_new, seg_end);
                if next != stop {
                    stop = next;
                    if let Err(e) = solver.set_stop(stop) {
                        break Err(self.solver_err("BDF", t_new, None, e));
                    }
                }
            }
            t_old = t_new;
            // (`ybuf` is written from the solver before it is read again.)
            std::mem::swap(&mut yold, &mut ybuf);
        };
        self.seg_y = ybuf;
        self.seg_yold = yold;
        self.seg_interp = interp_buf;
        result
    }

    /// Whether the dense output of the step just taken (to `t_new`) leaves a species more
    /// than its tolerance below zero at one of the outputs inside the step.
    fn outputs_overshoot(
        &self,
        t_new: f64,
        buf: &mut [f64],
        solver: &mut impl Implicit,
    ) -> Result<bool, SimError> {
        for &to in self.outputs[self.next_output..]
            .iter()
            .take_while(|&&to| to < t_new)
        {
            solver
                .interpolate(to, buf)
                .map_err(|reason| self.solver_err("BDF", to, None, reason))?;
            if self.sys.overshoots(buf, &self.atol) {
                return Ok(true);
            }
        }
        Ok(false)
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

    /// An integrator failure at `time`, located at the fastest-changing state of `y` when
    /// one is given.
    fn solver_err(
        &self,
        integrator: &'static str,
        time: f64,
        y: Option<&[f64]>,
        reason: String,
    ) -> SimError {
        // An explicit method fails on stiffness; an implicit one on fast, hard dynamics.
        let stiff = integrator == "Dopri5";
        let hint = if integrator == "Dopri5" {
            "the network is stiff here (an open hatch, a small volume on a large opening): \
             use `method: Bdf` in the solver settings, the implicit method made for it"
        } else {
            "look at the model near this time (a compartment emptying, a very small volume \
             on a very large opening), or loosen rtol/atol in the solver settings"
        };
        SimError::Solver {
            integrator,
            time,
            reason,
            culprit: y.and_then(|y| self.culprit(time, y, stiff)),
            hint: hint.to_string(),
        }
    }

    /// The step budget is spent at `time` with state `y`: an event storm when the threshold
    /// events' restarts took more than half of it, otherwise the fastest-changing state.
    fn budget_err(&self, integrator: &'static str, time: f64, y: &[f64]) -> SimError {
        // Events that cycle (a valve closed at one threshold and reopened at another) share
        // the restarts between them: a storm is the threshold events' restarts together
        // taking more than half the budget, named by the event with the most of them.
        let total: usize = self.cause_steps.iter().sum();
        let storm = self
            .cause_steps
            .iter()
            .enumerate()
            .max_by_key(|(_, n)| **n)
            .filter(|_| 2 * total > self.settings.max_steps);
        if let Some((e, &steps)) = storm {
            if let Some(w) = self.watches.iter().find(|w| w.event == e) {
                return SimError::EventStorm {
                    event: self.sys.net.events[e].name.clone(),
                    count: w.count,
                    first: w.first_fired,
                    last: w.last_fired,
                    steps,
                    max_steps: self.settings.max_steps,
                };
            }
        }
        SimError::TooManySteps {
            integrator,
            max_steps: self.settings.max_steps,
            time,
            culprit: self.culprit(time, y, integrator == "Dopri5"),
        }
    }

    /// The state entry that limits the step, named by compartment and species with the link
    /// acting on it most: the first one that is not finite; else, when `stiff`, the one with
    /// the shortest time constant (largest diagonal entry of the Jacobian), with the link
    /// whose flow depends on it most; else the one changing fastest against its error
    /// tolerance, with the link carrying most flow in or out of its compartment.
    fn culprit(&self, t: f64, y: &[f64], stiff: bool) -> Option<String> {
        let sys = self.sys;
        let net = sys.net;
        let n = sys.len();
        let ledger = sys.ledger_offset();
        if y.len() != n || n == 0 || ledger == 0 {
            return None;
        }
        let mut dy = vec![0.0; n];
        sys.rhs(t, y, &mut dy);
        let bad = (0..n).find(|&i| !y[i].is_finite() || !dy[i].is_finite());
        let compartment_of = |i: usize| {
            (0..net.compartments.len())
                .rev()
                .find(|&c| sys.compartment_offset(c) <= i)
        };
        let species = |k: usize| {
            net.gas
                .species
                .get(k)
                .map_or_else(|| format!("species {k}"), |s| s.name.clone())
        };
        let mut flows = Vec::new();
        sys.link_flows(t, y, &mut flows);
        let (i, measure, link) = if let Some(i) = bad {
            (i, format!("value {:e}, rate {:e}", y[i], dy[i]), None)
        } else if stiff {
            // Diagonal of the Jacobian from products with unit vectors (compartment
            // states only: the ledger only books what leaves).
            let mut e = vec![0.0; n];
            let mut jv = vec![0.0; n];
            let mut best = (0, 0.0_f64);
            for i in 0..ledger {
                e[i] = 1.0;
                sys.jvp(t, y, &e, &mut jv);
                e[i] = 0.0;
                if jv[i].is_finite() && jv[i].abs() > best.1 {
                    best = (i, jv[i].abs());
                }
            }
            let (i, d) = best;
            if d == 0.0 {
                return None;
            }
            // The link whose flow moves most when this state moves.
            let h = 1e-6 * y[i].abs().max(self.atol[i]);
            let mut yp = y.to_vec();
            yp[i] += h;
            let mut fp = Vec::new();
            sys.link_flows(t, &yp, &mut fp);
            let link = net
                .links
                .iter()
                .zip(fp.iter().zip(&flows))
                .map(|(l, (a, b))| (l, (a - b).abs()))
                .filter(|(_, d)| d.is_finite() && *d > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(l, _)| format!(", coupled most strongly through link '{}'", l.name));
            (i, format!("time constant {:.3e} s", 1.0 / d), link)
        } else {
            let rtol = self.settings.rtol;
            let weight = |i: usize| dy[i].abs() / (self.atol[i] + rtol * y[i].abs());
            let i = (0..ledger).max_by(|&a, &b| weight(a).total_cmp(&weight(b)))?;
            (
                i,
                format!(
                    "changing at {:.3e} per s, {:.3e} tolerances per s",
                    dy[i],
                    weight(i)
                ),
                None,
            )
        };
        if i >= ledger {
            let k = (i - ledger) / sys.species().max(1);
            let nb = net.boundaries.len();
            let item = if k < nb {
                format!("boundary '{}'", net.boundaries[k].name)
            } else {
                let src = net.sources.get(k - nb).map_or("?", |s| s.name.as_str());
                format!("source '{src}'")
            };
            let s = species((i - ledger) % sys.species().max(1));
            return Some(format!("mass of {s} booked to {item} ({measure})"));
        }
        let c = compartment_of(i)?;
        let what = if sys.energy_index(c) == Some(i) {
            "internal energy".to_string()
        } else {
            format!("{} mass", species(i - sys.compartment_offset(c)))
        };
        let link = link.unwrap_or_else(|| {
            let here = crate::model::NodeId::Compartment(crate::model::CompartmentId(c));
            net.links
                .iter()
                .zip(&flows)
                .filter(|(l, m)| (l.from == here || l.to == here) && m.is_finite() && **m != 0.0)
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map(|(l, m)| format!(", moved most by link '{}' ({m:.3e} kg/s)", l.name))
                .unwrap_or_default()
        });
        Some(format!(
            "compartment '{}', {what} ({measure}){link}",
            net.compartments[c].name
        ))
    }

    fn finish(mut self, observer: &mut dyn Observer) -> Result<Outcome, SimError> {
        self.stats.rhs_evals += self.sys.rhs_evals.get();
        self.stats.jvp_evals = self.sys.jvp_evals.get();
        let n = self.sys.len().max(1);
        if let Some(j) = self.sparse_jacobians.or(self.own_jacobians) {
            self.stats.jacobian_evals = j;
        } else if self.settings.method == Method::Bdf {
            // diffsol assembles the dense Jacobian from n products with unit vectors.
            self.stats.jacobian_evals = self.stats.jvp_evals / n;
        }
        // Hand each output over with the switches of its time (an observer reading link
        // flows must see a link open before the event that closed it), then leave the
        // system as the run ended.
        // Nothing non-physical is handed over: round-off below zero is projected away
        // (conserving mass), anything further below is an error.
        let n_state = self.y.len();
        // One pass over all the outputs first: where every entry is finite and none below
        // zero (a healthy run), each row passes `project_nonnegative` unchanged.
        if !crate::system::all_nonnegative_finite(&self.out_states) {
            for (r, &(t, _)) in self.out_rows.iter().enumerate() {
                let y = &mut self.out_states[r * n_state..(r + 1) * n_state];
                self.stats.projected += self.sys.project_nonnegative(t, y, &self.atol)?;
            }
        }
        self.stats.projected += self
            .sys
            .project_nonnegative(self.t, &mut self.y, &self.atol)?;
        let mut current = self.switch_history.len() - 1;
        for (r, &(t, epoch)) in self.out_rows.iter().enumerate() {
            let y = &self.out_states[r * n_state..(r + 1) * n_state];
            if epoch != current {
                *self.sys.switches.borrow_mut() = self.switch_history[epoch].clone();
                current = epoch;
            }
            observer.observe(self.sys, t, y);
        }
        let last = self.switch_history.len() - 1;
        if current != last {
            *self.sys.switches.borrow_mut() = self.switch_history[last].clone();
        }
        let final_switches = self.sys.switches.borrow().clone();
        Ok(Outcome {
            end_time: self.t,
            final_state: self.y,
            events: self.events,
            reversals: self.reversals,
            stats: self.stats,
            ended_by: self.ended_by,
            final_switches,
        })
    }
}

/// How a segment ended.
enum SegmentEnd {
    /// The run is over (its end, or an event that ends it).
    Done,
    /// Start the next segment (a breakpoint, an event, a refused step).
    Restart,
}

/// An implicit integrator as [`Driver::run_segment`] drives it: stepped to a stop time,
/// read through its dense output.
trait Implicit {
    fn set_stop(&mut self, stop: f64) -> Result<(), String>;
    /// One step; true when it reached the stop time.
    fn step(&mut self) -> Result<bool, String>;
    fn time(&self) -> f64;
    fn state(&self) -> &[f64];
    /// The last step's dense output at `t`.
    fn interpolate(&mut self, t: f64, out: &mut [f64]) -> Result<(), String>;
    /// At least the entries `ranges` of the last step's dense output at `t`.
    fn interpolate_part(
        &mut self,
        t: f64,
        _ranges: &[std::ops::Range<usize>],
        out: &mut [f64],
    ) -> Result<(), String> {
        self.interpolate(t, out)
    }
}

impl Implicit for bdf::DenseBdf<'_, '_> {
    fn set_stop(&mut self, stop: f64) -> Result<(), String> {
        self.set_stop_time(stop);
        Ok(())
    }
    fn step(&mut self) -> Result<bool, String> {
        bdf::DenseBdf::step(self).map_err(|e| e.to_string())
    }
    fn time(&self) -> f64 {
        bdf::DenseBdf::time(self)
    }
    fn state(&self) -> &[f64] {
        bdf::DenseBdf::state(self)
    }
    fn interpolate(&mut self, t: f64, out: &mut [f64]) -> Result<(), String> {
        bdf::DenseBdf::interpolate(self, t, out);
        Ok(())
    }
    fn interpolate_part(
        &mut self,
        t: f64,
        ranges: &[std::ops::Range<usize>],
        out: &mut [f64],
    ) -> Result<(), String> {
        bdf::DenseBdf::interpolate_part(self, t, ranges, out);
        Ok(())
    }
}

/// One segment's diffsol solver and its dense-output buffer.
struct DiffsolSegment<'a, Eqn, LS>
where
    Eqn: OdeEquationsImplicit<T = f64>,
    Eqn::V: DefaultDenseMatrix,
    LS: LinearSolver<Eqn::M>,
{
    solver: diffsol::Bdf<'a, Eqn, LS>,
    vbuf: Eqn::V,
}

impl<'a, Eqn, LS> Implicit for DiffsolSegment<'a, Eqn, LS>
where
    Eqn: OdeEquationsImplicit<T = f64>,
    Eqn::V: DefaultDenseMatrix + HostSlice,
    LS: LinearSolver<Eqn::M>,
    for<'b> &'b Eqn::V: VectorRef<Eqn::V>,
    for<'b> &'b Eqn::M: MatrixRef<Eqn::M>,
{
    fn set_stop(&mut self, stop: f64) -> Result<(), String> {
        self.solver.set_stop_time(stop).map_err(|e| e.to_string())
    }
    fn step(&mut self) -> Result<bool, String> {
        match self.solver.step() {
            Ok(r) => Ok(matches!(r, OdeSolverStopReason::TstopReached)),
            Err(e) => Err(bdf_reason(&e)),
        }
    }
    fn time(&self) -> f64 {
        self.solver.state().t
    }
    fn state(&self) -> &[f64] {
        self.solver.state().y.host()
    }
    fn interpolate(&mut self, t: f64, out: &mut [f64]) -> Result<(), String> {
        self.solver
            .interpolate_inplace(t, &mut self.vbuf)
            .map_err(|e| e.to_string())?;
        out.copy_from_slice(self.vbuf.host());
        Ok(())
    }
}

/// A diffsol failure in an analyst's words.
/// Refused steps in a row before an overshoot below zero is reported as an error.
const MAX_POSITIVITY_RETRIES: usize = 8;

fn bdf_reason(e: &diffsol::error::DiffsolError) -> String {
    use diffsol::error::{DiffsolError, OdeSolverError};
    match e {
        DiffsolError::OdeSolverError(OdeSolverError::StepSizeTooSmall { .. }) => {
            "the step size fell to round-off without meeting the error tolerance".into()
        }
        DiffsolError::OdeSolverError(OdeSolverError::TooManyNonlinearSolverFailures {
            num_failures,
            ..
        }) => format!("Newton's method failed to converge {num_failures} times"),
        DiffsolError::OdeSolverError(OdeSolverError::TooManyErrorTestFailures {
            num_failures,
            ..
        }) => format!("the local error test failed {num_failures} times in a row"),
        other => other.to_string(),
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

/// The host memory of a solver vector (both backends keep it contiguous).
trait HostSlice {
    fn host(&self) -> &[f64];
}

impl HostSlice for NalgebraVec<f64> {
    fn host(&self) -> &[f64] {
        self.inner().as_slice()
    }
}

impl HostSlice for FaerVec<f64> {
    fn host(&self) -> &[f64] {
        self.inner()
            .col(0)
            .try_as_col_major()
            .expect("faer vectors are contiguous")
            .as_slice()
    }
}

#[allow(dead_code)]
fn _assert_vector_trait<V: Vector>(_v: &V) {}

#[cfg(test)]
mod tests;
