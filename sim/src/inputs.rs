//! The scenario's inputs as data (model.md §10): every *value* key drawn
//! once per run, named by its path with ids (`regions.alpha.demand`,
//! `posts.turnover`, `sustainability.successors.legal_aid.probability`, …).
//!
//! An analysis fixes or resamples inputs by replacing their [`Value`]s on a
//! copy of the validated [`Scenario`] ([`with_inputs`]). Every per-run value
//! draws from its own stream keyed by its key, and a plain number draws
//! nothing (`Param::draw` in `model.rs`), so replacing one input by a fixed
//! number leaves every other random stream of every run as it was: two
//! scenarios run on the same seed stay paired run by run.
//!
//! Per-event values (`vacancy_months`, the `cases` or `share` of each arrival
//! of a random shock) are drawn afresh for each event and are not inputs.

use rand::{RngExt, SeedableRng};

use crate::rng::{fnv1a, mix, StreamRng};
use crate::scenario::{Scenario, ShockKind, ShockTiming};
use crate::suggest::did_you_mean;
use crate::value::Value;

/// One input: its key path and its value as the scenario writes it.
#[derive(Debug, Clone)]
pub struct Input {
    pub key: String,
    pub value: Value,
}

impl Input {
    /// Whether the input is a distribution (a plain number draws nothing).
    pub fn is_random(&self) -> bool {
        self.value.as_fixed().is_none()
    }
}

/// Why an input could not be replaced.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    #[error("unknown input key `{key}`{hint}")]
    UnknownKey { key: String, hint: String },
}

/// Visits every input slot of `s`, in a fixed order (economy, posts,
/// successors, regions, grants, shocks, rounds, funders, changes). The one list of
/// input names: [`inputs`] and [`with_inputs`] both read it.
fn visit(s: &mut Scenario, f: &mut dyn FnMut(&str, &mut Value)) {
    f("economy.wage_growth", &mut s.wage_growth);
    f("posts.annual_cost", &mut s.posts.annual_cost);
    f("posts.cases_per_year", &mut s.posts.cases_per_year);
    f("posts.ramp_start", &mut s.posts.ramp_start);
    f("posts.turnover", &mut s.posts.turnover);
    let names = successor_names(s);
    for (succ, name) in s.successors.iter_mut().zip(&names) {
        f(&format!("sustainability.successors.{name}.probability"), &mut succ.probability);
    }
    for r in &mut s.regions {
        let id = r.id.clone();
        let mut k = |key: &str, v: &mut Value| f(&format!("regions.{id}.{key}"), v);
        k("demand", &mut r.demand);
        k("demand_growth", &mut r.demand_growth);
        k("demand_volatility", &mut r.demand_volatility);
        k("abandon_rate", &mut r.abandon_rate);
        k("other_capacity", &mut r.other_capacity);
        k("legal_aid.cases_per_provider", &mut r.legal_aid.cases_per_provider);
        k("legal_aid.exit_rate", &mut r.legal_aid.exit_rate);
        k("legal_aid.entry_rate", &mut r.legal_aid.entry_rate);
        k("local_authority.budget", &mut r.local_authority.budget);
        k("local_authority.match", &mut r.local_authority.match_share);
    }
    for g in &mut s.grants {
        // A grant's own value only where it overrides `[posts]` (otherwise
        // the run uses the shared draw of the `posts.` key).
        let o = g.overrides;
        let id = g.id.clone();
        let p = &mut g.params;
        for (on, key, v) in [
            (o.annual_cost, "annual_cost", &mut p.annual_cost),
            (o.cases_per_year, "cases_per_year", &mut p.cases_per_year),
            (o.ramp_start, "ramp_start", &mut p.ramp_start),
            (o.turnover, "turnover", &mut p.turnover),
        ] {
            if on {
                f(&format!("grants.{id}.{key}"), v);
            }
        }
    }
    for sh in &mut s.shocks {
        let id = sh.id.clone();
        match &mut sh.timing {
            ShockTiming::Random { rate_per_year } => f(&format!("shocks.{id}.rate_per_year"), rate_per_year),
            // Dated shocks draw their size once per run; a random shock's
            // arrivals each draw their own (per event).
            ShockTiming::Dated(_) => match &mut sh.kind {
                ShockKind::Demand { cases, .. } => f(&format!("shocks.{id}.cases"), cases),
                ShockKind::LegalAidExit { share, .. } => f(&format!("shocks.{id}.share"), share),
            },
        }
    }
    for r in &mut s.rounds {
        f(&format!("rounds.{}.budget", r.id), &mut r.budget);
        f(&format!("rounds.{}.advice_share", r.id), &mut r.advice_share);
    }
    for funder in &mut s.funders {
        if let Some(v) = &mut funder.renewal_budget {
            f(&format!("funders.{}.renewal_budget", funder.name), v);
        }
    }
    for c in &mut s.changes {
        let id = c.id.clone();
        f(&format!("changes.{id}.probability"), &mut c.probability);
        for (key, v) in [
            ("local_authority_budget", &mut c.local_authority_budget),
            ("local_authority_match", &mut c.local_authority_match),
            ("exit_rate", &mut c.exit_rate),
            ("entry_rate", &mut c.entry_rate),
            ("cases_per_provider", &mut c.cases_per_provider),
            ("demand_growth", &mut c.demand_growth),
            ("turnover", &mut c.turnover),
            ("demand_scale", &mut c.demand_scale),
        ] {
            if let Some(v) = v {
                f(&format!("changes.{id}.{key}"), v);
            }
        }
        if let Some(inf) = &mut c.influence {
            f(&format!("changes.{id}.influence.max"), &mut inf.max);
            f(&format!("changes.{id}.influence.half_at"), &mut inf.half_at);
        }
        for cs in &mut c.successors {
            if let Some(v) = &mut cs.probability {
                let name = names.get(cs.index).map_or("?", String::as_str);
                f(&format!("changes.{id}.successors.{name}.probability"), v);
            }
        }
    }
}

/// Each successor's name in keys: its source, or `source[i]` (its place in
/// the list) when the source is listed more than once.
fn successor_names(s: &Scenario) -> Vec<String> {
    let sources: Vec<&str> = s.successors.iter().map(|x| x.source.as_str()).collect();
    sources
        .iter()
        .enumerate()
        .map(
            |(i, src)| {
                if sources.iter().filter(|x| *x == src).count() > 1 {
                    format!("{src}[{i}]")
                } else {
                    src.to_string()
                }
            },
        )
        .collect()
}

/// The scenario's inputs in a fixed order, random or not.
pub fn inputs(s: &Scenario) -> Vec<Input> {
    let mut copy = s.clone();
    let mut out = Vec::new();
    visit(&mut copy, &mut |key, v| out.push(Input { key: key.to_string(), value: v.clone() }));
    out
}

/// `"unknown input key"` with a did-you-mean among the scenario's keys.
pub fn unknown_key(s: &Scenario, key: &str) -> InputError {
    let keys: Vec<String> = inputs(s).into_iter().map(|i| i.key).collect();
    let mut hint = did_you_mean(key, &keys);
    if hint.is_empty() {
        hint = "; `fundscape sensitivity` and the docs (docs/scenario.md, \"Inputs\") list the keys".to_string();
    }
    InputError::UnknownKey { key: key.to_string(), hint }
}

/// A copy of `s` with each named input's value replaced. A replacement is
/// clamped into the bounds of the value it replaces (the key's domain), as
/// the loader clamps draws.
///
/// # Errors
/// A key that names no input of `s`.
pub fn with_inputs(s: &Scenario, values: &[(&str, Value)]) -> Result<Scenario, InputError> {
    let mut copy = s.clone();
    let mut found = vec![false; values.len()];
    visit(&mut copy, &mut |key, slot| {
        for (i, (k, v)) in values.iter().enumerate() {
            if *k == key {
                let (lo, hi) = slot.limits();
                *slot = v.clone().clamped_to(lo, hi);
                found[i] = true;
            }
        }
    });
    match found.iter().position(|f| !f) {
        Some(i) => Err(unknown_key(s, values[i].0)),
        None => Ok(copy),
    }
}

/// A copy of `s` with one input replaced (see [`with_inputs`]).
///
/// # Errors
/// A key that names no input of `s`.
pub fn with_input(s: &Scenario, key: &str, value: Value) -> Result<Scenario, InputError> {
    with_inputs(s, &[(key, value)])
}

/// Draws in a [`QuantileTable`].
pub const QUANTILE_DRAWS: usize = 8192;

/// The quantiles of a value, from [`QUANTILE_DRAWS`] sorted draws of an
/// auxiliary stream named by the input's key (never a run's stream), so the
/// clamps of the value are included as they are in a run. The quantile at
/// `u` interpolates the sorted draws linearly; its error, in probability, is
/// about `sqrt(u(1 − u) / 8192)` (0.003 at the 10th percentile).
#[derive(Debug, Clone)]
pub struct QuantileTable {
    sorted: Vec<f64>,
}

impl QuantileTable {
    pub fn new(key: &str, value: &Value) -> Self {
        let mut sorted: Vec<f64> = match value.as_fixed() {
            Some(x) => vec![x],
            None => {
                let mut rng = StreamRng::seed_from_u64(mix(fnv1a(format!("quantile-table/{key}").as_bytes())));
                (0..QUANTILE_DRAWS).map(|_| value.sample(&mut rng)).collect()
            }
        };
        sorted.sort_by(f64::total_cmp);
        Self { sorted }
    }

    /// The `u`-quantile, `u` in `[0, 1]` (clamped).
    pub fn quantile(&self, u: f64) -> f64 {
        let n = self.sorted.len();
        let pos = u.clamp(0.0, 1.0) * (n - 1) as f64;
        let i = (pos.floor() as usize).min(n - 1);
        let j = (i + 1).min(n - 1);
        let t = pos - i as f64;
        self.sorted[i] + (self.sorted[j] - self.sorted[i]) * t
    }
}

/// A uniform in (0, 1) from a generator (for sampling matrices).
pub fn open_uniform(rng: &mut StreamRng) -> f64 {
    (rng.random::<u64>() >> 11) as f64 * (1.0 / (1u64 << 53) as f64) + 0.5 / (1u64 << 53) as f64
}
