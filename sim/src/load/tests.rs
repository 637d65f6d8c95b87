//! Loader tests: overlays (model.md §7), defaults and warnings.

use std::path::Path;

use super::*;

const BASE: &str = r#"
[scenario]
name = "base"
start = "2025-04"
[sustainability]
successors = [{ source = "same_funder", probability = 0.5, term_months = 12 }]
[[regions]]
id = "london"
demand = 100
abandon_rate = 0.1
[[regions]]
id = "wales"
demand = 50
abandon_rate = 0.1
[[grants]]
id = "a"
funder = "JTI"
region = "london"
start = "2025-01"
months = 36
posts = 2
[[grants]]
id = "b"
funder = "JTI"
region = "wales"
start = "2025-01"
months = 36
posts = 1
"#;

fn with_base(overlay: &str) -> Result<Scenario, LoadScenarioError> {
    let dir = std::env::temp_dir().join(format!(
        "fundscape-load-{}-{}",
        std::process::id(),
        crate::rng::fnv1a(overlay.as_bytes())
    ));
    std::fs::create_dir_all(&dir).map_err(|e| LoadScenarioError {
        file: dir.clone(),
        line: None,
        key: String::new(),
        message: e.to_string(),
    })?;
    let base = dir.join("base.toml");
    let _ = std::fs::write(&base, BASE);
    let result = load_str(&dir.join("overlay.toml"), &format!("[scenario]\nextends = \"base.toml\"\n{overlay}"));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[test]
fn overlays_merge_tables_and_elements_by_id() {
    let s = with_base(
        r#"
        name = "ask"
        [[regions]]
        id = "wales"
        demand = 75
        [[grants]]
        id = "b"
        remove = true
        [[grants]]
        id = "c"
        funder = "Baring Foundation"
        region = "wales"
        start = "2026-01"
        months = 24
        posts = 4
        "#,
    )
    .unwrap();
    assert_eq!(s.name, "ask");
    assert_eq!(s.regions.len(), 2);
    assert_eq!(s.regions[1].demand.as_fixed(), Some(75.0));
    assert_eq!(s.regions[1].abandon_rate.as_fixed(), Some(0.1), "unset keys keep the base's values");
    let ids: Vec<&str> = s.grants.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, ["a", "c"], "removed, kept in order, appended");
}

#[test]
fn a_plain_array_replaces_the_base_array() {
    let s =
        with_base("[sustainability]\nsuccessors = [{ source = \"legal_aid\", probability = 0.2, term_months = 6 }]\n")
            .unwrap();
    assert_eq!(s.successors.len(), 1);
    assert_eq!(s.successors[0].source, crate::scenario::SuccessorSource::LegalAid);
}

/// `remove = true` beside keys that would change the element is ambiguous:
/// refused at the first other key, saying both ways out.
#[test]
fn removing_an_element_while_setting_its_keys_is_refused() {
    let e = with_base("[[grants]]\nid = \"b\"\nremove = true\nposts = 3\n").unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("grants.b.posts", Some(6)));
    assert_eq!(
        e.message,
        "an element with `remove = true` takes only its id, but this one also sets `posts`; drop `remove = true` to \
         change `b`, or the other keys to remove it"
    );
    let s = with_base("[[grants]]\nid = \"b\"\nremove = true\n").unwrap();
    assert_eq!(s.grants.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(), ["a"]);
}

#[test]
fn removing_an_unknown_id_is_an_error_with_a_hint() {
    let e = with_base("[[grants]]\nid = \"bb\"\nremove = true\n").unwrap_err();
    assert_eq!(e.key, "grants[0].id");
    assert_eq!(e.line, Some(4));
    assert!(e.message.contains("cannot remove `bb`") && e.message.contains("did you mean `b`?"), "{}", e.message);
}

#[test]
fn defaults_fill_what_a_minimal_scenario_leaves_out() {
    let s = load_str(
        Path::new("minimal.toml"),
        "[scenario]\nstart = \"2025-04\"\n[[regions]]\nid = \"wales\"\ndemand = 10\nabandon_rate = 0.1\n",
    )
    .unwrap();
    assert_eq!((s.name.as_str(), s.years, s.runs, s.seed), ("minimal", 10, 10_000, 20_251_124));
    assert_eq!(s.posts.annual_cost.as_fixed(), Some(45_000.0));
    assert!(s.successors.is_empty());
    assert!(s.correlation_factor.is_none());
}

#[test]
fn grants_that_ended_before_the_start_are_dropped_with_a_warning() {
    let s = load_str(
        Path::new("old.toml"),
        "[scenario]\nstart = \"2025-04\"\n[[regions]]\nid = \"wales\"\ndemand = 10\nabandon_rate = 0.1\n\
         [[grants]]\nid = \"old\"\nfunder = \"JTI\"\nregion = \"wales\"\nstart = \"2020-01\"\nmonths = 36\nposts = 1\n",
    )
    .unwrap();
    assert!(s.grants.is_empty());
    assert_eq!(s.warnings.len(), 1);
    assert!(
        s.warnings[0].starts_with("grant `old` ended in 2023-01, before the scenario starts (2025-04)"),
        "{}",
        s.warnings[0]
    );
}

#[test]
fn a_distribution_outside_a_probability_is_rejected_but_an_unbounded_one_is_clamped() {
    let text = |v: &str| {
        format!("[scenario]\nstart = \"2025-04\"\n[[regions]]\nid = \"wales\"\ndemand = 10\nabandon_rate = {v}\n")
    };
    let e = load_str(Path::new("p.toml"), &text("{ dist = \"uniform\", min = 0.5, max = 1.5 }")).unwrap_err();
    assert_eq!((e.line, e.key.as_str()), (Some(6), "regions.wales.abandon_rate"));
    let s = load_str(Path::new("p.toml"), &text("{ dist = \"normal\", mean = 0.9, sd = 0.5 }")).unwrap();
    assert_eq!(s.regions[0].abandon_rate.support(), (0.0, 1.0));
}

#[test]
fn unbounded_wage_growth_is_accepted_and_grant_ids_keep_their_case() {
    let s = load_str(
        Path::new("w.toml"),
        "[scenario]\nstart = \"2025-04\"\n[economy]\nwage_growth = { dist = \"normal\", mean = 0.03, sd = 0.01 }\n\
         [[regions]]\nid = \"wales\"\ndemand = 10\nabandon_rate = 0.1\n\
         [[grants]]\nid = \"360G-ABCT-1234\"\nfunder = \"AB Charitable Trust\"\nregion = \"wales\"\nstart = \"2025-01\"\nmonths = 12\n",
    )
    .unwrap();
    assert_eq!(s.wage_growth.support().0, -0.99);
    assert_eq!(s.grants[0].id, "360G-ABCT-1234");
    let e = load_str(
        Path::new("w.toml"),
        "[scenario]\nstart = \"2025-04\"\n[economy]\nwage_growth = { dist = \"uniform\", min = -1.5, max = 0.1 }\n\
         [[regions]]\nid = \"wales\"\ndemand = 10\nabandon_rate = 0.1\n",
    )
    .unwrap_err();
    assert_eq!((e.line, e.key.as_str()), (Some(4), "economy.wage_growth"));
}

/// A distribution whose one bound lies beyond its key's range cannot be
/// clamped into it; it is rejected at load time rather than panicking later.
#[test]
fn a_range_that_misses_the_domain_is_rejected() {
    let text = |key: &str, v: &str| {
        format!("[scenario]\nstart = \"2025-04\"\n[posts]\n{key} = {v}\n[[regions]]\nid = \"wales\"\ndemand = 10\nabandon_rate = 0.1\n")
    };
    for (key, v) in [
        ("turnover", "{ dist = \"normal\", mean = 0.1, sd = 0.05, min = 2 }"),
        ("turnover", "{ dist = \"beta\", alpha = 2, beta = 3, min = 1.5 }"),
        ("annual_cost", "{ dist = \"normal\", mean = 100, sd = 5, max = -1 }"),
        ("cases_per_year", "{ dist = \"gamma\", shape = 2, scale = 3, max = -1 }"),
    ] {
        let e = load_str(Path::new("p.toml"), &text(key, v)).unwrap_err();
        assert_eq!((e.line, e.key.clone()), (Some(4), format!("posts.{key}")), "{v}");
    }
    let e = load_str(
        Path::new("w.toml"),
        "[scenario]\nstart = \"2025-04\"\n[economy]\nwage_growth = { dist = \"normal\", mean = 0.03, sd = 0.01, max = -2 }\n[[regions]]\nid = \"wales\"\ndemand = 10\nabandon_rate = 0.1\n",
    )
    .unwrap_err();
    assert_eq!(e.key, "economy.wage_growth");
}

// ---- Issue: hostile or mistaken input gets a clear refusal (file, line, key).

fn err(path: &str, text: &str) -> LoadScenarioError {
    match load_str(Path::new(path), text) {
        Ok(_) => panic!("{path} must be refused"),
        Err(e) => e,
    }
}

fn one_region(extra: &str) -> String {
    format!("[scenario]\nstart = \"2025-04\"\n[[regions]]\nid = \"a\"\ndemand = 100\nabandon_rate = 0.1\n{extra}")
}

#[test]
fn values_whose_results_cannot_be_counted_are_refused_with_the_largest_allowed() {
    let e =
        err("s.toml", &one_region("[[shocks]]\nid = \"x\"\nkind = \"demand\"\nstart = \"2025-05\"\ncases = 1e300\n"));
    assert_eq!(
        e.to_string(),
        "s.toml:11: shocks.x.cases: is 1e300, but the largest value allowed is 1,000,000,000 cases; check the number"
    );
    let e = err("s.toml", &one_region("legal_aid = { providers = 1, entry_rate = 1e300 }\n"));
    assert_eq!(
        e.to_string(),
        "s.toml:7: regions.a.legal_aid.entry_rate: is 1e300, but the largest value allowed is 100,000 offices a year; check the number"
    );
    // A distribution centred beyond the range, as a plain number there is.
    let e =
        err("s.toml", &one_region("").replace("demand = 100", "demand = { dist = \"normal\", mean = 1e300, sd = 1 }"));
    assert_eq!(
        e.to_string(),
        "s.toml:5: regions.a.demand: the distribution has a mean of 1e300, beyond the largest value allowed, 1,000,000,000 cases a year; check its parameters"
    );
    let e = err("s.toml", &format!("{}[posts]\nannual_cost = 1.7e308\n", one_region("")));
    assert_eq!(
        e.to_string(),
        "s.toml:8: posts.annual_cost: is 1.7e308, but the largest value allowed is 1,000,000,000,000 (£); check the number"
    );
    // A distribution reaching past the limit names its bound.
    let e =
        err("s.toml", &one_region("").replace("demand = 100", "demand = { dist = \"uniform\", min = 1, max = 1e12 }"));
    assert!(e.to_string().contains("uniform(1, 1000000000000) reaches 1,000,000,000,000, but the largest value allowed is 1,000,000,000 cases a year"), "{e}");
}

#[test]
fn an_unbounded_distribution_is_clamped_to_the_limit() {
    let s = load_str(
        Path::new("s.toml"),
        &one_region("").replace("demand = 100", "demand = { dist = \"normal\", mean = 100, sd = 10 }"),
    )
    .unwrap();
    assert_eq!(s.regions[0].demand.support(), (0.0, crate::load::limits::MAX_CASES));
}

fn many_regions(n: usize, extra: &str) -> String {
    let mut t = String::from("[scenario]\nstart = \"2025-04\"\n");
    for i in 0..n {
        t.push_str(&format!("[[regions]]\nid = \"r{i}\"\ndemand = 100\nabandon_rate = 0.1\n"));
    }
    t.push_str(extra);
    t
}

#[test]
fn a_round_that_could_buy_more_posts_than_a_run_may_hold_is_refused() {
    // 200 regions, a budget of £10¹² at £45,000 a post for 3 years: 7.4 million
    // posts (before, it aborted allocating 5.6 GB).
    let e = err(
        "big.toml",
        &many_regions(
            200,
            "[[rounds]]\nid = \"r\"\nfunder = \"F\"\nstart = \"2026-04\"\nbudget = 1e12\nterm_months = 36\nallocation = \"unmet\"\n",
        ),
    );
    assert_eq!(e.key, "rounds.r.budget");
    assert_eq!(e.line, Some(807));
    assert!(
        e.message.starts_with("this round could buy up to 7,407,607 posts")
            && e.message.contains("at most 1,000,000 posts are allowed in a run"),
        "{e}"
    );
    // A modest round over the same regions loads.
    assert!(load_str(
        Path::new("ok.toml"),
        &many_regions(
            200,
            "[[rounds]]\nid = \"r\"\nfunder = \"F\"\nstart = \"2026-04\"\nbudget = 2e6\nterm_months = 36\nallocation = \"unmet\"\n",
        )
    )
    .is_ok());
}

#[test]
fn runs_in_a_file_obey_the_command_line_limit() {
    let e = err("s.toml", &one_region("").replace("start = \"2025-04\"", "start = \"2025-04\"\nruns = 100000001"));
    assert_eq!(e.to_string(), "s.toml:3: scenario.runs: is 100,000,001, but at most 100,000,000 runs are allowed");
}

#[test]
fn messages_about_missing_parts_carry_a_line() {
    let e = err("s.toml", "[[regions]]\nid = \"a\"\ndemand = 1\nabandon_rate = 0.1\n");
    assert_eq!(e.to_string(), "s.toml:1: missing key `scenario`; add it");
    let e = err("s.toml", "\n[scenario]\nstart = \"2025-04\"\n");
    assert_eq!(e.to_string(), "s.toml:1: regions: a scenario needs at least one [[regions]] table");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    std::fs::write(&path, b"[scenario]\nname = \"caf\xe9\"\n").unwrap();
    let e = load(&path).unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.ends_with("not UTF-8 text"), "{e}");
}

#[test]
fn extends_chains_have_a_depth_limit_named_at_the_extends_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s0.toml"), one_region("")).unwrap();
    for i in 1..=40 {
        std::fs::write(dir.path().join(format!("s{i}.toml")), format!("[scenario]\nextends = \"s{}.toml\"\n", i - 1))
            .unwrap();
    }
    let e = load(&dir.path().join("s40.toml")).unwrap_err();
    assert_eq!(e.key, "scenario.extends");
    assert_eq!(e.line, Some(2));
    assert_eq!(e.message, "`extends` goes more than 32 files deep; merge some of the overlays into one file");
    assert!(load(&dir.path().join("s30.toml")).is_ok());
}

#[test]
fn scenario_files_that_are_not_regular_files_are_refused_at_once() {
    let e = load(Path::new("/dev/zero")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/dev/zero: cannot read the scenario file: not a regular file (a directory, device or pipe); give the path of a file"
    );
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.toml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    // Before the fix this read blocked forever; now it answers at once.
    let (tx, rx) = std::sync::mpsc::channel();
    let f = fifo.clone();
    std::thread::spawn(move || {
        let _ = tx.send(load(&f).map(|_| ()).map_err(|e| e.message));
    });
    let got = rx.recv_timeout(std::time::Duration::from_secs(20)).expect("loading a FIFO must not hang");
    assert_eq!(
        got.unwrap_err(),
        "cannot read the scenario file: not a regular file (a directory, device or pipe); give the path of a file"
    );
    let big = dir.path().join("big.toml");
    std::fs::File::create(&big).unwrap().set_len(65 * 1024 * 1024).unwrap();
    assert_eq!(load(&big).unwrap_err().message, "cannot read the scenario file: larger than the limit of 64 MB");
}

#[test]
fn merging_large_overlays_is_linear_and_keeps_order() {
    // 20,000 grants in the base; the overlay changes every other one, removes
    // some and adds more. Before, each element was found by a scan (quadratic).
    let n = 20_000;
    let mut base = one_region("");
    for i in 0..n {
        base.push_str(&format!(
            "[[grants]]\nid = \"g{i}\"\nfunder = \"F\"\nregion = \"a\"\nstart = \"2025-04\"\nmonths = 12\nposts = 0\n"
        ));
    }
    let mut overlay = String::from("[scenario]\nextends = \"base.toml\"\n");
    for i in (0..n).step_by(2) {
        overlay.push_str(&format!("[[grants]]\nid = \"g{i}\"\nposts = 1\n"));
    }
    overlay.push_str("[[grants]]\nid = \"g1\"\nremove = true\n");
    overlay.push_str(
        "[[grants]]\nid = \"extra\"\nfunder = \"F\"\nregion = \"a\"\nstart = \"2025-04\"\nmonths = 12\nposts = 2\n",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.toml"), base).unwrap();
    std::fs::write(dir.path().join("o.toml"), overlay).unwrap();
    let s = load(&dir.path().join("o.toml")).unwrap();
    assert_eq!(s.grants.len(), n);
    assert_eq!(s.grants[0].id, "g0");
    assert_eq!(s.grants[1].id, "g2");
    assert_eq!(s.grants.last().map(|g| g.id.as_str()), Some("extra"));
    assert_eq!(s.grants.iter().map(|g| g.posts).sum::<u32>(), n as u32 / 2 + 2);
}

// ---- Issue: overlays say what they change; a misspelt id is caught.

#[test]
fn a_misspelt_id_in_an_overlay_is_an_error_whether_or_not_the_element_is_complete() {
    let incomplete = with_base("[[regions]]\nid = \"londn\"\ndemand = 200\n").unwrap_err();
    assert_eq!(incomplete.key, "regions[0].id");
    assert_eq!(
        incomplete.message,
        "`londn` is not a region of base.toml; did you mean `london`? To add a new region, write new = true"
    );
    let complete = with_base("[[regions]]\nid = \"londn\"\ndemand = 200\nabandon_rate = 0.1\n").unwrap_err();
    assert_eq!(complete.message, incomplete.message);
    // With new = true it is added (a 3rd region), and `new` is not a key of the region.
    let s = with_base("[[regions]]\nid = \"londn\"\nnew = true\ndemand = 200\nabandon_rate = 0.1\n").unwrap();
    assert_eq!(s.regions.len(), 3);
    // An id far from every other needs no flag; numbered ids are not typos of each other.
    assert!(with_base("[[regions]]\nid = \"scotland\"\ndemand = 200\nabandon_rate = 0.1\n").is_ok());
    assert!(with_base(
        "[[grants]]\nid = \"c\"\nfunder = \"JTI\"\nregion = \"wales\"\nstart = \"2025-04\"\nmonths = 12\nposts = 1\n"
    )
    .is_ok());
    // new = true on an id the base has is a contradiction.
    let e = with_base("[[regions]]\nid = \"london\"\nnew = true\n").unwrap_err();
    assert_eq!(e.key, "regions.london.new");
}

#[test]
fn an_overlay_may_replace_a_distribution_by_one_of_another_form() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.toml"),
        one_region("").replace("demand = 100", "demand = { dist = \"pert\", min = 50, mode = 100, max = 200 }"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("o.toml"),
        "[scenario]\nextends = \"base.toml\"\n[[regions]]\nid = \"a\"\ndemand = { dist = \"uniform\", min = 10, max = 20 }\n",
    )
    .unwrap();
    let s = load(&dir.path().join("o.toml")).unwrap();
    assert_eq!(s.regions[0].demand.support(), (10.0, 20.0));
}

#[test]
fn the_overlay_lists_what_it_changes_with_file_and_line() {
    let s = with_base(
        "name = \"ask\"\n[[regions]]\nid = \"wales\"\ndemand = 70\n[[grants]]\nid = \"a\"\nremove = true\n[[grants]]\nid = \"new-one\"\nfunder = \"JTI\"\nregion = \"wales\"\nstart = \"2025-04\"\nmonths = 12\nposts = 1\n",
    )
    .unwrap();
    let got: Vec<(Option<usize>, String, OverlayChangeKind)> =
        s.overlay_changes.iter().map(|c| (c.line, c.key.clone(), c.what)).collect();
    assert_eq!(
        got,
        vec![
            (Some(3), "scenario.name".to_string(), OverlayChangeKind::Sets),
            (Some(4), "regions.wales".to_string(), OverlayChangeKind::Changes),
            (Some(6), "regions.wales.demand".to_string(), OverlayChangeKind::Sets),
            (Some(7), "grants.a".to_string(), OverlayChangeKind::Removes),
            (Some(10), "grants.new-one".to_string(), OverlayChangeKind::Adds),
        ]
    );
    assert!(s.overlay_changes.iter().all(|c| c.file.ends_with("overlay.toml")));
}

#[test]
fn a_funder_name_that_looks_like_a_typo_of_another_warns() {
    let s = with_base(
        "[[grants]]\nid = \"c\"\nfunder = \"JTl\"\nregion = \"wales\"\nstart = \"2025-04\"\nmonths = 12\nposts = 1\n",
    );
    // `JTl` beside `JTI`: one edit in three letters.
    assert_eq!(s.unwrap().warnings.len(), 1);
    let s = load_str(
        Path::new("f.toml"),
        &one_region("[[grants]]\nid = \"x\"\nfunder = \"Baring Foundation\"\nregion = \"a\"\nstart = \"2025-04\"\nmonths = 12\nposts = 1\n[[grants]]\nid = \"y\"\nfunder = \"Baring Foundaton\"\nregion = \"a\"\nstart = \"2025-04\"\nmonths = 12\nposts = 1\n"),
    )
    .unwrap();
    assert_eq!(
        s.warnings,
        vec!["funder `Baring Foundaton` looks like a misspelling of funder `Baring Foundation`; if they are one funder, spell them alike (spend and without_funders go by the name)".to_string()]
    );
}

/// `all` names the total over regions in every table (and every region in
/// `regions = "all"`), so a region may not take it as its id.
#[test]
fn a_region_may_not_be_called_all() {
    let text = one_region("[[regions]]\nid = \"all\"\ndemand = 50\nabandon_rate = 0.1\n");
    let e = err("all.toml", &text);
    assert_eq!((e.line, e.key.as_str()), (Some(8), "regions[1].id"));
    assert!(e.message.starts_with("`all` is reserved"), "{}", e.message);
    // An id that merely contains the word is an ordinary id.
    assert!(load_str(Path::new("ok.toml"), &text.replace("\"all\"", "\"all-wales\"")).is_ok());
}

/// A value of the wrong type says how to write the type the key takes.
#[test]
fn a_value_of_the_wrong_type_says_how_to_write_it() {
    let cases = [
        ("backlog = { dist = \"uniform\", min = 1, max = 9 }\n", "regions.a.backlog", "invalid type: map, expected a whole number; `backlog` is a count here and cannot be drawn from a distribution: write a whole number, e.g. `backlog = 10`"),
        ("backlog = \"12\"\n", "regions.a.backlog", "invalid type: string \"12\", expected a whole number; write the number without quotes, e.g. `backlog = 10`"),
        ("backlog = 2.5\n", "regions.a.backlog", "invalid type: floating point `2.5`, expected a whole number; write a whole number, e.g. `backlog = 10`"),
    ];
    for (line, key, message) in cases {
        let e = err("t.toml", &one_region(line));
        assert_eq!((e.key.as_str(), e.message.as_str()), (key, message));
    }
    let e = err("t.toml", "[scenario]\nstart = 202504\n");
    assert_eq!(
        e.message,
        "invalid type: integer `202504`, expected a string; write the month in quotes as \"YYYY-MM\", e.g. `start = \"2025-04\"`"
    );
    let e = err("t.toml", &one_region("[sustainability]\nsuccessors = \"x\"\n"));
    assert_eq!(
        e.message,
        "invalid type: string \"x\", expected a sequence; write a list in square brackets, e.g. `successors = [ … ]`"
    );
}

/// A grant that starts after the horizon's last month is kept (it draws
/// from its own streams, so it changes no other draw) but warned about: its
/// posts never appear in a run. One that starts in the last month is not.
#[test]
fn a_grant_that_starts_after_the_horizon_is_warned_about() {
    let text = |start: &str| {
        format!(
            "[scenario]\nstart = \"2025-04\"\nyears = 2\n[[regions]]\nid = \"wales\"\ndemand = 10\nabandon_rate = 0.1\n\
             [[grants]]\nid = \"late\"\nfunder = \"JTI\"\nregion = \"wales\"\nstart = \"{start}\"\nmonths = 36\nposts = 1\n"
        )
    };
    let s = load_str(Path::new("late.toml"), &text("2027-04")).unwrap();
    assert_eq!(
        s.warnings,
        vec!["grant `late` starts in 2027-04, after the horizon's last month (2027-03); its posts never appear in a run. Check its start, or lengthen the scenario's `years`".to_string()]
    );
    assert_eq!(s.grants.len(), 1);
    assert!(load_str(Path::new("last.toml"), &text("2027-03")).unwrap().warnings.is_empty());
}

/// Names and funders are one line of plain text, and a note plain text:
/// a control character (an escape sequence, a bell, a line break in a name)
/// is refused where it is written.
#[test]
fn names_and_notes_hold_no_control_characters() {
    let base = one_region("");
    for (text, key) in [
        (base.replace("[scenario]\n", "[scenario]\nname = \"a\\u001b[31mred\"\n"), "scenario.name"),
        (base.replace("[scenario]\n", "[scenario]\nnote = \"ding\\u0007\"\n"), "scenario.note"),
        (base.replace("id = \"a\"\n", "id = \"a\"\nname = \"two\\nlines\"\n"), "regions.a.name"),
        (
            format!("{base}[[grants]]\nid = \"g\"\nfunder = \"JTI\\nTrust\"\nregion = \"a\"\nstart = \"2025-04\"\nmonths = 12\nposts = 1\n"),
            "grants.g.funder",
        ),
    ] {
        let e = err("c.toml", &text);
        assert_eq!(e.key, key, "{e}");
        assert!(e.message.starts_with("holds a control character (U+00"), "{e}");
    }
    // A note may run over several lines.
    let s = load_str(Path::new("n.toml"), &base.replace("[scenario]\n", "[scenario]\nnote = \"\"\"one\ntwo\"\"\"\n"));
    assert_eq!(s.map(|s| s.note), Ok(Some("one\ntwo".to_string())));
}

/// A whole number beyond TOML's range names its key and the largest
/// allowed, and for a seed, the flag that takes larger ones.
#[test]
fn a_whole_number_beyond_toml_says_so() {
    for big in ["18446744073709551615", "18446744073709551616"] {
        let e = err("big.toml", &format!("[scenario]\nstart = \"2025-04\"\nseed = {big}\n"));
        assert_eq!(e.line, Some(3));
        assert_eq!(
            e.message,
            "invalid TOML: `seed` is a whole number larger than TOML allows (at most 9223372036854775807); write a \
             smaller one (a larger seed can be given with --seed)"
        );
    }
    let e = err("big.toml", &one_region("[[grants]]\nid = \"g\"\nfunder = \"F\"\nregion = \"a\"\nstart = \"2025-04\"\nmonths = 99999999999999999999\n"));
    assert!(e.message.starts_with("invalid TOML: `months` is a whole number larger than TOML allows"), "{e}");
}

/// A change dated after the horizon's last month is kept but warned about.
#[test]
fn a_change_after_the_horizon_is_warned_about() {
    let text = |start: &str| {
        one_region(&format!("[[changes]]\nid = \"late\"\nstart = \"{start}\"\nlocal_authority_budget = 5\n"))
            .replace("start = \"2025-04\"\n", "start = \"2025-04\"\nyears = 2\n")
    };
    let s = load_str(Path::new("c.toml"), &text("2027-04")).unwrap();
    assert_eq!(
        s.warnings,
        vec!["change `late` starts in 2027-04, after the horizon's last month (2027-03); it changes nothing. Check its start, or lengthen the scenario's `years`".to_string()]
    );
    assert!(load_str(Path::new("c.toml"), &text("2027-03")).unwrap().warnings.is_empty());
}

/// A grant that starts after its funder's last month (`[[funders]] until`)
/// is kept but warned about; one that starts by then is not.
#[test]
fn a_grant_after_its_funders_end_is_warned_about() {
    let text = |start: &str| {
        one_region(&format!(
            "[[grants]]\nid = \"g\"\nfunder = \"JTI\"\nregion = \"a\"\nstart = \"{start}\"\nmonths = 12\nposts = 1\n\
             [[funders]]\nname = \"JTI\"\nuntil = \"2027-03\"\n"
        ))
    };
    let s = load_str(Path::new("f.toml"), &text("2027-06")).unwrap();
    assert_eq!(
        s.warnings,
        vec!["grant `g` of JTI starts in 2027-06, after the funder's last month (2027-03, [[funders]] until); check its start or the funder's end".to_string()]
    );
    assert_eq!(s.grants.len(), 1);
    assert!(load_str(Path::new("f.toml"), &text("2027-03")).unwrap().warnings.is_empty());
}

/// Load errors name keys as the analyses do (model.md §10): an element by
/// its id (a successor by its source, a funder by its name), in an overlay
/// by the id it shares with the base, and by its place only where it has no
/// usable identity or the error is about the identity itself.
#[test]
fn load_errors_name_elements_by_their_ids() {
    // The base's second region, changed by an overlay whose first element it is.
    let e = with_base("[[regions]]\nid = \"wales\"\nabandon_rate = 1.5\n").unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("regions.wales.abandon_rate", Some(5)));
    let e = with_base("[[grants]]\nid = \"b\"\nposts = -1\n").unwrap_err();
    assert_eq!(e.key, "grants.b.posts");
    // Successors by source; a source listed twice by its place as well.
    let twice = "[sustainability]\nsuccessors = [{ source = \"legal_aid\", probability = 0.5, term_months = 12 }, \
                 { source = \"legal_aid\", probability = 2, term_months = 12 }]\n";
    assert_eq!(err("s.toml", &one_region(twice)).key, "sustainability.successors.legal_aid[1].probability");
    let once = "[sustainability]\nsuccessors = [{ source = \"same_funder\", probability = 0.5, term_months = 12 }, \
                { source = \"legal_aid\", probability = 2, term_months = 12 }]\n";
    assert_eq!(err("s.toml", &one_region(once)).key, "sustainability.successors.legal_aid.probability");
    // A funder by its name.
    let funder =
        "[[grants]]\nid = \"g\"\nfunder = \"Baring Foundation\"\nregion = \"a\"\nstart = \"2025-04\"\nmonths = 12\n\
                  posts = 1\n[[funders]]\nname = \"Baring Foundation\"\nuntil = \"2027\"\n";
    assert_eq!(err("s.toml", &one_region(funder)).key, "funders.Baring Foundation.until");
    // The identity itself at fault, or no identity: the element's place.
    let twice = "[[shocks]]\nid = \"x\"\nkind = \"demand\"\nstart = \"2025-05\"\ncases = 10\n";
    assert_eq!(err("s.toml", &one_region(&format!("{twice}{twice}"))).key, "shocks[1].id");
    let pairs = "[correlation]\npairs = [{ a = \"a\", b = \"z\", rho = 0.5 }]\n";
    assert_eq!(err("s.toml", &one_region(pairs)).key, "correlation.pairs[0].b");
}

/// A key left out takes its default inside the key's domain, as a written
/// value does: a slider or a solve over it cannot leave the domain (a
/// council match of 1.5 would be refused in the overlay the live page saves).
#[test]
fn defaults_keep_to_their_keys_domains() {
    let s = load_str(Path::new("s.toml"), &one_region("")).unwrap_or_else(|e| panic!("{e}"));
    let inputs = crate::inputs::inputs(&s);
    let limits = |key: &str| inputs.iter().find(|i| i.key == key).map(|i| i.value.limits());
    assert_eq!(limits("regions.a.local_authority.match"), Some((0.0, 1.0)));
    assert_eq!(limits("regions.a.legal_aid.exit_rate"), Some((0.0, 1.0)));
    assert_eq!(limits("regions.a.local_authority.budget").map(|l| l.0), Some(0.0));
}
