//! The Monte Carlo driver: runs in parallel, reduced deterministically.
//!
//! Runs are grouped in fixed blocks of [`BLOCK`] runs. Each block is
//! simulated and accumulated in run order on one thread; blocks are merged
//! into the totals in block order. The partition does not depend on the
//! number of threads, so results are byte-identical at any thread count.
//! Memory is bounded: only the totals and one wave of block partials live
//! at once, whatever the number of runs.

use rayon::prelude::*;

use crate::model::{Plan, METRICS, SPEND};
use crate::scenario::Scenario;
use crate::stats::Accumulator;
use crate::summary::{Summary, SummaryRow, SurvivalRow};

/// Runs per block: the unit of parallel work and of ordered reduction.
pub const BLOCK: u64 = 256;

/// How to run a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConfig {
    pub runs: u64,
    pub seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

struct Partial {
    values: Vec<Accumulator>,
    survival: Vec<Accumulator>,
}

impl Partial {
    fn new(plan: &Plan) -> Self {
        Self {
            values: vec![Accumulator::default(); plan.record_len()],
            survival: vec![Accumulator::default(); plan.survival_offsets().len()],
        }
    }

    fn merge(&mut self, other: &Partial) {
        for (a, b) in self.values.iter_mut().zip(&other.values) {
            a.merge(b);
        }
        for (a, b) in self.survival.iter_mut().zip(&other.survival) {
            a.merge(b);
        }
    }
}

/// Runs per mini-batch: records are buffered slot-major so that each
/// figure's accumulator is updated for a whole mini-batch while it is hot.
const MINI: usize = 32;

fn simulate_block(plan: &Plan, seed: u64, first: u64, last: u64) -> Partial {
    let mut partial = Partial::new(plan);
    let mut record = plan.new_record();
    let len = plan.record_len();
    let mut buffer = vec![0.0f64; len * MINI];
    let mut run = first;
    while run < last {
        let batch = ((last - run) as usize).min(MINI);
        for i in 0..batch {
            plan.simulate(seed, run + i as u64, &mut record, None);
            for (slot, &x) in record.values.iter().enumerate() {
                buffer[slot * MINI + i] = x;
            }
            for (acc, &x) in partial.survival.iter_mut().zip(&record.survival) {
                acc.add(x);
            }
        }
        for (slot, acc) in partial.values.iter_mut().enumerate() {
            acc.add_all(&buffer[slot * MINI..slot * MINI + batch]);
        }
        run += batch as u64;
    }
    partial
}

/// Runs `config.runs` replicates of `scenario` and summarises them.
/// `progress` is called with the number of runs completed so far.
pub fn run(scenario: &Scenario, config: &RunConfig, progress: &(dyn Fn(u64) + Sync)) -> Summary {
    let plan = Plan::new(scenario);
    let (total, threads) = in_blocks(
        config,
        progress,
        2,
        || Partial::new(&plan),
        |first, last| simulate_block(&plan, config.seed, first, last),
        |total, part| total.merge(part),
    );
    summarise(scenario, &plan, &total, config, threads)
}

/// Runs `config.runs` runs in fixed blocks of [`BLOCK`] on a pool of
/// `config.threads` threads, in waves of `blocks_per_thread` blocks a thread:
/// `block(first, last)` simulates and accumulates runs `first..last` in
/// order; `merge` folds each block into the total in block order, overlapping
/// the simulation of the next wave. At most two waves of partials and the
/// total are alive at once. Returns the total and the number of threads used.
pub(crate) fn in_blocks<P: Send + Sync>(
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    blocks_per_thread: u64,
    empty: impl Fn() -> P,
    block: impl Fn(u64, u64) -> P + Sync,
    merge: impl Fn(&mut P, &P) + Sync,
) -> (P, usize) {
    let runs = config.runs.max(1);
    let n_blocks = runs.div_ceil(BLOCK);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(config.threads).build();
    let threads = pool.as_ref().map_or(1, |p| p.current_num_threads());
    let wave = (threads as u64 * blocks_per_thread).max(1);
    let mut total = empty();
    let mut work = || {
        let mut pending: Vec<P> = Vec::new();
        let mut b = 0;
        while b < n_blocks {
            let end = (b + wave).min(n_blocks);
            let done = std::mem::take(&mut pending);
            let total = &mut total;
            let ((), parts) = rayon::join(
                || done.iter().for_each(|p| merge(total, p)),
                || -> Vec<P> {
                    (b..end).into_par_iter().map(|i| block(i * BLOCK, ((i + 1) * BLOCK).min(runs))).collect()
                },
            );
            pending = parts;
            b = end;
            progress((end * BLOCK).min(runs));
        }
        pending.iter().for_each(|p| merge(&mut total, p));
    };
    match &pool {
        Ok(p) => p.install(work),
        Err(_) => work(),
    }
    (total, threads)
}

fn summarise(scenario: &Scenario, plan: &Plan, total: &Partial, config: &RunConfig, threads: usize) -> Summary {
    let sources = scenario.spend_sources();
    let n_regions = scenario.regions.len();
    let region_order: Vec<(usize, String)> = std::iter::once((n_regions, "all".to_string()))
        .chain(scenario.regions.iter().enumerate().map(|(i, r)| (i, r.id.clone())))
        .collect();
    let mut rows = Vec::new();
    let mut posts_by_source = Vec::new();
    for (ri, name) in &region_order {
        for y in 0..scenario.years as usize {
            let stat = |m: usize| total.values[plan.index(*ri, y, m)].stat();
            let row = |metric: String, m: usize| SummaryRow {
                region: name.clone(),
                year: scenario.year_label(y),
                metric,
                stat: stat(m),
            };
            for (m, metric) in METRICS.iter().enumerate() {
                rows.push(row(metric.to_string(), m));
            }
            for (k, source) in sources.iter().enumerate() {
                rows.push(row(format!("spend:{source}"), SPEND + k));
                posts_by_source.push(row(source.clone(), SPEND + sources.len() + k));
            }
        }
    }
    debug_assert_eq!(plan.n_metrics(), SPEND + 2 * sources.len() + 1);
    // Runs count the posts still funded; the share divides by the eligible.
    let survival = plan
        .survival_offsets()
        .into_iter()
        .zip(plan.survival_eligible())
        .zip(&total.survival)
        .map(|((k, eligible), acc)| SurvivalRow {
            months_after_first_end: k,
            stat: acc.stat().scaled(1.0 / eligible as f64),
            posts_followed: eligible,
        })
        .collect();
    Summary {
        scenario_name: scenario.name.clone(),
        scenario_hash: scenario.hash.clone(),
        seed: config.seed,
        runs: config.runs.max(1),
        threads,
        regions: scenario.regions.iter().map(|r| r.id.clone()).collect(),
        years: (0..scenario.years as usize).map(|y| scenario.year_label(y)).collect(),
        rows,
        posts_by_source,
        survival,
        warnings: scenario.warnings.clone(),
    }
}
