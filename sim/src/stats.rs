//! Streaming statistics across runs: exact mean and sample sd (Welford,
//! merged with Chan's formula) and quantiles from a mergeable log-linear
//! sketch with relative error at most [`RELATIVE_ERROR`]. Memory does not
//! grow with the number of runs.
//!
//! The sketch keeps integer counts in buckets of magnitude: each power of
//! two is split into 128 equal sub-buckets, read straight from the bits of
//! the `f64` (exponent and top 7 bits of the mantissa), so adding a value
//! costs a shift and an increment, no logarithm. A bucket `[lo, hi)` has
//! `hi/lo ≤ 1 + 1/128`, and reporting its harmonic midpoint
//! `2·lo·hi/(lo + hi)` is within `(hi − lo)/(hi + lo) ≤ 1/257` of any value
//! in it. Counts are integers, so merging is exact and order-free.

/// Relative accuracy of sketch quantiles: a reported quantile `q̂` of a true
/// order statistic `q` satisfies `|q̂ − q| ≤ RELATIVE_ERROR·|q|` (under 0.4%).
pub const RELATIVE_ERROR: f64 = 1.0 / 257.0;
/// Magnitudes below this count as exactly zero.
const ZERO: f64 = 1e-12;
/// Mantissa bits kept in a bucket index (128 sub-buckets per octave).
const SUB_BITS: u32 = 7;
const SHIFT: u32 = 52 - SUB_BITS;

use crate::bytes::{DecodeError, Reader, Writer};

/// The bucket of a positive, normal magnitude.
#[inline]
fn bucket(magnitude: f64) -> i32 {
    (magnitude.to_bits() >> SHIFT) as i32
}

/// The value reported for bucket `index`: the harmonic midpoint of its bounds.
fn representative(index: i32) -> f64 {
    let lo = f64::from_bits((index as u64) << SHIFT);
    let hi = f64::from_bits(((index + 1) as u64) << SHIFT);
    2.0 * lo * hi / (lo + hi)
}

#[derive(Debug, Clone, Default)]
struct Store {
    offset: i32,
    /// Counts per bucket; u32 holds 4 billion runs, and halves the memory.
    counts: Vec<u32>,
}

impl Store {
    #[inline]
    fn add(&mut self, index: i32, n: u32) {
        let pos = index.wrapping_sub(self.offset) as usize;
        if let Some(c) = self.counts.get_mut(pos) {
            *c += n;
            return;
        }
        self.grow_and_add(index, n);
    }

    /// Widens the store to hold `index`, with slack on the side it grew so
    /// that a drifting range does not reallocate on every new bucket.
    #[cold]
    fn grow_and_add(&mut self, index: i32, n: u32) {
        if self.counts.is_empty() {
            self.offset = index - 8;
            self.counts = vec![0; 17];
        } else {
            let slack = (self.counts.len() as i32 / 2).max(16);
            let end = self.offset + self.counts.len() as i32;
            if index < self.offset {
                let grow = (self.offset - index + slack) as usize;
                let mut counts = vec![0; grow + self.counts.len()];
                counts[grow..].copy_from_slice(&self.counts);
                self.counts = counts;
                self.offset -= grow as i32;
            } else if index >= end {
                self.counts.resize((index - self.offset + 1 + slack) as usize, 0);
            }
        }
        self.counts[(index - self.offset) as usize] += n;
    }

    fn merge(&mut self, other: &Store) {
        // Only the occupied range of the other store matters.
        let Some(first) = other.counts.iter().position(|&c| c > 0) else { return };
        let last = other.counts.iter().rposition(|&c| c > 0).unwrap_or(first);
        let (lo, hi) = (other.offset + first as i32, other.offset + last as i32);
        // Widen once to cover [lo, hi], then add slice to slice.
        self.add(lo, 0);
        self.add(hi, 0);
        let start = (lo - self.offset) as usize;
        for (mine, &theirs) in self.counts[start..].iter_mut().zip(&other.counts[first..=last]) {
            *mine += theirs;
        }
    }
}

/// A quantile sketch: counts in log-linear buckets, mergeable exactly.
#[derive(Debug, Clone)]
pub struct Sketch {
    positive: Store,
    negative: Store,
    zeros: u64,
    count: u64,
    min: f64,
    max: f64,
    /// Whether every value added was a whole number (counts of posts,
    /// providers): quantiles below 128 are then exact (see `quantile`).
    integral: bool,
}

impl Sketch {
    /// Asks the processor to bring the sketch's counts into cache (up to
    /// 4 KiB of them), so that a caller adding to several sketches in turn
    /// can overlap the next one's loads with this one's work. It changes
    /// nothing but timing.
    #[inline]
    pub fn prefetch(&self) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let counts = &self.positive.counts;
            // One address in each cache line of 64 bytes (16 counts).
            for c in counts.iter().step_by(16).take(64) {
                // SAFETY: a prefetch only hints; it reads nothing and cannot
                // fault, and the address is that of a live element.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(c).cast::<i8>()) };
            }
        }
    }
}

impl Default for Sketch {
    fn default() -> Self {
        Self {
            positive: Store::default(),
            negative: Store::default(),
            zeros: 0,
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            integral: true,
        }
    }
}

impl Sketch {
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.count += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        // A cast, not `trunc` (a library call on baseline x86-64).
        self.integral &= x.abs() < 9.0e15 && (x as i64) as f64 == x;
        if x > ZERO {
            self.positive.add(bucket(x), 1);
        } else if x < -ZERO {
            self.negative.add(bucket(-x), 1);
        } else {
            self.zeros += 1;
        }
    }

    /// Adds `xs` (the same state as one `add` each). A batch of equal values
    /// (a figure that is zero or constant across runs, which is common) is
    /// added in one step. A batch of finite numbers none of them negative
    /// (most figures) takes one pass for the bounds, read from the bits
    /// (the bits of non-negative floats are in the order of their values), one
    /// for the whole-number flag while it holds, and one for the bucket
    /// counts, the store widened once. A narrow batch (a count of posts or
    /// providers: a few buckets, so runs in a row often share one) is counted
    /// in four lanes, so that increments of one bucket do not wait on each
    /// other through memory.
    pub fn add_all(&mut self, xs: &[f64]) {
        /// Buckets (and one slot for zeros) counted in lanes.
        const NARROW: usize = 66;
        const LANES: usize = 4;
        let Some(&first) = xs.first() else { return };
        let zero_bits = ZERO.to_bits();
        // Bits of the least, the greatest and the least above ZERO, over
        // four independent lanes.
        let (mut lo, mut hi, mut least_positive) = ([u64::MAX; LANES], [0u64; LANES], [u64::MAX; LANES]);
        let mut lane = |k: usize, x: f64| {
            let b = x.to_bits();
            lo[k] = lo[k].min(b);
            hi[k] = hi[k].max(b);
            least_positive[k] = least_positive[k].min(if b > zero_bits { b } else { u64::MAX });
        };
        let mut chunks = xs.chunks_exact(LANES);
        for c in &mut chunks {
            c.iter().enumerate().for_each(|(k, &x)| lane(k, x));
        }
        chunks.remainder().iter().for_each(|&x| lane(0, x));
        let lo = lo.into_iter().fold(u64::MAX, u64::min);
        let hi = hi.into_iter().fold(0, u64::max);
        let least_positive = least_positive.into_iter().fold(u64::MAX, u64::min);
        if lo == hi {
            return self.add_repeated(first, xs.len() as u64);
        }
        // A negative number (its sign bit), an infinity or a NaN: one by one.
        if hi >= f64::INFINITY.to_bits() {
            return xs.iter().for_each(|&x| self.add(x));
        }
        self.count += xs.len() as u64;
        self.min = self.min.min(f64::from_bits(lo));
        self.max = self.max.max(f64::from_bits(hi));
        if self.integral {
            self.integral = xs.iter().all(|&x| x < 9.0e15 && (x as i64) as f64 == x);
        }
        // Every value is a zero (|x| ≤ ZERO) or positive.
        if least_positive == u64::MAX {
            self.zeros += xs.len() as u64;
            return;
        }
        let (first_bucket, last_bucket) = ((least_positive >> SHIFT) as i32, (hi >> SHIFT) as i32);
        let store = &mut self.positive;
        store.add(first_bucket, 0);
        store.add(last_bucket, 0);
        let start = first_bucket.wrapping_sub(store.offset) as usize;
        let width = (last_bucket - first_bucket + 1) as usize;
        let counts = &mut store.counts[start..start + width];
        if width >= NARROW {
            let mut zeros = 0;
            for &x in xs {
                let b = x.to_bits();
                if b > zero_bits {
                    counts[((b >> SHIFT) as i32 - first_bucket) as usize] += 1;
                } else {
                    zeros += 1;
                }
            }
            self.zeros += zeros;
            return;
        }
        // Slot `width` counts the zeros.
        let mut lanes = [[0u32; LANES]; NARROW];
        let slot = |x: f64| {
            let b = x.to_bits();
            if b > zero_bits {
                ((b >> SHIFT) as i32 - first_bucket) as usize
            } else {
                width
            }
        };
        let mut chunks = xs.chunks_exact(LANES);
        for c in &mut chunks {
            c.iter().enumerate().for_each(|(k, &x)| lanes[slot(x)][k] += 1);
        }
        chunks.remainder().iter().for_each(|&x| lanes[slot(x)][0] += 1);
        for (c, l) in counts.iter_mut().zip(&lanes) {
            *c += l.iter().sum::<u32>();
        }
        self.zeros += u64::from(lanes[width].iter().sum::<u32>());
    }

    /// Adds `n` copies of `x` (the same state as `n` calls of `add`).
    pub fn add_repeated(&mut self, x: f64, n: u64) {
        if x.is_nan() || n == 0 {
            return;
        }
        self.add(x);
        let more = n - 1;
        if more == 0 {
            return;
        }
        self.count += more;
        let more = u32::try_from(more).unwrap_or(u32::MAX);
        if x > ZERO {
            self.positive.add(bucket(x), more);
        } else if x < -ZERO {
            self.negative.add(bucket(-x), more);
        } else {
            self.zeros += u64::from(more);
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.positive.merge(&other.positive);
        self.negative.merge(&other.negative);
        self.zeros += other.zeros;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.integral &= other.integral;
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
                seen += u64::from(c);
                if seen > rank {
                    break 'find -representative(self.negative.offset + i as i32);
                }
            }
            seen += self.zeros;
            if seen > rank {
                break 'find 0.0;
            }
            for (i, &c) in self.positive.counts.iter().enumerate() {
                seen += u64::from(c);
                if seen > rank {
                    break 'find representative(self.positive.offset + i as i32);
                }
            }
            self.max
        };
        self.reported(value)
    }

    /// The value reported for a bucket's representative. Below 128 a bucket
    /// is narrower than 1 and the harmonic midpoint is within half a bucket
    /// of every value in it, so rounding whole-number data gives the exact
    /// order statistic.
    fn reported(&self, value: f64) -> f64 {
        let value = if self.integral && value.abs() < 128.0 { value.round() } else { value };
        value.clamp(self.min, self.max)
    }

    /// The share of the values added that are above `level`, each value
    /// taken as the sketch reports it (its bucket's value, as in
    /// [`Sketch::quantile`]), so that the share above the `q`-quantile is at
    /// most `1 − q`. `NaN` for an empty sketch.
    pub fn share_above(&self, level: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        let above = |value: f64, n: u64| if self.reported(value) > level { n } else { 0 };
        let negative: u64 = self
            .negative
            .counts
            .iter()
            .enumerate()
            .map(|(i, &c)| above(-representative(self.negative.offset + i as i32), u64::from(c)))
            .sum();
        let positive: u64 = self
            .positive
            .counts
            .iter()
            .enumerate()
            .map(|(i, &c)| above(representative(self.positive.offset + i as i32), u64::from(c)))
            .sum();
        (negative + above(0.0, self.zeros) + positive) as f64 / self.count as f64
    }
}

/// Count, mean and sum of squared deviations, mergeable (Chan et al.).
///
/// Values are summed as deviations from a shift (the first value, then the
/// running mean after each merge), which keeps the sums well conditioned
/// without a division per value.
#[derive(Debug, Clone, Copy, Default)]
pub struct Moments {
    n: u64,
    shift: f64,
    s1: f64,
    s2: f64,
}

impl Moments {
    #[inline]
    pub fn add(&mut self, x: f64) {
        if self.n == 0 {
            self.shift = x;
        }
        let d = x - self.shift;
        self.s1 += d;
        self.s2 += d * d;
        self.n += 1;
    }

    /// Sum of squared deviations from the mean.
    fn m2(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            (self.s2 - self.s1 * self.s1 / self.n as f64).max(0.0)
        }
    }

    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let (ma, mb) = (self.mean(), other.mean());
        let n = na + nb;
        let d = mb - ma;
        let m2 = self.m2() + other.m2() + d * d * na * nb / n;
        *self = Moments { n: self.n + other.n, shift: ma + d * nb / n, s1: 0.0, s2: m2 };
    }

    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.shift + self.s1 / self.n as f64
        }
    }

    /// Sample standard deviation (n − 1); 0 for a single run.
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2() / (self.n - 1) as f64).sqrt()
        }
    }
}

/// The [`Moments`] of many figures over the same runs, one row of figures
/// per run, kept as columns so that adding a run is one pass over its row.
/// Each column follows the arithmetic of [`Moments`] exactly: it reads back,
/// and merges, bit for bit as a [`Moments`] fed the same values would.
#[derive(Debug, Clone, Default)]
pub struct MomentsTable {
    n: u64,
    shift: Vec<f64>,
    s1: Vec<f64>,
    s2: Vec<f64>,
}

impl MomentsTable {
    /// A table of `width` figures and no rows.
    pub fn new(width: usize) -> Self {
        Self { n: 0, shift: vec![0.0; width], s1: vec![0.0; width], s2: vec![0.0; width] }
    }

    pub fn width(&self) -> usize {
        self.shift.len()
    }

    /// Adds one run's figures (`row.len()` is the width).
    pub fn add_row(&mut self, row: &[f64]) {
        debug_assert_eq!(row.len(), self.width());
        if self.n == 0 {
            self.shift.copy_from_slice(row);
        }
        for (((&x, &shift), s1), s2) in row.iter().zip(&self.shift).zip(&mut self.s1).zip(&mut self.s2) {
            let d = x - shift;
            *s1 += d;
            *s2 += d * d;
        }
        self.n += 1;
    }

    /// Adds `runs` runs given figure by figure: `(i, xs)` for each figure
    /// `i` that can be other than zero in them, with its `runs` values in run
    /// order; every other figure is zero in these runs. The same sums, bit
    /// for bit, as [`MomentsTable::add_row`] of each run in turn.
    pub fn add_columns<'a>(&mut self, runs: usize, columns: impl IntoIterator<Item = (usize, &'a [f64])>) {
        let first = self.n == 0;
        for (i, xs) in columns {
            debug_assert_eq!(xs.len(), runs);
            if first && !xs.is_empty() {
                self.shift[i] = xs[0];
            }
            let shift = self.shift[i];
            let (mut s1, mut s2) = (self.s1[i], self.s2[i]);
            for &x in xs {
                let d = x - shift;
                s1 += d;
                s2 += d * d;
            }
            (self.s1[i], self.s2[i]) = (s1, s2);
        }
        self.n += runs as u64;
    }

    /// The moments of figure `i`.
    pub fn get(&self, i: usize) -> Moments {
        Moments { n: self.n, shift: self.shift[i], s1: self.s1[i], s2: self.s2[i] }
    }

    /// Merges `other` (the same figures over later runs) into `self`.
    pub fn merge(&mut self, other: &MomentsTable) {
        debug_assert_eq!(self.width(), other.width());
        for i in 0..self.width() {
            let mut m = self.get(i);
            m.merge(&other.get(i));
            (self.shift[i], self.s1[i], self.s2[i]) = (m.shift, m.s1, m.s2);
        }
        self.n += other.n;
    }
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

impl Stat {
    /// The statistics of `factor ×` the figure (`factor` ≥ 0).
    pub fn scaled(self, factor: f64) -> Stat {
        Stat {
            mean: self.mean * factor,
            sd: self.sd * factor,
            p05: self.p05 * factor,
            p25: self.p25 * factor,
            p50: self.p50 * factor,
            p75: self.p75 * factor,
            p95: self.p95 * factor,
            mcse: self.mcse * factor,
        }
    }
}

impl Stat {
    /// The statistics of a figure from its moments and its quantile sketch
    /// (of the same runs).
    pub fn of(moments: &Moments, sketch: &Sketch) -> Stat {
        let sd = moments.sd();
        let n = moments.n.max(1) as f64;
        debug_assert_eq!(moments.n, sketch.count);
        Stat {
            mean: moments.mean(),
            sd,
            p05: sketch.quantile(0.05),
            p25: sketch.quantile(0.25),
            p50: sketch.quantile(0.50),
            p75: sketch.quantile(0.75),
            p95: sketch.quantile(0.95),
            mcse: sd / n.sqrt(),
        }
    }
}

// The byte encoding of the mergeable statistics, for shards
// ([`crate::shard`]): a value read back is the value written, bit for bit.

impl Store {
    fn encode(&self, w: &mut Writer) {
        w.i32(self.offset);
        w.u64(self.counts.len() as u64);
        self.counts.iter().for_each(|&c| w.u32(c));
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let offset = r.i32()?;
        let n = r.len(4)?;
        let counts = (0..n).map(|_| r.u32()).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { offset, counts })
    }
}

impl Sketch {
    pub fn encode(&self, w: &mut Writer) {
        self.positive.encode(w);
        self.negative.encode(w);
        w.u64(self.zeros);
        w.u64(self.count);
        w.f64(self.min);
        w.f64(self.max);
        w.u8(u8::from(self.integral));
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let sketch = Self {
            positive: Store::decode(r)?,
            negative: Store::decode(r)?,
            zeros: r.u64()?,
            count: r.u64()?,
            min: r.f64()?,
            max: r.f64()?,
            integral: r.u8()? != 0,
        };
        let held = sketch.zeros
            + sketch.positive.counts.iter().chain(&sketch.negative.counts).map(|&c| u64::from(c)).sum::<u64>();
        if held != sketch.count {
            return Err(DecodeError(format!("a sketch holds {held} values but says {}", sketch.count)));
        }
        Ok(sketch)
    }
}

impl MomentsTable {
    pub fn encode(&self, w: &mut Writer) {
        w.u64(self.n);
        w.u64(self.width() as u64);
        for i in 0..self.width() {
            w.f64(self.shift[i]);
            w.f64(self.s1[i]);
            w.f64(self.s2[i]);
        }
    }

    /// A table of `width` figures, as [`MomentsTable::encode`] wrote it.
    pub fn decode(r: &mut Reader<'_>, width: usize) -> Result<Self, DecodeError> {
        let n = r.u64()?;
        let w = r.len(24)?;
        if w != width {
            return Err(DecodeError(format!("a table of {w} figures where {width} were expected")));
        }
        let mut t = Self::new(width);
        t.n = n;
        for i in 0..width {
            (t.shift[i], t.s1[i], t.s2[i]) = (r.f64()?, r.f64()?, r.f64()?);
        }
        Ok(t)
    }

    /// Runs added.
    pub fn runs(&self) -> u64 {
        self.n
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

        /// Whole-number data: exact quantiles below 128 in magnitude, within
        /// the stated error above.
        #[test]
        fn whole_number_quantiles(data in prop::collection::vec(-100_000i32..100_000, 1..300), small in any::<bool>()) {
            let data: Vec<f64> = data.iter().map(|&x| f64::from(if small { x % 128 } else { x })).collect();
            let mut sk = Sketch::default();
            data.iter().for_each(|&x| sk.add(x));
            let mut sorted = data.clone();
            sorted.sort_by(f64::total_cmp);
            for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
                let exact = exact_quantile(&sorted, q);
                let got = sk.quantile(q);
                if exact.abs() < 127.0 {
                    prop_assert_eq!(got, exact);
                } else {
                    prop_assert!((got - exact).abs() <= RELATIVE_ERROR * exact.abs());
                }
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
    fn buckets_are_narrow_and_ordered() {
        for x in [1e-9, 0.37, 1.0, 1.5, 73.0, 9_000.0, 3.2e7] {
            let i = bucket(x);
            let lo = f64::from_bits((i as u64) << SHIFT);
            let hi = f64::from_bits(((i + 1) as u64) << SHIFT);
            assert!(lo <= x && x < hi);
            assert!(hi / lo <= 1.0 + 1.0 / 128.0 + 1e-15);
            assert!((representative(i) - x).abs() <= RELATIVE_ERROR * x);
            assert!(bucket(x * 1.01) > i);
        }
    }

    /// Whole-number data below 128 get exact quantiles; larger ones stay
    /// within the error bound.
    #[test]
    fn whole_numbers_get_whole_quantiles() {
        let mut small = Sketch::default();
        let mut large = Sketch::default();
        for i in 0..=100u32 {
            small.add(f64::from(i));
            large.add(9000.0 + f64::from(i) * 7.0);
        }
        assert_eq!((small.quantile(0.05), small.quantile(0.5), small.quantile(0.95)), (5.0, 50.0, 95.0));
        let q = large.quantile(0.5);
        assert!((q - 9350.0).abs() <= RELATIVE_ERROR * 9350.0);
        let mut mixed = small.clone();
        mixed.add(0.5);
        assert!(!mixed.integral);
    }

    /// Everything a sketch's quantiles and merges read: the nonzero bucket
    /// counts of each side, the zeros, the count, the bounds and the flag.
    fn state(s: &Sketch) -> String {
        let nonzero = |st: &Store| -> Vec<(i32, u32)> {
            st.counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &c)| (st.offset + i as i32, c)).collect()
        };
        format!(
            "{:?} {:?} {} {} {} {} {}",
            nonzero(&s.positive),
            nonzero(&s.negative),
            s.zeros,
            s.count,
            s.min,
            s.max,
            s.integral
        )
    }

    /// Adding a batch gives exactly the state of adding one by one.
    #[test]
    fn batches_add_exactly_like_single_values() {
        let batches: [&[f64]; 12] = [
            &[0.0; 8],
            &[73.0; 5],
            &[1.5, 1.5, 2.5],
            &[-4.0; 3],
            &[73.0; 2],
            &[9e3, 2.0, 1e-3, 7.0],
            &[3.0, f64::NAN],
            &[0.0, -0.0, 1e-13],
            &[f64::INFINITY, 0.0, 2.0],
            &[0.0, 5.0, 0.0, 1e6],
            &[3.0, 4.0, 3.0, 3.0, 0.0, 4.0, 5.0, 3.0, 1e-13],
            &[1000.0, 1000.5, 1001.0, 1000.0, 1000.0, 1002.0, 0.0],
        ];
        let mut one = Sketch::default();
        let mut all = Sketch::default();
        for b in batches {
            b.iter().for_each(|&x| one.add(x));
            all.add_all(b);
        }
        assert_eq!(state(&one), state(&all));
    }

    proptest! {
        /// Batches of any values, in any split, add as single values do.
        #[test]
        fn any_batches_add_like_single_values(
            data in prop::collection::vec(prop_oneof![
                1e-3f64..1e7,
                -1e3f64..1e3,
                (0u32..300).prop_map(f64::from),
                Just(0.0),
                // A narrow band (counted in lanes), values about ZERO, and
                // whole numbers about 2^52.
                1000.0f64..1003.0,
                0.0f64..3e-12,
                (0u64..8).prop_map(|k| 4_503_599_627_370_496.0 + (k as f64) * 0.5),
            ], 1..300),
            cuts in prop::collection::vec(0usize..300, 0..6),
        ) {
            let mut one = Sketch::default();
            data.iter().for_each(|&x| one.add(x));
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).chain([0, data.len()]).collect();
            cuts.sort_unstable();
            let mut all = Sketch::default();
            for w in cuts.windows(2) {
                all.add_all(&data[w[0]..w[1]]);
            }
            prop_assert_eq!(state(&one), state(&all));
        }
    }

    proptest! {
        /// Runs added figure by figure, in batches, give the sums of adding
        /// each run's row, bit for bit; the figures left out are zero.
        #[test]
        fn columns_add_like_rows(
            rows in prop::collection::vec(prop::collection::vec(-1e6f64..1e6, 4), 1..40),
            cut in 0usize..40,
        ) {
            // Figure 2 is zero in every run and given by no column.
            let rows: Vec<Vec<f64>> = rows.into_iter().map(|mut r| { r[2] = 0.0; r }).collect();
            let mut by_row = MomentsTable::new(4);
            rows.iter().for_each(|r| by_row.add_row(r));
            let cut = cut.min(rows.len());
            let mut by_column = MomentsTable::new(4);
            for part in [&rows[..cut], &rows[cut..]] {
                let columns: Vec<Vec<f64>> = [0, 1, 3].iter().map(|&i| part.iter().map(|r| r[i]).collect()).collect();
                by_column.add_columns(part.len(), [0, 1, 3].into_iter().zip(columns.iter().map(Vec::as_slice)));
            }
            prop_assert_eq!(format!("{by_row:?}"), format!("{by_column:?}"));
        }
    }

    proptest! {
        /// Narrow batches (values within a factor of 1.4, as a count of
        /// providers or a region's demand, with some zeros: those counted in
        /// lanes) add as single values do.
        #[test]
        fn narrow_batches_add_like_single_values(
            data in prop::collection::vec(prop_oneof![
                8 => (30u32..40).prop_map(f64::from),
                1 => Just(0.0),
            ], 1..300),
            cut in 0usize..300,
        ) {
            let mut one = Sketch::default();
            data.iter().for_each(|&x| one.add(x));
            let cut = cut.min(data.len());
            let mut all = Sketch::default();
            all.add_all(&data[..cut]);
            all.add_all(&data[cut..]);
            prop_assert_eq!(state(&one), state(&all));
        }
    }

    /// A column of a moments table is bit for bit the moments of its values,
    /// however the rows are split into tables and merged.
    #[test]
    fn a_moments_table_column_is_its_moments() {
        let rows: Vec<[f64; 3]> =
            (0..50).map(|i| [f64::from(i) * 0.37, 5.0, if i % 7 == 0 { 1e6 } else { -2.5 }]).collect();
        let mut singles = [Moments::default(); 3];
        let mut tables = [MomentsTable::new(3), MomentsTable::new(3)];
        let mut parts = [[Moments::default(); 3], [Moments::default(); 3]];
        for (i, row) in rows.iter().enumerate() {
            let half = usize::from(i >= 20);
            tables[half].add_row(row);
            for (f, &x) in row.iter().enumerate() {
                singles[f].add(x);
                parts[half][f].add(x);
            }
        }
        let [mut first, second] = tables;
        let [mut early, later] = parts;
        for (f, (e, l)) in early.iter_mut().zip(&later).enumerate() {
            assert_eq!(format!("{:?}", first.get(f)), format!("{:?}", e));
            e.merge(l);
        }
        first.merge(&second);
        for (f, e) in early.iter().enumerate() {
            assert_eq!(format!("{:?}", first.get(f)), format!("{:?}", e));
            assert!((first.get(f).mean() - singles[f].mean()).abs() <= 1e-9 * (1.0 + singles[f].mean().abs()));
        }
    }

    #[test]
    fn constant_data_gives_exact_quantiles() {
        let (mut moments, mut sketch) = (Moments::default(), Sketch::default());
        for _ in 0..10 {
            moments.add(73.0);
            sketch.add(73.0);
        }
        let s = Stat::of(&moments, &sketch);
        assert_eq!((s.p05, s.p50, s.p95, s.sd, s.mcse), (73.0, 73.0, 73.0, 0.0, 0.0));
    }
}
