//! The files of a results directory (model.md §9) and the atomic write.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use fundscape_sim::input::read_bytes;
use fundscape_sim::stats::Stat;
use fundscape_sim::summary::SummaryRow;
use fundscape_sim::{Scenario, Summary};
use serde::{Deserialize, Serialize};

use crate::cell::csv_number;

/// A results directory (or one file) was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteResultsError {
    /// The directory holds files without fundscape's marker (bad input).
    #[error(
        "results directory `{}` holds files that fundscape did not write; choose another --out or empty it",
        dir.display()
    )]
    Foreign { dir: PathBuf },
    /// The path is a file, a link or a device (bad input).
    #[error("results directory `{}` {what}; choose another --out", dir.display())]
    NotADirectory { dir: PathBuf, what: &'static str },
    /// The file system failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl WriteResultsError {
    /// True when the fault is in what the user asked for (exit 2), false
    /// when the file system failed (exit 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Io { .. })
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io { path: path.to_path_buf(), source }
    }
}

fn stat_fields(s: &Stat) -> [String; 8] {
    [s.mean, s.sd, s.p05, s.p25, s.p50, s.p75, s.p95, s.mcse].map(csv_number)
}

pub(crate) fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
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

/// `gap.csv`: `region,year,metric,mean,sd,p05,p25,p50,p75,p95,mcse` with
/// metric `gap`: each year's need less capacity (new cases less the cases
/// capacity can serve, negative where capacity is the larger), taken run by
/// run, so its quantiles are the gap's own.
pub fn gap_csv(summary: &Summary) -> Vec<u8> {
    region_year_csv("metric", &summary.gap)
}

/// `regions.csv`: `id,name`, `all` (the total over regions) first, then the
/// regions in scenario order: the names behind the `region` column of
/// every other table.
pub fn regions_csv(scenario: &Scenario) -> Vec<u8> {
    let all = std::iter::once(vec!["all".to_string(), "All regions".to_string()]);
    csv_bytes(&["id", "name"], all.chain(scenario.regions.iter().map(|r| vec![r.id.clone(), r.name.clone()])))
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

/// `totals.csv`: `region,metric,mean,sd,p05,p25,p50,p75,p95,mcse`, flows
/// summed over the horizon (`demand`, `served`, `abandoned`, `post_years`,
/// `spend:<source>`), per region and `all`, with the statistics across runs.
pub fn totals_csv(summary: &Summary) -> Vec<u8> {
    csv_bytes(
        &["region", "metric", "mean", "sd", "p05", "p25", "p50", "p75", "p95", "mcse"],
        summary.totals.iter().map(|r| {
            let mut row = vec![r.region.clone(), r.metric.clone()];
            row.extend(stat_fields(&r.stat));
            row
        }),
    )
}

/// `exceedance.csv`: `region,level,probability`, the share of runs in which
/// more than `level` cases are abandoned over the horizon, at the 1st … 99th
/// percentiles of that total, per region and `all`.
pub fn exceedance_csv(summary: &Summary) -> Vec<u8> {
    csv_bytes(
        &["region", "level", "probability"],
        summary.exceedance.iter().map(|r| vec![r.region.clone(), csv_number(r.level), csv_number(r.probability)]),
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
    /// With `run --precision`: the target and what the runs reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionInfo>,
}

/// What `run --precision` aimed at and reached (the manifest's `runs` is
/// the number of runs done).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionInfo {
    /// The largest Monte Carlo error allowed, as a share of the mean.
    pub target: f64,
    /// The largest mcse / |mean| among the watched figures, after the runs done.
    pub reached: f64,
    /// That figure, `region,year,metric`.
    pub worst_figure: String,
    /// Whether the target was met before the ceiling.
    pub met: bool,
    /// The most runs allowed (`--runs`).
    pub ceiling: u64,
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
            precision: None,
        }
    }
}

pub fn manifest_json(manifest: &Manifest) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(manifest).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The file that marks a directory as a results directory written by
/// fundscape. `run` and `compare` replace an existing directory only when it
/// carries this file (or is empty), and `report` draws only such a directory.
pub const MARKER: &str = ".fundscape-results";

/// How the marker's text begins.
const MARKER_LINE: &str = "fundscape results directory";

/// How the names of temporary siblings continue after `.NAME.`.
const TEMP: &str = "fundscape-tmp-";

/// Test hooks (see ARCHITECTURE.md): a write pauses just before, or just
/// after, the step that puts a new directory in place.
const PAUSE_BEFORE_SWAP: &str = "FUNDSCAPE_TEST_PAUSE_BEFORE_SWAP";
const PAUSE_AFTER_SWAP: &str = "FUNDSCAPE_TEST_PAUSE_AFTER_SWAP";

fn marker_text() -> Vec<u8> {
    format!(
        "{MARKER_LINE}; written by fundscape {}\n\
         fundscape replaces this directory whole when it writes here again: keep your own files elsewhere\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

/// True when `dir` carries fundscape's marker: a regular file (not a link)
/// named [`MARKER`] whose text begins `fundscape results directory`.
pub fn has_marker(dir: &Path) -> bool {
    let path = dir.join(MARKER);
    let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
    regular && read_bytes(&path, 4096).is_ok_and(|b| b.starts_with(MARKER_LINE.as_bytes()))
}

/// Whether a results directory may be written at `dir`: it does not exist,
/// is an empty directory, or carries fundscape's [`MARKER`]. `run` and
/// `compare` call this before simulating; [`write_results`] calls it again.
///
/// # Errors
/// [`WriteResultsError::Foreign`] for a directory holding anything else and
/// [`WriteResultsError::NotADirectory`] for a file, link or device (both bad
/// input); `Io` when `dir` cannot be examined.
pub fn check_out_dir(dir: &Path) -> Result<(), WriteResultsError> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        // A folder on the way is a file (`--out notes.txt/results`).
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            let what = "is inside a file, not a folder (a part of the path before it is a file)";
            return Err(WriteResultsError::NotADirectory { dir: dir.to_path_buf(), what });
        }
        Err(e) => return Err(WriteResultsError::io(dir)(e)),
    };
    let what = if meta.file_type().is_symlink() {
        "is a symbolic link (fundscape does not write through links)"
    } else if meta.is_file() {
        "is a file"
    } else if !meta.is_dir() {
        "is not a directory (a device, pipe or socket)"
    } else if holds_working_directory(dir) {
        // Replaced whole, it would leave the shell in a folder that no
        // longer exists (`--out .`), or take the working folder with it.
        "is the current folder or holds it (write into a new folder inside it, such as results/NAME)"
    } else if has_marker(dir) || is_empty_dir(dir).map_err(WriteResultsError::io(dir))? {
        return Ok(());
    } else {
        return Err(WriteResultsError::Foreign { dir: dir.to_path_buf() });
    };
    Err(WriteResultsError::NotADirectory { dir: dir.to_path_buf(), what })
}

/// Whether `dir` is the working directory or a folder above it.
fn holds_working_directory(dir: &Path) -> bool {
    match (std::env::current_dir().and_then(|c| c.canonicalize()), dir.canonicalize()) {
        (Ok(cwd), Ok(dir)) => cwd.starts_with(dir),
        _ => false,
    }
}

fn is_empty_dir(dir: &Path) -> io::Result<bool> {
    match std::fs::read_dir(dir)?.next() {
        None => Ok(true),
        Some(Ok(_)) => Ok(false),
        Some(Err(e)) => Err(e),
    }
}

/// The directory a path is in (`.` for a bare file name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn last_name(path: &Path, default: &str) -> String {
    path.file_name().map_or_else(|| default.to_string(), |n| n.to_string_lossy().into_owned())
}

/// The `n`th name tried for a temporary sibling of `name`:
/// `.NAME.fundscape-tmp-PID`, then `.NAME.fundscape-tmp-PID-1`, and so on.
fn temp_name(name: &str, n: u32) -> String {
    let pid = std::process::id();
    if n == 0 {
        format!(".{name}.{TEMP}{pid}")
    } else {
        format!(".{name}.{TEMP}{pid}-{n}")
    }
}

/// Makes a new temporary sibling of `name` in `parent` with `make`, which
/// must fail with `AlreadyExists` rather than reuse or follow anything at the
/// path; names already taken (by a leftover, or a link someone planted) are
/// passed over.
fn create_temp<T>(parent: &Path, name: &str, make: impl Fn(&Path) -> io::Result<T>) -> io::Result<(PathBuf, T)> {
    let mut n = 0;
    loop {
        let path = parent.join(temp_name(name, n));
        match make(&path) {
            Ok(made) => return Ok((path, made)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 64 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Opens a new file for writing. Anything already at `path`, a symbolic link
/// included, makes it fail (`O_CREAT | O_EXCL`, and `O_NOFOLLOW` on Unix):
/// it never writes through a link.
fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

fn write_all_synced(mut file: File, bytes: &[u8]) -> io::Result<()> {
    file.write_all(bytes)?;
    file.sync_all()
}

/// Writes a new file (as [`create_new`]) and syncs it.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_all_synced(create_new(path)?, bytes)
}

/// Flushes a directory's entries to disk, where the system allows it.
fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Writes one file atomically: into a new temporary sibling first (created
/// new, never through a link left there), then renamed over `path`, so
/// `path` holds the old bytes or the new ones, never part.
///
/// # Errors
/// Any I/O failure; `path` is then left as it was and no sibling remains.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteResultsError> {
    let (tmp, file) =
        create_temp(&parent_of(path), &last_name(path, "out"), create_new).map_err(WriteResultsError::io(path))?;
    let result = write_all_synced(file, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(WriteResultsError::io(path))
}

/// Where a directory being replaced is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A results directory, among the user's files: checked before it is
    /// replaced, staged with the marker; its old contents, and leftovers
    /// beside it, are removed only when they carry the marker (or are empty).
    Results,
    /// A directory inside a results directory (`charts/`), where everything
    /// is fundscape's.
    InResults,
}

/// Writes `files` (name, bytes) as the whole of the results directory `dir`
/// and marks it as fundscape's ([`MARKER`]). The files go into a new hidden
/// sibling, `.NAME.fundscape-tmp-PID`, which is then exchanged with `dir` in
/// one step (Linux `renameat2` with `RENAME_EXCHANGE`; `RENAME_NOREPLACE`
/// when `dir` does not exist), so `dir` is whole, old or new, at every
/// instant; the old contents are then removed. Leftover siblings of killed
/// runs that carry the marker are removed first.
///
/// # Errors
/// A refusal as [`check_out_dir`] (bad input), or any I/O failure; `dir` is
/// then left as it was.
pub fn write_results(dir: &Path, files: &[(impl AsRef<str>, impl AsRef<[u8]>)]) -> Result<(), WriteResultsError> {
    replace_dir(dir, files, Place::Results)
}

/// Writes what `fundscape report` draws into the results directory `dir`
/// (already read, so known to carry the marker): `charts/` replaced whole as
/// in [`write_results`], every other file (`report.html`) by
/// [`write_file`]. Nothing else in `dir` is touched.
///
/// # Errors
/// Any I/O failure.
pub fn write_report(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), WriteResultsError> {
    let charts: Vec<(&str, &[u8])> =
        files.iter().filter_map(|(name, bytes)| Some((name.strip_prefix("charts/")?, bytes.as_slice()))).collect();
    replace_dir(&dir.join("charts"), &charts, Place::InResults)?;
    for (name, bytes) in files.iter().filter(|(name, _)| !name.starts_with("charts/")) {
        remove_leftovers(dir, name, Place::InResults);
        write_file(&dir.join(name), bytes)?;
    }
    Ok(())
}

fn replace_dir(
    dir: &Path,
    files: &[(impl AsRef<str>, impl AsRef<[u8]>)],
    place: Place,
) -> Result<(), WriteResultsError> {
    // `.` and `..` have no last name to rename: use the directory's own.
    let dir = &match dir.file_name() {
        Some(_) => dir.to_path_buf(),
        None => std::fs::canonicalize(dir).map_err(WriteResultsError::io(dir))?,
    };
    if place == Place::Results {
        check_out_dir(dir)?;
    }
    let parent = parent_of(dir);
    std::fs::create_dir_all(&parent).map_err(WriteResultsError::io(&parent))?;
    let name = last_name(dir, "results");
    remove_leftovers(&parent, &name, place);
    let (tmp, ()) = create_temp(&parent, &name, |p| std::fs::create_dir(p)).map_err(WriteResultsError::io(dir))?;
    let result = stage(&tmp, dir, files, place).and_then(|()| {
        pause_for_test(PAUSE_BEFORE_SWAP);
        swap(&tmp, dir, place)
    });
    if result.is_err() {
        // Our staging; or, if the directory changed under the swap and could
        // not be put back, what was there, which `remove_if_ours` keeps.
        remove_if_ours(&tmp, place);
    }
    result
}

/// Writes the marker (first, so that even a part-written staging directory
/// is recognised as fundscape's) and `files` into the new directory `tmp`.
fn stage(
    tmp: &Path,
    dir: &Path,
    files: &[(impl AsRef<str>, impl AsRef<[u8]>)],
    place: Place,
) -> Result<(), WriteResultsError> {
    if place == Place::Results {
        write_new(&tmp.join(MARKER), &marker_text()).map_err(WriteResultsError::io(&dir.join(MARKER)))?;
    }
    let mut dirs = vec![tmp.to_path_buf()];
    for (file, bytes) in files {
        let (path, shown) = (tmp.join(file.as_ref()), dir.join(file.as_ref()));
        if let Some(p) = path.parent().filter(|p| !dirs.iter().any(|d| d == p)) {
            std::fs::create_dir_all(p).map_err(WriteResultsError::io(&shown))?;
            dirs.push(p.to_path_buf());
        }
        write_new(&path, bytes.as_ref()).map_err(WriteResultsError::io(&shown))?;
    }
    dirs.iter().rev().for_each(|d| sync_dir(d));
    Ok(())
}

/// Puts the staged directory `tmp` in the place of `dir`, in one step where
/// the system has one, and removes the old contents.
fn swap(tmp: &Path, dir: &Path, place: Place) -> Result<(), WriteResultsError> {
    let mut last = None;
    for _ in 0..3 {
        let exists = std::fs::symlink_metadata(dir).is_ok();
        let step = if exists { exchange(tmp, dir) } else { rename_noreplace(tmp, dir) };
        match step {
            Ok(()) => {
                sync_dir(&parent_of(dir));
                if exists {
                    pause_for_test(PAUSE_AFTER_SWAP);
                    return discard_exchanged(tmp, dir, place);
                }
                return Ok(());
            }
            Err(e) if is_unsupported(&e) => return swap_by_two_renames(tmp, dir, place),
            // Made or removed by someone else since it was looked at: look again.
            Err(e) if matches!(e.kind(), io::ErrorKind::AlreadyExists | io::ErrorKind::NotFound) => {
                if place == Place::Results {
                    check_out_dir(dir)?;
                }
                last = Some(e);
            }
            Err(e) => return Err(WriteResultsError::io(dir)(e)),
        }
    }
    Err(WriteResultsError::io(dir)(last.unwrap_or_else(|| io::Error::other("it kept changing while it was replaced"))))
}

/// True for what may be removed once replaced: anything inside a results
/// directory; elsewhere, a real directory carrying the marker.
fn is_ours(path: &Path, place: Place) -> bool {
    place == Place::InResults || (std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) && has_marker(path))
}

/// Removes `path` whatever it is (a link itself, never what it points to).
fn remove_any(path: &Path) {
    let _ = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        _ => std::fs::remove_file(path),
    };
}

/// Removes `path` if it is fundscape's ([`is_ours`]) or an empty directory
/// (`remove_dir` removes nothing else, neither a link nor a file).
fn remove_if_ours(path: &Path, place: Place) {
    if is_ours(path, place) {
        remove_any(path);
    } else {
        let _ = std::fs::remove_dir(path);
    }
}

/// After the exchange, the old contents of `dir` are at `old`: removed if
/// fundscape's or empty. Anything else got there after the check: it is put
/// back, and the write refused.
fn discard_exchanged(old: &Path, dir: &Path, place: Place) -> Result<(), WriteResultsError> {
    if is_ours(old, place) {
        remove_any(old);
        return Ok(());
    }
    // `remove_dir` removes only an empty directory, never a link or a file.
    if std::fs::remove_dir(old).is_ok() {
        return Ok(());
    }
    match exchange(old, dir) {
        // `old` holds the staging again, which the caller removes.
        Ok(()) => Err(WriteResultsError::Foreign { dir: dir.to_path_buf() }),
        Err(e) => Err(WriteResultsError::Io {
            path: dir.to_path_buf(),
            source: io::Error::other(format!(
                "its contents changed while it was replaced and are kept in {} ({e})",
                old.display()
            )),
        }),
    }
}

/// Where the system has no atomic exchange (not Linux, or a file system
/// without it): `dir` is renamed aside to `.NAME.fundscape-old-PID`, the
/// staged directory renamed in, and the old one removed. A kill between the
/// two renames leaves `dir` missing and the previous contents in that
/// sibling, which is never removed automatically.
fn swap_by_two_renames(tmp: &Path, dir: &Path, place: Place) -> Result<(), WriteResultsError> {
    if std::fs::symlink_metadata(dir).is_err() {
        return std::fs::rename(tmp, dir).map_err(WriteResultsError::io(dir));
    }
    let old = parent_of(dir).join(format!(".{}.fundscape-old-{}", last_name(dir, "results"), std::process::id()));
    std::fs::rename(dir, &old).map_err(WriteResultsError::io(dir))?;
    if let Err(e) = std::fs::rename(tmp, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(WriteResultsError::io(dir)(e));
    }
    pause_for_test(PAUSE_AFTER_SWAP);
    remove_if_ours(&old, place);
    Ok(())
}

/// Removes what killed processes left beside `name` in `parent`: entries
/// named `.NAME.fundscape-tmp-PID` (or `-PID-N`) of a process that is no
/// longer running, when they are fundscape's ([`is_ours`]) or an empty
/// directory. Anything else (a user's folder that happens to be named so)
/// is left alone.
fn remove_leftovers(parent: &Path, name: &str, place: Place) {
    let digits = |s: &str| -> Option<u32> { s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse().ok())? };
    let prefix = format!(".{name}.{TEMP}");
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|f| f.strip_prefix(&prefix)) else { continue };
        let (pid, n) = rest.split_once('-').map_or((rest, None), |(p, n)| (p, Some(n)));
        let Some(pid) = digits(pid) else { continue };
        if n.is_some_and(|n| digits(n).is_none()) || pid == std::process::id() || process_alive(pid) {
            continue;
        }
        remove_if_ours(&entry.path(), place);
    }
}

/// Whether process `pid` is running (or cannot be told: then true, so that
/// nothing of a live process is removed).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    match libc::pid_t::try_from(pid) {
        Ok(pid) if pid > 0 => {
            // SAFETY: signal 0 sends nothing; it only asks whether `pid` exists.
            let sent = unsafe { libc::kill(pid, 0) } == 0;
            sent || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
        }
        Ok(_) => true,
        Err(_) => false,
    }
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let from = std::ffi::CString::new(from.as_os_str().as_bytes())?;
    let to = std::ffi::CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both are NUL-terminated strings that outlive the call.
    let r = unsafe { libc::renameat2(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), flags) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Exchanges `a` and `b` in one step.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    return renameat2(a, b, libc::RENAME_EXCHANGE);
    #[cfg(not(target_os = "linux"))]
    return Err(io::Error::from(io::ErrorKind::Unsupported));
}

/// Renames `from` to `to`, failing if `to` exists.
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    return renameat2(from, to, libc::RENAME_NOREPLACE);
    #[cfg(not(target_os = "linux"))]
    return Err(io::Error::from(io::ErrorKind::Unsupported));
}

/// The system or file system has no `renameat2` or not this flag.
fn is_unsupported(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)) {
        return true;
    }
    e.kind() == io::ErrorKind::Unsupported
}

/// The test hook named by `var`: when set to a path, creates that file and
/// waits until it is removed (or the process killed).
fn pause_for_test(var: &str) {
    let Some(path) = std::env::var_os(var).map(PathBuf::from) else { return };
    if std::fs::write(&path, b"").is_ok() {
        while path.exists() {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_a_results_directory_whole_and_leaves_no_staging_behind() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        write_results(&dir, &[("stale.csv", b"old\n".to_vec()), ("charts/a.svg", b"<svg/>".to_vec())]).unwrap();
        write_results(&dir, &[("a.csv", b"x\n".to_vec())]).unwrap();
        assert_eq!(std::fs::read(dir.join("a.csv")).unwrap(), b"x\n");
        assert_eq!(names(&dir), [MARKER, "a.csv"]);
        assert!(has_marker(&dir));
        assert_eq!(names(root.path()), ["out"]);
    }

    #[test]
    fn a_directory_without_the_marker_is_refused_and_untouched() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("mine");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let e = write_results(&dir, &[("a.csv", b"x\n".to_vec())]).unwrap_err();
        assert!(e.is_bad_input());
        assert_eq!(
            e.to_string(),
            format!(
                "results directory `{}` holds files that fundscape did not write; choose another --out or empty it",
                dir.display()
            )
        );
        assert_eq!(names(&dir), ["notes.txt"]);
        assert_eq!(names(root.path()), ["mine"]);
        // A marker that is a link, or says something else, is no marker.
        #[cfg(unix)]
        {
            let other = root.path().join("other-marker");
            std::fs::write(&other, marker_text()).unwrap();
            std::os::unix::fs::symlink(&other, dir.join(MARKER)).unwrap();
            assert!(!has_marker(&dir));
            std::fs::remove_file(dir.join(MARKER)).unwrap();
        }
        std::fs::write(dir.join(MARKER), "my own notes").unwrap();
        assert!(matches!(check_out_dir(&dir), Err(WriteResultsError::Foreign { .. })));
    }

    #[test]
    fn write_file_replaces_whole_and_leaves_nothing_on_failure() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("grants.toml");
        std::fs::write(&path, "old").unwrap();
        write_file(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(names(root.path()), ["grants.toml"]);
        let missing = root.path().join("no-such-dir/grants.toml");
        let e = write_file(&missing, b"x").unwrap_err();
        assert!(matches!(&e, WriteResultsError::Io { path, .. } if *path == missing), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    /// Links planted at the temporary names a writer of this version, or of
    /// an earlier one (`.NAME.tmp-PID`), tries first are never written
    /// through: the victim keeps its bytes.
    #[cfg(unix)]
    #[test]
    fn planted_links_at_temporary_names_are_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let victim = root.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let pid = std::process::id();
        for name in ["grants.toml", "out"] {
            for planted in [format!(".{name}.tmp-{pid}"), temp_name(name, 0)] {
                std::os::unix::fs::symlink(&victim, root.path().join(planted)).unwrap();
            }
        }
        write_file(&root.path().join("grants.toml"), b"new").unwrap();
        write_results(&root.path().join("out"), &[("a.csv", b"x\n".to_vec())]).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read(root.path().join("grants.toml")).unwrap(), b"new");
        assert_eq!(std::fs::read(root.path().join("out/a.csv")).unwrap(), b"x\n");
    }

    /// Files that appear in DIR between the check and the exchange are put
    /// back in DIR, not removed.
    #[cfg(target_os = "linux")]
    #[test]
    fn what_appeared_after_the_check_is_exchanged_back() {
        let root = tempfile::tempdir().unwrap();
        let (dir, old) = (root.path().join("out"), root.path().join(temp_name("out", 0)));
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(MARKER), marker_text()).unwrap();
        // As just after the exchange: the user's files at the staging name.
        std::fs::create_dir(&old).unwrap();
        std::fs::write(old.join("notes.txt"), "mine").unwrap();
        let e = discard_exchanged(&old, &dir, Place::Results).unwrap_err();
        assert!(matches!(e, WriteResultsError::Foreign { .. }), "{e}");
        assert_eq!(names(&dir), ["notes.txt"]);
        assert!(has_marker(&old));
    }

    #[test]
    fn a_failed_write_leaves_the_previous_results() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        write_results(&dir, &[("summary.csv", b"previous".to_vec())]).unwrap();
        // A file name holding a NUL byte cannot be created.
        let bad = write_results(&dir, &[("ok.csv", b"1".to_vec()), ("sub/\0bad", b"2".to_vec())]);
        assert!(bad.is_err_and(|e| !e.is_bad_input()));
        assert_eq!(std::fs::read_to_string(dir.join("summary.csv")).unwrap(), "previous");
        assert_eq!(names(root.path()), ["out"]);
    }
}
