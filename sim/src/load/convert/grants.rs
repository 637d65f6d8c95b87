//! `[[grants]]`: the portfolio, each grant's posts with the `[posts]`
//! defaults it overrides.

use super::*;

pub(super) fn grants(
    raw: &RawScenario,
    posts: &PostParams,
    regions: &[Region],
    start: YearMonth,
    years: u32,
    warnings: &mut Vec<String>,
) -> Result<Vec<Grant>> {
    let horizon_end = YearMonth(start.0 + 12 * years as i32);
    let mut grants = Vec::new();
    let mut grant_ids: HashSet<String> = HashSet::new();
    let reserved = reserved_funders();
    for (i, g) in raw.grants.iter().enumerate() {
        let p = root("grants").i(i);
        check_id(&p.k("id"), &g.id, &grant_ids, "grant")?;
        grant_ids.insert(g.id.clone());
        if g.funder.trim().is_empty() {
            return Err(p.k("funder").err("a grant needs a funder name"));
        }
        plain_text(&p.k("funder"), &g.funder, false)?;
        if reserved.contains(&g.funder.as_str()) {
            return Err(p.k("funder").err(format!(
                "`{}` is reserved (a successor source, or a sum of spend in comparisons); name the funder itself",
                g.funder
            )));
        }
        let region = region_ref(&p.k("region"), &g.region, regions)?;
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
        if gstart >= horizon_end {
            warnings.push(format!(
                "grant `{}` starts in {gstart}, after the horizon's last month ({}); its posts never appear in a run. Check its start, or lengthen the scenario's `years`",
                g.id,
                YearMonth(horizon_end.0 - 1)
            ));
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
    Ok(grants)
}
