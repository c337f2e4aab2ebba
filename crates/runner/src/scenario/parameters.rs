//! Named parameters (`parameters: {"crack": "0.02 mm2"}`) and the values written as
//! expressions over them (`"0.6835 * crack"`, `"p_close - 1 mmHg"`); see
//! [`crate::units::expr`] for the grammar.

use super::*;

/// A quantity as written, in SI units of `dim`: a number (already SI), a quantity with a
/// unit, or an expression over `params`. The error says what is wrong and where in the text.
pub fn eval_quantity(
    q: &Q,
    dim: Dimension,
    params: &BTreeMap<String, expr::Value>,
) -> Result<f64, QuantityError> {
    match q {
        Q::Number(x) => Ok(*x),
        Q::Text(t) => match units::parse_quantity(t, dim) {
            Ok(x) => Ok(x),
            Err(_) if expr::looks_like_expression(t) => {
                let value = expr::parse(t)
                    .and_then(|e| e.eval(params))
                    .map_err(QuantityError::Expr)?;
                if value.dim != expr::Dim::of(dim) {
                    return Err(QuantityError::Expr(expr::ExprError {
                        at: 0..t.len(),
                        message: format!("'{t}' is {}", value.dim.describe()),
                        expected: Some(format!("{}, e.g. '{}'", dim.with_article(), dim.example())),
                        hint: None,
                    }));
                }
                Ok(value.si)
            }
            Err(e) => Err(QuantityError::Unit(e)),
        },
    }
}

/// Why [`eval_quantity`] failed.
#[derive(Debug, Clone, PartialEq)]
pub enum QuantityError {
    /// A plain quantity the unit parser refused.
    Unit(UnitError),
    /// An expression that does not parse, names an unknown parameter, or has the wrong
    /// dimension; `at` is a byte range of the text.
    Expr(expr::ExprError),
}

impl std::fmt::Display for QuantityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QuantityError::Unit(e) => e.fmt(f),
            QuantityError::Expr(e) => e.fmt(f),
        }
    }
}

impl Validator<'_> {
    /// Evaluate the named parameters, in dependency order, before any value that may use
    /// them; report bad names, duplicates, bad expressions and cycles.
    pub(super) fn parameters(&mut self, w: Option<&Spanned<NamedValues>>) {
        let Some(map) = w.and_then(|m| self.get(m, Some("parameters"))) else {
            return;
        };
        let mut defs: Vec<(&str, String, Span)> = Vec::new();
        for (name, value) in &map.0 {
            let Some(n) = self.get(name, Some("parameters")) else {
                continue;
            };
            let it = item("parameter", n);
            if !expr::is_identifier(n) {
                self.sink
                    .error(name.span, Some(&it), "is not a valid parameter name")
                    .expected("a name of letters, digits and '_' that starts with a letter or '_' (not a function name: sqrt, exp, ln, min, max, abs)");
                continue;
            }
            if defs.iter().any(|(d, _, _)| *d == n.as_str()) {
                self.sink
                    .error(name.span, Some(&it), "is declared twice")
                    .expected("each parameter once");
                continue;
            }
            let Some(q) = self.get_field(value, &it, "value") else {
                continue;
            };
            let text = match q {
                Q::Number(x) => format!("{x:e}"),
                Q::Text(t) => t.clone(),
            };
            defs.push((n, text, value.span));
        }
        let pairs: Vec<(&str, &str)> = defs.iter().map(|(n, t, _)| (*n, t.as_str())).collect();
        let (values, errors) = expr::eval_parameters(&pairs);
        self.failed_params = defs
            .iter()
            .map(|(n, _, _)| n.to_string())
            .filter(|n| !values.contains_key(n))
            .collect();
        for (i, e) in errors {
            let (name, text, span) = &defs[i];
            let at = span.inside_string(self.src, text, e.at.clone());
            self.sink
                .error(at, Some(&item("parameter", name)), e.message)
                .expected(e.expected.unwrap_or_default())
                .maybe_hint(e.hint);
        }
        self.params = values;
    }

    /// A value written as an expression, in SI units of `dim`; a located error when it does
    /// not parse, names an unknown parameter or has another dimension.
    pub(super) fn expression(
        &mut self,
        span: Span,
        text: &str,
        dim: Dimension,
        item: &str,
        field: &str,
    ) -> Option<f64> {
        // A value over a parameter that failed is not reported again.
        let over_failed = expr::parse(text).is_ok_and(|e| {
            e.names()
                .iter()
                .any(|(n, _)| self.failed_params.iter().any(|f| f == n))
        });
        if over_failed {
            return None;
        }
        match eval_quantity(&Q::Text(text.to_string()), dim, &self.params) {
            Ok(x) => Some(x),
            Err(QuantityError::Expr(e)) => {
                let at = span.inside_string(self.src, text, e.at.clone());
                let b = self
                    .sink
                    .error(at, Some(item), format!("{field}: {}", e.message));
                let b = match e.expected {
                    Some(x) => b.expected(x),
                    None => b,
                };
                b.maybe_hint(e.hint);
                None
            }
            Err(QuantityError::Unit(e)) => {
                self.unit_error(span, item, field, &e);
                None
            }
        }
    }
}
