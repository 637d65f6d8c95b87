//! `fundscape brief`: one page about one region for a council officer. Its
//! picture is the region's need against what its advice capacity can serve,
//! year by year, with the gap shaded and the 5–95% ranges, and the months
//! in which funded posts' grants end; below that, the gap itself (gap.csv,
//! taken within each run) with its own 5–95% range; beside it, in plain words and large
//! figures, who gives up waiting, which posts lose their funding and when,
//! and, with an ask from a comparison, what the ask changes and what it
//! costs the council. Everything on the page says what it rests on, in a
//! footnote; text from files is escaped. The page is self-contained (no
//! script, nothing fetched) and prints on one A4 page.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use fundscape_sim::stats::Stat;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::charts::{encode_png, font, register_fonts, INK, MEDIAN, MUTED, OUTER};
use crate::files::CouncilCosts;
use crate::read::Results;
use crate::words::{about, escape, percent, thousands};

/// What stops a brief: the region, the comparison or the ask (bad input,
/// exit 2), or drawing (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum BriefError {
    #[error("unknown region `{id}`{hint}")]
    UnknownRegion { id: String, hint: String },
    #[error("{}: {message}", path.display())]
    Comparison { path: PathBuf, message: String },
    #[error("cannot draw the brief: {0}")]
    Draw(String),
}

impl BriefError {
    /// Whether the fault is in what the user named (exit 2).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Draw(_))
    }
}

/// A difference between an ask and its base over the horizon: the mean
/// across paired runs and the 90% interval of that mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// What one ask of a comparison changes in one region, over the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct AskEffect {
    pub ask: String,
    pub ask_name: String,
    pub runs: u64,
    pub seed: u64,
    /// Posts funded at the end of the horizon.
    pub posts_kept: Difference,
    pub post_years: Difference,
    /// Cases served (people helped).
    pub served: Difference,
    /// Cases abandoned (negative: fewer give up).
    pub abandoned: Difference,
    /// Local authorities' spend (£).
    pub council_spend: Difference,
}

/// Reads what ask `ask` of the comparison in `dir` changes in `region`,
/// checking that the comparison's base is the scenario of `results`.
///
/// # Errors
/// A missing or malformed comparison, one of another scenario, or an ask it
/// does not hold.
pub fn read_ask(dir: &Path, ask: &str, region: &str, results: &Results) -> Result<AskEffect, BriefError> {
    let fail = |path: &Path, message: String| BriefError::Comparison { path: path.to_path_buf(), message };
    let manifest_path = dir.join("manifest.json");
    let text = fundscape_sim::input::read_text(&manifest_path, fundscape_sim::input::MAX_INPUT_BYTES).map_err(|e| {
        fail(&manifest_path, format!("cannot read it: {e}; give the directory `fundscape compare` wrote"))
    })?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(&manifest_path, format!("not a comparison's manifest: {e}")))?;
    let Some(base_hash) = manifest.pointer("/base/scenario_hash").and_then(|v| v.as_str()) else {
        return Err(fail(
            &manifest_path,
            "not a comparison (it names no base scenario); give the directory `fundscape compare` wrote".into(),
        ));
    };
    if base_hash != results.manifest.scenario_hash {
        let base_name = manifest.pointer("/base/scenario_name").and_then(|v| v.as_str()).unwrap_or("?");
        return Err(fail(
            &manifest_path,
            format!(
                "this comparison's base is `{}` (hash {base_hash}), not the scenario of the results, `{}` (hash {}); compare against the same scenario file",
                base_name, results.manifest.scenario_name, results.manifest.scenario_hash
            ),
        ));
    }
    let alts: Vec<(String, String)> = manifest
        .get("alts")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    let label = x.get("label")?.as_str()?.to_string();
                    let name = x.get("scenario_name").and_then(|n| n.as_str()).unwrap_or(&label).to_string();
                    Some((label, name))
                })
                .collect()
        })
        .unwrap_or_default();
    let Some((_, ask_name)) = alts.iter().find(|(label, _)| label == ask) else {
        let labels: Vec<String> = alts.iter().map(|(l, _)| l.clone()).collect();
        let hint = fundscape_sim::suggest::did_you_mean(ask, &labels);
        return Err(fail(
            &manifest_path,
            format!(
                "the comparison has no ask `{ask}`{}",
                if hint.is_empty() { format!("; its asks are {}", labels.join(", ")) } else { hint }
            ),
        ));
    };
    let csv_path = dir.join("compare_totals.csv");
    let csv_text = fundscape_sim::input::read_text(&csv_path, fundscape_sim::input::MAX_INPUT_BYTES)
        .map_err(|e| fail(&csv_path, format!("cannot read it: {e}")))?;
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().map_err(|e| fail(&csv_path, format!("malformed: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(c_alt), Some(c_region), Some(c_metric), Some(c_mean), Some(c_lo), Some(c_hi)) =
        (col("alt"), col("region"), col("metric"), col("diff_mean"), col("diff_ci90_low"), col("diff_ci90_high"))
    else {
        return Err(fail(&csv_path, "the header lacks alt, region, metric or the diff columns".into()));
    };
    // (metric, line, record) of the ask's horizon rows in the region.
    let mut found: Vec<(String, usize, csv::StringRecord)> = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| fail(&csv_path, format!("line {}: {e}", i + 2)))?;
        let field = |c: usize| rec.get(c).unwrap_or_default();
        if field(c_alt) == ask && field(c_region) == region {
            found.push((field(c_metric).to_string(), i + 2, rec));
        }
    }
    let get = |metric: &str| -> Result<Difference, BriefError> {
        let Some((_, line, rec)) = found.iter().find(|(m, ..)| m == metric) else {
            return Err(fail(
                &csv_path,
                format!("no horizon row for ask `{ask}`, region `{region}`, metric `{metric}`"),
            ));
        };
        let num = |c: usize| -> Result<f64, BriefError> {
            let field = rec.get(c).unwrap_or_default();
            match field.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(fail(&csv_path, format!("line {line}: `{field}` is not a finite number"))),
            }
        };
        Ok(Difference { mean: num(c_mean)?, low: num(c_lo)?, high: num(c_hi)? })
    };
    Ok(AskEffect {
        ask: ask.to_string(),
        ask_name: ask_name.clone(),
        runs: manifest.get("runs").and_then(|v| v.as_u64()).unwrap_or(0),
        seed: manifest.get("seed").and_then(|v| v.as_u64()).unwrap_or(0),
        posts_kept: get("posts_funded")?,
        post_years: get("post_years")?,
        served: get("served")?,
        abandoned: get("abandoned")?,
        council_spend: get("spend:local_authority")?,
    })
}

/// A drawn brief: the page, and its picture as SVG and PNG.
#[derive(Debug, Clone)]
pub struct Brief {
    pub html: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Checks that `region` is a region of the results (with a did-you-mean).
///
/// # Errors
/// An unknown region.
pub fn check_region(results: &Results, region: &str) -> Result<(), BriefError> {
    if results.summary.regions.iter().any(|r| r == region) {
        return Ok(());
    }
    let hint = fundscape_sim::suggest::did_you_mean(region, &results.summary.regions);
    Err(BriefError::UnknownRegion {
        id: region.to_string(),
        hint: if hint.is_empty() { format!("; the regions are {}", results.summary.regions.join(", ")) } else { hint },
    })
}

/// Draws the brief for `region` of `results`, with what `ask` changes.
///
/// # Errors
/// An unknown region, or a drawing failure.
pub fn render_brief(results: &Results, region: &str, ask: Option<&AskEffect>) -> Result<Brief, BriefError> {
    check_region(results, region)?;
    register_fonts().map_err(|e| BriefError::Draw(e.to_string()))?;
    let size = picture_size(!gap_series(results, region).is_empty());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        picture(&root, results, region).map_err(|e| BriefError::Draw(e.to_string()))?;
        root.present().map_err(|e| BriefError::Draw(e.to_string()))?;
    }
    let mut pixels = vec![255u8; (size.0 * size.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        picture(&root, results, region).map_err(|e| BriefError::Draw(e.to_string()))?;
        root.present().map_err(|e| BriefError::Draw(e.to_string()))?;
    }
    let png = encode_png(&pixels, size.0, size.1).map_err(|e| BriefError::Draw(e.to_string()))?;
    let html = page(results, region, ask, &svg);
    Ok(Brief { html, svg, png })
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A figure's yearly (p05, p50, p95) in the region.
fn series(r: &Results, region: &str, metric: &str) -> Vec<Stat> {
    r.summary.years.iter().filter_map(|&y| r.get(region, y, metric).copied()).collect()
}

const GAP: RGBColor = RGBColor(214, 96, 77);
const GAP_FILL: RGBColor = RGBColor(244, 165, 130);

/// The brief's picture: need against capacity above and, when the results
/// hold gap.csv, the gap itself below on the same years, with its own 5–95%
/// range (taken run by run, so narrower than the distance between the two
/// bands above). Results written before gap.csv get the upper panel alone.
fn picture<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Results, region: &str) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let gap = gap_series(r, region);
    if gap.is_empty() {
        return need_and_capacity(root, r, region, true);
    }
    let (upper, lower) = root.split_vertically(UPPER_HEIGHT);
    need_and_capacity(&upper, r, region, false)?;
    gap_panel(&lower, r, &gap)
}

/// Height of the strip above the gap panel's plot that holds its caption.
const GAP_CAPTION: u32 = 26;
/// Height of the upper panel (need and capacity) of the two-panel picture.
const UPPER_HEIGHT: u32 = 296;
/// The picture's size in pixels: both panels, or the upper one alone.
fn picture_size(two_panels: bool) -> (u32, u32) {
    if two_panels {
        (1000, 466)
    } else {
        (1000, 420)
    }
}

/// The region's yearly gap (need less capacity, run by run) from gap.csv,
/// one value for each year of the summary, in order; empty when gap.csv is
/// absent or lacks any of the region's years (a partial series would put
/// values under the wrong years).
fn gap_series(r: &Results, region: &str) -> Vec<Stat> {
    r.summary
        .years
        .iter()
        .map(|&y| r.summary.gap.iter().find(|g| g.region == region && g.year == y).map(|g| g.stat))
        .collect::<Option<Vec<Stat>>>()
        .unwrap_or_default()
}

/// Year labels of the x axis: a label at each whole position.
fn year_label(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        labels.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// Need (new cases a year) against capacity (cases a year the region's
/// advice can serve): medians as lines, 5–95% ranges as bands, the gap
/// between the medians shaded, and the months grants end marked. The years
/// are labelled here only when no gap panel sits below.
fn need_and_capacity<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Results,
    region: &str,
    year_labels: bool,
) -> DrawResult<DB> {
    let demand = series(r, region, "demand");
    let capacity = series(r, region, "capacity");
    let n = demand.len().min(capacity.len());
    let top = upper_top(&demand[..n], &capacity[..n], root.dim_in_pixel().1, year_labels);
    let labels: Vec<String> = r.summary.years.iter().map(|&y| r.year_name(y)).collect();
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .margin_bottom(if year_labels { 12 } else { 4 })
        .margin_right(24)
        .x_label_area_size(if year_labels { 46 } else { 10 })
        .y_label_area_size(78)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .x_labels(n.max(1))
        .x_label_formatter(&|x| if year_labels { year_label(&labels, *x) } else { String::new() })
        .y_label_formatter(&|y| thousands(*y))
        .y_desc("cases a year")
        .label_style(font(15))
        .axis_desc_style(font(16))
        .draw()?;
    let xs = |i: usize| i as f64;
    // 5–95% ranges of need and capacity.
    let band = |s: &[Stat]| -> Vec<(f64, f64)> {
        let mut pts: Vec<(f64, f64)> = s.iter().enumerate().map(|(i, x)| (xs(i), x.p95)).collect();
        pts.extend(s.iter().enumerate().rev().map(|(i, x)| (xs(i), x.p05)));
        pts
    };
    chart.draw_series(std::iter::once(Polygon::new(band(&demand[..n]), GAP_FILL.mix(0.25))))?;
    chart.draw_series(std::iter::once(Polygon::new(band(&capacity[..n]), OUTER.mix(0.7))))?;
    // The gap between the medians, where need exceeds capacity.
    if n > 1 {
        let mut gap: Vec<(f64, f64)> = (0..n).map(|i| (xs(i), demand[i].p50.max(capacity[i].p50))).collect();
        gap.extend((0..n).rev().map(|i| (xs(i), capacity[i].p50)));
        chart.draw_series(std::iter::once(Polygon::new(gap, GAP_FILL.mix(0.75))))?;
    }
    if n == 1 && demand[0].p50 > capacity[0].p50 {
        let (d, c) = (demand[0].p50, capacity[0].p50);
        chart.draw_series(std::iter::once(Rectangle::new([(-0.2, c), (0.2, d)], GAP_FILL.mix(0.75).filled())))?;
    }
    // One year: a line of one point is not drawn, so its medians are dots.
    if n == 1 {
        chart.draw_series(std::iter::once(Circle::new((0.0, demand[0].p50), 6, GAP.filled())))?;
        chart.draw_series(std::iter::once(Circle::new((0.0, capacity[0].p50), 6, MEDIAN.filled())))?;
    }
    chart
        .draw_series(LineSeries::new(demand[..n].iter().enumerate().map(|(i, s)| (xs(i), s.p50)), GAP.stroke_width(4)))?
        .label("need: new cases a year (median; band 5–95% of runs)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], GAP.stroke_width(4)));
    chart
        .draw_series(LineSeries::new(
            capacity[..n].iter().enumerate().map(|(i, s)| (xs(i), s.p50)),
            MEDIAN.stroke_width(4),
        ))?
        .label("what advice can serve: capacity, cases a year (median; band 5–95%)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], MEDIAN.stroke_width(4)));
    chart
        .draw_series(std::iter::once(Rectangle::new([(-10.0, -10.0), (-10.0, -10.0)], GAP_FILL.mix(0.75).filled())))?
        .label("the gap: need that capacity cannot meet")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], GAP_FILL.mix(0.75).filled()));
    // Months in which grants end: a marker at the bottom, with the posts.
    let ends = grant_ends(r, region);
    draw_grant_ends(&mut chart, &ends, top)?;
    if !ends.is_empty() {
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(-10.0, -10.0), (-10.0, -10.0)], INK.stroke_width(2))))?
            .label("grant posts' funding ends (number of posts)")
            .legend(|(x, y)| PathElement::new(vec![(x + 12, y - 8), (x + 12, y + 8)], INK.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .label_font(font(14))
        .draw()?;
    Ok(())
}

/// The top of the upper panel's axis: above every 5–95% band, and high
/// enough that the medians under the legend (upper left: about 100 pixels
/// down and the first 65% of the years) pass below it rather than behind it.
fn upper_top(demand: &[Stat], capacity: &[Stat], height: u32, year_labels: bool) -> f64 {
    let bands = demand.iter().chain(capacity).map(|s| s.p95).fold(0.0, f64::max).max(1.0) * 1.12;
    let plot = f64::from(height) - if year_labels { 70.0 } else { 26.0 };
    let legend = (110.0 / plot.max(110.0)).min(0.6);
    let under = (demand.len() as f64 * 0.65).ceil() as usize;
    let medians = demand.iter().zip(capacity).take(under).map(|(d, c)| d.p50.max(c.p50)).fold(0.0, f64::max);
    bands.max(medians / (1.0 - legend))
}

/// The gap panel: need less capacity within each run, its median as a line
/// and its 5–95% range of runs as a band, with zero marked (below it,
/// capacity exceeds need). The axis always holds zero, so the gap's size
/// is read from it.
fn gap_panel<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Results, gap: &[Stat]) -> DrawResult<DB> {
    let n = gap.len();
    let high = gap.iter().map(|s| s.p95).fold(0.0, f64::max);
    let low = gap.iter().map(|s| s.p05).fold(0.0, f64::min);
    let pad = ((high - low) * 0.12).max(1.0);
    let (y0, y1) = (if low < 0.0 { low - pad } else { 0.0 }, high + pad);
    let labels: Vec<String> = r.summary.years.iter().map(|&y| r.year_name(y)).collect();
    // The panel's caption sits in a strip above its plot, clear of the
    // band and the zero line whatever the gap's sign.
    root.draw_text(
        "the gap within each run: need less capacity, cases a year (median; band 5–95% of runs)",
        &font(14).color(&INK),
        (12 + 78 + 6, 6),
    )?;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .margin_top(GAP_CAPTION)
        .margin_right(24)
        .x_label_area_size(46)
        .y_label_area_size(78)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), y0..y1)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .x_labels(n.max(1))
        .y_labels(4)
        .x_label_formatter(&|x| year_label(&labels, *x))
        .y_label_formatter(&|y| thousands(*y))
        .y_desc("the gap")
        .label_style(font(15))
        .axis_desc_style(font(16))
        .draw()?;
    let xs = |i: usize| i as f64;
    let mut band: Vec<(f64, f64)> = gap.iter().enumerate().map(|(i, s)| (xs(i), s.p95)).collect();
    band.extend(gap.iter().enumerate().rev().map(|(i, s)| (xs(i), s.p05)));
    if n > 1 {
        chart.draw_series(std::iter::once(Polygon::new(band, GAP_FILL.mix(0.45))))?;
    } else if let Some(s) = gap.first() {
        chart
            .draw_series(std::iter::once(Rectangle::new([(-0.2, s.p05), (0.2, s.p95)], GAP_FILL.mix(0.45).filled())))?;
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
        INK.stroke_width(1),
    )))?;
    chart.draw_series(LineSeries::new(gap.iter().enumerate().map(|(i, s)| (xs(i), s.p50)), GAP.stroke_width(3)))?;
    if n == 1 {
        chart.draw_series(gap.iter().map(|s| Circle::new((0.0, s.p50), 5, GAP.filled())))?;
    }
    Ok(())
}

/// The months in which `region`'s grants end, as positions on the year axis
/// (model year y spans y − 0.5 .. y + 0.5), with the posts ending then, in
/// order.
fn grant_ends(r: &Results, region: &str) -> Vec<(f64, u64)> {
    let mut ends: Vec<(f64, u64)> = Vec::new();
    for e in r.manifest.grant_ends.iter().filter(|e| e.region == region) {
        if let Some(m) = fundscape_sim::scenario::YearMonth::parse(&e.month) {
            let x = f64::from(m.months_since(r.start)) / 12.0 - 0.5;
            match ends.iter_mut().find(|(ex, _)| (*ex - x).abs() < 1e-9) {
                Some((_, p)) => *p += e.posts,
                None => ends.push((x, e.posts)),
            }
        }
    }
    ends.sort_by(|a, b| a.0.total_cmp(&b.0));
    ends
}

/// A marker for each grant end, with its number of posts above it. Every
/// marker is the same height (its height means nothing); one close to the
/// one before puts its number higher, on a thin leader, so no two numbers
/// overlap.
fn draw_grant_ends<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    ends: &[(f64, u64)],
    top: f64,
) -> DrawResult<DB> {
    const MARK: f64 = 0.14;
    const RAISED: f64 = 0.22;
    let mut previous: Option<(f64, bool)> = None;
    for &(x, posts) in ends {
        let raised = matches!(previous, Some((px, up)) if x - px < 0.6 && !up);
        previous = Some((x, raised));
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, 0.0), (x, top * MARK)],
            INK.mix(0.8).stroke_width(2),
        )))?;
        let label_at = if raised {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, top * MARK), (x, top * RAISED)],
                MUTED.mix(0.6).stroke_width(1),
            )))?;
            RAISED
        } else {
            MARK
        };
        chart.draw_series(std::iter::once(Text::new(
            posts.to_string(),
            (x, top * (label_at + 0.055)),
            font(15).color(&INK),
        )))?;
    }
    Ok(())
}

fn money(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{sign}£{}", about(x.abs()))
}

/// The 90% interval of a difference's mean, as `90% interval a to b`.
fn interval(d: &Difference, f: impl Fn(f64) -> String) -> String {
    format!("90% interval {} to {}", f(d.low), f(d.high))
}

/// A conservative 90% interval of the ratio of two means, `num / den`: each
/// mean's 90% interval widened to 95% (×1.96/1.645), and the ratio's least
/// and greatest over that box, so it holds the ratio whenever both means
/// are inside their 95% intervals (at least 90% of the time, by
/// Bonferroni). `None` when the denominator's interval reaches zero or the
/// numerator's crosses it (no finite, one-signed interval).
fn ratio_interval(num: &Difference, den: &Difference) -> Option<(f64, f64)> {
    let widen = |d: &Difference| {
        let k = 1.959_964 / 1.644_854;
        (d.mean - (d.mean - d.low) * k, d.mean + (d.high - d.mean) * k)
    };
    let ((nl, nh), (dl, dh)) = (widen(num), widen(den));
    (nl > 0.0 && dl > 0.0).then(|| (nl / dh, nh / dl)).filter(|(a, b)| a.is_finite() && b.is_finite())
}

/// The page's HTML. Deterministic: the same inputs give the same bytes.
fn page(r: &Results, region: &str, ask: Option<&AskEffect>, svg: &str) -> String {
    let m = &r.manifest;
    let name = escape(&r.region_name(region));
    let first = r.summary.years.first().map(|&y| r.year_name(y)).unwrap_or_default();
    let last_label = r.summary.years.last().copied().unwrap_or(0);
    let last = r.year_name(last_label);
    let years = r.summary.years.len();
    let abandoned_total: f64 = series(r, region, "abandoned").iter().map(|s| s.mean).sum();
    let demand_total: f64 = series(r, region, "demand").iter().map(|s| s.mean).sum();
    let grant_posts: u64 = m.grant_ends.iter().filter(|e| e.region == region).map(|e| e.posts).sum();
    let lost = r.get(region, last_label, "posts_lost").copied();
    let mut facts: Vec<String> = Vec::new();
    facts.push(format!(
        "<div class=\"fact\"><span class=\"big\">{}</span> people in {name} give up waiting for advice over {} \
         to {last} <span class=\"ref\">[1]</span>: {} of the need.{}</div>",
        about(abandoned_total),
        if years == 1 { "the year".to_string() } else { format!("the {years} years") },
        percent(if demand_total > 0.0 { abandoned_total / demand_total } else { f64::NAN }),
        gap_series(r, region).last().map_or_else(String::new, |g| gap_sentence(g, &last))
    ));
    if let Some(lost) = lost {
        let mut when: Vec<(String, u64)> = Vec::new();
        for e in m.grant_ends.iter().filter(|e| e.region == region) {
            match when.iter_mut().find(|(mo, _)| *mo == e.month) {
                Some((_, p)) => *p += e.posts,
                None => when.push((e.month.clone(), e.posts)),
            }
        }
        when.sort();
        let list: Vec<String> = when.iter().map(|(mo, p)| format!("{p} in {}", escape(mo))).collect();
        facts.push(format!(
            "<div class=\"fact\"><span class=\"big\">{}</span> funded posts lose their funding for good by the end of {last} \
             (5–95% of runs: {} to {}) <span class=\"ref\">[2]</span>. {}</div>",
            thousands(lost.p50),
            thousands(lost.p05),
            thousands(lost.p95),
            if list.is_empty() {
                "No grant in the region ends inside the horizon.".to_string()
            } else {
                format!("Grants for {grant_posts} posts end inside the horizon: {}.", list.join(", "))
            }
        ));
    }
    if let Some(a) = ask {
        facts.extend(ask_facts(m, region, a, &last));
    }
    let notes = notes(r, region, ask, &name);
    let svg = svg.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"Need against advice capacity in {name}, {first} to {last}{}\" ",
            if gap_series(r, region).is_empty() { "" } else { ", and the gap between them" }
        ),
        1,
    );
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"generator\" content=\"fundscape brief\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{name}: the advice gap · fundscape brief</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<header><h1>{name}: the advice gap, <span class=\"years\">{first} to {last}</span></h1>\
         <p class=\"sub\">The need for immigration and asylum advice against what the region's advice can serve, and what \
         happens to funded posts when their grants end.</p></header>\n<figure>{}</figure>\n<section class=\"facts\">{}</section>\n<footer>{}</footer>\n</body>\n</html>\n",
        svg.trim_end(),
        facts.join("\n"),
        notes.iter().map(|n| format!("<p>{n}</p>")).collect::<Vec<_>>().join("\n")
    );
    h
}

/// The last year's gap in words: its median and 5–95% range of runs, said
/// as capacity short of need or, when the median is below zero, as
/// capacity to spare; a range that crosses zero says so at both ends.
fn gap_sentence(g: &Stat, last: &str) -> String {
    let end = |x: f64| if x < 0.0 { format!("{} to spare", about(-x)) } else { format!("{} short", about(x)) };
    let range = if g.p05 >= 0.0 {
        format!("{} to {}", about(g.p05), about(g.p95))
    } else if g.p95 <= 0.0 {
        format!("{} to {}", about(-g.p95), about(-g.p05))
    } else {
        format!("from {} to {}", end(g.p05), end(g.p95))
    };
    if g.p50 >= 0.0 {
        format!(
            " In {last}, advice can serve about {} fewer cases than are needed (5–95% of runs: {range}).",
            about(g.p50)
        )
    } else {
        format!(
            " In {last}, advice can serve about {} more cases than are needed (5–95% of runs: {range}).",
            about(-g.p50)
        )
    }
}

/// The brief's facts about an ask: what it changes, what it costs the
/// council, and (with the region's `council` table) the support it avoids.
fn ask_facts(m: &crate::files::Manifest, region: &str, a: &AskEffect, last: &str) -> Vec<String> {
    let mut facts = Vec::new();
    let per_post_year = a.council_spend.mean / a.post_years.mean;
    let per_person = a.council_spend.mean / a.served.mean;
    // A risk (or an ask that backfires) changes things the other way: say
    // "fewer" or "more" rather than print a negative number of people.
    let way = |x: f64, up: &'static str, down: &'static str| if x < 0.0 { down } else { up };
    let posts = format!("{:.1}", a.posts_kept.mean.abs());
    let mut text = format!(
        "<div class=\"fact ask\">With <strong>{}</strong>: <span class=\"big\">{}</span> {} posts funded at the end of \
         {last} ({}); <span class=\"big\">{}</span> {} people helped over the horizon ({}); {} {} give up \
         <span class=\"ref\">[3]</span>.",
        escape(&a.ask_name),
        posts,
        way(a.posts_kept.mean, "more", "fewer"),
        interval(&a.posts_kept, |x| format!("{x:+.1}")),
        about(a.served.mean.abs()),
        way(a.served.mean, "more", "fewer"),
        interval(&a.served, about),
        about(a.abandoned.mean.abs()),
        way(-a.abandoned.mean, "fewer", "more"),
    );
    if a.council_spend.mean > 0.0 && a.post_years.mean > 0.0 {
        let range = |den: &Difference| {
            ratio_interval(&a.council_spend, den).map_or_else(
                || " (too uncertain for an interval)".to_string(),
                |(lo, hi)| format!(" (90% interval {} to {})", money(lo), money(hi)),
            )
        };
        let _ = write!(
            text,
            " The council's extra spend is about {} over the horizon ({}): about {} a post-year kept{}{}.",
            money(a.council_spend.mean),
            interval(&a.council_spend, money),
            money(per_post_year),
            range(&a.post_years),
            if a.served.mean > 0.0 {
                format!(" and {} a person helped{}", money(per_person), range(&a.served))
            } else {
                String::new()
            }
        );
    }
    text.push_str("</div>");
    facts.push(text);
    if let Some(c) = council(m, region) {
        let resolved = a.served.mean * c.nrpf_resolved_share.typical;
        let avoided = resolved * c.nrpf_household_cost.typical;
        facts.push(if resolved >= 0.0 {
            format!(
                "<div class=\"fact council\">If {} of the extra cases resolve a household with no recourse to public funds, about \
                 <span class=\"big\">{}</span> households are resolved, which could avoid about <strong>{}</strong> a year of \
                 council support at {} a household <span class=\"ref\">[4]</span>.</div>",
                percent(c.nrpf_resolved_share.typical),
                about(resolved),
                money(avoided),
                money(c.nrpf_household_cost.typical)
            )
        } else {
            format!(
                "<div class=\"fact council\">If {} of the cases no longer served would have resolved a household with no recourse \
                 to public funds, about <span class=\"big\">{}</span> fewer households are resolved, which could cost about \
                 <strong>{}</strong> a year more in council support at {} a household <span class=\"ref\">[4]</span>.</div>",
                percent(c.nrpf_resolved_share.typical),
                about(-resolved),
                money(-avoided),
                money(c.nrpf_household_cost.typical)
            )
        });
    }
    facts
}

/// The brief's footnotes: where each figure comes from, and the scenario.
fn notes(r: &Results, region: &str, ask: Option<&AskEffect>, name: &str) -> Vec<String> {
    let m = &r.manifest;
    let mut notes: Vec<String> = vec![
        format!(
            "[1] Sum over the years of the mean cases abandoned in {name} across {} runs (people who gave up waiting and never got \
             advice); the share is that sum over the sum of mean need. The picture shows medians and the 5–95% range of runs.{}",
            thousands(m.runs as f64),
            if gap_series(r, region).is_empty() {
                ""
            } else {
                " The gap (lower panel, and in words) is need less capacity within each run, so its range is usually \
                 narrower than the bands' distance."
            }
        ),
        "[2] Posts nobody took on when their funding ended (`posts_lost`), the median across runs at the end of the horizon; \
         grant end months are the first months without the grant's funding."
            .to_string(),
    ];
    if let Some(a) = ask {
        notes.push(format!(
            "[3] From a paired comparison of `{}` with the scenario ({} paired runs, seed {}): differences over the horizon, \
             means with the 90% interval of the mean. The council's costs divide its extra spend (`spend:local_authority`) by \
             the extra post-years and extra people helped (ratios of means); their intervals are conservative, the least and \
             greatest ratio while both means lie inside their 95% intervals, so they hold it at least 90% of the time.",
            escape(&a.ask),
            thousands(a.runs as f64),
            a.seed
        ));
        if let Some(c) = council(m, region) {
            notes.push(format!(
                "[4] ASSUMPTIONS from the scenario file (key <code>council</code> of the region): a household with no recourse to \
                 public funds costs the council {} a year (written {}; published average £17,151–£21,541, Justice Together, \
                 <em>It's a no-brainer</em>, 2023), and {} of served cases resolve one (written {}). Each resolved household \
                 is counted once, as one year of support avoided.",
                money(c.nrpf_household_cost.typical),
                escape(&c.nrpf_household_cost.written),
                percent(c.nrpf_resolved_share.typical),
                escape(&c.nrpf_resolved_share.written)
            ));
        }
    }
    notes.push(format!(
        "Scenario <strong>{}</strong> ({}; hash <code>{}</code>), {} runs, seed {}, fundscape {}.{}",
        escape(&m.scenario_name),
        escape(&m.scenario_file),
        escape(&m.scenario_hash),
        thousands(m.runs as f64),
        m.seed,
        escape(&m.version),
        m.note.as_ref().map_or_else(String::new, |n| format!(" What the scenario is: {}", escape(n)))
    ));
    notes
}

fn council<'a>(m: &'a crate::files::Manifest, region: &str) -> Option<&'a CouncilCosts> {
    m.councils.iter().find(|c| c.region == region)
}

const STYLE: &str = "
@page { size: A4; margin: 12mm; }
body { font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; color: #222; background: #fff; max-width: 186mm;
  margin: 0 auto; line-height: 1.35; font-size: 10.5pt; }
h1 { font-size: 15pt; margin: 0 0 2pt; }
h1 .years { white-space: nowrap; }
.sub { color: #555; margin: 0 0 6pt; }
figure { margin: 0 0 6pt; }
figure svg { width: 100%; height: auto; display: block; }
.facts { display: grid; grid-template-columns: 1fr 1fr; gap: 6pt 10pt; }
.fact { border-left: 5px solid #b2182b; background: #fbf1ee; padding: 5pt 8pt; }
.fact.ask { border-left-color: #08306b; background: #f2f6fb; grid-column: 1 / -1; }
.fact.council { grid-column: 1 / -1; }
.big { font-size: 16pt; font-weight: bold; }
.ref { color: #555; font-size: 8pt; vertical-align: super; }
footer { margin-top: 8pt; color: #444; font-size: 7pt; border-top: 1px solid #ccc; }
footer p { margin: 3pt 0; }
code { font-size: 7pt; }
";

#[cfg(test)]
mod tests {
    use super::*;

    fn d(mean: f64, half: f64) -> Difference {
        Difference { mean, low: mean - half, high: mean + half }
    }

    /// The ratio's interval spans the box of both means' 95% intervals
    /// (the 90% half-widths × 1.96/1.645), and is withheld when the
    /// denominator's or the numerator's reaches zero.
    #[test]
    fn a_ratio_interval_spans_both_means_95_percent_intervals() {
        let k = 1.959_964 / 1.644_854;
        let (lo, hi) = ratio_interval(&d(100.0, 10.0), &d(10.0, 1.0)).unwrap();
        assert!((lo - (100.0 - 10.0 * k) / (10.0 + k)).abs() < 1e-12, "{lo}");
        assert!((hi - (100.0 + 10.0 * k) / (10.0 - k)).abs() < 1e-12, "{hi}");
        assert!(lo < 10.0 && hi > 10.0);
        assert_eq!(ratio_interval(&d(100.0, 10.0), &d(1.0, 0.9)), None, "the denominator's 95% interval reaches 0");
        assert_eq!(ratio_interval(&d(5.0, 4.5), &d(10.0, 1.0)), None, "the numerator's crosses 0");
    }
}
