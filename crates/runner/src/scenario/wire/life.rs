//! Wire types of life support: crews, ECLSS devices and atmosphere limits.

use super::*;

/// A crew in a compartment. Per-person rates default to NASA's baseline (BVAD,
/// NASA/TP-2015-218570; RP-1324): 0.84 kg O2 consumed, 1.00 kg CO2 and 2.28 kg water vapour
/// produced per crew member-day, at 137 W.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Crew", deny_unknown_fields)]
pub struct CrewWire {
    pub name: Spanned<String>,
    /// The compartment the crew breathes in.
    pub compartment: Spanned<String>,
    /// Number of crew members.
    pub count: Spanned<Q>,
    /// Activity: `Daily(...)`, or any schedule of the rate multiplier (default 1, the
    /// daily mean).
    #[serde(default)]
    pub activity: Option<Spanned<ActivityWire>>,
    /// Per-person O2 consumed, per day or as a rate (`"0.84 kg/day"`).
    #[serde(default)]
    pub o2: Option<Spanned<Q>>,
    #[serde(default)]
    pub co2: Option<Spanned<Q>>,
    #[serde(default)]
    pub water: Option<Spanned<Q>>,
    /// Per-person metabolic heat (`"137 W"`), into the energy balance where it is on.
    #[serde(default)]
    pub heat: Option<Spanned<Q>>,
    #[serde(default)]
    pub active: Option<Spanned<bool>>,
}

/// A crew's activity over the day.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Activity")]
pub enum ActivityWire {
    /// The daily mean at every hour (the default).
    Constant,
    /// A repeating day: sleep from midnight, exercise `exercise_start` after waking, the rest
    /// nominal; the nominal factor is set so the day's mean is 1 (the daily rates hold).
    Daily {
        #[serde(default)]
        sleep: Option<Spanned<Q>>,
        #[serde(default)]
        exercise: Option<Spanned<Q>>,
        #[serde(default)]
        sleep_factor: Option<Spanned<Q>>,
        #[serde(default)]
        exercise_factor: Option<Spanned<Q>>,
    },
    /// Any schedule of the multiplier.
    Schedule(Spanned<ScheduleWire>),
}

/// Make-up gas control mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename = "Mode")]
pub enum ModeWire {
    /// Proportional across the band (the default).
    Smooth,
    /// Full flow on below the band, off above the setpoint.
    Hysteresis,
}

/// An ECLSS device.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Device")]
pub enum DeviceWire {
    /// CO2 removal (Vozdukh, CDRA): `flow` of cabin air through the bed, removing
    /// `efficiency` of its CO2, up to `capacity`; `vent` names the boundary the CO2 goes to
    /// (default: retained on board).
    CO2Removal {
        name: Spanned<String>,
        compartment: Spanned<String>,
        flow: Spanned<Q>,
        efficiency: Spanned<Q>,
        #[serde(default)]
        capacity: Option<Spanned<Q>>,
        #[serde(default)]
        vent: Option<Spanned<String>>,
        #[serde(default)]
        active: Option<Spanned<bool>>,
    },
    /// O2 generation (Elektron, OGS): `rate`, or up to `rate` controlled on a ppO2 band
    /// (`low`, `high`): full below `low`, none above `high`.
    O2Generator {
        name: Spanned<String>,
        compartment: Spanned<String>,
        rate: Spanned<Q>,
        #[serde(default)]
        low: Option<Spanned<Q>>,
        #[serde(default)]
        high: Option<Spanned<Q>>,
        #[serde(default)]
        active: Option<Spanned<bool>>,
    },
    /// Humidity removal (condensing heat exchanger): `flow` of cabin air leaving saturated
    /// at `dew_point`.
    Condenser {
        name: Spanned<String>,
        compartment: Spanned<String>,
        flow: Spanned<Q>,
        dew_point: Spanned<Q>,
        #[serde(default)]
        active: Option<Spanned<bool>>,
    },
    /// Make-up gas from a tank compartment, up to `max_flow`, when the sensed quantity
    /// (`"pressure"` or `"partial_pressure.N2"` of the compartment) falls below
    /// `setpoint`; full flow at `setpoint - band`.
    MakeUp {
        name: Spanned<String>,
        compartment: Spanned<String>,
        tank: Spanned<String>,
        max_flow: Spanned<Q>,
        #[serde(default)]
        sense: Option<Spanned<String>>,
        setpoint: Spanned<Q>,
        band: Spanned<Q>,
        #[serde(default)]
        mode: Option<Spanned<ModeWire>>,
        #[serde(default)]
        active: Option<Spanned<bool>>,
    },
}

impl DeviceWire {
    /// The device's name field.
    pub fn name(&self) -> &Spanned<String> {
        match self {
            DeviceWire::CO2Removal { name, .. }
            | DeviceWire::O2Generator { name, .. }
            | DeviceWire::Condenser { name, .. }
            | DeviceWire::MakeUp { name, .. } => name,
        }
    }
}

/// An atmosphere limit: the standard set, or one of the analyst's own.
// A wire value is read once per file: the size of its variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Limit")]
pub enum LimitWire {
    /// For every compartment with a crew: ppO2 below 146 mmHg, the 24-hour mean of ppCO2
    /// above 4.0 mmHg (the 2010 limit) and above 2.7 mmHg (the newer one), and total
    /// pressure below 527 mmHg.
    Standard,
    /// A limit on a quantity (`below`, `above`, or `threshold` with `direction`), on its
    /// running mean over `average` when that is given.
    Limit {
        #[serde(default)]
        name: Option<Spanned<String>>,
        quantity: Spanned<String>,
        #[serde(default)]
        below: Option<Spanned<Q>>,
        #[serde(default)]
        above: Option<Spanned<Q>>,
        #[serde(default)]
        threshold: Option<Spanned<Q>>,
        #[serde(default)]
        direction: Option<Spanned<DirectionWire>>,
        #[serde(default)]
        average: Option<Spanned<Q>>,
    },
}

impl_wire!(CrewWire, ActivityWire, ModeWire, DeviceWire, LimitWire);
