//! Funding rounds, dated changes and paired comparison (influencing asks).

use crate::common::*;

use fundscape_sim::rounds::whole_posts;
use fundscape_sim::{compare, run, RunConfig};
use proptest::prelude::*;

const BASE: &str = r#"
[scenario]
name = "asks base"
start = "2025-04"
years = 4
[posts]
annual_cost = 40000
turnover = 0.2
vacancy_months = { dist = "uniform", min = 0, max = 6 }
[sustainability]
successors = [
  { source = "same_funder", probability = 0.3, term_months = 24 },
  { source = "local_authority", probability = 0.5, term_months = 12 },
]
[[regions]]
id = "north-west"
demand = { dist = "pert", min = 8000, mode = 9000, max = 11000 }
demand_volatility = 0.1
backlog = 2000
abandon_rate = 0.1
other_capacity = 1000
legal_aid = { providers = 20, cases_per_provider = 150, exit_rate = 0.08, entry_rate = 1.0 }
local_authority = { budget = 80000, match = 0.0 }
[[regions]]
id = "wales"
demand = 3000
demand_volatility = 0.1
backlog = 500
abandon_rate = 0.1
legal_aid = { providers = 6, cases_per_provider = 125, exit_rate = 0.08, entry_rate = 0.3 }
[correlation]
default = 0.5
[[grants]]
id = "nw-2024"
funder = "JTI"
region = "north-west"
start = "2024-01"
months = 36
posts = 4
influencing_posts = 1
[[grants]]
id = "wales-2025"
funder = "Baring Foundation"
region = "wales"
start = "2025-07"
months = 24
posts = 2
[[shocks]]
id = "surge"
kind = "demand"
start = "2026-01"
cases = { dist = "pert", min = 500, mode = 1000, max = 2000 }
half_life_months = 6
"#;

fn config(runs: u64, seed: u64) -> RunConfig {
    RunConfig { runs, seed, threads: 0 }
}

/// A difference that is exactly zero in every run: zero mean and sd (so no
/// run differs), and, for the horizon, zero quantiles (single years carry no
/// quantiles of the difference).
fn assert_zero(r: &fundscape_sim::compare::CompareRow) {
    let d = r.diff;
    let what = format!("{} {} {:?} {}", r.alt, r.region, r.year, r.metric);
    assert_eq!((d.mean, d.sd), (0.0, 0.0), "{what}");
    if r.year.is_none() {
        assert_eq!((d.p05, d.p50, d.p95), (0.0, 0.0, 0.0), "{what}");
    } else {
        assert!(d.p05.is_nan() && d.p95.is_nan(), "{what}");
    }
}

/// An ALT identical to the base gives differences of exactly zero in every
/// run, for every figure (sd, p05 and p95 all zero, not merely a zero mean).
#[test]
fn an_identical_alternative_differs_by_exactly_zero() {
    let base = scenario(BASE);
    let same = scenario(BASE);
    let c = compare(&base, &[("same".into(), &same)], &config(500, 4), &|_| {}).unwrap();
    assert!(c.rows.len() > 100);
    for r in &c.rows {
        assert_zero(r);
        assert!(r.prob_better.is_none_or(|p| p == 0.0));
    }
}

/// A change that sets a rate to the value it already has (legal-aid exits
/// and entries, turnover), certain and dated inside the horizon, differs
/// from the base by exactly zero: the waits drawn stand (they are
/// memoryless), so the change redraws nothing and the pairing is kept. A
/// change that moves the rate does change the run.
#[test]
fn a_change_to_the_rate_in_force_differs_by_exactly_zero() {
    let base = scenario(BASE);
    let change = |exit: &str, turnover: &str| {
        format!(
            "{BASE}\n[[changes]]\nid = \"same\"\nstart = \"2026-10\"\nregions = [\"north-west\"]\nexit_rate = {exit}\n\
             entry_rate = 1.0\nturnover = {turnover}\n"
        )
    };
    let same = scenario(&change("0.08", "0.2"));
    let c = compare(&base, &[("same".into(), &same)], &config(300, 2), &|_| {}).unwrap();
    assert!(c.rows.len() > 100);
    c.rows.iter().for_each(assert_zero);
    let moved = scenario(&change("0.3", "0.2"));
    let c = compare(&base, &[("moved".into(), &moved)], &config(300, 2), &|_| {}).unwrap();
    let providers = c.get("moved", "north-west", Some(2028), "legal_aid_providers").unwrap();
    assert!(providers.diff.mean < -1.0, "{:?}", providers.diff);
}

fn with_extra_grant() -> String {
    format!(
        "{BASE}\n[[grants]]\nid = \"wales-extra\"\nfunder = \"AB Charitable Trust\"\nregion = \"wales\"\nstart = \"2025-10\"\nmonths = 36\nposts = 3\n"
    )
}

/// An ALT that adds one grant changes nothing outside that grant's region,
/// in any run: keyed streams leave every other draw as it was.
#[test]
fn adding_a_grant_changes_nothing_outside_its_region() {
    let base = scenario(BASE);
    let alt = scenario(&with_extra_grant());
    let c = compare(&base, &[("extra".into(), &alt)], &config(500, 8), &|_| {}).unwrap();
    let mut outside = 0;
    for r in c.rows.iter().filter(|r| r.region == "north-west") {
        assert_zero(r);
        outside += 1;
    }
    assert!(outside > 50);
    // And it does change its own region.
    let wales = c.get("extra", "wales", None, "post_years").unwrap();
    assert!(wales.diff.mean > 2.0, "{:?}", wales.diff);
    let served = c.get("extra", "wales", None, "served").unwrap();
    assert!(served.diff.mean > 0.0 && served.prob_better.unwrap() > 0.5);
}

/// Common random numbers: the paired difference of abandoned cases over the
/// horizon has far less variance than the difference of independent runs.
/// On this scenario (an extra grant of 3 posts in Wales, 2,000 runs) the
/// factor is about 7,800; the test asks for 1,000.
#[test]
fn paired_differences_have_far_less_variance_than_unpaired() {
    let base = scenario(BASE);
    let alt = scenario(&with_extra_grant());
    let c = compare(&base, &[("extra".into(), &alt)], &config(2000, 1), &|_| {}).unwrap();
    let paired = c.get("extra", "all", None, "abandoned").unwrap().diff.sd.powi(2);
    // Unpaired: the base on one seed, the alternative on another.
    let horizon_abandoned = |s: &fundscape_sim::Scenario, seed| {
        let plan = fundscape_sim::model::Plan::new(s);
        let mut rec = plan.new_record();
        (0..2000)
            .map(|i| {
                plan.simulate(seed, i, &mut rec, None);
                (0..4).map(|y| rec.values[plan.index(s.regions.len(), y, fundscape_sim::model::ABANDONED)]).sum::<f64>()
            })
            .collect::<Vec<f64>>()
    };
    let a = horizon_abandoned(&base, 101);
    let b = horizon_abandoned(&alt, 202);
    let diffs: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
    let (_, se) = mean_se(&diffs);
    let unpaired = se * se * diffs.len() as f64;
    let factor = unpaired / paired;
    assert!(factor > 1000.0, "variance ratio unpaired/paired = {factor}");
}

proptest! {
    /// Whole posts never cost more than the budget, never leave a whole
    /// post's money unspent, and follow the weights to within one post.
    #[test]
    fn whole_posts_spend_the_budget_and_follow_the_weights(
        budget in 0.0f64..1e8,
        weights in prop::collection::vec(0.0f64..1e5, 1..12),
    ) {
        let price = 120_000.0;
        let prices = vec![price; weights.len()];
        let posts = whole_posts(budget, &weights, &prices);
        let spent = posts.iter().map(|&n| f64::from(n) * price).sum::<f64>();
        prop_assert!(spent <= budget * (1.0 + 1e-9));
        prop_assert!(budget - spent < price * (1.0 + 1e-9));
        let wsum: f64 = weights.iter().sum();
        if wsum > 0.0 {
            for (n, w) in posts.iter().zip(&weights) {
                prop_assert!((f64::from(*n) - budget * w / wsum / price).abs() < 1.0 + 1e-6);
            }
        }
    }
}

#[test]
fn a_budget_of_exactly_n_prices_buys_n_posts() {
    assert_eq!(whole_posts(12.0 * 120_000.0, &[1.0], &[120_000.0]), vec![12]);
    assert_eq!(whole_posts(12.0 * 120_000.0 - 1.0, &[1.0], &[120_000.0]), vec![11]);
    assert_eq!(whole_posts(1e6, &[1.0], &[0.0]), vec![0]);
}

#[test]
fn a_million_in_four_equal_shares_at_150k_a_post_buys_six_posts_in_the_engine() {
    // Fails with a floor in each region (4 posts): the issue's example.
    let text = r#"
        [scenario]
        start = "2025-04"
        years = 2
        [posts]
        annual_cost = 50000
        turnover = 0
        vacancy_months = 0
        [[regions]]
        id = "a"
        demand = 100
        abandon_rate = 0.1
        [[regions]]
        id = "b"
        demand = 100
        abandon_rate = 0.1
        [[regions]]
        id = "c"
        demand = 100
        abandon_rate = 0.1
        [[regions]]
        id = "d"
        demand = 100
        abandon_rate = 0.1
        [[rounds]]
        id = "r1"
        funder = "F"
        start = "2025-04"
        budget = 1000000
        term_months = 36
        allocation = { a = 0.25, b = 0.25, c = 0.25, d = 0.25 }
    "#;
    let s = fundscape_sim::load_str(std::path::Path::new("four.toml"), text).unwrap();
    let summary = fundscape_sim::run(&s, &fundscape_sim::RunConfig { runs: 4, seed: 1, threads: 1 }, &|_| {});
    assert_eq!(summary.get("all", 2025, "posts_funded").unwrap().mean, 6.0);
    assert_eq!(summary.get("a", 2025, "posts_funded").unwrap().mean, 2.0);
    assert_eq!(summary.get("d", 2025, "posts_funded").unwrap().mean, 1.0);
}

fn round_scenario(matching: f64, allocation: &str) -> String {
    format!(
        r#"
        [scenario]
        start = "2025-04"
        years = 3
        [posts]
        annual_cost = 40000
        turnover = 0.0
        [[regions]]
        id = "london"
        demand = 12000
        abandon_rate = 0.2
        other_capacity = 2000
        local_authority = {{ budget = 0, match = {matching} }}
        [[regions]]
        id = "wales"
        demand = 3000
        abandon_rate = 0.2
        other_capacity = 2000
        [[rounds]]
        id = "round-2026"
        funder = "JTI"
        start = "2026-04"
        budget = 1440000       # 12 posts × £40,000 × 3 years
        term_months = 36
        advice_share = 0.5
        allocation = {allocation}
        "#
    )
}

/// The budget buys posts at (1 − match) of their cost: with a match of ½ in
/// the region that gets all the money, twice as many posts, in every run;
/// the local authorities' half shows as their spend.
#[test]
fn match_funding_buys_one_over_one_minus_match_as_many_posts() {
    for (matching, posts) in [(0.0, 12.0), (0.5, 24.0), (0.75, 48.0)] {
        let s = summarise(&round_scenario(matching, "{ london = 1.0 }"), 200, 3);
        let funded = s.get("london", 2026, "posts_funded").copied().unwrap();
        assert_eq!((funded.mean, funded.sd), (posts, 0.0), "match {matching}");
        assert_eq!(s.get("wales", 2026, "posts_funded").unwrap().mean, 0.0);
        let funder = s.get("london", 2026, "spend:JTI").unwrap().mean;
        let council = s.get("london", 2026, "spend:local_authority").unwrap().mean;
        if matching > 0.0 {
            assert!((council / (funder + council) - matching).abs() < 1e-9, "match {matching}: {funder} {council}");
        } else {
            assert_eq!(council, 0.0);
        }
    }
}

/// The unmet-demand rule sends the money where the previous 12 months'
/// abandonment was highest: London abandons about six times as much as
/// Wales here, so it gets most of the posts, in every run.
#[test]
fn unmet_rule_follows_the_previous_years_abandonment() {
    let s = scenario(&round_scenario(0.0, "\"unmet\""));
    let plan = fundscape_sim::model::Plan::new(&s);
    let mut rec = plan.new_record();
    let mut trace = Vec::new();
    for run in 0..50 {
        trace.clear();
        plan.simulate(5, run, &mut rec, Some(&mut trace));
        // Abandoned in the 12 months before the round (months 0..12).
        let abandoned =
            |r: usize| trace.iter().filter(|m| m.region == r && m.month < 12).map(|m| m.abandoned).sum::<f64>();
        let (london, wales) = (abandoned(0), abandoned(1));
        assert!(london > wales);
        let posts =
            |r: usize| trace.iter().find(|m| m.region == r && m.month == 12).map_or(0, |m| m.posts_funded) as f64;
        // Twelve posts' worth of budget: the whole parts of each share, and the
        // post left over to the larger remainder (largest-remainder rule).
        let exact = [12.0 * london / (london + wales), 12.0 * wales / (london + wales)];
        let mut expected = exact.map(|x| (x * (1.0 + 1e-9)).floor());
        if expected[0] + expected[1] < 12.0 {
            let k = if exact[0] - expected[0] >= exact[1] - expected[1] { 0 } else { 1 };
            expected[k] += 1.0;
        }
        assert_eq!((posts(0), posts(1)), (expected[0], expected[1]), "run {run}");
        assert_eq!(posts(0) + posts(1), 12.0, "run {run}: the whole budget buys posts");
    }
}

fn change_scenario(probability: &str) -> String {
    format!(
        r#"
        [scenario]
        start = "2025-04"
        years = 3
        [sustainability]
        successors = [{{ source = "local_authority", probability = 1.0, term_months = 12 }}]
        [[regions]]
        id = "wales"
        demand = 3000
        abandon_rate = 0.1
        legal_aid = {{ providers = 40, cases_per_provider = 50, exit_rate = 0.0, entry_rate = 0.0 }}
        local_authority = {{ budget = 0 }}
        [[grants]]
        id = "ends-before"
        funder = "JTI"
        region = "wales"
        start = "2023-08"
        months = 36              # ends 2026-08, a month before the change
        posts = 2
        [[grants]]
        id = "ends-at"
        funder = "JTI"
        region = "wales"
        start = "2023-09"
        months = 36              # ends 2026-09, the month of the change
        posts = 3
        [[changes]]
        id = "council-and-exits"
        start = "2026-09"
        probability = {probability}
        regions = ["wales"]
        local_authority_budget = 1000000
        exit_rate = 1.0
        "#
    )
}

/// A change with probability 0 changes nothing: the same bytes as without it.
#[test]
fn a_change_with_probability_zero_changes_no_byte() {
    let without = {
        let text = change_scenario("0.0");
        let cut = text.find("[[changes]]").unwrap();
        text[..cut].to_string()
    };
    let a = summarise(&without, 300, 9);
    let b = summarise(&change_scenario("0.0"), 300, 9);
    assert_eq!(fundscape_output::summary_csv(&a), fundscape_output::summary_csv(&b));
    assert_eq!(fundscape_output::survival_csv(&a), fundscape_output::survival_csv(&b));
}

/// With probability 1 a change takes effect exactly at its date: the post
/// whose term ends a month earlier finds no council budget and is lost; the
/// posts ending that month are taken on; every provider leaves that month and
/// not before.
#[test]
fn a_change_with_probability_one_takes_effect_exactly_at_its_date() {
    let s = scenario(&change_scenario("1.0"));
    let change_month = 17; // 2026-09 is month 17 from 2025-04
    for trace in traces(&s, 40, 3) {
        for m in &trace {
            if m.month < change_month - 1 {
                assert_eq!((m.posts_funded, m.posts_lost, m.providers), (5, 0, 40), "month {}", m.month);
            } else if m.month == change_month - 1 {
                assert_eq!((m.posts_funded, m.posts_lost, m.providers), (3, 2, 40), "month {}", m.month);
            } else {
                assert_eq!((m.posts_funded, m.posts_lost, m.providers), (3, 2, 0), "month {}", m.month);
            }
        }
    }
}

/// "What if a funder leaves": `without_funders` drops every grant of that
/// funder, and nothing else.
#[test]
fn without_funders_drops_that_funders_grants() {
    let text = BASE.replace("name = \"asks base\"", "name = \"asks base\"\nwithout_funders = [\"Baring Foundation\"]");
    let s = scenario(&text);
    assert_eq!(s.grants.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(), ["nw-2024"]);
    let base = scenario(BASE);
    let c = compare(&base, &[("leaves".into(), &s)], &config(300, 2), &|_| {}).unwrap();
    assert!(c.get("leaves", "wales", None, "post_years").unwrap().diff.mean < -1.0);
    assert_eq!(c.get("leaves", "north-west", None, "abandoned").unwrap().diff.sd, 0.0);
    let err = fundscape_sim::load_str(
        std::path::Path::new("x.toml"),
        &BASE.replace("name = \"asks base\"", "name = \"x\"\nwithout_funders = [\"Barring Foundation\"]"),
    )
    .unwrap_err();
    assert_eq!(err.key, "scenario.without_funders[0]");
    assert!(err.message.contains("did you mean `Baring Foundation`?"), "{}", err.message);
}

#[test]
fn changes_and_rounds_reject_what_they_cannot_do() {
    let bad_key = fundscape_sim::load_str(
        std::path::Path::new("x.toml"),
        &change_scenario("1.0").replace("exit_rate = 1.0\n", "exit_rat = 1.0\n"),
    )
    .unwrap_err();
    assert_eq!(bad_key.message, "unknown key `exit_rat`; did you mean `exit_rate`?");
    let early_round = fundscape_sim::load_str(
        std::path::Path::new("x.toml"),
        &round_scenario(0.0, "\"unmet\"").replace("start = \"2026-04\"", "start = \"2024-04\""),
    )
    .unwrap_err();
    assert_eq!(early_round.key, "rounds.round-2026.start");
    assert!(early_round.message.starts_with("a round must start inside the horizon"), "{}", early_round.message);
}

/// Comparison is deterministic whatever the thread count.
#[test]
fn comparison_is_the_same_at_any_thread_count() {
    let base = scenario(BASE);
    let alt = scenario(&with_extra_grant());
    let one =
        compare(&base, &[("extra".into(), &alt)], &RunConfig { runs: 600, seed: 5, threads: 1 }, &|_| {}).unwrap();
    let two =
        compare(&base, &[("extra".into(), &alt)], &RunConfig { runs: 600, seed: 5, threads: 2 }, &|_| {}).unwrap();
    assert_eq!(fundscape_output::compare_csv(&one), fundscape_output::compare_csv(&two));
    // And the base side of a comparison is the base scenario's own run.
    let summary = run(&base, &RunConfig { runs: 600, seed: 5, threads: 2 }, &|_| {});
    let served = summary.get("all", 2026, "served").unwrap().mean;
    assert!((one.get("extra", "all", Some(2026), "served").unwrap().base_mean - served).abs() < 1e-6 * served);
}

/// An exit shock draws its removals from its own stream: adding one that
/// (almost surely) removes nobody leaves every run exactly as it was.
#[test]
fn an_exit_shock_leaves_the_regions_own_legal_aid_draws_alone() {
    let base = scenario(BASE);
    let alt = scenario(&format!(
        "{BASE}\n[[shocks]]\nid = \"tiny-exit\"\nkind = \"legal_aid_exit\"\nstart = \"2025-06\"\nregions = [\"north-west\"]\nshare = 0.000000001\n"
    ));
    let c = compare(&base, &[("tiny-exit".into(), &alt)], &config(500, 12), &|_| {}).unwrap();
    c.rows.iter().for_each(assert_zero);
}

/// Changes of demand growth apply in date order, whatever their order in
/// the file: the later-dated change wins from its date.
#[test]
fn demand_growth_changes_apply_in_date_order() {
    let text = |first: &str, second: &str| {
        format!(
            "[scenario]\nstart = \"2025-04\"\nyears = 5\n[[regions]]\nid = \"wales\"\ndemand = 12000\nabandon_rate = 0.1\n{first}{second}"
        )
    };
    let late = "[[changes]]\nid = \"late\"\nstart = \"2028-04\"\ndemand_growth = 0.5\n";
    let early = "[[changes]]\nid = \"early\"\nstart = \"2026-04\"\ndemand_growth = 0.1\n";
    for (a, b) in [(late, early), (early, late)] {
        let s = summarise(&text(a, b), 400, 1);
        let demand = |year| s.get("wales", year, "demand").unwrap().mean;
        // 2026-27 and 2027-28 grow at 0.1, 2028-29 at 0.5.
        assert_within(
            "2027 demand",
            demand(2027),
            s.get("wales", 2027, "demand").unwrap().mcse,
            12000.0 * 0.2f64.exp(),
            4.0,
        );
        let want_2028 = 12000.0 * (0.2f64 + 0.5).exp();
        assert_within("2028 demand", demand(2028), s.get("wales", 2028, "demand").unwrap().mcse, want_2028, 4.0);
    }
}

/// `funders` and `all` name sums of spend in comparisons; a funder may not
/// take them.
#[test]
fn funder_names_that_comparisons_use_are_reserved() {
    for name in ["funders", "all", "local_authority"] {
        let err = fundscape_sim::load_str(
            std::path::Path::new("x.toml"),
            &BASE.replace("funder = \"Baring Foundation\"", &format!("funder = \"{name}\"")),
        )
        .unwrap_err();
        assert_eq!(err.key, "grants.wales-2025.funder");
        assert!(err.message.contains("is reserved"), "{}", err.message);
    }
}

/// A change of legal-aid throughput acts exactly from its month.
#[test]
fn a_change_of_cases_per_provider_sets_capacity_from_its_month() {
    let s = scenario(
        r#"
        [scenario]
        start = "2025-04"
        years = 2
        [[regions]]
        id = "wales"
        demand = 3000
        abandon_rate = 0.1
        legal_aid = { providers = 40, cases_per_provider = 60, exit_rate = 0.0, entry_rate = 0.0 }
        [[changes]]
        id = "counting"
        start = "2026-04"
        cases_per_provider = 120
        "#,
    );
    for trace in traces(&s, 20, 4) {
        for m in &trace {
            let per_office = if m.month < 12 { 60.0 } else { 120.0 };
            assert_eq!(m.capacity, 40.0 * per_office / 12.0, "month {}", m.month);
        }
    }
}

/// `[scenario] ask_cost` is what an ask costs beyond its posts: it changes
/// no run (every difference is exactly zero) and counts once in the funder £
/// of all regions; `kind = "risk"` ranks a scenario apart, never among the
/// asks, in the terminal table and the report.
#[test]
fn ask_cost_counts_in_funder_pounds_and_risks_rank_apart() {
    let base = scenario(BASE);
    let with =
        |line: &str| scenario(&BASE.replacen("name = \"asks base\"", &format!("name = \"asks base\"\n{line}"), 1));
    let campaign = with("ask_cost = 250000");
    let risk = with("kind = \"risk\"");
    let alts = [("campaign".to_string(), &campaign), ("storm".to_string(), &risk)];
    let c = compare(&base, &alts, &config(300, 8), &|_| {}).unwrap();
    for r in &c.rows {
        assert_zero(r);
    }
    let cost = |alt: &str, region: &str| c.costs.iter().find(|k| k.alt == alt && k.region == region).unwrap();
    assert_eq!(cost("campaign", "all").extra_funder_spend, 250000.0);
    assert_eq!(cost("campaign", "wales").extra_funder_spend, 0.0, "the ask's own cost counts once, in all regions");
    assert_eq!(cost("storm", "all").extra_funder_spend, 0.0);
    let table = fundscape_output::compare_table(&c);
    let (asks, risks) = table.split_once("risks against").expect("a table of risks");
    assert!(asks.contains("campaign") && !asks.contains("storm"), "{table}");
    assert!(risks.contains("storm") && !risks.contains("campaign"), "{table}");
    assert!(asks.contains("£250k"), "{table}");
    // compare_totals.csv carries the funder £ the table shows and the ask's
    // cost, in `all` alone, so an analyst can rebuild the table's £ figures.
    let totals = String::from_utf8(fundscape_output::compare_totals_csv(&c)).unwrap();
    let cell = |prefix: &str| -> Option<String> {
        totals.lines().find(|l| l.starts_with(prefix)).map(|l| l.split(',').nth(5).unwrap_or_default().to_string())
    };
    assert_eq!(cell("campaign,all,extra_funder_spend,").as_deref(), Some("250000"), "{totals}");
    assert_eq!(cell("campaign,all,ask_cost,").as_deref(), Some("250000"), "{totals}");
    assert_eq!(cell("campaign,wales,extra_funder_spend,").as_deref(), Some("0"), "{totals}");
    assert_eq!(cell("campaign,wales,ask_cost,"), None, "{totals}");
    assert_eq!(cell("storm,all,ask_cost,").as_deref(), Some("0"), "{totals}");
    // A risk has no ask_cost; an unknown kind is refused with a hint.
    let bad =
        |text: String| fundscape_sim::load_str(std::path::Path::new("inline.toml"), &text).unwrap_err().to_string();
    let e = bad(BASE.replacen("name = \"asks base\"", "name = \"x\"\nkind = \"risk\"\nask_cost = 5", 1));
    assert!(e.contains("scenario.ask_cost") && e.contains("a risk has no ask_cost"), "{e}");
    let e = bad(BASE.replacen("name = \"asks base\"", "name = \"x\"\nkind = \"risks\"", 1));
    assert!(e.contains("did you mean `risk`"), "{e}");
}
