//! UK postcode areas (the letters that open a postcode: `M` in `M15 5TJ`,
//! `WC` in `WC1A 9AN`) and the region each is placed in, for grants whose
//! file gives no usable beneficiary location, only the recipient's address.
//!
//! Source: the 121 postcode areas of the UK (Royal Mail's postcode address
//! file; the list and post towns as in the Office for National Statistics'
//! National Statistics Postcode Lookup user guide), each placed in the ITL1
//! region (England's nine regions, Wales, Scotland, Northern Ireland) of its
//! post towns. **Rule for areas that straddle a border**: the region that
//! holds most of the area's population, judged from its post towns; the
//! straddling areas and their choice are listed below (ASSUMPTION where the
//! split is close). A postcode area is coarse: a recipient's address says
//! where the organisation is, which is usually, not always, where it works.
//! The Channel Islands (GY, JE) and the Isle of Man (IM) are outside the UK's
//! regions and place nothing.
//!
//! Straddling areas: CH (Chester: Wirral and Cheshire West in England, with
//! Flintshire in Wales) → North West; DA (Dartford: Bexley in London, with
//! Dartford, Gravesend and Sevenoaks in Kent, the larger part) → South East;
//! DN (Doncaster: with North Lincolnshire in Yorkshire and The Humber, and
//! parts of Lincolnshire and Nottinghamshire) → Yorkshire and The Humber;
//! EN (Enfield: the London boroughs of Enfield and Barnet, with Potters Bar,
//! Waltham Cross and Hoddesdon in Hertfordshire; close, ASSUMPTION) → London;
//! HP (Hemel Hempstead: Buckinghamshire's Aylesbury, High Wycombe and
//! Amersham, the larger part, with Hemel and Berkhamsted in Hertfordshire)
//! → South East; IG (Ilford: Redbridge in London, with Loughton in Essex) →
//! London; KT (Kingston: Kingston and Sutton in London, with the larger
//! Surrey part: Esher, Walton, Weybridge, Epsom, Leatherhead) → South East;
//! LA (Lancaster, with parts of Cumbria and North Yorkshire) → North West;
//! PE (Peterborough: Peterborough and Fenland in the East of England, with
//! Stamford, Spalding and Boston in Lincolnshire; close, ASSUMPTION) → East
//! of England; RM (Romford: Havering and Barking in London, with Thurrock in
//! Essex) → London; S (Sheffield, with north Derbyshire) → Yorkshire and The
//! Humber; SK (Stockport, with High Peak in Derbyshire) → North West; SP
//! (Salisbury: Wiltshire, with Andover in Hampshire) → South West; SY
//! (Shrewsbury: Shropshire, with Powys and Ceredigion in Wales; close,
//! ASSUMPTION) → West Midlands; TD (Galashiels: the Scottish Borders, with
//! Berwick-upon-Tweed in England) → Scotland; TW (Twickenham: Richmond and
//! Hounslow in London, with Staines and Egham in Surrey) → London.

/// (postcode area, region id), the region ids of [`crate::REGIONS`].
pub const POSTCODE_AREAS: [(&str, &str); 121] = [
    // North East
    ("DH", "north-east"),
    ("DL", "north-east"),
    ("NE", "north-east"),
    ("SR", "north-east"),
    ("TS", "north-east"),
    // North West
    ("BB", "north-west"),
    ("BL", "north-west"),
    ("CA", "north-west"),
    ("CH", "north-west"),
    ("CW", "north-west"),
    ("FY", "north-west"),
    ("L", "north-west"),
    ("LA", "north-west"),
    ("M", "north-west"),
    ("OL", "north-west"),
    ("PR", "north-west"),
    ("SK", "north-west"),
    ("WA", "north-west"),
    ("WN", "north-west"),
    // Yorkshire and The Humber
    ("BD", "yorkshire-humber"),
    ("DN", "yorkshire-humber"),
    ("HD", "yorkshire-humber"),
    ("HG", "yorkshire-humber"),
    ("HU", "yorkshire-humber"),
    ("HX", "yorkshire-humber"),
    ("LS", "yorkshire-humber"),
    ("S", "yorkshire-humber"),
    ("WF", "yorkshire-humber"),
    ("YO", "yorkshire-humber"),
    // East Midlands
    ("DE", "east-midlands"),
    ("LE", "east-midlands"),
    ("LN", "east-midlands"),
    ("NG", "east-midlands"),
    ("NN", "east-midlands"),
    // West Midlands
    ("B", "west-midlands"),
    ("CV", "west-midlands"),
    ("DY", "west-midlands"),
    ("HR", "west-midlands"),
    ("ST", "west-midlands"),
    ("SY", "west-midlands"),
    ("TF", "west-midlands"),
    ("WR", "west-midlands"),
    ("WS", "west-midlands"),
    ("WV", "west-midlands"),
    // East of England
    ("AL", "east-of-england"),
    ("CB", "east-of-england"),
    ("CM", "east-of-england"),
    ("CO", "east-of-england"),
    ("IP", "east-of-england"),
    ("LU", "east-of-england"),
    ("NR", "east-of-england"),
    ("PE", "east-of-england"),
    ("SG", "east-of-england"),
    ("SS", "east-of-england"),
    ("WD", "east-of-england"),
    // London
    ("BR", "london"),
    ("CR", "london"),
    ("E", "london"),
    ("EC", "london"),
    ("EN", "london"),
    ("HA", "london"),
    ("IG", "london"),
    ("N", "london"),
    ("NW", "london"),
    ("RM", "london"),
    ("SE", "london"),
    ("SM", "london"),
    ("SW", "london"),
    ("TW", "london"),
    ("UB", "london"),
    ("W", "london"),
    ("WC", "london"),
    // South East
    ("BN", "south-east"),
    ("CT", "south-east"),
    ("DA", "south-east"),
    ("GU", "south-east"),
    ("HP", "south-east"),
    ("KT", "south-east"),
    ("ME", "south-east"),
    ("MK", "south-east"),
    ("OX", "south-east"),
    ("PO", "south-east"),
    ("RG", "south-east"),
    ("RH", "south-east"),
    ("SL", "south-east"),
    ("SO", "south-east"),
    ("TN", "south-east"),
    // South West
    ("BA", "south-west"),
    ("BH", "south-west"),
    ("BS", "south-west"),
    ("DT", "south-west"),
    ("EX", "south-west"),
    ("GL", "south-west"),
    ("PL", "south-west"),
    ("SN", "south-west"),
    ("SP", "south-west"),
    ("TA", "south-west"),
    ("TQ", "south-west"),
    ("TR", "south-west"),
    // Wales
    ("CF", "wales"),
    ("LD", "wales"),
    ("LL", "wales"),
    ("NP", "wales"),
    ("SA", "wales"),
    // Scotland
    ("AB", "scotland"),
    ("DD", "scotland"),
    ("DG", "scotland"),
    ("EH", "scotland"),
    ("FK", "scotland"),
    ("G", "scotland"),
    ("HS", "scotland"),
    ("IV", "scotland"),
    ("KA", "scotland"),
    ("KW", "scotland"),
    ("KY", "scotland"),
    ("ML", "scotland"),
    ("PA", "scotland"),
    ("PH", "scotland"),
    ("TD", "scotland"),
    ("ZE", "scotland"),
    // Northern Ireland
    ("BT", "northern-ireland"),
];

/// Postcode areas outside the UK's regions.
const OUTSIDE: [&str; 3] = ["GY", "JE", "IM"];

/// Where a postcode places a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Area {
    /// The area's letters and its region.
    In(&'static str, &'static str),
    /// An area of the Channel Islands or the Isle of Man.
    Outside(&'static str),
}

/// The postcode area of `postcode` (`M15 5TJ` → `M`), if it looks like a UK
/// postcode: one or two letters, then a digit.
pub fn area_of(postcode: &str) -> Option<Area> {
    let p: String = postcode.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let letters: String = p.chars().take_while(char::is_ascii_alphabetic).collect();
    let after = p[letters.len()..].chars().next();
    if !(1..=2).contains(&letters.len()) || !after.is_some_and(|c| c.is_ascii_digit()) || p.len() < 5 || p.len() > 7 {
        return None;
    }
    if let Some(out) = OUTSIDE.iter().find(|a| **a == letters) {
        return Some(Area::Outside(out));
    }
    POSTCODE_AREAS.iter().find(|(a, _)| *a == letters).map(|(a, r)| Area::In(a, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_unique_and_name_known_regions() {
        let ids: Vec<&str> = crate::REGIONS.iter().map(|r| r.0).collect();
        for (i, (area, region)) in POSTCODE_AREAS.iter().enumerate() {
            assert!(ids.contains(region), "{area}: {region}");
            assert!(!POSTCODE_AREAS[..i].iter().any(|(a, _)| a == area), "{area} twice");
            assert!(!OUTSIDE.contains(area));
        }
        // Every region has at least one area.
        for id in ids {
            assert!(POSTCODE_AREAS.iter().any(|(_, r)| *r == id), "{id} has no area");
        }
    }

    #[test]
    fn postcodes_find_their_area() {
        assert_eq!(area_of("M15 5TJ"), Some(Area::In("M", "north-west")));
        assert_eq!(area_of("wc1a 9an"), Some(Area::In("WC", "london")));
        assert_eq!(area_of("CM1 1GU"), Some(Area::In("CM", "east-of-england")));
        assert_eq!(area_of("PL1 2TE"), Some(Area::In("PL", "south-west")));
        assert_eq!(area_of("BT1 5GS"), Some(Area::In("BT", "northern-ireland")));
        assert_eq!(area_of("CF10 1EP"), Some(Area::In("CF", "wales")));
        assert_eq!(area_of("JE2 3QA"), Some(Area::Outside("JE")));
        for bad in ["", "12345", "ABC1 2DE", "London", "QQ1 1AA", "M1"] {
            assert_eq!(area_of(bad), None, "{bad}");
        }
    }
}
