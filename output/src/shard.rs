//! A shard's results directory (`fundscape run --shard I/N`): what a merge
//! needs and nothing rounded. `shard.json` says which run it is a slice of
//! (scenario, its hash and file, seed, runs, I/N, the blocks); `shard.bin`
//! holds the slice's exact statistics ([`fundscape_sim::Slice`]); the
//! scenario's files are copied as a run's are.

use std::path::{Path, PathBuf};

use fundscape_sim::{Scenario, Slice};
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
        scenario_path: std::fs::canonicalize(scenario_file)
            .unwrap_or_else(|_| scenario_file.to_path_buf())
            .display()
            .to_string(),
        scenario_hash: scenario.hash.clone(),
        seed: slice.seed,
        runs: slice.runs,
        shard: slice.shard.index,
        shards: slice.shard.count,
        blocks: [slice.blocks.start, slice.blocks.end],
        wall_time_seconds: (wall_time_seconds * 1000.0).round() / 1000.0,
    };
    let mut json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    json.push(b'\n');
    let mut files = vec![("shard.json".to_string(), json), ("shard.bin".to_string(), slice.to_bytes())];
    files.extend(crate::scenario_copies(scenario));
    files
}

/// Reads a shard's directory back: its description and its slice, which
/// must agree.
pub fn read_shard(dir: &Path) -> Result<(ShardManifest, Slice), ReadResultsError> {
    let not = |message: String| ReadResultsError::NotResults { dir: dir.to_path_buf(), message };
    if !crate::has_marker(dir) {
        return Err(not(
            "not a results directory written by fundscape (give the directories `run --shard` wrote)".into()
        ));
    }
    let path = |name: &str| -> PathBuf { dir.join(name) };
    let read = |name: &str, limit: u64| {
        fundscape_sim::input::read_bytes(&path(name), limit).map_err(|e| {
            if matches!(e, fundscape_sim::input::ReadInputError::NotFound) {
                not(format!(
                    "has no {name}: it is not a shard (write shards with `fundscape run SCENARIO --shard I/N`)"
                ))
            } else {
                ReadResultsError::Malformed { path: path(name), message: e.to_string() }
            }
        })
    };
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
