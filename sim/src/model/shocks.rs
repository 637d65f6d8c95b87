//! Shocks in a run (model.md §4–5): the extra demand of demand shocks by
//! region and month, and the dated removals of exit shocks.

use rand::RngExt;

use super::draws::poisson;
use super::plan::{Plan, Timing};
use crate::rng::{RunStreams, StreamId};
use crate::scenario::{DemandSplit, ShockKind};

/// An exit shock's arrival: in `month`, each region it hits loses
/// Binomial(N, `share`) of its offices, drawn from a stream of this arrival
/// and the region.
#[derive(Debug, Clone, Copy)]
pub(super) struct ExitShock {
    pub month: usize,
    pub share: f64,
    /// Index of the shock in the plan (its regions).
    pub shock: usize,
    pub stream: StreamId,
}

/// The shocks of one run.
#[derive(Debug, Default)]
pub(super) struct Shocks {
    n_regions: usize,
    /// Extra cases by month and region (`m * n_regions + r`).
    extra: Vec<f64>,
    /// Exit shocks in month order (file order, then arrival order, within a
    /// month).
    exits: Vec<ExitShock>,
    /// The next exit shock to apply.
    cursor: usize,
    /// Scratch: a shock's arrivals (start month, size) and each region's
    /// weight.
    arrivals: Vec<(i32, f64)>,
    row: Vec<f64>,
}

impl Shocks {
    /// Draws every shock of the run: sizes, and for random shocks their
    /// arrivals. `demand` is each region's drawn demand (for `regions = "all"`).
    pub fn draw(&mut self, plan: &Plan, streams: &RunStreams, demand: &[f64]) {
        let (nr, months) = (plan.n_regions, plan.months);
        self.n_regions = nr;
        self.extra.clear();
        self.extra.resize(nr * months, 0.0);
        self.exits.clear();
        self.cursor = 0;
        let total_demand: f64 = demand.iter().sum();
        for (i, sh) in plan.shocks.iter().enumerate() {
            let mut rng = streams.stream(crate::rng::Kind::Shock, sh.stream);
            self.arrivals.clear();
            match &sh.timing {
                Timing::Dated(m) => {
                    let size = match (&sh.cases, &sh.share) {
                        (Some(c), _) => c.draw(streams),
                        (_, Some(s)) => s.draw(streams),
                        _ => 0.0,
                    };
                    self.arrivals.push((*m, size));
                }
                Timing::Random(rate) => {
                    let n = poisson(&mut rng, rate.draw(streams) * plan.years as f64);
                    for _ in 0..n {
                        let m = rng.random_range(0..months as i32);
                        let size = match &sh.kind {
                            ShockKind::Demand { cases, .. } => cases.sample(&mut rng),
                            ShockKind::LegalAidExit { share, .. } => share.sample(&mut rng),
                        };
                        self.arrivals.push((m, size));
                    }
                }
            }
            match &sh.kind {
                ShockKind::Demand { half_life_months, split, .. } => {
                    self.row.clear();
                    let weights = match split {
                        DemandSplit::All => {
                            self.row.extend(demand.iter().map(|&d| {
                                if total_demand > 0.0 {
                                    d / total_demand
                                } else {
                                    1.0 / nr as f64
                                }
                            }));
                            Weights::All(&self.row)
                        }
                        DemandSplit::Shares(s) => Weights::Shares(s),
                    };
                    for &(start, cases) in &self.arrivals {
                        add_shock(&mut self.extra, nr, start, cases, *half_life_months, weights);
                    }
                }
                ShockKind::LegalAidExit { .. } => {
                    for (n, &(start, share)) in self.arrivals.iter().enumerate() {
                        if start >= 0 && (start as usize) < months {
                            let stream = sh.stream.child(n as u64);
                            self.exits.push(ExitShock { month: start as usize, share, shock: i, stream });
                        }
                    }
                }
            }
        }
        // Same-month exit shocks apply in file order, then arrival order.
        self.exits.sort_by_key(|e| e.month);
    }

    /// Extra cases of demand shocks in month `m`, by region.
    #[inline]
    pub fn extra_in(&self, m: usize) -> &[f64] {
        &self.extra[m * self.n_regions..(m + 1) * self.n_regions]
    }

    /// The exit shocks of month `m` (call in month order).
    pub fn exits_in(&mut self, m: usize) -> &[ExitShock] {
        let first = self.cursor;
        while self.cursor < self.exits.len() && self.exits[self.cursor].month == m {
            self.cursor += 1;
        }
        &self.exits[first..self.cursor]
    }
}

/// Adds a demand shock of `cases` in its first 12 months from `start`
/// (model.md §4): `a·2^(−k/h)` in month k, or `cases/12` a month when level,
/// split by `weights`, to `extra` (by month, then each of `n_regions`).
fn add_shock(
    extra: &mut [f64],
    n_regions: usize,
    start: i32,
    cases: f64,
    half_life: Option<u32>,
    weights: Weights<'_>,
) {
    let months = extra.len() / n_regions.max(1);
    let first = start.max(0);
    if first as usize >= months {
        return;
    }
    // Month k after the start carries a·r^k, r = 2^(−1/h); level: r = 1.
    let (ratio, norm) = match half_life {
        Some(h) => {
            let r = 2f64.powf(-1.0 / f64::from(h));
            (r, (0..12).map(|j| r.powi(j)).sum::<f64>())
        }
        None => (1.0, 12.0),
    };
    let mut amount = cases / norm * ratio.powi(first - start);
    let months = extra.chunks_exact_mut(n_regions).skip(first as usize);
    match weights {
        // A loop over the regions in order that the compiler vectorises:
        // the same products and sums, region by region.
        Weights::All(row) => {
            for month in months {
                for (x, &w) in month.iter_mut().zip(row) {
                    *x += amount * w;
                }
                amount *= ratio;
            }
        }
        Weights::Shares(pairs) => {
            for month in months {
                for &(r, w) in pairs {
                    month[r] += amount * w;
                }
                amount *= ratio;
            }
        }
    }
}

/// How a demand shock splits between regions.
#[derive(Debug, Clone, Copy)]
enum Weights<'a> {
    /// Every region, by its weight (`regions = "all"`).
    All(&'a [f64]),
    /// The listed regions: (region, share).
    Shares(&'a [(usize, f64)]),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every region's weight as a row adds, bit for bit, what the same
    /// weights as (region, share) pairs add.
    #[test]
    fn a_row_of_weights_adds_what_the_pairs_add() {
        let row = [0.1, 0.35, 0.05, 0.2, 0.3];
        let pairs: Vec<(usize, f64)> = row.iter().copied().enumerate().collect();
        for (start, half_life) in [(-3, Some(5)), (0, None), (7, Some(12)), (40, Some(1))] {
            let (mut a, mut b) = (vec![0.25; 5 * 48], vec![0.25; 5 * 48]);
            add_shock(&mut a, 5, start, 4900.0, half_life, Weights::All(&row));
            add_shock(&mut b, 5, start, 4900.0, half_life, Weights::Shares(&pairs));
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "start {start}");
            assert!(a.iter().any(|&x| x > 0.25), "the shock added something");
        }
    }

    #[test]
    fn decaying_shock_adds_exactly_its_cases_in_the_first_twelve_months() {
        let mut extra = vec![0.0; 24];
        add_shock(&mut extra, 1, 0, 6000.0, Some(18), Weights::Shares(&[(0, 1.0)]));
        let first: f64 = extra[..12].iter().sum();
        assert!((first - 6000.0).abs() < 1e-9, "{first}");
        assert!(extra[12] < extra[11]);
        let mut level = vec![0.0; 24];
        add_shock(&mut level, 1, 3, 1200.0, None, Weights::All(&[1.0]));
        assert_eq!(level[2], 0.0);
        assert!(level[3..].iter().all(|x| (x - 100.0).abs() < 1e-12));
    }
}
