//! Posts, their staffing and funding states, and the calendar of their next
//! events (model.md §5). A month visits only the posts that have an event in
//! it and, for capacity and spend, the live ones (created and not lost).

use rand::RngExt;

use super::draws::{Geometric, Vacancy};
use crate::rng::StreamRng;

/// [`Post::ledger`] when no funder's renewal budget holds the term.
pub(super) const NO_LEDGER: usize = usize::MAX;

/// Who holds a post.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Staff {
    /// Not yet created (its grant starts later).
    Pending,
    /// Held since `hired`; the holder leaves in month `leaves_at`.
    Filled { hired: i32, leaves_at: i32 },
    /// Empty until month `fills_at`.
    Vacant { fills_at: i32 },
    /// No successor took it at a term end: gone for good.
    Lost,
}

/// One post of a run.
#[derive(Debug, Clone)]
pub(super) struct Post {
    pub region: usize,
    /// Index of the current funder among the spend sources.
    pub source: usize,
    /// The spend source of the grant or round that created the post: whose
    /// ledger (`[[funders]]`) a same_funder renewal draws on.
    pub funder: usize,
    /// The spend source whose renewal budget holds this term's cost
    /// ([`NO_LEDGER`] when none does).
    pub ledger: usize,
    pub staff: Staff,
    /// Month in which the current funding term ends.
    pub term_end: i32,
    /// Whether local authorities fund the current term (it holds a share of
    /// the region's budget).
    pub la_funded: bool,
    /// Share of the cost local authorities pay during a round's matched term.
    pub match_share: f64,
    /// Annual cost in the start year.
    pub cost: f64,
    /// Cases a month at full productivity (0 for influencing posts).
    pub cases_month: f64,
    /// An influencing post (organiser, policy, campaign): it serves no
    /// case, and its filled months count towards changes' `influence`.
    pub influencing: bool,
    pub ramp_start: f64,
    /// Productivity gained per month of a hire (infinite: no ramp).
    pub ramp_step: f64,
    /// The holder's stay: leaving with the monthly turnover probability.
    pub turnover: Geometric,
    /// Index of the post's vacancy-length value in the run's list (grants,
    /// then rounds).
    pub vacancy: usize,
    /// End of the first funding term, for posts of `[[grants]]` (survival).
    pub first_end: Option<i32>,
    /// Month the post was lost (`i32::MAX` while it is not).
    pub lost_month: i32,
    /// The first month whose spend the post has not yet charged.
    pub charged_from: i32,
}

impl Post {
    pub fn is_live(&self) -> bool {
        !matches!(self.staff, Staff::Lost | Staff::Pending)
    }

    pub fn is_filled(&self) -> bool {
        matches!(self.staff, Staff::Filled { .. })
    }

    /// Productivity of the holder in month `m`, if the post is filled.
    #[inline]
    pub fn productivity(&self, m: i32) -> Option<f64> {
        match self.staff {
            Staff::Filled { hired, .. } => Some((self.ramp_start + self.ramp_step * f64::from(m - hired)).min(1.0)),
            _ => None,
        }
    }

    /// The month of the post's next staffing event, if any.
    fn next_staffing(&self) -> Option<i32> {
        match self.staff {
            Staff::Filled { leaves_at, .. } => Some(leaves_at),
            Staff::Vacant { fills_at } => Some(fills_at),
            Staff::Pending | Staff::Lost => None,
        }
    }
}

/// A post's own random streams, drawn from only at its events.
#[derive(Debug, Clone)]
pub(super) struct PostStreams {
    /// Turnover and vacancy lengths.
    pub staffing: StreamRng,
    /// Successor draws at term ends.
    pub succession: StreamRng,
}

/// Events by month: `due(m)` lists the posts with an event in month `m`.
/// An entry may be stale (the post's event moved or it was lost); whoever
/// reads it checks the post's state.
#[derive(Debug, Default)]
struct Calendar {
    months: Vec<Vec<u32>>,
}

impl Calendar {
    fn reset(&mut self, months: usize) {
        self.months.resize_with(months, Vec::new);
        self.months.iter_mut().for_each(Vec::clear);
    }

    fn schedule(&mut self, month: i32, post: u32) {
        if let Some(due) = usize::try_from(month).ok().and_then(|m| self.months.get_mut(m)) {
            due.push(post);
        }
    }

    /// Takes month `m`'s list out (give it back with [`Calendar::give_back`]).
    fn take(&mut self, m: usize) -> Vec<u32> {
        std::mem::take(&mut self.months[m])
    }

    fn give_back(&mut self, m: usize, mut due: Vec<u32>) {
        due.clear();
        self.months[m] = due;
    }
}

/// A region's live posts (created, not lost) in creation order, what their
/// holders serve, and what they have charged and counted this year.
///
/// Capacity changes only when a post has an event, or while a holder ramps
/// up, so it is recomputed then, over the same posts in the same order, and
/// reused otherwise. Spend and post-years change only at events too: a post
/// charges the months since its last event when its state changes (and at
/// the year's end), and the region counts its live posts' months whenever
/// the live list changes.
#[derive(Debug, Default)]
struct Roster {
    posts: Vec<u32>,
    /// Whether a post's state changed since `capacity` was computed.
    capacity_stale: bool,
    /// Whether a listed post was lost and is still to be dropped.
    has_lost: bool,
    /// Cases a month the filled advice posts serve, as of the month it was
    /// computed, and whether a holder was still ramping up then (so it must
    /// be recomputed next month). Productivity never falls once it reaches
    /// 1, so a roster of fully productive holders serves the same next month.
    capacity: f64,
    ramping: bool,
    /// This year's spend by source, in start-year costs.
    spend: Vec<f64>,
    /// This year's live post-months, counted up to month `counted_to`.
    post_months: u64,
    counted_to: i32,
    /// Filled influencing post-months since the start, by source, charged
    /// as spend is (at each post's events).
    influence_months: Vec<u64>,
    /// The part of them in `same_funder` terms, by the funder that created
    /// the post (who pays for such a term).
    renewed_influence_months: Vec<u64>,
}

impl Roster {
    fn reset(&mut self, sources: usize) {
        self.posts.clear();
        self.capacity = 0.0;
        self.ramping = false;
        self.capacity_stale = false;
        self.has_lost = false;
        self.spend.clear();
        self.spend.resize(sources, 0.0);
        self.post_months = 0;
        self.counted_to = 0;
        self.influence_months.clear();
        self.influence_months.resize(sources, 0);
        self.renewed_influence_months.clear();
        self.renewed_influence_months.resize(sources, 0);
    }

    /// Counts the live posts' months up to month `m` (call before the live
    /// list changes).
    fn count_to(&mut self, m: i32) {
        self.post_months += self.posts.len() as u64 * (m - self.counted_to).max(0) as u64;
        self.counted_to = m;
    }
}

/// A region's year as its posts saw it.
#[derive(Debug, Clone, Copy)]
pub(super) struct PostsYear<'a> {
    /// Spend by source, in start-year costs.
    pub spend: &'a [f64],
    /// Funded post-years: live post-months / 12.
    pub post_years: f64,
}

/// The posts of a run in creation order (grants in file order, each
/// grant's advice posts then its influencing posts; posts of rounds follow
/// at their dates), each region's live ones, and the calendars of their
/// events.
#[derive(Debug, Default)]
pub(super) struct Posts {
    pub all: Vec<Post>,
    streams: Vec<PostStreams>,
    rosters: Vec<Roster>,
    /// Index of `local_authority` among the spend sources.
    la_source: usize,
    /// Index of `same_funder` among the spend sources.
    same_funder_source: usize,
    /// Leaving and refilling.
    staffing: Calendar,
    term_ends: Calendar,
}

impl Posts {
    pub fn reset(
        &mut self,
        regions: usize,
        months: usize,
        sources: usize,
        la_source: usize,
        same_funder_source: usize,
    ) {
        self.all.clear();
        self.streams.clear();
        self.rosters.resize_with(regions, Roster::default);
        self.rosters.iter_mut().for_each(|r| r.reset(sources));
        self.la_source = la_source;
        self.same_funder_source = same_funder_source;
        self.staffing.reset(months);
        self.term_ends.reset(months);
    }

    /// Adds a post, returning its index. A post created live (filled at the
    /// start, or vacant) is listed and scheduled at once.
    pub fn push(&mut self, post: Post, streams: PostStreams) -> usize {
        let i = self.all.len();
        self.all.push(post);
        self.streams.push(streams);
        if self.all[i].is_live() {
            self.mark_live(i);
        }
        i
    }

    /// Region `r`'s live posts, in creation order.
    pub fn live_in(&self, r: usize) -> impl Iterator<Item = &Post> + '_ {
        self.rosters[r].posts.iter().map(|&i| &self.all[i as usize])
    }

    /// Post `i`'s state is about to change in month `m`: it charges the
    /// months since it last did at its current state.
    pub fn settle(&mut self, i: usize, m: i32) {
        let p = &mut self.all[i];
        let roster = &mut self.rosters[p.region];
        if p.is_filled() && m > p.charged_from {
            if p.influencing {
                let filled = (m - p.charged_from) as u64;
                roster.influence_months[p.source] += filled;
                if p.source == self.same_funder_source {
                    roster.renewed_influence_months[p.funder] += filled;
                }
            }
            let months = f64::from(m - p.charged_from);
            if p.match_share > 0.0 {
                roster.spend[p.source] += p.cost * (1.0 - p.match_share) * months;
                roster.spend[self.la_source] += p.cost * p.match_share * months;
            } else {
                roster.spend[p.source] += p.cost * months;
            }
        }
        p.charged_from = m;
    }

    /// A post has just become live (created vacant, or filled): list it in
    /// creation order and schedule its events.
    fn mark_live(&mut self, i: usize) {
        let id = i as u32;
        let p = &self.all[i];
        let roster = &mut self.rosters[p.region];
        roster.count_to(p.charged_from);
        if roster.posts.last().is_none_or(|&last| last < id) {
            roster.posts.push(id);
        } else {
            let at = roster.posts.partition_point(|&x| x < id);
            roster.posts.insert(at, id);
        }
        roster.capacity_stale = true;
        self.term_ends.schedule(p.term_end, id);
        if let Some(m) = p.next_staffing() {
            self.staffing.schedule(m, id);
        }
    }

    /// Creates pending post `i` in month `m`, vacant until a vacancy drawn
    /// from `v`.
    pub fn open(&mut self, i: usize, m: i32, v: &Vacancy) {
        let len = v.draw(&mut self.streams[i].staffing);
        self.all[i].staff = Staff::Vacant { fills_at: m + len };
        self.all[i].charged_from = m;
        self.mark_live(i);
    }

    /// Staffing in month `m` (model.md §5 step 4): each post with an event
    /// now loses its holder (and stays vacant for a fresh draw of its
    /// vacancy length) or is filled (and its holder's stay is drawn).
    pub fn staff(&mut self, m: i32, vacancy_values: &[&Vacancy]) {
        let Ok(month) = usize::try_from(m) else { return };
        let due = self.staffing.take(month);
        for &id in &due {
            let i = id as usize;
            if self.all[i].next_staffing() != Some(m) {
                continue;
            }
            self.settle(i, m);
            let (p, rng) = (&mut self.all[i], &mut self.streams[i].staffing);
            if let Staff::Filled { .. } = p.staff {
                p.staff = Staff::Vacant { fills_at: m + vacancy_values[p.vacancy].draw(rng) };
            }
            if let Staff::Vacant { fills_at } = p.staff {
                if fills_at <= m {
                    let stay = p.turnover.months(rng);
                    p.staff = Staff::Filled { hired: m, leaves_at: m + 1 + stay };
                }
            }
            self.rosters[p.region].capacity_stale = true;
            if let Some(next) = p.next_staffing() {
                self.staffing.schedule(next, id);
            }
        }
        self.staffing.give_back(month, due);
    }

    /// A change of turnover in month `m`: every post takes the new monthly
    /// probability `q`, and holders in post draw a fresh stay (waiting times
    /// are memoryless), checked from this month.
    pub fn change_turnover(&mut self, m: i32, q: f64) {
        let turnover = Geometric::new(q);
        for (i, (p, s)) in self.all.iter_mut().zip(&mut self.streams).enumerate() {
            // A holder whose rate does not change keeps the stay drawn
            // (stays are memoryless), so such a change alters no draw.
            if p.turnover == turnover {
                continue;
            }
            p.turnover = turnover;
            if let Staff::Filled { hired, .. } = p.staff {
                let leaves_at = m + turnover.months(&mut s.staffing);
                p.staff = Staff::Filled { hired, leaves_at };
                self.staffing.schedule(leaves_at, i as u32);
            }
        }
    }

    /// The live posts whose funding term ends in month `m`, in creation
    /// order, into `out`.
    pub fn term_ends(&mut self, m: i32, out: &mut Vec<u32>) {
        out.clear();
        let Ok(month) = usize::try_from(m) else { return };
        let due = self.term_ends.take(month);
        out.extend(due.iter().copied().filter(|&i| {
            let p = &self.all[i as usize];
            p.term_end == m && p.is_live()
        }));
        self.term_ends.give_back(month, due);
        out.sort_unstable();
        out.dedup();
    }

    /// Post `i`'s successor draw: a uniform from its succession stream.
    pub fn succession_draw(&mut self, i: usize) -> f64 {
        self.streams[i].succession.random::<f64>()
    }

    /// Post `i` starts a new term in month `m`, ending in month `end`.
    pub fn renew(&mut self, i: usize, m: i32, source: usize, end: i32) {
        self.settle(i, m);
        self.all[i].source = source;
        self.all[i].term_end = end;
        self.term_ends.schedule(end, i as u32);
    }

    /// Post `i` is lost in month `m` (call [`Posts::drop_lost`] after the
    /// month's term ends).
    pub fn lose(&mut self, i: usize, m: i32) {
        self.settle(i, m);
        let roster = &mut self.rosters[self.all[i].region];
        roster.count_to(m);
        roster.capacity_stale = true;
        roster.has_lost = true;
        self.all[i].staff = Staff::Lost;
        self.all[i].lost_month = m;
    }

    /// Removes lost posts from the live lists (of the regions that lost one).
    pub fn drop_lost(&mut self) {
        let all = &self.all;
        for roster in self.rosters.iter_mut().filter(|r| r.has_lost) {
            roster.posts.retain(|&i| all[i as usize].staff != Staff::Lost);
            roster.has_lost = false;
        }
    }

    /// Cases a month that region `r`'s filled advice posts serve in month
    /// `m`, at their productivity.
    #[inline]
    pub fn capacity(&mut self, r: usize, m: i32) -> f64 {
        let roster = &self.rosters[r];
        if roster.capacity_stale || roster.ramping {
            self.recompute_capacity(r, m);
        }
        self.rosters[r].capacity
    }

    fn recompute_capacity(&mut self, r: usize, m: i32) {
        let roster = &mut self.rosters[r];
        let (mut capacity, mut ramping) = (0.0, false);
        for p in roster.posts.iter().map(|&i| &self.all[i as usize]) {
            if p.cases_month > 0.0 {
                if let Some(productivity) = p.productivity(m) {
                    capacity += p.cases_month * productivity;
                    ramping |= productivity < 1.0;
                }
            }
        }
        (roster.capacity, roster.ramping, roster.capacity_stale) = (capacity, ramping, false);
    }

    /// The year ending before month `end`: every live post charges its
    /// months to `end`, and each region's spend and post-years are read by
    /// `read` (region, year), then start again from zero.
    pub fn close_year(&mut self, end: i32, mut read: impl FnMut(usize, PostsYear<'_>)) {
        for r in 0..self.rosters.len() {
            for k in 0..self.rosters[r].posts.len() {
                let i = self.rosters[r].posts[k] as usize;
                self.settle(i, end);
            }
            let roster = &mut self.rosters[r];
            roster.count_to(end);
            read(r, PostsYear { spend: &roster.spend, post_years: roster.post_months as f64 / 12.0 });
            roster.spend.iter_mut().for_each(|x| *x = 0.0);
            roster.post_months = 0;
        }
    }

    /// Post-years of filled influencing posts in the regions `regions` paid
    /// by the sources `sources` marks (all when `None`), over the months
    /// before `m`. A post in a `same_funder` term is paid by the funder that
    /// created it: it counts when that funder is marked, or `same_funder`
    /// is (once when both are).
    pub fn influence_post_years(&mut self, m: i32, regions: &[usize], sources: Option<&[bool]>) -> f64 {
        let mut months = 0u64;
        for &r in regions {
            for k in 0..self.rosters[r].posts.len() {
                let i = self.rosters[r].posts[k] as usize;
                if self.all[i].influencing {
                    self.settle(i, m);
                }
            }
            let roster = &self.rosters[r];
            months += match sources {
                None => roster.influence_months.iter().sum::<u64>(),
                Some(mask) => {
                    let marked = |counts: &[u64]| counts.iter().zip(mask).filter(|(_, &on)| on).map(|(n, _)| n).sum();
                    let renewed: u64 =
                        if mask[self.same_funder_source] { 0 } else { marked(&roster.renewed_influence_months) };
                    marked(&roster.influence_months) + renewed
                }
            };
        }
        months as f64 / 12.0
    }

    /// Posts funded and filled in region `r`.
    pub fn count(&self, r: usize) -> (u32, u32) {
        self.live_in(r).fold((0, 0), |(funded, filled), p| (funded + 1, filled + u32::from(p.is_filled())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use rand::SeedableRng;

    fn post(staff: Staff, term_end: i32) -> Post {
        Post {
            region: 0,
            source: 0,
            funder: 0,
            ledger: NO_LEDGER,
            staff,
            term_end,
            la_funded: false,
            match_share: 0.0,
            cost: 1.0,
            cases_month: 1.0,
            influencing: false,
            ramp_start: 1.0,
            ramp_step: f64::INFINITY,
            turnover: Geometric::new(0.5),
            vacancy: 0,
            first_end: None,
            lost_month: i32::MAX,
            charged_from: 0,
        }
    }

    fn streams(seed: u64) -> PostStreams {
        PostStreams { staffing: StreamRng::seed_from_u64(seed), succession: StreamRng::seed_from_u64(seed + 1) }
    }

    /// Posts that become live out of creation order are listed in creation
    /// order, and lost ones leave the list.
    #[test]
    fn live_posts_stay_in_creation_order() {
        let mut posts = Posts::default();
        posts.reset(1, 24, 1, 0, 0);
        for k in 0..4 {
            let staff = if k % 2 == 0 { Staff::Pending } else { Staff::Filled { hired: -3, leaves_at: 20 } };
            posts.push(post(staff, 12), streams(k));
        }
        let v = Vacancy::new(&Value::fixed(2.0).unwrap_or_else(|e| panic!("{e}")));
        posts.open(2, 0, &v);
        posts.open(0, 0, &v);
        assert_eq!(posts.rosters[0].posts, vec![0, 1, 2, 3]);
        posts.lose(1, 5);
        posts.drop_lost();
        assert_eq!(posts.rosters[0].posts, vec![0, 2, 3]);
    }

    /// A post whose event is rescheduled to the month it already had one is
    /// staffed once: the second entry finds nothing due.
    #[test]
    fn a_post_listed_twice_in_a_month_is_staffed_once() {
        let mut posts = Posts::default();
        posts.reset(1, 24, 1, 0, 0);
        posts.push(post(Staff::Filled { hired: 0, leaves_at: 3 }, 30), streams(1));
        posts.staffing.schedule(3, 0);
        let v = Vacancy::new(&Value::fixed(5.0).unwrap_or_else(|e| panic!("{e}")));
        posts.staff(3, &[&v]);
        assert_eq!(posts.all[0].staff, Staff::Vacant { fills_at: 8 });
        posts.staff(8, &[&v]);
        assert!(matches!(posts.all[0].staff, Staff::Filled { hired: 8, .. }));
    }
}
