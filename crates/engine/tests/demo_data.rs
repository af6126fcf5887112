//! The demo dataset of `workload` evaluated by the engine: deterministic, with mixed
//! lights, and the kept statuses agreeing with the explanations. (Here rather than in
//! `workload`, so that neither crate is the other's dev-dependency.)

use std::collections::BTreeMap;
use std::sync::Arc;
use youxiang_core::eval::Light;
use youxiang_engine::{Engine, EngineConfig};
use youxiang_workload::dinghai_demo;

fn root() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../..").to_string()
}

use youxiang_testkit::dinghai_tree;

#[test]
fn the_demo_is_deterministic_and_its_statuses_are_mixed() {
    let plan = youxiang_plantext::planfile::load(
        &std::fs::read_to_string(format!("{}/plans/dinghai-qiyouxiang.toml", root())).unwrap(),
    )
    .unwrap();
    let tree = dinghai_tree();
    let a = dinghai_demo(&plan, &tree);
    let b = dinghai_demo(&plan, &tree);
    assert_eq!(a, b);
    assert!(a.len() > 10_000, "{}", a.len());
    let observations: Vec<_> = a
        .iter()
        .map(|g| youxiang_core::value::Observation {
            key: g.key.clone(),
            value: g.value,
            state: youxiang_core::value::ValueState::Approved,
            reporter: "demo".into(),
            reported_at: Default::default(),
            comment: String::new(),
            source: String::new(),
        })
        .collect();
    let (engine, refused) = Engine::from_observations(
        Arc::new(plan.clone()),
        Arc::new(tree),
        EngineConfig::default(),
        &observations,
    );
    assert!(refused.is_empty());
    let mut lights = BTreeMap::new();
    for ind in plan.table_indicators() {
        if let Some(s) = engine.status(&ind.code, "330902", 2025) {
            *lights.entry(format!("{:?}", s.light)).or_insert(0) += 1;
        }
    }
    // The kept statuses and the on-demand explanation read the same figures: at every
    // place, the light and progress kept equal those explained for the latest period.
    for place in engine.tree().places() {
        for ind in plan.table_indicators() {
            let Some(s) = engine.status(&ind.code, &place.code, 2025) else {
                continue;
            };
            let Some(period) = s.as_of else { continue };
            let e = engine.explain(&ind.code, &place.code, period).unwrap();
            let light = e.schedule.as_ref().map(|x| x.light).unwrap_or(Light::Grey);
            assert_eq!(light, s.light, "{} at {}", ind.code, place.code);
            assert_eq!(
                e.progress.status, s.progress,
                "{} at {}",
                ind.code, place.code
            );
            assert_eq!(e.value, s.value);
        }
    }
    for l in [Light::Green, Light::Yellow, Light::Red] {
        assert!(
            lights.get(&format!("{l:?}")).copied().unwrap_or(0) > 0,
            "{lights:?}"
        );
    }
    // The 2022 roll-up stays close to the plan's baseline (T02 普惠托位占比 50%).
    let v = engine
        .value("T02", "330902", "2022".parse().unwrap())
        .unwrap();
    assert!((v - 50.0).abs() < 1.5, "{v}");
}
