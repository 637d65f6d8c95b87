//! `[[changes]]`: dated changes (the outcomes of influencing asks), with
//! their influence on their own odds.

use super::*;

pub(super) fn changes(
    raw: &[RawChange],
    successors: &[Successor],
    regions: &[Region],
    sources: &[String],
    start: YearMonth,
    years: u32,
    warnings: &mut Vec<String>,
) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    let mut change_ids: HashSet<String> = HashSet::new();
    for (i, c) in raw.iter().enumerate() {
        let p = root("changes").i(i);
        check_id(&p.k("id"), &c.id, &change_ids, "change")?;
        change_ids.insert(c.id.clone());
        let at = date(&p.k("start"), &c.start)?.months_since(start);
        if at >= 12 * years as i32 {
            warnings.push(format!(
                "change `{}` starts in {}, after the horizon's last month ({}); it changes nothing. Check its start, or \
                 lengthen the scenario's `years`",
                c.id,
                c.start,
                YearMonth(start.0 + 12 * years as i32 - 1)
            ));
        }
        let hit = region_list(&p.k("regions"), c.regions.as_ref(), regions)?;
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
        let change = Change { influence: influence(&p, c, &change, regions, sources)?, ..change };
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
    Ok(changes)
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
