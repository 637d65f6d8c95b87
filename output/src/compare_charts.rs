//! The charts of a comparison: the asks ranked by unmet demand averted over
//! the horizon, and the difference each ask makes year by year. Drawn like
//! a run's charts (same frame, fonts, colours and caption), as SVG and PNG.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use fundscape_sim::stats::Stat;

use crate::charts::{
    fan, font, grid, label_at, render_one, Axes, Body, Chart, DrawResult, Frame, RenderError, GRID, INK, MEDIAN, MUTED,
    OUTER,
};
use crate::read_compare::CompareResults;
use crate::words::thousands;

/// Cases averted by `alt` over the horizon, all regions: (mean, its 90% CI,
/// the 5–95% range across runs), all as base − ask.
pub(crate) struct Averted {
    pub mean: f64,
    pub ci: (f64, f64),
    pub runs: (f64, f64),
}

/// The 90% confidence interval of a mean: ±1.645 standard errors.
pub(crate) const Z90: f64 = 1.645;

pub(crate) fn averted(c: &CompareResults, alt: &str) -> Option<Averted> {
    let d = &c.comparison.get(alt, "all", None, "abandoned")?.diff;
    // Averted = −difference; `0.0 - x` keeps a zero from printing as -0.
    Some(Averted {
        mean: 0.0 - d.mean,
        ci: (0.0 - (d.mean + Z90 * d.mcse), 0.0 - (d.mean - Z90 * d.mcse)),
        runs: (0.0 - d.p95, 0.0 - d.p05),
    })
}

/// The asks, most unmet demand averted first.
pub(crate) fn ranked(c: &CompareResults) -> Vec<&str> {
    let mut alts: Vec<&str> = c.comparison.alts.iter().map(String::as_str).collect();
    let key = |a: &str| averted(c, a).map_or(f64::NEG_INFINITY, |x| x.mean);
    alts.sort_by(|a, b| key(b).total_cmp(&key(a)));
    alts
}

/// Whether `alt` is a risk (`kind = "risk"`), ranked apart from the asks.
pub(crate) fn is_risk(c: &CompareResults, alt: &str) -> bool {
    c.manifest.alts.iter().any(|s| s.label == alt && s.kind == "risk")
}

/// The asks, most unmet demand averted first, and the risks, most unmet
/// demand added first: ranked apart, as the terminal, the report and the
/// ranked chart show them.
pub(crate) fn ranked_apart(c: &CompareResults) -> (Vec<&str>, Vec<&str>) {
    let (risks, asks): (Vec<&str>, Vec<&str>) = ranked(c).into_iter().partition(|a| is_risk(c, a));
    (asks, risks.into_iter().rev().collect())
}

/// The ranked chart's rows: the asks, then (after a row that names them)
/// the risks, as [`ranked_apart`] orders them. A row without a figure is
/// the risks' heading.
fn ranked_rows(c: &CompareResults) -> Vec<(String, Option<Averted>)> {
    let (asks, risks) = ranked_apart(c);
    let mut rows: Vec<(String, Option<Averted>)> =
        asks.iter().filter_map(|a| averted(c, a).map(|x| (a.to_string(), Some(x)))).collect();
    if !risks.is_empty() && !rows.is_empty() {
        rows.push(("— risks —".to_string(), None));
    }
    rows.extend(risks.into_iter().filter_map(|a| averted(c, a).map(|x| (a.to_string(), Some(x)))));
    rows
}

fn caption(c: &CompareResults) -> String {
    let m = &c.manifest;
    let risks = m.alts.iter().filter(|s| s.kind == "risk").count();
    let asks = m.alts.len() - risks;
    let count = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let compared = match (asks, risks) {
        (_, 0) => count(asks, "ask"),
        (0, _) => count(risks, "risk"),
        _ => format!("{} and {}", count(asks, "ask"), count(risks, "risk")),
    };
    format!(
        "Base: {} · {compared} · {} paired runs · seed {} · fundscape {}",
        m.base.scenario_name,
        thousands(m.runs as f64),
        m.seed,
        m.version
    )
}

#[derive(Clone, Copy)]
enum Kind {
    Ranked,
    ByYear,
}

struct CompareChart<'a> {
    kind: Kind,
    c: &'a CompareResults,
}

impl Body for CompareChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        match self.kind {
            Kind::Ranked => ranked_chart(area, self.c),
            Kind::ByYear => by_year(area, self.c),
        }
    }
}

/// Draws the comparison's charts, PNGs `png_scale` times the SVG's size.
///
/// # Errors
/// A drawing failure inside plotters (not expected for any input).
pub fn render_compare_charts(c: &CompareResults, png_scale: u32) -> Result<Vec<Chart>, RenderError> {
    let n = c.comparison.alts.len().max(1) as u32;
    let ranked_n = ranked_rows(c).len().max(1) as u32;
    let any_risk = c.comparison.alts.iter().any(|a| is_risk(c, a));
    let any_ask = c.comparison.alts.iter().any(|a| !is_risk(c, a));
    let (_, rows) = grid(n as usize);
    let span = match (c.comparison.years.first(), c.comparison.years.last()) {
        (Some(&a), Some(&b)) => format!("{} to {}", c.year_name(a), c.year_name(b)),
        _ => String::new(),
    };
    let charts = [
        (
            Kind::Ranked,
            "asks-ranked",
            match (any_ask, any_risk) {
                (true, true) => format!("Unmet demand averted by each ask, then each risk, {span}, all regions"),
                (false, true) => format!("Unmet demand averted by each risk (negative: it adds), {span}, all regions"),
                _ => format!("Unmet demand averted by each ask, {span}, all regions"),
            },
            "Cases that would have been abandoned without the ask and are not, summed over the horizon (base − ask; \
             negative: the ask or risk adds unmet demand). Dot: mean across paired runs; black bar: its 90% confidence \
             interval (Monte Carlo uncertainty of the mean, often narrower than the dot); light bar: 5–95% of runs \
             (what could happen in one run)."
                .to_string(),
            (1100, 190 + 52 * ranked_n),
        ),
        (
            Kind::ByYear,
            "averted-by-year",
            "Unmet demand averted each year, by ask (same scale in every panel)".to_string(),
            "Cases averted in each model year, all regions (base − ask). Line: mean across paired runs; dark band: \
             its 90% confidence interval; light band: mean ± 1 sd across runs (the runs' spread; yearly quantiles \
             are not kept). Years are labelled by the calendar year they start in."
                .to_string(),
            (1200, 170 + 230 * rows as u32),
        ),
    ];
    let caption = caption(c);
    charts
        .into_iter()
        .map(|(kind, name, title, note, size)| {
            let frame = Frame { name, title, note, caption: caption.clone(), size };
            render_one(frame, &CompareChart { kind, c }, png_scale)
        })
        .collect()
}

/// One row per ask: the range across runs, the mean and its interval.
fn ranked_chart<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, c: &CompareResults) -> DrawResult<DB> {
    let rows = ranked_rows(c);
    let finite = |x: f64| if x.is_finite() { x } else { 0.0 };
    let figures = rows.iter().filter_map(|(_, a)| a.as_ref());
    let lo = figures.clone().map(|a| finite(a.runs.0).min(a.ci.0)).fold(0.0, f64::min);
    let hi = figures.map(|a| finite(a.runs.1).max(a.ci.1)).fold(0.0, f64::max);
    let pad = ((hi - lo) * 0.06).max(1.0);
    let n = rows.len().max(1);
    let labels: Vec<String> = rows.iter().map(|(a, _)| a.clone()).collect();
    // The marks' key on a line of its own above the plot; the means and
    // their intervals as text in a column at its right.
    let (key, plot) = area.split_vertically(34);
    let mut chart = ChartBuilder::on(&plot)
        .margin(10)
        .margin_right(270)
        .x_label_area_size(60)
        .y_label_area_size(300)
        .build_cartesian_2d(lo - pad..hi + pad, (n as f64 - 0.5)..-0.5)?;
    let y_fmt = |y: &f64| label_at(&labels, *y);
    chart
        .configure_mesh()
        .y_labels(n)
        .y_label_formatter(&y_fmt)
        .x_labels(8)
        .x_label_formatter(&|x| thousands(*x))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .label_style(font(15))
        .axis_desc_style(font(17))
        .x_desc("cases averted over the horizon (base − ask)")
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
        INK.stroke_width(1),
    )))?;
    // Positions in `plot` of a point of the chart (backend_coord is absolute).
    let (bx, by) = plot.get_base_pixel();
    let at = |x: f64, y: f64| {
        let (px, py) = chart.backend_coord(&(x, y));
        (px - bx, py - by)
    };
    let column = at(hi + pad, 0.0).0 + 16;
    let header_y = at(0.0, -0.5).1;
    let row_ys: Vec<i32> = (0..rows.len()).map(|i| at(0.0, i as f64).1).collect();
    let left = Pos::new(HPos::Left, VPos::Center);
    for (i, (_, a)) in rows.iter().enumerate() {
        let Some(a) = a else { continue };
        let y = i as f64;
        if a.runs.0.is_finite() && a.runs.1.is_finite() {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a.runs.0, y - 0.28), (a.runs.1, y + 0.28)],
                OUTER.filled(),
            )))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(vec![(a.ci.0, y), (a.ci.1, y)], INK.stroke_width(3))))?;
        chart.draw_series(std::iter::once(Circle::new((a.mean, y), 6, MEDIAN.filled())))?;
        let row_y = row_ys[i];
        let text = format!("{} ({} to {})", thousands(a.mean), thousands(a.ci.0), thousands(a.ci.1));
        plot.draw_text(&text, &font(14).pos(left), (column, row_y))?;
    }
    plot.draw_text(
        "mean (90% CI)",
        &font(14).color(&MUTED).pos(Pos::new(HPos::Left, VPos::Bottom)),
        (column, header_y),
    )?;
    let x0 = 310;
    key.draw(&Rectangle::new([(x0, 12), (x0 + 24, 24)], OUTER.filled()))?;
    key.draw_text("5–95% of runs", &font(14).pos(left), (x0 + 30, 18))?;
    key.draw(&PathElement::new(vec![(x0 + 150, 18), (x0 + 174, 18)], INK.stroke_width(3)))?;
    key.draw_text("90% confidence interval of the mean", &font(14).pos(left), (x0 + 180, 18))?;
    key.draw(&Circle::new((x0 + 450, 18), 6, MEDIAN.filled()))?;
    key.draw_text("mean across runs", &font(14).pos(left), (x0 + 462, 18))?;
    Ok(())
}

/// One panel per ask: the yearly mean averted with its confidence band and
/// the runs' spread, on a shared scale with zero marked.
fn by_year<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, c: &CompareResults) -> DrawResult<DB> {
    let alts = ranked(c);
    let years = &c.comparison.years;
    let series: Vec<Vec<(f64, Stat)>> = alts
        .iter()
        .map(|alt| {
            years
                .iter()
                .enumerate()
                .filter_map(|(i, &y)| {
                    let d = &c.comparison.get(alt, "all", Some(y), "abandoned")?.diff;
                    let (m, ci, sd) = (0.0 - d.mean, Z90 * d.mcse, d.sd);
                    let band =
                        Stat { mean: m, sd, p05: m - sd, p25: m - ci, p50: m, p75: m + ci, p95: m + sd, mcse: d.mcse };
                    Some((i as f64, band))
                })
                .collect()
        })
        .collect();
    let lo = series.iter().flatten().map(|(_, s)| s.p05).fold(0.0, f64::min);
    let hi = series.iter().flatten().map(|(_, s)| s.p95).fold(0.0, f64::max);
    let pad = ((hi - lo) * 0.08).max(1.0);
    let (cols, rows) = grid(alts.len());
    let cells = area.split_evenly((rows, cols));
    let labels: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    for ((cell, alt), pts) in cells.iter().zip(&alts).zip(&series) {
        let axes = Axes {
            x_desc: "",
            y_desc: "",
            x_labels: labels.clone(),
            y_fmt: &|y| thousands(*y),
            compact: true,
            reference: Some(0.0),
        };
        fan(&cell.margin(4, 10, 4, 4), pts, lo - pad..hi + pad, &axes, None, Some(alt))?;
    }
    Ok(())
}
