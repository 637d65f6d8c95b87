//! The scenario file as a JSON Schema (draft 2020-12), generated from the
//! raw layer's types (`raw.rs`) so it cannot drift from what the loader
//! reads. Editors use it to complete keys and flag misspellings; the loader
//! remains the judge (`fundscape validate`): the schema cannot say that a
//! region id exists or that shares sum to 1.
//!
//! The schema describes one file as written, which may be an overlay: an
//! element of `[[regions]]`, `[[grants]]`, `[[shocks]]`, `[[rounds]]` or
//! `[[changes]]` needs only its `id` (an overlay changes the base's element
//! with that id; the loader checks the merged scenario for the rest), and
//! may say `new = true` or `remove = true`; `[scenario]` may say `extends`.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{json, Map, Value as Json};

use super::convert::{dist_keys, DISTS};
use super::raw::RawScenario;

/// The arrays whose elements overlays merge by `id` (model.md §7), by the
/// names of their element types in the schema.
const BY_ID: [&str; 5] = ["Region", "Grant", "Shock", "Round", "Change"];

/// The JSON Schema of a scenario file.
pub fn scenario_schema() -> Schema {
    let mut schema = SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<RawScenario>();
    schema.insert("title".into(), "fundscape scenario".into());
    schema.insert(
        "description".into(),
        "A fundscape scenario file (TOML), or an overlay on one. Generated from the loader's types by \
         `fundscape schema`; `fundscape validate FILE` checks the merged scenario in full."
            .into(),
    );
    let root = schema.ensure_object();
    without_null(root);
    if let Some(Json::Object(defs)) = root.get_mut("$defs") {
        for name in BY_ID {
            if let Some(Json::Object(def)) = defs.get_mut(name) {
                def.insert("required".into(), json!(["id"]));
                if let Some(Json::Object(props)) = def.get_mut("properties") {
                    props.insert(
                        "new".into(),
                        json!({ "type": "boolean", "description": "in an overlay: add this element (its id is new to the base)" }),
                    );
                    props.insert(
                        "remove".into(),
                        json!({ "type": "boolean", "description": "in an overlay: remove the base's element with this id" }),
                    );
                }
            }
        }
        if let Some(Json::Object(props)) = defs.get_mut("Meta").and_then(|m| m.get_mut("properties")) {
            props.insert(
                "extends".into(),
                json!({ "type": "string", "description": "the scenario file this one overlays, relative to this file" }),
            );
        }
    }
    schema
}

/// TOML has no null: `Option` fields are simply left out, so the schema's
/// `"null"` alternatives are dropped.
fn without_null(v: &mut Map<String, Json>) {
    if let Some(Json::Array(types)) = v.get("type") {
        let kept: Vec<Json> = types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
        let one = if kept.len() == 1 { kept[0].clone() } else { Json::Array(kept) };
        v.insert("type".into(), one);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Json::Array(alts)) = v.get_mut(key) {
            alts.retain(|a| a.get("type").and_then(Json::as_str) != Some("null"));
            // `Option<T>` leaves `{ "anyOf": [T] }`: just T.
            if let [Json::Object(only)] = alts.as_slice() {
                let only = only.clone();
                v.remove(key);
                v.extend(only);
            }
        }
    }
    for child in v.values_mut() {
        match child {
            Json::Object(m) => without_null(m),
            Json::Array(items) => items.iter_mut().filter_map(Json::as_object_mut).for_each(without_null),
            _ => {}
        }
    }
}

/// Registers `def` as `$defs/name` (once) and returns a reference to it.
fn reference(g: &mut SchemaGenerator, name: &str, def: impl FnOnce() -> Json) -> Schema {
    if !g.definitions().contains_key(name) {
        let def = def();
        g.definitions_mut().insert(name.into(), def);
    }
    Schema::new_ref(format!("#/$defs/{name}"))
}

/// The parameters a distribution must have: all of them for the bounded
/// ones, else all but the optional `min` and `max`.
pub(super) fn required_keys(dist: &str) -> Vec<&'static str> {
    let keys = dist_keys(dist);
    match dist {
        "uniform" | "triangular" | "pert" => keys.to_vec(),
        _ => keys.iter().copied().filter(|k| !matches!(*k, "min" | "max")).collect(),
    }
}

/// A *value*: a number, or a distribution table drawn once per run (model.md §2).
pub(super) fn value(g: &mut SchemaGenerator) -> Schema {
    reference(g, "Distribution", || {
        let one_of: Vec<Json> = DISTS
            .iter()
            .map(|dist| {
                let mut props = Map::new();
                props.insert("dist".into(), json!({ "const": dist }));
                for key in dist_keys(dist) {
                    props.insert((*key).into(), json!({ "type": "number" }));
                }
                let mut required = vec!["dist"];
                required.extend(required_keys(dist));
                json!({
                    "title": format!("{dist} distribution"),
                    "type": "object",
                    "properties": props,
                    "required": required,
                    "additionalProperties": false,
                })
            })
            .collect();
        json!({
            "description": format!("a distribution table, e.g. {{ dist = \"pert\", min = 1, mode = 2, max = 3 }}; `dist` is one of {}", DISTS.join(", ")),
            "oneOf": one_of,
        })
    });
    reference(g, "Value", || {
        json!({
            "description": "a number, or a distribution table such as { dist = \"pert\", min = 3000, mode = 6000, max = 12000 }, drawn once per run",
            "anyOf": [{ "type": "number" }, { "$ref": "#/$defs/Distribution" }],
        })
    })
}

fn shares() -> Json {
    json!({
        "type": "object",
        "description": "shares by region id, summing to 1, e.g. { london = 0.5, wales = 0.5 }",
        "additionalProperties": { "type": "number", "minimum": 0, "maximum": 1 },
    })
}

fn region_ids() -> Json {
    json!({ "type": "array", "items": { "type": "string" }, "description": "region ids, e.g. [\"london\", \"wales\"]" })
}

/// A shock's regions: `"all"`, a list of ids (an exit wave) or a table of
/// shares (a demand shock).
pub(super) fn shock_regions(_: &mut SchemaGenerator) -> Schema {
    json!({ "anyOf": [{ "const": "all" }, region_ids(), shares()] }).try_into().unwrap_or_default()
}

/// One of a fixed set of words.
fn one_of_words(words: &[&str]) -> Schema {
    json!({ "type": "string", "enum": words }).try_into().unwrap_or_default()
}

/// A scenario's kind in a comparison.
pub(super) fn scenario_kind(_: &mut SchemaGenerator) -> Schema {
    one_of_words(&["ask", "risk"])
}

/// A shock's kind.
pub(super) fn shock_kind(_: &mut SchemaGenerator) -> Schema {
    one_of_words(&["demand", "legal_aid_exit"])
}

/// A successor's source of money.
pub(super) fn successor_source(_: &mut SchemaGenerator) -> Schema {
    one_of_words(&["same_funder", "other_funder", "legal_aid", "local_authority"])
}

/// A change's regions: `"all"` or a list of ids.
pub(super) fn change_regions(_: &mut SchemaGenerator) -> Schema {
    json!({ "anyOf": [{ "const": "all" }, region_ids()] }).try_into().unwrap_or_default()
}

/// A round's allocation: `"unmet"` or a table of shares.
pub(super) fn allocation(_: &mut SchemaGenerator) -> Schema {
    json!({ "anyOf": [{ "const": "unmet", "description": "in proportion to each region's abandoned cases over the previous 12 months" }, shares()] })
        .try_into()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loads(demand: &str) -> bool {
        let text = format!(
            "[scenario]\nstart = \"2025-04\"\n[[regions]]\nid = \"wales\"\ndemand = {demand}\nabandon_rate = 0.1\n"
        );
        crate::load_str(std::path::Path::new("t.toml"), &text).is_ok()
    }

    /// The schema's required parameters are the loader's: each distribution
    /// loads with exactly them, and fails without any one of them.
    #[test]
    fn required_parameters_are_what_the_loader_needs() {
        let sample = |key: &str| match key {
            "min" => "1",
            "mode" => "2",
            "max" => "3",
            "mean" | "median" | "shape" | "alpha" | "beta" => "2",
            _ => "0.5",
        };
        for dist in DISTS {
            let required = required_keys(dist);
            let table = |keys: &[&str]| {
                let parts: Vec<String> = keys.iter().map(|k| format!("{k} = {}", sample(k))).collect();
                format!("{{ dist = \"{dist}\", {} }}", parts.join(", "))
            };
            assert!(loads(&table(&required)), "{dist} with {required:?}");
            for i in 0..required.len() {
                let mut fewer = required.clone();
                fewer.remove(i);
                assert!(!loads(&table(&fewer)), "{dist} without {}", required[i]);
            }
        }
    }
}
