//! `[[levers]]`: the inputs a live page (`fundscape serve`) offers as
//! sliders, each with a label and a range. The table is read by the loader
//! like any other (so misspelt keys are caught, and the schema knows it),
//! checked here against the scenario's inputs, and handed to the caller; the
//! engine never reads it.

use schemars::JsonSchema;
use serde::Deserialize;

use super::locate::Seg;
use super::FieldError;
use crate::inputs::inputs;
use crate::scenario::Scenario;
use crate::suggest::did_you_mean;

/// One lever as the file writes it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Lever")]
pub struct RawLever {
    /// An input key (`rounds.r2026.budget`, `sustainability.successors.legal_aid.probability`), or
    /// `regions.*.KEY` for the same key in every region.
    pub key: String,
    /// What the page calls it (default: from the key).
    pub label: Option<String>,
    /// The slider's lowest value (default: from the key's domain and value).
    pub min: Option<f64>,
    /// The slider's highest value.
    pub max: Option<f64>,
    /// The slider's step (default: about a hundredth of the range).
    pub step: Option<f64>,
}

/// A lever of `[[levers]]`, checked: its key names inputs of the scenario,
/// its range is ordered and its step positive.
#[derive(Debug, Clone, PartialEq)]
pub struct LeverSpec {
    pub key: String,
    pub label: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub step: Option<f64>,
}

/// Checks `[[levers]]` against the scenario's inputs.
pub(super) fn check(raw: &[RawLever], s: &Scenario) -> Result<Vec<LeverSpec>, FieldError> {
    let keys: Vec<String> = inputs(s).into_iter().map(|i| i.key).collect();
    let mut out: Vec<LeverSpec> = Vec::new();
    for (i, l) in raw.iter().enumerate() {
        let at = |field: &str| vec![Seg::Key("levers".into()), Seg::Index(i), Seg::Key(field.into())];
        let known = match l.key.strip_prefix("regions.*.") {
            Some(rest) => s.regions.iter().any(|r| keys.contains(&format!("regions.{}.{rest}", r.id))),
            None => keys.contains(&l.key),
        };
        if !known {
            let mut candidates = keys.clone();
            for k in &keys {
                if let Some((_, rest)) = k.strip_prefix("regions.").and_then(|r| r.split_once('.')) {
                    let g = format!("regions.*.{rest}");
                    if !candidates.contains(&g) {
                        candidates.push(g);
                    }
                }
            }
            let mut hint = did_you_mean(&l.key, &candidates);
            if hint.is_empty() {
                hint = "; a lever's key is an input key (docs/scenario.md, \"Inputs\"), or `regions.*.KEY`".into();
            }
            return Err(FieldError::new(&at("key"), format!("`{}` is not an input of this scenario{hint}", l.key)));
        }
        if out.iter().any(|o| o.key == l.key) {
            return Err(FieldError::new(&at("key"), format!("`{}` is listed twice; give each lever once", l.key)));
        }
        for (field, v) in [("min", l.min), ("max", l.max), ("step", l.step)] {
            if let Some(x) = v {
                if !x.is_finite() {
                    return Err(FieldError::new(&at(field), "must be a finite number"));
                }
            }
        }
        if let (Some(lo), Some(hi)) = (l.min, l.max) {
            if !(lo < hi) {
                return Err(FieldError::new(&at("max"), format!("must be greater than min ({lo}); it is {hi}")));
            }
        }
        if let Some(step) = l.step {
            if !(step > 0.0) {
                return Err(FieldError::new(&at("step"), format!("must be greater than 0; it is {step}")));
            }
        }
        out.push(LeverSpec { key: l.key.clone(), label: l.label.clone(), min: l.min, max: l.max, step: l.step });
    }
    Ok(out)
}
