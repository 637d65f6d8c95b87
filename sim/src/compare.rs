//! Paired comparison of scenarios (common random numbers).
//!
//! Every scenario is run on the same seed: run `i` of an alternative uses
//! the same keyed streams as run `i` of the base, so a draw that both
//! scenarios make is the same draw in both (model.md §8). The difference of
//! each figure is taken run by run and summarised like any other figure,
//! so it carries far less noise than the difference of two independent sets
//! of runs.

use crate::driver::{in_blocks, RunConfig};
use crate::model::{Plan, Run, RunRecord, METRICS, SPEND};
use crate::scenario::{Scenario, SuccessorSource};
use crate::stats::{Moments, Sketch, Stat};

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
}

impl Comparison {
    pub fn get(&self, alt: &str, region: &str, year: Option<i32>, metric: &str) -> Option<&CompareRow> {
        self.rows.iter().find(|r| r.alt == alt && r.region == region && r.year == year && r.metric == metric)
    }
}

/// One alternative's accumulators, figure by figure.
struct AltPartial {
    alt: Vec<Moments>,
    /// The paired difference ALT − BASE.
    diff: Vec<Moments>,
    /// Quantiles of the difference, for the horizon figures only (region-major).
    diff_horizon: Vec<Sketch>,
    /// Runs in which ALT is strictly better, and strictly worse.
    better: Vec<u64>,
    worse: Vec<u64>,
}

struct Partial {
    base: Vec<Moments>,
    alts: Vec<AltPartial>,
}

impl Partial {
    fn new(len: usize, horizon_len: usize, n_alts: usize) -> Self {
        Self {
            base: vec![Moments::default(); len],
            alts: (0..n_alts)
                .map(|_| AltPartial {
                    alt: vec![Moments::default(); len],
                    diff: vec![Moments::default(); len],
                    diff_horizon: vec![Sketch::default(); horizon_len],
                    better: vec![0; len],
                    worse: vec![0; len],
                })
                .collect(),
        }
    }

    fn merge(&mut self, other: &Partial) {
        self.base.iter_mut().zip(&other.base).for_each(|(a, b)| a.merge(b));
        for (mine, theirs) in self.alts.iter_mut().zip(&other.alts) {
            mine.alt.iter_mut().zip(&theirs.alt).for_each(|(a, b)| a.merge(b));
            mine.diff.iter_mut().zip(&theirs.diff).for_each(|(a, b)| a.merge(b));
            mine.diff_horizon.iter_mut().zip(&theirs.diff_horizon).for_each(|(a, b)| a.merge(b));
            mine.better.iter_mut().zip(&theirs.better).for_each(|(a, b)| *a += b);
            mine.worse.iter_mut().zip(&theirs.worse).for_each(|(a, b)| *a += b);
        }
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
    for (name, alt) in alts {
        check_pairable(base, alt, name)?;
    }
    let scenarios: Vec<&Scenario> = std::iter::once(base).chain(alts.iter().map(|(_, s)| *s)).collect();
    let plans: Vec<Plan> = scenarios.iter().map(|s| Plan::new(s)).collect();
    let layout = Layout::new(&scenarios, &plans);
    let nr = base.regions.len();
    let years = base.years as usize;
    let nf = layout.figures.len();
    let len = (nr + 1) * (years + 1) * nf;
    let horizon_len = (nr + 1) * nf;
    // Index of a horizon figure among the sketches, if `i` is one.
    let horizon_slot = |i: usize| {
        let (row, f) = (i / nf, i % nf);
        (row % (years + 1) == years).then(|| (row / (years + 1)) * nf + f)
    };
    let n_alts = alts.len();

    let block = |first: u64, last: u64| {
        let mut part = Partial::new(len, horizon_len, n_alts);
        let mut records: Vec<RunRecord> = plans.iter().map(Plan::new_record).collect();
        let mut sims: Vec<Run> = plans.iter().map(Run::new).collect();
        let mut views = vec![vec![0.0; len]; plans.len()];
        for run in first..last {
            for (s, plan) in plans.iter().enumerate() {
                sims[s].simulate(config.seed, run, records[s].as_mut(), None);
                layout.view(s, plan, &records[s], nr, years, &mut views[s]);
            }
            for (i, x) in views[0].iter().enumerate() {
                part.base[i].add(*x);
            }
            for (a, alt) in part.alts.iter_mut().enumerate() {
                for (i, (x, b)) in views[a + 1].iter().zip(&views[0]).enumerate() {
                    let d = x - b;
                    alt.alt[i].add(*x);
                    alt.diff[i].add(d);
                    if let Some(h) = horizon_slot(i) {
                        alt.diff_horizon[h].add(d);
                    }
                    let f = i % layout.figures.len();
                    let (better, worse) = match layout.figures[f].better {
                        Better::Higher => (d > 0.0, d < 0.0),
                        Better::Lower => (d < 0.0, d > 0.0),
                        Better::Neither => (false, false),
                    };
                    alt.better[i] += u64::from(better);
                    alt.worse[i] += u64::from(worse);
                }
            }
        }
        part
    };
    // One block a thread per wave: a comparison's partials are large (every
    // ask × region × year × figure), so fewer are kept alive.
    let (total, threads) =
        in_blocks(config, progress, 1, || Partial::new(len, horizon_len, n_alts), block, Partial::merge);

    let runs = config.runs.max(1);
    let region_names: Vec<String> =
        std::iter::once("all".to_string()).chain(base.regions.iter().map(|r| r.id.clone())).collect();
    let region_index = |k: usize| if k == 0 { nr } else { k - 1 };
    let mut rows = Vec::new();
    let mut costs = Vec::new();
    for (a, (alt_name, _)) in alts.iter().enumerate() {
        let AltPartial { alt: alt_m, diff, diff_horizon, better, worse } = &total.alts[a];
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
                        base_mean: total.base[i].mean(),
                        alt_mean: alt_m[i].mean(),
                        diff: diff_stat(&diff[i], horizon_slot(i).map(|h| &diff_horizon[h]), runs),
                        prob_better: share(better[i]),
                        prob_worse: share(worse[i]),
                    });
                }
            }
            let horizon = |name: &str| {
                let f = layout.figures.iter().position(|x| x.name == name).unwrap_or(0);
                diff[(r * (years + 1) + years) * nf + f].mean()
            };
            let (spend, post_years, served) = (horizon("spend:funders"), horizon("post_years"), horizon("served"));
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
    Ok(Comparison {
        base: base.name.clone(),
        alts: alts.iter().map(|(n, _)| n.clone()).collect(),
        runs,
        seed: config.seed,
        threads,
        regions: base.regions.iter().map(|r| r.id.clone()).collect(),
        years: (0..years).map(|y| base.year_label(y)).collect(),
        rows,
        costs,
    })
}
