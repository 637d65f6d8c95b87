//! `[[shocks]]`: dated or random demand surges and legal-aid exits.

use super::*;

pub(super) fn shocks(raw: &[RawShock], regions: &[Region], start: YearMonth) -> Result<Vec<Shock>> {
    let mut shocks = Vec::new();
    let mut shock_ids: HashSet<String> = HashSet::new();
    for (i, s) in raw.iter().enumerate() {
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
                    Some(Toml::Table(t)) => DemandSplit::Shares(shares(&p.k("regions"), t, regions)?),
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
                let hit = region_list(&p.k("regions"), s.regions.as_ref(), regions)?;
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
    Ok(shocks)
}
