//! Horizon totals (`totals.csv`), the exceedance curve of unmet demand
//! (`exceedance.csv`) and the comparison's horizon table
//! (`compare_totals.csv`): checks that could fail.

use fundscape_sim::model::{Plan, ABANDONED};
use fundscape_sim::{compare, RunConfig, Summary};

use crate::common::*;

fn tiny() -> String {
    std::fs::read_to_string(data("tiny.toml")).unwrap()
}

/// The metrics of `totals.csv` in a summary, in order.
fn horizon_metrics(s: &Summary) -> Vec<String> {
    let mut out: Vec<String> = s.totals.iter().filter(|t| t.region == "all").map(|t| t.metric.clone()).collect();
    out.dedup();
    out
}

#[test]
fn totals_are_the_sums_of_the_yearly_figures_in_every_region() {
    let s = summarise(&tiny(), 700, 3);
    let metrics = horizon_metrics(&s);
    assert_eq!(&metrics[..4], ["demand", "served", "abandoned", "post_years"]);
    assert!(metrics[4..].iter().all(|m| m.starts_with("spend:")), "{metrics:?}");
    let spend: Vec<&String> = s.rows.iter().filter(|r| r.metric.starts_with("spend:")).map(|r| &r.metric).collect();
    assert!(spend.iter().all(|m| metrics.contains(m)), "every spend source has a total");
    let regions: Vec<String> = std::iter::once("all".to_string()).chain(s.regions.iter().cloned()).collect();
    assert_eq!(s.totals.len(), regions.len() * metrics.len());
    for region in &regions {
        for metric in &metrics {
            let total = s.total(region, metric).unwrap_or_else(|| panic!("no total for {region} {metric}"));
            if metric == "post_years" {
                // post_years is not a summary.csv metric; it is checked by the engine test below.
                continue;
            }
            let sum: f64 = s.years.iter().map(|&y| s.get(region, y, metric).unwrap().mean).sum();
            assert!(
                (total.mean - sum).abs() <= 1e-9 * (1.0 + sum.abs()),
                "{region} {metric}: total mean {} but yearly means add to {sum}",
                total.mean
            );
            // Its quantiles are ordered, and its mcse is sd / √runs.
            assert!(
                total.p05 <= total.p25 && total.p25 <= total.p50 && total.p50 <= total.p75 && total.p75 <= total.p95
            );
            assert!((total.mcse - total.sd / (s.runs as f64).sqrt()).abs() <= 1e-12 * (1.0 + total.sd));
        }
    }
    // Service accounts for the horizon as for each year: backlog at start +
    // demand = served + abandoned + backlog at the end (means are linear).
    let last = *s.years.last().unwrap();
    for (region, backlog) in [("north-west", 1500.0), ("wales", 0.0)] {
        let t = |m: &str| s.total(region, m).unwrap().mean;
        let end = s.get(region, last, "backlog_end").unwrap().mean;
        let (lhs, rhs) = (backlog + t("demand"), t("served") + t("abandoned") + end);
        assert!((lhs - rhs).abs() <= 1e-9 * lhs, "{region}: {lhs} in, {rhs} out");
    }
}

/// Each run's horizon block holds the sums of its own yearly figures (so
/// the statistics of a total are those of each run's sum).
#[test]
fn every_run_records_the_sums_of_its_years() {
    let s = scenario(&tiny());
    let plan = Plan::new(&s);
    let mut record = plan.new_record();
    let metrics = plan.horizon_metrics();
    for run in 0..20 {
        plan.simulate(9, run, &mut record, None);
        for r in 0..=s.regions.len() {
            for (k, &m) in metrics.iter().enumerate() {
                let sum: f64 = (0..s.years as usize).map(|y| record.values[plan.index(r, y, m)]).sum();
                assert_eq!(record.values[plan.horizon_index(r, k)], sum, "run {run}, region {r}, metric {m}");
            }
        }
    }
}

/// No posts, no growth, no noise: demand is Poisson with mean
/// `demand / 12` every month, so the horizon total has mean
/// `12 · years · demand / 12` and variance the same.
#[test]
fn horizon_demand_without_growth_is_years_times_the_yearly_demand() {
    let text = r#"
        [scenario]
        start = "2025-04"
        years = 7
        [[regions]]
        id = "wales"
        demand = 3000
        demand_growth = 0
        demand_volatility = 0
        abandon_rate = 0.1
        other_capacity = 2000
    "#;
    let s = summarise(text, 4000, 21);
    let d = s.total("wales", "demand").unwrap();
    let expected = 7.0 * 3000.0;
    assert_within("horizon demand", d.mean, d.mcse, expected, 4.0);
    // Poisson: the sd across runs is √mean (within 5% at 4,000 runs).
    assert!((d.sd / expected.sqrt() - 1.0).abs() < 0.05, "sd {} against √{expected}", d.sd);
    assert_eq!(s.total("all", "demand").unwrap().mean, d.mean);
    // The median of a near-normal total sits near its mean.
    assert!((d.p50 - expected).abs() < 4.0 * d.sd / 10.0, "median {}", d.p50);
}

#[test]
fn exceedance_falls_as_the_level_rises_and_halves_at_the_median() {
    let text = tiny();
    let s = summarise(&text, 3000, 5);
    for region in ["all", "north-west", "wales"] {
        let curve: Vec<_> = s.exceedance.iter().filter(|e| e.region == region).collect();
        assert!(curve.len() > 50, "{region}: {} levels", curve.len());
        for w in curve.windows(2) {
            assert!(w[1].level > w[0].level, "{region}: levels rise");
            assert!(w[1].probability <= w[0].probability, "{region}: probabilities fall");
        }
        let t = s.total(region, "abandoned").unwrap();
        let at_median = curve.iter().find(|e| e.level == t.p50).expect("the median is a level");
        assert!((at_median.probability - 0.5).abs() < 0.03, "{region}: P(> p50) = {}", at_median.probability);
        assert!(curve.iter().all(|e| (0.0..=1.0).contains(&e.probability)));
    }
    // Against each run's own horizon total: P(> level) is the share of runs
    // above the level, up to the sketch's bucket (0.4%).
    let sc = scenario(&text);
    let plan = Plan::new(&sc);
    let k = plan.horizon_metrics().iter().position(|&m| m == ABANDONED).unwrap();
    let mut record = plan.new_record();
    let totals: Vec<f64> = (0..3000)
        .map(|i| {
            plan.simulate(5, i, &mut record, None);
            record.values[plan.horizon_index(sc.regions.len(), k)]
        })
        .collect();
    let share_above = |x: f64| totals.iter().filter(|&&t| t > x).count() as f64 / totals.len() as f64;
    let e = fundscape_sim::stats::RELATIVE_ERROR;
    for point in s.exceedance.iter().filter(|e| e.region == "all") {
        let (hi, lo) = (share_above(point.level * (1.0 - 2.0 * e)), share_above(point.level * (1.0 + 2.0 * e)));
        assert!(
            lo <= point.probability && point.probability <= hi,
            "P(> {}) = {} but runs above it: {lo}..{hi}",
            point.level,
            point.probability
        );
    }
}

#[test]
fn compare_keeps_years_numeric_and_the_horizon_in_its_own_table() {
    let base = scenario(&tiny());
    let alt_text = tiny().replace("budget = 100000", "budget = 400000");
    let alt = scenario(&alt_text);
    let c = compare(&base, &[("la".into(), &alt)], &RunConfig { runs: 400, seed: 2, threads: 0 }, &|_| {}).unwrap();
    let yearly = String::from_utf8(fundscape_output::compare_csv(&c)).unwrap();
    let totals = String::from_utf8(fundscape_output::compare_totals_csv(&c)).unwrap();
    let mut lines = yearly.lines();
    assert!(lines.next().unwrap().starts_with("alt,region,year,metric,"));
    for line in lines {
        let year = line.split(',').nth(2).unwrap();
        assert!(year.parse::<i32>().is_ok(), "compare.csv has a year `{year}`: {line}");
    }
    let mut lines = totals.lines();
    assert!(lines.next().unwrap().starts_with("alt,region,metric,base_mean,"));
    let rows: Vec<&str> = lines.collect();
    let horizon: Vec<_> = c.rows.iter().filter(|r| r.year.is_none()).collect();
    // Then each region's extra funder spend and two ratios, and `all`'s ask_cost.
    let alls = c.costs.iter().filter(|k| k.region == "all").count();
    assert_eq!(rows.len(), horizon.len() + 3 * c.costs.len() + alls);
    // Each horizon row is the row compare.csv used to hold, without its year.
    for (line, r) in rows.iter().zip(&horizon) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!((f[0], f[1], f[2]), (r.alt.as_str(), r.region.as_str(), r.metric.as_str()));
        assert_eq!(f[5], fundscape_output::csv_number(r.diff.mean));
        assert_eq!(f[9], fundscape_output::csv_number(r.diff.p05), "horizon rows keep their quantiles");
    }
    assert!(rows[horizon.len()..].iter().all(|l| {
        let metric = l.split(',').nth(2).unwrap();
        metric.starts_with("cost_per_") || metric == "extra_funder_spend" || metric == "ask_cost"
    }));
    // The yearly rows are exactly the comparison's yearly rows.
    assert_eq!(yearly.lines().count() - 1, c.rows.iter().filter(|r| r.year.is_some()).count());
}
