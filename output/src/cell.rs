//! Numbers as CSV cells, the same in every table fundscape writes.

/// Significant digits kept in a CSV number: more than any figure of a run
/// can mean (quantiles are within 0.4%, means carry Monte Carlo error), few
/// enough that a spreadsheet or pandas reads what was written.
pub const CSV_DIGITS: usize = 10;

/// `x` rounded to [`CSV_DIGITS`] significant digits, in the shortest form
/// that reads back as that rounded number: `110641.17570000002` is written
/// `110641.1757`, `0.1 + 0.2` is written `0.3`, whole numbers have no
/// decimal point. Magnitudes below 10⁻⁶ or from 10¹⁵ on are written with an
/// exponent (`1.5e-7`, `2e15`), which spreadsheets, R and pandas read.
/// Deterministic (correctly rounded decimal conversion), so the same results
/// give the same bytes. An empty cell for NaN or an infinity; never `-0`.
pub fn csv_number(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let round = |digits: usize| format!("{x:.prec$e}", prec = digits - 1).parse::<f64>().unwrap_or(x);
    // Rounding up next to f64::MAX overflows; one digit fewer does not.
    let rounded = Some(round(CSV_DIGITS)).filter(|r| r.is_finite()).unwrap_or_else(|| round(CSV_DIGITS - 1));
    // Adding zero turns -0 into 0.
    let rounded = rounded + 0.0;
    if rounded == 0.0 || (1e-6..1e15).contains(&rounded.abs()) {
        format!("{rounded}")
    } else {
        format!("{rounded:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_at_most_ten_significant_digits() {
        assert_eq!(csv_number(110641.17570000002), "110641.1757");
        assert_eq!(csv_number(2898.1202460777195), "2898.120246");
        assert_eq!(csv_number(0.1 + 0.2), "0.3");
        assert_eq!(csv_number(72.0), "72");
        assert_eq!(csv_number(-0.0), "0");
        assert_eq!(csv_number(-1e-300), "-1e-300");
        assert_eq!(csv_number(123_456_789_012.0), "123456789000");
        assert_eq!(csv_number(0.000_012_345_678_912_3), "0.00001234567891");
        assert_eq!(csv_number(1.5e-7), "1.5e-7");
        assert_eq!(csv_number(2e15), "2e15");
        assert_eq!(csv_number(999_999_999_999_999.0), "1e15");
        assert_eq!(csv_number(f64::NAN), "");
        assert_eq!(csv_number(f64::INFINITY), "");
        assert_eq!(csv_number(f64::MAX), "1.79769313e308");
        for x in [1.0 / 3.0, 2.0 / 3.0, 1e15 + 0.3, 987.654_321_123_456, 5e-324] {
            let s = csv_number(x);
            let digits = s.trim_start_matches('-').split('e').next().unwrap_or_default();
            let significant = digits.replace('.', "").trim_start_matches('0').trim_end_matches('0').len();
            assert!(significant <= CSV_DIGITS, "{x} -> {s}");
            let back: f64 = s.parse().unwrap();
            assert!(((back - x) / x).abs() <= 5e-10, "{x} -> {s}");
        }
    }
}
