//! One run, month by month (model.md §5).
//!
//! A [`Run`] holds the model's stocks (regions, legal aid, posts and their
//! calendar) and the run's drawn values, in buffers kept from one run to the
//! next. [`Run::simulate`] draws the run's values ([`super::start`]), then
//! calls [`Run::month`] for every month: one method per step of the month,
//! in the order of model.md §5.

use std::ops::Range;

use super::draws::{Geometric, Vacancy};
use super::plan::Plan;
use super::posts::{Post, PostStreams, Posts, Staff, NO_LEDGER};
use super::regions::Region;
use super::rounds::posts_by_region;
use super::shocks::Shocks;
use super::{MonthRow, RecordMut};
use super::{
    ABANDONED, BACKLOG_END, CAPACITY, DEMAND, POSTS_FILLED, POSTS_FUNDED, POSTS_LOST, PROVIDERS, SERVED, SPEND,
};
use crate::rng::{Kind, RunStreams, StreamRng};
use crate::scenario::{Allocation, ShockKind};

/// Post values of one run: the `[posts]` values, or a grant's own.
#[derive(Debug, Clone, Copy)]
pub(super) struct PostDraw {
    pub annual_cost: f64,
    pub cases_per_year: f64,
    pub ramp_start: f64,
    pub turnover_monthly: f64,
}

/// A successor as drawn for this run (changes may replace its probability
/// and term).
#[derive(Debug, Clone, Copy)]
pub(super) struct Successor {
    pub spend_source: usize,
    pub probability: f64,
    pub term: i32,
    /// A local-authority successor also needs room in the region's budget.
    pub needs_budget: bool,
    /// A same_funder or other_funder successor draws on a funder's ledger:
    /// the post's own funder's, or other_funder's.
    pub ledger: Ledger,
}

/// Whose `[[funders]]` ledger a successor draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ledger {
    None,
    /// The funder that created the post (same_funder).
    PostsFunder,
    /// A spend source (other_funder).
    Source(usize),
}

/// A change that happens in this run, with its drawn values (monthly rates
/// where the model uses them monthly).
#[derive(Debug, Clone)]
pub(super) struct ChangeDraw {
    /// Month it takes effect (0 for a change dated before the start).
    pub at: i32,
    /// Index of the change in the plan.
    pub change: usize,
    pub la_budget: Option<f64>,
    pub la_match: Option<f64>,
    pub exit_monthly: Option<f64>,
    pub entry_monthly: Option<f64>,
    pub cases_per_provider_monthly: Option<f64>,
    pub turnover_monthly: Option<f64>,
    pub demand_scale: Option<f64>,
    /// Its successor changes, in [`Run::successor_changes`].
    pub successors: Range<usize>,
}

/// A change with `influence`, not yet decided: its uniform and its chance
/// without influencing work, drawn at the start of the run.
#[derive(Debug, Clone, Copy)]
pub(super) struct PendingChange {
    pub change: usize,
    pub at: i32,
    pub u: f64,
    pub base: f64,
}

/// A change to one successor, as drawn.
#[derive(Debug, Clone, Copy)]
pub(super) struct SuccessorChange {
    pub index: usize,
    pub probability: Option<f64>,
    pub term: Option<i32>,
}

/// Buffers for drawing the demand multipliers (model.md §4).
#[derive(Debug, Default)]
pub(super) struct DemandScratch {
    pub log_g: Vec<f64>,
    /// The noise term `σ·z(y)` of each region-year.
    pub steps: Vec<f64>,
    pub growth: Vec<f64>,
    pub sigma: Vec<f64>,
    pub noise: Vec<StreamRng>,
    pub z: Vec<f64>,
    pub by_date: Vec<usize>,
    pub demand: Vec<f64>,
    /// The regions whose new cases no change alters.
    pub plain: Vec<usize>,
    /// Four such regions' monthly means and new cases, month by month.
    pub means_x4: Vec<[f64; 4]>,
    pub counts_x4: Vec<[f64; 4]>,
}

/// One run of a [`Plan`]: its stocks and drawn values. Make one and call
/// [`Run::simulate`] for each run; its buffers are reused.
pub struct Run<'p> {
    pub(super) plan: &'p Plan,
    pub(super) streams: RunStreams,
    pub(super) wage_growth: f64,
    /// The `[posts]` values, which posts of rounds use.
    pub(super) shared: PostDraw,
    pub(super) successors: Vec<Successor>,
    /// The changes that happen in this run, in file order.
    pub(super) changes: Vec<ChangeDraw>,
    /// The changes with `influence` not yet decided, in file order.
    pub(super) pending: Vec<PendingChange>,
    /// A region's arrival stream at the month of an undecided change that
    /// alters its demand: (region, month, state).
    pub(super) snapshots: Vec<(usize, usize, StreamRng)>,
    pub(super) successor_changes: Vec<SuccessorChange>,
    pub(super) regions: Vec<Region>,
    /// By spend source: its renewal budget this run (£ a year, infinite
    /// without one) and the annual costs (start-year) of the terms it holds.
    pub(super) ledger_budget: Vec<f64>,
    pub(super) ledger_committed: Vec<f64>,
    /// Mean new cases a month by region-year (`r * years + y`), before shocks.
    pub(super) demand_mean: Vec<f64>,
    /// New cases by month and region (`m * n_regions + r`).
    pub(super) new_cases: Vec<f64>,
    pub(super) shocks: Shocks,
    pub(super) posts: Posts,
    /// Each grant's posts.
    pub(super) grant_posts: Vec<Range<usize>>,
    /// The next grant to open, in [`Plan::grants_by_start`].
    pub(super) next_grant: usize,
    /// Vacancy-length values by owner (grants, then rounds); a change may
    /// replace them.
    pub(super) vacancy_values: Vec<&'p Vacancy>,
    /// Monthly turnover of posts that rounds create.
    pub(super) round_turnover: f64,
    /// This year's wage factor, `(1 + wage_growth)^y`.
    pub(super) cost_factor: f64,
    /// This year's figures by region (`r * n_metrics + metric`); spend is in
    /// start-year costs until the year ends.
    pub(super) year: Vec<f64>,
    pub(super) demand_scratch: DemandScratch,
    /// Scratch: posts whose term ends this month; a round's weights, prices
    /// and posts by region.
    ending: Vec<u32>,
    weights: Vec<f64>,
    prices: Vec<f64>,
    bought: Vec<u32>,
}

impl<'p> Run<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        Self {
            plan,
            streams: RunStreams::new(0, 0),
            wage_growth: 0.0,
            shared: PostDraw { annual_cost: 0.0, cases_per_year: 0.0, ramp_start: 0.0, turnover_monthly: 0.0 },
            successors: Vec::new(),
            changes: Vec::new(),
            pending: Vec::new(),
            snapshots: Vec::new(),
            successor_changes: Vec::new(),
            regions: Vec::new(),
            ledger_budget: Vec::new(),
            ledger_committed: Vec::new(),
            demand_mean: Vec::new(),
            new_cases: Vec::new(),
            shocks: Shocks::default(),
            posts: Posts::default(),
            grant_posts: Vec::new(),
            next_grant: 0,
            vacancy_values: Vec::new(),
            round_turnover: 0.0,
            cost_factor: 1.0,
            year: Vec::new(),
            demand_scratch: DemandScratch::default(),
            ending: Vec::new(),
            weights: Vec::new(),
            prices: Vec::new(),
            bought: Vec::new(),
        }
    }

    /// Simulates run `run` of `seed` into `out` (every value of it is
    /// written); with `trace`, also records every region-month.
    pub fn simulate(&mut self, seed: u64, run: u64, mut out: RecordMut<'_>, mut trace: Option<&mut Vec<MonthRow>>) {
        self.start(seed, run);
        for m in 0..self.plan.months {
            self.month(m, trace.as_deref_mut());
            if m % 12 == 11 {
                self.close_year(m / 12, &mut out);
            }
        }
        self.count_survivors(&mut out);
        self.plan.fill_horizon(out.values);
    }

    /// One month, in the order of model.md §5.
    fn month(&mut self, m: usize, trace: Option<&mut Vec<MonthRow>>) {
        let mi = m as i32;
        if m > 0 && m.is_multiple_of(12) {
            self.cost_factor *= 1.0 + self.wage_growth;
        }
        self.apply_changes(mi);
        self.create_posts(mi);
        self.end_terms(mi);
        self.staff_posts(mi);
        self.legal_aid(m);
        self.serve_cases(m, trace);
        self.charge_spend(m);
    }

    /// (1) Changes dated this month take effect (in the runs where they
    /// happen; a change with `influence` is decided now).
    fn apply_changes(&mut self, m: i32) {
        if !self.pending.is_empty() {
            self.decide_influenced(m);
        }
        for c in self.changes.iter().filter(|c| c.at == m) {
            let plan = &self.plan.changes[c.change];
            for &r in &plan.regions {
                let region = &mut self.regions[r];
                if let Some(x) = c.la_budget {
                    region.la_budget = x;
                }
                if let Some(x) = c.la_match {
                    region.la_match = x;
                }
                if let Some(x) = c.exit_monthly {
                    region.legal_aid.set_exit(m, x);
                }
                if let Some(x) = c.entry_monthly {
                    region.legal_aid.set_entry(m, x);
                }
                if let Some(x) = c.cases_per_provider_monthly {
                    region.cases_per_provider = x;
                }
            }
            if let Some(q) = c.turnover_monthly {
                self.round_turnover = q;
                self.posts.change_turnover(m, q);
            }
            if let Some(v) = &plan.vacancy_months {
                self.vacancy_values.iter_mut().for_each(|x| *x = v);
            }
            for sc in &self.successor_changes[c.successors.clone()] {
                let s = &mut self.successors[sc.index];
                s.probability = sc.probability.unwrap_or(s.probability);
                s.term = sc.term.unwrap_or(s.term);
            }
        }
    }

    /// The changes with `influence` dated this month: each happens when its
    /// uniform is below `p = base + (max − base) · E / (E + half_at)`, with
    /// `E` the post-years of filled influencing posts in its regions paid
    /// by its funders over the months before this one. One that alters
    /// demand redraws its regions' new cases from this month on (from the
    /// arrival stream's state kept for this month, so the draws are those
    /// of a month-by-month loop).
    fn decide_influenced(&mut self, m: i32) {
        let plan = self.plan;
        let mut k = 0;
        while k < self.pending.len() {
            let pc = self.pending[k];
            if pc.at != m {
                k += 1;
                continue;
            }
            self.pending.remove(k);
            let change = &plan.changes[pc.change];
            let Some(inf) = &change.influence else { continue };
            let e = self.posts.influence_post_years(m, &inf.regions, inf.sources.as_deref());
            let (max, half_at) = (inf.max.draw(&self.streams).max(pc.base), inf.half_at.draw(&self.streams));
            let p = if e > 0.0 { pc.base + (max - pc.base) * e / (e + half_at) } else { pc.base };
            if !(pc.u < p) {
                continue;
            }
            self.push_change(pc.change);
            if change.touches_demand() {
                self.demand_means();
                for &r in &change.regions {
                    let state = self.snapshots.iter().find(|(sr, sm, _)| *sr == r && *sm == m as usize);
                    if let Some((_, _, rng)) = state {
                        let rng = rng.clone();
                        self.draw_cases_from(r, m as usize, rng);
                    }
                }
            }
        }
    }

    /// (2) Grants, then rounds, starting this month create vacant posts.
    fn create_posts(&mut self, m: i32) {
        let plan = self.plan;
        while let Some(&g) = plan.grants_by_start.get(self.next_grant) {
            if plan.grants[g].start > m {
                break;
            }
            if plan.grants[g].start == m {
                for i in self.grant_posts[g].clone() {
                    self.posts.open(i, m, self.vacancy_values[g]);
                }
            }
            self.next_grant += 1;
        }
        for ri in 0..plan.rounds.len() {
            if plan.rounds[ri].start == m {
                self.open_round(ri, m);
            }
        }
    }

    /// A round's budget, split between regions by its allocation, buys
    /// vacant posts; the funder pays `1 − match` of each post's cost over
    /// the term, priced at this year's cost.
    fn open_round(&mut self, ri: usize, m: i32) {
        let (plan, round) = (self.plan, &self.plan.rounds[ri]);
        let budget = round.budget.draw(&self.streams);
        let advice_share = round.advice_share.draw(&self.streams);
        self.weights.clear();
        match &round.allocation {
            Allocation::Shares(shares) => {
                self.weights.resize(plan.n_regions, 0.0);
                shares.iter().for_each(|&(r, x)| self.weights[r] = x);
            }
            Allocation::Unmet => {
                self.weights.extend(self.regions.iter().map(Region::abandoned_last_year));
                if !(self.weights.iter().sum::<f64>() > 0.0) {
                    self.weights.clear();
                    self.weights.extend(self.regions.iter().map(|r| r.demand));
                }
            }
        }
        let (shared, cost_factor) = (self.shared, self.cost_factor);
        self.prices.clear();
        self.prices.extend(
            self.regions
                .iter()
                .map(|r| (1.0 - r.la_match) * shared.annual_cost * cost_factor * f64::from(round.term) / 12.0),
        );
        posts_by_region(budget, &self.weights, &self.prices, &mut self.bought);
        let owner = plan.grants.len() + ri;
        let ramp_step =
            if plan.ramp_months == 0 { f64::INFINITY } else { (1.0 - shared.ramp_start) / f64::from(plan.ramp_months) };
        for r in 0..plan.n_regions {
            let n = self.bought[r];
            let n_advice = (n as f64 * advice_share).round() as u32;
            for k in 0..n {
                let id = round.region_streams[r].child(u64::from(k));
                let post = Post {
                    region: r,
                    source: round.funder_source,
                    funder: round.funder_source,
                    ledger: NO_LEDGER,
                    staff: Staff::Pending,
                    term_end: m + round.term,
                    la_funded: false,
                    match_share: self.regions[r].la_match,
                    cost: shared.annual_cost,
                    cases_month: if k < n_advice { shared.cases_per_year / 12.0 } else { 0.0 },
                    influencing: k >= n_advice,
                    ramp_start: shared.ramp_start,
                    ramp_step,
                    turnover: Geometric::new(self.round_turnover),
                    vacancy: owner,
                    first_end: None,
                    lost_month: i32::MAX,
                    charged_from: m,
                };
                let streams = PostStreams {
                    staffing: self.streams.stream(Kind::Staffing, id),
                    succession: self.streams.stream(Kind::Succession, id),
                };
                let i = self.posts.push(post, streams);
                self.posts.open(i, m, self.vacancy_values[owner]);
            }
        }
    }

    /// (3) Funding terms ending this month: every such post releases its
    /// local-authority share, then each, in creation order, tries its
    /// successors; a post no successor takes is lost.
    fn end_terms(&mut self, m: i32) {
        self.posts.term_ends(m, &mut self.ending);
        if self.ending.is_empty() {
            return;
        }
        for &i in &self.ending {
            self.posts.settle(i as usize, m);
            let p = &mut self.posts.all[i as usize];
            if p.la_funded {
                self.regions[p.region].la_committed -= p.cost;
                p.la_funded = false;
            }
            if p.ledger != NO_LEDGER {
                self.ledger_committed[p.ledger] -= p.cost;
                p.ledger = NO_LEDGER;
            }
            p.match_share = 0.0;
        }
        let mut any_lost = false;
        for k in 0..self.ending.len() {
            let i = self.ending[k] as usize;
            if !self.try_successors(i, m) {
                let r = self.posts.all[i].region;
                self.posts.lose(i, m);
                self.regions[r].lost += 1;
                any_lost = true;
            }
        }
        if any_lost {
            self.posts.drop_lost();
        }
    }

    /// Tries the successors in order for post `i`; returns whether one took
    /// it. A successor whose draw succeeds but whose budget has no room counts
    /// as a failure. The budget test uses this year's costs.
    fn try_successors(&mut self, i: usize, m: i32) -> bool {
        for s in &self.successors {
            if !(self.posts.succession_draw(i) < s.probability) {
                continue;
            }
            let p = &mut self.posts.all[i];
            let ledger = match s.ledger {
                Ledger::None => None,
                Ledger::PostsFunder => Some(p.funder),
                Ledger::Source(f) => Some(f),
            };
            if let Some(plan) = ledger.and_then(|f| self.plan.ledgers[f].as_ref().map(|l| (f, l))) {
                let (f, l) = plan;
                // After its last month a funder renews nothing; its renewal
                // budget is tested as a local authority's is.
                if m > l.until {
                    continue;
                }
                let need = (self.ledger_committed[f] + p.cost) * self.cost_factor;
                if need > self.ledger_budget[f] * (1.0 + 1e-12) + 1e-9 {
                    continue;
                }
                self.ledger_committed[f] += p.cost;
                p.ledger = f;
            }
            if s.needs_budget {
                let region = &mut self.regions[p.region];
                let need = (region.la_committed + p.cost) * self.cost_factor;
                if need > region.la_budget * (1.0 + 1e-12) + 1e-9 {
                    continue;
                }
                region.la_committed += p.cost;
                p.la_funded = true;
            }
            self.posts.renew(i, m, s.spend_source, m + s.term);
            return true;
        }
        false
    }

    /// (4) Staffing: each filled post's holder may leave; each vacant post
    /// whose vacancy has run out is filled (only the posts with an event this
    /// month are visited).
    fn staff_posts(&mut self, m: i32) {
        self.posts.staff(m, &self.vacancy_values);
    }

    /// (5) Legal aid: exit shocks, then each region's exits and entries.
    fn legal_aid(&mut self, m: usize) {
        for e in self.shocks.exits_in(m) {
            let ShockKind::LegalAidExit { regions, .. } = &self.plan.shocks[e.shock].kind else { continue };
            for &r in regions {
                // Each region's removals come from a stream of this shock
                // arrival and region, so a shock leaves the region's own
                // legal-aid draws as they were.
                let id = e.stream.child(self.plan.regions[r].stream.0);
                self.regions[r].legal_aid.shock(e.share, &mut self.streams.stream(Kind::Shock, id));
            }
        }
        for region in &mut self.regions {
            region.legal_aid.month(m as i32);
        }
    }

    /// (6) New cases arrive; capacity (other advice, legal aid, the filled
    /// advice posts at their productivity) serves the queue; a share of the
    /// rest gives up.
    fn serve_cases(&mut self, m: usize, mut trace: Option<&mut Vec<MonthRow>>) {
        let (nm, nr) = (self.plan.n_metrics, self.plan.n_regions);
        let new_cases = &self.new_cases[m * nr..(m + 1) * nr];
        let rows = self.year.chunks_exact_mut(nm);
        for (r, ((region, a), &demand)) in self.regions.iter_mut().zip(rows).zip(new_cases).enumerate() {
            region.post_capacity = self.posts.capacity(r, m as i32);
            let s = region.serve(m, demand);
            a[DEMAND] += s.demand;
            a[SERVED] += s.served;
            a[ABANDONED] += s.abandoned;
            a[CAPACITY] += s.capacity;
            if let Some(t) = trace.as_deref_mut() {
                let (posts_funded, posts_filled) = self.posts.count(r);
                t.push(MonthRow {
                    month: m,
                    region: r,
                    backlog_start: s.backlog_start,
                    demand: s.demand,
                    served: s.served,
                    abandoned: s.abandoned,
                    backlog_end: region.backlog,
                    capacity: s.capacity,
                    providers: region.legal_aid.providers(),
                    posts_funded,
                    posts_filled,
                    posts_lost: region.lost,
                });
            }
        }
    }

    /// (7) Spend: every funded, filled post charges its cost to its current
    /// source each month (the local authorities' match share to them), and
    /// every funded post counts a month of post-years. A post charges the
    /// months since its last event whenever its state changes
    /// ([`Posts::settle`]), so only the year's last month has work: every
    /// post settles, and the year's spend (in start-year costs) and
    /// post-years go into the year's figures.
    fn charge_spend(&mut self, m: usize) {
        if m % 12 != 11 {
            return;
        }
        let (nm, ns, post_years) = (self.plan.n_metrics, self.plan.n_sources, self.plan.post_years_metric());
        let year = &mut self.year;
        self.posts.close_year(m as i32 + 1, |r, posts| {
            let row = &mut year[r * nm..(r + 1) * nm];
            row[SPEND..SPEND + ns].copy_from_slice(posts.spend);
            row[post_years] = posts.post_years;
        });
    }

    /// At the end of model year `y`: the stocks, spend at this year's
    /// costs, and the year's figures into the record (regions, then their
    /// total).
    fn close_year(&mut self, y: usize, out: &mut RecordMut<'_>) {
        let (plan, nm, ns) = (self.plan, self.plan.n_metrics, self.plan.n_sources);
        let gap = plan.gap_metric();
        let scale = self.cost_factor / 12.0;
        // The total's row follows every region's.
        let (rows, total) = out.values.split_at_mut(plan.index(plan.n_regions, y, 0));
        let total = &mut total[..nm];
        total.fill(0.0);
        for (r, (region, a)) in self.regions.iter().zip(self.year.chunks_exact_mut(nm)).enumerate() {
            for p in self.posts.live_in(r) {
                a[POSTS_FUNDED] += 1.0;
                a[SPEND + ns + p.source] += 1.0;
                if p.is_filled() {
                    a[POSTS_FILLED] += 1.0;
                }
            }
            a[BACKLOG_END] = region.backlog;
            a[PROVIDERS] = region.legal_aid.providers_f64();
            a[POSTS_LOST] = f64::from(region.lost);
            a[gap] = a[DEMAND] - a[CAPACITY];
            a[SPEND..SPEND + ns].iter_mut().for_each(|s| *s *= scale);
            let base = plan.index(r, y, 0);
            rows[base..base + nm].copy_from_slice(a);
            total.iter_mut().zip(a.iter()).for_each(|(t, x)| *t += *x);
        }
        self.year.fill(0.0);
    }

    /// Post survival after the first term end (model.md §8): for each
    /// offset, the grant posts still funded then. A count: the driver divides
    /// by the eligible posts, so the statistics of whole numbers (exact
    /// quantiles) carry over.
    fn count_survivors(&self, out: &mut RecordMut<'_>) {
        let months = self.plan.months;
        for (slot, &(k, _)) in self.plan.survival_offsets.iter().enumerate() {
            let funded = self
                .posts
                .all
                .iter()
                .filter(|p| {
                    p.first_end
                        .is_some_and(|end| end >= 0 && end as usize + k < months && p.lost_month > end + k as i32)
                })
                .count();
            out.survival[slot] = funded as f64;
        }
    }
}
