//! The raw layer: serde types that mirror the scenario file exactly and reject
//! unknown keys. Numeric parameters stay as TOML values here; they are checked
//! and turned into [`crate::value::Value`]s by the conversion in `super`.
//!
//! The same types describe the file as a JSON Schema (`fundscape schema`,
//! built in `super::schema`): `value` fields are a number or a distribution
//! table, the others say what the conversion accepts.

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Value as Toml;

use super::schema::{allocation, change_regions, scenario_kind, shock_kind, shock_regions, successor_source, value};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Scenario")]
pub struct RawScenario {
    /// Name, horizon and defaults of the scenario.
    pub scenario: RawMeta,
    /// Growth of post costs.
    #[serde(default)]
    pub economy: Option<RawEconomy>,
    /// Defaults for every post: cost, cases, ramp-up, turnover, vacancies.
    #[serde(default)]
    pub posts: Option<RawPosts>,
    /// What may pay for a post when its funding term ends.
    #[serde(default)]
    pub sustainability: Option<RawSustainability>,
    /// Regions with their demand, legal aid and local authorities.
    #[serde(default)]
    pub regions: Vec<RawRegion>,
    /// Correlation of demand noise between regions.
    #[serde(default)]
    pub correlation: Option<RawCorrelation>,
    /// The grant portfolio: funded advice and influencing posts.
    #[serde(default)]
    pub grants: Vec<RawGrant>,
    /// Demand surges, random crises and legal-aid exit waves.
    #[serde(default)]
    pub shocks: Vec<RawShock>,
    /// Future funding rounds that buy new posts.
    #[serde(default)]
    pub rounds: Vec<RawRound>,
    /// Dated changes that happen with some probability (influencing asks).
    #[serde(default)]
    pub changes: Vec<RawChange>,
    /// Funders' own budgets and end dates (a funder without an entry is bottomless and never stops).
    #[serde(default)]
    pub funders: Vec<RawFunder>,
    /// Levers for `fundscape serve`: the inputs its live page offers as sliders (the engine does not read them).
    #[serde(default)]
    pub levers: Vec<super::levers::RawLever>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Funder")]
pub struct RawFunder {
    /// The funder, as grants, rounds and without_funders spell it (or "other_funder").
    pub name: String,
    /// £ a year available for same_funder renewals of its posts (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub renewal_budget: Option<Toml>,
    /// Its last month, "YYYY-MM": no renewal by it, and no round of it, after this.
    pub until: Option<String>,
    /// Members of a pooled fund and their shares of it (0 to 1), e.g. { "Baring Foundation" = 0.05 }.
    pub members: Option<std::collections::BTreeMap<String, f64>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Round")]
pub struct RawRound {
    /// Unique id.
    pub id: String,
    /// The funder; spend is reported as spend:<funder>.
    pub funder: String,
    /// First month, "YYYY-MM", inside the horizon.
    pub start: String,
    /// £ committed over the term (value, at least 0).
    #[schemars(schema_with = "value")]
    pub budget: Toml,
    /// Months each post is funded, 1 to 1200.
    pub term_months: i64,
    /// Share of the posts that are advice posts (value in [0, 1], default 1).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub advice_share: Option<Toml>,
    /// "unmet" or a table of shares by region id summing to 1.
    #[schemars(schema_with = "allocation")]
    pub allocation: Toml,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Change")]
pub struct RawChange {
    /// Unique id.
    pub id: String,
    /// Month it takes effect, "YYYY-MM".
    pub start: String,
    /// Chance it happens in a run (value in [0, 1], default 1).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub probability: Option<Toml>,
    /// Regions the regional keys apply to: "all" (default) or a list of ids.
    #[serde(default)]
    #[schemars(schema_with = "change_regions")]
    pub regions: Option<Toml>,
    /// Local-authority budget, £ a year (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub local_authority_budget: Option<Toml>,
    /// Share of a new post's cost that local authorities match (value in [0, 1]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub local_authority_match: Option<Toml>,
    /// Legal-aid exits a year (value in [0, 1]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub exit_rate: Option<Toml>,
    /// New legal-aid offices a year (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub entry_rate: Option<Toml>,
    /// Cases a legal-aid office serves a year (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub cases_per_provider: Option<Toml>,
    /// Annual log-growth of demand, from the next model year (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub demand_growth: Option<Toml>,
    /// Annual probability that a post holder leaves (value in [0, 1]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub turnover: Option<Toml>,
    /// Months a vacancy lasts, drawn per vacancy (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub vacancy_months: Option<Toml>,
    /// New probability and/or term for listed successors.
    pub successors: Option<Vec<RawChangeSuccessor>>,
    /// Multiplies the new cases of its regions from its month on (value > 0; e.g. 0.9 for better first
    /// decisions that cut appeals).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub demand_scale: Option<Toml>,
    /// Influencing work raises the chance that the change happens:
    /// p = probability + (max − probability) · E / (E + half_at), E the post-years of filled influencing posts.
    pub influence: Option<RawInfluence>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Influence")]
pub struct RawInfluence {
    /// The chance with unlimited influencing work (value in [probability, 1]).
    #[schemars(schema_with = "value")]
    pub max: Toml,
    /// Post-years of influencing work that bring the chance halfway to `max` (value > 0).
    #[schemars(schema_with = "value")]
    pub half_at: Toml,
    /// Regions whose influencing posts count: "all" or a list of ids (default: the change's regions).
    #[serde(default)]
    #[schemars(schema_with = "change_regions")]
    pub regions: Option<Toml>,
    /// Funders whose influencing posts count, as grants and rounds spell them (default: any funder).
    pub funders: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ChangeSuccessor")]
pub struct RawChangeSuccessor {
    /// A successor listed in [sustainability].
    #[schemars(schema_with = "successor_source")]
    pub source: String,
    /// Its new probability (value in [0, 1]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub probability: Option<Toml>,
    /// Its new term in months.
    pub term_months: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Meta")]
pub struct RawMeta {
    /// Shown in every output (default: the file name).
    pub name: Option<String>,
    /// What the scenario is, in a sentence (shown with every headline).
    pub note: Option<String>,
    /// First month, "YYYY-MM" (required in the base scenario).
    pub start: Option<String>,
    /// Horizon in years, 1 to 100 (default 10).
    pub years: Option<i64>,
    /// Default number of Monte Carlo runs (default 10000).
    pub runs: Option<i64>,
    /// Default random seed (default 20251124).
    pub seed: Option<i64>,
    /// Drop every grant and round of these funders ("what if a funder leaves").
    #[serde(default)]
    pub without_funders: Vec<String>,
    /// In a comparison: "ask" (something to do, the default) or "risk" (something that may happen).
    #[serde(default)]
    #[schemars(schema_with = "scenario_kind")]
    pub kind: Option<String>,
    /// What an ask costs beyond the posts it funds (a campaign, a programme), £ (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub ask_cost: Option<Toml>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Economy")]
pub struct RawEconomy {
    /// Annual growth of post costs (value, default 0).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub wage_growth: Option<Toml>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Posts")]
pub struct RawPosts {
    /// Full annual cost of a post, £ (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub annual_cost: Option<Toml>,
    /// Cases a fully productive advice post serves a year (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub cases_per_year: Option<Toml>,
    /// Months from hire to full productivity.
    pub ramp_months: Option<i64>,
    /// Productivity in a new hire's first month (value in [0, 1]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub ramp_start: Option<Toml>,
    /// Annual probability that a post holder leaves (value in [0, 1]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub turnover: Option<Toml>,
    /// Months a vacated post stays empty, drawn per vacancy (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub vacancy_months: Option<Toml>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Sustainability")]
pub struct RawSustainability {
    /// Who may pay for a post when its term ends, tried in order.
    #[serde(default)]
    pub successors: Vec<RawSuccessor>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Successor")]
pub struct RawSuccessor {
    /// same_funder, other_funder, legal_aid or local_authority.
    #[schemars(schema_with = "successor_source")]
    pub source: String,
    /// Chance it takes the post on (value in [0, 1]).
    #[schemars(schema_with = "value")]
    pub probability: Toml,
    /// Months it funds the post for.
    pub term_months: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Region")]
pub struct RawRegion {
    /// Region id, used by grants, shares and overlays.
    pub id: String,
    /// Display name (default: the id).
    pub name: Option<String>,
    /// New cases a year at the start (value).
    #[schemars(schema_with = "value")]
    pub demand: Toml,
    /// Mean annual log-growth of demand (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub demand_growth: Option<Toml>,
    /// Sd of the annual log-noise of demand (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub demand_volatility: Option<Toml>,
    /// Cases waiting at the start.
    pub backlog: Option<i64>,
    /// Monthly share of waiting cases that give up (value in [0, 1]).
    #[schemars(schema_with = "value")]
    pub abandon_rate: Toml,
    /// Cases a year served by advice not itemised here (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub other_capacity: Option<Toml>,
    /// Legal-aid offices: count, throughput, exits and entries.
    pub legal_aid: Option<RawLegalAid>,
    /// Local-authority budget for posts and match funding.
    pub local_authority: Option<RawLocalAuthority>,
    /// What missing advice costs councils, for `fundscape brief` (the engine does not use it).
    pub council: Option<RawCouncil>,
}

/// What councils carry when advice is missing (for `fundscape brief`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Council")]
pub struct RawCouncil {
    /// £ a year of supporting a household with no recourse to public funds (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub nrpf_household_cost: Option<Toml>,
    /// Share of served cases that resolve such a household's status (value in [0, 1]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub nrpf_resolved_share: Option<Toml>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "LegalAid")]
pub struct RawLegalAid {
    /// Legal-aid offices at the start.
    pub providers: Option<i64>,
    /// Cases an office serves a year (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub cases_per_provider: Option<Toml>,
    /// Annual probability that an office leaves (value in [0, 1]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub exit_rate: Option<Toml>,
    /// Expected new offices a year (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub entry_rate: Option<Toml>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "LocalAuthority")]
pub struct RawLocalAuthority {
    /// £ a year councils could spend on posts they take on (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub budget: Option<Toml>,
    /// Share of a new post's cost that councils match (value in [0, 1]).
    #[serde(rename = "match")]
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub match_share: Option<Toml>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Correlation")]
pub struct RawCorrelation {
    /// Correlation of demand noise between any two regions.
    pub default: Option<f64>,
    /// Correlations for particular pairs of regions.
    #[serde(default)]
    pub pairs: Vec<RawPair>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Pair")]
pub struct RawPair {
    /// A region id.
    pub a: String,
    /// Another region id.
    pub b: String,
    /// Their correlation, in [-1, 1].
    pub rho: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Grant")]
pub struct RawGrant {
    /// Unique id.
    pub id: String,
    /// The funder; spend is reported as spend:<funder>.
    pub funder: String,
    /// A region id.
    pub region: String,
    /// First month, "YYYY-MM".
    pub start: String,
    /// Length of the grant in months.
    pub months: i64,
    /// Advice posts it funds.
    #[serde(default)]
    pub posts: i64,
    /// Influencing posts it funds (no casework capacity).
    #[serde(default)]
    pub influencing_posts: i64,
    /// Amount awarded, £ (value; for reference).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub amount: Option<Toml>,
    /// Annual cost of its posts, £ (value; default [posts]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub annual_cost: Option<Toml>,
    /// Cases a year of its advice posts (value; default [posts]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub cases_per_year: Option<Toml>,
    /// Months to full productivity (default [posts]).
    pub ramp_months: Option<i64>,
    /// First-month productivity (value; default [posts]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub ramp_start: Option<Toml>,
    /// Annual probability that a holder leaves (value; default [posts]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub turnover: Option<Toml>,
    /// Months a vacancy lasts (value; default [posts]).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub vacancy_months: Option<Toml>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Shock")]
pub struct RawShock {
    /// Unique id.
    pub id: String,
    /// "demand" or "legal_aid_exit".
    #[schemars(schema_with = "shock_kind")]
    pub kind: String,
    /// Month it happens, "YYYY-MM" (omit for a random shock with rate_per_year).
    pub start: Option<String>,
    /// Expected arrivals a year of a random shock (value).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub rate_per_year: Option<Toml>,
    /// "all", a list of ids (exit wave) or a table of shares (demand shock).
    #[serde(default)]
    #[schemars(schema_with = "shock_regions")]
    pub regions: Option<Toml>,
    /// Extra cases in its first 12 months (value; demand shocks).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub cases: Option<Toml>,
    /// Months for the extra demand to halve (demand shocks; omit for level demand).
    pub half_life_months: Option<i64>,
    /// Share of offices that leave at once (value in [0, 1]; exit waves).
    #[serde(default)]
    #[schemars(schema_with = "value")]
    pub share: Option<Toml>,
}
