//! The monthly model of one run (model.md §4–6).
//!
//! [`Plan`] compiles a [`Scenario`] once (stream ids, post templates, metric
//! layout); [`Plan::simulate`] runs one Monte Carlo replicate and fills a
//! [`RunRecord`]. The order of events inside a month is exactly model.md §5:
//! (1) changes, (2) new posts, (3) term ends and successors, (4) staffing,
//! (5) legal aid, (6) cases, service and abandonment, (7) spend.

use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution, Poisson, StandardNormal};

use crate::rng::{Kind, RunStreams, StreamId, StreamRng};
use crate::scenario::{Allocation, DemandSplit, Scenario, ShockKind, ShockTiming, SuccessorSource};
use crate::value::Value;

/// The metrics of a run, per region and model year, in report order. Spend
/// metrics follow at [`SPEND`], one per spend source, then the funded posts
/// at the year's end by their current source, one per spend source.
pub const METRICS: [&str; 9] = [
    "demand",
    "served",
    "abandoned",
    "backlog_end",
    "capacity",
    "legal_aid_providers",
    "posts_funded",
    "posts_filled",
    "posts_lost",
];
pub const DEMAND: usize = 0;
pub const SERVED: usize = 1;
pub const ABANDONED: usize = 2;
pub const BACKLOG_END: usize = 3;
pub const CAPACITY: usize = 4;
pub const PROVIDERS: usize = 5;
pub const POSTS_FUNDED: usize = 6;
pub const POSTS_FILLED: usize = 7;
pub const POSTS_LOST: usize = 8;
pub const SPEND: usize = 9;

/// Annual probability → monthly probability: `1 − (1 − p)^(1/12)`.
pub fn monthly_probability(p: f64) -> f64 {
    if p >= 1.0 {
        1.0
    } else {
        1.0 - (1.0 - p).powf(1.0 / 12.0)
    }
}

/// The mean above which a Poisson count is taken as its mean (see [`poisson`]).
pub const MAX_POISSON_MEAN: f64 = 1e15;

/// Poisson draw; inversion for small means (cheap and exact), rand_distr's
/// sampler above.
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> u64 {
    if !(mean > 0.0) {
        return 0;
    }
    if mean < 30.0 {
        poisson_by_inversion(rng, mean, (-mean).exp())
    } else if mean > MAX_POISSON_MEAN {
        // Beyond 10^15 a Poisson count is its mean to 8 significant digits;
        // past 10^18 it would not fit the count, so it is capped there
        // (only absurd growth over a long horizon gets here).
        mean.min(1e18).round() as u64
    } else {
        match Poisson::new(mean) {
            Ok(d) => {
                let x: f64 = d.sample(rng);
                x as u64
            }
            Err(_) => mean.round() as u64,
        }
    }
}

/// Poisson draw by inversion for a small mean, given `p0 = exp(−mean)`.
pub fn poisson_by_inversion<R: Rng + ?Sized>(rng: &mut R, mean: f64, p0: f64) -> u64 {
    if !(mean > 0.0) {
        return 0;
    }
    let u: f64 = rng.random();
    let mut p = p0;
    let mut cdf = p;
    let mut k = 0u64;
    while u > cdf && k < 10_000 {
        k += 1;
        p *= mean / k as f64;
        cdf += p;
        if p == 0.0 {
            break;
        }
    }
    k
}

/// Binomial draw of `n` trials with probability `p`.
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || !(p > 0.0) {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if (n as f64) * p < 10.0 && n < 1000 {
        binomial_by_inversion(rng, n, p, (1.0 - p).powi(n as i32))
    } else {
        match Binomial::new(n, p) {
            Ok(d) => d.sample(rng),
            Err(_) => 0,
        }
    }
}

/// Binomial(n, p) by inversion (BINV) for small `n·p`, given `q_n = (1 − p)^n`:
/// usually a single uniform and no logarithm.
pub fn binomial_by_inversion<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64, q_n: f64) -> u64 {
    {
        let q = 1.0 - p;
        let s = p / q;
        let a = (n + 1) as f64 * s;
        let mut r = q_n;
        let mut u: f64 = rng.random();
        let mut x = 0u64;
        loop {
            if u < r {
                return x;
            }
            u -= r;
            x += 1;
            if x >= n {
                return n;
            }
            r *= a / x as f64 - s;
        }
    }
}

/// Months until a holder with monthly leaving probability `q` leaves: the
/// number of monthly checks survived before the first departure (geometric).
fn months_until_leaving<R: Rng + ?Sized>(rng: &mut R, q: f64) -> i32 {
    if !(q > 0.0) {
        return i32::MAX / 2;
    }
    if q >= 1.0 {
        return 0;
    }
    let u = 1.0 - rng.random::<f64>(); // (0, 1]
    let g = u.ln() / (-q).ln_1p(); // ≥ 0, so truncation is floor
    if g >= (i32::MAX / 4) as f64 {
        i32::MAX / 2
    } else {
        g as i32
    }
}

/// A draw of a vacancy length, rounded half up to whole months.
fn vacancy<R: Rng + ?Sized>(rng: &mut R, v: &Value) -> i32 {
    let x = v.sample(rng);
    (x + 0.5).floor().clamp(0.0, 1.0e6) as i32
}

/// A value drawn once per run from its own keyed stream (or fixed).
#[derive(Debug, Clone)]
struct Param {
    value: Value,
    stream: StreamId,
}

impl Param {
    fn new(value: &Value, path: &str) -> Self {
        Self { value: value.clone(), stream: StreamId::of(path) }
    }

    fn draw(&self, streams: &RunStreams) -> f64 {
        match self.value.as_fixed() {
            Some(x) => x,
            None => self.value.sample(&mut streams.stream(Kind::Parameter, self.stream)),
        }
    }
}

struct RegionPlan {
    demand: Param,
    growth: Param,
    volatility: Param,
    abandon: Param,
    other_capacity: Param,
    cases_per_provider: Param,
    exit_rate: Param,
    entry_rate: Param,
    la_budget: Param,
    la_match: Param,
    stream: StreamId,
    providers: u64,
    backlog: f64,
}

struct RoundPlan {
    id: String,
    start: i32,
    term: i32,
    funder_source: usize,
    budget: Param,
    advice_share: Param,
    allocation: Allocation,
}

struct ChangePlan {
    start: i32,
    stream: StreamId,
    probability: Param,
    regions: Vec<usize>,
    la_budget: Option<Param>,
    la_match: Option<Param>,
    exit_rate: Option<Param>,
    entry_rate: Option<Param>,
    cases_per_provider: Option<Param>,
    demand_growth: Option<Param>,
    turnover: Option<Param>,
    vacancy_months: Option<Value>,
    successors: Vec<(usize, Option<Param>, Option<i32>)>,
}

/// A change's draws in a run where it happens.
struct ChangeDraw<'a> {
    at: i32,
    plan: &'a ChangePlan,
    la_budget: Option<f64>,
    la_match: Option<f64>,
    exit_monthly: Option<f64>,
    entry_monthly: Option<f64>,
    cases_per_provider_monthly: Option<f64>,
    turnover_monthly: Option<f64>,
    successors: Vec<(usize, Option<f64>, Option<i32>)>,
}

struct GrantPlan {
    region: usize,
    /// Start, in months from the scenario start.
    start: i32,
    months: i32,
    advice: u32,
    influencing: u32,
    funder_source: usize,
    stream: StreamId,
    annual_cost: Option<Param>,
    cases_per_year: Option<Param>,
    ramp_start: Option<Param>,
    turnover: Option<Param>,
    ramp_months: u32,
    vacancy_months: Value,
}

struct ShockPlan {
    stream: StreamId,
    timing: Timing,
    kind: ShockKind,
    /// Parameter draws for dated shocks.
    cases: Option<Param>,
    share: Option<Param>,
}

enum Timing {
    Dated(i32),
    Random(Param),
}

/// A scenario compiled for running.
pub struct Plan {
    months: usize,
    years: usize,
    n_regions: usize,
    n_metrics: usize,
    n_sources: usize,
    wage_growth: Param,
    annual_cost: Param,
    cases_per_year: Param,
    ramp_start: Param,
    turnover: Param,
    successors: Vec<(SuccessorSource, usize, Param, i32)>,
    regions: Vec<RegionPlan>,
    factor: Option<Vec<f64>>,
    grants: Vec<GrantPlan>,
    rounds: Vec<RoundPlan>,
    changes: Vec<ChangePlan>,
    shocks: Vec<ShockPlan>,
    /// `[posts]` values used by posts of funding rounds.
    ramp_months: u32,
    vacancy_months: Value,
    /// Index of `local_authority` among the spend sources.
    la_source: usize,
    /// Survival offsets k = 0, 12, 24, … with the number of eligible posts.
    survival_offsets: Vec<(usize, usize)>,
}

/// Everything one run reports: metrics by (region, year, metric), with
/// region index `n_regions` for the total, and, by survival offset, the
/// number of grant posts still funded.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub values: Vec<f64>,
    pub survival: Vec<f64>,
}

/// One region-month of a run, for tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthRow {
    pub month: usize,
    pub region: usize,
    pub backlog_start: f64,
    pub demand: f64,
    pub served: f64,
    pub abandoned: f64,
    pub backlog_end: f64,
    pub capacity: f64,
    pub providers: u64,
    pub posts_funded: u32,
    pub posts_filled: u32,
    pub posts_lost: u32,
}

#[derive(Clone, Copy, PartialEq)]
enum Staff {
    /// Not yet created (its grant starts later).
    Pending,
    Filled {
        hired: i32,
        leaves_at: i32,
    },
    Vacant {
        fills_at: i32,
    },
    Lost,
}

struct Post {
    /// Index of the post's vacancy-length value in the run's list (grants,
    /// then rounds).
    vacancy: usize,
    /// End of the first funding term, for posts of `[[grants]]` (survival).
    first_end: Option<i32>,
    /// Share of the cost local authorities pay during a round's matched term.
    match_share: f64,
    region: usize,
    staff: Staff,
    term_end: i32,
    source: usize,
    la_funded: bool,
    lost_month: i32,
    /// Annual cost in the start year.
    cost: f64,
    /// Cases a month at full productivity (0 for influencing posts).
    cases_month: f64,
    ramp_start: f64,
    /// Productivity gained per month of a hire (infinite: no ramp).
    ramp_step: f64,
    /// Monthly probability that the holder leaves.
    turnover: f64,
    staff_rng: StreamRng,
    succession_rng: StreamRng,
}

/// Per-grant draws of one run.
struct GrantDraw {
    annual_cost: f64,
    cases_per_year: f64,
    ramp_start: f64,
    turnover_monthly: f64,
}

impl Plan {
    pub fn new(s: &Scenario) -> Self {
        let sources = s.spend_sources();
        let source_idx = |name: &str| sources.iter().position(|x| x == name).unwrap_or(0);
        let successors = s
            .successors
            .iter()
            .enumerate()
            .map(|(i, succ)| {
                let path = format!("sustainability.successors[{i}].{}.probability", succ.source.as_str());
                (
                    succ.source,
                    source_idx(succ.source.as_str()),
                    Param::new(&succ.probability, &path),
                    succ.term_months as i32,
                )
            })
            .collect();
        let regions = s
            .regions
            .iter()
            .map(|r| {
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
            })
            .collect();
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
                    vacancy_months: g.params.vacancy_months.clone(),
                }
            })
            .collect();
        let shocks = s
            .shocks
            .iter()
            .map(|sh| {
                let dated = matches!(sh.timing, ShockTiming::Dated(_));
                let (cases, share) = match &sh.kind {
                    ShockKind::Demand { cases, .. } => {
                        (dated.then(|| Param::new(cases, &format!("shocks.{}.cases", sh.id))), None)
                    }
                    ShockKind::LegalAidExit { share, .. } => {
                        (None, dated.then(|| Param::new(share, &format!("shocks.{}.share", sh.id))))
                    }
                };
                ShockPlan {
                    stream: StreamId::of(&sh.id),
                    timing: match &sh.timing {
                        ShockTiming::Dated(m) => Timing::Dated(*m),
                        ShockTiming::Random { rate_per_year } => {
                            Timing::Random(Param::new(rate_per_year, &format!("shocks.{}.rate_per_year", sh.id)))
                        }
                    },
                    kind: sh.kind.clone(),
                    cases,
                    share,
                }
            })
            .collect();
        let months = s.months();
        let mut survival_offsets = Vec::new();
        let mut k = 0;
        while k < months {
            let eligible: usize = grants
                .iter()
                .filter(|g| {
                    let end = g.start + g.months;
                    end >= 0 && (end as usize) < months && (end as usize + k) < months
                })
                .map(|g| (g.advice + g.influencing) as usize)
                .sum();
            if eligible == 0 && k > 0 {
                break;
            }
            if eligible > 0 {
                survival_offsets.push((k, eligible));
            }
            k += 12;
        }
        Self {
            months,
            years: s.years as usize,
            n_regions: s.regions.len(),
            n_metrics: SPEND + 2 * sources.len() + 1,
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
            rounds: s
                .rounds
                .iter()
                .map(|r| RoundPlan {
                    id: r.id.clone(),
                    start: r.start,
                    term: r.term_months as i32,
                    funder_source: source_idx(&r.funder),
                    budget: Param::new(&r.budget, &format!("rounds.{}.budget", r.id)),
                    advice_share: Param::new(&r.advice_share, &format!("rounds.{}.advice_share", r.id)),
                    allocation: r.allocation.clone(),
                })
                .collect(),
            changes: s
                .changes
                .iter()
                .map(|c| {
                    let p = |key: &str, v: &Option<Value>| {
                        v.as_ref().map(|v| Param::new(v, &format!("changes.{}.{key}", c.id)))
                    };
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
                        vacancy_months: c.vacancy_months.clone(),
                        successors: c
                            .successors
                            .iter()
                            .enumerate()
                            .map(|(j, cs)| {
                                let prob = cs
                                    .probability
                                    .as_ref()
                                    .map(|v| Param::new(v, &format!("changes.{}.successors[{j}].probability", c.id)));
                                (cs.index, prob, cs.term_months.map(|t| t as i32))
                            })
                            .collect(),
                    }
                })
                .collect(),
            shocks,
            ramp_months: s.posts.ramp_months,
            vacancy_months: s.posts.vacancy_months.clone(),
            la_source: source_idx(SuccessorSource::LocalAuthority.as_str()),
            survival_offsets,
        }
    }

    /// Number of values in a run record: (regions + total) × years × metrics.
    pub fn record_len(&self) -> usize {
        (self.n_regions + 1) * self.years * self.n_metrics
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

    /// The survival offsets (months after the first term end) reported.
    pub fn survival_offsets(&self) -> Vec<usize> {
        self.survival_offsets.iter().map(|(k, _)| *k).collect()
    }

    /// For each survival offset, the posts whose month `first_end + k` is
    /// inside the horizon ([`RunRecord::survival`] counts those still funded).
    pub fn survival_eligible(&self) -> Vec<usize> {
        self.survival_offsets.iter().map(|(_, n)| *n).collect()
    }

    /// Index of a value in [`RunRecord::values`].
    pub fn index(&self, region: usize, year: usize, metric: usize) -> usize {
        (region * self.years + year) * self.n_metrics + metric
    }

    pub fn new_record(&self) -> RunRecord {
        RunRecord { values: vec![0.0; self.record_len()], survival: vec![0.0; self.survival_offsets.len()] }
    }

    /// Simulates run `run` of `seed` into `out`; with `trace`, also records
    /// every region-month.
    pub fn simulate(&self, seed: u64, run: u64, out: &mut RunRecord, mut trace: Option<&mut Vec<MonthRow>>) {
        out.values.iter_mut().for_each(|v| *v = 0.0);
        let streams = RunStreams::new(seed, run);
        let nr = self.n_regions;
        let months = self.months;

        // Per-run draws (§2): values, once per run, each from its own stream.
        let wage_growth = self.wage_growth.draw(&streams);
        let shared = GrantDraw {
            annual_cost: self.annual_cost.draw(&streams),
            cases_per_year: self.cases_per_year.draw(&streams),
            ramp_start: self.ramp_start.draw(&streams),
            turnover_monthly: monthly_probability(self.turnover.draw(&streams)),
        };
        let mut successors: Vec<(usize, f64, i32, bool)> = self
            .successors
            .iter()
            .map(|(src, idx, p, term)| (*idx, p.draw(&streams), *term, *src == SuccessorSource::LocalAuthority))
            .collect();
        let demand: Vec<f64> = self.regions.iter().map(|r| r.demand.draw(&streams)).collect();
        let abandon: Vec<f64> = self.regions.iter().map(|r| r.abandon.draw(&streams)).collect();
        let other_capacity: Vec<f64> = self.regions.iter().map(|r| r.other_capacity.draw(&streams) / 12.0).collect();
        let mut cases_per_provider: Vec<f64> =
            self.regions.iter().map(|r| r.cases_per_provider.draw(&streams) / 12.0).collect();
        let mut exit_monthly: Vec<f64> =
            self.regions.iter().map(|r| monthly_probability(r.exit_rate.draw(&streams))).collect();
        let mut entry_monthly: Vec<f64> = self.regions.iter().map(|r| r.entry_rate.draw(&streams) / 12.0).collect();
        let mut entry_p0: Vec<f64> = entry_monthly.iter().map(|m| (-m).exp()).collect();
        let mut la_budget: Vec<f64> = self.regions.iter().map(|r| r.la_budget.draw(&streams)).collect();
        let mut la_match: Vec<f64> = self.regions.iter().map(|r| r.la_match.draw(&streams)).collect();

        // Dated changes (§3): whether each happens is drawn once per run from
        // its own stream; its new values are drawn once per run.
        let changes: Vec<ChangeDraw> = self
            .changes
            .iter()
            .filter(|c| (c.start as usize) < months || c.start < 0)
            .filter(|c| streams.stream(Kind::Change, c.stream).random::<f64>() < c.probability.draw(&streams))
            .map(|c| ChangeDraw {
                at: c.start.max(0),
                plan: c,
                la_budget: c.la_budget.as_ref().map(|p| p.draw(&streams)),
                la_match: c.la_match.as_ref().map(|p| p.draw(&streams)),
                exit_monthly: c.exit_rate.as_ref().map(|p| monthly_probability(p.draw(&streams))),
                entry_monthly: c.entry_rate.as_ref().map(|p| p.draw(&streams) / 12.0),
                cases_per_provider_monthly: c.cases_per_provider.as_ref().map(|p| p.draw(&streams) / 12.0),
                turnover_monthly: c.turnover.as_ref().map(|p| monthly_probability(p.draw(&streams))),
                successors: c
                    .successors
                    .iter()
                    .map(|(i, prob, term)| (*i, prob.as_ref().map(|p| p.draw(&streams)), *term))
                    .collect(),
            })
            .collect();

        // §4: demand multipliers with correlated annual log-noise.
        let mut log_g = vec![0.0f64; nr * self.years];
        {
            let growth: Vec<f64> = self.regions.iter().map(|r| r.growth.draw(&streams)).collect();
            // A change of growth applies to the years that start at or after it.
            let mut growth_in: Vec<f64> = (0..nr * self.years).map(|i| growth[i / self.years]).collect();
            // In date order (file order within a month): a later change wins.
            let mut by_date: Vec<&ChangeDraw> = changes.iter().collect();
            by_date.sort_by_key(|c| c.at);
            for c in by_date {
                if let Some(p) = &c.plan.demand_growth {
                    let g = p.draw(&streams);
                    for &r in &c.plan.regions {
                        for y in (1..self.years).filter(|y| 12 * *y as i32 >= c.at) {
                            growth_in[r * self.years + y] = g;
                        }
                    }
                }
            }
            let sigma: Vec<f64> = self.regions.iter().map(|r| r.volatility.draw(&streams)).collect();
            let mut noise: Vec<StreamRng> =
                self.regions.iter().map(|r| streams.stream(Kind::DemandNoise, r.stream)).collect();
            let mut e = vec![0.0f64; nr];
            for y in 1..self.years {
                for (r, rng) in noise.iter_mut().enumerate() {
                    e[r] = StandardNormal.sample(rng);
                }
                for r in 0..nr {
                    let z = match &self.factor {
                        Some(l) => (0..=r).map(|k| l[r * nr + k] * e[k]).sum::<f64>(),
                        None => e[r],
                    };
                    log_g[r * self.years + y] =
                        log_g[r * self.years + y - 1] + growth_in[r * self.years + y] + sigma[r] * z;
                }
            }
        }
        let base_mean: Vec<f64> =
            (0..nr * self.years).map(|i| demand[i / self.years] / 12.0 * log_g[i].exp()).collect();

        // Shocks: extra demand by region-month, exit events by month.
        let mut extra = vec![0.0f64; nr * months];
        // (month, share, regions hit, the arrival's stream id) of each exit shock.
        let mut exits: Vec<(usize, f64, &[usize], StreamId)> = Vec::new();
        let total_demand: f64 = demand.iter().sum();
        for sh in &self.shocks {
            let mut rng = streams.stream(Kind::Shock, sh.stream);
            // (start month, cases or share) of each arrival.
            let arrivals: Vec<(i32, f64)> = match &sh.timing {
                Timing::Dated(m) => {
                    let v = match (&sh.cases, &sh.share) {
                        (Some(c), _) => c.draw(&streams),
                        (_, Some(s)) => s.draw(&streams),
                        _ => 0.0,
                    };
                    vec![(*m, v)]
                }
                Timing::Random(rate) => {
                    let n = poisson(&mut rng, rate.draw(&streams) * self.years as f64);
                    (0..n)
                        .map(|_| {
                            let m = rng.random_range(0..months as i32);
                            let v = match &sh.kind {
                                ShockKind::Demand { cases, .. } => cases.sample(&mut rng),
                                ShockKind::LegalAidExit { share, .. } => share.sample(&mut rng),
                            };
                            (m, v)
                        })
                        .collect()
                }
            };
            match &sh.kind {
                ShockKind::Demand { half_life_months, split, .. } => {
                    let weights: Vec<(usize, f64)> = match split {
                        DemandSplit::All => (0..nr)
                            .map(|r| (r, if total_demand > 0.0 { demand[r] / total_demand } else { 1.0 / nr as f64 }))
                            .collect(),
                        DemandSplit::Shares(s) => s.clone(),
                    };
                    for (start, cases) in arrivals {
                        add_shock(&mut extra, months, start, cases, *half_life_months, &weights);
                    }
                }
                ShockKind::LegalAidExit { regions, .. } => {
                    for (n, (start, share)) in arrivals.into_iter().enumerate() {
                        if start >= 0 && (start as usize) < months {
                            exits.push((start as usize, share, regions.as_slice(), sh.stream.child(n as u64)));
                        }
                    }
                }
            }
        }
        // Same-month exit shocks apply in file order, then arrival order.
        exits.sort_by_key(|e| e.0);

        // Posts, in creation order (§5): grants in file order, each grant's
        // advice posts then its influencing posts.
        let grant_draws: Vec<GrantDraw> = self
            .grants
            .iter()
            .map(|g| GrantDraw {
                annual_cost: g.annual_cost.as_ref().map_or(shared.annual_cost, |p| p.draw(&streams)),
                cases_per_year: g.cases_per_year.as_ref().map_or(shared.cases_per_year, |p| p.draw(&streams)),
                ramp_start: g.ramp_start.as_ref().map_or(shared.ramp_start, |p| p.draw(&streams)),
                turnover_monthly: g
                    .turnover
                    .as_ref()
                    .map_or(shared.turnover_monthly, |p| monthly_probability(p.draw(&streams))),
            })
            .collect();
        let mut posts: Vec<Post> = Vec::new();
        let mut grant_posts: Vec<std::ops::Range<usize>> = Vec::with_capacity(self.grants.len());
        for (gi, g) in self.grants.iter().enumerate() {
            let d = &grant_draws[gi];
            let first = posts.len();
            for j in 0..(g.advice + g.influencing) {
                let id = g.stream.child(u64::from(j));
                let mut staff_rng = streams.stream(Kind::Staffing, id);
                let staff = if g.start < 0 {
                    // Existing at the start: filled, ramp counted from the grant's start.
                    let leaves_at = months_until_leaving(&mut staff_rng, d.turnover_monthly);
                    Staff::Filled { hired: g.start, leaves_at }
                } else {
                    Staff::Pending
                };
                let advice = j < g.advice;
                posts.push(Post {
                    vacancy: gi,
                    first_end: Some(g.start + g.months),
                    match_share: 0.0,
                    region: g.region,
                    staff,
                    term_end: g.start + g.months,
                    source: g.funder_source,
                    la_funded: false,
                    lost_month: i32::MAX,
                    cost: d.annual_cost,
                    cases_month: if advice { d.cases_per_year / 12.0 } else { 0.0 },
                    ramp_start: d.ramp_start,
                    ramp_step: if g.ramp_months == 0 {
                        f64::INFINITY
                    } else {
                        (1.0 - d.ramp_start) / f64::from(g.ramp_months)
                    },
                    turnover: d.turnover_monthly,
                    staff_rng,
                    succession_rng: streams.stream(Kind::Succession, id),
                });
            }
            grant_posts.push(first..posts.len());
        }

        // Vacancy lengths by owner (grants, then rounds); a change may replace them.
        let mut vacancy_values: Vec<&Value> = self
            .grants
            .iter()
            .map(|g| &g.vacancy_months)
            .chain(self.rounds.iter().map(|_| &self.vacancy_months))
            .collect();
        let mut round_turnover = shared.turnover_monthly;
        // Abandoned cases in each of the last 12 months, by region (for rounds).
        let mut recent_abandoned = vec![0.0f64; nr * 12];

        let mut providers: Vec<u64> = self.regions.iter().map(|r| r.providers).collect();
        let mut backlog: Vec<f64> = self.regions.iter().map(|r| r.backlog).collect();
        let mut arrivals_rng: Vec<StreamRng> =
            self.regions.iter().map(|r| streams.stream(Kind::Arrivals, r.stream)).collect();
        let mut legal_aid_rng: Vec<StreamRng> =
            self.regions.iter().map(|r| streams.stream(Kind::LegalAid, r.stream)).collect();
        let mut la_committed = vec![0.0f64; nr]; // start-year annual costs of LA-funded posts
        let mut lost = vec![0u32; nr];
        let mut post_capacity = vec![0.0f64; nr];
        let mut ending: Vec<usize> = Vec::new();
        let mut exit_cursor = 0;
        // (providers, (1 − p)^providers) for each region's exit draws.
        let mut exit_cache: Vec<(u64, f64)> = vec![(u64::MAX, 0.0); nr];
        let nm = self.n_metrics;
        let post_years = self.post_years_metric();
        // This year's figures by region; spend holds start-year costs until
        // the year ends, when it is scaled by the year's wage factor.
        let mut acc = vec![0.0f64; nr * nm];

        let mut cost_factor = 1.0;
        for m in 0..months {
            let mi = m as i32;
            let y = m / 12;
            if m > 0 && m % 12 == 0 {
                cost_factor *= 1.0 + wage_growth;
            }

            // (1) changes dated now take effect (in the runs where they happen).
            for c in changes.iter().filter(|c| c.at == mi) {
                for &r in &c.plan.regions {
                    if let Some(x) = c.la_budget {
                        la_budget[r] = x;
                    }
                    if let Some(x) = c.la_match {
                        la_match[r] = x;
                    }
                    if let Some(x) = c.exit_monthly {
                        exit_monthly[r] = x;
                        exit_cache[r] = (u64::MAX, 0.0);
                    }
                    if let Some(x) = c.entry_monthly {
                        entry_monthly[r] = x;
                        entry_p0[r] = (-x).exp();
                    }
                    if let Some(x) = c.cases_per_provider_monthly {
                        cases_per_provider[r] = x;
                    }
                }
                if let Some(q) = c.turnover_monthly {
                    // Waiting times are memoryless: holders in post draw a
                    // fresh one at the new rate, checked from this month.
                    round_turnover = q;
                    for p in posts.iter_mut() {
                        p.turnover = q;
                        if let Staff::Filled { hired, .. } = p.staff {
                            p.staff =
                                Staff::Filled { hired, leaves_at: mi + months_until_leaving(&mut p.staff_rng, q) };
                        }
                    }
                }
                if let Some(v) = &c.plan.vacancy_months {
                    vacancy_values.iter_mut().for_each(|x| *x = v);
                }
                for &(i, prob, term) in &c.successors {
                    if let Some(p) = prob {
                        successors[i].1 = p;
                    }
                    if let Some(t) = term {
                        successors[i].2 = t;
                    }
                }
            }
            // (2) grants and rounds starting now create vacant posts.
            for (gi, g) in self.grants.iter().enumerate() {
                if g.start == mi {
                    for p in &mut posts[grant_posts[gi].clone()] {
                        let v = vacancy(&mut p.staff_rng, vacancy_values[gi]);
                        p.staff = Staff::Vacant { fills_at: mi + v };
                    }
                }
            }
            for (ri, round) in self.rounds.iter().enumerate() {
                if round.start != mi {
                    continue;
                }
                let budget = round.budget.draw(&streams);
                let advice_share = round.advice_share.draw(&streams);
                let weights: Vec<f64> = match &round.allocation {
                    Allocation::Shares(shares) => {
                        let mut w = vec![0.0; nr];
                        shares.iter().for_each(|&(r, x)| w[r] = x);
                        w
                    }
                    Allocation::Unmet => {
                        let w: Vec<f64> =
                            (0..nr).map(|r| recent_abandoned[r * 12..(r + 1) * 12].iter().sum()).collect();
                        if w.iter().sum::<f64>() > 0.0 {
                            w
                        } else {
                            demand.clone()
                        }
                    }
                };
                let owner = self.grants.len() + ri;
                // The funder pays (1 − match) of each post's cost over the
                // term, priced at this year's cost; whole posts by the
                // largest-remainder rule (crate::rounds).
                let prices: Vec<f64> = (0..nr)
                    .map(|r| (1.0 - la_match[r]) * shared.annual_cost * cost_factor * f64::from(round.term) / 12.0)
                    .collect();
                let bought = crate::rounds::whole_posts(budget, &weights, &prices);
                for (r, &n) in bought.iter().enumerate() {
                    let n_advice = (n as f64 * advice_share).round() as u32;
                    let stream = StreamId::of(&format!("{}/{}", round.id, self.regions[r].stream.0));
                    for k in 0..n {
                        let id = stream.child(u64::from(k));
                        let mut staff_rng = streams.stream(Kind::Staffing, id);
                        let v = vacancy(&mut staff_rng, vacancy_values[owner]);
                        posts.push(Post {
                            vacancy: owner,
                            first_end: None,
                            match_share: la_match[r],
                            region: r,
                            staff: Staff::Vacant { fills_at: mi + v },
                            term_end: mi + round.term,
                            source: round.funder_source,
                            la_funded: false,
                            lost_month: i32::MAX,
                            cost: shared.annual_cost,
                            cases_month: if k < n_advice { shared.cases_per_year / 12.0 } else { 0.0 },
                            ramp_start: shared.ramp_start,
                            ramp_step: if self.ramp_months == 0 {
                                f64::INFINITY
                            } else {
                                (1.0 - shared.ramp_start) / f64::from(self.ramp_months)
                            },
                            turnover: round_turnover,
                            staff_rng,
                            succession_rng: streams.stream(Kind::Succession, id),
                        });
                    }
                }
            }
            // (3) terms ending now: release local-authority shares, then try
            // successors in creation order.
            ending.clear();
            for (i, p) in posts.iter_mut().enumerate() {
                if p.term_end == mi && !matches!(p.staff, Staff::Lost | Staff::Pending) {
                    if p.la_funded {
                        la_committed[p.region] -= p.cost;
                        p.la_funded = false;
                    }
                    p.match_share = 0.0;
                    ending.push(i);
                }
            }
            for &i in &ending {
                let p = &mut posts[i];
                let mut taken = false;
                for &(src, prob, term, needs_budget) in &successors {
                    let success = p.succession_rng.random::<f64>() < prob;
                    if !success {
                        continue;
                    }
                    if needs_budget {
                        let need = (la_committed[p.region] + p.cost) * cost_factor;
                        if need > la_budget[p.region] * (1.0 + 1e-12) + 1e-9 {
                            continue;
                        }
                        la_committed[p.region] += p.cost;
                        p.la_funded = true;
                    }
                    p.source = src;
                    p.term_end = mi + term;
                    taken = true;
                    break;
                }
                if !taken {
                    p.staff = Staff::Lost;
                    p.lost_month = mi;
                    lost[p.region] += 1;
                }
            }
            // (4) staffing: leavers, then vacancies that have run out; with
            // the posts' capacity (step 6) and spend (step 7), which depend
            // only on who is in post after this step.
            post_capacity.iter_mut().for_each(|c| *c = 0.0);
            for p in posts.iter_mut() {
                match p.staff {
                    Staff::Lost | Staff::Pending => continue,
                    Staff::Filled { leaves_at, .. } if leaves_at <= mi => {
                        let v = vacancy(&mut p.staff_rng, vacancy_values[p.vacancy]);
                        p.staff = Staff::Vacant { fills_at: mi + v };
                    }
                    _ => {}
                }
                if let Staff::Vacant { fills_at } = p.staff {
                    if fills_at <= mi {
                        let stay = months_until_leaving(&mut p.staff_rng, p.turnover);
                        p.staff = Staff::Filled { hired: mi, leaves_at: mi + 1 + stay };
                    }
                }
                if let Staff::Filled { hired, .. } = p.staff {
                    if p.cases_month > 0.0 {
                        let productivity = (p.ramp_start + p.ramp_step * f64::from(mi - hired)).min(1.0);
                        post_capacity[p.region] += p.cases_month * productivity;
                    }
                    if p.match_share > 0.0 {
                        acc[p.region * nm + SPEND + p.source] += p.cost * (1.0 - p.match_share);
                        acc[p.region * nm + SPEND + self.la_source] += p.cost * p.match_share;
                    } else {
                        acc[p.region * nm + SPEND + p.source] += p.cost;
                    }
                }
                acc[p.region * nm + post_years] += 1.0 / 12.0;
            }
            // (5) legal aid: exit shocks, exits, entries.
            while exit_cursor < exits.len() && exits[exit_cursor].0 == m {
                // Each region's removals come from a stream of this shock
                // arrival and region, so a shock leaves the region's own
                // legal-aid draws as they were.
                let (_, share, hit, id) = exits[exit_cursor];
                for &r in hit {
                    let mut rng = streams.stream(Kind::Shock, id.child(self.regions[r].stream.0));
                    let gone = binomial(&mut rng, providers[r], share);
                    providers[r] -= gone;
                }
                exit_cursor += 1;
            }
            for r in 0..nr {
                let rng = &mut legal_aid_rng[r];
                let n = providers[r];
                let p = exit_monthly[r];
                let gone = if p > 0.0 && p < 1.0 && (n as f64) * p < 10.0 && n < 1000 {
                    if exit_cache[r].0 != n {
                        exit_cache[r] = (n, (1.0 - p).powi(n as i32));
                    }
                    binomial_by_inversion(rng, n, p, exit_cache[r].1)
                } else {
                    binomial(rng, n, p)
                };
                providers[r] -= gone;
                providers[r] += if entry_monthly[r] < 30.0 {
                    poisson_by_inversion(rng, entry_monthly[r], entry_p0[r])
                } else {
                    poisson(rng, entry_monthly[r])
                };
            }
            // (6) cases: capacity, service, abandonment.
            for r in 0..nr {
                let new_cases =
                    poisson(&mut arrivals_rng[r], base_mean[r * self.years + y] + extra[r * months + m]) as f64;
                let capacity = other_capacity[r] + providers[r] as f64 * cases_per_provider[r] + post_capacity[r];
                let start_backlog = backlog[r];
                let queue = start_backlog + new_cases;
                let served = queue.min(capacity);
                let abandoned = (queue - served) * abandon[r];
                backlog[r] = queue - served - abandoned;
                recent_abandoned[r * 12 + m % 12] = abandoned;
                let a = &mut acc[r * nm..(r + 1) * nm];
                a[DEMAND] += new_cases;
                a[SERVED] += served;
                a[ABANDONED] += abandoned;
                a[CAPACITY] += capacity;
                if let Some(t) = trace.as_deref_mut() {
                    let (funded, filled) = count_posts(&posts, r);
                    t.push(MonthRow {
                        month: m,
                        region: r,
                        backlog_start: start_backlog,
                        demand: new_cases,
                        served,
                        abandoned,
                        backlog_end: backlog[r],
                        capacity,
                        providers: providers[r],
                        posts_funded: funded,
                        posts_filled: filled,
                        posts_lost: lost[r],
                    });
                }
            }
            // (7) spend is in `acc`; at the year's end, the stocks, and the
            // year's figures go into the record (regions, then the total).
            if m % 12 == 11 || m + 1 == months {
                for p in &posts {
                    if !matches!(p.staff, Staff::Lost | Staff::Pending) {
                        acc[p.region * nm + POSTS_FUNDED] += 1.0;
                        acc[p.region * nm + SPEND + self.n_sources + p.source] += 1.0;
                        if matches!(p.staff, Staff::Filled { .. }) {
                            acc[p.region * nm + POSTS_FILLED] += 1.0;
                        }
                    }
                }
                let total = self.index(nr, y, 0);
                for r in 0..nr {
                    let a = &mut acc[r * nm..(r + 1) * nm];
                    a[BACKLOG_END] = backlog[r];
                    a[PROVIDERS] = providers[r] as f64;
                    a[POSTS_LOST] = f64::from(lost[r]);
                    for s in &mut a[SPEND..SPEND + self.n_sources] {
                        *s *= cost_factor / 12.0;
                    }
                    let base = self.index(r, y, 0);
                    out.values[base..base + nm].copy_from_slice(a);
                    for (t, x) in out.values[total..total + nm].iter_mut().zip(a.iter()) {
                        *t += *x;
                    }
                }
                acc.iter_mut().for_each(|x| *x = 0.0);
            }
        }
        debug_assert!(SPEND + 2 * self.n_sources + 1 == nm);

        // Post survival after the first term end (§8).
        for (slot, (k, _)) in self.survival_offsets.iter().enumerate() {
            let mut funded = 0usize;
            for p in &posts {
                let Some(first_end) = p.first_end else { continue };
                if first_end < 0 || first_end as usize + k >= months {
                    continue;
                }
                if p.lost_month > first_end + *k as i32 {
                    funded += 1;
                }
            }
            // A count: the driver divides by the eligible posts, so the
            // statistics of whole numbers (exact quantiles) carry over.
            out.survival[slot] = funded as f64;
        }
    }
}

fn count_posts(posts: &[Post], region: usize) -> (u32, u32) {
    let mut funded = 0;
    let mut filled = 0;
    for p in posts.iter().filter(|p| p.region == region) {
        if !matches!(p.staff, Staff::Lost | Staff::Pending) {
            funded += 1;
            if matches!(p.staff, Staff::Filled { .. }) {
                filled += 1;
            }
        }
    }
    (funded, filled)
}

/// Adds a demand shock of `cases` in its first 12 months from `start`
/// (model.md §4): `a·2^(−k/h)` in month k, or `cases/12` a month when level.
fn add_shock(
    extra: &mut [f64],
    months: usize,
    start: i32,
    cases: f64,
    half_life: Option<u32>,
    weights: &[(usize, f64)],
) {
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
    for m in first as usize..months {
        for &(r, w) in weights {
            extra[r * months + m] += amount * w;
        }
        amount *= ratio;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_probability_compounds_back_to_the_annual_one() {
        for p in [0.0, 0.05, 0.2, 0.9] {
            let q = monthly_probability(p);
            assert!((1.0 - (1.0 - q).powi(12) - p).abs() < 1e-12);
        }
        assert_eq!(monthly_probability(1.0), 1.0);
    }

    #[test]
    fn decaying_shock_adds_exactly_its_cases_in_the_first_twelve_months() {
        let mut extra = vec![0.0; 24];
        add_shock(&mut extra, 24, 0, 6000.0, Some(18), &[(0, 1.0)]);
        let first: f64 = extra[..12].iter().sum();
        assert!((first - 6000.0).abs() < 1e-9, "{first}");
        assert!(extra[12] < extra[11]);
        let mut level = vec![0.0; 24];
        add_shock(&mut level, 24, 3, 1200.0, None, &[(0, 1.0)]);
        assert_eq!(level[2], 0.0);
        assert!(level[3..].iter().all(|x| (x - 100.0).abs() < 1e-12));
    }

    /// Poisson and binomial samplers against their means, within 4 standard
    /// errors.
    #[test]
    fn samplers_match_their_means() {
        use rand::SeedableRng;
        let mut rng = StreamRng::seed_from_u64(3);
        let n = 50_000;
        for mean in [0.04, 2.5, 29.0, 750.0] {
            let total: u64 = (0..n).map(|_| poisson(&mut rng, mean)).sum();
            let se = (mean / n as f64).sqrt();
            assert!((total as f64 / n as f64 - mean).abs() < 4.0 * se, "poisson {mean}");
        }
        let (trials, p) = (40u64, 0.1);
        let total: u64 = (0..n).map(|_| binomial(&mut rng, trials, p)).sum();
        let se = (trials as f64 * p * (1.0 - p) / n as f64).sqrt();
        assert!((total as f64 / n as f64 - 4.0).abs() < 4.0 * se);
        // Geometric waiting time: mean (1 − q)/q.
        let q = 0.05;
        let total: i64 = (0..n).map(|_| i64::from(months_until_leaving(&mut rng, q))).sum();
        let sd = ((1.0 - q) / (q * q)).sqrt();
        assert!((total as f64 / n as f64 - (1.0 - q) / q).abs() < 4.0 * sd / (n as f64).sqrt());
    }
}
