//! Placing a grant in one of the twelve UK regions (ITL1) from its
//! beneficiary location: a geographic code or a name, looked up in the
//! local authorities of the Home Office asylum-support file (Asy_D11), which
//! lists every local authority with its LAD code and region.

use std::collections::HashMap;

use crate::record::Location;
use crate::text;

/// The twelve region ids fundscape's UK scenarios use, with the names the
/// Home Office file gives them.
pub const REGIONS: [(&str, &str); 12] = [
    ("north-east", "North East"),
    ("north-west", "North West"),
    ("yorkshire-humber", "Yorkshire and The Humber"),
    ("east-midlands", "East Midlands"),
    ("west-midlands", "West Midlands"),
    ("east-of-england", "East of England"),
    ("london", "London"),
    ("south-east", "South East"),
    ("south-west", "South West"),
    ("wales", "Wales"),
    ("scotland", "Scotland"),
    ("northern-ireland", "Northern Ireland"),
];

/// ONS codes of England's nine regions (E12), in the order of [`REGIONS`].
const ENGLISH_REGION_CODES: [&str; 9] = [
    "E12000001",
    "E12000002",
    "E12000003",
    "E12000004",
    "E12000005",
    "E12000006",
    "E12000007",
    "E12000008",
    "E12000009",
];

/// Other names of regions found in 360Giving files.
const REGION_ALIASES: [(&str, &str); 6] = [
    ("yorkshire and humber", "yorkshire-humber"),
    ("yorkshire", "yorkshire-humber"),
    ("greater london", "london"),
    ("eastern", "east-of-england"),
    ("east anglia", "east-of-england"),
    ("cymru", "wales"),
];

/// Names that cover more than one region.
const NATIONAL: [&str; 12] = [
    "uk",
    "united kingdom",
    "great britain",
    "gb",
    "britain",
    "england",
    "england and wales",
    "national uk",
    "whole of uk",
    "uk whole",
    "uk wide",
    "more than one english region",
];

/// The embedded copy of the Home Office file (data/homeoffice/).
const HOME_OFFICE_CSV: &str = include_str!("../../data/homeoffice/asy_d11_local_authority_support_2014q1_2024q3.csv");

/// The id of a region name as the Home Office file writes it, in either of
/// its spellings (`East of England`, `East Of England`).
pub fn region_id(name: &str) -> Option<&'static str> {
    let p = text::place(name);
    REGIONS.iter().find(|(_, n)| text::place(n) == p).map(|(id, _)| *id)
}

/// Why the lookup could not be built.
#[derive(Debug, thiserror::Error)]
#[error("the local-authority lookup: {0}")]
pub struct LookupError(String);

/// Local authorities by LAD code and by name, each with its region.
#[derive(Debug, Clone)]
pub struct RegionLookup {
    by_code: HashMap<String, (&'static str, String)>,
    by_name: HashMap<String, &'static str>,
}

/// How a grant was placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// In a region, and how (for the comment on the grant).
    Placed { region: &'static str, how: String },
    /// Nowhere, and why.
    Unplaced { reason: String },
}

/// Counts per region index, the majority taken at the end.
type Votes = [u32; 12];

fn majority(votes: &Votes) -> &'static str {
    let mut best = 0;
    for (i, v) in votes.iter().enumerate() {
        if *v > votes[best] {
            best = i;
        }
    }
    REGIONS[best].0
}

impl RegionLookup {
    /// The lookup from the Home Office file compiled into the program.
    ///
    /// # Errors
    /// Only if the embedded file were broken.
    pub fn home_office() -> Result<Self, LookupError> {
        Self::from_home_office_csv(HOME_OFFICE_CSV)
    }

    /// Builds the lookup from the text of an Asy_D11 file (columns
    /// `UK Region`, `Local Authority`, `LAD Code`). Rows whose region is not
    /// one of the twelve (`Unknown`, `N/A - …`) are skipped. A code or name
    /// that appears under more than one region (the file has a few wrong
    /// rows) takes the region of most of its rows.
    ///
    /// # Errors
    /// Invalid CSV, a missing column, or no local authority at all.
    pub fn from_home_office_csv(csv_text: &str) -> Result<Self, LookupError> {
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let headers = reader.headers().map_err(|e| LookupError(e.to_string()))?.clone();
        let column = |title: &str| {
            headers
                .iter()
                .position(|h| text::key(h) == text::key(title))
                .ok_or_else(|| LookupError(format!("no `{title}` column")))
        };
        let (region_col, name_col, code_col) = (column("UK Region")?, column("Local Authority")?, column("LAD Code")?);
        let mut codes: HashMap<String, (Votes, HashMap<String, u32>)> = HashMap::new();
        let mut names: HashMap<String, Votes> = HashMap::new();
        for row in reader.records() {
            let row = row.map_err(|e| LookupError(e.to_string()))?;
            let Some(region) = region_id(row.get(region_col).unwrap_or("")) else { continue };
            let r = REGIONS.iter().position(|(id, _)| *id == region).unwrap_or(0);
            let name = row.get(name_col).unwrap_or("").trim();
            let code = row.get(code_col).unwrap_or("").trim().to_ascii_uppercase();
            if is_gss(&code) {
                let entry = codes.entry(code).or_default();
                entry.0[r] += 1;
                *entry.1.entry(name.to_string()).or_default() += 1;
            }
            if !name.is_empty() {
                for variant in name_variants(name) {
                    names.entry(variant).or_default()[r] += 1;
                }
            }
        }
        if codes.is_empty() {
            return Err(LookupError("no local authority with a LAD code and a UK region".into()));
        }
        let by_code = codes
            .into_iter()
            .map(|(code, (votes, counts))| {
                let mut counts: Vec<(String, u32)> = counts.into_iter().collect();
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let name = counts.into_iter().next().map(|(n, _)| n).unwrap_or_default();
                (code, (majority(&votes), name))
            })
            .collect();
        let by_name = names.into_iter().map(|(name, votes)| (name, majority(&votes))).collect();
        Ok(Self { by_code, by_name })
    }

    /// Number of local-authority codes known.
    pub fn len_codes(&self) -> usize {
        self.by_code.len()
    }

    /// The region of a GSS geographic code: a local-authority code from the
    /// Home Office file, an English region code (E12), or any Scottish (S),
    /// Welsh (W) or Northern Irish (N) code, since each of those nations is
    /// one region. The second part says how, for a comment.
    pub fn region_of_code(&self, code: &str) -> Option<(&'static str, String)> {
        let code = code.trim().to_ascii_uppercase();
        if !is_gss(&code) {
            return None;
        }
        if let Some(i) = ENGLISH_REGION_CODES.iter().position(|c| *c == code) {
            return Some((REGIONS[i].0, format!("region code {code}")));
        }
        if let Some((region, name)) = self.by_code.get(&code) {
            return Some((region, format!("local authority {code} ({name}) in the Home Office lookup")));
        }
        let nation = match code.as_bytes()[0] {
            b'S' => "scotland",
            b'W' => "wales",
            b'N' => "northern-ireland",
            _ => return None,
        };
        Some((nation, format!("code {code} is in {}", REGIONS.iter().find(|r| r.0 == nation).map_or("", |r| r.1))))
    }

    /// The region of a place name: a region or nation, a local authority in
    /// the Home Office file, an area named after its authority (`Leeds 010C`,
    /// as LSOA and MSOA names are), or the most specific part of a path such
    /// as `England/South West/Plymouth` that is one of these.
    pub fn region_of_name(&self, name: &str) -> Option<(&'static str, String)> {
        for part in name.rsplit('/') {
            let p = text::place(part);
            if p.is_empty() {
                continue;
            }
            if let Some(region) = region_id(part) {
                return Some((region, format!("region name `{}`", part.trim())));
            }
            if let Some((_, region)) = REGION_ALIASES.iter().find(|(alias, _)| *alias == p) {
                return Some((region, format!("region name `{}`", part.trim())));
            }
            let area = strip_area_suffix(&p);
            for candidate in [p.as_str(), area] {
                if let Some(region) = self.by_name.get(candidate) {
                    return Some((region, format!("local authority `{}` in the Home Office lookup", part.trim())));
                }
            }
        }
        None
    }

    /// Places one location: by its code, else by its name. `Err` says why
    /// it cannot be placed.
    pub fn place(&self, loc: &Location) -> Result<(&'static str, String), String> {
        if let Some(found) = loc.code.as_deref().and_then(|c| self.region_of_code(c)) {
            return Ok(found);
        }
        if let Some(found) = loc.name.as_deref().and_then(|n| self.region_of_name(n)) {
            return Ok(found);
        }
        let shown = match (&loc.name, &loc.code) {
            (Some(n), Some(c)) => format!("`{n}` ({c})"),
            (Some(n), None) => format!("`{n}`"),
            (None, Some(c)) => format!("`{c}`"),
            (None, None) => {
                return Err(match loc.country.as_deref() {
                    Some(c) if c.eq_ignore_ascii_case("GB") || c.eq_ignore_ascii_case("UK") => {
                        "the beneficiary location is only the country code GB (all of the UK)".to_string()
                    }
                    Some(c) => format!("the beneficiary location is outside the UK (country code {c})"),
                    None => "the beneficiary location is empty".to_string(),
                })
            }
        };
        Err(if is_national(loc) {
            format!("beneficiary location {shown} covers more than one region")
        } else {
            format!("beneficiary location {shown} is not a UK region, nation or local authority in the lookup")
        })
    }

    /// Places a grant from all its locations: every location that can be
    /// placed must fall in the same region.
    pub fn place_all(&self, locations: &[Location]) -> Placement {
        if locations.is_empty() {
            return Placement::Unplaced { reason: "no beneficiary location".into() };
        }
        let (mut found, first_reason) = self.place_each(locations);
        match found.len() {
            0 => Placement::Unplaced { reason: first_reason.unwrap_or_default() },
            1 => {
                let (region, how) = found.remove(0);
                Placement::Placed { region, how }
            }
            _ => Placement::Unplaced { reason: several(&found) },
        }
    }

    /// The regions the locations fall in (each once), and the first reason
    /// one could not be placed.
    fn place_each(&self, locations: &[Location]) -> (Vec<(&'static str, String)>, Option<String>) {
        let mut found: Vec<(&'static str, String)> = Vec::new();
        let mut first_reason = None;
        for loc in locations {
            match self.place(loc) {
                Ok(p) => {
                    if !found.iter().any(|f| f.0 == p.0) {
                        found.push(p);
                    }
                }
                Err(reason) => {
                    first_reason.get_or_insert(reason);
                }
            }
        }
        (found, first_reason)
    }

    /// Places a grant: by its beneficiary locations; when none is usable (no
    /// location, or only national ones such as `UK`; a foreign or unknown
    /// location still says where the grant works, and leaves it unplaced),
    /// by the recipient organisation's postcode area
    /// ([`crate::postcodes`]), then by its locality's name through the
    /// local-authority lookup. Locations in several regions stay unplaced
    /// (the grant works across them, whatever the recipient's address).
    pub fn place_grant(&self, locations: &[Location], postcode: Option<&str>, locality: Option<&str>) -> Placement {
        let (mut found, first_reason) = self.place_each(locations);
        match found.len() {
            1 => {
                let (region, how) = found.remove(0);
                return Placement::Placed { region, how };
            }
            n if n > 1 => return Placement::Unplaced { reason: several(&found) },
            _ => {}
        }
        // A location the lookup cannot place but that names a place (`Global`,
        // `Ethiopia`, a country code abroad, a name it does not know) says
        // where the grant works, and the address must not move it. A
        // national one (`UK`, `England`, only the country code GB) says only
        // that it is in the UK: no usable region, so the address places it,
        // as it places a grant with no beneficiary location at all.
        let says_where = locations.iter().any(|loc| {
            let names_something = loc.name.is_some() || loc.code.is_some() || loc.country.is_some();
            names_something && !is_national(loc)
        });
        let why = if locations.is_empty() {
            "no beneficiary location".to_string()
        } else {
            first_reason.unwrap_or_else(|| "no usable beneficiary location".into())
        };
        if says_where {
            return Placement::Unplaced { reason: why };
        }
        let mut tried = Vec::new();
        if let Some(pc) = postcode.map(str::trim).filter(|p| !p.is_empty()) {
            match crate::postcodes::area_of(pc) {
                Some(crate::postcodes::Area::In(area, region)) => {
                    return Placement::Placed {
                        region,
                        how: format!("{why}; placed by the recipient's postcode `{pc}`, postcode area {area}"),
                    }
                }
                Some(crate::postcodes::Area::Outside(area)) => {
                    tried.push(format!("recipient's postcode `{pc}` is in {area}, outside the UK's regions"))
                }
                None => tried.push(format!("recipient's postcode `{pc}` is not a UK postcode")),
            }
        }
        if let Some(town) = locality.map(str::trim).filter(|t| !t.is_empty()) {
            match self.region_of_name(town) {
                Some((region, how)) => {
                    return Placement::Placed {
                        region,
                        how: format!("{why}; placed by the recipient's locality: {how}"),
                    }
                }
                None => tried.push(format!("recipient's locality `{town}` is not a known place")),
            }
        }
        let mut reason = why;
        for t in tried {
            reason.push_str("; ");
            reason.push_str(&t);
        }
        Placement::Unplaced { reason }
    }
}

/// A location that says only "the UK" (or all of England, Great Britain):
/// a national name, or no name or code with the country code GB or UK.
fn is_national(loc: &Location) -> bool {
    match (&loc.name, &loc.code) {
        (Some(n), _) => NATIONAL.contains(&text::place(n.rsplit('/').next().unwrap_or(n)).as_str()),
        (None, Some(_)) => false,
        (None, None) => {
            loc.country.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("GB") || c.eq_ignore_ascii_case("UK"))
        }
    }
}

fn several(found: &[(&'static str, String)]) -> String {
    format!(
        "beneficiary locations in more than one region ({})",
        found.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
    )
}

/// A GSS code: a capital letter and eight digits.
fn is_gss(code: &str) -> bool {
    code.len() == 9 && code.as_bytes()[0].is_ascii_uppercase() && code.as_bytes()[1..].iter().all(u8::is_ascii_digit)
}

/// The reduced name and, for names such as `Bristol, City of` or
/// `Herefordshire, County of`, the part before the comma.
fn name_variants(name: &str) -> Vec<String> {
    let mut out = vec![text::place(name)];
    if let Some((head, tail)) = name.split_once(',') {
        if text::place(tail).ends_with(" of") || text::place(tail) == "city" {
            out.push(text::place(head));
        }
    }
    out
}

/// `leeds 010c` → `leeds`: small-area names are their authority's name and
/// a number with a letter.
fn strip_area_suffix(p: &str) -> &str {
    match p.rsplit_once(' ') {
        Some((head, tail))
            if tail.len() >= 3
                && tail.len() <= 4
                && tail.as_bytes()[..3].iter().all(u8::is_ascii_digit)
                && tail.as_bytes()[3..].iter().all(u8::is_ascii_alphabetic) =>
        {
            head
        }
        _ => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup() -> RegionLookup {
        match RegionLookup::home_office() {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        }
    }

    fn named(name: &str) -> Location {
        Location { name: Some(name.into()), ..Location::default() }
    }

    /// A national location gives no usable region, so the recipient's
    /// postcode places the grant; one abroad, or a name the lookup does not
    /// know, says where the grant works, and the address does not move it.
    #[test]
    fn national_locations_fall_back_to_the_address_and_foreign_ones_do_not() {
        let l = lookup();
        let gb = Location { country: Some("GB".into()), ..Location::default() };
        for locations in [vec![named("UK")], vec![named("Whole of UK")], vec![named("England")], vec![gb], vec![]] {
            match l.place_grant(&locations, Some("M15 5TJ"), None) {
                Placement::Placed { region, how } => {
                    assert_eq!(region, "north-west");
                    assert!(how.contains("placed by the recipient's postcode `M15 5TJ`, postcode area M"), "{how}");
                }
                other => panic!("{locations:?}: {other:?}"),
            }
        }
        let abroad = Location { country: Some("NL".into()), ..Location::default() };
        for locations in [vec![named("Uganda")], vec![abroad], vec![named("UK"), named("Kenya")]] {
            assert!(
                matches!(l.place_grant(&locations, Some("M15 5TJ"), None), Placement::Unplaced { .. }),
                "{locations:?}"
            );
        }
    }

    #[test]
    fn lad_codes_find_their_region() {
        let l = lookup();
        let region = |c: &str| l.region_of_code(c).map(|r| r.0);
        assert_eq!(region("E08000025"), Some("west-midlands"), "Birmingham");
        assert_eq!(region("E09000002"), Some("london"), "Barking and Dagenham");
        assert_eq!(region("E08000003"), Some("north-west"), "Manchester");
        assert_eq!(region("E07000165"), Some("yorkshire-humber"), "Harrogate (abolished 2023, still in the file)");
        assert_eq!(region("e06000021"), Some("west-midlands"), "Stoke-on-Trent, lower case");
        // Hull's code is on two dozen wrong rows in 2022 Q4, many of them in the North East.
        assert_eq!(region("E06000010"), Some("yorkshire-humber"));
        assert_eq!(
            l.region_of_code("E06000010").map(|r| r.1),
            Some("local authority E06000010 (Kingston upon Hull, City of) in the Home Office lookup".into())
        );
        assert_eq!(region("E12000002"), Some("north-west"), "an ONS region code");
        assert_eq!(region("S13002739"), Some("scotland"), "a Scottish ward");
        assert_eq!(region("W06000015"), Some("wales"));
        assert_eq!(region("N09000003"), Some("northern-ireland"));
        assert_eq!(region("E92000001"), None, "England is not one region");
        assert_eq!(region("E01011274"), None, "an LSOA code is not in the lookup");
        assert_eq!(region("K02000001"), None);
        assert_eq!(region("E0800002"), None, "too short");
        assert!(l.len_codes() > 350, "{}", l.len_codes());
    }

    #[test]
    fn names_find_their_region_and_misspellings_do_not() {
        let l = lookup();
        let region = |n: &str| l.region_of_name(n).map(|r| r.0);
        assert_eq!(region("Birmingham"), Some("west-midlands"));
        assert_eq!(region("Stoke on Trent"), Some("west-midlands"));
        assert_eq!(region("Manchester"), Some("north-west"));
        assert_eq!(region("Bristol"), Some("south-west"), "`Bristol, City of` in the file");
        assert_eq!(region("Glasgow City"), Some("scotland"));
        assert_eq!(region("Leeds 010C"), Some("yorkshire-humber"), "an LSOA name");
        assert_eq!(region("England/South West/Plymouth"), Some("south-west"));
        assert_eq!(region("England/More than one English Region"), None);
        assert_eq!(region("North West"), Some("north-west"));
        assert_eq!(region("East Of England"), Some("east-of-england"));
        assert_eq!(region("Yorkshire"), Some("yorkshire-humber"));
        assert_eq!(region("Northern Ireland"), Some("northern-ireland"));
        assert_eq!(region("Birmingam"), None, "misspelt");
        assert_eq!(region("Manchestr"), None, "misspelt");
        assert_eq!(region("North London"), None);
        assert_eq!(region("Sub-Sahara Africa"), None);
    }

    #[test]
    fn placements_say_why_not() {
        let l = lookup();
        let coded = Location { name: Some("Harrogate".into()), code: Some("E07000165".into()), ..Location::default() };
        assert_eq!(
            l.place_all(&[coded]),
            Placement::Placed {
                region: "yorkshire-humber",
                how: "local authority E07000165 (Harrogate) in the Home Office lookup".into()
            }
        );
        let unplaced = |locs: &[Location]| match l.place_all(locs) {
            Placement::Unplaced { reason } => reason,
            p => panic!("placed: {p:?}"),
        };
        assert_eq!(unplaced(&[]), "no beneficiary location");
        assert_eq!(
            unplaced(&[Location { country: Some("GB".into()), ..Location::default() }]),
            "the beneficiary location is only the country code GB (all of the UK)"
        );
        assert_eq!(
            unplaced(&[Location { country: Some("NL".into()), ..Location::default() }]),
            "the beneficiary location is outside the UK (country code NL)"
        );
        assert_eq!(unplaced(&[named("UK")]), "beneficiary location `UK` covers more than one region");
        assert_eq!(
            unplaced(&[named("Birmingam")]),
            "beneficiary location `Birmingam` is not a UK region, nation or local authority in the lookup"
        );
        assert_eq!(
            unplaced(&[named("London"), named("Manchester")]),
            "beneficiary locations in more than one region (london, north-west)"
        );
        assert_eq!(
            l.place_all(&[named("UK"), named("Hackney")]),
            Placement::Placed { region: "london", how: "local authority `Hackney` in the Home Office lookup".into() }
        );
    }

    #[test]
    fn every_region_of_the_file_maps_to_an_id() {
        for name in ["Yorkshire And The Humber", "East of England", "North East", "Northern Ireland"] {
            assert!(region_id(name).is_some(), "{name}");
        }
        assert_eq!(region_id("N/A - Section 98 (pre-Dec 2022)"), None);
        assert_eq!(region_id("Unknown"), None);
        let broken = RegionLookup::from_home_office_csv("Date,People\n2024-09-30,1\n").unwrap_err();
        assert_eq!(broken.to_string(), "the local-authority lookup: no `UK Region` column");
    }
}
