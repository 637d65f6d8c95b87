//! What `fundscape compare` writes: `compare.csv`, `compare_totals.csv` and the ranking table.

use fundscape_sim::scenario::ScenarioKind;
use std::fmt::Write;

use fundscape_sim::{Comparison, Scenario};

use crate::files::RegionName;

use crate::cell::csv_number as num;

/// The columns of `compare.csv`.
pub(crate) const COMPARE_HEADER: [&str; 16] = [
    "alt",
    "region",
    "year",
    "metric",
    "base_mean",
    "alt_mean",
    "diff_mean",
    "diff_ci90_low",
    "diff_ci90_high",
    "diff_sd",
    "diff_p05",
    "diff_p50",
    "diff_p95",
    "diff_mcse",
    "prob_better",
    "prob_worse",
];

/// The columns of `compare_totals.csv`: those of `compare.csv` without `year`.
pub(crate) const COMPARE_TOTALS_HEADER: [&str; 15] = [
    "alt",
    "region",
    "metric",
    "base_mean",
    "alt_mean",
    "diff_mean",
    "diff_ci90_low",
    "diff_ci90_high",
    "diff_sd",
    "diff_p05",
    "diff_p50",
    "diff_p95",
    "diff_mcse",
    "prob_better",
    "prob_worse",
];

/// `compare.csv`: every figure per ask, region and model year (`year` is
/// always a calendar year; the horizon is in [`compare_totals_csv`]).
pub fn compare_csv(c: &Comparison) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let _ = w.write_record(COMPARE_HEADER);
    for r in &c.rows {
        if let Some(year) = r.year {
            let mut row = diff_fields(r);
            row.insert(2, year.to_string());
            let _ = w.write_record(&row);
        }
    }
    w.into_inner().unwrap_or_default()
}

/// `compare_totals.csv`: every figure per ask and region over the horizon
/// (flows summed over the years, stocks at the last year's end), then what
/// what the asks cost: the extra funder spend (with an ask's `ask_cost` in
/// `all`), the `ask_cost` itself (in `all`), and that spend per post-year
/// kept and per extra case served (these metrics fill `diff_mean` alone;
/// the ratios are empty where nothing is gained). NaN is an empty cell.
pub fn compare_totals_csv(c: &Comparison) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let _ = w.write_record(COMPARE_TOTALS_HEADER);
    for r in c.rows.iter().filter(|r| r.year.is_none()) {
        let _ = w.write_record(diff_fields(r));
    }
    for k in &c.costs {
        // The funder £ the terminal and report show (in `all`, with the
        // ask's `ask_cost`), so that the two ratios can be rebuilt.
        let ask_cost = (k.region == "all")
            .then(|| c.alts.iter().position(|a| *a == k.alt).and_then(|i| c.ask_costs.get(i)).copied())
            .flatten();
        for (metric, value) in [
            ("extra_funder_spend", Some(k.extra_funder_spend)),
            ("ask_cost", ask_cost),
            ("cost_per_post_year_saved", k.cost_per_post_year_saved),
            ("cost_per_extra_case_served", k.cost_per_extra_case_served),
        ] {
            if metric == "ask_cost" && value.is_none() {
                continue;
            }
            let mut row = vec![k.alt.clone(), k.region.clone(), metric.to_string()];
            row.extend(std::iter::repeat_n(String::new(), 2));
            row.push(value.map_or_else(String::new, num));
            row.extend(std::iter::repeat_n(String::new(), 9));
            let _ = w.write_record(&row);
        }
    }
    w.into_inner().unwrap_or_default()
}

/// A row's fields without the year: `alt,region,metric,base_mean,…`.
fn diff_fields(r: &fundscape_sim::compare::CompareRow) -> Vec<String> {
    let d = &r.diff;
    let opt = |x: Option<f64>| x.map_or_else(String::new, num);
    vec![
        r.alt.clone(),
        r.region.clone(),
        r.metric.clone(),
        num(r.base_mean),
        num(r.alt_mean),
        num(d.mean),
        num(d.mean - 1.645 * d.mcse),
        num(d.mean + 1.645 * d.mcse),
        num(d.sd),
        num(d.p05),
        num(d.p50),
        num(d.p95),
        num(d.mcse),
        opt(r.prob_better),
        opt(r.prob_worse),
    ]
}

pub(crate) fn money(x: f64) -> String {
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    if a >= 1e6 {
        format!("{sign}£{:.2}m", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}£{:.0}k", a / 1e3)
    } else {
        let whole = a.round() as u64;
        if whole >= 1000 {
            format!("{sign}£{},{:03}", whole / 1000, whole % 1000)
        } else {
            format!("{sign}£{whole}")
        }
    }
}

/// `x` with its sign, `decimals` places and thousands separators: `+2,804`,
/// `-1.5`.
fn signed(x: f64, decimals: usize) -> String {
    grouped(&format!("{x:+.decimals$}"))
}

/// A formatted number with separators put into its whole part: `12345.6`
/// → `12,345.6`, `-2804` → `-2,804`.
fn grouped(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix(['+', '-']) {
        Some(rest) => (&text[..1], rest),
        None => ("", text),
    };
    let (whole, fraction) = rest.split_once('.').map_or((rest, None), |(w, f)| (w, Some(f)));
    match whole.parse::<u64>() {
        Ok(n) if whole.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{sign}{}{}", crate::thousands(n as f64), fraction.map_or(String::new(), |f| format!(".{f}")))
        }
        _ => text.to_string(),
    }
}

/// The text tables `compare` prints: the asks ranked by unmet demand
/// averted over the horizon (all regions), with what each costs funders
/// (its `ask_cost` included), then the risks, ranked by unmet demand added.
/// A risk is never ranked among the asks.
pub fn compare_table(c: &Comparison) -> String {
    let kind =
        |alt: &str| c.alts.iter().position(|a| a == alt).and_then(|i| c.kinds.get(i)).copied().unwrap_or_default();
    let averted = |alt: &str| c.get(alt, "all", None, "abandoned").map_or(0.0, |r| -r.diff.mean);
    let mut asks: Vec<&str> = c.alts.iter().map(String::as_str).filter(|a| kind(a) == ScenarioKind::Ask).collect();
    asks.sort_by(|a, b| averted(b).total_cmp(&averted(a)));
    let mut risks: Vec<&str> = c.alts.iter().map(String::as_str).filter(|a| kind(a) == ScenarioKind::Risk).collect();
    risks.sort_by(|a, b| averted(a).total_cmp(&averted(b)));
    let span = match (c.years.first(), c.years.last()) {
        (Some(a), Some(b)) => format!("{a} to {b}"),
        _ => String::new(),
    };
    let mut out = String::new();
    if !asks.is_empty() {
        let _ = writeln!(
            out,
            "against {} (model years {span}; {} paired runs, seed {}), asks ranked by unmet demand averted:",
            c.base,
            crate::thousands(c.runs as f64),
            c.seed
        );
        table(&mut out, c, &asks, false);
    }
    if !risks.is_empty() {
        let _ = writeln!(
            out,
            "{}risks against {} (model years {span}; {} paired runs, seed {}), ranked by unmet demand added:",
            if asks.is_empty() { "" } else { "\n" },
            c.base,
            crate::thousands(c.runs as f64),
            c.seed
        );
        table(&mut out, c, &risks, true);
    }
    let _ = writeln!(
        out,
        "  (differences are ALT − base over the horizon, all regions: posts funded at the end (statutory: of them, paid by legal aid or local authorities, what outlasts any grant), post-years and cases served in total;\n   P(less) = share of runs with fewer cases abandoned, P(more) with more; £ = extra spend by funders, not legal aid or local authorities, with an ask's ask_cost)"
    );
    out
}

/// One ranking: `alts` in order; for risks, unmet demand added and P(more).
fn table(out: &mut String, c: &Comparison, alts: &[&str], risks: bool) {
    let _ = writeln!(
        out,
        "  {:<28} {:>27} {:>8} {:>10} {:>10} {:>10} {:>12} {:>12} {:>14} {:>12}",
        if risks { "risk" } else { "ask" },
        if risks { "unmet added (90% CI)" } else { "unmet averted (90% CI)" },
        if risks { "P(more)" } else { "P(less)" },
        "posts end",
        "statutory",
        "post-yrs",
        "cases",
        "funder £",
        "£/post-year",
        "£/case"
    );
    // Averted = −difference, added = difference; `0.0 - x` keeps a zero
    // from printing as -0.
    let sign = if risks { -1.0 } else { 1.0 };
    for &alt in alts {
        let row = |m: &str| c.get(alt, "all", None, m);
        let cost = c.costs.iter().find(|k| k.alt == alt && k.region == "all");
        let unmet = row("abandoned").map(|r| {
            let d = &r.diff;
            let (lo, hi) = (0.0 - sign * (d.mean + 1.645 * d.mcse), 0.0 - sign * (d.mean - 1.645 * d.mcse));
            let whole = |x: f64| grouped(&format!("{x:.0}"));
            format!("{} ({} to {})", whole(0.0 - sign * d.mean), whole(lo.min(hi)), whole(lo.max(hi)))
        });
        let p =
            row("abandoned").and_then(|r| if risks { r.prob_worse } else { r.prob_better }).map(|p| format!("{p:.2}"));
        let diff = |m: &str, dec| row(m).map(|r| signed(r.diff.mean, dec));
        let per = |x: Option<f64>| x.map_or_else(|| "–".to_string(), money);
        let _ = writeln!(
            out,
            "  {:<28} {:>27} {:>8} {:>10} {:>10} {:>10} {:>12} {:>12} {:>14} {:>12}",
            alt,
            unmet.unwrap_or_default(),
            p.unwrap_or_default(),
            diff("posts_funded", 1).unwrap_or_default(),
            diff("posts_statutory", 1).unwrap_or_default(),
            diff("post_years", 1).unwrap_or_default(),
            diff("served", 0).unwrap_or_default(),
            cost.map_or_else(String::new, |k| money(k.extra_funder_spend)),
            per(cost.and_then(|k| k.cost_per_post_year_saved)),
            per(cost.and_then(|k| k.cost_per_extra_case_served)),
        );
    }
}

/// One scenario of a comparison, for the manifest.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ComparedScenario {
    /// The name used in `compare.csv` (`base` for the base, else the file stem).
    pub label: String,
    pub scenario_name: String,
    pub scenario_file: String,
    pub scenario_hash: String,
    pub warnings: Vec<String>,
    /// `ask` or `risk` (`[scenario] kind`).
    #[serde(default = "ask")]
    pub kind: String,
    /// The mean of `[scenario] ask_cost`, £ (0 without one): counted in the
    /// ask's funder £ in all regions.
    #[serde(default)]
    pub ask_cost: f64,
}

fn ask() -> String {
    "ask".into()
}

/// The contents of a comparison's `manifest.json`. The fields after
/// `quantile_relative_error` are what the charts and report need beyond
/// `compare.csv` and `compare_totals.csv`, so that `fundscape report DIR` can redraw them from the
/// directory alone.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CompareManifest {
    pub program: String,
    pub version: String,
    pub base: ComparedScenario,
    pub alts: Vec<ComparedScenario>,
    pub seed: u64,
    pub runs: u64,
    pub threads: usize,
    pub wall_time_seconds: f64,
    pub quantile_relative_error: f64,
    /// First month of the horizon, `YYYY-MM`.
    pub start: String,
    pub years: u32,
    /// Region ids and names, in the base's order.
    pub regions: Vec<RegionName>,
}

impl CompareManifest {
    /// The manifest of comparison `c` of `base` (the scenario the regions
    /// and horizon come from) with the scenarios described.
    pub fn new(
        base: &Scenario,
        described: (ComparedScenario, Vec<ComparedScenario>),
        c: &Comparison,
        wall_time_seconds: f64,
    ) -> Self {
        Self {
            program: "fundscape".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            base: described.0,
            alts: described.1,
            seed: c.seed,
            runs: c.runs,
            threads: c.threads,
            wall_time_seconds: (wall_time_seconds * 1000.0).round() / 1000.0,
            quantile_relative_error: fundscape_sim::stats::RELATIVE_ERROR,
            start: base.start.to_string(),
            years: base.years,
            regions: base.regions.iter().map(|r| RegionName { id: r.id.clone(), name: r.name.clone() }).collect(),
        }
    }

    pub fn json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn grouped_numbers_have_separators_in_their_whole_part_only() {
        use super::{grouped, signed};
        assert_eq!(grouped("58856"), "58,856");
        assert_eq!(grouped("-1234567.25"), "-1,234,567.25");
        assert_eq!(grouped("+192"), "+192");
        assert_eq!(grouped("999"), "999");
        assert_eq!(grouped("inf"), "inf");
        assert_eq!(signed(2804.4, 0), "+2,804");
        assert_eq!(signed(-1056.0, 0), "-1,056");
        assert_eq!(signed(103.04, 1), "+103.0");
    }

    use super::money;

    #[test]
    fn money_reads_at_a_glance() {
        assert_eq!(money(2_920_000.0), "£2.92m");
        assert_eq!(money(46_700.0), "£47k");
        assert_eq!(money(1_234.4), "£1,234");
        assert_eq!(money(-760.2), "-£760");
    }
}
