//! The shipped Dinghai plan file, `plans/dinghai-qiyouxiang.toml`, checked against the
//! published plan (the seed) it was transcribed from.

use std::collections::BTreeSet;
use std::path::PathBuf;

use youxiang_core::{Accumulation, Aggregation, IndicatorSource, Op, Plan, Polarity};
use youxiang_plantext::planfile::{PlanFileError, load};

const YEARS: [i32; 5] = [2023, 2024, 2025, 2026, 2027];

fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn plan_text() -> String {
    let path = repo_root().join("plans/dinghai-qiyouxiang.toml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn plan() -> Plan {
    match load(&plan_text()) {
        Ok(plan) => plan,
        Err(e) => panic!("plans/dinghai-qiyouxiang.toml does not load:\n{e}"),
    }
}

/// The published plan, or `None` (with a message) where the seed is not present.
fn seed() -> Option<String> {
    let path = youxiang_testkit::shared("seed/dinghai-qiyouxiang-plan.txt")?;
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

#[test]
fn the_shipped_plan_loads_with_zero_problems() {
    let plan = plan();
    assert_eq!(plan.code, "dinghai-qiyouxiang");
    assert_eq!(plan.name, "舟山市定海区公共服务“七优享”工程实施方案");
    assert_eq!(plan.issuer, "舟山市定海区人民政府办公室");
    assert_eq!(plan.place, "330902");
    assert_eq!(plan.published, "2023-04-28");
    assert_eq!(plan.baseline_year, 2022);
    assert_eq!(plan.target_years, YEARS.to_vec());
    assert_eq!(plan.version, 1);
    assert!(plan.revisions.is_empty());
    assert!(plan.validate().is_empty(), "{:?}", plan.validate());
    // Invisible characters of the seed are written as escapes, so an editor can see them.
    let text = plan_text();
    assert!(
        !text.contains('\u{a0}'),
        "raw U+00A0 in the plan file: write \\u00A0"
    );
    assert!(text.contains("\\u00A0"));
}

#[test]
fn the_shipped_plan_round_trips_through_to_toml() {
    let plan = plan();
    let again = load(&youxiang_plantext::planfile::to_toml(&plan)).unwrap();
    assert_eq!(plan, again);
}

#[test]
fn seven_domains_with_the_lead_units_of_their_sections() {
    let plan = plan();
    let got: Vec<(&str, &str, &str)> = plan
        .domains
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str(), d.lead_unit.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("YY", "幼有善育", "区卫健局"),
            ("XY", "学有优教", "区教育局"),
            ("LD", "劳有所得", "区人力社保局"),
            ("BY", "病有良医", "区卫健局"),
            ("LY", "老有康养", "区民政局"),
            ("ZY", "住有宜居", "区住建局"),
            ("RF", "弱有众扶", "区民政局"),
        ]
    );
    for d in &plan.domains {
        assert!(!d.name_en.is_empty() && d.name_en.is_ascii(), "{}", d.code);
    }
}

/// The table of five-year targets, typed from the seed: code, domain, name, unit, 2022,
/// 2023 … 2027.
const TABLE: [(&str, &str, &str, &str, [&str; 6]); 20] = [
    (
        "T01",
        "YY",
        "每千人口拥有3岁以下婴幼儿托位数",
        "个",
        ["3.2", "3.8", "4.0", "4.5", "5.0", "5.5"],
    ),
    (
        "T02",
        "YY",
        "普惠托位占比",
        "%",
        ["50", "60", "62", "65", "68", "70"],
    ),
    (
        "T03",
        "YY",
        "0-3岁儿童发育监测筛查率",
        "%",
        ["80", "85", "90", "95", "95", "95"],
    ),
    (
        "T04",
        "XY",
        "通过全国学前教育普及普惠县省级评估率",
        "%",
        ["/", "/", "100", "100", "100", "100"],
    ),
    (
        "T05",
        "XY",
        "通过全国义务教育优质均衡发展县省级评估率",
        "%",
        ["/", "/", "/", "/", "100", "100"],
    ),
    (
        "T06",
        "LD",
        "城镇调查失业率",
        "%",
        ["4.7", "<5", "<5", "<5", "<5", "<5"],
    ),
    (
        "T07",
        "LD",
        "欠薪线索动态化解率",
        "%",
        ["93", "94", "94.5", "95", "95.5", "96"],
    ),
    (
        "T08",
        "LD",
        "全区开展职业技能培训累计数",
        "万人次",
        ["1.41", "2.82", "4.23", "5.39", "6.55", "7.71"],
    ),
    (
        "T09",
        "BY",
        "人均预期寿命",
        "岁",
        ["82.11", "82.40", "82.45", "82.50", "82.60", "82.70"],
    ),
    (
        "T10",
        "BY",
        "重大慢病过早死亡率",
        "%",
        ["10.87", "10.84", "10.79", "10.75", "10.31", "9.96"],
    ),
    (
        "T11",
        "BY",
        "“浙里惠民保.舟惠保”投保率",
        "%",
        ["20", "30", ">50", "70", "70", ">70"],
    ),
    (
        "T12",
        "LY",
        "每万老年人口拥有持证养老护理员数",
        "人",
        ["28", "30", "31", "32", "33", "34"],
    ),
    (
        "T13",
        "LY",
        "基本养老保险参保人数",
        "万人",
        ["25.18", "25.21", "25.24", "25.26", "25.28", "25.3"],
    ),
    // The table writes 长期护理保险覆盖人数 in 万人 with the target 全覆盖, which no count can
    // be judged against: the plan file defines it as the coverage rate (its note says so).
    (
        "T14",
        "LY",
        "长期护理保险覆盖率",
        "%",
        ["/", "/", "/", "/", "全覆盖", "全覆盖"],
    ),
    (
        "T15",
        "ZY",
        "城镇住房保障受益覆盖率",
        "%",
        ["28.04", "28.05", "28.06", "28.07", "≥28.07", "≥28.07"],
    ),
    (
        "T16",
        "ZY",
        "保障性租赁住房累计建设筹集套数",
        "套、间",
        ["1380", "2373", "3760", "4700", "4750", "4800"],
    ),
    (
        "T17",
        "ZY",
        "住宅小区专业物业服务覆盖率",
        "%",
        ["75", "85", "87.5", "90", "92.5", "95"],
    ),
    (
        "T18",
        "RF",
        "最低生活保障年人均标准",
        "元",
        ["12420", "13200", "13650", "14100", "14550", "15000"],
    ),
    (
        "T19",
        "RF",
        "困难群众医疗费用综合保障率",
        "%",
        ["80", "83", "84", "86", "88", "90"],
    ),
    (
        "T20",
        "RF",
        "“残疾人之家”覆盖率",
        "%",
        ["75", "100", "100", "100", "100", "100"],
    ),
];

#[test]
fn twenty_table_indicators_cell_by_cell() {
    let plan = plan();
    let rows: Vec<_> = plan.table_indicators().collect();
    assert_eq!(rows.len(), 20);
    for (i, (ind, (code, domain, name, unit, cells))) in rows.iter().zip(TABLE).enumerate() {
        assert_eq!(ind.code, code);
        assert_eq!(
            ind.source,
            IndicatorSource::Table { seq: i as u32 + 1 },
            "{code}"
        );
        assert_eq!(ind.domain, domain, "{code}");
        assert_eq!(ind.name, name, "{code}");
        assert_eq!(ind.unit, unit, "{code}");
        assert_eq!(ind.baseline.text, cells[0], "{code} 2022");
        assert_eq!(
            ind.targets.keys().copied().collect::<Vec<_>>(),
            YEARS.to_vec(),
            "{code}"
        );
        for (year, cell) in YEARS.iter().zip(&cells[1..]) {
            assert_eq!(ind.targets[year].text, *cell, "{code} {year}");
        }
        let lead = &plan.domain(domain).unwrap().lead_unit;
        assert_eq!(&ind.lead_unit, lead, "{code}");
        assert_eq!(ind.limit, (unit == "%").then_some(100.0), "{code}");
        if let Aggregation::RatioOfSums {
            numerator,
            denominator,
            ..
        } = &ind.aggregation
        {
            assert!(!numerator.is_empty() && !denominator.is_empty(), "{code}");
        }
    }
    // A few parsed cells: the comparators of the table.
    let t = |code: &str, year: i32| {
        let c = &plan.indicator(code).unwrap().targets[&year];
        (c.op, c.value)
    };
    assert_eq!(t("T01", 2024), (Op::Eq, Some(4.0)));
    assert_eq!(t("T06", 2025), (Op::Lt, Some(5.0)));
    assert_eq!(t("T11", 2024), (Op::Gt, Some(50.0)));
    assert_eq!(t("T14", 2026), (Op::Full, None));
    assert_eq!(t("T15", 2027), (Op::Ge, Some(28.07)));
    assert_eq!(t("T05", 2025), (Op::None, None));
}

#[test]
fn table_properties_polarity_aggregation_accumulation() {
    let plan = plan();
    let ind = |code: &str| plan.indicator(code).unwrap();
    for code in ["T06", "T10"] {
        assert_eq!(ind(code).polarity, Polarity::LowerIsBetter, "{code}");
    }
    for i in plan
        .table_indicators()
        .filter(|i| !["T06", "T10"].contains(&i.code.as_str()))
    {
        assert_eq!(i.polarity, Polarity::HigherIsBetter, "{}", i.code);
    }
    let cumulative: Vec<&str> = plan
        .table_indicators()
        .filter(|i| i.accumulation == Accumulation::Cumulative)
        .map(|i| i.code.as_str())
        .collect();
    assert_eq!(cumulative, ["T08", "T16"]);
    let milestones: Vec<&str> = plan
        .table_indicators()
        .filter(|i| i.milestone)
        .map(|i| i.code.as_str())
        .collect();
    assert_eq!(milestones, ["T04", "T05"]);
    assert_eq!(
        ind("T01").aggregation,
        Aggregation::RatioOfSums {
            numerator: "3岁以下婴幼儿托位数".into(),
            denominator: "常住人口".into(),
            scale: 1000.0
        }
    );
    assert_eq!(ind("T06").aggregation, Aggregation::NotAggregable);
    assert_eq!(ind("T08").aggregation, Aggregation::Sum);
    assert_eq!(ind("T09").aggregation, Aggregation::PopulationWeightedMean);
    assert_eq!(ind("T18").aggregation, Aggregation::Latest);
    assert!(matches!(
        ind("T12").aggregation,
        Aggregation::RatioOfSums { scale, .. } if scale == 10000.0
    ));
    for i in plan.table_indicators().filter(|i| i.unit == "%") {
        if !matches!(i.code.as_str(), "T06" | "T10") {
            assert!(
                matches!(i.aggregation, Aggregation::RatioOfSums { scale, .. } if scale == 100.0),
                "{}",
                i.code
            );
        }
    }
}

/// The 27 key tasks: code, domain, title.
const TASKS: [(&str, &str, &str); 27] = [
    ("1.1", "YY", "加快健全生育服务体系"),
    ("1.2", "YY", "大力发展普惠托育服务体系"),
    ("1.3", "YY", "全面实施儿童健康促进行动"),
    ("1.4", "YY", "加快发展婴育数字服务"),
    ("2.1", "XY", "推进基础教育高水平均衡优质"),
    ("2.2", "XY", "推进终身教育高品质普惠共享"),
    ("3.1", "LD", "健全就业公共服务体系"),
    ("3.2", "LD", "深入实施新时代定海工匠培育工程"),
    ("3.3", "LD", "健全工资收入合理增长机制"),
    ("3.4", "LD", "高质量构建和谐劳动关系"),
    ("4.1", "BY", "提升县域医疗服务能力"),
    ("4.2", "BY", "推进重点学科建设"),
    ("4.3", "BY", "提升全民医疗保障水平"),
    ("4.4", "BY", "强化全民健康促进"),
    ("4.5", "BY", "优化数字健康服务"),
    ("5.1", "LY", "推进养老服务设施建设"),
    ("5.2", "LY", "加大优质养老服务供给"),
    ("5.3", "LY", "深化医养康养结合"),
    ("5.4", "LY", "推动多层次社会保障体系发展"),
    ("6.1", "ZY", "加快完善住房保障体系"),
    ("6.2", "ZY", "不断完善住房市场体系"),
    ("6.3", "ZY", "全面提升城乡房屋安全"),
    ("6.4", "ZY", "持续提升住房居住品质"),
    ("7.1", "RF", "持续提高救助兜底保障水平"),
    ("7.2", "RF", "不断完善社会救助长效机制"),
    ("7.3", "RF", "加快构建基层治理体系和治理能力现代化建设"),
    ("7.4", "RF", "着力推进救助服务规范实施"),
];

#[test]
fn twenty_seven_key_tasks_with_their_section_leads() {
    let plan = plan();
    assert_eq!(plan.tasks.len(), 27);
    let leads = [
        ("YY", "区卫健局"),
        ("XY", "区教育局"),
        ("LD", "区人力社保局"),
        ("BY", "区卫健局"),
        ("LY", "区民政局"),
        ("ZY", "区住建局"),
        ("RF", "区民政局"),
    ];
    for (task, (code, domain, title)) in plan.tasks.iter().zip(TASKS) {
        assert_eq!(
            (
                task.code.as_str(),
                task.domain.as_str(),
                task.title.as_str()
            ),
            (code, domain, title)
        );
        let lead = leads.iter().find(|(d, _)| *d == domain).unwrap().1;
        assert_eq!(task.lead_unit, lead, "{code}");
        assert!(task.text.chars().count() > 50, "{code}: text too short");
    }
    let Some(seed) = seed() else { return };
    for (i, task) in plan.tasks.iter().enumerate() {
        let number = task.code.split('.').nth(1).unwrap();
        let line = format!("{number}.{}。{}", task.title, task.text);
        assert!(
            seed.lines().any(|l| l.trim() == line),
            "task {} is not a paragraph of the seed, verbatim",
            task.code
        );
        // The text runs to the end of the paragraph: the next task starts a new one.
        if let Some(next) = plan.tasks.get(i + 1) {
            assert!(!task.text.contains(&next.title), "{}", task.code);
        }
    }
}

#[test]
fn task_targets_quote_the_seed_and_belong_to_a_task() {
    let plan = plan();
    let targets: Vec<_> = plan.task_indicators().collect();
    assert!(targets.len() >= 50, "only {} task targets", targets.len());
    let seed = seed();
    let mut seen = BTreeSet::new();
    let mut last: Option<(String, char)> = None;
    for ind in &targets {
        let IndicatorSource::Task { task, sentence } = &ind.source else {
            unreachable!()
        };
        let t = plan
            .tasks
            .iter()
            .find(|t| &t.code == task)
            .unwrap_or_else(|| panic!("{}: unknown task {task}", ind.code));
        // Codes K<task><a, b, …> in text order.
        let suffix = ind
            .code
            .strip_prefix(&format!("K{task}"))
            .unwrap_or_else(|| {
                panic!("{} should be K{task}<letter>", ind.code);
            });
        let letter = suffix.chars().next().unwrap();
        assert_eq!(suffix.chars().count(), 1, "{}", ind.code);
        let expected = match &last {
            Some((prev, l)) if prev == task => char::from(*l as u8 + 1),
            _ => 'a',
        };
        assert_eq!(letter, expected, "{}", ind.code);
        last = Some((task.clone(), letter));
        assert!(seen.insert(ind.code.clone()));

        assert_eq!(ind.domain, t.domain, "{}", ind.code);
        // A target takes its task's lead unit unless its sentence names another
        // department's work; then the note says who leads and that the task's lead is
        // another (sports → 区文广旅体局, 避灾安置 → 区应急管理局).
        if ind.lead_unit != t.lead_unit {
            assert!(
                ind.note.contains(&format!("由{}牵头", ind.lead_unit))
                    && ind.note.contains(&format!("该任务由{}牵头", t.lead_unit)),
                "{}: lead {} differs from task {task}'s {} without a note",
                ind.code,
                ind.lead_unit,
                t.lead_unit
            );
        }
        assert_eq!(ind.baseline.text, "/", "{}", ind.code);
        assert!(ind.targets.values().any(|c| c.is_set()), "{}", ind.code);
        assert!(
            t.text.contains(sentence.as_str()),
            "{}: sentence not in task {task}",
            ind.code
        );
        if let Some(seed) = &seed {
            assert!(
                seed.contains(sentence.as_str()),
                "{}: sentence not in the seed: {sentence}",
                ind.code
            );
        }
        if ind.milestone {
            assert!(
                ind.targets
                    .values()
                    .all(|c| c.op == Op::Full || c.value == Some(100.0))
            );
        }
    }
    // Every task whose text states a number with a year has at least one target.
    for t in &plan.tasks {
        let has = targets
            .iter()
            .any(|i| matches!(&i.source, IndicatorSource::Task { task, .. } if *task == t.code));
        let text = t.text.replace('\u{a0}', "");
        if ["到2023年", "到2024年", "到2027年", "每年"]
            .iter()
            .any(|w| text.contains(w))
        {
            assert!(
                has,
                "task {} states targets but none was transcribed",
                t.code
            );
        }
    }
}

#[test]
fn the_examples_of_the_brief_are_transcribed_as_written() {
    let plan = plan();
    let by_name = |name: &str| {
        let found: Vec<_> = plan
            .task_indicators()
            .filter(|i| i.name.contains(name))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{name}: {:?}",
            found.iter().map(|i| &i.code).collect::<Vec<_>>()
        );
        found[0]
    };
    let only = |ind: &youxiang_core::Indicator| {
        assert_eq!(ind.targets.len(), 1, "{}", ind.code);
        let (year, t) = ind.targets.iter().next().unwrap();
        (*year, t.text.clone(), t.op, t.value)
    };

    let i = by_name("严重致残出生缺陷发生率");
    assert_eq!(i.code, "K1.1a");
    assert_eq!(i.polarity, Polarity::LowerIsBetter);
    assert_eq!(i.unit, "‰");
    assert_eq!(only(i), (2027, "1‰以下".into(), Op::Le, Some(1.0)));

    let i = by_name("婴幼儿照护服务机构从业人员持证率");
    assert_eq!(only(i), (2027, "90%".into(), Op::Eq, Some(90.0)));

    let i = by_name("免费健康体检");
    assert_eq!(
        i.targets.keys().copied().collect::<Vec<_>>(),
        YEARS.to_vec()
    );
    for (year, t) in &i.targets {
        assert_eq!(
            (t.text.as_str(), t.op, t.value),
            ("6万人以上", Op::Ge, Some(6.0)),
            "{year}"
        );
    }

    let i = by_name("老旧小区数");
    assert_eq!(i.accumulation, Accumulation::Cumulative);
    assert_eq!(only(i), (2027, "不少于120个".into(), Op::Ge, Some(120.0)));

    let i = by_name("公租房在保家庭");
    assert_eq!(only(i), (2027, "5500户以上".into(), Op::Ge, Some(5500.0)));

    let i = by_name("儿科执业(助理)医师数");
    assert_eq!(only(i), (2027, "1.12名以上".into(), Op::Ge, Some(1.12)));
    assert!(matches!(i.aggregation, Aggregation::RatioOfSums { scale, .. } if scale == 1000.0));

    let i = by_name("普惠性幼儿园在园幼儿占比");
    assert_eq!(only(i), (2027, "超过95%".into(), Op::Gt, Some(95.0)));

    let i = by_name("康养联合体");
    assert_eq!(only(i), (2027, "全覆盖".into(), Op::Full, None));

    let i = by_name("区中心医院达到二级综合医院服务能力");
    assert!(i.milestone);
    assert_eq!(only(i).3, Some(100.0));

    let i = by_name("劳动争议仲裁结案率");
    assert_eq!(only(i), (2027, "92%以上".into(), Op::Ge, Some(92.0)));

    let i = by_name("数字健康重点应用年服务人次");
    assert_eq!(only(i), (2027, "30万".into(), Op::Eq, Some(30.0)));

    let i = by_name("人均体育场地面积");
    assert_eq!(only(i), (2027, "3.2㎡".into(), Op::Eq, Some(3.2)));

    let i = by_name("医康养护融合型养老机构");
    assert_eq!(only(i), (2023, "1家".into(), Op::Eq, Some(1.0)));

    let i = by_name("全区城乡危房");
    assert_eq!(i.polarity, Polarity::LowerIsBetter);
    assert_eq!(only(i).0, 2024);

    // One sentence, three targets.
    let s = "学生资助政策落实率、农村困难家庭危房改造补助率、避灾安置场所规范化率均达到100%";
    let three: Vec<_> = plan
        .task_indicators()
        .filter(
            |i| matches!(&i.source, IndicatorSource::Task { sentence, .. } if sentence.contains(s)),
        )
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(
        three,
        [
            "学生资助政策落实率",
            "农村困难家庭危房改造补助率",
            "避灾安置场所规范化率"
        ]
    );
    for name in three {
        assert_eq!(
            only(by_name(name)),
            (2027, "100%".into(), Op::Eq, Some(100.0))
        );
    }
}

#[test]
fn the_major_project_total() {
    let plan = plan();
    assert_eq!(plan.projects.len(), 1);
    let p = &plan.projects[0];
    assert_eq!(p.code, "P01");
    assert_eq!(p.investment_yi_yuan, 89.88);
    assert_eq!((p.start_year, p.end_year), (Some(2023), Some(2027)));
    assert_eq!(p.lead_unit, "舟山市定海区公共服务“七优享”工程工作专班");
    if let Some(seed) = seed() {
        assert!(
            seed.contains(&p.sentence) && p.sentence.contains("89.88亿元"),
            "{}",
            p.sentence
        );
    }
}

#[test]
fn a_broken_copy_lists_every_problem_with_indicator_year_and_text() {
    let text = plan_text();
    let edit = |text: String, from: &str, to: &str| {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        text.replacen(from, to, 1)
    };
    // T02 takes T01's code; T03 gets a target for 2030; T07's 2024 target becomes "约5".
    let broken = edit(text, "code = \"T02\"", "code = \"T01\"");
    let broken = edit(
        broken,
        "2026 = \"95\", 2027 = \"95\" }",
        "2026 = \"95\", 2027 = \"95\", 2030 = \"96\" }",
    );
    let broken = edit(broken, "2024 = \"94.5\"", "2024 = \"约5\"");
    let Err(PlanFileError::Invalid(problems)) = load(&broken) else {
        panic!("the broken copy loaded")
    };
    let all: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let has = |parts: &[&str]| {
        all.iter()
            .any(|p| parts.iter().all(|part| p.contains(part)))
    };
    assert!(has(&["指标 T01(普惠托位占比)", "指标编码重复"]), "{all:#?}");
    assert!(
        has(&["指标 T03(0-3岁儿童发育监测筛查率) 2030年", "2030"]),
        "{all:#?}"
    );
    assert!(
        has(&["指标 T07(欠薪线索动态化解率) 2024年", "约5"]),
        "{all:#?}"
    );
    assert_eq!(problems.len(), 3, "{all:#?}");
}

#[test]
fn revising_a_target_keeps_the_old_one_in_history() {
    let mut plan = plan();
    let v = plan
        .revise_target("T01", 2025, "4.6", "2024-03-01", "年度评估后调整")
        .unwrap();
    assert_eq!(v, 2);
    assert_eq!(plan.indicator("T01").unwrap().targets[&2025].text, "4.6");
    assert_eq!(
        plan.target_history("T01", 2025),
        vec![(1, "4.5".to_string()), (2, "4.6".to_string())]
    );
    assert!(plan.validate().is_empty());
    // The revised plan is written and read back with its history.
    let again = load(&youxiang_plantext::planfile::to_toml(&plan)).unwrap();
    assert_eq!(
        again.target_history("T01", 2025),
        plan.target_history("T01", 2025)
    );
    assert_eq!(again.version, 2);
}

#[test]
fn targets_naming_another_department_are_led_by_it() {
    let plan = plan();
    let lead = |code: &str| {
        let i = plan.indicator(code).unwrap();
        (i.lead_unit.as_str(), i.partner_units.clone())
    };
    for code in ["K4.4b", "K4.4c", "K4.4d", "K4.4e"] {
        assert_eq!(lead(code).0, "区文广旅体局", "{code}: sports");
    }
    assert_eq!(lead("K4.4d").1, ["区教育局"]);
    assert_eq!(
        lead("K7.2c"),
        ("区应急管理局", vec!["区民政局".to_string()])
    );
    assert_eq!(lead("K7.2a").0, "区教育局");
    assert_eq!(lead("K7.2b").0, "区住建局");
}

#[test]
fn full_coverage_of_a_count_is_refused_naming_the_indicator() {
    // T14 as the table first wrote it: a count in 万人 against 全覆盖, which no figure can
    // ever meet. The plan check refuses it, naming the indicator and each year.
    let text = plan_text();
    let shipped = "unit = \"%\"\npolarity = \"higher_is_better\"\naggregation = { rule = \"ratio_of_sums\", numerator = \"长期护理保险参保人数\", denominator = \"应参保人数\", scale = 100 }\nlead_unit = \"区民政局\"\nlimit = 100\n";
    let start = text.find("code = \"T14\"").expect("T14");
    let at = start + text[start..].find(shipped).expect("T14's definition");
    let mut broken = text.clone();
    broken.replace_range(
        at..at + shipped.len(),
        "unit = \"万人\"\npolarity = \"higher_is_better\"\naggregation = { rule = \"sum\" }\nlead_unit = \"区民政局\"\n",
    );
    let Err(PlanFileError::Invalid(problems)) = load(&broken) else {
        panic!("a count against 全覆盖 was accepted");
    };
    let about: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(about.len(), 2, "{about:?}");
    for (p, year) in about.iter().zip([2026, 2027]) {
        assert!(
            p.contains("T14") && p.contains(&format!("{year}年")) && p.contains("万人"),
            "{p}"
        );
        assert!(p.contains("不是占比") && p.contains("milestone"), "{p}");
    }
    // As a milestone it is accepted.
    let milestone = broken.replacen("code = \"T14\"\n", "code = \"T14\"\nmilestone = true\n", 1);
    if let Err(e) = load(&milestone) {
        panic!("as a milestone: {e}");
    }
    // The shipped definition names the table's own words in its note.
    let t14 = plan().indicator("T14").unwrap().clone();
    assert!(t14.note.contains("原文为“长期护理保险覆盖人数(万人)”"));
    assert!(matches!(t14.aggregation, Aggregation::RatioOfSums { .. }));
}
