//! The reader on published texts it was not written against: the fixtures in
//! `tests/fixtures/` (shapes of other Zhejiang counties' plans and work plans), each with
//! its rows written out by hand; and a property test over generated tables in every layout,
//! column set, merged-cell pattern and truncation point.

use std::collections::BTreeSet;
use std::path::PathBuf;

use youxiang_plantext::planfile;
use youxiang_plantext::published::{ImportedPlan, YearsFrom, read_published};

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

fn fixture(name: &str) -> String {
    let path = fixture_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One row as a person reads it off the published table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub domain: String,
    pub seq: u32,
    pub sub: u32,
    pub name: String,
    pub unit: String,
    pub baseline: String,
    pub targets: Vec<(i32, String)>,
    pub lead: Option<String>,
}

pub fn rows_of(p: &ImportedPlan) -> Vec<Row> {
    p.indicators
        .iter()
        .map(|r| Row {
            domain: r.domain.clone(),
            seq: r.seq,
            sub: r.sub,
            name: r.name.clone(),
            unit: r.unit.clone(),
            baseline: r.baseline.text.clone(),
            targets: r
                .targets
                .iter()
                .map(|(y, t)| (*y, t.text.clone()))
                .collect(),
            lead: r.lead_unit.clone(),
        })
        .collect()
}

/// A row written by hand: domain, 序号, name, unit, baseline, the targets of `years`.
#[allow(clippy::too_many_arguments)]
fn row(
    domain: &str,
    seq: u32,
    name: &str,
    unit: &str,
    baseline: &str,
    years: &[i32],
    targets: &[&str],
    lead: Option<&str>,
) -> Row {
    Row {
        domain: domain.into(),
        seq,
        sub: 0,
        name: name.into(),
        unit: unit.into(),
        baseline: baseline.into(),
        targets: years
            .iter()
            .zip(targets)
            .map(|(y, t)| (*y, t.to_string()))
            .collect(),
        lead: lead.map(str::to_string),
    }
}

/// The lines between the table's header and its end that are neither part of a row read
/// nor listed as unread (nor a `|---|` separator): must be none.
pub fn unaccounted(text: &str, p: &ImportedPlan) -> Vec<(usize, String)> {
    let Some(t) = p.table else {
        return Vec::new();
    };
    let unread: BTreeSet<usize> = p.unread.iter().map(|u| u.line).collect();
    let lines: Vec<&str> = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .split('\n')
        .collect();
    let mut out = Vec::new();
    for no in t.header_last + 1..t.end {
        let Some(l) = lines.get(no - 1) else { break };
        let l = l.trim();
        if l.is_empty()
            || l.chars()
                .all(|c| matches!(c, '|' | '｜' | '-' | ':' | '—' | ' '))
        {
            continue;
        }
        let in_row = p
            .indicators
            .iter()
            .any(|r| r.first_line <= no && no <= r.last_line);
        if !in_row && !unread.contains(&no) {
            out.push((no, l.to_string()));
        }
    }
    out
}

/// The lines of unread entries inside the table.
fn table_unread(p: &ImportedPlan) -> Vec<usize> {
    let Some(t) = p.table else {
        return Vec::new();
    };
    p.unread
        .iter()
        .filter(|u| u.line >= t.header_first && u.line < t.end)
        .map(|u| u.line)
        .collect()
}

/// Reads a fixture and checks what every fixture must satisfy: the rows as written by hand,
/// nothing between header and end unaccounted for, and a plan that loads.
fn check(name: &str, years: &[i32], want: &[Row]) -> ImportedPlan {
    let text = fixture(name);
    let p = read_published(&text);
    assert_eq!(p.target_years, years, "{name}: target years");
    assert_eq!(rows_of(&p), want, "{name}: rows\nunread: {:#?}", p.unread);
    assert_eq!(unaccounted(&text, &p), [], "{name}: {:#?}", p.unread);
    assert!(p.table_without_rows().is_none(), "{name}");
    let (plan, _) = p.into_plan_noting("x", &p.title, "y");
    assert!(plan.validate().is_empty(), "{name}: {:#?}", plan.validate());
    let back = planfile::load(&planfile::to_toml(&plan));
    assert!(back.is_ok(), "{name}: {back:?}");
    p
}

const Y5: [i32; 5] = [2023, 2024, 2025, 2026, 2027];

#[test]
fn cells_without_seq_spaced_domains_and_a_navigation_line() {
    let p = check(
        "01-cells-no-seq-spaced-domains.txt",
        &Y5,
        &[
            row(
                "幼有善育",
                1,
                "每千人口拥有3岁以下婴幼儿托位数",
                "个",
                "3.1",
                &Y5,
                &["3.6", "4.0", "4.4", "4.8", "5.2"],
                None,
            ),
            row(
                "幼有善育",
                2,
                "0-3岁儿童发育监测筛查率",
                "%",
                "75",
                &Y5,
                &["78", "80以上", "80以上", "85以上", "90"],
                None,
            ),
            row(
                "学有优教",
                3,
                "学前教育普及普惠县省级评估率",
                "%",
                "/",
                &Y5,
                &["/", "100", "100", "100", "100"],
                None,
            ),
            row(
                "老有康养",
                4,
                "每万老年人口拥有持证养老护理员数",
                "人",
                "22",
                &Y5,
                &["25", "27", "29", "31", "33"],
                None,
            ),
        ],
    );
    assert_eq!(p.title, "东屿县公共服务“七优享”工程实施方案(2023—2027年)");
    assert_eq!(p.baseline_year, Some(2022));
    assert!(p.indicators[0].starred);
    assert!(table_unread(&p).is_empty(), "{:#?}", p.unread);
    assert!(p.task_targets.iter().any(|t| t.name.contains("持证率")));
}

#[test]
fn cells_with_seq_unit_split_domain_and_merged_lead() {
    let ys = [2025, 2027];
    let p = check(
        "02-cells-seq-unit-merged-lead.txt",
        &ys,
        &[
            row(
                "病有良医",
                1,
                "人均预期寿命",
                "岁",
                "81.9",
                &ys,
                &["82.2", "82.5"],
                Some("县卫健局"),
            ),
            row(
                "病有良医",
                2,
                "县域就诊率",
                "%",
                "88",
                &ys,
                &["90", "≥90"],
                Some("县卫健局"),
            ),
            row(
                "老有康养",
                3,
                "每万老年人口拥有持证养老护理员数",
                "人",
                "20",
                &ys,
                &["25", "30"],
                Some("县民政局"),
            ),
            row(
                "老有康养",
                4,
                "养老机构护理型床位占比",
                "%",
                "55",
                &ys,
                &["60", "65"],
                Some("县民政局"),
            ),
        ],
    );
    // The notice's line names the plan too; the title is the plan's own line.
    assert_eq!(p.title, "南岙县公共服务“七优享”工程实施方案");
    assert!(table_unread(&p).is_empty(), "{:#?}", p.unread);
}

#[test]
fn pipe_table_with_the_domain_merged_down() {
    let y6 = [2023, 2024, 2025, 2026, 2027];
    let r = |d: &str, n: u32, name: &str, unit: &str, v: [&str; 6]| {
        row(d, n, name, unit, v[0], &y6, &v[1..], None)
    };
    let p = check(
        "03-pipe-merged-domain.txt",
        &y6,
        &[
            r(
                "幼有善育",
                1,
                "每千人口拥有3岁以下婴幼儿托位数",
                "个",
                ["3.0", "3.5", "4.0", "4.5", "5.0", "5.5"],
            ),
            r(
                "幼有善育",
                2,
                "普惠托位占比",
                "%",
                ["48", "55", "60", "63", "66", "70"],
            ),
            r(
                "幼有善育",
                3,
                "儿童发育监测筛查率",
                "%",
                ["82", "85", "88", "90", "92", "95"],
            ),
            r(
                "学有优教",
                4,
                "普惠性幼儿园在园幼儿占比",
                "%",
                ["90", "91", "92", "93", "94", "95"],
            ),
            r(
                "学有优教",
                5,
                "公办幼儿园在园幼儿占比",
                "%",
                ["60", "63", "66", "69", "72", "75"],
            ),
            r(
                "学有优教",
                6,
                "儿童平均预期受教育年限",
                "年",
                ["15.1", "15.2", "15.3", "15.4", "15.5", "15.6"],
            ),
            r(
                "病有良医",
                7,
                "人均预期寿命",
                "岁",
                ["82.0", "82.1", "82.2", "82.3", "82.4", "82.5"],
            ),
            r(
                "病有良医",
                8,
                "县域就诊率",
                "%",
                ["88", "89", "90", "≥90", "≥90", "≥90"],
            ),
            r(
                "病有良医",
                9,
                "重大慢病过早死亡率",
                "%",
                ["9.8", "9.6", "9.4", "9.2", "9.0", "≤8.8"],
            ),
            r(
                "劳有所得",
                10,
                "城镇调查失业率",
                "%",
                ["4.6", "<5", "<5", "<5", "<5", "<5"],
            ),
        ],
    );
    assert!(p.unread.is_empty(), "{:#?}", p.unread);
}

#[test]
fn pipe_table_with_merged_domain_and_lead_cells_and_remarks() {
    let ys = [2025, 2026, 2027];
    let p = check(
        "04-pipe-merged-domain-lead-remarks.txt",
        &ys,
        &[
            row(
                "住有宜居",
                1,
                "城镇住房保障受益覆盖率",
                "%",
                "25.1",
                &ys,
                &["25.5", "26", "≥26"],
                Some("县住建局"),
            ),
            row(
                "住有宜居",
                2,
                "保障性租赁住房累计建设筹集套数",
                "套",
                "800",
                &ys,
                &["1200", "1500", "1800"],
                Some("县住建局"),
            ),
            row(
                "住有宜居",
                3,
                "住宅小区专业物业服务覆盖率",
                "%",
                "70",
                &ys,
                &["75", "80", "85"],
                Some("县住建局"),
            ),
            row(
                "弱有众扶",
                4,
                "最低生活保障年人均标准",
                "元",
                "13800",
                &ys,
                &["14400", "15000", "15600"],
                Some("县民政局"),
            ),
            row(
                "弱有众扶",
                5,
                "困难群众医疗费用综合保障率",
                "%",
                "82",
                &ys,
                &["84", "86", "88"],
                Some("县民政局"),
            ),
            row(
                "弱有众扶",
                6,
                "“残疾人之家”覆盖率",
                "%",
                "90",
                &ys,
                &["100", "100", "100"],
                Some("县残联"),
            ),
        ],
    );
    assert_eq!(p.baseline_year, Some(2024));
    assert!(p.unread.is_empty(), "{:#?}", p.unread);
}

#[test]
fn yearly_work_plan_with_a_completed_and_a_yearless_target_column() {
    let y = [2024];
    let p = check(
        "05-work-points-tabs-completed-column.txt",
        &y,
        &[
            row(
                "",
                1,
                "普惠托位占比",
                "%",
                "52",
                &y,
                &["60"],
                Some("县卫健局"),
            ),
            row(
                "",
                2,
                "新增城镇就业人数",
                "人",
                "6500",
                &y,
                &["6000以上"],
                Some("县人力社保局"),
            ),
            row(
                "",
                3,
                "每万老年人口拥有持证养老护理员数",
                "人",
                "24",
                &y,
                &["26"],
                Some("县民政局"),
            ),
            row(
                "",
                4,
                "城镇调查失业率",
                "%",
                "4.5",
                &y,
                &["<5"],
                Some("县人力社保局"),
            ),
        ],
    );
    assert_eq!(p.title, "梅溪县2024年公共服务“七优享”工程工作要点");
    assert_eq!(p.baseline_year, Some(2023));
    assert!(table_unread(&p).is_empty(), "{:#?}", p.unread);
}

#[test]
fn a_table_cut_off_mid_row_is_read_as_far_as_it_goes() {
    let p = check(
        "06-cells-cut-mid-row.txt",
        &Y5,
        &[
            row(
                "劳有所得",
                1,
                "欠薪线索动态化解率",
                "%",
                "92",
                &Y5,
                &["93", "94", "95", "95.5", "96"],
                None,
            ),
            row(
                "劳有所得",
                2,
                "开展职业技能培训累计数",
                "万人次",
                "1.2",
                &Y5,
                &["2.4", "3.6", "4.8", "6.0", "7.2"],
                None,
            ),
            // Cut after 2024: the missing cells are empty, never guessed.
            row(
                "劳有所得",
                3,
                "技能人才占从业人员比重",
                "%",
                "30",
                &Y5,
                &["31", "32"],
                None,
            ),
        ],
    );
    let cut: Vec<&str> = p.unread.iter().map(|u| u.reason.as_str()).collect();
    assert_eq!(cut.len(), 1, "{cut:?}");
    assert!(
        cut[0].contains("缺少 3 个单元格") && cut[0].contains("2027年"),
        "{cut:?}"
    );
    assert!(
        p.indicators[2]
            .notes
            .iter()
            .any(|n| n.contains("2025年目标未读到"))
    );
}

#[test]
fn no_table_but_dated_targets_in_the_text() {
    let p = check("07-no-table-dated-targets.txt", &Y5, &[]);
    assert_eq!(p.years_from, YearsFrom::Text);
    let got: Vec<(&str, &str, Vec<i32>)> = p
        .task_targets
        .iter()
        .map(|t| (t.name.as_str(), t.target.text.as_str(), t.years.clone()))
        .collect();
    assert!(
        got.contains(&("普惠性幼儿园在园幼儿占比", "超过92%", vec![2025])),
        "{got:?}"
    );
    assert!(
        got.contains(&("公办幼儿园在园幼儿占比", "达到70%", vec![2027]))
            || got
                .iter()
                .any(|g| g.0 == "公办幼儿园在园幼儿占比" && g.2 == [2027]),
        "{got:?}"
    );
    assert!(got.iter().any(|g| g.2 == Y5), "每年: {got:?}");
    let plan = p.into_plan("x", &p.title, "y");
    assert_eq!(
        (plan.baseline_year, plan.target_years.as_slice()),
        (2022, &Y5[..])
    );
}

#[test]
fn nested_sub_indicator_rows() {
    let ys = [2025, 2027];
    let sub = |r: Row, k: u32| Row { sub: k, ..r };
    let p = check(
        "08-pipe-sub-indicators.txt",
        &ys,
        &[
            row(
                "病有良医",
                1,
                "每千人口拥有执业(助理)医师数",
                "人",
                "3.2",
                &ys,
                &["3.6", "4.0"],
                None,
            ),
            sub(
                row(
                    "病有良医",
                    1,
                    "每万人口全科医生数",
                    "人",
                    "4.1",
                    &ys,
                    &["4.5", "5.0"],
                    None,
                ),
                1,
            ),
            row(
                "病有良医",
                2,
                "每千人口医疗机构床位数",
                "张",
                "5.1",
                &ys,
                &["5.5", "6.0"],
                None,
            ),
            sub(
                row(
                    "病有良医",
                    2,
                    "护理型床位占比",
                    "%",
                    "20",
                    &ys,
                    &["25", "30"],
                    None,
                ),
                1,
            ),
            sub(
                row(
                    "病有良医",
                    2,
                    "康复床位占比",
                    "%",
                    "5",
                    &ys,
                    &["6", "8"],
                    None,
                ),
                2,
            ),
            row(
                "老有康养",
                3,
                "养老机构护理型床位占比",
                "%",
                "58",
                &ys,
                &["62", "65"],
                None,
            ),
        ],
    );
    assert!(p.unread.is_empty(), "{:#?}", p.unread);
    let plan = p.into_plan("x", "y", "z");
    let codes: Vec<&str> = plan.indicators.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes, ["T01", "T01.1", "T02", "T02.1", "T02.2", "T03"]);
}

#[test]
fn cells_without_seq_cut_in_the_second_row() {
    let p = check(
        "09-cells-no-seq-cut-mid-row.txt",
        &Y5,
        &[
            row(
                "幼有善育",
                1,
                "普惠托位占比",
                "%",
                "50",
                &Y5,
                &["60", "62", "65", "68", "70"],
                None,
            ),
            row(
                "幼有善育",
                2,
                "儿童发育监测筛查率",
                "%",
                "80以上",
                &Y5,
                &["85"],
                None,
            ),
        ],
    );
    assert!(p.indicators[0].starred);
    assert_eq!(table_unread(&p).len(), 1, "{:#?}", p.unread);
    assert!(
        p.unread[0].reason.contains("缺少 4 个单元格"),
        "{:#?}",
        p.unread
    );
}

#[test]
fn tabs_without_domain_and_the_lead_before_the_years() {
    let ys = [2025, 2027];
    let p = check(
        "10-tabs-no-domain-lead-first.txt",
        &ys,
        &[
            row(
                "",
                1,
                "人均体育场地面积",
                "平方米",
                "2.8",
                &ys,
                &["3.0", "3.2"],
                Some("县文广旅体局"),
            ),
            row(
                "",
                2,
                "每千人口拥有3岁以下婴幼儿托位数",
                "个",
                "3.3",
                &ys,
                &["4.5", "5.5"],
                Some("县卫健局"),
            ),
            row(
                "",
                3,
                "城乡居民基本养老保险参保率",
                "%",
                "98",
                &ys,
                &["99", "99以上"],
                Some("县人力社保局"),
            ),
        ],
    );
    assert_eq!(p.baseline_year, Some(2024));
    assert!(p.unread.is_empty(), "{:#?}", p.unread);
}

/// Every fixture: the plan file written from it loads (the CLI test runs the same files
/// through import → check → init → status).
#[test]
fn every_fixture_gives_a_plan_that_loads() {
    let mut n = 0;
    for entry in std::fs::read_dir(fixture_dir()).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        n += 1;
        let text = std::fs::read_to_string(&path).expect("read");
        let p = read_published(&text);
        assert!(!p.target_years.is_empty(), "{}", path.display());
        let (plan, _) = p.into_plan_noting("x", &p.title, "y");
        assert!(
            plan.validate().is_empty(),
            "{}: {:#?}",
            path.display(),
            plan.validate()
        );
        assert!(!plan.name.contains('|'), "{}", plan.name);
    }
    assert!(n >= 10, "{n} fixtures");
}

/// The issue's own examples: a table header with no row read is an error, not an empty
/// success.
#[test]
fn a_header_without_rows_is_an_error() {
    let p = read_published("领域\n指标\n2025年\n2027年\n");
    assert_eq!(p.table_without_rows(), Some(1));
    assert!(
        p.unread
            .iter()
            .any(|u| u.reason.contains("没有读出任何一行"))
    );
}
