//! What a set of runs reports (model.md §8), ready for `output` to render.

use crate::stats::Stat;

/// The metric name of `gap.csv`'s rows: need less capacity, cases a year.
pub const GAP: &str = "gap";

/// One figure: a region (or `all`), a model year and a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Region id, or `all` for the total over regions.
    pub region: String,
    /// Calendar label of the model year.
    pub year: i32,
    /// `demand`, …, or `spend:<source>`.
    pub metric: String,
    pub stat: Stat,
}

/// A flow summed over the horizon (all model years), for a region (or
/// `all`): `demand`, `served`, `abandoned`, `post_years` or `spend:<source>`.
#[derive(Debug, Clone, PartialEq)]
pub struct TotalRow {
    pub region: String,
    pub metric: String,
    pub stat: Stat,
}

/// One point of the exceedance curve of the cases abandoned over the
/// horizon in a region (or `all`): the share of runs in which more than
/// `level` cases are abandoned.
#[derive(Debug, Clone, PartialEq)]
pub struct ExceedanceRow {
    pub region: String,
    pub level: f64,
    pub probability: f64,
}

/// Post survival `k` months after the first term end.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalRow {
    pub months_after_first_end: usize,
    pub stat: Stat,
    /// Grant posts whose month `first_end + k` is inside the horizon: how
    /// many posts this row follows.
    pub posts_followed: usize,
}

/// The result of [`crate::run`].
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub scenario_name: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub runs: u64,
    pub threads: usize,
    /// Region ids in scenario order (without `all`).
    pub regions: Vec<String>,
    /// Calendar labels of the model years.
    pub years: Vec<i32>,
    /// Ordered by region (`all` first, then scenario order), year, metric.
    pub rows: Vec<SummaryRow>,
    /// Funded posts at each year's end by their current source (grant
    /// funders by name, then the successor sources); `metric` holds the
    /// source. Same order as `rows`.
    pub posts_by_source: Vec<SummaryRow>,
    /// Each year's gap, need less capacity (`demand − capacity` run by run,
    /// so its quantiles are the gap's own, not a difference of the two
    /// figures' quantiles); `metric` is [`GAP`]. By region (`all` first)
    /// and year.
    pub gap: Vec<SummaryRow>,
    pub survival: Vec<SurvivalRow>,
    /// Flows summed over the horizon, by region (`all` first) and metric.
    pub totals: Vec<TotalRow>,
    /// The exceedance curve of horizon abandoned cases, by region (`all`
    /// first), levels rising.
    pub exceedance: Vec<ExceedanceRow>,
    pub warnings: Vec<String>,
}

impl Summary {
    /// The row for a (region, year, metric), if reported.
    pub fn get(&self, region: &str, year: i32, metric: &str) -> Option<&Stat> {
        self.rows.iter().find(|r| r.region == region && r.year == year && r.metric == metric).map(|r| &r.stat)
    }

    /// The horizon total of a (region, metric), if reported.
    pub fn total(&self, region: &str, metric: &str) -> Option<&Stat> {
        self.totals.iter().find(|r| r.region == region && r.metric == metric).map(|r| &r.stat)
    }
}
