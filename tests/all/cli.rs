//! End-to-end tests of the `fundscape` binary: real runs in temporary
//! directories, the exact messages for bad input, exit codes, and outputs
//! pinned at a fixed seed.

use std::path::Path;

use crate::common;
use crate::common::{bin, data, run_ok, show};

#[test]
fn run_writes_the_three_files_with_the_contracted_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = data("tiny.toml");
    let out = run_ok(&["run", scenario.to_str().unwrap(), "--runs", "200"], tmp.path());
    let dir = tmp.path().join("results/tiny");
    let summary = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let survival = std::fs::read_to_string(dir.join("survival.csv")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(summary.lines().next(), Some("region,year,metric,mean,sd,p05,p25,p50,p75,p95,mcse"));
    assert_eq!(survival.lines().next(), Some("months_after_first_end,mean,sd,p05,p25,p50,p75,p95,mcse,posts_followed"));
    let by_source = std::fs::read_to_string(dir.join("posts_by_source.csv")).unwrap();
    assert_eq!(by_source.lines().next(), Some("region,year,source,mean,sd,p05,p25,p50,p75,p95,mcse"));
    // 3 regions × 3 years × 6 sources.
    assert_eq!(by_source.lines().count(), 1 + 3 * 3 * 6);
    // 3 region rows (all, north-west, wales) × 3 years × (9 metrics + 6 spend sources).
    assert_eq!(summary.lines().count(), 1 + 3 * 3 * 15);
    for metric in ["spend:JTI", "spend:AB Charitable Trust", "spend:same_funder", "spend:local_authority", "posts_lost"]
    {
        assert!(summary.contains(&format!("all,2026,{metric},")), "missing {metric}");
    }
    assert_eq!(manifest["scenario_name"], "tiny test");
    assert_eq!(manifest["runs"], 200);
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["program"], "fundscape");
    assert_eq!(manifest["warnings"], serde_json::json!([]));
    assert_eq!(manifest["scenario_hash"].as_str().map(str::len), Some(16));
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrote results/tiny/"));
    // Nothing but the results directory is left behind.
    let names: Vec<_> =
        std::fs::read_dir(tmp.path().join("results")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("tiny")]);
}

/// `gap.csv` is need less capacity taken within each run: its mean is the
/// difference of summary.csv's means (a mean is linear), while its range is
/// the gap's own, ordered, and narrower than the distance between the
/// ranges of need and capacity (which move together within a run).
#[test]
fn gap_csv_is_need_less_capacity_run_by_run() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-baseline.toml");
    run_ok(&["run", baseline.to_str().unwrap(), "--runs", "400", "--out", "r", "--no-charts"], tmp.path());
    let read = |name: &str| std::fs::read_to_string(tmp.path().join("r").join(name)).unwrap();
    let (summary, gap) = (read("summary.csv"), read("gap.csv"));
    assert_eq!(gap.lines().next(), Some("region,year,metric,mean,sd,p05,p25,p50,p75,p95,mcse"));
    let row = |text: &str, region: &str, year: &str, metric: &str| -> Vec<f64> {
        let key = format!("{region},{year},{metric},");
        let line = text.lines().find(|l| l.starts_with(&key)).unwrap_or_else(|| panic!("no row {key}"));
        line[key.len()..].split(',').map(|c| c.parse().unwrap()).collect()
    };
    let mut rows = 0;
    let mut narrower = 0;
    for line in gap.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let (region, year) = (cells[0], cells[1]);
        assert_eq!(cells[2], "gap");
        let g = row(&gap, region, year, "gap");
        let (d, c) = (row(&summary, region, year, "demand"), row(&summary, region, year, "capacity"));
        let want = d[0] - c[0];
        // Each mean is rounded to 10 significant digits in the files.
        assert!((g[0] - want).abs() <= 1e-8 * d[0].abs().max(1.0), "{region} {year}: gap mean {} != {want}", g[0]);
        assert!(g[2] <= g[4] && g[4] <= g[6] && g[2] <= g[3] && g[5] <= g[6], "{region} {year}: unordered {g:?}");
        assert!(g[1] >= 0.0 && g[7] >= 0.0);
        if g[6] - g[2] < (d[6] - c[2]) - (d[2] - c[6]) {
            narrower += 1;
        }
        rows += 1;
    }
    // 10 years × (12 regions + all).
    assert_eq!(rows, 10 * 13);
    assert!(narrower == rows, "only {narrower} of {rows} gap ranges are narrower than the bands' distance");
}

/// The outputs at a fixed seed are pinned byte for byte. If a deliberate
/// change to the model moves them, regenerate with
/// `FUNDSCAPE_UPDATE_PINNED=1 cargo test --profile tests --test all -- cli::` and say why in
/// the commit.
#[test]
fn outputs_at_a_fixed_seed_are_pinned() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&["run", data("tiny.toml").to_str().unwrap(), "--out", "pinned", "--threads", "1"], tmp.path());
    for file in ["summary.csv", "survival.csv", "posts_by_source.csv", "gap.csv"] {
        let got = std::fs::read_to_string(tmp.path().join("pinned").join(file)).unwrap();
        let pinned = data(&format!("tiny-pinned-{file}"));
        if std::env::var_os("FUNDSCAPE_UPDATE_PINNED").is_some() {
            std::fs::write(&pinned, &got).unwrap();
        }
        let want = std::fs::read_to_string(&pinned).unwrap_or_default();
        assert!(got == want, "{file} differs from {}; see this test's doc comment", pinned.display());
    }
}

#[test]
fn thread_count_does_not_change_a_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let s = data("tiny.toml");
    run_ok(&["run", s.to_str().unwrap(), "--runs", "700", "--seed", "3", "--threads", "1", "--out", "one"], tmp.path());
    run_ok(&["run", s.to_str().unwrap(), "--runs", "700", "--seed", "3", "--threads", "2", "--out", "two"], tmp.path());
    for file in ["summary.csv", "survival.csv", "gap.csv"] {
        let a = std::fs::read(tmp.path().join("one").join(file)).unwrap();
        let b = std::fs::read(tmp.path().join("two").join(file)).unwrap();
        assert!(a == b, "{file} differs between 1 and 2 threads");
    }
}

#[test]
fn an_overlay_that_changes_nothing_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&["run", data("tiny.toml").to_str().unwrap(), "--out", "base"], tmp.path());
    run_ok(&["run", data("overlay-noop.toml").to_str().unwrap(), "--out", "overlay"], tmp.path());
    for file in ["summary.csv", "survival.csv"] {
        let a = std::fs::read(tmp.path().join("base").join(file)).unwrap();
        let b = std::fs::read(tmp.path().join("overlay").join(file)).unwrap();
        assert!(a == b, "{file} differs");
    }
}

#[test]
fn validate_summarises_a_good_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_ok(&["validate", data("tiny.toml").to_str().unwrap()], tmp.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("scenario  tiny test"), "{text}");
    assert!(text.contains("2 grants: 5 advice and 1 influencing posts; funders: JTI, AB Charitable Trust"), "{text}");
    assert!(text.contains("exit-wave"), "{text}");
    assert!(text.trim_end().ends_with("tiny.toml: valid"), "{text}");
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none(), "validate wrote something");
}

/// validate names every key a change sets, demand_scale included (it printed
/// "sets  in 1 regions"), with the plural right.
#[test]
fn validate_lists_what_each_change_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("tiny.toml")).unwrap()
        + "\n[[changes]]\nid = \"scaled\"\nstart = \"2026-04\"\nregions = [\"wales\"]\ndemand_scale = 2\n\n\
           [[changes]]\nid = \"both\"\nstart = \"2026-04\"\nregions = [\"wales\", \"north-west\"]\nturnover = 0.1\n\
           demand_scale = 0.5\n";
    std::fs::write(tmp.path().join("s.toml"), text).unwrap();
    let out = run_ok(&["validate", "s.toml"], tmp.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("probability 1: sets demand_scale in 1 region\n"), "{text}");
    assert!(text.contains("probability 1: sets turnover, demand_scale in 2 regions\n"), "{text}");
}

/// Writes `name` with the text of tiny.toml edited by `edit`, runs it, and
/// checks exit status 2, the exact message, and that nothing was written.
fn assert_rejected(name: &str, edit: impl Fn(&str) -> String, message: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(data("tiny.toml")).unwrap();
    let text = edit(&original);
    assert_ne!(text, original, "the edit for {name} changed nothing");
    std::fs::write(tmp.path().join(name), text).unwrap();
    let out = bin().args(["run", name]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("error: {message}\n"));
    assert!(out.stdout.is_empty(), "{}", show(&out));
    assert!(!tmp.path().join("results").exists(), "a rejected scenario wrote results");
}

#[test]
fn bad_scenarios_get_one_exact_message_and_exit_2() {
    type Edit = Box<dyn Fn(&str) -> String>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("syntax.toml", Box::new(|t| t.replace("years = 3", "years = = 3")), "syntax.toml:6: invalid TOML: extra `=`, expected nothing"),
        (
            "twice.toml",
            Box::new(|t| t.replace("years = 3", "years = 3\nyears = 4")),
            "twice.toml:7: invalid TOML: duplicate key: `years` is given twice in the same table; keep one",
        ),
        (
            "unknown-key.toml",
            Box::new(|t| t.replace("abandon_rate = 0.05", "abandon_rat = 0.05")),
            "unknown-key.toml:32: regions.north-west.abandon_rat: unknown key `abandon_rat`; did you mean `abandon_rate`?",
        ),
        (
            "unknown-region.toml",
            Box::new(|t| t.replace("region = \"north-west\"", "region = \"north-wets\"")),
            "unknown-region.toml:50: grants.gmiau-2024.region: unknown region `north-wets`; did you mean `north-west`?",
        ),
        (
            "duplicate-id.toml",
            Box::new(|t| t.replace("id = \"wales-2025\"", "id = \"gmiau-2024\"")),
            "duplicate-id.toml:58: grants[1].id: duplicate id `gmiau-2024`; every element of [[grants]] needs its own id",
        ),
        (
            "probability.toml",
            Box::new(|t| t.replace("probability = 0.3", "probability = 1.3")),
            "probability.toml:21: sustainability.successors.same_funder.probability: is 1.3, but a probability or share must lie in [0, 1]",
        ),
        (
            "negative-count.toml",
            Box::new(|t| t.replace("posts = 3", "posts = -3")),
            "negative-count.toml:53: grants.gmiau-2024.posts: `posts` must be a whole number, 0 or more (it is -3)",
        ),
        (
            "negative-money.toml",
            Box::new(|t| t.replace("budget = 100000", "budget = -100000")),
            "negative-money.toml:35: regions.north-west.local_authority.budget: must not be negative (it is -100000)",
        ),
        (
            "bad-date.toml",
            Box::new(|t| t.replace("start = \"2024-09\"", "start = \"2024-9\"")),
            "bad-date.toml:51: grants.gmiau-2024.start: `2024-9` is not a month; write it as \"YYYY-MM\", e.g. \"2025-04\"",
        ),
        (
            "years-zero.toml",
            Box::new(|t| t.replace("years = 3", "years = 0")),
            "years-zero.toml:6: scenario.years: must be a whole number of years from 1 to 100 (it is 0)",
        ),
        (
            "inverted.toml",
            Box::new(|t| t.replace("min = 1, max = 6", "min = 6, max = 1")),
            "inverted.toml:17: posts.vacancy_months: `min` (6) must not be greater than `max` (1); swap them",
        ),
        (
            "not-psd.toml",
            Box::new(|t| {
                t.replace(
                    "default = 0.5",
                    "default = 0.0\npairs = [{ a = \"north-west\", b = \"wales\", rho = 0.9 }, { a = \"wales\", b = \"north-west\", rho = 0.8 }]",
                )
            }),
            "not-psd.toml:46: correlation.pairs[1]: the pair wales–north-west is already given in correlation.pairs[0]; keep one",
        ),
        (
            "unknown-dist.toml",
            Box::new(|t| t.replace("dist = \"beta\"", "dist = \"bta\"")),
            "unknown-dist.toml:41: regions.wales.abandon_rate.dist: unknown distribution `bta`; did you mean `beta`?",
        ),
        (
            "missing-key.toml",
            Box::new(|t| t.replace("demand = 3400\n", "")),
            "missing-key.toml:37: regions.wales: missing key `demand`; add it",
        ),
    ];
    for (name, edit, message) in cases {
        assert_rejected(name, edit, message);
    }
}

#[test]
fn a_correlation_matrix_that_cannot_exist_names_the_regions() {
    let text = std::fs::read_to_string(data("tiny.toml")).unwrap().replace(
        "[correlation]\ndefault = 0.5",
        "[[regions]]\nid = \"london\"\ndemand = 1\nabandon_rate = 0.1\n[correlation]\ndefault = 0.0\npairs = [{ a = \"london\", b = \"wales\", rho = 0.9 }, { a = \"london\", b = \"north-west\", rho = 0.9 }, { a = \"wales\", b = \"north-west\", rho = -0.9 }]",
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("psd.toml"), text).unwrap();
    let out = bin().args(["validate", "psd.toml"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: psd.toml:50: correlation.pairs[0]: the correlation matrix is not positive semi-definite (smallest eigenvalue -0.800); \
the conflict involves north-west, wales, london: these pairs cannot hold together: north-west–wales = -0.9, north-west–london = 0.9, wales–london = 0.9; \
make these correlations consistent, e.g. closer to each other\n"
    );
}

/// The error names the overlay's own line and index (its only grant is
/// `grants[0]` there, though it is the second grant after merging).
#[test]
fn overlays_point_at_the_file_that_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let out =
        bin().args(["validate", data("overlay-bad.toml").to_str().unwrap()]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let expected = format!(
        "error: {}:7: grants.wales-2025.region: unknown region `wles`; did you mean `wales`?\n",
        data("overlay-bad.toml").display()
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
}

#[test]
fn extends_cycles_and_missing_files_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.toml"), "[scenario]\nextends = \"b.toml\"\n").unwrap();
    std::fs::write(tmp.path().join("b.toml"), "[scenario]\nextends = \"a.toml\"\n").unwrap();
    std::fs::write(tmp.path().join("c.toml"), "# overlay\n[scenario]\nextends = \"missing.toml\"\n").unwrap();
    let cases = [
        ("a.toml", "error: b.toml:2: scenario.extends: `extends` makes a cycle (a.toml -> b.toml -> a.toml); a scenario cannot extend itself, directly or through others\n"),
        ("c.toml", "error: c.toml:3: scenario.extends: cannot read `missing.toml`: no such file; the path is relative to the extending file\n"),
        ("none.toml", "error: none.toml: cannot read the scenario file: no such file\n"),
    ];
    for (file, message) in cases {
        let out = bin().args(["run", file]).current_dir(tmp.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert_eq!(String::from_utf8_lossy(&out.stderr), message);
        assert!(!tmp.path().join("results").exists());
    }
}

#[test]
fn zero_runs_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["run", data("tiny.toml").to_str().unwrap(), "--runs", "0"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value '0' for '--runs <RUNS>'"), "{}", show(&out));
    assert!(!tmp.path().join("results").exists());
}

/// Bad numbers on the command line say what is allowed; a negative one is
/// not mistaken for a flag (clap used to suggest `-- -5`, which fails again).
#[test]
fn bad_command_line_numbers_say_what_is_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = data("tiny.toml");
    for (flag, value, allowed) in [
        ("--runs", "-5", "--runs takes the number of Monte Carlo runs, a whole number from 1 to 100,000,000"),
        ("--runs", "abc", "--runs takes the number of Monte Carlo runs, a whole number from 1 to 100,000,000"),
        ("--runs", "100000001", "--runs takes the number of Monte Carlo runs, a whole number from 1 to 100,000,000"),
        ("--threads", "0", "--threads takes the number of worker threads, a whole number from 1 to 65,535"),
        ("--seed", "-1", "--seed takes the random seed, a whole number from 0 to 18446744073709551615"),
    ] {
        let out = bin().args(["run", tiny.to_str().unwrap(), flag, value]).current_dir(tmp.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with(&format!("error: invalid value '{value}' for '{flag} <")), "{}", show(&out));
        assert!(stderr.contains(allowed), "{}", show(&out));
        assert!(!stderr.contains("-- -"), "{}", show(&out));
    }
    // The other commands' numbers, negative ones included.
    let (tiny, grants) = (tiny.to_str().unwrap(), data("grantnav_fixture_esmee_small.json"));
    let solve = ["solve", tiny, "--lever", "posts.turnover", "--metric", "abandoned", "--at-most", "5"];
    for (args, flag, allowed) in [
        (vec!["run", tiny, "--precision", "-1"], "--precision", "a number between 0 and 1 such as 0.01"),
        (vec!["serve", tiny, "--port", "-1"], "--port", "give a whole number from 0 to 65535 (0: any free port)"),
        (vec!["serve", tiny, "--port", "70000"], "--port", "give a whole number from 0 to 65535 (0: any free port)"),
        (vec!["import", "grants", grants.to_str().unwrap(), "--post-cost", "-5"], "--post-cost", "greater than 0"),
        ([&solve[..], &["--probability", "-0.5"]].concat(), "--probability", "greater than 0 and at most 1"),
    ] {
        let out = bin().args(&args).current_dir(tmp.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(&format!("error: invalid value '{}' for '{flag} <", args[args.len() - 1])),
            "{}",
            show(&out)
        );
        assert!(stderr.contains(allowed) && !stderr.contains("-- -"), "{}", show(&out));
    }
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none(), "something was written");
}

#[test]
fn a_month_out_of_range_says_so() {
    assert_rejected(
        "month.toml",
        |t| t.replace("start = \"2025-04\"\nyears = 3", "start = \"2026-13\"\nyears = 3"),
        "month.toml:5: scenario.start: `2026-13` has month 13, but months run from 01 (January) to 12 (December)",
    );
}

#[test]
fn each_command_describes_its_own_out_default_and_counts_read_in_the_singular() {
    let help = bin().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("default: results/<scenario file stem>/"), "{help}");
    assert!(!help.contains("compare-"), "run --help describes compare's default: {help}");
    let help = bin().args(["compare", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("default: results/compare-<base file stem>/"));
    let tmp = tempfile::tempdir().unwrap();
    let out = run_ok(&["run", data("tiny.toml").to_str().unwrap(), "--runs", "1", "--threads", "1"], tmp.path());
    let first = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().to_string();
    assert!(first.starts_with("tiny test: 1 run in ") && first.ends_with("(seed 7, 1 thread)"), "{first}");
}

#[test]
fn the_headline_uses_thousands_separators_medians_and_the_scenario_note() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("tiny.toml"))
        .unwrap()
        .replace("name = \"tiny test\"", "name = \"tiny test\"\nnote = \"A test <scenario> & its note\"")
        .replace("runs = 300", "runs = 1200");
    std::fs::write(tmp.path().join("noted.toml"), text).unwrap();
    let out = run_ok(&["run", "noted.toml", "--out", "noted"], tmp.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("tiny test: 1,200 runs in "), "{stdout}");
    assert!(stdout.contains("\n  note: A test <scenario> & its note\n"), "{stdout}");
    assert!(stdout.contains("(median across runs, with the 5–95% range in brackets)"), "{stdout}");
    // The headline's figure is the median of summary.csv's row.
    let summary = std::fs::read_to_string(tmp.path().join("noted/summary.csv")).unwrap();
    let row: Vec<&str> = summary.lines().find(|l| l.starts_with("all,2027,abandoned,")).unwrap().split(',').collect();
    let median: f64 = row[7].parse().unwrap();
    let shown = fundscape_output::thousands(median);
    assert!(stdout.contains(&format!("unmet demand (cases abandoned) in 2027-28: {shown} (")), "{stdout}");
    let report = std::fs::read_to_string(tmp.path().join("noted/report.html")).unwrap();
    assert!(report.contains("What this scenario is:</strong> A test &lt;scenario&gt; &amp; its note</p>"));
    let manifest = std::fs::read_to_string(tmp.path().join("noted/manifest.json")).unwrap();
    assert!(manifest.contains("\"note\": \"A test <scenario> & its note\""), "{manifest}");
}

#[test]
fn validate_shows_what_rounds_buy_and_what_an_overlay_changes() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(data("tiny.toml"), tmp.path().join("tiny.toml")).unwrap();
    std::fs::write(
        tmp.path().join("ask.toml"),
        "[scenario]\nextends = \"tiny.toml\"\nname = \"ask\"\n[[rounds]]\nid = \"r1\"\nfunder = \"JTI\"\nstart = \"2026-04\"\nbudget = 1000000\nterm_months = 36\nallocation = { north-west = 0.5, wales = 0.5 }\n[[shocks]]\nid = \"crisis\"\nremove = true\n",
    )
    .unwrap();
    let out = run_ok(&["validate", "ask.toml"], tmp.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    // PERT(40k, 45k, 60k) has mean 46,666.67; wages +3% to 2026-27; 3 years:
    // £144,200 a post; £500,000 a region buys 3.47 → 3 each, leaving 2 × £67,400 = £134,800,
    // less than one more post.
    assert!(
        stdout.contains("  r1 buys at its expected price: north-west 3, wales 3 (6 posts; £134,800 unspent)"),
        "{stdout}"
    );
    assert!(stdout.contains("what the overlays change in the files they extend:"), "{stdout}");
    assert!(stdout.contains("  ask.toml:3: sets scenario.name\n"), "{stdout}");
    assert!(stdout.contains("  ask.toml:4: adds rounds.r1\n"), "{stdout}");
    assert!(stdout.contains("  ask.toml:11: removes shocks.crisis\n"), "{stdout}");
    assert!(
        stdout.contains("warning: round `r1` leaves £134,800 of its budget unspent at its expected price"),
        "{stdout}"
    );
}

#[test]
fn a_rejected_run_leaves_previous_results_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&["run", data("tiny.toml").to_str().unwrap(), "--runs", "50", "--out", "kept"], tmp.path());
    let before = std::fs::read(tmp.path().join("kept/summary.csv")).unwrap();
    std::fs::write(tmp.path().join("bad.toml"), "[scenario]\nstart = \"2025-04\"\n").unwrap();
    let out = bin().args(["run", "bad.toml", "--out", "kept"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(std::fs::read(tmp.path().join("kept/summary.csv")).unwrap(), before);
}

/// A results directory the file system will not create (procfs takes no new
/// folders, even from root) is a failure, exit 1, not bad input; a path
/// through a file is bad input (`results_dir.rs`).
#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_results_directory_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["run", data("tiny.toml").to_str().unwrap(), "--runs", "20", "--out", "/proc/fundscape-results"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: cannot write /proc/fundscape-results"), "{}", show(&out));
}

/// Every shipped scenario validates and runs.
#[test]
fn shipped_scenarios_validate_and_run() {
    let files = common::toml_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"));
    assert!(files.iter().any(|p| p.ends_with("uk-baseline.toml")));
    let tmp = tempfile::tempdir().unwrap();
    for f in files {
        run_ok(&["validate", f.to_str().unwrap()], tmp.path());
        let out = run_ok(&["run", f.to_str().unwrap(), "--runs", "64", "--out", "out"], tmp.path());
        assert!(String::from_utf8_lossy(&out.stdout).contains("64 runs"), "{}", show(&out));
        assert!(tmp.path().join("out/summary.csv").exists());
    }
}

#[test]
fn compare_writes_compare_csv_and_ranks_the_asks() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("extra-grant.toml"),
        format!(
            "[scenario]\nextends = \"{}\"\n[[grants]]\nid = \"wales-extra\"\nfunder = \"Baring Foundation\"\nregion = \"wales\"\nstart = \"2025-10\"\nmonths = 36\nposts = 3\n",
            data("tiny.toml").display()
        ),
    )
    .unwrap();
    let out = run_ok(
        &[
            "compare",
            data("tiny.toml").to_str().unwrap(),
            "extra-grant.toml",
            data("overlay-noop.toml").to_str().unwrap(),
            "--runs",
            "300",
        ],
        tmp.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("against tiny test (model years 2025 to 2027; 300 paired runs, seed 7)"), "{stdout}");
    // The extra grant averts some unmet demand; the no-op overlay none: it ranks second.
    assert!(lines[2].trim_start().starts_with("extra-grant"), "{stdout}");
    assert!(lines[3].trim_start().starts_with("overlay-noop") && lines[3].contains(" 0 (0 to 0) "), "{stdout}");
    let csv = std::fs::read_to_string(tmp.path().join("results/compare-tiny/compare.csv")).unwrap();
    assert_eq!(
        csv.lines().next(),
        Some("alt,region,year,metric,base_mean,alt_mean,diff_mean,diff_ci90_low,diff_ci90_high,diff_sd,diff_p05,diff_p50,diff_p95,diff_mcse,prob_better,prob_worse")
    );
    assert!(csv.lines().skip(1).all(|l| l.split(',').nth(2).is_some_and(|y| y.parse::<i32>().is_ok())), "{csv}");
    let totals = std::fs::read_to_string(tmp.path().join("results/compare-tiny/compare_totals.csv")).unwrap();
    assert_eq!(
        totals.lines().next(),
        Some("alt,region,metric,base_mean,alt_mean,diff_mean,diff_ci90_low,diff_ci90_high,diff_sd,diff_p05,diff_p50,diff_p95,diff_mcse,prob_better,prob_worse")
    );
    assert!(totals.lines().any(|l| l.starts_with("extra-grant,wales,post_years,")));
    assert!(totals.lines().any(|l| l.starts_with("extra-grant,all,cost_per_post_year_saved,,,")));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("results/compare-tiny/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["alts"][0]["label"], "extra-grant");
    assert_eq!(manifest["runs"], 300);
}

#[test]
fn compare_refuses_scenarios_with_other_regions() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("other.toml"),
        "[scenario]\nstart = \"2025-04\"\nyears = 3\n[[regions]]\nid = \"london\"\ndemand = 10\nabandon_rate = 0.1\n",
    )
    .unwrap();
    let out = bin()
        .args(["compare", data("tiny.toml").to_str().unwrap(), "other.toml"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: other.toml: compare needs the same regions, in the same order, as the base; the base has north-west, wales and this has london\n"
    );
    assert!(!tmp.path().join("results").exists());
}

#[test]
fn validate_lists_rounds_and_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/asks/targeted-round-with-la-match.toml");
    let out = run_ok(&["validate", file.to_str().unwrap()], tmp.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "targeted-2026                2026-04: JTI, budget 2000000 over 36 months, to regions by unmet demand"
        ),
        "{text}"
    );
    assert!(text.contains("sets local_authority_budget, local_authority_match, successors in 3 regions"), "{text}");
}

/// `run --precision REL` stops at the first wave of whole blocks whose watched
/// figures all have an mcse of at most REL of their mean; its files are the
/// bytes of a plain run of that many runs, whatever the thread count.
#[test]
fn precision_stops_at_the_first_wave_that_meets_it_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = data("tiny.toml");
    let tiny = tiny.to_str().unwrap();
    run_ok(&["run", tiny, "--precision", "0.01", "--threads", "1", "--out", "p1", "--no-charts"], tmp.path());
    let out = run_ok(&["run", tiny, "--precision", "0.01", "--threads", "2", "--out", "p2", "--no-charts"], tmp.path());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("p2/manifest.json")).unwrap()).unwrap();
    let runs = manifest["runs"].as_u64().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("  precision: Monte Carlo error at most"), "{}", show(&out));
    assert_eq!(manifest["precision"]["met"], true);
    assert!(manifest["precision"]["reached"].as_f64().unwrap() <= 0.01);
    for file in ["summary.csv", "survival.csv", "posts_by_source.csv", "gap.csv"] {
        let a = std::fs::read(tmp.path().join("p1").join(file)).unwrap();
        let b = std::fs::read(tmp.path().join("p2").join(file)).unwrap();
        assert!(a == b, "{file} differs between 1 and 2 threads");
    }
    // The same bytes as a plain run of that many runs.
    run_ok(&["run", tiny, "--runs", &runs.to_string(), "--out", "plain", "--no-charts"], tmp.path());
    assert_eq!(
        std::fs::read(tmp.path().join("plain/summary.csv")).unwrap(),
        std::fs::read(tmp.path().join("p2/summary.csv")).unwrap()
    );
    // The wave before did not meet the target (it is the first that does).
    let s = fundscape_sim::load(std::path::Path::new(&data("tiny.toml"))).unwrap();
    let half = fundscape_sim::run(&s, &fundscape_sim::RunConfig { runs: runs / 2, seed: 7, threads: 0 }, &|_| {});
    let (before, _) = fundscape_sim::precision::relative_error(&half, &fundscape_sim::precision::Watched::headline());
    assert!(runs == 1024 || before > 0.01, "the wave of {} runs already met 1% ({before})", runs / 2);
}

#[test]
fn precision_stops_at_the_ceiling_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = data("tiny.toml");
    let out = run_ok(
        &["run", tiny.to_str().unwrap(), "--precision", "0.0001", "--runs", "1500", "--out", "c", "--no-charts"],
        tmp.path(),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: --precision 0.0001 was not reached in 1,500 runs"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("c/manifest.json")).unwrap()).unwrap();
    assert_eq!((manifest["runs"].as_u64(), manifest["precision"]["met"].as_bool()), (Some(1500), Some(false)));
    // Figures to watch are checked, with did-you-mean.
    let bad = bin()
        .args(["run", tiny.to_str().unwrap(), "--precision", "0.01", "--precision-on", "abandonned"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", show(&bad));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "error: --precision-on: unknown metric `abandonned`; did you mean `abandoned`?\n"
    );
    let bad = bin().args(["run", tiny.to_str().unwrap(), "--precision", "2"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", show(&bad));
}

/// `run --samples` writes every run's value of the named figures, in run
/// order, the same at any thread count; their mean is summary.csv's mean.
#[test]
fn samples_hold_every_runs_values_and_agree_with_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = data("tiny.toml");
    let tiny = tiny.to_str().unwrap();
    for (out, threads) in [("s1", "1"), ("s2", "2")] {
        let o = run_ok(
            &[
                "run",
                tiny,
                "--runs",
                "300",
                "--threads",
                threads,
                "--samples",
                "abandoned,spend:JTI",
                "--out",
                out,
                "--no-charts",
            ],
            tmp.path(),
        );
        assert!(String::from_utf8_lossy(&o.stdout).contains("scenario.toml, samples.csv)"), "{}", show(&o));
    }
    let one = std::fs::read(tmp.path().join("s1/samples.csv")).unwrap();
    assert_eq!(one, std::fs::read(tmp.path().join("s2/samples.csv")).unwrap(), "samples depend on the threads");
    let text = String::from_utf8(one).unwrap();
    assert_eq!(text.lines().next(), Some("run,region,year,metric,value"));
    // 300 runs × (2 regions + all) × 3 years × 2 metrics.
    assert_eq!(text.lines().count(), 1 + 300 * 3 * 3 * 2);
    let values: Vec<f64> = text
        .lines()
        .filter(|l| l.contains(",north-west,2026,abandoned,"))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(values.len(), 300);
    let mean = values.iter().sum::<f64>() / 300.0;
    let summary = std::fs::read_to_string(tmp.path().join("s1/summary.csv")).unwrap();
    let row: Vec<&str> =
        summary.lines().find(|l| l.starts_with("north-west,2026,abandoned,")).unwrap().split(',').collect();
    let want: f64 = row[3].parse().unwrap();
    assert!((mean - want).abs() <= 1e-9 * want.abs(), "samples' mean {mean}, summary's {want}");
    let bad = bin().args(["run", tiny, "--samples", "abandonned"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "error: --samples: unknown metric `abandonned`; did you mean `abandoned`?\n"
    );
}

/// Significant digits of a CSV number as written (`110641.1757` has 10).
fn significant_digits(cell: &str) -> usize {
    let mantissa = cell.trim_start_matches('-').split(['e', 'E']).next().unwrap_or_default();
    mantissa.replace('.', "").trim_start_matches('0').trim_end_matches('0').len()
}

#[test]
fn csv_numbers_carry_at_most_ten_significant_digits_and_regions_csv_names_the_regions() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = data("tiny.toml");
    run_ok(&["run", tiny.to_str().unwrap(), "--runs", "200", "--out", "run", "--no-charts"], tmp.path());
    let noop = data("overlay-noop.toml");
    run_ok(&["compare", tiny.to_str().unwrap(), noop.to_str().unwrap(), "--runs", "200", "--out", "cmp"], tmp.path());
    let regions = std::fs::read_to_string(tmp.path().join("run/regions.csv")).unwrap();
    assert_eq!(regions, "id,name\nall,All regions\nnorth-west,North West\nwales,Wales\n");
    let mut numbers = 0;
    for file in [
        "run/summary.csv",
        "run/totals.csv",
        "run/exceedance.csv",
        "run/survival.csv",
        "run/posts_by_source.csv",
        "run/gap.csv",
        "cmp/compare.csv",
        "cmp/compare_totals.csv",
    ] {
        let text = std::fs::read_to_string(tmp.path().join(file)).unwrap();
        let mut long = 0;
        for cell in text.lines().skip(1).flat_map(|l| l.split(',')) {
            if cell.parse::<f64>().is_ok() {
                numbers += 1;
                if significant_digits(cell) > 10 {
                    long += 1;
                }
            }
        }
        assert_eq!(
            long,
            0,
            "{file} has numbers with more than 10 significant digits:\n{}",
            &text[..text.len().min(600)]
        );
    }
    assert!(numbers > 1000, "only {numbers} numbers read");
}

/// `run --shard I/N` three times and `merge` give, byte for byte, the
/// tables of one whole run (the UK baseline: every kind of input), and
/// `merge` reads the shards in any order.
#[test]
fn three_shards_merged_are_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-baseline.toml");
    let baseline = baseline.to_str().unwrap();
    let dir = tmp.path();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let out = format!("shard-{i}");
        run_ok(&["run", baseline, "--runs", "1300", "--seed", "7", "--shard", &shard, "--out", &out], dir);
        assert!(dir.join(&out).join("shard.bin").is_file());
        assert!(!dir.join(&out).join("summary.csv").exists(), "a shard writes no rounded tables");
    }
    run_ok(&["merge", "shard-3", "shard-1", "shard-2", "--out", "merged"], dir);
    run_ok(&["run", baseline, "--runs", "1300", "--seed", "7", "--threads", "1", "--no-charts", "--out", "whole"], dir);
    for name in
        ["summary.csv", "survival.csv", "posts_by_source.csv", "gap.csv", "regions.csv", "totals.csv", "exceedance.csv"]
    {
        let merged = std::fs::read(dir.join("merged").join(name)).unwrap();
        let whole = std::fs::read(dir.join("whole").join(name)).unwrap();
        assert!(merged == whole, "{name} of the merged shards differs from one run's");
    }
    assert!(dir.join("merged/report.html").is_file() && dir.join("merged/charts").is_dir());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("merged/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs"], 1300);
    assert_eq!(manifest["seed"], 7);

    // Refusals: exit 2, a message that says what is wrong, nothing written.
    run_ok(&["run", baseline, "--runs", "1300", "--seed", "8", "--shard", "3/3", "--out", "other-seed"], dir);
    run_ok(&["run", baseline, "--runs", "1000", "--seed", "7", "--shard", "3/3", "--out", "other-runs"], dir);
    let cases: [(&[&str], &str); 5] = [
        (&["shard-1", "shard-2"], "missing shard 3/3"),
        (&["shard-1", "shard-2", "shard-2", "shard-3"], "shard 2/3 is given twice"),
        (&["shard-1", "shard-2", "other-seed"], "has seed 8 but shard 1/3 has 7"),
        (&["shard-1", "shard-2", "other-runs"], "has runs 1000 but shard 1/3 has 1300"),
        (&["shard-1", "whole"], "it is not a shard"),
    ];
    for (dirs, message) in cases {
        let out = bin().arg("merge").args(dirs).args(["--out", "refused"]).current_dir(dir).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains(message), "{}", show(&out));
        assert!(!dir.join("refused").exists());
    }
    // A shard as the merged run's directory: refused, and the shard kept.
    let before = std::fs::read(dir.join("shard-1/shard.bin")).unwrap();
    let out =
        bin().args(["merge", "shard-1", "shard-2", "shard-3", "--out", "./shard-1"]).current_dir(dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is one of the shards being merged"), "{}", show(&out));
    assert_eq!(std::fs::read(dir.join("shard-1/shard.bin")).unwrap(), before);
    run_ok(&["merge", "shard-1", "shard-2", "shard-3", "--out", "merged"], dir);
    let out = bin()
        .args(["run", baseline, "--runs", "300", "--shard", "3/3", "--out", "refused"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give at most 2 shards"), "{}", show(&out));
    assert!(!dir.join("refused").exists());
}

/// `compare --shard I/N` three times and `merge` give, byte for byte, the
/// tables of the whole comparison, in any order; a comparison's shards and a
/// run's do not mix, and a comparison's shard of other asks is refused.
#[test]
fn three_comparison_shards_merged_are_one_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let file = |name: &str| root.join(name).to_str().unwrap().to_string();
    let (base, ask, risk) =
        (file("uk-baseline.toml"), file("asks/la-match-funding.toml"), file("asks/second-ukraine-shock.toml"));
    let dir = tmp.path();
    for i in 1..=3 {
        let (shard, out) = (format!("{i}/3"), format!("shard-{i}"));
        run_ok(
            &["compare", &base, &ask, &risk, "--runs", "1300", "--seed", "7", "--shard", &shard, "--out", &out],
            dir,
        );
        assert!(dir.join(&out).join("shard.bin").is_file());
        assert!(!dir.join(&out).join("compare.csv").exists(), "a shard writes no rounded tables");
    }
    run_ok(&["merge", "shard-2", "shard-3", "shard-1", "--out", "merged"], dir);
    run_ok(&["compare", &base, &ask, &risk, "--runs", "1300", "--seed", "7", "--threads", "1", "--out", "whole"], dir);
    for name in ["compare.csv", "compare_totals.csv"] {
        let merged = std::fs::read(dir.join("merged").join(name)).unwrap();
        let whole = std::fs::read(dir.join("whole").join(name)).unwrap();
        assert!(merged == whole, "{name} of the merged shards differs from the whole comparison's");
    }
    assert!(dir.join("merged/report.html").is_file() && dir.join("merged/charts").is_dir());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("merged/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs"], 1300);

    run_ok(&["compare", &base, &ask, "--runs", "1300", "--seed", "7", "--shard", "3/3", "--out", "one-ask"], dir);
    run_ok(&["run", &base, "--runs", "1300", "--seed", "7", "--shard", "3/3", "--out", "run-shard"], dir);
    let cases: [(&[&str], &str); 4] = [
        (&["shard-1", "shard-2"], "missing shard 3/3"),
        (&["shard-1", "shard-2", "shard-2", "shard-3"], "shard 2/3 is given twice"),
        (&["shard-1", "shard-2", "one-ask"], "merge only the shards of one comparison"),
        (&["shard-1", "shard-2", "run-shard"], "a comparison's"),
    ];
    for (dirs, message) in cases {
        let out = bin().arg("merge").args(dirs).args(["--out", "refused"]).current_dir(dir).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains(message), "{}", show(&out));
        assert!(!dir.join("refused").exists());
    }
}
