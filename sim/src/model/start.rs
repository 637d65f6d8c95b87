//! The start of a run: the values drawn once per run (model.md §2), which
//! dated changes happen, the demand multipliers (§4), the shocks, and the
//! posts of `[[grants]]` (§5). Every value draws from its own keyed stream,
//! so the order of these draws changes nothing.

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

use super::draws::{monthly_probability, poisson_count, Geometric};
use super::draws_x4::poisson_counts_x4;
use super::posts::{Post, PostStreams, Staff, NO_LEDGER};
use super::regions::Region;
use super::run::{ChangeDraw, Ledger, PendingChange, PostDraw, Run, Successor, SuccessorChange};
use crate::rng::{Kind, RunStreams, StreamId, StreamRng};
use crate::scenario::SuccessorSource;

impl Run<'_> {
    /// Draws run `run` of `seed` and resets every stock to the start.
    pub(super) fn start(&mut self, seed: u64, run: u64) {
        let plan = self.plan;
        self.streams = RunStreams::new(seed, run);
        let streams = &self.streams;
        self.wage_growth = plan.wage_growth.draw(streams);
        self.shared = PostDraw {
            annual_cost: plan.annual_cost.draw(streams),
            cases_per_year: plan.cases_per_year.draw(streams),
            ramp_start: plan.ramp_start.draw(streams),
            turnover_monthly: monthly_probability(plan.turnover.draw(streams)),
        };
        self.successors.clear();
        self.successors.extend(plan.successors.iter().map(|s| Successor {
            spend_source: s.spend_source,
            probability: s.probability.draw(streams),
            term: s.term,
            needs_budget: s.source == SuccessorSource::LocalAuthority,
            ledger: match s.source {
                SuccessorSource::SameFunder => Ledger::PostsFunder,
                SuccessorSource::OtherFunder => Ledger::Source(plan.other_funder_source),
                _ => Ledger::None,
            },
        }));
        self.ledger_budget.clear();
        self.ledger_budget.extend(
            plan.ledgers
                .iter()
                .map(|l| l.as_ref().and_then(|l| l.budget.as_ref()).map_or(f64::INFINITY, |b| b.draw(streams))),
        );
        self.ledger_committed.clear();
        self.ledger_committed.resize(plan.ledgers.len(), 0.0);
        self.regions.resize_with(plan.n_regions, || Region::new(streams.stream(Kind::LegalAid, StreamId(0))));
        for (region, r) in self.regions.iter_mut().zip(&plan.regions) {
            region.demand = r.demand.draw(streams);
            region.abandon = r.abandon.draw(streams);
            region.other_capacity = r.other_capacity.draw(streams) / 12.0;
            region.cases_per_provider = r.cases_per_provider.draw(streams) / 12.0;
            region.la_budget = r.la_budget.draw(streams);
            region.la_match = r.la_match.draw(streams);
            region.la_committed = 0.0;
            region.legal_aid.reset(
                r.providers,
                monthly_probability(r.exit_rate.draw(streams)),
                r.entry_rate.draw(streams) / 12.0,
                streams.stream(Kind::LegalAid, r.stream),
                plan.months as i32,
            );
            region.backlog = r.backlog;
            region.lost = 0;
            region.recent_abandoned = [0.0; 12];
            region.post_capacity = 0.0;
        }
        self.draw_changes();
        self.draw_demand();
        self.demand_scratch.demand.clear();
        self.demand_scratch.demand.extend(self.regions.iter().map(|r| r.demand));
        self.shocks.draw(plan, &self.streams, &self.demand_scratch.demand);
        self.draw_new_cases();
        self.create_grant_posts();
        self.next_grant = 0;
        self.vacancy_values.clear();
        self.vacancy_values.extend(
            plan.grants.iter().map(|g| &g.vacancy_months).chain(plan.rounds.iter().map(|_| &plan.vacancy_months)),
        );
        self.round_turnover = self.shared.turnover_monthly;
        self.cost_factor = 1.0;
        self.year.clear();
        self.year.resize(plan.n_regions * plan.n_metrics, 0.0);
    }

    /// Dated changes (model.md §3): whether each happens is drawn once per
    /// run from its own stream; its new values are drawn once per run. A
    /// change with `influence` is decided in its month
    /// ([`Run::decide_influenced`]), against the same uniform.
    fn draw_changes(&mut self) {
        let plan = self.plan;
        self.changes.clear();
        self.successor_changes.clear();
        self.pending.clear();
        for (i, c) in plan.changes.iter().enumerate() {
            if !((c.start as usize) < plan.months || c.start < 0) {
                continue;
            }
            let streams = &self.streams;
            let u = streams.stream(Kind::Change, c.stream).random::<f64>();
            let base = c.probability.draw(streams);
            if c.influence.is_some() {
                self.pending.push(PendingChange { change: i, at: c.start.max(0), u, base });
            } else if u < base {
                self.push_change(i);
            }
        }
    }

    /// Change `i` happens in this run: its values drawn, in file order
    /// among the changes of the run.
    pub(super) fn push_change(&mut self, i: usize) {
        let (c, streams) = (&self.plan.changes[i], &self.streams);
        let first = self.successor_changes.len();
        self.successor_changes.extend(c.successors.iter().map(|s| SuccessorChange {
            index: s.index,
            probability: s.probability.as_ref().map(|p| p.draw(streams)),
            term: s.term,
        }));
        let draw = ChangeDraw {
            at: c.start.max(0),
            change: i,
            la_budget: c.la_budget.as_ref().map(|p| p.draw(streams)),
            la_match: c.la_match.as_ref().map(|p| p.draw(streams)),
            exit_monthly: c.exit_rate.as_ref().map(|p| monthly_probability(p.draw(streams))),
            entry_monthly: c.entry_rate.as_ref().map(|p| p.draw(streams) / 12.0),
            cases_per_provider_monthly: c.cases_per_provider.as_ref().map(|p| p.draw(streams) / 12.0),
            turnover_monthly: c.turnover.as_ref().map(|p| monthly_probability(p.draw(streams))),
            demand_scale: c.demand_scale.as_ref().map(|p| p.draw(streams)),
            successors: first..self.successor_changes.len(),
        };
        let at = self.changes.partition_point(|d| d.change < i);
        self.changes.insert(at, draw);
    }

    /// Demand multipliers (model.md §4): `ln G(y) = ln G(y−1) + g + σ·z(y)`
    /// with correlated annual noise. The noise terms `σ·z(y)` are drawn here
    /// once; the means follow from them and the changes that happen
    /// ([`Run::demand_means`]).
    fn draw_demand(&mut self) {
        let (plan, streams) = (self.plan, &self.streams);
        let (nr, years) = (plan.n_regions, plan.years);
        let d = &mut self.demand_scratch;
        d.steps.clear();
        d.steps.resize(nr * years, 0.0);
        d.sigma.clear();
        d.sigma.extend(plan.regions.iter().map(|r| r.volatility.draw(streams)));
        d.noise.clear();
        d.noise.extend(plan.regions.iter().map(|r| streams.stream(Kind::DemandNoise, r.stream)));
        d.z.clear();
        d.z.resize(nr, 0.0);
        for y in 1..years {
            for (e, rng) in d.z.iter_mut().zip(&mut d.noise) {
                *e = StandardNormal.sample(rng);
            }
            for r in 0..nr {
                let z = match &plan.factor {
                    Some(l) => (0..=r).map(|k| l[r * nr + k] * d.z[k]).sum::<f64>(),
                    None => d.z[r],
                };
                d.steps[r * years + y] = d.sigma[r] * z;
            }
        }
        self.demand_means();
    }

    /// The mean new cases a month of each region-year, before shocks, from
    /// the noise terms and the growth of each region-year: a change of growth
    /// applies to the years that start at or after it, a later change winning
    /// (file order within a month).
    pub(super) fn demand_means(&mut self) {
        let (plan, streams) = (self.plan, &self.streams);
        let years = plan.years;
        let d = &mut self.demand_scratch;
        d.growth.clear();
        for r in &plan.regions {
            let g = r.growth.draw(streams);
            d.growth.extend(std::iter::repeat_n(g, years));
        }
        d.by_date.clear();
        d.by_date.extend(0..self.changes.len());
        d.by_date.sort_by_key(|&c| self.changes[c].at);
        for &c in &d.by_date {
            let (draw, change) = (&self.changes[c], &plan.changes[self.changes[c].change]);
            if let Some(p) = &change.demand_growth {
                let g = p.draw(streams);
                for &r in &change.regions {
                    for y in (1..years).filter(|y| 12 * *y as i32 >= draw.at) {
                        d.growth[r * years + y] = g;
                    }
                }
            }
        }
        d.log_g.clear();
        d.log_g.resize(plan.n_regions * years, 0.0);
        for r in 0..plan.n_regions {
            for y in 1..years {
                let i = r * years + y;
                d.log_g[i] = d.log_g[i - 1] + d.growth[i] + d.steps[i];
            }
        }
        self.demand_mean.clear();
        self.demand_mean
            .extend(d.log_g.iter().enumerate().map(|(i, lg)| self.regions[i / years].demand / 12.0 * lg.exp()));
    }

    /// New cases, by month and region (model.md §4): Poisson with the mean
    /// of the region's demand multiplier (times any `demand_scale` from its
    /// month) and the month's shocks. Their means depend on nothing a month
    /// changes, save a change decided in its month, and each region draws
    /// from its own stream month by month, so drawing them all at the start
    /// (in one tight loop) gives the draws a month-by-month loop would; the
    /// stream's state is kept at the month of each undecided change that
    /// alters demand, to draw again from there if it happens.
    ///
    /// A region whose new cases no change alters (the usual case) is drawn
    /// with three others, month by month in step: their four streams are
    /// independent, so the processor overlaps one region's draw with the
    /// next instead of waiting on each stream in turn. The draws are those
    /// of [`Run::draw_cases_from`].
    fn draw_new_cases(&mut self) {
        let plan = self.plan;
        self.new_cases.clear();
        self.new_cases.resize(plan.n_regions * plan.months, 0.0);
        self.snapshots.clear();
        let mut plain = std::mem::take(&mut self.demand_scratch.plain);
        plain.clear();
        for (r, region) in plan.regions.iter().enumerate() {
            if self.demand_is_plain(r) {
                plain.push(r);
            } else {
                let rng = self.streams.stream(Kind::Arrivals, region.stream);
                self.draw_cases_from(r, 0, rng);
            }
        }
        let mut groups = plain.chunks_exact(4);
        for g in &mut groups {
            self.draw_plain_cases_x4([g[0], g[1], g[2], g[3]]);
        }
        for &r in groups.remainder() {
            self.draw_plain_cases([r]);
        }
        self.demand_scratch.plain = plain;
    }

    /// Whether no change that happens or may happen in this run alters
    /// region `r`'s new cases: [`Run::draw_cases_from`] would then use a
    /// scale of 1 and keep no stream state.
    fn demand_is_plain(&self, r: usize) -> bool {
        self.demand_scales(r).next().is_none() && self.pending_demand_months(r).next().is_none()
    }

    /// The changes that happen in this run and scale region `r`'s new
    /// cases: (month, factor), in file order.
    fn demand_scales(&self, r: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let changes = &self.plan.changes;
        self.changes
            .iter()
            .filter(move |c| changes[c.change].regions.contains(&r))
            .filter_map(|c| c.demand_scale.map(|x| (c.at as usize, x)))
    }

    /// The months of the undecided changes that would alter region `r`'s
    /// new cases, in file order.
    fn pending_demand_months(&self, r: usize) -> impl Iterator<Item = usize> + '_ {
        let changes = &self.plan.changes;
        self.pending
            .iter()
            .filter(move |p| changes[p.change].touches_demand() && changes[p.change].regions.contains(&r))
            .map(|p| p.at as usize)
    }

    /// [`Run::draw_cases_from`] from month 0 for regions `rs` that no change
    /// alters, in step: the same draws from the same streams.
    fn draw_plain_cases<const N: usize>(&mut self, rs: [usize; N]) {
        let (plan, nr, years) = (self.plan, self.plan.n_regions, self.plan.years);
        let mut rngs = rs.map(|r| self.streams.stream(Kind::Arrivals, plan.regions[r].stream));
        for m in 0..plan.months {
            let extra = self.shocks.extra_in(m);
            let out = &mut self.new_cases[m * nr..(m + 1) * nr];
            for (&r, rng) in rs.iter().zip(&mut rngs) {
                // `draw_cases_from`'s mean with a scale of 1, which is exact.
                out[r] = poisson_count(rng, self.demand_mean[r * years + m / 12] + extra[r]);
            }
        }
    }

    /// [`Run::draw_plain_cases`] of four regions, their draws taken together
    /// where the processor can ([`poisson_counts_x4`]: the same numbers).
    fn draw_plain_cases_x4(&mut self, rs: [usize; 4]) {
        let (plan, nr, years) = (self.plan, self.plan.n_regions, self.plan.years);
        let mut rngs = rs.map(|r| self.streams.stream(Kind::Arrivals, plan.regions[r].stream));
        let scratch = &mut self.demand_scratch;
        scratch.means_x4.clear();
        for m in 0..plan.months {
            let extra = self.shocks.extra_in(m);
            scratch.means_x4.push(rs.map(|r| self.demand_mean[r * years + m / 12] + extra[r]));
        }
        scratch.counts_x4.resize(plan.months, [0.0; 4]);
        poisson_counts_x4(&mut rngs, &scratch.means_x4, &mut scratch.counts_x4);
        for (m, counts) in scratch.counts_x4.iter().enumerate() {
            for (&r, &count) in rs.iter().zip(counts) {
                self.new_cases[m * nr + r] = count;
            }
        }
    }

    /// Draws region `r`'s new cases from month `from` on with `rng` (its
    /// arrival stream's state at `from`).
    pub(super) fn draw_cases_from(&mut self, r: usize, from: usize, mut rng: StreamRng) {
        let (plan, nr, years) = (self.plan, self.plan.n_regions, self.plan.years);
        // (month, factor) of the happened scale changes of this region, by date.
        let mut scales: Vec<(usize, f64)> = self.demand_scales(r).collect();
        scales.sort_by_key(|&(at, _)| at);
        let mut scale: f64 = scales.iter().take_while(|&&(at, _)| at <= from).map(|&(_, x)| x).product();
        let mut next_scale = scales.iter().position(|&(at, _)| at > from).unwrap_or(scales.len());
        let mut keep: Vec<usize> =
            self.pending_demand_months(r).filter(|&at| at > from || (from == 0 && at == 0)).collect();
        keep.sort_unstable();
        keep.dedup();
        let mut next_keep = 0;
        let means = &self.demand_mean[r * years..(r + 1) * years];
        for m in from..plan.months {
            while next_keep < keep.len() && keep[next_keep] == m {
                self.snapshots.retain(|(sr, sm, _)| !(*sr == r && *sm == m));
                self.snapshots.push((r, m, rng.clone()));
                next_keep += 1;
            }
            while next_scale < scales.len() && scales[next_scale].0 == m {
                scale *= scales[next_scale].1;
                next_scale += 1;
            }
            self.new_cases[m * nr + r] = poisson_count(&mut rng, means[m / 12] * scale + self.shocks.extra_in(m)[r]);
        }
    }

    /// The posts of `[[grants]]`, in file order, each grant's advice posts
    /// then its influencing posts. A grant that started before the start has
    /// its posts filled, their ramp counted from the grant's start; a later
    /// one's posts are pending until it starts.
    fn create_grant_posts(&mut self) {
        let (plan, streams) = (self.plan, &self.streams);
        self.posts.reset(plan.n_regions, plan.months, plan.n_sources, plan.la_source, plan.same_funder_source);
        self.grant_posts.clear();
        for (gi, g) in plan.grants.iter().enumerate() {
            let shared = self.shared;
            let d = PostDraw {
                annual_cost: g.annual_cost.as_ref().map_or(shared.annual_cost, |p| p.draw(streams)),
                cases_per_year: g.cases_per_year.as_ref().map_or(shared.cases_per_year, |p| p.draw(streams)),
                ramp_start: g.ramp_start.as_ref().map_or(shared.ramp_start, |p| p.draw(streams)),
                turnover_monthly: g
                    .turnover
                    .as_ref()
                    .map_or(shared.turnover_monthly, |p| monthly_probability(p.draw(streams))),
            };
            let ramp_step =
                if g.ramp_months == 0 { f64::INFINITY } else { (1.0 - d.ramp_start) / f64::from(g.ramp_months) };
            let turnover = Geometric::new(d.turnover_monthly);
            let first = self.posts.all.len();
            for j in 0..g.posts() {
                let id = g.stream.child(u64::from(j));
                let mut staffing = streams.stream(Kind::Staffing, id);
                let staff = if g.start < 0 {
                    let leaves_at = turnover.months(&mut staffing);
                    Staff::Filled { hired: g.start, leaves_at }
                } else {
                    Staff::Pending
                };
                let post = Post {
                    region: g.region,
                    source: g.funder_source,
                    funder: g.funder_source,
                    ledger: NO_LEDGER,
                    staff,
                    term_end: g.first_end(),
                    la_funded: false,
                    match_share: 0.0,
                    cost: d.annual_cost,
                    cases_month: if j < g.advice { d.cases_per_year / 12.0 } else { 0.0 },
                    influencing: j >= g.advice,
                    ramp_start: d.ramp_start,
                    ramp_step,
                    turnover,
                    vacancy: gi,
                    first_end: Some(g.first_end()),
                    lost_month: i32::MAX,
                    charged_from: 0,
                };
                self.posts.push(post, PostStreams { staffing, succession: streams.stream(Kind::Succession, id) });
            }
            self.grant_posts.push(first..self.posts.all.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Plan;
    use std::path::Path;

    /// New cases drawn four regions at a time in step are, bit for bit, the
    /// draws of each region's own month-by-month loop (`draw_cases_from`),
    /// for the baseline's twelve regions (three groups of four) and the
    /// backtest's ten (two groups and two regions alone), over many runs.
    #[test]
    fn regions_drawn_in_step_draw_what_each_region_draws_alone() {
        for file in ["uk-baseline.toml", "backtest-2020.toml"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios").join(file);
            let scenario = crate::load(&path).unwrap_or_else(|e| panic!("{e}"));
            let plan = Plan::new(&scenario);
            let mut run = Run::new(&plan);
            for r in 0..25 {
                run.start(7, r);
                assert_eq!(run.demand_scratch.plain.len(), plan.n_regions, "{file}: every region in step");
                let in_step: Vec<u64> = run.new_cases.iter().map(|x| x.to_bits()).collect();
                assert!(run.new_cases.iter().all(|&x| x >= 0.0) && run.new_cases.iter().any(|&x| x > 0.0));
                for (k, region) in plan.regions.iter().enumerate() {
                    let rng = run.streams.stream(Kind::Arrivals, region.stream);
                    run.draw_cases_from(k, 0, rng);
                }
                let alone: Vec<u64> = run.new_cases.iter().map(|x| x.to_bits()).collect();
                assert_eq!(in_step, alone, "{file}, run {r}");
            }
        }
    }

    /// With changes that alter some regions' demand (a `demand_scale` that
    /// happens, and an undecided change with `influence`), those regions
    /// are drawn alone, with the influenced region's stream kept for its
    /// month, and the others in step; every region's cases are still its
    /// own loop's draws.
    #[test]
    fn regions_that_changes_alter_are_drawn_alone_and_the_rest_in_step() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let base = std::fs::read_to_string(dir.join("uk-baseline.toml")).unwrap_or_else(|e| panic!("{e}"));
        let text = format!(
            "{base}\n[[changes]]\nid = \"scaled\"\nstart = \"2027-04\"\nregions = [\"london\", \"wales\"]\ndemand_scale = 0.9\n\n\
             [[changes]]\nid = \"influenced\"\nstart = \"2028-04\"\nprobability = 0.3\nregions = [\"north-west\"]\n\
             demand_growth = 0.01\ninfluence = {{ max = 0.6, half_at = 5 }}\n"
        );
        let scenario = crate::load_str(&dir.join("mixed.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
        let plan = Plan::new(&scenario);
        let index = |id: &str| scenario.regions.iter().position(|r| r.id == id).unwrap_or_else(|| panic!("{id}"));
        let north_west = index("north-west");
        let mut run = Run::new(&plan);
        for r in 0..25 {
            run.start(11, r);
            assert_eq!(run.demand_scratch.plain.len(), plan.n_regions - 3);
            assert!(!run.demand_scratch.plain.contains(&index("london")));
            assert!(run.snapshots.iter().any(|&(sr, sm, _)| sr == north_west && sm == 36), "run {r}");
            let in_step: Vec<u64> = run.new_cases.iter().map(|x| x.to_bits()).collect();
            for (k, region) in plan.regions.iter().enumerate() {
                let rng = run.streams.stream(Kind::Arrivals, region.stream);
                run.draw_cases_from(k, 0, rng);
            }
            let alone: Vec<u64> = run.new_cases.iter().map(|x| x.to_bits()).collect();
            assert_eq!(in_step, alone, "run {r}");
        }
    }
}
