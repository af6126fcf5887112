use super::*;
use crate::catalogue::{Aspect, Scope};
use crate::facilities::Location;
use crate::place::Place;
use crate::plan::{Aggregation, Domain, Indicator, IndicatorSource, Polarity};

fn indicator(code: &str, polarity: Polarity) -> Indicator {
    Indicator {
        code: code.into(),
        name: format!("指标{code}"),
        unit: "%".into(),
        domain: "LY".into(),
        polarity,
        aggregation: Aggregation::Latest,
        accumulation: Default::default(),
        frequency: crate::period::PeriodKind::Quarter,
        flow: Default::default(),
        report_level: None,
        milestone: false,
        lead_unit: "区民政局".into(),
        partner_units: vec![],
        limit: None,
        source: IndicatorSource::Table { seq: 1 },
        data_source: String::new(),
        definition: String::new(),
        baseline: Target::parse("1").unwrap(),
        targets: Default::default(),
        note: String::new(),
    }
}

fn plan() -> Plan {
    Plan {
        code: "p".into(),
        name: "计划".into(),
        issuer: "区政府".into(),
        place: "d".into(),
        published: String::new(),
        baseline_year: 2022,
        target_years: vec![2025, 2027],
        version: 1,
        domains: vec![Domain {
            code: "LY".into(),
            name: "老有康养".into(),
            lead_unit: "区民政局".into(),
            name_en: String::new(),
        }],
        indicators: vec![
            indicator("K1", Polarity::HigherIsBetter),
            indicator("K2", Polarity::LowerIsBetter),
        ],
        tasks: vec![],
        projects: vec![],
        revisions: vec![],
    }
}

/// A district `d` at (122.0, 30.0), towns `t1` and `t2`, villages `v1`, `v2` under `t1`
/// (v2 about 2.2 km east) and `v3` under `t2` without a point.
fn tree() -> PlaceTree {
    let p = |code: &str, parent: Option<&str>, level, at: Option<(f64, f64)>| Place {
        code: code.into(),
        name: format!("地{code}"),
        level,
        parent: parent.map(Into::into),
        lon: at.map(|a| a.0),
        lat: at.map(|a| a.1),
        population: Default::default(),
    };
    PlaceTree::build(vec![
        p("d", None, Level::County, Some((122.0, 30.0))),
        p("t1", Some("d"), Level::Town, Some((122.0, 30.0))),
        p("t2", Some("d"), Level::Town, Some((122.05, 30.0))),
        p("v1", Some("t1"), Level::Village, Some((122.0, 30.001))),
        p("v2", Some("t1"), Level::Village, Some((122.023, 30.0))),
        p("v3", Some("t2"), Level::Village, None),
    ])
    .unwrap()
}

fn item(code: &str, level: DeliveryLevel, evidence: Evidence) -> Item {
    Item {
        code: code.into(),
        aspect: Some(Aspect::Elderly),
        category: String::new(),
        name: format!("项目{code}"),
        target_group: String::new(),
        content: String::new(),
        standard: String::new(),
        funding: String::new(),
        lead_unit: "区民政局".into(),
        levels: vec![level],
        relation: None,
        domain: Some("老有康养".into()),
        evidence: Some(evidence),
        source: String::new(),
        note: String::new(),
    }
}

fn facility(code: &str, t: FacilityType, at: (f64, f64), status: FacilityStatus) -> Facility {
    Facility {
        code: code.into(),
        name: format!("设施{code}"),
        facility_type: t,
        place: "v1".into(),
        location: Some(Location {
            lon: at.0,
            lat: at.1,
        }),
        capacity: None,
        status,
        opened: NaiveDate::from_ymd_opt(2020, 1, 1),
        closed: None,
        items: vec![],
        source: String::new(),
        note: String::new(),
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 10, 15).unwrap()
}

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

fn catalogue(items: Vec<Item>) -> Catalogue {
    Catalogue {
        code: "c".into(),
        name: "清单".into(),
        issuer: String::new(),
        year: 2023,
        scope: Scope::County,
        parent: None,
        sample: true,
        note: String::new(),
        items,
    }
}

#[test]
fn straight_line_reach_takes_the_nearest_open_located_facility() {
    let tree = tree();
    let mut planned = facility(
        "F2",
        FacilityType::VillageClinic,
        (122.0, 30.0),
        FacilityStatus::Planned,
    );
    planned.opened = None;
    let mut unlocated = facility(
        "F3",
        FacilityType::VillageClinic,
        (0.0, 0.0),
        FacilityStatus::Open,
    );
    unlocated.location = None;
    let reach = straight_line_reach(
        &tree,
        &[
            facility(
                "F1",
                FacilityType::VillageClinic,
                (122.0, 30.0),
                FacilityStatus::Open,
            ),
            planned,
            unlocated,
            facility(
                "F4",
                FacilityType::VillageClinic,
                (122.02, 30.0),
                FacilityStatus::Open,
            ),
        ],
        day(),
    );
    assert!(!reach.located.contains("v3"), "no point, no reach");
    let r = reach
        .nearest_like("v1", FacilityType::VillageClinic)
        .unwrap();
    assert_eq!(r.facility, "F1");
    assert_eq!(r.basis, Basis::StraightLine);
    // 0.001° of latitude ≈ 111 m, walked at 80 m/min ≈ 1.4 min.
    assert!((r.metres - 111.0).abs() < 1.5, "{}", r.metres);
    assert!((r.minutes - 1.4).abs() < 0.05, "{}", r.minutes);
    let r2 = reach
        .nearest_like("v2", FacilityType::VillageClinic)
        .unwrap();
    assert_eq!(r2.facility, "F4", "the nearer of the open ones");
    // 社区卫生服务站 is met by a 村卫生室 (the same type of the 15-minute engine), but a
    // 残疾人之家 only by its own type.
    assert_eq!(
        reach
            .nearest_like("v1", FacilityType::HealthStation)
            .unwrap()
            .facility,
        "F1"
    );
    assert!(
        reach
            .nearest_like("v1", FacilityType::DisabledHome)
            .is_none()
    );
    // Not yet opened on the day: not counted.
    let mut later = facility(
        "F5",
        FacilityType::Canteen,
        (122.0, 30.0),
        FacilityStatus::Open,
    );
    later.opened = NaiveDate::from_ymd_opt(2026, 1, 1);
    assert!(
        straight_line_reach(&tree, &[later], day())
            .nearest
            .is_empty()
    );
}

fn report(item: &str, place: &str, period: &str, met: bool) -> YesNoReport {
    YesNoReport {
        catalogue: "c".into(),
        item: item.into(),
        place: place.into(),
        period: p(period),
        met,
        evidence: format!("证明{period}"),
        reported_by: "town-t1".into(),
        reported_at: day().and_hms_opt(2, 0, 0).unwrap(),
    }
}

#[test]
fn a_report_answers_for_its_period_within_it_or_containing_it() {
    let reports = vec![
        report("R", "t1", "2025Q1", true),
        report("R", "t1", "2025Q2", false),
        report("R", "t1", "2024", true),
        report("R", "t2", "2025", true),
    ];
    assert!(report_for(&reports, "R", "t1", p("2025Q1")).unwrap().met);
    // A year: the latest quarter reported within it.
    assert_eq!(
        report_for(&reports, "R", "t1", p("2025")).unwrap().period,
        p("2025Q2")
    );
    // A quarter: the year's report answers for it.
    assert_eq!(
        report_for(&reports, "R", "t2", p("2025Q3")).unwrap().period,
        p("2025")
    );
    assert!(report_for(&reports, "R", "t1", p("2025Q3")).is_none());
    assert!(report_for(&reports, "X", "t1", p("2025")).is_none());
}

fn matrix(
    items: Vec<Item>,
    facilities: &[Facility],
    reports: &[YesNoReport],
    period: &str,
) -> Matrix {
    let tree = tree();
    let plan = plan();
    let reach = straight_line_reach(&tree, facilities, day());
    let mut figures: HashMap<(String, String), Vec<(Period, f64)>> = HashMap::new();
    figures.insert(
        ("K1".into(), "t1".into()),
        vec![(p("2025Q1"), 90.0), (p("2025Q2"), 70.0)],
    );
    figures.insert(("K1".into(), "t2".into()), vec![(p("2025Q1"), 95.0)]);
    figures.insert(("K2".into(), "d".into()), vec![(p("2025Q3"), 3.0)]);
    let c = catalogue(items);
    compute(&Inputs {
        catalogue: &c,
        plan: &plan,
        tree: &tree,
        period: p(period),
        reach: &reach,
        figures: &figures,
        reports,
    })
}

fn verdict(m: &Matrix, item: &str, place: &str) -> Verdict {
    m.cell(item, place).unwrap().verdict
}

#[test]
fn facility_items_are_met_within_the_minutes_with_their_evidence() {
    let m = matrix(
        vec![item(
            "F",
            DeliveryLevel::Village,
            Evidence::Facility {
                facility_type: "村卫生室".into(),
                minutes: 15,
            },
        )],
        &[facility(
            "F1",
            FacilityType::VillageClinic,
            (122.0, 30.0),
            FacilityStatus::Open,
        )],
        &[],
        "2025",
    );
    // v1 is 111 m away, v2 about 2.2 km (27.7 min), v3 has no point.
    assert_eq!(verdict(&m, "F", "v1"), Verdict::Met);
    assert_eq!(verdict(&m, "F", "v2"), Verdict::NotMet);
    assert_eq!(verdict(&m, "F", "v3"), Verdict::NoData);
    let c = m.cell("F", "v2").unwrap();
    assert!(
        c.why.contains("直线估算") && c.why.contains("超过 15 分钟"),
        "{}",
        c.why
    );
    assert!(c.why.contains("设施F1"), "{}", c.why);
    let CellEvidence::Facility {
        nearest: Some(r),
        within_minutes: 15,
        ..
    } = &c.evidence
    else {
        panic!("{:?}", c.evidence)
    };
    assert!(r.minutes > 27.0 && r.minutes < 28.5, "{}", r.minutes);
    // Only village cells: no town or district cell for a village item.
    assert!(m.cell("F", "t1").is_none() && m.cell("F", "d").is_none());
    // Without any open facility of the type: not met, said so.
    let none = matrix(
        vec![item(
            "F",
            DeliveryLevel::Town,
            Evidence::Facility {
                facility_type: "残疾人之家".into(),
                minutes: 15,
            },
        )],
        &[],
        &[],
        "2025",
    );
    assert_eq!(verdict(&none, "F", "t1"), Verdict::NotMet);
    assert!(
        none.cell("F", "t1")
            .unwrap()
            .why
            .contains("没有运行中的残疾人之家")
    );
}

#[test]
fn indicator_items_judge_the_latest_figure_within_the_period_by_polarity() {
    let items = vec![
        item(
            "I",
            DeliveryLevel::Town,
            Evidence::Indicator {
                indicator: "K1".into(),
                threshold: "85%".into(),
            },
        ),
        item(
            "L",
            DeliveryLevel::District,
            Evidence::Indicator {
                indicator: "K2".into(),
                threshold: "5".into(),
            },
        ),
    ];
    let m = matrix(items.clone(), &[], &[], "2025");
    // t1's latest in 2025 is Q2's 70 < 85; t2's is 95.
    assert_eq!(verdict(&m, "I", "t1"), Verdict::NotMet);
    assert_eq!(verdict(&m, "I", "t2"), Verdict::Met);
    let c = m.cell("I", "t1").unwrap();
    assert!(c.why.contains("70%") && c.why.contains("85%"), "{}", c.why);
    let CellEvidence::Indicator {
        value: Some(v),
        as_of: Some(at),
        ..
    } = &c.evidence
    else {
        panic!()
    };
    assert_eq!((*v, *at), (70.0, p("2025Q2")));
    // Lower is better: 3 against 5 is met.
    assert_eq!(verdict(&m, "L", "d"), Verdict::Met);
    // In Q1 t1 had 90: met; in Q3 neither town has a figure: no data.
    let q1 = matrix(items.clone(), &[], &[], "2025Q1");
    assert_eq!(verdict(&q1, "I", "t1"), Verdict::Met);
    let q3 = matrix(items, &[], &[], "2025Q3");
    assert_eq!(verdict(&q3, "I", "t1"), Verdict::NoData);
    assert!(q3.cell("I", "t1").unwrap().why.contains("无数据"));
}

#[test]
fn report_items_take_the_typed_report_and_name_who_and_what() {
    let items = vec![item(
        "R",
        DeliveryLevel::Town,
        Evidence::Report {
            every: "每年".into(),
        },
    )];
    let reports = vec![report("R", "t1", "2025", false)];
    let m = matrix(items, &[], &reports, "2025");
    assert_eq!(verdict(&m, "R", "t1"), Verdict::NotMet);
    assert_eq!(verdict(&m, "R", "t2"), Verdict::NoData);
    let why = &m.cell("R", "t1").unwrap().why;
    assert!(
        why.contains("town-t1") && why.contains("证明2025") && why.contains("2025-10-15"),
        "{why}"
    );
}

#[test]
fn shares_roll_up_worst_first_and_unleveled_items_stand_apart() {
    let mut unleveled = item(
        "U",
        DeliveryLevel::Town,
        Evidence::Report {
            every: "每年".into(),
        },
    );
    unleveled.levels.clear();
    let mut no_evidence = item(
        "N",
        DeliveryLevel::Town,
        Evidence::Report {
            every: "每年".into(),
        },
    );
    no_evidence.evidence = None;
    let items = vec![
        item(
            "F",
            DeliveryLevel::Village,
            Evidence::Facility {
                facility_type: "村卫生室".into(),
                minutes: 15,
            },
        ),
        item(
            "I",
            DeliveryLevel::Town,
            Evidence::Indicator {
                indicator: "K1".into(),
                threshold: "85%".into(),
            },
        ),
        unleveled,
        no_evidence,
    ];
    let m = matrix(
        items,
        &[facility(
            "F1",
            FacilityType::VillageClinic,
            (122.0, 30.0),
            FacilityStatus::Open,
        )],
        &[],
        "2025",
    );
    assert_eq!(m.unleveled.len(), 1);
    assert_eq!(m.unleveled[0].code, "U");
    assert_eq!(verdict(&m, "N", "t1"), Verdict::NoData);
    // t1: own I not met, N no data; villages F met (v1) and not met (v2) → 1 of 3 judged.
    let t1 = m.share("t1", &ShareOf::All).unwrap();
    assert_eq!(
        (t1.tally.met, t1.tally.not_met, t1.tally.no_data),
        (1, 2, 1)
    );
    assert!((t1.share.unwrap() - 100.0 / 3.0).abs() < 1e-9);
    // t2: I met, N no data, v3 F no data → 100 %.
    let t2 = m.share("t2", &ShareOf::All).unwrap();
    assert_eq!(t2.share, Some(100.0));
    // The district adds both towns' cells: 2 met of 4 judged.
    let d = m.share("d", &ShareOf::All).unwrap();
    assert_eq!((d.tally.met, d.tally.not_met), (2, 2));
    assert_eq!(d.share, Some(50.0));
    // By aspect and by domain too.
    assert_eq!(
        m.share("d", &ShareOf::Aspect(Aspect::Elderly))
            .unwrap()
            .share,
        Some(50.0)
    );
    assert_eq!(
        m.share("d", &ShareOf::Domain("LY".into())).unwrap().share,
        Some(50.0)
    );
    // Worst first: t1 before t2.
    let towns: Vec<&str> = m
        .ranking(Level::Town)
        .iter()
        .map(|s| s.place.as_str())
        .collect();
    assert_eq!(towns, ["t1", "t2"]);
    // Items worst first: I and F have one cell not met each; I (1 met) ties F (1 met) —
    // both before N (none not met).
    assert_eq!(m.items.last().unwrap().code, "N");
    // A town's column of a village item.
    let t = m.tally_within(&tree(), "F", "t1");
    assert_eq!((t.met, t.not_met, t.verdict()), (1, 1, Verdict::NotMet));
    assert_eq!(
        m.tally_within(&tree(), "F", "t2").verdict(),
        Verdict::NoData
    );
    assert_eq!(m.gaps().count(), 2);
}

#[test]
fn tally_share_and_worst_first_edges() {
    let t = Tally::default();
    assert_eq!(t.share(), None);
    assert_eq!(t.verdict(), Verdict::NoData);
    assert_eq!(worst_first(Some(10.0), None), std::cmp::Ordering::Less);
    assert_eq!(worst_first(None, Some(0.0)), std::cmp::Ordering::Greater);
    assert_eq!(Verdict::NotMet.label_zh(), "未达标");
    assert_eq!(Basis::StraightLine.label_zh(), "直线估算");
    assert_eq!(num(12.50), "12.5");
    assert_eq!(num(3.0), "3");
}
