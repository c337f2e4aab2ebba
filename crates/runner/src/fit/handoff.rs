//! What `fit.json` hands on to `plenum design`: a format tag, and per hypothesis the fitted
//! coordinate and bounds of each parameter and the covariance of the fitted coordinates.
//!
//! The covariance is (J^T W J)^-1 in the fitted coordinates z (ln x for a log parameter, x
//! otherwise), the matrix the standard errors and correlations are read from
//! ([`super::stats::information`]): cov_ij = corr_ij s_i s_j with s_i = se_i / x_i for a log
//! parameter (its standard error is x se(ln x)) and s_i = se_i otherwise. The keys are added to
//! the fit's JSON; nothing already there changes.

use serde_json::{json, Value};

use super::solve::FitResult;
use super::Fit;
use crate::output::results::json_num as num;

/// The `format` of a fit's `fit.json`.
pub const FORMAT: &str = "plenum-fit";
/// The `format_version` of a fit's `fit.json`; a reader refuses a later one.
pub const FORMAT_VERSION: u64 = 1;

/// The name of the fitted coordinate of a parameter.
pub fn coordinate(log: bool) -> &'static str {
    if log {
        "ln"
    } else {
        "linear"
    }
}

/// Add the format tag and each hypothesis's coordinates, bounds and covariance to `out`
/// (the fit's JSON, as [`super::write::to_json`] builds it).
pub fn extend(out: &mut Value, fit: &Fit, result: &FitResult) {
    out["format"] = json!(FORMAT);
    out["format_version"] = json!(FORMAT_VERSION);
    let Some(list) = out["hypotheses"].as_array_mut() else {
        return;
    };
    for (hj, h) in list.iter_mut().zip(&result.hypotheses) {
        let free = fit
            .hypotheses
            .iter()
            .find(|x| x.name == h.name)
            .map(|x| x.free.as_slice())
            .unwrap_or_default();
        if let Some(params) = hj["parameters"].as_array_mut() {
            for (p, f) in params.iter_mut().zip(free) {
                p["coordinate"] = json!(coordinate(f.log));
                p["lower"] = num(f.lower);
                p["upper"] = num(f.upper);
            }
        }
        // The standard error of each fitted coordinate.
        let s: Vec<Option<f64>> = h
            .estimates
            .iter()
            .map(|e| {
                e.se.map(|se| if e.log { se / e.value } else { se })
                    .filter(|x| x.is_finite())
            })
            .collect();
        let cov: Vec<Value> = (0..s.len())
            .map(|i| {
                Value::Array(
                    (0..s.len())
                        .map(|j| {
                            let c = h.correlation.get(i).and_then(|r| r.get(j)).copied();
                            match (c.flatten(), s[i], s[j]) {
                                (Some(c), Some(a), Some(b)) => num(c * a * b),
                                _ => Value::Null,
                            }
                        })
                        .collect(),
                )
            })
            .collect();
        hj["covariance"] = Value::Array(cov);
    }
}
