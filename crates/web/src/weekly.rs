//! 周计划: `GET /api/v1/weekly` (a week: which units filed, and their plans) and
//! `POST /api/v1/weekly` (a unit files its plan; last week's unfinished items carry over),
//! and the page `/weekly` (the week view and the unit's own form).
//!
//! The answer's types mirror `youxiang_core::manage::{WeekView, WeeklyPlan}` field for
//! field (built by destructuring).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Form, Json, Router};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_core::china_time::show_minute;
use youxiang_core::manage::{
    FilerKind, IsoWeek, LinkGroup, WeekItem, WeekItemStatus, WeekLink, WeekRow, WeekView,
    WeeklyPlan,
};
use youxiang_core::scope::Role;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, L, PageResult, back_to, check_form, field, render};
use crate::records::Stamp;
use crate::text::{code_of, parse_code, person};

#[derive(OpenApi)]
#[openapi(
    paths(api_weekly, api_weekly_file),
    components(schemas(WeeklyOut, WeeklyFiledOut, WeeklyIn, WeekItemIn, LinkGroupDto))
)]
pub struct WeeklyDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/weekly", get(api_weekly).post(api_weekly_file))
        .route("/weekly", get(weekly_page).post(weekly_post))
}

/// An ISO week as written (`2025-W39`); the week of `today` (the app's day: a demo
/// database's own) when absent or empty.
fn parse_week(text: Option<&str>, today: NaiveDate) -> ApiResult<IsoWeek> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(IsoWeek::from_date(today)),
        Some(t) => t
            .parse::<IsoWeek>()
            .map_err(|e| ApiError::invalid(format!("周“{t}”无效:{e}(应为 2025-W39)"))),
    }
}

// ---------------------------------------------------------------------------------------
// The API's types

/// A week: which units filed, and the plans filed.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeeklyOut {
    /// `2025-W39`.
    pub week: String,
    pub week_zh: String,
    pub view: WeekViewDto,
    pub plans: Vec<WeeklyPlanDto>,
}

/// Who filed a week's plan and who did not.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekViewDto {
    /// `2025-W39`.
    pub week: String,
    pub rows: Vec<WeekRowDto>,
    /// The units expected to file that have not.
    pub missing: Vec<String>,
    /// The linked items grouped by the task, project or order they advance.
    pub by_link: Vec<LinkGroupDto>,
}

/// The items of a week that advance one task, project or order.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkGroupDto {
    /// `task:1.2`, `project:P02` or an order's id `DB-2025-0003`.
    pub link: String,
    /// Whether the link is an order (else a task or project).
    pub order: bool,
    pub items: Vec<LinkedItemDto>,
}

/// One unit's item under a link.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedItemDto {
    pub unit: String,
    pub text: String,
    /// `planned`, `done`, `carried`.
    #[schema(value_type = String)]
    pub status: WeekItemStatus,
}

/// One unit's line of the week view.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekRowDto {
    pub unit: String,
    pub filed: bool,
    pub planned: usize,
    pub done: usize,
    pub carried: usize,
    /// UTC.
    #[schema(value_type = Option<String>)]
    pub filed_at: Option<NaiveDateTime>,
    pub filed_by: Option<String>,
    /// Whether the unit is expected to file (the departments and the towns).
    pub expected: bool,
    /// `department` or `town` for an expected unit.
    #[schema(value_type = Option<String>)]
    pub kind: Option<FilerKind>,
}

/// A unit's plan for a week.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeeklyPlanDto {
    pub unit: String,
    /// `2025-W39`.
    pub week: String,
    pub items: Vec<WeekItemDto>,
    /// UTC.
    #[schema(value_type = String)]
    pub filed_at: NaiveDateTime,
    pub filed_by: String,
}

/// One item of a weekly plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekItemDto {
    pub text: String,
    /// `planned`, `done`, `carried`.
    #[schema(value_type = String)]
    pub status: WeekItemStatus,
    /// What it advances: a task or project (`task:1.2`) or an order (`DB-2025-0003`).
    pub work_item: Option<String>,
}

/// A plan as filed, with its version.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeeklyFiledOut {
    #[serde(flatten)]
    pub stamp: Stamp,
    #[serde(flatten)]
    pub plan: WeeklyPlanDto,
}

impl From<WeekView> for WeekViewDto {
    fn from(v: WeekView) -> Self {
        let WeekView {
            week,
            rows,
            missing,
            by_link,
        } = v;
        WeekViewDto {
            week: String::from(week),
            rows: rows
                .into_iter()
                .map(|r| {
                    let WeekRow {
                        unit,
                        filed,
                        planned,
                        done,
                        carried,
                        filed_at,
                        filed_by,
                        expected,
                        kind,
                    } = r;
                    WeekRowDto {
                        unit,
                        filed,
                        planned,
                        done,
                        carried,
                        filed_at,
                        filed_by,
                        expected,
                        kind,
                    }
                })
                .collect(),
            missing,
            by_link: by_link
                .into_iter()
                .map(|g| {
                    let LinkGroup { link, order, items } = g;
                    LinkGroupDto {
                        link,
                        order,
                        items: items
                            .into_iter()
                            .map(|i| LinkedItemDto {
                                unit: i.unit,
                                text: i.text,
                                status: i.status,
                            })
                            .collect(),
                    }
                })
                .collect(),
        }
    }
}

impl From<WeeklyPlan> for WeeklyPlanDto {
    fn from(p: WeeklyPlan) -> Self {
        let WeeklyPlan {
            unit,
            week,
            items,
            filed_at,
            filed_by,
        } = p;
        WeeklyPlanDto {
            unit,
            week: String::from(week),
            items: items
                .into_iter()
                .map(|i| {
                    let WeekItem {
                        text,
                        status,
                        work_item,
                    } = i;
                    WeekItemDto {
                        text,
                        status,
                        work_item,
                    }
                })
                .collect(),
            filed_at,
            filed_by,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The API

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeekQuery {
    /// ISO week `2025-W39`; this week when absent or empty.
    #[param(pattern = r"^([0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub week: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/weekly", tag = "manage", params(WeekQuery),
    responses(
        (status = 200, description = "一周的周计划:各部门是否报送(未报送列出)和各单位计划", body = WeeklyOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "周无效", body = ErrorBody),
    ))]
async fn api_weekly(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<WeekQuery>,
) -> ApiResult<Json<WeeklyOut>> {
    let week = parse_week(q.week.as_deref(), web.app.today())?;
    let (view, plans) = web.app.week_view(week).await?;
    Ok(Json(WeeklyOut {
        week: week.to_string(),
        week_zh: week.label_zh(),
        view: view.into(),
        plans: plans.into_iter().map(WeeklyPlanDto::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WeekItemIn {
    #[schema(min_length = 1, pattern = r"\S")]
    pub text: String,
    /// `planned` (also when absent or empty), `done`, `carried`.
    #[schema(pattern = "^(planned|done|carried)?$")]
    #[serde(default)]
    pub status: Option<String>,
    /// What it advances: a task or project (`task:1.2`, `project:P02`) or an order the
    /// filer may see (`DB-2025-0003`); refused when it does not exist.
    #[serde(default)]
    pub work_item: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WeeklyIn {
    /// ISO week `2025-W39` (a week 53 exists only in some years and is accepted then).
    #[schema(pattern = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-2])$")]
    pub week: String,
    /// The unit; the user's own when absent (the office may file for any).
    #[serde(default)]
    pub unit: Option<String>,
    #[schema(min_items = 1)]
    pub items: Vec<WeekItemIn>,
}

fn week_items(items: &[WeekItemIn]) -> ApiResult<Vec<WeekItem>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, i) in items.iter().enumerate() {
        let status = match i.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => WeekItemStatus::Planned,
            Some(s) => match parse_code::<WeekItemStatus>(s) {
                Some(st) => st,
                None => {
                    errors.push(format!(
                        "第 {} 项:状态“{s}”无效(planned/done/carried)",
                        n + 1
                    ));
                    continue;
                }
            },
        };
        out.push(WeekItem {
            text: i.text.trim().to_string(),
            status,
            work_item: i.work_item.clone().filter(|w| !w.trim().is_empty()),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::Invalid(errors))
    }
}

#[utoipa::path(post, path = "/api/v1/weekly", tag = "manage", request_body = WeeklyIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已报送(上周未完成事项自动结转)", body = WeeklyFiledOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权为该单位报送或 CSRF 令牌无效", body = ErrorBody),
        (status = 422, description = "内容无效(逐条列出)", body = ErrorBody),
    ))]
async fn api_weekly_file(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<WeeklyIn>,
) -> ApiResult<Json<WeeklyFiledOut>> {
    if body.week.trim().is_empty() {
        return Err(ApiError::invalid("周计划须写明周(week,如 2025-W39)"));
    }
    let week = parse_week(Some(&body.week), web.app.today())?;
    let items = week_items(&body.items)?;
    let unit = body
        .unit
        .clone()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| who.user.unit.clone());
    let saved = web
        .app
        .file_weekly(&who.user.login, &unit, week, items)
        .await?;
    Ok(Json(WeeklyFiledOut {
        stamp: (&saved).into(),
        plan: saved.item.into(),
    }))
}

// ---------------------------------------------------------------------------------------
// The page

struct WeekRowView {
    unit: String,
    kind: String,
    filed: bool,
    expected: bool,
    planned: usize,
    done: usize,
    carried: usize,
    filed_at: String,
}

/// The items advancing one task, project or order: its page, its words, and each unit's
/// (unit, state, item).
struct LinkGroupView {
    href: String,
    words: String,
    items: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "manage_weekly.html")]
struct WeeklyPage {
    c: Chrome,
    l: L,
    title: String,
    week: String,
    week_zh: String,
    prev: String,
    next: String,
    /// The neighbouring weeks in words (`2025年第40周`), for the links.
    prev_words: String,
    next_words: String,
    office: bool,
    rows: Vec<WeekRowView>,
    missing: Vec<String>,
    plans: Vec<(String, Vec<(String, String)>)>,
    groups: Vec<LinkGroupView>,
    can_file: bool,
    unit: String,
    my_status: String,
    /// (index, text, state code, link id, whether the link is among `links`).
    form_items: Vec<(usize, String, String, String, bool)>,
    statuses: Vec<(String, String)>,
    /// (id, words) of what the unit's items may link to: its tasks and projects, its open
    /// orders.
    links: Vec<(String, String)>,
    notice: String,
}

/// The page a link leads to and its words: `/tasks/task:1.2` with the task's title, or
/// `/orders/DB-2025-0003` with the order's.
fn link_target(link: &str, titles: &HashMap<String, String>) -> (String, String) {
    let words = titles
        .get(link)
        .cloned()
        .unwrap_or_else(|| link.to_string());
    let item = WeekItem {
        text: String::new(),
        status: WeekItemStatus::Planned,
        work_item: Some(link.to_string()),
    };
    match item.link() {
        Some(WeekLink::Order(id)) => (format!("/orders/{id}"), words),
        _ => (format!("/tasks/{link}"), words),
    }
}

async fn weekly_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/weekly");
    let week =
        parse_week(q.get("week").map(String::as_str), web.app.today()).map_err(|e| c.error(e))?;
    let office = who.user.role.is_office() || who.user.role == Role::Viewer;
    let (view, plans) = web.app.week_view(week).await.map_err(|e| c.error(e))?;
    let rows = {
        let state = web.app.read();
        view.rows
            .iter()
            .map(|r| WeekRowView {
                unit: r.unit.clone(),
                kind: r
                    .kind
                    .map(|k| if c.en { k.label_en() } else { k.label_zh() })
                    .unwrap_or_default()
                    .to_string(),
                filed: r.filed,
                expected: r.expected,
                planned: r.planned,
                done: r.done,
                carried: r.carried,
                filed_at: r
                    .filed_at
                    .map(|t| {
                        format!(
                            "{}({})",
                            show_minute(t),
                            person(&state, r.filed_by.as_deref().unwrap_or_default(), c.en)
                        )
                    })
                    .unwrap_or_default(),
            })
            .collect()
    };
    let unit = who.user.unit.clone();
    let can_file = who.user.role.can_report() && !who.user.role.is_office();
    // What items may link to (the unit's tasks, projects and open orders), and every
    // link's words for the grouped view.
    let works = web.app.work_items().await.map_err(|e| c.error(e))?;
    let orders = web
        .app
        .orders(&who.user.login, &Default::default(), web.app.today())
        .await
        .map_err(|e| c.error(e))?;
    let mut titles: HashMap<String, String> = HashMap::new();
    let mut links = Vec::new();
    for w in &works {
        let words = format!("{} {}", w.item.code, w.item.title);
        if w.item.lead_unit == unit || w.item.partner_units.contains(&unit) {
            links.push((w.item.id.clone(), words.clone()));
        }
        titles.insert(w.item.id.clone(), words);
    }
    for o in &orders {
        let words = format!("{} {}", o.item.id, o.item.title);
        if o.item.state.is_open()
            && (o.item.lead_unit == unit || o.item.partner_units.contains(&unit))
        {
            links.push((o.item.id.clone(), words.clone()));
        }
        titles.insert(o.item.id.clone(), words);
    }
    let mine = web
        .app
        .weekly_plan(&unit, week)
        .await
        .map_err(|e| c.error(e))?;
    let my_status = match &mine {
        Some(p) if c.en => format!(
            "filed {} ({} items)",
            show_minute(p.filed_at),
            p.items.len()
        ),
        Some(p) => format!("已报送 {}({} 项)", show_minute(p.filed_at), p.items.len()),
        None => c.labels().t("not_filed").into(),
    };
    let mut items: Vec<WeekItem> = match mine {
        Some(p) => p.items,
        None => match web
            .app
            .weekly_plan(&unit, week.previous())
            .await
            .map_err(|e| c.error(e))?
        {
            Some(prev) => youxiang_core::manage::carry_over(&prev),
            None => vec![],
        },
    };
    for _ in 0..3 {
        items.push(WeekItem {
            text: String::new(),
            status: WeekItemStatus::Planned,
            work_item: None,
        });
    }
    let form_items = items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let link = it.work_item.clone().unwrap_or_default();
            let known = links.iter().any(|(id, _)| *id == link);
            (i, it.text.clone(), code_of(&it.status), link, known)
        })
        .collect();
    let statuses = [
        WeekItemStatus::Planned,
        WeekItemStatus::Done,
        WeekItemStatus::Carried,
    ]
    .iter()
    .map(|s| {
        let label = if c.en { s.label_en() } else { s.label_zh() };
        (code_of(s), label.to_string())
    })
    .collect();
    let plan_list = if office {
        plans
            .iter()
            .map(|p| {
                (
                    p.unit.clone(),
                    p.items
                        .iter()
                        .map(|i| {
                            let label = if c.en {
                                i.status.label_en()
                            } else {
                                i.status.label_zh()
                            };
                            (label.to_string(), i.text.clone())
                        })
                        .collect(),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let groups = if office {
        view.by_link
            .iter()
            .map(|g| {
                let (href, words) = link_target(&g.link, &titles);
                LinkGroupView {
                    href,
                    words,
                    items: g
                        .items
                        .iter()
                        .map(|i| {
                            let state = if c.en {
                                i.status.label_en()
                            } else {
                                i.status.label_zh()
                            };
                            (i.unit.clone(), state.to_string(), i.text.clone())
                        })
                        .collect(),
                }
            })
            .collect()
    } else {
        vec![]
    };
    let l = c.labels();
    Ok(render(&WeeklyPage {
        title: l.t("weekly").into(),
        week: week.to_string(),
        week_zh: if c.en {
            week.label_en()
        } else {
            week.label_zh()
        },
        prev: week.previous().to_string(),
        next: week.next().to_string(),
        prev_words: if c.en {
            week.previous().label_en()
        } else {
            week.previous().label_zh()
        },
        next_words: if c.en {
            week.next().label_en()
        } else {
            week.next().label_zh()
        },
        office,
        rows,
        missing: view.missing.clone(),
        plans: plan_list,
        groups,
        can_file,
        unit,
        my_status,
        form_items,
        statuses,
        links,
        notice: q.get("ok").cloned().unwrap_or_default(),
        l,
        c,
    }))
}

async fn weekly_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    check_form(&who.chrome(&web, "/weekly"), &who, &form)?;
    let c = who.chrome(&web, "/weekly");
    let week = parse_week(field(&form, "week"), web.app.today()).map_err(|e| c.error(e))?;
    let mut items = Vec::new();
    for i in 0..200 {
        let Some(text) = field(&form, &format!("t{i}")) else {
            break;
        };
        if text.trim().is_empty() {
            continue;
        }
        items.push(WeekItemIn {
            text: text.to_string(),
            status: field(&form, &format!("s{i}")).map(String::from),
            work_item: field(&form, &format!("w{i}")).map(String::from),
        });
    }
    let items = week_items(&items).map_err(|e| c.error(e))?;
    let unit = field(&form, "unit")
        .filter(|u| !u.trim().is_empty())
        .map(String::from)
        .unwrap_or_else(|| who.user.unit.clone());
    web.app
        .file_weekly(&who.user.login, &unit, week, items)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        &format!("/weekly?week={week}"),
        &format!("{unit} {} 周计划已报送", week.label_zh()),
    ))
}
