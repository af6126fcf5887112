//! The one integration-test binary of `engine`: incremental equals full recompute, no
//! value counted twice, and the statuses on the real Dinghai plan.

mod demo_data;
mod derived;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use proptest::prelude::*;
use youxiang_core::period::Period;
use youxiang_core::place::{Level, Place, PlaceTree};
use youxiang_core::value::{Component, Observation, ValueKey, ValueState};
use youxiang_core::{
    Accumulation, Aggregation, Domain, Indicator, IndicatorSource, Plan, Polarity, Target,
};
use youxiang_engine::{Engine, EngineConfig, MICRO};

fn indicator(
    code: &str,
    aggregation: Aggregation,
    polarity: Polarity,
    targets: &[(i32, &str)],
) -> Indicator {
    Indicator {
        code: code.into(),
        name: format!("指标{code}"),
        unit: "%".into(),
        domain: "D".into(),
        polarity,
        aggregation,
        accumulation: Accumulation::Annual,
        frequency: youxiang_core::period::PeriodKind::Month,
        flow: Default::default(),
        report_level: None,
        milestone: false,
        lead_unit: "单位".into(),
        partner_units: vec![],
        limit: None,
        source: IndicatorSource::Table { seq: 1 },
        data_source: String::new(),
        definition: String::new(),
        baseline: Target::parse("10").unwrap(),
        targets: targets
            .iter()
            .map(|(y, t)| (*y, Target::parse(t).unwrap()))
            .collect(),
        note: String::new(),
    }
}

fn plan() -> Plan {
    Plan {
        code: "t".into(),
        name: "测试".into(),
        issuer: "测试".into(),
        place: "p0".into(),
        published: String::new(),
        baseline_year: 2022,
        target_years: vec![2023, 2024],
        version: 1,
        domains: vec![Domain {
            code: "D".into(),
            name: "领域".into(),
            lead_unit: "单位".into(),
            name_en: String::new(),
        }],
        indicators: vec![
            indicator(
                "S",
                Aggregation::Sum,
                Polarity::HigherIsBetter,
                &[(2023, "20"), (2024, "30")],
            ),
            indicator(
                "R",
                Aggregation::RatioOfSums {
                    numerator: "n".into(),
                    denominator: "d".into(),
                    scale: 100.0,
                },
                Polarity::HigherIsBetter,
                &[(2023, "60"), (2024, "≥70")],
            ),
            indicator(
                "W",
                Aggregation::PopulationWeightedMean,
                Polarity::LowerIsBetter,
                &[(2023, "8"), (2024, "<7")],
            ),
            indicator(
                "N",
                Aggregation::NotAggregable,
                Polarity::HigherIsBetter,
                &[(2024, "全覆盖")],
            ),
        ],
        tasks: vec![],
        projects: vec![],
        revisions: vec![],
    }
}

/// A tree from a list of parent indices (place i's parent is parents[i] < i).
fn tree(parents: &[usize], pops: &[u32]) -> PlaceTree {
    let mut places = vec![Place {
        code: "p0".into(),
        name: "根".into(),
        level: Level::County,
        parent: None,
        lon: None,
        lat: None,
        population: BTreeMap::new(),
    }];
    for (i, parent) in parents.iter().enumerate() {
        let code = format!("p{}", i + 1);
        places.push(Place {
            code,
            name: format!("地点{}", i + 1),
            level: Level::Other,
            parent: Some(format!("p{parent}")),
            lon: None,
            lat: None,
            population: [(2023, pops[i % pops.len()] as f64)].into(),
        });
    }
    PlaceTree::build(places).unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    Write {
        ind: usize,
        place: usize,
        period: usize,
        comp: usize,
        value: i32,
    },
    Delete {
        ind: usize,
        place: usize,
        period: usize,
        comp: usize,
    },
}

const PERIODS: [&str; 6] = ["2022", "2023-03", "2023-06", "2023", "2024-02", "2024-12"];
const INDS: [&str; 4] = ["S", "R", "W", "N"];

fn key(ind: usize, place: usize, period: usize, comp: usize) -> ValueKey {
    let component = if INDS[ind] == "R" {
        [Component::Numerator, Component::Denominator][comp % 2]
    } else {
        Component::Value
    };
    ValueKey {
        indicator: INDS[ind].into(),
        place: format!("p{place}"),
        period: PERIODS[period].parse().unwrap(),
        component,
    }
}

fn op_strategy(places: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..4usize, 0..places, 0..PERIODS.len(), 0..2usize, -500..5000i32)
            .prop_map(|(ind, place, period, comp, value)| Op::Write { ind, place, period, comp, value }),
        1 => (0..4usize, 0..places, 0..PERIODS.len(), 0..2usize)
            .prop_map(|(ind, place, period, comp)| Op::Delete { ind, place, period, comp }),
    ]
}

fn observation(key: ValueKey, value: f64) -> Observation {
    Observation {
        key,
        value,
        state: ValueState::Draft,
        reporter: "t".into(),
        reported_at: chrono::NaiveDateTime::default(),
        comment: String::new(),
        source: String::new(),
    }
}

/// An independent, recursive reference: a place shows its own figure if it has one,
/// else the sum of what its children show.
fn reference_sum(tree: &PlaceTree, own: &HashMap<String, i64>, code: &str) -> Option<i64> {
    if let Some(v) = own.get(code) {
        return Some(*v);
    }
    let id = tree.id(code)?;
    let parts: Vec<i64> = tree
        .children(id)
        .iter()
        .filter_map(|c| reference_sum(tree, own, &tree.get(*c).code))
        .collect();
    (!parts.is_empty()).then(|| parts.iter().sum())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn incremental_equals_full_recompute_and_nothing_counts_twice(
        parents in proptest::collection::vec(any::<prop::sample::Index>(), 1..14),
        pops in proptest::collection::vec(1u32..5000, 1..5),
        ops in proptest::collection::vec(op_strategy(14), 1..80),
    ) {
        let parents: Vec<usize> = parents.iter().enumerate().map(|(i, ix)| ix.index(i + 1)).collect();
        let places = parents.len() + 1;
        let tree = Arc::new(tree(&parents, &pops));
        let plan = Arc::new(plan());
        let mut live = Engine::new(plan.clone(), tree.clone(), EngineConfig::default());
        let mut batched = Engine::new(plan.clone(), tree.clone(), EngineConfig::default());
        let mut batch: Vec<(ValueKey, Option<f64>)> = Vec::new();
        let mut current: BTreeMap<ValueKey, f64> = BTreeMap::new();
        for op in ops {
            let generation = live.generation();
            match op {
                Op::Write { ind, place, period, comp, value } => {
                    let k = key(ind, place % places, period, comp);
                    let v = value as f64 / 10.0;
                    live.apply(&k, Some(v)).unwrap();
                    prop_assert!(live.generation() != generation, "every write changes the generation");
                    batch.push((k.clone(), Some(v)));
                    current.insert(k, v);
                }
                Op::Delete { ind, place, period, comp } => {
                    let k = key(ind, place % places, period, comp);
                    live.apply(&k, None).unwrap();
                    prop_assert!(live.generation() != generation, "every delete changes the generation");
                    batch.push((k.clone(), None));
                    current.remove(&k);
                }
            }
        }
        let observations: Vec<Observation> =
            current.iter().map(|(k, v)| observation(k.clone(), *v)).collect();
        let (full, refused) = Engine::from_observations(plan, tree.clone(), EngineConfig::default(), &observations);
        prop_assert!(refused.is_empty());
        prop_assert_eq!(live.value_count(), current.len());
        prop_assert_eq!(live.all_figures(), full.all_figures());
        prop_assert_eq!(live.all_statuses(), full.all_statuses());
        let (_, refused) = batched.apply_batch(batch.iter().map(|(k, v)| (k, *v)));
        prop_assert!(refused.is_empty());
        prop_assert_eq!(batched.all_figures(), full.all_figures());
        prop_assert_eq!(batched.all_statuses(), full.all_statuses());

        // The status-only path as of a period says what the explanation says.
        for code in INDS {
            for period in PERIODS {
                let p: Period = period.parse().unwrap();
                for place in tree.places() {
                    let e = live.explain(code, &place.code, p).unwrap();
                    let a = live.as_of(code, &place.code, p).unwrap();
                    prop_assert_eq!(a.value, e.value);
                    prop_assert_eq!(
                        (a.light, a.gap),
                        e.schedule.as_ref().map(|s| (s.light, s.gap)).unwrap_or((youxiang_core::eval::Light::Grey, None)),
                        "{} at {} as of {}", code, place.code, period
                    );
                }
            }
        }

        // Sums against the independent reference, at every place and period.
        for period in PERIODS {
            let p: Period = period.parse().unwrap();
            let own: HashMap<String, i64> = current
                .iter()
                .filter(|(k, _)| k.indicator == "S" && k.period == p)
                .map(|(k, v)| (k.place.clone(), (v * MICRO).round() as i64))
                .collect();
            for place in tree.places() {
                let expected = reference_sum(&tree, &own, &place.code).map(|m| m as f64 / MICRO);
                prop_assert_eq!(live.value("S", &place.code, p), expected, "S at {} {}", place.code, period);
            }
        }
    }
}

#[test]
fn a_rate_rolls_up_as_the_ratio_of_sums() {
    let tree = Arc::new(tree(&[0, 0], &[100]));
    let mut e = Engine::new(Arc::new(plan()), tree, EngineConfig::default());
    let p: Period = "2023".parse().unwrap();
    let k = |place: &str, c| ValueKey {
        indicator: "R".into(),
        place: place.into(),
        period: p,
        component: c,
    };
    e.apply(&k("p1", Component::Numerator), Some(30.0)).unwrap();
    e.apply(&k("p1", Component::Denominator), Some(50.0))
        .unwrap();
    e.apply(&k("p2", Component::Numerator), Some(10.0)).unwrap();
    e.apply(&k("p2", Component::Denominator), Some(50.0))
        .unwrap();
    assert_eq!(e.value("R", "p1", p), Some(60.0));
    assert_eq!(e.value("R", "p2", p), Some(20.0));
    // (30 + 10) / (50 + 50), not the mean of 60% and 20% weighted otherwise.
    assert_eq!(e.value("R", "p0", p), Some(40.0));
    let s = e.status("R", "p0", 2023).unwrap();
    assert_eq!(s.value, Some(40.0));
    assert!(s.year_complete);
}

#[test]
fn a_place_own_figure_replaces_the_sum_below() {
    let tree = Arc::new(tree(&[0, 1, 1], &[100]));
    let mut e = Engine::new(Arc::new(plan()), tree, EngineConfig::default());
    let p: Period = "2023".parse().unwrap();
    let k = |place: &str| ValueKey {
        indicator: "S".into(),
        place: place.into(),
        period: p,
        component: Component::Value,
    };
    e.apply(&k("p2"), Some(5.0)).unwrap();
    e.apply(&k("p3"), Some(7.0)).unwrap();
    assert_eq!(e.value("S", "p1", p), Some(12.0));
    assert_eq!(e.value("S", "p0", p), Some(12.0));
    e.apply(&k("p1"), Some(20.0)).unwrap();
    assert_eq!(e.value("S", "p0", p), Some(20.0));
    let why = e.explain("S", "p1", p).unwrap();
    assert!(why.source.contains("本级填报"), "{}", why.source);
    e.apply(&k("p1"), None).unwrap();
    assert_eq!(e.value("S", "p0", p), Some(12.0));
}

#[test]
fn a_town_of_a_summed_indicator_is_judged_by_its_own_target_or_not_at_all() {
    use youxiang_core::decompose::{
        PlaceTarget, SplitRule, SplitState, TargetBook, TargetSplit, split,
    };
    use youxiang_core::eval::{Light, YearStatus};
    let tree = Arc::new(tree(&[0, 0], &[100, 300]));
    let mut e = Engine::new(Arc::new(plan()), tree, EngineConfig::default());
    let k = |ind: &str, place: &str, c| ValueKey {
        indicator: ind.into(),
        place: place.into(),
        period: "2023".parse().unwrap(),
        component: c,
    };
    // Each town reports far less than the district's 20: judged against 20 it would be red.
    for (town, last_year) in [("p1", 1.0), ("p2", 3.0)] {
        let mut key = k("S", town, Component::Value);
        key.period = "2022".parse().unwrap();
        e.apply(&key, Some(last_year)).unwrap();
    }
    e.apply(&k("S", "p1", Component::Value), Some(5.0)).unwrap();
    e.apply(&k("S", "p2", Component::Value), Some(15.0))
        .unwrap();
    e.apply(&k("R", "p1", Component::Numerator), Some(30.0))
        .unwrap();
    e.apply(&k("R", "p1", Component::Denominator), Some(50.0))
        .unwrap();
    let s = e.status("S", "p1", 2023).unwrap();
    assert_eq!(s.year, YearStatus::Undecomposed);
    assert_eq!(s.light, Light::Grey);
    assert_eq!(s.score, None);
    assert_eq!(
        e.target_at("S", "p1", 2023),
        Some(PlaceTarget::Undecomposed)
    );
    let why = e.explain("S", "p1", "2023".parse().unwrap()).unwrap();
    assert_eq!(why.year_check.status, YearStatus::Undecomposed);
    assert!(
        why.target_basis.contains("无分解目标"),
        "{}",
        why.target_basis
    );
    assert!(why.schedule.is_none());
    // The district keeps the plan's target; a rate's town keeps the district's.
    assert_eq!(e.status("S", "p0", 2023).unwrap().year, YearStatus::Met);
    assert!(matches!(
        e.target_at("R", "p1", 2023),
        Some(PlaceTarget::District(_))
    ));
    // Approved split by population (1 : 3): 5 and 15, each town meets its own.
    let whole = Target::parse("20").unwrap();
    let decomposition = split(
        &Aggregation::Sum,
        &whole,
        SplitRule::Population,
        &[
            youxiang_core::decompose::Share {
                code: "p1".into(),
                weight: 100.0,
            },
            youxiang_core::decompose::Share {
                code: "p2".into(),
                weight: 300.0,
            },
        ],
        0,
    )
    .unwrap();
    let approved = TargetSplit {
        indicator: "S".into(),
        year: 2023,
        parent: "p0".into(),
        version: 1,
        state: SplitState::Approved,
        decomposition,
        note: None,
        proposed_by: "lead".into(),
        decided_by: Some("office".into()),
        decision_note: None,
    };
    let before = e.generation();
    e.set_place_targets(Arc::new(TargetBook::from_splits([&approved])));
    assert_ne!(e.generation(), before);
    for town in ["p1", "p2"] {
        let s = e.status("S", town, 2023).unwrap();
        assert_eq!(s.year, YearStatus::Met, "{town}");
        assert_eq!(s.light, Light::Green, "{town} {s:?}");
    }
    let why = e.explain("S", "p1", "2023".parse().unwrap()).unwrap();
    assert_eq!(why.target.unwrap().value, Some(5.0));
    assert!(why.target_basis.contains("本地分解目标"));
    // Incremental writes keep judging by the book, as a full recompute does.
    e.apply(&k("S", "p1", Component::Value), Some(2.0)).unwrap();
    let incremental = e.all_statuses();
    e.full_recompute();
    assert_eq!(incremental, e.all_statuses());
    assert_eq!(e.status("S", "p1", 2023).unwrap().year, YearStatus::NotMet);
}

#[test]
fn statuses_on_the_dinghai_plan_follow_methods_2() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let text = std::fs::read_to_string(format!("{root}/plans/dinghai-qiyouxiang.toml")).unwrap();
    let plan = Arc::new(youxiang_plantext::planfile::load(&text).unwrap());
    let tree = Arc::new(
        PlaceTree::build(vec![Place {
            code: "330902".into(),
            name: "定海区".into(),
            level: Level::County,
            parent: None,
            lon: None,
            lat: None,
            population: BTreeMap::new(),
        }])
        .unwrap(),
    );
    let mut e = Engine::new(plan, tree, EngineConfig::default());
    // T02 普惠托位占比: baseline 50 (2022), target 60 (2023), reported as numerator and
    // denominator. Mid-year (June, f = 181/365) expected ≈ 54.96; 52 is 29.6 points behind.
    let put = |e: &mut Engine, period: &str, c: Component, v: f64| {
        let key = ValueKey {
            indicator: "T02".into(),
            place: "330902".into(),
            period: period.parse().unwrap(),
            component: c,
        };
        e.apply(&key, Some(v)).unwrap();
    };
    put(&mut e, "2023-06", Component::Numerator, 52.0);
    put(&mut e, "2023-06", Component::Denominator, 100.0);
    let s = *e.status("T02", "330902", 2023).unwrap();
    assert_eq!(s.value, Some(52.0));
    assert_eq!(s.light, youxiang_core::eval::Light::Yellow, "{s:?}");
    assert!(!s.year_complete);
    // The yellow after two yellows turns red (methods §2).
    put(&mut e, "2023-07", Component::Numerator, 53.0);
    put(&mut e, "2023-07", Component::Denominator, 100.0);
    assert_eq!(
        e.status("T02", "330902", 2023).unwrap().light,
        youxiang_core::eval::Light::Yellow
    );
    put(&mut e, "2023-08", Component::Numerator, 54.0);
    put(&mut e, "2023-08", Component::Denominator, 100.0);
    let s = *e.status("T02", "330902", 2023).unwrap();
    assert_eq!(s.band_light, youxiang_core::eval::Light::Yellow);
    assert_eq!(s.light, youxiang_core::eval::Light::Red);
    let why = e
        .explain("T02", "330902", "2023-07".parse().unwrap())
        .unwrap();
    let formula = &why.schedule.as_ref().unwrap().explanation.formula;
    assert!(formula.contains("落后"), "{formula}");
    // The year's figure meets the target: the year check is final and met.
    put(&mut e, "2023", Component::Numerator, 61.0);
    put(&mut e, "2023", Component::Denominator, 100.0);
    let s = *e.status("T02", "330902", 2023).unwrap();
    assert!(s.year_complete);
    assert_eq!(s.year, youxiang_core::eval::YearStatus::Met);
    assert_eq!(s.light, youxiang_core::eval::Light::Green);
    // A lower-is-better bound (T06 城镇调查失业率 <5) is checked directly.
    let key = ValueKey {
        indicator: "T06".into(),
        place: "330902".into(),
        period: "2023-03".parse().unwrap(),
        component: Component::Value,
    };
    e.apply(&key, Some(5.2)).unwrap();
    let s = *e.status("T06", "330902", 2023).unwrap();
    assert_ne!(s.light, youxiang_core::eval::Light::Green);
    e.apply(&key, Some(4.6)).unwrap();
    assert_eq!(
        e.status("T06", "330902", 2023).unwrap().light,
        youxiang_core::eval::Light::Green
    );
}
