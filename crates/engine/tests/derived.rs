//! Targets set only for a final year (methods §2): the derived path (推算) and the
//! milestone without one.

use std::sync::Arc;

use youxiang_core::eval::{Light, YearStatus};
use youxiang_core::period::Period;
use youxiang_core::value::{Component, ValueKey};
use youxiang_core::{Aggregation, IndicatorSource, Plan, Polarity, Target};
use youxiang_engine::{Engine, EngineConfig};

use super::{indicator, plan, tree};

fn task_plan() -> Plan {
    let mut plan = plan();
    plan.target_years = vec![2023, 2024, 2025, 2026, 2027];
    let task = |code: &str, target: &str, agg: Aggregation| {
        let mut k = indicator(code, agg, Polarity::HigherIsBetter, &[(2027, target)]);
        k.baseline = Target::parse("/").unwrap();
        k.source = IndicatorSource::Task {
            task: "1.1".into(),
            sentence: "到2027年,……".into(),
        };
        k
    };
    plan.indicators = vec![task("K1", "90%以上", Aggregation::Latest), {
        let mut m = task("K2", "全覆盖", Aggregation::Latest);
        m.lead_unit = "区民政局".into();
        m
    }];
    plan
}

fn year_key(code: &str, year: i32) -> ValueKey {
    ValueKey {
        indicator: code.into(),
        place: "p0".into(),
        period: Period::year_of(year).unwrap(),
        component: Component::Value,
    }
}

#[test]
fn a_final_year_target_gets_a_derived_path_once_a_year_end_is_reported() {
    let plan = Arc::new(task_plan());
    let tree = Arc::new(tree(&[0, 0], &[100]));
    let mut e = Engine::new(plan.clone(), tree.clone(), EngineConfig::default());
    // Nothing reported: no target before 2027, no light, and explain says why.
    assert!(e.target_at("K1", "p0", 2024).is_none());
    assert!(e.derived_path("K1").is_none());
    let x = e
        .explain("K1", "p0", Period::year_of(2024).unwrap())
        .unwrap();
    assert!(
        x.target_basis.starts_with("待首次报送"),
        "{}",
        x.target_basis
    );

    // 2023's year-end 70 becomes B at y₀ = 2023: 2024 ≥75, 2025 ≥80, 2026 ≥85 (推算).
    e.apply(&year_key("K1", 2023), Some(70.0)).unwrap();
    let path = e.derived_path("K1").unwrap();
    assert_eq!(path.base.year, 2023);
    let texts: Vec<&str> = path.targets.values().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, ["≥75%(推算)", "≥80%(推算)", "≥85%(推算)"]);

    // 2024 at 76 meets the derived 75; 2025 at 78 is behind the derived 80.
    e.apply(&year_key("K1", 2024), Some(76.0)).unwrap();
    e.apply(&year_key("K1", 2025), Some(78.0)).unwrap();
    let s24 = e.status("K1", "p0", 2024).unwrap();
    assert_eq!((s24.year, s24.light), (YearStatus::Met, Light::Green));
    let s25 = e.status("K1", "p0", 2025).unwrap();
    assert_eq!(s25.year, YearStatus::NotMet);
    assert_ne!(s25.light, Light::Green);
    let x = e
        .explain("K1", "p0", Period::year_of(2025).unwrap())
        .unwrap();
    assert!(x.target.as_ref().is_some_and(|t| t.derived));
    assert!(x.target_basis.contains("推算"), "{}", x.target_basis);
    // A place below takes the district's derived target like any rate's.
    assert!(e.target_at("K1", "p1", 2025).is_some());

    // Incremental equals a rebuild from the same figures.
    let rebuilt = Engine::from_values(
        plan,
        tree,
        EngineConfig::default(),
        [(2023, 70.0), (2024, 76.0), (2025, 78.0)].map(|(y, v)| (year_key("K1", y), v)),
    )
    .0;
    assert_eq!(rebuilt.all_statuses(), e.all_statuses());
    // Deleting the base year moves y₀ to 2024 and the path with it.
    e.apply(&year_key("K1", 2023), None).unwrap();
    assert_eq!(e.derived_path("K1").unwrap().base.year, 2024);
    assert!(e.target_at("K1", "p0", 2024).is_none());
}

#[test]
fn a_milestone_target_has_no_path_and_explain_names_the_dated_plan() {
    let plan = Arc::new(task_plan());
    let tree = Arc::new(tree(&[0], &[100]));
    let mut e = Engine::new(plan, tree, EngineConfig::default());
    e.apply(&year_key("K2", 2023), Some(40.0)).unwrap();
    assert!(e.derived_path("K2").is_none());
    assert!(e.target_at("K2", "p0", 2025).is_none());
    let x = e
        .explain("K2", "p0", Period::year_of(2023).unwrap())
        .unwrap();
    assert!(
        x.target_basis.starts_with("里程碑目标") && x.target_basis.contains("区民政局"),
        "{}",
        x.target_basis
    );
}

#[test]
fn a_year_judged_before_a_revision_quotes_the_final_target_then_in_force() {
    let mut plan = task_plan();
    // 2023's year-end 70: 2024 ≥75 on the path to 90 %; on 2025-06-01 the final target
    // becomes 94 %, so 2025 and 2026 move to the new path while 2024 keeps the old one.
    plan.revise_target("K1", 2027, "94%以上", "2025-06-01", "上级要求提高")
        .unwrap();
    let plan = Arc::new(plan);
    let tree = Arc::new(tree(&[0], &[100]));
    let mut e = Engine::new(plan, tree, EngineConfig::default());
    e.apply(&year_key("K1", 2023), Some(70.0)).unwrap();
    e.apply(&year_key("K1", 2024), Some(76.0)).unwrap();
    e.apply(&year_key("K1", 2025), Some(80.0)).unwrap();
    let path = e.derived_path("K1").unwrap();
    let texts: Vec<&str> = path.targets.values().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, ["≥75%(推算)", "≥82%(推算)", "≥88%(推算)"]);
    let basis = |y: i32| {
        e.explain("K1", "p0", Period::year_of(y).unwrap())
            .unwrap()
            .target_basis
    };
    let b24 = basis(2024);
    assert!(b24.contains("“90%以上”") && b24.contains("= 75"), "{b24}");
    assert!(!b24.contains("94"), "{b24}");
    let b25 = basis(2025);
    assert!(b25.contains("“94%以上”") && b25.contains("= 82"), "{b25}");
}
