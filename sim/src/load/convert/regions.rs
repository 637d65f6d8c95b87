//! `[[regions]]` and `[correlation]`.

use super::*;

pub(super) fn regions(raw: &[RawRegion]) -> Result<Vec<Region>> {
    if raw.is_empty() {
        return Err(root("regions").err("a scenario needs at least one [[regions]] table"));
    }
    let mut regions: Vec<Region> = Vec::new();
    let mut region_ids: HashSet<String> = HashSet::new();
    for (i, r) in raw.iter().enumerate() {
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
        if let Some(name) = &r.name {
            plain_text(&p.k("name"), name, false)?;
        }
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
    Ok(regions)
}

/// Builds the correlation matrix, checks that it is positive semi-definite
/// and returns its lower-triangular factor (model.md §4).
pub(super) fn correlation(c: &RawCorrelation, regions: &[Region]) -> Result<Vec<f64>> {
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
