//! One answer of the page: the scenario as written and the scenario with
//! the levers, paired run by run on the same seed (`fundscape_sim::compare`),
//! their headline figures and differences with 90% intervals, and the two
//! charts of each, drawn by `output`'s chart code.

use std::path::Path;

use fundscape_output::{live_charts, unmet_scale, year_name, LiveChart, Manifest, Results};
use fundscape_sim::compare::{CompareRow, Comparison};
use fundscape_sim::stats::Stat;
use fundscape_sim::{compare, run, RunConfig, Scenario, Summary};
use serde_json::{json, Map, Value as Json};

/// z for a two-sided 90% interval of a mean.
const Z90: f64 = 1.6448536269514722;

/// The figures of one scenario's run that the charts are drawn from.
pub fn results_of(summary: Summary, scenario: &Scenario, path: &Path) -> Results {
    let manifest = Manifest::new(&summary, scenario, path, 0.0);
    Results { manifest, summary, start: scenario.start, scenario_files: Vec::new() }
}

/// Simulates the scenario as written (once, when the server starts).
pub fn base_results(scenario: &Scenario, path: &Path, config: &RunConfig) -> Results {
    results_of(run(scenario, config, &|_| {}), scenario, path)
}

/// The paired comparison and the changed scenario's own run (for its charts).
pub struct Simulated {
    pub comparison: Comparison,
    pub alt: Results,
    /// Seconds spent in the paired comparison and in the changed scenario's run.
    pub compare_seconds: f64,
    pub run_seconds: f64,
}

/// Runs `alt` against `base` on the same seed and run indices, then `alt`
/// alone for its charts. `keep_going` is asked between the two; when it
/// says no, `None` (a newer request has superseded this one).
pub fn simulate(
    base: &Scenario,
    alt: &Scenario,
    path: &Path,
    config: &RunConfig,
    keep_going: &dyn Fn() -> bool,
) -> Result<Option<Simulated>, String> {
    let t = std::time::Instant::now();
    let comparison = compare(base, &[("levers".to_string(), alt)], config, &|_| {}).map_err(|e| e.to_string())?;
    let compare_seconds = t.elapsed().as_secs_f64();
    if !keep_going() {
        return Ok(None);
    }
    let t = std::time::Instant::now();
    let alt = results_of(run(alt, config, &|_| {}), alt, path);
    Ok(Some(Simulated { comparison, alt, compare_seconds, run_seconds: t.elapsed().as_secs_f64() }))
}

fn num(x: f64) -> Json {
    // serde_json writes non-finite numbers as null.
    json!(x)
}

/// A figure from a run's summary: median and the runs' 5–95% range.
fn spread(s: &Stat) -> Json {
    json!({ "mean": num(s.mean), "p05": num(s.p05), "p50": num(s.p50), "p95": num(s.p95) })
}

/// A mean alone (the summary has no quantiles of a sum over years).
fn mean_only(x: f64) -> Json {
    json!({ "mean": num(x) })
}

/// A paired difference: its mean with the 90% interval of the mean
/// (± 1.645 Monte Carlo standard errors), and the 5–95% range of the
/// runs' differences where kept (the horizon).
fn difference(row: &CompareRow) -> Json {
    let d = &row.diff;
    json!({
        "mean": num(d.mean),
        "low": num(d.mean - Z90 * d.mcse),
        "high": num(d.mean + Z90 * d.mcse),
        "p05": num(d.p05),
        "p95": num(d.p95),
    })
}

/// The headline figures: (key, label, unit), in page order.
pub fn figure_labels(s: &Scenario, start_month: u32) -> Vec<(&'static str, String, &'static str)> {
    let first = s.year_label(0);
    let last = s.year_label(s.years.saturating_sub(1) as usize);
    let (f, l) = (year_name(start_month, first), year_name(start_month, last));
    vec![
        ("abandoned_last_year", format!("Unmet demand in {l}: cases abandoned"), "cases"),
        ("abandoned_horizon", format!("Unmet demand {f} to {l}: cases abandoned"), "cases"),
        ("posts_funded_end", format!("Posts funded at the end of {l}"), "posts"),
        ("served_horizon", format!("Cases served {f} to {l}"), "cases"),
        ("funder_spend_horizon", format!("Spend by funders {f} to {l}"), "£"),
        ("survival_24", "Grant posts still funded 24 months after their grant ends".to_string(), "share"),
    ]
}

/// The `base`, `alt` and `diff` objects of an answer, keyed by figure.
pub fn figures(base: &Results, sim: &Simulated) -> (Json, Json, Json) {
    let (mut b, mut a, mut d) = (Map::new(), Map::new(), Map::new());
    let c = &sim.comparison;
    let last = base.summary.years.last().copied().unwrap_or(0);
    let row = |year: Option<i32>, metric: &str| c.get("levers", "all", year, metric);
    let from_summary = |r: &Results, metric: &str| r.get("all", last, metric).map(spread).unwrap_or(Json::Null);

    // Final year: both runs' spreads; the difference's mean with its interval.
    b.insert("abandoned_last_year".into(), from_summary(base, "abandoned"));
    a.insert("abandoned_last_year".into(), from_summary(&sim.alt, "abandoned"));
    d.insert("abandoned_last_year".into(), row(Some(last), "abandoned").map(difference).unwrap_or(Json::Null));

    // Flows over the horizon: means; the paired difference in full.
    for (key, metric) in
        [("abandoned_horizon", "abandoned"), ("served_horizon", "served"), ("funder_spend_horizon", "spend:funders")]
    {
        let r = row(None, metric);
        b.insert(key.into(), r.map(|r| mean_only(r.base_mean)).unwrap_or(Json::Null));
        a.insert(key.into(), r.map(|r| mean_only(r.alt_mean)).unwrap_or(Json::Null));
        d.insert(key.into(), r.map(difference).unwrap_or(Json::Null));
    }

    // A stock at the end: the last year's spread; the difference in full.
    b.insert("posts_funded_end".into(), from_summary(base, "posts_funded"));
    a.insert("posts_funded_end".into(), from_summary(&sim.alt, "posts_funded"));
    d.insert("posts_funded_end".into(), row(None, "posts_funded").map(difference).unwrap_or(Json::Null));

    // Survival: both runs' spreads; the difference of the means (the same
    // runs, so exact), without an interval (compare does not pair it).
    let survival = |r: &Results| r.summary.survival.iter().find(|s| s.months_after_first_end == 24).map(|s| s.stat);
    let (sb, sa) = (survival(base), survival(&sim.alt));
    b.insert("survival_24".into(), sb.as_ref().map(spread).unwrap_or(Json::Null));
    a.insert("survival_24".into(), sa.as_ref().map(spread).unwrap_or(Json::Null));
    d.insert(
        "survival_24".into(),
        match (sb, sa) {
            (Some(x), Some(y)) => json!({ "mean": num(y.mean - x.mean) }),
            _ => Json::Null,
        },
    );
    (Json::Object(b), Json::Object(a), Json::Object(d))
}

/// The charts of both runs on one unmet-demand scale, as
/// `{"base": {name: svg}, "alt": {name: svg}, "titles": {..}, "notes": {..}}`.
///
/// # Errors
/// A drawing failure (not expected for any input).
pub fn charts(base: &Results, alt: &Results) -> Result<Json, String> {
    let top = unmet_scale(base).max(unmet_scale(alt));
    let draw = |r: &Results| live_charts(r, Some(top)).map_err(|e| e.to_string());
    let (cb, ca) = (draw(base)?, draw(alt)?);
    let svgs =
        |cs: &[LiveChart]| Json::Object(cs.iter().map(|c| (c.name.to_string(), Json::String(c.svg.clone()))).collect());
    let titles = Json::Object(cb.iter().map(|c| (c.name.to_string(), Json::String(c.title.clone()))).collect());
    let notes = Json::Object(cb.iter().map(|c| (c.name.to_string(), Json::String(c.note.clone()))).collect());
    Ok(json!({ "base": svgs(&cb), "alt": svgs(&ca), "titles": titles, "notes": notes }))
}
