//! Expressions over named parameters, with units: `"0.6835 * crack"`, `"p_close - 1 mmHg"`,
//! `"2 * (a + b) / 3"`, `"sqrt(area)"`.
//!
//! Grammar (a recursive-descent parser, lowest precedence first):
//!
//! ```text
//! sum     = product (("+" | "-") product)*
//! product = unary (("*" | "/") unary)*
//! unary   = ("-" | "+") unary | atom
//! atom    = NUMBER [UNIT] | NAME | NAME "(" sum ("," sum)* ")" | "(" sum ")"
//! ```
//!
//! A unit binds to the number before it and is read by [`crate::units`]: the longest text
//! after the number (up to the next `+`, `-`, `*`, `,` or unmatched `)`) that is a known unit
//! of any dimension, so `"1 mmHg/day"` is one pressure rate and `"2 mm2 / 3"` is two thirds
//! of 2 mm2. Temperatures are absolute: `"20 degC"` is 293.15 K.
//!
//! Every value carries its dimension as exponents of mass, length, time and temperature
//! ([`Dim`]), so `p + area` is refused and `k * dp` has the dimension of a mass flow when
//! `k` is a conductance. Functions: `sqrt` (halves the exponents, which must be even),
//! `exp` and `ln` (of a dimensionless number), `min` and `max` (of values of one dimension),
//! `abs`.
//!
//! Errors carry the byte range of the offending part of the text, so a caller can point at
//! the column inside the string.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use super::{unit_factor, Dimension};
use crate::suggest::did_you_mean;

/// A physical dimension as exponents of kg, m, s and K.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dim(pub [i8; 4]);

impl Dim {
    pub const NONE: Dim = Dim([0; 4]);

    /// The exponents of a named dimension.
    pub fn of(d: Dimension) -> Dim {
        Dim(match d {
            Dimension::Pressure => [1, -1, -2, 0],
            Dimension::PressureRate => [1, -1, -3, 0],
            Dimension::Volume => [0, 3, 0, 0],
            Dimension::VolumetricFlow => [0, 3, -1, 0],
            Dimension::Area => [0, 2, 0, 0],
            Dimension::Length => [0, 1, 0, 0],
            Dimension::Temperature => [0, 0, 0, 1],
            Dimension::Time => [0, 0, 1, 0],
            Dimension::Mass => [1, 0, 0, 0],
            Dimension::MassFlow => [1, 0, -1, 0],
            Dimension::Density => [1, -3, 0, 0],
            Dimension::Viscosity => [1, -1, -1, 0],
            // kg/(s Pa) = m s
            Dimension::Conductance => [0, 1, 1, 0],
            Dimension::HeatTransfer => [1, 2, -3, -1],
            Dimension::Power => [1, 2, -3, 0],
            Dimension::Energy => [1, 2, -2, 0],
            Dimension::Frequency => [0, 0, -1, 0],
            Dimension::Dimensionless => [0, 0, 0, 0],
            // kg/(s Pa2) = m2 s3 / kg
            Dimension::ViscousConductance => [-1, 2, 3, 0],
        })
    }

    /// The named dimension with these exponents, if there is one.
    pub fn named(self) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|&d| Dim::of(d) == self)
    }

    fn combine(self, other: Dim, sign: i8) -> Dim {
        let mut e = self.0;
        for (a, b) in e.iter_mut().zip(other.0) {
            *a = a.saturating_add(sign.saturating_mul(b));
        }
        Dim(e)
    }

    /// The dimension with an article, for messages: `"an area"`, or the SI exponents when
    /// the dimension has no name (`"a quantity in kg m-1"`).
    pub fn describe(self) -> String {
        if let Some(d) = self.named() {
            return d.with_article();
        }
        let parts: Vec<String> = ["kg", "m", "s", "K"]
            .iter()
            .zip(self.0)
            .filter(|(_, e)| *e != 0)
            .map(|(u, e)| {
                if e == 1 {
                    u.to_string()
                } else {
                    format!("{u}{e}")
                }
            })
            .collect();
        format!("a quantity in {}", parts.join(" "))
    }
}

/// A value in SI units with its dimension.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    pub si: f64,
    pub dim: Dim,
}

/// Why an expression could not be read or evaluated, and where (a byte range of its text).
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    pub at: Range<usize>,
    pub message: String,
    pub expected: Option<String>,
    pub hint: Option<String>,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(e) = &self.expected {
            write!(f, "; expected {e}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

fn error(at: Range<usize>, message: impl Into<String>) -> ExprError {
    ExprError {
        at,
        message: message.into(),
        expected: None,
        hint: None,
    }
}

impl ExprError {
    fn expected(mut self, e: impl Into<String>) -> Self {
        self.expected = Some(e.into());
        self
    }

    fn hint(mut self, h: Option<String>) -> Self {
        self.hint = h;
        self
    }
}

/// A function an expression may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Sqrt,
    Exp,
    Ln,
    Min,
    Max,
    Abs,
}

const FUNCS: [(&str, Func); 6] = [
    ("sqrt", Func::Sqrt),
    ("exp", Func::Exp),
    ("ln", Func::Ln),
    ("min", Func::Min),
    ("max", Func::Max),
    ("abs", Func::Abs),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// A parsed expression; `span` is its byte range in the text it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub node: Node,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A number with its unit already converted to SI.
    Literal(Value),
    Name(String),
    Neg(Box<Expr>),
    Binary(Op, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

impl Expr {
    /// True when the expression is a number with an optional unit and sign, nothing more.
    pub fn is_literal(&self) -> bool {
        match &self.node {
            Node::Literal(_) => true,
            Node::Neg(e) => e.is_literal(),
            _ => false,
        }
    }

    /// The names the expression refers to, with their places, in order of appearance.
    pub fn names(&self) -> Vec<(&str, Range<usize>)> {
        let mut out = Vec::new();
        self.collect_names(&mut out);
        out
    }

    fn collect_names<'a>(&'a self, out: &mut Vec<(&'a str, Range<usize>)>) {
        match &self.node {
            Node::Literal(_) => {}
            Node::Name(n) => out.push((n, self.span.clone())),
            Node::Neg(e) => e.collect_names(out),
            Node::Binary(_, a, b) => {
                a.collect_names(out);
                b.collect_names(out);
            }
            Node::Call(_, args) => args.iter().for_each(|a| a.collect_names(out)),
        }
    }

    /// The value, with names looked up in `params`. Unknown names are errors with the
    /// closest known name as a hint.
    pub fn eval(&self, params: &BTreeMap<String, Value>) -> Result<Value, ExprError> {
        let at = self.span.clone();
        let v = match &self.node {
            Node::Literal(v) => *v,
            Node::Name(n) => match params.get(n) {
                Some(v) => *v,
                None => {
                    let hint = did_you_mean(n, params.keys().map(String::as_str))
                        .map(|s| format!("did you mean '{s}'?"));
                    let known = if params.is_empty() {
                        "a number with a unit (this file declares no parameters)".to_string()
                    } else {
                        let names: Vec<&str> = params.keys().map(String::as_str).collect();
                        format!("one of the parameters: {}", names.join(", "))
                    };
                    return Err(error(at, format!("unknown parameter '{n}'"))
                        .expected(known)
                        .hint(hint));
                }
            },
            Node::Neg(e) => {
                let v = e.eval(params)?;
                Value { si: -v.si, ..v }
            }
            Node::Binary(op, a, b) => binary(*op, a.eval(params)?, b.eval(params)?, a, b)?,
            Node::Call(f, args) => {
                let vals = args
                    .iter()
                    .map(|a| a.eval(params))
                    .collect::<Result<Vec<_>, _>>()?;
                call(*f, &vals, args, at.clone())?
            }
        };
        if !v.si.is_finite() {
            return Err(error(at, "is not a finite number")
                .expected("a finite value (check divisions by zero and exp of large numbers)"));
        }
        Ok(v)
    }
}

fn binary(op: Op, x: Value, y: Value, a: &Expr, b: &Expr) -> Result<Value, ExprError> {
    Ok(match op {
        Op::Add | Op::Sub => {
            if x.dim != y.dim {
                let word = if op == Op::Add { "adds" } else { "subtracts" };
                return Err(error(
                    a.span.start..b.span.end,
                    format!("{word} {} and {}", x.dim.describe(), y.dim.describe()),
                )
                .expected("values of one dimension on both sides of + and -"));
            }
            let si = if op == Op::Add {
                x.si + y.si
            } else {
                x.si - y.si
            };
            Value { si, dim: x.dim }
        }
        Op::Mul => Value {
            si: x.si * y.si,
            dim: x.dim.combine(y.dim, 1),
        },
        Op::Div => {
            if y.si == 0.0 {
                return Err(error(b.span.clone(), "divides by zero").expected("a nonzero divisor"));
            }
            Value {
                si: x.si / y.si,
                dim: x.dim.combine(y.dim, -1),
            }
        }
    })
}

fn call(f: Func, vals: &[Value], args: &[Expr], at: Range<usize>) -> Result<Value, ExprError> {
    let name = FUNCS.iter().find(|(_, g)| *g == f).map_or("", |(n, _)| n);
    let (min_args, max_args) = match f {
        Func::Min | Func::Max => (2, usize::MAX),
        _ => (1, 1),
    };
    if vals.len() < min_args || vals.len() > max_args {
        let want = if max_args == 1 {
            "one argument".to_string()
        } else {
            "two or more arguments".to_string()
        };
        return Err(error(
            at,
            format!("{name}() takes {want}, got {}", vals.len()),
        ));
    }
    let first = vals[0];
    let dimensionless = |v: Value, e: &Expr| {
        if v.dim == Dim::NONE {
            Ok(v.si)
        } else {
            Err(
                error(e.span.clone(), format!("{name}() of {}", v.dim.describe()))
                    .expected("a dimensionless number"),
            )
        }
    };
    Ok(match f {
        Func::Sqrt => {
            if first.dim.0.iter().any(|e| e % 2 != 0) {
                return Err(error(
                    args[0].span.clone(),
                    format!("sqrt() of {}", first.dim.describe()),
                )
                .expected("a quantity whose square root has a dimension (an area, a number)"));
            }
            if first.si < 0.0 {
                return Err(error(args[0].span.clone(), "sqrt() of a negative value")
                    .expected("a value >= 0"));
            }
            let mut e = first.dim.0;
            e.iter_mut().for_each(|x| *x /= 2);
            Value {
                si: first.si.sqrt(),
                dim: Dim(e),
            }
        }
        Func::Exp => Value {
            si: dimensionless(first, &args[0])?.exp(),
            dim: Dim::NONE,
        },
        Func::Ln => {
            let x = dimensionless(first, &args[0])?;
            if x <= 0.0 {
                return Err(error(args[0].span.clone(), "ln() of a value <= 0")
                    .expected("a positive number"));
            }
            Value {
                si: x.ln(),
                dim: Dim::NONE,
            }
        }
        Func::Abs => Value {
            si: first.si.abs(),
            ..first
        },
        Func::Min | Func::Max => {
            let mut best = first;
            for (v, e) in vals.iter().zip(args).skip(1) {
                if v.dim != first.dim {
                    return Err(error(
                        e.span.clone(),
                        format!(
                            "{name}() mixes {} and {}",
                            first.dim.describe(),
                            v.dim.describe()
                        ),
                    )
                    .expected("arguments of one dimension"));
                }
                let better = if f == Func::Min {
                    v.si < best.si
                } else {
                    v.si > best.si
                };
                if better {
                    best = *v;
                }
            }
            best
        }
    })
}

/// Parse `text` as an expression.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
        operators: 0,
    };
    let e = p.sum()?;
    p.skip_ws();
    if p.pos < text.len() {
        let rest = p.pos..text.len();
        let what = &text[rest.clone()];
        let hint = if what.starts_with(')') {
            Some("a ')' without its '('".to_string())
        } else {
            None
        };
        return Err(error(rest, format!("unexpected '{what}'"))
            .expected("an operator (+ - * /) or the end of the expression")
            .hint(hint));
    }
    Ok(e)
}

/// Whether `text` is meant as an expression rather than a plain quantity (`"760 mmHg"`):
/// it refers to a name, calls a function, or combines values with an operator. A plain
/// quantity that fails to read (`"5 kgg"`, `"five mmHg"`, `"inf"`) keeps the unit parser's
/// own message.
pub fn looks_like_expression(text: &str) -> bool {
    match parse(text) {
        Ok(e) => match &e.node {
            Node::Name(n) => !["nan", "inf", "infinity"].contains(&n.to_ascii_lowercase().as_str()),
            _ => !e.is_literal(),
        },
        Err(_) => text.contains(['*', '+']) || starts_with_name(text),
    }
}

/// A word alone, or a word followed by an operator: `crak`, `crak * 2`, `sqrt(a`.
fn starts_with_name(text: &str) -> bool {
    let t = text.trim();
    if !t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return false;
    }
    let word_end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    let rest = t[word_end..].trim_start();
    rest.is_empty() || rest.starts_with(['+', '-', '*', '/', '('])
}

/// True for a valid parameter name: an ASCII letter or `_`, then letters, digits or `_`,
/// and not the name of a function.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !FUNCS.iter().any(|(f, _)| *f == name)
}

/// Deepest nesting of parentheses, calls and signs an expression may have, and most
/// operators: the parser and the evaluator recurse, and hostile text must not exhaust the
/// stack (real expressions have a handful of each).
pub const MAX_NESTING: usize = 64;
pub const MAX_OPERATORS: usize = 1000;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
    operators: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.rest().chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn sum(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.product()?;
        loop {
            let op = match self.peek() {
                Some('+') => Op::Add,
                Some('-' | '\u{2212}') => Op::Sub,
                _ => return Ok(lhs),
            };
            self.pos += self.rest().chars().next().map_or(1, char::len_utf8);
            let rhs = self.product()?;
            lhs = joined(op, lhs, rhs);
        }
    }

    fn product(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek() {
                Some('*' | '×' | '·') => Op::Mul,
                Some('/') => Op::Div,
                _ => return Ok(lhs),
            };
            self.pos += self.rest().chars().next().map_or(1, char::len_utf8);
            let rhs = self.unary()?;
            lhs = joined(op, lhs, rhs);
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        let start = {
            self.skip_ws();
            self.pos
        };
        self.depth += 1;
        self.operators += 1;
        if self.depth > MAX_NESTING || self.operators > MAX_OPERATORS {
            let at = start..self.text.len();
            return Err(
                error(at, "the expression is too deeply nested or too long").expected(format!(
                    "at most {MAX_NESTING} levels of parentheses and {MAX_OPERATORS} operators"
                )),
            );
        }
        let e = self.unary_inner(start);
        self.depth -= 1;
        e
    }

    fn unary_inner(&mut self, start: usize) -> Result<Expr, ExprError> {
        match self.peek() {
            Some('-' | '\u{2212}') => {
                self.pos += self.rest().chars().next().map_or(1, char::len_utf8);
                let e = self.unary()?;
                Ok(Expr {
                    span: start..e.span.end,
                    node: Node::Neg(Box::new(e)),
                })
            }
            Some('+') => {
                self.pos += 1;
                self.unary()
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Result<Expr, ExprError> {
        self.skip_ws();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(error(start..start, "the expression ends too early")
                .expected("a number with a unit, a parameter name or '('"));
        };
        if c == '(' {
            self.pos += 1;
            let inner = self.sum()?;
            if !self.eat(')') {
                let at = self.pos..self.pos;
                return Err(error(at, "missing ')'")
                    .expected(format!("')' to close the '(' at column {}", start + 1)));
            }
            return Ok(Expr {
                node: inner.node,
                span: start..self.pos,
            });
        }
        if c.is_ascii_digit() || c == '.' {
            return self.literal(start);
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let end = start
                + self
                    .rest()
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(self.rest().len());
            let name = &self.text[start..end];
            self.pos = end;
            if self.peek() == Some('(') {
                let Some(f) = FUNCS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f) else {
                    let hint = did_you_mean(name, FUNCS.iter().map(|(n, _)| *n))
                        .map(|s| format!("did you mean '{s}'?"));
                    return Err(error(start..end, format!("unknown function '{name}'"))
                        .expected("one of sqrt, exp, ln, min, max, abs")
                        .hint(hint));
                };
                self.pos += 1;
                let mut args = vec![self.sum()?];
                while self.eat(',') {
                    args.push(self.sum()?);
                }
                if !self.eat(')') {
                    let at = self.pos..self.pos;
                    return Err(error(at, "missing ')'")
                        .expected(format!("',' or ')' to close the call of {name}()")));
                }
                return Ok(Expr {
                    node: Node::Call(f, args),
                    span: start..self.pos,
                });
            }
            return Ok(Expr {
                node: Node::Name(name.to_string()),
                span: start..end,
            });
        }
        let end = start + c.len_utf8();
        Err(error(start..end, format!("unexpected '{c}'"))
            .expected("a number with a unit, a parameter name or '('"))
    }

    /// A number and the unit after it, if any.
    fn literal(&mut self, start: usize) -> Result<Expr, ExprError> {
        let b = self.text.as_bytes();
        let mut i = start;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            let mut j = i + 1;
            if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                j += 1;
            }
            if j < b.len() && b[j].is_ascii_digit() {
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                i = j;
            }
        }
        let number = &self.text[start..i];
        let value: f64 = number.parse().map_err(|_| {
            error(start..i, format!("'{number}' is not a number"))
                .expected("a number such as 2, 0.5 or 1e-6")
        })?;
        self.pos = i;
        let Some((unit, unit_end)) = self.unit()? else {
            return Ok(Expr {
                node: Node::Literal(Value {
                    si: value,
                    dim: Dim::NONE,
                }),
                span: start..i,
            });
        };
        let (factor, dim) = unit;
        self.pos = unit_end;
        Ok(Expr {
            node: Node::Literal(Value {
                si: factor.to_si(value),
                dim: Dim::of(dim),
            }),
            span: start..unit_end,
        })
    }

    /// The unit at the current position: the longest known unit before the next operator.
    #[allow(clippy::type_complexity)]
    fn unit(&mut self) -> Result<Option<((super::UnitFactor, Dimension), usize)>, ExprError> {
        self.skip_ws();
        let start = self.pos;
        let rest = self.rest();
        let starts_unit = rest
            .starts_with(|c: char| c.is_alphabetic() || matches!(c, '%' | '°' | 'º' | 'µ' | 'μ'))
            || rest.starts_with("1/");
        if !starts_unit {
            return Ok(None);
        }
        // The candidate: up to an operator outside parentheses.
        let mut depth = 0i32;
        let mut end = rest.len();
        for (k, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' if depth == 0 => {
                    end = k;
                    break;
                }
                ')' => depth -= 1,
                '+' | '-' | '*' | ',' | '\u{2212}' | '×' if depth == 0 => {
                    end = k;
                    break;
                }
                _ => {}
            }
        }
        let candidate = &rest[..end];
        // Break points: before each space or '/', longest first.
        let mut cuts: Vec<usize> = candidate
            .char_indices()
            .filter(|&(k, c)| k > 0 && (c == ' ' || c == '/'))
            .map(|(k, _)| k)
            .collect();
        cuts.push(candidate.len());
        for &cut in cuts.iter().rev() {
            let unit = candidate[..cut].trim_end();
            if unit.is_empty() {
                continue;
            }
            let found = Dimension::ALL
                .into_iter()
                .find_map(|d| unit_factor(unit, d).ok().map(|f| (f, d)));
            if let Some(found) = found {
                return Ok(Some((found, start + unit.len())));
            }
        }
        let word_end = candidate
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(candidate.len());
        let word = &candidate[..word_end];
        Err(
            error(start..start + word.len(), format!("unknown unit '{word}'"))
                .expected("a unit after the number (e.g. '5 mm2'), or an operator")
                .hint(Some(format!("to multiply by a parameter write '* {word}'"))),
        )
    }
}

fn joined(op: Op, lhs: Expr, rhs: Expr) -> Expr {
    Expr {
        span: lhs.span.start..rhs.span.end,
        node: Node::Binary(op, Box::new(lhs), Box::new(rhs)),
    }
}

/// Parameters evaluated in dependency order. `defs` are (name, text) pairs; each text may
/// refer to the other parameters. Returns the values, and one error per parameter that
/// failed, with its index in `defs`. Each parameter on a cycle gets an error that names the
/// whole cycle; one that only depends on a failed parameter gets none (the cause is reported).
pub fn eval_parameters(
    defs: &[(&str, &str)],
) -> (BTreeMap<String, Value>, Vec<(usize, ExprError)>) {
    let index: BTreeMap<&str, usize> = defs.iter().enumerate().map(|(i, (n, _))| (*n, i)).collect();
    let mut errors: Vec<(usize, ExprError)> = Vec::new();
    let mut parsed: Vec<Option<Expr>> = Vec::with_capacity(defs.len());
    for (i, (_, text)) in defs.iter().enumerate() {
        match parse(text) {
            Ok(e) => parsed.push(Some(e)),
            Err(e) => {
                errors.push((i, e));
                parsed.push(None);
            }
        }
    }
    // deps[i]: the parameters i refers to, with the place of the first reference.
    let deps: Vec<Vec<(usize, Range<usize>)>> = parsed
        .iter()
        .map(|e| {
            let mut out: Vec<(usize, Range<usize>)> = Vec::new();
            for (n, at) in e.iter().flat_map(|e| e.names()) {
                if let Some(&j) = index.get(n) {
                    if !out.iter().any(|(k, _)| *k == j) {
                        out.push((j, at));
                    }
                }
            }
            out
        })
        .collect();
    // Kahn's algorithm: evaluate each parameter once all it refers to are evaluated.
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); defs.len()];
    for (i, d) in deps.iter().enumerate() {
        for (j, _) in d {
            users[*j].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..defs.len()).rev().filter(|&i| waiting[i] == 0).collect();
    let mut done = vec![false; defs.len()];
    let mut values = BTreeMap::new();
    while let Some(i) = ready.pop() {
        done[i] = true;
        let ok = deps[i].iter().all(|(j, _)| values.contains_key(defs[*j].0));
        if let (Some(e), true) = (&parsed[i], ok) {
            match e.eval(&values) {
                Ok(v) => {
                    values.insert(defs[i].0.to_string(), v);
                }
                Err(err) => errors.push((i, err)),
            }
        }
        for &u in &users[i] {
            waiting[u] -= 1;
            if waiting[u] == 0 {
                ready.push(u);
            }
        }
    }
    // What is left is on a cycle or depends on one: walk from each to find its cycle.
    let mut reported = vec![false; defs.len()];
    for start in 0..defs.len() {
        if done[start] || reported[start] {
            continue;
        }
        let mut path = vec![start];
        let cycle_from = loop {
            let Some(&last) = path.last() else { break None };
            let Some(&(next, _)) = deps[last].iter().find(|(j, _)| !done[*j]) else {
                break None;
            };
            if let Some(p) = path.iter().position(|&k| k == next) {
                break Some(p);
            }
            path.push(next);
        };
        let Some(from) = cycle_from else { continue };
        let cycle = &path[from..];
        let mut names: Vec<&str> = cycle.iter().map(|&k| defs[k].0).collect();
        names.push(defs[cycle[0]].0);
        let message = format!(
            "parameters refer to each other in a cycle: {}",
            names.join(" -> ")
        );
        for (pos, &k) in cycle.iter().enumerate() {
            if reported[k] {
                continue;
            }
            reported[k] = true;
            let next = cycle[(pos + 1) % cycle.len()];
            let at = deps[k]
                .iter()
                .find(|(j, _)| *j == next)
                .map_or(0..defs[k].1.len(), |(_, at)| at.clone());
            errors.push((
                k,
                error(at, message.clone()).expected(
                    "parameters defined by numbers, or by other parameters without a cycle",
                ),
            ));
        }
    }
    errors.sort_by_key(|(i, _)| *i);
    (values, errors)
}

#[cfg(test)]
#[path = "expr_tests.rs"]
mod tests;
