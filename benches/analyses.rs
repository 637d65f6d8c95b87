//! The cost of `fundscape sensitivity` on the UK baseline with `--group-by
//! key` (tornado and Sobol indices of abandoned cases over the horizon, all
//! regions), on all cores. The command's cost is N × (3k + 3) runs for k
//! input groups and N base samples, linear in N, so a bench at N = 100
//! times the default (N = 1,000) at ten times its figure.
//!
//! And of `fundscape optimise` on the UK baseline at its default settings
//! (1,000 paired runs a candidate): a £2m round of JTI's from 2027-04 for 36
//! months, fewest abandoned cases over the horizon, on all cores. Its cost is
//! (candidates simulated) × (runs a candidate), and the number of candidates
//! is not fixed (fewer runs give noisier gains, and the local search then
//! makes more moves: 524 candidates at 100 runs, 355 at 1,000), so the bench
//! runs the default itself; ten samples take about ten minutes. Figures are
//! in README.md ("Speed and memory").

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fundscape_sim::optimise::{optimise, Objective, Request, Spec, DEFAULT_RUNS};
use fundscape_sim::sensitivity::{groups, sensitivity, sensitivity_cost, Target};
use fundscape_sim::{load, RunConfig};

fn analyses(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-baseline.toml");
    let scenario = match load(&path) {
        Ok(s) => s,
        Err(e) => panic!("the UK baseline must load: {e}"),
    };
    let inputs = groups(&scenario, true);
    let target = match Target::new(&scenario, "abandoned", "all") {
        Ok(t) => t,
        Err(e) => panic!("abandoned, all regions: {e}"),
    };
    let n = 100;
    let mut group = c.benchmark_group("uk-baseline sensitivity");
    group.sample_size(10);
    group.throughput(Throughput::Elements(sensitivity_cost(inputs.len(), n)));
    group.bench_function("--group-by key, 100 base samples, all cores", |b| {
        b.iter(|| {
            let config = RunConfig { runs: n, seed: 20251124, threads: 0 };
            let result = sensitivity(&scenario, &inputs, &target, &config, &|_| {});
            black_box(result.map(|r| r.sobol.len()).unwrap_or(0))
        })
    });
    group.finish();
}

fn optimiser(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-baseline.toml");
    let scenario = match load(&path) {
        Ok(s) => s,
        Err(e) => panic!("the UK baseline must load: {e}"),
    };
    let request = Request {
        funder: "JTI".into(),
        budget: 2_000_000.0,
        start: "2027-04".into(),
        term_months: 36,
        objective: Objective::Abandoned,
        by: None,
        regions: None,
        advice_share: None,
        probability: None,
    };
    let spec = match Spec::new(&scenario, &request, 1.0) {
        Ok(s) => s,
        Err(e) => panic!("the bench's request must be good: {e}"),
    };
    let mut group = c.benchmark_group("uk-baseline optimise");
    group.sample_size(10);
    group.bench_function("£2m, JTI, 2027-04, 36 months, 1,000 runs a candidate, all cores", |b| {
        b.iter(|| {
            let config = RunConfig { runs: DEFAULT_RUNS, seed: 20251124, threads: 0 };
            let result = optimise(&scenario, &spec, &config, &|_| {});
            black_box(result.map(|o| o.evaluations).unwrap_or(0))
        })
    });
    group.finish();
}

criterion_group!(benches, analyses, optimiser);
criterion_main!(benches);
