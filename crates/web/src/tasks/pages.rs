//! The pages of the tasks: 任务清单 `/tasks` (filter: overdue only) and one item
//! `/tasks/{id}` (milestones, investment, progress with its files; the forms to add
//! progress and to add or complete a milestone).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use youxiang_core::china_time::show_minute;
use youxiang_core::manage::Milestone;

use super::read_progress;
use crate::Shared;
use crate::error::ApiError;
use crate::extract::PageUser;
use crate::layout::{Chrome, Fields, L, PageResult, back_to, check_form, field, render};
use crate::text::{parse_date, pctf, yi};

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/tasks", get(tasks_page))
        .route("/tasks/{id}", get(task_page))
        .route("/tasks/{id}/progress", post(task_progress_post))
        .route("/tasks/{id}/milestones", post(task_milestone_post))
}

struct TaskRow {
    id: String,
    code: String,
    kind: String,
    title: String,
    lead: String,
    milestones: String,
    done: usize,
    overdue: usize,
    planned: String,
    completed: String,
    updates: usize,
}

#[derive(Template)]
#[template(path = "manage_tasks.html")]
struct TasksPage {
    c: Chrome,
    l: L,
    title: String,
    rows: Vec<TaskRow>,
    only_overdue: bool,
}

async fn tasks_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/tasks");
    let items = web.app.work_items().await.map_err(|e| c.error(e))?;
    let day = web.app.today();
    let only_overdue = q.get("overdue").is_some_and(|v| v == "1" || v == "true");
    let rows = items
        .iter()
        .filter(|w| !only_overdue || !w.item.overdue_milestones(day).is_empty())
        .map(|w| {
            let it = &w.item;
            let planned: f64 = it.investment.iter().map(|y| y.planned_yi_yuan).sum();
            let completed: f64 = it
                .investment
                .iter()
                .filter_map(|y| y.completed_yi_yuan)
                .sum();
            let (planned, completed) = if it.investment.is_empty() {
                (
                    it.total_investment_yi_yuan
                        .map(yi)
                        .unwrap_or_else(|| "—".into()),
                    "—".to_string(),
                )
            } else {
                (yi(planned), yi(completed))
            };
            TaskRow {
                id: it.id.clone(),
                code: it.code.clone(),
                kind: if c.en {
                    it.kind.label_en().into()
                } else {
                    it.kind.label_zh().into()
                },
                title: it.title.clone(),
                lead: it.lead_unit.clone(),
                milestones: it.milestones.len().to_string(),
                done: it.milestones.iter().filter(|m| m.done_on.is_some()).count(),
                overdue: it.overdue_milestones(day).len(),
                planned,
                completed,
                updates: it.updates.len(),
            }
        })
        .collect();
    let l = c.labels();
    Ok(render(&TasksPage {
        title: l.t("tasks").into(),
        l,
        c,
        rows,
        only_overdue,
    }))
}

struct MilestoneView {
    id: u32,
    title: String,
    due: String,
    done: String,
    overdue: bool,
    evidence: String,
}

struct UpdateView {
    at: String,
    actor: String,
    text: String,
    files: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "manage_task.html")]
struct TaskPage {
    c: Chrome,
    l: L,
    title: String,
    id: String,
    version: i64,
    kind: String,
    lead: String,
    partners: String,
    domain: String,
    measures: String,
    milestones: Vec<MilestoneView>,
    investment: Vec<(String, String, String, String)>,
    total: String,
    updates: Vec<UpdateView>,
    may_edit: bool,
    notice: String,
    today: String,
}

async fn task_page(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, &format!("/tasks/{id}"));
    let w = web.app.work_item(&id).await.map_err(|e| c.error(e))?;
    let day = web.app.today();
    let it = &w.item;
    let mut ms: Vec<&Milestone> = it.milestones.iter().collect();
    ms.sort_by_key(|m| (m.due, m.id));
    let milestones = ms
        .iter()
        .map(|m| MilestoneView {
            id: m.id,
            title: m.title.clone(),
            due: m.due.to_string(),
            done: m
                .done_on
                .map(|d| {
                    if m.done_on_time() {
                        format!("✔ {d}")
                    } else {
                        format!("✔ {d}(逾期完成)")
                    }
                })
                .unwrap_or_default(),
            overdue: m.is_overdue(day),
            evidence: m.evidence.clone(),
        })
        .collect();
    let investment = it
        .investment
        .iter()
        .map(|y| {
            (
                format!("{} 年", y.year),
                yi(y.planned_yi_yuan),
                y.completed_yi_yuan.map(yi).unwrap_or_else(|| "—".into()),
                pctf(it.investment_progress(y.year)),
            )
        })
        .collect();
    let updates = it
        .updates
        .iter()
        .rev()
        .map(|u| UpdateView {
            at: show_minute(u.at),
            actor: u.actor.clone(),
            text: u.text.clone(),
            files: u
                .attachments
                .iter()
                .map(|a| {
                    (
                        format!("/api/v1/attachments/{}", a.sha256),
                        a.name.clone(),
                        format!("{:.1} KB", a.size as f64 / 1024.0),
                    )
                })
                .collect(),
        })
        .collect();
    let l = c.labels();
    let page = TaskPage {
        title: format!("{} {}", it.code, it.title),
        id: it.id.clone(),
        version: w.version,
        kind: it.kind.label_zh().into(),
        lead: it.lead_unit.clone(),
        partners: if it.partner_units.is_empty() {
            "—".into()
        } else {
            it.partner_units.join("、")
        },
        domain: it
            .domain
            .as_deref()
            .map(|d| {
                let plan = web.app.read().plan.clone();
                plan.domains
                    .iter()
                    .find(|x| x.code == d || x.name == d)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| d.to_string())
            })
            .unwrap_or_default(),
        measures: it.measures.clone(),
        milestones,
        investment,
        total: it.total_investment_yi_yuan.map(yi).unwrap_or_default(),
        updates,
        may_edit: youxiang_core::permission::may_edit_work_item(&who.user, it),
        notice: q.get("ok").cloned().unwrap_or_default(),
        today: day.to_string(),
        l,
        c,
    };
    Ok(render(&page))
}

async fn task_progress_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    mp: Multipart,
) -> PageResult {
    let path = format!("/tasks/{id}");
    let c = who.chrome(&web, &path);
    let (text, files, csrf) = read_progress(mp, web.config.body_limit)
        .await
        .map_err(|e| c.error(e))?;
    who.check_csrf(csrf.as_deref()).map_err(|e| c.error(e))?;
    let n = files.len();
    web.app
        .add_progress(&who.user.login, &id, &text, files)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(&path, &format!("已记录进展(附件 {n} 个)")))
}

async fn task_milestone_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult {
    let path = format!("/tasks/{id}");
    check_form(&who.chrome(&web, &path), &who, &form)?;
    let c = who.chrome(&web, &path);
    let w = web.app.work_item(&id).await.map_err(|e| c.error(e))?;
    let version: i64 = field(&form, "version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(w.version);
    let mut item = w.item.clone();
    let date = |k: &str| -> Result<NaiveDate, ApiError> {
        let t = field(&form, k).unwrap_or_default().trim();
        if t.is_empty() {
            Ok(web.app.today())
        } else {
            parse_date(t, "日期")
        }
    };
    let msg = match field(&form, "milestone").and_then(|m| m.parse::<u32>().ok()) {
        Some(mid) => {
            let on = date("done_on").map_err(|e| c.error(e))?;
            let Some(m) = item.milestones.iter_mut().find(|m| m.id == mid) else {
                return Err(c.error(ApiError::NotFound(format!("里程碑 {mid}"))));
            };
            m.done_on = Some(on);
            if let Some(e) = field(&form, "evidence").filter(|e| !e.trim().is_empty()) {
                m.evidence = e.trim().to_string();
            }
            format!("里程碑“{}”已标记完成", m.title)
        }
        None => {
            let due = match field(&form, "due").unwrap_or_default().trim() {
                "" => return Err(c.error(ApiError::invalid("请填写计划完成日期"))),
                t => parse_date(t, "计划完成日期").map_err(|e| c.error(e))?,
            };
            let title = field(&form, "title").unwrap_or_default().trim().to_string();
            item.milestones.push(Milestone {
                id: item.next_milestone_id(),
                title: title.clone(),
                due,
                done_on: None,
                evidence: String::new(),
            });
            format!("已新增里程碑“{title}”")
        }
    };
    web.app
        .save_work_item(&who.user.login, item, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(&path, &msg))
}
