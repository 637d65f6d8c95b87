//! Everything a run writes: `summary.csv`, `survival.csv`,
//! `posts_by_source.csv`, `manifest.json`, copies of the scenario files,
//! the charts (`charts/*.svg`, `charts/*.png`) and `report.html`, written
//! atomically into a results directory that fundscape marks as its own;
//! reading a results directory back to re-render its charts and report; and
//! the one-screen description of a scenario that `fundscape validate` prints.
//!
//! This crate renders a [`Summary`](fundscape_sim::Summary); it never simulates.

mod assumptions;
mod brief;
mod cell;
mod charts;
mod compare;
mod compare_charts;
mod compare_report;
mod describe;
mod files;
mod optimise;
mod read;
mod read_compare;
mod report;
mod samples;
mod scaled;
mod sensitivity;
mod shard;
mod words;

pub use assumptions::{assumptions, Assumption};
pub use brief::{check_region, read_ask, render_brief, AskEffect, Brief, BriefError, Difference};
pub use cell::{csv_number, CSV_DIGITS};
pub use charts::{live_charts, render_charts, unmet_scale, Chart, LiveChart, RenderError, FAMILY};
pub use compare::{compare_csv, compare_table, compare_totals_csv, CompareManifest, ComparedScenario};
pub use compare_charts::render_compare_charts;
pub use compare_report::{compare_report_html, render_compare};
pub use describe::describe;
pub use files::{
    check_out_dir, exceedance_csv, gap_csv, has_marker, manifest_json, posts_by_source_csv, regions_csv,
    scenario_copies, summary_csv, survival_csv, totals_csv, write_file, write_report, write_results, Manifest,
    PrecisionInfo, RegionName, ScenarioFile, WriteResultsError, MARKER,
};
pub use optimise::{
    best_toml, candidates_csv, frontier_chart_of, frontier_csv, optimise_files, overlay as round_overlay,
    report as optimise_report, sentence as optimise_sentence, table as optimise_table,
};
pub use read::{year_name, Fetched, Get, ReadResultsError, Results};
pub use read_compare::{CompareResults, ResultsDir};
pub use report::{render, report_html, statutory_posts};
pub use samples::samples_csv;
pub use sensitivity::{
    number, reading as sensitivity_reading, sensitivity_charts, sensitivity_report, sobol_csv, solve_chart_files,
    solve_csv, tornado_csv, SolveWords,
};
pub use shard::{
    compare_shard_files, read_any_shard, read_shard, shard_files, AnyShard, CompareShardManifest, ShardManifest,
    ShardScenario, COMPARE_SHARD_KIND, MAX_SHARD_BYTES, SHARD_KIND,
};
pub use words::thousands;
