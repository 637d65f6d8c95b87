//! Runs until the Monte Carlo error is small enough (`run --precision REL`).
//!
//! The runs are done in waves of whole blocks: 4 blocks first, then twice
//! as many runs each wave, up to a ceiling. After each wave the figures
//! watched (by default the abandoned cases and the funded posts of every
//! year, all regions) are checked: every one must have a Monte Carlo
//! standard error (`mcse`) of at most REL of its mean (a figure whose mean
//! is 0 must have an mcse of 0). The result is the summary of exactly the
//! runs done, the same bytes as a plain run of that many runs: each wave is
//! a complete run of its size, so the stopping point depends only on the
//! scenario, the seed and the target, never on the number of threads. The
//! waves cost at most twice the runs of the last one.

use crate::driver::{run, RunConfig, BLOCK};
use crate::scenario::Scenario;
use crate::summary::Summary;

/// The figures a precision target watches: metrics of `summary.csv`, each
/// for one region (or `all`) and every year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub region: String,
    pub metric: String,
}

impl Watched {
    /// The default: abandoned cases and funded posts, all regions.
    pub fn headline() -> Vec<Watched> {
        ["abandoned", "posts_funded"].iter().map(|m| Watched { region: "all".into(), metric: (*m).into() }).collect()
    }
}

/// The precision reached by the runs done.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecisionReached {
    /// The target: the largest mcse allowed, as a share of the mean.
    pub target: f64,
    /// The largest mcse / |mean| over the watched figures.
    pub reached: f64,
    /// The figure with the largest relative error, `region,year,metric`.
    pub worst: String,
    /// Whether the target was met (else the ceiling stopped the runs).
    pub met: bool,
}

/// The largest relative Monte Carlo error among the watched figures.
pub fn relative_error(summary: &Summary, watched: &[Watched]) -> (f64, String) {
    let mut worst = (0.0f64, String::new());
    for row in &summary.rows {
        if !watched.iter().any(|w| w.region == row.region && w.metric == row.metric) {
            continue;
        }
        let s = &row.stat;
        let rel = if s.mean != 0.0 {
            s.mcse / s.mean.abs()
        } else if s.mcse == 0.0 {
            0.0
        } else {
            f64::INFINITY
        };
        if rel > worst.0 || worst.1.is_empty() {
            worst = (rel, format!("{},{},{}", row.region, row.year, row.metric));
        }
    }
    worst
}

/// The sizes of the waves up to `ceiling` runs: 4 blocks, then doubling.
pub fn waves(ceiling: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut n = 4 * BLOCK;
    loop {
        if n >= ceiling {
            out.push(ceiling);
            return out;
        }
        out.push(n);
        n *= 2;
    }
}

/// Runs `scenario` in waves until every watched figure's mcse is at most
/// `target` of its mean, or `config.runs` runs (the ceiling) are done.
/// `progress` gets the runs done in the current wave and its size.
pub fn run_to_precision(
    scenario: &Scenario,
    config: &RunConfig,
    target: f64,
    watched: &[Watched],
    progress: &(dyn Fn(u64, u64) + Sync),
) -> (Summary, PrecisionReached) {
    let mut sizes = waves(config.runs.max(1)).into_iter().peekable();
    loop {
        // waves() holds at least the ceiling, so the first wave always exists.
        let n = sizes.next().unwrap_or(config.runs.max(1));
        let wave = RunConfig { runs: n, ..*config };
        let summary = run(scenario, &wave, &|done| progress(done, n));
        let (reached, worst) = relative_error(&summary, watched);
        let met = reached <= target;
        if met || sizes.peek().is_none() {
            return (summary, PrecisionReached { target, reached, worst, met });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves_are_whole_blocks_doubling_to_the_ceiling() {
        assert_eq!(waves(100), vec![100]);
        assert_eq!(waves(1024), vec![1024]);
        assert_eq!(waves(5000), vec![1024, 2048, 4096, 5000]);
        assert!(waves(1_000_000).iter().rev().skip(1).all(|n| n % BLOCK == 0));
    }
}
