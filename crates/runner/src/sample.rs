//! Sampling for sweeps: distributions with inverse CDFs (so Monte Carlo and Latin hypercube
//! share one code path), and the per-run random stream.
//!
//! Every run's stream is ChaCha8 seeded with the sweep seed and set to the stream number of
//! the run index: the values of run `i` depend on (seed, i) only, never on the thread that
//! computes them or on which other runs exist.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// A distribution over SI values, optionally truncated to [min, max].
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    Uniform {
        min: f64,
        max: f64,
    },
    LogUniform {
        min: f64,
        max: f64,
    },
    /// Normal with mean and standard deviation, truncated to the bounds when given.
    Normal {
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    },
    /// Log-normal with the given median and the standard deviation of ln(x).
    LogNormal {
        median: f64,
        sigma: f64,
        min: Option<f64>,
        max: Option<f64>,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
}

impl Distribution {
    /// The value at cumulative probability `u` in (0, 1).
    // Hand-written rather than a statistics crate: each inverse CDF is a few lines, exact
    // and the same bits on every platform, so a sweep's samples depend on its seed only.
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(1e-15, 1.0 - 1e-15);
        match *self {
            Distribution::Uniform { min, max } => min + u * (max - min),
            Distribution::LogUniform { min, max } => (min.ln() + u * (max.ln() - min.ln())).exp(),
            Distribution::Normal { mean, sd, min, max } => {
                let lo = min.map_or(0.0, |m| normal_cdf((m - mean) / sd));
                let hi = max.map_or(1.0, |m| normal_cdf((m - mean) / sd));
                let x = mean + sd * normal_quantile(lo + u * (hi - lo));
                clamp_opt(x, min, max)
            }
            Distribution::LogNormal {
                median,
                sigma,
                min,
                max,
            } => {
                let mu = median.ln();
                let z = |v: f64| (v.ln() - mu) / sigma;
                let lo = min.map_or(0.0, |m| if m > 0.0 { normal_cdf(z(m)) } else { 0.0 });
                let hi = max.map_or(1.0, |m| normal_cdf(z(m)));
                let x = (mu + sigma * normal_quantile(lo + u * (hi - lo))).exp();
                clamp_opt(x, min, max)
            }
            Distribution::Triangular { min, mode, max } => {
                let f = (mode - min) / (max - min);
                if u < f {
                    min + (u * (max - min) * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - u) * (max - min) * (max - mode)).sqrt()
                }
            }
        }
    }

    /// Checks the parameters; the message says what was expected.
    pub fn check(&self) -> Result<(), String> {
        let finite = |v: f64| v.is_finite();
        match *self {
            Distribution::Uniform { min, max } => {
                if !(finite(min) && finite(max) && max > min) {
                    return Err(format!(
                        "uniform range [{min}, {max}] is empty; expected min < max"
                    ));
                }
            }
            Distribution::LogUniform { min, max } => {
                if !(finite(min) && finite(max) && min > 0.0 && max > min) {
                    return Err(format!(
                        "log-uniform range [{min}, {max}] is not valid; expected 0 < min < max"
                    ));
                }
            }
            Distribution::Normal { mean, sd, .. } => {
                if !(finite(mean) && finite(sd) && sd > 0.0) {
                    return Err(format!("normal sd = {sd}; expected a positive number"));
                }
            }
            Distribution::LogNormal { median, sigma, .. } => {
                if !(finite(median) && median > 0.0 && finite(sigma) && sigma > 0.0) {
                    return Err("log-normal needs median > 0 and sigma > 0".into());
                }
            }
            Distribution::Triangular { min, mode, max } => {
                if !(finite(min)
                    && finite(mode)
                    && finite(max)
                    && min <= mode
                    && mode <= max
                    && min < max)
                {
                    return Err(format!(
                        "triangular ({min}, {mode}, {max}) is not valid; expected min <= mode <= max, min < max"
                    ));
                }
            }
        }
        // The shape is valid: the truncation bounds of the two normals come next.
        if let Distribution::Normal { min, max, .. } | Distribution::LogNormal { min, max, .. } =
            *self
        {
            check_bounds(min, max)?;
        }
        Ok(())
    }
}

fn check_bounds(min: Option<f64>, max: Option<f64>) -> Result<(), String> {
    if let (Some(a), Some(b)) = (min, max) {
        if a >= b || a.is_nan() || b.is_nan() {
            return Err(format!("bounds [{a}, {b}] are empty; expected min < max"));
        }
    }
    Ok(())
}

fn clamp_opt(x: f64, min: Option<f64>, max: Option<f64>) -> f64 {
    let x = min.map_or(x, |m| x.max(m));
    max.map_or(x, |m| x.min(m))
}

/// The random stream of run `index` of a sweep with `seed`.
pub fn run_stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// A uniform draw in (0, 1).
pub fn open_unit(rng: &mut ChaCha8Rng) -> f64 {
    loop {
        let u: f64 = rng.random();
        if u > 0.0 {
            return u;
        }
    }
}

/// A random permutation of 0..n from a stream of its own (Fisher-Yates).
pub fn permutation(seed: u64, stream: u64, n: usize) -> Vec<usize> {
    // Stream numbers of permutations sit far above any run index.
    let mut rng = run_stream(seed, u64::MAX - stream);
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        p.swap(i, j);
    }
    p
}

/// Standard normal CDF, via the complementary error function (W. J. Cody's rational
/// approximations as given in Numerical Recipes' `erfcc`, relative error < 1.2e-7).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Standard normal quantile (Acklam's algorithm, relative error < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p_low = 0.02425;
    if p < p_low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - p_low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_inverts_the_cdf() {
        // Phi(1.959964) = 0.975 (table value).
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-6);
        for &p in &[0.001, 0.05, 0.3, 0.5, 0.8, 0.99] {
            let z = normal_quantile(p);
            assert!((normal_cdf(z) - p).abs() < 2e-7, "p = {p}");
        }
    }

    #[test]
    fn quantiles_respect_bounds_and_shapes() {
        let d = Distribution::Normal {
            mean: 0.0,
            sd: 1.0,
            min: Some(-1.0),
            max: Some(1.0),
        };
        for k in 1..100 {
            let x = d.quantile(k as f64 / 100.0);
            assert!((-1.0..=1.0).contains(&x));
        }
        let t = Distribution::Triangular {
            min: 0.0,
            mode: 1.0,
            max: 2.0,
        };
        assert!((t.quantile(0.5) - 1.0).abs() < 1e-12);
        let lu = Distribution::LogUniform {
            min: 1e-10,
            max: 1e-8,
        };
        assert!((lu.quantile(0.5) - 1e-9).abs() < 1e-21);
        let ln = Distribution::LogNormal {
            median: 2.0,
            sigma: 0.5,
            min: None,
            max: None,
        };
        assert!((ln.quantile(0.5) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn streams_depend_on_seed_and_index_only() {
        let a: f64 = run_stream(7, 3).random();
        let b: f64 = run_stream(7, 3).random();
        let c: f64 = run_stream(7, 4).random();
        let d: f64 = run_stream(8, 3).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        let p = permutation(1, 0, 10);
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    }
}
