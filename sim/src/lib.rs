//! The fundscape engine: scenarios, the monthly model, the Monte Carlo
//! driver and streaming statistics.
//!
//! Data flows one way: scenario text → [`load`] → validated [`Scenario`] →
//! [`run`] → [`Summary`]. Nothing in the model or the driver does I/O; the
//! loader reads scenario files and nothing else.
//!
//! ```no_run
//! use fundscape_sim::{load, run, RunConfig};
//! let scenario = load(std::path::Path::new("scenarios/uk-baseline.toml"))?;
//! let summary = run(&scenario, &RunConfig { runs: 1000, seed: 1, threads: 0 }, &|_| {});
//! println!("{} rows", summary.rows.len());
//! # Ok::<(), fundscape_sim::LoadScenarioError>(())
//! ```
//!
//! The model is specified in `model.md` (the project's copy is
//! `docs/model.md`); section numbers in comments refer to it.

// Checks are written `!(x > 0.0)` on purpose, so that NaN fails them.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod bytes;
pub mod compare;
pub mod correlation;
pub mod driver;
pub mod input;
pub mod inputs;
mod load;
pub mod model;
pub mod optimise;
pub mod precision;
pub mod rng;
pub mod rounds;
pub mod samples;
pub mod scenario;
pub mod sensitivity;
pub mod special;
pub mod stats;
pub mod suggest;
pub mod summary;
pub mod value;

pub use compare::{compare, compare_shard, merge_compare_slices, CompareScenariosError, CompareSlice, Comparison};
pub use driver::{merge_slices, run, run_shard, MergeError, RunConfig, ShardSpec, Slice};
pub use load::levers::LeverSpec;
pub use load::limits::{MAX_POSTS, MAX_RUNS};
pub use load::{load, load_str, load_with_levers, scenario_schema, LoadScenarioError};
pub use scenario::Scenario;
pub use summary::{ExceedanceRow, Summary, TotalRow};
