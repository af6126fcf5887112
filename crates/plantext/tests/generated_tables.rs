//! Generated tables in every layout × column set × merged-cell pattern × truncation point:
//! the rows come back exactly, no line between header and end is unaccounted for, and the
//! plan made from what was read loads.

use proptest::prelude::*;

use youxiang_plantext::planfile;
use youxiang_plantext::published::read_published;

use crate::fixtures::{Row, rows_of, unaccounted};

const DOMAINS: &[&str] = &["幼有善育", "学有优教", "劳有所得", "病有良医", "老有康养"];
/// Names as tables write them: (written, name, unit in parentheses).
const NAMES: &[(&str, &str, &str)] = &[
    (
        "每千人口拥有3岁以下婴幼儿托位数(个)",
        "每千人口拥有3岁以下婴幼儿托位数",
        "个",
    ),
    ("普惠托位占比(%)", "普惠托位占比", "%"),
    ("☆城镇调查失业率(%)", "城镇调查失业率", "%"),
    ("0-3岁儿童发育监测筛查率(%)", "0-3岁儿童发育监测筛查率", "%"),
    ("人均预期寿命(岁)", "人均预期寿命", "岁"),
    (
        "全区开展职业技能培训累计数(万人次)",
        "全区开展职业技能培训累计数",
        "万人次",
    ),
    (
        "住宅小区专业物业服务覆盖率",
        "住宅小区专业物业服务覆盖率",
        "",
    ),
    ("“残疾人之家”覆盖率(%)", "“残疾人之家”覆盖率", "%"),
];
const UNITS: &[&str] = &["%", "个", "人", "万人次", "元"];
const VALUES: &[&str] = &[
    "3.2",
    "50",
    "<5",
    "≥90",
    "80以上",
    "/",
    "全覆盖",
    "95.5",
    "12420",
];
const LEADS: &[&str] = &[
    "县卫健局",
    "县教育局、县人力社保局",
    "县民政局",
    "县住建局",
    "县残联",
];
const REMARKS: &[&str] = &["累计值;含市本级", "自2024年起统计"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Cells { blank_lines: bool },
    Pipe,
    Tab,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Years {
    /// A baseline year column and `n` target years.
    Run(usize),
    /// `2022年完成值` and `n` target years.
    Completed(usize),
    /// A work plan: `完成值` and `目标值` for the title's year.
    WorkPlan,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum DomainStyle {
    Plain,
    Spaced,
    /// Split over two lines (one cell per line only).
    Split,
}

#[derive(Debug, Clone)]
struct Spec {
    layout: Layout,
    seq: bool,
    domain: bool,
    seq_before_domain: bool,
    unit: bool,
    lead: bool,
    lead_first: bool,
    remark: bool,
    years: Years,
    merged_domain: bool,
    merged_lead: bool,
    /// Delimited: a merged cell left empty rather than left out.
    merged_as_empty: bool,
    domain_style: DomainStyle,
    spaced_header: bool,
    rows: Vec<RowSpec>,
    /// Cut the text after this many of the table's cells (`None`: not cut).
    cut: Option<prop::sample::Index>,
}

#[derive(Debug, Clone)]
struct RowSpec {
    domain: usize,
    name: usize,
    unit: usize,
    values: Vec<usize>,
    lead: usize,
    remark: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Col {
    Domain,
    Seq,
    Name,
    Unit,
    Value(usize),
    Lead,
    Remark,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            prop_oneof![
                any::<bool>().prop_map(|b| Layout::Cells { blank_lines: b }),
                Just(Layout::Pipe),
                Just(Layout::Tab)
            ],
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            prop_oneof![
                (1usize..=5).prop_map(Years::Run),
                (1usize..=5).prop_map(Years::Completed),
                Just(Years::WorkPlan)
            ],
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop_oneof![
                Just(DomainStyle::Plain),
                Just(DomainStyle::Spaced),
                Just(DomainStyle::Split)
            ],
            any::<bool>(),
        ),
        proptest::collection::vec(
            (
                0..DOMAINS.len(),
                0..NAMES.len(),
                0..UNITS.len(),
                proptest::collection::vec(0..VALUES.len(), 6),
                0..LEADS.len(),
                proptest::option::of(0..REMARKS.len()),
            ),
            1..6,
        ),
        proptest::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(
            |(
                (layout, seq, domain, seq_before_domain, unit, lead, lead_first, remark),
                (years, merged_domain, merged_lead, merged_as_empty, domain_style, spaced_header),
                rows,
                cut,
            )| {
                let cells = matches!(layout, Layout::Cells { .. });
                // Domains in order, each group's rows together (as tables are).
                let mut rows: Vec<RowSpec> = rows
                    .into_iter()
                    .map(|(d, n, u, v, l, r)| RowSpec {
                        domain: d,
                        name: n,
                        unit: u,
                        values: v,
                        lead: l,
                        remark: r,
                    })
                    .collect();
                rows.sort_by_key(|r| r.domain);
                Spec {
                    layout,
                    seq,
                    domain,
                    // One cell per line: the domain's cell comes before the row's others.
                    seq_before_domain: seq_before_domain && !cells,
                    unit,
                    lead,
                    lead_first: lead_first && !cells,
                    // Without 序号 a trailing 备注 line cannot be told from the next row.
                    remark: remark && (!cells || seq),
                    years,
                    merged_domain,
                    merged_lead,
                    merged_as_empty,
                    domain_style: if cells || domain_style != DomainStyle::Split {
                        domain_style
                    } else {
                        DomainStyle::Plain
                    },
                    spaced_header,
                    rows,
                    cut,
                }
            },
        )
}

fn spaced(s: &str) -> String {
    s.chars().map(String::from).collect::<Vec<_>>().join(" ")
}

/// The text, and the rows a careful person reads from it.
fn render(s: &Spec) -> (String, Vec<Row>) {
    let cells_layout = matches!(s.layout, Layout::Cells { .. });
    let (value_years, baseline_label, target_labels, title): (Vec<i32>, String, Vec<String>, &str) =
        match s.years {
            Years::Run(n) => (
                (2023..2023 + n as i32).collect(),
                "2022年".into(),
                (2023..2023 + n as i32).map(|y| format!("{y}年")).collect(),
                "某县公共服务“七优享”工程实施方案",
            ),
            Years::Completed(n) => (
                (2023..2023 + n as i32).collect(),
                "2022年完成值".into(),
                (2023..2023 + n as i32).map(|y| format!("{y}年")).collect(),
                "某县公共服务“七优享”工程实施方案",
            ),
            Years::WorkPlan => (
                vec![2024],
                "完成值".into(),
                vec!["目标值".into()],
                "某县2024年公共服务“七优享”工程工作要点",
            ),
        };
    // The columns in order.
    let mut cols = Vec::new();
    match (s.domain, s.seq, s.seq_before_domain) {
        (true, true, true) => cols.extend([Col::Seq, Col::Domain]),
        (true, true, false) => cols.extend([Col::Domain, Col::Seq]),
        (true, false, _) => cols.push(Col::Domain),
        (false, true, _) => cols.push(Col::Seq),
        (false, false, _) => {}
    }
    cols.push(Col::Name);
    if s.unit {
        cols.push(Col::Unit);
    }
    if s.lead && s.lead_first {
        cols.push(Col::Lead);
    }
    for k in 0..=value_years.len() {
        cols.push(Col::Value(k));
    }
    if s.lead && !s.lead_first {
        cols.push(Col::Lead);
    }
    if s.remark {
        cols.push(Col::Remark);
    }
    let label = |c: &Col| -> String {
        let l = match c {
            Col::Domain => "领域".to_string(),
            Col::Seq => "序号".into(),
            Col::Name => "指标".into(),
            Col::Unit => "单位".into(),
            Col::Value(0) => baseline_label.clone(),
            Col::Value(k) => target_labels[k - 1].clone(),
            Col::Lead => "牵头单位".into(),
            Col::Remark => "备注".into(),
        };
        if s.spaced_header && matches!(c, Col::Domain | Col::Seq | Col::Name) {
            spaced(&l)
        } else {
            l
        }
    };

    // Each row's cells: (column, text), `None` for a merged cell not written.
    let mut rows_cells: Vec<Vec<(Col, Option<String>)>> = Vec::new();
    let mut full: Vec<Row> = Vec::new();
    for (i, r) in s.rows.iter().enumerate() {
        let first_of_domain = i == 0 || s.rows[i - 1].domain != r.domain;
        let first_of_lead = i == 0 || s.rows[i - 1].lead != r.lead || first_of_domain;
        // Rows of one lead unit written once: a new lead starts a new group.
        let lead_written = !s.merged_lead || first_of_lead;
        let domain_written = !s.merged_domain || first_of_domain;
        let (written, name, paren_unit) = NAMES[r.name];
        let mut cs = Vec::new();
        for c in &cols {
            let text = match c {
                Col::Domain => {
                    if domain_written {
                        let d = DOMAINS[r.domain];
                        Some(match s.domain_style {
                            DomainStyle::Plain => d.to_string(),
                            DomainStyle::Spaced => spaced(d),
                            DomainStyle::Split => {
                                let cs: Vec<char> = d.chars().collect();
                                format!(
                                    "{}\n{}",
                                    cs[..2].iter().collect::<String>(),
                                    cs[2..].iter().collect::<String>()
                                )
                            }
                        })
                    } else if cells_layout || !s.merged_as_empty {
                        None
                    } else {
                        Some(String::new())
                    }
                }
                Col::Seq => Some((i + 1).to_string()),
                Col::Name => Some(written.to_string()),
                Col::Unit => Some(UNITS[r.unit].to_string()),
                Col::Value(k) => Some(VALUES[r.values[*k]].to_string()),
                Col::Lead => {
                    if lead_written {
                        Some(LEADS[r.lead].to_string())
                    } else if cells_layout || !s.merged_as_empty {
                        None
                    } else {
                        Some(String::new())
                    }
                }
                Col::Remark => match (r.remark, cells_layout) {
                    (Some(k), _) => Some(REMARKS[k].to_string()),
                    (None, true) => None,
                    (None, false) => Some(String::new()),
                },
            };
            cs.push((*c, text));
        }
        rows_cells.push(cs);
        let targets = value_years
            .iter()
            .enumerate()
            .map(|(k, y)| (*y, VALUES[r.values[k + 1]].to_string()))
            .collect();
        full.push(Row {
            domain: if s.domain {
                DOMAINS[r.domain].to_string()
            } else {
                String::new()
            },
            seq: i as u32 + 1,
            sub: 0,
            name: name.to_string(),
            unit: if s.unit {
                UNITS[r.unit].to_string()
            } else {
                paren_unit.to_string()
            },
            baseline: VALUES[r.values[0]].to_string(),
            targets,
            lead: s.lead.then(|| LEADS[r.lead].to_string()),
        });
    }

    // Where the text is cut: after `cut` written cells of the table.
    let total: usize = rows_cells
        .iter()
        .map(|r| r.iter().filter(|(_, t)| t.is_some()).count())
        .sum();
    let cut = s.cut.map(|c| c.index(total + 1));
    let mut text = format!("{title}\n\n");
    let header: Vec<String> = cols.iter().map(label).collect();
    match s.layout {
        Layout::Cells { blank_lines } => {
            let sep = if blank_lines { "\n\n" } else { "\n" };
            text.push_str(&header.join(sep));
            text.push_str(sep);
        }
        Layout::Pipe => {
            text.push_str(&format!("| {} |\n", header.join(" | ")));
            text.push_str(&format!("|{}\n", "---|".repeat(cols.len())));
        }
        Layout::Tab => text.push_str(&format!("{}\n", header.join("\t"))),
    }
    let mut written = 0usize;
    let mut expected: Vec<Row> = Vec::new();
    let mut carried_lead: Option<String> = None;
    'rows: for (i, cs) in rows_cells.iter().enumerate() {
        let mut present: Vec<(Col, String)> = Vec::new();
        let mut was_cut = false;
        for (c, t) in cs {
            let Some(t) = t else { continue };
            if cut.is_some_and(|k| written >= k) {
                was_cut = true;
                break;
            }
            written += 1;
            present.push((*c, t.clone()));
        }
        let last_row =
            cut.is_some() && (was_cut || i + 1 == rows_cells.len() || cut == Some(written));
        if present.is_empty() {
            break 'rows;
        }
        match s.layout {
            Layout::Cells { blank_lines } => {
                let sep = if blank_lines { "\n\n" } else { "\n" };
                for (_, t) in &present {
                    text.push_str(t);
                    text.push_str(sep);
                }
            }
            Layout::Pipe => {
                let t: Vec<&str> = present.iter().map(|(_, t)| t.as_str()).collect();
                text.push_str(&format!(
                    "| {}{}\n",
                    t.join(" | "),
                    if last_row { "" } else { " |" }
                ));
            }
            Layout::Tab => {
                let t: Vec<&str> = present.iter().map(|(_, t)| t.as_str()).collect();
                text.push_str(&format!("{}\n", t.join("\t")));
            }
        }
        // The model: what is read of this row.
        let has = |c: Col| present.iter().any(|(p, _)| *p == c);
        let text_of = |c: Col| {
            present
                .iter()
                .find(|(p, _)| *p == c)
                .map(|(_, t)| t.clone())
        };
        if !has(Col::Name) {
            break 'rows;
        }
        let mut want = full[i].clone();
        want.baseline = text_of(Col::Value(0)).unwrap_or_default();
        if s.unit && !has(Col::Unit) {
            // The unit column cut off: the unit in the name's parentheses.
            want.unit = NAMES[s.rows[i].name].2.to_string();
        }
        want.targets.retain(|(y, _)| {
            let k = value_years.iter().position(|v| v == y).unwrap_or(0) + 1;
            has(Col::Value(k))
        });
        if s.lead {
            let lead_pos = cols.iter().position(|c| *c == Col::Lead).unwrap_or(0);
            // (An empty cell at the end of the text's last line is no cell at all.)
            let after_lead_present = present.iter().any(|(c, t)| {
                cols.iter().position(|x| x == c).unwrap_or(0) > lead_pos && !t.is_empty()
            });
            want.lead = match text_of(Col::Lead).filter(|t| !t.is_empty()) {
                Some(l) => Some(l),
                // Written once above: carried, unless the row ends where its cell would be
                // (the text cut there): then it is missing, not guessed.
                None if !last_row || after_lead_present => carried_lead.clone(),
                None => None,
            };
            if let Some(l) = &want.lead {
                carried_lead = Some(l.clone());
            }
        }
        expected.push(want);
        if last_row {
            break 'rows;
        }
    }
    if cut.is_none() {
        text.push_str("\n二、重点任务\n");
    }
    (text, expected)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_tables_come_back_exactly(s in spec()) {
        let (text, want) = render(&s);
        let p = read_published(&text);
        prop_assert_eq!(rows_of(&p), want, "text:\n{}\nunread: {:#?}", text, p.unread);
        let lost = unaccounted(&text, &p);
        prop_assert!(lost.is_empty(), "unaccounted {:?} in\n{}\n{:#?}", lost, text, p.unread);
        if s.cut.is_none() {
            prop_assert!(p.unread.is_empty(), "text:\n{}\n{:#?}", text, p.unread);
        }
        let (plan, _) = p.into_plan_noting("x", &p.title, "y");
        prop_assert!(plan.validate().is_empty(), "{:#?}", plan.validate());
        prop_assert!(planfile::load(&planfile::to_toml(&plan)).is_ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the text, once it has target years the plan made from it loads.
    #[test]
    fn any_text_with_target_years_gives_a_plan_that_loads(parts in proptest::collection::vec(
        prop_oneof![
            Just("领域\n".to_string()), Just("序号\n".to_string()), Just("指标\n".to_string()),
            Just("2022年\n".to_string()), Just("2027年\n".to_string()), Just("目标值\n".to_string()),
            Just("| 领域 | 序号 | 指标 | 2022年 | 2027年 | 牵头单位 |\n".to_string()),
            Just("| 幼有善育 | 1 | 托位数(个) | 3 | 全覆盖 |\n".to_string()),
            Just("| 2 | 其中:普惠托位(个) | 1 | 2 | 县卫健局 |\n".to_string()),
            Just("幼 有 善 育\n".to_string()), Just("1\n".to_string()), Just("1\n".to_string()),
            Just("全覆盖\n".to_string()), Just("/\n".to_string()), Just("其中:某某数(人)\n".to_string()),
            Just("二、重点任务\n".to_string()), Just("(一)推进。(牵头单位:县民政局)\n".to_string()),
            Just("1.到2027年,覆盖率达到90%,村卫生室全覆盖。\n".to_string()),
            Just("2.每年新增200人以上。\n".to_string()), Just("到2020年,达到5个。\n".to_string()),
            "[0-9.]{1,5}\n", "\\PC{0,6}\n",
        ], 0..60)) {
        let text: String = parts.concat();
        let mut p = read_published(&text);
        if p.target_years.is_empty() {
            p.target_years = vec![2025, 2027];
        }
        let (plan, _) = p.into_plan_noting("x", "某县方案", "y");
        prop_assert!(plan.validate().is_empty(), "{}\n{:#?}", text, plan.validate());
        prop_assert!(planfile::load(&planfile::to_toml(&plan)).is_ok());
    }
}
