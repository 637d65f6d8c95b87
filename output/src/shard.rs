//! A shard's results directory (`fundscape run --shard I/N`, or `compare
//! --shard I/N`): what a merge needs and nothing rounded. `shard.json` says
//! which run or comparison it is a slice of (scenarios, their hashes and
//! files, seed, runs, I/N, the blocks); `shard.bin` holds the slice's exact
//! statistics ([`fundscape_sim::Slice`], [`fundscape_sim::CompareSlice`]);
//! a run's shard also copies the scenario's files as a run does.

use std::path::{Path, PathBuf};

use fundscape_sim::{CompareSlice, Scenario, Slice};
use serde::{Deserialize, Serialize};

use crate::read::ReadResultsError;

/// The shard's description, `shard.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    pub program: String,
    pub version: String,
    /// `"run-shard"`: what merge looks for.
    pub kind: String,
    pub scenario_name: String,
    /// The scenario file as given to `run`.
    pub scenario_file: String,
    /// Its absolute path when the shard ran: where `merge` reads it from.
    pub scenario_path: String,
    pub scenario_hash: String,
    pub seed: u64,
    /// The runs of the whole run.
    pub runs: u64,
    pub shard: u64,
    pub shards: u64,
    /// This shard's blocks of runs, `[first, end)` (runs `256·first ..`).
    pub blocks: [u64; 2],
    pub wall_time_seconds: f64,
}

/// What `shard.json` says it is.
pub const SHARD_KIND: &str = "run-shard";
/// The most bytes `shard.bin` may hold (about 16,000 blocks of the UK
/// baseline's figures: 4 million runs in one shard).
pub const MAX_SHARD_BYTES: u64 = 1 << 30;

/// The files of a shard's results directory.
pub fn shard_files(
    slice: &Slice,
    scenario: &Scenario,
    scenario_file: &Path,
    wall_time_seconds: f64,
) -> Vec<(String, Vec<u8>)> {
    let manifest = ShardManifest {
        program: "fundscape".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind: SHARD_KIND.into(),
        scenario_name: scenario.name.clone(),
        scenario_file: scenario_file.display().to_string(),
        scenario_path: absolute(scenario_file),
        scenario_hash: scenario.hash.clone(),
        seed: slice.seed,
        runs: slice.runs,
        shard: slice.shard.index,
        shards: slice.shard.count,
        blocks: [slice.blocks.start, slice.blocks.end],
        wall_time_seconds: (wall_time_seconds * 1000.0).round() / 1000.0,
    };
    let mut files = vec![shard_json_file(&manifest), ("shard.bin".to_string(), slice.to_bytes())];
    files.extend(crate::scenario_copies(scenario));
    files
}

/// What `shard.json` of a comparison's shard says it is.
pub const COMPARE_SHARD_KIND: &str = "compare-shard";

/// One scenario of a comparison's shard: its label (`base`, or the
/// alternative's as `compare` names it) and where `merge` reads it from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardScenario {
    pub label: String,
    pub scenario_name: String,
    /// The scenario file as given to `compare`.
    pub scenario_file: String,
    /// Its absolute path when the shard ran.
    pub scenario_path: String,
    pub scenario_hash: String,
}

impl ShardScenario {
    pub fn new(label: &str, scenario: &Scenario, file: &Path) -> Self {
        Self {
            label: label.to_string(),
            scenario_name: scenario.name.clone(),
            scenario_file: file.display().to_string(),
            scenario_path: absolute(file),
            scenario_hash: scenario.hash.clone(),
        }
    }
}

fn absolute(file: &Path) -> String {
    std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf()).display().to_string()
}

/// A comparison's shard's description, `shard.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareShardManifest {
    pub program: String,
    pub version: String,
    /// `"compare-shard"`.
    pub kind: String,
    /// The base first, then the alternatives in the order given.
    pub scenarios: Vec<ShardScenario>,
    pub seed: u64,
    pub runs: u64,
    pub shard: u64,
    pub shards: u64,
    pub blocks: [u64; 2],
    pub wall_time_seconds: f64,
}

/// The files of a comparison's shard: `shard.json` and `shard.bin`.
pub fn compare_shard_files(
    slice: &CompareSlice,
    scenarios: Vec<ShardScenario>,
    wall_time_seconds: f64,
) -> Vec<(String, Vec<u8>)> {
    let manifest = CompareShardManifest {
        program: "fundscape".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind: COMPARE_SHARD_KIND.into(),
        scenarios,
        seed: slice.seed,
        runs: slice.runs,
        shard: slice.shard.index,
        shards: slice.shard.count,
        blocks: [slice.blocks.start, slice.blocks.end],
        wall_time_seconds: (wall_time_seconds * 1000.0).round() / 1000.0,
    };
    vec![shard_json_file(&manifest), ("shard.bin".to_string(), slice.to_bytes())]
}

/// `shard.json`: a shard's description, pretty-printed, one newline at the end.
fn shard_json_file(manifest: &impl Serialize) -> (String, Vec<u8>) {
    let mut json = serde_json::to_vec_pretty(manifest).unwrap_or_default();
    json.push(b'\n');
    ("shard.json".to_string(), json)
}

/// A shard's directory read back: a run's or a comparison's.
#[derive(Debug, Clone)]
pub enum AnyShard {
    Run(ShardManifest, Slice),
    Compare(CompareShardManifest, CompareSlice),
}

/// Reads a shard's directory back, a run's or a comparison's (told apart by
/// `shard.json`'s `kind`): its description and its slice, which must agree.
pub fn read_any_shard(dir: &Path) -> Result<AnyShard, ReadResultsError> {
    let json = shard_json(dir)?;
    let kind = serde_json::from_slice::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string));
    if kind.as_deref() != Some(COMPARE_SHARD_KIND) {
        return read_shard(dir).map(|(m, s)| AnyShard::Run(m, s));
    }
    let path = dir.join("shard.json");
    let manifest: CompareShardManifest = serde_json::from_slice(&json)
        .map_err(|e| ReadResultsError::Malformed { path: path.clone(), message: e.to_string() })?;
    let bin = shard_file(dir, "shard.bin", MAX_SHARD_BYTES)?;
    let slice = CompareSlice::from_bytes(&bin)
        .map_err(|e| ReadResultsError::Malformed { path: dir.join("shard.bin"), message: e.to_string() })?;
    let agrees = slice.hashes.iter().eq(manifest.scenarios.iter().map(|s| &s.scenario_hash))
        && slice.seed == manifest.seed
        && slice.runs == manifest.runs
        && slice.shard.index == manifest.shard
        && slice.shard.count == manifest.shards
        && [slice.blocks.start, slice.blocks.end] == manifest.blocks;
    if !agrees {
        return Err(ReadResultsError::Malformed {
            path: dir.join("shard.bin"),
            message: "does not match shard.json (files of two shards mixed?)".into(),
        });
    }
    Ok(AnyShard::Compare(manifest, slice))
}

/// A file of a shard's directory, after checking that it is one.
fn shard_file(dir: &Path, name: &str, limit: u64) -> Result<Vec<u8>, ReadResultsError> {
    let not = |message: String| ReadResultsError::NotResults { dir: dir.to_path_buf(), message };
    if !crate::has_marker(dir) {
        return Err(not(
            "not a results directory written by fundscape (give the directories `run --shard` or `compare --shard` wrote)"
                .into(),
        ));
    }
    let path = dir.join(name);
    fundscape_sim::input::read_bytes(&path, limit).map_err(|e| {
        if matches!(e, fundscape_sim::input::ReadInputError::NotFound) {
            not(format!(
                "has no {name}: it is not a shard (write shards with `fundscape run SCENARIO --shard I/N` or `fundscape compare BASE ALT... --shard I/N`)"
            ))
        } else {
            ReadResultsError::Malformed { path: path.clone(), message: e.to_string() }
        }
    })
}

fn shard_json(dir: &Path) -> Result<Vec<u8>, ReadResultsError> {
    shard_file(dir, "shard.json", fundscape_sim::input::MAX_INPUT_BYTES)
}

/// Reads a run's shard's directory back: its description and its slice,
/// which must agree.
pub fn read_shard(dir: &Path) -> Result<(ShardManifest, Slice), ReadResultsError> {
    let not = |message: String| ReadResultsError::NotResults { dir: dir.to_path_buf(), message };
    let path = |name: &str| -> PathBuf { dir.join(name) };
    let read = |name: &str, limit: u64| shard_file(dir, name, limit);
    let json = read("shard.json", fundscape_sim::input::MAX_INPUT_BYTES)?;
    let manifest: ShardManifest = serde_json::from_slice(&json)
        .map_err(|e| ReadResultsError::Malformed { path: path("shard.json"), message: e.to_string() })?;
    if manifest.kind != SHARD_KIND {
        return Err(not(format!("holds a shard of kind `{}`, not a run's", manifest.kind)));
    }
    let bin = read("shard.bin", MAX_SHARD_BYTES)?;
    let slice = Slice::from_bytes(&bin)
        .map_err(|e| ReadResultsError::Malformed { path: path("shard.bin"), message: e.to_string() })?;
    let agrees = slice.scenario_hash == manifest.scenario_hash
        && slice.seed == manifest.seed
        && slice.runs == manifest.runs
        && slice.shard.index == manifest.shard
        && slice.shard.count == manifest.shards
        && [slice.blocks.start, slice.blocks.end] == manifest.blocks;
    if !agrees {
        return Err(ReadResultsError::Malformed {
            path: path("shard.bin"),
            message: "does not match shard.json (files of two shards mixed?)".into(),
        });
    }
    Ok((manifest, slice))
}
