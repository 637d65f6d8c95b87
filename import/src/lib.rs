//! fundscape's importers: 360Giving grants into scenario `[[grants]]`
//! tables.
//!
//! ```text
//! file bytes ──decode──▶ text ──parse──▶ [GrantRecord] ──filter, place, estimate──▶ [Imported] ──render──▶ TOML
//! ```
//!
//! This crate knows the 360Giving Data Standard, the Home Office
//! local-authority file and the scenario's `[[grants]]` keys; it does not know
//! the model. It reads input files only ([`read_grants`]); writing is the
//! caller's.
//!
//! The rules (also in the README and in every table written):
//! - `id` is the 360Giving Identifier, each run of whitespace and control
//!   characters replaced by `-`;
//! - `funder` is the Funding Org name (else its identifier), with
//!   [`RENAMED`] after it if a scenario reserves the name
//!   ([`RESERVED_FUNDERS`]);
//! - `start` is the Planned Dates start date, else the Award Date;
//! - `months` is the planned duration when it is more than 0, else the
//!   months from the start to the Planned Dates end date, else
//!   [`DEFAULT_MONTHS`];
//! - `region` comes from the Beneficiary Location ([`RegionLookup`]);
//! - `posts` = annual amount (amount × 12 / months) over the full cost of a
//!   post, rounded to the nearest whole post, never below 0.

pub mod postcodes;
pub mod record;
pub mod regions;
pub mod text;

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;

pub use record::{decode, parse, Form, GrantRecord, ImportError, Location};
pub use regions::{region_id, LookupError, Placement, RegionLookup, REGIONS};
pub use text::Date;

/// Months of a grant whose file gives neither a duration nor an end date:
/// the collaboration's usual three-year term (domain.md).
pub const DEFAULT_MONTHS: u32 = 36;

/// Full annual cost of a post when neither `--post-cost` nor a scenario
/// gives one: £50,000, within data.md's £45k–£65k.
pub const DEFAULT_POST_COST: f64 = 50_000.0;

/// Funder names a scenario reserves, which it refuses for a grant: the
/// successor sources (`same_funder`, `other_funder`, `legal_aid`,
/// `local_authority`) and the sums of spend that comparisons report
/// (`funders`, `all`). A grant whose funder is named so is written with
/// [`RENAMED`] after the name, and the summary says so.
pub const RESERVED_FUNDERS: [&str; 6] =
    ["same_funder", "other_funder", "legal_aid", "local_authority", "funders", "all"];

/// What follows a reserved funder name when it is written: `all (funder)`.
pub const RENAMED: &str = " (funder)";

/// Which grants to keep, and how to turn them into posts.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keep grants whose Funding Org identifier equals this, or whose name
    /// contains it (case-insensitive).
    pub funder: Option<String>,
    /// Keep grants whose title, description, programme title or recipient
    /// name contains any of these words (case-insensitive). Empty: keep all.
    pub words: Vec<String>,
    /// Keep grants awarded on or after this date (the planned start when
    /// there is no award date).
    pub since: Option<Date>,
    /// Region for grants whose location cannot be placed (none: leave them
    /// out).
    pub fallback_region: Option<&'static str>,
    /// Full annual cost of one post, £.
    pub post_cost: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self { funder: None, words: Vec::new(), since: None, fallback_region: None, post_cost: DEFAULT_POST_COST }
    }
}

/// A kept grant, turned into the keys of a scenario's `[[grants]]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub record: GrantRecord,
    /// The scenario id: the Identifier with each run of whitespace and
    /// control characters replaced by `-` ([`text::scenario_id`]).
    pub id: String,
    /// The funder written: the record's, with [`RENAMED`] after it when a
    /// scenario reserves the name ([`RESERVED_FUNDERS`]).
    pub funder: String,
    /// The funder's name in the file, when it was renamed.
    pub renamed_from: Option<String>,
    /// `YYYY-MM`.
    pub start: String,
    pub start_rule: String,
    pub months: u32,
    pub months_rule: String,
    pub posts: u32,
    pub posts_rule: String,
    pub placement: Placement,
}

impl Imported {
    /// The region written, if any: the placed one, else the fallback.
    pub fn region<'a>(&'a self, options: &'a Options) -> Option<&'a str> {
        match &self.placement {
            Placement::Placed { region, .. } => Some(region),
            Placement::Unplaced { .. } => options.fallback_region,
        }
    }
}

/// What an import read, kept and placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub file: String,
    pub read: usize,
    pub kept: Vec<Imported>,
    /// Grants read but not in pounds sterling (left out, listed).
    pub other_currency: Vec<(String, String)>,
    /// Grants whose amount is more than a scenario allows (left out, listed
    /// with the amount).
    pub too_large: Vec<(String, f64)>,
}

/// The largest amount a scenario accepts (£; the loader's limit on money):
/// a grant above it is left out and listed, so the tables written always load.
pub const MAX_AMOUNT: f64 = 1e12;

impl Report {
    pub fn placed(&self) -> usize {
        self.kept.iter().filter(|g| matches!(g.placement, Placement::Placed { .. })).count()
    }

    pub fn unplaced(&self) -> impl Iterator<Item = (&Imported, &str)> {
        self.kept.iter().filter_map(|g| match &g.placement {
            Placement::Unplaced { reason } => Some((g, reason.as_str())),
            Placement::Placed { .. } => None,
        })
    }

    /// £ awarded over the kept grants.
    pub fn total_kept(&self) -> f64 {
        self.kept.iter().map(|g| g.record.amount).sum()
    }

    /// The summary for stderr: one line of counts, then one line per
    /// reserved funder name renamed in the grants written, then one line per
    /// grant that could not be placed, then the grants left out for their
    /// currency.
    pub fn summary(&self, options: &Options) -> String {
        let unplaced: Vec<_> = self.unplaced().collect();
        let mut out = format!(
            "{}: {} grants read, {} kept, {} placed, {} unplaced, total {} (kept grants)\n",
            self.file,
            self.read,
            self.kept.len(),
            self.placed(),
            unplaced.len(),
            text::pounds(self.total_kept())
        );
        // (name in the file, name written, grants): at most one entry per
        // reserved name.
        let mut renamed: Vec<(&str, &str, usize)> = Vec::new();
        for g in self.kept.iter().filter(|g| g.region(options).is_some()) {
            if let Some(from) = g.renamed_from.as_deref() {
                match renamed.iter_mut().find(|r| r.0 == from) {
                    Some(r) => r.2 += 1,
                    None => renamed.push((from, &g.funder, 1)),
                }
            }
        }
        for (from, to, n) in renamed {
            out.push_str(&format!(
                "funder `{from}` written as `{to}` in {n} grant{}: {}\n",
                if n == 1 { "" } else { "s" },
                reserved_reason(from)
            ));
        }
        if !unplaced.is_empty() {
            match options.fallback_region {
                Some(r) => out.push_str(&format!("unplaced, written to `{r}` (--region):\n")),
                None => out.push_str("unplaced, not written (--region REGION would place them):\n"),
            }
            for (g, reason) in unplaced {
                out.push_str(&format!("  {}: {reason}\n", g.id));
            }
        }
        for (id, currency) in &self.other_currency {
            out.push_str(&format!("  {id}: left out: amount in {currency}, not GBP\n"));
        }
        for (id, amount) in &self.too_large {
            out.push_str(&format!(
                "  {id}: left out: amount {} is more than {}, the most a scenario allows; check the file\n",
                text::pounds(*amount),
                text::pounds(MAX_AMOUNT)
            ));
        }
        out
    }
}

/// The largest 360Giving file read: 64 MB, several times the largest
/// funder's published file.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a 360Giving file (JSON or CSV, by its extension or first
/// character): a regular file of at most [`MAX_FILE_BYTES`].
///
/// # Errors
/// [`ImportError::Read`] if the file cannot be read; any other variant if it
/// is not a readable 360Giving file (including a FIFO, a device, a directory
/// or a file over the limit).
pub fn read_grants(path: &Path) -> Result<Vec<GrantRecord>, ImportError> {
    let file = path.display().to_string();
    let bytes = read_file(path, &file, MAX_FILE_BYTES)?;
    let text = decode(&bytes);
    parse(&file, &text, Form::guess(&file, &text))
}

/// The bytes of the regular file at `path`, at most `limit` of them.
///
/// The file is opened without blocking (a FIFO with no writer would hang the
/// open), checked through the opened handle (so it cannot be swapped after
/// the check) and read through `take(limit + 1)` (so a file that grows, or a
/// size that lies, is still refused rather than read without end).
fn read_file(path: &Path, file: &str, limit: u64) -> Result<Vec<u8>, ImportError> {
    let failed = |source| ImportError::Read { file: file.to_string(), source };
    let too_large = || ImportError::TooLarge { file: file.to_string(), limit };
    let handle = open_without_blocking(path).map_err(failed)?;
    let meta = handle.metadata().map_err(failed)?;
    if !meta.is_file() {
        return Err(ImportError::NotRegular { file: file.to_string() });
    }
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    handle.take(limit + 1).read_to_end(&mut bytes).map_err(failed)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: 0x4 on macOS and the BSDs, 0o4000 on Linux and the rest.
    let bsd = cfg!(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly"
    ));
    std::fs::OpenOptions::new().read(true).custom_flags(if bsd { 0x0004 } else { 0o4000 }).open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Why a funder name was renamed.
fn reserved_reason(name: &str) -> String {
    format!("a scenario reserves `{name}` (a successor source, or a sum of spend in comparisons)")
}

/// The funder a scenario can take for `g`, and its name in the file if that
/// had to change.
fn funder_written(g: &GrantRecord) -> (String, Option<String>) {
    let name = g.funder().trim();
    if RESERVED_FUNDERS.contains(&name) {
        (format!("{name}{RENAMED}"), Some(name.to_string()))
    } else {
        (name.to_string(), None)
    }
}

/// Whether `g` passes the filters of `options`.
pub fn keep(g: &GrantRecord, options: &Options) -> bool {
    if let Some(f) = &options.funder {
        let f = f.trim().to_lowercase();
        let by_id = g.funder_id.as_deref().is_some_and(|id| id.trim().to_lowercase() == f);
        let by_name = g.funder_name.as_deref().is_some_and(|n| n.to_lowercase().contains(&f));
        if !(by_id || by_name) {
            return false;
        }
    }
    if !options.words.is_empty() {
        let recipient = g.recipient.as_deref().unwrap_or("");
        let haystack =
            format!("{}\n{}\n{}\n{recipient}", g.title, g.description, g.programmes.join("\n")).to_lowercase();
        if !options.words.iter().any(|w| haystack.contains(&w.to_lowercase())) {
            return false;
        }
    }
    if let Some(since) = options.since {
        match g.award_date.or(g.planned_start) {
            Some(d) if d >= since => {}
            _ => return false,
        }
    }
    true
}

/// Turns a record into a scenario grant: start, months, posts and region,
/// each with the rule that gave it.
pub fn convert(g: &GrantRecord, lookup: &RegionLookup, options: &Options) -> Imported {
    let (start, start_rule) = match (g.planned_start, g.award_date) {
        (Some(s), _) => (s, format!("Planned Dates start date {s}")),
        (None, Some(a)) => (a, format!("Award Date {a} (no planned start date)")),
        // `parse` refuses a grant with neither.
        (None, None) => (Date { year: 1970, month: 1, day: 1 }, "no date".to_string()),
    };
    let (months, months_rule) = match (g.duration_months, g.planned_end) {
        (Some(d), _) if d > 0.0 => {
            let m = d.round().clamp(1.0, 1200.0) as u32;
            (m, format!("planned duration {d} months"))
        }
        (_, Some(end)) if end >= start => (start.months_until(end), format!("{start} to the planned end date {end}")),
        _ => (DEFAULT_MONTHS, format!("DEFAULT: no duration or end date in the file, {DEFAULT_MONTHS} months assumed")),
    };
    let annual = g.amount * 12.0 / f64::from(months);
    let exact = if options.post_cost > 0.0 { annual / options.post_cost } else { 0.0 };
    let posts = exact.round().clamp(0.0, 100_000.0) as u32;
    let posts_rule = format!(
        "{} a year ({} over {months} months) / {} a post = {exact:.2} -> {posts} (nearest whole post, never below 0)",
        text::pounds(annual),
        text::pounds(g.amount),
        text::pounds(options.post_cost)
    );
    let id = text::scenario_id(&g.identifier);
    let (funder, renamed_from) = funder_written(g);
    Imported {
        record: g.clone(),
        id,
        funder,
        renamed_from,
        start: start.year_month(),
        start_rule,
        months,
        months_rule,
        posts,
        posts_rule,
        placement: lookup.place_grant(&g.locations, g.recipient_postcode.as_deref(), g.recipient_locality.as_deref()),
    }
}

/// Filters and converts the grants of one file.
pub fn import(file: &str, grants: &[GrantRecord], lookup: &RegionLookup, options: &Options) -> Report {
    let mut kept = Vec::new();
    let mut other_currency = Vec::new();
    let mut too_large = Vec::new();
    for g in grants.iter().filter(|g| keep(g, options)) {
        match g.currency.as_deref() {
            Some(c) if !c.eq_ignore_ascii_case("GBP") => other_currency.push((g.identifier.clone(), c.to_string())),
            // Written so that a NaN amount counts as too large.
            _ if g.amount.partial_cmp(&MAX_AMOUNT).is_none_or(|o| o.is_gt()) => {
                too_large.push((g.identifier.clone(), g.amount))
            }
            _ => kept.push(convert(g, lookup, options)),
        }
    }
    Report { file: file.to_string(), read: grants.len(), kept, other_currency, too_large }
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Text for a one-line comment: its words (no line end, nor any control
/// character, which TOML forbids in a comment).
fn one_line(s: &str) -> String {
    text::words(s).collect::<Vec<_>>().join(" ")
}

/// An amount as a TOML number: whole pounds as an integer while f64 holds
/// them exactly (TOML integers end at 2^63, so `10000000000000000000` would
/// not load), else a float.
fn toml_amount(x: f64) -> String {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if x.fract() != 0.0 {
        x.to_string()
    } else if x.abs() < EXACT {
        format!("{x:.0}")
    } else {
        format!("{x:e}")
    }
}

/// Whether `text` is a file [`render`] wrote (its first line names the
/// importer), which `import grants --out` may replace; any other file is
/// the user's and is never overwritten.
pub fn is_rendered(text: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|l| l.starts_with("# Grants imported from ") && l.contains(" by fundscape (import grants "))
}

/// The `[[grants]]` tables of the kept grants that have a region (placed, or
/// the fallback), each with comments giving the rules that made its keys.
pub fn render(report: &Report, options: &Options, command: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Grants imported from {} by fundscape ({}).", one_line(&report.file), one_line(command));
    let _ = writeln!(
        out,
        "# {} grants read, {} kept, {} placed, {} unplaced; total {} in the kept grants.",
        report.read,
        report.kept.len(),
        report.placed(),
        report.kept.len() - report.placed(),
        text::pounds(report.total_kept())
    );
    let _ = writeln!(out, "# Rules: start = Planned Dates start date, else Award Date; months = planned duration,");
    let _ = writeln!(out, "# else start to planned end date, else {DEFAULT_MONTHS} (DEFAULT, stated on the grant);");
    let _ = writeln!(out, "# region = Beneficiary Location (geographic code or name) through the Home Office");
    let _ = writeln!(
        out,
        "# local-authority lookup (Asy_D11){};",
        match options.fallback_region {
            Some(r) => format!(", else `{r}` (--region)"),
            None => ", unplaced grants left out".to_string(),
        }
    );
    let _ = writeln!(
        out,
        "# posts = (amount x 12 / months) / {} a post, nearest whole post, never below 0",
        text::pounds(options.post_cost)
    );
    let _ = writeln!(out, "# (all advice posts: 360Giving does not tell advice from influencing work).");
    for g in &report.kept {
        let Some(region) = g.region(options) else { continue };
        let r = &g.record;
        out.push('\n');
        let _ = writeln!(
            out,
            "# {}{}",
            one_line(if r.title.is_empty() { "(no title)" } else { &r.title }),
            r.recipient.as_deref().map(|n| format!(", to {}", one_line(n))).unwrap_or_default()
        );
        let region_rule = match &g.placement {
            Placement::Placed { how, .. } => how.clone(),
            Placement::Unplaced { reason } => format!("FALLBACK (--region): {reason}"),
        };
        let _ = writeln!(out, "# region: {}", one_line(&region_rule));
        let _ = writeln!(out, "# start: {}; months: {}", g.start_rule, g.months_rule);
        let _ = writeln!(out, "# posts: {}", g.posts_rule);
        if let Some(from) = &g.renamed_from {
            let _ = writeln!(out, "# funder: RENAMED from `{from}`: {}", reserved_reason(from));
        }
        let _ = writeln!(out, "[[grants]]");
        let _ = writeln!(out, "id = {}", quoted(&g.id));
        let _ = writeln!(out, "funder = {}", quoted(&g.funder));
        let _ = writeln!(out, "region = {}", quoted(region));
        let _ = writeln!(out, "start = {}", quoted(&g.start));
        let _ = writeln!(out, "months = {}", g.months);
        let _ = writeln!(out, "posts = {}", g.posts);
        let _ = writeln!(out, "amount = {}", toml_amount(r.amount.max(0.0)));
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy as _;

    use super::*;

    fn record(json: &str) -> GrantRecord {
        match parse("t.json", &format!("{{\"grants\": [{json}]}}"), Form::Json) {
            Ok(mut v) => v.remove(0),
            Err(e) => panic!("{e}"),
        }
    }

    /// The Home Office lookup, built once for all the tests.
    fn lookup() -> &'static RegionLookup {
        static LOOKUP: std::sync::OnceLock<RegionLookup> = std::sync::OnceLock::new();
        LOOKUP.get_or_init(|| match RegionLookup::home_office() {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        })
    }

    /// Text with the characters that could break TOML: line ends, NUL, DEL,
    /// escapes, C1 controls, separators, quotes, `#`, and any other.
    fn awkward() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::prop_oneof![
            "[\\x00-\\x20\\x7f-\\x9f\"'\\\\#=\\[\\]a\u{a0}\u{2028}\u{feff}é£Â]{0,16}",
            proptest::arbitrary::any::<String>(),
        ]
    }

    proptest::proptest! {
        /// Whatever text a grant's fields, the file name or the command
        /// hold, and whatever its amount up to the most a scenario allows
        /// (larger ones are left out: `tests/all/import.rs`), the tables written parse as
        /// TOML, with the amount, id and funder meant, an id a scenario
        /// accepts and a funder it does not reserve.
        #[test]
        fn any_text_gives_tables_that_parse(
            title in awkward(), description in awkward(), recipient in awkward(), place in awkward(),
            identifier in awkward(), file in awkward(), command in awkward(),
            amount in proptest::prop_oneof![0.0..=MAX_AMOUNT, (0u64..=MAX_AMOUNT as u64).prop_map(|n| n as f64)],
            funder in proptest::prop_oneof![
                proptest::sample::select(RESERVED_FUNDERS.to_vec()).prop_map(String::from),
                awkward().prop_map(|t| format!("F{t}")),
            ],
        ) {
            let grant = serde_json::json!({
                "id": format!("360G{identifier}"), "title": title, "description": description,
                "amountAwarded": format!("{amount}"), "awardDate": "2020-01-01",
                "fundingOrganization": [{"name": funder}],
                "recipientOrganization": [{"name": recipient}],
                "beneficiaryLocation": [{"name": place}],
            });
            let grants = parse(&file, &serde_json::json!({"grants": [grant]}).to_string(), Form::Json);
            let grants = grants.map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let o = Options { fallback_region: Some("london"), ..Options::default() };
            let report = import(&file, &grants, lookup(), &o);
            let text = render(&report, &o, &command);
            let parsed: toml::Table = text.parse().map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}\n{text}")))?;
            let tables = parsed["grants"].as_array().cloned().unwrap_or_default();
            proptest::prop_assert_eq!(tables.len(), 1);
            let id = tables[0]["id"].as_str().unwrap_or_default();
            proptest::prop_assert_eq!(id, report.kept[0].id.as_str());
            proptest::prop_assert!(!id.is_empty() && !id.chars().any(|c| c.is_whitespace() || c.is_control()), "{id:?}");
            let written = match &tables[0]["amount"] {
                toml::Value::Integer(n) => *n as f64,
                toml::Value::Float(x) => *x,
                other => return Err(proptest::test_runner::TestCaseError::fail(format!("amount {other}"))),
            };
            proptest::prop_assert_eq!(written, amount);
            let written = tables[0]["funder"].as_str().unwrap_or_default();
            proptest::prop_assert_eq!(written, report.kept[0].funder.as_str());
            proptest::prop_assert!(!RESERVED_FUNDERS.contains(&written), "{written}");
            let renamed = RESERVED_FUNDERS.contains(&funder.as_str());
            proptest::prop_assert_eq!(written == grants[0].funder(), !renamed);
        }
    }

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let path = dir.join("g.json");
        std::fs::write(&path, "{\"grants\": []}").unwrap();
        assert_eq!(read_file(&path, "g.json", 14).unwrap(), b"{\"grants\": []}");
        let e = read_file(&path, "g.json", 13).unwrap_err();
        assert!(matches!(e, ImportError::TooLarge { limit: 13, .. }), "{e}");
        assert!(e.is_bad_input());
        let e = read_file(dir, "dir", 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            "dir: not a regular file (a directory, device or pipe); give the path of a 360Giving file"
        );
        assert!(e.is_bad_input());
        #[cfg(unix)]
        assert!(matches!(read_file(Path::new("/dev/zero"), "z", 100), Err(ImportError::NotRegular { .. })));
        let e = read_file(&dir.join("none.json"), "none.json", 100).unwrap_err();
        assert!(matches!(e, ImportError::Read { .. }) && !e.is_bad_input(), "{e}");
    }

    #[test]
    fn start_months_and_posts_follow_the_stated_rules() {
        let l = lookup();
        let o = Options::default();
        let g = convert(
            &record(
                r#"{"id": "360G X 1", "amountAwarded": 150000, "awardDate": "2021-03-10", "fundingOrganization": [{"name": "F"}],
                    "plannedDates": [{"startDate": "2021-04-01", "endDate": "2024-03-31"}], "beneficiaryLocation": [{"name": "Leeds"}]}"#,
            ),
            l,
            &o,
        );
        assert_eq!((g.id.as_str(), g.start.as_str(), g.months, g.posts), ("360G-X-1", "2021-04", 36, 1));
        assert_eq!(
            g.posts_rule,
            "£50,000 a year (£150,000 over 36 months) / £50,000 a post = 1.00 -> 1 (nearest whole post, never below 0)"
        );
        assert_eq!(
            g.placement,
            Placement::Placed {
                region: "yorkshire-humber",
                how: "local authority `Leeds` in the Home Office lookup".into()
            }
        );
        // No dates but the award: the default term, stated.
        let g = convert(
            &record(
                r#"{"id": "A", "amountAwarded": 10000, "awardDate": "17/03/2014", "fundingOrganization": [{"name": "F"}]}"#,
            ),
            l,
            &o,
        );
        assert_eq!((g.start.as_str(), g.months, g.posts), ("2014-03", 36, 0));
        assert_eq!(g.months_rule, "DEFAULT: no duration or end date in the file, 36 months assumed");
        // A duration of 0 falls back to the end date; a short, rich grant is many posts.
        let g = convert(
            &record(
                r#"{"id": "B", "amountAwarded": 30000, "awardDate": "2016-03-17", "fundingOrganization": [{"name": "F"}],
                    "plannedDates": [{"startDate": "2016-04-08", "endDate": "2016-06-20", "duration": 0}]}"#,
            ),
            l,
            &Options { post_cost: 45000.0, ..Options::default() },
        );
        assert_eq!((g.months, g.posts), (2, 4), "{}", g.posts_rule);
        // A negative amount (a revocation) is never negative posts.
        let g = convert(
            &record(
                r#"{"id": "C", "amountAwarded": -5000, "awardDate": "2020-01-01", "fundingOrganization": [{"name": "F"}]}"#,
            ),
            l,
            &o,
        );
        assert_eq!(g.posts, 0);
    }

    #[test]
    fn reserved_funder_names_are_renamed_and_said_so() {
        let grant = |id: &str, funder: &str| {
            record(&format!(
                r#"{{"id": "{id}", "amountAwarded": 1, "awardDate": "2020-01-01", "fundingOrganization": [{{"name": "{funder}"}}],
                    "beneficiaryLocation": [{{"name": "Wales"}}]}}"#
            ))
        };
        let grants = [grant("A", "all"), grant("B", "legal_aid"), grant("C", " all "), grant("D", "All")];
        let o = Options::default();
        let report = import("t.json", &grants, lookup(), &o);
        let funders: Vec<(&str, Option<&str>)> =
            report.kept.iter().map(|g| (g.funder.as_str(), g.renamed_from.as_deref())).collect();
        assert_eq!(
            funders,
            [
                ("all (funder)", Some("all")),
                ("legal_aid (funder)", Some("legal_aid")),
                ("all (funder)", Some("all")),
                ("All", None)
            ]
        );
        assert_eq!(
            report.summary(&o),
            "t.json: 4 grants read, 4 kept, 4 placed, 0 unplaced, total £4 (kept grants)\n\
             funder `all` written as `all (funder)` in 2 grants: a scenario reserves `all` (a successor source, or a sum of spend in comparisons)\n\
             funder `legal_aid` written as `legal_aid (funder)` in 1 grant: a scenario reserves `legal_aid` (a successor source, or a sum of spend in comparisons)\n"
        );
        let text = render(&report, &o, "test");
        assert!(
            text.contains(
                "# funder: RENAMED from `legal_aid`: a scenario reserves `legal_aid` (a successor source, or a sum of spend in comparisons)\n\
                 [[grants]]\nid = \"B\"\nfunder = \"legal_aid (funder)\"\n"
            ),
            "{text}"
        );
        assert_eq!(text.matches("RENAMED").count(), 3);
    }

    #[test]
    fn filters_by_funder_words_and_date() {
        let g = record(
            r#"{"id": "A", "title": "Core costs", "description": "Immigration advice in Leeds", "amountAwarded": 1,
                "awardDate": "2020-06-01", "fundingOrganization": [{"id": "GB-CHC-258583", "name": "The Baring Foundation"}],
                "grantProgramme": [{"title": "STVS Advice Provider"}], "recipientOrganization": [{"name": "Aid Unit"}]}"#,
        );
        let with = |o: Options| keep(&g, &o);
        assert!(with(Options { funder: Some("baring".into()), ..Options::default() }));
        assert!(with(Options { funder: Some("gb-chc-258583".into()), ..Options::default() }));
        assert!(
            !with(Options { funder: Some("GB-CHC-25858".into()), ..Options::default() }),
            "identifiers match whole"
        );
        assert!(with(Options { words: vec!["asylum".into(), "IMMIGRATION".into()], ..Options::default() }));
        assert!(with(Options { words: vec!["stvs".into()], ..Options::default() }), "programme title");
        assert!(with(Options { words: vec!["aid unit".into()], ..Options::default() }), "recipient name");
        assert!(!with(Options { words: vec!["asylum".into()], ..Options::default() }));
        assert!(with(Options { since: Date::parse("2020-06-01"), ..Options::default() }));
        assert!(!with(Options { since: Date::parse("2020-06-02"), ..Options::default() }));
    }

    #[test]
    fn rendered_tables_quote_ids_and_skip_unplaced_grants() {
        let l = lookup();
        let grants = vec![
            record(
                r#"{"id": "360G-\"q\"", "title": "Two\nlines", "amountAwarded": 1000.5, "awardDate": "2020-01-01",
                      "fundingOrganization": [{"name": "F "}], "beneficiaryLocation": [{"name": "Wales"}]}"#,
            ),
            record(
                r#"{"id": "B", "amountAwarded": 1, "awardDate": "2020-01-01", "fundingOrganization": [{"name": "F"}]}"#,
            ),
        ];
        let o = Options::default();
        let report = import("t.json", &grants, l, &o);
        let text = render(&report, &o, "test");
        assert!(text.contains("# Two lines\n# region: region name `Wales`\n"), "{text}");
        assert!(text.contains("[[grants]]\nid = '360G-\"q\"'\nfunder = \"F\"\nregion = \"wales\"\nstart = \"2020-01\"\nmonths = 36\nposts = 0\namount = 1000.5\n"), "{text}");
        assert_eq!(text.matches("[[grants]]").count(), 1);
        let parsed: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(e) => panic!("{e}\n{text}"),
        };
        assert_eq!(parsed["grants"].as_array().map(Vec::len), Some(1));
        let o = Options { fallback_region: Some("london"), ..Options::default() };
        let text = render(&report, &o, "test");
        assert!(text.contains("# region: FALLBACK (--region): no beneficiary location\n"), "{text}");
        assert_eq!(
            report.summary(&o),
            "t.json: 2 grants read, 2 kept, 1 placed, 1 unplaced, total £1,001.50 (kept grants)\nunplaced, written to `london` (--region):\n  B: no beneficiary location\n"
        );
    }
}
