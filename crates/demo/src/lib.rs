//! `youxiang demo`: the Dinghai plan, Dinghai's 13 real towns/streets with villages, users
//! for each role, and the labelled synthetic dataset written through the one write path.

pub mod assist;
pub mod assist_care;
pub mod assist_list;
pub mod assist_resources;
pub mod boundaries;
pub mod compliance;
pub mod facilities;
pub mod porto_alegre;
pub mod projects;
pub mod publication;
pub mod survey;
pub mod survey_answers;
pub mod year_end;

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use youxiang_app::ValueWrite;
use youxiang_app::demo::DemoMark;
use youxiang_core::Plan;
use youxiang_core::completeness::DEFAULT_DUE_DAYS;
use youxiang_core::period::Period;
use youxiang_core::place::{Level, PlaceTree};
use youxiang_core::scope::{Reporter, Role, Scope};
use youxiang_core::value::{Transition, ValueKey};
/// The label every demo figure carries: the data are synthetic.
pub use youxiang_workload::DEMO_LABEL;
use youxiang_workload::dinghai_demo;

use youxiang_app::{App, Result};

/// Short logins for the departments the Dinghai plan names.
const DEPARTMENT_LOGINS: &[(&str, &str)] = &[
    ("区卫健局", "wjj"),
    ("区教育局", "jyj"),
    ("区人力社保局", "rsj"),
    ("区民政局", "mzj"),
    ("区住建局", "zjj"),
    ("区文广旅体局", "wgl"),
    ("区应急管理局", "yjj"),
];

/// The demo's users: the programme office, one reporter per lead department (scoped to
/// the indicators it leads), one per town/street, one per town's first village, and a
/// viewer.
pub fn demo_reporters(plan: &Plan, tree: &PlaceTree) -> Vec<Reporter> {
    let root = plan.place.clone();
    let mut out = vec![
        Reporter {
            login: "office".into(),
            name: "七优享工作专班".into(),
            unit: "舟山市定海区公共服务“七优享”工程工作专班".into(),
            role: Role::Office,
            scope: Scope {
                places: vec![root.clone()],
                indicators: vec![],
            },
        },
        Reporter {
            login: "viewer".into(),
            name: "查看者".into(),
            unit: "区政府办公室".into(),
            role: Role::Viewer,
            scope: Scope {
                places: vec![root.clone()],
                indicators: vec![],
            },
        },
    ];
    let mut units: Vec<&str> = plan
        .indicators
        .iter()
        .map(|i| i.lead_unit.as_str())
        .collect();
    units.sort();
    units.dedup();
    for (n, unit) in units.iter().enumerate() {
        let login = DEPARTMENT_LOGINS
            .iter()
            .find(|(u, _)| u == unit)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| format!("dept{}", n + 1));
        out.push(Reporter {
            login,
            name: format!("{unit}填报员"),
            unit: unit.to_string(),
            role: Role::DepartmentReporter,
            scope: Scope {
                places: vec![root.clone()],
                indicators: plan
                    .indicators
                    .iter()
                    .filter(|i| i.lead_unit == *unit)
                    .map(|i| i.code.clone())
                    .collect(),
            },
        });
    }
    let Some(root_id) = tree.id(&root) else {
        return out;
    };
    for town in tree.children(root_id) {
        let t = tree.get(*town);
        out.push(Reporter {
            login: format!("town-{}", t.code),
            name: format!("{}填报员", t.name),
            unit: t.name.clone(),
            role: Role::TownReporter,
            scope: Scope {
                places: vec![t.code.clone()],
                indicators: vec![],
            },
        });
        if let Some(v) = tree
            .children(*town)
            .iter()
            .map(|v| tree.get(*v))
            .find(|v| v.level == Level::Village)
        {
            out.push(Reporter {
                login: format!("village-{}", v.code),
                name: format!("{}填报员", v.name),
                unit: v.name.clone(),
                role: Role::VillageReporter,
                scope: Scope {
                    places: vec![v.code.clone()],
                    indicators: vec![],
                },
            });
        }
    }
    out
}

/// The demo's "today": two weeks after its last month, when September's reports were due
/// (10 October) and the third quarter's analysis is written. The app judges deadlines,
/// completeness and the week view on this day in a demo database (`App::today`).
pub fn demo_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 10, 15).expect("valid date")
}

/// A Beijing wall-clock time as the UTC the store keeps.
fn beijing(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    day.and_hms_opt(hour, minute, 0).unwrap_or_default() - Duration::hours(8)
}

/// A small deterministic hash (FNV-1a): the same reporter and period always report at
/// the same time, on every machine.
fn spread(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The share of reports that come in after their due date (a realistic few, not none).
const LATE_PERCENT: u64 = 9;

/// When `login` reported `period` in the demo's history: most a few days before the due
/// date (the period's end + [`DEFAULT_DUE_DAYS`]), about one in eleven one to six days
/// after it, during office hours.
pub fn report_time(login: &str, period: Period) -> NaiveDateTime {
    let due = period.end() + Duration::days(DEFAULT_DUE_DAYS);
    let h = spread(&format!("{login}|{period}"));
    let day = if h % 100 < LATE_PERCENT {
        due + Duration::days(1 + (h / 100 % 6) as i64)
    } else {
        due - Duration::days((h / 100 % 8) as i64)
    };
    beijing(day, 9 + (h / 1000 % 8) as u32, (h / 10_000 % 60) as u32)
}

/// One step of the demo's history, in the order it happened.
enum Step {
    /// A reporter writes a period's figures and submits them (`submit`: all but the
    /// last month of a few villages, only saved).
    Report {
        login: String,
        writes: Vec<ValueWrite>,
        submit: Vec<ValueKey>,
    },
    /// The approver approves what was submitted for a period.
    Approve { login: String, keys: Vec<ValueKey> },
    /// The red lights of the moment raise their orders.
    Sweep,
}

/// Writes the demo users and the synthetic dataset as its history would have happened:
/// each figure written and submitted by the user who answers for it (the closest scope)
/// on its report date (a few days before the due date, about one in eleven late), approved
/// up to June 2025 by the office five days after the due date, the third quarter left
/// waiting for review, and the September figures of two towns' villages saved but not yet
/// submitted. A
/// few villages leave their latest month unreported, so that completeness is not a flat
/// 100 %. Red lights raise their orders at the end of July (the second quarter's) and on
/// the demo's day; the database is marked as the demo, standing on [`demo_today`].
pub async fn load_demo(app: &App) -> Result<usize> {
    let (plan, tree) = {
        let s = app.read();
        (s.plan.clone(), s.tree.clone())
    };
    let today = demo_today();
    let reporters = demo_reporters(&plan, &tree);
    app.set_clock(Some(beijing(
        NaiveDate::from_ymd_opt(2023, 1, 3).expect("valid date"),
        9,
        0,
    )));
    app.save_reporters(reporters.clone(), "demo").await?;
    // Orders are raised at the sweeps of the history, not by every submission on the way.
    let mut config = app.manage_config().await?;
    let auto = config.auto_red_light;
    config.auto_red_light = false;
    app.set_manage_config("office", &config).await?;

    let generated = dinghai_demo(&plan, &tree);
    let last = generated.iter().map(|g| g.key.period).max();
    let mut batches: BTreeMap<(String, Period), Vec<ValueWrite>> = BTreeMap::new();
    let mut skipped_villages = HashSet::new();
    for g in generated {
        let Some(place) = tree.id(&g.key.place) else {
            continue;
        };
        if assist_care::COMPUTED_INDICATORS.contains(&g.key.indicator.as_str())
            && g.key.period.year() >= 2025
        {
            continue;
        }
        if assist_list::computed_here(&g.key) {
            continue;
        }
        if Some(g.key.period) == last
            && tree.get(place).level == Level::Village
            && (skipped_villages.len() < 6 || skipped_villages.contains(&g.key.place))
        {
            skipped_villages.insert(g.key.place.clone());
            continue;
        }
        let who =
            youxiang_core::completeness::responsible(&reporters, &tree, place, &g.key.indicator)
                .map(|r| r.login.clone())
                .unwrap_or_else(|| "office".into());
        batches
            .entry((who, g.key.period))
            .or_default()
            .push(ValueWrite {
                key: g.key,
                value: g.value,
                comment: DEMO_LABEL.into(),
                source: String::new(),
            });
    }
    let reviewed_until = NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid date");
    // The villages of the last two towns leave September as saved drafts (the towns'
    // own figures, and every district figure, stay official and complete).
    let draft_places: HashSet<String> = tree
        .id(&plan.place)
        .map(|root| {
            let towns = tree.children(root);
            towns[towns.len().saturating_sub(2)..]
                .iter()
                .flat_map(|t| tree.children(*t).iter())
                .map(|v| tree.get(*v))
                .filter(|v| v.level == Level::Village)
                .map(|v| v.code.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut steps: Vec<(NaiveDateTime, Step)> = Vec::new();
    let mut approvals: BTreeMap<(String, NaiveDate), Vec<ValueKey>> = BTreeMap::new();
    for ((login, period), writes) in batches {
        let submit: Vec<ValueKey> = writes
            .iter()
            .map(|w| w.key.clone())
            .filter(|k| !(Some(period) == last && draft_places.contains(&k.place)))
            .collect();
        if period.end() <= reviewed_until {
            // The office approves, the administrator what the office wrote itself (four
            // eyes).
            let approver = if login == "office" {
                youxiang_app::ADMIN_LOGIN
            } else {
                "office"
            };
            let due = period.end() + Duration::days(DEFAULT_DUE_DAYS);
            approvals
                .entry((approver.to_string(), due))
                .or_default()
                .extend(writes.iter().map(|w| w.key.clone()));
        }
        steps.push((
            report_time(&login, period),
            Step::Report {
                login,
                writes,
                submit,
            },
        ));
    }
    for ((login, due), keys) in approvals {
        // Late reports are in by then: the latest comes six days after the due date.
        steps.push((
            beijing(due + Duration::days(7), 16, 0),
            Step::Approve { login, keys },
        ));
    }
    let july = NaiveDate::from_ymd_opt(2025, 7, 21).expect("valid date");
    steps.push((beijing(july, 10, 0), Step::Sweep));
    steps.push((beijing(today, 9, 0), Step::Sweep));
    // Stable: steps at the same moment keep their order (a report before its approval).
    steps.sort_by_key(|(at, _)| *at);

    let mut total = 0;
    for (at, step) in steps {
        app.set_clock(Some(at));
        match step {
            Step::Report {
                login,
                writes,
                submit,
            } => {
                total += app.write_values(&login, writes, None).await?.changed;
                if !submit.is_empty() {
                    app.transition(&login, submit, Transition::Submit).await?;
                }
            }
            Step::Approve { login, keys } => {
                app.transition(&login, keys, Transition::Approve).await?;
            }
            Step::Sweep => {
                config.auto_red_light = auto;
                app.set_manage_config("office", &config).await?;
                app.sweep(app.today()).await?;
                config.auto_red_light = false;
                app.set_manage_config("office", &config).await?;
            }
        }
    }
    config.auto_red_light = auto;
    app.set_manage_config("office", &config).await?;
    app.mark_demo(
        "demo",
        DemoMark {
            label: DEMO_LABEL.into(),
            as_of: today,
        },
    )
    .await?;
    app.set_clock(None);
    Ok(total)
}

/// The demo's management loop: milestones on a few key tasks (one overdue), a project's
/// investment, two weeks of weekly plans (one department missing), causes and measures
/// for the red lights, an order by hand taken through its states, and the orders the red
/// lights raised by themselves (raised when the values were written).
/// The first reporter of a unit, who files for it in the demo.
fn reporter_of(app: &App, unit: &str) -> Option<String> {
    app.read()
        .reporters
        .iter()
        .find(|r| r.unit == unit)
        .map(|r| r.login.clone())
}

pub async fn load_demo_management(app: &App) -> Result<()> {
    use chrono::NaiveDate;
    use youxiang_core::manage::{
        FilerKind, IsoWeek, Milestone, OrderAction, OrderDraft, OrderSource, ReviewChecklist,
        WeekItem, WeekItemStatus, YearInvestment,
    };
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date");
    let today = demo_today();
    year_end::load_demo_year_end(app).await?;
    // The second quarter's orders, answered over the summer: of every three, one closed in
    // time, one late, one still open (and overdue) on the demo's day.
    let q2: Vec<_> = app
        .orders("office", &Default::default(), today)
        .await?
        .into_iter()
        .filter(|o| o.item.created_at < beijing(date(2025, 8, 1), 0, 0))
        .collect();
    for (n, o) in q2.iter().enumerate().filter(|(n, _)| n % 3 != 2) {
        let Some(login) = reporter_of(app, &o.item.lead_unit) else {
            continue;
        };
        let answered = if n % 3 == 0 {
            o.item.deadline - chrono::Duration::days(2)
        } else {
            o.item.deadline + chrono::Duration::days(9)
        };
        app.set_clock(Some(beijing(
            o.item.created_at.date() + chrono::Duration::days(1),
            10,
            0,
        )));
        let v = app
            .act_on_order(&login, &o.item.id, OrderAction::Accept, o.version)
            .await?;
        app.set_clock(Some(beijing(answered, 15, 0)));
        let v = app
            .act_on_order(
                &login,
                &v.item.id,
                OrderAction::Feedback {
                    text: "已分析原因并落实整改措施,数据已回升(演示)".into(),
                },
                v.version,
            )
            .await?;
        app.set_clock(Some(beijing(answered + chrono::Duration::days(1), 11, 0)));
        app.act_on_order(
            "office",
            &v.item.id,
            OrderAction::Approve {
                checklist: ReviewChecklist::all(),
            },
            v.version,
        )
        .await?;
    }
    app.set_clock(Some(beijing(date(2025, 10, 6), 9, 0)));
    let items = app.work_items().await?;
    for (n, w) in items.iter().take(6).enumerate() {
        let mut item = w.item.clone();
        item.milestones = vec![
            Milestone {
                id: 1,
                title: "制定细化执行方案".into(),
                due: date(2025, 3, 31),
                done_on: Some(date(2025, 3, 20)),
                evidence: "方案印发文件".into(),
            },
            Milestone {
                id: 2,
                title: "完成年度建设任务过半".into(),
                due: date(2025, 6, 30),
                done_on: (n % 3 != 1).then(|| date(2025, 6, 28)),
                evidence: String::new(),
            },
            Milestone {
                id: 3,
                title: "完成年度目标并验收".into(),
                due: date(2025, 12, 31),
                done_on: None,
                evidence: String::new(),
            },
        ];
        if item.kind == youxiang_core::manage::WorkKind::Project {
            item.investment = vec![
                YearInvestment {
                    year: 2024,
                    planned_yi_yuan: 20.0,
                    completed_yi_yuan: Some(21.3),
                },
                YearInvestment {
                    year: 2025,
                    planned_yi_yuan: 22.0,
                    completed_yi_yuan: Some(15.6),
                },
            ];
        }
        app.save_work_item("office", item, w.version).await?;
    }
    // The lead unit's dated plan for each key task that carries a milestone target (全覆盖,
    // 动态清零, 100 % by a year: no derived path, methods §2): one in three is late.
    let plan = app.read().plan.clone();
    let milestone_tasks: HashSet<&str> = plan
        .task_indicators()
        .filter(|i| i.has_milestone_target())
        .filter_map(|i| i.task_code())
        .collect();
    let items = app.work_items().await?;
    let unplanned = items.iter().filter(|w| {
        w.item.kind == youxiang_core::manage::WorkKind::Task
            && w.item.milestones.is_empty()
            && milestone_tasks.contains(w.item.code.as_str())
    });
    for (n, w) in unplanned.enumerate() {
        let mut item = w.item.clone();
        item.milestones = vec![
            Milestone {
                id: 1,
                title: "制定达标实施方案和年度节点".into(),
                due: date(2024, 6, 30),
                done_on: Some(date(2024, 6, 18)),
                evidence: "实施方案印发文件(演示)".into(),
            },
            Milestone {
                id: 2,
                title: "完成建设(覆盖)任务过半".into(),
                due: date(2025, 6, 30),
                done_on: (n % 3 != 2).then(|| date(2025, 6, 25)),
                evidence: String::new(),
            },
            Milestone {
                id: 3,
                title: "全面完成并验收".into(),
                due: date(2027, 11, 30),
                done_on: None,
                evidence: String::new(),
            },
        ];
        app.save_work_item("office", item, w.version).await?;
    }
    let filers = app.weekly_filers();
    // What each unit's items advance: a department's first key task, a town's first open
    // order (the week view groups the items by them).
    let works = app.work_items().await?;
    let open_orders = app
        .orders("office", &Default::default(), today)
        .await?
        .into_iter()
        .filter(|o| o.item.state.is_open())
        .collect::<Vec<_>>();
    let advances = |unit: &str| -> Option<String> {
        works
            .iter()
            .find(|w| w.item.lead_unit == unit)
            .map(|w| w.item.id.clone())
            .or_else(|| {
                open_orders
                    .iter()
                    .find(|o| {
                        o.item.lead_unit == unit || o.item.partner_units.iter().any(|p| p == unit)
                    })
                    .map(|o| o.item.id.clone())
            })
    };
    // The demo's week (the week of its day) and the week before: the week view opens on it.
    let this_week = IsoWeek::from_date(today);
    for week in [
        IsoWeek::from_date(today - chrono::Duration::days(7)),
        this_week,
    ] {
        app.set_clock(Some(beijing(week.monday(), 9, 0)));
        for (i, (unit, kind)) in filers.iter().enumerate() {
            // One department and one town do not file the demo's week: the view flags them.
            let last_of_kind = filers
                .iter()
                .rposition(|(_, k)| k == kind)
                .is_some_and(|last| last == i);
            if week == this_week && last_of_kind {
                continue;
            }
            let login = reporter_of(app, unit).unwrap_or_else(|| "office".into());
            let (first, second) = match kind {
                FilerKind::Department => ("推进本领域重点任务月度节点", "核实并报送本月指标数据"),
                FilerKind::Town => ("落实督办事项整改", "组织村(社区)核实报送本月数据"),
            };
            let items = vec![
                WeekItem {
                    text: format!("{unit}:{first}"),
                    status: if week != this_week {
                        WeekItemStatus::Done
                    } else {
                        WeekItemStatus::Planned
                    },
                    work_item: advances(unit),
                },
                WeekItem {
                    text: format!("{unit}:{second}"),
                    status: if week != this_week && i % 2 == 0 {
                        WeekItemStatus::Planned
                    } else {
                        WeekItemStatus::Done
                    },
                    work_item: None,
                },
            ];
            app.file_weekly(&login, unit, week, items).await?;
        }
    }
    // Causes and measures for the district's red and yellow lights.
    let lagging: Vec<(String, String, String)> = {
        let s = app.read();
        s.plan
            .indicators
            .iter()
            .filter(|i| i.is_table_row())
            .filter_map(|i| {
                let st = s.official.status(&i.code, &s.plan.place, 2025)?;
                matches!(
                    st.light,
                    youxiang_core::eval::Light::Red | youxiang_core::eval::Light::Yellow
                )
                .then(|| (i.code.clone(), s.plan.place.clone(), i.lead_unit.clone()))
            })
            .collect()
    };
    app.set_clock(Some(beijing(date(2025, 10, 13), 15, 0)));
    let quarter = youxiang_core::period::Period::quarter(2025, 3).expect("valid quarter");
    for (k, (ind, place, unit)) in lagging.iter().enumerate() {
        if k % 3 == 2 {
            continue; // left unanswered: the report prints 未填报
        }
        let login = reporter_of(app, unit).unwrap_or_else(|| "office".into());
        app.save_lag_note(
            &login,
            ind,
            place,
            quarter,
            "项目建设周期较长,部分设施年内尚未投用(演示)",
            "倒排工期、挂图作战,每月调度进度,年底前完成验收(演示)",
        )
        .await?;
    }
    // One order by hand, taken through its states.
    let lead = app.departments().first().cloned().unwrap_or_default();
    let lead_login = reporter_of(app, &lead);
    app.set_clock(Some(beijing(today, 9, 30)));
    let order = app
        .raise_order(
            "office",
            OrderDraft {
                id: String::new(),
                title: "【专班交办】婴幼儿托位建设进度督办".into(),
                body: "请牵头单位梳理托育机构建设清单,明确时间表,按期反馈进展(演示)".into(),
                source: OrderSource::Manual,
                lead_unit: lead.clone(),
                partner_units: vec!["区住建局".into()],
                deadline: today + chrono::Duration::days(10),
            },
            true,
        )
        .await?;
    if let Some(login) = lead_login {
        let o = app
            .act_on_order(&login, &order.item.id, OrderAction::Accept, order.version)
            .await?;
        let o = app
            .act_on_order(
                &login,
                &o.item.id,
                OrderAction::Feedback {
                    text: "已完成托育机构摸排,新增托位 120 个(演示)".into(),
                },
                o.version,
            )
            .await?;
        app.act_on_order(
            "office",
            &o.item.id,
            OrderAction::Approve {
                checklist: ReviewChecklist::all(),
            },
            o.version,
        )
        .await?;
    }
    app.sweep(today).await?;
    load_demo_projects(app, today).await?;
    facilities::load_demo_facilities(app).await?;
    compliance::load_demo_compliance(app).await?;
    publication::load_demo_publications(app).await?;
    survey_answers::load_demo_survey_results(app, "office").await?;
    survey::load_demo_fieldwork(app, "office").await?;
    app.set_clock(None);
    publication::load_demo_circle_publication(app).await?;
    Ok(())
}

/// The register of units (单位名录): every unit the plan names, as a department of the
/// district, and each town's office, with a synthetic contact (演示) — so that no unit the
/// plan names shows as unregistered on the demo.
async fn load_demo_units(app: &App) -> Result<()> {
    use youxiang_core::units::{Contact, Unit, UnitKind, named_units};
    let (plan, towns) = {
        let state = app.read();
        let towns: Vec<String> = state
            .tree
            .id(&state.plan.place)
            .map(|root| {
                state
                    .tree
                    .children(root)
                    .iter()
                    .map(|t| state.tree.get(*t))
                    .filter(|t| t.level == Level::Town)
                    .map(|t| t.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        (state.plan.clone(), towns)
    };
    let unit = |n: usize, name: &str, kind: UnitKind, parent: &str| Unit {
        name: name.to_string(),
        code: String::new(),
        kind,
        parent: parent.to_string(),
        contacts: vec![Contact {
            person: "联络员(演示)".into(),
            phone: format!("0580-80{:05}", 10_000 + n),
        }],
        note: "演示数据".into(),
    };
    let mut units: Vec<Unit> = named_units(&plan)
        .iter()
        .filter(|(name, _)| !towns.contains(name))
        .enumerate()
        .map(|(n, (name, _))| unit(n, name, UnitKind::Department, ""))
        .collect();
    let first = units.len();
    units.extend(
        towns
            .iter()
            .enumerate()
            .map(|(n, name)| unit(first + n, name, UnitKind::Town, "")),
    );
    app.import_units("office", units).await?;
    Ok(())
}

/// The labelled register of major projects and the 民生实事 lists, entered by the office.
async fn load_demo_projects(app: &App, today: chrono::NaiveDate) -> Result<()> {
    load_demo_units(app).await?;
    app.set_clock(Some(beijing(today, 9, 0)));
    for p in projects::demo_projects(today) {
        app.save_project("office", p, 0).await?;
    }
    for i in projects::demo_livelihood(today) {
        app.save_livelihood("office", i, 0).await?;
    }
    Ok(())
}
