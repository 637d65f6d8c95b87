//! Pointing into scenario files: key paths, and the line each key is on.

use toml_edit::{Item, TableLike, Value as EditValue};

/// One step of a key path: a table key or an array index (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Renders a path as `grants[2].region`.
pub fn render_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
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
