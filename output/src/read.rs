//! Reading a results directory back: the CSV files and the manifest become a
//! [`Results`], from which the charts and the report are drawn. `run` draws
//! them from the bytes it is about to write, through the same parser, so a
//! later `fundscape report DIR` gives the same bytes.
//!
//! A results directory is user input here: it is read only when it carries
//! fundscape's marker, its files only when they are regular files of at most
//! [`MAX_INPUT_BYTES`], and every fault is a [`ReadResultsError`] naming the
//! file and line, never a panic.

use std::path::{Path, PathBuf};

use fundscape_sim::input::{read_bytes, ReadInputError, MAX_INPUT_BYTES};
use fundscape_sim::scenario::YearMonth;
use fundscape_sim::stats::Stat;
use fundscape_sim::summary::{ExceedanceRow, SummaryRow, SurvivalRow, TotalRow};
use fundscape_sim::Summary;

use crate::files::{has_marker, Manifest, MARKER};

/// Why a results directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadResultsError {
    /// The directory is missing or holds no results (bad input).
    #[error("{}: {message}", dir.display())]
    NotResults { dir: PathBuf, message: String },
    /// A file is there but is not what `fundscape run` writes (bad input).
    #[error("{}: {message}", path.display())]
    Malformed { path: PathBuf, message: String },
    /// The file system failed (not the user's input).
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ReadResultsError {
    /// True when the fault is in what the user gave (exit 2), false for an
    /// I/O failure (exit 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Io { .. })
    }
}

/// A file fetched by name: its bytes, `None` when it is missing, or why it
/// could not be read.
pub type Fetched = Result<Option<Vec<u8>>, ReadInputError>;

/// Everything the charts and the report are drawn from.
#[derive(Debug, Clone)]
pub struct Results {
    pub manifest: Manifest,
    pub summary: Summary,
    /// First month of the horizon.
    pub start: YearMonth,
    /// The copies of the scenario files, base first: (path as read, text).
    pub scenario_files: Vec<(String, String)>,
}

const SUMMARY_HEADER: [&str; 11] =
    ["region", "year", "metric", "mean", "sd", "p05", "p25", "p50", "p75", "p95", "mcse"];
const BY_SOURCE_HEADER: [&str; 11] =
    ["region", "year", "source", "mean", "sd", "p05", "p25", "p50", "p75", "p95", "mcse"];
const TOTALS_HEADER: [&str; 10] = ["region", "metric", "mean", "sd", "p05", "p25", "p50", "p75", "p95", "mcse"];
const EXCEEDANCE_HEADER: [&str; 3] = ["region", "level", "probability"];
const SURVIVAL_HEADER: [&str; 10] =
    ["months_after_first_end", "mean", "sd", "p05", "p25", "p50", "p75", "p95", "mcse", "posts_followed"];

/// Fetches a file of a results directory by name: its bytes, `None` when
/// it is missing, or why it could not be read.
pub type Get<'a> = dyn Fn(&str) -> Fetched + 'a;

/// The text of file `name` of `dir`, fetched with `get`.
pub(crate) fn fetch_text(dir: &Path, name: &str, get: &Get<'_>) -> Result<(PathBuf, String), ReadResultsError> {
    text_of(dir.join(name), get(name))
}

/// The text of file `name` of `dir` if it is there (a table added after
/// results of earlier versions were written), fetched with `get` once.
fn fetch_optional_text(dir: &Path, name: &str, get: &Get<'_>) -> Result<Option<(PathBuf, String)>, ReadResultsError> {
    match get(name) {
        Ok(None) | Err(ReadInputError::NotFound) => Ok(None),
        fetched => text_of(dir.join(name), fetched).map(Some),
    }
}

/// The text of the file at `path` from what fetching it gave, or why it is
/// unusable.
fn text_of(path: PathBuf, fetched: Fetched) -> Result<(PathBuf, String), ReadResultsError> {
    let damaged = "the results directory is damaged (run the scenario again)";
    let message = match fetched {
        Ok(Some(bytes)) => match String::from_utf8(bytes) {
            Ok(text) => return Ok((path, text)),
            Err(_) => "is not UTF-8 text".to_string(),
        },
        Ok(None) | Err(ReadInputError::NotFound) => {
            "is missing; the results directory is incomplete (run the scenario again)".to_string()
        }
        Err(ReadInputError::NotUtf8) => "is not UTF-8 text".to_string(),
        Err(ReadInputError::NotRegular) => format!("is not a regular file (a directory, device or pipe); {damaged}"),
        Err(e @ ReadInputError::TooLarge { .. }) => format!("is {e}; {damaged}"),
        Err(ReadInputError::PermissionDenied) => {
            "cannot be read (permission denied); make it readable or run the scenario again".to_string()
        }
        Err(ReadInputError::Other(message)) => {
            return Err(ReadResultsError::Io { path, source: std::io::Error::other(message) })
        }
    };
    Err(ReadResultsError::Malformed { path, message })
}

/// Reads file `name` of `dir` from disk: only a regular file of at most
/// [`MAX_INPUT_BYTES`] (`None` when it is missing).
pub(crate) fn from_disk(dir: &Path) -> impl Fn(&str) -> Fetched + '_ {
    move |name| match read_bytes(&dir.join(name), MAX_INPUT_BYTES) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(ReadInputError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Results {
    /// Reads the results directory `dir` written by `fundscape run`.
    ///
    /// # Errors
    /// A missing directory, one without fundscape's marker, a comparison, a
    /// missing or malformed file, or an I/O failure.
    pub fn read_dir(dir: &Path) -> Result<Self, ReadResultsError> {
        if !dir.is_dir() {
            let message = if dir.exists() { "is not a directory" } else { "no such directory" };
            return Err(ReadResultsError::NotResults { dir: dir.to_path_buf(), message: message.into() });
        }
        if !has_marker(dir) {
            return Err(ReadResultsError::NotResults {
                dir: dir.to_path_buf(),
                message: format!(
                    "not a results directory (fundscape marks each one with a {MARKER} file); write one with `fundscape run SCENARIO --out DIR`"
                ),
            });
        }
        Self::parse(dir, &from_disk(dir))
    }

    /// Builds the results from files fetched by name with `get` (`None`: the
    /// file is missing). `dir` is only used to name files in messages.
    ///
    /// # Errors
    /// As [`Results::read_dir`].
    pub fn parse(dir: &Path, get: &Get<'_>) -> Result<Self, ReadResultsError> {
        let fetch = |name: &str| fetch_text(dir, name, get);
        let (path, text) = fetch("manifest.json")?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            // A comparison's directory given where a run's is wanted: say so.
            let comparison = serde_json::from_str::<serde_json::Value>(&text)
                .is_ok_and(|v| v.get("base").is_some() && v.get("alts").is_some());
            ReadResultsError::Malformed {
                path: path.clone(),
                message: if comparison {
                    "this is a comparison's results directory (fundscape compare), not a run's; give the directory \
                     `fundscape run` wrote (and a comparison with --compare, where the command takes one)"
                        .to_string()
                } else {
                    format!("not a manifest written by this version of fundscape: {e}; run the scenario again")
                },
            }
        })?;
        let start = YearMonth::parse(&manifest.start).ok_or_else(|| ReadResultsError::Malformed {
            path: path.clone(),
            message: format!("`start` is `{}`, not a month written as \"YYYY-MM\"", manifest.start),
        })?;

        let (path, text) = fetch("summary.csv")?;
        let rows = summary_rows(&path, &text, &SUMMARY_HEADER)?;
        let (path, text) = fetch("posts_by_source.csv")?;
        let posts_by_source = summary_rows(&path, &text, &BY_SOURCE_HEADER)?;
        // gap.csv came after the other tables: results written before it
        // read without it (and `gap` is empty).
        let gap = match fetch_optional_text(dir, "gap.csv", get)? {
            Some((path, text)) => summary_rows(&path, &text, &SUMMARY_HEADER)?,
            None => Vec::new(),
        };
        let (path, text) = fetch("survival.csv")?;
        let survival = survival_rows(&path, &text)?;
        let (path, text) = fetch("totals.csv")?;
        let totals = total_rows(&path, &text)?;
        let (path, text) = fetch("exceedance.csv")?;
        let exceedance = exceedance_rows(&path, &text)?;

        let mut regions: Vec<String> = Vec::new();
        let mut years: Vec<i32> = Vec::new();
        for r in &rows {
            if r.region != "all" && !regions.contains(&r.region) {
                regions.push(r.region.clone());
            }
            if !years.contains(&r.year) {
                years.push(r.year);
            }
        }
        years.sort_unstable();
        if years.is_empty() {
            return Err(ReadResultsError::Malformed {
                path: dir.join("summary.csv"),
                message: "has no rows; run the scenario again".into(),
            });
        }
        let mut scenario_files = Vec::new();
        for f in &manifest.scenario_files {
            if f.copy.contains('/') || f.copy.contains('\\') || f.copy.starts_with('.') {
                return Err(ReadResultsError::Malformed {
                    path: dir.join("manifest.json"),
                    message: format!("scenario copy `{}` is not a plain file name", f.copy),
                });
            }
            let (_, text) = fetch(&f.copy)?;
            scenario_files.push((f.file.clone(), text));
        }
        let summary = Summary {
            scenario_name: manifest.scenario_name.clone(),
            scenario_hash: manifest.scenario_hash.clone(),
            seed: manifest.seed,
            runs: manifest.runs,
            threads: manifest.threads,
            regions,
            years,
            rows,
            posts_by_source,
            gap,
            survival,
            totals,
            exceedance,
            warnings: manifest.warnings.clone(),
        };
        Ok(Self { manifest, summary, start, scenario_files })
    }

    /// The display name of a region id (`all` is "All regions").
    pub fn region_name(&self, id: &str) -> String {
        region_name(&self.manifest.regions, id)
    }

    /// How a model year is named for people (see [`year_name`]).
    pub fn year_name(&self, label: i32) -> String {
        year_name(self.start.month(), label)
    }

    /// A figure of `summary.csv`, if reported.
    pub fn get(&self, region: &str, year: i32, metric: &str) -> Option<&Stat> {
        self.summary.get(region, year, metric)
    }
}

/// The display name of region `id` among `regions` (`all` is "All regions";
/// an id not listed is shown as it is).
pub(crate) fn region_name(regions: &[crate::files::RegionName], id: &str) -> String {
    if id == "all" {
        return "All regions".into();
    }
    regions.iter().find(|r| r.id == id).map_or_else(|| id.to_string(), |r| r.name.clone())
}

/// How a model year is named for people: `2025-26` for a year starting in
/// April 2025, `2025` for one starting in January.
pub fn year_name(start_month: u32, label: i32) -> String {
    if start_month == 1 {
        label.to_string()
    } else {
        format!("{label}-{:02}", (label + 1).rem_euclid(100))
    }
}

pub(crate) fn malformed(path: &Path, line: u64, message: impl std::fmt::Display) -> ReadResultsError {
    ReadResultsError::Malformed { path: path.to_path_buf(), message: format!("line {line}: {message}") }
}

/// Reads the CSV `text`, checking its header, and returns its records with
/// their line numbers.
pub(crate) fn records(
    path: &Path,
    text: &str,
    header: &[&str],
) -> Result<Vec<(u64, csv::StringRecord)>, ReadResultsError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let got = reader.headers().map_err(|e| malformed(path, 1, e))?.clone();
    if got.iter().ne(header.iter().copied()) {
        return Err(malformed(path, 1, format!("the header must be `{}`", header.join(","))));
    }
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            malformed(path, line, e)
        })?;
        let line = rec.position().map_or(0, csv::Position::line);
        if rec.len() != header.len() {
            return Err(malformed(path, line, format!("{} fields, expected {}", rec.len(), header.len())));
        }
        out.push((line, rec));
    }
    Ok(out)
}

pub(crate) fn number<T: std::str::FromStr>(
    path: &Path,
    line: u64,
    column: &str,
    field: &str,
) -> Result<T, ReadResultsError> {
    // Results hold finite numbers only: `inf`, `NaN` or `1e400` are damage
    // (and would send a chart's axis or a sentence's rounding astray).
    if field.trim().parse::<f64>().is_ok_and(|x| !x.is_finite()) {
        return Err(malformed(path, line, format!("`{column}` is `{field}`, not a finite number")));
    }
    field.parse().map_err(|_| malformed(path, line, format!("`{column}` is `{field}`, not a number")))
}

fn stat(path: &Path, line: u64, rec: &csv::StringRecord, first: usize) -> Result<Stat, ReadResultsError> {
    let names = ["mean", "sd", "p05", "p25", "p50", "p75", "p95", "mcse"];
    let mut v = [0.0_f64; 8];
    for (i, name) in names.iter().enumerate() {
        v[i] = number(path, line, name, rec.get(first + i).unwrap_or_default())?;
    }
    let [mean, sd, p05, p25, p50, p75, p95, mcse] = v;
    Ok(Stat { mean, sd, p05, p25, p50, p75, p95, mcse })
}

fn summary_rows(path: &Path, text: &str, header: &[&str]) -> Result<Vec<SummaryRow>, ReadResultsError> {
    records(path, text, header)?
        .into_iter()
        .map(|(line, rec)| {
            Ok(SummaryRow {
                region: rec.get(0).unwrap_or_default().to_string(),
                year: number(path, line, "year", rec.get(1).unwrap_or_default())?,
                metric: rec.get(2).unwrap_or_default().to_string(),
                stat: stat(path, line, &rec, 3)?,
            })
        })
        .collect()
}

fn survival_rows(path: &Path, text: &str) -> Result<Vec<SurvivalRow>, ReadResultsError> {
    records(path, text, &SURVIVAL_HEADER)?
        .into_iter()
        .map(|(line, rec)| {
            Ok(SurvivalRow {
                months_after_first_end: number(path, line, "months_after_first_end", rec.get(0).unwrap_or_default())?,
                stat: stat(path, line, &rec, 1)?,
                posts_followed: number(path, line, "posts_followed", rec.get(9).unwrap_or_default())?,
            })
        })
        .collect()
}

fn total_rows(path: &Path, text: &str) -> Result<Vec<TotalRow>, ReadResultsError> {
    records(path, text, &TOTALS_HEADER)?
        .into_iter()
        .map(|(line, rec)| {
            Ok(TotalRow {
                region: rec.get(0).unwrap_or_default().to_string(),
                metric: rec.get(1).unwrap_or_default().to_string(),
                stat: stat(path, line, &rec, 2)?,
            })
        })
        .collect()
}

fn exceedance_rows(path: &Path, text: &str) -> Result<Vec<ExceedanceRow>, ReadResultsError> {
    records(path, text, &EXCEEDANCE_HEADER)?
        .into_iter()
        .map(|(line, rec)| {
            let probability: f64 = number(path, line, "probability", rec.get(2).unwrap_or_default())?;
            if !(0.0..=1.0).contains(&probability) {
                return Err(malformed(path, line, format!("`probability` is {probability}, not between 0 and 1")));
            }
            Ok(ExceedanceRow {
                region: rec.get(0).unwrap_or_default().to_string(),
                level: number(path, line, "level", rec.get(1).unwrap_or_default())?,
                probability,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files<'a>(
        overrides: &'a [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Result<Option<Vec<u8>>, ReadInputError> + 'a {
        move |name| {
            let base: &[(&str, &str)] = &[
                (
                    "manifest.json",
                    r#"{"program":"fundscape","version":"0","scenario_name":"t","scenario_file":"t.toml",
                    "scenario_hash":"h","seed":1,"runs":2,"threads":1,"wall_time_seconds":0.1,
                    "quantile_relative_error":0.004,"warnings":[],"start":"2025-04","years":1,
                    "regions":[{"id":"wales","name":"Wales"}],"grant_posts":3,
                    "scenario_files":[{"file":"t.toml","copy":"scenario.toml"}]}"#,
                ),
                ("summary.csv", "region,year,metric,mean,sd,p05,p25,p50,p75,p95,mcse\nall,2025,demand,1,0,1,1,1,1,1,0\nwales,2025,demand,1,0,1,1,1,1,1,0\n"),
                ("posts_by_source.csv", "region,year,source,mean,sd,p05,p25,p50,p75,p95,mcse\n"),
                ("survival.csv", "months_after_first_end,mean,sd,p05,p25,p50,p75,p95,mcse,posts_followed\n0,0.5,0,0.5,0.5,0.5,0.5,0.5,0,2\n"),
                ("totals.csv", "region,metric,mean,sd,p05,p25,p50,p75,p95,mcse\nall,demand,12,0,12,12,12,12,12,0\n"),
                ("exceedance.csv", "region,level,probability\nall,3,0.5\n"),
                ("scenario.toml", "[scenario]\n"),
            ];
            let text = overrides.iter().chain(base).find(|(n, _)| *n == name).map(|(_, t)| t.as_bytes().to_vec());
            Ok(text.filter(|t| !t.is_empty()))
        }
    }

    #[test]
    fn a_complete_directory_reads_back() {
        let r = Results::parse(Path::new("d"), &files(&[])).unwrap();
        assert_eq!(r.summary.regions, vec!["wales".to_string()]);
        assert_eq!(r.summary.years, vec![2025]);
        assert_eq!(r.summary.survival[0].stat.p50, 0.5);
        assert_eq!(r.region_name("wales"), "Wales");
        assert_eq!(r.year_name(2025), "2025-26");
        assert_eq!(r.scenario_files, vec![("t.toml".to_string(), "[scenario]\n".to_string())]);
    }

    #[test]
    fn malformed_files_are_named_with_their_line() {
        let cases: [(&[(&'static str, &'static str)], &str); 5] = [
            (
                &[("survival.csv", "")],
                "d/survival.csv: is missing; the results directory is incomplete (run the scenario again)",
            ),
            (
                &[(
                    "summary.csv",
                    "region,year,metric,mean,sd,p05,p25,p50,p75,p95,mcse\nall,2025,demand,x,0,1,1,1,1,1,0\n",
                )],
                "d/summary.csv: line 2: `mean` is `x`, not a number",
            ),
            (
                &[("summary.csv", "a,b\n")],
                "d/summary.csv: line 1: the header must be `region,year,metric,mean,sd,p05,p25,p50,p75,p95,mcse`",
            ),
            (
                &[("summary.csv", "region,year,metric,mean,sd,p05,p25,p50,p75,p95,mcse\n")],
                "d/summary.csv: has no rows; run the scenario again",
            ),
            (
                &[("scenario.toml", "")],
                "d/scenario.toml: is missing; the results directory is incomplete (run the scenario again)",
            ),
        ];
        for (overrides, message) in cases {
            let e = Results::parse(Path::new("d"), &files(overrides)).unwrap_err();
            assert!(e.is_bad_input());
            assert_eq!(e.to_string(), message);
        }
        let e = Results::parse(Path::new("d"), &files(&[("manifest.json", "{}")])).unwrap_err();
        assert!(e.to_string().starts_with("d/manifest.json: not a manifest written by this version"), "{e}");
    }

    #[test]
    fn only_a_failing_file_system_is_not_bad_input() {
        let failing = |_: &str| Err(ReadInputError::Other("input/output error".into()));
        let e = Results::parse(Path::new("d"), &failing).unwrap_err();
        assert!(!e.is_bad_input());
        assert_eq!(e.to_string(), "cannot read d/manifest.json: input/output error");
    }

    #[test]
    fn year_names_follow_the_start_month() {
        assert_eq!(year_name(4, 2025), "2025-26");
        assert_eq!(year_name(4, 2099), "2099-00");
        assert_eq!(year_name(1, 2025), "2025");
    }
}
