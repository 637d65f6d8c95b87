//! The engine against closed-form answers. Each check states its tolerance
//! in Monte Carlo standard errors (k = 4 unless said otherwise: a false
//! failure about once in 16,000 checks).

use crate::common::*;

const K: f64 = 4.0;

/// One region, no growth, fixed capacity below demand, a backlog large
/// enough that the queue never falls below capacity: `served = c` every
/// month, and the expected backlog follows
/// `E[B(m+1)] = (E[B(m)] + μ − c)(1 − p)` exactly, with abandonment
/// `E[A(m)] = (E[B(m)] + μ − c)·p`.
#[test]
fn backlog_and_abandonment_follow_their_recursion_month_by_month() {
    let s = scenario(
        r#"
        [scenario]
        start = "2025-04"
        years = 2
        [[regions]]
        id = "north-west"
        demand = 12000          # μ = 1000 a month
        backlog = 5000
        abandon_rate = 0.1
        other_capacity = 6000   # c = 500 a month
        "#,
    );
    let runs = 2000;
    let traces = traces(&s, runs, 11);
    let (mu, c, p) = (1000.0, 500.0, 0.1);
    let mut expected_backlog = 5000.0;
    for m in 0..24 {
        let served: Vec<f64> = traces.iter().map(|t| t[m].served).collect();
        assert!(served.iter().all(|&x| x == c), "month {m}: the queue fell below capacity");
        let expected_abandoned = (expected_backlog + mu - c) * p;
        expected_backlog = (expected_backlog + mu - c) * (1.0 - p);
        let (mean, se) = mean_se(&traces.iter().map(|t| t[m].abandoned).collect::<Vec<_>>());
        assert_within(&format!("abandoned in month {m}"), mean, se, expected_abandoned, K);
        let (mean, se) = mean_se(&traces.iter().map(|t| t[m].backlog_end).collect::<Vec<_>>());
        assert_within(&format!("backlog at the end of month {m}"), mean, se, expected_backlog, K);
    }
}

fn successor_scenario(successors: &str) -> String {
    format!(
        r#"
        [scenario]
        start = "2025-04"
        years = 6
        [posts]
        turnover = 0.3
        [sustainability]
        successors = [{successors}]
        [[regions]]
        id = "wales"
        demand = 1000
        abandon_rate = 0.05
        [[grants]]
        id = "advice-2024"
        funder = "JTI"
        region = "wales"
        start = "2024-04"
        months = 24             # first term ends in month 12
        posts = 6
        influencing_posts = 4
        "#
    )
}

/// One successor of probability p: the share still funded just after the
/// grant ends is p, whatever the staffing.
#[test]
fn one_successor_keeps_a_share_p_of_posts() {
    let p = 0.3;
    let summary = summarise(
        &successor_scenario(&format!("{{ source = \"same_funder\", probability = {p}, term_months = 12 }}")),
        4000,
        5,
    );
    let k0 = &summary.survival[0];
    assert_eq!(k0.months_after_first_end, 0);
    assert_within("survival at the term end", k0.stat.mean, k0.stat.mcse, p, K);
    // After a second term end (12 months later) the chance is p².
    let k12 = &summary.survival[1];
    assert_eq!(k12.months_after_first_end, 12);
    assert_within("survival after two term ends", k12.stat.mean, k12.stat.mcse, p * p, K);
}

/// Two successors tried in a chain: survival `1 − (1 − p1)(1 − p2)` per
/// term end, so `s^(j+1)` after j further 12-month terms.
#[test]
fn two_successors_in_a_chain_compound_per_term_end() {
    let (p1, p2): (f64, f64) = (0.25, 0.4);
    let summary = summarise(
        &successor_scenario(&format!(
            "{{ source = \"same_funder\", probability = {p1}, term_months = 12 }}, {{ source = \"legal_aid\", probability = {p2}, term_months = 12 }}"
        )),
        4000,
        6,
    );
    let s = 1.0 - (1.0 - p1) * (1.0 - p2);
    for (j, row) in summary.survival.iter().take(4).enumerate() {
        assert_eq!(row.months_after_first_end, 12 * j);
        assert_within(
            &format!("survival {} months after", 12 * j),
            row.stat.mean,
            row.stat.mcse,
            s.powi(j as i32 + 1),
            K,
        );
    }
}

/// A local-authority budget with room for exactly n posts: exactly n of the
/// posts whose grants end survive, in every run, and the budget is re-used
/// when their 12-month terms end.
#[test]
fn local_authority_budget_funds_exactly_n_posts_every_run() {
    let n = 3.0;
    let cost = 40_000.0;
    let summary = summarise(
        &format!(
            r#"
            [scenario]
            start = "2025-04"
            years = 4
            [posts]
            annual_cost = {cost}
            [sustainability]
            successors = [{{ source = "local_authority", probability = 1.0, term_months = 12 }}]
            [[regions]]
            id = "west-midlands"
            demand = 2000
            abandon_rate = 0.05
            local_authority = {{ budget = {budget}, match = 0.0 }}
            [[grants]]
            id = "a"
            funder = "JTI"
            region = "west-midlands"
            start = "2023-04"
            months = 36
            posts = 5
            [[grants]]
            id = "b"
            funder = "Baring Foundation"
            region = "west-midlands"
            start = "2023-04"
            months = 36
            influencing_posts = 3
            "#,
            budget = n * cost
        ),
        500,
        9,
    );
    for row in &summary.survival {
        let s = row.stat;
        assert_eq!(
            (s.mean, s.sd, s.p05, s.p95),
            (n / 8.0, 0.0, n / 8.0, n / 8.0),
            "k = {}",
            row.months_after_first_end
        );
    }
    for year in [2026, 2027] {
        let funded = summary.get("all", year, "posts_funded").copied().unwrap_or_else(|| panic!("posts_funded {year}"));
        assert_eq!((funded.mean, funded.sd), (n, 0.0), "{year}");
        let lost =
            summary.get("west-midlands", year, "posts_lost").copied().unwrap_or_else(|| panic!("posts_lost {year}"));
        assert_eq!(lost.mean, 8.0 - n);
    }
}

/// A decaying shock adds exactly its `cases` in its first twelve months: with
/// no other demand, the expected demand of year 0 is C.
#[test]
fn decaying_shock_adds_its_cases_in_the_first_year() {
    let c = 6000.0;
    let summary = summarise(
        &format!(
            r#"
            [scenario]
            start = "2025-04"
            years = 2
            [[regions]]
            id = "london"
            demand = 0
            abandon_rate = 0.05
            [[regions]]
            id = "wales"
            demand = 0
            abandon_rate = 0.05
            [[shocks]]
            id = "ukraine"
            kind = "demand"
            start = "2025-04"
            regions = {{ london = 0.75, wales = 0.25 }}
            cases = {c}
            half_life_months = 6
            "#
        ),
        2000,
        3,
    );
    let total = summary.get("all", 2025, "demand").copied().unwrap_or_else(|| panic!("demand"));
    assert_within("year-0 demand", total.mean, total.mcse, c, K);
    let london = summary.get("london", 2025, "demand").copied().unwrap_or_else(|| panic!("london"));
    assert_within("london's share", london.mean, london.mcse, 0.75 * c, K);
    // The second year carries the tail: C · 2^(−12/6) · (same geometric sum) = C/4.
    let tail = summary.get("all", 2026, "demand").copied().unwrap_or_else(|| panic!("tail"));
    assert_within("year-1 tail", tail.mean, tail.mcse, c / 4.0, K);
}

/// An exit wave of share ½ on N providers leaves Binomial(N, ½): mean N/2,
/// sd √N/2.
#[test]
fn exit_wave_halves_providers() {
    let summary = summarise(
        r#"
        [scenario]
        start = "2025-04"
        years = 1
        [[regions]]
        id = "london"
        demand = 1000
        abandon_rate = 0.05
        legal_aid = { providers = 1000, cases_per_provider = 100, exit_rate = 0.0, entry_rate = 0.0 }
        [[shocks]]
        id = "exit-wave"
        kind = "legal_aid_exit"
        start = "2025-06"
        regions = ["london"]
        share = 0.5
        "#,
        4000,
        2,
    );
    let p = summary.get("london", 2025, "legal_aid_providers").copied().unwrap_or_else(|| panic!("providers"));
    assert_within("providers after the wave", p.mean, p.mcse, 500.0, K);
    let sd = 1000f64.sqrt() / 2.0;
    // The sample sd of 4000 draws is within 10% of the true sd (its relative
    // standard error is about 1/√(2·4000) ≈ 1.1%).
    assert!((p.sd - sd).abs() < 0.1 * sd, "sd {} vs {sd}", p.sd);
}

fn correlated(rho: &str) -> String {
    format!(
        r#"
        [scenario]
        start = "2025-04"
        years = 2
        [[regions]]
        id = "london"
        demand = 12000
        demand_volatility = 0.2
        abandon_rate = 0.05
        [[regions]]
        id = "south-east"
        demand = 12000
        demand_volatility = 0.2
        abandon_rate = 0.05
        [correlation]
        default = {rho}
        "#
    )
}

/// Correlated demand shows in the spread of total demand. In year 1 each
/// region's demand is Poisson with mean d·G, G = exp(σz); so
/// `Var(total) = 2d·e^(σ²/2) + d²·e^(σ²)·[2(e^(σ²) − 1) + 2(e^(ρσ²) − 1)]`.
#[test]
fn correlation_widens_the_spread_of_total_demand() {
    let (d, sigma2): (f64, f64) = (12000.0, 0.04);
    let expected_sd = |rho: f64| {
        (2.0 * d * (sigma2 / 2.0).exp()
            + d * d * sigma2.exp() * (2.0 * (sigma2.exp() - 1.0) + 2.0 * ((rho * sigma2).exp() - 1.0)))
            .sqrt()
    };
    for rho in [0.0, 0.9, 1.0, -0.5] {
        let summary = summarise(&correlated(&rho.to_string()), 8000, 21);
        let total = summary.get("all", 2026, "demand").copied().unwrap_or_else(|| panic!("demand"));
        let want = expected_sd(rho);
        // Relative standard error of a sample sd of 8000 near-normal draws is
        // about 0.8%; 6% allows for the lognormal's heavier tail.
        assert!((total.sd - want).abs() < 0.06 * want, "rho {rho}: sd {} vs {want}", total.sd);
    }
}

/// Legal-aid offices month by month. With exit probability p a month
/// (q = 1 − p) and Poisson(λ) entries a month from N₀ offices, the offices at
/// the end of month m are Binomial(N₀, q^(m+1)) + Poisson(λ(1 − q^(m+1))/p):
/// mean `N₀q^(m+1) + λ(1 − q^(m+1))/p`, and the variance is the sum of the
/// two parts'. A change of exit and entry rates at month c starts the same
/// recursion again from month c, with the new rates applied to the offices
/// then present; an exit wave of share s at month w keeps a share 1 − s of
/// them, which ends as Binomial(N, 1 − s) before that month's exits.
fn expected_offices(
    n0: f64,
    months: usize,
    rates: impl Fn(usize) -> (f64, f64),
    wave: Option<(usize, f64)>,
) -> Vec<(f64, f64)> {
    // (mean, variance) at the end of each month. Each month maps N to
    // Binomial(Binomial(N, 1 − s), q) + Poisson(λ): mean μ·(1 − s)q + λ and
    // variance σ²·((1 − s)q)² + μ·(1 − s)q·(1 − (1 − s)q) + λ.
    let (mut mean, mut var) = (n0, 0.0);
    (0..months)
        .map(|m| {
            let (p, lambda) = rates(m);
            let keep = (1.0 - p) * wave.filter(|(w, _)| *w == m).map_or(1.0, |(_, s)| 1.0 - s);
            var = var * keep * keep + mean * keep * (1.0 - keep) + lambda;
            mean = mean * keep + lambda;
            (mean, var)
        })
        .collect()
}

fn offices_scenario(extra: &str) -> String {
    format!(
        r#"
        [scenario]
        start = "2025-04"
        years = 3
        [[regions]]
        id = "wales"
        demand = 1000
        abandon_rate = 0.05
        legal_aid = {{ providers = 40, cases_per_provider = 100, exit_rate = 0.3, entry_rate = 6.0 }}
        {extra}
        "#
    )
}

fn assert_offices(s: &fundscape_sim::Scenario, runs: u64, seed: u64, expected: &[(f64, f64)]) {
    let traces = traces(s, runs, seed);
    for (m, &(mean, var)) in expected.iter().enumerate() {
        let offices: Vec<f64> = traces.iter().map(|t| t[m].providers as f64).collect();
        let (got, se) = mean_se(&offices);
        assert_within(&format!("offices at the end of month {m}"), got, se, mean, K);
        let sd = (se * se * runs as f64).sqrt();
        // The sample sd of 3000 near-Poisson counts is within 10% of the true
        // sd (its relative standard error is about 1/√6000 ≈ 1.3%).
        assert!((sd - var.sqrt()).abs() < 0.1 * var.sqrt(), "month {m}: sd {sd} vs {}", var.sqrt());
    }
}

#[test]
fn legal_aid_offices_leave_and_enter_at_their_monthly_rates() {
    let p = 1.0 - 0.7f64.powf(1.0 / 12.0);
    let expected = expected_offices(40.0, 36, |_| (p, 0.5), None);
    assert_offices(&scenario(&offices_scenario("")), 3000, 31, &expected);
}

#[test]
fn legal_aid_rate_changes_and_exit_waves_act_from_their_month() {
    let s = scenario(&offices_scenario(
        r#"
        [[changes]]
        id = "fees"
        start = "2026-01"
        probability = 1.0
        regions = ["wales"]
        exit_rate = 0.05
        entry_rate = 1.2
        [[shocks]]
        id = "wave"
        kind = "legal_aid_exit"
        start = "2026-10"
        regions = ["wales"]
        share = 0.4
        "#,
    ));
    let (before, after) = (1.0 - 0.7f64.powf(1.0 / 12.0), 1.0 - 0.95f64.powf(1.0 / 12.0));
    // The change is at month 9 (2026-01), the wave at month 18 (2026-10).
    let expected = expected_offices(40.0, 36, |m| if m < 9 { (before, 0.5) } else { (after, 0.1) }, Some((18, 0.4)));
    assert_offices(&s, 3000, 32, &expected);
}

/// A scenario whose change `fees` (dated 2026-04, month 12) doubles legal
/// aid's capacity in `a` when it happens, with influencing posts of `JTI`
/// filled from month 0 and never leaving: `posts` of them in `grant_region`.
fn influence_scenario(posts: u32, grant_region: &str, influence: &str) -> String {
    format!(
        r#"
        [scenario]
        start = "2025-04"
        years = 2
        [posts]
        turnover = 0
        [[regions]]
        id = "a"
        demand = 1000
        abandon_rate = 0.1
        legal_aid = {{ providers = 10, cases_per_provider = 1200 }}
        [[regions]]
        id = "b"
        demand = 1000
        abandon_rate = 0.1
        [[grants]]
        id = "organisers"
        funder = "JTI"
        region = "{grant_region}"
        start = "2024-04"
        months = 60
        posts = 0
        influencing_posts = {posts}
        [[changes]]
        id = "fees"
        start = "2026-04"
        regions = ["a"]
        probability = 0
        influence = {influence}
        cases_per_provider = 2400
        "#
    )
}

/// Whether the change happened in each run: legal aid's capacity in `a`
/// (region 0) in month 12 is 2,000 cases with it and 1,000 without.
fn fees_happened(text: &str, runs: u64) -> Vec<bool> {
    traces(&scenario(text), runs, 17)
        .iter()
        .map(|t| {
            let row = t.iter().find(|r| r.month == 12 && r.region == 0).expect("month 12 of region a");
            row.capacity > 1500.0
        })
        .collect()
}

/// Influence on a change's chance (`[[changes]] influence`): two
/// influencing posts filled from month 0 are E = 2 post-years at month 12;
/// with base 0, max 1 and half_at 2, p = 0 + 1 · 2 / (2 + 2) = 1/2, so the
/// change happens in half the runs (within K standard errors). Posts
/// outside `influence.regions`, or of another funder, change nothing; more
/// influencing makes the change happen in a superset of the runs.
#[test]
fn influencing_posts_raise_a_change_s_chance_as_the_formula_says() {
    let runs = 4000;
    let share = |xs: &[bool]| xs.iter().filter(|&&x| x).count() as f64 / xs.len() as f64;
    let two = fees_happened(&influence_scenario(2, "a", "{ max = 1, half_at = 2 }"), runs);
    let p = share(&two);
    assert_within("share of runs where the change happens", p, (0.25 / runs as f64).sqrt(), 0.5, K);

    // p = 1 · 6 / (6 + 2) = 3/4 with six posts, in every run where two sufficed.
    let six = fees_happened(&influence_scenario(6, "a", "{ max = 1, half_at = 2 }"), runs);
    assert_within("with six posts", share(&six), (0.75 * 0.25 / runs as f64).sqrt(), 0.75, K);
    assert!(two.iter().zip(&six).all(|(&a, &b)| !a || b), "more influencing must happen in a superset of runs");

    let outside = fees_happened(&influence_scenario(2, "b", "{ max = 1, half_at = 2 }"), runs);
    assert_eq!(share(&outside), 0.0, "influencing posts outside influence.regions count for nothing");
    let counted_there = fees_happened(&influence_scenario(2, "b", "{ max = 1, half_at = 2, regions = [\"b\"] }"), runs);
    assert_eq!(counted_there, two, "the same posts counted in b give the same draws");
    let other_funder =
        fees_happened(&influence_scenario(2, "a", "{ max = 1, half_at = 2, funders = [\"other_funder\"] }"), runs);
    assert_eq!(share(&other_funder), 0.0, "posts of another funder count for nothing");
}

/// A post renewed by its own funder (`same_funder`) is still that funder's:
/// the two influencing posts of `JTI` end their grant in month 3 (2025-07)
/// and are renewed by `same_funder` for 36 months, so at month 12 E = 2
/// post-years whether `influence.funders` names `JTI`, `same_funder` and
/// `JTI`, or nobody (p = 1/2); naming `same_funder` alone counts the
/// renewed months only (E = 9/12 · 2 = 1.5, p = 1.5 / 3.5 = 3/7).
#[test]
fn influencing_posts_renewed_by_their_own_funder_still_count_for_it() {
    let runs = 4000;
    let share = |xs: &[bool]| xs.iter().filter(|&&x| x).count() as f64 / xs.len() as f64;
    let renewed = |influence: &str| {
        let text = influence_scenario(2, "a", influence).replace("months = 60", "months = 15");
        text + "\n[sustainability]\nsuccessors = [{ source = \"same_funder\", probability = 1, term_months = 36 }]\n"
    };
    let any = fees_happened(&renewed("{ max = 1, half_at = 2 }"), runs);
    assert_within("any funder", share(&any), (0.25 / runs as f64).sqrt(), 0.5, K);
    for funders in ["[\"JTI\"]", "[\"JTI\", \"same_funder\"]"] {
        let named = fees_happened(&renewed(&format!("{{ max = 1, half_at = 2, funders = {funders} }}")), runs);
        assert_eq!(named, any, "funders = {funders} counts the renewed posts once, as any funder does");
    }
    let renewals = fees_happened(&renewed("{ max = 1, half_at = 2, funders = [\"same_funder\"] }"), runs);
    let p = 3.0 / 7.0;
    assert_within("same_funder alone", share(&renewals), (p * (1.0 - p) / runs as f64).sqrt(), p, K);
}

/// `demand_scale` multiplies a region's new cases from its month: mean new
/// cases a month of 1,000 become 800 from month 12 on (within K standard
/// errors), and months before are untouched.
#[test]
fn demand_scale_multiplies_new_cases_from_its_month() {
    let s = scenario(
        r#"
        [scenario]
        start = "2025-04"
        years = 2
        [[regions]]
        id = "a"
        demand = 12000
        abandon_rate = 0.1
        [[changes]]
        id = "better-decisions"
        start = "2026-04"
        demand_scale = 0.8
        "#,
    );
    let traces = traces(&s, 2000, 3);
    for (m, expected) in [(11, 1000.0), (12, 800.0), (23, 800.0)] {
        let (mean, se) = mean_se(&traces.iter().map(|t| t[m].demand).collect::<Vec<_>>());
        assert_within(&format!("new cases in month {m}"), mean, se, expected, K);
    }
}

/// A change decided in its month (it has `influence`) draws exactly what it
/// would if decided at the start: with `max` equal to its probability the
/// influence changes no chance, so the results are the same bytes as without
/// `influence`, although its new cases are drawn again from its month
/// (`demand_scale` and `demand_growth` in the runs where it happens).
#[test]
fn a_change_decided_in_its_month_draws_what_it_would_at_the_start() {
    let text = |influence: &str| {
        format!(
            r#"
            [scenario]
            start = "2025-04"
            years = 4
            [[regions]]
            id = "a"
            demand = {{ dist = "pert", min = 9000, mode = 12000, max = 15000 }}
            demand_volatility = 0.1
            abandon_rate = 0.1
            [[regions]]
            id = "b"
            demand = 5000
            abandon_rate = 0.2
            [[grants]]
            id = "organisers"
            funder = "JTI"
            region = "a"
            start = "2025-04"
            months = 48
            posts = 1
            influencing_posts = 2
            [[shocks]]
            id = "arrivals"
            kind = "demand"
            start = "2026-01"
            regions = {{ a = 1 }}
            cases = 3000
            half_life_months = 6
            [[changes]]
            id = "better-decisions"
            start = "2026-07"
            regions = ["a"]
            probability = 0.5
            demand_scale = 0.7
            demand_growth = 0.05
            {influence}
            "#
        )
    };
    let config = fundscape_sim::RunConfig { runs: 600, seed: 9, threads: 1 };
    let plain = fundscape_sim::run(&scenario(&text("")), &config, &|_| {});
    let decided_late = fundscape_sim::run(&scenario(&text("influence = { max = 0.5, half_at = 1 }")), &config, &|_| {});
    assert_eq!(fundscape_output::summary_csv(&plain), fundscape_output::summary_csv(&decided_late));
    // And the change does something: with max = 1 it happens more often, so fewer cases arrive.
    let likelier = fundscape_sim::run(&scenario(&text("influence = { max = 1, half_at = 1 }")), &config, &|_| {});
    let demand = |s: &fundscape_sim::Summary| {
        s.rows.iter().filter(|r| r.region == "a" && r.metric == "demand").map(|r| r.stat.mean).sum::<f64>()
    };
    assert!(demand(&likelier) < demand(&plain), "{} vs {}", demand(&likelier), demand(&plain));
}

/// Ten posts of JTI whose first term ends in month 12, all renewed by
/// same_funder if its ledger allows, at £40,000 a post and no wage growth.
fn ledger_scenario(funders: &str, scenario_extra: &str) -> String {
    format!(
        r#"
        [scenario]
        start = "2025-04"
        years = 3
        {scenario_extra}
        [posts]
        annual_cost = 40000
        turnover = 0.2
        [sustainability]
        successors = [{{ source = "same_funder", probability = 1, term_months = 12 }}]
        [[regions]]
        id = "a"
        demand = 1000
        abandon_rate = 0.1
        [[grants]]
        id = "advice"
        funder = "JTI"
        region = "a"
        start = "2024-04"
        months = 24
        posts = 10
        {funders}
        "#
    )
}

/// Posts funded in months 12 and 24 (after the first and second term ends), in every run.
fn funded_after_term_ends(text: &str) -> Vec<(u32, u32)> {
    traces(&scenario(text), 200, 23).iter().map(|t| (t[12].posts_funded, t[24].posts_funded)).collect()
}

/// `[[funders]]`: a renewal budget with room for exactly n posts renews n
/// (released at each term end and tested again); nothing renews after the
/// funder's last month; a member that leaves a pool takes its share of the
/// budget with it; a round after the funder's end is refused.
#[test]
fn a_funders_renewal_budget_and_end_date_bound_its_renewals() {
    let all = |text: String, expected: (u32, u32)| {
        let got = funded_after_term_ends(&text);
        assert!(got.iter().all(|&g| g == expected), "expected {expected:?} in every run, got {:?}", &got[..5]);
    };
    all(ledger_scenario("", ""), (10, 10));
    let ledger = |lines: &str| format!("[[funders]]\n        name = \"JTI\"\n        {lines}");
    all(ledger_scenario(&ledger("renewal_budget = 120000"), ""), (3, 3));
    all(ledger_scenario(&ledger("renewal_budget = 119999"), ""), (2, 2));
    all(ledger_scenario(&ledger("until = \"2026-03\""), ""), (0, 0));
    all(ledger_scenario(&ledger("until = \"2026-04\""), ""), (10, 0));
    let pool = ledger("renewal_budget = 120000\n        members = { \"Baring Foundation\" = 0.5 }");
    all(ledger_scenario(&pool, "without_funders = [\"Baring Foundation\"]"), (1, 1));
    all(ledger_scenario(&pool, ""), (3, 3));

    let late_round = ledger_scenario(
        &ledger("until = \"2026-03\""),
        "",
    ) + "\n[[rounds]]\nid = \"r2027\"\nfunder = \"JTI\"\nstart = \"2027-04\"\nbudget = 100000\nterm_months = 12\nallocation = \"unmet\"\n";
    let e = fundscape_sim::load_str(std::path::Path::new("inline.toml"), &late_round).unwrap_err().to_string();
    assert!(e.contains("rounds.r2027.start") && e.contains("after the funder's last month"), "{e}");
    let e = fundscape_sim::load_str(
        std::path::Path::new("inline.toml"),
        &ledger_scenario("[[funders]]\n        name = \"JIT\"", ""),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("funders[0].name") && e.contains("did you mean `JTI`"), "{e}");
}
