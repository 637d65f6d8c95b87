//! Reading a comparison's directory back (`compare.csv`, `compare_totals.csv`
//! and its manifest)
//! into the [`Comparison`] its charts and report are drawn from, and telling
//! a comparison's directory from a run's by its manifest. `compare` draws its
//! charts from the bytes it is about to write, through the same parser, so
//! a later `fundscape report DIR` gives the same bytes.

use std::path::Path;

use fundscape_sim::compare::{CompareRow, CostRow};
use fundscape_sim::scenario::YearMonth;
use fundscape_sim::stats::Stat;
use fundscape_sim::Comparison;

use crate::compare::{CompareManifest, COMPARE_HEADER, COMPARE_TOTALS_HEADER};
use crate::read::{
    fetch_text, from_disk, malformed, number, records, region_name, year_name, Get, ReadResultsError, Results,
};

/// Everything a comparison's charts and report are drawn from.
#[derive(Debug, Clone)]
pub struct CompareResults {
    pub manifest: CompareManifest,
    pub comparison: Comparison,
    /// First month of the horizon.
    pub start: YearMonth,
}

/// A results directory of either kind.
#[derive(Debug, Clone)]
pub enum ResultsDir {
    Run(Box<Results>),
    Compare(Box<CompareResults>),
}

/// True when a manifest's text is a comparison's (it names a base and alternatives).
fn is_comparison(manifest: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(manifest)
        .is_ok_and(|v| v.get("base").is_some() && v.get("alts").is_some())
}

impl ResultsDir {
    /// Reads the results directory `dir`, written by `fundscape run` or
    /// `fundscape compare` (told apart by its manifest).
    ///
    /// # Errors
    /// As [`Results::read_dir`].
    pub fn read(dir: &Path) -> Result<Self, ReadResultsError> {
        let get = from_disk(dir);
        if dir.is_dir() {
            if let Ok((_, text)) = fetch_text(dir, "manifest.json", &get) {
                if is_comparison(&text) {
                    return CompareResults::parse(dir, &get).map(|c| Self::Compare(Box::new(c)));
                }
            }
        }
        Results::read_dir(dir).map(|r| Self::Run(Box::new(r)))
    }
}

/// A number cell of `compare.csv`: empty is NaN (a quantile not kept).
fn cell(path: &Path, line: u64, column: &str, field: &str) -> Result<f64, ReadResultsError> {
    if field.is_empty() {
        Ok(f64::NAN)
    } else {
        number(path, line, column, field)
    }
}

impl CompareResults {
    /// Builds the comparison from files fetched by name with `get`; `dir`
    /// names files in messages.
    ///
    /// # Errors
    /// A missing or malformed file, or an I/O failure.
    pub fn parse(dir: &Path, get: &Get<'_>) -> Result<Self, ReadResultsError> {
        let (path, text) = fetch_text(dir, "manifest.json", get)?;
        let manifest: CompareManifest = serde_json::from_str(&text).map_err(|e| ReadResultsError::Malformed {
            path: path.clone(),
            message: format!(
                "not a comparison manifest written by this version of fundscape: {e}; run the comparison again"
            ),
        })?;
        let start = YearMonth::parse(&manifest.start).ok_or_else(|| ReadResultsError::Malformed {
            path: path.clone(),
            message: format!("`start` is `{}`, not a month written as \"YYYY-MM\"", manifest.start),
        })?;
        let alts: Vec<String> = manifest.alts.iter().map(|a| a.label.clone()).collect();
        let mut rows = Vec::new();
        let mut costs: Vec<CostRow> = Vec::new();
        let mut years: Vec<i32> = Vec::new();
        // compare.csv holds the model years; compare_totals.csv the horizon
        // (the same columns without `year`) and the costs.
        for (name, header) in [("compare.csv", &COMPARE_HEADER[..]), ("compare_totals.csv", &COMPARE_TOTALS_HEADER[..])]
        {
            let (path, text) = fetch_text(dir, name, get)?;
            let yearly = header.len() == COMPARE_HEADER.len();
            for (line, rec) in records(&path, &text, header)? {
                // Columns as in compare.csv: a horizon row has no year.
                let field = |i: usize| -> &str {
                    match (yearly, i) {
                        (true, _) | (false, 0..=1) => rec.get(i).unwrap_or_default(),
                        (false, 2) => "",
                        (false, _) => rec.get(i - 1).unwrap_or_default(),
                    }
                };
                let num = |i: usize| cell(&path, line, COMPARE_HEADER[i], field(i));
                let alt = field(0).to_string();
                if !alts.contains(&alt) {
                    return Err(malformed(&path, line, format!("`alt` is `{alt}`, which the manifest does not list")));
                }
                let region = field(1).to_string();
                let year = if yearly { Some(number::<i32>(&path, line, "year", field(2))?) } else { None };
                if let Some(y) = year.filter(|y| !years.contains(y)) {
                    years.push(y);
                }
                let metric = field(3).to_string();
                if let Some(kind) = metric.strip_prefix("cost_per_").filter(|_| !yearly) {
                    let value = Some(num(6)?).filter(|x| x.is_finite());
                    if !cost_cell(&mut costs, &alt, &region, kind, value) {
                        return Err(malformed(&path, line, format!("`metric` is `{metric}`, not a metric of compare")));
                    }
                    continue;
                }
                let prob =
                    |i: usize| -> Result<Option<f64>, ReadResultsError> { Ok(Some(num(i)?).filter(|x| x.is_finite())) };
                let (mean, sd, p05, p50, p95, mcse) = (num(6)?, num(9)?, num(10)?, num(11)?, num(12)?, num(13)?);
                rows.push(CompareRow {
                    alt,
                    region,
                    year,
                    metric,
                    base_mean: num(4)?,
                    alt_mean: num(5)?,
                    diff: Stat { mean, sd, p05, p25: f64::NAN, p50, p75: f64::NAN, p95, mcse },
                    prob_better: prob(14)?,
                    prob_worse: prob(15)?,
                });
            }
        }
        years.sort_unstable();
        if years.is_empty() {
            return Err(ReadResultsError::Malformed {
                path: dir.join("compare.csv"),
                message: "has no yearly rows; run the comparison again".into(),
            });
        }
        fill_costs(&mut costs, &rows, &manifest);
        let comparison = Comparison {
            base: manifest.base.scenario_name.clone(),
            alts,
            runs: manifest.runs,
            seed: manifest.seed,
            threads: manifest.threads,
            regions: manifest.regions.iter().map(|r| r.id.clone()).collect(),
            years,
            kinds: manifest.alts.iter().map(|a| kind_of(Some(a))).collect(),
            ask_costs: manifest.alts.iter().map(|a| a.ask_cost).collect(),
            rows,
            costs,
        };
        Ok(Self { manifest, comparison, start })
    }

    /// The display name of a region id (`all` is "All regions").
    pub fn region_name(&self, id: &str) -> String {
        region_name(&self.manifest.regions, id)
    }

    /// How a model year is named for people.
    pub fn year_name(&self, label: i32) -> String {
        year_name(self.start.month(), label)
    }
}

/// Sets one `cost_per_*` figure of `(alt, region)`, adding its row when
/// it is the first; false for a kind that compare does not write.
fn cost_cell(costs: &mut Vec<CostRow>, alt: &str, region: &str, kind: &str, value: Option<f64>) -> bool {
    let at = match costs.iter().position(|k| k.alt == alt && k.region == region) {
        Some(i) => i,
        None => {
            costs.push(CostRow {
                alt: alt.to_string(),
                region: region.to_string(),
                extra_funder_spend: f64::NAN,
                extra_post_years: f64::NAN,
                extra_cases_served: f64::NAN,
                cost_per_post_year_saved: None,
                cost_per_extra_case_served: None,
            });
            costs.len() - 1
        }
    };
    match kind {
        "post_year_saved" => costs[at].cost_per_post_year_saved = value,
        "extra_case_served" => costs[at].cost_per_extra_case_served = value,
        _ => return false,
    }
    true
}

/// What each ask costs, read from its horizon rows as compare computes it;
/// the ask's own cost counts once, in all regions.
fn fill_costs(costs: &mut [CostRow], rows: &[CompareRow], manifest: &CompareManifest) {
    let horizon = |alt: &str, region: &str, metric: &str| {
        rows.iter()
            .find(|r| r.alt == alt && r.region == region && r.year.is_none() && r.metric == metric)
            .map_or(f64::NAN, |r| r.diff.mean)
    };
    for k in costs {
        let own = if k.region == "all" {
            manifest.alts.iter().find(|s| s.label == k.alt).map_or(0.0, |s| s.ask_cost)
        } else {
            0.0
        };
        k.extra_funder_spend = horizon(&k.alt, &k.region, "spend:funders") + own;
        k.extra_post_years = horizon(&k.alt, &k.region, "post_years");
        k.extra_cases_served = horizon(&k.alt, &k.region, "served");
    }
}

/// An alt's kind as the manifest says (an ask unless it says `risk`).
fn kind_of(s: Option<&crate::ComparedScenario>) -> fundscape_sim::scenario::ScenarioKind {
    use fundscape_sim::scenario::ScenarioKind;
    if s.is_some_and(|s| s.kind == "risk") {
        ScenarioKind::Risk
    } else {
        ScenarioKind::Ask
    }
}
