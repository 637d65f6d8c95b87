//! Pointing into scenario files: key paths, and the line each key is on.

use toml_edit::{Item, TableLike, Value as EditValue};

/// One step of a key path: a table key or an array index (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Renders a path as the analyses name inputs (model.md §10): an array
/// element by what identifies it in `table`, the merged scenario or one file
/// of it (`grants.gmiau-2021.region`, `regions.london.demand`,
/// `sustainability.successors.legal_aid.probability`, `funders.JTI.until`).
/// A successor whose source is listed twice is `<source>[i]`, as the
/// analyses name it. An element without a usable identity, or an error about
/// the identity itself (a missing, repeated or malformed `id`), keeps its
/// place, as `shown` gives it (the indices of the file the error points
/// into, where an overlay's `grants[0]` may be the base's `grants[3]`):
/// `grants[2].id`. `shown` is `path` with the same segments, its indices
/// perhaps another file's.
pub fn render_key(path: &[Seg], table: &toml::Table, shown: &[Seg]) -> String {
    let mut out = String::new();
    let mut at: Option<&toml::Value> = None;
    for (i, seg) in path.iter().enumerate() {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
                at = if i == 0 { table.get(k) } else { at.and_then(|v| v.get(k)) };
            }
            Seg::Index(n) => {
                let parent = match i.checked_sub(1).map(|j| &path[j]) {
                    Some(Seg::Key(k)) => k.as_str(),
                    _ => "",
                };
                let items = at.and_then(toml::Value::as_array).map(Vec::as_slice).unwrap_or_default();
                match element_name(parent, items, *n, path.get(i + 1)) {
                    Some(name) => {
                        out.push('.');
                        out.push_str(&name);
                    }
                    None => {
                        let place = match shown.get(i) {
                            Some(Seg::Index(j)) => *j,
                            _ => *n,
                        };
                        out.push_str(&format!("[{place}]"));
                    }
                }
                at = items.get(*n);
            }
        }
    }
    out
}

/// How element `n` of the array `parent` is named in a key, if it can be.
fn element_name(parent: &str, items: &[toml::Value], n: usize, next: Option<&Seg>) -> Option<String> {
    let field = match parent {
        "successors" => "source",
        "funders" => "name",
        _ => "id",
    };
    if next == Some(&Seg::Key(field.to_string())) {
        return None;
    }
    fn name_of<'v>(e: &'v toml::Value, field: &str) -> Option<&'v str> {
        e.get(field).and_then(toml::Value::as_str)
    }
    let name = name_of(items.get(n)?, field)?;
    let usable = !name.is_empty() && !name.contains(['.', '[', ']']) && !name.chars().any(char::is_control);
    if !usable {
        return None;
    }
    let repeated = items.iter().filter(|e| name_of(e, field) == Some(name)).count() > 1;
    match (repeated, field) {
        (false, _) => Some(name.to_string()),
        (true, "source") => Some(format!("{name}[{n}]")),
        (true, _) => None,
    }
}

/// 1-based line of a byte offset.
pub fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

/// Byte offsets → lines in one text, by binary search over its newlines
/// (one pass to build; each look-up is logarithmic, so spans of a large file
/// cost linear time, not quadratic).
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        Self(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect())
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&p| p < offset) + 1
    }
}

/// The lines of every key and array element in one file.
#[derive(Debug, Default)]
pub struct SpanTree {
    root: Node,
}

#[derive(Debug, Default)]
enum Node {
    Table(Vec<(String, Option<usize>, Node)>),
    Array(Vec<(Option<usize>, Node)>),
    #[default]
    Leaf,
}

impl SpanTree {
    pub fn parse(text: &str) -> Self {
        match toml_edit::Document::parse(text) {
            Ok(doc) => Self { root: from_table(doc.as_table(), &LineIndex::new(text)) },
            Err(_) => Self::default(),
        }
    }

    /// Line of the deepest part of `path` found in this file (file-local indices).
    pub fn line_of(&self, path: &[Seg]) -> Option<usize> {
        let mut node = &self.root;
        let mut line = None;
        for seg in path {
            match (node, seg) {
                (Node::Table(entries), Seg::Key(k)) => match entries.iter().find(|(name, _, _)| name == k) {
                    Some((_, l, child)) => {
                        line = l.or(line);
                        node = child;
                    }
                    None => break,
                },
                (Node::Array(items), Seg::Index(i)) => match items.get(*i) {
                    Some((l, child)) => {
                        line = l.or(line);
                        node = child;
                    }
                    None => break,
                },
                _ => break,
            }
        }
        line
    }
}

fn from_table(table: &dyn TableLike, text: &LineIndex) -> Node {
    let mut entries = Vec::new();
    for (name, item) in table.iter() {
        let line = table
            .get_key_value(name)
            .and_then(|(key, _)| key.span())
            .or_else(|| item.span())
            .map(|s| text.line(s.start));
        entries.push((name.to_string(), line, from_item(item, text)));
    }
    Node::Table(entries)
}

fn from_item(item: &Item, text: &LineIndex) -> Node {
    match item {
        Item::Table(t) => from_table(t, text),
        Item::ArrayOfTables(a) => {
            Node::Array(a.iter().map(|t| (t.span().map(|s| text.line(s.start)), from_table(t, text))).collect())
        }
        Item::Value(v) => from_value(v, text),
        Item::None => Node::Leaf,
    }
}

fn from_value(value: &EditValue, text: &LineIndex) -> Node {
    match value {
        EditValue::InlineTable(t) => from_table(t, text),
        EditValue::Array(a) => {
            Node::Array(a.iter().map(|v| (v.span().map(|s| text.line(s.start)), from_value(v, text))).collect())
        }
        _ => Node::Leaf,
    }
}

/// Finds a merged-table path in one file of the overlay chain. Array indices
/// in `path` refer to the merged table; elements are matched to the file's by
/// their `id`. Returns how many segments matched, the line of the deepest,
/// and the path with the file's own array indices.
pub fn find_in_file(
    spans: &SpanTree,
    file: &toml::Table,
    merged: &toml::Table,
    path: &[Seg],
) -> Option<(usize, usize, Vec<Seg>)> {
    let mut local: Vec<Seg> = Vec::new();
    let mut in_file: Option<&toml::Value> = None;
    let mut in_merged: Option<&toml::Value> = None;
    let mut depth = 0;
    for (i, seg) in path.iter().enumerate() {
        match seg {
            Seg::Key(k) => {
                let (f, m) = if i == 0 {
                    (file.get(k), merged.get(k))
                } else {
                    (in_file.and_then(|v| v.get(k)), in_merged.and_then(|v| v.get(k)))
                };
                if f.is_none() {
                    break;
                }
                in_file = f;
                in_merged = m;
                local.push(seg.clone());
            }
            Seg::Index(idx) => {
                let m = in_merged.and_then(|v| v.get(*idx));
                let id = m.and_then(|e| e.get("id"));
                let file_items = in_file.and_then(|v| v.as_array());
                let local_idx = match (id, file_items) {
                    (Some(id), Some(items)) => items.iter().position(|e| e.get("id") == Some(id)),
                    (None, Some(items)) if *idx < items.len() => Some(*idx),
                    _ => None,
                };
                let Some(j) = local_idx else { break };
                in_file = file_items.and_then(|items| items.get(j));
                in_merged = m;
                local.push(Seg::Index(j));
            }
        }
        depth += 1;
    }
    if depth == 0 {
        return None;
    }
    let line = spans.line_of(&local)?;
    // The rest of the path (not in this file) keeps the merged indices.
    local.extend(path[depth..].iter().cloned());
    Some((depth, line, local))
}
