//! A region's stocks in a run: its queue of cases, its legal-aid offices,
//! its local-authority budget, and the values drawn for it (model.md §4–6).

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::draws::{binomial, Geometric};
use crate::rng::StreamRng;

/// A region's legal-aid offices (model.md §5), drawn as events. Each month
/// every office leaves with probability `exit`, and Poisson(`entry`) offices
/// enter. Drawn month by month that is a binomial and a Poisson draw; here
/// each office draws, when it opens, the month of its first failed monthly
/// check (a geometric waiting time), and entries are the arrivals of a
/// Poisson process (exponential gaps), which is the same distribution and
/// costs a draw per office and per entry rather than per month. Both are
/// memoryless, so a change of rate redraws the offices' waiting times and
/// the next arrival from the month of the change, exactly.
#[derive(Debug, Clone)]
pub(super) struct LegalAid {
    /// The month each office that leaves within the run leaves, latest
    /// first (the next to leave last).
    leaves: Vec<i32>,
    /// Offices that outlive the run (they leave at or after `horizon`),
    /// counted rather than kept: in the order of offices they stand before
    /// `leaves`, as the latest to leave.
    lasting: u64,
    /// An office's life: leaving with the monthly exit probability.
    exit: Geometric,
    /// Mean entries a month, and the time (in months) of the next entry.
    entry: f64,
    next_entry: f64,
    rng: StreamRng,
    /// The run's months: an office that leaves in a later month never
    /// leaves within it (its wait need not be computed exactly, see
    /// [`Geometric::months_or_long`]).
    horizon: i32,
    /// Scratch: the leaving months of a month's entries.
    arriving: Vec<i32>,
}

impl LegalAid {
    pub fn new(rng: StreamRng) -> Self {
        Self {
            leaves: Vec::new(),
            lasting: 0,
            exit: Geometric::new(0.0),
            entry: 0.0,
            next_entry: f64::INFINITY,
            rng,
            horizon: 0,
            arriving: Vec::new(),
        }
    }

    /// `providers` offices at the start, checked from month 0, in a run of
    /// `horizon` months. An office that outlives the run is counted,
    /// whatever its exact wait: only the number of such offices matters
    /// (they are the first offices either way, so an exit shock's choice
    /// of offices by position removes the same ones that leave within the
    /// run).
    pub fn reset(&mut self, providers: u64, exit: f64, entry: f64, rng: StreamRng, horizon: i32) {
        self.rng = rng;
        self.horizon = horizon;
        self.exit = Geometric::new(exit);
        let long = self.exit.long_below(horizon);
        self.draw_offices(0, providers, long);
        self.start_entries(0, entry);
    }

    /// `n` offices' waits, checked from month `m` (`long` the uniform below
    /// which a wait outlives the run), in place of the offices there were.
    fn draw_offices(&mut self, m: i32, n: u64, long: f64) {
        self.leaves.clear();
        self.lasting = 0;
        for _ in 0..n {
            let leaves = m.saturating_add(self.exit.months_or_long(&mut self.rng, long));
            if leaves >= self.horizon {
                self.lasting += 1;
            } else {
                self.leaves.push(leaves);
            }
        }
        self.leaves.sort_unstable_by(|a, b| b.cmp(a));
    }

    pub fn providers(&self) -> u64 {
        self.lasting + self.leaves.len() as u64
    }

    /// The number of offices, as a float (a signed conversion: one
    /// instruction on baseline x86-64).
    pub fn providers_f64(&self) -> f64 {
        self.providers() as i64 as f64
    }

    /// From month `m` offices leave with monthly probability `exit`: each
    /// draws a fresh wait, checked from this month (offices are alike, so
    /// which office draws which wait changes nothing).
    pub fn set_exit(&mut self, m: i32, exit: f64) {
        // The same rate: the offices' waits stand (they are memoryless), so a
        // change that leaves the rate as it is changes no draw.
        if Geometric::new(exit) == self.exit {
            return;
        }
        self.exit = Geometric::new(exit);
        let long = self.exit.long_below(self.horizon.saturating_sub(m));
        self.draw_offices(m, self.providers(), long);
    }

    /// A change of the entry rate in month `m`. The same rate changes
    /// nothing: the wait to the next entry stands (it is memoryless).
    pub fn set_entry(&mut self, m: i32, entry: f64) {
        if entry != self.entry {
            self.start_entries(m, entry);
        }
    }

    /// Poisson(`entry`) entries a month from month `m`: the wait to the
    /// first drawn afresh.
    fn start_entries(&mut self, m: i32, entry: f64) {
        self.entry = entry;
        self.next_entry = f64::from(m) + self.gap();
    }

    /// The wait to the next entry, in months.
    fn gap(&mut self) -> f64 {
        entry_gap(&mut self.rng, self.entry)
    }

    /// An exit shock: Binomial(N, `share`) of the N offices, chosen
    /// uniformly, leave at once. `rng` is the shock's own stream (for this
    /// arrival and region), so the offices' own draws stay as they were.
    pub fn shock(&mut self, share: f64, rng: &mut StreamRng) {
        let gone = binomial(rng, self.providers(), share);
        // Removing one office at a time moves the list each time: quadratic
        // for a shock on thousands of offices. Beyond a few, the same draws
        // choose the same offices through a tree of the offices left.
        if (gone as usize).saturating_mul(self.leaves.len()) <= MANY {
            self.shock_one_by_one(gone, rng);
        } else {
            self.shock_by_tree(gone, rng);
        }
    }

    /// `gone` offices removed one at a time, each at a uniform position
    /// among those left (the offices that outlive the run first).
    fn shock_one_by_one(&mut self, gone: u64, rng: &mut StreamRng) {
        for _ in 0..gone {
            // A `usize` range, as the offices' positions (it draws as such).
            let lasting = self.lasting as usize;
            let i = rng.random_range(0..lasting + self.leaves.len());
            if i < lasting {
                self.lasting -= 1;
            } else {
                self.leaves.remove(i - lasting);
            }
        }
    }

    /// [`LegalAid::shock_one_by_one`]'s draws and offices, in `n log n`: the
    /// `i`-th office left is found in a Fenwick tree of the positions still
    /// held, and the list is compacted once at the end.
    fn shock_by_tree(&mut self, gone: u64, rng: &mut StreamRng) {
        let lasting = self.lasting as usize;
        let n = lasting + self.leaves.len();
        let mut tree = Fenwick::ones(n);
        let mut kept = vec![true; n];
        for k in 0..(gone as usize).min(n) {
            let i = rng.random_range(0..n - k);
            let at = tree.take(i);
            kept[at] = false;
        }
        self.lasting = kept[..lasting].iter().filter(|&&x| x).count() as u64;
        let mut at = lasting;
        self.leaves.retain(|_| {
            at += 1;
            kept[at - 1]
        });
    }

    /// Month `m`'s exits, then its entries; an office that enters is first
    /// checked next month.
    #[inline]
    pub fn month(&mut self, m: i32) {
        while self.leaves.last().is_some_and(|&leaves| leaves <= m) {
            self.leaves.pop();
        }
        if self.next_entry < f64::from(m) + 1.0 {
            self.enter(m);
        }
    }

    /// The entries of month `m`: an office that outlives the run is
    /// counted without its wait's logarithm.
    fn enter(&mut self, m: i32) {
        let end = f64::from(m) + 1.0;
        let long = self.exit.long_below_by_powers(self.horizon.saturating_sub(m + 1));
        let mut arriving = std::mem::take(&mut self.arriving);
        arriving.clear();
        while self.next_entry < end {
            let leaves = (m + 1).saturating_add(self.exit.months_or_long(&mut self.rng, long));
            if leaves >= self.horizon {
                self.lasting += 1;
            } else {
                arriving.push(leaves);
            }
            self.next_entry += self.gap();
        }
        self.add_leaving(&mut arriving);
        self.arriving = arriving;
    }

    /// Puts the leaving months `arriving` into the list, latest first. A few
    /// go in one by one; many (thousands of entries a month) are sorted and
    /// merged in one pass, which orders the same months the same way (equal
    /// months are alike).
    fn add_leaving(&mut self, arriving: &mut [i32]) {
        if arriving.len().saturating_mul(self.leaves.len()) <= MANY {
            for &leaves in arriving.iter() {
                let at = self.leaves.partition_point(|&x| x > leaves);
                self.leaves.insert(at, leaves);
            }
        } else {
            self.leaves = merged_latest_first(&self.leaves, arriving);
        }
    }
}

/// The months of `list` (latest first) and of `arriving` (any order; sorted
/// here) in one list, latest first.
fn merged_latest_first(list: &[i32], arriving: &mut [i32]) -> Vec<i32> {
    arriving.sort_unstable_by(|a, b| b.cmp(a));
    let mut merged = Vec::with_capacity(list.len() + arriving.len());
    let (mut i, mut j) = (0, 0);
    while i < list.len() || j < arriving.len() {
        if j == arriving.len() || (i < list.len() && list[i] >= arriving[j]) {
            merged.push(list[i]);
            i += 1;
        } else {
            merged.push(arriving[j]);
            j += 1;
        }
    }
    merged
}

/// Beyond this many element moves, a shock or a month's entries use the
/// tree or the merge instead of one-by-one list edits (the same result).
const MANY: usize = 1 << 14;

/// A Fenwick (binary indexed) tree over positions `0..n`, each held or not:
/// the `i`-th position still held, and taking it, in `log n`.
struct Fenwick {
    tree: Vec<u32>,
}

impl Fenwick {
    /// Every position held.
    fn ones(n: usize) -> Self {
        let mut tree = vec![0u32; n + 1];
        for i in 1..=n {
            tree[i] += 1;
            let parent = i + (i & i.wrapping_neg());
            if parent <= n {
                tree[parent] += tree[i];
            }
        }
        Self { tree }
    }

    /// The `i`-th (0-based) position still held, now taken.
    fn take(&mut self, i: usize) -> usize {
        let n = self.tree.len() - 1;
        let (mut at, mut left) = (0usize, i as u32);
        let mut step = n.checked_ilog2().map_or(0, |b| 1usize << b);
        while step > 0 {
            let next = at + step;
            if next <= n && self.tree[next] <= left {
                left -= self.tree[next];
                at = next;
            }
            step >>= 1;
        }
        // `at` positions (1-based) hold `i` before it: the next is the one.
        let mut k = at + 1;
        while k <= n {
            self.tree[k] -= 1;
            k += k & k.wrapping_neg();
        }
        at
    }
}

/// The wait, in months, from one entry to the next at `entry` a month.
fn entry_gap(rng: &mut StreamRng, entry: f64) -> f64 {
    if entry > 0.0 {
        let e: f64 = Exp1.sample(rng);
        e / entry
    } else {
        f64::INFINITY
    }
}

/// One region in a run.
#[derive(Debug, Clone)]
pub(super) struct Region {
    /// New cases a year at the start, as drawn.
    pub demand: f64,
    /// Monthly share of waiting cases that give up.
    pub abandon: f64,
    /// Cases a month served by advice the scenario does not itemise.
    pub other_capacity: f64,
    /// Cases a month one legal-aid office serves.
    pub cases_per_provider: f64,
    /// £ a year for posts funded by local authorities, and the share of a
    /// round post's cost they pay.
    pub la_budget: f64,
    pub la_match: f64,
    /// Start-year annual costs of the posts local authorities fund now.
    pub la_committed: f64,
    pub legal_aid: LegalAid,
    /// Cases waiting.
    pub backlog: f64,
    /// Posts lost so far.
    pub lost: u32,
    /// Abandoned cases in each of the last 12 months (month `m` at `m % 12`).
    pub recent_abandoned: [f64; 12],
    /// Cases a month the region's filled posts serve this month.
    pub post_capacity: f64,
}

/// What happened in one region in one month (model.md §6).
#[derive(Debug, Clone, Copy)]
pub(super) struct Service {
    pub backlog_start: f64,
    pub demand: f64,
    pub capacity: f64,
    pub served: f64,
    pub abandoned: f64,
}

impl Region {
    /// A region to be drawn by the start of a run (`rng` is a placeholder).
    pub fn new(rng: StreamRng) -> Self {
        Self {
            demand: 0.0,
            abandon: 0.0,
            other_capacity: 0.0,
            cases_per_provider: 0.0,
            la_budget: 0.0,
            la_match: 0.0,
            la_committed: 0.0,
            legal_aid: LegalAid::new(rng),
            backlog: 0.0,
            lost: 0,
            recent_abandoned: [0.0; 12],
            post_capacity: 0.0,
        }
    }

    /// `demand` new cases arrive; capacity serves the queue, and a share of
    /// the rest gives up (model.md §6).
    #[inline]
    pub fn serve(&mut self, m: usize, demand: f64) -> Service {
        let capacity =
            self.other_capacity + self.legal_aid.providers_f64() * self.cases_per_provider + self.post_capacity;
        let backlog_start = self.backlog;
        let queue = backlog_start + demand;
        let served = queue.min(capacity);
        let abandoned = (queue - served) * self.abandon;
        self.backlog = queue - served - abandoned;
        self.recent_abandoned[m % 12] = abandoned;
        Service { backlog_start, demand, capacity, served, abandoned }
    }

    /// Abandoned cases over the last 12 months.
    pub fn abandoned_last_year(&self) -> f64 {
        self.recent_abandoned.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    /// Legal aid as it was drawn before offices that outlive the run were
    /// counted: every office's leaving month in one list, latest first, and
    /// every entry's wait computed in full.
    struct Listed {
        leaves: Vec<i32>,
        exit: Geometric,
        entry: f64,
        next_entry: f64,
        rng: StreamRng,
        horizon: i32,
    }

    impl Listed {
        fn reset(providers: u64, exit: f64, entry: f64, rng: StreamRng, horizon: i32) -> Self {
            let mut l = Self { leaves: Vec::new(), exit: Geometric::new(exit), entry, next_entry: 0.0, rng, horizon };
            let long = l.exit.long_below(horizon);
            for _ in 0..providers {
                let leaves = l.exit.months_or_long(&mut l.rng, long);
                l.leaves.push(leaves);
            }
            l.leaves.sort_unstable_by(|a, b| b.cmp(a));
            l.next_entry = l.gap();
            l
        }
        fn set_exit(&mut self, m: i32, exit: f64) {
            if Geometric::new(exit) == self.exit {
                return;
            }
            self.exit = Geometric::new(exit);
            let long = self.exit.long_below(self.horizon.saturating_sub(m));
            for leaves in &mut self.leaves {
                *leaves = m.saturating_add(self.exit.months_or_long(&mut self.rng, long));
            }
            self.leaves.sort_unstable_by(|a, b| b.cmp(a));
        }
        fn set_entry(&mut self, m: i32, entry: f64) {
            if entry == self.entry {
                return;
            }
            self.entry = entry;
            self.next_entry = f64::from(m) + self.gap();
        }
        fn gap(&mut self) -> f64 {
            entry_gap(&mut self.rng, self.entry)
        }
        fn shock(&mut self, share: f64, rng: &mut StreamRng) {
            let gone = binomial(rng, self.leaves.len() as u64, share);
            for _ in 0..gone {
                let i = rng.random_range(0..self.leaves.len());
                self.leaves.remove(i);
            }
        }
        fn month(&mut self, m: i32) {
            while self.leaves.last().is_some_and(|&leaves| leaves <= m) {
                self.leaves.pop();
            }
            let end = f64::from(m) + 1.0;
            while self.next_entry < end {
                let leaves = (m + 1).saturating_add(self.exit.months(&mut self.rng));
                let at = self.leaves.partition_point(|&x| x > leaves);
                self.leaves.insert(at, leaves);
                self.next_entry += self.gap();
            }
        }
    }

    proptest! {
        /// A shock through the tree takes the same draws and the same offices
        /// as one office at a time, and many entries merged give the list
        /// that inserting them one by one gives.
        #[test]
        fn the_tree_and_the_merge_give_what_one_by_one_edits_give(
            seed in any::<u64>(),
            providers in 0u64..400,
            exit in prop::sample::select(vec![0.0, 0.01, 0.05, 0.4, 1.0]),
            share in 0.0f64..1.0,
            arriving in prop::collection::vec(0i32..150, 0..300),
        ) {
            let rng = StreamRng::seed_from_u64(seed);
            let mut a = LegalAid::new(rng.clone());
            a.reset(providers, exit, 0.0, rng.clone(), 120);
            let mut b = LegalAid::new(rng.clone());
            b.reset(providers, exit, 0.0, rng, 120);
            let (mut ra, mut rb) = (StreamRng::seed_from_u64(!seed), StreamRng::seed_from_u64(!seed));
            let gone = binomial(&mut ra, a.providers(), share);
            prop_assert_eq!(gone, binomial(&mut rb, b.providers(), share));
            a.shock_one_by_one(gone, &mut ra);
            b.shock_by_tree(gone, &mut rb);
            prop_assert_eq!((a.lasting, &a.leaves), (b.lasting, &b.leaves));
            prop_assert_eq!(ra.random::<u64>(), rb.random::<u64>());
            let mut one_by_one = a.leaves.clone();
            for &x in &arriving {
                let at = one_by_one.partition_point(|&y| y > x);
                one_by_one.insert(at, x);
            }
            prop_assert_eq!(merged_latest_first(&b.leaves, &mut arriving.clone()), one_by_one);
        }

        /// Counting the offices that outlive the run, and skipping their
        /// waits' logarithms, changes nothing: month by month, through
        /// changes of the exit and entry rates and exit shocks, the number
        /// of offices is the listed model's, and the offices' stream and
        /// the shocks' streams end in the same state.
        #[test]
        fn counting_offices_that_outlive_the_run_changes_no_month(
            seed in any::<u64>(),
            providers in 0u64..120,
            exit in prop::sample::select(vec![0.0, 0.004, 0.0074, 0.05, 0.4, 1.0]),
            entry in prop::sample::select(vec![0.0, 0.3, 2.5, 9.0]),
            horizon in 1i32..150,
            events in prop::collection::vec((0i32..150, 0u8..5, 0.0f64..1.0), 0..6),
        ) {
            let rng = StreamRng::seed_from_u64(seed);
            let mut counted = LegalAid::new(rng.clone());
            counted.reset(providers, exit, entry, rng.clone(), horizon);
            let mut listed = Listed::reset(providers, exit, entry, rng, horizon);
            let (mut shock_a, mut shock_b) = (StreamRng::seed_from_u64(!seed), StreamRng::seed_from_u64(!seed));
            for m in 0..horizon {
                for &(_, kind, x) in events.iter().filter(|e| e.0 == m) {
                    match kind {
                        0 => {
                            counted.set_exit(m, x * 0.2);
                            listed.set_exit(m, x * 0.2);
                        }
                        1 => {
                            counted.set_entry(m, x * 5.0);
                            listed.set_entry(m, x * 5.0);
                        }
                        // The rates the run started with: a change to the
                        // rate in force draws nothing.
                        3 => {
                            counted.set_exit(m, exit);
                            listed.set_exit(m, exit);
                        }
                        4 => {
                            counted.set_entry(m, entry);
                            listed.set_entry(m, entry);
                        }
                        _ => {
                            counted.shock(x, &mut shock_a);
                            listed.shock(x, &mut shock_b);
                        }
                    }
                }
                counted.month(m);
                listed.month(m);
                prop_assert_eq!(counted.providers(), listed.leaves.len() as u64, "month {}", m);
            }
            prop_assert_eq!(counted.rng.random::<u64>(), listed.rng.random::<u64>());
            prop_assert_eq!(shock_a.random::<u64>(), shock_b.random::<u64>());
            // The offices within the run are the listed ones that leave in it.
            let within: Vec<i32> = listed.leaves.iter().copied().filter(|&l| l < horizon).collect();
            prop_assert_eq!(&counted.leaves, &within);
        }
    }
}
