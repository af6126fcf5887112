//! A realistic sample report for Dinghai, 2025年第3季度, for the tests and the example
//! (`examples/sample_report.rs` includes this file; it is not part of the library). The figures
//! are synthetic (labelled so in the report), shaped like the demo dataset: the plan's real
//! indicators, targets and units, the real towns, mixed lights.

use youxiang_report::*;

fn s(v: &str) -> String {
    v.to_string()
}

#[allow(clippy::too_many_arguments)]
fn row(
    code: &str,
    name: &str,
    unit: &str,
    target: &str,
    value: Option<&str>,
    expected: Option<&str>,
    light: Light,
    reason: &str,
) -> IndicatorRow {
    IndicatorRow {
        code: s(code),
        name: s(name),
        unit: s(unit),
        target: s(target),
        value: value.map(s),
        value_period: value.map(|_| s("2025年9月")),
        expected: expected.map(s),
        light,
        reason: s(reason),
        pace: None,
        original_target: None,
    }
}

fn counts(rows: &[IndicatorRow]) -> LightCounts {
    let mut c = LightCounts::default();
    for r in rows {
        match r.light {
            Light::Green => c.green += 1,
            Light::Yellow => c.yellow += 1,
            Light::Red => c.red += 1,
            Light::NoData => c.no_data += 1,
        }
    }
    c
}

fn domain(code: &str, name: &str, lead: &str, indicators: Vec<IndicatorRow>) -> DomainStatus {
    DomainStatus {
        code: s(code),
        name: s(name),
        lead_unit: s(lead),
        lights: counts(&indicators),
        indicators,
        tasks: Vec::new(),
        task_lights: LightCounts::default(),
    }
}

fn trend(code: &str, name: &str, unit: &str, light: Light, actual: &[f64], path: &[f64]) -> Trend {
    let periods = [
        "2024-09", "2024-12", "2025-03", "2025-06", "2025-09", "2025-12",
    ];
    // Each period's end on the time axis, in years.
    let at = vec![2024.75, 2025.0, 2025.25, 2025.5, 2025.75, 2026.0];
    // The plan's path: the 2024 and 2025 targets where the schedule ends each year, and a
    // 2023 target as far below the 2024 one as 2025's is above it.
    let target = |year: i32, value: f64| PlanPoint {
        year,
        value,
        label: format!("目标 {value}"),
        joined: true,
    };
    let (t24, t25) = (path[1], path[path.len() - 1]);
    Trend {
        code: s(code),
        name: s(name),
        unit: s(unit),
        light,
        periods: periods.iter().map(|p| s(p)).collect(),
        at,
        actual: (0..periods.len()).map(|i| actual.get(i).copied()).collect(),
        schedule: (0..periods.len()).map(|i| path.get(i).copied()).collect(),
        plan: vec![
            target(2023, t24 - (t25 - t24)),
            target(2024, t24),
            target(2025, t25),
        ],
        plan_joined: true,
        axis_end: Some(2026.0),
    }
}

/// A realistic Dinghai sample (synthetic figures, labelled as such).
pub fn sample() -> QuarterlyReport {
    use Light::*;
    let domains = vec![
        domain(
            "YY",
            "幼有善育",
            "区卫健局",
            vec![
                row(
                    "T01",
                    "每千人口拥有3岁以下婴幼儿托位数",
                    "个",
                    "4.5",
                    Some("4.10"),
                    Some("4.38"),
                    Yellow,
                    "应达4.38个，实际4.10个，落后6.4%",
                ),
                row(
                    "T02",
                    "普惠托位占比",
                    "%",
                    "65",
                    Some("66.2"),
                    Some("64.3"),
                    Green,
                    "实际66.2%，高于序时进度64.3%",
                ),
                row(
                    "T03",
                    "0-3岁儿童发育监测筛查率",
                    "%",
                    "95",
                    Some("88.4"),
                    Some("93.8"),
                    Red,
                    "应达93.8%，实际88.4%，落后5.4个百分点",
                ),
            ],
        ),
        domain(
            "XY",
            "学有优教",
            "区教育局",
            vec![
                row(
                    "T04",
                    "通过全国学前教育普及普惠县省级评估率",
                    "%",
                    "100",
                    Some("100"),
                    None,
                    Green,
                    "已通过省级评估",
                ),
                row(
                    "T05",
                    "通过全国义务教育优质均衡发展县省级评估率",
                    "%",
                    "/",
                    None,
                    None,
                    NoData,
                    "本年度无目标（2026年起）",
                ),
            ],
        ),
        domain(
            "LD",
            "劳有所得",
            "区人力社保局",
            vec![
                row(
                    "T06",
                    "城镇调查失业率",
                    "%",
                    "<5",
                    Some("4.3"),
                    None,
                    Green,
                    "4.3%，低于5%的控制线",
                ),
                row(
                    "T07",
                    "欠薪线索动态化解率",
                    "%",
                    "95",
                    Some("95.6"),
                    Some("94.8"),
                    Green,
                    "实际95.6%，高于序时进度",
                ),
                row(
                    "T08",
                    "全区开展职业技能培训累计数",
                    "万人次",
                    "5.39",
                    Some("4.71"),
                    Some("5.10"),
                    Yellow,
                    "应达5.10万人次，实际4.71万人次，落后7.6%",
                ),
            ],
        ),
        domain(
            "BY",
            "病有良医",
            "区卫健局",
            vec![
                row(
                    "T09",
                    "人均预期寿命",
                    "岁",
                    "82.50",
                    None,
                    None,
                    NoData,
                    "年度指标，年末统计",
                ),
                row(
                    "T10",
                    "重大慢病过早死亡率",
                    "%",
                    "10.75",
                    Some("10.77"),
                    Some("10.76"),
                    Green,
                    "10.77%，与序时进度基本持平",
                ),
                row(
                    "T11",
                    "“浙里惠民保.舟惠保”投保率",
                    "%",
                    "70",
                    Some("58.5"),
                    Some("70.0"),
                    Red,
                    "参保期已结束，58.5%低于年度目标70%",
                ),
            ],
        ),
        domain(
            "LY",
            "老有康养",
            "区民政局",
            vec![
                row(
                    "T12",
                    "每万老年人口拥有持证养老护理员数",
                    "人",
                    "32",
                    Some("31.2"),
                    Some("31.8"),
                    Yellow,
                    "应达31.8人，实际31.2人，落后1.9%",
                ),
                row(
                    "T13",
                    "基本养老保险参保人数",
                    "万人",
                    "25.26",
                    Some("25.27"),
                    Some("25.25"),
                    Green,
                    "25.27万人，已超年度目标",
                ),
                row(
                    "T14",
                    "长期护理保险覆盖人数",
                    "万人",
                    "/",
                    None,
                    None,
                    NoData,
                    "本年度无目标（2026年全覆盖）",
                ),
            ],
        ),
        domain(
            "ZY",
            "住有宜居",
            "区住建局",
            vec![
                row(
                    "T15",
                    "城镇住房保障受益覆盖率",
                    "%",
                    "28.07",
                    Some("28.07"),
                    Some("28.06"),
                    Green,
                    "28.07%，达年度目标",
                ),
                row(
                    "T16",
                    "保障性租赁住房累计建设筹集套数",
                    "套、间",
                    "4700",
                    Some("4012"),
                    Some("4465"),
                    Red,
                    "应达4465套、间，实际4012套、间，落后10.1%",
                ),
                row(
                    "T17",
                    "住宅小区专业物业服务覆盖率",
                    "%",
                    "90",
                    Some("88.9"),
                    Some("89.4"),
                    Green,
                    "88.9%，在序时进度容差内",
                ),
            ],
        ),
        domain(
            "RF",
            "弱有众扶",
            "区民政局",
            vec![
                row(
                    "T18",
                    "最低生活保障年人均标准",
                    "元",
                    "14100",
                    Some("14100"),
                    None,
                    Green,
                    "7月起执行14100元标准",
                ),
                row(
                    "T19",
                    "困难群众医疗费用综合保障率",
                    "%",
                    "86",
                    Some("84.1"),
                    Some("85.5"),
                    Yellow,
                    "应达85.5%，实际84.1%，落后1.4个百分点",
                ),
                row(
                    "T20",
                    "“残疾人之家”覆盖率",
                    "%",
                    "100",
                    Some("100"),
                    None,
                    Green,
                    "13个镇（街道）全覆盖",
                ),
            ],
        ),
    ];
    // 重点任务目标 of the first domain: a derived target met, one revised and lagging.
    let mut domains = domains;
    domains[0].tasks = vec![
        row(
            "K0101",
            "普惠托育服务覆盖率",
            "%",
            "≥75%(推算)",
            Some("78.0"),
            Some("75"),
            Green,
            "实际值 78 满足目标“≥75%(推算)” → 达标",
        ),
        IndicatorRow {
            original_target: Some(s("90%以上(2027年，2025-06-01调整)")),
            ..row(
                "K0102",
                "儿童早期发展服务覆盖率",
                "%",
                "≥82%(推算)",
                Some("70.0"),
                Some("82"),
                Red,
                "实际值 70 未满足目标“≥82%(推算)” → 未达标",
            )
        },
    ];
    domains[0].task_lights = counts(&domains[0].tasks);
    let mut total = LightCounts::default();
    for d in &domains {
        total.green += d.lights.green;
        total.yellow += d.lights.yellow;
        total.red += d.lights.red;
        total.no_data += d.lights.no_data;
    }

    let lag = |code: &str,
               name: &str,
               unit: &str,
               place: &str,
               light: Light,
               value: &str,
               expected: &str,
               gap: &str,
               lead: &str,
               cause: Option<&str>,
               measures: Option<&str>| LaggingIndicator {
        code: s(code),
        name: s(name),
        unit: s(unit),
        place: s(place),
        light,
        value: Some(s(value)),
        expected: Some(s(expected)),
        gap: s(gap),
        lead_unit: s(lead),
        cause: cause.map(s),
        measures: measures.map(s),
        key_task: false,
        target: None,
    };
    let mut lagging = vec![
        lag(
            "T03",
            "0-3岁儿童发育监测筛查率",
            "%",
            "定海区",
            Red,
            "88.4",
            "93.8",
            "落后5.4个百分点",
            "区卫健局",
            Some(
                "海岛镇（街道）流动儿童比例高，随迁婴幼儿建档不及时；金塘、白泉两镇儿保医生各缺1名。",
            ),
            Some(
                "9月起与公安、教育共享随迁儿童信息，每月比对建档；10月底前完成两镇儿保医生招聘，期间由区妇保院派员驻点筛查。",
            ),
        ),
        lag(
            "T11",
            "“浙里惠民保.舟惠保”投保率",
            "%",
            "定海区",
            Red,
            "58.5",
            "70.0",
            "落后11.5个百分点",
            "区卫健局",
            Some("2025年度参保期已于3月结束，宣传发动偏晚，新就业形态人员参保意愿低。"),
            None,
        ),
        lag(
            "T16",
            "保障性租赁住房累计建设筹集套数",
            "套、间",
            "定海区",
            Red,
            "4012",
            "4465",
            "落后453套、间（10.1%）",
            "区住建局",
            Some("临城街道两个集中新建项目因地块移交延迟，主体工程推迟约两个月开工。"),
            Some(
                "实行“一项目一专班”，挂图作战；同步通过存量房源改建筹集300套，确保年底完成4700套、间。",
            ),
        ),
        lag(
            "T01",
            "每千人口拥有3岁以下婴幼儿托位数",
            "个",
            "定海区",
            Yellow,
            "4.10",
            "4.38",
            "落后0.28个（6.4%）",
            "区卫健局",
            Some("两家用人单位办托点因消防验收未通过暂缓开园。"),
            Some("协调住建、消防部门联合指导整改，预计11月开园新增托位120个。"),
        ),
        lag(
            "T01",
            "每千人口拥有3岁以下婴幼儿托位数",
            "个",
            "金塘镇",
            Red,
            "2.35",
            "4.38",
            "落后2.03个（46.3%）",
            "金塘镇",
            None,
            None,
        ),
        lag(
            "T08",
            "全区开展职业技能培训累计数",
            "万人次",
            "定海区",
            Yellow,
            "4.71",
            "5.10",
            "落后0.39万人次（7.6%）",
            "区人力社保局",
            Some("上半年补贴性培训项目招标延迟。"),
            Some("第四季度加开渔农民、家政、养老护理专项班20期。"),
        ),
        lag(
            "T12",
            "每万老年人口拥有持证养老护理员数",
            "人",
            "定海区",
            Yellow,
            "31.2",
            "31.8",
            "落后0.6人（1.9%）",
            "区民政局",
            Some("护理员流动性大，持证人员流失。"),
            None,
        ),
        lag(
            "T19",
            "困难群众医疗费用综合保障率",
            "%",
            "定海区",
            Yellow,
            "84.1",
            "85.5",
            "落后1.4个百分点",
            "区民政局",
            None,
            Some("落实“一人一策”医疗救助，10月完成三季度救助资金结算。"),
        ),
    ];

    let towns = [
        ("临城街道", 96.8, RankChange::Same, vec![]),
        ("昌国街道", 95.1, RankChange::Up(2), vec![]),
        ("城东街道", 94.7, RankChange::Down(1), vec![]),
        ("环南街道", 93.2, RankChange::Down(1), vec![]),
        ("千岛街道", 92.5, RankChange::Up(1), vec![]),
        ("盐仓街道", 91.0, RankChange::Down(1), vec![]),
        ("双桥街道", 89.6, RankChange::Up(3), vec![]),
        ("白泉镇", 88.3, RankChange::Same, vec![]),
        ("马岙街道", 87.9, RankChange::Down(2), vec![]),
        ("岑港街道", 86.4, RankChange::Up(1), vec![]),
        ("小沙街道", 84.0, RankChange::Down(2), vec![s("后三位")]),
        (
            "干览镇",
            82.7,
            RankChange::Same,
            vec![s("连续两月后三位"), s("已自动立项督办")],
        ),
        (
            "金塘镇",
            79.5,
            RankChange::Same,
            vec![s("连续两月后三位"), s("已自动立项督办")],
        ),
    ];
    let depts = [
        ("区民政局", Some(97.2), RankChange::Up(1)),
        ("区教育局", Some(96.5), RankChange::Down(1)),
        ("区人力社保局", Some(93.8), RankChange::Same),
        ("区住建局", Some(88.1), RankChange::Up(1)),
        ("区卫健局", Some(86.9), RankChange::Down(1)),
        ("区医保分局", None, RankChange::New),
    ];
    let rule = s(
        "得分 = 各领域得分的等权平均；领域得分 = 该单位所辖指标 min(实际值÷序时进度值, 1.2) 的平均（逆向指标取倒数），换算为百分制；另加督办按期办结率（权重10%）和报送及时率（权重10%）。无数据的单位列为“无数据”，不按零分计。并列者名次相同。连续两个月位列后三位的自动立项督办。",
    );
    let rankings = vec![
        Ranking {
            kind: RankingKind::Town,
            title: s("镇（街道）月度排名"),
            period: s("2025年9月"),
            score_unit: s("分"),
            rule: rule.clone(),
            rows: towns
                .iter()
                .enumerate()
                .map(|(i, (u, sc, ch, fl))| RankRow {
                    rank: i as u32 + 1,
                    unit: s(u),
                    score: Some(*sc),
                    change: *ch,
                    flags: fl.clone(),
                })
                .collect(),
        },
        Ranking {
            kind: RankingKind::Department,
            title: s("区级部门月度排名"),
            period: s("2025年9月"),
            score_unit: s("分"),
            rule,
            rows: depts
                .iter()
                .enumerate()
                .map(|(i, (u, sc, ch))| RankRow {
                    rank: if sc.is_some() { i as u32 + 1 } else { 0 },
                    unit: s(u),
                    score: *sc,
                    change: *ch,
                    flags: if sc.is_none() {
                        vec![s("本月未报送，不参与排名")]
                    } else {
                        vec![]
                    },
                })
                .collect(),
        },
    ];

    let sup = |u: &str, raised: u32, closed: u32, overdue: u32| SupervisionRow {
        unit: s(u),
        raised,
        closed,
        overdue,
        closure_rate: (raised > 0).then(|| 100.0 * closed as f64 / raised as f64),
        overdue_rate: (raised > 0).then(|| 100.0 * overdue as f64 / raised as f64),
    };
    let units = vec![
        sup("区卫健局", 9, 6, 2),
        sup("区住建局", 6, 3, 2),
        sup("区民政局", 5, 5, 0),
        sup("区人力社保局", 4, 3, 1),
        sup("区教育局", 2, 2, 0),
        sup("金塘镇", 3, 1, 1),
        sup("干览镇", 2, 1, 0),
        sup("小沙街道", 1, 0, 0),
    ];
    let (r, c, o) = units.iter().fold((0, 0, 0), |a, u| {
        (a.0 + u.raised, a.1 + u.closed, a.2 + u.overdue)
    });
    let totals = sup("合计", r, c, o);

    let order =
        |n: &str, subj: &str, lead: &str, dl: &str, days: u32, st: &str, esc: Option<&str>| {
            OverdueOrder {
                number: s(n),
                subject: s(subj),
                lead_unit: s(lead),
                deadline: s(dl),
                days_overdue: days,
                state: s(st),
                escalation: esc.map(s),
            }
        };
    let supervision = Supervision {
        scope: s("2025年7月1日至9月30日立项的督办单（截至2025年9月30日）"),
        units,
        totals,
        overdue_open: vec![
            order(
                "DB-2025-031",
                "T03 0-3岁儿童发育监测筛查率红灯整改",
                "区卫健局",
                "2025-09-10",
                20,
                "办理中",
                Some("二级催办（分管区领导）"),
            ),
            order(
                "DB-2025-036",
                "T16 保障性租赁住房临城项目开工滞后",
                "区住建局",
                "2025-09-20",
                10,
                "办理中",
                Some("一级催办"),
            ),
            order(
                "DB-2025-040",
                "金塘镇托位建设连续两月后三位",
                "金塘镇",
                "2025-09-25",
                5,
                "申请延期",
                None,
            ),
        ],
    };

    let survey = Survey {
        title: s("2025年第3季度公共服务群众满意度抽样调查"),
        method: s("电话随机抽样，全区常住居民，置信水平95%；误差为指数的±分值"),
        items: vec![
            SurveyItem {
                item: s("托育服务"),
                index: 82.4,
                n: 412,
                margin: 3.1,
            },
            SurveyItem {
                item: s("义务教育"),
                index: 88.7,
                n: 436,
                margin: 2.6,
            },
            SurveyItem {
                item: s("就业服务"),
                index: 84.2,
                n: 398,
                margin: 3.0,
            },
            SurveyItem {
                item: s("医疗卫生"),
                index: 80.9,
                n: 447,
                margin: 3.0,
            },
            SurveyItem {
                item: s("养老服务"),
                index: 83.5,
                n: 405,
                margin: 3.1,
            },
            SurveyItem {
                item: s("住房保障"),
                index: 78.6,
                n: 389,
                margin: 3.5,
            },
            SurveyItem {
                item: s("社会救助"),
                index: 86.1,
                n: 371,
                margin: 3.0,
            },
        ],
    };

    let trends = vec![
        trend(
            "T01",
            "每千人口拥有3岁以下婴幼儿托位数",
            "个",
            Yellow,
            &[3.82, 4.02, 4.05, 4.08, 4.10],
            &[3.88, 4.00, 4.13, 4.25, 4.38, 4.50],
        ),
        trend(
            "T02",
            "普惠托位占比",
            "%",
            Green,
            &[61.0, 62.4, 63.5, 65.0, 66.2],
            &[61.5, 62.0, 62.8, 63.5, 64.3, 65.0],
        ),
        trend(
            "T03",
            "0-3岁儿童发育监测筛查率",
            "%",
            Red,
            &[88.5, 89.0, 87.9, 88.1, 88.4],
            &[88.8, 90.0, 91.3, 92.5, 93.8, 95.0],
        ),
        trend(
            "T08",
            "全区开展职业技能培训累计数",
            "万人次",
            Yellow,
            &[3.85, 4.20, 4.35, 4.52, 4.71],
            &[3.88, 4.23, 4.52, 4.81, 5.10, 5.39],
        ),
        trend(
            "T16",
            "保障性租赁住房累计建设筹集套数",
            "套、间",
            Red,
            &[3410.0, 3765.0, 3820.0, 3905.0, 4012.0],
            &[3413.0, 3760.0, 3995.0, 4230.0, 4465.0, 4700.0],
        ),
        trend(
            "T19",
            "困难群众医疗费用综合保障率",
            "%",
            Yellow,
            &[83.6, 84.0, 83.2, 83.8, 84.1],
            &[83.8, 84.0, 84.5, 85.0, 85.5, 86.0],
        ),
    ];
    lagging.push(LaggingIndicator {
        key_task: true,
        target: Some(s("≥82%(推算)")),
        ..lag(
            "K0102",
            "儿童早期发展服务覆盖率",
            "%",
            "定海区",
            Red,
            "70.0",
            "82",
            "落后12个百分点",
            "区卫健局",
            None,
            None,
        )
    });

    QuarterlyReport {
        title: s("定海区“七优享”工程2025年第3季度分析报告"),
        programme: s("公共服务“七优享”工程"),
        place: s("定海区"),
        quarter: s("2025年第3季度"),
        as_of: s("2025年9月30日"),
        generated_at: s("2025-10-15 09:30"),
        issuer: s("定海区“七优享”工程工作专班"),
        data_note: Some(s("演示数据(虚构,非真实统计)")),
        summary: Summary {
            lights: total,
            counted: s("20项核心指标"),
            key_points: vec![
                format!(
                    "截至2025年9月30日，20项核心指标中绿灯{}项、黄灯{}项、红灯{}项、无数据{}项，绿灯率{:.1}%，较第2季度末提高5.0个百分点。",
                    total.green,
                    total.yellow,
                    total.red,
                    total.no_data,
                    100.0 * total.green as f64 / (total.total() - total.no_data) as f64
                ),
                s(
                    "红灯指标3项：0-3岁儿童发育监测筛查率（88.4%，落后5.4个百分点）、“浙里惠民保.舟惠保”投保率（58.5%，年度目标70%）、保障性租赁住房累计建设筹集套数（4012套、间，落后453套、间）。",
                ),
                s(
                    "镇（街道）月度排名中，金塘镇、干览镇连续两月位列后三位，已自动立项督办；区级部门中区民政局居首。",
                ),
                s("本季度立项督办单32件，审结21件，按期办结率65.6%；逾期未办结3件，最长逾期20天。"),
                s(
                    "群众满意度调查7个服务项目的指数在78.6分至88.7分之间，住房保障最低（78.6分，±3.5分）。",
                ),
            ],
        },
        domains,
        lagging,
        rankings,
        supervision,
        survey: Some(survey),
        compliance: None,
        trends,
        work: Default::default(),
    }
}
