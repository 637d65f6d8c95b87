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
    assert_eq!((e.line, e.key.as_str()), (Some(6), "regions[0].abandon_rate"));
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
