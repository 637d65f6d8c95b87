//! The monthly model of one run (model.md §4–6).
//!
//! [`Plan`] compiles a [`Scenario`](crate::Scenario) once (stream ids, post
//! templates, the record's layout). A [`Run`] holds one run's stocks and
//! drawn values in buffers reused from run to run; [`Run::simulate`] draws
//! the run's values and steps month by month, each month one method per step
//! of model.md §5:
//!
//! ```text
//! month(m):  apply_changes → create_posts → end_terms → staff → legal_aid → serve_cases → charge_spend
//!            (1)             (2)            (3)         (4)     (5)         (6)           (7)
//! ```
//!
//! Posts keep their next staffing event and their term end in monthly
//! calendars, so staffing and term ends visit only the posts due; capacity
//! and spend visit the live posts (created, not lost), in creation order.
//! [`Plan::simulate`] runs one replicate on a fresh [`Run`].
//!
//! | module | what it holds |
//! |---|---|
//! | `plan` | [`Plan`]: the scenario compiled, the record's layout |
//! | `start` | the start of a run: per-run draws, changes, demand multipliers, grant posts |
//! | `run` | [`Run`] and the steps of a month |
//! | `posts` | posts, their states and calendars |
//! | `regions` | a region's queue, legal-aid offices and budget |
//! | `shocks` | extra demand and exit shocks |
//! | `rounds` | splitting a round's budget into posts |
//! | `draws` | the samplers |

mod draws;
mod draws_x4;
mod plan;
mod posts;
mod regions;
mod rounds;
mod run;
mod shocks;
mod start;

pub use draws::{
    binomial, binomial_by_inversion, monthly_probability, poisson, poisson_by_inversion, MAX_POISSON_MEAN,
};
pub use plan::Plan;
pub use run::Run;

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

/// Everything one run reports: metrics by (region, year, metric), with
/// region index `n_regions` for the total, and, by survival offset, the
/// number of grant posts still funded.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub values: Vec<f64>,
    pub survival: Vec<f64>,
}

impl RunRecord {
    /// The record as a place to write a run into.
    pub fn as_mut(&mut self) -> RecordMut<'_> {
        RecordMut { values: &mut self.values, survival: &mut self.survival }
    }
}

/// Where a run writes its record: slices laid out as [`RunRecord`]'s, such
/// as one row of a buffer holding many runs.
#[derive(Debug)]
pub struct RecordMut<'a> {
    /// [`Plan::record_len`] values.
    pub values: &'a mut [f64],
    /// One count per survival offset.
    pub survival: &'a mut [f64],
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

impl Plan {
    /// Simulates run `run` of `seed` into `out` on a fresh [`Run`]; with
    /// `trace`, also records every region-month. To simulate many runs,
    /// keep one [`Run`] and call [`Run::simulate`], which reuses its buffers.
    pub fn simulate(&self, seed: u64, run: u64, out: &mut RunRecord, trace: Option<&mut Vec<MonthRow>>) {
        Run::new(self).simulate(seed, run, out.as_mut(), trace);
    }
}
