//! Results directories end to end: `run`, `compare` and `report` never
//! delete or change what fundscape did not write, refuse before simulating,
//! still replace a results directory of their own whole, remove only their
//! own leftovers, and leave the directory whole when killed at the swap.
//! `report` maps every fault in the directory's files to exit 2.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::{bin, data, run_ok, show};

/// The most runs `--runs` accepts: a refusal that came after the simulation
/// would make these tests run for many minutes, then fail.
const FOREVER: &str = "100000000";

/// Every file under `dir` (recursively, hidden ones included), by relative
/// path, with its bytes; a directory is listed with a trailing `/`.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                out.insert(format!("{name}/"), Vec::new());
                walk(root, &path, out);
            } else if meta.file_type().is_symlink() {
                out.insert(name, std::fs::read_link(&path).unwrap().to_string_lossy().into_owned().into_bytes());
            } else {
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn fundscape(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).output().unwrap()
}

/// `run tiny.toml --out OUT OPTS…`.
fn args<'a>(out: &'a str, opts: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", "tiny.toml", "--out", out];
    args.extend_from_slice(opts);
    args
}

/// Asserts exit status 2, exactly `message` on stderr and nothing on stdout.
fn assert_refused(out: &Output, message: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", show(out));
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("error: {message}\n"));
    assert!(out.stdout.is_empty(), "{}", show(out));
}

/// A temporary project folder with `tiny.toml` and a folder `mydocs` of the
/// user's files.
fn project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(data("tiny.toml"), tmp.path().join("tiny.toml")).unwrap();
    std::fs::create_dir_all(tmp.path().join("mydocs/letters")).unwrap();
    std::fs::write(tmp.path().join("mydocs/notes.txt"), "my notes\n").unwrap();
    std::fs::write(tmp.path().join("mydocs/letters/draft.md"), "Dear funder,\n").unwrap();
    std::fs::write(tmp.path().join("mydocs/.hidden"), "mine too\n").unwrap();
    tmp
}

fn not_ours(dir: &str) -> String {
    format!("results directory `{dir}` holds files that fundscape did not write; choose another --out or empty it")
}

fn not_results(dir: &str) -> String {
    format!(
        "{dir}: not a results directory (fundscape marks each one with a .fundscape-results file); write one with `fundscape run SCENARIO --out DIR`"
    )
}

/// Asserts that `run tiny.toml --out OUT`, for ever many runs, is refused
/// at once with `message`.
fn assert_run_refused(tmp: &Path, out: &str, message: &str) {
    assert_refused(&fundscape(&args(out, &["--runs", FOREVER]), tmp), message);
}

#[test]
fn run_compare_and_report_leave_a_folder_of_user_files_alone() {
    let tmp = project();
    let before = snapshot(tmp.path());
    let tiny = data("tiny.toml");
    let noop = data("overlay-noop.toml");
    let (tiny, noop) = (tiny.to_str().unwrap(), noop.to_str().unwrap());
    assert_run_refused(tmp.path(), "mydocs", &not_ours("mydocs"));
    let compare = ["compare", tiny, noop, "--out", "mydocs", "--runs", FOREVER];
    assert_refused(&fundscape(&compare, tmp.path()), &not_ours("mydocs"));
    assert_refused(&fundscape(&["report", "mydocs"], tmp.path()), &not_results("mydocs"));
    // `--out .` from a project folder would replace the folder itself.
    let here = |dir: &str| {
        format!(
            "results directory `{dir}` is the current folder or holds it (write into a new folder inside it, such as \
             results/NAME); choose another --out"
        )
    };
    assert_run_refused(tmp.path(), ".", &here("."));
    assert!(snapshot(tmp.path()) == before, "a user's file was changed, or something was left beside it");
    // So would it from an empty folder or a results directory (the shell
    // would be left in a folder that no longer exists), and a folder above.
    let run_in = |dir: &Path, out: &str| fundscape(&["run", tiny, "--out", out, "--runs", FOREVER], dir);
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    assert_refused(&run_in(&tmp.path().join("empty"), "."), &here("."));
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "20", "--no-charts"], tmp.path());
    std::fs::create_dir(tmp.path().join("r/inside")).unwrap_or_default();
    let r = tmp.path().join("r");
    assert_refused(&run_in(&r, "."), &here("."));
    assert_refused(&run_in(&r.join("inside"), ".."), &here(".."));
    assert!(r.join("summary.csv").is_file() && tmp.path().join("empty").is_dir());
}

#[test]
fn a_file_or_a_link_as_the_results_directory_is_refused() {
    let tmp = project();
    std::fs::write(tmp.path().join("notes.txt"), "not a directory\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("mydocs", tmp.path().join("link")).unwrap();
    let before = snapshot(tmp.path());
    assert_run_refused(tmp.path(), "notes.txt", "results directory `notes.txt` is a file; choose another --out");
    assert_run_refused(
        tmp.path(),
        "notes.txt/results",
        "results directory `notes.txt/results` is inside a file, not a folder (a part of the path before it is a file); choose another --out",
    );
    #[cfg(unix)]
    assert_run_refused(
        tmp.path(),
        "link",
        "results directory `link` is a symbolic link (fundscape does not write through links); choose another --out",
    );
    assert!(snapshot(tmp.path()) == before, "a user's file was changed, or something was left beside it");
}

#[test]
fn results_directories_are_marked_and_still_replaced_whole() {
    let tmp = project();
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    run_ok(&["run", "tiny.toml", "--out", "empty", "--runs", "20"], tmp.path());
    let marker = std::fs::read_to_string(tmp.path().join("empty/.fundscape-results")).unwrap();
    assert_eq!(
        marker,
        format!(
            "fundscape results directory; written by fundscape {}\nfundscape replaces this directory whole when it writes here again: keep your own files elsewhere\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    // A run without charts replaces a run with them: nothing of the old one stays.
    run_ok(&["run", "tiny.toml", "--out", "empty", "--runs", "30", "--no-charts"], tmp.path());
    let dir = tmp.path().join("empty");
    assert_eq!(
        names(&dir),
        [
            ".fundscape-results",
            "exceedance.csv",
            "gap.csv",
            "manifest.json",
            "posts_by_source.csv",
            "regions.csv",
            "scenario.toml",
            "summary.csv",
            "survival.csv",
            "totals.csv"
        ]
    );
    let tiny = data("tiny.toml");
    let noop = data("overlay-noop.toml");
    run_ok(&["compare", tiny.to_str().unwrap(), noop.to_str().unwrap(), "--out", "empty", "--runs", "20"], tmp.path());
    assert_eq!(
        names(&dir),
        [".fundscape-results", "charts", "compare.csv", "compare_totals.csv", "manifest.json", "report.html"]
    );
    run_ok(&["run", "tiny.toml", "--out", "empty", "--runs", "20", "--no-charts"], tmp.path());
    run_ok(&["report", "empty"], tmp.path());
    assert!(dir.join("report.html").is_file() && dir.join("charts/unmet-demand.svg").is_file());
    assert_eq!(names(tmp.path()), ["empty", "mydocs", "tiny.toml"]);
}

/// The bytes of every file of a results directory, the manifest's wall time
/// and thread count (which differ between runs of the same seed) removed.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = snapshot(dir);
    if let Some(bytes) = files.get_mut("manifest.json") {
        let mut manifest: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        manifest["wall_time_seconds"] = serde_json::Value::Null;
        manifest["threads"] = serde_json::Value::Null;
        *bytes = manifest.to_string().into_bytes();
    }
    files
}

/// Starts `fundscape ARGS` with the test hook `var` set, waits until it is
/// paused there, and kills it (SIGKILL).
fn kill_at(var: &str, args: &[&str], dir: &Path) {
    let ready = dir.join("paused");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fundscape"))
        .args(args)
        .current_dir(dir)
        .env(var, &ready)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while !ready.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("fundscape ended ({status}) before it reached {var}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_file(&ready).unwrap();
}

#[cfg(unix)]
#[test]
fn a_run_killed_at_the_swap_leaves_the_results_whole_and_the_next_run_tidies_up() {
    let tmp = project();
    let (old, new) = (["--runs", "40", "--seed", "1"], ["--runs", "60", "--seed", "2"]);
    for (var, expected) in [("FUNDSCAPE_TEST_PAUSE_BEFORE_SWAP", &old), ("FUNDSCAPE_TEST_PAUSE_AFTER_SWAP", &new)] {
        run_ok(&args("r", &old), tmp.path());
        run_ok(&args("expected", expected), tmp.path());
        kill_at(var, &args("r", &new), tmp.path());
        assert!(
            contents(&tmp.path().join("r")) == contents(&tmp.path().join("expected")),
            "r is not whole after {var}"
        );
        let leftovers: Vec<String> =
            names(tmp.path()).into_iter().filter(|n| n.starts_with(".r.fundscape-tmp-")).collect();
        assert_eq!(leftovers.len(), 1, "{var}: {:?}", names(tmp.path()));
        // The next run into r removes the killed run's leftover.
        run_ok(&args("r", &old), tmp.path());
        assert_eq!(names(tmp.path()), ["expected", "mydocs", "r", "tiny.toml"], "{var}");
        std::fs::remove_dir_all(tmp.path().join("expected")).unwrap();
    }
}

/// The process id of a process that has ended.
fn ended_pid() -> u32 {
    let mut child = bin().arg("--version").stdout(Stdio::null()).spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn only_leftovers_that_fundscape_marked_are_removed() {
    let tmp = project();
    let pid = ended_pid();
    let leftover = |suffix: &str, files: &[(&str, &str)]| {
        let dir = tmp.path().join(format!(".r.fundscape-tmp-{pid}{suffix}"));
        std::fs::create_dir(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir
    };
    let users = leftover("", &[("diary.txt", "a user's folder that happens to be named so\n")]);
    let marked = leftover(
        "-1",
        &[(".fundscape-results", "fundscape results directory; written by fundscape 0.1.0\n"), ("summary.csv", "")],
    );
    let empty = leftover("-2", &[]);
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "20", "--no-charts"], tmp.path());
    assert!(!marked.exists() && !empty.exists(), "{:?}", names(tmp.path()));
    assert_eq!(
        std::fs::read_to_string(users.join("diary.txt")).unwrap(),
        "a user's folder that happens to be named so\n"
    );
}

#[test]
fn a_results_directory_of_an_earlier_version_without_the_marker_is_not_replaced_or_drawn() {
    let tmp = project();
    run_ok(&["run", "tiny.toml", "--out", "old", "--runs", "20", "--no-charts"], tmp.path());
    std::fs::remove_file(tmp.path().join("old/.fundscape-results")).unwrap();
    let before = snapshot(tmp.path());
    assert_run_refused(tmp.path(), "old", &not_ours("old"));
    assert_refused(&fundscape(&["report", "old"], tmp.path()), &not_results("old"));
    assert!(snapshot(tmp.path()) == before);
}

/// `report` redraws a comparison's charts and report, and touches nothing else.
#[test]
fn report_redraws_a_comparison_and_nothing_else() {
    let tmp = project();
    let tiny = data("tiny.toml");
    let noop = data("overlay-noop.toml");
    run_ok(&["compare", tiny.to_str().unwrap(), noop.to_str().unwrap(), "--out", "c", "--runs", "20"], tmp.path());
    let csv = std::fs::read(tmp.path().join("c/compare.csv")).unwrap();
    std::fs::remove_file(tmp.path().join("c/report.html")).unwrap();
    let out = fundscape(&["report", "c"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(tmp.path().join("c/report.html").is_file() && tmp.path().join("c/charts/asks-ranked.svg").is_file());
    assert_eq!(std::fs::read(tmp.path().join("c/compare.csv")).unwrap(), csv);
}

#[cfg(unix)]
#[test]
fn report_exits_2_for_a_file_that_is_not_regular_or_too_large() {
    let tmp = project();
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "20", "--no-charts"], tmp.path());
    let r = tmp.path().join("r");
    let damaged = "the results directory is damaged (run the scenario again)";
    let not_regular = format!("is not a regular file (a directory, device or pipe); {damaged}");
    // A directory, a pipe (which would block a plain read for ever) and a
    // file past the 64 MB limit (sparse, so it costs no disk).
    std::fs::remove_file(r.join("summary.csv")).unwrap();
    std::fs::create_dir(r.join("summary.csv")).unwrap();
    let out = fundscape(&["report", "r"], tmp.path());
    assert_refused(&out, &format!("r/summary.csv: {not_regular}"));
    std::fs::remove_dir(r.join("summary.csv")).unwrap();
    let made = Command::new("mkfifo").arg(r.join("summary.csv")).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    assert_refused(&fundscape(&["report", "r"], tmp.path()), &format!("r/summary.csv: {not_regular}"));
    std::fs::remove_file(r.join("summary.csv")).unwrap();
    let big = std::fs::File::create(r.join("summary.csv")).unwrap();
    big.set_len(64 * 1024 * 1024 + 1).unwrap();
    assert_refused(
        &fundscape(&["report", "r"], tmp.path()),
        &format!("r/summary.csv: is larger than the limit of 64 MB; {damaged}"),
    );
    assert!(!r.join("report.html").exists() && !r.join("charts").exists());
}
