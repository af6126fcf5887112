//! The demo's register of major projects and its 民生实事 lists for 2024–2026: labelled
//! synthetic data (`synthetic: true`), plausible for 定海区 but invented — names, amounts
//! and progress are not the district's. The projects' totals add up to the plan's
//! 89.88亿元; some run behind, one is not started and one was terminated.

use chrono::{Datelike, NaiveDate};
use youxiang_core::manage::Milestone;
use youxiang_core::manage::projects::{
    AmountReport, LivelihoodItem, MajorProject, MonthProgress, ProjectStatus, ProjectYear,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date")
}

/// code, name, domain, task, place, lead, partners, total 万元, start, end, pace (share
/// of the plan completed each year), the mid-point milestone late.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    f64,
    (i32, u32),
    (i32, u32),
    f64,
);

const ROWS: &[Row] = &[
    (
        "XM01",
        "区妇幼保健院迁建工程",
        "BY",
        "4.1",
        "330902004",
        "区卫健局",
        &["区住建局"],
        98000.0,
        (2023, 3),
        (2026, 6),
        1.0,
    ),
    (
        "XM02",
        "区人民医院医共体总院扩建工程",
        "BY",
        "4.2",
        "330902002",
        "区卫健局",
        &["区发改局"],
        126000.0,
        (2023, 6),
        (2027, 6),
        0.55,
    ),
    (
        "XM03",
        "金塘镇中心卫生院迁建工程",
        "BY",
        "4.3",
        "330902100",
        "区卫健局",
        &[],
        28000.0,
        (2024, 3),
        (2026, 12),
        0.95,
    ),
    (
        "XM04",
        "区公共卫生服务中心建设工程",
        "BY",
        "4.5",
        "330902005",
        "区卫健局",
        &[],
        35000.0,
        (2024, 5),
        (2027, 6),
        1.02,
    ),
    (
        "XM05",
        "定海一中新校区建设工程",
        "XY",
        "2.1",
        "330902006",
        "区教育局",
        &["区住建局"],
        135000.0,
        (2023, 9),
        (2026, 8),
        1.0,
    ),
    (
        "XM06",
        "小沙街道九年一贯制学校新建工程",
        "XY",
        "2.1",
        "330902010",
        "区教育局",
        &[],
        42000.0,
        (2024, 2),
        (2026, 8),
        0.9,
    ),
    (
        "XM07",
        "城东幼儿园及托育中心建设工程",
        "YY",
        "1.2",
        "330902004",
        "区教育局",
        &["区卫健局"],
        16000.0,
        (2024, 4),
        (2025, 8),
        1.0,
    ),
    (
        "XM08",
        "区职业技能公共实训基地",
        "LD",
        "3.2",
        "330902005",
        "区人力社保局",
        &[],
        24000.0,
        (2023, 10),
        (2025, 12),
        0.98,
    ),
    (
        "XM09",
        "区零工市场与就业服务综合体",
        "LD",
        "3.1",
        "330902002",
        "区人力社保局",
        &[],
        8000.0,
        (2025, 3),
        (2026, 6),
        0.7,
    ),
    (
        "XM10",
        "区社会福利中心(康养中心)二期",
        "LY",
        "5.2",
        "330902009",
        "区民政局",
        &["区卫健局"],
        62000.0,
        (2023, 5),
        (2026, 12),
        0.97,
    ),
    (
        "XM11",
        "白泉镇区域性居家养老服务中心",
        "LY",
        "5.1",
        "330902104",
        "区民政局",
        &[],
        9000.0,
        (2024, 6),
        (2025, 12),
        1.05,
    ),
    (
        "XM12",
        "干览镇医养结合中心",
        "LY",
        "5.3",
        "330902105",
        "区民政局",
        &["区卫健局"],
        14000.0,
        (2025, 1),
        (2026, 12),
        0.85,
    ),
    (
        "XM13",
        "盐仓街道保障性租赁住房项目",
        "ZY",
        "6.1",
        "330902005",
        "区住建局",
        &[],
        138000.0,
        (2023, 4),
        (2027, 12),
        0.6,
    ),
    (
        "XM14",
        "环南街道城镇老旧小区改造(2023—2025年)",
        "ZY",
        "6.2",
        "330902003",
        "区住建局",
        &[],
        46000.0,
        (2023, 3),
        (2025, 12),
        1.0,
    ),
    (
        "XM15",
        "岑港街道未来社区建设项目",
        "ZY",
        "6.3",
        "330902007",
        "区住建局",
        &[],
        52000.0,
        (2024, 1),
        (2027, 6),
        0.4,
    ),
    (
        "XM16",
        "区儿童福利和未成年人救助保护中心",
        "RF",
        "7.2",
        "330902008",
        "区民政局",
        &[],
        12000.0,
        (2024, 9),
        (2026, 6),
        0.92,
    ),
    (
        "XM17",
        "千岛街道残疾人康复托养中心",
        "RF",
        "7.3",
        "330902050",
        "区民政局",
        &["区残联"],
        9800.0,
        (2025, 4),
        (2026, 12),
        0.9,
    ),
    (
        "XM18",
        "临城街道社区嵌入式服务设施",
        "YY",
        "1.3",
        "330902006",
        "区卫健局",
        &["区民政局"],
        6000.0,
        (2025, 3),
        (2026, 3),
        1.1,
    ),
    (
        "XM19",
        "区第二人民医院改扩建工程",
        "BY",
        "4.4",
        "330902104",
        "区卫健局",
        &[],
        38000.0,
        (2025, 11),
        (2027, 12),
        1.0,
    ),
    (
        "XM20",
        "城东街道区域养老服务综合体",
        "LY",
        "5.4",
        "330902004",
        "区民政局",
        &[],
        5000.0,
        (2024, 7),
        (2025, 12),
        0.0,
    ),
];

/// Months of the construction period falling in each year.
fn months_by_year(start: NaiveDate, end: NaiveDate) -> Vec<(i32, u32)> {
    (start.year()..=end.year())
        .map(|y| {
            let from = if y == start.year() { start.month() } else { 1 };
            let to = if y == end.year() { end.month() } else { 12 };
            (y, to + 1 - from.min(to + 1))
        })
        .collect()
}

fn last_day(y: i32, m: u32) -> NaiveDate {
    date(y, m, 1)
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .expect("valid month")
}

/// The year-to-date amounts reported at each quarter's end of `year` within the
/// construction period, through `reported_to`: the year's plan times the share of its
/// months gone, times the pace — so a past month's ranking reads the amount of its time.
fn quarter_reports(
    year: i32,
    start: NaiveDate,
    end: NaiveDate,
    planned: f64,
    pace: f64,
    reported_to: NaiveDate,
) -> Vec<AmountReport> {
    let from = if year == start.year() {
        start.month()
    } else {
        1
    };
    let to = if year == end.year() { end.month() } else { 12 };
    if from > to {
        return Vec::new();
    }
    [3, 6, 9]
        .into_iter()
        .filter(|q| *q >= from && *q < to)
        .chain([to])
        .map(|m| (m, last_day(year, m)))
        .filter(|(_, at)| *at <= reported_to)
        .map(|(m, at)| {
            let share = (m + 1 - from) as f64 / (to + 1 - from) as f64;
            AmountReport {
                as_of: at,
                completed_wan: (planned * share * pace / 10.0).round() * 10.0,
            }
        })
        .collect()
}

/// The register as it stands on `today` (the demo's day): completed amounts through the
/// last quarter's end, statuses from the dates.
pub fn demo_projects(today: NaiveDate) -> Vec<MajorProject> {
    let reported_to = match ((today.month() - 1) / 3) * 3 {
        0 => last_day(today.year() - 1, 12),
        m => last_day(today.year(), m),
    }
    .min(today);
    ROWS.iter()
        .map(
            |&(code, name, domain, task, place, lead, partners, total, s, e, pace)| {
                let start = date(s.0, s.1, 1);
                let end = last_day(e.0, e.1);
                let months = months_by_year(start, end);
                let all: u32 = months.iter().map(|(_, m)| m).sum();
                let mut left = total;
                let mut years = Vec::new();
                for (i, (y, m)) in months.iter().enumerate() {
                    let planned = if i + 1 == months.len() {
                        left
                    } else {
                        ((total * *m as f64 / all as f64) / 10.0).round() * 10.0
                    };
                    left -= planned;
                    // Completed: the year's plan times the pace; within the current year,
                    // the part of the year's months gone by the last report.
                    let completed = if *y < reported_to.year() {
                        Some(planned * pace)
                    } else if *y == reported_to.year() && start <= reported_to {
                        let from = if *y == start.year() { start.month() } else { 1 };
                        let to = if *y == end.year() { end.month() } else { 12 };
                        let gone = reported_to.month().min(to).saturating_sub(from - 1);
                        let share = gone as f64 / (to + 1 - from) as f64;
                        Some((planned * share * pace / 10.0).round() * 10.0)
                    } else {
                        None
                    };
                    years.push(ProjectYear {
                        year: *y,
                        planned_wan: planned,
                        completed_wan: completed.map(|c| (c / 10.0).round() * 10.0),
                        as_of: (*y == reported_to.year() && completed.is_some())
                            .then_some(reported_to),
                        reports: quarter_reports(*y, start, end, planned, pace, reported_to),
                    });
                }
                let mid = start + (end - start) / 2;
                let status = if pace == 0.0 {
                    ProjectStatus::Terminated
                } else if end < today {
                    ProjectStatus::Completed
                } else if start > today {
                    ProjectStatus::NotStarted
                } else {
                    ProjectStatus::Building
                };
                if status == ProjectStatus::Terminated {
                    for y in &mut years {
                        y.completed_wan = y.completed_wan.map(|_| 0.0);
                        for r in &mut y.reports {
                            r.completed_wan = 0.0;
                        }
                    }
                }
                let done = |due: NaiveDate, late: bool| {
                    (due <= today && !late).then_some(due - chrono::Duration::days(5))
                };
                let behind = pace < 0.8;
                let milestones = vec![
                    Milestone {
                        id: 1,
                        title: "开工建设".into(),
                        due: start,
                        done_on: done(start, status == ProjectStatus::Terminated),
                        evidence: String::new(),
                    },
                    Milestone {
                        id: 2,
                        title: "主体结构完工".into(),
                        due: mid,
                        done_on: done(mid, behind || status == ProjectStatus::Terminated),
                        evidence: String::new(),
                    },
                    Milestone {
                        id: 3,
                        title: "竣工验收".into(),
                        due: end,
                        done_on: done(end, status != ProjectStatus::Completed),
                        evidence: String::new(),
                    },
                ];
                let closing_note = match status {
                    ProjectStatus::Completed => "已通过竣工验收并交付使用(演示)".into(),
                    ProjectStatus::Terminated => {
                        "选址调整,功能并入 XM10 二期,项目终止(演示)".into()
                    }
                    _ => String::new(),
                };
                MajorProject {
                    code: code.into(),
                    name: format!("{name}(演示)"),
                    domain: domain.into(),
                    key_task: Some(task.into()),
                    place: Some(place.into()),
                    lead_unit: lead.into(),
                    partner_units: partners.iter().map(|p| p.to_string()).collect(),
                    total_wan: total,
                    start,
                    end,
                    years,
                    milestones,
                    status,
                    closing_note,
                    synthetic: true,
                }
            },
        )
        .collect()
}

/// year, number, name, domain, target, unit, lead, places, pace.
type Item = (
    i32,
    u32,
    &'static str,
    Option<&'static str>,
    f64,
    &'static str,
    &'static str,
    &'static [&'static str],
    f64,
);

const ITEMS: &[Item] = &[
    (
        2024,
        1,
        "新增普惠性托位",
        Some("YY"),
        500.0,
        "个",
        "区卫健局",
        &[],
        1.05,
    ),
    (
        2024,
        2,
        "建设老年食堂(助餐点)",
        Some("LY"),
        20.0,
        "家",
        "区民政局",
        &[],
        1.0,
    ),
    (
        2024,
        3,
        "改造城镇老旧小区",
        Some("ZY"),
        12.0,
        "个",
        "区住建局",
        &["330902003", "330902002"],
        1.0,
    ),
    (
        2024,
        4,
        "开展职业技能培训",
        Some("LD"),
        8000.0,
        "人次",
        "区人力社保局",
        &[],
        1.1,
    ),
    (
        2024,
        5,
        "困难残疾人家庭无障碍改造",
        Some("RF"),
        150.0,
        "户",
        "区民政局",
        &[],
        0.9,
    ),
    (
        2025,
        1,
        "新增普惠性托位",
        Some("YY"),
        600.0,
        "个",
        "区卫健局",
        &[],
        1.0,
    ),
    (
        2025,
        2,
        "新增认知障碍照护床位",
        Some("LY"),
        120.0,
        "张",
        "区民政局",
        &["330902009"],
        0.5,
    ),
    (
        2025,
        3,
        "改造城镇老旧小区",
        Some("ZY"),
        15.0,
        "个",
        "区住建局",
        &["330902003", "330902004"],
        1.0,
    ),
    (
        2025,
        4,
        "建设“家门口”就业服务驿站",
        Some("LD"),
        10.0,
        "个",
        "区人力社保局",
        &[],
        0.6,
    ),
    (
        2025,
        5,
        "中小学配备午休课桌椅",
        Some("XY"),
        6000.0,
        "套",
        "区教育局",
        &[],
        1.2,
    ),
    (
        2025,
        6,
        "城乡居民免费健康体检",
        Some("BY"),
        30000.0,
        "人次",
        "区卫健局",
        &[],
        0.95,
    ),
    (
        2026,
        1,
        "新增普惠性托位",
        Some("YY"),
        600.0,
        "个",
        "区卫健局",
        &[],
        0.0,
    ),
    (
        2026,
        2,
        "建设老年助餐服务点",
        Some("LY"),
        25.0,
        "个",
        "区民政局",
        &[],
        0.0,
    ),
    (
        2026,
        3,
        "改造城镇老旧小区",
        Some("ZY"),
        10.0,
        "个",
        "区住建局",
        &[],
        0.0,
    ),
    (
        2026,
        4,
        "新建社区嵌入式服务设施",
        Some("YY"),
        8.0,
        "处",
        "区卫健局",
        &[],
        0.0,
    ),
];

/// The 民生实事 lists for 2024–2026 as they stand on `today`: monthly cumulative
/// progress through the last full month, a completion date for what reached its target.
pub fn demo_livelihood(today: NaiveDate) -> Vec<LivelihoodItem> {
    let last_month = |y: i32| -> u32 {
        if y < today.year() {
            12
        } else if y == today.year() {
            today.month() - 1
        } else {
            0
        }
    };
    ITEMS
        .iter()
        .map(
            |&(year, number, name, domain, target, unit, lead, places, pace)| {
                let mut progress = Vec::new();
                let mut completed_on = None;
                for month in 1..=last_month(year) {
                    // Work starts slowly in spring: the share done grows a little faster
                    // than the calendar.
                    let share = (month as f64 / 12.0).powf(1.15) * pace;
                    let done = (target * share).min(target * pace.max(0.0)).floor();
                    let done = done.min(target);
                    if completed_on.is_none() && done >= target {
                        completed_on = Some(last_day(year, month) - chrono::Duration::days(3));
                    }
                    progress.push(MonthProgress {
                        month,
                        done,
                        note: String::new(),
                    });
                }
                LivelihoodItem {
                    year,
                    number,
                    name: format!("{name}(演示)"),
                    domain: domain.map(str::to_string),
                    target,
                    unit: unit.into(),
                    lead_unit: lead.into(),
                    places: places.iter().map(|p| p.to_string()).collect(),
                    progress,
                    completed_on,
                    synthetic: true,
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use youxiang_core::manage::projects::Known;

    #[test]
    fn the_demo_register_adds_up_to_the_plans_total_and_validates() {
        let today = date(2025, 10, 15);
        let projects = demo_projects(today);
        assert!((15..=25).contains(&projects.len()));
        let live: f64 = projects
            .iter()
            .filter(|p| p.status != ProjectStatus::Terminated)
            .map(|p| p.total_wan)
            .sum();
        assert_eq!(live, 898_800.0);
        for p in &projects {
            let problems = p.validate(&Known::default());
            assert!(problems.is_empty(), "{problems:?}");
            let planned: f64 = p.years.iter().map(|y| y.planned_wan).sum();
            assert!((planned - p.total_wan).abs() < 1e-6, "{}", p.code);
        }
        assert!(
            projects
                .iter()
                .any(|p| p.status == ProjectStatus::NotStarted)
        );
        assert!(
            projects
                .iter()
                .any(|p| p.status == ProjectStatus::Completed)
        );
        for i in demo_livelihood(today) {
            let problems = i.validate(&Known::default());
            assert!(problems.is_empty(), "{problems:?}");
        }
    }
}
