//! Sensitivity and goal seek against closed forms, the input vector's
//! pairing, and the commands end to end.

use crate::common;

use crate::common::{bin, scenario};
use fundscape_sim::inputs::{inputs, with_input};
use fundscape_sim::model::Plan;
use fundscape_sim::rng::{Kind, RunStreams, StreamId};
use fundscape_sim::sensitivity::{groups, sensitivity, solve, Goal, Sensitivity, SolveOutcome, Target, Year};
use fundscape_sim::value::Value;
use fundscape_sim::RunConfig;

/// Two regions with uniform demand and no supply: everything unserved is
/// abandoned, so abandoned = arrivals, Poisson with the drawn demand. A
/// third input (`posts.annual_cost`) does nothing: there are no posts.
const ADDITIVE: &str = r#"
[scenario]
name = "additive"
start = "2025-04"
years = 1

[posts]
annual_cost = { dist = "uniform", min = 40000, max = 60000 }

[[regions]]
id = "a"
name = "A"
demand = { dist = "uniform", min = 100000, max = 112000 }
abandon_rate = 1

[[regions]]
id = "b"
name = "B"
demand = { dist = "uniform", min = 100000, max = 106000 }
abandon_rate = 1
"#;

fn additive(threads: usize, runs: u64) -> Sensitivity {
    let s = scenario(ADDITIVE);
    let target = Target::new(&s, "abandoned", "all").unwrap();
    let config = RunConfig { runs, seed: 11, threads };
    sensitivity(&s, &groups(&s, false), &target, &config, &|_| {}).unwrap()
}

fn row<'a>(s: &'a Sensitivity, key: &str) -> &'a fundscape_sim::sensitivity::SobolRow {
    s.sobol.iter().find(|r| r.key == key).unwrap()
}

#[test]
fn additive_indices_are_the_shares_of_the_variance() {
    let s = additive(0, 8000);
    // Var U(w) = w²/12; the Poisson noise adds its mean, 209,000.
    let (va, vb, noise) = (12000f64.powi(2) / 12.0, 6000f64.powi(2) / 12.0, 209_000.0);
    let total = va + vb + noise;
    let horizon = 1; // one model year, then the horizon
    for (key, share) in [("regions.a.demand", va / total), ("regions.b.demand", vb / total)] {
        let r = row(&s, key);
        for i in [r.first[horizon], r.total[horizon]] {
            assert!((i.estimate - share).abs() < 0.04, "{key}: {i:?} against {share}");
            assert!(i.low <= share + 0.01 && share - 0.01 <= i.high, "{key}: {share} outside {i:?}");
        }
    }
    let own = s.randomness.first[horizon].estimate;
    assert!((own - noise / total).abs() < 0.02, "runs' own randomness {own} against {}", noise / total);
}

#[test]
fn an_input_that_does_nothing_has_index_zero_within_its_interval() {
    let s = additive(0, 1000);
    let r = row(&s, "posts.annual_cost");
    for i in r.first.iter().chain(&r.total) {
        assert!(i.low <= 0.0 && 0.0 <= i.high && i.estimate.abs() < 1e-9, "{i:?}");
    }
}

#[test]
fn tornado_puts_the_wider_demand_first_with_its_known_swing() {
    let s = additive(0, 1000);
    let col = 1;
    let mut rows: Vec<_> = s.tornado.iter().collect();
    rows.sort_by(|a, b| b.swing(col).abs().total_cmp(&a.swing(col).abs()));
    let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["regions.a.demand", "regions.b.demand", "posts.annual_cost"]);
    // From the 10th to the 90th percentile of U(w): 0.8 w, paired runs.
    assert!((rows[0].swing(col) - 9600.0).abs() < 150.0, "{}", rows[0].swing(col));
    assert!((rows[1].swing(col) - 4800.0).abs() < 100.0, "{}", rows[1].swing(col));
    assert_eq!(rows[2].swing(col), 0.0);
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    assert_eq!(additive(1, 300), additive(2, 300));
}

#[test]
fn grouped_demand_is_one_input_moving_every_region_together() {
    let s = scenario(ADDITIVE);
    let g = groups(&s, true);
    let keys: Vec<&str> = g.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["posts.annual_cost", "regions.*.demand"]);
    let target = Target::new(&s, "abandoned", "all").unwrap();
    let r = sensitivity(&s, &g, &target, &RunConfig { runs: 500, seed: 3, threads: 0 }, &|_| {}).unwrap();
    // Both regions at their 10th and 90th percentiles: 0.8 × (12,000 + 6,000).
    let swing = r.tornado[1].swing(1);
    assert!((swing - 14_400.0).abs() < 250.0, "{swing}");
}

/// Replacing an input by the value it drew in run i gives run i's exact
/// record: every other stream of the run is untouched.
#[test]
fn an_input_fixed_at_its_draw_reproduces_the_run_exactly() {
    let s = scenario(&std::fs::read_to_string(common::data("tiny.toml")).unwrap());
    let listed = inputs(&s);
    let key = "regions.north-west.demand";
    let input = listed.iter().find(|i| i.key == key).unwrap();
    assert!(input.is_random());
    let plan = Plan::new(&s);
    for run in 0..5 {
        let drawn = input.value.sample(&mut RunStreams::new(7, run).stream(Kind::Parameter, StreamId::of(key)));
        let fixed = with_input(&s, key, Value::fixed(drawn).unwrap()).unwrap();
        let (mut a, mut b) = (plan.new_record(), plan.new_record());
        plan.simulate(7, run, &mut a, None);
        Plan::new(&fixed).simulate(7, run, &mut b, None);
        assert_eq!(a, b, "run {run}");
        // A different value changes the run (the test can fail).
        let other = with_input(&s, key, Value::fixed(drawn * 1.5).unwrap()).unwrap();
        Plan::new(&other).simulate(7, run, &mut b, None);
        assert_ne!(a, b);
    }
}

/// One region, one year, demand Poisson with mean 10 a month, everyone
/// unserved abandons at once, no other supply: P(abandoned = 0) = F(c)^12
/// for monthly capacity c, so the capacity needed for probability 0.9 is
/// 12 q, q the smallest integer with F(q)^12 ≥ 0.9: 18 (0.917; 17 gives 0.842).
const POISSON: &str = r#"
[scenario]
name = "poisson"
start = "2025-04"
years = 1

[[regions]]
id = "a"
name = "A"
demand = 120
abandon_rate = 1
other_capacity = 0
"#;

#[test]
fn goal_seek_finds_the_poisson_quantile() {
    let s = scenario(POISSON);
    let goal = Goal {
        lever: "regions.a.other_capacity".into(),
        target: Target::new(&s, "abandoned", "all").unwrap(),
        year: Year::Horizon,
        at_most: true,
        threshold: 0.0,
        probability: 0.9,
        range: Some((0.0, 400.0)),
    };
    let solved = solve(&s, &goal, &RunConfig { runs: 4000, seed: 5, threads: 0 }, &|_| {}).unwrap();
    let SolveOutcome::Found(t) = solved.outcome else { panic!("{:?}", solved.outcome) };
    assert_eq!(t.value, 216.0);
    assert!(t.low <= 0.9171 && 0.9171 <= t.high, "{t:?}");
    assert!(solved.not_monotone.is_empty());
}

/// A range whose low end already reaches the probability does not give its
/// low end as the answer (216 lies below 300..400): it is outside the
/// range, with both ends' probabilities, unless that end is the least value
/// the lever can take. The trials announced bound the trials made.
#[test]
fn goal_seek_says_when_the_answer_may_lie_below_the_range() {
    let s = scenario(POISSON);
    let goal = |range, threshold| Goal {
        lever: "regions.a.other_capacity".into(),
        target: Target::new(&s, "abandoned", "all").unwrap(),
        year: Year::Horizon,
        at_most: true,
        threshold,
        probability: 0.9,
        range: Some(range),
    };
    let config = RunConfig { runs: 500, seed: 5, threads: 0 };
    let solved = solve(&s, &goal((300.0, 400.0), 0.0), &config, &|_| {}).unwrap();
    let SolveOutcome::Below { low, high, least } = solved.outcome else { panic!("{:?}", solved.outcome) };
    assert_eq!((low.value, high.value, least), (300.0, 400.0, 0.0));
    assert!(low.probability >= 0.9 && high.probability >= 0.9, "{low:?} {high:?}");
    // Everyone served even at no capacity when nothing need be: 0 is the answer.
    let solved = solve(&s, &goal((0.0, 400.0), 1e9), &config, &|_| {}).unwrap();
    assert_eq!(solved.outcome, SolveOutcome::Found(solved.trials[0]));
    assert_eq!(solved.trials[0].value, 0.0);
    let range = (0.0, 400.0);
    let solved = solve(&s, &goal(range, 0.0), &config, &|_| {}).unwrap();
    assert!(solved.trials.len() as u64 <= fundscape_sim::sensitivity::most_trials(range), "{}", solved.trials.len());
    assert!(solved.trials.len() as u64 + 2 >= fundscape_sim::sensitivity::most_trials(range));
}

#[test]
fn solve_prints_key_equals_value_last_and_writes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("poisson.toml");
    std::fs::write(&file, POISSON).unwrap();
    let out = dir.path().join("out");
    let o = bin()
        .args(["solve", file.to_str().unwrap(), "--lever", "regions.a.other_capacity", "--metric", "abandoned"])
        .args(["--at-most", "0", "--probability", "0.9", "--range", "0..400", "--runs", "4000", "--seed", "5"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(stdout.lines().last(), Some("regions.a.other_capacity = 216"));
    let csv = std::fs::read_to_string(out.join("solve.csv")).unwrap();
    assert!(csv.starts_with("value,probability,probability_low,probability_high\n0,0,"), "{csv}");
    assert!(out.join("charts/solve.png").is_file());
    // Out of reach: exit 1, the probability at both ends.
    let o = bin()
        .args(["solve", file.to_str().unwrap(), "--lever", "regions.a.other_capacity"])
        .args(["--at-most", "0", "--probability", "0.9", "--range", "0..100", "--runs", "500"])
        .arg("--out")
        .arg(dir.path().join("out2"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("no value of regions.a.other_capacity in 0..100 reaches P(abandoned (all regions, over the horizon) ≤ 0) ≥ 0.9: 0.000 at 0 and"), "{err}");
    // Reached at the low end: exit 1 too, and nothing written.
    let o = bin()
        .args(["solve", file.to_str().unwrap(), "--lever", "regions.a.other_capacity"])
        .args(["--at-most", "0", "--probability", "0.9", "--range", "300..400", "--runs", "500"])
        .arg("--out")
        .arg(dir.path().join("out3"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("the low end of --range already reaches P(abandoned (all regions, over the horizon) ≤ 0) ≥ 0.9: 1.000 at 300 (and 1.000 at 400), so the smallest value may lie below the range; widen --range downwards (the least value regions.a.other_capacity can take is 0)"), "{err}");
    assert!(!dir.path().join("out3").exists());
}

#[test]
fn bad_levers_and_ranges_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("poisson.toml");
    std::fs::write(&file, POISSON).unwrap();
    let tiny = common::data("tiny.toml");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["solve", file.to_str().unwrap(), "--lever", "regions.a.other_capacty", "--at-most", "0", "--probability", "0.9"],
            "error: --lever: unknown input key `regions.a.other_capacty`; did you mean `regions.a.other_capacity`?\n",
        ),
        (
            vec!["solve", tiny.to_str().unwrap(), "--lever", "regions.north-west.demand", "--at-most", "0", "--probability", "0.9"],
            "error: --lever: `regions.north-west.demand` is a distribution (normal(9000, 500)); a lever must be a key written as a plain number\n",
        ),
        (
            vec!["solve", file.to_str().unwrap(), "--lever", "regions.a.other_capacity", "--at-most", "0", "--probability", "0.9", "--range", "300..300"],
            "error: the range 300..300 is empty; give --range LO..HI with LO less than HI\n",
        ),
        (
            vec!["sensitivity", tiny.to_str().unwrap(), "--metric", "abandonned"],
            "error: --metric: unknown metric `abandonned`; did you mean `abandoned`?\n",
        ),
        (
            vec!["sensitivity", tiny.to_str().unwrap(), "--region", "wale"],
            "error: --region: unknown region `wale`; did you mean `wales`?\n",
        ),
        (
            vec!["sensitivity", tiny.to_str().unwrap(), "--year", "2040"],
            "error: --year: year `2040` is not in the scenario (2025 to 2027); give one of its years or `horizon`\n",
        ),
        (
            vec!["sensitivity", file.to_str().unwrap()],
            "error: no input of the scenario is a distribution, so nothing is uncertain to analyse; write the uncertain keys as distributions (docs/scenario.md, \"Values\")\n",
        ),
    ];
    for (args, message) in cases {
        let out = dir.path().join("never");
        let o = bin().args(&args).arg("--out").arg(&out).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8(o.stderr).unwrap(), message);
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

#[test]
fn sensitivity_writes_its_files_with_the_fixed_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sens");
    let o = bin()
        .arg("sensitivity")
        .arg(common::data("tiny.toml"))
        .args(["--runs", "64", "--group-by", "key", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tornado = std::fs::read_to_string(out.join("tornado.csv")).unwrap();
    assert!(tornado.starts_with("key,metric,region,year,low_input,high_input,low,base,high,swing\n"));
    let sobol = std::fs::read_to_string(out.join("sobol.csv")).unwrap();
    assert!(sobol.starts_with(
        "key,metric,region,year,first_order,first_order_low,first_order_high,total_order,total_order_low,total_order_high\n"
    ));
    assert!(sobol.contains("\nregions.*.demand,abandoned,all,2025,"), "{sobol}");
    assert!(sobol.contains("\n(runs' own randomness),abandoned,all,horizon,"));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with(
            "4 inputs, 64 base samples: 960 runs (indices N × (k + 2) = 384, tornado N × (2k + 1) = 576)\n"
        ),
        "{err}"
    );
    for f in ["charts/tornado.svg", "charts/tornado.png", "charts/indices-by-year.png", "report.html"] {
        assert!(out.join(f).is_file(), "{f}");
    }
}
