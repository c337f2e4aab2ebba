//! Ideal-gas mixtures over a species table.
//!
//! Every species is a calorically perfect ideal gas: a molar mass and a constant molar heat
//! capacity at constant pressure. Mixture properties are mass-fraction weighted. Internal
//! energy and enthalpy are measured from 0 K (`u = cv T`, `h = cp T`), which is exact for a
//! calorically perfect gas and keeps the energy balance free of reference-state constants.

/// Universal gas constant, J/(mol K) (CODATA 2018, exact).
pub const R_UNIVERSAL: f64 = 8.314_462_618;

/// One species of the gas table.
#[derive(Debug, Clone, PartialEq)]
pub struct Species {
    /// Short name used in scenario files and column names (`N2`, `O2`, ...).
    pub name: String,
    /// Molar mass, kg/mol.
    pub molar_mass: f64,
    /// Molar heat capacity at constant pressure, J/(mol K).
    pub cp_molar: f64,
}

impl Species {
    /// A species from its name, molar mass (kg/mol) and molar cp (J/(mol K)).
    pub fn new(name: impl Into<String>, molar_mass: f64, cp_molar: f64) -> Self {
        Self {
            name: name.into(),
            molar_mass,
            cp_molar,
        }
    }

    /// Specific gas constant, J/(kg K).
    pub fn r_specific(&self) -> f64 {
        R_UNIVERSAL / self.molar_mass
    }

    /// Specific heat at constant pressure, J/(kg K).
    pub fn cp(&self) -> f64 {
        self.cp_molar / self.molar_mass
    }

    /// Specific heat at constant volume, J/(kg K).
    pub fn cv(&self) -> f64 {
        (self.cp_molar - R_UNIVERSAL) / self.molar_mass
    }
}

/// The species table of a network. Compositions are vectors indexed like this table.
#[derive(Debug, Clone, PartialEq)]
pub struct Gas {
    pub species: Vec<Species>,
}

/// Dry air by mole: N2, O2, Ar, CO2 (H2O 0), in the order of [`Gas::air`].
pub const DRY_AIR_MOLE_FRACTIONS: [f64; 5] = [0.7808, 0.2095, 0.0093, 0.0004, 0.0];

impl Gas {
    /// The default table: N2, O2, Ar, CO2, H2O with room-temperature molar heat capacities.
    pub fn air() -> Self {
        Self {
            species: vec![
                Species::new("N2", 28.0134e-3, 29.124),
                Species::new("O2", 31.9988e-3, 29.378),
                Species::new("Ar", 39.948e-3, 20.786),
                Species::new("CO2", 44.0095e-3, 37.135),
                Species::new("H2O", 18.01528e-3, 33.58),
            ],
        }
    }

    /// A one-species calorically perfect gas with specific gas constant `r` (J/(kg K)) and
    /// ratio of specific heats `gamma`; the form the reference problems use (R = 287.05,
    /// gamma = 1.4).
    pub fn perfect(name: &str, r: f64, gamma: f64) -> Self {
        let molar_mass = R_UNIVERSAL / r;
        let cp_molar = gamma / (gamma - 1.0) * R_UNIVERSAL;
        Self {
            species: vec![Species::new(name, molar_mass, cp_molar)],
        }
    }

    /// Number of species.
    pub fn len(&self) -> usize {
        self.species.len()
    }

    /// True when the table has no species.
    pub fn is_empty(&self) -> bool {
        self.species.is_empty()
    }

    /// Index of a species by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.species.iter().position(|s| s.name == name)
    }

    /// Mass fractions from mole fractions.
    pub fn mass_fractions(&self, mole_fractions: &[f64]) -> Vec<f64> {
        let total: f64 = self
            .species
            .iter()
            .zip(mole_fractions)
            .map(|(s, x)| s.molar_mass * x)
            .sum();
        self.species
            .iter()
            .zip(mole_fractions)
            .map(|(s, x)| {
                if total > 0.0 {
                    s.molar_mass * x / total
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Mixture properties of a gas with the given mass fractions.
    pub fn mixture(&self, mass_fractions: &[f64]) -> Mixture {
        let mut r = 0.0;
        let mut cp = 0.0;
        let mut cv = 0.0;
        for (s, y) in self.species.iter().zip(mass_fractions) {
            r += y * s.r_specific();
            cp += y * s.cp();
            cv += y * s.cv();
        }
        Mixture { r, cp, cv }
    }
}

/// Mass-basis properties of a mixture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mixture {
    /// Specific gas constant, J/(kg K).
    pub r: f64,
    /// cp, J/(kg K).
    pub cp: f64,
    /// cv, J/(kg K).
    pub cv: f64,
}

impl Mixture {
    /// Ratio of specific heats.
    pub fn gamma(&self) -> f64 {
        self.cp / self.cv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dry_air_has_the_textbook_gas_constant() {
        let gas = Gas::air();
        let y = gas.mass_fractions(&DRY_AIR_MOLE_FRACTIONS);
        let mix = gas.mixture(&y);
        // Dry air: M = 28.965 g/mol -> R = 8.314462618 / 0.028965 = 287.05 J/(kg K).
        assert!((mix.r - 287.05).abs() < 0.05, "R = {}", mix.r);
        assert!((mix.gamma() - 1.4).abs() < 2e-3, "gamma = {}", mix.gamma());
        assert!((y.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn perfect_gas_reproduces_r_and_gamma() {
        let gas = Gas::perfect("air", 287.05, 1.4);
        let mix = gas.mixture(&[1.0]);
        assert!((mix.r - 287.05).abs() < 1e-9);
        assert!((mix.gamma() - 1.4).abs() < 1e-12);
    }
}
