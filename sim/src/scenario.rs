//! The validated scenario the engine runs (model.md §3). Every field here has
//! been checked by [`crate::load`]; the engine trusts it.

use crate::value::Value;

/// A calendar month, stored as `year * 12 + (month - 1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth(pub i32);

impl YearMonth {
    /// Parses `"YYYY-MM"`.
    pub fn parse(text: &str) -> Option<Self> {
        let (y, m) = text.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: i32 = m.parse().ok()?;
        if !(1..=12).contains(&month) {
            return None;
        }
        Some(Self(year * 12 + month - 1))
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// Months from `origin` to `self` (negative when `self` is earlier).
    pub fn months_since(self, origin: YearMonth) -> i32 {
        self.0 - origin.0
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// Where a post's money comes from after its grant (model.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuccessorSource {
    SameFunder,
    OtherFunder,
    LegalAid,
    LocalAuthority,
}

impl SuccessorSource {
    pub const ALL: [SuccessorSource; 4] = [Self::SameFunder, Self::OtherFunder, Self::LegalAid, Self::LocalAuthority];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SameFunder => "same_funder",
            Self::OtherFunder => "other_funder",
            Self::LegalAid => "legal_aid",
            Self::LocalAuthority => "local_authority",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone)]
pub struct Successor {
    pub source: SuccessorSource,
    /// Probability that this successor takes the post at a term end.
    pub probability: Value,
    pub term_months: u32,
}

/// Post parameters: the `[posts]` defaults, or a grant's overrides of them.
#[derive(Debug, Clone)]
pub struct PostParams {
    pub annual_cost: Value,
    pub cases_per_year: Value,
    pub ramp_months: u32,
    pub ramp_start: Value,
    pub turnover: Value,
    /// Drawn afresh for every vacancy.
    pub vacancy_months: Value,
}

#[derive(Debug, Clone)]
pub struct LegalAid {
    pub providers: u32,
    pub cases_per_provider: Value,
    /// Annual probability that a provider leaves.
    pub exit_rate: Value,
    /// Expected new providers per year.
    pub entry_rate: Value,
}

#[derive(Debug, Clone)]
pub struct LocalAuthority {
    /// £ a year available for posts funded by the region's local authorities.
    pub budget: Value,
    /// Share of a new post's cost that local authorities pay (used by rounds).
    pub match_share: Value,
}

#[derive(Debug, Clone)]
pub struct Region {
    pub id: String,
    pub name: String,
    pub demand: Value,
    pub demand_growth: Value,
    pub demand_volatility: Value,
    pub backlog: u64,
    pub abandon_rate: Value,
    pub other_capacity: Value,
    pub legal_aid: LegalAid,
    pub local_authority: LocalAuthority,
    /// Costs councils carry when advice is missing (`council` table), if given.
    pub council: Option<Council>,
}

/// The cost to councils of a household with no recourse to public funds,
/// and the share of served cases that resolve such a case (for the council
/// brief; the engine does not use them).
#[derive(Debug, Clone)]
pub struct Council {
    /// £ a year of supporting one household with no recourse to public funds.
    pub nrpf_household_cost: Value,
    /// Share of served cases that resolve such a household's status.
    pub nrpf_resolved_share: Value,
}

#[derive(Debug, Clone)]
pub struct Grant {
    pub id: String,
    pub funder: String,
    /// Index into [`Scenario::regions`].
    pub region: usize,
    pub start: YearMonth,
    pub months: u32,
    pub posts: u32,
    pub influencing_posts: u32,
    pub amount: Value,
    /// The `[posts]` defaults with this grant's overrides applied.
    pub params: PostParams,
    /// Which of `params` the grant overrides (drawn per grant rather than shared).
    pub overrides: PostOverrides,
}

/// Which post parameters a grant sets itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostOverrides {
    pub annual_cost: bool,
    pub cases_per_year: bool,
    pub ramp_start: bool,
    pub turnover: bool,
}

#[derive(Debug, Clone)]
pub enum ShockTiming {
    /// A dated shock, in months from the scenario start (may be negative).
    Dated(i32),
    /// Random arrivals at this rate per year.
    Random { rate_per_year: Value },
}

#[derive(Debug, Clone)]
pub enum ShockKind {
    /// Extra demand: `cases` in its first 12 months, split over regions.
    Demand { cases: Value, half_life_months: Option<u32>, split: DemandSplit },
    /// A share of legal-aid providers leaves at once in each region hit.
    LegalAidExit { share: Value, regions: Vec<usize> },
}

#[derive(Debug, Clone)]
pub enum DemandSplit {
    /// In proportion to each region's drawn `demand`.
    All,
    /// Fixed shares by region index; they sum to 1.
    Shares(Vec<(usize, f64)>),
}

#[derive(Debug, Clone)]
pub struct Shock {
    pub id: String,
    pub timing: ShockTiming,
    pub kind: ShockKind,
}

/// How a funding round's budget is split between regions.
#[derive(Debug, Clone)]
pub enum Allocation {
    /// Fixed shares by region index; they sum to 1.
    Shares(Vec<(usize, f64)>),
    /// In proportion to each region's abandoned cases over the previous 12
    /// months (read from the run's state at the round's start).
    Unmet,
}

/// A future funding round (model.md §3, last paragraph): a funder's budget
/// from a date, turned into new posts by an allocation rule.
#[derive(Debug, Clone)]
pub struct Round {
    pub id: String,
    pub funder: String,
    /// Months from the scenario start (≥ 0).
    pub start: i32,
    /// £ committed over the term, drawn once per run.
    pub budget: Value,
    pub term_months: u32,
    /// Share of the posts bought that are advice posts (the rest influence).
    pub advice_share: Value,
    pub allocation: Allocation,
}

/// A dated change (model.md §3, last paragraph): from `start`, in the runs
/// where it happens (probability drawn once per run), parameters take new
/// values.
#[derive(Debug, Clone)]
pub struct Change {
    pub id: String,
    /// Months from the scenario start; a change dated before the start
    /// applies from month 0.
    pub start: i32,
    pub probability: Value,
    /// Regions the region-level keys apply to.
    pub regions: Vec<usize>,
    pub local_authority_budget: Option<Value>,
    pub local_authority_match: Option<Value>,
    pub exit_rate: Option<Value>,
    pub entry_rate: Option<Value>,
    /// Cases a legal-aid office serves a year (a fee change, a counting change).
    pub cases_per_provider: Option<Value>,
    pub demand_growth: Option<Value>,
    pub turnover: Option<Value>,
    pub vacancy_months: Option<Value>,
    pub successors: Vec<ChangeSuccessor>,
    /// Multiplies the mean new cases of its regions from `start` on.
    pub demand_scale: Option<Value>,
    pub influence: Option<Influence>,
}

/// How influencing work raises a change's chance (`[[changes]] influence`):
/// `p = base + (max − base) · E / (E + half_at)`, where `E` is the post-years
/// of filled influencing posts in `regions` paid by `funders`, from the
/// scenario's start to the month before the change's.
#[derive(Debug, Clone)]
pub struct Influence {
    pub max: Value,
    pub half_at: Value,
    pub regions: Vec<usize>,
    /// Spend-source names ([`Scenario::spend_sources`]); `None`: any funder.
    pub funders: Option<Vec<String>>,
}

/// A change to one successor of `[sustainability]`.
#[derive(Debug, Clone)]
pub struct ChangeSuccessor {
    /// Index into [`Scenario::successors`].
    pub index: usize,
    pub probability: Option<Value>,
    pub term_months: Option<u32>,
}

/// A funder's ledger (`[[funders]]`): its renewal budget and last month.
#[derive(Debug, Clone)]
pub struct FunderLedger {
    /// As grants and rounds spell it, or `other_funder`.
    pub name: String,
    /// £ a year for same_funder renewals of its posts (`None`: no limit),
    /// already scaled by `1 − share` of any member `without_funders` drops.
    pub renewal_budget: Option<Value>,
    /// Its last month, in months from the start (`None`: never stops).
    pub until: Option<i32>,
    /// Members of a pooled fund with their shares.
    pub members: Vec<(String, f64)>,
}

/// What a scenario is when compared with a base: something a funder or
/// the collaboration can do (an ask), or something that may happen to them
/// (a risk). `compare` ranks them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScenarioKind {
    #[default]
    Ask,
    Risk,
}

impl ScenarioKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ask => "ask",
            Self::Risk => "risk",
        }
    }
}

/// The validated scenario. Build it with [`crate::load`].
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// What the scenario is, in the author's words (`[scenario] note`), shown
    /// with the terminal headline and on the report's first screen.
    pub note: Option<String>,
    /// In a comparison, whether this is an ask or a risk (`[scenario] kind`).
    pub kind: ScenarioKind,
    /// What an ask costs beyond the posts it funds, £ (`[scenario] ask_cost`).
    pub ask_cost: Option<Value>,
    pub start: YearMonth,
    pub years: u32,
    pub runs: u64,
    pub seed: u64,
    pub wage_growth: Value,
    pub posts: PostParams,
    pub successors: Vec<Successor>,
    pub regions: Vec<Region>,
    /// Lower-triangular factor of the demand-noise correlation matrix
    /// (row-major, `regions.len()` squared), or `None` for independent regions.
    pub correlation_factor: Option<Vec<f64>>,
    pub grants: Vec<Grant>,
    pub rounds: Vec<Round>,
    pub changes: Vec<Change>,
    pub shocks: Vec<Shock>,
    /// Funders' budgets and end dates (`[[funders]]`).
    pub funders: Vec<FunderLedger>,
    /// Warnings found at load time (shown by `validate`, kept in the manifest).
    pub warnings: Vec<String>,
    /// A hash of the scenario after overlays (hex), for the manifest.
    pub hash: String,
    /// The files read, base first (the file given last), each with its text
    /// as read, so a results directory can keep a copy.
    pub files: Vec<(std::path::PathBuf, String)>,
    /// What each overlay of the chain changes in the files it extends.
    pub overlay_changes: Vec<OverlayChange>,
}

impl Scenario {
    pub fn months(&self) -> usize {
        self.years as usize * 12
    }

    /// Calendar label of model year `y` (the year in which it starts).
    pub fn year_label(&self, y: usize) -> i32 {
        YearMonth(self.start.0 + 12 * y as i32).year()
    }

    /// Spend sources in report order: each grant funder as first written,
    /// then round funders not already named, then the four successor sources.
    pub fn spend_sources(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for funder in self.grants.iter().map(|g| &g.funder).chain(self.rounds.iter().map(|r| &r.funder)) {
            if !out.contains(funder) {
                out.push(funder.clone());
            }
        }
        for s in SuccessorSource::ALL {
            if !out.iter().any(|o| o == s.as_str()) {
                out.push(s.as_str().to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_month_parses_and_rejects() {
        let d = YearMonth::parse("2025-04").unwrap();
        assert_eq!((d.year(), d.month()), (2025, 4));
        assert_eq!(d.to_string(), "2025-04");
        assert_eq!(YearMonth::parse("2026-01").unwrap().months_since(d), 9);
        for bad in ["2025-13", "2025-00", "2025-4", "25-04", "2025/04", "2025-04-01", "abcd-ef", ""] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
    }
}

/// What an overlay changes in the files it extends, for `validate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayChange {
    pub file: std::path::PathBuf,
    pub line: Option<usize>,
    /// The key or element, e.g. `regions.alpha.demand` or `grants.gmiau-2021`.
    pub key: String,
    pub what: OverlayChangeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayChangeKind {
    /// A key set (new, or replacing the base's value).
    Sets,
    /// An element with a new id, appended.
    Adds,
    /// An element of the base, with some of its keys replaced.
    Changes,
    /// An element of the base, dropped (`remove = true`).
    Removes,
}
