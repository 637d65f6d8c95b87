//! What `fundscape sensitivity` and `fundscape solve` write: `tornado.csv`,
//! `sobol.csv`, `solve.csv`, their charts (SVG and PNG, the run charts'
//! conventions) and the sensitivity `report.html`.

use std::fmt::Write;

use fundscape_sim::sensitivity::{Sensitivity, SolveOutcome, Solved, Trial, Year};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::charts::{
    bold, draw_twice, font, register_fonts, wrap, Chart, DrawResult, RenderError, GRID, INK, INNER, MEDIAN, MUTED,
    OUTER, VIRIDIS,
};
use crate::files::csv_bytes;
use crate::words::{escape, percent, thousands};

/// "in 2027" for a year, "over the horizon" for the whole horizon, in titles.
fn when(s: &fundscape_sim::sensitivity::Sensitivity, col: usize) -> String {
    if col < s.years.len() {
        format!("in {}", year_label(s, col))
    } else {
        "over the horizon".into()
    }
}

/// The year's label in files: a calendar year, or `horizon`.
fn year_label(s: &Sensitivity, col: usize) -> String {
    s.years.get(col).map_or_else(|| "horizon".to_string(), |y| y.to_string())
}

fn column(s: &Sensitivity, year: Year) -> usize {
    match year {
        Year::Model(y) => y,
        Year::Horizon => s.years.len(),
    }
}

/// The tornado rows of `year`, largest |swing| first (ties by key).
fn tornado_order(s: &Sensitivity, col: usize) -> Vec<&fundscape_sim::sensitivity::TornadoRow> {
    let mut rows: Vec<_> = s.tornado.iter().collect();
    rows.sort_by(|a, b| b.swing(col).abs().total_cmp(&a.swing(col).abs()).then_with(|| a.key.cmp(&b.key)));
    rows
}

/// A row of `tornado.csv` or `sobol.csv`: the input's key, the metric,
/// region and year, then the numbers.
fn keyed_row(s: &Sensitivity, key: &str, col: usize, numbers: &[f64]) -> Vec<String> {
    let mut row = vec![key.to_string(), s.metric.clone(), s.region.clone(), year_label(s, col)];
    row.extend(numbers.iter().map(|x| crate::cell::csv_number(*x)));
    row
}

/// `tornado.csv`: `key,metric,region,year,low_input,high_input,low,base,high,swing`, sorted by |swing|.
pub fn tornado_csv(s: &Sensitivity, year: Year) -> Vec<u8> {
    let col = column(s, year);
    csv_bytes(
        &["key", "metric", "region", "year", "low_input", "high_input", "low", "base", "high", "swing"],
        tornado_order(s, col).into_iter().map(|r| {
            keyed_row(s, &r.key, col, &[r.low_input, r.high_input, r.low[col], r.base[col], r.high[col], r.swing(col)])
        }),
    )
}

/// `sobol.csv`: `key,metric,region,year,first_order,first_order_low,first_order_high,total_order,
/// total_order_low,total_order_high`, each input by year then the horizon, and last the runs' own randomness.
pub fn sobol_csv(s: &Sensitivity) -> Vec<u8> {
    let cols = s.years.len() + 1;
    csv_bytes(
        &[
            "key",
            "metric",
            "region",
            "year",
            "first_order",
            "first_order_low",
            "first_order_high",
            "total_order",
            "total_order_low",
            "total_order_high",
        ],
        s.sobol.iter().chain(std::iter::once(&s.randomness)).flat_map(|r| {
            (0..cols).map(move |c| {
                let (f, t) = (r.first[c], r.total[c]);
                keyed_row(s, &r.key, c, &[f.estimate, f.low, f.high, t.estimate, t.low, t.high])
            })
        }),
    )
}

/// `solve.csv`: `value,probability,probability_low,probability_high`, one row per trial in the order made.
pub fn solve_csv(s: &Solved) -> Vec<u8> {
    csv_bytes(
        &["value", "probability", "probability_low", "probability_high"],
        s.trials.iter().map(|t| {
            vec![
                crate::cell::csv_number(t.value),
                crate::cell::csv_number(t.probability),
                crate::cell::csv_number(t.low),
                crate::cell::csv_number(t.high),
            ]
        }),
    )
}

/// The caption every chart carries: scenario, runs, seed, program.
fn caption(scenario: &str, runs: u64, seed: u64) -> String {
    format!(
        "Scenario: {scenario} · {} runs a trial · seed {seed} · fundscape {}",
        thousands(runs as f64),
        env!("CARGO_PKG_VERSION")
    )
}

/// Title at the top, note and caption at the bottom; returns the body.
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    note: &str,
    caption: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let note_font = font(14).color(&MUTED);
    let lines = wrap(note, w.saturating_sub(48), |t| root.estimate_text_size(t, &note_font).map_or(0, |s| s.0));
    let bottom_h = 36 + 22 * lines.len() as i32;
    let (top, rest) = root.split_vertically(58);
    let (body, bottom) = rest.split_vertically(h as i32 - 58 - bottom_h);
    top.draw_text(title, &bold(24), (24, 18))?;
    for (i, line) in lines.iter().enumerate() {
        bottom.draw_text(line, &note_font, (24, 8 + 22 * i as i32))?;
    }
    bottom.draw_text(caption, &note_font, (24, 8 + 22 * lines.len() as i32))?;
    Ok(body.margin(0, 0, 8, 20))
}

fn metric_words(s: &Sensitivity) -> String {
    let region = if s.region == "all" { "all regions".to_string() } else { s.region.clone() };
    format!("{} ({region})", s.metric.replace('_', " "))
}

/// Bars shown in the tornado chart (the rest are in `tornado.csv`).
const TORNADO_BARS: usize = 15;

fn tornado_chart<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Sensitivity, col: usize) -> DrawResult<DB> {
    let rows: Vec<_> = tornado_order(s, col).into_iter().take(TORNADO_BARS).collect();
    let more = s.tornado.len().saturating_sub(rows.len());
    let note = format!(
        "Each bar: the mean of {} with one input fixed at its 10th percentile (light) and at its 90th (dark), every other input drawn as usual, on the same runs. The line is the mean with every input drawn.{}",
        metric_words(s),
        if more > 0 { format!(" {more} smaller inputs are in tornado.csv.") } else { String::new() }
    );
    let body = frame(
        root,
        &format!("What moves {} {}: one input at a time", metric_words(s), when(s, col)),
        &note,
        &caption(&s.scenario_name, s.runs, s.seed),
    )?;
    let base = rows.first().map_or(0.0, |r| r.base[col]);
    let lo = rows.iter().map(|r| r.low[col].min(r.high[col])).fold(base, f64::min);
    let hi = rows.iter().map(|r| r.low[col].max(r.high[col])).fold(base, f64::max);
    let pad = ((hi - lo) * 0.08).max(1e-9 + base.abs() * 0.01);
    let n = rows.len().max(1);
    let labels: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .margin_right(30)
        .x_label_area_size(56)
        .y_label_area_size(430)
        .build_cartesian_2d((lo - pad)..(hi + pad), 0.0..n as f64)?;
    let y_fmt = |y: &f64| {
        let i = (n as f64 - y - 0.5).round();
        if (n as f64 - y - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(2 * n + 1)
        .y_label_formatter(&y_fmt)
        .set_tick_mark_size(LabelAreaPosition::Left, 0)
        .x_labels(8)
        .x_label_formatter(&|x| thousands(*x))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .label_style(font(15))
        .axis_desc_style(font(17))
        .x_desc(format!("mean {} per {}", metric_words(s), if col < s.years.len() { "year" } else { "horizon" }))
        .draw()?;
    for (i, r) in rows.iter().enumerate() {
        let y = n as f64 - i as f64 - 0.5;
        let (y0, y1) = (y - 0.32, y + 0.32);
        chart.draw_series([
            Rectangle::new([(base.min(r.low[col]), y0), (base.max(r.low[col]), y1)], INNER.filled()),
            Rectangle::new([(base.min(r.high[col]), y0), (base.max(r.high[col]), y1)], MEDIAN.filled()),
        ])?;
    }
    chart.draw_series(std::iter::once(PathElement::new(vec![(base, 0.0), (base, n as f64)], INK.stroke_width(2))))?;
    Ok(())
}

/// Inputs drawn in the indices-by-year chart.
const INDEX_LINES: usize = 6;

fn indices_chart<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Sensitivity) -> DrawResult<DB> {
    let years = s.years.len();
    let mut order: Vec<usize> = (0..s.sobol.len()).collect();
    let peak = |i: usize| s.sobol[i].total[..years].iter().map(|x| x.estimate).fold(0.0, f64::max);
    order.sort_by(|&a, &b| peak(b).total_cmp(&peak(a)).then(a.cmp(&b)));
    order.truncate(INDEX_LINES);
    let body = frame(
        root,
        &format!("Which inputs matter early and which late: {}", metric_words(s)),
        &format!(
            "Total-order Sobol index of each input by year: the share of the variance of the year's {} that the input explains, alone or with others. Grey, dashed: the runs' own randomness alone (arrivals, exits, turnover). The {} inputs with the largest index in any year; all are in sobol.csv.",
            metric_words(s),
            order.len()
        ),
        &caption(&s.scenario_name, s.runs, s.seed),
    )?;
    let labels: Vec<String> = s.years.iter().map(|y| y.to_string()).collect();
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .margin_right(24)
        .x_label_area_size(56)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.3..(years.max(1) as f64 - 0.7), 0.0..1.0)?;
    let x_fmt = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_labels(years.clamp(1, 12))
        .x_label_formatter(&x_fmt)
        .y_labels(6)
        .y_label_formatter(&|y| percent(*y))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .label_style(font(15))
        .axis_desc_style(font(17))
        .x_desc("model year")
        .y_desc("share of the variance")
        .draw()?;
    for (n, &i) in order.iter().enumerate() {
        // Spread over viridis so the lines stay apart (the lightest yellow is left out).
        let colour = VIRIDIS[(n * 7 / (INDEX_LINES - 1).max(1)).min(7)];
        let pts: Vec<(f64, f64)> =
            (0..years).map(|y| (y as f64, s.sobol[i].total[y].estimate.clamp(0.0, 1.0))).collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(3)))?
            .label(s.sobol[i].key.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3)));
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 4, colour.filled())))?;
    }
    let own: Vec<(f64, f64)> = (0..years).map(|y| (y as f64, s.randomness.first[y].estimate.clamp(0.0, 1.0))).collect();
    chart
        .draw_series(DashedLineSeries::new(own, 8, 6, MUTED.stroke_width(2)))?
        .label("runs' own randomness")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MUTED.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(GRID)
        .label_font(font(14))
        .draw()?;
    Ok(())
}

/// The sensitivity charts: `tornado` and `indices-by-year`.
///
/// # Errors
/// A drawing failure inside plotters (not expected for any input).
pub fn sensitivity_charts(s: &Sensitivity, year: Year) -> Result<Vec<Chart>, RenderError> {
    register_fonts()?;
    let col = column(s, year);
    let bars = s.tornado.len().min(TORNADO_BARS) as u32;
    let (svg, png) = draw_twice(
        "tornado",
        (1300, 260 + 44 * bars.max(1)),
        |r| tornado_chart(r, s, col),
        |r| tornado_chart(r, s, col),
    )?;
    let tornado = Chart {
        name: "tornado",
        title: format!("Tornado: {} {}", metric_words(s), when(s, col)),
        note: "One input at a time at its 10th and 90th percentile; paired runs.".into(),
        inline_svg: svg.clone(),
        svg,
        png,
    };
    let (svg, png) = draw_twice("indices-by-year", (1200, 700), |r| indices_chart(r, s), |r| indices_chart(r, s))?;
    let by_year = Chart {
        name: "indices-by-year",
        title: format!("Sobol indices by year: {}", metric_words(s)),
        note: "Total-order index of each input by model year, and the runs' own randomness.".into(),
        inline_svg: svg.clone(),
        svg,
        png,
    };
    Ok(vec![tornado, by_year])
}

/// The plain-words reading: the fewest inputs whose first-order indices
/// reach 80% of the variance (or all of them, and what they reach), what
/// the other inputs explain alone, the runs' own randomness alone, and the
/// rest, which is interactions. The estimates are shown within 0–100%; where
/// they are too noisy to add up (a share above 100% or well below 0%, or
/// the shares alone well over the whole), the reading says so and asks for
/// more base samples rather than printing impossible shares.
pub fn reading(s: &Sensitivity, year: Year) -> String {
    let col = column(s, year);
    let first = |i: usize| s.sobol[i].first[col].estimate;
    let share = |x: f64| percent(x.clamp(0.0, 1.0));
    let mut order: Vec<usize> = (0..s.sobol.len()).collect();
    order.sort_by(|&a, &b| first(b).total_cmp(&first(a)).then(a.cmp(&b)));
    let mut sum = 0.0;
    let mut named = Vec::new();
    for &i in &order {
        if sum >= 0.8 || first(i) <= 0.005 {
            break;
        }
        sum += first(i).max(0.0);
        named.push(format!("{} ({})", s.sobol[i].key, share(first(i))));
    }
    let others: f64 = order[named.len()..].iter().map(|&i| first(i).max(0.0)).sum();
    let own = s.randomness.first[col].estimate;
    let when = when(s, col);
    let count = match named.len() {
        0 => "no input".to_string(),
        1 => "one input".to_string(),
        n => format!("{} inputs", words_number(n)),
    };
    let (other_inputs, explains) = if others >= 0.005 {
        (format!("the other inputs alone explain {}, ", share(others)), "")
    } else {
        (String::new(), "explains ")
    };
    let alone = sum + others + own.max(0.0);
    let noisy = order.iter().any(|&i| first(i) > 1.0) || own < -0.05 || alone > 1.1;
    let tail = if noisy {
        format!(
            " These estimates are too noisy to add up at {} base sample{}: the shares alone come to {}; run with more \
             --runs (sobol.csv gives each one's interval).",
            crate::words::thousands(s.runs as f64),
            if s.runs == 1 { "" } else { "s" },
            percent(alone)
        )
    } else {
        String::new()
    };
    format!(
        "{count} explain{} {} of the uncertainty in {} {when}{}{}; {other_inputs}the runs' own randomness alone \
         {explains}{}, and the rest ({}) is inputs acting together.{tail}",
        if named.len() <= 1 { "s" } else { "" },
        share(sum),
        metric_words(s),
        if named.is_empty() { "" } else { ": " },
        named.join(", "),
        share(own),
        share(1.0 - alone)
    )
}

fn words_number(n: usize) -> String {
    const NAMES: [&str; 10] = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    NAMES.get(n).map_or_else(|| n.to_string(), |w| w.to_string())
}

/// The sensitivity `report.html`: the reading, the charts and the table of
/// indices for the year chosen. Every text from the scenario is escaped.
pub fn sensitivity_report(s: &Sensitivity, year: Year, charts: &[Chart]) -> String {
    let col = column(s, year);
    let mut h = String::new();
    let name = escape(&s.scenario_name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{name} · fundscape sensitivity</title>\n\
         <style>body {{ font-family: 'DejaVu Sans', Verdana, sans-serif; color: #222; max-width: 1180px; margin: 0 auto; \
         padding: 24px 32px 64px; line-height: 1.5; }} figure svg {{ width: 100%; height: auto; }} \
         table {{ border-collapse: collapse; }} th, td {{ border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; }} \
         td.num {{ text-align: right; font-variant-numeric: tabular-nums; }} .reading {{ font-size: 1.25em; \
         padding: 0.6em 0.9em; border-left: 6px solid #08306b; background: #f2f6fb; }}</style>\n</head>\n<body>\n\
         <h1>{name}: what drives {}</h1>\n<p>{} base samples (seed {}), {} inputs, fundscape {}.</p>\n\
         <p class=\"reading\" id=\"reading\">{}</p>\n",
        escape(&metric_words(s)),
        thousands(s.runs as f64),
        s.seed,
        s.sobol.len(),
        env!("CARGO_PKG_VERSION"),
        escape(&reading(s, year))
    );
    for c in charts {
        let _ = write!(
            h,
            "<figure id=\"chart-{}\">\n{}<figcaption>{} Also as <code>charts/{}.svg</code> and <code>charts/{}.png</code>.</figcaption></figure>\n",
            c.name,
            c.svg.trim_end(),
            escape(&c.note),
            c.name,
            c.name
        );
    }
    let _ = write!(
        h,
        "<h2>Indices {}</h2><table><thead><tr><th>input</th><th>first order (95% interval)</th>\
         <th>total order (95% interval)</th></tr></thead><tbody>",
        when(s, col)
    );
    for r in s.sobol.iter().chain(std::iter::once(&s.randomness)) {
        let cell = |i: fundscape_sim::sensitivity::Interval| {
            format!("{} ({} to {})", percent(i.estimate), percent(i.low), percent(i.high))
        };
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&r.key),
            cell(r.first[col]),
            cell(r.total[col])
        );
    }
    h.push_str(
        "</tbody></table><p>First order: the share of the variance an input explains alone (Saltelli 2010); total order: \
         alone or with others (Jansen 1999); intervals from 200 bootstrap resamples of the sampled rows. The runs' own \
         randomness is held the same across the sampling matrices: its first-order share is 1 minus the inputs' joint \
         total index, and its total-order figure (at most 1 minus the inputs' first-order indices) also holds the inputs' \
         interactions.</p>\n</body>\n</html>\n",
    );
    h
}

fn solve_chart<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Solved, words: &SolveWords) -> DrawResult<DB> {
    let body = frame(
        root,
        &format!("How large must {} be?", words.lever),
        &format!(
            "Each point: the share of runs with {}, at one value of {} (bars: 95% Monte Carlo interval). Dashed: the target {}. Every trial uses the same runs.",
            words.condition, words.lever, percent(words.probability)
        ),
        &caption(&words.scenario, words.runs, words.seed),
    )?;
    let (lo, hi) = s.range;
    let pad = (hi - lo) * 0.03;
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .margin_right(30)
        .x_label_area_size(56)
        .y_label_area_size(80)
        .build_cartesian_2d((lo - pad)..(hi + pad), 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| if (hi - lo) >= 50.0 { thousands(*x) } else { format!("{x:.3}") })
        .y_labels(6)
        .y_label_formatter(&|y| percent(*y))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .label_style(font(15))
        .axis_desc_style(font(17))
        .x_desc(words.lever.clone())
        .y_desc(format!("share of runs with {}", words.condition))
        .draw()?;
    let target = words.probability;
    chart.draw_series(DashedLineSeries::new(
        vec![(lo - pad, target), (hi + pad, target)],
        8,
        6,
        MUTED.stroke_width(2),
    ))?;
    let mut sorted: Vec<Trial> = s.trials.clone();
    sorted.sort_by(|a, b| a.value.total_cmp(&b.value));
    chart.draw_series(LineSeries::new(sorted.iter().map(|t| (t.value, t.probability)), OUTER.stroke_width(2)))?;
    for t in &sorted {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(t.value, t.low), (t.value, t.high)],
            INNER.stroke_width(2),
        )))?;
    }
    chart.draw_series(sorted.iter().map(|t| Circle::new((t.value, t.probability), 5, MEDIAN.filled())))?;
    if let SolveOutcome::Found(t) = s.outcome {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(t.value, 0.0), (t.value, 1.0)],
            INK.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("{} = {}", words.lever, number(t.value)),
            (t.value, 0.06),
            font(16),
        )))?;
    }
    Ok(())
}

/// What the solve chart says in words.
pub struct SolveWords {
    pub scenario: String,
    pub lever: String,
    /// E.g. `abandoned (all regions, horizon) ≤ 0`.
    pub condition: String,
    pub probability: f64,
    pub runs: u64,
    pub seed: u64,
}

/// A lever value as printed: whole numbers without a fraction, others to
/// six significant figures.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let digits = (5 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
        let s = format!("{x:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// The solve chart, `solve`.
///
/// # Errors
/// A drawing failure inside plotters (not expected for any input).
pub fn solve_chart_files(s: &Solved, words: &SolveWords) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    register_fonts()?;
    let (svg, png) = draw_twice("solve", (1200, 700), |r| solve_chart(r, s, words), |r| solve_chart(r, s, words))?;
    Ok(vec![("charts/solve.svg".into(), svg.into_bytes()), ("charts/solve.png".into(), png)])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A horizon-only result with first-order indices `first` and the runs'
    /// own randomness `own`, at `runs` base samples.
    fn result(first: &[(&str, f64)], own: f64, runs: u64) -> Sensitivity {
        let at = |x: f64| vec![fundscape_sim::sensitivity::Interval { estimate: x, low: x, high: x }];
        let row =
            |key: &str, x: f64| fundscape_sim::sensitivity::SobolRow { key: key.into(), first: at(x), total: at(x) };
        Sensitivity {
            scenario_name: "t".into(),
            metric: "abandoned".into(),
            region: "all".into(),
            years: vec![],
            runs,
            seed: 1,
            tornado: vec![],
            sobol: first.iter().map(|&(k, x)| row(k, x)).collect(),
            randomness: row(fundscape_sim::sensitivity::RANDOMNESS_KEY, own),
            variance: vec![1.0],
        }
    }

    /// The reading names the inputs that reach 80%, gives the others' own
    /// share apart from the interactions, and never prints an impossible share.
    #[test]
    fn the_reading_tells_other_inputs_from_interactions() {
        // Additive: a explains 80%, b 20%, nothing acts together.
        assert_eq!(
            reading(&result(&[("a", 0.8), ("b", 0.2)], 0.0, 8000), Year::Horizon),
            "one input explains 80% of the uncertainty in abandoned (all regions) over the horizon: a (80%); the other \
             inputs alone explain 20%, the runs' own randomness alone 0%, and the rest (0%) is inputs acting together."
        );
        // Interactions are what the shares alone leave over.
        assert_eq!(
            reading(&result(&[("a", 0.5), ("b", 0.35), ("c", 0.001)], 0.05, 8000), Year::Horizon),
            "two inputs explain 85% of the uncertainty in abandoned (all regions) over the horizon: a (50%), b (35%); \
             the runs' own randomness alone explains 5%, and the rest (10%) is inputs acting together."
        );
        assert!(reading(&result(&[], 1.0, 10), Year::Horizon).starts_with("no input explains 0% "));
        // Too few base samples: shares over 100% and below 0% are not printed as such.
        let noisy = reading(&result(&[("a", 1.82), ("b", 0.3)], -0.65, 5), Year::Horizon);
        assert!(noisy.starts_with("one input explains 100% of the uncertainty"), "{noisy}");
        assert!(noisy.contains("randomness alone 0%") && !noisy.contains("-65") && !noisy.contains("182"), "{noisy}");
        assert!(noisy.ends_with(" These estimates are too noisy to add up at 5 base samples: the shares alone come to 212%; run with more --runs (sobol.csv gives each one's interval)."), "{noisy}");
    }

    #[test]
    fn numbers_print_whole_or_to_six_figures() {
        assert_eq!(number(216.0), "216");
        assert_eq!(number(0.123456789), "0.123457");
        assert_eq!(number(1234.5), "1234.5");
    }
}
