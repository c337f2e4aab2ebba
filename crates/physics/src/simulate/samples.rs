//! A step's dense output sampled once, to evaluate a few state entries anywhere in the step
//! without interpolating the whole state: what locating a flow reversal in a large network
//! needs (one link's two ends, many times per step, for each of many links).

use std::ops::Range;

use super::Interp;
use crate::error::SimError;

/// Samples per step: the BDF interpolant is a polynomial of degree at most five (the highest
/// order) in time, so six samples reproduce it exactly, to round-off.
const K: usize = 6;

/// The state at [`K`] Chebyshev points of one step.
#[derive(Debug, Default)]
pub(super) struct Samples {
    t: [f64; K],
    /// `K` states, one after another.
    y: Vec<f64>,
}

impl Samples {
    /// Whether the step (ta, tb) is long enough for distinct sample times.
    pub(super) fn usable(ta: f64, tb: f64) -> bool {
        tb - ta > 1e-9 * tb.abs().max(ta.abs()).max(1.0)
    }

    /// Sample the dense output of the step (ta, tb) (`buf` is scratch, left overwritten).
    pub(super) fn fill(
        &mut self,
        ta: f64,
        tb: f64,
        interp: &mut Interp<'_>,
        buf: &mut [f64],
    ) -> Result<(), SimError> {
        let n = buf.len();
        self.y.resize(K * n, 0.0);
        let (mid, half) = (0.5 * (ta + tb), 0.5 * (tb - ta));
        for j in 0..K {
            let theta = std::f64::consts::PI * (2 * j + 1) as f64 / (2 * K) as f64;
            self.t[j] = mid + half * theta.cos();
            interp(self.t[j], None, buf)?;
            self.y[j * n..(j + 1) * n].copy_from_slice(buf);
        }
        Ok(())
    }

    /// Write the entries `ranges` of the state at `t` into `out` (the others are left as
    /// they are).
    pub(super) fn write(&self, t: f64, ranges: &[Range<usize>], out: &mut [f64]) {
        let n = out.len();
        let mut w = [1.0; K];
        for (j, wj) in w.iter_mut().enumerate() {
            for k in 0..K {
                if k != j {
                    *wj *= (t - self.t[k]) / (self.t[j] - self.t[k]);
                }
            }
        }
        for r in ranges {
            for i in r.clone() {
                out[i] = (0..K).map(|j| w[j] * self.y[j * n + i]).sum();
            }
        }
    }
}
