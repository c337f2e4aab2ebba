//! Fitted hypotheses: a design hypothesis taken from a fit result (`fit: "fit.json"`), its
//! variant, its best values and the covariance of its fitted coordinates
//! ([`crate::fit::handoff`]), checked to be Plenum's and of the design's base scenario.

use std::path::Path;

use serde_json::Value;

use crate::fit::handoff::{FORMAT, FORMAT_VERSION};
use crate::scenario::Loaded;

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedParam {
    pub path: String,
    /// Best value (SI).
    pub value: f64,
    pub si_unit: String,
    /// Fitted in ln x (else in x).
    pub log: bool,
    /// The fit's bounds (SI), which set its difference step.
    pub lower: f64,
    pub upper: f64,
}

/// A hypothesis as a fit left it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The fit result as the design file names it.
    pub file: String,
    /// The hypothesis's name in the fit.
    pub hypothesis: String,
    pub variant: Option<String>,
    pub params: Vec<FittedParam>,
    /// Covariance of the fitted coordinates (ln x for a log parameter).
    pub covariance: Vec<Vec<f64>>,
}

const EXPECTED: &str = "expected the fit.json that `plenum fit` writes";

/// Read hypothesis `hypothesis` of the fit result at `path` (named `file` in the design), and
/// check that it was fitted on `base`. The message says what is wrong and what was expected.
pub fn read_fitted(
    path: &Path,
    file: &str,
    hypothesis: &str,
    base: &Loaded,
) -> Result<Fitted, String> {
    let bytes = std::fs::read(path).map_err(|e| {
        format!("cannot read fit result '{file}': {e}; {EXPECTED} (run `plenum fit` first)")
    })?;
    let json: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("fit result '{file}' is not JSON ({e}); {EXPECTED}"))?;
    if json.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(format!(
            "'{file}' is not a Plenum fit result (it has no \"format\": \"{FORMAT}\"); {EXPECTED} (a fit.json of an earlier Plenum: run `plenum fit` again)"
        ));
    }
    match json.get("format_version").and_then(Value::as_u64) {
        Some(v) if v <= FORMAT_VERSION => {}
        v => {
            return Err(format!(
                "'{file}' has format_version {}; expected {FORMAT_VERSION} or earlier",
                v.map_or("(none)".to_string(), |v| v.to_string())
            ))
        }
    }
    let prov = &json["provenance"];
    let theirs = prov["scenario_file"].as_str().unwrap_or("(unnamed)");
    let same = match prov["scenario_sha256"].as_str() {
        Some(h) => h == base.sha256,
        None => {
            let canon = |p: &str| std::fs::canonicalize(p).ok();
            canon(theirs).is_some() && canon(theirs) == canon(&base.file)
        }
    };
    if !same {
        return Err(format!(
            "'{file}' is a fit of scenario '{theirs}', not of this design's scenario '{}' (their contents differ); expected a fit of the design's base scenario",
            base.file
        ));
    }
    let list = json["hypotheses"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let Some(h) = list.iter().find(|h| h["name"].as_str() == Some(hypothesis)) else {
        let names: Vec<&str> = list.iter().filter_map(|h| h["name"].as_str()).collect();
        return Err(format!(
            "'{file}' has no hypothesis '{hypothesis}'; expected one of: {}",
            if names.is_empty() {
                "(it has none)".to_string()
            } else {
                names.join(", ")
            }
        ));
    };
    if let Some(e) = h["error"].as_str() {
        return Err(format!(
            "hypothesis '{hypothesis}' of '{file}' was not fitted ({e}); expected a fitted hypothesis"
        ));
    }
    let malformed = |what: &str| {
        format!("hypothesis '{hypothesis}' of '{file}': {what} is missing or malformed; {EXPECTED}")
    };
    let mut params = Vec::new();
    for p in h["parameters"]
        .as_array()
        .ok_or_else(|| malformed("parameters"))?
    {
        let f = |k: &str| {
            p[k].as_f64()
                .ok_or_else(|| malformed(&format!("parameter {k}")))
        };
        let log = match p["coordinate"].as_str() {
            Some("ln") => true,
            Some("linear") => false,
            _ => return Err(malformed("a parameter's coordinate (\"ln\" or \"linear\")")),
        };
        params.push(FittedParam {
            path: p["path"]
                .as_str()
                .ok_or_else(|| malformed("parameter path"))?
                .to_string(),
            value: f("value")?,
            si_unit: p["si_unit"].as_str().unwrap_or("").to_string(),
            log,
            lower: f("lower")?,
            upper: f("upper")?,
        });
    }
    let n = params.len();
    let rows = h["covariance"]
        .as_array()
        .ok_or_else(|| malformed("covariance"))?;
    let mut covariance = Vec::with_capacity(n);
    for row in rows {
        let r: Option<Vec<f64>> = row
            .as_array()
            .map(|r| r.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
            .unwrap_or_default();
        match r {
            Some(r) if r.len() == n => covariance.push(r),
            _ => {
                return Err(format!(
                    "hypothesis '{hypothesis}' of '{file}': its covariance is not known (the fit could not invert its information matrix); expected a hypothesis whose parameters the readings determine"
                ))
            }
        }
    }
    if covariance.len() != n {
        return Err(malformed("covariance"));
    }
    Ok(Fitted {
        file: file.to_string(),
        hypothesis: hypothesis.to_string(),
        variant: h["variant"].as_str().map(str::to_string),
        params,
        covariance,
    })
}
