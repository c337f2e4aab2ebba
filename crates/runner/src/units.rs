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
}

impl Dimension {
    /// Every dimension, in declaration order.
    pub const ALL: [Dimension; 18] = [
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

static TIME: [UnitDef; 6] = [
    unit("s", &["sec", "secs", "second", "seconds"], 1.0, true),
    unit("ms", &[], 1e-3, false),
    unit("min", &["mins", "minute", "minutes"], 60.0, true),
    unit("h", &["hr", "hrs", "hour", "hours"], 3600.0, true),
    unit("day", &["d", "days"], DAY, true),
    unit("week", &["wk", "weeks"], 7.0 * DAY, true),
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
mod tests {
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
        ("1 percent/s", Frequency, 0.01),
        // Dimensionless
        ("0.5", Dimensionless, 0.5),
        ("50 %", Dimensionless, 0.5),
        ("5 percent", Dimensionless, 0.05),
        ("400 ppm", Dimensionless, 4e-4),
    ];

    #[test]
    fn conversion_table() {
        for &(text, dim, expected) in TABLE {
            match parse_quantity(text, dim) {
                Ok(si) => assert!(close(si, expected), "{text}: got {si}, expected {expected}"),
                Err(e) => panic!("{text}: {e}"),
            }
        }
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
                        covered
                            .iter()
                            .any(|c| c.split_once('/').is_some_and(
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
        for &(text, dim, expected) in cases {
            match parse_quantity(text, dim) {
                Ok(si) => assert!(close(si, expected), "{text}: got {si}, expected {expected}"),
                Err(e) => panic!("{text}: {e}"),
            }
        }
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
        assert!(
            msg("75", Volume).starts_with("'75': missing unit; expected a volume in one of m3, L")
        );
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
}
