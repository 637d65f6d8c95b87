//! Where the main assumptions of a scenario come from: each major key's
//! value as written and the `# …` comment on its line, read from the
//! verbatim copies of the scenario files. A plain line scanner, not a TOML
//! parser: it only has to find `key = value  # comment` lines under the
//! tables that matter, and says nothing about lines it does not recognise.

/// One key of a scenario file, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumption {
    /// The scenario file (as read by `run`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What the key is, e.g. `posts.turnover` or `region wales: demand`.
    pub what: String,
    /// The value as written.
    pub value: String,
    /// The comment on that line, or empty.
    pub source: String,
}

/// Keys reported for each table: `*` for all of them.
fn wanted(table: &str, key: &str) -> bool {
    match table {
        "scenario" => matches!(key, "start" | "years"),
        "economy" | "posts" => true,
        "sustainability" => key == "successors",
        "regions" => matches!(key, "demand" | "demand_growth" | "abandon_rate" | "legal_aid" | "local_authority"),
        "shocks" => matches!(key, "start" | "cases" | "share" | "rate_per_year"),
        _ => false,
    }
}

/// Splits a line at the first `#` outside a string: (code, comment).
fn split_comment(line: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => return (&line[..i], line[i + 1..].trim()),
            None => {}
        }
    }
    (line, "")
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches('"').trim_matches('\'')
}

/// The major assumptions written in one scenario file, in file order.
pub fn assumptions(file: &str, text: &str) -> Vec<Assumption> {
    let mut out = Vec::new();
    let mut table = String::new();
    let mut array_of_tables = false;
    let mut id: Option<String> = None;
    // Entries of the current [[…]] element, labelled once its id is known.
    let mut pending: Vec<Assumption> = Vec::new();
    let mut open_array: Option<String> = None;
    let flush = |pending: &mut Vec<Assumption>, out: &mut Vec<Assumption>, table: &str, id: &Option<String>| {
        let singular = table.strip_suffix('s').unwrap_or(table);
        for mut a in pending.drain(..) {
            a.what = format!("{singular} {}: {}", id.as_deref().unwrap_or("?"), a.what);
            out.push(a);
        }
    };
    for (n, raw) in text.lines().enumerate() {
        let (code, comment) = split_comment(raw);
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        let make = |what: String, value: &str| Assumption {
            file: file.to_string(),
            line: n + 1,
            what,
            value: value.trim().trim_end_matches(',').trim().to_string(),
            source: comment.to_string(),
        };
        if let Some(key) = &open_array {
            if code.starts_with(']') {
                open_array = None;
            } else if code.starts_with('{') && wanted(&table, key) {
                let source = code
                    .split(',')
                    .find_map(|part| part.trim_start_matches('{').trim().strip_prefix("source"))
                    .and_then(|rest| rest.trim().strip_prefix('='))
                    .map(unquote);
                let what = match source {
                    Some(s) => format!("{table}.{key}: {s}"),
                    None => format!("{table}.{key}"),
                };
                out.push(make(what, code));
            }
            continue;
        }
        // A table header: `[[name]]` (an element of an array of tables) or `[name]`.
        let header = code
            .strip_prefix("[[")
            .and_then(|c| c.split("]]").next())
            .map(|name| (name, true))
            .or_else(|| code.strip_prefix('[').and_then(|c| c.split(']').next()).map(|name| (name, false)));
        if let Some((name, is_array)) = header {
            if array_of_tables {
                flush(&mut pending, &mut out, &table, &id);
            }
            table = name.trim().to_string();
            array_of_tables = is_array;
            id = None;
            continue;
        }
        let Some((key, value)) = code.split_once('=') else { continue };
        let key = unquote(key).to_string();
        let value = value.trim();
        if array_of_tables && key == "id" {
            id = Some(unquote(value).to_string());
            continue;
        }
        if value.starts_with('[') && !value.contains(']') {
            open_array = Some(key);
            continue;
        }
        if wanted(&table, &key) {
            if array_of_tables {
                pending.push(make(key, value));
            } else {
                out.push(make(format!("{table}.{key}"), value));
            }
        }
    }
    if array_of_tables {
        flush(&mut pending, &mut out, &table, &id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_and_their_comments() {
        let text = r##"# header
[scenario]
name = "x # not a comment"
start = "2025-04"   # first month
[posts]
turnover = 0.25   # ASSUMPTION (no rate)
[sustainability]
successors = [
  # a comment line
  { source = "same_funder", probability = 0.3, term_months = 36 },   # renewals: ASSUMPTION
]
[[regions]]
name = "Wales"
demand = 3400   # data.md
id = "wales"
[[grants]]
id = "g"
posts = 3   # ILLUSTRATIVE
[[shocks]]
id = "wave"
share = 0.1
"##;
        let got: Vec<(usize, String, String, String)> =
            assumptions("s.toml", text).into_iter().map(|a| (a.line, a.what, a.value, a.source)).collect();
        let want = vec![
            (4, "scenario.start", "\"2025-04\"", "first month"),
            (6, "posts.turnover", "0.25", "ASSUMPTION (no rate)"),
            (
                10,
                "sustainability.successors: same_funder",
                "{ source = \"same_funder\", probability = 0.3, term_months = 36 }",
                "renewals: ASSUMPTION",
            ),
            (14, "region wales: demand", "3400", "data.md"),
            (21, "shock wave: share", "0.1", ""),
        ];
        let want: Vec<(usize, String, String, String)> =
            want.into_iter().map(|(l, a, b, c)| (l, a.to_string(), b.to_string(), c.to_string())).collect();
        assert_eq!(got, want);
    }
}
