//! What a set of runs reports (model.md §8), ready for `output` to render.

use crate::stats::Stat;

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
    pub survival: Vec<SurvivalRow>,
    pub warnings: Vec<String>,
}

impl Summary {
    /// The row for a (region, year, metric), if reported.
    pub fn get(&self, region: &str, year: i32, metric: &str) -> Option<&Stat> {
        self.rows.iter().find(|r| r.region == region && r.year == year && r.metric == metric).map(|r| &r.stat)
    }
}
