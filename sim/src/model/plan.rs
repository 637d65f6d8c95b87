//! A scenario compiled for running: stream ids hashed once, values paired
//! with the streams they are drawn from, dates in months from the start,
//! and the layout of a run's record.

use super::draws::Vacancy;
use super::{ABANDONED, DEMAND, POSTS_FUNDED, SERVED, SPEND};
use crate::rng::{Kind, RunStreams, StreamId};
use crate::scenario::{Allocation, Scenario, ShockKind, ShockTiming, SuccessorSource};
use crate::value::Value;

/// A value drawn once per run from its own keyed stream (or fixed).
#[derive(Debug, Clone)]
pub(super) struct Param {
    value: Value,
    stream: StreamId,
}

impl Param {
    fn new(value: &Value, path: &str) -> Self {
        Self { value: value.clone(), stream: StreamId::of(path) }
    }

    pub(super) fn draw(&self, streams: &RunStreams) -> f64 {
        match self.value.as_fixed() {
            Some(x) => x,
            None => self.value.sample(&mut streams.stream(Kind::Parameter, self.stream)),
        }
    }
}

pub(super) struct RegionPlan {
    pub demand: Param,
    pub growth: Param,
    pub volatility: Param,
    pub abandon: Param,
    pub other_capacity: Param,
    pub cases_per_provider: Param,
    pub exit_rate: Param,
    pub entry_rate: Param,
    pub la_budget: Param,
    pub la_match: Param,
    pub stream: StreamId,
    pub providers: u64,
    pub backlog: f64,
}

/// One successor of `[sustainability]`, tried in order at a term end.
pub(super) struct SuccessorPlan {
    pub source: SuccessorSource,
    /// Index of the source among the spend sources.
    pub spend_source: usize,
    pub probability: Param,
    pub term: i32,
}

/// A funder's ledger, compiled: its renewal budget (drawn once per run)
/// and its last month.
pub(super) struct LedgerPlan {
    pub budget: Option<Param>,
    pub until: i32,
}

pub(super) struct GrantPlan {
    pub region: usize,
    /// Start, in months from the scenario start.
    pub start: i32,
    pub months: i32,
    pub advice: u32,
    pub influencing: u32,
    pub funder_source: usize,
    pub stream: StreamId,
    pub annual_cost: Option<Param>,
    pub cases_per_year: Option<Param>,
    pub ramp_start: Option<Param>,
    pub turnover: Option<Param>,
    pub ramp_months: u32,
    pub vacancy_months: Vacancy,
}

impl GrantPlan {
    /// Month in which the first funding term ends.
    pub fn first_end(&self) -> i32 {
        self.start + self.months
    }

    pub fn posts(&self) -> u32 {
        self.advice + self.influencing
    }
}

pub(super) struct RoundPlan {
    pub start: i32,
    pub term: i32,
    pub funder_source: usize,
    pub budget: Param,
    pub advice_share: Param,
    pub allocation: Allocation,
    /// By region: the family of streams of the posts the round buys there.
    pub region_streams: Vec<StreamId>,
}

/// A change to one successor: a new probability and/or term.
pub(super) struct SuccessorChangePlan {
    /// Index into the successors.
    pub index: usize,
    pub probability: Option<Param>,
    pub term: Option<i32>,
}

pub(super) struct ChangePlan {
    pub start: i32,
    pub stream: StreamId,
    pub probability: Param,
    pub regions: Vec<usize>,
    pub la_budget: Option<Param>,
    pub la_match: Option<Param>,
    pub exit_rate: Option<Param>,
    pub entry_rate: Option<Param>,
    pub cases_per_provider: Option<Param>,
    pub demand_growth: Option<Param>,
    pub turnover: Option<Param>,
    pub vacancy_months: Option<Vacancy>,
    pub successors: Vec<SuccessorChangePlan>,
    pub demand_scale: Option<Param>,
    pub influence: Option<InfluencePlan>,
}

/// A change's `influence`, compiled: whether it happens is decided in its
/// month, from the influencing post-years before it.
pub(super) struct InfluencePlan {
    pub max: Param,
    pub half_at: Param,
    pub regions: Vec<usize>,
    /// By spend source: whether its influencing posts count (`None`: all).
    pub sources: Option<Vec<bool>>,
}

impl ChangePlan {
    /// Whether the change alters demand (its means, so its new cases).
    pub fn touches_demand(&self) -> bool {
        self.demand_growth.is_some() || self.demand_scale.is_some()
    }

    /// Change `c` compiled: its values paired with their keyed streams.
    fn new(c: &crate::scenario::Change, sources: &[String]) -> Self {
        let p = |key: &str, v: &Option<Value>| v.as_ref().map(|v| Param::new(v, &format!("changes.{}.{key}", c.id)));
        ChangePlan {
            start: c.start,
            stream: StreamId::of(&c.id),
            probability: Param::new(&c.probability, &format!("changes.{}.probability", c.id)),
            regions: c.regions.clone(),
            la_budget: p("local_authority_budget", &c.local_authority_budget),
            la_match: p("local_authority_match", &c.local_authority_match),
            exit_rate: p("exit_rate", &c.exit_rate),
            entry_rate: p("entry_rate", &c.entry_rate),
            cases_per_provider: p("cases_per_provider", &c.cases_per_provider),
            demand_growth: p("demand_growth", &c.demand_growth),
            turnover: p("turnover", &c.turnover),
            vacancy_months: c.vacancy_months.as_ref().map(Vacancy::new),
            successors: c
                .successors
                .iter()
                .enumerate()
                .map(|(j, cs)| SuccessorChangePlan {
                    index: cs.index,
                    probability: cs
                        .probability
                        .as_ref()
                        .map(|v| Param::new(v, &format!("changes.{}.successors[{j}].probability", c.id))),
                    term: cs.term_months.map(|t| t as i32),
                })
                .collect(),
            demand_scale: p("demand_scale", &c.demand_scale),
            influence: c.influence.as_ref().map(|inf| InfluencePlan {
                max: Param::new(&inf.max, &format!("changes.{}.influence.max", c.id)),
                half_at: Param::new(&inf.half_at, &format!("changes.{}.influence.half_at", c.id)),
                regions: inf.regions.clone(),
                sources: inf.funders.as_ref().map(|names| sources.iter().map(|src| names.contains(src)).collect()),
            }),
        }
    }
}

/// Round `r` compiled, its funder at spend source `funder_source`.
fn round_plan(r: &crate::scenario::Round, s: &Scenario, funder_source: usize) -> RoundPlan {
    RoundPlan {
        start: r.start,
        term: r.term_months as i32,
        funder_source,
        budget: Param::new(&r.budget, &format!("rounds.{}.budget", r.id)),
        advice_share: Param::new(&r.advice_share, &format!("rounds.{}.advice_share", r.id)),
        allocation: r.allocation.clone(),
        region_streams: s
            .regions
            .iter()
            .map(|region| StreamId::of(&format!("{}/{}", r.id, StreamId::of(&region.id).0)))
            .collect(),
    }
}

/// By spend source: its `[[funders]]` ledger, compiled, if it has one.
fn ledger_plans(s: &Scenario, sources: &[String]) -> Vec<Option<LedgerPlan>> {
    sources
        .iter()
        .map(|name| {
            s.funders.iter().find(|f| &f.name == name).map(|f| LedgerPlan {
                budget: f.renewal_budget.as_ref().map(|v| Param::new(v, &format!("funders.{}.renewal_budget", f.name))),
                until: f.until.unwrap_or(i32::MAX),
            })
        })
        .collect()
}

pub(super) enum Timing {
    Dated(i32),
    /// Boxed: a `Param` is far larger than a month.
    Random(Box<Param>),
}

pub(super) struct ShockPlan {
    pub stream: StreamId,
    pub timing: Timing,
    pub kind: ShockKind,
    /// The size of a dated demand shock, drawn once per run.
    pub cases: Option<Param>,
    /// The share of a dated exit shock, drawn once per run.
    pub share: Option<Param>,
}

/// A scenario compiled for running.
pub struct Plan {
    pub(super) months: usize,
    pub(super) years: usize,
    pub(super) n_regions: usize,
    pub(super) n_metrics: usize,
    pub(super) n_sources: usize,
    pub(super) wage_growth: Param,
    pub(super) annual_cost: Param,
    pub(super) cases_per_year: Param,
    pub(super) ramp_start: Param,
    pub(super) turnover: Param,
    pub(super) successors: Vec<SuccessorPlan>,
    pub(super) regions: Vec<RegionPlan>,
    pub(super) factor: Option<Vec<f64>>,
    pub(super) grants: Vec<GrantPlan>,
    pub(super) rounds: Vec<RoundPlan>,
    pub(super) changes: Vec<ChangePlan>,
    pub(super) shocks: Vec<ShockPlan>,
    /// `[posts]` values used by posts of funding rounds.
    pub(super) ramp_months: u32,
    pub(super) vacancy_months: Vacancy,
    /// Index of `local_authority` among the spend sources.
    pub(super) la_source: usize,
    pub(super) other_funder_source: usize,
    pub(super) same_funder_source: usize,
    /// By spend source: its `[[funders]]` ledger, if it has one.
    pub(super) ledgers: Vec<Option<LedgerPlan>>,
    /// Grants in order of their start (file order within a month).
    pub(super) grants_by_start: Vec<usize>,
    /// Survival offsets k = 0, 12, 24, … with the number of eligible posts.
    pub(super) survival_offsets: Vec<(usize, usize)>,
    /// The record's slots that can be other than zero (see [`Plan::varying_slots`]).
    varying: Vec<usize>,
    /// The yearly metrics summed into the horizon block ([`Plan::horizon_metrics`]).
    horizon: Vec<usize>,
}

/// A region's parameters, named by their keys for the draws.
fn region_plan(r: &crate::scenario::Region) -> RegionPlan {
    let p = |key: &str, v: &Value| Param::new(v, &format!("regions.{}.{key}", r.id));
    RegionPlan {
        demand: p("demand", &r.demand),
        growth: p("demand_growth", &r.demand_growth),
        volatility: p("demand_volatility", &r.demand_volatility),
        abandon: p("abandon_rate", &r.abandon_rate),
        other_capacity: p("other_capacity", &r.other_capacity),
        cases_per_provider: p("legal_aid.cases_per_provider", &r.legal_aid.cases_per_provider),
        exit_rate: p("legal_aid.exit_rate", &r.legal_aid.exit_rate),
        entry_rate: p("legal_aid.entry_rate", &r.legal_aid.entry_rate),
        la_budget: p("local_authority.budget", &r.local_authority.budget),
        la_match: p("local_authority.match", &r.local_authority.match_share),
        stream: StreamId::of(&r.id),
        providers: u64::from(r.legal_aid.providers),
        backlog: r.backlog as f64,
    }
}

/// A shock's parameters: a dated shock's size is drawn once per run; a
/// random one's arrivals and sizes come from its stream as it runs.
fn shock_plan(sh: &crate::scenario::Shock) -> ShockPlan {
    let dated = matches!(sh.timing, ShockTiming::Dated(_));
    let (cases, share) = match &sh.kind {
        ShockKind::Demand { cases, .. } => (dated.then(|| Param::new(cases, &format!("shocks.{}.cases", sh.id))), None),
        ShockKind::LegalAidExit { share, .. } => {
            (None, dated.then(|| Param::new(share, &format!("shocks.{}.share", sh.id))))
        }
    };
    ShockPlan {
        stream: StreamId::of(&sh.id),
        timing: match &sh.timing {
            ShockTiming::Dated(m) => Timing::Dated(*m),
            ShockTiming::Random { rate_per_year } => {
                Timing::Random(Box::new(Param::new(rate_per_year, &format!("shocks.{}.rate_per_year", sh.id))))
            }
        },
        kind: sh.kind.clone(),
        cases,
        share,
    }
}

impl Plan {
    pub fn new(s: &Scenario) -> Self {
        let sources = s.spend_sources();
        let source_idx = |name: &str| sources.iter().position(|x| x == name).unwrap_or(0);
        let successors = s
            .successors
            .iter()
            .enumerate()
            .map(|(i, succ)| SuccessorPlan {
                source: succ.source,
                spend_source: source_idx(succ.source.as_str()),
                probability: Param::new(
                    &succ.probability,
                    &format!("sustainability.successors[{i}].{}.probability", succ.source.as_str()),
                ),
                term: succ.term_months as i32,
            })
            .collect();
        let regions = s.regions.iter().map(region_plan).collect();
        let grants: Vec<GrantPlan> = s
            .grants
            .iter()
            .map(|g| {
                let o = g.overrides;
                let p = |on: bool, key: &str, v: &Value| on.then(|| Param::new(v, &format!("grants.{}.{key}", g.id)));
                GrantPlan {
                    region: g.region,
                    start: g.start.months_since(s.start),
                    months: g.months as i32,
                    advice: g.posts,
                    influencing: g.influencing_posts,
                    funder_source: source_idx(&g.funder),
                    stream: StreamId::of(&g.id),
                    annual_cost: p(o.annual_cost, "annual_cost", &g.params.annual_cost),
                    cases_per_year: p(o.cases_per_year, "cases_per_year", &g.params.cases_per_year),
                    ramp_start: p(o.ramp_start, "ramp_start", &g.params.ramp_start),
                    turnover: p(o.turnover, "turnover", &g.params.turnover),
                    ramp_months: g.params.ramp_months,
                    vacancy_months: Vacancy::new(&g.params.vacancy_months),
                }
            })
            .collect();
        let rounds = s.rounds.iter().map(|r| round_plan(r, s, source_idx(&r.funder))).collect();
        let changes = s.changes.iter().map(|c| ChangePlan::new(c, &sources)).collect();
        let shocks = s.shocks.iter().map(shock_plan).collect();
        let months = s.months();
        let survival_offsets = survival_offsets(&grants, months);
        let mut grants_by_start: Vec<usize> = (0..grants.len()).collect();
        grants_by_start.sort_by_key(|&g| grants[g].start);
        let mut plan = Self {
            months,
            years: s.years as usize,
            n_regions: s.regions.len(),
            n_metrics: SPEND + 2 * sources.len() + 2,
            n_sources: sources.len(),
            wage_growth: Param::new(&s.wage_growth, "economy.wage_growth"),
            annual_cost: Param::new(&s.posts.annual_cost, "posts.annual_cost"),
            cases_per_year: Param::new(&s.posts.cases_per_year, "posts.cases_per_year"),
            ramp_start: Param::new(&s.posts.ramp_start, "posts.ramp_start"),
            turnover: Param::new(&s.posts.turnover, "posts.turnover"),
            successors,
            regions,
            factor: s.correlation_factor.clone(),
            grants,
            rounds,
            changes,
            shocks,
            ramp_months: s.posts.ramp_months,
            vacancy_months: Vacancy::new(&s.posts.vacancy_months),
            la_source: source_idx(SuccessorSource::LocalAuthority.as_str()),
            other_funder_source: source_idx(SuccessorSource::OtherFunder.as_str()),
            same_funder_source: source_idx(SuccessorSource::SameFunder.as_str()),
            ledgers: ledger_plans(s, &sources),
            grants_by_start,
            survival_offsets,
            varying: Vec::new(),
            horizon: Vec::new(),
        };
        plan.horizon = vec![DEMAND, SERVED, ABANDONED, plan.post_years_metric()];
        plan.horizon.extend(SPEND..SPEND + plan.n_sources);
        plan.varying = plan.find_varying_slots();
        plan
    }

    /// Number of values in a run record: (regions + total) × years ×
    /// metrics, then the horizon block: (regions + total) × horizon metrics
    /// ([`Plan::horizon_index`]).
    pub fn record_len(&self) -> usize {
        self.horizon_start() + (self.n_regions + 1) * self.n_horizon()
    }

    /// Where the horizon block starts: after every yearly value.
    fn horizon_start(&self) -> usize {
        (self.n_regions + 1) * self.years * self.n_metrics
    }

    fn n_horizon(&self) -> usize {
        4 + self.n_sources
    }

    /// The yearly metrics summed over the horizon, in the order of
    /// `totals.csv`: `demand`, `served`, `abandoned`, `post_years`, then
    /// `spend:<source>` for each spend source.
    pub fn horizon_metrics(&self) -> &[usize] {
        &self.horizon
    }

    /// Index in [`super::RunRecord::values`] of the `k`-th of
    /// [`Plan::horizon_metrics`] summed over the horizon, for `region`
    /// (`n_regions` for the total).
    pub fn horizon_index(&self, region: usize, k: usize) -> usize {
        self.horizon_start() + region * self.n_horizon() + k
    }

    /// Fills the horizon block of a record whose yearly values are written:
    /// each horizon metric summed over the years, region by region (the
    /// total's sums are of its own yearly totals).
    pub(super) fn fill_horizon(&self, values: &mut [f64]) {
        let (years, block) = values.split_at_mut(self.horizon_start());
        // Region r's years are consecutive rows of n_metrics values.
        let per_region = years.chunks_exact(self.years * self.n_metrics);
        for (row, region) in block.chunks_exact_mut(self.n_horizon()).zip(per_region) {
            row.fill(0.0);
            for year in region.chunks_exact(self.n_metrics) {
                for (slot, &m) in row.iter_mut().zip(&self.horizon) {
                    *slot += year[m];
                }
            }
        }
    }

    pub fn n_metrics(&self) -> usize {
        self.n_metrics
    }

    /// Number of spend sources (grant and round funders, then successors).
    pub fn n_sources(&self) -> usize {
        self.n_sources
    }

    /// Index of the metric counting post-years funded in a year (funded
    /// post-months / 12); it follows the funded posts by source.
    pub fn post_years_metric(&self) -> usize {
        SPEND + 2 * self.n_sources
    }

    /// Index of the metric holding a year's gap, need less capacity (new
    /// cases less the cases capacity can serve; negative when capacity is
    /// the larger): the figure of `gap.csv`, with its own 5–95% range. It
    /// follows the post-years.
    pub fn gap_metric(&self) -> usize {
        self.post_years_metric() + 1
    }

    /// The survival offsets (months after the first term end) reported.
    pub fn survival_offsets(&self) -> Vec<usize> {
        self.survival_offsets.iter().map(|(k, _)| *k).collect()
    }

    /// For each survival offset, the posts whose month `first_end + k` is
    /// inside the horizon ([`super::RunRecord::survival`] counts those still funded).
    pub fn survival_eligible(&self) -> Vec<usize> {
        self.survival_offsets.iter().map(|(_, n)| *n).collect()
    }

    /// Index of a value in [`super::RunRecord::values`].
    pub fn index(&self, region: usize, year: usize, metric: usize) -> usize {
        (region * self.years + year) * self.n_metrics + metric
    }

    pub fn new_record(&self) -> super::RunRecord {
        super::RunRecord { values: vec![0.0; self.record_len()], survival: vec![0.0; self.survival_offsets.len()] }
    }

    /// The slots of [`super::RunRecord::values`] that can be other than zero,
    /// in increasing order. Every other slot is zero in every run: the post
    /// figures of a region that never has posts, and the spend and posts of
    /// a source that never funds a post in a region (a funder with no grant
    /// or round there, a successor the scenario does not list).
    pub fn varying_slots(&self) -> &[usize] {
        &self.varying
    }

    /// Whether every slot outside [`Plan::varying_slots`] is zero in a
    /// record's `values`.
    pub fn constant_slots_are_zero(&self, values: &[f64]) -> bool {
        let mut varying = self.varying.iter().peekable();
        values.iter().enumerate().all(|(i, &x)| {
            if varying.peek() == Some(&&i) {
                varying.next();
                true
            } else {
                x == 0.0
            }
        })
    }

    fn find_varying_slots(&self) -> Vec<usize> {
        let (nr, nm, ns) = (self.n_regions, self.n_metrics, self.n_sources);
        // funds[r][k]: source k can fund a post in region r.
        let mut funds = vec![vec![false; ns]; nr];
        let mut match_funded = vec![false; nr];
        for g in self.grants.iter().filter(|g| g.posts() > 0) {
            funds[g.region][g.funder_source] = true;
        }
        for round in &self.rounds {
            for r in 0..nr {
                let reaches = match &round.allocation {
                    Allocation::Shares(shares) => shares.iter().any(|&(i, _)| i == r),
                    Allocation::Unmet => true,
                };
                if reaches {
                    funds[r][round.funder_source] = true;
                    match_funded[r] = true;
                }
            }
        }
        for r in 0..nr {
            if funds[r].iter().any(|&f| f) {
                for s in &self.successors {
                    funds[r][s.spend_source] = true;
                }
                if match_funded[r] {
                    funds[r][self.la_source] = true;
                }
            }
        }
        let region_can = |r: usize, m: usize| -> bool {
            let has_posts = funds[r].iter().any(|&f| f);
            match m {
                _ if m < POSTS_FUNDED => true,
                _ if m < SPEND => has_posts,
                _ if m < SPEND + ns => funds[r][m - SPEND],
                _ if m < SPEND + 2 * ns => funds[r][m - SPEND - ns],
                _ if m == SPEND + 2 * ns => has_posts,
                _ => true,
            }
        };
        let can = |r: usize, m: usize| if r == nr { (0..nr).any(|q| region_can(q, m)) } else { region_can(r, m) };
        let mut out = Vec::new();
        for r in 0..=nr {
            for y in 0..self.years {
                for m in 0..nm {
                    if can(r, m) {
                        out.push(self.index(r, y, m));
                    }
                }
            }
        }
        // A horizon sum varies where its yearly figures can.
        for r in 0..=nr {
            for (k, &m) in self.horizon.iter().enumerate() {
                if can(r, m) {
                    out.push(self.horizon_index(r, k));
                }
            }
        }
        out
    }
}

/// Survival offsets k = 0, 12, 24, … after the first term end, each with
/// the number of grant posts whose month `first_end + k` is in the horizon.
fn survival_offsets(grants: &[GrantPlan], months: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < months {
        let eligible: usize = grants
            .iter()
            .filter(|g| {
                let end = g.first_end();
                end >= 0 && (end as usize) < months && (end as usize + k) < months
            })
            .map(|g| g.posts() as usize)
            .sum();
        if eligible == 0 && k > 0 {
            break;
        }
        if eligible > 0 {
            out.push((k, eligible));
        }
        k += 12;
    }
    out
}
