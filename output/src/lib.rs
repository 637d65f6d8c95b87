//! Everything a run writes: `summary.csv`, `survival.csv`, `manifest.json`,
//! written atomically into a results directory, and the one-screen
//! description of a scenario that `fundscape validate` prints.
//!
//! This crate renders a [`Summary`]; it never simulates.

mod describe;
mod files;

pub use describe::describe;
pub use files::{manifest_json, summary_csv, survival_csv, write_results, Manifest, WriteResultsError};
