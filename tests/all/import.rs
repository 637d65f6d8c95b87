//! The 360Giving importer on every file in `data/360giving/`: counts, totals
//! and placements checked against the files themselves (read here
//! independently with serde_json and csv), end-to-end runs of
//! `fundscape import grants`, and the scenarios its output makes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use fundscape_import::{Options, Placement, RegionLookup, Report};
use proptest::strategy::Strategy as _;

const FILES: [&str; 4] = [
    "ab_charitable_trust_2020.json",
    "baring_foundation_2014.json",
    "grantnav_fixture_esmee_small.json",
    "indigo_trust_360giving.csv",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn data(name: &str) -> PathBuf {
    root().join("data/360giving").join(name)
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fundscape"))
}

use crate::common::show;

fn lookup() -> RegionLookup {
    RegionLookup::home_office().unwrap_or_else(|e| panic!("{e}"))
}

fn import(name: &str, options: &Options) -> Report {
    let grants = fundscape_import::read_grants(&data(name)).unwrap_or_else(|e| panic!("{e}"));
    fundscape_import::import(name, &grants, &lookup(), options)
}

/// (count, total £) of a file, read without the importer.
fn independent_totals(name: &str) -> (usize, f64) {
    let bytes = std::fs::read(data(name)).unwrap();
    if name.ends_with(".csv") {
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        let col = r.headers().unwrap().iter().position(|h| h == "Amount Awarded").unwrap();
        let amounts: Vec<f64> = r.records().map(|row| row.unwrap()[col].parse::<f64>().unwrap()).collect();
        (amounts.len(), amounts.iter().sum())
    } else {
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let grants = v["grants"].as_array().unwrap();
        (grants.len(), grants.iter().map(|g| g["amountAwarded"].as_f64().unwrap()).sum())
    }
}

fn placed_by_region(report: &Report) -> BTreeMap<&str, usize> {
    let mut out = BTreeMap::new();
    for g in &report.kept {
        if let Placement::Placed { region, .. } = g.placement {
            *out.entry(region).or_default() += 1;
        }
    }
    out
}

fn reasons(report: &Report) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (_, reason) in report.unplaced() {
        // Group "beneficiary location `X` ..." by what follows the name.
        let kind = match reason.rfind("` ") {
            Some(i) => reason[i + 2..].to_string(),
            None => reason.to_string(),
        };
        *out.entry(kind).or_default() += 1;
    }
    out
}

#[test]
fn every_file_is_read_whole_with_its_total() {
    for name in FILES {
        let report = import(name, &Options::default());
        let (count, total) = independent_totals(name);
        assert_eq!(report.read, count, "{name}");
        assert_eq!(report.kept.len(), count, "{name}: no filter keeps all");
        assert!((report.total_kept() - total).abs() < 0.005, "{name}: {} against {total}", report.total_kept());
        assert_eq!(report.placed() + report.unplaced().count(), count, "{name}");
        assert!(report.other_currency.is_empty(), "{name}: all GBP");
    }
}

#[test]
fn ab_charitable_trust_places_every_coded_location() {
    let report = import("ab_charitable_trust_2020.json", &Options::default());
    assert_eq!(report.read, 154);
    assert!((report.total_kept() - 16_589_361.49).abs() < 0.005);
    // 50 grants carry a geographic code: 42 Scottish wards and council areas,
    // six Leeds LSOAs and Harrogate (Yorkshire), one Oxford LSOA.
    let bytes = std::fs::read(data("ab_charitable_trust_2020.json")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let coded = v["grants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["beneficiaryLocation"].as_array().is_some_and(|l| l.iter().any(|x| x.get("geoCode").is_some())))
        .count();
    assert_eq!(coded, 50);
    assert_eq!(report.placed(), coded);
    assert_eq!(
        placed_by_region(&report),
        BTreeMap::from([("scotland", 42), ("south-east", 1), ("yorkshire-humber", 7)])
    );
    assert_eq!(
        reasons(&report),
        BTreeMap::from([
            ("no beneficiary location".to_string(), 55),
            ("the beneficiary location is only the country code GB (all of the UK)".to_string(), 49),
        ])
    );
}

#[test]
fn mis_encoded_pound_signs_are_repaired() {
    let bytes = std::fs::read(data("ab_charitable_trust_2020.json")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let broken: Vec<&str> = v["grants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["description"].as_str().is_some_and(|d| d.contains('Â')))
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    // Five `Â£` and one `Â` before a no-break space.
    assert_eq!(broken.len(), 6);
    let grants = fundscape_import::read_grants(&data("ab_charitable_trust_2020.json")).unwrap();
    for g in grants.iter().filter(|g| broken.contains(&g.identifier.as_str())) {
        assert!(!g.description.contains('Â'), "{}: {}", g.identifier, g.description);
        assert_eq!(g.description.contains('£'), g.identifier != "360G-ThirtyPercy-FR-000000086", "{}", g.identifier);
    }
    let first = grants.iter().find(|g| g.identifier == "360G-ABCT-0065I000002yzGKQAY").unwrap();
    assert!(first.description.starts_with("A restricted grant of £100,000 towards wave 1"), "{}", first.description);
}

#[test]
fn baring_foundation_older_spellings_place_forty_grants() {
    let report = import("baring_foundation_2014.json", &Options::default());
    // 20 by their beneficiary locations, 20 national ones (`National (UK)`,
    // `Whole of UK`, `England`) by the recipient's address.
    assert_eq!((report.read, report.placed()), (53, 40));
    assert_eq!(
        placed_by_region(&report),
        BTreeMap::from([
            ("east-midlands", 1),
            ("london", 17),
            ("north-west", 6),
            ("northern-ireland", 1),
            ("scotland", 6),
            ("south-east", 2),
            ("south-west", 3),
            ("wales", 1),
            ("west-midlands", 2),
            ("yorkshire-humber", 1),
        ])
    );
    let by_address = report
        .kept
        .iter()
        .filter(|g| matches!(&g.placement, Placement::Placed { how, .. } if how.contains("covers more than one region; placed by the recipient's")))
        .count();
    assert_eq!(by_address, 20);
    // Every grant gives "Planned Dates": {"Duration months": "12" | "24" | "36"}.
    let months: BTreeMap<u32, usize> = report.kept.iter().fold(BTreeMap::new(), |mut m, g| {
        *m.entry(g.months).or_default() += 1;
        m
    });
    assert_eq!(months, BTreeMap::from([(12, 40), (24, 7), (36, 6)]));
    // Identifiers with a space keep their text, the space made a hyphen.
    assert!(report
        .kept
        .iter()
        .any(|g| g.record.identifier == "360G-baringfoundation 20140008" && g.id == "360G-baringfoundation-20140008"));
    // The immigration aid unit's grant, from its older location field.
    let gmiau = report.kept.iter().find(|g| g.id == "360G-baringfoundation-20140004").unwrap();
    assert_eq!(gmiau.record.recipient.as_deref(), Some("Greater Manchester Immigration Aid Unit"));
    assert_eq!(gmiau.placement, Placement::Placed { region: "north-west", how: "region name `North West`".into() });
    assert_eq!((gmiau.start.as_str(), gmiau.months, gmiau.posts), ("2014-03", 12, 1));
    // A planned start date wins over the award date (DD/MM/YYYY).
    let g = report.kept.iter().find(|g| g.id == "360G-baringfoundation-20140052").unwrap();
    assert_eq!(g.start, "2017-09");
    let unplaced = reasons(&report);
    // Of the 21 national ones (National (UK) ×15, Whole of UK ×5, England ×1),
    // one whose address places it nowhere.
    assert_eq!(unplaced.get("is not a known place"), Some(&1), "{unplaced:?}");
    assert_eq!(unplaced.get("covers more than one region"), None, "{unplaced:?}");
    // Global ×4, Sub-Sahara Africa, Ethiopia, South Sudan, Southern and Eastern Africa, International, North London.
    assert_eq!(unplaced.get("is not a UK region, nation or local authority in the lookup"), Some(&11), "{unplaced:?}");
    assert_eq!(unplaced.get("the beneficiary location is outside the UK (country code NL)"), Some(&1));
}

#[test]
fn indigo_trust_flat_csv_durations_and_national_locations() {
    let report = import("indigo_trust_360giving.csv", &Options::default());
    // The national ones (`UK`) by the recipient's postcode; the ones abroad
    // (`Uganda`, `USA`, ...) stay unplaced, whatever the address.
    assert_eq!((report.read, report.placed()), (269, 146));
    assert_eq!(
        placed_by_region(&report),
        BTreeMap::from([
            ("east-midlands", 2),
            ("east-of-england", 9),
            ("london", 102),
            ("north-west", 5),
            ("scotland", 1),
            ("south-east", 17),
            ("south-west", 2),
            ("wales", 3),
            ("west-midlands", 5),
        ])
    );
    let months: BTreeMap<u32, usize> = report.kept.iter().fold(BTreeMap::new(), |mut m, g| {
        *m.entry(g.months).or_default() += 1;
        m
    });
    // "12 months" ×213, "24 months" ×22, "36 months" ×29 and "Undefined" ×3 (the 36-month default), "48 months" ×2.
    assert_eq!(months, BTreeMap::from([(12, 213), (24, 22), (36, 32), (48, 2)]));
    assert_eq!(report.kept.iter().filter(|g| g.months_rule.starts_with("DEFAULT")).count(), 3);
    assert_eq!(
        reasons(&report),
        BTreeMap::from([("is not a UK region, nation or local authority in the lookup".to_string(), 123)])
    );
    let first = &report.kept[0];
    assert_eq!(
        (first.id.as_str(), first.start.as_str(), first.record.line),
        ("360G-indigotrust:IND1", "2001-03", Some(2))
    );
    // The fallback region places the rest.
    let o = Options { fallback_region: Some("london"), ..Options::default() };
    let text = fundscape_import::render(&import("indigo_trust_360giving.csv", &o), &o, "test");
    assert_eq!(text.matches("[[grants]]").count(), 269);
    assert_eq!(text.matches("region = \"london\"").count(), 102 + 123);
}

#[test]
fn esmee_fixture_places_plymouth_by_its_location_and_national_grants_by_address() {
    let report = import("grantnav_fixture_esmee_small.json", &Options::default());
    assert_eq!((report.read, report.placed()), (5, 5));
    assert_eq!(
        placed_by_region(&report),
        BTreeMap::from([("london", 2), ("south-east", 1), ("south-west", 1), ("yorkshire-humber", 1)])
    );
    assert_eq!(report.kept[0].record.funder(), "Esmée Fairbairn Foundation");
    let by_address: Vec<&str> = report
        .kept
        .iter()
        .filter(|g| matches!(&g.placement, Placement::Placed { how, .. } if how.contains("placed by the recipient's postcode")))
        .map(|g| g.id.as_str())
        .collect();
    assert_eq!(by_address, ["360G-EFF-16-3353", "360G-EFF-16-3368", "360G-EFF-16-3357", "360G-EFF-16-3366"]);
}

#[test]
fn filters_keep_what_they_name() {
    let o = |funder: Option<&str>, words: &[&str], since: Option<&str>| Options {
        funder: funder.map(String::from),
        words: words.iter().map(|w| w.to_string()).collect(),
        since: since.and_then(fundscape_import::Date::parse),
        ..Options::default()
    };
    let ab = "ab_charitable_trust_2020.json";
    assert_eq!(import(ab, &o(Some("Foundation Scotland"), &[], None)).kept.len(), 74);
    assert_eq!(import(ab, &o(Some("GB-SC-SC022910"), &[], None)).kept.len(), 74);
    assert_eq!(import(ab, &o(Some("no such funder"), &[], None)).kept.len(), 0);
    let refugee = import(ab, &o(None, &["refugee", "asylum", "immigration"], None));
    let mut ids: Vec<&str> = refugee.kept.iter().map(|g| g.id.as_str()).collect();
    ids.sort_unstable();
    // Three by their title or description, one (to Refugee Action) by its recipient's name.
    assert_eq!(
        ids,
        ["360G-ATJF-a004G00000m5w7r", "360G-EFF-20-1349", "360G-RayneFdn-17405", "360G-tnlcomfund-0045293573"]
    );
    let since = import(ab, &o(None, &[], Some("2020-01-01")));
    let bytes = std::fs::read(data(ab)).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let expected =
        v["grants"].as_array().unwrap().iter().filter(|g| g["awardDate"].as_str().unwrap() >= "2020-01-01").count();
    assert_eq!(since.kept.len(), expected);
    assert!(expected > 0 && expected < 154, "{expected}");
}

#[test]
fn import_through_the_binary_writes_tables_and_an_exact_summary() {
    let out = bin()
        .args(["import", "grants", "data/360giving/baring_foundation_2014.json", "--match", "immigration"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "data/360giving/baring_foundation_2014.json: 53 grants read, 1 kept, 1 placed, 0 unplaced, total £30,000 (kept grants)\n"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.ends_with(
            "\n# STVS Advice Provider, to Greater Manchester Immigration Aid Unit\n\
             # region: region name `North West`\n\
             # start: Award Date 2014-03-17 (no planned start date); months: planned duration 12 months\n\
             # posts: £30,000 a year (£30,000 over 12 months) / £50,000 a post = 0.60 -> 1 (nearest whole post, never below 0)\n\
             [[grants]]\nid = \"360G-baringfoundation-20140004\"\nfunder = \"The Baring Foundation\"\nregion = \"north-west\"\n\
             start = \"2014-03\"\nmonths = 12\nposts = 1\namount = 30000\n"
        ),
        "{stdout}"
    );
    assert!(stdout.starts_with("# Grants imported from data/360giving/baring_foundation_2014.json by fundscape (import grants data/360giving/baring_foundation_2014.json --match \"immigration\").\n"), "{stdout}");
}

#[test]
fn the_post_cost_comes_from_a_scenario_or_the_flag() {
    let run = |extra: &[&str]| {
        let mut args = vec!["import", "grants", "data/360giving/grantnav_fixture_esmee_small.json"];
        args.extend_from_slice(extra);
        let out = bin().args(&args).current_dir(root()).output().unwrap();
        assert!(out.status.success(), "{}", show(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The baseline's annual_cost is a PERT with mode £52,000.
    let text = run(&["--scenario", "scenarios/uk-baseline.toml"]);
    assert!(
        text.contains("# posts: £58,235.50 a year (£116,471 over 24 months) / £52,000 a post = 1.12 -> 1"),
        "{text}"
    );
    let text = run(&["--post-cost", "20000", "--scenario", "scenarios/uk-baseline.toml"]);
    assert!(text.contains("/ £20,000 a post = 2.91 -> 3 "), "{text}");
    assert!(text.contains("posts = 3\n"), "{text}");
}

#[test]
fn a_malformed_file_names_the_grant_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let good = r#"{"id": "360G-A-1", "amountAwarded": 100, "awardDate": "2020-01-01", "fundingOrganization": [{"name": "F"}]}"#;
    let cases = [
        (
            "amount.json",
            format!(r#"{{"grants": [{good}, {{"id": "360G-A-2", "amountAwarded": "a lot", "awardDate": "2020-01-01", "fundingOrganization": [{{"name": "F"}}]}}]}}"#),
            "error: amount.json: grant 2 (360G-A-2): Amount Awarded: `a lot` is not an amount of money\n",
        ),
        (
            "syntax.json",
            format!("{{\"grants\": [{good},\n  {{\"id\": }}]}}"),
            "error: syntax.json:2:10: invalid JSON: expected value\n",
        ),
        (
            "date.csv",
            "Identifier,Amount Awarded,Award Date,Funding Org:Name\n360G-B-1,5,2020-01-01,F\n360G-B-2,5,31/02/2020,F\n".to_string(),
            "error: date.csv:3: grant 2 (360G-B-2): Award Date: `31/02/2020` is not a date; write YYYY-MM-DD (or DD/MM/YYYY)\n",
        ),
        (
            "duration.csv",
            "Identifier,Amount Awarded,Award Date,Funding Org:Name,Planned Dates:Duration (months)\n360G-B-1,5,2020-01-01,F,a while\n".to_string(),
            "error: duration.csv:2: grant 1 (360G-B-1): Planned Dates:Duration (months): `a while` is not a number of months (write e.g. 12 or \"12 months\")\n",
        ),
        (
            "funder.json",
            r#"{"grants": [{"id": "360G-C-1", "amountAwarded": 1, "awardDate": "2020-01-01"}]}"#.to_string(),
            "error: funder.json: grant 1 (360G-C-1): Funding Org: missing; a grant needs its funder's Identifier or Name\n",
        ),
        (
            "shape.json",
            r#"{"grant": []}"#.to_string(),
            "error: shape.json: no `grants` array; a 360Giving JSON file is an object {\"grants\": [...]}\n",
        ),
    ];
    for (name, text, message) in cases {
        std::fs::write(tmp.path().join(name), text).unwrap();
        let out =
            bin().args(["import", "grants", name, "--out", "grants.toml"]).current_dir(tmp.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {}", show(&out));
        assert_eq!(String::from_utf8_lossy(&out.stderr), message, "{name}");
        assert!(out.stdout.is_empty(), "{name}: {}", show(&out));
        assert!(!tmp.path().join("grants.toml").exists(), "{name}: wrote something");
    }
    // Nothing but the inputs: no temporary file left behind.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 6);
    let out = bin().args(["import", "grants", "missing.json"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: missing.json: cannot read the file:"),
        "{}",
        show(&out)
    );
}

/// `--out` replaces an earlier import's file whole, and refuses anything else
/// (a user's notes, a directory, a symbolic link), leaving it as it was.
#[test]
fn out_replaces_an_earlier_import_whole_and_refuses_any_other_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out_file = tmp.path().join("grants.toml");
    let import = |extra: &[&str]| {
        bin()
            .args(["import", "grants", data("grantnav_fixture_esmee_small.json").to_str().unwrap()])
            .args(extra)
            .arg("--out")
            .arg(&out_file)
            .output()
            .unwrap()
    };
    std::fs::write(&out_file, "my notes").unwrap();
    let out = import(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: --out: {} exists and is not a file of grants fundscape imported; choose another --out (an earlier \
             import's file is replaced)\n",
            out_file.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "my notes");
    std::fs::remove_file(&out_file).unwrap();

    let out = import(&[]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).ends_with(&format!("wrote 5 grants to {}\n", out_file.display())));
    let first = std::fs::read_to_string(&out_file).unwrap();
    assert!(first.contains("id = \"360G-EFF-16-3315\"\n"), "{first}");
    // The earlier import is replaced whole, and nothing else is left beside it.
    let out = import(&["--region", "london"]);
    assert!(out.status.success(), "{}", show(&out));
    let second = std::fs::read_to_string(&out_file).unwrap();
    assert!(second.contains("--region \"london\"") && second.matches("[[grants]]").count() == 5, "{second}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);

    #[cfg(unix)]
    {
        let link = tmp.path().join("link.toml");
        std::os::unix::fs::symlink(&out_file, &link).unwrap();
        let out = bin()
            .args(["import", "grants", data("grantnav_fixture_esmee_small.json").to_str().unwrap(), "--out"])
            .arg(&link)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert!(link.is_symlink());
        assert_eq!(std::fs::read_to_string(&out_file).unwrap(), second);
    }
    let out = bin()
        .args(["import", "grants", data("grantnav_fixture_esmee_small.json").to_str().unwrap(), "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}

/// Every file's grants, all written (`--region london` for the unplaced),
/// load into a scenario that extends the UK baseline: each is a grant of the
/// scenario, or was dropped with a warning because it ended before 2025-04.
#[test]
fn imported_tables_load_in_a_scenario_on_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = root().join("scenarios/uk-baseline.toml");
    let base = fundscape_sim::load(&baseline).unwrap();
    for name in FILES {
        let out =
            bin().args(["import", "grants", data(name).to_str().unwrap(), "--region", "london"]).output().unwrap();
        assert!(out.status.success(), "{}", show(&out));
        let text = format!(
            "[scenario]\nextends = {:?}\n\n{}",
            baseline.display().to_string(),
            String::from_utf8_lossy(&out.stdout)
        );
        let file = tmp.path().join(format!("{name}.toml"));
        std::fs::write(&file, &text).unwrap();
        let validate = bin().args(["validate"]).arg(&file).output().unwrap();
        assert!(validate.status.success(), "{name}: {}", show(&validate));
        let s = fundscape_sim::load(&file).unwrap();
        let written = text.matches("[[grants]]").count();
        assert_eq!(written, independent_totals(name).0, "{name}: with --region every grant is written");
        // Grants that ended before the start are dropped with a warning each
        // (other warnings, such as funder names that look alike, do not count).
        let ended = |w: &Vec<String>| w.iter().filter(|w| w.starts_with("grant `")).count();
        let dropped = ended(&s.warnings) - ended(&base.warnings);
        assert_eq!(s.grants.len() - base.grants.len() + dropped, written, "{name}");
    }
}

/// Runs `cmd`, killing it if it has not finished within `seconds` (the test
/// then fails: a FIFO used to hang the importer for ever).
fn output_within(cmd: &mut Command, seconds: u64) -> std::process::Output {
    use std::process::Stdio;
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    for _ in 0..seconds * 20 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("still running after {seconds} s");
}

/// A FIFO, a device and a file over 64 MB are refused at once, as bad input
/// (exit status 2, nothing written): a FIFO hung the importer and
/// `/dev/zero` was read until memory ran out.
#[cfg(unix)]
#[test]
fn only_regular_files_of_at_most_64_mb_are_imported() {
    let tmp = tempfile::tempdir().unwrap();
    // Sparse: one byte over the limit without using the disk.
    let big = std::fs::File::create(tmp.path().join("big.json")).unwrap();
    big.set_len(fundscape_import::MAX_FILE_BYTES + 1).unwrap();
    let made = Command::new("mkfifo").arg(tmp.path().join("pipe.json")).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let not_regular = "not a regular file (a directory, device or pipe); give the path of a 360Giving file";
    for (file, message) in [
        ("big.json", "error: big.json: larger than the limit of 64 MB\n".to_string()),
        ("pipe.json", format!("error: pipe.json: {not_regular}\n")),
        ("/dev/zero", format!("error: /dev/zero: {not_regular}\n")),
    ] {
        let out =
            output_within(bin().args(["import", "grants", file, "--out", "grants.toml"]).current_dir(tmp.path()), 30);
        assert_eq!(out.status.code(), Some(2), "{file}: {}", show(&out));
        assert_eq!(String::from_utf8_lossy(&out.stderr), message, "{file}");
        assert!(!tmp.path().join("grants.toml").exists(), "{file}: wrote something");
    }
}

/// The importer's reserved funder names are the loader's: every successor
/// source is among them, and the loader refuses each for a grant's funder.
#[test]
fn reserved_funder_names_are_the_ones_a_scenario_refuses() {
    for source in fundscape_sim::scenario::SuccessorSource::ALL {
        assert!(fundscape_import::RESERVED_FUNDERS.contains(&source.as_str()), "{}", source.as_str());
    }
    let tiny = std::fs::read_to_string(root().join("tests/data/tiny.toml")).unwrap();
    for name in fundscape_import::RESERVED_FUNDERS {
        let text = tiny.replace("funder = \"JTI\"", &format!("funder = \"{name}\""));
        let e = fundscape_sim::load_str(Path::new("tiny.toml"), &text).unwrap_err();
        assert!(e.to_string().contains("is reserved"), "{name}: {e}");
    }
}

/// A file whose funders have names a scenario reserves, and whose text holds
/// control characters, imports into tables that load: the funders renamed
/// (and the summary says so), the ids and comments clean.
#[test]
fn reserved_funders_and_control_characters_still_give_tables_that_load() {
    let tmp = tempfile::tempdir().unwrap();
    let grant = |id: &str, funder: &str, title: &str, place: Option<&str>| {
        let mut g = serde_json::json!({
            "id": id, "title": title, "amountAwarded": 90000, "awardDate": "2025-01-01",
            "plannedDates": [{"duration": 36}], "fundingOrganization": [{"name": funder}],
            "recipientOrganization": [{"name": "Aid\u{1b}[31m Unit\u{0}"}],
        });
        if let Some(p) = place {
            g["beneficiaryLocation"] = serde_json::json!([{"name": p}]);
        }
        g
    };
    let file = serde_json::json!({"grants": [
        grant("360G-R-1", "all", "Advice\u{0}hub\r\n\u{7f}# [[grants]]", Some("Manchester")),
        grant("360G-R\u{0}2", "same_funder", "Casework\u{85}team", Some("Cardiff")),
        grant("360G-R-3", "legal_aid", "\u{2028}", None),
    ]});
    std::fs::write(tmp.path().join("grants.json"), file.to_string()).unwrap();
    let out =
        bin().args(["import", "grants", "grants.json", "--region", "wales"]).current_dir(tmp.path()).output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let why =
        |name: &str| format!("a scenario reserves `{name}` (a successor source, or a sum of spend in comparisons)");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "grants.json: 3 grants read, 3 kept, 2 placed, 1 unplaced, total £270,000 (kept grants)\n\
             funder `all` written as `all (funder)` in 1 grant: {}\n\
             funder `same_funder` written as `same_funder (funder)` in 1 grant: {}\n\
             funder `legal_aid` written as `legal_aid (funder)` in 1 grant: {}\n\
             unplaced, written to `wales` (--region):\n  360G-R-3: no beneficiary location\n",
            why("all"),
            why("same_funder"),
            why("legal_aid")
        )
    );
    let tables = String::from_utf8_lossy(&out.stdout);
    assert!(tables.contains("\n# Advice hub # [[grants]], to Aid [31m Unit\n"), "{tables}");
    let scenario = format!("{}\n{tables}", std::fs::read_to_string(root().join("tests/data/tiny.toml")).unwrap());
    let s =
        fundscape_sim::load_str(Path::new("with-grants.toml"), &scenario).unwrap_or_else(|e| panic!("{e}\n{tables}"));
    let imported: Vec<(&str, &str, &str)> = s
        .grants
        .iter()
        .filter(|g| g.id.starts_with("360G"))
        .map(|g| (g.id.as_str(), g.funder.as_str(), s.regions[g.region].id.as_str()))
        .collect();
    assert_eq!(
        imported,
        [
            ("360G-R-1", "all (funder)", "north-west"),
            ("360G-R-2", "same_funder (funder)", "wales"),
            ("360G-R-3", "legal_aid (funder)", "wales")
        ]
    );
    std::fs::write(tmp.path().join("with-grants.toml"), &scenario).unwrap();
    let validate = bin().args(["validate", "with-grants.toml"]).current_dir(tmp.path()).output().unwrap();
    assert!(validate.status.success(), "{}", show(&validate));
}

/// An amount beyond what a scenario allows (£10¹², the loader's limit on
/// money) is left out and listed, so the tables written always load; up to
/// the limit a grant is written and loads.
#[test]
fn a_huge_amount_still_gives_a_table_that_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let file = r#"{"grants": [{"id": "360G-H-1", "amountAwarded": "10000000000000000000", "awardDate": "2025-01-01",
        "fundingOrganization": [{"name": "F"}], "beneficiaryLocation": [{"name": "Cardiff"}]}]}"#;
    std::fs::write(tmp.path().join("huge.json"), file).unwrap();
    let out = bin().args(["import", "grants", "huge.json"]).current_dir(tmp.path()).output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let tables = String::from_utf8_lossy(&out.stdout);
    // More than a scenario allows (£10¹²): left out and listed, so the tables still load.
    assert!(!tables.contains("[[grants]]"), "{tables}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "360G-H-1: left out: amount £10,000,000,000,000,000,000 is more than £1,000,000,000,000, the most a scenario allows"
        ),
        "{}",
        show(&out)
    );
    let scenario = format!("{}\n{tables}", std::fs::read_to_string(root().join("tests/data/tiny.toml")).unwrap());
    let s = fundscape_sim::load_str(Path::new("huge.toml"), &scenario).unwrap_or_else(|e| panic!("{e}\n{tables}"));
    assert!(!s.grants.iter().any(|g| g.id == "360G-H-1"));
    // £10¹² itself is allowed, and loads.
    let file = file.replace("10000000000000000000", "1000000000000");
    std::fs::write(tmp.path().join("big.json"), file).unwrap();
    let out = bin().args(["import", "grants", "big.json"]).current_dir(tmp.path()).output().unwrap();
    let tables = String::from_utf8_lossy(&out.stdout);
    let scenario = format!("{}\n{tables}", std::fs::read_to_string(root().join("tests/data/tiny.toml")).unwrap());
    let s = fundscape_sim::load_str(Path::new("big.toml"), &scenario).unwrap_or_else(|e| panic!("{e}\n{tables}"));
    assert!(s.grants.iter().any(|g| g.id == "360G-H-1" && g.posts == 100_000));
}

/// Text with the characters that could break a scenario: line ends, NUL,
/// DEL, escapes, C1 controls, separators, quotes, `#`, and any other.
fn awkward() -> impl proptest::strategy::Strategy<Value = String> {
    proptest::prop_oneof![
        "[\\x00-\\x20\\x7f-\\x9f\"'\\\\#=\\[\\]a\u{a0}\u{2028}\u{feff}é£Â]{0,16}",
        proptest::arbitrary::any::<String>(),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 64, ..proptest::test_runner::Config::default() })]
    /// Whatever a grant's text, funder and amount, its table loads in a
    /// scenario, with the id and funder the importer reported.
    #[test]
    fn any_grant_gives_a_table_that_loads(
        title in awkward(), recipient in awkward(), place in awkward(), identifier in awkward(),
        funder in proptest::prop_oneof![
            proptest::sample::select(fundscape_import::RESERVED_FUNDERS.to_vec()).prop_map(String::from),
            awkward().prop_map(|t| format!("F{t}")),
        ],
        amount in 0.0..1e25f64,
    ) {
        static LOOKUP: std::sync::OnceLock<RegionLookup> = std::sync::OnceLock::new();
        let grant = serde_json::json!({
            "id": format!("360G{identifier}"), "title": title, "amountAwarded": format!("{amount}"),
            "awardDate": "2025-05-01", "fundingOrganization": [{"name": funder}],
            "recipientOrganization": [{"name": recipient}], "beneficiaryLocation": [{"name": place}],
        });
        let grants = fundscape_import::parse("p.json", &serde_json::json!({"grants": [grant]}).to_string(), fundscape_import::Form::Json)
            .unwrap_or_else(|e| panic!("{e}"));
        let o = Options { fallback_region: Some("wales"), ..Options::default() };
        let report = fundscape_import::import("p.json", &grants, LOOKUP.get_or_init(lookup), &o);
        let tables = fundscape_import::render(&report, &o, "test");
        let tiny = std::fs::read_to_string(root().join("tests/data/tiny.toml")).unwrap();
        let s = fundscape_sim::load_str(Path::new("p.toml"), &format!("{tiny}\n{tables}"))
            .unwrap_or_else(|e| panic!("{e}\n{tables}"));
        if amount > fundscape_import::MAX_AMOUNT {
            proptest::prop_assert!(report.kept.is_empty() && report.too_large.len() == 1);
            return Ok(());
        }
        let g = &s.grants[s.grants.len() - 1];
        proptest::prop_assert_eq!(&g.id, &report.kept[0].id);
        proptest::prop_assert_eq!(&g.funder, &report.kept[0].funder);
    }
}

/// Grants with no beneficiary location are placed by the recipient's
/// postcode area, then by its locality; a beneficiary location, when there
/// is one, comes first; the comment says which rule placed each grant.
#[test]
fn grants_without_a_beneficiary_location_are_placed_by_the_recipients_address() {
    let fixture = root().join("tests/data/no-beneficiary-locations.json");
    let out = bin().args(["import", "grants"]).arg(&fixture).output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let tables = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let region_of = |id: &str| -> Option<String> {
        let at = tables.find(&format!("id = \"{id}\""))?;
        tables[at..].lines().find_map(|l| l.strip_prefix("region = ").map(|r| r.trim_matches('"').to_string()))
    };
    assert_eq!(region_of("360G-T-1").as_deref(), Some("north-west"));
    assert_eq!(region_of("360G-T-2").as_deref(), Some("yorkshire-humber"));
    assert_eq!(region_of("360G-T-5").as_deref(), Some("south-west"), "the beneficiary location comes first");
    assert_eq!(region_of("360G-T-3"), None);
    assert_eq!(region_of("360G-T-4"), None);
    assert!(
        tables.contains(
            "# region: no beneficiary location; placed by the recipient's postcode `M15 5TJ`, postcode area M"
        ),
        "{tables}"
    );
    assert!(tables.contains("# region: no beneficiary location; placed by the recipient's locality:"), "{tables}");
    assert!(
        stderr.contains(
            "360G-T-3: no beneficiary location; recipient's postcode `JE2 3QA` is in JE, outside the UK's regions"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("360G-T-4: no beneficiary location\n"), "{stderr}");
    assert!(stderr.contains("5 grants read, 5 kept, 3 placed, 2 unplaced"), "{stderr}");
}
