//! The figures README.md quotes are what the program prints. A change that
//! moves the draws (a new sampler, a new stream) moves them within Monte
//! Carlo noise; these tests then fail, and
//! `FUNDSCAPE_UPDATE_PINNED=1 cargo test --profile tests --test all -- readme::`
//! rewrites the quoted blocks and lines in README.md (the prose around them
//! is checked, and named in the failure, but edited by hand).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::common::{run_ok, toml_files};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme_path() -> PathBuf {
    root().join("README.md")
}

/// Held from reading README.md to writing it, so that the tests' updates
/// do not overwrite each other.
fn lock_readme() -> MutexGuard<'static, ()> {
    static README: Mutex<()> = Mutex::new(());
    README.lock().unwrap_or_else(|e| e.into_inner())
}

fn updating() -> bool {
    std::env::var_os("FUNDSCAPE_UPDATE_PINNED").is_some()
}

/// The README's text with every run of whitespace one space, so that prose
/// can be searched across its line breaks.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The line range of the body of the first ```text block after the first
/// line containing `marker`.
fn block_after(readme: &str, marker: &str) -> std::ops::Range<usize> {
    let lines: Vec<&str> = readme.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("README.md has no line with {marker:?}"));
    let open =
        (at..lines.len()).find(|&i| lines[i] == "```text").unwrap_or_else(|| panic!("no text block after {marker:?}"));
    let close = (open + 1..lines.len())
        .find(|&i| lines[i] == "```")
        .unwrap_or_else(|| panic!("text block after {marker:?} is not closed"));
    open + 1..close
}

/// Checks that the block after `marker` is `want` (or writes it, when
/// updating); returns the README's text, updated or not.
fn check_block(readme: String, marker: &str, want: &[String]) -> String {
    let range = block_after(&readme, marker);
    let lines: Vec<&str> = readme.lines().collect();
    let have: Vec<&str> = lines[range.clone()].to_vec();
    if have == want.iter().map(String::as_str).collect::<Vec<_>>() {
        return readme;
    }
    assert!(
        updating(),
        "README.md's block after {marker:?} is not what the program prints now; it should be:\n{}\n\
         (rewrite it with FUNDSCAPE_UPDATE_PINNED=1, see tests/all/readme.rs)",
        want.join("\n")
    );
    let mut out: Vec<String> = lines[..range.start].iter().map(|s| s.to_string()).collect();
    out.extend(want.iter().cloned());
    out.extend(lines[range.end..].iter().map(|s| s.to_string()));
    out.join("\n") + "\n"
}

/// Replaces the README line starting with `prefix` by `want` (or checks it).
fn check_line(readme: String, prefix: &str, want: &str) -> String {
    let lines: Vec<&str> = readme.lines().collect();
    let i =
        lines.iter().position(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("README.md has no line {prefix:?}"));
    if lines[i] == want {
        return readme;
    }
    assert!(updating(), "README.md's line {:?} should be {want:?} (FUNDSCAPE_UPDATE_PINNED=1 rewrites it)", lines[i]);
    let mut out: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    out[i] = want.to_string();
    out.join("\n") + "\n"
}

fn assert_prose(readme: &str, want: &str) {
    assert!(
        flat(readme).contains(want),
        "README.md's prose should say {want:?} (the figures it quotes moved; edit it by hand)"
    );
}

fn stdout(out: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| l.trim_end().to_string()).collect()
}

fn field<'a>(csv: &'a str, prefix: &str) -> &'a str {
    csv.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no row {prefix:?}"))
}

/// `x` rounded to the nearest thousand, written as the README writes it.
fn thousands(x: f64) -> String {
    let k = (x / 1000.0).round() as u64;
    if k >= 1000 {
        format!("{},{:03},000", k / 1000, k % 1000)
    } else {
        format!("{k},000")
    }
}

/// The first of the README's two commands: its headline block (all but the
/// timing line and the list of files written, which depend on the machine
/// and the charts), the `summary.csv` and `totals.csv` rows it quotes and the
/// prose that reads them.
#[test]
fn the_readme_headline_is_what_the_baseline_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/uk-baseline.toml");
    let out = run_ok(&["run", scenario.to_str().unwrap(), "--no-charts", "--out", "baseline"], tmp.path());
    let _readme = lock_readme();
    let mut readme = std::fs::read_to_string(readme_path()).unwrap();
    let range = block_after(&readme, "cargo run --release -- run scenarios/uk-baseline.toml");
    let quoted: Vec<String> = readme.lines().skip(range.start).take(range.len()).map(str::to_string).collect();
    let got: Vec<String> = stdout(&out)
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let keep = |prefix: &str| quoted.iter().find(|q| q.trim_start().starts_with(prefix)).cloned();
            if i == 0 {
                keep("UK baseline:").unwrap_or(line)
            } else if line.trim_start().starts_with("wrote ") {
                keep("wrote ").unwrap_or(line)
            } else {
                line
            }
        })
        .collect();
    readme = check_block(readme, "cargo run --release -- run scenarios/uk-baseline.toml", &got);

    let summary = std::fs::read_to_string(tmp.path().join("baseline/summary.csv")).unwrap();
    let row = field(&summary, "all,2025,demand,");
    let head: Vec<&str> = row.split(',').take(6).collect();
    readme = check_line(readme, "all,2025,demand,", &format!("{},…", head.join(",")));
    let totals = std::fs::read_to_string(tmp.path().join("baseline/totals.csv")).unwrap();
    let row = field(&totals, "all,abandoned,");
    readme = check_line(readme, "all,abandoned,", row);
    let cells: Vec<f64> = row.split(',').skip(2).map(|x| x.parse().unwrap()).collect();
    let (p05, p50, p95) = (cells[2], cells[4], cells[6]);
    if updating() {
        std::fs::write(readme_path(), &readme).unwrap();
    }
    assert_prose(
        &readme,
        &format!(
            "a median of about {} people give up over the ten years, and {} to {} in 90% of runs",
            thousands(p50),
            thousands(p05),
            thousands(p95)
        ),
    );
    // "Read it as": the posts funded at the start and the end, as printed.
    let posts = got.iter().find(|l| l.contains("posts funded at the end of")).unwrap();
    let numbers: Vec<&str> = posts.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).collect();
    // "... 2025-26: 72 (70–73); at the end of 2034-35: 8 (3–15)"
    let [_, _, first, _, _, _, _, last, lo, hi] = numbers[..] else { panic!("unexpected line {posts:?}") };
    assert_prose(&readme, &format!("{first} are still funded a year in"));
    assert_prose(&readme, &format!("by 2034-35, {last} are, and in 90% of runs between {lo} and {hi}"));
}

/// The comparison table of every ask and risk against the baseline, and the
/// influencing example's figures.
#[test]
fn the_readme_comparisons_are_what_compare_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let base = root().join("scenarios/uk-baseline.toml");
    let asks = toml_files(&root().join("scenarios/asks"));
    let mut args = vec!["compare".to_string(), base.display().to_string()];
    args.extend(asks.iter().map(|p| p.display().to_string()));
    args.extend(["--runs", "2000", "--out", "all-asks"].map(String::from));
    let out = run_ok(&args.iter().map(String::as_str).collect::<Vec<_>>(), tmp.path());
    let got: Vec<String> = stdout(&out).into_iter().filter(|l| !l.starts_with("wrote ")).collect();
    {
        let _readme = lock_readme();
        let mut readme = std::fs::read_to_string(readme_path()).unwrap();
        readme = check_block(readme, "compare scenarios/uk-baseline.toml scenarios/asks/*.toml --runs 2000", &got);
        if updating() {
            std::fs::write(readme_path(), &readme).unwrap();
        }
    }

    let (la, influencing) = (
        root().join("scenarios/asks/la-match-funding.toml"),
        root().join("scenarios/asks/more-influencing-posts.toml"),
    );
    let out = run_ok(
        &["compare", la.to_str().unwrap(), influencing.to_str().unwrap(), "--runs", "2000", "--out", "influencing"],
        tmp.path(),
    );
    let lines = stdout(&out);
    let row = lines.iter().find(|l| l.trim_start().starts_with("more-influencing-posts")).unwrap();
    // "  more-influencing-posts   40 (21 to 59)   0.03 ..."
    let cells: Vec<&str> = row.split_whitespace().collect();
    let (mean, lo, hi) = (cells[1], cells[2].trim_start_matches('('), cells[4].trim_end_matches(')'));
    let p_less: f64 = cells[5].parse().unwrap();
    let readme = std::fs::read_to_string(readme_path()).unwrap();
    assert_prose(&readme, &format!("about {mean} more cases averted (90% interval {lo} to {hi})"));
    assert_prose(&readme, &format!("in {:.0}% of the paired runs the ask now happens", 100.0 * p_less));
}

/// The optimiser's example: the recommendation and table it prints for the
/// README's command (all but the line of files written, which carries the
/// time), and the prose that reads the table. About 25 s on two cores.
#[test]
fn the_readme_optimiser_example_is_what_optimise_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/uk-baseline.toml");
    let args = ["optimise", scenario.to_str().unwrap(), "--budget", "2m", "--funder", "JTI"];
    let out = run_ok(&[&args[..], &["--start", "2027-04", "--term-months", "36", "--out", "opt"]].concat(), tmp.path());
    let got: Vec<String> = stdout(&out).into_iter().filter(|l| !l.starts_with("wrote ")).collect();
    let _readme = lock_readme();
    let mut readme = std::fs::read_to_string(readme_path()).unwrap();
    readme = check_block(readme, "fundscape optimise scenarios/uk-baseline.toml --budget 2m", &got);
    if updating() {
        std::fs::write(readme_path(), &readme).unwrap();
    }
    // "  equal shares       11          3,143 (3,083 to 3,203)   -143 (-176 to -109)   1.00"
    let cells = |name: &str| -> Vec<String> {
        let row = got.iter().find(|l| l.trim_start().starts_with(name)).unwrap_or_else(|| panic!("no row {name:?}"));
        row.trim_start()[name.len()..]
            .split_whitespace()
            .map(|c| c.trim_matches(['(', ')', '~']).replace(',', ""))
            .collect()
    };
    let best: f64 = cells("best")[1].parse().unwrap();
    let behind: f64 = cells("equal shares")[5].parse().unwrap();
    let h = (best / 100.0).round() as u64 * 100;
    let hundreds = if h >= 1000 { format!("{},{:03}", h / 1000, h % 1000) } else { h.to_string() };
    assert_prose(&readme, &format!("buys avert about {hundreds} abandoned cases"));
    assert_prose(&readme, &format!("avert about {} more than equal shares", (-behind / 10.0).round() * 10.0));
}
