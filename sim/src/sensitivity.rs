//! Which input matters, and how big an ask must be: the tornado, variance-
//! based (Sobol) indices, and goal seek, all on paired runs.
//!
//! Every analysis runs variants of one scenario built by
//! [`crate::inputs::with_inputs`], each on the same seed and run indices, so
//! the runs' own randomness (arrivals, exits, turnover, successors) is the
//! same in every variant and only the inputs differ. Runs are simulated in
//! parallel, but each result is stored at its own index and reduced in
//! order, so the results do not depend on the number of threads.

use std::sync::atomic::{AtomicU64, Ordering};

use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::driver::RunConfig;
use crate::inputs::{inputs, open_uniform, unknown_key, with_inputs, InputError, QuantileTable};
use crate::model::{Plan, Run, RunRecord, METRICS, SPEND};
use crate::rng::{fnv1a, mix, StreamRng};
use crate::scenario::Scenario;
use crate::suggest::did_you_mean;
use crate::value::Value;

/// The most base samples (`--runs`) an analysis takes: results are kept for
/// every run (N × (k + 2) outcomes), so memory grows with it.
pub const MAX_BASE_SAMPLES: u64 = 100_000;
/// Bootstrap resamples for the indices' intervals.
pub const BOOTSTRAP: usize = 200;
/// The tornado's low and high percentiles.
pub const TORNADO_LEVELS: (f64, f64) = (0.1, 0.9);

/// Why an analysis cannot start (bad input: exit 2, nothing written).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("--metric: unknown metric `{metric}`{hint}")]
    UnknownMetric { metric: String, hint: String },
    #[error("--region: unknown region `{region}`{hint}")]
    UnknownRegion { region: String, hint: String },
    #[error("--year: year `{year}` is not in the scenario ({first} to {last}); give one of its years or `horizon`")]
    UnknownYear { year: String, first: i32, last: i32 },
    #[error(
        "no input of the scenario is a distribution, so nothing is uncertain to analyse; write the uncertain keys as distributions (docs/scenario.md, \"Values\")"
    )]
    NoRandomInputs,
    #[error("`{key}` is a distribution ({value}); a lever must be a key written as a plain number")]
    LeverIsDistribution { key: String, value: String },
    #[error("the range {lo}..{hi} is empty; give --range LO..HI with LO less than HI")]
    EmptyRange { lo: f64, hi: f64 },
    #[error(
        "the range {lo}..{hi} goes outside the values `{key}` can take ({min} to {max}); keep --range inside them"
    )]
    RangeOutsideDomain { key: String, lo: f64, hi: f64, min: f64, max: f64 },
    #[error("--runs is {runs}, more than an analysis takes ({max}); give fewer base samples")]
    TooManyRuns { runs: u64, max: u64 },
}

/// What an analysis measures: one metric of one region (or `all`), per
/// model year and over the horizon.
#[derive(Debug, Clone)]
pub struct Target {
    pub metric: String,
    pub region: String,
    metric_index: usize,
    region_index: usize,
    /// A stock (taken at the end of the last year over the horizon) rather
    /// than a flow (summed over the years).
    stock: bool,
    years: usize,
}

/// The metric of post-years funded (`totals.csv`'s `post_years`), a flow.
pub const POST_YEARS: &str = "post_years";

/// A model year, or the whole horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Year {
    Model(usize),
    Horizon,
}

impl Target {
    /// Resolves metric and region names against the scenario.
    ///
    /// # Errors
    /// An unknown metric or region, with a did-you-mean.
    pub fn new(s: &Scenario, metric: &str, region: &str) -> Result<Self, AnalysisError> {
        let sources = s.spend_sources();
        let mut names: Vec<String> = METRICS.iter().map(|m| m.to_string()).collect();
        names.extend(sources.iter().map(|src| format!("spend:{src}")));
        // Post-years funded (funded post-months / 12), the flow of totals.csv,
        // follows the spend and the posts by source in a run's record.
        names.push(POST_YEARS.to_string());
        let metric_index = match names.iter().position(|n| n == metric) {
            Some(_) if metric == POST_YEARS => SPEND + 2 * sources.len(),
            Some(i) => i,
            None => {
                return Err(AnalysisError::UnknownMetric {
                    metric: metric.to_string(),
                    hint: hint_or_list(metric, &names, "the metrics are"),
                })
            }
        };
        let mut regions: Vec<String> = vec!["all".to_string()];
        regions.extend(s.regions.iter().map(|r| r.id.clone()));
        let region_index = match regions.iter().position(|r| r == region) {
            Some(0) => s.regions.len(),
            Some(i) => i - 1,
            None => {
                return Err(AnalysisError::UnknownRegion {
                    region: region.to_string(),
                    hint: hint_or_list(region, &regions, "the regions are"),
                })
            }
        };
        let stock =
            matches!(metric, "backlog_end" | "legal_aid_providers" | "posts_funded" | "posts_filled" | "posts_lost");
        // Spend metrics follow the nine named ones at SPEND.
        debug_assert_eq!(METRICS.len(), SPEND);
        Ok(Self {
            metric: metric.to_string(),
            region: region.to_string(),
            metric_index,
            region_index,
            stock,
            years: s.years as usize,
        })
    }

    /// Columns of an outcome: each model year, then the horizon.
    pub fn columns(&self) -> usize {
        self.years + 1
    }

    /// Whether the horizon figure is the last year's stock (else a sum).
    pub fn is_stock(&self) -> bool {
        self.stock
    }
}

fn hint_or_list(word: &str, names: &[String], intro: &str) -> String {
    let hint = did_you_mean(word, names);
    if hint.is_empty() {
        format!("; {intro} {}", names.join(", "))
    } else {
        hint
    }
}

/// Parses `--year`: a calendar year label of the scenario, or `horizon`.
///
/// # Errors
/// A year the scenario does not cover.
pub fn parse_year(s: &Scenario, text: &str) -> Result<Year, AnalysisError> {
    if text == "horizon" {
        return Ok(Year::Horizon);
    }
    let labels: Vec<i32> = (0..s.years as usize).map(|y| s.year_label(y)).collect();
    let err = || AnalysisError::UnknownYear {
        year: text.to_string(),
        first: labels.first().copied().unwrap_or(0),
        last: labels.last().copied().unwrap_or(0),
    };
    let label: i32 = text.trim().parse().map_err(|_| err())?;
    labels.iter().position(|l| *l == label).map(Year::Model).ok_or_else(err)
}

impl Year {
    /// The outcome column of this year.
    pub fn column(self, t: &Target) -> usize {
        match self {
            Year::Model(y) => y,
            Year::Horizon => t.years,
        }
    }
}

// --- The engine adapter: the only code here that knows the engine's API. ---

/// Simulates run `run` of `seed` on each scenario built by `variant(i)` for
/// `i` in `0..n`, and returns the target's figures of each: one per model
/// year, then the horizon. Results are in `i` order whatever the threads.
fn outcomes(
    n: usize,
    variant: &(dyn Fn(usize) -> (Scenario, u64) + Sync),
    seed: u64,
    target: &Target,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
    done: &AtomicU64,
) -> Vec<Vec<f64>> {
    let one = |i: usize| {
        let (scenario, run) = variant(i);
        let plan = Plan::new(&scenario);
        let out = outcome_of(&plan, target, seed, run);
        progress(done.fetch_add(1, Ordering::Relaxed) + 1);
        out
    };
    in_pool(threads, || (0..n).into_par_iter().map(one).collect())
}

/// The runs `0..runs` of one scenario (compiled once; each worker reuses
/// one run's buffers, as the driver does), in run order whatever the threads.
pub(crate) fn runs_of(
    scenario: &Scenario,
    runs: u64,
    seed: u64,
    target: &Target,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
    done: &AtomicU64,
) -> Vec<Vec<f64>> {
    let plan = Plan::new(scenario);
    let one = |(model, record): &mut (Run<'_>, RunRecord), run: u64| {
        model.simulate(seed, run, record.as_mut(), None);
        let out = outcome_from(&plan, target, record);
        progress(done.fetch_add(1, Ordering::Relaxed) + 1);
        out
    };
    let init = || (Run::new(&plan), plan.new_record());
    in_pool(threads, || (0..runs).into_par_iter().map_init(init, one).collect())
}

fn outcome_of(plan: &Plan, target: &Target, seed: u64, run: u64) -> Vec<f64> {
    let mut record = plan.new_record();
    plan.simulate(seed, run, &mut record, None);
    outcome_from(plan, target, &record)
}

/// The target's figures of one run's record: each model year, then the horizon.
fn outcome_from(plan: &Plan, target: &Target, record: &RunRecord) -> Vec<f64> {
    let mut out: Vec<f64> =
        (0..target.years).map(|y| record.values[plan.index(target.region_index, y, target.metric_index)]).collect();
    let horizon = if target.stock { out.last().copied().unwrap_or(0.0) } else { out.iter().sum() };
    out.push(horizon);
    out
}

fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

// --- Inputs and groups. ---

/// One input of an analysis: a key, or a group of keys (`regions.*.demand`)
/// moved together by one uniform.
#[derive(Debug, Clone)]
pub struct Group {
    pub key: String,
    /// Each member's key and quantile table.
    pub members: Vec<(String, QuantileTable)>,
}

impl Group {
    /// Every member at its own `u`-quantile (comonotone within a group).
    fn at(&self, u: f64) -> Vec<(&str, Value)> {
        self.members.iter().filter_map(|(k, q)| Value::fixed(q.quantile(u)).ok().map(|v| (k.as_str(), v))).collect()
    }

    /// The members' mean `u`-quantile (a group's value in `tornado.csv`).
    fn mean_at(&self, u: f64) -> f64 {
        self.members.iter().map(|(_, q)| q.quantile(u)).sum::<f64>() / self.members.len().max(1) as f64
    }
}

/// The scenario's random inputs; with `by_key`, the same key across regions
/// is one group `regions.*.KEY`.
pub fn groups(s: &Scenario, by_key: bool) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for input in inputs(s).into_iter().filter(|i| i.is_random()) {
        let key = match (by_key, input.key.strip_prefix("regions.")) {
            (true, Some(rest)) => rest.split_once('.').map_or(input.key.clone(), |(_, k)| format!("regions.*.{k}")),
            _ => input.key.clone(),
        };
        let table = QuantileTable::new(&input.key, &input.value);
        match out.iter_mut().find(|g| g.key == key) {
            Some(g) => g.members.push((input.key, table)),
            None => out.push(Group { key, members: vec![(input.key, table)] }),
        }
    }
    out
}

/// A scenario stripped of what runs do not read (the files' text), so
/// copies per run are cheap.
pub(crate) fn lean(s: &Scenario) -> Scenario {
    let mut s = s.clone();
    s.files.clear();
    s.overlay_changes.clear();
    s
}

fn fixed_at(base: &Scenario, values: &[(&str, Value)]) -> Scenario {
    // Keys come from the scenario's own inputs, so this cannot fail; a
    // failure would leave the base scenario (and show as no effect).
    with_inputs(base, values).unwrap_or_else(|_| base.clone())
}

// --- The analysis. ---

/// One tornado bar: the metric's mean with the input at its 10th and 90th
/// percentiles, every other input drawn as usual, paired run by run.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoRow {
    pub key: String,
    pub low_input: f64,
    pub high_input: f64,
    /// Means by outcome column (each model year, then the horizon).
    pub low: Vec<f64>,
    pub base: Vec<f64>,
    pub high: Vec<f64>,
}

impl TornadoRow {
    pub fn swing(&self, col: usize) -> f64 {
        self.high[col] - self.low[col]
    }
}

/// First- and total-order indices of one input, by outcome column, with
/// 95% bootstrap intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolRow {
    pub key: String,
    pub first: Vec<Interval>,
    pub total: Vec<Interval>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// What `fundscape sensitivity` computes.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub scenario_name: String,
    pub metric: String,
    pub region: String,
    /// Calendar label of each model year (the last column is the horizon).
    pub years: Vec<i32>,
    pub runs: u64,
    pub seed: u64,
    pub tornado: Vec<TornadoRow>,
    /// The inputs' indices, in the order of [`groups`].
    pub sobol: Vec<SobolRow>,
    /// The runs' own randomness: `first` is its share alone (1 − the
    /// inputs' joint total index), `total` at most 1 − Σ first-order indices
    /// (it also holds the inputs' interactions).
    pub randomness: SobolRow,
    /// Variance of the metric across the sampled runs, by column.
    pub variance: Vec<f64>,
}

/// The name of the runs' own randomness in `sobol.csv`.
pub const RANDOMNESS_KEY: &str = "(runs' own randomness)";

/// Runs for `sensitivity` with `k` inputs and `n` base samples: the indices'
/// N × (k + 2) and the tornado's N × (2k + 1).
pub fn sensitivity_cost(k: usize, n: u64) -> u64 {
    n * (k as u64 + 2) + n * (2 * k as u64 + 1)
}

/// The tornado and the Sobol indices of `target` (see the module docs).
///
/// # Errors
/// A scenario with no random input, or too many base samples.
pub fn sensitivity(
    scenario: &Scenario,
    groups: &[Group],
    target: &Target,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Sensitivity, AnalysisError> {
    if groups.is_empty() {
        return Err(AnalysisError::NoRandomInputs);
    }
    if config.runs > MAX_BASE_SAMPLES {
        return Err(AnalysisError::TooManyRuns { runs: config.runs, max: MAX_BASE_SAMPLES });
    }
    let base = lean(scenario);
    let n = config.runs.max(1);
    let k = groups.len();
    let done = AtomicU64::new(0);
    let cols = target.columns();
    let mean = |rows: &[Vec<f64>]| -> Vec<f64> {
        (0..cols).map(|c| rows.iter().map(|r| r[c]).sum::<f64>() / rows.len().max(1) as f64).collect()
    };

    // Tornado: the base, then each input at its low and high percentile.
    let base_mean = mean(&runs_of(&base, n, config.seed, target, config.threads, progress, &done));
    let mut tornado = Vec::with_capacity(k);
    for g in groups {
        let (lo, hi) = TORNADO_LEVELS;
        let at = |u: f64| {
            let s = fixed_at(&base, &g.at(u));
            mean(&runs_of(&s, n, config.seed, target, config.threads, progress, &done))
        };
        tornado.push(TornadoRow {
            key: g.key.clone(),
            low_input: g.mean_at(lo),
            high_input: g.mean_at(hi),
            low: at(lo),
            base: base_mean.clone(),
            high: at(hi),
        });
    }

    // Saltelli sampling: A and B (N × k uniforms), then AB_i (A with column
    // i from B). Row j of every matrix is run j, so the runs' own
    // randomness is the same in every matrix.
    let mut rng = StreamRng::seed_from_u64(mix(config.seed ^ fnv1a(b"sensitivity/saltelli")));
    let a: Vec<f64> = (0..n as usize * k).map(|_| open_uniform(&mut rng)).collect();
    let b: Vec<f64> = (0..n as usize * k).map(|_| open_uniform(&mut rng)).collect();
    let nu = n as usize;
    let u_of = |m: usize, j: usize, i: usize| -> f64 {
        match m {
            0 => a[j * k + i],
            1 => b[j * k + i],
            _ if i == m - 2 => b[j * k + i],
            _ => a[j * k + i],
        }
    };
    let variant = |idx: usize| {
        let (m, j) = (idx / nu, idx % nu);
        let values: Vec<(&str, Value)> = groups.iter().enumerate().flat_map(|(i, g)| g.at(u_of(m, j, i))).collect();
        (fixed_at(&base, &values), j as u64)
    };
    let f = outcomes(nu * (k + 2), &variant, config.seed, target, config.threads, progress, &done);

    let estimate = |rows: &[usize]| indices(&f, nu, k, cols, rows);
    let all: Vec<usize> = (0..nu).collect();
    let point = estimate(&all);
    let mut boot_rng = StreamRng::seed_from_u64(mix(config.seed ^ fnv1a(b"sensitivity/bootstrap")));
    let boots: Vec<Indices> = (0..BOOTSTRAP)
        .map(|_| {
            let rows: Vec<usize> = (0..nu).map(|_| boot_rng.random_range(0..nu)).collect();
            estimate(&rows)
        })
        .collect();
    let interval = |pick: &dyn Fn(&Indices) -> f64, est: f64| {
        let mut xs: Vec<f64> = boots.iter().map(pick).collect();
        xs.sort_by(f64::total_cmp);
        let at = |p: f64| xs[((p * (xs.len() - 1) as f64).round() as usize).min(xs.len() - 1)];
        Interval { estimate: est, low: at(0.025).min(est), high: at(0.975).max(est) }
    };
    let sobol = (0..k)
        .map(|i| SobolRow {
            key: groups[i].key.clone(),
            first: (0..cols).map(|c| interval(&|x: &Indices| x.first[c][i], point.first[c][i])).collect(),
            total: (0..cols).map(|c| interval(&|x: &Indices| x.total[c][i], point.total[c][i])).collect(),
        })
        .collect();
    let randomness = SobolRow {
        key: RANDOMNESS_KEY.to_string(),
        first: (0..cols).map(|c| interval(&|x: &Indices| x.own[c], point.own[c])).collect(),
        total: (0..cols).map(|c| interval(&|x: &Indices| x.rest[c], point.rest[c])).collect(),
    };
    Ok(Sensitivity {
        scenario_name: scenario.name.clone(),
        metric: target.metric.clone(),
        region: target.region.clone(),
        years: (0..scenario.years as usize).map(|y| scenario.year_label(y)).collect(),
        runs: n,
        seed: config.seed,
        tornado,
        sobol,
        randomness,
        variance: point.variance,
    })
}

/// Indices by column from the outcomes of rows `rows` of every matrix.
struct Indices {
    first: Vec<Vec<f64>>,
    total: Vec<Vec<f64>>,
    /// The runs' own randomness alone: 1 − the inputs' joint total index.
    own: Vec<f64>,
    /// 1 − Σ first-order indices.
    rest: Vec<f64>,
    variance: Vec<f64>,
}

/// Saltelli (2010) first-order and Jansen (1999) total-order estimators, as
/// SALib's `analyze/sobol.py` writes them: with `V` the variance of the
/// outputs of A and B together, `S1_i = mean(f_B (f_ABi − f_A)) / V` and
/// `ST_i = mean((f_A − f_ABi)²) / 2V`. Like SALib, outputs are centred on
/// their mean first (which changes neither estimator's expectation and
/// takes the mean's noise out of `S1`).
fn indices(f: &[Vec<f64>], n: usize, k: usize, cols: usize, rows: &[usize]) -> Indices {
    let at = |m: usize, j: usize, c: usize| f[m * n + j][c];
    let len = rows.len() as f64;
    let mut out = Indices {
        first: vec![vec![0.0; k]; cols],
        total: vec![vec![0.0; k]; cols],
        own: vec![0.0; cols],
        rest: vec![0.0; cols],
        variance: vec![0.0; cols],
    };
    for c in 0..cols {
        let both = rows.iter().flat_map(|&j| [at(0, j, c), at(1, j, c)]);
        let mean = both.clone().sum::<f64>() / (2.0 * len);
        let v = both.map(|x| (x - mean).powi(2)).sum::<f64>() / (2.0 * len);
        out.variance[c] = v;
        if !(v > 0.0) {
            continue;
        }
        for i in 0..k {
            let (mut s1, mut st) = (0.0, 0.0);
            for &j in rows {
                let (fa, fb, fab) = (at(0, j, c), at(1, j, c), at(2 + i, j, c));
                s1 += (fb - mean) * (fab - fa);
                st += (fa - fab).powi(2);
            }
            out.first[c][i] = s1 / len / v;
            out.total[c][i] = st / len / (2.0 * v);
        }
        let joint = rows.iter().map(|&j| (at(0, j, c) - at(1, j, c)).powi(2)).sum::<f64>() / len / (2.0 * v);
        out.own[c] = 1.0 - joint;
        out.rest[c] = 1.0 - out.first[c].iter().sum::<f64>();
    }
    out
}

// --- Goal seek. ---

/// What `solve` looks for: the smallest lever value with
/// P(metric ≤ threshold) (or ≥) at least `probability`.
#[derive(Debug, Clone)]
pub struct Goal {
    pub lever: String,
    pub target: Target,
    pub year: Year,
    pub at_most: bool,
    pub threshold: f64,
    pub probability: f64,
    pub range: Option<(f64, f64)>,
}

/// One trial: the probability reached at a lever value, with its 95%
/// Monte Carlo (Wilson) interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trial {
    pub value: f64,
    pub probability: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SolveOutcome {
    /// The smallest value found, and its trial.
    Found(Trial),
    /// No value in the range reaches the probability: the trials at both ends.
    Outside { low: Trial, high: Trial },
    /// The low end of the range already reaches it, and the lever can take
    /// smaller values: the smallest value may lie below the range. The
    /// trials at both ends, and the least value the lever can take.
    Below { low: Trial, high: Trial, least: f64 },
}

/// The most trials [`solve`] makes over `range`: both ends, the bisection
/// steps to its stopping bracket, and the whole number inside it.
pub fn most_trials(range: (f64, f64)) -> u64 {
    let (lo, hi) = range;
    let tol = (0.005 * (hi - lo)).min(1.0);
    let halvings = if hi - lo > tol { ((hi - lo) / tol).log2().ceil() as u64 } else { 0 };
    2 + halvings + 1
}

#[derive(Debug, Clone, PartialEq)]
pub struct Solved {
    pub range: (f64, f64),
    /// Every trial, in the order made.
    pub trials: Vec<Trial>,
    pub outcome: SolveOutcome,
    /// Neighbouring trials (by value) where the probability fell as the
    /// lever rose.
    pub not_monotone: Vec<(Trial, Trial)>,
}

/// The lever's range: `range`, or 0 to twice the current value (at least
/// 1), inside the key's domain.
///
/// # Errors
/// An unknown lever, a distribution, an empty range or one outside the domain.
pub fn lever_range(s: &Scenario, goal: &Goal) -> Result<(f64, f64), AnalysisError> {
    let input = inputs(s).into_iter().find(|i| i.key == goal.lever).ok_or_else(|| unknown_key(s, &goal.lever))?;
    let Some(current) = input.value.as_fixed() else {
        return Err(AnalysisError::LeverIsDistribution { key: goal.lever.clone(), value: input.value.to_string() });
    };
    let (min, max) = input.value.limits();
    let (lo, hi) = match goal.range {
        Some(r) => r,
        None => (min.max(0.0f64.min(2.0 * current)), max.min((2.0 * current.abs()).max(1.0))),
    };
    if !(lo < hi) {
        return Err(AnalysisError::EmptyRange { lo, hi });
    }
    if lo < min || hi > max {
        return Err(AnalysisError::RangeOutsideDomain { key: goal.lever.clone(), lo, hi, min, max });
    }
    Ok((lo, hi))
}

/// Wilson's 95% interval for `k` successes in `n`.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    let (k, n, z) = (k as f64, n.max(1) as f64, 1.959_963_984_540_054);
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    // At k = 0 and k = n the bounds are exactly 0 and 1; rounding must not move them.
    let lo = if k == 0.0 { 0.0 } else { (centre - half).max(0.0) };
    let hi = if k >= n { 1.0 } else { (centre + half).min(1.0) };
    (lo, hi)
}

/// Goal seek by bisection on paired runs (every trial on the same seed and
/// runs): it assumes the probability rises with the lever, stops when the
/// bracket is within 0.5% of the range or one unit (the smaller), then tries
/// the whole number inside the bracket, if there is one. A range whose low
/// end already reaches the probability is [`SolveOutcome::Below`] unless
/// that end is the least value the lever can take.
///
/// # Errors
/// As [`lever_range`].
pub fn solve(
    scenario: &Scenario,
    goal: &Goal,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Solved, AnalysisError> {
    if config.runs > MAX_BASE_SAMPLES * 10 {
        return Err(AnalysisError::TooManyRuns { runs: config.runs, max: MAX_BASE_SAMPLES * 10 });
    }
    let range = lever_range(scenario, goal)?;
    let base = lean(scenario);
    let n = config.runs.max(1);
    let col = goal.year.column(&goal.target);
    let done = AtomicU64::new(0);
    let mut trials: Vec<Trial> = Vec::new();
    let mut trial = |v: f64| -> Trial {
        let s = Value::fixed(v).map(|x| fixed_at(&base, &[(goal.lever.as_str(), x)])).unwrap_or_else(|_| base.clone());
        let rows = runs_of(&s, n, config.seed, &goal.target, config.threads, progress, &done);
        let hits = rows
            .iter()
            .filter(|r| if goal.at_most { r[col] <= goal.threshold } else { r[col] >= goal.threshold })
            .count() as u64;
        let (low, high) = wilson(hits, n);
        let t = Trial { value: v, probability: hits as f64 / n as f64, low, high };
        trials.push(t);
        t
    };
    let reached = |t: &Trial| t.probability >= goal.probability;
    let (mut lo, mut hi) = range;
    let least = inputs(scenario).into_iter().find(|i| i.key == goal.lever).map_or(lo, |i| i.value.limits().0);
    let low = trial(lo);
    let outcome = if reached(&low) {
        // At the least value the lever can take, that value is the answer;
        // above it, the answer may be smaller than the range shows.
        if lo > least {
            SolveOutcome::Below { low, high: trial(hi), least }
        } else {
            SolveOutcome::Found(low)
        }
    } else {
        let high = trial(hi);
        if !reached(&high) {
            SolveOutcome::Outside { low, high }
        } else {
            let tol = (0.005 * (hi - lo)).min(1.0);
            let mut best = high;
            for _ in 0..200 {
                if hi - lo <= tol {
                    break;
                }
                let mid = lo + (hi - lo) / 2.0;
                let t = trial(mid);
                if reached(&t) {
                    hi = mid;
                    best = t;
                } else {
                    lo = mid;
                }
            }
            let whole = lo.floor() + 1.0;
            if whole < hi {
                let t = trial(whole);
                if reached(&t) {
                    best = t;
                }
            }
            SolveOutcome::Found(best)
        }
    };
    let mut sorted = trials.clone();
    sorted.sort_by(|x, y| x.value.total_cmp(&y.value));
    let not_monotone =
        sorted.windows(2).filter(|w| w[1].probability < w[0].probability).map(|w| (w[0], w[1])).collect();
    Ok(Solved { range, trials, outcome, not_monotone })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_holds_the_estimate_and_stays_in_bounds() {
        let (lo, hi) = wilson(90, 100);
        assert!(lo < 0.9 && 0.9 < hi, "{lo} {hi}");
        assert!((lo - 0.8256).abs() < 1e-3 && (hi - 0.9448).abs() < 1e-3, "{lo} {hi}");
        assert_eq!(wilson(0, 10).0, 0.0);
        assert_eq!(wilson(10, 10).1, 1.0);
    }
}
