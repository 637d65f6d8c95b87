//! A region's stocks in a run: its queue of cases, its legal-aid offices,
//! its local-authority budget, and the values drawn for it (model.md §4–6).

use super::draws::{binomial, binomial_by_inversion_odds, poisson, poisson_by_inversion};
use crate::rng::StreamRng;

/// A region's legal-aid offices (model.md §5): each month every office
/// leaves with probability `exit` (a binomial draw) and Poisson(`entry`)
/// offices enter.
#[derive(Debug, Clone)]
pub(super) struct LegalAid {
    pub providers: u64,
    /// Monthly exit probability, and its odds `exit / (1 − exit)`.
    exit: f64,
    exit_odds: f64,
    /// Mean entries a month, and `exp(−entry)`.
    entry: f64,
    entry_p0: f64,
    /// `(n, (1 − exit)^n)` for the last office count drawn for.
    exit_cache: (u64, f64),
    rng: StreamRng,
}

impl LegalAid {
    pub fn new(providers: u64, exit: f64, entry: f64, rng: StreamRng) -> Self {
        let mut legal_aid =
            Self { providers, exit: 0.0, exit_odds: 0.0, entry: 0.0, entry_p0: 0.0, exit_cache: (u64::MAX, 0.0), rng };
        legal_aid.set_exit(exit);
        legal_aid.set_entry(entry);
        legal_aid
    }

    pub fn set_exit(&mut self, exit: f64) {
        self.exit = exit;
        self.exit_odds = exit / (1.0 - exit);
        self.exit_cache = (u64::MAX, 0.0);
    }

    pub fn set_entry(&mut self, entry: f64) {
        self.entry = entry;
        self.entry_p0 = (-entry).exp();
    }

    /// Exits, then entries, of one month.
    pub fn month(&mut self) {
        let (n, p) = (self.providers, self.exit);
        let gone = if p > 0.0 && p < 1.0 && (n as f64) * p < 10.0 && n < 1000 {
            if self.exit_cache.0 != n {
                self.exit_cache = (n, (1.0 - p).powi(n as i32));
            }
            binomial_by_inversion_odds(&mut self.rng, n, self.exit_odds, self.exit_cache.1)
        } else {
            binomial(&mut self.rng, n, p)
        };
        self.providers -= gone;
        self.providers += if self.entry < 30.0 {
            poisson_by_inversion(&mut self.rng, self.entry, self.entry_p0)
        } else {
            poisson(&mut self.rng, self.entry)
        };
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
    pub arrivals: StreamRng,
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
    /// New cases arrive with mean `mean`; capacity serves the queue, and a
    /// share of the rest gives up (model.md §6).
    #[inline]
    pub fn serve(&mut self, m: usize, mean: f64) -> Service {
        let demand = poisson(&mut self.arrivals, mean) as f64;
        let capacity =
            self.other_capacity + self.legal_aid.providers as f64 * self.cases_per_provider + self.post_capacity;
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
