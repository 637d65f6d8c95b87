//! Per-run values of chosen figures (`run --samples METRIC,...`), for
//! analysts who compute their own statistics: every run, region (and the
//! total, `all`), year and metric named, in run order. The runs are the
//! same as the summary's (same seed and run indices), simulated again in
//! fixed blocks and gathered in block order, so the rows do not depend on
//! the number of threads.

use crate::driver::{in_blocks, RunConfig};
use crate::model::{Plan, METRICS, SPEND};
use crate::scenario::Scenario;

/// The most rows `samples` gathers (about 1 GB of CSV).
pub const MAX_SAMPLE_ROWS: u64 = 25_000_000;

/// One run's value of one figure.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    pub run: u64,
    /// Index into the regions, or the number of regions for `all`.
    pub region: usize,
    /// Model year.
    pub year: usize,
    /// Index into the metrics asked for.
    pub metric: usize,
    pub value: f64,
}

/// Why samples cannot be gathered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamplesError {
    #[error("unknown metric `{name}`{hint}")]
    UnknownMetric { name: String, hint: String },
    #[error(
        "{rows} rows ({runs} runs × {regions} regions and all × {years} years × {metrics} metrics) is more than the {max} allowed; name fewer metrics or give fewer --runs"
    )]
    TooMany { rows: u64, runs: u64, regions: usize, years: u32, metrics: usize, max: u64 },
}

/// The metric names a scenario reports: those of `summary.csv`.
pub fn metric_names(scenario: &Scenario) -> Vec<String> {
    let mut names: Vec<String> = METRICS.iter().map(|m| m.to_string()).collect();
    names.extend(scenario.spend_sources().iter().map(|s| format!("spend:{s}")));
    names
}

/// The per-run values of `metrics` over `config.runs` runs.
///
/// # Errors
/// An unknown metric (with a did-you-mean), or more rows than
/// [`MAX_SAMPLE_ROWS`].
pub fn samples(
    scenario: &Scenario,
    config: &RunConfig,
    metrics: &[String],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<SampleRow>, SamplesError> {
    samples_and_survival(scenario, config, metrics, None, progress).map(|(rows, _)| rows)
}

/// [`samples`], and in the same runs, with `survival_at = Some(k)`, each
/// run's share of grant posts still funded `k` months after their first
/// term end (the figure of `survival.csv`'s row `k`, run by run, in run
/// order): empty when no post is followed that long (survival.csv has no
/// such row).
///
/// # Errors
/// As [`samples`].
pub fn samples_and_survival(
    scenario: &Scenario,
    config: &RunConfig,
    metrics: &[String],
    survival_at: Option<usize>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<SampleRow>, Vec<f64>), SamplesError> {
    let names = metric_names(scenario);
    let index: Vec<usize> = metrics
        .iter()
        .map(|m| {
            names.iter().position(|n| n == m).ok_or_else(|| SamplesError::UnknownMetric {
                name: m.clone(),
                hint: {
                    let hint = crate::suggest::did_you_mean(m, &names);
                    if hint.is_empty() {
                        format!("; the metrics are {}", names.join(", "))
                    } else {
                        hint
                    }
                },
            })
        })
        .collect::<Result<_, _>>()?;
    let runs = config.runs.max(1);
    let nr = scenario.regions.len();
    let rows = runs * (nr as u64 + 1) * u64::from(scenario.years) * metrics.len() as u64;
    if rows > MAX_SAMPLE_ROWS {
        return Err(SamplesError::TooMany {
            rows,
            runs,
            regions: nr,
            years: scenario.years,
            metrics: metrics.len(),
            max: MAX_SAMPLE_ROWS,
        });
    }
    let plan = Plan::new(scenario);
    let years = scenario.years as usize;
    // Regions in the order of summary.csv: `all` first, then the scenario's.
    let order: Vec<usize> = std::iter::once(nr).chain(0..nr).collect();
    // The survival slot followed, and the posts it divides by.
    let followed = survival_at.and_then(|k| {
        let slot = plan.survival_offsets().iter().position(|&o| o == k)?;
        Some((slot, plan.survival_eligible()[slot] as f64))
    });
    let block = |first: u64, last: u64| -> (Vec<SampleRow>, Vec<f64>) {
        let mut record = plan.new_record();
        let (mut out, mut shares) = (Vec::new(), Vec::new());
        for run in first..last {
            plan.simulate(config.seed, run, &mut record, None);
            if let Some((slot, eligible)) = followed {
                shares.push(record.survival[slot] / eligible);
            }
            for &r in &order {
                for y in 0..years {
                    for (k, &m) in index.iter().enumerate() {
                        let slot = if m < METRICS.len() { m } else { SPEND + (m - METRICS.len()) };
                        out.push(SampleRow {
                            run,
                            region: r,
                            year: y,
                            metric: k,
                            value: record.values[plan.index(r, y, slot)],
                        });
                    }
                }
            }
        }
        (out, shares)
    };
    let (rows, _) = in_blocks(
        config,
        progress,
        2,
        || (Vec::new(), Vec::new()),
        block,
        |all: &mut (Vec<SampleRow>, Vec<f64>), part| {
            all.0.extend_from_slice(&part.0);
            all.1.extend_from_slice(&part.1);
        },
    );
    Ok(rows)
}
