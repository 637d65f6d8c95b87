//! What `fundscape optimise` writes: `best.toml` (an overlay with the round
//! chosen), `frontier.csv`, `candidates.csv`, `charts/frontier.{svg,png}` and
//! a self-contained `report.html`; and what it prints: the recommendation in
//! plain words and the table of candidates.

use std::fmt::Write;

use fundscape_sim::optimise::{asked_budget_buys_more, Candidate, Objective, Optimised, Spec, Split};
use fundscape_sim::scenario::YearMonth;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::cell::csv_number;
use crate::charts::{font, render_one, Body, Chart, DrawResult, Frame, RenderError, GRID, INK, MEDIAN, MUTED, OUTER};
use crate::compare::money;
use crate::files::csv_bytes;
use crate::read::year_name;
use crate::report::STYLE;
use crate::words::{about, escape, thousands};

/// How the objective reads in words.
struct Words {
    /// Column heading of the gain: `cases averted`.
    gain: &'static str,
    /// In the chart's title: `unmet demand averted (cases)`.
    title: &'static str,
    /// The best as a verb phrase: `fewest abandoned cases`.
    best: &'static str,
    /// Whether the sentence speaks of a year (abandoned, served) or of the total.
    per_year: bool,
}

fn words(o: Objective) -> Words {
    match o {
        Objective::Abandoned => Words {
            gain: "cases averted",
            title: "unmet demand averted",
            best: "the fewest abandoned cases (people who give up waiting)",
            per_year: true,
        },
        Objective::Served => Words {
            gain: "extra cases served",
            title: "extra cases served",
            best: "the most cases served",
            per_year: true,
        },
        Objective::PostYears => Words {
            gain: "extra post-years",
            title: "extra post-years funded",
            best: "the most post-years funded",
            per_year: false,
        },
    }
}

/// `2025-26 to 2034-35` (or `2025-26` for one year): model years `a` to `b`.
fn span(o: &Optimised, a: usize, b: usize) -> String {
    let label = |y: usize| year_name(o.start.month(), o.years.get(y).copied().unwrap_or(0));
    if a == b {
        label(a)
    } else {
        format!("{} to {}", label(a), label(b))
    }
}

/// The model years counted.
fn window(o: &Optimised) -> String {
    span(o, 0, o.spec.last_year)
}

/// `from 2027-28 to 2034-35` (or `in 2027-28`): the model years from the
/// round's start to the last counted, and their number.
fn from_start(o: &Optimised) -> (String, usize) {
    let (a, b) = (o.spec.first_year.min(o.spec.last_year), o.spec.last_year);
    let words = if a == b { format!("in {}", span(o, a, b)) } else { format!("from {}", span(o, a, b)) };
    (words, b + 1 - a)
}

/// The round's first month, `2027-04`.
fn round_start(o: &Optimised) -> String {
    YearMonth(o.start.0 + o.spec.start).to_string()
}

/// Whole percentages of `shares` that add up to 100 (largest remainder; ties
/// to the region listed first).
fn whole_percents(shares: &[(usize, f64)]) -> Vec<(usize, u32)> {
    let exact: Vec<f64> = shares.iter().map(|&(_, x)| 100.0 * x).collect();
    let mut out: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let mut left = 100u32.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &i in order.iter().cycle().take(order.len() * 2) {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    shares.iter().zip(out).map(|(&(r, _), p)| (r, p)).collect()
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `58% in London, 25% in North West and 17% in Wales`, or `all in London`.
fn split_words(o: &Optimised, split: &Split) -> String {
    if split.unmet {
        return "by the \"unmet\" rule".into();
    }
    let name = |r: usize| o.regions.get(r).map_or(String::new(), |x| x.1.clone());
    match split.shares.as_slice() {
        [(r, _)] => format!("all in {}", name(*r)),
        shares => and_list(
            &whole_percents(shares).into_iter().map(|(r, p)| format!("{p}% in {}", name(r))).collect::<Vec<_>>(),
        ),
    }
}

/// `London 6, North West 4`: the posts bought at expected prices.
fn posts_words(o: &Optimised, split: &Split) -> String {
    let parts: Vec<String> = split
        .posts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(r, n)| format!("{} {n}", o.regions.get(r).map_or("", |x| x.1.as_str())))
        .collect();
    if parts.is_empty() {
        "no post".into()
    } else {
        parts.join(", ")
    }
}

/// Advice posts among the posts bought, as the model rounds them region by region.
fn advice_posts(split: &Split) -> u32 {
    split.posts.iter().map(|&n| (f64::from(n) * split.advice_share).round() as u32).sum()
}

/// How a simple rule is named in a sentence.
fn rule_name(label: &str) -> String {
    match label {
        "equal shares" => "equal shares".into(),
        "by demand" => "shares by demand".into(),
        "unmet" => "the \"unmet\" rule".into(),
        other => other.into(),
    }
}

/// The rule the best is set against in words: the best of the rules whose
/// split differs from the best's.
fn rival(o: &Optimised) -> Option<&Candidate> {
    o.rules.iter().filter(|c| c.split != o.best.split).max_by(|a, b| a.gains.mean.total_cmp(&b.gains.mean))
}

/// The recommendation in plain words (printed, and at the top of the report).
pub fn sentence(o: &Optimised) -> String {
    let w = words(o.spec.objective);
    let best = &o.best;
    let (years, n) = from_start(o);
    let scale = if w.per_year { 1.0 / n.max(1) as f64 } else { 1.0 };
    let posts = best.split.total_posts();
    let advice = if best.split.advice_share < 1.0 {
        format!(", {} of them advice posts", advice_posts(&best.split))
    } else {
        String::new()
    };
    let spent = if best.split.budget < o.spec.budget * (1.0 - 1e-9) {
        let why = if asked_budget_buys_more(&o.spec, &best.split) {
            "no further post helps"
        } else {
            "the rest buys no further post"
        };
        format!("; {} of the {}: {why}", money(best.split.cost), money(o.spec.budget))
    } else {
        String::new()
    };
    let g = &best.gains;
    let effect = |x: f64, more: &str, less: &str| if x >= 0.0 { more.to_string() } else { less.to_string() };
    let (lead, tail) = match o.spec.objective {
        Objective::Abandoned => ("fewer people a year give up waiting", "fewer a year"),
        Objective::Served => ("more cases a year are served", "more a year"),
        Objective::PostYears => ("more post-years are funded", "more"),
    };
    let mut out = format!(
        "Put {} ({posts} post{} at expected prices{advice}{spent}): about {} {lead} {years} than doing nothing (90% interval {} to {})",
        split_words(o, &best.split),
        if posts == 1 { "" } else { "s" },
        about(g.mean * scale),
        about(g.low * scale),
        about(g.high * scale),
    );
    match rival(o) {
        Some(r) => {
            let (m, lo, hi) = r.vs_best.unwrap_or((0.0, 0.0, 0.0));
            // The best minus the rule, run by run.
            let (d, dlo, dhi) = (-m * scale, -hi * scale, -lo * scale);
            let (fewer, more) = match o.spec.objective {
                Objective::Abandoned => (tail, "more a year"),
                _ => (tail, if w.per_year { "fewer a year" } else { "fewer" }),
            };
            let rule = rule_name(&r.label);
            let _ = if dlo > 0.0 {
                write!(
                    out,
                    ", and about {} {} than with {rule} (90% interval {} to {})",
                    about(d.abs()),
                    effect(d, fewer, more),
                    about(dlo),
                    about(dhi)
                )
            } else if dhi < 0.0 {
                // The rule beats the best split: only the "unmet" rule can
                // (any table of shares the search saw would have been the best),
                // since it follows each run's own unmet demand. Its gain over
                // the split, in the words' direction.
                let why = if r.split.unmet {
                    ": it follows each run's own unmet demand of the year before, which no fixed table of shares \
                     can, so a round written with allocation = \"unmet\" would do better than best.toml"
                } else {
                    ""
                };
                write!(
                    out,
                    ", but {rule} does better still, about {} {fewer} than this split (90% interval {} to {}){why}",
                    about(-d),
                    about(-dhi),
                    about(-dlo)
                )
            } else if dlo == 0.0 && dhi == 0.0 {
                write!(out, ", as many as with {rule} on every run")
            } else {
                write!(
                    out,
                    ", which these runs cannot tell apart from {rule} (the difference, about {}, has a 90% interval of {} to {})",
                    about(d),
                    about(dlo),
                    about(dhi)
                )
            };
        }
        None => {
            if let Some(same) = o.rules.iter().find(|c| c.split == best.split) {
                let _ = write!(out, ", the same split as {}", rule_name(&same.label));
            }
        }
    }
    out.push('.');
    out
}

/// The candidates as the terminal shows them.
pub fn table(o: &Optimised) -> String {
    let w = words(o.spec.objective);
    let mut out = format!(
        "against doing nothing ({} {}, all regions; mean of {} paired runs, seed {}):\n",
        o.spec.objective.as_str(),
        window(o),
        thousands(o.runs as f64),
        o.seed
    );
    let head = format!("{} (90% CI)", w.gain);
    let _ = writeln!(
        out,
        "  {:<14} {:>6}  {:>30}  {:>30}  {:>9}",
        "candidate", "posts", head, "vs best (90% CI)", "P(beats)"
    );
    let ci = |(m, lo, hi): (f64, f64, f64)| format!("{} ({} to {})", thousands(m), thousands(lo), thousands(hi));
    for c in std::iter::once(&o.best).chain(&o.rules) {
        let vs = c.vs_best.map_or_else(|| "–".to_string(), |v| if c.label == "best" { "0".into() } else { ci(v) });
        let _ = writeln!(
            out,
            "  {:<14} {:>6}  {:>30}  {:>30}  {:>9.2}",
            c.label,
            if c.split.unmet { format!("~{}", c.split.total_posts()) } else { c.split.total_posts().to_string() },
            ci((c.gains.mean, c.gains.low, c.gains.high)),
            vs,
            c.gains.prob_beats
        );
    }
    let _ = writeln!(out, "  best split: {} (posts at expected prices)", posts_words(o, &o.best.split));
    out.push_str(
        "  (gain = doing nothing − candidate for abandoned, candidate − doing nothing otherwise, summed over the years counted; vs best = candidate − best, run by run; ~: the \"unmet\" rule's posts depend on each run, shown with demand as weights)\n",
    );
    out
}

fn allocation_cell(o: &Optimised, split: &Split) -> String {
    if split.unmet {
        return "unmet".into();
    }
    let id = |r: usize| o.regions.get(r).map_or(String::new(), |x| x.0.clone());
    split.shares.iter().map(|&(r, x)| format!("{}={}", id(r), csv_number(x))).collect::<Vec<_>>().join(";")
}

fn posts_cell(o: &Optimised, split: &Split) -> String {
    let id = |r: usize| o.regions.get(r).map_or(String::new(), |x| x.0.clone());
    split
        .posts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(r, n)| format!("{}={n}", id(r)))
        .collect::<Vec<_>>()
        .join(";")
}

/// The columns both tables share: the objective, the years it counts, and
/// the candidate's objective and gain.
const GAIN_COLUMNS: [&str; 9] = [
    "objective",
    "first_year",
    "last_year",
    "objective_mean",
    "gain_mean",
    "gain_ci90_low",
    "gain_ci90_high",
    "gain_p05",
    "gain_p95",
];

fn gain_cells(c: &Candidate) -> Vec<String> {
    let g = &c.gains;
    [g.objective, g.mean, g.low, g.high, g.p05, g.p95].map(csv_number).to_vec()
}

/// `frontier.csv`: the best split found at each budget.
pub fn frontier_csv(o: &Optimised) -> Vec<u8> {
    let (first, last) = (o.years.first().copied().unwrap_or(0), o.years.get(o.spec.last_year).copied().unwrap_or(0));
    let mut previous = (0.0, 0.0);
    let rows: Vec<Vec<String>> = o
        .frontier
        .iter()
        .map(|row| {
            let mut cells = vec![csv_number(row.level), csv_number(row.budget)];
            match &row.best {
                Some(c) => {
                    let per = (c.gains.mean - previous.1) / (row.budget - previous.0) * 100_000.0;
                    previous = (row.budget, c.gains.mean);
                    cells.extend([
                        c.split.total_posts().to_string(),
                        csv_number(c.split.cost),
                        csv_number(c.split.budget),
                        csv_number(c.split.advice_share),
                        posts_cell(o, &c.split),
                        allocation_cell(o, &c.split),
                    ]);
                    cells.extend([o.spec.objective.as_str().to_string(), first.to_string(), last.to_string()]);
                    cells.extend(gain_cells(c));
                    cells.extend([csv_number(c.gains.prob_beats), csv_number(per)]);
                }
                None => {
                    cells.extend(std::iter::repeat_n(String::new(), 6));
                    cells.extend([o.spec.objective.as_str().to_string(), first.to_string(), last.to_string()]);
                    cells.extend(std::iter::repeat_n(String::new(), 8));
                }
            }
            cells
        })
        .collect();
    let head = ["level", "budget", "posts", "cost", "round_budget", "advice_share", "posts_by_region", "allocation"];
    let header: Vec<&str> =
        head.into_iter().chain(GAIN_COLUMNS).chain(["prob_beats_nothing", "gain_per_100k_more"]).collect();
    csv_bytes(&header, rows.into_iter())
}

/// `candidates.csv`: the best, the simple rules, and doing nothing.
pub fn candidates_csv(o: &Optimised) -> Vec<u8> {
    let (first, last) = (o.years.first().copied().unwrap_or(0), o.years.get(o.spec.last_year).copied().unwrap_or(0));
    let window = [o.spec.objective.as_str().to_string(), first.to_string(), last.to_string()];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for c in std::iter::once(&o.best).chain(&o.rules) {
        let mut cells = vec![
            c.label.clone(),
            allocation_cell(o, &c.split),
            csv_number(c.split.budget),
            c.split.total_posts().to_string(),
            csv_number(c.split.cost),
            csv_number(c.split.advice_share),
            posts_cell(o, &c.split),
        ];
        cells.extend(window.clone());
        cells.extend(gain_cells(c));
        let (m, lo, hi) = c.vs_best.unwrap_or((f64::NAN, f64::NAN, f64::NAN));
        cells.extend([m, lo, hi, c.gains.prob_beats].map(csv_number));
        rows.push(cells);
    }
    let b = &o.best.gains;
    let mut nothing =
        vec!["do nothing".to_string(), String::new(), "0".into(), "0".into(), "0".into(), String::new(), String::new()];
    nothing.extend(window);
    nothing.extend([o.nothing, 0.0, 0.0, 0.0, 0.0, 0.0, -b.mean, -b.high, -b.low, 0.0].map(csv_number));
    rows.push(nothing);
    let head = ["candidate", "allocation", "budget", "posts", "cost", "advice_share", "posts_by_region"];
    let tail = ["vs_best_mean", "vs_best_ci90_low", "vs_best_ci90_high", "prob_beats_nothing"];
    let header: Vec<&str> = head.into_iter().chain(GAIN_COLUMNS).chain(tail).collect();
    csv_bytes(&header, rows.into_iter())
}

/// A TOML number: whole numbers without a fraction, others in the shortest
/// form that reads back as the same `f64`.
fn toml_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:?}")
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A key as TOML writes it bare (region ids are lower-case letters, digits, `-` and `_`) or quoted.
fn toml_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        k.to_string()
    } else {
        toml_string(k)
    }
}

/// `best.toml`: an overlay on the scenario (`extends`, as written, resolved
/// from the directory best.toml is in) holding the round chosen.
pub fn best_toml(o: &Optimised, extends: &str) -> String {
    let best = &o.best;
    let spec = &o.spec;
    let w = words(spec.objective);
    let name: String = o.scenario_name.chars().take(400).collect();
    let note = format!(
        "{name}, with one funding round chosen by fundscape optimise: {} from {} from {} for {} months, split to give {} over {} ({} paired runs, seed {}).",
        money(spec.budget),
        spec.funder,
        round_start(o),
        spec.term_months,
        w.best.split(" (").next().unwrap_or(w.best),
        window(o),
        thousands(o.runs as f64),
        o.seed
    );
    let unspent = if best.split.budget < spec.budget * (1.0 - 1e-9) {
        if asked_budget_buys_more(spec, &best.split) {
            format!(
                " Its budget is what they cost: no further post helped, and the {} asked for would buy more.",
                money(spec.budget)
            )
        } else {
            format!(
                " Its budget is what they cost: the {} asked for buys the same posts at expected prices, and the \
                 rest is less than another post.",
                money(spec.budget)
            )
        }
    } else {
        String::new()
    };
    let paragraphs = [
        format!(
            "Written by `fundscape optimise` (fundscape {}): one funding round added to the scenario it extends, split \
             between regions to give {} over {} (the best found on {} paired runs, seed {}; see report.html beside \
             this file).",
            env!("CARGO_PKG_VERSION"),
            w.best,
            window(o),
            thousands(o.runs as f64),
            o.seed
        ),
        format!(
            "At expected prices (`fundscape validate` shows them) the round buys {}: {} posts, {} of the funder's \
             money.{unspent}",
            posts_words(o, &best.split),
            best.split.total_posts(),
            money(best.split.cost)
        ),
        "A post's cost is drawn in each run, so a run may buy a post more or fewer: the model decides, by its \
         largest-remainder rule (docs/scenario.md, [[rounds]])."
            .to_string(),
        "Run it with `fundscape run best.toml`, or beside the scenario with `fundscape compare SCENARIO best.toml`."
            .to_string(),
    ];
    let mut out = String::new();
    for p in &paragraphs {
        for line in crate::charts::wrap(p, 86, |t| t.chars().count() as u32) {
            let _ = writeln!(out, "# {line}");
        }
    }
    let ids: Vec<String> = o.regions.iter().map(|r| r.0.clone()).collect();
    out.push_str(&overlay(spec, &ids, o.start, &best.split, extends, &format!("{name} + optimised round"), &note));
    out
}

/// The `[scenario]` and `[[rounds]]` tables of an overlay on the scenario at
/// `extends` that adds the round of `split` (region `r` is `ids[r]`).
pub fn overlay(
    spec: &Spec,
    ids: &[String],
    start: YearMonth,
    split: &Split,
    extends: &str,
    name: &str,
    note: &str,
) -> String {
    let id = |r: usize| ids.get(r).map_or(String::new(), |x| x.clone());
    let allocation: Vec<String> =
        split.shares.iter().map(|&(r, x)| format!("{} = {}", toml_key(&id(r)), toml_number(x))).collect();
    format!(
        "[scenario]\nextends = {}\nname = {}\nnote = {}\n\n[[rounds]]\nid = {}\nfunder = {}\nstart = \"{}\"\nbudget = {}\nterm_months = {}\nadvice_share = {}\nallocation = {{ {} }}\n",
        toml_string(extends),
        toml_string(name),
        toml_string(note),
        toml_string(&spec.round_id),
        toml_string(&spec.funder),
        YearMonth(start.0 + spec.start),
        toml_number(split.budget),
        spec.term_months,
        toml_number(split.advice_share),
        allocation.join(", ")
    )
}

/// The frontier chart: the gain of the best split at each budget, from
/// doing nothing at £0.
struct FrontierChart<'a> {
    o: &'a Optimised,
}

impl Body for FrontierChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        frontier_chart(area, self.o)
    }
}

fn frontier_chart<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, o: &Optimised) -> DrawResult<DB> {
    let w = words(o.spec.objective);
    let points: Vec<(f64, &Candidate)> =
        o.frontier.iter().filter_map(|r| r.best.as_ref().map(|c| (r.budget, c))).collect();
    let x_max = o.frontier.last().map_or(o.spec.budget, |r| r.budget) * 1.06;
    let lo = points.iter().map(|(_, c)| c.gains.p05.min(c.gains.low)).fold(0.0, f64::min);
    let hi = points.iter().map(|(_, c)| c.gains.p95.max(c.gains.high)).fold(0.0, f64::max);
    let pad = ((hi - lo) * 0.1).max(1.0);
    let (key, plot) = area.split_vertically(34);
    let mut chart = ChartBuilder::on(&plot)
        .margin(10)
        .margin_right(40)
        .x_label_area_size(60)
        .y_label_area_size(100)
        .build_cartesian_2d(0.0..x_max, (lo - pad.min(-lo + pad))..(hi + pad))?;
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| money(*x))
        .y_labels(8)
        .y_label_formatter(&|y| thousands(*y))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .label_style(font(15))
        .axis_desc_style(font(17))
        .x_desc(format!(
            "round budget: {}'s money over {} months from {}",
            o.spec.funder,
            o.spec.term_months,
            round_start(o)
        ))
        .y_desc(if o.spec.objective == Objective::Abandoned {
            "cases averted (people who no longer give up waiting)"
        } else {
            w.gain
        })
        .draw()?;
    // The runs' spread: a band from doing nothing (0 at £0) through each level's 5th and 95th percentiles.
    let mut band: Vec<(f64, f64)> =
        std::iter::once((0.0, 0.0)).chain(points.iter().map(|(b, c)| (*b, c.gains.p95))).collect();
    band.extend(points.iter().rev().map(|(b, c)| (*b, c.gains.p05)));
    chart.draw_series(std::iter::once(Polygon::new(band, OUTER.filled())))?;
    chart.draw_series(std::iter::once(PathElement::new(vec![(0.0, 0.0), (x_max, 0.0)], INK.stroke_width(1))))?;
    let means: Vec<(f64, f64)> =
        std::iter::once((0.0, 0.0)).chain(points.iter().map(|(b, c)| (*b, c.gains.mean))).collect();
    chart.draw_series(std::iter::once(PathElement::new(means, MEDIAN.stroke_width(3))))?;
    let asked = o.spec.budget;
    // Where the labels go, in `plot` (backend_coord is absolute), before drawing more.
    let (bx, by) = plot.get_base_pixel();
    let at = |x: f64, y: f64| {
        let (px, py) = chart.backend_coord(&(x, y));
        (px - bx, py - by)
    };
    let is_asked = |b: f64| (b - asked).abs() <= 1e-9 * asked;
    let labels: Vec<(i32, i32, String)> = points
        .iter()
        .map(|(b, c)| {
            let (px, py) = at(*b, c.gains.p95.max(c.gains.high));
            let posts = c.split.total_posts();
            let text = format!("{posts} post{}", if posts == 1 { "" } else { "s" });
            (px, py, if is_asked(*b) { format!("{text}: the {} asked", money(asked)) } else { text })
        })
        .collect();
    for (b, c) in &points {
        let g = &c.gains;
        chart.draw_series(std::iter::once(PathElement::new(vec![(*b, g.low), (*b, g.high)], INK.stroke_width(3))))?;
        chart.draw_series(std::iter::once(Circle::new((*b, g.mean), 6, MEDIAN.filled())))?;
        if is_asked(*b) {
            chart.draw_series(std::iter::once(Circle::new((*b, g.mean), 11, INK.stroke_width(2))))?;
        }
    }
    for (px, py, text) in labels {
        plot.draw_text(&text, &font(14).pos(Pos::new(HPos::Center, VPos::Bottom)), (px, py - 6))?;
    }
    let left = Pos::new(HPos::Left, VPos::Center);
    let x0 = 110;
    key.draw(&Rectangle::new([(x0, 12), (x0 + 24, 24)], OUTER.filled()))?;
    key.draw_text("5–95% of runs (what one run could bring)", &font(14).pos(left), (x0 + 30, 18))?;
    key.draw(&PathElement::new(vec![(x0 + 340, 10), (x0 + 340, 26)], INK.stroke_width(3)))?;
    key.draw_text("90% interval of the mean", &font(14).pos(left), (x0 + 350, 18))?;
    key.draw(&Circle::new((x0 + 560, 18), 6, MEDIAN.filled()))?;
    key.draw_text("mean of the paired runs: the best split found at that budget", &font(14).pos(left), (x0 + 572, 18))?;
    Ok(())
}

/// The frontier chart, `charts/frontier.{svg,png}`.
///
/// # Errors
/// A drawing failure inside plotters (not expected for any input).
pub fn frontier_chart_of(o: &Optimised, png_scale: u32) -> Result<Chart, RenderError> {
    let w = words(o.spec.objective);
    let frame = Frame {
        name: "frontier",
        title: format!("What each extra £ buys: {}, {}", w.title, window(o)),
        note: format!(
            "Each point: the best split found for a round of that budget (25% to 200% of the {} asked), against doing nothing; \
             mean of {} paired runs. Black bars: 90% interval of the mean (Monte Carlo uncertainty, often inside the dot); light band: 5–95% of the \
             runs' own gains (what one run could bring). The line starts at £0, doing nothing; above each point, the posts it \
             buys at expected prices.",
            money(o.spec.budget),
            thousands(o.runs as f64)
        ),
        caption: format!(
            "Scenario: {} · {} paired runs · seed {} · fundscape {}",
            o.scenario_name,
            thousands(o.runs as f64),
            o.seed,
            env!("CARGO_PKG_VERSION")
        ),
        size: (1200, 720),
    };
    render_one(frame, &FrontierChart { o }, png_scale)
}

fn interval_cell(m: f64, lo: f64, hi: f64) -> String {
    format!("{} ({} to {})", thousands(m), thousands(lo), thousands(hi))
}

/// The optimiser's `report.html`: the recommendation, the best split, the
/// frontier chart, the simple rules beside the best, the frontier's table
/// and what the method does and does not guarantee. Self-contained (no
/// script, nothing fetched); every text from the scenario is escaped.
pub fn report(o: &Optimised, chart: &Chart, best_toml: &str, scenario_file: &str) -> String {
    let w = words(o.spec.objective);
    let spec = &o.spec;
    let name = escape(&o.scenario_name);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{name}: where should the round go? · fundscape optimise</title>\n<style>{STYLE}{EXTRA_STYLE}</style>\n</head>\n<body>\n\
         <header><h1>{name}: where should a {} round go?</h1><p class=\"sub\">{} from {} for {} months, split to give {} over \
         {}; {} paired Monte Carlo runs (seed {}), {} candidate rounds simulated, fundscape {}.</p></header>\n",
        escape(&money(spec.budget)),
        escape(&spec.funder),
        round_start(o),
        spec.term_months,
        escape(w.best),
        window(o),
        thousands(o.runs as f64),
        o.seed,
        thousands(o.evaluations as f64),
        env!("CARGO_PKG_VERSION")
    );
    let _ = write!(
        h,
        "<section id=\"recommendation\"><h2>In brief</h2><ul class=\"headlines\"><li>{}</li></ul>",
        escape(&sentence(o))
    );
    h.push_str(
        "<table id=\"split\"><thead><tr><th>Region</th><th class=\"num\">Share of the budget</th>\
         <th class=\"num\">Posts at expected prices</th><th class=\"num\">of them advice posts</th>\
         <th class=\"num\">Price of a post to the funder</th></tr></thead><tbody>",
    );
    let percents = whole_percents(&o.best.split.shares);
    for (r, p) in &percents {
        let n = o.best.split.posts.get(*r).copied().unwrap_or(0);
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{p}%</td><td class=\"num\">{n}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(o.regions.get(*r).map_or("", |x| x.1.as_str())),
            (f64::from(n) * o.best.split.advice_share).round(),
            escape(&money(spec.prices.get(*r).copied().unwrap_or(0.0)))
        );
    }
    let _ = writeln!(
        h,
        "<tr class=\"total\"><td>All</td><td class=\"num\">100%</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
         <td class=\"num\">{} in all</td></tr></tbody></table></section>",
        o.best.split.total_posts(),
        advice_posts(&o.best.split),
        escape(&money(o.best.split.cost))
    );
    let svg =
        chart.inline_svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(&chart.title)), 1);
    let _ = write!(
        h,
        "<section id=\"frontier\"><h2>What each extra £ buys</h2><figure id=\"chart-frontier\">\n{}<figcaption>{} \
         Also as <code>charts/frontier.svg</code> and <code>charts/frontier.png</code>.</figcaption></figure>",
        svg.trim_end(),
        escape(&chart.note),
    );
    h.push_str(&frontier_table(o));
    h.push_str("</section>\n");
    h.push_str(&rules_table(o));
    let _ = write!(
        h,
        "<section id=\"method\"><h2>Method: what is and is not guaranteed</h2>{}\
         <h3>The overlay</h3><p><code>best.toml</code>, beside this report, adds the round to <code>{}</code>; \
         <code>fundscape run best.toml</code> runs it and <code>fundscape compare</code> sets it beside other asks.</p>\
         <pre><code>{}</code></pre>{}</section>\n</body>\n</html>\n",
        method(o),
        escape(scenario_file),
        escape(best_toml),
        warnings(o)
    );
    h
}

/// What the optimiser's report adds to the shared style: names that do not
/// break inside a word, and best.toml wrapped rather than scrolled.
const EXTRA_STYLE: &str = "td.label { white-space: nowrap; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: 0.8em; font-size: 0.9em; }
";

fn frontier_table(o: &Optimised) -> String {
    let w = words(o.spec.objective);
    let mut t = format!(
        "<table id=\"frontier-table\"><thead><tr><th class=\"num\">Budget</th><th class=\"num\">Posts</th><th>Split (posts at \
         expected prices)</th><th class=\"num\">{} (90% interval)</th><th class=\"num\">5–95% of runs</th>\
         <th class=\"num\">Each extra £100k buys</th><th class=\"num\">P(beats nothing)</th></tr></thead><tbody>",
        escape(w.gain)
    );
    let mut previous = (0.0, 0.0);
    for row in &o.frontier {
        match &row.best {
            Some(c) => {
                let g = &c.gains;
                let per = (g.mean - previous.1) / (row.budget - previous.0) * 100_000.0;
                previous = (row.budget, g.mean);
                let _ = write!(
                    t,
                    "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{} to {}</td><td class=\"num\">{}</td><td class=\"num\">{:.2}</td></tr>",
                    escape(&money(row.budget)),
                    c.split.total_posts(),
                    escape(&posts_words(o, &c.split)),
                    interval_cell(g.mean, g.low, g.high),
                    thousands(g.p05),
                    thousands(g.p95),
                    thousands(per),
                    g.prob_beats
                );
            }
            None => {
                let _ = write!(
                    t,
                    "<tr><td class=\"num\">{}</td><td colspan=\"6\">no split at this budget beats doing nothing in enough runs</td></tr>",
                    escape(&money(row.budget))
                );
            }
        }
    }
    t.push_str("</tbody></table>");
    t
}

fn rules_table(o: &Optimised) -> String {
    let w = words(o.spec.objective);
    let mut t = format!(
        "<section id=\"candidates\"><h2>Beside the simple rules</h2><table id=\"rules\"><thead><tr><th>Candidate</th>\
         <th>Split</th><th class=\"num\">Posts</th><th class=\"num\">{} (90% interval)</th>\
         <th class=\"num\">Against the best (90% interval)</th><th class=\"num\">P(beats nothing)</th></tr></thead><tbody>",
        escape(w.gain)
    );
    for c in std::iter::once(&o.best).chain(&o.rules) {
        let g = &c.gains;
        let vs = match (c.label.as_str(), c.vs_best) {
            ("best", _) => "–".to_string(),
            (_, Some((m, lo, hi))) => interval_cell(m, lo, hi),
            _ => "–".to_string(),
        };
        let _ = write!(
            t,
            "<tr><td class=\"label\"><strong>{}</strong></td><td>{}</td><td class=\"num\">{}{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{vs}</td><td class=\"num\">{:.2}</td></tr>",
            escape(&c.label),
            escape(&split_words(o, &c.split)),
            if c.split.unmet { "about " } else { "" },
            c.split.total_posts(),
            interval_cell(g.mean, g.low, g.high),
            g.prob_beats
        );
    }
    let _ = writeln!(
        t,
        "</tbody></table><p class=\"note\">Gains are against doing nothing (the scenario as written: {} {} on average), \
         summed over {}, all regions; \"against the best\" is the candidate's gain minus the best's, run by run (negative: \
         worse than the best). Equal shares and shares by demand (each region's expected demand) cover the regions allowed \
         where a post can be bought; the \"unmet\" rule follows each run's abandoned cases over every region, so its \
         posts are shown with demand as weights. P(beats nothing) is the share of runs in which the candidate does \
         strictly better than doing nothing.</p></section>",
        thousands(o.nothing),
        escape(o.spec.objective.as_str()),
        window(o)
    );
    t
}

fn method(o: &Optimised) -> String {
    format!(
        "<p>Every candidate is the scenario with one more <code>[[rounds]]</code> entry, simulated by the model on the \
         same {} runs (seed {}) as doing nothing, so the difference between two candidates carries no sampling noise \
         from what they share. Whole posts are the unit: a post's price to the funder in each region is its expected \
         cost after the councils' match. The search gives the next post to the region where it adds most per £ \
         (greedy), stopping when no post fits or none helps, then moves one post between regions, adds one or takes \
         one away while that helps (local search).</p><ul>\
         <li><strong>Guaranteed:</strong> if the gains of posts in each region do not depend on the other regions and \
         only fall as posts are added (a separable concave objective) and every region's post costs the same, the greedy \
         split is the best split of whole posts for these runs. The answer is at least as good, on these runs, as the \
         greedy split, equal shares and shares by demand, and no single move of one post improves it.</li>\
         <li><strong>Not guaranteed:</strong> a better split that needs two or more posts moved at once; the best split \
         when posts cost different amounts in different regions (the greedy by £ can miss it by less than one post's \
         gain); and the best split in expectation rather than on these {} runs — splits whose gains differ by less than \
         their intervals may swap places at another seed or number of runs.</li>\
         <li>A post's cost is drawn in each run, so a run may buy a post more or fewer than the split shows; the model \
         decides, by its largest-remainder rule, and the gains are of what it buys.</li></ul>",
        thousands(o.runs as f64),
        o.seed,
        thousands(o.runs as f64)
    )
}

fn warnings(o: &Optimised) -> String {
    if o.warnings.is_empty() {
        return "<h3>Warnings</h3><p>None: the scenario loaded without warnings.</p>".into();
    }
    let items: Vec<String> = o.warnings.iter().map(|w| format!("<li>{}</li>", escape(w))).collect();
    format!("<h3>Warnings</h3><ul id=\"warnings\">{}</ul>", items.concat())
}

/// Every file `optimise` writes but best.toml's `extends`: best.toml,
/// frontier.csv, candidates.csv, charts/frontier.{svg,png}, report.html.
///
/// # Errors
/// A drawing failure inside plotters (not expected for any input).
pub fn optimise_files(
    o: &Optimised,
    extends: &str,
    scenario_file: &str,
    png_scale: u32,
) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let chart = frontier_chart_of(o, png_scale)?;
    let toml = best_toml(o, extends);
    let html = report(o, &chart, &toml, scenario_file);
    Ok(vec![
        ("best.toml".into(), toml.into_bytes()),
        ("frontier.csv".into(), frontier_csv(o)),
        ("candidates.csv".into(), candidates_csv(o)),
        ("charts/frontier.svg".into(), chart.svg.into_bytes()),
        ("charts/frontier.png".into(), chart.png),
        ("report.html".into(), html.into_bytes()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_percents_add_up_to_a_hundred() {
        let p = whole_percents(&[(0, 1.0 / 3.0), (1, 1.0 / 3.0), (2, 1.0 / 3.0)]);
        assert_eq!(p, vec![(0, 34), (1, 33), (2, 33)]);
        let p = whole_percents(&[(3, 0.585), (5, 0.255), (7, 0.16)]);
        assert_eq!(p.iter().map(|x| x.1).sum::<u32>(), 100);
        assert_eq!(whole_percents(&[(1, 1.0)]), vec![(1, 100)]);
    }

    #[test]
    fn toml_numbers_and_strings_read_back() {
        assert_eq!(toml_number(2_000_000.0), "2000000");
        assert_eq!(toml_number(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(toml_string("a \"b\" \\ c\n"), "\"a \\\"b\\\" \\\\ c\\n\"");
        assert_eq!(toml_key("north-west"), "north-west");
        assert_eq!(and_list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
    }
}
