//! Everything a run writes: `summary.csv`, `survival.csv`,
//! `posts_by_source.csv`, `manifest.json`,
//! written atomically into a results directory, and the one-screen
//! description of a scenario that `fundscape validate` prints.
//!
//! This crate renders a [`Summary`]; it never simulates.

mod describe;
mod files;

pub use describe::describe;
pub use files::{
    manifest_json, posts_by_source_csv, summary_csv, survival_csv, write_file, write_results, Manifest,
    WriteResultsError,
};
