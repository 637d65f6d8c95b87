//! 360Giving files (JSON packages and flat CSV) read into typed grant
//! records.
//!
//! Both forms are first turned into the same tree of `serde_json::Value`s
//! (a flat CSV column `Planned Dates:Duration (months)` becomes
//! `{"planned dates": {"duration (months)": …}}`), and keys are compared in a
//! reduced form (lower case, letters and digits only: [`crate::text::key`]),
//! so the camelCase of the JSON schema, the human titles of flat files and
//! older spellings such as `"Planned Dates": {"Duration months": "12"}` are
//! read by one set of rules.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::text::{self, Date, Duration};

/// A beneficiary location as the file gives it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub name: Option<String>,
    /// A GSS code such as `E08000025` (`geoCode` / `Geographic Code`).
    pub code: Option<String>,
    /// `LAD`, `WD`, `LSOA`, … (`geoCodeType` / `Geographic Code Type`).
    pub code_type: Option<String>,
    /// ISO country code, e.g. `GB`.
    pub country: Option<String>,
}

/// One grant, with the fields fundscape uses, text repaired.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantRecord {
    /// Position in the file, from 1.
    pub number: usize,
    /// Line in a CSV file where the record starts.
    pub line: Option<u64>,
    pub identifier: String,
    pub title: String,
    pub description: String,
    pub programmes: Vec<String>,
    pub currency: Option<String>,
    pub amount: f64,
    pub award_date: Option<Date>,
    pub planned_start: Option<Date>,
    pub planned_end: Option<Date>,
    /// Planned duration in months, as written (may be 0 or fractional).
    pub duration_months: Option<f64>,
    pub funder_id: Option<String>,
    pub funder_name: Option<String>,
    pub recipient: Option<String>,
    /// The recipient organisation's postcode (`Recipient Org:Postal Code`).
    pub recipient_postcode: Option<String>,
    /// The recipient organisation's town or city (`Recipient Org:Address Locality`).
    pub recipient_locality: Option<String>,
    pub locations: Vec<Location>,
}

impl GrantRecord {
    /// The funder as a scenario names it: the Funding Org name, else its
    /// identifier.
    pub fn funder(&self) -> &str {
        self.funder_name.as_deref().or(self.funder_id.as_deref()).unwrap_or("")
    }
}

/// Why a file could not be imported. Every variant but `Read` is bad input.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: cannot read the file: {source}")]
    Read { file: String, source: std::io::Error },
    #[error("{file}: not a regular file (a directory, device or pipe); give the path of a 360Giving file")]
    NotRegular { file: String },
    #[error("{file}: larger than the limit of {} MB", limit / (1024 * 1024))]
    TooLarge { file: String, limit: u64 },
    #[error("{file}:{line}:{column}: invalid JSON: {message}")]
    Json { file: String, line: usize, column: usize, message: String },
    #[error("{file}{}: invalid CSV: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Csv { file: String, line: Option<u64>, message: String },
    #[error("{file}: {message}")]
    Shape { file: String, message: String },
    #[error("{file}{}: grant {number}{}: {field}: {message}",
        line.map(|l| format!(":{l}")).unwrap_or_default(),
        identifier.as_ref().map(|i| format!(" ({i})")).unwrap_or_default())]
    Record {
        file: String,
        line: Option<u64>,
        number: usize,
        identifier: Option<String>,
        field: &'static str,
        message: String,
    },
}

impl ImportError {
    /// True when the input is at fault (exit status 2), false for I/O (1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ImportError::Read { .. })
    }
}

/// The form of a 360Giving file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Json,
    Csv,
}

impl Form {
    /// From the file name (`.json` or `.csv`), else from the first
    /// non-blank character (`{` or `[` is JSON).
    pub fn guess(file: &str, text: &str) -> Form {
        let lower = file.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Form::Json
        } else if lower.ends_with(".csv") {
            Form::Csv
        } else if text.trim_start().starts_with(['{', '[']) {
            Form::Json
        } else {
            Form::Csv
        }
    }
}

/// Decodes file bytes: UTF-8 (a byte-order mark is dropped), or, when that
/// fails, Latin-1 byte for byte (older exports), so that a flat file saved
/// from a spreadsheet still reads.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Reads the grants of a 360Giving file's text. `file` names it in errors.
///
/// # Errors
/// Invalid JSON or CSV, a package without a `grants` array, or a grant
/// without an identifier, a funder, an amount or a date, or with a value
/// that cannot be read (the error names the grant and the field).
pub fn parse(file: &str, text: &str, form: Form) -> Result<Vec<GrantRecord>, ImportError> {
    let trees = match form {
        Form::Json => json_trees(file, text)?,
        Form::Csv => csv_trees(file, text)?,
    };
    let mut grants: Vec<GrantRecord> = Vec::with_capacity(trees.len());
    // Scenario id → index of the grant that has it (a search through the
    // grants before each made 30,000 grants take seconds). Ids, not
    // Identifiers: `A B` and `A-B` are one id, which a scenario refuses twice.
    let mut firsts: HashMap<String, usize> = HashMap::with_capacity(trees.len());
    for (i, (tree, line)) in trees.iter().enumerate() {
        let g = record(file, i + 1, *line, tree)?;
        let id = text::scenario_id(&g.identifier);
        if let Some(&first) = firsts.get(&id) {
            let first = &grants[first];
            let message = if first.identifier == g.identifier {
                format!("the same Identifier as grant {}; every grant needs its own", first.number)
            } else {
                format!(
                    "gives the scenario id `{id}`, as grant {} (`{}`) does (whitespace and control characters become `-`); every grant needs its own",
                    first.number, first.identifier
                )
            };
            return Err(ImportError::Record {
                file: file.to_string(),
                line: g.line,
                number: g.number,
                identifier: Some(g.identifier.clone()),
                field: "Identifier",
                message,
            });
        }
        firsts.insert(id, grants.len());
        grants.push(g);
    }
    Ok(grants)
}

fn json_trees(file: &str, text: &str) -> Result<Vec<(Value, Option<u64>)>, ImportError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ImportError::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
    })?;
    let shape = |message: &str| ImportError::Shape { file: file.to_string(), message: message.to_string() };
    let grants = match value {
        Value::Array(a) => a,
        Value::Object(mut o) => match o.remove("grants") {
            Some(Value::Array(a)) => a,
            Some(_) => return Err(shape("`grants` must be an array of grants")),
            None => return Err(shape("no `grants` array; a 360Giving JSON file is an object {\"grants\": [...]}")),
        },
        _ => return Err(shape("a 360Giving JSON file is an object {\"grants\": [...]}")),
    };
    Ok(grants.into_iter().map(|g| (g, None)).collect())
}

/// A flat file's rows as trees: each column title is split on `:` and
/// nested; a numeric part (`Beneficiary Location:1:Name`) indexes a list.
fn csv_trees(file: &str, text: &str) -> Result<Vec<(Value, Option<u64>)>, ImportError> {
    let mut lines = Lines::new(text);
    let csv_err = |e: csv::Error, lines: &mut Lines| ImportError::Csv {
        file: file.to_string(),
        line: e.position().map(|p| lines.at(p.byte())),
        message: match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                format!("a row has {len} fields where the header has {expected_len}")
            }
            _ => e.to_string(),
        },
    };
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let paths = column_paths(reader.headers().map_err(|e| csv_err(e, &mut lines))?);
    if !paths.iter().flatten().any(|p| matches!(p.as_slice(), [Part::Key(k)] if text::key(k) == "identifier")) {
        return Err(ImportError::Shape {
            file: file.to_string(),
            message: "no `Identifier` column; a 360Giving flat file has a header row of column titles".into(),
        });
    }
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_err(e, &mut lines))?;
        let line = row.position().map(|p| lines.at(p.byte()));
        let mut tree = Value::Object(Map::new());
        for (path, cell) in paths.iter().zip(row.iter()) {
            if let Some(path) = path {
                if !cell.trim().is_empty() {
                    insert(&mut tree, path, Value::String(cell.to_string()));
                }
            }
        }
        out.push((tree, line));
    }
    Ok(out)
}

/// Line numbers of byte offsets in a text. Lines are counted from byte
/// offsets because the csv crate's own line numbers lag by one in files with
/// CRLF line ends, where a record's offset can point at the end of the line
/// before it. The count goes on from the offset asked for last, so numbering
/// every record of a file reads it once (counting from the start each time
/// made a file of 30,000 grants take 18 s).
struct Lines<'a> {
    bytes: &'a [u8],
    /// The offset asked for last, and its line.
    offset: usize,
    line: u64,
    /// Bytes looked at so far, for the test that the count is linear.
    looked_at: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self { bytes: text.as_bytes(), offset: 0, line: 1, looked_at: 0 }
    }

    /// The line of the first byte at or after `byte` that does not end a
    /// line.
    fn at(&mut self, byte: u64) -> u64 {
        let bytes = self.bytes;
        let start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        let end = start + bytes[start..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        if end < self.offset {
            (self.offset, self.line) = (0, 1);
        }
        self.line += bytes[self.offset..end].iter().filter(|b| **b == b'\n').count() as u64;
        self.looked_at += (end - self.offset) + (end - start);
        self.offset = end;
        self.line
    }
}

/// Column titles with more `:` parts than this are left out: no field the
/// importer reads lies deeper (the deepest,
/// `Recipient Org:0:Beneficiary Location:0:Geographic Code`, has five).
const MAX_COLUMN_PARTS: usize = 8;

/// A part of a column title: an object key, or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Part {
    Key(String),
    Index(usize),
}

/// The paths of a header's column titles, split on `:` (`None` for a title
/// of more than [`MAX_COLUMN_PARTS`] parts). A list index is the rank of its
/// number among the numbers the header uses for that list, so a list has one
/// item per number used: `Beneficiary Location:7:Name` alone is one
/// location, not seven empty ones before it.
fn column_paths(titles: &csv::StringRecord) -> Vec<Option<Vec<Part>>> {
    let mut paths: Vec<Option<Vec<Part>>> = titles
        .iter()
        .map(|title| {
            let parts: Vec<&str> = title.splitn(MAX_COLUMN_PARTS + 1, ':').collect();
            (parts.len() <= MAX_COLUMN_PARTS).then(|| {
                parts
                    .iter()
                    .map(|p| match p.trim().parse::<usize>() {
                        Ok(i) => Part::Index(i),
                        Err(_) => Part::Key(p.trim().to_string()),
                    })
                    .collect()
            })
        })
        .collect();
    // Level by level, so that the lists at one level are told apart by the
    // ranks already given above them.
    for depth in 0..MAX_COLUMN_PARTS {
        let mut used: HashMap<&[Part], Vec<usize>> = HashMap::new();
        for path in paths.iter().flatten() {
            if let Some(Part::Index(i)) = path.get(depth) {
                used.entry(&path[..depth]).or_default().push(*i);
            }
        }
        for numbers in used.values_mut() {
            numbers.sort_unstable();
            numbers.dedup();
        }
        let ranks: Vec<Option<usize>> = paths
            .iter()
            .map(|path| match path.as_ref()?.get(depth)? {
                Part::Index(i) => used.get(&path.as_ref()?[..depth])?.binary_search(i).ok(),
                Part::Key(_) => None,
            })
            .collect();
        for (path, rank) in paths.iter_mut().zip(ranks) {
            if let (Some(path), Some(rank)) = (path, rank) {
                path[depth] = Part::Index(rank);
            }
        }
    }
    paths
}

/// Sets the value at `path` in `tree`, making the objects and lists on the
/// way (a loop, not recursion: a title's depth is the file's to choose).
fn insert(tree: &mut Value, path: &[Part], leaf: Value) {
    let mut node = tree;
    for part in path {
        node = match part {
            Part::Index(i) => {
                if !node.is_array() {
                    *node = Value::Array(Vec::new());
                }
                let Value::Array(items) = node else { return };
                if items.len() <= *i {
                    items.resize(i + 1, Value::Object(Map::new()));
                }
                &mut items[*i]
            }
            Part::Key(k) => {
                if !node.is_object() {
                    *node = Value::Object(Map::new());
                }
                let Value::Object(map) = node else { return };
                map.entry(k.clone()).or_insert(Value::Null)
            }
        };
    }
    *node = leaf;
}

/// The first member of an object whose reduced key is one of `names`.
fn field<'a>(node: &'a Value, names: &[&str]) -> Option<&'a Value> {
    let Value::Object(map) = node else { return None };
    names.iter().find_map(|n| map.iter().find(|(k, v)| text::key(k) == *n && !v.is_null()).map(|(_, v)| v))
}

/// A nested object or list of objects (360Giving JSON uses lists, older
/// files single objects).
/// A file may give both spellings (`"Planned Dates": {…}` beside
/// `"plannedDates": […]`): the objects of every matching key are returned,
/// in the order of `names`, then of the file.
fn items<'a>(node: &'a Value, names: &[&str]) -> Vec<&'a Value> {
    let Value::Object(map) = node else { return Vec::new() };
    let mut out = Vec::new();
    for n in names {
        for (_, v) in map.iter().filter(|(k, _)| text::key(k) == *n) {
            match v {
                Value::Array(a) => out.extend(a.iter().filter(|v| v.is_object())),
                Value::Object(_) => out.push(v),
                _ => {}
            }
        }
    }
    out
}

/// A scalar as text (numbers as written), repaired; `None` if empty.
fn scalar(node: Option<&Value>) -> Option<String> {
    let s = match node? {
        Value::String(s) => text::repair(s).trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// The first of `objects` that has one of `names`.
fn first_scalar(objects: &[&Value], names: &[&str]) -> Option<String> {
    objects.iter().find_map(|o| scalar(field(o, names)))
}

fn location(l: &Value) -> Location {
    Location {
        name: scalar(field(l, &["name"])),
        code: scalar(field(l, &["geocode", "geographiccode"])),
        code_type: scalar(field(l, &["geocodetype", "geographiccodetype"])),
        country: scalar(field(l, &["countrycode"])),
    }
}

fn record(file: &str, number: usize, line: Option<u64>, g: &Value) -> Result<GrantRecord, ImportError> {
    // An Identifier of nothing but control characters is as good as none.
    let identifier = scalar(field(g, &["identifier", "id"])).filter(|i| !text::scenario_id(i).is_empty());
    let fail = |field: &'static str, message: String| ImportError::Record {
        file: file.to_string(),
        line,
        number,
        identifier: identifier.clone(),
        field,
        message,
    };
    if !g.is_object() {
        return Err(fail("grant", "is not an object of fields".into()));
    }
    let Some(id) = identifier.clone() else {
        return Err(fail("Identifier", "missing; every 360Giving grant has an Identifier".into()));
    };
    let amount_text = scalar(field(g, &["amountawarded"])).ok_or_else(|| fail("Amount Awarded", "missing".into()))?;
    let amount = text::money(&amount_text)
        .ok_or_else(|| fail("Amount Awarded", format!("`{amount_text}` is not an amount of money")))?;
    let date = |value: Option<String>, name: &'static str| -> Result<Option<Date>, ImportError> {
        match value {
            None => Ok(None),
            Some(t) => Date::parse(&t)
                .map(Some)
                .ok_or_else(|| fail(name, format!("`{t}` is not a date; write YYYY-MM-DD (or DD/MM/YYYY)"))),
        }
    };
    let award_date = date(scalar(field(g, &["awarddate"])), "Award Date")?;
    let planned = items(g, &["planneddates"]);
    let planned_start = date(first_scalar(&planned, &["startdate"]), "Planned Dates:Start Date")?;
    let planned_end = date(first_scalar(&planned, &["enddate"]), "Planned Dates:End Date")?;
    let duration_months = match first_scalar(&planned, &["durationmonths", "duration"]) {
        None => None,
        Some(t) => match text::duration(&t) {
            Some(Duration::Months(m)) => Some(m),
            Some(Duration::Absent) => None,
            None => {
                return Err(fail(
                    "Planned Dates:Duration (months)",
                    format!("`{t}` is not a number of months (write e.g. 12 or \"12 months\")"),
                ))
            }
        },
    };
    if award_date.is_none() && planned_start.is_none() {
        return Err(fail("Award Date", "missing, and no Planned Dates:Start Date either; a grant needs a date".into()));
    }
    let funders = items(g, &["fundingorganization", "fundingorganisation", "fundingorg"]);
    // A funder's name is one line of plain text in a scenario: control
    // characters and runs of white space become single spaces.
    let one_line = |x: String| Some(text::words(&x).collect::<Vec<_>>().join(" ")).filter(|x| !x.is_empty());
    let funder_id = first_scalar(&funders, &["identifier", "id"]).and_then(one_line);
    let funder_name = first_scalar(&funders, &["name"]).and_then(one_line);
    if funder_id.is_none() && funder_name.is_none() {
        return Err(fail("Funding Org", "missing; a grant needs its funder's Identifier or Name".into()));
    }
    let recipients = items(g, &["recipientorganization", "recipientorganisation", "recipientorg"]);
    let mut locations: Vec<Location> = items(g, &["beneficiarylocation"]).into_iter().map(location).collect();
    // Older files put the location under the recipient
    // (`"Recipient Org Beneficiary Location": {"Name": …}`); read it when
    // the grant gives no named or coded location of its own.
    if !locations.iter().any(|l| l.name.is_some() || l.code.is_some()) {
        let older: Vec<&Value> = items(g, &["recipientorgbeneficiarylocation"])
            .into_iter()
            .chain(recipients.iter().flat_map(|r| items(r, &["beneficiarylocation"])))
            .collect();
        locations.extend(older.into_iter().map(location));
    }
    Ok(GrantRecord {
        number,
        line,
        identifier: id,
        title: scalar(field(g, &["title"])).unwrap_or_default(),
        description: scalar(field(g, &["description"])).unwrap_or_default(),
        programmes: items(g, &["grantprogramme"]).into_iter().filter_map(|p| scalar(field(p, &["title"]))).collect(),
        currency: scalar(field(g, &["currency"])),
        amount,
        award_date,
        planned_start,
        planned_end,
        duration_months,
        funder_id,
        funder_name,
        recipient: first_scalar(&recipients, &["name"]),
        recipient_postcode: first_scalar(&recipients, &["postalcode", "postcode"]),
        recipient_locality: first_scalar(&recipients, &["addresslocality", "locality", "city"]),
        locations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(json: &str) -> Result<GrantRecord, ImportError> {
        parse("t.json", &format!("{{\"grants\": [{json}]}}"), Form::Json).map(|mut v| v.remove(0))
    }

    const BASE: &str = r#""id": "360G-X-1", "amountAwarded": 1200, "awardDate": "2020-04-01",
        "fundingOrganization": [{"id": "GB-CHC-1", "name": "Funder"}]"#;

    #[test]
    fn older_spellings_read_like_the_schema() {
        let g = one(&format!(
            r#"{{{BASE}, "Planned Dates": {{"Duration months": "12"}}, "Recipient Org Beneficiary Location": {{"Name": "North West"}}}}"#
        ))
        .unwrap();
        assert_eq!(g.duration_months, Some(12.0));
        assert_eq!(g.locations, vec![Location { name: Some("North West".into()), ..Location::default() }]);
        let g =
            one(&format!(r#"{{{BASE}, "plannedDates": [{{"duration": 24, "startDate": "2020-05-01"}}]}}"#)).unwrap();
        assert_eq!((g.duration_months, g.planned_start.map(Date::year_month)), (Some(24.0), Some("2020-05".into())));
    }

    /// A funder's name or identifier with control characters or a line
    /// break becomes one line of plain text, as a scenario requires.
    #[test]
    fn a_funder_name_becomes_one_line_of_plain_text() {
        let g = one(r#"{"id": "360G-X-1", "amountAwarded": 1, "awardDate": "2020-04-01",
                "fundingOrganization": [{"id": "GB\u001b-1", "name": "Bell\u0007 Trust\nLine "}]}"#)
        .unwrap();
        assert_eq!((g.funder(), g.funder_id.as_deref()), ("Bell Trust Line", Some("GB -1")));
        let g = one(r#"{"id": "360G-X-1", "amountAwarded": 1, "awardDate": "2020-04-01",
                "fundingOrganization": [{"id": "GB-1", "name": "\u0007"}]}"#)
        .unwrap();
        assert_eq!(g.funder(), "GB-1");
    }

    #[test]
    fn flat_csv_columns_nest_on_colons() {
        let csv = "Identifier,Amount Awarded,Award Date,Funding Org:Name,Planned Dates:Duration (months),Beneficiary Location:Name,Beneficiary Location:Geographic Code\n\
                   360G-Y-1,\"£1,000\",01/02/2019,Trust,12 months,Leeds,E08000035\n";
        let g = parse("t.csv", csv, Form::Csv).unwrap().remove(0);
        assert_eq!(g.amount, 1000.0);
        assert_eq!(g.funder(), "Trust");
        assert_eq!(g.duration_months, Some(12.0));
        assert_eq!(g.line, Some(2));
        let crlf = csv.replace('\n', "\r\n");
        assert_eq!(parse("t.csv", &crlf, Form::Csv).unwrap()[0].line, Some(2), "CRLF line ends");
        assert_eq!(g.locations[0].code.as_deref(), Some("E08000035"));
    }

    #[test]
    fn a_column_title_of_sixty_thousand_parts_is_left_out_without_recursion() {
        let head = "Identifier,Amount Awarded,Award Date,Funding Org:Name,Beneficiary Location:Name";
        let row = "360G-D-1,5,2020-01-01,F,Leeds";
        let deep = vec!["Beneficiary Location"; 60_000].join(":");
        let with = parse("t.csv", &format!("{head},{deep}\n{row},x\n"), Form::Csv).unwrap();
        let without = parse("t.csv", &format!("{head}\n{row}\n"), Form::Csv).unwrap();
        assert_eq!(with, without);
        assert_eq!(with[0].locations, vec![Location { name: Some("Leeds".into()), ..Location::default() }]);
    }

    #[test]
    fn list_numbers_in_column_titles_make_one_item_each() {
        let csv = "Identifier,Amount Awarded,Award Date,Funding Org:Name,Beneficiary Location:9:Name,\
                   Beneficiary Location:3:Name,Beneficiary Location:9:Geographic Code,\
                   Recipient Org:4:Name,Recipient Org:4:Beneficiary Location:7:Name\n\
                   360G-L-1,5,2020-01-01,F,Leeds,Atlantis,E08000035,Aid Unit,Bolton\n";
        let g = parse("t.csv", csv, Form::Csv).unwrap().remove(0);
        // Items in the order of their numbers, none made for numbers unused.
        assert_eq!(
            g.locations,
            vec![
                Location { name: Some("Atlantis".into()), ..Location::default() },
                Location { name: Some("Leeds".into()), code: Some("E08000035".into()), ..Location::default() },
            ]
        );
        assert_eq!(g.recipient.as_deref(), Some("Aid Unit"));
        // A lone number: one location, so its own reason is the one given.
        let csv = "Identifier,Amount Awarded,Award Date,Funding Org:Name,Beneficiary Location:7:Name\n\
                   360G-L-2,5,2020-01-01,F,Atlantis\n";
        let g = parse("t.csv", csv, Form::Csv).unwrap().remove(0);
        assert_eq!(g.locations, vec![Location { name: Some("Atlantis".into()), ..Location::default() }]);
    }

    /// Numbering every record reads the file once, and the duplicate check
    /// does not search the grants before: 30,000 grants took 18 s.
    #[test]
    fn thirty_thousand_grants_are_numbered_and_checked_in_one_pass() {
        let n = 30_000;
        let mut csv = String::from("Identifier,Amount Awarded,Award Date,Funding Org:Name\r\n");
        for i in 0..n {
            csv.push_str(&format!("360G-N-{i},5,2020-01-01,F\r\n"));
        }
        let mut lines = Lines::new(&csv);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        for (i, row) in reader.records().enumerate() {
            let byte = row.unwrap().position().unwrap().byte();
            assert_eq!(lines.at(byte), i as u64 + 2);
        }
        assert!(lines.looked_at <= 2 * csv.len(), "{} bytes looked at in a file of {}", lines.looked_at, csv.len());
        csv.push_str("360G-N-0,5,2020-01-01,F\r\n");
        let e = parse("t.csv", &csv, Form::Csv).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:30002: grant 30001 (360G-N-0): Identifier: the same Identifier as grant 1; every grant needs its own"
        );
    }

    #[test]
    fn errors_name_the_grant_and_the_field() {
        let e = one(r#"{"id": "360G-X-1", "amountAwarded": "lots", "awardDate": "2020-04-01", "fundingOrganization": [{"name": "F"}]}"#)
            .unwrap_err();
        assert_eq!(e.to_string(), "t.json: grant 1 (360G-X-1): Amount Awarded: `lots` is not an amount of money");
        let e = one(&format!(r#"{{{BASE}, "plannedDates": [{{"startDate": "next spring"}}]}}"#)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json: grant 1 (360G-X-1): Planned Dates:Start Date: `next spring` is not a date; write YYYY-MM-DD (or DD/MM/YYYY)"
        );
        let e = one(r#"{"title": "no id"}"#).unwrap_err();
        assert_eq!(e.to_string(), "t.json: grant 1: Identifier: missing; every 360Giving grant has an Identifier");
        let e = parse("t.json", "{\"grants\": [1,", Form::Json).unwrap_err();
        assert_eq!(e.to_string(), "t.json:1:14: invalid JSON: EOF while parsing a value");
        let e = parse("t.csv", "Identifier,Amount Awarded\nA,1,2\n", Form::Csv).unwrap_err();
        assert_eq!(e.to_string(), "t.csv:2: invalid CSV: a row has 3 fields where the header has 2");
    }

    #[test]
    fn a_repeated_identifier_is_an_error() {
        let text = format!("{{\"grants\": [{{{BASE}}}, {{{BASE}}}]}}");
        let e = parse("t.json", &text, Form::Json).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json: grant 2 (360G-X-1): Identifier: the same Identifier as grant 1; every grant needs its own"
        );
        // Two Identifiers that make one scenario id.
        let other = BASE.replace("360G-X-1", "360G-X 1");
        let text = format!("{{\"grants\": [{{{BASE}}}, {{{other}}}]}}");
        let e = parse("t.json", &text, Form::Json).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json: grant 2 (360G-X 1): Identifier: gives the scenario id `360G-X-1`, as grant 1 (`360G-X-1`) does (whitespace and control characters become `-`); every grant needs its own"
        );
        // Nothing but control characters is no Identifier.
        let e = one(&format!("{{{}}}", BASE.replace("360G-X-1", "\\u0000\\u0001"))).unwrap_err();
        assert_eq!(e.to_string(), "t.json: grant 1: Identifier: missing; every 360Giving grant has an Identifier");
    }

    proptest::proptest! {
        /// No file makes the parser panic: it returns grants or an error.
        #[test]
        fn parsing_never_panics(body in "\\PC{0,80}", amount in "\\PC{0,8}", date in "[0-9/T:-]{0,12}") {
            let _ = parse("p.json", &body, Form::Json);
            let _ = parse("p.csv", &body, Form::Csv);
            let json = format!(r#"{{"grants": [{{"id": "A", "amountAwarded": "{amount}", "awardDate": "{date}",
                "plannedDates": [{{"duration": "{amount}", "endDate": "{date}"}}], "fundingOrganization": [{{"name": "F"}}]}}]}}"#);
            let _ = parse("p.json", &json, Form::Json);
            let csv = format!("Identifier,Amount Awarded,Award Date,Beneficiary Location:1:Name,X:Y\nA,{amount},{date},{body},1\n");
            let _ = parse("p.csv", &csv, Form::Csv);
        }
    }

    #[test]
    fn latin1_files_decode() {
        assert_eq!(decode(b"\xEF\xBB\xBFId"), "Id");
        assert_eq!(decode(b"\xA35 Esm\xE9e"), "£5 Esmée");
    }
}
