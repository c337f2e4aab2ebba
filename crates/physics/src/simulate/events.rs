//! Threshold events and flow reversals: the watchers of each crossing, root finding on the
//! dense output, and firing events (their actions applied to the system's switches).

use super::samples::Samples;
use super::{Driver, Eval, FiredEvent, Interp, Reversal};
use crate::error::SimError;
use crate::model::{Direction, Event, EventId, LinkId, Quantity, Trigger};
use crate::Settings;

/// A sign-tracking watcher of one threshold event (the semantics are in [`simulate`]).
#[derive(Debug, Clone)]
pub(super) struct Watch {
    pub(super) event: usize,
    pub(super) quantity: Quantity,
    /// The value whose crossings it watches (for [`Trigger::CrossesSince`], set when the
    /// event it waits for fires).
    pub(super) threshold: f64,
    /// [`Trigger::CrossesSince`] not yet armed: (the event it waits for, the offset). The
    /// watch is `done` (not watched) until then.
    pub(super) since: Option<(usize, f64)>,
    pub(super) direction: Direction,
    pub(super) repeat: bool,
    /// Re-arm band, in the quantity's units.
    pub(super) band: f64,
    /// Quantity minus threshold at the last accepted point.
    pub(super) g_prev: f64,
    /// The side of the threshold the quantity is on (-1 below, +1 above), or 0: at the
    /// threshold (within the band) since the start or an action, to be decided by the
    /// direction it leaves in.
    pub(super) side: i8,
    /// False from the watch's own firing until its quantity has moved more than `band` from
    /// the threshold on the side it crossed to (hysteresis).
    pub(super) armed: bool,
    /// A crossing held back by the re-arm interval and still in effect: the side it went to
    /// (0: none).
    pub(super) pending: i8,
    /// Time of the last firing (-inf: never).
    pub(super) last_fired: f64,
    pub(super) first_fired: f64,
    pub(super) count: usize,
    /// Fired in the batch of actions being applied now.
    pub(super) fired_now: bool,
    /// A non-repeating event that fired.
    pub(super) done: bool,
}

impl Watch {
    /// The watcher of event `i`, if its trigger is a crossing.
    pub(super) fn of(i: usize, e: &Event, settings: &Settings) -> Option<Watch> {
        let (quantity, threshold, since, direction) = match e.trigger {
            Trigger::Crosses {
                quantity,
                threshold,
                direction,
            } => (quantity, threshold, None, direction),
            Trigger::CrossesSince {
                quantity,
                since,
                offset,
                direction,
            } => (quantity, 0.0, Some((since.0, offset)), direction),
            Trigger::At(_) => return None,
        };
        let mut w = Watch {
            event: i,
            quantity,
            threshold,
            since,
            direction,
            repeat: e.repeat,
            band: 0.0,
            g_prev: 0.0,
            side: 0,
            armed: true,
            pending: 0,
            last_fired: f64::NEG_INFINITY,
            first_fired: f64::NAN,
            count: 0,
            fired_now: false,
            done: since.is_some(),
        };
        w.set_threshold(threshold, settings);
        Some(w)
    }

    /// Watch `threshold` from now on, with its re-arm band.
    fn set_threshold(&mut self, threshold: f64, settings: &Settings) {
        self.threshold = threshold;
        self.band = settings.event_rearm_band * threshold.abs()
            + match self.quantity {
                Quantity::MassFlow(_) => settings.reversal_deadband,
                _ => 0.0,
            };
    }

    fn allows(&self, to: i8) -> bool {
        match self.direction {
            Direction::Rising => to > 0,
            Direction::Falling => to < 0,
            Direction::Either => true,
        }
    }

    /// Earliest time this watch may fire again.
    fn unlock(&self, interval: f64) -> f64 {
        if self.repeat {
            self.last_fired + interval
        } else {
            f64::NEG_INFINITY
        }
    }

    /// Advance the side, arming and held-back crossing to a new value `g` of the quantity
    /// minus its threshold, with no firing: a crossing the event's direction allows is held
    /// back (it was within the re-arm interval).
    fn advance(&mut self, g: f64) {
        let outside = g.abs() > self.band;
        let to: i8 = if g > 0.0 { 1 } else { -1 };
        match self.side {
            0 => {
                if outside {
                    self.side = to;
                    self.armed = true;
                    self.pending = if self.allows(to) { to } else { 0 };
                }
            }
            s => {
                if !self.armed && f64::from(s) * g > self.band {
                    self.armed = true;
                }
                if crossed(s, g) {
                    let eligible = self.armed && self.allows(-s);
                    self.side = -s;
                    self.pending = if eligible { -s } else { 0 };
                    // A watch disarmed by its own firing stays so until the quantity has
                    // moved away by the band on its new side.
                    self.armed = self.armed || -f64::from(s) * g > self.band;
                }
            }
        }
    }
}

/// Whether `g` (quantity minus threshold) lies across the threshold from side `s`.
pub(super) fn crossed(s: i8, g: f64) -> bool {
    if s < 0 {
        g >= 0.0
    } else {
        g <= 0.0
    }
}

/// Direction tracking of one link's flow.
#[derive(Debug, Clone)]
pub(super) struct FlowSign {
    pub(super) sign: i8,
    pub(super) m_prev: f64,
    pub(super) last_zero: Option<f64>,
}

/// Steps the reversal screen is skipped for after it failed.
const SCREEN_SKIP: u32 = 8;

/// A threshold crossing found inside a step.
pub(super) struct Hit {
    pub(super) time: f64,
    /// The watches that fire, with the side each crosses to.
    pub(super) watches: Vec<(usize, i8)>,
}

impl Driver<'_, '_> {
    pub(super) fn g(&self, watch: usize, t: f64, y: &[f64]) -> f64 {
        let w = &self.watches[watch];
        self.sys.quantity(w.quantity, t, y) - w.threshold
    }

    /// Process the accepted step (t_old, t_new] with dense output `interp`.
    /// Returns the earliest threshold crossing inside it, if any, having emitted outputs and
    /// reversals only up to that point.
    pub(super) fn process_step(
        &mut self,
        t_old: f64,
        t_new: f64,
        y_new: &[f64],
        interp: &mut Interp<'_>,
    ) -> Result<Option<Hit>, SimError> {
        self.sys.check_state(t_new, y_new, &self.atol)?;
        // Threshold crossings: the earliest firing time of any watch.
        let mut hit: Option<Hit> = None;
        let mut buf = std::mem::take(&mut self.scratch);
        buf.resize(y_new.len(), 0.0);
        let nw = self.watches.len();
        let mut g_new = std::mem::take(&mut self.g_new);
        g_new.clear();
        g_new.resize(nw, 0.0);
        let mut later = std::mem::take(&mut self.later);
        later.clear();
        later.resize(nw, false);
        for w in 0..nw {
            if self.watches[w].done {
                continue;
            }
            g_new[w] = self.g(w, t_new, y_new);
            let Some((tr, to)) = self.fire_time(w, t_old, t_new, g_new[w], &mut buf, interp)?
            else {
                continue;
            };
            later[w] = true;
            match &mut hit {
                Some(h) if tr > h.time => {}
                Some(h) if tr == h.time => h.watches.push((w, to)),
                _ => {
                    hit = Some(Hit {
                        time: tr,
                        watches: vec![(w, to)],
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
                interp(to, None, &mut buf)?;
            }
            self.out_rows.push((to, self.switch_history.len() - 1));
            self.out_states.extend_from_slice(&buf);
            self.next_output += 1;
        }
        // Flow reversals up to t_stop.
        if t_stop == t_new {
            buf.copy_from_slice(y_new);
        } else {
            interp(t_stop, None, &mut buf)?;
        }
        self.sys.log_averages(t_stop, &buf);
        if self.settings.reversals {
            self.follow_flows(t_old, t_stop, &mut buf, interp)?;
        }
        // Watches up to t_stop: the state there (flow reversals may have moved `buf`).
        if nw > 0 {
            if t_stop == t_new {
                buf.copy_from_slice(y_new);
            } else {
                interp(t_stop, None, &mut buf)?;
            }
        }
        for w in 0..nw {
            if self.watches[w].done
                || hit
                    .as_ref()
                    .is_some_and(|h| h.watches.iter().any(|x| x.0 == w))
            {
                continue;
            }
            let g = if t_stop == t_new {
                g_new[w]
            } else {
                self.g(w, t_stop, &buf)
            };
            // A watch whose firing lies after t_stop keeps its side: the crossing is found
            // again from the restart.
            if !(later[w] && t_stop < t_new) {
                self.watches[w].advance(g);
            }
            self.watches[w].g_prev = g;
        }
        self.scratch = buf;
        self.g_new = g_new;
        self.later = later;
        Ok(hit)
    }

    /// Follow the links' flows over (t_old, t_stop], the state at t_stop in `buf`: a screen
    /// of their signs, and the reversals logged where it fails.
    fn follow_flows(
        &mut self,
        t_old: f64,
        t_stop: f64,
        buf: &mut [f64],
        interp: &mut Interp<'_>,
    ) -> Result<(), SimError> {
        // The screen is skipped for a few steps after it failed: where some flow sits near
        // zero (modules at equal pressure behind an open hatch) it fails on every step,
        // and the flows are evaluated anyway.
        let flows_settled = if self.screen_skip > 0 {
            self.screen_skip -= 1;
            false
        } else {
            let flows = &self.flows;
            let stale = self.lazy_flows.is_some();
            let settled = self.sys.flow_signs_hold(t_stop, buf, |l| {
                let f = &flows[l];
                let steady = f.sign != 0
                    && f.last_zero.is_none()
                    && (stale || f.m_prev * f64::from(f.sign) > 0.0);
                steady.then_some(f.sign)
            });
            if !settled {
                self.screen_skip = SCREEN_SKIP;
            }
            settled
        };
        if flows_settled {
            // Every flow kept its sign, with no zero crossing pending: nothing to log, and
            // only the flows' last values would change. They are evaluated from this point
            // if a later step or an action needs them.
            self.lazy_flows = Some(t_stop);
            self.lazy_y.copy_from_slice(buf);
            Ok(())
        } else {
            self.settle_flow_memory();
            self.log_reversals(t_old, t_stop, buf, interp)
        }
    }

    /// The flows' last values at the point the last step skipped them (see
    /// [`Driver::process_step`]), before anything reads them or an action changes the links.
    pub(super) fn settle_flow_memory(&mut self) {
        let Some(t) = self.lazy_flows.take() else {
            return;
        };
        let mut flows = std::mem::take(&mut self.flow_buf);
        self.sys.link_flows(t, &self.lazy_y, &mut flows);
        for (f, &m) in self.flows.iter_mut().zip(&flows) {
            f.m_prev = m;
        }
        self.flow_buf = flows;
    }

    /// Log the flow reversals in (t_old, t_stop], the state at t_stop in `buf`.
    fn log_reversals(
        &mut self,
        t_old: f64,
        t_stop: f64,
        buf: &mut [f64],
        interp: &mut Interp<'_>,
    ) -> Result<(), SimError> {
        let mut flows = std::mem::take(&mut self.flow_buf);
        self.sys.link_flows(t_stop, buf, &mut flows);
        let mut sampled = false;
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
                    let flow =
                        |d: &Self, t, y: &[f64]| d.sys.quantity(Quantity::MassFlow(link), t, y);
                    if self.partial_interp && Samples::usable(t_old, t_stop) {
                        if !sampled {
                            let mut samples = std::mem::take(&mut self.samples);
                            let filled = samples.fill(t_old, t_stop, interp, buf);
                            self.samples = samples;
                            filled?;
                            sampled = true;
                        }
                        let ends = self.sys.link_states(l);
                        let samples = &self.samples;
                        let mut part = |t: f64, out: &mut [f64]| {
                            samples.write(t, &ends, out);
                            Ok(())
                        };
                        self.locate(t_old, m_old, t_stop, m_new, buf, &mut part, flow)?
                    } else {
                        // Only the link's two ends: the flow reads nothing else.
                        let ends = self.sys.link_states(l);
                        let mut part = |t: f64, out: &mut [f64]| interp(t, Some(&ends), out);
                        self.locate(t_old, m_old, t_stop, m_new, buf, &mut part, flow)?
                    }
                } else {
                    t_old + (t_stop - t_old) * m_old / (m_old - m_new)
                };
                self.flows[l].last_zero = Some(tz);
            }
            if s != 0 {
                let fs = &mut self.flows[l];
                if confirmed_reversal {
                    self.reversals.push(Reversal {
                        link: LinkId(l),
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
        Ok(())
    }

    /// When watch `w` fires inside the step (t_old, t_new], given the quantity minus its
    /// threshold at the end, `g_new`, and the side it crosses to.
    pub(super) fn fire_time(
        &self,
        w: usize,
        t_old: f64,
        t_new: f64,
        g_new: f64,
        buf: &mut [f64],
        interp: &mut Interp<'_>,
    ) -> Result<Option<(f64, i8)>, SimError> {
        let wa = &self.watches[w];
        let g_old = wa.g_prev;
        let band = wa.band;
        // The crossing in this step, if any.
        let crossing = match wa.side {
            0 if g_new.abs() > band => {
                // Leaving the threshold's band: the side is decided by the direction.
                let to: i8 = if g_new > 0.0 { 1 } else { -1 };
                if wa.allows(to) {
                    let off = f64::from(to) * band;
                    let tr = self.locate(
                        t_old,
                        g_old - off,
                        t_new,
                        g_new - off,
                        buf,
                        &mut |t: f64, out: &mut [f64]| interp(t, None, out),
                        |d, t, y| d.g(w, t, y) - off,
                    )?;
                    Some((tr, to))
                } else {
                    None
                }
            }
            0 => None,
            s => {
                if crossed(s, g_new) && wa.armed && wa.allows(-s) {
                    let mut whole = |t: f64, out: &mut [f64]| interp(t, None, out);
                    let tr =
                        self.locate(t_old, g_old, t_new, g_new, buf, &mut whole, |d, t, y| {
                            d.g(w, t, y)
                        })?;
                    Some((tr, -s))
                } else {
                    None
                }
            }
        };
        let unlock = wa.unlock(self.settings.event_rearm_interval);
        let held = match crossing {
            Some((tr, _)) if tr >= unlock => return Ok(crossing),
            // Within the re-arm interval: held back until it ends.
            Some((_, to)) => to,
            None if wa.pending != 0 && wa.pending == wa.side => wa.pending,
            None => return Ok(None),
        };
        if unlock > t_new {
            return Ok(None);
        }
        // The interval ends inside this step (or ended before it): fire then, if the
        // quantity is still beyond the threshold.
        let tf = unlock.max(t_old);
        let g = if tf == t_old {
            g_old
        } else {
            interp(tf, None, buf)?;
            self.g(w, tf, buf)
        };
        Ok((f64::from(held) * g > 0.0).then_some((tf, held)))
    }

    /// Root of a scalar function of the dense output between (ta, fa) and (tb, fb), which
    /// bracket a sign change, by the Illinois variant of regula falsi, to a time tolerance of
    /// 1e-12 of the step (far below the solver's own error).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn locate(
        &self,
        mut ta: f64,
        mut fa: f64,
        mut tb: f64,
        mut fb: f64,
        buf: &mut [f64],
        interp: &mut Eval<'_>,
        f: impl Fn(&Self, f64, &[f64]) -> f64,
    ) -> Result<f64, SimError> {
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
            interp(tc, buf)?;
            let fc = f(self, tc, buf);
            if fc == 0.0 {
                return Ok(tc);
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
        Ok(tb)
    }

    /// Fire the events of a crossing at `hit.time` (state already in self.y).
    pub(super) fn fire_crossing(&mut self, hit: &Hit) -> bool {
        self.settle_flow_memory();
        let mut end = false;
        for &(w, to) in &hit.watches {
            let g = self.g(w, hit.time, &self.y);
            let wa = &mut self.watches[w];
            wa.side = to;
            wa.armed = f64::from(to) * g > wa.band;
            wa.pending = 0;
            wa.fired_now = true;
            if wa.count == 0 {
                wa.first_fired = hit.time;
            }
            wa.count += 1;
            wa.last_fired = hit.time;
            if !wa.repeat {
                wa.done = true;
            }
            let event = wa.event;
            self.cause = Some(event);
            end |= self.fire(EventId(event), hit.time);
        }
        self.record_switches();
        self.after_action(true);
        end
    }

    /// Record the firing of `event` at `time` and apply its actions; true when one ends the
    /// run.
    pub(super) fn fire(&mut self, event: EventId, time: f64) -> bool {
        self.events.push(FiredEvent { event, time });
        // Thresholds relative to this event: fixed at the value their quantity has now,
        // before the actions change anything; `after_action` then decides their side.
        for w in 0..self.watches.len() {
            let Some((since, offset)) = self.watches[w].since else {
                continue;
            };
            if since == event.0 {
                let value = self.sys.quantity(self.watches[w].quantity, time, &self.y);
                let wa = &mut self.watches[w];
                wa.set_threshold(value + offset, self.settings);
                wa.since = None;
                wa.done = false;
                wa.side = 0;
                wa.armed = true;
            }
        }
        let mut end = false;
        for a in &self.sys.net.events[event.0].actions {
            end |= self.sys.apply(a);
        }
        if end {
            self.ended_by.get_or_insert(event);
        }
        end
    }

    /// Remember the switches as the actions just applied left them.
    pub(super) fn record_switches(&mut self) {
        self.switch_history.push(self.sys.switches.borrow().clone());
    }

    /// Fire time events scheduled at the current time, then refresh the watchers.
    pub(super) fn fire_time_events(&mut self) -> bool {
        self.settle_flow_memory();
        let mut end = false;
        let mut fired = false;
        let net = self.sys.net;
        for (i, ev) in net.events.iter().enumerate() {
            if let Trigger::At(te) = ev.trigger {
                if !self.at_fired[i] && te <= self.t * (1.0 + 1e-14) + 1e-300 {
                    self.at_fired[i] = true;
                    fired = true;
                    end |= self.fire(EventId(i), te);
                }
            }
        }
        if fired {
            self.record_switches();
        }
        // A restart at a breakpoint or time event is not caused by a threshold event.
        self.cause = None;
        self.after_action(fired);
        end
    }

    /// After an action (`acted`) or at a breakpoint: refresh flow memories (a jump in sign
    /// at an action counts as a zero crossing at that time) and the threshold watchers.
    pub(super) fn after_action(&mut self, acted: bool) {
        if self.settings.reversals {
            self.settle_flow_memory();
            let mut flows = std::mem::take(&mut self.flow_buf);
            self.sys.link_flows(self.t, &self.y, &mut flows);
            for (l, &m) in flows.iter().enumerate() {
                if self.flows[l].m_prev * m < 0.0 {
                    self.flows[l].last_zero = Some(self.t);
                }
                self.flows[l].m_prev = m;
            }
            self.flow_buf = flows;
        }
        for w in 0..self.watches.len() {
            // With the switches as the actions left them (a watched link flow may jump).
            let g = self.g(w, self.t, &self.y);
            let wa = &mut self.watches[w];
            wa.g_prev = g;
            if wa.done {
                continue;
            }
            let inside = g.abs() <= wa.band;
            if wa.fired_now {
                // Fired just now: it stays on the side it crossed to until it has moved
                // away by the band (hysteresis).
                wa.fired_now = false;
                if f64::from(wa.side) * g > wa.band {
                    wa.armed = true;
                }
            } else if inside && acted && wa.armed {
                // Sitting at its threshold when the dynamics change: the direction the
                // quantity leaves in decides the side, so a crossing that starts here fires.
                wa.side = 0;
                wa.pending = 0;
            } else if !inside {
                let to: i8 = if g > 0.0 { 1 } else { -1 };
                if to != wa.side {
                    // A jump across the threshold made by an action is not a crossing.
                    wa.side = to;
                    wa.pending = 0;
                }
                wa.armed = true;
            }
        }
    }
}
