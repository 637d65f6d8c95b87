//! Invariants over generated scenarios (proptest): cases are conserved,
//! nothing is negative, service never exceeds capacity, cumulative losses
//! never fall, the same seed gives the same bytes at any thread count, and an
//! overlay that changes nothing changes no byte.

use crate::common::*;

use fundscape_sim::{load, run, RunConfig};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Gen {
    regions: Vec<(f64, f64, u32, u32, f64)>, // demand, abandon, backlog, providers, other capacity
    grants: Vec<(usize, i32, u32, u32, u32)>, // region, start offset (months), months, posts, influencing
    successors: Vec<(usize, f64, u32)>,
    turnover: f64,
    vacancy: f64,
    budget: f64,
    exit: Option<(i32, f64)>,
    shock: Option<(i32, f64, Option<u32>)>,
    rho: f64,
    years: u32,
    round: Option<(u32, f64, bool, f64)>, // start month, budget, unmet rule, match
    change: Option<(i32, f64, f64, f64)>, // start offset, probability, turnover, exit rate
}

fn gen() -> impl Strategy<Value = Gen> {
    (
        prop::collection::vec((0.0f64..20_000.0, 0.0f64..=1.0, 0u32..5_000, 0u32..40, 0.0f64..5_000.0), 1..4),
        prop::collection::vec((0usize..3, -40i32..60, 1u32..48, 0u32..5, 0u32..3), 0..5),
        prop::collection::vec((0usize..4, 0.0f64..=1.0, 1u32..36), 0..4),
        (0.0f64..=1.0, 0.0f64..12.0, 0.0f64..200_000.0),
        prop::option::of((-6i32..30, 0.0f64..=1.0)),
        prop::option::of((-24i32..30, 0.0f64..20_000.0, prop::option::of(1u32..24))),
        (-0.4f64..1.0, 1u32..4),
        (
            prop::option::of((0u32..12, 0.0f64..3e6, any::<bool>(), 0.0f64..=1.0)),
            prop::option::of((-6i32..30, 0.0f64..=1.0, 0.0f64..=1.0, 0.0f64..=1.0)),
        ),
    )
        .prop_map(
            |(regions, grants, successors, (turnover, vacancy, budget), exit, shock, (rho, years), (round, change))| {
                Gen { regions, grants, successors, turnover, vacancy, budget, exit, shock, rho, years, round, change }
            },
        )
}

const IDS: [&str; 3] = ["north-east", "london", "wales"];
const SOURCES: [&str; 4] = ["same_funder", "other_funder", "legal_aid", "local_authority"];

fn month(offset: i32) -> String {
    let m = 2025 * 12 + 3 + offset;
    format!("{:04}-{:02}", m / 12, m % 12 + 1)
}

fn toml(g: &Gen) -> String {
    let n = g.regions.len();
    let mut t = format!(
        "[scenario]\nname = \"generated\"\nstart = \"2025-04\"\nyears = {}\n[posts]\nturnover = {}\nvacancy_months = {}\nramp_months = 6\n",
        g.years, g.turnover, g.vacancy
    );
    let succ: Vec<String> = g
        .successors
        .iter()
        .map(|(s, p, m)| format!("{{ source = \"{}\", probability = {p}, term_months = {m} }}", SOURCES[*s]))
        .collect();
    t += &format!("[sustainability]\nsuccessors = [{}]\n", succ.join(", "));
    for (i, (d, a, b, p, o)) in g.regions.iter().enumerate() {
        t += &format!(
            "[[regions]]\nid = \"{}\"\ndemand = {d}\ndemand_volatility = 0.1\nabandon_rate = {a}\nbacklog = {b}\nother_capacity = {o}\nlegal_aid = {{ providers = {p}, cases_per_provider = 120, exit_rate = 0.1, entry_rate = 1.0 }}\nlocal_authority = {{ budget = {}, match = {} }}\n",
            IDS[i], g.budget, g.round.map_or(0.0, |r| r.3)
        );
    }
    // Keep the default correlation valid for n regions.
    if n > 1 {
        t += &format!("[correlation]\ndefault = {}\n", g.rho.max(-1.0 / (n as f64 - 1.0) + 0.01));
    }
    for (k, (r, start, months, posts, infl)) in g.grants.iter().enumerate() {
        // Keep grants that have not ended before the start.
        let months = (*months as i32).max(-start + 1);
        t += &format!(
            "[[grants]]\nid = \"g{k}\"\nfunder = \"F{}\"\nregion = \"{}\"\nstart = \"{}\"\nmonths = {months}\nposts = {posts}\ninfluencing_posts = {infl}\n",
            k % 2,
            IDS[r % n],
            month(*start)
        );
    }
    if let Some((start, budget, unmet, _)) = g.round {
        let allocation = if unmet { "\"unmet\"".to_string() } else { format!("{{ {} = 1.0 }}", IDS[0]) };
        t += &format!(
            "[[rounds]]\nid = \"r\"\nfunder = \"F9\"\nstart = \"{}\"\nbudget = {budget}\nterm_months = 24\nadvice_share = 0.6\nallocation = {allocation}\n",
            month(start as i32)
        );
    }
    if let Some((start, probability, turnover, exit)) = g.change {
        // Influence, decided in the change's month, and a demand scale, which
        // then draws the regions' new cases again from it.
        t += &format!(
            "[[changes]]\nid = \"c\"\nstart = \"{}\"\nprobability = {probability}\nturnover = {turnover}\nexit_rate = {exit}\nlocal_authority_budget = 50000\ndemand_scale = {}\ninfluence = {{ max = 1, half_at = {} }}\n",
            month(start),
            0.5 + turnover,
            0.5 + 10.0 * exit
        );
    }
    if !g.grants.is_empty() {
        // A ledger for the first grants' funder: a renewal budget and an end.
        t += &format!(
            "[[funders]]\nname = \"F0\"\nrenewal_budget = {}\nuntil = \"{}\"\n",
            g.budget,
            month(12 * g.years as i32 / 2)
        );
    }
    if let Some((start, share)) = g.exit {
        t += &format!(
            "[[shocks]]\nid = \"exit\"\nkind = \"legal_aid_exit\"\nstart = \"{}\"\nshare = {share}\n",
            month(start)
        );
    }
    if let Some((start, cases, half)) = g.shock {
        t += &format!("[[shocks]]\nid = \"surge\"\nkind = \"demand\"\nstart = \"{}\"\ncases = {cases}\n", month(start));
        if let Some(h) = half {
            t += &format!("half_life_months = {h}\n");
        }
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn cases_conserved_nothing_negative_service_within_capacity(g in gen(), seed in 0u64..1000) {
        let s = scenario(&toml(&g));
        for trace in traces(&s, 3, seed) {
            let mut last_lost = vec![0u32; g.regions.len()];
            for row in &trace {
                let inflow = row.backlog_start + row.demand;
                let outflow = row.served + row.abandoned + row.backlog_end;
                prop_assert!((inflow - outflow).abs() <= 1e-9 * (1.0 + inflow), "not conserved: {:?}", row);
                for x in [row.backlog_start, row.demand, row.served, row.abandoned, row.backlog_end, row.capacity] {
                    prop_assert!(x >= 0.0 && x.is_finite(), "negative or non-finite: {:?}", row);
                }
                prop_assert!(row.served <= row.capacity + 1e-9, "served above capacity: {:?}", row);
                prop_assert!(row.posts_filled <= row.posts_funded);
                prop_assert!(row.posts_lost >= last_lost[row.region], "losses fell: {:?}", row);
                last_lost[row.region] = row.posts_lost;
            }
        }
    }

    /// Yearly figures conserve cases too: backlog at the start of a year
    /// plus its demand equals served plus abandoned plus the year-end backlog;
/// and funded posts by source add up to the funded posts.
    #[test]
    fn yearly_summary_conserves_cases_in_every_run(g in gen(), seed in 0u64..1000) {
        let s = scenario(&toml(&g));
        let plan = fundscape_sim::model::Plan::new(&s);
        let mut record = plan.new_record();
        plan.simulate(seed, 0, &mut record, None);
        use fundscape_sim::model::{ABANDONED, BACKLOG_END, DEMAND, SERVED};
        for r in 0..=s.regions.len() {
            let mut backlog: f64 = if r == s.regions.len() {
                s.regions.iter().map(|x| x.backlog as f64).sum()
            } else {
                s.regions[r].backlog as f64
            };
            for y in 0..s.years as usize {
                let v = |m| record.values[plan.index(r, y, m)];
                let inflow = backlog + v(DEMAND);
                let outflow = v(SERVED) + v(ABANDONED) + v(BACKLOG_END);
                prop_assert!((inflow - outflow).abs() <= 1e-9 * (1.0 + inflow));
                backlog = v(BACKLOG_END);
                // Funded posts by source add up to the funded posts.
                let n_sources = s.spend_sources().len();
                let by_source: f64 = (0..n_sources).map(|k| v(fundscape_sim::model::SPEND + n_sources + k)).sum();
                prop_assert_eq!(by_source, v(fundscape_sim::model::POSTS_FUNDED));
            }
        }
    }

    #[test]
    fn same_seed_same_bytes_at_any_thread_count(g in gen(), seed in 0u64..1000) {
        let s = scenario(&toml(&g));
        let one = run(&s, &RunConfig { runs: 300, seed, threads: 1 }, &|_| {});
        let two = run(&s, &RunConfig { runs: 300, seed, threads: 2 }, &|_| {});
        prop_assert_eq!(fundscape_output::summary_csv(&one), fundscape_output::summary_csv(&two));
        prop_assert_eq!(fundscape_output::survival_csv(&one), fundscape_output::survival_csv(&two));
    }

    /// Shards merged, in any order and whatever their number, are the whole
    /// run, and each shard survives its byte encoding.
    #[test]
    fn shards_merged_are_the_whole_run(g in gen(), seed in 0u64..1000, runs in 1u64..1400, count in 1u64..6, rotate in 0usize..6) {
        let s = scenario(&toml(&g));
        let count = count.min(fundscape_sim::driver::n_blocks(runs));
        let config = RunConfig { runs, seed, threads: 2 };
        let whole = run(&s, &config, &|_| {});
        let mut slices: Vec<fundscape_sim::Slice> = (1..=count)
            .map(|index| {
                let slice = fundscape_sim::run_shard(&s, &config, fundscape_sim::ShardSpec { index, count }, &|_| {});
                fundscape_sim::Slice::from_bytes(&slice.to_bytes()).unwrap()
            })
            .collect();
        let len = slices.len();
        slices.rotate_left(rotate % len);
        let merged = fundscape_sim::merge_slices(&s, &slices, whole.threads).unwrap();
        prop_assert_eq!(fundscape_output::summary_csv(&merged), fundscape_output::summary_csv(&whole));
        prop_assert_eq!(fundscape_output::survival_csv(&merged), fundscape_output::survival_csv(&whole));
        prop_assert_eq!(fundscape_output::posts_by_source_csv(&merged), fundscape_output::posts_by_source_csv(&whole));
        prop_assert_eq!(fundscape_output::totals_csv(&merged), fundscape_output::totals_csv(&whole));
        prop_assert_eq!(fundscape_output::exceedance_csv(&merged), fundscape_output::exceedance_csv(&whole));
        prop_assert_eq!(merged, whole);
    }

    /// A comparison's shards merged, in any order and whatever their
    /// number, are the comparison done at once (compare.csv and
    /// compare_totals.csv byte for byte), and each shard survives its byte
    /// encoding.
    #[test]
    fn compare_shards_merged_are_the_whole_comparison(
        g in gen(), seed in 0u64..1000, runs in 1u64..1400, count in 1u64..6, rotate in 0usize..6,
        turnover in 0.0f64..=1.0, probability in 0.0f64..=1.0,
    ) {
        let text = toml(&g);
        let base = scenario(&text);
        let ask = scenario(&format!(
            "{text}[[changes]]\nid = \"ask\"\nstart = \"2026-04\"\nprobability = {probability}\nturnover = {turnover}\n"
        ));
        let alts = [("ask".to_string(), &ask), ("same".to_string(), &base)];
        let count = count.min(fundscape_sim::driver::n_blocks(runs));
        let config = RunConfig { runs, seed, threads: 2 };
        let whole = fundscape_sim::compare(&base, &alts, &config, &|_| {}).unwrap();
        let mut slices: Vec<fundscape_sim::CompareSlice> = (1..=count)
            .map(|index| {
                let spec = fundscape_sim::ShardSpec { index, count };
                let slice = fundscape_sim::compare_shard(&base, &alts, &config, spec, &|_| {}).unwrap();
                fundscape_sim::CompareSlice::from_bytes(&slice.to_bytes()).unwrap()
            })
            .collect();
        let len = slices.len();
        slices.rotate_left(rotate % len);
        let merged = fundscape_sim::merge_compare_slices(&base, &alts, &slices, whole.threads).unwrap();
        prop_assert_eq!(fundscape_output::compare_csv(&merged), fundscape_output::compare_csv(&whole));
        prop_assert_eq!(fundscape_output::compare_totals_csv(&merged), fundscape_output::compare_totals_csv(&whole));
        // Leaving a shard out, or giving one twice, is refused.
        if len > 1 {
            prop_assert!(fundscape_sim::merge_compare_slices(&base, &alts, &slices[1..], 1).is_err());
            let twice: Vec<_> = slices.iter().chain(&slices[..1]).cloned().collect();
            prop_assert!(fundscape_sim::merge_compare_slices(&base, &alts, &twice, 1).is_err());
        }
    }

    #[test]
    fn an_overlay_that_changes_nothing_changes_no_byte(g in gen(), seed in 0u64..1000, restate in any::<bool>()) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let base_path = dir.path().join("base.toml");
        let text = toml(&g);
        std::fs::write(&base_path, &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // An empty overlay, or one that restates values the base already has.
        let mut overlay = "[scenario]\nextends = \"base.toml\"\n".to_string();
        if restate {
            overlay += &format!("years = {}\n[[regions]]\nid = \"{}\"\nabandon_rate = {}\n", g.years, IDS[0], g.regions[0].1);
        }
        let over_path = dir.path().join("overlay.toml");
        std::fs::write(&over_path, overlay).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let base = load(&base_path).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let over = load(&over_path).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&base.hash, &over.hash);
        let config = RunConfig { runs: 200, seed, threads: 0 };
        let a = run(&base, &config, &|_| {});
        let b = run(&over, &config, &|_| {});
        prop_assert_eq!(fundscape_output::summary_csv(&a), fundscape_output::summary_csv(&b));
        prop_assert_eq!(fundscape_output::survival_csv(&a), fundscape_output::survival_csv(&b));
    }
}

/// No input makes the loader panic: random text, and tiny.toml with lines
/// deleted, duplicated or replaced by random text, load or fail with an error.
mod no_panic {
    use super::*;
    use std::path::Path;

    fn tiny() -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny.toml");
        std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_owned).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn random_text_never_panics(text in "\\PC{0,400}") {
            let _ = fundscape_sim::load_str(Path::new("random.toml"), &text);
        }

        #[test]
        fn mutated_scenarios_never_panic(
            edits in prop::collection::vec((0usize..80, 0u8..3, "[a-z_=\"{}\\[\\], .0-9-]{0,30}"), 1..6),
        ) {
            let mut lines = tiny();
            for (at, op, text) in edits {
                if lines.is_empty() { break; }
                let i = at % lines.len();
                match op {
                    0 => { lines.remove(i); }
                    1 => { let l = lines[i].clone(); lines.insert(i, l); }
                    _ => lines[i] = text,
                }
            }
            let text = lines.join("\n");
            if let Ok(s) = fundscape_sim::load_str(Path::new("mutated.toml"), &text) {
                // A scenario that loads must also run.
                let summary = run(&s, &RunConfig { runs: 4, seed: 1, threads: 1 }, &|_| {});
                prop_assert!(!summary.rows.is_empty());
            }
        }
    }
}

/// Values at every scale, up to 1e308: a scenario either is refused at load
/// (with its key), or every number in every output CSV is finite. Before
/// the limits, a shock of 1e300 cases or a cost of 1.7e308 wrote `inf` and
/// `NaN` into summary.csv with exit 0.
mod extreme_values {
    use super::*;
    use std::path::Path;

    /// 10^e with e drawn across the whole f64 range, sometimes negative.
    fn magnitude() -> impl Strategy<Value = f64> {
        (-3.0f64..308.0, any::<bool>()).prop_map(|(e, neg)| if neg { -(10f64.powf(e)) } else { 10f64.powf(e) })
    }

    fn scenario_text(v: &[f64], years: u32, runs: u64) -> String {
        format!(
            r#"[scenario]
start = "2025-04"
years = {years}
runs = {runs}
[economy]
wage_growth = {wage}
[posts]
annual_cost = {cost}
cases_per_year = {cpy}
vacancy_months = {vac}
[sustainability]
successors = [{{ source = "local_authority", probability = 0.5, term_months = 12 }}]
[[regions]]
id = "a"
demand = {demand}
demand_growth = {growth}
demand_volatility = {vol}
backlog = 100
abandon_rate = 0.1
other_capacity = {other}
legal_aid = {{ providers = 5, cases_per_provider = {cpp}, exit_rate = 0.1, entry_rate = {entry} }}
local_authority = {{ budget = {la} }}
[[grants]]
id = "g"
funder = "F"
region = "a"
start = "2025-01"
months = 12
posts = 3
[[rounds]]
id = "r"
funder = "F"
start = "2026-04"
budget = {budget}
term_months = 12
allocation = "unmet"
[[shocks]]
id = "s"
kind = "demand"
start = "2025-06"
cases = {cases}
"#,
            wage = v[0] / 1e3,
            cost = v[1],
            cpy = v[2],
            vac = v[3],
            demand = v[4],
            growth = v[5] / 1e3,
            vol = v[6] / 1e3,
            other = v[7],
            cpp = v[8],
            entry = v[9],
            la = v[10],
            budget = v[11],
            cases = v[12],
        )
    }

    fn finite_csv(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
        let text = String::from_utf8_lossy(bytes);
        for (i, line) in text.lines().enumerate().skip(1) {
            for field in line.split(',') {
                if let Ok(x) = field.parse::<f64>() {
                    prop_assert!(x.is_finite(), "{name} line {}: {line}", i + 1);
                }
                let lower = field.to_ascii_lowercase();
                prop_assert!(!lower.contains("inf") && !lower.contains("nan"), "{name} line {}: {line}", i + 1);
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn no_output_ever_holds_inf_or_nan(
            v in prop::collection::vec(magnitude(), 13),
            years in prop::sample::select(vec![1u32, 10, 100]),
            runs in 1u64..4,
        ) {
            let text = scenario_text(&v, years, runs);
            if let Ok(s) = fundscape_sim::load_str(Path::new("extreme.toml"), &text) {
                let summary = run(&s, &RunConfig { runs: s.runs, seed: 3, threads: 1 }, &|_| {});
                finite_csv("summary.csv", &fundscape_output::summary_csv(&summary))?;
                finite_csv("survival.csv", &fundscape_output::survival_csv(&summary))?;
                finite_csv("posts_by_source.csv", &fundscape_output::posts_by_source_csv(&summary))?;
            }
        }
    }
}
