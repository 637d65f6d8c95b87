//! Where should the next round go: a portfolio optimiser on paired runs
//! (`fundscape optimise`).
//!
//! A **candidate** is the scenario with one more `[[rounds]]` entry (the
//! given funder, start and term; a budget; an `allocation` table of shares),
//! simulated by the engine on the same seed and run indices as the scenario
//! as written (**doing nothing**). Its objective (abandoned cases, post-years
//! funded or cases served, summed from the first model year to the last one
//! counted) is compared with doing nothing run by run: the **gain** of a run
//! is the cases averted (abandoned) or the extra post-years or cases served,
//! so more is always better. Since every candidate runs on the same runs, and
//! the round's posts draw from streams keyed by (round, region, post number),
//! differences between candidates carry no sampling noise from what they
//! share.
//!
//! **Whole posts are the unit.** A post in region r costs the funder its
//! expected price `p_r = (1 − match) × annual_cost × (1 + wage_growth)^y ×
//! term / 12` ([`crate::rounds::expected_prices`], what `validate` shows). A
//! split is a count of posts by region, `k`; its round has shares `k_r p_r /
//! Σ k p` and a budget that buys exactly `k` at expected prices by the
//! model's own largest-remainder rule: the budget asked for when what is left
//! over is less than one post in every region it buys in, else the cost of
//! the posts, `Σ k p` (the rest unspent). The post cost is a per-run draw, so
//! a run may buy a post more or fewer than `k`; the model decides, and the
//! gains are measured on what it buys.
//!
//! **The search** (see the README for what is guaranteed):
//! 1. *Greedy marginal allocation*: from no posts, give the next post to the
//!    region where it adds most to the mean gain per £ of the funder's money
//!    (one more post in every region where it fits is measured at each step),
//!    among the regions whose post still fits in the budget; stop when no
//!    post fits or none helps (gain ≤ 0). (Measuring only the region whose
//!    last measure is best, lazily, was tried and is not used: the per-run
//!    post cost makes a small round's gains rise and fall with how many posts
//!    a run's price affords, so an old measure is no bound on a new one, and
//!    on the UK baseline the lazy path put every post in one region.)
//! 2. *Local search*, for the budget asked for, from the best of the greedy
//!    split and the posts that equal shares and shares by demand buy at
//!    expected prices: move one post from one region to another, add one or
//!    take one away, while the best such move (that fits) raises the mean
//!    gain.
//! 3. With a range of advice shares, the split's share is chosen from a grid
//!    (steps of 0.1 inside the range, and its ends), then the local search
//!    runs again at the share chosen and the grid is scanned once more.
//!
//! Step 1 runs at 25, 50, 75, 100, 150 and 200% of the budget (the
//! frontier), sharing one cache of evaluations (the paths agree until a
//! budget binds); each level's answer is the best candidate evaluated whose
//! round costs at most that level, so the frontier never falls as the budget
//! rises.
//! With `probability`, only candidates that beat doing nothing in at least
//! that share of the runs qualify.
//!
//! Evaluations are cached by (posts, advice share, budget) and stored in the
//! order made; every choice breaks ties by region order and then by that
//! order, and each candidate's runs are gathered in run order, so the answer
//! does not depend on the number of threads. No I/O.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;

use crate::driver::RunConfig;
use crate::rounds::{expected_prices, whole_posts};
use crate::scenario::{Allocation, Round, Scenario, SuccessorSource, YearMonth};
use crate::sensitivity::{lean, runs_of, Target};
use crate::suggest::did_you_mean;
use crate::value::{Value, ValueError};

/// The id of the round the optimiser adds (a number is appended if the
/// scenario already has a round of that id).
pub const ROUND_ID: &str = "optimised-round";
/// The frontier's budgets, as shares of the budget asked for.
pub const LEVELS: [f64; 6] = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0];
/// The index of 100% in [`LEVELS`].
pub const FULL: usize = 3;
/// The most posts the largest frontier budget may buy in the cheapest region
/// allowed (each post the greedy adds is at least one evaluation).
pub const MAX_SEARCH_POSTS: u64 = 400;
/// The most runs an evaluation takes.
pub const MAX_OPTIMISE_RUNS: u64 = 100_000;
/// The runs of each evaluation when `--runs` is not given.
pub const DEFAULT_RUNS: u64 = 1000;
/// The grid step of `--advice-share`.
pub const ADVICE_STEP: f64 = 0.1;
/// The normal quantile of a two-sided 90% interval.
pub const Z90: f64 = 1.644_853_626_951_472_2;
/// The most passes of the local search (each must improve the mean, so the
/// search ends long before on any real scenario).
const MAX_PASSES: usize = 100;

/// What the optimiser makes best.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Fewest abandoned cases (people who give up waiting).
    Abandoned,
    /// Most post-years funded (funded post-months / 12, all posts).
    PostYears,
    /// Most cases served.
    Served,
}

impl Objective {
    pub const ALL: [Objective; 3] = [Self::Abandoned, Self::PostYears, Self::Served];

    /// The metric's name (`abandoned`, `post_years`, `served`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Abandoned => "abandoned",
            Self::PostYears => crate::sensitivity::POST_YEARS,
            Self::Served => "served",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }

    /// Whether less of the metric is better.
    pub fn lower_is_better(self) -> bool {
        self == Self::Abandoned
    }
}

/// What the user asks, as typed (checked by [`Spec::new`]).
#[derive(Debug, Clone)]
pub struct Request {
    pub funder: String,
    /// £ over the round's term.
    pub budget: f64,
    /// `YYYY-MM`.
    pub start: String,
    pub term_months: u32,
    pub objective: Objective,
    /// A calendar year of the scenario: the last model year counted.
    pub by: Option<String>,
    /// Region ids the round may go to (default: every region).
    pub regions: Option<Vec<String>>,
    /// The range of advice shares to choose from (default: all advice posts).
    pub advice_share: Option<(f64, f64)>,
    /// Only splits that beat doing nothing in at least this share of runs.
    pub probability: Option<f64>,
}

/// Why a request cannot be answered (bad input: exit 2, nothing written).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimiseError {
    #[error("--funder: unknown funder `{funder}`{hint}")]
    UnknownFunder { funder: String, hint: String },
    #[error(
        "--funder: `{0}` is reserved (a successor source, or a sum of spend in comparisons), not a funder; name the funder itself"
    )]
    ReservedFunder(String),
    #[error("--start: `{0}` is not a month; write YYYY-MM, e.g. 2027-04")]
    BadStart(String),
    #[error("--start {start} is outside the scenario's horizon ({first} to {last}); give a month inside it")]
    StartOutside { start: String, first: String, last: String },
    #[error(
        "--start {start} is after the last month of {funder} ({until}, its [[funders]] until), which funds no round after it; give a start no later than {until}"
    )]
    AfterFunderEnds { start: String, funder: String, until: String },
    #[error("--term-months {0} is out of range; give 1 to 1200 months")]
    Term(u32),
    #[error("--regions: unknown region `{region}`{hint}")]
    UnknownRegion { region: String, hint: String },
    #[error("--regions names no region; give region ids separated by commas, e.g. london,wales")]
    NoRegions,
    #[error("--by {by} is not a year of the scenario ({first} to {last}); give one of its years")]
    ByYear { by: String, first: i32, last: i32 },
    #[error(
        "--by {by} ends before the round starts ({start}), so no split can change the objective; give --by {first} or later"
    )]
    ByBeforeStart { by: String, start: String, first: i32 },
    #[error("--advice-share {lo}..{hi}: give LO..HI with 0 ≤ LO ≤ HI ≤ 1, e.g. 0.5..1")]
    AdviceShare { lo: f64, hi: f64 },
    #[error("--probability {0}: give a share of runs greater than 0 and at most 1, e.g. 0.9")]
    Probability(f64),
    #[error("--budget {0}: give an amount of £ above 0 and at most £1,000,000,000,000")]
    Budget(f64),
    #[error("--budget £{budget} buys no post: {why}")]
    NoPost { budget: String, why: String },
    #[error(
        "--budget £{budget} could buy up to {posts} posts at 200% of it (the frontier's largest budget) in {region}; the optimiser searches at most {max}; give a smaller budget"
    )]
    TooManyPosts { budget: String, posts: String, region: String, max: u64 },
    #[error("--runs is {runs}, more than the optimiser takes ({max}); give fewer runs")]
    TooManyRuns { runs: u64, max: u64 },
}

/// A request checked against the scenario: months, indices, prices.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub funder: String,
    /// £ asked for (as best.toml writes it).
    pub budget: f64,
    /// What the loader makes of a budget of this funder's rounds: 1, or less
    /// for a pooled fund some of whose members the scenario leaves out
    /// (`without_funders`), whose rounds' budgets it scales.
    pub budget_factor: f64,
    /// Months from the scenario's start.
    pub start: i32,
    pub term_months: u32,
    pub objective: Objective,
    /// The model year in which the round starts.
    pub first_year: usize,
    /// The last model year counted (the horizon's, or `--by`'s).
    pub last_year: usize,
    /// Regions the round may go to, in scenario order.
    pub regions: Vec<usize>,
    /// Advice shares to choose from, largest first (one, 1, without a range).
    pub advice_shares: Vec<f64>,
    pub probability: Option<f64>,
    /// The round's id in candidates and in best.toml.
    pub round_id: String,
    /// A post's expected price to the funder in each region (all regions).
    pub prices: Vec<f64>,
}

/// The funder names a round may use: those of the scenario's grants and
/// rounds, its `[[funders]]` entries (not `other_funder`) and their pools'
/// members, in that order, each once.
pub fn known_funders(s: &Scenario) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let named = s.grants.iter().map(|g| &g.funder).chain(s.rounds.iter().map(|r| &r.funder));
    let ledgers = s.funders.iter().map(|f| &f.name).filter(|n| *n != SuccessorSource::OtherFunder.as_str());
    let members = s.funders.iter().flat_map(|f| f.members.iter().map(|(m, _)| m));
    for name in named.chain(ledgers).chain(members) {
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}

fn hint_or_list(word: &str, names: &[String], intro: &str) -> String {
    let hint = did_you_mean(word, names);
    if !hint.is_empty() {
        return hint;
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    format!("; {intro} {}", quoted.join(", "))
}

fn money(x: f64) -> String {
    crate::load::limits::shown(x.round())
}

/// The advice shares of a range: its ends and the multiples of
/// [`ADVICE_STEP`] between them, largest first.
pub fn advice_grid(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = vec![hi];
    for j in (0..=10).rev() {
        let x = f64::from(j) * ADVICE_STEP;
        if x < hi - 1e-9 && x > lo + 1e-9 {
            out.push(x);
        }
    }
    if lo < hi {
        out.push(lo);
    }
    out
}

impl Spec {
    /// Checks `req` against `s`; `budget_factor` is what the loader makes of
    /// the funder's round budgets (1 but for a pool with members left out).
    ///
    /// # Errors
    /// Every bad flag, naming it and saying how to fix it.
    pub fn new(s: &Scenario, req: &Request, budget_factor: f64) -> Result<Spec, OptimiseError> {
        let funder = req.funder.trim().to_string();
        let reserved: Vec<&str> = SuccessorSource::ALL.iter().map(|x| x.as_str()).chain(["funders", "all"]).collect();
        if reserved.contains(&funder.as_str()) {
            return Err(OptimiseError::ReservedFunder(funder));
        }
        let known = known_funders(s);
        if !known.contains(&funder) {
            return Err(OptimiseError::UnknownFunder {
                hint: hint_or_list(&funder, &known, "the scenario's funders are"),
                funder,
            });
        }
        let start = YearMonth::parse(req.start.trim()).ok_or_else(|| OptimiseError::BadStart(req.start.clone()))?;
        let at = start.months_since(s.start);
        let months = s.months() as i32;
        if at < 0 || at >= months {
            return Err(OptimiseError::StartOutside {
                start: start.to_string(),
                first: s.start.to_string(),
                last: YearMonth(s.start.0 + months - 1).to_string(),
            });
        }
        if let Some(until) = s.funders.iter().find(|f| f.name == funder).and_then(|f| f.until) {
            if at > until {
                return Err(OptimiseError::AfterFunderEnds {
                    start: start.to_string(),
                    funder,
                    until: YearMonth(s.start.0 + until).to_string(),
                });
            }
        }
        if !(1..=1200).contains(&req.term_months) {
            return Err(OptimiseError::Term(req.term_months));
        }
        let regions = allowed_regions(s, req.regions.as_deref())?;
        let first_year = (at / 12) as usize;
        let last_year = match &req.by {
            None => s.years as usize - 1,
            Some(text) => by_year(s, text, first_year, start)?,
        };
        let advice_shares = match req.advice_share {
            None => vec![1.0],
            Some((lo, hi)) if (0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi) && lo <= hi => advice_grid(lo, hi),
            Some((lo, hi)) => return Err(OptimiseError::AdviceShare { lo, hi }),
        };
        if let Some(p) = req.probability {
            if !(p > 0.0 && p <= 1.0) {
                return Err(OptimiseError::Probability(p));
            }
        }
        if !(req.budget > 0.0 && req.budget <= 1e12) {
            return Err(OptimiseError::Budget(req.budget));
        }
        let prices = expected_prices(s, at, req.term_months);
        check_budget(s, req, &regions, &prices, budget_factor)?;
        let ids: Vec<&str> = s.rounds.iter().map(|r| r.id.as_str()).collect();
        let round_id = std::iter::once(ROUND_ID.to_string())
            .chain((2..).map(|n| format!("{ROUND_ID}-{n}")))
            .find(|id| !ids.contains(&id.as_str()))
            .unwrap_or_else(|| ROUND_ID.to_string());
        Ok(Spec {
            funder,
            budget: req.budget,
            budget_factor,
            start: at,
            term_months: req.term_months,
            objective: req.objective,
            first_year,
            last_year,
            regions,
            advice_shares,
            probability: req.probability,
            round_id,
            prices,
        })
    }

    /// The money the funder has: the budget asked for as the loader scales it.
    pub fn money(&self) -> f64 {
        self.budget * self.budget_factor
    }

    /// Whether a post can be bought in region `r` (allowed, and not free to
    /// the funder).
    fn buys(&self, r: usize) -> bool {
        self.regions.contains(&r) && self.prices[r] > 0.0
    }

    /// The funder's cost of `k` posts at expected prices.
    pub fn cost(&self, k: &[u32]) -> f64 {
        k.iter().zip(&self.prices).map(|(&n, p)| f64::from(n) * p).sum()
    }
}

fn allowed_regions(s: &Scenario, listed: Option<&[String]>) -> Result<Vec<usize>, OptimiseError> {
    let Some(listed) = listed else { return Ok((0..s.regions.len()).collect()) };
    let ids: Vec<String> = s.regions.iter().map(|r| r.id.clone()).collect();
    let mut out = Vec::new();
    for id in listed.iter().map(|x| x.trim()).filter(|x| !x.is_empty()) {
        let r = ids.iter().position(|x| x == id).ok_or_else(|| OptimiseError::UnknownRegion {
            region: id.to_string(),
            hint: hint_or_list(id, &ids, "the regions are"),
        })?;
        if !out.contains(&r) {
            out.push(r);
        }
    }
    if out.is_empty() {
        return Err(OptimiseError::NoRegions);
    }
    out.sort_unstable();
    Ok(out)
}

fn by_year(s: &Scenario, text: &str, first_year: usize, start: YearMonth) -> Result<usize, OptimiseError> {
    let labels: Vec<i32> = (0..s.years as usize).map(|y| s.year_label(y)).collect();
    let err = || OptimiseError::ByYear {
        by: text.to_string(),
        first: labels.first().copied().unwrap_or(0),
        last: labels.last().copied().unwrap_or(0),
    };
    let label: i32 = text.trim().parse().map_err(|_| err())?;
    let y = labels.iter().position(|l| *l == label).ok_or_else(err)?;
    if y < first_year {
        return Err(OptimiseError::ByBeforeStart {
            by: text.to_string(),
            start: start.to_string(),
            first: s.year_label(first_year),
        });
    }
    Ok(y)
}

fn check_budget(
    s: &Scenario,
    req: &Request,
    regions: &[usize],
    prices: &[f64],
    factor: f64,
) -> Result<(), OptimiseError> {
    let money_there = req.budget * factor;
    let cheapest =
        regions.iter().copied().filter(|&r| prices[r] > 0.0).min_by(|&a, &b| prices[a].total_cmp(&prices[b]));
    let Some(c) = cheapest else {
        return Err(OptimiseError::NoPost {
            budget: money(req.budget),
            why: "councils pay the whole cost of a post (match 1) in every region allowed, so the funder's money buys none there; allow other --regions".into(),
        });
    };
    let name = &s.regions[c].name;
    if prices[c] > money_there * (1.0 + 1e-9) {
        let scaled = if factor < 1.0 {
            format!(" (£{} once the scenario's without_funders takes its members' shares out)", money(money_there))
        } else {
            String::new()
        };
        return Err(OptimiseError::NoPost {
            budget: format!("{}{scaled}", money(req.budget)),
            why: format!(
                "the cheapest post in the regions allowed ({name}) costs the funder £{} over {} months at expected prices ((1 − councils' match) × annual cost × wage growth to the round's year × term); give at least that",
                money(prices[c]),
                req.term_months
            ),
        });
    }
    let most = (2.0 * money_there / prices[c]).floor();
    if most > MAX_SEARCH_POSTS as f64 {
        return Err(OptimiseError::TooManyPosts {
            budget: money(req.budget),
            posts: money(most),
            region: name.clone(),
            max: MAX_SEARCH_POSTS,
        });
    }
    Ok(())
}

/// The paired gains of a candidate against doing nothing, across runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gains {
    /// The mean of the objective itself (e.g. abandoned cases).
    pub objective: f64,
    /// The mean gain (cases averted, or extra post-years or cases served).
    pub mean: f64,
    /// 90% interval of the mean gain (± 1.645 standard errors).
    pub low: f64,
    pub high: f64,
    /// 5th and 95th percentiles of the runs' own gains (what one run can do).
    pub p05: f64,
    pub p95: f64,
    /// Share of runs in which the candidate beats doing nothing (gain > 0).
    pub prob_beats: f64,
}

/// Mean and 90% interval of the mean of `xs`.
fn interval(xs: &[f64]) -> (f64, f64, f64) {
    let n = xs.len().max(1) as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 { xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    let half = Z90 * (var / n).sqrt();
    (mean, mean - half, mean + half)
}

/// The `q`-quantile of sorted `xs` (linear between order statistics).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - h.floor()) * (sorted[hi] - sorted[lo])
}

impl Gains {
    fn of(objective: &[f64], gains: &[f64]) -> Self {
        let (mean, low, high) = interval(gains);
        let mut sorted = gains.to_vec();
        sorted.sort_by(f64::total_cmp);
        Gains {
            objective: objective.iter().sum::<f64>() / objective.len().max(1) as f64,
            mean,
            low,
            high,
            p05: quantile(&sorted, 0.05),
            p95: quantile(&sorted, 0.95),
            prob_beats: gains.iter().filter(|g| **g > 0.0).count() as f64 / gains.len().max(1) as f64,
        }
    }
}

/// A round the optimiser evaluated: its posts at expected prices and the
/// round as best.toml writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Posts bought at expected prices, by region (every region).
    pub posts: Vec<u32>,
    /// The allocation as written: `(region, share)` in region order; empty
    /// for the `"unmet"` rule.
    pub shares: Vec<(usize, f64)>,
    /// The `"unmet"` rule (shares depend on each run).
    pub unmet: bool,
    /// The round's budget as written (the loader may scale it, see
    /// [`Spec::budget_factor`]).
    pub budget: f64,
    pub advice_share: f64,
    /// What the posts cost the funder at expected prices.
    pub cost: f64,
}

impl Split {
    pub fn total_posts(&self) -> u32 {
        self.posts.iter().sum()
    }
}

/// One candidate with its gains.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// `best`, `equal shares`, `by demand`, `unmet`, or empty while searching.
    pub label: String,
    pub split: Split,
    pub gains: Gains,
    /// Its gain minus the best's, run by run: mean and 90% interval (`None`
    /// for candidates not set beside the best).
    pub vs_best: Option<(f64, f64, f64)>,
}

/// The best split found at one frontier budget.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontierRow {
    /// Share of the budget asked for.
    pub level: f64,
    /// £ (level × the budget asked for).
    pub budget: f64,
    /// `None` when no candidate at this budget qualifies (`--probability`).
    pub best: Option<Candidate>,
}

/// What `fundscape optimise` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimised {
    pub scenario_name: String,
    pub scenario_hash: String,
    /// The scenario's first month.
    pub start: YearMonth,
    /// The scenario's warnings, as loaded.
    pub warnings: Vec<String>,
    pub spec: Spec,
    pub runs: u64,
    pub seed: u64,
    /// Calendar label of each model year.
    pub years: Vec<i32>,
    /// Region ids and names.
    pub regions: Vec<(String, String)>,
    /// The mean objective doing nothing.
    pub nothing: f64,
    pub best: Candidate,
    pub frontier: Vec<FrontierRow>,
    /// The simple rules beside the best: equal shares, by demand, `"unmet"`.
    pub rules: Vec<Candidate>,
    /// Candidates simulated (each on `runs` runs), doing nothing included.
    pub evaluations: usize,
}

/// Why there is no split to recommend (not bad input: exit 1).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NoAnswer {
    #[error(
        "no post helps: every split the budget buys leaves {objective} as it is or worse than doing nothing on these {runs} runs, so there is nothing to recommend"
    )]
    NothingHelps { objective: String, runs: u64 },
    #[error(
        "no split beats doing nothing in at least {probability} of the runs: the best found does in {reached:.3} ({posts} posts); lower --probability, or change the budget or regions"
    )]
    NoneQualifies { probability: f64, reached: f64, posts: u32 },
}

type Key = (Vec<u32>, usize, u64);

/// The search's state: doing nothing's runs, and every candidate evaluated.
struct Search<'a> {
    base: Scenario,
    spec: &'a Spec,
    config: RunConfig,
    progress: &'a (dyn Fn(u64) + Sync),
    done: AtomicU64,
    nothing: Vec<f64>,
    /// The objective in the scenario's record, and in a candidate's (whose
    /// round may add its funder to the spend sources). The metric and `all`
    /// are always the scenario's, so both resolve; were one not to, every
    /// gain would be zero and the search would say that no post helps.
    base_target: Option<Target>,
    round_target: Option<Target>,
    cache: HashMap<Key, usize>,
    /// Every candidate evaluated, in the order made.
    evaluated: Vec<Candidate>,
    /// Scenarios simulated (each on `config.runs` runs).
    simulated: usize,
}

impl<'a> Search<'a> {
    fn new(s: &Scenario, spec: &'a Spec, config: RunConfig, progress: &'a (dyn Fn(u64) + Sync)) -> Self {
        let base = lean(s);
        let metric = spec.objective.as_str();
        let probe = with_round(&base, spec, &Split::default_for(spec));
        let mut search = Search {
            base_target: Target::new(&base, metric, "all").ok(),
            round_target: Target::new(&probe, metric, "all").ok(),
            base,
            spec,
            config,
            progress,
            done: AtomicU64::new(0),
            nothing: Vec::new(),
            cache: HashMap::new(),
            evaluated: Vec::new(),
            simulated: 0,
        };
        search.nothing = search.objective_runs(&search.base.clone(), false);
        search
    }

    /// The objective of each run of `s` (`with_round`: the candidate's target).
    fn objective_runs(&mut self, s: &Scenario, with_round: bool) -> Vec<f64> {
        let runs = self.config.runs.max(1);
        let target = if with_round { &self.round_target } else { &self.base_target };
        let Some(target) = target else { return self.nothing.clone() };
        self.simulated += 1;
        let rows = runs_of(s, runs, self.config.seed, target, self.config.threads, self.progress, &self.done);
        let last = self.spec.last_year;
        rows.iter().map(|r| r[..=last].iter().sum()).collect()
    }

    /// Each run's gain of a split (more is better).
    fn gains_of(&mut self, split: &Split) -> (Vec<f64>, Vec<f64>) {
        if split.total_posts() == 0 && !split.unmet {
            return (self.nothing.clone(), vec![0.0; self.nothing.len()]);
        }
        let values = self.objective_runs(&with_round(&self.base, self.spec, split), true);
        let sign = if self.spec.objective.lower_is_better() { -1.0 } else { 1.0 };
        let gains = values.iter().zip(&self.nothing).map(|(x, n)| sign * (x - n)).collect();
        (values, gains)
    }

    /// Evaluates `split`; returns its index and its runs' gains.
    fn evaluate(&mut self, split: Split, label: &str) -> (usize, Vec<f64>) {
        let (values, gains) = self.gains_of(&split);
        self.evaluated.push(Candidate {
            label: label.to_string(),
            gains: Gains::of(&values, &gains),
            split,
            vs_best: None,
        });
        (self.evaluated.len() - 1, gains)
    }

    /// The candidate of `k` posts at advice share `ai` for a round of
    /// `level_budget` (as written), evaluated once.
    fn counts(&mut self, k: &[u32], ai: usize, level_budget: f64) -> &Candidate {
        let split = split_of(self.spec, k, self.spec.advice_shares[ai], level_budget);
        let key = (k.to_vec(), ai, split.budget.to_bits());
        let i = match self.cache.get(&key) {
            Some(&i) => i,
            None => {
                let (i, _) = self.evaluate(split, "");
                self.cache.insert(key, i);
                i
            }
        };
        &self.evaluated[i]
    }

    fn gain(&mut self, k: &[u32], ai: usize, level_budget: f64) -> f64 {
        self.counts(k, ai, level_budget).gains.mean
    }

    /// The greedy marginal allocation for a round of `level_budget`: at each
    /// step, one more post in every region where it fits is measured, and the
    /// one that adds most per £ is taken (ties to the region listed first),
    /// until no post fits or none adds anything.
    fn greedy(&mut self, level_budget: f64, ai: usize) -> Vec<u32> {
        let spec = self.spec;
        let n = spec.prices.len();
        let money = level_budget * spec.budget_factor;
        let mut k = vec![0u32; n];
        let mut current = 0.0;
        loop {
            let left = money - spec.cost(&k);
            let mut best: Option<(usize, f64)> = None;
            for r in (0..n).filter(|&r| spec.buys(r) && spec.prices[r] <= left * (1.0 + 1e-9)) {
                k[r] += 1;
                let per_pound = (self.gain(&k, ai, level_budget) - current) / spec.prices[r];
                k[r] -= 1;
                if best.is_none_or(|(_, b)| per_pound > b) {
                    best = Some((r, per_pound));
                }
            }
            match best {
                Some((r, per_pound)) if per_pound > 0.0 => {
                    k[r] += 1;
                    current = self.gain(&k, ai, level_budget);
                }
                _ => break,
            }
        }
        k
    }

    /// Best-improvement local search under single moves (one post from one
    /// region to another, one added, one taken away) that fit the budget.
    fn local_search(&mut self, mut k: Vec<u32>, level_budget: f64, ai: usize) -> Vec<u32> {
        let spec = self.spec;
        let money = level_budget * spec.budget_factor;
        let n = spec.prices.len();
        let mut current = self.gain(&k, ai, level_budget);
        for _ in 0..MAX_PASSES {
            let mut moves: Vec<Vec<u32>> = Vec::new();
            for i in (0..n).filter(|&i| k[i] > 0) {
                for j in (0..n).filter(|&j| j != i && spec.buys(j)) {
                    let mut m = k.clone();
                    m[i] -= 1;
                    m[j] += 1;
                    moves.push(m);
                }
            }
            for j in (0..n).filter(|&j| spec.buys(j)) {
                let mut m = k.clone();
                m[j] += 1;
                moves.push(m);
            }
            for i in (0..n).filter(|&i| k[i] > 0) {
                let mut m = k.clone();
                m[i] -= 1;
                moves.push(m);
            }
            let mut best: Option<(f64, Vec<u32>)> = None;
            for m in moves.into_iter().filter(|m| spec.cost(m) <= money * (1.0 + 1e-9)) {
                let g = self.gain(&m, ai, level_budget);
                if g > current && best.as_ref().is_none_or(|(b, _)| g > *b) {
                    best = Some((g, m));
                }
            }
            match best {
                Some((g, m)) => {
                    current = g;
                    k = m;
                }
                None => break,
            }
        }
        k
    }

    /// The advice share (index) of the grid that gives `k` the most gain;
    /// ties to the larger share.
    fn best_share(&mut self, k: &[u32], level_budget: f64) -> usize {
        let mut best = (0, f64::NEG_INFINITY);
        for ai in 0..self.spec.advice_shares.len() {
            let g = self.gain(k, ai, level_budget);
            if g > best.1 {
                best = (ai, g);
            }
        }
        best.0
    }
}

impl Split {
    /// A split of one post in the first allowed region (for a candidate's layout).
    fn default_for(spec: &Spec) -> Split {
        let mut k = vec![0; spec.prices.len()];
        if let Some(&r) = spec.regions.iter().find(|&&r| spec.prices[r] > 0.0) {
            k[r] = 1;
        }
        split_of(spec, &k, 1.0, spec.budget)
    }
}

/// The round that buys exactly `k` at expected prices: shares `k_r p_r /
/// Σ k p`, and the budget `level_budget` if it buys exactly `k` by the
/// largest-remainder rule, else the posts' cost (the rest unspent).
pub fn split_of(spec: &Spec, k: &[u32], advice_share: f64, level_budget: f64) -> Split {
    let cost = spec.cost(k);
    let shares: Vec<(usize, f64)> = (0..k.len())
        .filter(|&r| k[r] > 0)
        .map(|r| (r, f64::from(k[r]) * spec.prices[r] / cost.max(f64::MIN_POSITIVE)))
        .collect();
    let buys_exactly = |budget: f64| posts_bought(spec, k.len(), &shares, budget).is_some_and(|p| p == k);
    let budget = if cost > 0.0 && !buys_exactly(level_budget) { cost / spec.budget_factor } else { level_budget };
    Split { posts: k.to_vec(), shares, unmet: false, budget, advice_share, cost }
}

/// Whether the budget asked for, spread by `split`'s shares, buys more posts
/// at expected prices than `split` holds: true when the split's round was
/// cut to its posts' cost because no further post helped, false when the
/// budget asked for buys the same posts and the rest is too little for
/// another (the cheaper round then did as well on the runs, and won the tie).
pub fn asked_budget_buys_more(spec: &Spec, split: &Split) -> bool {
    posts_bought(spec, split.posts.len(), &split.shares, spec.budget)
        .is_some_and(|p| p.iter().sum::<u32>() > split.total_posts())
}

/// The posts by region that a round of `budget` (as written) spread by
/// `shares` buys at expected prices, by the model's largest-remainder rule;
/// `None` for a budget that is not a number.
fn posts_bought(spec: &Spec, regions: usize, shares: &[(usize, f64)], budget: f64) -> Option<Vec<u32>> {
    let mut weights = vec![0.0; regions];
    shares.iter().for_each(|&(r, x)| weights[r] = x);
    budget_value(spec, budget).ok().map(|v| whole_posts(v.typical(), &weights, &spec.prices))
}

/// A budget as the loader makes it from the number written.
fn budget_value(spec: &Spec, written: f64) -> Result<Value, ValueError> {
    let v = Value::fixed(written)?;
    Ok(if spec.budget_factor != 1.0 { v.scaled(spec.budget_factor) } else { v })
}

/// The round of `split`, as best.toml writes it and the loader reads it.
///
/// # Errors
/// A budget or share that is not a finite number (never, for a split the
/// optimiser made).
pub fn round_of(spec: &Spec, split: &Split) -> Result<Round, ValueError> {
    Ok(Round {
        id: spec.round_id.clone(),
        funder: spec.funder.clone(),
        start: spec.start,
        budget: budget_value(spec, split.budget)?,
        term_months: spec.term_months,
        advice_share: Value::fixed(split.advice_share)?,
        allocation: if split.unmet { Allocation::Unmet } else { Allocation::Shares(split.shares.clone()) },
    })
}

/// `base` with the round of `split` added last (`base` itself, should the
/// round not be a round: then it shows as no effect).
fn with_round(base: &Scenario, spec: &Spec, split: &Split) -> Scenario {
    let mut s = base.clone();
    if let Ok(round) = round_of(spec, split) {
        s.rounds.push(round);
    }
    s
}

/// A simple rule's round: `weights` over regions (budget asked for).
fn rule_split(spec: &Spec, weights: &[f64], advice_share: f64) -> Split {
    let total: f64 = weights.iter().sum();
    let shares: Vec<(usize, f64)> =
        (0..weights.len()).filter(|&r| weights[r] > 0.0).map(|r| (r, weights[r] / total)).collect();
    let posts = whole_posts(spec.money(), weights, &spec.prices);
    let cost = spec.cost(&posts);
    Split { posts, shares, unmet: false, budget: spec.budget, advice_share, cost }
}

/// The simple rules beside the best: equal shares and shares by expected
/// demand over the regions allowed where a post can be bought, and the
/// `"unmet"` rule (over every region: the rule has no list of regions).
pub fn rules(s: &Scenario, spec: &Spec, advice_share: f64) -> Vec<(String, Split)> {
    let n = s.regions.len();
    let equal: Vec<f64> = (0..n).map(|r| if spec.buys(r) { 1.0 } else { 0.0 }).collect();
    let demand: Vec<f64> =
        (0..n).map(|r| if spec.buys(r) { s.regions[r].demand.typical().max(0.0) } else { 0.0 }).collect();
    let mut out = vec![("equal shares".to_string(), rule_split(spec, &equal, advice_share))];
    if demand.iter().sum::<f64>() > 0.0 {
        out.push(("by demand".to_string(), rule_split(spec, &demand, advice_share)));
    }
    // Posts at expected prices with demand as the weights: a guide (the
    // rule's weights are each run's abandoned cases).
    let guide: Vec<f64> = s.regions.iter().map(|g| g.demand.typical()).collect();
    let posts = whole_posts(spec.money(), &guide, &spec.prices);
    let cost = spec.cost(&posts);
    out.push((
        "unmet".to_string(),
        Split { posts, shares: Vec::new(), unmet: true, budget: spec.budget, advice_share, cost },
    ));
    out
}

/// Searches for the split of the round that makes the objective best (see
/// the module docs), and sets the simple rules beside it.
///
/// # Errors
/// No post helps, or none qualifies under `probability`.
pub fn optimise(
    s: &Scenario,
    spec: &Spec,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Optimised, NoAnswer> {
    let config = RunConfig { runs: config.runs.clamp(1, MAX_OPTIMISE_RUNS), ..*config };
    let mut search = Search::new(s, spec, config, progress);
    // The greedy split at each frontier budget, at the largest advice share.
    let budgets: Vec<f64> = LEVELS.iter().map(|l| l * spec.budget).collect();
    let full = budgets[FULL];
    let greedy: Vec<Vec<u32>> = budgets.iter().map(|&b| search.greedy(b, 0)).collect();
    // The budget asked for: the local search from the best of the greedy
    // split and the simple rules' posts at expected prices.
    let mut k = greedy[FULL].clone();
    for (_, split) in rules(s, spec, spec.advice_shares[0]).iter().filter(|(_, x)| !x.unmet) {
        if search.gain(&split.posts, 0, full) > search.gain(&k, 0, full) {
            k = split.posts.clone();
        }
    }
    k = search.local_search(k, full, 0);
    // Then the advice share of the round asked for, and the search again at it.
    let mut ai = 0;
    if spec.advice_shares.len() > 1 {
        let chosen = search.best_share(&k, full);
        if chosen != ai {
            ai = chosen;
            k = search.local_search(k, full, ai);
            ai = search.best_share(&k, full);
        }
    }
    let _ = search.counts(&k, ai, full);
    // The simple rules, at the share chosen; equal shares and by demand may
    // themselves be the best.
    let rule_splits = rules(s, spec, spec.advice_shares[ai]);
    let rule_runs: Vec<(usize, Vec<f64>)> =
        rule_splits.iter().map(|(label, split)| search.evaluate(split.clone(), label)).collect();
    let qualifies = |c: &Candidate| spec.probability.is_none_or(|p| c.gains.prob_beats >= p - 1e-12);
    // The best candidate evaluated whose round costs at most `budget` (and
    // qualifies, with `need`); ties to the smaller round budget, then to the
    // one evaluated first.
    let best_within = |evaluated: &[Candidate], budget: f64, need: bool| -> Option<usize> {
        let money = budget * spec.budget_factor;
        let mut best: Option<usize> = None;
        for (i, c) in evaluated.iter().enumerate() {
            let fits = c.split.budget * spec.budget_factor <= money * (1.0 + 1e-9) && !c.split.unmet;
            let eligible = fits && c.split.total_posts() > 0 && (!need || qualifies(c));
            let better = |b: &Candidate| {
                c.gains.mean > b.gains.mean || (c.gains.mean == b.gains.mean && c.split.budget < b.split.budget)
            };
            if eligible && best.is_none_or(|b| better(&evaluated[b])) {
                best = Some(i);
            }
        }
        best
    };
    let nothing_helps = || NoAnswer::NothingHelps { objective: spec.objective.as_str().into(), runs: config.runs };
    let Some(best_i) = best_within(&search.evaluated, full, true) else {
        let top = best_within(&search.evaluated, full, false).map(|i| &search.evaluated[i]);
        return Err(match (spec.probability, top) {
            (Some(p), Some(c)) if c.gains.mean > 0.0 => {
                NoAnswer::NoneQualifies { probability: p, reached: c.gains.prob_beats, posts: c.split.total_posts() }
            }
            _ => nothing_helps(),
        });
    };
    if !(search.evaluated[best_i].gains.mean > 0.0) {
        return Err(nothing_helps());
    }
    let mut best = search.evaluated[best_i].clone();
    best.label = "best".into();
    best.vs_best = Some((0.0, 0.0, 0.0));
    // The rules against the best, run by run.
    let best_runs = match rule_runs.iter().find(|(i, _)| *i == best_i) {
        Some((_, runs)) => runs.clone(),
        None => search.gains_of(&best.split).1,
    };
    let rules: Vec<Candidate> = rule_runs
        .iter()
        .map(|(i, gains)| {
            let mut c = search.evaluated[*i].clone();
            let d: Vec<f64> = gains.iter().zip(&best_runs).map(|(a, b)| a - b).collect();
            c.vs_best = Some(interval(&d));
            c
        })
        .collect();
    let frontier = budgets
        .iter()
        .zip(LEVELS)
        .map(|(&budget, level)| FrontierRow {
            level,
            budget,
            best: best_within(&search.evaluated, budget, true).map(|i| search.evaluated[i].clone()),
        })
        .collect();
    Ok(Optimised {
        scenario_name: s.name.clone(),
        scenario_hash: s.hash.clone(),
        start: s.start,
        warnings: s.warnings.clone(),
        spec: spec.clone(),
        runs: config.runs,
        seed: config.seed,
        years: (0..s.years as usize).map(|y| s.year_label(y)).collect(),
        regions: s.regions.iter().map(|r| (r.id.clone(), r.name.clone())).collect(),
        nothing: search.nothing.iter().sum::<f64>() / search.nothing.len().max(1) as f64,
        best,
        frontier,
        rules,
        evaluations: search.simulated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_advice_grid_holds_the_ends_and_the_tenths_between_largest_first() {
        assert_eq!(advice_grid(0.5, 1.0), vec![1.0, 0.9, 0.8, 0.7000000000000001, 0.6000000000000001, 0.5]);
        assert_eq!(advice_grid(0.65, 0.8), vec![0.8, 0.7000000000000001, 0.65]);
        assert_eq!(advice_grid(1.0, 1.0), vec![1.0]);
        assert_eq!(advice_grid(0.0, 0.1).len(), 2);
    }

    #[test]
    fn quantiles_and_intervals_of_known_samples() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&xs, 0.5), 3.0);
        assert_eq!(quantile(&xs, 0.25), 2.0);
        let (m, lo, hi) = interval(&xs);
        assert_eq!(m, 3.0);
        // sd = √2.5, se = √0.5.
        assert!((hi - m - Z90 * 0.5f64.sqrt()).abs() < 1e-12 && (m - lo - (hi - m)).abs() < 1e-12);
    }
}
