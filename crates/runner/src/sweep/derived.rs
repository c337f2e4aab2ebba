//! Derived metrics: `(name: "dt", of: Derived("t_1mmHg - t_close"))`, an expression over the
//! metrics declared before it (see [`crate::units::expr`]), dimension-checked when the sweep
//! is checked and computed per run from the other metrics' values.

use std::collections::BTreeMap;

use super::check_items::quantity_dimension;
use super::spec::si_unit_tag;
use super::*;
use crate::scenario::Spanned;
use crate::units::expr::{self, Dim, Expr};
use crate::units::Dimension;

/// A metric an expression reads: its index, the factor from its column to SI, its dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub name: String,
    pub index: usize,
    pub to_si: f64,
    pub dim: Dim,
}

/// The dimension of a metric's values, and the factor from its column to SI (a leak rate's
/// column is in kg/day).
pub(super) fn metric_dim(kind: &MetricKind) -> (Dim, f64) {
    match kind {
        MetricKind::Final(q) | MetricKind::At(q, _) | MetricKind::Min(q) | MetricKind::Max(q) => {
            (Dim::of(quantity_dimension(*q)), 1.0)
        }
        MetricKind::TimeTo(..) | MetricKind::FirstReversal(_) => (Dim::of(Dimension::Time), 1.0),
        MetricKind::LeakRate(..) => (Dim::of(Dimension::MassFlow), 1.0 / 86_400.0),
        MetricKind::MassLost(_) => (Dim::of(Dimension::Mass), 1.0),
        MetricKind::Reversals(_) | MetricKind::FlowDirection(_) => (Dim::NONE, 1.0),
        MetricKind::Derived { dim, .. } => (*dim, 1.0),
    }
}

/// The value of a derived metric from the values of a run (SI, in the column's unit);
/// `None` when a metric it reads has none (a threshold never crossed) or it is not finite.
pub(super) fn value(expr: &Expr, inputs: &[Input], values: &[Option<f64>]) -> Option<f64> {
    let mut vars = BTreeMap::new();
    for i in inputs {
        let v = (*values.get(i.index)?)?;
        vars.insert(
            i.name.clone(),
            expr::Value {
                si: v * i.to_si,
                dim: i.dim,
            },
        );
    }
    expr.eval(&vars).ok().map(|v| v.si)
}

impl Checker<'_> {
    /// A derived metric over the metrics before it; located errors inside the string.
    pub(super) fn derived(
        &mut self,
        name: &str,
        text: &Spanned<String>,
        before: &[Metric],
        declared: &std::collections::HashSet<String>,
        item: &str,
    ) -> Option<Metric> {
        let t = self.get(text, item)?;
        let located = |c: &mut Self, e: expr::ExprError| {
            let at = text.span.inside_string(c.sink.src(), t, e.at.clone());
            c.err(at, item, e.message, e.expected, e.hint);
        };
        let parsed = match expr::parse(t) {
            Ok(e) => e,
            Err(e) => {
                located(self, e);
                return None;
            }
        };
        // Each metric it reads, with a stand-in value of its dimension for the check.
        let mut inputs = Vec::new();
        let mut probe = BTreeMap::new();
        for m in before.iter().enumerate() {
            let (k, m) = m;
            if parsed.names().iter().any(|(n, _)| *n == m.name) {
                let (dim, to_si) = metric_dim(&m.kind);
                inputs.push(Input {
                    name: m.name.clone(),
                    index: k,
                    to_si,
                    dim,
                });
            }
            probe.insert(
                m.name.clone(),
                expr::Value {
                    si: 1.0,
                    dim: metric_dim(&m.kind).0,
                },
            );
        }
        let result = match parsed.eval(&probe) {
            Ok(v) => v,
            // A metric declared before but refused: its own problem is reported.
            Err(_)
                if parsed.names().iter().any(|(n, _)| {
                    *n != name && declared.contains(*n) && !probe.contains_key(*n)
                }) =>
            {
                return None;
            }
            Err(mut e) if e.message.starts_with("unknown parameter") => {
                e.message = e.message.replacen("unknown parameter", "unknown metric", 1);
                e.expected = Some(if before.is_empty() {
                    "a metric declared before this one (there is none)".into()
                } else {
                    let names: Vec<&str> = before.iter().map(|m| m.name.as_str()).collect();
                    format!(
                        "one of the metrics declared before it: {}",
                        names.join(", ")
                    )
                });
                located(self, e);
                return None;
            }
            // A division by zero of the stand-in values is not an error of the file.
            Err(e) if e.message == "divides by zero" || e.message.contains("finite") => {
                expr::Value {
                    si: 1.0,
                    dim: dim_of(&parsed, &probe).unwrap_or(Dim::NONE),
                }
            }
            Err(e) => {
                located(self, e);
                return None;
            }
        };
        let Some(dim) = result.dim.named() else {
            let e = expr::ExprError {
                at: 0..t.len(),
                message: format!("'{t}' is {}, which has no unit for its column", result.dim.describe()),
                expected: Some("an expression whose value is a time, a pressure, a mass, ... or a plain number".into()),
                hint: None,
            };
            located(self, e);
            return None;
        };
        Some(Metric {
            name: name.to_string(),
            kind: MetricKind::Derived {
                expr: parsed,
                inputs,
                dim: result.dim,
            },
            unit: si_unit_tag(dim),
        })
    }
}

/// The dimension of `e` when its value cannot be computed from stand-ins (a division by a
/// difference that is zero for them): evaluated with distinct stand-in values.
fn dim_of(e: &Expr, probe: &BTreeMap<String, expr::Value>) -> Option<Dim> {
    let shifted: BTreeMap<String, expr::Value> = probe
        .iter()
        .enumerate()
        .map(|(k, (n, v))| {
            (
                n.clone(),
                expr::Value {
                    si: 1.0 + 0.618_033_988 * (k as f64 + 1.0),
                    dim: v.dim,
                },
            )
        })
        .collect();
    e.eval(&shifted).ok().map(|v| v.dim)
}
