//! `[scenario]`, `[economy]`, `[posts]` and `[sustainability]`: what the
//! scenario is, its horizon and runs, and the parameters every post shares.

use super::*;

/// The `[scenario]` table, checked.
pub(super) struct Meta {
    pub name: String,
    pub note: Option<String>,
    pub kind: ScenarioKind,
    pub ask_cost: Option<Value>,
    pub start: YearMonth,
    pub years: u32,
    pub runs: u64,
    pub seed: u64,
}

pub(super) fn meta(m: &RawMeta, stem: &str) -> Result<Meta> {
    let meta = root("scenario");
    let start_text = m
        .start
        .as_deref()
        .ok_or_else(|| meta.err("missing key `start`; add the first month, e.g. start = \"2025-04\""))?;
    let start = date(&meta.k("start"), start_text)?;
    let years = m.years.unwrap_or(10);
    if !(1..=100).contains(&years) {
        return Err(meta.k("years").err(format!("must be a whole number of years from 1 to 100 (it is {years})")));
    }
    let runs = m.runs.unwrap_or(10_000);
    if runs < 1 {
        return Err(meta.k("runs").err(format!("must be at least 1 (it is {runs})")));
    }
    let seed = m.seed.unwrap_or(20_251_124);
    if seed < 0 {
        return Err(meta.k("seed").err(format!("must be a whole number, 0 or more (it is {seed})")));
    }
    let name = m.name.clone().unwrap_or_else(|| stem.to_string());
    if m.name.is_some() {
        plain_text(&meta.k("name"), &name, false)?;
    }
    if let Some(n) = &m.note {
        plain_text(&meta.k("note"), n, true)?;
    }
    let note = match m.note.clone() {
        Some(n) if n.chars().count() > 2000 => {
            return Err(meta
                .k("note")
                .err("is longer than 2,000 characters; say what the scenario is in a few sentences"))
        }
        Some(n) if n.trim().is_empty() => None,
        other => other.map(|n| n.trim().to_string()),
    };

    let kind = match m.kind.as_deref() {
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
    let ask_cost = m.ask_cost.as_ref().map(|v| value(&meta.k("ask_cost"), v, Domain::NonNegative)).transpose()?;
    if ask_cost.is_some() && kind == ScenarioKind::Risk {
        return Err(meta
            .k("ask_cost")
            .err("a risk has no ask_cost (it is what an ask costs); remove it or make kind = \"ask\""));
    }
    Ok(Meta { name, note, kind, ask_cost, start, years: years as u32, runs: runs as u64, seed: seed as u64 })
}

/// `[economy] wage_growth`.
pub(super) fn wage_growth(economy: Option<&RawEconomy>) -> Result<Value> {
    let p = root("economy").k("wage_growth");
    let v = opt_value(&p, economy.and_then(|e| e.wage_growth.as_ref()), Domain::Any, 0.0)?;
    let (lo, hi) = v.support();
    if (lo.is_finite() && lo <= -1.0) || hi <= -0.99 {
        let reach = if hi <= -0.99 { hi } else { lo };
        return Err(p.err(format!(
            "{v} reaches {reach}, but wage growth must be greater than -0.99 (-1 would make posts free)"
        )));
    }
    // An unbounded distribution is clamped just above -1.
    Ok(v.clamped_to(-0.99, f64::INFINITY))
}

/// `[posts]`: the defaults of every post.
pub(super) fn posts(raw: Option<&RawPosts>) -> Result<PostParams> {
    let default = RawPosts::default();
    let posts_raw = raw.unwrap_or(&default);
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
    Ok(posts)
}

/// `[sustainability] successors`: what may pay for a post when its grant ends.
pub(super) fn successors(raw: Option<&RawSustainability>) -> Result<Vec<Successor>> {
    let mut successors = Vec::new();
    if let Some(s) = raw {
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
    Ok(successors)
}
