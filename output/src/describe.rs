//! The one-screen description of a scenario that `fundscape validate` prints.

use std::fmt::Write;

use fundscape_sim::scenario::{OverlayChangeKind, ShockKind, ShockTiming};
use fundscape_sim::Scenario;

/// Describes what a validated scenario contains, in about a screen.
pub fn describe(s: &Scenario) -> String {
    let mut out = String::new();
    head(&mut out, s);
    regions(&mut out, s);
    grants(&mut out, s);
    shocks(&mut out, s);
    rounds(&mut out, s);
    changes(&mut out, s);
    overlays(&mut out, s);
    warnings(&mut out, s);
    out
}

/// `describe`: what it is, its horizon, its posts and what follows a grant.
fn head(out: &mut String, s: &Scenario) {
    let end = fundscape_sim::scenario::YearMonth(s.start.0 + 12 * s.years as i32 - 1);
    let _ = writeln!(out, "scenario  {}", s.name);
    let _ = writeln!(
        out,
        "horizon   {} to {} ({} years); {} runs by default, seed {}",
        s.start, end, s.years, s.runs, s.seed
    );
    let _ = writeln!(out, "hash      {}", s.hash);
    let _ = writeln!(
        out,
        "posts     cost {}, {} cases/yr, turnover {}, vacancies {} months",
        s.posts.annual_cost, s.posts.cases_per_year, s.posts.turnover, s.posts.vacancy_months
    );
    if s.successors.is_empty() {
        let _ = writeln!(out, "after a grant: no successors; every post is lost when its term ends");
    } else {
        let list: Vec<String> = s
            .successors
            .iter()
            .map(|x| format!("{} p={} ({} months)", x.source.as_str(), x.probability, x.term_months))
            .collect();
        let _ = writeln!(out, "after a grant, tried in order: {}", list.join("; "));
    }
}

/// `describe`: the regions, with their demand, providers and grant posts.
fn regions(out: &mut String, s: &Scenario) {
    let _ = writeln!(
        out,
        "\n{} regions{}:",
        s.regions.len(),
        if s.correlation_factor.is_some() { ", correlated demand" } else { ", independent demand" }
    );
    let _ = writeln!(out, "  {:<18} {:>26} {:>10} {:>6} {:>6}", "id", "demand/yr", "providers", "posts", "infl.");
    for (i, r) in s.regions.iter().enumerate() {
        let (advice, infl) =
            s.grants.iter().filter(|g| g.region == i).fold((0, 0), |(a, b), g| (a + g.posts, b + g.influencing_posts));
        let _ = writeln!(
            out,
            "  {:<18} {:>26} {:>10} {:>6} {:>6}",
            r.id,
            r.demand.to_string(),
            r.legal_aid.providers,
            advice,
            infl
        );
    }
}

/// `describe`: the grants: posts and funders.
fn grants(out: &mut String, s: &Scenario) {
    let advice: u32 = s.grants.iter().map(|g| g.posts).sum();
    let infl: u32 = s.grants.iter().map(|g| g.influencing_posts).sum();
    let mut funders: Vec<&str> = Vec::new();
    for g in &s.grants {
        if !funders.contains(&g.funder.as_str()) {
            funders.push(&g.funder);
        }
    }
    let _ = writeln!(
        out,
        "\n{} grants: {} advice and {} influencing posts; funders: {}",
        s.grants.len(),
        advice,
        infl,
        funders.join(", ")
    );
}

/// `describe`: the shocks.
fn shocks(out: &mut String, s: &Scenario) {
    if !s.shocks.is_empty() {
        let _ = writeln!(out, "{} shocks:", s.shocks.len());
        for sh in &s.shocks {
            let when = match &sh.timing {
                ShockTiming::Dated(m) => fundscape_sim::scenario::YearMonth(s.start.0 + m).to_string(),
                ShockTiming::Random { rate_per_year } => format!("random, {rate_per_year} a year"),
            };
            let what = match &sh.kind {
                ShockKind::Demand { cases, .. } => format!("demand, {cases} extra cases in its first year"),
                ShockKind::LegalAidExit { share, regions } => {
                    format!("legal-aid exit of share {share} in {} regions", regions.len())
                }
            };
            let _ = writeln!(out, "  {:<28} {when}: {what}", sh.id);
        }
    }
}

/// `describe`: the funding rounds and what each buys.
fn rounds(out: &mut String, s: &Scenario) {
    if !s.rounds.is_empty() {
        let _ = writeln!(out, "{} funding rounds:", s.rounds.len());
        for r in &s.rounds {
            let when = fundscape_sim::scenario::YearMonth(s.start.0 + r.start);
            let rule = match &r.allocation {
                fundscape_sim::scenario::Allocation::Unmet => "to regions by unmet demand".to_string(),
                fundscape_sim::scenario::Allocation::Shares(shares) => {
                    format!("to {} regions by fixed shares", shares.len())
                }
            };
            let _ = writeln!(
                out,
                "  {:<28} {when}: {}, budget {} over {} months, {rule}",
                r.id, r.funder, r.budget, r.term_months
            );
        }
        for (i, r) in s.rounds.iter().enumerate() {
            let _ = writeln!(out, "  {}", round_posts(s, i, &r.id));
        }
    }
}

/// `describe`: the dated changes and what each sets.
fn changes(out: &mut String, s: &Scenario) {
    if !s.changes.is_empty() {
        let _ = writeln!(out, "{} dated changes:", s.changes.len());
        for c in &s.changes {
            let when = fundscape_sim::scenario::YearMonth(s.start.0 + c.start);
            let mut keys: Vec<&str> = [
                ("local_authority_budget", c.local_authority_budget.is_some()),
                ("local_authority_match", c.local_authority_match.is_some()),
                ("exit_rate", c.exit_rate.is_some()),
                ("entry_rate", c.entry_rate.is_some()),
                ("cases_per_provider", c.cases_per_provider.is_some()),
                ("demand_growth", c.demand_growth.is_some()),
                ("turnover", c.turnover.is_some()),
                ("vacancy_months", c.vacancy_months.is_some()),
                ("demand_scale", c.demand_scale.is_some()),
            ]
            .into_iter()
            .filter_map(|(k, on)| on.then_some(k))
            .collect();
            if !c.successors.is_empty() {
                keys.push("successors");
            }
            let sets = if keys.is_empty() { "nothing".to_string() } else { keys.join(", ") };
            let n = c.regions.len();
            let _ = writeln!(
                out,
                "  {:<28} {when}, probability {}: sets {sets} in {n} region{}",
                c.id,
                c.probability,
                if n == 1 { "" } else { "s" }
            );
        }
    }
}

/// `describe`: what the overlays change in the files they extend.
fn overlays(out: &mut String, s: &Scenario) {
    if !s.overlay_changes.is_empty() {
        let _ = writeln!(out, "\nwhat the overlays change in the files they extend:");
        for c in &s.overlay_changes {
            let what = match c.what {
                OverlayChangeKind::Sets => "sets",
                OverlayChangeKind::Adds => "adds",
                OverlayChangeKind::Changes => "changes",
                OverlayChangeKind::Removes => "removes",
            };
            let at = match c.line {
                Some(line) => format!("{}:{line}", c.file.display()),
                None => c.file.display().to_string(),
            };
            let _ = writeln!(out, "  {at}: {what} {}", c.key);
        }
    }
}

/// `describe`: the warnings.
fn warnings(out: &mut String, s: &Scenario) {
    if s.warnings.is_empty() {
        let _ = writeln!(out, "\nno warnings");
    } else {
        let _ = writeln!(out, "\n{} warnings:", s.warnings.len());
        for w in &s.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
    }
}

/// What round `i` buys at its expected price (typical budget, post cost,
/// match and wage growth), region by region.
fn round_posts(s: &Scenario, i: usize, id: &str) -> String {
    let p = fundscape_sim::rounds::preview(s, i);
    if p.posts.is_empty() {
        return format!(
            "{id} buys about {} posts at its expected price, split in each run by the previous 12 months' unmet demand",
            p.total
        );
    }
    let list: Vec<String> = p.posts.iter().map(|(r, n)| format!("{} {n}", s.regions[*r].id)).collect();
    format!(
        "{id} buys at its expected price: {} ({} posts; £{} unspent)",
        list.join(", "),
        p.total,
        crate::words::thousands(p.unspent.round())
    )
}
