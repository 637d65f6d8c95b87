//! One answer of the page: the scenario as written and the scenario with
//! the levers, paired run by run on the same seed, their headline figures
//! and differences with 90% intervals, and the two charts of each, drawn by
//! `output`'s chart code.
//!
//! Pairing: run `i` of either scenario is a function of (scenario, seed,
//! `i`) alone (ARCHITECTURE.md, invariant 3), so the scenario as written is
//! simulated once, when the server starts, and its values run by run are
//! kept; each answer simulates only the changed scenario, on the same seed
//! and run indices, and takes the differences run by run. They are exactly
//! the differences `compare` takes (a test checks it), for a third less
//! simulation than `compare` (both scenarios) plus the changed scenario's run.

use std::path::Path;

use fundscape_output::{live_charts, unmet_scale, year_name, LiveChart, Manifest, Results};
use fundscape_sim::stats::Stat;
use fundscape_sim::{run, RunConfig, Scenario, Summary};
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

/// The metrics kept run by run (all regions), in this order; then the
/// spend by funders (every `spend:` source but legal aid and local
/// authorities, summed), [`FUNDER_SPEND`].
pub const PER_RUN_METRICS: [&str; 3] = ["abandoned", "served", "posts_funded"];

/// The slot of the funders' spend in [`PerRun`].
const FUNDER_SPEND: usize = PER_RUN_METRICS.len();

/// The slots kept for each run and year.
const SLOTS: usize = PER_RUN_METRICS.len() + 1;

/// Whether a spend source is a funder's (not legal aid's or local
/// authorities').
fn is_funder_source(source: &str) -> bool {
    !matches!(source, "legal_aid" | "local_authority")
}

/// Every run's value of [`PER_RUN_METRICS`] and the funders' spend for all
/// regions, by run, year and slot: what paired differences are taken from.
#[derive(Debug, Clone, PartialEq)]
pub struct PerRun {
    pub runs: usize,
    pub years: usize,
    /// `values[(run * years + year) * SLOTS + slot]`.
    pub values: Vec<f64>,
    /// Each run's share of grant posts still funded [`SURVIVAL_MONTHS`]
    /// after their first term end; empty when no post is followed that long.
    pub survival: Vec<f64>,
}

/// The months after the first term end of the survival figure.
const SURVIVAL_MONTHS: usize = 24;

impl PerRun {
    /// The runs' values of `metric` in the last year (a stock at the end) or
    /// summed over the years (a flow over the horizon).
    fn column(&self, metric: usize, last_year_only: bool) -> Vec<f64> {
        let m = SLOTS;
        (0..self.runs)
            .map(|r| {
                let at = |y: usize| self.values[(r * self.years + y) * m + metric];
                if last_year_only {
                    at(self.years.saturating_sub(1))
                } else {
                    (0..self.years).map(at).sum()
                }
            })
            .collect()
    }
}

/// Simulates the runs of `s` again (the same seed and run indices as its
/// `run`) and keeps [`PER_RUN_METRICS`] and the funders' spend run by run,
/// all regions.
///
/// # Errors
/// Too many rows (runs × regions × years beyond `samples`' limit).
pub fn per_run(s: &Scenario, config: &RunConfig) -> Result<PerRun, String> {
    let mut metrics: Vec<String> = PER_RUN_METRICS.iter().map(|m| m.to_string()).collect();
    metrics.extend(s.spend_sources().iter().filter(|x| is_funder_source(x)).map(|x| format!("spend:{x}")));
    let (rows, survival) =
        fundscape_sim::samples::samples_and_survival(s, config, &metrics, Some(SURVIVAL_MONTHS), &|_| {})
            .map_err(|e| e.to_string())?;
    let (runs, years, all) = (config.runs.max(1) as usize, s.years as usize, s.regions.len());
    let mut values = vec![0.0; runs * years * SLOTS];
    // Rows come in metric order within a run and year, so the sources'
    // spend adds up in the order of the summary's sources.
    for row in rows.iter().filter(|r| r.region == all) {
        let slot = row.metric.min(FUNDER_SPEND);
        if let Some(v) = values.get_mut((row.run as usize * years + row.year) * SLOTS + slot) {
            if slot == FUNDER_SPEND {
                *v += row.value;
            } else {
                *v = row.value;
            }
        }
    }
    Ok(PerRun { runs, years, values, survival })
}

/// The changed scenario simulated: its run (for its charts and spreads) and
/// its values run by run (for the paired differences).
pub struct Simulated {
    pub alt: Results,
    pub alt_runs: PerRun,
    /// Seconds spent in the run and in the run-by-run values.
    pub run_seconds: f64,
    pub per_run_seconds: f64,
}

/// Simulates `alt` on the same seed and run indices as the base. `keep_going`
/// is asked between its two passes; when it says no, `None` (a newer request
/// has superseded this one).
///
/// # Errors
/// As [`per_run`].
pub fn simulate(
    alt: &Scenario,
    path: &Path,
    config: &RunConfig,
    keep_going: &dyn Fn() -> bool,
) -> Result<Option<Simulated>, String> {
    let t = std::time::Instant::now();
    let alt_runs = per_run(alt, config)?;
    let per_run_seconds = t.elapsed().as_secs_f64();
    if !keep_going() {
        return Ok(None);
    }
    let t = std::time::Instant::now();
    let alt_results = results_of(run(alt, config, &|_| {}), alt, path);
    Ok(Some(Simulated { alt: alt_results, alt_runs, run_seconds: t.elapsed().as_secs_f64(), per_run_seconds }))
}

fn num(x: f64) -> Json {
    // serde_json writes non-finite numbers as null.
    json!(x)
}

/// The `q`-quantile of sorted values (linear between order statistics).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (i, t) = (pos.floor() as usize, pos - pos.floor());
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (sorted[j] - sorted[i]) * t
}

/// Mean, sd and the 5th, 50th and 95th percentiles of the runs' values.
fn describe(xs: &[f64]) -> (f64, f64, f64, f64, f64) {
    let n = xs.len().max(1) as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 { xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    (mean, var.sqrt(), quantile(&sorted, 0.05), quantile(&sorted, 0.5), quantile(&sorted, 0.95))
}

/// A figure across runs: mean, median and the runs' 5–95% range.
fn spread_of(xs: &[f64]) -> Json {
    let (mean, _, p05, p50, p95) = describe(xs);
    json!({ "mean": num(mean), "p05": num(p05), "p50": num(p50), "p95": num(p95) })
}

/// A figure from a run's summary: median and the runs' 5–95% range.
fn spread(s: &Stat) -> Json {
    json!({ "mean": num(s.mean), "p05": num(s.p05), "p50": num(s.p50), "p95": num(s.p95) })
}

/// A paired difference, run by run: its mean with the 90% interval of the
/// mean (± 1.645 standard errors), and the 5–95% range of the runs' differences.
fn difference(alt: &[f64], base: &[f64]) -> Json {
    let d: Vec<f64> = alt.iter().zip(base).map(|(a, b)| a - b).collect();
    let (mean, sd, p05, _, p95) = describe(&d);
    let se = sd / (d.len().max(1) as f64).sqrt();
    json!({ "mean": num(mean), "low": num(mean - Z90 * se), "high": num(mean + Z90 * se), "p05": num(p05), "p95": num(p95) })
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
pub fn figures(base: &Results, base_runs: &PerRun, sim: &Simulated) -> (Json, Json, Json) {
    let (mut b, mut a, mut d) = (Map::new(), Map::new(), Map::new());
    let alt_runs = &sim.alt_runs;
    // Figures kept run by run: both spreads and the paired difference.
    for (key, metric, last_only) in [
        ("abandoned_last_year", 0, true),
        ("abandoned_horizon", 0, false),
        ("posts_funded_end", 2, true),
        ("served_horizon", 1, false),
        // Spend by funders (grant and round funders, same_funder and
        // other_funder; not legal aid or local authorities), over the horizon.
        ("funder_spend_horizon", FUNDER_SPEND, false),
    ] {
        let (xb, xa) = (base_runs.column(metric, last_only), alt_runs.column(metric, last_only));
        b.insert(key.into(), spread_of(&xb));
        a.insert(key.into(), spread_of(&xa));
        d.insert(key.into(), difference(&xa, &xb));
    }
    // Survival: both runs' spreads (survival.csv's), and the paired
    // difference of the runs' shares when both follow posts that long.
    let survival =
        |r: &Results| r.summary.survival.iter().find(|s| s.months_after_first_end == SURVIVAL_MONTHS).map(|s| s.stat);
    let (vb, va) = (survival(base), survival(&sim.alt));
    b.insert("survival_24".into(), vb.as_ref().map(spread).unwrap_or(Json::Null));
    a.insert("survival_24".into(), va.as_ref().map(spread).unwrap_or(Json::Null));
    let (sb, sa) = (&base_runs.survival, &alt_runs.survival);
    d.insert(
        "survival_24".into(),
        if !sb.is_empty() && sb.len() == sa.len() { difference(sa, sb) } else { Json::Null },
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
