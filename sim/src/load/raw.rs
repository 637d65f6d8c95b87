//! The raw layer: serde types that mirror the scenario file exactly and reject
//! unknown keys. Numeric parameters stay as TOML values here; they are checked
//! and turned into [`crate::value::Value`]s by the conversion in `super`.

use serde::Deserialize;
use toml::Value as Toml;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: RawMeta,
    #[serde(default)]
    pub economy: Option<RawEconomy>,
    #[serde(default)]
    pub posts: Option<RawPosts>,
    #[serde(default)]
    pub sustainability: Option<RawSustainability>,
    #[serde(default)]
    pub regions: Vec<RawRegion>,
    #[serde(default)]
    pub correlation: Option<RawCorrelation>,
    #[serde(default)]
    pub grants: Vec<RawGrant>,
    #[serde(default)]
    pub shocks: Vec<RawShock>,
    #[serde(default)]
    pub rounds: Vec<RawRound>,
    #[serde(default)]
    pub changes: Vec<RawChange>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRound {
    pub id: String,
    pub funder: String,
    pub start: String,
    pub budget: Toml,
    pub term_months: i64,
    pub advice_share: Option<Toml>,
    pub allocation: Toml,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChange {
    pub id: String,
    pub start: String,
    pub probability: Option<Toml>,
    pub regions: Option<Toml>,
    pub local_authority_budget: Option<Toml>,
    pub local_authority_match: Option<Toml>,
    pub exit_rate: Option<Toml>,
    pub entry_rate: Option<Toml>,
    pub cases_per_provider: Option<Toml>,
    pub demand_growth: Option<Toml>,
    pub turnover: Option<Toml>,
    pub vacancy_months: Option<Toml>,
    pub successors: Option<Vec<RawChangeSuccessor>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChangeSuccessor {
    pub source: String,
    pub probability: Option<Toml>,
    pub term_months: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: Option<String>,
    /// What the scenario is, in a sentence (shown with every headline).
    pub note: Option<String>,
    pub start: Option<String>,
    pub years: Option<i64>,
    pub runs: Option<i64>,
    pub seed: Option<i64>,
    /// Drop every grant and round of these funders ("what if a funder leaves").
    #[serde(default)]
    pub without_funders: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEconomy {
    pub wage_growth: Option<Toml>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPosts {
    pub annual_cost: Option<Toml>,
    pub cases_per_year: Option<Toml>,
    pub ramp_months: Option<i64>,
    pub ramp_start: Option<Toml>,
    pub turnover: Option<Toml>,
    pub vacancy_months: Option<Toml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSustainability {
    #[serde(default)]
    pub successors: Vec<RawSuccessor>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSuccessor {
    pub source: String,
    pub probability: Toml,
    pub term_months: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    pub id: String,
    pub name: Option<String>,
    pub demand: Toml,
    pub demand_growth: Option<Toml>,
    pub demand_volatility: Option<Toml>,
    pub backlog: Option<i64>,
    pub abandon_rate: Toml,
    pub other_capacity: Option<Toml>,
    pub legal_aid: Option<RawLegalAid>,
    pub local_authority: Option<RawLocalAuthority>,
    pub council: Option<RawCouncil>,
}

/// What councils carry when advice is missing (for `fundscape brief`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCouncil {
    pub nrpf_household_cost: Option<Toml>,
    pub nrpf_resolved_share: Option<Toml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLegalAid {
    pub providers: Option<i64>,
    pub cases_per_provider: Option<Toml>,
    pub exit_rate: Option<Toml>,
    pub entry_rate: Option<Toml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLocalAuthority {
    pub budget: Option<Toml>,
    #[serde(rename = "match")]
    pub match_share: Option<Toml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub default: Option<f64>,
    #[serde(default)]
    pub pairs: Vec<RawPair>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPair {
    pub a: String,
    pub b: String,
    pub rho: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrant {
    pub id: String,
    pub funder: String,
    pub region: String,
    pub start: String,
    pub months: i64,
    #[serde(default)]
    pub posts: i64,
    #[serde(default)]
    pub influencing_posts: i64,
    pub amount: Option<Toml>,
    pub annual_cost: Option<Toml>,
    pub cases_per_year: Option<Toml>,
    pub ramp_months: Option<i64>,
    pub ramp_start: Option<Toml>,
    pub turnover: Option<Toml>,
    pub vacancy_months: Option<Toml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShock {
    pub id: String,
    pub kind: String,
    pub start: Option<String>,
    pub rate_per_year: Option<Toml>,
    pub regions: Option<Toml>,
    pub cases: Option<Toml>,
    pub half_life_months: Option<i64>,
    pub share: Option<Toml>,
}
