//! A comparison's `report.html`: the same conventions as a run's (one
//! self-contained file, charts inline, no script, nothing fetched, every text
//! from a scenario escaped): the asks in plain words, the ranking table, the
//! charts, and the method with every scenario compared.

use std::fmt::Write;

use crate::charts::{Chart, RenderError};
use crate::compare::money;
use crate::compare_charts::{averted, is_risk, ranked, ranked_apart, render_compare_charts};
use crate::read_compare::CompareResults;
use crate::report::{figures, STYLE};
use crate::words::{escape, thousands};

/// Everything `compare` and `report` write for a comparison: its charts
/// (`charts/NAME.svg`, `charts/NAME.png`) and `report.html`.
///
/// # Errors
/// A drawing failure inside plotters (not expected for any input).
pub fn render_compare(c: &CompareResults, png_scale: u32) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let charts = render_compare_charts(c, png_scale)?;
    let mut files = Vec::new();
    for chart in &charts {
        files.push((format!("charts/{}.svg", chart.name), chart.svg.clone().into_bytes()));
        files.push((format!("charts/{}.png", chart.name), chart.png.clone()));
    }
    files.push(("report.html".to_string(), compare_report_html(c, &charts).into_bytes()));
    Ok(files)
}

/// A difference with its sign: `+8.3`, or `+66,704` for whole numbers.
fn signed(x: f64, decimals: usize) -> String {
    match (x.is_finite(), decimals) {
        (false, _) => "–".into(),
        (true, 0) => format!("{}{}", if x.round() >= 0.0 { "+" } else { "" }, thousands(x)),
        (true, _) => format!("{:+.decimals$}", x + 0.0),
    }
}

fn headlines(c: &CompareResults) -> Vec<String> {
    let mut out = Vec::new();
    let order = ranked(c);
    let name = |alt: &str| escape(alt);
    // A risk is never the best ask.
    let best_ask = order.iter().find(|a| !is_risk(c, a));
    if let Some((best, a)) = best_ask.and_then(|b| averted(c, b).map(|a| (*b, a))) {
        let p = c.comparison.get(best, "all", None, "abandoned").and_then(|r| r.prob_better);
        if a.mean <= 0.0 {
            // No ask helps on average: say so, rather than "the ask that
            // averts the most" with a negative number of cases.
            out.push(format!(
                "<strong>No ask averts unmet demand</strong> on average: the one that adds the least is <strong>{}</strong>, \
                 about <strong>{}</strong> more cases abandoned over the horizon (90% confidence interval {} to {}){}.",
                name(best),
                thousands(0.0 - a.mean),
                thousands(0.0 - a.ci.1),
                thousands(0.0 - a.ci.0),
                p.map_or_else(String::new, |p| format!("; fewer cases are abandoned in {:.0}% of runs", 100.0 * p))
            ));
        } else {
            out.push(format!(
            "The ask that averts the most unmet demand is <strong>{}</strong>: about <strong>{}</strong> fewer cases \
             abandoned over the horizon (90% confidence interval {} to {}; in one run, between {} and {}){}.",
            name(best),
            thousands(a.mean),
            thousands(a.ci.0),
            thousands(a.ci.1),
            thousands(a.runs.0),
            thousands(a.runs.1),
            p.map_or_else(String::new, |p| format!(", and fewer cases are abandoned in {:.0}% of runs", 100.0 * p))
            ));
        }
    }
    let helping = order.iter().filter(|a| averted(c, a).is_some_and(|x| x.ci.0 > 0.0)).count();
    let harming = order.iter().filter(|a| averted(c, a).is_some_and(|x| x.ci.1 < 0.0)).count();
    out.push(format!(
        "Of the {} asks and risks compared, <strong>{helping}</strong> reduce unmet demand and <strong>{harming}</strong> \
         add to it, beyond the Monte Carlo uncertainty of the mean; the others cannot be told apart from the base.",
        order.len()
    ));
    if let Some(k) = c
        .comparison
        .costs
        .iter()
        .filter(|k| k.region == "all" && k.extra_funder_spend > 0.0 && !is_risk(c, &k.alt))
        .filter_map(|k| k.cost_per_extra_case_served.map(|v| (k, v)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
    {
        out.push(format!(
            "Of the asks that cost funders money, <strong>{}</strong> buys an extra case served most cheaply: about \
             <strong>{}</strong> a case ({} more spent by funders over the horizon).",
            name(&k.0.alt),
            money(k.1),
            money(k.0.extra_funder_spend)
        ));
    }
    out
}

/// The asks' table (`risks` false: ranked by unmet demand averted) or the
/// risks' (ranked by unmet demand added, with P(more)), as the terminal
/// prints them: separate tables, so a risk is never ranked among the asks.
/// Empty when there is no row of that kind.
fn ranking_table(c: &CompareResults, risks: bool) -> String {
    let (asks, risky) = ranked_apart(c);
    let order = if risks { risky } else { asks };
    if order.is_empty() {
        return String::new();
    }
    let sign = if risks { -1.0 } else { 1.0 };
    let (id, what, effect, chance) = if risks {
        ("risks", "Risk", "Unmet demand added", "P(more)")
    } else {
        ("ranking", "Ask", "Unmet demand averted", "P(less)")
    };
    let mut t = format!(
        "<table id=\"{id}\"><thead><tr><th>{what}</th><th class=\"num\">{effect} (90% CI)</th>\
         <th class=\"num\">5–95% of runs</th><th class=\"num\">{chance}</th><th class=\"num\">Posts at the end</th>\
         <th class=\"num\">of them statutory</th><th class=\"num\">Post-years</th><th class=\"num\">Cases served</th><th class=\"num\">Funder £</th>\
         <th class=\"num\">£ a post-year</th><th class=\"num\">£ a case</th></tr></thead><tbody>",
    );
    for alt in order {
        let row = |m: &str| c.comparison.get(alt, "all", None, m);
        let cost = c.comparison.costs.iter().find(|k| k.alt == alt && k.region == "all");
        let per = |x: Option<f64>| x.map_or_else(|| "–".to_string(), money);
        // `0.0 +` keeps a zero from printing as -0.
        let (unmet, spread) = averted(c, alt).map_or_else(
            || ("–".to_string(), "–".to_string()),
            |a| {
                let (lo, hi) = if risks { (a.ci.1, a.ci.0) } else { a.ci };
                let (rlo, rhi) = if risks { (a.runs.1, a.runs.0) } else { a.runs };
                let v = |x: f64| thousands(0.0 + sign * x);
                (format!("{} ({} to {})", v(a.mean), v(lo), v(hi)), format!("{} to {}", v(rlo), v(rhi)))
            },
        );
        let scenario =
            c.manifest.alts.iter().find(|s| s.label == alt).map_or(String::new(), |s| s.scenario_name.clone());
        let _ = write!(
            t,
            "<tr><td><strong>{}</strong><br><span class=\"note\">{}</span></td><td class=\"num\">{unmet}</td>\
             <td class=\"num\">{spread}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td></tr>",
            escape(alt),
            escape(&scenario),
            row("abandoned")
                .and_then(|r| if risks { r.prob_worse } else { r.prob_better })
                .map_or_else(|| "–".to_string(), |p| format!("{p:.2}")),
            row("posts_funded").map_or_else(|| "–".to_string(), |r| signed(r.diff.mean, 1)),
            row("posts_statutory").map_or_else(|| "–".to_string(), |r| signed(r.diff.mean, 1)),
            row("post_years").map_or_else(|| "–".to_string(), |r| signed(r.diff.mean, 1)),
            row("served").map_or_else(|| "–".to_string(), |r| signed(r.diff.mean, 0)),
            cost.map_or_else(|| "–".to_string(), |k| money(k.extra_funder_spend)),
            per(cost.and_then(|k| k.cost_per_post_year_saved)),
            per(cost.and_then(|k| k.cost_per_extra_case_served)),
        );
    }
    t.push_str("</tbody></table>");
    let lead = if risks {
        "Unmet demand added = risk − base (cases abandoned). P(more) = share of runs in which more cases are abandoned."
    } else {
        "Unmet demand averted = base − ask (cases abandoned). P(less) = share of runs in which fewer cases are \
         abandoned."
    };
    let _ = write!(
        t,
        "<p class=\"note\">{lead} The other differences are {} − base over the horizon, all regions, means across \
         paired runs: posts funded at the end (of them statutory: paid by legal aid or local authorities, what \
         outlasts any grant), post-years and cases served in total. The 90% confidence interval is the Monte Carlo \
         uncertainty of the mean; 5–95% of runs is what could happen in one run. Funder £ = extra spend by funders \
         (grant and round funders and their successors, not legal aid or local authorities, with an ask's \
         ask_cost).</p>",
        if risks { "risk" } else { "ask" }
    );
    t
}

fn method(c: &CompareResults) -> String {
    let m = &c.manifest;
    let mut s = String::from(
        "<table id=\"scenarios\"><thead><tr><th>Label</th><th>Scenario</th><th>File</th><th>Hash (after overlays)</th>\
         </tr></thead><tbody>",
    );
    for sc in std::iter::once(&m.base).chain(&m.alts) {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"where\"><code>{}</code></td><td><code>{}</code></td></tr>",
            escape(&sc.label),
            escape(&sc.scenario_name),
            escape(&sc.scenario_file),
            escape(&sc.scenario_hash)
        );
    }
    s.push_str("</tbody></table>");
    let warnings: Vec<String> = std::iter::once(&m.base)
        .chain(&m.alts)
        .flat_map(|sc| sc.warnings.iter().map(move |w| format!("<li>{}: {}</li>", escape(&sc.label), escape(w))))
        .collect();
    s.push_str("<h3>Warnings</h3>");
    if warnings.is_empty() {
        s.push_str("<p>None: every scenario loaded without warnings.</p>");
    } else {
        let _ = write!(s, "<ul id=\"warnings\">{}</ul>", warnings.concat());
    }
    let _ = write!(
        s,
        "<h3>How the figures are made</h3><p>fundscape simulates the base and every ask {} times on seed {}, \
         <strong>paired run by run</strong>: each random quantity has its own stream, so a draw that both scenarios \
         make is the same draw in both, and the difference between them comes from what the ask changes. A \
         difference is taken in every run and summarised across runs: its mean, the Monte Carlo standard error of \
         the mean, and (over the horizon) its 5th to 95th percentiles, within {:.1}% of the exact value. The tables \
         behind this report are in the same directory: <code>compare.csv</code>, every figure per ask, region and \
         year, and <code>compare_totals.csv</code>, the same over the horizon.</p><dl><dt>Program</dt><dd>{} {}</dd></dl>",
        thousands(m.runs as f64),
        m.seed,
        100.0 * m.quantile_relative_error,
        escape(&m.program),
        escape(&m.version)
    );
    s
}

/// The comparison's HTML. Deterministic: the same results give the same bytes.
pub fn compare_report_html(c: &CompareResults, charts: &[Chart]) -> String {
    let m = &c.manifest;
    let base = escape(&m.base.scenario_name);
    let span = match (c.comparison.years.first(), c.comparison.years.last()) {
        (Some(&a), Some(&b)) => format!("{} to {}", c.year_name(a), c.year_name(b)),
        _ => String::new(),
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Asks against {base} · fundscape comparison</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>Asks against {base}</h1><p class=\"sub\">{} asks and risks compared with the base, {span}: {} \
         paired Monte Carlo runs (seed {}), fundscape {}.</p></header>\n",
        m.alts.len(),
        thousands(m.runs as f64),
        m.seed,
        escape(&m.version)
    );
    h.push_str("<section id=\"headlines\"><h2>In brief</h2><ul class=\"headlines\">");
    for line in headlines(c) {
        let _ = write!(h, "<li>{line}</li>");
    }
    h.push_str("</ul></section>\n");
    let (asks, risks) = (ranking_table(c, false), ranking_table(c, true));
    if !asks.is_empty() {
        let _ = writeln!(h, "<section id=\"asks\"><h2>The asks, ranked by unmet demand averted</h2>{asks}</section>");
    }
    if !risks.is_empty() {
        let _ = writeln!(
            h,
            "<section id=\"risks-ranked\"><h2>The risks, ranked by unmet demand added</h2>{risks}</section>"
        );
    }
    h.push_str(&figures(charts));
    h.push_str("</section>\n<section id=\"method\"><h2>Method</h2>");
    h.push_str(&method(c));
    h.push_str("</section>\n</body>\n</html>\n");
    h
}
