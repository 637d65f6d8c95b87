//! Throughput of the engine (criterion). Figures are reported in README.md.
//!
//! - `uk-baseline`: one run of the monthly model; the whole Monte Carlo
//!   driver (simulation plus streaming statistics) on one thread, the
//!   figure the README compares with other implementations; and on all cores.
//! - `growth`: the driver on one thread over scenarios generated from the UK
//!   baseline at 1×, 2× and 4× its regions, its grants (posts) or its years.
//!   Throughput is counted in region-years, post-runs or years, so a flat
//!   throughput across the three scales is linear growth, and a falling one
//!   is super-linear.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fundscape_sim::model::Plan;
use fundscape_sim::{load_str, run, RunConfig, Scenario};

const SEED: u64 = 20251124;

fn baseline_text() -> (std::path::PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-baseline.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => (path, text),
        Err(e) => panic!("the UK baseline must be readable: {e}"),
    }
}

fn load_text(path: &Path, text: &str) -> Scenario {
    match load_str(path, text) {
        Ok(s) => s,
        Err(e) => panic!("a benchmark scenario must load: {e}"),
    }
}

/// What a growth scenario multiplies.
#[derive(Clone, Copy)]
enum Scale {
    Regions,
    Posts,
    Years,
}

/// The UK baseline with `k` times its regions (copies with new ids, the
/// default correlation only), its grants (copies with new ids) or its years.
fn scaled(scale: Scale, k: usize) -> Scenario {
    let (path, text) = baseline_text();
    let mut doc: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => panic!("the UK baseline must parse: {e}"),
    };
    let copies = |doc: &mut toml::Table, key: &str, rename: &dyn Fn(&mut toml::Table, usize)| {
        let Some(toml::Value::Array(items)) = doc.get_mut(key) else { panic!("no [[{key}]]") };
        let originals = items.clone();
        for c in 1..k {
            for item in &originals {
                let mut item = item.clone();
                if let toml::Value::Table(t) = &mut item {
                    rename(t, c);
                }
                items.push(item);
            }
        }
    };
    let suffix = |t: &mut toml::Table, key: &str, c: usize| {
        if let Some(toml::Value::String(s)) = t.get_mut(key) {
            *s = format!("{s}-{c}");
        }
    };
    // Pairs name the original regions only; the default correlation keeps
    // every scale's matrix valid, so the 1× scenario drops them too.
    if let Some(toml::Value::Table(c)) = doc.get_mut("correlation") {
        c.remove("pairs");
    }
    match scale {
        Scale::Regions => copies(&mut doc, "regions", &|t, c| {
            suffix(t, "id", c);
            suffix(t, "name", c);
        }),
        Scale::Posts => copies(&mut doc, "grants", &|t, c| suffix(t, "id", c)),
        Scale::Years => {
            if let Some(toml::Value::Table(s)) = doc.get_mut("scenario") {
                s.insert("years".into(), toml::Value::Integer(10 * k as i64));
            }
        }
    }
    load_text(&path, &toml::to_string(&doc).unwrap_or_else(|e| panic!("{e}")))
}

fn one_thread(runs: u64) -> RunConfig {
    RunConfig { runs, seed: SEED, threads: 1 }
}

fn uk_baseline(c: &mut Criterion) {
    let (path, text) = baseline_text();
    let scenario = load_text(&path, &text);
    let plan = Plan::new(&scenario);

    let mut group = c.benchmark_group("uk-baseline");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one run of the monthly model", |b| {
        let mut record = plan.new_record();
        let mut i = 0u64;
        b.iter(|| {
            plan.simulate(SEED, i, &mut record, None);
            i += 1;
            black_box(record.values[0])
        })
    });

    let runs = 2048;
    group.throughput(Throughput::Elements(runs));
    group.sample_size(10);
    group.bench_function("2048 runs, one thread, with statistics", |b| {
        b.iter(|| black_box(run(&scenario, &one_thread(runs), &|_| {}).rows.len()))
    });
    let runs = 4096;
    group.throughput(Throughput::Elements(runs));
    group.bench_function("4096 runs, all cores, with statistics", |b| {
        b.iter(|| {
            let summary = run(&scenario, &RunConfig { runs, seed: SEED, threads: 0 }, &|_| {});
            black_box(summary.rows.len())
        })
    });
    group.finish();
}

fn growth(c: &mut Criterion) {
    let runs = 512;
    for (name, scale) in [("regions", Scale::Regions), ("posts", Scale::Posts), ("years", Scale::Years)] {
        let mut group = c.benchmark_group(format!("growth/{name}"));
        group.sample_size(10);
        for k in [1usize, 2, 4] {
            let scenario = scaled(scale, k);
            let size = match scale {
                Scale::Regions => scenario.regions.len() * scenario.years as usize,
                Scale::Posts => scenario.grants.iter().map(|g| (g.posts + g.influencing_posts) as usize).sum(),
                Scale::Years => scenario.years as usize,
            };
            group.throughput(Throughput::Elements(runs * size as u64));
            group.bench_with_input(BenchmarkId::from_parameter(format!("{k}x")), &scenario, |b, s| {
                b.iter(|| black_box(run(s, &one_thread(runs), &|_| {}).rows.len()))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, uk_baseline, growth);
criterion_main!(benches);
