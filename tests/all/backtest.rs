//! The backtest table in the README comes from here: both backtest
//! scenarios are run at their own seed and number of runs, England and
//! Wales shares are computed from the summary, and the README must hold
//! exactly these rows. If a deliberate change moves them, paste the rows this
//! test prints into the README.

use std::path::Path;

use fundscape_sim::{RunConfig, Summary};

/// The published series (data.md, Jo Wilding): deficit / need.
const PUBLISHED: [(i32, &str); 4] = [(2020, "17%"), (2021, "40–43%"), (2022, "51%"), (2023, "57%")];

fn run(file: &str) -> Summary {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let s = fundscape_sim::load(&path).unwrap_or_else(|e| panic!("{e}"));
    fundscape_sim::run(&s, &RunConfig { runs: s.runs, seed: s.seed, threads: 0 }, &|_| {})
}

fn mean(s: &Summary, year: i32, metric: &str) -> f64 {
    s.get("all", year, metric).unwrap_or_else(|| panic!("no {metric} in {year}")).mean
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// Shares of the year's demand over all regions (the backtests hold only
/// England and Wales, so `all` is E&W), as ratios of the mean totals:
/// the capacity gap 1 − capacity / demand (need minus what legal aid could
/// serve, the analogue of the published deficit), demand not served in the
/// year, and demand abandoned.
fn shares(s: &Summary, year: i32) -> [f64; 3] {
    let demand = mean(s, year, "demand");
    [
        1.0 - mean(s, year, "capacity") / demand,
        1.0 - mean(s, year, "served") / demand,
        mean(s, year, "abandoned") / demand,
    ]
}

#[test]
fn the_readme_table_is_what_the_backtests_give() {
    let known = run("backtest-2020.toml");
    let hindsight = run("backtest-2020-hindsight.toml");
    assert_eq!(known.years, vec![2020, 2021, 2022, 2023]);
    let mut rows = Vec::new();
    for (year, published) in PUBLISHED {
        let [gap, not_served, abandoned] = shares(&known, year);
        let [gap_h, ..] = shares(&hindsight, year);
        rows.push(format!(
            "| {year}-{:02} | {published} | {} | {} | {} | {} |",
            (year + 1) % 100,
            pct(gap),
            pct(not_served),
            pct(abandoned),
            pct(gap_h)
        ));
    }
    let table = rows.join("\n");
    println!("{table}");
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains(&table), "README.md's backtest table should have these rows:\n{table}");
    // The hindsight file's demand is the published need, year by year.
    for (year, need) in [(2020, 33_560.0), (2021, 57_712.0), (2022, 73_094.0), (2023, 96_235.0)] {
        let d = mean(&hindsight, year, "demand");
        assert!((d - need).abs() < 0.005 * need, "{year}: demand {d}, published need {need}");
    }
}
