//! The cost of one `fundscape serve` answer on the UK baseline: one
//! `POST /api/run` with a lever moved, at the default 2,000 paired runs on
//! all cores (the changed scenario simulated twice: its values run by run for
//! the paired differences, and its run for its charts; the charts and the
//! JSON), without the HTTP round trip. The issue
//! asks for under 1 s on 2 cores; the figure is in README.md.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fundscape_serve::{App, Options, DEFAULT_RUNS};

fn serve(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-baseline.toml");
    let app = match App::new(&path, &Options::default()) {
        Ok(a) => a,
        Err(e) => panic!("the UK baseline must load: {e}"),
    };
    let body = br#"{"levers": {"sustainability.successors.same_funder.probability": 0.5}}"#;
    let mut group = c.benchmark_group("uk-baseline serve");
    group.sample_size(10);
    group.throughput(Throughput::Elements(DEFAULT_RUNS));
    group.bench_function("POST /api/run, one lever moved, 2000 paired runs, all cores", |b| {
        b.iter(|| {
            let reply = app.handle("POST", "/api/run", body);
            assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
            black_box(reply.body.len())
        })
    });
    // Its parts: the changed scenario's values run by run (paired with the
    // base's, kept from the start), and its run with full statistics (for
    // its charts).
    let alt = match fundscape_sim::inputs::with_input(
        &app.scenario,
        "sustainability.successors.same_funder.probability",
        fundscape_sim::value::Value::fixed(0.5).unwrap_or_else(|e| panic!("{e}")),
    ) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    group.bench_function("its run-by-run values of the changed scenario alone", |b| {
        b.iter(|| black_box(fundscape_serve::answer::per_run(&alt, &app.config).map(|p| p.values.len()).unwrap_or(0)))
    });
    group.bench_function("its run of the changed scenario alone", |b| {
        b.iter(|| black_box(fundscape_sim::run(&alt, &app.config, &|_| {}).rows.len()))
    });
    group.finish();
}

criterion_group!(benches, serve);
criterion_main!(benches);
