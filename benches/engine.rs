//! Throughput of the engine on the UK baseline: one run of the monthly
//! model, and the whole Monte Carlo driver (simulation plus streaming
//! statistics) on all cores. Figures are reported in README.md.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fundscape_sim::model::Plan;
use fundscape_sim::{load, run, RunConfig};

fn baseline() -> fundscape_sim::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-baseline.toml");
    match load(&path) {
        Ok(s) => s,
        Err(e) => panic!("the UK baseline must load: {e}"),
    }
}

fn engine(c: &mut Criterion) {
    let scenario = baseline();
    let plan = Plan::new(&scenario);

    let mut group = c.benchmark_group("uk-baseline");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one run of the monthly model", |b| {
        let mut record = plan.new_record();
        let mut i = 0u64;
        b.iter(|| {
            plan.simulate(20251124, i, &mut record, None);
            i += 1;
            black_box(record.values[0])
        })
    });

    let runs = 4096;
    group.throughput(Throughput::Elements(runs));
    group.sample_size(10);
    group.bench_function("4096 runs, all cores, with statistics", |b| {
        b.iter(|| {
            let summary = run(&scenario, &RunConfig { runs, seed: 20251124, threads: 0 }, &|_| {});
            black_box(summary.rows.len())
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
