//! `report.html`: one self-contained file (charts inline as SVG, styles
//! inline, no script, nothing fetched) that opens with the headline figures
//! in plain words, then the charts, a regional table, and the method and
//! assumptions. Every piece of text from a scenario file is escaped.

use std::fmt::Write;

use fundscape_sim::stats::Stat;

use crate::assumptions::assumptions;
use crate::charts::{exceedance_words, horizon_words, render_charts, source_layers, unmet_share, Chart, RenderError};
use crate::read::Results;
use crate::words::{about, escape, percent, thousands, with_range};

/// Everything `run` (unless `--no-charts`) and `report` write from a
/// results directory: `charts/NAME.svg`, `charts/NAME.png` and
/// `report.html`, as (path relative to the directory, bytes).
///
/// # Errors
/// A drawing failure inside plotters (not expected for any input).
pub fn render(r: &Results, png_scale: u32) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let charts = render_charts(r, png_scale)?;
    let mut files = Vec::new();
    for c in &charts {
        files.push((format!("charts/{}.svg", c.name), c.svg.clone().into_bytes()));
        files.push((format!("charts/{}.png", c.name), c.png.clone()));
    }
    files.push(("report.html".to_string(), report_html(r, &charts).into_bytes()));
    Ok(files)
}

/// The charts section: each chart inline, its note printed once beneath it
/// as text (the inline SVG leaves it out; the files in `charts/` keep it).
pub(crate) fn figures(charts: &[Chart]) -> String {
    let mut h = String::from("<section id=\"charts\"><h2>Charts</h2>\n");
    for c in charts {
        let svg = c.inline_svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(&c.title)), 1);
        let _ = write!(
            h,
            "<figure id=\"chart-{}\">\n{}<figcaption>{} Also as <code>charts/{}.svg</code> and <code>charts/{}.png</code>.\
             </figcaption></figure>\n",
            c.name,
            svg.trim_end(),
            escape(&c.note),
            c.name,
            c.name
        );
    }
    h
}

pub(crate) const STYLE: &str = "
body { font-family: 'DejaVu Sans', Verdana, 'Segoe UI', Arial, sans-serif; color: #222; background: #fff;
  max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; line-height: 1.5; }
h1 { font-size: 2em; margin: 0.2em 0 0.1em; }
h2 { font-size: 1.45em; margin-top: 2em; border-bottom: 2px solid #ddd; padding-bottom: 0.2em; }
.sub { color: #555; margin-top: 0; }
ul.headlines { list-style: none; padding: 0; margin: 1.2em 0; }
ul.headlines li { font-size: 1.25em; margin: 0 0 0.8em; padding: 0.6em 0.9em; border-left: 6px solid #08306b; background: #f2f6fb; }
ul.headlines strong { font-size: 1.1em; }
.note { color: #555; font-size: 0.95em; }
.scenario-note { font-size: 1.1em; padding: 0.6em 0.9em; border-left: 6px solid #b35806; background: #fdf3e7; }
figure { margin: 2em 0; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.95em; margin-top: 0.4em; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: 0.95em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; border-bottom: 2px solid #999; }
code { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 0.88em; word-break: break-word; }
td.where code { white-space: nowrap; word-break: normal; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.3em 1.2em; }
dt { font-weight: bold; }
dd { margin: 0; }
th, td, dd { overflow-wrap: anywhere; }
td.num, th.num { overflow-wrap: normal; }
@media (max-width: 760px) {
  body { padding: 12px 10px 40px; }
  h1 { font-size: 1.5em; }
  ul.headlines li { font-size: 1.05em; padding: 0.5em 0.6em; }
  table { font-size: 0.72em; }
  th, td { padding: 0.25em 0.25em; }
  td.where code { white-space: normal; word-break: break-all; }
  dl { grid-template-columns: minmax(0, 1fr); }
}
";

fn range_of(s: &Stat) -> String {
    with_range(s, thousands)
}

fn about_range(s: &Stat) -> String {
    with_range(s, about)
}

/// The headline figures, as HTML list items (text escaped).
fn headlines(r: &Results) -> Vec<String> {
    let mut out = Vec::new();
    let (Some(&first), Some(&last)) = (r.summary.years.first(), r.summary.years.last()) else {
        return out;
    };
    if let (Some(a), Some(b)) = (r.get("all", first, "posts_funded"), r.get("all", last, "posts_funded")) {
        out.push(format!(
            "Of the <strong>{}</strong> advice and influencing posts in the grant portfolio, <strong>{}</strong> are \
             still funded at the end of {}, and <strong>{}</strong> at the end of {}.",
            thousands(r.manifest.grant_posts as f64),
            range_of(a),
            r.year_name(first),
            range_of(b),
            r.year_name(last)
        ));
    }
    if let Some(statutory) = statutory_posts(&r.summary, last) {
        out.push(format!(
            "What outlasts any grant: <strong>{statutory:.1}</strong> of the posts funded at the end of {} are paid by statutory \
             money (legal aid or local authorities), on average across runs.",
            r.year_name(last)
        ));
    }
    if let Some(k) = r.summary.survival.iter().find(|s| s.months_after_first_end == 24).or(r.summary.survival.first()) {
        let when = match k.months_after_first_end {
            0 => "just after it ends, once successors have been tried".to_string(),
            m => format!("{m} months after it ends"),
        };
        out.push(format!(
            "Of the posts whose grant ends within the horizon, <strong>{}</strong> are still funded {when}.",
            with_range(&k.stat, percent),
        ));
    }
    if let Some(x) = r.get("all", last, "abandoned") {
        let share = unmet_share(r, "all", last).map_or_else(String::new, |s| {
            format!(" That is <strong>{}</strong> of the year's demand for advice.", percent(s))
        });
        out.push(format!(
            "In {}, about <strong>{}</strong> cases go unmet: people give up waiting and never get advice.{share}",
            r.year_name(last),
            about_range(x)
        ));
    }
    let largest = largest_unmet_share(r, last);
    let mut text = match r.summary.total("all", "abandoned") {
        Some(t) => format!(
            "Over {}, about <strong>{}</strong> people give up waiting in all (the horizon's total in each run).",
            horizon_words(r),
            about_range(t)
        ),
        None => String::new(),
    };
    if let Some(words) = exceedance_words(r) {
        let _ = write!(text, " {}", escape(&words));
    }
    match largest {
        Some(Largest::One(id, s)) => {
            let _ = write!(
                text,
                " The largest unmet share in {} is in <strong>{}</strong>: {}.",
                r.year_name(last),
                escape(&r.region_name(id)),
                percent(s)
            );
        }
        Some(Largest::Tied(ids, s)) => {
            let names: Vec<String> = ids.iter().map(|id| escape(&r.region_name(id))).collect();
            let _ = write!(
                text,
                " The largest unmet share in {} is about equal in {} regions ({}): about {}, closer than the runs \
                 can tell apart.",
                r.year_name(last),
                ids.len(),
                names.join(", "),
                percent(s)
            );
        }
        None => {}
    }
    let text = text.trim_start().to_string();
    if !text.is_empty() {
        out.push(text);
    }
    out
}

/// Which region has the largest unmet share: one region when it is ahead
/// of the next by more than the Monte Carlo error, else the regions that the
/// runs cannot tell apart from it.
#[derive(Debug, PartialEq)]
pub(crate) enum Largest<'a> {
    One(&'a str, f64),
    Tied(Vec<&'a str>, f64),
}

/// Two standard errors: the margin by which the top region must lead.
const SEPARATION: f64 = 2.0;

pub(crate) fn largest_unmet_share(r: &Results, year: i32) -> Option<Largest<'_>> {
    // The share's Monte Carlo error, taking demand's mean as known: the
    // mcse of abandoned cases over mean demand.
    let mut shares: Vec<(&str, f64, f64)> = r
        .summary
        .regions
        .iter()
        .filter_map(|id| {
            let share = unmet_share(r, id, year)?;
            let se = r.get(id, year, "abandoned")?.mcse / r.get(id, year, "demand")?.mean;
            Some((id.as_str(), share, se))
        })
        .collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    let &(top, s, se) = shares.first()?;
    let tied: Vec<&str> =
        shares.iter().filter(|(_, x, e)| s - x <= SEPARATION * (se * se + e * e).sqrt()).map(|(id, ..)| *id).collect();
    Some(if tied.len() > 1 { Largest::Tied(tied, s) } else { Largest::One(top, s) })
}

fn regional_table(r: &Results) -> String {
    let (Some(&first), Some(&last)) = (r.summary.years.first(), r.summary.years.last()) else {
        return String::new();
    };
    let (fy, ly) = (r.year_name(first), r.year_name(last));
    let mut t = String::new();
    let _ = write!(
        t,
        "<table id=\"regional-table\"><thead><tr><th>Region</th><th class=\"num\">Demand in {ly} (cases)</th>\
         <th class=\"num\">Unmet in {ly} (cases: median, 5–95%)</th><th class=\"num\">Unmet share in {ly}</th>\
         <th class=\"num\">Funded posts, end of {fy} → {ly}</th><th class=\"num\">Legal-aid providers, end of {fy} → {ly}</th>\
         </tr></thead><tbody>"
    );
    let mean = |id: &str, y: i32, m: &str| r.get(id, y, m).map_or_else(|| "–".to_string(), |s| thousands(s.mean));
    let ids = std::iter::once("all").chain(r.summary.regions.iter().map(String::as_str));
    for id in ids {
        let _ = write!(
            t,
            "<tr{}><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{} → {}</td><td class=\"num\">{} → {}</td></tr>",
            if id == "all" { " class=\"total\"" } else { "" },
            escape(&r.region_name(id)),
            mean(id, last, "demand"),
            r.get(id, last, "abandoned").map_or_else(|| "–".to_string(), about_range),
            unmet_share(r, id, last).map_or_else(|| "–".to_string(), percent),
            mean(id, first, "posts_funded"),
            mean(id, last, "posts_funded"),
            mean(id, first, "legal_aid_providers"),
            mean(id, last, "legal_aid_providers"),
        );
    }
    t.push_str("</tbody></table>");
    t.push_str(
        "<p class=\"note\">Demand, posts and providers: means across runs. Unmet cases: the median across runs, \
         with the 5–95% range in brackets. Unmet share = mean cases abandoned / mean demand (so it is not the \
         median over the demand when runs are skewed). Posts and providers are counted at the end of each year.</p>",
    );
    t
}

fn method(r: &Results) -> String {
    let m = &r.manifest;
    let mut s = String::new();
    let end = r.summary.years.last().map(|&y| r.year_name(y)).unwrap_or_default();
    let files: Vec<String> = m
        .scenario_files
        .iter()
        .map(|f| format!("<code>{}</code> (copied as <code>{}</code>)", escape(&f.file), escape(&f.copy)))
        .collect();
    let _ = write!(
        s,
        "<dl><dt>Scenario</dt><dd>{}</dd><dt>Scenario files</dt><dd>{}</dd><dt>Scenario hash</dt><dd><code>{}</code> \
         (after overlays)</dd><dt>Seed</dt><dd>{}</dd><dt>Runs</dt><dd>{}</dd><dt>Horizon</dt><dd>{} years from {} \
         (model years {}–{})</dd><dt>Program</dt><dd>{} {}</dd></dl>",
        escape(&m.scenario_name),
        files.join(", base first; "),
        escape(&m.scenario_hash),
        m.seed,
        thousands(m.runs as f64),
        m.years,
        escape(&m.start),
        r.summary.years.first().map(|&y| r.year_name(y)).unwrap_or_default(),
        end,
        escape(&m.program),
        escape(&m.version),
    );
    s.push_str("<h3>Warnings</h3>");
    if m.warnings.is_empty() {
        s.push_str("<p>None: the scenario loaded without warnings.</p>");
    } else {
        s.push_str("<ul id=\"warnings\">");
        for w in &m.warnings {
            let _ = write!(s, "<li>{}</li>", escape(w));
        }
        s.push_str("</ul>");
    }
    let _ = write!(
        s,
        "<h3>How the figures are made</h3><p>fundscape simulates the scenario month by month, {} times. Each run \
         draws every uncertain number in the scenario (written as a range) once, and draws staff turnover, demand \
         noise, legal-aid exits and entries, shocks and whether someone takes a post on when its funding ends. A \
         figure given with a range in brackets is the median across runs, and the range the 5–95% range, within \
         which 90% of runs fall; a figure \"on average\", and a share, comes from means; the charts draw medians \
         (means for the posts by who pays for them) with bands for the 25–75% and 5–95% ranges. Percentiles are within {:.1}% of the exact value. \
         The tables behind this report are <code>summary.csv</code>, <code>survival.csv</code> and \
         <code>posts_by_source.csv</code> in the same directory, with Monte Carlo standard errors.</p>",
        thousands(m.runs as f64),
        100.0 * m.quantile_relative_error
    );
    s.push_str(
        "<h3>Where the main assumptions come from</h3><p>Each major key as written in the scenario files, with the \
         comment on its line, which names its source or says it is an assumption. Where files extend others, a \
         later file overrides an earlier one. Notes referred to in comments (such as “note A”) are in the header \
         of the scenario file, copied verbatim into this directory.</p>",
    );
    let rows: Vec<_> = r.scenario_files.iter().flat_map(|(file, text)| assumptions(file, text)).collect();
    if rows.is_empty() {
        s.push_str("<p>No major keys were found in the scenario files.</p>");
    } else {
        s.push_str(
            "<table id=\"assumptions\"><thead><tr><th>What</th><th>Value as written</th><th>Source (comment on \
             the line)</th><th>Where</th></tr></thead><tbody>",
        );
        for a in rows {
            let _ = write!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"where\"><code>{}:{}</code></td></tr>",
                escape(&a.what),
                escape(&a.value),
                if a.source.is_empty() { "(no comment)".to_string() } else { escape(&a.source) },
                escape(&a.file),
                a.line
            );
        }
        s.push_str("</tbody></table>");
    }
    s
}

/// The report's HTML. Deterministic: the same results give the same bytes.
pub fn report_html(r: &Results, charts: &[Chart]) -> String {
    let m = &r.manifest;
    let name = escape(&m.scenario_name);
    let first = r.summary.years.first().map(|&y| r.year_name(y)).unwrap_or_default();
    let last = r.summary.years.last().map(|&y| r.year_name(y)).unwrap_or_default();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{name} · fundscape report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>{name}</h1><p class=\"sub\">Funded immigration and asylum advice posts and unmet demand, {first} \
         to {last}: {} Monte Carlo runs (seed {}), fundscape {}.</p></header>\n",
        thousands(m.runs as f64),
        m.seed,
        escape(&m.version)
    );
    if let Some(note) = &m.note {
        let _ = writeln!(
            h,
            "<p class=\"scenario-note\" id=\"scenario-note\"><strong>What this scenario is:</strong> {}</p>",
            escape(note)
        );
    }
    h.push_str("<section id=\"headlines\"><h2>In brief</h2><ul class=\"headlines\">");
    for line in headlines(r) {
        let _ = write!(h, "<li>{line}</li>");
    }
    h.push_str(
        "</ul><p class=\"note\">Each figure is the median across runs, as the charts draw it; the range in \
         brackets holds 90% of runs (the 5th to the 95th percentile). A total over the horizon is each run's own total, with its median and range like any figure; shares are ratios of means.</p></section>\n",
    );
    h.push_str(&figures(charts));
    h.push_str("</section>\n<section id=\"regions\"><h2>Region by region</h2>");
    h.push_str(&regional_table(r));
    let layers = source_layers(r);
    if let Some(k) = r.summary.years.len().checked_sub(1) {
        let parts: Vec<String> = layers
            .iter()
            .map(|(label, means)| format!("{} {:.1}", escape(label), means.get(k).copied().unwrap_or(0.0)))
            .collect();
        let _ = write!(
            h,
            "<p class=\"note\">Who pays for the posts still funded at the end of {last} (means, all regions): {}.</p>",
            parts.join("; ")
        );
    }
    h.push_str("</section>\n<section id=\"method\"><h2>Method and assumptions</h2>");
    h.push_str(&method(r));
    h.push_str("</section>\n</body>\n</html>\n");
    h
}

/// The posts that statutory money (legal aid, local authorities) pays for
/// at the end of model year `year`, on average across runs, all regions: the
/// sum of the two means as posts_by_source.csv gives them (each rounded to
/// its digits), so the terminal, which has the unrounded means, and the
/// report, drawn from the file, print the same figure.
pub fn statutory_posts(s: &fundscape_sim::summary::Summary, year: i32) -> Option<f64> {
    let means: Vec<f64> = s
        .posts_by_source
        .iter()
        .filter(|x| x.region == "all" && x.year == year && matches!(x.metric.as_str(), "legal_aid" | "local_authority"))
        .map(|x| crate::csv_number(x.stat.mean).parse::<f64>().unwrap_or(x.stat.mean))
        .collect();
    (!means.is_empty()).then(|| means.iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Results for two regions with the given (abandoned mean, abandoned
    /// mcse) and a demand of 1,000 each.
    fn two_regions(a: (f64, f64), b: (f64, f64)) -> Results {
        let manifest = r#"{"program":"fundscape","version":"0","scenario_name":"t","scenario_file":"t.toml",
            "scenario_hash":"h","seed":1,"runs":100,"threads":1,"wall_time_seconds":0.1,
            "quantile_relative_error":0.004,"warnings":[],"start":"2025-04","years":1,
            "regions":[{"id":"a","name":"A"},{"id":"b","name":"B"}],"grant_posts":0,
            "scenario_files":[{"file":"t.toml","copy":"scenario.toml"}]}"#;
        let mut summary = String::from("region,year,metric,mean,sd,p05,p25,p50,p75,p95,mcse\n");
        for (id, (mean, mcse)) in [("a", a), ("b", b)] {
            summary.push_str(&format!("{id},2025,demand,1000,0,1000,1000,1000,1000,1000,0\n"));
            summary.push_str(&format!("{id},2025,abandoned,{mean},1,{mean},{mean},{mean},{mean},{mean},{mcse}\n"));
        }
        let files = move |name: &str| -> Result<Option<Vec<u8>>, fundscape_sim::input::ReadInputError> {
            Ok(match name {
                "manifest.json" => Some(manifest.as_bytes().to_vec()),
                "summary.csv" => Some(summary.clone().into_bytes()),
                "posts_by_source.csv" => Some(b"region,year,source,mean,sd,p05,p25,p50,p75,p95,mcse\n".to_vec()),
                "survival.csv" => {
                    Some(b"months_after_first_end,mean,sd,p05,p25,p50,p75,p95,mcse,posts_followed\n".to_vec())
                }
                "totals.csv" => Some(b"region,metric,mean,sd,p05,p25,p50,p75,p95,mcse\n".to_vec()),
                "exceedance.csv" => Some(b"region,level,probability\n".to_vec()),
                "scenario.toml" => Some(b"[scenario]\n".to_vec()),
                _ => None,
            })
        };
        match Results::parse(Path::new("d"), &files) {
            Ok(r) => r,
            Err(e) => panic!("test results must parse: {e}"),
        }
    }

    #[test]
    fn the_largest_unmet_share_is_named_only_when_the_runs_tell_it_apart() {
        // 60% against 50%, with Monte Carlo errors of 1 point: clearly A.
        let r = two_regions((600.0, 10.0), (500.0, 10.0));
        assert_eq!(largest_unmet_share(&r, 2025), Some(Largest::One("a", 0.6)));
        // 51% against 50% with errors of 1 point: closer than 2 combined errors.
        let r = two_regions((500.0, 10.0), (510.0, 10.0));
        assert_eq!(largest_unmet_share(&r, 2025), Some(Largest::Tied(vec!["b", "a"], 0.51)));
        let text = headlines(&r).join(" ");
        assert!(text.contains("is about equal in 2 regions (B, A)"), "{text}");
    }
}
