//! Streaming statistics across runs: exact mean and sample sd (Welford,
//! merged with Chan's formula) and quantiles from a mergeable log-bucket
//! sketch (DDSketch) with relative error at most [`RELATIVE_ERROR`].
//! Memory does not grow with the number of runs.

/// Relative accuracy of sketch quantiles: a reported quantile `q̂` of a true
/// order statistic `q` satisfies `|q̂ − q| ≤ 0.005·|q|`.
pub const RELATIVE_ERROR: f64 = 0.005;
/// Magnitudes below this count as exactly zero.
const ZERO: f64 = 1e-12;

#[derive(Debug, Clone, Default)]
struct Store {
    offset: i32,
    counts: Vec<u64>,
}

impl Store {
    fn add(&mut self, index: i32, n: u64) {
        if self.counts.is_empty() {
            self.offset = index;
            self.counts.push(n);
            return;
        }
        if index < self.offset {
            let grow = (self.offset - index) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = index;
        }
        let pos = (index - self.offset) as usize;
        if pos >= self.counts.len() {
            self.counts.resize(pos + 1, 0);
        }
        self.counts[pos] += n;
    }

    fn merge(&mut self, other: &Store) {
        for (i, &c) in other.counts.iter().enumerate() {
            if c > 0 {
                self.add(other.offset + i as i32, c);
            }
        }
    }
}

/// A DDSketch: counts in logarithmic buckets, mergeable exactly (bucket
/// counts are integers, so merge order never changes a result).
#[derive(Debug, Clone)]
pub struct Sketch {
    positive: Store,
    negative: Store,
    zeros: u64,
    count: u64,
    min: f64,
    max: f64,
}

impl Default for Sketch {
    fn default() -> Self {
        Self { positive: Store::default(), negative: Store::default(), zeros: 0, count: 0, min: f64::INFINITY, max: f64::NEG_INFINITY }
    }
}

fn gamma() -> f64 {
    (1.0 + RELATIVE_ERROR) / (1.0 - RELATIVE_ERROR)
}

fn bucket(magnitude: f64) -> i32 {
    (magnitude.ln() / gamma().ln()).ceil() as i32
}

fn representative(index: i32) -> f64 {
    let g = gamma();
    2.0 * g.powi(index) / (g + 1.0)
}

impl Sketch {
    pub fn add(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.count += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x > ZERO {
            self.positive.add(bucket(x), 1);
        } else if x < -ZERO {
            self.negative.add(bucket(-x), 1);
        } else {
            self.zeros += 1;
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.positive.merge(&other.positive);
        self.negative.merge(&other.negative);
        self.zeros += other.zeros;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The `q`-quantile (lower order statistic at rank `q·(n − 1)`), within
    /// [`RELATIVE_ERROR`], and never outside the observed min and max.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.count - 1) as f64 + 1e-9).floor() as u64;
        let mut seen = 0u64;
        let value = 'find: {
            for (i, &c) in self.negative.counts.iter().enumerate().rev() {
                seen += c;
                if seen > rank {
                    break 'find -representative(self.negative.offset + i as i32);
                }
            }
            seen += self.zeros;
            if seen > rank {
                break 'find 0.0;
            }
            for (i, &c) in self.positive.counts.iter().enumerate() {
                seen += c;
                if seen > rank {
                    break 'find representative(self.positive.offset + i as i32);
                }
            }
            self.max
        };
        value.clamp(self.min, self.max)
    }
}

/// Mean and sum of squared deviations (Welford), mergeable (Chan et al.).
#[derive(Debug, Clone, Copy, Default)]
pub struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let n = self.n + other.n;
        let d = other.mean - self.mean;
        self.mean += d * other.n as f64 / n as f64;
        self.m2 += other.m2 + d * d * self.n as f64 * other.n as f64 / n as f64;
        self.n = n;
    }

    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Sample standard deviation (n − 1); 0 for a single run.
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2.max(0.0) / (self.n - 1) as f64).sqrt()
        }
    }
}

/// Everything kept for one reported figure.
#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    moments: Moments,
    sketch: Sketch,
}

/// The statistics reported for one figure across runs (model.md §8).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub mean: f64,
    pub sd: f64,
    pub p05: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    /// Monte Carlo standard error of the mean, `sd / √runs`.
    pub mcse: f64,
}

impl Accumulator {
    pub fn add(&mut self, x: f64) {
        self.moments.add(x);
        self.sketch.add(x);
    }

    pub fn merge(&mut self, other: &Accumulator) {
        self.moments.merge(&other.moments);
        self.sketch.merge(&other.sketch);
    }

    pub fn stat(&self) -> Stat {
        let sd = self.moments.sd();
        let n = self.moments.n.max(1) as f64;
        Stat {
            mean: self.moments.mean(),
            sd,
            p05: self.sketch.quantile(0.05),
            p25: self.sketch.quantile(0.25),
            p50: self.sketch.quantile(0.50),
            p75: self.sketch.quantile(0.75),
            p95: self.sketch.quantile(0.95),
            mcse: sd / n.sqrt(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
        let rank = (q * (sorted.len() - 1) as f64 + 1e-9).floor() as usize;
        sorted[rank]
    }

    proptest! {
        /// Sketch quantiles are within the stated relative error of the exact
        /// order statistic, for any data and any split into merged parts.
        #[test]
        fn sketch_quantiles_within_relative_error(
            data in prop::collection::vec(prop_oneof![-1e6f64..1e6, 0.0f64..1.0, Just(0.0)], 1..400),
            split in 0usize..400,
        ) {
            let split = split.min(data.len());
            let mut a = Sketch::default();
            let mut b = Sketch::default();
            for (i, &x) in data.iter().enumerate() {
                if i < split { a.add(x) } else { b.add(x) }
            }
            a.merge(&b);
            let mut sorted = data.clone();
            sorted.sort_by(f64::total_cmp);
            for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
                let exact = exact_quantile(&sorted, q);
                let got = a.quantile(q);
                prop_assert!((got - exact).abs() <= RELATIVE_ERROR * exact.abs() + 1e-12,
                    "q {} exact {} got {}", q, exact, got);
            }
        }

        /// Merged moments equal the moments of the whole, to rounding.
        #[test]
        fn moments_merge_like_one_pass(data in prop::collection::vec(-1e3f64..1e3, 2..200), split in 0usize..200) {
            let split = split.min(data.len());
            let mut whole = Moments::default();
            let mut a = Moments::default();
            let mut b = Moments::default();
            for (i, &x) in data.iter().enumerate() {
                whole.add(x);
                if i < split { a.add(x) } else { b.add(x) }
            }
            a.merge(&b);
            let n = data.len() as f64;
            let mean = data.iter().sum::<f64>() / n;
            let sd = (data.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            prop_assert!((a.mean() - mean).abs() < 1e-9);
            prop_assert!((a.sd() - sd).abs() < 1e-9 * (1.0 + sd));
            prop_assert!((whole.sd() - sd).abs() < 1e-9 * (1.0 + sd));
        }
    }

    #[test]
    fn constant_data_gives_exact_quantiles() {
        let mut acc = Accumulator::default();
        for _ in 0..10 {
            acc.add(73.0);
        }
        let s = acc.stat();
        assert_eq!((s.p05, s.p50, s.p95, s.sd, s.mcse), (73.0, 73.0, 73.0, 0.0, 0.0));
    }
}
