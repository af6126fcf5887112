//! Criterion benchmarks of the engine's functions on the Dinghai demo (the committed places
//! file: 1 district, 13 towns, ~200 villages; the labelled synthetic demo values):
//!
//! - `apply`: one village write (a rate's numerator, a sum) and one town write, each
//!   bringing every dependent roll-up and status current;
//! - `full_recompute`: every roll-up, rate and status of the demo;
//! - lookups: `value` (a rolled-up rate, a village's own figure) and `status`.
//!
//! `cargo bench -p youxiang-engine --bench engine`
//! (the whole-workload Zhejiang benchmark is `bench/engine/run.sh`).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use youxiang_core::Plan;
use youxiang_core::period::Period;
use youxiang_core::value::{Component, Observation, ValueKey, ValueState};
use youxiang_engine::{Engine, EngineConfig};

fn root() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../..").to_string()
}

fn plan() -> Plan {
    youxiang_plantext::planfile::load(
        &std::fs::read_to_string(format!("{}/plans/dinghai-qiyouxiang.toml", root())).unwrap(),
    )
    .unwrap()
}

use youxiang_testkit::dinghai_tree;

fn demo_engine() -> Engine {
    let plan = plan();
    let tree = dinghai_tree();
    let observations: Vec<Observation> = youxiang_workload::dinghai_demo(&plan, &tree)
        .into_iter()
        .map(|g| Observation {
            key: g.key,
            value: g.value,
            state: ValueState::Approved,
            reporter: "demo".into(),
            reported_at: Default::default(),
            comment: String::new(),
            source: String::new(),
        })
        .collect();
    let (engine, refused) = Engine::from_observations(
        Arc::new(plan),
        Arc::new(tree),
        EngineConfig::default(),
        &observations,
    );
    assert!(refused.is_empty());
    engine
}

fn key(indicator: &str, place: &str, period: &str, component: Component) -> ValueKey {
    ValueKey {
        indicator: indicator.into(),
        place: place.into(),
        period: period.parse().unwrap(),
        component,
    }
}

fn benches(c: &mut Criterion) {
    let mut engine = demo_engine();
    let tree = engine.tree().clone();
    let town = tree.children(tree.id("330902").unwrap())[0];
    let village = tree.get(tree.children(town)[0]).code.clone();
    let town = tree.get(town).code.clone();
    let period: Period = "2025-06".parse().unwrap();

    let mut g = c.benchmark_group("apply");
    let rate = key("T01", &village, "2025-06", Component::Numerator);
    let mut flip = false;
    g.bench_function("village_rate_numerator", |b| {
        b.iter(|| {
            flip = !flip;
            let v = if flip { 12.0 } else { 13.0 };
            black_box(engine.apply(black_box(&rate), Some(v)).unwrap())
        })
    });
    let sum = key("T08", &town, "2025-06", Component::Value);
    g.bench_function("town_sum", |b| {
        b.iter(|| {
            flip = !flip;
            let v = if flip { 0.25 } else { 0.26 };
            black_box(engine.apply(black_box(&sum), Some(v)).unwrap())
        })
    });
    g.finish();

    c.bench_function("full_recompute/dinghai_demo", |b| {
        b.iter(|| engine.full_recompute())
    });

    let mut g = c.benchmark_group("lookup");
    g.bench_function("value_district_rate", |b| {
        b.iter(|| black_box(engine.value(black_box("T01"), black_box("330902"), period)))
    });
    g.bench_function("value_village_own", |b| {
        b.iter(|| black_box(engine.value(black_box("T01"), black_box(&village), period)))
    });
    g.bench_function("status_district", |b| {
        b.iter(|| black_box(engine.status(black_box("T01"), black_box("330902"), 2025)))
    });
    g.bench_function("status_town", |b| {
        b.iter(|| black_box(engine.status(black_box("T08"), black_box(&town), 2025)))
    });
    g.finish();
}

criterion_group!(engine_benches, benches);
criterion_main!(engine_benches);
