//! `youxiang demo`: the Dinghai plan, Dinghai's 13 real towns/streets with villages, users
//! for each role, and the labelled synthetic dataset written through the one write path.

use youxiang_app::ValueWrite;
use youxiang_core::Plan;
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

/// Writes the demo users and the synthetic dataset. Each figure is written by the user
/// who answers for it (the closest scope), so the audit trail and completeness read as
/// they would in use, then submitted by them and approved up to June 2025. A few villages
/// leave their latest month unreported, so that completeness is not a flat 100%.
pub async fn load_demo(app: &App) -> Result<usize> {
    let (plan, tree) = {
        let s = app.read();
        (s.plan.clone(), s.tree.clone())
    };
    let reporters = demo_reporters(&plan, &tree);
    app.save_reporters(reporters.clone(), "demo").await?;
    let generated = dinghai_demo(&plan, &tree);
    let last = generated.iter().map(|g| g.key.period).max();
    let mut by_reporter: std::collections::BTreeMap<String, Vec<ValueWrite>> = Default::default();
    let mut skipped_villages = std::collections::HashSet::new();
    for g in generated {
        let Some(place) = tree.id(&g.key.place) else {
            continue;
        };
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
        by_reporter.entry(who).or_default().push(ValueWrite {
            key: g.key,
            value: g.value,
            comment: DEMO_LABEL.into(),
        });
    }
    let mut total = 0;
    let mut written: Vec<(String, Vec<ValueKey>)> = Vec::new();
    for (login, writes) in by_reporter {
        let keys = writes.iter().map(|w| w.key.clone()).collect();
        total += app.write_values(&login, writes, None).await?.changed;
        written.push((login, keys));
    }
    // Through the review states as in use: every figure submitted by its reporter (so the
    // official figures — what viewers, the ranking and the report see — are the demo's),
    // and approved up to the end of June 2025; the third quarter waits for review. The
    // office approves, the administrator what the office wrote itself (four eyes).
    let reviewed_until = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid date");
    for (login, keys) in &written {
        app.transition(login, keys.clone(), Transition::Submit)
            .await?;
    }
    for (login, keys) in written {
        let approver = if login == "office" {
            youxiang_app::ADMIN_LOGIN
        } else {
            "office"
        };
        let keys: Vec<ValueKey> = keys
            .into_iter()
            .filter(|k| k.period.end() <= reviewed_until)
            .collect();
        if !keys.is_empty() {
            app.transition(approver, keys, Transition::Approve).await?;
        }
    }
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
        IsoWeek, Milestone, OrderAction, OrderDraft, OrderSource, ReviewChecklist, WeekItem,
        WeekItemStatus, YearInvestment,
    };
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date");
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
    let departments = app.departments();
    for week in [IsoWeek::new(2025, 38), IsoWeek::new(2025, 39)]
        .into_iter()
        .flatten()
    {
        for (i, unit) in departments.iter().enumerate() {
            // One department does not file the second week: the week view flags it.
            if week.week == 39 && i == departments.len() - 1 {
                continue;
            }
            let login = reporter_of(app, unit).unwrap_or_else(|| "office".into());
            let items = vec![
                WeekItem {
                    text: format!("{unit}:推进本领域重点任务月度节点"),
                    status: if week.week == 38 {
                        WeekItemStatus::Done
                    } else {
                        WeekItemStatus::Planned
                    },
                    work_item: None,
                },
                WeekItem {
                    text: format!("{unit}:核实并报送本月指标数据"),
                    status: if week.week == 38 && i % 2 == 0 {
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
    let lead = departments.first().cloned().unwrap_or_default();
    let lead_login = reporter_of(app, &lead);
    let today = youxiang_app::manage::today();
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
    Ok(())
}
