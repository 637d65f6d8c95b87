//! `samples.csv`: per-run values of the figures `run --samples` names,
//! `run,region,year,metric,value`, tidy for R or pandas.

use fundscape_sim::samples::SampleRow;
use fundscape_sim::Scenario;

/// The CSV of `rows` (from [`fundscape_sim::samples::samples`] with
/// `metrics`), regions by id (`all` for the total), years by calendar label.
pub fn samples_csv(scenario: &Scenario, metrics: &[String], rows: &[SampleRow]) -> Vec<u8> {
    let nr = scenario.regions.len();
    let mut out = String::from("run,region,year,metric,value\n");
    out.reserve(rows.len() * 40);
    for r in rows {
        let region = if r.region == nr { "all" } else { scenario.regions[r.region].id.as_str() };
        let metric = metrics.get(r.metric).map_or("", String::as_str);
        let metric = if metric.contains([',', '"']) {
            format!("\"{}\"", metric.replace('"', "\"\""))
        } else {
            metric.to_string()
        };
        out.push_str(&format!(
            "{},{region},{},{metric},{}\n",
            r.run,
            scenario.year_label(r.year),
            crate::cell::csv_number(r.value)
        ));
    }
    out.into_bytes()
}
