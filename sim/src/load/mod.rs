//! Loading a scenario: read the file and the files it `extends`, merge the
//! overlays (model.md §7), deserialise the merged table into the raw layer,
//! and convert it into a validated [`Scenario`]. Every error names the file,
//! line and key at fault and says how to fix it.

mod convert;
mod locate;
mod raw;

use std::path::{Path, PathBuf};

use crate::scenario::Scenario;
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
    finish(path, read_chain(path, None)?)
}

/// Loads a scenario from text, as if it were the file at `path` (`extends`
/// is resolved relative to `path`).
///
/// # Errors
/// As [`load`].
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, LoadScenarioError> {
    finish(path, read_chain(path, Some(text))?)
}

fn finish(path: &Path, files: Vec<SourceFile>) -> Result<Scenario, LoadScenarioError> {
    let merged = merge_chain(&files)?;
    let locate = |e: FieldError| locate_error(&files, &merged, e);
    let raw: raw::RawScenario =
        serde_path_to_error::deserialize(toml::Value::Table(merged.clone())).map_err(|e| locate(serde_error(e)))?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let hash = hash_hex(&toml::to_string(&merged).unwrap_or_default());
    let mut scenario = convert::scenario(raw, &stem, hash).map_err(locate)?;
    scenario.files = files.into_iter().map(|f| (f.path, f.text)).collect();
    Ok(scenario)
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
        let text = match text_override.take() {
            Some(t) => t,
            None => crate::input::read_text(&next, crate::input::MAX_INPUT_BYTES).map_err(|e| {
                match chain.last() {
                    // A missing base: point at the `extends` line that names it.
                    Some(from) => LoadScenarioError {
                        file: from.path.clone(),
                        line: from.spans().line_of(&extends_path()),
                        key: "scenario.extends".into(),
                        message: format!(
                            "cannot read `{}`: {}; the path is relative to the extending file",
                            next.display(),
                            e
                        ),
                    },
                    None => LoadScenarioError {
                        file: next.clone(),
                        line: None,
                        key: String::new(),
                        message: format!("cannot read the scenario file: {e}"),
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

fn extends_path() -> Vec<Seg> {
    vec![Seg::Key("scenario".into()), Seg::Key("extends".into())]
}

fn parse_file(path: &Path, text: &str) -> Result<SourceFile, LoadScenarioError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| locate::line_at(text, s.start));
        LoadScenarioError {
            file: path.to_path_buf(),
            line,
            key: String::new(),
            message: format!("invalid TOML: {}", e.message().trim_end().trim_end_matches('.').to_lowercase()),
        }
    })?;
    Ok(SourceFile { path: path.to_path_buf(), text: text.to_string(), table })
}

/// Merges the chain, base first (model.md §7).
fn merge_chain(files: &[SourceFile]) -> Result<toml::Table, LoadScenarioError> {
    let mut merged = toml::Table::new();
    for file in files {
        let mut table = file.table.clone();
        if let Some(toml::Value::Table(s)) = table.get_mut("scenario") {
            s.remove("extends");
        }
        merge_table(&mut merged, table, &mut Vec::new()).map_err(|e| LoadScenarioError {
            file: file.path.clone(),
            line: file.spans().line_of(&e.path),
            key: locate::render_path(&e.path),
            message: e.message,
        })?;
    }
    Ok(merged)
}

/// An array of tables whose elements all carry `id` merges element by element.
fn merges_by_id(items: &[toml::Value]) -> bool {
    !items.is_empty() && items.iter().all(|e| matches!(e, toml::Value::Table(t) if t.contains_key("id")))
}

fn merge_table(base: &mut toml::Table, over: toml::Table, path: &mut Vec<Seg>) -> Result<(), FieldError> {
    for (key, value) in over {
        path.push(Seg::Key(key.clone()));
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge_table(b, o, path)?,
            (existing, toml::Value::Array(o)) if merges_by_id(&o) => {
                let mut items = match existing {
                    Some(toml::Value::Array(b)) => std::mem::take(b),
                    _ => Vec::new(),
                };
                let mut ids: Vec<&toml::Value> = Vec::new();
                for (idx, element) in o.iter().enumerate() {
                    let id = element.get("id");
                    if let Some(id) = id.filter(|id| ids.contains(id)) {
                        path.extend([Seg::Index(idx), Seg::Key("id".into())]);
                        return Err(FieldError::new(
                            path,
                            format!("duplicate id {}; every element of [[{key}]] needs its own id", shown(id)),
                        ));
                    }
                    ids.extend(id);
                }
                for (idx, element) in o.into_iter().enumerate() {
                    path.push(Seg::Index(idx));
                    merge_element(&mut items, element, path)?;
                    path.pop();
                }
                base.insert(key, toml::Value::Array(items));
            }
            (_, v) => {
                base.insert(key, v);
            }
        }
        path.pop();
    }
    Ok(())
}

fn merge_element(items: &mut Vec<toml::Value>, element: toml::Value, path: &mut Vec<Seg>) -> Result<(), FieldError> {
    let toml::Value::Table(mut over) = element else {
        return Ok(());
    };
    let id = over.get("id").cloned();
    let remove = match over.remove("remove") {
        None => false,
        Some(toml::Value::Boolean(b)) => b,
        Some(_) => {
            path.push(Seg::Key("remove".into()));
            return Err(FieldError::new(path, "`remove` must be true or false"));
        }
    };
    let pos = items.iter().position(|e| matches!(e, toml::Value::Table(t) if t.get("id") == id.as_ref()));
    match (pos, remove) {
        (Some(p), true) => {
            items.remove(p);
        }
        (None, true) => {
            path.push(Seg::Key("id".into()));
            let shown = id.as_ref().map(shown).unwrap_or_default();
            let known: Vec<String> =
                items.iter().filter_map(|e| e.get("id").and_then(|v| v.as_str()).map(str::to_owned)).collect();
            let hint = crate::suggest::did_you_mean(shown.trim_matches('`'), &known);
            return Err(FieldError::new(
                path,
                format!("cannot remove {shown}: the files this one extends have no element with that id{hint}"),
            ));
        }
        (Some(p), false) => {
            if let toml::Value::Table(b) = &mut items[p] {
                merge_table(b, over, path)?;
            }
        }
        (None, false) => items.push(toml::Value::Table(over)),
    }
    Ok(())
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
/// The key is named with the indices of the file it points into (an
/// overlay's `grants[0]` may be the base's `grants[3]`).
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
    let (file, line, key) = match best {
        Some((_, fi, line, local)) => (fi, Some(line), locate::render_path(&local)),
        None => (last, None, locate::render_path(&e.path)),
    };
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
        raw.replace("expected i64", "expected a whole number").replace("expected f64", "expected a number")
    } else {
        raw
    };
    FieldError { path, message }
}

/// FNV-1a over the text, as 16 hex digits: a stable fingerprint of the
/// scenario after overlays.
fn hash_hex(text: &str) -> String {
    format!("{:016x}", crate::rng::fnv1a(text.as_bytes()))
}

#[cfg(test)]
mod tests;
