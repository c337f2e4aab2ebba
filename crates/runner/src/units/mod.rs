//! Physical quantities written by analysts ("760 mmHg", "3.7 lb/day", "22 degC") parsed into
//! SI `f64`, and SI values converted back into a display unit for tables and plots.
//!
//! Every quantity is a number followed by a unit; the caller says which [`Dimension`] it
//! expects, so `"5 kg"` where a pressure belongs is an error that names both. Unit spellings
//! are normalised before lookup: whitespace is collapsed, `^` is dropped, `³`/`²` become
//! `3`/`2`, `µ`/`μ` become `u`, `°` becomes `deg`, and `*`/`·` become a space. So `m^3`, `m³`
//! and `m3` are the same unit, as are `°C`, `deg C` and `degC`.
//!
//! Rates are written as a ratio with one `/`: any mass unit over any time unit is a mass flow
//! (`lb/day`, `g/min`), any volume over time a volumetric flow, any pressure over time a
//! pressure rate (`mmHg/day`), any mass over volume a density, and `1`, `%` or `ppm` over
//! time a rate (`1/h`, `%/day`).
//!
//! Conversion constants are exact where a definition exists: 1 lb = 0.45359237 kg,
//! 1 in = 0.0254 m, 1 ft = 0.3048 m, 1 atm = 101325 Pa, 1 torr = 101325/760 Pa,
//! 1 mmHg = 133.322387415 Pa, 1 psi = 6894.757293168361 Pa (lbf/in² with standard gravity),
//! degF to K = (F - 32) * 5/9 + 273.15.
//!
//! Hand-written rather than a units crate: a dimension-checked SI table tailored to the
//! scenario grammar, with errors that name the text, the expected dimension and a suggestion.

pub mod expr;

use std::fmt;

use crate::suggest::did_you_mean;

/// The kind of physical quantity a scenario field holds. Each has one SI unit
/// ([`Dimension::si_unit`]) that [`parse_quantity`] converts into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// Absolute pressure, Pa.
    Pressure,
    /// Rate of change of pressure, Pa/s (e.g. `mmHg/day`).
    PressureRate,
    /// Volume, m³.
    Volume,
    /// Volumetric flow, m³/s (e.g. `L/min`, `cfm`).
    VolumetricFlow,
    /// Area, m² (leak or orifice area).
    Area,
    /// Length, m.
    Length,
    /// Absolute temperature, K.
    Temperature,
    /// Time or duration, s.
    Time,
    /// Mass, kg.
    Mass,
    /// Mass flow, kg/s.
    MassFlow,
    /// Density, kg/m³.
    Density,
    /// Dynamic viscosity, Pa s.
    Viscosity,
    /// Flow conductance, kg/(s Pa): mass flow per unit pressure difference.
    Conductance,
    /// Heat transfer conductance h·A, W/K.
    HeatTransfer,
    /// Power or heat load, W.
    Power,
    /// Energy, J.
    Energy,
    /// Rate or frequency, 1/s (e.g. `1/h`, `%/day`).
    Frequency,
    /// A plain number (fraction, ratio, coefficient); `%` and `ppm` are accepted.
    Dimensionless,
    /// Conductance of a viscous crack, kg/(s Pa^2): `mdot = k (p_a^2 - p_b^2)`.
    ViscousConductance,
}

impl Dimension {
    /// Every dimension, in declaration order.
    pub const ALL: [Dimension; 19] = [
        Dimension::Pressure,
        Dimension::PressureRate,
        Dimension::Volume,
        Dimension::VolumetricFlow,
        Dimension::Area,
        Dimension::Length,
        Dimension::Temperature,
        Dimension::Time,
        Dimension::Mass,
        Dimension::MassFlow,
        Dimension::Density,
        Dimension::Viscosity,
        Dimension::Conductance,
        Dimension::HeatTransfer,
        Dimension::Power,
        Dimension::Energy,
        Dimension::Frequency,
        Dimension::Dimensionless,
        Dimension::ViscousConductance,
    ];

    /// Lower-case name without an article, e.g. `"mass flow"`.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Pressure => "pressure",
            Dimension::PressureRate => "pressure rate",
            Dimension::Volume => "volume",
            Dimension::VolumetricFlow => "volumetric flow",
            Dimension::Area => "area",
            Dimension::Length => "length",
            Dimension::Temperature => "temperature",
            Dimension::Time => "time",
            Dimension::Mass => "mass",
            Dimension::MassFlow => "mass flow",
            Dimension::Density => "density",
            Dimension::Viscosity => "viscosity",
            Dimension::Conductance => "flow conductance",
            Dimension::HeatTransfer => "heat transfer conductance",
            Dimension::Power => "power",
            Dimension::Energy => "energy",
            Dimension::Frequency => "rate",
            Dimension::Dimensionless => "dimensionless number",
            Dimension::ViscousConductance => "viscous conductance",
        }
    }

    /// The name with an indefinite article, e.g. `"an area"`, for messages.
    pub fn with_article(self) -> String {
        let name = self.name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }

    /// The SI unit values of this dimension are expressed in, e.g. `"Pa"`, `"m3"`, `"kg/s"`.
    pub fn si_unit(self) -> &'static str {
        match self {
            Dimension::Pressure => "Pa",
            Dimension::PressureRate => "Pa/s",
            Dimension::Volume => "m3",
            Dimension::VolumetricFlow => "m3/s",
            Dimension::Area => "m2",
            Dimension::Length => "m",
            Dimension::Temperature => "K",
            Dimension::Time => "s",
            Dimension::Mass => "kg",
            Dimension::MassFlow => "kg/s",
            Dimension::Density => "kg/m3",
            Dimension::Viscosity => "Pa s",
            Dimension::Conductance => "kg/(s Pa)",
            Dimension::HeatTransfer => "W/K",
            Dimension::Power => "W",
            Dimension::Energy => "J",
            Dimension::Frequency => "1/s",
            Dimension::Dimensionless => "",
            Dimension::ViscousConductance => "kg/(s Pa2)",
        }
    }

    /// The magnitudes, in SI, that a scenario may give a nonzero value of this dimension:
    /// `(smallest, largest)`. Anything outside is refused as not physical for a gas network
    /// (a denormal `5e-324`, a volume of `1e300 m3`): such values do not fail at once but
    /// overflow or divide to infinity in the middle of a run. The bounds are generous: a
    /// thousand times beyond anything a spacecraft or a laboratory has.
    pub fn magnitude_limits(self) -> (f64, f64) {
        match self {
            // Up to 1 GPa (gas bottles hold 30 MPa).
            Dimension::Pressure => (1e-30, 1e9),
            Dimension::PressureRate => (1e-30, 1e9),
            // 1 mm3 to a billion m3.
            Dimension::Volume => (1e-9, 1e9),
            Dimension::VolumetricFlow => (1e-30, 1e6),
            Dimension::Area => (1e-30, 1e6),
            Dimension::Length => (1e-12, 1e5),
            // 1 K to 100 000 K.
            Dimension::Temperature => (1.0, 1e5),
            // Up to about 30 000 years.
            Dimension::Time => (1e-9, 1e12),
            Dimension::Mass => (1e-30, 1e12),
            Dimension::MassFlow => (1e-30, 1e6),
            Dimension::Density => (1e-9, 1e5),
            Dimension::Viscosity => (1e-9, 1e3),
            Dimension::Conductance => (1e-30, 1e3),
            Dimension::HeatTransfer => (1e-30, 1e12),
            Dimension::Power => (1e-30, 1e15),
            Dimension::Energy => (1e-30, 1e18),
            Dimension::Frequency => (1e-30, 1e6),
            Dimension::Dimensionless => (1e-30, 1e12),
            Dimension::ViscousConductance => (1e-30, 1e-3),
        }
    }

    /// A well-formed example quantity, used in messages.
    pub fn example(self) -> &'static str {
        match self {
            Dimension::Pressure => "760 mmHg",
            Dimension::PressureRate => "-0.5 mmHg/day",
            Dimension::Volume => "75 m3",
            Dimension::VolumetricFlow => "120 L/min",
            Dimension::Area => "0.14 mm2",
            Dimension::Length => "2 mm",
            Dimension::Temperature => "22 degC",
            Dimension::Time => "30 day",
            Dimension::Mass => "3 kg",
            Dimension::MassFlow => "3.7 lb/day",
            Dimension::Density => "1.2 kg/m3",
            Dimension::Viscosity => "1.8e-5 Pa s",
            Dimension::Conductance => "1e-9 kg/(s Pa)",
            Dimension::HeatTransfer => "50 W/K",
            Dimension::Power => "200 W",
            Dimension::Energy => "1 kWh",
            Dimension::Frequency => "0.1 1/day",
            Dimension::Dimensionless => "0.5",
            Dimension::ViscousConductance => "2e-15 kg/(s Pa2)",
        }
    }

    /// The common units of this dimension, for messages and help text; ratio dimensions also
    /// accept any other combination of their parts.
    pub fn common_units(self) -> &'static [&'static str] {
        match self {
            Dimension::Pressure => &[
                "Pa", "hPa", "kPa", "MPa", "bar", "mbar", "atm", "psi", "mmHg", "torr",
            ],
            Dimension::PressureRate => &["Pa/s", "Pa/day", "kPa/day", "mmHg/day", "psi/day"],
            Dimension::Volume => &["m3", "L", "mL", "cm3", "ft3"],
            Dimension::VolumetricFlow => &["m3/s", "m3/h", "L/s", "L/min", "cfm"],
            Dimension::Area => &["m2", "cm2", "mm2", "in2", "ft2"],
            Dimension::Length => &["m", "km", "cm", "mm", "um", "in", "ft"],
            Dimension::Temperature => &["K", "degC", "degF"],
            Dimension::Time => &["s", "ms", "min", "h", "day", "week"],
            Dimension::Mass => &["kg", "g", "lb"],
            Dimension::MassFlow => &["kg/s", "kg/h", "kg/day", "g/s", "lb/day", "lb/h"],
            Dimension::Density => &["kg/m3", "g/L", "g/cm3", "lb/ft3"],
            Dimension::Viscosity => &["Pa s", "mPa s", "uPa s", "cP"],
            Dimension::Conductance => &["kg/(s Pa)"],
            Dimension::HeatTransfer => &["W/K", "kW/K"],
            Dimension::Power => &["W", "mW", "kW"],
            Dimension::Energy => &["J", "kJ", "MJ", "Wh", "kWh"],
            Dimension::Frequency => &["1/s", "1/h", "1/day", "%/day", "Hz"],
            Dimension::Dimensionless => &["(none)", "%", "ppm"],
            Dimension::ViscousConductance => &["kg/(s Pa2)"],
        }
    }

    /// For a ratio dimension, the dimensions of numerator and denominator.
    fn ratio(self) -> Option<(Dimension, Dimension)> {
        match self {
            Dimension::MassFlow => Some((Dimension::Mass, Dimension::Time)),
            Dimension::VolumetricFlow => Some((Dimension::Volume, Dimension::Time)),
            Dimension::PressureRate => Some((Dimension::Pressure, Dimension::Time)),
            Dimension::Density => Some((Dimension::Mass, Dimension::Volume)),
            Dimension::Frequency => Some((Dimension::Dimensionless, Dimension::Time)),
            _ => None,
        }
    }

    fn expected_list(self) -> String {
        let mut list = self.common_units().join(", ");
        match self.ratio() {
            Some((Dimension::Dimensionless, den)) => {
                list.push_str(&format!(" (or 1, % or ppm / any {} unit)", den.name()));
            }
            Some((num, den)) => {
                list.push_str(&format!(
                    " (or any {} unit / {} unit)",
                    num.name(),
                    den.name()
                ));
            }
            None => {}
        }
        list
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a quantity could not be read. Each message says what was found and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnitError {
    /// The text does not start with a number.
    #[error(
        "'{text}': missing number; expected {} written as a number and a unit, e.g. '{}'",
        .expected.with_article(),
        .expected.example()
    )]
    MissingNumber {
        /// The text as written.
        text: String,
        /// The dimension the field needs.
        expected: Dimension,
    },
    /// The number is NaN, infinite, or overflows `f64` (alone or after conversion).
    #[error("'{text}': not a finite number")]
    NotFinite {
        /// The text as written.
        text: String,
    },
    /// A number without a unit where the dimension needs one.
    #[error(
        "'{text}': missing unit; expected {} in one of {}, e.g. '{}'",
        .expected.with_article(),
        .expected.expected_list(),
        .expected.example()
    )]
    MissingUnit {
        /// The text as written.
        text: String,
        /// The dimension the field needs.
        expected: Dimension,
    },
    /// Something after the number that cannot start a unit, such as a second number.
    #[error(
        "'{text}': unexpected '{extra}' after the number; expected one number and a unit, e.g. '{}'",
        .expected.example()
    )]
    ExtraText {
        /// The text as written.
        text: String,
        /// The part after the number.
        extra: String,
        /// The dimension the field needs.
        expected: Dimension,
    },
    /// A unit not known for the expected dimension (nor for any other).
    #[error(
        "unknown unit '{unit}' for {}; expected one of {}{}",
        .expected.with_article(),
        .expected.expected_list(),
        suggestion_hint(.suggestion)
    )]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The dimension the field needs.
        expected: Dimension,
        /// The closest known unit, if any is close.
        suggestion: Option<String>,
    },
    /// A unit of another dimension, e.g. a mass where a pressure belongs.
    #[error(
        "'{text}' is {}, expected {} (units: {})",
        .found.with_article(),
        .expected.with_article(),
        .expected.expected_list()
    )]
    WrongDimension {
        /// The text as written.
        text: String,
        /// The dimension the unit belongs to.
        found: Dimension,
        /// The dimension the field needs.
        expected: Dimension,
    },
    /// A gauge pressure (`psig`, `barg`): Plenum works in absolute pressure.
    #[error(
        "'{text}' is a gauge pressure; expected an absolute pressure (absolute = gauge + ambient, e.g. 14.696 psi or 1.01325 bar at sea level)"
    )]
    GaugePressure {
        /// The text as written.
        text: String,
    },
    /// An absolute temperature below 0 K.
    #[error("'{text}' is below absolute zero ({} K)", format_significant(*.kelvin, 6))]
    BelowAbsoluteZero {
        /// The text as written.
        text: String,
        /// The converted value, K.
        kelvin: f64,
    },
}

fn suggestion_hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean '{s}'?)"),
        None => String::new(),
    }
}

/// Linear conversion between a unit and SI: `si = value * scale + offset`.
///
/// `offset` is zero except for the temperature scales degC and degF.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitFactor {
    /// SI units per unit of the display unit.
    pub scale: f64,
    /// SI value of zero display units (K, for degC and degF).
    pub offset: f64,
}

impl UnitFactor {
    /// A value in this unit, converted to SI.
    pub fn to_si(self, value: f64) -> f64 {
        value * self.scale + self.offset
    }

    /// An SI value, converted to this unit.
    pub fn from_si(self, si: f64) -> f64 {
        (si - self.offset) / self.scale
    }
}

/// One unit: its canonical symbol, other accepted spellings (after normalisation), and the
/// conversion. `ci` allows a case-insensitive match, only where no other unit differs from
/// it by case alone (so `KPA` is kPa, but `mpa` is not MPa).
struct UnitDef {
    symbol: &'static str,
    aliases: &'static [&'static str],
    scale: f64,
    offset: f64,
    ci: bool,
}

const fn unit(
    symbol: &'static str,
    aliases: &'static [&'static str],
    scale: f64,
    ci: bool,
) -> UnitDef {
    UnitDef {
        symbol,
        aliases,
        scale,
        offset: 0.0,
        ci,
    }
}

const LB: f64 = 0.453_592_37;
const INCH: f64 = 0.0254;
const FOOT: f64 = 0.3048;
const PSI: f64 = 6_894.757_293_168_361;
const MMHG: f64 = 133.322_387_415;
const ATM: f64 = 101_325.0;
const DAY: f64 = 86_400.0;
/// The Julian year, 365.25 days, as astronomy and the SI brochure's note define `a`.
const YEAR: f64 = 365.25 * DAY;
/// A twelfth of the Julian year: 30.4375 days.
const MONTH: f64 = YEAR / 12.0;

static PRESSURE: [UnitDef; 10] = [
    unit("Pa", &["pascal", "pascals"], 1.0, true),
    unit("hPa", &[], 100.0, true),
    unit("kPa", &[], 1e3, true),
    unit("MPa", &[], 1e6, false),
    unit("bar", &["bars"], 1e5, true),
    unit("mbar", &["millibar"], 100.0, false),
    unit("atm", &[], ATM, true),
    unit("psi", &["psia"], PSI, true),
    unit("mmHg", &["mm Hg", "mm_Hg"], MMHG, true),
    unit("torr", &["Torr"], ATM / 760.0, true),
];

static VOLUME: [UnitDef; 5] = [
    unit("m3", &["cubic metre", "cubic meter"], 1.0, true),
    unit(
        "L",
        &["l", "litre", "liter", "litres", "liters"],
        1e-3,
        true,
    ),
    unit("mL", &["ml"], 1e-6, false),
    unit("cm3", &["cc"], 1e-6, true),
    unit("ft3", &["cu ft", "cuft"], FOOT * FOOT * FOOT, true),
];

static VOLUMETRIC_FLOW: [UnitDef; 1] = [unit("cfm", &[], FOOT * FOOT * FOOT / 60.0, true)];

static AREA: [UnitDef; 5] = [
    unit("m2", &["sq m"], 1.0, true),
    unit("cm2", &["sq cm"], 1e-4, true),
    unit("mm2", &["sq mm"], 1e-6, false),
    unit("in2", &["sq in"], INCH * INCH, true),
    unit("ft2", &["sq ft"], FOOT * FOOT, true),
];

static LENGTH: [UnitDef; 7] = [
    unit("m", &["metre", "meter", "metres", "meters"], 1.0, true),
    unit("km", &[], 1e3, true),
    unit("cm", &[], 1e-2, true),
    unit("mm", &[], 1e-3, false),
    unit("um", &["micron", "microns"], 1e-6, false),
    unit("in", &["inch", "inches"], INCH, true),
    unit("ft", &["foot", "feet"], FOOT, true),
];

static TEMPERATURE: [UnitDef; 3] = [
    unit("K", &["kelvin"], 1.0, true),
    UnitDef {
        symbol: "degC",
        aliases: &["C", "celsius"],
        scale: 1.0,
        offset: 273.15,
        ci: true,
    },
    UnitDef {
        symbol: "degF",
        aliases: &["F", "fahrenheit"],
        scale: 5.0 / 9.0,
        offset: 273.15 - 32.0 * 5.0 / 9.0,
        ci: true,
    },
];

static TIME: [UnitDef; 8] = [
    unit("s", &["sec", "secs", "second", "seconds"], 1.0, true),
    unit("ms", &[], 1e-3, false),
    unit("min", &["mins", "minute", "minutes"], 60.0, true),
    unit("h", &["hr", "hrs", "hour", "hours"], 3600.0, true),
    unit("day", &["d", "days"], DAY, true),
    unit("week", &["wk", "weeks"], 7.0 * DAY, true),
    unit("month", &["months"], MONTH, true),
    unit("year", &["yr", "yrs", "years"], YEAR, true),
];

static MASS: [UnitDef; 3] = [
    unit("kg", &["kilogram", "kilograms"], 1.0, true),
    unit("g", &["gram", "grams"], 1e-3, false),
    unit("lb", &["lbs", "lbm", "pound", "pounds"], LB, true),
];

static VISCOSITY: [UnitDef; 4] = [
    unit("Pa s", &["Pa.s", "Pas", "kg/(m s)"], 1.0, true),
    unit("mPa s", &["mPa.s"], 1e-3, false),
    unit("uPa s", &["uPa.s"], 1e-6, false),
    unit("cP", &["centipoise"], 1e-3, false),
];

static CONDUCTANCE: [UnitDef; 1] = [unit(
    "kg/(s Pa)",
    &["kg/(Pa s)", "kg/s/Pa", "kg s-1 Pa-1"],
    1.0,
    true,
)];

static VISCOUS_CONDUCTANCE: [UnitDef; 1] = [unit(
    "kg/(s Pa2)",
    &["kg/(Pa2 s)", "kg/s/Pa2", "kg s-1 Pa-2"],
    1.0,
    true,
)];

static HEAT_TRANSFER: [UnitDef; 2] = [
    unit("W/K", &["W/degC"], 1.0, true),
    unit("kW/K", &["kW/degC"], 1e3, true),
];

static POWER: [UnitDef; 3] = [
    unit("W", &["watt", "watts"], 1.0, true),
    unit("mW", &[], 1e-3, false),
    unit("kW", &[], 1e3, true),
];

static ENERGY: [UnitDef; 5] = [
    unit("J", &["joule", "joules"], 1.0, true),
    unit("kJ", &[], 1e3, true),
    unit("MJ", &[], 1e6, false),
    unit("Wh", &[], 3600.0, true),
    unit("kWh", &[], 3.6e6, true),
];

static FREQUENCY: [UnitDef; 1] = [unit("Hz", &[], 1.0, true)];

static DIMENSIONLESS: [UnitDef; 3] = [
    unit("1", &[], 1.0, true),
    unit("%", &["percent"], 1e-2, true),
    unit("ppm", &[], 1e-6, true),
];

/// Units that stand on their own (not built as a ratio) for a dimension.
fn table(dim: Dimension) -> &'static [UnitDef] {
    match dim {
        Dimension::Pressure => &PRESSURE,
        Dimension::PressureRate => &[],
        Dimension::Volume => &VOLUME,
        Dimension::VolumetricFlow => &VOLUMETRIC_FLOW,
        Dimension::Area => &AREA,
        Dimension::Length => &LENGTH,
        Dimension::Temperature => &TEMPERATURE,
        Dimension::Time => &TIME,
        Dimension::Mass => &MASS,
        Dimension::MassFlow => &[],
        Dimension::Density => &[],
        Dimension::Viscosity => &VISCOSITY,
        Dimension::Conductance => &CONDUCTANCE,
        Dimension::HeatTransfer => &HEAT_TRANSFER,
        Dimension::Power => &POWER,
        Dimension::Energy => &ENERGY,
        Dimension::Frequency => &FREQUENCY,
        Dimension::Dimensionless => &DIMENSIONLESS,
        Dimension::ViscousConductance => &VISCOUS_CONDUCTANCE,
    }
}

fn find_in(table: &'static [UnitDef], unit: &str) -> Option<&'static UnitDef> {
    table
        .iter()
        .find(|u| u.symbol == unit || u.aliases.contains(&unit))
        .or_else(|| {
            table.iter().find(|u| {
                u.ci && (u.symbol.eq_ignore_ascii_case(unit)
                    || u.aliases.iter().any(|a| a.eq_ignore_ascii_case(unit)))
            })
        })
}

/// Look up a normalised unit spelling for `dim`.
fn lookup(unit: &str, dim: Dimension) -> Option<UnitFactor> {
    if let Some(def) = find_in(table(dim), unit) {
        return Some(UnitFactor {
            scale: def.scale,
            offset: def.offset,
        });
    }
    let (num_dim, den_dim) = dim.ratio()?;
    let (num, den) = unit.split_once('/')?;
    if den.contains('/') {
        return None;
    }
    // "/h" reads as "1/h" for rates.
    let num = if num.is_empty() && num_dim == Dimension::Dimensionless {
        "1"
    } else {
        num
    };
    let n = find_in(table(num_dim), num)?;
    let d = find_in(table(den_dim), den)?;
    Some(UnitFactor {
        scale: n.scale / d.scale,
        offset: 0.0,
    })
}

/// Canonical form of a unit spelling; see the module documentation.
fn normalize(unit: &str) -> String {
    let mut s = String::with_capacity(unit.len());
    for c in unit.chars() {
        match c {
            'µ' | 'μ' => s.push('u'),
            '³' => s.push('3'),
            '²' => s.push('2'),
            '^' => {}
            '·' | '⋅' | '*' | '×' => s.push(' '),
            '°' | 'º' => s.push_str("deg"),
            c if c.is_whitespace() => s.push(' '),
            c => s.push(c),
        }
    }
    let mut s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        (" /", "/"),
        ("/ ", "/"),
        ("( ", "("),
        (" )", ")"),
        ("deg ", "deg"),
    ] {
        s = s.replace(from, to);
    }
    s
}

/// Suggest a known spelling for an unknown unit of `dim`, by edit distance.
fn suggest(unit: &str, dim: Dimension) -> Option<String> {
    let spellings = |d: Dimension| {
        table(d)
            .iter()
            .flat_map(|u| std::iter::once(u.symbol).chain(u.aliases.iter().copied()))
    };
    let canonical = |d: Dimension, spelling: &str| {
        table(d)
            .iter()
            .find(|u| u.symbol == spelling || u.aliases.contains(&spelling))
            .map(|u| u.symbol.to_string())
    };
    let own: Vec<&str> = spellings(dim)
        .chain(dim.common_units().iter().copied())
        .collect();
    if let Some(s) = did_you_mean(unit, own.iter().copied()) {
        return Some(canonical(dim, s).unwrap_or_else(|| s.to_string()));
    }
    let (num_dim, den_dim) = dim.ratio()?;
    let (num, den) = unit.split_once('/')?;
    let fix = |part: &str, d: Dimension| -> Option<String> {
        if let Some(def) = find_in(table(d), part) {
            return Some(def.symbol.to_string());
        }
        let s = did_you_mean(part, spellings(d))?;
        canonical(d, s)
    };
    let num = if num.is_empty() { "1" } else { num };
    Some(format!("{}/{}", fix(num, num_dim)?, fix(den, den_dim)?))
}

/// Split `"75 m3"` into the number and the raw unit text after it.
fn split_number(text: &str, expected: Dimension) -> Result<(f64, String), UnitError> {
    let cleaned = text.trim().replace('\u{2212}', "-");
    let s = cleaned.as_str();
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mantissa_start = i;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        let word = s[mantissa_start..].to_ascii_lowercase();
        if word.starts_with("nan") || word.starts_with("inf") || word.starts_with('∞') {
            return Err(UnitError::NotFinite {
                text: text.to_string(),
            });
        }
        return Err(UnitError::MissingNumber {
            text: text.to_string(),
            expected,
        });
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
    let value: f64 = s[..i].parse().map_err(|_| UnitError::MissingNumber {
        text: text.to_string(),
        expected,
    })?;
    if !value.is_finite() {
        return Err(UnitError::NotFinite {
            text: text.to_string(),
        });
    }
    let rest = s[i..].trim();
    let starts_numeric = match rest.as_bytes() {
        [b'1', b'/', ..] => false, // "1/day"
        [c, ..] if c.is_ascii_digit() => true,
        [b'.' | b',' | b'+' | b'-', c, ..] if c.is_ascii_digit() => true,
        _ => false,
    };
    if starts_numeric {
        return Err(UnitError::ExtraText {
            text: text.to_string(),
            extra: rest.to_string(),
            expected,
        });
    }
    Ok((value, rest.to_string()))
}

/// Parse a quantity such as `"760 mmHg"` or `"3.7 lb/day"` into SI units of `dim`
/// (see [`Dimension::si_unit`]).
///
/// The number may have a sign, a decimal point and an exponent (`1e-6 m2`); the space before
/// the unit is optional. A [`Dimension::Dimensionless`] value may omit the unit; every other
/// dimension requires one. Temperatures are absolute and may not fall below 0 K.
pub fn parse_quantity(text: &str, dim: Dimension) -> Result<f64, UnitError> {
    let (value, raw_unit) = split_number(text, dim)?;
    let unit = normalize(&raw_unit);
    let factor = if unit.is_empty() {
        if dim == Dimension::Dimensionless {
            UnitFactor {
                scale: 1.0,
                offset: 0.0,
            }
        } else {
            return Err(UnitError::MissingUnit {
                text: text.to_string(),
                expected: dim,
            });
        }
    } else {
        resolve(&raw_unit, &unit, text, dim)?
    };
    let si = factor.to_si(value);
    if !si.is_finite() {
        return Err(UnitError::NotFinite {
            text: text.to_string(),
        });
    }
    if dim == Dimension::Temperature && si < 0.0 {
        return Err(UnitError::BelowAbsoluteZero {
            text: text.to_string(),
            kelvin: si,
        });
    }
    Ok(si)
}

/// Resolve a normalised unit for `dim`, or say which dimension it belongs to instead, or
/// suggest a spelling.
fn resolve(raw: &str, unit: &str, text: &str, dim: Dimension) -> Result<UnitFactor, UnitError> {
    if let Some(factor) = lookup(unit, dim) {
        return Ok(factor);
    }
    let gauge = [
        "psig", "barg", "kpag", "kpa(g)", "bar(g)", "psi(g)", "mbarg",
    ];
    if dim == Dimension::Pressure && gauge.contains(&unit.to_ascii_lowercase().as_str()) {
        return Err(UnitError::GaugePressure {
            text: text.trim().to_string(),
        });
    }
    if let Some(found) = Dimension::ALL
        .into_iter()
        .find(|&d| d != dim && lookup(unit, d).is_some())
    {
        return Err(UnitError::WrongDimension {
            text: text.trim().to_string(),
            found,
            expected: dim,
        });
    }
    Err(UnitError::UnknownUnit {
        unit: raw.trim().to_string(),
        expected: dim,
        suggestion: suggest(unit, dim),
    })
}

/// The conversion between `unit` (any spelling [`parse_quantity`] accepts) and SI for `dim`.
pub fn unit_factor(unit: &str, dim: Dimension) -> Result<UnitFactor, UnitError> {
    let normalized = normalize(unit);
    if normalized.is_empty() && dim == Dimension::Dimensionless {
        return Ok(UnitFactor {
            scale: 1.0,
            offset: 0.0,
        });
    }
    if normalized.is_empty() {
        return Err(UnitError::MissingUnit {
            text: unit.to_string(),
            expected: dim,
        });
    }
    resolve(unit, &normalized, unit, dim)
}

/// An SI value of `dim` expressed in `unit`, e.g. `to_display(101325.0, "mmHg", Pressure)`
/// is 760.
pub fn to_display(si: f64, unit: &str, dim: Dimension) -> Result<f64, UnitError> {
    Ok(unit_factor(unit, dim)?.from_si(si))
}

/// An SI value of `dim` written in `unit` with up to 6 significant digits, e.g.
/// `"760 mmHg"`.
pub fn format_quantity(si: f64, unit: &str, dim: Dimension) -> Result<String, UnitError> {
    let value = to_display(si, unit, dim)?;
    let number = format_significant(value, 6);
    let unit = unit.trim();
    Ok(if unit.is_empty() {
        number
    } else {
        format!("{number} {unit}")
    })
}

/// `value` with at most `digits` significant digits, trailing zeros removed, in plain
/// notation for magnitudes in [1e-4, 1e9) and scientific notation otherwise.
pub fn format_significant(value: f64, digits: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let digits = digits.clamp(1, 17);
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..9).contains(&magnitude) {
        let s = format!("{:.*e}", digits - 1, value);
        return match s.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa)),
            None => s,
        };
    }
    let decimals = digits as i32 - 1 - magnitude;
    if decimals < 0 {
        // Round away the digits left of the point that are not significant: 101325 -> 101300.
        let step = 10f64.powi(-decimals);
        return format!("{:.0}", (value / step).round() * step);
    }
    let decimals = decimals as usize;
    trim_zeros(&format!("{value:.decimals$}")).to_string()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests;
