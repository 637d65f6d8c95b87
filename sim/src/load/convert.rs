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
    let (domain_lo, domain_hi, what) = match domain {
        Domain::Any => return Ok(parsed),
        Domain::NonNegative => (0.0, f64::INFINITY, "must not be negative"),
        Domain::Probability => (0.0, 1.0, "is a probability or share and must lie in [0, 1]"),
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

fn opt_value(path: &P, v: Option<&Toml>, domain: Domain, default: f64) -> Result<Value> {
    match v {
        Some(v) => value(path, v, domain),
        None => Value::fixed(default).map_err(|e| path.err(e.to_string())),
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

pub(super) fn scenario(raw: RawScenario, stem: &str, hash: String) -> Result<Scenario> {
    let mut warnings = Vec::new();
    let meta = root("scenario");
    let start_text = raw
        .scenario
        .start
        .as_deref()
        .ok_or_else(|| meta.err("missing key `start`; add the first month, e.g. start = \"2025-04\""))?;
    let start = date(&meta.k("start"), start_text)?;
    let years = raw.scenario.years.unwrap_or(10);
    if !(1..=100).contains(&years) {
        return Err(meta.k("years").err(format!("must be a whole number of years from 1 to 100 (it is {years})")));
    }
    let runs = raw.scenario.runs.unwrap_or(10_000);
    if runs < 1 {
        return Err(meta.k("runs").err(format!("must be at least 1 (it is {runs})")));
    }
    let seed = raw.scenario.seed.unwrap_or(20_251_124);
    if seed < 0 {
        return Err(meta.k("seed").err(format!("must be a whole number, 0 or more (it is {seed})")));
    }
    let name = raw.scenario.name.unwrap_or_else(|| stem.to_string());
    let note = match raw.scenario.note {
        Some(n) if n.chars().count() > 2000 => {
            return Err(meta
                .k("note")
                .err("is longer than 2,000 characters; say what the scenario is in a few sentences"))
        }
        Some(n) if n.trim().is_empty() => None,
        other => other.map(|n| n.trim().to_string()),
    };

    let kind = match raw.scenario.kind.as_deref() {
        None | Some("ask") => ScenarioKind::Ask,
        Some("risk") => ScenarioKind::Risk,
        Some(other) => {
            let hint = did_you_mean(other, &["ask".to_string(), "risk".to_string()]);
            return Err(meta.k("kind").err(format!(
                "unknown kind `{other}`{}",
                if hint.is_empty() {
                    "; write \"ask\" (something to do) or \"risk\" (something that may happen)".to_string()
                } else {
                    hint
                }
            )));
        }
    };
    let ask_cost =
        raw.scenario.ask_cost.as_ref().map(|v| value(&meta.k("ask_cost"), v, Domain::NonNegative)).transpose()?;
    if ask_cost.is_some() && kind == ScenarioKind::Risk {
        return Err(meta
            .k("ask_cost")
            .err("a risk has no ask_cost (it is what an ask costs); remove it or make kind = \"ask\""));
    }

    let wage_growth = {
        let p = root("economy").k("wage_growth");
        let v = opt_value(&p, raw.economy.as_ref().and_then(|e| e.wage_growth.as_ref()), Domain::Any, 0.0)?;
        let (lo, hi) = v.support();
        if (lo.is_finite() && lo <= -1.0) || hi <= -0.99 {
            let reach = if hi <= -0.99 { hi } else { lo };
            return Err(p.err(format!(
                "{v} reaches {reach}, but wage growth must be greater than -0.99 (-1 would make posts free)"
            )));
        }
        // An unbounded distribution is clamped just above -1.
        v.clamped_to(-0.99, f64::INFINITY)
    };

    let posts_raw = raw.posts.unwrap_or_default();
    let posts = {
        let p = root("posts");
        PostParams {
            annual_cost: opt_value(&p.k("annual_cost"), posts_raw.annual_cost.as_ref(), Domain::NonNegative, 45_000.0)?,
            cases_per_year: opt_value(
                &p.k("cases_per_year"),
                posts_raw.cases_per_year.as_ref(),
                Domain::NonNegative,
                120.0,
            )?,
            ramp_months: months(&p.k("ramp_months"), posts_raw.ramp_months.unwrap_or(12), 0)?,
            ramp_start: opt_value(&p.k("ramp_start"), posts_raw.ramp_start.as_ref(), Domain::Probability, 0.5)?,
            turnover: opt_value(&p.k("turnover"), posts_raw.turnover.as_ref(), Domain::Probability, 0.2)?,
            vacancy_months: opt_value(
                &p.k("vacancy_months"),
                posts_raw.vacancy_months.as_ref(),
                Domain::NonNegative,
                4.0,
            )?,
        }
    };

    let mut successors = Vec::new();
    if let Some(s) = raw.sustainability {
        let p = root("sustainability").k("successors");
        for (i, r) in s.successors.iter().enumerate() {
            let pi = p.i(i);
            let source = SuccessorSource::parse(&r.source).ok_or_else(|| {
                let names: Vec<String> = SuccessorSource::ALL.iter().map(|s| s.as_str().to_string()).collect();
                let hint = did_you_mean(&r.source, &names);
                pi.k("source").err(format!(
                    "unknown successor source `{}`{}",
                    r.source,
                    if hint.is_empty() { format!("; use one of {}", names.join(", ")) } else { hint }
                ))
            })?;
            successors.push(Successor {
                source,
                probability: value(&pi.k("probability"), &r.probability, Domain::Probability)?,
                term_months: months(&pi.k("term_months"), r.term_months, 1)?,
            });
        }
    }

    if raw.regions.is_empty() {
        return Err(root("regions").err("a scenario needs at least one [[regions]] table"));
    }
    let mut regions: Vec<Region> = Vec::new();
    let mut region_ids: HashSet<String> = HashSet::new();
    for (i, r) in raw.regions.iter().enumerate() {
        let p = root("regions").i(i);
        check_id(&p.k("id"), &r.id, &region_ids, "region")?;
        region_ids.insert(r.id.clone());
        let la = r.legal_aid.as_ref();
        let lap = p.k("legal_aid");
        let legal_aid = LegalAid {
            providers: u32::try_from(count(
                &lap.k("providers"),
                la.and_then(|l| l.providers).unwrap_or(0),
                "`providers`",
            )?)
            .map_err(|_| lap.k("providers").err("too many providers"))?,
            cases_per_provider: opt_value(
                &lap.k("cases_per_provider"),
                la.and_then(|l| l.cases_per_provider.as_ref()),
                Domain::NonNegative,
                0.0,
            )?,
            exit_rate: opt_value(&lap.k("exit_rate"), la.and_then(|l| l.exit_rate.as_ref()), Domain::Probability, 0.0)?,
            entry_rate: opt_value(
                &lap.k("entry_rate"),
                la.and_then(|l| l.entry_rate.as_ref()),
                Domain::NonNegative,
                0.0,
            )?,
        };
        let lo = r.local_authority.as_ref();
        let lop = p.k("local_authority");
        let local_authority = LocalAuthority {
            budget: opt_value(&lop.k("budget"), lo.and_then(|l| l.budget.as_ref()), Domain::NonNegative, 0.0)?,
            match_share: opt_value(&lop.k("match"), lo.and_then(|l| l.match_share.as_ref()), Domain::Probability, 0.0)?,
        };
        let backlog = count(&p.k("backlog"), r.backlog.unwrap_or(0), "`backlog`")?;
        let council = match &r.council {
            None => None,
            Some(c) => {
                let cp = p.k("council");
                let need = |key: &str, v: &Option<Toml>, d: Domain| {
                    match v {
                    Some(v) => value(&cp.k(key), v, d),
                    None => Err(cp.err(format!(
                        "a council table needs `{key}`; give both nrpf_household_cost (£ a year) and nrpf_resolved_share (0 to 1)"
                    ))),
                }
                };
                Some(Council {
                    nrpf_household_cost: need("nrpf_household_cost", &c.nrpf_household_cost, Domain::NonNegative)?,
                    nrpf_resolved_share: need("nrpf_resolved_share", &c.nrpf_resolved_share, Domain::Probability)?,
                })
            }
        };
        regions.push(Region {
            id: r.id.clone(),
            name: r.name.clone().unwrap_or_else(|| r.id.clone()),
            demand: value(&p.k("demand"), &r.demand, Domain::NonNegative)?,
            demand_growth: opt_value(&p.k("demand_growth"), r.demand_growth.as_ref(), Domain::Any, 0.0)?,
            demand_volatility: opt_value(
                &p.k("demand_volatility"),
                r.demand_volatility.as_ref(),
                Domain::NonNegative,
                0.0,
            )?,
            backlog,
            abandon_rate: value(&p.k("abandon_rate"), &r.abandon_rate, Domain::Probability)?,
            other_capacity: opt_value(&p.k("other_capacity"), r.other_capacity.as_ref(), Domain::NonNegative, 0.0)?,
            legal_aid,
            local_authority,
            council,
        });
    }

    let correlation_factor = match raw.correlation {
        None => None,
        Some(c) => Some(correlation(&c, &regions)?),
    };

    let mut grants = Vec::new();
    let mut grant_ids: HashSet<String> = HashSet::new();
    // Successor sources, and the names `compare` uses for its sums of spend.
    let reserved: Vec<&str> = SuccessorSource::ALL.iter().map(|s| s.as_str()).chain(["funders", "all"]).collect();
    for (i, g) in raw.grants.iter().enumerate() {
        let p = root("grants").i(i);
        check_id(&p.k("id"), &g.id, &grant_ids, "grant")?;
        grant_ids.insert(g.id.clone());
        if g.funder.trim().is_empty() {
            return Err(p.k("funder").err("a grant needs a funder name"));
        }
        if reserved.contains(&g.funder.as_str()) {
            return Err(p.k("funder").err(format!(
                "`{}` is reserved (a successor source, or a sum of spend in comparisons); name the funder itself",
                g.funder
            )));
        }
        let region = region_ref(&p.k("region"), &g.region, &regions)?;
        let gstart = date(&p.k("start"), &g.start)?;
        let gmonths = months(&p.k("months"), g.months, 1)?;
        let n_posts = count(&p.k("posts"), g.posts, "`posts`")?;
        let n_infl = count(&p.k("influencing_posts"), g.influencing_posts, "`influencing_posts`")?;
        if n_posts + n_infl > 100_000 {
            return Err(p.k("posts").err("more than 100,000 posts in one grant; check the number"));
        }
        let overrides = PostOverrides {
            annual_cost: g.annual_cost.is_some(),
            cases_per_year: g.cases_per_year.is_some(),
            ramp_start: g.ramp_start.is_some(),
            turnover: g.turnover.is_some(),
        };
        let params = PostParams {
            annual_cost: match &g.annual_cost {
                Some(v) => value(&p.k("annual_cost"), v, Domain::NonNegative)?,
                None => posts.annual_cost.clone(),
            },
            cases_per_year: match &g.cases_per_year {
                Some(v) => value(&p.k("cases_per_year"), v, Domain::NonNegative)?,
                None => posts.cases_per_year.clone(),
            },
            ramp_months: match g.ramp_months {
                Some(m) => months(&p.k("ramp_months"), m, 0)?,
                None => posts.ramp_months,
            },
            ramp_start: match &g.ramp_start {
                Some(v) => value(&p.k("ramp_start"), v, Domain::Probability)?,
                None => posts.ramp_start.clone(),
            },
            turnover: match &g.turnover {
                Some(v) => value(&p.k("turnover"), v, Domain::Probability)?,
                None => posts.turnover.clone(),
            },
            vacancy_months: match &g.vacancy_months {
                Some(v) => value(&p.k("vacancy_months"), v, Domain::NonNegative)?,
                None => posts.vacancy_months.clone(),
            },
        };
        let amount = opt_value(&p.k("amount"), g.amount.as_ref(), Domain::NonNegative, 0.0)?;
        if raw.scenario.without_funders.contains(&g.funder) {
            continue;
        }
        let end = YearMonth(gstart.0 + gmonths as i32);
        if end < start {
            warnings.push(format!(
                "grant `{}` ended in {end}, before the scenario starts ({start}); it is ignored. Describe the posts that exist at the start by their current funding, or start the scenario earlier",
                g.id
            ));
            continue;
        }
        grants.push(Grant {
            id: g.id.clone(),
            funder: g.funder.clone(),
            region,
            start: gstart,
            months: gmonths,
            posts: n_posts as u32,
            influencing_posts: n_infl as u32,
            amount,
            params,
            overrides,
        });
    }

    let mut shocks = Vec::new();
    let mut shock_ids: HashSet<String> = HashSet::new();
    for (i, s) in raw.shocks.iter().enumerate() {
        let p = root("shocks").i(i);
        check_id(&p.k("id"), &s.id, &shock_ids, "shock")?;
        shock_ids.insert(s.id.clone());
        let timing = match (&s.start, &s.rate_per_year) {
            (Some(d), None) => ShockTiming::Dated(date(&p.k("start"), d)?.months_since(start)),
            (None, Some(r)) => {
                let rate = value(&p.k("rate_per_year"), r, Domain::NonNegative)?;
                if rate.support().1 > 100.0 {
                    return Err(p.k("rate_per_year").err(format!(
                        "{rate} allows more than 100 arrivals a year; describe frequent shocks as demand growth or a level shock"
                    )));
                }
                ShockTiming::Random { rate_per_year: rate }
            }
            (Some(_), Some(_)) => {
                return Err(p
                    .k("rate_per_year")
                    .err("a shock has either `start` (a dated shock) or `rate_per_year` (random arrivals), not both"))
            }
            (None, None) => {
                return Err(p.err("a shock needs `start` (a dated shock) or `rate_per_year` (random arrivals)"))
            }
        };
        let kind = match s.kind.as_str() {
            "demand" => {
                if s.share.is_some() {
                    return Err(p
                        .k("share")
                        .err("`share` belongs to legal_aid_exit shocks; a demand shock takes `cases`"));
                }
                let cases = s
                    .cases
                    .as_ref()
                    .ok_or_else(|| p.err("a demand shock needs `cases` (extra cases in its first 12 months)"))?;
                let half_life_months = match s.half_life_months {
                    None => None,
                    Some(h) => Some(months(&p.k("half_life_months"), h, 1).map_err(|_| {
                        p.k("half_life_months").err(format!("must be a whole number of months from 1 to 1200 (it is {h}); omit it for demand that stays level"))
                    })?),
                };
                let split = match &s.regions {
                    None => DemandSplit::All,
                    Some(Toml::String(a)) if a == "all" => DemandSplit::All,
                    Some(Toml::Table(t)) => DemandSplit::Shares(shares(&p.k("regions"), t, &regions)?),
                    Some(_) => {
                        return Err(p.k("regions").err(
                            "for a demand shock write regions = \"all\" or a table of shares, e.g. { london = 0.4, north-west = 0.6 }",
                        ))
                    }
                };
                ShockKind::Demand { cases: value(&p.k("cases"), cases, Domain::NonNegative)?, half_life_months, split }
            }
            "legal_aid_exit" => {
                if s.cases.is_some() || s.half_life_months.is_some() {
                    return Err(p.k(if s.cases.is_some() { "cases" } else { "half_life_months" }).err(
                        "a legal_aid_exit shock takes `share` (the share of providers that leave), not cases or a half-life",
                    ));
                }
                let share = s
                    .share
                    .as_ref()
                    .ok_or_else(|| p.err("a legal_aid_exit shock needs `share`, the share of providers that leave"))?;
                let hit = region_list(&p.k("regions"), s.regions.as_ref(), &regions)?;
                ShockKind::LegalAidExit { share: value(&p.k("share"), share, Domain::Probability)?, regions: hit }
            }
            other => {
                let hint = did_you_mean(other, &["demand".to_string(), "legal_aid_exit".to_string()]);
                return Err(p.k("kind").err(format!(
                    "unknown shock kind `{other}`{}",
                    if hint.is_empty() { "; use \"demand\" or \"legal_aid_exit\"".to_string() } else { hint }
                )));
            }
        };
        shocks.push(Shock { id: s.id.clone(), timing, kind });
    }

    let mut rounds = Vec::new();
    let mut round_ids: HashSet<String> = HashSet::new();
    for (i, r) in raw.rounds.iter().enumerate() {
        let p = root("rounds").i(i);
        check_id(&p.k("id"), &r.id, &round_ids, "round")?;
        round_ids.insert(r.id.clone());
        if r.funder.trim().is_empty() || reserved.contains(&r.funder.as_str()) {
            return Err(p
                .k("funder")
                .err("a round needs the name of its funder (not a successor source, `funders` or `all`)"));
        }
        let at = date(&p.k("start"), &r.start)?.months_since(start);
        if at < 0 || at as usize >= years as usize * 12 {
            return Err(p.k("start").err(format!(
                "a round must start inside the horizon ({start} to {}); describe past rounds as [[grants]]",
                YearMonth(start.0 + years as i32 * 12 - 1)
            )));
        }
        let allocation = match &r.allocation {
            Toml::String(rule) if rule == "unmet" => Allocation::Unmet,
            Toml::Table(t) => Allocation::Shares(shares(&p.k("allocation"), t, &regions)?),
            _ => {
                return Err(p.k("allocation").err(
                    "write allocation = \"unmet\" (in proportion to each region's abandoned cases over the previous 12 months) or a table of shares, e.g. { london = 0.5, wales = 0.5 }",
                ))
            }
        };
        if raw.scenario.without_funders.contains(&r.funder) {
            continue;
        }
        rounds.push(Round {
            id: r.id.clone(),
            funder: r.funder.clone(),
            start: at,
            budget: value(&p.k("budget"), &r.budget, Domain::NonNegative)?,
            term_months: months(&p.k("term_months"), r.term_months, 1)?,
            advice_share: opt_value(&p.k("advice_share"), r.advice_share.as_ref(), Domain::Probability, 1.0)?,
            allocation,
        });
    }

    let funders =
        funder_ledgers(&raw.funders, &raw.grants, &raw.rounds, &raw.scenario.without_funders, &mut rounds, start)?;

    warnings.extend(near_miss_funders(&raw.grants, &raw.rounds));
    for (i, funder) in raw.scenario.without_funders.iter().enumerate() {
        let named = raw.grants.iter().map(|g| &g.funder).chain(raw.rounds.iter().map(|r| &r.funder));
        let members = funders.iter().flat_map(|f| f.members.iter().map(|(m, _)| m));
        let names: Vec<String> = named.chain(members).cloned().collect();
        if !names.contains(funder) {
            let hint = did_you_mean(funder, &names);
            return Err(meta.k("without_funders").i(i).err(format!(
                "no grant or round has the funder `{funder}`{}",
                if hint.is_empty() { "; funder names must match exactly".to_string() } else { hint }
            )));
        }
    }

    // The names spend goes by (Scenario::spend_sources), for `influence.funders`.
    let mut sources: Vec<String> = Vec::new();
    for funder in grants.iter().map(|g| &g.funder).chain(rounds.iter().map(|r| &r.funder)) {
        if !sources.contains(funder) {
            sources.push(funder.clone());
        }
    }
    for s in SuccessorSource::ALL {
        if !sources.iter().any(|o| o == s.as_str()) {
            sources.push(s.as_str().to_string());
        }
    }
    let mut changes = Vec::new();
    let mut change_ids: HashSet<String> = HashSet::new();
    for (i, c) in raw.changes.iter().enumerate() {
        let p = root("changes").i(i);
        check_id(&p.k("id"), &c.id, &change_ids, "change")?;
        change_ids.insert(c.id.clone());
        let at = date(&p.k("start"), &c.start)?.months_since(start);
        let hit = region_list(&p.k("regions"), c.regions.as_ref(), &regions)?;
        let opt = |key: &str, v: &Option<Toml>, d: Domain| v.as_ref().map(|v| value(&p.k(key), v, d)).transpose();
        let mut succ = Vec::new();
        for (j, cs) in c.successors.iter().flatten().enumerate() {
            let sp = p.k("successors").i(j);
            let index = successors.iter().position(|s| s.source.as_str() == cs.source).ok_or_else(|| {
                let listed: Vec<String> = successors.iter().map(|s| s.source.as_str().to_string()).collect();
                sp.k("source").err(format!(
                    "`{}` is not among [sustainability] successors ({}); a change can only alter a listed successor",
                    cs.source,
                    if listed.is_empty() { "none are listed".to_string() } else { listed.join(", ") }
                ))
            })?;
            if cs.probability.is_none() && cs.term_months.is_none() {
                return Err(sp.err("a successor change needs `probability` and/or `term_months`"));
            }
            succ.push(ChangeSuccessor {
                index,
                probability: cs
                    .probability
                    .as_ref()
                    .map(|v| value(&sp.k("probability"), v, Domain::Probability))
                    .transpose()?,
                term_months: cs.term_months.map(|m| months(&sp.k("term_months"), m, 1)).transpose()?,
            });
        }
        let change = Change {
            id: c.id.clone(),
            start: at,
            probability: opt_value(&p.k("probability"), c.probability.as_ref(), Domain::Probability, 1.0)?,
            regions: hit,
            local_authority_budget: opt("local_authority_budget", &c.local_authority_budget, Domain::NonNegative)?,
            local_authority_match: opt("local_authority_match", &c.local_authority_match, Domain::Probability)?,
            exit_rate: opt("exit_rate", &c.exit_rate, Domain::Probability)?,
            entry_rate: opt("entry_rate", &c.entry_rate, Domain::NonNegative)?,
            cases_per_provider: opt("cases_per_provider", &c.cases_per_provider, Domain::NonNegative)?,
            demand_growth: opt("demand_growth", &c.demand_growth, Domain::Any)?,
            turnover: opt("turnover", &c.turnover, Domain::Probability)?,
            vacancy_months: opt("vacancy_months", &c.vacancy_months, Domain::NonNegative)?,
            successors: succ,
            demand_scale: positive(&p.k("demand_scale"), c.demand_scale.as_ref())?,
            influence: None,
        };
        let change = Change { influence: influence(&p, c, &change, &regions, &sources)?, ..change };
        let sets_something = [
            &change.local_authority_budget,
            &change.local_authority_match,
            &change.exit_rate,
            &change.entry_rate,
            &change.cases_per_provider,
            &change.demand_growth,
            &change.turnover,
            &change.vacancy_months,
            &change.demand_scale,
        ]
        .iter()
        .any(|v| v.is_some())
            || !change.successors.is_empty();
        if !sets_something {
            return Err(p.err(
                "a change sets nothing; give at least one of local_authority_budget, local_authority_match, exit_rate, entry_rate, cases_per_provider, demand_growth, demand_scale, turnover, vacancy_months, successors",
            ));
        }
        changes.push(change);
    }

    Ok(Scenario {
        name,
        note,
        kind,
        ask_cost,
        start,
        years: years as u32,
        runs: runs as u64,
        seed: seed as u64,
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

/// `[[funders]]`: each funder's renewal budget, last month and members. A
/// member named in `without_funders` takes its share out of the pool's
/// renewal budget and of its rounds' budgets. A round dated after its
/// funder's last month is refused.
fn funder_ledgers(
    raw_funders: &[RawFunder],
    raw_grants: &[RawGrant],
    raw_rounds: &[RawRound],
    without: &[String],
    rounds: &mut [Round],
    start: YearMonth,
) -> Result<Vec<FunderLedger>> {
    let mut named: Vec<String> = Vec::new();
    for f in raw_grants.iter().map(|g| &g.funder).chain(raw_rounds.iter().map(|r| &r.funder)) {
        if !named.contains(f) {
            named.push(f.clone());
        }
    }
    named.push(SuccessorSource::OtherFunder.as_str().to_string());
    let mut out: Vec<FunderLedger> = Vec::new();
    for (i, f) in raw_funders.iter().enumerate() {
        let p = root("funders").i(i);
        if !named.contains(&f.name) {
            let hint = did_you_mean(&f.name, &named);
            return Err(p.k("name").err(format!(
                "no grant or round has the funder `{}`{}",
                f.name,
                if hint.is_empty() {
                    "; a [[funders]] entry is for a funder the scenario's grants or rounds name (or other_funder), spelt alike"
                        .to_string()
                } else {
                    hint
                }
            )));
        }
        if out.iter().any(|o| o.name == f.name) {
            return Err(p.k("name").err(format!("funder `{}` has two [[funders]] entries; keep one", f.name)));
        }
        let until = f.until.as_ref().map(|u| date(&p.k("until"), u).map(|d| d.months_since(start))).transpose()?;
        let mut members = Vec::new();
        for (name, &share) in f.members.iter().flatten() {
            if !(0.0..=1.0).contains(&share) {
                return Err(p
                    .k("members")
                    .k(name)
                    .err(format!("a member's share of the pool is between 0 and 1 (it is {share})")));
            }
            members.push((name.clone(), share));
        }
        let total: f64 = members.iter().map(|(_, x)| x).sum();
        if total > 1.0 + 1e-9 {
            return Err(p
                .k("members")
                .err(format!("the members' shares add up to {total}, more than the whole pool (1)")));
        }
        let dropped: f64 = members.iter().filter(|(n, _)| without.contains(n)).map(|(_, x)| x).sum();
        let keep = (1.0 - dropped).max(0.0);
        let renewal_budget = f
            .renewal_budget
            .as_ref()
            .map(|v| value(&p.k("renewal_budget"), v, Domain::NonNegative))
            .transpose()?
            .map(|v| if dropped > 0.0 { v.scaled(keep) } else { v });
        for r in rounds.iter_mut().filter(|r| r.funder == f.name) {
            if let Some(last) = until {
                if r.start > last {
                    let k = raw_rounds.iter().position(|x| x.id == r.id).unwrap_or(0);
                    return Err(root("rounds").i(k).k("start").err(format!(
                        "round `{}` of {} starts after the funder's last month ({}, [[funders]] until); move it earlier or the funder's end later",
                        r.id,
                        f.name,
                        YearMonth(start.0 + last)
                    )));
                }
            }
            if dropped > 0.0 {
                r.budget = r.budget.clone().scaled(keep);
            }
        }
        out.push(FunderLedger { name: f.name.clone(), renewal_budget, until, members });
    }
    Ok(out)
}

/// A value that must be above zero (`demand_scale`, `half_at`).
fn positive(path: &P, v: Option<&Toml>) -> Result<Option<Value>> {
    let Some(v) = v else { return Ok(None) };
    let x = value(path, v, Domain::NonNegative)?;
    if !(x.support().0 > 0.0) {
        return Err(path.err(format!(
            "must be above zero (its lowest value is {}); give a number or a distribution with min above 0",
            x.support().0
        )));
    }
    Ok(Some(x))
}

/// A change's `influence` table, checked against its probability, the
/// regions and the spend sources.
fn influence(
    p: &P,
    c: &RawChange,
    change: &Change,
    regions: &[Region],
    sources: &[String],
) -> Result<Option<Influence>> {
    let Some(inf) = &c.influence else { return Ok(None) };
    let ip = p.k("influence");
    let max = value(&ip.k("max"), &inf.max, Domain::Probability)?;
    if max.support().1 < change.probability.support().0 {
        return Err(ip.k("max").err(format!(
            "max ({}) is below the change's probability ({}); max is the chance with unlimited influencing work, at least the probability without it",
            max, change.probability
        )));
    }
    let half_at = positive(&ip.k("half_at"), Some(&inf.half_at))?.ok_or_else(|| ip.k("half_at").err("needed"))?;
    let hit = match &inf.regions {
        None => change.regions.clone(),
        Some(r) => region_list(&ip.k("regions"), Some(r), regions)?,
    };
    let funders = match &inf.funders {
        None => None,
        Some(names) => {
            for (i, name) in names.iter().enumerate() {
                if !sources.contains(name) {
                    let hint = did_you_mean(name, sources);
                    return Err(ip.k("funders").i(i).err(format!(
                        "no grant, round or successor pays as `{name}`{}",
                        if hint.is_empty() { format!("; the funders are {}", sources.join(", ")) } else { hint }
                    )));
                }
            }
            Some(names.clone())
        }
    };
    Ok(Some(Influence { max, half_at, regions: hit, funders }))
}

/// Warnings for funder names that look like typos of one another
/// (`Baring Foundaton` beside `Baring Foundation`).
fn near_miss_funders(grants: &[RawGrant], rounds: &[RawRound]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for f in grants.iter().map(|g| &g.funder).chain(rounds.iter().map(|r| &r.funder)) {
        if !names.contains(f) {
            names.push(f.clone());
        }
    }
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(near) = crate::suggest::near_miss(name, &names[..i]) {
            out.push(format!(
                "funder `{name}` looks like a misspelling of funder `{near}`; if they are one funder, spell them alike (spend and without_funders go by the name)"
            ));
        }
    }
    out
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

/// Builds the correlation matrix, checks that it is positive semi-definite
/// and returns its lower-triangular factor (model.md §4).
fn correlation(c: &RawCorrelation, regions: &[Region]) -> Result<Vec<f64>> {
    let p = root("correlation");
    let n = regions.len();
    let default = c.default.unwrap_or(0.0);
    if !(-1.0..=1.0).contains(&default) {
        return Err(p.k("default").err(format!("is {default}, but a correlation must lie in [-1, 1]")));
    }
    let mut m = vec![default; n * n];
    for i in 0..n {
        m[i * n + i] = 1.0;
    }
    let mut pair_of: Vec<Option<usize>> = vec![None; n * n];
    for (k, pair) in c.pairs.iter().enumerate() {
        let pp = p.k("pairs").i(k);
        let a = region_ref(&pp.k("a"), &pair.a, regions)?;
        let b = region_ref(&pp.k("b"), &pair.b, regions)?;
        if a == b {
            return Err(pp.k("b").err(format!("a pair needs two different regions (both are `{}`)", pair.a)));
        }
        if !(-1.0..=1.0).contains(&pair.rho) {
            return Err(pp.k("rho").err(format!("is {}, but a correlation must lie in [-1, 1]", pair.rho)));
        }
        if let Some(prev) = pair_of[a * n + b] {
            return Err(pp.err(format!(
                "the pair {}–{} is already given in correlation.pairs[{prev}]; keep one",
                pair.a, pair.b
            )));
        }
        pair_of[a * n + b] = Some(k);
        pair_of[b * n + a] = Some(k);
        m[a * n + b] = pair.rho;
        m[b * n + a] = pair.rho;
    }
    match crate::correlation::check_psd(&m, n) {
        Ok(()) => Ok(crate::correlation::cholesky_psd(&m, n)),
        Err(bad) => {
            let names: Vec<&str> = bad.regions.iter().map(|&i| regions[i].id.as_str()).collect();
            let mut pairs = Vec::new();
            let mut first_pair = None;
            for (x, &i) in bad.regions.iter().enumerate() {
                for &j in &bad.regions[x + 1..] {
                    if let Some(k) = pair_of[i * n + j] {
                        first_pair = Some(first_pair.map_or(k, |f: usize| f.min(k)));
                        pairs.push(format!("{}–{} = {}", regions[i].id, regions[j].id, m[i * n + j]));
                    }
                }
            }
            let at = match first_pair {
                Some(k) => p.k("pairs").i(k),
                None => p.k("default"),
            };
            let detail = if pairs.is_empty() {
                format!("the default correlation {default} is impossible for {n} regions")
            } else {
                format!("these pairs cannot hold together: {}", pairs.join(", "))
            };
            Err(at.err(format!(
                "the correlation matrix is not positive semi-definite (smallest eigenvalue {:.3}); the conflict involves {}: {detail}; make these correlations consistent, e.g. closer to each other",
                bad.min_eigenvalue,
                names.join(", ")
            )))
        }
    }
}
