//! Reading the values of a 360Giving record: dates, amounts, durations, and
//! text repaired from common mis-encodings.

use std::fmt;

/// A calendar date, as 360Giving files give them (`2020-04-28T00:00:00+00:00`,
/// `2014-03-17`, `17/03/2014`, `26/03/2001 00:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD` (anything after the day, such as a time, is
    /// ignored) or the day-first `DD/MM/YYYY` of older UK files. `None` for
    /// anything else or an impossible month or day.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let num = |s: &str| -> Option<u32> {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        };
        let (y, m, d) = if t.len() >= 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' {
            let rest = t.get(10..)?;
            if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
                return None;
            }
            (num(t.get(0..4)?)?, num(t.get(5..7)?)?, num(t.get(8..10)?)?)
        } else {
            let head = t.split([' ', 'T']).next()?;
            let mut parts = head.split('/');
            let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() || y.len() != 4 || d.len() > 2 || m.len() > 2 {
                return None;
            }
            (num(y)?, num(m)?, num(d)?)
        };
        let days_in_month = match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            _ => return None,
        };
        if d == 0 || d > days_in_month {
            return None;
        }
        Some(Self { year: i32::try_from(y).ok()?, month: m, day: d })
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for differences.
    pub fn days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Whole months from `self` to `end`, rounded, at least 1: the days
    /// between them over the mean month (365.25 / 12 days), so a grant from
    /// 1 April 2021 to 31 March 2024 lasts 36 months.
    pub fn months_until(self, end: Date) -> u32 {
        let days = (end.days() - self.days()) as f64;
        let months = (days / (365.25 / 12.0)).round();
        months.clamp(1.0, 1200.0) as u32
    }

    /// `YYYY-MM`, the scenario format.
    pub fn year_month(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Repairs text that was UTF-8, read as Latin-1 and saved as UTF-8 again
/// (`Â£100` for `£100`, `EsmÃ©e` for `Esmée`): if every character fits in one
/// byte and those bytes are valid UTF-8 with at least one multi-byte
/// character, the bytes are what was meant. Other text is returned as it is.
pub fn repair(text: &str) -> String {
    if text.is_ascii() || !text.contains(['Â', 'Ã', 'â']) {
        return text.to_string();
    }
    let bytes: Option<Vec<u8>> = text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
    if let Some(Ok(fixed)) = bytes.map(String::from_utf8) {
        if !fixed.is_ascii() {
            return fixed;
        }
    }
    // Mixed text (a mis-encoded pound sign beside a correct curly quote):
    // mend each two-character sequence that is one mis-read Latin-1
    // character (`Â£` → `£`, `Â\u{a0}` → no-break space, `Ã©` → `é`).
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let lead = match c {
            'Â' => 0xC2u32,
            'Ã' => 0xC3,
            _ => {
                out.push(c);
                continue;
            }
        };
        match chars.peek().map(|&n| u32::from(n)) {
            Some(n @ 0x80..=0xBF) => {
                chars.next();
                out.push(char::from_u32(((lead & 0x1F) << 6) | (n & 0x3F)).unwrap_or(c));
            }
            _ => out.push(c),
        }
    }
    out
}

/// Reads an amount of money: a number, or text such as `100000`, `£1,500.50`
/// or `Â£2,000`. `None` if it is not one.
pub fn money(text: &str) -> Option<f64> {
    let t = repair(text);
    let t: String = t.trim().trim_start_matches('£').chars().filter(|c| *c != ',' && !c.is_whitespace()).collect();
    let t = t.strip_prefix("GBP").unwrap_or(&t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// What a planned duration says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Duration {
    /// Months (may be fractional or 0 in real files).
    Months(f64),
    /// A placeholder that says there is none: empty, `Undefined`, `N/A`,
    /// `unknown`, `TBC`, `none`.
    Absent,
}

/// Reads a duration in months: `24`, `"12"`, `"12 months"`, `"1 month"`,
/// `"2 years"`, or a placeholder. `None` if it is none of these.
pub fn duration(text: &str) -> Option<Duration> {
    let t = text.trim().to_ascii_lowercase();
    if matches!(t.as_str(), "" | "undefined" | "n/a" | "na" | "unknown" | "tbc" | "none" | "-") {
        return Some(Duration::Absent);
    }
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (t[..i].trim(), t[i..].trim()),
        None => (t.as_str(), "months"),
    };
    let factor = match unit {
        "months" | "month" | "mths" | "mth" | "m" => 1.0,
        "years" | "year" | "yrs" | "yr" | "y" => 12.0,
        _ => return None,
    };
    number.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0).map(|x| Duration::Months(x * factor))
}

/// Pounds for people: `£2,086,937`, or `£16,589,361.49` when there are pence.
pub fn pounds(x: f64) -> String {
    let pence = (x.abs() * 100.0).round() as u128;
    let (whole, frac) = (pence / 100, pence % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 && pence > 0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}£{grouped}")
    } else {
        format!("{sign}£{grouped}.{frac:02}")
    }
}

/// The words of `text`: the pieces between runs of whitespace and control
/// characters (which a scenario id may not hold, nor a TOML comment).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty())
}

/// The scenario id of a 360Giving Identifier: its words joined by `-`
/// (`360G-baringfoundation 20140008` → `360G-baringfoundation-20140008`).
pub fn scenario_id(identifier: &str) -> String {
    words(identifier).collect::<Vec<_>>().join("-")
}

/// A key or column title reduced for comparison: lower case, letters and
/// digits only, so `Planned Dates`, `plannedDates` and `planned_dates` are
/// the same key, as are `Duration (months)` and `Duration months`.
pub fn key(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// A place name reduced for comparison: lower case, `&` as `and`, and
/// anything but letters and digits as single spaces (`Stoke-on-Trent` and
/// `Stoke on Trent` are the same place).
pub fn place(text: &str) -> String {
    let lower = text.to_lowercase().replace('&', " and ");
    lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_360giving_files_use() {
        let d = |y, m, day| Some(Date { year: y, month: m, day });
        assert_eq!(Date::parse("2020-04-28T00:00:00+00:00"), d(2020, 4, 28));
        assert_eq!(Date::parse("2017-11-21T00:00:00.000Z"), d(2017, 11, 21));
        assert_eq!(Date::parse("2014-03-17"), d(2014, 3, 17));
        assert_eq!(Date::parse("17/03/2014"), d(2014, 3, 17));
        assert_eq!(Date::parse("26/03/2001 00:00"), d(2001, 3, 26));
        assert_eq!(Date::parse("2/3/2015"), d(2015, 3, 2));
        assert_eq!(Date::parse("2024-02-29"), d(2024, 2, 29));
        for bad in ["", "2023-02-29", "2020-13-01", "31/04/2020", "2020-04", "soon", "2020-04-28x", "17/03/14"] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        /// No text makes the readers panic.
        #[test]
        fn readers_never_panic(t in "\\PC{0,24}", u in "[0-9/ T:.-]{0,14}[0-9é£Â]{0,3}") {
            let _ = (Date::parse(&t), Date::parse(&u), money(&t), money(&u), duration(&t), repair(&t), place(&t));
        }
    }

    #[test]
    fn months_between_dates_round_to_whole_months() {
        let p = |s| Date::parse(s).unwrap();
        assert_eq!(p("2021-04-01").months_until(p("2024-03-31")), 36);
        assert_eq!(p("2016-04-08").months_until(p("2016-06-20")), 2);
        assert_eq!(p("2015-12-07").months_until(p("2015-12-21")), 1, "never below one month");
        assert_eq!(p("1970-01-01").days(), 0);
        assert_eq!(p("2000-03-01").days() - p("2000-02-28").days(), 2);
    }

    #[test]
    fn mis_encoded_pound_signs_and_accents_are_repaired() {
        assert_eq!(repair("A grant of Â£100,000 towards wave 1"), "A grant of £100,000 towards wave 1");
        assert_eq!(repair("EsmÃ©e Fairbairn"), "Esmée Fairbairn");
        assert_eq!(repair("Esmée Fairbairn"), "Esmée Fairbairn");
        assert_eq!(repair("the ‘Good Enough’ gallery, Â£5"), "the ‘Good Enough’ gallery, £5");
        assert_eq!(repair("which initiativesÂ\u{a0}to fund ‘now’"), "which initiatives\u{a0}to fund ‘now’");
        assert_eq!(repair("CafÃ© ‘x’ Ã"), "Café ‘x’ Ã");
        assert_eq!(repair("plain"), "plain");
    }

    #[test]
    fn amounts_accept_numbers_with_pound_signs_and_commas() {
        assert_eq!(money("100000"), Some(100000.0));
        assert_eq!(money("1339.73"), Some(1339.73));
        assert_eq!(money("£1,500.50"), Some(1500.5));
        assert_eq!(money("Â£2,000"), Some(2000.0));
        assert_eq!(money(" 12 000 "), Some(12000.0));
        assert_eq!(money("-500"), Some(-500.0));
        for bad in ["", "lots", "£", "1e5", "NaN", "12-4x"] {
            assert_eq!(money(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_written_as_text() {
        assert_eq!(duration("12 months"), Some(Duration::Months(12.0)));
        assert_eq!(duration("1 month"), Some(Duration::Months(1.0)));
        assert_eq!(duration("24"), Some(Duration::Months(24.0)));
        assert_eq!(duration(" 36 Months "), Some(Duration::Months(36.0)));
        assert_eq!(duration("2 years"), Some(Duration::Months(24.0)));
        assert_eq!(duration("Undefined"), Some(Duration::Absent));
        assert_eq!(duration(""), Some(Duration::Absent));
        assert_eq!(duration("twelve"), None);
        assert_eq!(duration("12 fortnights"), None);
        assert_eq!(duration("-3"), None);
    }

    #[test]
    fn pounds_are_grouped_with_pence_only_when_there_are_some() {
        assert_eq!(pounds(2_086_937.0), "£2,086,937");
        assert_eq!(pounds(16_589_361.49), "£16,589,361.49");
        assert_eq!(pounds(999.0), "£999");
        assert_eq!(pounds(0.5), "£0.50");
        assert_eq!(pounds(-1200.0), "-£1,200");
    }

    #[test]
    fn scenario_ids_have_no_whitespace_or_control_characters() {
        assert_eq!(scenario_id("360G-baringfoundation 20140008"), "360G-baringfoundation-20140008");
        assert_eq!(scenario_id(" A\t\r\nB\u{0}C\u{7f}\u{1b}D\u{85}E\u{2028} "), "A-B-C-D-E");
        assert_eq!(scenario_id("\u{0}\u{1}"), "");
        assert_eq!(words("Two\nlines\u{0}and\u{9f}more").collect::<Vec<_>>(), ["Two", "lines", "and", "more"]);
    }

    #[test]
    fn keys_and_places_compare_loosely() {
        assert_eq!(key("Planned Dates"), key("plannedDates"));
        assert_eq!(key("Duration (months)"), key("Duration months"));
        assert_eq!(place("Stoke-on-Trent"), place("Stoke on Trent"));
        assert_eq!(place("Brighton & Hove"), "brighton and hove");
        assert_eq!(place("Kingston upon Hull, City of"), "kingston upon hull city of");
    }
}
