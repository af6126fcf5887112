//! The published-text reader on the seed and on variants of other counties.

use std::path::PathBuf;

use youxiang_core::{Accumulation, Op, Polarity};
use youxiang_plantext::planfile;
use youxiang_plantext::published::{DecodeError, ImportedPlan, YearBasis, decode, read_published};

fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn seed_text() -> Option<String> {
    let path = youxiang_testkit::shared("seed/dinghai-qiyouxiang-plan.txt")?;
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The seed's table as it is published: domain, 序号, name, unit, baseline, 2023…2027.
/// (domain, 序号, name, unit, baseline, the five targets).
type SeedRow = (
    &'static str,
    u32,
    &'static str,
    &'static str,
    &'static str,
    [&'static str; 5],
);

const SEED_ROWS: [SeedRow; 20] = [
    (
        "幼有善育",
        1,
        "每千人口拥有3岁以下婴幼儿托位数",
        "个",
        "3.2",
        ["3.8", "4.0", "4.5", "5.0", "5.5"],
    ),
    (
        "幼有善育",
        2,
        "普惠托位占比",
        "%",
        "50",
        ["60", "62", "65", "68", "70"],
    ),
    (
        "幼有善育",
        3,
        "0-3岁儿童发育监测筛查率",
        "%",
        "80",
        ["85", "90", "95", "95", "95"],
    ),
    (
        "学有优教",
        4,
        "通过全国学前教育普及普惠县省级评估率",
        "%",
        "/",
        ["/", "100", "100", "100", "100"],
    ),
    (
        "学有优教",
        5,
        "通过全国义务教育优质均衡发展县省级评估率",
        "%",
        "/",
        ["/", "/", "/", "100", "100"],
    ),
    (
        "劳有所得",
        6,
        "城镇调查失业率",
        "%",
        "4.7",
        ["<5", "<5", "<5", "<5", "<5"],
    ),
    (
        "劳有所得",
        7,
        "欠薪线索动态化解率",
        "%",
        "93",
        ["94", "94.5", "95", "95.5", "96"],
    ),
    (
        "劳有所得",
        8,
        "全区开展职业技能培训累计数",
        "万人次",
        "1.41",
        ["2.82", "4.23", "5.39", "6.55", "7.71"],
    ),
    (
        "病有良医",
        9,
        "人均预期寿命",
        "岁",
        "82.11",
        ["82.40", "82.45", "82.50", "82.60", "82.70"],
    ),
    (
        "病有良医",
        10,
        "重大慢病过早死亡率",
        "%",
        "10.87",
        ["10.84", "10.79", "10.75", "10.31", "9.96"],
    ),
    (
        "病有良医",
        11,
        "“浙里惠民保.舟惠保”投保率",
        "%",
        "20",
        ["30", ">50", "70", "70", ">70"],
    ),
    (
        "老有康养",
        12,
        "每万老年人口拥有持证养老护理员数",
        "人",
        "28",
        ["30", "31", "32", "33", "34"],
    ),
    (
        "老有康养",
        13,
        "基本养老保险参保人数",
        "万人",
        "25.18",
        ["25.21", "25.24", "25.26", "25.28", "25.3"],
    ),
    (
        "老有康养",
        14,
        "长期护理保险覆盖人数",
        "万人",
        "/",
        ["/", "/", "/", "全覆盖", "全覆盖"],
    ),
    (
        "住有宜居",
        15,
        "城镇住房保障受益覆盖率",
        "%",
        "28.04",
        ["28.05", "28.06", "28.07", "≥28.07", "≥28.07"],
    ),
    (
        "住有宜居",
        16,
        "保障性租赁住房累计建设筹集套数",
        "套、间",
        "1380",
        ["2373", "3760", "4700", "4750", "4800"],
    ),
    (
        "住有宜居",
        17,
        "住宅小区专业物业服务覆盖率",
        "%",
        "75",
        ["85", "87.5", "90", "92.5", "95"],
    ),
    (
        "弱有众扶",
        18,
        "最低生活保障年人均标准",
        "元",
        "12420",
        ["13200", "13650", "14100", "14550", "15000"],
    ),
    (
        "弱有众扶",
        19,
        "困难群众医疗费用综合保障率",
        "%",
        "80",
        ["83", "84", "86", "88", "90"],
    ),
    (
        "弱有众扶",
        20,
        "“残疾人之家”覆盖率",
        "%",
        "75",
        ["100", "100", "100", "100", "100"],
    ),
];

const YEARS: [i32; 5] = [2023, 2024, 2025, 2026, 2027];

fn seed() -> Option<ImportedPlan> {
    seed_text().map(|t| read_published(&t))
}

#[test]
fn seed_table_every_cell_against_the_typed_table() {
    let Some(p) = seed() else { return };
    assert_eq!(p.baseline_year, Some(2022));
    assert_eq!(p.target_years, YEARS);
    assert_eq!(p.indicators.len(), 20);
    for (row, (domain, seq, name, unit, baseline, targets)) in p.indicators.iter().zip(SEED_ROWS) {
        let at = format!("序号 {seq}");
        assert_eq!(row.domain, domain, "{at}");
        assert_eq!(row.seq, seq, "{at}");
        assert_eq!(row.name, name, "{at}");
        assert_eq!(row.unit, unit, "{at}");
        assert_eq!(row.baseline.text, baseline, "{at}");
        let texts: Vec<&str> = YEARS
            .iter()
            .map(|y| row.targets.get(y).map_or("(missing)", |t| t.text.as_str()))
            .collect();
        assert_eq!(texts, targets, "{at}");
        assert!(!row.starred, "{at}");
    }
    // Comparators and lines.
    let t = |seq: usize, y: i32| &p.indicators[seq - 1].targets[&y];
    assert_eq!((t(6, 2023).op, t(6, 2023).value), (Op::Lt, Some(5.0)));
    assert_eq!((t(11, 2024).op, t(11, 2024).value), (Op::Gt, Some(50.0)));
    assert_eq!((t(15, 2027).op, t(15, 2027).value), (Op::Ge, Some(28.07)));
    assert_eq!(t(14, 2026).op, Op::Full);
    assert_eq!(t(4, 2023).op, Op::None);
    assert_eq!(p.indicators[0].line, 45);
    assert_eq!(p.indicators[19].line, 363);
    assert_eq!(p.indicators[5].polarity, Polarity::LowerIsBetter);
    assert_eq!(p.indicators[9].polarity, Polarity::LowerIsBetter);
    assert_eq!(p.indicators[0].polarity, Polarity::HigherIsBetter);
}

#[test]
fn seed_table_every_cell_against_the_shipped_plan_file() {
    let Some(p) = seed() else { return };
    let path = repo_root().join("plans/dinghai-qiyouxiang.toml");
    let text = std::fs::read_to_string(&path).expect("plans/dinghai-qiyouxiang.toml");
    let plan = planfile::load(&text).expect("the shipped plan file loads");
    let shipped: Vec<_> = plan.table_indicators().collect();
    assert_eq!(shipped.len(), p.indicators.len());
    for row in &p.indicators {
        let ind = shipped
            .iter()
            .find(|i| matches!(i.source, youxiang_core::IndicatorSource::Table { seq } if seq == row.seq))
            .unwrap_or_else(|| panic!("序号 {} not in the plan file", row.seq));
        let at = format!("序号 {} ({})", row.seq, ind.code);
        let domain = plan.domain(&ind.domain).map(|d| d.name.as_str());
        assert_eq!(Some(row.domain.as_str()), domain, "{at} domain");
        // A row the plan file redefines so it can be judged (T14: a count against 全覆盖
        // becomes the coverage rate) quotes the table's own name and unit in its note.
        let quoted = format!("原文为“{}({})”", row.name, row.unit);
        if row.name != ind.name || row.unit != ind.unit {
            assert!(
                ind.note.contains(&quoted),
                "{at}: name or unit differs from the table and the note does not quote {quoted}"
            );
        }
        assert_eq!(row.baseline.text, ind.baseline.text, "{at} baseline");
        let mine: Vec<(i32, &str)> = row
            .targets
            .iter()
            .map(|(y, t)| (*y, t.text.as_str()))
            .collect();
        let theirs: Vec<(i32, &str)> = ind
            .targets
            .iter()
            .map(|(y, t)| (*y, t.text.as_str()))
            .collect();
        assert_eq!(mine, theirs, "{at} targets");
        assert_eq!(row.polarity, ind.polarity, "{at} polarity");
    }
}

#[test]
fn seed_task_targets() {
    let Some(p) = seed() else { return };
    assert!(
        p.task_targets.len() >= 40,
        "{} task targets",
        p.task_targets.len()
    );
    assert_eq!(p.sections.len(), 7);
    assert_eq!(p.tasks.len(), 27);
    let leads: Vec<&str> = p.sections.iter().map(|s| s.lead_unit.as_str()).collect();
    assert_eq!(
        leads,
        [
            "区卫健局",
            "区教育局",
            "区人力社保局",
            "区卫健局",
            "区民政局",
            "区住建局",
            "区民政局"
        ]
    );
    assert_eq!(p.tasks[0].code, "1.1");
    assert_eq!(p.tasks[0].title, "加快健全生育服务体系");
    assert_eq!(p.tasks[26].code, "7.4");

    let find = |name: &str| {
        p.task_targets
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no task target named {name}"))
    };
    let t = find("严重致残出生缺陷发生率");
    assert_eq!((t.task.as_str(), t.target.text.as_str()), ("1.1", "1‰以下"));
    assert_eq!(
        (t.target.op, t.target.value, t.unit.as_str()),
        (Op::Le, Some(1.0), "‰")
    );
    assert_eq!((t.years.as_slice(), t.line), (&[2027][..], 383));
    assert_eq!(
        (t.domain.as_str(), t.lead_unit.as_str()),
        ("幼有善育", "区卫健局")
    );
    assert!(t.sentence.starts_with("健全妇幼健康服务网络") && t.sentence.ends_with("1‰以下。"));

    let t = find("婴幼儿照护服务机构从业人员持证率");
    assert_eq!(
        (t.target.op, t.target.value, t.unit.as_str()),
        (Op::Eq, Some(90.0), "%")
    );

    let t = find("每千名儿童儿科执业(助理)医师数");
    assert_eq!(
        (t.target.op, t.target.value, t.unit.as_str()),
        (Op::Ge, Some(1.12), "名")
    );

    let t = find("普惠性幼儿园在园幼儿占比");
    assert_eq!((t.target.op, t.target.value), (Op::Gt, Some(95.0)));

    let t = find("免费健康体检");
    assert_eq!(
        (t.target.op, t.target.value, t.unit.as_str()),
        (Op::Ge, Some(6.0), "万人")
    );
    assert_eq!(t.year_basis, YearBasis::EveryYear);
    assert_eq!(t.years, YEARS);

    let t = find("新增成人初高中学历提升");
    assert_eq!(
        (t.target.op, t.target.value, t.unit.as_str()),
        (Op::Ge, Some(600.0), "人")
    );
    assert_eq!(t.year_basis, YearBasis::EveryYear);

    let t = find("累计城镇新增就业");
    assert_eq!(
        (t.target.value, t.unit.as_str(), t.cumulative),
        (Some(11.5), "万人", true)
    );

    let t = find("劳动争议仲裁结案率");
    assert_eq!((t.target.op, t.target.value), (Op::Ge, Some(92.0)));

    let t = find("累计开工改造城镇老旧小区");
    assert_eq!(
        (t.target.text.as_str(), t.target.op, t.cumulative),
        ("不少于120个", Op::Ge, true)
    );
    assert_eq!(t.task, "6.1");

    let t = find("全区住房公积金年末实缴职工人数");
    assert_eq!((t.target.value, t.unit.as_str()), (Some(2.26), "万人"));

    let t = find("区内建成医康养护融合型养老机构");
    assert_eq!(
        (t.years.as_slice(), t.target.value),
        (&[2023][..], Some(1.0))
    );

    let t = find("全区长期护理保险制度参保");
    assert_eq!(t.target.op, Op::Full);

    let t = find("人均体育场地面积");
    assert_eq!((t.target.value, t.unit.as_str()), (Some(3.2), "㎡"));

    // 均达到 with several names, and 和 between two rates.
    for name in [
        "学生资助政策落实率",
        "农村困难家庭危房改造补助率",
        "避灾安置场所规范化率",
        "医疗救助政策落实率",
        "困难群众参保率",
    ] {
        let t = find(name);
        assert_eq!(
            (t.task.as_str(), t.target.value),
            ("7.2", Some(100.0)),
            "{name}"
        );
        assert_eq!(
            (t.domain.as_str(), t.lead_unit.as_str()),
            ("弱有众扶", "区民政局")
        );
    }

    // Closing words: 应保尽保 kept as written, 清零 read as ≤0 (with or without a year).
    let t = p
        .task_targets
        .iter()
        .find(|t| t.target.text == "应保尽保")
        .expect("应保尽保");
    assert_eq!((t.task.as_str(), t.target.op), ("6.1", Op::Full));
    let zero: Vec<(&str, &[i32])> = p
        .task_targets
        .iter()
        .filter(|t| t.target.text == "≤0")
        .map(|t| (t.task.as_str(), t.years.as_slice()))
        .collect();
    assert_eq!(zero, [("6.2", &[2027][..]), ("6.3", &[2024][..])]);

    // A target without a year gets the final year, and says so.
    let t = find("老年人口接受老年教育比例");
    assert_eq!(
        (t.year_basis, t.years.as_slice()),
        (YearBasis::Unstated, &[2027][..])
    );
    assert!(t.note.contains("未写年份"), "{}", t.note);

    // Every target parses back from its own text (as the plan file requires).
    for t in &p.task_targets {
        let again = youxiang_core::Target::parse(&t.target.text).expect("reparses");
        assert_eq!(
            (again.op, again.value),
            (t.target.op, t.target.value),
            "{}",
            t.name
        );
        assert!(!t.name.is_empty() && !t.years.is_empty());
        assert!(t.sentence.contains(t.target.text.trim()) || t.note.contains("原文"));
    }
}

#[test]
fn seed_unread_lines_are_listed_with_their_numbers() {
    let Some(p) = seed() else { return };
    let lines: Vec<usize> = p.unread.iter().map(|u| u.line).collect();
    // Line 19: the overall goal (总投资89.88亿元以上) is outside 二、重点任务;
    // line 435: "4类农村困难家庭" follows 到2024年 but is not a target.
    assert_eq!(lines, [19, 435], "{:#?}", p.unread);
    assert!(p.unread[0].text.contains("89.88亿元"));
    assert!(p.unread[1].reason.contains("4类"));
}

#[test]
fn seed_into_plan_validates_and_round_trips_through_the_plan_file() {
    let Some(p) = seed() else { return };
    let plan = p.into_plan(
        "dinghai-imported",
        "定海区七优享(导入)",
        "舟山市定海区人民政府办公室",
    );
    let problems = plan.validate();
    assert!(problems.is_empty(), "{problems:#?}");
    let codes: Vec<&str> = plan.domains.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["YY", "XY", "LD", "BY", "LY", "ZY", "RF"]);
    assert_eq!(plan.domains[2].lead_unit, "区人力社保局");
    assert_eq!(plan.baseline_year, 2022);
    assert_eq!(plan.target_years, YEARS);
    assert_eq!(plan.tasks.len(), 27);
    assert_eq!(plan.table_indicators().count(), 20);
    assert!(plan.task_indicators().count() >= 40);
    let t01 = plan.indicator("T01").expect("T01");
    assert_eq!(
        (t01.domain.as_str(), t01.lead_unit.as_str()),
        ("YY", "区卫健局")
    );
    assert!(t01.note.contains("导入时未定,请核对"));
    assert!(plan.indicator("T04").expect("T04").milestone);
    assert_eq!(
        plan.indicator("T08").expect("T08").accumulation,
        Accumulation::Cumulative
    );
    assert_eq!(
        plan.indicator("T06").expect("T06").polarity,
        Polarity::LowerIsBetter
    );
    let k = plan.indicator("K1.1a").expect("K1.1a");
    assert_eq!(k.name, "严重致残出生缺陷发生率");
    assert_eq!(k.polarity, Polarity::LowerIsBetter);
    assert!(plan.indicator("K7.2e").is_some());

    let toml = planfile::to_toml(&plan);
    let again = planfile::load(&toml).expect("the written plan file loads");
    assert_eq!(again, plan);
}

#[test]
fn seed_json_shape() {
    let Some(p) = seed() else { return };
    let j = p.to_json();
    let row = &j["indicators"][5];
    assert_eq!(row["domain"], "劳有所得");
    assert_eq!(row["seq"], 6);
    assert_eq!(row["baseline"]["text"], "4.7");
    assert_eq!(row["baseline"]["op"], "=");
    assert_eq!(row["targets"]["2023"]["op"], "<");
    assert_eq!(row["targets"]["2023"]["value"], 5.0);
    assert_eq!(j["indicators"][3]["targets"]["2023"]["op"], "none");
    assert!(j["indicators"][3]["targets"]["2023"]["value"].is_null());
    assert_eq!(j["indicators"][13]["targets"]["2027"]["op"], "full");
    let tt = &j["task_targets"][0];
    for key in [
        "task",
        "domain",
        "lead_unit",
        "name",
        "unit",
        "year",
        "text",
        "op",
        "value",
        "sentence",
        "line",
    ] {
        assert!(!tt[key].is_null(), "task target lacks {key}: {tt}");
    }
    let every = j["task_targets"]
        .as_array()
        .and_then(|a| a.iter().find(|t| t["name"] == "免费健康体检"))
        .expect("every-year target");
    assert_eq!(every["years"], serde_json::json!(YEARS));
    assert_eq!(j["unread"][0]["line"], 19);
    assert!(j["unread"][0]["reason"].is_string());
}

// ---------------------------------------------------------------------------------------
// Variants of other counties.

#[test]
fn pipe_table_with_lead_unit_column_stars_and_percent_cells() {
    let text = "\
某县公共服务“七优享”工程实施方案

| 领域 | 序号 | 指标 | 2022年 | 2023年 | 2025年 | 2027年 | 牵头单位 |
|---|---|---|---|---|---|---|---|
| 幼 有 善 育 | 1 | ☆每千人口拥有3岁以下婴幼儿托位数(个) | 3.2 | 3.8 | >5.55 | 5.5★ | 县卫健局 |
|  | 2 | 普惠托位占比 | 50% | 60% | 65% | 70% | 县卫健局、县教育局 |
| 劳有所得 | 3 | 城镇调查失业率(%) | 4.7 | <5 | <5 | 80以上 | 县人力社保局 |
| 劳有所得 | 4 | 某项比率(%) | 3.2 | 约4 | 4.5 |
二、主要任务
";
    let p = read_published(text);
    assert_eq!(p.baseline_year, Some(2022));
    assert_eq!(p.target_years, [2023, 2025, 2027]);
    // The short last row is read as far as it goes.
    assert_eq!(p.indicators.len(), 4, "{:#?}", p.unread);
    let r = &p.indicators[0];
    assert_eq!(
        (r.domain.as_str(), r.seq, r.name.as_str(), r.unit.as_str()),
        ("幼有善育", 1, "每千人口拥有3岁以下婴幼儿托位数", "个")
    );
    assert!(r.starred);
    assert_eq!(r.starred_years, [2027]);
    assert_eq!(r.targets[&2027].text, "5.5");
    assert_eq!(
        (r.targets[&2025].op, r.targets[&2025].value),
        (Op::Gt, Some(5.55))
    );
    assert_eq!(r.lead_unit.as_deref(), Some("县卫健局"));
    let r = &p.indicators[1];
    assert_eq!((r.domain.as_str(), r.unit.as_str()), ("幼有善育", "%"));
    assert_eq!(
        (r.targets[&2023].text.as_str(), r.targets[&2023].value),
        ("60%", Some(60.0))
    );
    assert!(r.notes.iter().any(|n| n.contains("取自单元格")));
    let r = &p.indicators[2];
    assert_eq!(
        (r.targets[&2027].op, r.targets[&2027].value),
        (Op::Ge, Some(80.0))
    );
    // The short row: its unreadable cell and its missing cells are reported with its line.
    let r = &p.indicators[3];
    assert_eq!((r.seq, r.baseline.text.as_str()), (4, "3.2"));
    assert_eq!(r.targets.keys().copied().collect::<Vec<_>>(), [2025]);
    assert_eq!(r.lead_unit, None);
    let got: Vec<(usize, &str)> = p.unread.iter().map(|u| (u.line, u.text.as_str())).collect();
    assert_eq!(got, [(8, "约4"), (8, "4 某项比率(%)")], "{:#?}", p.unread);
    assert!(
        p.unread[1]
            .reason
            .contains("缺少 2 个单元格(2027年、牵头单位)")
    );

    let plan = p.into_plan("x", "某县", "某县人民政府");
    assert!(plan.validate().is_empty(), "{:#?}", plan.validate());
    let t02 = plan.indicator("T02").expect("T02");
    assert_eq!(
        (t02.lead_unit.as_str(), t02.partner_units.as_slice()),
        ("县卫健局", &["县教育局".to_string()][..])
    );
    assert!(plan.indicator("T01").expect("T01").note.contains("☆"));
}

#[test]
fn cell_per_line_with_completed_column_single_target_year_and_spaced_domains() {
    let text = "\
五年目标

领域

序号

指标

2022年完成值

2025年

幼 有

善 育

1

普惠托位占比(%)

50

☆60

学有优教

2

城镇调查失业率(%)

4.7

<5

3

欠薪线索化解率(%)

99

95

二、重点任务
";
    let p = read_published(text);
    assert!(p.unread.is_empty(), "{:#?}", p.unread);
    assert_eq!(p.baseline_year, Some(2022));
    assert_eq!(p.target_years, [2025]);
    assert_eq!(p.indicators.len(), 3);
    assert_eq!(p.indicators[0].domain, "幼有善育");
    assert_eq!(p.indicators[0].starred_years, [2025]);
    assert_eq!(p.indicators[0].targets[&2025].text, "60");
    assert_eq!(p.indicators[1].domain, "学有优教");
    assert_eq!(p.indicators[1].polarity, Polarity::LowerIsBetter);
    // Baseline above the target: read as is, and noted.
    let r = &p.indicators[2];
    assert_eq!(
        (r.baseline.value, r.targets[&2025].value),
        (Some(99.0), Some(95.0))
    );
    assert_eq!(r.polarity, Polarity::HigherIsBetter);
    assert!(
        r.notes.iter().any(|n| n.contains("基期值")),
        "{:?}",
        r.notes
    );
    let plan = p.into_plan("x", "某县", "某县");
    assert_eq!(plan.baseline_year, 2022);
    assert_eq!(plan.target_years, [2025]);
}

#[test]
fn unit_and_lead_columns_and_tab_separated_rows() {
    let text = "领域\t序号\t指标名称\t单位\t2022年\t2027年\t牵头单位\n老有康养\t1\t养老护理员数\t人\t28\t34\t县民政局\n";
    let p = read_published(text);
    assert!(p.unread.is_empty(), "{:#?}", p.unread);
    let r = &p.indicators[0];
    assert_eq!(
        (r.name.as_str(), r.unit.as_str(), r.lead_unit.as_deref()),
        ("养老护理员数", "人", Some("县民政局"))
    );
    assert_eq!(r.targets[&2027].text, "34");
}

#[test]
fn a_yearless_completed_column_is_the_year_before_the_first_target() {
    let text = "| 领域 | 序号 | 指标 | 完成值 | 2025年 | 2027年 |\n| 弱有众扶 | 1 | 覆盖率(%) | 75 | 90% | 100 |\n";
    let p = read_published(text);
    assert!(p.unread.is_empty(), "{:#?}", p.unread);
    assert_eq!(
        (p.baseline_year, p.target_years.as_slice()),
        (Some(2024), &[2025, 2027][..])
    );
    let r = &p.indicators[0];
    assert_eq!(
        (r.baseline.text.as_str(), r.targets[&2025].text.as_str()),
        ("75", "90%")
    );
}

#[test]
fn unread_table_lines_have_their_line_numbers() {
    let text = "\
领域
序号
指标
2022年
2023年
2024年
幼有善育
1
普惠托位占比(%)
50
约60
62
65
2
托位数(个)
3
4
5
二、重点任务
";
    let p = read_published(text);
    let got: Vec<(usize, &str)> = p.unread.iter().map(|u| (u.line, u.text.as_str())).collect();
    assert_eq!(got, [(11, "约60"), (13, "65")], "{:#?}", p.unread);
    assert_eq!(p.indicators.len(), 2);
    assert!(!p.indicators[0].targets.contains_key(&2023));
    assert!(p.indicators[0].notes.iter().any(|n| n.contains("2023年")));
}

#[test]
fn task_sentences_of_other_counties() {
    let text = "\
二、主要任务
(一)全面推进“病有良医”。提升能力。(牵头单位:县卫健局、县医保局)
1.提升医疗服务能力。到2025年,县域就诊率保持在90%以上,孕产妇死亡率控制在10/10万以下。每年培训基层医生不少于200人次。
2.推进健康促进。到 2026 年,健康素养水平超过35%,行政村卫生室全覆盖。
三、保障措施
";
    let p = read_published(text);
    let names: Vec<(&str, &str, &str)> = p
        .task_targets
        .iter()
        .map(|t| (t.task.as_str(), t.name.as_str(), t.target.text.as_str()))
        .collect();
    assert!(
        names.contains(&("1.1", "县域就诊率", "90%以上")),
        "{names:?}"
    );
    assert!(
        names.contains(&("1.1", "培训基层医生", "不少于200人次")),
        "{names:?}"
    );
    assert!(
        names.contains(&("1.2", "健康素养水平", "超过35%")),
        "{names:?}"
    );
    assert!(
        names.contains(&("1.2", "行政村卫生室", "全覆盖")),
        "{names:?}"
    );
    let t = p
        .task_targets
        .iter()
        .find(|t| t.name == "健康素养水平")
        .expect("found");
    assert_eq!((t.years.as_slice(), t.line), (&[2026][..], 4));
    assert_eq!(t.lead_unit, "县卫健局、县医保局");
    // "10/10万以下" is target-like but not a cell the parser reads: reported, with its line.
    assert!(
        p.unread
            .iter()
            .any(|u| u.line == 3 && u.text.contains("10/10万")),
        "{:#?}",
        p.unread
    );
    // No table: the years come from the targets.
    let plan = p.into_plan("x", "y", "z");
    assert_eq!(plan.domains[0].code, "BY");
    let k = plan.indicator("K1.1a").expect("K1.1a");
    assert_eq!(
        (k.lead_unit.as_str(), k.partner_units.as_slice()),
        ("县卫健局", &["县医保局".to_string()][..])
    );
}

// ---------------------------------------------------------------------------------------
// Robustness.

#[test]
fn truncated_and_garbage_seed_never_panics() {
    let Some(text) = seed_text() else { return };
    let chars: Vec<char> = text.chars().collect();
    for cut in (0..chars.len()).step_by(97) {
        let head: String = chars[..cut].iter().collect();
        let p = read_published(&head);
        let _ = p.into_plan("x", "y", "z").validate();
        let tail: String = chars[cut..].iter().collect();
        let _ = read_published(&tail).to_json();
    }
    // Every other line dropped: rows shift, and the shift is reported.
    let halved: String = text.lines().step_by(2).collect::<Vec<_>>().join("\n");
    let _ = read_published(&halved);
    let no_blank: String = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\r\n");
    let p = read_published(&no_blank);
    assert_eq!(p.indicators.len(), 20);
    let with_bom = format!("\u{feff}{text}");
    assert_eq!(read_published(&with_bom).indicators.len(), 20);
}

#[test]
fn decoding_utf8_bom_and_gbk() {
    assert_eq!(decode("领域".as_bytes()).as_deref(), Ok("领域"));
    assert_eq!(decode(b"\xEF\xBB\xBF\xE9\xA2\x86").as_deref(), Ok("领"));
    // 领域 in GBK.
    let gbk = b"abc\n\xC1\xEC\xD3\xF2\n";
    match decode(gbk) {
        Err(e @ DecodeError::LooksLikeGbk { line: 2 }) => assert!(e.to_string().contains("iconv")),
        other => panic!("{other:?}"),
    }
    assert_eq!(decode(b"\xFF\xFEa\0"), Err(DecodeError::Utf16));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn seed_lines() -> Vec<String> {
        seed_text()
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_else(|| vec!["领域".into(), "序号".into(), "指标".into(), "2022年".into()])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
            let p = read_published(&s);
            let _ = p.to_json();
            let _ = p.into_plan("x", "y", "z").validate();
        }

        #[test]
        fn structured_noise_never_panics(parts in proptest::collection::vec(
            prop_oneof![
                Just("领域".to_string()), Just("序号".to_string()), Just("指标".to_string()),
                Just("2022年".to_string()), Just("2027年".to_string()), Just("| 1 | a |".to_string()),
                Just("到2027年,".to_string()), Just("达到".to_string()), Just("均".to_string()),
                Just("(一)".to_string()), Just("1.".to_string()), Just("、".to_string()),
                Just("全覆盖".to_string()), Just("清零".to_string()), Just("(".to_string()),
                Just("\n".to_string()), Just("☆".to_string()), Just("%".to_string()),
                "[0-9.]{1,6}", "\\PC{0,3}",
            ], 0..80)) {
            let s: String = parts.concat();
            let p = read_published(&s);
            let _ = p.into_plan("x", "y", "z").validate();
        }

        #[test]
        fn mutated_seed_lines_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, "\\PC{0,6}"), 1..8)
        ) {
            let mut lines = seed_lines();
            for (idx, kind, s) in edits {
                if lines.is_empty() { break; }
                let i = idx.index(lines.len());
                match kind {
                    0 => lines[i] = s,
                    1 => { lines.remove(i); }
                    2 => lines.insert(i, s),
                    _ => {
                        let cut = lines[i].chars().count() / 2;
                        lines[i] = lines[i].chars().take(cut).collect::<String>() + &s;
                    }
                }
            }
            let p = read_published(&lines.join("\n"));
            let _ = p.to_json();
            let _ = p.into_plan("x", "y", "z").validate();
        }
    }
}

#[test]
fn large_adversarial_input_stays_fast() {
    let start = std::time::Instant::now();
    let one_clause = format!(
        "二、重点任务\n(一)x\n1.到2027年,{}。\n",
        "累计达到1%、".repeat(2_000)
    );
    assert_eq!(read_published(&one_clause).task_targets.len(), 2_000);
    let numbers = format!(
        "二、重点任务\n(一)x\n1.到2027年,{}。\n",
        "累计1x".repeat(20_000)
    );
    let _ = read_published(&numbers);
    let headers = "序号\n".repeat(20_000);
    let _ = read_published(&headers);
    let lines = "幼有\n".repeat(20_000) + &"1\n".repeat(20_000);
    let _ = read_published(&lines);
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
}
