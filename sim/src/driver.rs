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

use std::ops::Range;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::bytes::{DecodeError, Reader, Writer};
use crate::model::{Plan, RecordMut, Run, ABANDONED, METRICS, SPEND};
use crate::scenario::Scenario;
use crate::stats::{MomentsTable, Sketch, Stat};
use crate::summary::{ExceedanceRow, Summary, SummaryRow, SurvivalRow, TotalRow, GAP};

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
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
/// run's buffers, the records of the last few runs, a batch's figures by
/// column, and its quantile sketches.
struct Worker<'p> {
    plan: &'p Plan,
    run: Run<'p>,
    /// The records of the last [`TILE`] runs, one after another: written and
    /// read again while in cache, the same buffers for every tile.
    records: Vec<f64>,
    survival_records: Vec<f64>,
    /// Every survival count is a column (`0..n`).
    survival_slots: Vec<usize>,
    /// A batch's varying figures ([`Plan::varying_slots`]) and survival
    /// counts by column: the value of figure `j` in the batch's run `i` at
    /// `j * COLUMN + i`, so that each figure's moments and sketch take a
    /// batch of runs from consecutive memory.
    values: Vec<f64>,
    survival: Vec<f64>,
    quantiles: Quantiles,
}

/// Runs whose figures are kept before their moments and quantiles are added
/// figure by figure (a figure's sketch then takes a whole batch while in
/// cache).
const BATCH: usize = 128;
/// The distance between columns: a batch and one cache line more, so that a
/// run's figures, written one to a column, fall in different sets of the
/// cache (at exactly 1 KiB apart they would share a sixteenth of them).
const COLUMN: usize = BATCH + 8;
/// Runs whose records are kept before they go into their columns: a cache
/// line of each column (8 values) is then written at once, rather than one
/// value of it per run.
const TILE: usize = 8;

impl<'p> Worker<'p> {
    fn new(plan: &'p Plan) -> Self {
        let n_survival = plan.survival_offsets().len();
        Self {
            plan,
            run: Run::new(plan),
            records: vec![0.0; TILE * plan.record_len()],
            survival_records: vec![0.0; TILE * n_survival],
            survival_slots: (0..n_survival).collect(),
            values: vec![0.0; COLUMN * plan.varying_slots().len()],
            survival: vec![0.0; COLUMN * n_survival],
            quantiles: Quantiles::new(plan),
        }
    }

    /// Simulates runs `first..last` in order; returns their moments, and
    /// adds their quantiles to the worker's sketches.
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

    /// Runs go into their columns a tile at a time; at the end of the batch
    /// each column goes into its figure's moments and sketch, in run order
    /// (the same sums as adding each run's record in turn: the figures
    /// outside the columns are zero in every run).
    fn simulate_batch(&mut self, seed: u64, first: u64, runs: usize, moments: &mut Moments) {
        let (len, n_survival) = (self.plan.record_len(), self.plan.survival_offsets().len());
        for tile in (0..runs).step_by(TILE) {
            let k = (runs - tile).min(TILE);
            for t in 0..k {
                let out = RecordMut {
                    values: &mut self.records[t * len..(t + 1) * len],
                    survival: &mut self.survival_records[t * n_survival..(t + 1) * n_survival],
                };
                self.run.simulate(seed, first + (tile + t) as u64, out, None);
                debug_assert!(self.plan.constant_slots_are_zero(&self.records[t * len..(t + 1) * len]));
            }
            to_columns(&self.records[..k * len], len, self.plan.varying_slots(), tile, &mut self.values);
            let survival = &self.survival_records[..k * n_survival];
            to_columns(survival, n_survival, &self.survival_slots, tile, &mut self.survival);
        }
        let (values, survival) = (self.plan.varying_slots(), &self.survival_slots);
        add_columns(&self.values, values, runs, &mut moments.values, &mut self.quantiles.values);
        add_columns(&self.survival, survival, runs, &mut moments.survival, &mut self.quantiles.survival);
    }
}
/// Puts the records of a tile's runs (`records`, one after another, `len`
/// values each) into the columns from the batch's run `first` on: column
/// `j` takes each record's value at `slots[j]`.
fn to_columns(records: &[f64], len: usize, slots: &[usize], first: usize, columns: &mut [f64]) {
    if len == 0 {
        return;
    }
    let k = records.len() / len;
    if k == TILE {
        let rows: [&[f64]; TILE] = std::array::from_fn(|t| &records[t * len..(t + 1) * len]);
        for (column, &slot) in columns.chunks_exact_mut(COLUMN).zip(slots) {
            let cell = &mut column[first..first + TILE];
            for (x, row) in cell.iter_mut().zip(&rows) {
                *x = row[slot];
            }
        }
    } else {
        for (column, &slot) in columns.chunks_exact_mut(COLUMN).zip(slots) {
            for (x, row) in column[first..first + k].iter_mut().zip(records.chunks_exact(len)) {
                *x = row[slot];
            }
        }
    }
}

/// Adds to each figure's moments and sketch its column of a batch (the first
/// `runs` values of its [`COLUMN`] values in `columns`), in run order.
fn add_columns(columns: &[f64], slots: &[usize], runs: usize, moments: &mut MomentsTable, sketches: &mut [Sketch]) {
    let columns = columns.chunks_exact(COLUMN).map(|c| &c[..runs]);
    moments.add_columns(runs, slots.iter().copied().zip(columns.clone()));
    for (j, column) in columns.enumerate() {
        if let Some(next) = sketches.get(j + 1) {
            next.prefetch();
        }
        sketches[j].add_all(column);
    }
}

/// Runs `config.runs` replicates of `scenario` and summarises them.
/// `progress` is called with the number of runs completed so far.
pub fn run(scenario: &Scenario, config: &RunConfig, progress: &(dyn Fn(u64) + Sync)) -> Summary {
    let plan = Plan::new(scenario);
    let (moments, workers, threads) = in_blocks_with_workers(
        config,
        0..n_blocks(config.runs),
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

/// The number of blocks of `runs` runs.
pub fn n_blocks(runs: u64) -> u64 {
    runs.max(1).div_ceil(BLOCK)
}

/// Slice `index` of `count` (1-based) of a run: the blocks
/// `n·(index−1)/count .. n·index/count` of its `n` blocks, so the slices of
/// any `count` cover every block once, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: u64,
    pub count: u64,
}

impl ShardSpec {
    /// The blocks of this slice of `runs` runs.
    pub fn blocks(self, runs: u64) -> Range<u64> {
        let n = n_blocks(runs);
        n * (self.index - 1) / self.count..n * self.index / self.count
    }
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What one shard of a run holds: the moments of each of its blocks, in
/// block order (floating-point sums, merged only in that order), and its
/// quantile sketches (integer counts, merged in any order). Merging every
/// slice of a run gives exactly the statistics of the run done at once.
#[derive(Debug, Clone)]
pub struct Slice {
    pub scenario_hash: String,
    pub seed: u64,
    /// The runs of the whole run, of which this is a slice.
    pub runs: u64,
    pub shard: ShardSpec,
    pub blocks: Range<u64>,
    block_moments: Vec<Moments>,
    quantiles: Quantiles,
}

/// Why slices cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("{0}")]
    Mismatch(String),
    #[error("{0}")]
    Coverage(String),
    #[error("{0}")]
    Corrupt(String),
}

/// Runs slice `shard` of `config.runs` runs of `scenario` (the same runs,
/// on the same streams, as those blocks of a whole run).
pub fn run_shard(scenario: &Scenario, config: &RunConfig, shard: ShardSpec, progress: &(dyn Fn(u64) + Sync)) -> Slice {
    let plan = Plan::new(scenario);
    let blocks = shard.blocks(config.runs);
    let (block_moments, workers, _) = in_blocks_with_workers(
        config,
        blocks.clone(),
        progress,
        2,
        Vec::new,
        || Worker::new(&plan),
        |worker, first, last| vec![worker.simulate_block(config.seed, first, last)],
        |all: &mut Vec<Moments>, part| all.extend(part.iter().cloned()),
    );
    let mut quantiles = Quantiles::new(&plan);
    workers.iter().for_each(|w| quantiles.merge(&w.quantiles));
    Slice {
        scenario_hash: scenario.hash.clone(),
        seed: config.seed,
        runs: config.runs.max(1),
        shard,
        blocks,
        block_moments,
        quantiles,
    }
}

/// The summary of a whole run from all its slices (in any order): byte for
/// byte the summary of [`run`] with the same scenario, seed and runs.
/// Refuses slices of another scenario, seed, run count or number of
/// slices, and a slice missing or given twice.
pub fn merge_slices(scenario: &Scenario, slices: &[Slice], threads: usize) -> Result<Summary, MergeError> {
    let plan = Plan::new(scenario);
    for s in slices {
        if s.scenario_hash != scenario.hash {
            return Err(MergeError::Mismatch(format!(
                "shard {} is of another scenario (hash {}, not {})",
                s.shard, s.scenario_hash, scenario.hash
            )));
        }
        if s.blocks != s.shard.blocks(s.runs) || s.block_moments.len() as u64 != s.blocks.end - s.blocks.start {
            return Err(MergeError::Corrupt(format!("shard {} does not hold the blocks its number says", s.shard)));
        }
        let widths_ok = s
            .block_moments
            .iter()
            .all(|m| m.values.width() == plan.record_len() && m.survival.width() == plan.survival_offsets().len())
            && s.quantiles.values.len() == plan.varying_slots().len()
            && s.quantiles.survival.len() == plan.survival_offsets().len();
        if !widths_ok {
            return Err(MergeError::Corrupt(format!("shard {} does not fit the scenario's figures", s.shard)));
        }
    }
    let specs: Vec<(ShardSpec, u64, u64)> = slices.iter().map(|s| (s.shard, s.seed, s.runs)).collect();
    let order = order_slices(&specs)?;
    let mut total = Moments::new(&plan);
    let mut quantiles = Quantiles::new(&plan);
    for s in order.into_iter().map(|i| &slices[i]) {
        s.block_moments.iter().for_each(|m| total.merge(m));
        quantiles.merge(&s.quantiles);
    }
    let config = RunConfig { runs: slices[0].runs, seed: slices[0].seed, threads };
    Ok(summarise(scenario, &plan, &total, &quantiles, &config, threads))
}

/// The order in which to merge slices given as (number, seed, runs): by
/// their numbers, after checking that they are all of one run and each of
/// its slices is there once.
pub(crate) fn order_slices(specs: &[(ShardSpec, u64, u64)]) -> Result<Vec<usize>, MergeError> {
    let Some(&(first, seed, runs)) = specs.first() else {
        return Err(MergeError::Coverage("no shards to merge".into()));
    };
    for &(shard, s_seed, s_runs) in specs {
        let same = |what: &str, a: u64, b: u64| {
            if a == b {
                Ok(())
            } else {
                Err(MergeError::Mismatch(format!(
                    "shard {shard} has {what} {a} but shard {first} has {b}: merge only the shards of one run"
                )))
            }
        };
        same("seed", s_seed, seed)?;
        same("runs", s_runs, runs)?;
        same("a number of shards of", shard.count, first.count)?;
    }
    let count = first.count;
    let mut by_index: Vec<Option<usize>> = vec![None; count as usize];
    for (i, &(shard, _, _)) in specs.iter().enumerate() {
        let slot = &mut by_index[(shard.index - 1) as usize];
        if slot.is_some() {
            return Err(MergeError::Coverage(format!("shard {shard} is given twice")));
        }
        *slot = Some(i);
    }
    let missing: Vec<String> =
        (1..=count).filter(|i| by_index[(*i - 1) as usize].is_none()).map(|i| format!("{i}/{count}")).collect();
    if !missing.is_empty() {
        return Err(MergeError::Coverage(format!(
            "missing shard{} {}",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        )));
    }
    Ok(by_index.into_iter().flatten().collect())
}

/// The first bytes of an encoded [`Slice`].
const SLICE_MAGIC: &[u8; 8] = b"FSSLICE2";

impl Slice {
    /// The slice as bytes ([`crate::bytes`]): everything [`Slice::from_bytes`] needs.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes.extend_from_slice(SLICE_MAGIC);
        w.str(&self.scenario_hash);
        for x in [self.seed, self.runs, self.shard.index, self.shard.count, self.blocks.start, self.blocks.end] {
            w.u64(x);
        }
        let (values, survival) = self.block_moments.first().map_or((0, 0), |m| (m.values.width(), m.survival.width()));
        w.u64(values as u64);
        w.u64(survival as u64);
        w.u64(self.block_moments.len() as u64);
        for m in &self.block_moments {
            m.values.encode(&mut w);
            m.survival.encode(&mut w);
        }
        w.u64(self.quantiles.values.len() as u64);
        self.quantiles.values.iter().for_each(|s| s.encode(&mut w));
        w.u64(self.quantiles.survival.len() as u64);
        self.quantiles.survival.iter().for_each(|s| s.encode(&mut w));
        w.bytes
    }

    /// A slice from the bytes of [`Slice::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Slice, MergeError> {
        let corrupt = |e: DecodeError| MergeError::Corrupt(format!("not a whole shard file: {e}"));
        if bytes.get(..8) != Some(SLICE_MAGIC.as_slice()) {
            return Err(MergeError::Corrupt("not a shard file of this version of fundscape".into()));
        }
        let mut r = Reader::new(&bytes[8..]);
        let scenario_hash = r.str().map_err(corrupt)?;
        let mut next = || r.u64().map_err(corrupt);
        let (seed, runs, index, count, lo, hi) = (next()?, next()?, next()?, next()?, next()?, next()?);
        if count == 0 || index == 0 || index > count || lo > hi || runs == 0 {
            return Err(MergeError::Corrupt(format!("a shard numbered {index}/{count} (blocks {lo}..{hi}) cannot be")));
        }
        let (values, survival) = (next()? as usize, next()? as usize);
        let n = r.len(16).map_err(corrupt)?;
        let mut block_moments = Vec::with_capacity(n);
        for _ in 0..n {
            let values = MomentsTable::decode(&mut r, values).map_err(corrupt)?;
            let survival = MomentsTable::decode(&mut r, survival).map_err(corrupt)?;
            block_moments.push(Moments { values, survival });
        }
        let sketches = |r: &mut Reader<'_>| -> Result<Vec<Sketch>, MergeError> {
            let n = r.len(16).map_err(corrupt)?;
            (0..n).map(|_| Sketch::decode(r).map_err(corrupt)).collect()
        };
        let quantiles = Quantiles { values: sketches(&mut r)?, survival: sketches(&mut r)? };
        if !r.is_done() {
            return Err(MergeError::Corrupt("a shard file with bytes after its end".into()));
        }
        Ok(Slice {
            scenario_hash,
            seed,
            runs,
            shard: ShardSpec { index, count },
            blocks: lo..hi,
            block_moments,
            quantiles,
        })
    }
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
    let (total, _, threads) = in_blocks_with_workers(
        config,
        0..n_blocks(config.runs),
        progress,
        blocks_per_thread,
        empty,
        || (),
        |(), a, b| block(a, b),
        merge,
    );
    (total, threads)
}

/// [`in_blocks`] with a state per worker: `worker()` makes one for each
/// block simulated at the same time (at most one per thread), `block` gets
/// one to use, and they are all returned with the total, in no particular
/// order (merge them only with an operation whose result does not depend on
/// the order, such as the integer counts of quantile sketches).
#[allow(clippy::too_many_arguments)]
pub(crate) fn in_blocks_with_workers<P: Send + Sync, W: Send>(
    config: &RunConfig,
    blocks: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
    blocks_per_thread: u64,
    empty: impl Fn() -> P,
    worker: impl Fn() -> W + Sync,
    block: impl Fn(&mut W, u64, u64) -> P + Sync,
    merge: impl Fn(&mut P, &P) + Sync,
) -> (P, Vec<W>, usize) {
    let runs = config.runs.max(1);
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
        let mut b = blocks.start;
        while b < blocks.end {
            let end = (b + wave).min(blocks.end);
            let done = std::mem::take(&mut pending);
            let total = &mut total;
            let ((), parts) = rayon::join(
                || done.iter().for_each(|p| merge(total, p)),
                || -> Vec<P> { (b..end).into_par_iter().map(&simulate).collect() },
            );
            pending = parts;
            b = end;
            progress((end * BLOCK).min(runs) - (blocks.start * BLOCK).min(runs));
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
    let mut gap = Vec::new();
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
            gap.push(row(GAP.to_string(), plan.gap_metric()));
        }
    }
    debug_assert_eq!(plan.n_metrics(), SPEND + 2 * sources.len() + 2);
    let mut totals = Vec::new();
    let mut exceedance = Vec::new();
    let horizon_names = ["demand", "served", "abandoned", "post_years"]
        .map(String::from)
        .into_iter()
        .chain(sources.iter().map(|s| format!("spend:{s}")));
    let horizon_names: Vec<String> = horizon_names.collect();
    debug_assert_eq!(horizon_names.len(), plan.horizon_metrics().len());
    let abandoned = plan.horizon_metrics().iter().position(|&m| m == ABANDONED).unwrap_or(0);
    for (ri, name) in &region_order {
        for (k, metric) in horizon_names.iter().enumerate() {
            let slot = plan.horizon_index(*ri, k);
            totals.push(TotalRow {
                region: name.clone(),
                metric: metric.clone(),
                stat: Stat::of(&moments.values.get(slot), sketch_of[slot]),
            });
        }
        exceedance.extend(exceedance_curve(name, sketch_of[plan.horizon_index(*ri, abandoned)]));
    }
    // Runs count the posts still funded; the share divides by the eligible.
    let survival = plan
        .survival_offsets()
        .into_iter()
        .zip(plan.survival_eligible())
        .enumerate()
        .map(|(i, (k, eligible))| SurvivalRow {
            months_after_first_end: k,
            stat: Stat::of(&moments.survival.get(i), &quantiles.survival[i]).scaled(1.0 / eligible as f64),
            posts_followed: eligible,
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
        gap,
        survival,
        totals,
        exceedance,
        warnings: scenario.warnings.clone(),
    }
}

/// The exceedance curve of one figure: at each of its 1st … 99th
/// percentiles (each level once), the share of runs above it.
fn exceedance_curve<'a>(region: &'a str, sketch: &'a Sketch) -> impl Iterator<Item = ExceedanceRow> + 'a {
    let mut last = None;
    (1..100).filter_map(move |q| {
        let level = sketch.quantile(f64::from(q) / 100.0);
        if last == Some(level) {
            return None;
        }
        last = Some(level);
        Some(ExceedanceRow { region: region.to_string(), level, probability: sketch.share_above(level) })
    })
}

/// Partials of consecutive blocks folded in one canonical order that does
/// not depend on where the blocks were split: a node of `2^k` blocks
/// starting at a multiple of `2^k` is always merged from its two halves, and
/// the nodes left at the end are folded left to right. Blocks pushed one by
/// one and the nodes of slices (each a run of such aligned nodes) pushed in
/// block order give the same nodes, merged in the same order, so the same
/// floating-point sums, bit for bit; at most about `2·log2(blocks)` partials
/// are alive at once.
#[derive(Debug, Clone)]
pub struct Dyadic<P> {
    pub(crate) nodes: Vec<(Range<u64>, P)>,
}

impl<P> Default for Dyadic<P> {
    fn default() -> Self {
        Self { nodes: Vec::new() }
    }
}

impl<P: Clone> Dyadic<P> {
    /// The partial of one block.
    pub fn leaf(block: u64, part: P) -> Self {
        Self { nodes: vec![(block..block + 1, part)] }
    }

    /// The aligned nodes, in block order.
    pub fn nodes(&self) -> &[(Range<u64>, P)] {
        &self.nodes
    }

    /// Adds the node `blocks` (the next blocks after those held), merging
    /// equal aligned neighbours; `merge(earlier, later)`.
    pub fn push(&mut self, blocks: Range<u64>, part: P, merge: &impl Fn(&mut P, &P)) {
        self.nodes.push((blocks, part));
        while let [.., (a, left), (b, right)] = self.nodes.as_mut_slice() {
            let size = a.end - a.start;
            if size != b.end - b.start || a.start % (2 * size) != 0 {
                break;
            }
            merge(left, right);
            a.end = b.end;
            self.nodes.pop();
        }
    }

    /// Adds every node of `later`, in order.
    pub fn append(&mut self, later: &Dyadic<P>, merge: &impl Fn(&mut P, &P)) {
        for (blocks, part) in &later.nodes {
            self.push(blocks.clone(), part.clone(), merge);
        }
    }

    /// Whether the nodes are aligned and consecutive, covering `blocks`.
    pub fn covers(&self, blocks: &Range<u64>) -> bool {
        let mut at = blocks.start;
        for (b, _) in &self.nodes {
            let size = b.end.saturating_sub(b.start);
            if b.start != at || size == 0 || !size.is_power_of_two() || b.start % size != 0 {
                return false;
            }
            at = b.end;
        }
        at == blocks.end
    }

    /// The total: the nodes folded left to right (`None` without any).
    pub fn total(self, merge: &impl Fn(&mut P, &P)) -> Option<P> {
        let mut nodes = self.nodes.into_iter();
        let (_, mut total) = nodes.next()?;
        nodes.for_each(|(_, p)| merge(&mut total, &p));
        Some(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block simulated in batches and tiles (a run count that leaves a
    /// part tile and a part batch) has, bit for bit, the moments and
    /// sketches of its runs' records added one run at a time.
    #[test]
    fn a_block_in_tiles_and_batches_adds_what_its_runs_add_one_by_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/uk-baseline.toml");
        let scenario = crate::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let plan = Plan::new(&scenario);
        let (seed, first, last) = (11, 256, 256 + BATCH as u64 + 3 * TILE as u64 + 5);
        let mut worker = Worker::new(&plan);
        let moments = worker.simulate_block(seed, first, last);

        let mut run = Run::new(&plan);
        let mut record = plan.new_record();
        let mut one = Moments::new(&plan);
        let mut sketches = Quantiles::new(&plan);
        for r in first..last {
            run.simulate(seed, r, record.as_mut(), None);
            one.values.add_row(&record.values);
            one.survival.add_row(&record.survival);
            for (sketch, &slot) in sketches.values.iter_mut().zip(plan.varying_slots()) {
                sketch.add(record.values[slot]);
            }
            for (sketch, &x) in sketches.survival.iter_mut().zip(&record.survival) {
                sketch.add(x);
            }
        }
        // Debug prints every f64 so that it reads back to the same bits.
        assert_eq!(format!("{:?}", moments.values), format!("{:?}", one.values));
        assert_eq!(format!("{:?}", moments.survival), format!("{:?}", one.survival));
        // Not a comparison of zeros: figures vary from run to run.
        assert!(plan.varying_slots().iter().filter(|&&i| one.values.get(i).sd() > 0.0).count() > 100);
        // Sketches may lay out their buckets differently (grown in batches
        // or one by one); what they report must be the same.
        let reported = |s: &[Sketch]| -> Vec<u64> {
            s.iter().flat_map(|k| (1..100).map(|p| k.quantile(f64::from(p) / 100.0).to_bits())).collect()
        };
        assert_eq!(reported(&worker.quantiles.values), reported(&sketches.values));
        assert_eq!(reported(&worker.quantiles.survival), reported(&sketches.survival));
    }

    /// A merge that writes down its tree: any change of grouping shows.
    fn join(a: &mut String, b: &String) {
        *a = format!("({a} {b})");
    }

    fn leaves(blocks: Range<u64>) -> Dyadic<String> {
        let mut d = Dyadic::default();
        for b in blocks {
            d.append(&Dyadic::leaf(b, b.to_string()), &join);
        }
        d
    }

    #[test]
    fn the_fold_is_the_aligned_binary_tree() {
        assert_eq!(leaves(0..1).total(&join).unwrap(), "0");
        assert_eq!(leaves(0..4).total(&join).unwrap(), "((0 1) (2 3))");
        assert_eq!(leaves(0..7).total(&join).unwrap(), "((((0 1) (2 3)) (4 5)) 6)");
        // A slice from block 3 holds aligned nodes only.
        let slice = leaves(3..9);
        let held: Vec<Range<u64>> = slice.nodes().iter().map(|(r, _)| r.clone()).collect();
        assert_eq!(held, vec![3..4, 4..8, 8..9]);
        assert!(slice.covers(&(3..9)) && !slice.covers(&(3..10)));
    }

    /// Slices cut anywhere, pushed in order, fold to the same tree as the
    /// blocks pushed one by one.
    #[test]
    fn slices_fold_as_the_whole() {
        for n in 1..40u64 {
            let whole = leaves(0..n).total(&join).unwrap();
            for count in 1..=n.min(7) {
                let mut merged = Dyadic::default();
                for index in 1..=count {
                    let blocks = n * (index - 1) / count..n * index / count;
                    merged.append(&leaves(blocks), &join);
                }
                assert_eq!(merged.total(&join).unwrap(), whole, "{n} blocks in {count} slices");
            }
        }
    }
}
