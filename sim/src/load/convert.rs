//! Raw layer → validated [`Scenario`]: every check of model.md §2–5 that can
//! be made at load time, with an error that says how to fix it.

use super::locate::Seg;
use super::raw::*;
use super::FieldError;
use crate::scenario::*;
use crate::suggest::did_you_mean;
use crate::value::{Value, ValueError};
use std::collections::HashSet;
use toml::Value as Toml;

mod changes;
mod grants;
mod meta;
mod regions;
mod rounds;
mod shocks;

type Result<T> = std::result::Result<T, FieldError>;

/// The domain of a numeric key: draws are clamped into it, and a fixed
/// number or a bounded distribution outside it is a load error.
#[derive(Clone, Copy)]
enum Domain {
    Any,
    NonNegative,
    Probability,
}

/// A path builder: `p(&["regions"]).i(2).k("demand")`.
#[derive(Clone)]
struct P(Vec<Seg>);

impl P {
    fn k(&self, key: &str) -> P {
        let mut v = self.0.clone();
        v.push(Seg::Key(key.to_string()));
        P(v)
    }
    fn i(&self, idx: usize) -> P {
        let mut v = self.0.clone();
        v.push(Seg::Index(idx));
        P(v)
    }
    fn err(&self, msg: impl Into<String>) -> FieldError {
        FieldError::new(&self.0, msg)
    }
}

fn root(key: &str) -> P {
    P(vec![Seg::Key(key.to_string())])
}

fn number(path: &P, v: &Toml) -> Result<f64> {
    match v {
        Toml::Integer(i) => Ok(*i as f64),
        Toml::Float(f) => Ok(*f),
        other => Err(path.err(format!("expected a number, found {}", type_name(other)))),
    }
}

fn type_name(v: &Toml) -> &'static str {
    match v {
        Toml::String(_) => "a string",
        Toml::Integer(_) => "a whole number",
        Toml::Float(_) => "a number",
        Toml::Boolean(_) => "true/false",
        Toml::Datetime(_) => "a date",
        Toml::Array(_) => "an array",
        Toml::Table(_) => "a table",
    }
}

pub(super) const DISTS: [&str; 7] = ["uniform", "triangular", "pert", "normal", "lognormal", "beta", "gamma"];

pub(super) fn dist_keys(dist: &str) -> &'static [&'static str] {
    match dist {
        "uniform" => &["min", "max"],
        "triangular" | "pert" => &["min", "mode", "max"],
        "normal" => &["mean", "sd", "min", "max"],
        "lognormal" => &["median", "sigma", "min", "max"],
        "beta" => &["alpha", "beta", "min", "max"],
        "gamma" => &["shape", "scale", "min", "max"],
        _ => &[],
    }
}

/// Parses a *value*: a plain number or a distribution table (model.md §2).
fn value(path: &P, v: &Toml, domain: Domain) -> Result<Value> {
    let parsed = match v {
        Toml::Integer(_) | Toml::Float(_) => {
            let x = number(path, v)?;
            Value::fixed(x).map_err(|e| path.err(e.to_string()))?
        }
        Toml::Table(t) => {
            let dist = match t.get("dist") {
                Some(Toml::String(s)) => s.as_str(),
                Some(other) => {
                    return Err(path
                        .k("dist")
                        .err(format!("expected the name of a distribution in quotes, found {}", type_name(other))))
                }
                None => {
                    return Err(path.err(
                        "a distribution table needs `dist`, e.g. { dist = \"pert\", min = 1, mode = 2, max = 3 }",
                    ))
                }
            };
            if !DISTS.contains(&dist) {
                let names: Vec<String> = DISTS.iter().map(|s| s.to_string()).collect();
                let hint = did_you_mean(dist, &names);
                return Err(path.k("dist").err(format!(
                    "unknown distribution `{dist}`{}",
                    if hint.is_empty() { format!("; use one of {}", DISTS.join(", ")) } else { hint }
                )));
            }
            let allowed = dist_keys(dist);
            for key in t.keys() {
                if key != "dist" && !allowed.contains(&key.as_str()) {
                    return Err(path.k(key).err(format!(
                        "`{key}` is not a parameter of a {dist} distribution; it takes {}",
                        allowed.join(", ")
                    )));
                }
            }
            let get = |key: &str| -> Result<Option<f64>> { t.get(key).map(|x| number(&path.k(key), x)).transpose() };
            let need = |key: &str| -> Result<f64> {
                get(key)?.ok_or_else(|| {
                    path.err(format!("a {dist} distribution needs `{key}` (it takes {})", allowed.join(", ")))
                })
            };
            let built: std::result::Result<Value, ValueError> = match dist {
                "uniform" => Value::uniform(need("min")?, need("max")?),
                "triangular" => Value::triangular(need("min")?, need("mode")?, need("max")?),
                "pert" => Value::pert(need("min")?, need("mode")?, need("max")?),
                "normal" => Value::normal(need("mean")?, need("sd")?, get("min")?, get("max")?),
                "lognormal" => Value::lognormal(need("median")?, need("sigma")?, get("min")?, get("max")?),
                "beta" => Value::beta(need("alpha")?, need("beta")?, get("min")?, get("max")?),
                _ => Value::gamma(need("shape")?, need("scale")?, get("min")?, get("max")?),
            };
            built.map_err(|e| path.err(e.to_string()))?
        }
        other => {
            return Err(path.err(format!(
            "expected a number or a distribution such as {{ dist = \"pert\", min = 1, mode = 2, max = 3 }}, found {}",
            type_name(other)
        )))
        }
    };
    let parsed = super::limits::within_range(super::limits::last_key(&path.0), parsed).map_err(|m| path.err(m))?;
    let (lo, hi) = parsed.support();
    let Some((domain_lo, domain_hi)) = domain_bounds(domain) else { return Ok(parsed) };
    let what = match domain {
        Domain::Probability => "is a probability or share and must lie in [0, 1]",
        _ => "must not be negative",
    };
    // A bound outside the domain is almost certainly a typo; so is a range
    // that misses the domain altogether (an unbounded distribution with one
    // bound on the wrong side), which clamping could not repair.
    let outside =
        (lo.is_finite() && lo < domain_lo) || (hi.is_finite() && hi > domain_hi) || lo > domain_hi || hi < domain_lo;
    if outside {
        return Err(path.err(match parsed.as_fixed() {
            Some(x) => match domain {
                Domain::Probability => format!("is {x}, but a probability or share must lie in [0, 1]"),
                _ => format!("must not be negative (it is {x})"),
            },
            None => format!("{what}, but {parsed} reaches outside; set its `min`/`max` inside the allowed range"),
        }));
    }
    Ok(parsed.clamped_to(domain_lo, domain_hi))
}

/// The values a key of `domain` may take (`None`: any).
fn domain_bounds(domain: Domain) -> Option<(f64, f64)> {
    match domain {
        Domain::Any => None,
        Domain::NonNegative => Some((0.0, f64::INFINITY)),
        Domain::Probability => Some((0.0, 1.0)),
    }
}

/// A value that may be left out: its default, like a written value, keeps
/// to the key's domain, so an analysis or a slider that replaces it knows
/// where it may go (a default `local_authority.match` of 0 is still a share).
fn opt_value(path: &P, v: Option<&Toml>, domain: Domain, default: f64) -> Result<Value> {
    match v {
        Some(v) => value(path, v, domain),
        None => {
            let fixed = Value::fixed(default).map_err(|e| path.err(e.to_string()))?;
            let fixed =
                super::limits::within_range(super::limits::last_key(&path.0), fixed).map_err(|m| path.err(m))?;
            Ok(match domain_bounds(domain) {
                Some((lo, hi)) => fixed.clamped_to(lo, hi),
                None => fixed,
            })
        }
    }
}

fn count(path: &P, n: i64, what: &str) -> Result<u64> {
    u64::try_from(n).map_err(|_| path.err(format!("{what} must be a whole number, 0 or more (it is {n})")))
}

fn months(path: &P, n: i64, min: u32) -> Result<u32> {
    match u32::try_from(n) {
        Ok(m) if m >= min && m <= 1200 => Ok(m),
        _ if min == 1 => Err(path.err(format!("must be a whole number of months from 1 to 1200 (it is {n})"))),
        _ => Err(path.err(format!("must be a whole number of months from 0 to 1200 (it is {n})"))),
    }
}

fn date(path: &P, text: &str) -> Result<YearMonth> {
    YearMonth::parse(text).ok_or_else(|| {
        // A well-formed "YYYY-MM" whose month is not 01 to 12 says so.
        let month =
            text.split_once('-').filter(|(y, m)| y.len() == 4 && m.len() == 2).and_then(|(_, m)| m.parse::<u32>().ok());
        path.err(match month {
            Some(m) if !(1..=12).contains(&m) => {
                format!("`{text}` has month {m:02}, but months run from 01 (January) to 12 (December)")
            }
            _ => format!("`{text}` is not a month; write it as \"YYYY-MM\", e.g. \"2025-04\""),
        })
    })
}

/// Text that is printed, drawn and written into tables (names, funders,
/// notes) holds no control character: an escape sequence would reach the
/// terminal, and a line break would split a CSV row's meaning. A note may
/// hold line breaks and tabs.
fn plain_text(path: &P, text: &str, multi_line: bool) -> Result<()> {
    let allowed = |c: char| multi_line && (c == '\n' || c == '\t' || c == '\r');
    match text.chars().find(|&c| c.is_control() && !allowed(c)) {
        Some(c) => Err(path.err(format!(
            "holds a control character (U+{:04X}); write {} as plain text",
            u32::from(c),
            if multi_line { "it" } else { "it on one line" }
        ))),
        None => Ok(()),
    }
}

/// Region ids are lower-case words (`north-west`); grant and shock ids may
/// be any text without spaces (360Giving identifiers such as
/// `360G-ABCT-1234` keep their case).
fn check_id(path: &P, id: &str, seen: &HashSet<String>, what: &str) -> Result<()> {
    let ok = if what == "region" {
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    } else {
        !id.is_empty() && !id.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if !ok {
        return Err(path.err(if what == "region" {
            format!("`{id}` is not a valid region id; use lower-case letters, digits, `-` and `_`, e.g. \"north-west\"")
        } else {
            format!("`{id}` is not a valid {what} id; use text without spaces, e.g. \"gmiau-2021\"")
        }));
    }
    if what == "region" && id == "all" {
        return Err(path.err(
            "`all` is reserved: every table names the total over the regions `all`, and `regions = \"all\"` \
             means every region; give the region its own id, e.g. \"all-england\""
                .to_string(),
        ));
    }
    if seen.contains(id) {
        return Err(path.err(format!("duplicate {what} id `{id}`; every {what} needs its own id")));
    }
    Ok(())
}

fn region_ref(path: &P, id: &str, regions: &[Region]) -> Result<usize> {
    regions.iter().position(|r| r.id == id).ok_or_else(|| {
        let ids: Vec<String> = regions.iter().map(|r| r.id.clone()).collect();
        let hint = did_you_mean(id, &ids);
        path.err(if hint.is_empty() {
            format!("unknown region `{id}`; the regions are {}", ids.join(", "))
        } else {
            format!("unknown region `{id}`{hint}")
        })
    })
}

/// The validated scenario from its raw layer, section by section.
pub(super) fn scenario(raw: RawScenario, stem: &str, hash: String) -> Result<Scenario> {
    let mut warnings = Vec::new();
    let meta::Meta { name, note, kind, ask_cost, start, years, runs, seed } = meta::meta(&raw.scenario, stem)?;
    let wage_growth = meta::wage_growth(raw.economy.as_ref())?;
    let posts = meta::posts(raw.posts.as_ref())?;
    let successors = meta::successors(raw.sustainability.as_ref())?;
    let regions = regions::regions(&raw.regions)?;
    let correlation_factor = raw.correlation.as_ref().map(|c| regions::correlation(c, &regions)).transpose()?;
    let grants = grants::grants(&raw, &posts, &regions, start, years, &mut warnings)?;
    let shocks = shocks::shocks(&raw.shocks, &regions, start)?;
    let mut rounds = rounds::rounds(&raw, &regions, start, years)?;
    let without = &raw.scenario.without_funders;
    let funders =
        rounds::funder_ledgers(&raw.funders, &raw.grants, &raw.rounds, without, &mut rounds, start, &mut warnings)?;
    warnings.extend(rounds::near_miss_funders(&raw.grants, &raw.rounds));
    rounds::check_without_funders(&raw, &funders)?;
    let sources = rounds::spend_sources(&grants, &rounds);
    let changes = changes::changes(&raw.changes, &successors, &regions, &sources, start, years, &mut warnings)?;
    Ok(Scenario {
        name,
        note,
        kind,
        ask_cost,
        start,
        years,
        runs,
        seed,
        wage_growth,
        posts,
        successors,
        regions,
        correlation_factor,
        grants,
        rounds,
        changes,
        shocks,
        funders,
        warnings,
        hash,
        files: Vec::new(),
        overlay_changes: Vec::new(),
    })
}

/// Successor sources, and the names `compare` uses for its sums of spend:
/// no grant or round may be funded by one of these.
fn reserved_funders() -> Vec<&'static str> {
    SuccessorSource::ALL.iter().map(|s| s.as_str()).chain(["funders", "all"]).collect()
}

/// A table of regional shares that sum to 1, sorted by region index.
fn shares(path: &P, table: &toml::Table, regions: &[Region]) -> Result<Vec<(usize, f64)>> {
    let mut out = Vec::new();
    for (id, share) in table {
        let idx = region_ref(&path.k(id), id, regions)?;
        let x = number(&path.k(id), share)?;
        if !(0.0..=1.0).contains(&x) {
            return Err(path.k(id).err(format!("is {x}, but a share must lie in [0, 1]")));
        }
        out.push((idx, x));
    }
    let total: f64 = out.iter().map(|(_, x)| x).sum();
    if (total - 1.0).abs() > 1e-6 {
        return Err(path.err(format!("the shares sum to {total}, not 1; make them add up to 1")));
    }
    out.sort_by_key(|(idx, _)| *idx);
    Ok(out)
}

/// `"all"` (or absent) for every region, or a list of region ids.
fn region_list(path: &P, v: Option<&Toml>, regions: &[Region]) -> Result<Vec<usize>> {
    match v {
        None => Ok((0..regions.len()).collect()),
        Some(Toml::String(a)) if a == "all" => Ok((0..regions.len()).collect()),
        Some(Toml::Array(ids)) => {
            let mut hit = Vec::new();
            for (j, id) in ids.iter().enumerate() {
                let Some(id) = id.as_str() else {
                    return Err(path.i(j).err("expected a region id in quotes"));
                };
                let idx = region_ref(&path.i(j), id, regions)?;
                if !hit.contains(&idx) {
                    hit.push(idx);
                }
            }
            hit.sort_unstable();
            Ok(hit)
        }
        Some(_) => Err(path.err("write regions = \"all\" or a list of ids, e.g. [\"london\", \"wales\"]")),
    }
}
