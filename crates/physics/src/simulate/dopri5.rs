//! The explicit path: Dormand-Prince 5(4) (ode_solvers) over each segment, its steps
//! replayed through the dense output for outputs, events and reversals.

use super::Driver;
use crate::error::SimError;
use crate::system::System;

impl Driver<'_, '_> {
    pub(super) fn run_dopri5(&mut self) -> Result<(), SimError> {
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
            let Some(seg_end) = self.next_segment() else {
                return Ok(());
            };
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
            let st = match stepper.integrate_with_continuous_output_model(&mut model) {
                Ok(st) => st,
                Err(e) => {
                    // The state where it stopped: the dense output at the failure time, or
                    // at the last step it accepted.
                    let (x, reason) = dopri_reason(&e);
                    let last = step_log.borrow().last().copied().unwrap_or(self.t);
                    let z = model.evaluate(x).or_else(|| model.evaluate(last));
                    let y: Option<Vec<f64>> =
                        z.map(|z| z.iter().zip(&scale).map(|(z, s)| z * s).collect());
                    let y = y.unwrap_or_else(|| self.y.clone());
                    return Err(match e {
                        ode_solvers::dop_shared::IntegrationError::MaxNumStepReached { .. } => {
                            self.budget_err("Dopri5", x, &y)
                        }
                        _ => self.solver_err("Dopri5", x, Some(&y), reason),
                    });
                }
            };
            self.stats.restarts += 1;
            // (Right-hand-side evaluations are counted by the system itself.)
            self.stats.rejected_steps += st.rejected_steps as usize;
            drop(stepper);
            let step_times = step_log.borrow().clone();
            let n = self.y.len();
            let seg_start = self.t;
            let mut interp = |t: f64,
                              _part: Option<&[std::ops::Range<usize>]>,
                              out: &mut [f64]|
             -> Result<(), SimError> {
                let z = model.evaluate(t).ok_or_else(|| SimError::Interpolation {
                    integrator: "Dopri5",
                    time: t,
                    step_start: seg_start,
                    step_end: seg_end,
                    reason: "the time lies outside the steps the integrator kept".into(),
                })?;
                for i in 0..n {
                    out[i] = z[i] * scale[i];
                }
                Ok(())
            };
            let mut t_old = self.t;
            let mut ynew = vec![0.0; n];
            let mut restarted = false;
            for &t_new in &step_times {
                if t_new <= t_old {
                    continue;
                }
                self.stats.steps += 1;
                if let Some(c) = self.cause {
                    self.cause_steps[c] += 1;
                }
                interp(t_new, None, &mut ynew)?;
                if let Some(hit) = self.process_step(t_old, t_new, &ynew, &mut interp)? {
                    interp(hit.time, None, &mut ynew)?;
                    self.t = hit.time;
                    self.y.copy_from_slice(&ynew);
                    let end = self.fire_crossing(&hit);
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
            interp(seg_end, None, &mut ynew)?;
            self.y.copy_from_slice(&ynew);
            if self.t >= self.t_end {
                return Ok(());
            }
            let end = self.fire_time_events();
            if end {
                return Ok(());
            }
        }
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

/// A Dopri5 failure in an analyst's words, with the time it happened.
fn dopri_reason(e: &ode_solvers::dop_shared::IntegrationError) -> (f64, String) {
    use ode_solvers::dop_shared::IntegrationError as E;
    match *e {
        E::MaxNumStepReached { x, n_step } => (x, format!("more than {n_step} steps")),
        E::StepSizeUnderflow { x } => (
            x,
            "the step size fell to round-off without meeting the error tolerance".into(),
        ),
        E::StiffnessDetected { x } => (
            x,
            "the problem became stiff: the explicit method's stability limit holds the step \
             far below what accuracy needs"
                .into(),
        ),
    }
}
