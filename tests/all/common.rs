//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fundscape_sim::model::{MonthRow, Plan};
use fundscape_sim::{load_str, run, RunConfig, Scenario, Summary};

/// Loads a scenario from text (as if it were `tests/data/inline.toml`).
pub fn scenario(text: &str) -> Scenario {
    match load_str(Path::new("tests/data/inline.toml"), text) {
        Ok(s) => s,
        Err(e) => panic!("test scenario must load: {e}"),
    }
}

/// Runs a scenario through the Monte Carlo driver.
pub fn summarise(text: &str, runs: u64, seed: u64) -> Summary {
    run(&scenario(text), &RunConfig { runs, seed, threads: 0 }, &|_| {})
}

/// Every region-month of runs `0..runs`, one trace per run.
pub fn traces(s: &Scenario, runs: u64, seed: u64) -> Vec<Vec<MonthRow>> {
    let plan = Plan::new(s);
    let mut record = plan.new_record();
    (0..runs)
        .map(|i| {
            let mut trace = Vec::new();
            plan.simulate(seed, i, &mut record, Some(&mut trace));
            trace
        })
        .collect()
}

/// Sample mean and its standard error.
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts `|mean − expected| ≤ k·se`, with a small absolute floor for
/// quantities that have no variance.
pub fn assert_within(what: &str, mean: f64, se: f64, expected: f64, k: f64) {
    let tolerance = k * se + 1e-9 * (1.0 + expected.abs());
    assert!(
        (mean - expected).abs() <= tolerance,
        "{what}: mean {mean} is not within {k} standard errors ({se}) of {expected}"
    );
}

/// The `fundscape` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fundscape"))
}

/// A file of `tests/data/`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// A process's status and output, for assertion messages.
pub fn show(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `fundscape ARGS` in `dir` and asserts that it succeeded.
pub fn run_ok(args: &[&str], dir: &Path) -> Output {
    let out = bin().args(args).current_dir(dir).output().unwrap_or_else(|e| panic!("cannot start fundscape: {e}"));
    assert!(out.status.success(), "{}", show(&out));
    out
}

/// Every `.toml` file under `dir`, sorted.
pub fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "toml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// The `chromium` binary, if installed (the browser tests of the report and the live page).
pub fn chromium() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join("chromium")).find(|p| p.is_file())
}
