//! Loading a scenario: read the file and the files it `extends`, merge the
//! overlays (model.md §7), deserialise the merged table into the raw layer,
//! and convert it into a validated [`Scenario`]. Every error names the file,
//! line and key at fault and says how to fix it.

mod convert;
pub mod levers;
pub(crate) mod limits;
mod locate;
mod raw;
mod schema;

pub use schema::scenario_schema;

use std::path::{Path, PathBuf};

use crate::scenario::{OverlayChange, OverlayChangeKind, Scenario};
use locate::{Seg, SpanTree};

/// A scenario that could not be loaded: where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadScenarioError {
    pub file: PathBuf,
    /// 1-based line, when the fault has one.
    pub line: Option<usize>,
    /// The key at fault, as a path such as `grants[2].region`; empty when the
    /// fault is the whole file.
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for LoadScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadScenarioError {}

/// A problem found in the merged scenario, at a key path.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    pub path: Vec<Seg>,
    pub message: String,
}

impl FieldError {
    pub fn new(path: &[Seg], message: impl Into<String>) -> Self {
        Self { path: path.to_vec(), message: message.into() }
    }
}

/// One file of the overlay chain, with what is needed to point into it.
struct SourceFile {
    path: PathBuf,
    text: String,
    table: toml::Table,
}

impl SourceFile {
    /// The lines of the file's keys, parsed only when an error needs them
    /// (building them costs more than the rest of loading).
    fn spans(&self) -> SpanTree {
        SpanTree::parse(&self.text)
    }
}

/// Loads and validates the scenario at `path`, following `extends`.
///
/// # Errors
/// Any unreadable file, TOML syntax error, unknown key, invalid value or
/// inconsistency, as a [`LoadScenarioError`] that names the file, line and key.
pub fn load(path: &Path) -> Result<Scenario, LoadScenarioError> {
    finish(path, read_chain(path, None)?).map(|(s, _)| s)
}

/// Loads the scenario at `path` as [`load`] does, with its `[[levers]]`
/// (checked against its inputs) for `fundscape serve`.
///
/// # Errors
/// As [`load`], and a lever whose key names no input or whose range is not ordered.
pub fn load_with_levers(path: &Path) -> Result<(Scenario, Vec<levers::LeverSpec>), LoadScenarioError> {
    finish(path, read_chain(path, None)?)
}

/// Loads a scenario from text, as if it were the file at `path` (`extends`
/// is resolved relative to `path`).
///
/// # Errors
/// As [`load`].
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, LoadScenarioError> {
    finish(path, read_chain(path, Some(text))?).map(|(s, _)| s)
}

fn finish(path: &Path, files: Vec<SourceFile>) -> Result<(Scenario, Vec<levers::LeverSpec>), LoadScenarioError> {
    let (merged, overlay_changes) = merge_chain(&files)?;
    let locate = |e: FieldError| locate_error(&files, &merged, e);
    let raw: raw::RawScenario =
        serde_path_to_error::deserialize(toml::Value::Table(merged.clone())).map_err(|e| locate(serde_error(e)))?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let hash = hash_hex(&toml::to_string(&merged).unwrap_or_default());
    let raw_levers = raw.levers.clone();
    let mut scenario = convert::scenario(raw, &stem, hash).map_err(locate)?;
    let levers = levers::check(&raw_levers, &scenario).map_err(locate)?;
    limits::check_sizes(&scenario, &merged).map_err(locate)?;
    for (i, round) in scenario.rounds.iter().enumerate() {
        let preview = crate::rounds::preview(&scenario, i);
        if preview.unspent >= 1.0 {
            scenario.warnings.push(format!(
                "round `{}` leaves £{} of its budget unspent at its expected price: whole posts only, and what is left buys less than one more post in any of its regions",
                round.id,
                limits::shown(preview.unspent.round())
            ));
        }
    }
    scenario.overlay_changes = overlay_changes;
    scenario.files = files.into_iter().map(|f| (f.path, f.text)).collect();
    Ok((scenario, levers))
}

/// Reads `path` and every file it extends, base first.
fn read_chain(path: &Path, first_text: Option<&str>) -> Result<Vec<SourceFile>, LoadScenarioError> {
    let mut chain: Vec<SourceFile> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut next = path.to_path_buf();
    let mut text_override = first_text.map(str::to_owned);
    loop {
        let canonical = std::fs::canonicalize(&next).unwrap_or_else(|_| next.clone());
        if let Some(pos) = seen.iter().position(|p| *p == canonical) {
            let cycle: Vec<String> = chain[pos..].iter().map(|f| f.path.display().to_string()).collect();
            let last = chain.last().map(|f| f.path.clone()).unwrap_or_else(|| next.clone());
            let line = chain.last().and_then(|f| f.spans().line_of(&extends_path()));
            return Err(LoadScenarioError {
                file: last,
                line,
                key: "scenario.extends".into(),
                message: format!(
                    "`extends` makes a cycle ({} -> {}); a scenario cannot extend itself, directly or through others",
                    cycle.join(" -> "),
                    next.display()
                ),
            });
        }
        if chain.len() >= MAX_EXTENDS_DEPTH {
            let last = chain.last().map(|f| f.path.clone()).unwrap_or_else(|| next.clone());
            let line = chain.last().and_then(|f| f.spans().line_of(&extends_path()));
            return Err(LoadScenarioError {
                file: last,
                line,
                key: "scenario.extends".into(),
                message: format!(
                    "`extends` goes more than {MAX_EXTENDS_DEPTH} files deep; merge some of the overlays into one file"
                ),
            });
        }
        let text = match text_override.take() {
            Some(t) => t,
            None => read_scenario_text(&next).map_err(|e| {
                match chain.last() {
                    // A missing base: point at the `extends` line that names it.
                    Some(from) => LoadScenarioError {
                        file: from.path.clone(),
                        line: from.spans().line_of(&extends_path()),
                        key: "scenario.extends".into(),
                        message: match e.1 {
                            Some(line) => format!("cannot read `{}`: line {line} is {}", next.display(), e.0),
                            None => format!(
                                "cannot read `{}`: {}; the path is relative to the extending file",
                                next.display(),
                                e.0
                            ),
                        },
                    },
                    None => LoadScenarioError {
                        file: next.clone(),
                        line: e.1,
                        key: String::new(),
                        message: format!("cannot read the scenario file: {}", e.0),
                    },
                }
            })?,
        };
        let file = parse_file(&next, &text)?;
        let extends = match file.table.get("scenario").and_then(|s| s.get("extends")) {
            None => None,
            Some(toml::Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(LoadScenarioError {
                    file: next.clone(),
                    line: file.spans().line_of(&extends_path()),
                    key: "scenario.extends".into(),
                    message: "`extends` must be a file name in quotes, such as \"uk-baseline.toml\"".into(),
                })
            }
        };
        seen.push(canonical);
        let dir = next.parent().map(Path::to_path_buf).unwrap_or_default();
        chain.push(file);
        match extends {
            Some(base) => next = dir.join(base),
            None => break,
        }
    }
    chain.reverse();
    Ok(chain)
}

/// A scenario file's text; for text that is not UTF-8, the line of the
/// first byte that is not.
fn read_scenario_text(path: &Path) -> Result<String, (crate::input::ReadInputError, Option<usize>)> {
    let bytes = crate::input::read_bytes(path, crate::input::MAX_INPUT_BYTES).map_err(|e| (e, None))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..valid].iter().filter(|&&b| b == b'\n').count();
        (crate::input::ReadInputError::NotUtf8, Some(line))
    })
}

fn extends_path() -> Vec<Seg> {
    vec![Seg::Key("scenario".into()), Seg::Key("extends".into())]
}

fn parse_file(path: &Path, text: &str) -> Result<SourceFile, LoadScenarioError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| locate::line_at(text, s.start));
        let what = e.message().trim_end().trim_end_matches('.').to_lowercase();
        // The parser points at a repeated key (or table header) without
        // naming it.
        let repeated = e.span().and_then(|s| text.get(s)).map(str::trim).filter(|k| !k.is_empty() && k.len() <= 80);
        let message = match repeated {
            Some(key) if what == "duplicate key" => {
                format!("invalid TOML: duplicate key: `{key}` is given twice in the same table; keep one")
            }
            // An integer beyond TOML's (a 64-bit signed integer's) range.
            _ if what.contains("value was too large") || what.contains("as i128") => {
                let key = line
                    .and_then(|l| text.lines().nth(l - 1))
                    .and_then(|l| l.split_once('='))
                    .map(|(k, _)| k.trim().trim_start_matches(['{', ',']).trim())
                    .filter(|k| !k.is_empty() && k.len() <= 80);
                format!(
                    "invalid TOML: {}a whole number larger than TOML allows (at most 9223372036854775807); write a \
                     smaller one{}",
                    key.map_or(String::new(), |k| format!("`{k}` is ")),
                    if key == Some("seed") { " (a larger seed can be given with --seed)" } else { "" }
                )
            }
            _ => format!("invalid TOML: {what}"),
        };
        LoadScenarioError { file: path.to_path_buf(), line, key: String::new(), message }
    })?;
    Ok(SourceFile { path: path.to_path_buf(), text: text.to_string(), table })
}

/// The most files an `extends` chain may hold.
pub const MAX_EXTENDS_DEPTH: usize = 32;

/// Merges the chain, base first (model.md §7), and lists what each overlay
/// changes.
fn merge_chain(files: &[SourceFile]) -> Result<(toml::Table, Vec<OverlayChange>), LoadScenarioError> {
    let mut merged = toml::Table::new();
    let mut log = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        let mut table = file.table.clone();
        if let Some(toml::Value::Table(s)) = table.get_mut("scenario") {
            s.remove("extends");
        }
        let base_name = match fi.checked_sub(1).and_then(|b| files[b].path.file_name()) {
            Some(n) => n.to_string_lossy().into_owned(),
            None => String::new(),
        };
        let mut merge = Merge { base_name: &base_name, changes: Vec::new(), overlay: fi > 0 };
        merge.table(&mut merged, table, &mut Vec::new()).map_err(|e| LoadScenarioError {
            file: file.path.clone(),
            line: file.spans().line_of(&e.path),
            key: locate::render_key(&e.path, &file.table, &e.path),
            message: e.message,
        })?;
        if fi > 0 && !merge.changes.is_empty() {
            let spans = file.spans();
            let mut changes: Vec<OverlayChange> = merge
                .changes
                .into_iter()
                .filter(|(path, ..)| path.last() != Some(&Seg::Key("id".into())))
                .map(|(path, key, what)| OverlayChange {
                    file: file.path.clone(),
                    line: spans.line_of(&path),
                    key,
                    what,
                })
                .collect();
            // In the file's order (tables iterate their keys sorted by name).
            changes.sort_by_key(|c| c.line.unwrap_or(usize::MAX));
            log.extend(changes);
        }
    }
    Ok((merged, log))
}

/// An array of tables whose elements all carry `id` merges element by element.
fn merges_by_id(items: &[toml::Value]) -> bool {
    !items.is_empty() && items.iter().all(|e| matches!(e, toml::Value::Table(t) if t.contains_key("id")))
}

/// A table that describes a value as a distribution: it replaces the base's
/// value whole (a `uniform` over a `pert` must not keep the PERT's `mode`).
fn is_distribution(t: &toml::Table) -> bool {
    t.contains_key("dist")
}

/// One file's merge into the tables before it.
struct Merge<'a> {
    /// The file this one extends, for messages.
    base_name: &'a str,
    /// (path in this file, the key as `validate` shows it, what happened).
    changes: Vec<(Vec<Seg>, String, OverlayChangeKind)>,
    overlay: bool,
}

/// A key path for `validate`: array elements by their id (`grants.gmiau-2021.posts`).
fn shown_key(path: &[Seg], id_at: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (i, seg) in path.iter().enumerate() {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(n) => match id_at.iter().find(|(at, _)| *at == i) {
                Some((_, id)) => {
                    out.push('.');
                    out.push_str(id);
                }
                None => out.push_str(&format!("[{n}]")),
            },
        }
    }
    out
}

/// The id of an element as text: a string as written, anything else in TOML form.
fn id_text(id: &toml::Value) -> String {
    match id {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Merge<'_> {
    fn table(&mut self, base: &mut toml::Table, over: toml::Table, path: &mut Vec<Seg>) -> Result<(), FieldError> {
        self.table_with_ids(base, over, path, &mut Vec::new())
    }

    fn table_with_ids(
        &mut self,
        base: &mut toml::Table,
        over: toml::Table,
        path: &mut Vec<Seg>,
        ids: &mut Vec<(usize, String)>,
    ) -> Result<(), FieldError> {
        for (key, value) in over {
            path.push(Seg::Key(key.clone()));
            match (base.get_mut(&key), value) {
                (Some(toml::Value::Table(b)), toml::Value::Table(o)) if !is_distribution(&o) => {
                    self.table_with_ids(b, o, path, ids)?
                }
                (existing, toml::Value::Array(o)) if merges_by_id(&o) => {
                    let items = match existing {
                        Some(toml::Value::Array(b)) => std::mem::take(b),
                        _ => Vec::new(),
                    };
                    let merged = self.elements(&key, items, o, path, ids)?;
                    base.insert(key, toml::Value::Array(merged));
                }
                (_, v) => {
                    if self.overlay {
                        self.changes.push((path.clone(), shown_key(path, ids), OverlayChangeKind::Sets));
                    }
                    base.insert(key, v);
                }
            }
            path.pop();
        }
        Ok(())
    }

    /// Merges the overlay's elements of `[[key]]` into the base's by id, in
    /// time linear in the number of elements: each id is looked up in a map.
    fn elements(
        &mut self,
        key: &str,
        items: Vec<toml::Value>,
        over: Vec<toml::Value>,
        path: &mut Vec<Seg>,
        ids: &mut Vec<(usize, String)>,
    ) -> Result<Vec<toml::Value>, FieldError> {
        let mut slots: Vec<Option<toml::Value>> = items.into_iter().map(Some).collect();
        let mut by_id: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (i, e) in slots.iter().enumerate() {
            if let Some(id) = e.as_ref().and_then(|e| e.get("id")) {
                by_id.entry(id_text(id)).or_insert(i);
            }
        }
        let base_ids: Vec<String> = {
            let mut v: Vec<(usize, String)> = by_id.iter().map(|(k, i)| (*i, k.clone())).collect();
            v.sort();
            v.into_iter().map(|(_, k)| k).collect()
        };
        unique_ids(key, &over, path)?;
        let singular = key.strip_suffix('s').unwrap_or(key);
        for (idx, element) in over.into_iter().enumerate() {
            path.push(Seg::Index(idx));
            let toml::Value::Table(mut element) = element else {
                path.pop();
                continue;
            };
            let id = element.get("id").map(id_text).unwrap_or_default();
            let (remove, new) = element_flags(&mut element, &id, path)?;
            ids.push((path.len() - 1, id.clone()));
            let at = by_id.get(&id).copied();
            match (at, remove) {
                (Some(p), true) => {
                    slots[p] = None;
                    by_id.remove(&id);
                    self.changes.push((path.clone(), shown_key(path, ids), OverlayChangeKind::Removes));
                }
                (None, true) => {
                    path.push(Seg::Key("id".into()));
                    let hint = crate::suggest::did_you_mean(&id, &base_ids);
                    return Err(FieldError::new(
                        path,
                        format!("cannot remove `{id}`: the files this one extends have no element with that id{hint}"),
                    ));
                }
                (Some(p), false) => {
                    if new && self.overlay {
                        path.push(Seg::Key("new".into()));
                        return Err(FieldError::new(
                            path,
                            format!(
                                "`{id}` is already a {singular} of {}; drop `new = true` to change it, or choose another id to add one",
                                self.base_name
                            ),
                        ));
                    }
                    if self.overlay {
                        self.changes.push((path.clone(), shown_key(path, ids), OverlayChangeKind::Changes));
                    }
                    if let Some(toml::Value::Table(b)) = &mut slots[p] {
                        self.table_with_ids(b, element, path, ids)?;
                    }
                }
                (None, false) => {
                    if self.overlay && !new {
                        if let Some(near) = crate::suggest::near_miss(&id, &base_ids) {
                            path.push(Seg::Key("id".into()));
                            return Err(FieldError::new(
                                path,
                                format!(
                                    "`{id}` is not a {singular} of {}; did you mean `{near}`? To add a new {singular}, write new = true",
                                    self.base_name
                                ),
                            ));
                        }
                    }
                    if self.overlay {
                        self.changes.push((path.clone(), shown_key(path, ids), OverlayChangeKind::Adds));
                    }
                    by_id.insert(id.clone(), slots.len());
                    slots.push(Some(toml::Value::Table(element)));
                }
            }
            ids.pop();
            path.pop();
        }
        Ok(slots.into_iter().flatten().collect())
    }
}

/// Refuses an overlay's `[[key]]` whose elements repeat an id.
fn unique_ids(key: &str, over: &[toml::Value], path: &mut Vec<Seg>) -> Result<(), FieldError> {
    let mut seen = std::collections::HashSet::new();
    for (idx, element) in over.iter().enumerate() {
        if let Some(id) = element.get("id") {
            if !seen.insert(id_text(id)) {
                path.extend([Seg::Index(idx), Seg::Key("id".into())]);
                return Err(FieldError::new(
                    path,
                    format!("duplicate id {}; every element of [[{key}]] needs its own id", shown(id)),
                ));
            }
        }
    }
    Ok(())
}

/// Takes an overlay element's `remove` and `new` flags out of it (each true
/// or false, default false). An element with `remove = true` takes only its
/// id: beside other keys it is ambiguous (remove it, or change it?).
fn element_flags(element: &mut toml::Table, id: &str, path: &mut Vec<Seg>) -> Result<(bool, bool), FieldError> {
    let mut flag = |name: &str, path: &mut Vec<Seg>| match element.remove(name) {
        None => Ok(false),
        Some(toml::Value::Boolean(b)) => Ok(b),
        Some(_) => {
            path.push(Seg::Key(name.into()));
            Err(FieldError::new(path, format!("`{name}` must be true or false")))
        }
    };
    let remove = flag("remove", path)?;
    let new = flag("new", path)?;
    if remove {
        if let Some(other) = element.keys().find(|k| *k != "id") {
            path.push(Seg::Key(other.clone()));
            return Err(FieldError::new(
                path,
                format!(
                    "an element with `remove = true` takes only its id, but this one also sets `{other}`; drop \
                     `remove = true` to change `{id}`, or the other keys to remove it"
                ),
            ));
        }
    }
    Ok((remove, new))
}

/// A TOML value as written in a message: strings in backticks.
fn shown(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// Finds the file and line of an error at a path in the merged table: the
/// most derived file that sets the key, matching array elements by `id`.
/// The key names elements by their ids ([`locate::render_key`]).
fn locate_error(files: &[SourceFile], merged: &toml::Table, e: FieldError) -> LoadScenarioError {
    let mut best: Option<(usize, usize, usize, Vec<Seg>)> = None; // (depth, file, line, path)
    for (fi, file) in files.iter().enumerate().rev() {
        if let Some((depth, line, local)) = locate::find_in_file(&file.spans(), &file.table, merged, &e.path) {
            if best.as_ref().is_none_or(|(d, ..)| depth > *d) {
                best = Some((depth, fi, line, local));
            }
        }
    }
    let last = files.len().saturating_sub(1);
    let (file, line, shown) = match best {
        Some((_, fi, line, local)) => (fi, Some(line), local),
        // A key that no file sets (a missing one): the line of the nearest
        // table that holds it, else the top of the file.
        None => {
            let spans = files[last].spans();
            let line = (1..e.path.len()).rev().find_map(|n| spans.line_of(&e.path[..n])).unwrap_or(1);
            (last, Some(line), e.path.clone())
        }
    };
    let key = locate::render_key(&e.path, merged, &shown);
    LoadScenarioError { file: files[file].path.clone(), line, key, message: e.message }
}

/// Turns a serde error (with its path) into a [`FieldError`], adding
/// "did you mean" to unknown keys.
fn serde_error(e: serde_path_to_error::Error<toml::de::Error>) -> FieldError {
    let mut path: Vec<Seg> = Vec::new();
    for seg in e.path().iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => path.push(Seg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => path.push(Seg::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => path.push(Seg::Key(variant.clone())),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    let raw = e.inner().message().trim_end_matches('.').to_string();
    let message = if let Some(rest) = raw.strip_prefix("unknown field `") {
        let (field, tail) = rest.split_once('`').unwrap_or((rest, ""));
        if path.last() != Some(&Seg::Key(field.to_string())) {
            path.push(Seg::Key(field.to_string()));
        }
        let expected: Vec<String> =
            tail.split('`').enumerate().filter(|(i, _)| i % 2 == 1).map(|(_, s)| s.to_string()).collect();
        let hint = crate::suggest::did_you_mean(field, &expected);
        if hint.is_empty() {
            format!("unknown key `{field}`; the keys allowed here are {}", expected.join(", "))
        } else {
            format!("unknown key `{field}`{hint}")
        }
    } else if let Some(rest) = raw.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        format!("missing key `{field}`; add it")
    } else if raw.starts_with("invalid type") {
        let message =
            raw.replace("expected i64", "expected a whole number").replace("expected f64", "expected a number");
        let key = path.iter().rev().find_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        });
        format!("{message}{}", type_hint(&message, key.unwrap_or("key")))
    } else {
        raw
    };
    FieldError { path, message }
}

/// How to write a value of the type a key expects, for a message that says
/// which type it expected (serde's "invalid type: map, expected a string").
fn type_hint(message: &str, key: &str) -> String {
    let expected = message.rsplit_once("expected ").map_or("", |(_, e)| e);
    let found_table = message.starts_with("invalid type: map");
    let found_text = message.starts_with("invalid type: string");
    match expected {
        "a whole number" if found_table => {
            format!("; `{key}` is a count here and cannot be drawn from a distribution: write a whole number, e.g. `{key} = 10`")
        }
        "a whole number" if found_text => format!("; write the number without quotes, e.g. `{key} = 10`"),
        "a whole number" => format!("; write a whole number, e.g. `{key} = 10`"),
        "a number" if found_text => format!("; write the number without quotes, e.g. `{key} = 0.5`"),
        "a number" => format!("; write a number, e.g. `{key} = 0.5`"),
        "a string" if matches!(key, "start" | "until" | "end" | "at") => {
            format!("; write the month in quotes as \"YYYY-MM\", e.g. `{key} = \"2025-04\"`")
        }
        "a string" => format!("; write it in quotes, e.g. `{key} = \"text\"`"),
        "a sequence" => format!("; write a list in square brackets, e.g. `{key} = [ … ]`"),
        "a boolean" => format!("; write `{key} = true` or `{key} = false`"),
        _ => String::new(),
    }
}

/// FNV-1a over the text, as 16 hex digits: a stable fingerprint of the
/// scenario after overlays.
fn hash_hex(text: &str) -> String {
    format!("{:016x}", crate::rng::fnv1a(text.as_bytes()))
}

#[cfg(test)]
mod tests;
