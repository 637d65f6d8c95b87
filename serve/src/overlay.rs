//! "Save as overlay": the lever values as a TOML overlay on the scenario
//! (docs/scenario.md, "Overlays"), which `run` and `compare` accept as is.
//!
//! An input key maps to the file's keys: `posts.turnover` → `[posts]
//! turnover`; `regions.london.legal_aid.exit_rate` → a `[[regions]]` element
//! with `id = "london"` and `legal_aid = { exit_rate = … }` (tables merge key
//! by key, elements by id); `sustainability.successors.legal_aid.probability`
//! → the whole `successors` list (a plain list, which an overlay replaces),
//! copied from the file that writes it with that one probability changed.
//! Every overlay is loaded back and its inputs checked against the values
//! asked for before it is offered (`verify`).

use std::path::Path;

use fundscape_sim::inputs::inputs;
use fundscape_sim::Scenario;
use toml::{Table, Value as Toml};

/// Arrays of tables whose elements carry `id`.
const ID_ARRAYS: [&str; 5] = ["regions", "grants", "shocks", "rounds", "changes"];

/// The overlay's text: `extends` the scenario at `base_path` and sets each
/// `(input key, value)`.
///
/// # Errors
/// A key that has no place in a file (the message names it).
pub fn overlay_text(base: &Scenario, base_path: &Path, values: &[(String, f64)]) -> Result<String, String> {
    let mut root = Table::new();
    let mut meta = Table::new();
    meta.insert("extends".into(), Toml::String(base_path.display().to_string()));
    meta.insert("name".into(), Toml::String(format!("{} with levers", base.name)));
    root.insert("scenario".into(), Toml::Table(meta));
    for (key, v) in values {
        set(base, &mut root, key, *v)?;
    }
    Ok(format!(
        "# Written by `fundscape serve`: the levers as they were set on the page.\n# Run it with `fundscape run FILE`, or compare it with the scenario it extends.\n{}",
        render(&root)
    ))
}

/// A key as TOML writes it: bare when it can be, else quoted.
fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        Toml::String(k.to_string()).to_string()
    }
}

/// `key = value` lines of a table, values inline, `id` first.
fn lines(t: &Table) -> String {
    let mut out = String::new();
    let mut entries: Vec<(&String, &Toml)> = t.iter().collect();
    entries.sort_by_key(|(k, _)| *k != "id");
    for (k, v) in entries {
        out.push_str(&format!("{} = {}\n", key(k), inline(v)));
    }
    out
}

/// A value on one line (tables as `{ … }`).
fn inline(v: &Toml) -> String {
    match v {
        Toml::Table(t) => {
            let parts: Vec<String> = t.iter().map(|(k, v)| format!("{} = {}", key(k), inline(v))).collect();
            format!("{{ {} }}", parts.join(", "))
        }
        Toml::Array(a) if a.iter().any(Toml::is_table) => {
            let items: Vec<String> = a.iter().map(|x| format!("  {},\n", inline(x))).collect();
            format!("[\n{}]", items.concat())
        }
        Toml::Array(a) => format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// The overlay as a person would write it: `[scenario]` first, then each
/// table, then the elements of each array of tables.
fn render(root: &Table) -> String {
    let mut out = String::new();
    let order = ["scenario", "economy", "posts", "sustainability"];
    for name in order {
        if let Some(Toml::Table(t)) = root.get(name) {
            out.push_str(&format!("\n[{name}]\n{}", lines(t)));
        }
    }
    for name in ID_ARRAYS {
        if let Some(Toml::Array(items)) = root.get(name) {
            for item in items.iter().filter_map(Toml::as_table) {
                out.push_str(&format!("\n[[{name}]]\n{}", lines(item)));
            }
        }
    }
    out
}

fn number(v: f64) -> Toml {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        Toml::Integer(v as i64)
    } else {
        Toml::Float(v)
    }
}

/// The table at `path` inside `t`, created as needed.
fn table_at<'a>(t: &'a mut Table, path: &[&str]) -> Result<&'a mut Table, String> {
    let mut cur = t;
    for p in path {
        let entry = cur.entry(p.to_string()).or_insert_with(|| Toml::Table(Table::new()));
        cur = entry.as_table_mut().ok_or_else(|| format!("`{p}` is not a table"))?;
    }
    Ok(cur)
}

fn set(base: &Scenario, root: &mut Table, key: &str, v: f64) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let unsupported = || format!("`{key}` cannot be written in an overlay by the page");
    match parts.as_slice() {
        ["economy" | "posts", field] => {
            table_at(root, &parts[..1])?.insert(field.to_string(), number(v));
            Ok(())
        }
        ["sustainability", "successors", name, "probability"] => {
            let index = successor_index(base, name).ok_or_else(unsupported)?;
            let sust = table_at(root, &["sustainability"])?;
            if !sust.contains_key("successors") {
                sust.insert("successors".into(), Toml::Array(written_successors(base).ok_or_else(unsupported)?));
            }
            let list = sust.get_mut("successors").and_then(Toml::as_array_mut).ok_or_else(unsupported)?;
            let item = list.get_mut(index).and_then(Toml::as_table_mut).ok_or_else(unsupported)?;
            item.insert("probability".into(), number(v));
            Ok(())
        }
        [kind, id, rest @ ..] if ID_ARRAYS.contains(kind) && !rest.is_empty() => {
            if *kind == "changes" && rest.first() == Some(&"successors") {
                return Err(unsupported());
            }
            let list = root.entry(kind.to_string()).or_insert_with(|| Toml::Array(Vec::new()));
            let list = list.as_array_mut().ok_or_else(unsupported)?;
            let pos = list.iter().position(|e| e.get("id").and_then(Toml::as_str) == Some(id));
            let pos = match pos {
                Some(p) => p,
                None => {
                    let mut t = Table::new();
                    t.insert("id".into(), Toml::String(id.to_string()));
                    list.push(Toml::Table(t));
                    list.len() - 1
                }
            };
            let elem = list[pos].as_table_mut().ok_or_else(unsupported)?;
            let (field, path) = rest.split_last().ok_or_else(unsupported)?;
            table_at(elem, path)?.insert(field.to_string(), number(v));
            Ok(())
        }
        _ => Err(unsupported()),
    }
}

/// The place in `[sustainability] successors` of a successor named in keys
/// (`legal_aid`, or `legal_aid[2]` when the source is listed twice).
fn successor_index(base: &Scenario, name: &str) -> Option<usize> {
    if let Some((_, rest)) = name.split_once('[') {
        return rest.trim_end_matches(']').parse().ok();
    }
    base.successors.iter().position(|s| s.source.as_str() == name)
}

/// The `successors` list as the last file that writes it has it.
fn written_successors(base: &Scenario) -> Option<Vec<Toml>> {
    base.files.iter().rev().find_map(|(_, text)| {
        let t: Table = toml::from_str(text).ok()?;
        t.get("sustainability")?.get("successors")?.as_array().cloned()
    })
}

/// Loads the overlay back (as a file beside the scenario) and checks that
/// every input is as asked: the values set, everything else as in `alt`.
///
/// # Errors
/// The overlay does not load, or an input differs (the message names it).
pub fn verify(text: &str, base_path: &Path, alt: &Scenario) -> Result<(), String> {
    let beside = base_path.with_file_name("fundscape-serve-overlay.toml");
    let loaded = fundscape_sim::load_str(&beside, text).map_err(|e| format!("the overlay does not load: {e}"))?;
    let want = inputs(alt);
    let got = inputs(&loaded);
    if want.len() != got.len() {
        return Err(format!("the overlay has {} inputs, the levers' scenario {}", got.len(), want.len()));
    }
    for (w, g) in want.iter().zip(&got) {
        let same = w.key == g.key
            && match (w.value.as_fixed(), g.value.as_fixed()) {
                (Some(a), Some(b)) => a == b,
                (None, None) => w.value.to_string() == g.value.to_string(),
                _ => false,
            };
        if !same {
            return Err(format!("the overlay sets `{}` to {}, not {}", g.key, g.value, w.value));
        }
    }
    Ok(())
}
