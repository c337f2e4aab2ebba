use super::*;

fn params(list: &[(&str, &str)]) -> BTreeMap<String, Value> {
    let (values, errors) = eval_parameters(list);
    assert!(errors.is_empty(), "{errors:?}");
    values
}

fn eval(text: &str, p: &BTreeMap<String, Value>) -> Result<Value, ExprError> {
    parse(text)?.eval(p)
}

const MMHG: f64 = 133.322387415;

#[test]
fn issue11_literals_read_units_like_the_unit_parser() {
    let none = BTreeMap::new();
    let v = eval("760 mmHg", &none).expect("evaluates");
    assert!((v.si - 760.0 * MMHG).abs() < 1e-6);
    assert_eq!(v.dim, Dim::of(Dimension::Pressure));
    let v = eval("1 mmHg/day", &none).expect("evaluates");
    assert_eq!(v.dim, Dim::of(Dimension::PressureRate));
    assert!((v.si - MMHG / 86400.0).abs() < 1e-12);
    let v = eval("2 mm2 / 4", &none).expect("evaluates");
    assert!((v.si - 0.5e-6).abs() < 1e-18);
    assert_eq!(v.dim, Dim::of(Dimension::Area));
    let v = eval("1e-9 kg/(s Pa) * 2", &none).expect("evaluates");
    assert_eq!(v.dim, Dim::of(Dimension::Conductance));
    assert!((v.si - 2e-9).abs() < 1e-20);
    let v = eval("0.1 1/day", &none).expect("evaluates");
    assert_eq!(v.dim, Dim::of(Dimension::Frequency));
    let v = eval("20 degC", &none).expect("evaluates");
    assert!((v.si - 293.15).abs() < 1e-9);
}

#[test]
fn issue11_precedence_and_parentheses() {
    let p = params(&[("a", "1"), ("b", "2")]);
    assert_eq!(eval("2 * (a + b) / 3", &p).expect("evaluates").si, 2.0);
    assert_eq!(eval("1 + 2 * 3", &p).expect("evaluates").si, 7.0);
    assert_eq!(eval("-a - -b", &p).expect("evaluates").si, 1.0);
    assert_eq!(eval("8 / 4 / 2", &p).expect("evaluates").si, 1.0);
    assert_eq!(eval("10 - 4 - 3", &p).expect("evaluates").si, 3.0);
}

#[test]
fn issue11_parameters_link_quantities() {
    let p = params(&[
        ("seal", "0.6835 * crack"),
        ("crack", "0.02 mm2"),
        ("p_close", "700 mmHg"),
    ]);
    let seal = p["seal"];
    assert_eq!(seal.dim, Dim::of(Dimension::Area));
    assert!((seal.si - 0.6835 * 0.02e-6).abs() < 1e-18);
    let t = eval("p_close - 1 mmHg", &p).expect("evaluates");
    assert!((t.si - 699.0 * MMHG).abs() < 1e-6);
    assert_eq!(t.dim.named(), Some(Dimension::Pressure));
}

#[test]
fn issue11_functions() {
    let p = params(&[("area", "4 m2"), ("x", "2")]);
    let r = eval("sqrt(area)", &p).expect("evaluates");
    assert_eq!((r.si, r.dim.named()), (2.0, Some(Dimension::Length)));
    assert!((eval("exp(ln(x))", &p).expect("evaluates").si - 2.0).abs() < 1e-12);
    assert_eq!(
        eval("min(1 m2, area, 3 m2)", &p).expect("evaluates").si,
        1.0
    );
    assert_eq!(eval("max(1 m2, area)", &p).expect("evaluates").si, 4.0);
    assert_eq!(eval("abs(-x)", &p).expect("evaluates").si, 2.0);
    let e = eval("exp(area)", &p).expect_err("fails");
    assert!(e.message.contains("exp() of an area"), "{e}");
    assert_eq!(e.at, 4..8);
    let e = eval("sqrt(2 m3)", &p).expect_err("fails");
    assert!(e.message.contains("sqrt() of a volume"), "{e}");
    let e = eval("max(1 m2, 2 Pa)", &p).expect_err("fails");
    assert!(e.message.contains("mixes an area and a pressure"), "{e}");
    let e = parse("sqr(area)").expect_err("fails");
    assert_eq!(e.hint.as_deref(), Some("did you mean 'sqrt'?"));
}

#[test]
fn issue11_dimension_errors_point_at_the_operation() {
    let p = params(&[("crack", "0.02 mm2"), ("p", "700 mmHg")]);
    let text = "p + crack";
    let e = eval(text, &p).expect_err("fails");
    assert_eq!(e.message, "adds a pressure and an area");
    assert_eq!(&text[e.at.clone()], "p + crack");
    let text = "2 * (crack - 1 Pa)";
    let e = eval(text, &p).expect_err("fails");
    assert_eq!(&text[e.at.clone()], "crack - 1 Pa");
    let e = eval("crack * p", &p).expect("evaluates");
    assert_eq!(e.dim.describe(), "a quantity in kg m s-2");
}

#[test]
fn issue11_unknown_names_and_syntax_are_located() {
    let p = params(&[("crack", "0.02 mm2")]);
    let text = "0.5 * crak";
    let e = eval(text, &p).expect_err("fails");
    assert_eq!(e.message, "unknown parameter 'crak'");
    assert_eq!(e.at, 6..10);
    assert_eq!(e.hint.as_deref(), Some("did you mean 'crack'?"));
    let e = parse("2 * (crack + 1 mm2").expect_err("fails");
    assert_eq!(e.message, "missing ')'");
    let e = parse("2 crack").expect_err("fails");
    assert_eq!(e.message, "unknown unit 'crack'");
    assert_eq!(e.at, 2..7);
    let e = parse("2 * ").expect_err("fails");
    assert_eq!(e.message, "the expression ends too early");
    let e = parse("1 mm2 )").expect_err("fails");
    assert_eq!(e.at, 6..7);
    let e = eval("1 m2 / (crack - crack)", &p).expect_err("fails");
    assert_eq!(e.message, "divides by zero");
}

#[test]
fn issue11_cycles_are_named() {
    let (values, errors) = eval_parameters(&[
        ("a", "2 * b"),
        ("b", "c + 1"),
        ("c", "a"),
        ("d", "1 m"),
        ("e", "a * d"),
    ]);
    assert_eq!(values.len(), 1, "{values:?}");
    assert_eq!(errors.len(), 3, "{errors:?}");
    for (i, e) in &errors {
        assert!(*i < 3);
        assert_eq!(
            e.message,
            "parameters refer to each other in a cycle: a -> b -> c -> a"
        );
    }
    // Each error points at the reference that closes the cycle in that parameter.
    assert_eq!(errors[0].1.at, 4..5);
    let (_, errors) = eval_parameters(&[("x", "x + 1")]);
    assert_eq!(
        errors[0].1.message,
        "parameters refer to each other in a cycle: x -> x"
    );
}

#[test]
fn issue11_plain_quantities_are_not_expressions() {
    for plain in [
        "760 mmHg",
        "5 kgg",
        "five mmHg",
        "1 2 Pa",
        "inf",
        "nan Pa",
        "760 mm Hg",
    ] {
        assert!(!looks_like_expression(plain), "{plain}");
    }
    for expr in [
        "crack",
        "0.6835 * crack",
        "p - 1 mmHg",
        "crak * 2",
        "2 kgg + 1 kg",
        "sqrt(a)",
    ] {
        assert!(looks_like_expression(expr), "{expr}");
    }
    assert!(is_identifier("p_close") && !is_identifier("2x") && !is_identifier("sqrt"));
}

#[test]
fn issue11_an_si_value_written_with_its_si_unit_reads_back_exactly() {
    // Sweeps set a named parameter by writing its SI value with the SI unit.
    let none = BTreeMap::new();
    for d in Dimension::ALL {
        for x in [1.2345e-3, 7.0, -2.5e5, 1.0 / 3.0] {
            let text = format!("{x:e} {}", d.si_unit());
            let v = eval(text.trim_end(), &none).expect("reads");
            assert_eq!(v.si, x, "{text}");
            assert_eq!(v.dim, Dim::of(d), "{text}");
        }
    }
}

#[test]
fn issue11_hostile_nesting_is_refused_not_a_stack_overflow() {
    for text in [
        "(".repeat(100_000) + "1",
        "-".repeat(100_000) + "1",
        "1".to_string() + &" + 1".repeat(100_000),
        "sqrt(".repeat(10_000) + "1",
    ] {
        let e = parse(&text).expect_err("refused");
        assert!(e.message.contains("too deeply nested or too long"), "{e}");
    }
    assert!(parse(&("(".repeat(20) + "1" + &")".repeat(20))).is_ok());
}
