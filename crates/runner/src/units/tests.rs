use super::Dimension::*;
use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
}

/// Every spelling in the unit tables, with a hand-checked SI value for the given number.
/// Ratio units are covered by a selection here plus `ratios_are_quotients`.
#[rustfmt::skip]
const TABLE: &[(&str, Dimension, f64)] = &[
    // Pressure, Pa
    ("1 Pa", Pressure, 1.0),
    ("2 pascal", Pressure, 2.0),
    ("3 pascals", Pressure, 3.0),
    ("1013.25 hPa", Pressure, 101_325.0),             // 1 atm in hPa
    ("101.325 kPa", Pressure, 101_325.0),
    ("0.101325 MPa", Pressure, 101_325.0),
    ("1 bar", Pressure, 100_000.0),
    ("2 bars", Pressure, 200_000.0),
    ("1013.25 mbar", Pressure, 101_325.0),
    ("1 millibar", Pressure, 100.0),
    ("1 atm", Pressure, 101_325.0),
    ("14.7 psi", Pressure, 101_352.932_209_574_9),    // 14.7 * 6894.757293168361 (a little over 1 atm = 14.696 psi)
    ("1 psia", Pressure, 6_894.757_293_168_361),
    ("760 mmHg", Pressure, 101_325.014_435_4),        // 760 * 133.322387415 (conventional mmHg is a hair over 1/760 atm)
    ("1 mm Hg", Pressure, 133.322_387_415),
    ("1 mm_Hg", Pressure, 133.322_387_415),
    ("760 torr", Pressure, 101_325.0),                // torr is exactly atm/760
    ("1 Torr", Pressure, 133.322_368_421_052_6),      // 101325/760
    // Volume, m3
    ("75 m3", Volume, 75.0),
    ("1 cubic metre", Volume, 1.0),
    ("1 cubic meter", Volume, 1.0),
    ("1 L", Volume, 1e-3),
    ("1 l", Volume, 1e-3),
    ("1 litre", Volume, 1e-3),
    ("1 liter", Volume, 1e-3),
    ("2 litres", Volume, 2e-3),
    ("2 liters", Volume, 2e-3),
    ("1 mL", Volume, 1e-6),
    ("1 ml", Volume, 1e-6),
    ("1 cm3", Volume, 1e-6),
    ("1 cc", Volume, 1e-6),
    ("1 ft3", Volume, 0.028_316_846_592),             // 0.3048^3
    ("1 cu ft", Volume, 0.028_316_846_592),
    ("1 cuft", Volume, 0.028_316_846_592),
    // Volumetric flow, m3/s
    ("1 cfm", VolumetricFlow, 4.719_474_432e-4),      // 0.028316846592 / 60
    ("1 m3/s", VolumetricFlow, 1.0),
    ("3.6 m3/h", VolumetricFlow, 1e-3),
    ("1 L/s", VolumetricFlow, 1e-3),
    ("60 L/min", VolumetricFlow, 1e-3),
    ("1 ft3/min", VolumetricFlow, 4.719_474_432e-4),
    ("86.4 L/day", VolumetricFlow, 1e-6),
    ("1 mL/s", VolumetricFlow, 1e-6),
    ("3.6 cm3/ms", VolumetricFlow, 3.6e-3),
    ("604.8 m3/week", VolumetricFlow, 1e-3),
    ("2629.8 m3/month", VolumetricFlow, 1e-3),
    ("31557.6 m3/year", VolumetricFlow, 1e-3),
    // Area, m2
    ("1e-6 m2", Area, 1e-6),
    ("1 sq m", Area, 1.0),
    ("1 cm2", Area, 1e-4),
    ("1 sq cm", Area, 1e-4),
    ("0.14 mm2", Area, 1.4e-7),
    ("1 sq mm", Area, 1e-6),
    ("1 in2", Area, 6.4516e-4),                       // 0.0254^2
    ("1 sq in", Area, 6.4516e-4),
    ("1 ft2", Area, 0.092_903_04),                    // 0.3048^2
    ("1 sq ft", Area, 0.092_903_04),
    // Length, m
    ("1 m", Length, 1.0),
    ("1 metre", Length, 1.0),
    ("1 meter", Length, 1.0),
    ("2 metres", Length, 2.0),
    ("2 meters", Length, 2.0),
    ("1.5 km", Length, 1500.0),
    ("1 cm", Length, 0.01),
    ("2 mm", Length, 0.002),
    ("30 um", Length, 3e-5),
    ("1 micron", Length, 1e-6),
    ("2 microns", Length, 2e-6),
    ("1 in", Length, 0.0254),
    ("1 inch", Length, 0.0254),
    ("2 inches", Length, 0.0508),
    ("1 ft", Length, 0.3048),
    ("1 foot", Length, 0.3048),
    ("2 feet", Length, 0.6096),
    // Temperature, K (absolute)
    ("293.15 K", Temperature, 293.15),
    ("300 kelvin", Temperature, 300.0),
    ("22 degC", Temperature, 295.15),
    ("22 C", Temperature, 295.15),
    ("0 celsius", Temperature, 273.15),
    ("-3 degF", Temperature, 253.705_555_555_555_55), // (-3 - 32) * 5/9 + 273.15 = -19.444... degC
    ("32 F", Temperature, 273.15),
    ("212 fahrenheit", Temperature, 373.15),
    // Time, s
    ("1 s", Time, 1.0),
    ("1 sec", Time, 1.0),
    ("2 secs", Time, 2.0),
    ("1 second", Time, 1.0),
    ("2 seconds", Time, 2.0),
    ("500 ms", Time, 0.5),
    ("1 min", Time, 60.0),
    ("2 mins", Time, 120.0),
    ("1 minute", Time, 60.0),
    ("2 minutes", Time, 120.0),
    ("1 h", Time, 3600.0),
    ("1 hr", Time, 3600.0),
    ("2 hrs", Time, 7200.0),
    ("1 hour", Time, 3600.0),
    ("2 hours", Time, 7200.0),
    ("30 day", Time, 2_592_000.0),
    ("1 d", Time, 86_400.0),
    ("2 days", Time, 172_800.0),
    ("1 week", Time, 604_800.0),
    ("1 wk", Time, 604_800.0),
    ("2 weeks", Time, 1_209_600.0),
    ("1 month", Time, 2_629_800.0),
    ("2 months", Time, 5_259_600.0),
    ("1 year", Time, 31_557_600.0),
    ("1 yr", Time, 31_557_600.0),
    ("2 yrs", Time, 63_115_200.0),
    ("2 years", Time, 63_115_200.0),
    // Mass, kg
    ("1 kg", Mass, 1.0),
    ("1 kilogram", Mass, 1.0),
    ("2 kilograms", Mass, 2.0),
    ("500 g", Mass, 0.5),
    ("1 gram", Mass, 1e-3),
    ("2 grams", Mass, 2e-3),
    ("1 lb", Mass, 0.453_592_37),
    ("2 lbs", Mass, 0.907_184_74),
    ("1 lbm", Mass, 0.453_592_37),
    ("1 pound", Mass, 0.453_592_37),
    ("2 pounds", Mass, 0.907_184_74),
    // Mass flow, kg/s
    ("1 kg/s", MassFlow, 1.0),
    ("3.6 kg/h", MassFlow, 1e-3),
    ("86.4 kg/day", MassFlow, 1e-3),
    ("1 g/s", MassFlow, 1e-3),
    ("3.7 lb/day", MassFlow, 1.942_467_325_231_481_5e-5), // 3.7 * 0.45359237 / 86400
    ("1 lb/h", MassFlow, 1.259_978_805_555_555_6e-4),  // 0.45359237 / 3600
    ("60 g/min", MassFlow, 1e-3),
    ("1000 g/ms", MassFlow, 1000.0),
    ("604.8 kg/week", MassFlow, 1e-3),
    ("2629.8 kg/month", MassFlow, 1e-3),
    ("31557.6 kg/year", MassFlow, 1e-3),
    ("1 kg/hr", MassFlow, 1.0 / 3600.0),
    ("1 lbs/d", MassFlow, 0.453_592_37 / 86_400.0),
    // Pressure rate, Pa/s
    ("1 Pa/s", PressureRate, 1.0),
    ("-0.5 mmHg/day", PressureRate, -7.715_415_938_368_056e-4), // -0.5 * 133.322387415 / 86400
    ("3.6 kPa/h", PressureRate, 1.0),
    ("8.64 hPa/day", PressureRate, 0.01),
    ("6 MPa/min", PressureRate, 100_000.0),
    ("1 bar/s", PressureRate, 100_000.0),
    ("1 mbar/s", PressureRate, 100.0),
    ("1 atm/s", PressureRate, 101_325.0),
    ("1 psi/s", PressureRate, 6_894.757_293_168_361),
    ("1 torr/s", PressureRate, 133.322_368_421_052_6),
    ("1 Pa/ms", PressureRate, 1000.0),
    ("1 Pa/week", PressureRate, 1.0 / 604_800.0),
    ("2629.8 Pa/month", PressureRate, 1e-3),
    ("31557.6 Pa/year", PressureRate, 1e-3),
    // Density, kg/m3
    ("1.2 kg/m3", Density, 1.2),
    ("1 g/L", Density, 1.0),
    ("1 g/cm3", Density, 1000.0),
    ("1 lb/ft3", Density, 16.018_463_373_960_14),     // 0.45359237 / 0.028316846592
    ("1 g/mL", Density, 1000.0),
    // Viscosity, Pa s
    ("1.8e-5 Pa s", Viscosity, 1.8e-5),
    ("1 Pa.s", Viscosity, 1.0),
    ("1 Pas", Viscosity, 1.0),
    ("1 kg/(m s)", Viscosity, 1.0),
    ("1 mPa s", Viscosity, 1e-3),
    ("1 mPa.s", Viscosity, 1e-3),
    ("18 uPa s", Viscosity, 1.8e-5),
    ("18 uPa.s", Viscosity, 1.8e-5),
    ("1 cP", Viscosity, 1e-3),
    ("1 centipoise", Viscosity, 1e-3),
    // Conductance, kg/(s Pa)
    ("1e-9 kg/(s Pa)", Conductance, 1e-9),
    ("1 kg/(Pa s)", Conductance, 1.0),
    ("1 kg/s/Pa", Conductance, 1.0),
    ("1 kg s-1 Pa-1", Conductance, 1.0),
    // Viscous conductance, kg/(s Pa2)
    ("2e-15 kg/(s Pa2)", ViscousConductance, 2e-15),
    ("1 kg/(Pa2 s)", ViscousConductance, 1.0),
    ("1 kg/s/Pa2", ViscousConductance, 1.0),
    ("1 kg s-1 Pa-2", ViscousConductance, 1.0),
    // Heat transfer, W/K
    ("50 W/K", HeatTransfer, 50.0),
    ("50 W/degC", HeatTransfer, 50.0),
    ("1 kW/K", HeatTransfer, 1000.0),
    ("1 kW/degC", HeatTransfer, 1000.0),
    // Power, W
    ("200 W", Power, 200.0),
    ("1 watt", Power, 1.0),
    ("2 watts", Power, 2.0),
    ("1 mW", Power, 1e-3),
    ("1 kW", Power, 1000.0),
    // Energy, J
    ("1 J", Energy, 1.0),
    ("1 joule", Energy, 1.0),
    ("2 joules", Energy, 2.0),
    ("1 kJ", Energy, 1e3),
    ("1 MJ", Energy, 1e6),
    ("1 Wh", Energy, 3600.0),
    ("1 kWh", Energy, 3.6e6),
    // Frequency / rate, 1/s
    ("2 Hz", Frequency, 2.0),
    ("1 1/s", Frequency, 1.0),
    ("36 1/h", Frequency, 0.01),
    ("86400 /day", Frequency, 1.0),
    ("8.64 %/day", Frequency, 1e-6),                  // 0.0864 per day
    ("3.6 ppm/h", Frequency, 1e-9),
    ("60 1/min", Frequency, 1.0),
    ("1 1/ms", Frequency, 1000.0),
    ("1 1/week", Frequency, 1.0 / 604_800.0),
    ("2629.8 1/month", Frequency, 1e-3),
    ("31557.6 1/year", Frequency, 1e-3),
    ("1 percent/s", Frequency, 0.01),
    // Dimensionless
    ("0.5", Dimensionless, 0.5),
    ("50 %", Dimensionless, 0.5),
    ("5 percent", Dimensionless, 0.05),
    ("400 ppm", Dimensionless, 4e-4),
];

/// Parses every `(text, dimension, SI value)` case and checks the value.
fn assert_parses(cases: &[(&str, Dimension, f64)]) {
    for &(text, dim, expected) in cases {
        match parse_quantity(text, dim) {
            Ok(si) => assert!(close(si, expected), "{text}: got {si}, expected {expected}"),
            Err(e) => panic!("{text}: {e}"),
        }
    }
}

#[test]
fn conversion_table() {
    assert_parses(TABLE);
}

/// The unit part of a table entry, normalised.
fn unit_of(text: &str) -> String {
    let i = text.find(' ').map_or(text.len(), |i| i + 1);
    normalize(&text[i..])
}

#[test]
fn table_covers_every_spelling() {
    for dim in Dimension::ALL {
        let covered: Vec<String> = TABLE
            .iter()
            .filter(|e| e.1 == dim)
            .map(|e| unit_of(e.0))
            .collect();
        // "1" alone reads as a second number ("2 1"); it exists as the numerator of "1/s".
        for def in table(dim).iter().filter(|u| u.symbol != "1") {
            for spelling in std::iter::once(def.symbol).chain(def.aliases.iter().copied()) {
                assert!(
                    covered.iter().any(|c| c == spelling),
                    "{dim}: '{spelling}' has no hand-checked entry"
                );
            }
        }
        if let Some((num_dim, den_dim)) = dim.ratio() {
            for def in table(num_dim) {
                assert!(
                    covered.iter().any(|c| c.split_once('/').is_some_and(
                        |(n, _)| n == def.symbol || (n.is_empty() && def.symbol == "1")
                    )),
                    "{dim}: numerator '{}' has no hand-checked entry",
                    def.symbol
                );
            }
            for def in table(den_dim) {
                assert!(
                    covered
                        .iter()
                        .any(|c| c.split_once('/').is_some_and(|(_, d)| d == def.symbol)),
                    "{dim}: denominator '{}' has no hand-checked entry",
                    def.symbol
                );
            }
        }
    }
}

/// Every spelling of every unit, including all ratio combinations.
fn all_spellings(dim: Dimension) -> Vec<String> {
    let simple = |d: Dimension| -> Vec<String> {
        table(d)
            .iter()
            .flat_map(|u| std::iter::once(u.symbol).chain(u.aliases.iter().copied()))
            .map(str::to_string)
            .collect()
    };
    let mut out = simple(dim);
    if let Some((n, d)) = dim.ratio() {
        for num in simple(n) {
            for den in simple(d) {
                out.push(format!("{num}/{den}"));
            }
        }
    }
    out
}

#[test]
fn ratios_are_quotients() {
    for dim in Dimension::ALL {
        let Some((n, d)) = dim.ratio() else { continue };
        for num in table(n) {
            for den in table(d) {
                let unit = format!("{}/{}", num.symbol, den.symbol);
                let f = unit_factor(&unit, dim);
                assert_eq!(
                    f,
                    Ok(UnitFactor {
                        scale: num.scale / den.scale,
                        offset: 0.0
                    }),
                    "{unit}"
                );
            }
        }
    }
}

#[test]
fn round_trip_every_spelling() {
    for dim in Dimension::ALL {
        for unit in all_spellings(dim) {
            for value in [-2.5, 0.0, 1.0, 37.25, 1.0e6] {
                let text = format!("{value} {unit}");
                let si = match parse_quantity(&text, dim) {
                    Ok(si) => si,
                    Err(UnitError::BelowAbsoluteZero { .. }) => continue,
                    Err(UnitError::ExtraText { .. }) if unit == "1" => continue,
                    Err(e) => panic!("{text}: {e}"),
                };
                let back = to_display(si, &unit, dim);
                assert!(
                    back.as_ref()
                        .is_ok_and(|b| (b - value).abs() <= 1e-9 * value.abs().max(1.0)),
                    "{text}: back {back:?}"
                );
            }
        }
        // The SI unit itself converts with factor 1.
        if dim != Dimensionless {
            assert_eq!(
                unit_factor(dim.si_unit(), dim),
                Ok(UnitFactor {
                    scale: 1.0,
                    offset: 0.0
                }),
                "{dim}"
            );
        }
        // Common units and the example parse.
        for unit in dim.common_units().iter().filter(|u| **u != "(none)") {
            assert!(unit_factor(unit, dim).is_ok(), "{dim}: {unit}");
        }
        assert!(parse_quantity(dim.example(), dim).is_ok(), "{dim}");
    }
}

#[test]
fn spellings_are_unambiguous_across_dimensions() {
    // A spelling must mean one dimension, or WrongDimension messages would lie.
    for a in Dimension::ALL {
        for unit in all_spellings(a) {
            for b in Dimension::ALL {
                if a != b {
                    assert!(
                        lookup(&normalize(&unit), b).is_none(),
                        "'{unit}' is both {a} and {b}"
                    );
                }
            }
        }
    }
}

#[test]
fn normalised_spellings() {
    let cases: &[(&str, Dimension, f64)] = &[
        ("75 m^3", Volume, 75.0),
        ("75 m³", Volume, 75.0),
        ("75m3", Volume, 75.0),
        ("2 mm²", Area, 2e-6),
        ("30 µm", Length, 3e-5),
        ("30 μm", Length, 3e-5), // Greek mu
        ("22 °C", Temperature, 295.15),
        ("22 ° C", Temperature, 295.15),
        ("22 deg C", Temperature, 295.15),
        ("1 kg / s", MassFlow, 1.0),
        ("1 kg/(s*Pa)", Conductance, 1.0),
        ("1 kg/(s·Pa)", Conductance, 1.0),
        ("1 kg s^-1 Pa^-1", Conductance, 1.0),
        ("1 Pa*s", Viscosity, 1.0),
        ("1 Pa·s", Viscosity, 1.0),
        ("1 µPa s", Viscosity, 1e-6),
        ("  1   atm  ", Pressure, 101_325.0),
        ("\u{2212}3 degF", Temperature, 253.705_555_555_555_55), // Unicode minus
        ("+5 kPa", Pressure, 5000.0),
        (".5 bar", Pressure, 50_000.0),
        ("5. bar", Pressure, 500_000.0),
        ("1E3 Pa", Pressure, 1000.0),
        ("1e+3 Pa", Pressure, 1000.0),
        ("0 Pa", Pressure, 0.0),
        ("-0 Pa", Pressure, 0.0),
        // Case-insensitive where unambiguous.
        ("1 pa", Pressure, 1.0),
        ("1 KPA", Pressure, 1000.0),
        ("1 kpa", Pressure, 1000.0),
        ("1 mmhg", Pressure, 133.322_387_415),
        ("1 MMHG", Pressure, 133.322_387_415),
        ("1 TORR", Pressure, 133.322_368_421_052_6),
        ("1 PSI", Pressure, 6_894.757_293_168_361),
        ("1 Hr", Time, 3600.0),
        ("1 Days", Time, 86_400.0),
        ("1 KG", Mass, 1.0),
        ("1 Lb/Day", MassFlow, 0.453_592_37 / 86_400.0),
        ("1 degc", Temperature, 274.15),
        ("1 DegF", Temperature, 255.927_777_777_777_8),
        ("1 k", Temperature, 1.0),
    ];
    assert_parses(cases);
}

#[test]
fn case_matters_where_prefixes_differ() {
    // "mpa" could be milli- or mega-pascal: refuse and suggest.
    let e = parse_quantity("5 mpa", Pressure);
    assert_eq!(
        e,
        Err(UnitError::UnknownUnit {
            unit: "mpa".into(),
            expected: Pressure,
            suggestion: Some("MPa".into())
        })
    );
    assert!(parse_quantity("5 Mbar", Pressure).is_err());
    assert!(parse_quantity("5 MM", Length).is_err());
    assert!(parse_quantity("5 G", Mass).is_err());
    assert!(parse_quantity("5 MW", Power).is_err());
}

#[test]
fn error_messages() {
    let msg = |text: &str, dim: Dimension| match parse_quantity(text, dim) {
        Ok(v) => panic!("{text} parsed as {v}"),
        Err(e) => e.to_string(),
    };
    let m = msg("760 mmhgg", Pressure);
    assert!(
        m.starts_with("unknown unit 'mmhgg' for a pressure; expected one of Pa,"),
        "{m}"
    );
    assert!(m.ends_with("(did you mean 'mmHg'?)"), "{m}");
    assert_eq!(
        msg("5 kg", Pressure),
        "'5 kg' is a mass, expected a pressure (units: Pa, hPa, kPa, MPa, bar, mbar, atm, psi, mmHg, torr)"
    );
    assert!(msg("5 m2", Length).starts_with("'5 m2' is an area, expected a length"));
    assert!(msg("3 kg/day", Mass).starts_with("'3 kg/day' is a mass flow, expected a mass"));
    assert!(msg("mmHg", Pressure).starts_with("'mmHg': missing number; expected a pressure"));
    assert!(msg("nan Pa", Pressure).contains("not a finite number"));
    assert!(msg("1e999 Pa", Pressure).contains("not a finite number"));
    assert!(msg("1e308 MPa", Pressure).contains("not a finite number"));
    assert!(msg("75", Volume).starts_with("'75': missing unit; expected a volume in one of m3, L"));
    assert!(msg("1 2 Pa", Pressure).contains("unexpected '2 Pa' after the number"));
    assert!(msg("1,5 bar", Pressure).contains("unexpected ',5 bar'"));
    // "1" alone is not a unit: it exists as the numerator of "1/s".
    assert!(msg("2 1", Dimensionless).contains("unexpected '1' after the number"));
    assert_eq!(
        msg("-300 degC", Temperature),
        "'-300 degC' is below absolute zero (-26.85 K)"
    );
    assert!(msg("5 psig", Pressure).contains("is a gauge pressure"));
    assert!(msg("0.1 1/dya", Frequency).contains("(or 1, % or ppm / any time unit)"));
    let m = msg("3 lb/dya", MassFlow);
    assert!(m.contains("unknown unit 'lb/dya' for a mass flow"), "{m}");
    assert!(m.contains("(or any mass unit / time unit)"), "{m}");
    assert!(m.ends_with("(did you mean 'lb/day'?)"), "{m}");
    let m = msg("3 furlongs", Length);
    assert!(!m.contains("did you mean"), "{m}");
    let m = msg("1 hPaa", Pressure);
    assert!(m.ends_with("(did you mean 'hPa'?)"), "{m}");
    let m = msg("1 litres/minn", VolumetricFlow);
    assert!(m.ends_with("(did you mean 'L/min'?)"), "{m}");
}

#[test]
fn display_conversions() -> Result<(), UnitError> {
    assert!(close(to_display(101_325.0, "atm", Pressure)?, 1.0));
    assert!(close(to_display(101_325.0, "torr", Pressure)?, 760.0));
    assert!(close(to_display(30.0 * 86_400.0, "day", Time)?, 30.0));
    assert!(close(to_display(273.15, "degF", Temperature)?, 32.0));
    assert!(close(to_display(273.15, "degC", Temperature)?, 0.0));
    assert_eq!(format_quantity(101_325.0, "atm", Pressure)?, "1 atm");
    assert_eq!(format_quantity(0.5, "", Dimensionless)?, "0.5");
    assert_eq!(format_quantity(295.15, "degC", Temperature)?, "22 degC");
    assert!(to_display(1.0, "kg", Pressure).is_err());
    assert!(to_display(1.0, "", Pressure).is_err());
    Ok(())
}

#[test]
fn significant_digits() {
    assert_eq!(format_significant(0.0, 4), "0");
    assert_eq!(format_significant(101_325.0, 4), "101300");
    assert_eq!(format_significant(759.999_9, 6), "760");
    assert_eq!(format_significant(1.5e-7, 3), "1.5e-7");
    assert_eq!(format_significant(-2.5e12, 3), "-2.5e12");
    assert_eq!(format_significant(0.012_345_67, 3), "0.0123");
    assert_eq!(format_significant(f64::NAN, 3), "NaN");
}

#[test]
fn odd_input_never_panics() {
    let odd = [
        "",
        "   ",
        "nan Pa",
        "NaN",
        "inf Pa",
        "-inf Pa",
        "1e999 Pa",
        "Pa",
        "1 2 Pa",
        "∞",
        "-",
        "+",
        ".",
        "e5",
        "1e",
        "1e Pa",
        "1e+",
        "--1 Pa",
        "1..2 Pa",
        "/",
        "1 /",
        "1 //s",
        "1 /Pa",
        "1 kg/",
        "1 (",
        "1 )",
        "1 °",
        "1 ^^^",
        "1 µ",
        "1 ³",
        "\u{0}",
        "1 \u{0}",
        "𝟙 Pa",
        "١ Pa",
        "1 Pa Pa",
        "1 kg/(s Pa",
        "1 ﬀ",
        "1\u{2212}",
        "\u{2212}",
        "99999999999999999999999999999999 Pa",
        "0x10 Pa",
        "1_000 Pa",
    ];
    for text in odd {
        for dim in Dimension::ALL {
            // Only checks that nothing panics and errors render.
            if let Err(e) = parse_quantity(text, dim) {
                let _ = e.to_string();
            }
            if let Err(e) = unit_factor(text, dim) {
                let _ = e.to_string();
            }
        }
    }
    assert!(matches!(
        parse_quantity("", Pressure),
        Err(UnitError::MissingNumber { .. })
    ));
    assert!(matches!(
        parse_quantity("∞", Pressure),
        Err(UnitError::NotFinite { .. })
    ));
}

/// A year is the Julian year (365.25 day), a month a twelfth of it; rates and flows take them
/// as their time part.
#[test]
fn issue11_month_and_year_are_time_units() {
    assert_parses(&[
        ("1 year", Dimension::Time, 365.25 * 86_400.0),
        ("12 month", Dimension::Time, 365.25 * 86_400.0),
        ("1 month", Dimension::Time, 30.4375 * 86_400.0),
        (
            "0.1 1/year",
            Dimension::Frequency,
            0.1 / (365.25 * 86_400.0),
        ),
        (
            "10 %/month",
            Dimension::Frequency,
            0.1 / (30.4375 * 86_400.0),
        ),
        ("365.25 kg/year", Dimension::MassFlow, 1.0 / 86_400.0),
    ]);
}
