//! `fundscape optimise`: known optima on small scenarios whose answers can
//! be worked out by hand, determinism, best.toml loading and buying what the
//! optimiser chose, the frontier, and the command's errors.

use crate::common::*;

use fundscape_sim::optimise::{optimise, split_of, Objective, Optimised, Request, Spec, LEVELS};
use fundscape_sim::rounds::preview;
use fundscape_sim::{RunConfig, Scenario};

/// Posts of the scenarios below: £12,000 a year, 100 cases a month from
/// their first month (no ramp, no vacancy), nobody leaves.
const POSTS: &str = r#"
[posts]
annual_cost = 12000
cases_per_year = 1200
ramp_months = 0
turnover = 0
vacancy_months = 0
"#;

/// A grant of no posts, so that the scenarios name the funder `JTI`.
const JTI: &str = r#"
[[grants]]
id = "existing"
funder = "JTI"
region = "a"
start = "2025-04"
months = 12
posts = 0
"#;

/// A region with 600 cases waiting, no new ones, half of those still
/// waiting at a month's end giving up.
fn waiting(id: &str, name: &str) -> String {
    format!("\n[[regions]]\nid = \"{id}\"\nname = \"{name}\"\ndemand = 0\nbacklog = 600\nabandon_rate = 0.5\n")
}

/// A scenario: `[scenario]` keys, [`POSTS`], `body` (regions, changes) and [`JTI`].
fn build(scenario_keys: &str, body: &str) -> String {
    format!("[scenario]\n{scenario_keys}\n{POSTS}{body}{JTI}")
}

/// Posts cost £12,000 a year (£12,000 for a 12-month round at no wage
/// growth) and serve 100 cases a month from their first month: no ramp, no
/// vacancy, nobody leaves. Region `a` has 600 cases waiting and no new ones;
/// half of those still waiting at a month's end give up (so, doing nothing,
/// 600 × (1 − 0.5¹²) ≈ 599.85 give up within the year). With 2 ≤ k ≤ 6
/// posts, 100k are served in the first month and half of the rest give up,
/// then the rest are served: 300 − 50k give up (k = 1: 325, as one post
/// serves the 250 left over two more months); from 6 posts on, nobody gives
/// up. So a's posts avert about 275, 125, 50, 50, 50, 50 and then 0 cases.
/// Region `b` gets 2 new cases a month (Poisson), all of whom give up at the
/// month's end unless served: its first post averts about 24 cases in the
/// year, the next none.
fn saturates() -> String {
    build(
        r#"name = "saturates after six"
start = "2025-04"
years = 1
runs = 40
seed = 3"#,
        &format!(
            "{}{}",
            waiting("a", "Region A"),
            r#"
[[regions]]
id = "b"
name = "Region B"
demand = 24
abandon_rate = 1
"#
        ),
    )
}

fn request(budget: f64) -> Request {
    Request {
        funder: "JTI".into(),
        budget,
        start: "2025-04".into(),
        term_months: 12,
        objective: Objective::Abandoned,
        by: None,
        regions: None,
        advice_share: None,
        probability: None,
    }
}

fn solve(s: &Scenario, req: &Request, runs: u64, threads: usize) -> Optimised {
    let spec = match Spec::new(s, req, 1.0) {
        Ok(x) => x,
        Err(e) => panic!("the request must be good: {e}"),
    };
    match optimise(s, &spec, &RunConfig { runs, seed: s.seed, threads }, &|_| {}) {
        Ok(o) => o,
        Err(e) => panic!("the optimiser must answer: {e}"),
    }
}

#[test]
fn a_region_whose_need_saturates_after_six_posts_gets_six_and_no_more() {
    let s = scenario(&saturates());
    // Ten posts' money: six in a, one in b, three posts' money unspent.
    let o = solve(&s, &request(120_000.0), 40, 0);
    assert_eq!(o.best.split.posts, vec![6, 1], "{:?}", o.best);
    assert_eq!(o.best.split.cost, 84_000.0);
    // The round's budget is what its posts cost, so the model buys no more.
    assert_eq!(o.best.split.budget, 84_000.0);
    // About 600 would give up doing nothing in a, and about 24 in b.
    assert!((o.best.gains.mean - (600.0 + 24.0)).abs() < 6.0, "{:?}", o.best.gains);
    // Money for four posts: the four that avert most (a's first four).
    let o = solve(&s, &request(48_000.0), 40, 0);
    assert_eq!(o.best.split.posts, vec![4, 0]);
}

/// Region `b` of [`saturates`] replaced by one that cannot lose anybody:
/// its other advice serves far more than its demand.
fn nobody_abandons() -> String {
    build(
        r#"name = "nobody abandons in b"
start = "2025-04"
years = 2
runs = 30
seed = 5"#,
        r#"

[[regions]]
id = "a"
name = "Region A"
demand = 6000
abandon_rate = 0.3

[[regions]]
id = "b"
name = "Region B"
demand = 6000
backlog = 2000
abandon_rate = 0.3
other_capacity = 1000000
"#,
    )
}

#[test]
fn a_region_where_nobody_abandons_gets_no_posts() {
    let s = scenario(&nobody_abandons());
    let mut req = request(48_000.0);
    req.term_months = 24;
    // Two posts for two years: both in a, where each serves 100 a month.
    let o = solve(&s, &req, 30, 0);
    assert_eq!(o.best.split.posts, vec![2, 0], "{:?}", o.best);
    assert_eq!(o.best.split.shares, vec![(0, 1.0)]);
    // Against the control: with served as the objective, b's posts serve
    // nothing more either (its queue is already served), so b still gets none.
    req.objective = Objective::Served;
    assert_eq!(solve(&s, &req, 30, 0).best.split.posts, vec![2, 0]);
    // And with post-years, which every post adds, both regions are worth a
    // post equally: ties go to the region listed first.
    req.objective = Objective::PostYears;
    assert_eq!(solve(&s, &req, 30, 0).best.split.posts.iter().sum::<u32>(), 2);
}

/// [`saturates`] with two regions like `a`; councils in `c` pay half of a
/// new post's cost.
fn matched() -> String {
    build(
        r#"name = "councils match in c"
start = "2025-04"
years = 1
runs = 20
seed = 9"#,
        &format!("{}{}local_authority = {{ match = 0.5 }}\n", waiting("a", "Region A"), waiting("c", "Region C")),
    )
}

#[test]
fn councils_match_makes_posts_cheaper_and_the_optimiser_uses_it_up_to_saturation() {
    let s = scenario(&matched());
    // Eight full-price posts' money: c's six cost three, a gets the other five.
    let o = solve(&s, &request(96_000.0), 20, 0);
    assert_eq!(o.spec.prices, vec![12_000.0, 6_000.0]);
    assert_eq!(o.best.split.posts, vec![5, 6], "{:?}", o.best);
    // 600 + 550 averted (about: doing nothing, a few of the 600 waiting in
    // each region would still be waiting at the year's end); the next best
    // split of the money, six in a and four in c, averts 1,100.
    assert!((o.best.gains.mean - 1150.0).abs() < 12.0, "{:?}", o.best.gains);
    // Without the match, the same money buys eight posts, which avert about
    // 1,000 however they are split between two and six in each region.
    let plain = scenario(&matched().replace("local_authority = { match = 0.5 }", ""));
    let o = solve(&plain, &request(96_000.0), 20, 0);
    assert_eq!(o.best.split.total_posts(), 8, "{:?}", o.best);
    assert!(o.best.split.posts.iter().all(|&n| (2..=6).contains(&n)), "{:?}", o.best);
    assert!((o.best.gains.mean - 1000.0).abs() < 12.0, "{:?}", o.best.gains);
}

#[test]
fn the_frontier_never_worsens_as_the_budget_rises() {
    for (text, budget) in [(saturates(), 120_000.0), (matched(), 96_000.0)] {
        let s = scenario(&text);
        let o = solve(&s, &request(budget), 20, 0);
        assert_eq!(o.frontier.len(), LEVELS.len());
        let gains: Vec<f64> = o.frontier.iter().map(|r| r.best.as_ref().map_or(0.0, |c| c.gains.mean)).collect();
        assert!(gains.windows(2).all(|w| w[1] >= w[0]), "{gains:?}");
        // Each level's round costs at most that level.
        for row in &o.frontier {
            let c = row.best.as_ref().unwrap_or_else(|| panic!("level {} has an answer", row.level));
            assert!(c.split.cost <= row.budget + 1e-6, "{row:?}");
        }
        // The 100% row is the answer.
        assert_eq!(o.frontier[3].best.as_ref().map(|c| &c.split), Some(&o.best.split));
    }
    // In the tiny test scenario, every level buys more and averts more.
    let s = scenario(&std::fs::read_to_string(data("tiny.toml")).unwrap_or_default());
    let mut req = request(400_000.0);
    req.start = "2026-04".into();
    req.term_months = 24;
    let o = solve(&s, &req, 60, 0);
    let gains: Vec<f64> = o.frontier.iter().map(|r| r.best.as_ref().map_or(0.0, |c| c.gains.mean)).collect();
    assert!(gains.windows(2).all(|w| w[1] > w[0]), "{gains:?}");
}

#[test]
fn the_answer_does_not_depend_on_the_number_of_threads() {
    let s = scenario(&std::fs::read_to_string(data("tiny.toml")).unwrap_or_default());
    let mut req = request(300_000.0);
    req.start = "2026-04".into();
    req.term_months = 24;
    req.advice_share = Some((0.5, 1.0));
    assert_eq!(solve(&s, &req, 50, 1), solve(&s, &req, 50, 2));
}

#[test]
fn a_split_buys_exactly_its_posts_at_expected_prices() {
    let s = scenario(&matched());
    let spec = match Spec::new(&s, &request(100_000.0), 1.0) {
        Ok(x) => x,
        Err(e) => panic!("{e}"),
    };
    // £100,000 buys 5 + 6 posts (£96,000) and £4,000 is left: less than a
    // post anywhere, so the round can be the whole budget.
    let split = split_of(&spec, &[5, 6], 1.0, 100_000.0);
    assert_eq!(split.budget, 100_000.0);
    // Two posts in a leave £76,000, which would buy more: the budget is their cost.
    let split = split_of(&spec, &[2, 0], 1.0, 100_000.0);
    assert_eq!(split.budget, 24_000.0);
    for k in [[5, 6], [2, 0], [0, 3], [1, 1]] {
        let split = split_of(&spec, &k, 1.0, 100_000.0);
        let mut t = s.clone();
        t.rounds.push(fundscape_sim::optimise::round_of(&spec, &split).unwrap_or_else(|e| panic!("{e}")));
        let bought = preview(&t, t.rounds.len() - 1);
        let posts: Vec<u32> = (0..2).map(|r| bought.posts.iter().find(|p| p.0 == r).map_or(0, |p| p.1)).collect();
        assert_eq!(posts, k, "{split:?}");
    }
}

/// Runs `fundscape optimise` on `scenario` (a file) with `args`, into `out`.
fn optimise_cli(scenario: &std::path::Path, args: &[&str], out: &std::path::Path) -> std::process::Output {
    bin()
        .arg("optimise")
        .arg(scenario)
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("cannot start fundscape: {e}"))
}

const SATURATES_ARGS: [&str; 10] =
    ["--budget", "£120k", "--funder", "JTI", "--start", "2025-04", "--term-months", "12", "--runs", "20"];

#[test]
fn best_toml_runs_with_its_scenario_and_buys_the_posts_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saturates.toml");
    std::fs::write(&file, saturates()).unwrap();
    let out = dir.path().join("results").join("optimise");
    let o = optimise_cli(&file, &SATURATES_ARGS, &out);
    assert!(o.status.success(), "{}", show(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.starts_with(
            "Put 86% in Region A and 14% in Region B (7 posts at expected prices; £84k of the £120k: no further post helps): about "
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(" fewer people a year give up waiting in 2025-26 than doing nothing (90% interval "),
        "{stdout}"
    );
    assert!(
        stdout.contains(", and about 50 fewer a year than with equal shares (90% interval 50 to 50).\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\n  best split: Region A 6, Region B 1 (posts at expected prices)\n"), "{stdout}");
    for f in
        ["best.toml", "frontier.csv", "candidates.csv", "charts/frontier.svg", "charts/frontier.png", "report.html"]
    {
        assert!(out.join(f).is_file(), "{f}");
    }
    assert!(fundscape_output::has_marker(&out));
    let best = out.join("best.toml");
    let text = std::fs::read_to_string(&best).unwrap();
    // `extends` is relative to DIR, so the overlay moves with the checkout.
    assert!(text.contains("\nextends = \"../../saturates.toml\"\n"), "{text}");
    assert!(text.contains("\nbudget = 84000\n") && text.contains("\nallocation = { a = "), "{text}");
    // Loaded with its scenario, the round buys the posts chosen at expected prices.
    let loaded = fundscape_sim::load(&best).unwrap_or_else(|e| panic!("{e}"));
    let i = loaded.rounds.len() - 1;
    assert_eq!(loaded.rounds[i].id, "optimised-round");
    assert_eq!(preview(&loaded, i).posts, vec![(0, 6), (1, 1)]);
    let v = bin().arg("validate").arg(&best).output().unwrap();
    assert!(v.status.success(), "{}", show(&v));
    let r = bin()
        .arg("run")
        .arg(&best)
        .args(["--runs", "10", "--no-charts", "--out"])
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", show(&r));
    // `compare` gives the gain candidates.csv reports (the same runs, the same seed).
    let cdir = dir.path().join("compare");
    let c = bin().arg("compare").arg(&file).arg(&best).args(["--runs", "20", "--out"]).arg(&cdir).output().unwrap();
    assert!(c.status.success(), "{}", show(&c));
    let totals = std::fs::read_to_string(cdir.join("compare_totals.csv")).unwrap();
    let diff: f64 = totals
        .lines()
        .find(|l| l.starts_with("best,all,abandoned,"))
        .and_then(|l| l.split(',').nth(5))
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{totals}"));
    let candidates = std::fs::read_to_string(out.join("candidates.csv")).unwrap();
    let gain: f64 = candidates
        .lines()
        .find(|l| l.starts_with("best,"))
        .and_then(|l| l.split(',').nth(11))
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{candidates}"));
    assert!((diff + gain).abs() < 1e-6 * gain, "compare says {diff}, candidates.csv {gain}");
    assert!(candidates.starts_with("candidate,allocation,budget,posts,cost,advice_share,posts_by_region,objective,first_year,last_year,objective_mean,gain_mean,gain_ci90_low,gain_ci90_high,gain_p05,gain_p95,vs_best_mean,vs_best_ci90_low,vs_best_ci90_high,prob_beats_nothing\n"), "{candidates}");
    let frontier = std::fs::read_to_string(out.join("frontier.csv")).unwrap();
    assert_eq!(frontier.lines().count(), 1 + LEVELS.len(), "{frontier}");
}

/// A budget that buys the same posts as a cheaper round (£78k: six posts at
/// £12k, £6k over): the round of exactly their cost does as well on every
/// run (costs are fixed), so it wins the tie, and the sentence and best.toml
/// say that the budget asked for buys the same posts, not that it would buy
/// more (which they say when no further post helped, as at £120k above).
#[test]
fn a_budget_that_buys_no_further_post_is_not_said_to_buy_more() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saturates.toml");
    std::fs::write(&file, saturates()).unwrap();
    let out = dir.path().join("opt");
    let mut args = SATURATES_ARGS;
    args[1] = "£78k";
    let o = optimise_cli(&file, &args, &out);
    assert!(o.status.success(), "{}", show(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.starts_with(
            "Put all in Region A (6 posts at expected prices; £72k of the £78k: the rest buys no further post): about "
        ),
        "{stdout}"
    );
    let text = std::fs::read_to_string(out.join("best.toml")).unwrap();
    assert!(text.contains("\nbudget = 72000\n"), "{text}");
    // The header's comment lines, as one line of prose.
    let flat = text.lines().map_while(|l| l.strip_prefix("# ")).collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "£72k of the funder's money. Its budget is what they cost: the £78k asked for buys the same posts at \
             expected prices, and the rest is less than another post."
        ),
        "{text}"
    );
    assert!(!flat.contains("would buy more"), "{text}");
    // The rule itself, on both sides.
    let s = scenario(&saturates());
    for (budget, posts, more) in [(78_000.0, vec![6, 0], false), (120_000.0, vec![6, 1], true)] {
        let spec = Spec::new(&s, &request(budget), 1.0).unwrap_or_else(|e| panic!("{e}"));
        let split = split_of(&spec, &posts, 1.0, spec.cost(&posts));
        assert_eq!(fundscape_sim::optimise::asked_budget_buys_more(&spec, &split), more, "{budget}");
    }
}

/// Only the "unmet" rule can beat the best split (it follows each run's
/// unmet demand; any table of shares the search saw would have been the
/// best). When it does, beyond the noise, the sentence says so with the
/// interval in the words' direction, and says why. tiny.toml at seed 7:
/// the table has the rule 13 (1 to 25) cases above the best over three years.
#[test]
fn a_rule_that_beats_the_best_split_is_said_to_with_its_interval_the_right_way_round() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("opt");
    let args = ["--budget", "500k", "--funder", "JTI", "--start", "2025-10", "--term-months", "24", "--runs", "300"];
    let o = optimise_cli(&data("tiny.toml"), &args, &out);
    assert!(o.status.success(), "{}", show(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.ends_with(
            ", but the \"unmet\" rule does better still, about 4 fewer a year than this split (90% interval 0 to 8): it \
             follows each run's own unmet demand of the year before, which no fixed table of shares can, so a round \
             written with allocation = \"unmet\" would do better than best.toml."
        ),
        "{first}"
    );
    assert!(
        stdout.contains("  unmet              ~5                373 (367 to 378)                    13 (1 to 25)"),
        "{stdout}"
    );
}

#[test]
fn the_same_seed_gives_the_same_bytes_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = data("tiny.toml");
    let args = ["--budget", "300000", "--funder", "JTI", "--start", "2026-04", "--term-months", "24", "--runs", "40"];
    let dirs: Vec<std::path::PathBuf> = ["1", "2", "2"]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let out = dir.path().join(format!("out{i}"));
            let mut a = args.to_vec();
            a.extend(["--threads", t, "--advice-share", "0.8..1"]);
            let o = optimise_cli(&tiny, &a, &out);
            assert!(o.status.success(), "{}", show(&o));
            out
        })
        .collect();
    for f in
        ["best.toml", "frontier.csv", "candidates.csv", "charts/frontier.svg", "charts/frontier.png", "report.html"]
    {
        let bytes: Vec<Vec<u8>> = dirs.iter().map(|d| std::fs::read(d.join(f)).unwrap()).collect();
        assert!(bytes.windows(2).all(|w| w[0] == w[1]), "{f} differs");
    }
}

#[test]
fn bad_requests_exit_2_name_the_flag_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The cases below hold `&'static str`s.
    let tiny: &'static str = Box::leak(data("tiny.toml").to_string_lossy().into_owned().into_boxed_str());
    let base = |funder: &'static str, budget: &'static str, start: &'static str| {
        vec![
            "optimise",
            tiny,
            "--funder",
            funder,
            "--budget",
            budget,
            "--start",
            start,
            "--term-months",
            "12",
            "--runs",
            "5",
        ]
    };
    let with = |mut v: Vec<&'static str>, more: &[&'static str]| {
        v.extend_from_slice(more);
        v
    };
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (base("JIT", "500000", "2026-04"), "error: --funder: unknown funder `JIT`; did you mean `JTI`?\n"),
        (
            base("Nobody Trust", "500000", "2026-04"),
            "error: --funder: unknown funder `Nobody Trust`; the scenario's funders are `JTI`, `AB Charitable Trust`\n",
        ),
        (
            base("same_funder", "500000", "2026-04"),
            "error: --funder: `same_funder` is reserved (a successor source, or a sum of spend in comparisons), not a funder; name the funder itself\n",
        ),
        (
            with(base("JTI", "500000", "2026-04"), &["--regions", "north-wets"]),
            "error: --regions: unknown region `north-wets`; did you mean `north-west`?\n",
        ),
        (
            base("JTI", "10000", "2026-04"),
            "error: --budget £10,000 buys no post: the cheapest post in the regions allowed (North West) costs the funder £48,067 over 12 months at expected prices ((1 − councils' match) × annual cost × wage growth to the round's year × term); give at least that\n",
        ),
        (
            base("JTI", "500000", "2031-04"),
            "error: --start 2031-04 is outside the scenario's horizon (2025-04 to 2028-03); give a month inside it\n",
        ),
        (base("JTI", "500000", "2026-4"), "error: --start: `2026-4` is not a month; write YYYY-MM, e.g. 2027-04\n"),
        (
            with(base("JTI", "500000", "2026-04"), &["--by", "2040"]),
            "error: --by 2040 is not a year of the scenario (2025 to 2027); give one of its years\n",
        ),
        (
            with(base("JTI", "500000", "2026-04"), &["--by", "2025"]),
            "error: --by 2025 ends before the round starts (2026-04), so no split can change the objective; give --by 2026 or later\n",
        ),
        (
            with(base("JTI", "500000", "2026-04"), &["--advice-share", "0.8..0.2"]),
            "error: --advice-share 0.8..0.2: give LO..HI with 0 ≤ LO ≤ HI ≤ 1, e.g. 0.5..1\n",
        ),
        (
            with(base("JTI", "500000", "2026-04"), &["--advice-share", "0.5..1.5"]),
            "error: --advice-share 0.5..1.5: give LO..HI with 0 ≤ LO ≤ HI ≤ 1, e.g. 0.5..1\n",
        ),
        (
            base("JTI", "£900m", "2026-04"),
            "error: --budget £900,000,000 could buy up to 37,447 posts at 200% of it (the frontier's largest budget) in North West; the optimiser searches at most 400; give a smaller budget\n",
        ),
    ];
    for (args, message) in cases {
        let out = dir.path().join("never");
        let o = bin().args(&args).arg("--out").arg(&out).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", show(&o));
        assert_eq!(String::from_utf8_lossy(&o.stderr), message, "{args:?}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
    // Values clap refuses before the scenario is read: exit 2, the flag named.
    for (flag, value, says) in [
        ("--term-months", "0", "--term-months takes the round's term in months, a whole number from 1 to 1,200"),
        ("--probability", "1.5", "--probability takes a share of runs greater than 0 and at most 1"),
        ("--budget", "-5", "--budget takes an amount of £ above 0"),
        ("--objective", "unmet", "[possible values: abandoned, post_years, served]"),
    ] {
        let out = dir.path().join("never");
        let mut args = base("JTI", "500000", "2026-04");
        match args.iter().position(|a| *a == flag) {
            Some(i) => args[i + 1] = value,
            None => args.extend([flag, value]),
        }
        let o = bin().args(&args).arg("--out").arg(&out).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {}", show(&o));
        assert!(String::from_utf8_lossy(&o.stderr).contains(says), "{flag} {value}: {}", show(&o));
        assert!(!out.exists());
    }
}

#[test]
fn a_round_that_helps_nobody_exits_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nobody.toml");
    std::fs::write(&file, nobody_abandons()).unwrap();
    let out = dir.path().join("never");
    let args = [
        "--budget",
        "48000",
        "--funder",
        "JTI",
        "--start",
        "2025-04",
        "--term-months",
        "24",
        "--regions",
        "b",
        "--runs",
        "5",
    ];
    let o = optimise_cli(&file, &args, &out);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("error: no post helps: every split the budget buys leaves abandoned as it is or worse than doing nothing on these 5 runs"),
        "{}",
        show(&o)
    );
    assert!(!out.exists());
}

#[test]
fn with_a_probability_only_splits_that_beat_doing_nothing_often_enough_qualify() {
    // Region b alone, with one new case a year: a post there helps only in
    // the runs where somebody arrives (1 − e⁻¹ ≈ 63% of them).
    let text = saturates().replace("demand = 24", "demand = 1");
    let s = scenario(&text);
    let mut req = request(12_000.0);
    req.regions = Some(vec!["b".into()]);
    let o = solve(&s, &req, 200, 0);
    let p = o.best.gains.prob_beats;
    assert!((p - 0.632).abs() < 0.08, "{p}");
    req.probability = Some(0.5);
    assert_eq!(solve(&s, &req, 200, 0).best.split.posts, vec![0, 1]);
    req.probability = Some(0.9);
    let spec = Spec::new(&s, &req, 1.0).unwrap_or_else(|e| panic!("{e}"));
    let err = optimise(&s, &spec, &RunConfig { runs: 200, seed: s.seed, threads: 0 }, &|_| {});
    match err {
        Err(fundscape_sim::optimise::NoAnswer::NoneQualifies { probability, reached, posts }) => {
            assert_eq!((probability, reached, posts), (0.9, p, 1));
        }
        other => panic!("{other:?}"),
    }
}

/// One region whose every arrival gives up unless served at once, and a
/// change that halves its demand from the second year, which happens in no
/// run without influencing work and, with E post-years of it, in a share
/// E / (E + 0.1) of runs. Two posts for the first year: two advice posts
/// avert about 2 × 1,200; one of each, about 1,200 + 0.91 × 6,000; two
/// influencing posts about 0.95 × 6,000.
fn influence() -> String {
    build(
        r#"name = "influence pays"
start = "2025-04"
years = 2
runs = 200
seed = 13"#,
        r#"

[[regions]]
id = "a"
name = "Region A"
demand = 12000
abandon_rate = 1


[[changes]]
id = "demand-halved"
start = "2026-04"
probability = 0
regions = ["a"]
demand_scale = 0.5
influence = { max = 1, half_at = 0.1 }
"#,
    )
}

#[test]
fn the_advice_share_is_chosen_inside_its_range() {
    let s = scenario(&influence());
    let mut req = request(24_000.0);
    // All advice: the only choice.
    let o = solve(&s, &req, 200, 0);
    assert_eq!((o.best.split.posts.clone(), o.best.split.advice_share), (vec![2], 1.0));
    let all_advice = o.best.gains.mean;
    assert!((all_advice - 2400.0).abs() < 60.0, "{all_advice}");
    // Any share: one advice post and one influencing post (0.7 rounds 2 posts
    // to one advice post, as 0.3 to 0.6 do; ties go to the larger share).
    req.advice_share = Some((0.0, 1.0));
    let o = solve(&s, &req, 200, 0);
    assert_eq!(o.best.split.advice_share, 0.7000000000000001, "{:?}", o.best);
    assert!((o.best.gains.mean - (1200.0 + 6000.0 / 1.1)).abs() < 400.0, "{:?}", o.best.gains);
    assert!(o.best.gains.mean > all_advice + 3000.0);
    // Only influencing posts allowed: both are.
    req.advice_share = Some((0.0, 0.0));
    assert_eq!(solve(&s, &req, 200, 0).best.split.advice_share, 0.0);
}

#[test]
fn a_scenario_name_with_markup_and_quotes_is_text_in_the_report_and_in_best_toml() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("named.toml");
    let text =
        saturates().replace("name = \"saturates after six\"", r#"name = "Ask \"A\" <script>alert(1)</script> & co""#);
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let o = optimise_cli(&file, &SATURATES_ARGS, &out);
    assert!(o.status.success(), "{}", show(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Ask &quot;A&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), "{html}");
    // No script, nothing fetched (the only address is the SVG namespace).
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="), "{html}");
    let loaded = fundscape_sim::load(&out.join("best.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.name, "Ask \"A\" <script>alert(1)</script> & co + optimised round");
}
