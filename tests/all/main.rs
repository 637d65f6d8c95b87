//! The integration tests, as one test binary: each module is one area (see
//! ARCHITECTURE.md, "Tests"). One binary links the whole program once, where
//! a binary per file linked it eleven times, which was most of a fresh
//! clone's test time. Run one area with `cargo test --profile tests --test
//! all -- cli::` (a filter on the module path).

mod common;

mod asks;
mod backtest;
mod cli;
mod closed_form;
mod import;
mod optimise;
mod properties;
mod provenance;
mod readme;
mod report;
mod results_dir;
mod sensitivity;
mod serve;
mod tools;
mod totals;
