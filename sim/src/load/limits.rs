//! Limits that keep every result countable and every run's memory bounded.
//!
//! A value so large that its results cannot be counted (a shock of `1e300`
//! cases, a post cost of `1.7e308`) would wrap, overflow to `inf` or give
//! `NaN` in the outputs; a round whose budget buys millions of posts would
//! exhaust memory. Both are refused at load, naming the key and the largest
//! value allowed. The limits are far above any real figure for the UK (its
//! whole asylum demand is about 10⁵ cases a year, its legal-aid spend about
//! £10⁸ a year), so they only ever stop a typo or a hostile file.

use super::locate::Seg;
use super::FieldError;
use crate::scenario::Scenario;
use crate::value::Value;

/// The most Monte Carlo runs of one command, from the file's `runs` or `--runs`.
pub const MAX_RUNS: u64 = 100_000_000;

/// The most posts one run may hold: grants' posts and the most that every
/// round could buy, together.
pub const MAX_POSTS: u64 = 1_000_000;

/// The most figures a run may report ((regions + 1) × years): the statistics
/// keep a few accumulators for each one, per worker thread.
pub const MAX_REGION_YEARS: u64 = 20_000;

/// The largest number of cases a key may hold (a year's demand or capacity,
/// a shock's cases, a backlog).
pub const MAX_CASES: f64 = 1e9;

/// The largest sum of money a key may hold (£).
pub const MAX_MONEY: f64 = 1e12;

/// The most legal-aid offices a region may start with.
pub const MAX_PROVIDERS: u64 = 1_000_000;

/// The range a key's values must lie in, by the key's name, with the unit
/// used in the message.
fn range_of(key: &str) -> Option<(f64, f64, &'static str)> {
    Some(match key {
        "demand" | "other_capacity" | "cases_per_year" | "cases_per_provider" => (0.0, MAX_CASES, " cases a year"),
        "cases" => (0.0, MAX_CASES, " cases"),
        "annual_cost"
        | "budget"
        | "local_authority_budget"
        | "amount"
        | "ask_cost"
        | "renewal_budget"
        | "nrpf_household_cost" => (0.0, MAX_MONEY, " (£)"),
        "entry_rate" => (0.0, 100_000.0, " offices a year"),
        "vacancy_months" => (0.0, 1200.0, " months"),
        "demand_growth" => (-1.0, 1.0, " (annual log-growth)"),
        "demand_scale" => (0.0, 100.0, " (times the demand)"),
        "half_at" => (0.0, 1e6, " post-years"),
        "demand_volatility" => (0.0, 1.0, " (sd of the annual log-noise)"),
        "wage_growth" => (-0.99, 1.0, " (annual growth)"),
        _ => return None,
    })
}

/// A number as a reader checks it: whole numbers with thousands separators.
pub(crate) fn shown(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e16 {
        let digits = format!("{}", x.abs() as u64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if x < 0.0 {
            format!("-{out}")
        } else {
            out
        }
    } else if x.abs() >= 1e16 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Checks a value against its key's range: a fixed number or a distribution
/// bound outside it is refused; an unbounded distribution is clamped into it.
pub(super) fn within_range(key: &str, v: Value) -> Result<Value, String> {
    let Some((lo, hi, unit)) = range_of(key) else { return Ok(v) };
    let (a, b) = v.support();
    let too_big = b.is_finite() && b > hi;
    let too_small = a.is_finite() && a < lo && key_can_be_negative(key);
    let at = if too_big { b } else { a };
    if too_big || too_small {
        let which = if too_big { "largest" } else { "smallest" };
        let bound = if too_big { hi } else { lo };
        return Err(match v.as_fixed() {
            Some(_) => {
                format!("is {}, but the {which} value allowed is {}{unit}; check the number", shown(at), shown(bound))
            }
            None => format!(
                "{v} reaches {}, but the {which} value allowed is {}{unit}; set its `min`/`max` inside the range",
                shown(at),
                shown(bound)
            ),
        });
    }
    // An unbounded distribution centred beyond the range (`mean = 1e300`)
    // would be clamped to the largest value in almost every draw: a typo,
    // as the plain number would be.
    let mean = v.typical();
    if v.as_fixed().is_none() && !(mean <= hi) {
        return Err(format!(
            "the distribution has a mean of {}, beyond the largest value allowed, {}{unit}; check its parameters",
            shown(mean),
            shown(hi)
        ));
    }
    Ok(v.clamped_to(if key_can_be_negative(key) { lo } else { f64::NEG_INFINITY }, hi))
}

/// Keys whose lower end is checked here (the others' is the loader's
/// non-negative domain, with its own message).
fn key_can_be_negative(key: &str) -> bool {
    matches!(key, "demand_growth" | "wage_growth")
}

/// The last key of a path: the name whose range applies.
pub(super) fn last_key(path: &[Seg]) -> &str {
    path.iter()
        .rev()
        .find_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .unwrap_or("")
}

fn key(path: &[(&str, Option<usize>)]) -> Vec<Seg> {
    let mut out = Vec::new();
    for (k, i) in path {
        out.push(Seg::Key((*k).to_string()));
        if let Some(i) = i {
            out.push(Seg::Index(*i));
        }
    }
    out
}

/// The index of the element with `id` in the merged `[[name]]` array (the
/// validated scenario keeps ids, the messages need indices).
fn index_of(merged: &toml::Table, name: &str, id: &str) -> usize {
    merged
        .get(name)
        .and_then(|v| v.as_array())
        .and_then(|a| a.iter().position(|e| e.get("id").and_then(|x| x.as_str()) == Some(id)))
        .unwrap_or(0)
}

/// The most posts a round can buy in one run: its largest budget at the
/// lowest price a post can have (the smallest post cost, the largest match
/// any region or change can reach, wages at their lowest), and never more
/// than the engine's cap of posts per region.
pub fn most_posts_of_round(s: &Scenario, round: usize) -> u64 {
    let r = &s.rounds[round];
    let budget = r.budget.support().1;
    let cost = s.posts.annual_cost.support().0;
    let mut match_hi = s.regions.iter().map(|g| g.local_authority.match_share.support().1).fold(0.0, f64::max);
    for c in &s.changes {
        if let Some(m) = &c.local_authority_match {
            match_hi = match_hi.max(m.support().1);
        }
    }
    let (g_lo, _) = s.wage_growth.support();
    let wage_lo = if g_lo < 0.0 { (1.0 + g_lo).powi(s.years as i32) } else { 1.0 };
    let price = (1.0 - match_hi) * cost * wage_lo * f64::from(r.term_months) / 12.0;
    let per_region_cap = crate::rounds::MAX_ROUND_POSTS_PER_REGION as f64;
    let n_regions = match &r.allocation {
        crate::scenario::Allocation::Shares(sh) => sh.iter().filter(|(_, x)| *x > 0.0).count(),
        crate::scenario::Allocation::Unmet => s.regions.len(),
    } as f64;
    // The whole budget at the lowest price, plus at most one post more in
    // each region from rounding to whole posts, and no region beyond the cap.
    let all_regions = n_regions * per_region_cap;
    if price > 0.0 && budget.is_finite() {
        (budget / price + n_regions).min(all_regions) as u64
    } else {
        all_regions as u64
    }
}

/// Checks what sizes a run's memory: posts, figures and runs.
pub(super) fn check_sizes(s: &Scenario, merged: &toml::Table) -> Result<(), FieldError> {
    if s.runs > MAX_RUNS {
        return Err(FieldError::new(
            &key(&[("scenario", None), ("runs", None)]),
            format!("is {}, but at most {} runs are allowed", shown(s.runs as f64), shown(MAX_RUNS as f64)),
        ));
    }
    let figures = (s.regions.len() as u64 + 1) * u64::from(s.years);
    if figures > MAX_REGION_YEARS {
        return Err(FieldError::new(
            &key(&[("regions", None)]),
            format!(
                "{} regions over {} years make {} region-years of figures; at most {} are allowed (fewer regions or years)",
                s.regions.len(),
                s.years,
                shown(figures as f64),
                shown(MAX_REGION_YEARS as f64)
            ),
        ));
    }
    for (i, r) in s.regions.iter().enumerate() {
        if u64::from(r.legal_aid.providers) > MAX_PROVIDERS {
            return Err(FieldError::new(
                &key(&[("regions", Some(i)), ("legal_aid", None), ("providers", None)]),
                format!(
                    "is {}, but at most {} offices are allowed",
                    shown(f64::from(r.legal_aid.providers)),
                    shown(MAX_PROVIDERS as f64)
                ),
            ));
        }
        if r.backlog as f64 > MAX_CASES {
            return Err(FieldError::new(
                &key(&[("regions", Some(i)), ("backlog", None)]),
                format!(
                    "is {}, but the largest backlog allowed is {} cases",
                    shown(r.backlog as f64),
                    shown(MAX_CASES)
                ),
            ));
        }
    }
    let mut total: u64 = s.grants.iter().map(|g| u64::from(g.posts) + u64::from(g.influencing_posts)).sum();
    if total > MAX_POSTS {
        let last = s.grants.len().saturating_sub(1);
        let idx = s.grants.get(last).map_or(0, |g| index_of(merged, "grants", &g.id));
        return Err(FieldError::new(
            &key(&[("grants", Some(idx)), ("posts", None)]),
            format!(
                "the grants hold {} posts; at most {} posts are allowed in a run (grants and rounds together)",
                shown(total as f64),
                shown(MAX_POSTS as f64)
            ),
        ));
    }
    for (i, r) in s.rounds.iter().enumerate() {
        let most = most_posts_of_round(s, i);
        total += most;
        if total > MAX_POSTS {
            let idx = index_of(merged, "rounds", &r.id);
            return Err(FieldError::new(
                &key(&[("rounds", Some(idx)), ("budget", None)]),
                format!(
                    "this round could buy up to {} posts, making {} in a run with the grants and earlier rounds; at most {} posts are allowed in a run; lower the budget (or bound local_authority.match below 1)",
                    shown(most as f64),
                    shown(total as f64),
                    shown(MAX_POSTS as f64)
                ),
            ));
        }
    }
    Ok(())
}
