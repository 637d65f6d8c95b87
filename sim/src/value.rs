//! Values: a parameter written as a plain number or as a distribution
//! (model.md §2). A [`Value`] is built once at load time by a constructor that
//! checks its parameters, so the engine can draw from it without failing.

use rand::Rng;
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Normal, Triangular, Uniform};

/// Why a distribution's parameters were rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    #[error("`{0}` must be a finite number")]
    NotFinite(&'static str),
    #[error("`min` ({min}) must not be greater than `max` ({max}); swap them")]
    InvertedBounds { min: f64, max: f64 },
    #[error("`mode` ({mode}) must lie between `min` ({min}) and `max` ({max})")]
    ModeOutside { min: f64, mode: f64, max: f64 },
    #[error("`{key}` must be greater than 0 (it is {value})")]
    NotPositive { key: &'static str, value: f64 },
    #[error("`{key}` must not be negative (it is {value})")]
    Negative { key: &'static str, value: f64 },
}

/// The shape of a value's distribution, with its parameters checked.
#[derive(Debug, Clone)]
pub enum Shape {
    Fixed(f64),
    Uniform(Uniform<f64>),
    Triangular(Triangular<f64>),
    Pert(PertShape),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    Beta(Beta<f64>),
    Gamma(Gamma<f64>),
}

/// Beta-PERT on `[min, max]` with its mode at `mode` (λ = 4):
/// `min + (max − min)·B` with `B ~ Beta(α, β)`, `α = 1 + 4·(mode − min)/(max − min)`
/// and `β = 1 + 4·(max − mode)/(max − min)` (the parameters of
/// `rand_distr::Pert`). `B` is drawn as `X/(X + Y)` with `X ~ Gamma(α)` and
/// `Y ~ Gamma(β)`, which is exactly Beta(α, β): both shapes are at least 1,
/// so each gamma variate is Marsaglia and Tsang's method (a normal and a
/// uniform, a logarithm only in a few per cent of draws; an exponential
/// variate for a shape of exactly 1, a mode at `min` or `max`), where
/// `rand_distr::Beta`'s method (Cheng's) takes a logarithm and an
/// exponential at every try. A PERT value is the scenario's most common
/// distribution and is drawn for every run.
#[derive(Debug, Clone)]
pub struct PertShape {
    min: f64,
    max: f64,
    range: f64,
    /// The first shape parameter; the second is `6 − alpha` (the two sum to
    /// 6 for a PERT value), kept out to keep `Value` small.
    alpha: f64,
    x: Gamma<f64>,
    y: Gamma<f64>,
}

impl PertShape {
    /// `None` unless `min < max` and `mode` lies in `[min, max]`.
    fn new(min: f64, mode: f64, max: f64) -> Option<Self> {
        if !(min < max && (min..=max).contains(&mode)) {
            return None;
        }
        let range = max - min;
        // The ratio first, then the factor 4 (exact, a power of two), so that
        // a range near the largest float cannot overflow to infinity.
        let alpha = 1.0 + 4.0 * ((mode - min) / range);
        let beta = 1.0 + 4.0 * ((max - mode) / range);
        Some(Self { min, max, range, alpha, x: Gamma::new(alpha, 1.0).ok()?, y: Gamma::new(beta, 1.0).ok()? })
    }

    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = self.x.sample(rng);
        let y = self.y.sample(rng);
        // Gamma variates are positive; the guard keeps a NaN out regardless.
        let b = if x + y > 0.0 { x / (x + y) } else { 0.5 };
        (self.min + self.range * b).min(self.max)
    }
}

/// A numeric parameter: a fixed number or a distribution with optional
/// clamping bounds. Drawing never fails.
#[derive(Debug, Clone)]
pub struct Value {
    shape: Shape,
    /// Textual description for `validate` and the manifest.
    describe: String,
    lo: f64,
    hi: f64,
    /// The smallest and largest values a draw can take (after clamping), used
    /// by load-time checks such as "a probability must lie in [0, 1]".
    support: (f64, f64),
    /// The `mode` a triangular or PERT value was written with.
    mode: Option<f64>,
    /// The mean of the distribution as written, before clamping.
    mean: f64,
    /// Every draw is multiplied by this (1 unless [`Value::scaled`]).
    scale: f64,
}

fn finite(key: &'static str, x: f64) -> Result<f64, ValueError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(ValueError::NotFinite(key))
    }
}

fn positive(key: &'static str, x: f64) -> Result<f64, ValueError> {
    // Written so that NaN fails.
    if finite(key, x)? > 0.0 {
        Ok(x)
    } else {
        Err(ValueError::NotPositive { key, value: x })
    }
}

fn ordered(min: f64, max: f64) -> Result<(), ValueError> {
    if min <= max {
        Ok(())
    } else {
        Err(ValueError::InvertedBounds { min, max })
    }
}

impl Value {
    /// A fixed number.
    ///
    /// # Errors
    /// If `x` is not finite.
    pub fn fixed(x: f64) -> Result<Self, ValueError> {
        finite("value", x)?;
        Ok(Self::with_shape(Shape::Fixed(x), format!("{x}"), (x, x), None, None))
    }

    /// Uniform on `[min, max]`.
    ///
    /// # Errors
    /// If a bound is not finite or `min > max`.
    pub fn uniform(min: f64, max: f64) -> Result<Self, ValueError> {
        finite("min", min)?;
        finite("max", max)?;
        ordered(min, max)?;
        let shape = if min == max {
            Shape::Fixed(min)
        } else {
            Shape::Uniform(Uniform::new_inclusive(min, max).map_err(|_| ValueError::InvertedBounds { min, max })?)
        };
        Ok(Self {
            mean: (min + max) / 2.0,
            ..Self::with_shape(shape, format!("uniform({min}, {max})"), (min, max), None, None)
        })
    }

    /// Triangular on `[min, max]` with its peak at `mode`.
    ///
    /// # Errors
    /// If a parameter is not finite, `min > max` or `mode` lies outside.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Self, ValueError> {
        Self::check_three(min, mode, max)?;
        let shape = if min == max {
            Shape::Fixed(min)
        } else {
            Shape::Triangular(Triangular::new(min, max, mode).map_err(|_| ValueError::ModeOutside {
                min,
                mode,
                max,
            })?)
        };
        Ok(Self {
            mode: Some(mode),
            mean: (min + mode + max) / 3.0,
            ..Self::with_shape(shape, format!("triangular({min}, {mode}, {max})"), (min, max), None, None)
        })
    }

    /// Beta-PERT on `[min, max]` with its mode at `mode` (λ = 4).
    ///
    /// # Errors
    /// If a parameter is not finite, `min > max` or `mode` lies outside.
    pub fn pert(min: f64, mode: f64, max: f64) -> Result<Self, ValueError> {
        Self::check_three(min, mode, max)?;
        let shape = if min == max {
            Shape::Fixed(min)
        } else {
            Shape::Pert(PertShape::new(min, mode, max).ok_or(ValueError::ModeOutside { min, mode, max })?)
        };
        Ok(Self {
            mode: Some(mode),
            mean: (min + 4.0 * mode + max) / 6.0,
            ..Self::with_shape(shape, format!("pert({min}, {mode}, {max})"), (min, max), None, None)
        })
    }

    /// Normal with mean and standard deviation, optionally clamped.
    ///
    /// # Errors
    /// If a parameter is not finite or `sd < 0`, or the bounds are inverted.
    pub fn normal(mean: f64, sd: f64, min: Option<f64>, max: Option<f64>) -> Result<Self, ValueError> {
        finite("mean", mean)?;
        if !(finite("sd", sd)? >= 0.0) {
            return Err(ValueError::Negative { key: "sd", value: sd });
        }
        let shape = if sd == 0.0 {
            Shape::Fixed(mean)
        } else {
            Shape::Normal(Normal::new(mean, sd).map_err(|_| ValueError::Negative { key: "sd", value: sd })?)
        };
        let support = (f64::NEG_INFINITY, f64::INFINITY);
        Ok(Self { mean, ..Self::bounded(shape, format!("normal({mean}, {sd})"), support, min, max)? })
    }

    /// Log-normal with the given median and log-sd, optionally clamped.
    ///
    /// # Errors
    /// If `median <= 0`, `sigma < 0`, or the bounds are inverted.
    pub fn lognormal(median: f64, sigma: f64, min: Option<f64>, max: Option<f64>) -> Result<Self, ValueError> {
        positive("median", median)?;
        if !(finite("sigma", sigma)? >= 0.0) {
            return Err(ValueError::Negative { key: "sigma", value: sigma });
        }
        let shape = if sigma == 0.0 {
            Shape::Fixed(median)
        } else {
            Shape::LogNormal(
                LogNormal::new(median.ln(), sigma).map_err(|_| ValueError::Negative { key: "sigma", value: sigma })?,
            )
        };
        let mean = median * (sigma * sigma / 2.0).exp();
        Ok(Self {
            mean,
            ..Self::bounded(shape, format!("lognormal({median}, {sigma})"), (0.0, f64::INFINITY), min, max)?
        })
    }

    /// Beta(alpha, beta) on [0, 1], optionally clamped.
    ///
    /// # Errors
    /// If `alpha <= 0` or `beta <= 0`, or the bounds are inverted.
    pub fn beta(alpha: f64, beta: f64, min: Option<f64>, max: Option<f64>) -> Result<Self, ValueError> {
        positive("alpha", alpha)?;
        positive("beta", beta)?;
        let shape =
            Shape::Beta(Beta::new(alpha, beta).map_err(|_| ValueError::NotPositive { key: "alpha", value: alpha })?);
        let mean = alpha / (alpha + beta);
        Ok(Self { mean, ..Self::bounded(shape, format!("beta({alpha}, {beta})"), (0.0, 1.0), min, max)? })
    }

    /// Gamma(shape, scale), optionally clamped.
    ///
    /// # Errors
    /// If `shape <= 0` or `scale <= 0`, or the bounds are inverted.
    pub fn gamma(k: f64, scale: f64, min: Option<f64>, max: Option<f64>) -> Result<Self, ValueError> {
        positive("shape", k)?;
        positive("scale", scale)?;
        let shape = Shape::Gamma(Gamma::new(k, scale).map_err(|_| ValueError::NotPositive { key: "shape", value: k })?);
        Ok(Self {
            mean: k * scale,
            ..Self::bounded(shape, format!("gamma({k}, {scale})"), (0.0, f64::INFINITY), min, max)?
        })
    }

    fn check_three(min: f64, mode: f64, max: f64) -> Result<(), ValueError> {
        finite("min", min)?;
        finite("mode", mode)?;
        finite("max", max)?;
        ordered(min, max)?;
        if min <= mode && mode <= max {
            Ok(())
        } else {
            Err(ValueError::ModeOutside { min, mode, max })
        }
    }

    fn bounded(
        shape: Shape,
        describe: String,
        support: (f64, f64),
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Self, ValueError> {
        if let Some(m) = min {
            finite("min", m)?;
        }
        if let Some(m) = max {
            finite("max", m)?;
        }
        if let (Some(a), Some(b)) = (min, max) {
            ordered(a, b)?;
        }
        Ok(Self::with_shape(shape, describe, support, min, max))
    }

    fn with_shape(shape: Shape, mut describe: String, support: (f64, f64), min: Option<f64>, max: Option<f64>) -> Self {
        let lo = min.unwrap_or(f64::NEG_INFINITY);
        let hi = max.unwrap_or(f64::INFINITY);
        if min.is_some() || max.is_some() {
            describe = format!("{describe} in [{lo}, {hi}]");
        }
        let support = (support.0.max(lo), support.1.min(hi));
        let mean = match shape {
            Shape::Fixed(x) => x,
            _ => f64::NAN,
        };
        Self { shape, describe, lo, hi, support, mode: None, mean, scale: 1.0 }
    }

    /// Restricts draws to a key's domain (model.md §5: "a draw outside a
    /// key's domain is clamped into it"), e.g. `[0, 1]` for a probability.
    pub fn clamped_to(mut self, lo: f64, hi: f64) -> Self {
        self.lo = self.lo.max(lo);
        self.hi = self.hi.min(hi);
        self.support = (self.support.0.max(lo), self.support.1.min(hi));
        self
    }

    /// The clamping bounds of draws: the table's own `min`/`max` within the
    /// key's domain (for a plain number, the domain alone).
    pub fn limits(&self) -> (f64, f64) {
        (self.lo * self.scale, self.hi * self.scale)
    }

    /// This value times `k` (≥ 0): every draw, bound and summary scaled,
    /// the same random numbers used (a pooled fund without a member's share).
    pub fn scaled(mut self, k: f64) -> Self {
        let k = if k.is_finite() { k.max(0.0) } else { 1.0 };
        self.scale *= k;
        self.support = (self.support.0 * k, self.support.1 * k);
        self.describe = format!("{} × {k}", self.describe);
        self
    }

    /// The smallest and largest values a draw can take.
    pub fn support(&self) -> (f64, f64) {
        self.support
    }

    /// The fixed number, when the value is not random.
    pub fn as_fixed(&self) -> Option<f64> {
        match self.shape {
            Shape::Fixed(x) => Some(self.bound(x) * self.scale),
            _ => None,
        }
    }

    /// The most likely value as written: the number itself, or the `mode`
    /// of a triangular or PERT value (clamped like a draw). `None` for other
    /// distributions. For tools that need one figure (the importer's post
    /// cost, checks of a scenario against its data).
    pub fn mode(&self) -> Option<f64> {
        match self.shape {
            Shape::Fixed(x) => Some(x),
            _ => self.mode,
        }
        .map(|x| self.bound(x) * self.scale)
    }

    /// A typical value, for previews such as `validate`'s posts per round:
    /// the number itself, or the mean of the distribution as written
    /// (before clamping), clamped like a draw.
    pub fn typical(&self) -> f64 {
        self.bound(self.mean) * self.scale
    }

    /// Draws one value, clamped into the table's own `min`/`max`.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = match &self.shape {
            Shape::Fixed(x) => *x,
            Shape::Uniform(d) => d.sample(rng),
            Shape::Triangular(d) => d.sample(rng),
            Shape::Pert(d) => d.sample(rng),
            Shape::Normal(d) => d.sample(rng),
            Shape::LogNormal(d) => d.sample(rng),
            Shape::Beta(d) => d.sample(rng),
            Shape::Gamma(d) => d.sample(rng),
        };
        self.bound(x) * self.scale
    }

    /// `P(draw < t)`, exactly (to the special function's accuracy, about
    /// 1e-14), where the value's distribution function is known here: a
    /// PERT value, clamped or not, scaled by a positive factor. `None` for
    /// other shapes, which are drawn rather than tabulated.
    pub fn probability_below(&self, t: f64) -> Option<f64> {
        let Shape::Pert(d) = &self.shape else { return None };
        if !(self.scale > 0.0 && self.scale.is_finite()) || t.is_nan() {
            return None;
        }
        // draw < t ⇔ clamp(x) < s with s = t / scale; with x continuous,
        // that is 0 at or below the lower bound, 1 above the upper one and
        // P(x < s) between them.
        let s = t / self.scale;
        Some(if s <= self.lo {
            0.0
        } else if s > self.hi {
            1.0
        } else {
            crate::special::incomplete_beta(d.alpha, 6.0 - d.alpha, (s - d.min) / d.range)
        })
    }

    /// Clamps into `[lo, hi]` without ever panicking (`f64::clamp` panics
    /// when `lo > hi`; the loader rejects such values, this is a second
    /// line of defence).
    fn bound(&self, x: f64) -> f64 {
        x.max(self.lo).min(self.hi)
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn constructors_reject_bad_parameters_including_nan() {
        assert_eq!(Value::uniform(2.0, 1.0).unwrap_err(), ValueError::InvertedBounds { min: 2.0, max: 1.0 });
        assert!(matches!(Value::pert(0.0, 5.0, 4.0), Err(ValueError::ModeOutside { .. })));
        assert!(matches!(Value::normal(0.0, -1.0, None, None), Err(ValueError::Negative { key: "sd", .. })));
        assert!(matches!(Value::beta(0.0, 1.0, None, None), Err(ValueError::NotPositive { key: "alpha", .. })));
        assert!(matches!(Value::gamma(f64::NAN, 1.0, None, None), Err(ValueError::NotFinite("shape"))));
        assert!(matches!(Value::triangular(0.0, f64::NAN, 1.0), Err(ValueError::NotFinite("mode"))));
        assert!(matches!(Value::normal(0.0, 1.0, Some(3.0), Some(1.0)), Err(ValueError::InvertedBounds { .. })));
    }

    #[test]
    fn draws_respect_bounds_and_support() {
        let v = Value::normal(0.0, 10.0, Some(-1.0), Some(1.0)).unwrap();
        assert_eq!(v.support(), (-1.0, 1.0));
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for _ in 0..1000 {
            let x = v.sample(&mut rng);
            assert!((-1.0..=1.0).contains(&x));
        }
    }

    #[test]
    fn mode_is_the_written_figure_or_none() {
        assert_eq!(Value::fixed(7.0).unwrap().mode(), Some(7.0));
        assert_eq!(Value::pert(45000.0, 52000.0, 65000.0).unwrap().mode(), Some(52000.0));
        assert_eq!(Value::triangular(1.0, 4.0, 12.0).unwrap().mode(), Some(4.0));
        assert_eq!(Value::pert(3.0, 3.0, 3.0).unwrap().mode(), Some(3.0));
        assert_eq!(Value::pert(0.0, 2.0, 5.0).unwrap().clamped_to(0.0, 1.0).mode(), Some(1.0));
        assert_eq!(Value::uniform(1.0, 2.0).unwrap().mode(), None);
        assert_eq!(Value::normal(1.0, 2.0, None, None).unwrap().mode(), None);
    }

    /// Sample means within 4 standard errors of the analytic means.
    #[test]
    fn sample_means_match_closed_forms() {
        let n = 40_000;
        let cases: Vec<(Value, f64, f64)> = vec![
            (Value::uniform(2.0, 6.0).unwrap(), 4.0, (16.0f64 / 12.0).sqrt()),
            // PERT mean (min + 4 mode + max) / 6; sd from the Beta form.
            (Value::pert(0.0, 2.0, 10.0).unwrap(), 3.0, {
                let (a, b): (f64, f64) = (1.0 + 4.0 * 0.2, 1.0 + 4.0 * 0.8);
                10.0 * (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt()
            }),
            (Value::triangular(0.0, 3.0, 6.0).unwrap(), 3.0, (27.0f64 / 18.0).sqrt()),
            (Value::beta(2.0, 6.0, None, None).unwrap(), 0.25, (12.0f64 / (64.0 * 9.0)).sqrt()),
            (Value::gamma(3.0, 2.0, None, None).unwrap(), 6.0, 12.0f64.sqrt()),
            (Value::lognormal(100.0, 0.2, None, None).unwrap(), 100.0 * (0.02f64).exp(), {
                let m = 100.0 * (0.02f64).exp();
                m * ((0.04f64).exp() - 1.0).sqrt()
            }),
        ];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        for (v, mean, sd) in cases {
            let total: f64 = (0..n).map(|_| v.sample(&mut rng)).sum();
            let se = sd / (n as f64).sqrt();
            let got = total / n as f64;
            assert!((got - mean).abs() < 4.0 * se, "{v}: mean {got}, expected {mean} ± {}", 4.0 * se);
        }
    }

    /// A PERT over a range near the largest float still spreads its draws
    /// (its shape parameters do not overflow), and stays inside the range.
    #[test]
    fn pert_over_a_huge_range_is_not_degenerate() {
        let v = Value::pert(-8e307, 0.0, 8e307).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let draws: Vec<f64> = (0..1000).map(|_| v.sample(&mut rng)).collect();
        assert!(draws.iter().all(|x| (-8e307..=8e307).contains(x)));
        let mean = draws.iter().map(|x| x / 1e307).sum::<f64>() / 1000.0;
        // Symmetric: mean 0, sd (16e307)·sqrt(1/28) ≈ 3.0e307, so the mean of
        // 1,000 draws is within 0.6e307 of 0 (6 standard errors).
        assert!(mean.abs() < 0.6, "mean {mean}e307");
        assert!(draws.iter().any(|&x| x > 1e307) && draws.iter().any(|&x| x < -1e307));
    }

    /// Beta-PERT drawn from two gamma variates has the distribution of
    /// `rand_distr::Pert` (an independent implementation, by Cheng's beta
    /// method): a two-sample Kolmogorov–Smirnov test of 100,000 draws of
    /// each, at skewed, symmetric and edge modes. The 0.999 critical value
    /// is `1.95·sqrt(2/n)`, so a correct sampler fails one shape in a
    /// thousand; a shape parameter off by 5% fails every time.
    #[test]
    fn pert_draws_have_rand_distr_pert_distribution() {
        let n = 100_000;
        for (k, (min, mode, max)) in
            [(0.0, 2.0, 10.0), (45_000.0, 52_000.0, 65_000.0), (0.0, 0.5, 1.0), (1.0, 1.0, 3.0), (0.0, 0.1, 0.1)]
                .into_iter()
                .enumerate()
        {
            let ours = Value::pert(min, mode, max).unwrap();
            let theirs = rand_distr::Pert::new(min, max).with_mode(mode).unwrap();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(100 + k as u64);
            let mut a: Vec<f64> = (0..n).map(|_| ours.sample(&mut rng)).collect();
            let mut b: Vec<f64> = (0..n).map(|_| theirs.sample(&mut rng)).collect();
            assert!(a.iter().all(|x| (min..=max).contains(x)), "pert({min}, {mode}, {max}) drew outside");
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let (mut i, mut j, mut d) = (0, 0, 0.0f64);
            while i < n && j < n {
                if a[i] <= b[j] {
                    i += 1;
                } else {
                    j += 1;
                }
                d = d.max((i as f64 - j as f64).abs() / n as f64);
            }
            let critical = 1.95 * (2.0 / n as f64).sqrt();
            assert!(d < critical, "pert({min}, {mode}, {max}): KS distance {d:.4} ≥ {critical:.4}");
        }
    }

    /// The distribution function agrees with the draws: at points across
    /// the support, a clamped and a scaled PERT's `probability_below(t)` is
    /// within five binomial standard errors of the share of 100,000 draws
    /// below `t`, and 0 and 1 outside the clamp; other shapes have none.
    #[test]
    fn probability_below_is_the_share_of_draws_below() {
        let n = 100_000;
        let pert = || Value::pert(1.0, 4.0, 12.0).unwrap();
        for v in [pert(), pert().clamped_to(2.0, 9.0), pert().scaled(2.5)] {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            let draws: Vec<f64> = (0..n).map(|_| v.sample(&mut rng)).collect();
            let (lo, hi) = v.support();
            for k in 0..=12 {
                let t = lo + (hi - lo) * f64::from(k) / 12.0;
                let p = v.probability_below(t).unwrap();
                let share = draws.iter().filter(|&&x| x < t).count() as f64 / n as f64;
                let se = (p * (1.0 - p) / n as f64).sqrt().max(1e-9);
                assert!((share - p).abs() <= 5.0 * se, "{v} at {t}: P {p:.5}, share {share:.5}");
            }
            assert_eq!(v.probability_below(lo), Some(0.0));
            assert_eq!(v.probability_below(hi + 1e-9), Some(1.0));
        }
        // The clamp puts mass on its bounds: P(draw < 9) excludes it.
        let clamped = pert().clamped_to(2.0, 9.0);
        assert!(clamped.probability_below(9.0).unwrap() < 1.0);
        assert_eq!(Value::uniform(0.0, 1.0).unwrap().probability_below(0.5), None);
        assert_eq!(Value::fixed(1.0).unwrap().probability_below(0.5), None);
    }
}
