//! The cost of `fundscape sensitivity` on the UK baseline with `--group-by
//! key` (tornado and Sobol indices of abandoned cases over the horizon, all
//! regions), on all cores. The command's cost is N × (3k + 3) runs for k
//! input groups and N base samples, linear in N, so a bench at N = 100
//! times the default (N = 1,000) at ten times its figure. Figures are in
//! README.md.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
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

criterion_group!(benches, analyses);
criterion_main!(benches);
