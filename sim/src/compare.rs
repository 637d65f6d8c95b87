//! Paired comparison of scenarios (common random numbers).
//!
//! Every scenario is run on the same seed: run `i` of an alternative uses
//! the same keyed streams as run `i` of the base, so a draw that both
//! scenarios make is the same draw in both (model.md §8). The difference of
//! each figure is taken run by run and summarised like any other figure,
//! so it carries far less noise than the difference of two independent sets
//! of runs.

use std::ops::Range;

use crate::bytes::{DecodeError, Reader, Writer};
use crate::driver::{in_blocks_with_workers, n_blocks, order_slices, Dyadic, MergeError, RunConfig, ShardSpec, BLOCK};
use crate::model::{Plan, Run, RunRecord, METRICS, SPEND};
use crate::scenario::{Scenario, ScenarioKind, SuccessorSource};
use crate::stats::{Moments, MomentsTable, Sketch, Stat};
use crate::value::Value;

/// Why two scenarios cannot be compared run by run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{alt}: {reason}")]
pub struct CompareScenariosError {
    /// The alternative's name.
    pub alt: String,
    pub reason: String,
}

/// Which way a metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
    /// Neither (demand, spend): no probability of being better.
    Neither,
}

/// Where a figure of the comparison comes from.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    /// A metric of the run record at this index (or absent: zero).
    Metric(Option<usize>),
    /// The sum of several metrics (spend by all funders, spend overall).
    Sum(Vec<usize>),
}

/// One figure compared: its name, whether it is a stock, which way is better.
#[derive(Debug, Clone)]
struct Figure {
    name: String,
    stock: bool,
    better: Better,
}

/// The figures compared, in report order, with how to read them from each
/// scenario's record.
struct Layout {
    figures: Vec<Figure>,
    /// `sources[s][f]`: figure `f` in scenario `s`'s record.
    sources: Vec<Vec<Source>>,
}

impl Layout {
    fn new(scenarios: &[&Scenario], plans: &[Plan]) -> Self {
        let mut union: Vec<String> = Vec::new();
        for s in scenarios {
            for name in s.spend_sources() {
                if !union.contains(&name) {
                    union.push(name);
                }
            }
        }
        // Successor sources last, as in a summary.
        union.sort_by_key(|n| SuccessorSource::ALL.iter().any(|s| s.as_str() == n));
        let better = |name: &str| match name {
            "served" | "capacity" | "legal_aid_providers" | "posts_funded" | "posts_filled" | "post_years" => {
                Better::Higher
            }
            "abandoned" | "backlog_end" | "posts_lost" => Better::Lower,
            _ => Better::Neither,
        };
        let stock = |name: &str| {
            matches!(name, "backlog_end" | "legal_aid_providers" | "posts_funded" | "posts_filled" | "posts_lost")
        };
        let mut figures: Vec<Figure> = METRICS
            .iter()
            .chain(std::iter::once(&"post_years"))
            .map(|m| Figure { name: m.to_string(), stock: stock(m), better: better(m) })
            .collect();
        figures.extend(union.iter().map(|s| Figure {
            name: format!("spend:{s}"),
            stock: false,
            better: Better::Neither,
        }));
        figures.push(Figure { name: "spend:funders".into(), stock: false, better: Better::Neither });
        figures.push(Figure { name: "spend:all".into(), stock: false, better: Better::Neither });
        // What outlasts any grant: the posts statutory money (legal aid,
        // local authorities) pays at a year's end.
        figures.push(Figure { name: "posts_statutory".into(), stock: true, better: Better::Higher });

        let sources = scenarios
            .iter()
            .zip(plans)
            .map(|(s, plan)| {
                let own = s.spend_sources();
                let spend = |name: &str| own.iter().position(|x| x == name).map(|k| SPEND + k);
                let is_public = |name: &str| {
                    name == SuccessorSource::LegalAid.as_str() || name == SuccessorSource::LocalAuthority.as_str()
                };
                let mut out: Vec<Source> = (0..METRICS.len()).map(|m| Source::Metric(Some(m))).collect();
                out.push(Source::Metric(Some(plan.post_years_metric())));
                out.extend(union.iter().map(|u| Source::Metric(spend(u))));
                out.push(Source::Sum(own.iter().filter(|n| !is_public(n)).filter_map(|n| spend(n)).collect()));
                out.push(Source::Sum((0..own.len()).map(|k| SPEND + k).collect()));
                let posts_of = |name: &str| own.iter().position(|x| x == name).map(|k| SPEND + own.len() + k);
                out.push(Source::Sum(
                    [SuccessorSource::LegalAid, SuccessorSource::LocalAuthority]
                        .iter()
                        .filter_map(|s| posts_of(s.as_str()))
                        .collect(),
                ));
                out
            })
            .collect();
        Self { figures, sources }
    }

    /// The figures of one run: for each region (total last), each year and
    /// then the horizon (flows summed, stocks at the end), each figure.
    fn view(&self, scenario: usize, plan: &Plan, record: &RunRecord, n_regions: usize, years: usize, out: &mut [f64]) {
        let nf = self.figures.len();
        for r in 0..=n_regions {
            for (f, (figure, source)) in self.figures.iter().zip(&self.sources[scenario]).enumerate() {
                let value = |y: usize| match source {
                    Source::Metric(Some(m)) => record.values[plan.index(r, y, *m)],
                    Source::Metric(None) => 0.0,
                    Source::Sum(ms) => ms.iter().map(|m| record.values[plan.index(r, y, *m)]).sum(),
                };
                let mut horizon = 0.0;
                for y in 0..years {
                    let v = value(y);
                    out[(r * (years + 1) + y) * nf + f] = v;
                    horizon = if figure.stock { v } else { horizon + v };
                }
                out[(r * (years + 1) + years) * nf + f] = horizon;
            }
        }
    }
}

/// One compared figure for one alternative.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    pub alt: String,
    /// Region id or `all`.
    pub region: String,
    /// Calendar label of the model year, or `None` for the whole horizon
    /// (flows summed over the years, stocks at the end).
    pub year: Option<i32>,
    pub metric: String,
    pub base_mean: f64,
    pub alt_mean: f64,
    /// The paired difference ALT − BASE across runs. Its quantiles are
    /// given for the horizon only (NaN for single years), which keeps a
    /// comparison's memory to a few accumulators per figure.
    pub diff: Stat,
    /// Share of runs in which ALT is strictly better (`None` where neither
    /// direction is better).
    pub prob_better: Option<f64>,
    /// Share of runs in which ALT is strictly worse.
    pub prob_worse: Option<f64>,
}

/// Cost-effectiveness of one alternative over the horizon, per region.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    pub alt: String,
    pub region: String,
    /// Mean extra spend by funders (grant and round funders, same and other
    /// funders; not legal aid or local authorities), £.
    pub extra_funder_spend: f64,
    pub extra_post_years: f64,
    pub extra_cases_served: f64,
    /// `extra_funder_spend / extra_post_years` when more post-years are
    /// delivered, else `None`.
    pub cost_per_post_year_saved: Option<f64>,
    /// `extra_funder_spend / extra_cases_served` when more cases are served.
    pub cost_per_extra_case_served: Option<f64>,
}

/// The result of [`compare`].
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub base: String,
    pub alts: Vec<String>,
    pub runs: u64,
    pub seed: u64,
    pub threads: usize,
    pub regions: Vec<String>,
    pub years: Vec<i32>,
    /// By alt, region (`all` first), year (then the horizon), metric.
    pub rows: Vec<CompareRow>,
    pub costs: Vec<CostRow>,
    /// By alt: an ask or a risk (`[scenario] kind`), ranked apart.
    pub kinds: Vec<ScenarioKind>,
    /// By alt: the mean of its `[scenario] ask_cost` (0 without one), £,
    /// counted in the `all` rows of `costs`.
    pub ask_costs: Vec<f64>,
}

impl Comparison {
    pub fn get(&self, alt: &str, region: &str, year: Option<i32>, metric: &str) -> Option<&CompareRow> {
        self.rows.iter().find(|r| r.alt == alt && r.region == region && r.year == year && r.metric == metric)
    }
}

/// Where each figure of a run's comparison view lies: by region (`all`
/// last), year (then the horizon), figure.
#[derive(Debug, Clone, Copy)]
struct Shape {
    regions: usize,
    years: usize,
    figures: usize,
}

impl Shape {
    fn len(self) -> usize {
        (self.regions + 1) * (self.years + 1) * self.figures
    }

    fn horizon_len(self) -> usize {
        (self.regions + 1) * self.figures
    }

    /// Index of a horizon figure among the sketches, if `i` is one.
    fn horizon_slot(self, i: usize) -> Option<usize> {
        let (row, f) = (i / self.figures, i % self.figures);
        (row % (self.years + 1) == self.years).then(|| (row / (self.years + 1)) * self.figures + f)
    }
}

/// The floating-point sums of some blocks: the base's figures, and each
/// alternative's figures and paired differences. Merged only in the
/// canonical order of [`Dyadic`], so a comparison done at once and one
/// merged from shards agree bit for bit.
#[derive(Debug, Clone)]
pub struct Sums {
    base: MomentsTable,
    /// By alternative: (its figures, ALT − BASE).
    alts: Vec<(MomentsTable, MomentsTable)>,
}

impl Sums {
    fn new(shape: Shape, n_alts: usize) -> Self {
        let table = || MomentsTable::new(shape.len());
        Self { base: table(), alts: (0..n_alts).map(|_| (table(), table())).collect() }
    }

    fn merge(&mut self, later: &Sums) {
        self.base.merge(&later.base);
        for ((alt, diff), (alt_later, diff_later)) in self.alts.iter_mut().zip(&later.alts) {
            alt.merge(alt_later);
            diff.merge(diff_later);
        }
    }

    fn fits(&self, shape: Shape, n_alts: usize) -> bool {
        self.alts.len() == n_alts
            && std::iter::once(&self.base)
                .chain(self.alts.iter().flat_map(|(a, d)| [a, d]))
                .all(|t| t.width() == shape.len())
    }
}

/// Integer counts, whose merge is exact in any order: by alternative, the
/// sketches of the horizon differences and the runs in which it is better
/// and worse, figure by figure.
#[derive(Debug, Clone)]
pub struct Counts {
    alts: Vec<AltCounts>,
}

#[derive(Debug, Clone)]
struct AltCounts {
    diff_horizon: Vec<Sketch>,
    better: Vec<u64>,
    worse: Vec<u64>,
}

impl Counts {
    fn new(shape: Shape, n_alts: usize) -> Self {
        let alt = || AltCounts {
            diff_horizon: vec![Sketch::default(); shape.horizon_len()],
            better: vec![0; shape.len()],
            worse: vec![0; shape.len()],
        };
        Self { alts: (0..n_alts).map(|_| alt()).collect() }
    }

    fn merge(&mut self, other: &Counts) {
        for (mine, theirs) in self.alts.iter_mut().zip(&other.alts) {
            mine.diff_horizon.iter_mut().zip(&theirs.diff_horizon).for_each(|(a, b)| a.merge(b));
            mine.better.iter_mut().zip(&theirs.better).for_each(|(a, b)| *a += b);
            mine.worse.iter_mut().zip(&theirs.worse).for_each(|(a, b)| *a += b);
        }
    }

    fn fits(&self, shape: Shape, n_alts: usize) -> bool {
        self.alts.len() == n_alts
            && self.alts.iter().all(|a| {
                a.diff_horizon.len() == shape.horizon_len()
                    && a.better.len() == shape.len()
                    && a.worse.len() == shape.len()
            })
    }
}

/// One worker thread's state across the blocks it simulates: a run of
/// each scenario, their records and views, and the worker's counts.
struct Worker<'p> {
    plans: &'p [Plan],
    layout: &'p Layout,
    shape: Shape,
    sims: Vec<Run<'p>>,
    records: Vec<RunRecord>,
    views: Vec<Vec<f64>>,
    diff: Vec<f64>,
    counts: Counts,
}

impl<'p> Worker<'p> {
    fn new(plans: &'p [Plan], layout: &'p Layout, shape: Shape) -> Self {
        Self {
            plans,
            layout,
            shape,
            sims: plans.iter().map(Run::new).collect(),
            records: plans.iter().map(Plan::new_record).collect(),
            views: vec![vec![0.0; shape.len()]; plans.len()],
            diff: vec![0.0; shape.len()],
            counts: Counts::new(shape, plans.len() - 1),
        }
    }

    /// Simulates runs `first..last` of every scenario; returns their sums
    /// and adds their counts to the worker's.
    fn simulate_block(&mut self, seed: u64, first: u64, last: u64) -> Sums {
        let shape = self.shape;
        let mut sums = Sums::new(shape, self.plans.len() - 1);
        for run in first..last {
            for (s, plan) in self.plans.iter().enumerate() {
                self.sims[s].simulate(seed, run, self.records[s].as_mut(), None);
                self.layout.view(s, plan, &self.records[s], shape.regions, shape.years, &mut self.views[s]);
            }
            let (base, alts) = self.views.split_at(1);
            let base = &base[0];
            sums.base.add_row(base);
            for (a, view) in alts.iter().enumerate() {
                let counts = &mut self.counts.alts[a];
                for (i, (x, b)) in view.iter().zip(base).enumerate() {
                    let d = x - b;
                    self.diff[i] = d;
                    if let Some(h) = shape.horizon_slot(i) {
                        counts.diff_horizon[h].add(d);
                    }
                    let (better, worse) = match self.layout.figures[i % shape.figures].better {
                        Better::Higher => (d > 0.0, d < 0.0),
                        Better::Lower => (d < 0.0, d > 0.0),
                        Better::Neither => (false, false),
                    };
                    counts.better[i] += u64::from(better);
                    counts.worse[i] += u64::from(worse);
                }
                sums.alts[a].0.add_row(view);
                sums.alts[a].1.add_row(&self.diff);
            }
        }
        sums
    }
}

/// The statistics of a difference: moments always, quantiles where kept.
fn diff_stat(m: &Moments, q: Option<&Sketch>, runs: u64) -> Stat {
    let quantile = |p: f64| q.map_or(f64::NAN, |s| s.quantile(p));
    let sd = m.sd();
    Stat {
        mean: m.mean(),
        sd,
        p05: quantile(0.05),
        p25: quantile(0.25),
        p50: quantile(0.50),
        p75: quantile(0.75),
        p95: quantile(0.95),
        mcse: sd / (runs.max(1) as f64).sqrt(),
    }
}

/// Checks that `alt` can be paired with `base` run by run.
fn check_pairable(base: &Scenario, alt: &Scenario, alt_name: &str) -> Result<(), CompareScenariosError> {
    let err = |reason: String| Err(CompareScenariosError { alt: alt_name.to_string(), reason });
    let ids = |s: &Scenario| s.regions.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    if ids(base) != ids(alt) {
        return err(format!(
            "compare needs the same regions, in the same order, as the base; the base has {} and this has {}",
            ids(base).join(", "),
            ids(alt).join(", ")
        ));
    }
    if base.start != alt.start || base.years != alt.years {
        return err(format!(
            "compare needs the same horizon as the base ({}, {} years); this starts {} for {} years",
            base.start, base.years, alt.start, alt.years
        ));
    }
    Ok(())
}

/// Runs `base` and every alternative on the same seed, paired run by run,
/// and summarises each alternative's differences from the base.
/// `names` are the alternatives' names (file stems) in the same order.
///
/// # Errors
/// An alternative whose regions or horizon differ from the base's.
pub fn compare(
    base: &Scenario,
    alts: &[(String, &Scenario)],
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, CompareScenariosError> {
    let blocks = 0..n_blocks(config.runs);
    let (paired, sums, counts, threads) = simulate(base, alts, config, blocks, progress)?;
    let sums = sums.total(&Sums::merge).unwrap_or_else(|| Sums::new(paired.shape, alts.len()));
    Ok(paired.summarise(base, alts, &sums, &counts, config, threads))
}

/// The scenarios of a comparison made ready to run: their plans, the
/// figures compared and where they lie.
struct Paired {
    plans: Vec<Plan>,
    layout: Layout,
    shape: Shape,
}

impl Paired {
    fn new(base: &Scenario, alts: &[(String, &Scenario)]) -> Result<Self, CompareScenariosError> {
        for (name, alt) in alts {
            check_pairable(base, alt, name)?;
        }
        let scenarios: Vec<&Scenario> = std::iter::once(base).chain(alts.iter().map(|(_, s)| *s)).collect();
        let plans: Vec<Plan> = scenarios.iter().map(|s| Plan::new(s)).collect();
        let layout = Layout::new(&scenarios, &plans);
        let shape = Shape { regions: base.regions.len(), years: base.years as usize, figures: layout.figures.len() };
        Ok(Self { plans, layout, shape })
    }
}

/// Simulates the blocks `blocks` of every scenario: their sums as aligned
/// nodes and their counts.
fn simulate(
    base: &Scenario,
    alts: &[(String, &Scenario)],
    config: &RunConfig,
    blocks: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Paired, Dyadic<Sums>, Counts, usize), CompareScenariosError> {
    let paired = Paired::new(base, alts)?;
    let (sums, workers, threads) = {
        let Paired { plans, layout, shape } = &paired;
        // One block a thread per wave: a comparison's sums are large (every
        // ask × region × year × figure), so fewer are kept alive.
        in_blocks_with_workers(
            config,
            blocks,
            progress,
            1,
            Dyadic::default,
            || Worker::new(plans, layout, *shape),
            |w, first, last| Dyadic::leaf(first / BLOCK, w.simulate_block(config.seed, first, last)),
            |total: &mut Dyadic<Sums>, later| total.append(later, &Sums::merge),
        )
    };
    let mut counts = Counts::new(paired.shape, alts.len());
    workers.iter().for_each(|w| counts.merge(&w.counts));
    Ok((paired, sums, counts, threads))
}

impl Paired {
    /// The comparison from the sums and counts of all its runs.
    fn summarise(
        &self,
        base: &Scenario,
        alts: &[(String, &Scenario)],
        sums: &Sums,
        counts: &Counts,
        config: &RunConfig,
        threads: usize,
    ) -> Comparison {
        let Paired { layout, shape, .. } = self;
        let (nr, years, nf) = (shape.regions, shape.years, shape.figures);
        let runs = config.runs.max(1);
        let region_names: Vec<String> =
            std::iter::once("all".to_string()).chain(base.regions.iter().map(|r| r.id.clone())).collect();
        let region_index = |k: usize| if k == 0 { nr } else { k - 1 };
        let mut rows = Vec::new();
        let mut costs = Vec::new();
        for (a, (alt_name, _)) in alts.iter().enumerate() {
            let (alt_m, diff) = &sums.alts[a];
            let AltCounts { diff_horizon, better, worse } = &counts.alts[a];
            for (k, region) in region_names.iter().enumerate() {
                let r = region_index(k);
                for y in 0..=years {
                    for (f, figure) in layout.figures.iter().enumerate() {
                        let i = (r * (years + 1) + y) * nf + f;
                        let share = |n: u64| (figure.better != Better::Neither).then(|| n as f64 / runs as f64);
                        rows.push(CompareRow {
                            alt: alt_name.clone(),
                            region: region.clone(),
                            year: (y < years).then(|| base.year_label(y)),
                            metric: figure.name.clone(),
                            base_mean: sums.base.get(i).mean(),
                            alt_mean: alt_m.get(i).mean(),
                            diff: diff_stat(&diff.get(i), shape.horizon_slot(i).map(|h| &diff_horizon[h]), runs),
                            prob_better: share(better[i]),
                            prob_worse: share(worse[i]),
                        });
                    }
                }
                let horizon = |name: &str| {
                    let f = layout.figures.iter().position(|x| x.name == name).unwrap_or(0);
                    diff.get((r * (years + 1) + years) * nf + f).mean()
                };
                let (spend, post_years, served) = (horizon("spend:funders"), horizon("post_years"), horizon("served"));
                // What the ask costs beyond its posts counts once, in all regions.
                let spend = if k == 0 { spend + ask_cost_of(alts[a].1) } else { spend };
                costs.push(CostRow {
                    alt: alt_name.clone(),
                    region: region.clone(),
                    extra_funder_spend: spend,
                    extra_post_years: post_years,
                    extra_cases_served: served,
                    cost_per_post_year_saved: (post_years > 1e-9).then(|| spend / post_years),
                    cost_per_extra_case_served: (served > 1e-9).then(|| spend / served),
                });
            }
        }
        Comparison {
            base: base.name.clone(),
            alts: alts.iter().map(|(n, _)| n.clone()).collect(),
            runs,
            seed: config.seed,
            threads,
            regions: base.regions.iter().map(|r| r.id.clone()).collect(),
            years: (0..years).map(|y| base.year_label(y)).collect(),
            rows,
            costs,
            kinds: alts.iter().map(|(_, s)| s.kind).collect(),
            ask_costs: alts.iter().map(|(_, s)| ask_cost_of(s)).collect(),
        }
    }
}

/// What one shard of a comparison holds (`compare --shard I/N`): the sums
/// of its blocks as aligned nodes ([`Dyadic`], floating-point sums merged
/// only in their canonical order) and its counts (merged in any order).
/// Merging every slice gives exactly the comparison done at once.
#[derive(Debug, Clone)]
pub struct CompareSlice {
    /// The scenarios' hashes: the base's, then each alternative's.
    pub hashes: Vec<String>,
    pub seed: u64,
    /// The runs of the whole comparison.
    pub runs: u64,
    pub shard: ShardSpec,
    pub blocks: Range<u64>,
    sums: Dyadic<Sums>,
    counts: Counts,
}

fn hashes(base: &Scenario, alts: &[(String, &Scenario)]) -> Vec<String> {
    std::iter::once(base.hash.clone()).chain(alts.iter().map(|(_, s)| s.hash.clone())).collect()
}

/// Runs slice `shard` of a comparison (the same runs, on the same streams,
/// as those blocks of the comparison done at once).
///
/// # Errors
/// An alternative whose regions or horizon differ from the base's.
pub fn compare_shard(
    base: &Scenario,
    alts: &[(String, &Scenario)],
    config: &RunConfig,
    shard: ShardSpec,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<CompareSlice, CompareScenariosError> {
    let blocks = shard.blocks(config.runs);
    let (_, sums, counts, _) = simulate(base, alts, config, blocks.clone(), progress)?;
    Ok(CompareSlice {
        hashes: hashes(base, alts),
        seed: config.seed,
        runs: config.runs.max(1),
        shard,
        blocks,
        sums,
        counts,
    })
}

/// The comparison from all its slices (in any order): exactly that of
/// [`compare`] with the same scenarios, seed and runs. Refuses slices of
/// other scenarios, seeds, run counts or numbers of slices, and a slice
/// missing or given twice.
///
/// # Errors
/// Slices that are not all of this comparison, or not all of it.
pub fn merge_compare_slices(
    base: &Scenario,
    alts: &[(String, &Scenario)],
    slices: &[CompareSlice],
    threads: usize,
) -> Result<Comparison, MergeError> {
    let paired = Paired::new(base, alts).map_err(|e| MergeError::Mismatch(e.to_string()))?;
    let expected = hashes(base, alts);
    for s in slices {
        if s.hashes != expected {
            return Err(MergeError::Mismatch(format!(
                "shard {} is of other scenarios (hashes {}, not {})",
                s.shard,
                s.hashes.join(", "),
                expected.join(", ")
            )));
        }
        let fits = s.blocks == s.shard.blocks(s.runs)
            && s.sums.covers(&s.blocks)
            && s.sums.nodes().iter().all(|(_, p)| p.fits(paired.shape, alts.len()))
            && s.counts.fits(paired.shape, alts.len());
        if !fits {
            return Err(MergeError::Corrupt(format!(
                "shard {} does not hold the blocks its number says, or not this comparison's figures",
                s.shard
            )));
        }
    }
    let specs: Vec<(ShardSpec, u64, u64)> = slices.iter().map(|s| (s.shard, s.seed, s.runs)).collect();
    let order = order_slices(&specs)?;
    let mut sums = Dyadic::default();
    let mut counts = Counts::new(paired.shape, alts.len());
    for i in order {
        sums.append(&slices[i].sums, &Sums::merge);
        counts.merge(&slices[i].counts);
    }
    let sums = sums.total(&Sums::merge).unwrap_or_else(|| Sums::new(paired.shape, alts.len()));
    let config = RunConfig { runs: slices[0].runs, seed: slices[0].seed, threads };
    Ok(paired.summarise(base, alts, &sums, &counts, &config, threads))
}

/// The first bytes of an encoded [`CompareSlice`].
const COMPARE_SLICE_MAGIC: &[u8; 8] = b"FSCMPSL1";

impl CompareSlice {
    /// The slice as bytes ([`crate::bytes`]): everything [`CompareSlice::from_bytes`] needs.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes.extend_from_slice(COMPARE_SLICE_MAGIC);
        w.u64(self.hashes.len() as u64);
        self.hashes.iter().for_each(|h| w.str(h));
        for x in [self.seed, self.runs, self.shard.index, self.shard.count, self.blocks.start, self.blocks.end] {
            w.u64(x);
        }
        let (n_alts, len, horizon_len) = self
            .counts
            .alts
            .first()
            .map_or((0, 0, 0), |a| (self.counts.alts.len(), a.better.len(), a.diff_horizon.len()));
        for x in [n_alts, len, horizon_len, self.sums.nodes().len()] {
            w.u64(x as u64);
        }
        for (blocks, sums) in self.sums.nodes() {
            w.u64(blocks.start);
            w.u64(blocks.end);
            sums.base.encode(&mut w);
            for (alt, diff) in &sums.alts {
                alt.encode(&mut w);
                diff.encode(&mut w);
            }
        }
        for alt in &self.counts.alts {
            alt.diff_horizon.iter().for_each(|s| s.encode(&mut w));
            alt.better.iter().chain(&alt.worse).for_each(|&n| w.u64(n));
        }
        w.bytes
    }

    /// A slice from the bytes of [`CompareSlice::to_bytes`].
    ///
    /// # Errors
    /// Bytes that are not a whole slice of this version.
    pub fn from_bytes(bytes: &[u8]) -> Result<CompareSlice, MergeError> {
        let corrupt = |e: DecodeError| MergeError::Corrupt(format!("not a whole shard file: {e}"));
        if bytes.get(..8) != Some(COMPARE_SLICE_MAGIC.as_slice()) {
            return Err(MergeError::Corrupt("not a comparison's shard file of this version of fundscape".into()));
        }
        let mut r = Reader::new(&bytes[8..]);
        let n = r.len(8).map_err(corrupt)?;
        let hashes = (0..n).map(|_| r.str().map_err(corrupt)).collect::<Result<Vec<_>, _>>()?;
        let mut next = || r.u64().map_err(corrupt);
        let (seed, runs, index, count, lo, hi) = (next()?, next()?, next()?, next()?, next()?, next()?);
        if count == 0 || index == 0 || index > count || lo > hi || runs == 0 {
            return Err(MergeError::Corrupt(format!("a shard numbered {index}/{count} (blocks {lo}..{hi}) cannot be")));
        }
        let (n_alts, len, horizon_len) =
            (r.len(1).map_err(corrupt)?, r.len(1).map_err(corrupt)?, r.len(1).map_err(corrupt)?);
        let n_nodes = r.len(16).map_err(corrupt)?;
        let mut sums = Dyadic::default();
        for _ in 0..n_nodes {
            let blocks = r.u64().map_err(corrupt)?..r.u64().map_err(corrupt)?;
            let base = MomentsTable::decode(&mut r, len).map_err(corrupt)?;
            let mut alts = Vec::with_capacity(n_alts.min(1024));
            for _ in 0..n_alts {
                let alt = MomentsTable::decode(&mut r, len).map_err(corrupt)?;
                alts.push((alt, MomentsTable::decode(&mut r, len).map_err(corrupt)?));
            }
            sums.nodes.push((blocks, Sums { base, alts }));
        }
        let mut alts = Vec::with_capacity(n_alts.min(1024));
        for _ in 0..n_alts {
            let diff_horizon = (0..horizon_len).map(|_| Sketch::decode(&mut r)).collect::<Result<Vec<_>, _>>();
            let mut counts = |n: usize| (0..n).map(|_| r.u64()).collect::<Result<Vec<_>, _>>();
            let diff_horizon = diff_horizon.map_err(corrupt)?;
            let better = counts(len).map_err(corrupt)?;
            let worse = counts(len).map_err(corrupt)?;
            alts.push(AltCounts { diff_horizon, better, worse });
        }
        if !r.is_done() {
            return Err(MergeError::Corrupt("a shard file with bytes after its end".into()));
        }
        Ok(CompareSlice {
            hashes,
            seed,
            runs,
            shard: ShardSpec { index, count },
            blocks: lo..hi,
            sums,
            counts: Counts { alts },
        })
    }
}

/// The mean of a scenario's `ask_cost` (0 without one).
pub fn ask_cost_of(s: &Scenario) -> f64 {
    s.ask_cost.as_ref().map_or(0.0, Value::typical)
}
