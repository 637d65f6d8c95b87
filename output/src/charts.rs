//! The charts of a results directory, each drawn once as SVG and once as
//! PNG with plotters, in DejaVu Sans compiled into the binary (no system
//! font library), so they look the same on any machine.
//!
//! Colours: a sequential blue for uncertainty bands and viridis for
//! categories and the heat table; both are read by colour-blind readers and
//! keep their order in greyscale, because lightness changes monotonically.

use std::fmt::Write;
use std::ops::Range;
use std::sync::OnceLock;

use fundscape_sim::scenario::SuccessorSource;
use fundscape_sim::stats::Stat;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use crate::read::Results;
use crate::scaled::Scaled;
use crate::words::{about, percent, thousands};

/// The font family charts name. In PNGs it is the embedded DejaVu Sans; in
/// SVGs the viewer picks the first of these it has (Verdana has nearly the
/// same widths).
pub const FAMILY: &str = "DejaVu Sans, Verdana, sans-serif";

/// A chart could not be drawn (an internal failure, never bad input).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart {name}: {message}")]
pub struct RenderError {
    pub name: String,
    pub message: String,
}

/// One chart, drawn.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem inside `charts/`, e.g. `unmet-demand`.
    pub name: &'static str,
    pub title: String,
    /// What the marks mean, printed under the chart.
    pub note: String,
    pub svg: String,
    /// The SVG as the report shows it: without the note and caption, which
    /// the report prints as text beside it (once, legible at any width).
    pub inline_svg: String,
    pub png: Vec<u8>,
}

// Bands of a fan: light to dark (greyscale lightness about 86%, 68%, 20%).
pub(crate) const OUTER: RGBColor = RGBColor(198, 219, 239);
pub(crate) const INNER: RGBColor = RGBColor(107, 174, 214);
pub(crate) const MEDIAN: RGBColor = RGBColor(8, 48, 107);
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);
pub(crate) const INK: RGBColor = RGBColor(34, 34, 34);
pub(crate) const MUTED: RGBColor = RGBColor(90, 90, 90);
/// Viridis from dark to light (lightness rises monotonically).
pub(crate) const VIRIDIS: [RGBColor; 9] = [
    RGBColor(68, 1, 84),
    RGBColor(72, 40, 120),
    RGBColor(62, 74, 137),
    RGBColor(49, 104, 142),
    RGBColor(38, 130, 142),
    RGBColor(31, 158, 137),
    RGBColor(53, 183, 121),
    RGBColor(109, 205, 89),
    RGBColor(253, 231, 37),
];

const FAN_NOTE: &str = "Line: median across runs; dark band: 25–75% of runs; light band: 5–95% of runs.";

pub(crate) type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    UnmetDemand,
    UnmetByRegion,
    Exceedance,
    Survival,
    PostsBySource,
    UnmetShare,
    Providers,
}

struct Spec {
    kind: Kind,
    name: &'static str,
    title: String,
    note: String,
    size: (u32, u32),
}

fn specs(r: &Results) -> Vec<Spec> {
    let n = r.summary.regions.len().max(1) as u32;
    let (_, rows) = grid(n as usize);
    let panel_height = 170 + 230 * rows as u32;
    let spec =
        |kind, name, title: &str, note: &str, size| Spec { kind, name, title: title.into(), note: note.into(), size };
    vec![
        spec(Kind::UnmetDemand, "unmet-demand", "Unmet demand: cases abandoned each year, all regions", FAN_NOTE, (1100, 650)),
        spec(
            Kind::UnmetByRegion,
            "unmet-demand-by-region",
            "Unmet demand by region: cases abandoned each year (same scale in every panel)",
            &format!("{FAN_NOTE} Years are labelled by the calendar year they start in."),
            (1200, panel_height),
        ),
        spec(
            Kind::Exceedance,
            "exceedance",
            &format!("Chance that more people give up than each level, all regions, {}", span_words(r)),
            &format!(
                "{} The curve is the share of runs in which more cases than each level are abandoned over the horizon (exceedance.csv), at the 1st to 99th percentiles of that total.",
                exceedance_words(r).unwrap_or_default()
            ),
            (1100, 650),
        ),
        spec(
            Kind::Survival,
            "post-survival",
            "Post survival: share of grant-funded posts still funded after their grant ends",
            &format!("{FAN_NOTE} Posts whose first grant term ends inside the horizon.{}", thin_note(r)),
            (1100, 650),
        ),
        spec(
            Kind::PostsBySource,
            "posts-by-source",
            "Funded posts by who pays for them, all regions",
            "Stacked means across runs at each year's end; layers from the bottom: each grant funder by name (beyond six, those with the fewest posts as one layer), then the sources that took posts on after their grants. Dashed: the 5–95% range across runs of all funded posts.",
            (1100, 650),
        ),
        spec(
            Kind::UnmetShare,
            "unmet-share",
            "Unmet share of demand by region and year",
            "Unmet share = mean cases abandoned / mean demand in the region and year (a ratio of the means across runs).",
            (1200, 200 + 34 * (n + 2)),
        ),
        spec(
            Kind::Providers,
            "legal-aid-providers",
            "Legal-aid providers by region: offices at each year's end",
            &format!("{FAN_NOTE} Each panel has its own scale. Years are labelled by the calendar year they start in."),
            (1200, panel_height),
        ),
    ]
}

/// Draws every chart of `r`, its PNGs `png_scale` times the SVG's size.
///
/// # Errors
/// A drawing failure inside plotters (not expected for any input).
pub fn render_charts(r: &Results, png_scale: u32) -> Result<Vec<Chart>, RenderError> {
    let caption = caption(r);
    specs(r)
        .into_iter()
        .map(|spec| {
            let frame = Frame {
                name: spec.name,
                title: spec.title,
                note: spec.note,
                caption: caption.clone(),
                size: spec.size,
            };
            render_one(frame, &RunChart { kind: spec.kind, r, unmet_max: None }, png_scale)
        })
        .collect()
}

/// The size of a live chart, in pixels.
const LIVE_SIZE: (u32, u32) = (720, 470);

/// One chart of the live page, as SVG only.
#[derive(Debug, Clone)]
pub struct LiveChart {
    /// `unmet-demand` or `post-survival`, as in `charts/`.
    pub name: &'static str,
    pub title: String,
    /// What the marks mean (the page prints it beside the chart).
    pub note: String,
    /// The chart without its note and caption, as the report shows it.
    pub svg: String,
}

/// The two charts `fundscape serve` shows, unmet demand and post survival,
/// drawn by the same code as `run`'s charts but as SVG only (no PNG, so a
/// request is answered quickly). `unmet_max` fixes the top of the unmet-demand
/// scale, so that the charts of two scenarios can be read side by side.
///
/// # Errors
/// A drawing failure inside plotters (not expected for any input).
pub fn live_charts(r: &Results, unmet_max: Option<f64>) -> Result<Vec<LiveChart>, RenderError> {
    register_fonts()?;
    let caption = caption(r);
    specs(r)
        .into_iter()
        .filter(|spec| matches!(spec.kind, Kind::UnmetDemand | Kind::Survival))
        .map(|spec| {
            // Smaller than a run's chart, so that two side by side stay
            // legible; the page prints the title and the note as text.
            let frame = Frame {
                name: spec.name,
                title: String::new(),
                note: String::new(),
                caption: caption.clone(),
                size: LIVE_SIZE,
            };
            let body = RunChart { kind: spec.kind, r, unmet_max };
            let fail = |message: String| RenderError { name: frame.name.to_string(), message };
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, frame.size).into_drawing_area();
                framed(&frame, &body, &root, false).map_err(|e| fail(e.to_string()))?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            Ok(LiveChart { name: frame.name, title: spec.title, note: spec.note, svg })
        })
        .collect()
}

/// The top of the unmet-demand chart's scale for `r`: the largest 95th
/// percentile of cases abandoned in a year, all regions.
pub fn unmet_scale(r: &Results) -> f64 {
    max_p95(&year_series(r, "all", "abandoned"))
}

/// What every chart has around its body: a name, a title at the top, a
/// note and the caption at the bottom, and a size in (logical) pixels.
pub(crate) struct Frame {
    pub name: &'static str,
    pub title: String,
    pub note: String,
    pub caption: String,
    pub size: (u32, u32),
}

/// The body of a chart, drawn on any backend.
pub(crate) trait Body {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Draws one chart as SVG and as PNG (`png_scale` times larger, with the same layout).
pub(crate) fn render_one(frame: Frame, body: &impl Body, png_scale: u32) -> Result<Chart, RenderError> {
    register_fonts()?;
    let fail = |message: String| RenderError { name: frame.name.to_string(), message };
    let svg_of = |with_note: bool| -> Result<String, RenderError> {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, frame.size).into_drawing_area();
            framed(&frame, body, &root, with_note).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
        Ok(svg)
    };
    let (svg, inline_svg) = (svg_of(true)?, svg_of(false)?);
    let k = png_scale.max(1);
    let (w, h) = (frame.size.0 * k, frame.size.1 * k);
    let mut pixels = vec![255u8; (w * h * 3) as usize];
    {
        let bitmap = BitMapBackend::with_buffer(&mut pixels, (w, h));
        let root = Scaled::new(bitmap, k).into_drawing_area();
        framed(&frame, body, &root, true).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let png = encode_png(&pixels, w, h).map_err(|e| fail(e.to_string()))?;
    Ok(Chart { name: frame.name, title: frame.title, note: frame.note, svg, inline_svg, png })
}

/// Draws a chart once as SVG and once as PNG (the same drawing code, given
/// once for each backend).
pub(crate) fn draw_twice(
    name: &str,
    size: (u32, u32),
    svg_draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> DrawResult<SVGBackend<'static>>,
    png_draw: impl FnOnce(&DrawingArea<BitMapBackend, Shift>) -> DrawResult<BitMapBackend<'static>>,
) -> Result<(String, Vec<u8>), RenderError> {
    let fail = |message: String| RenderError { name: name.to_string(), message };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        svg_draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let (w, h) = size;
    let mut pixels = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        png_draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let png = encode_png(&pixels, w, h).map_err(|e| fail(e.to_string()))?;
    Ok((svg, png))
}

pub(crate) fn register_fonts() -> Result<(), RenderError> {
    static LOADED: OnceLock<bool> = OnceLock::new();
    let ok = *LOADED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(RenderError { name: "(all)".into(), message: "the embedded DejaVu Sans font did not load".into() })
    }
}

pub(crate) fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

pub(crate) fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&INK)
}

pub(crate) fn bold(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size, FontStyle::Bold).into_font()).color(&INK)
}

/// Words of `text` in lines no wider than `width` pixels, as `measure` finds them.
pub(crate) fn wrap(text: &str, width: u32, measure: impl Fn(&str) -> u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if !line.is_empty() && measure(&candidate) > width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The caption every chart carries: scenario, runs, seed, program.
pub(crate) fn caption(r: &Results) -> String {
    let m = &r.manifest;
    format!(
        "Scenario: {} · {} runs · seed {} · fundscape {}",
        m.scenario_name,
        thousands(m.runs as f64),
        m.seed,
        m.version
    )
}

/// Title at the top, note and caption at the bottom (unless `with_note` is
/// false, for the report, which prints them as text); the chart goes between.
fn framed<DB: DrawingBackend>(
    frame: &Frame,
    body: &impl Body,
    root: &DrawingArea<DB, Shift>,
    with_note: bool,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let note_font = font(14).color(&MUTED);
    // The note wraps to the chart's width, so nothing is cut off at the edge.
    let lines = if with_note {
        wrap(&frame.note, w.saturating_sub(48), |t| root.estimate_text_size(t, &note_font).map_or(0, |s| s.0))
    } else {
        Vec::new()
    };
    let bottom_h = if with_note { 36 + 22 * lines.len() as i32 } else { 36 };
    let (top, rest) = root.split_vertically(58);
    let (area, bottom) = rest.split_vertically(h as i32 - 58 - bottom_h);
    top.draw_text(&frame.title, &bold(24), (24, 18))?;
    for (i, line) in lines.iter().enumerate() {
        bottom.draw_text(line, &note_font, (24, 8 + 22 * i as i32))?;
    }
    if with_note {
        bottom.draw_text(&frame.caption, &note_font, (24, 8 + 22 * lines.len() as i32))?;
    }
    body.draw(&area.margin(0, 0, 8, 20))
}

/// One of the charts of a run.
struct RunChart<'a> {
    kind: Kind,
    r: &'a Results,
    /// The top of the unmet-demand scale, when fixed by the caller.
    unmet_max: Option<f64>,
}

impl Body for RunChart<'_> {
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let r = self.r;
        draw_run_chart(self.kind, r, self.unmet_max, body)
    }
}

fn draw_run_chart<DB: DrawingBackend>(
    kind: Kind,
    r: &Results,
    unmet_max: Option<f64>,
    body: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    match kind {
        Kind::UnmetDemand => {
            let pts = year_series(r, "all", "abandoned");
            let axes = Axes {
                x_desc: "model year",
                y_desc: "cases abandoned per year",
                x_labels: year_labels(r, true),
                y_fmt: &|y| thousands(*y),
                compact: false,
                reference: None,
            };
            let top = unmet_max.unwrap_or_else(|| max_p95(&pts)) * 1.08;
            fan(body, &pts, 0.0..top, &axes, Some(SeriesLabelPosition::UpperLeft), None)
        }
        Kind::UnmetByRegion => panels(body, r, "abandoned", true),
        Kind::Providers => panels(body, r, "legal_aid_providers", false),
        Kind::Survival => {
            let shown = &r.summary.survival[..followed_enough(&r.summary.survival)];
            let pts: Vec<(f64, Stat)> =
                shown.iter().enumerate().map(|(i, s)| (i as f64, s.stat.scaled(100.0))).collect();
            let labels = shown.iter().map(|s| s.months_after_first_end.to_string()).collect();
            let axes = Axes {
                x_desc: "months after the grant's first term ends",
                y_desc: "posts still funded (%)",
                x_labels: labels,
                y_fmt: &|y| format!("{y:.0}%"),
                compact: false,
                reference: None,
            };
            fan(body, &pts, 0.0..100.0, &axes, Some(SeriesLabelPosition::UpperRight), None)
        }
        Kind::Exceedance => exceedance(body, r),
        Kind::PostsBySource => stacked_sources(body, r),
        Kind::UnmetShare => heat_table(body, r),
    }
}

/// The horizon in words: "the 10 years 2025-26 to 2034-35".
pub(crate) fn horizon_words(r: &Results) -> String {
    match (r.summary.years.first(), r.summary.years.last()) {
        (Some(&a), Some(&b)) if a != b => {
            format!("the {} years {} to {}", r.summary.years.len(), r.year_name(a), r.year_name(b))
        }
        (Some(&a), _) => format!("the year {}", r.year_name(a)),
        _ => "the horizon".to_string(),
    }
}

/// The horizon as a span of years: "2025-26 to 2034-35".
fn span_words(r: &Results) -> String {
    match (r.summary.years.first(), r.summary.years.last()) {
        (Some(&a), Some(&b)) if a != b => format!("{} to {}", r.year_name(a), r.year_name(b)),
        (Some(&a), _) => r.year_name(a),
        _ => "the horizon".to_string(),
    }
}

/// The level of the exceedance curve of `region` with a chance `p` of more:
/// its `1 − p` quantile, the least level of the curve that a share of at
/// most `p` of the runs exceed (`None` if none is). The curve's levels are
/// the 1st … 99th percentiles, so for `p` a whole percentage this is the
/// percentile itself: the 50% point is the median that the headline and
/// totals.csv give, not the level one step below it.
pub(crate) fn level_exceeded(r: &Results, region: &str, p: f64) -> Option<f64> {
    r.summary
        .exceedance
        .iter()
        .filter(|e| e.region == region && e.probability <= p + 1e-9)
        .map(|e| e.level)
        .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.min(x))))
}

/// The exceedance curve of all regions in plain words, read from the
/// curve: "A 30% chance that more than N people give up over the horizon; …".
pub(crate) fn exceedance_words(r: &Results) -> Option<String> {
    // The median is in the headline; the curve adds the chances of worse.
    let at = |p: f64| level_exceeded(r, "all", p).map(about);
    let (thirty, tenth) = (at(0.3)?, at(0.1));
    let mut text = format!("A 30% chance that more than {thirty} people give up over {}", horizon_words(r));
    if let Some(t) = tenth {
        let _ = write!(text, "; a 10% chance of more than {t}");
    }
    text.push('.');
    Some(text)
}

/// The exceedance curve of cases abandoned over the horizon, all regions:
/// levels across, the chance of more than each level up, with the 50%, 30%
/// and 10% points marked.
fn exceedance<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, r: &Results) -> DrawResult<DB> {
    let pts: Vec<(f64, f64)> =
        r.summary.exceedance.iter().filter(|e| e.region == "all").map(|e| (e.level, 100.0 * e.probability)).collect();
    let (lo, hi) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (x, _)| (a.min(*x), b.max(*x)));
    let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (0.0, lo.abs().max(1.0) * 2.0) };
    let pad = (hi - lo) * 0.05;
    let x_range = (lo - pad).max(0.0)..hi + pad;
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_right(40)
        .x_label_area_size(60)
        .y_label_area_size(100)
        .build_cartesian_2d(x_range.clone(), 0.0..100.0)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(11)
        .x_label_formatter(&|x| thousands(*x))
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .label_style(font(15))
        .axis_desc_style(font(17))
        .x_desc("people who give up (cases abandoned) over the horizon")
        .y_desc("chance of more than this (% of runs)")
        .draw()?;
    chart.draw_series(LineSeries::new(pts.iter().copied(), MEDIAN.stroke_width(3)))?;
    for p in [0.5, 0.3, 0.1] {
        let Some(level) = level_exceeded(r, "all", p) else { continue };
        let y = 100.0 * p;
        let guide = ShapeStyle { color: MUTED.to_rgba(), filled: false, stroke_width: 1 };
        chart.draw_series(DashedLineSeries::new(vec![(x_range.start, y), (level, y), (level, 0.0)], 6, 4, guide))?;
        chart.draw_series(std::iter::once(Circle::new((level, y), 5, MEDIAN.filled())))?;
        // Right of the point, clear of the guides to its left, unless the
        // words would run past the plot's right edge.
        let at = (level - x_range.start) / (x_range.end - x_range.start);
        let words = format!("{} chance of more than {}", percent(p), about(level));
        let (h, label) =
            if at < 0.7 { (HPos::Left, format!("  {words}")) } else { (HPos::Right, format!("{words}  ")) };
        let style = font(15).pos(Pos::new(h, VPos::Bottom)).color(&INK);
        chart.draw_series(std::iter::once(Text::new(label, (level, y + 2.0), style)))?;
    }
    Ok(())
}

/// The survival points worth drawing: the curve stops before the first
/// later point that follows fewer than 20% of the posts followed at the
/// grant's end, or fewer than 10 posts (later points rest on the few posts whose
/// grants ended early, and which posts those are, not survival, moves them).
pub fn followed_enough(rows: &[fundscape_sim::summary::SurvivalRow]) -> usize {
    let first = rows.first().map_or(0, |r| r.posts_followed);
    // The first point follows the whole cohort and is always drawn.
    rows.iter()
        .skip(1)
        .position(|r| r.posts_followed < 10 || 5 * r.posts_followed < first)
        .map_or(rows.len(), |i| i + 1)
}

/// The caption's word on points left out of the survival chart.
fn thin_note(r: &Results) -> String {
    let rows = &r.summary.survival;
    let n = followed_enough(rows);
    match rows.get(n) {
        None => String::new(),
        Some(thin) => format!(
            " The curve stops at {} months: from {} months on it would follow {} of {} posts (fewer than 20%, or fewer than 10), too few to read.",
            rows[n.saturating_sub(1)].months_after_first_end,
            thin.months_after_first_end,
            thin.posts_followed,
            rows.first().map_or(0, |f| f.posts_followed)
        ),
    }
}

/// A metric of one region over the years, indexed 0, 1, … by model year.
fn year_series(r: &Results, region: &str, metric: &str) -> Vec<(f64, Stat)> {
    r.summary.years.iter().enumerate().filter_map(|(i, &y)| r.get(region, y, metric).map(|s| (i as f64, *s))).collect()
}

fn year_labels(r: &Results, named: bool) -> Vec<String> {
    r.summary.years.iter().map(|&y| if named { r.year_name(y) } else { y.to_string() }).collect()
}

/// The label of integer position `x`, or nothing between positions.
pub(crate) fn label_at(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        labels.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

fn max_p95(pts: &[(f64, Stat)]) -> f64 {
    pts.iter().map(|(_, s)| s.p95).fold(0.0, f64::max).max(1.0)
}

pub(crate) struct Axes<'a> {
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    /// The label of each integer x position.
    pub x_labels: Vec<String>,
    pub y_fmt: &'a dyn Fn(&f64) -> String,
    /// A small panel: smaller type, no axis descriptions, no legend.
    pub compact: bool,
    /// A level drawn as a dark horizontal line (zero, for differences).
    pub reference: Option<f64>,
}

/// A fan chart: 5–95% and 25–75% bands and the median, over integer x
/// positions labelled by `axes.x_labels`.
pub(crate) fn fan<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: &[(f64, Stat)],
    y: Range<f64>,
    axes: &Axes,
    legend: Option<SeriesLabelPosition>,
    panel_title: Option<&str>,
) -> DrawResult<DB> {
    let n = axes.x_labels.len().max(1);
    let x_range: Range<f64> = -0.4..(n as f64 - 0.6);
    let mut builder = ChartBuilder::on(area);
    if axes.compact {
        builder.margin(6).margin_right(14).x_label_area_size(26).y_label_area_size(62);
    } else {
        builder.margin(10).margin_right(24).x_label_area_size(60).y_label_area_size(100);
    }
    if let Some(t) = panel_title {
        builder.caption(t, bold(16));
    }
    let mut chart = builder.build_cartesian_2d(x_range.clone(), y)?;
    let labels = &axes.x_labels;
    let x_fmt = |x: &f64| label_at(labels, *x);
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(if axes.compact { 4 } else { n.min(12) })
        .y_labels(if axes.compact { 5 } else { 8 })
        .x_label_formatter(&x_fmt)
        .y_label_formatter(axes.y_fmt)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .label_style(font(if axes.compact { 12 } else { 15 }))
        .axis_desc_style(font(17));
    if !axes.compact {
        mesh.x_desc(axes.x_desc).y_desc(axes.y_desc);
    }
    mesh.draw()?;
    if let Some(level) = axes.reference {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x_range.start, level), (x_range.end, level)],
            INK.stroke_width(1),
        )))?;
    }
    let band = |lo: fn(&Stat) -> f64, hi: fn(&Stat) -> f64| -> Vec<(f64, f64)> {
        pts.iter().map(|(x, s)| (*x, hi(s))).chain(pts.iter().rev().map(|(x, s)| (*x, lo(s)))).collect()
    };
    chart
        .draw_series(std::iter::once(Polygon::new(band(|s| s.p05, |s| s.p95), OUTER.filled())))?
        .label("5–95% of runs")
        .legend(|(x, y)| Rectangle::new([(x, y - 7), (x + 20, y + 7)], OUTER.filled()));
    chart
        .draw_series(std::iter::once(Polygon::new(band(|s| s.p25, |s| s.p75), INNER.filled())))?
        .label("25–75% of runs")
        .legend(|(x, y)| Rectangle::new([(x, y - 7), (x + 20, y + 7)], INNER.filled()));
    chart
        .draw_series(LineSeries::new(pts.iter().map(|(x, s)| (*x, s.p50)), MEDIAN.stroke_width(3)))?
        .label("median")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MEDIAN.stroke_width(3)));
    chart.draw_series(
        pts.iter().map(|(x, s)| Circle::new((*x, s.p50), if axes.compact { 2 } else { 4 }, MEDIAN.filled())),
    )?;
    if let (Some(pos), false) = (legend, axes.compact) {
        chart
            .configure_series_labels()
            .position(pos)
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .label_font(font(15))
            .draw()?;
    }
    Ok(())
}

/// Columns and rows of a small-multiples grid for `n` panels.
pub(crate) fn grid(n: usize) -> (usize, usize) {
    let cols = match n {
        0..=4 => n.max(1),
        5..=9 => 3,
        _ => 4,
    };
    (cols, n.div_ceil(cols).max(1))
}

/// One fan per region, on a shared scale or each on its own.
fn panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &Results,
    metric: &str,
    shared: bool,
) -> DrawResult<DB> {
    let regions = &r.summary.regions;
    let (cols, rows) = grid(regions.len());
    let series: Vec<Vec<(f64, Stat)>> = regions.iter().map(|id| year_series(r, id, metric)).collect();
    let shared_max = series.iter().map(|s| max_p95(s)).fold(1.0, f64::max) * 1.08;
    let cells = area.split_evenly((rows, cols));
    for ((cell, id), pts) in cells.iter().zip(regions).zip(&series) {
        let axes = Axes {
            x_desc: "",
            y_desc: "",
            x_labels: year_labels(r, false),
            y_fmt: &|y| thousands(*y),
            compact: true,
            reference: None,
        };
        let y_max = if shared { shared_max } else { max_p95(pts) * 1.15 };
        fan(&cell.margin(4, 10, 4, 4), pts, 0.0..y_max, &axes, None, Some(&r.region_name(id)))?;
    }
    Ok(())
}

/// The four sources that may take a post on after its grant, in report order.
fn successor_sources() -> [(&'static str, &'static str); 4] {
    SuccessorSource::ALL.map(|s| {
        let label = match s {
            SuccessorSource::SameFunder => "same funder renews",
            SuccessorSource::OtherFunder => "another funder",
            SuccessorSource::LegalAid => "legal aid",
            SuccessorSource::LocalAuthority => "local authority",
        };
        (s.as_str(), label)
    })
}

/// Mean funded posts at each year's end, all regions, by layer: grant
/// funders together, then each successor source.
pub(crate) fn source_layers(r: &Results) -> Vec<(String, Vec<f64>)> {
    let successors = successor_sources();
    let mean = |year: i32, pick: &dyn Fn(&str) -> bool| -> f64 {
        r.summary
            .posts_by_source
            .iter()
            .filter(|row| row.region == "all" && row.year == year && pick(&row.metric))
            .map(|row| row.stat.mean)
            .sum()
    };
    let years = &r.summary.years;
    // Each grant (and round) funder by name, in the order of posts_by_source.csv.
    let mut funders: Vec<String> = Vec::new();
    for row in r.summary.posts_by_source.iter().filter(|row| row.region == "all") {
        if !successors.iter().any(|(id, _)| *id == row.metric) && !funders.contains(&row.metric) {
            funders.push(row.metric.clone());
        }
    }
    let mut layers: Vec<(String, Vec<f64>)> = funders
        .into_iter()
        .map(|f| {
            let means = years.iter().map(|&y| mean(y, &|m| m == f)).collect();
            (f, means)
        })
        .collect();
    for (id, label) in successors {
        layers.push((label.to_string(), years.iter().map(|&y| mean(y, &|m| m == id)).collect()));
    }
    layers
}

/// Grant funders the posts-by-source chart draws by name; beyond them, the
/// funders with the fewest posts share one layer.
const CHART_FUNDERS: usize = 6;
/// The longest layer label drawn (longer names end in "…").
const CHART_LABEL: usize = 20;

/// [`source_layers`] for the chart: at most [`CHART_FUNDERS`] grant
/// funders by name (those with the most posts over the years, in file
/// order), the rest summed into one layer "N other funders", so the
/// layers stay legible and their colours distinct. `posts_by_source.csv`
/// and the report keep every funder.
fn chart_layers(r: &Results) -> Vec<(String, Vec<f64>)> {
    let layers = source_layers(r);
    let n_successors = successor_sources().len();
    let n_funders = layers.len().saturating_sub(n_successors);
    if n_funders <= CHART_FUNDERS {
        return layers;
    }
    let (funders, successors) = layers.split_at(n_funders);
    let keep = CHART_FUNDERS - 1;
    let total = |i: usize| funders[i].1.iter().sum::<f64>();
    let mut by_size: Vec<usize> = (0..n_funders).collect();
    by_size.sort_by(|&a, &b| total(b).total_cmp(&total(a)).then(a.cmp(&b)));
    let kept: Vec<usize> = {
        let mut k = by_size[..keep].to_vec();
        k.sort_unstable();
        k
    };
    let years = funders.first().map_or(0, |f| f.1.len());
    let mut others = vec![0.0; years];
    for (_, means) in funders.iter().enumerate().filter(|(i, _)| !kept.contains(i)).map(|(_, f)| f) {
        others.iter_mut().zip(means).for_each(|(o, m)| *o += m);
    }
    let mut out: Vec<(String, Vec<f64>)> = kept.iter().map(|&i| funders[i].clone()).collect();
    out.push((format!("{} other funders", n_funders - keep), others));
    out.extend(successors.iter().cloned());
    out
}

/// `label` cut to [`CHART_LABEL`] characters, ending in "…" when cut.
fn short_label(label: &str) -> String {
    if label.chars().count() <= CHART_LABEL {
        label.to_string()
    } else {
        let head: String = label.chars().take(CHART_LABEL - 1).collect();
        format!("{}…", head.trim_end())
    }
}

/// Stacked means of funded posts by source, with a label beside each layer.
fn stacked_sources<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, r: &Results) -> DrawResult<DB> {
    let layers = chart_layers(r);
    let n = r.summary.years.len();
    let mut bottoms = vec![vec![0.0; n]];
    for (_, means) in &layers {
        let below = bottoms.last().cloned().unwrap_or_default();
        bottoms.push(below.iter().zip(means).map(|(b, m)| b + m).collect());
    }
    // The 5–95% range across runs of all funded posts, drawn over the stack.
    let band: Vec<Stat> = r.summary.years.iter().filter_map(|&y| r.get("all", y, "posts_funded").copied()).collect();
    let total_max = bottoms
        .last()
        .map_or(0.0, |t| t.iter().copied().fold(0.0, f64::max))
        .max(band.iter().map(|s| s.p95).fold(0.0, f64::max))
        .max(1.0);
    let y_max = total_max * 1.1;
    let last = n.saturating_sub(1) as f64;
    let labels = &year_labels(r, true);
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(60)
        .y_label_area_size(100)
        .build_cartesian_2d(-0.4..last + 2.4, 0.0..y_max)?;
    let x_fmt = |x: &f64| label_at(labels, *x);
    chart
        .configure_mesh()
        .x_labels(n.min(12) + 3)
        .y_labels(8)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&|y| thousands(*y))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .label_style(font(15))
        .axis_desc_style(font(17))
        .x_desc("end of model year")
        .y_desc("funded posts (mean across runs)")
        .draw()?;
    // Colours from dark (bottom) to light (top), spread over viridis so every
    // layer has its own (grant funders by name make the number of layers vary).
    let steps = layers.len().saturating_sub(1).max(1);
    let colour = |i: usize| VIRIDIS[(i * (VIRIDIS.len() - 1) / steps).min(VIRIDIS.len() - 1)];
    for i in 0..layers.len() {
        let (lo, hi) = (&bottoms[i], &bottoms[i + 1]);
        let pts: Vec<(f64, f64)> =
            (0..n).map(|k| (k as f64, hi[k])).chain((0..n).rev().map(|k| (k as f64, lo[k]))).collect();
        chart.draw_series(std::iter::once(Polygon::new(pts.clone(), colour(i).filled())))?;
        chart.draw_series(std::iter::once(PathElement::new(
            (0..n).map(|k| (k as f64, hi[k])).collect::<Vec<_>>(),
            WHITE.stroke_width(1),
        )))?;
    }
    if band.len() == n && n > 0 {
        for edge in [|s: &Stat| s.p05, |s: &Stat| s.p95] {
            let pts: Vec<(f64, f64)> = band.iter().enumerate().map(|(k, s)| (k as f64, edge(s))).collect();
            chart.draw_series(DashedLineSeries::new(pts, 6, 4, INK.stroke_width(2)))?;
        }
        chart.draw_series(std::iter::once(Text::new(
            "all posts: 5–95% of runs".to_string(),
            (0.1, band[0].p95 + y_max * 0.03),
            font(14).pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))?;
    }
    // Direct labels at the right, in stacking order, pushed apart so they
    // never overlap; a leader line joins each to its layer.
    let k = n.saturating_sub(1);
    let gap = y_max * 0.075;
    let mut ys: Vec<f64> = (0..layers.len()).map(|i| (bottoms[i][k] + bottoms[i + 1][k]) / 2.0).collect();
    if let Some(y) = ys.first_mut() {
        *y = y.max(gap * 0.5);
    }
    for i in 1..ys.len() {
        ys[i] = ys[i].max(ys[i - 1] + gap);
    }
    let top = y_max * 0.96;
    if let Some(&highest) = ys.last() {
        let shift = (highest - top).max(0.0);
        for y in &mut ys {
            *y -= shift;
        }
    }
    for (i, ((label, means), y)) in layers.iter().zip(&ys).enumerate() {
        let mid = (bottoms[i][k] + bottoms[i + 1][k]) / 2.0;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(last, mid), (last + 0.25, *y)],
            MUTED.stroke_width(1),
        )))?;
        let swatch = Rectangle::new([(last + 0.28, y + gap * 0.3), (last + 0.45, y - gap * 0.3)], colour(i).filled());
        chart.draw_series(std::iter::once(swatch))?;
        let swatch_edge =
            Rectangle::new([(last + 0.28, y + gap * 0.3), (last + 0.45, y - gap * 0.3)], MUTED.stroke_width(1));
        chart.draw_series(std::iter::once(swatch_edge))?;
        let text = format!("{}: {:.1}", short_label(label), means.get(k).copied().unwrap_or(0.0));
        chart.draw_series(std::iter::once(Text::new(
            text,
            (last + 0.52, *y),
            font(14).pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    Ok(())
}

/// A colour for a share in [0, 1]: viridis reversed, light (low) to dark (high).
fn ramp(v: f64) -> RGBColor {
    let t = (1.0 - v.clamp(0.0, 1.0)) * (VIRIDIS.len() - 1) as f64;
    let i = (t.floor() as usize).min(VIRIDIS.len() - 2);
    let f = t - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn is_dark(c: RGBColor) -> bool {
    0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2) < 140.0
}

/// The unmet share of a region-year: mean abandoned / mean demand.
pub(crate) fn unmet_share(r: &Results, region: &str, year: i32) -> Option<f64> {
    let abandoned = r.get(region, year, "abandoned")?.mean;
    let demand = r.get(region, year, "demand")?.mean;
    (demand > 0.0).then(|| abandoned / demand)
}

/// Regions × years, each cell coloured by the unmet share and printed.
fn heat_table<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, r: &Results) -> DrawResult<DB> {
    let (w, h) = area.dim_in_pixel();
    let rows: Vec<String> = std::iter::once("all".to_string()).chain(r.summary.regions.iter().cloned()).collect();
    let years = &r.summary.years;
    let label_w = 250;
    let header_h = 34;
    let key_h = 70;
    let cell_w = ((w as i32 - label_w - 10) / years.len().max(1) as i32).max(10);
    let cell_h = ((h as i32 - header_h - key_h) / rows.len().max(1) as i32).clamp(12, 40);
    let center = Pos::new(HPos::Center, VPos::Center);
    for (j, &y) in years.iter().enumerate() {
        let x = label_w + cell_w * j as i32 + cell_w / 2;
        area.draw_text(&r.year_name(y), &bold(14).pos(center), (x, header_h / 2))?;
    }
    for (i, id) in rows.iter().enumerate() {
        let top = header_h + cell_h * i as i32;
        let style = if i == 0 { bold(15) } else { font(15) };
        area.draw_text(&r.region_name(id), &style.pos(Pos::new(HPos::Left, VPos::Center)), (0, top + cell_h / 2))?;
        for (j, &y) in years.iter().enumerate() {
            let left = label_w + cell_w * j as i32;
            let share = unmet_share(r, id, y);
            let fill = share.map_or(WHITE, ramp);
            area.draw(&Rectangle::new([(left, top), (left + cell_w, top + cell_h)], fill.filled()))?;
            area.draw(&Rectangle::new([(left, top), (left + cell_w, top + cell_h)], WHITE.stroke_width(2)))?;
            let ink = if is_dark(fill) { WHITE } else { INK };
            let text = share.map_or_else(|| "–".to_string(), percent);
            area.draw_text(&text, &font(15).color(&ink).pos(center), (left + cell_w / 2, top + cell_h / 2))?;
        }
    }
    if !rows.is_empty() {
        area.draw(&Rectangle::new(
            [(label_w, header_h), (label_w + cell_w * years.len() as i32, header_h + cell_h)],
            INK.stroke_width(2),
        ))?;
    }
    // The key: a strip from 0% to 100%.
    let key_top = header_h + cell_h * rows.len() as i32 + 24;
    area.draw_text("unmet share:", &font(14).pos(Pos::new(HPos::Left, VPos::Center)), (0, key_top + 9))?;
    let steps = 50;
    let key_w = 400;
    for s in 0..steps {
        let left = label_w + key_w * s / steps;
        let right = label_w + key_w * (s + 1) / steps;
        let c = ramp((f64::from(s) + 0.5) / f64::from(steps));
        area.draw(&Rectangle::new([(left, key_top), (right, key_top + 18)], c.filled()))?;
    }
    area.draw(&Rectangle::new([(label_w, key_top), (label_w + key_w, key_top + 18)], MUTED.stroke_width(1)))?;
    for (v, anchor) in [(0.0, HPos::Left), (0.5, HPos::Center), (1.0, HPos::Right)] {
        let x = label_w + (key_w as f64 * v) as i32;
        area.draw_text(&percent(v), &font(13).pos(Pos::new(anchor, VPos::Top)), (x, key_top + 22))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_gets_darker_as_the_share_rises() {
        let lum = |c: RGBColor| 0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2);
        let mut prev = f64::INFINITY;
        for i in 0..=20 {
            let l = lum(ramp(f64::from(i) / 20.0));
            assert!(l < prev, "lightness must fall monotonically");
            prev = l;
        }
        // The fan's bands keep their order in greyscale too.
        assert!(lum(OUTER) > lum(INNER) && lum(INNER) > lum(MEDIAN));
    }

    #[test]
    fn grids_hold_every_panel() {
        for n in 1..40 {
            let (c, r) = grid(n);
            assert!(c * r >= n && c * (r - 1) < n, "{n} panels in {c}x{r}");
        }
    }
}

#[cfg(test)]
mod chart_layer_tests {
    use super::*;

    /// Long names are cut to a label that fits beside the chart, and short
    /// ones are left alone.
    #[test]
    fn labels_are_cut_to_fit_with_an_ellipsis() {
        assert_eq!(short_label("AB Charitable Trust"), "AB Charitable Trust");
        let cut = short_label("Esmée Fairbairn Foundation and friends");
        assert_eq!(cut.chars().count(), CHART_LABEL);
        assert!(cut.ends_with('…') && cut.starts_with("Esmée Fairbairn"), "{cut}");
    }
}
