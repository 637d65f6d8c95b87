//! Levers: the inputs the page lets people move (named inputs of
//! `fundscape_sim::inputs`), their ranges and units, checking a request's
//! values against them, and applying them to a copy of the scenario.
//!
//! A lever sets one input key (`rounds.r2026.budget`), or every member of a
//! group across regions (`regions.*.local_authority.match`). Two kinds:
//! - **value**: the lever's number replaces the input in every run (an input
//!   the file writes as a distribution is then fixed at that number, which
//!   the page says);
//! - **percentile**: for a group whose members differ (each region's
//!   demand), the lever is a percentile, and every member is fixed at that
//!   percentile of its own distribution, as the tornado moves inputs.

use std::collections::BTreeMap;

use fundscape_sim::inputs::{inputs, Input, QuantileTable};
use fundscape_sim::sensitivity::{groups, sensitivity, Target};
use fundscape_sim::suggest::did_you_mean;
use fundscape_sim::value::Value;
use fundscape_sim::{RunConfig, Scenario};

/// How a lever's number becomes input values.
#[derive(Debug, Clone)]
pub enum LeverKind {
    /// The number itself, for every member.
    Value,
    /// A percentile (0–100): each member at that quantile of its own value.
    Percentile(Vec<QuantileTable>),
}

/// One lever of the page.
#[derive(Debug, Clone)]
pub struct Lever {
    /// The input key, or a group key with `*` for the region id.
    pub key: String,
    pub label: String,
    /// Where the slider starts: the file's number, or the mean of its
    /// distribution, or the 50th percentile.
    pub value: f64,
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub unit: String,
    /// How the file writes the input (its first member's), e.g. `PERT(0.2, 0.35, 0.5)`.
    pub written: String,
    /// Whether the file draws the input at random (moving the lever then fixes it).
    pub random: bool,
    /// The input keys the lever sets.
    pub members: Vec<String>,
    pub kind: LeverKind,
}

pub use fundscape_sim::LeverSpec;

/// Why a set of lever values cannot be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LeverError {
    #[error("unknown lever `{key}`{hint}")]
    Unknown { key: String, hint: String },
    #[error("lever `{key}` is {value}, outside its range; give a number from {min} to {max}")]
    OutOfRange { key: String, value: f64, min: f64, max: f64 },
    #[error("lever `{key}` is not a number")]
    NotANumber { key: String },
}

/// The input keys that a lever key names: itself, or with `*` every region's.
fn members_of(s: &Scenario, all: &[Input], key: &str) -> Vec<String> {
    match key.strip_prefix("regions.*.") {
        Some(rest) => s
            .regions
            .iter()
            .map(|r| format!("regions.{}.{rest}", r.id))
            .filter(|k| all.iter().any(|i| &i.key == k))
            .collect(),
        None => all.iter().filter(|i| i.key == key).map(|i| i.key.clone()).collect(),
    }
}

/// The unit of a key, from its last part.
pub fn unit_of(key: &str) -> &'static str {
    let last = key.rsplit('.').next().unwrap_or(key);
    match last {
        "probability" | "match" | "advice_share" | "abandon_rate" | "share" | "demand_volatility" => "share (0–1)",
        "turnover" | "exit_rate" => "share a year (0–1)",
        "ramp_start" => "share of full output (0–1)",
        "wage_growth" | "demand_growth" => "growth a year (0.02 = 2%)",
        "budget" if key.starts_with("rounds.") => "£ over the term",
        "budget" | "local_authority_budget" => "£ a year",
        "annual_cost" => "£ a post a year",
        "cases_per_year" => "cases a post a year",
        "cases_per_provider" => "cases an office a year",
        "demand" => "cases a year",
        "other_capacity" => "cases a year",
        "entry_rate" => "offices a year",
        "rate_per_year" => "shocks a year",
        "cases" => "cases",
        _ => "",
    }
}

fn is_share(unit: &str) -> bool {
    unit.contains("(0–1)")
}

/// A step of about a hundredth of the range, rounded to 1, 2 or 5 times a power of ten.
fn nice_step(range: f64) -> f64 {
    if !(range > 0.0) || !range.is_finite() {
        return 1.0;
    }
    let raw = range / 100.0;
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let k = if m < 1.5 {
        1.0
    } else if m < 3.5 {
        2.0
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    };
    k * p
}

/// A readable label for an input key.
fn label_of(s: &Scenario, key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let words = |k: &str| k.replace('_', " ");
    match parts.as_slice() {
        ["sustainability", "successors", name, "probability"] => {
            let who = match name.trim_end_matches(|c: char| c == ']' || c.is_ascii_digit() || c == '[') {
                "same_funder" => "the same funder renews",
                "other_funder" => "another funder takes the post on",
                "legal_aid" => "legal aid carries the post",
                "local_authority" => "a council commissions the post",
                other => return format!("Chance that {} pays when a grant ends", words(other)),
            };
            format!("Chance that {who} when its grant ends")
        }
        ["regions", "*", "local_authority", "match"] => {
            "Council match: share of new posts' cost councils pay (every region)".into()
        }
        ["regions", "*", rest @ ..] => format!("{} (every region)", capital(&words(&rest.join(" ")))),
        ["regions", id, rest @ ..] => {
            let name = s.regions.iter().find(|r| r.id == *id).map_or(id.to_string(), |r| r.name.clone());
            format!("{}: {}", name, words(&rest.join(" ")))
        }
        ["rounds", id, "budget"] => format!("Round `{id}`: budget"),
        ["rounds", id, rest] => format!("Round `{id}`: {}", words(rest)),
        ["posts", k] => format!("Posts: {}", words(k)),
        [kind, id, rest @ ..] if parts.len() >= 3 => format!("{} `{id}`: {}", capital(kind), words(&rest.join(" "))),
        _ => capital(&words(key)),
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().collect::<String>() + c.as_str())
}

/// Builds the lever for `key` (an input or a `regions.*.` group), with a
/// range from `spec` or a default one. `None` if the key names no input.
pub fn lever(s: &Scenario, all: &[Input], key: &str, spec: Option<&LeverSpec>) -> Option<Lever> {
    let members = members_of(s, all, key);
    let first = all.iter().find(|i| Some(&i.key) == members.first())?;
    let values: Vec<&Value> =
        members.iter().filter_map(|m| all.iter().find(|i| &i.key == m).map(|i| &i.value)).collect();
    let random = values.iter().any(|v| v.as_fixed().is_none());
    let same = values.iter().all(|v| v.to_string() == first.value.to_string());
    let unit = unit_of(key);
    let mut written = first.value.to_string();
    let (kind, value, lo, hi, unit) = if members.len() > 1 && !same && !random {
        // Plain numbers that differ by region: the lever sets one number
        // for all of them, starting at their mean.
        let xs: Vec<f64> = values.iter().filter_map(|v| v.as_fixed()).collect();
        let (a, b) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        written = format!("{a} to {b} by region");
        let v = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
        let (dlo, dhi) = first.value.limits();
        let (lo, hi) =
            if is_share(unit) { (dlo.max(0.0), dhi.min(1.0)) } else { (0f64.max(dlo), (2.0 * b).max(1.0).min(dhi)) };
        (LeverKind::Value, v, lo, hi, unit.to_string())
    } else if members.len() > 1 && !same {
        let tables = members.iter().zip(&values).map(|(k, v)| QuantileTable::new(k, v)).collect::<Vec<_>>();
        (LeverKind::Percentile(tables), 50.0, 5.0, 95.0, "percentile of its range, in every region".to_string())
    } else {
        let v = first.value.typical();
        let (dlo, dhi) = first.value.limits();
        let (lo, hi) = if is_share(unit) {
            (dlo.max(0.0), dhi.min(1.0))
        } else if key.ends_with("growth") {
            // Growth rates: ten points either side.
            ((v - 0.1).max(dlo), (v + 0.1).min(dhi))
        } else {
            let lo = if dlo >= 0.0 { 0.0 } else { v - v.abs().max(0.1) };
            (lo.max(dlo), (v + v.abs().max(1.0)).min(dhi))
        };
        (LeverKind::Value, v, lo, hi, unit.to_string())
    };
    let step = spec.and_then(|s| s.step).unwrap_or_else(|| match kind {
        LeverKind::Percentile(_) => 5.0,
        LeverKind::Value if is_share(&unit) => 0.01,
        LeverKind::Value => nice_step(hi - lo),
    });
    // Default bounds on a multiple of the step; the file's own as written.
    let min = spec.and_then(|s| s.min).unwrap_or_else(|| on_step_bound(lo, step, false));
    let max = spec.and_then(|s| s.max).unwrap_or_else(|| on_step_bound(hi, step, true));
    let (min, max) = match kind {
        // Never outside the key's domain (a replacement would be clamped into it).
        LeverKind::Value => (min.max(first.value.limits().0), max.min(first.value.limits().1)),
        LeverKind::Percentile(_) => (min.max(0.0), max.min(100.0)),
    };
    // A distribution's mean starts on a step, so the slider and the number
    // box agree; a plain number starts where the file has it.
    let value = match kind {
        LeverKind::Value if first.value.as_fixed().is_none() => {
            let y = min + ((value - min) / step).round() * step;
            let digits = (-step.log10().floor()).clamp(0.0, 12.0) as i32;
            let p = 10f64.powi(digits);
            (y * p).round() / p
        }
        _ => value,
    };
    Some(Lever {
        key: key.to_string(),
        label: spec.and_then(|s| s.label.clone()).unwrap_or_else(|| label_of(s, key)),
        // (max/min rather than clamp, which panics on NaN bounds.)
        value: value.max(min).min(max),
        min,
        max,
        step,
        unit,
        written,
        random,
        members,
        kind,
    })
}

/// A default bound rounded outwards to a multiple of the step.
fn on_step_bound(x: f64, step: f64, up: bool) -> f64 {
    let k = x / step;
    let k = if up { (k - 1e-9).ceil() } else { (k + 1e-9).floor() };
    let digits = (-step.log10().floor()).clamp(0.0, 12.0) as i32;
    let p = 10f64.powi(digits);
    (k * step * p).round() / p
}

/// Runs for the quick tornado that picks default levers.
pub const QUICK_TORNADO_RUNS: u64 = 32;
/// How many inputs the quick tornado adds.
pub const TORNADO_LEVERS: usize = 3;

/// The page's levers: those of `[[levers]]` when the scenario has them;
/// otherwise every round's budget, every successor's probability, the
/// council match across regions and the top inputs of a quick tornado of
/// cases abandoned over the horizon.
pub fn levers_of(s: &Scenario, specs: &[LeverSpec], seed: u64) -> Vec<Lever> {
    let all = inputs(s);
    if !specs.is_empty() {
        return specs.iter().filter_map(|spec| lever(s, &all, &spec.key, Some(spec))).collect();
    }
    let mut keys: Vec<String> = Vec::new();
    for i in &all {
        if i.key.starts_with("rounds.") && i.key.ends_with(".budget") || i.key.starts_with("sustainability.successors.")
        {
            keys.push(i.key.clone());
        }
    }
    // The council match only changes what a round's budget buys (model.md
    // §3), so it is a lever only where the scenario has rounds.
    if !s.rounds.is_empty() {
        keys.push("regions.*.local_authority.match".into());
    }
    for key in quick_tornado(s, seed) {
        if keys.len() >= 12 {
            break;
        }
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let mut out: Vec<Lever> = Vec::new();
    for key in keys {
        if let Some(l) = lever(s, &all, &key, None) {
            if !out.iter().any(|o| o.key == l.key) {
                out.push(l);
            }
        }
    }
    out
}

/// The keys of the inputs (grouped across regions) that swing cases
/// abandoned over the horizon most, largest first, from a small tornado.
fn quick_tornado(s: &Scenario, seed: u64) -> Vec<String> {
    let inputs = groups(s, true);
    let Ok(target) = Target::new(s, "abandoned", "all") else { return Vec::new() };
    let config = RunConfig { runs: QUICK_TORNADO_RUNS, seed, threads: 0 };
    let Ok(result) = sensitivity(s, &inputs, &target, &config, &|_| {}) else { return Vec::new() };
    let col = target.columns() - 1;
    let mut rows: Vec<(f64, String)> = result.tornado.iter().map(|r| (r.swing(col).abs(), r.key.clone())).collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    rows.into_iter().take(TORNADO_LEVERS).map(|(_, k)| k).collect()
}

/// Checks a request's values against the levers: each key a lever's, each
/// value a finite number inside its range.
///
/// # Errors
/// The first unknown key (with a did-you-mean), non-number or value out of range.
pub fn check<'a>(levers: &'a [Lever], values: &BTreeMap<String, f64>) -> Result<Vec<(&'a Lever, f64)>, LeverError> {
    let keys: Vec<String> = levers.iter().map(|l| l.key.clone()).collect();
    let mut out = Vec::new();
    for (key, &v) in values {
        let Some(lever) = levers.iter().find(|l| &l.key == key) else {
            let mut hint = did_you_mean(key, &keys);
            if hint.is_empty() {
                hint = format!("; the levers are {}", keys.join(", "));
            }
            return Err(LeverError::Unknown { key: key.clone(), hint });
        };
        if !v.is_finite() {
            return Err(LeverError::NotANumber { key: key.clone() });
        }
        // A little slack for decimal steps (0.1 + 0.2).
        let slack = 1e-9 * (lever.max - lever.min).abs().max(1.0);
        if v < lever.min - slack || v > lever.max + slack {
            return Err(LeverError::OutOfRange { key: key.clone(), value: v, min: lever.min, max: lever.max });
        }
        out.push((lever, v));
    }
    Ok(out)
}

/// The input values that a lever at `v` sets: (input key, number).
pub fn assignments(lever: &Lever, v: f64) -> Vec<(String, f64)> {
    match &lever.kind {
        LeverKind::Value => lever.members.iter().map(|m| (m.clone(), v)).collect(),
        LeverKind::Percentile(tables) => {
            lever.members.iter().zip(tables).map(|(m, t)| (m.clone(), t.quantile(v / 100.0))).collect()
        }
    }
}

/// Every input value that the checked levers set.
pub fn all_assignments(checked: &[(&Lever, f64)]) -> Vec<(String, f64)> {
    checked.iter().flat_map(|(l, v)| assignments(l, *v)).collect()
}

/// A copy of `s` with the assignments applied (each value clamped into its key's domain).
pub fn apply(s: &Scenario, values: &[(String, f64)]) -> Result<Scenario, String> {
    let fixed: Vec<(&str, Value)> = values
        .iter()
        .map(|(k, v)| Value::fixed(*v).map(|x| (k.as_str(), x)).map_err(|e| format!("{k}: {e}")))
        .collect::<Result<_, _>>()?;
    fundscape_sim::inputs::with_inputs(s, &fixed).map_err(|e| e.to_string())
}
