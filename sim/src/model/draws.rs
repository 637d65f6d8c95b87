//! The samplers the model draws with: Poisson, binomial, geometric waiting
//! times and vacancy lengths. Each is exact for its distribution. The Poisson
//! sampler for large means draws one more uniform than `rand_distr::Poisson`
//! in most draws (see [`poisson_by_normal_deviates`]); the other fast paths
//! change the cost of a draw, never its value.

use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution, Exp1, StandardNormal};

use crate::value::Value;

/// Annual probability → monthly probability: `1 − (1 − p)^(1/12)`.
pub fn monthly_probability(p: f64) -> f64 {
    if p >= 1.0 {
        1.0
    } else {
        1.0 - (1.0 - p).powf(1.0 / 12.0)
    }
}

/// `floor(x)` for `x ≥ 0` by a cast to `i64` (exact below 2^52; one
/// instruction each way, and no branch), without the library call that
/// `f64::floor` is on baseline x86-64.
#[inline]
fn floor_non_negative(x: f64) -> f64 {
    if x < 4.0e15 {
        (x as i64) as f64
    } else {
        x.floor()
    }
}

/// The mean above which a Poisson count is taken as its mean (see [`poisson`]).
pub const MAX_POISSON_MEAN: f64 = 1e15;

/// Poisson draw: inversion for small means (cheap and exact), the
/// Ahrens–Dieter method above.
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> u64 {
    if !(mean > 0.0) {
        return 0;
    }
    if mean < 30.0 {
        poisson_by_inversion(rng, mean, (-mean).exp())
    } else if mean > MAX_POISSON_MEAN {
        // Beyond 10^15 a Poisson count is its mean to 8 significant digits;
        // past 10^18 it would not fit the count, so it is capped there
        // (only absurd growth over a long horizon gets here).
        mean.min(1e18).round() as u64
    } else {
        poisson_by_normal_deviates(rng, mean) as u64
    }
}

/// [`poisson`] as a float (the same value, without conversions).
#[inline(always)]
pub(super) fn poisson_count<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> f64 {
    if (30.0..=MAX_POISSON_MEAN).contains(&mean) {
        poisson_by_normal_deviates(rng, mean)
    } else {
        poisson(rng, mean) as f64
    }
}

/// Poisson draw by inversion for a small mean, given `p0 = exp(−mean)`.
pub fn poisson_by_inversion<R: Rng + ?Sized>(rng: &mut R, mean: f64, p0: f64) -> u64 {
    if !(mean > 0.0) {
        return 0;
    }
    let u: f64 = rng.random();
    let mut p = p0;
    let mut cdf = p;
    let mut k = 0u64;
    while u > cdf && k < 10_000 {
        k += 1;
        p *= mean / k as f64;
        cdf += p;
        if p == 0.0 {
            break;
        }
    }
    k
}

/// The constants of the Ahrens–Dieter method that only its slow steps need.
struct SlowSteps {
    c: f64,
    c0: f64,
    c1: f64,
    c2: f64,
    c3: f64,
    omega: f64,
}

impl SlowSteps {
    fn new(lambda: f64) -> Self {
        let b1 = (1.0 / 24.0) / lambda;
        let b2 = 0.3 * b1 * b1;
        let c3 = (1.0 / 7.0) * b1 * b2;
        let c2 = b2 - 15.0 * c3;
        let c1 = b1 - 6.0 * b2 + 45.0 * c3;
        let c0 = 1.0 - b1 + 3.0 * b2 - 15.0 * c3;
        Self { c: 0.1069 / lambda, c0, c1, c2, c3, omega: 1.0 / (2.0 * std::f64::consts::PI).sqrt() / lambda.sqrt() }
    }

    /// Step F: `(px, py, fx, fy)` at `k`.
    fn f(&self, lambda: f64, s: f64, k: f64) -> (f64, f64, f64, f64) {
        const FACT: [f64; 10] = [1.0, 1.0, 2.0, 6.0, 24.0, 120.0, 720.0, 5040.0, 40320.0, 362880.0];
        const A: [f64; 10] = [
            -0.5000000002,
            0.3333333343,
            -0.2499998565,
            0.1999997049,
            -0.1666848753,
            0.1428833286,
            -0.1241963125,
            0.1101687109,
            -0.1142650302,
            0.1055093006,
        ];
        let (px, py) = if k < 10.0 {
            (-lambda, lambda.powf(k) / FACT[k as usize])
        } else {
            let delta = (12.0 * k).recip();
            let delta = delta - 4.8 * delta.powi(3);
            let v = (lambda - k) / k;
            let px = if v.abs() <= 0.25 {
                k * v.powi(2) * A.iter().rev().fold(0.0, |acc, &a| acc * v + a) - delta
            } else {
                k * (1.0 + v).ln() - (lambda - k) - delta
            };
            (px, 1.0 / (2.0 * std::f64::consts::PI).sqrt() / k.sqrt())
        };
        let x = (k - lambda + 0.5) / s;
        let fx = -0.5 * x * x;
        let fy = self.omega * (((self.c3 * x * x + self.c2) * x * x + self.c1) * x * x + self.c0);
        (px, py, fx, fy)
    }
}

/// Poisson(λ) for λ ≥ 30 by Ahrens and Dieter (1982), "Computer generation
/// of Poisson deviates from modified normal distributions", with the
/// arithmetic of `rand_distr::Poisson` (but for step S's `6·λ·λ·u`, where
/// it has `(6·λ²)·u`, at most an ulp apart). The usual steps (N, I and S: on the
/// UK baseline all but about 1.4% of draws end there) are inlined where new
/// cases are drawn; the rest ([`poisson_slow_steps`]) is a call.
///
/// Step S's uniform is drawn with step N's normal, before step I is
/// tested, and thrown away when step I accepts. It is independent of
/// everything else, so the distribution is the method's; but the test of
/// steps I and S is then one combined condition without a branch, where
/// step I alone was an even chance, a mispredicted branch every other draw
/// that stopped the processor from overlapping one month's draw with the
/// next. A draw that ends at step I (or whose normal falls below zero)
/// takes one more uniform than `rand_distr::Poisson` would.
#[inline(always)]
fn poisson_by_normal_deviates<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> f64 {
    let s = lambda.sqrt();
    // Step N: a normal deviate; step S's uniform.
    let z: f64 = StandardNormal.sample(rng);
    let u: f64 = rng.random();
    let g = lambda + s * z;
    let k1 = floor_non_negative(g.max(0.0));
    let d = lambda - k1;
    // Step I (far enough up) or step S accepts `k1`: `&` and `|`, not
    // `&&` and `||`, so that both are computed and nothing branches.
    // Step I's `k1 ≥ floor(λ − 1.1484)` is, for a whole number `k1`,
    // `λ − 1.1484 < k1 + 1`: the same test without a second floor.
    let accepted = (g >= 0.0) & ((lambda - 1.1484 < k1 + 1.0) | (6.0 * lambda * lambda * u >= d * d * d));
    if accepted {
        return k1;
    }
    poisson_slow_steps(rng, lambda, s, (g >= 0.0).then_some((k1, u)))
}

/// Steps P, Q (for the normal candidate `k1` with its uniform `u`, when
/// there is one) and E, H of [`poisson_by_normal_deviates`].
#[inline(never)]
fn poisson_slow_steps<R: Rng + ?Sized>(rng: &mut R, lambda: f64, s: f64, candidate: Option<(f64, f64)>) -> f64 {
    let steps = SlowSteps::new(lambda);
    if let Some((k1, u)) = candidate {
        let (px, py, fx, fy) = steps.f(lambda, s, k1);
        if fy * (1.0 - u) <= py * (px - fx).exp() {
            return k1;
        }
    }
    loop {
        // Step E: a double-exponential deviate, accepted by step H.
        let e: f64 = Exp1.sample(rng);
        let u: f64 = rng.random::<f64>() * 2.0 - 1.0;
        let t = 1.8 + e * u.signum();
        if t > -0.6744 {
            let k2 = floor_non_negative(lambda + s * t);
            let (px, py, fx, fy) = steps.f(lambda, s, k2);
            if steps.c * u.abs() <= py * (px + e).exp() - fy * (fx + e).exp() {
                return k2;
            }
        }
    }
}

/// Binomial draw of `n` trials with probability `p`.
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || !(p > 0.0) {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if (n as f64) * p < 10.0 && n < 1000 {
        binomial_by_inversion(rng, n, p, (1.0 - p).powi(n as i32))
    } else {
        match Binomial::new(n, p) {
            Ok(d) => d.sample(rng),
            Err(_) => 0,
        }
    }
}

/// Binomial(n, p) by inversion (BINV) for small `n·p`, given `q_n = (1 − p)^n`:
/// usually a single uniform and no logarithm.
pub fn binomial_by_inversion<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64, q_n: f64) -> u64 {
    binomial_by_inversion_odds(rng, n, p / (1.0 - p), q_n)
}

/// [`binomial_by_inversion`] given the odds `s = p / (1 − p)` (kept by a
/// caller that draws often at the same `p`).
#[inline]
pub(super) fn binomial_by_inversion_odds<R: Rng + ?Sized>(rng: &mut R, n: u64, s: f64, q_n: f64) -> u64 {
    let a = (n + 1) as f64 * s;
    let mut r = q_n;
    let mut u: f64 = rng.random();
    let mut x = 0u64;
    loop {
        if u < r {
            return x;
        }
        u -= r;
        x += 1;
        if x >= n {
            return n;
        }
        r *= a / x as f64 - s;
    }
}

/// A geometric waiting time: the number of monthly checks survived before
/// the first failure, each failing with probability `q` (a holder's stay in
/// post, an office's life). One uniform and one logarithm a draw; `ln(1 − q)`
/// is kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Geometric {
    q: f64,
    ln_stay: f64,
    /// `1 − q`, rounded.
    stay: f64,
}

impl Geometric {
    pub fn new(q: f64) -> Self {
        Self { q, ln_stay: (-q).ln_1p(), stay: 1.0 - q }
    }

    #[inline]
    pub fn months<R: Rng + ?Sized>(&self, rng: &mut R) -> i32 {
        self.months_or_long(rng, 0.0)
    }

    /// The uniform below which a wait is at least `limit` months, less a
    /// margin of 10⁻⁹ of itself for rounding: see [`Geometric::months_or_long`].
    pub fn long_below(&self, limit: i32) -> f64 {
        if self.q > 0.0 && self.q < 1.0 && limit > 0 {
            (f64::from(limit) * self.ln_stay).exp() * (1.0 - 1e-9)
        } else {
            0.0
        }
    }

    /// [`Geometric::long_below`] by repeated multiplication rather than an
    /// exponential (for `limit` up to a run's months: `(1 − q)^limit` to
    /// within about `limit` roundings, some 10⁻¹⁴ of itself, well inside the
    /// margin), and for `limit ≤ 0`, where every wait is long, above every
    /// uniform.
    #[inline]
    pub fn long_below_by_powers(&self, limit: i32) -> f64 {
        if limit <= 0 {
            f64::INFINITY
        } else if self.q > 0.0 && self.q < 1.0 {
            self.stay.powi(limit) * (1.0 - 1e-9)
        } else {
            0.0
        }
    }

    /// [`Geometric::months`] for a caller to whom a wait of `limit` months
    /// or more is as good as none (an office that outlives the horizon),
    /// given `long = long_below(limit)`: such a wait may come back as
    /// `i32::MAX / 2` without its logarithm. The wait is `ln u / ln(1 − q)`
    /// for the uniform `u`, at least `limit` exactly when
    /// `u ≤ (1 − q)^limit`, so the same uniform is drawn and any wait under
    /// `limit` is the same; the margin keeps the test on the safe side of
    /// the rounding of `exp` and `ln`.
    #[inline]
    pub fn months_or_long<R: Rng + ?Sized>(&self, rng: &mut R, long: f64) -> i32 {
        if !(self.q > 0.0) {
            return i32::MAX / 2;
        }
        if self.q >= 1.0 {
            return 0;
        }
        let u = 1.0 - rng.random::<f64>(); // (0, 1]
        if u < long {
            return i32::MAX / 2;
        }
        let g = u.ln() / self.ln_stay; // ≥ 0, so truncation is floor
        if g >= (i32::MAX / 4) as f64 {
            i32::MAX / 2
        } else {
            g as i32
        }
    }
}

/// A vacancy length: a draw of its value rounded half up to whole months
/// (model.md §5 step 4), in `[0, 1,000,000]`.
///
/// The rounded draw takes a handful of whole values, so where the value's
/// distribution function is known ([`Value::probability_below`], a PERT
/// value) their probabilities `P(k − ½ ≤ draw < k + ½)` are tabulated once,
/// when the scenario is planned, and a length is drawn by inversion: one
/// uniform and a search of the cumulative table, instead of the two gamma
/// variates of a PERT draw. The distribution is the same (to the
/// distribution function's accuracy, about 1e-14); the random numbers used
/// are not. A fixed value draws nothing, and other shapes (or a table of
/// more than [`Vacancy::MAX_TABLE`] lengths) draw the value and round it.
#[derive(Debug, Clone)]
pub enum Vacancy {
    /// The shortest length, and `P(length ≤ first + j)` for each length but
    /// the longest (whose cumulative probability is 1).
    Table { first: i32, cumulative: Box<[f64]> },
    /// Drawn and rounded.
    Draw(Value),
}

impl Vacancy {
    /// The most lengths a table holds.
    pub const MAX_TABLE: i32 = 4096;

    pub fn new(value: &Value) -> Self {
        Self::tabulate(value).unwrap_or_else(|| Self::Draw(value.clone()))
    }

    fn round(x: f64) -> i32 {
        (x + 0.5).floor().clamp(0.0, 1.0e6) as i32
    }

    fn tabulate(value: &Value) -> Option<Self> {
        if value.as_fixed().is_some() {
            return None;
        }
        let (lo, hi) = value.support();
        let (first, last) = (Self::round(lo), Self::round(hi));
        if last - first > Self::MAX_TABLE {
            return None;
        }
        let cumulative =
            (first..last).map(|k| value.probability_below(f64::from(k) + 0.5)).collect::<Option<Box<[f64]>>>()?;
        Some(Self::Table { first, cumulative })
    }

    /// The probability of each length from the shortest, when tabulated.
    #[cfg(test)]
    pub fn probabilities(&self) -> Option<(i32, Vec<f64>)> {
        let Self::Table { first, cumulative } = self else { return None };
        let mut below = 0.0;
        let mut p: Vec<f64> = cumulative
            .iter()
            .map(|&c| {
                let q = c - below;
                below = c;
                q
            })
            .collect();
        p.push(1.0 - below);
        Some((*first, p))
    }

    /// A length, in whole months.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> i32 {
        match self {
            Self::Table { first, cumulative } => {
                let u: f64 = rng.random();
                // The first length whose cumulative probability exceeds u.
                first + cumulative.partition_point(|&c| c <= u) as i32
            }
            Self::Draw(value) => Self::round(value.sample(rng)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::StreamRng;
    use rand::SeedableRng;

    #[test]
    fn monthly_probability_compounds_back_to_the_annual_one() {
        for p in [0.0, 0.05, 0.2, 0.9] {
            let q = monthly_probability(p);
            assert!((1.0 - (1.0 - q).powi(12) - p).abs() < 1e-12);
        }
        assert_eq!(monthly_probability(1.0), 1.0);
    }

    /// The floor by a cast is the floor: at whole numbers, just below and
    /// above them, at halves, and on both sides of where it hands over to
    /// `f64::floor`.
    #[test]
    fn floor_without_a_call_is_the_floor() {
        let mut xs = vec![0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 29.999, 1e6 + 0.5, 4.0e15, 4_503_599_627_370_495.5];
        for k in [1.0f64, 2.0, 3.0, 1_000.0, 2_345.0, 1.0e9, 1.0e15] {
            xs.extend([k, f64::from_bits(k.to_bits() - 1), f64::from_bits(k.to_bits() + 1), k + 0.5, k - 0.5]);
        }
        xs.extend([4_503_599_627_370_496.0, 1.0e17]);
        let mut rng = StreamRng::seed_from_u64(5);
        xs.extend((0..10_000).map(|_| rng.random::<f64>() * 5_000.0));
        for x in xs {
            assert_eq!(floor_non_negative(x).to_bits(), x.floor().to_bits(), "{x}");
        }
    }

    /// Poisson and binomial samplers against their means, within 4 standard
    /// errors.
    #[test]
    fn samplers_match_their_means() {
        let mut rng = StreamRng::seed_from_u64(3);
        let n = 50_000;
        for mean in [0.04, 2.5, 29.0, 30.0, 31.5, 750.0] {
            let total: u64 = (0..n).map(|_| poisson(&mut rng, mean)).sum();
            let se = (mean / n as f64).sqrt();
            assert!((total as f64 / n as f64 - mean).abs() < 4.0 * se, "poisson {mean}");
        }
        let (trials, p) = (40u64, 0.1);
        let total: u64 = (0..n).map(|_| binomial(&mut rng, trials, p)).sum();
        let se = (trials as f64 * p * (1.0 - p) / n as f64).sqrt();
        assert!((total as f64 / n as f64 - 4.0).abs() < 4.0 * se);
        // Geometric waiting time: mean (1 − q)/q.
        let q = 0.05;
        let total: i64 = (0..n).map(|_| i64::from(Geometric::new(q).months(&mut rng))).sum();
        let sd = ((1.0 - q) / (q * q)).sqrt();
        assert!((total as f64 / n as f64 - (1.0 - q) / q).abs() < 4.0 * sd / (n as f64).sqrt());
    }

    /// A wait drawn knowing that waits of `limit` months or more do not
    /// matter is the plain wait whenever that is under `limit`, from the
    /// same uniform, and at least `limit` otherwise; the stream is left in
    /// the same state.
    #[test]
    fn waits_past_a_limit_skip_only_what_does_not_matter() {
        let cases = [(0.0074, 120), (0.0074, 1), (0.3, 7), (0.999_999, 3), (0.05, 0), (1e-7, 119), (0.0074, -2)];
        for ((q, limit), by_powers) in cases.into_iter().flat_map(|c| [(c, false), (c, true)]) {
            let g = Geometric::new(q);
            let long = if by_powers { g.long_below_by_powers(limit) } else { g.long_below(limit) };
            if by_powers && limit > 0 {
                // The two thresholds agree to well inside the margin.
                let exact = g.long_below(limit);
                assert!((long - exact).abs() <= 1e-12 * exact, "q {q}, limit {limit}: {long} against {exact}");
            }
            let (mut a, mut b) = (StreamRng::seed_from_u64(21), StreamRng::seed_from_u64(21));
            let mut skipped = 0;
            for _ in 0..100_000 {
                let (plain, quick) = (g.months(&mut a), g.months_or_long(&mut b, long));
                if plain < limit {
                    assert_eq!(quick, plain, "q {q}, limit {limit}");
                } else {
                    assert!(quick >= limit, "q {q}, limit {limit}: {quick} for {plain}");
                    skipped += usize::from(quick != plain);
                }
            }
            assert_eq!(a.random::<u64>(), b.random::<u64>());
            if q == 0.0074 && limit == 120 {
                // (1 − q)^120 ≈ 0.41 of waits reach the horizon.
                assert!((39_000..43_000).contains(&skipped), "{skipped}");
            }
            if by_powers && limit <= 0 {
                // Every wait reaches a limit of none: all skipped.
                assert!(skipped > 99_000, "{skipped}");
            }
        }
    }

    /// The Poisson sampler for large means has the Poisson distribution:
    /// a chi-square test of 200,000 draws against the probabilities of the
    /// Poisson distribution, at means where the slow steps are reached most
    /// often (just above 30) and at larger ones, each bin of the test
    /// expecting at least 50 draws. The 0.999 quantile of chi-square is
    /// below `df + 4.5·sqrt(2·df)` for the degrees of freedom here, so a
    /// correct sampler fails one mean in a thousand; a sampler whose
    /// probabilities are off by a few per cent anywhere fails every time.
    /// Its mean and variance are also within 5 standard errors of λ.
    #[test]
    fn large_mean_poisson_draws_have_the_poisson_distribution() {
        for (seed, mean) in [(11u64, 30.0f64), (12, 31.7), (13, 45.0), (14, 200.0), (15, 2_345.6)] {
            let mut rng = StreamRng::seed_from_u64(seed);
            let n = 200_000usize;
            let draws: Vec<u64> = (0..n).map(|_| poisson(&mut rng, mean)).collect();
            // Probabilities by the recurrence p(k) = p(k − 1)·λ/k, in logs;
            // every draw from `top` up counts in the last bin.
            let top = (mean + 12.0 * mean.sqrt()) as usize + 20;
            let mut ln_p = -mean;
            let mut probs = vec![ln_p.exp()];
            for k in 1..=top {
                ln_p += mean.ln() - (k as f64).ln();
                probs.push(ln_p.exp());
            }
            // Every draw from `top` up counts at `top`, which takes the tail.
            probs[top] += (1.0 - probs.iter().sum::<f64>()).max(0.0);
            let lengths: Vec<i32> = draws.iter().map(|&k| k.min(top as u64) as i32).collect();
            let (chi2, df) = chi_square(0, &probs, &lengths);
            assert!(df > 10.0, "mean {mean}: {df} degrees of freedom");
            assert!(chi2 < df + 4.5 * (2.0 * df).sqrt(), "mean {mean}: chi-square {chi2:.1} on {df} df");
            let m = draws.iter().sum::<u64>() as f64 / n as f64;
            let v = draws.iter().map(|&k| (k as f64 - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            assert!((m - mean).abs() < 5.0 * (mean / n as f64).sqrt(), "mean {mean}: sample mean {m}");
            // The variance of a sample variance of a Poisson is about
            // (2λ² + λ)/n.
            assert!(
                (v - mean).abs() < 5.0 * ((2.0 * mean * mean + mean) / n as f64).sqrt(),
                "mean {mean}: variance {v}"
            );
        }
    }

    /// Pearson's chi-square of counts of whole values from `first` against the
    /// probabilities `p`, in bins each closed once it expects 50 draws, with
    /// its degrees of freedom.
    fn chi_square(first: i32, p: &[f64], lengths: &[i32]) -> (f64, f64) {
        let n = lengths.len() as f64;
        let mut counts = vec![0.0; p.len()];
        for &k in lengths {
            let j = usize::try_from(k - first).unwrap_or_else(|_| panic!("length {k} below {first}"));
            assert!(j < p.len(), "length {k} above the table");
            counts[j] += 1.0;
        }
        let mut bins: Vec<(f64, f64)> = Vec::new();
        let (mut bin_p, mut bin_c) = (0.0, 0.0);
        for (&q, &c) in p.iter().zip(&counts) {
            bin_p += q;
            bin_c += c;
            if bin_p * n >= 50.0 {
                bins.push((bin_p, bin_c));
                (bin_p, bin_c) = (0.0, 0.0);
            }
        }
        if let Some(last) = bins.last_mut() {
            last.0 += bin_p;
            last.1 += bin_c;
        }
        let chi2 = bins.iter().map(|&(q, c)| (c - q * n).powi(2) / (q * n)).sum();
        (chi2, bins.len() as f64 - 1.0)
    }

    /// The table's lengths have the distribution of the rounded draw they
    /// replace: both the table's own draws and rounded draws of the value
    /// fit its probabilities (chi-square within 4.5 standard deviations of
    /// its degrees of freedom), for skewed, symmetric and narrow PERT
    /// values, including one whose mode sits on a rounding boundary.
    #[test]
    fn vacancy_table_draws_the_rounded_distribution() {
        let n = 200_000;
        for (lo, mode, hi) in [(1.0, 4.0, 12.0), (0.0, 3.0, 6.0), (2.0, 2.5, 3.4), (0.2, 9.5, 40.0)] {
            let value = Value::pert(lo, mode, hi).unwrap_or_else(|e| panic!("{e}"));
            let vacancy = Vacancy::new(&value);
            let (first, p) =
                vacancy.probabilities().unwrap_or_else(|| panic!("pert({lo}, {mode}, {hi}) not tabulated"));
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!(p.iter().all(|&q| (0.0..=1.0).contains(&q)));
            let mut rng = StreamRng::seed_from_u64(7);
            let table: Vec<i32> = (0..n).map(|_| vacancy.draw(&mut rng)).collect();
            let rounded: Vec<i32> = (0..n).map(|_| Vacancy::round(value.sample(&mut rng))).collect();
            for (what, lengths) in [("table", &table), ("rounded", &rounded)] {
                let (chi2, df) = chi_square(first, &p, lengths);
                assert!(df >= 1.0, "pert({lo}, {mode}, {hi}): {df} degrees of freedom");
                assert!(
                    chi2 < df + 4.5 * (2.0 * df).sqrt(),
                    "pert({lo}, {mode}, {hi}) {what}: chi-square {chi2:.1} on {df} df"
                );
            }
        }
    }

    /// A fixed value is its rounded number and uses no random numbers; a
    /// shape without a known distribution function draws and rounds.
    #[test]
    fn vacancy_without_a_table_rounds_the_value() {
        let fixed = Vacancy::new(&Value::fixed(2.5).unwrap_or_else(|e| panic!("{e}")));
        assert!(fixed.probabilities().is_none());
        let mut rng = StreamRng::seed_from_u64(3);
        let mut untouched = rng.clone();
        assert_eq!(fixed.draw(&mut rng), 3);
        assert_eq!(rng.random::<u64>(), untouched.random::<u64>());

        let value = Value::uniform(0.0, 10.0).unwrap_or_else(|e| panic!("{e}"));
        let uniform = Vacancy::new(&value);
        assert!(uniform.probabilities().is_none());
        let (mut a, mut b) = (StreamRng::seed_from_u64(5), StreamRng::seed_from_u64(5));
        for _ in 0..100 {
            assert_eq!(uniform.draw(&mut a), Vacancy::round(value.sample(&mut b)));
        }
    }
}
