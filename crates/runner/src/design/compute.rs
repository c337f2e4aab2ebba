//! The design's numbers: every hypothesis's expected readings under every procedure, and
//! for every procedure and pair of hypotheses the separation time and the separation score.
//!
//! - **Expected readings.** The hypothesis under the procedure is run with the fit's model
//!   ([`crate::fit::Model`], the fit's tight tolerances) at the sensors' reading times
//!   (every `interval` from 0 through the window), free parameters at their guesses; the
//!   expected reading is the model value plus the sensor's bias (noise and rounding have
//!   zero mean).
//! - **Separation time.** The first reading time at which the two expected readings differ
//!   by more than the sensor resolves at the design's confidence,
//!   |y_a - y_b| > z_(1 - alpha/2) sqrt(2) sigma_eff ([`super::threshold`]), over every
//!   sensor; `None`: never within the window. The crossing time interpolates the difference
//!   linearly between the last reading below the threshold and the first above.
//! - **Score.** chi^2 = sum over readings of ((y_a - y_b) / sigma_eff)^2, the expected
//!   chi^2 distance (the non-centrality of the test of one stated hypothesis when the other
//!   is true). Where a rival has free parameters, its T-optimal form (Atkinson and Fedorov
//!   1975): the rival refitted to the other's expected readings by the fit's
//!   Levenberg-Marquardt ([`crate::fit::solve::fit_one`]), its least chi^2. The pair's score
//!   is the least of the stated chi^2 and the refits (the case hardest to tell apart).
//! - **Rank.** Procedures by their worst pair's separation time (never last), then by their
//!   worst pair's score (higher first), then file order.

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::Design;
use crate::fit::solve::{fit_one, FitOptions};
use crate::fit::Model;

/// One hypothesis's expected readings under one procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Per sensor, per reading: the expected reading (SI, bias included); empty on error.
    pub readings: Vec<Vec<f64>>,
    /// Per sensor, per reading: the variance of the expected reading from the fitted
    /// parameters' uncertainty (SI^2); empty for a stated hypothesis.
    pub variance: Vec<Vec<f64>>,
    pub error: Option<String>,
}

/// A rival refitted to the other hypothesis's expected readings.
#[derive(Debug, Clone, PartialEq)]
pub struct Refit {
    /// The hypothesis taken as true.
    pub truth: usize,
    /// The hypothesis refitted.
    pub rival: usize,
    /// Its least chi^2 (the T-criterion); NaN when the refit failed.
    pub chi2: f64,
    /// Its best parameter values (SI), in the order of its free parameters.
    pub theta: Vec<f64>,
    pub runs: usize,
    pub error: Option<String>,
}

/// One pair of hypotheses under one procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct PairResult {
    pub a: usize,
    pub b: usize,
    /// The first reading time the pair is told apart (s); `None`: never within the window.
    pub separation: Option<f64>,
    /// The time the difference reaches the threshold, interpolated between readings (s).
    pub crossing: Option<f64>,
    /// The sensor that separates them first.
    pub sensor: Option<usize>,
    /// Per sensor: the largest |y_a - y_b| within the window (SI).
    pub max_difference: Vec<f64>,
    /// Expected chi^2 distance between the stated hypotheses.
    pub chi2: f64,
    /// T-optimal refits: b refitted to a's readings, a to b's (where the rival has free
    /// parameters).
    pub refits: Vec<Refit>,
    /// The least of `chi2` and the refits' chi^2.
    pub score: f64,
}

/// One procedure's pairs and its rank.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureResult {
    pub pairs: Vec<PairResult>,
    /// The worst pair's separation time; `None` when a pair never separates (or a
    /// prediction failed).
    pub worst_time: Option<f64>,
    /// The least score over the pairs.
    pub worst_score: f64,
    /// 1 for the best procedure.
    pub rank: usize,
}

/// The whole design.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignResult {
    /// `predictions[procedure][hypothesis]`.
    pub predictions: Vec<Vec<Prediction>>,
    pub procedures: Vec<ProcedureResult>,
    /// Procedure indices, best first.
    pub order: Vec<usize>,
    pub runs: usize,
}

impl DesignResult {
    /// The best procedure (first in the ranking).
    pub fn best(&self) -> usize {
        self.order[0]
    }
}

/// Predict, score and rank (in parallel; the results do not depend on the thread count).
pub fn design_all(d: &Design) -> DesignResult {
    let nh = d.hypotheses.len();
    let flat: Vec<(Prediction, usize)> = d
        .cases
        .par_iter()
        .map(|c| {
            let h = &c.frame.hypotheses[0];
            let model = Model::new(&c.frame, h);
            let guess: Vec<f64> = h.free.iter().map(|f| f.guess).collect();
            let mut p = match model.predict(&guess) {
                Ok(v) => Prediction {
                    readings: v
                        .into_iter()
                        .zip(&d.sensors)
                        .map(|(r, s)| r.into_iter().map(|x| x + s.sensor.bias).collect())
                        .collect(),
                    variance: Vec::new(),
                    error: None,
                },
                Err(e) => Prediction {
                    readings: Vec::new(),
                    variance: Vec::new(),
                    error: Some(e),
                },
            };
            let mut runs = model.runs.load(Ordering::Relaxed);
            if p.error.is_none() && !c.fitted.is_empty() {
                let (v, n) = variance(c);
                runs += n;
                match v {
                    Ok(v) => p.variance = v,
                    Err(e) => {
                        p.readings.clear();
                        p.error = Some(format!("the sensitivity to the fitted parameters: {e}"));
                    }
                }
            }
            (p, runs)
        })
        .collect();
    let mut runs: usize = flat.iter().map(|x| x.1).sum();
    let predictions: Vec<Vec<Prediction>> = flat
        .chunks(nh)
        .map(|c| c.iter().map(|x| x.0.clone()).collect())
        .collect();
    let pairs: Vec<(usize, usize)> = (0..nh)
        .flat_map(|a| (a + 1..nh).map(move |b| (a, b)))
        .collect();
    let jobs: Vec<(usize, usize, usize)> = (0..d.procedures.len())
        .flat_map(|p| pairs.iter().map(move |&(a, b)| (p, a, b)))
        .collect();
    let scored: Vec<PairResult> = jobs
        .par_iter()
        .map(|&(p, a, b)| pair(d, &predictions[p], p, a, b))
        .collect();
    runs += scored
        .iter()
        .flat_map(|r| r.refits.iter().map(|f| f.runs))
        .sum::<usize>();
    let mut procedures: Vec<ProcedureResult> = scored
        .chunks(pairs.len().max(1))
        .map(|c| {
            let never = c.iter().any(|r| r.separation.is_none());
            ProcedureResult {
                pairs: c.to_vec(),
                worst_time: if never {
                    None
                } else {
                    c.iter().filter_map(|r| r.separation).reduce(f64::max)
                },
                worst_score: c.iter().map(|r| r.score).fold(f64::INFINITY, nan_min),
                rank: 0,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..procedures.len()).collect();
    order.sort_by(|&i, &j| {
        let (x, y) = (&procedures[i], &procedures[j]);
        let t = |r: &ProcedureResult| r.worst_time.unwrap_or(f64::INFINITY);
        let s = |r: &ProcedureResult| {
            if r.worst_score.is_nan() {
                f64::NEG_INFINITY
            } else {
                r.worst_score
            }
        };
        t(x).total_cmp(&t(y))
            .then(s(y).total_cmp(&s(x)))
            .then(i.cmp(&j))
    });
    for (rank, &i) in order.iter().enumerate() {
        procedures[i].rank = rank + 1;
    }
    DesignResult {
        predictions,
        procedures,
        order,
        runs,
    }
}

/// The lesser, NaN counting as the least (a failed score is the worst).
fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// Separation and score of hypotheses `a` and `b` under procedure `p`.
fn pair(d: &Design, preds: &[Prediction], p: usize, a: usize, b: usize) -> PairResult {
    let mut out = PairResult {
        a,
        b,
        separation: None,
        crossing: None,
        sensor: None,
        max_difference: Vec::new(),
        chi2: f64::NAN,
        refits: Vec::new(),
        score: f64::NAN,
    };
    let (pa, pb) = (&preds[a], &preds[b]);
    if pa.error.is_some() || pb.error.is_some() {
        return out;
    }
    let mut chi2 = 0.0;
    for (s, sensor) in d.sensors.iter().enumerate() {
        let times = &d.case(p, a).frame.readings[s].times;
        let sigma = sensor.sigma();
        let thr = thresholds(d, s, times.len(), pa.variance.get(s), pb.variance.get(s));
        let diff: Vec<f64> = pa.readings[s]
            .iter()
            .zip(&pb.readings[s])
            .map(|(x, y)| (x - y).abs())
            .collect();
        chi2 += diff.iter().map(|x| (x / sigma).powi(2)).sum::<f64>();
        out.max_difference
            .push(diff.iter().copied().fold(0.0, f64::max));
        if let Some(i) = diff.iter().zip(&thr).position(|(&x, &h)| x > h) {
            let t = times[i];
            let crossing = if i == 0 {
                t
            } else {
                // Where the excess of the difference over the threshold changes sign.
                let (d0, d1, h0, h1) = (diff[i - 1], diff[i], thr[i - 1], thr[i]);
                let slope = if h0 == h1 {
                    d1 - d0
                } else {
                    (d1 - h1) - (d0 - h0)
                };
                times[i - 1] + (h0 - d0) / slope * (t - times[i - 1])
            };
            // The earliest sensor wins; ties to the earlier sensor.
            if out.separation.is_none_or(|best| t < best) {
                out.separation = Some(t);
                out.crossing = Some(crossing);
                out.sensor = Some(s);
            }
        }
    }
    out.chi2 = chi2;
    let mut score = chi2;
    for (truth, rival) in [(a, b), (b, a)] {
        if d.hypotheses[rival].free.is_empty() {
            continue;
        }
        let r = refit(d, &preds[truth], p, truth, rival);
        score = nan_min(score, r.chi2);
        out.refits.push(r);
    }
    out.score = score;
    out
}

/// The threshold of the difference at each of `n` readings of sensor `s`:
/// z sqrt(2 sigma_eff^2 + var_a + var_b), the variances from the fitted parameters'
/// uncertainty; without them, the design's constant [`Design::threshold`].
fn thresholds(
    d: &Design,
    s: usize,
    n: usize,
    va: Option<&Vec<f64>>,
    vb: Option<&Vec<f64>>,
) -> Vec<f64> {
    if va.is_none() && vb.is_none() {
        return vec![d.threshold(s); n];
    }
    let sigma2 = d.sensors[s].sigma().powi(2);
    let at = |v: Option<&Vec<f64>>, i: usize| v.and_then(|v| v.get(i)).copied().unwrap_or(0.0);
    (0..n)
        .map(|i| d.z * (2.0 * sigma2 + at(va, i) + at(vb, i)).sqrt())
        .collect()
}

/// The variance of a fitted hypothesis's expected readings from its parameters' uncertainty,
/// by the delta method: var(t) = g(t)^T Sigma g(t), g the sensitivity of the reading to the
/// fitted coordinates z (ln x for a log parameter), by central differences with the fit's
/// step (1e-4 in z, times max(|x|, 1e-3 (upper - lower)) for a linear parameter; one-sided
/// at a bound). Returns the variance per sensor and reading, and the runs made.
fn variance(c: &super::Case) -> (Result<Vec<Vec<f64>>, String>, usize) {
    let mut frame = c.frame.clone();
    let n_free = frame.hypotheses[0].free.len();
    frame.hypotheses[0].free.extend(c.fitted.iter().cloned());
    let hyp = &frame.hypotheses[0];
    let model = Model::new(&frame, hyp);
    let theta: Vec<f64> = hyp.free.iter().map(|f| f.guess).collect();
    let z_of = |x: f64, log: bool| if log { x.ln() } else { x };
    let x_of = |z: f64, log: bool| if log { z.exp() } else { z };
    let mut g: Vec<Vec<Vec<f64>>> = Vec::with_capacity(c.fitted.len());
    for (j, f) in c.fitted.iter().enumerate() {
        let (lo, hi) = (z_of(f.lower, f.log), z_of(f.upper, f.log));
        let z = z_of(f.guess, f.log);
        let h = if f.log {
            1e-4
        } else {
            1e-4 * z.abs().max((hi - lo) * 1e-3)
        };
        let (zp, zm) = ((z + h).min(hi), (z - h).max(lo));
        let at = |zz: f64| {
            let mut t = theta.clone();
            t[n_free + j] = x_of(zz, f.log);
            model.predict(&t)
        };
        let (yp, ym) = match (at(zp), at(zm)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return (Err(e), model.runs.load(Ordering::Relaxed)),
        };
        g.push(
            yp.iter()
                .zip(&ym)
                .map(|(p, m)| p.iter().zip(m).map(|(a, b)| (a - b) / (zp - zm)).collect())
                .collect(),
        );
    }
    let runs = model.runs.load(Ordering::Relaxed);
    let Some(first) = g.first() else {
        return (Ok(Vec::new()), runs);
    };
    let var = first
        .iter()
        .enumerate()
        .map(|(s, r)| {
            (0..r.len())
                .map(|i| {
                    let mut v = 0.0;
                    for (j, gj) in g.iter().enumerate() {
                        for (k, gk) in g.iter().enumerate() {
                            v += gj[s][i] * c.covariance[j][k] * gk[s][i];
                        }
                    }
                    v.max(0.0)
                })
                .collect()
        })
        .collect();
    (Ok(var), runs)
}

/// `rival` refitted to `truth`'s expected readings under procedure `p`: the least chi^2
/// over the rival's free parameters (fit's Levenberg-Marquardt, its multi-start seeded by
/// the design's seed).
fn refit(d: &Design, truth_pred: &Prediction, p: usize, truth: usize, rival: usize) -> Refit {
    let mut frame = d.case(p, rival).frame.clone();
    for (r, v) in frame.readings.iter_mut().zip(&truth_pred.readings) {
        r.values = v.clone();
    }
    frame.seed = d.seed;
    frame.starts = d.starts;
    frame.profile = false;
    let opts = FitOptions::of(&frame);
    let f = fit_one(&frame, 0, &opts);
    Refit {
        truth,
        rival,
        chi2: if f.error.is_some() { f64::NAN } else { f.chi2 },
        theta: f.theta,
        runs: f.runs,
        error: f.error,
    }
}
