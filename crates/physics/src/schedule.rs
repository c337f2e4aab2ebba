//! Time schedules for any element parameter (area, coefficient, opening, source rate).
//!
//! A schedule is data, evaluated by the integrator at the current time; it never hides a clock.
//! The times at which a schedule has a kink or a jump are reported by [`Schedule::breakpoints`]
//! so that the integrator stops there and restarts, instead of stepping blindly across them.

/// A value as a function of time (SI units of whatever it schedules; times in seconds).
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// The same value at every time.
    Constant(f64),
    /// `initial` until the first step time, then each step's value from its time on.
    Steps {
        initial: f64,
        steps: Vec<(f64, f64)>,
    },
    /// `from` until `start`, linear to `to` at `end`, `to` afterwards.
    Ramp {
        from: f64,
        to: f64,
        start: f64,
        end: f64,
    },
    /// Piecewise-linear through `(t, value)` points sorted by time; held constant outside.
    Table(Vec<(f64, f64)>),
    /// `initial * exp(rate * (t - start))` from `start` on (`initial` before): a crack that
    /// grows (rate > 0) or a leak that heals (rate < 0). `rate` in 1/s.
    Exponential { initial: f64, rate: f64, start: f64 },
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::Constant(0.0)
    }
}

impl From<f64> for Schedule {
    fn from(v: f64) -> Self {
        Schedule::Constant(v)
    }
}

impl Schedule {
    /// Value at time `t`.
    #[inline]
    pub fn value(&self, t: f64) -> f64 {
        match self {
            Schedule::Constant(v) => *v,
            Schedule::Steps { initial, steps } => {
                let mut v = *initial;
                for &(ts, vs) in steps {
                    if t >= ts {
                        v = vs;
                    } else {
                        break;
                    }
                }
                v
            }
            Schedule::Ramp {
                from,
                to,
                start,
                end,
            } => {
                if t <= *start {
                    *from
                } else if t >= *end {
                    *to
                } else {
                    from + (to - from) * (t - start) / (end - start)
                }
            }
            Schedule::Table(points) => table_value(points, t),
            Schedule::Exponential {
                initial,
                rate,
                start,
            } => {
                if t <= *start {
                    *initial
                } else {
                    initial * (rate * (t - start)).exp()
                }
            }
        }
    }

    /// Times where the schedule is not smooth (jumps or kinks), in increasing order.
    pub fn breakpoints(&self) -> Vec<f64> {
        match self {
            Schedule::Constant(_) => vec![],
            Schedule::Steps { steps, .. } => steps.iter().map(|s| s.0).collect(),
            Schedule::Ramp { start, end, .. } => vec![*start, *end],
            Schedule::Table(points) => points.iter().map(|p| p.0).collect(),
            Schedule::Exponential { start, .. } => vec![*start],
        }
    }

    /// Every value the schedule can take at a node or plateau; used to check ranges
    /// (a schedule is bounded by these because it is piecewise monotone between them).
    pub fn extreme_values(&self, t_end: f64) -> Vec<f64> {
        match self {
            Schedule::Constant(v) => vec![*v],
            Schedule::Steps { initial, steps } => std::iter::once(*initial)
                .chain(steps.iter().map(|s| s.1))
                .collect(),
            Schedule::Ramp { from, to, .. } => vec![*from, *to],
            Schedule::Table(points) => points.iter().map(|p| p.1).collect(),
            Schedule::Exponential { initial, start, .. } => {
                vec![*initial, self.value(t_end.max(*start))]
            }
        }
    }

    /// Multiply every value by `factor` (unit conversion, opening fractions).
    pub fn scaled(&self, factor: f64) -> Schedule {
        match self {
            Schedule::Constant(v) => Schedule::Constant(v * factor),
            Schedule::Steps { initial, steps } => Schedule::Steps {
                initial: initial * factor,
                steps: steps.iter().map(|&(t, v)| (t, v * factor)).collect(),
            },
            Schedule::Ramp {
                from,
                to,
                start,
                end,
            } => Schedule::Ramp {
                from: from * factor,
                to: to * factor,
                start: *start,
                end: *end,
            },
            Schedule::Table(points) => {
                Schedule::Table(points.iter().map(|&(t, v)| (t, v * factor)).collect())
            }
            Schedule::Exponential {
                initial,
                rate,
                start,
            } => Schedule::Exponential {
                initial: initial * factor,
                rate: *rate,
                start: *start,
            },
        }
    }

    /// Checks the structure: times finite and increasing, ramp end after start.
    pub fn check(&self) -> Result<(), String> {
        let finite = |v: f64, what: &str| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(format!("{what} is not a finite number"))
            }
        };
        match self {
            Schedule::Constant(v) => finite(*v, "value"),
            Schedule::Steps { initial, steps } => {
                finite(*initial, "initial value")?;
                check_points(steps)
            }
            Schedule::Ramp {
                from,
                to,
                start,
                end,
            } => {
                finite(*from, "ramp start value")?;
                finite(*to, "ramp end value")?;
                finite(*start, "ramp start time")?;
                finite(*end, "ramp end time")?;
                if end <= start {
                    return Err(format!(
                        "ramp ends at {end} s, not after its start at {start} s; expected end > start"
                    ));
                }
                Ok(())
            }
            Schedule::Table(points) => {
                if points.is_empty() {
                    return Err("table has no points; expected at least one (time, value)".into());
                }
                check_points(points)
            }
            Schedule::Exponential {
                initial,
                rate,
                start,
            } => {
                finite(*initial, "initial value")?;
                finite(*rate, "rate")?;
                finite(*start, "start time")
            }
        }
    }
}

fn check_points(points: &[(f64, f64)]) -> Result<(), String> {
    for (i, &(t, v)) in points.iter().enumerate() {
        if !t.is_finite() || !v.is_finite() {
            return Err(format!("point {} is not finite", i + 1));
        }
        if i > 0 && t <= points[i - 1].0 {
            return Err(format!(
                "point {} at {t} s is not after the previous one at {} s; expected increasing times",
                i + 1,
                points[i - 1].0
            ));
        }
    }
    Ok(())
}

fn table_value(points: &[(f64, f64)], t: f64) -> f64 {
    let Some(first) = points.first() else {
        return 0.0;
    };
    if t <= first.0 {
        return first.1;
    }
    for w in points.windows(2) {
        let (t0, v0) = w[0];
        let (t1, v1) = w[1];
        if t <= t1 {
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0);
        }
    }
    points.last().map_or(0.0, |p| p.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_evaluates_as_documented() {
        assert_eq!(Schedule::Constant(2.0).value(1e9), 2.0);
        let steps = Schedule::Steps {
            initial: 1.0,
            steps: vec![(10.0, 2.0), (20.0, 3.0)],
        };
        assert_eq!(
            [steps.value(0.0), steps.value(10.0), steps.value(25.0)],
            [1.0, 2.0, 3.0]
        );
        let ramp = Schedule::Ramp {
            from: 4.0,
            to: 0.0,
            start: 10.0,
            end: 20.0,
        };
        assert_eq!(
            [ramp.value(5.0), ramp.value(15.0), ramp.value(30.0)],
            [4.0, 2.0, 0.0]
        );
        let table = Schedule::Table(vec![(0.0, 0.0), (10.0, 10.0), (20.0, 0.0)]);
        assert_eq!(
            [
                table.value(-1.0),
                table.value(5.0),
                table.value(15.0),
                table.value(99.0)
            ],
            [0.0, 5.0, 5.0, 0.0]
        );
        // Doubling time of 1 day: rate = ln 2 / 86400 s.
        let grow = Schedule::Exponential {
            initial: 1.0,
            rate: std::f64::consts::LN_2 / 86400.0,
            start: 0.0,
        };
        assert!((grow.value(86400.0) - 2.0).abs() < 1e-12);
        assert_eq!(ramp.breakpoints(), vec![10.0, 20.0]);
    }

    #[test]
    fn bad_structure_is_reported() {
        let ramp = Schedule::Ramp {
            from: 0.0,
            to: 1.0,
            start: 5.0,
            end: 5.0,
        };
        assert!(ramp.check().is_err());
        assert!(Schedule::Table(vec![(1.0, 0.0), (0.5, 1.0)])
            .check()
            .is_err());
        assert!(Schedule::Table(vec![]).check().is_err());
        assert!(Schedule::Constant(f64::NAN).check().is_err());
    }
}
