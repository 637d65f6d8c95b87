//! The files of a results directory (model.md §9) and the atomic write.

use std::io::Write;
use std::path::{Path, PathBuf};

use fundscape_sim::stats::Stat;
use fundscape_sim::summary::SummaryRow;
use fundscape_sim::{Scenario, Summary};
use serde::{Deserialize, Serialize};

/// The results directory could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteResultsError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

fn stat_fields(s: &Stat) -> [String; 8] {
    [s.mean, s.sd, s.p05, s.p25, s.p50, s.p75, s.p95, s.mcse].map(|x| format!("{x}"))
}

fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for row in rows {
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

/// Rows keyed by region and year: `region,year,<key>,mean,sd,p05,p25,p50,p75,p95,mcse`.
fn region_year_csv(key: &str, rows: &[SummaryRow]) -> Vec<u8> {
    csv_bytes(
        &["region", "year", key, "mean", "sd", "p05", "p25", "p50", "p75", "p95", "mcse"],
        rows.iter().map(|r| {
            let mut row = vec![r.region.clone(), r.year.to_string(), r.metric.clone()];
            row.extend(stat_fields(&r.stat));
            row
        }),
    )
}

/// `summary.csv`: `region,year,metric,mean,sd,p05,p25,p50,p75,p95,mcse`.
pub fn summary_csv(summary: &Summary) -> Vec<u8> {
    region_year_csv("metric", &summary.rows)
}

/// `posts_by_source.csv`: `region,year,source,mean,sd,p05,p25,p50,p75,p95,mcse`,
/// funded posts at each year's end by who pays for them.
pub fn posts_by_source_csv(summary: &Summary) -> Vec<u8> {
    region_year_csv("source", &summary.posts_by_source)
}

/// `survival.csv`: `months_after_first_end,mean,sd,p05,p25,p50,p75,p95,mcse,posts_followed`.
pub fn survival_csv(summary: &Summary) -> Vec<u8> {
    csv_bytes(
        &["months_after_first_end", "mean", "sd", "p05", "p25", "p50", "p75", "p95", "mcse", "posts_followed"],
        summary.survival.iter().map(|r| {
            let mut row = vec![r.months_after_first_end.to_string()];
            row.extend(stat_fields(&r.stat));
            row.push(r.posts_followed.to_string());
            row
        }),
    )
}

/// The contents of `manifest.json`. The fields after `warnings` are what the
/// report needs beyond the CSV files, so that `fundscape report DIR` can
/// re-render from the directory alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub program: String,
    pub version: String,
    pub scenario_name: String,
    /// What the scenario is, from `[scenario] note`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub scenario_file: String,
    /// FNV-1a hash of the scenario after overlays.
    pub scenario_hash: String,
    pub seed: u64,
    pub runs: u64,
    pub threads: usize,
    pub wall_time_seconds: f64,
    /// Relative error bound of the reported quantiles.
    pub quantile_relative_error: f64,
    pub warnings: Vec<String>,
    /// First month of the horizon, `YYYY-MM`.
    pub start: String,
    pub years: u32,
    /// Region ids and names, in scenario order.
    pub regions: Vec<RegionName>,
    /// Advice and influencing posts in the grant portfolio.
    pub grant_posts: u64,
    /// The scenario files read, base first, and the name of each one's
    /// verbatim copy in the results directory.
    pub scenario_files: Vec<ScenarioFile>,
    /// When grant posts' first funding terms end inside the horizon, by
    /// region and month (for the council brief).
    #[serde(default)]
    pub grant_ends: Vec<GrantEnd>,
    /// The councils' costs of missing advice, for the regions that give them.
    #[serde(default)]
    pub councils: Vec<CouncilCosts>,
}

/// Grant posts in a region whose first term ends in a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantEnd {
    pub region: String,
    /// `YYYY-MM`: the first month without the grant's funding.
    pub month: String,
    pub posts: u64,
    pub grant: String,
}

/// A value as written, with its typical value and its range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueSummary {
    pub written: String,
    pub typical: f64,
    pub low: f64,
    pub high: f64,
}

impl ValueSummary {
    pub fn of(v: &fundscape_sim::value::Value) -> Self {
        let (low, high) = v.support();
        Self { written: v.to_string(), typical: v.typical(), low, high }
    }
}

/// `[[regions]] council`: what a household with no recourse to public funds
/// costs councils, and the share of served cases that resolve one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CouncilCosts {
    pub region: String,
    pub nrpf_household_cost: ValueSummary,
    pub nrpf_resolved_share: ValueSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionName {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioFile {
    /// The path as it was read.
    pub file: String,
    /// The copy's name inside the results directory.
    pub copy: String,
}

/// The name of the copy of file `i` of a chain of `n` (base first): the file
/// given is `scenario.toml`, the file it extends `scenario-base-1.toml`, that
/// file's base `scenario-base-2.toml`, and so on.
fn copy_name(i: usize, n: usize) -> String {
    let depth = n - 1 - i;
    if depth == 0 {
        "scenario.toml".into()
    } else {
        format!("scenario-base-{depth}.toml")
    }
}

/// Verbatim copies of the scenario files a run read, named as in
/// [`Manifest::scenario_files`].
pub fn scenario_copies(scenario: &Scenario) -> Vec<(String, Vec<u8>)> {
    let n = scenario.files.len();
    scenario.files.iter().enumerate().map(|(i, (_, text))| (copy_name(i, n), text.clone().into_bytes())).collect()
}

impl Manifest {
    pub fn new(summary: &Summary, scenario: &Scenario, scenario_file: &Path, wall_time_seconds: f64) -> Self {
        let n = scenario.files.len();
        Self {
            program: "fundscape".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            scenario_name: summary.scenario_name.clone(),
            note: scenario.note.clone(),
            scenario_file: scenario_file.display().to_string(),
            scenario_hash: summary.scenario_hash.clone(),
            seed: summary.seed,
            runs: summary.runs,
            threads: summary.threads,
            wall_time_seconds: (wall_time_seconds * 1000.0).round() / 1000.0,
            quantile_relative_error: fundscape_sim::stats::RELATIVE_ERROR,
            warnings: summary.warnings.clone(),
            start: scenario.start.to_string(),
            years: scenario.years,
            regions: scenario.regions.iter().map(|r| RegionName { id: r.id.clone(), name: r.name.clone() }).collect(),
            grant_posts: scenario.grants.iter().map(|g| u64::from(g.posts) + u64::from(g.influencing_posts)).sum(),
            grant_ends: scenario
                .grants
                .iter()
                .filter_map(|g| {
                    let end = fundscape_sim::scenario::YearMonth(g.start.0 + g.months as i32);
                    let inside = (0..12 * scenario.years as i32).contains(&end.months_since(scenario.start));
                    inside.then(|| GrantEnd {
                        region: scenario.regions[g.region].id.clone(),
                        month: end.to_string(),
                        posts: u64::from(g.posts) + u64::from(g.influencing_posts),
                        grant: g.id.clone(),
                    })
                })
                .collect(),
            councils: scenario
                .regions
                .iter()
                .filter_map(|r| {
                    r.council.as_ref().map(|c| CouncilCosts {
                        region: r.id.clone(),
                        nrpf_household_cost: ValueSummary::of(&c.nrpf_household_cost),
                        nrpf_resolved_share: ValueSummary::of(&c.nrpf_resolved_share),
                    })
                })
                .collect(),
            scenario_files: scenario
                .files
                .iter()
                .enumerate()
                .map(|(i, (path, _))| ScenarioFile { file: path.display().to_string(), copy: copy_name(i, n) })
                .collect(),
        }
    }
}

pub fn manifest_json(manifest: &Manifest) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(manifest).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The directory a path is in (`.` for a bare file name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Writes one file atomically: into a hidden sibling first, then renamed
/// over `path`, so `path` holds the old bytes or the new ones, never half.
///
/// # Errors
/// Any I/O failure; `path` is then left as it was and no sibling remains.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteResultsError> {
    let parent = parent_of(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = write_synced(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|source| WriteResultsError { path: path.to_path_buf(), source })
}

/// Writes `files` (name, bytes) as the whole of `dir`: into a sibling
/// temporary directory first, then swapped in by rename, so `dir` is
/// replaced whole or not at all.
///
/// # Errors
/// Any I/O failure; `dir` is then left as it was.
pub fn write_results(dir: &Path, files: &[(impl AsRef<str>, Vec<u8>)]) -> Result<(), WriteResultsError> {
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WriteResultsError { path, source }
    };
    let parent = parent_of(dir);
    std::fs::create_dir_all(&parent).map_err(err(&parent))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "results".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let staged = (|| -> Result<(), WriteResultsError> {
        std::fs::create_dir(&tmp).map_err(err(&tmp))?;
        for (file, bytes) in files {
            let path = tmp.join(file.as_ref());
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p).map_err(err(p))?;
            }
            write_synced(&path, bytes).map_err(err(&path))?;
        }
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let had_old = dir.exists();
    if had_old {
        if let Err(e) = std::fs::rename(dir, &old) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(err(dir)(e));
        }
    }
    if let Err(e) = std::fs::rename(&tmp, dir) {
        if had_old {
            let _ = std::fs::rename(&old, dir);
        }
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(err(dir)(e));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// Replaces one file: written to a temporary sibling, then renamed over
/// `path`, so readers see the old file or the new one, never a part.
///
/// # Errors
/// Any I/O failure; `path` is then left as it was.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), WriteResultsError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    };
    if let Err(source) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(WriteResultsError { path: path.to_path_buf(), source });
    }
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        WriteResultsError { path: path.to_path_buf(), source }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_directory_whole_and_leaves_no_staging_behind() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("stale.txt"), "old").unwrap();
        write_results(&dir, &[("a.csv", b"x\n".to_vec())]).unwrap();
        assert_eq!(std::fs::read(dir.join("a.csv")).unwrap(), b"x\n");
        assert!(!dir.join("stale.txt").exists());
        let names: Vec<_> = std::fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")]);
    }

    #[test]
    fn write_file_replaces_whole_and_leaves_nothing_on_failure() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("grants.toml");
        std::fs::write(&path, "old").unwrap();
        write_file(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("grants.toml")]);
        let missing = root.path().join("no-such-dir/grants.toml");
        let e = write_file(&missing, b"x").unwrap_err();
        assert_eq!(e.path, missing);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn a_failed_write_leaves_the_previous_results() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("summary.csv"), "previous").unwrap();
        // A file name that is a directory path escaping upward cannot be created.
        let bad = write_results(&dir, &[("ok.csv", b"1".to_vec()), ("sub/\0bad", b"2".to_vec())]);
        assert!(bad.is_err());
        assert_eq!(std::fs::read_to_string(dir.join("summary.csv")).unwrap(), "previous");
        let names: Vec<_> = std::fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")]);
    }
}
