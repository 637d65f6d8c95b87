//! The Monte Carlo driver: runs in parallel, reduced deterministically.
//!
//! Runs are grouped in fixed blocks of [`BLOCK`] runs. Each block is
//! simulated in run order on one thread, and its moments (mean and sd,
//! floating-point sums) are merged into the totals in block order. Quantile
//! sketches hold integer counts, whose merge is exact in any order, so each
//! worker thread keeps one set of sketches for all the blocks it simulates,
//! and the workers' sets are merged at the end. The partition into blocks
//! does not depend on the number of threads, so results are byte-identical
//! at any thread count. Memory is bounded: the totals, one wave of block
//! moments and one set of sketches per worker, whatever the number of runs.
//!
//! A slice of whole blocks, with its moments in block order and its
//! sketches, is everything needed to merge it exactly with the other slices.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::model::{Plan, RecordMut, Run, METRICS, SPEND};
use crate::scenario::Scenario;
use crate::stats::{MomentsTable, Sketch, Stat};
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

/// The moments of every figure of the run record over some runs: one
/// block's, or the totals of the blocks merged so far in block order.
struct Moments {
    values: MomentsTable,
    survival: MomentsTable,
}

impl Moments {
    fn new(plan: &Plan) -> Self {
        Self {
            values: MomentsTable::new(plan.record_len()),
            survival: MomentsTable::new(plan.survival_offsets().len()),
        }
    }

    fn merge(&mut self, later: &Moments) {
        self.values.merge(&later.values);
        self.survival.merge(&later.survival);
    }
}

/// Quantile sketches of the figures that can vary (the others are zero in
/// every run, [`Plan::varying_slots`]) and of survival.
struct Quantiles {
    values: Vec<Sketch>,
    survival: Vec<Sketch>,
}

impl Quantiles {
    fn new(plan: &Plan) -> Self {
        Self {
            values: vec![Sketch::default(); plan.varying_slots().len()],
            survival: vec![Sketch::default(); plan.survival_offsets().len()],
        }
    }

    fn merge(&mut self, other: &Quantiles) {
        self.values.iter_mut().zip(&other.values).for_each(|(a, b)| a.merge(b));
        self.survival.iter_mut().zip(&other.survival).for_each(|(a, b)| a.merge(b));
    }
}

/// One worker thread's state, kept across the blocks it simulates: the
/// run's buffers, a block's records, and its quantile sketches.
struct Worker<'p> {
    plan: &'p Plan,
    run: Run<'p>,
    /// The records of a batch of runs, one row per run.
    values: Vec<f64>,
    survival: Vec<f64>,
    quantiles: Quantiles,
    /// One figure over a batch's runs.
    column: Vec<f64>,
}

/// Runs whose records are kept before their quantiles are added figure by
/// figure (a figure's sketch then takes a whole batch while in cache).
const BATCH: usize = 128;

impl<'p> Worker<'p> {
    fn new(plan: &'p Plan) -> Self {
        Self {
            plan,
            run: Run::new(plan),
            values: vec![0.0; BATCH * plan.record_len()],
            survival: vec![0.0; BATCH * plan.survival_offsets().len()],
            quantiles: Quantiles::new(plan),
            column: Vec::with_capacity(BATCH),
        }
    }

    /// Simulates runs `first..last` in order, each writing its record once
    /// into its row of a batch; returns their moments, and adds their
    /// quantiles to the worker's sketches.
    fn simulate_block(&mut self, seed: u64, first: u64, last: u64) -> Moments {
        let mut moments = Moments::new(self.plan);
        let mut run = first;
        while run < last {
            let batch = ((last - run) as usize).min(BATCH);
            self.simulate_batch(seed, run, batch, &mut moments);
            run += batch as u64;
        }
        moments
    }

    fn simulate_batch(&mut self, seed: u64, first: u64, runs: usize, moments: &mut Moments) {
        let plan = self.plan;
        let (len, n_survival) = (plan.record_len(), plan.survival_offsets().len());
        for i in 0..runs {
            let values = &mut self.values[i * len..(i + 1) * len];
            let survival = &mut self.survival[i * n_survival..(i + 1) * n_survival];
            self.run.simulate(seed, first + i as u64, RecordMut { values, survival }, None);
            debug_assert!(plan.constant_slots_are_zero(&self.values[i * len..(i + 1) * len]));
            moments.values.add_row(&self.values[i * len..(i + 1) * len]);
            moments.survival.add_row(&self.survival[i * n_survival..(i + 1) * n_survival]);
        }
        let columns = [(&self.values, len, plan.varying_slots(), &mut self.quantiles.values)];
        let survival_slots: Vec<usize> = (0..n_survival).collect();
        let survival = [(&self.survival, n_survival, survival_slots.as_slice(), &mut self.quantiles.survival)];
        for (rows, width, slots, sketches) in columns.into_iter().chain(survival) {
            for (&slot, sketch) in slots.iter().zip(sketches.iter_mut()) {
                self.column.clear();
                self.column.extend((0..runs).map(|i| rows[i * width + slot]));
                sketch.add_all(&self.column);
            }
        }
    }
}

/// Runs `config.runs` replicates of `scenario` and summarises them.
/// `progress` is called with the number of runs completed so far.
pub fn run(scenario: &Scenario, config: &RunConfig, progress: &(dyn Fn(u64) + Sync)) -> Summary {
    let plan = Plan::new(scenario);
    let (moments, workers, threads) = in_blocks_with_workers(
        config,
        progress,
        2,
        || Moments::new(&plan),
        || Worker::new(&plan),
        |worker, first, last| worker.simulate_block(config.seed, first, last),
        Moments::merge,
    );
    let mut quantiles = Quantiles::new(&plan);
    workers.iter().for_each(|w| quantiles.merge(&w.quantiles));
    summarise(scenario, &plan, &moments, &quantiles, config, threads)
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
    let (total, _, threads) =
        in_blocks_with_workers(config, progress, blocks_per_thread, empty, || (), |(), a, b| block(a, b), merge);
    (total, threads)
}

/// [`in_blocks`] with a state per worker: `worker()` makes one for each
/// block simulated at the same time (at most one per thread), `block` gets
/// one to use, and they are all returned with the total, in no particular
/// order (merge them only with an operation whose result does not depend on
/// the order, such as the integer counts of quantile sketches).
pub(crate) fn in_blocks_with_workers<P: Send + Sync, W: Send>(
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    blocks_per_thread: u64,
    empty: impl Fn() -> P,
    worker: impl Fn() -> W + Sync,
    block: impl Fn(&mut W, u64, u64) -> P + Sync,
    merge: impl Fn(&mut P, &P) + Sync,
) -> (P, Vec<W>, usize) {
    let runs = config.runs.max(1);
    let n_blocks = runs.div_ceil(BLOCK);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(config.threads).build();
    let threads = pool.as_ref().map_or(1, |p| p.current_num_threads());
    let wave = (threads as u64 * blocks_per_thread).max(1);
    // Idle worker states; a block takes one (or makes one) and gives it back.
    let idle: Mutex<Vec<W>> = Mutex::new(Vec::new());
    let lock = || idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let simulate = |i: u64| {
        let taken = lock().pop();
        let mut w = taken.unwrap_or_else(&worker);
        let part = block(&mut w, i * BLOCK, ((i + 1) * BLOCK).min(runs));
        lock().push(w);
        part
    };
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
                || -> Vec<P> { (b..end).into_par_iter().map(&simulate).collect() },
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
    let workers = idle.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    (total, workers, threads)
}

fn summarise(
    scenario: &Scenario,
    plan: &Plan,
    moments: &Moments,
    quantiles: &Quantiles,
    config: &RunConfig,
    threads: usize,
) -> Summary {
    let runs = config.runs.max(1);
    // A figure that is zero in every run has the sketch of `runs` zeros.
    let mut zeros = Sketch::default();
    zeros.add_repeated(0.0, runs);
    let mut sketch_of = vec![&zeros; plan.record_len()];
    for (&slot, sketch) in plan.varying_slots().iter().zip(&quantiles.values) {
        sketch_of[slot] = sketch;
    }
    let sources = scenario.spend_sources();
    let n_regions = scenario.regions.len();
    let region_order: Vec<(usize, String)> = std::iter::once((n_regions, "all".to_string()))
        .chain(scenario.regions.iter().enumerate().map(|(i, r)| (i, r.id.clone())))
        .collect();
    let mut rows = Vec::new();
    let mut posts_by_source = Vec::new();
    for (ri, name) in &region_order {
        for y in 0..scenario.years as usize {
            let stat = |m: usize| {
                let slot = plan.index(*ri, y, m);
                Stat::of(&moments.values.get(slot), sketch_of[slot])
            };
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
        .enumerate()
        .map(|(i, (k, eligible))| SurvivalRow {
            months_after_first_end: k,
            stat: Stat::of(&moments.survival.get(i), &quantiles.survival[i]).scaled(1.0 / eligible as f64),
        })
        .collect();
    Summary {
        scenario_name: scenario.name.clone(),
        scenario_hash: scenario.hash.clone(),
        seed: config.seed,
        runs,
        threads,
        regions: scenario.regions.iter().map(|r| r.id.clone()).collect(),
        years: (0..scenario.years as usize).map(|y| scenario.year_label(y)).collect(),
        rows,
        posts_by_source,
        survival,
        warnings: scenario.warnings.clone(),
    }
}
