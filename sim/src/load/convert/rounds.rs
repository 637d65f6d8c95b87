//! `[[rounds]]` and `[[funders]]`: future funding rounds, the funders'
//! ledgers, and `without_funders`.

use super::*;

pub(super) fn rounds(raw: &RawScenario, regions: &[Region], start: YearMonth, years: u32) -> Result<Vec<Round>> {
    let reserved = reserved_funders();
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
        plain_text(&p.k("funder"), &r.funder, false)?;
        let at = date(&p.k("start"), &r.start)?.months_since(start);
        if at < 0 || at as usize >= years as usize * 12 {
            return Err(p.k("start").err(format!(
                "a round must start inside the horizon ({start} to {}); describe past rounds as [[grants]]",
                YearMonth(start.0 + years as i32 * 12 - 1)
            )));
        }
        let allocation = match &r.allocation {
            Toml::String(rule) if rule == "unmet" => Allocation::Unmet,
            Toml::Table(t) => Allocation::Shares(shares(&p.k("allocation"), t, regions)?),
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
    Ok(rounds)
}

/// Every name in `without_funders` must be a funder of a grant, a round or
/// a pool's member.
pub(super) fn check_without_funders(raw: &RawScenario, funders: &[FunderLedger]) -> Result<()> {
    for (i, funder) in raw.scenario.without_funders.iter().enumerate() {
        let named = raw.grants.iter().map(|g| &g.funder).chain(raw.rounds.iter().map(|r| &r.funder));
        let members = funders.iter().flat_map(|f| f.members.iter().map(|(m, _)| m));
        let names: Vec<String> = named.chain(members).cloned().collect();
        if !names.contains(funder) {
            let hint = did_you_mean(funder, &names);
            return Err(root("scenario").k("without_funders").i(i).err(format!(
                "no grant or round has the funder `{funder}`{}",
                if hint.is_empty() { "; funder names must match exactly".to_string() } else { hint }
            )));
        }
    }
    Ok(())
}

/// The names spend goes by (`Scenario::spend_sources`), for `influence.funders`.
pub(super) fn spend_sources(grants: &[Grant], rounds: &[Round]) -> Vec<String> {
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
    sources
}

/// `[[funders]]`: each funder's renewal budget, last month and members. A
/// member named in `without_funders` takes its share out of the pool's
/// renewal budget and of its rounds' budgets. A round dated after its
/// funder's last month is refused.
pub(super) fn funder_ledgers(
    raw_funders: &[RawFunder],
    raw_grants: &[RawGrant],
    raw_rounds: &[RawRound],
    without: &[String],
    rounds: &mut [Round],
    start: YearMonth,
    warnings: &mut Vec<String>,
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
            plain_text(&p.k("members").k(name), name, false)?;
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
        // A grant that starts after its funder's last month: kept (the money
        // is awarded) but odd enough to say.
        if let Some(last) = until {
            for g in raw_grants.iter().filter(|g| g.funder == f.name) {
                if YearMonth::parse(&g.start).is_some_and(|d| d.months_since(start) > last) {
                    warnings.push(format!(
                        "grant `{}` of {} starts in {}, after the funder's last month ({}, [[funders]] until); check its start or the funder's end",
                        g.id,
                        f.name,
                        g.start,
                        YearMonth(start.0 + last)
                    ));
                }
            }
        }
        out.push(FunderLedger { name: f.name.clone(), renewal_budget, until, members });
    }
    Ok(out)
}

/// Warnings for funder names that look like typos of one another
/// (`Baring Foundaton` beside `Baring Foundation`).
pub(super) fn near_miss_funders(grants: &[RawGrant], rounds: &[RawRound]) -> Vec<String> {
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
