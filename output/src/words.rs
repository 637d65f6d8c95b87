//! Numbers and text for people: thousands separators, rounding, percentages,
//! HTML escaping. Shared by the charts and the report.

use fundscape_sim::stats::Stat;

/// `x` rounded to a whole number, with thousands separators: `111,585`.
pub fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    // The first group holds 1 to 3 digits, every later group 3.
    let first = match digits.len() % 3 {
        0 => 3.min(digits.len()),
        r => r,
    };
    let mut out = digits[..first].to_string();
    for group in digits.as_bytes()[first..].chunks(3) {
        out.push(',');
        out.extend(group.iter().map(|&b| char::from(b)));
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// `x` rounded to three significant figures (whole numbers below 1,000 stay
/// whole), with thousands separators: `111,585` → `112,000`.
pub fn about(x: f64) -> String {
    if !x.is_finite() || x.abs() < 1000.0 {
        return thousands(x);
    }
    let scale = 10f64.powi(x.abs().log10().floor() as i32 - 2);
    thousands((x / scale).round() * scale)
}

/// A share in [0, 1] as a whole percentage: `0.483` → `48%`.
pub fn percent(x: f64) -> String {
    if x.is_finite() {
        format!("{:.0}%", 100.0 * x)
    } else {
        "–".into()
    }
}

/// Median with its 5–95% range, each shown by `f`: `72 (70–73)`. The
/// median, because the charts draw the median: a headline and its chart
/// show the same number.
pub fn with_range(s: &Stat, f: impl Fn(f64) -> String) -> String {
    format!("{} ({}–{})", f(s.p50), f(s.p05), f(s.p95))
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(111_585.4), "111,585");
        assert_eq!(thousands(-1234.0), "-1,234");
        assert_eq!(thousands(999.5), "1,000");
        assert_eq!(thousands(12.0), "12");
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(123_456.0), "123,456");
        assert_eq!(about(111_585.0), "112,000");
        assert_eq!(about(48_512.0), "48,500");
        assert_eq!(about(72.4), "72");
        assert_eq!(percent(0.483), "48%");
        assert_eq!(thousands(f64::NAN), "–");
    }

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }
}
